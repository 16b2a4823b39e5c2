//! Settings resolved in one place: the spec file (if any), then each group of
//! flags laid over it in a fixed order. Commands never read a spec field
//! from a flag themselves.

use std::path::{Path, PathBuf};

use crate::governance::store;
use crate::spec::governance::RegisterSource;
use crate::spec::{file, AuditSpec, PostgresSource, References, Spec};
use crate::{Error, Result};

use super::args::{
    ColumnArgs, FileArgs, GovernanceArgs, GroupArgs, InputArgs, OutputArgs, StatArgs,
};

impl super::args::ExamineArgs {
    /// Lays the data examination's flags over the spec.
    pub fn apply(&self, spec: &mut Spec) -> Result<()> {
        let a = &mut spec.audit;
        if !self.attrs.is_empty() {
            a.attributes = self.attrs.clone();
        }
        set(&mut a.columns.label, &self.label);
        set_some(&mut a.columns.prediction, &self.prediction);
        set_some(&mut a.columns.positive, &self.positive);
        set(&mut a.favorable, &self.favorable);
        if !self.references.is_empty() {
            if let Some(bad) = self.references.iter().find(|r| !r.contains('=')) {
                return Err(Error::usage(format!(
                    "--reference '{bad}': the data examination takes ATTR=GROUP (the default is the largest group)"
                )));
            }
            a.references
                .named
                .extend(References::parse(&self.references)?.named);
        }
        set(&mut a.stats.ci_level, &self.ci_level);
        set(&mut a.stats.alpha, &self.alpha);
        set(&mut a.stats.min_group_size, &self.min_group_size);
        set(&mut a.stats.min_group_share, &self.min_group_share);
        let e = &mut spec.examine;
        if !self.columns.is_empty() {
            e.columns = self.columns.iter().map(|c| c.trim().to_string()).collect();
        }
        set_some(&mut e.population_file, &self.population);
        if !self.text_columns.is_empty() {
            e.text_columns = self.text_columns.clone();
        }
        if !self.ranges.is_empty() {
            e.ranges = self
                .ranges
                .iter()
                .map(|r| crate::spec::examine::Range::parse(r))
                .collect::<Result<_>>()?;
        }
        set(&mut e.bands, &self.bands);
        set(&mut e.proxy_threshold, &self.proxy_threshold);
        set_some(&mut e.dataset, &self.dataset);
        e.validate()?;
        a.stats.validate()?;
        Ok(())
    }
}

/// The flags a command took, each group optional.
#[derive(Default)]
pub struct Layers<'a> {
    /// `--spec FILE`.
    pub spec: Option<&'a Path>,
    /// Data files, counts tables, a PostgreSQL table.
    pub input: Option<&'a InputArgs>,
    /// Data files only.
    pub files: Option<&'a FileArgs>,
    /// Columns and attributes.
    pub columns: Option<&'a ColumnArgs>,
    /// Reference groups and small groups.
    pub groups: Option<&'a GroupArgs>,
    /// Intervals and tests.
    pub stats: Option<&'a StatArgs>,
    /// Model, register, run date, gate.
    pub governance: Option<&'a GovernanceArgs>,
    /// Output files and the history store.
    pub output: Option<&'a OutputArgs>,
}

/// A resolved spec, and where to record the run (when it is to be recorded).
pub struct Settings {
    /// The whole specification of the run.
    pub spec: Spec,
    /// The history store to record in.
    pub record: Option<PathBuf>,
}

fn set<T: Clone>(slot: &mut T, v: &Option<T>) {
    if let Some(v) = v {
        *slot = v.clone();
    }
}

fn set_some<T: Clone>(slot: &mut Option<T>, v: &Option<T>) {
    if v.is_some() {
        *slot = v.clone();
    }
}

/// Who acts: `--by`, else `$FAIRAUDIT_ACTOR` (pipelines), else the login name.
pub fn actor(by: Option<&str>) -> String {
    by.map(String::from)
        .or_else(|| std::env::var("FAIRAUDIT_ACTOR").ok())
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("LOGNAME").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// Parses a date flag.
pub fn parse_date(s: &str, what: &str) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| Error::usage(format!("{what} '{s}' is not a date YYYY-MM-DD: {e}")))
}

impl InputArgs {
    fn apply(&self, a: &mut AuditSpec) -> Result<()> {
        if !self.data.is_empty() {
            a.data = self.data.clone();
        }
        if !self.counts.is_empty() {
            a.counts = self.counts.clone();
            if self.data.is_empty() {
                a.data.clear();
            }
        }
        match (&self.postgres, &self.table) {
            (Some(url), Some(table)) => {
                a.postgres = Some(PostgresSource {
                    url: url.clone(),
                    table: table.clone(),
                    filter: self.filter.clone(),
                });
                if self.data.is_empty() {
                    a.data.clear();
                }
                if self.counts.is_empty() {
                    a.counts.clear();
                }
            }
            (Some(_), None) => {
                return Err(Error::usage(
                    "--postgres needs --table T: the table or view holding the decisions",
                ))
            }
            (None, _) if self.table.is_some() || self.filter.is_some() => {
                return Err(Error::usage(
                    "--table and --where go with --postgres URL (or the sql command)",
                ))
            }
            (None, _) => {}
        }
        set_some(&mut a.input_format, &self.input_format);
        a.reader = self.reader;
        Ok(())
    }
}

impl FileArgs {
    fn apply(&self, a: &mut AuditSpec) {
        if !self.data.is_empty() {
            a.data = self.data.clone();
        }
        set_some(&mut a.input_format, &self.input_format);
    }
}

impl ColumnArgs {
    fn apply(&self, a: &mut AuditSpec) -> Result<()> {
        let c = &mut a.columns;
        set(&mut c.label, &self.label);
        set_some(&mut c.prediction, &self.prediction);
        set_some(&mut c.score, &self.score);
        set(&mut c.threshold, &self.threshold);
        set_some(&mut c.weight, &self.weight);
        set_some(&mut c.positive, &self.positive);
        if !self.attrs.is_empty() {
            a.attributes = self.attrs.clone();
        }
        a.intersect |= self.intersect;
        set_some(&mut a.stratify, &self.stratify);
        set(&mut a.score_bins, &self.score_bins);
        if !self.controls.is_empty() {
            a.controls = self.controls.clone();
        }
        set_some(&mut a.control_bins, &self.control_bins);
        set_some(&mut a.final_decision, &self.final_decision);
        if let Some(v) = &self.value {
            a.value = Some(crate::spec::ValueSpec {
                column: v.clone(),
                truth: self.value_truth.clone(),
            });
        }
        if !self.outcomes.is_empty()
            || !self.favorable_outcomes.is_empty()
            || !self.outcome_bands.is_empty()
        {
            let o = a.outcomes.get_or_insert_with(Default::default);
            if !self.outcomes.is_empty() {
                o.levels = self.outcomes.iter().map(|l| l.trim().to_string()).collect();
            }
            if !self.favorable_outcomes.is_empty() {
                o.favorable = self.favorable_outcomes.clone();
            }
            if !self.outcome_bands.is_empty() {
                o.bands = self
                    .outcome_bands
                    .iter()
                    .map(|b| crate::spec::Outcomes::parse_band(b))
                    .collect::<Result<_>>()?;
            }
        }
        Ok(())
    }
}

impl GroupArgs {
    fn apply(&self, a: &mut AuditSpec) -> Result<()> {
        if !self.references.is_empty() {
            let r = References::parse(&self.references)?;
            if self.references.iter().any(|v| !v.contains('=')) {
                a.references.strategy = r.strategy;
            }
            a.references.named.extend(r.named);
        }
        set(&mut a.favorable, &self.favorable);
        set(&mut a.stats.min_group_size, &self.min_group_size);
        set(&mut a.stats.min_group_share, &self.min_group_share);
        Ok(())
    }
}

impl StatArgs {
    fn apply(&self, a: &mut AuditSpec) {
        let st = &mut a.stats;
        set(&mut st.ci_level, &self.ci_level);
        set(&mut st.ci_method, &self.ci_method);
        set(&mut st.bootstrap, &self.bootstrap);
        set(&mut st.seed, &self.seed);
        set(&mut st.p_adjust, &self.p_adjust);
        set(&mut st.alpha, &self.alpha);
        set(&mut st.ge_alpha, &self.ge_alpha);
        set(&mut a.calibration_bins, &self.calibration_bins);
    }
}

impl GovernanceArgs {
    fn apply(&self, spec: &mut Spec) -> Result<()> {
        set(&mut spec.model.id, &self.model_id);
        set_some(&mut spec.model.version, &self.model_version);
        set(&mut spec.model.risk_tier, &self.risk_tier);
        if let Some(r) = &self.risk_register {
            let old = spec.register.take().unwrap_or_default();
            spec.register = Some(RegisterSource {
                path: r.clone(),
                ..old
            });
        }
        if let Some(m) = &self.risk_matrix {
            match &mut spec.register {
                Some(r) => r.matrix = Some(m.clone()),
                None => {
                    return Err(crate::Error::usage(
                        "--risk-matrix needs a risk register (--risk-register or [risk_register])",
                    ))
                }
            }
        }
        if let Some(a) = &self.risk_acceptances {
            match &mut spec.register {
                Some(r) => r.acceptances = Some(a.clone()),
                None => return Err(crate::Error::usage(
                    "--risk-acceptances needs a risk register (--risk-register or [risk_register])",
                )),
            }
        }
        if let Some(d) = &self.as_of {
            spec.as_of = Some(parse_date(d, "--as-of")?);
        }
        set(&mut spec.fail_on, &self.fail_on);
        Ok(())
    }
}

impl OutputArgs {
    fn apply(&self, spec: &mut Spec) {
        let o = &mut spec.outputs;
        set_some(&mut o.json, &self.out_json);
        set_some(&mut o.junit, &self.out_junit);
        set_some(&mut o.markdown, &self.out_md);
        set_some(&mut o.table, &self.out_table);
        set_some(&mut o.html, &self.out_html);
        set_some(&mut o.proposed_risks, &self.proposed_risks);
    }
}

/// The spec file with every given group of flags laid over it.
pub fn resolve(l: &Layers) -> Result<Settings> {
    let (mut spec, run) = match l.spec {
        Some(p) => file::load(p)?,
        None => (
            Spec::new(AuditSpec::new(vec![], vec![])),
            Default::default(),
        ),
    };
    let a = &mut spec.audit;
    if let Some(x) = l.input {
        x.apply(a)?;
    }
    if let Some(x) = l.files {
        x.apply(a);
    }
    if let Some(x) = l.columns {
        x.apply(a)?;
    }
    if let Some(x) = l.groups {
        x.apply(a)?;
    }
    if let Some(x) = l.stats {
        x.apply(a);
    }
    if let Some(x) = l.governance {
        x.apply(&mut spec)?;
    }
    let record = match l.output {
        Some(o) => {
            o.apply(&mut spec);
            (o.record || run.record.unwrap_or(false)).then(|| {
                o.store
                    .clone()
                    .or(run.store)
                    .unwrap_or_else(store::default_path)
            })
        }
        None => None,
    };
    Ok(Settings { spec, record })
}

/// Refuses a spec that names no data (for commands that read data).
pub fn require_data(spec: &Spec) -> Result<()> {
    let a = &spec.audit;
    if a.data.is_empty() && a.counts.is_empty() && a.postgres.is_none() {
        return Err(Error::usage(
            "no data file given: pass DATA (or --counts FILE, or --postgres URL --table T), \
             or set [data] paths in the --spec file",
        ));
    }
    Ok(())
}
