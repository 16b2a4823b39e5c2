//! `fairaudit init`: the commented example spec.

use std::process::ExitCode;

use anyhow::Context;

use crate::cli::args::InitArgs;
use crate::report::write_atomic;
use crate::spec::file;

/// Runs `init`.
pub fn run(a: &InitArgs) -> anyhow::Result<ExitCode> {
    if a.out.exists() && !a.force {
        return Err(crate::Error::usage(format!(
            "'{}' exists; pass --force to overwrite it",
            a.out.display()
        ))
        .into());
    }
    write_atomic(&a.out, file::EXAMPLE.as_bytes()).context("writing the example spec")?;
    eprintln!(
        "wrote {}; run: fairaudit audit --spec {}",
        a.out.display(),
        a.out.display()
    );
    Ok(ExitCode::SUCCESS)
}
