//! Reading a register: fairaudit's own CSV or JSON (with a column map for
//! other tools), and CISO Assistant's files as they come — the risk-scenario
//! export (`GET /api/risk-scenarios/export_csv/`), the per-assessment export
//! and its Data Wizard import file — told apart by their headers.

use std::collections::BTreeMap;
use std::path::Path;

use crate::governance::matrix::{Axis, RiskMatrix};
use crate::{Error, Result};

use super::{Origin, RegisterSource, RiskEntry, Treatment, FIELDS};

/// The kind of register file, from its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    /// fairaudit's columns (or a column map onto them).
    Fairaudit,
    /// CISO Assistant's risk-scenario export: `internal_id`, `owners`, lists
    /// joined with `|`.
    CisoExport,
    /// CISO Assistant's per-assessment export (`current_risk`; lists joined
    /// with `,`; no ids, owners or labels).
    CisoAssessmentExport,
    /// A Data Wizard risk-scenario import file (`name`, `current_proba`), as
    /// `fairaudit export ciso-assistant` writes it.
    CisoImport,
}

impl Flavour {
    fn of(headers: &[String]) -> Self {
        let has = |h: &str| headers.iter().any(|x| x == h);
        if has("current_proba") && has("internal_id") {
            Flavour::CisoExport
        } else if has("current_proba") && has("current_risk") {
            Flavour::CisoAssessmentExport
        } else if has("current_proba") && has("name") && !has("title") {
            Flavour::CisoImport
        } else {
            Flavour::Fairaudit
        }
    }
}

const REQUIRED: [&str; 6] = ["id", "title", "likelihood", "impact", "treatment", "status"];

type Row = BTreeMap<String, String>;

fn split_list(s: &str, seps: &[char]) -> Vec<String> {
    s.split(seps)
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

/// Reads a register from CSV or JSON (by extension). CSV may be comma or
/// semicolon separated, with or without a byte-order mark.
pub fn load(src: &RegisterSource) -> Result<Vec<RiskEntry>> {
    for k in src.columns.keys() {
        if !FIELDS.contains(&k.as_str()) {
            return Err(Error::usage(format!(
                "risk register column map names unknown field '{k}'; fields are: {}",
                FIELDS.join(", ")
            )));
        }
    }
    let matrix = match &src.matrix {
        Some(p) => RiskMatrix::load(p)?,
        None => RiskMatrix::default(),
    };
    let path = &src.path;
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::usage(format!(
            "cannot read risk register '{}': {e}",
            path.display()
        ))
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let is_json = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let (headers, rows) = if is_json {
        json_rows(path, text)?
    } else {
        csv_rows(path, text)?
    };
    let flavour = if src.columns.is_empty() {
        Flavour::of(&headers)
    } else {
        Flavour::Fairaudit
    };
    let mut out: Vec<RiskEntry> = vec![];
    for (i, r) in rows.iter().enumerate() {
        let row = i + 1;
        let e = match flavour {
            Flavour::Fairaudit => native(src, &matrix, &headers, r, row)?,
            f => ciso(path, &matrix, f, r, row)?,
        };
        if out.iter().any(|x| x.id == e.id) {
            let col = if flavour == Flavour::Fairaudit {
                src.columns.get("id").map_or("id", String::as_str)
            } else {
                "ref_id"
            };
            return Err(bad(path, row, col, format!("id '{}' appears twice", e.id)));
        }
        out.push(e);
    }
    Ok(out)
}

/// A 1–5 rating: an integer, or a level name of the matrix.
fn rating(matrix: &RiskMatrix, axis: Axis, v: &str) -> std::result::Result<u8, String> {
    if let Ok(n) = v.parse::<u8>() {
        if (1..=5).contains(&n) {
            return Ok(n);
        }
    }
    matrix.level(axis, v).ok_or_else(|| {
        let levels = match axis {
            Axis::Probability => &matrix.probability,
            Axis::Impact => &matrix.impact,
        };
        format!(
            "'{v}' is neither an integer from 1 to 5 nor a level of the risk matrix '{}' ({}); pass the register's matrix with --risk-matrix",
            matrix.name,
            levels.join(", ")
        )
    })
}

fn native(
    src: &RegisterSource,
    matrix: &RiskMatrix,
    headers: &[String],
    r: &Row,
    row: usize,
) -> Result<RiskEntry> {
    let path = &src.path;
    let col = |field: &str| -> String {
        src.columns
            .get(field)
            .cloned()
            .unwrap_or_else(|| field.to_string())
    };
    if row == 1 {
        for f in REQUIRED {
            if !headers.contains(&col(f)) {
                return Err(Error::usage(format!(
                    "risk register '{}' has no column '{}' (field {f}); its columns are: {}{}",
                    path.display(),
                    col(f),
                    headers.join(", "),
                    if src.columns.is_empty() {
                        "; map other names with [risk_register.columns] in the spec"
                    } else {
                        ""
                    }
                )));
            }
        }
    }
    let get = |f: &str| {
        r.get(&col(f))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let scale = |f: &str, axis: Axis| -> Result<Option<u8>> {
        rating(matrix, axis, &get(f))
            .map(Some)
            .map_err(|m| bad(path, row, &col(f), m))
    };
    let id = get("id");
    if id.is_empty() {
        return Err(bad(path, row, &col("id"), "the id is empty".into()));
    }
    let t = get("treatment");
    let treatment = Treatment::parse(&t).ok_or_else(|| {
        bad(
            path,
            row,
            &col("treatment"),
            format!("'{t}' is not one of mitigate, accept, avoid, transfer, open, cancelled"),
        )
    })?;
    let list = |f: &str| split_list(&get(f), &[';', '|']);
    Ok(RiskEntry {
        title: get("title"),
        description: get("description"),
        owner: get("owner"),
        likelihood: scale("likelihood", Axis::Probability)?,
        impact: scale("impact", Axis::Impact)?,
        treatment,
        status: get("status"),
        review_cadence: get("review_cadence"),
        model_ids: list("model_id"),
        attributes: list("attributes"),
        metrics: list("metrics"),
        id,
        origin: Origin::Fairaudit,
        internal_id: None,
        labels: vec![],
        acceptance: None,
    })
}

/// A CISO Assistant cell: its formula guard (`'` before `= + - @`) removed,
/// and "not rated" (`--`) as empty.
fn ciso_cell(v: Option<&String>) -> String {
    let v = v.map(|s| s.trim()).unwrap_or("");
    let v = match v.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => v,
    };
    if v == "--" {
        String::new()
    } else {
        v.to_string()
    }
}

fn ciso(
    path: &Path,
    matrix: &RiskMatrix,
    flavour: Flavour,
    r: &Row,
    row: usize,
) -> Result<RiskEntry> {
    let get = |c: &str| ciso_cell(r.get(c));
    let lists: &[char] = if flavour == Flavour::CisoAssessmentExport {
        &[',']
    } else {
        &['|']
    };
    let internal_id = Some(get("internal_id")).filter(|s| !s.is_empty());
    let id = Some(get("ref_id"))
        .filter(|s| !s.is_empty())
        .or_else(|| internal_id.clone())
        .ok_or_else(|| {
            bad(
                path,
                row,
                "ref_id",
                "the scenario has neither a ref_id nor an internal_id".into(),
            )
        })?;
    let name = get("name");
    if name.is_empty() {
        return Err(bad(path, row, "name", "the scenario has no name".into()));
    }
    // Current rating, else the inherent one; blank in both is "not rated".
    let rate = |axis: Axis, cols: [&str; 2]| -> Result<Option<u8>> {
        for c in cols {
            let v = get(c);
            if !v.is_empty() {
                return rating(matrix, axis, &v)
                    .map(Some)
                    .map_err(|m| bad(path, row, c, m));
            }
        }
        Ok(None)
    };
    let t = get("treatment");
    let treatment = if t.is_empty() {
        Treatment::Open
    } else {
        Treatment::parse(&t).ok_or_else(|| {
            bad(
                path,
                row,
                "treatment",
                format!("'{t}' is not one of open, mitigate, accept, avoid, transfer, cancelled"),
            )
        })?
    };
    let labels = split_list(&get("filtering_labels"), &['|']);
    let with = |prefix: &str| -> Vec<String> {
        labels
            .iter()
            .filter_map(|l| l.strip_prefix(prefix).map(String::from))
            .collect()
    };
    Ok(RiskEntry {
        id,
        title: name,
        description: get("description"),
        owner: split_list(&get("owners"), &['|']).join("; "),
        likelihood: rate(Axis::Probability, ["current_proba", "inherent_proba"])?,
        impact: rate(Axis::Impact, ["current_impact", "inherent_impact"])?,
        treatment,
        status: if treatment == Treatment::Cancelled {
            "cancelled".into()
        } else {
            "open".into()
        },
        review_cadence: String::new(),
        model_ids: split_list(&get("assets"), lists),
        // An intersection's label joins its members with `-x-`.
        attributes: with("a-")
            .into_iter()
            .map(|a| a.replace("-x-", " & "))
            .collect(),
        metrics: with("m-"),
        origin: Origin::CisoAssistant,
        internal_id,
        labels,
        acceptance: None,
    })
}

fn csv_rows(path: &Path, text: &str) -> Result<(Vec<String>, Vec<Row>)> {
    // CISO Assistant writes `;`; fairaudit and the Data Wizard read `,`.
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.matches(';').count() > first.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = r
        .headers()
        .map_err(|e| Error::usage(format!("risk register '{}': {e}", path.display())))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
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
                .map(|(h, v)| (h.clone(), v.to_string()))
                .collect(),
        );
    }
    Ok((headers, rows))
}

fn json_rows(path: &Path, text: &str) -> Result<(Vec<String>, Vec<Row>)> {
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
    let rows: Vec<Row> = arr
        .iter()
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
        .collect::<Result<_>>()?;
    let mut headers: Vec<String> = vec![];
    for r in &rows {
        for k in r.keys() {
            if !headers.contains(k) {
                headers.push(k.clone());
            }
        }
    }
    Ok((headers, rows))
}
