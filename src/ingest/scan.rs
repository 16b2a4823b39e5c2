//! The one scan: a polars query that projects the needed columns and groups
//! them by (key columns, raw label, raw prediction, score bin) with row
//! counts, weight sums and value checks as aggregates. The result is tiny;
//! everything else happens on it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::spec::{AuditSpec, InputFormat, Reader, DEFAULT_PREDICTION};
use crate::{Error, Result};

use super::codes::{self, Plan};
use super::key_columns;
use super::names::*;

/// What is being read, for messages: a file and its format, or an in-memory frame.
#[derive(Clone, Debug)]
pub struct Origin {
    /// The file's path, or the frame's name.
    pub path: PathBuf,
    /// "CSV", "Parquet", ..., or "data frame".
    pub format: &'static str,
}

impl Origin {
    /// A file in a known format.
    pub fn file(path: &Path, format: InputFormat) -> Self {
        Origin {
            path: path.to_path_buf(),
            format: format.name(),
        }
    }

    /// An in-memory frame.
    pub fn frame(name: &str) -> Self {
        Origin {
            path: PathBuf::from(name),
            format: "data frame",
        }
    }

    /// A read error on this origin, in one paragraph.
    pub fn err(&self, reason: impl std::fmt::Display) -> Error {
        // polars messages can span lines; keep the report to one paragraph.
        let reason = reason.to_string();
        let reason = reason
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        Error::Read {
            path: self.path.clone(),
            format: self.format,
            reason,
        }
    }

    /// Runs `f`, turning a panic inside polars into an error on this origin.
    pub fn guarded<T>(&self, f: impl FnOnce() -> PolarsResult<T>) -> Result<T> {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.err(e)),
            Err(payload) => {
                let msg = panic_message(&*payload).unwrap_or_else(|| "the reader failed".into());
                Err(self.err(format!("the file appears corrupt ({msg})")))
            }
        }
    }
}

/// A lazy scan of `path`. `string_cols` are read as text from CSV so that
/// values such as "01" keep their form.
pub fn scan(path: &Path, format: InputFormat, string_cols: &[String]) -> PolarsResult<LazyFrame> {
    // Absolute and without `..`: polars' streamed (async) reader rejects
    // relative segments. Messages keep the path as the user gave it.
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

/// How the prediction is obtained.
#[derive(Clone, Debug)]
pub enum PredSource {
    /// A column of decisions.
    Column(String),
    /// A score column and the threshold at or above which it is positive.
    Score(String, f64),
}

/// Checks that a file can be scanned before polars sees it.
pub fn check_file(path: &Path, origin: &Origin) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(origin.err("it is a directory, not a file")),
        Ok(m) if m.len() == 0 => Err(Error::Empty {
            path: path.to_path_buf(),
            problem: "the file is empty (0 bytes): no rows to audit".into(),
        }),
        Ok(_) => Ok(()),
        Err(e) => Err(origin.err(e)),
    }
}

/// A numeric column read as text: names the values that are not numbers and
/// their rows (a second read, on this error only).
fn with_non_numbers(e: Error, source: &dyn Fn(&[String]) -> PolarsResult<LazyFrame>) -> Error {
    let Error::BadValues {
        path,
        column,
        problem,
    } = e
    else {
        return e;
    };
    if !problem.contains("must hold numbers") {
        return Error::BadValues {
            path,
            column,
            problem,
        };
    }
    let v = col(column.as_str()).cast(DataType::String);
    let found = source(&[])
        .and_then(|lf| {
            lf.select([v.alias("v")])
                .filter(
                    col("v")
                        .is_not_null()
                        .and(col("v").cast(DataType::Float64).is_null()),
                )
                .group_by([col("v")])
                .agg([len().alias("n")])
                .collect()
        })
        .ok();
    let mut bad: BTreeMap<String, u64> = BTreeMap::new();
    if let Some(df) = found {
        if let (Ok(v), Ok(n)) = (df.column("v"), df.column("n")) {
            if let (Ok(v), Ok(n)) = (v.str(), n.cast(&DataType::UInt64)) {
                if let Ok(n) = n.u64() {
                    for (v, n) in v.iter().zip(n.iter()) {
                        if let (Some(v), Some(n)) = (v, n) {
                            bad.insert(v.to_string(), n);
                        }
                    }
                }
            }
        }
    }
    let problem = if bad.is_empty() {
        format!("{problem} (it has no values, or spellings such as 'nan' that its numbers were read with)")
    } else {
        let rows: u64 = bad.values().sum();
        format!(
            "{problem}: {rows} row{} hold{} text that is not a number: {}",
            if rows == 1 { "" } else { "s" },
            if rows == 1 { "s" } else { "" },
            super::binarize::list_values(&bad, 6)
        )
    };
    Error::BadValues {
        path,
        column,
        problem,
    }
}

/// The coded CSV reader's reason for a line with more fields than the header.
pub const RAGGED: &str = "a line with more fields than the header";

/// The first line (1-based) of a quote-free CSV file with more fields than
/// its header: (line, its fields, the header's fields).
fn ragged_line(path: &Path) -> Option<(usize, usize, usize)> {
    use std::io::BufRead;
    let mut lines = std::io::BufReader::new(std::fs::File::open(path).ok()?).split(b'\n');
    let fields = |l: &[u8]| memchr::memchr_iter(b',', l).count() + 1;
    let header = fields(&lines.next()?.ok()?);
    for (i, l) in lines.enumerate() {
        let n = fields(&l.ok()?);
        if n > header {
            return Some((i + 2, n, header));
        }
    }
    None
}

/// Refuses a header that names a column twice: polars reads the second as
/// `NAME_duplicated_0`, and which of the two a flag meant is a guess.
pub fn check_header(schema: &Schema, origin: &Origin) -> Result<()> {
    // A CSV file's own header says it for sure (a column may be named
    // `x_duplicated_0` beside `x`).
    if origin.format == "CSV" {
        let names: Vec<String> = csv::Reader::from_path(&origin.path)
            .and_then(|mut r| Ok(r.headers()?.iter().map(str::to_string).collect()))
            .unwrap_or_default();
        if !names.is_empty() {
            let mut seen = std::collections::BTreeSet::new();
            return match names.iter().find(|n| !seen.insert(n.as_str())) {
                Some(n) => Err(origin.err(format!(
                    "the header names the column '{n}' more than once: rename the copies so that each column has one name"
                ))),
                None => Ok(()),
            };
        }
    }
    for n in schema.iter_names() {
        if let Some((base, k)) = n.rsplit_once("_duplicated_") {
            if k.parse::<u32>().is_ok() && schema.contains(base) {
                return Err(origin.err(format!(
                    "the header names the column '{base}' more than once: rename the copies so that each column has one name"
                )));
            }
        }
    }
    Ok(())
}

/// Groups are categories: nested values, durations and zoned timestamps
/// are not, and polars cannot read them as text here.
fn check_categories(
    spec: &AuditSpec,
    origin: &Origin,
    require: &dyn Fn(&str, &'static str) -> Result<DataType>,
) -> Result<()> {
    let category = |column: &str, role: &'static str| -> Result<()> {
        let dt = require(column, role)?;
        let nested = matches!(dt, DataType::List(_) | DataType::Struct(_));
        let zoned = matches!(dt, DataType::Datetime(_, Some(_)));
        if nested || zoned || matches!(dt, DataType::Duration(_)) {
            return Err(Error::BadValues {
                path: origin.path.clone(),
                column: column.to_string(),
                problem: format!(
                    "a {role} must hold categories (text, integers, booleans, dates), not {dt}"
                ),
            });
        }
        Ok(())
    };
    for a in &spec.attributes {
        category(a, "protected attribute (--attr)")?;
    }
    for c in &spec.controls {
        category(c, "control (--control)")?;
    }
    Ok(())
}

/// The columns the scan needs, checked against the schema: where the
/// prediction comes from.
fn plan_columns(schema: &Schema, spec: &AuditSpec, origin: &Origin) -> Result<PredSource> {
    let cols = &spec.columns;
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
                path: origin.path.clone(),
                column: column.to_string(),
                role,
                available: available(),
            })
    };
    require(&cols.label, "label (--label)")?;
    check_categories(spec, origin, &require)?;
    if let Some(f) = &spec.final_decision {
        require(f, "final decision (--final)")?;
    }
    if let Some(st) = &spec.stratify {
        require(st, "stratification column (--stratify)")?;
    }
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
        if dt.is_numeric() || dt == DataType::Null {
            Ok(())
        } else {
            Err(Error::BadValues {
                path: origin.path.clone(),
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
    if let Some(v) = &spec.value {
        numeric(&v.column, "numeric outcome (--value)")?;
        if let Some(t) = &v.truth {
            numeric(t, "true value (--value-truth)")?;
        }
    }
    Ok(pred)
}

/// The sketch bucket of each value ([`crate::counts::sketch::bucket`]),
/// computed per batch inside the scan.
fn value_bucket(v: &str) -> Expr {
    col(v).cast(DataType::Float64).map(
        |c: Column| {
            let ca = c.f64()?;
            let out: Int32Chunked = ca
                .iter()
                .map(|x| {
                    x.filter(|x| x.is_finite())
                        .map(crate::counts::sketch::bucket)
                })
                .collect();
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::Int32)),
    )
}

/// |x| without polars' `abs` feature.
fn abs(x: Expr) -> Expr {
    when(x.clone().lt(lit(0.0))).then(-x.clone()).otherwise(x)
}

/// Aggregates of a numeric outcome (and its error against a true value):
/// weighted sums and moments; unweighted, every weight is 1.
fn value_measures(spec: &AuditSpec) -> Vec<Expr> {
    let Some(v) = &spec.value else {
        return vec![];
    };
    let x = col(v.column.as_str()).cast(DataType::Float64);
    let w = match &spec.columns.weight {
        Some(w) => col(w.as_str()).cast(DataType::Float64),
        None => lit(1.0),
    };
    let has = x.clone().is_not_null().and(x.clone().is_finite());
    // Rows without a finite value add 0, not 0·x: 0·NaN would be NaN (as the
    // coded reader and the SQL query: CASE WHEN … ELSE 0).
    let only = |ok: &Expr, e: Expr| when(ok.clone()).then(e).otherwise(lit(0.0));
    let wx = only(&has, w.clone());
    let mut out = vec![
        has.clone().cast(DataType::UInt64).sum().alias(A_VN),
        x.clone()
            .is_not_null()
            .and(x.clone().is_finite().not())
            .cast(DataType::UInt64)
            .sum()
            .alias(A_VBAD),
        wx.clone().sum().alias(A_VW),
        (wx.clone() * wx.clone()).sum().alias(A_VW2),
        only(&has, w.clone() * x.clone()).sum().alias(A_VS),
        only(&has, w.clone() * x.clone() * x.clone())
            .sum()
            .alias(A_VS2),
    ];
    if let Some(t) = &v.truth {
        let t = col(t.as_str()).cast(DataType::Float64);
        let e = x - t.clone();
        let ok = e.clone().is_not_null().and(e.clone().is_finite());
        out.extend([
            ok.clone().cast(DataType::UInt64).sum().alias(A_EN),
            only(&ok, w.clone()).sum().alias(A_EW),
            only(&ok, w.clone() * abs(e.clone())).sum().alias(A_EA),
            only(&ok, w.clone() * e.clone()).sum().alias(A_ES),
            only(&ok, w * e.clone() * e).sum().alias(A_ES2),
        ]);
    }
    out
}

/// The label of band `i` (1-based) of `n` with edges `lo`, `hi`: "b01 (-inf, 3.5]";
/// labels sort in value order.
pub fn band_label(i: usize, lo: Option<f64>, hi: Option<f64>) -> String {
    let f = |x: Option<f64>, inf: &str| x.map_or(inf.to_string(), |v| format!("{v}"));
    let close = if hi.is_some() { "]" } else { ")" };
    format!("b{i:02} ({}, {}{close}", f(lo, "-inf"), f(hi, "inf"))
}

/// A numeric control cut at `edges` into bands (null stays null).
fn band_expr(c: &str, edges: &[f64]) -> Expr {
    let x = col(c).cast(DataType::Float64);
    let null = lit(NULL).cast(DataType::String);
    let last = band_label(edges.len() + 1, edges.last().copied(), None);
    let mut e = lit(last);
    for (i, edge) in edges.iter().enumerate().rev() {
        let lo = (i > 0).then(|| edges[i - 1]);
        e = when(x.clone().lt_eq(lit(*edge)))
            .then(lit(band_label(i + 1, lo, Some(*edge))))
            .otherwise(e);
    }
    when(x.is_null()).then(null).otherwise(e).alias(c)
}

/// The group-by keys: key columns, raw label, raw (or score-derived)
/// prediction, and the score bin.
fn group_keys(spec: &AuditSpec, pred: &PredSource) -> Vec<Expr> {
    let cols = &spec.columns;
    let mut keys: Vec<Expr> = key_columns(spec)
        .iter()
        .map(|a| match spec.control_bands.get(a) {
            Some(edges) => band_expr(a, edges),
            None => col(a.as_str()),
        })
        .collect();
    keys.push(col(cols.label.as_str()).alias(K_LABEL));
    keys.push(match pred {
        PredSource::Column(p) => col(p.as_str()).alias(K_PRED),
        PredSource::Score(s, t) => col(s.as_str())
            .cast(DataType::Float64)
            .gt_eq(lit(*t))
            .alias(K_PRED),
    });
    if let Some(f) = &spec.final_decision {
        keys.push(col(f.as_str()).alias(K_FINAL));
    }
    if let Some(s) = &cols.score {
        // Histogram bin: floor(s·B + 1e-9), at most B (see counts::hist).
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
    keys
}

/// Aggregates of a weight column: sums, minimum, invalid and missing counts.
fn weight_measures(w: &str) -> Vec<Expr> {
    let w = col(w).cast(DataType::Float64);
    vec![
        w.clone().sum().alias(A_W),
        (w.clone() * w.clone()).sum().alias(A_W2),
        w.clone().min().alias(A_WMIN),
        w.clone()
            .lt(lit(0.0))
            .or(w.clone().is_nan())
            .cast(DataType::UInt64)
            .sum()
            .alias(A_WBAD),
        w.null_count().cast(DataType::UInt64).alias(A_WNULL),
    ]
}

/// Aggregates of a score column: value checks and fixed-point sums.
fn score_measures(s: &str) -> Vec<Expr> {
    let s = col(s).cast(DataType::Float64);
    let nan = s.clone().is_nan();
    vec![
        nan.clone().cast(DataType::UInt64).sum().alias(A_SNAN),
        s.clone()
            .lt(lit(0.0))
            .or(s.clone().gt(lit(1.0)))
            .and(nan.not())
            .cast(DataType::UInt64)
            .sum()
            .alias(A_SBAD),
        // Sums in fixed point (units of 1e-9): integer addition is exact and
        // order-free, so every engine and every merge gives the same sums.
        (s.clone() * lit(SCORE_SCALE) + lit(0.5))
            .cast(DataType::Int64)
            .sum()
            .alias(A_SSUM),
        (s.clone() * s.clone() * lit(SCORE_SCALE) + lit(0.5))
            .cast(DataType::Int64)
            .sum()
            .alias(A_SSUM2),
        s.clone().min().alias(A_SMIN),
        s.clone().max().alias(A_SMAX),
        s.null_count().cast(DataType::UInt64).alias(A_SNULL),
    ]
}

/// The rows that enter the audit: label, prediction (or score) and weight present.
fn used_rows(spec: &AuditSpec, pred: &PredSource) -> Expr {
    let cols = &spec.columns;
    let mut e = col(cols.label.as_str()).is_not_null().and(match pred {
        PredSource::Column(p) => col(p.as_str()).is_not_null(),
        PredSource::Score(s, _) => col(s.as_str()).is_not_null(),
    });
    if let Some(w) = &cols.weight {
        e = e.and(col(w.as_str()).is_not_null());
    }
    e
}

/// With a numeric outcome: its sketch by protected-attribute cell, a second
/// group-by over the same scan (the bucket is not crossed with the label,
/// prediction and controls, which the sketch does not need).
fn sketch_plan(spec: &AuditSpec, pred: &PredSource, lf: LazyFrame) -> Option<LazyFrame> {
    let v = spec.value.as_ref()?;
    // A literal summed in a group-by is not repeated per row: count rows instead.
    let w = match &spec.columns.weight {
        Some(w) => col(w.as_str()).cast(DataType::Float64).sum(),
        None => len().cast(DataType::Float64),
    };
    let mut keys: Vec<Expr> = spec.attributes.iter().map(|a| col(a.as_str())).collect();
    keys.push(col(K_VBIN));
    Some(
        lf.filter(used_rows(spec, pred))
            .with_column(value_bucket(&v.column).alias(K_VBIN))
            .filter(col(K_VBIN).is_not_null())
            .group_by(keys)
            .agg([w.alias(A_VW)]),
    )
}

/// The group-by of a file counted on codes, or why it cannot be. CSV key
/// columns are text (`text_keys`), the label and prediction as polars infers.
fn coded(
    spec: &AuditSpec,
    pred: &PredSource,
    schema: &Schema,
    text_keys: bool,
    file: Option<(&Path, InputFormat)>,
) -> std::result::Result<(DataFrame, Option<DataFrame>, Plan), String> {
    let Some((path, format)) = file else {
        return Err("data frame input".into());
    };
    let mut read = schema.clone();
    if text_keys {
        for k in key_columns(spec) {
            if let Some(t) = read.get_mut(k.as_str()) {
                *t = DataType::String;
            }
        }
    }
    match format {
        InputFormat::Parquet => codes::aggregate_parquet(
            path,
            &codes::plan(spec, pred, &read, false)?,
            spec.value.as_ref(),
            spec.attributes.len(),
        ),
        InputFormat::Csv => codes::aggregate_csv(
            path,
            &codes::plan(spec, pred, &read, true)?,
            schema,
            spec.value.as_ref(),
            spec.attributes.len(),
        ),
        f => Err(format!("{} input", f.name())),
    }
}

/// The result of the one scan: the group-by, where the prediction came
/// from, the numeric outcome's sketch, and how the rows were counted.
pub struct Aggregate {
    /// One row per distinct key, with counts and sums.
    pub groups: DataFrame,
    /// Where the prediction came from.
    pub pred: PredSource,
    /// With a numeric outcome: its sketch by attribute cell.
    pub sketch: Option<DataFrame>,
    /// How the rows were counted.
    pub plan: Plan,
}

/// The one scan of a lazy frame: the group-by over key columns × raw label ×
/// raw prediction (× score bin), with counts, weight sums and value checks —
/// and with a numeric outcome its sketch, a second group-by the streaming
/// engine feeds from the same scan. `source` builds the frame, given the
/// columns to read as text. A Parquet or CSV `file` whose group-by is only
/// row counts is counted on codes instead ([`super::codes`]).
pub fn aggregate(
    origin: &Origin,
    spec: &AuditSpec,
    text_keys: bool,
    file: Option<(&Path, InputFormat)>,
    source: &dyn Fn(&[String]) -> PolarsResult<LazyFrame>,
) -> Result<Aggregate> {
    let schema = origin.guarded(|| source(&[])?.collect_schema())?;
    check_header(&schema, origin)?;
    let pred = plan_columns(&schema, spec, origin).map_err(|e| with_non_numbers(e, source))?;
    let why = match spec.reader {
        Reader::General => "--reader general".to_string(),
        // A panic in the coded reader (a corrupt file) leaves the file to
        // polars, whose error names the problem.
        Reader::Auto => match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            coded(spec, &pred, &schema, text_keys, file)
        }))
        .unwrap_or_else(|_| Err("the coded reader failed".into()))
        {
            Ok((groups, sketch, plan)) => {
                return Ok(Aggregate {
                    groups,
                    pred,
                    sketch,
                    plan,
                })
            }
            Err(why) => why,
        },
    };
    // polars would read a ragged CSV line without a word (it parses only
    // the columns it needs): refuse it, with its line number.
    if why == RAGGED {
        if let Some((path, _)) = file {
            if let Some((line, fields, header)) = ragged_line(path) {
                return Err(origin.err(format!(
                    "line {line} has {fields} fields, the header {header}: the file is not a well-formed CSV"
                )));
            }
        }
    }
    let keys = group_keys(spec, &pred);
    let mut aggs = vec![len().alias(A_N)];
    if let Some(w) = &spec.columns.weight {
        aggs.extend(weight_measures(w));
    }
    if let Some(s) = &spec.columns.score {
        aggs.extend(score_measures(s));
    }
    aggs.extend(value_measures(spec));
    let string_cols = if text_keys { key_columns(spec) } else { vec![] };
    let (agg, sketch) = origin.guarded(|| {
        let lf = source(&string_cols)?;
        let main = lf.clone().group_by(keys).agg(aggs);
        match sketch_plan(spec, &pred, lf) {
            None => Ok((
                main.collect_with_engine(Engine::Streaming)
                    .map(|r| r.unwrap_single())?,
                None,
            )),
            Some(sk) => {
                let opt = main.get_current_optimizations();
                let mut out = LazyFrame::collect_all_with_engine(
                    vec![main.logical_plan, sk.logical_plan],
                    Engine::Streaming,
                    opt,
                )?;
                let sketch = out.pop();
                Ok((out.pop().expect("two results"), sketch))
            }
        }
    })?;
    Ok(Aggregate {
        groups: agg,
        pred,
        sketch,
        plan: Plan::General(why),
    })
}

/// The text of a caught panic, when it has one.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> Option<String> {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
}
