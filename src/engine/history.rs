//! What the history store says about a model, for a run: the previous run,
//! the model's earlier runs, reviews and audits (for its cycle), the life of
//! its findings, the approval of its spec, and earlier values for trends.

use chrono::NaiveDate;
use serde::Serialize;

use crate::checks::{Check, Finding, FindingLifecycle};
use crate::governance::cycle::{past_of, Past};
use crate::governance::lifecycle::{self, Life, Lifecycles};
use crate::governance::store::{EventKind, FindingRow, RunSummary, Store};
use crate::spec::metric::MetricRef;
use crate::spec::Spec;
use crate::Result;

use super::HistoryPoint;

/// Whether the spec's thresholds were approved before the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalStatus {
    /// This spec (its SHA-256) was approved for the model.
    Approved,
    /// The model has approved specs, but not this one: it changed since.
    Changed,
    /// No spec of the model was ever approved.
    Unapproved,
    /// This spec was approved, but the run's flags changed its decision
    /// settings (alpha, minimum group size, references...): it did not run
    /// under the approved policy.
    Overridden,
    /// The run read no spec file (flags only).
    NoSpecFile,
    /// No history store to look in.
    Unknown,
}

/// The approval of the spec a run used.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SpecApproval {
    /// Whether it was approved.
    pub status: ApprovalStatus,
    /// SHA-256 of the spec file's text.
    pub sha256: Option<String>,
    /// Who approved it.
    pub approver: Option<String>,
    /// When the approval was recorded.
    pub approved_at: Option<String>,
    /// The decision settings the run's flags changed from the spec file's.
    pub overrides: Vec<String>,
}

impl SpecApproval {
    fn unknown(sha256: Option<String>) -> Self {
        SpecApproval {
            status: ApprovalStatus::Unknown,
            sha256,
            approver: None,
            approved_at: None,
            overrides: vec![],
        }
    }
}

/// The model's history, for one run.
pub struct History {
    /// The previous recorded run, its findings and its report.
    pub previous: Option<(RunSummary, Vec<FindingRow>, serde_json::Value)>,
    /// Earlier runs, reviews and audits.
    pub past: Past,
    /// The life of every finding so far.
    pub lifecycles: Option<Lifecycles>,
    /// The approval of this run's spec.
    pub spec_approval: SpecApproval,
    /// Earlier values of the policy's findings.
    pub trend_points: Vec<HistoryPoint>,
}

/// SHA-256 of the spec file a run reads, if any.
pub fn spec_sha256(spec: &Spec) -> Result<Option<String>> {
    spec.spec_file
        .as_ref()
        .map(|p| crate::digest::sha256_file(p))
        .transpose()
}

/// An approved spec whose decision settings the flags changed is
/// `Overridden`, with the changes.
fn overridden(mut a: SpecApproval, spec: &Spec) -> Result<SpecApproval> {
    if let (ApprovalStatus::Approved, Some(path)) = (a.status, &spec.spec_file) {
        let (file, _) = crate::spec::file::load(path)?;
        a.overrides = crate::governance::policy::overrides(&file, spec);
        if !a.overrides.is_empty() {
            a.status = ApprovalStatus::Overridden;
        }
    }
    Ok(a)
}

/// Whether `sha` is an approved spec of `model` in the store.
pub fn approval(store: &Store, model: &str, sha: Option<String>) -> Result<SpecApproval> {
    let Some(sha) = sha else {
        return Ok(SpecApproval {
            status: ApprovalStatus::NoSpecFile,
            sha256: None,
            approver: None,
            approved_at: None,
            overrides: vec![],
        });
    };
    let approvals: Vec<_> = store
        .events(Some(model))?
        .into_iter()
        .filter(|e| e.event.kind == EventKind::SpecApproval)
        .collect();
    let this = approvals
        .iter()
        .rev()
        .find(|e| e.event.data["spec_sha256"].as_str() == Some(sha.as_str()));
    Ok(match this {
        Some(e) => SpecApproval {
            status: ApprovalStatus::Approved,
            approver: e.event.data["approver"].as_str().map(String::from),
            approved_at: Some(e.event.recorded_at.clone()),
            sha256: Some(sha),
            overrides: vec![],
        },
        None => SpecApproval {
            status: if approvals.is_empty() {
                ApprovalStatus::Unapproved
            } else {
                ApprovalStatus::Changed
            },
            sha256: Some(sha),
            approver: None,
            approved_at: None,
            overrides: vec![],
        },
    })
}

/// The label of a stored finding in trend charts: per-group metrics (and
/// changes) name the group; summaries the attribute.
fn trend_label(f: &FindingRow) -> String {
    match &f.grp {
        Some(g) if MetricRef::parse(&f.metric).map_or(true, |m| m.per_group()) => {
            format!("{} = {g}", f.attribute)
        }
        _ => f.attribute.clone(),
    }
}

/// Earlier values of the policy's findings for this model.
fn trend_points(store: &Store, model: &str, policy: &[Check]) -> Result<Vec<HistoryPoint>> {
    let mut points = vec![];
    for c in policy {
        for (run, f) in store.trend(model, &c.id(), None)? {
            points.push(HistoryPoint {
                seq: run.seq,
                run_date: run.run_date,
                label: trend_label(&f),
                check: f.check_id,
                finding_id: f.finding_id,
                value: f.value,
            });
        }
    }
    Ok(points)
}

impl History {
    /// Nothing known: no store.
    pub fn none(spec: &Spec) -> Result<Self> {
        Ok(History {
            previous: None,
            past: Past::default(),
            lifecycles: None,
            spec_approval: SpecApproval::unknown(spec_sha256(spec)?),
            trend_points: vec![],
        })
    }

    /// What `store` says about the spec's model, up to `as_of`.
    pub fn load(store: &Store, spec: &Spec, policy: &[Check], as_of: NaiveDate) -> Result<Self> {
        let model = &spec.model.id;
        let previous = match store.last_run(model)? {
            Some(r) => {
                let json = serde_json::from_str(&r.run.report_json).unwrap_or_default();
                Some((r.summary, r.run.findings, json))
            }
            None => None,
        };
        let past = past_of(store, model)?.map(|p| p.0).unwrap_or_default();
        Ok(History {
            previous,
            past,
            lifecycles: Some(lifecycle::replay(store, Some(model), as_of)?),
            spec_approval: overridden(approval(store, model, spec_sha256(spec)?)?, spec)?,
            trend_points: trend_points(store, model, policy)?,
        })
    }

    /// What the history records of a finding, for its controls.
    pub fn recorded(&self, id: &str) -> crate::governance::controls::Recorded {
        let life = self.lifecycles.as_ref().and_then(|l| l.findings.get(id));
        crate::governance::controls::Recorded {
            treatment: life.is_some_and(|l| l.treatment.is_some()),
            corrective_action: life.is_some_and(|l| l.corrective_action),
        }
    }
}

fn summary(l: &Life, as_of: NaiveDate) -> FindingLifecycle {
    FindingLifecycle {
        state: l.state,
        owner: l.owner.clone(),
        treatment: l.treatment.map(|t| t.name().to_string()),
        plan: l.plan.clone(),
        due: l.due,
        accepted_by: l.acceptance.as_ref().map(|a| a.approver.clone()),
        acceptance_expires: l.acceptance.as_ref().map(|a| a.expires),
        overdue: l.overdue(as_of),
        waived: l.waived(as_of),
    }
}

/// Sets each finding's lifecycle: its life so far with this run applied.
pub fn attach_lifecycles(
    findings: &mut [Finding],
    lifecycles: &Lifecycles,
    model: &str,
    as_of: NaiveDate,
) {
    let mut lc = Lifecycles {
        findings: lifecycles.findings.clone(),
    };
    let rows: Vec<FindingRow> = findings.iter().map(FindingRow::of).collect();
    lc.apply_run(model, 0, as_of, &rows);
    for f in findings.iter_mut() {
        f.lifecycle = lc.findings.get(&f.id).map(|l| summary(l, as_of));
    }
}
