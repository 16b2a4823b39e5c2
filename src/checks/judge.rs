//! The decision: a value against a check's bounds, under the check's
//! decision rule (docs/governance.md, "Decision rules"), gives a status, the
//! bound breached and the reason in words. It looks only at the finding's own
//! evidence: its estimate, its interval and its own test.

use crate::spec::check::{Check, EvidenceRule};

use super::finding::Status;

/// The test behind a finding: its own comparison, never another pair's.
#[derive(Clone, Debug, PartialEq)]
pub struct TestEvidence {
    /// The test's p-value.
    pub p: f64,
    /// Adjusted within the check's family (or for the choice of the pair that
    /// sets a summary); equals `p` when nothing is adjusted.
    pub p_adjusted: f64,
    /// Which test ("z_test", "fisher", ...).
    pub kind: String,
    /// The two groups compared.
    pub pair: (String, String),
    /// How `p_adjusted` was obtained, for the statement (e.g. "Holm within
    /// the check's groups"); empty when it equals `p`.
    pub adjustment: String,
}

/// What a check concluded on one value.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// Pass, warn or fail.
    pub status: Status,
    /// The bound that was breached, e.g. "fail_below 0.8".
    pub breached: Option<String>,
    /// Why, in words: the rule and the evidence that decided.
    pub verdict: String,
    /// Whether the test or the interval backs the breach (a failure on the
    /// point estimate alone is one severity lower).
    pub backed: bool,
    /// Whether the test is significant at the check's alpha.
    pub significant: Option<bool>,
}

/// A bound `v` breaches: its name (`fail_below 0.8`), its words (`below the
/// 0.8 threshold`), and whether the interval lies entirely beyond it.
struct Breach {
    name: String,
    words: String,
    beyond: bool,
}

fn breach(
    v: f64,
    ci: Option<(f64, f64)>,
    below: Option<f64>,
    above: Option<f64>,
    kind: &str,
    words: &str,
) -> Option<Breach> {
    match (below, above) {
        (Some(b), _) if v < b => Some(Breach {
            name: format!("{kind}_below {b}"),
            words: format!("below the {b} {words}"),
            beyond: ci.is_some_and(|(_, hi)| hi < b),
        }),
        (_, Some(a)) if v > a => Some(Breach {
            name: format!("{kind}_above {a}"),
            words: format!("above the {a} {words}"),
            beyond: ci.is_some_and(|(lo, _)| lo > a),
        }),
        _ => None,
    }
}

/// "the z test of f vs m gives p = 0.004 < 0.05".
fn test_words(t: &TestEvidence, alpha: f64) -> String {
    let p = t.p_adjusted;
    let adj = if t.adjustment.is_empty() {
        String::new()
    } else {
        format!(" ({})", t.adjustment)
    };
    format!(
        "the {} of {} vs {} gives p {}{adj} {} {alpha}",
        t.kind.replace('_', " "),
        t.pair.0,
        t.pair.1,
        super::wording::p_is(p),
        if p < alpha { "<" } else { "≥" }
    )
}

/// The decision on a fail-bound breach under the check's rule.
fn on_fail_breach(
    b: &Breach,
    rule: EvidenceRule,
    test: Option<&TestEvidence>,
    alpha: f64,
    level: &str,
) -> (Status, String, bool) {
    let beyond = format!(
        "fail: its {level} interval lies entirely {} (a failure under every rule)",
        b.words
    );
    match rule {
        EvidenceRule::Point => (
            Status::Fail,
            format!(
                "fail under the point rule: the estimate is {}{}",
                b.words,
                if b.beyond {
                    format!("; its {level} interval lies entirely {}", b.words)
                } else {
                    String::new()
                }
            ),
            b.beyond,
        ),
        _ if b.beyond => (Status::Fail, beyond, true),
        EvidenceRule::Interval => (
            Status::Warn,
            format!(
                "warn under the interval rule: the estimate is {}, but its {level} interval reaches the threshold",
                b.words
            ),
            false,
        ),
        EvidenceRule::Significance => match test {
            Some(t) if t.p_adjusted < alpha => (
                Status::Fail,
                format!(
                    "fail under the significance rule: {}, and {}",
                    b.words,
                    test_words(t, alpha)
                ),
                true,
            ),
            Some(t) => (
                Status::Warn,
                format!(
                    "warn under the significance rule: {}, but {} (small_sample: the gap may be chance)",
                    b.words,
                    test_words(t, alpha)
                ),
                false,
            ),
            None => (
                Status::Fail,
                format!(
                    "fail under the significance rule: {}; no test applies, so the estimate decides",
                    b.words
                ),
                false,
            ),
        },
    }
}

/// Judges a value with its interval and test. `level` names the interval's
/// confidence level ("95%").
pub fn judge(
    v: f64,
    ci: Option<(f64, f64)>,
    test: Option<&TestEvidence>,
    c: &Check,
    alpha: f64,
    level: &str,
) -> Decision {
    let significant = test.map(|t| t.p_adjusted < alpha);
    let fail = breach(v, ci, c.fail_below, c.fail_above, "fail", "threshold");
    if let Some(b) = fail {
        let (status, verdict, backed) = on_fail_breach(&b, c.rule(), test, alpha, level);
        return Decision {
            status,
            breached: Some(b.name),
            verdict,
            backed,
            significant,
        };
    }
    match breach(
        v,
        ci,
        c.warn_below,
        c.warn_above,
        "warn",
        "warning threshold",
    ) {
        Some(b) => Decision {
            status: Status::Warn,
            breached: Some(b.name),
            verdict: b.words,
            backed: false,
            significant,
        },
        None => Decision {
            status: Status::Pass,
            breached: None,
            verdict: "within the thresholds".into(),
            backed: false,
            significant,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::metric::MetricRef;

    fn check(rule: EvidenceRule) -> Check {
        let mut c =
            Check::new(MetricRef::ImpactRatio).with_bounds(Some(0.8), None, Some(0.9), None);
        c.evidence = Some(rule);
        c
    }

    fn test(p: f64) -> TestEvidence {
        TestEvidence {
            p,
            p_adjusted: p,
            kind: "z_test".into(),
            pair: ("f".into(), "m".into()),
            adjustment: String::new(),
        }
    }

    #[test]
    fn significance_rule() {
        let c = check(EvidenceRule::Significance);
        let straddles = Some((0.6, 0.95));
        let s = |v, ci, t: Option<f64>| judge(v, ci, t.map(test).as_ref(), &c, 0.05, "95%").status;
        assert_eq!(s(0.75, straddles, Some(0.01)), Status::Fail);
        assert_eq!(s(0.75, straddles, Some(0.2)), Status::Warn);
        // The interval beyond the threshold is never downgraded.
        assert_eq!(s(0.5, Some((0.3, 0.7)), Some(0.2)), Status::Fail);
        assert_eq!(s(0.85, straddles, Some(0.001)), Status::Warn);
        assert_eq!(s(0.95, straddles, Some(0.001)), Status::Pass);
        // No test and no decisive interval: the estimate decides.
        assert_eq!(s(0.75, straddles, None), Status::Fail);
        let d = judge(0.75, straddles, Some(&test(0.2)), &c, 0.05, "95%");
        assert!(d.verdict.contains("small_sample"), "{}", d.verdict);
        assert!(!d.backed);
    }

    #[test]
    fn point_and_interval_rules() {
        let p = check(EvidenceRule::Point);
        let d = judge(0.75, Some((0.6, 0.95)), Some(&test(0.5)), &p, 0.05, "95%");
        assert_eq!((d.status, d.backed), (Status::Fail, false));
        let i = check(EvidenceRule::Interval);
        let d = judge(
            0.75,
            Some((0.6, 0.95)),
            Some(&test(0.0001)),
            &i,
            0.05,
            "95%",
        );
        assert_eq!(d.status, Status::Warn);
        let d = judge(0.75, Some((0.6, 0.79)), None, &i, 0.05, "95%");
        assert_eq!((d.status, d.backed), (Status::Fail, true));
        // Upper bounds: the interval's lower end must clear the threshold.
        let mut up =
            Check::new(MetricRef::ImpactRatio).with_bounds(None, Some(0.2), None, Some(0.1));
        up.evidence = Some(EvidenceRule::Interval);
        assert_eq!(
            judge(0.25, Some((0.21, 0.3)), None, &up, 0.05, "95%").status,
            Status::Fail
        );
        assert_eq!(
            judge(0.25, Some((0.15, 0.3)), None, &up, 0.05, "95%").status,
            Status::Warn
        );
        assert_eq!(
            judge(0.15, Some((0.12, 0.3)), None, &up, 0.05, "95%")
                .breached
                .as_deref(),
            Some("warn_above 0.1")
        );
    }

    #[test]
    fn require_significance_false_is_the_point_rule() {
        let mut c = Check::new(MetricRef::ImpactRatio).with_bounds(Some(0.8), None, None, None);
        c.require_significance = false;
        assert_eq!(c.rule(), EvidenceRule::Point);
        assert_eq!(
            judge(0.75, None, Some(&test(0.9)), &c, 0.05, "95%").status,
            Status::Fail
        );
    }
}
