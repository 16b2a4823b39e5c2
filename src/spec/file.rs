//! The spec file (`fairaudit.toml`). Every table rejects unknown keys; errors
//! name the file, line, key and what was expected. Relative paths are relative
//! to the spec file's directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::check::Check;
use super::governance::{Cadence, RegisterSource};
use super::{
    AuditSpec, Columns, FailOn, Favorable, InputFormat, ModelInfo, Outputs, References, RiskTier,
    Spec, StatOptions,
};
use crate::stats::{CiMethod, PAdjust};
use crate::{Error, Result};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SpecFile {
    #[serde(default)]
    model: Option<ModelInfo>,
    #[serde(default)]
    data: DataSection,
    #[serde(default)]
    attributes: AttributesSection,
    #[serde(default)]
    statistics: StatsSection,
    #[serde(default)]
    checks: Option<Vec<Check>>,
    #[serde(default)]
    risk_register: Option<RegisterSource>,
    #[serde(default)]
    cycle: BTreeMap<RiskTier, Cadence>,
    #[serde(default)]
    gate: GateSection,
    #[serde(default)]
    output: Outputs,
    #[serde(default)]
    run: RunSection,
    #[serde(default)]
    governance: super::governance::GovernanceSettings,
    /// A decision of more than two outcomes.
    #[serde(default)]
    outcomes: Option<super::Outcomes>,
    /// The controlled analysis.
    #[serde(default)]
    analysis: AnalysisSection,
    /// The data examination (`fairaudit data`).
    #[serde(default)]
    examine: super::examine::ExamineSpec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnalysisSection {
    /// Legitimate factors to adjust group gaps for.
    #[serde(default)]
    controls: Vec<String>,
    /// Quantile bands of the numeric controls.
    #[serde(default)]
    control_bins: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataSection {
    #[serde(default)]
    paths: Vec<PathBuf>,
    /// Pre-aggregated counts tables.
    #[serde(default)]
    counts: Vec<PathBuf>,
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    prediction: Option<String>,
    #[serde(default)]
    score: Option<String>,
    #[serde(default)]
    threshold: Option<f64>,
    #[serde(default)]
    weight: Option<String>,
    #[serde(default)]
    positive: Option<String>,
    #[serde(default)]
    favorable: Option<Favorable>,
    #[serde(default)]
    score_bins: Option<usize>,
    #[serde(default)]
    calibration_bins: Option<usize>,
    /// A numeric outcome column.
    #[serde(default)]
    value: Option<String>,
    /// The true value of a regression prediction in `value`.
    #[serde(default)]
    value_truth: Option<String>,
    /// The final (human) decision beside the model's recommendation.
    #[serde(default, rename = "final")]
    final_decision: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttributesSection {
    #[serde(default)]
    columns: Vec<String>,
    #[serde(default)]
    intersect: bool,
    /// largest | best | overall
    #[serde(default)]
    reference: Option<String>,
    /// Attribute (or intersection) → reference group.
    #[serde(default)]
    reference_groups: BTreeMap<String, String>,
    /// A legitimate factor for conditional demographic parity.
    #[serde(default)]
    stratify: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatsSection {
    ci_level: Option<f64>,
    ci_method: Option<String>,
    bootstrap: Option<usize>,
    seed: Option<u64>,
    p_adjust: Option<String>,
    alpha: Option<f64>,
    ge_alpha: Option<f64>,
    min_group_size: Option<u64>,
    min_group_share: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct GateSection {
    #[serde(default)]
    fail_on: Option<FailOn>,
}

/// A date written either as TOML's own date (`2026-11-28`, what the
/// template shows) or as a string (`"2026-11-28"`, what earlier specs used).
fn toml_date<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<chrono::NaiveDate>, D::Error> {
    use serde::de::Error as _;
    let text = match toml::Value::deserialize(d)? {
        toml::Value::String(s) => s,
        toml::Value::Datetime(t) if t.time.is_none() && t.offset.is_none() => t.to_string(),
        other => {
            return Err(D::Error::custom(format!(
                "expected a date such as 2026-11-28, found a {}",
                other.type_str()
            )))
        }
    };
    text.parse()
        .map(Some)
        .map_err(|e| D::Error::custom(format!("'{text}' is not a date (YYYY-MM-DD): {e}")))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RunSection {
    /// The run date, for reproducible cycles and due dates.
    #[serde(default, deserialize_with = "toml_date")]
    pub as_of: Option<chrono::NaiveDate>,
    /// Record the run in the history store.
    #[serde(default)]
    pub record: Option<bool>,
    /// The history store.
    #[serde(default)]
    pub store: Option<PathBuf>,
}

/// Line (1-based) of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn toml_error(path: &Path, text: &str, e: toml::de::Error) -> Error {
    let msg = e.message().trim().to_string();
    let place = match e.span() {
        Some(span) => {
            let line = line_of(text, span.start);
            let src = text.lines().nth(line - 1).unwrap_or("").trim();
            format!("line {line} (`{src}`)")
        }
        None => "top level".to_string(),
    };
    Error::usage(format!("spec file '{}', {place}: {msg}", path.display()))
}

fn resolve(base: &Path, p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// Reads a spec file into a [`Spec`] (with the history options of `[run]`).
pub fn load(path: &Path) -> Result<(Spec, RunOptions)> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::usage(format!("cannot read spec file '{}': {e}", path.display())))?;
    parse(path, &text)
}

/// History options of a spec (`[run]`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunOptions {
    /// Record the run in the history store.
    pub record: Option<bool>,
    /// The history store.
    pub store: Option<PathBuf>,
}

/// Parses spec text; `path` names it in errors and anchors relative paths.
pub fn parse(path: &Path, text: &str) -> Result<(Spec, RunOptions)> {
    let f: SpecFile = toml::from_str(text).map_err(|e| toml_error(path, text, e))?;
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let ctx =
        |key: &str, e: Error| Error::usage(format!("spec file '{}', {key}: {e}", path.display()));

    let d = f.data;
    let mut refs = References::parse(&f.attributes.reference.iter().cloned().collect::<Vec<_>>())
        .map_err(|e| ctx("[attributes] reference", e))?;
    refs.named = f.attributes.reference_groups;
    let defaults = StatOptions::default();
    let s = f.statistics;
    let stats = StatOptions {
        ci_level: s.ci_level.unwrap_or(defaults.ci_level),
        ci_method: s
            .ci_method
            .as_deref()
            .map(CiMethod::parse)
            .transpose()
            .map_err(|e| ctx("[statistics] ci_method", e))?
            .unwrap_or(defaults.ci_method),
        bootstrap: s.bootstrap.unwrap_or(defaults.bootstrap),
        seed: s.seed.unwrap_or(defaults.seed),
        p_adjust: s
            .p_adjust
            .as_deref()
            .map(PAdjust::parse)
            .transpose()
            .map_err(|e| ctx("[statistics] p_adjust", e))?
            .unwrap_or(defaults.p_adjust),
        alpha: s.alpha.unwrap_or(defaults.alpha),
        ge_alpha: s.ge_alpha.unwrap_or(defaults.ge_alpha),
        min_group_size: s.min_group_size.unwrap_or(defaults.min_group_size),
        min_group_share: s.min_group_share.unwrap_or(defaults.min_group_share),
    };
    let col_defaults = Columns::default();
    let audit = AuditSpec {
        data: d.paths.iter().map(|p| resolve(&base, p)).collect(),
        counts: d.counts.iter().map(|p| resolve(&base, p)).collect(),
        reader: super::Reader::Auto,
        input_format: d
            .format
            .as_deref()
            .map(InputFormat::parse)
            .transpose()
            .map_err(|e| ctx("[data] format", e))?,
        columns: Columns {
            label: d.label.unwrap_or(col_defaults.label),
            prediction: d.prediction,
            score: d.score,
            threshold: d.threshold.unwrap_or(col_defaults.threshold),
            weight: d.weight,
            positive: d.positive,
        },
        attributes: f.attributes.columns,
        intersect: f.attributes.intersect,
        references: refs,
        favorable: d.favorable.unwrap_or_default(),
        stats,
        score_bins: d.score_bins.unwrap_or(1000),
        calibration_bins: d.calibration_bins.unwrap_or(10),
        stratify: f.attributes.stratify,
        postgres: None,
        outcomes: f.outcomes,
        controls: f.analysis.controls,
        final_decision: d.final_decision,
        control_bins: f.analysis.control_bins,
        control_bands: Default::default(),
        value: d.value.map(|column| super::ValueSpec {
            column,
            truth: d.value_truth,
        }),
    };
    if let Some(checks) = &f.checks {
        for c in checks {
            c.validate().map_err(|e| ctx("[[checks]]", e))?;
        }
    }
    let mut register = f.risk_register;
    if let Some(r) = &mut register {
        r.path = resolve(&base, &r.path);
        for p in [&mut r.matrix, &mut r.acceptances].into_iter().flatten() {
            *p = resolve(&base, p);
        }
    }
    let mut outputs = f.output;
    for p in [
        &mut outputs.json,
        &mut outputs.junit,
        &mut outputs.markdown,
        &mut outputs.table,
        &mut outputs.html,
        &mut outputs.proposed_risks,
    ]
    .into_iter()
    .flatten()
    {
        *p = resolve(&base, p);
    }
    let spec = Spec {
        audit,
        model: f.model.unwrap_or_default(),
        checks: f.checks,
        register,
        cadences: f.cycle,
        as_of: f.run.as_of,
        fail_on: f.gate.fail_on.unwrap_or_default(),
        outputs,
        spec_file: Some(path.to_path_buf()),
        governance: f.governance,
        examine: {
            let mut e = f.examine;
            e.population_file = e.population_file.map(|p| resolve(&base, &p));
            e.validate().map_err(|e| ctx("[examine]", e))?;
            e
        },
    };
    for (tier, c) in &spec.cadences {
        c.validate()
            .map_err(|e| ctx(&format!("[cycle.{}]", tier.name()), e))?;
    }
    let run = RunOptions {
        record: f.run.record,
        store: f.run.store.map(|p| resolve(&base, &p)),
    };
    Ok((spec, run))
}

/// The commented example spec written by `fairaudit init`, for the bundled
/// German credit data.
pub const EXAMPLE: &str = include_str!("example.toml");

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(Path::new("s.toml"), text).unwrap_err().to_string()
    }

    #[test]
    fn example_parses() {
        let (s, _) = parse(Path::new("fixtures/fairaudit.toml"), EXAMPLE).unwrap();
        assert_eq!(s.model.risk_tier, RiskTier::High);
        assert!(s.checks.as_ref().unwrap().len() >= 3);
        assert_eq!(s.audit.attributes, ["sex", "age_group"]);
    }

    #[test]
    fn unknown_keys_name_key_and_line() {
        let e = err("[model]\nid = \"m\"\ncolour = \"red\"\n");
        assert!(e.contains("line 3") && e.contains("colour"), "{e}");
        let e = err("[modle]\nid = \"m\"\n");
        assert!(e.contains("line 1") && e.contains("modle"), "{e}");
    }

    #[test]
    fn wrong_types_name_key_and_line() {
        let e = err("[[checks]]\nmetric = \"impact_ratio\"\nfail_below = \"0.8\"\n");
        assert!(e.contains("line 3") && e.contains("fail_below"), "{e}");
        let e = err("[model]\nid = \"m\"\nrisk_tier = \"extreme\"\n");
        assert!(e.contains("line 3") && e.contains("risk_tier"), "{e}");
    }

    #[test]
    fn bad_check_metric_is_named() {
        let e = err("[[checks]]\nid = \"x\"\nmetric = \"niceness\"\nfail_below = 1\n");
        assert!(e.contains("check 'x'") && e.contains("niceness"), "{e}");
    }

    #[test]
    fn paths_are_relative_to_the_spec() {
        let (s, _) = parse(
            Path::new("conf/a.toml"),
            "[data]\npaths = [\"d.csv\"]\n[risk_register]\npath = \"r.csv\"\n",
        )
        .unwrap();
        assert_eq!(s.audit.data, [PathBuf::from("conf/d.csv")]);
        assert_eq!(s.register.unwrap().path, PathBuf::from("conf/r.csv"));
    }
}
