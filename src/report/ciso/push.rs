//! `fairaudit push ciso-assistant`: a recorded run into a CISO Assistant
//! instance over its REST API, following the contract in its source
//! (FORMATS.md of the project's reference material): the risk scenarios and
//! findings through the Data Wizard (updating by `ref_id`), the requirement
//! results of the fairaudit framework's audit, the evidence pack as an
//! evidence linked to the checks' requirement assessments, and each finding
//! linked to its check's requirement node and to the evidence.
//!
//! The token is read from an environment variable, sent only in the
//! `Authorization` header, and never printed, logged or stored.

use std::time::Duration;

use serde_json::{json, Value};

use crate::{Error, Result};

/// Where and what to push.
#[derive(Clone, Debug)]
pub struct Target {
    /// Base URL of the instance, e.g. `https://grc.example.org` (the API is under `/api/`).
    pub url: String,
    /// The API token.
    pub token: String,
    /// The domain (folder) for the evidence.
    pub folder: String,
    /// The risk assessment the scenarios go into.
    pub risk_assessment: String,
    /// The findings assessment the findings go into.
    pub findings_assessment: String,
    /// The audit (compliance assessment) of the fairaudit framework.
    pub assessment: String,
}

/// What a push did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pushed {
    /// Risk scenarios created or updated.
    pub risks: u64,
    /// Findings created or updated.
    pub findings: u64,
    /// Requirement results set.
    pub results: usize,
    /// The evidence's id.
    pub evidence: String,
    /// Findings linked to a requirement node.
    pub linked: usize,
}

struct Client {
    agent: ureq::Agent,
    base: String,
    auth: String,
}

fn http_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::usage(format!("CISO Assistant: {what}: {e}"))
}

impl Client {
    fn new(t: &Target) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        Client {
            agent,
            base: t.url.trim_end_matches('/').to_string(),
            auth: format!("Token {}", t.token),
        }
    }

    /// Sends a request; a status other than 2xx is an error naming the
    /// method, path, status and the start of the body (never the token).
    fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, String)],
        body: Option<&[u8]>,
    ) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let what = format!("{method} {path}");
        let resp = match (method, body) {
            ("GET", _) => {
                let mut r = self.agent.get(&url).header("Authorization", &self.auth);
                for (k, v) in headers {
                    r = r.header(*k, v);
                }
                r.call()
            }
            (m, b) => {
                let mut r = match m {
                    "PATCH" => self.agent.patch(&url),
                    _ => self.agent.post(&url),
                }
                .header("Authorization", &self.auth);
                for (k, v) in headers {
                    r = r.header(*k, v);
                }
                r.send(b.unwrap_or(&[]))
            }
        };
        let mut resp = resp.map_err(|e| http_err(&what, e))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| http_err(&what, e))?;
        if !(200..300).contains(&status) {
            let short: String = text.chars().take(500).collect();
            return Err(Error::usage(format!(
                "CISO Assistant: {what} answered {status}: {short}"
            )));
        }
        Ok(if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        })
    }

    fn json(&self, method: &str, path: &str, body: &Value) -> Result<Value> {
        self.send(
            method,
            path,
            &[("Content-Type", "application/json".into())],
            Some(body.to_string().as_bytes()),
        )
    }

    /// `POST /api/data-wizard/load-file/`; fails when a row failed.
    fn load_file(
        &self,
        model_type: &str,
        target: &str,
        folder: &str,
        name: &str,
        csv: &[u8],
    ) -> Result<u64> {
        let v = self.send(
            "POST",
            "/api/data-wizard/load-file/",
            &[
                (
                    "Content-Disposition",
                    format!("attachment; filename=\"{name}\""),
                ),
                ("X-Model-Type", model_type.into()),
                ("X-Target-Id", target.into()),
                ("X-Folder-Id", folder.into()),
                ("X-On-Conflict", "update".into()),
                ("Content-Type", "text/csv".into()),
            ],
            Some(csv),
        )?;
        let r = &v["results"];
        let failed = r["failed"].as_u64().unwrap_or(0);
        if failed > 0 {
            let errors: Vec<String> = r["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|e| {
                    format!(
                        "{}: {}",
                        e["record"]["ref_id"].as_str().unwrap_or("?"),
                        e["error"].as_str().unwrap_or("")
                    )
                })
                .collect();
            return Err(Error::usage(format!(
                "CISO Assistant rejected {failed} row(s) of {name}: {}",
                errors.join("; ")
            )));
        }
        Ok(r["created"].as_u64().unwrap_or(0) + r["updated"].as_u64().unwrap_or(0))
    }

    /// Every item of a list endpoint, following `next`.
    fn list(&self, path: &str) -> Result<Vec<Value>> {
        let mut out = vec![];
        let mut next = Some(path.to_string());
        while let Some(p) = next.take() {
            let v = self.send("GET", &p, &[], None)?;
            out.extend(v["results"].as_array().cloned().unwrap_or_default());
            if let Some(n) = v["next"].as_str() {
                next = Some(n.strip_prefix(&self.base).unwrap_or(n).to_string());
            }
        }
        Ok(out)
    }
}

fn q(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Pushes an export (its files and evidence pack) of `report` to `t`.
pub fn push(
    t: &Target,
    report: &Value,
    files: &[(String, Vec<u8>)],
    pack: (&str, &[u8]),
) -> Result<Pushed> {
    let c = Client::new(t);
    let file = |name: &str| -> Result<&[u8]> {
        files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
            .ok_or_else(|| Error::usage(format!("export has no {name}")))
    };
    let mut done = Pushed::default();
    let steps = (|| -> Result<()> {
        done.risks = c.load_file(
            "RiskAssessment",
            &t.risk_assessment,
            &t.folder,
            super::RISKS_FILE,
            file(super::RISKS_FILE)?,
        )?;
        done.findings = c.load_file(
            "FindingsAssessment",
            &t.findings_assessment,
            &t.folder,
            super::FINDINGS_FILE,
            file(super::FINDINGS_FILE)?,
        )?;
        let ras = set_results(&c, t, report, &mut done)?;
        done.evidence = attach_evidence(&c, t, report, &ras, pack)?;
        done.linked = link_findings(&c, t, report, &done.evidence)?;
        Ok(())
    })();
    match steps {
        Ok(()) => Ok(done),
        Err(e) => Err(partial(e, &done)),
    }
}

/// A push that failed part-way says what it had already changed in the GRC
/// tool, so the user knows what to check there before running it again.
fn partial(e: Error, done: &Pushed) -> Error {
    let mut steps = vec![];
    if done.risks > 0 {
        steps.push(format!("{} risk scenario(s) imported", done.risks));
    }
    if done.findings > 0 {
        steps.push(format!("{} finding(s) imported", done.findings));
    }
    if done.results > 0 {
        steps.push(format!("{} requirement result(s) set", done.results));
    }
    if !done.evidence.is_empty() {
        steps.push(format!("evidence {} attached", done.evidence));
    }
    // The failing step itself may have changed some rows (an import
    // that rejects one row keeps the others): only earlier steps are sure.
    let said = if steps.is_empty() {
        "no earlier step had completed".to_string()
    } else {
        format!(
            "earlier steps completed in CISO Assistant: {}",
            steps.join(", ")
        )
    };
    Error::usage(format!("{e}; {said}"))
}

/// Sets the requirement results; returns the requirement assessments' ids.
fn set_results(c: &Client, t: &Target, report: &Value, done: &mut Pushed) -> Result<Vec<String>> {
    let results = super::requirement_results(report);
    let path = format!(
        "/api/compliance-assessments/{}/update_requirement/",
        q(&t.assessment)
    );
    let mut ras = vec![];
    for body in results.as_array().into_iter().flatten() {
        c.json("POST", &path, body)?;
        done.results += 1;
        let urn = body["urn"].as_str().unwrap_or_default();
        let found = c.list(&format!(
            "/api/requirement-assessments/?compliance_assessment={}&requirement__urn={}",
            q(&t.assessment),
            q(urn)
        ))?;
        if let Some(id) = found.first().and_then(|r| r["id"].as_str()) {
            ras.push(id.to_string());
        }
    }
    Ok(ras)
}

/// Creates the evidence (linked to `ras`) and uploads the pack; returns its id.
fn attach_evidence(
    c: &Client,
    t: &Target,
    report: &Value,
    ras: &[String],
    pack: (&str, &[u8]),
) -> Result<String> {
    let run_id = report["run_id"].as_str().unwrap_or("run");
    let evidence = c.json(
        "POST",
        "/api/evidences/",
        &json!({
            "name": format!("fairaudit evidence pack {run_id}"),
            "folder": t.folder,
            "description": format!(
                "Evidence pack of fairaudit run {run_id} of model {} (cycle {}): report, summary, spec, risk tags, OSCAL, manifest, SHA256SUMS (and its minisign signature when signed).",
                report["model"]["id"].as_str().unwrap_or(""),
                report["cycle"]["id"].as_str().unwrap_or("")
            ),
            "status": "in_review",
            "requirement_assessments": ras,
        }),
    )?;
    let id = evidence["id"]
        .as_str()
        .ok_or_else(|| Error::usage("CISO Assistant created the evidence without an id"))?
        .to_string();
    c.send(
        "POST",
        &format!("/api/evidences/{}/upload/", q(&id)),
        &[
            (
                "Content-Disposition",
                format!("attachment; filename=\"{}\"", pack.0),
            ),
            ("Content-Type", "application/zip".into()),
        ],
        Some(pack.1),
    )?;
    Ok(id)
}

/// Links each imported finding to its check's requirement node and the evidence.
fn link_findings(c: &Client, t: &Target, report: &Value, evidence: &str) -> Result<usize> {
    let model = report["model"]["id"].as_str().unwrap_or("");
    let findings = c.list(&format!(
        "/api/findings/?findings_assessment={}",
        q(&t.findings_assessment)
    ))?;
    let mut linked = 0;
    for f in report["findings"].as_array().into_iter().flatten() {
        let Some(remote) = findings.iter().find(|r| r["ref_id"] == f["id"]) else {
            continue;
        };
        let (Some(fid), Some(check)) = (remote["id"].as_str(), f["check"].as_str()) else {
            continue;
        };
        let urn = super::library::node_urn(model, check);
        let nodes = c.list(&format!("/api/requirement-nodes/?urn={}", q(&urn)))?;
        let Some(node) = nodes.first().and_then(|n| n["id"].as_str()) else {
            continue;
        };
        c.json(
            "PATCH",
            &format!("/api/findings/{}/", q(fid)),
            &json!({"requirement_node": node, "evidences": [evidence]}),
        )?;
        linked += 1;
    }
    Ok(linked)
}
