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
    Buckets::get().bucket(x)
}

/// The bucket index ⌈ln a / ln γ⌉ of a ≥ 10⁻⁹ as the formula computes it
/// (the definition; the SQL pushdown computes the same expression).
fn formula(a: f64) -> i32 {
    (a.ln() / GAMMA.ln()).ceil() as i32
}

/// Tables that give [`bucket`] without a logarithm for 2⁻³⁰ ≤ |x| < 2⁵⁰ and
/// the formula's result for every value: a value is given index k only when
/// it lies inside k's interval (γᵏ⁻¹, γᵏ] with a margin of 10⁻⁹ of itself at
/// either end, where the formula's rounding (below 10⁻¹² of an index) cannot
/// reach another index; the few values within the margin, and all values
/// outside the tables' range, take the formula. Why: one logarithm per row
/// was a fifth of a numeric audit's time.
pub struct Buckets {
    /// Per 1/64 of each binade: the index at its start (a binade's 64th spans
    /// 0.78 of an index, so its values have this index or the next).
    seg: Vec<i32>,
    /// Per index k (from `K_MIN`): the safe interval (lo, hi] of its values.
    safe: Vec<(f64, f64)>,
}

const E_MIN: i32 = -30;
const E_MAX: i32 = 50;
const SEG_BITS: u32 = 6;
/// Below the smallest index of the tables' range (⌈ln 2⁻³⁰ / ln γ⌉ ≥ −1051).
const K_MIN: i32 = -1060;
/// Above the largest (⌈ln 2⁵⁰ / ln γ⌉ ≤ 1751).
const K_MAX: i32 = 1760;
const MARGIN: f64 = 1e-9;

impl Buckets {
    /// The tables, built once (about 10⁴ logarithms and exponentials).
    pub fn get() -> &'static Buckets {
        static TABLES: std::sync::OnceLock<Buckets> = std::sync::OnceLock::new();
        TABLES.get_or_init(|| {
            let edge = |k: i32| ((k - 1) as f64 * GAMMA.ln()).exp();
            let safe = (K_MIN..=K_MAX)
                .map(|k| (edge(k) * (1.0 + MARGIN), edge(k + 1) * (1.0 - MARGIN)))
                .collect();
            let per = 1u64 << SEG_BITS;
            let seg = (E_MIN..E_MAX)
                .flat_map(|e| {
                    (0..per).map(move |j| {
                        let start = 2f64.powi(e) * (1.0 + j as f64 / per as f64);
                        // Near an edge the formula's index of the start may
                        // be one off: its values then take the formula.
                        formula(start)
                    })
                })
                .collect();
            Buckets { seg, safe }
        })
    }

    /// The bucket of a value (as [`bucket`]).
    #[inline]
    pub fn bucket(&self, x: f64) -> i32 {
        let a = x.abs();
        if a < ZERO {
            return 0;
        }
        let i = self.index(a).unwrap_or_else(|| formula(a)) + OFFSET;
        if x < 0.0 {
            -i
        } else {
            i
        }
    }

    /// The index of a ≥ 10⁻⁹ when the tables can say it for certain.
    #[inline]
    fn index(&self, a: f64) -> Option<i32> {
        let bits = a.to_bits();
        let e = (bits >> 52) as i32 - 1023;
        if !(E_MIN..E_MAX).contains(&e) {
            return None;
        }
        let j = ((bits >> (52 - SEG_BITS)) & ((1 << SEG_BITS) - 1)) as usize;
        let s = self.seg[((e - E_MIN) as usize) << SEG_BITS | j];
        // The segment's values have the start's index or the next: the next
        // when above the start index's safe interval (no branch to mispredict).
        let i = (s - K_MIN) as usize;
        let k = i + (a > self.safe.get(i)?.1) as usize;
        let &(lo, hi) = self.safe.get(k)?;
        (lo < a && a <= hi).then_some(k as i32 + K_MIN)
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

    /// The tables give the formula's bucket: at and around every edge of the
    /// tables' range (where a table error would show) and on a million
    /// values spread over it and beyond.
    #[test]
    fn tables_give_the_formulas_bucket() {
        let reference = |x: f64| {
            let a = x.abs();
            if a < ZERO {
                return 0;
            }
            let i = formula(a) + OFFSET;
            if x < 0.0 {
                -i
            } else {
                i
            }
        };
        let t = Buckets::get();
        // Whether the tables answered.
        let check = |x: f64| {
            assert_eq!(t.bucket(x), reference(x), "{x:e}");
            t.index(x.abs()).is_some()
        };
        for k in -1200..=1900 {
            let edge = ((k - 1) as f64 * GAMMA.ln()).exp();
            let mut x = edge;
            for _ in 0..40 {
                check(x);
                check(-x);
                x = f64::from_bits(x.to_bits() + 1);
            }
            let mut x = edge;
            for _ in 0..40 {
                x = f64::from_bits(x.to_bits() - 1);
                check(x);
            }
            for f in [1.000_000_01, 1.01, 0.999_999_99, 0.99] {
                check(edge * f);
            }
        }
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut draw = |lo: f64, hi: f64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let u = (state >> 11) as f64 / (1u64 << 53) as f64;
            10f64.powf(lo + (hi - lo) * u)
        };
        // Beyond the tables' range on both sides: the formula.
        for _ in 0..200_000 {
            check(draw(-12.0, 18.0));
        }
        // Inside it (10⁻⁸ to 10¹⁵), log-uniform: the tables answer nearly all.
        let fast = (0..1_000_000).filter(|_| check(draw(-8.0, 15.0))).count();
        assert!(fast > 999_000, "{fast}");
        for x in [
            0.0,
            -0.0,
            1e-9,
            9.99e-10,
            f64::MAX,
            f64::MIN_POSITIVE,
            1.0,
            2.0,
            0.5,
        ] {
            check(x);
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
