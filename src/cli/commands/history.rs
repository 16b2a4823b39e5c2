//! `fairaudit history`: list, show, trend and verify recorded runs.

use std::process::ExitCode;

use crate::cli::args::{HistoryArgs, HistoryCommand, ListFormat, ShowFormat};
use crate::cli::json_out;
use crate::governance::store::Store;
use crate::report::views;

/// Runs `history`.
pub fn run(a: &HistoryArgs) -> anyhow::Result<ExitCode> {
    let store = Store::open_existing(&a.store.path())?;
    match &a.command {
        HistoryCommand::List { model, format } => {
            let runs = store.list(model.as_deref())?;
            print!(
                "{}",
                match format {
                    ListFormat::Json => json_out(&runs),
                    ListFormat::Table => views::runs_table(&runs),
                }
            );
        }
        HistoryCommand::Show { run, format } => {
            let r = store.get(run)?;
            match format {
                ShowFormat::Json => print!("{}", r.run.report_json),
                ShowFormat::Markdown => print!("{}", r.run.report_md),
                ShowFormat::Table => print!("{}", views::run_table(&r)),
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
                match format {
                    ListFormat::Json => json_out(&views::trend_json(&rows)),
                    ListFormat::Table => views::trend_table(&rows),
                }
            );
        }
        HistoryCommand::Verify => return verify(&store),
    }
    Ok(ExitCode::SUCCESS)
}

/// `history verify`: exit 1 and name the first problem.
fn verify(store: &Store) -> anyhow::Result<ExitCode> {
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
    Ok(ExitCode::from(1))
}
