//! Bad input: one clear paragraph naming file, column, value and rows; exit 2;
//! no output file; never a panic.

use std::path::Path;

use crate::{fairaudit, temp_file};

/// Runs an audit expected to fail with exit 2 and returns its stderr, checking
/// that no report file was written and nothing looks like a panic.
fn fails(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let o = fairaudit()
        .arg("audit")
        .args(args)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(2), "exit code; stderr: {err}");
    assert!(!out.exists(), "no report is written on error");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no temporary files"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("RUST_BACKTRACE"), "{err}");
    assert!(err.starts_with("fairaudit: error: "), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one paragraph: {err}");
    err
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn missing_file() {
    let e = fails(&["no/such/file.csv", "--attr", "sex"]);
    assert!(e.contains("no/such/file.csv"), "{e}");
    assert!(e.contains("No such file"), "{e}");
}

#[test]
fn missing_column_lists_the_columns() {
    let (_d, f) = temp_file("a.csv", "sex,y_true,y_pred\nf,1,0\n");
    let e = fails(&[p(&f), "--attr", "race"]);
    assert!(e.contains("no column 'race'"), "{e}");
    assert!(e.contains("sex, y_true, y_pred"), "{e}");
    assert!(e.contains("a.csv"), "{e}");
    let e = fails(&[p(&f), "--attr", "sex", "--label", "outcome"]);
    assert!(
        e.contains("no column 'outcome'") && e.contains("label"),
        "{e}"
    );
}

#[test]
fn non_binary_label_names_values_and_rows() {
    let (_d, f) = temp_file("a.csv", "sex,y_true,y_pred\nf,1,0\nf,2,1\nm,2,1\nm,3,0\n");
    let e = fails(&[p(&f), "--attr", "sex"]);
    assert!(e.contains("column 'y_true'"), "{e}");
    assert!(e.contains("3 rows hold other values"), "{e}");
    assert!(
        e.contains("'2' (2 rows)") && e.contains("'3' (1 row)"),
        "{e}"
    );
    assert!(e.contains("--positive"), "{e}");
    // ... and the flags for a decision that is not binary.
    assert!(e.contains("--outcomes") && e.contains("--value COL"), "{e}");
}

#[test]
fn text_labels_without_positive_suggest_it() {
    let (_d, f) = temp_file("a.csv", "sex,y_true,y_pred\nf,approved,1\nm,denied,0\n");
    let e = fails(&[p(&f), "--attr", "sex"]);
    assert!(e.contains("'approved' (1 row)"), "{e}");
    assert!(e.contains("--positive VALUE"), "{e}");
}

#[test]
fn positive_value_absent() {
    let (_d, f) = temp_file("a.csv", "sex,y_true,y_pred\nf,yes,no\nm,no,yes\n");
    let e = fails(&[p(&f), "--attr", "sex", "--positive", "approved"]);
    assert!(
        e.contains("'approved'") && e.contains("never occurs"),
        "{e}"
    );
}

#[test]
fn non_binary_prediction() {
    let (_d, f) = temp_file("a.csv", "sex,y_true,y_pred\nf,1,0.7\nm,0,0.2\n");
    let e = fails(&[p(&f), "--attr", "sex"]);
    assert!(
        e.contains("column 'y_pred'") && e.contains("prediction must be binary"),
        "{e}"
    );
}

#[test]
fn score_out_of_range_or_nan() {
    let (_d, f) = temp_file(
        "a.csv",
        "sex,y_true,s\nf,1,0.7\nm,0,1.5\nm,0,-0.25\nf,1,NaN\n",
    );
    let e = fails(&[p(&f), "--attr", "sex", "--score", "s"]);
    assert!(e.contains("column 's'"), "{e}");
    assert!(e.contains("2 rows outside [0, 1]"), "{e}");
    assert!(
        e.contains("lowest -0.25") && e.contains("highest 1.5"),
        "{e}"
    );
    assert!(e.contains("1 row with NaN"), "{e}");
}

#[test]
fn negative_weight() {
    let (_d, f) = temp_file("a.csv", "sex,y_true,y_pred,w\nf,1,1,1\nm,0,0,-2\n");
    let e = fails(&[p(&f), "--attr", "sex", "--weight", "w"]);
    assert!(
        e.contains("column 'w'") && e.contains("1 row is negative"),
        "{e}"
    );
    assert!(e.contains("-2"), "{e}");
}

#[test]
fn text_weight_column() {
    let (_d, f) = temp_file("a.csv", "sex,y_true,y_pred,w\nf,1,1,heavy\n");
    let e = fails(&[p(&f), "--attr", "sex", "--weight", "w"]);
    assert!(
        e.contains("column 'w'") && e.contains("must hold numbers"),
        "{e}"
    );
}

#[test]
fn empty_files() {
    let (_d, f) = temp_file("a.csv", "");
    let e = fails(&[p(&f), "--attr", "sex"]);
    assert!(e.contains("a.csv") && e.contains("empty"), "{e}");
    let (_d, f) = temp_file("b.csv", "sex,y_true,y_pred\n");
    let e = fails(&[p(&f), "--attr", "sex"]);
    assert!(e.contains("b.csv") && e.contains("no rows"), "{e}");
}

#[test]
fn all_rows_excluded() {
    let (_d, f) = temp_file("a.csv", "sex,y_true,y_pred\nf,,1\nm,,0\n");
    let e = fails(&[p(&f), "--attr", "sex"]);
    assert!(
        e.contains("all 2 rows were excluded") && e.contains("missing label: 2"),
        "{e}"
    );
}

#[test]
fn corrupt_parquet() {
    let (_d, f) = temp_file(
        "a.parquet",
        "this is not a parquet file at all, just text\n",
    );
    let e = fails(&[p(&f), "--attr", "sex"]);
    assert!(e.contains("a.parquet") && e.contains("as Parquet"), "{e}");
}

#[test]
fn truncated_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("g.parquet");
    fairaudit::ingest::convert(&crate::fixture("german_credit.csv"), &good).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let bad = dir.path().join("t.parquet");
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
    let e = fails(&[p(&bad), "--attr", "sex"]);
    assert!(e.contains("t.parquet") && e.contains("as Parquet"), "{e}");
}

#[test]
fn usage_errors() {
    let (_d, f) = temp_file("a.csv", "sex,y_true,y_pred\nf,1,1\n");
    let e = fails(&[p(&f)]);
    assert!(e.contains("--attr"), "{e}");
    let e = fails(&[p(&f), "--attr", "sex", "--reference", "sex=x"]);
    assert!(e.contains("no group 'x'") && e.contains("f"), "{e}");
    // A choice flag's value is checked by the argument parser, which lists the choices.
    let o = fairaudit()
        .args(["audit", p(&f), "--attr", "sex", "--favorable", "good"])
        .output()
        .unwrap();
    let e = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{e}");
    assert!(
        e.contains("invalid value 'good' for '--favorable")
            && e.contains("possible values: positive, negative"),
        "{e}"
    );
    let e = fails(&[p(&f), "--attr", "sex", "--threshold", "2"]);
    assert!(e.contains("--threshold"), "{e}");
    let e = fails(&["x.xlsx", "--attr", "sex"]);
    assert!(e.contains("--input-format"), "{e}");
}

#[test]
fn unknown_flag_is_exit_2() {
    let o = fairaudit().args(["audit", "--bogus"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

/// An output that cannot be written (its folder is missing) leaves none of
/// the others behind, for the audit and for the data examination, and the
/// error names it once.
#[test]
fn one_unwritable_output_leaves_no_other() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let at = |name: &str| d.join(name).to_str().unwrap().to_string();
    let missing = d.join("no-such-folder").join("x.md");
    for (cmd, outputs) in [
        (
            "audit",
            vec!["--out-json", "--out-junit", "--out-table", "--out"],
        ),
        ("data", vec!["--out-json", "--out-html", "--out"]),
    ] {
        let mut c = fairaudit();
        c.args([cmd, "fixtures/german_credit.csv", "--attr", "sex"]);
        for (i, flag) in outputs.iter().enumerate() {
            c.args([*flag, &at(&format!("{cmd}{i}.out"))]);
        }
        c.arg("--out-md").arg(&missing);
        let o = c.output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{cmd}: {err}");
        assert!(err.contains("no-such-folder"), "{err}");
        assert_eq!(err.matches("No such file or directory").count(), 1, "{err}");
        let left: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(left.is_empty(), "{cmd} left {left:?}");
    }
}

/// Values or weights whose squares overflow would give NaN intervals and
/// wrong moments: refused, with the column and the way out.
#[test]
fn sums_that_overflow_are_refused() {
    let mut csv = String::from("g,y_true,y_pred,v,w\n");
    for i in 0..40 {
        let v = if i == 5 {
            "1e300".to_string()
        } else {
            format!("{i}.5")
        };
        csv.push_str(&format!(
            "{},{},{},{v},1e200\n",
            ["a", "b"][i % 2],
            i % 2,
            (i / 3) % 2
        ));
    }
    let (_d, f) = temp_file("a.csv", &csv);
    let e = fails(&[p(&f), "--attr", "g", "--value", "v"]);
    assert!(
        e.contains("numeric outcome 'v' is too large") && e.contains("rescale"),
        "{e}"
    );
    let e = fails(&[p(&f), "--attr", "g", "--weight", "w"]);
    assert!(
        e.contains("weights of column 'w' are infinite or too large") && e.contains("rescale"),
        "{e}"
    );
}

/// The adjusted analysis and the override audit count rows: with weights
/// they are refused rather than silently unweighted.
#[test]
fn weights_with_controls_or_final_decisions_are_refused() {
    let (_d, f) = temp_file(
        "a.csv",
        "g,c,y_true,y_pred,final,w\na,x,1,1,1,2\nb,y,0,0,0,1\na,y,1,0,1,1\nb,x,0,1,0,3\n",
    );
    let e = fails(&[p(&f), "--attr", "g", "--weight", "w", "--control", "c"]);
    assert!(
        e.contains("--control") && e.contains("does not take weights"),
        "{e}"
    );
    let e = fails(&[p(&f), "--attr", "g", "--weight", "w", "--final", "final"]);
    assert!(
        e.contains("--final") && e.contains("does not take weights"),
        "{e}"
    );
}

/// A header naming a column twice, or one file given twice, is refused by
/// the audit and by the data examination; so is a name given twice to `data`.
#[test]
fn columns_files_and_names_given_twice_are_refused() {
    let (_d, dup) = temp_file("dup.csv", "g,g,y_true,y_pred\na,b,1,0\nb,a,0,1\n");
    let (_d2, f) = temp_file("f.csv", "g,x,y_true,y_pred\na,1,1,0\nb,2,0,1\na,3,0,0\n");
    let same = f.parent().unwrap().join(".").join("f.csv");
    // A hard link has its own canonical path, and the same rows.
    let link = f.parent().unwrap().join("link.csv");
    std::fs::hard_link(&f, &link).unwrap();
    let mut cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["audit", p(&dup), "--attr", "g"],
            "names the column 'g' more than once",
        ),
        (
            vec!["data", p(&dup), "--attr", "g"],
            "names the column 'g' more than once",
        ),
        (
            vec!["audit", p(&f), p(&same), "--attr", "g"],
            "is given twice",
        ),
        (
            vec!["data", p(&f), p(&same), "--attr", "g"],
            "is given twice",
        ),
        (
            vec!["data", p(&f), "--attr", "g", "--attr", "g"],
            "--attr 'g' is given twice",
        ),
        (
            vec!["data", p(&f), "--attr", "g", "--columns", "x,x"],
            "--columns 'x' is given twice",
        ),
        (
            vec![
                "data",
                p(&f),
                "--attr",
                "g",
                "--range",
                "x=0..1",
                "--range",
                "x=0..5",
            ],
            "--range of column 'x' is given twice",
        ),
    ];
    // Files are told apart by inode where there are inodes.
    if cfg!(unix) {
        cases.push((
            vec!["audit", p(&f), p(&link), "--attr", "g"],
            "is given twice",
        ));
    }
    for (args, needle) in cases {
        let o = fairaudit().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(o.stdout.is_empty(), "{args:?}");
    }
}

/// A CSV line with more fields than the header is named by its line number
/// (polars, reading only the columns it needs, would take it silently).
#[test]
fn a_ragged_csv_line_is_named() {
    let (_d, f) = temp_file(
        "r.csv",
        "sex,y_true,y_pred\nf,1,0\nm,0,1\nf,1,1,extra,fields\nm,0,0\n",
    );
    let e = fails(&[p(&f), "--attr", "sex"]);
    assert!(e.contains("line 4 has 5 fields, the header 3"), "{e}");
}

/// Two outputs to one file (by one name or two), or an output to a folder,
/// are refused before anything is written (they would fail at the rename, after others).
#[test]
fn outputs_to_one_file_or_to_a_folder_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let r = dir.path().join("r.json");
    let folder = dir.path().join("sub");
    std::fs::create_dir(&folder).unwrap();
    // The same target under another name (`sub/../r.json`).
    let again = folder.join("..").join("r.json");
    for (second, needle) in [
        (&r, "two outputs"),
        (&again, "two outputs"),
        (&folder, "is a folder"),
    ] {
        let o = fairaudit()
            .args(["audit", "fixtures/german_credit.csv", "--attr", "sex"])
            .arg("--out-json")
            .arg(&r)
            .arg("--out-md")
            .arg(second)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(needle), "{err}");
        assert!(!r.exists(), "{err}");
    }
}

/// A column legitimately named like polars' renamed copy is not a duplicate.
#[test]
fn a_column_named_like_a_renamed_copy_is_accepted() {
    let (_d, f) = temp_file(
        "c.csv",
        "g,g_duplicated_0,y_true,y_pred\na,x,1,0\nb,y,0,1\na,x,1,1\n",
    );
    for cmd in ["audit", "data"] {
        let o = fairaudit()
            .args([cmd, p(&f), "--attr", "g", "--format", "json"])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{cmd}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// The numeric, adjusted and oversight analyses compare with a reference
/// group: with `--reference overall` and no group named they are refused,
/// not left out of the report while the gate passes.
#[test]
fn analyses_needing_a_reference_group_refuse_overall() {
    let data = "fixtures/override_planted.csv";
    for (extra, needle) in [
        (
            vec!["--final", "final"],
            "--final (the human-oversight audit)",
        ),
        (vec!["--value", "y_true"], "--value (the numeric outcome)"),
    ] {
        let o = fairaudit()
            .args(["audit", data, "--attr", "group", "--prediction", "y_pred"])
            .args(["--reference", "overall"])
            .args(&extra)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(needle) && err.contains("group=GROUP"), "{err}");
    }
    // Every intersection named too: it runs.
    let o = fairaudit()
        .args([
            "audit",
            "fixtures/german_credit.csv",
            "--attr",
            "sex",
            "--attr",
            "age_group",
        ])
        .args(["--intersect", "--value", "age", "--reference", "overall"])
        .args(["--reference", "sex=male", "--reference", "age_group=gt25"])
        .args([
            "--reference",
            "sex & age_group=female & le25",
            "--fail-on",
            "never",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // With the group named, it runs.
    let o = fairaudit()
        .args(["audit", data, "--attr", "group", "--final", "final"])
        .args([
            "--reference",
            "overall",
            "--reference",
            "group=A",
            "--fail-on",
            "never",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// A check that gives both spellings of its decision rule must not let them
/// disagree: `evidence` silently won.
#[test]
fn a_check_with_two_different_decision_rules_is_refused() {
    let data = crate::fixture("german_credit.csv").display().to_string();
    let run = |rs: &str, ev: &str| {
        let spec = format!(
            "[data]\npaths = [{data:?}]\n[attributes]\ncolumns = [\"sex\"]\n\
             [[checks]]\nid = \"ir\"\nmetric = \"impact_ratio\"\nfail_below = 0.8\n\
             require_significance = {rs}\nevidence = \"{ev}\"\n"
        );
        let (_d, p) = temp_file("s.toml", &spec);
        fairaudit()
            .args(["audit", "--fail-on", "never", "--spec"])
            .arg(&p)
            .output()
            .unwrap()
    };
    let o = run("false", "interval");
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("check 'ir'") && err.contains("contradicts evidence = \"interval\""),
        "{err}"
    );
    assert_eq!(run("true", "point").status.code(), Some(2));
    // Agreeing spellings are accepted.
    assert!(run("false", "point").status.success());
    assert!(run("true", "significance").status.success());
}
