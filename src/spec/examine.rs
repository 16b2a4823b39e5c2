//! What a data examination (`fairaudit data`) looks at and the bounds that
//! turn its measures into findings. Defaults and their reasons are in
//! docs/data-examination.md.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Expected shares of each attribute's groups in a reference population
/// (census, the applicant pool): attribute → group → share (summing to 1).
pub type Population = BTreeMap<String, BTreeMap<String, f64>>;

/// A valid range of a numeric column; values outside are counted per group.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Range {
    /// The column.
    pub column: String,
    /// Smallest valid value (inclusive), if any.
    pub min: Option<f64>,
    /// Largest valid value (inclusive), if any.
    pub max: Option<f64>,
}

impl Range {
    /// Parses `COL=LO..HI` (either end may be empty).
    pub fn parse(s: &str) -> crate::Result<Range> {
        let bad = || {
            crate::Error::usage(format!(
                "--range '{s}': expected COL=LO..HI (either bound may be left out, e.g. dti=0..1, age=18..)"
            ))
        };
        let (col, r) = s.split_once('=').ok_or_else(bad)?;
        let (lo, hi) = r.split_once("..").ok_or_else(bad)?;
        let num = |t: &str| -> crate::Result<Option<f64>> {
            let t = t.trim();
            if t.is_empty() {
                return Ok(None);
            }
            t.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or_else(bad)
        };
        let (min, max) = (num(lo)?, num(hi)?);
        if col.trim().is_empty() || (min.is_none() && max.is_none()) {
            return Err(bad());
        }
        if let (Some(a), Some(b)) = (min, max) {
            if a > b {
                return Err(crate::Error::usage(format!(
                    "--range '{s}': the lower bound {a} is above the upper bound {b}"
                )));
            }
        }
        Ok(Range {
            column: col.trim().to_string(),
            min,
            max,
        })
    }

    /// Whether `x` lies outside the range.
    pub fn outside(&self, x: f64) -> bool {
        self.min.is_some_and(|m| x < m) || self.max.is_some_and(|m| x > m)
    }
}

/// The data examination's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ExamineSpec {
    /// Columns to examine (missingness) and screen as proxies; empty: every
    /// column that is not a protected attribute.
    pub columns: Vec<String>,
    /// Numeric-looking columns that are codes (postcodes, branch numbers):
    /// read and screened as text.
    pub text_columns: Vec<String>,
    /// A numeric column with at most this many distinct values is screened
    /// as categorical (each value a level) rather than in quantile bands.
    pub categorical_max: usize,
    /// Name of the data set in the history (default: the model id).
    pub dataset: Option<String>,
    /// Expected shares per attribute (`--population FILE`).
    #[serde(skip)]
    pub population: Option<(PathBuf, Population)>,
    /// The population file named in a spec.
    pub population_file: Option<PathBuf>,
    /// Valid ranges of numeric columns.
    pub ranges: Vec<Range>,
    /// Quantile bands of a numeric column in proxy screening.
    pub bands: usize,
    /// Bias-corrected Cramér's V at or above which a column is a proxy (warn).
    pub proxy_threshold: f64,
    /// Distinct values above which a text column is not screened (an identifier).
    pub max_levels: usize,
    /// Gap in missing (or out-of-range) share between groups: warn at or above.
    pub missing_gap_warn: f64,
    /// The same gap: fail at or above.
    pub missing_gap_fail: f64,
    /// Observed/expected share below which an under-represented group warns.
    pub representation_warn: f64,
    /// The same ratio: fail below.
    pub representation_fail: f64,
    /// Impact ratio of the label's favourable base rate: warn below.
    pub label_ratio_warn: f64,
    /// Population stability index: warn at or above.
    pub psi_warn: f64,
    /// The same: fail at or above.
    pub psi_fail: f64,
}

impl Default for ExamineSpec {
    fn default() -> Self {
        ExamineSpec {
            columns: vec![],
            text_columns: vec![],
            categorical_max: 30,
            dataset: None,
            population: None,
            population_file: None,
            ranges: vec![],
            bands: 10,
            proxy_threshold: 0.3,
            max_levels: 5000,
            missing_gap_warn: 0.05,
            missing_gap_fail: 0.10,
            representation_warn: 0.9,
            representation_fail: 0.8,
            label_ratio_warn: 0.8,
            psi_warn: 0.1,
            psi_fail: 0.25,
        }
    }
}

impl ExamineSpec {
    /// Refuses bounds that cannot work.
    pub fn validate(&self) -> crate::Result<()> {
        let bad = |m: String| Err(crate::Error::usage(m));
        if self.bands < 2 {
            return bad(format!(
                "bands = {}: at least 2 bands are needed",
                self.bands
            ));
        }
        if !(0.0..=1.0).contains(&self.proxy_threshold) {
            return bad(format!(
                "proxy threshold {} is not a Cramér's V between 0 and 1",
                self.proxy_threshold
            ));
        }
        if self.missing_gap_warn > self.missing_gap_fail {
            return bad("missing_gap_warn is above missing_gap_fail".into());
        }
        if self.representation_fail > self.representation_warn {
            return bad("representation_fail is above representation_warn".into());
        }
        if self.psi_warn > self.psi_fail {
            return bad("psi_warn is above psi_fail".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse() {
        let r = Range::parse("dti=0..1").unwrap();
        assert_eq!((r.min, r.max), (Some(0.0), Some(1.0)));
        assert!(r.outside(1.5) && !r.outside(1.0));
        assert_eq!(Range::parse("age=18..").unwrap().max, None);
        for bad in ["dti", "dti=1", "=0..1", "dti=..", "dti=2..1", "x=a..b"] {
            assert!(Range::parse(bad).is_err(), "{bad}");
        }
    }
}
