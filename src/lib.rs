//! fairaudit: a fast bias and fairness audit of a binary classifier's decisions.
//!
//! The pipeline runs in one direction, a module per stage:
//! [`ingest`] (files → [`counts::Counts`] in one scan) → [`metrics`] and
//! [`stats`] (counts → rates, disparities, summaries, intervals, tests) →
//! [`audit`] (the assembled result) → [`checks`] (policy → findings) →
//! [`governance`] (controls, risk register, cycles) → [`report`] (output
//! formats). [`spec`] holds what to audit; [`engine`] runs it all.
//!
//! ```no_run
//! use fairaudit::spec::{AuditSpec, Spec};
//! let spec = Spec::new(AuditSpec::new(
//!     vec!["fixtures/german_credit.csv".into()],
//!     vec!["sex".into()],
//! ));
//! let report = fairaudit::engine::run(&spec)?;
//! println!("{}", fairaudit::report::json::to_json(&report));
//! println!("gate failed: {}", report.gate_failed());
//! # Ok::<(), fairaudit::Error>(())
//! ```

pub mod audit;
pub mod checks;
pub mod cli;
pub mod counts;
pub mod digest;
pub mod engine;
mod error;
pub mod governance;
pub mod ingest;
pub mod metrics;
pub mod report;
pub mod spec;
pub mod stats;
pub mod synth;

pub use error::{Error, Result};
