//! Chart geometry and value display shared by the report's sections: computed here from the
//! typed result, so templates only lay it out.

use serde::Serialize;

/// How many bars a bar chart shows at most (least complete columns, most frequent classes).
pub const CHART_COLUMNS: usize = 25;

#[derive(Serialize)]
pub struct Bar {
    pub label: String,
    /// 0..100, the bar's length.
    pub width: f64,
    pub value: String,
    pub y: usize,
}

#[derive(Serialize)]
pub struct BarChart {
    pub height: usize,
    pub bars: Vec<Bar>,
    pub caption: String,
}

/// Horizontal bars from (label, fraction of the longest, value shown), 22 px apart.
pub fn bar_chart(bars: impl Iterator<Item = (String, f64, String)>, caption: String) -> BarChart {
    let bars: Vec<Bar> = bars
        .enumerate()
        .map(|(index, (label, fraction, value))| Bar {
            label: if label.chars().count() > 28 {
                format!("{}…", label.chars().take(27).collect::<String>())
            } else {
                label
            },
            width: (fraction.clamp(0.0, 1.0) * 100.0 * 10.0).round() / 10.0,
            value,
            y: index * 22,
        })
        .collect();
    BarChart {
        height: bars.len() * 22 + 4,
        bars,
        caption,
    }
}

/// A JSON value as a person reads it (strings without quotes), cut at 80 characters.
pub fn show(value: &serde_json::Value) -> String {
    let text = match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "(empty)".into(),
        other => other.to_string(),
    };
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

/// Column tables of the deeper sections list at most this many columns (all are in the JSON).
pub const TABLE_COLUMNS: usize = 100;

/// The rows a column table shows, most `weight` first (a stable sort keeps schema order among
/// equals), at most [`TABLE_COLUMNS`], and how many are left out.
pub fn most_first<T>(mut rows: Vec<T>, weight: impl Fn(&T) -> u64) -> (Vec<T>, usize) {
    rows.sort_by_key(|row| std::cmp::Reverse(weight(row)));
    let more = rows.len().saturating_sub(TABLE_COLUMNS);
    rows.truncate(TABLE_COLUMNS);
    (rows, more)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_clamped_labels_cut_and_values_shown_without_quotes() {
        let chart = bar_chart(
            [
                ("a".repeat(40), 1.5, "x".to_string()),
                ("b".into(), 0.25, "y".into()),
            ]
            .into_iter(),
            "c".into(),
        );
        assert_eq!(chart.height, 48);
        assert_eq!(chart.bars[0].width, 100.0);
        assert_eq!(chart.bars[0].label.chars().count(), 28);
        assert_eq!((chart.bars[1].width, chart.bars[1].y), (25.0, 22));
        assert_eq!(show(&serde_json::json!("text")), "text");
        assert_eq!(show(&serde_json::Value::Null), "(empty)");
        assert_eq!(show(&serde_json::json!(3)), "3");
    }
}
