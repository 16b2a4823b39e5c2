//! Parquet: each key column as its dictionary indices (text), offsets from
//! the batch minimum or first-appearance codes (integers), or 0/1 (booleans).

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, PrimitiveArray};
use arrow_schema::{DataType as ArrowType, Field as ArrowField, Schema as ArrowSchema};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;
use polars::prelude::DataFrame;
use rayon::prelude::*;

use super::values::{self, Sums};
use super::{
    count_indexes, decode, fits, frame, sketch_frame, Acc, Cells, Interner, Key, KeyCol, Kind, Map,
    Plan, BATCH, DENSE, MAX_CELLS, SPAN,
};
use crate::ingest::names::{K_LABEL, K_PRED};
use crate::spec::ValueSpec;

/// Cells of a row group (rows and numeric sums) and its sketch, by the
/// row group's ids of their keys, and the values of those ids per key.
type Parts = (
    Map<Vec<u32>, (u64, Sums)>,
    Map<(Vec<u32>, i32), u64>,
    Vec<Vec<Key>>,
);

/// Where the batch columns of a row group are.
struct Layout {
    /// Each key's column.
    keys: Vec<usize>,
    /// The numeric outcome's column and its truth's.
    value: Option<(usize, Option<usize>)>,
    /// The first `attrs` keys are the protected attributes.
    attrs: usize,
    /// The label's and the prediction's key index.
    label: usize,
    pred: usize,
}

/// The group-by result of a Parquet file (key columns and row counts, and
/// with a numeric outcome its sums and sketch, as the general path gives
/// them) and how it was read; `Err` says why the general path must read it
/// instead. The first `attrs` keys are the protected attributes.
pub fn aggregate(
    path: &Path,
    keys: &[KeyCol],
    value: Option<&ValueSpec>,
    attrs: usize,
) -> Result<(DataFrame, Option<DataFrame>, Plan), String> {
    let meta = metadata(path, keys)?;
    let (layout, sorted) = layout(meta.schema(), keys, value, attrs)?;
    let mask = ProjectionMask::roots(meta.parquet_schema(), sorted);
    let groups = meta.metadata().num_row_groups();
    let parts: Vec<Result<Parts, String>> = (0..groups)
        .into_par_iter()
        .map(|rg| count_row_group(path, &meta, &mask, rg, &layout))
        .collect();
    // Row groups merge by ids of one interner per key column (each row
    // group's few values mapped once), so no key is hashed or cloned per cell.
    let mut global: Vec<Interner> = keys.iter().map(|_| Interner::default()).collect();
    let mut total: Map<Vec<u32>, (u64, Sums)> = Map::default();
    let mut sketch: Map<(Vec<u32>, i32), u64> = Map::default();
    for p in parts {
        let (cells, sk, values) = p?;
        let remap: Vec<Vec<u32>> = values
            .into_iter()
            .zip(global.iter_mut())
            .map(|(vs, g)| vs.into_iter().map(|k| g.id(k)).collect())
            .collect();
        let ids = |local: &[u32]| -> Vec<u32> {
            local
                .iter()
                .zip(&remap)
                .map(|(&i, m)| m[i as usize])
                .collect()
        };
        for (k, (n, s)) in cells {
            let t = total.entry(ids(&k)).or_default();
            t.0 += n;
            t.1.add(&s);
        }
        for ((k, b), n) in sk {
            *sketch.entry((ids(&k), b)).or_default() += n;
        }
        if total.len() > MAX_CELLS {
            return Err(format!("more than {MAX_CELLS} cells"));
        }
    }
    let values = |ids: &[u32]| -> Vec<Key> {
        ids.iter()
            .zip(&global)
            .map(|(&i, g)| g.values[i as usize].clone())
            .collect()
    };
    let total: Map<Vec<Key>, (u64, Sums)> =
        total.into_iter().map(|(k, c)| (values(&k), c)).collect();
    let sketch: Map<(Vec<Key>, i32), u64> = sketch
        .into_iter()
        .map(|((k, b), n)| ((values(&k), b), n))
        .collect();
    let expected = meta.metadata().file_metadata().num_rows();
    let rows: u64 = total.values().map(|(n, _)| n).sum();
    if i64::try_from(rows).ok() != Some(expected) {
        return Err(format!("read {rows} rows of {expected}"));
    }
    let plan = Plan::Codes {
        what: "dictionary codes",
        parts: groups,
        unit: "row group",
    };
    let sketch = match value {
        Some(_) => Some(sketch_frame(&keys[..attrs], sketch)?),
        None => None,
    };
    let truth = value.map(|v| v.truth.is_some());
    Ok((frame(keys, total, truth)?, sketch, plan))
}

/// The file's metadata, with text keys asked for as dictionaries: the
/// reader then passes on the file's dictionary indices instead of decoding
/// strings.
fn metadata(path: &Path, keys: &[KeyCol]) -> Result<ArrowReaderMetadata, String> {
    metadata_with(path, |name| {
        keys.iter()
            .any(|k| k.kind == Kind::Text && k.source == name)
    })
}

/// The file's metadata, with the text columns `dict` names asked for as
/// dictionaries.
pub(super) fn metadata_with(
    path: &Path,
    dict: impl Fn(&str) -> bool,
) -> Result<ArrowReaderMetadata, String> {
    let text = |e: parquet::errors::ParquetError| e.to_string();
    let file = File::open(path).map_err(|e| e.to_string())?;
    let opts = ArrowReaderOptions::new().with_skip_arrow_metadata(true);
    let inferred = ArrowReaderMetadata::load(&file, opts).map_err(text)?;
    let fields: Vec<ArrowField> = inferred
        .schema()
        .fields()
        .iter()
        .map(|f| {
            let is_text_key = dict(f.name());
            let textual = matches!(
                f.data_type(),
                ArrowType::Utf8 | ArrowType::LargeUtf8 | ArrowType::Utf8View
            );
            let mut f = f.as_ref().clone();
            if is_text_key && textual {
                f = f.with_data_type(ArrowType::Dictionary(
                    Box::new(ArrowType::Int32),
                    Box::new(ArrowType::Utf8),
                ));
            }
            f
        })
        .collect();
    let schema = Arc::new(ArrowSchema::new(fields));
    ArrowReaderMetadata::try_new(
        inferred.metadata().clone(),
        ArrowReaderOptions::new().with_schema(schema),
    )
    .map_err(text)
}

/// Where each key and numeric column is in the reader's batches, and the
/// file's columns to read (in file order, as the batches hold them).
fn layout(
    schema: &ArrowSchema,
    keys: &[KeyCol],
    value: Option<&ValueSpec>,
    attrs: usize,
) -> Result<(Layout, Vec<usize>), String> {
    let mut roots: Vec<usize> = vec![];
    let mut at: Vec<usize> = vec![];
    let mut root = |name: &str| -> Result<usize, String> {
        let i = schema
            .index_of(name)
            .map_err(|_| format!("no column '{name}'"))?;
        if !roots.contains(&i) {
            roots.push(i);
        }
        Ok(i)
    };
    for k in keys {
        let i = root(&k.source)?;
        check_type(k, schema.field(i).data_type())?;
        at.push(i);
    }
    let mut numeric = vec![];
    if let Some(v) = value {
        for c in std::iter::once(&v.column).chain(v.truth.as_ref()) {
            let i = root(c)?;
            if !values::summable(schema.field(i).data_type()) {
                return Err(format!(
                    "column '{c}' is read as {}",
                    schema.field(i).data_type()
                ));
            }
            numeric.push(i);
        }
    }
    // The reader's batches hold the projected columns in file order.
    let mut sorted = roots.clone();
    sorted.sort_unstable();
    let pos = |i: &usize| sorted.binary_search(i).expect("projected");
    let find = |name: &str| keys.iter().position(|k| k.name == name).expect("a key");
    let layout = Layout {
        keys: at.iter().map(pos).collect(),
        value: value.map(|_| (pos(&numeric[0]), numeric.get(1).map(pos))),
        attrs,
        label: find(K_LABEL),
        pred: find(K_PRED),
    };
    Ok((layout, sorted))
}

/// The arrow types each kind of key is read as.
fn check_type(k: &KeyCol, t: &ArrowType) -> Result<(), String> {
    let ok = match k.kind {
        Kind::Text => matches!(t, ArrowType::Dictionary(i, v)
            if **i == ArrowType::Int32 && **v == ArrowType::Utf8),
        Kind::Int => t.is_integer(),
        Kind::Bool => *t == ArrowType::Boolean,
        Kind::Float => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("column '{}' is read as {t}", k.source))
    }
}

/// The rows the audit uses (label and prediction present), when some are not.
fn used_rows(batch: &arrow_array::RecordBatch, label: usize, pred: usize) -> Option<Vec<bool>> {
    let (l, p) = (
        batch.column(label).logical_nulls(),
        batch.column(pred).logical_nulls(),
    );
    if l.is_none() && p.is_none() {
        return None;
    }
    Some(
        (0..batch.num_rows())
            .map(|r| {
                l.as_ref().is_none_or(|n| n.is_valid(r)) && p.as_ref().is_none_or(|n| n.is_valid(r))
            })
            .collect(),
    )
}

/// Counts the cells of one row group (and sums the numeric outcome).
fn count_row_group(
    path: &Path,
    meta: &ArrowReaderMetadata,
    mask: &ProjectionMask,
    rg: usize,
    layout: &Layout,
) -> Result<Parts, String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta.clone())
        .with_projection(mask.clone())
        .with_row_groups(vec![rg])
        .with_batch_size(BATCH)
        .build()
        .map_err(|e| e.to_string())?;
    let at = &layout.keys;
    let mut interners: Vec<Interner> = at.iter().map(|_| Interner::default()).collect();
    let mut out = Cells::default();
    let mut acc: Option<Acc> = None;
    let mut idx: Vec<u32> = vec![];
    // With a numeric outcome: each row's attribute cell (its index over the
    // attributes alone), for the sketch.
    let mut attr_idx: Vec<u32> = vec![];
    for batch in reader {
        let batch = batch.map_err(|e| e.to_string())?;
        idx.clear();
        idx.resize(batch.num_rows(), 0);
        let mut stride: u32 = 1;
        let mut maps: Vec<(u32, Vec<u32>)> = Vec::with_capacity(at.len());
        if layout.attrs == 0 {
            attr_idx.clear();
            attr_idx.resize(batch.num_rows(), 0);
        }
        for (j, &c) in at.iter().enumerate() {
            let ids = add_codes(batch.column(c), stride, &mut idx, &mut interners[j])?;
            let size = u32::try_from(ids.len())
                .ok()
                .and_then(|n| stride.checked_mul(n))
                .ok_or("too many cells to index")?;
            maps.push((stride, ids));
            stride = size;
            if j + 1 == layout.attrs && layout.value.is_some() {
                attr_idx.clone_from(&idx);
            }
        }
        let attr_size = maps.get(layout.attrs).map_or(stride, |(s, _)| *s);
        if stride > DENSE {
            if layout.value.is_some() {
                return Err("too many cells for a numeric outcome's sums".into());
            }
            if let Some(a) = acc.take() {
                a.flush(&mut out, layout.attrs);
            }
            for (cell, n) in count_indexes(&idx, stride) {
                out.cells.entry(decode(cell, &maps)).or_default().0 += n;
            }
        } else {
            // Batches of a row group mostly share their codes: their counts
            // add up by cell index until the codes change.
            if acc.as_ref().is_some_and(|a| a.maps != maps) {
                acc.take().expect("some").flush(&mut out, layout.attrs);
            }
            let value = layout.value.is_some();
            let a = acc.get_or_insert_with(|| Acc::new(maps, stride, attr_size, value));
            for &i in &idx {
                a.n[i as usize] += 1;
            }
            if let Some((v, t)) = layout.value {
                let x = values::floats(batch.column(v))?;
                let truth = t.map(|t| values::floats(batch.column(t))).transpose()?;
                let used = used_rows(&batch, at[layout.label], at[layout.pred]);
                values::batch(
                    &x,
                    truth.as_ref(),
                    &idx,
                    &attr_idx,
                    &mut a.sums,
                    used.as_deref(),
                    &mut a.sketch,
                );
            }
        }
        if out.cells.len() > MAX_CELLS {
            return Err(format!("more than {MAX_CELLS} cells"));
        }
    }
    if let Some(a) = acc.take() {
        a.flush(&mut out, layout.attrs);
    }
    let values = interners.into_iter().map(|i| i.values).collect();
    Ok((out.cells, out.sketch, values))
}

/// Adds `stride ×` each row's code in `a` to `idx`, and returns the
/// row-group id of every code (its length is the number of codes).
fn add_codes(
    a: &ArrayRef,
    stride: u32,
    idx: &mut [u32],
    int: &mut Interner,
) -> Result<Vec<u32>, String> {
    match a.data_type() {
        ArrowType::Dictionary(_, _) => dict_codes(a, stride, idx, int),
        ArrowType::Boolean => {
            fits(stride, 3)?;
            let b = a.as_boolean();
            let values = b.values();
            for (i, x) in idx.iter_mut().enumerate() {
                let c = if b.is_null(i) {
                    2
                } else {
                    values.value(i) as u32
                };
                *x += c * stride;
            }
            Ok(vec![
                int.id(Key::Bool(false)),
                int.id(Key::Bool(true)),
                int.id(Key::Null),
            ])
        }
        ArrowType::Int8 => int_codes(a.as_primitive::<Int8Type>(), stride, idx, int),
        ArrowType::Int16 => int_codes(a.as_primitive::<Int16Type>(), stride, idx, int),
        ArrowType::Int32 => int_codes(a.as_primitive::<Int32Type>(), stride, idx, int),
        ArrowType::Int64 => int_codes(a.as_primitive::<Int64Type>(), stride, idx, int),
        ArrowType::UInt8 => int_codes(a.as_primitive::<UInt8Type>(), stride, idx, int),
        ArrowType::UInt16 => int_codes(a.as_primitive::<UInt16Type>(), stride, idx, int),
        ArrowType::UInt32 => int_codes(a.as_primitive::<UInt32Type>(), stride, idx, int),
        ArrowType::UInt64 => int_codes(a.as_primitive::<UInt64Type>(), stride, idx, int),
        t => Err(format!("cannot code a column of type {t}")),
    }
}

/// A dictionary column: the code is the index, nulls the last code.
fn dict_codes(
    a: &ArrayRef,
    stride: u32,
    idx: &mut [u32],
    int: &mut Interner,
) -> Result<Vec<u32>, String> {
    let d = a
        .as_dictionary_opt::<Int32Type>()
        .ok_or("not a dictionary of 32-bit indices")?;
    let values = d.values();
    let strings = values
        .as_string_opt::<i32>()
        .ok_or("a dictionary of other values than text")?;
    let n = u32::try_from(strings.len()).map_err(|_| "a dictionary too large")?;
    fits(stride, n as usize + 1)?;
    let ids = match &int.last {
        Some((last, ids)) if Arc::ptr_eq(last, values) => ids.clone(),
        _ => {
            let mut ids: Vec<u32> = (0..strings.len())
                .map(|i| match strings.is_valid(i) {
                    true => int.id(Key::Text(strings.value(i).into())),
                    false => int.id(Key::Null),
                })
                .collect();
            ids.push(int.id(Key::Null));
            int.last = Some((values.clone(), ids.clone()));
            ids
        }
    };
    let keys = d.keys();
    let raw = keys.values();
    match keys.nulls().filter(|nb| nb.null_count() > 0) {
        None => {
            // One pass: add, and check the largest index afterwards (a bad
            // index leaves the file to polars before any count is used).
            let mut top = 0u32;
            for (x, &k) in idx.iter_mut().zip(raw.iter()) {
                top = top.max(k as u32);
                *x = x.wrapping_add((k as u32).wrapping_mul(stride));
            }
            if !raw.is_empty() && top >= n {
                return Err("a dictionary index out of range".into());
            }
        }
        Some(nb) => {
            for (i, (x, &k)) in idx.iter_mut().zip(raw.iter()).enumerate() {
                let c = if nb.is_valid(i) {
                    if k as u32 >= n {
                        return Err("a dictionary index out of range".into());
                    }
                    k as u32
                } else {
                    n
                };
                *x += c * stride;
            }
        }
    }
    Ok(ids)
}

/// Integers of every width as i64 (u64 bit for bit: a bijection, so codes
/// and keys stay distinct).
trait Wide: Copy {
    fn wide(self) -> i64;
}

macro_rules! wide {
    ($($t:ty),*) => {$(
        impl Wide for $t {
            #[inline]
            fn wide(self) -> i64 {
                self as i64
            }
        }
    )*};
}
wide!(i8, i16, i32, i64, u8, u16, u32, u64);

/// An integer column: the offset from the batch's smallest value when the
/// values span little, else the order of first appearance; nulls the last code.
fn int_codes<T>(
    a: &PrimitiveArray<T>,
    stride: u32,
    idx: &mut [u32],
    int: &mut Interner,
) -> Result<Vec<u32>, String>
where
    T: ArrowPrimitiveType,
    T::Native: Wide,
{
    let vals = a.values();
    let nulls = a.nulls().filter(|n| n.null_count() > 0);
    let (mut lo, mut hi) = (i64::MAX, i64::MIN);
    match nulls {
        None => {
            for &v in vals.iter() {
                lo = lo.min(v.wide());
                hi = hi.max(v.wide());
            }
        }
        Some(nb) => {
            for (i, &v) in vals.iter().enumerate() {
                if nb.is_valid(i) {
                    lo = lo.min(v.wide());
                    hi = hi.max(v.wide());
                }
            }
        }
    }
    if lo > hi {
        // Only nulls: one code, 0, which adds nothing to the index.
        return Ok(vec![int.id(Key::Null)]);
    }
    let span = (hi as i128 - lo as i128) as u64;
    if span < SPAN as u64 {
        fits(stride, span as usize + 2)?;
        let null = span as u32 + 1;
        match nulls {
            None => {
                for (x, &v) in idx.iter_mut().zip(vals.iter()) {
                    *x += (v.wide().wrapping_sub(lo) as u32) * stride;
                }
            }
            Some(nb) => {
                for (i, (x, &v)) in idx.iter_mut().zip(vals.iter()).enumerate() {
                    let c = if nb.is_valid(i) {
                        v.wide().wrapping_sub(lo) as u32
                    } else {
                        null
                    };
                    *x += c * stride;
                }
            }
        }
        let mut ids: Vec<u32> = (0..=span as i64)
            .map(|d| int.id(Key::Int(lo.wrapping_add(d))))
            .collect();
        ids.push(int.id(Key::Null));
        return Ok(ids);
    }
    let mut local: Map<i64, u32> = Map::default();
    let mut seen: Vec<i64> = vec![];
    let mut code = |w: i64| -> u32 {
        let next = seen.len() as u32;
        let c = *local.entry(w).or_insert(next);
        if c == next {
            seen.push(w);
        }
        c
    };
    let codes: Vec<u32> = match nulls {
        None => vals.iter().map(|v| code(v.wide())).collect(),
        Some(nb) => vals
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if nb.is_valid(i) {
                    code(v.wide())
                } else {
                    u32::MAX
                }
            })
            .collect(),
    };
    fits(stride, seen.len() + 1)?;
    let null = seen.len() as u32;
    for (x, &c) in idx.iter_mut().zip(&codes) {
        *x += if c == u32::MAX { null } else { c } * stride;
    }
    let mut ids: Vec<u32> = seen.iter().map(|&v| int.id(Key::Int(v))).collect();
    ids.push(int.id(Key::Null));
    Ok(ids)
}
