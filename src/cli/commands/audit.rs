//! `fairaudit audit`: the whole run, every output written only once all of
//! them rendered, the run recorded when asked, exit 1 when the gate fails.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::args::AuditArgs;
use crate::cli::settings::{self, Layers};
use crate::engine::{self, Report};
use crate::governance::store::{self, Store};
use crate::report::Format;

fn render(report: &Report, format: Format) -> crate::Result<String> {
    format.exporter().render(report)
}

/// The CISO Assistant files of `--out-ciso` (the evidence pack is added once recorded).
fn ciso_files(
    report: &Report,
    spec: &crate::spec::Spec,
    with_pack: bool,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let m = match spec.register.as_ref().and_then(|r| r.matrix.as_deref()) {
        Some(p) => crate::governance::matrix::RiskMatrix::load(p)?,
        None => Default::default(),
    };
    let json = crate::report::json::to_json(report);
    Ok(crate::report::ciso::files(&json, &m, with_pack))
}

/// The history stores of a run: the one it records in (opened and checked
/// before the data are read, when it exists), the empty one a new store
/// will be (read in memory: a new store is created only when the run is
/// recorded, so a run that fails first leaves none behind), and one it only
/// reads (earlier runs for the HTML charts, approvals for
/// `--require-approved-spec`).
type Stores = (Option<Store>, Option<Store>, Option<Store>);

fn stores(
    record: Option<&Path>,
    out: &crate::cli::args::OutputArgs,
    o: &crate::spec::Outputs,
    format: Format,
) -> anyhow::Result<Stores> {
    let store = match record {
        Some(p) if p.exists() => Some(crate::cli::open_store(p)?),
        _ => None,
    };
    let fresh = match record {
        Some(p) if !p.exists() => Some(Store::empty_in_memory(p)?),
        _ => None,
    };
    let read_store = match (record, &out.store) {
        (None, Some(p)) if p.exists() => Some(crate::cli::open_store(p)?),
        (None, None)
            if (o.html.is_some() || format == Format::Html || out.require_approved_spec)
                && store::default_path().exists() =>
        {
            Some(crate::cli::open_store(&store::default_path())?)
        }
        _ => None,
    };
    Ok((store, fresh, read_store))
}

/// Runs `audit`.
pub fn run(a: &AuditArgs) -> anyhow::Result<ExitCode> {
    let s = settings::resolve(&Layers {
        spec: a.spec.spec.as_deref(),
        input: Some(&a.input),
        columns: Some(&a.columns),
        groups: Some(&a.groups),
        stats: Some(&a.stats),
        governance: Some(&a.governance),
        output: Some(&a.output),
        ..Default::default()
    })?;
    settings::require_data(&s.spec)?;
    let (spec, record) = (s.spec, s.record);
    let out = &a.output;
    let o = &spec.outputs;
    let files = [&o.json, &o.junit, &o.markdown, &o.table, &o.html]
        .iter()
        .any(|p| p.is_some());
    let format = match out.format {
        Some(f) => f,
        None if out.out.is_some() => Format::Json,
        None if files || std::io::stdout().is_terminal() => Format::Table,
        None => Format::Json,
    };
    let (mut store, fresh, read_store) = stores(record.as_deref(), out, o, format)?;
    let history = store.as_ref().or(fresh.as_ref()).or(read_store.as_ref());
    let mut report = engine::run_with_history(&spec, history)?;
    if a.input.verbose {
        for (input, how) in &report.audit.counts.reads.0 {
            eprintln!("fairaudit: read {input}: {how}");
        }
    }
    if out.require_approved_spec && report.spec_approval.status != engine::ApprovalStatus::Approved
    {
        let a = &report.spec_approval;
        let status = serde_json::to_value(a.status)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        return Err(crate::Error::usage(if a.overrides.is_empty() {
            format!("--require-approved-spec: the spec is not approved ({status}); approve it with `fairaudit spec approve FILE --approver NAME`")
        } else {
            format!(
                "--require-approved-spec: the approved spec's decision settings are overridden by flags ({}); put them in the spec and approve it",
                a.overrides.join("; ")
            )
        })
        .into());
    }
    if record.is_some() || o.html.is_some() || format == Format::Html {
        report.compute_digests()?;
    }
    // Render everything first: nothing is written unless every format renders.
    let mut pending: Vec<(PathBuf, String, &str)> = vec![];
    for (path, fmt, what) in [
        (&o.json, Format::Json, "JSON report"),
        (&o.junit, Format::Junit, "JUnit report"),
        (&o.markdown, Format::Markdown, "Markdown summary"),
        (&o.table, Format::Table, "table report"),
        (&o.html, Format::Html, "HTML report"),
    ] {
        if let Some(p) = path {
            pending.push((p.clone(), render(&report, fmt)?, what));
        }
    }
    if let Some(p) = &o.proposed_risks {
        pending.push((
            p.clone(),
            crate::governance::register::to_csv(&report.proposed_risks),
            "proposed risks",
        ));
    }
    let main_text = render(&report, format)?;
    // Every output file is written (to a temporary name) before the run is
    // recorded, and renamed into place after: all of them or none.
    let mut files: Vec<(&Path, &[u8])> = pending
        .iter()
        .map(|(p, t, _)| (p.as_path(), t.as_bytes()))
        .collect();
    if let Some(p) = &out.out {
        files.push((p, main_text.as_bytes()));
    }
    // The pack of --out-ciso comes from the store: one that fails
    // verification gives no evidence, refused before the run is recorded.
    if let (Some(st), Some(_)) = (&store, &out.out_ciso) {
        st.ensure_verified()
            .map_err(|e| anyhow::anyhow!("--out-ciso: {e}; nothing was recorded"))?;
    }
    // The CISO Assistant folder is written after the run is recorded: made
    // (and checked) before anything is.
    if let Some(dir) = &out.out_ciso {
        std::fs::create_dir_all(dir).map_err(|source| crate::Error::Write {
            path: dir.clone(),
            source,
        })?;
    }
    let staged = crate::report::Staged::write(&files)?;
    let mut ciso_files = match &out.out_ciso {
        Some(_) => ciso_files(&report, &spec, record.is_some())?,
        None => vec![],
    };
    if let (None, Some(p)) = (&store, record.as_deref()) {
        store = Some(crate::cli::open_store(p)?);
    }
    if let Some(st) = &mut store {
        let who = crate::cli::settings::actor(out.by.as_deref());
        let r = crate::report::record::record(&report, &spec, st, &who)?;
        eprintln!(
            "recorded run #{} {} in {} (chain {})",
            r.seq,
            r.run_id,
            st.path().display(),
            &r.chain_hash[..16]
        );
        if out.out_ciso.is_some() {
            let dir = tempfile::tempdir()?;
            let name = crate::report::ciso::pack_name(&r.run_id);
            crate::report::evidence::write_pack(st, &r.run_id, &dir.path().join(&name), None)?;
            ciso_files.push((name.clone(), std::fs::read(dir.path().join(&name))?));
        }
    }
    staged.commit()?;
    if let Some(dir) = &out.out_ciso {
        crate::report::ciso::write_files(dir, &ciso_files)?;
    }
    if out.out.is_none() {
        out!("{main_text}");
    }
    Ok(if report.gate_failed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
