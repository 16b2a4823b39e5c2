//! The sufficient statistics of a data examination: for every examined
//! column, rows per (protected-attribute key × the column's level), where a
//! level is a text value, a fine sketch bucket of a number, or one of
//! missing / empty / invalid; plus the row count, a digest of the schema and
//! the number of duplicate rows. Additive: files merge by adding.

use std::collections::BTreeMap;

/// Mantissa bits a numeric bucket keeps: values share a bucket when their
/// sign, exponent and leading 12 mantissa bits agree, so a bucket spans at
/// most 2⁻¹² ≈ 0.024% of its values (a log-linear sketch, as HDR histograms;
/// one shift per value, no logarithm).
pub const FINE_BITS: u32 = 12;
const SHIFT: u32 = 52 - FINE_BITS;

/// The fine bucket of a finite value: ordered as the values.
pub fn fine_bucket(x: f64) -> i32 {
    if x == 0.0 {
        return 0;
    }
    // 11 exponent + 12 mantissa bits: at most 2²³, fits an i32.
    let k = ((x.abs().to_bits() >> SHIFT) as i32) + 1;
    if x < 0.0 {
        -k
    } else {
        k
    }
}

/// The largest value of a bucket: every value in it is ≤ this, every value
/// of the next bucket above it.
pub fn fine_upper(b: i32) -> f64 {
    match b.cmp(&0) {
        std::cmp::Ordering::Equal => 0.0,
        std::cmp::Ordering::Greater => f64::from_bits((((b as u64) - 1 + 1) << SHIFT) - 1),
        // Negative: the value of smallest magnitude in it.
        std::cmp::Ordering::Less => -f64::from_bits(((-b) as u64 - 1) << SHIFT),
    }
}

/// The value in the middle of a bucket (for names of levels).
pub fn fine_mid(b: i32) -> f64 {
    match b.cmp(&0) {
        std::cmp::Ordering::Equal => 0.0,
        _ => {
            let lo = f64::from_bits(((b.unsigned_abs() as u64) - 1) << SHIFT);
            let hi = f64::from_bits((b.unsigned_abs() as u64) << SHIFT);
            let m = lo / 2.0 + hi / 2.0;
            if b < 0 {
                -m
            } else {
                m
            }
        }
    }
}

/// What a cell of a column holds.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Null (or a missing-value literal, or NaN).
    Missing,
    /// The empty string.
    Empty,
    /// Text in a numeric column that is not a finite number.
    Invalid,
    /// A fine bucket of a numeric value.
    Bucket(i32),
    /// A text (or boolean) value.
    Text(String),
    /// Text values beyond the first `max_levels` distinct ones of a column
    /// (an identifier or free text): counted, not told apart.
    Overflow,
}

/// Rows of one (key, level) cell, and of those outside the column's range.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LevelCount {
    /// Rows.
    pub n: u64,
    /// Rows outside the valid range (numeric columns with a range).
    pub out_of_range: u64,
}

/// One examined column.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnCounts {
    /// The column.
    pub name: String,
    /// Its type as read ("i64", "f64", "str", ...).
    pub dtype: String,
    /// Whether its values are numbers (banded by quantiles in screening).
    pub numeric: bool,
    /// The attribute keys (one value per protected attribute) the cells
    /// index, shared by the columns of a file.
    pub keys: std::sync::Arc<Vec<Vec<String>>>,
    /// Rows per attribute key (an index into `keys`) and level.
    pub cells: BTreeMap<(u32, Level), LevelCount>,
    /// The text of a numeric bucket's values when they are all one text
    /// (CSV), else `None`.
    pub labels: BTreeMap<i32, Option<String>>,
}

/// Adds a bucket's text to the labels: kept only while every part agrees.
pub fn merge_label(labels: &mut BTreeMap<i32, Option<String>>, b: i32, t: Option<String>) {
    match labels.get(&b) {
        None => {
            labels.insert(b, t);
        }
        Some(old) if *old != t => {
            labels.insert(b, None);
        }
        Some(_) => {}
    }
}

/// The whole examination's counts.
#[derive(Clone, Debug, PartialEq)]
pub struct DataCounts {
    /// The protected attributes, in key order.
    pub attributes: Vec<String>,
    /// Rows read.
    pub rows: u64,
    /// Rows equal to an earlier row in every column (per file; 64-bit row
    /// hashes, so a collision is possible but rare: about n²/2⁶⁵).
    pub duplicate_rows: u64,
    /// Every column of the data with its type (the schema), in file order.
    pub schema: Vec<(String, String)>,
    /// Rows per attribute key.
    pub groups: BTreeMap<Vec<String>, u64>,
    /// The examined columns.
    pub columns: Vec<ColumnCounts>,
    /// The files read.
    pub files: Vec<std::path::PathBuf>,
    /// How each file was read (for `--verbose`; equal for any two).
    pub reads: crate::counts::Reads,
}

impl DataCounts {
    /// Adds another file's counts (same attributes); a schema that differs is
    /// an error naming both.
    pub fn merge(&mut self, o: DataCounts) -> crate::Result<()> {
        if o.schema != self.schema {
            return Err(crate::Error::usage(format!(
                "the files do not share one schema: {} has {}, {} has {}",
                self.files
                    .first()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                describe(&self.schema),
                o.files
                    .first()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
                describe(&o.schema),
            )));
        }
        self.rows += o.rows;
        self.duplicate_rows += o.duplicate_rows;
        for (k, n) in o.groups {
            *self.groups.entry(k).or_default() += n;
        }
        for (mine, theirs) in self.columns.iter_mut().zip(o.columns) {
            mine.numeric |= theirs.numeric;
            for (b, t) in theirs.labels {
                merge_label(&mut mine.labels, b, t);
            }
            // Their key ids in our key table.
            let mut table: Vec<Vec<String>> = (*mine.keys).clone();
            let mut index: std::collections::HashMap<Vec<String>, u32> = table
                .iter()
                .enumerate()
                .map(|(i, k)| (k.clone(), i as u32))
                .collect();
            let ids: Vec<u32> = theirs
                .keys
                .iter()
                .map(|k| {
                    *index.entry(k.clone()).or_insert_with(|| {
                        table.push(k.clone());
                        (table.len() - 1) as u32
                    })
                })
                .collect();
            mine.keys = std::sync::Arc::new(table);
            for ((k, l), c) in theirs.cells {
                let e = mine.cells.entry((ids[k as usize], l)).or_default();
                e.n += c.n;
                e.out_of_range += c.out_of_range;
            }
        }
        self.files.extend(o.files);
        self.reads.0.extend(o.reads.0);
        Ok(())
    }
}

fn describe(schema: &[(String, String)]) -> String {
    schema
        .iter()
        .map(|(c, t)| format!("{c}: {t}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_hold_their_values_below_the_upper_edge() {
        for x in [
            1e-6, 0.53, 1.0, 11.751, 50_000.0, 120_538.0, -3.5, -1.0, 1e12, 5e-324,
        ] {
            let b = fine_bucket(x);
            assert!(x <= fine_upper(b), "{x} ≤ upper of {b}");
            assert!(x > fine_upper(b - 1), "{x} above the bucket below");
            // The relative width holds for normal numbers (not subnormals).
            if x.is_normal() {
                assert!((fine_upper(b) - x).abs() <= x.abs() * 2f64.powi(-12), "{x}");
                assert!((fine_mid(b) - x).abs() <= x.abs() * 2f64.powi(-12), "{x}");
            }
        }
        assert!(fine_bucket(2.0) > fine_bucket(1.9999));
        assert!(fine_bucket(-2.0) < fine_bucket(-1.0));
        assert!(fine_bucket(-1e-300) < fine_bucket(0.0) && fine_bucket(0.0) < fine_bucket(1e-300));
        assert_eq!(fine_bucket(-0.0), 0);
    }
}
