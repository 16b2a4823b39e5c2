//! A deterministic generator of synthetic loan decisions, for benchmarks and
//! reproducible figures (`examples/synth.rs` writes files with it).
//!
//! Columns: `sex` (2 groups), `race` (5, imbalanced), `age_band` (4), `y_true`
//! (1 = repaid), `score` (the model's probability of repayment), `y_pred`
//! (score >= 0.5). `bias` scales a built-in penalty on the scores of some
//! groups (female, black, hispanic, 18-25), so the data hold real disparities.

use polars::prelude::*;
use rand::rngs::StdRng;
use rand::RngExt;
use rand_distr::{Distribution, StandardNormal};

pub use rand::SeedableRng;

/// Picks an index by cumulative weights.
fn pick(u: f64, weights: &[f64]) -> usize {
    let mut acc = 0.0;
    for (i, w) in weights.iter().enumerate() {
        acc += w;
        if u < acc {
            return i;
        }
    }
    weights.len() - 1
}

const SEX: [&str; 2] = ["female", "male"];
const SEX_W: [f64; 2] = [0.45, 0.55];
const SEX_PENALTY: [f64; 2] = [0.25, 0.0];
const RACE: [&str; 5] = ["white", "black", "hispanic", "asian", "other"];
const RACE_W: [f64; 5] = [0.60, 0.15, 0.15, 0.06, 0.04];
const RACE_PENALTY: [f64; 5] = [0.0, 0.45, 0.30, 0.0, 0.10];
const AGE: [&str; 4] = ["18-25", "26-40", "41-60", "60+"];
const AGE_W: [f64; 4] = [0.15, 0.40, 0.33, 0.12];
const AGE_PENALTY: [f64; 4] = [0.35, 0.0, 0.0, 0.1];

/// `n` rows drawn with `rng`.
pub fn batch(rng: &mut StdRng, n: usize, bias: f64) -> DataFrame {
    let mut sex = Vec::with_capacity(n);
    let mut race = Vec::with_capacity(n);
    let mut age = Vec::with_capacity(n);
    let mut y_true = Vec::with_capacity(n);
    let mut y_pred = Vec::with_capacity(n);
    let mut score = Vec::with_capacity(n);
    for _ in 0..n {
        let s = pick(rng.random::<f64>(), &SEX_W);
        let r = pick(rng.random::<f64>(), &RACE_W);
        let a = pick(rng.random::<f64>(), &AGE_W);
        // Latent creditworthiness; the outcome follows it, the model sees it
        // with noise and with a group penalty (the built-in bias).
        let z: f64 = StandardNormal.sample(rng);
        let latent = 0.6 + z;
        let repaid = rng.random::<f64>() < 1.0 / (1.0 + (-1.5 * latent).exp());
        let noise: f64 = StandardNormal.sample(rng);
        let logit =
            1.2 * latent + 0.5 * noise - bias * (SEX_PENALTY[s] + RACE_PENALTY[r] + AGE_PENALTY[a]);
        let p = 1.0 / (1.0 + (-logit).exp());
        let p = (p * 1e6).round() / 1e6;
        sex.push(SEX[s]);
        race.push(RACE[r]);
        age.push(AGE[a]);
        y_true.push(repaid as i8);
        y_pred.push((p >= 0.5) as i8);
        score.push(p);
    }
    DataFrame::new(
        n,
        vec![
            Column::new("sex".into(), sex),
            Column::new("race".into(), race),
            Column::new("age_band".into(), age),
            Column::new("y_true".into(), y_true),
            Column::new("score".into(), score),
            Column::new("y_pred".into(), y_pred),
        ],
    )
    .expect("columns of equal length")
}
