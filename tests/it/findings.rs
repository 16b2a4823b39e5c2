//! Policy, findings, tags, cycles and the CI gate, end to end.

use std::path::Path;

use serde_json::Value;

use crate::{fairaudit, fixture, require_program, temp_file};

/// Runs `fairaudit audit ARGS --format json`; returns (exit code, report, stderr).
fn run(args: &[&str]) -> (i32, Value, String) {
    let o = fairaudit()
        .arg("audit")
        .args(args)
        .args(["--format", "json", "--as-of", "2026-11-28"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    let code = o.status.code().unwrap();
    let v = if code == 2 {
        Value::Null
    } else {
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {err}"))
    };
    (code, v, err)
}

fn findings(r: &Value) -> &Vec<Value> {
    r["findings"].as_array().unwrap()
}

fn find<'a>(r: &'a Value, check: &str, attr: &str, group: Option<&str>) -> &'a Value {
    findings(r)
        .iter()
        .find(|f| {
            f["check"] == check && f["attribute"] == attr && group.is_none_or(|g| f["group"] == g)
        })
        .unwrap_or_else(|| panic!("no finding {check} {attr} {group:?}"))
}

const STRICT: &str = "fixtures/loan-model.toml";
const LENIENT: &str = "fixtures/loan-model-lenient.toml";

#[test]
fn bundled_spec_gives_tagged_findings_and_fails_the_gate() {
    let (code, r, err) = run(&["--spec", STRICT]);
    assert_eq!(code, 1, "strict policy fails: {err}");
    assert_eq!(r["schema_version"], 5);
    assert_eq!(r["model"]["id"], "loan-approval");
    assert_eq!(r["cycle"]["id"], "2026-11"); // high tier: monthly checks
                                             // Calendar cycles: this run covers November; December's check is due on
                                             // its last day; the first quarterly review and annual audit are due at
                                             // the end of the quarter and the year the model's first run falls in.
    assert_eq!(r["cycle"]["next_check_due"], "2026-12-31");
    assert_eq!(r["cycle"]["next_review_due"], "2026-12-31");
    assert_eq!(r["cycle"]["next_audit_due"], "2026-12-31");
    assert_eq!(r["verdict"], "fail");
    assert_eq!(r["gate"]["failed"], true);

    // Age: le25's approval rate is 0.674/0.791 of gt25's — below 0.9 (warn),
    // above 0.8 (no failure of the four-fifths rule).
    let age = find(&r, "four-fifths-rule", "age_group", Some("le25"));
    let v = age["value"].as_f64().unwrap();
    let peers: Value = serde_json::from_str(
        &std::fs::read_to_string(crate::fixture("peers/german_credit.peers.json")).unwrap(),
    )
    .unwrap();
    let di = peers["tools"]["aif360"]["metrics"]["age_group: each group vs privileged=gt25"]
        ["le25"]["disparate_impact"]
        .as_f64()
        .unwrap();
    assert!((v - di).abs() < 1e-12, "AIF360's DI {di}, ours {v}");
    assert_eq!(age["status"], "warn");
    assert_eq!(age["breached"], "warn_below 0.9");
    assert_eq!(age["severity"], "medium");
    assert_eq!(age["reference"], "gt25");
    assert_eq!(age["risks"], serde_json::json!(["R-022"]));
    assert_eq!(age["cycle"], "2026-11");
    let st = age["statement"].as_str().unwrap();
    assert!(
        st.starts_with(
            "Approval rate for age_group = le25 is 0.85 of the rate for age_group = gt25 (95% CI "
        ),
        "{st}"
    );
    assert!(
        st.contains("below the 0.9 warning threshold")
            && st.contains("z test of le25 vs gt25: p = "),
        "{st}"
    );
    assert_eq!(age["evidence"]["group"]["n"], 190);
    assert_eq!(age["evidence"]["reference"]["n"], 810);
    let controls: Vec<&str> = age["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(controls.contains(&"ISO 27001 6.1.2") && controls.contains(&"EU AI Act Art. 10(2)(g)"));
    assert!(
        !controls.contains(&"ISO 27001 10.2"),
        "only failures are nonconformities"
    );

    // Demographic parity ratio by age: 0.85 < 0.9 and the test of the pair
    // that sets it (gt25, the highest rate, vs le25, the lowest) is
    // significant: a failure, critical for a high-tier model.
    let dp = find(&r, "demographic-parity", "age_group", None);
    assert_eq!(dp["status"], "fail");
    assert_eq!(dp["significant"], true);
    assert_eq!(dp["test"], "z_test");
    assert_eq!(dp["pair"], serde_json::json!(["gt25", "le25"]));
    assert_eq!(dp["thresholds"]["evidence"], "significance");
    assert_eq!(dp["severity"], "critical");
    let controls: Vec<&str> = dp["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    // A failure is a risk to assess in both the ISMS and the AI risk
    // assessment; it becomes a nonconformity (10.2) only once a corrective
    // action is recorded (tests/it/governance.rs).
    assert!(controls.contains(&"ISO 27001 6.1.2") && controls.contains(&"ISO 42001 6.1.2"));
    assert!(!controls.contains(&"ISO 27001 10.2"));
    assert_eq!(dp["evidence"]["groups"].as_array().unwrap().len(), 2);

    // Sex passes the four-fifths rule: info, tagged to R-017.
    let sex = find(&r, "four-fifths-rule", "sex", Some("female"));
    assert_eq!(sex["status"], "pass");
    assert_eq!(sex["severity"], "info");
    assert_eq!(sex["risks"], serde_json::json!(["R-017"]));

    // The intersection is judged too (the check names no attributes).
    find(
        &r,
        "four-fifths-rule",
        "sex & age_group",
        Some("female & le25"),
    );
    // Findings come sorted by severity.
    let sev: Vec<&str> = findings(&r)
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    assert_eq!(sev[0], "critical");
    assert_eq!(*sev.last().unwrap(), "info");
}

#[test]
fn lenient_spec_passes_the_gate() {
    let (code, r, err) = run(&["--spec", LENIENT]);
    assert_eq!(code, 0, "{err}");
    assert_ne!(r["verdict"], "fail");
    // --fail-on warn turns its warnings into a failing gate.
    let (code, r, _) = run(&["--spec", LENIENT, "--fail-on", "warn"]);
    assert_eq!(r["verdict"], "warn");
    assert_eq!(code, 1);
    let (code, _, _) = run(&["--spec", STRICT, "--fail-on", "never"]);
    assert_eq!(code, 0);
}

#[test]
fn finding_ids_are_stable_across_runs_and_specific() {
    let (_, a, _) = run(&["--spec", STRICT, "--seed", "1"]);
    let (_, b, _) = run(&["--spec", STRICT, "--seed", "2"]);
    let ids = |r: &Value| {
        let mut v: Vec<String> = findings(r)
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&a), ids(&b));
    let mut u = ids(&a);
    u.dedup();
    assert_eq!(u.len(), ids(&a).len(), "ids are unique");
    let (_, c, _) = run(&["--spec", STRICT, "--model-id", "other-model"]);
    assert!(ids(&c).iter().all(|i| !ids(&a).contains(i)));
}

#[test]
fn default_policy_applies_without_checks() {
    let (code, r, _) = run(&[
        "fixtures/compas_two_year.csv",
        "--attr",
        "race",
        "--favorable",
        "negative",
    ]);
    assert_eq!(r["policy"]["source"], "default");
    let checks: Vec<&str> = r["policy"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().or(c["metric"].as_str()).unwrap())
        .collect();
    assert_eq!(
        checks,
        [
            "four-fifths-rule",
            "equal_opportunity_difference",
            "equalized_odds_difference"
        ]
    );
    // COMPAS by race: TPR ranges over 0.4 with significant gaps: equal opportunity fails.
    let eo = find(&r, "equal_opportunity_difference", "race", None);
    assert_eq!(eo["status"], "fail");
    assert_eq!(code, 1);
    // Native American (18 rows) is not judged.
    let na = find(&r, "four-fifths-rule", "race", Some("Native American"));
    assert_eq!(na["status"], "insufficient_data");
    let controls: Vec<&str> = na["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(controls.contains(&"EU AI Act Art. 10(2)(h)"));
}

/// Audits with the strict spec, writing `fairness.xml` (JUnit), `fairness.md`
/// and `fairness.json` into `dir`; returns the output (exit 1, the gate).
fn strict_reports(dir: &Path) -> std::process::Output {
    let o = fairaudit()
        .args([
            "audit",
            "--spec",
            STRICT,
            "--as-of",
            "2026-11-28",
            "--out-junit",
        ])
        .arg(dir.join("fairness.xml"))
        .arg("--out-md")
        .arg(dir.join("fairness.md"))
        .arg("--out-json")
        .arg(dir.join("fairness.json"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    o
}

#[test]
fn junit_counts_the_findings_and_markdown_summarises() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("fairness.xml");
    let md = dir.path().join("fairness.md");
    let json = dir.path().join("fairness.json");
    let o = strict_reports(dir.path());
    let table = String::from_utf8(o.stdout).unwrap();
    assert!(
        table.contains("verdict: FAIL"),
        "the log shows the table: {table}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let n_fail = findings(&r)
        .iter()
        .filter(|f| f["status"] == "fail")
        .count();
    assert!(n_fail > 0);
    assert_eq!(xml.matches("<failure ").count(), n_fail);
    assert_eq!(xml.matches("<testcase ").count(), findings(&r).len());
    assert_eq!(xml.matches("<testsuite ").count(), 4, "one suite per check");
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(
        md.starts_with("## fairaudit: FAIL — Consumer loan approval model 2.4.1"),
        "{md}"
    );
    assert!(md.contains("Cycle **2026-11**"), "{md}");
    assert!(md.contains("### Needs attention"));
    assert!(
        md.contains("| fail | critical | Demographic parity ratio: age_group |"),
        "{md}"
    );
}

#[test]
#[ignore = "needs xmllint"]
fn junit_validates_against_the_schema() {
    let xmllint = require_program("xmllint");
    let dir = tempfile::tempdir().unwrap();
    strict_reports(dir.path());
    let v = std::process::Command::new(xmllint)
        .args(["--noout", "--schema"])
        .arg(fixture("junit/junit.xsd"))
        .arg(dir.path().join("fairness.xml"))
        .output()
        .expect("xmllint runs");
    assert!(
        v.status.success(),
        "xmllint: {}",
        String::from_utf8_lossy(&v.stderr)
    );
}

#[test]
fn proposed_risks_round_trip_through_the_register() {
    let dir = tempfile::tempdir().unwrap();
    // A register that covers only accuracy: the age findings are uncovered.
    let reg = dir.path().join("reg.csv");
    let text = std::fs::read_to_string(fixture("risk-register.csv")).unwrap();
    let only: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("id,") || l.starts_with("R-031"))
        .collect();
    std::fs::write(&reg, only.join("\n") + "\n").unwrap();
    let proposed = dir.path().join("proposed.csv");
    let (_, r, err) = run(&[
        "--spec",
        STRICT,
        "--risk-register",
        reg.to_str().unwrap(),
        "--proposed-risks",
        proposed.to_str().unwrap(),
    ]);
    let props = r["proposed_risks"].as_array().unwrap();
    assert!(!props.is_empty(), "{err}");
    let dp = props
        .iter()
        .find(|p| {
            p["attributes"] == serde_json::json!(["age_group"])
                && p["metrics"] == serde_json::json!(["demographic_parity_ratio"])
        })
        .unwrap();
    assert_eq!(dp["likelihood"], 4, "significant failure");
    assert_eq!(dp["impact"], 5, "high tier, failure");
    assert_eq!(dp["status"], "proposed");
    assert_eq!(dp["owner"], "Credit Risk Analytics");
    let csv = std::fs::read_to_string(&proposed).unwrap();
    assert!(csv.starts_with("id,title,description,owner,likelihood,impact,treatment,status,review_cadence,model_id,attributes,metrics\n"));
    assert_eq!(csv.lines().count(), props.len() + 1);
    // Appended to the register and fed back, the proposals cover those findings
    // and nothing new is proposed.
    let combined = dir.path().join("combined.csv");
    let reg_text = std::fs::read_to_string(&reg).unwrap();
    let body: Vec<&str> = csv.lines().skip(1).collect();
    std::fs::write(&combined, format!("{reg_text}{}\n", body.join("\n"))).unwrap();
    let (_, r2, err) = run(&[
        "--spec",
        STRICT,
        "--risk-register",
        combined.to_str().unwrap(),
    ]);
    assert_eq!(r2["proposed_risks"].as_array().unwrap().len(), 0, "{err}");
    let f = find(&r2, "demographic-parity", "age_group", None);
    assert_eq!(f["risks"], serde_json::json!([dp["id"].clone()]));
    // JSON registers read the same.
    let jreg = dir.path().join("reg.json");
    let mut all = props.clone();
    all.push(serde_json::json!({"id": "R-031", "title": "Model performance", "likelihood": 2, "impact": 3,
        "treatment": "mitigate", "status": "open", "model_id": ["loan-approval"], "metrics": ["accuracy_difference"]}));
    std::fs::write(
        &jreg,
        serde_json::to_string(&serde_json::json!({"risks": all})).unwrap(),
    )
    .unwrap();
    let (_, r3, err) = run(&["--spec", STRICT, "--risk-register", jreg.to_str().unwrap()]);
    assert_eq!(r3["proposed_risks"].as_array().unwrap().len(), 0, "{err}");
}

/// Runs with an extra spec text (written next to the German data) and expects exit 2.
fn spec_error(spec: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.toml");
    std::fs::write(&p, spec).unwrap();
    let (code, _, err) = run(&["fixtures/german_credit.csv", "--spec", p.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.toml") || err.contains("check"), "{err}");
    err
}

#[test]
fn malformed_specs_are_named() {
    let e = spec_error("[model]\nid = \"m\"\nrisk_teir = \"high\"\n");
    assert!(e.contains("line 3") && e.contains("risk_teir"), "{e}");
    let e = spec_error("[attributes]\ncolumns = \"sex\"\n");
    assert!(e.contains("line 2") && e.contains("columns"), "{e}");
    let e = spec_error("[attributes]\ncolumns = [\"sex\"]\n[[checks]]\nmetric = \"impact_ratio\"\nfail_below = \"0.8\"\n");
    assert!(e.contains("line 5") && e.contains("fail_below"), "{e}");
    let e = spec_error("[attributes]\ncolumns = [\"sex\"]\n[[checks]]\nid = \"nice\"\nmetric = \"niceness\"\nfail_below = 1\n");
    assert!(
        e.contains("check 'nice'") && e.contains("unknown check metric 'niceness'"),
        "{e}"
    );
    let e = spec_error(
        "[attributes]\ncolumns = [\"sex\"]\n[[checks]]\nid = \"x\"\nmetric = \"impact_ratio\"\n",
    );
    assert!(e.contains("check 'x' has no bound"), "{e}");
    let e = spec_error("[attributes]\ncolumns = [\"sex\"]\n[[checks]]\nid = \"x\"\nmetric = \"impact_ratio\"\nfail_below = 0.8\nattributes = [\"race\"]\n");
    assert!(e.contains("check 'x' names attribute 'race'"), "{e}");
    let e = spec_error("[attributes]\ncolumns = [\"sex\"]\n[[checks]]\nid = \"x\"\nmetric = \"impact_ratio\"\nfail_below = 0.8\ncontrols = [\"ISO 27001 A.99\"]\n");
    assert!(e.contains("unknown control 'ISO 27001 A.99'"), "{e}");
    let e = spec_error("[statistics]\np_adjust = \"bonferroni\"\n");
    assert!(e.contains("p_adjust") && e.contains("bonferroni"), "{e}");
}

fn register_error(csv: &str, extra: &[&str]) -> String {
    let (_d, p) = temp_file("reg.csv", csv);
    let mut args = vec!["--spec", STRICT, "--risk-register", p.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (code, _, err) = run(&args);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("reg.csv"), "{err}");
    err
}

const HEAD: &str = "id,title,description,owner,likelihood,impact,treatment,status,review_cadence,model_id,attributes,metrics\n";

#[test]
fn malformed_registers_name_row_and_column() {
    let e = register_error(
        &format!("{HEAD}R-1,t,d,o,3,4,mitigate,open,q,,,\nR-2,t,d,o,7,4,mitigate,open,q,,,\n"),
        &[],
    );
    assert!(
        e.contains("row 2, column 'likelihood': '7' is neither an integer from 1 to 5 nor a level of the risk matrix"),
        "{e}"
    );
    let e = register_error(&format!("{HEAD}R-1,t,d,o,3,x,mitigate,open,q,,,\n"), &[]);
    assert!(e.contains("row 1, column 'impact'"), "{e}");
    let e = register_error(&format!("{HEAD}R-1,t,d,o,3,4,ignore,open,q,,,\n"), &[]);
    assert!(
        e.contains("column 'treatment': 'ignore' is not one of"),
        "{e}"
    );
    let e = register_error(
        &format!("{HEAD}R-1,t,d,o,3,4,accept,open,q,,,\nR-1,t,d,o,3,4,accept,open,q,,,\n"),
        &[],
    );
    assert!(
        e.contains("row 2, column 'id': id 'R-1' appears twice"),
        "{e}"
    );
    let e = register_error(
        "ref_id,name,likelihood,impact,treatment,status\nR-1,t,3,4,accept,open\n",
        &[],
    );
    assert!(e.contains("no column 'id'") && e.contains("ref_id"), "{e}");
    let e = register_error(&format!("{HEAD}R-1,t,d,o,3,4\n"), &[]);
    assert!(e.contains("row 1"), "{e}");
}

#[test]
fn grc_exports_map_with_a_column_map() {
    // A CISO Assistant-style export, mapped in the spec.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("german_credit.csv"),
        dir.path().join("german_credit.csv"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("ciso.csv"),
        "ref_id,name,description,owner,current_proba,current_impact,treatment,status,model,scope,metric\nRS-9,Sex bias,d,CRO,2,4,reduce,in progress,loan-approval,sex,impact_ratio\n",
    )
    .unwrap();
    let spec = std::fs::read_to_string(fixture("loan-model.toml"))
        .unwrap()
        .replace(
            "[risk_register]\npath = \"risk-register.csv\"",
            "[risk_register]\npath = \"ciso.csv\"\n[risk_register.columns]\nid = \"ref_id\"\ntitle = \"name\"\nlikelihood = \"current_proba\"\nimpact = \"current_impact\"\nmodel_id = \"model\"\nattributes = \"scope\"\nmetrics = \"metric\"",
        );
    std::fs::write(dir.path().join("s.toml"), spec).unwrap();
    let (_, r, err) = run(&["--spec", dir.path().join("s.toml").to_str().unwrap()]);
    let f = find(&r, "four-fifths-rule", "sex", Some("female"));
    assert_eq!(f["risks"], serde_json::json!(["RS-9"]), "{err}");
}

#[test]
fn init_writes_a_spec_that_runs() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("fairaudit.toml");
    fairaudit()
        .args(["init", "--out"])
        .arg(&p)
        .assert()
        .success();
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(text.contains("risk_tier = \"high\""));
    // Refuses to overwrite.
    let o = fairaudit()
        .args(["init", "--out"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    // Run from the repository root, where its relative paths point, via a copy there.
    let here = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("init-test.toml");
    std::fs::create_dir_all(here.parent().unwrap()).unwrap();
    std::fs::write(&here, text.replace("fixtures/", "../fixtures/")).unwrap();
    let (code, r, err) = run(&["--spec", here.to_str().unwrap()]);
    assert!(code == 0 || code == 1, "{err}");
    assert_eq!(r["model"]["id"], "loan-approval");
    assert!(!findings(&r).is_empty());
}

#[test]
fn controls_lists_the_catalog_and_mapping() {
    let o = fairaudit().args(["controls"]).output().unwrap();
    let t = String::from_utf8(o.stdout).unwrap();
    assert!(
        t.contains("ISO 27001 A.5.31") && t.contains("warn and fail findings"),
        "{t}"
    );
    assert!(t.contains("EU AI Act Art. 10(2)(h)") && t.contains("insufficient_data findings"));
    let o = fairaudit()
        .args(["controls", "--format", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let nist = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["reference"] == "NIST AI RMF MEASURE 2.11")
        .unwrap();
    assert_eq!(
        nist["mapped_for"],
        serde_json::json!([
            "every finding",
            "human-oversight findings",
            "label base-rate findings",
            "proxy-screening findings"
        ])
    );
}

/// docs/governance.md holds the control mapping exactly as the engine applies it.
#[test]
fn the_documented_control_mapping_is_the_applied_one() {
    let o = fairaudit()
        .args(["controls", "--mapping"])
        .output()
        .unwrap();
    assert!(o.status.success());
    let table = String::from_utf8(o.stdout).unwrap();
    assert!(table.lines().count() > 40, "{table}");
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/governance.md"))
            .unwrap();
    assert!(
        doc.contains(&table),
        "docs/governance.md must hold the output of `fairaudit controls --mapping`"
    );
    // The corrections of issue 15: nothing a fairness run does not evidence.
    for gone in [
        "ISO 27001 A.5.28 ",
        "EU AI Act Art. 12 ",
        "ISO 42001 A.6.2.8 ",
        "ISO 27001 A.8.16 ",
        "ISO 27001 A.8.29 ",
    ] {
        assert!(
            !table.contains(&format!("| {gone}|")),
            "{gone} is cited: {table}"
        );
    }
    for (control, on) in [
        (
            "ISO 27001 9.3.2",
            "runs used by a recorded management review",
        ),
        (
            "ISO 27001 10.2",
            "findings with a recorded corrective action",
        ),
        ("ISO 42001 6.1.2", "warn and fail findings"),
    ] {
        assert!(
            table.contains(&format!("| {control} | {on} |")),
            "{control}: {table}"
        );
    }
}

/// A p-value that underflows to 0 reads "p < 1e-300" in a statement, never
/// "p = 0" (or "p = < 1e-300"): every group of a approved, none of b.
#[test]
fn an_underflowing_p_value_is_written_as_a_bound() {
    let mut csv = String::from("g,y_true,y_pred\n");
    for i in 0..40_000 {
        let (g, pred) = if i % 2 == 0 { ("a", 1) } else { ("b", 0) };
        csv.push_str(&format!("{g},{},{pred}\n", (i / 2) % 2));
    }
    let (_d, p) = crate::temp_file("extreme.csv", &csv);
    let (_, r, _) = run(&[p.to_str().unwrap(), "--attr", "g", "--bootstrap", "0"]);
    let f = find(&r, "four-fifths-rule", "g", Some("b"));
    assert_eq!(f["p_value"], 0.0, "{f}");
    let st = f["statement"].as_str().unwrap();
    assert!(st.contains("p < 1e-300"), "{st}");
    assert!(!st.contains("p = <") && !st.contains("p = 0"), "{st}");
}
