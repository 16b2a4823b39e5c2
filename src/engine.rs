//! The whole run: ingest → audit → checks → governance, giving the [`Report`]
//! every output format renders. This is the library entry point the CLI uses.

use chrono::{NaiveDate, Utc};

use crate::audit::{self, Audit};
use crate::checks::{self, Check, Finding, Severity, Status};
use crate::governance::history::{self, FindingRow, NewRun, Recorded, RunSummary, Store};
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
    /// Identifier of this run (in the history store when recorded).
    pub run_id: String,
    /// The previous recorded run of the model, when compared with one.
    pub previous_run: Option<RunSummary>,
    /// Earlier values of this model's findings, from the history store, for
    /// trend charts (oldest first).
    pub history: Vec<HistoryPoint>,
    /// SHA-256 of each data file, when computed (HTML report, recording).
    pub data_digests: Vec<(String, String)>,
}

/// One earlier value of a finding.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct HistoryPoint {
    pub seq: i64,
    pub run_date: String,
    pub check: String,
    pub finding_id: String,
    pub label: String,
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

/// Runs the whole pipeline on a spec, without history.
pub fn run(spec: &Spec) -> Result<Report> {
    run_with_history(spec, None)
}

/// Runs the pipeline, comparing findings with the model's last run in `store`
/// (when given) to set their trends.
pub fn run_with_history(spec: &Spec, store: Option<&Store>) -> Result<Report> {
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
    let previous = match store {
        Some(st) => st
            .last_run(&spec.model.id)?
            .map(|r| (r.summary, r.run.findings)),
        None => None,
    };
    let first_record = store.is_some() && previous.is_none();
    let mut points = vec![];
    if let Some(st) = store {
        for c in &policy {
            for (run, f) in st.trend(&spec.model.id, &c.id(), None)? {
                points.push(HistoryPoint {
                    seq: run.seq,
                    run_date: run.run_date,
                    check: f.check_id,
                    finding_id: f.finding_id,
                    label: match &f.grp {
                        Some(g) if !crate::metrics::SUMMARIES.contains(&f.metric.as_str()) => {
                            format!("{} = {g}", f.attribute)
                        }
                        _ => f.attribute.clone(),
                    },
                    value: f.value,
                });
            }
        }
    }
    let audit = audit::run(&spec.audit)?;
    let mut report = report_from_audit(spec, audit, policy, policy_source, register, previous)?;
    report.history = points;
    if first_record {
        for f in &mut report.findings {
            f.trend = Some("new".into());
        }
    }
    Ok(report)
}

/// The governance half of a run, on an audit already computed.
pub fn report_from_audit(
    spec: &Spec,
    audit: Audit,
    policy: Vec<Check>,
    policy_source: PolicySource,
    register: Option<Vec<RiskEntry>>,
    previous: Option<(RunSummary, Vec<FindingRow>)>,
) -> Result<Report> {
    let cycle = CycleInfo::new(run_date(spec), spec.cadence());
    let mut findings = checks::evaluate(&audit, &policy, &spec.model, &cycle.id)?;
    governance::tag(&mut findings, &policy, &spec.model, register.as_deref())?;
    if let Some((prev_run, prev_findings)) = &previous {
        let regressions = governance::trend::compare(
            &mut findings,
            prev_findings,
            prev_run,
            &policy,
            &spec.model.id,
            spec.model.risk_tier,
        );
        findings.extend(regressions);
    }
    let repeat = |f: &Finding| {
        previous.as_ref().is_some_and(|(_, prev)| {
            prev.iter()
                .any(|p| p.finding_id == f.id && (p.status == "warn" || p.status == "fail"))
        })
    };
    let proposed =
        governance::register::propose(&findings, &spec.model, cycle.cadence.review_months, &repeat);
    let generated_at = Utc::now();
    let run_id = format!(
        "run-{}-{}",
        generated_at.format("%Y%m%dT%H%M%S"),
        &history::sha256_hex(
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
        generated_at,
        spec_file: spec.spec_file.clone(),
        run_id,
        previous_run: previous.map(|(r, _)| r),
        history: vec![],
        data_digests: vec![],
    })
}

/// The SHA-256 of every input of an audit, named as the report names them.
fn input_digests(a: &Audit) -> Result<Vec<(String, String)>> {
    let mut out = vec![];
    for p in a.spec.data.iter().chain(&a.spec.counts) {
        out.push((p.display().to_string(), history::sha256_file(p)?));
    }
    out.extend(a.counts.fetched.iter().cloned());
    Ok(out)
}

/// The stored form of a report: rendered JSON and Markdown, the spec text and
/// the SHA-256 of every input.
pub fn to_new_run(report: &Report, spec: &Spec) -> Result<NewRun> {
    let a = &report.audit;
    let digests = if report.data_digests.is_empty() {
        input_digests(a)?
    } else {
        report.data_digests.clone()
    };
    let data: Vec<serde_json::Value> = digests
        .iter()
        .map(|(p, h)| serde_json::json!({"path": p, "sha256": h}))
        .collect();
    let spec_text = match &spec.spec_file {
        Some(p) => Some(std::fs::read_to_string(p).map_err(|e| {
            crate::Error::usage(format!("cannot read spec file '{}': {e}", p.display()))
        })?),
        None => None,
    };
    let register_sha256 = spec
        .register
        .as_ref()
        .map(|r| history::sha256_file(&r.path))
        .transpose()?;
    let exporters = [
        crate::report::Format::Json.exporter(),
        crate::report::Format::Markdown.exporter(),
    ];
    let report_json = exporters[0].render(report)?;
    let report_md = exporters[1].render(report)?;
    Ok(NewRun {
        run_id: report.run_id.clone(),
        recorded_at: report
            .generated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        run_date: report.cycle.run_date.to_string(),
        model_id: report.model.id.clone(),
        model_version: report.model.version.clone(),
        risk_tier: report.model.risk_tier.name().into(),
        cycle_id: report.cycle.id.clone(),
        engine_version: env!("CARGO_PKG_VERSION").into(),
        data_sha256: serde_json::Value::Array(data).to_string(),
        spec_sha256: spec_text
            .as_ref()
            .map(|t| history::sha256_hex(t.as_bytes())),
        register_sha256,
        rows_read: a.counts.rows_read as i64,
        rows_used: a.counts.rows_used() as i64,
        verdict: format!("{:?}", report.verdict()).to_lowercase(),
        report_json,
        report_md,
        spec_text,
        findings: report
            .findings
            .iter()
            .map(|f| FindingRow {
                finding_id: f.id.clone(),
                check_id: f.check.clone(),
                metric: f.metric.clone(),
                attribute: f.attribute.clone(),
                grp: f.group.clone(),
                status: f.status.name().into(),
                severity: f.severity.name().into(),
                value: f.value,
                ci_low: f.ci.map(|c| c[0]),
                ci_high: f.ci.map(|c| c[1]),
                p_value: f.p_value,
                p_adjusted: f.p_adjusted,
                significant: f.significant,
                trend: f.trend.clone(),
                statement: f.statement.clone(),
            })
            .collect(),
    })
}

/// Records a report in the store (one transaction).
pub fn record(report: &Report, spec: &Spec, store: &mut Store) -> Result<Recorded> {
    let run = to_new_run(report, spec)?;
    store.record(&run)
}
