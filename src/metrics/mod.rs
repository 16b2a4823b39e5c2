//! Pure functions from counts to fairness metrics: per-group rates,
//! disparities against a reference, per-attribute summaries, score metrics
//! and inequality indices. Definitions are in `docs/metrics.md`; a value whose
//! denominator is zero is undefined with a reason, never NaN or 0.

pub mod groups;
pub mod inequality;
pub mod rates;
pub mod score;
pub mod summary;

pub use groups::{attribute_name, choose_reference, group_name, Group, Reference};
pub use rates::{disparity, favorable_rate, Disparity, Parts, RateOf, Rates, Value};
pub use summary::{summarize, summary_values, Summaries, SummaryValue};

/// The metric names, re-exported where the metrics are computed.
pub use crate::spec::metric::{Rate, Summary};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counts::{Cell, Outcome};
    use crate::spec::{Favorable, References};

    fn left(s: &Summaries, r: Rate) -> Vec<(String, String)> {
        s.left_out.iter().find(|(x, _)| *x == r).unwrap().1.clone()
    }

    /// A cell from counts in the order tp, fp, tn, fn.
    pub fn cell(tp: u64, fp: u64, tn: u64, fn_: u64) -> Cell {
        let mut c = Cell::default();
        c.record(Outcome::Tp, tp, tp as f64, tp as f64);
        c.record(Outcome::Fp, fp, fp as f64, fp as f64);
        c.record(Outcome::Tn, tn, tn as f64, tn as f64);
        c.record(Outcome::Fn, fn_, fn_ as f64, fn_ as f64);
        c
    }

    #[test]
    fn rates_by_hand() {
        // tp=30 fp=10 tn=50 fn=10, n=100
        let r = Rates::of(&cell(30, 10, 50, 10));
        let expect = [
            (Rate::BaseRate, 0.40),
            (Rate::SelectionRate, 0.40),
            (Rate::Tpr, 0.75),
            (Rate::Fpr, 10.0 / 60.0),
            (Rate::Tnr, 50.0 / 60.0),
            (Rate::Fnr, 0.25),
            (Rate::Ppv, 0.75),
            (Rate::Npv, 50.0 / 60.0),
            (Rate::Fdr, 0.25),
            (Rate::For, 10.0 / 60.0),
            (Rate::Accuracy, 0.80),
        ];
        for (rate, v) in expect {
            let got = r.get(rate).unwrap();
            assert!((got - v).abs() < 1e-15, "{}: {got} != {v}", rate.name());
        }
    }

    #[test]
    fn zero_denominators_are_undefined_with_reasons() {
        // No actual positives, no predicted positives.
        let c = cell(0, 0, 7, 0);
        let r = Rates::of(&c);
        assert_eq!(r.get(Rate::Tpr), None);
        assert_eq!(r.get(Rate::Ppv), None);
        assert_eq!(r.get(Rate::Fpr), Some(0.0));
        assert_eq!(r.get(Rate::SelectionRate), Some(0.0));
        assert_eq!(
            Rate::Tpr.undefined_reason(&c),
            "no actual positives in group"
        );
        assert_eq!(
            Rate::Ppv.undefined_reason(&c),
            "no predicted positives in group"
        );
        let empty = Cell::default();
        assert!(Rates::of(&empty).0.iter().all(Option::is_none));
        assert_eq!(Rate::Accuracy.undefined_reason(&empty), "empty group");
    }

    #[test]
    fn weighted_rates_use_weight_sums() {
        let mut c = Cell::default();
        c.record(Outcome::Tp, 2, 3.0, 4.5); // two rows, weights 1.5 each
        c.record(Outcome::Fn, 1, 1.0, 1.0);
        let p = Rate::Tpr.parts(&c);
        assert_eq!(p.value(), Some(0.75));
        assert_eq!((p.x, p.n), (2, 3));
        // Kish: (4)^2 / 5.5
        assert!((p.n_eff() - 16.0 / 5.5).abs() < 1e-12);
    }

    #[test]
    fn disparity_of_zero_reference_has_no_ratio() {
        let d = disparity(Rate::SelectionRate, Some(0.2), Some(0.0));
        assert_eq!(d.difference, Value::Defined(0.2));
        assert!(d.ratio.reason().unwrap().contains("is 0"));
        let d = disparity(Rate::Tpr, None, Some(0.5));
        assert!(d.difference.get().is_none());
    }

    fn groups() -> Vec<Group> {
        vec![
            // a: sr 0.5, tpr 0.8, fpr 0.2, ppv 0.8, acc 0.8 (n 100)
            Group::new(vec![Some("a".into())], cell(40, 10, 40, 10)),
            // b: sr 0.3, tpr 0.5, fpr 1/6, ppv 2/3, acc 0.7 (n 100)
            Group::new(vec![Some("b".into())], cell(20, 10, 50, 20)),
            // c: no actual positives: tpr undefined (n 10)
            Group::new(vec![Some("c".into())], cell(0, 2, 8, 0)),
        ]
    }

    #[test]
    fn summaries_by_hand() {
        let g = groups();
        let s = summarize(
            &g,
            &[true, true, true],
            &|_| String::new(),
            &g[0].rates,
            Some(0),
            Favorable::Positive,
        );
        let v = |n: Summary| s.get(n).value.get().unwrap();
        assert!((v(Summary::DemographicParityDifference) - 0.3).abs() < 1e-12);
        assert!((v(Summary::DemographicParityRatio) - 0.2 / 0.5).abs() < 1e-12);
        // DI: min over b (0.3/0.5 = 0.6) and c (0.2/0.5 = 0.4)
        assert!((v(Summary::DisparateImpact) - 0.4).abs() < 1e-12);
        assert_eq!(s.get(Summary::DisparateImpact).group.as_deref(), Some("c"));
        assert_eq!(s.four_fifths_rule_passed, Some(false));
        // tpr range over a, b only (c undefined and listed)
        assert!((v(Summary::EqualOpportunityDifference) - 0.3).abs() < 1e-12);
        assert_eq!(
            left(&s, Rate::Tpr),
            vec![("c".to_string(), "no actual positives in group".to_string())]
        );
        // fpr: a 10/50, b 10/60, c 2/10 -> range 1/30; eodds = max(0.3, 1/30)
        assert!((v(Summary::EqualizedOddsDifference) - 0.3).abs() < 1e-12);
        // AOD for b: ½((1/6 - 1/5) + (0.5 - 0.8)) = -1/6; c has no tpr.
        assert!((v(Summary::AverageOddsDifference) + 1.0 / 6.0).abs() < 1e-12);
        assert_eq!(
            s.get(Summary::AverageOddsDifference).group.as_deref(),
            Some("b")
        );
        // ppv: a .8, b 2/3, c 0 -> 0.8
        assert!((v(Summary::PredictiveParityDifference) - 0.8).abs() < 1e-12);
        // acc: a .8, b .7, c .8
        assert!((v(Summary::AccuracyDifference) - 0.1).abs() < 1e-12);
    }

    #[test]
    fn favorable_negative_uses_complement_for_disparate_impact() {
        let g = groups();
        let s = summarize(
            &g,
            &[true, true, false],
            &|_| "too small".into(),
            &g[0].rates,
            Some(0),
            Favorable::Negative,
        );
        // non-selection: a 0.5, b 0.7 -> 1.4
        let di = s.get(Summary::DisparateImpact);
        assert!((di.value.get().unwrap() - 1.4).abs() < 1e-12);
        assert_eq!(s.four_fifths_rule_passed, Some(true));
        assert_eq!(left(&s, Rate::SelectionRate)[0].1, "too small");
    }

    #[test]
    fn one_group_attribute_has_undefined_summaries() {
        let g = vec![Group::new(vec![Some("only".into())], cell(1, 2, 3, 4))];
        let s = summarize(
            &g,
            &[true],
            &|_| String::new(),
            &g[0].rates,
            Some(0),
            Favorable::Positive,
        );
        for (name, v) in s.iter() {
            assert!(v.value.get().is_none(), "{name} should be undefined");
        }
        assert_eq!(s.four_fifths_rule_passed, None);
    }

    #[test]
    fn reference_strategies() {
        let g = groups();
        let all = |_: &Group| true;
        let r = |s: &[&str]| {
            References::parse(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>()).unwrap()
        };
        // largest: a and b tie at 100 rows -> first by name
        assert_eq!(
            choose_reference("x", &g, &r(&["largest"]), Favorable::Positive, &all).unwrap(),
            Reference::Group(0)
        );
        assert_eq!(
            choose_reference("x", &g, &r(&["best"]), Favorable::Positive, &all).unwrap(),
            Reference::Group(0)
        );
        assert_eq!(
            choose_reference("x", &g, &r(&["best"]), Favorable::Negative, &all).unwrap(),
            Reference::Group(2)
        );
        assert_eq!(
            choose_reference("x", &g, &r(&["overall"]), Favorable::Positive, &all).unwrap(),
            Reference::Overall
        );
        assert_eq!(
            choose_reference("x", &g, &r(&["x=b"]), Favorable::Positive, &all).unwrap(),
            Reference::Group(1)
        );
        let e = choose_reference("x", &g, &r(&["x=zz"]), Favorable::Positive, &all).unwrap_err();
        assert!(e.to_string().contains("no group 'zz'"));
    }
}
