//! The self-contained HTML report: one file, inline CSS and SVG, no scripts,
//! fonts or network requests; prints to PDF with a page per section. Rendered
//! with a compiled-in minijinja template that escapes every value; the SVG
//! charts are built (and escaped) in `svg`.

use minijinja::{context, Environment};
use serde_json::{json, Value};

use crate::audit::GroupStatus;
use crate::checks::{Basis, BasisCounts, Measured, Status};
use crate::engine::Report;
use crate::metrics::Rate;
use crate::{Error, Result};

use super::svg::{self, Row};
use super::Exporter;

/// The HTML page.
pub struct HtmlExporter;

const TEMPLATE: &str = include_str!("report.html");

/// Short definitions shown in the report (the full ones are docs/metrics.md).
pub const DEFINITIONS: &[(&str, &str)] = &[
    ("selection_rate", "(TP + FP) / n: the share of the group predicted positive."),
    ("tpr", "TP / (TP + FN): of the group's actual positives, the share predicted positive (recall)."),
    ("fpr", "FP / (FP + TN): of the group's actual negatives, the share predicted positive."),
    ("ppv", "TP / (TP + FP): of the group's positive predictions, the share correct (precision)."),
    ("impact_ratio", "The group's favourable-outcome rate divided by the reference group's (the four-fifths rule compares it with 0.8)."),
    ("demographic_parity_difference", "Largest minus smallest selection rate over the judged groups."),
    ("demographic_parity_ratio", "Smallest over largest selection rate over the judged groups."),
    ("disparate_impact", "The lowest impact ratio of a group other than the reference."),
    ("equal_opportunity_difference", "Largest minus smallest TPR over the judged groups."),
    ("equalized_odds_difference", "The larger of the TPR range and the FPR range over the judged groups."),
    ("average_odds_difference", "½((FPR − FPR_ref) + (TPR − TPR_ref)); the group with the largest magnitude."),
    ("predictive_parity_difference", "Largest minus smallest PPV over the judged groups."),
    ("accuracy_difference", "Largest minus smallest accuracy over the judged groups."),
    ("intervals", "Wilson (or Clopper–Pearson) on rates, Newcombe on differences, Koopman score intervals on ratios, percentile bootstrap over the counts on summaries."),
    ("p-values", "Two-proportion z-test, or Fisher's exact test when an expected count is below 5; adjusted across the whole report (Holm or Benjamini–Hochberg)."),
];

const KEY_RATES: [Rate; 4] = [Rate::SelectionRate, Rate::Tpr, Rate::Fpr, Rate::Ppv];

fn charts(report: &Report) -> Vec<Value> {
    let mut out = vec![];
    for (ai, a) in report.audit.attributes.iter().enumerate() {
        // Groups whose impact-ratio finding failed, or that sit below 0.8.
        let failing = |g: &str| {
            report.findings.iter().any(|f| {
                f.attribute == a.name && f.group.as_deref() == Some(g) && f.status == Status::Fail
            })
        };
        let mut rate_charts = vec![];
        for (ri, rate) in KEY_RATES.iter().enumerate() {
            let rows: Vec<Row> = a
                .groups
                .iter()
                .map(|g| Row {
                    label: g.group.name.clone(),
                    value: g.group.rates.get(*rate),
                    ci: g.rate_ci[*rate as usize],
                    reference: g.is_reference,
                    insufficient: !g.status.is_ok(),
                    failing: false,
                })
                .collect();
            rate_charts.push(svg::dot_chart(
                &format!("a{ai}r{ri}"),
                &format!("{} by {}", rate.name(), a.name),
                &rows,
                (0.0, 1.0),
                None,
                report.audit.overall.rates.get(*rate),
            ));
        }
        let ratio_rows: Vec<Row> = a
            .groups
            .iter()
            .map(|g| Row {
                label: g.group.name.clone(),
                value: g.impact_ratio.get(),
                ci: g.impact_ratio_ci,
                reference: g.is_reference,
                insufficient: !g.status.is_ok(),
                failing: failing(&g.group.name)
                    || (g.status.is_ok() && g.impact_ratio.get().is_some_and(|v| v < 0.8)),
            })
            .collect();
        let max = ratio_rows
            .iter()
            .filter_map(|r| r.ci.map(|c| c.1).or(r.value))
            .fold(1.5f64, f64::max)
            .min(4.0);
        let ratio_chart = svg::dot_chart(
            &format!("a{ai}ir"),
            &format!("Impact ratio by {} (band 0.8–1.25)", a.name),
            &ratio_rows,
            (0.0, max),
            Some((0.8, 1.25)),
            Some(1.0),
        );
        let groups: Vec<Value> = a
            .groups
            .iter()
            .map(|g| {
                let r = |rate: Rate| g.group.rates.get(rate).map(|v| format!("{v:.3}")).unwrap_or_else(|| "—".into());
                json!({
                    "name": g.group.name,
                    "reference": g.is_reference,
                    "insufficient": match &g.status { GroupStatus::InsufficientData(w) => Some(w.clone()), GroupStatus::Ok => None },
                    "n": g.group.rows(),
                    "share": format!("{:.1}%", 100.0 * g.share),
                    "sr": r(Rate::SelectionRate), "tpr": r(Rate::Tpr), "fpr": r(Rate::Fpr), "ppv": r(Rate::Ppv), "acc": r(Rate::Accuracy),
                    "impact": g.impact_ratio.get().map(|v| format!("{v:.3}")).unwrap_or_else(|| "—".into()),
                    "p": g.disparities.iter().find(|d| d.rate == Rate::SelectionRate)
                        .and_then(|d| d.test.as_ref().ok())
                        .map(|t| if t.p_adjusted < 0.001 { format!("{:.1e}", t.p_adjusted) } else { format!("{:.3}", t.p_adjusted) })
                        .unwrap_or_else(|| "—".into()),
                })
            })
            .collect();
        let summary: Vec<Value> = a
            .summary
            .iter()
            .map(|(name, v)| {
                let k = name as usize;
                json!({
                    "name": name.name(),
                    "value": v.value.get().map(|x| format!("{x:.3}")).unwrap_or_else(|| "undefined".into()),
                    "ci": a.summary_ci[k].map(|(lo, hi)| format!("{lo:.3}–{hi:.3}")).unwrap_or_default(),
                    "note": v.value.reason().map(String::from).or_else(|| v.group.clone()).unwrap_or_default(),
                })
            })
            .collect();
        let extra = extra_charts(report, ai, &a.name);
        out.push(json!({
            "extra_charts": extra,
            "anchor": format!("attr-{ai}"),
            "name": a.name,
            "reference": a.reference_name,
            "rate_charts": rate_charts,
            "ratio_chart": ratio_chart,
            "groups": groups,
            "summary": summary,
        }));
    }
    out
}

fn row(label: &str, value: Option<f64>, ci: Option<(f64, f64)>, reference: bool) -> Row {
    Row {
        label: label.to_string(),
        value,
        ci,
        reference,
        insufficient: false,
        failing: false,
    }
}

/// The mix of outcomes by group.
fn mix_chart(report: &Report, ai: usize, name: &str, out: &mut Vec<String>) {
    let a = &report.audit;
    if let Some(oa) = a.outcomes.as_deref() {
        if let Some(at) = oa.attributes.iter().find(|x| x.name == name) {
            let rows: Vec<(String, Vec<f64>)> = at
                .groups
                .iter()
                .map(|g| (g.group.clone(), g.rates.iter().map(|r| r.0).collect()))
                .collect();
            out.push(svg::stacked_bars(
                &format!("a{ai}mix"),
                &format!("Mix of outcomes by {name}"),
                &oa.levels,
                &rows,
            ));
        }
    }
}

/// The numeric outcome's median and p10–p90 by group.
fn distribution_chart(report: &Report, ai: usize, name: &str, out: &mut Vec<String>) {
    let a = &report.audit;
    if let Some(na) = a.numeric.as_deref() {
        if let Some(at) = na.attributes.iter().find(|x| x.name == name) {
            let rows: Vec<Row> = at
                .groups
                .iter()
                .map(|g| {
                    let ci = match g.quantiles {
                        [Some(lo), _, Some(hi)] => Some((lo, hi)),
                        _ => None,
                    };
                    row(&g.group, g.quantiles[1], ci, g.is_reference)
                })
                .collect();
            let lo = rows
                .iter()
                .filter_map(|r| r.ci.map(|c| c.0))
                .fold(f64::INFINITY, f64::min);
            let hi = rows
                .iter()
                .filter_map(|r| r.ci.map(|c| c.1))
                .fold(f64::NEG_INFINITY, f64::max);
            if lo.is_finite() && hi > lo {
                let pad = 0.05 * (hi - lo);
                out.push(svg::dot_chart(
                    &format!("a{ai}num"),
                    &format!("{}: median (dot) and p10–p90 (line) by {name}", na.column),
                    &rows,
                    (lo - pad, hi + pad),
                    None,
                    None,
                ));
            }
        }
    }
}

/// Raw against adjusted odds ratios.
fn adjusted_chart(report: &Report, ai: usize, name: &str, out: &mut Vec<String>) {
    let a = &report.audit;
    if let Some(ca) = a.controlled.as_deref() {
        if let Some(at) = ca.attributes.iter().find(|x| x.name == name) {
            let mut rows = vec![];
            for g in &at.groups {
                if let Ok((v, ci)) = &g.raw_odds_ratio {
                    rows.push(row(&format!("{} raw", g.group), Some(*v), *ci, false));
                }
                if let Ok((v, ci, _)) = &g.adjusted_odds_ratio {
                    rows.push(row(&format!("{} adjusted", g.group), Some(*v), *ci, false));
                }
            }
            let hi = rows
                .iter()
                .filter_map(|r| r.ci.map(|c| c.1).or(r.value))
                .fold(2.0f64, f64::max)
                .min(6.0);
            if !rows.is_empty() {
                out.push(svg::dot_chart(
                    &format!("a{ai}adj"),
                    &format!(
                        "Odds ratio against {}: raw and adjusted for {}",
                        at.reference,
                        ca.controls.join(", ")
                    ),
                    &rows,
                    (0.0, hi),
                    None,
                    Some(1.0),
                ));
            }
            out.push(adjusted_table(at));
        }
    }
}

/// The controlled analysis in numbers: every group with its raw and adjusted
/// estimates and p-values, or why one is undefined; the likelihood-ratio
/// test and the fit's warnings (the chart shows only defined ratios).
fn adjusted_table(at: &crate::audit::controlled::ControlledAttribute) -> String {
    use super::svg::esc;
    let est = |r: &crate::audit::controlled::Tested, d: usize| match r {
        Ok((v, Some((lo, hi)), p)) => (format!("{v:.d$} ({lo:.d$}–{hi:.d$})"), format!("{p:.2e}")),
        Ok((v, None, p)) => (format!("{v:.d$}"), format!("{p:.2e}")),
        Err(w) => (format!("undefined: {}", esc(w)), "—".into()),
    };
    let numeric = at
        .groups
        .iter()
        .any(|g| !matches!(&g.adjusted_mean_difference, Err(w) if w == "no numeric outcome"));
    let mut t = String::from("<table class=\"groups\"><tr><th>group</th><th>raw odds ratio</th><th>adjusted odds ratio</th><th>p</th><th>explained</th>");
    if numeric {
        t.push_str("<th>raw mean difference</th><th>adjusted mean difference</th><th>p</th>");
    }
    t.push_str("</tr>");
    for g in &at.groups {
        let raw = match &g.raw_odds_ratio {
            Ok((v, Some((lo, hi)))) => format!("{v:.3} ({lo:.3}–{hi:.3})"),
            Ok((v, None)) => format!("{v:.3}"),
            Err(w) => format!("undefined: {}", esc(w)),
        };
        let (adj, p) = est(&g.adjusted_odds_ratio, 3);
        let explained = g
            .share_explained
            .map_or("—".into(), |s| format!("{:.0}%", 100.0 * s));
        t.push_str(&format!(
            "<tr><td>{}</td><td>{raw}</td><td>{adj}</td><td class=\"num\">{p}</td><td class=\"num\">{explained}</td>",
            esc(&g.group)
        ));
        if numeric {
            let (adj, p) = est(&g.adjusted_mean_difference, 4);
            t.push_str(&format!(
                "<td class=\"num\">{}</td><td>{adj}</td><td class=\"num\">{p}</td>",
                g.raw_mean_difference
                    .map_or("—".into(), |d| format!("{d:.4}"))
            ));
        }
        t.push_str("</tr>");
    }
    t.push_str("</table>");
    if let Some((s, df, p)) = at.lr_test {
        t.push_str(&format!(
            "<p>Likelihood-ratio test of {} given the controls: {s:.2}, df {df}, p = {p:.2e}</p>",
            esc(&at.name)
        ));
    }
    for w in &at.warnings {
        t.push_str(&format!("<p class=\"legend\">Note: {}</p>", esc(w)));
    }
    t
}

/// Human-override rates, and impact ratios of recommendations and final decisions.
fn override_charts(report: &Report, ai: usize, name: &str, out: &mut Vec<String>) {
    let a = &report.audit;
    if let Some(oa) = a.oversight.as_deref() {
        if let Some(at) = oa.attributes.iter().find(|x| x.name == name) {
            let rows: Vec<Row> = at
                .groups
                .iter()
                .map(|g| {
                    let r = &g.favourable_to_adverse;
                    let mut x = row(&g.group, r.rate, r.ci, g.is_reference);
                    x.failing = report.findings.iter().any(|f| {
                        f.check == "human-oversight"
                            && f.attribute == name
                            && f.group.as_deref() == Some(g.group.as_str())
                            && f.status == Status::Fail
                    });
                    x
                })
                .collect();
            let hi = rows
                .iter()
                .filter_map(|r| r.ci.map(|c| c.1))
                .fold(0.1f64, f64::max)
                .min(1.0);
            out.push(svg::dot_chart(
                &format!("a{ai}ovr"),
                &format!("Favourable recommendations overturned by people, by {name}"),
                &rows,
                (0.0, hi),
                None,
                None,
            ));
            let ir: Vec<Row> = at
                .groups
                .iter()
                .flat_map(|g| {
                    [
                        row(
                            &format!("{} model", g.group),
                            g.impact_ratio[0],
                            None,
                            g.is_reference,
                        ),
                        row(
                            &format!("{} final", g.group),
                            g.impact_ratio[1],
                            None,
                            g.is_reference,
                        ),
                    ]
                })
                .collect();
            out.push(svg::dot_chart(
                &format!("a{ai}ovir"),
                &format!(
                    "Impact ratio by {name}: the model's recommendations and the final decisions"
                ),
                &ir,
                (0.0, 1.5),
                Some((0.8, 1.25)),
                Some(1.0),
            ));
        }
    }
}

/// The charts of the analyses beyond the binary decision: the outcome mix by
/// group, the numeric outcome's distribution, raw against adjusted odds
/// ratios, and the human-override rates.
fn extra_charts(report: &Report, ai: usize, name: &str) -> Vec<String> {
    let mut out = vec![];
    mix_chart(report, ai, name, &mut out);
    distribution_chart(report, ai, name, &mut out);
    adjusted_chart(report, ai, name, &mut out);
    override_charts(report, ai, name, &mut out);
    out
}

fn trend_charts(report: &Report) -> Vec<String> {
    if report.trend_points.is_empty() {
        return vec![];
    }
    let mut runs: Vec<(i64, String)> = report
        .trend_points
        .iter()
        .map(|p| (p.seq, p.run_date.clone()))
        .collect();
    runs.sort();
    runs.dedup();
    let mut labels: Vec<String> = runs.iter().map(|r| r.1.clone()).collect();
    labels.push(format!("{} (this run)", report.cycle.run_date));
    let mut out = vec![];
    for (ci, c) in report.policy.iter().enumerate() {
        let id = c.id();
        let mut series: Vec<(String, Vec<Option<f64>>)> = vec![];
        for f in report.findings.iter().filter(|f| f.check == id) {
            let label = match (&f.group, f.metric) {
                (Some(_), Measured::Metric(m)) if !m.per_group() => f.attribute.clone(),
                (Some(g), _) => format!("{} = {g}", f.attribute),
                (None, _) => f.attribute.clone(),
            };
            let mut v: Vec<Option<f64>> = runs
                .iter()
                .map(|(seq, _)| {
                    report
                        .trend_points
                        .iter()
                        .find(|p| p.seq == *seq && p.finding_id == f.id)
                        .and_then(|p| p.value)
                })
                .collect();
            v.push(f.value);
            series.push((label, v));
        }
        series.truncate(6);
        if series
            .iter()
            .any(|(_, v)| v.iter().filter(|x| x.is_some()).count() > 1)
        {
            out.push(svg::trend_chart(
                &format!("t{ci}"),
                &format!("{} across runs", c.title.clone().unwrap_or(id)),
                &labels,
                &series,
            ));
        }
    }
    out
}

impl Exporter for HtmlExporter {
    fn render(&self, report: &Report) -> Result<String> {
        let mut env = Environment::new();
        env.add_template("report.html", TEMPLATE)
            .map_err(|e| Error::usage(format!("HTML template: {e}")))?;
        let (by_status, by_sev) = report.finding_counts();
        let findings: Vec<Value> = report
            .findings_by_severity()
            .into_iter()
            .map(|f| {
                json!({
                    "id": f.id, "title": f.title, "statement": f.statement,
                    "status": f.status.name(), "severity": f.severity.name(),
                    "controls": f.controls, "risks": f.risks, "trend": f.trend,
                    "lifecycle": f.lifecycle.as_ref().map(|l| l.line()),
                    "evidence": evidence_lines(&f.basis),
                })
            })
            .collect();
        let a = &report.audit;
        let m = &report.model;
        let ctx = context! {
            model => m,
            verdict => format!("{:?}", report.verdict()).to_uppercase(),
            gate_failed => report.gate_failed(),
            fail_on => report.fail_on.name(),
            cycle => &report.cycle,
            run_id => &report.run_id,
            generated_at => report.generated_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            engine_version => env!("CARGO_PKG_VERSION"),
            data => a.spec.data.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            digests => &report.data_digests,
            rows => a.counts.rows_read,
            rows_used => a.counts.rows_used(),
            excluded => a.counts.excluded.total(),
            by_status => by_status.iter().map(|(s, n)| (s.name(), *n)).collect::<Vec<_>>(),
            by_severity => by_sev.iter().map(|(s, n)| (s.name(), *n)).collect::<Vec<_>>(),
            findings => findings,
            attributes => charts(report),
            trends => trend_charts(report),
            definitions => DEFINITIONS,
            stats => json!({
                "level": format!("{:.0}%", 100.0 * a.spec.stats.ci_level),
                "adjust": a.spec.stats.p_adjust.label(),
                "tests": a.tests_in_family,
                "min_group_size": a.spec.stats.min_group_size,
                "rules": report.decision_rules(),
            }),
            proposed => &report.proposed_risks,
        };
        env.get_template("report.html")
            .and_then(|t| t.render(ctx))
            .map_err(|e| Error::usage(format!("HTML template: {e:#}")))
    }
}

/// The counts behind a finding, one line per group; the reference group is
/// marked where it appears among the groups, else given on its own line.
fn evidence_lines(e: &Basis) -> Vec<String> {
    let line = |g: &BasisCounts, tag: &str| {
        format!(
            "{}{tag}: n {}, TP {}, FP {}, TN {}, FN {}",
            g.group, g.n, g.tp, g.fp, g.tn, g.fn_
        )
    };
    let ref_name = e.reference.as_ref().map(|r| r.group.as_str());
    let ref_listed = e.groups.iter().any(|g| Some(g.group.as_str()) == ref_name);
    let mut out: Vec<String> = e.group.iter().map(|g| line(g, "")).collect();
    if let Some(r) = e.reference.as_ref().filter(|_| !ref_listed) {
        out.push(line(r, " (reference)"));
    }
    out.extend(e.groups.iter().map(|g| {
        let tag = if Some(g.group.as_str()) == ref_name {
            " (reference)"
        } else {
            ""
        };
        line(g, tag)
    }));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(group: &str, n: u64) -> BasisCounts {
        BasisCounts {
            group: group.into(),
            n,
            tp: 1,
            fp: 2,
            tn: 3,
            fn_: 4,
            predicted_positive: 3,
            actual_positive: 5,
        }
    }

    #[test]
    fn evidence_names_the_reference_once() {
        let summary = Basis {
            group: None,
            reference: Some(c("gt25", 810)),
            groups: vec![c("gt25", 810), c("le25", 190)],
        };
        assert_eq!(
            evidence_lines(&summary),
            [
                "gt25 (reference): n 810, TP 1, FP 2, TN 3, FN 4",
                "le25: n 190, TP 1, FP 2, TN 3, FN 4"
            ]
        );
        let pairwise = Basis {
            group: Some(c("le25", 190)),
            reference: Some(c("gt25", 810)),
            groups: vec![],
        };
        assert_eq!(
            evidence_lines(&pairwise),
            [
                "le25: n 190, TP 1, FP 2, TN 3, FN 4",
                "gt25 (reference): n 810, TP 1, FP 2, TN 3, FN 4"
            ]
        );
    }
}
