//! The data examination's scan: one query per file whose plans — rows per
//! attribute key, one group-by per examined column (attribute key × the
//! column's value or fine bucket, with missing, empty and out-of-range
//! counts), and the row hashes' distinct count — the streaming engine runs
//! over one read of the file. CSV is read as text; pandas' missing-value
//! literals ("NA", "null", "NaN", ...) count as missing in every column but
//! the protected attributes, so shares agree with `pandas.read_csv(...).isna()`.

use std::collections::BTreeMap;
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::counts::examine::{fine_bucket, ColumnCounts, DataCounts, Level, LevelCount};
use crate::counts::MISSING;
use crate::spec::examine::{ExamineSpec, Population, Range};
use crate::spec::{AuditSpec, InputFormat};
use crate::{Error, Result};

use super::scan::{check_file, Origin};

/// pandas' default missing-value literals (`pandas.read_csv`, `na_values`),
/// matched exactly and case-sensitively on the whole field.
pub const PANDAS_NA: [&str; 18] = [
    "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
    "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
];

const K_LEVEL: &str = "__fa_level";
const A_N: &str = "__fa_n";
const A_MISSING: &str = "__fa_missing";
const A_EMPTY: &str = "__fa_empty";
const A_OOR: &str = "__fa_oor";
const A_TMIN: &str = "__fa_tmin";
const A_TMAX: &str = "__fa_tmax";
const A_HASH: &str = "__fa_rowhash";

/// How one file is read: typed (to learn which columns are numbers) and as
/// the scan reads it (CSV: every column as text, missing literals as null).
fn source(path: &Path, format: InputFormat, as_text: bool) -> PolarsResult<LazyFrame> {
    let abs = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let p = PlRefPath::try_from_path(&abs)?;
    match (format, as_text) {
        (InputFormat::Csv, true) => LazyCsvReader::new(p)
            .with_glob(false)
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .with_missing_is_null(false)
            .finish(),
        _ => super::scan::scan(path, format, &[]),
    }
}

/// A text column with pandas' missing-value literals turned to null.
fn na_null(e: Expr) -> Expr {
    e.map(
        |c: Column| {
            let ca = c.str()?;
            let out: StringChunked = ca
                .iter()
                .map(|v| v.filter(|s| s.len() > 8 || !PANDAS_NA.contains(s)))
                .collect();
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::String)),
    )
}

fn text(e: Expr) -> Expr {
    e.cast(DataType::String)
}

/// The attribute key columns: as text, missing (null or empty) named.
fn attribute_keys(attrs: &[String]) -> Vec<Expr> {
    attrs
        .iter()
        .map(|a| {
            let t = text(col(a.as_str()));
            when(t.clone().is_null().or(t.clone().eq(lit(""))))
                .then(lit(MISSING))
                .otherwise(t)
                .alias(a.as_str())
        })
        .collect()
}

/// The fine bucket of each finite value (null otherwise).
fn bucket(x: Expr) -> Expr {
    x.map(
        |c: Column| {
            let ca = c.f64()?;
            let out: Int32Chunked = ca
                .iter()
                .map(|x| x.filter(|x| x.is_finite()).map(fine_bucket))
                .collect();
            Ok(out.with_name(c.name().clone()).into_column())
        },
        |_, f| Ok(Field::new(f.name().clone(), DataType::Int32)),
    )
}

/// A 64-bit hash of every row over all columns (for duplicate rows).
fn row_hash(columns: &[String]) -> Expr {
    let exprs: Vec<Expr> = columns.iter().map(|c| col(c.as_str())).collect();
    map_multiple(
        |cols: &mut [Column]| {
            let state = foldhash::quality::FixedState::with_seed(0x6661_6972);
            let n = cols.first().map_or(0, |c| c.len());
            let mut h = vec![0x9e37_79b9_7f4a_7c15u64; n];
            let mix = |a: u64, b: u64| (a ^ b).wrapping_mul(0x0000_0100_0000_01b3).rotate_left(29);
            for c in cols.iter() {
                let s = c.as_materialized_series();
                if s.dtype().is_primitive_numeric() || s.dtype().is_bool() {
                    let f = s.cast(&DataType::Float64)?;
                    for (hv, v) in h.iter_mut().zip(f.f64()?.iter()) {
                        *hv = mix(*hv, v.map_or(1, |x| state.hash_one(x.to_bits())));
                    }
                } else {
                    let t = s.cast(&DataType::String)?;
                    for (hv, v) in h.iter_mut().zip(t.str()?.iter()) {
                        *hv = mix(*hv, v.map_or(1, |x| state.hash_one(x)));
                    }
                }
            }
            Ok(UInt64Chunked::from_vec(A_HASH.into(), h).into_column())
        },
        exprs,
        |_, _| Ok(Field::new(A_HASH.into(), DataType::UInt64)),
    )
}

/// The group-by of one column: attribute key × level, with counts.
fn column_plan(
    lf: &LazyFrame,
    attrs: &[String],
    c: &str,
    numeric: bool,
    csv: bool,
    range: Option<&Range>,
) -> LazyFrame {
    let mut keys = attribute_keys(attrs);
    let mut aggs = vec![len().cast(DataType::UInt64).alias(A_N)];
    let raw = if csv { na_null(col(c)) } else { col(c) };
    if numeric {
        let x = raw.clone().cast(DataType::Float64);
        keys.push(bucket(x.clone()).alias(K_LEVEL));
        aggs.push(
            raw.clone()
                .is_null()
                .sum()
                .cast(DataType::UInt64)
                .alias(A_MISSING),
        );
        if csv {
            aggs.push(
                raw.clone()
                    .eq(lit(""))
                    .sum()
                    .cast(DataType::UInt64)
                    .alias(A_EMPTY),
            );
            // The text of a bucket's values: kept as its label when all agree
            // (codes such as "021" keep their form).
            aggs.push(raw.clone().min().alias(A_TMIN));
            aggs.push(raw.max().alias(A_TMAX));
        }
        if let Some(r) = range {
            let mut out = lit(false);
            if let Some(m) = r.min {
                out = out.or(x.clone().lt(lit(m)));
            }
            if let Some(m) = r.max {
                out = out.or(x.clone().gt(lit(m)));
            }
            aggs.push(out.sum().cast(DataType::UInt64).alias(A_OOR));
        }
    } else {
        keys.push(text(raw).alias(K_LEVEL));
    }
    lf.clone().group_by(keys).agg(aggs)
}

fn attr_values(df: &DataFrame, attrs: &[String], i: usize) -> PolarsResult<Vec<String>> {
    attrs
        .iter()
        .map(|a| {
            Ok(df
                .column(a.as_str())?
                .str()?
                .get(i)
                .unwrap_or(MISSING)
                .to_string())
        })
        .collect()
}

fn u64_col(df: &DataFrame, name: &str) -> PolarsResult<Option<UInt64Chunked>> {
    match df.column(name) {
        Ok(c) => Ok(Some(c.u64()?.clone())),
        Err(_) => Ok(None),
    }
}

/// The cells of one column's group-by result.
#[allow(clippy::type_complexity)]
fn column_cells(
    df: &DataFrame,
    attrs: &[String],
    numeric: bool,
) -> PolarsResult<(
    BTreeMap<(Vec<String>, Level), LevelCount>,
    BTreeMap<i32, Option<String>>,
)> {
    let mut cells: BTreeMap<(Vec<String>, Level), LevelCount> = BTreeMap::new();
    let mut labels: BTreeMap<i32, Option<String>> = BTreeMap::new();
    let texts = match (df.column(A_TMIN), df.column(A_TMAX)) {
        (Ok(a), Ok(b)) => Some((a.str()?.clone(), b.str()?.clone())),
        _ => None,
    };
    let n = df.column(A_N)?.u64()?.clone();
    let missing = u64_col(df, A_MISSING)?;
    let empty = u64_col(df, A_EMPTY)?;
    let oor = u64_col(df, A_OOR)?;
    let get = |c: &Option<UInt64Chunked>, i: usize| c.as_ref().and_then(|c| c.get(i)).unwrap_or(0);
    let mut add = |k: Vec<String>, l: Level, n: u64, o: u64| {
        if n > 0 {
            let e = cells.entry((k, l)).or_default();
            e.n += n;
            e.out_of_range += o;
        }
    };
    for i in 0..df.height() {
        let key = attr_values(df, attrs, i)?;
        let rows = n.get(i).unwrap_or(0);
        if numeric {
            match df.column(K_LEVEL)?.i32()?.get(i) {
                Some(b) => {
                    let t = texts
                        .as_ref()
                        .and_then(|(lo, hi)| match (lo.get(i), hi.get(i)) {
                            (Some(x), Some(y)) if x == y => Some(x.to_string()),
                            _ => None,
                        });
                    crate::counts::examine::merge_label(&mut labels, b, t);
                    add(key, Level::Bucket(b), rows, get(&oor, i))
                }
                // Outside CSV a null bucket is a null or NaN (or infinite) value.
                None if empty.is_none() => add(key, Level::Missing, rows, 0),
                None => {
                    let (m, e) = (get(&missing, i), get(&empty, i));
                    add(key.clone(), Level::Missing, m, 0);
                    add(key.clone(), Level::Empty, e, 0);
                    add(key, Level::Invalid, rows.saturating_sub(m + e), 0);
                }
            }
        } else {
            let level = match df.column(K_LEVEL)?.str()?.get(i) {
                None => Level::Missing,
                Some("") => Level::Empty,
                Some(v) => Level::Text(v.to_string()),
            };
            add(key, level, rows, 0);
        }
    }
    Ok((cells, labels))
}

fn dtype_name(t: &DataType) -> String {
    match t {
        DataType::String => "str".into(),
        DataType::Boolean => "bool".into(),
        t if t.is_primitive_numeric() => t.to_string(),
        t => t.to_string(),
    }
}

/// The columns to examine: those asked for, else every column but the
/// protected attributes; a name not in the file is an error.
fn examined(
    schema: &Schema,
    attrs: &[String],
    e: &ExamineSpec,
    origin: &Origin,
) -> Result<Vec<String>> {
    let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    for c in attrs
        .iter()
        .chain(&e.columns)
        .chain(e.ranges.iter().map(|r| &r.column))
    {
        if !names.contains(c) {
            return Err(Error::MissingColumn {
                path: origin.path.clone(),
                column: c.clone(),
                role: if attrs.contains(c) {
                    "a protected attribute"
                } else {
                    "a column to examine"
                },
                available: names.join(", "),
            });
        }
    }
    Ok(if e.columns.is_empty() {
        names.into_iter().filter(|n| !attrs.contains(n)).collect()
    } else {
        e.columns.clone()
    })
}

/// Reads one file into the examination's counts.
pub fn examine_file(path: &Path, spec: &AuditSpec, e: &ExamineSpec) -> Result<DataCounts> {
    let format = super::format_of(path, spec.input_format)?;
    let origin = Origin::file(path, format);
    check_file(path, &origin)?;
    let attrs = &spec.attributes;
    let typed = origin.guarded(|| source(path, format, false)?.collect_schema())?;
    let cols = examined(&typed, attrs, e, &origin)?;
    let schema: Vec<(String, String)> = typed
        .iter()
        .map(|(n, t)| (n.to_string(), dtype_name(t)))
        .collect();
    let csv = format == InputFormat::Csv;
    let all: Vec<String> = schema.iter().map(|(n, _)| n.clone()).collect();
    // Outcome columns are read as text: their values are compared, not banded.
    let c = &spec.columns;
    let pred = c
        .prediction
        .clone()
        .unwrap_or_else(|| crate::spec::DEFAULT_PREDICTION.into());
    let outcomes: Vec<&String> = [Some(&c.label), Some(&pred), spec.final_decision.as_ref()]
        .into_iter()
        .flatten()
        .chain(&e.text_columns)
        .collect();
    let numeric: Vec<bool> = cols
        .iter()
        .map(|c| {
            !outcomes.contains(&c)
                && typed
                    .get(c.as_str())
                    .is_some_and(|t| t.is_primitive_numeric())
        })
        .collect();
    for r in &e.ranges {
        let pos = cols.iter().position(|c| *c == r.column);
        if !pos.is_some_and(|i| numeric[i]) {
            return Err(Error::BadValues {
                path: path.to_path_buf(),
                column: r.column.clone(),
                problem: "a --range needs an examined numeric column".into(),
            });
        }
    }
    let results = origin.guarded(|| {
        let lf = source(path, format, csv)?;
        let mut plans = vec![
            lf.clone()
                .group_by(attribute_keys(attrs))
                .agg([len().cast(DataType::UInt64).alias(A_N)])
                .logical_plan,
        ];
        for (c, &num) in cols.iter().zip(&numeric) {
            let range = e.ranges.iter().find(|r| r.column == *c);
            plans.push(column_plan(&lf, attrs, c, num, csv, range).logical_plan);
        }
        plans.push(
            lf.clone()
                .select([row_hash(&all)
                    .n_unique()
                    .cast(DataType::UInt64)
                    .alias(A_HASH)])
                .logical_plan,
        );
        let opt = lf.get_current_optimizations();
        LazyFrame::collect_all_with_engine(plans, Engine::Streaming, opt)
    })?;
    fn conv<T>(origin: &Origin, r: PolarsResult<T>) -> Result<T> {
        r.map_err(|e| origin.err(e))
    }
    let mut groups = BTreeMap::new();
    let g = &results[0];
    let gn = conv(&origin, g.column(A_N).and_then(|c| c.u64().cloned()))?;
    for i in 0..g.height() {
        groups.insert(
            conv(&origin, attr_values(g, attrs, i))?,
            gn.get(i).unwrap_or(0),
        );
    }
    let rows: u64 = groups.values().sum();
    let distinct = conv(
        &origin,
        results[results.len() - 1]
            .column(A_HASH)
            .and_then(|c| c.u64().cloned()),
    )?
    .get(0)
    .unwrap_or(rows);
    let mut columns = vec![];
    for (i, (c, &num)) in cols.iter().zip(&numeric).enumerate() {
        let (cells, labels) = conv(&origin, column_cells(&results[i + 1], attrs, num))?;
        columns.push(ColumnCounts {
            name: c.clone(),
            dtype: dtype_name(typed.get(c.as_str()).unwrap_or(&DataType::String)),
            numeric: num,
            cells,
            labels,
        });
    }
    if rows == 0 {
        return Err(Error::Empty {
            path: path.to_path_buf(),
            problem: "the file has a header but no rows".into(),
        });
    }
    Ok(DataCounts {
        attributes: attrs.clone(),
        rows,
        duplicate_rows: rows.saturating_sub(distinct),
        schema,
        groups,
        columns,
        files: vec![path.to_path_buf()],
    })
}

/// Reads every data file of the spec and merges their counts.
pub fn examine_all(spec: &AuditSpec, e: &ExamineSpec) -> Result<DataCounts> {
    let mut total: Option<DataCounts> = None;
    for p in &spec.data {
        let c = examine_file(p, spec, e)?;
        match &mut total {
            None => total = Some(c),
            Some(t) => t.merge(c)?,
        }
    }
    total.ok_or_else(|| Error::usage("no data file given"))
}

/// Reads a population file: CSV with columns `attribute,group,share`. Each
/// attribute's shares must lie in [0, 1] and sum to 1 (within 1e-6).
pub fn read_population(path: &Path, attributes: &[String]) -> Result<(PathBuf, Population)> {
    let bad = |problem: String| Error::BadValues {
        path: path.to_path_buf(),
        column: "share".into(),
        problem,
    };
    let mut r = csv::Reader::from_path(path).map_err(|e| Error::Read {
        path: path.to_path_buf(),
        format: "CSV",
        reason: e.to_string(),
    })?;
    let headers = r
        .headers()
        .map_err(|e| bad(e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect::<Vec<_>>();
    if headers != ["attribute", "group", "share"] {
        return Err(Error::usage(format!(
            "population file '{}' must have the columns attribute,group,share; it has {}",
            path.display(),
            headers.join(",")
        )));
    }
    let mut pop: Population = BTreeMap::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| bad(e.to_string()))?;
        let line = i + 2;
        let share: f64 = rec[2]
            .trim()
            .parse()
            .ok()
            .filter(|s: &f64| (0.0..=1.0).contains(s))
            .ok_or_else(|| {
                bad(format!(
                    "line {line}: share '{}' is not a number between 0 and 1",
                    &rec[2]
                ))
            })?;
        let (a, g) = (rec[0].trim().to_string(), rec[1].to_string());
        if !attributes.contains(&a) {
            return Err(Error::BadValues {
                path: path.to_path_buf(),
                column: "attribute".into(),
                problem: format!(
                    "line {line}: '{a}' is not one of the examined attributes ({})",
                    attributes.join(", ")
                ),
            });
        }
        if pop
            .entry(a.clone())
            .or_default()
            .insert(g.clone(), share)
            .is_some()
        {
            return Err(bad(format!("line {line}: {a} = {g} is listed twice")));
        }
    }
    let off: Vec<String> = pop
        .iter()
        .filter_map(|(a, gs)| {
            let s: f64 = gs.values().sum();
            ((s - 1.0).abs() > 1e-6).then(|| format!("{a} (they sum to {s:.6}, not 1)"))
        })
        .collect();
    if !off.is_empty() {
        return Err(bad(format!(
            "the expected shares of each attribute must sum to 1: {}",
            off.join("; ")
        )));
    }
    if pop.is_empty() {
        return Err(bad("the file lists no shares".into()));
    }
    Ok((path.to_path_buf(), pop))
}
