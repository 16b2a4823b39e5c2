//! `fairaudit controls`: the control catalog.

use std::process::ExitCode;

use crate::cli::args::{ControlsArgs, ListFormat};

/// Runs `controls`.
pub fn run(a: &ControlsArgs) -> anyhow::Result<ExitCode> {
    if a.mapping {
        print!("{}", crate::report::controls::render_mapping());
    } else {
        print!(
            "{}",
            crate::report::controls::render(a.format == ListFormat::Json)
        );
    }
    Ok(ExitCode::SUCCESS)
}
