//! Sound verdicts: each finding is judged on its own evidence under its
//! check's stated rule, and the statistical defects found in review stay
//! fixed. Reference values come from `fixtures/verdict-reference.json`
//! (SciPy, statsmodels, AIF360; `scripts/verdict-reference/gen.sh`).

use fairaudit::counts::{Cell, Counts, Outcome};
use fairaudit::spec::check::EvidenceRule;
use fairaudit::stats;
use fairaudit::{Audit, Status};
use rand::{RngExt, SeedableRng};
use serde_json::Value;

use crate::stats::verdict_reference;
use crate::{assert_close, attribute, audit_json, fairaudit, temp_file};

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// The findings of a report for one check and attribute.
fn findings<'a>(r: &'a Value, check: &str, attribute: &str) -> Vec<&'a Value> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["check"] == check && x["attribute"] == attribute)
        .collect()
}

// ---- Defect 1: a verdict depends only on its own attribute. ----

/// sex: f 6 of 30 approved, m 60 of 100 (impact ratio 0.333); three other
/// attributes with many groups and no effect.
fn many_attributes_csv() -> String {
    let mut s = String::from("sex,region,age,chan,y_true,y_pred\n");
    for i in 0..130 {
        let (sex, pred) = if i < 30 {
            ("f", i < 6)
        } else {
            ("m", i - 30 < 60)
        };
        let region = ["n", "s", "e", "w", "c"][i % 5];
        let age = ["a", "b", "c", "d"][(i / 5) % 4];
        let chan = ["web", "branch", "phone"][(i / 3) % 3];
        s.push_str(&format!(
            "{sex},{region},{age},{chan},{},{}\n",
            i % 2,
            u8::from(pred)
        ));
    }
    s
}

#[test]
fn adding_attributes_never_changes_another_attributes_verdict() {
    let (_d, p) = temp_file("many.csv", &many_attributes_csv());
    let p = p.to_str().unwrap();
    let alone = audit_json(&[p, "--attr", "sex", "--min-group-size", "1"]);
    let many = audit_json(&[
        p,
        "--attr",
        "sex",
        "--attr",
        "region",
        "--attr",
        "age",
        "--attr",
        "chan",
        "--intersect",
        "--min-group-size",
        "1",
    ]);
    assert!(
        many["statistics"]["tests_in_family"].as_u64()
            > alone["statistics"]["tests_in_family"].as_u64()
    );
    let a = findings(&alone, "four-fifths-rule", "sex");
    let b = findings(&many, "four-fifths-rule", "sex");
    assert_eq!(a.len(), 1);
    assert_close!(f(&a[0]["value"]), 1.0 / 3.0, 1e-12, "impact ratio");
    // Its own interval lies entirely below 0.8: a failure, with or without the others.
    assert!(f(&a[0]["ci"][1]) < 0.8, "{}", a[0]["ci"]);
    for x in [a[0], b[0]] {
        assert_eq!(x["status"], "fail", "{}", x["statement"]);
        assert_eq!(x["severity"], "high");
    }
    assert_eq!(a[0]["p_adjusted"], b[0]["p_adjusted"]);
    // The gate fails both ways.
    for extra in [
        vec![],
        vec!["--attr", "region", "--attr", "age", "--intersect"],
    ] {
        fairaudit()
            .args([
                "audit",
                p,
                "--attr",
                "sex",
                "--min-group-size",
                "1",
                "--format",
                "json",
            ])
            .args(&extra)
            .assert()
            .code(1);
    }
}

// ---- Defect 2: a summary's significance comes from its own pair. ----

/// Group A (TPR 0.90), B (TPR `b_tp`/300), C (TPR 0.60 on 10 positives):
/// the TPR range is A − C whatever B does.
fn three_groups_csv(b_tp: usize) -> String {
    let mut s = String::from("g,y_true,y_pred\n");
    let mut add = |g: &str, tp: usize, fneg: usize, tn: usize, fp: usize| {
        for (n, y, p) in [(tp, 1, 1), (fneg, 1, 0), (tn, 0, 0), (fp, 0, 1)] {
            for _ in 0..n {
                s.push_str(&format!("{g},{y},{p}\n"));
            }
        }
    };
    add("A", 90, 10, 60, 40);
    add("B", b_tp, 300 - b_tp, 200, 100);
    add("C", 6, 4, 25, 15);
    s
}

#[test]
fn a_summary_is_judged_on_the_pair_that_sets_it() {
    let mut seen = vec![];
    for b_tp in [240, 228] {
        let (_d, p) = temp_file("abc.csv", &three_groups_csv(b_tp));
        let r = audit_json(&[p.to_str().unwrap(), "--attr", "g", "--reference", "g=A"]);
        let eo = findings(&r, "equal_opportunity_difference", "g")[0].clone();
        assert_close!(f(&eo["value"]), 0.3, 1e-12, "TPR range A − C");
        assert_eq!(
            eo["pair"],
            serde_json::json!(["A", "C"]),
            "{}",
            eo["statement"]
        );
        seen.push((
            eo["status"].clone(),
            eo["severity"].clone(),
            eo["p_adjusted"].clone(),
        ));
    }
    assert_eq!(
        seen[0], seen[1],
        "B's TPR must not change the A − C finding"
    );
}

// ---- Defect 3: every metric can fail. ----

#[test]
fn metrics_that_had_no_test_can_fail() {
    // Group x: accuracy 0.9 (900 rows); y: accuracy 0.6 (900 rows).
    let mut csv = String::from("g,y_true,y_pred\n");
    for (g, right) in [("x", 810), ("y", 540)] {
        for i in 0..900 {
            let y = i % 2;
            let p = if i < right { y } else { 1 - y };
            csv.push_str(&format!("{g},{y},{p}\n"));
        }
    }
    let (_d, p) = temp_file("acc.csv", &csv);
    let (_s, spec) = temp_file(
        "spec.toml",
        &format!(
            "[data]\npaths = [{:?}]\n[attributes]\ncolumns = [\"g\"]\nreference = \"largest\"\n\
             [[checks]]\nmetric = \"accuracy_difference\"\nfail_above = 0.1\n\
             [[checks]]\nmetric = \"tnr_difference\"\nfail_below = -0.1\n\
             [[checks]]\nmetric = \"npv_ratio\"\nfail_below = 0.8\n",
            p.to_str().unwrap()
        ),
    );
    let o = fairaudit()
        .args([
            "audit",
            "--spec",
            spec.to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    for check in ["accuracy_difference", "tnr_difference", "npv_ratio"] {
        let x = findings(&r, check, "g");
        assert!(
            x.iter()
                .any(|x| x["status"] == "fail" && x["p_value"].is_f64()),
            "{check}: {x:?}"
        );
    }
    assert_eq!(o.status.code(), Some(1));
}

// ---- Defect 4: weighted bootstrap intervals as wide as a row bootstrap's. ----

#[test]
fn weighted_bootstrap_matches_a_row_bootstrap() {
    let v = verdict_reference();
    let wb = &v["weighted_bootstrap"];
    let r = audit_json(&[
        "fixtures/weighted_sample.csv",
        "--attr",
        "group",
        "--weight",
        "w",
        "--bootstrap",
        "4000",
    ]);
    let s = &attribute(&r, "group")["summary"]["demographic_parity_difference"];
    assert_close!(
        f(&s["value"]),
        f(&wb["point_estimate"]),
        1e-9,
        "weighted DPD"
    );
    let (lo, hi) = (f(&s["ci"][0]), f(&s["ci"][1]));
    let row = &wb["row_weights"]["ci95"];
    let naive = &wb["cell_mean_weights"]["ci95"];
    // Within Monte Carlo error of the row bootstrap (20,000 replicates) ...
    assert_close!(lo, f(&row[0]), 0.012, "lower end vs row bootstrap");
    assert_close!(hi, f(&row[1]), 0.012, "upper end vs row bootstrap");
    let width = hi - lo;
    let row_width = f(&row[1]) - f(&row[0]);
    assert!(
        (width / row_width - 1.0).abs() < 0.1,
        "width {width} vs {row_width}"
    );
    // ... and clearly wider than the cell-mean bootstrap that was the defect.
    let naive_width = f(&naive[1]) - f(&naive[0]);
    assert!(
        width > 1.15 * naive_width,
        "width {width} vs naive {naive_width}"
    );
}

// ---- Defect 5: Mantel–Haenszel. ----

#[test]
fn mantel_haenszel_matches_statsmodels() {
    let v = verdict_reference();
    for c in v["mantel_haenszel"]["cases"].as_array().unwrap() {
        let tables: Vec<[f64; 4]> = c["tables"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| [f(&t[0][0]), f(&t[0][1]), f(&t[1][0]), f(&t[1][1])])
            .collect();
        let name = &c["name"];
        let m = stats::mantel_haenszel(&tables, 0.95).unwrap();
        assert_close!(m.odds_ratio, f(&c["oddsratio_pooled"]), 1e-10, "{name} OR");
        let t = &c["test_null_odds_correction_true"];
        assert_close!(m.statistic, f(&t["statistic"]), 1e-10, "{name} statistic");
        assert_close!(m.p_value, f(&t["pvalue"]), 1e-10, "{name} p");
        let ci = &c["oddsratio_pooled_confint_alpha_0.05"];
        let (lo, hi) = m.ci.unwrap();
        assert_close!(lo, f(&ci[0]), 1e-9, "{name} RBG lower");
        assert_close!(hi, f(&ci[1]), 1e-9, "{name} RBG upper");
    }
}

/// Weights × 10 describe the same evidence: the CMH p-value must not move.
#[test]
fn mantel_haenszel_uses_effective_counts_with_weights() {
    let mut csv = String::from("g,s,y_true,y_pred,w\n");
    for (i, (g, s)) in [("a", "lo"), ("b", "lo"), ("a", "hi"), ("b", "hi")]
        .iter()
        .enumerate()
    {
        for k in 0..60 {
            let p = u8::from(k % (2 + i) == 0);
            csv.push_str(&format!("{g},{s},{},{p},{}\n", k % 2, 1.0 + (k % 3) as f64));
        }
    }
    let ten: String = csv
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l}\n")
            } else {
                let (head, w) = l.rsplit_once(',').unwrap();
                format!("{head},{}\n", w.parse::<f64>().unwrap() * 10.0)
            }
        })
        .collect();
    let p = |text: &str| {
        let (_d, path) = temp_file("w.csv", text);
        let r = audit_json(&[
            path.to_str().unwrap(),
            "--attr",
            "g",
            "--stratify",
            "s",
            "--weight",
            "w",
            "--reference",
            "g=a",
        ]);
        f(&attribute(&r, "g")["conditional_parity"]["mantel_haenszel"][0]["p_value"])
    };
    assert_close!(p(&csv), p(&ten), 1e-9, "CMH p with weights × 10");
}

// ---- Defect 6: generalized entropy with the favourable label. ----

#[test]
fn inequality_follows_the_favourable_label_as_aif360() {
    let v = verdict_reference();
    let results = v["inequality"]["results"].as_array().unwrap();
    for (fav, label) in [("negative", 0), ("positive", 1)] {
        let want = &results
            .iter()
            .find(|x| x["favorable_label"] == label)
            .unwrap()["aif360"];
        let r = audit_json(&[
            "fixtures/compas_two_year.csv",
            "--attr",
            "race",
            "--favorable",
            fav,
        ]);
        let overall = &r["overall"]["inequality"];
        assert_close!(
            f(&overall["theil"]),
            f(&want["theil_index"]),
            1e-12,
            "{fav} Theil"
        );
        assert_close!(
            f(&overall["generalized_entropy"]),
            f(&want["generalized_entropy_index_alpha_2"]),
            1e-12,
            "{fav} GE(2)"
        );
        let between = &attribute(&r, "race")["inequality"]["between_group"];
        assert_close!(
            f(&between["theil"]),
            f(&want["between_all_groups_theil_index"]),
            1e-12,
            "{fav} between-group Theil"
        );
    }
}

// ---- Defect 7: ratio intervals at the edges. ----

#[test]
fn koopman_ratio_intervals_match_statsmodels_and_behave_at_the_edges() {
    let v = verdict_reference();
    for c in v["ratio_ci"]["cases"].as_array().unwrap() {
        if c["name"] != "koopman" || !c["score_test_inversion"].is_array() {
            continue;
        }
        let (x1, n1, x2, n2) = (f(&c["x1"]), f(&c["n1"]), f(&c["x2"]), f(&c["n2"]));
        let level = 1.0 - f(&c["alpha"]);
        // statsmodels' closed form picks a wrong root when x1 = n1; the
        // inversion of its own score test is the reference.
        let want = &c["score_test_inversion"];
        let got = stats::koopman_ratio(x1, n1, x2, n2, level);
        if !want[1].is_f64() {
            assert!(got.is_none() || x2 == 0.0, "{c}");
            continue;
        }
        let (lo, hi) = got.unwrap_or_else(|| panic!("no interval for {c}"));
        assert_close!(lo, f(&want[0]), 1e-8, "lower {c}");
        assert_close!(hi, f(&want[1]), 1e-8, "upper {c}");
        let est = (x1 / n1) / (x2 / n2);
        assert!(
            lo <= est && est <= hi,
            "the interval contains its estimate: {c}"
        );
    }
    // x1 = 0: the interval starts at 0 and contains the estimate 0.
    let (lo, _) = stats::koopman_ratio(0.0, 50.0, 30.0, 60.0, 0.95).unwrap();
    assert_eq!(lo, 0.0);
    // Both rates 1: a real width.
    let (lo, hi) = stats::koopman_ratio(60.0, 60.0, 100.0, 100.0, 0.95).unwrap();
    assert!(lo < 0.95 && hi > 1.03, "{lo} {hi}");
}

#[test]
fn one_sided_threshold_test_matches_statsmodels() {
    let v = verdict_reference();
    for c in v["one_sided_threshold"]["ratio"].as_array().unwrap() {
        if c["correction"] != false || c["alternative"] != "smaller" {
            continue;
        }
        let got = stats::ratio_below_p(
            f(&c["x1"]),
            f(&c["n1"]),
            f(&c["x2"]),
            f(&c["n2"]),
            f(&c["value"]),
        );
        assert_close!(got.unwrap(), f(&c["pvalue"]), 1e-9, "{c}");
    }
}

// ---- Defect 8: the four-fifths rule without a reference group. ----

#[test]
fn sweep_with_the_overall_reference_says_the_rule_is_undefined() {
    let args = [
        "sweep",
        "fixtures/german_credit.csv",
        "--score",
        "score",
        "--attr",
        "sex",
        "--reference",
        "overall",
    ];
    let o = fairaudit().args(args).output().unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("four-fifths rule holds for thresholds undefined (no reference group)"),
        "{text}"
    );
    assert!(!text.contains("thresholds none"), "{text}");
    let o = fairaudit()
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let j: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(j["attributes"][0]["four_fifths_holds"].is_null());
}

// ---- Defect 9: a score of exactly 1. ----

#[test]
fn calibration_of_scores_of_exactly_one() {
    let v = verdict_reference();
    for c in v["calibration_exact_one"]["cases"].as_array().unwrap() {
        let mut csv = String::from("g,y_true,score\n");
        for (s, y) in c["scores"]
            .as_array()
            .unwrap()
            .iter()
            .zip(c["labels"].as_array().unwrap())
        {
            csv.push_str(&format!("a,{y},{s}\n"));
        }
        let (_d, p) = temp_file("s.csv", &csv);
        let r = audit_json(&[
            p.to_str().unwrap(),
            "--attr",
            "g",
            "--score",
            "score",
            "--min-group-size",
            "1",
        ]);
        let score = &r["overall"]["score"];
        // Bin midpoints stand for scores within a bin: within half a
        // histogram bin (0.0005) of the exact mean; exact 1s are exact.
        assert_close!(f(&score["ece"]), f(&c["ece"]), 0.0005, "{} ece", c["name"]);
        for b in score["reliability"].as_array().unwrap() {
            if let Some(m) = b["mean_predicted"].as_f64() {
                assert!(m <= 1.0, "mean predicted {m} above 1 in {}", c["name"]);
            }
        }
        if c["name"] == "all_ones" {
            assert_close!(f(&score["ece"]), f(&c["ece"]), 1e-12, "all ones ece");
        }
    }
}

// ---- Defect 10: the report names the resampling and generator. ----

#[test]
fn the_report_names_the_bootstrap_generator() {
    let r = audit_json(&["fixtures/german_credit.csv", "--attr", "sex"]);
    let m = r["statistics"]["bootstrap_method"].as_str().unwrap();
    assert!(m.contains("PCG64") && m.contains("rand_distr 0.6.0"), "{m}");
    let again = audit_json(&["fixtures/german_credit.csv", "--attr", "sex"]);
    assert_eq!(
        attribute(&r, "sex")["summary"],
        attribute(&again, "sex")["summary"]
    );
}

// ---- The decision rules, stated. ----

#[test]
fn each_finding_states_its_rule_and_the_report_lists_the_rules() {
    let r = audit_json(&["--spec", "fixtures/loan-model.toml"]);
    let rules = r["policy"]["decision_rules"].as_array().unwrap();
    assert_eq!(rules.len(), 4);
    assert!(rules.iter().all(|x| x["evidence"] == "significance"));
    for x in r["findings"].as_array().unwrap() {
        let s = x["statement"].as_str().unwrap();
        match x["status"].as_str().unwrap() {
            "fail" => assert!(
                s.contains("significance rule") || s.contains("interval lies entirely"),
                "{s}"
            ),
            "pass" => assert!(s.contains("within the thresholds"), "{s}"),
            _ => {}
        }
        assert_eq!(s.lines().count(), 1);
    }
}

#[test]
fn evidence_rules_from_the_spec() {
    // f 16 of 40 approved vs m 60 of 100: impact ratio 0.667, interval straddles 0.8.
    let mut csv = String::from("sex,y_true,y_pred\n");
    for i in 0..140 {
        let (s, p) = if i < 40 {
            ("f", i < 16)
        } else {
            ("m", i - 40 < 60)
        };
        csv.push_str(&format!("{s},{},{}\n", i % 2, u8::from(p)));
    }
    let (_d, data) = temp_file("r.csv", &csv);
    let status = |rule: EvidenceRule| {
        let (_s, spec) = temp_file(
            "spec.toml",
            &format!(
                "[data]\npaths = [{:?}]\n[attributes]\ncolumns = [\"sex\"]\n\
                 [[checks]]\nmetric = \"impact_ratio\"\nfail_below = 0.8\nevidence = \"{}\"\n",
                data.to_str().unwrap(),
                rule.name()
            ),
        );
        let r = audit_json(&["--spec", spec.to_str().unwrap()]);
        let x = &r["findings"][0];
        assert_eq!(x["thresholds"]["evidence"], rule.name());
        (x["status"].as_str().unwrap().to_string(), x["ci"].clone())
    };
    let (point, ci) = status(EvidenceRule::Point);
    assert!(f(&ci[1]) > 0.8, "the interval straddles 0.8: {ci}");
    assert_eq!(point, "fail");
    assert_eq!(status(EvidenceRule::Interval).0, "warn");
    // z test of 0.4 vs 0.6 on 40 and 100 rows: p ≈ 0.03 < 0.05.
    assert_eq!(status(EvidenceRule::Significance).0, "fail");
}

// ---- Properties over many audits. ----

/// Counts of `groups` (rows, selection rate, base rate) of one attribute
/// drawn with `rng`; TPR and FPR follow the selection rate.
fn draw_counts(
    rng: &mut rand::rngs::StdRng,
    attrs: &[&str],
    groups: &[(Vec<&str>, u64, f64)],
) -> Counts {
    let mut c = Counts::new(attrs.iter().map(|a| a.to_string()).collect(), false);
    for (key, n, sr) in groups {
        let mut cell = Cell::default();
        for _ in 0..*n {
            let y = rng.random_bool(0.6);
            let p = rng.random_bool(if y {
                (sr + 0.25).min(1.0)
            } else {
                (sr - 0.35).max(0.0)
            });
            cell.record(Outcome::of(y, p), 1, 1.0, 1.0);
        }
        c.cells
            .insert(key.iter().map(|v| Some(v.to_string())).collect(), cell);
    }
    c.rows_read = c.rows_used();
    c
}

fn audit_counts(c: Counts, reference: Option<(&str, &str)>, intersect: bool) -> fairaudit::Report {
    let mut b = Audit::builder()
        .counts(c.clone())
        .bootstrap(400)
        .intersect(intersect);
    if let Some((a, g)) = reference {
        b = b.reference(a, g);
    }
    for a in &c.attributes {
        b = b.attr(a.clone());
    }
    b.run().unwrap()
}

/// No group effect: the default policy fails at most 5% of 200 seeded audits
/// (sex × four age bands, 1,000 rows). A true impact ratio of 0.6 with 500
/// rows per group: it fails at least 95%. With small groups (40 and 60 rows)
/// and intersections, each finding's false-alarm rate stays at most 5%.
#[test]
fn calibration_of_the_default_policy() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(20_261_130);
    let mut typical: Vec<(Vec<&str>, u64, f64)> = vec![];
    for (i, age) in ["18-25", "26-40", "41-60", "60+"].iter().enumerate() {
        typical.push((vec!["f", age], 90 + 20 * i as u64, 0.55));
        typical.push((vec!["m", age], 110 + 20 * i as u64, 0.55));
    }
    let mut null_fails = 0;
    for _ in 0..200 {
        let r = audit_counts(
            draw_counts(&mut rng, &["sex", "age"], &typical),
            None,
            false,
        );
        null_fails += usize::from(r.findings.iter().any(|f| f.status == Status::Fail));
    }
    let small: Vec<(Vec<&str>, u64, f64)> = vec![
        (vec!["f", "a"], 300, 0.55),
        (vec!["f", "b"], 60, 0.55),
        (vec!["m", "a"], 450, 0.55),
        (vec!["m", "b"], 40, 0.55),
    ];
    let (mut judged, mut failed, mut audits_failed) = (0, 0, 0);
    for _ in 0..200 {
        let r = audit_counts(draw_counts(&mut rng, &["sex", "age"], &small), None, true);
        let j: Vec<_> = r
            .findings
            .iter()
            .filter(|f| matches!(f.status, Status::Pass | Status::Warn | Status::Fail))
            .collect();
        judged += j.len();
        let n = j.iter().filter(|f| f.status == Status::Fail).count();
        failed += n;
        audits_failed += usize::from(n > 0);
    }
    let biased: Vec<(Vec<&str>, u64, f64)> = vec![(vec!["f"], 500, 0.30), (vec!["m"], 500, 0.50)];
    let mut power = 0;
    for _ in 0..200 {
        let r = audit_counts(
            draw_counts(&mut rng, &["sex"], &biased),
            Some(("sex", "m")),
            false,
        );
        power += usize::from(
            r.findings
                .iter()
                .any(|f| f.status == Status::Fail && f.check == "four-fifths-rule"),
        );
    }
    let per_finding = failed as f64 / judged as f64;
    eprintln!(
        "calibration: {null_fails}/200 null audits fail (sex × age bands); small groups with \
         intersections: {failed}/{judged} findings ({:.1}%) and {audits_failed}/200 audits fail; \
         {power}/200 audits with impact ratio 0.6 fail",
        100.0 * per_finding
    );
    assert!(null_fails <= 10, "{null_fails} of 200 null audits failed");
    assert!(
        per_finding <= 0.05,
        "{failed} of {judged} null findings failed"
    );
    assert!(power >= 190, "only {power} of 200 biased audits failed");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]
    /// Adding attributes or intersections never changes the status of
    /// another attribute's finding.
    #[test]
    fn other_attributes_never_change_a_status(seed in 0u64..10_000, sizes in proptest::collection::vec(20u64..120, 8)) {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let keys = [["f", "x", "p"], ["f", "y", "q"], ["m", "x", "q"], ["m", "y", "p"], ["f", "x", "q"], ["m", "y", "q"], ["f", "y", "p"], ["m", "x", "p"]];
        let groups: Vec<(Vec<&str>, u64, f64)> = keys
            .iter()
            .zip(&sizes)
            .enumerate()
            .map(|(i, (k, n))| (k.to_vec(), *n, 0.3 + 0.05 * i as f64))
            .collect();
        let all = draw_counts(&mut rng, &["a", "b", "c"], &groups);
        // The counts over `a` alone: the same data, rolled up.
        let mut alone = Counts::new(vec!["a".into()], false);
        for (k, c) in all.rollup(&[0]) {
            alone.cells.insert(k, c);
        }
        alone.rows_read = all.rows_read;
        let one = audit_counts(alone, None, false);
        let mut b = Audit::builder().counts(all).bootstrap(400).intersect(true);
        for a in ["a", "b", "c"] {
            b = b.attr(a);
        }
        let many = b.run().unwrap();
        for f in one.findings.iter() {
            let g = many.findings.iter().find(|g| g.id == f.id).unwrap();
            proptest::prop_assert_eq!(f.status, g.status, "{} vs {}", f.statement, g.statement);
        }
    }
}
