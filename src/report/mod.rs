//! Output formats. Each format is a module implementing [`Exporter`]; none of
//! them decides anything, they only render an [`Audit`].

use std::io::Write;
use std::path::Path;

use crate::engine::Report;
use crate::{Error, Result};

pub mod controls;
pub mod evidence;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod oscal;
pub mod record;
pub mod svg;
pub mod table;
pub mod views;

/// Renders a report in one format.
pub trait Exporter {
    fn render(&self, report: &Report) -> Result<String>;
}

/// The output formats, by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Junit,
    Markdown,
    Oscal,
    Html,
}

impl Format {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "junit" => Ok(Format::Junit),
            "markdown" | "md" => Ok(Format::Markdown),
            "oscal" => Ok(Format::Oscal),
            "html" => Ok(Format::Html),
            other => Err(Error::usage(format!(
                "unknown --format '{other}': expected table, json, junit, markdown, oscal or html"
            ))),
        }
    }

    pub fn exporter(self) -> Box<dyn Exporter> {
        match self {
            Format::Table => Box::new(table::TableExporter),
            Format::Json => Box::new(json::JsonExporter),
            Format::Junit => Box::new(junit::JunitExporter),
            Format::Markdown => Box::new(markdown::MarkdownExporter),
            Format::Oscal => Box::new(oscal::OscalExporter),
            Format::Html => Box::new(html::HtmlExporter),
        }
    }
}

/// Writes `contents` to `path` atomically: a temporary file in the same
/// directory, then a rename, so a reader never sees a partial report.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let werr = |source| Error::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(contents)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(werr)
}
