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
use crate::report::{write_atomic, Format};
use crate::spec::{file, AuditSpec, FailOn, Favorable, InputFormat, References, RiskTier, Spec};
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
    #[arg(long, value_name = "table|json|junit|markdown")]
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
    /// Write proposed risk-register entries (CSV) here.
    #[arg(long, value_name = "PATH")]
    pub proposed_risks: Option<PathBuf>,
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
    /// The spec file (if any) with these flags laid over it.
    pub fn to_spec(&self) -> crate::Result<Spec> {
        let mut spec = match &self.spec {
            Some(p) => file::load(p)?.0,
            None => Spec::new(AuditSpec::new(vec![], vec![])),
        };
        let a = &mut spec.audit;
        if !self.data.is_empty() {
            a.data = self.data.clone();
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
            (&mut o.proposed_risks, &self.proposed_risks),
        ] {
            if v.is_some() {
                *slot = v.clone();
            }
        }
        if spec.audit.data.is_empty() {
            return Err(crate::Error::usage(
                "no data file given: pass DATA or set [data] paths in the --spec file",
            ));
        }
        Ok(spec)
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
    }
}

fn render(report: &Report, format: Format) -> crate::Result<String> {
    format.exporter().render(report)
}

fn write(path: &Path, text: &str, what: &str) -> anyhow::Result<()> {
    write_atomic(path, text.as_bytes()).with_context(|| format!("writing the {what}"))
}

fn audit(a: &AuditArgs) -> anyhow::Result<ExitCode> {
    let spec = a.to_spec()?;
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
    let report = engine::run(&spec)?;
    // Render everything first: nothing is written unless every format renders.
    let mut pending: Vec<(PathBuf, String, &str)> = vec![];
    for (path, fmt, what) in [
        (&o.json, Format::Json, "JSON report"),
        (&o.junit, Format::Junit, "JUnit report"),
        (&o.markdown, Format::Markdown, "Markdown summary"),
        (&o.table, Format::Table, "table report"),
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
