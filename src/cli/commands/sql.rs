//! `fairaudit sql`: the counts query for a warehouse engine.

use std::process::ExitCode;

use crate::cli::args::SqlArgs;
use crate::cli::settings::{self, Layers};

/// Runs `sql`.
pub fn run(a: &SqlArgs) -> anyhow::Result<ExitCode> {
    let s = settings::resolve(&Layers {
        spec: a.spec.spec.as_deref(),
        columns: Some(&a.columns),
        ..Default::default()
    })?;
    let sql =
        crate::ingest::sql::counts_query(a.dialect, &a.table, &s.spec.audit, a.filter.as_deref())?;
    let c = &s.spec.audit.columns;
    if c.prediction.is_none() && c.score.is_some() {
        eprintln!(
            "fairaudit: the decision is derived from the score (>= {}); a file audit would use \
             a y_pred column if there is one: pass --prediction y_pred to use it",
            c.threshold
        );
    }
    outln!("{sql}");
    Ok(ExitCode::SUCCESS)
}
