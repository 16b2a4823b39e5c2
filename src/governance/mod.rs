//! Governance: the control catalog and mapping, the risk register, audit
//! cycles. Tags findings; computes no metric.

pub mod controls;
pub mod cycle;
pub mod register;
pub mod store;
pub mod trend;

use crate::checks::{Check, Finding};
use crate::spec::ModelInfo;
use crate::Result;

use register::RiskEntry;

/// Tags findings with controls (built-in mapping plus each check's own) and
/// with matching risk-register entries.
pub fn tag(
    findings: &mut [Finding],
    policy: &[Check],
    model: &ModelInfo,
    register: Option<&[RiskEntry]>,
) -> Result<()> {
    for c in policy {
        controls::validate(&c.controls, &format!("check '{}'", c.id()))?;
    }
    for f in findings.iter_mut() {
        let check = policy.iter().find(|c| c.id() == f.check);
        let (extra, replace) = check
            .map(|c| (c.controls.as_slice(), c.replace_controls))
            .unwrap_or((&[], false));
        controls::tag(f, extra, replace);
    }
    if let Some(reg) = register {
        register::tag(findings, reg, &model.id);
    }
    Ok(())
}
