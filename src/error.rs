//! Typed errors of the library. Every variant that reaches a user names what was
//! wrong and where, so the CLI can print it as one paragraph and exit 2.

use std::path::PathBuf;

/// The result type used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A data file could not be opened or parsed.
    #[error("cannot read data file '{path}' as {format}: {reason}")]
    Read {
        path: PathBuf,
        format: &'static str,
        reason: String,
    },

    /// A data file lacks a column the audit needs.
    #[error("data file '{path}' has no column '{column}' (needed as {role}); its columns are: {available}")]
    MissingColumn {
        path: PathBuf,
        column: String,
        role: &'static str,
        available: String,
    },

    /// A column holds values the audit cannot use (not binary, out of range, ...).
    #[error("column '{column}' of '{path}': {problem}")]
    BadValues {
        path: PathBuf,
        column: String,
        problem: String,
    },

    /// The data hold no usable rows.
    #[error("data file '{path}': {problem}")]
    Empty { path: PathBuf, problem: String },

    /// A warehouse engine could not run the counts query.
    #[error("{source_name}: {reason}")]
    Warehouse { source_name: String, reason: String },

    /// The arguments or specification are inconsistent.
    #[error("{0}")]
    Usage(String),

    /// Writing an output failed.
    #[error("cannot write '{path}': {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    pub fn usage(msg: impl Into<String>) -> Self {
        Error::Usage(msg.into())
    }
}
