//! Findings: what a check concluded on one attribute (and group), with its
//! status, severity, the counts it rests on and its stable id.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::counts::{Cell, Outcome};
use crate::spec::check::{Check, EvidenceRule, Family};
use crate::spec::metric::MetricRef;
use crate::spec::RiskTier;

/// The outcome of a check on one attribute (and group).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Within every bound.
    Pass,
    /// A warn bound breached, or a fail bound without the evidence to fail.
    Warn,
    /// A fail bound breached, with the evidence the check requires.
    Fail,
    /// Too few rows to judge.
    InsufficientData,
    /// The value has a zero denominator.
    Undefined,
}

impl Status {
    /// Every status, in the order reports count them.
    pub const ALL: [Status; 5] = [
        Status::Fail,
        Status::Warn,
        Status::Pass,
        Status::InsufficientData,
        Status::Undefined,
    ];

    /// The serialized name.
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::InsufficientData => "insufficient_data",
            Status::Undefined => "undefined",
        }
    }

    /// The status of a serialized name.
    pub fn from_name(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.name() == s)
    }

    /// Whether a bound was breached (warn or fail).
    pub fn breached(self) -> bool {
        matches!(self, Status::Warn | Status::Fail)
    }
}

/// How urgent a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Nothing to act on.
    Info,
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Every severity, highest first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    /// The serialized name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The severity of a serialized name.
    pub fn from_name(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|x| x.name() == s)
    }

    fn down(self) -> Severity {
        match self {
            Severity::Critical => Severity::High,
            Severity::High => Severity::Medium,
            Severity::Medium => Severity::Low,
            _ => Severity::Low,
        }
    }
}

/// Severity from status, the evidence behind a failure and the model's risk
/// tier (documented in docs/governance.md): a failure that its test or
/// interval backs has the tier's full severity, one on the estimate alone is
/// one step lower.
pub fn severity(status: Status, backed: bool, tier: RiskTier) -> Severity {
    match status {
        Status::Pass | Status::Undefined => Severity::Info,
        Status::InsufficientData => Severity::Low,
        Status::Warn => match tier {
            RiskTier::Low => Severity::Low,
            _ => Severity::Medium,
        },
        Status::Fail => {
            let s = match tier {
                RiskTier::Low => Severity::Medium,
                RiskTier::Medium => Severity::High,
                RiskTier::High => Severity::Critical,
            };
            if backed {
                s
            } else {
                s.down()
            }
        }
    }
}

/// The counts a finding rests on: the group's and the reference's (serialized
/// as the finding's `evidence`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Basis {
    /// The group judged (per-group metrics).
    pub group: Option<BasisCounts>,
    /// The reference group, or the whole data set.
    pub reference: Option<BasisCounts>,
    /// For summaries: the groups judged, with their counts.
    pub groups: Vec<BasisCounts>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
/// The confusion counts of one group.
pub struct BasisCounts {
    /// The group.
    pub group: String,
    /// Rows.
    pub n: u64,
    /// True positives.
    pub tp: u64,
    /// False positives.
    pub fp: u64,
    /// True negatives.
    pub tn: u64,
    #[serde(rename = "fn")]
    /// False negatives.
    pub fn_: u64,
    /// TP + FP.
    pub predicted_positive: u64,
    /// TP + FN.
    pub actual_positive: u64,
}

impl BasisCounts {
    /// The counts of a named cell.
    pub fn of(name: &str, c: &Cell) -> Self {
        let g = |o: Outcome| c.n[o as usize];
        BasisCounts {
            group: name.to_string(),
            n: c.rows(),
            tp: g(Outcome::Tp),
            fp: g(Outcome::Fp),
            tn: g(Outcome::Tn),
            fn_: g(Outcome::Fn),
            predicted_positive: g(Outcome::Tp) + g(Outcome::Fp),
            actual_positive: g(Outcome::Tp) + g(Outcome::Fn),
        }
    }
}

/// The thresholds of the check behind a finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Thresholds {
    /// Fail when the value is below this.
    pub fail_below: Option<f64>,
    /// Fail when the value is above this.
    pub fail_above: Option<f64>,
    /// Warn when the value is below this.
    pub warn_below: Option<f64>,
    /// Warn when the value is above this.
    pub warn_above: Option<f64>,
    /// The older spelling of the rule (false: point).
    pub require_significance: bool,
    /// The decision rule.
    pub evidence: EvidenceRule,
    /// The multiplicity family of per-group p-values.
    pub family: Family,
    /// The check's significance level.
    pub alpha: f64,
}

impl Thresholds {
    /// The thresholds and decision rule of `check`, at significance `alpha`.
    pub fn of(check: &Check, alpha: f64) -> Self {
        Thresholds {
            fail_below: check.fail_below,
            fail_above: check.fail_above,
            warn_below: check.warn_below,
            warn_above: check.warn_above,
            require_significance: check.require_significance,
            evidence: check.rule(),
            family: check.family,
            alpha,
        }
    }

    /// No bound of a check: a built-in rule's finding (its rule is in its
    /// statement), at significance `alpha`.
    pub fn none(alpha: f64) -> Self {
        Thresholds {
            fail_below: None,
            fail_above: None,
            warn_below: None,
            warn_above: None,
            require_significance: true,
            evidence: Default::default(),
            family: Default::default(),
            alpha,
        }
    }
}

/// One check judged on one attribute (and group).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Same model, check, attribute and group → same id across runs.
    pub id: String,
    /// The check's id.
    pub check: String,
    /// Title: the check's title and where it was judged.
    pub title: String,
    /// One line that says what was found and why the status.
    pub statement: String,
    /// What was measured.
    pub metric: Measured,
    /// The attribute or intersection.
    pub attribute: String,
    /// The group (per-group metrics), or where a summary is attained.
    pub group: Option<String>,
    /// The reference group.
    pub reference: Option<String>,
    /// The measured value, when defined.
    pub value: Option<f64>,
    /// Its confidence interval.
    pub ci: Option<[f64; 2]>,
    /// The p-value of the test behind it.
    pub p_value: Option<f64>,
    /// That p-value, adjusted.
    pub p_adjusted: Option<f64>,
    /// Which test.
    pub test: Option<String>,
    /// The two groups the test compared.
    pub pair: Option<[String; 2]>,
    /// Whether the test is significant at the check's alpha.
    pub significant: Option<bool>,
    /// The check's bounds.
    pub thresholds: Thresholds,
    /// The bound that was breached, e.g. "fail_below 0.8".
    pub breached: Option<String>,
    /// Pass, warn, fail, insufficient data or undefined.
    pub status: Status,
    /// How urgent.
    pub severity: Severity,
    #[serde(rename = "evidence")]
    /// The counts it rests on.
    pub basis: Basis,
    /// Why the value is undefined or the group insufficient.
    pub reason: Option<String>,
    /// Filled in by governance.
    pub controls: Vec<String>,
    /// Matching risk-register entries (filled in by governance).
    pub risks: Vec<String>,
    /// The audit cycle of the run.
    pub cycle: String,
    /// Filled in by the history comparison.
    pub trend: Option<Trend>,
    /// Where the finding stands in its treatment (with a history store).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifecycle: Option<FindingLifecycle>,
}

/// Where a finding stands, from detection to closure.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum LifeState {
    /// Breached, no treatment decided yet.
    Open,
    /// A treatment plan is in progress.
    #[value(alias = "in_treatment")]
    InTreatment,
    /// The risk was accepted (until the acceptance expires).
    #[value(alias = "risk_accepted")]
    RiskAccepted,
    /// A later run shows it within the thresholds; closing it needs a person.
    Resolved,
    /// Closed by a person, with the run that shows it fixed.
    Closed,
}

impl LifeState {
    /// The serialized name.
    pub fn name(self) -> &'static str {
        match self {
            LifeState::Open => "open",
            LifeState::InTreatment => "in_treatment",
            LifeState::RiskAccepted => "risk_accepted",
            LifeState::Resolved => "resolved",
            LifeState::Closed => "closed",
        }
    }
}

impl FindingLifecycle {
    /// One line: "state in_treatment · owner Jane Doe · due 2026-12-31 (OVERDUE)".
    pub fn line(&self) -> String {
        let mut parts = vec![format!("state {}", self.state.name())];
        if let Some(o) = &self.owner {
            parts.push(format!("owner {o}"));
        }
        if let Some(t) = &self.treatment {
            parts.push(format!("treatment {t}"));
        }
        if let Some(d) = self.due {
            parts.push(format!(
                "due {d}{}",
                if self.overdue { " (OVERDUE)" } else { "" }
            ));
        }
        if let Some(a) = &self.accepted_by {
            let until = self
                .acceptance_expires
                .map_or(" (no expiry)".to_string(), |e| format!(" until {e}"));
            parts.push(format!(
                "risk accepted by {a}{until}{}",
                if self.waived {
                    " (waived: does not fail the gate)"
                } else {
                    " (no longer in force)"
                }
            ));
        }
        parts.join(" · ")
    }
}

/// A finding's treatment, as reports show it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FindingLifecycle {
    /// Where it stands.
    pub state: LifeState,
    /// Who owns it.
    pub owner: Option<String>,
    /// The treatment decided (mitigate, accept, transfer, avoid).
    pub treatment: Option<String>,
    /// The treatment plan.
    pub plan: Option<String>,
    /// When the treatment is due.
    pub due: Option<chrono::NaiveDate>,
    /// Who accepted the risk.
    pub accepted_by: Option<String>,
    /// Until when the acceptance holds.
    pub acceptance_expires: Option<chrono::NaiveDate>,
    /// The due date has passed while open or in treatment.
    pub overdue: bool,
    /// An unexpired risk acceptance waives it: it does not fail the gate.
    pub waived: bool,
}

/// The stable id of a finding.
pub fn finding_id(model: &str, check: &str, attribute: &str, group: Option<&str>) -> String {
    let mut h = Sha256::new();
    for part in [model, check, attribute, group.unwrap_or("")] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    format!("FA-{}", crate::digest::hex(&h.finalize()[..6]))
}

/// How a finding compares with the same finding in the previous recorded run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Trend {
    /// Not in the previous run, or breached now and not then.
    New,
    /// As before.
    Persisting,
    /// Breached before, passes now.
    Resolved,
    /// Worse by more than the noise of the two runs.
    Regressed,
}

impl Trend {
    /// Every trend state.
    pub const ALL: [Trend; 4] = [
        Trend::New,
        Trend::Persisting,
        Trend::Resolved,
        Trend::Regressed,
    ];

    /// The serialized name.
    pub fn name(self) -> &'static str {
        match self {
            Trend::New => "new",
            Trend::Persisting => "persisting",
            Trend::Resolved => "resolved",
            Trend::Regressed => "regressed",
        }
    }

    /// The trend of a serialized name.
    pub fn from_name(s: &str) -> Option<Trend> {
        Trend::ALL.into_iter().find(|x| x.name() == s)
    }
}

/// What a finding measured: a check's metric, or its change since the last
/// run (a regression finding). Serialized as the metric's name, with
/// `_change` for a change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measured {
    /// The metric of the check.
    Metric(MetricRef),
    /// The change of the check's metric since the previous recorded run.
    Change(MetricRef),
    /// The policy itself (a change of checks between runs).
    Policy,
    /// A group's rate of favourable recommendations overturned by the final
    /// (human) decision, against the reference group's.
    Oversight,
    /// A measure of the data examination.
    Data(DataMeasure),
}

/// What a data-examination finding measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataMeasure {
    /// A group's observed share over its expected share.
    Representation,
    /// Impact ratio of the label's favourable base rate.
    LabelBaseRate,
    /// Gap of the missing share between groups.
    MissingGap,
    /// Gap of the out-of-range share between groups.
    OutOfRangeGap,
    /// Bias-corrected Cramér's V of a column with an attribute.
    Proxy,
    /// Number of schema changes since the previous examination.
    SchemaChange,
    /// PSI of an attribute's mix.
    MixPsi,
    /// PSI of a group's outcome rate.
    OutcomePsi,
}

impl DataMeasure {
    /// The serialized name.
    pub fn name(self) -> &'static str {
        match self {
            DataMeasure::Representation => "representation_ratio",
            DataMeasure::LabelBaseRate => "label_base_rate_ratio",
            DataMeasure::MissingGap => "missing_share_gap",
            DataMeasure::OutOfRangeGap => "out_of_range_share_gap",
            DataMeasure::Proxy => "cramers_v_corrected",
            DataMeasure::SchemaChange => "schema_changes",
            DataMeasure::MixPsi => "attribute_mix_psi",
            DataMeasure::OutcomePsi => "outcome_rate_psi",
        }
    }
}

impl Measured {
    /// The underlying metric (none for the policy).
    pub fn metric(&self) -> Option<MetricRef> {
        match self {
            Measured::Metric(m) | Measured::Change(m) => Some(*m),
            Measured::Policy | Measured::Oversight | Measured::Data(_) => None,
        }
    }

    /// The serialized name.
    pub fn name(&self) -> String {
        match self {
            Measured::Metric(m) => m.name(),
            Measured::Change(m) => format!("{}_change", m.name()),
            Measured::Policy => "policy".into(),
            Measured::Oversight => "override_rate_difference".into(),
            Measured::Data(d) => d.name().into(),
        }
    }
}

impl std::fmt::Display for Measured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

impl Serialize for Measured {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

macro_rules! display_by_name {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.name())
            }
        }
    )*};
}
display_by_name!(Status, Severity, Trend);
