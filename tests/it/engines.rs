//! The counts query on real engines: DuckDB and Spark (Python packages) and
//! PostgreSQL (a server reachable through the PG* environment variables).
//! For each, the audit of the engine's counts equals the audit of the data file
//! itself, number for number (sums of a numeric outcome to 1e-12: another
//! order of addition); so does `audit --postgres`, which runs the
//! query itself. The tests that need an engine are ignored (`cargo test --
//! --ignored` runs them and fails where the engine is missing); `.ci/run`
//! installs and starts them.

use std::path::{Path, PathBuf};
use std::process::Command as Proc;

use crate::{
    audit_normalized as audit, fairaudit, fixture, require_env, require_program, COMPAS_LEVELS,
    HMDA_NUMERIC,
};

/// The Python that runs `tests/engines/run_query.py` for PostgreSQL (the
/// standard library suffices): `$FAIRAUDIT_ENGINE_PYTHON`, else `python3` on
/// PATH; panics when there is neither.
fn engine_python() -> String {
    match std::env::var("FAIRAUDIT_ENGINE_PYTHON") {
        Ok(py) if !py.is_empty() => py,
        _ => require_program("python3").display().to_string(),
    }
}

fn has_module(py: &str, m: &str) -> bool {
    Proc::new(py)
        .args(["-c", &format!("import {m}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `$FAIRAUDIT_ENGINE_PYTHON`, which must import the package `m`; panics
/// naming what is missing.
fn engine_python_with(m: &str) -> String {
    let py = require_env("FAIRAUDIT_ENGINE_PYTHON");
    assert!(
        has_module(&py, m),
        "needs the Python package {m} in FAIRAUDIT_ENGINE_PYTHON={py}: .ci/run installs it \
         in a venv; run with --ignored or --include-ignored only where it is installed"
    );
    py
}

/// Panics unless `psql` reaches a PostgreSQL server through the PG* variables.
fn require_postgres() {
    let psql = require_program("psql");
    let o = Proc::new(psql)
        .args(["-Atc", "select 1"])
        .output()
        .expect("psql runs");
    assert!(
        o.status.success(),
        "needs a PostgreSQL server reachable through the PG* variables \
         (eval \"$(.ci/postgres.sh)\" starts one; .ci/run does): {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The counts query for the audit `flags`: `sql` takes only the flags that
/// shape the counts (columns and attributes), not the audit's statistics.
fn sql(dialect: &str, table: &str, flags: &[&str]) -> String {
    let mut counts_flags = vec![];
    let mut it = flags.iter();
    while let Some(f) = it.next() {
        match *f {
            "--intersect" => {}
            "--favorable" | "--bootstrap" => {
                it.next();
            }
            _ => counts_flags.push(*f),
        }
    }
    let o = fairaudit()
        .args(["sql", "--dialect", dialect, "--table", table])
        .args(&counts_flags)
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
        // Three outcome levels from the decile score (issue #18).
        Case {
            data: fixture("compas_two_year.csv"),
            flags: COMPAS_LEVELS.to_vec(),
        },
        // The human-oversight audit: the final decision is a key of the counts.
        Case {
            data: fixture("override_planted.csv"),
            flags: vec!["--attr", "group", "--final", "final", "--bootstrap", "0"],
        },
        // A numeric outcome with its error and a control (issue #18).
        Case {
            data: fixture("hmda_2018_controls_sample.csv"),
            flags: HMDA_NUMERIC.to_vec(),
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
        std::fs::write(&query, sql(dialect, "decisions", &c.flags)).unwrap();
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
        // Equal, numeric-outcome sums to 1e-12 (another order of addition).
        if let Some(d) = crate::json_difference(&local, &remote, 1e-12, "") {
            panic!(
                "{engine}: the audit of its counts differs from the file's ({}) at {d}",
                c.data.display()
            );
        }
    }
}

#[test]
#[ignore = "needs FAIRAUDIT_ENGINE_PYTHON with duckdb"]
fn duckdb_counts_audit_equals_the_file() {
    let py = engine_python_with("duckdb");
    check_engine("duckdb", "duckdb", &py);
}

#[test]
#[ignore = "needs FAIRAUDIT_ENGINE_PYTHON with pyspark (and Java)"]
fn spark_counts_audit_equals_the_file() {
    let py = engine_python_with("pyspark");
    check_engine("spark", "spark", &py);
}

#[test]
#[ignore = "needs a PostgreSQL server (PG* variables)"]
fn postgres_counts_audit_equals_the_file() {
    let py = engine_python();
    require_postgres();
    check_engine("postgres", "postgres", &py);
}

/// The connection string of the test server, from the PG* variables.
fn pg_conn() -> String {
    let v = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.into());
    format!(
        "host={} port={} user={} dbname={}",
        v("PGHOST", "localhost"),
        v("PGPORT", "5432"),
        v("PGUSER", "postgres"),
        v("PGDATABASE", "postgres")
    )
}

/// Loads `data` into the test server as `table` (with the script the other
/// engine tests use; its counts output is not needed here).
fn pg_load(py: &str, data: &Path, table: &str, dir: &Path) {
    let query = dir.join(format!("{table}.sql"));
    std::fs::write(&query, format!("SELECT COUNT(*) FROM \"{table}\"")).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engines/run_query.py");
    let o = Proc::new(py)
        .arg(&script)
        .arg("postgres")
        .arg(data)
        .arg(&query)
        .arg(dir.join(format!("{table}.csv")))
        .arg(table)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
#[ignore = "needs a PostgreSQL server (PG* variables)"]
fn postgres_direct_audit_equals_the_file() {
    let py = engine_python();
    require_postgres();
    let dir = tempfile::tempdir().unwrap();
    for (i, c) in cases(dir.path()).into_iter().enumerate() {
        let table = format!("fa_direct_{i}");
        pg_load(&py, &c.data, &table, dir.path());
        let local = audit(&[c.data.to_str().unwrap()], &c.flags);
        let direct = audit(&["--postgres", &pg_conn(), "--table", &table], &c.flags);
        if let Some(d) = crate::json_difference(&local, &direct, 1e-12, "") {
            panic!(
                "audit --postgres differs from the file's audit ({}) at {d}",
                c.data.display()
            );
        }
    }
    // A score and no prediction named: the table's y_pred column is the
    // decision, as for a file (in this extract 1,466 of 16,034 rows have a
    // y_pred other than score >= 0.5; the server once derived it from the score).
    let extract = fixture("hmda_2018_extract.csv");
    pg_load(&py, &extract, "fa_direct_pred", dir.path());
    let flags = ["--attr", "race", "--score", "score", "--bootstrap", "0"];
    let local = audit(&[extract.to_str().unwrap()], &flags);
    let direct = audit(
        &["--postgres", &pg_conn(), "--table", "fa_direct_pred"],
        &flags,
    );
    if let Some(d) = crate::json_difference(&local, &direct, 1e-12, "") {
        panic!("audit --postgres --score differs from the file's audit at {d}");
    }
    // The report names the source and the digest of the counts received; a
    // --where filter is applied by the server.
    let german = fixture("german_credit.csv");
    let text = std::fs::read_to_string(&german).unwrap();
    let mut lines = text.lines();
    let sex = lines
        .next()
        .unwrap()
        .split(',')
        .position(|h| h == "sex")
        .unwrap();
    let female = lines
        .filter(|l| l.split(',').nth(sex) == Some("female"))
        .count();
    assert!(female > 0 && female < 1000);
    let r = crate::audit_json(&[
        "--postgres",
        &pg_conn(),
        "--table",
        "fa_direct_0",
        "--where",
        "sex = 'female'",
        "--attr",
        "age_group",
        "--bootstrap",
        "0",
    ]);
    assert_eq!(r["dataset"]["rows"], female as u64);
    let w = &r["dataset"]["warehouse"][0];
    assert!(
        w["source"]
            .as_str()
            .unwrap()
            .ends_with("table fa_direct_0 where sex = 'female'"),
        "{w}"
    );
    let sha = w["counts_sha256"].as_str().unwrap();
    assert!(sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit()));
    // A table that does not exist: exit 2 with the server's reason.
    fairaudit()
        .args([
            "audit",
            "--postgres",
            &pg_conn(),
            "--table",
            "no_such_table",
        ])
        .args(["--attr", "sex"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("the counts query failed"))
        .stderr(predicates::str::contains("no_such_table"));
}

#[test]
fn postgres_connection_errors_name_the_server_without_the_password() {
    let o = fairaudit()
        .args([
            "audit",
            "--postgres",
            "postgresql://auditor:topsecret@127.0.0.1:1/risk",
            "--table",
            "decisions",
            "--attr",
            "sex",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("postgres postgresql://auditor:***@127.0.0.1:1/risk table decisions")
            && err.contains("cannot connect"),
        "{err}"
    );
    assert!(!err.contains("topsecret"), "{err}");
}

#[test]
fn postgres_flags_need_each_other() {
    fairaudit()
        .args(["audit", "--postgres", "host=/nowhere", "--attr", "sex"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--postgres needs --table T"));
    fairaudit()
        .args([
            "audit",
            "fixtures/german_credit.csv",
            "--table",
            "t",
            "--attr",
            "sex",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--table and --where go with --postgres",
        ));
}
