//! The model's fairness tests as a CISO Assistant framework library (one
//! requirement node per check of the spec, plus the approval of the
//! thresholds and the periodic review), and a mapping library from it to the
//! ISO/IEC 42001, EU AI Act, NIST AI RMF and ISO/IEC 27001 frameworks that
//! ship with CISO Assistant, built from the crosswalk table
//! (`governance/crosswalk.csv`). The libraries follow the store and load rules
//! of CISO Assistant's library loader: `urn`, `ref_id`, `name`, an integer
//! `version`, `assessable` on every node, lower-case URNs, the mapping
//! libraries' dependencies listed (they are not loaded automatically).

use serde_json::{json, Value};

use crate::governance::crosswalk::{crosswalk, Node};

/// The node of the threshold approval.
pub const THRESHOLD_APPROVAL: &str = "threshold-approval";
/// The node of the periodic review.
pub const PERIODIC_REVIEW: &str = "periodic-review";

/// A name as a URN segment: lower case, `[a-z0-9._-]`.
fn segment(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The framework's slug for a model: `fairaudit-<model id>`.
pub fn slug(model: &str) -> String {
    format!("fairaudit-{}", segment(model))
}

/// The library's URN.
pub fn library_urn(model: &str) -> String {
    format!("urn:fairaudit:risk:library:{}", slug(model))
}

/// The framework's URN.
pub fn framework_urn(model: &str) -> String {
    format!("urn:fairaudit:risk:framework:{}", slug(model))
}

/// A node's URN: a check id, or one of the governance nodes.
pub fn node_urn(model: &str, node: &str) -> String {
    format!(
        "urn:fairaudit:risk:req_node:{}:{}",
        slug(model),
        segment(node)
    )
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

/// What a check asks, in words: its metric, bounds, rule and attributes.
fn check_description(c: &Value) -> String {
    let mut bounds = vec![];
    for (k, w) in [
        ("fail_below", "fail below"),
        ("fail_above", "fail above"),
        ("warn_below", "warn below"),
        ("warn_above", "warn above"),
    ] {
        if let Some(x) = c[k].as_f64() {
            bounds.push(format!("{w} {x}"));
        }
    }
    let rule = c["evidence"]
        .as_str()
        .unwrap_or(if c["require_significance"] == false {
            "point"
        } else {
            "significance"
        });
    let attrs = c["attributes"]
        .as_array()
        .map(|a| a.iter().map(text).collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|| "every attribute and intersection".into());
    format!(
        "{} of every group ({attrs}): {}; decision rule {rule} (docs/governance.md, \"Decision rules\"); definition in docs/metrics.md.",
        text(&c["metric"]),
        if bounds.is_empty() { "no bounds".into() } else { bounds.join(", ") }
    )
}

/// The framework library of a model (`model`: the report's `model` object;
/// `checks`: its `policy.checks`). `version` must grow with every change:
/// CISO Assistant refuses a library whose version is not above the stored one.
pub fn framework(model: &Value, checks: &[Value], version: u32, date: &str) -> Value {
    let id = text(&model["id"]);
    let name = format!(
        "fairaudit fairness testing: {}",
        model["name"].as_str().unwrap_or(&id)
    );
    let heading = |node: &str, ref_id: &str, title: &str, description: &str| {
        json!({
            "urn": node_urn(&id, node),
            "assessable": false,
            "ref_id": ref_id,
            "name": title,
            "description": description,
        })
    };
    let mut nodes = vec![heading(
        "fa-checks",
        "FA-CHECKS",
        "Fairness checks",
        "The checks of the model's audit spec, judged on every run.",
    )];
    for c in checks {
        let cid = text(&c["id"]);
        nodes.push(json!({
            "urn": node_urn(&id, &cid),
            "parent_urn": node_urn(&id, "fa-checks"),
            "assessable": true,
            "ref_id": cid,
            "name": c["title"].as_str().unwrap_or(&cid),
            "description": check_description(c),
            "typical_evidence": "fairaudit evidence pack of the run: report.json, summary.md, oscal-assessment-results.json, SHA256SUMS and its signature",
        }));
    }
    nodes.push(heading(
        "fa-governance",
        "FA-GOV",
        "Governance of the fairness tests",
        "What makes the tests trustworthy: thresholds fixed and approved beforehand, re-run at the risk tier's cadence.",
    ));
    nodes.push(json!({
        "urn": node_urn(&id, THRESHOLD_APPROVAL),
        "parent_urn": node_urn(&id, "fa-governance"),
        "assessable": true,
        "ref_id": THRESHOLD_APPROVAL,
        "name": "Thresholds approved before the run",
        "description": "The spec's metrics, thresholds and decision rules were approved, by someone other than the model's owner, before the run used them (fairaudit spec approve; the report's spec_approval).",
        "typical_evidence": "spec.toml of the evidence pack, its SHA-256 in manifest.json, and the spec_approval event in the history store",
    }));
    nodes.push(json!({
        "urn": node_urn(&id, PERIODIC_REVIEW),
        "parent_urn": node_urn(&id, "fa-governance"),
        "assessable": true,
        "ref_id": PERIODIC_REVIEW,
        "name": "Re-audit at the risk tier's cadence",
        "description": "Checks, reviews and audits at the cadence of the model's risk tier, none missed or overdue (fairaudit cycle status).",
        "typical_evidence": "fairaudit cycle status and the cycle section of the report",
    }));
    json!({
        "urn": library_urn(&id),
        "locale": "en",
        "ref_id": slug(&id),
        "name": name,
        "description": format!("The fairness tests of model {id}, as fairaudit runs them, as an auditable framework."),
        "copyright": "Generated by fairaudit from the model's audit spec",
        "version": version,
        "publication_date": date,
        "provider": "fairaudit",
        "packager": "fairaudit",
        "objects": {
            "framework": {
                "urn": framework_urn(&id),
                "ref_id": slug(&id),
                "name": name,
                "description": "One requirement per fairness check of the spec, plus threshold approval and periodic review. Scores: 0 not evaluated, 1 failed, 2 warning, 3 passed.",
                "min_score": 0,
                "max_score": 3,
                "scores_definition": [
                    {"score": 0, "name": "Not evaluated", "description": "Not run, or every group too small or undefined."},
                    {"score": 1, "name": "Failed", "description": "A finding failed (or the thresholds were not approved, or a cycle is overdue)."},
                    {"score": 2, "name": "Warning", "description": "A warning bound was breached (or a past cycle was missed)."},
                    {"score": 3, "name": "Passed", "description": "Every group within the thresholds."},
                ],
                "requirement_nodes": nodes,
            }
        }
    })
}

/// The mapping library: one mapping set per target framework, every check
/// node and the governance nodes mapped per the crosswalk.
pub fn mappings(model: &Value, checks: &[Value], version: u32, date: &str) -> Value {
    let id = text(&model["id"]);
    let mut sets: Vec<(String, Vec<Value>)> = vec![];
    let mut add = |source: String, m: &crate::governance::crosswalk::Mapping| {
        let fw = m.target_urn.split(':').nth(4).unwrap_or("").to_string();
        let row = json!({
            "source_requirement_urn": source,
            "target_requirement_urn": m.target_urn,
            "relationship": m.relationship,
            "rationale": m.rationale,
            "strength_of_relationship": m.strength,
            "annotation": format!("{}: {}", m.control, m.why),
        });
        match sets.iter_mut().find(|(f, _)| *f == fw) {
            Some((_, rows)) => rows.push(row),
            None => sets.push((fw, vec![row])),
        }
    };
    for m in crosswalk() {
        match m.node {
            Node::Check => {
                for c in checks {
                    add(node_urn(&id, &text(&c["id"])), m);
                }
            }
            Node::ThresholdApproval => add(node_urn(&id, THRESHOLD_APPROVAL), m),
            Node::PeriodicReview => add(node_urn(&id, PERIODIC_REVIEW), m),
        }
    }
    let lib = |fw: &str| format!("urn:intuitem:risk:library:{fw}");
    let mut deps = vec![library_urn(&id)];
    deps.extend(sets.iter().map(|(fw, _)| lib(fw)));
    json!({
        "urn": format!("urn:fairaudit:risk:library:mapping-{}", slug(&id)),
        "locale": "en",
        "ref_id": format!("mapping-{}", slug(&id)),
        "name": format!("{} -> ISO/IEC 42001, EU AI Act, NIST AI RMF, ISO/IEC 27001", slug(&id)),
        "description": "Which requirements of the frameworks CISO Assistant ships each fairaudit check and governance node informs (fairaudit's crosswalk.csv).",
        "copyright": "Generated by fairaudit",
        "version": version,
        "publication_date": date,
        "provider": "fairaudit",
        "packager": "fairaudit",
        "dependencies": deps,
        "objects": {
            "requirement_mapping_sets": sets.into_iter().map(|(fw, rows)| json!({
                "urn": format!("urn:fairaudit:risk:req_mapping_set:{}-to-{fw}", slug(&id)),
                "ref_id": format!("{}-to-{fw}", slug(&id)),
                "name": format!("{} -> {fw}", slug(&id)),
                "source_framework_urn": framework_urn(&id),
                "target_framework_urn": format!("urn:intuitem:risk:framework:{fw}"),
                "requirement_mappings": rows,
            })).collect::<Vec<_>>(),
        }
    })
}

/// A library as YAML, keys in the order above.
pub fn to_yaml(v: &Value) -> String {
    serde_yaml_ng::to_string(v).expect("YAML of JSON values")
}
