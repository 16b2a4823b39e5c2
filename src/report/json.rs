//! The JSON report: the stable, machine-readable form, documented in
//! `docs/report-schema.md`. Undefined values are `null` with a reason beside them.

use serde_json::{json, Map, Value as Json};

use crate::audit::{AttributeAudit, AuditResult, Ci, GroupAudit, GroupStatus};
use crate::counts::{show, Cell, Outcome};
use crate::engine::Report;
use crate::metrics::{Group, Rate, RateOf, Summary};
use crate::spec::Favorable;
use crate::Result;

use super::Exporter;

/// Version of the JSON layout; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 5;

/// Every input of an audit by name: data files, counts tables, then inputs
/// that are not files (warehouse queries, in-memory frames).
pub fn input_names(audit: &crate::audit::AuditResult) -> Vec<String> {
    let spec = &audit.spec;
    spec.data
        .iter()
        .chain(&spec.counts)
        .map(|p| p.display().to_string())
        .chain(audit.counts.fetched.iter().map(|(n, _)| n.clone()))
        .collect()
}

/// The JSON report.
pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn render(&self, report: &Report) -> Result<String> {
        let mut s =
            serde_json::to_string_pretty(&to_json(report)).expect("a JSON value always serializes");
        s.push('\n');
        Ok(s)
    }
}

fn counts_json(c: &Cell) -> Json {
    json!({
        "tp": c.n[Outcome::Tp as usize],
        "fp": c.n[Outcome::Fp as usize],
        "tn": c.n[Outcome::Tn as usize],
        "fn": c.n[Outcome::Fn as usize],
    })
}

fn weighted_counts_json(c: &Cell) -> Json {
    json!({
        "tp": c.w[Outcome::Tp as usize],
        "fp": c.w[Outcome::Fp as usize],
        "tn": c.w[Outcome::Tn as usize],
        "fn": c.w[Outcome::Fn as usize],
    })
}

/// `{"value": v, "ci": [lo, hi]}`, or `null` when undefined; `ci` only when
/// an interval exists.
fn est(v: Option<f64>, ci: Ci) -> Json {
    match v {
        Some(x) if x.is_finite() => {
            let mut o = Map::new();
            o.insert("value".into(), json!(x));
            if let Some((lo, hi)) = ci {
                o.insert("ci".into(), json!([lo, hi]));
            }
            Json::Object(o)
        }
        _ => Json::Null,
    }
}

/// `metrics` and `undefined` maps of a group.
fn rates_json(g: &Group, cis: &[Ci; 11]) -> (Json, Map<String, Json>) {
    let mut metrics = Map::new();
    let mut undefined = Map::new();
    for r in Rate::ALL {
        let v = g.rates.get(r);
        metrics.insert(r.name().into(), est(v, cis[r as usize]));
        if v.is_none() {
            undefined.insert(r.name().into(), json!(r.undefined_reason(&g.cell)));
        }
    }
    (Json::Object(metrics), undefined)
}

fn group_json(a: &AttributeAudit, ga: &GroupAudit, weighted: bool, alpha: f64) -> Json {
    let g = &ga.group;
    let mut o = Map::new();
    o.insert("group".into(), json!(g.name));
    if a.members.len() > 1 {
        let mut vals = Map::new();
        for (m, v) in a.members.iter().zip(&g.key) {
            vals.insert(m.clone(), json!(show(v)));
        }
        o.insert("values".into(), Json::Object(vals));
    }
    match &ga.status {
        GroupStatus::Ok => {
            o.insert("status".into(), json!("ok"));
        }
        GroupStatus::InsufficientData(why) => {
            o.insert("status".into(), json!("insufficient_data"));
            o.insert("status_reason".into(), json!(why));
        }
    }
    o.insert("is_reference".into(), json!(ga.is_reference));
    o.insert("n".into(), json!(g.rows()));
    o.insert("share".into(), json!(ga.share));
    if weighted {
        o.insert("weight".into(), json!(g.weight()));
        o.insert("effective_n".into(), json!(ga.effective_n));
    }
    o.insert("counts".into(), counts_json(&g.cell));
    if weighted {
        o.insert("weighted_counts".into(), weighted_counts_json(&g.cell));
    }
    let (metrics, undefined) = rates_json(g, &ga.rate_ci);
    o.insert("metrics".into(), metrics);
    o.insert("undefined".into(), Json::Object(undefined));
    o.insert(
        "impact_ratio".into(),
        est(ga.impact_ratio.get(), ga.impact_ratio_ci),
    );
    if let Some(r) = ga.impact_ratio.reason() {
        o.insert("impact_ratio_undefined".into(), json!(r));
    }
    o.insert(
        "average_odds_difference".into(),
        est(ga.average_odds_difference.get(), None),
    );
    if let Some(r) = ga.average_odds_difference.reason() {
        o.insert("average_odds_difference_undefined".into(), json!(r));
    }
    let mut d = Map::new();
    for ds in &ga.disparities {
        let dis = &ds.value;
        let mut e = Map::new();
        e.insert(
            "difference".into(),
            est(dis.difference.get(), ds.difference_ci),
        );
        e.insert("ratio".into(), est(dis.ratio.get(), ds.ratio_ci));
        match &ds.test {
            Ok(t) => {
                e.insert("p_value".into(), json!(t.p_value));
                e.insert("p_adjusted".into(), json!(t.p_adjusted));
                e.insert("test".into(), json!(t.kind.name()));
                e.insert("significant".into(), json!(t.p_adjusted < alpha));
            }
            Err(why) => {
                e.insert("p_value".into(), Json::Null);
                e.insert("p_adjusted".into(), Json::Null);
                e.insert("test".into(), Json::Null);
                e.insert("significant".into(), Json::Null);
                e.insert("untested".into(), json!(why.to_string()));
            }
        }
        let mut why = Map::new();
        if let Some(r) = dis.difference.reason() {
            why.insert("difference".into(), json!(r));
        }
        if let Some(r) = dis.ratio.reason() {
            why.insert("ratio".into(), json!(r));
        }
        if !why.is_empty() {
            e.insert("undefined".into(), Json::Object(why));
        }
        d.insert(ds.rate.name().into(), Json::Object(e));
    }
    o.insert("disparities".into(), Json::Object(d));
    if let Some(sm) = &ga.score {
        o.insert("score".into(), score_json(sm));
    }
    Json::Object(o)
}

fn value_json(v: &crate::metrics::Value) -> Json {
    v.get().map_or(Json::Null, |x| json!(x))
}

fn score_json(s: &crate::metrics::score::ScoreMetrics) -> Json {
    let mut o = Map::new();
    let mut undefined = Map::new();
    for (k, v) in [
        ("auc", &s.auc),
        ("mean_score_positive", &s.mean_score_positive),
        ("mean_score_negative", &s.mean_score_negative),
        ("brier", &s.brier),
        ("ece", &s.ece),
    ] {
        o.insert(k.into(), value_json(v));
        if let Some(r) = v.reason() {
            undefined.insert(k.into(), json!(r));
        }
    }
    o.insert("undefined".into(), Json::Object(undefined));
    o.insert("reliability".into(), json!(s.reliability));
    Json::Object(o)
}

fn summary_json(a: &AttributeAudit, favorable: Favorable) -> Json {
    let s = &a.summary;
    let mut o = Map::new();
    let mut undefined = Map::new();
    for (m, v) in s.iter() {
        let name = m.name();
        o.insert(name.into(), est(v.value.get(), a.summary_ci[m as usize]));
        if let Some(g) = &v.group {
            o.insert(format!("{name}_group"), json!(g));
        }
        if let Some(r) = v.value.reason() {
            undefined.insert(name.into(), json!(r));
        }
        if m == Summary::DisparateImpact {
            o.insert(
                "four_fifths_rule_passed".into(),
                s.four_fifths_rule_passed.map_or(Json::Null, Json::Bool),
            );
            o.insert(
                "disparate_impact_basis".into(),
                json!(match favorable {
                    Favorable::Positive => "selection_rate",
                    Favorable::Negative => "1 - selection_rate",
                }),
            );
        }
    }
    o.insert("undefined".into(), Json::Object(undefined));
    let mut left = Map::new();
    for (rate, groups) in &s.left_out {
        left.insert(
            rate.name().into(),
            Json::Array(
                groups
                    .iter()
                    .map(|(g, r)| json!({"group": g, "reason": r}))
                    .collect(),
            ),
        );
    }
    o.insert("groups_left_out".into(), Json::Object(left));
    Json::Object(o)
}

/// The whole report as a JSON value: the audit, then the model, cycle, policy,
/// findings and proposed risks.
pub fn to_json(report: &Report) -> Json {
    let mut o = match audit_json(&report.audit) {
        Json::Object(o) => o,
        _ => unreachable!("the audit is an object"),
    };
    let (by_status, by_sev) = report.finding_counts();
    let gov = json!({
        "model": report.model,
        "cycle": report.cycle,
        "verdict": report.verdict(),
        "gate": {"fail_on": report.fail_on, "failed": report.gate_failed()},
        "finding_counts": {
            "by_status": by_status.iter().map(|(s, n)| (s.name().to_string(), json!(n))).collect::<Map<_, _>>(),
            "by_severity": by_sev.iter().map(|(s, n)| (s.name().to_string(), json!(n))).collect::<Map<_, _>>(),
        },
        "policy": {
            "source": report.policy_source,
            "checks": report.policy,
            "decision_rules": report.policy.iter().map(|c| json!({
                "check": c.id(),
                "evidence": c.rule(),
                "family": c.family,
                "alpha": c.alpha.unwrap_or(report.audit.spec.stats.alpha),
                "definition": "docs/governance.md#decision-rules",
            })).collect::<Vec<_>>(),
        },
        "controls_evidenced_by_run": crate::governance::controls::for_run(&report.model),
        "spec_approval": report.spec_approval,
        "governance": report.governance,
        "risk_register": report.register.as_ref().map(|(p, n)| json!({"path": p.display().to_string(), "entries": n, "matched": report.matched_risks})),
        "findings": report.findings_by_severity(),
        "proposed_risks": report.proposed_risks,
        "generated_at": report.generated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "spec_file": report.spec_file.as_ref().map(|p| p.display().to_string()),
        "run_id": report.run_id,
        "previous_run": report.previous_run.as_ref().map(|r| json!({
            "run_id": r.run_id, "seq": r.seq, "run_date": r.run_date, "cycle_id": r.cycle_id, "verdict": r.verdict,
        })),
    });
    if let Json::Object(g) = gov {
        o.extend(g);
    }
    Json::Object(o)
}

/// The audit part of the report.
pub fn audit_json(audit: &AuditResult) -> Json {
    let spec = &audit.spec;
    let st = &spec.stats;
    let counts = &audit.counts;
    let weighted = counts.weighted;
    let c = &spec.columns;
    let paths: Vec<String> = spec.data.iter().map(|p| p.display().to_string()).collect();
    let counts_paths: Vec<String> = spec
        .counts
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let fetched: Vec<Json> = counts
        .fetched
        .iter()
        .map(|(name, sha)| json!({"source": name, "counts_sha256": sha}))
        .collect();
    let all = input_names(audit);
    let ex = &counts.excluded;
    let (overall_metrics, overall_undefined) = rates_json(&audit.overall, &audit.overall_ci);
    let mut overall = Map::new();
    overall.insert("n".into(), json!(audit.overall.rows()));
    if weighted {
        overall.insert("weight".into(), json!(audit.overall.weight()));
        overall.insert("effective_n".into(), json!(audit.overall_effective_n));
    }
    overall.insert("counts".into(), counts_json(&audit.overall.cell));
    if weighted {
        overall.insert(
            "weighted_counts".into(),
            weighted_counts_json(&audit.overall.cell),
        );
    }
    overall.insert("metrics".into(), overall_metrics);
    if let Some(sm) = &audit.overall_score {
        overall.insert("score".into(), score_json(sm));
    }
    overall.insert("inequality".into(), json!(audit.inequality));
    overall.insert("undefined".into(), Json::Object(overall_undefined));

    let mut out = json!({
        "schema_version": SCHEMA_VERSION,
        "engine": {"name": "fairaudit", "version": env!("CARGO_PKG_VERSION")},
        "dataset": {
            "path": all.join(", "),
            "paths": paths,
            "counts_paths": counts_paths,
            "warehouse": fetched,
            "rows": counts.rows_read,
            "rows_used": counts.rows_used(),
            "excluded": {
                "total": ex.total(),
                "missing_label": ex.missing_label,
                "missing_prediction": ex.missing_prediction,
                "missing_score": ex.missing_score,
                "missing_weight": ex.missing_weight,
            },
            "weighted": weighted,
        },
        "settings": {
            "label": c.label,
            "prediction": c.prediction.clone().unwrap_or_else(|| crate::spec::DEFAULT_PREDICTION.into()),
            "score": c.score,
            "threshold": c.threshold,
            "weight": c.weight,
            "positive": c.positive,
            "favorable": spec.favorable,
            "reference_strategy": spec.references.strategy.to_string(),
            "reference_groups": spec.references.named,
            "attributes": spec.attributes,
            "intersect": spec.intersect,
            "score_bins": if counts.score_bins > 0 { json!(counts.score_bins) } else { Json::Null },
            "calibration_bins": if counts.score_bins > 0 { json!(spec.calibration_bins) } else { Json::Null },
            "stratify": spec.stratify,
        },
        "statistics": {
            "ci_level": st.ci_level,
            "ci_method": st.ci_method,
            "difference_ci": "newcombe",
            "ratio_ci": "koopman_score",
            "summary_ci": if st.bootstrap > 0 { json!("percentile_bootstrap") } else { Json::Null },
            "bootstrap_method": if st.bootstrap > 0 { json!(crate::audit::bootstrap::METHOD) } else { Json::Null },
            "bootstrap_replicates": st.bootstrap,
            "seed": st.seed,
            "p_adjust": st.p_adjust,
            "alpha": st.alpha,
            "tests_in_family": audit.tests_in_family,
            "min_group_size": st.min_group_size,
            "min_group_share": st.min_group_share,
        },
        "overall": Json::Object(overall),
        "numeric_outcome": audit.numeric.as_ref().map(|n| json!({
            "column": n.column,
            "truth": n.truth,
            "quantiles": "relative-error sketch: within ±1% of a value at the rank (gamma 1.02)",
            "mean_ci": "t interval on Kish's effective size",
            "mean_difference_ci": "Welch",
            "mean_ratio_ci": "delta method on the log scale",
            "ks": "distance at the sketch's bucket edges; asymptotic Kolmogorov p-value on n·m/(n+m)",
        })),
        "outcomes": audit.outcomes.as_ref().map(|o| json!({
            "levels": o.levels,
            "favorable": o.favorable,
            "simultaneous_ci": "goodman",
        })),
        "attributes": audit.attributes.iter().enumerate().map(|(ai, a)| {
            let mut aj = json!({
                "name": a.name,
                "members": a.members,
                "reference_group": a.reference_name,
                "groups": a.groups.iter().map(|g| group_json(a, g, weighted, st.alpha)).collect::<Vec<_>>(),
                "summary": summary_json(a, spec.favorable),
                "score_summary": a.score_summary.iter().map(|(k, v)| (k.to_string(), value_json(v))).collect::<Map<_, _>>(),
                "score_summary_undefined": a.score_summary.iter().filter_map(|(k, v)| v.reason().map(|r| (k.to_string(), json!(r)))).collect::<Map<_, _>>(),
                "inequality": {"between_group": a.inequality},
                "threshold_ranges": (counts.score_bins > 0).then(|| {
                    let sw = crate::audit::sweep::sweep_attribute(a, spec.favorable, 0.01, 0.1);
                    json!({"step": 0.01, "four_fifths_holds": sw.four_fifths_holds,
                           "equal_opportunity_within_0_1": sw.equal_opportunity_within})
                }),
                "conditional_parity": a.conditional,
                "chi_square": match &a.chi_square {
                    Ok(c) => json!({
                        "statistic": c.result.statistic,
                        "df": c.result.df,
                        "p_value": c.result.p_value,
                        "p_adjusted": c.p_adjusted,
                        "significant": c.p_adjusted < st.alpha,
                    }),
                    Err(why) => json!({"statistic": null, "undefined": why}),
                },
            });
            beyond_json(audit, ai, &a.name, &mut aj);
            aj
        }).collect::<Vec<_>>(),
    });
    // Only a multi-outcome decision, or a numeric outcome, has its key.
    if let Some(m) = out.as_object_mut() {
        if audit.outcomes.is_none() {
            m.remove("outcomes");
        }
        if audit.numeric.is_none() {
            m.remove("numeric_outcome");
        }
    }
    out
}

/// An attribute's sections beyond the binary decision: outcome levels, the
/// numeric outcome, the human-oversight audit, the controlled analysis.
fn beyond_json(audit: &AuditResult, ai: usize, name: &str, aj: &mut Json) {
    let alpha = audit.spec.stats.alpha;
    if let Some(o) = &audit.outcomes {
        aj["outcomes"] = outcome_attribute_json(o, ai, alpha);
    }
    if let Some(n) = &audit.numeric {
        aj["numeric"] = numeric_attribute_json(&n.attributes[ai]);
    }
    if let Some(o) = &audit.oversight {
        aj["oversight"] = oversight_json(&o.attributes[ai], &o.column, alpha);
    }
    let controlled = audit
        .controlled
        .as_ref()
        .and_then(|c| c.attributes.iter().find(|x| x.name == name));
    if let Some(c) = controlled {
        aj["controlled"] = controlled_json(c, &audit.spec.controls, alpha);
        if !audit.counts.control_bands.is_empty() {
            aj["controlled"]["control_bands"] = json!(audit.counts.control_bands);
        }
    }
}

fn num_est(e: &crate::audit::numeric::Est) -> Json {
    match e {
        Ok((v, ci)) => est(Some(*v), *ci),
        Err(_) => Json::Null,
    }
}

fn two_sample(t: &Option<crate::audit::numeric::TwoSample>, df: &str) -> Json {
    match t {
        Some(t) => json!({"statistic": t.statistic, df: t.df, "p_value": t.p_value}),
        None => Json::Null,
    }
}

/// One attribute's numeric outcome, group by group.
fn numeric_attribute_json(a: &crate::audit::numeric::NumericAttribute) -> Json {
    let groups: Vec<Json> = a
        .groups
        .iter()
        .map(|g| {
            let mut o = Map::new();
            o.insert("group".into(), json!(g.group));
            o.insert("is_reference".into(), json!(g.is_reference));
            o.insert("n".into(), json!(g.n));
            o.insert("effective_n".into(), json!(g.effective_n));
            o.insert("mean".into(), num_est(&g.mean));
            o.insert("sd".into(), json!(g.sd));
            o.insert(
                "quantiles".into(),
                json!({"p10": g.quantiles[0], "median": g.quantiles[1], "p90": g.quantiles[2]}),
            );
            // Every null estimate says why.
            let mut why = Map::new();
            if let Err(r) = &g.mean {
                why.insert("mean".into(), json!(r));
            }
            if g.sd.is_none() {
                why.insert("sd".into(), json!("fewer than two rows with a value"));
            }
            if matches!(&g.mean, Ok((_, None))) {
                why.insert(
                    "mean_ci".into(),
                    json!("no interval: fewer than two rows with a value, or no spread"),
                );
            }
            if g.quantiles.iter().any(Option::is_none) {
                why.insert("quantiles".into(), json!("no row with a value"));
            }
            if !g.is_reference {
                o.insert("mean_difference".into(), num_est(&g.mean_difference));
                o.insert("welch".into(), two_sample(&g.welch, "df"));
                o.insert("mean_ratio".into(), num_est(&g.mean_ratio));
                o.insert("smd".into(), json!(g.smd));
                o.insert("ks".into(), two_sample(&g.ks, "effective_n"));
                for (k, e) in [
                    ("mean_difference", &g.mean_difference),
                    ("mean_ratio", &g.mean_ratio),
                ] {
                    if let Err(r) = e {
                        why.insert(k.into(), json!(r));
                    }
                }
                if let Err(r) = &g.mean_difference {
                    if g.welch.is_none() {
                        why.insert("welch".into(), json!(r));
                    }
                }
                if g.smd.is_none() {
                    why.insert(
                        "smd".into(),
                        json!("a standard deviation is 0 or undefined, or a group has no values"),
                    );
                }
                if g.ks.is_none() {
                    why.insert(
                        "ks".into(),
                        json!("the group or the reference has no values"),
                    );
                }
            }
            if !why.is_empty() {
                o.insert("undefined".into(), Json::Object(why));
            }
            if let Some([mae, mse, rmse, mse_signed]) = g.errors {
                o.insert(
                    "errors".into(),
                    json!({"mae": mae, "mse": mse, "rmse": rmse, "mean_signed_error": mse_signed}),
                );
            }
            Json::Object(o)
        })
        .collect();
    json!({
        "groups": groups,
        "bounded_group_loss": a.bounded_group_loss.as_ref().map(|[mse, mae]| json!({
            "mse": {"value": mse.0, "group": mse.1},
            "mae": {"value": mae.0, "group": mae.1},
        })),
    })
}

fn override_rate_json(r: &crate::audit::oversight::OverrideRate, alpha: f64) -> Json {
    let mut o = json!({"count": r.count, "of": r.of, "rate": est(r.rate, r.ci)});
    let mut why = Map::new();
    if let Some((d, ci, p)) = &r.vs_reference {
        o["difference"] = est(Some(*d), *ci);
        o["p_value"] = json!(p);
        o["significant"] = json!(p.map(|p| p < alpha));
    }
    // A rate over no rows says why it is null.
    if r.rate.is_none() {
        why.insert("rate".into(), json!("no row it could happen to (of = 0)"));
    }
    if r.vs_reference.is_none() {
        why.insert(
            "difference".into(),
            json!("no comparison: the reference group, or this group's or the reference's rate is over no rows"),
        );
    }
    if !why.is_empty() {
        o["undefined"] = Json::Object(why);
    }
    o
}

/// One attribute's human-oversight audit.
fn oversight_json(
    a: &crate::audit::oversight::OversightAttribute,
    column: &str,
    alpha: f64,
) -> Json {
    json!({
        "final_column": column,
        "groups": a.groups.iter().map(|g| {
            let change = match g.impact_ratio {
                [Some(r), Some(f)] => Some(f - r),
                _ => None,
            };
            json!({
                "group": g.group,
                "is_reference": g.is_reference,
                "n": g.n,
                "without_final": g.without_final,
                "favourable_to_adverse": override_rate_json(&g.favourable_to_adverse, alpha),
                "adverse_to_favourable": override_rate_json(&g.adverse_to_favourable, alpha),
                "any_override": override_rate_json(&g.any_override, alpha),
                "selection_rate": {"recommendation": g.selection_rate[0], "final": g.selection_rate[1]},
                "impact_ratio": {"recommendation": g.impact_ratio[0], "final": g.impact_ratio[1], "change": change},
                "human_layer_widens_gap": if g.is_reference { Json::Null } else { json!(change.map(|c| c < 0.0)) },
            })
        }).collect::<Vec<_>>(),
    })
}

/// One attribute's controlled analysis: raw and adjusted side by side.
fn controlled_json(
    c: &crate::audit::controlled::ControlledAttribute,
    controls: &[String],
    alpha: f64,
) -> Json {
    let res = |r: &Result<(f64, Ci, f64), String>| match r {
        Ok((v, ci, p)) => {
            let mut o = est(Some(*v), *ci);
            o["p_value"] = json!(p);
            o["significant"] = json!(*p < alpha);
            o
        }
        Err(why) => json!({"value": null, "undefined": why}),
    };
    json!({
        "controls": controls,
        "reference_group": c.reference,
        "method": "logistic regression of the favourable decision on the group and the controls (treatment coding), fitted by IRLS on the group × control cells; Wald intervals; likelihood-ratio test of the group term",
        "groups": c.groups.iter().map(|g| json!({
            "group": g.group,
            "raw_odds_ratio": match &g.raw_odds_ratio {
                Ok((v, ci)) => est(Some(*v), *ci),
                Err(why) => json!({"value": null, "undefined": why}),
            },
            "adjusted_odds_ratio": res(&g.adjusted_odds_ratio),
            "share_explained": g.share_explained,
            "share_explained_undefined": match (&g.share_explained, &g.raw_odds_ratio, &g.adjusted_odds_ratio) {
                (Some(_), _, _) => Json::Null,
                (None, Err(_), _) => json!("the raw odds ratio is undefined"),
                (None, _, Err(_)) => json!("the adjusted odds ratio is undefined"),
                (None, _, _) => json!("no raw gap to explain: the raw odds ratio is 1"),
            },
            "raw_mean_difference": g.raw_mean_difference,
            "adjusted_mean_difference": match &g.adjusted_mean_difference {
                Err(w) if w == "no numeric outcome" => Json::Null,
                r => res(r),
            },
        })).collect::<Vec<_>>(),
        "lr_test": c.lr_test.map(|(s, df, p)| json!({"statistic": s, "df": df, "p_value": p})),
        "fit": {"cells": c.cells, "iterations": c.iterations, "converged": c.converged},
        "warnings": c.warnings,
    })
}

/// One attribute's outcome mix: per group, each level's count by label, its
/// rate with the simultaneous interval, and — from the level's audit against
/// the rest — its one-vs-rest TPR and FPR and its rate's difference and ratio
/// against the reference with their test; the group × level chi-square test.
fn outcome_attribute_json(o: &crate::audit::outcomes::OutcomeAudit, ai: usize, alpha: f64) -> Json {
    let oa = &o.attributes[ai];
    let groups: Vec<Json> = oa
        .groups
        .iter()
        .map(|g| {
            let mut levels = Map::new();
            for (j, level) in o.levels.iter().enumerate() {
                let lg = o.per_level[j].attributes[ai]
                    .groups
                    .iter()
                    .find(|x| x.group.name == g.group);
                let (rate, ci) = g.rates[j];
                let mut e = Map::new();
                e.insert("count".into(), json!(g.counts[j].n[0] + g.counts[j].n[1]));
                e.insert(
                    "by_label".into(),
                    json!({"0": g.counts[j].n[0], "1": g.counts[j].n[1]}),
                );
                e.insert("rate".into(), est(Some(rate), ci));
                if let Some(lg) = lg {
                    let t = &lg.group;
                    e.insert(
                        "tpr".into(),
                        est(t.rates.get(Rate::Tpr), lg.rate_ci[Rate::Tpr as usize]),
                    );
                    e.insert(
                        "fpr".into(),
                        est(t.rates.get(Rate::Fpr), lg.rate_ci[Rate::Fpr as usize]),
                    );
                    let ds = lg.disparity(Rate::SelectionRate);
                    e.insert(
                        "difference".into(),
                        est(ds.value.difference.get(), ds.difference_ci),
                    );
                    e.insert("ratio".into(), est(ds.value.ratio.get(), ds.ratio_ci));
                    let mut why = Map::new();
                    for r in [Rate::Tpr, Rate::Fpr] {
                        if t.rates.get(r).is_none() {
                            why.insert(r.name().into(), json!(r.undefined_reason(&t.cell)));
                        }
                    }
                    for (k, v) in [
                        ("difference", &ds.value.difference),
                        ("ratio", &ds.value.ratio),
                    ] {
                        if let crate::metrics::Value::Undefined(r) = v {
                            why.insert(k.into(), json!(r));
                        }
                    }
                    if !why.is_empty() {
                        e.insert("undefined".into(), Json::Object(why));
                    }
                    match &ds.test {
                        Ok(t) => {
                            e.insert("p_value".into(), json!(t.p_value));
                            e.insert("significant".into(), json!(t.p_value < alpha));
                        }
                        Err(why) => {
                            e.insert("p_value".into(), Json::Null);
                            e.insert("untested".into(), json!(why.to_string()));
                        }
                    }
                }
                levels.insert(level.clone(), Json::Object(e));
            }
            json!({"group": g.group, "n": g.rows(), "levels": levels})
        })
        .collect();
    json!({
        "groups": groups,
        "chi_square": match &oa.chi_square {
            Some(c) => json!({"statistic": c.statistic, "df": c.df, "p_value": c.p_value, "groups_left_out": oa.left_out}),
            None => json!({
                "statistic": null,
                "undefined": if oa.left_out.is_empty() {
                    "fewer than two groups or levels with rows"
                } else {
                    "fewer than two groups large enough to judge, or levels with rows"
                },
                "groups_left_out": oa.left_out,
            }),
        },
    })
}
