//! A numeric outcome on the coded path: per cell the sums the general path's
//! query computes (`scan::value_measures`, unweighted), and per attribute
//! cell its sketch (`scan::sketch_plan`: the rows the audit uses, label and
//! prediction present, with a finite value), in the same batch pass.

use std::borrow::Cow;
use std::collections::HashMap;

use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef};
use arrow_buffer::NullBuffer;
use arrow_schema::DataType as ArrowType;

use crate::counts::sketch::bucket;

/// Per cell: the numeric outcome's sums (every weight is 1).
#[derive(Clone, Copy, Debug, Default)]
pub struct Sums {
    /// Rows with a finite value.
    pub vn: u64,
    /// Rows whose value is NaN or infinite.
    pub vbad: u64,
    /// Σx.
    pub vs: f64,
    /// Σx².
    pub vs2: f64,
    /// Rows with a finite error e = x − truth.
    pub en: u64,
    /// Σ|e|.
    pub ea: f64,
    /// Σe.
    pub es: f64,
    /// Σe².
    pub es2: f64,
}

impl Sums {
    pub fn add(&mut self, o: &Sums) {
        self.vn += o.vn;
        self.vbad += o.vbad;
        self.vs += o.vs;
        self.vs2 += o.vs2;
        self.en += o.en;
        self.ea += o.ea;
        self.es += o.es;
        self.es2 += o.es2;
    }
}

/// A numeric column as f64 (borrowed when it is f64 already) and its nulls.
pub fn floats(a: &ArrayRef) -> Result<(Cow<'_, [f64]>, Option<NullBuffer>), String> {
    macro_rules! conv {
        ($t:ty) => {
            Cow::Owned(
                a.as_primitive::<$t>()
                    .values()
                    .iter()
                    .map(|&v| v as f64)
                    .collect(),
            )
        };
    }
    let nulls = a.logical_nulls().filter(|n| n.null_count() > 0);
    let values = match a.data_type() {
        ArrowType::Float64 => Cow::Borrowed(&a.as_primitive::<Float64Type>().values()[..]),
        ArrowType::Float32 => conv!(Float32Type),
        ArrowType::Int8 => conv!(Int8Type),
        ArrowType::Int16 => conv!(Int16Type),
        ArrowType::Int32 => conv!(Int32Type),
        ArrowType::Int64 => conv!(Int64Type),
        ArrowType::UInt8 => conv!(UInt8Type),
        ArrowType::UInt16 => conv!(UInt16Type),
        ArrowType::UInt32 => conv!(UInt32Type),
        ArrowType::UInt64 => conv!(UInt64Type),
        t => return Err(format!("a numeric outcome read as {t}")),
    };
    Ok((values, nulls))
}

/// A numeric column of a batch: values, and which are null.
pub type Floats<'a> = (Cow<'a, [f64]>, Option<NullBuffer>);

/// Whether a numeric column can be summed here.
pub fn summable(t: &ArrowType) -> bool {
    t.is_floating() && *t != ArrowType::Float16 || t.is_integer()
}

/// The sketch of a row group: rows by (attribute cell, bucket).
pub type Sketch = HashMap<(u32, i32), u64, foldhash::fast::RandomState>;

/// Adds one batch to the sums by cell index, and to the sketch: rows by
/// (attribute cell = index mod `attr_size`, bucket) over the rows that are
/// `used` (all when None).
pub fn batch(
    x: &Floats,
    truth: Option<&Floats>,
    idx: &[u32],
    sums: &mut [Sums],
    attr_size: u32,
    used: Option<&[bool]>,
    sketch: &mut Sketch,
) {
    add_sums(x, truth, idx, sums);
    add_sketch(x, idx, attr_size, used, sketch);
}

/// Adds the batch's rows to the sums of their cells.
fn add_sums(x: &Floats, truth: Option<&Floats>, idx: &[u32], sums: &mut [Sums]) {
    let (xs, xnull) = (&x.0, &x.1);
    let valid = |r: usize| xnull.as_ref().is_none_or(|n| n.is_valid(r));
    match xnull {
        None => {
            for (&i, &v) in idx.iter().zip(xs.iter()) {
                let s = &mut sums[i as usize];
                if v.is_finite() {
                    s.vn += 1;
                    s.vs += v;
                    s.vs2 += v * v;
                } else {
                    s.vbad += 1;
                }
            }
        }
        Some(n) => {
            for (r, (&i, &v)) in idx.iter().zip(xs.iter()).enumerate() {
                if n.is_null(r) {
                    continue;
                }
                let s = &mut sums[i as usize];
                if v.is_finite() {
                    s.vn += 1;
                    s.vs += v;
                    s.vs2 += v * v;
                } else {
                    s.vbad += 1;
                }
            }
        }
    }
    if let Some((ts, tnull)) = truth {
        for (r, ((&i, &v), &t)) in idx.iter().zip(xs.iter()).zip(ts.iter()).enumerate() {
            if !valid(r) || tnull.as_ref().is_some_and(|n| n.is_null(r)) {
                continue;
            }
            let e = v - t;
            if e.is_finite() {
                let s = &mut sums[i as usize];
                s.en += 1;
                s.ea += e.abs();
                s.es += e;
                s.es2 += e * e;
            }
        }
    }
}

/// Adds the batch's used rows with a finite value to the sketch.
fn add_sketch(x: &Floats, idx: &[u32], attr_size: u32, used: Option<&[bool]>, sketch: &mut Sketch) {
    let (xs, xnull) = (&x.0, &x.1);
    let valid = |r: usize| xnull.as_ref().is_none_or(|n| n.is_valid(r));
    // Buckets of the rows in the sketch (i32::MIN: not in it).
    let buckets: Vec<i32> = xs
        .iter()
        .enumerate()
        .map(|(r, &v)| {
            if v.is_finite() && valid(r) && used.is_none_or(|u| u[r]) {
                bucket(v)
            } else {
                i32::MIN
            }
        })
        .collect();
    let (lo, hi) = buckets
        .iter()
        .filter(|&&b| b != i32::MIN)
        .fold((i32::MAX, i32::MIN), |(lo, hi), &b| (lo.min(b), hi.max(b)));
    if lo > hi {
        return;
    }
    let width = (hi as i64 - lo as i64 + 1) as u64;
    if width * attr_size as u64 <= 1 << 20 {
        // Dense: attribute cell × bucket offset.
        let mut dense = vec![0u32; (width * attr_size as u64) as usize];
        for (&i, &b) in idx.iter().zip(&buckets) {
            if b != i32::MIN {
                dense[((i % attr_size) as u64 * width + (b - lo) as u64) as usize] += 1;
            }
        }
        for (k, &n) in dense.iter().enumerate().filter(|(_, &n)| n > 0) {
            let (cell, off) = (k as u64 / width, k as u64 % width);
            *sketch.entry((cell as u32, lo + off as i32)).or_default() += n as u64;
        }
    } else {
        for (&i, &b) in idx.iter().zip(&buckets) {
            if b != i32::MIN {
                *sketch.entry((i % attr_size, b)).or_default() += 1;
            }
        }
    }
}
