//! CISO Assistant, the open-source GRC tool: the files its Data Wizard
//! imports (risk scenarios into a risk assessment, findings into a findings
//! assessment), the requirement results its API takes, its framework and
//! mapping libraries, and a client for its REST API. Everything is built
//! from the JSON report, so a live run and a stored run give the same files.
//!
//! The rules followed are CISO Assistant's own, from its source
//! (FORMATS.md in the project's reference material): comma CSV, `name`
//! required, likelihood and impact as the risk matrix's level names,
//! `ref_id` so that a re-import with `X-On-Conflict: update` updates instead
//! of duplicating, labels matching `^[\w-]{1,36}$`, list cells joined with
//! `|`, findings' severity and status spelled as it reads them.

pub mod library;
pub mod push;

use std::path::Path;

use serde_json::{json, Value};

use crate::governance::matrix::{Axis, RiskMatrix};
use crate::governance::register::label_form;
use crate::Result;

/// The import file for `X-Model-Type: RiskAssessment`.
pub const RISKS_FILE: &str = "risk_scenarios_import.csv";
/// The import file for `X-Model-Type: FindingsAssessment`.
pub const FINDINGS_FILE: &str = "findings_import.csv";
/// The bodies for `POST /api/compliance-assessments/{id}/update_requirement/`.
pub const RESULTS_FILE: &str = "requirement_results.json";

/// The risk-scenario import's columns.
pub const RISK_COLUMNS: [&str; 11] = [
    "ref_id",
    "name",
    "description",
    "inherent_proba",
    "inherent_impact",
    "current_proba",
    "current_impact",
    "treatment",
    "justification",
    "assets",
    "filtering_labels",
];

/// The findings import's columns.
pub const FINDING_COLUMNS: [&str; 11] = [
    "ref_id",
    "name",
    "description",
    "severity",
    "status",
    "priority",
    "eta",
    "due_date",
    "observation",
    "asset",
    "filtering_labels",
];

fn text(v: &Value) -> String {
    v.as_str().map(String::from).unwrap_or_else(|| {
        if v.is_null() {
            String::new()
        } else {
            v.to_string()
        }
    })
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(text).collect())
        .unwrap_or_default()
}

/// The model's name as an asset in CISO Assistant: `[model] asset`, else its id.
pub fn asset(report: &Value) -> String {
    report["model"]["asset"]
        .as_str()
        .map(String::from)
        .unwrap_or_else(|| text(&report["model"]["id"]))
}

/// Labels for an entry or finding: `fairaudit`, `a-<attribute>` per
/// attribute, `m-<metric>` per metric (read back as selectors).
pub fn labels(attributes: &[String], metrics: &[String]) -> String {
    let mut v = vec!["fairaudit".to_string()];
    for a in attributes {
        v.push(label_form(&format!("a-{a}")));
    }
    for m in metrics {
        v.push(label_form(&format!("m-{m}")));
    }
    v.dedup();
    v.join("|")
}

fn csv_of(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(header).expect("in-memory CSV");
    for r in rows {
        w.write_record(&r).expect("in-memory CSV");
    }
    String::from_utf8(w.into_inner().expect("in-memory CSV")).expect("UTF-8")
}

/// The proposed risk-register entries of a report as a Data Wizard
/// risk-scenario import (`X-Model-Type: RiskAssessment`, with `X-Matrix-Id`
/// the matrix whose labels are used).
pub fn risk_scenarios_csv(report: &Value, matrix: &RiskMatrix) -> String {
    let run = format!(
        "{} ({})",
        text(&report["run_id"]),
        text(&report["cycle"]["run_date"])
    );
    let rows = report["proposed_risks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            let rate = |k: &str, axis: Axis| {
                e[k].as_u64()
                    .map(|n| matrix.label(axis, n as u8).to_string())
                    .unwrap_or_default()
            };
            let (p, i) = (
                rate("likelihood", Axis::Probability),
                rate("impact", Axis::Impact),
            );
            vec![
                text(&e["id"]),
                text(&e["title"]),
                text(&e["description"]),
                p.clone(),
                i.clone(),
                p,
                i,
                text(&e["treatment"]),
                format!(
                    "Proposed by fairaudit run {run}; owner {}; review {}",
                    text(&e["owner"]),
                    text(&e["review_cadence"])
                ),
                asset(report),
                labels(&strings(&e["attributes"]), &strings(&e["metrics"])),
            ]
        })
        .collect();
    csv_of(&RISK_COLUMNS, rows)
}

/// A finding's status in CISO Assistant, from its lifecycle.
fn finding_status(f: &Value) -> &'static str {
    match f["lifecycle"]["state"].as_str() {
        Some("in_treatment") => "in_progress",
        Some("risk_accepted") => "confirmed",
        Some("resolved") => "resolved",
        Some("closed") => "closed",
        Some("open") if f["lifecycle"]["owner"].is_string() => "assigned",
        _ => "identified",
    }
}

/// The report's warn and fail findings (and those a later run resolved) as
/// a Data Wizard findings import (`X-Model-Type: FindingsAssessment`).
pub fn findings_csv(report: &Value) -> String {
    let rows = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| {
            matches!(f["status"].as_str(), Some("warn" | "fail"))
                || matches!(
                    f["lifecycle"]["state"].as_str(),
                    Some("resolved" | "closed")
                )
        })
        .map(|f| {
            let severity = text(&f["severity"]);
            let priority = match severity.as_str() {
                "critical" => "1",
                "high" => "2",
                "medium" => "3",
                "low" => "4",
                _ => "",
            };
            let due = text(&f["lifecycle"]["due"]);
            let accepted = match f["lifecycle"]["accepted_by"].as_str() {
                Some(a) => format!(
                    "; risk accepted by {a}{}",
                    f["lifecycle"]["acceptance_expires"]
                        .as_str()
                        .map(|e| format!(" until {e}"))
                        .unwrap_or_default()
                ),
                None => String::new(),
            };
            vec![
                text(&f["id"]),
                text(&f["title"]),
                text(&f["statement"]),
                severity.clone(),
                finding_status(f).to_string(),
                priority.to_string(),
                due.clone(),
                if due.is_empty() {
                    text(&report["cycle"]["next_review_due"])
                } else {
                    due
                },
                format!(
                    "fairaudit {} run {} on {}, cycle {}, check {}: {}{accepted}",
                    text(&report["engine"]["version"]),
                    text(&report["run_id"]),
                    text(&report["cycle"]["run_date"]),
                    text(&report["cycle"]["id"]),
                    text(&f["check"]),
                    text(&f["status"]),
                ),
                asset(report),
                labels(
                    &text(&f["attribute"])
                        .split(" & ")
                        .map(String::from)
                        .collect::<Vec<_>>(),
                    &[text(&f["metric"])],
                ),
            ]
        })
        .collect();
    csv_of(&FINDING_COLUMNS, rows)
}

/// A result of CISO Assistant's requirement assessments, with its score on
/// the framework's 0–3 scale.
fn result_of(statuses: &[&str]) -> (&'static str, u8) {
    if statuses.contains(&"fail") {
        ("non_compliant", 1)
    } else if statuses.contains(&"warn") {
        ("partially_compliant", 2)
    } else if statuses.contains(&"pass") {
        ("compliant", 3)
    } else {
        ("not_assessed", 0)
    }
}

/// One body per node of the model's framework for
/// `POST /api/compliance-assessments/{id}/update_requirement/`: each check
/// (fail → non_compliant, warn → partially_compliant, pass → compliant, only
/// insufficient data or undefined → not_assessed), the threshold approval and
/// the periodic review, with an observation saying why.
pub fn requirement_results(report: &Value) -> Value {
    let model = text(&report["model"]["id"]);
    let run = text(&report["run_id"]);
    let date = text(&report["cycle"]["run_date"]);
    let findings: Vec<&Value> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let mut out = vec![];
    for c in report["policy"]["checks"].as_array().into_iter().flatten() {
        let id = text(&c["id"]);
        let mine: Vec<&&Value> = findings.iter().filter(|f| f["check"] == c["id"]).collect();
        let statuses: Vec<&str> = mine.iter().filter_map(|f| f["status"].as_str()).collect();
        let (result, score) = result_of(&statuses);
        let count = |s: &str| statuses.iter().filter(|x| **x == s).count();
        let waived = mine
            .iter()
            .filter(|f| f["lifecycle"]["waived"] == true)
            .count();
        out.push(json!({
            "urn": library::node_urn(&model, &id),
            "result": result,
            "status": "done",
            "score": score,
            "observation": format!(
                "fairaudit run {run} on {date}: {} findings — {} fail, {} warn, {} pass, {} insufficient data, {} undefined{}",
                statuses.len(), count("fail"), count("warn"), count("pass"),
                count("insufficient_data"), count("undefined"),
                if waived > 0 { format!("; {waived} waived by an accepted risk") } else { String::new() }
            ),
        }));
    }
    // Reports of schema 3 and earlier carry no approval status.
    let approval = match text(&report["spec_approval"]["status"]) {
        a if a.is_empty() => "not recorded by the engine of this run".to_string(),
        a => a,
    };
    let (result, score) = match approval.as_str() {
        "approved" => ("compliant", 3),
        "changed" | "unapproved" | "overridden" => ("non_compliant", 1),
        _ => ("not_assessed", 0),
    };
    out.push(json!({
        "urn": library::node_urn(&model, library::THRESHOLD_APPROVAL),
        "result": result,
        "status": "done",
        "score": score,
        "observation": format!(
            "spec approval at run {run}: {approval}{}",
            report["spec_approval"]["approver"].as_str().map(|a| format!(" by {a}")).unwrap_or_default()
        ),
    }));
    let overdue = strings(&report["cycle"]["overdue"]);
    let missed: usize = ["missed_cycles", "missed_reviews", "missed_audits"]
        .iter()
        .map(|k| strings(&report["cycle"][*k]).len())
        .sum();
    // Reports of schema 3 and earlier do not say what was overdue: not
    // assessed, rather than "nothing overdue".
    let known = report["cycle"].get("overdue").is_some_and(Value::is_array);
    let (result, score) = if !known {
        ("not_assessed", 0)
    } else if !overdue.is_empty() {
        ("non_compliant", 1)
    } else if missed > 0 {
        ("partially_compliant", 2)
    } else {
        ("compliant", 3)
    };
    out.push(json!({
        "urn": library::node_urn(&model, library::PERIODIC_REVIEW),
        "result": result,
        "status": "done",
        "score": score,
        "observation": format!(
            "cycle {} on {date}: overdue {}; {missed} missed period(s); next check due {}, review {}, audit {}",
            text(&report["cycle"]["id"]),
            if !known { "not recorded by the engine of this run".into() } else if overdue.is_empty() { "nothing".into() } else { overdue.join(", ") },
            text(&report["cycle"]["next_check_due"]),
            text(&report["cycle"]["next_review_due"]),
            text(&report["cycle"]["next_audit_due"]),
        ),
    }));
    Value::Array(out)
}

/// How to load the directory into CISO Assistant, written next to the files.
fn readme(report: &Value, matrix: &RiskMatrix, pack: Option<&str>) -> String {
    format!(
        "# fairaudit → CISO Assistant: run {run}\n\n\
         Model {model} (asset `{asset}`), cycle {cycle}. Risk matrix of the labels: {matrix}.\n\n\
         | file | how |\n|---|---|\n\
         | `{RISKS_FILE}` | `POST /api/data-wizard/load-file/` with `X-Model-Type: RiskAssessment`, `X-Matrix-Id` (that matrix), `X-Target-Id` (the risk assessment) and `X-On-Conflict: update` |\n\
         | `{FINDINGS_FILE}` | `POST /api/data-wizard/load-file/` with `X-Model-Type: FindingsAssessment`, `X-Target-Id` (the findings assessment) and `X-On-Conflict: update` |\n\
         | `{RESULTS_FILE}` | each element is the body of `POST /api/compliance-assessments/{{id}}/update_requirement/` on an audit of the framework `fairaudit export ciso-library` wrote |\n\
         | {pack} | attach to an evidence (`POST /api/evidences/`, then `POST /api/evidences/{{id}}/upload/`) |\n\n\
         `fairaudit push ciso-assistant` does all of it; docs/grc.md explains each step.\n",
        run = text(&report["run_id"]),
        model = text(&report["model"]["id"]),
        asset = asset(report),
        cycle = text(&report["cycle"]["id"]),
        matrix = matrix.name,
        pack = pack.map_or("(no evidence pack: the run was not recorded)".into(), |p| format!("`{p}`")),
    )
}

/// The file name of a run's evidence pack in the export.
pub fn pack_name(run_id: &str) -> String {
    format!("evidence-{run_id}.zip")
}

/// Renders the export's files (name, bytes), the evidence pack excepted.
pub fn files(report: &Value, matrix: &RiskMatrix, with_pack: bool) -> Vec<(String, Vec<u8>)> {
    let pack = with_pack.then(|| pack_name(&text(&report["run_id"])));
    vec![
        (
            RISKS_FILE.into(),
            risk_scenarios_csv(report, matrix).into_bytes(),
        ),
        (FINDINGS_FILE.into(), findings_csv(report).into_bytes()),
        (
            RESULTS_FILE.into(),
            (serde_json::to_string_pretty(&requirement_results(report)).expect("JSON") + "\n")
                .into_bytes(),
        ),
        (
            "README.md".into(),
            readme(report, matrix, pack.as_deref()).into_bytes(),
        ),
    ]
}

/// Writes rendered files into `dir` (created), each atomically.
pub fn write_files(dir: &Path, files: &[(String, Vec<u8>)]) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| crate::Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    for (name, bytes) in files {
        super::write_atomic(&dir.join(name), bytes)?;
    }
    Ok(())
}
