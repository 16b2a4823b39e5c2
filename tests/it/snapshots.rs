//! Snapshots of every output format on the bundled spec run, so that a change
//! of layout inside the crate is proven to change no output. Volatile fields
//! (run id, clock time, engine version, the UUIDs derived from the run id)
//! are filtered; everything else must match byte for byte.

use crate::fairaudit;

/// The bundled spec run in one format, on a fixed date, without a history store.
fn bundled(format: &str) -> String {
    let out = fairaudit()
        .args(["audit", "--spec", "fixtures/loan-model.toml"])
        .args(["--as-of", "2026-11-28", "--format", format])
        .args(["--store", "target/no-such-store/history.db"])
        .output()
        .expect("runs");
    // The bundled policy fails on the sample by design.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// The filters every snapshot shares: what legitimately differs between runs.
fn filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"fairaudit \d+\.\d+\.\d+", "fairaudit [VERSION]"),
        (r#""version": "\d+\.\d+\.\d+""#, r#""version": "[VERSION]""#),
        (r"run-\d{8}T\d{6}-[0-9a-f]{8}", "[RUN-ID]"),
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?",
            "[TIME]",
        ),
        (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", "[TIME]"),
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[UUID]",
        ),
        // The assessment plan embedded in OSCAL results (its own times and ids).
        (
            r#""value": "[A-Za-z0-9+/]{200,}=*""#,
            r#""value": "[BASE64]""#,
        ),
    ]
}

macro_rules! snap {
    ($name:expr, $text:expr) => {
        insta::with_settings!({filters => filters(), prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!($name, $text);
        })
    };
}

#[test]
fn bundled_json() {
    snap!("bundled_json", bundled("json"));
}

#[test]
fn bundled_table() {
    snap!("bundled_table", bundled("table"));
}

#[test]
fn bundled_markdown() {
    snap!("bundled_markdown", bundled("markdown"));
}

#[test]
fn bundled_junit() {
    snap!("bundled_junit", bundled("junit"));
}

#[test]
fn bundled_oscal() {
    snap!("bundled_oscal", bundled("oscal"));
}

/// The HTML page's visible text (tags and the style sheet dropped, blank lines
/// squeezed): what a reader sees, without the SVG geometry.
#[test]
fn bundled_html_text() {
    let html = bundled("html");
    let no_style = match (html.find("<style"), html.find("</style>")) {
        (Some(a), Some(b)) => format!("{}{}", &html[..a], &html[b + 8..]),
        _ => html,
    };
    let mut text = String::new();
    let mut in_tag = false;
    for ch in no_style.chars() {
        match ch {
            '<' => {
                in_tag = true;
                text.push('\n');
            }
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    snap!("bundled_html_text", lines.join("\n"));
}
