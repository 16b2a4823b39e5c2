//! Label and prediction values to positive or negative, on the distinct
//! values of the small group-by result: a non-binary column is named with its
//! values and row counts, never guessed.

use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;

use crate::{Error, Result};

/// Maps the distinct values of a label or prediction column to positive or
/// negative; `None` values were missing.
pub struct Binarizer {
    map: BTreeMap<String, bool>,
}

const POSITIVE_WORDS: [&str; 4] = ["1", "1.0", "true", "True"];
const NEGATIVE_WORDS: [&str; 4] = ["0", "0.0", "false", "False"];

pub(crate) fn canonical(v: &str) -> Option<bool> {
    if POSITIVE_WORDS.contains(&v) || v.eq_ignore_ascii_case("true") {
        Some(true)
    } else if NEGATIVE_WORDS.contains(&v) || v.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

pub(crate) fn list_values(values: &BTreeMap<String, u64>, limit: usize) -> String {
    let mut v: Vec<(&String, &u64)> = values.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut parts: Vec<String> = v
        .iter()
        .take(limit)
        .map(|(k, n)| format!("'{k}' ({n} row{})", if **n == 1 { "" } else { "s" }))
        .collect();
    if v.len() > limit {
        parts.push(format!("and {} more", v.len() - limit));
    }
    parts.join(", ")
}

impl Binarizer {
    /// `values`: distinct non-missing values with their row counts.
    pub fn new(
        path: &Path,
        column: &str,
        role: &str,
        values: &BTreeMap<String, u64>,
        positive: Option<&str>,
    ) -> Result<Self> {
        let all_canonical = values.keys().all(|v| canonical(v).is_some());
        let mut map = BTreeMap::new();
        match positive {
            // One-vs-rest on the named value, unless the column is plain 0/1 and
            // the named value is a word (e.g. labels "approved", predictions 0/1).
            Some(pos) if !(all_canonical && canonical(pos).is_none()) => {
                if !values.contains_key(pos) && !values.is_empty() {
                    return Err(Error::BadValues {
                        path: path.to_path_buf(),
                        column: column.to_string(),
                        problem: format!(
                            "the positive value '{pos}' (--positive) never occurs in the {role} column; its values are {}",
                            list_values(values, 8)
                        ),
                    });
                }
                for v in values.keys() {
                    map.insert(v.clone(), v == pos);
                }
            }
            _ => {
                let bad: BTreeMap<String, u64> = values
                    .iter()
                    .filter(|(v, _)| canonical(v).is_none())
                    .map(|(k, n)| (k.clone(), *n))
                    .collect();
                if !bad.is_empty() {
                    let rows: u64 = bad.values().sum();
                    return Err(Error::BadValues {
                        path: path.to_path_buf(),
                        column: column.to_string(),
                        problem: format!(
                            "the {role} must be binary (0/1 or true/false), but {rows} row{} hold other values: {}. \
                             to binarize, name the positive value with --positive VALUE (every other value then counts as negative); \
                             a decision with more than two outcomes takes --outcomes L1,L2,..., a numeric outcome --value COL",
                            if rows == 1 { "" } else { "s" },
                            list_values(&bad, 6)
                        ),
                    });
                }
                for v in values.keys() {
                    map.insert(v.clone(), canonical(v).unwrap_or(false));
                }
            }
        }
        Ok(Binarizer { map })
    }

    /// Positive, negative, or `None` for a missing or unknown value.
    /// A binarizer from a given value → positive map.
    pub fn from_map(map: BTreeMap<String, bool>) -> Self {
        Binarizer { map }
    }

    /// The value's class; `None` for missing or unknown values.
    pub fn get(&self, v: Option<&str>) -> Option<bool> {
        v.and_then(|v| self.map.get(v).copied())
    }

    /// The class of another column's value for the same decision (the
    /// final decision beside the prediction): its own value, or — when the
    /// prediction is plain 0/1 or true/false — the same value written
    /// otherwise ("1.0" in a column of floats, `true` beside 1).
    pub fn get_equivalent(&self, v: Option<&str>) -> Option<bool> {
        let v = v?;
        self.map.get(v).copied().or_else(|| {
            let c = canonical(v)?;
            self.map
                .iter()
                .find(|(k, _)| canonical(k) == Some(c))
                .map(|(_, &class)| class)
        })
    }
}

/// The distinct non-missing values with their row counts.
pub fn distinct(values: &StringChunked, n: &UInt64Chunked) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for (v, k) in values.iter().zip(n.iter()) {
        if let Some(v) = v {
            *m.entry(v.to_string()).or_insert(0) += k.unwrap_or(0);
        }
    }
    m
}
