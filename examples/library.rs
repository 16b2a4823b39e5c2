//! Using fairaudit as a library: audit the bundled German credit data, with
//! one check of our own, and print the findings.
//!
//! ```sh
//! cargo run --example library
//! ```

use fairaudit::spec::metric::{MetricRef, Summary};
use fairaudit::{Audit, Check, RiskTier};

fn main() -> fairaudit::Result<()> {
    let report = Audit::builder()
        .data("fixtures/german_credit.csv")
        .attr("sex")
        .attr("age_group")
        .reference("sex", "male")
        .reference("age_group", "gt25")
        .model_id("loan-approval")
        .risk_tier(RiskTier::High)
        .check(
            Check::new(MetricRef::ImpactRatio)
                .with_id("four-fifths-rule")
                .with_bounds(Some(0.8), None, Some(0.9), None),
        )
        .check(
            Check::new(MetricRef::Summary(Summary::EqualOpportunityDifference)).with_bounds(
                None,
                Some(0.2),
                None,
                Some(0.1),
            ),
        )
        .run()?;

    println!(
        "{} rows audited; verdict {:?}",
        report.audit.counts.rows_used(),
        report.verdict()
    );
    for f in report.findings_by_severity() {
        println!("[{:<17}] {:<8} {}", f.status, f.severity, f.statement);
    }
    Ok(())
}
