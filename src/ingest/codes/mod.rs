//! The audit's group-by without polars: key columns coded as small integers
//! per row and counted into a dense array by the combined cell code.
//!
//! Parquet (`codes/parquet.rs`): the reader (arrow-rs `parquet`, asked for
//! dictionary arrays) hands over each row group's dictionary indices, so text
//! is never decoded; one row group per task. CSV (`codes/csv.rs`): files without
//! quotes are split into byte ranges at line ends, one range per task, and
//! each field of a key column is coded through a small map of the bytes it
//! holds. Either way the codes of a batch of rows combine into one cell index,
//! rows are counted into a dense array by that index (or sorted, when the
//! cells are many), and only the few distinct cells of a batch are turned
//! back into values. Rayon runs the tasks; one batch per task is in memory.
//!
//! The result is the general path's group-by result
//! ([`super::scan::aggregate`]), and it runs when that result is row counts
//! over keys of text, integer or boolean columns — also with an unweighted
//! numeric outcome's sums and sketch (`codes/values.rs`) — and no weight,
//! score or banded control. Otherwise, or when the file is not readable this
//! way, the general path runs; [`Plan`] says which and why.

mod csv;
pub mod examine;
pub mod examine_csv;
mod parquet;
mod values;

use std::collections::HashMap;

/// The maps of cells and codes: keys are short and trusted, so a fast hash.
type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Ids of fields by their bytes: a field of up to 15 bytes by its packed
/// form (`tally::pack`: one integer hashed and compared, no `memcmp`), a
/// longer one by its bytes.
#[derive(Default)]
struct ByBytes {
    packed: Map<u128, u32>,
    long: Map<Box<[u8]>, u32>,
}

impl ByBytes {
    #[inline]
    fn get(&self, b: &[u8]) -> Option<u32> {
        match crate::ingest::tally::pack(b) {
            Some(p) => self.packed.get(&p).copied(),
            None => self.long.get(b).copied(),
        }
    }

    fn insert(&mut self, b: &[u8], id: u32) {
        match crate::ingest::tally::pack(b) {
            Some(p) => self.packed.insert(p, id),
            None => self.long.insert(b.into(), id),
        };
    }
}

use arrow_array::ArrayRef;
use polars::prelude::{Column, DataFrame, DataType, Schema, IDX_DTYPE};

use crate::spec::AuditSpec;

use super::key_columns;
use super::names::*;
use super::scan::PredSource;

pub use self::csv::aggregate as aggregate_csv;
pub use self::parquet::aggregate as aggregate_parquet;
use self::values::Sums;

/// Rows per batch: the cell index of a batch stays in cache.
const BATCH: usize = 8_192;
/// Cell indexes up to this are counted in a dense array; above it a batch's
/// indexes are sorted and counted in runs.
const DENSE: u32 = 1 << 16;
/// An integer column whose batch spans at most this many values is coded by
/// offset; a wider one through a hash map.
const SPAN: i64 = 1024;
/// More distinct cells than this in a row group: leave it to the general
/// path (which reports too-fine attributes).
const MAX_CELLS: usize = 4 * super::MAX_CELLS;

/// How a file is read, for `--verbose`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Key columns coded and counted in a dense array, in `parts` tasks.
    Codes {
        /// What was coded: "dictionary codes", "CSV fields".
        what: &'static str,
        /// Tasks the file was split into.
        parts: usize,
        /// What a task reads: "row group", "byte range".
        unit: &'static str,
    },
    /// polars' streaming group-by, and why.
    General(String),
}

impl std::fmt::Display for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Plan::Codes { what, parts, unit } => write!(
                f,
                "{what} counted in a dense array ({parts} {unit}{})",
                if *parts == 1 { "" } else { "s" }
            ),
            Plan::General(why) => write!(f, "polars' streaming group-by ({why})"),
        }
    }
}

/// What a key column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Text,
    Int,
    Bool,
    /// Only from CSV, where values stay text until cast.
    Float,
}

/// A key column of the group-by: read from `source`, named `name` in the
/// result, of polars type `dtype`.
#[derive(Clone, Debug)]
pub struct KeyCol {
    source: String,
    name: String,
    dtype: DataType,
    kind: Kind,
}

/// One key value. Integers of every width are held as i64 (u64 bit for bit).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Null,
    Bool(bool),
    Int(i64),
    Text(Box<str>),
}

/// The key columns, when the group-by is only row counts over columns of
/// text, integers or booleans (or `floats`); else why not.
pub fn plan(
    spec: &AuditSpec,
    pred: &PredSource,
    schema: &Schema,
    floats: bool,
) -> Result<Vec<KeyCol>, String> {
    if spec.columns.weight.is_some() {
        return Err("a weight column is summed".into());
    }
    if spec.columns.score.is_some() {
        return Err("a score column is summed".into());
    }
    if !spec.control_bands.is_empty() {
        return Err("controls are banded".into());
    }
    let PredSource::Column(p) = pred else {
        return Err("the prediction comes from a score".into());
    };
    let mut cols: Vec<(String, String)> = key_columns(spec)
        .into_iter()
        .map(|k| (k.clone(), k))
        .collect();
    cols.push((spec.columns.label.clone(), K_LABEL.into()));
    cols.push((p.clone(), K_PRED.into()));
    if let Some(f) = &spec.final_decision {
        cols.push((f.clone(), K_FINAL.into()));
    }
    cols.into_iter()
        .map(|(source, name)| {
            let dtype = schema
                .get(source.as_str())
                .cloned()
                .ok_or_else(|| format!("no column '{source}'"))?;
            let kind = match &dtype {
                DataType::String => Kind::Text,
                DataType::Boolean => Kind::Bool,
                t if t.is_integer() => Kind::Int,
                t if floats && t.is_float() => Kind::Float,
                t => return Err(format!("column '{source}' is of type {t}")),
            };
            Ok(KeyCol {
                source,
                name,
                dtype,
                kind,
            })
        })
        .collect()
}

/// Row-group ids of the values of one key column.
#[derive(Default)]
struct Interner {
    ids: Map<Key, u32>,
    values: Vec<Key>,
    /// The last dictionary seen and its ids: batches of a row group share
    /// it (held, so that its address is not reused by another).
    last: Option<(ArrayRef, Vec<u32>)>,
}

impl Interner {
    fn id(&mut self, k: Key) -> u32 {
        if let Some(&i) = self.ids.get(&k) {
            return i;
        }
        let i = self.values.len() as u32;
        self.values.push(k.clone());
        self.ids.insert(k, i);
        i
    }
}

/// Rows per cell index (indexes below `size`).
fn count_indexes(idx: &[u32], size: u32) -> Vec<(u32, u64)> {
    if size <= DENSE {
        let mut dense = vec![0u32; size as usize];
        for &i in idx {
            dense[i as usize] += 1;
        }
        return dense
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(|(i, &n)| (i as u32, n as u64))
            .collect();
    }
    let mut s = idx.to_vec();
    s.sort_unstable();
    let mut out: Vec<(u32, u64)> = vec![];
    for &i in &s {
        match out.last_mut() {
            Some((j, n)) if *j == i => *n += 1,
            _ => out.push((i, 1)),
        }
    }
    out
}

/// Whether `card` codes at `stride` still index within u32.
fn fits(stride: u32, card: usize) -> Result<(), String> {
    u32::try_from(card)
        .ok()
        .and_then(|c| stride.checked_mul(c))
        .map(|_| ())
        .ok_or_else(|| "too many cells to index".to_string())
}

/// The columns of `keys` holding the values of `rows`, in their polars types.
fn key_frame(keys: &[KeyCol], rows: &[&[Key]]) -> Result<Vec<Column>, String> {
    let mut cols: Vec<Column> = vec![];
    for (j, k) in keys.iter().enumerate() {
        let name = k.name.as_str().into();
        let col = match k.kind {
            Kind::Text => Column::new(
                name,
                rows.iter()
                    .map(|key| match &key[j] {
                        Key::Text(s) => Some(s.as_ref()),
                        _ => None,
                    })
                    .collect::<Vec<Option<&str>>>(),
            ),
            Kind::Bool => Column::new(
                name,
                rows.iter()
                    .map(|key| match key[j] {
                        Key::Bool(b) => Some(b),
                        _ => None,
                    })
                    .collect::<Vec<Option<bool>>>(),
            ),
            Kind::Float => return Err("floats are not coded from Parquet".into()),
            Kind::Int if k.dtype == DataType::UInt64 => Column::new(
                name,
                rows.iter()
                    .map(|key| match key[j] {
                        Key::Int(v) => Some(v as u64),
                        _ => None,
                    })
                    .collect::<Vec<Option<u64>>>(),
            ),
            Kind::Int => Column::new(
                name,
                rows.iter()
                    .map(|key| match key[j] {
                        Key::Int(v) => Some(v),
                        _ => None,
                    })
                    .collect::<Vec<Option<i64>>>(),
            )
            .cast(&k.dtype)
            .map_err(|e| e.to_string())?,
        };
        cols.push(col);
    }
    Ok(cols)
}

/// The cells of a row group (or byte range) by the ids of their keys.
#[derive(Default)]
struct Cells {
    cells: Map<Vec<u32>, (u64, Sums)>,
    sketch: Map<(Vec<u32>, i32), u64>,
}

/// The ids of cell index `cell` under `maps` (per key: its stride and the
/// id of each of its codes).
fn decode(cell: u32, maps: &[(u32, Vec<u32>)]) -> Vec<u32> {
    maps.iter()
        .map(|(s, ids)| ids[((cell / s) % ids.len() as u32) as usize])
        .collect()
}

/// Counts (and sums) by cell index of batches sharing their codes.
struct Acc {
    maps: Vec<(u32, Vec<u32>)>,
    n: Vec<u64>,
    sums: Vec<Sums>,
    sketch: values::Sketch,
}

impl Acc {
    /// Cells of `size` indexes, of which the first `attrs` keys make
    /// `attr_size`; sums only with a numeric outcome.
    fn new(maps: Vec<(u32, Vec<u32>)>, size: u32, attr_size: u32, value: bool) -> Self {
        Acc {
            maps,
            n: vec![0; size as usize],
            sums: vec![Sums::default(); if value { size as usize } else { 0 }],
            sketch: values::Sketch::new(attr_size),
        }
    }

    /// Adds the counted cells to `out` under their ids.
    fn flush(self, out: &mut Cells, attrs: usize) {
        for (cell, &n) in self.n.iter().enumerate().filter(|(_, &n)| n > 0) {
            let e = out
                .cells
                .entry(decode(cell as u32, &self.maps))
                .or_default();
            e.0 += n;
            if let Some(s) = self.sums.get(cell) {
                e.1.add(s);
            }
        }
        for ((cell, b), n) in self.sketch.entries() {
            *out.sketch
                .entry((decode(cell, &self.maps[..attrs]), b))
                .or_default() += n;
        }
    }
}

/// The group-by result: one row per cell, key columns of their polars types,
/// the row count, and with a numeric outcome (`truth`: with its error) the
/// sums the general path computes.
fn frame(
    keys: &[KeyCol],
    total: Map<Vec<Key>, (u64, Sums)>,
    value: Option<bool>,
) -> Result<DataFrame, String> {
    let mut cells: Vec<(Vec<Key>, (u64, Sums))> = total.into_iter().collect();
    cells.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let height = cells.len();
    let rows: Vec<&[Key]> = cells.iter().map(|(k, _)| k.as_slice()).collect();
    let mut cols = key_frame(keys, &rows)?;
    // The type of polars' `len()`, so that a counts table written from
    // either path is the same file.
    cols.push(
        Column::new(
            A_N.into(),
            cells.iter().map(|(_, (n, _))| *n).collect::<Vec<u64>>(),
        )
        .cast(&IDX_DTYPE)
        .map_err(|e| e.to_string())?,
    );
    if let Some(truth) = value {
        let sums: Vec<&Sums> = cells.iter().map(|(_, (_, s))| s).collect();
        cols.extend(sum_columns(&sums, truth));
    }
    DataFrame::new(height, cols).map_err(|e| e.to_string())
}

/// A numeric outcome's sum columns of the cells, as the general path's query
/// names and types them (every weight 1); `truth`: with the error's.
fn sum_columns(sums: &[&Sums], truth: bool) -> Vec<Column> {
    let u = |name: &str, f: &dyn Fn(&Sums) -> u64| {
        Column::new(name.into(), sums.iter().map(|s| f(s)).collect::<Vec<u64>>())
    };
    let x = |name: &str, f: &dyn Fn(&Sums) -> f64| {
        Column::new(name.into(), sums.iter().map(|s| f(s)).collect::<Vec<f64>>())
    };
    let mut cols = vec![
        u(A_VN, &|s| s.vn),
        u(A_VBAD, &|s| s.vbad),
        x(A_VW, &|s| s.vn as f64),
        x(A_VW2, &|s| s.vn as f64),
        x(A_VS, &|s| s.vs),
        x(A_VS2, &|s| s.vs2),
    ];
    if truth {
        cols.extend([
            u(A_EN, &|s| s.en),
            x(A_EW, &|s| s.en as f64),
            x(A_EA, &|s| s.ea),
            x(A_ES, &|s| s.es),
            x(A_ES2, &|s| s.es2),
        ]);
    }
    cols
}

/// The numeric outcome's sketch as the general path gives it: attribute key
/// columns, the bucket and the rows in it.
fn sketch_frame(attrs: &[KeyCol], sketch: Map<(Vec<Key>, i32), u64>) -> Result<DataFrame, String> {
    let mut cells: Vec<((Vec<Key>, i32), u64)> = sketch.into_iter().collect();
    cells.sort_unstable();
    let rows: Vec<&[Key]> = cells.iter().map(|((k, _), _)| k.as_slice()).collect();
    let mut cols = key_frame(attrs, &rows)?;
    cols.push(Column::new(
        K_VBIN.into(),
        cells.iter().map(|((_, b), _)| *b).collect::<Vec<i32>>(),
    ));
    cols.push(Column::new(
        A_VW.into(),
        cells.iter().map(|(_, n)| *n as f64).collect::<Vec<f64>>(),
    ));
    DataFrame::new(cells.len(), cols).map_err(|e| e.to_string())
}
