//! Percentile-bootstrap intervals for the per-attribute summaries (max − min
//! and min / max over groups have no closed-form interval).
//!
//! Each replicate resamples the **counts table**, not the rows: one multinomial
//! draw of the total row count over the (finest cell × outcome) slots, with
//! probabilities proportional to their row counts, done as a chain of
//! conditional binomial draws. The cost is O(slots) per replicate whatever the
//! number of rows. With weights, every resampled row carries the mean weight of
//! its slot. Replicates run in parallel (rayon), each with its own generator
//! seeded from `seed` and the replicate number, so results do not depend on
//! thread scheduling.

use rand::rngs::StdRng;
use rand::SeedableRng;
use rand_distr::{Binomial, Distribution};
use rayon::prelude::*;

use crate::counts::{Cell, Counts};
use crate::metrics::{summary_values, Rates};
use crate::spec::Favorable;

/// How one attribute's groups are formed from the finest cells.
#[derive(Clone, Debug)]
pub struct AttributePlan {
    /// For each finest cell (in `Counts::cells` order), its group's index.
    pub cell_to_group: Vec<usize>,
    /// Number of groups.
    pub n_groups: usize,
    /// Groups that enter the summaries.
    pub included: Vec<bool>,
    /// The reference group, or `None` for the whole data set.
    pub ref_index: Option<usize>,
}

/// One (cell, outcome) slot of the counts table.
struct Slot {
    cell: usize,
    outcome: usize,
    rows: u64,
    mean_w: f64,
    mean_w2: f64,
}

/// Summary values of every replicate: `[attribute][summary]` → the replicate
/// values that were defined, and how many replicates had it undefined.
pub struct Replicates {
    /// `[attribute][summary]`: the replicate values that were defined.
    pub values: Vec<Vec<Vec<f64>>>,
    /// `[attribute][summary]`: replicates in which the summary was undefined.
    pub undefined: Vec<Vec<usize>>,
}

fn slots(counts: &Counts) -> Vec<Slot> {
    let mut v = vec![];
    for (ci, c) in counts.cells.values().enumerate() {
        for o in 0..4 {
            if c.n[o] > 0 {
                let n = c.n[o] as f64;
                v.push(Slot {
                    cell: ci,
                    outcome: o,
                    rows: c.n[o],
                    mean_w: c.w[o] / n,
                    mean_w2: c.w2[o] / n,
                });
            }
        }
    }
    v
}

/// One multinomial draw of `total` rows over the slots, as conditional
/// binomials: slot k gets Binomial(rows still to place, n_k / rows of slots
/// k and after).
fn draw(slots: &[Slot], total: u64, n_cells: usize, rng: &mut StdRng) -> Vec<Cell> {
    let mut cells = vec![Cell::default(); n_cells];
    let mut remaining = total;
    let mut rows_left = total;
    for s in slots {
        if remaining == 0 {
            break;
        }
        let x = if s.rows >= rows_left {
            remaining
        } else {
            let p = s.rows as f64 / rows_left as f64;
            Binomial::new(remaining, p)
                .map(|b| b.sample(rng))
                .unwrap_or(0)
        };
        rows_left -= s.rows;
        remaining -= x;
        let c = &mut cells[s.cell];
        c.n[s.outcome] += x;
        c.w[s.outcome] += x as f64 * s.mean_w;
        c.w2[s.outcome] += x as f64 * s.mean_w2;
    }
    cells
}

/// Runs `replicates` bootstrap replicates and returns the summaries of each.
pub fn run(
    counts: &Counts,
    plans: &[AttributePlan],
    replicates: usize,
    seed: u64,
    favorable: Favorable,
) -> Replicates {
    let slots = slots(counts);
    let total: u64 = slots.iter().map(|s| s.rows).sum();
    let n_cells = counts.cells.len();

    let per_rep: Vec<Vec<[Option<f64>; 8]>> = (0..replicates)
        .into_par_iter()
        .map(|r| {
            let mut rng =
                StdRng::seed_from_u64(seed ^ (r as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let cells = draw(&slots, total, n_cells, &mut rng);
            plans
                .iter()
                .map(|plan| {
                    let mut groups = vec![Cell::default(); plan.n_groups];
                    let mut overall = Cell::default();
                    for (ci, c) in cells.iter().enumerate() {
                        groups[plan.cell_to_group[ci]].add(c);
                        overall.add(c);
                    }
                    let rates: Vec<Rates> = groups.iter().map(Rates::of).collect();
                    let ref_rates = match plan.ref_index {
                        Some(i) => rates[i].clone(),
                        None => Rates::of(&overall),
                    };
                    let refs: Vec<&Rates> = rates.iter().collect();
                    summary_values(&refs, &plan.included, &ref_rates, plan.ref_index, favorable)
                        .map(|(v, _)| v)
                })
                .collect()
        })
        .collect();

    let mut values: Vec<Vec<Vec<f64>>> = (0..plans.len())
        .map(|_| (0..8).map(|_| Vec::with_capacity(replicates)).collect())
        .collect();
    let mut undefined = vec![vec![0usize; 8]; plans.len()];
    for rep in per_rep {
        for (a, sums) in rep.into_iter().enumerate() {
            for (k, v) in sums.into_iter().enumerate() {
                match v {
                    Some(x) => values[a][k].push(x),
                    None => undefined[a][k] += 1,
                }
            }
        }
    }
    Replicates { values, undefined }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counts::Outcome;

    fn counts() -> Counts {
        let mut c = Counts::new(vec!["g".into()], false);
        let mut a = Cell::default();
        a.record(Outcome::Tp, 300, 300.0, 300.0);
        a.record(Outcome::Tn, 700, 700.0, 700.0);
        let mut b = Cell::default();
        b.record(Outcome::Tp, 500, 500.0, 500.0);
        b.record(Outcome::Tn, 500, 500.0, 500.0);
        c.cells.insert(vec![Some("a".into())], a);
        c.cells.insert(vec![Some("b".into())], b);
        c
    }

    fn plan() -> AttributePlan {
        AttributePlan {
            cell_to_group: vec![0, 1],
            n_groups: 2,
            included: vec![true, true],
            ref_index: Some(1),
        }
    }

    #[test]
    fn replicates_are_reproducible_and_centered() {
        let c = counts();
        let r1 = run(&c, &[plan()], 400, 7, Favorable::Positive);
        let r2 = run(&c, &[plan()], 400, 7, Favorable::Positive);
        assert_eq!(r1.values, r2.values);
        let dpd = &r1.values[0][0];
        assert_eq!(dpd.len(), 400);
        let mean = dpd.iter().sum::<f64>() / dpd.len() as f64;
        // True difference 0.2; the standard error is about 0.021.
        assert!((mean - 0.2).abs() < 0.01, "mean {mean}");
        let sd = (dpd.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 399.0).sqrt();
        let se = (0.3 * 0.7 / 1000.0 + 0.25 / 1000.0f64).sqrt();
        assert!((sd - se).abs() < 0.005, "sd {sd} vs {se}");
        let r3 = run(&c, &[plan()], 400, 8, Favorable::Positive);
        assert_ne!(r1.values, r3.values);
    }

    #[test]
    fn a_draw_places_every_row_and_follows_the_slot_shares() {
        let c = counts();
        let s = slots(&c);
        let mut rng = StdRng::seed_from_u64(3);
        let mut tp_a = 0u64;
        for _ in 0..200 {
            let cells = draw(&s, 2000, 2, &mut rng);
            let placed: u64 = cells.iter().map(Cell::rows).sum();
            assert_eq!(placed, 2000);
            // Slots absent from the data stay empty.
            assert_eq!(cells[0].n[Outcome::Fp as usize], 0);
            tp_a += cells[0].n[Outcome::Tp as usize];
        }
        // Expected 300 per draw.
        let mean = tp_a as f64 / 200.0;
        assert!((mean - 300.0).abs() < 3.0, "mean {mean}");
    }
}
