//! `fairaudit spec approve`: the thresholds approved before they are used.

use std::process::ExitCode;

use crate::cli::args::{SpecCmdArgs, SpecCommand};
use crate::cli::settings::actor;
use crate::governance::workflow::{self, Actor};

/// Runs `spec`.
pub fn run(a: &SpecCmdArgs) -> anyhow::Result<ExitCode> {
    match &a.command {
        SpecCommand::Approve { file, approver, by } => {
            let (spec, _) = crate::spec::file::load(file)?;
            let sha = crate::digest::sha256_file(file)?;
            let mut store = crate::cli::open_store(&a.store.path())?;
            workflow::approve_spec(
                &mut store,
                &Actor::new(actor(by.as_deref())),
                &spec,
                &sha,
                approver,
                &file.display().to_string(),
            )?;
            eprintln!(
                "approved {} (sha256 {}) for model {} by {approver}",
                file.display(),
                &sha[..16],
                spec.model.id
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
