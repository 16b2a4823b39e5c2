//! The Python extension module `fairaudit._fairaudit` (cargo feature
//! `python`, built by maturin from `python/pyproject.toml`). The Python side
//! (`python/fairaudit/`) turns keyword arguments into the CLI's flags and any
//! table into an Arrow C stream; this side resolves the flags exactly as the
//! CLI does (so the spec, defaults and errors are the CLI's), reads each
//! stream batch by batch into the same sufficient statistics as a file scan,
//! and runs the same engine. Nothing here computes a number of its own.
//!
//! The only unsafe code of the crate is here: taking an Arrow C stream out
//! of its capsule and reading it, as the Arrow C stream interface specifies.
#![allow(unsafe_code)]

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;
use polars::prelude::*;
use polars_arrow::array::StructArray;
use polars_arrow::ffi::{ArrowArrayStream, ArrowArrayStreamReader};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::cli::args::{Cli, Command};
use crate::counts::Counts;
use crate::engine::{self, Inputs};
use crate::ingest::Frame;
use crate::spec::Spec;

create_exception!(
    _fairaudit,
    FairauditError,
    PyException,
    "Any error of fairaudit."
);
create_exception!(
    _fairaudit,
    InputError,
    FairauditError,
    "The data cannot be audited: a missing column, values that are not binary, no usable rows, an unreadable file."
);
create_exception!(
    _fairaudit,
    UsageError,
    FairauditError,
    "The options or the spec are inconsistent (the CLI's exit code 2 on usage)."
);
create_exception!(
    _fairaudit,
    WriteError,
    FairauditError,
    "An output could not be written."
);

/// The library's error as the Python exception of its kind, same message.
fn py_err(e: crate::Error) -> PyErr {
    // With its causes, as the command line prints it.
    let mut msg = e.to_string();
    let mut cause = std::error::Error::source(&e);
    while let Some(c) = cause {
        msg.push_str(&format!(": {c}"));
        cause = c.source();
    }
    match e {
        crate::Error::Read { .. }
        | crate::Error::MissingColumn { .. }
        | crate::Error::BadValues { .. }
        | crate::Error::Empty { .. }
        | crate::Error::Warehouse { .. } => InputError::new_err(msg),
        crate::Error::Usage(_) => UsageError::new_err(msg),
        crate::Error::Write { .. } => WriteError::new_err(msg),
    }
}

/// The spec the CLI would build from `fairaudit audit FLAGS`.
fn spec_from_flags(flags: &[String]) -> PyResult<Spec> {
    let argv = ["fairaudit", "audit"]
        .iter()
        .map(|s| s.to_string())
        .chain(flags.iter().cloned());
    let cli = Cli::try_parse_from(argv).map_err(|e| UsageError::new_err(e.render().to_string()))?;
    let Command::Audit(a) = cli.command else {
        return Err(UsageError::new_err("not an audit"));
    };
    let s = crate::cli::settings::resolve(&crate::cli::settings::Layers {
        spec: a.spec.spec.as_deref(),
        input: Some(&a.input),
        columns: Some(&a.columns),
        groups: Some(&a.groups),
        stats: Some(&a.stats),
        governance: Some(&a.governance),
        output: Some(&a.output),
        ..Default::default()
    })
    .map_err(py_err)?;
    Ok(s.spec)
}

/// Reads an Arrow C stream (a `PyCapsule` named `arrow_array_stream`) batch
/// by batch; each batch becomes a polars frame over the same Arrow buffers
/// (no copy) and is counted at once.
fn stream_counts(spec: &Spec, name: &str, capsule: &Bound<'_, PyCapsule>) -> PyResult<Counts> {
    let ok_name = capsule
        .name()?
        .is_some_and(|n| n.to_bytes() == b"arrow_array_stream");
    if !ok_name {
        return Err(UsageError::new_err(
            "expected a PyCapsule named 'arrow_array_stream' (from __arrow_c_stream__)",
        ));
    }
    // Move the stream out of the capsule: the consumer owns and releases it.
    let stream = unsafe {
        let ptr = capsule.pointer() as *mut ArrowArrayStream;
        std::ptr::replace(ptr, ArrowArrayStream::empty())
    };
    let mut reader = unsafe { ArrowArrayStreamReader::try_new(Box::new(stream)) }
        .map_err(|e| InputError::new_err(format!("{name}: not an Arrow stream: {e}")))?;
    let mut total: Option<Counts> = None;
    let needed = needed_columns(&spec.audit);
    let mut spec = spec.audit.clone();
    spec.data.clear();
    spec.counts.clear();
    spec.postgres = None;
    while let Some(batch) = unsafe { reader.next() } {
        let batch = batch.map_err(|e| InputError::new_err(format!("{name}: {e}")))?;
        let s = batch
            .as_any()
            .downcast_ref::<StructArray>()
            .ok_or_else(|| {
                InputError::new_err(format!(
                    "{name}: the stream's batches are not tables (pass a DataFrame, not a Series)"
                ))
            })?;
        // Only the columns the audit reads are converted: a column of a type
        // polars does not take (pandas intervals, decimal256) stops nothing
        // it does not use.
        let s = needed_only(s, &needed);
        // A type polars cannot take panics inside it: an input error here.
        let df = guard(name, || DataFrame::try_from(s))?
            .map_err(|e| InputError::new_err(format!("{name}: {e}")))?;
        if df.height() == 0 {
            continue;
        }
        let frame = Frame {
            name: name.to_string(),
            frame: df.lazy(),
        };
        let c = guard(name, || crate::ingest::read_sources(&spec, &[frame]))?.map_err(py_err)?;
        match &mut total {
            Some(t) => t.merge(&c).map_err(py_err)?,
            None => total = Some(c),
        }
    }
    let mut total =
        total.ok_or_else(|| InputError::new_err(format!("{name}: the table has no rows")))?;
    one_entry_per_input(&mut total);
    Ok(total)
}

/// Runs `f`, turning a panic inside polars into an `InputError` naming the
/// table (a Python user sees an exception they can catch, not a
/// `PanicException`).
fn guard<T>(name: &str, f: impl FnOnce() -> T) -> PyResult<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| {
        let msg = crate::ingest::scan::panic_message(&*p)
            .unwrap_or_else(|| "an unsupported column type".into());
        InputError::new_err(format!("{name}: a column cannot be read: {msg}"))
    })
}

/// The columns an audit reads (those absent are named by its own errors).
fn needed_columns(spec: &crate::spec::AuditSpec) -> std::collections::HashSet<String> {
    let c = &spec.columns;
    let mut n: std::collections::HashSet<String> = crate::ingest::key_columns(spec)
        .into_iter()
        .chain([c.label.clone()])
        .chain(c.prediction.clone())
        .chain(c.score.clone())
        .chain(c.weight.clone())
        .chain(spec.final_decision.clone())
        .collect();
    if c.prediction.is_none() {
        n.insert(crate::spec::DEFAULT_PREDICTION.into());
    }
    if let Some(v) = &spec.value {
        n.insert(v.column.clone());
        n.extend(v.truth.clone());
    }
    n
}

/// The batch with only the `needed` columns, in their order.
fn needed_only(s: &StructArray, needed: &std::collections::HashSet<String>) -> StructArray {
    let keep: Vec<usize> = (0..s.fields().len())
        .filter(|&i| needed.contains(s.fields()[i].name.as_str()))
        .collect();
    // With a needed column missing, the whole table goes on, so that the
    // error lists the table's own columns.
    let missing = needed.iter().any(|n| {
        n != crate::spec::DEFAULT_PREDICTION && !s.fields().iter().any(|f| f.name.as_str() == n)
    });
    if missing || keep.len() == s.fields().len() || keep.is_empty() {
        return s.clone();
    }
    let fields = keep.iter().map(|&i| s.fields()[i].clone()).collect();
    let values = keep.iter().map(|&i| s.values()[i].clone()).collect();
    StructArray::new(
        polars_arrow::datatypes::ArrowDataType::Struct(fields),
        s.len(),
        values,
        s.validity().cloned(),
    )
}

/// One entry per input in the report (`dataset.path`, `dataset.warehouse`):
/// a table read in many batches, or fed to one auditor many times, is
/// named once, with the SHA-256 of its batches' digests in order.
fn one_entry_per_input(c: &mut Counts) {
    use sha2::{Digest, Sha256};
    // A name collapsed before ("… (3 batches)") counts as its base name and
    // its batches.
    let split = |name: &str| -> (String, usize) {
        match name.rsplit_once(" (") {
            Some((b, rest)) if rest.ends_with(" batches)") => (
                b.to_string(),
                rest.trim_end_matches(" batches)").parse().unwrap_or(1),
            ),
            _ => (name.to_string(), 1),
        }
    };
    let mut fetched: Vec<(String, Vec<String>, usize)> = vec![];
    for (name, digest) in c.fetched.drain(..) {
        let (name, n) = split(&name);
        match fetched.iter_mut().find(|(b, _, _)| *b == name) {
            Some((_, ds, k)) => {
                ds.push(digest);
                *k += n;
            }
            None => fetched.push((name, vec![digest], n)),
        }
    }
    c.fetched = fetched
        .into_iter()
        .map(|(name, ds, n)| match (ds.len(), n) {
            (1, 1) => (name, ds.into_iter().next().expect("one")),
            (1, n) => (
                format!("{name} ({n} batches)"),
                ds.into_iter().next().expect("one"),
            ),
            (_, n) => {
                let all = format!("{:x}", Sha256::digest(ds.join("\n").as_bytes()));
                (format!("{name} ({n} batches)"), all)
            }
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    c.reads.0.retain(|r| seen.insert(r.clone()));
}

/// An audit fed batch by batch; its statistics merge with others'.
#[pyclass(module = "fairaudit._fairaudit")]
pub struct Auditor {
    spec: Spec,
    counts: Option<Counts>,
}

#[pymethods]
impl Auditor {
    /// An auditor for the audit `fairaudit audit FLAGS` describes. It
    /// counts only what it is given: a spec's `[data]` files, counts tables
    /// and server are not read (as on the command line, data given replaces
    /// the spec's).
    #[new]
    fn new(flags: Vec<String>) -> PyResult<Self> {
        let mut spec = spec_from_flags(&flags)?;
        spec.audit.data.clear();
        spec.audit.counts.clear();
        spec.audit.postgres = None;
        Ok(Auditor { spec, counts: None })
    }

    /// The columns the audit reads (the Python side converts only those).
    fn needed_columns(&self) -> Vec<String> {
        let mut v: Vec<String> = needed_columns(&self.spec.audit).into_iter().collect();
        v.sort();
        v
    }

    /// Adds a table given as an Arrow C stream capsule; returns its rows read.
    fn update_stream(&mut self, name: String, capsule: &Bound<'_, PyCapsule>) -> PyResult<u64> {
        let c = stream_counts(&self.spec, &name, capsule)?;
        let rows = c.rows_read;
        self.add(c)?;
        Ok(rows)
    }

    /// Adds data files (or a counts table, with `counts=True`).
    #[pyo3(signature = (paths, counts = false))]
    fn update_paths(&mut self, paths: Vec<String>, counts: bool) -> PyResult<u64> {
        let mut spec = self.spec.clone();
        let list: Vec<std::path::PathBuf> = paths.into_iter().map(Into::into).collect();
        if counts {
            spec.audit.counts = list;
        } else {
            spec.audit.data = list;
        }
        let c = engine::Audit::builder()
            .spec(spec)
            .counts_only()
            .map_err(py_err)?;
        let rows = c.rows_read;
        self.add(c)?;
        Ok(rows)
    }

    /// Adds another auditor's statistics (same attributes and options).
    fn merge(&mut self, other: &Auditor) -> PyResult<()> {
        if let Some(c) = &other.counts {
            self.add(c.clone())?;
        }
        Ok(())
    }

    /// The sufficient statistics so far, as JSON.
    fn counts_json(&self) -> PyResult<String> {
        let c = self
            .counts
            .as_ref()
            .ok_or_else(|| InputError::new_err("no data yet: call update() first"))?;
        Ok(serde_json::to_string(c).expect("counts serialize"))
    }

    /// Adds statistics serialized by `counts_json`.
    fn update_counts_json(&mut self, json: &str) -> PyResult<()> {
        let c: Counts = serde_json::from_str(json)
            .map_err(|e| UsageError::new_err(format!("not fairaudit counts: {e}")))?;
        // Counts made elsewhere (from_counts) must be by this auditor's
        // attributes: a report by other attributes would silently ignore them.
        let want = crate::ingest::key_columns(&self.spec.audit);
        if !self.spec.audit.attributes.is_empty() && c.attributes != want {
            return Err(UsageError::new_err(format!(
                "the counts are by {}, but this auditor's attributes are {}",
                c.attributes.join(", "),
                want.join(", ")
            )));
        }
        self.add(c)
    }

    /// Rows read so far.
    #[getter]
    fn rows_read(&self) -> u64 {
        self.counts.as_ref().map_or(0, |c| c.rows_read)
    }

    /// The report on everything added so far.
    fn report(&self, py: Python<'_>) -> PyResult<Report> {
        let counts = self
            .counts
            .clone()
            .ok_or_else(|| InputError::new_err("no data yet: call update() first"))?;
        let spec = self.spec.clone();
        let inner = py
            .allow_threads(move || {
                engine::run_inputs(
                    &spec,
                    &Inputs {
                        frames: vec![],
                        counts: vec![counts],
                    },
                    None,
                )
            })
            .map_err(py_err)?;
        Ok(Report { inner })
    }
}

impl Auditor {
    fn add(&mut self, c: Counts) -> PyResult<()> {
        match &mut self.counts {
            Some(t) => t.merge(&c).map_err(py_err)?,
            None => self.counts = Some(c),
        }
        if let Some(t) = &mut self.counts {
            one_entry_per_input(t);
        }
        Ok(())
    }
}

/// An audit's report, rendered on demand in any of the CLI's formats.
#[pyclass(module = "fairaudit._fairaudit")]
pub struct Report {
    inner: engine::Report,
}

#[pymethods]
impl Report {
    /// The JSON report (docs/report-schema.md), as the CLI writes it.
    fn to_json(&self) -> String {
        serde_json::to_string(&crate::report::json::to_json(&self.inner)).expect("JSON")
    }

    /// The report in a CLI format: table, json, junit, markdown, oscal, oscal-poam, html.
    fn render(&self, format: &str) -> PyResult<String> {
        let f = <crate::report::Format as clap::ValueEnum>::from_str(format, true)
            .map_err(|e| UsageError::new_err(format!("unknown format '{format}': {e}")))?;
        f.exporter().render(&self.inner).map_err(py_err)
    }

    /// Whether the gate fails (the CLI would exit 1).
    fn gate_failed(&self) -> bool {
        self.inner.gate_failed()
    }
}

/// Audits data files exactly as `fairaudit audit FLAGS` does.
#[pyfunction]
fn audit_files(py: Python<'_>, flags: Vec<String>) -> PyResult<Report> {
    let spec = spec_from_flags(&flags)?;
    let inner = py
        .allow_threads(move || engine::run(&spec))
        .map_err(py_err)?;
    Ok(Report { inner })
}

/// Examines data files as `fairaudit data FLAGS` does; returns the JSON report.
#[pyfunction]
fn examine_files(py: Python<'_>, flags: Vec<String>) -> PyResult<String> {
    let argv = ["fairaudit", "data"]
        .iter()
        .map(|s| s.to_string())
        .chain(flags);
    let cli = Cli::try_parse_from(argv).map_err(|e| UsageError::new_err(e.render().to_string()))?;
    let Command::Data(a) = cli.command else {
        return Err(UsageError::new_err("not a data command"));
    };
    py.allow_threads(move || {
        let s = crate::cli::settings::resolve(&crate::cli::settings::Layers {
            spec: a.spec.spec.as_deref(),
            files: Some(&a.files),
            governance: Some(&a.governance),
            ..Default::default()
        })?;
        let mut spec = s.spec;
        spec.audit.reader = a.read.reader;
        a.examine.apply(&mut spec)?;
        let r = engine::examine::examine(&spec, None)?;
        let digests = crate::report::examine::digests(&r)?;
        Ok(serde_json::to_string(&crate::report::examine::to_json(&r, &digests)).expect("JSON"))
    })
    .map_err(py_err)
}

/// Runs the command line; returns its exit code (errors printed once, as the binary does).
#[pyfunction]
fn run_cli(py: Python<'_>, args: Vec<String>) -> u8 {
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    py.allow_threads(move || match crate::cli::main(args) {
        Ok(code) => (0u8..=255)
            .find(|c| ExitCode::from(*c) == code)
            .unwrap_or(1),
        Err(e) => {
            eprintln!("fairaudit: error: {e:#}");
            2
        }
    })
}

/// The counts query `fairaudit sql FLAGS` prints.
#[pyfunction]
fn counts_sql(flags: Vec<String>) -> PyResult<String> {
    let argv = ["fairaudit", "sql"]
        .iter()
        .map(|s| s.to_string())
        .chain(flags);
    let cli = Cli::try_parse_from(argv).map_err(|e| UsageError::new_err(e.render().to_string()))?;
    let Command::Sql(a) = cli.command else {
        return Err(UsageError::new_err("not a sql command"));
    };
    let s = crate::cli::settings::resolve(&crate::cli::settings::Layers {
        spec: a.spec.spec.as_deref(),
        columns: Some(&a.columns),
        ..Default::default()
    })
    .map_err(py_err)?;
    crate::ingest::sql::counts_query(a.dialect, &a.table, &s.spec.audit, a.filter.as_deref())
        .map_err(py_err)
}

/// The engine's version.
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The native module.
#[pymodule]
fn _fairaudit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Auditor>()?;
    m.add_class::<Report>()?;
    m.add_function(wrap_pyfunction!(audit_files, m)?)?;
    m.add_function(wrap_pyfunction!(run_cli, m)?)?;
    m.add_function(wrap_pyfunction!(examine_files, m)?)?;
    m.add_function(wrap_pyfunction!(counts_sql, m)?)?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    let py = m.py();
    m.add("FairauditError", py.get_type::<FairauditError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("UsageError", py.get_type::<UsageError>())?;
    m.add("WriteError", py.get_type::<WriteError>())?;
    Ok(())
}
