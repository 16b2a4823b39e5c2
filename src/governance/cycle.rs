//! Audit cycles: how often a model is checked, reviewed and audited, by risk
//! tier; the cycle a run belongs to, and when the next ones are due.

use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;

pub use crate::spec::governance::Cadence;
use crate::spec::RiskTier;

/// Words for an interval in months.
pub fn months_word(m: u32) -> String {
    match m {
        1 => "monthly".into(),
        3 => "quarterly".into(),
        6 => "semi-annual".into(),
        12 => "annual".into(),
        n if n % 12 == 0 => format!("every {} years", n / 12),
        n => format!("every {n} months"),
    }
}

/// The identifier of the check cycle containing `date`: `2026-11` (monthly),
/// `2026-Q4` (quarterly), `2026-H2` (semi-annual), `2026` (annual), else
/// `2026-P3` (the third period of that many months in the year).
pub fn cycle_id(date: NaiveDate, check_months: u32) -> String {
    let y = date.year();
    let m = date.month();
    match check_months {
        0 | 1 => format!("{y}-{m:02}"),
        3 => format!("{y}-Q{}", (m - 1) / 3 + 1),
        6 => format!("{y}-H{}", (m - 1) / 6 + 1),
        12 => format!("{y}"),
        n if n < 12 => format!("{y}-P{}", (m - 1) / n + 1),
        _ => format!("{y}"),
    }
}

/// `date` plus `months`, clamped to the end of shorter months.
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months)).unwrap_or(date)
}

/// The cycle of one run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CycleInfo {
    /// The cycle id, e.g. `2026-Q4`.
    pub id: String,
    /// The run date.
    pub run_date: NaiveDate,
    /// The cadence in force.
    pub cadence: Cadence,
    /// When the next check is due.
    pub next_check_due: NaiveDate,
    /// When the next review is due.
    pub next_review_due: NaiveDate,
    /// When the next audit is due.
    pub next_audit_due: NaiveDate,
}

impl CycleInfo {
    /// The cycle of a run on `run_date`. Without history, reviews and audits
    /// are counted from this run.
    pub fn new(run_date: NaiveDate, cadence: Cadence) -> Self {
        CycleInfo {
            id: cycle_id(run_date, cadence.check_months),
            run_date,
            cadence,
            next_check_due: add_months(run_date, cadence.check_months),
            next_review_due: add_months(run_date, cadence.review_months),
            next_audit_due: add_months(run_date, cadence.audit_months),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn cycle_ids() {
        assert_eq!(cycle_id(d("2026-11-28"), 1), "2026-11");
        assert_eq!(cycle_id(d("2026-11-28"), 3), "2026-Q4");
        assert_eq!(cycle_id(d("2026-01-01"), 3), "2026-Q1");
        assert_eq!(cycle_id(d("2026-07-01"), 6), "2026-H2");
        assert_eq!(cycle_id(d("2026-07-01"), 12), "2026");
        assert_eq!(cycle_id(d("2026-05-01"), 2), "2026-P3");
    }

    #[test]
    fn due_dates_follow_the_tier() {
        let c = CycleInfo::new(d("2026-11-30"), Cadence::default_for(RiskTier::High));
        assert_eq!(c.id, "2026-11");
        assert_eq!(c.next_check_due, d("2026-12-30"));
        assert_eq!(c.next_review_due, d("2027-02-28")); // clamped
        assert_eq!(c.next_audit_due, d("2027-11-30"));
        let low = Cadence::default_for(RiskTier::Low);
        assert_eq!(
            (low.check_months, low.review_months, low.audit_months),
            (3, 12, 36)
        );
        assert_eq!(months_word(36), "every 3 years");
    }
}

/// A model's position in its audit cycle, from the history store.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModelStatus {
    /// The model.
    pub model_id: String,
    /// Its risk tier in the latest run.
    pub risk_tier: String,
    /// Its cadence.
    pub cadence: Cadence,
    /// Recorded runs.
    pub runs: usize,
    /// The latest run date.
    pub last_check: NaiveDate,
    /// The latest recorded review.
    pub last_review: Option<NaiveDate>,
    /// The latest recorded audit.
    pub last_audit: Option<NaiveDate>,
    /// When the next check is due.
    pub next_check_due: NaiveDate,
    /// When the next review is due.
    pub next_review_due: NaiveDate,
    /// When the next audit is due.
    pub next_audit_due: NaiveDate,
    /// Which of check, review, audit are past due on the as-of date.
    pub overdue: Vec<String>,
}

fn date(s: &str) -> crate::Result<NaiveDate> {
    NaiveDate::parse_from_str(&s[..s.len().min(10)], "%Y-%m-%d")
        .map_err(|e| crate::Error::usage(format!("bad date '{s}' in the history store: {e}")))
}

/// The cycle status of every model in the store on `as_of`. Cadences come from
/// each model's latest run (so spec overrides apply); reviews and audits not
/// yet recorded count from the model's first run.
pub fn status(
    store: &crate::governance::store::Store,
    as_of: NaiveDate,
) -> crate::Result<Vec<ModelStatus>> {
    let mut out = vec![];
    for model in store.models()? {
        let runs = store.list(Some(&model))?;
        let (Some(first), Some(last)) = (runs.first(), runs.last()) else {
            continue;
        };
        let latest = store.get(&last.seq.to_string())?;
        let report: serde_json::Value =
            serde_json::from_str(&latest.run.report_json).map_err(|e| {
                crate::Error::usage(format!(
                    "stored report of run {} is not JSON: {e}",
                    last.run_id
                ))
            })?;
        let cadence: Cadence = serde_json::from_value(report["cycle"]["cadence"].clone())
            .unwrap_or_else(|_| {
                Cadence::default_for(match last.risk_tier.as_str() {
                    "low" => RiskTier::Low,
                    "high" => RiskTier::High,
                    _ => RiskTier::Medium,
                })
            });
        let last_check = runs
            .iter()
            .map(|r| date(&r.run_date))
            .collect::<crate::Result<Vec<_>>>()?
            .into_iter()
            .max()
            .expect("at least one run");
        let start = date(&first.run_date)?;
        let last_review = store
            .last_event(&model, "review")?
            .map(|d| date(&d))
            .transpose()?;
        let last_audit = store
            .last_event(&model, "audit")?
            .map(|d| date(&d))
            .transpose()?;
        let next_check_due = add_months(last_check, cadence.check_months);
        let next_review_due = add_months(last_review.unwrap_or(start), cadence.review_months);
        let next_audit_due = add_months(last_audit.unwrap_or(start), cadence.audit_months);
        let mut overdue = vec![];
        for (name, due) in [
            ("check", next_check_due),
            ("review", next_review_due),
            ("audit", next_audit_due),
        ] {
            if as_of > due {
                overdue.push(name.to_string());
            }
        }
        out.push(ModelStatus {
            model_id: model.clone(),
            risk_tier: last.risk_tier.clone(),
            cadence,
            runs: runs.len(),
            last_check,
            last_review,
            last_audit,
            next_check_due,
            next_review_due,
            next_audit_due,
            overdue,
        });
    }
    Ok(out)
}
