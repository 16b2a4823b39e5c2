//! Where fairaudit's controls live in GRC tools: the CISO Assistant
//! requirement node of each control reference (`control-urns.csv`, resolved
//! from CISO Assistant's own libraries, see FORMATS.md in the project's
//! reference material), the OSCAL control-id token of each, and the crosswalk
//! from fairaudit's framework nodes (each check, threshold approval, periodic
//! review) to those nodes (`crosswalk.csv`: relationship, rationale and
//! strength per row, as CISO Assistant's mapping sets hold them). Both are
//! data a reviewer can check, embedded at build time.

use std::sync::OnceLock;

use serde::Serialize;

use super::controls::catalog;

const URNS_CSV: &str = include_str!("control-urns.csv");
const CROSSWALK_CSV: &str = include_str!("crosswalk.csv");

/// A control reference and its CISO Assistant requirement node.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ControlUrn {
    /// The fairaudit reference ("ISO 27001 6.1.2").
    pub reference: String,
    /// The framework's URN (empty when CISO Assistant has no node for it).
    pub framework_urn: String,
    /// The node's URN (empty when there is none).
    pub node_urn: String,
    /// Whether the node takes a result (article headings do not).
    pub assessable: bool,
}

/// Every control of the catalog with its node.
pub fn control_urns() -> &'static [ControlUrn] {
    static U: OnceLock<Vec<ControlUrn>> = OnceLock::new();
    U.get_or_init(|| {
        let mut r = csv::Reader::from_reader(URNS_CSV.as_bytes());
        r.records()
            .map(|rec| {
                let rec = rec.expect("embedded URN table is valid CSV");
                let (framework, id) = (&rec[0], &rec[1]);
                let reference = catalog()
                    .iter()
                    .find(|c| c.framework == framework && c.id == id)
                    .map(|c| c.reference())
                    .unwrap_or_else(|| panic!("{framework} {id} is not in the catalog"));
                ControlUrn {
                    reference,
                    framework_urn: rec[2].to_string(),
                    node_urn: rec[3].to_string(),
                    assessable: &rec[5] == "true",
                }
            })
            .collect()
    })
}

/// The node of a control reference.
pub fn urn_of(reference: &str) -> Option<&'static ControlUrn> {
    control_urns().iter().find(|u| u.reference == reference)
}

/// A control reference as an OSCAL control-id token (`^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$`):
/// the framework's slug, `_`, the id lower-cased with `Art. ` → `art`, `(` → `.`,
/// `)` dropped and spaces → `-`. "EU AI Act Art. 10(2)(f)" → `ai-act_art10.2.f`.
pub fn oscal_token(reference: &str) -> String {
    let (slug, id) = [
        ("ISO 27001 ", "iso27001-2022"),
        ("ISO 42001 ", "iso42001-2023"),
        ("NIST AI RMF ", "nist-ai-rmf-1.0"),
        ("EU AI Act ", "ai-act"),
    ]
    .iter()
    .find_map(|(p, slug)| reference.strip_prefix(p).map(|id| (*slug, id)))
    .unwrap_or(("control", reference));
    let id = id
        .to_lowercase()
        .replace("art. ", "art")
        .replace('(', ".")
        .replace(')', "")
        .replace(' ', "-");
    let id: String = id
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{slug}_{id}")
}

/// A node of fairaudit's framework that the crosswalk maps.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Node {
    /// Every check of the spec.
    Check,
    /// The approval of the thresholds before the run.
    ThresholdApproval,
    /// The re-audit at the risk tier's cadence.
    PeriodicReview,
}

/// One row of the crosswalk.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Mapping {
    /// The fairaudit node.
    pub node: Node,
    /// The target requirement node's URN.
    pub target_urn: String,
    /// The control reference it stands for.
    pub control: String,
    /// subset | intersect | equal | superset | not_related.
    pub relationship: String,
    /// syntactic | semantic | functional.
    pub rationale: String,
    /// 0–10.
    pub strength: u8,
    /// Why, in words.
    pub why: String,
}

/// The crosswalk.
pub fn crosswalk() -> &'static [Mapping] {
    static M: OnceLock<Vec<Mapping>> = OnceLock::new();
    M.get_or_init(|| {
        let mut r = csv::Reader::from_reader(CROSSWALK_CSV.as_bytes());
        r.records()
            .map(|rec| {
                let rec = rec.expect("embedded crosswalk is valid CSV");
                Mapping {
                    node: match &rec[0] {
                        "check" => Node::Check,
                        "threshold-approval" => Node::ThresholdApproval,
                        "periodic-review" => Node::PeriodicReview,
                        other => panic!("unknown crosswalk node {other}"),
                    },
                    target_urn: rec[1].to_string(),
                    control: rec[2].to_string(),
                    relationship: rec[3].to_string(),
                    rationale: rec[4].to_string(),
                    strength: rec[5].parse().expect("strength 0-10"),
                    why: rec[6].to_string(),
                }
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalog_control_has_a_row_and_tokens_are_unique_and_valid() {
        assert_eq!(control_urns().len(), catalog().len());
        let mut seen = std::collections::BTreeSet::new();
        for u in control_urns() {
            let t = oscal_token(&u.reference);
            let mut chars = t.chars();
            assert!(
                chars.next().is_some_and(|c| c.is_alphabetic() || c == '_'),
                "{t}"
            );
            assert!(
                chars.all(|c| c.is_alphanumeric() || ".-_".contains(c)),
                "{t}"
            );
            assert!(seen.insert(t.clone()), "duplicate token {t}");
            assert_eq!(u.node_urn, u.node_urn.to_lowercase(), "lower-case URNs");
        }
        assert_eq!(oscal_token("EU AI Act Art. 10(2)(f)"), "ai-act_art10.2.f");
        assert_eq!(oscal_token("ISO 27001 A.5.31"), "iso27001-2022_a.5.31");
        assert_eq!(
            oscal_token("NIST AI RMF MEASURE 2.11"),
            "nist-ai-rmf-1.0_measure-2.11"
        );
    }

    #[test]
    fn the_crosswalk_targets_assessable_nodes() {
        // Paragraph nodes FORMATS.md §5 names beyond the control table.
        let paragraphs = ["urn:intuitem:risk:req_node:ai-act:72.1"];
        for m in crosswalk() {
            let known = control_urns()
                .iter()
                .any(|u| u.node_urn == m.target_urn && u.assessable)
                || paragraphs.contains(&m.target_urn.as_str());
            assert!(known, "{} is not an assessable node", m.target_urn);
            assert!(["subset", "intersect", "equal", "superset", "not_related"]
                .contains(&m.relationship.as_str()));
            assert!(["syntactic", "semantic", "functional"].contains(&m.rationale.as_str()));
            assert!(m.strength <= 10);
            assert!(
                crate::governance::controls::find(&m.control).is_some(),
                "{}",
                m.control
            );
        }
    }
}
