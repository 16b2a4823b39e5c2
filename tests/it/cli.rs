//! The command line end to end.

use crate::{assert_close, attribute, audit_json, fairaudit, fixture, group, temp_file};

#[test]
fn german_credit_by_sex_hand_checked() {
    // Counts of the fixture by sex, from its rows: female 310 rows, male 690.
    let r = audit_json(&["fixtures/german_credit.csv", "--attr", "sex"]);
    assert_eq!(r["schema_version"], 5);
    assert_eq!(r["dataset"]["rows"], 1000);
    assert_eq!(r["dataset"]["rows_used"], 1000);
    assert_eq!(r["dataset"]["excluded"]["total"], 0);
    let sex = attribute(&r, "sex");
    assert_eq!(sex["reference_group"], "male"); // largest
    let f = group(sex, "female");
    assert_eq!(f["n"], 310);
    assert_close!(f["share"].as_f64().unwrap(), 0.31, 1e-12, "share");
    let c = &f["counts"];
    let (tp, fp, tn, fn_) = (
        c["tp"].as_f64().unwrap(),
        c["fp"].as_f64().unwrap(),
        c["tn"].as_f64().unwrap(),
        c["fn"].as_f64().unwrap(),
    );
    assert_eq!(tp + fp + tn + fn_, 310.0);
    assert_close!(
        f["metrics"]["selection_rate"]["value"].as_f64().unwrap(),
        (tp + fp) / 310.0,
        1e-12,
        "sr"
    );
    assert_close!(
        f["metrics"]["ppv"]["value"].as_f64().unwrap(),
        tp / (tp + fp),
        1e-12,
        "ppv"
    );
    assert_close!(
        f["metrics"]["npv"]["value"].as_f64().unwrap(),
        tn / (tn + fn_),
        1e-12,
        "npv"
    );
    assert_close!(
        f["metrics"]["accuracy"]["value"].as_f64().unwrap(),
        (tp + tn) / 310.0,
        1e-12,
        "acc"
    );
    // Male is the reference: its differences are 0 and ratios 1.
    let m = group(sex, "male");
    assert_eq!(
        m["disparities"]["tpr"]["difference"]["value"].as_f64(),
        Some(0.0)
    );
    assert_eq!(
        m["disparities"]["tpr"]["ratio"]["value"].as_f64(),
        Some(1.0)
    );
    let s = &sex["summary"];
    assert_eq!(s["four_fifths_rule_passed"], true);
    assert_eq!(s["disparate_impact_group"], "female");
    assert_close!(
        s["disparate_impact"]["value"].as_f64().unwrap(),
        f["impact_ratio"]["value"].as_f64().unwrap(),
        1e-15,
        "DI equals the one other group's impact ratio"
    );
}

#[test]
fn missing_attribute_values_form_a_group_and_missing_labels_are_excluded() {
    let (_d, p) = temp_file(
        "m.csv",
        "sex,y_true,y_pred\nf,1,1\nf,0,1\n,1,0\nm,,1\nm,1,\nm,0,0\nm,1,1\n",
    );
    let r = audit_json(&[p.to_str().unwrap(), "--attr", "sex"]);
    assert_eq!(r["dataset"]["rows"], 7);
    assert_eq!(r["dataset"]["rows_used"], 5);
    assert_eq!(r["dataset"]["excluded"]["missing_label"], 1);
    assert_eq!(r["dataset"]["excluded"]["missing_prediction"], 1);
    let sex = attribute(&r, "sex");
    let missing = group(sex, "(missing)");
    assert_eq!(missing["n"], 1);
    assert_eq!(missing["counts"]["fn"], 1);
    // (missing) has no predicted positives: ppv undefined, with its reason.
    assert!(missing["metrics"]["ppv"].is_null());
    assert_eq!(
        missing["undefined"]["ppv"],
        "no predicted positives in group"
    );
    assert_eq!(
        sex["groups"].as_array().unwrap().last().unwrap()["group"],
        "(missing)"
    );
}

#[test]
fn string_labels_with_positive_value() {
    let (_d, p) = temp_file(
        "s.csv",
        "sex,decision,truth\nf,approved,approved\nf,denied,approved\nm,approved,denied\nm,approved,approved\n",
    );
    let r = audit_json(&[
        p.to_str().unwrap(),
        "--attr",
        "sex",
        "--label",
        "truth",
        "--prediction",
        "decision",
        "--positive",
        "approved",
    ]);
    let f = group(attribute(&r, "sex"), "f");
    assert_eq!(f["counts"]["tp"], 1);
    assert_eq!(f["counts"]["fn"], 1);
    let m = group(attribute(&r, "sex"), "m");
    assert_eq!(m["counts"]["fp"], 1);
    assert_eq!(m["counts"]["tp"], 1);
}

#[test]
fn boolean_labels_and_score_threshold() {
    // No prediction column: derived as score >= 0.6.
    let (_d, p) = temp_file(
        "b.csv",
        "g,y_true,score\na,true,0.9\na,false,0.6\na,true,0.59\nb,false,0.1\nb,true,1.0\n",
    );
    let r = audit_json(&[
        p.to_str().unwrap(),
        "--attr",
        "g",
        "--score",
        "score",
        "--threshold",
        "0.6",
    ]);
    let a = group(attribute(&r, "g"), "a");
    assert_eq!(a["counts"]["tp"], 1);
    assert_eq!(a["counts"]["fp"], 1);
    assert_eq!(a["counts"]["fn"], 1);
    let b = group(attribute(&r, "g"), "b");
    assert_eq!(b["counts"]["tn"], 1);
    assert_eq!(b["counts"]["tp"], 1);
}

#[test]
fn weights_weight_every_rate() {
    let (_d, p) = temp_file(
        "w.csv",
        "g,y_true,y_pred,w\na,1,1,3\na,1,0,1\na,0,0,2\nb,1,1,1\nb,0,1,1\n",
    );
    let r = audit_json(&[p.to_str().unwrap(), "--attr", "g", "--weight", "w"]);
    assert_eq!(r["dataset"]["weighted"], true);
    let a = group(attribute(&r, "g"), "a");
    assert_eq!(a["n"], 3);
    assert_close!(a["weight"].as_f64().unwrap(), 6.0, 0.0, "weight");
    // tpr = 3 / (3 + 1); selection = 3 / 6
    assert_close!(
        a["metrics"]["tpr"]["value"].as_f64().unwrap(),
        0.75,
        1e-15,
        "weighted tpr"
    );
    assert_close!(
        a["metrics"]["selection_rate"]["value"].as_f64().unwrap(),
        0.5,
        1e-15,
        "weighted sr"
    );
    assert_eq!(a["counts"]["tp"], 1);
    assert_close!(
        a["weighted_counts"]["tp"].as_f64().unwrap(),
        3.0,
        0.0,
        "weighted tp"
    );
}

#[test]
fn favorable_negative_uses_the_complement_for_impact() {
    // a: 1 of 4 adverse (favourable 0.75); b: 2 of 4 adverse (favourable 0.5).
    let (_d, p) = temp_file(
        "n.csv",
        "g,y_true,y_pred\na,0,0\na,0,0\na,1,1\na,0,0\nb,1,1\nb,1,1\nb,0,0\nb,0,0\n",
    );
    let r = audit_json(&[
        p.to_str().unwrap(),
        "--attr",
        "g",
        "--favorable",
        "negative",
        "--reference",
        "g=a",
        "--min-group-size",
        "1",
    ]);
    let s = &attribute(&r, "g")["summary"];
    assert_eq!(s["disparate_impact_basis"], "1 - selection_rate");
    assert_close!(
        s["disparate_impact"]["value"].as_f64().unwrap(),
        0.5 / 0.75,
        1e-15,
        "DI"
    );
    assert_eq!(s["four_fifths_rule_passed"], false);
    assert_eq!(r["settings"]["favorable"], "negative");
}

#[test]
fn intersections_are_named_and_roll_up() {
    let r = audit_json(&[
        "fixtures/german_credit.csv",
        "--attr",
        "sex",
        "--attr",
        "age_group",
        "--attr",
        "foreign_worker",
        "--intersect",
    ]);
    let names: Vec<&str> = r["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "sex",
            "age_group",
            "foreign_worker",
            "sex & age_group",
            "sex & foreign_worker",
            "age_group & foreign_worker",
            "sex & age_group & foreign_worker"
        ]
    );
    let inter = attribute(&r, "sex & age_group");
    let fl = group(inter, "female & le25");
    assert_eq!(fl["values"]["sex"], "female");
    assert_eq!(fl["values"]["age_group"], "le25");
    // Intersection groups sum to the single-attribute groups.
    let total: u64 = inter["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["values"]["sex"] == "female")
        .map(|g| g["n"].as_u64().unwrap())
        .sum();
    assert_eq!(
        total,
        group(attribute(&r, "sex"), "female")["n"].as_u64().unwrap()
    );
}

#[test]
fn formats_agree_on_counts() {
    // The same rows as CSV, NDJSON, Parquet and IPC give the same report.
    let dir = tempfile::tempdir().unwrap();
    let csv = "g,y_true,y_pred\na,1,1\na,0,1\nb,1,0\nb,0,0\nb,1,1\n";
    let ndjson = r#"{"g":"a","y_true":1,"y_pred":1}
{"g":"a","y_true":0,"y_pred":1}
{"g":"b","y_true":1,"y_pred":0}
{"g":"b","y_true":0,"y_pred":0}
{"g":"b","y_true":1,"y_pred":1}
"#;
    std::fs::write(dir.path().join("d.csv"), csv).unwrap();
    std::fs::write(dir.path().join("d.ndjson"), ndjson).unwrap();
    let base = audit_json(&[dir.path().join("d.csv").to_str().unwrap(), "--attr", "g"]);
    let nd = audit_json(&[dir.path().join("d.ndjson").to_str().unwrap(), "--attr", "g"]);
    assert_eq!(base["attributes"], nd["attributes"]);
    for ext in ["parquet", "arrow"] {
        let p = dir.path().join(format!("d.{ext}"));
        fairaudit::ingest::convert(&dir.path().join("d.csv"), &p).unwrap();
        let r = audit_json(&[p.to_str().unwrap(), "--attr", "g"]);
        assert_eq!(base["attributes"], r["attributes"], "{ext}");
    }
    // --input-format overrides the extension.
    let odd = dir.path().join("d.data");
    std::fs::write(&odd, csv).unwrap();
    let r = audit_json(&[
        odd.to_str().unwrap(),
        "--attr",
        "g",
        "--input-format",
        "csv",
    ]);
    assert_eq!(base["attributes"], r["attributes"]);
}

#[test]
fn several_files_merge_through_the_counts() {
    let whole = audit_json(&[
        "fixtures/german_credit.csv",
        "--attr",
        "sex",
        "--attr",
        "age_band",
        "--intersect",
    ]);
    let text = std::fs::read_to_string(fixture("german_credit.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let dir = tempfile::tempdir().unwrap();
    let (h1, h2) = rows.split_at(371);
    let p1 = dir.path().join("part1.csv");
    let p2 = dir.path().join("part2.csv");
    std::fs::write(&p1, format!("{header}\n{}\n", h1.join("\n"))).unwrap();
    std::fs::write(&p2, format!("{header}\n{}\n", h2.join("\n"))).unwrap();
    let parts = audit_json(&[
        p1.to_str().unwrap(),
        p2.to_str().unwrap(),
        "--attr",
        "sex",
        "--attr",
        "age_band",
        "--intersect",
    ]);
    assert_eq!(whole["attributes"], parts["attributes"]);
    assert_eq!(parts["dataset"]["rows"], 1000);
}

/// File names are taken literally (globs are expanded before polars sees a
/// path): spaces, `#`, `%20`, `?` and `..` segments, in every format.
#[test]
fn paths_with_odd_characters_are_read_in_every_format() {
    let base = audit_json(&["fixtures/german_credit.csv", "--attr", "sex"]);
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("odd dir #1").join("a%20b");
    std::fs::create_dir_all(&odd).unwrap();
    // polars' NDJSON scan always expands globs, so no `?` in that name.
    for name in ["g c?.csv", "g c?.parquet", "g c?.arrow", "g c.ndjson"] {
        let p = odd.join(name);
        fairaudit::ingest::convert(&fixture("german_credit.csv"), &p).unwrap();
        // Reached through a `..` segment.
        let via = dir
            .path()
            .join("odd dir #1")
            .join("a%20b")
            .join("..")
            .join("a%20b")
            .join(name);
        let r = audit_json(&[via.to_str().unwrap(), "--attr", "sex"]);
        assert_eq!(base["attributes"], r["attributes"], "{name}");
        assert_eq!(r["dataset"]["rows"], 1000, "{name}");
    }
}

#[test]
fn out_writes_the_file_and_table_is_readable() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    fairaudit()
        .args([
            "audit",
            "fixtures/german_credit.csv",
            "--attr",
            "sex",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(r["dataset"]["rows"], 1000);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind");

    let t = fairaudit()
        .args([
            "audit",
            "fixtures/german_credit.csv",
            "--attr",
            "sex",
            "--format",
            "table",
            "--as-of",
            "2026-11-28",
        ])
        .output()
        .unwrap();
    assert!(t.status.success());
    let text = String::from_utf8(t.stdout).unwrap();
    assert!(text.contains("sex (reference: male)"), "{text}");
    assert!(text.contains("four-fifths rule: passed"), "{text}");
    insta::with_settings!({filters => vec![(r"fairaudit \d+\.\d+\.\d+", "fairaudit [VERSION]")]}, {
        insta::assert_snapshot!("german_credit_sex_table", text);
    });
}

/// `fairaudit ... | head`: the reader closing the pipe is not an error. The
/// run is still recorded and the exit code is the gate's (it was an internal
/// error, exit 101, with a panic message).
#[test]
fn a_closed_stdout_pipe_keeps_the_record_and_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("h.db");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("fairaudit"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "audit",
            "--spec",
            "fixtures/loan-model.toml",
            "--format",
            "json",
        ])
        .args(["--as-of", "2026-11-01", "--record", "--store"])
        .arg(&store)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The report is printed last, long after the reading end is closed here.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("internal error"), "{err}");
    assert!(err.contains("recorded run #1"), "{err}");
    fairaudit()
        .args(["history", "verify", "--store"])
        .arg(&store)
        .assert()
        .success();
}

/// `[run] as_of` as TOML's own date (what `fairaudit init` writes, commented)
/// and as a string give the same run date; a time or a number is refused.
#[test]
fn run_as_of_takes_a_toml_date_or_a_string() {
    let data = fixture("german_credit.csv");
    for (value, ok) in [
        ("2026-05-03", true),
        ("\"2026-05-03\"", true),
        ("2026-05-03T10:00:00", false),
        ("20260503", false),
    ] {
        let spec = format!(
            "[data]\npaths = [{:?}]\n[attributes]\ncolumns = [\"sex\"]\n[run]\nas_of = {value}\n",
            data.display().to_string()
        );
        let (_d, path) = temp_file("s.toml", &spec);
        let out = fairaudit()
            .args(["audit", "--format", "json", "--fail-on", "never", "--spec"])
            .arg(&path)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        if ok {
            assert!(out.status.success(), "{value}: {err}");
            let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(r["cycle"]["run_date"], "2026-05-03", "{value}");
        } else {
            assert_eq!(out.status.code(), Some(2), "{value}: {err}");
            assert!(err.contains("as_of"), "{value}: {err}");
        }
    }
}
