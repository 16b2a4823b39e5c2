//! Recorded runs: their stored form, content hash, and queries.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::checks::{Severity, Status, Trend};
use crate::Result;

use super::{append_ledger, db_err, sha256_hex, Store};

/// A run to record, fully rendered.
#[derive(Clone, Debug, Serialize)]
pub struct NewRun {
    /// The run's id.
    pub run_id: String,
    /// When it was recorded (UTC, RFC 3339).
    pub recorded_at: String,
    /// The run date.
    pub run_date: String,
    /// The model.
    pub model_id: String,
    /// Its version.
    pub model_version: Option<String>,
    /// Its risk tier.
    pub risk_tier: String,
    /// The audit cycle.
    pub cycle_id: String,
    /// The engine version that made the report.
    pub engine_version: String,
    /// JSON array of {"path", "sha256"}.
    pub data_sha256: String,
    /// SHA-256 of the spec text.
    pub spec_sha256: Option<String>,
    /// SHA-256 of the risk register read.
    pub register_sha256: Option<String>,
    /// Rows read.
    pub rows_read: i64,
    /// Rows used.
    pub rows_used: i64,
    /// Pass, warn or fail.
    pub verdict: String,
    /// The JSON report.
    pub report_json: String,
    /// The Markdown summary.
    pub report_md: String,
    /// The spec file's text.
    pub spec_text: Option<String>,
    /// Who recorded the run (absent in stores before layout 3).
    pub recorded_by: Option<String>,
    /// Every finding.
    pub findings: Vec<FindingRow>,
}

/// One finding as stored (queryable).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FindingRow {
    /// The stable finding id.
    pub finding_id: String,
    /// The check.
    pub check_id: String,
    /// The metric (with `_change` for a regression).
    pub metric: String,
    /// The attribute.
    pub attribute: String,
    /// The group.
    pub grp: Option<String>,
    /// The status.
    pub status: Status,
    /// The severity.
    pub severity: Severity,
    /// The value.
    pub value: Option<f64>,
    /// Lower end of its interval.
    pub ci_low: Option<f64>,
    /// Upper end of its interval.
    pub ci_high: Option<f64>,
    /// The p-value.
    pub p_value: Option<f64>,
    /// The adjusted p-value.
    pub p_adjusted: Option<f64>,
    /// Whether significant.
    pub significant: Option<bool>,
    /// Against the previous run.
    pub trend: Option<Trend>,
    /// The statement.
    pub statement: String,
}

impl FindingRow {
    /// The stored form of a finding.
    pub fn of(f: &crate::checks::Finding) -> Self {
        FindingRow {
            finding_id: f.id.clone(),
            check_id: f.check.clone(),
            metric: f.metric.name(),
            attribute: f.attribute.clone(),
            grp: f.group.clone(),
            status: f.status,
            severity: f.severity,
            value: f.value,
            ci_low: f.ci.map(|c| c[0]),
            ci_high: f.ci.map(|c| c[1]),
            p_value: f.p_value,
            p_adjusted: f.p_adjusted,
            significant: f.significant,
            trend: f.trend,
            statement: f.statement.clone(),
        }
    }
}

fn opt(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or("")
}

fn num(v: Option<f64>) -> String {
    v.map(|x| format!("{x:e}")).unwrap_or_default()
}

/// The SHA-256 of a run's content: every stored field and every finding row,
/// in a fixed order, length-prefixed so no two contents serialize alike.
pub fn content_hash(r: &NewRun) -> String {
    let mut h = Sha256::new();
    let mut put = |s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    for s in [
        r.run_id.as_str(),
        &r.recorded_at,
        &r.run_date,
        &r.model_id,
        opt(&r.model_version),
        &r.risk_tier,
        &r.cycle_id,
        &r.engine_version,
        &r.data_sha256,
        opt(&r.spec_sha256),
        opt(&r.register_sha256),
        &r.rows_read.to_string(),
        &r.rows_used.to_string(),
        &r.verdict,
        &r.report_json,
        &r.report_md,
        opt(&r.spec_text),
    ] {
        put(s);
    }
    // Absent before layout 3: old runs keep their hashes.
    if let Some(by) = &r.recorded_by {
        put(by);
    }
    let mut rows = r.findings.clone();
    rows.sort_by(|a, b| a.finding_id.cmp(&b.finding_id));
    for f in &rows {
        for s in [
            f.finding_id.as_str(),
            &f.check_id,
            &f.metric,
            &f.attribute,
            opt(&f.grp),
            f.status.name(),
            f.severity.name(),
            &num(f.value),
            &num(f.ci_low),
            &num(f.ci_high),
            &num(f.p_value),
            &num(f.p_adjusted),
            match f.significant {
                Some(true) => "1",
                Some(false) => "0",
                None => "",
            },
            f.trend.map_or("", Trend::name),
            &f.statement,
        ] {
            put(s);
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The chain hash: SHA-256 of the previous chain hash and this content hash.
pub fn chain_hash(prev: &str, content: &str) -> String {
    sha256_hex(format!("{prev}{content}").as_bytes())
}

/// What was written.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Recorded {
    /// Sequence number in the store.
    pub seq: i64,
    /// The run's id.
    pub run_id: String,
    /// The chain hash after it.
    pub chain_hash: String,
}

impl Store {
    /// Appends a run in one immediate transaction.
    pub fn record(&mut self, run: &NewRun) -> Result<Recorded> {
        self.write(|tx, path| {
            let e = |x: rusqlite::Error| db_err(path, x);
            let content = content_hash(run);
            let (_, prev) = super::ledger_head(tx, path)?;
            let chain = chain_hash(&prev, &content);
            tx.execute(
                "INSERT INTO runs (run_id, recorded_at, run_date, model_id, model_version, risk_tier, cycle_id,
                    engine_version, data_sha256, spec_sha256, register_sha256, rows_read, rows_used, verdict,
                    report_json, report_md, spec_text, content_sha256, prev_hash, chain_hash, recorded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
                params![
                    run.run_id,
                    run.recorded_at,
                    run.run_date,
                    run.model_id,
                    run.model_version,
                    run.risk_tier,
                    run.cycle_id,
                    run.engine_version,
                    run.data_sha256,
                    run.spec_sha256,
                    run.register_sha256,
                    run.rows_read,
                    run.rows_used,
                    run.verdict,
                    run.report_json,
                    run.report_md,
                    run.spec_text,
                    content,
                    prev,
                    chain,
                    run.recorded_by,
                ],
            )
            .map_err(e)?;
            let seq = tx.last_insert_rowid();
            // Test hook: hold the transaction open so a test can kill the
            // process in the middle of a write (tests/it/history.rs).
            if let Some(ms) = std::env::var("FAIRAUDIT_TEST_RECORD_PAUSE_MS")
                .ok()
                .and_then(|v| v.parse::<u64>().ok())
            {
                eprintln!("fairaudit: test hook: pausing inside the record transaction");
                std::thread::sleep(std::time::Duration::from_millis(ms));
            }
            // Rows already filed under the new run's number were put there
            // outside fairaudit; adopting them would record them as this run's.
            let planted: i64 = tx
                .query_row(
                    "SELECT count(*) FROM findings WHERE run_seq = ?1",
                    params![seq],
                    |r| r.get(0),
                )
                .map_err(e)?;
            if planted > 0 {
                return Err(db_err(
                    path,
                    format!("{planted} finding row(s) of run #{seq} exist before it is recorded: the store was altered outside fairaudit (see `fairaudit history verify`); nothing was recorded"),
                ));
            }
            insert_findings(tx, path, seq, &run.findings)?;
            let chained = append_ledger(tx, path, "run", seq, &content)?;
            debug_assert_eq!(chained, chain);
            Ok(Recorded {
                seq,
                run_id: run.run_id.clone(),
                chain_hash: chain,
            })
        })
    }
}

/// Writes the findings of run `seq`.
fn insert_findings(
    tx: &rusqlite::Connection,
    path: &std::path::Path,
    seq: i64,
    findings: &[FindingRow],
) -> Result<()> {
    let e = |x: rusqlite::Error| db_err(path, x);
    let mut st = tx
        .prepare(
            "INSERT INTO findings (run_seq, finding_id, check_id, metric, attribute, grp, status, severity,
                value, ci_low, ci_high, p_value, p_adjusted, significant, trend, statement)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )
        .map_err(e)?;
    for f in findings {
        st.execute(params![
            seq,
            f.finding_id,
            f.check_id,
            f.metric,
            f.attribute,
            f.grp,
            f.status.name(),
            f.severity.name(),
            f.value,
            f.ci_low,
            f.ci_high,
            f.p_value,
            f.p_adjusted,
            f.significant,
            f.trend.map(Trend::name),
            f.statement
        ])
        .map_err(e)?;
    }
    Ok(())
}

/// A stored run's summary.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunSummary {
    /// Sequence number in the store.
    pub seq: i64,
    /// The run's id.
    pub run_id: String,
    /// When it was recorded.
    pub recorded_at: String,
    /// The run date.
    pub run_date: String,
    /// The model.
    pub model_id: String,
    /// Its version.
    pub model_version: Option<String>,
    /// Its risk tier.
    pub risk_tier: String,
    /// The audit cycle.
    pub cycle_id: String,
    /// Pass, warn or fail.
    pub verdict: String,
    /// Rows read.
    pub rows_read: i64,
    /// The chain hash after it.
    pub chain_hash: String,
}

const SUMMARY_COLS: &str = "seq, run_id, recorded_at, run_date, model_id, model_version, risk_tier, cycle_id, verdict, rows_read, chain_hash";

fn summary_row(r: &rusqlite::Row) -> rusqlite::Result<RunSummary> {
    Ok(RunSummary {
        seq: r.get(0)?,
        run_id: r.get(1)?,
        recorded_at: r.get(2)?,
        run_date: r.get(3)?,
        model_id: r.get(4)?,
        model_version: r.get(5)?,
        risk_tier: r.get(6)?,
        cycle_id: r.get(7)?,
        verdict: r.get(8)?,
        rows_read: r.get(9)?,
        chain_hash: r.get(10)?,
    })
}

fn finding_row(r: &rusqlite::Row) -> rusqlite::Result<FindingRow> {
    finding_row_at(r, 0)
}

/// A stored name that this engine does not know: the store was altered or
/// written by a newer engine.
fn bad_value(col: usize, v: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        col,
        rusqlite::types::Type::Text,
        format!("unknown value '{v}'").into(),
    )
}

/// A text column holding one of a type's serialized names.
fn parse_col<T>(
    r: &rusqlite::Row,
    col: usize,
    parse: fn(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let v: String = r.get(col)?;
    parse(&v).ok_or_else(|| bad_value(col, &v))
}

/// A finding whose `FINDING_COLS` start at column `o` of the row.
fn finding_row_at(r: &rusqlite::Row, o: usize) -> rusqlite::Result<FindingRow> {
    Ok(FindingRow {
        finding_id: r.get(o)?,
        check_id: r.get(o + 1)?,
        metric: r.get(o + 2)?,
        attribute: r.get(o + 3)?,
        grp: r.get(o + 4)?,
        status: parse_col(r, o + 5, Status::from_name)?,
        severity: parse_col(r, o + 6, Severity::from_name)?,
        value: r.get(o + 7)?,
        ci_low: r.get(o + 8)?,
        ci_high: r.get(o + 9)?,
        p_value: r.get(o + 10)?,
        p_adjusted: r.get(o + 11)?,
        significant: r.get(o + 12)?,
        trend: r
            .get::<_, Option<String>>(o + 13)?
            .map(|t| Trend::from_name(&t).ok_or_else(|| bad_value(o + 13, &t)))
            .transpose()?,
        statement: r.get(o + 14)?,
    })
}

const FINDING_COLS: &str = "finding_id, check_id, metric, attribute, grp, status, severity, value, ci_low, ci_high, p_value, p_adjusted, significant, trend, statement";

/// A stored run in full.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StoredRun {
    /// The summary columns.
    pub summary: RunSummary,
    /// The content.
    pub run: NewRun,
    /// SHA-256 of the content as stored.
    pub content_sha256: String,
    /// The chain hash of the run before.
    pub prev_hash: String,
}

impl PartialEq for NewRun {
    fn eq(&self, o: &Self) -> bool {
        content_hash(self) == content_hash(o)
    }
}

impl Store {
    /// Runs, oldest first, optionally of one model.
    pub fn list(&self, model: Option<&str>) -> Result<Vec<RunSummary>> {
        let sql = format!(
            "SELECT {SUMMARY_COLS} FROM runs WHERE (?1 IS NULL OR model_id = ?1) ORDER BY seq"
        );
        let mut st = self.q(self.conn.prepare(&sql))?;
        let rows = self.q(st.query_map(params![model], summary_row))?;
        self.q(rows.collect())
    }

    /// The most recent run of a model.
    pub fn last_run(&self, model: &str) -> Result<Option<StoredRun>> {
        let seq: Option<i64> = self.q(self
            .conn
            .query_row(
                "SELECT seq FROM runs WHERE model_id = ?1 ORDER BY seq DESC LIMIT 1",
                params![model],
                |r| r.get(0),
            )
            .optional())?;
        seq.map(|s| self.get(&s.to_string())).transpose()
    }

    /// The last run (number) in which a finding breached (warn or fail).
    pub fn last_breach(&self, finding_id: &str) -> Result<Option<i64>> {
        self.q(self.conn.query_row(
            "SELECT max(run_seq) FROM findings WHERE finding_id = ?1 AND status IN ('fail', 'warn')",
            params![finding_id],
            |r| r.get(0),
        ))
    }

    /// The run a key names: its number, its id, or a prefix of exactly one
    /// id (a prefix of several is refused with the runs it matches: picking
    /// one would pack or close on the wrong run).
    fn run_seq(&self, key: &str) -> Result<i64> {
        let exact: Option<i64> = self.q(self
            .conn
            .query_row(
                "SELECT seq FROM runs WHERE CAST(seq AS TEXT) = ?1 OR run_id = ?1 LIMIT 1",
                params![key],
                |r| r.get(0),
            )
            .optional())?;
        if let Some(seq) = exact {
            return Ok(seq);
        }
        // substr, not LIKE: '_' and '%' in a key are characters, not patterns.
        let mut st = self.q(self.conn.prepare(
            "SELECT seq, run_id FROM runs WHERE substr(run_id, 1, length(?1)) = ?1 ORDER BY seq LIMIT 6",
        ))?;
        let hits: Vec<(i64, String)> = self.q(st
            .query_map(params![key], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect()))?;
        match hits.as_slice() {
            [] => Err(db_err(&self.path, format!("no run '{key}'"))),
            [(seq, _)] if !key.is_empty() => Ok(*seq),
            _ => Err(db_err(
                &self.path,
                format!(
                "the run '{key}' is ambiguous: it begins {}{}; give more of the id or the run number",
                hits.iter()
                    .take(5)
                    .map(|(s, id)| format!("#{s} {id}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if hits.len() > 5 { ", …" } else { "" }
            ),
            )),
        }
    }

    /// A run by sequence number, run id, or a unique prefix of the run id.
    pub fn get(&self, key: &str) -> Result<StoredRun> {
        let seq = self.run_seq(key)?;
        let (summary, run, content, prev) = self.q(self.conn.query_row(
            &format!(
                "SELECT {SUMMARY_COLS}, engine_version, data_sha256, spec_sha256, register_sha256, rows_used,
                        report_json, report_md, spec_text, content_sha256, prev_hash, recorded_by
                 FROM runs WHERE seq = ?1"
            ),
            params![seq],
            |r| {
                let s = summary_row(r)?;
                let run = NewRun {
                    run_id: s.run_id.clone(),
                    recorded_at: s.recorded_at.clone(),
                    run_date: s.run_date.clone(),
                    model_id: s.model_id.clone(),
                    model_version: s.model_version.clone(),
                    risk_tier: s.risk_tier.clone(),
                    cycle_id: s.cycle_id.clone(),
                    engine_version: r.get(11)?,
                    data_sha256: r.get(12)?,
                    spec_sha256: r.get(13)?,
                    register_sha256: r.get(14)?,
                    rows_read: s.rows_read,
                    rows_used: r.get(15)?,
                    verdict: s.verdict.clone(),
                    report_json: r.get(16)?,
                    report_md: r.get(17)?,
                    spec_text: r.get(18)?,
                    recorded_by: r.get(21)?,
                    findings: vec![],
                };
                Ok((s, run, r.get::<_, String>(19)?, r.get::<_, String>(20)?))
            },
        ))?;
        let mut run = run;
        run.findings = self.findings(seq)?;
        Ok(StoredRun {
            summary,
            run,
            content_sha256: content,
            prev_hash: prev,
        })
    }

    /// The findings of a run.
    pub fn findings(&self, seq: i64) -> Result<Vec<FindingRow>> {
        let mut st = self.q(self.conn.prepare(&format!(
            "SELECT {FINDING_COLS} FROM findings WHERE run_seq = ?1 ORDER BY finding_id"
        )))?;
        let rows = self.q(st.query_map(params![seq], finding_row))?;
        self.q(rows.collect())
    }

    /// One metric of a model across runs: (run summary, finding) pairs.
    pub fn trend(
        &self,
        model: &str,
        metric: &str,
        attribute: Option<&str>,
    ) -> Result<Vec<(RunSummary, FindingRow)>> {
        let sql = format!(
            "SELECT {}, {} FROM runs JOIN findings ON findings.run_seq = runs.seq
             WHERE runs.model_id = ?1 AND (findings.metric = ?2 OR findings.check_id = ?2)
               AND (?3 IS NULL OR findings.attribute = ?3)
             ORDER BY runs.seq, findings.attribute, findings.grp",
            SUMMARY_COLS
                .split(", ")
                .map(|c| format!("runs.{c}"))
                .collect::<Vec<_>>()
                .join(", "),
            FINDING_COLS
                .split(", ")
                .map(|c| format!("findings.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut st = self.q(self.conn.prepare(&sql))?;
        let rows = self.q(st.query_map(params![model, metric, attribute], |r| {
            let s = summary_row(r)?;
            // Finding columns follow the 11 summary columns.
            let f = finding_row_at(r, 11)?;
            Ok((s, f))
        }))?;
        self.q(rows.collect())
    }

    /// Model ids in the store.
    pub fn models(&self) -> Result<Vec<String>> {
        let mut st = self.q(self
            .conn
            .prepare("SELECT DISTINCT model_id FROM runs ORDER BY model_id"))?;
        let rows = self.q(st.query_map([], |r| r.get(0)))?;
        self.q(rows.collect())
    }
}

impl Store {
    /// Removes runs (and their findings) and records `event` saying so, in
    /// one transaction. The runs' ledger entries stay: the chain still
    /// verifies, and the prune event names what was removed.
    pub fn prune_runs(&mut self, seqs: &[i64], event: &super::NewEvent) -> Result<()> {
        self.write(|tx, path| {
            let e = |x: rusqlite::Error| db_err(path, x);
            for s in seqs {
                tx.execute("DELETE FROM findings WHERE run_seq = ?1", params![s])
                    .map_err(e)?;
                tx.execute("DELETE FROM runs WHERE seq = ?1", params![s])
                    .map_err(e)?;
            }
            super::events::insert(tx, path, event)?;
            Ok(())
        })
    }
}
