//! Output formats. Each format is a module implementing [`Exporter`]; none of
//! them decides anything, they only render a [`Report`].

use std::io::Write;
use std::path::Path;

use crate::engine::Report;
use crate::{Error, Result};

pub mod ciso;
pub mod controls;
pub mod evidence;
pub mod examine;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod oscal;
pub mod record;
pub mod review;
pub mod signing;
pub mod svg;
pub mod table;
pub mod views;

/// Renders a report in one format.
pub trait Exporter {
    /// The report in this format.
    fn render(&self, report: &Report) -> Result<String>;
}

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Plain-text tables for the terminal.
    Table,
    /// The JSON report (docs/report-schema.md).
    Json,
    /// JUnit XML for CI test reporters.
    Junit,
    /// A Markdown summary for a pull-request comment.
    #[value(alias = "md")]
    Markdown,
    /// OSCAL assessment results.
    Oscal,
    /// An OSCAL plan of action and milestones (one item per open failing finding).
    OscalPoam,
    /// A self-contained HTML page.
    Html,
}

/// The formats of the data examination: the audit's, less the JUnit and
/// OSCAL ones (which describe an audit's checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum DataFormat {
    /// Plain-text tables for the terminal.
    Table,
    /// The JSON report (docs/report-schema.md).
    Json,
    /// A Markdown summary.
    #[value(alias = "md")]
    Markdown,
    /// A self-contained HTML page.
    Html,
}

impl From<DataFormat> for Format {
    fn from(f: DataFormat) -> Format {
        match f {
            DataFormat::Table => Format::Table,
            DataFormat::Json => Format::Json,
            DataFormat::Markdown => Format::Markdown,
            DataFormat::Html => Format::Html,
        }
    }
}

impl Format {
    /// The format's name on the command line.
    pub fn name(self) -> String {
        use clap::ValueEnum;
        self.to_possible_value()
            .map_or_else(|| format!("{self:?}"), |v| v.get_name().to_string())
    }

    /// The exporter that renders this format.
    pub fn exporter(self) -> Box<dyn Exporter> {
        match self {
            Format::Table => Box::new(table::TableExporter),
            Format::Json => Box::new(json::JsonExporter),
            Format::Junit => Box::new(junit::JunitExporter),
            Format::Markdown => Box::new(markdown::MarkdownExporter),
            Format::Oscal => Box::new(oscal::OscalExporter),
            Format::OscalPoam => Box::new(oscal::PoamExporter),
            Format::Html => Box::new(html::HtmlExporter),
        }
    }
}

/// Output files written beside their targets and renamed into place only
/// when every one of them was written: a run whose fourth output cannot be
/// written leaves none of them (dropping an uncommitted `Staged` removes
/// its temporary files).
pub struct Staged {
    /// (temporary file, target).
    files: Vec<(std::path::PathBuf, std::path::PathBuf)>,
}

impl Staged {
    /// Writes every file's contents to a temporary file in its target's
    /// directory; the first failure removes the ones already written.
    pub fn write(files: &[(&Path, &[u8])]) -> Result<Staged> {
        // Two outputs to one file, or one to a folder, would fail at the
        // rename, after others had been renamed: refused first.
        for (i, (path, _)) in files.iter().enumerate() {
            if files[..i].iter().any(|(p, _)| same_target(p, path)) {
                return Err(Error::usage(format!(
                    "two outputs are to be written to '{}'",
                    path.display()
                )));
            }
            if path.is_dir() {
                return Err(Error::usage(format!(
                    "the output '{}' is a folder, not a file",
                    path.display()
                )));
            }
        }
        let mut staged = Staged { files: vec![] };
        for (path, contents) in files {
            let tmp = temp_beside(path);
            // Recorded before writing, so that a partial file is removed too.
            staged.files.push((tmp.clone(), path.to_path_buf()));
            (|| {
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(contents)?;
                f.sync_all()
            })()
            .map_err(|source| Error::Write {
                path: path.to_path_buf(),
                source,
            })?;
        }
        Ok(staged)
    }

    /// Renames every temporary file onto its target.
    pub fn commit(mut self) -> Result<()> {
        let files = std::mem::take(&mut self.files);
        for (i, (tmp, path)) in files.iter().enumerate() {
            if let Err(source) = std::fs::rename(tmp, path) {
                for (t, _) in &files[i..] {
                    let _ = std::fs::remove_file(t);
                }
                return Err(Error::Write {
                    path: path.clone(),
                    source,
                });
            }
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (tmp, _) in &self.files {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Whether two output paths name one target (`out.json` and `./out.json`,
/// or through a linked folder): the later rename would replace the earlier
/// file. The file itself may not exist yet, so its folder is compared.
fn same_target(a: &Path, b: &Path) -> bool {
    let resolve = |p: &Path| {
        let dir = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        std::fs::canonicalize(dir)
            .ok()
            .zip(p.file_name())
            .map(|(d, n)| d.join(n))
    };
    a == b || matches!((resolve(a), resolve(b)), (Some(x), Some(y)) if x == y)
}

/// A temporary name beside `path` (same directory, so the rename is atomic).
fn temp_beside(path: &Path) -> std::path::PathBuf {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    dir.join(format!(".{name}.{}.tmp", std::process::id()))
}

/// Writes `contents` to `path` atomically: a temporary file in the same
/// directory, then a rename, so a reader never sees a partial report.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    Staged::write(&[(path, contents)])?.commit()
}
