//! `fairaudit evidence`: the evidence pack of a recorded run.

use std::process::ExitCode;

use crate::cli::args::EvidenceArgs;
use crate::governance::store::Store;

/// Runs `evidence`.
pub fn run(a: &EvidenceArgs) -> anyhow::Result<ExitCode> {
    let store = Store::open_existing(&a.store.path())?;
    let written = crate::report::evidence::write_pack(&store, &a.run, &a.out)?;
    eprintln!(
        "wrote the evidence pack of run {} to {}",
        written.run_id,
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
