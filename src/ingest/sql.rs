//! Audits where the data live: the aggregation query that makes a warehouse
//! engine (Spark SQL, PostgreSQL, Trino, DuckDB) produce the counts table
//! fairaudit audits (docs/counts-format.md). Labels and predictions leave the
//! engine as text and are binarized by fairaudit with the same rules as local
//! ingest; missing attributes stay NULL and become the `(missing)` group; the
//! score bin is floor(s·B + 1e-9) capped at B; weights are summed.

use crate::spec::AuditSpec;
use crate::{Error, Result};

/// SQL dialects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    /// Spark SQL (Databricks).
    Spark,
    /// PostgreSQL.
    #[value(alias = "postgresql")]
    Postgres,
    /// Trino (Presto).
    #[value(alias = "presto")]
    Trino,
    /// DuckDB.
    Duckdb,
}

impl Dialect {
    /// A quoted identifier.
    pub fn ident(self, name: &str) -> String {
        match self {
            Dialect::Spark => format!("`{}`", name.replace('`', "``")),
            _ => format!("\"{}\"", name.replace('"', "\"\"")),
        }
    }

    /// A quoted, possibly qualified, table name (`db.schema.table`).
    pub fn table(self, name: &str) -> String {
        name.split('.')
            .map(|p| self.ident(p))
            .collect::<Vec<_>>()
            .join(".")
    }

    fn text(self, expr: &str) -> String {
        match self {
            Dialect::Spark => format!("CAST({expr} AS STRING)"),
            Dialect::Postgres => format!("CAST({expr} AS TEXT)"),
            Dialect::Trino | Dialect::Duckdb => format!("CAST({expr} AS VARCHAR)"),
        }
    }

    fn double(self, expr: &str) -> String {
        format!(
            "CAST({expr} AS DOUBLE{})",
            if self == Dialect::Postgres {
                " PRECISION"
            } else {
                ""
            }
        )
    }

    fn is_nan(self, expr: &str) -> String {
        match self {
            Dialect::Spark => format!("isnan({expr})"),
            Dialect::Postgres => format!("({expr} = 'NaN'::double precision)"),
            Dialect::Trino => format!("is_nan({expr})"),
            Dialect::Duckdb => format!("isnan({expr})"),
        }
    }
}

fn lit_f64(x: f64) -> String {
    let s = format!("{x:?}");
    if s.contains('e') || s.contains('E') {
        format!("{x:.17}")
    } else {
        s
    }
}

/// The aggregation query for `spec` over `table`.
pub fn counts_query(
    d: Dialect,
    table: &str,
    spec: &AuditSpec,
    filter: Option<&str>,
) -> Result<String> {
    if spec.value.is_some() {
        return Err(Error::usage(
            "the counts query does not carry numeric outcomes (--value) yet; audit the data itself",
        ));
    }
    if spec.attributes.is_empty() {
        return Err(Error::usage(
            "no protected attribute given: pass --attr COLUMN",
        ));
    }
    let c = &spec.columns;
    let q = |n: &str| d.ident(n);
    let mut keys: Vec<(String, String)> = vec![];
    for a in crate::ingest::key_columns(spec) {
        keys.push((d.text(&q(&a)), q(&a)));
    }
    keys.push((d.text(&q(&c.label)), q("label")));
    let score = c.score.as_ref().map(|s| d.double(&q(s)));
    let (pred_expr, from_score) = match (&c.prediction, &score) {
        (Some(p), _) => (d.text(&q(p)), false),
        (None, Some(s)) => (
            format!(
                "CASE WHEN {s} IS NULL THEN NULL WHEN {s} >= {} THEN '1' ELSE '0' END",
                lit_f64(c.threshold)
            ),
            true,
        ),
        (None, None) => (d.text(&q(crate::spec::DEFAULT_PREDICTION)), false),
    };
    keys.push((pred_expr, q("prediction")));
    let b = spec.score_bins;
    // Constants as doubles, so every engine does the same IEEE arithmetic.
    let eps = d.double("1e-9");
    let half = d.double("0.5");
    let e9 = d.double("1000000000");
    let bd = d.double(&b.to_string());
    if let Some(s) = &score {
        keys.push((
            format!(
                "CASE WHEN {s} IS NULL OR {nan} OR {s} < 0 OR {s} > 1 THEN NULL \
                 WHEN FLOOR({s} * {bd} + {eps}) > {b} THEN {b} \
                 ELSE CAST(FLOOR({s} * {bd} + {eps}) AS BIGINT) END",
                nan = d.is_nan(s)
            ),
            q("score_bin"),
        ));
    }
    let mut measures = vec![format!("COUNT(*) AS {}", q("n"))];
    if let Some(w) = &c.weight {
        let w = d.double(&q(w));
        measures.push(format!("SUM({w}) AS {}", q("weight_sum")));
        measures.push(format!("SUM({w} * {w}) AS {}", q("weight_sq_sum")));
        measures.push(format!("MIN({w}) AS {}", q("weight_min")));
        measures.push(format!(
            "SUM(CASE WHEN {w} IS NULL THEN 1 ELSE 0 END) AS {}",
            q("weight_missing")
        ));
        measures.push(format!(
            "SUM(CASE WHEN {w} < 0 OR {} THEN 1 ELSE 0 END) AS {}",
            d.is_nan(&w),
            q("weight_invalid")
        ));
    }
    if let Some(s) = &score {
        measures.push(format!(
            "SUM(CASE WHEN {} THEN 1 ELSE 0 END) AS {}",
            d.is_nan(s),
            q("score_nan")
        ));
        measures.push(format!(
            "SUM(CASE WHEN {s} < 0 OR {s} > 1 THEN 1 ELSE 0 END) AS {}",
            q("score_out_of_range")
        ));
        // Fixed-point sums (units of 1e-9), as local ingest: exact integers.
        measures.push(format!(
            "SUM(CAST(FLOOR({s} * {e9} + {half}) AS BIGINT)) AS {}",
            q("score_sum_e9")
        ));
        measures.push(format!(
            "SUM(CAST(FLOOR({s} * {s} * {e9} + {half}) AS BIGINT)) AS {}",
            q("score_sq_sum_e9")
        ));
        measures.push(format!("MIN({s}) AS {}", q("score_min")));
        measures.push(format!("MAX({s}) AS {}", q("score_max")));
        measures.push(format!(
            "SUM(CASE WHEN {s} IS NULL THEN 1 ELSE 0 END) AS {}",
            q("score_missing")
        ));
    }
    if from_score {
        measures.push(format!("'score' AS {}", q("prediction_source")));
    }
    let select: Vec<String> = keys
        .iter()
        .map(|(e, a)| format!("  {e} AS {a}"))
        .chain(measures.iter().map(|m| format!("  {m}")))
        .collect();
    let group: Vec<String> = (1..=keys.len()).map(|i| i.to_string()).collect();
    let mut sql = format!(
        "-- fairaudit {} counts table (docs/counts-format.md); audit the result with\n\
         -- fairaudit audit --counts RESULT.csv{}\n\
         SELECT\n{}\nFROM {}",
        env!("CARGO_PKG_VERSION"),
        spec.attributes
            .iter()
            .map(|a| format!(" --attr {a}"))
            .collect::<String>(),
        select.join(",\n"),
        d.table(table)
    );
    if let Some(f) = filter {
        sql.push_str(&format!("\nWHERE {f}"));
    }
    // Group by position: every engine here accepts it, and it keeps the long
    // expressions written once.
    sql.push_str(&format!("\nGROUP BY {}", group.join(", ")));
    Ok(sql)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_per_dialect() {
        assert_eq!(Dialect::Spark.ident("a`b"), "`a``b`");
        assert_eq!(Dialect::Postgres.ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(
            Dialect::Trino.table("lake.fin.decisions"),
            "\"lake\".\"fin\".\"decisions\""
        );
    }

    #[test]
    fn query_shape() {
        let mut s = AuditSpec::new(vec![], vec!["sex".into(), "race".into()]);
        s.columns.score = Some("score".into());
        s.columns.weight = Some("w".into());
        let q = counts_query(
            Dialect::Postgres,
            "public.decisions",
            &s,
            Some("decided_at >= '2026-01-01'"),
        )
        .unwrap();
        assert!(q.contains("CAST(\"sex\" AS TEXT) AS \"sex\""));
        assert!(q.contains("FROM \"public\".\"decisions\""));
        assert!(q.contains("WHERE decided_at >= '2026-01-01'"));
        assert!(q.contains("GROUP BY 1, 2, 3, 4, 5"), "{q}");
        assert!(q.contains("FLOOR(CAST(\"score\" AS DOUBLE PRECISION) * CAST(1000 AS DOUBLE PRECISION) + CAST(1e-9 AS DOUBLE PRECISION))"), "{q}");
        assert!(q.contains("SUM(CAST(\"w\" AS DOUBLE PRECISION)) AS \"weight_sum\""));
        let q = counts_query(Dialect::Spark, "t", &s, None).unwrap();
        assert!(q.contains("CAST(`sex` AS STRING)") && q.contains("isnan("));
    }
}
