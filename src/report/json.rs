//! The JSON report: the stable, machine-readable form, documented in
//! `docs/report-schema.md`. Undefined values are `null` with a reason beside them.

use serde_json::{json, Map, Value as Json};

use crate::audit::{AttributeAudit, Audit, GroupAudit};
use crate::counts::{show, Cell, Outcome};
use crate::metrics::{Group, Rate};
use crate::spec::Favorable;
use crate::Result;

use super::Exporter;

/// Version of the JSON layout; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn render(&self, audit: &Audit) -> Result<String> {
        let mut s =
            serde_json::to_string_pretty(&to_json(audit)).expect("a JSON value always serializes");
        s.push('\n');
        Ok(s)
    }
}

fn num(v: Option<f64>) -> Json {
    match v {
        Some(x) if x.is_finite() => json!(x),
        _ => Json::Null,
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

/// `metrics` and `undefined` maps of a group.
fn rates_json(g: &Group) -> (Json, Map<String, Json>) {
    let mut metrics = Map::new();
    let mut undefined = Map::new();
    for r in Rate::ALL {
        let v = g.rates.get(r);
        metrics.insert(r.name().into(), num(v));
        if v.is_none() {
            undefined.insert(r.name().into(), json!(r.undefined_reason(&g.cell)));
        }
    }
    (Json::Object(metrics), undefined)
}

fn group_json(a: &AttributeAudit, ga: &GroupAudit, weighted: bool) -> Json {
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
    o.insert("n".into(), json!(g.rows()));
    o.insert("share".into(), json!(ga.share));
    if weighted {
        o.insert("weight".into(), json!(g.weight()));
    }
    o.insert("counts".into(), counts_json(&g.cell));
    if weighted {
        o.insert("weighted_counts".into(), weighted_counts_json(&g.cell));
    }
    let (metrics, undefined) = rates_json(g);
    o.insert("metrics".into(), metrics);
    o.insert("undefined".into(), Json::Object(undefined));
    o.insert("impact_ratio".into(), num(ga.impact_ratio.get()));
    o.insert(
        "average_odds_difference".into(),
        num(ga.average_odds_difference.get()),
    );
    let mut d = Map::new();
    for (r, dis) in &ga.disparities {
        let mut e = Map::new();
        e.insert("difference".into(), num(dis.difference.get()));
        e.insert("ratio".into(), num(dis.ratio.get()));
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
        d.insert(r.name().into(), Json::Object(e));
    }
    o.insert("disparities".into(), Json::Object(d));
    if let Some(r) = ga.impact_ratio.reason() {
        o.insert("impact_ratio_undefined".into(), json!(r));
    }
    if let Some(r) = ga.average_odds_difference.reason() {
        o.insert("average_odds_difference_undefined".into(), json!(r));
    }
    Json::Object(o)
}

fn summary_json(a: &AttributeAudit, favorable: Favorable) -> Json {
    let s = &a.summary;
    let mut o = Map::new();
    let mut undefined = Map::new();
    for (name, v) in &s.values {
        o.insert((*name).into(), num(v.value.get()));
        if let Some(g) = &v.group {
            o.insert(format!("{name}_group"), json!(g));
        }
        if let Some(r) = v.value.reason() {
            undefined.insert((*name).into(), json!(r));
        }
        if *name == "disparate_impact" {
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
            (*rate).into(),
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

/// The whole report as a JSON value.
pub fn to_json(audit: &Audit) -> Json {
    let spec = &audit.spec;
    let counts = &audit.counts;
    let weighted = counts.weighted;
    let c = &spec.columns;
    let paths: Vec<String> = spec.data.iter().map(|p| p.display().to_string()).collect();
    let ex = &counts.excluded;
    let (overall_metrics, overall_undefined) = rates_json(&audit.overall);
    let mut overall = Map::new();
    overall.insert("n".into(), json!(audit.overall.rows()));
    if weighted {
        overall.insert("weight".into(), json!(audit.overall.weight()));
    }
    overall.insert("counts".into(), counts_json(&audit.overall.cell));
    if weighted {
        overall.insert(
            "weighted_counts".into(),
            weighted_counts_json(&audit.overall.cell),
        );
    }
    overall.insert("metrics".into(), overall_metrics);
    overall.insert("undefined".into(), Json::Object(overall_undefined));

    json!({
        "schema_version": SCHEMA_VERSION,
        "engine": {"name": "fairaudit", "version": env!("CARGO_PKG_VERSION")},
        "dataset": {
            "path": paths.join(", "),
            "paths": paths,
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
        },
        "overall": Json::Object(overall),
        "attributes": audit.attributes.iter().map(|a| {
            json!({
                "name": a.name,
                "members": a.members,
                "reference_group": a.reference_name,
                "groups": a.groups.iter().map(|g| group_json(a, g, weighted)).collect::<Vec<_>>(),
                "summary": summary_json(a, spec.favorable),
            })
        }).collect::<Vec<_>>(),
    })
}
