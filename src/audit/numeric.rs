//! A numeric outcome (`--value`): per group its count, mean, standard
//! deviation and quantiles; against the reference the mean difference with
//! Welch's interval and test, the mean ratio (delta-method interval on the
//! log scale), the standardized mean difference (Cohen's d, pooled SD) and
//! the Kolmogorov–Smirnov distance; with a true value, the error by group
//! (MAE, MSE, RMSE, mean signed error) and the worst group's loss
//! (Fairlearn's bounded group loss). All from the per-cell moments and
//! sketches of the one scan (docs/metrics.md, "Numeric outcomes").

use crate::counts::{sketch, Counts, ValueCell};
use crate::metrics::groups::group_name;
use crate::spec::AuditSpec;
use crate::stats;

use super::{attribute_sets, AttributeAudit, Ci};

/// An estimate with its interval; `None` with a reason when undefined.
pub type Est = Result<(f64, Ci), String>;

/// A two-sample test.
#[derive(Clone, Debug, PartialEq)]
pub struct TwoSample {
    /// The statistic (t, or the KS distance).
    pub statistic: f64,
    /// Degrees of freedom (Welch); the effective size (KS).
    pub df: f64,
    /// The p-value.
    pub p_value: f64,
}

/// One group's numeric outcome.
#[derive(Clone, Debug)]
pub struct NumericGroup {
    /// The group's name.
    pub group: String,
    /// Whether it is the reference.
    pub is_reference: bool,
    /// Rows with a value.
    pub n: u64,
    /// Kish's effective size (n when unweighted).
    pub effective_n: f64,
    /// The mean, with its t interval.
    pub mean: Est,
    /// Sample standard deviation (ddof 1; weighted: reliability weights).
    pub sd: Option<f64>,
    /// p10, median, p90 from the sketch (within ±1%).
    pub quantiles: [Option<f64>; 3],
    /// Mean − the reference's mean, Welch interval.
    pub mean_difference: Est,
    /// Welch's t test of equal means.
    pub welch: Option<TwoSample>,
    /// Mean / the reference's mean.
    pub mean_ratio: Est,
    /// Cohen's d with the pooled SD.
    pub smd: Option<f64>,
    /// Kolmogorov–Smirnov distance to the reference's distribution and its
    /// asymptotic p-value.
    pub ks: Option<TwoSample>,
    /// With a true value: MAE, MSE, RMSE, mean signed error.
    pub errors: Option<[f64; 4]>,
}

/// One attribute's numeric outcome.
#[derive(Clone, Debug)]
pub struct NumericAttribute {
    /// "race", or "sex & race".
    pub name: String,
    /// Every group, in the binary audit's order.
    pub groups: Vec<NumericGroup>,
    /// Largest group MSE and MAE (Fairlearn's bounded group loss), with the group.
    pub bounded_group_loss: Option<[(f64, String); 2]>,
}

/// The numeric outcome of an audit.
#[derive(Clone, Debug)]
pub struct NumericAudit {
    /// The value column.
    pub column: String,
    /// The true-value column, if any.
    pub truth: Option<String>,
    /// Every attribute and intersection.
    pub attributes: Vec<NumericAttribute>,
}

/// Mean, variance (ddof 1, reliability weights) and Kish's effective n.
fn moments(c: &ValueCell) -> Option<(f64, Option<f64>, f64)> {
    if c.n == 0 || c.w <= 0.0 {
        return None;
    }
    let mean = c.sum / c.w;
    let n_eff = c.w * c.w / c.w2;
    // Σw(x−m)² / (Σw − Σw²/Σw): for unit weights, the sample variance.
    let denom = c.w - c.w2 / c.w;
    let var = (denom > 0.0).then(|| ((c.sum2 - c.sum * mean) / denom).max(0.0));
    Some((mean, var, n_eff))
}

fn t_quantile(df: f64, level: f64) -> Option<f64> {
    stats::t_isf(df, (1.0 - level) / 2.0)
}

/// Welch's test of group vs reference: (difference, interval, test).
fn welch(g: (f64, f64, f64), r: (f64, f64, f64), level: f64) -> Option<(f64, Ci, TwoSample)> {
    let (mg, vg, ng) = g;
    let (mr, vr, nr) = r;
    let (a, b) = (vg / ng, vr / nr);
    let se = (a + b).sqrt();
    if se.is_nan() || se <= 0.0 || ng < 2.0 || nr < 2.0 {
        return None;
    }
    let df = (a + b).powi(2) / (a * a / (ng - 1.0) + b * b / (nr - 1.0));
    let d = mg - mr;
    let t = d / se;
    let p = (2.0 * stats::t_sf(df, t.abs())?).min(1.0);
    let ci = t_quantile(df, level).map(|q| (d - q * se, d + q * se));
    Some((
        d,
        ci,
        TwoSample {
            statistic: t,
            df,
            p_value: p,
        },
    ))
}

/// Asymptotic Kolmogorov p-value of distance `d` at effective size `en`
/// (with Stephens' small-sample correction).
fn ks_p(d: f64, en: f64) -> f64 {
    let s = en.sqrt();
    let lambda = (s + 0.12 + 0.11 / s) * d;
    if lambda < 1e-3 {
        return 1.0;
    }
    let mut sum = 0.0;
    for k in 1..=100 {
        let k = k as f64;
        let term = 2.0 * (-1f64).powf(k - 1.0) * (-2.0 * k * k * lambda * lambda).exp();
        sum += term;
        if term.abs() < 1e-12 {
            break;
        }
    }
    sum.clamp(0.0, 1.0)
}

type Sketch = std::collections::BTreeMap<i32, f64>;

fn group(
    name: String,
    c: (&ValueCell, &Sketch),
    reference: Option<(&ValueCell, &Sketch)>,
    is_reference: bool,
    level: f64,
) -> NumericGroup {
    let (c, c_sketch) = c;
    let (reference, r_sketch) = match reference {
        Some((r, s)) => (Some(r), Some(s)),
        None => (None, None),
    };
    let m = moments(c);
    let mean: Est = match m {
        Some((mean, Some(var), n_eff)) if n_eff > 1.0 => {
            let half = t_quantile(n_eff - 1.0, level).map(|q| q * (var / n_eff).sqrt());
            Ok((mean, half.map(|h| (mean - h, mean + h))))
        }
        Some((mean, _, _)) => Ok((mean, None)),
        None => Err("no row with a value".into()),
    };
    let rm = reference.and_then(moments);
    let both = match (m, rm) {
        (Some((mg, Some(vg), ng)), Some((mr, Some(vr), nr))) => Some(((mg, vg, ng), (mr, vr, nr))),
        _ => None,
    };
    let w = both.and_then(|(g, r)| welch(g, r, level));
    let no_ref = || {
        if reference.is_none() {
            "no reference group".to_string()
        } else {
            "fewer than two rows in the group or the reference, or no variance".into()
        }
    };
    let mean_difference: Est = match &w {
        Some((d, ci, _)) => Ok((*d, *ci)),
        None => Err(no_ref()),
    };
    let mean_ratio: Est = match both {
        Some(((mg, vg, ng), (mr, vr, nr))) if mg > 0.0 && mr > 0.0 => {
            let ratio = mg / mr;
            let se = (vg / (ng * mg * mg) + vr / (nr * mr * mr)).sqrt();
            let z = stats::z_crit(level);
            Ok((
                ratio,
                Some((ratio * (-z * se).exp(), ratio * (z * se).exp())),
            ))
        }
        Some(_) => Err("a mean is zero or negative: the ratio is not meaningful".into()),
        None => Err(no_ref()),
    };
    let smd = both.and_then(|((mg, vg, ng), (mr, vr, nr))| {
        let pooled = (((ng - 1.0) * vg + (nr - 1.0) * vr) / (ng + nr - 2.0)).sqrt();
        (pooled > 0.0).then(|| (mg - mr) / pooled)
    });
    let ks = reference.zip(r_sketch).and_then(|(r, rs)| {
        let d = sketch::ks_distance(c_sketch, rs)?;
        let (ng, nr) = (c.n as f64, r.n as f64);
        let en = ng * nr / (ng + nr);
        Some(TwoSample {
            statistic: d,
            df: en,
            p_value: ks_p(d, en),
        })
    });
    let errors = (c.err_n > 0 && c.err_w > 0.0).then(|| {
        let mse = c.err_sum2 / c.err_w;
        [c.err_abs / c.err_w, mse, mse.sqrt(), c.err_sum / c.err_w]
    });
    NumericGroup {
        group: name,
        is_reference,
        n: c.n,
        effective_n: m.map_or(0.0, |x| x.2),
        sd: m.and_then(|x| x.1).map(f64::sqrt),
        quantiles: [0.1, 0.5, 0.9].map(|q| sketch::quantile(c_sketch, q)),
        mean,
        mean_difference,
        welch: w.map(|x| x.2),
        mean_ratio,
        smd,
        ks,
        errors,
    }
}

/// The numeric outcome of counts with value statistics; `None` without `--value`.
pub fn audit(
    spec: &AuditSpec,
    counts: &Counts,
    attributes: &[AttributeAudit],
) -> Option<NumericAudit> {
    let (vc, v) = (counts.values.as_ref()?, spec.value.as_ref()?);
    let level = spec.stats.ci_level;
    let sets = attribute_sets(counts.n_protected(), spec.intersect);
    let attributes = sets
        .iter()
        .zip(attributes)
        .map(|(members, a)| {
            let table = vc.rollup(members);
            let sketches = vc.sketch_rollup(members);
            let empty = Sketch::new();
            let sk = |k: &Vec<crate::counts::GroupValue>| sketches.get(k).unwrap_or(&empty);
            let reference = a
                .groups
                .iter()
                .find(|g| g.is_reference)
                .and_then(|g| table.get(&g.group.key).map(|c| (c, sk(&g.group.key))));
            let groups: Vec<NumericGroup> = a
                .groups
                .iter()
                .map(|g| {
                    let cell = table.get(&g.group.key).cloned().unwrap_or_default();
                    let r = if g.is_reference { None } else { reference };
                    group(
                        group_name(&g.group.key),
                        (&cell, sk(&g.group.key)),
                        r,
                        g.is_reference,
                        level,
                    )
                })
                .collect();
            // Over the groups large enough to judge (the audit's rule): a
            // group of a few rows would name itself the worst by chance.
            let total: u64 = groups.iter().map(|g| g.n).sum();
            let judged = |g: &&NumericGroup| {
                super::attribute::size_status(g.n, total.max(1) as f64, &spec.stats).is_ok()
            };
            let worst = |k: usize| {
                groups
                    .iter()
                    .filter(judged)
                    .filter_map(|g| g.errors.map(|e| (e[k], g.group.clone())))
                    // Within rounding (1e-12 relative) the first group keeps
                    // it: the order the sums were added in must not choose.
                    .fold(None, |best: Option<(f64, String)>, c| match best {
                        Some(b) if c.0 <= b.0 + 1e-12 * b.0.abs() => Some(b),
                        _ => Some(c),
                    })
            };
            let bounded_group_loss = match (worst(1), worst(0)) {
                (Some(mse), Some(mae)) => Some([mse, mae]),
                _ => None,
            };
            NumericAttribute {
                name: a.name.clone(),
                groups,
                bounded_group_loss,
            }
        })
        .collect();
    Some(NumericAudit {
        column: v.column.clone(),
        truth: v.truth.clone(),
        attributes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kolmogorov_p_values() {
        // Against SciPy's `special.kolmogorov` at Stephens' λ
        // (fixtures/stats-reference.json, scripts/stats-reference/gen.py).
        let r: serde_json::Value =
            serde_json::from_str(include_str!("../../fixtures/stats-reference.json")).unwrap();
        let cases = r["ks_p"].as_array().unwrap();
        assert_eq!(cases.len(), 10);
        for c in cases {
            let f = |k: &str| c[k].as_f64().unwrap();
            let (got, want) = (ks_p(f("d"), f("en")), f("p"));
            assert!(
                (got - want).abs() <= 1e-10 * want,
                "{c}: got {got}, want {want}"
            );
        }
        assert_eq!(ks_p(0.0, 100.0), 1.0);
    }
}
