//! Audit cycles as auditors read them: calendar periods (a month, a quarter,
//! a half-year, a year, or blocks of whole years), each due by its last day.
//! A period is satisfied when a check (a recorded run), a review or an audit
//! falls in it; a past period without one is a missed cycle, reported for
//! ever. The report, the evidence pack and `cycle status` all use
//! [`schedule`], so they agree.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

pub use crate::spec::governance::Cadence;
use crate::spec::RiskTier;

/// A calendar period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Period {
    /// `2026-11` (monthly), `2026-Q4`, `2026-H2`, `2026-P3` (other divisors of
    /// 12), `2026` (annual), `2025-2027` (whole years).
    pub id: String,
    /// Its first day.
    pub start: NaiveDate,
    /// Its last day: the due date of its cycle.
    pub end: NaiveDate,
}

fn last_day(year: i32, month: u32) -> NaiveDate {
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).expect("valid date") - chrono::Days::new(1)
}

/// The period of `months` months containing `date` (`months` divides 12 or
/// is a whole number of years; validated with the spec).
pub fn period(date: NaiveDate, months: u32) -> Period {
    let y = date.year();
    let months = months.max(1);
    if months > 12 {
        let n = (months / 12) as i32;
        let first = y.div_euclid(n) * n;
        let last = first + n - 1;
        return Period {
            id: format!("{first}-{last}"),
            start: NaiveDate::from_ymd_opt(first, 1, 1).expect("valid date"),
            end: NaiveDate::from_ymd_opt(last, 12, 31).expect("valid date"),
        };
    }
    let k = (date.month() - 1) / months;
    let (m0, m1) = (k * months + 1, (k + 1) * months);
    let id = match months {
        1 => format!("{y}-{:02}", date.month()),
        3 => format!("{y}-Q{}", k + 1),
        6 => format!("{y}-H{}", k + 1),
        12 => format!("{y}"),
        _ => format!("{y}-P{}", k + 1),
    };
    Period {
        id,
        start: NaiveDate::from_ymd_opt(y, m0, 1).expect("valid date"),
        end: last_day(y, m1),
    }
}

/// The identifier of the check cycle containing `date`.
pub fn cycle_id(date: NaiveDate, check_months: u32) -> String {
    period(date, check_months).id
}

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

/// One activity's place in its cycles (checks, reviews or audits).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Track {
    /// The latest one on or before the as-of date.
    pub last: Option<NaiveDate>,
    /// The end of the first period after the latest one's (or of the first
    /// period, when there has been none).
    pub next_due: NaiveDate,
    /// Past periods, since the model's first run, with none: missed cycles.
    pub missed: Vec<String>,
}

/// The place of dated activities in `months`-month periods from `start` to
/// `as_of`.
pub fn track(dates: &[NaiveDate], months: u32, start: NaiveDate, as_of: NaiveDate) -> Track {
    let done: Vec<NaiveDate> = dates.iter().copied().filter(|d| *d <= as_of).collect();
    let last = done.iter().copied().max();
    let next_due = match last {
        Some(d) => period(period(d, months).end + chrono::Days::new(1), months).end,
        None => period(start, months).end,
    };
    let mut missed = vec![];
    let mut p = period(start, months);
    while p.end < as_of {
        if !done.iter().any(|d| *d >= p.start && *d <= p.end) {
            missed.push(p.id.clone());
        }
        p = period(p.end + chrono::Days::new(1), months);
    }
    Track {
        last,
        next_due,
        missed,
    }
}

/// A model's checks, reviews and audits against its cadence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Schedule {
    /// Recorded runs (checks).
    pub checks: Track,
    /// Recorded reviews.
    pub reviews: Track,
    /// Recorded audits.
    pub audits: Track,
    /// Which of check, review, audit are past due on the as-of date.
    pub overdue: Vec<String>,
}

/// The schedule of a model whose first run was `start`, on `as_of`.
pub fn schedule(
    cadence: &Cadence,
    runs: &[NaiveDate],
    reviews: &[NaiveDate],
    audits: &[NaiveDate],
    start: NaiveDate,
    as_of: NaiveDate,
) -> Schedule {
    let checks = track(runs, cadence.check_months, start, as_of);
    let reviews = track(reviews, cadence.review_months, start, as_of);
    let audits = track(audits, cadence.audit_months, start, as_of);
    let overdue = [("check", &checks), ("review", &reviews), ("audit", &audits)]
        .iter()
        .filter(|(_, t)| as_of > t.next_due)
        .map(|(n, _)| n.to_string())
        .collect();
    Schedule {
        checks,
        reviews,
        audits,
        overdue,
    }
}

/// The cycle of one run, as the report states it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CycleInfo {
    /// The check cycle of the run date.
    pub id: String,
    /// The run date.
    pub run_date: NaiveDate,
    /// The cadence in force.
    pub cadence: Cadence,
    /// When the next check is due (the end of the next check period).
    pub next_check_due: NaiveDate,
    /// When the next review is due.
    pub next_review_due: NaiveDate,
    /// When the next audit is due.
    pub next_audit_due: NaiveDate,
    /// The latest recorded review, if the history has one.
    pub last_review: Option<NaiveDate>,
    /// The latest recorded audit, if the history has one.
    pub last_audit: Option<NaiveDate>,
    /// Past check cycles with no recorded run.
    pub missed_cycles: Vec<String>,
    /// Past review periods with no recorded review.
    pub missed_reviews: Vec<String>,
    /// Past audit periods with no recorded audit.
    pub missed_audits: Vec<String>,
    /// Which of check, review, audit are past due on the run date.
    pub overdue: Vec<String>,
}

/// What the history says of a model: its earlier runs, reviews and audits.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Past {
    /// Dates of earlier recorded runs.
    pub runs: Vec<NaiveDate>,
    /// Dates of recorded reviews.
    pub reviews: Vec<NaiveDate>,
    /// Dates of recorded audits.
    pub audits: Vec<NaiveDate>,
}

impl CycleInfo {
    /// The cycle of a run on `run_date`, with the model's history (empty
    /// without a store: then the run starts the model's cycles).
    pub fn new(run_date: NaiveDate, cadence: Cadence, past: &Past) -> Self {
        let mut runs = past.runs.clone();
        runs.push(run_date);
        let start = runs.iter().copied().min().unwrap_or(run_date);
        let s = schedule(
            &cadence,
            &runs,
            &past.reviews,
            &past.audits,
            start,
            run_date,
        );
        CycleInfo {
            id: cycle_id(run_date, cadence.check_months),
            run_date,
            cadence,
            next_check_due: s.checks.next_due,
            next_review_due: s.reviews.next_due,
            next_audit_due: s.audits.next_due,
            last_review: s.reviews.last,
            last_audit: s.audits.last,
            missed_cycles: s.checks.missed,
            missed_reviews: s.reviews.missed,
            missed_audits: s.audits.missed,
            overdue: s.overdue,
        }
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
    /// Checks, reviews and audits against the cadence.
    #[serde(flatten)]
    pub schedule: Schedule,
    /// The flat keys of the JSON before the schedule was nested (engines up
    /// to 598853d), kept for the tools that read them.
    #[serde(flatten)]
    pub flat: FlatSchedule,
}

/// `last_check`, `last_review`, `last_audit`, `next_check_due`,
/// `next_review_due`, `next_audit_due`: the first JSON layout of `cycle
/// status`, which is also the report's `cycle` (docs/report-schema.md).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FlatSchedule {
    /// The latest run on or before the as-of date.
    pub last_check: Option<NaiveDate>,
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
}

impl From<&Schedule> for FlatSchedule {
    fn from(s: &Schedule) -> Self {
        FlatSchedule {
            last_check: s.checks.last,
            last_review: s.reviews.last,
            last_audit: s.audits.last,
            next_check_due: s.checks.next_due,
            next_review_due: s.reviews.next_due,
            next_audit_due: s.audits.next_due,
        }
    }
}

fn date(s: &str) -> crate::Result<NaiveDate> {
    NaiveDate::parse_from_str(&s[..s.len().min(10)], "%Y-%m-%d")
        .map_err(|e| crate::Error::usage(format!("bad date '{s}' in the history store: {e}")))
}

/// A model's past from the store: runs, reviews and audits (before `until`
/// when given), its cadence and risk tier from its latest run.
pub fn past_of(
    store: &crate::governance::store::Store,
    model: &str,
) -> crate::Result<Option<(Past, Cadence, String)>> {
    use crate::governance::store::EventKind;
    let runs = store.list(Some(model))?;
    let Some(last) = runs.last() else {
        return Ok(None);
    };
    let latest = store.get(&last.seq.to_string())?;
    let report: serde_json::Value = serde_json::from_str(&latest.run.report_json).map_err(|e| {
        crate::Error::usage(format!(
            "stored report of run {} is not JSON: {e}",
            last.run_id
        ))
    })?;
    let tier = match last.risk_tier.as_str() {
        "low" => RiskTier::Low,
        "high" => RiskTier::High,
        _ => RiskTier::Medium,
    };
    let cadence: Cadence = serde_json::from_value(report["cycle"]["cadence"].clone())
        .unwrap_or_else(|_| Cadence::default_for(tier));
    let events = store.events(Some(model))?;
    let dates = |k: EventKind| -> crate::Result<Vec<NaiveDate>> {
        events
            .iter()
            .filter(|e| e.event.kind == k)
            .map(|e| date(&e.event.event_date))
            .collect()
    };
    let past = Past {
        runs: runs
            .iter()
            .map(|r| date(&r.run_date))
            .collect::<crate::Result<_>>()?,
        reviews: dates(EventKind::Review)?,
        audits: dates(EventKind::Audit)?,
    };
    Ok(Some((past, cadence, last.risk_tier.clone())))
}

/// [`past_of`] for scheduling: engines before the cadence was validated
/// stored any number of months, and calendar periods cannot be made of
/// them (audits of the model go on; only its schedule is refused).
pub fn scheduled_past_of(
    store: &crate::governance::store::Store,
    model: &str,
) -> crate::Result<Option<(Past, Cadence, String)>> {
    let p = past_of(store, model)?;
    if let Some((_, cadence, _)) = &p {
        cadence.validate().map_err(|e| {
            crate::Error::usage(format!(
                "the latest run of model '{model}' was recorded with a cadence that cannot be \
                 scheduled ({e}); record a new run of the model with a valid [cycle] cadence"
            ))
        })?;
    }
    Ok(p)
}

/// The cycle status of every model in the store on `as_of`.
pub fn status(
    store: &crate::governance::store::Store,
    as_of: NaiveDate,
) -> crate::Result<Vec<ModelStatus>> {
    let mut out = vec![];
    for model in store.models()? {
        let Some((past, cadence, tier)) = scheduled_past_of(store, &model)? else {
            continue;
        };
        let start = past.runs.iter().copied().min().expect("a model has runs");
        let schedule = schedule(
            &cadence,
            &past.runs,
            &past.reviews,
            &past.audits,
            start,
            as_of,
        );
        out.push(ModelStatus {
            model_id: model.clone(),
            risk_tier: tier,
            cadence,
            runs: past.runs.len(),
            flat: FlatSchedule::from(&schedule),
            schedule,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_are_calendar_periods() {
        assert_eq!(cycle_id(d("2026-11-28"), 1), "2026-11");
        assert_eq!(cycle_id(d("2026-11-28"), 3), "2026-Q4");
        assert_eq!(cycle_id(d("2026-01-01"), 3), "2026-Q1");
        assert_eq!(cycle_id(d("2026-07-01"), 6), "2026-H2");
        assert_eq!(cycle_id(d("2026-07-01"), 12), "2026");
        assert_eq!(cycle_id(d("2026-05-01"), 2), "2026-P3");
        assert_eq!(cycle_id(d("2026-05-01"), 36), "2025-2027");
        let q = period(d("2026-02-14"), 3);
        assert_eq!((q.start, q.end), (d("2026-01-01"), d("2026-03-31")));
        assert_eq!(period(d("2024-02-10"), 1).end, d("2024-02-29"));
    }

    /// Runs on 11-01 and 12-31 cover both monthly cycles: nothing is overdue
    /// in December, and due dates do not drift with month ends.
    #[test]
    fn due_dates_follow_the_calendar() {
        let c = Cadence::default_for(RiskTier::High);
        let runs = [d("2026-11-01")];
        let s = schedule(&c, &runs, &[], &[], d("2026-11-01"), d("2026-12-15"));
        assert_eq!(s.checks.next_due, d("2026-12-31"));
        assert!(s.overdue.is_empty(), "{:?}", s.overdue);
        let s = schedule(
            &c,
            &[d("2026-11-01"), d("2026-12-31")],
            &[],
            &[],
            d("2026-11-01"),
            d("2027-01-20"),
        );
        assert_eq!(s.checks.next_due, d("2027-01-31"));
        assert!(s.checks.missed.is_empty());
        // A missed December is reported for ever.
        let s = schedule(
            &c,
            &[d("2026-11-01"), d("2027-01-05")],
            &[],
            &[],
            d("2026-11-01"),
            d("2027-03-01"),
        );
        assert_eq!(s.checks.missed, ["2026-12", "2027-02"]);
        assert!(s.overdue.contains(&"check".to_string()));
        // Month ends: 01-31 → 02-28 → 03-31, no drift.
        let t = track(&[d("2027-01-31")], 1, d("2027-01-31"), d("2027-02-01"));
        assert_eq!(t.next_due, d("2027-02-28"));
        let t = track(&[d("2027-02-28")], 1, d("2027-01-31"), d("2027-03-01"));
        assert_eq!(t.next_due, d("2027-03-31"));
    }

    #[test]
    fn reviews_and_audits_count_from_the_first_run() {
        let c = Cadence::default_for(RiskTier::High); // 1, 3, 12
        let s = schedule(
            &c,
            &[d("2026-11-05")],
            &[],
            &[],
            d("2026-11-05"),
            d("2027-01-10"),
        );
        assert_eq!(s.reviews.next_due, d("2026-12-31"));
        assert_eq!(s.reviews.missed, ["2026-Q4"]);
        assert!(s.overdue.contains(&"review".to_string()));
        let s = schedule(
            &c,
            &[d("2026-11-05")],
            &[d("2026-12-20")],
            &[],
            d("2026-11-05"),
            d("2027-01-10"),
        );
        assert_eq!(s.reviews.next_due, d("2027-03-31"));
        assert!(s.reviews.missed.is_empty());
        assert_eq!(s.audits.next_due, d("2026-12-31"));
    }

    #[test]
    fn cadences_are_validated() {
        let ok = Cadence {
            check_months: 1,
            review_months: 3,
            audit_months: 36,
        };
        assert!(ok.validate().is_ok());
        for (c, r, a) in [(0, 3, 12), (5, 6, 12), (3, 1, 12), (3, 6, 18), (6, 3, 12)] {
            let bad = Cadence {
                check_months: c,
                review_months: r,
                audit_months: a,
            };
            assert!(bad.validate().is_err(), "{c} {r} {a}");
        }
        assert_eq!(months_word(36), "every 3 years");
    }
}
