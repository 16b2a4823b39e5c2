//! `fairaudit cycle`: status of every model's audit cycle, and review events.

use std::process::ExitCode;

use crate::cli::args::{CycleArgs, CycleCommand, ListFormat};
use crate::cli::json_out;
use crate::cli::settings::parse_date;
use crate::governance::store::Store;

/// Runs `cycle`.
pub fn run(a: &CycleArgs) -> anyhow::Result<ExitCode> {
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
                match format {
                    ListFormat::Json => json_out(&st),
                    ListFormat::Table => crate::report::views::cycle_table(&st, as_of),
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
            let kind = kind.name();
            store.add_event(model, kind, &d.to_string(), by.as_deref(), note.as_deref())?;
            eprintln!("recorded {kind} of {model} on {d}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
