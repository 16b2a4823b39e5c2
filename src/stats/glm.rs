//! Regression on grouped data: logistic regression of a binary decision
//! fitted by iteratively reweighted least squares on cells (successes y of
//! n trials per row of the design), and weighted least squares on cell
//! means — the same estimates, standard errors and likelihood-ratio
//! statistics as a fit on the rows, from the small table of cells. Dense and
//! small (a few dozen columns): a Cholesky decomposition that drops a column
//! collinear with the ones before it, and says which.

use ndarray::{Array1, Array2};

/// A fitted model.
#[derive(Clone, Debug)]
pub struct Fit {
    /// Coefficients of the kept columns (dropped columns: NaN).
    pub beta: Vec<f64>,
    /// Their covariance (dropped rows and columns: NaN).
    pub cov: Array2<f64>,
    /// Logistic: the deviance against the cell-saturated model; least
    /// squares: the residual sum of squares.
    pub deviance: f64,
    /// Logistic: Σ log-likelihood; least squares: the residual degrees of freedom.
    pub extra: f64,
    /// IRLS iterations (least squares: 1).
    pub iterations: usize,
    /// Whether IRLS converged.
    pub converged: bool,
    /// Columns dropped as collinear with earlier ones.
    pub dropped: Vec<usize>,
}

/// Pivoted Cholesky of a symmetric positive semi-definite matrix: columns
/// whose pivot falls below `tol` times their diagonal are dropped (collinear
/// with earlier columns). Returns the factor and the dropped columns.
fn cholesky(a: &Array2<f64>) -> (Array2<f64>, Vec<usize>) {
    let p = a.nrows();
    let mut l = Array2::<f64>::zeros((p, p));
    let mut dropped = vec![];
    for j in 0..p {
        let mut d = a[[j, j]];
        for k in 0..j {
            d -= l[[j, k]] * l[[j, k]];
        }
        if a[[j, j]] <= 0.0 || d <= 1e-10 * a[[j, j]] {
            dropped.push(j);
            continue;
        }
        let djj = d.sqrt();
        l[[j, j]] = djj;
        for i in j + 1..p {
            let mut s = a[[i, j]];
            for k in 0..j {
                s -= l[[i, k]] * l[[j, k]];
            }
            l[[i, j]] = s / djj;
        }
    }
    (l, dropped)
}

/// Solves and inverts a symmetric positive definite system over the kept
/// columns; dropped ones get NaN.
fn solve(a: &Array2<f64>, b: &Array1<f64>) -> (Array1<f64>, Array2<f64>, Vec<usize>) {
    let p = a.nrows();
    let (l0, dropped) = cholesky(a);
    let keep: Vec<usize> = (0..p).filter(|j| !dropped.contains(j)).collect();
    let q = keep.len();
    let sub = Array2::from_shape_fn((q, q), |(i, j)| a[[keep[i], keep[j]]]);
    let (l, _) = cholesky(&sub);
    let _ = l0;
    // Forward and back substitution for each right-hand side.
    let solve_vec = |rhs: &Array1<f64>| -> Array1<f64> {
        let mut y = Array1::<f64>::zeros(q);
        for i in 0..q {
            let mut s = rhs[i];
            for k in 0..i {
                s -= l[[i, k]] * y[k];
            }
            y[i] = s / l[[i, i]];
        }
        let mut x = Array1::<f64>::zeros(q);
        for i in (0..q).rev() {
            let mut s = y[i];
            for k in i + 1..q {
                s -= l[[k, i]] * x[k];
            }
            x[i] = s / l[[i, i]];
        }
        x
    };
    let bq = Array1::from_shape_fn(q, |i| b[keep[i]]);
    let xq = solve_vec(&bq);
    let mut inv_q = Array2::<f64>::zeros((q, q));
    for j in 0..q {
        let mut e = Array1::<f64>::zeros(q);
        e[j] = 1.0;
        let col = solve_vec(&e);
        for i in 0..q {
            inv_q[[i, j]] = col[i];
        }
    }
    let mut x = Array1::from_elem(p, f64::NAN);
    let mut inv = Array2::from_elem((p, p), f64::NAN);
    for (i, &ki) in keep.iter().enumerate() {
        x[ki] = xq[i];
        for (j, &kj) in keep.iter().enumerate() {
            inv[[ki, kj]] = inv_q[[i, j]];
        }
    }
    (x, inv, dropped)
}

/// X'WX and X'Wz over the kept columns.
fn normal_equations(x: &Array2<f64>, w: &[f64], z: &[f64]) -> (Array2<f64>, Array1<f64>) {
    let (r, p) = x.dim();
    let mut a = Array2::<f64>::zeros((p, p));
    let mut b = Array1::<f64>::zeros(p);
    for i in 0..r {
        if w[i] == 0.0 {
            continue;
        }
        for j in 0..p {
            let xij = x[[i, j]];
            if xij == 0.0 {
                continue;
            }
            b[j] += w[i] * xij * z[i];
            for k in j..p {
                a[[j, k]] += w[i] * xij * x[[i, k]];
            }
        }
    }
    for j in 0..p {
        for k in 0..j {
            a[[j, k]] = a[[k, j]];
        }
    }
    (a, b)
}

fn xlogy(x: f64, y: f64) -> f64 {
    if x == 0.0 {
        0.0
    } else {
        x * y.ln()
    }
}

/// Binomial deviance (against the cell-saturated model) and log-likelihood.
fn binomial_fit_stats(y: &[f64], n: &[f64], mu: &[f64]) -> (f64, f64) {
    let (mut dev, mut ll) = (0.0, 0.0);
    for i in 0..y.len() {
        let (yi, ni, p) = (y[i], n[i], mu[i]);
        dev += 2.0 * (xlogy(yi, yi / (ni * p)) + xlogy(ni - yi, (ni - yi) / (ni * (1.0 - p))));
        ll += xlogy(yi, p) + xlogy(ni - yi, 1.0 - p) + ln_binom(ni, yi);
    }
    (dev, ll)
}

fn ln_binom(n: f64, k: f64) -> f64 {
    statrs::function::gamma::ln_gamma(n + 1.0)
        - statrs::function::gamma::ln_gamma(k + 1.0)
        - statrs::function::gamma::ln_gamma(n - k + 1.0)
}

/// Logistic regression of `y` successes of `n` trials on the rows of `x`.
pub fn logistic(x: &Array2<f64>, y: &[f64], n: &[f64]) -> Fit {
    let (r, p) = x.dim();
    let mut beta = Array1::<f64>::zeros(p);
    // Start from the empirical logits, as statsmodels does.
    let mut eta: Vec<f64> = (0..r)
        .map(|i| {
            let m = (y[i] + 0.5) / (n[i] + 1.0);
            (m / (1.0 - m)).ln()
        })
        .collect();
    let mut dev_old = f64::INFINITY;
    let mut iterations = 0;
    let mut converged = false;
    let mut mu = vec![0.5; r];
    for it in 1..=100 {
        iterations = it;
        let mut w = vec![0.0; r];
        let mut z = vec![0.0; r];
        for i in 0..r {
            let m = 1.0 / (1.0 + (-eta[i]).exp());
            let v = (m * (1.0 - m)).max(1e-300);
            w[i] = n[i] * v;
            z[i] = eta[i] + (y[i] - n[i] * m) / (n[i] * v);
        }
        let (a, b) = normal_equations(x, &w, &z);
        let (bnew, _, _) = solve(&a, &b);
        beta = bnew.mapv(|v| if v.is_nan() { 0.0 } else { v });
        for i in 0..r {
            eta[i] = (0..p).map(|j| x[[i, j]] * beta[j]).sum();
            mu[i] = 1.0 / (1.0 + (-eta[i]).exp());
        }
        let (dev, _) = binomial_fit_stats(y, n, &mu);
        if (dev_old - dev).abs() <= 1e-12 * (dev.abs() + 0.1) {
            converged = true;
            break;
        }
        dev_old = dev;
    }
    // The covariance at the final estimates (as statsmodels reports it).
    let w: Vec<f64> = (0..r)
        .map(|i| n[i] * (mu[i] * (1.0 - mu[i])).max(1e-300))
        .collect();
    let (a, _) = normal_equations(x, &w, &eta);
    let (_, cov, dropped) = solve(&a, &ndarray::Array1::zeros(p));
    let (deviance, ll) = binomial_fit_stats(y, n, &mu);
    let beta: Vec<f64> = (0..p)
        .map(|j| {
            if dropped.contains(&j) {
                f64::NAN
            } else {
                beta[j]
            }
        })
        .collect();
    Fit {
        beta,
        cov,
        deviance,
        extra: ll,
        iterations,
        converged,
        dropped,
    }
}

/// Weighted least squares on cell means: `w` rows (weights) per cell, cell
/// sums `s` = Σy and sums of squares `q` = Σy². The residual sum of squares
/// is exact: Σq − β'X'S.
pub fn least_squares(x: &Array2<f64>, w: &[f64], s: &[f64], q: &[f64], rows: f64) -> Fit {
    let (r, p) = x.dim();
    let means: Vec<f64> = (0..r)
        .map(|i| if w[i] > 0.0 { s[i] / w[i] } else { 0.0 })
        .collect();
    let (a, b) = normal_equations(x, w, &means);
    let (beta, inv, dropped) = solve(&a, &b);
    let kept = p - dropped.len();
    let bz = beta.mapv(|v| if v.is_nan() { 0.0 } else { v });
    let rss = (q.iter().sum::<f64>() - bz.dot(&b)).max(0.0);
    let df = rows - kept as f64;
    let sigma2 = if df > 0.0 { rss / df } else { f64::NAN };
    Fit {
        beta: beta.to_vec(),
        cov: inv.mapv(|v| v * sigma2),
        deviance: rss,
        extra: df,
        iterations: 1,
        converged: true,
        dropped,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collinear_columns_are_dropped_and_the_rest_solved() {
        // y = 1 + 2 a; column 3 duplicates column 2.
        let x = ndarray::arr2(&[[1.0, 0.0, 0.0], [1.0, 1.0, 1.0], [1.0, 2.0, 2.0]]);
        let w = [1.0, 1.0, 1.0];
        let s = [1.0, 3.0, 5.0];
        let q = [1.0, 9.0, 25.0];
        let f = least_squares(&x, &w, &s, &q, 3.0);
        assert_eq!(f.dropped, vec![2]);
        assert!((f.beta[0] - 1.0).abs() < 1e-12 && (f.beta[1] - 2.0).abs() < 1e-12);
        assert!(f.beta[2].is_nan());
        assert!(f.deviance.abs() < 1e-9);
    }

    #[test]
    fn logistic_on_one_binary_covariate_is_the_log_odds_ratio() {
        // 2×2: group 0: 30/100 successes; group 1: 60/100.
        let x = ndarray::arr2(&[[1.0, 0.0], [1.0, 1.0]]);
        let f = logistic(&x, &[30.0, 60.0], &[100.0, 100.0]);
        let or = (60.0 / 40.0) / (30.0 / 70.0);
        assert!(f.converged);
        assert!((f.beta[1] - f64::ln(or)).abs() < 1e-9, "{:?}", f.beta);
        let se = (1.0 / 30.0 + 1.0 / 70.0 + 1.0 / 60.0 + 1.0 / 40.0f64).sqrt();
        assert!((f.cov[[1, 1]].sqrt() - se).abs() < 1e-9);
    }
}
