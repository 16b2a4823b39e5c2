//! The command line: every command, and the groups of flags each takes. Only
//! definitions; what the flags mean for a spec is `settings`, what a command
//! does is `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::ingest::sql::Dialect;
use crate::report::{DataFormat, Format};
use crate::spec::{FailOn, Favorable, InputFormat, Reader, RiskTier};
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
    /// Examine a data set: representation, label base rates, missing values,
    /// proxies of protected attributes, schema and drift (AI Act Art. 10).
    Data(Box<DataArgs>),
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
    /// The life of findings: list, show, assign, treat, accept, action, close.
    Finding(FindingArgs),
    /// Approve a spec's thresholds before it is used.
    Spec(SpecCmdArgs),
    /// Management-review input across every model in the store (ISO 27001 / 42001 9.3.2).
    ReviewPack(ReviewPackArgs),
    /// Make an Ed25519 key pair (minisign format) to sign evidence packs.
    Keygen(KeygenArgs),
    /// Verify an evidence pack's files and signature.
    VerifyPack(VerifyPackArgs),
    /// Files for GRC tools: CISO Assistant imports and libraries.
    Export(ExportArgs),
    /// Send a recorded run to a GRC tool over its API.
    Push(PushArgs),
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
    /// How data files are read: `auto` counts Parquet and quote-free CSV
    /// files on their dictionary codes when it can (see --verbose), `general`
    /// always uses polars' group-by. Both give the same report.
    #[arg(long, value_enum, value_name = "READER", default_value = "auto")]
    pub reader: Reader,
    /// Say on stderr how each data file was read.
    #[arg(short, long)]
    pub verbose: bool,
}

/// How the data examination reads its files.
#[derive(Args, Debug, Default)]
pub struct ReadArgs {
    /// How data files are read: `auto` counts Parquet files by row groups
    /// with arrow-rs when it can (see --verbose), `general` always streams
    /// them through polars. Both give the same examination.
    #[arg(
        long,
        value_enum,
        value_name = "READER",
        default_value = "auto",
        hide_possible_values = true
    )]
    pub reader: Reader,
    /// Say on stderr how each data file was read.
    #[arg(short, long)]
    pub verbose: bool,
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
    /// The decision has more than two outcomes: its levels, comma-separated (e.g. Low,Medium,High).
    #[arg(long, value_name = "L1,L2,...", value_delimiter = ',')]
    pub outcomes: Vec<String>,
    /// A favourable outcome level (repeatable); their union is the binary decision judged.
    #[arg(long = "favorable-outcome", value_name = "LEVEL")]
    pub favorable_outcomes: Vec<String>,
    /// Map a numeric prediction column onto a level: LEVEL=LOW:HIGH, inclusive (repeatable).
    #[arg(long = "outcome-band", value_name = "LEVEL=LOW:HIGH")]
    pub outcome_bands: Vec<String>,
    /// A numeric outcome: a price, rate spread, amount, or a regression prediction.
    #[arg(long, value_name = "COL")]
    pub value: Option<String>,
    /// The true value of a regression prediction given with --value (errors by group).
    #[arg(long, value_name = "COL", requires = "value")]
    pub value_truth: Option<String>,
    /// A legitimate factor (categorical column, e.g. an LTV band) to adjust group gaps for (repeatable).
    #[arg(long = "control", value_name = "COL")]
    pub controls: Vec<String>,
    /// Cut each numeric --control into this many quantile bands (one extra read of those columns).
    #[arg(long, value_name = "N")]
    pub control_bins: Option<usize>,
    /// The final (human) decision beside --prediction, the model's recommendation: the human-oversight audit.
    #[arg(long = "final", value_name = "COL")]
    pub final_decision: Option<String>,
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
    /// Risk register (CSV or JSON; also a CISO Assistant risk-scenario export) to tag findings with.
    #[arg(long, value_name = "FILE")]
    pub risk_register: Option<PathBuf>,
    /// The risk matrix of the register's likelihood and impact labels (CISO Assistant JSON or library YAML) [default: 5×5 ISO 27005].
    #[arg(long, value_name = "FILE")]
    pub risk_matrix: Option<PathBuf>,
    /// Risk acceptances exported from CISO Assistant (JSON of GET /api/risk-acceptances/).
    #[arg(long, value_name = "FILE")]
    pub risk_acceptances: Option<PathBuf>,
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
    /// Format on standard output [default: json with --out; table on a terminal or when --out-* files are written; json otherwise].
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
    /// Write CISO Assistant import files (and, with --record, the evidence pack) into this directory.
    #[arg(long, value_name = "DIR")]
    pub out_ciso: Option<PathBuf>,
    /// Record the run in the history store (compares findings with the last run).
    #[arg(long)]
    pub record: bool,
    /// History store [default: .fairaudit/history.db].
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Who records the run [default: $FAIRAUDIT_ACTOR, else the login name].
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    /// Exit 2 unless the spec's thresholds were approved (fairaudit spec approve).
    #[arg(long)]
    pub require_approved_spec: bool,
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

/// What `fairaudit data` examines and how it judges.
#[derive(Args, Debug, Default)]
pub struct ExamineArgs {
    /// Protected attribute column (repeat for several).
    #[arg(long = "attr", value_name = "COL")]
    pub attrs: Vec<String>,
    /// The label column (its favourable base rate by group) [default: y_true, when present].
    #[arg(long, value_name = "COL")]
    pub label: Option<String>,
    /// The model's output column, when the data has one [default: y_pred, when present].
    #[arg(long, value_name = "COL")]
    pub prediction: Option<String>,
    /// Value of label and prediction that counts as positive (for text or other codes).
    #[arg(long, value_name = "VALUE")]
    pub positive: Option<String>,
    /// Which prediction is favourable [default: positive].
    #[arg(long, value_enum, value_name = "WHICH")]
    pub favorable: Option<crate::spec::Favorable>,
    /// Reference group of an attribute for base-rate gaps: ATTR=GROUP (repeatable) [default: the largest].
    #[arg(long = "reference", value_name = "ATTR=GROUP")]
    pub references: Vec<String>,
    /// Columns to examine and screen, comma-separated [default: every column but the attributes].
    #[arg(long, value_name = "C1,C2,...", value_delimiter = ',')]
    pub columns: Vec<String>,
    /// A numeric-looking column that holds codes (a postcode): screened as text (repeatable).
    #[arg(long = "text", value_name = "COL")]
    pub text_columns: Vec<String>,
    /// Expected shares of each attribute's groups (CSV: attribute,group,share).
    #[arg(long, value_name = "FILE")]
    pub population: Option<PathBuf>,
    /// Valid range of a numeric column: COL=LO..HI (either bound optional; repeatable).
    #[arg(long = "range", value_name = "COL=LO..HI")]
    pub ranges: Vec<String>,
    /// Quantile bands of numeric columns in proxy screening [default: 10].
    #[arg(long, value_name = "N")]
    pub bands: Option<usize>,
    /// Bias-corrected Cramér's V at or above which a column is flagged as a proxy [default: 0.3].
    #[arg(long, value_name = "V")]
    pub proxy_threshold: Option<f64>,
    /// Name of the data set in the history (drift compares with its last examination) [default: the model id].
    #[arg(long, value_name = "NAME")]
    pub dataset: Option<String>,
    /// Confidence level of every interval [default: 0.95].
    #[arg(long, value_name = "LEVEL")]
    pub ci_level: Option<f64>,
    /// Significance level of the tests behind findings [default: 0.05].
    #[arg(long, value_name = "A")]
    pub alpha: Option<f64>,
    /// Groups with fewer rows are insufficient_data in base-rate findings and left out of missing-value gaps [default: 30].
    #[arg(long, value_name = "N")]
    pub min_group_size: Option<u64>,
    /// Groups with a smaller share of rows are treated the same way [default: 0].
    #[arg(long, value_name = "F")]
    pub min_group_share: Option<f64>,
}

/// Where the examination goes.
#[derive(Args, Debug, Default)]
pub struct DataOutputArgs {
    /// Format on standard output [default: table on a terminal, json otherwise].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<DataFormat>,
    /// Write the report in --format (default json) to this file instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// Also write the JSON report here.
    #[arg(long, value_name = "PATH")]
    pub out_json: Option<PathBuf>,
    /// Also write the Markdown summary here.
    #[arg(long = "out-md", value_name = "PATH")]
    pub out_md: Option<PathBuf>,
    /// Also write the self-contained HTML report here.
    #[arg(long, value_name = "PATH")]
    pub out_html: Option<PathBuf>,
    /// Record the examination in the history store (drift is measured against the last one).
    #[arg(long)]
    pub record: bool,
    /// History store [default: .fairaudit/history.db].
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Who records the run [default: $FAIRAUDIT_ACTOR, else the login name].
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
}

/// `fairaudit data`.
#[derive(Args, Debug, Default)]
pub struct DataArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub spec: SpecArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub files: FileArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub read: ReadArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub examine: ExamineArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub governance: GovernanceArgs,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub output: DataOutputArgs,
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
    /// Print the mapping instead (control, occasion, rationale) as a Markdown table.
    #[arg(long)]
    pub mapping: bool,
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
    /// Recompute the hash chain; exit 1 and name the first altered or missing entry.
    Verify {
        /// A head kept outside the store (the hash, the line `history head` printed, or the file it wrote): it must be in the chain.
        #[arg(long, value_name = "HEAD")]
        expect_head: Option<String>,
    },
    /// Print the head of the chain, to keep outside the store.
    Head {
        /// Sign the head line with this minisign secret key.
        #[arg(long, value_name = "KEY")]
        sign: Option<PathBuf>,
        /// Write the head (and its .minisig) here.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Who signs [default: $FAIRAUDIT_ACTOR, else the login name].
        #[arg(long, value_name = "NAME", requires = "sign")]
        by: Option<String>,
    },
    /// Remove runs before a date, outside their retention period; recorded in the chain.
    Prune {
        /// Runs dated before this are removed (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        before: String,
        /// Who prunes [default: $FAIRAUDIT_ACTOR, else the login name].
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
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
        /// The day of the review or audit, YYYY-MM-DD [default: today].
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
        /// Who reviewed [default: $FAIRAUDIT_ACTOR, else the login name].
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
        /// A note.
        #[arg(long, value_name = "TEXT")]
        note: Option<String>,
        /// The run the review or audit used (its evidence pack then cites 9.2.2 / 9.3.2).
        #[arg(long, value_name = "RUN")]
        run: Option<String>,
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
    /// Sign the pack's SHA256SUMS with this minisign secret key.
    #[arg(long, value_name = "KEY")]
    pub sign: Option<PathBuf>,
    /// Who signs [default: $FAIRAUDIT_ACTOR, else the login name].
    #[arg(long, value_name = "NAME")]
    pub by: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub store: StoreArg,
}

/// `fairaudit finding`.
#[derive(Args, Debug)]
pub struct FindingArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: FindingCommand,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub store: StoreArg,
}

/// A treatment other than acceptance (`finding accept` records that).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TreatmentArg {
    /// Reduce the risk.
    Mitigate,
    /// Share it (insurance, a third party).
    Transfer,
    /// Stop the activity.
    Avoid,
}

/// `fairaudit finding ...`.
#[derive(Subcommand, Debug)]
pub enum FindingCommand {
    /// Findings and where they stand.
    List {
        /// Only this model's.
        #[arg(long, value_name = "ID")]
        model: Option<String>,
        /// Only findings in this state.
        #[arg(long, value_enum)]
        state: Option<crate::checks::LifeState>,
        /// Only findings past their due date.
        #[arg(long)]
        overdue: bool,
        /// Date to judge against [default: today].
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: ListFormat,
    },
    /// One finding and its log.
    Show {
        /// The finding id (FA-...).
        id: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: ListFormat,
    },
    /// Set a finding's owner.
    Assign {
        /// The finding id.
        id: String,
        /// Who owns it.
        #[arg(long, value_name = "NAME")]
        owner: String,
        /// Who records it [default: $FAIRAUDIT_ACTOR, else the login name].
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// Decide a treatment with a plan and a due date (ISO 27001 6.1.3).
    Treat {
        /// The finding id.
        id: String,
        /// The plan.
        #[arg(long, value_name = "TEXT")]
        plan: String,
        /// When it is due (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        due: String,
        /// How the risk is treated.
        #[arg(long, value_enum, default_value = "mitigate")]
        treatment: TreatmentArg,
        /// Who records it.
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// Accept the risk, with an approver, a justification and an expiry.
    Accept {
        /// The finding id.
        id: String,
        /// Who accepts the risk (not the model's owner, unless the spec allows it).
        #[arg(long, value_name = "NAME")]
        approver: String,
        /// Why.
        #[arg(long, value_name = "TEXT")]
        justification: String,
        /// Until when (YYYY-MM-DD); the finding reopens after.
        #[arg(long, value_name = "DATE")]
        expires: String,
        /// Who records it.
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// Record a corrective action (ISO 27001 10.2).
    Action {
        /// The finding id.
        id: String,
        /// The action taken.
        #[arg(long, value_name = "TEXT")]
        corrective: String,
        /// Its root cause.
        #[arg(long, value_name = "TEXT")]
        cause: Option<String>,
        /// How its effectiveness will be checked.
        #[arg(long, value_name = "TEXT")]
        effectiveness: Option<String>,
        /// Who records it.
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
    /// Close a resolved finding, with the run that shows it fixed.
    Close {
        /// The finding id.
        id: String,
        /// The run in which it passes.
        #[arg(long, value_name = "RUN")]
        evidence: String,
        /// Who closes it.
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
}

/// `fairaudit spec`.
#[derive(Args, Debug)]
pub struct SpecCmdArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: SpecCommand,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub store: StoreArg,
}

/// `fairaudit spec ...`.
#[derive(Subcommand, Debug)]
pub enum SpecCommand {
    /// Approve a spec file's thresholds (its SHA-256) for its model.
    Approve {
        /// The spec file.
        file: PathBuf,
        /// Who approves (not the model's owner, unless the spec allows it).
        #[arg(long, value_name = "NAME")]
        approver: String,
        /// Who records it.
        #[arg(long, value_name = "NAME")]
        by: Option<String>,
    },
}

/// `fairaudit review-pack`.
#[derive(Args, Debug)]
pub struct ReviewPackArgs {
    /// First day of the review window (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: String,
    /// Last day of the review window (YYYY-MM-DD) [default: today].
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Directory for review.md and review.html.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub store: StoreArg,
}

/// `fairaudit keygen`.
#[derive(Args, Debug)]
pub struct KeygenArgs {
    /// Writes PREFIX.key (secret) and PREFIX.pub (public).
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
    /// Overwrite existing key files.
    #[arg(long)]
    pub force: bool,
}

/// `fairaudit verify-pack`.
#[derive(Args, Debug)]
pub struct VerifyPackArgs {
    /// The evidence pack's directory.
    pub dir: PathBuf,
    /// The signer's public key (minisign format).
    #[arg(long, value_name = "KEY")]
    pub pubkey: Option<PathBuf>,
}

/// `fairaudit export`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// What to write.
    #[command(subcommand)]
    pub command: ExportCommand,
}

/// `fairaudit export ...`.
#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// A recorded run as CISO Assistant Data Wizard imports, requirement results and the evidence pack.
    CisoAssistant {
        /// Run number, run id, or a unique prefix of it.
        run: String,
        /// Directory to write into.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The risk matrix whose labels the import uses (CISO Assistant JSON or library YAML) [default: 5×5 ISO 27005].
        #[arg(long, value_name = "FILE")]
        risk_matrix: Option<PathBuf>,
        #[command(flatten)]
        #[allow(missing_docs)]
        store: StoreArg,
    },
    /// The spec's checks as a CISO Assistant framework library, and its mapping library.
    CisoLibrary {
        #[command(flatten)]
        #[allow(missing_docs)]
        spec: SpecArg,
        /// The framework library (YAML); the mapping library goes next to it as STEM-mappings.yaml.
        #[arg(long, value_name = "FILE.yaml")]
        out: PathBuf,
        /// The libraries' version: raise it on every change (CISO Assistant refuses a version it already has).
        #[arg(long, value_name = "N", default_value_t = 1)]
        library_version: u32,
        /// The publication date (YYYY-MM-DD) [default: today].
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
}

/// `fairaudit push`.
#[derive(Args, Debug)]
pub struct PushArgs {
    /// Where to send.
    #[command(subcommand)]
    pub command: PushCommand,
}

/// `fairaudit push ...`.
#[derive(Subcommand, Debug)]
pub enum PushCommand {
    /// Import the run's risks and findings, set the framework's requirement results, attach the evidence pack and link the findings.
    CisoAssistant {
        /// Run number, run id, or a unique prefix of it.
        run: String,
        /// The instance's base URL (the API is under /api/).
        #[arg(long, value_name = "URL")]
        url: String,
        /// The environment variable holding the API token (never printed or stored).
        #[arg(long, value_name = "VAR", default_value = "CISO_ASSISTANT_TOKEN")]
        token_env: String,
        /// The audit (compliance assessment) of the fairaudit framework.
        #[arg(long, value_name = "ID")]
        assessment: String,
        /// The risk assessment the scenarios go into.
        #[arg(long, value_name = "ID")]
        risk_assessment: String,
        /// The findings assessment the findings go into.
        #[arg(long, value_name = "ID")]
        findings_assessment: String,
        /// The domain (folder) of the evidence.
        #[arg(long, value_name = "ID")]
        folder: String,
        /// The risk matrix of the risk assessment (CISO Assistant JSON or library YAML) [default: 5×5 ISO 27005].
        #[arg(long, value_name = "FILE")]
        risk_matrix: Option<PathBuf>,
        #[command(flatten)]
        #[allow(missing_docs)]
        store: StoreArg,
    },
}
