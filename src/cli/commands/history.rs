//! `fairaudit history`: list, show, trend and verify recorded runs.

use std::process::ExitCode;

use crate::cli::args::{HistoryArgs, HistoryCommand, ListFormat, ShowFormat};
use crate::cli::json_out;
use crate::governance::store::Store;
use crate::report::views;

/// Runs `history`.
pub fn run(a: &HistoryArgs) -> anyhow::Result<ExitCode> {
    let store = crate::cli::open_existing(&a.store.path())?;
    match &a.command {
        HistoryCommand::List { model, format } => {
            let runs = store.list(model.as_deref())?;
            out!(
                "{}",
                match format {
                    ListFormat::Json => json_out(&runs),
                    ListFormat::Table => views::runs_table(&runs),
                }
            );
            if *format == ListFormat::Table {
                eprintln!("{}", views::RUNS_LEGEND);
            }
        }
        HistoryCommand::Show { run, format } => {
            let r = store.get(run)?;
            match format {
                ShowFormat::Json => out!("{}", r.run.report_json),
                ShowFormat::Markdown => out!("{}", r.run.report_md),
                ShowFormat::Table => out!("{}", views::run_table(&r)),
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
            out!(
                "{}",
                match format {
                    ListFormat::Json => json_out(&views::trend_json(&rows)),
                    ListFormat::Table => views::trend_table(&rows),
                }
            );
        }
        HistoryCommand::Verify { expect_head } => return verify(&store, expect_head.as_deref()),
        HistoryCommand::Head { sign, out, by } => {
            return head(&store, sign.as_deref(), out.as_deref(), by.as_deref())
        }
        HistoryCommand::Prune { before, by } => {
            let before = crate::cli::settings::parse_date(before, "--before")?;
            let mut store = store;
            let who =
                crate::governance::workflow::Actor::new(crate::cli::settings::actor(by.as_deref()));
            let dropped = crate::governance::workflow::prune(&mut store, &who, before)?;
            eprintln!(
                "removed {} run(s) dated before {before}; the removal is recorded in the chain",
                dropped.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `history head`: the head line, optionally signed. The signature is made
/// before anything is written, so a refusal leaves no file behind.
fn head(
    store: &Store,
    sign: Option<&std::path::Path>,
    out: Option<&std::path::Path>,
    by: Option<&str>,
) -> anyhow::Result<ExitCode> {
    let h = store.head()?;
    let line = format!("{}\n", h.line(store.path()));
    let signed = match sign {
        Some(key) => {
            let who = crate::cli::settings::actor(by);
            if who == "unknown" {
                return Err(crate::Error::usage(
                    "--sign: who signs? pass --by NAME or set FAIRAUDIT_ACTOR (no login name is known here)",
                )
                .into());
            }
            let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let sig = crate::report::signing::sign(
                key,
                line.as_bytes(),
                &format!("fairaudit history head signed_by={who} signed_at={at}"),
            )?;
            let target = out
                .map(|p| p.with_extension("minisig"))
                .unwrap_or_else(|| std::path::PathBuf::from("head.minisig"));
            Some((target, sig))
        }
        None => None,
    };
    // The head first: when it cannot be written, no signature is left beside it.
    if let Some(p) = out {
        crate::report::write_atomic(p, line.as_bytes())?;
    }
    if let Some((target, sig)) = &signed {
        crate::report::write_atomic(target, sig.as_bytes())?;
    }
    if out.is_none() {
        out!("{line}");
    }
    if let Some((target, _)) = &signed {
        eprintln!("signed the head: {}", target.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `history verify`: exit 1 and name the first problem.
fn verify(store: &Store, expect_head: Option<&str>) -> anyhow::Result<ExitCode> {
    // A kept head may be given as the file `history head --out` wrote.
    let kept = match expect_head {
        Some(x) if std::path::Path::new(x).is_file() => Some(
            std::fs::read_to_string(x)
                .map_err(|e| crate::Error::usage(format!("cannot read the kept head {x}: {e}")))?,
        ),
        other => other.map(str::to_string),
    };
    let expect_head = kept.as_deref();
    let v = store.verify(expect_head)?;
    if v.ok {
        outln!(
            "history store {}: {} entries, chain intact{}",
            store.path().display(),
            v.runs_checked,
            if expect_head.is_some() {
                ", expected head found"
            } else {
                ""
            }
        );
        return Ok(ExitCode::SUCCESS);
    }
    outln!(
        "history store {}: BROKEN after {} intact entries: {}",
        store.path().display(),
        v.runs_checked,
        v.problem.unwrap_or_default()
    );
    Ok(ExitCode::from(1))
}
