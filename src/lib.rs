//! fairaudit: a fast bias and fairness audit of a model's decisions.
//!
//! The data are scanned once into sufficient statistics ([`Counts`]); every
//! rate, disparity, interval and test comes from those counts; a policy of
//! checks turns them into findings tagged to controls, risks and audit
//! cycles. The layers only look down:
//!
//! [`stats`] → [`spec`] → [`counts`] → [`metrics`] → [`ingest`] → [`audit`]
//! → [`checks`] → [`governance`] → [`engine`] → [`report`] → [`cli`]
//!
//! (`docs/architecture.md` says what each owns and never does.)
//!
//! ```
//! use fairaudit::{Audit, Status};
//!
//! let report = Audit::builder()
//!     .data("fixtures/german_credit.csv")
//!     .attr("sex")
//!     .attr("age_group")
//!     .reference("age_group", "gt25")
//!     .run()?;
//! for f in report.findings_by_severity() {
//!     println!("[{}] {}", f.status, f.statement);
//! }
//! assert!(report.findings.iter().any(|f| f.status == Status::Warn));
//! # Ok::<(), fairaudit::Error>(())
//! ```
#![warn(missing_docs)]

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
#[cfg(feature = "python")]
pub mod python;
pub mod report;
pub mod spec;
pub mod stats;
pub mod synth;

pub use checks::{Finding, Severity, Status};
pub use counts::Counts;
pub use engine::{Audit, AuditBuilder, Report, Verdict};
pub use error::{Error, Result};
pub use report::Format;
pub use spec::check::Check;
pub use spec::metric::{MetricRef, Rate, Summary};
pub use spec::{AuditSpec, Favorable, ModelInfo, Reader, RiskTier, Spec};
