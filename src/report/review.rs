//! The management-review pack (ISO 27001 / ISO 42001 9.3.2 inputs): across
//! every model in the store, for a window of dates — runs and the verdict
//! trend, findings by state, overdue findings, expired acceptances, missed
//! cycles, policy changes, spec approvals and the reviews and audits held.
//! Markdown for the minutes, a self-contained HTML page for the meeting.

use std::fmt::Write;

use chrono::NaiveDate;

use crate::governance::cycle::{schedule, scheduled_past_of};
use crate::governance::lifecycle::{replay_until, Life, State};
use crate::governance::store::{EventKind, Store};
use crate::Result;

use super::svg::esc;

/// One model's review input.
pub struct ModelReview {
    /// The model.
    pub model_id: String,
    /// (date, run id, verdict) of its runs in the window.
    pub runs: Vec<(String, String, String)>,
    /// Its findings with a lifecycle, as of the window's end.
    pub findings: Vec<Life>,
    /// Missed check, review and audit periods since its first run.
    pub missed: Vec<String>,
    /// What is overdue at the window's end.
    pub overdue: Vec<String>,
    /// Policy changes reported by runs in the window.
    pub policy_changes: Vec<String>,
    /// Spec approvals, reviews and audits recorded in the window.
    pub events: Vec<String>,
}

/// The review input of every model for runs and events in [from, to].
pub fn review(store: &Store, from: NaiveDate, to: NaiveDate) -> Result<Vec<ModelReview>> {
    let in_window = |d: &str| {
        NaiveDate::parse_from_str(&d[..d.len().min(10)], "%Y-%m-%d")
            .is_ok_and(|d| d >= from && d <= to)
    };
    let mut out = vec![];
    for model in store.models()? {
        let runs: Vec<_> = store
            .list(Some(&model))?
            .into_iter()
            .filter(|r| in_window(&r.run_date))
            .collect();
        let lc = replay_until(store, Some(&model), to)?;
        let mut policy_changes = vec![];
        for r in &runs {
            for f in store.findings(r.seq)? {
                // A pending change judged again is not a new change.
                if f.check_id == "policy_changed"
                    && f.statement.starts_with("The policy changed since run")
                {
                    policy_changes.push(format!("{} ({}): {}", r.run_date, r.run_id, f.statement));
                }
            }
        }
        let (mut missed, mut overdue) = (vec![], vec![]);
        if let Some((past, cadence, _)) = scheduled_past_of(store, &model)? {
            let start = past.runs.iter().copied().min().unwrap_or(from);
            let s = schedule(&cadence, &past.runs, &past.reviews, &past.audits, start, to);
            for (what, t) in [
                ("check", &s.checks),
                ("review", &s.reviews),
                ("audit", &s.audits),
            ] {
                missed.extend(t.missed.iter().map(|p| format!("{what} {p}")));
            }
            overdue = s.overdue;
        }
        let events = store
            .events(Some(&model))?
            .into_iter()
            .filter(|e| in_window(&e.event.event_date))
            .filter(|e| {
                matches!(
                    e.event.kind,
                    EventKind::SpecApproval | EventKind::Review | EventKind::Audit
                )
            })
            .map(|e| {
                format!(
                    "{} {} by {}{}{}",
                    e.event.event_date,
                    e.event.kind.name().replace('_', " "),
                    e.event.actor,
                    e.event.data["approver"]
                        .as_str()
                        .map(|a| format!(" (approver {a})"))
                        .unwrap_or_default(),
                    // Recorded on another day than the one it is dated.
                    if e.backdated() {
                        format!(
                            " (backdated: recorded {})",
                            &e.event.recorded_at[..e.event.recorded_at.len().min(10)]
                        )
                    } else {
                        String::new()
                    }
                )
            })
            .collect();
        out.push(ModelReview {
            model_id: model,
            runs: runs
                .iter()
                .map(|r| (r.run_date.clone(), r.run_id.clone(), r.verdict.clone()))
                .collect(),
            findings: lc.findings.into_values().collect(),
            missed,
            overdue,
            policy_changes,
            events,
        });
    }
    Ok(out)
}

fn count(m: &ModelReview, s: State) -> usize {
    m.findings.iter().filter(|l| l.state == s).count()
}

const STATES: [State; 5] = [
    State::Open,
    State::InTreatment,
    State::RiskAccepted,
    State::Resolved,
    State::Closed,
];

fn expired(m: &ModelReview, to: NaiveDate) -> Vec<&Life> {
    m.findings
        .iter()
        .filter(|l| l.acceptance.as_ref().is_some_and(|a| a.expires < to))
        .collect()
}

/// A model's sections of the review pack: title and items.
fn sections(m: &ModelReview, to: NaiveDate) -> Vec<(&'static str, Vec<String>)> {
    vec![
        (
            "Runs",
            m.runs
                .iter()
                .map(|r| format!("{} {} — {}", r.0, r.1, r.2))
                .collect::<Vec<_>>(),
        ),
        (
            "Overdue findings",
            m.findings
                .iter()
                .filter(|l| l.overdue(to))
                .map(|l| {
                    format!(
                        "{} ({}, owner {}): due {}",
                        l.finding_id,
                        l.check,
                        l.owner.as_deref().unwrap_or("—"),
                        l.due.map(|d| d.to_string()).unwrap_or_default()
                    )
                })
                .collect(),
        ),
        (
            "Accepted risks",
            m.findings
                .iter()
                .filter(|l| l.state == State::RiskAccepted)
                .map(|l| {
                    let a = l.acceptance.as_ref().expect("accepted");
                    format!(
                        "{} ({}): accepted by {} until {}: {}",
                        l.finding_id, l.check, a.approver, a.expires, a.justification
                    )
                })
                .collect(),
        ),
        (
            "Expired acceptances",
            expired(m, to)
                .iter()
                .map(|l| {
                    let a = l.acceptance.as_ref().expect("accepted");
                    format!(
                        "{} ({}): accepted by {} expired {}; now {}",
                        l.finding_id,
                        l.check,
                        a.approver,
                        a.expires,
                        l.state.name()
                    )
                })
                .collect(),
        ),
        (
            "Open and in treatment",
            m.findings
                .iter()
                .filter(|l| matches!(l.state, State::Open | State::InTreatment))
                .map(|l| {
                    format!(
                        "{} {} ({}): {}",
                        l.finding_id,
                        l.state.name(),
                        l.check,
                        l.statement
                    )
                })
                .collect(),
        ),
        ("Missed cycles", m.missed.clone()),
        ("Overdue", m.overdue.clone()),
        ("Policy changes", m.policy_changes.clone()),
        ("Approvals, reviews and audits", m.events.clone()),
    ]
}

/// The review pack as Markdown.
pub fn markdown(models: &[ModelReview], from: NaiveDate, to: NaiveDate) -> String {
    let mut out = format!(
        "# Management review input: fairness of AI models, {from} to {to}\n\n\
         ISO/IEC 27001 and ISO/IEC 42001 clause 9.3.2 inputs, from the fairaudit history store \
         (fairaudit {}).\n\n| model | runs | verdicts | open | in treatment | accepted | resolved | closed | overdue findings | expired acceptances | missed cycles |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
        env!("CARGO_PKG_VERSION")
    );
    for m in models {
        let verdicts: Vec<&str> = m.runs.iter().map(|r| r.2.as_str()).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            m.model_id,
            m.runs.len(),
            if verdicts.is_empty() {
                "—".into()
            } else {
                verdicts.join(" → ")
            },
            count(m, STATES[0]),
            count(m, STATES[1]),
            count(m, STATES[2]),
            count(m, STATES[3]),
            count(m, STATES[4]),
            m.findings.iter().filter(|l| l.overdue(to)).count(),
            expired(m, to).len(),
            m.missed.len()
        );
    }
    for m in models {
        let _ = writeln!(out, "\n## {}\n", m.model_id);
        for (title, items) in sections(m, to) {
            let _ = writeln!(out, "### {title}\n");
            if items.is_empty() {
                out.push_str("None.\n\n");
            } else {
                for i in items {
                    let _ = writeln!(out, "- {}", i.replace('|', "\\\\|"));
                }
                out.push('\n');
            }
        }
    }
    out
}

/// The review pack as a self-contained HTML page (no scripts, no requests).
pub fn html(models: &[ModelReview], from: NaiveDate, to: NaiveDate) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Management review input {from} to {to}</title>\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
         <style>body{{font-family:sans-serif;max-width:70rem;margin:2rem auto;color:#111}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #999;padding:.3rem .5rem;text-align:left}}.bad{{color:#b00;font-weight:bold}}</style></head><body>\
         <h1>Management review input: fairness of AI models</h1><p>{from} to {to} · ISO/IEC 27001 and ISO/IEC 42001 clause 9.3.2 · fairaudit {}</p>\
         <table id=\"portfolio\"><tr><th>model</th><th>runs</th><th>verdicts</th>",
        env!("CARGO_PKG_VERSION")
    );
    for s in STATES {
        let _ = write!(out, "<th>{}</th>", s.name());
    }
    out.push_str(
        "<th>overdue findings</th><th>expired acceptances</th><th>missed cycles</th></tr>",
    );
    for m in models {
        let verdicts: Vec<&str> = m.runs.iter().map(|r| r.2.as_str()).collect();
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td>",
            esc(&m.model_id),
            m.runs.len(),
            esc(&verdicts.join(" → "))
        );
        for s in STATES {
            let _ = write!(out, "<td>{}</td>", count(m, s));
        }
        let od = m.findings.iter().filter(|l| l.overdue(to)).count();
        let ex = expired(m, to).len();
        let cls = |n: usize| if n > 0 { " class=\"bad\"" } else { "" };
        let _ = write!(
            out,
            "<td{}>{od}</td><td{}>{ex}</td><td{}>{}</td></tr>",
            cls(od),
            cls(ex),
            cls(m.missed.len()),
            m.missed.len()
        );
    }
    out.push_str("</table>");
    for m in models {
        let _ = write!(out, "<h2>{}</h2><table class=\"findings\"><tr><th>finding</th><th>state</th><th>owner</th><th>due</th><th>acceptance</th><th>statement</th></tr>", esc(&m.model_id));
        for l in &m.findings {
            let acc = l
                .acceptance
                .as_ref()
                .map(|a| format!("{} until {}", a.approver, a.expires))
                .unwrap_or_default();
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td{}>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&l.finding_id),
                l.state.name(),
                esc(l.owner.as_deref().unwrap_or("—")),
                if l.overdue(to) { " class=\"bad\"" } else { "" },
                l.due.map(|d| d.to_string()).unwrap_or_default(),
                esc(&acc),
                esc(&l.statement)
            );
        }
        out.push_str("</table>");
        for (title, items) in [
            ("Missed cycles", &m.missed),
            ("Policy changes", &m.policy_changes),
            ("Approvals, reviews and audits", &m.events),
        ] {
            let _ = write!(out, "<h3>{title}</h3><ul>");
            if items.is_empty() {
                out.push_str("<li>None.</li>");
            }
            for i in items {
                let _ = write!(out, "<li>{}</li>", esc(i));
            }
            out.push_str("</ul>");
        }
    }
    out.push_str("</body></html>\n");
    out
}
