//! OSCAL 1.1 assessment-results: one result per run, an observation per
//! measured finding, an OSCAL finding per check outcome, and a risk for each
//! failing finding. Built from the JSON report, so a live run and a stored run
//! give the same document.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::engine::Report;
use crate::Result;

use super::Exporter;

/// OSCAL assessment results.
pub struct OscalExporter;

/// The OSCAL version the document declares.
pub const OSCAL_VERSION: &str = "1.1.2";
const NS: &str = "https://github.com/fairaudit/fairaudit/ns/oscal";

/// A deterministic RFC 4122 version-5-style UUID from a name.
pub fn uuid_for(name: &str) -> String {
    let d = Sha256::digest(name.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

fn prop(name: &str, value: impl ToString) -> Value {
    json!({"name": name, "ns": NS, "value": value.to_string()})
}

fn text(v: &Value) -> String {
    v.as_str()
        .map(String::from)
        .unwrap_or_else(|| v.to_string())
}

/// The assessment-results document of a JSON report.
pub fn from_json(report: &Value, run_id: &str) -> Value {
    let model = &report["model"];
    let model_id = text(&model["id"]);
    let when = report["generated_at"]
        .as_str()
        .unwrap_or("1970-01-01T00:00:00Z")
        .to_string();
    let mut observations = vec![];
    let mut findings = vec![];
    let mut risks = vec![];
    for f in report["findings"].as_array().into_iter().flatten() {
        let fid = text(&f["id"]);
        let status = text(&f["status"]);
        let obs_uuid = uuid_for(&format!("{run_id}/observation/{fid}"));
        let mut props = vec![
            prop("finding-id", &fid),
            prop("metric", text(&f["metric"])),
            prop("attribute", text(&f["attribute"])),
            prop("status", &status),
            prop("severity", text(&f["severity"])),
        ];
        if let Some(g) = f["group"].as_str() {
            props.push(prop("group", g));
        }
        if let Some(v) = f["value"].as_f64() {
            props.push(prop("value", v));
        }
        if let Some(ci) = f["ci"].as_array() {
            props.push(prop("ci-low", text(&ci[0])));
            props.push(prop("ci-high", text(&ci[1])));
        }
        if let Some(p) = f["p_adjusted"].as_f64() {
            props.push(prop("p-adjusted", p));
        }
        observations.push(json!({
            "uuid": obs_uuid,
            "title": text(&f["title"]),
            "description": text(&f["statement"]),
            "props": props,
            "methods": ["TEST"],
            "types": ["finding"],
            "collected": when,
        }));
        let mut finding = json!({
            "uuid": uuid_for(&format!("{run_id}/finding/{fid}")),
            "title": text(&f["title"]),
            "description": text(&f["statement"]),
            "props": [prop("finding-id", &fid), prop("check", text(&f["check"]))],
            "target": {
                "type": "objective-id",
                "target-id": format!("fairaudit-{}", text(&f["check"]).replace([' ', ':'], "-")),
                "status": {
                    "state": if status == "pass" { "satisfied" } else { "not-satisfied" },
                    "reason": status,
                },
            },
            "related-observations": [{"observation-uuid": obs_uuid}],
        });
        if status == "fail" {
            let risk_uuid = uuid_for(&format!("{run_id}/risk/{fid}"));
            risks.push(json!({
                "uuid": risk_uuid,
                "title": format!("Unfair outcomes: {}", text(&f["title"])),
                "description": text(&f["statement"]),
                "statement": format!(
                    "Check {} failed for model {model_id}; tagged to {}",
                    text(&f["check"]),
                    f["controls"].as_array().map(|c| c.iter().map(text).collect::<Vec<_>>().join(", ")).unwrap_or_default()
                ),
                "props": [prop("severity", text(&f["severity"]))],
                "status": "open",
                "related-observations": [{"observation-uuid": obs_uuid}],
            }));
            finding["related-risks"] = json!([{"risk-uuid": risk_uuid}]);
        }
        findings.push(finding);
    }
    let mut result = json!({
        "uuid": uuid_for(&format!("{run_id}/result")),
        "title": format!("Fairness audit of {model_id}, cycle {}", text(&report["cycle"]["id"])),
        "description": format!(
            "fairaudit {} audit of {} rows; verdict {}",
            text(&report["engine"]["version"]),
            text(&report["dataset"]["rows"]),
            text(&report["verdict"])
        ),
        "start": when,
        "end": when,
        "props": [prop("run-id", run_id), prop("verdict", text(&report["verdict"])), prop("cycle", text(&report["cycle"]["id"]))],
        "reviewed-controls": {"control-selections": [{"include-all": {}}]},
    });
    if !observations.is_empty() {
        result["observations"] = Value::Array(observations);
    }
    if !risks.is_empty() {
        result["risks"] = Value::Array(risks);
    }
    if !findings.is_empty() {
        result["findings"] = Value::Array(findings);
    }
    json!({
        "assessment-results": {
            "uuid": uuid_for(&format!("{run_id}/assessment-results")),
            "metadata": {
                "title": format!(
                    "fairaudit assessment results: {} {}",
                    model["name"].as_str().unwrap_or(&model_id),
                    model["version"].as_str().unwrap_or("")
                )
                .trim()
                .to_string(),
                "last-modified": when,
                "version": text(&report["engine"]["version"]),
                "oscal-version": OSCAL_VERSION,
                "props": [prop("model-id", &model_id), prop("risk-tier", text(&model["risk_tier"]))],
            },
            "import-ap": {"href": format!("#fairaudit-policy-{model_id}")},
            "results": [result],
        }
    })
}

impl Exporter for OscalExporter {
    fn render(&self, report: &Report) -> Result<String> {
        let j = super::json::to_json(report);
        Ok(serde_json::to_string_pretty(&from_json(&j, &report.run_id)).expect("JSON") + "\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_rfc4122_version_5_and_stable() {
        let u = uuid_for("x");
        assert_eq!(u, uuid_for("x"));
        assert_ne!(u, uuid_for("y"));
        let b: Vec<char> = u.chars().collect();
        assert_eq!(u.len(), 36);
        assert_eq!(b[14], '5');
        assert!(matches!(b[19], '8' | '9' | 'a' | 'b'));
    }
}
