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

use crate::counts::sketch::Buckets;

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
    /// Adds one row's value (NaN or infinite: counted apart).
    #[inline]
    fn add_value(&mut self, v: f64) {
        if v.is_finite() {
            self.vn += 1;
            self.vs += v;
            self.vs2 += v * v;
        } else {
            self.vbad += 1;
        }
    }

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

/// A row group's sketch: rows by (attribute cell, bucket), in a dense
/// array over the range of buckets seen so far (a numeric outcome's values
/// mostly span a few hundred buckets), and in a map when that range times
/// the attribute cells would exceed [`Sketch::DENSE`].
#[derive(Default)]
pub struct Sketch {
    /// Attribute cells (the dense array's rows).
    cells: u32,
    /// The first bucket of the dense range and its width.
    lo: i32,
    width: u32,
    dense: Vec<u64>,
    sparse: HashMap<(u32, i32), u64, foldhash::fast::RandomState>,
}

impl Sketch {
    /// The most entries of the dense array (8 MB).
    const DENSE: u64 = 1 << 20;

    pub fn new(cells: u32) -> Self {
        Sketch {
            cells,
            ..Default::default()
        }
    }

    #[inline]
    fn add(&mut self, cell: u32, b: i32) {
        let off = b.wrapping_sub(self.lo) as u32;
        if off < self.width {
            self.dense[cell as usize * self.width as usize + off as usize] += 1;
        } else {
            self.widen(cell, b);
        }
    }

    /// A bucket outside the dense range: widen it (with room for more), or
    /// count in the map when the range would be too wide.
    #[cold]
    fn widen(&mut self, cell: u32, b: i32) {
        // Room for more on the side it grows: at least 32 buckets, and half
        // the width so far (a range found bucket by bucket is copied a few
        // times, not once per bucket).
        let range = |room: i64| match self.width {
            0 => (b as i64 - room, b as i64 + room),
            w => {
                let (lo, hi) = (self.lo as i64, self.lo as i64 + w as i64 - 1);
                (lo.min(b as i64 - room), hi.max(b as i64 + room))
            }
        };
        let fits = |(lo, hi): (i64, i64)| (hi - lo + 1) as u64 * self.cells as u64 <= Self::DENSE;
        let (lo, hi) = match [range(32.max(self.width as i64 / 2)), range(0)]
            .into_iter()
            .find(|&r| fits(r))
        {
            Some(r) => r,
            None => {
                *self.sparse.entry((cell, b)).or_default() += 1;
                return;
            }
        };
        let width = (hi - lo + 1) as u64;
        let mut dense = vec![0u64; (width * self.cells as u64) as usize];
        let shift = (self.lo as i64 - lo) as usize;
        for c in (0..self.cells as usize).filter(|_| self.width > 0) {
            let old = &self.dense[c * self.width as usize..][..self.width as usize];
            dense[c * width as usize + shift..][..old.len()].copy_from_slice(old);
        }
        (self.lo, self.width, self.dense) = (lo as i32, width as u32, dense);
        self.add(cell, b);
    }

    /// Rows by (attribute cell, bucket).
    pub fn entries(&self) -> impl Iterator<Item = ((u32, i32), u64)> + '_ {
        let w = self.width.max(1) as usize;
        let dense = self
            .dense
            .iter()
            .enumerate()
            .filter(|(_, &n)| n > 0)
            .map(move |(k, &n)| (((k / w) as u32, self.lo + (k % w) as i32), n));
        dense.chain(self.sparse.iter().map(|(&k, &n)| (k, n)))
    }
}

/// Adds one batch to the sums by cell index, and to the sketch by
/// attribute cell (`cells`) over the rows that are `used` (all when None).
pub fn batch(
    x: &Floats,
    truth: Option<&Floats>,
    idx: &[u32],
    cells: &[u32],
    sums: &mut [Sums],
    used: Option<&[bool]>,
    sketch: &mut Sketch,
) {
    add_sums(x, truth, idx, sums);
    add_sketch(x, cells, used, sketch);
}

/// Adds the batch's rows to the sums of their cells.
fn add_sums(x: &Floats, truth: Option<&Floats>, idx: &[u32], sums: &mut [Sums]) {
    let (xs, xnull) = (&x.0, &x.1);
    let valid = |r: usize| xnull.as_ref().is_none_or(|n| n.is_valid(r));
    // Without nulls, no per-row test of the null buffer.
    match xnull {
        None => {
            for (&i, &v) in idx.iter().zip(xs.iter()) {
                sums[i as usize].add_value(v);
            }
        }
        Some(n) => {
            for (r, (&i, &v)) in idx.iter().zip(xs.iter()).enumerate() {
                if n.is_valid(r) {
                    sums[i as usize].add_value(v);
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
fn add_sketch(x: &Floats, cells: &[u32], used: Option<&[bool]>, sketch: &mut Sketch) {
    let t = Buckets::get();
    let (xs, xnull) = (&x.0, &x.1);
    match (xnull, used) {
        (None, None) => {
            for (&c, &v) in cells.iter().zip(xs.iter()) {
                if v.is_finite() {
                    sketch.add(c, t.bucket(v));
                }
            }
        }
        _ => {
            for (r, (&c, &v)) in cells.iter().zip(xs.iter()).enumerate() {
                let valid = xnull.as_ref().is_none_or(|n| n.is_valid(r));
                if v.is_finite() && valid && used.is_none_or(|u| u[r]) {
                    sketch.add(c, t.bucket(v));
                }
            }
        }
    }
}
