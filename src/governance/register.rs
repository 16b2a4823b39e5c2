//! The organisation's risk register: import (CSV or JSON, with a column map for
//! exports from GRC tools such as CISO Assistant or eramba), matching findings
//! to entries, and proposed entries for breaches no entry covers, written as a
//! CSV that imports back.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::checks::{Finding, Status};
use crate::governance::cycle::months_word;
pub use crate::spec::governance::RegisterSource;
use crate::spec::{ModelInfo, RiskTier};
use crate::{Error, Result};

/// How a risk is treated (ISO 27001 6.1.3 options).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Treatment {
    /// Reduce the risk.
    Mitigate,
    /// Retain it, with a sign-off.
    Accept,
    /// Stop the activity.
    Avoid,
    /// Share it (insurance, a third party).
    Transfer,
}

impl Treatment {
    /// Parses a treatment name (also its synonyms reduce, modify, retain, share).
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mitigate" | "reduce" | "modify" => Some(Treatment::Mitigate),
            "accept" | "retain" => Some(Treatment::Accept),
            "avoid" => Some(Treatment::Avoid),
            "transfer" | "share" => Some(Treatment::Transfer),
            _ => None,
        }
    }

    /// The name written in registers.
    pub fn name(self) -> &'static str {
        match self {
            Treatment::Mitigate => "mitigate",
            Treatment::Accept => "accept",
            Treatment::Avoid => "avoid",
            Treatment::Transfer => "transfer",
        }
    }
}

/// One entry of the register.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RiskEntry {
    /// The entry's id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// What the risk is.
    pub description: String,
    /// Who owns it.
    pub owner: String,
    /// 1–5.
    pub likelihood: u8,
    /// 1–5.
    pub impact: u8,
    /// How it is treated.
    pub treatment: Treatment,
    /// Its status in the register.
    pub status: String,
    /// How often it is reviewed.
    pub review_cadence: String,
    /// Selectors: an empty list matches everything.
    pub model_ids: Vec<String>,
    /// Attributes it covers (empty: all).
    pub attributes: Vec<String>,
    /// Metrics or check ids it covers (empty: all).
    pub metrics: Vec<String>,
}

/// The register's fields, in CSV column order.
pub const FIELDS: [&str; 12] = [
    "id",
    "title",
    "description",
    "owner",
    "likelihood",
    "impact",
    "treatment",
    "status",
    "review_cadence",
    "model_id",
    "attributes",
    "metrics",
];

const REQUIRED: [&str; 6] = ["id", "title", "likelihood", "impact", "treatment", "status"];

fn split_list(s: &str) -> Vec<String> {
    s.split([';', '|'])
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

fn bad(path: &Path, row: usize, column: &str, msg: String) -> Error {
    Error::usage(format!(
        "risk register '{}' row {row}, column '{column}': {msg}",
        path.display()
    ))
}

/// Reads a register from CSV or JSON (by extension).
pub fn load(src: &RegisterSource) -> Result<Vec<RiskEntry>> {
    for k in src.columns.keys() {
        if !FIELDS.contains(&k.as_str()) {
            return Err(Error::usage(format!(
                "risk register column map names unknown field '{k}'; fields are: {}",
                FIELDS.join(", ")
            )));
        }
    }
    let path = &src.path;
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::usage(format!(
            "cannot read risk register '{}': {e}",
            path.display()
        ))
    })?;
    let is_json = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let rows: Vec<BTreeMap<String, String>> = if is_json {
        json_rows(path, &text)?
    } else {
        csv_rows(path, &text)?
    };
    let col = |field: &str| -> String {
        src.columns
            .get(field)
            .cloned()
            .unwrap_or_else(|| field.to_string())
    };
    if let Some(first) = rows.first() {
        for f in REQUIRED {
            if !first.contains_key(&col(f)) {
                return Err(Error::usage(format!(
                    "risk register '{}' has no column '{}' (field {f}); its columns are: {}{}",
                    path.display(),
                    col(f),
                    first.keys().cloned().collect::<Vec<_>>().join(", "),
                    if src.columns.is_empty() {
                        "; map other names with [risk_register.columns] in the spec"
                    } else {
                        ""
                    }
                )));
            }
        }
    }
    let mut out: Vec<RiskEntry> = vec![];
    for (i, r) in rows.iter().enumerate() {
        let row = i + 1;
        let get = |f: &str| {
            r.get(&col(f))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let scale = |f: &str| -> Result<u8> {
            let v = get(f);
            match v.parse::<u8>() {
                Ok(n) if (1..=5).contains(&n) => Ok(n),
                _ => Err(bad(
                    path,
                    row,
                    &col(f),
                    format!("'{v}' is not an integer from 1 to 5"),
                )),
            }
        };
        let id = get("id");
        if id.is_empty() {
            return Err(bad(path, row, &col("id"), "the id is empty".into()));
        }
        if out.iter().any(|e| e.id == id) {
            return Err(bad(
                path,
                row,
                &col("id"),
                format!("id '{id}' appears twice"),
            ));
        }
        let t = get("treatment");
        let treatment = Treatment::parse(&t).ok_or_else(|| {
            bad(
                path,
                row,
                &col("treatment"),
                format!("'{t}' is not one of mitigate, accept, avoid, transfer"),
            )
        })?;
        out.push(RiskEntry {
            title: get("title"),
            description: get("description"),
            owner: get("owner"),
            likelihood: scale("likelihood")?,
            impact: scale("impact")?,
            treatment,
            status: get("status"),
            review_cadence: get("review_cadence"),
            model_ids: split_list(&get("model_id")),
            attributes: split_list(&get("attributes")),
            metrics: split_list(&get("metrics")),
            id,
        });
    }
    Ok(out)
}

fn csv_rows(path: &Path, text: &str) -> Result<Vec<BTreeMap<String, String>>> {
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = r
        .headers()
        .map_err(|e| Error::usage(format!("risk register '{}': {e}", path.display())))?
        .clone();
    let mut rows = vec![];
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|e| {
            Error::usage(format!(
                "risk register '{}' row {}: {e}",
                path.display(),
                i + 1
            ))
        })?;
        rows.push(
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect(),
        );
    }
    Ok(rows)
}

fn json_rows(path: &Path, text: &str) -> Result<Vec<BTreeMap<String, String>>> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        Error::usage(format!(
            "risk register '{}' is not valid JSON: {e}",
            path.display()
        ))
    })?;
    let arr = match &v {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(o) => match o.get("risks") {
            Some(serde_json::Value::Array(a)) => a,
            _ => {
                return Err(Error::usage(format!(
                    "risk register '{}': expected an array of entries or {{\"risks\": [...]}}",
                    path.display()
                )))
            }
        },
        _ => {
            return Err(Error::usage(format!(
                "risk register '{}': expected an array of entries",
                path.display()
            )))
        }
    };
    arr.iter()
        .enumerate()
        .map(|(i, e)| {
            let o = e.as_object().ok_or_else(|| {
                Error::usage(format!(
                    "risk register '{}' row {}: an entry must be an object",
                    path.display(),
                    i + 1
                ))
            })?;
            Ok(o.iter()
                .map(|(k, v)| {
                    let s = match v {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Array(a) => a
                            .iter()
                            .map(|x| {
                                x.as_str()
                                    .map(String::from)
                                    .unwrap_or_else(|| x.to_string())
                            })
                            .collect::<Vec<_>>()
                            .join(";"),
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (k.clone(), s)
                })
                .collect())
        })
        .collect()
}

/// Whether an entry covers a finding of `model`.
pub fn matches(e: &RiskEntry, model: &str, f: &Finding) -> bool {
    let members: Vec<&str> = f.attribute.split(" & ").collect();
    (e.model_ids.is_empty() || e.model_ids.iter().any(|m| m == model))
        && (e.attributes.is_empty()
            || e.attributes
                .iter()
                .any(|a| *a == f.attribute || members.contains(&a.as_str())))
        && (e.metrics.is_empty()
            || e.metrics
                .iter()
                .any(|m| *m == f.metric.name() || *m == f.check))
}

/// Tags findings with the ids of matching entries.
pub fn tag(findings: &mut [Finding], register: &[RiskEntry], model: &str) {
    for f in findings {
        f.risks = register
            .iter()
            .filter(|e| matches(e, model, f))
            .map(|e| e.id.clone())
            .collect();
    }
}

/// Proposed entries for warn and fail findings that match no entry: one per
/// (attribute, metric), so that importing them back covers every such finding.
/// `repeat` says whether the finding also breached in the previous run.
pub fn propose(
    findings: &[Finding],
    model: &ModelInfo,
    review_months: u32,
    repeat: &dyn Fn(&Finding) -> bool,
) -> Vec<RiskEntry> {
    let mut out: Vec<RiskEntry> = vec![];
    for f in findings {
        if !matches!(f.status, Status::Warn | Status::Fail) || !f.risks.is_empty() {
            continue;
        }
        let base = match (f.status, f.significant) {
            (Status::Fail, Some(true)) => 4,
            (Status::Fail, _) => 3,
            _ => 2,
        };
        let likelihood = (base + u8::from(repeat(f))).min(5);
        let impact = match (model.risk_tier, f.status) {
            (RiskTier::High, Status::Fail) => 5,
            (RiskTier::High, _) | (RiskTier::Medium, Status::Fail) => 4,
            (RiskTier::Medium, _) | (RiskTier::Low, Status::Fail) => 3,
            (RiskTier::Low, _) => 2,
        };
        if let Some(e) = out
            .iter_mut()
            .find(|e| e.attributes == [f.attribute.clone()] && e.metrics == [f.metric.name()])
        {
            e.likelihood = e.likelihood.max(likelihood);
            e.impact = e.impact.max(impact);
            if let Some(g) = &f.group {
                e.description
                    .push_str(&format!(" Also: {g}: {}", f.statement));
            }
            continue;
        }
        out.push(RiskEntry {
            id: format!("PR-{}", f.id.trim_start_matches("FA-")),
            title: format!(
                "Unequal outcomes of {} by {} ({})",
                model.name.as_deref().unwrap_or(&model.id),
                f.attribute,
                f.metric
            ),
            description: f.statement.clone(),
            owner: model.owner.clone().unwrap_or_else(|| "unassigned".into()),
            likelihood,
            impact,
            treatment: Treatment::Mitigate,
            status: "proposed".into(),
            review_cadence: months_word(review_months),
            model_ids: vec![model.id.clone()],
            attributes: vec![f.attribute.clone()],
            metrics: vec![f.metric.name()],
        });
    }
    out
}

/// Writes entries as a register CSV (the format [`load`] reads).
pub fn to_csv(entries: &[RiskEntry]) -> String {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(FIELDS).expect("in-memory CSV");
    for e in entries {
        w.write_record([
            e.id.as_str(),
            &e.title,
            &e.description,
            &e.owner,
            &e.likelihood.to_string(),
            &e.impact.to_string(),
            e.treatment.name(),
            &e.status,
            &e.review_cadence,
            &e.model_ids.join(";"),
            &e.attributes.join(";"),
            &e.metrics.join(";"),
        ])
        .expect("in-memory CSV");
    }
    String::from_utf8(w.into_inner().expect("in-memory CSV")).expect("UTF-8 fields")
}
