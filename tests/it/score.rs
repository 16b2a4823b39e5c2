//! Score-based fairness: AUC, balance, calibration and Brier by group from the
//! histograms; threshold sweeps; Theil and generalized entropy; conditional
//! demographic parity.

use serde_json::Value;

use crate::{assert_close, attribute, audit_json, fairaudit, fixture, group, temp_file};

fn reference() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("score-reference.json")).unwrap())
        .unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn scored(file: &str, attrs: &[&str], bins: &str) -> Value {
    let mut args = vec![
        file,
        "--score",
        "score",
        "--score-bins",
        bins,
        "--min-group-size",
        "0",
        "--bootstrap",
        "0",
    ];
    for a in attrs {
        args.extend(["--attr", a]);
    }
    audit_json(&args)
}

#[test]
fn auc_by_group_agrees_with_scikit_learn() {
    let r = reference();
    let cases = r["auc"].as_array().unwrap();
    for file in ["german_credit.csv", "compas_two_year.csv"] {
        let attrs: Vec<&str> = if file.starts_with("german") {
            vec!["sex", "age_group"]
        } else {
            vec!["race", "sex"]
        };
        let path = format!("fixtures/{file}");
        let coarse = scored(&path, &attrs, "1000");
        let fine = scored(&path, &attrs, "100000");
        for c in cases.iter().filter(|c| c["file"] == file) {
            let (want, n) = (f(&c["auc"]), c["n"].as_u64().unwrap());
            let (ours_coarse, ours_fine) = match c["attribute"].as_str() {
                None => (
                    f(&coarse["overall"]["score"]["auc"]),
                    f(&fine["overall"]["score"]["auc"]),
                ),
                Some(a) => (
                    f(&group(attribute(&coarse, a), c["group"].as_str().unwrap())["score"]["auc"]),
                    f(&group(attribute(&fine, a), c["group"].as_str().unwrap())["score"]["auc"]),
                ),
            };
            if file.starts_with("compas") {
                // Scores take 10 values (decile / 10): every value has its own bin: exact.
                assert_close!(ours_coarse, want, 1e-12, "{file} {c}");
            } else {
                // Continuous scores: within the binning error (pairs sharing a bin count ½).
                assert_close!(ours_coarse, want, 5e-3, "{file} {c} at 1000 bins");
                assert_close!(ours_fine, want, 1e-4, "{file} {c} at 100000 bins");
            }
            // Brier and class balance come from exact sums.
            if let Some(a) = c["attribute"].as_str() {
                let g = &group(attribute(&coarse, a), c["group"].as_str().unwrap())["score"];
                assert_close!(f(&g["brier"]), f(&c["brier"]), 1e-9, "{c} brier");
                assert_close!(
                    f(&g["mean_score_positive"]),
                    f(&c["mean_score_positive"]),
                    1e-9,
                    "{c}"
                );
                assert_close!(
                    f(&g["mean_score_negative"]),
                    f(&c["mean_score_negative"]),
                    1e-9,
                    "{c}"
                );
                assert!(n > 0);
            }
        }
    }
}

#[test]
fn theil_agrees_with_aif360() {
    for (file, peers) in [
        ("german_credit.csv", "german_credit"),
        ("compas_two_year.csv", "compas_two_year"),
    ] {
        let p: Value = serde_json::from_str(
            &std::fs::read_to_string(fixture(&format!("peers/{peers}.peers.json"))).unwrap(),
        )
        .unwrap();
        let want = f(&p["tools"]["aif360"]["metrics"]["theil_index"]);
        let r = audit_json(&[
            &format!("fixtures/{file}"),
            "--attr",
            "sex",
            "--bootstrap",
            "0",
        ]);
        assert_close!(
            f(&r["overall"]["inequality"]["theil"]),
            want,
            1e-9,
            "{file} Theil"
        );
        assert!(
            r["overall"]["inequality"]["generalized_entropy"]
                .as_f64()
                .unwrap()
                > 0.0
        );
        assert!(
            r["attributes"][0]["inequality"]["between_group"]["theil"]
                .as_f64()
                .unwrap()
                >= 0.0
        );
    }
}

#[test]
fn sweep_reproduces_the_rates_at_the_datas_own_threshold() {
    // In both files y_pred = score >= 0.5.
    for (file, attr) in [
        ("fixtures/compas_two_year.csv", "race"),
        ("fixtures/german_credit.csv", "age_group"),
    ] {
        let audit = audit_json(&[
            file,
            "--attr",
            attr,
            "--min-group-size",
            "0",
            "--bootstrap",
            "0",
        ]);
        let o = fairaudit()
            .args([
                "sweep",
                file,
                "--score",
                "score",
                "--attr",
                attr,
                "--min-group-size",
                "0",
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let s: Value = serde_json::from_slice(&o.stdout).unwrap();
        let sw = &s["attributes"][0];
        assert_eq!(sw["points"].as_array().unwrap().len(), 101);
        let at = sw["points"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| (f(&p["threshold"]) - 0.5).abs() < 1e-12)
            .unwrap();
        for g in at["groups"].as_array().unwrap() {
            let name = g[0].as_str().unwrap();
            let m = &group(attribute(&audit, attr), name)["metrics"];
            for (i, rate) in [(1, "selection_rate"), (2, "tpr"), (3, "fpr")] {
                match (g[i].as_f64(), m[rate]["value"].as_f64()) {
                    (Some(a), Some(b)) => assert_eq!(a, b, "{file} {name} {rate}: exact"),
                    (None, None) => {}
                    (a, b) => panic!("{file} {name} {rate}: {a:?} vs {b:?}"),
                }
            }
        }
        assert!(sw["four_fifths_holds"].is_array());
    }
}

#[test]
fn one_label_groups_and_extreme_scores() {
    // Group a has only positives; scores at exactly 0 and 1 fall in the end bins.
    let (_d, p) = temp_file(
        "s.csv",
        "g,y_true,score\na,1,1.0\na,1,0.0\na,1,0.5\nb,0,0.0\nb,1,1.0\nb,0,0.3\nb,1,0.3\n",
    );
    let r = audit_json(&[
        p.to_str().unwrap(),
        "--attr",
        "g",
        "--score",
        "score",
        "--min-group-size",
        "0",
        "--bootstrap",
        "0",
    ]);
    let a = &group(attribute(&r, "g"), "a")["score"];
    assert!(a["auc"].is_null());
    assert_eq!(
        a["undefined"]["auc"],
        "no actual negatives in group: AUC needs both labels"
    );
    assert!(a["mean_score_negative"].is_null());
    let b = &group(attribute(&r, "g"), "b")["score"];
    // pos {1.0, 0.3}, neg {0.0, 0.3}: (1>0)(1>0.3)(0.3>0)(0.3=0.3 → ½) = 3.5/4
    assert_close!(f(&b["auc"]), 0.875, 1e-12, "auc with a tie");
    let rel = b["reliability"].as_array().unwrap();
    assert_eq!(rel.len(), 10);
    assert_eq!(rel[0]["n"], 1); // the 0.0
    assert_eq!(rel[9]["n"], 1); // the 1.0
    assert_eq!(rel[5]["n"], 0); // an empty bin
    assert!(rel[5]["observed_rate"].is_null());
    // AUC difference is undefined with one defined AUC.
    assert!(attribute(&r, "g")["score_summary"]["auc_difference"].is_null());
}

#[test]
fn score_checks_can_gate() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("s.toml");
    std::fs::write(
        &spec,
        "[data]\nscore = \"score\"\n[attributes]\ncolumns = [\"race\"]\n[statistics]\nmin_group_size = 100\n[[checks]]\nmetric = \"auc_difference\"\nfail_above = 0.05\nrequire_significance = false\n[[checks]]\nmetric = \"calibration_gap\"\nwarn_above = 0.01\n",
    )
    .unwrap();
    let o = fairaudit()
        .args([
            "audit",
            "--spec",
            spec.to_str().unwrap(),
            "fixtures/compas_two_year.csv",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    let auc = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["metric"] == "auc_difference")
        .unwrap();
    let v = f(&auc["value"]);
    assert_eq!(auc["status"], if v > 0.05 { "fail" } else { "pass" });
    assert_eq!(o.status.code(), Some(if v > 0.05 { 1 } else { 0 }));
    assert!(r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["metric"] == "calibration_gap"));
}

#[test]
fn conditional_parity_agrees_with_statsmodels_mantel_haenszel() {
    let r = reference();
    let c = &r["mantel_haenszel"][0];
    let report = audit_json(&[
        "fixtures/german_credit.csv",
        "--attr",
        "sex",
        "--stratify",
        "age_band",
        "--reference",
        "sex=male",
        "--bootstrap",
        "0",
    ]);
    let cp = &attribute(&report, "sex")["conditional_parity"];
    assert_eq!(cp["column"], "age_band");
    assert_eq!(cp["strata"].as_array().unwrap().len(), 4);
    let mh = &cp["mantel_haenszel"][0];
    assert_eq!(mh["group"], "female");
    assert_close!(
        f(&mh["common_odds_ratio"]),
        f(&c["odds_ratio"]),
        1e-9,
        "MH odds ratio"
    );
    assert_close!(
        f(&mh["statistic"]),
        f(&c["statistic"]),
        1e-9,
        "CMH statistic"
    );
    assert_close!(f(&mh["p_value"]), f(&c["p_value"]), 1e-9, "CMH p");
    // The weighted within-stratum gap is the strata's gaps averaged by size.
    let strata = cp["strata"].as_array().unwrap();
    let (num, den) = strata.iter().fold((0.0, 0.0), |(a, b), s| {
        let n = f(&s["n"]);
        (
            a + n * s["demographic_parity_difference"].as_f64().unwrap_or(0.0),
            b + if s["demographic_parity_difference"].is_null() {
                0.0
            } else {
                n
            },
        )
    });
    assert_close!(
        f(&cp["weighted_demographic_parity_difference"]),
        num / den,
        1e-12,
        "weighted DP"
    );
    // The stratum column is not audited as a protected attribute.
    assert!(report["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["name"] != "age_band"));
}
