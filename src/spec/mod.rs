//! What to audit and how: columns, attributes, reference groups and options.
//! Built from CLI flags (and, later, a TOML specification); never reads data.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// File formats fairaudit reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// Comma-separated values with a header.
    #[value(alias = "txt")]
    Csv,
    /// Apache Parquet.
    #[value(alias = "pq")]
    Parquet,
    /// Newline-delimited JSON.
    #[value(alias = "jsonl", alias = "json")]
    Ndjson,
    /// Arrow IPC (Feather v2).
    #[value(alias = "arrow", alias = "feather")]
    Ipc,
}

impl InputFormat {
    /// The format implied by a file's extension, if it is one we know.
    pub fn from_path(path: &std::path::Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "txt" => Some(InputFormat::Csv),
            "parquet" | "pq" => Some(InputFormat::Parquet),
            "ndjson" | "jsonl" | "json" => Some(InputFormat::Ndjson),
            "arrow" | "ipc" | "feather" => Some(InputFormat::Ipc),
            _ => None,
        }
    }

    /// Parses a format name (the spec file's `format`).
    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(InputFormat::Csv),
            "parquet" => Ok(InputFormat::Parquet),
            "ndjson" | "jsonl" | "json" => Ok(InputFormat::Ndjson),
            "ipc" | "arrow" | "feather" => Ok(InputFormat::Ipc),
            other => Err(Error::usage(format!(
                "unknown input format '{other}': expected csv, parquet, ndjson or ipc"
            ))),
        }
    }

    /// Display name in messages.
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Csv => "CSV",
            InputFormat::Parquet => "Parquet",
            InputFormat::Ndjson => "NDJSON",
            InputFormat::Ipc => "Arrow IPC",
        }
    }
}

/// Which predicted outcome benefits the person: approval is favourable in a
/// loan-approval file, while a "high-priced loan" flag is adverse.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Favorable {
    /// The positive prediction benefits the person (approval).
    #[default]
    Positive,
    /// The positive prediction harms the person (a high-risk flag).
    Negative,
}

/// How the reference group of an attribute is chosen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReferenceStrategy {
    /// The group with most rows.
    Largest,
    /// The group with the highest favourable-outcome rate.
    Best,
    /// The whole data set.
    Overall,
}

impl fmt::Display for ReferenceStrategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ReferenceStrategy::Largest => "largest",
            ReferenceStrategy::Best => "best",
            ReferenceStrategy::Overall => "overall",
        })
    }
}

/// Reference groups: one strategy for every attribute, and named groups for some.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct References {
    /// How a reference is chosen where none is named.
    pub strategy: ReferenceStrategy,
    /// Attribute (or intersection) name → group name.
    pub named: BTreeMap<String, String>,
}

impl Default for References {
    fn default() -> Self {
        References {
            strategy: ReferenceStrategy::Largest,
            named: BTreeMap::new(),
        }
    }
}

impl References {
    /// Parses the values of repeated `--reference` flags: at most one strategy
    /// (`largest|best|overall`) and any number of `ATTR=GROUP`.
    pub fn parse(values: &[String]) -> Result<Self> {
        let mut r = References::default();
        let mut strategy_seen = false;
        for v in values {
            if let Some((attr, group)) = v.split_once('=') {
                let attr = attr.trim();
                if attr.is_empty() {
                    return Err(Error::usage(format!(
                        "--reference '{v}': expected ATTR=GROUP with a non-empty attribute"
                    )));
                }
                r.named.insert(attr.to_string(), group.to_string());
            } else {
                if strategy_seen {
                    return Err(Error::usage(
                        "--reference names more than one strategy; give one of largest, best, overall, plus any ATTR=GROUP",
                    ));
                }
                strategy_seen = true;
                r.strategy = match v.as_str() {
                    "largest" => ReferenceStrategy::Largest,
                    "best" => ReferenceStrategy::Best,
                    "overall" => ReferenceStrategy::Overall,
                    other => {
                        return Err(Error::usage(format!(
                            "--reference '{other}': expected largest, best, overall or ATTR=GROUP"
                        )))
                    }
                };
            }
        }
        Ok(r)
    }
}

/// The columns of a decisions file.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Columns {
    /// The true outcome.
    pub label: String,
    /// `None`: use `y_pred` if present, else derive from the score.
    pub prediction: Option<String>,
    /// The score in [0, 1].
    pub score: Option<String>,
    /// The score at or above which the decision is positive (without a prediction column).
    pub threshold: f64,
    /// Sample weights.
    pub weight: Option<String>,
    /// The value of label and prediction that counts as positive, when they are
    /// not 0/1 or true/false.
    pub positive: Option<String>,
}

/// The default prediction column.
pub const DEFAULT_PREDICTION: &str = "y_pred";

impl Default for Columns {
    fn default() -> Self {
        Columns {
            label: "y_true".into(),
            prediction: None,
            score: None,
            threshold: 0.5,
            weight: None,
            positive: None,
        }
    }
}

/// Options of the statistics: intervals, tests, small groups.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct StatOptions {
    /// Confidence level of every interval.
    pub ci_level: f64,
    /// Interval on rates.
    pub ci_method: crate::stats::CiMethod,
    /// Bootstrap replicates for the summaries' intervals (0: none).
    pub bootstrap: usize,
    /// Seed of the bootstrap.
    pub seed: u64,
    /// Adjustment of the report's p-values.
    pub p_adjust: crate::stats::PAdjust,
    /// Significance level for "significant" flags.
    pub alpha: f64,
    /// α of the generalized entropy index.
    pub ge_alpha: f64,
    /// Groups with fewer rows are `insufficient_data`.
    pub min_group_size: u64,
    /// Groups with a smaller share of rows are `insufficient_data`.
    pub min_group_share: f64,
}

impl Default for StatOptions {
    fn default() -> Self {
        StatOptions {
            ci_level: 0.95,
            ci_method: crate::stats::CiMethod::Wilson,
            bootstrap: 1000,
            seed: 20_240_613,
            p_adjust: crate::stats::PAdjust::Holm,
            alpha: 0.05,
            ge_alpha: 2.0,
            min_group_size: 30,
            min_group_share: 0.0,
        }
    }
}

impl StatOptions {
    /// Checks the values.
    pub fn validate(&self) -> Result<()> {
        // A level so close to 1 that its upper tail rounds away has no
        // quantile a double can hold.
        if !(self.ci_level > 0.0 && 1.0 - (1.0 - self.ci_level) / 2.0 < 1.0) {
            return Err(Error::usage(format!(
                "--ci-level must be between 0 and 1 (e.g. 0.95), not {}",
                self.ci_level
            )));
        }
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(Error::usage(format!(
                "--alpha must be between 0 and 1, not {}",
                self.alpha
            )));
        }
        if !(0.0..1.0).contains(&self.min_group_share) {
            return Err(Error::usage(format!(
                "--min-group-share must be in [0, 1), not {}",
                self.min_group_share
            )));
        }
        Ok(())
    }
}

/// The model's risk tier: sets severities and audit cadences.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum RiskTier {
    /// Low risk.
    Low,
    /// Medium risk.
    #[default]
    Medium,
    /// High risk (e.g. credit scoring under the EU AI Act).
    High,
}

impl RiskTier {
    /// The serialized name.
    pub fn name(self) -> &'static str {
        match self {
            RiskTier::Low => "low",
            RiskTier::Medium => "medium",
            RiskTier::High => "high",
        }
    }
}

/// The audited model's identity (the `[model]` table of a spec).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ModelInfo {
    /// Stable id: part of every finding id.
    pub id: String,
    #[serde(default)]
    /// Display name.
    pub name: Option<String>,
    #[serde(default)]
    /// Version.
    pub version: Option<String>,
    #[serde(default)]
    /// Owner (the accountable team or person).
    pub owner: Option<String>,
    #[serde(default)]
    /// What it decides.
    pub use_case: Option<String>,
    #[serde(default)]
    /// Risk tier: severities and cadences.
    pub risk_tier: RiskTier,
    /// e.g. "Annex III 5(b)" for credit scoring.
    #[serde(default)]
    pub eu_ai_act_high_risk: Option<String>,
    /// What the positive prediction means, for statements ("approval").
    #[serde(default)]
    pub outcome: Option<String>,
    /// Lifecycle phase of the audited system: sets the controls a run evidences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<governance::Phase>,
    /// The organisation's role under the EU AI Act.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<governance::Role>,
    /// The model's name as an asset in the GRC tool (CISO Assistant's
    /// `assets` column) [default: the id].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
}

impl Default for ModelInfo {
    fn default() -> Self {
        ModelInfo {
            id: "unnamed-model".into(),
            name: None,
            version: None,
            owner: None,
            use_case: None,
            risk_tier: RiskTier::Medium,
            eu_ai_act_high_risk: None,
            outcome: None,
            phase: None,
            role: None,
            asset: None,
        }
    }
}

/// How data files are read: which path counts the rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Reader {
    /// Parquet files and quote-free CSV files are counted on codes;
    /// weights, scores, a CSV file's numeric outcome and quoted CSV go
    /// through polars' streaming group-by (`--verbose` says which ran).
    #[default]
    Auto,
    /// polars' streaming group-by for every file (same report, slower).
    General,
}

/// Everything the engine needs to audit one or more files.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AuditSpec {
    /// Data files.
    pub data: Vec<PathBuf>,
    /// Pre-aggregated counts tables (docs/counts-format.md), merged with the data.
    pub counts: Vec<PathBuf>,
    /// The format, when extensions do not tell.
    pub input_format: Option<InputFormat>,
    /// How data files are read (`--reader`); not part of the audit's meaning.
    #[serde(skip)]
    pub reader: Reader,
    /// Column names.
    pub columns: Columns,
    /// Protected attributes.
    pub attributes: Vec<String>,
    /// Also audit every intersection.
    pub intersect: bool,
    /// Reference groups.
    pub references: References,
    /// Which prediction is favourable.
    pub favorable: Favorable,
    /// Statistics.
    pub stats: StatOptions,
    /// Bins of the score histograms (with a score column).
    pub score_bins: usize,
    /// Bins of the calibration (reliability) table; must divide `score_bins`.
    pub calibration_bins: usize,
    /// A legitimate factor to condition on (conditional demographic parity).
    pub stratify: Option<String>,
    /// A PostgreSQL table whose counts the server computes (`--postgres`).
    pub postgres: Option<PostgresSource>,
    /// A decision of more than two outcomes (`--outcomes`).
    pub outcomes: Option<Outcomes>,
    /// A numeric outcome (`--value`): a price, an amount, a regression prediction.
    pub value: Option<ValueSpec>,
    /// Legitimate factors (categorical columns) the controlled analysis
    /// adjusts for (`--control`, repeatable).
    pub controls: Vec<String>,
    /// Numeric controls are cut into this many quantile bands (`--control-bins`).
    pub control_bins: Option<usize>,
    /// The band edges of each banded control (computed from the data, not
    /// set by users).
    pub control_bands: BTreeMap<String, Vec<f64>>,
    /// The final (human) decision beside the model's recommendation
    /// (`--final`): the human-oversight audit.
    pub final_decision: Option<String>,
}

/// A numeric outcome column, and for a regression prediction its true value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ValueSpec {
    /// The numeric outcome (rate spread, APR, credit limit, predicted amount).
    pub column: String,
    /// The true value, when `column` is a regression prediction: errors by group.
    pub truth: Option<String>,
}

/// A decision with more than two outcomes (e.g. Low / Medium / High, or
/// approved / approved-not-accepted / denied / withdrawn): its levels, which
/// are favourable, and optionally bands that map a numeric prediction column
/// (a decile score) onto the levels.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcomes {
    /// The levels, in order.
    pub levels: Vec<String>,
    /// The favourable levels: their union is the binary decision the fairness
    /// metrics and the four-fifths rule judge.
    pub favorable: Vec<String>,
    /// Numeric bands of the prediction column, `level = [low, high]` (inclusive).
    #[serde(default)]
    pub bands: Vec<Band>,
}

/// A numeric band of the prediction column that is one outcome level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Band {
    /// The level.
    pub level: String,
    /// Lowest value (inclusive).
    pub low: f64,
    /// Highest value (inclusive).
    pub high: f64,
}

impl Outcomes {
    /// Checks the levels, favourable levels and bands.
    pub fn validate(&self) -> Result<()> {
        if self.levels.len() < 2 {
            return Err(Error::usage(
                "--outcomes needs at least two levels, e.g. --outcomes Low,Medium,High",
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for l in &self.levels {
            if l.is_empty() || !seen.insert(l) {
                return Err(Error::usage(format!(
                    "outcome level '{l}' is empty or given twice"
                )));
            }
        }
        if self.favorable.is_empty() {
            return Err(Error::usage(
                "name the favourable outcome level(s) with --favorable-outcome LEVEL",
            ));
        }
        for f in &self.favorable {
            if !self.levels.contains(f) {
                return Err(Error::usage(format!(
                    "favourable outcome '{f}' is not one of the levels {}",
                    self.levels.join(", ")
                )));
            }
        }
        if self.favorable.len() == self.levels.len() {
            return Err(Error::usage(
                "every outcome level is favourable: nothing to compare",
            ));
        }
        for b in &self.bands {
            if !self.levels.contains(&b.level) {
                return Err(Error::usage(format!(
                    "outcome band '{}' is not one of the levels {}",
                    b.level,
                    self.levels.join(", ")
                )));
            }
            // NaN bounds fail too.
            if b.low
                .partial_cmp(&b.high)
                .is_none_or(|o| o == std::cmp::Ordering::Greater)
            {
                return Err(Error::usage(format!(
                    "outcome band {}: low {} is above high {}",
                    b.level, b.low, b.high
                )));
            }
        }
        for (i, a) in self.bands.iter().enumerate() {
            for b in &self.bands[i + 1..] {
                if a.low <= b.high && b.low <= a.high {
                    return Err(Error::usage(format!(
                        "outcome bands {} [{}, {}] and {} [{}, {}] overlap",
                        a.level, a.low, a.high, b.level, b.low, b.high
                    )));
                }
            }
        }
        Ok(())
    }

    /// The level of a raw prediction value: by band when there are bands,
    /// else the value itself when it is a level.
    pub fn level_of(&self, raw: &str) -> Option<usize> {
        if self.bands.is_empty() {
            return self.levels.iter().position(|l| l == raw);
        }
        let x: f64 = raw.trim().parse().ok()?;
        let b = self.bands.iter().find(|b| b.low <= x && x <= b.high)?;
        self.levels.iter().position(|l| *l == b.level)
    }

    /// Parses `LEVEL=LOW:HIGH` (`--outcome-band`).
    pub fn parse_band(s: &str) -> Result<Band> {
        let bad = || {
            Error::usage(format!(
                "--outcome-band '{s}': expected LEVEL=LOW:HIGH, e.g. Low=1:4"
            ))
        };
        let (level, range) = s.split_once('=').ok_or_else(bad)?;
        let (lo, hi) = range.split_once(':').ok_or_else(bad)?;
        Ok(Band {
            level: level.trim().to_string(),
            low: lo.trim().parse().map_err(|_| bad())?,
            high: hi.trim().parse().map_err(|_| bad())?,
        })
    }
}

/// A table on a PostgreSQL server, audited through the counts query it runs.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PostgresSource {
    /// Connection string (URL or key=value); never written out with its password.
    pub url: String,
    /// The table or view.
    pub table: String,
    /// Row filter (`--where`), e.g. a time window.
    pub filter: Option<String>,
}

impl Serialize for PostgresSource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("PostgresSource", 3)?;
        st.serialize_field("url", &redact(&self.url))?;
        st.serialize_field("table", &self.table)?;
        st.serialize_field("filter", &self.filter)?;
        st.end()
    }
}

/// A connection string without its password, for messages and reports.
/// Handles URLs (`postgresql://user:secret@host/db?password=...`) and
/// key=value strings (`host=h user=u password=secret`).
pub fn redact(conn: &str) -> String {
    if let Some(scheme_end) = conn.find("://") {
        let (scheme, rest) = conn.split_at(scheme_end + 3);
        let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (auth, tail) = rest.split_at(auth_end);
        let auth = match auth.rfind('@') {
            Some(at) => {
                let (user, host) = auth.split_at(at);
                match user.find(':') {
                    Some(c) => format!("{}:***{host}", &user[..c]),
                    None => auth.to_string(),
                }
            }
            None => auth.to_string(),
        };
        let tail = match tail.split_once('?') {
            Some((path, query)) => {
                let q: Vec<String> = query
                    .split('&')
                    .map(|kv| match kv.split_once('=') {
                        Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                        _ => kv.to_string(),
                    })
                    .collect();
                format!("{path}?{}", q.join("&"))
            }
            None => tail.to_string(),
        };
        format!("{scheme}{auth}{tail}")
    } else {
        conn.split_whitespace()
            .map(|kv| match kv.split_once('=') {
                Some((k, _)) if k.trim().eq_ignore_ascii_case("password") => format!("{k}=***"),
                _ => kv.to_string(),
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl AuditSpec {
    /// A spec with default columns and options for `data` and `attributes`.
    pub fn new(data: Vec<PathBuf>, attributes: Vec<String>) -> Self {
        AuditSpec {
            data,
            counts: vec![],
            input_format: None,
            reader: Reader::Auto,
            columns: Columns::default(),
            attributes,
            intersect: false,
            references: References::default(),
            favorable: Favorable::Positive,
            stats: StatOptions::default(),
            score_bins: 1000,
            calibration_bins: 10,
            stratify: None,
            outcomes: None,
            value: None,
            controls: vec![],
            control_bins: None,
            control_bands: BTreeMap::new(),
            final_decision: None,
            postgres: None,
        }
    }

    /// Checks what can be checked before reading any data, including that
    /// there are data to read.
    pub fn validate(&self) -> Result<()> {
        if self.data.is_empty() && self.counts.is_empty() && self.postgres.is_none() {
            return Err(Error::usage("no data file given"));
        }
        self.validate_options()
    }

    /// Checks the options, whatever the data come from.
    pub fn validate_options(&self) -> Result<()> {
        if self.attributes.is_empty() {
            return Err(Error::usage(
                "no protected attribute given: pass --attr COLUMN at least once",
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for a in &self.attributes {
            if !seen.insert(a) {
                return Err(Error::usage(format!("--attr '{a}' is given twice")));
            }
            let c = &self.columns;
            if *a == c.label
                || Some(a) == c.prediction.as_ref()
                || Some(a) == c.score.as_ref()
                || Some(a) == c.weight.as_ref()
            {
                return Err(Error::usage(format!(
                    "column '{a}' is both a protected attribute and the label, prediction, score or weight"
                )));
            }
        }
        self.stats.validate()?;
        if self.score_bins == 0 || self.score_bins > 100_000 {
            return Err(Error::usage(format!(
                "--score-bins must be between 1 and 100000, not {}",
                self.score_bins
            )));
        }
        if self.calibration_bins == 0 || self.score_bins % self.calibration_bins != 0 {
            return Err(Error::usage(format!(
                "--calibration-bins ({}) must divide --score-bins ({})",
                self.calibration_bins, self.score_bins
            )));
        }
        if let Some(o) = &self.outcomes {
            o.validate()?;
        }
        for (i, c) in self.controls.iter().enumerate() {
            if self.attributes.contains(c) || self.stratify.as_ref() == Some(c) {
                return Err(Error::usage(format!(
                    "--control '{c}' is also a protected attribute or the stratification column"
                )));
            }
            if self.controls[..i].contains(c) {
                return Err(Error::usage(format!("--control '{c}' is given twice")));
            }
        }
        // The controlled fit and the override audit count rows; with weights
        // they would silently mix weighted and unweighted figures.
        if let Some(w) = &self.columns.weight {
            let what = if !self.controls.is_empty() {
                Some("--control (the adjusted analysis)")
            } else if self.final_decision.is_some() {
                Some("--final (the human-oversight audit)")
            } else {
                None
            };
            if let Some(what) = what {
                return Err(Error::usage(format!(
                    "{what} counts rows and does not take weights (--weight '{w}'): audit without weights for it, or with them apart"
                )));
            }
        }
        // The numeric, adjusted and oversight analyses compare each group
        // with a reference group; against the whole data they had nothing
        // to compare with and their findings vanished.
        if self.references.strategy == ReferenceStrategy::Overall {
            let what = [
                (self.value.is_some(), "--value (the numeric outcome)"),
                (
                    !self.controls.is_empty(),
                    "--control (the adjusted analysis)",
                ),
                (
                    self.final_decision.is_some(),
                    "--final (the human-oversight audit)",
                ),
            ]
            .into_iter()
            .find(|(on, _)| *on)
            .map(|(_, w)| w);
            // Every attribute, and with --intersect every intersection
            // ("a & b"), needs a named group.
            let n = self.attributes.len();
            let sets = (1u64..(1 << n.min(20)))
                .filter(|m| self.intersect || m.count_ones() == 1)
                .map(|m| {
                    (0..n)
                        .filter(|i| m & (1 << i) != 0)
                        .map(|i| self.attributes[i].as_str())
                        .collect::<Vec<_>>()
                        .join(" & ")
                });
            let unnamed = sets
                .into_iter()
                .find(|a| !self.references.named.contains_key(a));
            if let (Some(what), Some(a)) = (what, unnamed) {
                return Err(Error::usage(format!(
                    "{what} compares each group with a reference group, not with the whole data (--reference overall): name one for '{a}' with --reference \"{a}=GROUP\", or use largest or best"
                )));
            }
        }
        if let Some(s) = &self.stratify {
            if self.attributes.contains(s) {
                return Err(Error::usage(format!(
                    "--stratify '{s}' is also a protected attribute"
                )));
            }
        }
        if !(self.columns.threshold.is_finite() && (0.0..=1.0).contains(&self.columns.threshold)) {
            return Err(Error::usage(format!(
                "--threshold must be a number in [0, 1], not {}",
                self.columns.threshold
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse_strategy_and_named_groups() {
        let r =
            References::parse(&["best".into(), "sex=female".into(), "race=a=b".into()]).unwrap();
        assert_eq!(r.strategy, ReferenceStrategy::Best);
        assert_eq!(r.named["sex"], "female");
        assert_eq!(r.named["race"], "a=b");
        assert!(References::parse(&["best".into(), "largest".into()]).is_err());
        assert!(References::parse(&["biggest".into()]).is_err());
        assert!(References::parse(&["=x".into()]).is_err());
    }

    #[test]
    fn formats_from_extension() {
        use std::path::Path;
        assert_eq!(
            InputFormat::from_path(Path::new("a/b.PARQUET")),
            Some(InputFormat::Parquet)
        );
        assert_eq!(
            InputFormat::from_path(Path::new("x.jsonl")),
            Some(InputFormat::Ndjson)
        );
        assert_eq!(InputFormat::from_path(Path::new("x.xlsx")), None);
    }
}

/// Which findings make the run exit 1 (the CI gate).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    /// Any failing finding.
    #[default]
    Fail,
    /// Any warning or failing finding.
    Warn,
    /// Never: report only.
    Never,
}

impl FailOn {
    /// The serialized name.
    pub fn name(self) -> &'static str {
        match self {
            FailOn::Fail => "fail",
            FailOn::Warn => "warn",
            FailOn::Never => "never",
        }
    }
}

/// Where to write reports, besides standard output.
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Outputs {
    #[serde(default)]
    /// The JSON report.
    pub json: Option<PathBuf>,
    #[serde(default)]
    /// JUnit XML.
    pub junit: Option<PathBuf>,
    #[serde(default)]
    /// Markdown summary.
    pub markdown: Option<PathBuf>,
    #[serde(default)]
    /// Text tables.
    pub table: Option<PathBuf>,
    #[serde(default)]
    /// The HTML page.
    pub html: Option<PathBuf>,
    #[serde(default)]
    /// Proposed risk-register entries (CSV).
    pub proposed_risks: Option<PathBuf>,
}

/// The whole specification of an audit: data and statistics, the model, the
/// policy, governance and outputs. Built from a spec file, then CLI flags.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Spec {
    /// What to audit.
    pub audit: AuditSpec,
    /// The model.
    pub model: ModelInfo,
    /// `None`: the built-in default policy.
    pub checks: Option<Vec<check::Check>>,
    /// The risk register.
    pub register: Option<governance::RegisterSource>,
    /// Cadence overrides by risk tier.
    pub cadences: BTreeMap<RiskTier, governance::Cadence>,
    /// The run date (default: today).
    pub as_of: Option<chrono::NaiveDate>,
    /// Which findings fail the gate.
    pub fail_on: FailOn,
    /// Where to write reports.
    pub outputs: Outputs,
    /// The spec file, when one was read.
    pub spec_file: Option<PathBuf>,
    /// Sign-off and retention rules.
    pub governance: governance::GovernanceSettings,
    /// The data examination (`fairaudit data`).
    pub examine: examine::ExamineSpec,
}

impl Spec {
    /// A spec with the defaults around `audit`.
    pub fn new(audit: AuditSpec) -> Self {
        Spec {
            audit,
            model: ModelInfo::default(),
            checks: None,
            register: None,
            cadences: BTreeMap::new(),
            as_of: None,
            fail_on: FailOn::Fail,
            outputs: Outputs::default(),
            spec_file: None,
            governance: governance::GovernanceSettings::default(),
            examine: examine::ExamineSpec::default(),
        }
    }

    /// The cadence for the model's tier.
    pub fn cadence(&self) -> governance::Cadence {
        self.cadences
            .get(&self.model.risk_tier)
            .copied()
            .unwrap_or_else(|| governance::Cadence::default_for(self.model.risk_tier))
    }
}

pub mod check;
pub mod examine;
pub mod file;
pub mod governance;
pub mod metric;
