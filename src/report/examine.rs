//! Outputs of a data examination: the JSON report (docs/report-schema.md,
//! "Data examination report"), a terminal table, Markdown, a self-contained
//! HTML page, and the record kept in the history store.

use std::fmt::Write;

use serde_json::{json, Value as Json};

use crate::audit::examine::DataExamination;
use crate::checks::{Finding, Status};
use crate::engine::examine::DataReport;
use crate::governance::store::{FindingRow, NewRun, Recorded, Store};
use crate::spec::Spec;
use crate::{Error, Result};

use super::svg;
use super::Format;

/// Version of the data-examination JSON report.
pub const DATA_SCHEMA_VERSION: u32 = 2;

fn rank(s: Status) -> u8 {
    match s {
        Status::Fail => 0,
        Status::Warn => 1,
        Status::InsufficientData => 2,
        Status::Undefined => 3,
        Status::Pass => 4,
    }
}

/// Findings, worst first (stable within a status).
pub fn sorted(r: &DataReport) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = r.findings.iter().collect();
    v.sort_by_key(|f| rank(f.status));
    v
}

fn counts(r: &DataReport) -> Json {
    let mut m = serde_json::Map::new();
    for s in Status::ALL {
        m.insert(
            s.name().into(),
            json!(r.findings.iter().filter(|f| f.status == s).count()),
        );
    }
    Json::Object(m)
}

/// The SHA-256 of every file read.
pub fn digests(r: &DataReport) -> Result<Vec<(String, String)>> {
    let mut v = vec![];
    for p in r.files.iter().chain(r.population_file.iter()) {
        v.push((p.display().to_string(), crate::digest::sha256_file(p)?));
    }
    Ok(v)
}

/// The JSON report.
pub fn to_json(r: &DataReport, digests: &[(String, String)]) -> Json {
    let x = &r.examination;
    json!({
        "schema_version": DATA_SCHEMA_VERSION,
        "kind": "data_examination",
        "engine": {"name": "fairaudit", "version": env!("CARGO_PKG_VERSION")},
        "generated_at": r.generated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "run_id": r.run_id,
        "model": r.model,
        "cycle": r.cycle,
        "dataset": {
            "name": r.dataset,
            "history_id": r.history_id(),
            "paths": r.files.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
            "rows": x.rows,
            "duplicate_rows": x.duplicate_rows,
            "population_file": r.population_file.as_ref().map(|p| p.display().to_string()),
            "sha256": digests.iter().map(|(p, h)| json!({"path": p, "sha256": h})).collect::<Vec<_>>(),
        },
        "outcome_columns": r.outcome_columns.iter().map(|(role, c)| json!({"role": role, "column": c})).collect::<Vec<_>>(),
        "settings": r.settings,
        "ci_level": r.ci_level,
        "verdict": r.verdict(),
        "gate": {"fail_on": r.fail_on, "failed": r.gate_failed()},
        "finding_counts": {"by_status": counts(r)},
        "controls_evidenced_by_run": crate::governance::controls::cited(crate::governance::controls::When::DataFinding),
        "risk_register": r.register.as_ref().map(|(p, n)| json!({"path": p.display().to_string(), "entries": n, "matched": r.matched_risks})),
        "data_examination": x,
        "findings": sorted(r),
        "definitions": "docs/data-examination.md",
    })
}

fn f3(x: f64) -> String {
    format!("{x:.3}")
}

fn opt3(x: Option<f64>) -> String {
    x.map_or("undefined".into(), f3)
}

/// Each attribute's shares, against the population when given.
fn table_representation(s: &mut String, x: &DataExamination) {
    for rep in &x.representation {
        let _ = writeln!(s, "\nRepresentation of {}", rep.attribute);
        let _ = writeln!(
            s,
            "  {:<24} {:>9} {:>7} {:>17} {:>9} {:>7}",
            "group", "rows", "share", "interval", "expected", "ratio"
        );
        for g in &rep.groups {
            let ci =
                g.ci.map_or("—".into(), |(a, b)| format!("{}–{}", f3(a), f3(b)));
            let _ = writeln!(
                s,
                "  {:<24} {:>9} {:>7} {:>17} {:>9} {:>7}",
                g.group,
                g.count,
                f3(g.share),
                ci,
                g.expected_share.map_or("—".into(), f3),
                g.ratio.map_or("—".into(), f3)
            );
        }
        if let Some(t) = &rep.goodness_of_fit {
            let _ = writeln!(
                s,
                "  goodness of fit: chi-square {:.3}, df {}, p = {:.3e}",
                t.statistic, t.df, t.p_value
            );
        }
    }
}

/// Favourable rates of the label and the prediction by group.
fn table_outcomes(s: &mut String, x: &DataExamination) {
    for o in &x.outcomes {
        for (attr, groups) in &o.attributes {
            let _ = writeln!(
                s,
                "\nFavourable rate of the {} '{}' by {attr}",
                o.role, o.column
            );
            for g in groups {
                let _ = writeln!(
                    s,
                    "  {:<24} {:>9} {:>7} ratio {:>7}{}",
                    g.group,
                    g.n,
                    opt3(g.rate),
                    g.ratio.map_or("—".into(), f3),
                    match (g.is_reference, &g.not_judged) {
                        (true, _) => "  (reference)",
                        (false, Some(_)) => "  (too few rows to judge)",
                        (false, None) => "",
                    }
                );
            }
        }
    }
}

/// The largest gap of the missing share per column and attribute.
fn table_quality(s: &mut String, x: &DataExamination) {
    let _ = writeln!(s, "\nMissing values: largest gap between groups per column");
    for q in &x.quality {
        if let Some(g) = q.missing_gap.as_ref().filter(|g| g.value > 0.0) {
            let _ = writeln!(
                s,
                "  {:<20} by {:<12} gap {} ({} {} vs {} {}), p = {} (adjusted {})",
                q.column,
                q.attribute,
                f3(g.value),
                g.high,
                f3(g.counts[0].0 as f64 / g.counts[0].1.max(1) as f64),
                g.low,
                f3(g.counts[1].0 as f64 / g.counts[1].1.max(1) as f64),
                g.p_value.map_or("—".into(), |p| format!("{p:.2e}")),
                g.p_adjusted.map_or("—".into(), |p| format!("{p:.2e}"))
            );
            if !q.left_out.is_empty() {
                let names: Vec<&str> = q.left_out.iter().map(|l| l.group.as_str()).collect();
                let _ = writeln!(
                    s,
                    "  {:<20}    left out, too few rows to judge: {}",
                    "",
                    names.join(", ")
                );
            }
        }
    }
}

/// Proxy screening, strongest first, and the columns left out.
fn table_proxies(s: &mut String, x: &DataExamination) {
    let _ = writeln!(
        s,
        "\nProxy screening (bias-corrected Cramér's V, strongest first)"
    );
    for p in &x.proxies {
        let (v, v0) = p
            .association
            .as_ref()
            .map_or(("—".into(), "—".into()), |a| {
                (f3(a.cramers_v_corrected), f3(a.cramers_v))
            });
        let _ = writeln!(
            s,
            "  {:>2}. {:<20} for {:<12} V~ {:>6} (V {:>6})  max AUC {}",
            p.rank,
            p.column,
            p.attribute,
            v,
            v0,
            p.max_auc
                .as_ref()
                .map_or("—".into(), |(g, a)| format!("{} ({g})", f3(*a)))
        );
    }
    for n in &x.not_screened {
        let _ = writeln!(s, "  not screened: {}: {}", n.column, n.reason);
    }
}

/// Drift against the previous examination.
fn table_drift(s: &mut String, x: &DataExamination) {
    if let Some(d) = &x.drift {
        let _ = writeln!(
            s,
            "\nDrift since run {} ({})",
            d.previous_run, d.previous_date
        );
        for c in &d.schema_changes {
            let _ = writeln!(s, "  schema: {c}");
        }
        for p in &d.psi {
            let _ = writeln!(
                s,
                "  PSI {:<18} {:<24} {} ({})",
                p.what,
                p.group
                    .as_ref()
                    .map_or(p.attribute.clone(), |g| format!("{} = {g}", p.attribute)),
                f3(p.psi),
                p.band
            );
        }
    }
}

/// The terminal table.
pub fn table(r: &DataReport) -> String {
    let x = &r.examination;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "fairaudit data examination: {} ({} rows, {} duplicate rows) — verdict {}",
        r.dataset,
        x.rows,
        x.duplicate_rows,
        r.verdict().name()
    );
    let _ = writeln!(
        s,
        "files: {}",
        r.files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    table_representation(&mut s, x);
    table_outcomes(&mut s, x);
    table_quality(&mut s, x);
    table_proxies(&mut s, x);
    table_drift(&mut s, x);
    let breached: Vec<&Finding> = sorted(r)
        .into_iter()
        .filter(|f| f.status.breached())
        .collect();
    let _ = writeln!(
        s,
        "\nFindings: {} ({} breached)",
        r.findings.len(),
        breached.len()
    );
    for f in breached {
        let _ = writeln!(
            s,
            "  [{}] {} {}: {}",
            f.status.name(),
            f.id,
            f.title,
            f.statement
        );
    }
    s
}

/// The Markdown summary.
pub fn markdown(r: &DataReport) -> String {
    let x = &r.examination;
    let mut s = String::new();
    let _ = writeln!(s, "# Data examination: {}\n", r.dataset);
    let _ = writeln!(
        s,
        "**Verdict: {}** · {} rows · {} duplicate rows · cycle {} · run `{}`\n",
        r.verdict().name(),
        x.rows,
        x.duplicate_rows,
        r.cycle.id,
        r.run_id
    );
    let _ = writeln!(s, "| status | finding | statement |\n|---|---|---|");
    for f in sorted(r).into_iter().filter(|f| f.status.breached()) {
        let _ = writeln!(
            s,
            "| {} | {} | {} |",
            f.status.name(),
            f.title.replace('|', "\\|"),
            f.statement.replace('|', "\\|")
        );
    }
    let _ = writeln!(s, "\n## Proxy screening\n\n| rank | column | attribute | V (bias-corrected) | max AUC |\n|---|---|---|---|---|");
    for p in &x.proxies {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            p.rank,
            p.column,
            p.attribute,
            p.association
                .as_ref()
                .map_or("—".into(), |a| f3(a.cramers_v_corrected)),
            p.max_auc.as_ref().map_or("—".into(), |(_, a)| f3(*a))
        );
    }
    let _ = writeln!(
        s,
        "\nDefinitions: docs/data-examination.md. {} findings in all.",
        r.findings.len()
    );
    s
}

fn status_class(s: Status) -> &'static str {
    match s {
        Status::Fail => "fail",
        Status::Warn => "warn",
        _ => "pass",
    }
}

/// Representation against the population: ratio charts and tables.
fn html_representation(b: &mut String, r: &DataReport) {
    let x = &r.examination;
    let e = svg::esc;
    b.push_str("<h2>Representation</h2>");
    for rep in &x.representation {
        let rows: Vec<svg::Row> = rep
            .groups
            .iter()
            .filter(|g| g.ratio.is_some())
            .map(|g| svg::Row {
                label: g.group.clone(),
                value: g.ratio,
                ci: g.ratio_ci,
                reference: false,
                insufficient: false,
                failing: g.ratio.is_some_and(|v| v < r.settings.representation_fail),
            })
            .collect();
        if !rows.is_empty() {
            let hi = rows
                .iter()
                .filter_map(|r| r.ci.map(|c| c.1))
                .fold(1.5f64, f64::max);
            b.push_str(&svg::dot_chart(
                &format!("rep-{}", e(&rep.attribute)),
                &format!("{}: observed share / expected share", rep.attribute),
                &rows,
                (0.0, hi),
                Some((
                    r.settings.representation_fail,
                    1.0 / r.settings.representation_fail,
                )),
                Some(1.0),
            ));
        }
        let _ = write!(
            b,
            "<table><tr><th>{}</th><th>rows</th><th>share</th><th>expected</th><th>ratio</th></tr>",
            e(&rep.attribute)
        );
        for g in &rep.groups {
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                e(&g.group),
                g.count,
                f3(g.share),
                g.expected_share.map_or("—".into(), f3),
                g.ratio.map_or("—".into(), f3)
            );
        }
        b.push_str("</table>");
    }
}

/// The proxy table and the missing-value gaps.
fn html_screening(b: &mut String, r: &DataReport) {
    let x = &r.examination;
    let e = svg::esc;
    b.push_str("<h2>Proxy screening</h2><table><tr><th>rank</th><th>column</th><th>attribute</th><th>kind</th><th>V (bias-corrected)</th><th>V</th><th>p</th><th>max AUC</th></tr>");
    for p in &x.proxies {
        let a = p.association.as_ref();
        let warn = a.is_some_and(|a| a.cramers_v_corrected >= r.settings.proxy_threshold);
        let _ = write!(
            b,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if warn { "warn" } else { "" },
            p.rank,
            e(&p.column),
            e(&p.attribute),
            e(&p.kind),
            a.map_or("—".into(), |a| f3(a.cramers_v_corrected)),
            a.map_or("—".into(), |a| f3(a.cramers_v)),
            a.map_or("—".into(), |a| format!("{:.2e}", a.p_value)),
            p.max_auc.as_ref().map_or("—".into(), |(g, v)| format!("{} ({})", f3(*v), e(g)))
        );
    }
    b.push_str("</table><h2>Missing values by group</h2><table><tr><th>column</th><th>attribute</th><th>highest</th><th>lowest</th><th>gap</th><th>p</th></tr>");
    for q in &x.quality {
        if let Some(g) = q.missing_gap.as_ref().filter(|g| g.value > 0.0) {
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{} {}</td><td>{} {}</td><td>{}</td><td>{}</td></tr>",
                e(&q.column),
                e(&q.attribute),
                e(&g.high),
                f3(g.counts[0].0 as f64 / g.counts[0].1.max(1) as f64),
                e(&g.low),
                f3(g.counts[1].0 as f64 / g.counts[1].1.max(1) as f64),
                f3(g.value),
                g.p_value.map_or("—".into(), |p| format!("{p:.2e}"))
            );
        }
    }
    b.push_str("</table>");
}

/// Drift against the previous examination.
fn html_drift(b: &mut String, r: &DataReport) {
    let x = &r.examination;
    let e = svg::esc;
    if let Some(d) = &x.drift {
        let _ = write!(
            b,
            "<h2>Drift since run {} ({})</h2><ul>",
            e(&d.previous_run),
            e(&d.previous_date)
        );
        for c in &d.schema_changes {
            let _ = write!(b, "<li>schema: {}</li>", e(c));
        }
        for p in &d.psi {
            let _ = write!(
                b,
                "<li>PSI of the {} for {}: {} ({})</li>",
                e(&p.what),
                e(&p.group
                    .as_ref()
                    .map_or(p.attribute.clone(), |g| format!("{} = {g}", p.attribute))),
                f3(p.psi),
                p.band
            );
        }
        b.push_str("</ul>");
    }
}

/// The HTML page: representation against the population, the proxy table,
/// missing shares, drift and every finding.
pub fn html(r: &DataReport) -> String {
    let x = &r.examination;
    let e = svg::esc;
    let mut b = String::new();
    let _ = write!(
        b,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Data examination: {}</title>\
         <style>body{{font-family:sans-serif;max-width:70em;margin:2em auto;color:#222}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:left}}.fail{{color:{}}}.warn{{color:#8a5a00}}\
         .chart text{{font-size:12px}}.ct{{font-weight:bold}}</style></head><body>",
        e(&r.dataset),
        svg::VERMILLION
    );
    let _ = write!(
        b,
        "<h1>Data examination: {}</h1><p>Verdict <b class=\"{}\">{}</b> · {} rows · {} duplicate rows · cycle {} · run <code>{}</code></p>",
        e(&r.dataset),
        status_class(r.verdict()),
        r.verdict().name(),
        x.rows,
        x.duplicate_rows,
        e(&r.cycle.id),
        e(&r.run_id)
    );
    html_representation(&mut b, r);
    html_screening(&mut b, r);
    html_drift(&mut b, r);
    b.push_str("<h2>Findings</h2><table><tr><th>status</th><th>id</th><th>finding</th><th>statement</th><th>controls</th></tr>");
    for f in sorted(r) {
        let _ = write!(
            b,
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            status_class(f.status),
            f.status.name(),
            e(&f.id),
            e(&f.title),
            e(&f.statement),
            e(&f.controls.join("; "))
        );
    }
    b.push_str("</table><p>Definitions: docs/data-examination.md. Association is not causation: a proxy finding asks for review, not removal.</p></body></html>\n");
    b
}

/// Renders the report in a format (JSON, table, Markdown, HTML).
pub fn render(r: &DataReport, format: Format, digests: &[(String, String)]) -> Result<String> {
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(&to_json(r, digests)).expect("JSON") + "\n",
        Format::Table => table(r),
        Format::Markdown => markdown(r),
        Format::Html => html(r),
        other => {
            return Err(Error::usage(format!(
                "the data examination is written as json, table, markdown or html, not {}",
                other.name()
            )))
        }
    })
}

/// Records an examination in the store (one transaction).
pub fn record(r: &DataReport, spec: &Spec, store: &mut Store, actor: &str) -> Result<Recorded> {
    let digests = digests(r)?;
    let spec_text =
        match &spec.spec_file {
            Some(p) => Some(std::fs::read_to_string(p).map_err(|e| {
                Error::usage(format!("cannot read spec file '{}': {e}", p.display()))
            })?),
            None => None,
        };
    let run = NewRun {
        run_id: r.run_id.clone(),
        recorded_at: r
            .generated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        run_date: r.cycle.run_date.to_string(),
        model_id: r.history_id(),
        model_version: r.model.version.clone(),
        risk_tier: r.model.risk_tier.name().into(),
        cycle_id: r.cycle.id.clone(),
        engine_version: env!("CARGO_PKG_VERSION").into(),
        data_sha256: Json::Array(
            digests
                .iter()
                .map(|(p, h)| json!({"path": p, "sha256": h}))
                .collect(),
        )
        .to_string(),
        spec_sha256: spec_text
            .as_ref()
            .map(|t| crate::digest::sha256_hex(t.as_bytes())),
        register_sha256: spec
            .register
            .as_ref()
            .map(|reg| crate::digest::sha256_file(&reg.path))
            .transpose()?,
        rows_read: r.examination.rows as i64,
        rows_used: r.examination.rows as i64,
        verdict: r.verdict().name().into(),
        report_json: serde_json::to_string_pretty(&to_json(r, &digests)).expect("JSON") + "\n",
        report_md: markdown(r),
        spec_text,
        recorded_by: Some(actor.to_string()),
        findings: r.findings.iter().map(FindingRow::of).collect(),
    };
    store.record(&run)
}
