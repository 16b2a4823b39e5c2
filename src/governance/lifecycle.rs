//! The life of a finding from detection to closure, replayed from the chain:
//! recorded runs move it (a breach opens or reopens it, a later pass resolves
//! it), people move it with events (assign, treat, accept, corrective action,
//! close), and time moves it (an acceptance that expired reopens it). The
//! state is never stored, so it cannot drift from the tamper-evident record.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::checks::{Status, Trend};
use crate::governance::register::Treatment;
use crate::governance::store::{EventKind, FindingRow, Store, StoredEvent};
use crate::{Error, Result};

pub use crate::checks::LifeState as State;

/// A risk acceptance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Acceptance {
    /// Who accepted the risk.
    pub approver: String,
    /// Why.
    pub justification: String,
    /// Until when (inclusive).
    pub expires: NaiveDate,
    /// When it was recorded.
    pub recorded_at: String,
}

/// One entry of a finding's log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LogEntry {
    /// The date it is about.
    pub date: String,
    /// Who (a person, or "fairaudit" for a run's effect).
    pub actor: String,
    /// What happened, in words.
    pub what: String,
}

/// The life of one finding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Life {
    /// The stable finding id.
    pub finding_id: String,
    /// The model.
    pub model_id: String,
    /// The check.
    pub check: String,
    /// The attribute.
    pub attribute: String,
    /// The group.
    pub group: Option<String>,
    /// Where it stands.
    pub state: State,
    /// Who owns it.
    pub owner: Option<String>,
    /// The treatment decided.
    pub treatment: Option<Treatment>,
    /// The treatment plan.
    pub plan: Option<String>,
    /// When the treatment is due.
    pub due: Option<NaiveDate>,
    /// The acceptance in force or last given.
    pub acceptance: Option<Acceptance>,
    /// Whether a corrective action was recorded (ISO 27001 10.2).
    pub corrective_action: bool,
    /// Its status in the latest run that judged it.
    pub last_status: Status,
    /// That run's number.
    pub last_run: i64,
    /// Its latest statement.
    pub statement: String,
    /// What happened to it, oldest first.
    pub log: Vec<LogEntry>,
}

impl Life {
    /// Whether its due date has passed while it is still open or in treatment.
    pub fn overdue(&self, as_of: NaiveDate) -> bool {
        matches!(self.state, State::Open | State::InTreatment)
            && self.due.is_some_and(|d| as_of > d)
    }

    /// Whether an accepted risk waives it on `as_of` (accepted and not expired).
    pub fn waived(&self, as_of: NaiveDate) -> bool {
        self.state == State::RiskAccepted
            && self.acceptance.as_ref().is_some_and(|a| as_of <= a.expires)
    }

    fn note(&mut self, date: &str, actor: &str, what: String) {
        self.log.push(LogEntry {
            date: date.to_string(),
            actor: actor.to_string(),
            what,
        });
    }

    /// A risk acceptance: waives the finding until it expires.
    fn accept(&mut self, ev: &crate::governance::store::NewEvent, expires: NaiveDate) {
        let text = |k: &str| ev.data[k].as_str().unwrap_or_default().to_string();
        let a = Acceptance {
            approver: text("approver"),
            justification: text("justification"),
            expires,
            recorded_at: ev.recorded_at.clone(),
        };
        self.note(
            &ev.event_date,
            &ev.actor,
            format!(
                "risk accepted by {} until {}: {}",
                a.approver, a.expires, a.justification
            ),
        );
        self.treatment = Some(Treatment::Accept);
        self.acceptance = Some(a);
        if matches!(self.state, State::Open | State::InTreatment) {
            self.state = State::RiskAccepted;
        }
    }

    /// An acceptance that expired before `date` reopens the finding.
    fn expire(&mut self, date: NaiveDate) {
        if let (State::RiskAccepted, Some(a)) = (self.state, &self.acceptance) {
            if date > a.expires {
                let what = format!(
                    "acceptance by {} expired on {}: open again",
                    a.approver, a.expires
                );
                self.state = State::Open;
                self.note(&date.to_string(), "fairaudit", what);
            }
        }
    }
}

/// The life of every finding of the store (of one model with `model`),
/// replayed up to `as_of`.
pub struct Lifecycles {
    /// By finding id.
    pub findings: BTreeMap<String, Life>,
}

fn date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(&s[..s.len().min(10)], "%Y-%m-%d")
        .map_err(|e| Error::usage(format!("bad date '{s}' in the history store: {e}")))
}

impl Lifecycles {
    /// Applies one run's findings.
    pub fn apply_run(
        &mut self,
        model: &str,
        seq: i64,
        run_date: NaiveDate,
        findings: &[FindingRow],
    ) {
        let d = run_date.to_string();
        for life in self.findings.values_mut().filter(|l| l.model_id == model) {
            life.expire(run_date);
        }
        for f in findings {
            let life = self.findings.get_mut(&f.finding_id);
            match (life, f.status) {
                (None, s) if s.breached() => {
                    let mut l = Life {
                        finding_id: f.finding_id.clone(),
                        model_id: model.to_string(),
                        check: f.check_id.clone(),
                        attribute: f.attribute.clone(),
                        group: f.grp.clone(),
                        state: State::Open,
                        owner: None,
                        treatment: None,
                        plan: None,
                        due: None,
                        acceptance: None,
                        corrective_action: false,
                        last_status: s,
                        last_run: seq,
                        statement: f.statement.clone(),
                        log: vec![],
                    };
                    l.note(&d, "fairaudit", format!("{} in run #{seq}: open", s.name()));
                    self.findings.insert(f.finding_id.clone(), l);
                }
                (None, _) => {}
                (Some(l), s) => {
                    l.last_status = s;
                    l.last_run = seq;
                    l.statement = f.statement.clone();
                    match (l.state, s) {
                        (State::Resolved | State::Closed, s) if s.breached() => {
                            l.state = State::Open;
                            l.note(
                                &d,
                                "fairaudit",
                                format!("{} again in run #{seq}: reopened", s.name()),
                            );
                        }
                        // An accepted risk that got significantly worse is
                        // no longer the risk that was accepted.
                        (State::RiskAccepted, s)
                            if s.breached() && f.trend == Some(Trend::Regressed) =>
                        {
                            l.state = State::Open;
                            l.note(
                                &d,
                                "fairaudit",
                                format!("regressed in run #{seq}: the acceptance no longer covers it; open again"),
                            );
                        }
                        (State::Open | State::InTreatment | State::RiskAccepted, Status::Pass) => {
                            l.state = State::Resolved;
                            l.note(
                                &d,
                                "fairaudit",
                                format!(
                                    "passes in run #{seq}: resolved (closing it needs a person)"
                                ),
                            );
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// Applies one person's event.
    pub fn apply_event(&mut self, e: &StoredEvent) -> Result<()> {
        let ev = &e.event;
        let Some(id) = &ev.finding_id else {
            return Ok(());
        };
        let Some(l) = self.findings.get_mut(id) else {
            return Ok(());
        };
        let data = &ev.data;
        let text = |k: &str| data[k].as_str().unwrap_or_default().to_string();
        let day = date(&ev.event_date)?;
        l.expire(day);
        let (actor, d) = (ev.actor.as_str(), ev.event_date.as_str());
        match ev.kind {
            EventKind::Assign => {
                l.owner = Some(text("owner"));
                l.note(d, actor, format!("assigned to {}", text("owner")));
            }
            EventKind::Treat => {
                l.treatment = Treatment::parse(&text("treatment"));
                l.plan = Some(text("plan"));
                l.due = data["due"].as_str().map(date).transpose()?;
                if l.state == State::Open {
                    l.state = State::InTreatment;
                }
                l.note(
                    d,
                    actor,
                    format!(
                        "treatment {}: {} (due {})",
                        text("treatment"),
                        text("plan"),
                        text("due")
                    ),
                );
            }
            EventKind::Accept => l.accept(ev, date(&text("expires"))?),
            EventKind::Action => {
                l.corrective_action = true;
                l.note(
                    d,
                    actor,
                    format!(
                        "corrective action: {} (cause: {}; effectiveness check: {})",
                        text("action"),
                        text("cause"),
                        text("effectiveness")
                    ),
                );
            }
            EventKind::Close => {
                l.state = State::Closed;
                l.note(
                    d,
                    actor,
                    format!("closed with run {} as evidence", text("evidence_run")),
                );
            }
            _ => {}
        }
        Ok(())
    }
}

/// Replays the store's runs and events in chain order up to `as_of`.
pub fn replay(store: &Store, model: Option<&str>, as_of: NaiveDate) -> Result<Lifecycles> {
    replay_through(store, model, as_of, None)
}

/// The lifecycles as they stood on `until`: runs dated and events recorded
/// for after it are left out (a management review of a past window must not
/// show a finding closed later as closed).
pub fn replay_until(store: &Store, model: Option<&str>, until: NaiveDate) -> Result<Lifecycles> {
    replay_through(store, model, until, Some(until))
}

fn replay_through(
    store: &Store,
    model: Option<&str>,
    as_of: NaiveDate,
    until: Option<NaiveDate>,
) -> Result<Lifecycles> {
    let after = |d: NaiveDate| until.is_some_and(|u| d > u);
    let mut lc = Lifecycles {
        findings: BTreeMap::new(),
    };
    let runs: BTreeMap<i64, _> = store.list(model)?.into_iter().map(|r| (r.seq, r)).collect();
    let events: BTreeMap<i64, _> = store
        .events(model)?
        .into_iter()
        .map(|e| (e.seq, e))
        .collect();
    // The chain's order is the order things happened in (pruned runs and other
    // models' entries are skipped).
    for (is_run, r) in store.chain_order()? {
        if is_run {
            if let Some(run) = runs.get(&r) {
                let d = date(&run.run_date)?;
                if !after(d) {
                    lc.apply_run(&run.model_id, run.seq, d, &store.findings(run.seq)?);
                }
            }
        } else if let Some(e) = events.get(&r) {
            // Cut at `until`, a close counts only on a finding resolved by
            // then: the run that resolved it may be dated after the cut.
            let unresolved_close = until.is_some()
                && e.event.kind == EventKind::Close
                && e.event
                    .finding_id
                    .as_ref()
                    .and_then(|id| lc.findings.get(id))
                    .is_none_or(|l| l.state != State::Resolved);
            if !after(date(&e.event.event_date)?) && !unresolved_close {
                lc.apply_event(e)?;
            }
        }
    }
    for l in lc.findings.values_mut() {
        l.expire(as_of);
    }
    Ok(lc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Severity;
    use crate::governance::store::NewEvent;

    fn row(status: Status, trend: Option<Trend>) -> FindingRow {
        FindingRow {
            finding_id: "FA-1".into(),
            check_id: "four-fifths-rule".into(),
            metric: "impact_ratio".into(),
            attribute: "age_group".into(),
            grp: Some("le25".into()),
            status,
            severity: Severity::High,
            value: Some(0.7),
            ci_low: None,
            ci_high: None,
            p_value: None,
            p_adjusted: None,
            significant: None,
            trend,
            statement: String::new(),
        }
    }

    fn event(kind: EventKind, day: &str, data: serde_json::Value) -> StoredEvent {
        StoredEvent {
            seq: 1,
            event: NewEvent {
                kind,
                model_id: "m".into(),
                finding_id: Some("FA-1".into()),
                event_date: day.into(),
                actor: "Jane".into(),
                recorded_at: format!("{day}T10:00:00Z"),
                data,
            },
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn run(lc: &mut Lifecycles, seq: i64, day: &str, status: Status, trend: Option<Trend>) {
        lc.apply_run("m", seq, d(day), &[row(status, trend)]);
    }

    fn state(lc: &Lifecycles) -> State {
        lc.findings["FA-1"].state
    }

    fn fresh() -> Lifecycles {
        Lifecycles {
            findings: BTreeMap::new(),
        }
    }

    #[test]
    fn a_pass_never_opens_a_finding() {
        let mut lc = fresh();
        run(&mut lc, 1, "2026-01-05", Status::Pass, None);
        assert!(lc.findings.is_empty());
    }

    #[test]
    fn treatment_then_a_pass_resolves_and_a_breach_reopens() {
        let mut lc = fresh();
        run(&mut lc, 1, "2026-01-05", Status::Fail, None);
        assert_eq!(state(&lc), State::Open);
        let plan =
            serde_json::json!({"treatment": "mitigate", "plan": "retrain", "due": "2026-02-01"});
        lc.apply_event(&event(EventKind::Treat, "2026-01-06", plan))
            .unwrap();
        assert_eq!(state(&lc), State::InTreatment);
        assert!(!lc.findings["FA-1"].overdue(d("2026-02-01")));
        assert!(lc.findings["FA-1"].overdue(d("2026-02-02")));
        run(&mut lc, 2, "2026-02-05", Status::Pass, None);
        assert_eq!(state(&lc), State::Resolved);
        assert!(
            !lc.findings["FA-1"].overdue(d("2026-03-01")),
            "resolved is not overdue"
        );
        run(&mut lc, 3, "2026-03-05", Status::Warn, None);
        assert_eq!(state(&lc), State::Open);
        run(&mut lc, 4, "2026-04-05", Status::Pass, None);
        lc.apply_event(&event(
            EventKind::Close,
            "2026-04-06",
            serde_json::json!({"evidence_run": "r4"}),
        ))
        .unwrap();
        assert_eq!(state(&lc), State::Closed);
        run(&mut lc, 5, "2026-05-05", Status::Fail, None);
        assert_eq!(
            state(&lc),
            State::Open,
            "a closed finding that breaches again reopens"
        );
    }

    #[test]
    fn an_acceptance_waives_until_it_expires_or_the_finding_regresses() {
        let mut lc = fresh();
        run(&mut lc, 1, "2026-01-05", Status::Fail, None);
        let acc =
            serde_json::json!({"approver": "CRO", "justification": "j", "expires": "2026-03-10"});
        lc.apply_event(&event(EventKind::Accept, "2026-01-06", acc.clone()))
            .unwrap();
        assert_eq!(state(&lc), State::RiskAccepted);
        let l = &lc.findings["FA-1"];
        assert!(l.waived(d("2026-03-10")) && !l.waived(d("2026-03-11")));
        run(
            &mut lc,
            2,
            "2026-02-05",
            Status::Fail,
            Some(Trend::Persisting),
        );
        assert_eq!(
            state(&lc),
            State::RiskAccepted,
            "a persisting breach stays accepted"
        );
        run(
            &mut lc,
            3,
            "2026-04-05",
            Status::Fail,
            Some(Trend::Persisting),
        );
        assert_eq!(state(&lc), State::Open, "expired before the run");
        assert!(lc.findings["FA-1"]
            .log
            .iter()
            .any(|e| e.what.contains("expired")));
        lc.apply_event(&event(EventKind::Accept, "2026-04-06", acc.clone()))
            .unwrap();
        // The second acceptance expired before it was given: it never waives.
        assert!(!lc.findings["FA-1"].waived(d("2026-04-06")));
        let acc2 =
            serde_json::json!({"approver": "CRO", "justification": "j", "expires": "2026-09-01"});
        lc.apply_event(&event(EventKind::Accept, "2026-04-07", acc2))
            .unwrap();
        assert_eq!(state(&lc), State::RiskAccepted);
        run(
            &mut lc,
            4,
            "2026-05-05",
            Status::Fail,
            Some(Trend::Regressed),
        );
        assert_eq!(
            state(&lc),
            State::Open,
            "a regression is not what was accepted"
        );
    }
}
