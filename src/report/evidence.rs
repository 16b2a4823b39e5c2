//! Evidence packs: everything an ISMS auditor needs about one recorded run, in
//! a directory or a zip, with a manifest and a `SHA256SUMS` file so the pack
//! verifies offline with `sha256sum -c SHA256SUMS`.

use std::io::Write;
use std::path::Path;

use serde_json::{json, Value};

use crate::governance::controls;
use crate::governance::store::{sha256_hex, Store, StoredRun};
use crate::{Error, Result};

/// Controls an evidence pack evidences (beyond those of its findings).
pub const PACK_CONTROLS: &[&str] = &[
    "ISO 27001 A.5.28",
    "ISO 27001 A.5.33",
    "ISO 27001 A.8.15",
    "ISO 27001 9.2",
    "ISO 42001 9.2.2",
    "ISO 42001 A.6.2.8",
    "ISO 42001 A.7.5",
    "EU AI Act Art. 12",
    "EU AI Act Art. 72",
];

fn risk_tags_csv(report: &Value) -> String {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record([
        "finding_id",
        "title",
        "status",
        "severity",
        "cycle",
        "risks",
        "controls",
    ])
    .expect("in-memory CSV");
    for f in report["findings"].as_array().into_iter().flatten() {
        let list = |k: &str| {
            f[k].as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join(";")
                })
                .unwrap_or_default()
        };
        w.write_record([
            f["id"].as_str().unwrap_or(""),
            f["title"].as_str().unwrap_or(""),
            f["status"].as_str().unwrap_or(""),
            f["severity"].as_str().unwrap_or(""),
            f["cycle"].as_str().unwrap_or(""),
            &list("risks"),
            &list("controls"),
        ])
        .expect("in-memory CSV");
    }
    String::from_utf8(w.into_inner().expect("in-memory CSV")).expect("UTF-8")
}

/// The files of a pack, in order, ending with manifest.json and SHA256SUMS.
pub fn pack_files(r: &StoredRun) -> Result<Vec<(String, Vec<u8>)>> {
    let report: Value = serde_json::from_str(&r.run.report_json).map_err(|e| {
        Error::usage(format!(
            "stored report of run {} is not JSON: {e}",
            r.summary.run_id
        ))
    })?;
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("report.json".into(), r.run.report_json.clone().into_bytes()),
        ("summary.md".into(), r.run.report_md.clone().into_bytes()),
        ("risk-tags.csv".into(), risk_tags_csv(&report).into_bytes()),
    ];
    if let Some(spec) = &r.run.spec_text {
        files.push(("spec.toml".into(), spec.clone().into_bytes()));
    }
    files.push((
        "oscal-assessment-results.json".into(),
        (serde_json::to_string_pretty(&crate::report::oscal::from_json(
            &report,
            &r.summary.run_id,
        ))
        .expect("JSON")
            + "\n")
            .into_bytes(),
    ));
    let data: Value = serde_json::from_str(&r.run.data_sha256).unwrap_or(Value::Null);
    let manifest = json!({
        "kind": "fairaudit evidence pack",
        "engine": {"name": "fairaudit", "version": r.run.engine_version, "packed_by": env!("CARGO_PKG_VERSION")},
        "run": {
            "seq": r.summary.seq,
            "run_id": r.summary.run_id,
            "recorded_at": r.summary.recorded_at,
            "run_date": r.summary.run_date,
            "model_id": r.summary.model_id,
            "model_version": r.summary.model_version,
            "risk_tier": r.summary.risk_tier,
            "cycle_id": r.summary.cycle_id,
            "verdict": r.summary.verdict,
            "rows_read": r.summary.rows_read,
        },
        "input_data": data,
        "spec_sha256": r.run.spec_sha256,
        "risk_register_sha256": r.run.register_sha256,
        "history": {
            "content_sha256": r.content_sha256,
            "prev_hash": r.prev_hash,
            "chain_hash": r.summary.chain_hash,
        },
        "files": files.iter().map(|(n, b)| json!({"name": n, "sha256": sha256_hex(b), "bytes": b.len()})).collect::<Vec<_>>(),
        "controls_evidenced": PACK_CONTROLS.iter().map(|c| {
            let t = controls::find(c).map(|x| x.title.as_str()).unwrap_or("");
            json!({"control": c, "title": t})
        }).collect::<Vec<_>>(),
        "verify": "sha256sum -c SHA256SUMS (in the pack's directory); fairaudit history verify (in the store) checks the chain hash",
    });
    files.push((
        "manifest.json".into(),
        (serde_json::to_string_pretty(&manifest).expect("JSON") + "\n").into_bytes(),
    ));
    let sums: String = files
        .iter()
        .map(|(n, b)| format!("{}  {n}\n", sha256_hex(b)))
        .collect();
    files.push(("SHA256SUMS".into(), sums.into_bytes()));
    Ok(files)
}

/// Writes the pack of `run` to `out`: a directory, or a zip when `out` ends in
/// `.zip`. Refuses to write into a non-empty directory.
pub fn write_pack(
    store: &Store,
    run: &str,
    out: &Path,
) -> Result<crate::governance::store::RunSummary> {
    let r = store.get(run)?;
    let files = pack_files(&r)?;
    let werr = |e: std::io::Error| Error::Write {
        path: out.to_path_buf(),
        source: e,
    };
    let is_zip = out
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    if is_zip {
        let tmp = out.with_extension("zip.tmp");
        let f = std::fs::File::create(&tmp).map_err(werr)?;
        let mut z = zip::ZipWriter::new(f);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for (name, bytes) in &files {
            z.start_file(name.as_str(), opts)
                .map_err(|e| werr(std::io::Error::other(e.to_string())))?;
            z.write_all(bytes).map_err(werr)?;
        }
        z.finish()
            .map_err(|e| werr(std::io::Error::other(e.to_string())))?;
        std::fs::rename(&tmp, out).map_err(werr)?;
    } else {
        if out.exists() && std::fs::read_dir(out).map_err(werr)?.next().is_some() {
            return Err(Error::usage(format!(
                "'{}' exists and is not empty; choose a new directory for the evidence pack",
                out.display()
            )));
        }
        std::fs::create_dir_all(out).map_err(werr)?;
        for (name, bytes) in &files {
            crate::report::write_atomic(&out.join(name), bytes)?;
        }
    }
    Ok(r.summary)
}
