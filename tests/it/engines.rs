//! The counts query on real engines: DuckDB and Spark (Python packages) and
//! PostgreSQL (a server reachable through the PG* environment variables).
//! For each, the audit of the engine's counts equals the audit of the data file
//! itself, number for number. An engine that is absent is skipped with a
//! notice; `.ci/run` installs and starts them.

use std::path::{Path, PathBuf};
use std::process::Command as Proc;

use serde_json::Value;

use crate::{fairaudit, fixture};

fn engine_python() -> Option<String> {
    let py = std::env::var("FAIRAUDIT_ENGINE_PYTHON").unwrap_or_else(|_| "python3".into());
    Proc::new(&py).arg("--version").output().ok().map(|_| py)
}

fn has_module(py: &str, m: &str) -> bool {
    Proc::new(py)
        .args(["-c", &format!("import {m}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn postgres_ready() -> bool {
    Proc::new("psql")
        .args(["-Atc", "select 1"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The report without what legitimately differs: run identity and paths.
fn normalized(mut v: Value) -> Value {
    let o = v.as_object_mut().unwrap();
    for k in ["generated_at", "run_id"] {
        o.remove(k);
    }
    let d = o.get_mut("dataset").unwrap().as_object_mut().unwrap();
    d.remove("path");
    d.remove("paths");
    v
}

fn audit(source: &[&str], flags: &[&str]) -> Value {
    let o = fairaudit()
        .arg("audit")
        .args(source)
        .args(flags)
        .args([
            "--format",
            "json",
            "--fail-on",
            "never",
            "--as-of",
            "2026-11-28",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    normalized(serde_json::from_slice(&o.stdout).unwrap())
}

fn sql(dialect: &str, flags: &[&str]) -> String {
    let o = fairaudit()
        .args(["sql", "--dialect", dialect, "--table", "decisions"])
        .args(flags)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

struct Case {
    data: PathBuf,
    flags: Vec<&'static str>,
}

fn cases(dir: &Path) -> Vec<Case> {
    let big = dir.join("synth_1m.csv");
    let mut rng = fairaudit::synth::SeedableRng::seed_from_u64(3);
    let df = fairaudit::synth::batch(&mut rng, 1_000_000, 1.0);
    fairaudit::ingest::write_frame(df, &big).unwrap();
    vec![
        Case {
            data: fixture("german_credit.csv"),
            flags: vec![
                "--attr",
                "sex",
                "--attr",
                "age_group",
                "--intersect",
                "--score",
                "score",
                "--bootstrap",
                "200",
            ],
        },
        Case {
            data: fixture("compas_two_year.csv"),
            flags: vec![
                "--attr",
                "race",
                "--attr",
                "sex",
                "--intersect",
                "--score",
                "score",
                "--favorable",
                "negative",
                "--bootstrap",
                "200",
            ],
        },
        Case {
            data: big,
            flags: vec![
                "--attr",
                "sex",
                "--attr",
                "race",
                "--attr",
                "age_band",
                "--intersect",
                "--score",
                "score",
                "--bootstrap",
                "200",
            ],
        },
    ]
}

fn check_engine(engine: &str, dialect: &str, py: &str) {
    let dir = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engines/run_query.py");
    for c in cases(dir.path()) {
        let query = dir.path().join("q.sql");
        std::fs::write(&query, sql(dialect, &c.flags)).unwrap();
        let out = dir.path().join(format!("{engine}-counts.csv"));
        let o = Proc::new(py)
            .arg(&script)
            .args([engine])
            .arg(&c.data)
            .arg(&query)
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{engine} on {}: {}",
            c.data.display(),
            String::from_utf8_lossy(&o.stderr)
        );
        let local = audit(&[c.data.to_str().unwrap()], &c.flags);
        let remote = audit(&["--counts", out.to_str().unwrap()], &c.flags);
        assert_eq!(
            local,
            remote,
            "{engine}: the audit of its counts differs from the file's ({})",
            c.data.display()
        );
    }
}

#[test]
fn duckdb_counts_audit_equals_the_file() {
    match engine_python() {
        Some(py) if has_module(&py, "duckdb") => check_engine("duckdb", "duckdb", &py),
        _ => eprintln!(
            "NOTICE: DuckDB (Python package) not found; set FAIRAUDIT_ENGINE_PYTHON; skipped"
        ),
    }
}

#[test]
fn spark_counts_audit_equals_the_file() {
    match engine_python() {
        Some(py) if has_module(&py, "pyspark") => check_engine("spark", "spark", &py),
        _ => eprintln!("NOTICE: pyspark not found; set FAIRAUDIT_ENGINE_PYTHON; skipped"),
    }
}

#[test]
fn postgres_counts_audit_equals_the_file() {
    match engine_python() {
        Some(py) if postgres_ready() => check_engine("postgres", "postgres", &py),
        _ => eprintln!("NOTICE: no PostgreSQL server reachable through PG* variables; skipped"),
    }
}
