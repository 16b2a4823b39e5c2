//! The people's side of the record: who may do what to a model's findings,
//! checked before an event enters the chain. A review or a risk acceptance
//! by the model's own owner is refused unless the spec allows it (SR 11-7:
//! independent challenge); a finding is closed only with a run that shows it
//! fixed; a spec approval records the SHA-256 of the thresholds approved.

use chrono::NaiveDate;
use serde_json::json;

use crate::checks::Status;
use crate::governance::lifecycle::{replay, State};
use crate::governance::register::Treatment;
use crate::governance::store::{EventKind, NewEvent, Store};
use crate::{Error, Result};

/// Who does something, and when it is recorded.
#[derive(Clone, Debug)]
pub struct Actor {
    /// The person (or pipeline) acting.
    pub name: String,
    /// Now, from the real clock (UTC).
    pub now: chrono::DateTime<chrono::Utc>,
}

impl Actor {
    /// `name` acting now.
    pub fn new(name: impl Into<String>) -> Self {
        Actor {
            name: name.into(),
            now: chrono::Utc::now(),
        }
    }

    fn today(&self) -> NaiveDate {
        self.now.date_naive()
    }

    fn event(
        &self,
        kind: EventKind,
        model: &str,
        finding: Option<&str>,
        date: NaiveDate,
        data: serde_json::Value,
    ) -> NewEvent {
        NewEvent {
            kind,
            model_id: model.to_string(),
            finding_id: finding.map(String::from),
            event_date: date.to_string(),
            actor: self.name.clone(),
            recorded_at: self
                .now
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            data,
        }
    }
}

/// The model's governance settings, from its latest recorded run.
pub struct ModelGovernance {
    /// The model's owner (`[model] owner`).
    pub owner: Option<String>,
    /// Whether the owner may review or accept (`[governance] allow_self_review`).
    pub allow_self_review: bool,
    /// Years runs are kept.
    pub retention_years: u32,
}

/// The governance settings of the model's latest recorded run that names
/// an owner (else of its latest run): a run from flags alone, without a
/// spec, has no owner and default settings, and must erase neither the
/// owner nor the spec's `allow_self_review`.
pub fn model_governance(store: &Store, model: &str) -> Result<ModelGovernance> {
    let runs = store.list(Some(model))?;
    if runs.is_empty() {
        return Err(Error::usage(format!(
            "model '{model}' has no recorded run in {}",
            store.path().display()
        )));
    }
    let mut chosen: Option<serde_json::Value> = None;
    for r in runs.iter().rev() {
        let v: serde_json::Value =
            serde_json::from_str(&store.get(&r.seq.to_string())?.run.report_json)
                .unwrap_or_default();
        let named = v["model"]["owner"].is_string();
        if chosen.is_none() || named {
            chosen = Some(v);
        }
        if named {
            break;
        }
    }
    let report = chosen.unwrap_or_default();
    Ok(ModelGovernance {
        owner: report["model"]["owner"].as_str().map(String::from),
        allow_self_review: report["governance"]["allow_self_review"]
            .as_bool()
            .unwrap_or(false),
        retention_years: report["governance"]["retention_years"]
            .as_u64()
            .unwrap_or(10) as u32,
    })
}

/// A name or text the record needs: refused when blank (an empty owner,
/// approver or plan would be cited as evidence of a control).
fn given<'a>(flag: &str, v: &'a str) -> Result<&'a str> {
    let t = v.trim();
    if t.is_empty() {
        return Err(Error::usage(format!(
            "{flag} is empty: the record needs it"
        )));
    }
    Ok(t)
}

fn same_person(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// Refuses `who` when they own the model and self-review is not allowed.
fn independent(g: &ModelGovernance, who: &str, what: &str, model: &str) -> Result<()> {
    match &g.owner {
        Some(o) if same_person(o, who) && !g.allow_self_review => Err(Error::usage(format!(
            "{who} owns model '{model}' and cannot {what} it: an independent person must (set [governance] allow_self_review = true in the spec to allow it)"
        ))),
        _ => Ok(()),
    }
}

/// The model of a known finding.
fn finding_model(store: &Store, id: &str, as_of: NaiveDate) -> Result<(String, State)> {
    let lc = replay(store, None, as_of)?;
    let l = lc.findings.get(id).ok_or_else(|| {
        Error::usage(format!(
            "no finding '{id}' in {}: a finding enters the lifecycle when a recorded run breaches it (fairaudit finding list)",
            store.path().display()
        ))
    })?;
    Ok((l.model_id.clone(), l.state))
}

/// Records a review or an internal audit of a model; `run` names the run it used.
pub fn review(
    store: &mut Store,
    actor: &Actor,
    model: &str,
    kind: EventKind,
    date: NaiveDate,
    note: Option<&str>,
    run: Option<&str>,
) -> Result<i64> {
    let g = model_governance(store, model)?;
    independent(
        &g,
        &actor.name,
        if kind == EventKind::Audit {
            "audit"
        } else {
            "review"
        },
        model,
    )?;
    if date > actor.today() {
        return Err(Error::usage(format!(
            "--date {date} is in the future: a review is recorded when it has happened"
        )));
    }
    let run = run.map(|r| store.get(r)).transpose()?;
    if let Some(r) = &run {
        if r.summary.model_id != model {
            return Err(Error::usage(format!(
                "run {} is of model '{}', not '{model}'",
                r.summary.run_id, r.summary.model_id
            )));
        }
        if date.to_string() < r.summary.run_date {
            return Err(Error::usage(format!(
                "the review's date {date} is before the run it used ({}, {})",
                r.summary.run_id, r.summary.run_date
            )));
        }
    }
    let data = json!({"note": note, "run": run.as_ref().map(|r| r.summary.run_id.clone())});
    store.add_event(&actor.event(kind, model, None, date, data))
}

/// Sets a finding's owner.
pub fn assign(store: &mut Store, actor: &Actor, id: &str, owner: &str) -> Result<i64> {
    let owner = given("--owner", owner)?;
    let (model, _) = finding_model(store, id, actor.today())?;
    store.add_event(&actor.event(
        EventKind::Assign,
        &model,
        Some(id),
        actor.today(),
        json!({"owner": owner}),
    ))
}

/// Records a treatment decision with its plan and due date.
pub fn treat(
    store: &mut Store,
    actor: &Actor,
    id: &str,
    treatment: Treatment,
    plan: &str,
    due: NaiveDate,
) -> Result<i64> {
    if treatment == Treatment::Accept {
        return Err(Error::usage("a risk is accepted with `fairaudit finding accept`, which records the approver, the justification and the expiry"));
    }
    let plan = given("--plan", plan)?;
    if due < actor.today() {
        return Err(Error::usage(format!(
            "--due {due} is in the past: a treatment is planned to be done by a later date"
        )));
    }
    let (model, state) = finding_model(store, id, actor.today())?;
    if state == State::Closed {
        return Err(Error::usage(format!("finding {id} is closed")));
    }
    let data = json!({"treatment": treatment.name(), "plan": plan, "due": due.to_string()});
    store.add_event(&actor.event(EventKind::Treat, &model, Some(id), actor.today(), data))
}

/// Records a risk acceptance, refused for the model's own owner (unless
/// allowed) and for an expiry in the past.
pub fn accept(
    store: &mut Store,
    actor: &Actor,
    id: &str,
    approver: &str,
    justification: &str,
    expires: NaiveDate,
) -> Result<i64> {
    let approver = given("--approver", approver)?;
    let (model, state) = finding_model(store, id, actor.today())?;
    let g = model_governance(store, &model)?;
    independent(&g, approver, "accept the risks of", &model)?;
    if expires <= actor.today() {
        return Err(Error::usage(format!(
            "--expires {expires} is not in the future: an acceptance must expire after today"
        )));
    }
    if justification.trim().is_empty() {
        return Err(Error::usage("a risk acceptance needs a justification"));
    }
    if matches!(state, State::Closed | State::Resolved) {
        return Err(Error::usage(format!(
            "finding {id} is {}: there is no risk to accept",
            state.name()
        )));
    }
    let data = json!({"approver": approver, "justification": justification, "expires": expires.to_string()});
    store.add_event(&actor.event(EventKind::Accept, &model, Some(id), actor.today(), data))
}

/// Records a corrective action (ISO 27001 10.2: cause, action, check of effectiveness).
pub fn action(
    store: &mut Store,
    actor: &Actor,
    id: &str,
    action: &str,
    cause: Option<&str>,
    effectiveness: Option<&str>,
) -> Result<i64> {
    let action = given("--corrective", action)?;
    let (model, _) = finding_model(store, id, actor.today())?;
    let data = json!({"action": action, "cause": cause, "effectiveness": effectiveness});
    store.add_event(&actor.event(EventKind::Action, &model, Some(id), actor.today(), data))
}

/// Closes a resolved finding with the run that shows it fixed.
pub fn close(store: &mut Store, actor: &Actor, id: &str, evidence_run: &str) -> Result<i64> {
    let (model, state) = finding_model(store, id, actor.today())?;
    if state != State::Resolved {
        return Err(Error::usage(format!(
            "finding {id} is {}: only a resolved finding (one a later run shows within the thresholds) can be closed",
            state.name()
        )));
    }
    let run = store.get(evidence_run)?;
    let passes = run
        .run
        .findings
        .iter()
        .any(|f| f.finding_id == id && f.status == Status::Pass);
    if run.summary.model_id != model || !passes {
        return Err(Error::usage(format!(
            "run {} does not show finding {id} passing; name a run of model '{model}' in which it passes",
            run.summary.run_id
        )));
    }
    // The fix must come after the last breach: a run from before it shows
    // nothing about the fix.
    if let Some(last) = store.last_breach(id)? {
        if run.summary.seq < last {
            return Err(Error::usage(format!(
                "run {} (#{}) is from before the finding's last breach (run #{last}); name a later run in which it passes",
                run.summary.run_id, run.summary.seq
            )));
        }
    }
    let data = json!({"evidence_run": run.summary.run_id});
    store.add_event(&actor.event(EventKind::Close, &model, Some(id), actor.today(), data))
}

/// Records the approval of a spec file's thresholds for its model.
/// The spec's own `[model] owner` and `allow_self_review` are checked
/// first: the owner may not approve their own thresholds even before the
/// model has a run.
pub fn approve_spec(
    store: &mut Store,
    actor: &Actor,
    spec: &crate::spec::Spec,
    spec_sha256: &str,
    approver: &str,
    path: &str,
) -> Result<i64> {
    let approver = given("--approver", approver)?;
    let model = spec.model.id.as_str();
    let own = ModelGovernance {
        owner: spec.model.owner.clone(),
        allow_self_review: spec.governance.allow_self_review,
        retention_years: spec.governance.retention_years,
    };
    independent(&own, approver, "approve the thresholds of", model)?;
    if let Ok(g) = model_governance(store, model) {
        independent(&g, approver, "approve the thresholds of", model)?;
    }
    let data = json!({"approver": approver, "spec_sha256": spec_sha256, "spec_file": path});
    store.add_event(&actor.event(EventKind::SpecApproval, model, None, actor.today(), data))
}

/// Removes runs older than `before`, refusing any inside its model's
/// retention period, and records what it removed in the chain.
pub fn prune(store: &mut Store, actor: &Actor, before: NaiveDate) -> Result<Vec<i64>> {
    let mut drop = vec![];
    for r in store.list(None)? {
        let date = NaiveDate::parse_from_str(&r.run_date, "%Y-%m-%d")
            .map_err(|e| Error::usage(format!("bad run date '{}': {e}", r.run_date)))?;
        if date >= before {
            continue;
        }
        // Each run keeps the period recorded with it (a later spec with a
        // shorter one does not shorten it), counted from the later of its
        // run date and the day it was recorded (a backdated run is kept as
        // long as one recorded that day).
        let stored = store.get(&r.seq.to_string())?;
        let report: serde_json::Value =
            serde_json::from_str(&stored.run.report_json).unwrap_or_default();
        // A run recorded before reports carried the setting keeps the
        // model's latest recorded one.
        let years = match report["governance"]["retention_years"].as_u64() {
            Some(y) => y as u32,
            None => model_governance(store, &r.model_id)?.retention_years,
        };
        let recorded = chrono::DateTime::parse_from_rfc3339(&r.recorded_at)
            .map(|t| t.date_naive())
            .unwrap_or(date);
        let from = date.max(recorded);
        let keep_until = from
            .checked_add_months(chrono::Months::new(12 * years))
            .unwrap_or(from);
        if actor.today() < keep_until {
            return Err(Error::usage(format!(
                "run #{} ({}, model {}, {}, recorded {recorded}) is inside its {years}-year retention period (until {keep_until}): nothing was removed",
                r.seq, r.run_id, r.model_id, r.run_date
            )));
        }
        drop.push(r);
    }
    if drop.is_empty() {
        return Ok(vec![]);
    }
    let data = json!({
        "before": before.to_string(),
        "runs": drop.iter().map(|r| json!({"seq": r.seq, "run_id": r.run_id, "model_id": r.model_id, "run_date": r.run_date, "chain_hash": r.chain_hash})).collect::<Vec<_>>(),
    });
    let seqs: Vec<i64> = drop.iter().map(|r| r.seq).collect();
    store.prune_runs(
        &seqs,
        &actor.event(EventKind::Prune, "", None, actor.today(), data),
    )?;
    Ok(seqs)
}
