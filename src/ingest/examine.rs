//! The data examination's scan: one query per file whose plans — rows per
//! attribute key, one group-by per examined column (attribute key × the
//! column's value or fine bucket, with missing, empty and out-of-range
//! counts), and the row hashes' distinct count — the streaming engine runs
//! over one read of the file. CSV is read as text; pandas' missing-value
//! literals ("NA", "null", "NaN", ...) count as missing in every column but
//! the protected attributes, so shares agree with `pandas.read_csv(...).isna()`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::counts::examine::DataCounts;
use crate::spec::examine::{ExamineSpec, Population};
use crate::spec::{AuditSpec, InputFormat};
use crate::{Error, Result};

use super::scan::{check_file, Origin};
use super::tally::Kind;

/// pandas' default missing-value literals (`pandas.read_csv`, `na_values`),
/// matched exactly and case-sensitively on the whole field.
pub const PANDAS_NA: [&str; 18] = [
    "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
    "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
];

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
        // The typed read (for the types only) sees pandas' NA literals as
        // null, so that "N/A" does not make a numeric column text.
        (InputFormat::Csv, false) => LazyCsvReader::new(p)
            .with_glob(false)
            .with_has_header(true)
            .with_infer_schema_length(Some(10_000))
            .with_null_values(Some(NullValues::AllColumns(
                PANDAS_NA.iter().map(|v| (*v).into()).collect(),
            )))
            .finish(),
        _ => super::scan::scan(path, format, &[]),
    }
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
    examine_with(path, spec, e, None)
}

/// Reads one file; `first`: the types of the first file of a set, which
/// every later file is read with (types inferred from one part of a
/// partitioned CSV — integers here, a decimal there — must not split it).
fn examine_with(
    path: &Path,
    spec: &AuditSpec,
    e: &ExamineSpec,
    first: Option<&Schema>,
) -> Result<DataCounts> {
    let format = super::format_of(path, spec.input_format)?;
    let origin = Origin::file(path, format);
    check_file(path, &origin)?;
    let attrs = &spec.attributes;
    let own = origin.guarded(|| source(path, format, false)?.collect_schema())?;
    super::scan::check_header(&own, &origin)?;
    let typed: Schema = match first {
        Some(f) => {
            let names = |s: &Schema| s.iter_names().map(|n| n.to_string()).collect::<Vec<_>>();
            if names(f) != names(&own) {
                return Err(Error::usage(format!(
                    "the files do not share one set of columns in one order: '{}' has {}, the first file has {}",
                    path.display(),
                    names(&own).join(", "),
                    names(f).join(", ")
                )));
            }
            f.clone()
        }
        None => (*own).clone(),
    };
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
        .map(|c| !outcomes.contains(&c) && typed.get(c.as_str()).is_some_and(|t| t.is_numeric()))
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
    let specs: Vec<super::tally::ColumnSpec> = cols
        .iter()
        .zip(&numeric)
        .map(|(c, &num)| super::tally::ColumnSpec {
            name: c.clone(),
            kind: match (num, csv) {
                (true, true) => Kind::NumberText,
                (true, false) => Kind::Number,
                (false, true) => Kind::CsvText,
                (false, false) => Kind::Text,
            },
            dtype: dtype_name(typed.get(c.as_str()).unwrap_or(&DataType::String)),
            range: e.ranges.iter().find(|r| r.column == *c).cloned(),
            max_levels: e.max_levels,
        })
        .collect();
    let (t, how) = match coded(path, format, spec.reader, &own, attrs, &specs, &all) {
        Ok(t) if csv => (t, "CSV fields, byte ranges in parallel".to_string()),
        Ok(t) => (
            t,
            "arrow-rs, row groups in parallel, text on its dictionaries".to_string(),
        ),
        Err(why) => {
            let t = origin
                .guarded(|| super::tally::tally(source(path, format, csv)?, attrs, specs, &all))?;
            (t, format!("polars' streamed batches ({why})"))
        }
    };
    let rows: u64 = t.groups.values().sum();
    if rows == 0 {
        return Err(Error::Empty {
            path: path.to_path_buf(),
            problem: "the file has a header but no rows".into(),
        });
    }
    Ok(DataCounts {
        attributes: attrs.clone(),
        rows,
        duplicate_rows: t.duplicate_rows,
        schema,
        groups: t.groups,
        columns: t.columns,
        files: vec![path.to_path_buf()],
        reads: crate::counts::Reads(vec![(path.display().to_string(), how)]),
    })
}

/// The examination's counter on a Parquet file's row groups
/// (`codes::examine`) or a CSV file's byte ranges (`codes::examine_csv`),
/// or why polars' streamed counter reads it instead.
fn coded(
    path: &Path,
    format: InputFormat,
    reader: crate::spec::Reader,
    schema: &Schema,
    attrs: &[String],
    specs: &[super::tally::ColumnSpec],
    all: &[String],
) -> std::result::Result<super::tally::Tally, String> {
    if reader == crate::spec::Reader::General {
        return Err("--reader general".into());
    }
    if format == InputFormat::Csv {
        let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
        return std::panic::catch_unwind(|| {
            super::codes::examine_csv::tally(path, &names, attrs, specs, all)
        })
        .unwrap_or_else(|_| Err("the CSV field reader failed".into()));
    }
    if format != InputFormat::Parquet {
        return Err("not a Parquet or CSV file".into());
    }
    // The types polars gives the columns (it reads the file's Arrow schema,
    // which arrow-rs is told to skip): only those both read alike.
    for (name, t) in schema.iter() {
        let alike = matches!(
            t,
            DataType::String
                | DataType::Boolean
                | DataType::Int8
                | DataType::Int16
                | DataType::Int32
                | DataType::Int64
                | DataType::UInt8
                | DataType::UInt16
                | DataType::UInt32
                | DataType::Float32
                | DataType::Float64
        );
        if !alike {
            return Err(format!("column '{name}' is {t}"));
        }
    }
    // A panic in the reader leaves the file to polars, as an error does.
    std::panic::catch_unwind(|| super::codes::examine::tally(path, attrs, specs, all))
        .unwrap_or_else(|_| Err("the arrow-rs reader failed".into()))
}

/// Reads every data file of the spec and merges their counts.
pub fn examine_all(spec: &AuditSpec, e: &ExamineSpec) -> Result<DataCounts> {
    let mut total: Option<DataCounts> = None;
    let mut first: Option<Schema> = None;
    for p in &spec.data {
        if first.is_none() {
            let format = super::format_of(p, spec.input_format)?;
            let origin = Origin::file(p, format);
            check_file(p, &origin)?;
            first = Some((*origin.guarded(|| source(p, format, false)?.collect_schema())?).clone());
        }
        let c = examine_with(p, spec, e, first.as_ref())?;
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
    let mut r = csv::Reader::from_path(path).map_err(|e| {
        Error::usage(format!(
            "cannot read the population file '{}': {e}",
            path.display()
        ))
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
        let (a, g) = (rec[0].trim().to_string(), rec[1].trim().to_string());
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
