//! The sufficient statistics of a data examination: for every examined
//! column, rows per (protected-attribute key × the column's level), where a
//! level is a text value, a fine sketch bucket of a number, or one of
//! missing / empty / invalid; plus the row count, a digest of the schema and
//! the number of duplicate rows. Additive: files merge by adding.

use std::collections::BTreeMap;

/// The relative width of a numeric bucket: values are grouped in buckets
/// whose edges are successive powers of this ratio (±0.01% around a value).
pub const FINE_GAMMA: f64 = 1.0002;
/// Keeps the indices of values down to 10⁻⁹ positive.
const FINE_OFFSET: i32 = 110_000;
/// Values closer to 0 share bucket 0.
const ZERO: f64 = 1e-9;

/// The fine bucket of a finite value: sign(x)·(⌈ln|x| / ln γ⌉ + offset).
pub fn fine_bucket(x: f64) -> i32 {
    if x.abs() < ZERO {
        return 0;
    }
    let i = (x.abs().ln() / FINE_GAMMA.ln()).ceil() as i32 + FINE_OFFSET;
    if x < 0.0 {
        -i
    } else {
        i
    }
}

/// The upper edge of a bucket: every value in it is ≤ this (and above the
/// previous bucket's edge).
pub fn fine_upper(b: i32) -> f64 {
    match b.cmp(&0) {
        std::cmp::Ordering::Equal => ZERO,
        std::cmp::Ordering::Greater => FINE_GAMMA.powi(b - FINE_OFFSET),
        // Negative: values in (−γ^i, −γ^(i−1)]; the edge nearer zero.
        std::cmp::Ordering::Less => -FINE_GAMMA.powi(-b - FINE_OFFSET - 1),
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
    /// Rows per attribute key (one value per protected attribute) and level.
    pub cells: BTreeMap<(Vec<String>, Level), LevelCount>,
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
            for (k, c) in theirs.cells {
                let e = mine.cells.entry(k).or_default();
                e.n += c.n;
                e.out_of_range += c.out_of_range;
            }
        }
        self.files.extend(o.files);
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
            1e-6, 0.53, 1.0, 11.751, 50_000.0, 120_538.0, -3.5, -1.0, 1e12,
        ] {
            let b = fine_bucket(x);
            assert!(x <= fine_upper(b) * (1.0 + 1e-12), "{x} ≤ upper of {b}");
            assert!(x > fine_upper(b - 1) * (1.0 + 1e-12) || b <= 0, "{x}");
            assert!((fine_upper(b) - x).abs() <= x.abs() * (FINE_GAMMA - 1.0) + 1e-9);
        }
        assert!(fine_bucket(2.0) > fine_bucket(1.9999));
        assert!(fine_bucket(-2.0) < fine_bucket(-1.0));
    }
}
