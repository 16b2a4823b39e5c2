//! Governance: the control catalog and mapping, the risk register, audit
//! cycles. Tags findings; computes no metric.

pub mod controls;
pub mod crosswalk;
pub mod cycle;
pub mod examine;
pub mod lifecycle;
pub mod matrix;
pub mod oversight;
pub mod policy;
pub mod register;
pub mod store;
pub mod trend;
pub mod workflow;

use crate::checks::{Check, Finding};
use crate::spec::ModelInfo;
use crate::Result;

use register::RiskEntry;

/// Tags findings with controls (built-in mapping plus each check's own, and
/// what the history records of each: `recorded`) and with matching
/// risk-register entries.
pub fn tag(
    findings: &mut [Finding],
    policy: &[Check],
    model: &ModelInfo,
    register: Option<&[RiskEntry]>,
    recorded: &dyn Fn(&str) -> controls::Recorded,
) -> Result<()> {
    for c in policy {
        controls::validate(&c.controls, &format!("check '{}'", c.id()))?;
    }
    for f in findings.iter_mut() {
        let check = policy.iter().find(|c| c.id() == f.check);
        let (extra, replace) = check
            .map(|c| (c.controls.as_slice(), c.replace_controls))
            .unwrap_or((&[], false));
        controls::tag(f, extra, replace, recorded(&f.id));
    }
    if let Some(reg) = register {
        register::tag(findings, reg, model);
    }
    Ok(())
}
