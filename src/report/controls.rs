//! `fairaudit controls`: the control catalog and which findings map where.

use std::fmt::Write;

use serde_json::json;

use crate::governance::controls::{catalog, mapping};

/// When the built-in mapping cites a control.
fn when(reference: &str) -> Vec<&'static str> {
    mapping()
        .iter()
        .filter(|m| m.control == reference)
        .map(|m| m.when.words())
        .collect()
}

/// Why, row by row of the mapping.
fn rationale(reference: &str) -> Vec<serde_json::Value> {
    mapping()
        .iter()
        .filter(|m| m.control == reference)
        .map(|m| json!({"when": m.when, "rationale": m.rationale}))
        .collect()
}

/// The catalog as JSON or a table.
pub fn render(json: bool) -> String {
    match json {
        true => {
            let v: Vec<_> = catalog()
                .iter()
                .map(|c| {
                    json!({
                        "reference": c.reference(),
                        "framework": c.framework,
                        "id": c.id,
                        "title": c.title,
                        "why": c.why,
                        "mapped_for": when(&c.reference()),
                        "mapping": rationale(&c.reference()),
                    })
                })
                .collect();
            serde_json::to_string_pretty(&v).expect("JSON") + "\n"
        }
        false => {
            let mut out = String::new();
            let w = catalog()
                .iter()
                .map(|c| c.reference().chars().count())
                .max()
                .unwrap_or(10);
            for c in catalog() {
                let r = c.reference();
                let m = when(&r);
                let _ = writeln!(
                    out,
                    "{r:<w$}  {}{}",
                    c.title,
                    if m.is_empty() {
                        String::new()
                    } else {
                        format!("  [{}]", m.join("; "))
                    }
                );
            }
            out.push_str(
                "\nChecks add controls with `controls = [...]` in the spec (or replace the mapping with `replace_controls = true`).\n",
            );
            out
        }
    }
}

/// The mapping (`control-map.csv`) as a Markdown table: control, occasion,
/// rationale. docs/governance.md holds the same table.
pub fn render_mapping() -> String {
    let mut out = String::from("| control | cited on | rationale |\n|---|---|---|\n");
    for m in mapping() {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            m.control,
            m.when.words(),
            m.rationale.replace('|', "\\|")
        );
    }
    out
}
