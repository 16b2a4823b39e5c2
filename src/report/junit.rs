//! JUnit XML for CI test reporters (GitLab, Jenkins, GitHub): one testsuite per
//! check, one testcase per finding. A failing finding is a `<failure>`; a
//! warning is a failure only under `--fail-on warn`; findings that cannot be
//! judged (insufficient data, undefined) are `<skipped/>`. The layout satisfies
//! the common Ant JUnit schema (`fixtures/junit/junit.xsd`).

use std::fmt::Write;

use crate::checks::Status;
use crate::engine::Report;
use crate::spec::FailOn;
use crate::Result;

use super::Exporter;

/// JUnit XML.
pub struct JunitExporter;

/// Escapes text for XML attributes and content; drops characters XML 1.0
/// cannot carry.
pub fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push(ch),
            c if (c as u32) < 0x20 => {}
            c => o.push(c),
        }
    }
    o
}

fn token(s: &str) -> String {
    // xs:token: no leading/trailing/double spaces, no tabs or newlines.
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Exporter for JunitExporter {
    fn render(&self, report: &Report) -> Result<String> {
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
        let ts = report.generated_at.format("%Y-%m-%dT%H:%M:%S").to_string();
        let model = &report.model;
        for (i, check) in report.policy.iter().enumerate() {
            let id = check.id();
            let findings: Vec<_> = report.findings.iter().filter(|f| f.check == id).collect();
            let is_failure = |s: Status| {
                s == Status::Fail || (s == Status::Warn && report.fail_on == FailOn::Warn)
            };
            let failures = findings.iter().filter(|f| is_failure(f.status)).count();
            let skipped = findings
                .iter()
                .filter(|f| matches!(f.status, Status::InsufficientData | Status::Undefined))
                .count();
            let suite = token(&format!("fairaudit.{}.{id}", model.id));
            let _ = writeln!(
                out,
                "  <testsuite package=\"fairaudit\" id=\"{i}\" name=\"{}\" timestamp=\"{ts}\" hostname=\"localhost\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\" time=\"0\">",
                xml_escape(&suite),
                findings.len()
            );
            out.push_str("    <properties>\n");
            let props = [
                ("model.id", model.id.clone()),
                ("model.version", model.version.clone().unwrap_or_default()),
                ("model.risk_tier", model.risk_tier.name().to_string()),
                ("cycle", report.cycle.id.clone()),
                ("run_date", report.cycle.run_date.to_string()),
                ("metric", check.metric.name()),
                ("fail_on", report.fail_on.name().to_string()),
            ];
            for (k, v) in props {
                let _ = writeln!(
                    out,
                    "      <property name=\"{k}\" value=\"{}\"/>",
                    xml_escape(&v)
                );
            }
            out.push_str("    </properties>\n");
            let mut sysout = String::new();
            for f in &findings {
                let name = token(&format!("{} [{}] {}", f.title, f.id, f.status.name()));
                let _ = write!(
                    out,
                    "    <testcase name=\"{}\" classname=\"{}\" time=\"0\"",
                    xml_escape(&name),
                    xml_escape(&token(&format!("{suite}.{}", f.attribute)))
                );
                let detail = format!(
                    "{}\nseverity: {}\ncontrols: {}\nrisks: {}",
                    f.statement,
                    f.severity.name(),
                    f.controls.join(", "),
                    if f.risks.is_empty() {
                        "none".into()
                    } else {
                        f.risks.join(", ")
                    }
                );
                if is_failure(f.status) {
                    let _ = writeln!(
                        out,
                        ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                        xml_escape(&f.statement),
                        f.status.name(),
                        xml_escape(&detail)
                    );
                } else if matches!(f.status, Status::InsufficientData | Status::Undefined) {
                    out.push_str(">\n      <skipped/>\n    </testcase>\n");
                    let _ = writeln!(sysout, "{} {}: {}", f.status.name(), f.id, f.statement);
                } else {
                    out.push_str("/>\n");
                    if f.status == Status::Warn {
                        let _ = writeln!(sysout, "warn {}: {}", f.id, f.statement);
                    }
                }
            }
            let _ = writeln!(
                out,
                "    <system-out>{}</system-out>\n    <system-err></system-err>\n  </testsuite>",
                xml_escape(&sysout)
            );
        }
        out.push_str("</testsuites>\n");
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            xml_escape("<a href=\"x\">&'</a>\u{1}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(token("  a \n b  "), "a b");
    }
}
