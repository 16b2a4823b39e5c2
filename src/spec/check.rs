//! The policy as written: checks with thresholds. Judging them on an audit is
//! `checks`' job; here they are only read, validated and defaulted.

use serde::{Deserialize, Serialize};

use super::metric::{MetricRef, Summary};
use crate::{Error, Result};

/// How a check decides that a breach of a fail bound is a failure
/// (docs/governance.md, "Decision rules").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EvidenceRule {
    /// The estimate breaches and a test of the compared groups rejects
    /// equality at the check's alpha (29 CFR 1607.4(D)'s practical and
    /// statistical significance); or the interval lies beyond the threshold.
    #[default]
    Significance,
    /// The estimate alone decides.
    Point,
    /// The metric's own interval must lie entirely beyond the threshold.
    Interval,
}

impl EvidenceRule {
    /// The serialized name.
    pub fn name(self) -> &'static str {
        match self {
            EvidenceRule::Significance => "significance",
            EvidenceRule::Point => "point",
            EvidenceRule::Interval => "interval",
        }
    }
}

/// The multiplicity family a check adjusts its own p-values in: its groups
/// within one attribute, never the rest of the report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// Each comparison on its own (the default).
    #[default]
    None,
    /// Holm's step-down (family-wise error rate).
    Holm,
    /// Benjamini–Hochberg (false discovery rate).
    Bh,
    /// Benjamini–Yekutieli (false discovery rate under any dependence, e.g.
    /// nested intersections).
    By,
}

impl Family {
    /// The serialized name.
    pub fn name(self) -> &'static str {
        match self {
            Family::None => "none",
            Family::Holm => "holm",
            Family::Bh => "bh",
            Family::By => "by",
        }
    }
}

/// One check of the policy, as written in the spec.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CheckDef")]
#[non_exhaustive]
pub struct Check {
    /// Stable identifier, part of every finding id. Defaults to the metric.
    pub id: Option<String>,
    /// What is judged.
    pub metric: MetricRef,
    /// Attributes or intersections ("sex & race") to judge; default all.
    pub attributes: Option<Vec<String>>,
    /// Fail when the value is below this.
    pub fail_below: Option<f64>,
    /// Fail when the value is above this.
    pub fail_above: Option<f64>,
    /// Warn when the value is below this.
    pub warn_below: Option<f64>,
    /// Warn when the value is above this.
    pub warn_above: Option<f64>,
    /// The older spelling of the decision rule: false means `point`.
    pub require_significance: bool,
    /// The decision rule (default: significance, or point when
    /// `require_significance = false`).
    pub evidence: Option<EvidenceRule>,
    /// The multiplicity family of the check's per-group p-values.
    pub family: Family,
    /// Significance level of this check (default: the statistics' alpha).
    pub alpha: Option<f64>,
    /// Title of the check's findings (default: the metric).
    pub title: Option<String>,
    /// Control identifiers added to the built-in mapping.
    pub controls: Vec<String>,
    /// When true, `controls` replaces the built-in mapping.
    pub replace_controls: bool,
    /// With a multi-outcome decision: the level judged (its rate against the
    /// rest), instead of the favourable levels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

/// A check as written in the spec file, before its metric is parsed: errors
/// then name the check.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckDef {
    #[serde(default)]
    id: Option<String>,
    metric: String,
    #[serde(default)]
    attributes: Option<Vec<String>>,
    #[serde(default)]
    fail_below: Option<f64>,
    #[serde(default)]
    fail_above: Option<f64>,
    #[serde(default)]
    warn_below: Option<f64>,
    #[serde(default)]
    warn_above: Option<f64>,
    #[serde(default)]
    require_significance: Option<bool>,
    #[serde(default)]
    evidence: Option<EvidenceRule>,
    #[serde(default)]
    family: Family,
    #[serde(default)]
    alpha: Option<f64>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    controls: Vec<String>,
    #[serde(default)]
    replace_controls: bool,
    #[serde(default)]
    outcome: Option<String>,
}

impl TryFrom<CheckDef> for Check {
    type Error = Error;

    fn try_from(d: CheckDef) -> Result<Check> {
        let id = d.id.clone().unwrap_or_else(|| d.metric.clone());
        let metric =
            MetricRef::parse(&d.metric).map_err(|e| Error::usage(format!("check '{id}': {e}")))?;
        // The older spelling and the new one must not say different things.
        if let (Some(rs), Some(ev)) = (d.require_significance, d.evidence) {
            let old = if rs {
                EvidenceRule::Significance
            } else {
                EvidenceRule::Point
            };
            if old != ev {
                return Err(Error::usage(format!(
                    "check '{id}': require_significance = {rs} (the older spelling of evidence = \"{}\") contradicts evidence = \"{}\"; give only evidence",
                    old.name(),
                    ev.name()
                )));
            }
        }
        let c = Check {
            id: d.id,
            metric,
            attributes: d.attributes,
            fail_below: d.fail_below,
            fail_above: d.fail_above,
            warn_below: d.warn_below,
            warn_above: d.warn_above,
            require_significance: d.require_significance.unwrap_or(true),
            evidence: d.evidence,
            family: d.family,
            alpha: d.alpha,
            title: d.title,
            controls: d.controls,
            replace_controls: d.replace_controls,
            outcome: d.outcome,
        };
        c.validate()?;
        Ok(c)
    }
}

impl Check {
    /// A check of `metric` with the given bounds and defaults otherwise.
    pub fn new(metric: MetricRef) -> Self {
        Check {
            id: None,
            metric,
            attributes: None,
            fail_below: None,
            fail_above: None,
            warn_below: None,
            warn_above: None,
            require_significance: true,
            evidence: None,
            family: Family::None,
            alpha: None,
            title: None,
            controls: vec![],
            replace_controls: false,
            outcome: None,
        }
    }

    /// Sets the stable id.
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Sets the title.
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// Sets the fail and warn bounds (`None` leaves a bound out).
    pub fn with_bounds(
        mut self,
        fail_below: Option<f64>,
        fail_above: Option<f64>,
        warn_below: Option<f64>,
        warn_above: Option<f64>,
    ) -> Self {
        self.fail_below = fail_below;
        self.fail_above = fail_above;
        self.warn_below = warn_below;
        self.warn_above = warn_above;
        self
    }

    /// The decision rule in force.
    pub fn rule(&self) -> EvidenceRule {
        match (self.evidence, self.require_significance) {
            (Some(r), _) => r,
            (None, true) => EvidenceRule::Significance,
            (None, false) => EvidenceRule::Point,
        }
    }

    /// The check's id: the one given, else the metric's name.
    pub fn id(&self) -> String {
        self.id.clone().unwrap_or_else(|| self.metric.name())
    }

    /// Checks that the bounds are numbers and that there is one.
    pub fn validate(&self) -> Result<()> {
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
        Ok(())
    }
}

/// The built-in policy, used when the spec names no checks: the four-fifths
/// rule on every group's impact ratio; equal opportunity and equalized odds
/// differences above 0.1 warn, above 0.2 fail.
pub fn default_policy() -> Vec<Check> {
    vec![
        Check::new(MetricRef::ImpactRatio)
            .with_id("four-fifths-rule")
            .with_title("Four-fifths rule on the favourable-outcome rate")
            .with_bounds(Some(0.8), None, None, None),
        Check::new(MetricRef::Summary(Summary::EqualOpportunityDifference))
            .with_title("Equal opportunity")
            .with_bounds(None, Some(0.2), None, Some(0.1)),
        Check::new(MetricRef::Summary(Summary::EqualizedOddsDifference))
            .with_title("Equalized odds")
            .with_bounds(None, Some(0.2), None, Some(0.1)),
    ]
}
