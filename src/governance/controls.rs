//! The control catalog (identifiers and titles only) and the mapping from
//! findings to the controls and articles they evidence. The catalog is the
//! project's `control-ids.csv` (ISO/IEC 27001:2022, ISO/IEC 42001:2023, NIST AI
//! RMF 1.0, EU AI Act), embedded at build time. The mapping is documented in
//! docs/governance.md.

use std::sync::OnceLock;

use serde::Serialize;

use crate::checks::{Finding, Measured, Status};
use crate::{Error, Result};

const CATALOG_CSV: &str = include_str!("control-ids.csv");

/// One control or article.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Control {
    /// Full framework name, e.g. "ISO/IEC 27001:2022".
    pub framework: String,
    /// Identifier within the framework, e.g. "A.5.31".
    pub id: String,
    /// The control's title.
    pub title: String,
    /// Why a fairness finding may cite it.
    pub why: String,
}

impl Control {
    /// The reference used in findings and specs: short framework + id,
    /// e.g. "ISO 27001 A.5.31", "EU AI Act Art. 10(2)(f)".
    pub fn reference(&self) -> String {
        format!("{} {}", short(&self.framework), self.id)
    }
}

fn short(framework: &str) -> &str {
    if framework.starts_with("ISO/IEC 27001") {
        "ISO 27001"
    } else if framework.starts_with("ISO/IEC 42001") {
        "ISO 42001"
    } else if framework.starts_with("NIST AI RMF") {
        "NIST AI RMF"
    } else if framework.starts_with("EU AI Act") {
        "EU AI Act"
    } else {
        framework
    }
}

/// The embedded catalog.
pub fn catalog() -> &'static [Control] {
    static C: OnceLock<Vec<Control>> = OnceLock::new();
    C.get_or_init(|| {
        let mut r = csv::Reader::from_reader(CATALOG_CSV.as_bytes());
        r.records()
            .map(|rec| {
                let rec = rec.expect("embedded catalog is valid CSV");
                Control {
                    framework: rec[0].to_string(),
                    id: rec[1].to_string(),
                    title: rec[2].to_string(),
                    why: rec[3].to_string(),
                }
            })
            .collect()
    })
}

/// Looks a reference up in the catalog.
pub fn find(reference: &str) -> Option<&'static Control> {
    catalog().iter().find(|c| c.reference() == reference)
}

/// Checks that every reference exists in the catalog.
pub fn validate(references: &[String], context: &str) -> Result<()> {
    for r in references {
        if find(r).is_none() {
            return Err(Error::usage(format!(
                "{context}: unknown control '{r}'; references look like 'ISO 27001 A.5.31', 'ISO 42001 A.5.4', 'EU AI Act Art. 10(2)(f)', 'NIST AI RMF MEASURE 2.11' (run `fairaudit controls` for the list)"
            )));
        }
    }
    Ok(())
}

/// Controls every finding evidences: measurement of fairness and its results.
pub const EVERY_FINDING: &[&str] = &[
    "ISO 27001 9.1",
    "ISO 27001 A.5.36",
    "ISO 42001 A.5.4",
    "ISO 42001 A.6.2.4",
    "ISO 42001 A.6.2.6",
    "EU AI Act Art. 9",
    "EU AI Act Art. 10(2)(f)",
    "EU AI Act Art. 13(3)(b)(v)",
    "NIST AI RMF MEASURE 2.11",
];

/// Added when a check warns or fails: a risk to assess and treat.
pub const BREACH: &[&str] = &[
    "ISO 27001 6.1.2",
    "ISO 27001 8.2",
    "ISO 27001 A.5.31",
    "EU AI Act Art. 10(2)(g)",
    "NIST AI RMF MANAGE 1.2",
];

/// Added when a check fails: a nonconformity needing corrective action.
pub const FAILURE: &[&str] = &["ISO 27001 10.2", "ISO 42001 10.2"];

/// Added when groups are too small to judge: a data gap.
pub const INSUFFICIENT: &[&str] = &["EU AI Act Art. 10(2)(h)", "ISO 42001 A.7.4"];

/// Added for accuracy metrics.
pub const ACCURACY: &[&str] = &["EU AI Act Art. 15"];

/// Controls the audit run itself evidences, whatever its findings.
pub const AUDIT_RUN: &[&str] = &[
    "ISO 27001 9.2",
    "ISO 27001 A.8.16",
    "ISO 27001 A.8.29",
    "ISO 42001 9.1",
    "EU AI Act Art. 9(8)",
    "EU AI Act Art. 72",
    "NIST AI RMF GOVERN 1.5",
];

/// The built-in mapping for a finding.
pub fn builtin_for(status: Status, metric: &Measured) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = EVERY_FINDING.to_vec();
    if matches!(status, Status::Warn | Status::Fail) {
        v.extend_from_slice(BREACH);
    }
    if status == Status::Fail {
        v.extend_from_slice(FAILURE);
    }
    if status == Status::InsufficientData {
        v.extend_from_slice(INSUFFICIENT);
    }
    if metric.metric().is_accuracy() {
        v.extend_from_slice(ACCURACY);
    }
    v
}

/// Tags a finding with its controls: the built-in mapping plus the check's own
/// (or only the check's own when it replaces the mapping).
pub fn tag(f: &mut Finding, extra: &[String], replace: bool) {
    let mut v: Vec<String> = if replace {
        vec![]
    } else {
        builtin_for(f.status, &f.metric)
            .into_iter()
            .map(String::from)
            .collect()
    };
    for e in extra {
        if !v.contains(e) {
            v.push(e.clone());
        }
    }
    f.controls = v;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::metric::{MetricRef, Summary};

    #[test]
    fn catalog_has_every_mapped_control() {
        assert!(catalog().len() >= 60);
        for r in EVERY_FINDING
            .iter()
            .chain(BREACH)
            .chain(FAILURE)
            .chain(INSUFFICIENT)
            .chain(ACCURACY)
            .chain(AUDIT_RUN)
        {
            assert!(find(r).is_some(), "{r} missing from the catalog");
        }
        assert_eq!(
            find("ISO 27001 A.5.31").unwrap().title,
            "Legal, statutory, regulatory and contractual requirements"
        );
        assert!(validate(&["ISO 27001 A.99".into()], "check x").is_err());
    }

    #[test]
    fn breaches_add_risk_controls() {
        let ir = Measured::Metric(MetricRef::ImpactRatio);
        let pass = builtin_for(Status::Pass, &ir);
        let fail = builtin_for(Status::Fail, &ir);
        assert!(!pass.contains(&"ISO 27001 10.2"));
        assert!(fail.contains(&"ISO 27001 10.2") && fail.contains(&"ISO 27001 6.1.2"));
        assert!(builtin_for(Status::InsufficientData, &ir).contains(&"EU AI Act Art. 10(2)(h)"));
        let acc = Measured::Metric(MetricRef::Summary(Summary::AccuracyDifference));
        assert!(builtin_for(Status::Pass, &acc).contains(&"EU AI Act Art. 15"));
    }
}
