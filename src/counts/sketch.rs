//! A relative-error sketch of a numeric distribution (the DDSketch idea): a
//! value x with |x| ≥ 10⁻⁹ falls in bucket sign(x)·(⌈ln|x| / ln γ⌉ + 2000),
//! smaller values in bucket 0, with γ = 1.02. Buckets sort in value order,
//! merge by adding, and every value of a bucket lies within ±1% of the
//! bucket's representative 2γⁱ/(γ + 1) — so quantiles read from the sketch
//! are within 1% of a value of the data at that rank, and the
//! Kolmogorov–Smirnov distance is taken at bucket edges (documented in
//! docs/metrics.md). The scan computes the bucket with the same expression.

use std::collections::BTreeMap;

/// The ratio between consecutive bucket edges.
pub const GAMMA: f64 = 1.02;
/// Keeps the indices of values down to 10⁻⁹ positive.
pub const OFFSET: i32 = 2000;
/// Values closer to 0 than this share bucket 0.
pub const ZERO: f64 = 1e-9;

/// The bucket of a value.
pub fn bucket(x: f64) -> i32 {
    if x.abs() < ZERO {
        return 0;
    }
    let i = (x.abs().ln() / GAMMA.ln()).ceil() as i32 + OFFSET;
    if x < 0.0 {
        -i
    } else {
        i
    }
}

/// The representative value of a bucket: within ±(γ−1)/(γ+1) ≈ 1% of any
/// value in it.
pub fn value_of(b: i32) -> f64 {
    if b == 0 {
        return 0.0;
    }
    let i = (b.abs() - OFFSET) as f64;
    let v = 2.0 * GAMMA.powf(i) / (GAMMA + 1.0);
    if b < 0 {
        -v
    } else {
        v
    }
}

/// The q-quantile (0 ≤ q ≤ 1): the representative of the bucket holding the
/// value of rank q·(W − 1) in weight order (numpy's "linear" rank, read to
/// the bucket). `None` for an empty sketch.
pub fn quantile(sketch: &BTreeMap<i32, f64>, q: f64) -> Option<f64> {
    let total: f64 = sketch.values().sum();
    if total <= 0.0 {
        return None;
    }
    let rank = q.clamp(0.0, 1.0) * (total - 1.0).max(0.0);
    let mut cum = 0.0;
    for (b, w) in sketch {
        cum += w;
        if cum > rank {
            return Some(value_of(*b));
        }
    }
    sketch.keys().next_back().map(|b| value_of(*b))
}

/// The largest distance between the two distributions' CDFs, at every bucket
/// edge. `None` when either is empty.
pub fn ks_distance(a: &BTreeMap<i32, f64>, b: &BTreeMap<i32, f64>) -> Option<f64> {
    let (ta, tb): (f64, f64) = (a.values().sum(), b.values().sum());
    if ta <= 0.0 || tb <= 0.0 {
        return None;
    }
    let mut keys: Vec<i32> = a.keys().chain(b.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    let (mut ca, mut cb, mut d) = (0.0, 0.0, 0.0f64);
    for k in keys {
        ca += a.get(&k).copied().unwrap_or(0.0);
        cb += b.get(&k).copied().unwrap_or(0.0);
        d = d.max((ca / ta - cb / tb).abs());
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_sort_in_value_order_within_one_percent() {
        let xs = [
            -1e6, -3.5, -1.0, -0.01, 0.0, 1e-12, 0.003, 0.5, 1.0, 2.0, 1234.5, 9e9,
        ];
        let bs: Vec<i32> = xs.iter().map(|x| bucket(*x)).collect();
        assert!(bs.windows(2).all(|w| w[0] <= w[1]), "{bs:?}");
        for x in xs {
            let v = value_of(bucket(x));
            if x.abs() >= ZERO {
                assert!((v - x).abs() <= 0.0100001 * x.abs(), "{x} → {v}");
            } else {
                assert_eq!(v, 0.0);
            }
        }
    }

    #[test]
    fn quantiles_and_ks_on_known_samples() {
        let mut s = BTreeMap::new();
        for i in 1..=1000 {
            *s.entry(bucket(i as f64)).or_insert(0.0) += 1.0;
        }
        let med = quantile(&s, 0.5).unwrap();
        assert!((med - 500.5).abs() <= 0.011 * 500.5, "{med}");
        assert!((quantile(&s, 0.0).unwrap() - 1.0).abs() < 0.011);
        let mut t = BTreeMap::new();
        for i in 501..=1500 {
            *t.entry(bucket(i as f64)).or_insert(0.0) += 1.0;
        }
        let d = ks_distance(&s, &t).unwrap();
        assert!((d - 0.5).abs() < 0.01, "{d}");
        assert_eq!(ks_distance(&s, &s), Some(0.0));
    }
}
