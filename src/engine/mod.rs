//! The whole run: ingest → audit → checks → governance, giving the [`Report`]
//! every output format renders. [`Audit::builder`] is the library entry point;
//! the CLI resolves a [`Spec`] and calls [`run_with_history`].

mod builder;
pub mod examine;
pub mod history;

pub use builder::{Audit, AuditBuilder};
pub use history::{ApprovalStatus, History, SpecApproval};

use chrono::{NaiveDate, Utc};

use crate::audit::{self, AuditResult};
use crate::checks::{self, Check, Finding, Severity, Status};
use crate::counts::Counts;
use crate::governance::store::{RunSummary, Store};
use crate::governance::{self, cycle::CycleInfo, register::RiskEntry};
use crate::ingest::Frame;
use crate::spec::{FailOn, ModelInfo, Spec};
use crate::Result;

/// The overall verdict of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// No check warned or failed.
    Pass,
    /// A check warned, none failed.
    Warn,
    /// A check failed.
    Fail,
}

/// Where the policy came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicySource {
    /// The spec's `[[checks]]`.
    Spec,
    /// The built-in policy.
    Default,
}

/// Everything a run produced.
#[derive(Clone, Debug)]
pub struct Report {
    /// The audit: every group, rate, disparity and summary.
    pub audit: AuditResult,
    /// The audited model.
    pub model: ModelInfo,
    /// The audit cycle of the run.
    pub cycle: CycleInfo,
    /// The checks judged.
    pub policy: Vec<Check>,
    /// Where they came from.
    pub policy_source: PolicySource,
    /// Every finding.
    pub findings: Vec<Finding>,
    /// New risk-register entries for breaches no entry covers.
    pub proposed_risks: Vec<RiskEntry>,
    /// The register read, and how many entries it had.
    pub register: Option<(std::path::PathBuf, usize)>,
    /// The register's entries that tag at least one finding.
    pub matched_risks: Vec<RiskEntry>,
    /// Which findings fail the gate.
    pub fail_on: FailOn,
    /// When the report was made.
    pub generated_at: chrono::DateTime<Utc>,
    /// The spec file, when one was read.
    pub spec_file: Option<std::path::PathBuf>,
    /// Identifier of this run (in the history store when recorded).
    pub run_id: String,
    /// The previous recorded run of the model, when compared with one.
    pub previous_run: Option<RunSummary>,
    /// Earlier values of this model's findings, from the history store, for
    /// trend charts (oldest first).
    pub trend_points: Vec<HistoryPoint>,
    /// SHA-256 of each data file, when computed (HTML report, recording).
    pub data_digests: Vec<(String, String)>,
    /// Whether the spec's thresholds were approved before the run.
    pub spec_approval: SpecApproval,
    /// Sign-off and retention rules in force.
    pub governance: crate::spec::governance::GovernanceSettings,
}

/// One earlier value of a finding.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct HistoryPoint {
    /// The run's sequence number in the store.
    pub seq: i64,
    /// The run's date.
    pub run_date: String,
    /// The check.
    pub check: String,
    /// The finding.
    pub finding_id: String,
    /// The series label: the attribute, and the group for per-group metrics.
    pub label: String,
    /// The value then.
    pub value: Option<f64>,
}

impl Report {
    /// Computes the SHA-256 of every input (once): data files, counts files,
    /// and the counts tables received from a server.
    pub fn compute_digests(&mut self) -> Result<()> {
        if self.data_digests.is_empty() {
            self.data_digests = input_digests(&self.audit)?;
        }
        Ok(())
    }
}

impl Report {
    /// Fail if any finding fails, else warn if any warns, else pass.
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
    /// Findings that are not waived by an unexpired risk acceptance reach
    /// the gate.
    pub fn gate_failed(&self) -> bool {
        let reaches = |s: Status| {
            self.findings
                .iter()
                .any(|f| f.status == s && !f.lifecycle.as_ref().is_some_and(|l| l.waived))
        };
        match self.fail_on {
            FailOn::Never => false,
            FailOn::Fail => reaches(Status::Fail),
            FailOn::Warn => reaches(Status::Fail) || reaches(Status::Warn),
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

    /// The decision rule of each check, e.g. "four-fifths-rule: significance".
    pub fn decision_rules(&self) -> String {
        self.policy
            .iter()
            .map(|c| {
                let family = match c.family {
                    crate::spec::check::Family::None => String::new(),
                    f => format!(", {} family", f.name()),
                };
                format!("{}: {}{family}", c.id(), c.rule().name())
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Counts of findings by status and by severity.
    pub fn finding_counts(&self) -> StatusCounts {
        let n_status = |s: &Status| self.findings.iter().filter(|f| f.status == *s).count();
        let n_severity = |s: &Severity| self.findings.iter().filter(|f| f.severity == *s).count();
        (
            Status::ALL.iter().map(|s| (*s, n_status(s))).collect(),
            Severity::ALL.iter().map(|s| (*s, n_severity(s))).collect(),
        )
    }
}

/// Findings counted by status, and by severity.
pub type StatusCounts = (Vec<(Status, usize)>, Vec<(Severity, usize)>);

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

/// Runs the whole pipeline on a spec, without history.
pub fn run(spec: &Spec) -> Result<Report> {
    run_with_history(spec, None)
}

/// Runs the pipeline, comparing findings with the model's last run in `store`
/// (when given) to set their trends.
pub fn run_with_history(spec: &Spec, store: Option<&Store>) -> Result<Report> {
    run_inputs(spec, &Inputs::default(), store)
}

/// What an audit reads besides the spec's files: frames held in memory and
/// counts computed elsewhere.
#[derive(Clone, Default)]
pub struct Inputs {
    /// In-memory polars frames, read with the same query as a file.
    pub frames: Vec<Frame>,
    /// Sufficient statistics computed elsewhere, merged as they are.
    pub counts: Vec<Counts>,
}

/// The policy in force: the spec's checks, else the built-in policy.
pub fn policy_of(spec: &Spec) -> Result<(Vec<Check>, PolicySource)> {
    let (policy, source) = match &spec.checks {
        Some(c) if !c.is_empty() => (c.clone(), PolicySource::Spec),
        _ => (checks::default_policy(), PolicySource::Default),
    };
    for c in &policy {
        c.validate()?;
        governance::controls::validate(&c.controls, &format!("check '{}'", c.id()))?;
    }
    Ok((policy, source))
}

/// Runs the pipeline on the spec's sources and `inputs`, comparing findings
/// with the model's history in `store` when given.
pub fn run_inputs(spec: &Spec, inputs: &Inputs, store: Option<&Store>) -> Result<Report> {
    let extra = !inputs.frames.is_empty() || !inputs.counts.is_empty();
    if extra {
        spec.audit.validate_options()?;
    } else {
        spec.audit.validate()?;
    }
    for (tier, c) in &spec.cadences {
        c.validate()
            .map_err(|e| crate::Error::usage(format!("cadence of tier {}: {e}", tier.name())))?;
    }
    // Policy and register problems are found before the data are read.
    let (policy, policy_source) = policy_of(spec)?;
    let register = load_register(spec)?;
    let history = match store {
        Some(st) => History::load(st, spec, &policy, run_date(spec))?,
        None => History::none(spec)?,
    };
    let first_record = store.is_some() && history.previous.is_none();
    let audit = audit::run_with(&spec.audit, &inputs.frames, &inputs.counts)?;
    let mut report = report_from_audit(spec, audit, policy, policy_source, register, history)?;
    if first_record {
        for f in &mut report.findings {
            f.trend = Some(checks::Trend::New);
        }
    }
    Ok(report)
}

/// The spec's risk register with the GRC tool's acceptances in force on
/// the run date applied.
pub fn load_register(spec: &Spec) -> Result<Option<Vec<RiskEntry>>> {
    let Some(src) = &spec.register else {
        return Ok(None);
    };
    let mut entries = governance::register::load(src)?;
    if let Some(p) = &src.acceptances {
        let records = governance::register::load_acceptances(p)?;
        governance::register::apply_acceptances(&mut entries, &records, run_date(spec));
    }
    Ok(Some(entries))
}

/// The policy's findings: checks that name an outcome level are judged on
/// that level against the rest, the others on the favourable levels.
fn evaluate(
    audit: &AuditResult,
    policy: &[Check],
    model: &crate::spec::ModelInfo,
    cycle: &str,
) -> Result<Vec<checks::Finding>> {
    let (by_level, plain): (Vec<Check>, Vec<Check>) =
        policy.iter().cloned().partition(|c| c.outcome.is_some());
    let mut findings = checks::evaluate(audit, &plain, model, cycle)?;
    for c in by_level {
        let level = c.outcome.clone().unwrap_or_default();
        let Some(oa) = &audit.outcomes else {
            return Err(crate::Error::usage(format!(
                "check '{}' names the outcome '{level}', but the decision is binary (give its levels with --outcomes)",
                c.id()
            )));
        };
        let j = oa.levels.iter().position(|l| *l == level).ok_or_else(|| {
            crate::Error::usage(format!(
                "check '{}' names the outcome '{level}', which is not one of the levels {}",
                c.id(),
                oa.levels.join(", ")
            ))
        })?;
        let mut m = model.clone();
        m.outcome = Some(level);
        findings.extend(checks::evaluate(&oa.per_level[j], &[c], &m, cycle)?);
    }
    Ok(findings)
}

/// The governance half of a run, on an audit already computed.
pub fn report_from_audit(
    spec: &Spec,
    audit: AuditResult,
    policy: Vec<Check>,
    policy_source: PolicySource,
    register: Option<Vec<RiskEntry>>,
    history: History,
) -> Result<Report> {
    let date = run_date(spec);
    let cycle = CycleInfo::new(date, spec.cadence(), &history.past);
    let mut findings = evaluate(&audit, &policy, &spec.model, &cycle.id)?;
    if let Some(o) = &audit.oversight {
        findings.extend(governance::oversight::findings(
            &audit,
            o,
            &spec.model,
            &cycle.id,
        ));
    }
    governance::tag(
        &mut findings,
        &policy,
        &spec.model,
        register.as_deref(),
        &|id| history.recorded(id),
    )?;
    if let Some((prev_run, prev_findings, prev_report)) = &history.previous {
        let regressions = governance::trend::compare(
            &mut findings,
            prev_findings,
            prev_run,
            &policy,
            &spec.model.id,
            spec.model.risk_tier,
        );
        findings.extend(regressions);
        findings.extend(policy_findings(
            spec,
            &policy,
            &history,
            (prev_run, prev_report),
            &cycle.id,
        ));
    }
    if let Some(lc) = &history.lifecycles {
        history::attach_lifecycles(&mut findings, lc, &spec.model.id, date);
    }
    if let Some(reg) = &register {
        governance::register::waive(&mut findings, reg);
    }
    let repeat = |f: &Finding| {
        history.previous.as_ref().is_some_and(|(_, prev, _)| {
            prev.iter()
                .any(|p| p.finding_id == f.id && p.status.breached())
        })
    };
    let proposed =
        governance::register::propose(&findings, &spec.model, cycle.cadence.review_months, &repeat);
    let generated_at = Utc::now();
    let run_id = format!(
        "run-{}-{}",
        generated_at.format("%Y%m%dT%H%M%S"),
        &crate::digest::sha256_hex(
            format!(
                "{}{}{}{:?}",
                spec.model.id,
                generated_at.timestamp_nanos_opt().unwrap_or(0),
                std::process::id(),
                std::thread::current().id()
            )
            .as_bytes()
        )[..8]
    );
    let matched_risks = register
        .clone()
        .unwrap_or_default()
        .into_iter()
        .filter(|e| findings.iter().any(|f| f.risks.contains(&e.id)))
        .collect();
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
        matched_risks,
        fail_on: spec.fail_on,
        generated_at,
        spec_file: spec.spec_file.clone(),
        run_id,
        previous_run: history.previous.map(|(r, _, _)| r),
        trend_points: history.trend_points,
        data_digests: vec![],
        spec_approval: history.spec_approval,
        governance: spec.governance.clone(),
    })
}

/// The SHA-256 of every input of an audit, named as the report names them.
pub fn input_digests(a: &AuditResult) -> Result<Vec<(String, String)>> {
    let mut out = vec![];
    for p in a.spec.data.iter().chain(&a.spec.counts) {
        out.push((p.display().to_string(), crate::digest::sha256_file(p)?));
    }
    out.extend(a.counts.fetched.iter().cloned());
    Ok(out)
}

/// The `policy_changed` findings of a run against the previous one: the
/// change of policy, if any, and the open changes judged again or left
/// behind (docs/governance.md).
fn policy_findings(
    spec: &Spec,
    policy: &[Check],
    history: &history::History,
    (prev_run, prev_report): (&RunSummary, &serde_json::Value),
    cycle: &str,
) -> Vec<Finding> {
    let mut out = vec![];
    let mut changes = governance::policy::changes(&prev_report["policy"]["checks"], policy);
    changes.extend(governance::policy::setting_changes(prev_report, spec));
    let key = governance::policy::policy_key(policy, spec);
    let approved = (history.spec_approval.status == history::ApprovalStatus::Approved)
        .then(|| history.spec_approval.approver.clone().unwrap_or_default());
    let this_id = governance::policy::finding_id_of(&spec.model.id, &key);
    // The model's policy_changed findings still open (older stores have
    // one per model, without a key).
    let open: Vec<String> = history
        .lifecycles
        .as_ref()
        .map(|l| {
            l.findings
                .values()
                .filter(|f| {
                    f.check == "policy_changed"
                        && f.model_id == spec.model.id
                        && !matches!(
                            f.state,
                            governance::lifecycle::State::Resolved
                                | governance::lifecycle::State::Closed
                        )
                })
                .map(|f| f.finding_id.clone())
                .collect()
        })
        .unwrap_or_default();
    let finding = |id: String, change| {
        governance::policy::finding(&spec.model, id, change, approved.as_deref(), cycle)
    };
    if !changes.is_empty() {
        // A new policy: its own finding; the open ones of the policies
        // left behind pass, nothing is left to approve there.
        out.push(finding(
            this_id.clone(),
            governance::policy::Change::Changed {
                changes: &changes,
                previous_run: &prev_run.run_id,
            },
        ));
        for id in open.into_iter().filter(|id| *id != this_id) {
            out.push(finding(id, governance::policy::Change::Superseded));
        }
    } else {
        // The same policy as the previous run: an open change is judged
        // again, and passes once the spec in force is approved.
        for id in open {
            out.push(finding(id, governance::policy::Change::Pending));
        }
    }
    out
}
