//! Reading decisions into [`Counts`] in one scan.
//!
//! The query is a projection of the needed columns followed by one group-by
//! over (attributes, raw label, raw prediction), run on polars' streaming
//! engine ([`scan`]). The group-by result is tiny (a few rows per cell), so
//! every check of label, prediction, score and weight values happens on it
//! afterwards ([`cells`]): no per-row work in Rust, and no second pass over
//! the file. The same result comes from a counts table ([`table`]) or a
//! warehouse engine running the query of [`sql`] ([`warehouse`]); and, for
//! Parquet and quote-free CSV files whose group-by is only row counts, from
//! coding the key columns and counting them into a dense array ([`codes`]),
//! which skips polars' hashing of string keys.
//!
//! Local files are best read with polars' streamed reader (environment
//! variable `POLARS_FORCE_ASYNC=1`, which the `fairaudit` binary sets): with a
//! memory map the resident memory of a scan grows with the file.

pub mod binarize;
pub mod cells;
pub mod codes;
pub mod examine;
mod names;
pub mod scan;
pub mod sql;
pub mod table;
pub mod tally;
pub mod warehouse;

use std::path::{Path, PathBuf};

use polars::prelude::{col, DataType, Engine, LazyFrame};

use crate::counts::Counts;
use crate::spec::{AuditSpec, InputFormat};
use crate::{Error, Result};

pub use names::SCORE_SCALE;
pub use scan::Origin;
pub use table::{convert, counts_table, read_counts, write_frame, COUNTS_COLUMNS};

/// Above this many finest cells the attributes are too fine-grained to audit
/// (an identifier column given as an attribute, say).
pub const MAX_CELLS: usize = 200_000;

/// Decisions held in memory (a polars frame), audited like a file.
#[derive(Clone)]
pub struct Frame {
    /// The name messages and the report give it.
    pub name: String,
    /// The data.
    pub frame: LazyFrame,
}

/// The key columns of the cells: the protected attributes, then the
/// stratification column when there is one.
pub fn key_columns(spec: &AuditSpec) -> Vec<String> {
    let mut k = spec.attributes.clone();
    if let Some(s) = &spec.stratify {
        k.push(s.clone());
    }
    k.extend(spec.controls.iter().cloned());
    k
}

fn merge_into(total: &mut Option<Counts>, c: Counts) -> Result<()> {
    match total {
        None => *total = Some(c),
        Some(t) => t.merge(&c)?,
    }
    Ok(())
}

/// The quantile band edges of each numeric control over all data files (one
/// read of those columns): edges at the upper edges of the fine buckets
/// holding the ranks ⌊q (n − 1)⌋, q = 1/N … (N−1)/N, equal edges merged.
fn control_bands(
    spec: &AuditSpec,
    bins: usize,
) -> Result<std::collections::BTreeMap<String, Vec<f64>>> {
    use crate::counts::examine::{fine_bucket, fine_upper};
    let mut out = std::collections::BTreeMap::new();
    for c in &spec.controls {
        let mut pooled: std::collections::BTreeMap<i32, u64> = std::collections::BTreeMap::new();
        let mut numeric = true;
        for path in &spec.data {
            let format = format_of(path, spec.input_format)?;
            let origin = Origin::file(path, format);
            scan::check_file(path, &origin)?;
            let schema = origin.guarded(|| scan::scan(path, format, &[])?.collect_schema())?;
            match schema.get(c.as_str()) {
                Some(t) if t.is_numeric() => {}
                Some(_) => {
                    numeric = false;
                    break;
                }
                None => {
                    return Err(Error::MissingColumn {
                        path: path.clone(),
                        column: c.clone(),
                        role: "a control",
                        available: schema
                            .iter_names()
                            .map(|n| n.to_string())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
                }
            }
            let df = origin.guarded(|| {
                scan::scan(path, format, &[])?
                    .select([col(c.as_str()).cast(DataType::Float64).alias("x")])
                    .collect_with_engine(Engine::Streaming)
                    .map(|r| r.unwrap_single())
            })?;
            let x = df
                .column("x")
                .and_then(|c| c.f64().cloned())
                .map_err(|e| origin.err(e))?;
            for v in x.iter().flatten().filter(|v| v.is_finite()) {
                *pooled.entry(fine_bucket(v)).or_default() += 1;
            }
        }
        if !numeric {
            continue;
        }
        let total: u64 = pooled.values().sum();
        let mut edges: Vec<f64> = vec![];
        for j in 1..bins {
            let rank = ((j as f64 / bins as f64) * (total.saturating_sub(1)) as f64).floor() as u64;
            let mut cum = 0;
            for (b, n) in &pooled {
                cum += n;
                if cum > rank {
                    let e = fine_upper(*b);
                    if edges.last() != Some(&e) && Some(b) != pooled.keys().last() {
                        edges.push(e);
                    }
                    break;
                }
            }
        }
        out.insert(c.clone(), edges);
    }
    Ok(out)
}

/// Reads every data file and counts table of the spec, its PostgreSQL source
/// and the given in-memory frames, and merges their counts.
pub fn read_sources(spec: &AuditSpec, frames: &[Frame]) -> Result<Counts> {
    if let Some(bins) = spec.control_bins {
        if bins < 2 {
            return Err(Error::usage(format!(
                "--control-bins {bins}: at least 2 bands"
            )));
        }
        if spec.controls.is_empty() {
            return Err(Error::usage("--control-bins needs --control COL"));
        }
        if !spec.counts.is_empty() || spec.postgres.is_some() || !frames.is_empty() {
            return Err(Error::usage(
                "--control-bins bands numeric controls of data files; with counts tables, a server or data frames, band the controls before counting",
            ));
        }
        let mut banded = spec.clone();
        banded.control_bins = None;
        banded.control_bands = control_bands(spec, bins)?;
        let mut c = read_sources(&banded, frames)?;
        c.control_bands = banded.control_bands;
        return Ok(c);
    }
    let mut total: Option<Counts> = None;
    for path in &spec.data {
        merge_into(&mut total, read_file(path, spec)?)?;
    }
    for path in &spec.counts {
        merge_into(&mut total, read_counts(path, spec)?)?;
    }
    if let Some(src) = &spec.postgres {
        let f = warehouse::fetch(src, spec)?;
        let mut c = f.counts;
        c.fetched.push((warehouse::describe(src), f.sha256));
        merge_into(&mut total, c)?;
    }
    for f in frames {
        merge_into(&mut total, read_frame(f, spec)?)?;
    }
    total.ok_or_else(|| Error::usage("no data file given"))
}

/// Reads every data file of the spec and merges their counts.
pub fn read_all(spec: &AuditSpec) -> Result<Counts> {
    read_sources(spec, &[])
}

/// Expands glob patterns (`data/2026-*.parquet`) among the data paths; plain
/// paths are kept as given. A pattern that matches nothing is an error.
pub fn expand_paths(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = vec![];
    for p in paths {
        let s = p.to_string_lossy();
        if !p.exists() && s.contains(['*', '?', '[']) {
            let mut matched: Vec<PathBuf> = glob::glob(&s)
                .map_err(|e| Error::usage(format!("bad file pattern '{s}': {e}")))?
                .filter_map(|r| r.ok())
                .filter(|m| m.is_file())
                .collect();
            if matched.is_empty() {
                return Err(Error::usage(format!("no file matches the pattern '{s}'")));
            }
            matched.sort();
            out.extend(matched);
        } else {
            out.push(p.clone());
        }
    }
    // The same file twice (as two names, two links, or matched by two
    // patterns) would count its rows twice.
    let mut seen: std::collections::BTreeMap<FileId, &PathBuf> = Default::default();
    for p in &out {
        if let Some(id) = file_id(p) {
            if let Some(first) = seen.insert(id, p) {
                return Err(Error::usage(format!(
                    "the file '{}' is given twice (also as '{}'): its rows would count twice",
                    p.display(),
                    first.display()
                )));
            }
        }
    }
    Ok(out)
}

/// What makes two names one file: its device and inode where there are such
/// (hard links too), else its canonical path.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum FileId {
    Inode(u64, u64),
    #[cfg_attr(unix, allow(dead_code))]
    Path(PathBuf),
}

fn file_id(p: &Path) -> Option<FileId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(p)
            .ok()
            .map(|m| FileId::Inode(m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::canonicalize(p).ok().map(FileId::Path)
    }
}

/// The format of `path`: the override if given, else from its extension.
pub fn format_of(path: &Path, forced: Option<InputFormat>) -> Result<InputFormat> {
    if let Some(f) = forced {
        return Ok(f);
    }
    InputFormat::from_path(path).ok_or_else(|| {
        Error::usage(format!(
            "cannot tell the format of '{}' from its extension; pass --input-format csv|parquet|ndjson|ipc",
            path.display()
        ))
    })
}

/// Reads one file into counts.
pub fn read_file(path: &Path, spec: &AuditSpec) -> Result<Counts> {
    let format = format_of(path, spec.input_format)?;
    let origin = Origin::file(path, format);
    scan::check_file(path, &origin)?;
    let file = Some((path, format));
    let a = scan::aggregate(&origin, spec, format == InputFormat::Csv, file, &|s| {
        scan::scan(path, format, s)
    })?;
    let mut c = cells::counts_from_groups(&origin, spec, &a.pred, a.groups, a.sketch)?;
    c.reads
        .0
        .push((path.display().to_string(), a.plan.to_string()));
    Ok(c)
}

/// Reads an in-memory frame into counts, with the same query and checks as a
/// file. The report names it, with the SHA-256 of its counts.
pub fn read_frame(f: &Frame, spec: &AuditSpec) -> Result<Counts> {
    let origin = Origin::frame(&f.name);
    let a = scan::aggregate(&origin, spec, false, None, &|_| Ok(f.frame.clone()))?;
    let mut c = cells::counts_from_groups(&origin, spec, &a.pred, a.groups, a.sketch)?;
    c.reads
        .0
        .push((format!("data frame '{}'", f.name), a.plan.to_string()));
    let digest = c.digest();
    c.fetched.push((format!("data frame '{}'", f.name), digest));
    Ok(c)
}
