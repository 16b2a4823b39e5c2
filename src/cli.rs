//! Command-line definitions and the mapping from arguments to a spec. Thin: the
//! library does the work; this adds context to errors and picks exit codes.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::report::{write_atomic, Format};
use crate::spec::{AuditSpec, Columns, Favorable, InputFormat, References, StatOptions};
use crate::stats::{CiMethod, PAdjust};

#[derive(Parser, Debug)]
#[command(
    name = "fairaudit",
    version,
    about = "Fast bias and fairness audit of a model's decisions",
    long_about = "Reads a file of model decisions (label, prediction, protected attributes), \
                  computes per-group rates and fairness metrics for each attribute and \
                  intersection in one pass, and reports them.\n\n\
                  Exit codes: 0 audit ran, 1 a check failed, 2 usage or input error."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Audit one or more decision files.
    Audit(AuditArgs),
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Decision files (CSV, Parquet, NDJSON or Arrow IPC); several are merged.
    #[arg(required = true, value_name = "DATA")]
    pub data: Vec<PathBuf>,
    /// Input format, when the extension does not tell.
    #[arg(long, value_name = "csv|parquet|ndjson|ipc")]
    pub input_format: Option<String>,
    /// Column holding the true outcome.
    #[arg(long, default_value = "y_true", value_name = "COL")]
    pub label: String,
    /// Column holding the model's decision [default: y_pred, or derived from --score].
    #[arg(long, value_name = "COL")]
    pub prediction: Option<String>,
    /// Column holding the model's score in [0, 1].
    #[arg(long, value_name = "COL")]
    pub score: Option<String>,
    /// Score at or above which the prediction is positive, when there is no prediction column.
    #[arg(long, default_value_t = 0.5, value_name = "T")]
    pub threshold: f64,
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
    /// Which predicted outcome benefits the person.
    #[arg(long, default_value = "positive", value_name = "positive|negative")]
    pub favorable: String,
    /// Confidence level of every interval.
    #[arg(long, default_value_t = 0.95, value_name = "LEVEL")]
    pub ci_level: f64,
    /// Interval on rates: Wilson score or exact Clopper-Pearson.
    #[arg(long, default_value = "wilson", value_name = "wilson|exact")]
    pub ci_method: String,
    /// Bootstrap replicates for the summaries' intervals (0 switches them off).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub bootstrap: usize,
    /// Seed of the bootstrap, for reproducible intervals.
    #[arg(long, default_value_t = crate::spec::StatOptions::default().seed, value_name = "S")]
    pub seed: u64,
    /// Multiple-comparison adjustment of p-values across the report.
    #[arg(long, default_value = "holm", value_name = "holm|bh|none")]
    pub p_adjust: String,
    /// Significance level: an adjusted p-value below it is significant.
    #[arg(long, default_value_t = 0.05, value_name = "A")]
    pub alpha: f64,
    /// Groups with fewer rows are reported as insufficient_data and not judged.
    #[arg(long, default_value_t = 30, value_name = "N")]
    pub min_group_size: u64,
    /// Groups with a smaller share of rows are insufficient_data (0.02: NYC LL 144).
    #[arg(long, default_value_t = 0.0, value_name = "F")]
    pub min_group_share: f64,
    /// Output format [default: table on a terminal, json otherwise].
    #[arg(long, value_name = "table|json")]
    pub format: Option<String>,
    /// Write the report to this file (atomically) instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub out: Option<PathBuf>,
}

impl AuditArgs {
    /// The audit specification these arguments describe.
    pub fn to_spec(&self) -> crate::Result<AuditSpec> {
        Ok(AuditSpec {
            data: self.data.clone(),
            input_format: self
                .input_format
                .as_deref()
                .map(InputFormat::parse)
                .transpose()?,
            columns: Columns {
                label: self.label.clone(),
                prediction: self.prediction.clone(),
                score: self.score.clone(),
                threshold: self.threshold,
                weight: self.weight.clone(),
                positive: self.positive.clone(),
            },
            attributes: self.attrs.clone(),
            intersect: self.intersect,
            references: References::parse(&self.references)?,
            favorable: Favorable::parse(&self.favorable)?,
            stats: StatOptions {
                ci_level: self.ci_level,
                ci_method: CiMethod::parse(&self.ci_method)?,
                bootstrap: self.bootstrap,
                seed: self.seed,
                p_adjust: PAdjust::parse(&self.p_adjust)?,
                alpha: self.alpha,
                min_group_size: self.min_group_size,
                min_group_share: self.min_group_share,
            },
        })
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
    }
}

fn audit(a: &AuditArgs) -> anyhow::Result<ExitCode> {
    let spec = a.to_spec()?;
    let format = match &a.format {
        Some(f) => Format::parse(f)?,
        None if a.out.is_some() || !std::io::stdout().is_terminal() => Format::Json,
        None => Format::Table,
    };
    let audit = crate::audit::run(&spec)?;
    let text = format.exporter().render(&audit)?;
    match &a.out {
        Some(path) => write_atomic(path, text.as_bytes())
            .with_context(|| format!("writing the {format:?} report"))?,
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
