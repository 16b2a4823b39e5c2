//! `fairaudit controls`: the control catalog.

use std::process::ExitCode;

use crate::cli::args::{ControlsArgs, ListFormat};

/// Runs `controls`.
pub fn run(a: &ControlsArgs) -> anyhow::Result<ExitCode> {
    if a.mapping {
        out!("{}", crate::report::controls::render_mapping());
    } else {
        out!(
            "{}",
            crate::report::controls::render(a.format == ListFormat::Json)
        );
    }
    Ok(ExitCode::SUCCESS)
}
