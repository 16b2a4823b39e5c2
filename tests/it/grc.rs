//! The round trip with CISO Assistant, against the rules of its own source
//! (FORMATS.md of the reference material; the samples built from it are in
//! fixtures/ciso-assistant/): its exports read as a register, the files
//! fairaudit writes for it checked column by column, label by label and URN
//! by URN, its libraries checked against the loader's rules, risk
//! acceptances waiving findings, and `push` against a local server that
//! checks every request against the documented REST contract.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use fairaudit::governance::register::{self, Origin, RegisterSource, RiskEntry, Treatment};
use serde_json::{json, Value};

use crate::{fairaudit, fixture};

const SPEC: &str = "fixtures/loan-model.toml";

fn ciso(name: &str) -> PathBuf {
    fixture(&format!("ciso-assistant/{name}"))
}

fn load(path: &Path) -> Vec<RiskEntry> {
    register::load(&RegisterSource {
        path: path.to_path_buf(),
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Records the bundled run with a CISO Assistant export next to it.
fn recorded_export(dir: &Path, extra: &[&str]) -> (i32, Value, PathBuf) {
    export_with(dir, Path::new(SPEC), extra)
}

/// Records a run of `spec` with a CISO Assistant export next to it.
fn export_with(dir: &Path, spec: &Path, extra: &[&str]) -> (i32, Value, PathBuf) {
    let out = dir.join("ciso");
    let o = fairaudit()
        .args([
            "audit",
            "--bootstrap",
            "0",
            "--as-of",
            "2026-11-28",
            "--spec",
        ])
        .arg(spec)
        .args(["--format", "json", "--record", "--store"])
        .arg(dir.join("h.db"))
        .arg("--out-ciso")
        .arg(&out)
        .args(extra)
        .output()
        .unwrap();
    let code = o.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    (code, serde_json::from_slice(&o.stdout).unwrap(), out)
}

fn rows(path: &Path) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let h: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| {
            let x = x.unwrap();
            h.iter().cloned().zip(x.iter().map(String::from)).collect()
        })
        .collect();
    (h, rows)
}

const PROBA: [&str; 5] = [
    "1 - unlikely",
    "2 - rather unlikely",
    "3 - likely",
    "4 - very likely",
    "5 - almost certain",
];
const IMPACT: [&str; 5] = [
    "1 - minor",
    "2 - significant",
    "3 - serious",
    "4 - critical",
    "5 - catastrophic",
];

fn label_ok(l: &str) -> bool {
    (1..=36).contains(&l.chars().count())
        && l.chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// A value pandas' `read_csv` would turn into a number or an empty cell.
fn pandas_mangles(v: &str) -> bool {
    v.parse::<f64>().is_ok() || ["NA", "N/A", "null", "None", "nan", "NaN"].contains(&v)
}

#[test]
fn the_risk_scenario_export_reads_as_a_register() {
    let e = load(&ciso("risk_scenarios_export.csv"));
    assert_eq!(e.len(), 2);
    let r1 = &e[0];
    assert_eq!(r1.id, "FA-R01");
    assert_eq!(r1.title, "Disparate impact on sex in credit scoring model");
    assert_eq!(
        r1.internal_id.as_deref(),
        Some("8d2f6c1e-4b7a-4e0d-9a51-2c3b4d5e6f70")
    );
    // The current rating (3 - likely, 4 - critical), not the inherent one.
    assert_eq!((r1.likelihood, r1.impact), (Some(3), Some(4)));
    assert_eq!(r1.owner, "Head of Credit Risk");
    assert_eq!(r1.treatment, Treatment::Mitigate);
    assert_eq!(r1.status, "open", "no status column: open");
    assert_eq!(r1.model_ids, ["Credit scoring model v3"]);
    assert_eq!(r1.labels, ["ai-act", "fairness"]);
    assert_eq!(r1.origin, Origin::CisoAssistant);
    let r2 = &e[1];
    // Current and residual "not rated" ('--): the inherent rating stands.
    assert_eq!((r2.likelihood, r2.impact), (Some(3), Some(3)));
    assert_eq!(r2.treatment, Treatment::Open);
    assert_eq!(r2.owner, "");
    // Its Data Wizard import twin reads the same.
    let i = load(&ciso("risk_scenarios_import.csv"));
    assert_eq!(i.len(), 2);
    assert_eq!(
        (i[0].id.as_str(), i[0].likelihood, i[0].impact),
        ("FA-R01", Some(3), Some(4))
    );
    assert_eq!(i[1].treatment, Treatment::Open);
}

#[test]
fn the_per_assessment_export_and_other_matrices_read_too() {
    let dir = tempfile::tempdir().unwrap();
    // GET /api/risk-assessments/{id}/risk_assessment_csv/: BOM, ';', lists joined with ','.
    let p = dir.path().join("ra.csv");
    std::fs::write(
        &p,
        "\u{feff}ref_id;assets;threats;name;description;existing_applied_controls;current_impact;current_proba;current_risk;additional_controls;residual_impact;residual_proba;residual_risk;treatment;strength_of_knowledge\r\n\
         R.1;loan-approval,other;;Age bias;d;;high;low;medium;;'--;'--;'--;accept;\r\n",
    )
    .unwrap();
    let m = dir.path().join("matrix.json");
    std::fs::write(
        &m,
        json!({"id": "x", "name": "3x3", "json_definition": json!({
            "probability": [{"name": "low"}, {"name": "medium"}, {"name": "high"}],
            "impact": [{"name": "low"}, {"name": "medium"}, {"name": "high"}],
        }).to_string()})
        .to_string(),
    )
    .unwrap();
    let e = register::load(&RegisterSource {
        path: p.clone(),
        matrix: Some(m),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(e[0].model_ids, ["loan-approval", "other"]);
    assert_eq!((e[0].likelihood, e[0].impact), (Some(1), Some(5)));
    assert_eq!(e[0].treatment, Treatment::Accept);
    // With the default matrix the labels are unknown: a clear error.
    let err = register::load(&RegisterSource {
        path: p,
        ..Default::default()
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("row 1, column 'current_proba': 'low' is neither an integer from 1 to 5 nor a level of the risk matrix '5x5 ISO 27005'"),
        "{err}"
    );
}

#[test]
fn written_files_follow_the_data_wizard_rules() {
    let dir = tempfile::tempdir().unwrap();
    let (_, report, out) = recorded_export(dir.path(), &[]);
    // Risk scenarios: the columns of the sample import, required name, labels of the matrix.
    let (sample_h, _) = rows(&ciso("risk_scenarios_import.csv"));
    let (h, risks) = rows(&out.join("risk_scenarios_import.csv"));
    assert!(
        h.iter().all(|c| sample_h.contains(c)),
        "{h:?} vs {sample_h:?}"
    );
    assert_eq!(
        risks.len(),
        report["proposed_risks"].as_array().unwrap().len()
    );
    assert!(!risks.is_empty());
    for r in &risks {
        assert!(
            !r["name"].is_empty() && !pandas_mangles(&r["ref_id"]),
            "{r:?}"
        );
        for (c, levels) in [
            ("current_proba", &PROBA),
            ("inherent_proba", &PROBA),
            ("current_impact", &IMPACT),
            ("inherent_impact", &IMPACT),
        ] {
            assert!(levels.contains(&r[c].as_str()), "{c}: {}", r[c]);
        }
        assert!([
            "open",
            "mitigate",
            "accept",
            "avoid",
            "transfer",
            "cancelled"
        ]
        .contains(&r["treatment"].as_str()));
        assert!(
            r["filtering_labels"].split('|').all(label_ok),
            "{}",
            r["filtering_labels"]
        );
        assert_eq!(r["assets"], "loan-approval");
    }
    // Findings: the sample's columns, its spellings.
    let (sample_h, _) = rows(&ciso("findings_import.csv"));
    let (h, findings) = rows(&out.join("findings_import.csv"));
    assert_eq!(h, sample_h);
    let breached = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "warn" || f["status"] == "fail")
        .count();
    assert_eq!(findings.len(), breached);
    for f in &findings {
        assert!(f["ref_id"].starts_with("FA-") && !f["name"].is_empty());
        assert!(["info", "low", "medium", "high", "critical"].contains(&f["severity"].as_str()));
        assert!([
            "--",
            "identified",
            "confirmed",
            "dismissed",
            "assigned",
            "in_progress",
            "mitigated",
            "resolved",
            "closed",
            "deprecated"
        ]
        .contains(&f["status"].as_str()));
        assert!(["", "1", "2", "3", "4"].contains(&f["priority"].as_str()));
        for d in ["eta", "due_date"] {
            let v = &f[d];
            assert!(
                v.is_empty() || chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok(),
                "{d}: {v}"
            );
        }
        assert!(!f["asset"].contains(['|', ',', ';']), "one asset");
        assert!(f["filtering_labels"].split('|').all(label_ok));
    }
    // Requirement results: one per node, values the API accepts.
    let results: Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("requirement_results.json")).unwrap(),
    )
    .unwrap();
    let results = results.as_array().unwrap();
    assert_eq!(
        results.len(),
        4 + 2,
        "four checks, threshold approval, periodic review"
    );
    for r in results {
        assert!(r["urn"]
            .as_str()
            .unwrap()
            .starts_with("urn:fairaudit:risk:req_node:fairaudit-loan-approval:"));
        assert!([
            "not_assessed",
            "partially_compliant",
            "non_compliant",
            "compliant",
            "not_applicable"
        ]
        .contains(&r["result"].as_str().unwrap()));
        assert_eq!(r["status"], "done");
        assert!(r["score"].as_u64().unwrap() <= 3);
    }
    let dp = results
        .iter()
        .find(|r| r["urn"].as_str().unwrap().ends_with(":demographic-parity"))
        .unwrap();
    assert_eq!(
        dp["result"], "non_compliant",
        "the demographic parity check fails"
    );
    // The evidence pack, in an extension CISO Assistant accepts.
    let run = report["run_id"].as_str().unwrap();
    let zip = std::fs::read(out.join(format!("evidence-{run}.zip"))).unwrap();
    assert!(zip.starts_with(b"PK"));
}

/// CISO Assistant's risk-scenario export of what the Data Wizard imported,
/// written as its export writer does (FORMATS.md §2, §2a): the 24 columns,
/// BOM, `;`, CRLF, the `'` formula guard, "not rated" as `'--`, owners never
/// imported, no status.
fn as_ciso_export(import: &Path) -> String {
    let (_, rows) = rows(import);
    let cols = "internal_id;ref_id;name;description;risk_assessment;treatment;justification;inherent_proba;inherent_impact;inherent_level;current_proba;current_impact;current_level;residual_proba;residual_impact;residual_level;owners;threats;assets;vulnerabilities;applied_controls;existing_applied_controls;qualifications;filtering_labels";
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(vec![]);
    w.write_record(cols.split(';')).unwrap();
    let guard = |v: &str| {
        if v.starts_with(['=', '+', '-', '@']) {
            format!("'{v}")
        } else {
            v.to_string()
        }
    };
    for (i, r) in rows.iter().enumerate() {
        let get = |c: &str| r.get(c).cloned().unwrap_or_default();
        let rec: Vec<String> = cols
            .split(';')
            .map(|c| match c {
                "internal_id" => format!("00000000-0000-4000-8000-{i:012}"),
                "risk_assessment" => "Fairness 2026-Q4".into(),
                "current_level" | "inherent_level" => "4 - high".into(),
                "residual_proba" | "residual_impact" | "residual_level" => "'--".into(),
                "owners"
                | "threats"
                | "vulnerabilities"
                | "applied_controls"
                | "existing_applied_controls"
                | "qualifications" => String::new(),
                other => guard(&get(other)),
            })
            .collect();
        w.write_record(&rec).unwrap();
    }
    format!(
        "\u{feff}{}",
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    )
}

#[test]
fn proposed_risks_round_trip_through_ciso_assistant() {
    let dir = tempfile::tempdir().unwrap();
    // No register: every breach is proposed.
    let spec = spec_without_register(dir.path(), "");
    let (_, report, out) = export_with(dir.path(), &spec, &[]);
    let back = dir.path().join("risk_scenarios_export.csv");
    std::fs::write(
        &back,
        as_ciso_export(&out.join("risk_scenarios_import.csv")),
    )
    .unwrap();
    let entries = load(&back);
    let proposed = report["proposed_risks"].as_array().unwrap();
    assert_eq!(entries.len(), proposed.len());
    for (e, p) in entries.iter().zip(proposed) {
        assert_eq!(e.id, p["id"]);
        assert_eq!(e.title, p["title"]);
        assert_eq!(e.description, p["description"]);
        assert_eq!(e.likelihood.map(u64::from), p["likelihood"].as_u64());
        assert_eq!(e.impact.map(u64::from), p["impact"].as_u64());
        assert_eq!(e.treatment.name(), p["treatment"]);
        assert_eq!(serde_json::to_value(&e.model_ids).unwrap(), p["model_ids"]);
        assert_eq!(
            serde_json::to_value(&e.attributes).unwrap(),
            p["attributes"]
        );
        assert_eq!(serde_json::to_value(&e.metrics).unwrap(), p["metrics"]);
    }
    // Audited against the register it became, the same findings are covered
    // and nothing new is proposed.
    let o = fairaudit()
        .args([
            "audit",
            "--spec",
            SPEC,
            "--bootstrap",
            "0",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .arg("--risk-register")
        .arg(&back)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let again: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(again["proposed_risks"], json!([]));
    for f in again["findings"].as_array().unwrap() {
        if f["status"] == "warn" || f["status"] == "fail" {
            assert!(!f["risks"].as_array().unwrap().is_empty(), "{}", f["id"]);
        }
    }
}

fn acceptances(dir: &Path, expiry: &str, state: &str) -> PathBuf {
    let p = dir.join("acceptances.json");
    std::fs::write(
        &p,
        json!({"count": 1, "next": null, "previous": null, "results": [{
            "id": "acc-1", "name": "Credit model fairness", "state": state,
            "approver": {"str": "Dana Chief Risk", "id": "u1", "first_name": "Dana", "last_name": "Chief Risk"},
            "expiry_date": expiry, "accepted_at": "2026-10-01T09:00:00Z",
            "justification": "compensating manual review of declined young applicants",
            "risk_scenarios": [{"str": "FA-R01", "id": "8d2f6c1e-4b7a-4e0d-9a51-2c3b4d5e6f70"}],
        }]})
        .to_string(),
    )
    .unwrap();
    p
}

/// The loan spec with the model's asset named as in the sample export.
fn asset_spec(dir: &Path) -> PathBuf {
    spec_without_register(dir, "asset = \"Credit scoring model v3\"\n")
}

/// The loan spec without its risk register, `model_extra` added to `[model]`.
fn spec_without_register(dir: &Path, model_extra: &str) -> PathBuf {
    let text = std::fs::read_to_string(fixture("loan-model.toml"))
        .unwrap()
        .replace(
            "\"german_credit.csv\"",
            &format!("{:?}", fixture("german_credit.csv").display().to_string()),
        )
        .replace("[data]", &format!("{model_extra}\n[data]"))
        .replace("[risk_register]\npath = \"risk-register.csv\"\n", "");
    assert!(!text.contains("risk-register.csv"));
    let p = dir.join("spec.toml");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn an_accepted_risk_in_ciso_assistant_waives_its_findings() {
    let dir = tempfile::tempdir().unwrap();
    let spec = asset_spec(dir.path());
    let run = |acc: &Path| {
        let o = fairaudit()
            .args([
                "audit",
                "--bootstrap",
                "0",
                "--as-of",
                "2026-11-28",
                "--format",
                "json",
                "--spec",
            ])
            .arg(&spec)
            .arg("--risk-register")
            .arg(ciso("risk_scenarios_export.csv"))
            .arg("--risk-acceptances")
            .arg(acc)
            .output()
            .unwrap();
        let code = o.status.code().unwrap();
        assert!(code < 2, "{}", String::from_utf8_lossy(&o.stderr));
        (code, serde_json::from_slice::<Value>(&o.stdout).unwrap())
    };
    // In force: every breached finding of the model is covered by FA-R01
    // (its asset, no narrower labels) and waived, with the approver named.
    let (code, r) = run(&acceptances(dir.path(), "2026-12-31", "Accepted"));
    assert_eq!(code, 0, "every breach waived: the gate passes");
    let fails: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "fail")
        .collect();
    assert!(!fails.is_empty());
    for f in &fails {
        assert_eq!(f["lifecycle"]["waived"], true, "{f}");
        assert_eq!(
            f["lifecycle"]["accepted_by"],
            "Dana Chief Risk (CISO Assistant risk acceptance of FA-R01)"
        );
        assert_eq!(f["lifecycle"]["acceptance_expires"], "2026-12-31");
    }
    let matched = &r["risk_register"]["matched"];
    let r01 = matched
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "FA-R01")
        .unwrap();
    assert_eq!(r01["status"], "accepted");
    assert_eq!(r01["acceptance"]["approver"], "Dana Chief Risk");
    // Expired before the run, or not accepted: no waiver, the gate fails.
    assert_eq!(run(&acceptances(dir.path(), "2026-11-27", "Accepted")).0, 1);
    assert_eq!(run(&acceptances(dir.path(), "2026-12-31", "Revoked")).0, 1);
    // Without the asset the scenarios cover nothing: they name another model.
    let o = fairaudit()
        .args([
            "audit",
            "--spec",
            SPEC,
            "--bootstrap",
            "0",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .arg("--risk-register")
        .arg(ciso("risk_scenarios_export.csv"))
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["risk_register"]["matched"], json!([]));
}

/// The library loader's rules (FORMATS.md §4), applied to a parsed library.
fn library_problems(lib: &Value) -> Vec<String> {
    let mut p = vec![];
    let urn_re = regex_lite(&lib["urn"].as_str().unwrap_or("").to_lowercase());
    if !urn_re {
        p.push(format!(
            "library urn {} does not match the pattern",
            lib["urn"]
        ));
    }
    for k in ["urn", "name", "version", "objects", "ref_id"] {
        if lib[k].is_null() {
            p.push(format!("no {k}"));
        }
    }
    if !lib["version"].is_u64() {
        p.push("version is not an integer".into());
    }
    let objects = &lib["objects"];
    if let Some(fw) = objects.get("framework") {
        for k in ["urn", "ref_id", "name"] {
            if fw[k].is_null() {
                p.push(format!("framework without {k}"));
            }
        }
        // Defaults 0 and 100.
        let (lo, hi) = (
            fw["min_score"].as_u64().unwrap_or(0),
            fw["max_score"].as_u64().unwrap_or(100),
        );
        if lo >= hi {
            p.push("min_score < max_score".into());
        }
        let nodes = fw["requirement_nodes"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if nodes.is_empty() {
            p.push("no requirement nodes".into());
        }
        let mut seen: Vec<String> = vec![];
        for n in &nodes {
            let urn = n["urn"].as_str().unwrap_or("");
            if urn.is_empty() || urn != urn.to_lowercase() || seen.contains(&urn.to_string()) {
                p.push(format!("node urn {urn:?}: missing, upper case or repeated"));
            }
            if !n["assessable"].is_boolean() {
                p.push(format!("node {urn} has no assessable"));
            }
            if let Some(parent) = n["parent_urn"].as_str() {
                if !seen.iter().any(|s| s == parent) {
                    p.push(format!("node {urn}: parent {parent} not before it"));
                }
            }
            if n["ref_id"]
                .as_str()
                .is_some_and(|r| r.chars().count() > 100)
                || n["name"].as_str().is_some_and(|r| r.chars().count() > 200)
            {
                p.push(format!("node {urn}: ref_id > 100 or name > 200"));
            }
            seen.push(urn.to_string());
        }
    }
    if objects.get("framework").is_some() && objects.get("frameworks").is_some() {
        p.push("framework and frameworks together".into());
    }
    for set in objects["requirement_mapping_sets"]
        .as_array()
        .into_iter()
        .flatten()
    {
        for k in [
            "urn",
            "name",
            "source_framework_urn",
            "target_framework_urn",
        ] {
            if set[k].is_null() {
                p.push(format!("mapping set without {k}"));
            }
        }
        let maps = set["requirement_mappings"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if maps.is_empty() {
            p.push("empty mapping set".into());
        }
        for m in maps {
            for k in ["source_requirement_urn", "target_requirement_urn"] {
                let u = m[k].as_str().unwrap_or("");
                if u.is_empty() || u != u.to_lowercase() {
                    p.push(format!("{k} {u:?}"));
                }
            }
            if !["subset", "intersect", "equal", "superset", "not_related"]
                .contains(&m["relationship"].as_str().unwrap_or(""))
            {
                p.push(format!("relationship {}", m["relationship"]));
            }
            if let Some(r) = m["rationale"].as_str() {
                if !["syntactic", "semantic", "functional"].contains(&r) {
                    p.push(format!("rationale {r}"));
                }
            }
            if m["strength_of_relationship"]
                .as_u64()
                .is_some_and(|s| s > 10)
            {
                p.push("strength > 10".into());
            }
        }
    }
    p
}

/// `^urn:([a-zA-Z0-9_-]+):([a-zA-Z0-9_-]+):([a-zA-Z0-9_-]+)(?::([a-zA-Z0-9_-]+))?:([0-9A-Za-z\[\]\(\)\-\._:]+)$`
fn regex_lite(urn: &str) -> bool {
    let Some(rest) = urn.strip_prefix("urn:") else {
        return false;
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let word = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    let tail = |s: &[&str]| {
        let t = s.join(":");
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || "[]()-._:".contains(c))
    };
    (parts.len() >= 4 && parts[..3].iter().all(|s| word(s)) && tail(&parts[3..]))
        || (parts.len() >= 5 && parts[..4].iter().all(|s| word(s)) && tail(&parts[4..]))
}

fn yaml(path: &Path) -> Value {
    serde_yaml_ng::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn write_libraries(dir: &Path) -> (PathBuf, PathBuf) {
    let out = dir.join("fairaudit-loan-approval.yaml");
    let o = fairaudit()
        .args([
            "export",
            "ciso-library",
            "--spec",
            SPEC,
            "--date",
            "2026-11-28",
            "--library-version",
            "3",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (
        out.clone(),
        dir.join("fairaudit-loan-approval-mappings.yaml"),
    )
}

#[test]
fn libraries_pass_the_loader_rules_and_map_to_real_nodes() {
    // The checker accepts CISO Assistant's own samples.
    for s in ["framework_library.yaml", "mapping_library.yaml"] {
        assert_eq!(
            library_problems(&yaml(&ciso(s))),
            Vec::<String>::new(),
            "{s}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let (fw, maps) = write_libraries(dir.path());
    let fw = yaml(&fw);
    let maps = yaml(&maps);
    assert_eq!(library_problems(&fw), Vec::<String>::new());
    assert_eq!(library_problems(&maps), Vec::<String>::new());
    assert_eq!(fw["version"], 3);
    let nodes: Vec<String> = fw["objects"]["framework"]["requirement_nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["assessable"] == true)
        .map(|n| n["ref_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        nodes,
        [
            "four-fifths-rule",
            "demographic-parity",
            "equal-opportunity",
            "accuracy-parity",
            "threshold-approval",
            "periodic-review"
        ]
    );
    // Every mapping's source is a node of the framework; every target a
    // node of CISO Assistant's libraries (control-urns.csv, from its source).
    let sources: Vec<&str> = fw["objects"]["framework"]["requirement_nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["urn"].as_str().unwrap())
        .collect();
    let known = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/governance/control-urns.csv"),
    )
    .unwrap();
    let sets = maps["objects"]["requirement_mapping_sets"]
        .as_array()
        .unwrap();
    let targets: Vec<&str> = sets
        .iter()
        .map(|s| s["target_framework_urn"].as_str().unwrap())
        .collect();
    for fw_urn in [
        "urn:intuitem:risk:framework:iso42001-2023",
        "urn:intuitem:risk:framework:ai-act",
        "urn:intuitem:risk:framework:nist-ai-rmf-1.0",
        "urn:intuitem:risk:framework:iso27001-2022",
    ] {
        assert!(targets.contains(&fw_urn), "{fw_urn}");
    }
    for s in sets {
        for m in s["requirement_mappings"].as_array().unwrap() {
            let src = m["source_requirement_urn"].as_str().unwrap();
            let tgt = m["target_requirement_urn"].as_str().unwrap();
            assert!(sources.contains(&src), "{src}");
            assert!(
                known.contains(&format!(",{tgt},"))
                    || tgt == "urn:intuitem:risk:req_node:ai-act:72.1",
                "{tgt}"
            );
            assert!(tgt.starts_with(
                &s["target_framework_urn"]
                    .as_str()
                    .unwrap()
                    .replace(":framework:", ":req_node:")
            ));
        }
    }
    assert_eq!(
        maps["dependencies"][0], "urn:fairaudit:risk:library:fairaudit-loan-approval",
        "the framework library comes first"
    );
}

/// PyYAML (what CISO Assistant loads libraries with) reads exactly what
/// fairaudit meant: no YAML 1.1 surprise.
#[test]
#[ignore = "needs FAIRAUDIT_ENGINE_PYTHON with PyYAML"]
fn pyyaml_reads_the_libraries_as_written() {
    let py = crate::require_env("FAIRAUDIT_ENGINE_PYTHON");
    let dir = tempfile::tempdir().unwrap();
    let (fw, maps) = write_libraries(dir.path());
    for f in [fw, maps] {
        let o = std::process::Command::new(&py)
            .args([
                "-c",
                "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1])), default=str))",
            ])
            .arg(&f)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let by_python: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(by_python, yaml(&f), "{}", f.display());
    }
}

/// The files for the bundled spec, kept in fixtures/ciso-assistant/bundled/
/// for review next to the samples; run ids and dates normalised. Set
/// FAIRAUDIT_UPDATE_FIXTURES=1 to rewrite them after a deliberate change.
#[test]
fn the_bundled_export_matches_its_reviewed_fixture() {
    let dir = tempfile::tempdir().unwrap();
    let (_, report, out) = recorded_export(dir.path(), &[]);
    let (fw, maps) = write_libraries(dir.path());
    let run = report["run_id"].as_str().unwrap().to_string();
    let norm = |s: String| {
        s.replace(&run, "run-[RUN-ID]").replace(
            &format!("fairaudit {}", env!("CARGO_PKG_VERSION")),
            "fairaudit [VERSION]",
        )
    };
    let want_dir = fixture("ciso-assistant/bundled");
    let update = std::env::var("FAIRAUDIT_UPDATE_FIXTURES").is_ok();
    for (name, path) in [
        (
            "risk_scenarios_import.csv",
            out.join("risk_scenarios_import.csv"),
        ),
        ("findings_import.csv", out.join("findings_import.csv")),
        (
            "requirement_results.json",
            out.join("requirement_results.json"),
        ),
        ("fairaudit-loan-approval.yaml", fw),
        ("fairaudit-loan-approval-mappings.yaml", maps),
    ] {
        let got = norm(std::fs::read_to_string(path).unwrap());
        let want_path = want_dir.join(name);
        if update {
            std::fs::create_dir_all(&want_dir).unwrap();
            std::fs::write(&want_path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&want_path).unwrap_or_default();
        assert_eq!(got, want, "{name} differs from fixtures/ciso-assistant/bundled/{name}; review and rerun with FAIRAUDIT_UPDATE_FIXTURES=1");
    }
}

/// One request the fake server received.
#[derive(Clone, Debug)]
struct Req {
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

/// A local server answering CISO Assistant's endpoints as FORMATS.md
/// documents them; `fail`: "rows" makes the Data Wizard report failed rows,
/// "upload" makes the evidence upload fail (a late step).
fn server(fail: &'static str) -> (String, Arc<Mutex<Vec<Req>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let log: Arc<Mutex<Vec<Req>>> = Arc::default();
    let seen = log.clone();
    std::thread::spawn(move || {
        for stream in l.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                continue;
            }
            let mut parts = line.split_whitespace();
            let (method, path) = (
                parts.next().unwrap_or("").to_string(),
                parts.next().unwrap_or("").to_string(),
            );
            let mut headers = BTreeMap::new();
            loop {
                let mut h = String::new();
                r.read_line(&mut h).unwrap();
                if h.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    headers.insert(k.trim().to_lowercase(), v.trim().to_string());
                }
            }
            let n: usize = headers
                .get("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; n];
            r.read_exact(&mut body).unwrap();
            let req = Req {
                method,
                path,
                headers,
                body,
            };
            let (status, answer) = answer(&req, &seen.lock().unwrap(), fail);
            seen.lock().unwrap().push(req);
            let text = answer.map(|v| v.to_string()).unwrap_or_default();
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                text.len()
            );
        }
    });
    (url, log)
}

fn answer(r: &Req, before: &[Req], fail: &str) -> (u16, Option<Value>) {
    let fail_rows = fail == "rows";
    let path = r.path.split('?').next().unwrap();
    match (r.method.as_str(), path) {
        ("POST", "/api/data-wizard/load-file/") => {
            let rows = String::from_utf8_lossy(&r.body)
                .lines()
                .count()
                .saturating_sub(1) as u64;
            let failed = if fail_rows { 1 } else { 0 };
            (
                200,
                Some(json!({"message": "File loaded successfully", "results": {
                    "successful": rows - failed, "created": rows - failed, "updated": 0, "skipped": 0,
                    "failed": failed, "stopped": false,
                    "errors": if fail_rows { json!([{"record": {"ref_id": "PR-x"}, "error": "Risk scenario name is required"}]) } else { json!([]) },
                }})),
            )
        }
        ("POST", p) if p.ends_with("/update_requirement/") => (200, Some(json!({"status": "ok"}))),
        ("GET", "/api/requirement-assessments/") => (
            200,
            Some(
                json!({"count": 1, "next": null, "previous": null, "results": [{"id": format!("ra-{}", before.len())}]}),
            ),
        ),
        ("POST", "/api/evidences/") => (201, Some(json!({"id": "ev-1", "name": "x"}))),
        ("POST", "/api/evidences/ev-1/upload/") if fail == "upload" => {
            (500, Some(json!({"detail": "storage unavailable"})))
        }
        ("POST", "/api/evidences/ev-1/upload/") => (200, None),
        ("GET", "/api/findings/") => {
            // The findings the Data Wizard imported, with server-side ids.
            let csv = before
                .iter()
                .find(|q| {
                    q.headers.get("x-model-type").map(String::as_str) == Some("FindingsAssessment")
                })
                .map(|q| String::from_utf8_lossy(&q.body).to_string())
                .unwrap_or_default();
            let mut rd = csv::Reader::from_reader(csv.as_bytes());
            let results: Vec<Value> = rd
                .records()
                .map(|x| {
                    let id = x.unwrap()[0].to_string();
                    json!({"id": format!("f-{id}"), "ref_id": id})
                })
                .collect();
            (
                200,
                Some(
                    json!({"count": results.len(), "next": null, "previous": null, "results": results}),
                ),
            )
        }
        ("GET", "/api/requirement-nodes/") => (
            200,
            Some(
                json!({"count": 1, "next": null, "previous": null, "results": [{"id": "node-1"}]}),
            ),
        ),
        ("PATCH", p) if p.starts_with("/api/findings/") => (200, Some(json!({}))),
        _ => (404, Some(json!({"detail": "Not found."}))),
    }
}

fn push(url: &str, store: &Path, token: Option<&str>) -> std::process::Output {
    let mut c = fairaudit();
    c.args([
        "push",
        "ciso-assistant",
        "1",
        "--url",
        url,
        "--token-env",
        "FA_TEST_CISO_TOKEN",
    ])
    .args([
        "--assessment",
        "ca-1",
        "--risk-assessment",
        "ra-9",
        "--findings-assessment",
        "fa-7",
        "--folder",
        "fold-1",
    ])
    .arg("--store")
    .arg(store);
    match token {
        Some(t) => c.env("FA_TEST_CISO_TOKEN", t),
        None => c.env_remove("FA_TEST_CISO_TOKEN"),
    };
    c.output().unwrap()
}

#[test]
fn push_follows_the_rest_contract_and_never_shows_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let (_, report, _) = recorded_export(dir.path(), &[]);
    let store = dir.path().join("h.db");
    let token = "s3cr3t-t0ken-value";
    let (url, log) = server("");
    let o = push(&url, &store, Some(token));
    let said = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{said}");
    assert!(!said.contains(token), "the token is never printed");
    assert!(
        !said.contains("plain http"),
        "no warning for the local host: {said}"
    );
    // Another host over plain http is warned about (the store is missing,
    // so nothing is sent).
    let o = push(
        "http://grc.example.org",
        &dir.path().join("none.db"),
        Some(token),
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("is plain http: the API token is sent unencrypted"),
        "{err}"
    );
    let reqs = log.lock().unwrap().clone();
    for r in &reqs {
        assert_eq!(
            r.headers["authorization"],
            format!("Token {token}"),
            "{} {}",
            r.method,
            r.path
        );
    }
    // 1-2: the Data Wizard, raw CSV bodies, updating by ref_id.
    for (r, kind, target, file) in [
        (
            &reqs[0],
            "RiskAssessment",
            "ra-9",
            "risk_scenarios_import.csv",
        ),
        (
            &reqs[1],
            "FindingsAssessment",
            "fa-7",
            "findings_import.csv",
        ),
    ] {
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("POST", "/api/data-wizard/load-file/")
        );
        assert_eq!(r.headers["x-model-type"], kind);
        assert_eq!(r.headers["x-target-id"], target);
        assert_eq!(r.headers["x-on-conflict"], "update");
        assert_eq!(
            r.headers["content-disposition"],
            format!("attachment; filename=\"{file}\"")
        );
        assert!(String::from_utf8_lossy(&r.body).starts_with("ref_id,name,"));
    }
    // The requirement results, by URN, with values the API accepts.
    let updates: Vec<&Req> = reqs
        .iter()
        .filter(|r| r.path.ends_with("/update_requirement/"))
        .collect();
    assert_eq!(updates.len(), 6);
    for u in &updates {
        assert_eq!(
            u.path,
            "/api/compliance-assessments/ca-1/update_requirement/"
        );
        let b: Value = serde_json::from_slice(&u.body).unwrap();
        assert!(b["urn"].is_string() && b["result"].is_string(), "{b}");
    }
    // The evidence: created in the folder, linked to the requirement assessments, the zip uploaded.
    let ev = reqs.iter().find(|r| r.path == "/api/evidences/").unwrap();
    let b: Value = serde_json::from_slice(&ev.body).unwrap();
    assert_eq!(b["folder"], "fold-1");
    assert_eq!(b["requirement_assessments"].as_array().unwrap().len(), 6);
    assert!(b["name"]
        .as_str()
        .unwrap()
        .contains(report["run_id"].as_str().unwrap()));
    let up = reqs
        .iter()
        .find(|r| r.path == "/api/evidences/ev-1/upload/")
        .unwrap();
    assert!(up.body.starts_with(b"PK"), "the pack as a zip");
    assert!(up.headers["content-disposition"].ends_with(".zip\""));
    // Each imported finding linked to its check's node and to the evidence.
    let patches: Vec<&Req> = reqs.iter().filter(|r| r.method == "PATCH").collect();
    let breached = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "warn" || f["status"] == "fail")
        .count();
    assert_eq!(patches.len(), breached);
    for p in patches {
        let b: Value = serde_json::from_slice(&p.body).unwrap();
        assert_eq!(
            b,
            json!({"requirement_node": "node-1", "evidences": ["ev-1"]})
        );
    }
    // A rejected row stops the push with the server's reason; no token, no success.
    let (url, _) = server("rows");
    let o = push(&url, &store, Some(token));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains(
            "rejected 1 row(s) of risk_scenarios_import.csv: PR-x: Risk scenario name is required"
        ),
        "{err}"
    );
    assert!(!err.contains(token));
    assert!(err.contains("no earlier step had completed"), "{err}");
    // A late step fails: the message lists what was already done.
    let (url, _) = server("upload");
    let o = push(&url, &store, Some(token));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("earlier steps completed in CISO Assistant:")
            && err.contains("risk scenario(s) imported")
            && err.contains("requirement result(s) set"),
        "{err}"
    );
    // No token: a clear error before any request.
    let o = push(&url, &store, None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("FA_TEST_CISO_TOKEN"));
}

#[test]
fn a_poam_needs_an_open_failing_finding() {
    let o = fairaudit()
        .args([
            "audit",
            "--spec",
            "fixtures/loan-model-lenient.toml",
            "--bootstrap",
            "0",
            "--format",
            "oscal-poam",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no open failing finding"));
    let o = fairaudit()
        .args([
            "audit",
            "--spec",
            SPEC,
            "--bootstrap",
            "0",
            "--format",
            "oscal-poam",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let p = &v["plan-of-action-and-milestones"];
    let items = p["poam-items"].as_array().unwrap();
    assert!(!items.is_empty());
    // Every reference resolves inside the document.
    for i in items {
        for (rel, key, list) in [
            ("related-risks", "risk-uuid", "risks"),
            ("related-observations", "observation-uuid", "observations"),
            ("related-findings", "finding-uuid", "findings"),
        ] {
            let id = &i[rel][0][key];
            assert!(
                p[list].as_array().unwrap().iter().any(|x| x["uuid"] == *id),
                "{rel}"
            );
        }
    }
}

/// The assessment results reference only what they contain: the imported
/// plan is a back-matter resource, observations name the tool and model.
#[test]
fn oscal_references_resolve() {
    let o = fairaudit()
        .args([
            "audit",
            "--spec",
            SPEC,
            "--bootstrap",
            "0",
            "--format",
            "oscal",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let ar = &v["assessment-results"];
    let href = ar["import-ap"]["href"].as_str().unwrap();
    let res = ar["back-matter"]["resources"].as_array().unwrap();
    assert!(res
        .iter()
        .any(|r| format!("#{}", r["uuid"].as_str().unwrap()) == href));
    let result = &ar["results"][0];
    let tool = &result["local-definitions"]["assessment-assets"]["components"][0]["uuid"];
    let model = &result["local-definitions"]["components"][0]["uuid"];
    for o in result["observations"].as_array().unwrap() {
        assert_eq!(o["types"], json!(["discovery"]));
        assert_eq!(&o["origins"][0]["actors"][0]["actor-uuid"], tool);
        assert_eq!(&o["subjects"][0]["subject-uuid"], model);
        assert!(o["props"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "control" && p["class"].is_string()));
    }
    for r in result["risks"].as_array().unwrap() {
        let facets = &r["characterizations"][0]["facets"];
        assert_eq!(facets[0]["name"], "likelihood");
        assert!(r["deadline"].as_str().unwrap().ends_with("T00:00:00Z"));
        assert!(r["remediations"][0]["lifecycle"].is_string());
    }
}

/// A run recorded by an engine whose reports did not carry the cycle's
/// overdue list or the approval status (schema 3): the periodic review is
/// `not_assessed`, not "compliant, overdue nothing".
#[test]
fn ciso_results_of_an_old_report_are_not_assessed() {
    let mut r = crate::audit_json(&[
        "--spec",
        "fixtures/loan-model.toml",
        "--as-of",
        "2026-11-01",
        "--bootstrap",
        "0",
    ]);
    let result = |r: &Value, node: &str| -> (String, String) {
        let all = fairaudit::report::ciso::requirement_results(r);
        let n = all
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["urn"].as_str().unwrap().ends_with(node))
            .unwrap_or_else(|| panic!("no {node} in {all}"))
            .clone();
        (
            n["result"].as_str().unwrap().into(),
            n["observation"].as_str().unwrap().into(),
        )
    };
    // The current report: nothing overdue on the first run of the cycle.
    assert_eq!(result(&r, "periodic-review").0, "compliant");
    let cycle = r["cycle"].as_object_mut().unwrap();
    for k in [
        "overdue",
        "missed_cycles",
        "missed_reviews",
        "missed_audits",
    ] {
        cycle.remove(k);
    }
    r["spec_approval"].as_object_mut().unwrap().remove("status");
    let (res, obs) = result(&r, "periodic-review");
    assert_eq!(res, "not_assessed", "{obs}");
    assert!(obs.contains("not recorded"), "{obs}");
    let (res, obs) = result(&r, "threshold-approval");
    assert_eq!(res, "not_assessed", "{obs}");
    assert!(!obs.ends_with(": "), "{obs}");
}
