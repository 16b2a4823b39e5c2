//! Recording a run: the report rendered (JSON, Markdown), the spec text and
//! the digest of every input, appended to the history store in one transaction.

use crate::engine::Report;
use crate::governance::store::{FindingRow, NewRun, Recorded, Store};
use crate::spec::Spec;
use crate::Result;

use super::Format;

/// The stored form of a report: rendered JSON and Markdown, the spec text and
/// the SHA-256 of every input.
pub fn to_new_run(report: &Report, spec: &Spec, actor: &str) -> Result<NewRun> {
    let a = &report.audit;
    let digests = if report.data_digests.is_empty() {
        crate::engine::input_digests(a)?
    } else {
        report.data_digests.clone()
    };
    let data: Vec<serde_json::Value> = digests
        .iter()
        .map(|(p, h)| serde_json::json!({"path": p, "sha256": h}))
        .collect();
    let spec_text = match &spec.spec_file {
        Some(p) => Some(std::fs::read_to_string(p).map_err(|e| {
            crate::Error::usage(format!("cannot read spec file '{}': {e}", p.display()))
        })?),
        None => None,
    };
    let register_sha256 = spec
        .register
        .as_ref()
        .map(|r| crate::digest::sha256_file(&r.path))
        .transpose()?;
    let exporters = [Format::Json.exporter(), Format::Markdown.exporter()];
    let report_json = exporters[0].render(report)?;
    let report_md = exporters[1].render(report)?;
    Ok(NewRun {
        run_id: report.run_id.clone(),
        recorded_at: report
            .generated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        run_date: report.cycle.run_date.to_string(),
        model_id: report.model.id.clone(),
        model_version: report.model.version.clone(),
        risk_tier: report.model.risk_tier.name().into(),
        cycle_id: report.cycle.id.clone(),
        engine_version: env!("CARGO_PKG_VERSION").into(),
        data_sha256: serde_json::Value::Array(data).to_string(),
        spec_sha256: spec_text
            .as_ref()
            .map(|t| crate::digest::sha256_hex(t.as_bytes())),
        register_sha256,
        rows_read: a.counts.rows_read as i64,
        rows_used: a.counts.rows_used() as i64,
        verdict: format!("{:?}", report.verdict()).to_lowercase(),
        report_json,
        report_md,
        spec_text,
        recorded_by: Some(actor.to_string()),
        findings: report.findings.iter().map(FindingRow::of).collect(),
    })
}

/// Records a report in the store (one transaction).
pub fn record(report: &Report, spec: &Spec, store: &mut Store, actor: &str) -> Result<Recorded> {
    let run = to_new_run(report, spec, actor)?;
    store.record(&run)
}
