//! Direct execution of the counts query on a PostgreSQL server
//! (`fairaudit audit --postgres URL --table T`): the server runs the one
//! GROUP BY of [`crate::ingest::sql::counts_query`], streams back the small counts
//! table with `COPY ... TO STDOUT`, and that table goes through exactly the
//! checks of a `--counts` file. Only the counts leave the database.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::counts::Counts;
pub use crate::spec::redact;
use crate::spec::{AuditSpec, PostgresSource};
use crate::{Error, Result};

/// The counts of `src` and a description of where they came from.
pub struct Fetched {
    /// The counts received.
    pub counts: Counts,
    /// SHA-256 of the counts table as received (CSV bytes).
    pub sha256: String,
}

/// What names the source in messages and reports: the connection string
/// without its password, the table, and the row filter (the evidence says
/// which rows were audited).
pub fn describe(src: &PostgresSource) -> String {
    let filter = src
        .filter
        .as_ref()
        .map(|f| format!(" where {f}"))
        .unwrap_or_default();
    format!("postgres {} table {}{filter}", redact(&src.url), src.table)
}

/// Runs the counts query for `spec` on the server and reads its result as a
/// counts table.
#[cfg(feature = "postgres")]
pub fn fetch(src: &PostgresSource, spec: &AuditSpec) -> Result<Fetched> {
    use std::io::Read;
    let fail = |what: &str, e: &dyn std::fmt::Display| Error::Warehouse {
        source_name: describe(src),
        reason: format!("{what}: {e}"),
    };
    let mut config: postgres::Config = src
        .url
        .parse()
        .map_err(|e| fail("invalid connection string", &e))?;
    if config.get_password().is_none() {
        if let Some(pw) = std::env::var_os("PGPASSWORD") {
            config.password(pw.as_encoded_bytes());
        }
    }
    let mut client = config
        .connect(postgres::NoTls)
        .map_err(|e| fail("cannot connect", &e))?;
    // The rule of a file: with a score and no prediction named, the table's
    // `y_pred` column is the decision when there is one.
    let resolved;
    let mut spec = spec;
    if spec.columns.prediction.is_none() && spec.columns.score.is_some() {
        let d = crate::ingest::sql::Dialect::Postgres;
        let probe = client
            .prepare(&format!("SELECT * FROM {} LIMIT 0", d.table(&src.table)))
            .map_err(|e| fail("cannot read the table's columns", &e))?;
        if probe
            .columns()
            .iter()
            .any(|c| c.name() == crate::spec::DEFAULT_PREDICTION)
        {
            let mut with_column = spec.clone();
            with_column.columns.prediction = Some(crate::spec::DEFAULT_PREDICTION.into());
            resolved = with_column;
            spec = &resolved;
        }
    }
    let query = crate::ingest::sql::counts_query(
        crate::ingest::sql::Dialect::Postgres,
        &src.table,
        spec,
        src.filter.as_deref(),
    )?;
    let mut bytes = vec![];
    client
        .copy_out(&format!(
            "COPY ({query}\n) TO STDOUT WITH (FORMAT csv, HEADER true)"
        ))
        .map_err(|e| fail("the counts query failed", &e))?
        .read_to_end(&mut bytes)
        .map_err(|e| fail("reading the counts failed", &e))?;
    read_fetched(src, spec, &bytes)
}

/// Without the `postgres` feature the source is refused with the reason.
#[cfg(not(feature = "postgres"))]
pub fn fetch(src: &PostgresSource, _spec: &AuditSpec) -> Result<Fetched> {
    Err(Error::Warehouse {
        source_name: describe(src),
        reason: "this fairaudit was built without PostgreSQL support (cargo feature \
                 `postgres`); run `fairaudit sql --dialect postgres` and audit the result \
                 with --counts"
            .into(),
    })
}

/// Audits the CSV bytes of a counts table received from the server: written
/// to a private temporary file and read like a `--counts` file, with messages
/// naming the server and table instead of the temporary path.
pub fn read_fetched(src: &PostgresSource, spec: &AuditSpec, bytes: &[u8]) -> Result<Fetched> {
    let dir = tempfile::Builder::new()
        .prefix("fairaudit-pg")
        .tempdir()
        .map_err(|e| Error::usage(format!("cannot create a temporary directory: {e}")))?;
    let path = dir.path().join("counts.csv");
    std::fs::write(&path, bytes).map_err(|source| Error::Write {
        path: path.clone(),
        source,
    })?;
    let mut s = spec.clone();
    s.input_format = None;
    let counts = crate::ingest::read_counts(&path, &s)
        .map_err(|e| relabel(e, &path, &PathBuf::from(describe(src))))?;
    Ok(Fetched {
        counts,
        sha256: format!("{:x}", Sha256::digest(bytes)),
    })
}

/// Replaces the temporary path in an error with the source's name.
fn relabel(e: Error, tmp: &Path, name: &Path) -> Error {
    let fix = |p: PathBuf| if p == tmp { name.to_path_buf() } else { p };
    match e {
        Error::Read {
            path,
            format,
            reason,
        } => Error::Read {
            path: fix(path),
            format,
            reason,
        },
        Error::MissingColumn {
            path,
            column,
            role,
            available,
        } => Error::MissingColumn {
            path: fix(path),
            column,
            role,
            available,
        },
        Error::BadValues {
            path,
            column,
            problem,
        } => Error::BadValues {
            path: fix(path),
            column,
            problem,
        },
        Error::Empty { path, problem } => Error::Empty {
            path: fix(path),
            problem,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgresql://audit:s3cr:et@db.example:5432/risk?sslmode=disable&password=x"),
            "postgresql://audit:***@db.example:5432/risk?sslmode=disable&password=***"
        );
        assert_eq!(
            redact("postgres://audit@db/risk"),
            "postgres://audit@db/risk"
        );
        assert_eq!(
            redact("host=/tmp/pg port=5432 user=audit password=s3cret dbname=risk"),
            "host=/tmp/pg port=5432 user=audit password=*** dbname=risk"
        );
    }

    #[test]
    fn errors_in_fetched_counts_name_the_server_not_the_temporary_file() {
        let src = PostgresSource {
            url: "postgresql://a:pw@h/db".into(),
            table: "decisions".into(),
            filter: None,
        };
        let spec = AuditSpec::new(vec![], vec!["sex".into()]);
        let bytes = b"sex,label,prediction,n\nf,1,1,-3\n";
        let e = read_fetched(&src, &spec, bytes).err().unwrap().to_string();
        assert!(
            e.starts_with("column 'n' of 'postgres postgresql://a:***@h/db table decisions'"),
            "{e}"
        );
    }
}
