//! The whole run: ingest → audit → checks → governance, giving the [`Report`]
//! every output format renders. This is the library entry point the CLI uses.

use chrono::{NaiveDate, Utc};

use crate::audit::{self, Audit};
use crate::checks::{self, Check, Finding, Severity, Status};
use crate::governance::{self, cycle::CycleInfo, register::RiskEntry};
use crate::spec::{FailOn, ModelInfo, Spec};
use crate::Result;

/// The overall verdict of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

/// Where the policy came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicySource {
    Spec,
    Default,
}

/// Everything a run produced.
#[derive(Clone, Debug)]
pub struct Report {
    pub audit: Audit,
    pub model: ModelInfo,
    pub cycle: CycleInfo,
    pub policy: Vec<Check>,
    pub policy_source: PolicySource,
    pub findings: Vec<Finding>,
    pub proposed_risks: Vec<RiskEntry>,
    /// The register read, and how many entries it had.
    pub register: Option<(std::path::PathBuf, usize)>,
    pub fail_on: FailOn,
    pub generated_at: chrono::DateTime<Utc>,
    pub spec_file: Option<std::path::PathBuf>,
}

impl Report {
    pub fn verdict(&self) -> Verdict {
        if self.findings.iter().any(|f| f.status == Status::Fail) {
            Verdict::Fail
        } else if self.findings.iter().any(|f| f.status == Status::Warn) {
            Verdict::Warn
        } else {
            Verdict::Pass
        }
    }

    /// Whether the run should exit 1 under its `fail_on`.
    pub fn gate_failed(&self) -> bool {
        match self.fail_on {
            FailOn::Never => false,
            FailOn::Fail => self.verdict() == Verdict::Fail,
            FailOn::Warn => self.verdict() != Verdict::Pass,
        }
    }

    /// Findings by severity (highest first), then status, then id.
    pub fn findings_by_severity(&self) -> Vec<&Finding> {
        let mut v: Vec<&Finding> = self.findings.iter().collect();
        v.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| status_rank(b.status).cmp(&status_rank(a.status)))
                .then_with(|| a.title.cmp(&b.title))
        });
        v
    }

    /// Counts of findings by status and by severity.
    pub fn counts(&self) -> FindingCounts {
        let statuses = [
            Status::Fail,
            Status::Warn,
            Status::Pass,
            Status::InsufficientData,
            Status::Undefined,
        ];
        let sevs = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ];
        (
            statuses
                .iter()
                .map(|s| (*s, self.findings.iter().filter(|f| f.status == *s).count()))
                .collect(),
            sevs.iter()
                .map(|s| {
                    (
                        *s,
                        self.findings.iter().filter(|f| f.severity == *s).count(),
                    )
                })
                .collect(),
        )
    }
}

/// Findings counted by status, and by severity.
pub type FindingCounts = (Vec<(Status, usize)>, Vec<(Severity, usize)>);

fn status_rank(s: Status) -> u8 {
    match s {
        Status::Fail => 4,
        Status::Warn => 3,
        Status::InsufficientData => 2,
        Status::Undefined => 1,
        Status::Pass => 0,
    }
}

/// The run date: the spec's `as_of`, else today (UTC).
pub fn run_date(spec: &Spec) -> NaiveDate {
    spec.as_of.unwrap_or_else(|| Utc::now().date_naive())
}

/// Runs the whole pipeline on a spec.
pub fn run(spec: &Spec) -> Result<Report> {
    spec.audit.validate()?;
    // Policy and register problems are found before the data are read.
    let (policy, policy_source) = match &spec.checks {
        Some(c) if !c.is_empty() => (c.clone(), PolicySource::Spec),
        _ => (checks::default_policy(), PolicySource::Default),
    };
    for c in &policy {
        c.validate()?;
        governance::controls::validate(&c.controls, &format!("check '{}'", c.id()))?;
    }
    let register = spec
        .register
        .as_ref()
        .map(governance::register::load)
        .transpose()?;
    let audit = audit::run(&spec.audit)?;
    report_from_audit(spec, audit, policy, policy_source, register)
}

/// The governance half of a run, on an audit already computed.
pub fn report_from_audit(
    spec: &Spec,
    audit: Audit,
    policy: Vec<Check>,
    policy_source: PolicySource,
    register: Option<Vec<RiskEntry>>,
) -> Result<Report> {
    let cycle = CycleInfo::new(run_date(spec), spec.cadence());
    let mut findings = checks::evaluate(&audit, &policy, &spec.model, &cycle.id)?;
    governance::tag(&mut findings, &policy, &spec.model, register.as_deref())?;
    let proposed =
        governance::register::propose(&findings, &spec.model, cycle.cadence.review_months, &|_| {
            false
        });
    Ok(Report {
        audit,
        model: spec.model.clone(),
        cycle,
        policy,
        policy_source,
        findings,
        proposed_risks: proposed,
        register: spec
            .register
            .as_ref()
            .map(|r| (r.path.clone(), register.as_ref().map_or(0, Vec::len))),
        fail_on: spec.fail_on,
        generated_at: Utc::now(),
        spec_file: spec.spec_file.clone(),
    })
}
