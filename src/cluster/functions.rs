//! readiness's own functions on the wire: each travels as its name and a small JSON recipe of
//! the parameters it was built with (placeholder tokens, a limit), and every node rebuilds it
//! from the same constructors the profile passes call. No function body, state or closure is
//! serialised: a cluster runs the one binary on every node.

use std::sync::Arc;

use datafusion::common::ScalarValue;
use datafusion::logical_expr::{AggregateUDF, Expr, ScalarUDF, lit};
use serde::{Deserialize, Serialize};

use crate::dimensions::completeness::profile::Placeholders;
use crate::dimensions::duplication::profile::{matching_text_hash, matching_text_of};
use crate::profile::kernels::{
    conflicts, counts, day, filled, keycounts, missing, pairs, personal, rowhash, shapes, sketch,
    textcode, textrange,
};

/// Marks a buffer as a readiness recipe (anything else is another codec's).
const TAG: &[u8] = b"readiness:";

/// What a function was built with besides its name.
#[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
struct Recipe {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    placeholders: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    limit: Option<usize>,
}

fn is_ours(name: &str) -> bool {
    name.starts_with("readiness_")
}

fn write(recipe: &Recipe, buf: &mut Vec<u8>) {
    buf.extend_from_slice(TAG);
    // A struct of strings and a number always serialises.
    buf.extend_from_slice(&serde_json::to_vec(recipe).unwrap_or_default());
}

fn read(buf: &[u8]) -> Option<Recipe> {
    serde_json::from_slice(buf.strip_prefix(TAG)?).ok()
}

/// Writes `udf`'s recipe into `buf` when it is one of readiness's functions.
pub fn encode_scalar(udf: &ScalarUDF, buf: &mut Vec<u8>) -> bool {
    if !is_ours(udf.name()) {
        return false;
    }
    let recipe = Recipe {
        placeholders: missing::placeholder_tokens(udf).map(<[String]>::to_vec),
        limit: None,
    };
    write(&recipe, buf);
    true
}

/// Writes `udaf`'s recipe into `buf` when it is one of readiness's functions.
pub fn encode_aggregate(udaf: &AggregateUDF, buf: &mut Vec<u8>) -> bool {
    if !is_ours(udaf.name()) {
        return false;
    }
    let recipe = Recipe {
        placeholders: None,
        limit: counts::limit_of(udaf).or_else(|| pairs::limit_of(udaf)),
    };
    write(&recipe, buf);
    true
}

/// The argument the constructors are called with to get at their function.
fn any() -> Expr {
    lit(ScalarValue::Null)
}

/// The scalar function `name` rebuilt from its recipe; `None` when it is not readiness's.
pub fn decode_scalar(name: &str, buf: &[u8]) -> Option<Arc<ScalarUDF>> {
    let recipe = read(buf)?;
    // A parameter the recipe lacks is no function: a default would be another rule, silently.
    let call = match name {
        "readiness_missing_kind" => {
            missing::missing_kind(any(), &Placeholders::new(recipe.placeholders.as_deref()?))
        }
        // The rule is in its argument (a missing-kind call), not in the function.
        "readiness_present" => missing::present(any(), &Placeholders::default_tokens()),
        "readiness_float_bits" => missing::float_bits(any()),
        "readiness_row_hash" => rowhash::row_hash(vec![any()]),
        "readiness_text_shape" => shapes::text_shape(any()),
        "readiness_personal_value" => personal::personal_value(any()),
        "readiness_matching_text_hash" => matching_text_hash(any()),
        "readiness_matching_text" => matching_text_of(any()),
        "readiness_value_key" => pairs::value_key(any()),
        "readiness_utc_day" => day::utc_day(any()),
        _ => return None,
    };
    match call {
        Expr::ScalarFunction(function) if function.func.name() == name => Some(function.func),
        _ => None,
    }
}

/// The aggregate function `name` rebuilt from its recipe; `None` when it is not readiness's.
pub fn decode_aggregate(name: &str, buf: &[u8]) -> Option<Arc<AggregateUDF>> {
    let recipe = read(buf)?;
    let call = match name {
        "readiness_missing" => missing::missing_counts(vec![any()]),
        "readiness_value_counts" => counts::value_counts(any(), recipe.limit?),
        "readiness_pair_counts" => pairs::pair_counts(any(), any(), recipe.limit?),
        "readiness_key_counts" => keycounts::key_counts(any()),
        "readiness_conflicts" => conflicts::conflicts(any(), any()),
        "readiness_filled_where" => filled::filled_where(any(), vec![any()]),
        "readiness_sketch" => sketch::sketch(any()),
        "readiness_distinct_fingerprints" => rowhash::distinct_fingerprints(any()),
        "readiness_text_range" => textrange::text_range(any(), any()),
        "readiness_code_counts" => textcode::code_counts(any()),
        _ => return None,
    };
    match call {
        Expr::AggregateFunction(function) if function.func.name() == name => Some(function.func),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scalar_of(call: Expr) -> Arc<ScalarUDF> {
        match call {
            Expr::ScalarFunction(function) => function.func,
            other => panic!("not a scalar function: {other}"),
        }
    }

    fn aggregate_of(call: Expr) -> Arc<AggregateUDF> {
        match call {
            Expr::AggregateFunction(function) => function.func,
            other => panic!("not an aggregate function: {other}"),
        }
    }

    #[test]
    fn a_function_comes_back_equal_with_its_parameters() {
        let tokens = Placeholders::new(&["n/a", "missing", "tbd"]);
        let built = scalar_of(missing::missing_kind(any(), &tokens));
        let mut buf = Vec::new();
        assert!(encode_scalar(&built, &mut buf));
        let rebuilt = decode_scalar(built.name(), &buf).expect("rebuilt");
        assert_eq!(rebuilt, built);
        // Other tokens are another function: the recipe carried them.
        let other = scalar_of(missing::missing_kind(
            any(),
            &Placeholders::default_tokens(),
        ));
        assert_ne!(rebuilt, other);

        for limit in [7, 1000] {
            let built = aggregate_of(counts::value_counts(any(), limit));
            let mut buf = Vec::new();
            assert!(encode_aggregate(&built, &mut buf));
            assert_eq!(decode_aggregate(built.name(), &buf).unwrap(), built);
            let built = aggregate_of(pairs::pair_counts(any(), any(), limit));
            let mut buf = Vec::new();
            assert!(encode_aggregate(&built, &mut buf));
            assert_eq!(decode_aggregate(built.name(), &buf).unwrap(), built);
        }
    }

    #[test]
    fn every_function_of_readiness_has_a_recipe_and_others_are_left_alone() {
        let scalars = [
            "readiness_missing_kind",
            "readiness_present",
            "readiness_float_bits",
            "readiness_row_hash",
            "readiness_text_shape",
            "readiness_personal_value",
            "readiness_matching_text_hash",
            "readiness_matching_text",
            "readiness_value_key",
            "readiness_utc_day",
        ];
        for name in scalars {
            let buf = [TAG, br#"{"placeholders":["n/a"],"limit":10}"#].concat();
            assert_eq!(decode_scalar(name, &buf).unwrap().name(), name);
        }
        let aggregates = [
            "readiness_missing",
            "readiness_value_counts",
            "readiness_pair_counts",
            "readiness_key_counts",
            "readiness_conflicts",
            "readiness_filled_where",
            "readiness_sketch",
            "readiness_distinct_fingerprints",
            "readiness_text_range",
            "readiness_code_counts",
        ];
        for name in aggregates {
            let buf = [TAG, br#"{"placeholders":["n/a"],"limit":10}"#].concat();
            assert_eq!(decode_aggregate(name, &buf).unwrap().name(), name);
        }
        let upper = datafusion::functions::string::upper();
        assert!(!encode_scalar(&upper, &mut Vec::new()));
        assert!(decode_scalar("upper", &[]).is_none());
        assert!(decode_scalar("readiness_missing_kind", b"{}").is_none());
    }
}
