//! Comparing a run's findings with the previous recorded run of the model:
//! `new`, `persisting`, `resolved` or `regressed`; a regression becomes a
//! finding of its own.

use std::collections::HashMap;

use crate::checks::{finding_id, Check, Finding, Measured, Status, Trend};
use crate::governance::controls;
use crate::governance::store::{FindingRow, RunSummary};
use crate::spec::RiskTier;

/// Which direction of a metric is worse, from the check's bounds.
fn worse_is_lower(c: &Check) -> Option<bool> {
    match (
        c.fail_below.is_some() || c.warn_below.is_some(),
        c.fail_above.is_some() || c.warn_above.is_some(),
    ) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None, // two-sided or unbounded: no direction
    }
}

/// The interval of (current − previous) from the two values' intervals
/// (Newcombe's square-and-add of the interval arms); `None` without intervals.
pub fn change_interval(v0: f64, ci0: (f64, f64), v1: f64, ci1: (f64, f64)) -> (f64, f64) {
    let d = v1 - v0;
    let lo = d - ((v1 - ci1.0).powi(2) + (ci0.1 - v0).powi(2)).sqrt();
    let hi = d + ((ci1.1 - v1).powi(2) + (v0 - ci0.0).powi(2)).sqrt();
    (lo, hi)
}

/// Sets each finding's trend against `previous` and returns the regression
/// findings to add.
pub fn compare(
    findings: &mut [Finding],
    previous: &[FindingRow],
    prev_run: &RunSummary,
    policy: &[Check],
    model_id: &str,
    tier: RiskTier,
) -> Vec<Finding> {
    let prev: HashMap<&str, &FindingRow> = previous
        .iter()
        .map(|f| (f.finding_id.as_str(), f))
        .collect();
    let mut regressions = vec![];
    for f in findings.iter_mut() {
        let Some(p) = prev.get(f.id.as_str()) else {
            f.trend = Some(Trend::New);
            continue;
        };
        let check = policy.iter().find(|c| c.id() == f.check);
        let regressed = match (
            check.and_then(worse_is_lower),
            p.value,
            p.ci_low.zip(p.ci_high),
            f.value,
            f.ci,
        ) {
            (Some(lower_worse), Some(v0), Some(ci0), Some(v1), Some([a, b])) => {
                let (lo, hi) = change_interval(v0, ci0, v1, (a, b));
                let worse = if lower_worse { hi < 0.0 } else { lo > 0.0 };
                worse.then_some((v0, v1, lo, hi))
            }
            _ => None,
        };
        f.trend = Some(if regressed.is_some() {
            Trend::Regressed
        } else if p.status.breached() && f.status == Status::Pass {
            Trend::Resolved
        } else if f.status.breached() && !p.status.breached() {
            Trend::New
        } else {
            Trend::Persisting
        });
        if let (Some((v0, v1, lo, hi)), Some(metric)) = (regressed, f.metric.metric()) {
            let status = if f.status == Status::Fail {
                Status::Fail
            } else {
                Status::Warn
            };
            let mut r = f.clone();
            r.id = finding_id(
                model_id,
                &format!("regression:{}", f.check),
                &f.attribute,
                f.group.as_deref(),
            );
            r.check = format!("regression:{}", f.check);
            r.title = format!("Regression: {}", f.title);
            r.statement = format!(
                "{} worsened significantly since run {} (cycle {}): {:.3} → {:.3}, change {:+.3} (interval {:+.3} to {:+.3}, excluding 0)",
                f.metric, prev_run.run_id, prev_run.cycle_id, v0, v1, v1 - v0, lo, hi
            );
            r.status = status;
            r.severity = crate::checks::severity(status, true, tier);
            r.metric = Measured::Change(metric);
            r.value = Some(v1 - v0);
            r.ci = Some([lo, hi]);
            r.breached = Some(format!("significant change since run {}", prev_run.run_id));
            r.trend = Some(Trend::Regressed);
            controls::tag(&mut r, &[], false, controls::Recorded::default());
            regressions.push(r);
        }
    }
    regressions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_interval_by_hand() {
        // 0.9 [0.85, 0.95] → 0.7 [0.65, 0.75]: d = -0.2, arms sqrt(.05²+.05²)
        let (lo, hi) = change_interval(0.9, (0.85, 0.95), 0.7, (0.65, 0.75));
        let arm = (0.05f64.powi(2) * 2.0).sqrt();
        assert!((lo - (-0.2 - arm)).abs() < 1e-12 && (hi - (-0.2 + arm)).abs() < 1e-12);
        assert!(hi < 0.0);
    }
}
