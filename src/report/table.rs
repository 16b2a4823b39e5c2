//! A plain-text report for the terminal: one table of groups per attribute,
//! then its summaries. Undefined values show as "—" with the reason below.

use std::fmt::Write;

use crate::audit::AttributeAudit;
use crate::checks::wording::p_text;
use crate::engine::Report;
use crate::metrics::Rate;
use crate::spec::Favorable;
use crate::Result;

use super::Exporter;

/// Plain-text tables.
pub struct TableExporter;

const COLS: [Rate; 6] = [
    Rate::SelectionRate,
    Rate::Tpr,
    Rate::Fpr,
    Rate::Ppv,
    Rate::Accuracy,
    Rate::BaseRate,
];

fn f(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |x| format!("{x:.3}"))
}

/// Pads to `w` characters (not bytes, so names in any script line up).
fn pad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w {
        s.to_string()
    } else {
        format!("{s}{}", " ".repeat(w - n))
    }
}

fn rpad(s: &str, w: usize) -> String {
    let n = s.chars().count();
    if n >= w {
        s.to_string()
    } else {
        format!("{}{s}", " ".repeat(w - n))
    }
}

impl Exporter for TableExporter {
    fn render(&self, report: &Report) -> Result<String> {
        let audit = &report.audit;
        let mut out = String::new();
        let st = &audit.spec.stats;
        let alpha = st.alpha;
        let c = &audit.counts;
        let paths: Vec<String> = audit
            .spec
            .data
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let _ = writeln!(
            out,
            "fairaudit {} — {}",
            env!("CARGO_PKG_VERSION"),
            paths.join(", ")
        );
        let ex = &c.excluded;
        let _ = writeln!(
            out,
            "rows read {}, used {}, excluded {} (missing label {}, prediction {}, score {}, weight {}){}",
            c.rows_read,
            c.rows_used(),
            ex.total(),
            ex.missing_label,
            ex.missing_prediction,
            ex.missing_score,
            ex.missing_weight,
            if c.weighted { ", weighted" } else { "" }
        );
        let fav = match audit.spec.favorable {
            Favorable::Positive => {
                "the positive prediction is favourable; impact ratios use selection_rate"
            }
            Favorable::Negative => {
                "the positive prediction is adverse; impact ratios use 1 - selection_rate"
            }
        };
        let _ = writeln!(out, "{fav}");
        let _ = writeln!(
            out,
            "{:.0}% intervals: {:?} on rates, bootstrap ({} replicates) on summaries; significant gaps below: {} tests, {} adjustment, alpha {}; * reference, ~ fewer than {} rows (not judged)",
            100.0 * st.ci_level,
            st.ci_method,
            st.bootstrap,
            audit.tests_in_family,
            st.p_adjust.label(),
            st.alpha,
            st.min_group_size
        );
        let o = &audit.overall;
        let _ = writeln!(
            out,
            "\noverall  n {}  {}",
            o.rows(),
            COLS.iter()
                .map(|r| format!("{} {}", r.name(), f(o.rates.get(*r))))
                .collect::<Vec<_>>()
                .join("  ")
        );

        for (i, a) in audit.attributes.iter().enumerate() {
            attribute_section(&mut out, a, alpha);
            if let Some(o) = &audit.outcomes {
                outcome_section(&mut out, o, i);
            }
            if let Some(n) = &audit.numeric {
                numeric_section(&mut out, n, i);
            }
            if let Some(o) = &audit.oversight {
                oversight_section(&mut out, &o.attributes[i], &o.column);
            }
            if let Some(c) = audit
                .controlled
                .as_ref()
                .and_then(|c| c.attributes.iter().find(|x| x.name == a.name))
            {
                controlled_section(&mut out, c, &audit.spec.controls);
            }
        }
        findings_section(&mut out, report);
        Ok(out)
    }
}

/// One attribute: its groups' rates and gaps, then its summaries.
/// Override rates by group, and the impact ratio before and after the human layer.
fn oversight_section(
    out: &mut String,
    a: &crate::audit::oversight::OversightAttribute,
    column: &str,
) {
    let _ = writeln!(out, "  human oversight (final decision: {column})");
    let _ = writeln!(
        out,
        "  {}{}{}{}{}{}",
        pad("group", 14),
        rpad("n", 9),
        rpad("fav→adverse [CI]", 26),
        rpad("adverse→fav", 13),
        rpad("impact ratio rec→final", 24),
        rpad("gap vs ref p", 14)
    );
    for g in &a.groups {
        let r = &g.favourable_to_adverse;
        let rate = match (r.rate, r.ci) {
            (Some(v), Some((lo, hi))) => format!("{v:.3} [{lo:.3}, {hi:.3}]"),
            (Some(v), None) => format!("{v:.3}"),
            _ => "—".into(),
        };
        let ir = match g.impact_ratio {
            [Some(a), Some(b)] => format!("{a:.3} → {b:.3}"),
            _ => "—".into(),
        };
        let p = r.vs_reference.as_ref().and_then(|x| x.2).map_or(
            if g.is_reference {
                "(reference)".into()
            } else {
                "—".into()
            },
            p_text,
        );
        let _ = writeln!(
            out,
            "  {}{}{}{}{}{}",
            pad(&g.group, 14),
            rpad(&g.n.to_string(), 9),
            rpad(&rate, 26),
            rpad(&f(g.adverse_to_favourable.rate), 13),
            rpad(&ir, 24),
            rpad(&p, 14)
        );
    }
}

/// Raw against adjusted odds ratios (and mean differences), group by group.
fn controlled_section(
    out: &mut String,
    c: &crate::audit::controlled::ControlledAttribute,
    controls: &[String],
) {
    let _ = writeln!(
        out,
        "  controlled for {} (reference {}){}",
        controls.join(", "),
        c.reference,
        c.lr_test
            .map(|(s, df, p)| format!("  LR test of {}: {s:.2}, df {df}, p {}", c.name, p_text(p)))
            .unwrap_or_default()
    );
    let or = |r: &crate::audit::controlled::Estimate| match r {
        Ok((v, Some((lo, hi)))) => format!("{v:.3} [{lo:.3}, {hi:.3}]"),
        Ok((v, None)) => format!("{v:.3}"),
        Err(_) => "—".into(),
    };
    let _ = writeln!(
        out,
        "  {}{}{}{}{}",
        pad("group", 14),
        rpad("raw odds ratio", 26),
        rpad("adjusted odds ratio", 26),
        rpad("p", 10),
        rpad("explained", 11)
    );
    for g in &c.groups {
        let (adj, p) = match &g.adjusted_odds_ratio {
            Ok((v, ci, p)) => (or(&Ok((*v, *ci))), p_text(*p)),
            Err(_) => ("—".into(), "—".into()),
        };
        let _ = writeln!(
            out,
            "  {}{}{}{}{}",
            pad(&g.group, 14),
            rpad(&or(&g.raw_odds_ratio), 26),
            rpad(&adj, 26),
            rpad(&p, 10),
            rpad(
                &g.share_explained
                    .map_or("—".into(), |s| format!("{:.0}%", 100.0 * s)),
                11
            )
        );
    }
    mean_differences_table(out, c);
    for w in &c.warnings {
        let _ = writeln!(out, "  note: {w}");
    }
}

/// With a numeric outcome: its raw and adjusted (least squares) mean
/// difference against the reference, group by group.
fn mean_differences_table(out: &mut String, c: &crate::audit::controlled::ControlledAttribute) {
    let numeric = |g: &crate::audit::controlled::ControlledGroup| !matches!(&g.adjusted_mean_difference, Err(w) if w == "no numeric outcome");
    if !c.groups.iter().any(numeric) {
        return;
    }
    let _ = writeln!(
        out,
        "  {}{}{}{}",
        pad("group", 14),
        rpad("raw mean diff.", 16),
        rpad("adjusted mean diff.", 36),
        rpad("p", 10)
    );
    for g in c.groups.iter().filter(|g| numeric(g)) {
        let (adj, p) = match &g.adjusted_mean_difference {
            Ok((v, Some((lo, hi)), p)) => (format!("{v:.4} [{lo:.4}, {hi:.4}]"), p_text(*p)),
            Ok((v, None, p)) => (format!("{v:.4}"), p_text(*p)),
            Err(_) => ("—".into(), "—".into()),
        };
        let _ = writeln!(
            out,
            "  {}{}{}{}",
            pad(&g.group, 14),
            rpad(
                &g.raw_mean_difference
                    .map_or("—".into(), |d| format!("{d:.4}")),
                16
            ),
            rpad(&adj, 36),
            rpad(&p, 10)
        );
    }
}

/// An attribute's numeric outcome: mean, spread, quantiles and the gap to the reference.
fn numeric_section(out: &mut String, n: &crate::audit::numeric::NumericAudit, i: usize) {
    let a = &n.attributes[i];
    let _ = writeln!(out, "  numeric outcome {}", n.column);
    let gw = a
        .groups
        .iter()
        .map(|g| g.group.chars().count() + 2)
        .max()
        .unwrap_or(5)
        .max(7);
    let _ = writeln!(
        out,
        "  {}{}{}{}{}{}{}{}{}",
        pad("group", gw),
        rpad("n", 9),
        rpad("mean", 11),
        rpad("sd", 11),
        rpad("median", 11),
        rpad("mean diff [CI]", 28),
        rpad("Welch p", 10),
        rpad("SMD", 8),
        rpad("KS", 7)
    );
    for g in &a.groups {
        let diff = match &g.mean_difference {
            Ok((d, Some((lo, hi)))) => format!("{d:.4} [{lo:.4}, {hi:.4}]"),
            Ok((d, None)) => format!("{d:.4}"),
            Err(_) if g.is_reference => "(reference)".into(),
            Err(_) => "—".into(),
        };
        let _ = writeln!(
            out,
            "  {}{}{}{}{}{}{}{}{}",
            pad(&g.group, gw),
            rpad(&g.n.to_string(), 9),
            rpad(&f(g.mean.as_ref().ok().map(|m| m.0)), 11),
            rpad(&f(g.sd), 11),
            rpad(&f(g.quantiles[1]), 11),
            rpad(&diff, 28),
            rpad(
                &g.welch.as_ref().map_or("—".into(), |w| p_text(w.p_value)),
                10
            ),
            rpad(&f(g.smd), 8),
            rpad(&f(g.ks.as_ref().map(|k| k.statistic)), 7)
        );
        if let Some([mae, mse, rmse, bias]) = g.errors {
            let _ = writeln!(
                out,
                "  {}errors: MAE {mae:.4}  MSE {mse:.4}  RMSE {rmse:.4}  mean signed error {bias:.4}",
                pad("", gw)
            );
        }
    }
    if let Some([mse, mae]) = &a.bounded_group_loss {
        let _ = writeln!(
            out,
            "  worst group loss: MSE {:.4} ({}), MAE {:.4} ({})",
            mse.0, mse.1, mae.0, mae.1
        );
    }
}

/// An attribute's outcome mix: each level's rate with its simultaneous interval.
fn outcome_section(out: &mut String, o: &crate::audit::outcomes::OutcomeAudit, i: usize) {
    let oa = &o.attributes[i];
    let _ = writeln!(
        out,
        "  outcome mix ({:.0}% simultaneous intervals; favourable: {}){}",
        100.0 * o.ci_level,
        o.favorable.join(", "),
        oa.chi_square
            .map(|c| format!(
                "  chi-square {:.2}, df {}, p {}",
                c.statistic,
                c.df,
                p_text(c.p_value)
            ))
            .unwrap_or_default()
    );
    let gw = oa
        .groups
        .iter()
        .map(|g| g.group.chars().count() + 2)
        .max()
        .unwrap_or(5)
        .max(7);
    let mut header = format!("  {}{}", pad("group", gw), rpad("n", 9));
    for l in &o.levels {
        header.push_str(&rpad(l, 24.max(l.chars().count() + 2)));
    }
    let _ = writeln!(out, "{header}");
    for g in &oa.groups {
        let mut line = format!("  {}{}", pad(&g.group, gw), rpad(&g.rows().to_string(), 9));
        for (j, l) in o.levels.iter().enumerate() {
            let (r, ci) = g.rates[j];
            let cell = match ci {
                Some((lo, hi)) => format!("{r:.3} [{lo:.3}, {hi:.3}]"),
                None => format!("{r:.3}"),
            };
            line.push_str(&rpad(&cell, 24.max(l.chars().count() + 2)));
        }
        let _ = writeln!(out, "{line}");
    }
}

fn attribute_section(out: &mut String, a: &AttributeAudit, alpha: f64) {
    let _ = writeln!(out, "\n{} (reference: {})", a.name, a.reference_name);
    let gw = a
        .groups
        .iter()
        .map(|g| g.group.name.chars().count() + 2)
        .max()
        .unwrap_or(5)
        .max(7);
    let mut header = format!("{}{}{}", pad("group", gw), rpad("n", 9), rpad("share", 8));
    for r in COLS {
        header.push_str(&rpad(r.name(), 16.min(r.name().len() + 2).max(8)));
    }
    header.push_str(&rpad("impact", 9));
    header.push_str("  significant gaps (adjusted p)");
    let _ = writeln!(out, "{header}");
    for g in &a.groups {
        let mark = if g.is_reference {
            " *"
        } else if !g.status.is_ok() {
            " ~"
        } else {
            ""
        };
        let mut line = format!(
            "{}{}{}",
            pad(&format!("{}{mark}", g.group.name), gw),
            rpad(&g.group.rows().to_string(), 9),
            rpad(&format!("{:.1}%", 100.0 * g.share), 8)
        );
        for r in COLS {
            line.push_str(&rpad(
                &f(g.group.rates.get(r)),
                16.min(r.name().len() + 2).max(8),
            ));
        }
        line.push_str(&rpad(&f(g.impact_ratio.get()), 9));
        let sig: Vec<String> = g
            .disparities
            .iter()
            .filter_map(|d| {
                let t = d.test.as_ref().ok()?;
                (t.p_adjusted < alpha).then(|| {
                    format!(
                        "{} {:+.3} (p{})",
                        d.rate.name(),
                        d.value.difference.get().unwrap_or(0.0),
                        match t.p_adjusted {
                            0.0 => "<1e-300".to_string(),
                            p => format!("={}", p_text(p)),
                        }
                    )
                })
            })
            .collect();
        if !sig.is_empty() {
            line.push_str("  ");
            line.push_str(&sig.join(", "));
        }
        let _ = writeln!(out, "{line}");
    }
    let s = &a.summary;
    for (m, v) in s.iter() {
        let mut line = format!("  {} {}", pad(m.name(), 31), f(v.value.get()));
        if let Some((lo, hi)) = a.summary_ci[m as usize] {
            let _ = write!(line, " [{lo:.3}, {hi:.3}]");
        }
        if let Some(g) = &v.group {
            let _ = write!(line, " ({g})");
        }
        if m == crate::metrics::Summary::DisparateImpact {
            match s.four_fifths_rule_passed {
                Some(true) => line.push_str("  four-fifths rule: passed"),
                Some(false) => line.push_str("  four-fifths rule: FAILED"),
                None => {}
            }
        }
        if let Some(r) = v.value.reason() {
            let _ = write!(line, "  [{r}]");
        }
        let _ = writeln!(out, "{line}");
    }
    if let Ok(c) = &a.chi_square {
        let _ = writeln!(
            out,
            "  chi-square (group x prediction) {:.2}, df {}, adjusted p {}",
            c.result.statistic,
            c.result.df,
            p_text(c.p_adjusted)
        );
    }
    for (rate, groups) in &s.left_out {
        let _ = writeln!(
            out,
            "  left out of {rate} summaries: {}",
            groups
                .iter()
                .map(|(g, r)| format!("{g} ({r})"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

/// The findings, highest severity first, and the verdict.
fn findings_section(out: &mut String, report: &Report) {
    let m = &report.model;
    let c = &report.cycle;
    let _ = writeln!(
        out,
        "\nFindings — model {}{} (risk tier {}), cycle {} run {}, next check due {}",
        m.id,
        m.version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default(),
        m.risk_tier.name(),
        c.id,
        c.run_date,
        c.next_check_due
    );
    let _ = writeln!(
        out,
        "each finding is judged on its own test and interval; decision rules: {}",
        report.decision_rules()
    );
    for f in report.findings_by_severity() {
        let _ = writeln!(
            out,
            "  [{:<17}] {:<8} {}  {}",
            f.status.name(),
            f.severity.name(),
            f.id,
            f.statement
        );
        if !f.risks.is_empty() {
            let _ = writeln!(out, "{:33}risks: {}", "", f.risks.join(", "));
        }
        if let Some(l) = &f.lifecycle {
            let _ = writeln!(out, "{:33}{}", "", l.line());
        }
    }
    for r in &report.proposed_risks {
        let _ = writeln!(
            out,
            "  proposed risk {}: {} (likelihood {}, impact {})",
            r.id,
            r.title,
            crate::governance::register::rated(r.likelihood),
            crate::governance::register::rated(r.impact)
        );
    }
    let (by_status, _) = report.finding_counts();
    let _ = writeln!(
        out,
        "verdict: {}; {}; gate (fail on {}): {}",
        match report.verdict() {
            crate::engine::Verdict::Pass => "pass",
            crate::engine::Verdict::Warn => "warn",
            crate::engine::Verdict::Fail => "FAIL",
        },
        by_status
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| format!("{n} {}", s.name()))
            .collect::<Vec<_>>()
            .join(", "),
        report.fail_on.name(),
        if report.gate_failed() {
            "FAILED"
        } else {
            "passed"
        }
    );
}
