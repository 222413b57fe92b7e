//! How figures are written for people: `1,234,567`, `31.2%`, `41d 3h`.
//! Shared by the findings (check layer) and every report.

/// `41d 3h`, `5h 12m`, `40s`.
pub fn human_duration(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    let (days, hours, minutes) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60);
    let text = if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes}m")
    } else if minutes > 0 {
        format!("{minutes}m {}s", s % 60)
    } else {
        format!("{s}s")
    };
    format!("{sign}{text}")
}

/// `text` safe to print to a terminal: control characters (C0, DEL, C1; so ANSI and OSC
/// escape sequences, carriage returns and line breaks) written as visible escapes (`\x1b`,
/// `\n`), so a column name or a value can neither move the cursor nor fake a line.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

pub fn percent(fraction: Option<f64>) -> String {
    fraction.map_or("-".to_string(), |f| format!("{:.1}%", f * 100.0))
}

/// A measured number as the report shows it: at most four decimals, trailing zeros dropped.
pub fn decimal(value: f64) -> String {
    let text = format!("{value:.4}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    match text {
        "-0" => "0".to_string(),
        other => other.to_string(),
    }
}

/// A number cut to four significant digits (`18.06`, `1004`, `0.01234`), trailing zeros
/// dropped: a bin edge read from a sketch, whose own precision is about that.
pub fn significant(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return decimal(value);
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (3 - magnitude).clamp(0, 12) as usize;
    let text = format!("{value:.decimals$}");
    let text = match text.contains('.') {
        true => text.trim_end_matches('0').trim_end_matches('.'),
        false => &text,
    };
    text.to_string()
}

pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// Bytes as `38.2 GB`, `512 KB`, `17 B`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_a_person_wrote_them() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
        assert_eq!(human_duration(41 * 86_400 + 3 * 3_600), "41d 3h");
        assert_eq!(human_duration(-90), "-1m 30s");
        assert_eq!(percent(Some(0.3125)), "31.2%");
        assert_eq!(bytes(38_200_000_000), "38.2 GB");
        assert_eq!(bytes(17), "17 B");
    }

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(
            printable("a\x1b[31mred\x1b]8;;http://x\x07\nFAIL\r\u{9b}"),
            "a\\x1b[31mred\\x1b]8;;http://x\\x07\\nFAIL\\r\\x9b"
        );
        assert_eq!(printable("plain – text"), "plain – text");
    }
}
