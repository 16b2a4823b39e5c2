//! The vocabulary of what fairaudit measures and a check can judge: the
//! per-group rates, the per-attribute summaries, the score summaries, and the
//! metric a check names. The names are the serialized form (JSON report, spec
//! file, history store) and never change; a typo in code does not compile.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Error, Result};

/// Which way a metric is worse, for trends and wording.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// A gap (max − min, a difference's size): 0 is parity, larger is worse.
    HigherIsWorse,
    /// A ratio of the disadvantaged group to another: 1 is parity, smaller is worse.
    LowerIsWorse,
    /// A signed difference: 0 is parity, either sign is a gap.
    AwayFromZero,
}

/// The rates reported for every group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rate {
    /// (TP + FN) / n.
    BaseRate,
    /// (TP + FP) / n.
    SelectionRate,
    /// TP / (TP + FN).
    Tpr,
    /// FP / (FP + TN).
    Fpr,
    /// TN / (FP + TN).
    Tnr,
    /// FN / (TP + FN).
    Fnr,
    /// TP / (TP + FP).
    Ppv,
    /// TN / (TN + FN).
    Npv,
    /// FP / (TP + FP).
    Fdr,
    /// FN / (TN + FN).
    For,
    /// (TP + TN) / n.
    Accuracy,
}

impl Rate {
    /// Every rate, in report order (the index of a rate is `rate as usize`).
    pub const ALL: [Rate; 11] = [
        Rate::BaseRate,
        Rate::SelectionRate,
        Rate::Tpr,
        Rate::Fpr,
        Rate::Tnr,
        Rate::Fnr,
        Rate::Ppv,
        Rate::Npv,
        Rate::Fdr,
        Rate::For,
        Rate::Accuracy,
    ];

    /// The serialized name.
    pub fn name(self) -> &'static str {
        match self {
            Rate::BaseRate => "base_rate",
            Rate::SelectionRate => "selection_rate",
            Rate::Tpr => "tpr",
            Rate::Fpr => "fpr",
            Rate::Tnr => "tnr",
            Rate::Fnr => "fnr",
            Rate::Ppv => "ppv",
            Rate::Npv => "npv",
            Rate::Fdr => "fdr",
            Rate::For => "for",
            Rate::Accuracy => "accuracy",
        }
    }

    /// The rate of a serialized name.
    pub fn from_name(s: &str) -> Option<Rate> {
        Rate::ALL.into_iter().find(|r| r.name() == s)
    }

    /// The rate this one is the complement of (TNR = 1 − FPR, FNR = 1 − TPR,
    /// FDR = 1 − PPV, FOR = 1 − NPV): their tests are the same test.
    pub fn complement_of(self) -> Option<Rate> {
        match self {
            Rate::Tnr => Some(Rate::Fpr),
            Rate::Fnr => Some(Rate::Tpr),
            Rate::Fdr => Some(Rate::Ppv),
            Rate::For => Some(Rate::Npv),
            _ => None,
        }
    }

    /// Plain-language name for statements; `outcome` names the positive
    /// prediction ("approval").
    pub fn words(self, outcome: &str) -> String {
        match self {
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
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The per-attribute summaries of the group disparities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Summary {
    /// max − min selection rate.
    DemographicParityDifference,
    /// min / max selection rate.
    DemographicParityRatio,
    /// The lowest impact ratio.
    DisparateImpact,
    /// max − min true positive rate.
    EqualOpportunityDifference,
    /// The larger of the TPR and FPR ranges.
    EqualizedOddsDifference,
    /// ½((FPR − FPR_ref) + (TPR − TPR_ref)) of the group furthest from 0.
    AverageOddsDifference,
    /// max − min precision.
    PredictiveParityDifference,
    /// max − min accuracy.
    AccuracyDifference,
}

impl Summary {
    /// Every summary, in report order (the index is `summary as usize`).
    pub const ALL: [Summary; 8] = [
        Summary::DemographicParityDifference,
        Summary::DemographicParityRatio,
        Summary::DisparateImpact,
        Summary::EqualOpportunityDifference,
        Summary::EqualizedOddsDifference,
        Summary::AverageOddsDifference,
        Summary::PredictiveParityDifference,
        Summary::AccuracyDifference,
    ];

    /// The serialized name.
    pub fn name(self) -> &'static str {
        match self {
            Summary::DemographicParityDifference => "demographic_parity_difference",
            Summary::DemographicParityRatio => "demographic_parity_ratio",
            Summary::DisparateImpact => "disparate_impact",
            Summary::EqualOpportunityDifference => "equal_opportunity_difference",
            Summary::EqualizedOddsDifference => "equalized_odds_difference",
            Summary::AverageOddsDifference => "average_odds_difference",
            Summary::PredictiveParityDifference => "predictive_parity_difference",
            Summary::AccuracyDifference => "accuracy_difference",
        }
    }

    /// The summary of a serialized name.
    pub fn from_name(s: &str) -> Option<Summary> {
        Summary::ALL.into_iter().find(|m| m.name() == s)
    }

    /// Which way the summary is worse.
    pub fn direction(self) -> Direction {
        match self {
            Summary::DemographicParityRatio | Summary::DisparateImpact => Direction::LowerIsWorse,
            Summary::AverageOddsDifference => Direction::AwayFromZero,
            _ => Direction::HigherIsWorse,
        }
    }

    /// Where the definition is written.
    pub fn definition(self) -> &'static str {
        "docs/metrics.md#summaries-per-attribute"
    }

    /// What the summary is, for statements.
    pub fn words(self) -> &'static str {
        match self {
            Summary::DemographicParityDifference => {
                "Demographic parity difference (max − min selection rate)"
            }
            Summary::DemographicParityRatio => {
                "Demographic parity ratio (min / max selection rate)"
            }
            Summary::DisparateImpact => "Disparate impact (lowest impact ratio)",
            Summary::EqualOpportunityDifference => {
                "Equal opportunity difference (max − min true positive rate)"
            }
            Summary::EqualizedOddsDifference => {
                "Equalized odds difference (largest gap in TPR or FPR)"
            }
            Summary::AverageOddsDifference => "Average odds difference",
            Summary::PredictiveParityDifference => {
                "Predictive parity difference (max − min precision)"
            }
            Summary::AccuracyDifference => "Accuracy difference (max − min accuracy)",
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The per-attribute summaries of the score metrics (with a score column).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScoreSummary {
    /// max − min ROC AUC.
    AucDifference,
    /// Weighted range of observed rates within score bins.
    CalibrationGap,
    /// Range of the mean scores of actual positives.
    PositiveClassBalanceDifference,
    /// Range of the mean scores of actual negatives.
    NegativeClassBalanceDifference,
}

impl ScoreSummary {
    /// Every score summary, in report order.
    pub const ALL: [ScoreSummary; 4] = [
        ScoreSummary::AucDifference,
        ScoreSummary::CalibrationGap,
        ScoreSummary::PositiveClassBalanceDifference,
        ScoreSummary::NegativeClassBalanceDifference,
    ];

    /// The serialized name.
    pub fn name(self) -> &'static str {
        match self {
            ScoreSummary::AucDifference => "auc_difference",
            ScoreSummary::CalibrationGap => "calibration_gap",
            ScoreSummary::PositiveClassBalanceDifference => "positive_class_balance_difference",
            ScoreSummary::NegativeClassBalanceDifference => "negative_class_balance_difference",
        }
    }

    /// The score summary of a serialized name.
    pub fn from_name(s: &str) -> Option<ScoreSummary> {
        ScoreSummary::ALL.into_iter().find(|m| m.name() == s)
    }

    /// Where the definition is written.
    pub fn definition(self) -> &'static str {
        "docs/metrics.md#score-based-metrics-with---score-col"
    }

    /// What the summary is, for statements.
    pub fn words(self) -> &'static str {
        match self {
            ScoreSummary::AucDifference => "AUC difference (max − min ROC AUC)",
            ScoreSummary::CalibrationGap => {
                "Calibration gap (weighted range of observed rates within score bins)"
            }
            ScoreSummary::PositiveClassBalanceDifference => {
                "Balance for the positive class (range of mean scores of actual positives)"
            }
            ScoreSummary::NegativeClassBalanceDifference => {
                "Balance for the negative class (range of mean scores of actual negatives)"
            }
        }
    }
}

impl fmt::Display for ScoreSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether a per-group disparity is the difference or the ratio.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scale {
    /// The group's rate minus the reference's.
    Difference,
    /// The group's rate over the reference's.
    Ratio,
}

/// What a check measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricRef {
    /// A per-attribute summary, e.g. `equalized_odds_difference`.
    Summary(Summary),
    /// A per-attribute score summary, e.g. `auc_difference` (needs a score).
    ScoreSummary(ScoreSummary),
    /// Each group's impact ratio (the four-fifths ratio).
    ImpactRatio,
    /// Each group's difference (`<rate>_difference`) or ratio (`<rate>_ratio`)
    /// against the reference.
    Disparity(Rate, Scale),
    /// A per-group measure of a numeric outcome or of the controlled analysis.
    Beyond(Beyond),
}

/// Per-group measures beyond the binary decision: a numeric outcome's gaps
/// (with `--value`) and the controlled analysis (with `--control`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Beyond {
    /// Mean − the reference's mean (Welch interval and test).
    MeanDifference,
    /// Mean / the reference's mean (log delta-method interval, Welch test).
    MeanRatio,
    /// Cohen's d against the reference (Welch test).
    StandardizedMeanDifference,
    /// Kolmogorov–Smirnov distance to the reference's distribution.
    KsDistance,
    /// Odds ratio of the favourable decision adjusted for the controls.
    AdjustedOddsRatio,
    /// Mean difference of the numeric outcome adjusted for the controls.
    AdjustedMeanDifference,
    /// A group's rate of favourable recommendations that people overturn,
    /// minus the reference's (with `--final`).
    OverrideRateDifference,
}

impl Beyond {
    /// Every such measure.
    pub const ALL: [Beyond; 7] = [
        Beyond::MeanDifference,
        Beyond::MeanRatio,
        Beyond::StandardizedMeanDifference,
        Beyond::KsDistance,
        Beyond::AdjustedOddsRatio,
        Beyond::AdjustedMeanDifference,
        Beyond::OverrideRateDifference,
    ];

    /// Its name in checks and reports.
    pub fn name(self) -> &'static str {
        match self {
            Beyond::MeanDifference => "mean_difference",
            Beyond::MeanRatio => "mean_ratio",
            Beyond::StandardizedMeanDifference => "standardized_mean_difference",
            Beyond::KsDistance => "ks_distance",
            Beyond::AdjustedOddsRatio => "adjusted_odds_ratio",
            Beyond::AdjustedMeanDifference => "adjusted_mean_difference",
            Beyond::OverrideRateDifference => "override_rate_difference",
        }
    }

    /// Words for statements.
    pub fn words(self) -> &'static str {
        match self {
            Beyond::MeanDifference => "mean difference",
            Beyond::MeanRatio => "mean ratio",
            Beyond::StandardizedMeanDifference => "standardized mean difference (Cohen's d)",
            Beyond::KsDistance => "Kolmogorov–Smirnov distance",
            Beyond::AdjustedOddsRatio => "adjusted odds ratio",
            Beyond::AdjustedMeanDifference => "adjusted mean difference",
            Beyond::OverrideRateDifference => {
                "override-rate difference (favourable recommendations overturned)"
            }
        }
    }

    /// Whether it needs the controlled analysis (else a numeric outcome).
    pub fn controlled(self) -> bool {
        matches!(
            self,
            Beyond::AdjustedOddsRatio | Beyond::AdjustedMeanDifference
        )
    }
}

impl MetricRef {
    /// Parses a metric name as written in a check.
    pub fn parse(s: &str) -> Result<Self> {
        if let Some(m) = Summary::from_name(s) {
            return Ok(MetricRef::Summary(m));
        }
        if let Some(m) = ScoreSummary::from_name(s) {
            return Ok(MetricRef::ScoreSummary(m));
        }
        if s == "impact_ratio" {
            return Ok(MetricRef::ImpactRatio);
        }
        if let Some(b) = Beyond::ALL.into_iter().find(|b| b.name() == s) {
            return Ok(MetricRef::Beyond(b));
        }
        for (suffix, scale) in [("_difference", Scale::Difference), ("_ratio", Scale::Ratio)] {
            if let Some(rate) = s.strip_suffix(suffix).and_then(Rate::from_name) {
                return Ok(MetricRef::Disparity(rate, scale));
            }
        }
        let names = |v: &mut dyn Iterator<Item = &'static str>| v.collect::<Vec<_>>().join(", ");
        Err(Error::usage(format!(
            "unknown check metric '{s}': use a summary ({}, or with a score {}), impact_ratio, <rate>_difference / <rate>_ratio with a rate among {}, or with --value / --control {}",
            names(&mut Summary::ALL.iter().map(|m| m.name())),
            names(&mut ScoreSummary::ALL.iter().map(|m| m.name())),
            names(&mut Rate::ALL.iter().map(|r| r.name())),
            names(&mut Beyond::ALL.iter().map(|b| b.name())),
        )))
    }

    /// The serialized name.
    pub fn name(&self) -> String {
        match self {
            MetricRef::Summary(m) => m.name().to_string(),
            MetricRef::ScoreSummary(m) => m.name().to_string(),
            MetricRef::ImpactRatio => "impact_ratio".into(),
            MetricRef::Disparity(r, Scale::Ratio) => format!("{}_ratio", r.name()),
            MetricRef::Disparity(r, Scale::Difference) => format!("{}_difference", r.name()),
            MetricRef::Beyond(b) => b.name().into(),
        }
    }

    /// Whether the metric has one value per group (else one per attribute).
    pub fn per_group(&self) -> bool {
        matches!(
            self,
            MetricRef::ImpactRatio | MetricRef::Disparity(..) | MetricRef::Beyond(_)
        )
    }

    /// Which way the metric is worse.
    pub fn direction(&self) -> Direction {
        match self {
            MetricRef::Summary(m) => m.direction(),
            MetricRef::ScoreSummary(_) => Direction::HigherIsWorse,
            MetricRef::ImpactRatio | MetricRef::Disparity(_, Scale::Ratio) => {
                Direction::LowerIsWorse
            }
            MetricRef::Disparity(_, Scale::Difference) => Direction::AwayFromZero,
            MetricRef::Beyond(Beyond::MeanRatio | Beyond::AdjustedOddsRatio) => {
                Direction::LowerIsWorse
            }
            MetricRef::Beyond(Beyond::KsDistance) => Direction::HigherIsWorse,
            MetricRef::Beyond(_) => Direction::AwayFromZero,
        }
    }

    /// Where the metric is defined.
    pub fn definition(&self) -> &'static str {
        match self {
            MetricRef::Summary(m) => m.definition(),
            MetricRef::ScoreSummary(m) => m.definition(),
            MetricRef::ImpactRatio | MetricRef::Disparity(..) => {
                "docs/metrics.md#disparities-per-group-per-rate"
            }
            MetricRef::Beyond(Beyond::OverrideRateDifference) => {
                "docs/data-examination.md#human-oversight-audit-audit---final-art-14"
            }
            MetricRef::Beyond(b) if b.controlled() => {
                "docs/metrics.md#controlled-disparity-with---control-col"
            }
            MetricRef::Beyond(_) => "docs/metrics.md#numeric-outcomes-with---value-col",
        }
    }

    /// Whether this is an accuracy metric (cited under EU AI Act Art. 15).
    pub fn is_accuracy(&self) -> bool {
        matches!(
            self,
            MetricRef::Summary(Summary::AccuracyDifference)
                | MetricRef::Disparity(Rate::Accuracy, _)
        )
    }
}

impl fmt::Display for MetricRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl Serialize for MetricRef {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

impl<'de> Deserialize<'de> for MetricRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        MetricRef::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in Rate::ALL {
            assert_eq!(Rate::from_name(r.name()), Some(r));
            assert_eq!(r as usize, Rate::ALL.iter().position(|x| *x == r).unwrap());
            for scale in [Scale::Difference, Scale::Ratio] {
                let m = MetricRef::Disparity(r, scale);
                let parsed = MetricRef::parse(&m.name()).unwrap();
                // "accuracy_difference" names the summary (max − min
                // accuracy); the per-group accuracy gap has no name of its own.
                if m.name() == "accuracy_difference" {
                    assert_eq!(parsed, MetricRef::Summary(Summary::AccuracyDifference));
                } else {
                    assert_eq!(parsed, m);
                }
            }
        }
        for m in Summary::ALL {
            assert_eq!(MetricRef::parse(m.name()).unwrap(), MetricRef::Summary(m));
            assert_eq!(
                m as usize,
                Summary::ALL.iter().position(|x| *x == m).unwrap()
            );
        }
        for m in ScoreSummary::ALL {
            assert_eq!(
                MetricRef::parse(m.name()).unwrap(),
                MetricRef::ScoreSummary(m)
            );
        }
        assert_eq!(
            MetricRef::parse("impact_ratio").unwrap(),
            MetricRef::ImpactRatio
        );
        assert_eq!(
            MetricRef::parse("selection_rate_ratio").unwrap(),
            MetricRef::Disparity(Rate::SelectionRate, Scale::Ratio)
        );
        let e = MetricRef::parse("fairness").unwrap_err().to_string();
        assert!(e.contains("unknown check metric 'fairness'"), "{e}");
    }
}
