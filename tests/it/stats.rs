//! Intervals, tests and adjustments against SciPy / statsmodels values stored in
//! `fixtures/stats-reference.json` (regenerate: `scripts/stats-reference/gen.sh`).

use fairaudit::stats::{self, CiMethod, PAdjust, TestKind};
use ndarray::Array2;
use serde_json::Value;

use crate::{assert_close, attribute, audit_json, fairaudit, fixture, group};

const TOL: f64 = 1e-9;

fn reference() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture("stats-reference.json")).unwrap())
        .unwrap()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

fn ci(v: &Value) -> (f64, f64) {
    (f(&v[0]), f(&v[1]))
}

#[test]
fn rate_intervals_match_statsmodels_proportion_confint() {
    let r = reference();
    let cases = r["rate_ci"].as_array().unwrap();
    assert!(cases.len() >= 50);
    for c in cases {
        let method = match c["method"].as_str().unwrap() {
            "wilson" => CiMethod::Wilson,
            _ => CiMethod::Exact,
        };
        let (lo, hi) = stats::rate_ci(method, f(&c["x"]), f(&c["n"]), f(&c["level"])).unwrap();
        let (wl, wh) = ci(&c["ci"]);
        // Clopper-Pearson goes through an inverse incomplete beta: 1e-6 as stated.
        let tol = if method == CiMethod::Exact { 1e-6 } else { TOL };
        assert_close!(lo, wl, tol, "{c} lower");
        assert_close!(hi, wh, tol, "{c} upper");
    }
}

#[test]
fn newcombe_and_katz_match_statsmodels() {
    let r = reference();
    for c in r["diff_ci"].as_array().unwrap() {
        let (lo, hi) = stats::newcombe_diff(
            f(&c["x1"]),
            f(&c["n1"]),
            f(&c["x2"]),
            f(&c["n2"]),
            f(&c["level"]),
        )
        .unwrap();
        let (wl, wh) = ci(&c["ci"]);
        assert_close!(lo, wl, TOL, "newcombe {c}");
        assert_close!(hi, wh, TOL, "newcombe {c}");
    }
    let ratios = r["ratio_ci"].as_array().unwrap();
    assert!(ratios.iter().any(|c| c["method"] == "log-adjusted"));
    for c in ratios {
        let (lo, hi) = stats::katz_ratio(
            f(&c["x1"]),
            f(&c["n1"]),
            f(&c["x2"]),
            f(&c["n2"]),
            f(&c["level"]),
        )
        .unwrap();
        let (wl, wh) = ci(&c["ci"]);
        assert_close!(lo, wl, TOL, "katz {c}");
        assert_close!(hi, wh, TOL, "katz {c}");
    }
}

#[test]
fn tests_match_scipy_and_statsmodels() {
    let r = reference();
    for c in r["ztest"].as_array().unwrap() {
        let p =
            stats::two_proportion_z(f(&c["x1"]), f(&c["n1"]), f(&c["x2"]), f(&c["n2"])).unwrap();
        assert_close!(p, f(&c["p"]), 1e-9, "z-test {c}");
    }
    for c in r["fisher"].as_array().unwrap() {
        let t = &c["table"];
        let u = |i: usize, j: usize| t[i][j].as_u64().unwrap();
        let p = stats::fisher_exact(u(0, 0), u(0, 1), u(1, 0), u(1, 1));
        assert_close!(p, f(&c["p"]), 1e-9, "fisher {c}");
    }
    for c in r["chi2"].as_array().unwrap() {
        let rows = c["table"].as_array().unwrap();
        let table = Array2::from_shape_fn((rows.len(), 2), |(i, j)| f(&rows[i][j]));
        let got = stats::chi_square_independence(&table).unwrap();
        assert_eq!(got.df as u64, c["df"].as_u64().unwrap());
        assert_close!(
            got.statistic,
            f(&c["statistic"]),
            1e-9,
            "chi2 statistic {c}"
        );
        assert_close!(got.p_value, f(&c["p"]), 1e-9, "chi2 p {c}");
    }
    for c in r["p_adjust"].as_array().unwrap() {
        let ps: Vec<f64> = c["p"].as_array().unwrap().iter().map(f).collect();
        let m = match c["method"].as_str().unwrap() {
            "holm" => PAdjust::Holm,
            "bh" => PAdjust::Bh,
            "by" => PAdjust::By,
            other => panic!("no such method {other}"),
        };
        let got = stats::p_adjust(&ps, m);
        for (g, w) in got.iter().zip(c["adjusted"].as_array().unwrap()) {
            assert_close!(*g, f(w), 1e-12, "{} {c}", c["method"]);
        }
    }
    let methods: Vec<&str> = r["p_adjust"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["method"].as_str().unwrap())
        .collect();
    for m in ["holm", "bh", "by"] {
        assert_eq!(methods.iter().filter(|x| **x == m).count(), 2, "{m}");
    }
}

#[test]
fn fisher_is_used_when_an_expected_count_is_below_five() {
    let (_, kind) = stats::compare_proportions(1.0, 10.0, 8.0, 12.0).unwrap();
    assert_eq!(kind, TestKind::Fisher);
    let (_, kind) = stats::compare_proportions(50.0, 100.0, 60.0, 100.0).unwrap();
    assert_eq!(kind, TestKind::ZTest);
}

#[test]
fn report_carries_the_reference_values_for_german_credit_by_sex() {
    // German credit by sex: female 231 of 310 approved, male 538 of 690;
    // the same counts are cases in the reference file.
    let r = reference();
    let report = audit_json(&[
        "fixtures/german_credit.csv",
        "--attr",
        "sex",
        "--reference",
        "sex=male",
    ]);
    let sex = attribute(&report, "sex");
    let fem = group(sex, "female");
    let pick = |section: &str, pred: &dyn Fn(&Value) -> bool| -> Value {
        r[section]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| pred(c))
            .unwrap()
            .clone()
    };
    let is_pair = |c: &Value| c["x1"] == 231 && c["n1"] == 310 && c["x2"] == 538 && c["n2"] == 690;
    let rate = pick("rate_ci", &|c| {
        c["x"] == 231 && c["n"] == 310 && c["method"] == "wilson" && c["level"] == 0.95
    });
    let (lo, hi) = ci(&fem["metrics"]["selection_rate"]["ci"]);
    assert_close!(lo, f(&rate["ci"][0]), TOL, "female sr ci");
    assert_close!(hi, f(&rate["ci"][1]), TOL, "female sr ci");
    let d = &fem["disparities"]["selection_rate"];
    let diff = pick("diff_ci", &|c| is_pair(c) && c["level"] == 0.95);
    assert_close!(
        f(&d["difference"]["ci"][0]),
        f(&diff["ci"][0]),
        TOL,
        "diff ci"
    );
    assert_close!(
        f(&d["difference"]["ci"][1]),
        f(&diff["ci"][1]),
        TOL,
        "diff ci"
    );
    // Ratios carry Koopman's score interval (statsmodels' method="score",
    // correction=False), from the verdict reference file.
    let v = verdict_reference();
    let ratio = v["ratio_ci"]["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| is_pair(c) && c["name"] == "koopman" && c["alpha"] == 0.05)
        .unwrap()
        .clone();
    assert_close!(
        f(&d["ratio"]["ci"][0]),
        f(&ratio["ci"][0]),
        1e-9,
        "ratio ci"
    );
    assert_close!(
        f(&d["ratio"]["ci"][1]),
        f(&ratio["ci"][1]),
        1e-9,
        "ratio ci"
    );
    let z = pick("ztest", &is_pair);
    assert_eq!(d["test"], "z_test");
    assert_close!(f(&d["p_value"]), f(&z["p"]), 1e-9, "z p-value");
    // The impact ratio's interval is the same interval here (favourable = positive).
    assert_close!(
        f(&fem["impact_ratio"]["ci"][0]),
        f(&ratio["ci"][0]),
        1e-9,
        "impact ci"
    );
    assert_close!(
        f(&fem["impact_ratio"]["ci"][1]),
        f(&ratio["ci"][1]),
        1e-9,
        "impact ci"
    );
    let chi = pick("chi2", &|c| {
        c["table"][0][0] == 231
            && c["table"].as_array().unwrap().len() == 2
            && c["table"][0][1] == 79
    });
    assert_close!(
        f(&sex["chi_square"]["statistic"]),
        f(&chi["statistic"]),
        1e-9,
        "chi2"
    );
    assert_close!(
        f(&sex["chi_square"]["p_value"]),
        f(&chi["p"]),
        1e-9,
        "chi2 p"
    );
    // Holm across the report's 8 tests (female's tests on seven distinct
    // rates, complements sharing theirs, and the chi-square test).
    assert_eq!(report["statistics"]["tests_in_family"], 8);
    let p = f(&d["p_value"]);
    assert!(f(&d["p_adjusted"]) >= p);
    assert_eq!(d["significant"], false);
}

#[test]
fn exact_method_and_levels_change_the_interval() {
    let w = audit_json(&[
        "fixtures/german_credit.csv",
        "--attr",
        "sex",
        "--bootstrap",
        "0",
    ]);
    let e = audit_json(&[
        "fixtures/german_credit.csv",
        "--attr",
        "sex",
        "--bootstrap",
        "0",
        "--ci-method",
        "exact",
        "--ci-level",
        "0.99",
    ]);
    let cw = &group(attribute(&w, "sex"), "female")["metrics"]["tpr"]["ci"];
    let ce = &group(attribute(&e, "sex"), "female")["metrics"]["tpr"]["ci"];
    assert!(
        f(&ce[0]) < f(&cw[0]) && f(&ce[1]) > f(&cw[1]),
        "{cw} vs {ce}"
    );
    let counts = &group(attribute(&e, "sex"), "female")["counts"];
    let (tp, fn_) = (f(&counts["tp"]), f(&counts["fn"]));
    let (lo, hi) = stats::clopper_pearson(tp, tp + fn_, 0.99).unwrap();
    assert_close!(f(&ce[0]), lo, 1e-15, "exact lower");
    assert_close!(f(&ce[1]), hi, 1e-15, "exact upper");
    // Without bootstrap, summaries carry no interval.
    assert!(attribute(&w, "sex")["summary"]["demographic_parity_difference"]["ci"].is_null());
}

#[test]
fn small_groups_are_reported_not_judged() {
    // COMPAS race: Asian (32 rows) and Native American (18) under a minimum of 40.
    let r = audit_json(&[
        "fixtures/compas_two_year.csv",
        "--attr",
        "race",
        "--min-group-size",
        "40",
        "--bootstrap",
        "0",
    ]);
    let race = attribute(&r, "race");
    let na = group(race, "Native American");
    assert_eq!(na["status"], "insufficient_data");
    assert!(na["status_reason"].as_str().unwrap().contains("18 rows"));
    assert_eq!(na["n"], 18);
    assert!(
        na["metrics"]["selection_rate"]["ci"].is_array(),
        "keeps its intervals"
    );
    assert!(na["disparities"]["selection_rate"]["p_value"].is_null());
    let left: Vec<&str> = race["summary"]["groups_left_out"]["selection_rate"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(left, ["Asian", "Native American"]);
    // The summary is over the four judged groups only.
    let judged: Vec<f64> = race["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["status"] == "ok")
        .map(|g| f(&g["metrics"]["selection_rate"]["value"]))
        .collect();
    assert_eq!(judged.len(), 4);
    let max = judged.iter().cloned().fold(f64::MIN, f64::max);
    let min = judged.iter().cloned().fold(f64::MAX, f64::min);
    assert_close!(
        f(&race["summary"]["demographic_parity_difference"]["value"]),
        max - min,
        1e-15,
        "dpd"
    );
    // A share threshold (NYC LL 144's 2%) excludes Other (5.2%)? No: it excludes < 2%.
    let r = audit_json(&[
        "fixtures/compas_two_year.csv",
        "--attr",
        "race",
        "--min-group-size",
        "0",
        "--min-group-share",
        "0.02",
        "--bootstrap",
        "0",
    ]);
    let race = attribute(&r, "race");
    assert_eq!(group(race, "Asian")["status"], "insufficient_data");
    assert_eq!(group(race, "Other")["status"], "ok");
}

#[test]
fn bootstrap_is_reproducible_and_covers_the_estimate() {
    let args = [
        "fixtures/compas_two_year.csv",
        "--attr",
        "race",
        "--attr",
        "sex",
        "--intersect",
        "--bootstrap",
        "300",
        "--seed",
        "11",
    ];
    let a = audit_json(&args);
    let b = audit_json(&args);
    assert_eq!(a["attributes"], b["attributes"]);
    for attr in a["attributes"].as_array().unwrap() {
        let s = &attr["summary"];
        for m in ["demographic_parity_difference", "equalized_odds_difference"] {
            let v = f(&s[m]["value"]);
            let (lo, hi) = ci(&s[m]["ci"]);
            assert!(lo <= hi, "{m}");
            assert!(
                lo <= v + 0.05 && v - 0.05 <= hi,
                "{} {m}: {v} vs [{lo}, {hi}]",
                attr["name"]
            );
        }
    }
    let c = audit_json(&[
        "fixtures/compas_two_year.csv",
        "--attr",
        "race",
        "--attr",
        "sex",
        "--intersect",
        "--bootstrap",
        "300",
        "--seed",
        "12",
    ]);
    assert_ne!(a["attributes"], c["attributes"]);
}

#[test]
fn weighted_intervals_use_kish_effective_size() {
    // Group a: 4 rows with weights 1, 1, 1, 5 -> effective n = 64 / 28.
    let (_d, p) = crate::temp_file(
        "w.csv",
        "g,y_true,y_pred,w\na,1,1,1\na,1,0,1\na,0,0,1\na,0,1,5\nb,1,1,1\nb,0,0,1\n",
    );
    let r = audit_json(&[
        p.to_str().unwrap(),
        "--attr",
        "g",
        "--weight",
        "w",
        "--min-group-size",
        "1",
        "--bootstrap",
        "0",
    ]);
    let a = group(attribute(&r, "g"), "a");
    assert_close!(f(&a["effective_n"]), 64.0 / 28.0, 1e-12, "kish");
    // selection rate = (1 + 5) / 8; Wilson with n = 64/28, x = p n.
    let n = 64.0 / 28.0;
    let (lo, hi) = stats::wilson(0.75 * n, n, 0.95).unwrap();
    let got = ci(&a["metrics"]["selection_rate"]["ci"]);
    assert_close!(got.0, lo, 1e-12, "weighted wilson");
    assert_close!(got.1, hi, 1e-12, "weighted wilson");
}

/// The reference values of `scripts/verdict-reference/gen.py`.
pub fn verdict_reference() -> Value {
    let text = std::fs::read_to_string(crate::fixture("verdict-reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Student's t at the degrees of freedom of small samples and of 10M-row
/// files (statrs' own quantile was 0.6% off at ν = 10⁷).
#[test]
fn t_quantiles_and_tails_match_scipy_at_any_degrees_of_freedom() {
    let r = reference();
    let (mut worst_q, mut worst_sf) = (0f64, 0f64);
    for c in r["t_quantile"].as_array().unwrap() {
        let q = stats::t_quantile(f(&c["df"]), f(&c["p"])).unwrap();
        let want = f(&c["q"]);
        let rel = (q - want).abs() / want.abs();
        worst_q = worst_q.max(rel);
        assert!(rel <= 1e-12, "{c}: got {q}, relative error {rel:e}");
    }
    for c in r["t_sf"].as_array().unwrap() {
        let p = stats::t_sf(f(&c["df"]), f(&c["t"])).unwrap();
        let want = f(&c["sf"]);
        // Past the doubles (SciPy's 0): at most a subnormal.
        let rel = match want {
            0.0 => (p >= 1e-300) as u8 as f64,
            w => (p - w).abs() / w,
        };
        worst_sf = worst_sf.max(rel);
        assert!(rel <= 1e-12, "{c}: got {p:e}, relative error {rel:e}");
    }
    eprintln!("worst relative: quantile {worst_q:e}, tail {worst_sf:e}");
    assert!(stats::t_quantile(0.0, 0.5).is_none() && stats::t_quantile(5.0, 1.0).is_none());
}

/// Welch's interval at a small df and an extreme level: the quantile
/// (SciPy: `t.ppf(1 - 0.5e-14, 1.2195...)` = 2.18767e11) is solved on the
/// tail, where statrs' own was 24× too small; a level whose tail rounds away
/// is refused.
#[test]
fn welch_interval_at_small_df_and_extreme_level_matches_scipy() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("tiny.csv");
    std::fs::write(
        &p,
        "g,y_true,y_pred,v\na,1,1,0\na,1,1,1\nb,0,1,0\nb,0,1,3\n",
    )
    .unwrap();
    let file = p.to_str().unwrap();
    let base = ["--attr", "g", "--value", "v", "--min-group-size", "2"];
    // Group b's Welch test, and the quantile its interval implies.
    let welch_b = |level: &str| {
        let mut args: Vec<&str> = vec![file];
        args.extend(base);
        args.extend(["--reference", "g=a", "--ci-level", level]);
        let r = audit_json(&args);
        let groups = r["attributes"][0]["numeric"]["groups"].as_array().unwrap();
        let b = groups.iter().find(|g| g["group"] == "b").unwrap();
        let (t, d) = (
            f(&b["welch"]["statistic"]),
            f(&b["mean_difference"]["value"]),
        );
        let q = (f(&b["mean_difference"]["ci"][1]) - d) / (d / t);
        (t, f(&b["welch"]["df"]), q)
    };
    // scipy.stats.ttest_ind([0, 3], [0, 1], equal_var=False)
    let (t, df, q) = welch_b("0.99999999999999");
    assert_close!(t, 0.6324555320336759, 1e-12, "t");
    assert_close!(df, 1.2195121951219512, 1e-12, "df");
    let want = 218766867649.17792;
    assert!(
        (q - want).abs() <= 1e-9 * want,
        "quantile {q} against {want}"
    );
    // Within 1e-14 of 1 the quantile comes from the tail (1 − L)/2, not from
    // 1 − (1 − L)/2 rounded (SciPy: t.isf 1.44538e12, t.ppf 1.59194e12).
    let (_, _, q) = welch_b("0.999999999999999");
    let want = 1445378360969.5674;
    assert!(
        (q - want).abs() <= 1e-9 * want,
        "quantile {q} against {want}"
    );
    let out = fairaudit()
        .arg("audit")
        .arg(file)
        .args(base)
        .args(["--ci-level", "0.9999999999999999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--ci-level must be"));
}
