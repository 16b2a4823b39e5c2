//! The decision: a value against a check's bounds, with the significance
//! rule, gives a status and the bound that was breached.

use crate::spec::check::Check;

use super::finding::Status;

/// A test behind a finding: (p, p adjusted, the test's name).
pub type TestEvidence = (f64, f64, String);

/// What a check concluded on one value.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// Pass, warn or fail.
    pub status: Status,
    /// The bound that was breached, e.g. "fail_below 0.8".
    pub breached: Option<String>,
    /// The verdict in words, e.g. "below the 0.8 threshold".
    pub verdict: String,
}

/// The bound `v` breaches, if any: its name (`fail_below 0.8`) and words
/// (`below the 0.8 threshold`).
fn breach(
    v: f64,
    below: Option<f64>,
    above: Option<f64>,
    kind: &str,
    words: &str,
) -> Option<(String, String)> {
    match (below, above) {
        (Some(b), _) if v < b => Some((
            format!("{kind}_below {b}"),
            format!("below the {b} {words}"),
        )),
        (_, Some(a)) if v > a => Some((
            format!("{kind}_above {a}"),
            format!("above the {a} {words}"),
        )),
        _ => None,
    }
}

/// Status from bounds and significance, with the breached bound.
pub fn judge(v: f64, c: &Check, significant: Option<bool>) -> Decision {
    let fail = breach(v, c.fail_below, c.fail_above, "fail", "threshold");
    let warn = breach(v, c.warn_below, c.warn_above, "warn", "warning threshold");
    let (status, breached, verdict) = match (fail, warn) {
        (Some((b, t)), _) => {
            if !c.require_significance || significant == Some(true) {
                (Status::Fail, Some(b), t)
            } else {
                // A breach that may be noise is a warning, not a failure.
                (
                    Status::Warn,
                    Some(b),
                    format!("{t}, but a failure needs statistical significance"),
                )
            }
        }
        (None, Some((b, t))) => (Status::Warn, Some(b), t),
        (None, None) => (Status::Pass, None, "within the thresholds".into()),
    };
    Decision {
        status,
        breached,
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::metric::MetricRef;

    fn check(
        fb: Option<f64>,
        fa: Option<f64>,
        wb: Option<f64>,
        wa: Option<f64>,
        sig: bool,
    ) -> Check {
        let mut c = Check::new(MetricRef::ImpactRatio).with_bounds(fb, fa, wb, wa);
        c.require_significance = sig;
        c
    }

    #[test]
    fn judging_bounds_and_significance() {
        let c = check(Some(0.8), None, Some(0.9), None, true);
        assert_eq!(judge(0.75, &c, Some(true)).status, Status::Fail);
        assert_eq!(judge(0.75, &c, Some(false)).status, Status::Warn);
        assert_eq!(judge(0.75, &c, None).status, Status::Warn);
        assert_eq!(judge(0.85, &c, Some(true)).status, Status::Warn);
        assert_eq!(judge(0.95, &c, Some(true)).status, Status::Pass);
        let c = check(None, Some(0.2), None, Some(0.1), false);
        assert_eq!(judge(0.25, &c, Some(false)).status, Status::Fail);
        assert_eq!(judge(0.15, &c, None).status, Status::Warn);
        assert_eq!(judge(0.05, &c, None).breached, None);
        assert_eq!(
            judge(0.25, &c, None).breached.as_deref(),
            Some("fail_above 0.2")
        );
    }
}
