//! Governance settings of a spec: audit cadences and where the risk register
//! comes from. What they mean at run time is `governance`'s business.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::RiskTier;

/// Intervals in months.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cadence {
    /// Scheduled fairness checks (each audit run).
    pub check_months: u32,
    /// Management / model-risk review of the findings.
    pub review_months: u32,
    /// Internal audit of the model.
    pub audit_months: u32,
}

impl Cadence {
    /// Defaults: high — monthly checks, quarterly review, annual audit;
    /// medium — quarterly, semi-annual, annual; low — quarterly, annual, every
    /// three years.
    pub fn default_for(tier: RiskTier) -> Self {
        let (c, r, a) = match tier {
            RiskTier::High => (1, 3, 12),
            RiskTier::Medium => (3, 6, 12),
            RiskTier::Low => (3, 12, 36),
        };
        Cadence {
            check_months: c,
            review_months: r,
            audit_months: a,
        }
    }
}

/// Where a register comes from, and how its columns are named.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterSource {
    /// The register file (CSV or JSON).
    pub path: PathBuf,
    /// Our field → the export's column name (e.g. `id = "ref_id"`).
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
}
