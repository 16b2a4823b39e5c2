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

    fn is_finite(self, expr: &str) -> String {
        match self {
            Dialect::Spark => {
                format!("(NOT isnan({expr}) AND ABS({expr}) < CAST('Infinity' AS DOUBLE))")
            }
            Dialect::Postgres => format!(
                "({expr} <> 'NaN'::double precision AND ABS({expr}) < 'Infinity'::double precision)"
            ),
            Dialect::Trino => format!("is_finite({expr})"),
            Dialect::Duckdb => format!("isfinite({expr})"),
        }
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
    if spec.attributes.is_empty() {
        return Err(Error::usage(
            "no protected attribute given: pass --attr COLUMN",
        ));
    }
    if spec.control_bins.is_some() {
        return Err(Error::usage(
            "--control-bins bands numeric controls of data files; the counts query groups by each control's values as they are: band the controls in the warehouse (a CASE or a view) before counting",
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
    if let Some(f) = &spec.final_decision {
        keys.push((d.text(&q(f)), q(crate::ingest::names::K_FINAL)));
    }
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
    let value = spec.value.as_ref().map(|v| value_measures(d, spec, v));
    if let Some(v) = &value {
        measures.extend(v.cells.iter().cloned());
    }
    let select: Vec<String> = keys
        .iter()
        .map(|(e, a)| format!("  {e} AS {a}"))
        .chain(measures.iter().map(|m| format!("  {m}")))
        .collect();
    let group: Vec<String> = (1..=keys.len()).map(|i| i.to_string()).collect();
    let mut sql = format!(
        "-- fairaudit {} counts table (docs/counts-format.md); audit the result with\n\
         -- fairaudit audit --counts RESULT.csv{}\n{}\
         SELECT\n{}\nFROM {}",
        env!("CARGO_PKG_VERSION"),
        counts_flags(spec),
        if from_score {
            format!(
                "-- The decision is the score at or above {}: the table's columns are not known\n\
                 -- here, so a `y_pred` column is not used (pass --prediction y_pred to use it).\n",
                lit_f64(c.threshold)
            )
        } else {
            String::new()
        },
        select.join(",\n"),
        d.table(table)
    );
    if let Some(f) = filter {
        sql.push_str(&format!("\nWHERE {f}"));
    }
    // Group by position: every engine here accepts it, and it keeps the long
    // expressions written once.
    sql.push_str(&format!("\nGROUP BY {}", group.join(", ")));
    if let Some(v) = value {
        sql.push_str(&sketch_rows(
            d, table, spec, filter, &keys, &measures, &v, &score,
        ));
    }
    Ok(sql)
}

/// The flags with which `audit --counts` reads the query's result as the
/// query counted it (the key columns and what the measures mean).
fn counts_flags(spec: &AuditSpec) -> String {
    let mut f: Vec<String> = spec
        .attributes
        .iter()
        .map(|a| format!("--attr {a}"))
        .collect();
    if spec.intersect {
        f.push("--intersect".into());
    }
    if let Some(s) = &spec.stratify {
        f.push(format!("--stratify {s}"));
    }
    f.extend(spec.controls.iter().map(|c| format!("--control {c}")));
    if let Some(v) = &spec.value {
        f.push(format!("--value {}", v.column));
        if let Some(t) = &v.truth {
            f.push(format!("--value-truth {t}"));
        }
    }
    if let Some(x) = &spec.final_decision {
        f.push(format!("--final {x}"));
    }
    if let Some(o) = &spec.outcomes {
        f.push(format!("--outcomes {}", o.levels.join(",")));
        f.extend(
            o.favorable
                .iter()
                .map(|l| format!("--favorable-outcome {l}")),
        );
        f.extend(
            o.bands
                .iter()
                .map(|b| format!("--outcome-band {}={}:{}", b.level, b.low, b.high)),
        );
    }
    if let Some(p) = &spec.columns.positive {
        f.push(format!("--positive {p}"));
    }
    if spec.columns.score.is_some() {
        f.push(format!("--score-bins {}", spec.score_bins));
    }
    f.iter().map(|x| format!(" {x}")).collect()
}

/// The numeric outcome's part of the query: sums per cell, and the sketch.
struct ValueSql {
    /// Measures of the cell rows (`… AS alias`).
    cells: Vec<String>,
    /// A finite value: the rows of the sketch.
    valid: String,
    /// The weight of a row (1 unweighted).
    weight: String,
    /// The sketch bucket (`counts::sketch::bucket`).
    bucket: String,
}

/// The sums of a numeric outcome (and its error against a true value) over
/// the rows of a cell, as local ingest: weighted sums of x and x² over rows
/// with a finite value; NaN and infinities counted as invalid.
fn value_measures(d: Dialect, spec: &AuditSpec, v: &crate::spec::ValueSpec) -> ValueSql {
    let q = |n: &str| d.ident(n);
    let x = d.double(&q(&v.column));
    let w = match &spec.columns.weight {
        Some(w) => d.double(&q(w)),
        None => d.double("1"),
    };
    let zero = d.double("0");
    let valid = format!("({x} IS NOT NULL AND {})", d.is_finite(&x));
    let mut cells = vec![
        format!(
            "SUM(CASE WHEN {valid} THEN 1 ELSE 0 END) AS {}",
            q("value_n")
        ),
        format!(
            "SUM(CASE WHEN {x} IS NOT NULL AND NOT {} THEN 1 ELSE 0 END) AS {}",
            d.is_finite(&x),
            q("value_invalid")
        ),
    ];
    for (term, alias) in [
        (w.clone(), "value_weight_sum"),
        (format!("{w} * {w}"), "value_weight_sq_sum"),
        (format!("{w} * {x}"), "value_sum"),
        (format!("{w} * {x} * {x}"), "value_sq_sum"),
    ] {
        cells.push(format!(
            "SUM(CASE WHEN {valid} THEN {term} ELSE {zero} END) AS {}",
            q(alias)
        ));
    }
    if let Some(t) = &v.truth {
        let e = format!("({x} - {})", d.double(&q(t)));
        let ok = format!("({e} IS NOT NULL AND {})", d.is_finite(&e));
        cells.push(format!(
            "SUM(CASE WHEN {ok} THEN 1 ELSE 0 END) AS {}",
            q("error_n")
        ));
        for (term, alias) in [
            (w.clone(), "error_weight_sum"),
            (format!("{w} * ABS({e})"), "error_abs_sum"),
            (format!("{w} * {e}"), "error_sum"),
            (format!("{w} * {e} * {e}"), "error_sq_sum"),
        ] {
            cells.push(format!(
                "SUM(CASE WHEN {ok} THEN {term} ELSE {zero} END) AS {}",
                q(alias)
            ));
        }
    }
    // ⌈ln|x| / ln γ⌉ + OFFSET, signed; 0 near zero (counts::sketch::bucket).
    use crate::counts::sketch::{GAMMA, OFFSET, ZERO};
    let i = format!(
        "(CAST(CEIL(LN(ABS({x})) / {}) AS BIGINT) + {OFFSET})",
        d.double(&lit_f64(GAMMA.ln()))
    );
    let bucket = format!(
        "CASE WHEN ABS({x}) < {} THEN 0 WHEN {x} < 0 THEN -{i} ELSE {i} END",
        d.double(&lit_f64(ZERO))
    );
    cells.push(format!("CAST(NULL AS BIGINT) AS {}", q("value_bucket")));
    ValueSql {
        cells,
        valid,
        weight: w,
        bucket,
    }
}

/// `UNION ALL` the sketch rows: per attribute cell and bucket, the weight of
/// the rows the audit uses (label, prediction and weight present) with a
/// finite value; `n` = 0 and every other column empty (docs/counts-format.md).
#[allow(clippy::too_many_arguments)]
fn sketch_rows(
    d: Dialect,
    table: &str,
    spec: &AuditSpec,
    filter: Option<&str>,
    keys: &[(String, String)],
    measures: &[String],
    v: &ValueSql,
    score: &Option<String>,
) -> String {
    let q = |n: &str| d.ident(n);
    let c = &spec.columns;
    let nattr = spec.attributes.len();
    let mut select: Vec<String> = vec![];
    for (i, (e, a)) in keys.iter().enumerate() {
        if i < nattr {
            select.push(format!("  {e} AS {a}"));
        } else if *a == q("score_bin") {
            select.push(format!("  CAST(NULL AS BIGINT) AS {a}"));
        } else {
            select.push(format!("  {} AS {a}", d.text("NULL")));
        }
    }
    // Each measure ends "AS alias"; the sketch row's value follows from
    // the column (docs/counts-format.md).
    let alias = |m: &str| m.rsplit(" AS ").next().unwrap_or_default().to_string();
    for m in measures {
        let a = alias(m);
        let e = match a.trim_matches(['"', '`']) {
            "n" => "0".to_string(),
            "value_weight_sum" => format!("SUM({})", v.weight),
            "value_bucket" => v.bucket.clone(),
            "prediction_source" => d.text("NULL"),
            "weight_missing" | "weight_invalid" | "score_nan" | "score_out_of_range"
            | "score_missing" | "score_sum_e9" | "score_sq_sum_e9" | "value_n"
            | "value_invalid" | "error_n" => "CAST(NULL AS BIGINT)".to_string(),
            _ => d.double("NULL"),
        };
        select.push(format!("  {e} AS {a}"));
    }
    let mut used = vec![
        format!("{} IS NOT NULL", q(&c.label)),
        match (&c.prediction, score) {
            (Some(p), _) => format!("{} IS NOT NULL", q(p)),
            (None, Some(s)) => format!("{s} IS NOT NULL"),
            (None, None) => format!("{} IS NOT NULL", q(crate::spec::DEFAULT_PREDICTION)),
        },
        v.valid.clone(),
    ];
    if let Some(w) = &c.weight {
        used.push(format!("{} IS NOT NULL", q(w)));
    }
    if let Some(f) = filter {
        // On lines of its own: a trailing `--` comment ends with its line.
        used.insert(0, format!("(\n{f}\n)"));
    }
    let mut group: Vec<String> = (1..=nattr).map(|i| i.to_string()).collect();
    group.push(select.len().to_string());
    format!(
        "\nUNION ALL\nSELECT\n{}\nFROM {}\nWHERE {}\nGROUP BY {}",
        select.join(",\n"),
        d.table(table),
        used.join(" AND "),
        group.join(", ")
    )
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
