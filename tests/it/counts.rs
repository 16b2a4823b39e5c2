//! Counts tables: `fairaudit counts` writes them, `audit --counts` reads them,
//! and the audit of the counts of a file is the audit of the file.

use crate::{audit_normalized as audit, fairaudit, fixture, temp_file};

fn counts(data: &[&str], flags: &[&str], out: &std::path::Path) {
    let o = fairaudit()
        .arg("counts")
        .args(data)
        .args(flags)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn the_audit_of_the_counts_is_the_audit_of_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let g = fixture("german_credit.csv");
    let g = g.to_str().unwrap();
    // A copy without the y_pred column: the prediction is derived from the score.
    let text = std::fs::read_to_string(g).unwrap();
    let stripped: String = text
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n")
        .collect();
    let no_pred = dir.path().join("no_pred.csv");
    std::fs::write(&no_pred, stripped).unwrap();
    let plain = std::path::PathBuf::from(g);
    for (data, flags) in [
        (
            &plain,
            vec![
                "--attr",
                "sex",
                "--attr",
                "age_band",
                "--intersect",
                "--score",
                "score",
            ],
        ),
        (
            &plain,
            vec![
                "--attr",
                "foreign_worker",
                "--attr",
                "age_group",
                "--stratify",
                "age_band",
            ],
        ),
        (
            &no_pred,
            vec!["--attr", "sex", "--score", "score", "--threshold", "0.6"],
        ),
    ] {
        let d = data.to_str().unwrap();
        for ext in ["parquet", "csv"] {
            let out = dir.path().join(format!("c.{ext}"));
            counts(&[d], &flags, &out);
            assert_eq!(
                audit(&[d], &flags),
                audit(&["--counts", out.to_str().unwrap()], &flags),
                "{flags:?} via {ext}"
            );
        }
    }
}

#[test]
fn partitions_reduced_apart_merge_to_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("compas_two_year.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let mut parts = vec![];
    for (i, chunk) in rows.chunks(2500).enumerate() {
        let p = dir.path().join(format!("month{i}.csv"));
        std::fs::write(&p, format!("{header}\n{}\n", chunk.join("\n"))).unwrap();
        let c = dir.path().join(format!("month{i}.counts.parquet"));
        counts(
            &[p.to_str().unwrap()],
            &["--attr", "race", "--attr", "sex", "--score", "score"],
            &c,
        );
        parts.push(c);
    }
    let flags = [
        "--attr",
        "race",
        "--attr",
        "sex",
        "--score",
        "score",
        "--favorable",
        "negative",
    ];
    let whole = audit(&[fixture("compas_two_year.csv").to_str().unwrap()], &flags);
    let mut src = vec![];
    for p in &parts {
        src.push("--counts");
        src.push(p.to_str().unwrap());
    }
    assert_eq!(whole, audit(&src, &flags));
    // A counts file may also be merged with raw data.
    let mixed = audit(
        &[
            dir.path().join("month0.csv").to_str().unwrap(),
            "--counts",
            parts[1].to_str().unwrap(),
            "--counts",
            parts[2].to_str().unwrap(),
        ],
        &flags,
    );
    assert_eq!(whole["overall"], mixed["overall"]);
}

#[test]
fn weighted_counts_round_trip() {
    let (dir, p) = temp_file(
        "w.csv",
        "g,y_true,y_pred,w\na,1,1,2\na,0,1,1\na,1,0,\nb,1,1,1\nb,0,0,3\nb,1,1,1\n",
    );
    let out = dir.path().join("c.parquet");
    let flags = ["--attr", "g", "--weight", "w", "--min-group-size", "1"];
    counts(&[p.to_str().unwrap()], &flags[..4], &out);
    let a = audit(&[p.to_str().unwrap()], &flags);
    assert_eq!(a["dataset"]["excluded"]["missing_weight"], 1);
    assert_eq!(a, audit(&["--counts", out.to_str().unwrap()], &flags));
}

fn counts_error(csv: &str) -> String {
    let (_d, p) = temp_file("c.csv", csv);
    let o = fairaudit()
        .args(["audit", "--counts", p.to_str().unwrap(), "--attr", "g"])
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(e.contains("c.csv"), "{e}");
    e
}

#[test]
fn malformed_counts_get_clear_errors() {
    let e = counts_error("g,label,prediction,n\na,1,1,5\na,0,1,-2\n");
    assert!(
        e.contains("column 'n'") && e.contains("-2") && e.contains("1 row"),
        "{e}"
    );
    let e = counts_error("g,label,prediction,n\na,1,1,5.5\n");
    assert!(e.contains("column 'n'") && e.contains("5.5"), "{e}");
    let e = counts_error("g,label,n\na,1,5\n");
    assert!(e.contains("no column 'prediction'"), "{e}");
    let e = counts_error("label,prediction,n\n1,1,5\n");
    assert!(e.contains("no column 'g'"), "{e}");
    let e = counts_error("g,label,prediction,n\na,2,1,5\n");
    assert!(
        e.contains("column 'label'") && e.contains("'2' (5 rows)"),
        "{e}"
    );
    // Duplicate cells are summed.
    let (_d, p) = temp_file("c.csv", "g,label,prediction,n\na,1,1,5\na,1,1,7\nb,0,0,3\n");
    let r = audit(
        &["--counts", p.to_str().unwrap()],
        &["--attr", "g", "--min-group-size", "1"],
    );
    let a = r["attributes"][0]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "a")
        .unwrap()
        .clone();
    assert_eq!(a["counts"]["tp"], 12);
}

/// `counts` writes the counts of data files: it takes no `--counts` flag, and
/// a spec naming only counts tables is refused with the reason.
#[test]
fn counts_command_reads_data_files_only() {
    let (_d, p) = temp_file("c.csv", "g,label,prediction,n\na,1,1,5\n");
    let out = p.with_file_name("out.parquet");
    fairaudit()
        .args([
            "counts",
            "--counts",
            p.to_str().unwrap(),
            "--attr",
            "g",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("unexpected argument '--counts'"));
    assert!(!out.exists());
    let (_s, spec) = temp_file(
        "s.toml",
        &format!(
            "[data]\ncounts = [{:?}]\n[attributes]\ncolumns = [\"g\"]\n",
            p.to_str().unwrap()
        ),
    );
    fairaudit()
        .args(["counts", "--spec", spec.to_str().unwrap(), "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("counts reads data files"));
    assert!(!out.exists());
}

#[test]
fn sql_per_dialect() {
    for (dialect, quote) in [
        ("spark", "`sex`"),
        ("postgres", "\"sex\""),
        ("trino", "\"sex\""),
        ("duckdb", "\"sex\""),
    ] {
        let o = fairaudit()
            .args([
                "sql",
                "--dialect",
                dialect,
                "--table",
                "lake.decisions",
                "--attr",
                "sex",
                "--score",
                "score",
                "--weight",
                "w",
                "--where",
                "month = '2026-10'",
            ])
            .output()
            .unwrap();
        assert!(o.status.success());
        let q = String::from_utf8(o.stdout).unwrap();
        assert!(q.contains(quote), "{dialect}: {q}");
        assert!(
            q.contains("WHERE month = '2026-10'") && q.contains("GROUP BY 1, 2, 3, 4"),
            "{q}"
        );
        assert!(
            q.contains("weight_sum") && q.contains("score_bin") && q.contains("score_sum_e9"),
            "{q}"
        );
    }
    let o = fairaudit()
        .args(["sql", "--dialect", "oracle", "--table", "t", "--attr", "a"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

/// The query's header gives the flags that read its result as it was
/// counted, and says when the decision is the score's; `--control-bins`,
/// which the query cannot apply, is refused rather than ignored.
#[test]
fn sql_header_names_the_reading_flags_and_the_decision_source() {
    let sql = |extra: &[&str]| {
        fairaudit()
            .args([
                "sql",
                "--dialect",
                "duckdb",
                "--table",
                "t",
                "--attr",
                "sex",
            ])
            .args(extra)
            .output()
            .unwrap()
    };
    let o = sql(&[
        "--score",
        "score",
        "--stratify",
        "site",
        "--control",
        "ltv",
        "--value",
        "rate",
        "--value-truth",
        "rate_true",
        "--final",
        "final",
        "--intersect",
        "--score-bins",
        "20",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let q = String::from_utf8(o.stdout).unwrap();
    let hint = q.lines().nth(1).unwrap();
    assert_eq!(
        hint,
        "-- fairaudit audit --counts RESULT.csv --attr sex --intersect --stratify site \
         --control ltv --value rate --value-truth rate_true --final final --score-bins 20"
    );
    assert!(q.contains("AS \"__fa_final\""), "{q}");
    assert!(q.contains("a `y_pred` column is not used"), "{q}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("--prediction y_pred"));
    let o = sql(&["--prediction", "y_pred", "--score", "score"]);
    let q = String::from_utf8(o.stdout).unwrap();
    assert!(!q.contains("y_pred` column is not used"), "{q}");
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = sql(&["--control", "ltv", "--control-bins", "4"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--control-bins"));
}

#[test]
fn too_many_cells_suggest_bucketing() {
    let mut csv = String::from("id,y_true,y_pred\n");
    for i in 0..200_100 {
        csv.push_str(&format!("{i},1,0\n"));
    }
    let (_d, p) = temp_file("ids.csv", &csv);
    let o = fairaudit()
        .args(["audit", p.to_str().unwrap(), "--attr", "id"])
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        e.contains("distinct combinations") && e.contains("bucket"),
        "{e}"
    );
}
