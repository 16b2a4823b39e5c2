//! The `fairaudit` command: run the CLI, print an error once, exit 2 on
//! errors and 1 when the gate fails. Two process-wide settings are the
//! binary's business, not the library's: polars reads local files streamed
//! (bounded memory), and panics are reported once, in one line.

use std::process::ExitCode;
use std::sync::Mutex;

/// The message of the last panic, printed only if it escapes to `main` (a
/// panic inside polars on a corrupt file is caught by the library and
/// reported as an input error).
static LAST_PANIC: Mutex<String> = Mutex::new(String::new());

fn main() -> ExitCode {
    // With a memory map the resident memory of a scan grows with the file;
    // streamed it stays bounded (docs/performance.md). An explicit setting wins.
    if std::env::var_os("POLARS_FORCE_ASYNC").is_none() {
        std::env::set_var("POLARS_FORCE_ASYNC", "1");
    }
    std::panic::set_hook(Box::new(|info| {
        if let Ok(mut m) = LAST_PANIC.lock() {
            *m = info.to_string();
        }
    }));
    match std::panic::catch_unwind(|| fairaudit::cli::main(std::env::args_os())) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("fairaudit: error: {e:#}");
            ExitCode::from(2)
        }
        Err(_) => {
            let msg = LAST_PANIC.lock().map(|m| m.clone()).unwrap_or_default();
            eprintln!("fairaudit: internal error: {msg}");
            ExitCode::from(101)
        }
    }
}
