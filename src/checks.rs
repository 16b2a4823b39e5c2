//! The policy: checks with thresholds, judged on an audit, giving findings with
//! a status and a severity. Knows no file format and no governance; tags are
//! added by `governance`.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::{AttributeAudit, Audit, Ci, GroupAudit, GroupStatus, TESTED_RATES};
use crate::counts::{Cell, Outcome};
use crate::metrics::{Rate, SUMMARIES};
use crate::spec::{Favorable, ModelInfo, RiskTier};
use crate::{Error, Result};

/// What a check measures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetricRef {
    /// A per-attribute summary, e.g. `equalized_odds_difference`.
    Summary(&'static str),
    /// A per-attribute score summary, e.g. `auc_difference` (needs a score).
    ScoreSummary(&'static str),
    /// Each group's impact ratio (the four-fifths ratio).
    ImpactRatio,
    /// Each group's difference (`<rate>_difference`) or ratio (`<rate>_ratio`)
    /// against the reference.
    Disparity(Rate, bool),
}

impl MetricRef {
    pub fn parse(s: &str) -> Result<Self> {
        if let Some(&name) = SUMMARIES.iter().find(|n| **n == s) {
            return Ok(MetricRef::Summary(name));
        }
        if let Some(&name) = crate::score::SCORE_SUMMARIES.iter().find(|n| **n == s) {
            return Ok(MetricRef::ScoreSummary(name));
        }
        if s == "impact_ratio" {
            return Ok(MetricRef::ImpactRatio);
        }
        for (suffix, is_ratio) in [("_difference", false), ("_ratio", true)] {
            if let Some(rate) = s.strip_suffix(suffix).and_then(Rate::from_name) {
                return Ok(MetricRef::Disparity(rate, is_ratio));
            }
        }
        Err(Error::usage(format!(
            "unknown check metric '{s}': use a summary ({}, or with a score {}), impact_ratio, or <rate>_difference / <rate>_ratio with a rate among {}",
            SUMMARIES.join(", "),
            crate::score::SCORE_SUMMARIES.join(", "),
            Rate::ALL.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ")
        )))
    }

    pub fn name(&self) -> String {
        match self {
            MetricRef::Summary(n) | MetricRef::ScoreSummary(n) => n.to_string(),
            MetricRef::ImpactRatio => "impact_ratio".into(),
            MetricRef::Disparity(r, true) => format!("{}_ratio", r.name()),
            MetricRef::Disparity(r, false) => format!("{}_difference", r.name()),
        }
    }

    pub fn per_group(&self) -> bool {
        !matches!(self, MetricRef::Summary(_) | MetricRef::ScoreSummary(_))
    }
}

/// One check of the policy, as written in the spec.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Stable identifier, part of every finding id. Defaults to the metric.
    #[serde(default)]
    pub id: Option<String>,
    pub metric: String,
    /// Attributes or intersections ("sex & race") to judge; default all.
    #[serde(default)]
    pub attributes: Option<Vec<String>>,
    #[serde(default)]
    pub fail_below: Option<f64>,
    #[serde(default)]
    pub fail_above: Option<f64>,
    #[serde(default)]
    pub warn_below: Option<f64>,
    #[serde(default)]
    pub warn_above: Option<f64>,
    /// A breach of a fail bound fails only when significant (adjusted p < alpha).
    #[serde(default = "yes")]
    pub require_significance: bool,
    #[serde(default)]
    pub alpha: Option<f64>,
    #[serde(default)]
    pub title: Option<String>,
    /// Control identifiers added to the built-in mapping.
    #[serde(default)]
    pub controls: Vec<String>,
    /// When true, `controls` replaces the built-in mapping.
    #[serde(default)]
    pub replace_controls: bool,
}

fn yes() -> bool {
    true
}

impl Check {
    pub fn id(&self) -> String {
        self.id.clone().unwrap_or_else(|| self.metric.clone())
    }

    fn bounds(
        metric: &str,
        fail_below: Option<f64>,
        fail_above: Option<f64>,
        warn_above: Option<f64>,
    ) -> Check {
        Check {
            id: None,
            metric: metric.into(),
            attributes: None,
            fail_below,
            fail_above,
            warn_below: None,
            warn_above,
            require_significance: true,
            alpha: None,
            title: None,
            controls: vec![],
            replace_controls: false,
        }
    }

    /// Checks that a check is well formed (its metric exists, bounds are numbers).
    pub fn validate(&self) -> Result<MetricRef> {
        let m = MetricRef::parse(&self.metric)
            .map_err(|e| Error::usage(format!("check '{}': {e}", self.id())))?;
        for (name, b) in [
            ("fail_below", self.fail_below),
            ("fail_above", self.fail_above),
            ("warn_below", self.warn_below),
            ("warn_above", self.warn_above),
            ("alpha", self.alpha),
        ] {
            if let Some(v) = b {
                if !v.is_finite() {
                    return Err(Error::usage(format!(
                        "check '{}': {name} must be a finite number",
                        self.id()
                    )));
                }
            }
        }
        if self.fail_below.is_none()
            && self.fail_above.is_none()
            && self.warn_below.is_none()
            && self.warn_above.is_none()
        {
            return Err(Error::usage(format!(
                "check '{}' has no bound: give fail_below, fail_above, warn_below or warn_above",
                self.id()
            )));
        }
        Ok(m)
    }
}

/// The built-in policy, used when the spec names no checks: the four-fifths
/// rule on every group's impact ratio; equal opportunity and equalized odds
/// differences above 0.1 warn, above 0.2 fail.
pub fn default_policy() -> Vec<Check> {
    let mut four_fifths = Check::bounds("impact_ratio", Some(0.8), None, None);
    four_fifths.id = Some("four-fifths-rule".into());
    four_fifths.title = Some("Four-fifths rule on the favourable-outcome rate".into());
    let mut eo = Check::bounds("equal_opportunity_difference", None, Some(0.2), Some(0.1));
    eo.title = Some("Equal opportunity".into());
    let mut eodds = Check::bounds("equalized_odds_difference", None, Some(0.2), Some(0.1));
    eodds.title = Some("Equalized odds".into());
    vec![four_fifths, eo, eodds]
}

/// The outcome of a check on one attribute (and group).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    InsufficientData,
    Undefined,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::InsufficientData => "insufficient_data",
            Status::Undefined => "undefined",
        }
    }
}

/// How urgent a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
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

/// Severity from status, significance and the model's risk tier (documented
/// in docs/governance.md).
pub fn severity(status: Status, significant: Option<bool>, tier: RiskTier) -> Severity {
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
            if significant == Some(true) {
                s
            } else {
                s.down()
            }
        }
    }
}

/// Counts behind a finding: the group's and the reference's.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    pub group: Option<EvidenceCounts>,
    pub reference: Option<EvidenceCounts>,
    /// For summaries: the groups judged, with their counts.
    pub groups: Vec<EvidenceCounts>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EvidenceCounts {
    pub group: String,
    pub n: u64,
    pub tp: u64,
    pub fp: u64,
    pub tn: u64,
    #[serde(rename = "fn")]
    pub fn_: u64,
    pub predicted_positive: u64,
    pub actual_positive: u64,
}

impl EvidenceCounts {
    fn of(name: &str, c: &Cell) -> Self {
        let g = |o: Outcome| c.n[o as usize];
        EvidenceCounts {
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
    pub fail_below: Option<f64>,
    pub fail_above: Option<f64>,
    pub warn_below: Option<f64>,
    pub warn_above: Option<f64>,
    pub require_significance: bool,
    pub alpha: f64,
}

/// One check judged on one attribute (and group).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    /// Same model, check, attribute and group → same id across runs.
    pub id: String,
    pub check: String,
    pub title: String,
    pub statement: String,
    pub metric: String,
    pub attribute: String,
    pub group: Option<String>,
    pub reference: Option<String>,
    pub value: Option<f64>,
    pub ci: Option<[f64; 2]>,
    pub p_value: Option<f64>,
    pub p_adjusted: Option<f64>,
    pub test: Option<String>,
    pub significant: Option<bool>,
    pub thresholds: Thresholds,
    /// The bound that was breached, e.g. "fail_below 0.8".
    pub breached: Option<String>,
    pub status: Status,
    pub severity: Severity,
    pub evidence: Evidence,
    /// Why the value is undefined or the group insufficient.
    pub reason: Option<String>,
    /// Filled in by governance.
    pub controls: Vec<String>,
    pub risks: Vec<String>,
    pub cycle: String,
    /// Filled in by the history comparison (new, persisting, resolved, regressed).
    pub trend: Option<String>,
}

/// The stable id of a finding.
pub fn finding_id(model: &str, check: &str, attribute: &str, group: Option<&str>) -> String {
    let mut h = Sha256::new();
    for part in [model, check, attribute, group.unwrap_or("")] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let d = h.finalize();
    format!(
        "FA-{}",
        d.iter()
            .take(6)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

fn fmt(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.1}")
    } else if v.abs() >= 0.01 || v == 0.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

fn p_text(p: f64) -> String {
    if p < 0.001 {
        format!("{p:.1e}")
    } else {
        format!("{p:.3}")
    }
}

/// Plain-language name of a rate.
fn rate_words(rate: Rate, outcome: &str) -> String {
    match rate {
        Rate::SelectionRate => format!("{outcome} rate"),
        Rate::Tpr => "true positive rate".into(),
        Rate::Fpr => "false positive rate".into(),
        Rate::Tnr => "true negative rate".into(),
        Rate::Fnr => "false negative rate".into(),
        Rate::Ppv => "precision (PPV)".into(),
        Rate::Npv => "negative predictive value".into(),
        Rate::Fdr => "false discovery rate".into(),
        Rate::For => "false omission rate".into(),
        Rate::Accuracy => "accuracy".into(),
        Rate::BaseRate => "base rate".into(),
    }
}

fn summary_words(name: &str) -> &'static str {
    match name {
        "auc_difference" => "AUC difference (max − min ROC AUC)",
        "calibration_gap" => "Calibration gap (weighted range of observed rates within score bins)",
        "positive_class_balance_difference" => {
            "Balance for the positive class (range of mean scores of actual positives)"
        }
        "negative_class_balance_difference" => {
            "Balance for the negative class (range of mean scores of actual negatives)"
        }
        "demographic_parity_difference" => {
            "Demographic parity difference (max − min selection rate)"
        }
        "demographic_parity_ratio" => "Demographic parity ratio (min / max selection rate)",
        "disparate_impact" => "Disparate impact (lowest impact ratio)",
        "equal_opportunity_difference" => {
            "Equal opportunity difference (max − min true positive rate)"
        }
        "equalized_odds_difference" => "Equalized odds difference (largest gap in TPR or FPR)",
        "average_odds_difference" => "Average odds difference",
        "predictive_parity_difference" => "Predictive parity difference (max − min precision)",
        _ => "Accuracy difference (max − min accuracy)",
    }
}

/// The bound `v` breaches, if any: its name (`fail_below 0.8`) and words
/// (`below the 0.8 threshold`).
fn breach(
    v: f64,
    below: Option<f64>,
    above: Option<f64>,
    kind: &str,
    words: &str,
) -> Option<(String, String)> {
    match (below, above) {
        (Some(b), _) if v < b => Some((
            format!("{kind}_below {b}"),
            format!("below the {b} {words}"),
        )),
        (_, Some(a)) if v > a => Some((
            format!("{kind}_above {a}"),
            format!("above the {a} {words}"),
        )),
        _ => None,
    }
}

/// Status from bounds and significance; the breached bound.
fn judge(v: f64, c: &Check, significant: Option<bool>) -> (Status, Option<String>, Option<String>) {
    let fail = breach(v, c.fail_below, c.fail_above, "fail", "threshold");
    let warn = breach(v, c.warn_below, c.warn_above, "warn", "warning threshold");
    match (fail, warn) {
        (Some((b, t)), _) => {
            if !c.require_significance || significant == Some(true) {
                (Status::Fail, Some(b), Some(t))
            } else {
                // A breach that may be noise is a warning, not a failure.
                (
                    Status::Warn,
                    Some(b),
                    Some(format!("{t}, but a failure needs statistical significance")),
                )
            }
        }
        (None, Some((b, t))) => (Status::Warn, Some(b), Some(t)),
        (None, None) => (Status::Pass, None, Some("within the thresholds".into())),
    }
}

fn significance_text(
    significant: Option<bool>,
    p_adj: Option<f64>,
    adjust: &str,
    smallest: bool,
) -> String {
    let pfx = if smallest { "smallest adjusted p" } else { "p" };
    match (significant, p_adj) {
        (Some(true), Some(p)) => format!(
            "significant after {adjust} correction, {pfx} = {}",
            p_text(p)
        ),
        (Some(false), Some(p)) => format!(
            "not significant after {adjust} correction, {pfx} = {}",
            p_text(p)
        ),
        _ => "no significance test applies".into(),
    }
}

/// The (p, p_adjusted, test) of the smallest adjusted p among tests.
type TestEvidence = (f64, f64, String);

/// What a check concluded on one value, with the statistics behind it.
struct Judgement {
    value: Option<f64>,
    ci: Ci,
    test: Option<TestEvidence>,
    significant: Option<bool>,
    breached: Option<String>,
    status: Status,
    reason: Option<String>,
}

/// Where findings are made: one check on one attribute. Per-group and summary
/// findings differ only in the group, wording and evidence given to
/// [`Site::finding`].
struct Site<'a> {
    check: &'a Check,
    metric: &'a MetricRef,
    model: &'a ModelInfo,
    attribute: &'a str,
    reference: &'a str,
    thresholds: &'a Thresholds,
    cycle: &'a str,
}

impl Site<'_> {
    /// `id_group` is the group in the finding's stable id (none for a
    /// summary); `group` the group it names (for a summary, where it is attained).
    fn finding(
        &self,
        id_group: Option<&str>,
        group: Option<String>,
        title: String,
        statement: String,
        j: Judgement,
        evidence: Evidence,
    ) -> Finding {
        let check = self.check.id();
        Finding {
            id: finding_id(&self.model.id, &check, self.attribute, id_group),
            check,
            title,
            statement,
            metric: self.metric.name(),
            attribute: self.attribute.to_string(),
            group,
            reference: Some(self.reference.to_string()),
            value: j.value,
            ci: j.ci.map(|(a, b)| [a, b]),
            p_value: j.test.as_ref().map(|t| t.0),
            p_adjusted: j.test.as_ref().map(|t| t.1),
            test: j.test.map(|t| t.2),
            significant: j.significant,
            thresholds: self.thresholds.clone(),
            breached: j.breached,
            status: j.status,
            severity: severity(j.status, j.significant, self.model.risk_tier),
            evidence,
            reason: j.reason,
            controls: vec![],
            risks: vec![],
            cycle: self.cycle.to_string(),
            trend: None,
        }
    }
}

fn smallest(tests: impl Iterator<Item = TestEvidence>) -> Option<TestEvidence> {
    tests.min_by(|a, b| a.1.total_cmp(&b.1))
}

fn group_test(g: &GroupAudit, rate: Rate) -> Option<TestEvidence> {
    g.disparities
        .iter()
        .find(|d| d.rate == rate)
        .and_then(|d| d.test.as_ref().ok())
        .map(|t| (t.p_value, t.p_adjusted, t.kind.name().to_string()))
}

/// The test that stands behind a summary (see docs/governance.md).
fn summary_test(a: &AttributeAudit, name: &str) -> Option<TestEvidence> {
    let judged = || {
        a.groups
            .iter()
            .filter(|g| g.status.is_ok() && !g.is_reference)
    };
    let over = |rates: &[Rate]| {
        smallest(judged().flat_map(|g| rates.iter().filter_map(move |r| group_test(g, *r))))
    };
    match name {
        "demographic_parity_difference" | "demographic_parity_ratio" => a
            .chi_square
            .as_ref()
            .ok()
            .map(|c| (c.result.p_value, c.p_adjusted, "chi_square".to_string())),
        "disparate_impact" | "average_odds_difference" => {
            let rates: &[Rate] = if name == "disparate_impact" {
                &[Rate::SelectionRate]
            } else {
                &[Rate::Tpr, Rate::Fpr]
            };
            let group = a.summary.get(name)?.group.clone()?;
            let g = a.groups.iter().find(|g| g.group.name == group)?;
            smallest(rates.iter().filter_map(|r| group_test(g, *r)))
        }
        "equal_opportunity_difference" => over(&[Rate::Tpr]),
        "equalized_odds_difference" => over(&[Rate::Tpr, Rate::Fpr]),
        "predictive_parity_difference" => over(&[Rate::Ppv]),
        _ => None,
    }
}

/// Judges the policy on an audit.
pub fn evaluate(
    audit: &Audit,
    policy: &[Check],
    model: &ModelInfo,
    cycle: &str,
) -> Result<Vec<Finding>> {
    let st = &audit.spec.stats;
    let adjust = st.p_adjust.label();
    let level = format!("{:.0}%", 100.0 * st.ci_level);
    let outcome = model.outcome.as_deref().unwrap_or("positive-outcome");
    let mut out = vec![];
    for check in policy {
        let metric = check.validate()?;
        let alpha = check.alpha.unwrap_or(st.alpha);
        let thresholds = Thresholds {
            fail_below: check.fail_below,
            fail_above: check.fail_above,
            warn_below: check.warn_below,
            warn_above: check.warn_above,
            require_significance: check.require_significance,
            alpha,
        };
        let attrs: Vec<&AttributeAudit> = match &check.attributes {
            None => audit.attributes.iter().collect(),
            Some(names) => names
                .iter()
                .map(|n| {
                    audit.attributes.iter().find(|a| &a.name == n).ok_or_else(|| {
                        Error::usage(format!(
                            "check '{}' names attribute '{n}', which the audit does not have; it has: {}",
                            check.id(),
                            audit.attributes.iter().map(|a| a.name.as_str()).collect::<Vec<_>>().join(", ")
                        ))
                    })
                })
                .collect::<Result<_>>()?,
        };
        let title_base = check.title.clone().unwrap_or_else(|| check.metric.clone());
        for a in attrs {
            let reference = a.reference_name.clone();
            let ref_cell = a
                .groups
                .iter()
                .find(|g| g.is_reference)
                .map(|g| &g.group.cell);
            let ref_desc = if reference == "(overall)" {
                "the whole data set".to_string()
            } else {
                format!("{} = {reference}", a.name)
            };
            let site = Site {
                check,
                metric: &metric,
                model,
                attribute: &a.name,
                reference: &reference,
                thresholds: &thresholds,
                cycle,
            };
            let ref_evidence = || {
                ref_cell
                    .map(|c| EvidenceCounts::of(&reference, c))
                    .or_else(|| Some(EvidenceCounts::of("(overall)", &audit.overall.cell)))
            };
            if metric.per_group() {
                for g in a.groups.iter().filter(|g| !g.is_reference) {
                    let (value, ci, test): (Option<f64>, Ci, Option<TestEvidence>) = match &metric {
                        MetricRef::ImpactRatio => (
                            g.impact_ratio.get(),
                            g.impact_ratio_ci,
                            group_test(g, Rate::SelectionRate),
                        ),
                        MetricRef::Disparity(r, is_ratio) => {
                            let d = g
                                .disparities
                                .iter()
                                .find(|d| d.rate == *r)
                                .expect("every rate");
                            let (v, ci) = if *is_ratio {
                                (d.value.ratio.get(), d.ratio_ci)
                            } else {
                                (d.value.difference.get(), d.difference_ci)
                            };
                            (
                                v,
                                ci,
                                if TESTED_RATES.contains(r) {
                                    group_test(g, *r)
                                } else {
                                    None
                                },
                            )
                        }
                        MetricRef::Summary(_) | MetricRef::ScoreSummary(_) => unreachable!(),
                    };
                    let significant = test.as_ref().map(|t| t.1 < alpha);
                    let group_desc = format!("{} = {}", a.name, g.group.name);
                    let (status, breached, verdict, reason) = match (&g.status, value) {
                        (GroupStatus::InsufficientData(why), _) => {
                            (Status::InsufficientData, None, None, Some(why.clone()))
                        }
                        (_, None) => {
                            let why = match &metric {
                                MetricRef::ImpactRatio => g.impact_ratio.reason().map(String::from),
                                MetricRef::Disparity(r, is_ratio) => {
                                    let d = g
                                        .disparities
                                        .iter()
                                        .find(|d| d.rate == *r)
                                        .expect("every rate");
                                    if *is_ratio {
                                        d.value.ratio.reason()
                                    } else {
                                        d.value.difference.reason()
                                    }
                                    .map(String::from)
                                }
                                _ => None,
                            };
                            (Status::Undefined, None, None, why)
                        }
                        (_, Some(v)) => {
                            let (s, b, t) = judge(v, check, significant);
                            (s, b, t, None)
                        }
                    };
                    let ci_text = ci
                        .map(|(lo, hi)| format!(" ({level} CI {}–{})", fmt(lo), fmt(hi)))
                        .unwrap_or_default();
                    let statement = match (status, value) {
                        (Status::InsufficientData, _) => format!(
                            "{group_desc} has too few rows to judge {} ({}); reported, not judged",
                            check.metric,
                            reason.clone().unwrap_or_default()
                        ),
                        (_, None) => format!(
                            "{} for {group_desc} is undefined: {}",
                            check.metric,
                            reason.clone().unwrap_or_default()
                        ),
                        (_, Some(v)) => {
                            let head = match &metric {
                                MetricRef::ImpactRatio => {
                                    let words = match audit.spec.favorable {
                                        Favorable::Positive => format!("{} rate", capitalize(outcome)),
                                        Favorable::Negative => format!("Favourable-outcome rate (not {outcome})"),
                                    };
                                    format!("{words} for {group_desc} is {} of the rate for {ref_desc}{ci_text}", fmt(v))
                                }
                                MetricRef::Disparity(r, true) => format!(
                                    "{} for {group_desc} is {} times that of {ref_desc}{ci_text}",
                                    capitalize(&rate_words(*r, outcome)),
                                    fmt(v)
                                ),
                                MetricRef::Disparity(r, false) => format!(
                                    "{} for {group_desc} is {} {} than for {ref_desc} (difference {}{ci_text})",
                                    capitalize(&rate_words(*r, outcome)),
                                    fmt(v.abs()),
                                    if v < 0.0 { "lower" } else { "higher" },
                                    fmt(v)
                                ),
                                MetricRef::Summary(_) | MetricRef::ScoreSummary(_) => unreachable!(),
                            };
                            format!(
                                "{head}; {}; {}",
                                verdict.clone().unwrap_or_default(),
                                significance_text(
                                    significant,
                                    test.as_ref().map(|t| t.1),
                                    adjust,
                                    false
                                )
                            )
                        }
                    };
                    let judgement = Judgement {
                        value,
                        ci,
                        test,
                        significant,
                        breached,
                        status,
                        reason,
                    };
                    out.push(site.finding(
                        Some(&g.group.name),
                        Some(g.group.name.clone()),
                        format!("{title_base}: {group_desc}"),
                        statement,
                        judgement,
                        Evidence {
                            group: Some(EvidenceCounts::of(&g.group.name, &g.group.cell)),
                            reference: ref_evidence(),
                            groups: vec![],
                        },
                    ));
                }
            } else {
                let (name, sv, ci, test) = match metric {
                    MetricRef::Summary(name) => {
                        let k = SUMMARIES.iter().position(|n| *n == name).expect("summary");
                        (
                            name,
                            a.summary.values[k].1.clone(),
                            a.summary_ci[k],
                            summary_test(a, name),
                        )
                    }
                    MetricRef::ScoreSummary(name) => {
                        let v = a
                            .score_summary
                            .iter()
                            .find(|(n, _)| *n == name)
                            .map(|(_, v)| v.clone())
                            .unwrap_or_else(|| {
                                crate::metrics::Value::Undefined(
                                    "no score column: pass --score COL".into(),
                                )
                            });
                        (
                            name,
                            crate::metrics::SummaryValue {
                                value: v,
                                group: None,
                            },
                            None,
                            None,
                        )
                    }
                    _ => unreachable!(),
                };
                let sv = &sv;
                let value = sv.value.get();
                let significant = test.as_ref().map(|t| t.1 < alpha);
                let judged = a.groups.iter().filter(|g| g.status.is_ok()).count();
                let (status, breached, verdict, reason) = match value {
                    None if judged < 2 => (
                        Status::InsufficientData,
                        None,
                        None,
                        Some(format!(
                            "{judged} group(s) large enough to judge: {}",
                            sv.value.reason().unwrap_or_default()
                        )),
                    ),
                    None => (
                        Status::Undefined,
                        None,
                        None,
                        sv.value.reason().map(String::from),
                    ),
                    Some(v) => {
                        let (s, b, t) = judge(v, check, significant);
                        (s, b, t, None)
                    }
                };
                let ci_text = ci
                    .map(|(lo, hi)| format!(" ({level} CI {}–{})", fmt(lo), fmt(hi)))
                    .unwrap_or_default();
                let group_note = sv
                    .group
                    .as_ref()
                    .map(|g| format!(", at {} = {g}", a.name))
                    .unwrap_or_default();
                let statement = match value {
                    Some(v) => format!(
                        "{} across {} is {}{group_note}{ci_text}; {}; {}",
                        summary_words(name),
                        a.name,
                        fmt(v),
                        verdict.clone().unwrap_or_default(),
                        significance_text(
                            significant,
                            test.as_ref().map(|t| t.1),
                            adjust,
                            !matches!(
                                name,
                                "demographic_parity_difference"
                                    | "demographic_parity_ratio"
                                    | "disparate_impact"
                            )
                        )
                    ),
                    None => format!(
                        "{} across {} is undefined: {}",
                        summary_words(name),
                        a.name,
                        reason.clone().unwrap_or_default()
                    ),
                };
                let judgement = Judgement {
                    value,
                    ci,
                    test,
                    significant,
                    breached,
                    status,
                    reason,
                };
                out.push(
                    site.finding(
                        None,
                        sv.group.clone(),
                        format!("{title_base}: {}", a.name),
                        statement,
                        judgement,
                        Evidence {
                            group: None,
                            reference: ref_evidence(),
                            groups: a
                                .groups
                                .iter()
                                .filter(|g| g.status.is_ok())
                                .map(|g| EvidenceCounts::of(&g.group.name, &g.group.cell))
                                .collect(),
                        },
                    ),
                );
            }
        }
    }
    Ok(out)
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        fb: Option<f64>,
        fa: Option<f64>,
        wb: Option<f64>,
        wa: Option<f64>,
        sig: bool,
    ) -> Check {
        Check {
            id: None,
            metric: "impact_ratio".into(),
            attributes: None,
            fail_below: fb,
            fail_above: fa,
            warn_below: wb,
            warn_above: wa,
            require_significance: sig,
            alpha: None,
            title: None,
            controls: vec![],
            replace_controls: false,
        }
    }

    #[test]
    fn judging_bounds_and_significance() {
        let c = check(Some(0.8), None, Some(0.9), None, true);
        assert_eq!(judge(0.75, &c, Some(true)).0, Status::Fail);
        assert_eq!(judge(0.75, &c, Some(false)).0, Status::Warn);
        assert_eq!(judge(0.75, &c, None).0, Status::Warn);
        assert_eq!(judge(0.85, &c, Some(true)).0, Status::Warn);
        assert_eq!(judge(0.95, &c, Some(true)).0, Status::Pass);
        let c = check(None, Some(0.2), None, Some(0.1), false);
        assert_eq!(judge(0.25, &c, Some(false)).0, Status::Fail);
        assert_eq!(judge(0.15, &c, None).0, Status::Warn);
        assert_eq!(judge(0.05, &c, None).1, None);
        assert_eq!(judge(0.25, &c, None).1.as_deref(), Some("fail_above 0.2"));
    }

    #[test]
    fn severity_table() {
        use RiskTier::*;
        assert_eq!(severity(Status::Fail, Some(true), High), Severity::Critical);
        assert_eq!(severity(Status::Fail, Some(false), High), Severity::High);
        assert_eq!(severity(Status::Fail, Some(true), Medium), Severity::High);
        assert_eq!(severity(Status::Fail, Some(true), Low), Severity::Medium);
        assert_eq!(severity(Status::Warn, None, High), Severity::Medium);
        assert_eq!(severity(Status::Warn, None, Low), Severity::Low);
        assert_eq!(
            severity(Status::InsufficientData, None, High),
            Severity::Low
        );
        assert_eq!(severity(Status::Pass, Some(true), High), Severity::Info);
    }

    #[test]
    fn metric_names_parse() {
        assert_eq!(
            MetricRef::parse("impact_ratio").unwrap(),
            MetricRef::ImpactRatio
        );
        assert_eq!(
            MetricRef::parse("tpr_difference").unwrap(),
            MetricRef::Disparity(Rate::Tpr, false)
        );
        assert_eq!(
            MetricRef::parse("selection_rate_ratio").unwrap(),
            MetricRef::Disparity(Rate::SelectionRate, true)
        );
        assert_eq!(
            MetricRef::parse("equalized_odds_difference").unwrap(),
            MetricRef::Summary("equalized_odds_difference")
        );
        let e = MetricRef::parse("fairness").unwrap_err().to_string();
        assert!(e.contains("unknown check metric 'fairness'"), "{e}");
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = finding_id("m", "four-fifths-rule", "sex", Some("female"));
        assert_eq!(
            a,
            finding_id("m", "four-fifths-rule", "sex", Some("female"))
        );
        assert_ne!(a, finding_id("m", "four-fifths-rule", "sex", Some("male")));
        assert_ne!(
            a,
            finding_id("m2", "four-fifths-rule", "sex", Some("female"))
        );
        // No ambiguity from concatenation.
        assert_ne!(
            finding_id("ab", "c", "d", None),
            finding_id("a", "bc", "d", None)
        );
        assert!(a.starts_with("FA-") && a.len() == 15);
    }
}
