//! `fairaudit finding`: the life of findings, from detection to closure.

use std::process::ExitCode;

use crate::cli::args::{FindingArgs, FindingCommand, ListFormat, TreatmentArg};
use crate::cli::json_out;
use crate::cli::settings::{actor, parse_date};
use crate::governance::lifecycle::replay;
use crate::governance::register::Treatment;
use crate::governance::store::Store;
use crate::governance::workflow::{self, Actor};

/// Runs `finding`.
pub fn run(a: &FindingArgs) -> anyhow::Result<ExitCode> {
    let mut store = crate::cli::open_existing(&a.store.path())?;
    let who = |by: &Option<String>| Actor::new(actor(by.as_deref()));
    let done = |what: String| {
        eprintln!("{what}");
        Ok(ExitCode::SUCCESS)
    };
    match &a.command {
        FindingCommand::List {
            model,
            state,
            overdue,
            as_of,
            format,
        } => list(
            &store,
            model.as_deref(),
            *state,
            *overdue,
            as_of.as_deref(),
            *format,
        ),
        FindingCommand::Show { id, format } => show(&store, id, *format),
        FindingCommand::Assign { id, owner, by } => {
            workflow::assign(&mut store, &who(by), id, owner)?;
            done(format!("{id} assigned to {owner}"))
        }
        FindingCommand::Treat {
            id,
            plan,
            due,
            treatment,
            by,
        } => {
            let t = match treatment {
                TreatmentArg::Mitigate => Treatment::Mitigate,
                TreatmentArg::Transfer => Treatment::Transfer,
                TreatmentArg::Avoid => Treatment::Avoid,
            };
            let due = parse_date(due, "--due")?;
            workflow::treat(&mut store, &who(by), id, t, plan, due)?;
            done(format!("{id}: {} until {due}", t.name()))
        }
        FindingCommand::Accept {
            id,
            approver,
            justification,
            expires,
            by,
        } => {
            let expires = parse_date(expires, "--expires")?;
            workflow::accept(&mut store, &who(by), id, approver, justification, expires)?;
            done(format!("{id}: risk accepted by {approver} until {expires}"))
        }
        FindingCommand::Action {
            id,
            corrective,
            cause,
            effectiveness,
            by,
        } => {
            workflow::action(
                &mut store,
                &who(by),
                id,
                corrective,
                cause.as_deref(),
                effectiveness.as_deref(),
            )?;
            done(format!("{id}: corrective action recorded"))
        }
        FindingCommand::Close { id, evidence, by } => {
            workflow::close(&mut store, &who(by), id, evidence)?;
            done(format!("{id} closed"))
        }
    }
}

/// `finding list`.
fn list(
    store: &Store,
    model: Option<&str>,
    state: Option<crate::checks::LifeState>,
    overdue: bool,
    as_of: Option<&str>,
    format: ListFormat,
) -> anyhow::Result<ExitCode> {
    let as_of = match as_of {
        Some(d) => parse_date(d, "--as-of")?,
        None => chrono::Utc::now().date_naive(),
    };
    let lc = replay(store, model, as_of)?;
    let lives: Vec<_> = lc
        .findings
        .values()
        .filter(|l| state.is_none_or(|s| l.state == s))
        .filter(|l| !overdue || l.overdue(as_of))
        .collect();
    out!(
        "{}",
        match format {
            ListFormat::Json => json_out(&lives),
            ListFormat::Table => crate::report::views::findings_table(&lives, as_of),
        }
    );
    Ok(ExitCode::SUCCESS)
}

/// `finding show`.
fn show(store: &Store, id: &str, format: ListFormat) -> anyhow::Result<ExitCode> {
    let today = chrono::Utc::now().date_naive();
    let lc = replay(store, None, today)?;
    let l = lc
        .findings
        .get(id)
        .ok_or_else(|| crate::Error::usage(format!("no finding '{id}' in the lifecycle")))?;
    out!(
        "{}",
        match format {
            ListFormat::Json => json_out(l),
            ListFormat::Table => crate::report::views::finding_card(l, today),
        }
    );
    Ok(ExitCode::SUCCESS)
}
