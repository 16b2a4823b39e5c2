//! The organisation's risk register: import (CSV or JSON, with a column map
//! for exports from other GRC tools, and CISO Assistant's own risk-scenario
//! exports as they come: `;`, byte-order mark, matrix labels, `owners`, no
//! status), matching findings to entries, CISO Assistant risk acceptances,
//! and proposed entries for breaches no entry covers, written as a CSV that
//! imports back.

mod acceptance;
mod read;

use serde::{Deserialize, Serialize};

use crate::checks::{Finding, FindingLifecycle, LifeState, Status};
use crate::governance::cycle::months_word;
pub use crate::spec::governance::RegisterSource;
use crate::spec::{ModelInfo, RiskTier};

pub use acceptance::{apply_acceptances, load_acceptances, RiskAcceptance};
pub use read::{load, Flavour};

/// How a risk is treated (ISO 27001 6.1.3 options, and CISO Assistant's
/// `open` (not decided yet) and `cancelled`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Treatment {
    /// Reduce the risk.
    Mitigate,
    /// Retain it, with a sign-off.
    Accept,
    /// Stop the activity.
    Avoid,
    /// Share it (insurance, a third party).
    Transfer,
    /// No treatment decided yet.
    Open,
    /// The scenario was cancelled: it covers no finding.
    Cancelled,
}

impl Treatment {
    /// Parses a treatment name (also its synonyms reduce, modify, retain, share).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mitigate" | "reduce" | "modify" => Some(Treatment::Mitigate),
            "accept" | "retain" => Some(Treatment::Accept),
            "avoid" => Some(Treatment::Avoid),
            "transfer" | "share" => Some(Treatment::Transfer),
            "open" => Some(Treatment::Open),
            "cancelled" | "canceled" => Some(Treatment::Cancelled),
            _ => None,
        }
    }

    /// The name written in registers (CISO Assistant's keys).
    pub fn name(self) -> &'static str {
        match self {
            Treatment::Mitigate => "mitigate",
            Treatment::Accept => "accept",
            Treatment::Avoid => "avoid",
            Treatment::Transfer => "transfer",
            Treatment::Open => "open",
            Treatment::Cancelled => "cancelled",
        }
    }
}

/// Where an entry was read from: it decides what an entry without selectors
/// covers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// A register made for fairaudit: an empty selector matches everything.
    #[default]
    Fairaudit,
    /// A CISO Assistant scenario: it covers only findings of a model named
    /// among its assets, since the register holds every ISMS risk.
    CisoAssistant,
}

/// One entry of the register.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RiskEntry {
    /// The entry's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// What the risk is.
    pub description: String,
    /// Who owns it.
    pub owner: String,
    /// 1–5; `null` when the GRC tool has it "not rated".
    pub likelihood: Option<u8>,
    /// 1–5; `null` when not rated.
    pub impact: Option<u8>,
    /// How it is treated.
    pub treatment: Treatment,
    /// Its status in the register.
    pub status: String,
    /// How often it is reviewed.
    pub review_cadence: String,
    /// Selectors: an empty list matches everything (in a fairaudit register).
    pub model_ids: Vec<String>,
    /// Attributes it covers (empty: all).
    pub attributes: Vec<String>,
    /// Metrics or check ids it covers (empty: all).
    pub metrics: Vec<String>,
    /// Where it was read from.
    #[serde(skip_serializing_if = "is_fairaudit")]
    pub origin: Origin,
    /// The GRC tool's own id (CISO Assistant's `internal_id`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_id: Option<String>,
    /// Its labels in the GRC tool.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// A risk acceptance in force at the run date.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acceptance: Option<RiskAcceptance>,
}

/// A rating for display: the number, or "not rated".
pub fn rated(x: Option<u8>) -> String {
    x.map_or_else(|| "not rated".into(), |n| n.to_string())
}

fn is_fairaudit(o: &Origin) -> bool {
    *o == Origin::Fairaudit
}

/// The register's fields, in CSV column order.
pub const FIELDS: [&str; 12] = [
    "id",
    "title",
    "description",
    "owner",
    "likelihood",
    "impact",
    "treatment",
    "status",
    "review_cadence",
    "model_id",
    "attributes",
    "metrics",
];

/// A name as a CISO Assistant label (`^[\w-]{1,36}$`): other characters
/// become `_`, an intersection's " & " becomes `-x-`, and it is cut at 36.
/// Selectors are compared in this form, so a label written for a long or
/// odd name still matches it.
pub fn label_form(name: &str) -> String {
    let s = name.replace(" & ", "-x-");
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    s.chars().take(36).collect()
}

/// Whether an entry covers a finding of `model`. Attributes and metrics are
/// compared in [`label_form`]; the model by its id or its asset name. A
/// cancelled entry covers nothing; a CISO Assistant scenario only findings of
/// a model among its assets.
pub fn matches(e: &RiskEntry, model: &ModelInfo, f: &Finding) -> bool {
    if e.treatment == Treatment::Cancelled {
        return false;
    }
    if e.origin == Origin::CisoAssistant && e.model_ids.is_empty() {
        return false;
    }
    let same = |a: &str, b: &str| a == b || label_form(a) == label_form(b);
    let members: Vec<&str> = f.attribute.split(" & ").collect();
    (e.model_ids.is_empty()
        || e.model_ids
            .iter()
            .any(|m| same(m, &model.id) || model.asset.as_deref().is_some_and(|a| same(m, a))))
        && (e.attributes.is_empty()
            || e.attributes
                .iter()
                .any(|a| same(a, &f.attribute) || members.iter().any(|m| same(a, m))))
        && (e.metrics.is_empty()
            || e.metrics
                .iter()
                .any(|m| same(m, &f.metric.name()) || same(m, &f.check)))
}

/// Waives the breached findings an accepted risk covers (a GRC tool's risk
/// acceptance in force): they show the approver and do not fail the gate.
pub fn waive(findings: &mut [Finding], register: &[RiskEntry]) {
    for f in findings.iter_mut().filter(|f| f.status.breached()) {
        let Some((e, a)) = register
            .iter()
            .filter(|e| f.risks.contains(&e.id))
            .find_map(|e| e.acceptance.as_ref().map(|a| (e, a)))
        else {
            continue;
        };
        let l = f.lifecycle.get_or_insert_with(|| FindingLifecycle {
            state: LifeState::RiskAccepted,
            owner: Some(e.owner.clone()).filter(|o| !o.is_empty()),
            treatment: Some(Treatment::Accept.name().into()),
            plan: None,
            due: None,
            accepted_by: None,
            acceptance_expires: None,
            overdue: false,
            waived: false,
        });
        l.state = LifeState::RiskAccepted;
        l.accepted_by = Some(format!(
            "{} (CISO Assistant risk acceptance of {})",
            a.approver, e.id
        ));
        l.acceptance_expires = a.expires;
        l.overdue = false;
        l.waived = true;
    }
}

/// Tags findings with the ids of matching entries.
pub fn tag(findings: &mut [Finding], register: &[RiskEntry], model: &ModelInfo) {
    for f in findings {
        f.risks = register
            .iter()
            .filter(|e| matches(e, model, f))
            .map(|e| e.id.clone())
            .collect();
    }
}

/// Proposed entries for warn and fail findings that match no entry: one per
/// (attribute, metric), so that importing them back covers every such finding.
/// `repeat` says whether the finding also breached in the previous run.
pub fn propose(
    findings: &[Finding],
    model: &ModelInfo,
    review_months: u32,
    repeat: &dyn Fn(&Finding) -> bool,
) -> Vec<RiskEntry> {
    let mut out: Vec<RiskEntry> = vec![];
    for f in findings {
        if !matches!(f.status, Status::Warn | Status::Fail) || !f.risks.is_empty() {
            continue;
        }
        let base = match (f.status, f.significant) {
            (Status::Fail, Some(true)) => 4,
            (Status::Fail, _) => 3,
            _ => 2,
        };
        let likelihood = (base + u8::from(repeat(f))).min(5);
        let impact = match (model.risk_tier, f.status) {
            (RiskTier::High, Status::Fail) => 5,
            (RiskTier::High, _) | (RiskTier::Medium, Status::Fail) => 4,
            (RiskTier::Medium, _) | (RiskTier::Low, Status::Fail) => 3,
            (RiskTier::Low, _) => 2,
        };
        if let Some(e) = out
            .iter_mut()
            .find(|e| e.attributes == [f.attribute.clone()] && e.metrics == [f.metric.name()])
        {
            e.likelihood = e.likelihood.max(Some(likelihood));
            e.impact = e.impact.max(Some(impact));
            if let Some(g) = &f.group {
                e.description
                    .push_str(&format!(" Also: {g}: {}", f.statement));
            }
            continue;
        }
        out.push(RiskEntry {
            id: format!("PR-{}", f.id.trim_start_matches("FA-")),
            title: format!(
                "Unequal outcomes of {} by {} ({})",
                model.name.as_deref().unwrap_or(&model.id),
                f.attribute,
                f.metric
            ),
            description: f.statement.clone(),
            owner: model.owner.clone().unwrap_or_else(|| "unassigned".into()),
            likelihood: Some(likelihood),
            impact: Some(impact),
            treatment: Treatment::Mitigate,
            status: "proposed".into(),
            review_cadence: months_word(review_months),
            model_ids: vec![model.id.clone()],
            attributes: vec![f.attribute.clone()],
            metrics: vec![f.metric.name()],
            origin: Origin::Fairaudit,
            internal_id: None,
            labels: vec![],
            acceptance: None,
        });
    }
    out
}

/// Writes entries as a register CSV (the format [`load`] reads).
pub fn to_csv(entries: &[RiskEntry]) -> String {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(FIELDS).expect("in-memory CSV");
    for e in entries {
        w.write_record([
            e.id.as_str(),
            &e.title,
            &e.description,
            &e.owner,
            &e.likelihood.map(|x| x.to_string()).unwrap_or_default(),
            &e.impact.map(|x| x.to_string()).unwrap_or_default(),
            e.treatment.name(),
            &e.status,
            &e.review_cadence,
            &e.model_ids.join(";"),
            &e.attributes.join(";"),
            &e.metrics.join(";"),
        ])
        .expect("in-memory CSV");
    }
    String::from_utf8(w.into_inner().expect("in-memory CSV")).expect("UTF-8 fields")
}
