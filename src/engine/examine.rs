//! A data examination run: read the population file, scan the data once,
//! compare with the previous recorded examination of the same data set,
//! judge, tag with controls and risks. The history keeps examinations under
//! the model id `data:<dataset>` so that they never mix with the model's
//! audit runs.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::audit::examine::{self, DataExamination, OutcomeColumns, PreviousData, SchemaColumn};
use crate::checks::{Finding, Status};
use crate::governance::cycle::{CycleInfo, Past};
use crate::governance::register::RiskEntry;
use crate::governance::store::Store;
use crate::ingest::binarize::Binarizer;
use crate::spec::{FailOn, ModelInfo, Spec, DEFAULT_PREDICTION};
use crate::{Error, Result};

/// A finished data examination.
#[derive(Clone, Debug)]
pub struct DataReport {
    /// What was measured.
    pub examination: DataExamination,
    /// The findings.
    pub findings: Vec<Finding>,
    /// The model the data serves.
    pub model: ModelInfo,
    /// The data set's name (`--dataset`, default the model id).
    pub dataset: String,
    /// The audit cycle of the run.
    pub cycle: CycleInfo,
    /// When.
    pub generated_at: DateTime<Utc>,
    /// The run's id.
    pub run_id: String,
    /// The files read.
    pub files: Vec<PathBuf>,
    /// How each file was read (for `--verbose`).
    pub reads: crate::counts::Reads,
    /// The population file, when given.
    pub population_file: Option<PathBuf>,
    /// The label and prediction columns examined as outcomes.
    pub outcome_columns: Vec<(String, String)>,
    /// The bounds.
    pub settings: crate::spec::examine::ExamineSpec,
    /// The risk register read and its number of entries.
    pub register: Option<(PathBuf, usize)>,
    /// Entries that tag a finding.
    pub matched_risks: Vec<RiskEntry>,
    /// Which findings fail the gate.
    pub fail_on: FailOn,
    /// Confidence level of the intervals.
    pub ci_level: f64,
}

impl DataReport {
    /// The history's model id of the data set.
    pub fn history_id(&self) -> String {
        history_id(&self.dataset)
    }

    /// The worst status among the findings (pass without findings).
    pub fn verdict(&self) -> Status {
        let mut v = Status::Pass;
        for f in &self.findings {
            if f.status == Status::Fail {
                return Status::Fail;
            }
            if f.status == Status::Warn {
                v = Status::Warn;
            }
        }
        v
    }

    /// Whether a finding fails the gate (waived findings do not).
    pub fn gate_failed(&self) -> bool {
        self.findings.iter().any(|f| {
            !f.lifecycle.as_ref().is_some_and(|l| l.waived)
                && match self.fail_on {
                    FailOn::Never => false,
                    FailOn::Fail => f.status == Status::Fail,
                    FailOn::Warn => matches!(f.status, Status::Fail | Status::Warn),
                }
        })
    }
}

/// The history's model id of a data set.
pub fn history_id(dataset: &str) -> String {
    format!("data:{dataset}")
}

/// The previous examination: what it measured, its run and its findings.
type Previous = (
    PreviousData,
    crate::governance::store::RunSummary,
    Vec<crate::governance::store::FindingRow>,
);

fn previous(store: &Store, id: &str) -> Result<Option<Previous>> {
    let Some(r) = store.last_run(id)? else {
        return Ok(None);
    };
    let rows = store.findings(r.summary.seq)?;
    let v: Value = serde_json::from_str(&r.run.report_json).map_err(|e| {
        Error::usage(format!(
            "stored report of run {} is not JSON: {e}",
            r.summary.run_id
        ))
    })?;
    let d = &v["data_examination"];
    let schema: Vec<SchemaColumn> =
        serde_json::from_value(d["schema"]["columns"].clone()).unwrap_or_default();
    let mut mix: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for r in d["representation"].as_array().into_iter().flatten() {
        let a = r["attribute"].as_str().unwrap_or_default().to_string();
        for g in r["groups"].as_array().into_iter().flatten() {
            if let (Some(name), Some(n)) = (g["group"].as_str(), g["count"].as_u64()) {
                mix.entry(a.clone()).or_default().insert(name.into(), n);
            }
        }
    }
    let mut rates = BTreeMap::new();
    for o in d["outcomes"].as_array().into_iter().flatten() {
        let role = o["role"].as_str().unwrap_or_default();
        for pair in o["attributes"].as_array().into_iter().flatten() {
            let attr = pair[0].as_str().unwrap_or_default();
            for g in pair[1].as_array().into_iter().flatten() {
                if let (Some(name), Some(x), Some(n)) = (
                    g["group"].as_str(),
                    g["favourable"].as_u64(),
                    g["n"].as_u64(),
                ) {
                    rates.insert((role.into(), attr.into(), name.into()), (x, n));
                }
            }
        }
    }
    Ok(Some((
        PreviousData {
            run_id: r.summary.run_id.clone(),
            run_date: r.summary.run_date.clone(),
            schema,
            mix,
            rates,
        },
        r.summary,
        rows,
    )))
}

/// (role, column, value → positive?).
type OutcomeMap = (&'static str, String, BTreeMap<String, bool>);

fn outcome_maps(spec: &Spec, d: &crate::counts::examine::DataCounts) -> Result<Vec<OutcomeMap>> {
    let a = &spec.audit;
    let pred = a
        .columns
        .prediction
        .clone()
        .unwrap_or(DEFAULT_PREDICTION.into());
    let mut out = vec![];
    for (role, column) in [("label", a.columns.label.clone()), ("prediction", pred)] {
        let Some(c) = d.columns.iter().find(|c| c.name == column) else {
            continue;
        };
        let values = examine::outcome_values(c);
        let path = d.files.first().cloned().unwrap_or_default();
        let b = Binarizer::new(&path, &column, role, &values, a.columns.positive.as_deref())?;
        let map = values
            .keys()
            .filter_map(|v| b.get(Some(v)).map(|p| (v.clone(), p)))
            .collect();
        out.push((role, column, map));
    }
    Ok(out)
}

/// A name given twice would repeat a section of the report; two ranges of
/// one column would leave which one applies to a guess.
fn names_given_once(
    attributes: &[String],
    settings: &crate::spec::examine::ExamineSpec,
) -> Result<()> {
    let twice = |what: &str, names: Vec<&String>| -> Result<()> {
        let mut seen = std::collections::BTreeSet::new();
        match names.into_iter().find(|n| !seen.insert(*n)) {
            Some(n) => Err(Error::usage(format!("{what} '{n}' is given twice"))),
            None => Ok(()),
        }
    };
    twice("--attr", attributes.iter().collect())?;
    twice("--columns", settings.columns.iter().collect())?;
    twice(
        "--range of column",
        settings.ranges.iter().map(|r| &r.column).collect(),
    )
}

/// Runs a data examination of the spec's data files.
pub fn examine(spec: &Spec, store: Option<&Store>) -> Result<DataReport> {
    let a = &spec.audit;
    if a.attributes.is_empty() {
        return Err(Error::usage(
            "no protected attribute given: pass --attr COL (repeatable) or set [attributes] columns in the spec",
        ));
    }
    if a.data.is_empty() {
        return Err(Error::usage(
            "no data file given: pass DATA or set [data] paths in the --spec file (the data examination reads files)",
        ));
    }
    let mut settings = spec.examine.clone();
    settings.validate()?;
    names_given_once(&a.attributes, &settings)?;
    if let Some(p) = &settings.population_file {
        settings.population = Some(crate::ingest::examine::read_population(p, &a.attributes)?);
    }
    let register = super::load_register(spec)?;
    let mut a2 = a.clone();
    a2.data = crate::ingest::expand_paths(&a.data)?;
    let counts = crate::ingest::examine::examine_all(&a2, &settings)?;
    let dataset = settings
        .dataset
        .clone()
        .unwrap_or_else(|| spec.model.id.clone());
    let prev = store
        .map(|s| previous(s, &history_id(&dataset)))
        .transpose()?
        .flatten();
    let maps = outcome_maps(spec, &counts)?;
    let x = examine::examine(
        &counts,
        &examine::Settings {
            examine: &settings,
            references: &a.references.named,
            level: a.stats.ci_level,
            outcomes: OutcomeColumns {
                columns: maps
                    .iter()
                    .map(|(r, c, m)| (*r, c.as_str(), m.clone()))
                    .collect(),
            },
            favorable: a.favorable,
            stats: &a.stats,
        },
        prev.as_ref().map(|p| &p.0),
    );
    let date = super::run_date(spec);
    let past = match store {
        Some(s) => Past {
            runs: s
                .list(Some(&spec.model.id))?
                .iter()
                .filter_map(|r| r.run_date.parse().ok())
                .collect(),
            ..Default::default()
        },
        None => Past::default(),
    };
    let cycle = CycleInfo::new(date, spec.cadence(), &past);
    let mut findings = crate::governance::examine::findings(
        &x,
        &settings,
        &dataset,
        &spec.model,
        &cycle.id,
        a.stats.alpha,
    );
    crate::governance::tag(
        &mut findings,
        &[],
        &spec.model,
        register.as_deref(),
        &|_| Default::default(),
    )?;
    if let Some(reg) = &register {
        crate::governance::register::waive(&mut findings, reg);
    }
    // Trends against the previous examination: new, persisting, resolved.
    if let Some((_, run, rows)) = &prev {
        crate::governance::trend::compare(
            &mut findings,
            rows,
            run,
            &[],
            &history_id(&dataset),
            spec.model.risk_tier,
        );
    } else if store.is_some() {
        for f in &mut findings {
            f.trend = Some(crate::checks::Trend::New);
        }
    }
    let generated_at = Utc::now();
    let run_id = format!(
        "data-{}-{}",
        generated_at.format("%Y%m%dT%H%M%S"),
        &crate::digest::sha256_hex(
            format!(
                "{dataset}{}{}",
                generated_at.timestamp_nanos_opt().unwrap_or(0),
                std::process::id()
            )
            .as_bytes()
        )[..8]
    );
    let matched_risks = register
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| findings.iter().any(|f| f.risks.contains(&e.id)))
        .collect();
    Ok(DataReport {
        examination: x,
        findings,
        model: spec.model.clone(),
        dataset,
        cycle,
        generated_at,
        run_id,
        files: counts.files.clone(),
        reads: counts.reads.clone(),
        population_file: settings.population.as_ref().map(|(p, _)| p.clone()),
        outcome_columns: maps
            .iter()
            .map(|(r, c, _)| (r.to_string(), c.clone()))
            .collect(),
        register: spec
            .register
            .as_ref()
            .map(|r| (r.path.clone(), register.as_ref().map_or(0, Vec::len))),
        matched_risks,
        fail_on: spec.fail_on,
        ci_level: a.stats.ci_level,
        settings,
    })
}
