//! `fairaudit data`: the data examination, every output rendered before any
//! is written, recorded when asked, exit 1 when the gate fails.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::args::DataArgs;
use crate::cli::settings::{self, Layers};
use crate::engine::examine;
use crate::governance::store::{self, Store};
use crate::report::examine as out;
use crate::report::{Format, Staged};

/// The `--out-json`, `--out-md` and `--out-html` files, rendered.
fn also_written(
    report: &crate::engine::examine::DataReport,
    o: &crate::cli::args::DataOutputArgs,
    digests: &[(String, String)],
) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let mut pending = vec![];
    for (path, fmt) in [
        (&o.out_json, Format::Json),
        (&o.out_md, Format::Markdown),
        (&o.out_html, Format::Html),
    ] {
        if let Some(p) = path {
            pending.push((p.clone(), out::render(report, fmt, digests)?));
        }
    }
    Ok(pending)
}

/// Runs `data`.
pub fn run(a: &DataArgs) -> anyhow::Result<ExitCode> {
    let s = settings::resolve(&Layers {
        spec: a.spec.spec.as_deref(),
        files: Some(&a.files),
        governance: Some(&a.governance),
        ..Default::default()
    })?;
    let mut spec = s.spec;
    spec.audit.reader = a.read.reader;
    a.examine.apply(&mut spec)?;
    let o = &a.output;
    let format = match o.format {
        Some(f) => f.into(),
        None if o.out.is_some() => Format::Json,
        None if std::io::stdout().is_terminal() => Format::Table,
        None => Format::Json,
    };
    let store_path = o.store.clone().unwrap_or_else(store::default_path);
    // An existing store is opened before the data are read: to record, and
    // to measure drift against the last examination. A new one is created
    // only when the examination is recorded (one that fails first leaves
    // none); until then the empty store it will be is read in memory.
    let mut st = if store_path.exists() {
        Some(crate::cli::open_store(&store_path)?)
    } else {
        None
    };
    let fresh = if o.record && st.is_none() {
        Some(Store::empty_in_memory(&store_path)?)
    } else {
        None
    };
    let report = examine::examine(&spec, st.as_ref().or(fresh.as_ref()))?;
    if a.read.verbose {
        for (input, how) in &report.reads.0 {
            eprintln!("fairaudit: read {input}: {how}");
        }
    }
    // The SHA-256 of the inputs (a read of every file) when the run is kept:
    // recorded, or written as HTML — as the audit does.
    let digests = if o.record || o.out_html.is_some() || format == Format::Html {
        out::digests(&report)?
    } else {
        vec![]
    };
    let pending = also_written(&report, o, &digests)?;
    let main_text = out::render(&report, format, &digests)?;
    // Every output file is written (to a temporary name) before the run is
    // recorded, and renamed into place after: all of them or none.
    let mut files: Vec<(&std::path::Path, &[u8])> = pending
        .iter()
        .map(|(p, t)| (p.as_path(), t.as_bytes()))
        .collect();
    if let Some(p) = &o.out {
        files.push((p, main_text.as_bytes()));
    }
    let staged = Staged::write(&files)?;
    if o.record {
        if st.is_none() {
            st = Some(crate::cli::open_store(&store_path)?);
        }
        if let Some(st) = &mut st {
            let who = settings::actor(o.by.as_deref());
            let r = out::record(&report, &spec, st, &who)?;
            eprintln!(
                "recorded data examination #{} {} in {} (chain {})",
                r.seq,
                r.run_id,
                st.path().display(),
                &r.chain_hash[..16]
            );
        }
    }
    staged.commit()?;
    if o.out.is_none() {
        out!("{main_text}");
    }
    Ok(if report.gate_failed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
