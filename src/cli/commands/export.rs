//! `fairaudit export` and `fairaudit push`: files for GRC tools, and a run
//! sent to one over its API.

use std::process::ExitCode;

use crate::cli::args::{ExportArgs, ExportCommand, PushArgs, PushCommand};
use crate::cli::settings::{self, parse_date, Layers};
use crate::governance::matrix::RiskMatrix;
use crate::governance::store::Store;
use crate::report::ciso;

fn matrix(p: Option<&std::path::Path>) -> crate::Result<RiskMatrix> {
    p.map(RiskMatrix::load)
        .transpose()
        .map(Option::unwrap_or_default)
}

/// A stored run's report JSON and its evidence pack (zip bytes).
fn stored(store: &Store, run: &str) -> anyhow::Result<(serde_json::Value, String, Vec<u8>)> {
    let r = store.get(run)?;
    let report: serde_json::Value = serde_json::from_str(&r.run.report_json).map_err(|e| {
        crate::Error::usage(format!(
            "stored report of run {} is not JSON: {e}",
            r.summary.run_id
        ))
    })?;
    let dir = tempfile::tempdir()?;
    let name = ciso::pack_name(&r.summary.run_id);
    let zip = dir.path().join(&name);
    crate::report::evidence::write_pack(store, &r.summary.run_id, &zip, None)?;
    Ok((report, name, std::fs::read(&zip)?))
}

/// A folder holding files this export does not write (another run's pack,
/// other imports) is refused: CISO Assistant would import the mix. The same
/// export again overwrites its own files.
fn refuse_other_files(dir: &std::path::Path, files: &[(String, Vec<u8>)]) -> anyhow::Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if !files.iter().any(|(n, _)| *n == name) {
            return Err(crate::Error::usage(format!(
                "'{}' holds '{name}', which this export does not write: choose an empty folder (an import of mixed runs would mislead)",
                dir.display()
            ))
            .into());
        }
    }
    Ok(())
}

/// Runs `export`.
pub fn run(a: &ExportArgs) -> anyhow::Result<ExitCode> {
    match &a.command {
        ExportCommand::CisoAssistant {
            run,
            out,
            risk_matrix,
            store,
        } => {
            let store = crate::cli::open_existing(&store.path())?;
            let m = matrix(risk_matrix.as_deref())?;
            let (report, pack, zip) = stored(&store, run)?;
            let mut files = ciso::files(&report, &m, true);
            files.push((pack, zip));
            refuse_other_files(out, &files)?;
            ciso::write_files(out, &files)?;
            eprintln!(
                "wrote {} files for CISO Assistant to {} (labels of the risk matrix '{}')",
                files.len(),
                out.display(),
                m.name
            );
        }
        ExportCommand::CisoLibrary {
            spec,
            out,
            library_version,
            date,
        } => {
            let s = settings::resolve(&Layers {
                spec: spec.spec.as_deref(),
                ..Default::default()
            })?;
            let (policy, _) = crate::engine::policy_of(&s.spec)?;
            let model = serde_json::to_value(&s.spec.model)?;
            let checks: Vec<serde_json::Value> = policy
                .iter()
                .map(serde_json::to_value)
                .collect::<Result<_, _>>()?;
            let date = match date {
                Some(d) => parse_date(d, "--date")?,
                None => chrono::Utc::now().date_naive(),
            }
            .to_string();
            let fw = ciso::library::framework(&model, &checks, *library_version, &date);
            let maps = ciso::library::mappings(&model, &checks, *library_version, &date);
            let stem = out
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "fairaudit".into());
            let mapping_path = out.with_file_name(format!("{stem}-mappings.yaml"));
            let fw_text = ciso::library::to_yaml(&fw);
            let map_text = ciso::library::to_yaml(&maps);
            crate::report::write_atomic(out, fw_text.as_bytes())?;
            crate::report::write_atomic(&mapping_path, map_text.as_bytes())?;
            eprintln!(
                "wrote the framework library {} and the mapping library {} (version {library_version}); upload ISO/IEC 42001, EU AI Act, NIST AI RMF and ISO/IEC 27001 libraries first",
                out.display(),
                mapping_path.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `push`.
pub fn push(a: &PushArgs) -> anyhow::Result<ExitCode> {
    let PushCommand::CisoAssistant {
        run,
        url,
        token_env,
        assessment,
        risk_assessment,
        findings_assessment,
        folder,
        risk_matrix,
        store,
    } = &a.command;
    let token = std::env::var(token_env).ok().filter(|t| !t.trim().is_empty()).ok_or_else(|| {
        crate::Error::usage(format!(
            "--token-env {token_env}: the environment variable is not set (put the CISO Assistant API token in it)"
        ))
    })?;
    // The token travels in a header: over plain http anyone on the path
    // reads it. Said once; a local or lab server is the user's call.
    if let Some(rest) = url.strip_prefix("http://") {
        let host = match rest.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or_default(),
            None => rest.split(['/', ':']).next().unwrap_or_default(),
        };
        if !(host == "localhost" || host == "::1" || host.starts_with("127.")) {
            eprintln!(
                "fairaudit: warning: {url} is plain http: the API token is sent unencrypted; use https"
            );
        }
    }
    let store = crate::cli::open_existing(&store.path())?;
    let m = matrix(risk_matrix.as_deref())?;
    let (report, pack, zip) = stored(&store, run)?;
    let files = ciso::files(&report, &m, true);
    let target = ciso::push::Target {
        url: url.clone(),
        token: token.trim().to_string(),
        folder: folder.clone(),
        risk_assessment: risk_assessment.clone(),
        findings_assessment: findings_assessment.clone(),
        assessment: assessment.clone(),
    };
    let done = ciso::push::push(&target, &report, &files, (&pack, &zip))?;
    eprintln!(
        "pushed run {} to {url}: {} risk scenario(s) and {} finding(s) imported, {} requirement result(s) set, evidence {} with {pack}, {} finding(s) linked",
        report["run_id"].as_str().unwrap_or(""),
        done.risks,
        done.findings,
        done.results,
        done.evidence,
        done.linked
    );
    Ok(ExitCode::SUCCESS)
}
