//! The command line: every command, and the groups of flags each takes. Only
//! definitions; what the flags mean for a spec is `settings`, what a command
//! does is `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::ingest::sql::Dialect;
use crate::report::Format;
use crate::spec::{FailOn, Favorable, InputFormat, RiskTier};
use crate::stats::{CiMethod, PAdjust};

/// fairaudit's command line.
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
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
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

/// Text or JSON, for listings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A table for the terminal.
    #[default]
    Table,
    /// JSON.
    Json,
}

/// How `history show` prints a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ShowFormat {
    /// Its findings, as a table.
    #[default]
    Table,
    /// Its stored JSON report.
    Json,
    /// Its stored Markdown summary.
    Markdown,
}

/// The spec file flag.
#[derive(Args, Debug, Default)]
pub struct SpecArg {
    /// Audit specification (TOML); flags override it.
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
}

/// Where the decisions come from.
#[derive(Args, Debug, Default)]
pub struct InputArgs {
    /// Decision files (CSV, Parquet, NDJSON or Arrow IPC); several are merged.
    /// Default: the spec's `[data]` paths.
    #[arg(value_name = "DATA")]
    pub data: Vec<PathBuf>,
    /// A pre-aggregated counts table (CSV or Parquet; repeatable), instead of or
    /// besides data files: see docs/counts-format.md.
    #[arg(long = "counts", value_name = "FILE")]
    pub counts: Vec<PathBuf>,
    /// A PostgreSQL server to audit a table on (URL or key=value connection
    /// string; PGPASSWORD is used when it has no password): the server runs
    /// the counts query and only the counts leave it. Needs --table.
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
    /// Table (or view) holding the decisions, e.g. lake.decisions (with --postgres).
    #[arg(long, value_name = "T")]
    pub table: Option<String>,
    /// Row filter, e.g. a time window: "decided_at >= DATE '2026-10-01'" (with --postgres).
    #[arg(long = "where", value_name = "CONDITION")]
    pub filter: Option<String>,
    /// Input format, when the extension does not tell.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<InputFormat>,
}

/// Data files only (the `counts` command).
#[derive(Args, Debug, Default)]
pub struct FileArgs {
    /// Decision files (CSV, Parquet, NDJSON or Arrow IPC).
    /// Default: the spec's `[data]` paths.
    #[arg(value_name = "DATA")]
    pub data: Vec<PathBuf>,
    /// Input format, when the extension does not tell.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<InputFormat>,
}

/// The columns of the decisions and the attributes to audit.
#[derive(Args, Debug, Default)]
pub struct ColumnArgs {
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
    /// Value of label and prediction that counts as positive (for text or other codes).
    #[arg(long, value_name = "VALUE")]
    pub positive: Option<String>,
    /// Protected attribute column (repeat for several).
    #[arg(long = "attr", value_name = "COL")]
    pub attrs: Vec<String>,
    /// Also audit every intersection of the attributes.
    #[arg(long)]
    pub intersect: bool,
    /// Legitimate factor for conditional demographic parity (e.g. an income band).
    #[arg(long, value_name = "COL")]
    pub stratify: Option<String>,
    /// Bins of the score histograms [default: 1000].
    #[arg(long, value_name = "B")]
    pub score_bins: Option<usize>,
}

/// How groups are compared.
#[derive(Args, Debug, Default)]
pub struct GroupArgs {
    /// Reference group: largest|best|overall, and/or ATTR=GROUP (repeatable).
    #[arg(long = "reference", value_name = "STRATEGY|ATTR=GROUP")]
    pub references: Vec<String>,
    /// Which predicted outcome benefits the person [default: positive].
    #[arg(long, value_enum, value_name = "WHICH")]
    pub favorable: Option<Favorable>,
    /// Groups with fewer rows are insufficient_data and not judged [default: 30].
    #[arg(long, value_name = "N")]
    pub min_group_size: Option<u64>,
    /// Groups with a smaller share of rows are insufficient_data; 0.02 is NYC LL 144 [default: 0].
    #[arg(long, value_name = "F")]
    pub min_group_share: Option<f64>,
}

/// The statistics: intervals, tests, bootstrap.
#[derive(Args, Debug, Default)]
pub struct StatArgs {
    /// Confidence level of every interval [default: 0.95].
    #[arg(long, value_name = "LEVEL")]
    pub ci_level: Option<f64>,
    /// Interval on rates: Wilson score or exact Clopper-Pearson [default: wilson].
    #[arg(long, value_enum, value_name = "METHOD")]
    pub ci_method: Option<CiMethod>,
    /// Bootstrap replicates for the summaries' intervals; 0 switches them off [default: 1000].
    #[arg(long, value_name = "N")]
    pub bootstrap: Option<usize>,
    /// Seed of the bootstrap, for reproducible intervals.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Multiple-comparison adjustment of p-values across the report [default: holm].
    #[arg(long, value_enum, value_name = "METHOD")]
    pub p_adjust: Option<PAdjust>,
    /// Significance level: an adjusted p-value below it is significant [default: 0.05].
    #[arg(long, value_name = "A")]
    pub alpha: Option<f64>,
    /// Bins of the calibration table; must divide --score-bins [default: 10].
    #[arg(long, value_name = "K")]
    pub calibration_bins: Option<usize>,
    /// α of the generalized entropy index [default: 2].
    #[arg(long, value_name = "A")]
    pub ge_alpha: Option<f64>,
}

/// The model, its governance and the CI gate.
#[derive(Args, Debug, Default)]
pub struct GovernanceArgs {
    /// Model id (the spec's `[model]` id).
    #[arg(long, value_name = "ID")]
    pub model_id: Option<String>,
    /// Model version.
    #[arg(long, value_name = "V")]
    pub model_version: Option<String>,
    /// Model risk tier [default: medium].
    #[arg(long, value_enum, value_name = "TIER")]
    pub risk_tier: Option<RiskTier>,
    /// Risk register (CSV or JSON) to tag findings with.
    #[arg(long, value_name = "FILE")]
    pub risk_register: Option<PathBuf>,
    /// Run date (YYYY-MM-DD) for the cycle and due dates [default: today].
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Exit 1 when a finding reaches this status [default: fail].
    #[arg(long, value_enum, value_name = "STATUS")]
    pub fail_on: Option<FailOn>,
}

/// Where the reports go, and the history store.
#[derive(Args, Debug, Default)]
pub struct OutputArgs {
    /// Format on standard output [default: table on a terminal, json otherwise].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<Format>,
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

/// `fairaudit audit`.
#[derive(Args, Debug, Default)]
pub struct AuditArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub spec: SpecArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub columns: ColumnArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub groups: GroupArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub stats: StatArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub governance: GovernanceArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: OutputArgs,
}

/// `fairaudit counts`.
#[derive(Args, Debug)]
pub struct CountsArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub spec: SpecArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub files: FileArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub columns: ColumnArgs,
    /// The counts table to write (.parquet or .csv).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// `fairaudit sql`.
#[derive(Args, Debug)]
pub struct SqlArgs {
    /// SQL dialect.
    #[arg(long, value_enum)]
    pub dialect: Dialect,
    /// Table (or view) holding the decisions, e.g. lake.decisions.
    #[arg(long, value_name = "T")]
    pub table: String,
    /// Row filter, e.g. a time window: "decided_at >= DATE '2026-10-01'".
    #[arg(long = "where", value_name = "CONDITION")]
    pub filter: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub spec: SpecArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub columns: ColumnArgs,
}

/// `fairaudit sweep`.
#[derive(Args, Debug)]
pub struct SweepArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub spec: SpecArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub columns: ColumnArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub groups: GroupArgs,
    /// Threshold step.
    #[arg(long, default_value_t = 0.01, value_name = "S")]
    pub step: f64,
    /// Bound on the equal opportunity difference for the reported range.
    #[arg(long, default_value_t = 0.1, value_name = "B")]
    pub eo_bound: f64,
    /// Print every Nth threshold in the table.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub every: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ListFormat,
}

/// `fairaudit init`.
#[derive(Args, Debug)]
pub struct InitArgs {
    /// Where to write the spec.
    #[arg(long, default_value = "fairaudit.toml", value_name = "PATH")]
    pub out: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

/// `fairaudit controls`.
#[derive(Args, Debug)]
pub struct ControlsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ListFormat,
}

/// The history store, for the commands that read it.
#[derive(Args, Debug)]
pub struct StoreArg {
    /// History store [default: .fairaudit/history.db].
    #[arg(long, value_name = "PATH", global = true)]
    pub store: Option<PathBuf>,
}

impl StoreArg {
    /// The store's path, or the default.
    pub fn path(&self) -> PathBuf {
        self.store
            .clone()
            .unwrap_or_else(crate::governance::store::default_path)
    }
}

/// `fairaudit history`.
#[derive(Args, Debug)]
pub struct HistoryArgs {
    /// What to do with the history.
    #[command(subcommand)]
    pub command: HistoryCommand,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub store: StoreArg,
}

/// `fairaudit history ...`.
#[derive(Subcommand, Debug)]
pub enum HistoryCommand {
    /// List recorded runs.
    List {
        /// Only this model's runs.
        #[arg(long, value_name = "ID")]
        model: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: ListFormat,
    },
    /// Show one run: its findings, or its stored report.
    Show {
        /// Run number, run id, or a unique prefix of it.
        run: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: ShowFormat,
    },
    /// One metric of a model across runs.
    Trend {
        /// The model.
        #[arg(long, value_name = "ID")]
        model: String,
        /// Metric or check id.
        #[arg(long, value_name = "NAME")]
        metric: String,
        /// Only this attribute.
        #[arg(long = "attr", value_name = "ATTR")]
        attr: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: ListFormat,
    },
    /// Recompute the hash chain; exit 1 and name the first altered or missing run.
    Verify,
}

/// `fairaudit cycle`.
#[derive(Args, Debug)]
pub struct CycleArgs {
    /// What to do with the cycle.
    #[command(subcommand)]
    pub command: CycleCommand,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub store: StoreArg,
}

/// What a cycle event records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum EventKind {
    /// A management / model-risk review of the findings.
    #[default]
    Review,
    /// An internal audit of the model.
    Audit,
}

impl EventKind {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Review => "review",
            EventKind::Audit => "audit",
        }
    }
}

/// `fairaudit cycle ...`.
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
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: ListFormat,
    },
    /// Record that a model's findings were reviewed, or the model audited.
    Review {
        /// The model.
        #[arg(long, value_name = "ID")]
        model: String,
        /// Review or audit.
        #[arg(long, value_enum, default_value_t)]
        kind: EventKind,
        /// [default: today]
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
        /// Who reviewed.
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
        /// A note.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
    },
}

/// `fairaudit evidence`.
#[derive(Args, Debug)]
pub struct EvidenceArgs {
    /// Run number, run id, or a unique prefix of it.
    pub run: String,
    /// A directory, or a file ending in .zip.
    #[arg(long, value_name = "DIR|FILE.zip")]
    pub out: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub store: StoreArg,
}
