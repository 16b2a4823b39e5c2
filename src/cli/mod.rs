//! Command-line definitions and the mapping from arguments to a spec. Thin: the
//! library does the work; this merges flags over the spec file, adds context to
//! errors and picks exit codes.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::engine::{self, Report};
use crate::governance::store::{self, Store};
use crate::report::{write_atomic, Format};
use crate::spec::{
    file, AuditSpec, FailOn, Favorable, InputFormat, PostgresSource, References, RiskTier, Spec,
};
use crate::stats::{CiMethod, PAdjust};

#[derive(Parser, Debug)]
#[command(
    name = "fairaudit",
    version,
    about = "Fast bias and fairness audit of a model's decisions",
    long_about = "Reads a file of model decisions (label, prediction, protected attributes), \
                  computes per-group rates and fairness metrics for each attribute and \
                  intersection in one pass, with intervals and significance tests, judges \
                  them against a policy and reports findings tagged to controls, risks \
                  and audit cycles.\n\n\
                  Exit codes: 0 audit ran and the gate passed, 1 a finding reached \
                  --fail-on, 2 usage or input error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Audit one or more decision files.
    Audit(Box<AuditArgs>),
    /// Write a commented example spec (fairaudit.toml) for the bundled data.
    Init(InitArgs),
    /// List the control catalog and which findings map to each control.
    Controls(ControlsArgs),
    /// Query and verify the history of recorded runs.
    History(HistoryArgs),
    /// Audit-cycle status of the models in the history store.
    Cycle(CycleArgs),
    /// Write the evidence pack of a recorded run for an auditor.
    Evidence(EvidenceArgs),
    /// Selection rate, TPR and FPR by group at every threshold of a score.
    Sweep(Box<SweepArgs>),
    /// Write the counts table of data files (to merge or audit later).
    Counts(Box<CountsArgs>),
    /// Print the SQL that computes the counts table in a warehouse engine.
    Sql(Box<SqlArgs>),
}

#[derive(Args, Debug)]
pub struct CountsArgs {
    #[command(flatten)]
    pub audit: AuditArgs,
}

#[derive(Args, Debug)]
pub struct SqlArgs {
    /// SQL dialect.
    #[arg(long, value_name = "spark|postgres|trino|duckdb")]
    pub dialect: String,
    #[command(flatten)]
    pub audit: AuditArgs,
}

#[derive(Args, Debug)]
pub struct SweepArgs {
    #[command(flatten)]
    pub audit: AuditArgs,
    /// Threshold step.
    #[arg(long, default_value_t = 0.01, value_name = "S")]
    pub step: f64,
    /// Bound on the equal opportunity difference for the reported range.
    #[arg(long, default_value_t = 0.1, value_name = "B")]
    pub eo_bound: f64,
    /// Print every Nth threshold in the table.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub every: usize,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Where to write the spec.
    #[arg(long, default_value = "fairaudit.toml", value_name = "PATH")]
    pub out: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct ControlsArgs {
    /// Output format.
    #[arg(long, default_value = "table", value_name = "table|json")]
    pub format: String,
}

#[derive(Args, Debug, Default)]
pub struct AuditArgs {
    /// Decision files (CSV, Parquet, NDJSON or Arrow IPC); several are merged.
    /// Default: the spec's [data] paths.
    #[arg(value_name = "DATA")]
    pub data: Vec<PathBuf>,
    /// Audit specification (TOML); flags override it.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// A pre-aggregated counts table (CSV or Parquet; repeatable), instead of or
    /// besides data files: see docs/counts-format.md.
    #[arg(long = "counts", value_name = "FILE")]
    pub counts: Vec<PathBuf>,
    /// A PostgreSQL server to audit a table on (URL or key=value connection
    /// string; PGPASSWORD is used when it has no password): the server runs
    /// the counts query and only the counts leave it. Needs --table.
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
    /// Table (or view) holding the decisions, e.g. lake.decisions (for
    /// --postgres and the `sql` command).
    #[arg(long, value_name = "T")]
    pub table: Option<String>,
    /// Row filter, e.g. a time window: "decided_at >= DATE '2026-10-01'" (for
    /// --postgres and the `sql` command).
    #[arg(long = "where", value_name = "CONDITION")]
    pub filter: Option<String>,
    /// Input format, when the extension does not tell.
    #[arg(long, value_name = "csv|parquet|ndjson|ipc")]
    pub input_format: Option<String>,
    /// Column holding the true outcome [default: y_true].
    #[arg(long, value_name = "COL")]
    pub label: Option<String>,
    /// Column holding the model's decision [default: y_pred, or derived from --score].
    #[arg(long, value_name = "COL")]
    pub prediction: Option<String>,
    /// Column holding the model's score in [0, 1].
    #[arg(long, value_name = "COL")]
    pub score: Option<String>,
    /// Score at or above which the prediction is positive, when there is no
    /// prediction column [default: 0.5].
    #[arg(long, value_name = "T")]
    pub threshold: Option<f64>,
    /// Column of sample weights.
    #[arg(long, value_name = "COL")]
    pub weight: Option<String>,
    /// Protected attribute column (repeat for several).
    #[arg(long = "attr", value_name = "COL")]
    pub attrs: Vec<String>,
    /// Also audit every intersection of the attributes.
    #[arg(long)]
    pub intersect: bool,
    /// Reference group: largest|best|overall, and/or ATTR=GROUP (repeatable).
    #[arg(long = "reference", value_name = "STRATEGY|ATTR=GROUP")]
    pub references: Vec<String>,
    /// Value of label and prediction that counts as positive (for text or other codes).
    #[arg(long, value_name = "VALUE")]
    pub positive: Option<String>,
    /// Which predicted outcome benefits the person [default: positive].
    #[arg(long, value_name = "positive|negative")]
    pub favorable: Option<String>,
    /// Confidence level of every interval [default: 0.95].
    #[arg(long, value_name = "LEVEL")]
    pub ci_level: Option<f64>,
    /// Interval on rates: Wilson score or exact Clopper-Pearson [default: wilson].
    #[arg(long, value_name = "wilson|exact")]
    pub ci_method: Option<String>,
    /// Bootstrap replicates for the summaries' intervals; 0 switches them off [default: 1000].
    #[arg(long, value_name = "N")]
    pub bootstrap: Option<usize>,
    /// Seed of the bootstrap, for reproducible intervals.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Multiple-comparison adjustment of p-values across the report [default: holm].
    #[arg(long, value_name = "holm|bh|none")]
    pub p_adjust: Option<String>,
    /// Significance level: an adjusted p-value below it is significant [default: 0.05].
    #[arg(long, value_name = "A")]
    pub alpha: Option<f64>,
    /// Groups with fewer rows are insufficient_data and not judged [default: 30].
    #[arg(long, value_name = "N")]
    pub min_group_size: Option<u64>,
    /// Groups with a smaller share of rows are insufficient_data; 0.02 is NYC LL 144 [default: 0].
    #[arg(long, value_name = "F")]
    pub min_group_share: Option<f64>,
    /// Bins of the score histograms [default: 1000].
    #[arg(long, value_name = "B")]
    pub score_bins: Option<usize>,
    /// Bins of the calibration table; must divide --score-bins [default: 10].
    #[arg(long, value_name = "K")]
    pub calibration_bins: Option<usize>,
    /// α of the generalized entropy index [default: 2].
    #[arg(long, value_name = "A")]
    pub ge_alpha: Option<f64>,
    /// Legitimate factor for conditional demographic parity (e.g. an income band).
    #[arg(long, value_name = "COL")]
    pub stratify: Option<String>,
    /// Model id (the spec's [model] id).
    #[arg(long, value_name = "ID")]
    pub model_id: Option<String>,
    /// Model version.
    #[arg(long, value_name = "V")]
    pub model_version: Option<String>,
    /// Model risk tier: low|medium|high [default: medium].
    #[arg(long, value_name = "TIER")]
    pub risk_tier: Option<String>,
    /// Risk register (CSV or JSON) to tag findings with.
    #[arg(long, value_name = "FILE")]
    pub risk_register: Option<PathBuf>,
    /// Run date (YYYY-MM-DD) for the cycle and due dates [default: today].
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Exit 1 when a finding reaches this status: fail|warn|never [default: fail].
    #[arg(long, value_name = "fail|warn|never")]
    pub fail_on: Option<String>,
    /// Format on standard output [default: table on a terminal, json otherwise].
    #[arg(long, value_name = "table|json|junit|markdown|oscal|html")]
    pub format: Option<String>,
    /// Write the report in --format (default json) to this file instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Also write the JSON report here.
    #[arg(long, value_name = "PATH")]
    pub out_json: Option<PathBuf>,
    /// Also write JUnit XML here.
    #[arg(long, value_name = "PATH")]
    pub out_junit: Option<PathBuf>,
    /// Also write the Markdown summary here.
    #[arg(long = "out-md", value_name = "PATH")]
    pub out_md: Option<PathBuf>,
    /// Also write the text table here.
    #[arg(long, value_name = "PATH")]
    pub out_table: Option<PathBuf>,
    /// Also write the self-contained HTML report here.
    #[arg(long, value_name = "PATH")]
    pub out_html: Option<PathBuf>,
    /// Write proposed risk-register entries (CSV) here.
    #[arg(long, value_name = "PATH")]
    pub proposed_risks: Option<PathBuf>,
    /// Record the run in the history store (compares findings with the last run).
    #[arg(long)]
    pub record: bool,
    /// History store [default: .fairaudit/history.db].
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct StoreArg {
    /// History store [default: .fairaudit/history.db].
    #[arg(long, value_name = "PATH", global = true)]
    pub store: Option<PathBuf>,
}

impl StoreArg {
    fn path(&self) -> PathBuf {
        self.store.clone().unwrap_or_else(store::default_path)
    }
}

#[derive(Args, Debug)]
pub struct HistoryArgs {
    #[command(subcommand)]
    pub command: HistoryCommand,
    #[command(flatten)]
    pub store: StoreArg,
}

#[derive(Subcommand, Debug)]
pub enum HistoryCommand {
    /// List recorded runs.
    List {
        #[arg(long, value_name = "ID")]
        model: Option<String>,
        #[arg(long, default_value = "table", value_name = "table|json")]
        format: String,
    },
    /// Show one run: its findings, or its stored report.
    Show {
        /// Run number, run id, or a unique prefix of it.
        run: String,
        #[arg(long, default_value = "table", value_name = "table|json|markdown")]
        format: String,
    },
    /// One metric of a model across runs.
    Trend {
        #[arg(long, value_name = "ID")]
        model: String,
        /// Metric or check id.
        #[arg(long, value_name = "NAME")]
        metric: String,
        #[arg(long = "attr", value_name = "ATTR")]
        attr: Option<String>,
        #[arg(long, default_value = "table", value_name = "table|json")]
        format: String,
    },
    /// Recompute the hash chain; exit 1 and name the first altered or missing run.
    Verify,
}

#[derive(Args, Debug)]
pub struct CycleArgs {
    #[command(subcommand)]
    pub command: CycleCommand,
    #[command(flatten)]
    pub store: StoreArg,
}

#[derive(Subcommand, Debug)]
pub enum CycleCommand {
    /// Last check, review and audit per model, next due dates, overdue flags.
    Status {
        /// Date to judge against [default: today].
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Exit 1 when a model is overdue (for a scheduler).
        #[arg(long)]
        fail_on_overdue: bool,
        #[arg(long, default_value = "table", value_name = "table|json")]
        format: String,
    },
    /// Record that a model's findings were reviewed, or the model audited.
    Review {
        #[arg(long, value_name = "ID")]
        model: String,
        #[arg(long, default_value = "review", value_name = "review|audit")]
        kind: String,
        /// [default: today]
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct EvidenceArgs {
    /// Run number, run id, or a unique prefix of it.
    pub run: String,
    /// A directory, or a file ending in .zip.
    #[arg(long, value_name = "DIR|FILE.zip")]
    pub out: PathBuf,
    #[command(flatten)]
    pub store: StoreArg,
}

fn set<T>(slot: &mut T, v: &Option<T>)
where
    T: Clone,
{
    if let Some(v) = v {
        *slot = v.clone();
    }
}

impl AuditArgs {
    /// The spec file (if any) with these flags laid over it, and where to
    /// record the run (if it is to be recorded).
    pub fn to_spec(&self) -> crate::Result<(Spec, Option<PathBuf>)> {
        self.build_spec(false)
    }

    /// As [`AuditArgs::to_spec`], without requiring data (for `sql`).
    pub fn to_spec_allow_no_data(&self) -> crate::Result<(Spec, Option<PathBuf>)> {
        self.build_spec(true)
    }

    fn build_spec(&self, allow_no_data: bool) -> crate::Result<(Spec, Option<PathBuf>)> {
        let (mut spec, run) = match &self.spec {
            Some(p) => file::load(p)?,
            None => (
                Spec::new(AuditSpec::new(vec![], vec![])),
                Default::default(),
            ),
        };
        let record = (self.record || run.record.unwrap_or(false)).then(|| {
            self.store
                .clone()
                .or(run.store)
                .unwrap_or_else(store::default_path)
        });
        let a = &mut spec.audit;
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
                return Err(crate::Error::usage(
                    "--postgres needs --table T: the table or view holding the decisions",
                ))
            }
            (None, _) if !allow_no_data && (self.table.is_some() || self.filter.is_some()) => {
                return Err(crate::Error::usage(
                    "--table and --where go with --postgres URL (or the sql command)",
                ))
            }
            (None, _) => {}
        }
        if let Some(f) = &self.input_format {
            a.input_format = Some(InputFormat::parse(f)?);
        }
        set(&mut a.columns.label, &self.label);
        if self.prediction.is_some() {
            a.columns.prediction = self.prediction.clone();
        }
        if self.score.is_some() {
            a.columns.score = self.score.clone();
        }
        set(&mut a.columns.threshold, &self.threshold);
        if self.weight.is_some() {
            a.columns.weight = self.weight.clone();
        }
        if self.positive.is_some() {
            a.columns.positive = self.positive.clone();
        }
        if !self.attrs.is_empty() {
            a.attributes = self.attrs.clone();
        }
        a.intersect |= self.intersect;
        if !self.references.is_empty() {
            let r = References::parse(&self.references)?;
            let has_strategy = self.references.iter().any(|v| !v.contains('='));
            if has_strategy {
                a.references.strategy = r.strategy;
            }
            a.references.named.extend(r.named);
        }
        if let Some(f) = &self.favorable {
            a.favorable = Favorable::parse(f)?;
        }
        set(&mut a.score_bins, &self.score_bins);
        set(&mut a.calibration_bins, &self.calibration_bins);
        if self.stratify.is_some() {
            a.stratify = self.stratify.clone();
        }
        let st = &mut a.stats;
        set(&mut st.ci_level, &self.ci_level);
        if let Some(m) = &self.ci_method {
            st.ci_method = CiMethod::parse(m)?;
        }
        set(&mut st.bootstrap, &self.bootstrap);
        set(&mut st.seed, &self.seed);
        if let Some(p) = &self.p_adjust {
            st.p_adjust = PAdjust::parse(p)?;
        }
        set(&mut st.alpha, &self.alpha);
        set(&mut st.ge_alpha, &self.ge_alpha);
        set(&mut st.min_group_size, &self.min_group_size);
        set(&mut st.min_group_share, &self.min_group_share);
        set(&mut spec.model.id, &self.model_id);
        if self.model_version.is_some() {
            spec.model.version = self.model_version.clone();
        }
        if let Some(t) = &self.risk_tier {
            spec.model.risk_tier = match t.as_str() {
                "low" => RiskTier::Low,
                "medium" => RiskTier::Medium,
                "high" => RiskTier::High,
                o => {
                    return Err(crate::Error::usage(format!(
                        "--risk-tier must be low, medium or high, not '{o}'"
                    )))
                }
            };
        }
        if let Some(r) = &self.risk_register {
            let columns = spec.register.take().map(|r| r.columns).unwrap_or_default();
            spec.register = Some(crate::governance::register::RegisterSource {
                path: r.clone(),
                columns,
            });
        }
        if let Some(d) = &self.as_of {
            spec.as_of = Some(
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|e| {
                    crate::Error::usage(format!("--as-of '{d}' is not a date YYYY-MM-DD: {e}"))
                })?,
            );
        }
        if let Some(f) = &self.fail_on {
            spec.fail_on = FailOn::parse(f)?;
        }
        let o = &mut spec.outputs;
        for (slot, v) in [
            (&mut o.json, &self.out_json),
            (&mut o.junit, &self.out_junit),
            (&mut o.markdown, &self.out_md),
            (&mut o.table, &self.out_table),
            (&mut o.html, &self.out_html),
            (&mut o.proposed_risks, &self.proposed_risks),
        ] {
            if v.is_some() {
                *slot = v.clone();
            }
        }
        let a = &spec.audit;
        if a.data.is_empty() && a.counts.is_empty() && a.postgres.is_none() && !allow_no_data {
            return Err(crate::Error::usage(
                "no data file given: pass DATA (or --counts FILE, or --postgres URL --table T), \
                 or set [data] paths in the --spec file",
            ));
        }
        Ok((spec, record))
    }
}

/// Keeps panics inside polars (on corrupt files) quiet: they become errors.
/// Any other panic is reported in one line, without a backtrace.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        if crate::ingest::IN_POLARS.load(Ordering::SeqCst) {
            return;
        }
        eprintln!("fairaudit: internal error: {info}");
    }));
}

/// Runs the command line; `Ok` carries the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> anyhow::Result<ExitCode> {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return Ok(ExitCode::from(code));
        }
    };
    match cli.command {
        Command::Audit(a) => audit(&a),
        Command::Init(a) => init(&a),
        Command::Controls(a) => controls(&a),
        Command::Sweep(a) => sweep_cmd(&a),
        Command::Counts(a) => counts_cmd(&a),
        Command::Sql(a) => {
            let (spec, _) = a.audit.to_spec_allow_no_data()?;
            let table = a.audit.table.as_deref().ok_or_else(|| {
                crate::Error::usage("sql needs --table T: the table or view holding the decisions")
            })?;
            let sql = crate::ingest::sql::counts_query(
                crate::ingest::sql::Dialect::parse(&a.dialect)?,
                table,
                &spec.audit,
                a.audit.filter.as_deref(),
            )?;
            println!("{sql}");
            Ok(ExitCode::SUCCESS)
        }
        Command::History(a) => history_cmd(&a),
        Command::Cycle(a) => cycle_cmd(&a),
        Command::Evidence(a) => {
            let store = Store::open_existing(&a.store.path())?;
            let written = crate::report::evidence::write_pack(&store, &a.run, &a.out)?;
            eprintln!(
                "wrote the evidence pack of run {} to {}",
                written.run_id,
                a.out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn render(report: &Report, format: Format) -> crate::Result<String> {
    format.exporter().render(report)
}

fn write(path: &Path, text: &str, what: &str) -> anyhow::Result<()> {
    write_atomic(path, text.as_bytes()).with_context(|| format!("writing the {what}"))
}

fn audit(a: &AuditArgs) -> anyhow::Result<ExitCode> {
    let (spec, record) = a.to_spec()?;
    let o = &spec.outputs;
    let files = [&o.json, &o.junit, &o.markdown, &o.table, &o.html]
        .iter()
        .any(|p| p.is_some());
    let format = match &a.format {
        Some(f) => Format::parse(f)?,
        None if a.out.is_some() => Format::Json,
        None if files || std::io::stdout().is_terminal() => Format::Table,
        None => Format::Json,
    };
    // The store is opened (and checked) before the data are read.
    let mut store = record.as_deref().map(Store::open).transpose()?;
    // Reading commands' store: the HTML report charts earlier runs when the
    // default (or given) store exists, even without --record.
    let read_store = match (&store, &a.store) {
        (None, Some(p)) if p.exists() => Some(Store::open(p)?),
        (None, None)
            if (o.html.is_some() || a.format.as_deref() == Some("html"))
                && store::default_path().exists() =>
        {
            Some(Store::open(&store::default_path())?)
        }
        _ => None,
    };
    let mut report = engine::run_with_history(&spec, store.as_ref().or(read_store.as_ref()))?;
    if store.is_some() || o.html.is_some() || format == Format::Html {
        report.compute_digests()?;
    }
    // Render everything first: nothing is written unless every format renders.
    let mut pending: Vec<(PathBuf, String, &str)> = vec![];
    for (path, fmt, what) in [
        (&o.json, Format::Json, "JSON report"),
        (&o.junit, Format::Junit, "JUnit report"),
        (&o.markdown, Format::Markdown, "Markdown summary"),
        (&o.table, Format::Table, "table report"),
        (&o.html, Format::Html, "HTML report"),
    ] {
        if let Some(p) = path {
            pending.push((p.clone(), render(&report, fmt)?, what));
        }
    }
    if let Some(p) = &o.proposed_risks {
        pending.push((
            p.clone(),
            crate::governance::register::to_csv(&report.proposed_risks),
            "proposed risks",
        ));
    }
    let main_text = render(&report, format)?;
    if let Some(st) = &mut store {
        let r = crate::report::record::record(&report, &spec, st)?;
        eprintln!(
            "recorded run #{} {} in {} (chain {})",
            r.seq,
            r.run_id,
            st.path().display(),
            &r.chain_hash[..16]
        );
    }
    for (p, text, what) in &pending {
        write(p, text, what)?;
    }
    match &a.out {
        Some(path) => write(path, &main_text, "report")?,
        None => print!("{main_text}"),
    }
    Ok(if report.gate_failed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn init(a: &InitArgs) -> anyhow::Result<ExitCode> {
    if a.out.exists() && !a.force {
        return Err(crate::Error::usage(format!(
            "'{}' exists; pass --force to overwrite it",
            a.out.display()
        ))
        .into());
    }
    write(&a.out, file::EXAMPLE, "example spec")?;
    eprintln!(
        "wrote {}; run: fairaudit audit --spec {}",
        a.out.display(),
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn controls(a: &ControlsArgs) -> anyhow::Result<ExitCode> {
    print!("{}", crate::report::controls::render(&a.format)?);
    Ok(ExitCode::SUCCESS)
}

fn parse_date(s: &str, what: &str) -> crate::Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| crate::Error::usage(format!("{what} '{s}' is not a date YYYY-MM-DD: {e}")))
}

fn json_out<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).expect("serializable") + "\n"
}

fn history_cmd(a: &HistoryArgs) -> anyhow::Result<ExitCode> {
    use crate::report::views as view;
    let store = Store::open_existing(&a.store.path())?;
    match &a.command {
        HistoryCommand::List { model, format } => {
            let runs = store.list(model.as_deref())?;
            print!(
                "{}",
                if format == "json" {
                    json_out(&runs)
                } else {
                    view::runs_table(&runs)
                }
            );
        }
        HistoryCommand::Show { run, format } => {
            let r = store.get(run)?;
            match format.as_str() {
                "json" => print!("{}", r.run.report_json),
                "markdown" => print!("{}", r.run.report_md),
                _ => print!("{}", view::run_table(&r)),
            }
        }
        HistoryCommand::Trend {
            model,
            metric,
            attr,
            format,
        } => {
            let rows = store.trend(model, metric, attr.as_deref())?;
            if rows.is_empty() {
                return Err(crate::Error::usage(format!(
                    "no recorded finding of metric or check '{metric}' for model '{model}'"
                ))
                .into());
            }
            print!(
                "{}",
                if format == "json" {
                    json_out(&view::trend_json(&rows))
                } else {
                    view::trend_table(&rows)
                }
            );
        }
        HistoryCommand::Verify => {
            let v = store.verify()?;
            if v.ok {
                println!(
                    "history store {}: {} runs, chain intact",
                    store.path().display(),
                    v.runs_checked
                );
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "history store {}: BROKEN after {} intact runs: {}",
                store.path().display(),
                v.runs_checked,
                v.problem.unwrap_or_default()
            );
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn cycle_cmd(a: &CycleArgs) -> anyhow::Result<ExitCode> {
    match &a.command {
        CycleCommand::Status {
            as_of,
            fail_on_overdue,
            format,
        } => {
            let store = Store::open_existing(&a.store.path())?;
            let as_of = match as_of {
                Some(d) => parse_date(d, "--as-of")?,
                None => chrono::Utc::now().date_naive(),
            };
            let st = crate::governance::cycle::status(&store, as_of)?;
            print!(
                "{}",
                if format == "json" {
                    json_out(&st)
                } else {
                    crate::report::views::cycle_table(&st, as_of)
                }
            );
            let overdue = st.iter().any(|m| !m.overdue.is_empty());
            Ok(if overdue && *fail_on_overdue {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        CycleCommand::Review {
            model,
            kind,
            date,
            by,
            note,
        } => {
            if kind != "review" && kind != "audit" {
                return Err(crate::Error::usage(format!(
                    "--kind must be review or audit, not '{kind}'"
                ))
                .into());
            }
            let d = match date {
                Some(d) => parse_date(d, "--date")?,
                None => chrono::Utc::now().date_naive(),
            };
            let store = Store::open_existing(&a.store.path())?;
            if store.list(Some(model))?.is_empty() {
                return Err(crate::Error::usage(format!(
                    "model '{model}' has no recorded run in {}",
                    store.path().display()
                ))
                .into());
            }
            store.add_event(model, kind, &d.to_string(), by.as_deref(), note.as_deref())?;
            eprintln!("recorded {kind} of {model} on {d}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn sweep_cmd(a: &SweepArgs) -> anyhow::Result<ExitCode> {
    let (spec, _) = a.audit.to_spec()?;
    if spec.audit.columns.score.is_none() {
        return Err(crate::Error::usage("sweep needs a score column: pass --score COL").into());
    }
    if !(a.step > 0.0 && a.step <= 0.5) {
        return Err(
            crate::Error::usage(format!("--step must be in (0, 0.5], not {}", a.step)).into(),
        );
    }
    let mut audit_spec = spec.audit.clone();
    audit_spec.stats.bootstrap = 0;
    let audit = crate::audit::run(&audit_spec)?;
    let t = std::time::Instant::now();
    let sweeps = crate::audit::sweep::sweep(&audit, a.step, a.eo_bound);
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    match a.audit.format.as_deref() {
        Some("json") => print!(
            "{}",
            json_out(&serde_json::json!({"step": a.step, "sweep_ms": ms, "attributes": sweeps}))
        ),
        _ => {
            for s in &sweeps {
                println!("{}", crate::audit::sweep::table(s, a.every));
            }
            eprintln!(
                "swept {} thresholds × {} attributes in {ms:.1} ms",
                sweeps.first().map_or(0, |s| s.points.len()),
                sweeps.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn counts_cmd(a: &CountsArgs) -> anyhow::Result<ExitCode> {
    let (spec, _) = a.audit.to_spec()?;
    let out = a
        .audit
        .out
        .clone()
        .ok_or_else(|| crate::Error::usage("counts needs --out FILE.parquet (or .csv)"))?;
    let mut s = spec.audit.clone();
    s.validate()?;
    if s.data.is_empty() || !s.counts.is_empty() || s.postgres.is_some() {
        return Err(crate::Error::usage(
            "counts reads data files (DATA ...) only; counts tables and --postgres sources are \
             audited directly with audit --counts / --postgres",
        )
        .into());
    }
    s.data = crate::ingest::expand_paths(&s.data)?;
    let mut frames = vec![];
    for p in &s.data {
        frames.push(crate::ingest::counts_table(p, &s)?);
    }
    let mut df = frames.remove(0);
    for f in frames {
        df.vstack_mut(&f)
            .map_err(|e| crate::Error::usage(format!("cannot stack counts: {e}")))?;
    }
    // Written whole to a temporary file, then renamed: no partial output.
    let tmp = out.with_extension(format!(
        "tmp.{}",
        out.extension()
            .and_then(|e| e.to_str())
            .unwrap_or("parquet")
    ));
    crate::ingest::write_frame(df.clone(), &tmp)?;
    std::fs::rename(&tmp, &out).map_err(|e| crate::Error::Write {
        path: out.clone(),
        source: e,
    })?;
    eprintln!("wrote {} count rows to {}", df.height(), out.display());
    Ok(ExitCode::SUCCESS)
}
