//! The history store: trends across runs, tamper evidence, faults and
//! concurrency, cycles, evidence packs, OSCAL.

use std::path::{Path, PathBuf};
use std::process::Command as Proc;

use serde_json::Value;

use crate::{fairaudit, fixture};

const SPEC: &str = "fixtures/loan-model.toml";

/// `fairaudit audit --spec SPEC DATA --record --store STORE ...` → (exit, report).
fn record(store: &Path, data: &Path, date: &str, extra: &[&str]) -> (i32, Value) {
    let o = fairaudit()
        .args([
            "audit", "--spec", SPEC, "--record", "--format", "json", "--as-of", date, "--store",
        ])
        .arg(store)
        .arg(data)
        .args(extra)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    let code = o.status.code().unwrap();
    assert!(code == 0 || code == 1, "{err}");
    (code, serde_json::from_slice(&o.stdout).unwrap())
}

/// Records the bundled German credit data as of `date`, without bootstrap.
fn record_german(store: &Path, date: &str) -> (i32, Value) {
    record(
        store,
        &fixture("german_credit.csv"),
        date,
        &["--bootstrap", "0"],
    )
}

/// Deletes a stored run and its findings behind the store's back.
fn delete_run(store: &Path, seq: i64) {
    let c = rusqlite::Connection::open(store).unwrap();
    c.execute("DELETE FROM findings WHERE run_seq = ?1", [seq])
        .unwrap();
    c.execute("DELETE FROM runs WHERE seq = ?1", [seq]).unwrap();
}

fn cmd(store: &Path, args: &[&str]) -> (i32, String, String) {
    let o = fairaudit()
        .args(args)
        .arg("--store")
        .arg(store)
        .output()
        .unwrap();
    (
        o.status.code().unwrap(),
        String::from_utf8_lossy(&o.stdout).to_string(),
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

fn finding<'a>(r: &'a Value, check: &str, attr: &str, group: Option<&str>) -> &'a Value {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["check"] == check && f["attribute"] == attr && group.is_none_or(|g| f["group"] == g)
        })
        .unwrap_or_else(|| panic!("no finding {check} {attr} {group:?}"))
}

/// The German data with the predictions of applicants aged le25 changed:
/// `keep` of every 10 approvals kept (the rest denied), or all approved.
fn variant(dir: &Path, name: &str, le25: &dyn Fn(usize, &str) -> String) -> PathBuf {
    let text = std::fs::read_to_string(fixture("german_credit.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let cols: Vec<&str> = header.split(',').collect();
    let ag = cols.iter().position(|c| *c == "age_group").unwrap();
    let yp = cols.iter().position(|c| *c == "y_pred").unwrap();
    let mut out = vec![header.to_string()];
    for (i, l) in lines.enumerate() {
        let mut f: Vec<String> = l.split(',').map(String::from).collect();
        if f[ag] == "le25" {
            f[yp] = le25(i, &f[yp]);
        }
        out.push(f.join(","));
    }
    let p = dir.join(name);
    std::fs::write(&p, out.join("\n") + "\n").unwrap();
    p
}

#[test]
fn trends_across_runs_new_persisting_regressed_resolved() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.db");
    let data = fixture("german_credit.csv");
    let (_, r1) = record(&store, &data, "2026-08-03", &[]);
    let age = finding(&r1, "four-fifths-rule", "age_group", Some("le25"));
    assert_eq!(age["trend"], "new");
    assert_eq!(age["status"], "warn");
    let (_, r2) = record(&store, &data, "2026-09-01", &[]);
    assert_eq!(
        finding(&r2, "four-fifths-rule", "age_group", Some("le25"))["trend"],
        "persisting"
    );
    assert_eq!(r2["previous_run"]["seq"], 1);
    // Third batch: half of the young applicants' approvals became denials.
    let worse = variant(dir.path(), "worse.csv", &|i, p| {
        if p == "1" && i % 2 == 0 {
            "0".into()
        } else {
            p.into()
        }
    });
    let (code, r3) = record(&store, &worse, "2026-10-01", &[]);
    assert_eq!(code, 1);
    let f = finding(&r3, "four-fifths-rule", "age_group", Some("le25"));
    assert_eq!(f["trend"], "regressed", "{f}");
    assert_eq!(f["status"], "fail");
    let reg = finding(
        &r3,
        "regression:four-fifths-rule",
        "age_group",
        Some("le25"),
    );
    assert_eq!(reg["status"], "fail");
    assert!(
        reg["statement"]
            .as_str()
            .unwrap()
            .contains("worsened significantly"),
        "{reg}"
    );
    assert!(
        reg["ci"][1].as_f64().unwrap() < 0.0,
        "the change's interval excludes 0: {reg}"
    );
    // A pass that stays a pass persists (older applicants' decisions did not change).
    assert_eq!(
        finding(
            &r3,
            "four-fifths-rule",
            "sex & age_group",
            Some("female & gt25")
        )["trend"],
        "persisting"
    );
    // Fourth batch: every young applicant approved: the age finding is resolved.
    let better = variant(dir.path(), "better.csv", &|_, _| "1".into());
    let (_, r4) = record(&store, &better, "2026-11-02", &[]);
    let f = finding(&r4, "four-fifths-rule", "age_group", Some("le25"));
    assert_eq!(f["status"], "pass");
    assert_eq!(f["trend"], "resolved", "{f}");
    // The history answers by metric.
    let (code, out, err) = cmd(
        &store,
        &[
            "history",
            "trend",
            "--model",
            "loan-approval",
            "--metric",
            "impact_ratio",
            "--attr",
            "age_group",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let t: Value = serde_json::from_str(&out).unwrap();
    let trends: Vec<&str> = t
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["trend"].as_str().unwrap())
        .collect();
    assert_eq!(trends, ["new", "persisting", "regressed", "resolved"]);
    let (code, out, _) = cmd(&store, &["history", "list", "--model", "loan-approval"]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 5, "{out}");
    let (code, out, _) = cmd(&store, &["history", "show", "3"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("regressed") && out.contains("worse.csv"),
        "{out}"
    );
    // Findings are rows: queryable with SQL.
    let conn = rusqlite::Connection::open(&store).unwrap();
    let n: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM findings WHERE trend = 'regressed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(n >= 2);
}

#[test]
fn verify_names_the_first_altered_or_missing_run() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.db");
    for d in ["2026-08-01", "2026-09-01", "2026-10-01"] {
        record_german(&store, d);
    }
    let (code, out, _) = cmd(&store, &["history", "verify"]);
    assert_eq!(code, 0, "{out}");
    // Three runs and the store's creation event.
    assert!(out.contains("4 entries, chain intact"), "{out}");
    let copy = dir.path().join("copy.db");
    std::fs::copy(&store, &copy).unwrap();
    // One byte of run 2's stored report.
    {
        let c = rusqlite::Connection::open(&store).unwrap();
        c.execute("UPDATE runs SET report_json = replace(report_json, '\"rows\": 1000', '\"rows\": 1001') WHERE seq = 2", []).unwrap();
    }
    let (code, out, _) = cmd(&store, &["history", "verify"]);
    assert_eq!(code, 1);
    assert!(out.contains("run #2") && out.contains("altered"), "{out}");
    // A finding row edited (a fail turned into a pass).
    let c = rusqlite::Connection::open(&copy).unwrap();
    let changed = c
        .execute(
            "UPDATE findings SET status = 'pass' WHERE run_seq = 3 AND status = 'fail'",
            [],
        )
        .unwrap();
    assert!(changed > 0);
    drop(c);
    let (code, out, _) = cmd(&copy, &["history", "verify"]);
    assert_eq!(code, 1);
    assert!(out.contains("run #3") && out.contains("altered"), "{out}");
    // A run deleted from the middle, then from the end.
    let c = rusqlite::Connection::open(&copy).unwrap();
    c.execute("UPDATE findings SET status = 'fail' WHERE run_seq = 3 AND status = 'pass' AND severity = 'critical'", []).unwrap();
    drop(c);
    delete_run(&copy, 2);
    let (code, out, _) = cmd(&copy, &["history", "verify"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("run #2") && out.contains("was deleted"),
        "{out}"
    );
}

#[test]
fn removing_the_latest_run_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.db");
    record_german(&store, "2026-08-01");
    record_german(&store, "2026-09-01");
    delete_run(&store, 2);
    let (code, out, _) = cmd(&store, &["history", "verify"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("run #2") && out.contains("was deleted"),
        "{out}"
    );
}

#[test]
fn a_killed_writer_leaves_the_whole_run_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.db");
    record_german(&store, "2026-08-01");
    for _ in 0..3 {
        let mut child = Proc::new(assert_cmd::cargo::cargo_bin("fairaudit"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args([
                "audit",
                "--spec",
                SPEC,
                "--record",
                "--bootstrap",
                "0",
                "--format",
                "json",
                "--fail-on",
                "never",
                "--store",
            ])
            .arg(&store)
            .env("FAIRAUDIT_TEST_RECORD_PAUSE_MS", "30000")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until the writer says it holds its transaction (run row written,
        // findings not yet), then kill it there.
        let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        loop {
            line.clear();
            let n = std::io::BufRead::read_line(&mut err, &mut line).unwrap();
            assert!(n > 0, "the writer ended before pausing");
            if line.contains("pausing inside the record transaction") {
                break;
            }
        }
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert!(!status.success());
        let (code, out, err) = cmd(&store, &["history", "verify"]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(
            out.contains("2 entries, chain intact"),
            "the killed run left nothing: {out}"
        );
        let c = rusqlite::Connection::open(&store).unwrap();
        let orphans: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM findings WHERE run_seq NOT IN (SELECT seq FROM runs)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(orphans, 0);
    }
    // The store still takes writes.
    record_german(&store, "2026-09-01");
    let (code, out, _) = cmd(&store, &["history", "verify"]);
    assert_eq!(code, 0);
    assert!(out.contains("3 entries"), "{out}");
}

#[test]
fn parallel_writers_all_land() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.db");
    let children: Vec<_> = (0..4)
        .map(|i| {
            Proc::new(assert_cmd::cargo::cargo_bin("fairaudit"))
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .args([
                    "audit",
                    "--spec",
                    SPEC,
                    "--record",
                    "--bootstrap",
                    "0",
                    "--format",
                    "json",
                    "--fail-on",
                    "never",
                    "--model-id",
                ])
                .arg(format!("model-{}", i % 2))
                .arg("--store")
                .arg(&store)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let (code, out, _) = cmd(&store, &["history", "verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("5 entries, chain intact"), "{out}");
}

#[test]
fn foreign_or_corrupt_stores_are_refused_and_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other.db");
    {
        let c = rusqlite::Connection::open(&other).unwrap();
        c.execute_batch("CREATE TABLE customers (id INTEGER, name TEXT); INSERT INTO customers VALUES (1, 'a');").unwrap();
    }
    let text = dir.path().join("notes.db");
    std::fs::write(
        &text,
        "these are not the droids you are looking for\n".repeat(100),
    )
    .unwrap();
    for p in [&other, &text] {
        let before = std::fs::read(p).unwrap();
        let o = fairaudit()
            .args(["audit", "--spec", SPEC, "--record", "--store"])
            .arg(p)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(&p.display().to_string()), "{err}");
        assert!(
            err.contains("not a fairaudit history store")
                || err.contains("not a readable SQLite database"),
            "{err}"
        );
        assert_eq!(std::fs::read(p).unwrap(), before, "left untouched");
    }
}

#[test]
fn an_older_store_is_migrated() {
    use fairaudit::governance::store::{chain_hash, content_hash, Store, GENESIS};
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("old.db");
    // A version-1 store, as the first engine wrote it, with one run: recorded
    // now, then taken back to the version-1 layout (no ledger, no events, no
    // recorded_by) with the run's hashes as version 1 computed them.
    record_german(&store, "2026-08-01");
    let mut run = Store::open(&store).unwrap().get("1").unwrap().run;
    run.recorded_by = None;
    let content = content_hash(&run);
    let chain = chain_hash(GENESIS, &content);
    {
        let c = rusqlite::Connection::open(&store).unwrap();
        c.execute_batch(
            "DROP TABLE events; DROP TABLE ledger; ALTER TABLE runs DROP COLUMN recorded_by;
             UPDATE meta SET value = '1' WHERE key = 'schema_version';",
        )
        .unwrap();
        c.execute(
            "UPDATE runs SET content_sha256 = ?1, prev_hash = ?2, chain_hash = ?3 WHERE seq = 1",
            rusqlite::params![content, GENESIS, chain],
        )
        .unwrap();
        c.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'head'",
            rusqlite::params![format!("1:{chain}")],
        )
        .unwrap();
    }
    let (code, out, err) = cmd(&store, &["history", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
    // Even a reading command migrates, and says so: older engines are locked out.
    assert!(
        err.contains("migrated the history store") && err.contains("from layout 1 to 3"),
        "{err}"
    );
    let (_, _, again) = cmd(&store, &["history", "verify"]);
    assert!(!again.contains("migrated"), "once only: {again}");
    // The old run keeps its hashes; a `migrated` event joins the chain.
    assert!(out.contains("2 entries, chain intact"), "{out}");
    let c = rusqlite::Connection::open(&store).unwrap();
    let v: String = c
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(v, fairaudit::governance::store::SCHEMA_VERSION.to_string());
    let kept: String = c
        .query_row("SELECT chain_hash FROM ledger WHERE seq = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(kept, chain);
    // The `migrated` event names the layout the store really had.
    let data: String = c
        .query_row("SELECT data FROM events WHERE kind = 'migrated'", [], |r| {
            r.get(0)
        })
        .unwrap();
    let data: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(
        (data["from"].as_i64(), data["to"].as_i64()),
        (Some(1), Some(3)),
        "{data}"
    );
    drop(c);
    let (code, _, err) = cmd(
        &store,
        &[
            "cycle",
            "review",
            "--model",
            "loan-approval",
            "--date",
            "2026-08-15",
            "--by",
            "Model Risk Committee",
        ],
    );
    assert_eq!(code, 0, "{err}");
}

#[test]
fn cycle_status_marks_overdue_models() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.db");
    record_german(&store, "2026-08-03");
    let o = fairaudit()
        .args([
            "audit",
            "--record",
            "--bootstrap",
            "0",
            "--as-of",
            "2026-10-01",
            "--model-id",
            "recidivism",
            "--risk-tier",
            "low",
            "--attr",
            "race",
            "--store",
        ])
        .arg(&store)
        .arg(fixture("compas_two_year.csv"))
        .output()
        .unwrap();
    assert!(
        matches!(o.status.code(), Some(0) | Some(1)),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // High tier: monthly checks, due at the end of each month. On 2026-11-28
    // the loan model (last check 2026-08-03) is overdue, with September and
    // October missed; the low-tier model (quarterly; checked in Q4) is not.
    let (code, out, _) = cmd(
        &store,
        &[
            "cycle",
            "status",
            "--as-of",
            "2026-11-28",
            "--format",
            "json",
            "--fail-on-overdue",
        ],
    );
    assert_eq!(code, 1, "{out}");
    let st: Value = serde_json::from_str(&out).unwrap();
    let m = |id: &str| {
        st.as_array()
            .unwrap()
            .iter()
            .find(|x| x["model_id"] == id)
            .unwrap()
            .clone()
    };
    let loan = m("loan-approval");
    assert_eq!(loan["checks"]["next_due"], "2026-09-30");
    assert_eq!(
        loan["checks"]["missed"],
        serde_json::json!(["2026-09", "2026-10"])
    );
    assert_eq!(loan["reviews"]["next_due"], "2026-09-30");
    assert_eq!(loan["reviews"]["missed"], serde_json::json!(["2026-Q3"]));
    assert_eq!(loan["overdue"], serde_json::json!(["check", "review"]));
    assert_eq!(m("recidivism")["overdue"], serde_json::json!([]));
    // The first layout's flat keys are still there (tools read them).
    assert_eq!(loan["next_check_due"], loan["checks"]["next_due"]);
    assert_eq!(loan["next_review_due"], loan["reviews"]["next_due"]);
    assert_eq!(loan["next_audit_due"], loan["audits"]["next_due"]);
    assert_eq!(loan["last_check"], "2026-08-03");
    assert_eq!(loan["last_review"], serde_json::Value::Null);
    // Without --fail-on-overdue the command reports and exits 0.
    let (code, out, _) = cmd(&store, &["cycle", "status", "--as-of", "2026-11-28"]);
    assert_eq!(code, 0);
    assert!(out.contains("OVERDUE: check, review"), "{out}");
    assert!(out.contains("missed checks: 2026-09, 2026-10"), "{out}");
    // A recorded review and a new check clear the overdue flags.
    cmd(
        &store,
        &[
            "cycle",
            "review",
            "--model",
            "loan-approval",
            "--date",
            "2026-11-20",
            "--by",
            "MRM committee",
        ],
    );
    record_german(&store, "2026-11-25");
    let (code, out, _) = cmd(
        &store,
        &[
            "cycle",
            "status",
            "--as-of",
            "2026-11-28",
            "--fail-on-overdue",
        ],
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn evidence_pack_verifies_offline() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.db");
    record_german(&store, "2026-11-02");
    let pack = dir.path().join("pack");
    let (code, _, err) = cmd(&store, &["evidence", "1", "--out", pack.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let mut names: Vec<String> = std::fs::read_dir(&pack)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "SHA256SUMS",
            "manifest.json",
            "oscal-assessment-plan.json",
            "oscal-assessment-results.json",
            "oscal-poam.json",
            "report.json",
            "risk-tags.csv",
            "spec.toml",
            "summary.md"
        ]
    );
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(pack.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(
        manifest["input_data"][0]["sha256"],
        fairaudit::governance::store::sha256_file(&fixture("german_credit.csv")).unwrap()
    );
    assert!(manifest["controls_evidenced"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["control"] == "EU AI Act Annex IV(2)(g)"));
    // Collection of evidence (A.5.28) concerns security incidents: not cited.
    assert!(!manifest["controls_evidenced"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["control"] == "ISO 27001 A.5.28"));
    assert_eq!(
        manifest["history"]["chain_hash"].as_str().unwrap().len(),
        64
    );
    match Proc::new("sha256sum")
        .arg("-c")
        .arg("SHA256SUMS")
        .current_dir(&pack)
        .output()
    {
        Ok(o) => assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout)),
        Err(_) => eprintln!("NOTICE: sha256sum not available; checked in Rust only"),
    }
    // The same check in Rust, and a tampered file fails it.
    let sums = std::fs::read_to_string(pack.join("SHA256SUMS")).unwrap();
    for l in sums.lines() {
        let (h, name) = l.split_once("  ").unwrap();
        let got = fairaudit::governance::store::sha256_file(&pack.join(name)).unwrap();
        assert_eq!(got, h, "{name}");
    }
    std::fs::write(pack.join("summary.md"), "edited").unwrap();
    let (h, _) = sums
        .lines()
        .find_map(|l| l.split_once("  ").filter(|(_, n)| *n == "summary.md"))
        .expect("summary.md is listed in SHA256SUMS");
    let tampered = fairaudit::governance::store::sha256_file(&pack.join("summary.md")).unwrap();
    assert_ne!(
        tampered, h,
        "the edited file no longer matches its listed digest"
    );
    if let Ok(o) = Proc::new("sha256sum")
        .arg("-c")
        .arg("SHA256SUMS")
        .current_dir(&pack)
        .output()
    {
        assert!(!o.status.success());
    }
    // A zip holds the same files.
    let zip = dir.path().join("pack.zip");
    let (code, _, err) = cmd(&store, &["evidence", "1", "--out", zip.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let bytes = std::fs::read(&zip).unwrap();
    assert!(bytes.starts_with(b"PK"));
    assert!(bytes.windows(10).any(|w| w == b"SHA256SUMS"));
    // A non-empty directory is not overwritten.
    let (code, _, err) = cmd(&store, &["evidence", "1", "--out", pack.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn oscal_assessment_results_have_the_required_structure() {
    let o = fairaudit()
        .args([
            "audit",
            "--spec",
            SPEC,
            "--format",
            "oscal",
            "--bootstrap",
            "0",
            "--as-of",
            "2026-11-28",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let ar = &v["assessment-results"];
    let uuid = |s: &Value| {
        let s = s.as_str().unwrap();
        let parts: Vec<&str> = s.split('-').collect();
        parts.len() == 5
            && [8, 4, 4, 4, 12]
                .iter()
                .zip(&parts)
                .all(|(n, p)| p.len() == *n)
            && (parts[2].starts_with('4') || parts[2].starts_with('5'))
    };
    assert!(uuid(&ar["uuid"]));
    assert_eq!(ar["metadata"]["oscal-version"], "1.1.3");
    assert!(
        ar["metadata"]["title"].is_string()
            && ar["metadata"]["last-modified"].is_string()
            && ar["metadata"]["version"].is_string()
    );
    assert!(ar["import-ap"]["href"].is_string());
    let result = &ar["results"][0];
    for k in ["uuid", "title", "description", "start", "reviewed-controls"] {
        assert!(!result[k].is_null(), "result.{k}");
    }
    let obs = result["observations"].as_array().unwrap();
    let findings = result["findings"].as_array().unwrap();
    let risks = result["risks"].as_array().unwrap();
    assert_eq!(obs.len(), findings.len());
    for o in obs {
        assert!(
            uuid(&o["uuid"])
                && o["methods"] == serde_json::json!(["TEST"])
                && o["collected"].is_string()
        );
    }
    for f in findings {
        assert!(uuid(&f["uuid"]));
        assert!(["satisfied", "not-satisfied"]
            .contains(&f["target"]["status"]["state"].as_str().unwrap()));
    }
    // One risk per failing finding, linked from it.
    let report: Value = serde_json::from_slice(
        &fairaudit()
            .args([
                "audit",
                "--spec",
                SPEC,
                "--format",
                "json",
                "--bootstrap",
                "0",
                "--fail-on",
                "never",
            ])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let fails = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail")
        .count();
    assert_eq!(risks.len(), fails);
    assert!(risks
        .iter()
        .all(|r| r["status"] == "open" && uuid(&r["uuid"])));
}

/// `$FAIRAUDIT_ENGINE_PYTHON`, which must have compliance-trestle (NIST's
/// OSCAL model) and jsonschema-rs; panics naming what is missing.
pub(crate) fn oscal_python() -> String {
    let py = crate::require_env("FAIRAUDIT_ENGINE_PYTHON");
    assert!(
        Proc::new(&py)
            .args(["-c", "import trestle.oscal.assessment_results, jsonschema_rs"])
            .output()
            .is_ok_and(|o| o.status.success()),
        "needs the Python packages compliance-trestle and jsonschema-rs in FAIRAUDIT_ENGINE_PYTHON={py}: \
         .ci/run installs them in a venv; run with --ignored or --include-ignored only where \
         they are installed"
    );
    py
}

/// Validates OSCAL documents with trestle and NIST's 1.1.3 JSON schemas
/// (`$FAIRAUDIT_OSCAL_SCHEMAS`, written by scripts/fetch-oscal-schemas.sh).
pub(crate) fn assert_valid_oscal(py: &str, files: &[&Path]) {
    let schemas = crate::require_env("FAIRAUDIT_OSCAL_SCHEMAS");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oscal/validate.py");
    let o = Proc::new(py)
        .arg(script)
        .args(["--schema-dir", &schemas])
        .args(files)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success()
            && out.lines().count() == files.len()
            && out.lines().all(|l| l.ends_with(": VALID")),
        "not valid OSCAL: {out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The OSCAL output and the evidence pack's OSCAL file validate against the
/// NIST OSCAL assessment-results model (compliance-trestle's classes, which
/// reject unknown keys, missing fields, malformed UUIDs and dates).
#[test]
#[ignore = "needs FAIRAUDIT_ENGINE_PYTHON with compliance-trestle and jsonschema-rs, and FAIRAUDIT_OSCAL_SCHEMAS"]
fn oscal_validates_against_the_nist_model() {
    let py = oscal_python();
    let dir = tempfile::tempdir().unwrap();
    // Failing findings (with risks), a score, weights off.
    let direct = dir.path().join("oscal.json");
    let o = fairaudit()
        .args([
            "audit",
            "--spec",
            SPEC,
            "--format",
            "oscal",
            "--bootstrap",
            "0",
        ])
        .args(["--score", "score", "--as-of", "2026-11-28", "--out"])
        .arg(&direct)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_valid_oscal(&py, &[&direct]);
    // The evidence pack of a recorded run.
    let store = dir.path().join("h.db");
    record_german(&store, "2026-11-02");
    let pack = dir.path().join("pack");
    let (code, _, err) = cmd(&store, &["evidence", "1", "--out", pack.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_valid_oscal(
        &py,
        &[
            &pack.join("oscal-assessment-results.json"),
            &pack.join("oscal-assessment-plan.json"),
            &pack.join("oscal-poam.json"),
        ],
    );
}
