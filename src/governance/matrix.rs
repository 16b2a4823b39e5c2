//! A risk matrix as GRC tools define it: ordered probability and impact
//! levels with names. CISO Assistant imports and exports likelihood and impact
//! as these names ("4 - very likely"), never as numbers, so the register's 1–5
//! scale goes through a matrix both ways.
//!
//! The default is CISO Assistant's 5×5 ISO 27005 matrix. Another matrix comes
//! from `GET /api/risk-matrices/{id}/` (its `json_definition`) or from its
//! library YAML. On a matrix with other than five levels, the 1–5 scale maps
//! linearly onto the levels (rounded), and back.

use std::path::Path;

use serde_json::Value;

use crate::{Error, Result};

/// Probability and impact level names, lowest first.
#[derive(Clone, Debug, PartialEq)]
pub struct RiskMatrix {
    /// The matrix's name.
    pub name: String,
    /// Probability (likelihood) level names.
    pub probability: Vec<String>,
    /// Impact level names.
    pub impact: Vec<String>,
}

/// Which scale of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    /// Likelihood.
    Probability,
    /// Impact.
    Impact,
}

impl Default for RiskMatrix {
    fn default() -> Self {
        Self::iso27005()
    }
}

impl RiskMatrix {
    /// CISO Assistant's default 5×5 ISO 27005 matrix
    /// (`risk-matrix-5x5-iso-27005.yaml`).
    pub fn iso27005() -> Self {
        let s = |v: [&str; 5]| v.iter().map(|x| x.to_string()).collect();
        RiskMatrix {
            name: "5x5 ISO 27005".into(),
            probability: s([
                "1 - unlikely",
                "2 - rather unlikely",
                "3 - likely",
                "4 - very likely",
                "5 - almost certain",
            ]),
            impact: s([
                "1 - minor",
                "2 - significant",
                "3 - serious",
                "4 - critical",
                "5 - catastrophic",
            ]),
        }
    }

    /// Reads a matrix: CISO Assistant's API object (with `json_definition`, an
    /// object or a JSON string), the definition itself, or a library YAML with
    /// `objects.risk_matrix`.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::usage(format!("cannot read risk matrix '{}': {e}", path.display()))
        })?;
        let bad = |why: String| Error::usage(format!("risk matrix '{}': {why}", path.display()));
        let v: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(_) => serde_yaml_ng::from_str(&text)
                .map_err(|e| bad(format!("neither JSON nor YAML: {e}")))?,
        };
        let mut def = v.clone();
        if let Some(d) = v.get("json_definition") {
            def = match d {
                Value::String(s) => serde_json::from_str(s)
                    .map_err(|e| bad(format!("json_definition is not JSON: {e}")))?,
                other => other.clone(),
            };
        } else if let Some(m) = v.pointer("/objects/risk_matrix") {
            def = match m {
                Value::Array(a) => a.first().cloned().unwrap_or_default(),
                other => other.clone(),
            };
        }
        let names = |axis: &str| -> Result<Vec<String>> {
            let list = def[axis]
                .as_array()
                .ok_or_else(|| bad(format!("no '{axis}' list of levels")))?;
            let out: Vec<String> = list
                .iter()
                .filter_map(|e| e["name"].as_str().map(|s| s.trim().to_string()))
                .collect();
            if out.len() != list.len() || out.is_empty() {
                return Err(bad(format!("every '{axis}' level needs a name")));
            }
            Ok(out)
        };
        Ok(RiskMatrix {
            name: def["name"]
                .as_str()
                .or(v["name"].as_str())
                .unwrap_or("risk matrix")
                .to_string(),
            probability: names("probability")?,
            impact: names("impact")?,
        })
    }

    fn levels(&self, axis: Axis) -> &[String] {
        match axis {
            Axis::Probability => &self.probability,
            Axis::Impact => &self.impact,
        }
    }

    /// The level name for a 1–5 value.
    pub fn label(&self, axis: Axis, n: u8) -> &str {
        let levels = self.levels(axis);
        let k = levels.len();
        let n = f64::from(n.clamp(1, 5));
        let i = if k == 1 {
            0
        } else {
            ((n - 1.0) * (k as f64 - 1.0) / 4.0).round() as usize
        };
        &levels[i.min(k - 1)]
    }

    /// The 1–5 value of a level name (trimmed, case-insensitive, as CISO
    /// Assistant matches them); `None` when it names no level ("not rated").
    pub fn level(&self, axis: Axis, name: &str) -> Option<u8> {
        let levels = self.levels(axis);
        let want = name.trim().to_lowercase();
        let i = levels.iter().position(|l| l.to_lowercase() == want)?;
        let k = levels.len();
        Some(if k == 1 {
            3
        } else {
            1 + ((i as f64) * 4.0 / (k as f64 - 1.0)).round() as u8
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_levels_map_one_to_one_both_ways() {
        let m = RiskMatrix::iso27005();
        for n in 1..=5u8 {
            assert_eq!(
                m.level(Axis::Probability, m.label(Axis::Probability, n)),
                Some(n)
            );
            assert_eq!(m.level(Axis::Impact, m.label(Axis::Impact, n)), Some(n));
        }
        assert_eq!(m.label(Axis::Probability, 4), "4 - very likely");
        assert_eq!(m.level(Axis::Impact, "  4 - CRITICAL "), Some(4));
        assert_eq!(
            m.level(Axis::Impact, "4"),
            None,
            "bare numbers are not labels"
        );
        assert_eq!(m.level(Axis::Impact, "--"), None);
    }

    #[test]
    fn other_sizes_scale_linearly() {
        let m = RiskMatrix {
            name: "3x3".into(),
            probability: vec!["low".into(), "medium".into(), "high".into()],
            impact: vec!["low".into(), "medium".into(), "high".into()],
        };
        let got: Vec<&str> = (1..=5).map(|n| m.label(Axis::Impact, n)).collect();
        assert_eq!(got, ["low", "medium", "medium", "high", "high"]);
        assert_eq!(m.level(Axis::Impact, "low"), Some(1));
        assert_eq!(m.level(Axis::Impact, "medium"), Some(3));
        assert_eq!(m.level(Axis::Impact, "high"), Some(5));
    }
}
