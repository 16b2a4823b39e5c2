//! The `fairaudit` command line, split the way ripgrep and uv do it: `args`
//! defines the flags, `settings` resolves them over the spec file in one
//! place, and `commands` holds one module per command. The library does the
//! work; this layer picks exit codes and prints.
//!
//! It is a library module (not only the binary's) so that other front ends —
//! the Python package's `fairaudit` command — run exactly the same CLI.

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

/// Pretty JSON with a final newline.
fn json_out<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).expect("serializable") + "\n"
}
