//! Evidence packs: everything an ISMS auditor needs about one recorded run, in
//! a directory or a zip, with a manifest and a `SHA256SUMS` file so the pack
//! verifies offline with `sha256sum -c SHA256SUMS`.

use std::io::Write;
use std::path::Path;

use crate::report::oscal;
use serde_json::{json, Value};

use crate::governance::controls::{self, When};
use crate::governance::store::{sha256_hex, EventKind, Store, StoredRun};
use crate::{Error, Result};

/// Who signs a pack, with which key, and when.
pub struct Signer {
    /// The minisign secret key file.
    pub key: std::path::PathBuf,
    /// The person signing.
    pub name: String,
    /// When.
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The name of a pack's signature file.
pub const SIGNATURE: &str = "SHA256SUMS.minisig";

/// Controls a pack evidences (beyond those of its findings): the pack itself,
/// and an internal audit or management review recorded as using the run.
fn pack_controls(store: &Store, r: &StoredRun) -> Result<Vec<&'static str>> {
    let mut v = controls::cited(When::Pack);
    for e in store.events(Some(&r.summary.model_id))? {
        if e.event.data["run"].as_str() != Some(r.summary.run_id.as_str()) {
            continue;
        }
        let when = match e.event.kind {
            EventKind::Audit => When::AuditEvent,
            EventKind::Review => When::ReviewEvent,
            _ => continue,
        };
        for c in controls::cited(when) {
            if !v.contains(&c) {
                v.push(c);
            }
        }
    }
    Ok(v)
}

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

/// A pack file's media type, for OSCAL's back-matter.
fn media_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("json") if name.starts_with("oscal-assessment-plan") => "application/oscal.ap+json",
        Some("json") => "application/json",
        Some("md") => "text/markdown",
        Some("csv") => "text/csv",
        Some("toml") => "application/toml",
        _ => "application/octet-stream",
    }
}

/// The files of a pack, in order, ending with manifest.json and SHA256SUMS
/// (and its signature when signed).
pub fn pack_files(
    store: &Store,
    r: &StoredRun,
    signer: Option<&Signer>,
) -> Result<Vec<(String, Vec<u8>)>> {
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
    let pretty = |v: &Value| (serde_json::to_string_pretty(v).expect("JSON") + "\n").into_bytes();
    files.push((
        oscal::AP_FILE.into(),
        pretty(&oscal::assessment_plan(&report, &r.summary.run_id)),
    ));
    // The results list the files before them with their SHA-256.
    let resources: Vec<oscal::Resource> = files
        .iter()
        .map(|(n, b)| oscal::Resource {
            name: n.clone(),
            media_type: media_type(n).into(),
            bytes: b.clone(),
        })
        .collect();
    files.push((
        "oscal-assessment-results.json".into(),
        pretty(&oscal::from_json(&report, &r.summary.run_id, &resources)),
    ));
    if let Some(p) = oscal::poam(&report, &r.summary.run_id) {
        files.push(("oscal-poam.json".into(), pretty(&p)));
    }
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
        "signature": signer.map(|s| json!({
            "file": SIGNATURE,
            "format": "minisign (Ed25519 over a BLAKE2b-512 prehash of SHA256SUMS)",
            "signed_by": s.name,
            "signed_at": s.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "verify": "minisign -Vm SHA256SUMS -p KEY.pub, or fairaudit verify-pack DIR --pubkey KEY.pub",
        })),
        "controls_evidenced": pack_controls(store, r)?.iter().map(|c| {
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
    if let Some(s) = signer {
        let comment = format!(
            "fairaudit evidence pack run={} signed_by={} signed_at={}",
            r.summary.run_id,
            s.name,
            s.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        let sig = super::signing::sign(&s.key, sums.as_bytes(), &comment)?;
        files.push(("SHA256SUMS".into(), sums.into_bytes()));
        files.push((SIGNATURE.into(), sig.into_bytes()));
    } else {
        files.push(("SHA256SUMS".into(), sums.into_bytes()));
    }
    Ok(files)
}

/// Writes the pack of `run` to `out`: a directory, or a zip when `out` ends in
/// `.zip`. Refuses to write into a non-empty directory.
pub fn write_pack(
    store: &Store,
    run: &str,
    out: &Path,
    signer: Option<&Signer>,
) -> Result<crate::governance::store::RunSummary> {
    let r = store.get_verified(run)?;
    let files = pack_files(store, &r, signer)?;
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

/// What `verify-pack` found.
pub struct PackCheck {
    /// Whether every file and the signature verified.
    pub ok: bool,
    /// One line per check.
    pub lines: Vec<String>,
}

/// Checks every file of a pack against SHA256SUMS (and that no file is
/// missing or added), and with `pubkey` the signature of SHA256SUMS.
pub fn verify_pack(dir: &Path, pubkey: Option<&Path>) -> Result<PackCheck> {
    if let Some(pk) = pubkey {
        super::signing::check_public_key(pk)?;
    }
    let read = |name: &str| {
        std::fs::read(dir.join(name))
            .map_err(|e| Error::usage(format!("cannot read '{}': {e}", dir.join(name).display())))
    };
    let sums = read("SHA256SUMS")?;
    let text = String::from_utf8_lossy(&sums).to_string();
    let mut lines = vec![];
    let mut ok = true;
    let mut listed = vec!["SHA256SUMS".to_string(), SIGNATURE.to_string()];
    for l in text.lines() {
        let Some((hash, name)) = l.split_once("  ") else {
            ok = false;
            lines.push(format!("SHA256SUMS: unreadable line '{l}'"));
            continue;
        };
        listed.push(name.to_string());
        match std::fs::read(dir.join(name)) {
            Ok(b) if sha256_hex(&b) == hash => lines.push(format!("{name}: OK")),
            Ok(_) => {
                ok = false;
                lines.push(format!(
                    "{name}: FAILED (its SHA-256 differs from SHA256SUMS)"
                ));
            }
            Err(_) => {
                ok = false;
                lines.push(format!("{name}: MISSING"));
            }
        }
    }
    for e in std::fs::read_dir(dir)
        .map_err(|e| Error::usage(format!("cannot read '{}': {e}", dir.display())))?
    {
        let name = e
            .map_err(|e| Error::usage(e.to_string()))?
            .file_name()
            .to_string_lossy()
            .to_string();
        if !listed.contains(&name) {
            ok = false;
            lines.push(format!("{name}: NOT LISTED in SHA256SUMS"));
        }
    }
    if pubkey.is_none() && dir.join(SIGNATURE).exists() {
        lines.push(format!(
            "{SIGNATURE}: present, NOT CHECKED (pass --pubkey KEY.pub to verify who signed)"
        ));
    }
    if let Some(pk) = pubkey {
        match std::fs::read_to_string(dir.join(SIGNATURE)) {
            Err(_) => {
                ok = false;
                lines.push(format!("{SIGNATURE}: MISSING (the pack is not signed)"));
            }
            Ok(sig) => match super::signing::verify(pk, &sums, &sig) {
                Ok(comment) => lines.push(format!("signature: OK ({comment})")),
                Err(e) => {
                    ok = false;
                    lines.push(format!("signature: FAILED ({e})"));
                }
            },
        }
    }
    Ok(PackCheck { ok, lines })
}
