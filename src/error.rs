//! Typed errors of the library. Every variant that reaches a user names what was
//! wrong and where, so the CLI can print it as one paragraph and exit 2.

use std::path::PathBuf;

/// The result type used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
/// What went wrong.
pub enum Error {
    /// A data file could not be opened or parsed.
    #[error("cannot read data file '{path}' as {format}: {reason}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Its format.
        format: &'static str,
        /// What the reader said.
        reason: String,
    },

    /// A data file lacks a column the audit needs.
    #[error("data file '{path}' has no column '{column}' (needed as {role}); its columns are: {available}")]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The missing column.
        column: String,
        /// What the column was needed for.
        role: &'static str,
        /// The columns the file has.
        available: String,
    },

    /// A column holds values the audit cannot use (not binary, out of range, ...).
    #[error("column '{column}' of '{path}': {problem}")]
    BadValues {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
        /// What is wrong, with values and row counts.
        problem: String,
    },

    /// The data hold no usable rows.
    #[error("data file '{path}': {problem}")]
    Empty {
        /// The file.
        path: PathBuf,
        /// What is missing.
        problem: String,
    },

    /// A warehouse engine could not run the counts query.
    #[error("{source_name}: {reason}")]
    Warehouse {
        /// The source, without its password.
        source_name: String,
        /// What failed.
        reason: String,
    },

    /// The arguments or specification are inconsistent.
    #[error("{0}")]
    Usage(String),

    /// Writing an output failed.
    #[error("cannot write '{path}'")]
    Write {
        /// The file.
        path: PathBuf,
        #[source]
        /// The I/O error.
        source: std::io::Error,
    },
}

impl Error {
    /// A usage error with this message.
    pub fn usage(msg: impl Into<String>) -> Self {
        Error::Usage(msg.into())
    }
}
