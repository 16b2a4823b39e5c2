//! CISO Assistant's risk acceptances, as its REST API returns them
//! (`GET /api/risk-acceptances/`: a list, or a page `{"results": [...]}`).
//! CISO Assistant documents no CSV export for them. An acceptance whose state
//! is Accepted and whose expiry is not before the run date covers its risk
//! scenarios: they become accepted, and their breached findings are waived
//! with the approver's name.

use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

use crate::{Error, Result};

use super::{RiskEntry, Treatment};

/// An acceptance of a risk in the GRC tool.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RiskAcceptance {
    /// Its id in the GRC tool.
    pub id: String,
    /// Who accepted.
    pub approver: String,
    /// Until when (inclusive); `None`: no expiry set.
    pub expires: Option<NaiveDate>,
    /// Why.
    pub justification: String,
}

/// One acceptance record and the scenarios it covers.
#[derive(Clone, Debug, PartialEq)]
pub struct AcceptanceRecord {
    /// The acceptance.
    pub acceptance: RiskAcceptance,
    /// Its state, lower-cased (`accepted`, `submitted`, `revoked`, ...).
    pub state: String,
    /// The scenarios' `internal_id`s.
    pub scenarios: Vec<String>,
}

/// Reads the acceptances file.
pub fn load_acceptances(path: &Path) -> Result<Vec<AcceptanceRecord>> {
    let bad = |why: String| Error::usage(format!("risk acceptances '{}': {why}", path.display()));
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    let v: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
        .map_err(|e| bad(format!("not JSON: {e}")))?;
    let list = match &v {
        Value::Array(a) => a,
        Value::Object(o) => o
            .get("results")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("expected a list of acceptances or {\"results\": [...]}".into()))?,
        _ => return Err(bad("expected a list of acceptances".into())),
    };
    list.iter()
        .enumerate()
        .map(|(i, a)| {
            let item = |why: String| bad(format!("item {}: {why}", i + 1));
            let id = a["id"]
                .as_str()
                .map(String::from)
                .ok_or_else(|| item("no id".into()))?;
            let state = a["state"].as_str().unwrap_or("").trim().to_lowercase();
            let approver = match &a["approver"] {
                Value::Object(o) => o
                    .get("str")
                    .and_then(Value::as_str)
                    .map(String::from)
                    .unwrap_or_else(|| {
                        format!(
                            "{} {}",
                            o.get("first_name").and_then(Value::as_str).unwrap_or(""),
                            o.get("last_name").and_then(Value::as_str).unwrap_or("")
                        )
                        .trim()
                        .to_string()
                    }),
                Value::String(s) => s.clone(),
                _ => String::new(),
            };
            let expires = match a["expiry_date"].as_str() {
                Some(d) if !d.is_empty() => Some(
                    NaiveDate::parse_from_str(&d[..d.len().min(10)], "%Y-%m-%d")
                        .map_err(|e| item(format!("expiry_date '{d}': {e}")))?,
                ),
                _ => None,
            };
            let scenarios = a["risk_scenarios"]
                .as_array()
                .map(|s| {
                    s.iter()
                        .filter_map(|x| match x {
                            Value::String(s) => Some(s.clone()),
                            o => o["id"].as_str().map(String::from),
                        })
                        .collect()
                })
                .unwrap_or_default();
            Ok(AcceptanceRecord {
                acceptance: RiskAcceptance {
                    id,
                    approver,
                    expires,
                    justification: a["justification"].as_str().unwrap_or("").to_string(),
                },
                state,
                scenarios,
            })
        })
        .collect()
}

/// Marks the entries an acceptance in force on `date` covers: status
/// `accepted`, treatment accept, the acceptance kept. Returns how many.
pub fn apply_acceptances(
    entries: &mut [RiskEntry],
    records: &[AcceptanceRecord],
    date: NaiveDate,
) -> usize {
    let mut n = 0;
    for r in records {
        let in_force = r.state == "accepted" && r.acceptance.expires.is_none_or(|e| e >= date);
        if !in_force {
            continue;
        }
        for e in entries.iter_mut() {
            if e.internal_id
                .as_ref()
                .is_some_and(|id| r.scenarios.contains(id))
            {
                e.acceptance = Some(r.acceptance.clone());
                e.status = "accepted".into();
                e.treatment = Treatment::Accept;
                n += 1;
            }
        }
    }
    n
}
