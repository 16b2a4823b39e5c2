//! The data examination's counter on Parquet: one rayon task per run of row
//! groups reads them with arrow-rs (text columns as dictionaries, so a text value is
//! looked up once per dictionary entry, not once per row) into tallies of
//! its own; the parts then add up in file order. It gives the tally of the
//! polars-streamed counter (`ingest::tally`) — the same levels, keys in the
//! same first-seen order, the same duplicate rows — or says why it cannot
//! (a type it does not read, a text column past its distinct values), and
//! the file is read by polars instead.

use std::fs::File;
use std::hash::BuildHasher;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType as ArrowType;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ParquetRecordBatchReaderBuilder};
use rayon::prelude::*;

use super::parquet::metadata_with;
use super::values;
use super::{Map, BATCH};
use crate::counts::MISSING;
use crate::ingest::tally::{
    assemble, hasher, int_hash, mix, number_hash, ColumnSpec, ColumnTally, Kind, Runs, Seen, Tally,
    L_EMPTY, L_MISSING, MISSING_HASH, ROW_SEED,
};

/// The hash of an empty text (apart from missing, as the level "empty").
const EMPTY_HASH: u64 = 0x9e37_79b8;

/// One run of row groups' (or one byte range's) sums.
pub(super) struct Part {
    /// Key id → the attributes' values.
    pub keys: Vec<Vec<String>>,
    pub rows_per_key: Vec<u64>,
    pub tallies: Vec<ColumnTally>,
    pub hashes: Runs,
}

impl Part {
    /// An empty part; its hashes are set when it is complete.
    pub(super) fn new(columns: &[ColumnSpec]) -> Self {
        Part {
            keys: vec![],
            rows_per_key: vec![],
            tallies: new_tallies(columns),
            hashes: Runs::new(vec![]),
        }
    }
}

/// The tally of a Parquet file: `attrs` make the keys, `columns` are
/// examined, `all` (every column) make the row hash.
pub fn tally(
    path: &Path,
    attrs: &[String],
    columns: &[ColumnSpec],
    all: &[String],
) -> Result<Tally, String> {
    let meta = metadata_with(path, |_| true)?;
    let layout = layout(meta.schema(), attrs, columns, all)?;
    let groups = meta.metadata().num_row_groups();
    // Contiguous runs of row groups, a few per thread: each run keeps one
    // set of tallies (a tally's table is large; one per row group would be
    // built, held and merged 80 times for a 10M-row file).
    let runs = (2 * rayon::current_num_threads()).clamp(1, groups.max(1));
    let parts: Vec<Result<Part, String>> = (0..runs)
        .into_par_iter()
        .map(|r| {
            let (from, to) = (r * groups / runs, (r + 1) * groups / runs);
            count_row_groups(path, &meta, from..to, &layout, columns)
        })
        .collect();
    let expected = meta.metadata().file_metadata().num_rows();
    finish(parts, attrs, columns, u64::try_from(expected).ok())
}

/// The tally of a file from its parts, in file order; `expected`: its
/// number of rows, when the file says.
pub(super) fn finish(
    parts: Vec<Result<Part, String>>,
    attrs: &[String],
    columns: &[ColumnSpec],
    expected: Option<u64>,
) -> Result<Tally, String> {
    let (keys, rows_per_key, tallies, hashes) = add_up(parts, columns)?;
    // The streamed counter packs the attributes' value ids into 128 bits and
    // refuses a file whose attribute has more values than its share holds.
    let bits = (128 / attrs.len().max(1) as u32).min(32);
    for a in 0..attrs.len() {
        let values: std::collections::HashSet<&str> = keys.iter().map(|k| k[a].as_str()).collect();
        if values.len() as u128 > 1u128 << bits {
            return Err(format!("attribute '{}' has too many values", attrs[a]));
        }
    }
    let rows: usize = hashes.iter().map(Runs::len).sum();
    if let Some(n) = expected.filter(|&n| n != rows as u64) {
        return Err(format!("read {rows} rows of {n}"));
    }
    Ok(assemble(
        keys,
        &rows_per_key,
        tallies,
        columns.to_vec(),
        hashes,
    ))
}

/// Where each column is, once every type is one this counter reads.
fn layout(
    schema: &arrow_schema::Schema,
    attrs: &[String],
    columns: &[ColumnSpec],
    all: &[String],
) -> Result<Layout, String> {
    let at = |name: &str| {
        schema
            .index_of(name)
            .map_err(|_| format!("no column '{name}'"))
    };
    let attr_at: Vec<usize> = attrs.iter().map(|a| at(a)).collect::<Result<_, _>>()?;
    let col_at: Vec<usize> = columns
        .iter()
        .map(|c| at(&c.name))
        .collect::<Result<_, _>>()?;
    let rest_at: Vec<usize> = all
        .iter()
        .filter(|n| !columns.iter().any(|c| &c.name == *n))
        .map(|n| at(n))
        .collect::<Result<_, _>>()?;
    for (c, &i) in columns.iter().zip(&col_at) {
        let t = schema.field(i).data_type();
        let ok = match c.kind {
            Kind::Number => number_type(t),
            Kind::Text => text_type(t) || t.is_integer() && *t != ArrowType::UInt64,
            Kind::CsvText | Kind::NumberText => false,
        };
        if !ok {
            return Err(format!("column '{}' is read as {t}", c.name));
        }
    }
    for &i in attr_at.iter().chain(&rest_at) {
        let t = schema.field(i).data_type();
        if !(text_type(t) || number_type(t)) {
            return Err(format!(
                "column '{}' is read as {t}",
                schema.field(i).name()
            ));
        }
    }
    Ok(Layout {
        attrs: attr_at,
        columns: col_at,
        rest: rest_at,
    })
}

/// The sums of the parts, in file order: keys and text levels new to the
/// sum take the next ids in the order the part met them, as one reader
/// going through the file gives them.
#[allow(clippy::type_complexity)]
fn add_up(
    parts: Vec<Result<Part, String>>,
    columns: &[ColumnSpec],
) -> Result<(Vec<Vec<String>>, Vec<u64>, Vec<ColumnTally>, Vec<Runs>), String> {
    let mut keys: Vec<Vec<String>> = vec![];
    let mut key_ids: Map<Vec<String>, u32> = Map::default();
    let mut rows_per_key: Vec<u64> = vec![];
    let mut tallies: Option<Vec<ColumnTally>> = None;
    let mut hashes: Vec<Runs> = vec![];
    for p in parts {
        let p = p?;
        let map: Vec<u32> = p
            .keys
            .into_iter()
            .map(|k| {
                let next = keys.len() as u32;
                *key_ids.entry(k.clone()).or_insert_with(|| {
                    keys.push(k);
                    next
                })
            })
            .collect();
        rows_per_key.resize(keys.len(), 0);
        for (k, n) in p.rows_per_key.iter().enumerate() {
            rows_per_key[map[k] as usize] += n;
        }
        match &mut tallies {
            None => {
                // The first part's key ids are the sum's (its keys came first).
                past_cap(&p.tallies)?;
                tallies = Some(p.tallies);
            }
            Some(ts) => {
                for (t, o) in ts.iter_mut().zip(p.tallies) {
                    t.absorb(o, &map)?;
                }
            }
        }
        hashes.push(p.hashes);
    }
    let tallies = tallies.unwrap_or_else(|| new_tallies(columns));
    Ok((keys, rows_per_key, tallies, hashes))
}

fn text_type(t: &ArrowType) -> bool {
    matches!(t, ArrowType::Dictionary(i, v) if **i == ArrowType::Int32 && **v == ArrowType::Utf8)
        || *t == ArrowType::Boolean
}

fn number_type(t: &ArrowType) -> bool {
    (t.is_integer() && *t != ArrowType::UInt64)
        || matches!(t, ArrowType::Float32 | ArrowType::Float64)
}

/// Err when a text column has more distinct values than it tells apart
/// (which values overflow then depends on the whole file: polars reads it).
fn past_cap(tallies: &[ColumnTally]) -> Result<(), String> {
    match tallies.iter().find(|t| t.overflowed()) {
        Some(t) => Err(format!(
            "column '{}' has more distinct values than told apart",
            t.name()
        )),
        None => Ok(()),
    }
}

pub(super) fn new_tallies(columns: &[ColumnSpec]) -> Vec<ColumnTally> {
    columns
        .iter()
        .map(|c| ColumnTally::new(c.name.clone(), c.kind, c.range.clone(), c.max_levels))
        .collect()
}

/// Where the attributes, the examined and the other columns are in a batch.
struct Layout {
    attrs: Vec<usize>,
    columns: Vec<usize>,
    rest: Vec<usize>,
}

/// Tallies a run of row groups, in order.
fn count_row_groups(
    path: &Path,
    meta: &ArrowReaderMetadata,
    rgs: std::ops::Range<usize>,
    layout: &Layout,
    columns: &[ColumnSpec],
) -> Result<Part, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta.clone())
        .with_row_groups(rgs.collect())
        .with_batch_size(BATCH)
        .build()
        .map_err(|e| e.to_string())?;
    let mut keys = Keys::new(layout.attrs.len());
    let mut part = Part::new(columns);
    let mut hashes = vec![];
    let mut texts: Vec<Texts> = columns.iter().map(|_| Texts::default()).collect();
    for batch in reader {
        let batch = batch.map_err(|e| e.to_string())?;
        let ks = keys.of_batch(&batch, &layout.attrs)?;
        part.rows_per_key.resize(keys.keys.len(), 0);
        for &k in &ks {
            part.rows_per_key[k as usize] += 1;
        }
        let mut row = vec![ROW_SEED; batch.num_rows()];
        for ((t, &c), tx) in part.tallies.iter_mut().zip(&layout.columns).zip(&mut texts) {
            t.ensure_keys(keys.keys.len());
            tally_column(t, tx, batch.column(c), &ks, &mut row)?;
        }
        for &c in &layout.rest {
            hash_column(batch.column(c), &mut row)?;
        }
        hashes.extend(row);
        // A text column past its distinct values leaves the file to polars:
        // say so now, not after the whole run.
        past_cap(&part.tallies)?;
    }
    part.keys = keys.keys;
    part.hashes = Runs::new(hashes);
    Ok(part)
}

/// A text column's levels and hashes per dictionary entry (or integer),
/// kept while the batches share the dictionary.
#[derive(Default)]
struct Texts {
    last: Option<(ArrayRef, Vec<(u32, u64)>)>,
    ints: Map<i64, (u32, u64)>,
}

/// The level and hash of a text value.
fn text_of(t: &mut ColumnTally, v: &str) -> (u32, u64) {
    match v {
        "" => (L_EMPTY, EMPTY_HASH),
        v => (t.text_level(v), hasher().hash_one(v)),
    }
}

/// Tallies one examined column of a batch and mixes its values into the
/// row hashes.
fn tally_column(
    t: &mut ColumnTally,
    tx: &mut Texts,
    a: &ArrayRef,
    ks: &[u32],
    row: &mut [u64],
) -> Result<(), String> {
    let nulls = a.logical_nulls().filter(|n| n.null_count() > 0);
    let null = |i: usize| nulls.as_ref().is_some_and(|n| n.is_null(i));
    let numeric = !t.kind_is_text() && a.data_type().is_primitive();
    if !numeric {
        for ((&k, r), (l, h)) in ks.iter().zip(row.iter_mut()).zip(text_rows(t, tx, a)?) {
            t.bump(k, l);
            *r = mix(*r, h);
        }
        return Ok(());
    }
    // Integers hash as themselves, floats by their bits (as the streamed
    // counter does).
    let (xs, hs): (Vec<f64>, Vec<u64>) = match a.data_type().is_integer() {
        true => ints(a)?
            .into_iter()
            .map(|x| (x as f64, int_hash(x)))
            .unzip(),
        false => values::floats(a)?
            .0
            .iter()
            .map(|&x| (x, number_hash(x)))
            .unzip(),
    };
    // Seen first, counted after: two loops of independent lookups, whose
    // cache misses the processor overlaps.
    let seen: Vec<Seen> = (xs.iter().zip(&hs).enumerate())
        .map(|(i, (&x, &hash))| match null(i) {
            true => Seen {
                level: L_MISSING,
                outside: false,
                hash: MISSING_HASH,
            },
            false => Seen {
                hash,
                ..t.see_number(x)
            },
        })
        .collect();
    for ((&k, r), &s) in ks.iter().zip(row.iter_mut()).zip(&seen) {
        t.count(k, s);
        *r = mix(*r, s.hash);
    }
    Ok(())
}

/// The level and hash of every row of a column read as text: a dictionary
/// (once per entry), booleans, or integers as polars writes them as text.
fn text_rows(t: &mut ColumnTally, tx: &mut Texts, a: &ArrayRef) -> Result<Vec<(u32, u64)>, String> {
    let nulls = a.logical_nulls().filter(|n| n.null_count() > 0);
    let null = |i: usize| nulls.as_ref().is_some_and(|n| n.is_null(i));
    const NULL: (u32, u64) = (L_MISSING, MISSING_HASH);
    let n = a.len();
    Ok(match a.data_type() {
        ArrowType::Dictionary(_, _) => {
            let d = a.as_dictionary::<Int32Type>();
            let values = d.values();
            let levels = match &tx.last {
                Some((last, l)) if Arc::ptr_eq(last, values) => l.clone(),
                _ => {
                    let s = values.as_string::<i32>();
                    let l: Vec<(u32, u64)> = (0..s.len())
                        .map(|i| match s.is_valid(i) {
                            true => text_of(t, s.value(i)),
                            false => NULL,
                        })
                        .collect();
                    tx.last = Some((values.clone(), l.clone()));
                    l
                }
            };
            let keys = d.keys().values();
            (0..n)
                .map(|i| match null(i) {
                    true => Ok(NULL),
                    false => levels
                        .get(keys[i] as usize)
                        .copied()
                        .ok_or("a dictionary index out of range"),
                })
                .collect::<Result<_, _>>()?
        }
        ArrowType::Boolean => {
            let b = a.as_boolean();
            let (f, tr) = (text_of(t, "false"), text_of(t, "true"));
            (0..n)
                .map(|i| match null(i) {
                    true => NULL,
                    false if b.value(i) => tr,
                    false => f,
                })
                .collect()
        }
        ty if ty.is_integer() => {
            let xs = ints(a)?;
            (0..n)
                .map(|i| match null(i) {
                    true => NULL,
                    // As polars casts an integer to text.
                    false => *tx
                        .ints
                        .entry(xs[i])
                        .or_insert_with(|| text_of(t, &xs[i].to_string())),
                })
                .collect()
        }
        ty => return Err(format!("cannot examine a column of type {ty} as text")),
    })
}

/// Mixes a column that is not examined into the row hashes (as the polars
/// counter: numbers by their f64 bits, other values by their text).
fn hash_column(a: &ArrayRef, row: &mut [u64]) -> Result<(), String> {
    let h = hasher();
    match a.data_type() {
        ArrowType::Dictionary(_, _) => {
            let d = a.as_dictionary::<Int32Type>();
            let s = d.values().as_string::<i32>();
            let hs: Vec<u64> = (0..s.len())
                .map(|i| match s.is_valid(i) {
                    true => h.hash_one(s.value(i)),
                    false => 1,
                })
                .collect();
            for (i, r) in row.iter_mut().enumerate() {
                let v = match a.is_null(i) {
                    true => 1,
                    false => *hs
                        .get(d.keys().value(i) as usize)
                        .ok_or("a dictionary index out of range")?,
                };
                *r = mix(*r, v);
            }
        }
        ArrowType::Boolean => {
            let b = a.as_boolean();
            let (f, t) = (h.hash_one("false"), h.hash_one("true"));
            for (i, r) in row.iter_mut().enumerate() {
                let v = match a.is_null(i) {
                    true => 1,
                    false if b.value(i) => t,
                    false => f,
                };
                *r = mix(*r, v);
            }
        }
        ty if ty.is_integer() || ty.is_floating() => {
            // Numbers by their f64 bits, as polars' cast to f64 gives them.
            let (xs, _) = values::floats(a)?;
            for (i, (r, &x)) in row.iter_mut().zip(xs.iter()).enumerate() {
                let v = if a.is_null(i) { 1 } else { x.to_bits() ^ 2 };
                *r = mix(*r, v);
            }
        }
        ty => return Err(format!("cannot hash a column of type {ty}")),
    }
    Ok(())
}

/// An integer column as i64 (not u64: polars' cast to i64 turns values
/// above i64::MAX into nulls, which this counter does not copy).
fn ints(a: &ArrayRef) -> Result<Vec<i64>, String> {
    macro_rules! conv {
        ($t:ty) => {
            a.as_primitive::<$t>()
                .values()
                .iter()
                .map(|&v| v as i64)
                .collect()
        };
    }
    Ok(match a.data_type() {
        ArrowType::Int8 => conv!(Int8Type),
        ArrowType::Int16 => conv!(Int16Type),
        ArrowType::Int32 => conv!(Int32Type),
        ArrowType::Int64 => conv!(Int64Type),
        ArrowType::UInt8 => conv!(UInt8Type),
        ArrowType::UInt16 => conv!(UInt16Type),
        ArrowType::UInt32 => conv!(UInt32Type),
        t => return Err(format!("cannot read {t} as integers")),
    })
}

/// The attribute keys of a row group: per attribute value ids, and key ids
/// by the packed ids of a row, in the order rows first show them.
struct Keys {
    /// Per attribute: value → id, and id → value.
    ids: Vec<Map<String, u32>>,
    names: Vec<Vec<String>>,
    /// Per attribute: the last dictionary and its value ids.
    last: Vec<Option<(ArrayRef, Vec<u32>)>>,
    combos: Map<u128, u32>,
    keys: Vec<Vec<String>>,
}

impl Keys {
    fn new(n: usize) -> Self {
        Keys {
            ids: (0..n).map(|_| Map::default()).collect(),
            names: vec![vec![]; n],
            last: vec![None; n],
            combos: Map::default(),
            keys: vec![],
        }
    }

    /// The id of an attribute's value (missing and empty alike).
    fn value_id(&mut self, a: usize, v: Option<&str>) -> u32 {
        let v = match v {
            None | Some("") => MISSING,
            Some(v) => v,
        };
        if let Some(&i) = self.ids[a].get(v) {
            return i;
        }
        let i = self.names[a].len() as u32;
        self.names[a].push(v.to_string());
        self.ids[a].insert(v.to_string(), i);
        i
    }

    /// Each row's value id of attribute `a` in column `col`.
    fn value_ids(&mut self, a: usize, col: &ArrayRef) -> Result<Vec<u32>, String> {
        let n = col.len();
        let missing = self.value_id(a, None);
        Ok(match col.data_type() {
            ArrowType::Dictionary(_, _) => {
                let d = col.as_dictionary::<Int32Type>();
                let values = d.values();
                let map = match &self.last[a] {
                    Some((last, m)) if Arc::ptr_eq(last, values) => m.clone(),
                    _ => {
                        let s = values.as_string::<i32>();
                        let m: Vec<u32> = (0..s.len())
                            .map(|i| self.value_id(a, s.is_valid(i).then(|| s.value(i))))
                            .collect();
                        self.last[a] = Some((values.clone(), m.clone()));
                        m
                    }
                };
                (0..n)
                    .map(|i| match col.is_null(i) {
                        true => Ok(missing),
                        false => map
                            .get(d.keys().value(i) as usize)
                            .copied()
                            .ok_or("a dictionary index out of range"),
                    })
                    .collect::<Result<_, _>>()?
            }
            ArrowType::Boolean => {
                let b = col.as_boolean();
                let ids = [
                    self.value_id(a, Some("false")),
                    self.value_id(a, Some("true")),
                    missing,
                ];
                (0..n)
                    .map(|i| ids[if b.is_null(i) { 2 } else { b.value(i) as usize }])
                    .collect()
            }
            t if t.is_integer() => {
                let xs = ints(col)?;
                let mut cache: Map<i64, u32> = Map::default();
                (0..n)
                    .map(|i| match col.is_null(i) {
                        true => missing,
                        false => *cache
                            .entry(xs[i])
                            .or_insert_with(|| self.value_id(a, Some(&xs[i].to_string()))),
                    })
                    .collect()
            }
            t => return Err(format!("an attribute read as {t}")),
        })
    }

    /// The key id of every row of a batch.
    fn of_batch(&mut self, batch: &RecordBatch, at: &[usize]) -> Result<Vec<u32>, String> {
        let n = batch.num_rows();
        let bits = (128 / at.len().max(1) as u32).min(32);
        let mut packed = vec![0u128; n];
        for (a, &c) in at.iter().enumerate() {
            let ids = self.value_ids(a, batch.column(c))?;
            if self.names[a].len() as u128 > 1u128 << bits {
                return Err("an attribute with too many values to pack".into());
            }
            for (p, id) in packed.iter_mut().zip(ids) {
                *p = (*p << bits) | id as u128;
            }
        }
        let mut out = Vec::with_capacity(n);
        for p in packed {
            let next = self.keys.len() as u32;
            let id = *self.combos.entry(p).or_insert(next);
            if id == next {
                let mut vals = vec![];
                let mut q = p;
                for a in (0..at.len()).rev() {
                    let v = (q & ((1u128 << bits) - 1)) as usize;
                    vals.push(self.names[a][v].clone());
                    q >>= bits;
                }
                vals.reverse();
                self.keys.push(vals);
            }
            out.push(id);
        }
        Ok(out)
    }
}
