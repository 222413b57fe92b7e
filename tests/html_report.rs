//! The HTML report, checked in a real headless Chromium (Debian's `chromium`, installed by
//! `scripts/test` when missing): it renders offline with no script error, escapes everything
//! that comes from the data, masks personal data, and stays small and fast for wide data.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::{NOW, repo_path};
use tempfile::TempDir;

/// Debian's Chromium; the test setup installs it. Never skipped: a missing browser fails.
fn chromium() -> PathBuf {
    let candidates = [
        std::env::var("READINESS_CHROMIUM").ok(),
        Some("/usr/bin/chromium".into()),
    ];
    candidates
        .into_iter()
        .flatten()
        .map(PathBuf::from)
        .find(|path| path.exists())
        .expect("Chromium is not installed: run scripts/test, which installs Debian's chromium")
}

struct Browser {
    profile: TempDir,
}

impl Browser {
    fn new() -> Self {
        Self {
            profile: TempDir::new().unwrap(),
        }
    }

    fn run(&self, page: &Path, extra: &[&str]) -> (String, String, Duration) {
        let started = Instant::now();
        let output = Process::new(chromium())
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--enable-logging=stderr",
                "--v=0",
            ])
            .arg(format!("--user-data-dir={}", self.profile.path().display()))
            .args(extra)
            .arg(format!("file://{}", page.display()))
            .output()
            .expect("chromium runs");
        let elapsed = started.elapsed();
        assert!(
            output.status.success(),
            "chromium failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        (
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
            elapsed,
        )
    }

    /// The DOM after scripts ran, the browser's log, and how long it took.
    fn dom(&self, page: &Path) -> (String, String, Duration) {
        self.run(page, &["--virtual-time-budget=3000", "--dump-dom"])
    }
}

fn assert_no_script_errors(log: &str) {
    let errors: Vec<_> = log
        .lines()
        .filter(|line| {
            line.contains("Uncaught") || (line.contains("CONSOLE") && line.contains("Error"))
        })
        .collect();
    assert!(errors.is_empty(), "script errors: {errors:#?}");
}

/// Scans `args` writing the report into `dir`; returns (html path, json text).
fn report(dir: &Path, args: &[&str]) -> (PathBuf, String) {
    let html = dir.join("report.html");
    let json = dir.join("report.json");
    let output = Command::cargo_bin("readiness")
        .unwrap()
        .arg("scan")
        .args(args)
        .args(["--now", NOW, "--quiet", "--html"])
        .arg(&html)
        .arg("--json")
        .arg(&json)
        .output()
        .unwrap();
    assert!(
        common::profiled(&output),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (html, fs::read_to_string(json).unwrap())
}

#[test]
fn the_sample_report_renders_offline_without_script_errors() {
    let dir = TempDir::new().unwrap();
    let sample = repo_path("sample-data").to_string_lossy().into_owned();
    let (html, _) = report(
        dir.path(),
        &[&sample, "--key", "customer_id", "--label", "churned"],
    );
    let text = fs::read_to_string(&html).unwrap();
    // Self-contained: nothing is loaded from anywhere.
    for outside in ["src=\"http", "href=\"http", "<link", "@import", "url("] {
        assert!(!text.contains(outside), "the report references {outside}");
    }
    let browser = Browser::new();
    let (dom, log, _) = browser.dom(&html);
    assert_no_script_errors(&log);
    assert!(
        dom.contains("data-script=\"ran\""),
        "the page's own script did not run"
    );
    assert!(dom.contains("Overall verdict: <strong>not ready</strong>"));
    // Each dataset has a section with the eleven dimensions.
    for dataset in ["customers", "orders", "tickets"] {
        assert!(
            dom.contains(&format!("<h2>{dataset} <span class=\"tag")),
            "{dataset} section"
        );
    }
    assert_eq!(dom.matches("<section class=\"dimension\" id=").count(), 33);
    // Format consistency shows its evidence: the spellings of `plan`, the date formats.
    assert!(dom.contains("<div>'pro' 168, 'PRO' 166, 'Pro' 166</div>"));
    assert!(dom.contains("YYYY-MM-DD 93.0%, DD/MM/YYYY or MM/DD/YYYY 5.0%, Mon D, YYYY 2.0%"));
    // Numeric distributions draw a histogram per numeric column (8 in the sample data).
    assert_eq!(dom.matches("aria-label=\"histogram of ").count(), 9);
    // Without a history store, change over time is not assessed in any dataset, and says what
    // to pass; `churned` is only in customers, so labels are not assessed in the other two.
    assert_eq!(
        dom.matches("Not assessed: no history store: give --history")
            .count(),
        3
    );
    assert_eq!(
        dom.matches("Not assessed: no label column in this dataset")
            .count(),
        2
    );
    assert!(dom.contains("<span class=\"tag not-assessed\">– not assessed</span>"));
    assert!(dom.contains(
        "Overall verdict: <strong>not ready</strong> <small class=\"not-assessed\">(5 dimensions not assessed)</small>"
    ));
    // Representativeness lists the shifted columns with their bins: `email` gave way to `chat`.
    assert!(dom.contains("<th scope=\"row\"><code>channel</code></th><td class=\"num\">13.0518</td><td>categories</td><td><span class=\"bin\"><code>email</code> 73.3% → 0.0%</span>"));
    assert!(dom.contains("aria-label=\"histogram of customer_age\""));
    // The truncated file is shown with its problem.
    assert!(dom.contains("part-2.parquet</code></td>"));
    assert!(dom.contains("not a readable Parquet file: corrupt footer"));

    let screenshot = repo_path("target/report-first-screen.png");
    browser.run(
        &html,
        &[
            "--window-size=1280,900",
            &format!("--screenshot={}", screenshot.display()),
        ],
    );
    assert!(
        fs::metadata(&screenshot).unwrap().len() > 20_000,
        "screenshot is not empty"
    );
    let print = repo_path("target/report.pdf");
    browser.run(
        &html,
        &[
            "--no-pdf-header-footer",
            &format!("--print-to-pdf={}", print.display()),
        ],
    );
    assert!(fs::metadata(&print).unwrap().len() > 20_000);
}

#[test]
fn payloads_in_names_and_values_show_as_text_and_change_nothing() {
    let dir = TempDir::new().unwrap();
    let payloads = [
        "<script>document.title='pwned'</script>",
        "<img src=x onerror=\"document.title='pwned'\">",
        "javascript:document.title='pwned'",
        "</style><h1>styled</h1>",
        "</script><script>document.title='pwned'</script>",
    ];
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let header: Vec<_> = payloads.iter().map(|p| quote(p)).collect();
    let mut csv = header.join(",") + "\n";
    for _ in 0..3 {
        let row: Vec<_> = payloads.iter().map(|p| quote(p)).collect();
        csv.push_str(&(row.join(",") + "\n"));
    }
    // A rejected row (one field too many) whose excerpt is a payload too.
    let row: Vec<_> = payloads.iter().map(|p| quote(p)).collect();
    csv.push_str(&(row.join(",") + ",extra\n"));
    let data_dir = dir.path().join("data");
    fs::create_dir_all(&data_dir).unwrap();
    let file = data_dir.join("<img src=x onerror=alert(1)>.csv");
    fs::write(&file, csv).unwrap();
    let (html, _) = report(dir.path(), &[&file.to_string_lossy()]);
    let (dom, log, _) = Browser::new().dom(&html);
    assert_no_script_errors(&log);
    assert!(
        !dom.contains("pwned</title>"),
        "a payload changed the title"
    );
    let title = dom
        .split("<title>")
        .nth(1)
        .unwrap()
        .split("</title>")
        .next()
        .unwrap();
    assert!(title.starts_with("Data readiness: "), "{title}");
    assert!(
        !dom.contains("<img src=\"x\"") && !dom.contains("<img src=x"),
        "an <img> was injected"
    );
    assert!(!dom.contains("<h1>styled</h1>"), "markup was injected");
    assert!(
        !dom.contains("href=\"javascript:"),
        "a javascript: link was made"
    );
    // The payloads are there, as text.
    assert!(dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"));
    assert!(dom.contains("&lt;img src=x onerror=\"document.title='pwned'\"&gt;"));
    assert!(dom.contains("&lt;/style&gt;&lt;h1&gt;styled&lt;/h1&gt;"));
    assert!(dom.contains("1 row rejected"), "the rejected row is shown");
    assert!(dom.contains(
        "line 5, more fields than the header: &lt;script&gt;document.title='pwned'&lt;/script&gt;,"
    ));
    assert!(dom.contains("data-script=\"ran\""));
}

#[test]
fn personal_data_is_masked_and_no_samples_leaves_values_out() {
    let dir = TempDir::new().unwrap();
    let customers = repo_path("sample-data/customers.csv")
        .to_string_lossy()
        .into_owned();
    let (html, json) = report(dir.path(), &[&customers]);
    let text = fs::read_to_string(&html).unwrap();
    let result = readiness::report::json::parse(json.as_bytes()).unwrap();
    let email = common::column(&result.result.datasets[0], "email");
    assert_eq!(email.personal_data.as_deref(), Some("e-mail"));
    assert_eq!(email.min, Some(serde_json::Value::from("c***@example.com")));
    let unmasked = regex::Regex::new(r"customer\d+(\.second)?@example\.com").unwrap();
    assert!(
        !unmasked.is_match(&json),
        "an e-mail address is in the JSON"
    );
    assert!(
        !unmasked.is_match(&text),
        "an e-mail address is in the HTML"
    );
    assert!(text.contains("c***@example.com"));
    assert!(
        result
            .assessment
            .findings
            .iter()
            .any(|f| f.check == readiness::check::Check::PersonalData)
    );

    let dir = TempDir::new().unwrap();
    let (html, json) = report(
        dir.path(),
        &[&customers, "--no-samples", "--key", "customer_id"],
    );
    let result: readiness::metrics::ScanResult = serde_json::from_str(&json).unwrap();
    let customers = &result.datasets[0];
    assert!(!result.parameters.samples);
    assert!(
        customers
            .columns
            .iter()
            .all(|c| c.min.is_none() && c.max.is_none() && c.top_values.is_empty())
    );
    assert!(customers.duplicates.example_groups.is_empty());
    let text = fs::read_to_string(&html).unwrap();
    assert!(!text.contains("Basic") && !text.contains("@example.com"));
    // The categories compared over time are values too: numbered, not named.
    let plan = customers
        .representativeness
        .columns
        .iter()
        .find(|c| c.column == "plan")
        .expect("plan compared");
    let labels: Vec<&str> = plan.bins.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["value 1", "value 2", "value 3", "value 4"]);
}

#[test]
fn a_template_override_is_used_and_still_escapes() {
    let dir = TempDir::new().unwrap();
    let templates = dir.path().join("templates");
    fs::create_dir_all(&templates).unwrap();
    fs::write(
        templates.join("report.html"),
        "<p id=custom>{% for d in datasets %}{{ d.name }}|{% endfor %}</p>",
    )
    .unwrap();
    let data = dir.path().join("<b>bold<b>.csv");
    fs::write(&data, "a\n1\n").unwrap();
    let (html, _) = report(
        dir.path(),
        &[
            &data.to_string_lossy(),
            "--template",
            &templates.to_string_lossy(),
        ],
    );
    assert_eq!(
        fs::read_to_string(html).unwrap(),
        "<p id=custom>&lt;b&gt;bold&lt;b&gt;|</p>"
    );
}

#[test]
fn a_2000_column_report_is_small_and_opens_fast() {
    let dir = TempDir::new().unwrap();
    let columns = 2_000;
    let header: Vec<String> = (0..columns).map(|c| format!("feature_{c:04}")).collect();
    let mut csv = header.join(",") + "\n";
    for row in 0..30 {
        let values: Vec<String> = (0..columns)
            .map(|c| {
                if (row + c) % 7 == 0 {
                    String::new()
                } else {
                    ((row * c) % 13).to_string()
                }
            })
            .collect();
        csv.push_str(&(values.join(",") + "\n"));
    }
    let file = dir.path().join("wide.csv");
    fs::write(&file, csv).unwrap();
    let (html, json) = report(dir.path(), &[&file.to_string_lossy()]);
    let size = fs::metadata(&html).unwrap().len();
    assert!(size < 5_000_000, "report is {size} bytes");
    let result: readiness::metrics::ScanResult = serde_json::from_str(&json).unwrap();
    assert_eq!(result.datasets[0].columns.len(), columns);
    let (dom, log, elapsed) = Browser::new().dom(&html);
    assert_no_script_errors(&log);
    assert!(
        elapsed < Duration::from_secs(5),
        "rendering took {elapsed:?}"
    );
    assert_eq!(dom.matches("<tr><td><code>feature_").count(), columns);
    println!("2,000-column report: {size} bytes, rendered in {elapsed:?}");
}

/// The Content-Security-Policy allows only the page's own script and style, both by a nonce
/// of 128 random bits that differs per report; the browser applies the style and refuses
/// nothing.
#[test]
fn the_policy_allows_only_the_pages_own_nonced_script_and_style() {
    let sample = repo_path("sample-data/customers.csv")
        .to_string_lossy()
        .into_owned();
    let nonce_of = |text: &str| {
        let policy = text
            .split("http-equiv=\"Content-Security-Policy\" content=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("the report has a CSP")
            .to_string();
        let nonce = policy
            .split("script-src 'nonce-")
            .nth(1)
            .and_then(|rest| rest.split('\'').next())
            .unwrap()
            .to_string();
        (policy, nonce)
    };
    let (first, second) = (TempDir::new().unwrap(), TempDir::new().unwrap());
    let (html, _) = report(first.path(), &[&sample]);
    let text = fs::read_to_string(&html).unwrap();
    let (policy, nonce) = nonce_of(&text);
    assert_eq!(nonce.len(), 32);
    assert!(nonce.chars().all(|c| c.is_ascii_hexdigit()), "{nonce}");
    assert_eq!(
        policy,
        format!(
            "default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; img-src data:"
        )
    );
    assert!(text.contains(&format!("<style nonce=\"{nonce}\">")));
    assert!(text.contains(&format!("<script nonce=\"{nonce}\">")));
    let (other, _) = report(second.path(), &[&sample]);
    let (_, other_nonce) = nonce_of(&fs::read_to_string(other).unwrap());
    assert_ne!(nonce, other_nonce);

    let (dom, log, _) = Browser::new().dom(&html);
    assert!(
        !log.contains("Refused to"),
        "the policy refused something: {log}"
    );
    assert!(dom.contains("data-script=\"ran\""));
    assert!(
        dom.contains("data-style=\"applied\""),
        "the page's style was not applied"
    );
}
