//! Score histograms: the sufficient statistics of a score column within a
//! cell. A score s in [0, 1] falls in bin floor(s·B + 1e-9) for B bins
//! (`--score-bins`, default 1000) of width 1/B; a score of exactly 1 has a bin
//! of its own (index B). A score within 1e-9·(1/B) below a bin edge counts in
//! the upper bin, so thresholds on the grid k/B (0.5, 0.01 steps, 1.0, …)
//! split bins exactly even where s·B is not exactly representable.

use serde::Serialize;

/// Scores of one cell, by true label (index 0: label 0, 1: label 1).
#[derive(Clone, Debug, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct ScoreHist {
    /// Rows per bin, by label.
    pub bins: [Vec<u64>; 2],
    /// Sums of scores and of squared scores, by label, in units of 1e-9
    /// (each value rounded to 1e-9 once; the sums are then exact integers, the
    /// same in any order, on any engine).
    pub sum_e9: [i128; 2],
    /// Σ score² by label, in units of 1e-9.
    pub sum2_e9: [i128; 2],
}

impl ScoreHist {
    /// A histogram of `n_bins` bins plus the bin of scores equal to 1.
    pub fn new(n_bins: usize) -> Self {
        ScoreHist {
            bins: [vec![0; n_bins + 1], vec![0; n_bins + 1]],
            sum_e9: [0; 2],
            sum2_e9: [0; 2],
        }
    }

    /// B: the number of bins of width 1/B (the slot of exact 1s excluded).
    pub fn n_bins(&self) -> usize {
        self.bins[0].len() - 1
    }

    /// Adds another histogram of the same resolution.
    pub fn add(&mut self, o: &ScoreHist) {
        for l in 0..2 {
            if self.bins[l].len() < o.bins[l].len() {
                self.bins[l].resize(o.bins[l].len(), 0);
            }
            for (a, b) in self.bins[l].iter_mut().zip(&o.bins[l]) {
                *a += b;
            }
            self.sum_e9[l] += o.sum_e9[l];
            self.sum2_e9[l] += o.sum2_e9[l];
        }
    }

    /// Rows of a label.
    pub fn count(&self, label: usize) -> u64 {
        self.bins[label].iter().sum()
    }

    /// Sum of scores of a label.
    pub fn sum(&self, label: usize) -> f64 {
        self.sum_e9[label] as f64 / 1e9
    }

    /// Sum of squared scores of a label.
    pub fn sum2(&self, label: usize) -> f64 {
        self.sum2_e9[label] as f64 / 1e9
    }
}

/// The bin of a score (B for a score of 1).
pub fn bin_of(score: f64, n_bins: usize) -> usize {
    ((score * n_bins as f64 + 1e-9).floor().max(0.0) as usize).min(n_bins)
}
