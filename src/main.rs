//! The `fairaudit` command: parse arguments, run, print errors as one paragraph.

use std::process::ExitCode;

fn main() -> ExitCode {
    fairaudit::cli::install_panic_hook();
    match fairaudit::cli::main(std::env::args_os()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("fairaudit: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
