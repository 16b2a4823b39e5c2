//! Agreement with Fairlearn, AIF360 and Aequitas on the real data sets in
//! `fixtures/` (their values are in `fixtures/peers/*.peers.json`).

use serde_json::Value;

use crate::{assert_close, attribute, audit_json, fixture, group};

const TOL: f64 = 1e-9;

fn peers(name: &str) -> Value {
    let p = fixture(&format!("peers/{name}.peers.json"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

struct Case {
    data: &'static str,
    peers: &'static str,
}

const CASES: [Case; 2] = [
    Case {
        data: "german_credit.csv",
        peers: "german_credit",
    },
    Case {
        data: "compas_two_year.csv",
        peers: "compas_two_year",
    },
];

/// (first, second) attribute and their reference groups, from the invocation.
fn invocation(p: &Value) -> (String, String, String, String) {
    let inv = &p["invocation"];
    let a = inv["attribute"].as_str().unwrap().to_string();
    let b = inv["second_attribute"].as_str().unwrap().to_string();
    let ra = inv["reference_groups"][&a].as_str().unwrap().to_string();
    let rb = inv["reference_groups"][&b].as_str().unwrap().to_string();
    (a, b, ra, rb)
}

/// Our report with the peers' attributes, intersection and reference groups.
fn our_report(c: &Case, p: &Value, reference: Option<&str>) -> Value {
    let (a, b, ra, rb) = invocation(p);
    let path = fixture(c.data);
    let mut args: Vec<String> = vec![
        path.display().to_string(),
        "--attr".into(),
        b.clone(),
        "--attr".into(),
        a.clone(),
        "--intersect".into(),
        // The peers judge every group, however small.
        "--min-group-size".into(),
        "0".into(),
    ];
    match reference {
        Some(r) => args.extend(["--reference".into(), r.into()]),
        None => {
            args.extend([
                "--reference".into(),
                format!("{a}={ra}"),
                "--reference".into(),
                format!("{b}={rb}"),
            ]);
            // The intersection's reference as Aequitas chose it.
            let refs = &p["tools"]["aequitas"]["metrics"]["disparity_predefined_ref"]["ref_groups"];
            if let Some(r) = refs[format!("{b}x{a}")].as_str() {
                args.extend(["--reference".into(), format!("{b} & {a}={}", our_group(r))]);
            }
        }
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    audit_json(&args)
}

/// Our group name for a peer key: "x|y" of the intersection "b x a" is "x & y".
fn our_group(key: &str) -> String {
    key.replace('|', " & ")
}

#[test]
fn fairlearn_between_groups_summaries_agree() {
    for c in &CASES {
        let p = peers(c.peers);
        let (a, b, _, _) = invocation(&p);
        let ours = our_report(c, &p, None);
        let fl = &p["tools"]["fairlearn"]["metrics"];
        let inter = format!("{b} & {a}");
        for (ours_name, key) in [
            (a.clone(), a.clone()),
            (b.clone(), b.clone()),
            (inter.clone(), format!("{b}x{a}")),
        ] {
            let Some(scalar) = fl.get(format!("scalar[{key}]")) else {
                continue;
            };
            let s = &attribute(&ours, &ours_name)["summary"];
            for m in [
                "demographic_parity_difference",
                "demographic_parity_ratio",
                "equalized_odds_difference",
            ] {
                assert_close!(
                    s[m]["value"].as_f64().unwrap(),
                    scalar[m].as_f64().unwrap(),
                    TOL,
                    "{} {ours_name} {m}",
                    c.data
                );
            }
            if let Some(d) = fl.get(format!("difference_between_groups[{key}]")) {
                assert_close!(
                    s["equal_opportunity_difference"]["value"].as_f64().unwrap(),
                    d["true_positive_rate"].as_f64().unwrap(),
                    TOL,
                    "{} {ours_name} equal_opportunity_difference",
                    c.data
                );
            }
        }
    }
}

#[test]
fn fairlearn_per_group_rates_agree() {
    for c in &CASES {
        let p = peers(c.peers);
        let (a, b, _, _) = invocation(&p);
        let ours = our_report(c, &p, None);
        let fl = &p["tools"]["fairlearn"]["metrics"];
        let mut checked = 0;
        for (ours_name, key) in [
            (a.clone(), a.clone()),
            (format!("{b} & {a}"), format!("{b}x{a}")),
        ] {
            let by = fl[format!("by_group[{key}]")].as_object().unwrap();
            let attr = attribute(&ours, &ours_name);
            for (gk, v) in by {
                let g = group(attr, &our_group(gk));
                assert_eq!(
                    g["n"].as_f64().unwrap(),
                    v["count"].as_f64().unwrap(),
                    "{gk} count"
                );
                for (ours_m, fl_m) in [
                    ("selection_rate", "selection_rate"),
                    ("tpr", "true_positive_rate"),
                    ("fpr", "false_positive_rate"),
                ] {
                    assert_close!(
                        g["metrics"][ours_m]["value"].as_f64().unwrap(),
                        v[fl_m].as_f64().unwrap(),
                        TOL,
                        "{} {gk} {ours_m}",
                        c.data
                    );
                    checked += 1;
                }
            }
        }
        let o = &fl["overall"];
        assert_close!(
            ours["overall"]["metrics"]["selection_rate"]["value"]
                .as_f64()
                .unwrap(),
            o["selection_rate"].as_f64().unwrap(),
            TOL,
            "overall sr"
        );
        assert_close!(
            ours["overall"]["metrics"]["tpr"]["value"].as_f64().unwrap(),
            o["true_positive_rate"].as_f64().unwrap(),
            TOL,
            "overall tpr"
        );
        assert_close!(
            ours["overall"]["metrics"]["fpr"]["value"].as_f64().unwrap(),
            o["false_positive_rate"].as_f64().unwrap(),
            TOL,
            "overall fpr"
        );
        assert!(checked >= 12, "{}: only {checked} values checked", c.data);
    }
}

#[test]
fn aif360_signed_differences_against_the_same_reference_agree() {
    for c in &CASES {
        let p = peers(c.peers);
        let ours = our_report(c, &p, None);
        let aif = p["tools"]["aif360"]["metrics"].as_object().unwrap();
        let mut checked = 0;
        for (k, per_group) in aif {
            let Some(attr_name) = k.strip_suffix(&format!(
                ": each group vs privileged={}",
                k.rsplit('=').next().unwrap()
            )) else {
                continue;
            };
            let attr = attribute(&ours, attr_name);
            let mut max_abs_aod: Option<f64> = None;
            for (gname, v) in per_group.as_object().unwrap() {
                let g = group(attr, gname);
                let d = &g["disparities"];
                for (ours_rate, field, what) in [
                    (
                        "selection_rate",
                        "statistical_parity_difference",
                        "difference",
                    ),
                    ("selection_rate", "disparate_impact", "ratio"),
                    ("tpr", "equal_opportunity_difference", "difference"),
                    ("tpr", "true_positive_rate_difference", "difference"),
                    ("fpr", "false_positive_rate_difference", "difference"),
                ] {
                    assert_close!(
                        d[ours_rate][what]["value"].as_f64().unwrap(),
                        v[field].as_f64().unwrap(),
                        TOL,
                        "{} {attr_name}={gname} {field}",
                        c.data
                    );
                    checked += 1;
                }
                let aod = v["average_odds_difference"].as_f64().unwrap();
                assert_close!(
                    g["average_odds_difference"]["value"].as_f64().unwrap(),
                    aod,
                    TOL,
                    "{} {attr_name}={gname} average_odds_difference",
                    c.data
                );
                if max_abs_aod.is_none_or(|m| aod.abs() > m.abs()) {
                    max_abs_aod = Some(aod);
                }
            }
            assert_close!(
                attr["summary"]["average_odds_difference"]["value"]
                    .as_f64()
                    .unwrap(),
                max_abs_aod.unwrap(),
                TOL,
                "{} {attr_name} summary average_odds_difference",
                c.data
            );
        }
        assert!(
            checked >= 5,
            "{}: only {checked} AIF360 values checked",
            c.data
        );
        let o = &p["tools"]["aif360"]["metrics"]["overall"];
        assert_close!(
            ours["overall"]["metrics"]["accuracy"]["value"]
                .as_f64()
                .unwrap(),
            o["accuracy"].as_f64().unwrap(),
            TOL,
            "overall accuracy"
        );
    }
}

/// Aequitas' names for our rates in its crosstabs and disparities.
const AEQUITAS: [(&str, &str); 10] = [
    ("selection_rate", "pprev"),
    ("base_rate", "prev"),
    ("tpr", "tpr"),
    ("fpr", "fpr"),
    ("tnr", "tnr"),
    ("fnr", "fnr"),
    ("ppv", "precision"),
    ("npv", "npv"),
    ("fdr", "fdr"),
    ("for", "for"),
];

fn aequitas_attr_and_group(key: &str, b: &str, a: &str) -> (String, String) {
    let (attr, g) = key.split_once('=').unwrap();
    let attr = if attr == format!("{b}x{a}") {
        format!("{b} & {a}")
    } else {
        attr.to_string()
    };
    (attr, our_group(g))
}

#[test]
fn aequitas_crosstabs_and_disparities_agree() {
    for c in &CASES {
        let p = peers(c.peers);
        let (a, b, _, _) = invocation(&p);
        let aq = &p["tools"]["aequitas"]["metrics"];
        let predefined = our_report(c, &p, None);
        let mut checked = 0;
        for (key, v) in aq["crosstabs"].as_object().unwrap() {
            let (attr, g) = aequitas_attr_and_group(key, &b, &a);
            let ours = group(attribute(&predefined, &attr), &g);
            for k in ["tp", "fp", "tn", "fn"] {
                assert_eq!(
                    ours["counts"][k].as_u64().unwrap(),
                    v[k].as_u64().unwrap(),
                    "{key} {k}"
                );
            }
            assert_eq!(ours["n"].as_u64(), v["group_size"].as_u64());
            for (m, am) in AEQUITAS {
                match (ours["metrics"][m]["value"].as_f64(), v[am].as_f64()) {
                    (Some(x), Some(y)) => assert_close!(x, y, TOL, "{} {key} {m}", c.data),
                    (None, None) => {}
                    (x, y) => panic!("{} {key} {m}: ours {x:?}, aequitas {y:?}", c.data),
                }
                checked += 1;
            }
        }
        // Ratios against the predefined reference (the intersection's reference
        // is the group Aequitas names) and against the largest group.
        let largest = our_report(c, &p, Some("largest"));
        let ref_sets = [
            ("disparity_predefined_ref", &predefined, true),
            ("disparity_major_group", &largest, false),
        ];
        for (section, ours_report, nested) in ref_sets {
            let groups = if nested {
                &aq[section]["groups"]
            } else {
                &aq[section]
            };
            for (key, v) in groups.as_object().unwrap() {
                let (attr, g) = aequitas_attr_and_group(key, &b, &a);
                let our_attr = attribute(ours_report, &attr);
                let ref_name = our_group(v["pprev_ref_group_value"].as_str().unwrap());
                if our_attr["reference_group"] != ref_name.as_str() {
                    // Our intersection reference differs from the peer's choice.
                    continue;
                }
                let ours = group(our_attr, &g);
                for (m, am) in AEQUITAS {
                    if m == "base_rate" {
                        continue;
                    }
                    let want = v[format!("{am}_disparity")].as_f64();
                    let got = ours["disparities"][m]["ratio"]["value"].as_f64();
                    match (got, want) {
                        (Some(x), Some(y)) => {
                            assert_close!(x, y, TOL, "{} {section} {key} {m}", c.data)
                        }
                        // Undefined for both (Aequitas: NaN); ours says why.
                        (None, None) => assert!(
                            ours["disparities"][m]["undefined"]["ratio"].is_string(),
                            "{key} {m}: no reason given"
                        ),
                        (x, y) => {
                            panic!("{} {section} {key} {m}: ours {x:?}, aequitas {y:?}", c.data)
                        }
                    }
                    checked += 1;
                }
            }
        }
        assert!(
            checked > 200,
            "{}: only {checked} Aequitas values checked",
            c.data
        );
    }
}
