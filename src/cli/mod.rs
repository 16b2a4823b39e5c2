//! The `fairaudit` command line, split the way ripgrep and uv do it: `args`
//! defines the flags, `settings` resolves them over the spec file in one
//! place, and `commands` holds one module per command. The library does the
//! work; this layer picks exit codes and prints.
//!
//! It is a library module (not only the binary's) so that other front ends —
//! the Python package's `fairaudit` command — run exactly the same CLI.

/// `print!` that returns an error instead of panicking, and treats a closed
/// pipe (`fairaudit ... | head`) as the reader having read enough: the run
/// has already been recorded and its files written, so its exit code stands.
macro_rules! out {
    ($($t:tt)*) => {
        $crate::cli::write_stdout(&format!($($t)*))?
    };
}

/// `println!` as [`out!`].
macro_rules! outln {
    ($($t:tt)*) => {
        $crate::cli::write_stdout(&(format!($($t)*) + "\n"))?
    };
}

pub mod args;
pub mod commands;
pub mod settings;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

/// Runs the command line; `Ok` carries the exit code. Errors are returned for
/// the caller to print once.
pub fn main(args: impl IntoIterator<Item = OsString>) -> anyhow::Result<ExitCode> {
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return Ok(ExitCode::from(code));
        }
    };
    match cli.command {
        Command::Audit(a) => commands::audit::run(&a),
        Command::Data(a) => commands::data::run(&a),
        Command::Init(a) => commands::init::run(&a),
        Command::Controls(a) => commands::controls::run(&a),
        Command::Sweep(a) => commands::sweep::run(&a),
        Command::Counts(a) => commands::counts::run(&a),
        Command::Sql(a) => commands::sql::run(&a),
        Command::History(a) => commands::history::run(&a),
        Command::Cycle(a) => commands::cycle::run(&a),
        Command::Evidence(a) => commands::evidence::run(&a),
        Command::Finding(a) => commands::finding::run(&a),
        Command::Spec(a) => commands::spec::run(&a),
        Command::ReviewPack(a) => commands::review_pack::run(&a),
        Command::Keygen(a) => commands::keys::keygen(&a),
        Command::VerifyPack(a) => commands::keys::verify_pack(&a),
        Command::Export(a) => commands::export::run(&a),
        Command::Push(a) => commands::export::push(&a),
    }
}

/// Writes to standard output; a closed pipe is not an error (see [`out!`]).
pub fn write_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::io::stdout().lock();
    match o.write_all(text.as_bytes()).and_then(|()| o.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r,
    }
}

/// Opens a history store (created when absent), saying on stderr when
/// opening it migrated an older layout in place: that changes the file for
/// older engines, even when the command only reads.
pub fn open_store(path: &std::path::Path) -> crate::Result<crate::governance::store::Store> {
    noticed(crate::governance::store::Store::open(path)?)
}

/// Opens an existing history store only (reading commands), as [`open_store`].
pub fn open_existing(path: &std::path::Path) -> crate::Result<crate::governance::store::Store> {
    noticed(crate::governance::store::Store::open_existing(path)?)
}

fn noticed(s: crate::governance::store::Store) -> crate::Result<crate::governance::store::Store> {
    if let Some(v) = s.migrated_from() {
        eprintln!(
            "fairaudit: migrated the history store {} in place from layout {v} to {} \
             (docs/history.md); engines older than this one can no longer open it",
            s.path().display(),
            crate::governance::store::SCHEMA_VERSION
        );
    }
    Ok(s)
}

/// Pretty JSON with a final newline.
fn json_out<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).expect("serializable") + "\n"
}
