//! The library's entry point: a builder over [`Spec`], for Rust users who
//! audit files, polars frames or counts without writing a spec file.
//!
//! ```no_run
//! let report = fairaudit::Audit::builder()
//!     .data("fixtures/german_credit.csv")
//!     .attr("sex")
//!     .reference("sex", "male")
//!     .run()?;
//! println!("{:?}", report.verdict());
//! # Ok::<(), fairaudit::Error>(())
//! ```

use std::path::{Path, PathBuf};

use polars::prelude::{DataFrame, IntoLazy, LazyFrame};

use crate::counts::Counts;
use crate::governance::store::Store;
use crate::ingest::Frame;
use crate::spec::check::Check;
use crate::spec::{
    AuditSpec, FailOn, Favorable, InputFormat, ModelInfo, Reader, ReferenceStrategy, RiskTier,
    Spec, StatOptions,
};
use crate::{Error, Result};

use super::{run_inputs, Inputs, Report};

/// An audit to configure: `Audit::builder()`.
pub struct Audit;

impl Audit {
    /// A builder with the defaults of the command line (label `y_true`,
    /// prediction `y_pred`, reference the largest group, the built-in policy).
    pub fn builder() -> AuditBuilder {
        AuditBuilder {
            spec: Spec::new(AuditSpec::new(vec![], vec![])),
            inputs: Inputs::default(),
            store: None,
            error: None,
        }
    }
}

/// Builds and runs an audit; every setting has the command line's default.
#[must_use]
pub struct AuditBuilder {
    spec: Spec,
    inputs: Inputs,
    store: Option<PathBuf>,
    /// The first error met while building, reported by [`AuditBuilder::run`].
    error: Option<Error>,
}

impl AuditBuilder {
    /// Starts from a spec file (flags' equivalents set later override it).
    pub fn spec_file(mut self, path: impl AsRef<Path>) -> Self {
        match crate::spec::file::load(path.as_ref()) {
            Ok((spec, _)) => self.spec = spec,
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// Starts from a whole spec.
    pub fn spec(mut self, spec: Spec) -> Self {
        self.spec = spec;
        self
    }

    /// A data file (CSV, Parquet, NDJSON or Arrow IPC; a glob pattern is expanded).
    pub fn data(mut self, path: impl Into<PathBuf>) -> Self {
        self.spec.audit.data.push(path.into());
        self
    }

    /// The format of the data files, when their extensions do not tell.
    pub fn input_format(mut self, f: InputFormat) -> Self {
        self.spec.audit.input_format = Some(f);
        self
    }

    /// How data files are read: [`Reader::Auto`] (the default) counts Parquet
    /// and quote-free CSV files on codes when it can, [`Reader::General`]
    /// always uses polars' group-by; the report is the same.
    pub fn reader(mut self, r: Reader) -> Self {
        self.spec.audit.reader = r;
        self
    }

    /// A counts table (docs/counts-format.md).
    pub fn counts_table(mut self, path: impl Into<PathBuf>) -> Self {
        self.spec.audit.counts.push(path.into());
        self
    }

    /// Counts computed elsewhere (another process, a partition), merged as they are.
    pub fn counts(mut self, counts: Counts) -> Self {
        self.inputs.counts.push(counts);
        self
    }

    /// An in-memory polars data frame.
    pub fn frame(self, name: impl Into<String>, df: DataFrame) -> Self {
        self.lazy_frame(name, df.lazy())
    }

    /// A polars lazy frame: its plan runs with the audit's one group-by.
    pub fn lazy_frame(mut self, name: impl Into<String>, lf: LazyFrame) -> Self {
        self.inputs.frames.push(Frame {
            name: name.into(),
            frame: lf,
        });
        self
    }

    /// A protected attribute (call once per attribute).
    pub fn attr(mut self, column: impl Into<String>) -> Self {
        self.spec.audit.attributes.push(column.into());
        self
    }

    /// Also audit every intersection of the attributes.
    pub fn intersect(mut self, yes: bool) -> Self {
        self.spec.audit.intersect = yes;
        self
    }

    /// The reference group of an attribute (or an intersection, "sex & race").
    pub fn reference(mut self, attribute: impl Into<String>, group: impl Into<String>) -> Self {
        self.spec
            .audit
            .references
            .named
            .insert(attribute.into(), group.into());
        self
    }

    /// How the reference group is chosen where none is named.
    pub fn reference_strategy(mut self, s: ReferenceStrategy) -> Self {
        self.spec.audit.references.strategy = s;
        self
    }

    /// The column of true outcomes.
    pub fn label(mut self, column: impl Into<String>) -> Self {
        self.spec.audit.columns.label = column.into();
        self
    }

    /// The column of the model's decisions.
    pub fn prediction(mut self, column: impl Into<String>) -> Self {
        self.spec.audit.columns.prediction = Some(column.into());
        self
    }

    /// The column of the model's scores in [0, 1].
    pub fn score(mut self, column: impl Into<String>) -> Self {
        self.spec.audit.columns.score = Some(column.into());
        self
    }

    /// The score at or above which the decision is positive (without a prediction column).
    pub fn threshold(mut self, t: f64) -> Self {
        self.spec.audit.columns.threshold = t;
        self
    }

    /// The column of sample weights.
    pub fn weight(mut self, column: impl Into<String>) -> Self {
        self.spec.audit.columns.weight = Some(column.into());
        self
    }

    /// The value of label and prediction that counts as positive.
    pub fn positive(mut self, value: impl Into<String>) -> Self {
        self.spec.audit.columns.positive = Some(value.into());
        self
    }

    /// Which predicted outcome benefits the person.
    pub fn favorable(mut self, f: Favorable) -> Self {
        self.spec.audit.favorable = f;
        self
    }

    /// A legitimate factor for conditional demographic parity.
    pub fn stratify(mut self, column: impl Into<String>) -> Self {
        self.spec.audit.stratify = Some(column.into());
        self
    }

    /// Every statistical option at once.
    pub fn stats(mut self, stats: StatOptions) -> Self {
        self.spec.audit.stats = stats;
        self
    }

    /// Bootstrap replicates for the summaries' intervals (0: none).
    pub fn bootstrap(mut self, replicates: usize) -> Self {
        self.spec.audit.stats.bootstrap = replicates;
        self
    }

    /// The bootstrap's seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.spec.audit.stats.seed = seed;
        self
    }

    /// Groups with fewer rows are reported but not judged.
    pub fn min_group_size(mut self, rows: u64) -> Self {
        self.spec.audit.stats.min_group_size = rows;
        self
    }

    /// The audited model.
    pub fn model(mut self, model: ModelInfo) -> Self {
        self.spec.model = model;
        self
    }

    /// The model's id (stable: part of every finding id).
    pub fn model_id(mut self, id: impl Into<String>) -> Self {
        self.spec.model.id = id.into();
        self
    }

    /// The model's risk tier.
    pub fn risk_tier(mut self, tier: RiskTier) -> Self {
        self.spec.model.risk_tier = tier;
        self
    }

    /// A check of the policy (the first one replaces the built-in policy).
    pub fn check(mut self, check: Check) -> Self {
        self.spec.checks.get_or_insert_with(Vec::new).push(check);
        self
    }

    /// Which findings fail the gate.
    pub fn fail_on(mut self, f: FailOn) -> Self {
        self.spec.fail_on = f;
        self
    }

    /// The run date, for reproducible cycles and due dates.
    pub fn as_of(mut self, date: chrono::NaiveDate) -> Self {
        self.spec.as_of = Some(date);
        self
    }

    /// Compare findings with the model's last run in this history store
    /// (read only; the CLI records runs with `report::record`).
    pub fn history(mut self, store: impl Into<PathBuf>) -> Self {
        self.store = Some(store.into());
        self
    }

    /// The spec as built so far.
    pub fn to_spec(&self) -> &Spec {
        &self.spec
    }

    /// Runs the audit.
    pub fn run(self) -> Result<Report> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let store = self
            .store
            .as_deref()
            .map(Store::open_existing)
            .transpose()?;
        run_inputs(&self.spec, &self.inputs, store.as_ref())
    }

    /// Only the counts: the sufficient statistics of every input, merged (to
    /// combine with counts from elsewhere, or audit later).
    pub fn counts_only(self) -> Result<Counts> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let a = &self.spec.audit;
        a.validate_options()?;
        let mut spec = a.clone();
        spec.data = crate::ingest::expand_paths(&spec.data)?;
        let mut total = crate::ingest::read_sources(&spec, &self.inputs.frames)?;
        for c in &self.inputs.counts {
            total.merge(c)?;
        }
        Ok(total)
    }
}
