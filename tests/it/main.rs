//! The one integration-test binary (so polars links once). Modules by subject;
//! helpers and macros here.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

mod bad_input;
mod browser;
mod cli;
mod counts;
mod data;
mod engines;
mod findings;
mod governance;
mod grc;
mod history;
mod outcomes;
mod peers;
mod pipelines;
mod readers;
mod score;
mod snapshots;
mod stats;
mod verdicts;

/// COMPAS's decile score as ProPublica's three levels, by race.
pub const COMPAS_LEVELS: [&str; 14] = [
    "--attr",
    "race",
    "--prediction",
    "decile_score",
    "--outcomes",
    "Low,Medium,High",
    "--favorable-outcome",
    "Low",
    "--outcome-band",
    "Low=1:4",
    "--outcome-band",
    "Medium=5:7",
    "--outcome-band",
    "High=8:10",
];

/// The HMDA sample's numeric outcome with its error, a control and two
/// attributes.
pub const HMDA_NUMERIC: [&str; 10] = [
    "--attr",
    "race",
    "--attr",
    "sex",
    "--value",
    "loan_amount_pred",
    "--value-truth",
    "loan_amount_std",
    "--control",
    "ltv_band",
];

/// Path of a file in `fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// The `fairaudit` binary, run from the crate root.
pub fn fairaudit() -> Command {
    let mut c = Command::cargo_bin("fairaudit").expect("binary builds");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Runs `fairaudit audit ARGS --format json --fail-on never` and parses the
/// report; panics with stderr when it does not succeed.
pub fn audit_json(args: &[&str]) -> Value {
    let out = fairaudit()
        .arg("audit")
        .args(args)
        .args(["--format", "json", "--fail-on", "never"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "fairaudit failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

/// Runs a fairaudit command that must succeed and writes JSON: the report
/// without what differs from run to run (run id and time), and its stderr.
pub fn report_of(mut cmd: Command) -> (Value, String) {
    let o = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert!(o.status.success(), "{err}");
    let mut v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let m = v.as_object_mut().unwrap();
    m.remove("generated_at");
    m.remove("run_id");
    (v, err)
}

/// Runs `fairaudit audit SOURCE FLAGS` (JSON, gate off, fixed date) and drops
/// what legitimately differs between sources of the same data: run id, time
/// and the names of the inputs.
pub fn audit_normalized(source: &[&str], flags: &[&str]) -> Value {
    let mut cmd = fairaudit();
    cmd.arg("audit").args(source).args(flags).args([
        "--format",
        "json",
        "--fail-on",
        "never",
        "--as-of",
        "2026-11-28",
    ]);
    let (mut v, _) = report_of(cmd);
    let m = v.as_object_mut().unwrap();
    let d = m.get_mut("dataset").unwrap().as_object_mut().unwrap();
    for k in ["path", "paths", "counts_paths", "warehouse"] {
        d.remove(k);
    }
    v
}

/// Where two JSON values first differ (a JSON pointer and both values), with
/// numbers equal when within `rel` of the larger magnitude (at least 1).
pub fn json_difference(a: &Value, b: &Value, rel: f64, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => {
                        if let Some(d) = json_difference(u, v, rel, &format!("{at}/{k}")) {
                            return Some(d);
                        }
                    }
                    _ => return Some(format!("{at}/{k}: in one only")),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (u, v))| json_difference(u, v, rel, &format!("{at}/{i}"))),
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            let scale = x.abs().max(y.abs()).max(1.0);
            ((x - y).abs() > rel * scale).then(|| format!("{at}: {x} vs {y}"))
        }
        _ if a == b => None,
        _ => {
            let short = |v: &Value| v.to_string().chars().take(200).collect::<String>();
            Some(format!("{at}: {} vs {}", short(a), short(b)))
        }
    }
}

/// Asserts two floats agree within `tol`, naming what is compared.
#[macro_export]
macro_rules! assert_close {
    ($got:expr, $want:expr, $tol:expr, $($what:tt)+) => {{
        let (g, w): (f64, f64) = ($got, $want);
        assert!(
            (g - w).abs() <= $tol,
            "{}: got {g}, want {w} (tolerance {})",
            format!($($what)+),
            $tol
        );
    }};
}

/// Finds the attribute of a report by name.
pub fn attribute<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no attribute {name} in report"))
}

/// Finds a group of an attribute by name.
pub fn group<'a>(attr: &'a Value, name: &str) -> &'a Value {
    attr["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == name)
        .unwrap_or_else(|| panic!("no group {name} in {}", attr["name"]))
}

/// Where the program `name` is: `name` itself when it is a path, else the
/// first match on PATH; `None` when there is none.
pub fn find_program(name: &str) -> Option<PathBuf> {
    let p = Path::new(name);
    if p.components().count() > 1 {
        return p.is_file().then(|| p.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|c| c.is_file())
}

/// For the ignored tests (`cargo test -- --ignored`): the program `name` on
/// PATH, or a panic saying it is missing. Such a test fails where the program
/// is absent; it never passes without having run.
pub fn require_program(name: &str) -> PathBuf {
    find_program(name).unwrap_or_else(|| {
        panic!(
            "needs {name} on PATH: .ci/run installs it; run with --ignored or \
             --include-ignored only where it is installed"
        )
    })
}

/// For the ignored tests: the value of the environment variable `var`, or a
/// panic saying it is not set.
pub fn require_env(var: &str) -> String {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => v,
        _ => panic!(
            "needs the environment variable {var}: .ci/run sets it; run with --ignored or \
             --include-ignored only where it is set"
        ),
    }
}

/// Writes `contents` to a file `name` in a fresh temporary directory.
pub fn temp_file(name: &str, contents: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(name);
    std::fs::write(&p, contents).unwrap();
    (dir, p)
}
