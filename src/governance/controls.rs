//! The control catalog (identifiers and titles only) and the mapping from
//! findings to the controls and articles they evidence. The catalog is the
//! project's `control-ids.csv` (ISO/IEC 27001:2022, ISO/IEC 42001:2023, NIST AI
//! RMF 1.0, EU AI Act), embedded at build time. The mapping is documented in
//! docs/governance.md.

use std::sync::OnceLock;

use serde::Serialize;

use crate::checks::finding::DataMeasure;
use crate::checks::{Finding, Measured, Status};
use crate::spec::governance::{Phase, Role};
use crate::spec::ModelInfo;
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

/// When the mapping cites a control (the `when` column of `control-map.csv`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// Every audit run, whatever its findings.
    Run,
    /// Every finding.
    Finding,
    /// A warn or fail finding: a risk to assess and treat.
    Breach,
    /// A finding with a recorded treatment or risk acceptance.
    Treatment,
    /// A finding with a recorded corrective action.
    CorrectiveAction,
    /// Groups too small to judge: a data gap.
    InsufficientData,
    /// Accuracy metrics.
    Accuracy,
    /// A run before release (`[model] phase = "pre_deployment"`).
    PreDeployment,
    /// A run after deployment (`phase = "post_market"`).
    PostMarket,
    /// After deployment, for a provider.
    PostMarketProvider,
    /// After deployment, for a deployer.
    PostMarketDeployer,
    /// A regression finding.
    Regression,
    /// A change of policy between runs.
    PolicyChange,
    /// A human-oversight finding (overrides of the model by people).
    Oversight,
    /// Every data-examination finding.
    DataFinding,
    /// Representation against a reference population.
    Representation,
    /// The label's base rate by group (historical bias).
    LabelBias,
    /// Missing, empty, invalid or out-of-range values by group.
    DataQuality,
    /// A column associated with a protected attribute.
    Proxy,
    /// Drift of the schema, the attribute mix or the outcome rates.
    DataDrift,
    /// An evidence pack.
    Pack,
    /// A run that a recorded internal audit used.
    AuditEvent,
    /// A run that a recorded management review used.
    ReviewEvent,
}

impl When {
    fn parse(s: &str) -> Option<When> {
        Some(match s {
            "run" => When::Run,
            "finding" => When::Finding,
            "breach" => When::Breach,
            "treatment" => When::Treatment,
            "corrective_action" => When::CorrectiveAction,
            "insufficient_data" => When::InsufficientData,
            "accuracy" => When::Accuracy,
            "pre_deployment" => When::PreDeployment,
            "post_market" => When::PostMarket,
            "post_market_provider" => When::PostMarketProvider,
            "post_market_deployer" => When::PostMarketDeployer,
            "regression" => When::Regression,
            "policy_change" => When::PolicyChange,
            "oversight" => When::Oversight,
            "data_finding" => When::DataFinding,
            "representation" => When::Representation,
            "label_bias" => When::LabelBias,
            "data_quality" => When::DataQuality,
            "proxy" => When::Proxy,
            "data_drift" => When::DataDrift,
            "pack" => When::Pack,
            "audit_event" => When::AuditEvent,
            "review_event" => When::ReviewEvent,
            _ => return None,
        })
    }

    /// Words for listings.
    pub fn words(self) -> &'static str {
        match self {
            When::Run => "every audit run",
            When::Finding => "every finding",
            When::Breach => "warn and fail findings",
            When::Treatment => "findings with a recorded treatment",
            When::CorrectiveAction => "findings with a recorded corrective action",
            When::InsufficientData => "insufficient_data findings",
            When::Accuracy => "accuracy checks",
            When::PreDeployment => "runs before release",
            When::PostMarket => "runs after deployment",
            When::PostMarketProvider => "runs after deployment, for a provider",
            When::PostMarketDeployer => "runs after deployment, for a deployer",
            When::Regression => "regression findings",
            When::PolicyChange => "a change of policy between runs",
            When::Oversight => "human-oversight findings",
            When::DataFinding => "every data-examination finding",
            When::Representation => "representation findings",
            When::LabelBias => "label base-rate findings",
            When::DataQuality => "missing-data and out-of-range findings",
            When::Proxy => "proxy-screening findings",
            When::DataDrift => "schema and drift findings of the data",
            When::Pack => "evidence packs",
            When::AuditEvent => "runs used by a recorded internal audit",
            When::ReviewEvent => "runs used by a recorded management review",
        }
    }
}

/// One row of the mapping.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Mapping {
    /// The control reference.
    pub control: String,
    /// When it is cited.
    pub when: When,
    /// Why: what the evidence shows about the control.
    pub rationale: String,
}

const MAP_CSV: &str = include_str!("control-map.csv");

/// The mapping from findings and runs to controls (`control-map.csv`, one
/// row per control and occasion, with its rationale), embedded at build time.
pub fn mapping() -> &'static [Mapping] {
    static M: OnceLock<Vec<Mapping>> = OnceLock::new();
    M.get_or_init(|| {
        let mut r = csv::Reader::from_reader(MAP_CSV.as_bytes());
        r.records()
            .map(|rec| {
                let rec = rec.expect("embedded mapping is valid CSV");
                Mapping {
                    control: rec[0].to_string(),
                    when: When::parse(&rec[1])
                        .unwrap_or_else(|| panic!("unknown 'when' {}", &rec[1])),
                    rationale: rec[2].to_string(),
                }
            })
            .collect()
    })
}

/// The controls cited on an occasion.
pub fn cited(when: When) -> Vec<&'static str> {
    mapping()
        .iter()
        .filter(|m| m.when == when)
        .map(|m| m.control.as_str())
        .collect()
}

/// What a run's context adds: the model's phase and role.
pub fn for_run(model: &ModelInfo) -> Vec<&'static str> {
    let mut v = cited(When::Run);
    match (model.phase, model.role) {
        (Some(Phase::PreDeployment), _) => v.extend(cited(When::PreDeployment)),
        (Some(Phase::PostMarket), role) => {
            v.extend(cited(When::PostMarket));
            match role {
                Some(Role::Provider) => v.extend(cited(When::PostMarketProvider)),
                Some(Role::Deployer) => v.extend(cited(When::PostMarketDeployer)),
                None => {}
            }
        }
        (None, _) => {}
    }
    v
}

/// What is known of a finding beyond the run: its recorded treatment and
/// corrective action (from the history store).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    /// A treatment or risk acceptance was recorded.
    pub treatment: bool,
    /// A corrective action was recorded.
    pub corrective_action: bool,
}

/// The built-in mapping for a finding.
pub fn builtin_for(status: Status, metric: &Measured, recorded: Recorded) -> Vec<&'static str> {
    let mut v = match metric {
        Measured::Data(d) => {
            let mut v = cited(When::DataFinding);
            v.extend(cited(match d {
                DataMeasure::Representation => When::Representation,
                DataMeasure::LabelBaseRate => When::LabelBias,
                DataMeasure::MissingGap | DataMeasure::OutOfRangeGap => When::DataQuality,
                DataMeasure::Proxy => When::Proxy,
                DataMeasure::SchemaChange | DataMeasure::MixPsi | DataMeasure::OutcomePsi => {
                    When::DataDrift
                }
            }));
            v
        }
        _ => cited(When::Finding),
    };
    if status.breached() {
        v.extend(cited(When::Breach));
    }
    if recorded.treatment {
        v.extend(cited(When::Treatment));
    }
    if recorded.corrective_action {
        v.extend(cited(When::CorrectiveAction));
    }
    if status == Status::InsufficientData {
        v.extend(cited(When::InsufficientData));
    }
    if metric.metric().is_some_and(|m| m.is_accuracy()) {
        v.extend(cited(When::Accuracy));
    }
    if matches!(metric, Measured::Change(_)) {
        v.extend(cited(When::Regression));
    }
    if matches!(
        metric,
        Measured::Oversight
            | Measured::Metric(crate::spec::metric::MetricRef::Beyond(
                crate::spec::metric::Beyond::OverrideRateDifference
            ))
    ) {
        v.extend(cited(When::Oversight));
    }
    v
}

/// Tags a finding with its controls: the built-in mapping plus the check's own
/// (or only the check's own when it replaces the mapping).
pub fn tag(f: &mut Finding, extra: &[String], replace: bool, recorded: Recorded) {
    let mut v: Vec<String> = vec![];
    if !replace {
        for c in builtin_for(f.status, &f.metric, recorded) {
            if !v.iter().any(|x| x == c) {
                v.push(c.to_string());
            }
        }
    }
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
        for m in mapping() {
            assert!(
                find(&m.control).is_some(),
                "{} missing from the catalog",
                m.control
            );
            assert!(!m.rationale.is_empty());
        }
        assert_eq!(
            find("ISO 27001 6.1.2").unwrap().title,
            "Information security risk assessment"
        );
        assert!(validate(&["ISO 27001 A.99".into()], "check x").is_err());
    }

    #[test]
    fn what_a_finding_cites() {
        let ir = Measured::Metric(MetricRef::ImpactRatio);
        let none = Recorded::default();
        let pass = builtin_for(Status::Pass, &ir, none);
        let fail = builtin_for(Status::Fail, &ir, none);
        assert!(!pass.contains(&"ISO 27001 6.1.2"));
        assert!(fail.contains(&"ISO 27001 6.1.2") && fail.contains(&"ISO 42001 6.1.2"));
        // A failure is a nonconformity only once a corrective action is recorded.
        assert!(!fail.contains(&"ISO 27001 10.2"));
        let acted = Recorded {
            treatment: true,
            corrective_action: true,
        };
        assert!(builtin_for(Status::Fail, &ir, acted).contains(&"ISO 27001 10.2"));
        assert!(
            builtin_for(Status::InsufficientData, &ir, none).contains(&"EU AI Act Art. 10(2)(h)")
        );
        assert!(!builtin_for(Status::InsufficientData, &ir, none).contains(&"ISO 42001 A.7.4"));
        let acc = Measured::Metric(MetricRef::Summary(Summary::AccuracyDifference));
        assert!(builtin_for(Status::Pass, &acc, none).contains(&"EU AI Act Art. 15"));
        for c in [
            "ISO 27001 A.5.28",
            "EU AI Act Art. 12",
            "ISO 42001 A.6.2.8",
            "ISO 27001 A.8.16",
            "ISO 27001 A.8.29",
        ] {
            assert!(
                find(c).is_none() || mapping().iter().all(|m| m.control != c),
                "{c}"
            );
        }
    }

    #[test]
    fn phase_and_role_set_the_runs_controls() {
        let mut m = ModelInfo::default();
        assert!(!for_run(&m).contains(&"EU AI Act Art. 72"));
        m.phase = Some(Phase::PostMarket);
        m.role = Some(Role::Provider);
        assert!(for_run(&m).contains(&"EU AI Act Art. 72"));
        m.role = Some(Role::Deployer);
        let d = for_run(&m);
        assert!(d.contains(&"EU AI Act Art. 26") && !d.contains(&"EU AI Act Art. 72"));
        m.phase = Some(Phase::PreDeployment);
        assert!(for_run(&m).contains(&"ISO 42001 A.6.2.4"));
    }
}
