//! `fairaudit cycle`: status of every model's audit cycle, and review events.

use std::process::ExitCode;

use crate::cli::args::{CycleArgs, CycleCommand, ListFormat};
use crate::cli::json_out;
use crate::cli::settings::{actor, parse_date};
use crate::governance::store::EventKind;
use crate::governance::workflow::{self, Actor};

/// Runs `cycle`.
pub fn run(a: &CycleArgs) -> anyhow::Result<ExitCode> {
    match &a.command {
        CycleCommand::Status {
            as_of,
            fail_on_overdue,
            format,
        } => {
            let store = crate::cli::open_existing(&a.store.path())?;
            let as_of = match as_of {
                Some(d) => parse_date(d, "--as-of")?,
                None => chrono::Utc::now().date_naive(),
            };
            let st = crate::governance::cycle::status(&store, as_of)?;
            out!(
                "{}",
                match format {
                    ListFormat::Json => json_out(&st),
                    ListFormat::Table => crate::report::views::cycle_table(&st, as_of),
                }
            );
            let overdue = st.iter().any(|m| !m.schedule.overdue.is_empty());
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
            run,
        } => {
            let d = match date {
                Some(d) => parse_date(d, "--date")?,
                None => chrono::Utc::now().date_naive(),
            };
            let mut store = crate::cli::open_existing(&a.store.path())?;
            let kind = match kind {
                crate::cli::args::EventKind::Review => EventKind::Review,
                crate::cli::args::EventKind::Audit => EventKind::Audit,
            };
            let who = Actor::new(actor(by.as_deref()));
            workflow::review(
                &mut store,
                &who,
                model,
                kind,
                d,
                note.as_deref(),
                run.as_deref(),
            )?;
            eprintln!(
                "recorded {} of {model} on {d} by {}{}",
                kind.name(),
                who.name,
                if d != who.now.date_naive() {
                    " (backdated)"
                } else {
                    ""
                }
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
