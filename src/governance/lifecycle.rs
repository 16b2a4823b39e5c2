//! The life of a finding from detection to closure, replayed from the chain:
//! recorded runs move it (a breach opens or reopens it, a later pass resolves
//! it), people move it with events (assign, treat, accept, corrective action,
//! close), and time moves it (an acceptance that expired reopens it). The
//! state is never stored, so it cannot drift from the tamper-evident record.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::checks::Status;
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
            EventKind::Accept => {
                let a = Acceptance {
                    approver: text("approver"),
                    justification: text("justification"),
                    expires: date(&text("expires"))?,
                    recorded_at: ev.recorded_at.clone(),
                };
                l.note(
                    d,
                    actor,
                    format!(
                        "risk accepted by {} until {}: {}",
                        a.approver, a.expires, a.justification
                    ),
                );
                l.treatment = Some(Treatment::Accept);
                l.acceptance = Some(a);
                if matches!(l.state, State::Open | State::InTreatment) {
                    l.state = State::RiskAccepted;
                }
            }
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
    let mut lc = Lifecycles {
        findings: BTreeMap::new(),
    };
    let runs = store.list(model)?;
    let events = store.events(model)?;
    // Chain order: the ledger interleaves runs and events by when they were recorded.
    let mut items: Vec<(String, bool, usize)> = runs
        .iter()
        .enumerate()
        .map(|(i, r)| (r.recorded_at.clone(), true, i))
        .chain(
            events
                .iter()
                .enumerate()
                .map(|(i, e)| (e.event.recorded_at.clone(), false, i)),
        )
        .collect();
    items.sort();
    for (_, is_run, i) in items {
        if is_run {
            let r = &runs[i];
            lc.apply_run(
                &r.model_id,
                r.seq,
                date(&r.run_date)?,
                &store.findings(r.seq)?,
            );
        } else {
            lc.apply_event(&events[i])?;
        }
    }
    for l in lc.findings.values_mut() {
        l.expire(as_of);
    }
    Ok(lc)
}
