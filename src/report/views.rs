//! Text views of the history store: runs, one run, a metric's trend, cycles.

use std::fmt::Write;

use chrono::NaiveDate;
use serde_json::{json, Value};

use crate::checks::Trend;
use crate::governance::cycle::ModelStatus;
use crate::governance::store::{FindingRow, RunSummary, StoredRun};

fn v(x: Option<f64>) -> String {
    x.map_or("—".into(), |x| format!("{x:.3}"))
}

/// Recorded runs, one a line.
pub fn runs_table(runs: &[RunSummary]) -> String {
    let mut out = format!(
        "{:>4}  {:<32} {:<11} {:<20} {:<10} {:<8} {:>10}  {}\n",
        "#", "run", "date*", "model", "cycle", "verdict", "rows", "chain"
    );
    for r in runs {
        // A run dated with --as-of to another day than it was recorded on.
        let backdated = !r.recorded_at.starts_with(&r.run_date);
        let _ = writeln!(
            out,
            "{:>4}  {:<32} {:<11} {:<20} {:<10} {:<8} {:>10}  {}",
            r.seq,
            r.run_id,
            format!("{}{}", r.run_date, if backdated { "*" } else { "" }),
            format!(
                "{}{}",
                r.model_id,
                r.model_version
                    .as_deref()
                    .map(|v| format!(" {v}"))
                    .unwrap_or_default()
            ),
            r.cycle_id,
            r.verdict,
            r.rows_read,
            &r.chain_hash[..16]
        );
    }
    if runs.is_empty() {
        out.push_str("(no runs)\n");
    }
    out
}

/// The legend of `runs_table`'s date column.
pub const RUNS_LEGEND: &str =
    "* the run date was set with --as-of: the run was recorded on another day (recorded_at)";

/// One run and its findings.
pub fn run_table(r: &StoredRun) -> String {
    let s = &r.summary;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "run #{} {} — model {} {} (tier {}), cycle {}, run date {}, recorded {}\nverdict {}; {} rows; engine {}\ndata: {}\nspec sha256: {}\nregister sha256: {}\ncontent sha256: {}\nchain: {} ← {}",
        s.seq,
        s.run_id,
        s.model_id,
        s.model_version.as_deref().unwrap_or(""),
        s.risk_tier,
        s.cycle_id,
        s.run_date,
        s.recorded_at,
        s.verdict,
        s.rows_read,
        r.run.engine_version,
        r.run.data_sha256,
        r.run.spec_sha256.as_deref().unwrap_or("—"),
        r.run.register_sha256.as_deref().unwrap_or("—"),
        r.content_sha256,
        s.chain_hash,
        r.prev_hash
    );
    out.push_str("\nfindings:\n");
    for f in &r.run.findings {
        let _ = writeln!(
            out,
            "  {} [{}] {} {} {}",
            f.finding_id,
            f.status,
            f.severity,
            f.trend.map_or("-", Trend::name),
            f.statement
        );
    }
    out
}

fn group(f: &FindingRow) -> String {
    format!(
        "{}{}",
        f.attribute,
        f.grp
            .as_deref()
            .map(|g| format!(" = {g}"))
            .unwrap_or_default()
    )
}

/// A metric across runs, one a line.
pub fn trend_table(rows: &[(RunSummary, FindingRow)]) -> String {
    let mut out = format!(
        "{:>4}  {:<10} {:<10} {:<28} {:>8}  {:<17} {:<18} {}\n",
        "#", "date", "cycle", "attribute / group", "value", "CI", "status", "trend"
    );
    for (r, f) in rows {
        let ci = match (f.ci_low, f.ci_high) {
            (Some(a), Some(b)) => format!("{a:.3}–{b:.3}"),
            _ => "—".into(),
        };
        let _ = writeln!(
            out,
            "{:>4}  {:<10} {:<10} {:<28} {:>8}  {:<17} {:<18} {}",
            r.seq,
            r.run_date,
            r.cycle_id,
            group(f),
            v(f.value),
            ci,
            f.status,
            f.trend.map_or("-", Trend::name)
        );
    }
    out
}

/// A metric across runs, as JSON.
pub fn trend_json(rows: &[(RunSummary, FindingRow)]) -> Value {
    Value::Array(
        rows.iter()
            .map(|(r, f)| {
                json!({
                    "seq": r.seq, "run_id": r.run_id, "run_date": r.run_date, "cycle_id": r.cycle_id,
                    "finding_id": f.finding_id, "check": f.check_id, "metric": f.metric,
                    "attribute": f.attribute, "group": f.grp, "value": f.value,
                    "ci": f.ci_low.zip(f.ci_high).map(|(a, b)| vec![a, b]),
                    "p_adjusted": f.p_adjusted, "status": f.status, "trend": f.trend,
                })
            })
            .collect(),
    )
}

/// Cycle status of every model.
/// Cycle status of every model.
pub fn cycle_table(st: &[ModelStatus], as_of: NaiveDate) -> String {
    let mut out = format!(
        "cycle status as of {as_of}\n{:<20} {:<6} {:>4}  {:<10} {:<10} {:<10} {:<12} {:<12} {:<12} {}\n",
        "model", "tier", "runs", "last check", "last rev.", "last audit", "check due", "review due", "audit due", "status"
    );
    let d = |x: Option<NaiveDate>| x.map_or("—".to_string(), |d| d.to_string());
    for m in st {
        let s = &m.schedule;
        let mut status = if s.overdue.is_empty() {
            "ok".to_string()
        } else {
            format!("OVERDUE: {}", s.overdue.join(", "))
        };
        for (what, t) in [
            ("checks", &s.checks),
            ("reviews", &s.reviews),
            ("audits", &s.audits),
        ] {
            if !t.missed.is_empty() {
                let _ = write!(status, "; missed {what}: {}", t.missed.join(", "));
            }
        }
        let _ = writeln!(
            out,
            "{:<20} {:<6} {:>4}  {:<10} {:<10} {:<10} {:<12} {:<12} {:<12} {status}",
            m.model_id,
            m.risk_tier,
            m.runs,
            d(s.checks.last),
            d(s.reviews.last),
            d(s.audits.last),
            s.checks.next_due,
            s.reviews.next_due,
            s.audits.next_due,
        );
    }
    out
}

/// Findings and where they stand, one a line.
pub fn findings_table(lives: &[&crate::governance::lifecycle::Life], as_of: NaiveDate) -> String {
    let mut out = format!(
        "{:<16} {:<18} {:<14} {:<20} {:<16} {:<10} {:<8} {}\n",
        "finding", "model", "state", "owner", "check", "due", "last", "attribute / group"
    );
    for l in lives {
        let due = match (l.due, l.overdue(as_of)) {
            (Some(d), true) => format!("{d} OVERDUE"),
            (Some(d), false) => d.to_string(),
            (None, _) => "—".into(),
        };
        let mut state = l.state.name().to_string();
        if let Some(a) = &l.acceptance {
            if l.state == crate::governance::lifecycle::State::RiskAccepted {
                let _ = write!(state, " (by {} until {})", a.approver, a.expires);
            }
        }
        let _ = writeln!(
            out,
            "{:<16} {:<18} {:<14} {:<20} {:<16} {:<10} {:<8} {}{}",
            l.finding_id,
            l.model_id,
            state,
            l.owner.as_deref().unwrap_or("—"),
            l.check,
            due,
            l.last_status.name(),
            l.attribute,
            l.group
                .as_deref()
                .map(|g| format!(" = {g}"))
                .unwrap_or_default()
        );
    }
    if lives.is_empty() {
        out.push_str("(no findings)\n");
    }
    out
}

/// One finding and its log.
pub fn finding_card(l: &crate::governance::lifecycle::Life, as_of: NaiveDate) -> String {
    let mut out = format!(
        "{} — model {}, check {}, {}{}\nstate: {}{}\nowner: {}\ntreatment: {}{}{}\nlatest ({} in run #{}): {}\n\nlog:\n",
        l.finding_id,
        l.model_id,
        l.check,
        l.attribute,
        l.group.as_deref().map(|g| format!(" = {g}")).unwrap_or_default(),
        l.state.name(),
        if l.overdue(as_of) { " (OVERDUE)" } else { "" },
        l.owner.as_deref().unwrap_or("—"),
        l.treatment.map_or("—", |t| t.name()),
        l.plan.as_deref().map(|p| format!(": {p}")).unwrap_or_default(),
        l.due.map(|d| format!(" (due {d})")).unwrap_or_default(),
        l.last_status.name(),
        l.last_run,
        l.statement
    );
    for e in &l.log {
        let _ = writeln!(out, "  {} {}: {}", e.date, e.actor, e.what);
    }
    out
}
