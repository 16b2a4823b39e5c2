//! Reading decision files into [`Counts`] in one scan.
//!
//! The query is a projection of the needed columns followed by one group-by over
//! (attributes, raw label, raw prediction), run on polars' streaming engine. The
//! group-by result is tiny (a few rows per cell), so every check of label,
//! prediction, score and weight values happens on it afterwards: no per-row work
//! in Rust, and no second pass over the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use polars::prelude::*;

pub mod sql;
pub mod warehouse;

use crate::counts::{Counts, Exclusions, Outcome};
use crate::spec::{AuditSpec, InputFormat, DEFAULT_PREDICTION};
use crate::{Error, Result};

/// Above this many finest cells the attributes are too fine-grained to audit
/// (an identifier column given as an attribute, say).
pub const MAX_CELLS: usize = 200_000;

/// Set while polars runs, so the CLI's panic hook stays quiet: a panic inside
/// polars on a corrupt file is turned into an [`Error::Read`] instead.
pub static IN_POLARS: AtomicBool = AtomicBool::new(false);

const K_LABEL: &str = "__fa_label";
const K_PRED: &str = "__fa_pred";
const A_N: &str = "__fa_n";
const A_W: &str = "__fa_w";
const A_W2: &str = "__fa_w2";
const A_WMIN: &str = "__fa_wmin";
const A_WNULL: &str = "__fa_wnull";
const A_WBAD: &str = "__fa_wbad";
const A_SNAN: &str = "__fa_snan";
const A_SBAD: &str = "__fa_sbad";
const A_SMIN: &str = "__fa_smin";
const A_SMAX: &str = "__fa_smax";
const A_SNULL: &str = "__fa_snull";
const K_BIN: &str = "__fa_bin";
/// Scores and squared scores are summed as integers in units of 1/SCORE_SCALE.
pub const SCORE_SCALE: f64 = 1e9;
const A_SSUM: &str = "__fa_ssum";
const A_SSUM2: &str = "__fa_ssum2";

/// The key columns of the cells: the protected attributes, then the
/// stratification column when there is one.
pub fn key_columns(spec: &AuditSpec) -> Vec<String> {
    let mut k = spec.attributes.clone();
    if let Some(s) = &spec.stratify {
        k.push(s.clone());
    }
    k
}

/// Reads every data file of the spec and merges their counts.
pub fn read_all(spec: &AuditSpec) -> Result<Counts> {
    let mut total: Option<Counts> = None;
    let sources = spec
        .data
        .iter()
        .map(|p| (p, false))
        .chain(spec.counts.iter().map(|p| (p, true)));
    for (path, is_counts) in sources {
        let c = if is_counts {
            read_counts(path, spec)?
        } else {
            read_file(path, spec)?
        };
        match &mut total {
            None => total = Some(c),
            Some(t) => t.merge(&c)?,
        }
    }
    if let Some(src) = &spec.postgres {
        let f = crate::ingest::warehouse::fetch(src, spec)?;
        let mut c = f.counts;
        c.fetched
            .push((crate::ingest::warehouse::describe(src), f.sha256));
        match &mut total {
            None => total = Some(c),
            Some(t) => t.merge(&c)?,
        }
    }
    let total = total.ok_or_else(|| Error::usage("no data file given"))?;
    Ok(total)
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
    Ok(out)
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

fn read_err(path: &Path, format: InputFormat, reason: impl std::fmt::Display) -> Error {
    // polars messages can span lines; keep the report to one paragraph.
    let reason = reason.to_string();
    let reason = reason
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Error::Read {
        path: path.to_path_buf(),
        format: format.name(),
        reason,
    }
}

/// Runs `f`, turning a panic inside polars into an error on `path`.
fn guarded<T>(path: &Path, format: InputFormat, f: impl FnOnce() -> PolarsResult<T>) -> Result<T> {
    IN_POLARS.store(true, Ordering::SeqCst);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    IN_POLARS.store(false, Ordering::SeqCst);
    match r {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(read_err(path, format, e)),
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "the reader failed".into());
            Err(read_err(
                path,
                format,
                format!("the file appears corrupt ({msg})"),
            ))
        }
    }
}

/// A lazy scan of `path`. `string_cols` are read as text from CSV so that
/// values such as "01" keep their form.
fn scan(path: &Path, format: InputFormat, string_cols: &[String]) -> PolarsResult<LazyFrame> {
    // Absolute and without `..`: polars' streamed (async) reader, which
    // stream_local_files selects, rejects relative segments. Messages keep
    // the path as the user gave it.
    stream_local_files();
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let p = PlRefPath::try_from_path(&abs)?;
    match format {
        InputFormat::Csv => {
            let mut r = LazyCsvReader::new(p)
                .with_glob(false)
                .with_has_header(true)
                .with_infer_schema_length(Some(10_000));
            if !string_cols.is_empty() {
                let schema = Schema::from_iter(
                    string_cols
                        .iter()
                        .map(|c| Field::new(c.as_str().into(), DataType::String)),
                );
                r = r.with_dtype_overwrite(Some(Arc::new(schema)));
            }
            r.finish()
        }
        // Globs were expanded by expand_paths; a `?` or `[` here is part of the name.
        InputFormat::Parquet => LazyFrame::scan_parquet(
            p,
            ScanArgsParquet {
                glob: false,
                ..Default::default()
            },
        ),
        InputFormat::Ndjson => LazyJsonLineReader::new(p).finish(),
        InputFormat::Ipc => LazyFrame::scan_ipc(
            p,
            IpcScanOptions::default(),
            UnifiedScanArgs {
                glob: false,
                ..Default::default()
            },
        ),
    }
}

/// How the prediction is obtained for a file.
enum PredSource {
    Column(String),
    Score(String, f64),
}

/// Makes polars read local files through its streamed, prefetching byte
/// source instead of memory-mapping them whole: with a memory map the resident
/// memory of a scan grows with the file (3.1 GB for a 3.1 GB CSV), streamed it
/// stays bounded (measured in docs/performance.md). An explicit
/// POLARS_FORCE_ASYNC in the environment is respected.
fn stream_local_files() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("POLARS_FORCE_ASYNC").is_none() {
            std::env::set_var("POLARS_FORCE_ASYNC", "1");
            polars_config::config().reload_env_var("POLARS_FORCE_ASYNC");
        }
    });
}

/// Reads one file into counts.
pub fn read_file(path: &Path, spec: &AuditSpec) -> Result<Counts> {
    let (agg, pred) = aggregate(path, spec)?;
    counts_from_groups(path, spec, &pred, agg)
}

/// The one scan of a file: the group-by over key columns × raw label × raw
/// prediction (× score bin), with counts, weight sums and value checks.
fn aggregate(path: &Path, spec: &AuditSpec) -> Result<(DataFrame, PredSource)> {
    let format = format_of(path, spec.input_format)?;
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(read_err(path, format, "it is a directory, not a file"));
        }
        Ok(m) if m.len() == 0 => {
            return Err(Error::Empty {
                path: path.to_path_buf(),
                problem: "the file is empty (0 bytes): no rows to audit".into(),
            });
        }
        Ok(_) => {}
        Err(e) => return Err(read_err(path, format, e)),
    }

    let cols = &spec.columns;
    let schema = guarded(path, format, || scan(path, format, &[])?.collect_schema())?;
    let available = || {
        schema
            .iter_names()
            .map(|n| n.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let require = |column: &str, role: &'static str| -> Result<DataType> {
        schema
            .get(column)
            .cloned()
            .ok_or_else(|| Error::MissingColumn {
                path: path.to_path_buf(),
                column: column.to_string(),
                role,
                available: available(),
            })
    };

    require(&cols.label, "label (--label)")?;
    for a in &spec.attributes {
        require(a, "protected attribute (--attr)")?;
    }
    if let Some(st) = &spec.stratify {
        require(st, "stratification column (--stratify)")?;
    }
    let key_cols = key_columns(spec);
    let pred = match (&cols.prediction, &cols.score) {
        (Some(p), _) => {
            require(p, "prediction (--prediction)")?;
            PredSource::Column(p.clone())
        }
        (None, Some(s)) if schema.get(DEFAULT_PREDICTION).is_none() => {
            PredSource::Score(s.clone(), cols.threshold)
        }
        (None, _) => {
            require(
                DEFAULT_PREDICTION,
                "prediction (--prediction, or --score with --threshold)",
            )?;
            PredSource::Column(DEFAULT_PREDICTION.to_string())
        }
    };
    let numeric = |column: &str, role: &'static str| -> Result<()> {
        let dt = require(column, role)?;
        if dt.is_primitive_numeric() || dt == DataType::Null {
            Ok(())
        } else {
            Err(Error::BadValues {
                path: path.to_path_buf(),
                column: column.to_string(),
                problem: format!("the {role} column must hold numbers, but it is of type {dt}"),
            })
        }
    };
    if let Some(s) = &cols.score {
        numeric(s, "score")?;
    }
    if let Some(w) = &cols.weight {
        numeric(w, "weight")?;
    }

    // Keys: attributes, raw label, raw (or score-derived) prediction.
    let mut keys: Vec<Expr> = key_cols.iter().map(|a| col(a.as_str())).collect();
    keys.push(col(cols.label.as_str()).alias(K_LABEL));
    keys.push(match &pred {
        PredSource::Column(p) => col(p.as_str()).alias(K_PRED),
        PredSource::Score(s, t) => col(s.as_str())
            .cast(DataType::Float64)
            .gt_eq(lit(*t))
            .alias(K_PRED),
    });
    if let Some(s) = &cols.score {
        // Histogram bin: floor(s·B + 1e-9), at most B (see score.rs).
        let b = spec.score_bins as f64;
        let x =
            (col(s.as_str()).cast(DataType::Float64) * lit(b) + lit(1e-9)).cast(DataType::UInt32);
        keys.push(
            when(x.clone().gt(lit(spec.score_bins as u32)))
                .then(lit(spec.score_bins as u32))
                .otherwise(x)
                .alias(K_BIN),
        );
    }
    let mut aggs = vec![len().alias(A_N)];
    if let Some(w) = &cols.weight {
        let w = col(w.as_str()).cast(DataType::Float64);
        aggs.push(w.clone().sum().alias(A_W));
        aggs.push((w.clone() * w.clone()).sum().alias(A_W2));
        aggs.push(w.clone().min().alias(A_WMIN));
        aggs.push(
            w.clone()
                .lt(lit(0.0))
                .or(w.clone().is_nan())
                .cast(DataType::UInt64)
                .sum()
                .alias(A_WBAD),
        );
        aggs.push(w.null_count().cast(DataType::UInt64).alias(A_WNULL));
    }
    if let Some(s) = &cols.score {
        let s = col(s.as_str()).cast(DataType::Float64);
        let nan = s.clone().is_nan();
        aggs.push(nan.clone().cast(DataType::UInt64).sum().alias(A_SNAN));
        aggs.push(
            s.clone()
                .lt(lit(0.0))
                .or(s.clone().gt(lit(1.0)))
                .and(nan.not())
                .cast(DataType::UInt64)
                .sum()
                .alias(A_SBAD),
        );
        // Sums in fixed point (units of 1e-9): integer addition is exact and
        // order-free, so every engine and every merge gives the same sums.
        aggs.push(
            (s.clone() * lit(SCORE_SCALE) + lit(0.5))
                .cast(DataType::Int64)
                .sum()
                .alias(A_SSUM),
        );
        aggs.push(
            (s.clone() * s.clone() * lit(SCORE_SCALE) + lit(0.5))
                .cast(DataType::Int64)
                .sum()
                .alias(A_SSUM2),
        );
        aggs.push(s.clone().min().alias(A_SMIN));
        aggs.push(s.clone().max().alias(A_SMAX));
        aggs.push(s.null_count().cast(DataType::UInt64).alias(A_SNULL));
    }

    let string_cols: Vec<String> = if format == InputFormat::Csv {
        key_cols.clone()
    } else {
        vec![]
    };
    let agg = guarded(path, format, || {
        scan(path, format, &string_cols)?
            .group_by(keys)
            .agg(aggs)
            .collect_with_engine(Engine::Streaming)
            .map(|r| r.unwrap_single())
    })?;
    Ok((agg, pred))
}

/// Textual form of a label or prediction value.
fn as_text(c: &Column) -> PolarsResult<StringChunked> {
    Ok(c.cast(&DataType::String)?.str()?.clone())
}

fn u64s(df: &DataFrame, name: &str) -> PolarsResult<UInt64Chunked> {
    Ok(df.column(name)?.cast(&DataType::UInt64)?.u64()?.clone())
}

fn i64s(df: &DataFrame, name: &str) -> PolarsResult<Int64Chunked> {
    Ok(df.column(name)?.cast(&DataType::Int64)?.i64()?.clone())
}

fn f64s(df: &DataFrame, name: &str) -> PolarsResult<Float64Chunked> {
    Ok(df.column(name)?.cast(&DataType::Float64)?.f64()?.clone())
}

/// Maps the distinct values of a label or prediction column to positive or
/// negative; `None` values were missing.
struct Binarizer {
    map: BTreeMap<String, bool>,
}

const POSITIVE_WORDS: [&str; 4] = ["1", "1.0", "true", "True"];
const NEGATIVE_WORDS: [&str; 4] = ["0", "0.0", "false", "False"];

fn canonical(v: &str) -> Option<bool> {
    if POSITIVE_WORDS.contains(&v) || v.eq_ignore_ascii_case("true") {
        Some(true)
    } else if NEGATIVE_WORDS.contains(&v) || v.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn list_values(values: &BTreeMap<String, u64>, limit: usize) -> String {
    let mut v: Vec<(&String, &u64)> = values.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut parts: Vec<String> = v
        .iter()
        .take(limit)
        .map(|(k, n)| format!("'{k}' ({n} row{})", if **n == 1 { "" } else { "s" }))
        .collect();
    if v.len() > limit {
        parts.push(format!("and {} more", v.len() - limit));
    }
    parts.join(", ")
}

impl Binarizer {
    /// `values`: distinct non-missing values with their row counts.
    fn new(
        path: &Path,
        column: &str,
        role: &str,
        values: &BTreeMap<String, u64>,
        positive: Option<&str>,
    ) -> Result<Self> {
        let all_canonical = values.keys().all(|v| canonical(v).is_some());
        let mut map = BTreeMap::new();
        match positive {
            // One-vs-rest on the named value, unless the column is plain 0/1 and
            // the named value is a word (e.g. labels "approved", predictions 0/1).
            Some(pos) if !(all_canonical && canonical(pos).is_none()) => {
                if !values.contains_key(pos) && !values.is_empty() {
                    return Err(Error::BadValues {
                        path: path.to_path_buf(),
                        column: column.to_string(),
                        problem: format!(
                            "the positive value '{pos}' (--positive) never occurs in the {role} column; its values are {}",
                            list_values(values, 8)
                        ),
                    });
                }
                for v in values.keys() {
                    map.insert(v.clone(), v == pos);
                }
            }
            _ => {
                let bad: BTreeMap<String, u64> = values
                    .iter()
                    .filter(|(v, _)| canonical(v).is_none())
                    .map(|(k, n)| (k.clone(), *n))
                    .collect();
                if !bad.is_empty() {
                    let rows: u64 = bad.values().sum();
                    return Err(Error::BadValues {
                        path: path.to_path_buf(),
                        column: column.to_string(),
                        problem: format!(
                            "the {role} must be binary (0/1 or true/false), but {rows} row{} hold other values: {}. \
                             fairaudit audits binary decisions only (multiclass and regression outcomes are out of scope); \
                             to binarize, name the positive value with --positive VALUE (every other value then counts as negative)",
                            if rows == 1 { "" } else { "s" },
                            list_values(&bad, 6)
                        ),
                    });
                }
                for v in values.keys() {
                    map.insert(v.clone(), canonical(v).unwrap_or(false));
                }
            }
        }
        Ok(Binarizer { map })
    }

    fn get(&self, v: Option<&str>) -> Option<bool> {
        v.and_then(|v| self.map.get(v).copied())
    }
}

fn distinct(values: &StringChunked, n: &UInt64Chunked) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for (v, k) in values.iter().zip(n.iter()) {
        if let Some(v) = v {
            *m.entry(v.to_string()).or_insert(0) += k.unwrap_or(0);
        }
    }
    m
}

fn fmt_num(x: f64) -> String {
    let s = format!("{x}");
    if s.len() > 12 {
        format!("{x:.6e}")
    } else {
        s
    }
}

/// Turns the group-by result into counts, checking every value on the way.
fn counts_from_groups(
    path: &Path,
    spec: &AuditSpec,
    pred: &PredSource,
    df: DataFrame,
) -> Result<Counts> {
    let cols = &spec.columns;
    let format = format_of(path, spec.input_format)?;
    let perr = |e: PolarsError| read_err(path, format, e);
    let n = u64s(&df, A_N).map_err(perr)?;
    let rows_read: u64 = n.iter().flatten().sum();
    if rows_read == 0 {
        return Err(Error::Empty {
            path: path.to_path_buf(),
            problem: "the file has no rows to audit".into(),
        });
    }
    let labels = as_text(df.column(K_LABEL).map_err(perr)?).map_err(perr)?;
    let preds = as_text(df.column(K_PRED).map_err(perr)?).map_err(perr)?;
    let attrs: Vec<StringChunked> = key_columns(spec)
        .iter()
        .map(|a| df.column(a).and_then(as_text))
        .collect::<PolarsResult<_>>()
        .map_err(perr)?;

    // Validate scores: out of range or NaN is an error, never silently dropped.
    if let Some(score) = &cols.score {
        let nan: u64 = u64s(&df, A_SNAN).map_err(perr)?.iter().flatten().sum();
        let bad: u64 = u64s(&df, A_SBAD).map_err(perr)?.iter().flatten().sum();
        if nan > 0 || bad > 0 {
            let lo = f64s(&df, A_SMIN)
                .map_err(perr)?
                .iter()
                .flatten()
                .filter(|x| !x.is_nan())
                .fold(f64::INFINITY, f64::min);
            let hi = f64s(&df, A_SMAX)
                .map_err(perr)?
                .iter()
                .flatten()
                .filter(|x| !x.is_nan())
                .fold(f64::NEG_INFINITY, f64::max);
            let mut parts = vec![];
            if bad > 0 {
                let mut ex = vec![];
                if lo < 0.0 {
                    ex.push(format!("lowest {}", fmt_num(lo)));
                }
                if hi > 1.0 {
                    ex.push(format!("highest {}", fmt_num(hi)));
                }
                parts.push(format!(
                    "{bad} row{} outside [0, 1] ({})",
                    if bad == 1 { "" } else { "s" },
                    ex.join(", ")
                ));
            }
            if nan > 0 {
                parts.push(format!(
                    "{nan} row{} with NaN",
                    if nan == 1 { "" } else { "s" }
                ));
            }
            return Err(Error::BadValues {
                path: path.to_path_buf(),
                column: score.clone(),
                problem: format!(
                    "scores must be probabilities in [0, 1]; found {}",
                    parts.join(" and ")
                ),
            });
        }
    }

    let (wsum, w2sum, wnull) = if let Some(w) = &cols.weight {
        let wmin: f64 = f64s(&df, A_WMIN)
            .map_err(perr)?
            .iter()
            .flatten()
            .fold(f64::INFINITY, f64::min);
        let bad: u64 = u64s(&df, A_WBAD).map_err(perr)?.iter().flatten().sum();
        if bad > 0 {
            return Err(Error::BadValues {
                path: path.to_path_buf(),
                column: w.clone(),
                problem: format!(
                    "sample weights must be non-negative numbers; {bad} row{} {} negative or NaN (lowest non-NaN weight {})",
                    if bad == 1 { "" } else { "s" },
                    if bad == 1 { "is" } else { "are" },
                    fmt_num(wmin)
                ),
            });
        }
        (
            Some(f64s(&df, A_W).map_err(perr)?),
            Some(f64s(&df, A_W2).map_err(perr)?),
            Some(u64s(&df, A_WNULL).map_err(perr)?),
        )
    } else {
        (None, None, None)
    };

    let label_bin = Binarizer::new(
        path,
        &cols.label,
        "label",
        &distinct(&labels, &n),
        cols.positive.as_deref(),
    )?;
    let pred_bin = match pred {
        PredSource::Column(p) => Some(Binarizer::new(
            path,
            p,
            "prediction",
            &distinct(&preds, &n),
            cols.positive.as_deref(),
        )?),
        PredSource::Score(..) => None,
    };

    let mut counts = Counts::new(key_columns(spec), cols.weight.is_some());
    counts.stratum = spec.stratify.as_ref().map(|_| spec.attributes.len());
    let score_cols = match &cols.score {
        Some(_) => {
            counts.score_bins = spec.score_bins;
            Some((
                u64s(&df, K_BIN).map_err(perr)?,
                i64s(&df, A_SSUM).map_err(perr)?,
                i64s(&df, A_SSUM2).map_err(perr)?,
            ))
        }
        None => None,
    };
    counts.rows_read = rows_read;
    let mut ex = Exclusions::default();
    for i in 0..df.height() {
        let rows = n.get(i).unwrap_or(0);
        let label = label_bin.get(labels.get(i));
        let p = match &pred_bin {
            Some(b) => b.get(preds.get(i)),
            None => preds.get(i).map(|s| s == "true" || s == "1"),
        };
        let Some(label) = label else {
            ex.missing_label += rows;
            continue;
        };
        let Some(p) = p else {
            match pred {
                PredSource::Column(_) => ex.missing_prediction += rows,
                PredSource::Score(..) => ex.missing_score += rows,
            }
            continue;
        };
        let (rows, w, w2) = match (&wsum, &w2sum, &wnull) {
            (Some(ws), Some(w2s), Some(wn)) => {
                let nulls = wn.get(i).unwrap_or(0);
                ex.missing_weight += nulls;
                (
                    rows - nulls,
                    ws.get(i).unwrap_or(0.0),
                    w2s.get(i).unwrap_or(0.0),
                )
            }
            _ => (rows, rows as f64, rows as f64),
        };
        if rows == 0 {
            continue;
        }
        let key: Vec<Option<String>> = attrs.iter().map(|a| a.get(i).map(str::to_string)).collect();
        let cell = counts.cells.entry(key).or_default();
        cell.record(Outcome::of(label, p), rows, w, w2);
        if let Some((bins, ssum, ssum2)) = &score_cols {
            // Rows whose score is missing stay out of the histograms only.
            if let Some(b) = bins.get(i) {
                let h = cell.hist.get_or_insert_with(|| {
                    Box::new(crate::counts::hist::ScoreHist::new(spec.score_bins))
                });
                let l = usize::from(label);
                h.bins[l][b as usize] += rows;
                h.sum_e9[l] += i128::from(ssum.get(i).unwrap_or(0));
                h.sum2_e9[l] += i128::from(ssum2.get(i).unwrap_or(0));
            }
        }
    }
    counts.excluded = ex;
    if counts.cells.len() > MAX_CELLS {
        return Err(Error::BadValues {
            path: path.to_path_buf(),
            column: key_columns(spec).join(", "),
            problem: format!(
                "the protected attributes have {} distinct combinations (more than {MAX_CELLS}); \
                 audit fewer attributes together, or bucket fine-grained ones (e.g. age into bands)",
                counts.cells.len()
            ),
        });
    }
    if counts.rows_used() == 0 {
        return Err(Error::Empty {
            path: path.to_path_buf(),
            problem: format!(
                "all {rows_read} rows were excluded (missing label: {}, missing prediction: {}, missing score: {}, missing weight: {}); nothing to audit",
                counts.excluded.missing_label,
                counts.excluded.missing_prediction,
                counts.excluded.missing_score,
                counts.excluded.missing_weight
            ),
        });
    }
    Ok(counts)
}

/// Reads `src` whole and writes it to `dst` in the format of `dst`'s extension
/// (used to prepare test and benchmark files; not part of an audit).
pub fn convert(src: &Path, dst: &Path) -> Result<()> {
    let sf = format_of(src, None)?;
    let df = guarded(src, sf, || {
        scan(src, sf, &[])?
            .collect_with_engine(Engine::Streaming)
            .map(|r| r.unwrap_single())
    })?;
    write_frame(df, dst)
}

/// Writes a data frame to `dst` in the format of its extension.
pub fn write_frame(mut df: DataFrame, dst: &Path) -> Result<()> {
    let df_format = format_of(dst, None)?;
    let werr = |e: PolarsError| Error::Write {
        path: dst.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    };
    let file = std::fs::File::create(dst).map_err(|source| Error::Write {
        path: dst.to_path_buf(),
        source,
    })?;
    let file = std::io::BufWriter::new(file);
    match df_format {
        InputFormat::Csv => CsvWriter::new(file).finish(&mut df).map_err(werr)?,
        InputFormat::Parquet => {
            ParquetWriter::new(file).finish(&mut df).map_err(werr)?;
        }
        InputFormat::Ipc => IpcWriter::new(file).finish(&mut df).map_err(werr)?,
        InputFormat::Ndjson => JsonWriter::new(file)
            .with_json_format(JsonFormat::JsonLines)
            .finish(&mut df)
            .map_err(werr)?,
    }
    Ok(())
}

/// Public names of the counts-table columns (docs/counts-format.md), and the
/// internal names of the group-by they come from.
pub const COUNTS_COLUMNS: [(&str, &str); 16] = [
    ("label", K_LABEL),
    ("prediction", K_PRED),
    ("score_bin", K_BIN),
    ("n", A_N),
    ("weight_sum", A_W),
    ("weight_sq_sum", A_W2),
    ("weight_min", A_WMIN),
    ("weight_missing", A_WNULL),
    ("weight_invalid", A_WBAD),
    ("score_nan", A_SNAN),
    ("score_out_of_range", A_SBAD),
    ("score_sum_e9", A_SSUM),
    ("score_sq_sum_e9", A_SSUM2),
    ("score_min", A_SMIN),
    ("score_max", A_SMAX),
    ("score_missing", A_SNULL),
];

/// The counts table of one data file, in the public format: one row per
/// (key columns, raw label, raw prediction, score bin). When the prediction
/// is derived from the score, the `prediction` column holds the derived 0/1.
pub fn counts_table(path: &Path, spec: &AuditSpec) -> Result<DataFrame> {
    let (mut df, pred) = aggregate(path, spec)?;
    let format = format_of(path, spec.input_format)?;
    if let PredSource::Score(..) = pred {
        // Rows without a score were excluded as missing_score: say so.
        let c = Column::new("prediction_source".into(), vec!["score"; df.height()]);
        df.with_column(c).map_err(|e| read_err(path, format, e))?;
    }
    for (public, internal) in COUNTS_COLUMNS {
        if df.get_column_index(internal).is_some() {
            df.rename(internal, public.into())
                .map_err(|e| read_err(path, format, e))?;
        }
    }
    // Booleans from a score threshold become 0/1.
    if let Ok(c) = df.column("prediction") {
        if c.dtype() == &DataType::Boolean {
            let c = c
                .cast(&DataType::UInt8)
                .map_err(|e| read_err(path, format, e))?;
            df.with_column(c).map_err(|e| read_err(path, format, e))?;
        }
    }
    Ok(df)
}

/// Reads a counts table (CSV or Parquet) and checks it like raw data: labels
/// and predictions binarized with the same rules, `n` whole and non-negative,
/// duplicate cells summed.
pub fn read_counts(path: &Path, spec: &AuditSpec) -> Result<Counts> {
    let format = format_of(path, spec.input_format)?;
    if !matches!(format, InputFormat::Csv | InputFormat::Parquet) {
        return Err(Error::usage(format!(
            "counts file '{}': counts are read from CSV or Parquet",
            path.display()
        )));
    }
    if let Err(e) = std::fs::metadata(path) {
        return Err(read_err(path, format, e));
    }
    let keys = key_columns(spec);
    let mut df = guarded(path, format, || {
        scan(path, format, &keys)?
            .collect_with_engine(Engine::Streaming)
            .map(|r| r.unwrap_single())
    })?;
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let missing = |c: &str, role: &'static str| Error::MissingColumn {
        path: path.to_path_buf(),
        column: c.to_string(),
        role,
        available: names.join(", "),
    };
    for k in &keys {
        if !names.contains(k) {
            return Err(missing(k, "key column of the counts table"));
        }
    }
    for c in ["label", "prediction", "n"] {
        if !names.iter().any(|x| x == c) {
            return Err(missing(c, "counts-table column"));
        }
    }
    let perr = |e: PolarsError| read_err(path, format, e);
    // n: whole, non-negative numbers.
    let n = df
        .column("n")
        .map_err(perr)?
        .cast(&DataType::Float64)
        .map_err(perr)?;
    let n = n.f64().map_err(perr)?;
    let bad: Vec<f64> = n
        .iter()
        .flatten()
        .filter(|v| *v < 0.0 || v.fract() != 0.0 || !v.is_finite())
        .collect();
    if !bad.is_empty() || n.null_count() > 0 {
        return Err(Error::BadValues {
            path: path.to_path_buf(),
            column: "n".into(),
            problem: format!(
                "row counts must be whole non-negative numbers; {} row{} hold other values (e.g. {}){}",
                bad.len(),
                if bad.len() == 1 { "" } else { "s" },
                bad.first().map(|v| fmt_num(*v)).unwrap_or_else(|| "null".into()),
                if n.null_count() > 0 { format!(", {} empty", n.null_count()) } else { String::new() }
            ),
        });
    }
    for (public, internal) in COUNTS_COLUMNS {
        if df.get_column_index(public).is_some() {
            df.rename(public, internal.into()).map_err(perr)?;
        }
    }
    let mut spec = spec.clone();
    // Errors name the counts table's own columns.
    spec.columns.label = "label".into();
    spec.columns.prediction = Some("prediction".into());
    let has = |c: &str| df.get_column_index(c).is_some();
    let weighted = has(A_W);
    spec.columns.weight = weighted.then(|| "weight".to_string());
    spec.columns.score = has(K_BIN).then(|| "score".to_string());
    if weighted && !has(A_W2) {
        return Err(missing(
            "weight_sq_sum",
            "counts-table column (with weight_sum)",
        ));
    }
    if spec.columns.score.is_some() {
        for c in ["score_sum_e9", "score_sq_sum_e9"] {
            if !names.iter().any(|x| x == c) {
                return Err(missing(c, "counts-table column (with score_bin)"));
            }
        }
        let b = df
            .column(K_BIN)
            .map_err(perr)?
            .cast(&DataType::Float64)
            .map_err(perr)?;
        if let Some(max) = b.f64().map_err(perr)?.max() {
            if max > spec.score_bins as f64 || max < 0.0 || max.fract() != 0.0 {
                return Err(Error::BadValues {
                    path: path.to_path_buf(),
                    column: "score_bin".into(),
                    problem: format!(
                        "score bins must be whole numbers from 0 to --score-bins ({}); found {}",
                        spec.score_bins,
                        fmt_num(max)
                    ),
                });
            }
        }
    }
    // Optional checks default to "nothing wrong".
    let h = df.height();
    for (c, zero_u) in [
        (A_WMIN, false),
        (A_WNULL, true),
        (A_WBAD, true),
        (A_SNAN, true),
        (A_SBAD, true),
        (A_SMIN, false),
        (A_SMAX, false),
        (A_SNULL, true),
    ] {
        if df.get_column_index(c).is_none() {
            let col = if zero_u {
                Column::new(c.into(), vec![0u64; h])
            } else {
                Column::new(c.into(), vec![0f64; h])
            };
            df.with_column(col).map_err(perr)?;
        }
    }
    let from_score = df
        .column("prediction_source")
        .ok()
        .and_then(|c| c.str().ok().and_then(|s| s.get(0).map(|v| v == "score")))
        .unwrap_or(false);
    let pred = if from_score {
        PredSource::Score("score".into(), spec.columns.threshold)
    } else {
        PredSource::Column("prediction".into())
    };
    counts_from_groups(path, &spec, &pred, df)
}
