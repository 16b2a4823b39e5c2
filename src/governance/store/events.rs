//! Governance events in the chain: reviews and audits, the life of a finding
//! (assign, treat, accept, corrective action, close), spec approvals,
//! pruning, and the store's own changes. Each records who (`actor`), when it
//! was recorded (the real clock, `recorded_at`) and the date it is about
//! (`event_date`; a date other than the recording day is shown as
//! backdated).

use rusqlite::{params, Connection};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::Result;

use super::{append_ledger, db_err, Store};

/// What an event records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A management / model-risk review of a model's findings.
    Review,
    /// An internal audit of a model.
    Audit,
    /// A finding's owner was set.
    Assign,
    /// A treatment was decided (mitigate, transfer, avoid) with a plan and a due date.
    Treat,
    /// A risk was accepted, with an approver, a justification and an expiry.
    Accept,
    /// A corrective action was recorded (ISO 27001 10.2: cause, action, effectiveness).
    Action,
    /// A resolved finding was closed by a person, with the run that shows it fixed.
    Close,
    /// A spec (its thresholds) was approved.
    SpecApproval,
    /// Runs older than a date were removed (outside the retention period).
    Prune,
    /// The store's layout was upgraded.
    Migrated,
    /// The store was created.
    StoreCreated,
}

impl EventKind {
    /// Every kind.
    pub const ALL: [EventKind; 11] = [
        EventKind::Review,
        EventKind::Audit,
        EventKind::Assign,
        EventKind::Treat,
        EventKind::Accept,
        EventKind::Action,
        EventKind::Close,
        EventKind::SpecApproval,
        EventKind::Prune,
        EventKind::Migrated,
        EventKind::StoreCreated,
    ];

    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Review => "review",
            EventKind::Audit => "audit",
            EventKind::Assign => "assign",
            EventKind::Treat => "treat",
            EventKind::Accept => "accept",
            EventKind::Action => "action",
            EventKind::Close => "close",
            EventKind::SpecApproval => "spec_approval",
            EventKind::Prune => "prune",
            EventKind::Migrated => "migrated",
            EventKind::StoreCreated => "store_created",
        }
    }

    /// The kind of a stored name.
    pub fn from_name(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// An event to record.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NewEvent {
    /// What happened.
    pub kind: EventKind,
    /// The model it concerns (empty for the store's own events).
    pub model_id: String,
    /// The finding it concerns, for lifecycle events.
    pub finding_id: Option<String>,
    /// The date it is about (YYYY-MM-DD).
    pub event_date: String,
    /// Who did it.
    pub actor: String,
    /// When it was recorded (UTC, RFC 3339, the real clock).
    pub recorded_at: String,
    /// The details (plan, approver, justification, expiry, run, ...).
    pub data: serde_json::Value,
}

/// A recorded event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredEvent {
    /// Sequence number among events.
    pub seq: i64,
    /// The event.
    #[serde(flatten)]
    pub event: NewEvent,
}

impl StoredEvent {
    /// Whether the event is about a day other than the one it was recorded on.
    pub fn backdated(&self) -> bool {
        !self.event.recorded_at.starts_with(&self.event.event_date)
    }
}

/// The SHA-256 of an event's content, length-prefixed field by field.
pub fn event_hash(e: &NewEvent) -> String {
    let mut h = Sha256::new();
    let data = e.data.to_string();
    for s in [
        "event",
        e.kind.name(),
        &e.model_id,
        e.finding_id.as_deref().unwrap_or(""),
        &e.event_date,
        &e.actor,
        &e.recorded_at,
        &data,
    ] {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    }
    crate::digest::hex(&h.finalize())
}

/// Writes an event and its ledger entry (inside the caller's transaction).
pub(super) fn insert(conn: &Connection, path: &std::path::Path, e: &NewEvent) -> Result<i64> {
    conn.execute(
        "INSERT INTO events (kind, model_id, finding_id, event_date, actor, recorded_at, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            e.kind.name(),
            e.model_id,
            e.finding_id,
            e.event_date,
            e.actor,
            e.recorded_at,
            e.data.to_string()
        ],
    )
    .map_err(|x| db_err(path, x))?;
    let seq = conn.last_insert_rowid();
    append_ledger(conn, path, "event", seq, &event_hash(e))?;
    Ok(seq)
}

pub(super) fn event_row(r: &rusqlite::Row) -> rusqlite::Result<StoredEvent> {
    let kind: String = r.get(1)?;
    let data: String = r.get(7)?;
    Ok(StoredEvent {
        seq: r.get(0)?,
        event: NewEvent {
            kind: EventKind::from_name(&kind).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    1,
                    rusqlite::types::Type::Text,
                    format!("unknown event kind '{kind}'").into(),
                )
            })?,
            model_id: r.get(2)?,
            finding_id: r.get(3)?,
            event_date: r.get(4)?,
            actor: r.get(5)?,
            recorded_at: r.get(6)?,
            data: serde_json::from_str(&data).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, e.into())
            })?,
        },
    })
}

pub(super) const EVENT_COLS: &str =
    "seq, kind, model_id, finding_id, event_date, actor, recorded_at, data";

impl Store {
    /// Records an event in one transaction, in the chain.
    pub fn add_event(&mut self, e: &NewEvent) -> Result<i64> {
        self.write(|tx, path| insert(tx, path, e))
    }

    /// The events of a model (all models with `None`), oldest first.
    pub fn events(&self, model: Option<&str>) -> Result<Vec<StoredEvent>> {
        let mut st = self.q(self.conn.prepare(&format!(
            "SELECT {EVENT_COLS} FROM events WHERE (?1 IS NULL OR model_id = ?1) ORDER BY seq"
        )))?;
        let rows = self.q(st.query_map(params![model], event_row))?;
        self.q(rows.collect())
    }

    /// The latest event date of a kind for a model.
    pub fn last_event(&self, model: &str, kind: EventKind) -> Result<Option<String>> {
        self.q(self.conn.query_row(
            "SELECT MAX(event_date) FROM events WHERE model_id = ?1 AND kind = ?2",
            params![model, kind.name()],
            |r| r.get(0),
        ))
    }
}
