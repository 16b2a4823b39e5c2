//! `fairaudit review-pack`: management-review input across every model.

use std::process::ExitCode;

use crate::cli::args::ReviewPackArgs;
use crate::cli::settings::parse_date;

/// Runs `review-pack`.
pub fn run(a: &ReviewPackArgs) -> anyhow::Result<ExitCode> {
    let from = parse_date(&a.from, "--from")?;
    let to = match &a.to {
        Some(d) => parse_date(d, "--to")?,
        None => chrono::Utc::now().date_naive(),
    };
    if to < from {
        return Err(crate::Error::usage(format!("--to {to} is before --from {from}")).into());
    }
    let store = crate::cli::open_existing(&a.store.path())?;
    let models = crate::report::review::review(&store, from, to)?;
    let md = crate::report::review::markdown(&models, from, to);
    let html = crate::report::review::html(&models, from, to);
    std::fs::create_dir_all(&a.out).map_err(|e| crate::Error::Write {
        path: a.out.clone(),
        source: e,
    })?;
    crate::report::write_atomic(&a.out.join("review.md"), md.as_bytes())?;
    crate::report::write_atomic(&a.out.join("review.html"), html.as_bytes())?;
    eprintln!(
        "wrote the management review input for {} model(s), {from} to {to}, to {}",
        models.len(),
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
