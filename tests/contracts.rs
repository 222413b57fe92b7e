//! Public contracts validated against their schemas: the JSON output against the committed
//! `schemas/readiness.schema.json`, and the OpenLineage run event against the spec's run-event
//! schema and each facet against its own schema (copied into tests/openlineage/).

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::{NOW, repo_path};
use jsonschema::Registry;
use serde_json::{Value, json};
use tempfile::TempDir;

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn the_committed_json_schema_is_the_one_the_code_writes() {
    let committed = std::fs::read_to_string(repo_path("schemas/readiness.schema.json"))
        .expect("schemas/readiness.schema.json is committed");
    let generated = readiness::report::json::schema();
    if std::env::var_os("READINESS_BLESS").is_some() {
        std::fs::write(repo_path("schemas/readiness.schema.json"), &generated).unwrap();
        return;
    }
    assert!(
        committed == generated,
        "the JSON contract changed: review the change, then regenerate the schema with \
         READINESS_BLESS=1 cargo test --test contracts"
    );
}

#[test]
fn real_output_validates_against_the_committed_json_schema() {
    let schema = read_json(&repo_path("schemas/readiness.schema.json"));
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema is valid JSON Schema");
    let dir = TempDir::new().unwrap();
    let json_path = dir.path().join("out.json");
    let history = dir.path().join("history");
    let sample = repo_path("sample-data");
    for now in ["2026-11-21T00:00:00Z", NOW] {
        let output = Command::cargo_bin("readiness")
            .unwrap()
            .args(["scan", sample.to_str().unwrap(), "--key", "customer_id"])
            .args(["--label", "churned", "--now", now, "-q", "--html", "-"])
            .args(["--json", json_path.to_str().unwrap()])
            .args(["--history", history.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(common::profiled(&output));
    }
    let document = read_json(&json_path);
    // The document exercises every part: three datasets, findings, a history with a change.
    assert_eq!(document["datasets"].as_array().unwrap().len(), 3);
    assert_eq!(document["history"]["previous_runs"], 1);
    assert!(document["history"]["datasets"][0]["change"].is_object());
    assert_eq!(errors(&validator, &document), Vec::<String>::new());

    // The validator is not a rubber stamp: broken documents fail.
    let mut broken = document.clone();
    broken["datasets"][0]["row_count"] = json!("many");
    assert!(!validator.is_valid(&broken));
    let mut broken = document.clone();
    broken["assessment"]["overall_verdict"] = json!("fine");
    assert!(!validator.is_valid(&broken));
    let mut broken = document;
    broken.as_object_mut().unwrap().remove("schema_version");
    assert!(!validator.is_valid(&broken));
}

/// The OpenLineage schemas, registered under their `$id`s so `$ref`s resolve offline.
fn openlineage_registry() -> (Registry<'static>, Vec<(String, Value)>) {
    let root = repo_path("tests/openlineage");
    let mut schemas = vec![read_json(&root.join("OpenLineage.json"))];
    for entry in std::fs::read_dir(root.join("facets")).unwrap() {
        schemas.push(read_json(&entry.unwrap().path()));
    }
    let with_ids: Vec<(String, Value)> = schemas
        .into_iter()
        .map(|s| (s["$id"].as_str().unwrap().to_string(), s))
        .collect();
    let mut registry = Registry::new();
    for (id, schema) in &with_ids {
        registry = registry.add(id.clone(), schema.clone()).unwrap();
    }
    (registry.prepare().unwrap(), with_ids)
}

#[test]
fn the_openlineage_event_validates_against_the_spec_and_each_facet_schema() {
    let dir = TempDir::new().unwrap();
    let event_path = dir.path().join("lineage/event.json");
    let sample = repo_path("sample-data");
    let output = Command::cargo_bin("readiness")
        .unwrap()
        .args(["scan", sample.to_str().unwrap(), "--key", "order_id"])
        .args(["--now", NOW, "-q", "--html", "-", "--json", "-"])
        .args(["--openlineage", event_path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(common::profiled(&output));
    let event = read_json(&event_path);
    let (registry, schemas) = openlineage_registry();
    let validator_for = |id: &str| {
        jsonschema::options()
            .should_validate_formats(true)
            .with_registry(&registry)
            .build(&json!({ "$ref": id }))
            .unwrap()
    };

    let run_event =
        validator_for("https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent");
    assert_eq!(errors(&run_event, &event), Vec::<String>::new());
    assert_eq!(event["eventType"], "COMPLETE");
    assert_eq!(event["eventTime"], NOW);

    let inputs = event["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 3);
    let orders = inputs
        .iter()
        .find(|i| i["name"].as_str().unwrap().ends_with("sample-data/orders"))
        .expect("orders is an input, named by its absolute path");
    assert_eq!(orders["namespace"], "file");
    // Every facet validates against its own schema, by the `_schemaURL` it declares.
    let mut checked = 0;
    for input in inputs {
        for group in ["facets", "inputFacets"] {
            for (name, facet) in input[group].as_object().unwrap() {
                let url = facet["_schemaURL"].as_str().unwrap();
                let (file, _) = url.split_once('#').unwrap();
                assert!(
                    schemas.iter().any(|(id, _)| id == file),
                    "{name}: {url} is not a spec schema"
                );
                let validator = validator_for(url);
                assert_eq!(errors(&validator, facet), Vec::<String>::new(), "{name}");
                // The facet schema is strict enough to notice a broken facet.
                let mut broken = facet.clone();
                broken.as_object_mut().unwrap().remove("_producer");
                assert!(!validator.is_valid(&broken), "{name} without _producer");
                checked += 1;
            }
        }
    }
    // schema + dataSource per input, ownership on orders only, two input facets per input.
    assert_eq!(checked, 3 * 4 + 1);
    let metrics = &orders["inputFacets"]["dataQualityMetrics"];
    assert_eq!(metrics["rowCount"], 3011);
    assert_eq!(metrics["fileCount"], 4);
    assert_eq!(metrics["columnMetrics"]["amount"]["nullCount"], 43);
    let assertions = orders["inputFacets"]["dataQualityAssertions"]["assertions"]
        .as_array()
        .unwrap();
    // One of four files is truncated: a failing assertion of severity error; 17 repeated
    // keys of 3,011 rows (0.6%) a warning.
    let find = |check: &str| assertions.iter().find(|a| a["assertion"] == check).unwrap();
    assert_eq!(find("files_readable")["success"], false);
    assert_eq!(find("files_readable")["severity"], "error");
    assert_eq!(find("duplicate_keys")["success"], false);
    assert_eq!(find("duplicate_keys")["severity"], "warn");
    assert_eq!(find("duplicate_keys")["column"], "order_id");
    assert!(
        assertions
            .iter()
            .any(|a| a["assertion"] == "volume" && a["success"] == true)
    );
    assert!(orders["facets"]["ownership"]["owners"][0]["name"].is_string());
    let fields = orders["facets"]["schema"]["fields"].as_array().unwrap();
    assert!(fields.iter().any(|f| f["name"] == "year"));
}
