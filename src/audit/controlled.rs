//! Controlled (adjusted) disparity: does a group gap remain once legitimate
//! factors are accounted for? For each protected attribute, a logistic
//! regression of the favourable decision on the group (treatment coding
//! against the reference group) and the control factors (each categorical,
//! its first level in sort order as the base), fitted on the cells of group ×
//! control levels by IRLS; each group's adjusted odds ratio with a Wald
//! interval and test, a likelihood-ratio test of the group term, the raw
//! odds ratio (Woolf interval) beside it, and the share of the raw gap the
//! controls explain, 1 − log OR_adjusted / log OR_raw. With a numeric outcome,
//! the same design by least squares on the cell moments (exact OLS).

use std::collections::BTreeMap;

use ndarray::Array2;
use statrs::distribution::{ChiSquared, ContinuousCDF};

use crate::counts::{show, Counts, GroupValue, Outcome};
use crate::spec::{AuditSpec, Favorable};
use crate::stats::{self, glm};

use super::{AttributeAudit, Ci};

/// An estimate with its interval, or why it is undefined.
pub type Estimate = Result<(f64, Ci), String>;
/// An adjusted estimate with its p-value, or why it is undefined.
pub type Tested = Result<(f64, Ci, f64), String>;

/// One group against the reference.
#[derive(Clone, Debug)]
pub struct ControlledGroup {
    /// The group.
    pub group: String,
    /// Raw odds ratio of the favourable decision, Woolf interval.
    pub raw_odds_ratio: Estimate,
    /// Adjusted odds ratio, Wald interval, Wald p.
    pub adjusted_odds_ratio: Result<(f64, Ci, f64), String>,
    /// 1 − log OR_adjusted / log OR_raw.
    pub share_explained: Option<f64>,
    /// With a numeric outcome: the raw mean difference.
    pub raw_mean_difference: Option<f64>,
    /// With a numeric outcome: the adjusted difference (OLS coefficient), t interval, p.
    pub adjusted_mean_difference: Result<(f64, Ci, f64), String>,
}

/// One attribute's controlled analysis.
#[derive(Clone, Debug)]
pub struct ControlledAttribute {
    /// The attribute.
    pub name: String,
    /// The reference group.
    pub reference: String,
    /// Every other group.
    pub groups: Vec<ControlledGroup>,
    /// Likelihood-ratio test of the group term: statistic, df, p.
    pub lr_test: Option<(f64, usize, f64)>,
    /// Cells fitted, IRLS iterations, converged.
    pub cells: usize,
    /// IRLS iterations.
    pub iterations: usize,
    /// Whether the fit converged.
    pub converged: bool,
    /// What the reader should know: dropped collinear levels, separation, small groups.
    pub warnings: Vec<String>,
}

/// The controlled analysis of an audit.
#[derive(Clone, Debug)]
pub struct ControlledAudit {
    /// The control columns.
    pub controls: Vec<String>,
    /// Per protected attribute (intersections are not fitted).
    pub attributes: Vec<ControlledAttribute>,
}

/// Woolf's odds ratio of a 2×2 table [[a, b], [c, d]] with its interval.
fn raw_odds_ratio(t: [f64; 4], z: f64) -> Estimate {
    if t.contains(&0.0) {
        return Err("a cell of the 2×2 table is empty: the raw odds ratio is 0 or infinite".into());
    }
    let lor = (t[0] / t[1]).ln() - (t[2] / t[3]).ln();
    let se = t.iter().map(|v| 1.0 / v).sum::<f64>().sqrt();
    Ok((
        lor.exp(),
        Some(((lor - z * se).exp(), (lor + z * se).exp())),
    ))
}

/// The adjusted odds ratio exp(β) of a group's term with its Wald interval
/// and test, or why there is none.
fn adjusted_odds_ratio(
    b: f64,
    var: f64,
    separated: bool,
    z: f64,
) -> Result<(f64, Ci, f64), String> {
    if separated {
        Err(
            "every row of the group has the same decision (separation): no finite odds ratio"
                .into(),
        )
    } else if b.is_nan() || var.is_nan() {
        Err("the group's term was left out as collinear".into())
    } else if b.abs() > 20.0 {
        Err(format!(
            "the coefficient {b:.1} is implausibly large (quasi-separation)"
        ))
    } else if var.sqrt() > 10.0 {
        Err(format!(
            "the log odds ratio's standard error is {:.3e}: the controls leave almost no rows with both decisions to estimate it (quasi-separation)",
            var.sqrt()
        ))
    } else {
        let se = var.sqrt();
        let p = 2.0 * stats::student::normal_sf((b / se).abs());
        Ok((b.exp(), Some(((b - z * se).exp(), (b + z * se).exp())), p))
    }
}

/// The design: intercept, control dummies, then group dummies; one row per
/// cell. The groups come last so that a group the controls already
/// determine is the term left out as collinear (its effect cannot be told
/// apart from theirs), not a control.
struct Design {
    x: Array2<f64>,
    names: Vec<String>,
    groups: Vec<GroupValue>,
    /// The column of the first group dummy.
    first_group: usize,
}

fn design(
    cells: &[(Vec<GroupValue>, ())],
    group_levels: &[GroupValue],
    control_levels: &[Vec<GroupValue>],
    controls: &[String],
    with_groups: bool,
) -> Design {
    let mut names = vec!["intercept".to_string()];
    for (c, levels) in controls.iter().zip(control_levels) {
        for l in levels.iter().skip(1) {
            names.push(format!("{c} = {}", show(l)));
        }
    }
    let first_group = names.len();
    let groups: Vec<GroupValue> = if with_groups {
        group_levels.to_vec()
    } else {
        vec![]
    };
    for g in &groups {
        names.push(format!("group {}", show(g)));
    }
    let p = names.len();
    let mut x = Array2::<f64>::zeros((cells.len(), p));
    for (i, (key, _)) in cells.iter().enumerate() {
        x[[i, 0]] = 1.0;
        let mut col = 1;
        for (ci, levels) in control_levels.iter().enumerate() {
            for l in levels.iter().skip(1) {
                if key[1 + ci] == *l {
                    x[[i, col]] = 1.0;
                }
                col += 1;
            }
        }
        for g in &groups {
            if key[0] == *g {
                x[[i, col]] = 1.0;
            }
            col += 1;
        }
    }
    Design {
        x,
        names,
        groups,
        first_group,
    }
}

/// The most levels a control takes (a numeric control is banded with
/// `--control-bins`), and the most terms of a fit: beyond them the fit's
/// cost (cells × terms² per iteration) and its estimates both degrade.
pub const MAX_CONTROL_LEVELS: usize = 100;
/// See [`MAX_CONTROL_LEVELS`].
pub const MAX_TERMS: usize = 250;

/// Refuses controls with too many levels, before any fit.
fn check_levels(spec: &AuditSpec, counts: &Counts) -> crate::Result<()> {
    let n_keys = counts.attributes.len();
    let mut terms = 1;
    for (i, name) in (n_keys - counts.controls..n_keys).zip(&spec.controls) {
        let levels = counts.rollup(&[i]).len();
        if levels > MAX_CONTROL_LEVELS {
            let how = match counts.control_bands.get(name) {
                Some(_) => "",
                None => ": band a numeric control with --control-bins N (it bands columns read as numbers only: a text value in a numeric column makes it text)",
            };
            return Err(crate::Error::usage(format!(
                "control '{name}' has {levels} distinct values; a control takes at most {MAX_CONTROL_LEVELS}{how}, or group its levels before the audit"
            )));
        }
        terms += levels - 1;
    }
    for i in 0..counts.n_protected() {
        let t = terms + counts.rollup(&[i]).len() - 1;
        if t > MAX_TERMS {
            return Err(crate::Error::usage(format!(
                "the controlled fit of '{}' would have {t} terms (groups and control levels), more than {MAX_TERMS}: use fewer controls or coarser bands",
                counts.attributes[i]
            )));
        }
    }
    Ok(())
}

/// The analysis of one attribute, on the cells rolled up to
/// (attribute, controls...).
fn attribute(
    spec: &AuditSpec,
    counts: &Counts,
    a: &AttributeAudit,
    attr_index: usize,
) -> Option<ControlledAttribute> {
    let n_keys = counts.attributes.len();
    let control_idx: Vec<usize> = (n_keys - counts.controls..n_keys).collect();
    let mut members = vec![attr_index];
    members.extend(&control_idx);
    let table = counts.rollup(&members);
    let reference = a.groups.iter().find(|g| g.is_reference)?;
    let ref_key = reference.group.key[0].clone();
    let cells: Vec<(Vec<GroupValue>, crate::counts::Cell)> =
        table.into_iter().filter(|(_, c)| c.rows() > 0).collect();
    let fav = |c: &crate::counts::Cell| -> (f64, f64) {
        let pos = (c.n[Outcome::Tp as usize] + c.n[Outcome::Fp as usize]) as f64;
        let n = c.rows() as f64;
        match spec.favorable {
            Favorable::Positive => (pos, n),
            Favorable::Negative => (n - pos, n),
        }
    };
    let mut group_levels: Vec<GroupValue> = cells.iter().map(|(k, _)| k[0].clone()).collect();
    group_levels.sort();
    group_levels.dedup();
    group_levels.retain(|g| *g != ref_key);
    let control_levels: Vec<Vec<GroupValue>> = (0..control_idx.len())
        .map(|ci| {
            let mut v: Vec<GroupValue> = cells.iter().map(|(k, _)| k[1 + ci].clone()).collect();
            v.sort();
            v.dedup();
            v
        })
        .collect();
    let keys: Vec<(Vec<GroupValue>, ())> = cells.iter().map(|(k, _)| (k.clone(), ())).collect();
    let y: Vec<f64> = cells.iter().map(|(_, c)| fav(c).0).collect();
    let n: Vec<f64> = cells.iter().map(|(_, c)| fav(c).1).collect();
    let full = design(&keys, &group_levels, &control_levels, &spec.controls, true);
    let reduced = design(&keys, &group_levels, &control_levels, &spec.controls, false);
    let fit = glm::logistic(&full.x, &y, &n);
    let fit0 = glm::logistic(&reduced.x, &y, &n);
    let mut warnings: Vec<String> = fit
        .dropped
        .iter()
        .map(|j| {
            format!(
                "'{}' is collinear with the terms before it and was left out",
                full.names[*j]
            )
        })
        .collect();
    if !fit.converged {
        warnings.push(format!(
            "the logistic fit did not converge in {} iterations: estimates are unreliable",
            fit.iterations
        ));
    }
    // Raw 2×2 counts per group against the reference.
    let mut raw: BTreeMap<GroupValue, (f64, f64)> = BTreeMap::new();
    for ((k, _), (yi, ni)) in keys.iter().zip(y.iter().zip(&n)) {
        let e = raw.entry(k[0].clone()).or_insert((0.0, 0.0));
        e.0 += yi;
        e.1 += ni;
    }
    let (rf, rn) = raw.get(&ref_key).copied().unwrap_or((0.0, 0.0));
    let z = stats::z_crit(spec.stats.ci_level);
    let numeric = numeric_fit(
        spec,
        counts,
        &members,
        &ref_key,
        &group_levels,
        &control_levels,
    );
    let ref_determined = reference_determined(&keys, &ref_key, !group_levels.is_empty());
    let groups = full
        .groups
        .iter()
        .enumerate()
        .map(|(gi, g)| {
            let (gf, gn) = raw.get(g).copied().unwrap_or((0.0, 0.0));
            let raw_or = raw_odds_ratio([gf, gn - gf, rf, rn - rf], z);
            let j = full.first_group + gi;
            let adj = match &ref_determined {
                Some(why) => Err(why.clone()),
                None => adjusted_odds_ratio(fit.beta[j], fit.cov[[j, j]], gf == 0.0 || gf == gn, z),
            };
            let share_explained = match (&raw_or, &adj) {
                (Ok((r, _)), Ok((a, _, _))) if r.ln().abs() > 1e-12 => Some(1.0 - a.ln() / r.ln()),
                _ => None,
            };
            let (raw_mean_difference, adjusted_mean_difference) = match (&numeric, &ref_determined)
            {
                (Some(nf), Some(why)) => (nf.raw.get(gi).copied().flatten(), Err(why.clone())),
                (Some(nf), None) => (nf.raw.get(gi).copied().flatten(), nf.adjusted[gi].clone()),
                (None, _) => (None, Err("no numeric outcome".into())),
            };
            ControlledGroup {
                group: show(g).to_string(),
                raw_odds_ratio: raw_or,
                adjusted_odds_ratio: adj,
                share_explained,
                raw_mean_difference,
                adjusted_mean_difference,
            }
        })
        .collect::<Vec<_>>();
    for g in &group_levels {
        if let Some(&(gf, gn)) = raw.get(g) {
            if gf < 10.0 || gn - gf < 10.0 {
                warnings.push(format!(
                    "group {} has fewer than 10 rows with one of the decisions ({gf} favourable, {} not): its odds ratios rest on few rows",
                    show(g),
                    gn - gf
                ));
            }
        }
    }
    let df = group_levels.len()
        - fit
            .dropped
            .iter()
            .filter(|j| **j >= full.first_group)
            .count();
    let lr = match ref_determined.clone().map_or_else(
        || lr_test(&fit, &fit0, full.first_group, df, &raw, rf, rn),
        Err,
    ) {
        Ok(t) => Some(t),
        Err(why) => {
            warnings.push(format!("no likelihood-ratio test of the group term: {why}"));
            None
        }
    };
    Some(ControlledAttribute {
        name: a.name.clone(),
        reference: show(&ref_key).to_string(),
        groups,
        lr_test: lr,
        cells: keys.len(),
        iterations: fit.iterations,
        converged: fit.converged,
        warnings,
    })
}

/// Why no adjusted comparison with the reference exists: no control cell
/// holds it and another group, so the controls determine it and the
/// groups' terms would compare with whichever group the fit left out.
fn reference_determined(
    keys: &[(Vec<GroupValue>, ())],
    ref_key: &GroupValue,
    other_groups: bool,
) -> Option<String> {
    let ref_cells: std::collections::BTreeSet<&[GroupValue]> = keys
        .iter()
        .filter(|(k, _)| k[0] == *ref_key)
        .map(|(k, _)| &k[1..])
        .collect();
    let shared = keys
        .iter()
        .any(|(k, _)| k[0] != *ref_key && ref_cells.contains(&k[1..]));
    (!shared && other_groups).then(|| {
        format!(
            "the reference {} shares no control cell with another group (the controls determine it): no adjusted comparison with it",
            show(ref_key)
        )
    })
}

/// The likelihood-ratio test of the group term, or why there is none: the
/// maximum-likelihood fit does not exist under separation (a group or the
/// reference with one decision only, or coefficients running off), and a
/// group term wholly collinear with the controls has nothing to test.
fn lr_test(
    fit: &glm::Fit,
    fit0: &glm::Fit,
    first_group: usize,
    df: usize,
    raw: &BTreeMap<GroupValue, (f64, f64)>,
    rf: f64,
    rn: f64,
) -> Result<(f64, usize, f64), String> {
    if raw.len() < 2 {
        return Err("no group besides the reference".into());
    }
    if df == 0 {
        return Err("every group term is collinear with the controls".into());
    }
    if !fit.converged || !fit0.converged {
        return Err("a fit did not converge".into());
    }
    if rf == 0.0 || rf == rn || raw.values().any(|&(f, n)| f == 0.0 || f == n) {
        return Err(
            "a group has one decision only (separation): no finite maximum-likelihood fit".into(),
        );
    }
    if fit0.deviance < 1e-6 {
        return Err("the controls alone predict every decision: nothing is left for the group term to explain".into());
    }
    if fit.beta[first_group..].iter().any(|b| b.abs() > 20.0) {
        return Err(
            "a group coefficient beyond ±20 on the log-odds scale (quasi-separation)".into(),
        );
    }
    let stat = fit0.deviance - fit.deviance;
    if stat < -1e-6 * fit0.deviance.abs().max(1.0) {
        return Err(format!("the fit with the group term has the larger deviance ({stat:.3e}): numerically unreliable"));
    }
    let stat = stat.max(0.0);
    let p = ChiSquared::new(df as f64)
        .map(|c| c.sf(stat))
        .map_err(|e| e.to_string())?;
    Ok((stat, df, p))
}

/// The numeric outcome's raw and adjusted group differences (OLS on cell moments).
struct NumericFit {
    raw: Vec<Option<f64>>,
    adjusted: Vec<Result<(f64, Ci, f64), String>>,
}

fn numeric_fit(
    spec: &AuditSpec,
    counts: &Counts,
    members: &[usize],
    ref_key: &GroupValue,
    group_levels: &[GroupValue],
    control_levels: &[Vec<GroupValue>],
) -> Option<NumericFit> {
    let vc = counts.values.as_ref()?;
    let table: Vec<(Vec<GroupValue>, crate::counts::ValueCell)> = vc
        .rollup(members)
        .into_iter()
        .filter(|(_, c)| c.w > 0.0)
        .collect();
    let keys: Vec<(Vec<GroupValue>, ())> = table.iter().map(|(k, _)| (k.clone(), ())).collect();
    let d = design(&keys, group_levels, control_levels, &spec.controls, true);
    let w: Vec<f64> = table.iter().map(|(_, c)| c.w).collect();
    let s: Vec<f64> = table.iter().map(|(_, c)| c.sum).collect();
    let q: Vec<f64> = table.iter().map(|(_, c)| c.sum2).collect();
    let rows: f64 = table.iter().map(|(_, c)| c.n as f64).sum();
    let fit = glm::least_squares(&d.x, &w, &s, &q, rows);
    let mean_of = |g: &GroupValue| -> Option<f64> {
        let (sw, ss) = table
            .iter()
            .filter(|(k, _)| k[0] == *g)
            .fold((0.0, 0.0), |a, (_, c)| (a.0 + c.w, a.1 + c.sum));
        (sw > 0.0).then(|| ss / sw)
    };
    let ref_mean = mean_of(ref_key);
    let df = fit.extra;
    let tq = stats::t_isf(df, (1.0 - spec.stats.ci_level) / 2.0);
    let raw = group_levels
        .iter()
        .map(|g| Some(mean_of(g)? - ref_mean?))
        .collect();
    let adjusted = (0..group_levels.len())
        .map(|gi| {
            let j = d.first_group + gi;
            let (b, v) = (fit.beta[j], fit.cov[[j, j]]);
            match &tq {
                _ if b.is_nan() || v.is_nan() => Err("left out as collinear".to_string()),
                Some(q) => {
                    let se = v.sqrt();
                    let p = stats::t_sf(df, (b / se).abs()).map_or(f64::NAN, |p| 2.0 * p);
                    Ok((b, Some((b - q * se, b + q * se)), p))
                }
                None => Err("no residual degrees of freedom".into()),
            }
        })
        .collect();
    Some(NumericFit { raw, adjusted })
}

/// The controlled analysis; `None` without controls.
pub fn audit(
    spec: &AuditSpec,
    counts: &Counts,
    attributes: &[AttributeAudit],
) -> crate::Result<Option<ControlledAudit>> {
    if spec.controls.is_empty() || counts.controls == 0 {
        return Ok(None);
    }
    check_levels(spec, counts)?;
    let attrs = (0..counts.n_protected())
        .filter_map(|i| {
            let a = attributes
                .iter()
                .find(|a| a.members.len() == 1 && a.members[0] == counts.attributes[i])?;
            attribute(spec, counts, a, i)
        })
        .collect();
    Ok(Some(ControlledAudit {
        controls: spec.controls.clone(),
        attributes: attrs,
    }))
}
