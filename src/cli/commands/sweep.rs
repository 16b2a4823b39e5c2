//! `fairaudit sweep`: every rate and gap at every threshold of a score.

use std::process::ExitCode;

use crate::cli::args::{ListFormat, SweepArgs};
use crate::cli::settings::{self, Layers};

/// Runs `sweep`.
pub fn run(a: &SweepArgs) -> anyhow::Result<ExitCode> {
    let s = settings::resolve(&Layers {
        spec: a.spec.spec.as_deref(),
        input: Some(&a.input),
        columns: Some(&a.columns),
        groups: Some(&a.groups),
        ..Default::default()
    })?;
    settings::require_data(&s.spec)?;
    let mut audit_spec = s.spec.audit;
    if audit_spec.columns.score.is_none() {
        return Err(crate::Error::usage("sweep needs a score column: pass --score COL").into());
    }
    if !(a.step > 0.0 && a.step <= 0.5) {
        return Err(
            crate::Error::usage(format!("--step must be in (0, 0.5], not {}", a.step)).into(),
        );
    }
    audit_spec.stats.bootstrap = 0;
    let audit = crate::audit::run(&audit_spec)?;
    let t = std::time::Instant::now();
    let sweeps = crate::audit::sweep::sweep(&audit, a.step, a.eo_bound);
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    match a.format {
        ListFormat::Json => out!(
            "{}",
            super::super::json_out(
                &serde_json::json!({"step": a.step, "sweep_ms": ms, "attributes": sweeps})
            )
        ),
        ListFormat::Table => {
            for s in &sweeps {
                outln!("{}", crate::audit::sweep::table(s, a.every));
            }
            eprintln!(
                "swept {} thresholds × {} attributes in {ms:.1} ms",
                sweeps.first().map_or(0, |s| s.points.len()),
                sweeps.len()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
