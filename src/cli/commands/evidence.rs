//! `fairaudit evidence`: the evidence pack of a recorded run, signed when asked.

use std::process::ExitCode;

use crate::cli::args::EvidenceArgs;
use crate::cli::settings::actor;
use crate::report::evidence::Signer;

/// Runs `evidence`.
pub fn run(a: &EvidenceArgs) -> anyhow::Result<ExitCode> {
    let store = crate::cli::open_existing(&a.store.path())?;
    let signer = match &a.sign {
        None => None,
        Some(key) => {
            // A pack signed by "unknown" is evidence of nothing.
            let name = actor(a.by.as_deref());
            if name == "unknown" {
                return Err(crate::Error::usage(
                    "--sign: who signs? pass --by NAME or set FAIRAUDIT_ACTOR (no login name is known here)",
                )
                .into());
            }
            Some(Signer {
                key: key.clone(),
                name,
                at: chrono::Utc::now(),
            })
        }
    };
    let written = crate::report::evidence::write_pack(&store, &a.run, &a.out, signer.as_ref())?;
    eprintln!(
        "wrote the evidence pack of run {} to {}{}",
        written.run_id,
        a.out.display(),
        signer
            .map(|s| format!(", signed by {}", s.name))
            .unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}
