//! The history store: every recorded audit run and every governance event
//! (reviews, audits, finding treatment, risk acceptance, corrective actions,
//! spec approvals, pruning) in SQLite, in one hash chain, so an auditor can ask
//! when a model was last checked, what it showed, who decided what about its
//! findings, and whether the record was altered.
//!
//! The chain is the `ledger` table: one entry per run or event, in the order
//! they were written, each with the SHA-256 of its content and the chain hash
//! sha256(previous chain hash ‖ content hash). `meta.head` holds the last
//! entry; `history head` prints it to keep outside the store (a ticket, the
//! GRC tool), and `history verify --expect-head` checks it.
//!
//! One run or event is written in one `BEGIN IMMEDIATE` transaction, so a
//! killed process leaves the whole entry or none, and concurrent writers queue
//! on SQLite's lock (WAL mode, busy timeout) and all land.

mod events;
mod runs;
mod verify;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Transaction};

use crate::{Error, Result};

pub use crate::digest::{sha256_file, sha256_hex};
pub use events::{event_hash, EventKind, NewEvent, StoredEvent};
pub use runs::{chain_hash, content_hash, FindingRow, NewRun, Recorded, RunSummary, StoredRun};
pub use verify::{Head, Verification};

/// The store layout version this engine writes.
pub const SCHEMA_VERSION: i64 = 3;
const APP_ID: &str = "fairaudit-history";
/// Hash of "no previous entry".
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The default store path.
pub fn default_path() -> PathBuf {
    PathBuf::from(".fairaudit/history.db")
}

fn db_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::usage(format!("history store '{}': {e}", path.display()))
}

/// An open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// The layout version this store was migrated from when opened.
    migrated_from: Option<i64>,
}

/// The version-1 layout (kept so older stores can be created in tests).
pub const SCHEMA_V1: &str = "
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE runs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL UNIQUE,
        recorded_at TEXT NOT NULL,
        run_date TEXT NOT NULL,
        model_id TEXT NOT NULL,
        model_version TEXT,
        risk_tier TEXT NOT NULL,
        cycle_id TEXT NOT NULL,
        engine_version TEXT NOT NULL,
        data_sha256 TEXT NOT NULL,
        spec_sha256 TEXT,
        register_sha256 TEXT,
        rows_read INTEGER NOT NULL,
        rows_used INTEGER NOT NULL,
        verdict TEXT NOT NULL,
        report_json TEXT NOT NULL,
        report_md TEXT NOT NULL,
        spec_text TEXT,
        content_sha256 TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        chain_hash TEXT NOT NULL
    );
    CREATE INDEX runs_model ON runs (model_id, seq);
    CREATE TABLE findings (
        run_seq INTEGER NOT NULL REFERENCES runs (seq),
        finding_id TEXT NOT NULL,
        check_id TEXT NOT NULL,
        metric TEXT NOT NULL,
        attribute TEXT NOT NULL,
        grp TEXT,
        status TEXT NOT NULL,
        severity TEXT NOT NULL,
        value REAL,
        ci_low REAL,
        ci_high REAL,
        p_value REAL,
        p_adjusted REAL,
        significant INTEGER,
        trend TEXT,
        statement TEXT NOT NULL,
        PRIMARY KEY (run_seq, finding_id)
    );
";

/// 1 → 2: review and audit events for cycle status.
const V2: &str = "CREATE TABLE events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    model_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('review', 'audit')),
    event_date TEXT NOT NULL,
    actor TEXT,
    note TEXT,
    recorded_at TEXT NOT NULL
);";

/// A layout-2 event: model, kind, date, actor, note, recorded at.
type OldEvent = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
);

/// 2 → 3: one ledger for runs and events; events of every kind, with who and
/// what, in the chain; who recorded each run.
const V3: &str = "
    CREATE TABLE ledger (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('run', 'event')),
        ref INTEGER NOT NULL,
        content_sha256 TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        chain_hash TEXT NOT NULL
    );
    CREATE TABLE events3 (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        model_id TEXT NOT NULL,
        finding_id TEXT,
        event_date TEXT NOT NULL,
        actor TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE INDEX events_model ON events3 (model_id, seq);
    ALTER TABLE runs ADD COLUMN recorded_by TEXT;
";

impl Store {
    /// Opens (creating if absent) a store. A file that is not a SQLite
    /// database, or not a fairaudit store, is an error and is never written.
    pub fn open(path: &Path) -> Result<Store> {
        if !path.exists() {
            if let Some(dir) = path.parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(|e| db_err(path, e))?;
                }
            }
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
        )
        .map_err(|e| db_err(path, e))?;
        conn.busy_timeout(Duration::from_secs(30))
            .map_err(|e| db_err(path, e))?;
        // Reading the schema fails on a file that is not a database, before any write.
        let unreadable =
            |e: rusqlite::Error| db_err(path, format!("not a readable SQLite database ({e})"));
        let tables: Vec<String> = {
            let mut st = conn
                .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
                .map_err(unreadable)?;
            let rows = st
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(unreadable)?;
            rows.collect::<std::result::Result<_, _>>()
                .map_err(unreadable)?
        };
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            migrated_from: None,
        };
        if tables.is_empty() {
            store.init()?;
        } else {
            let app: Option<String> = if tables.iter().any(|t| t == "meta") {
                store
                    .conn
                    .query_row("SELECT value FROM meta WHERE key = 'app'", [], |r| r.get(0))
                    .optional()
                    .map_err(|e| db_err(path, e))?
            } else {
                None
            };
            if app.as_deref() != Some(APP_ID) {
                return Err(db_err(
                    path,
                    "this SQLite database is not a fairaudit history store; it is left untouched (use --store to choose another path)",
                ));
            }
            store.migrated_from = store.migrate()?;
        }
        store.wal()?;
        store
            .conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(|e| db_err(path, e))?;
        Ok(store)
    }

    /// The empty store a new file at `path` would be, in memory: what a
    /// first run reads before its store is created (`path` names it in
    /// messages).
    pub fn empty_in_memory(path: &Path) -> Result<Store> {
        let conn = Connection::open_in_memory().map_err(|e| db_err(path, e))?;
        let store = Store {
            conn,
            path: path.to_path_buf(),
            migrated_from: None,
        };
        store.init()?;
        Ok(store)
    }

    /// Opens an existing store only (for reading commands).
    pub fn open_existing(path: &Path) -> Result<Store> {
        if !path.exists() {
            return Err(db_err(
                path,
                "no such store; record a run with `fairaudit audit --record` first",
            ));
        }
        Store::open(path)
    }

    /// The layout version the store had before this open migrated it in
    /// place (`None`: it was current). Older engines cannot read it after.
    pub fn migrated_from(&self) -> Option<i64> {
        self.migrated_from
    }

    /// The store's file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The SQLite connection (for tests and migrations).
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    fn q<T>(&self, r: rusqlite::Result<T>) -> Result<T> {
        r.map_err(|e| db_err(&self.path, e))
    }

    /// Runs `f` in one immediate transaction.
    fn write<T>(&mut self, f: impl FnOnce(&Transaction, &Path) -> Result<T>) -> Result<T> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(|e| db_err(&path, e))?;
        let v = f(&tx, &path)?;
        tx.commit().map_err(|e| db_err(&path, e))?;
        Ok(v)
    }

    /// Creates the layout in an empty database. Several processes may race to
    /// create the same new store: the immediate transaction serializes them,
    /// and the loser finds the tables there and leaves them.
    /// WAL mode, kept in the file once set. Switching to it takes an
    /// exclusive lock without SQLite's busy handler, so writers opening a
    /// new store at once retry for the busy timeout instead of failing.
    fn wal(&self) -> Result<()> {
        let e = |x: rusqlite::Error| db_err(&self.path, x);
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .map_err(e)?;
        if mode.eq_ignore_ascii_case("wal") {
            return Ok(());
        }
        let start = std::time::Instant::now();
        loop {
            match self.conn.pragma_update(None, "journal_mode", "WAL") {
                Ok(()) => return Ok(()),
                Err(rusqlite::Error::SqliteFailure(f, _))
                    if f.code == rusqlite::ErrorCode::DatabaseBusy
                        && start.elapsed() < Duration::from_secs(30) =>
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(x) => return Err(e(x)),
            }
        }
    }

    fn init(&self) -> Result<()> {
        let e = |x: rusqlite::Error| db_err(&self.path, x);
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(e)?;
        let result = (|| {
            let n: i64 = self.conn.query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                [],
                |r| r.get(0),
            )?;
            if n == 0 {
                self.conn.execute_batch(SCHEMA_V1)?;
                self.conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('app', ?1), ('schema_version', '1')",
                    params![APP_ID],
                )?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => self.conn.execute_batch("COMMIT").map_err(e)?,
            Err(x) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                return Err(e(x));
            }
        }
        self.migrate().map(|_| ())
    }

    /// The store's layout version.
    pub fn schema_version(&self) -> Result<i64> {
        let v: String = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| db_err(&self.path, e))?;
        v.parse()
            .map_err(|_| db_err(&self.path, format!("bad schema_version '{v}'")))
    }

    /// Brings an older store up to [`SCHEMA_VERSION`]; refuses a newer one.
    fn migrate(&self) -> Result<Option<i64>> {
        let v = self.schema_version()?;
        if v > SCHEMA_VERSION {
            return Err(db_err(
                &self.path,
                format!("the store has layout version {v}, newer than this engine's {SCHEMA_VERSION}; upgrade fairaudit"),
            ));
        }
        if v == SCHEMA_VERSION {
            return Ok(None);
        }
        let e = |x: rusqlite::Error| db_err(&self.path, x);
        self.conn.execute_batch("BEGIN IMMEDIATE").map_err(e)?;
        let result = (|| -> Result<()> {
            // Re-read under the write lock: another process may have migrated.
            let mut v = self.schema_version()?;
            let from = v;
            while v < SCHEMA_VERSION {
                match v {
                    1 => self.conn.execute_batch(V2).map_err(e)?,
                    2 => self.to_v3(from)?,
                    _ => unreachable!("versions below {SCHEMA_VERSION} have a migration"),
                }
                v += 1;
                self.conn
                    .execute(
                        "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
                        params![v.to_string()],
                    )
                    .map_err(e)?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => self.conn.execute_batch("COMMIT").map_err(e)?,
            Err(x) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                return Err(x);
            }
        }
        Ok(Some(v))
    }

    /// 2 → 3: the ledger takes over the runs' chain as it is (so old chain
    /// hashes stay valid), then the old review and audit events join it,
    /// then a `migrated` event records the change.
    fn to_v3(&self, from: i64) -> Result<()> {
        let e = |x: rusqlite::Error| db_err(&self.path, x);
        self.conn.execute_batch(V3).map_err(e)?;
        self.conn
            .execute_batch(
                "INSERT INTO ledger (kind, ref, content_sha256, prev_hash, chain_hash)
                 SELECT 'run', seq, content_sha256, prev_hash, chain_hash FROM runs ORDER BY seq;",
            )
            .map_err(e)?;
        let old: Vec<OldEvent> = {
            let mut st = self
                .conn
                .prepare("SELECT model_id, kind, event_date, actor, note, recorded_at FROM events ORDER BY seq")
                .map_err(e)?;
            let rows = st
                .query_map([], |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })
                .map_err(e)?;
            rows.collect::<std::result::Result<_, _>>().map_err(e)?
        };
        self.conn
            .execute_batch("DROP TABLE events; ALTER TABLE events3 RENAME TO events;")
            .map_err(e)?;
        for (model, kind, date, actor, note, at) in old {
            let kind = EventKind::from_name(&kind).unwrap_or(EventKind::Review);
            let ev = NewEvent {
                kind,
                model_id: model,
                finding_id: None,
                event_date: date,
                actor: actor.unwrap_or_else(|| "unknown".into()),
                recorded_at: at,
                data: serde_json::json!({"note": note, "migrated_from": "schema 2"}),
            };
            events::insert(&self.conn, &self.path, &ev)?;
        }
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
        let runs: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM runs", [], |r| r.get(0))
            .map_err(e)?;
        let created = runs == 0 && !self.has_events()?;
        let ev = NewEvent {
            kind: if created {
                EventKind::StoreCreated
            } else {
                EventKind::Migrated
            },
            model_id: String::new(),
            finding_id: None,
            event_date: now[..10].to_string(),
            actor: "fairaudit".into(),
            recorded_at: now,
            data: if created {
                serde_json::json!({"layout": 3, "engine": env!("CARGO_PKG_VERSION")})
            } else {
                serde_json::json!({"from": from, "to": 3, "engine": env!("CARGO_PKG_VERSION")})
            },
        };
        events::insert(&self.conn, &self.path, &ev)?;
        Ok(())
    }
}

impl Store {
    fn has_events(&self) -> Result<bool> {
        let n: i64 = self.q(self
            .conn
            .query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0)))?;
        Ok(n > 0)
    }
}

/// The current head of the ledger: (entry number, chain hash).
fn ledger_head(conn: &Connection, path: &Path) -> Result<(i64, String)> {
    conn.query_row(
        "SELECT seq, chain_hash FROM ledger ORDER BY seq DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .map_err(|e| db_err(path, e))
    .map(|h| h.unwrap_or((0, GENESIS.to_string())))
}

/// Appends an entry to the ledger and moves the head; returns the chain hash.
fn append_ledger(
    conn: &Connection,
    path: &Path,
    kind: &str,
    r: i64,
    content: &str,
) -> Result<String> {
    let e = |x: rusqlite::Error| db_err(path, x);
    let (_, prev) = ledger_head(conn, path)?;
    let chain = chain_hash(&prev, content);
    conn.execute(
        "INSERT INTO ledger (kind, ref, content_sha256, prev_hash, chain_hash) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![kind, r, content, prev, chain],
    )
    .map_err(e)?;
    let seq = conn.last_insert_rowid();
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('head', ?1) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![format!("{seq}:{chain}")],
    )
    .map_err(e)?;
    Ok(chain)
}
