//! `history verify` and `history head`: recompute every entry's content hash
//! and the chain, in order, and name the first entry that does not fit.
//!
//! What is detected: an edited run or event (its content no longer matches
//! its hash), a deleted run or event (its ledger entry points at nothing), a
//! deleted or reordered ledger entry (the chain breaks), a removed last entry
//! (the head no longer matches) — and, with a head kept outside the store
//! (`--expect-head`), the removal of the last entries together with a
//! rewound head. What is not detected without an outside head: someone who
//! rewrites the whole chain from an edited point on (every later hash
//! recomputed); signing the head (`history head --sign`) closes that too.

use std::collections::BTreeSet;

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::Result;

use super::events::{event_hash, event_row, EVENT_COLS};
use super::runs::{chain_hash, content_hash};
use super::{EventKind, Store, GENESIS};

/// The outcome of `history verify`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verification {
    /// Entries (runs and events) checked before the first problem.
    pub runs_checked: usize,
    /// Whether the whole chain verified.
    pub ok: bool,
    /// The first problem: which entry, and what.
    pub problem: Option<String>,
}

/// The head of the chain: the last entry.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Head {
    /// The entry's number in the ledger.
    pub seq: i64,
    /// Its chain hash: keep it outside the store.
    pub chain_hash: String,
    /// "run" or "event".
    pub kind: String,
    /// The last recorded run: its number and run id (none in an empty store).
    pub last_run: Option<(i64, String)>,
}

impl Head {
    /// The line to keep outside the store; `verify --expect-head` reads it back.
    pub fn line(&self, store_path: &std::path::Path) -> String {
        let run = match &self.last_run {
            Some((seq, id)) => format!(" last run #{seq} {id}"),
            None => String::new(),
        };
        format!(
            "fairaudit history head {} entry {}{run} of {}",
            self.chain_hash,
            self.seq,
            store_path.display()
        )
    }
}

/// What a kept head line says: its hash and, when given, its last run number.
fn parse_head(text: &str) -> Result<(String, Option<i64>)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let hash = words
        .iter()
        .find(|w| w.len() == 64 && w.chars().all(|c| c.is_ascii_hexdigit()))
        .map(|w| w.to_ascii_lowercase())
        .ok_or_else(|| {
            crate::Error::usage(format!(
                "--expect-head '{text}': no chain hash (64 hexadecimal digits) in it; give the line `fairaudit history head` printed"
            ))
        })?;
    let run = words
        .windows(3)
        .find(|w| w[0] == "last" && w[1] == "run")
        .and_then(|w| w[2].trim_start_matches('#').parse().ok());
    Ok((hash, run))
}

struct Entry {
    seq: i64,
    kind: String,
    r: i64,
    content: String,
    prev: String,
    chain: String,
}

impl Store {
    fn ledger(&self) -> Result<Vec<Entry>> {
        let mut st = self.q(self.conn.prepare(
            "SELECT seq, kind, ref, content_sha256, prev_hash, chain_hash FROM ledger ORDER BY seq",
        ))?;
        let rows = self.q(st.query_map([], |r| {
            Ok(Entry {
                seq: r.get(0)?,
                kind: r.get(1)?,
                r: r.get(2)?,
                content: r.get(3)?,
                prev: r.get(4)?,
                chain: r.get(5)?,
            })
        }))?;
        self.q(rows.collect())
    }

    /// The chain's order: (is a run, its run or event number), oldest first.
    pub fn chain_order(&self) -> Result<Vec<(bool, i64)>> {
        Ok(self
            .ledger()?
            .into_iter()
            .map(|e| (e.kind == "run", e.r))
            .collect())
    }

    /// The current head of the chain.
    pub fn head(&self) -> Result<Head> {
        let last = self.ledger()?.pop();
        let last_run: Option<(i64, String)> = self.q(self
            .conn
            .query_row(
                "SELECT seq, run_id FROM runs ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional())?;
        Ok(match last {
            Some(e) => Head {
                seq: e.seq,
                chain_hash: e.chain,
                kind: e.kind,
                last_run,
            },
            None => Head {
                seq: 0,
                chain_hash: GENESIS.to_string(),
                kind: "none".into(),
                last_run: None,
            },
        })
    }

    /// Runs removed by a recorded prune (their ledger entries stay).
    fn pruned_runs(&self) -> Result<BTreeSet<i64>> {
        Ok(self
            .events(None)?
            .into_iter()
            .filter(|e| e.event.kind == EventKind::Prune)
            .flat_map(|e| {
                e.event.data["runs"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|r| r["seq"].as_i64())
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            })
            .collect())
    }

    /// The store's metadata against the chain: the layout the last
    /// `store_created` or `migrated` event recorded must be `meta.schema_version`.
    fn check_layout(&self) -> Result<Option<String>> {
        let recorded = self
            .events(None)?
            .into_iter()
            .rev()
            .find_map(|e| match e.event.kind {
                EventKind::StoreCreated => e.event.data["layout"].as_i64(),
                EventKind::Migrated => e.event.data["to"].as_i64(),
                _ => None,
            });
        let meta: Option<String> = self.q(self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .optional())?;
        Ok(match (recorded, meta) {
            (Some(r), Some(m)) if m != r.to_string() => Some(format!(
                "meta.schema_version is {m} but the chain records layout {r}: the store's metadata was edited"
            )),
            _ => None,
        })
    }

    /// Rows outside the chain were added behind the engine's back.
    fn check_outside(&self) -> Result<Option<String>> {
        for (table, kind) in [("runs", "run"), ("events", "event")] {
            let outside: Option<i64> = self.q(self
                .conn
                .query_row(
                    &format!(
                        "SELECT seq FROM {table} WHERE seq NOT IN (SELECT ref FROM ledger WHERE kind = ?1) LIMIT 1"
                    ),
                    params![kind],
                    |r| r.get(0),
                )
                .optional())?;
            if let Some(s) = outside {
                return Ok(Some(format!(
                    "{kind} #{s} is not in the chain: it was inserted outside fairaudit"
                )));
            }
        }
        // Findings of a run that is not there (planted for a later run, or
        // left behind) would be adopted by the run that takes that number.
        let stray: Option<i64> = self.q(self
            .conn
            .query_row(
                "SELECT run_seq FROM findings WHERE run_seq NOT IN (SELECT seq FROM runs) LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional())?;
        Ok(stray.map(|s| {
            format!(
                "findings of run #{s}, which is not in the store, were inserted outside fairaudit"
            )
        }))
    }

    fn run_exists(&self, seq: i64) -> Result<bool> {
        let found: Option<i64> = self.q(self
            .conn
            .query_row("SELECT seq FROM runs WHERE seq = ?1", params![seq], |r| {
                r.get(0)
            })
            .optional())?;
        Ok(found.is_some())
    }

    /// What is wrong with one entry's content, if anything.
    fn check_content(&self, e: &Entry, pruned: &BTreeSet<i64>) -> Result<Option<String>> {
        if e.kind == "run" {
            if !self.run_exists(e.r)? {
                return Ok((!pruned.contains(&e.r))
                    .then(|| format!("run #{} (ledger entry #{}) was deleted", e.r, e.seq)));
            }
            let r = self.get(&e.r.to_string())?;
            // The run's own copy of its links (shown by `history list` and
            // in packs) must be the ledger's.
            if r.prev_hash != e.prev || r.summary.chain_hash != e.chain {
                return Ok(Some(format!(
                    "run #{} ({}) was altered: its chain hashes differ from the ledger's",
                    e.r, r.summary.run_id
                )));
            }
            let content = content_hash(&r.run);
            if content != e.content || content != r.content_sha256 {
                return Ok(Some(format!(
                    "run #{} ({}) was altered: its content no longer matches its SHA-256",
                    e.r, r.summary.run_id
                )));
            }
            return Ok(None);
        }
        let ev = self.q(self
            .conn
            .query_row(
                &format!("SELECT {EVENT_COLS} FROM events WHERE seq = ?1"),
                params![e.r],
                event_row,
            )
            .optional())?;
        Ok(match ev {
            None => Some(format!("event #{} (ledger entry #{}) was deleted", e.r, e.seq)),
            Some(ev) if event_hash(&ev.event) != e.content => Some(format!(
                "event #{} ({} of {} on {} by {}) was altered: its content no longer matches its SHA-256",
                e.r,
                ev.event.kind.name(),
                if ev.event.model_id.is_empty() { "the store" } else { &ev.event.model_id },
                ev.event.event_date,
                ev.event.actor
            )),
            Some(_) => None,
        })
    }

    /// A run to be given as evidence (a pack, an export, a push): only from
    /// a store whose chain verifies, else a forged verdict would leave
    /// signed and look like the record.
    pub fn get_verified(&self, run: &str) -> Result<super::StoredRun> {
        let r = self.get(run)?;
        self.ensure_verified()?;
        Ok(r)
    }

    /// Refuses a store whose chain does not verify, for evidence made from it.
    pub fn ensure_verified(&self) -> Result<()> {
        let v = self.verify(None)?;
        match v.problem.filter(|_| !v.ok) {
            Some(problem) => Err(crate::Error::usage(format!(
                "history store '{}' fails verification ({problem}): no evidence is made from it; `fairaudit history verify` explains",
                self.path.display()
            ))),
            None => Ok(()),
        }
    }

    /// Recomputes every entry's content hash and the chain, in order. Names
    /// the first entry whose content, link or position does not fit. With
    /// `expect_head` (a hash or a whole `history head` line), the head kept
    /// outside the store must be in the chain; a line that names its last run
    /// lets the message name the run that is gone.
    pub fn verify(&self, expect_head: Option<&str>) -> Result<Verification> {
        let ledger = self.ledger()?;
        let pruned = self.pruned_runs()?;
        let mut prev = GENESIS.to_string();
        let fail = |i: usize, problem: String| Verification {
            runs_checked: i,
            ok: false,
            problem: Some(problem),
        };
        for (i, e) in ledger.iter().enumerate() {
            if e.seq != i as i64 + 1 {
                return Ok(fail(
                    i,
                    format!(
                        "ledger entry #{} is missing (the next is #{})",
                        i + 1,
                        e.seq
                    ),
                ));
            }
            if let Some(p) = self.check_content(e, &pruned)? {
                return Ok(fail(i, p));
            }
            if e.prev != prev || e.chain != chain_hash(&prev, &e.content) {
                return Ok(fail(i, format!(
                    "ledger entry #{} ({} #{}) does not follow the entry before it: the chain is broken",
                    e.seq, e.kind, e.r
                )));
            }
            prev = e.chain.clone();
        }
        let n = ledger.len();
        if let Some(p) = self.check_outside()? {
            return Ok(fail(n, p));
        }
        if let Some(p) = self.check_layout()? {
            return Ok(fail(n, p));
        }
        let head: Option<String> = self.q(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'head'", [], |r| {
                r.get(0)
            })
            .optional())?;
        let want = format!("{n}:{prev}");
        if head.is_none() && n > 0 {
            return Ok(fail(n, format!(
                "the store's head is missing although the chain has {n} entries: it was deleted, perhaps with the last entries"
            )));
        }
        if let Some(h) = head.filter(|h| *h != want) {
            return Ok(fail(n, format!(
                "the store's head ({h}) does not match its last entry ({want}): entries were removed from the end or the head was edited"
            )));
        }
        if let Some(text) = expect_head {
            let (x, run) = parse_head(text)?;
            let found = ledger.iter().any(|e| e.chain == x) || (x == GENESIS && n == 0);
            if !found {
                let gone = match run {
                    Some(k) if !self.run_exists(k)? => {
                        format!(", including run #{k}, which is no longer in the store")
                    }
                    _ => String::new(),
                };
                return Ok(fail(n, format!(
                    "the expected head {x} is not in the chain (now {n} entries ending at {prev}): entries after it were removed{gone}, or the store was rewritten"
                )));
            }
        }
        Ok(Verification {
            runs_checked: n,
            ok: true,
            problem: None,
        })
    }
}
