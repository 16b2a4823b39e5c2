//! Changes of policy between two runs of a model: a lenient spec must not
//! slip in unseen (EU AI Act Art. 9(8): metrics and thresholds defined
//! beforehand). A change becomes a finding of its own.

use serde_json::Value;

use crate::checks::{finding_id, severity, Basis, Finding, Measured, Status, Thresholds};
use crate::spec::check::Check;
use crate::spec::ModelInfo;

use super::controls::{self, When};

const BOUNDS: [(&str, bool); 4] = [
    ("fail_below", true),
    ("warn_below", true),
    ("fail_above", false),
    ("warn_above", false),
];

/// How one check's bound moved: "fail_below 0.8 → 0.7 (looser)".
fn bound_change(
    name: &str,
    lower_bound: bool,
    old: Option<f64>,
    new: Option<f64>,
) -> Option<String> {
    match (old, new) {
        (Some(a), Some(b)) if (a - b).abs() > 1e-12 => {
            let looser = if lower_bound { b < a } else { b > a };
            Some(format!(
                "{name} {a} → {b} ({})",
                if looser { "looser" } else { "stricter" }
            ))
        }
        (Some(a), None) => Some(format!("{name} {a} removed (looser)")),
        (None, Some(b)) => Some(format!("{name} {b} added (stricter)")),
        _ => None,
    }
}

/// The changes between the previous run's policy (its report's
/// `policy.checks`) and the current one, in words.
pub fn changes(previous: &Value, current: &[Check]) -> Vec<String> {
    let prev: Vec<&Value> = previous
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let id_of = |v: &Value| {
        v["id"]
            .as_str()
            .map(String::from)
            .unwrap_or_else(|| v["metric"].as_str().unwrap_or_default().to_string())
    };
    let mut out = vec![];
    for c in current {
        let id = c.id();
        let Some(p) = prev.iter().find(|p| id_of(p) == id) else {
            out.push(format!("check {id} added"));
            continue;
        };
        let mut what = vec![];
        if p["metric"].as_str() != Some(c.metric.name().as_str()) {
            what.push(format!(
                "metric {} → {}",
                p["metric"].as_str().unwrap_or("?"),
                c.metric
            ));
        }
        let now = [c.fail_below, c.warn_below, c.fail_above, c.warn_above];
        for ((name, lower), new) in BOUNDS.iter().zip(now) {
            if let Some(ch) = bound_change(name, *lower, p[*name].as_f64(), new) {
                what.push(ch);
            }
        }
        let old_rule = p["evidence"]
            .as_str()
            .unwrap_or(if p["require_significance"] == false {
                "point"
            } else {
                "significance"
            });
        if old_rule != c.rule().name() {
            what.push(format!("decision rule {old_rule} → {}", c.rule().name()));
        }
        if let (Some(a), Some(b)) = (p["alpha"].as_f64(), c.alpha) {
            if (a - b).abs() > 1e-12 {
                what.push(format!("alpha {a} → {b}"));
            }
        }
        if let Some(f) = p["family"].as_str() {
            if f != c.family.name() {
                what.push(format!("family {f} → {}", c.family.name()));
            }
        }
        // Fewer attributes judged is looser; another outcome level is another check.
        let attrs = serde_json::to_value(&c.attributes).unwrap_or_default();
        let old_attrs = p.get("attributes").unwrap_or(&Value::Null);
        if old_attrs != &attrs {
            what.push(format!("attributes {old_attrs} → {attrs}"));
        }
        if p.get("outcome").and_then(Value::as_str) != c.outcome.as_deref() {
            what.push(format!(
                "outcome {} → {}",
                p.get("outcome")
                    .and_then(Value::as_str)
                    .unwrap_or("(favourable levels)"),
                c.outcome.as_deref().unwrap_or("(favourable levels)")
            ));
        }
        if !what.is_empty() {
            out.push(format!("check {id}: {}", what.join(", ")));
        }
    }
    for p in &prev {
        let id = id_of(p);
        if !current.iter().any(|c| c.id() == id) {
            out.push(format!("check {id} removed (looser)"));
        }
    }
    out
}

/// The changes of the decision settings every check shares (the spec's
/// `[stats]` and references, or the flags laid over them) since the
/// previous run's report: each moves every finding's status as much as a
/// threshold does.
pub fn setting_changes(previous: &Value, spec: &crate::spec::Spec) -> Vec<String> {
    setting_changes_of(previous, &settings_json(spec))
}

/// The decision settings of a spec as the report writes them.
fn settings_json(spec: &crate::spec::Spec) -> Value {
    let a = &spec.audit;
    serde_json::json!({
        "statistics": {
            "alpha": a.stats.alpha,
            "ci_level": a.stats.ci_level,
            "min_group_size": a.stats.min_group_size,
            "min_group_share": a.stats.min_group_share,
            "ci_method": a.stats.ci_method,
            "p_adjust": a.stats.p_adjust,
        },
        "settings": {
            "reference_strategy": a.references.strategy.to_string(),
            "reference_groups": a.references.named,
            "favorable": a.favorable,
            // The threshold decides only when a score makes the prediction.
            "threshold": a.columns.score.as_ref().map(|_| a.columns.threshold),
        },
        "gate": {"fail_on": spec.fail_on},
    })
}

/// The decision settings a run's flags changed from its spec file's: a run
/// that overrides them does not run under the approved spec.
pub fn overrides(file: &crate::spec::Spec, effective: &crate::spec::Spec) -> Vec<String> {
    setting_changes_of(&settings_json(file), &settings_json(effective))
}

fn setting_changes_of(previous: &Value, current: &Value) -> Vec<String> {
    let st = &previous["statistics"];
    let mut out = vec![];
    let num = |name: &str, old: Option<f64>, new: f64, looser_up: bool, out: &mut Vec<String>| {
        if let Some(a) = old {
            if (a - new).abs() > 1e-12 {
                let looser = (new > a) == looser_up;
                out.push(format!(
                    "{name} {a} → {new} ({})",
                    if looser { "looser" } else { "stricter" }
                ));
            }
        }
    };
    let now = &current["statistics"];
    // A larger alpha rejects more often (stricter); a larger minimum judges
    // fewer groups, a wider interval finds fewer gaps certain (looser).
    for (name, looser_up) in [
        ("alpha", false),
        ("ci_level", true),
        ("min_group_size", true),
        ("min_group_share", true),
    ] {
        if let Some(new) = now[name].as_f64() {
            num(name, st[name].as_f64(), new, looser_up, &mut out);
        }
    }
    for (section, key, name) in [
        ("statistics", "ci_method", "interval method"),
        ("statistics", "p_adjust", "p-value adjustment"),
        ("settings", "reference_strategy", "reference"),
        ("settings", "reference_groups", "reference groups"),
        ("settings", "favorable", "favorable"),
        ("settings", "threshold", "score threshold"),
        ("gate", "fail_on", "gate fail_on"),
    ] {
        let (old, new) = (&previous[section][key], &current[section][key]);
        // Absent from an old report: no comparison.
        if !old.is_null() && !new.is_null() && old != new {
            out.push(format!("{name} {old} → {new}"));
        }
    }
    out
}

/// A short digest of the policy in force (its checks and shared decision
/// settings): each policy a model moves to has its own `policy_changed`
/// finding, so accepting one change never waives a later one.
pub fn policy_key(checks: &[Check], spec: &crate::spec::Spec) -> String {
    use sha2::{Digest, Sha256};
    // Only what `changes` compares, in id order: a title, a control tag or
    // the order of the checks is not a change of policy.
    let mut decision: Vec<Value> = checks
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.id(),
                "metric": c.metric.name(),
                "bounds": [c.fail_below, c.warn_below, c.fail_above, c.warn_above],
                "rule": c.rule().name(),
                "alpha": c.alpha,
                "family": c.family.name(),
                "attributes": c.attributes,
                "outcome": c.outcome,
            })
        })
        .collect();
    decision.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    let text = serde_json::json!({"checks": decision, "settings": settings_json(spec)}).to_string();
    crate::digest::hex(&Sha256::digest(text.as_bytes())[..6])
}

/// The id of the `policy_changed` finding of the policy `key`.
pub fn finding_id_of(model: &str, key: &str) -> String {
    finding_id(model, "policy_changed", "(policy)", Some(key))
}

/// Where a policy change stands: `Changed` in this run (with the changes
/// since the previous run), or `Pending` from an earlier run whose finding
/// is still open; `approved` names who approved the spec now in force.
pub enum Change<'a> {
    /// Changed since `previous_run`.
    Changed {
        /// Each change, in words.
        changes: &'a [String],
        /// The run compared with.
        previous_run: &'a str,
    },
    /// Changed earlier; its finding is still open.
    Pending,
    /// An earlier change to a policy no longer in force (the policy moved
    /// on): nothing left to approve, so it passes and resolves.
    Superseded,
}

/// The finding of a policy change: warn until the spec in force is
/// approved (`approved`: by whom), then pass, which resolves it.
pub fn finding(
    model: &ModelInfo,
    id: String,
    change: Change,
    approved: Option<&str>,
    cycle: &str,
) -> Finding {
    let superseded = matches!(change, Change::Superseded);
    let status = if approved.is_some() || superseded {
        Status::Pass
    } else {
        Status::Warn
    };
    let what = match change {
        Change::Changed {
            changes,
            previous_run,
        } => format!(
            "The policy changed since run {previous_run}: {}",
            changes.join("; ")
        ),
        Change::Pending => "The policy changed in an earlier run".to_string(),
        Change::Superseded => {
            "The policy changed in an earlier run and has changed again since".to_string()
        }
    };
    let rule = match (approved, superseded) {
        (_, true) => {
            "pass: that policy is no longer in force (the later change has its own finding)"
                .to_string()
        }
        (Some(by), _) => format!("pass: the spec now in force was approved by {by}"),
        (None, _) => {
            "warn: a changed policy needs approval before it is used (fairaudit spec approve)"
                .to_string()
        }
    };
    let check = "policy_changed".to_string();
    let mut f = Finding {
        id,
        title: "Policy changed since the previous run".into(),
        statement: format!("{what}; {rule}"),
        check,
        metric: Measured::Policy,
        attribute: "(policy)".into(),
        group: None,
        reference: None,
        value: None,
        ci: None,
        p_value: None,
        p_adjusted: None,
        test: None,
        pair: None,
        significant: None,
        thresholds: Thresholds::none(0.0),
        breached: approved.is_none().then(|| "policy changed".into()),
        status,
        severity: severity(status, false, model.risk_tier),
        basis: Basis {
            group: None,
            reference: None,
            groups: vec![],
        },
        reason: None,
        controls: vec![],
        risks: vec![],
        cycle: cycle.to_string(),
        trend: None,
        lifecycle: None,
    };
    f.controls = controls::cited(When::PolicyChange)
        .into_iter()
        .map(String::from)
        .collect();
    f
}
