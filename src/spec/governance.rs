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
    /// Checks a cadence: positive months; checks no less often than reviews,
    /// reviews no less often than audits; each a divisor of 12 or a whole
    /// number of years, so cycles are calendar periods.
    pub fn validate(&self) -> crate::Result<()> {
        let fit = |m: u32| m > 0 && (12 % m == 0 || m % 12 == 0);
        for (name, m) in [
            ("check_months", self.check_months),
            ("review_months", self.review_months),
            ("audit_months", self.audit_months),
        ] {
            if !fit(m) {
                return Err(crate::Error::usage(format!(
                    "{name} = {m}: a cadence must be a positive number of months that divides 12 (1, 2, 3, 4, 6, 12) or a whole number of years (24, 36, ...)"
                )));
            }
        }
        if !(self.check_months <= self.review_months && self.review_months <= self.audit_months) {
            return Err(crate::Error::usage(format!(
                "check_months {} ≤ review_months {} ≤ audit_months {} must hold: findings are reviewed no more often than checked, and audited no more often than reviewed",
                self.check_months, self.review_months, self.audit_months
            )));
        }
        Ok(())
    }

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
    /// The risk matrix whose level names the register uses for likelihood
    /// and impact (CISO Assistant's `json_definition`); default: its 5×5 ISO
    /// 27005 matrix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matrix: Option<PathBuf>,
    /// Risk acceptances exported from CISO Assistant's REST API
    /// (`GET /api/risk-acceptances/`, JSON): accepted, unexpired ones waive
    /// the findings of their scenarios.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acceptances: Option<PathBuf>,
}

/// The lifecycle phase of the audited AI system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Verification and validation before release.
    PreDeployment,
    /// Monitoring after deployment.
    PostMarket,
}

/// The organisation's role under the EU AI Act.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Develops the system or has it developed and places it on the market.
    Provider,
    /// Uses the system under its authority.
    Deployer,
}

/// Sign-off and retention rules (`[governance]` in the spec).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GovernanceSettings {
    /// Whether the model's owner may review it or accept its risks (SR 11-7
    /// independent challenge: no, by default).
    #[serde(default)]
    pub allow_self_review: bool,
    /// Years runs are kept; `history prune` refuses younger runs (EU AI Act
    /// Art. 18: ten years for providers).
    #[serde(default = "ten")]
    pub retention_years: u32,
}

fn ten() -> u32 {
    10
}

impl Default for GovernanceSettings {
    fn default() -> Self {
        GovernanceSettings {
            allow_self_review: false,
            retention_years: 10,
        }
    }
}
