//! fairaudit: a fast bias and fairness audit of a binary classifier's decisions.
//!
//! The pipeline runs in one direction, a module per stage:
//! [`ingest`] (files → [`counts::Counts`] in one scan) → [`metrics`] (counts →
//! rates, disparities, summaries) → [`audit`] (the assembled result) →
//! [`report`] (output formats). [`spec`] holds what to audit.
//!
//! ```no_run
//! use fairaudit::spec::AuditSpec;
//! let spec = AuditSpec::new(
//!     vec!["fixtures/german_credit.csv".into()],
//!     vec!["sex".into()],
//! );
//! let audit = fairaudit::audit::run(&spec)?;
//! println!("{}", fairaudit::report::json::to_json(&audit));
//! # Ok::<(), fairaudit::Error>(())
//! ```

pub mod audit;
pub mod bootstrap;
pub mod cli;
pub mod counts;
mod error;
pub mod ingest;
pub mod metrics;
pub mod report;
pub mod spec;
pub mod stats;

pub use error::{Error, Result};
