//! The counts table (docs/counts-format.md): written from data files by
//! `fairaudit counts`, read back (or from a warehouse engine) and checked
//! like raw data.

use std::path::Path;

use polars::prelude::*;

use crate::counts::Counts;
use crate::spec::{AuditSpec, InputFormat};
use crate::{Error, Result};

use super::cells::{counts_from_groups, fmt_num};
use super::names::*;
use super::scan::{self, Origin, PredSource};
use super::{format_of, key_columns};

/// Public names of the counts-table columns, and the internal names of the
/// group-by they come from.
pub const COUNTS_COLUMNS: [(&str, &str); 28] = [
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
    ("value_n", A_VN),
    ("value_invalid", A_VBAD),
    ("value_weight_sum", A_VW),
    ("value_weight_sq_sum", A_VW2),
    ("value_sum", A_VS),
    ("value_sq_sum", A_VS2),
    ("error_n", A_EN),
    ("error_weight_sum", A_EW),
    ("error_abs_sum", A_EA),
    ("error_sum", A_ES),
    ("error_sq_sum", A_ES2),
    ("value_bucket", K_VBIN),
];

/// The numeric outcome's sketch as rows of the counts table: the attribute
/// keys, `value_bucket` and its weight in `value_weight_sum`, `n` = 0 and
/// every other column empty; the cell rows get an empty `value_bucket`.
fn with_sketch_rows(df: DataFrame, sketch: DataFrame, origin: &Origin) -> Result<DataFrame> {
    let perr = |e: PolarsError| origin.err(e);
    let h = sketch.height();
    let mut main = df;
    let vbin = Column::full_null(K_VBIN.into(), main.height(), &DataType::Int32);
    main.with_column(vbin).map_err(perr)?;
    let mut cols: Vec<Column> = vec![];
    for c in main.columns() {
        let name = c.name().as_str();
        let col = if name == A_N {
            Column::new(A_N.into(), vec![0u64; h]).cast(c.dtype())
        } else {
            match sketch.column(name) {
                Ok(s) => s.cast(c.dtype()),
                Err(_) => Ok(Column::full_null(c.name().clone(), h, c.dtype())),
            }
        }
        .map_err(perr)?;
        cols.push(col);
    }
    let rows = DataFrame::new(h, cols).map_err(perr)?;
    main.vstack_mut(&rows).map_err(perr)?;
    Ok(main)
}

/// The counts table of one data file, in the public format: one row per
/// (key columns, raw label, raw prediction, score bin). When the prediction
/// is derived from the score, the `prediction` column holds the derived 0/1.
pub fn counts_table(path: &Path, spec: &AuditSpec) -> Result<DataFrame> {
    let format = format_of(path, spec.input_format)?;
    let origin = Origin::file(path, format);
    scan::check_file(path, &origin)?;
    let file = Some((path, format));
    let a = scan::aggregate(&origin, spec, format == InputFormat::Csv, file, &|s| {
        scan::scan(path, format, s)
    })?;
    let (mut df, pred) = (a.groups, a.pred);
    if let Some(sketch) = a.sketch {
        df = with_sketch_rows(df, sketch, &origin)?;
    }
    let perr = |e: PolarsError| origin.err(e);
    if let PredSource::Score(..) = pred {
        // Rows without a score were excluded as missing_score: say so.
        let c = Column::new("prediction_source".into(), vec!["score"; df.height()]);
        df.with_column(c).map_err(perr)?;
    }
    for (public, internal) in COUNTS_COLUMNS {
        if df.get_column_index(internal).is_some() {
            df.rename(internal, public.into()).map_err(perr)?;
        }
    }
    // Booleans from a score threshold become 0/1.
    if let Ok(c) = df.column("prediction") {
        if c.dtype() == &DataType::Boolean {
            let c = c.cast(&DataType::UInt8).map_err(perr)?;
            df.with_column(c).map_err(perr)?;
        }
    }
    Ok(df)
}

/// Writes the counts table of every data file of `spec` to `out`, whole or
/// not at all (a temporary file, then a rename). Returns the rows written.
pub fn write_counts_table(spec: &AuditSpec, out: &Path) -> Result<usize> {
    let mut frames = vec![];
    for p in &spec.data {
        frames.push(counts_table(p, spec)?);
    }
    let mut df = frames.remove(0);
    for f in frames {
        df.vstack_mut(&f)
            .map_err(|e| Error::usage(format!("cannot stack counts: {e}")))?;
    }
    let tmp = out.with_extension(format!(
        "tmp.{}",
        out.extension()
            .and_then(|e| e.to_str())
            .unwrap_or("parquet")
    ));
    let rows = df.height();
    write_frame(df, &tmp)?;
    std::fs::rename(&tmp, out).map_err(|e| Error::Write {
        path: out.to_path_buf(),
        source: e,
    })?;
    Ok(rows)
}

/// `n` must hold whole, non-negative numbers.
fn check_n(df: &DataFrame, path: &Path, origin: &Origin) -> Result<()> {
    let perr = |e: PolarsError| origin.err(e);
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
    if bad.is_empty() && n.null_count() == 0 {
        return Ok(());
    }
    Err(Error::BadValues {
        path: path.to_path_buf(),
        column: "n".into(),
        problem: format!(
            "row counts must be whole non-negative numbers; {} row{} hold other values (e.g. {}){}",
            bad.len(),
            if bad.len() == 1 { "" } else { "s" },
            bad.first()
                .map(|v| fmt_num(*v))
                .unwrap_or_else(|| "null".into()),
            if n.null_count() > 0 {
                format!(", {} empty", n.null_count())
            } else {
                String::new()
            }
        ),
    })
}

/// Score bins must be whole numbers from 0 to the spec's bins.
fn check_score_bins(df: &DataFrame, path: &Path, origin: &Origin, bins: usize) -> Result<()> {
    let perr = |e: PolarsError| origin.err(e);
    let b = df
        .column(K_BIN)
        .map_err(perr)?
        .cast(&DataType::Float64)
        .map_err(perr)?;
    if let Some(max) = b.f64().map_err(perr)?.max() {
        if max > bins as f64 || max < 0.0 || max.fract() != 0.0 {
            return Err(Error::BadValues {
                path: path.to_path_buf(),
                column: "score_bin".into(),
                problem: format!(
                    "score bins must be whole numbers from 0 to --score-bins ({bins}); found {}",
                    fmt_num(max)
                ),
            });
        }
    }
    Ok(())
}

/// Optional check columns default to "nothing wrong".
fn default_checks(df: &mut DataFrame, origin: &Origin) -> Result<()> {
    let h = df.height();
    for (c, count) in [
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
            let col = if count {
                Column::new(c.into(), vec![0u64; h])
            } else {
                Column::new(c.into(), vec![0f64; h])
            };
            df.with_column(col).map_err(|e| origin.err(e))?;
        }
    }
    Ok(())
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
    let origin = Origin::file(path, format);
    if let Err(e) = std::fs::metadata(path) {
        return Err(origin.err(e));
    }
    let keys = key_columns(spec);
    let mut df = origin.guarded(|| {
        scan::scan(path, format, &keys)?
            .collect_with_engine(Engine::Streaming)
            .map(|r| r.unwrap_single())
    })?;
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let has_name = |c: &str| names.iter().any(|x| x == c);
    let missing = |c: &str, role: &'static str| Error::MissingColumn {
        path: path.to_path_buf(),
        column: c.to_string(),
        role,
        available: names.join(", "),
    };
    for k in &keys {
        if !has_name(k) {
            return Err(missing(k, "key column of the counts table"));
        }
    }
    for c in ["label", "prediction", "n"] {
        if !has_name(c) {
            return Err(missing(c, "counts-table column"));
        }
    }
    check_n(&df, path, &origin)?;
    for (public, internal) in COUNTS_COLUMNS {
        if df.get_column_index(public).is_some() {
            df.rename(public, internal.into())
                .map_err(|e| origin.err(e))?;
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
            if !has_name(c) {
                return Err(missing(c, "counts-table column (with score_bin)"));
            }
        }
        check_score_bins(&df, path, &origin, spec.score_bins)?;
    }
    default_checks(&mut df, &origin)?;
    let sketch = match &spec.value {
        Some(_) => Some(split_sketch(&mut df, path, &origin, &spec)?),
        None => None,
    };
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
    counts_from_groups(&origin, &spec, &pred, df, sketch)
}

/// With a numeric outcome: takes the sketch rows (those with a
/// `value_bucket`) out of `df` and returns them; the value columns must be there.
fn split_sketch(
    df: &mut DataFrame,
    path: &Path,
    origin: &Origin,
    spec: &AuditSpec,
) -> Result<DataFrame> {
    let perr = |e: PolarsError| origin.err(e);
    let has = |c: &str| df.get_column_index(c).is_some();
    fn public(c: &str) -> &str {
        COUNTS_COLUMNS
            .iter()
            .find(|(_, i)| *i == c)
            .map_or(c, |(p, _)| p)
    }
    let mut need = vec![A_VN, A_VW, A_VW2, A_VS, A_VS2, K_VBIN];
    if spec.value.as_ref().is_some_and(|v| v.truth.is_some()) {
        need.extend([A_EN, A_EW, A_EA, A_ES, A_ES2]);
    }
    if let Some(c) = need.iter().find(|c| !has(c)) {
        return Err(Error::MissingColumn {
            path: path.to_path_buf(),
            column: public(c).to_string(),
            role: "counts-table column (with --value)",
            available: df
                .get_column_names()
                .iter()
                .map(|n| public(n.as_str()).to_string())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    if !has(A_VBAD) {
        let z = Column::new(A_VBAD.into(), vec![0u64; df.height()]);
        df.with_column(z).map_err(perr)?;
    }
    let bucket = df.column(K_VBIN).map_err(perr)?.is_not_null();
    let sketch = df.filter(&bucket).map_err(perr)?;
    *df = df.filter(&!bucket).map_err(perr)?;
    Ok(sketch)
}

/// Reads `src` whole and writes it to `dst` in the format of `dst`'s extension
/// (used to prepare test and benchmark files; not part of an audit).
pub fn convert(src: &Path, dst: &Path) -> Result<()> {
    let sf = format_of(src, None)?;
    let origin = Origin::file(src, sf);
    let df = origin.guarded(|| {
        scan::scan(src, sf, &[])?
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
