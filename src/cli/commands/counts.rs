//! `fairaudit counts`: the counts table of data files, written whole or not at all.

use std::process::ExitCode;

use crate::cli::args::CountsArgs;
use crate::cli::settings::{self, Layers};

/// Runs `counts`.
pub fn run(a: &CountsArgs) -> anyhow::Result<ExitCode> {
    let s = settings::resolve(&Layers {
        spec: a.spec.spec.as_deref(),
        files: Some(&a.files),
        columns: Some(&a.columns),
        ..Default::default()
    })?;
    let mut spec = s.spec.audit;
    spec.validate()?;
    if spec.data.is_empty() || !spec.counts.is_empty() || spec.postgres.is_some() {
        return Err(crate::Error::usage(
            "counts reads data files (DATA ...) only; counts tables and --postgres sources are \
             audited directly with audit --counts / --postgres",
        )
        .into());
    }
    spec.data = crate::ingest::expand_paths(&spec.data)?;
    let rows = crate::ingest::table::write_counts_table(&spec, &a.out)?;
    eprintln!("wrote {rows} count rows to {}", a.out.display());
    Ok(ExitCode::SUCCESS)
}
