//! A Markdown summary fit for a pull-request comment: verdict, counts, the
//! findings that need attention, then the rest folded away.

use std::fmt::Write;

use crate::checks::{Finding, Status};
use crate::engine::{Report, Verdict};
use crate::Result;

use super::Exporter;

/// The Markdown summary.
pub struct MarkdownExporter;

/// Escapes text for a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\n', " ")
}

fn num(v: Option<f64>) -> String {
    v.map_or("—".into(), |x| format!("{x:.3}"))
}

fn row(out: &mut String, f: &Finding) {
    let ci =
        f.ci.map(|[a, b]| format!("{a:.3}–{b:.3}"))
            .unwrap_or_else(|| "—".into());
    let p = f
        .p_adjusted
        .map(|p| {
            if p < 0.001 {
                format!("{p:.1e}")
            } else {
                format!("{p:.3}")
            }
        })
        .unwrap_or_else(|| "—".into());
    let _ = writeln!(
        out,
        "| {} | {} | {} | {} | {} | {} | {} | {} |",
        f.status.name(),
        f.severity.name(),
        cell(&f.title),
        num(f.value),
        ci,
        p,
        if f.risks.is_empty() {
            "—".into()
        } else {
            cell(&f.risks.join(", "))
        },
        f.id
    );
}

const HEADER: &str = "| status | severity | finding | value | CI | p | risks | id |\n|---|---|---|---|---|---|---|---|\n";

impl Exporter for MarkdownExporter {
    fn render(&self, report: &Report) -> Result<String> {
        let mut out = String::new();
        let m = &report.model;
        let verdict = match report.verdict() {
            Verdict::Pass => "PASS",
            Verdict::Warn => "WARN",
            Verdict::Fail => "FAIL",
        };
        let _ = writeln!(
            out,
            "## fairaudit: {verdict} — {}{}\n",
            cell(m.name.as_deref().unwrap_or(&m.id)),
            m.version
                .as_deref()
                .map(|v| format!(" {}", cell(v)))
                .unwrap_or_default()
        );
        let a = &report.audit;
        let _ = writeln!(
            out,
            "Cycle **{}** · run {} · next check due {} · risk tier {}{} · {} rows ({} excluded) from {}\n",
            report.cycle.id,
            report.cycle.run_date,
            report.cycle.next_check_due,
            m.risk_tier.name(),
            m.eu_ai_act_high_risk
                .as_deref()
                .map(|x| format!(" · EU AI Act {}", cell(x)))
                .unwrap_or_default(),
            a.counts.rows_read,
            a.counts.excluded.total(),
            cell(&super::json::input_names(a).join(", "))
        );
        let (by_status, by_sev) = report.finding_counts();
        let _ = writeln!(
            out,
            "Findings: {} · severities: {} · gate (fail on {}): **{}**\n",
            by_status
                .iter()
                .map(|(s, n)| format!("{n} {}", s.name()))
                .collect::<Vec<_>>()
                .join(", "),
            by_sev
                .iter()
                .filter(|(_, n)| *n > 0)
                .map(|(s, n)| format!("{n} {}", s.name()))
                .collect::<Vec<_>>()
                .join(", "),
            report.fail_on.name(),
            if report.gate_failed() {
                "failed"
            } else {
                "passed"
            }
        );
        let sorted = report.findings_by_severity();
        let (attention, rest): (Vec<&Finding>, Vec<&Finding>) = sorted
            .into_iter()
            .partition(|f| matches!(f.status, Status::Fail | Status::Warn));
        if attention.is_empty() {
            out.push_str("No check warned or failed.\n\n");
        } else {
            out.push_str("### Needs attention\n\n");
            out.push_str(HEADER);
            for f in &attention {
                row(&mut out, f);
            }
            out.push('\n');
            for f in &attention {
                let _ = writeln!(
                    out,
                    "- **{}** ({}): {}{}",
                    cell(&f.title),
                    f.id,
                    cell(&f.statement),
                    f.lifecycle
                        .as_ref()
                        .map(|l| format!(" — {}", cell(&l.line())))
                        .unwrap_or_default()
                );
            }
            out.push('\n');
        }
        if !rest.is_empty() {
            let _ = writeln!(
                out,
                "<details><summary>{} other findings</summary>\n\n{HEADER}",
                rest.len()
            );
            for f in &rest {
                row(&mut out, f);
            }
            out.push_str("\n</details>\n\n");
        }
        if let Some(o) = &a.outcomes {
            outcome_mix(&mut out, o);
        }
        if let Some(n) = &a.numeric {
            numeric_md(&mut out, n);
        }
        if let Some(c) = &a.controlled {
            controlled_md(&mut out, c);
        }
        if !report.proposed_risks.is_empty() {
            out.push_str("### Proposed risk-register entries\n\n| id | title | likelihood | impact | owner |\n|---|---|---|---|---|\n");
            for r in &report.proposed_risks {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} |",
                    r.id,
                    cell(&r.title),
                    crate::governance::register::rated(r.likelihood),
                    crate::governance::register::rated(r.impact),
                    cell(&r.owner)
                );
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "<sub>fairaudit {} · {} intervals at {:.0}% · each finding judged on its own test and interval; decision rules: {} · the report's gap tests adjusted ({}) across {} tests</sub>",
            env!("CARGO_PKG_VERSION"),
            match a.spec.stats.ci_method {
                crate::stats::CiMethod::Wilson => "Wilson",
                crate::stats::CiMethod::Exact => "Clopper–Pearson",
            },
            100.0 * a.spec.stats.ci_level,
            cell(&report.decision_rules()),
            a.spec.stats.p_adjust.label(),
            a.tests_in_family
        );
        Ok(out)
    }
}

/// The outcome mix of every attribute: a table of each level's rate by group.
fn outcome_mix(out: &mut String, o: &crate::audit::outcomes::OutcomeAudit) {
    let _ = writeln!(
        out,
        "### Outcome mix\n\nRate of each outcome by group, with {:.0}% simultaneous (Goodman) intervals; favourable: {}.\n",
        100.0 * o.ci_level,
        cell(&o.favorable.join(", "))
    );
    for a in &o.attributes {
        let _ = write!(out, "| {} | n |", cell(&a.name));
        for l in &o.levels {
            let _ = write!(out, " {} |", cell(l));
        }
        out.push_str("\n|---|---|");
        for _ in &o.levels {
            out.push_str("---|");
        }
        out.push('\n');
        for g in &a.groups {
            let _ = write!(out, "| {} | {} |", cell(&g.group), g.rows());
            for (r, ci) in &g.rates {
                match ci {
                    Some((lo, hi)) => {
                        let _ = write!(out, " {r:.3} ({lo:.3}–{hi:.3}) |");
                    }
                    None => {
                        let _ = write!(out, " {r:.3} |");
                    }
                }
            }
            out.push('\n');
        }
        if let Some(c) = &a.chi_square {
            let _ = writeln!(
                out,
                "\nChi-square test of {} × outcome: {:.2}, df {}, p = {:.3e}",
                cell(&a.name),
                c.statistic,
                c.df,
                c.p_value
            );
        }
        out.push('\n');
    }
}

/// The numeric outcome by group: mean with interval, median, gap to the reference.
fn numeric_md(out: &mut String, n: &crate::audit::numeric::NumericAudit) {
    let _ = writeln!(out, "### Numeric outcome: {}\n", cell(&n.column));
    for a in &n.attributes {
        let _ = writeln!(
            out,
            "| {} | n | mean (CI) | median | difference vs reference (Welch CI) | p | SMD | KS |{}\n|---|---|---|---|---|---|---|---|{}",
            cell(&a.name),
            if n.truth.is_some() { " MAE | RMSE | mean signed error |" } else { "" },
            if n.truth.is_some() { "---|---|---|" } else { "" }
        );
        for g in &a.groups {
            let e = |x: &crate::audit::numeric::Est| match x {
                Ok((v, Some((lo, hi)))) => format!("{v:.4} ({lo:.4}–{hi:.4})"),
                Ok((v, None)) => format!("{v:.4}"),
                Err(_) => "—".into(),
            };
            let _ = write!(
                out,
                "| {}{} | {} | {} | {} | {} | {} | {} | {} |",
                cell(&g.group),
                if g.is_reference { " (reference)" } else { "" },
                g.n,
                e(&g.mean),
                g.quantiles[1].map_or("—".into(), |v| format!("{v:.4}")),
                if g.is_reference {
                    "—".into()
                } else {
                    e(&g.mean_difference)
                },
                g.welch
                    .as_ref()
                    .map_or("—".into(), |w| format!("{:.3e}", w.p_value)),
                g.smd.map_or("—".into(), |v| format!("{v:.3}")),
                g.ks.as_ref()
                    .map_or("—".into(), |k| format!("{:.3}", k.statistic)),
            );
            if n.truth.is_some() {
                match g.errors {
                    Some([mae, _, rmse, bias]) => {
                        let _ = write!(out, " {mae:.4} | {rmse:.4} | {bias:.4} |");
                    }
                    None => out.push_str(" — | — | — |"),
                }
            }
            out.push('\n');
        }
        out.push('\n');
    }
}

/// Raw against adjusted group gaps, per attribute.
fn controlled_md(out: &mut String, c: &crate::audit::controlled::ControlledAudit) {
    let _ = writeln!(
        out,
        "### Controlled for {}\n\nOdds of the favourable decision against the reference group, raw and adjusted for the controls (logistic regression); *explained* is the share of the raw gap (log odds) the controls account for.\n",
        cell(&c.controls.join(", "))
    );
    for a in &c.attributes {
        let _ = writeln!(
            out,
            "| {} (reference {}) | raw odds ratio | adjusted odds ratio | p | explained |\n|---|---|---|---|---|",
            cell(&a.name),
            cell(&a.reference)
        );
        for g in &a.groups {
            let or = |r: &crate::audit::controlled::Estimate| match r {
                Ok((v, Some((lo, hi)))) => format!("{v:.3} ({lo:.3}–{hi:.3})"),
                Ok((v, None)) => format!("{v:.3}"),
                Err(w) => format!("— ({})", cell(w)),
            };
            let (adj, p) = match &g.adjusted_odds_ratio {
                Ok((v, ci, p)) => (or(&Ok((*v, *ci))), format!("{p:.3e}")),
                Err(w) => (format!("— ({})", cell(w)), "—".into()),
            };
            let _ = writeln!(
                out,
                "| {} | {} | {adj} | {p} | {} |",
                cell(&g.group),
                or(&g.raw_odds_ratio),
                g.share_explained
                    .map_or("—".into(), |s| format!("{:.0}%", 100.0 * s))
            );
        }
        let numeric: Vec<_> = a
            .groups
            .iter()
            .filter(|g| !matches!(&g.adjusted_mean_difference, Err(w) if w == "no numeric outcome"))
            .collect();
        if !numeric.is_empty() {
            let _ = writeln!(
                out,
                "\n| {} (reference {}) | raw mean difference | adjusted mean difference (least squares) | p |\n|---|---|---|---|",
                cell(&a.name),
                cell(&a.reference)
            );
            for g in numeric {
                let (adj, p) = match &g.adjusted_mean_difference {
                    Ok((v, Some((lo, hi)), p)) => {
                        (format!("{v:.4} ({lo:.4}–{hi:.4})"), format!("{p:.3e}"))
                    }
                    Ok((v, None, p)) => (format!("{v:.4}"), format!("{p:.3e}")),
                    Err(w) => (format!("— ({})", cell(w)), "—".into()),
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {adj} | {p} |",
                    cell(&g.group),
                    g.raw_mean_difference
                        .map_or("—".into(), |d| format!("{d:.4}"))
                );
            }
        }
        if let Some((s, df, p)) = a.lr_test {
            let _ = writeln!(
                out,
                "\nLikelihood-ratio test of {} given the controls: {s:.2}, df {df}, p = {p:.3e}",
                cell(&a.name)
            );
        }
        for w in &a.warnings {
            let _ = writeln!(out, "\n> {}", cell(w));
        }
        out.push('\n');
    }
}
