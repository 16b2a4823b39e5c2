//! Findings of a data examination. Each is judged on its own measure and
//! the bound of the spec's `[examine]` table (docs/data-examination.md):
//!
//! - representation (per group, with a population): fail when observed /
//!   expected < `representation_fail` and the share's Wilson interval lies
//!   below the expected share; warn likewise under `representation_warn`.
//! - label-bias (per group): warn when the label's favourable base rate is
//!   below `label_ratio_warn` × the reference's and the test rejects equality.
//! - missing-data / out-of-range (per column and attribute): the gap between
//!   the groups with the highest and lowest share; warn at `missing_gap_warn`,
//!   fail at `missing_gap_fail`, both only when the test of the two groups
//!   rejects equality.
//! - proxy (per column and attribute): warn when the bias-corrected Cramér's V
//!   reaches `proxy_threshold` and the chi-square test rejects independence
//!   (a proxy asks for review, never fails alone).
//! - schema-drift, attribute-mix drift and outcome-rate drift against the
//!   previous recorded examination: PSI warn at `psi_warn`, fail at
//!   `psi_fail`; a changed schema warns.

use crate::audit::examine::{DataExamination, Gap, LeftOut};
use crate::checks::finding::{
    finding_id, severity, Basis, DataMeasure, Finding, Measured, Status, Thresholds,
};
use crate::spec::examine::ExamineSpec;
use crate::spec::ModelInfo;

/// What every data finding is built from.
struct Ctx<'a> {
    dataset: &'a str,
    model: &'a ModelInfo,
    cycle: &'a str,
    alpha: f64,
}

fn fmt(x: f64) -> String {
    format!("{x:.3}")
}

fn p_text(p: Option<f64>) -> String {
    match p {
        Some(0.0) => "p < 1e-300".into(),
        Some(p) => format!("p = {p:.2e}"),
        None => "no test".into(),
    }
}

struct Draft {
    check: &'static str,
    /// The test behind `p`.
    test: &'static str,
    measure: DataMeasure,
    attribute: String,
    group: Option<String>,
    title: String,
    value: Option<f64>,
    ci: Option<(f64, f64)>,
    p: Option<f64>,
    thresholds: Thresholds,
    status: Status,
    breached: Option<String>,
    statement: String,
    /// Why the finding is insufficient_data or undefined.
    reason: Option<String>,
}

impl Ctx<'_> {
    fn finding(&self, d: Draft) -> Finding {
        let key = d.group.as_deref();
        Finding {
            id: finding_id(self.dataset, d.check, &d.attribute, key),
            check: d.check.into(),
            title: d.title,
            statement: d.statement,
            metric: Measured::Data(d.measure),
            attribute: d.attribute,
            group: d.group,
            reference: None,
            value: d.value,
            ci: d.ci.map(|(a, b)| [a, b]),
            p_value: d.p,
            p_adjusted: d.p,
            test: d.p.map(|_| d.test.into()),
            pair: None,
            significant: d.p.map(|p| p < self.alpha),
            thresholds: d.thresholds,
            breached: d.breached,
            status: d.status,
            severity: severity(d.status, true, self.model.risk_tier),
            basis: Basis {
                group: None,
                reference: None,
                groups: vec![],
            },
            reason: d.reason,
            controls: vec![],
            risks: vec![],
            cycle: self.cycle.to_string(),
            trend: None,
            lifecycle: None,
        }
    }
}

fn representation(x: &DataExamination, e: &ExamineSpec, c: &Ctx, out: &mut Vec<Finding>) {
    for r in &x.representation {
        for g in &r.groups {
            let (Some(exp), Some(ratio)) = (g.expected_share, g.ratio) else {
                continue;
            };
            // The ratio's interval (shares among the listed groups) below 1.
            let below = g.ratio_ci.is_some_and(|(_, hi)| hi < 1.0);
            let (status, breached, rule) = if ratio < e.representation_fail && below {
                (
                    Status::Fail,
                    Some(format!("ratio below {}", e.representation_fail)),
                    format!(
                        "fail: below {} and the share's interval lies under the expected share",
                        e.representation_fail
                    ),
                )
            } else if ratio < e.representation_warn && below {
                (
                    Status::Warn,
                    Some(format!("ratio below {}", e.representation_warn)),
                    format!(
                        "warn: below {} and the share's interval lies under the expected share",
                        e.representation_warn
                    ),
                )
            } else if below {
                (
                    Status::Pass,
                    None,
                    format!(
                        "pass: fewer than expected, but not below {}",
                        e.representation_warn
                    ),
                )
            } else {
                (
                    Status::Pass,
                    None,
                    "pass: the expected share is within or below the interval".into(),
                )
            };
            let ci = g.ci.map_or(String::new(), |(lo, hi)| {
                format!(", interval {}–{}", fmt(lo), fmt(hi))
            });
            let mut t = Thresholds::none(c.alpha);
            t.warn_below = Some(e.representation_warn);
            t.fail_below = Some(e.representation_fail);
            out.push(c.finding(Draft {
                check: "representation",
                test: "chi-square goodness of fit",
                measure: DataMeasure::Representation,
                attribute: r.attribute.clone(),
                group: Some(g.group.clone()),
                title: format!("Representation: {} = {}", r.attribute, g.group),
                value: Some(ratio),
                ci: g.ratio_ci,
                p: r.goodness_of_fit.as_ref().map(|t| t.p_value),
                thresholds: t,
                status,
                breached,
                reason: None,
                statement: format!(
                    "{} = {} is {} of the rows ({} of {}{ci}) against an expected {}: ratio {}; {rule}",
                    r.attribute, g.group, fmt(g.share), g.count, x.rows, fmt(exp), fmt(ratio)
                ),
            }));
        }
    }
}

fn label_bias(x: &DataExamination, e: &ExamineSpec, c: &Ctx, out: &mut Vec<Finding>) {
    for o in x.outcomes.iter().filter(|o| o.role == "label") {
        for (attr, groups) in &o.attributes {
            let Some(reference) = groups.iter().find(|g| g.is_reference) else {
                continue;
            };
            for g in groups.iter().filter(|g| !g.is_reference) {
                let rate = |r: &crate::audit::examine::GroupRate| {
                    r.rate.map_or("an undefined rate".into(), fmt)
                };
                let facts = format!(
                    "The label '{}' is favourable for {} of {attr} = {} ({} of {}) against {} for {}",
                    o.column,
                    rate(g),
                    g.group,
                    g.favourable,
                    g.n,
                    rate(reference),
                    reference.group,
                );
                let (status, breached, rule, reason) = match (&g.not_judged, g.ratio) {
                    (Some(why), _) => (
                        Status::InsufficientData,
                        None,
                        format!("too few rows to judge ({why}); reported, not judged"),
                        Some(why.clone()),
                    ),
                    (None, None) => {
                        let why = g.undefined.get("ratio").cloned().unwrap_or_default();
                        (
                            Status::Undefined,
                            None,
                            format!("the ratio is undefined: {why}"),
                            Some(why),
                        )
                    }
                    (None, Some(ratio)) => {
                        let sig = g.p_value.is_some_and(|p| p < c.alpha);
                        let (status, breached, rule) = label_rule(ratio, sig, e.label_ratio_warn);
                        let rule = format!("ratio {}, {}; {rule}", fmt(ratio), p_text(g.p_value));
                        (status, breached, rule, None)
                    }
                };
                let mut t = Thresholds::none(c.alpha);
                t.warn_below = Some(e.label_ratio_warn);
                out.push(c.finding(Draft {
                    check: "label-bias",
                    test: "z or Fisher",
                    measure: DataMeasure::LabelBaseRate,
                    attribute: attr.clone(),
                    group: Some(g.group.clone()),
                    title: format!("Label base rate: {attr} = {}", g.group),
                    value: g.ratio,
                    ci: None,
                    p: g.p_value,
                    thresholds: t,
                    status,
                    breached,
                    statement: format!("{facts}: {rule}"),
                    reason,
                }));
            }
        }
    }
}

/// The label-bias rule on a defined ratio: warn below the bound when the
/// test rejects equal rates.
fn label_rule(ratio: f64, sig: bool, warn: f64) -> (Status, Option<String>, String) {
    if ratio < warn && sig {
        (
            Status::Warn,
            Some(format!("ratio below {warn}")),
            format!("warn: below {warn} and significant: a model trained on these labels learns the gap"),
        )
    } else if ratio < warn {
        (
            Status::Pass,
            None,
            format!("pass: below {warn} but the test does not reject equal rates"),
        )
    } else {
        (Status::Pass, None, format!("pass: not below {warn}"))
    }
}

fn gap_finding(
    c: &Ctx,
    e: &ExamineSpec,
    (column, attr, left_out): (&str, &str, &[LeftOut]),
    gap: &Gap,
    what: (&'static str, DataMeasure, &str),
) -> Finding {
    let sig = gap.p_adjusted.is_some_and(|p| p < c.alpha);
    let (status, breached, rule) = if gap.value >= e.missing_gap_fail && sig {
        (
            Status::Fail,
            Some(format!("gap at or above {}", e.missing_gap_fail)),
            format!(
                "fail: a gap of at least {} that the test finds significant",
                e.missing_gap_fail
            ),
        )
    } else if gap.value >= e.missing_gap_warn && sig {
        (
            Status::Warn,
            Some(format!("gap at or above {}", e.missing_gap_warn)),
            format!(
                "warn: a gap of at least {} that the test finds significant",
                e.missing_gap_warn
            ),
        )
    } else if gap.value >= e.missing_gap_warn {
        (
            Status::Pass,
            None,
            "pass: the test does not find the gap significant".into(),
        )
    } else {
        (
            Status::Pass,
            None,
            format!("pass: below {}", e.missing_gap_warn),
        )
    };
    let share = |(x, n): (u64, u64)| x as f64 / n.max(1) as f64;
    let mut t = Thresholds::none(c.alpha);
    t.warn_above = Some(e.missing_gap_warn);
    t.fail_above = Some(e.missing_gap_fail);
    let left_out = match left_out {
        [] => String::new(),
        l => format!(
            " (left out, too small to judge: {})",
            l.iter()
                .map(|g| format!("{} = {}: {}", attr, g.group, g.reason))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    };
    let mut f = c.finding(Draft {
        check: what.0,
        test: "z or Fisher",
        measure: what.1,
        attribute: attr.to_string(),
        group: Some(column.to_string()),
        title: format!("{}: {column} by {attr}", what.2),
        value: Some(gap.value),
        ci: None,
        p: gap.p_value,
        thresholds: t,
        status,
        breached,
        statement: format!(
            "Column '{column}' is {} for {} of {attr} = {} ({} of {}) and {} of {attr} = {} ({} of {}): gap {} ({}); {rule}{left_out}",
            what.2.to_lowercase(),
            fmt(share(gap.counts[0])),
            gap.high,
            gap.counts[0].0,
            gap.counts[0].1,
            fmt(share(gap.counts[1])),
            gap.low,
            gap.counts[1].0,
            gap.counts[1].1,
            fmt(gap.value),
            match (gap.p_value, gap.p_adjusted) {
                (Some(p), Some(a)) if a != p =>
                    format!("{}, Bonferroni-adjusted {a:.2e} for the pair of extremes", p_text(Some(p))),
                (p, _) => p_text(p),
            }
        ),
        reason: None,
    });
    f.p_adjusted = gap.p_adjusted;
    f.significant = gap.p_adjusted.map(|p| p < c.alpha);
    f
}

/// A gap finding without a gap: too few groups reach the minimum
/// (insufficient_data), or the attribute has fewer than two groups
/// (undefined).
fn no_gap_finding(
    c: &Ctx,
    e: &ExamineSpec,
    q: &crate::audit::examine::ColumnQuality,
    why: &str,
    what: (&'static str, DataMeasure, &str),
) -> Finding {
    let status = if q.groups.len() >= 2 {
        Status::InsufficientData
    } else {
        Status::Undefined
    };
    let mut t = Thresholds::none(c.alpha);
    t.warn_above = Some(e.missing_gap_warn);
    t.fail_above = Some(e.missing_gap_fail);
    let sizes: Vec<String> = q
        .left_out
        .iter()
        .map(|g| format!("{} = {}: {}", q.attribute, g.group, g.reason))
        .collect();
    c.finding(Draft {
        check: what.0,
        test: "z or Fisher",
        measure: what.1,
        attribute: q.attribute.clone(),
        group: Some(q.column.clone()),
        title: format!("{}: {} by {}", what.2, q.column, q.attribute),
        value: None,
        ci: None,
        p: None,
        thresholds: t,
        status,
        breached: None,
        statement: format!(
            "Column '{}' by {}: no gap to judge: {why}{}",
            q.column,
            q.attribute,
            if sizes.is_empty() {
                String::new()
            } else {
                format!(" ({})", sizes.join("; "))
            }
        ),
        reason: Some(why.to_string()),
    })
}

fn quality(x: &DataExamination, e: &ExamineSpec, c: &Ctx, out: &mut Vec<Finding>) {
    for q in &x.quality {
        let has_range = e.ranges.iter().any(|r| r.column == q.column);
        let kinds = [
            (
                &q.missing_gap,
                true,
                ("missing-data", DataMeasure::MissingGap, "Missing"),
            ),
            (
                &q.out_of_range_gap,
                has_range,
                ("out-of-range", DataMeasure::OutOfRangeGap, "Out of range"),
            ),
        ];
        for (gap, applies, what) in kinds {
            match (gap, &q.gaps_undefined) {
                (Some(g), _) => out.push(gap_finding(
                    c,
                    e,
                    (&q.column, &q.attribute, &q.left_out),
                    g,
                    what,
                )),
                (None, Some(why)) if applies => out.push(no_gap_finding(c, e, q, why, what)),
                _ => {}
            }
        }
    }
}

fn proxies(x: &DataExamination, e: &ExamineSpec, c: &Ctx, out: &mut Vec<Finding>) {
    for p in &x.proxies {
        let Some(a) = &p.association else {
            out.push(no_association(p, e, c));
            continue;
        };
        let v = a.cramers_v_corrected;
        let auc = p.max_auc.as_ref().map_or(String::new(), |(g, v)| {
            format!(", AUC up to {} for {g}", fmt(*v))
        });
        let (status, breached, rule) = if v >= e.proxy_threshold && a.p_value < c.alpha {
            (Status::Warn, Some(format!("V at or above {}", e.proxy_threshold)),
             format!("warn: at or above {} and the chi-square test rejects independence: review whether the column stands in for {} (association is not causation)", e.proxy_threshold, p.attribute))
        } else if v >= e.proxy_threshold {
            (Status::Pass, None, format!("pass: at or above {} but the chi-square test does not reject independence (too few rows to tell)", e.proxy_threshold))
        } else {
            (
                Status::Pass,
                None,
                format!("pass: below {}", e.proxy_threshold),
            )
        };
        let mut t = Thresholds::none(c.alpha);
        t.warn_above = Some(e.proxy_threshold);
        out.push(c.finding(Draft {
            check: "proxy",
            test: "chi-square",
            measure: DataMeasure::Proxy,
            attribute: p.attribute.clone(),
            group: Some(p.column.clone()),
            title: format!("Proxy screening: {} for {}", p.column, p.attribute),
            value: Some(v),
            ci: None,
            p: Some(a.p_value),
            thresholds: t,
            status,
            breached,
            statement: format!(
                "Column '{}' ranks {} of the screened columns for {}: bias-corrected Cramér's V {} (plain {}; chi-square {:.1}, df {}, {}){auc}; {rule}",
                p.column, p.rank, p.attribute, fmt(v), fmt(a.cramers_v), a.chi2, a.df, p_text(Some(a.p_value))
            ),
            reason: None,
        }));
    }
}

/// A screened column without an association: one value, or one group.
fn no_association(p: &crate::audit::examine::ProxyScreen, e: &ExamineSpec, c: &Ctx) -> Finding {
    let why = if p.groups.len() < 2 {
        format!("{} has fewer than two groups", p.attribute)
    } else {
        "fewer than two of its values (or of the groups) have rows".to_string()
    };
    let mut t = Thresholds::none(c.alpha);
    t.warn_above = Some(e.proxy_threshold);
    c.finding(Draft {
        check: "proxy",
        test: "chi-square",
        measure: DataMeasure::Proxy,
        attribute: p.attribute.clone(),
        group: Some(p.column.clone()),
        title: format!("Proxy screening: {} for {}", p.column, p.attribute),
        value: None,
        ci: None,
        p: None,
        thresholds: t,
        status: Status::Undefined,
        breached: None,
        statement: format!(
            "Column '{}' against {}: no association to measure: {why}",
            p.column, p.attribute
        ),
        reason: Some(why),
    })
}

fn drift(x: &DataExamination, e: &ExamineSpec, c: &Ctx, out: &mut Vec<Finding>) {
    let Some(d) = &x.drift else { return };
    let changed = !d.schema_changes.is_empty();
    out.push(c.finding(Draft {
        check: "schema-drift",
        test: "",
        measure: DataMeasure::SchemaChange,
        attribute: "(data set)".into(),
        group: None,
        title: "Schema against the previous examination".into(),
        value: Some(d.schema_changes.len() as f64),
        ci: None,
        p: None,
        thresholds: Thresholds::none(c.alpha),
        status: if changed { Status::Warn } else { Status::Pass },
        breached: changed.then(|| "schema changed".into()),
        statement: if changed {
            format!(
                "Against run {} ({}): {}; warn: a changed schema needs review before the data is used",
                d.previous_run,
                d.previous_date,
                d.schema_changes.join("; ")
            )
        } else {
            format!(
                "Same columns, types and category sets as run {} ({}); pass",
                d.previous_run, d.previous_date
            )
        },
        reason: None,
    }));
    for p in &d.psi {
        let (status, breached, rule) = if p.psi >= e.psi_fail {
            (
                Status::Fail,
                Some(format!("PSI at or above {}", e.psi_fail)),
                format!("fail: at or above {}", e.psi_fail),
            )
        } else if p.psi >= e.psi_warn {
            (
                Status::Warn,
                Some(format!("PSI at or above {}", e.psi_warn)),
                format!("warn: at or above {}", e.psi_warn),
            )
        } else {
            (Status::Pass, None, format!("pass: below {}", e.psi_warn))
        };
        let (check, measure) = if p.what == "attribute mix" {
            ("mix-drift", DataMeasure::MixPsi)
        } else {
            ("outcome-drift", DataMeasure::OutcomePsi)
        };
        let mut t = Thresholds::none(c.alpha);
        t.warn_above = Some(e.psi_warn);
        t.fail_above = Some(e.psi_fail);
        t.require_significance = false;
        let whom = p
            .group
            .as_ref()
            .map_or(p.attribute.clone(), |g| format!("{} = {g}", p.attribute));
        let detail = if p.group.is_some() {
            format!(
                "favourable rate {} → {}",
                fmt(p.before[0].1),
                fmt(p.after[0].1)
            )
        } else {
            p.before
                .iter()
                .zip(&p.after)
                .map(|((g, b), (_, a))| format!("{g} {} → {}", fmt(*b), fmt(*a)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push(
            c.finding(Draft {
                check,
                test: "",
                measure,
                attribute: p.attribute.clone(),
                group: p
                    .group
                    .clone()
                    .map(|g| format!("{} {g}", p.what))
                    .or(Some(p.what.clone())),
                title: format!("Drift of the {}: {whom}", p.what),
                value: Some(p.psi),
                ci: None,
                p: None,
                thresholds: t,
                status,
                breached,
                statement: format!(
                    "PSI of the {} for {whom} since run {} ({}) is {} ({}; {detail}); {rule}",
                    p.what,
                    d.previous_run,
                    d.previous_date,
                    fmt(p.psi),
                    p.band
                ),
                reason: None,
            }),
        );
    }
}

/// The findings of an examination of data set `dataset`.
pub fn findings(
    x: &DataExamination,
    e: &ExamineSpec,
    dataset: &str,
    model: &ModelInfo,
    cycle: &str,
    alpha: f64,
) -> Vec<Finding> {
    let c = Ctx {
        dataset,
        model,
        cycle,
        alpha,
    };
    let mut out = vec![];
    representation(x, e, &c, &mut out);
    label_bias(x, e, &c, &mut out);
    quality(x, e, &c, &mut out);
    proxies(x, e, &c, &mut out);
    drift(x, e, &c, &mut out);
    out
}
