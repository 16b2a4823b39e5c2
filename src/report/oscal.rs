//! OSCAL 1.1.3: the assessment results of a run (one result; an observation
//! per finding, of type `discovery`, with the controls it evidences as props
//! and links to their CISO Assistant requirement nodes; an OSCAL finding per
//! check outcome; a risk per failing finding with likelihood and impact,
//! deadline and remediation), the minimal assessment plan it imports (the
//! checks as activities, the model as subject, the cadence as a task), and a
//! plan of action and milestones (POA&M) seed with one item per open failing
//! finding. Built from the JSON report, so a live run and a stored run give
//! the same documents. Every array is non-empty or absent, every id a token,
//! every date a date-time with a zone, as NIST's JSON schemas require.

use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::engine::Report;
use crate::governance::crosswalk::{oscal_token, urn_of};
use crate::{Error, Result};

use super::Exporter;

/// OSCAL assessment results.
pub struct OscalExporter;

/// OSCAL POA&M seed.
pub struct PoamExporter;

/// The OSCAL version the documents declare.
pub const OSCAL_VERSION: &str = "1.1.3";
/// The namespace of fairaudit's props.
pub const NS: &str = "https://github.com/fairaudit/fairaudit/ns/oscal";
const OSCAL_NS: &str = "http://csrc.nist.gov/ns/oscal";
/// The assessment plan's file name in an evidence pack.
pub const AP_FILE: &str = "oscal-assessment-plan.json";

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
    json!({"name": name, "ns": NS, "value": one_line(&value.to_string())})
}

/// OSCAL's string type: no newline, no leading or trailing space, not empty.
fn one_line(s: &str) -> String {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.is_empty() {
        "-".into()
    } else {
        s
    }
}

fn text(v: &Value) -> String {
    v.as_str().map(String::from).unwrap_or_else(|| {
        if v.is_null() {
            String::new()
        } else {
            v.to_string()
        }
    })
}

/// A name as an OSCAL token (letters, digits, `.`, `-`, `_`; a letter or `_` first).
fn token(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    if t.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        t
    } else {
        format!("_{t}")
    }
}

/// A date (YYYY-MM-DD) as an OSCAL date-time.
fn datetime(d: &str) -> Option<String> {
    (d.len() == 10).then(|| format!("{d}T00:00:00Z"))
}

/// A file listed in the back-matter with its SHA-256.
pub struct Resource {
    /// Its name (a path relative to the document).
    pub name: String,
    /// Its media type.
    pub media_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// The shared parts: the tool, the model and its props.
struct Ctx {
    run_id: String,
    model_id: String,
    when: String,
    tool: String,
    model: String,
}

impl Ctx {
    fn new(report: &Value, run_id: &str) -> Self {
        let model_id = text(&report["model"]["id"]);
        Ctx {
            run_id: run_id.into(),
            when: report["generated_at"]
                .as_str()
                .unwrap_or("1970-01-01T00:00:00Z")
                .to_string(),
            tool: uuid_for("fairaudit/tool"),
            model: uuid_for(&format!("model/{model_id}")),
            model_id,
        }
    }

    fn origin(&self) -> Value {
        json!([{"actors": [{"type": "tool", "actor-uuid": self.tool}]}])
    }

    fn metadata(&self, report: &Value, what: &str) -> Value {
        let model = &report["model"];
        json!({
            "title": one_line(&format!(
                "fairaudit {what}: {} {}",
                model["name"].as_str().unwrap_or(&self.model_id),
                model["version"].as_str().unwrap_or("")
            )),
            "last-modified": self.when,
            "version": one_line(&text(&report["engine"]["version"])),
            "oscal-version": OSCAL_VERSION,
            "props": [prop("model-id", &self.model_id), prop("risk-tier", text(&model["risk_tier"])), prop("run-id", &self.run_id)],
        })
    }

    /// The model as a component, and fairaudit as the assessment's tool.
    fn model_component(&self, report: &Value) -> Value {
        let model = &report["model"];
        json!({
            "uuid": self.model,
            "type": "software",
            "title": one_line(model["name"].as_str().unwrap_or(&self.model_id)),
            "description": model["use_case"].as_str().unwrap_or("The audited AI model."),
            "props": [prop("model-id", &self.model_id), prop("version", text(&model["version"])), prop("risk-tier", text(&model["risk_tier"]))],
            "status": {"state": "operational"},
        })
    }

    fn assessment_assets(&self, report: &Value) -> Value {
        json!({
            "components": [{
                "uuid": self.tool,
                "type": "software",
                "title": "fairaudit",
                "description": "Bias and fairness auditing engine: per-group rates, fairness metrics with intervals and tests, judged against the audit spec.",
                "props": [prop("version", text(&report["engine"]["version"]))],
                "status": {"state": "operational"},
            }],
            "assessment-platforms": [{
                "uuid": uuid_for("fairaudit/platform"),
                "title": "fairaudit command line",
                "uses-components": [{"component-uuid": self.tool}],
            }],
        })
    }

    fn subjects(&self, report: &Value) -> Value {
        json!([{
            "subject-uuid": self.model,
            "type": "component",
            "title": one_line(report["model"]["name"].as_str().unwrap_or(&self.model_id)),
        }])
    }
}

/// The controls of a list as props (with their OSCAL token) and links (to
/// their CISO Assistant requirement node).
fn control_refs(controls: &[String]) -> (Vec<Value>, Vec<Value>) {
    let props = controls
        .iter()
        .map(
            |c| json!({"name": "control", "ns": NS, "class": oscal_token(c), "value": one_line(c)}),
        )
        .collect();
    let links = controls
        .iter()
        .filter_map(|c| {
            urn_of(c)
                .filter(|u| !u.node_urn.is_empty())
                .map(|u| json!({"href": u.node_urn, "rel": "reference", "text": c}))
        })
        .collect();
    (props, links)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(text).collect())
        .unwrap_or_default()
}

/// Likelihood and impact of the register entry (or proposed entry) that covers a finding.
fn rating(report: &Value, f: &Value) -> Option<(u64, u64)> {
    let risks = strings(&f["risks"]);
    let matched = report["risk_register"]["matched"]
        .as_array()
        .into_iter()
        .flatten();
    let proposed = report["proposed_risks"].as_array().into_iter().flatten();
    matched
        .filter(|e| risks.contains(&text(&e["id"])))
        .chain(proposed.filter(|e| {
            strings(&e["attributes"]) == [text(&f["attribute"])]
                && strings(&e["metrics"]) == [text(&f["metric"])]
        }))
        .find_map(|e| Some((e["likelihood"].as_u64()?, e["impact"].as_u64()?)))
}

fn observation(c: &Ctx, report: &Value, f: &Value, evidence: Option<&str>) -> Value {
    let fid = text(&f["id"]);
    let mut props = vec![
        prop("finding-id", &fid),
        prop("metric", text(&f["metric"])),
        prop("attribute", text(&f["attribute"])),
        prop("status", text(&f["status"])),
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
    let (cprops, links) = control_refs(&strings(&f["controls"]));
    props.extend(cprops);
    let mut o = json!({
        "uuid": uuid_for(&format!("{}/observation/{fid}", c.run_id)),
        "title": text(&f["title"]),
        "description": text(&f["statement"]),
        "props": props,
        "methods": ["TEST"],
        "types": ["discovery"],
        "origins": c.origin(),
        "subjects": c.subjects(report),
        "collected": c.when,
    });
    if !links.is_empty() {
        o["links"] = Value::Array(links);
    }
    if let Some(href) = evidence {
        o["relevant-evidence"] =
            json!([{"href": href, "description": "The fairaudit JSON report of the run."}]);
    }
    o
}

fn risk(c: &Ctx, report: &Value, f: &Value, obs: &str) -> Value {
    let fid = text(&f["id"]);
    let lc = &f["lifecycle"];
    let waived = lc["waived"] == true;
    let mut props = vec![
        prop("severity", text(&f["severity"])),
        prop("finding-id", &fid),
    ];
    for r in strings(&f["risks"]) {
        props.push(prop("register-entry", r));
    }
    let (cprops, links) = control_refs(&strings(&f["controls"]));
    props.extend(cprops);
    let deadline = lc["due"]
        .as_str()
        .or(report["cycle"]["next_review_due"].as_str())
        .and_then(datetime);
    let planned = lc["treatment"].is_string() || lc["plan"].is_string();
    let mut r = json!({
        "uuid": uuid_for(&format!("{}/risk/{fid}", c.run_id)),
        "title": format!("Unfair outcomes: {}", text(&f["title"])),
        "description": text(&f["statement"]),
        "statement": format!(
            "Check {} failed for model {}; the finding evidences {}.",
            text(&f["check"]),
            c.model_id,
            strings(&f["controls"]).join(", ")
        ),
        "props": props,
        "status": if waived { "deviation-approved" } else { "open" },
        "origins": c.origin(),
        "remediations": [{
            "uuid": uuid_for(&format!("{}/remediation/{fid}", c.run_id)),
            "lifecycle": if planned { "planned" } else { "recommendation" },
            "title": one_line(lc["treatment"].as_str().unwrap_or("mitigate")),
            "description": lc["plan"].as_str().map(String::from).unwrap_or_else(|| format!(
                "Find the cause of the gap (data, features, threshold) and mitigate it, e.g. by reweighing or per-group thresholds; re-run the audit. Accepted by: {}.",
                lc["accepted_by"].as_str().unwrap_or("nobody")
            )),
        }],
        "related-observations": [{"observation-uuid": obs}],
    });
    if let Some((l, i)) = rating(report, f) {
        r["characterizations"] = json!([{
            "origin": {"actors": [{"type": "tool", "actor-uuid": c.tool}]},
            "facets": [
                {"name": "likelihood", "system": OSCAL_NS, "value": l.to_string()},
                {"name": "impact", "system": OSCAL_NS, "value": i.to_string()},
            ],
        }]);
    }
    if let Some(d) = deadline {
        r["deadline"] = json!(d);
    }
    if !links.is_empty() {
        r["links"] = Value::Array(links);
    }
    r
}

/// A check's OSCAL objective token.
fn objective(check: &str) -> String {
    token(&format!("fairaudit-{check}"))
}

/// Every control a run cites, sorted.
fn cited(report: &Value) -> Vec<String> {
    let mut v: Vec<String> = strings(&report["controls_evidenced_by_run"]);
    for f in report["findings"].as_array().into_iter().flatten() {
        v.extend(strings(&f["controls"]));
    }
    v.sort();
    v.dedup();
    v
}

fn selection(controls: &[String]) -> Value {
    if controls.is_empty() {
        return json!({"control-selections": [{"include-all": {}}]});
    }
    json!({"control-selections": [{"include-controls": controls.iter().map(|c| json!({"control-id": oscal_token(c)})).collect::<Vec<_>>()}]})
}

/// The assessment plan the results import: the checks as activities, the
/// model as the subject, the check cadence as a task. `spec` is the spec
/// file's resource (a back-matter entry standing in for the system plan).
pub fn assessment_plan(report: &Value, run_id: &str) -> Value {
    let c = Ctx::new(report, run_id);
    let spec_uuid = uuid_for(&format!(
        "{}/spec/{}",
        c.model_id,
        text(&report["spec_approval"]["sha256"])
    ));
    let activities: Vec<Value> = report["policy"]["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|k| {
            let id = text(&k["id"]);
            let controls: Vec<String> = report["findings"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|f| f["check"] == k["id"])
                .flat_map(|f| strings(&f["controls"]))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let mut a = json!({
                "uuid": uuid_for(&format!("{}/activity/{id}", c.model_id)),
                "title": text(&k["title"]).trim().to_string().chars().take(200).collect::<String>(),
                "description": format!("fairaudit check {id}: metric {} against the spec's bounds; see docs/governance.md.", text(&k["metric"])),
                "props": [prop("check", &id), prop("objective", objective(&id))],
            });
            if a["title"].as_str().is_some_and(str::is_empty) {
                a["title"] = json!(id);
            }
            if !controls.is_empty() {
                a["related-controls"] = selection(&controls);
            }
            a
        })
        .collect();
    let months = report["cycle"]["cadence"]["check_months"]
        .as_u64()
        .unwrap_or(1)
        .max(1);
    let mut local = json!({"components": [c.model_component(report)]});
    if !activities.is_empty() {
        local["activities"] = Value::Array(activities);
    }
    json!({
        "assessment-plan": {
            "uuid": uuid_for(&format!("{}/assessment-plan/{}", c.model_id, text(&report["spec_approval"]["sha256"]))),
            "metadata": c.metadata(report, "assessment plan"),
            "import-ssp": {"href": format!("#{spec_uuid}")},
            "local-definitions": local,
            "reviewed-controls": selection(&cited(report)),
            "assessment-subjects": [{"type": "component", "include-subjects": [{"subject-uuid": c.model, "type": "component"}]}],
            "assessment-assets": c.assessment_assets(report),
            "tasks": [{
                "uuid": uuid_for(&format!("{}/task/check", c.model_id)),
                "type": "action",
                "title": format!("Fairness audit of {} every {months} month(s)", c.model_id),
                "timing": {"at-frequency": {"period": months, "unit": "months"}},
            }],
            "back-matter": {"resources": [{
                "uuid": spec_uuid,
                "title": "fairaudit audit spec",
                "description": format!(
                    "The model's audit spec (checks, thresholds, decision rules), SHA-256 {}; it stands in for a system security plan.",
                    report["spec_approval"]["sha256"].as_str().unwrap_or("not recorded")
                ),
            }]},
        }
    })
}

fn resource(r: &Resource) -> Value {
    json!({
        "uuid": uuid_for(&format!("resource/{}/{}", r.name, crate::digest::sha256_hex(&r.bytes))),
        "title": r.name,
        "rlinks": [{
            "href": r.name,
            "media-type": r.media_type,
            "hashes": [{"algorithm": "SHA-256", "value": crate::digest::sha256_hex(&r.bytes)}],
        }],
    })
}

/// The assessment-results document of a JSON report. `files` are the files
/// beside it (an evidence pack's), listed in the back-matter with their
/// SHA-256; the assessment plan is one of them in a pack, else embedded.
pub fn from_json(report: &Value, run_id: &str, files: &[Resource]) -> Value {
    let c = Ctx::new(report, run_id);
    let ap = assessment_plan(report, run_id);
    let mut resources: Vec<Value> = files.iter().map(resource).collect();
    let ap_uuid = match files.iter().position(|f| f.name == AP_FILE) {
        Some(i) => resources[i]["uuid"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        None => {
            let bytes = serde_json::to_string_pretty(&ap).expect("JSON");
            let u = uuid_for(&format!("{run_id}/embedded-ap"));
            resources.push(json!({
                "uuid": u,
                "title": "fairaudit assessment plan",
                "base64": {
                    "filename": AP_FILE,
                    "media-type": "application/oscal.ap+json",
                    "value": base64::engine::general_purpose::STANDARD.encode(bytes),
                },
            }));
            u
        }
    };
    let evidence = files
        .iter()
        .position(|f| f.name == "report.json")
        .map(|i| format!("#{}", text(&resources[i]["uuid"])));
    let mut observations = vec![];
    let mut findings = vec![];
    let mut risks = vec![];
    for f in report["findings"].as_array().into_iter().flatten() {
        let fid = text(&f["id"]);
        let status = text(&f["status"]);
        let o = observation(&c, report, f, evidence.as_deref());
        let obs_uuid = text(&o["uuid"]);
        observations.push(o);
        let mut finding = json!({
            "uuid": uuid_for(&format!("{run_id}/finding/{fid}")),
            "title": text(&f["title"]),
            "description": text(&f["statement"]),
            "props": [prop("finding-id", &fid), prop("check", text(&f["check"]))],
            "origins": c.origin(),
            "target": {
                "type": "objective-id",
                "target-id": objective(&text(&f["check"])),
                "status": {
                    "state": if status == "pass" { "satisfied" } else { "not-satisfied" },
                    "reason": match status.as_str() { "pass" => "pass", "fail" => "fail", _ => "other" },
                },
            },
            "related-observations": [{"observation-uuid": obs_uuid}],
        });
        if status == "fail" {
            let r = risk(&c, report, f, &obs_uuid);
            finding["related-risks"] = json!([{"risk-uuid": r["uuid"]}]);
            risks.push(r);
        }
        findings.push(finding);
    }
    let mut result = json!({
        "uuid": uuid_for(&format!("{run_id}/result")),
        "title": format!("Fairness audit of {}, cycle {}", c.model_id, text(&report["cycle"]["id"])),
        "description": format!(
            "fairaudit {} audit of {} rows; verdict {}",
            text(&report["engine"]["version"]),
            text(&report["dataset"]["rows"]),
            text(&report["verdict"])
        ),
        "start": c.when,
        "end": c.when,
        "props": [prop("run-id", run_id), prop("verdict", text(&report["verdict"])), prop("cycle", text(&report["cycle"]["id"]))],
        "local-definitions": {
            "components": [c.model_component(report)],
            "assessment-assets": c.assessment_assets(report),
        },
        "reviewed-controls": selection(&cited(report)),
    });
    for (k, v) in [
        ("observations", observations),
        ("risks", risks),
        ("findings", findings),
    ] {
        if !v.is_empty() {
            result[k] = Value::Array(v);
        }
    }
    json!({
        "assessment-results": {
            "uuid": uuid_for(&format!("{run_id}/assessment-results")),
            "metadata": c.metadata(report, "assessment results"),
            "import-ap": {"href": format!("#{ap_uuid}")},
            "results": [result],
            "back-matter": {"resources": resources},
        }
    })
}

/// The POA&M seed: one item per failing finding that is neither waived nor
/// resolved, with its observation, risk and finding copied in. `None` when
/// there is none (a POA&M needs at least one item).
pub fn poam(report: &Value, run_id: &str) -> Option<Value> {
    let ar = from_json(report, run_id, &[]);
    let result = &ar["assessment-results"]["results"][0];
    let open: Vec<&Value> = report["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| {
            f["status"] == "fail"
                && f["lifecycle"]["waived"] != true
                && !matches!(
                    f["lifecycle"]["state"].as_str(),
                    Some("resolved" | "closed")
                )
        })
        .collect();
    if open.is_empty() {
        return None;
    }
    let c = Ctx::new(report, run_id);
    let pick = |key: &str, uuids: &[String]| -> Vec<Value> {
        result[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|x| uuids.contains(&text(&x["uuid"])))
            .cloned()
            .collect()
    };
    let (mut obs, mut risks, mut finds, mut items) = (vec![], vec![], vec![], vec![]);
    for f in &open {
        let fid = text(&f["id"]);
        let (o, r, fi) = (
            uuid_for(&format!("{run_id}/observation/{fid}")),
            uuid_for(&format!("{run_id}/risk/{fid}")),
            uuid_for(&format!("{run_id}/finding/{fid}")),
        );
        obs.push(o.clone());
        risks.push(r.clone());
        finds.push(fi.clone());
        items.push(json!({
            "uuid": uuid_for(&format!("{run_id}/poam-item/{fid}")),
            "title": format!("Remediate: {}", text(&f["title"])),
            "description": text(&f["statement"]),
            "props": [prop("finding-id", &fid), prop("severity", text(&f["severity"]))],
            "origins": c.origin(),
            "related-findings": [{"finding-uuid": fi}],
            "related-observations": [{"observation-uuid": o}],
            "related-risks": [{"risk-uuid": r}],
        }));
    }
    Some(json!({
        "plan-of-action-and-milestones": {
            "uuid": uuid_for(&format!("{run_id}/poam")),
            "metadata": c.metadata(report, "plan of action and milestones"),
            "system-id": {"identifier-type": format!("{NS}/model-id"), "id": c.model_id},
            "local-definitions": {
                "components": [c.model_component(report)],
                "assessment-assets": c.assessment_assets(report),
            },
            "observations": pick("observations", &obs),
            "risks": pick("risks", &risks),
            "findings": pick("findings", &finds),
            "poam-items": items,
            "back-matter": ar["assessment-results"]["back-matter"].clone(),
        }
    }))
}

impl Exporter for OscalExporter {
    fn render(&self, report: &Report) -> Result<String> {
        let j = super::json::to_json(report);
        Ok(serde_json::to_string_pretty(&from_json(&j, &report.run_id, &[])).expect("JSON") + "\n")
    }
}

impl Exporter for PoamExporter {
    fn render(&self, report: &Report) -> Result<String> {
        let j = super::json::to_json(report);
        let p = poam(&j, &report.run_id).ok_or_else(|| {
            Error::usage(
                "--format oscal-poam: the run has no open failing finding, and a POA&M needs at least one item",
            )
        })?;
        Ok(serde_json::to_string_pretty(&p).expect("JSON") + "\n")
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

    #[test]
    fn tokens_and_strings_meet_the_schema_types() {
        assert_eq!(
            token("regression:four-fifths rule"),
            "regression-four-fifths-rule"
        );
        assert_eq!(token("4/5"), "_4-5");
        assert_eq!(one_line("  a\n b  "), "a b");
        assert_eq!(one_line(""), "-");
        assert_eq!(
            datetime("2027-02-28").as_deref(),
            Some("2027-02-28T00:00:00Z")
        );
    }
}
