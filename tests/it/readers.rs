//! The two ways of reading a file — key columns coded and counted in a dense
//! array (Parquet dictionary codes, CSV fields), and polars' streaming
//! group-by — give the same report (issue #20). Each case also checks,
//! through `--verbose`, that the path it means to test is the one that ran.

use std::path::Path;

use polars::prelude::*;
use serde_json::Value;

use crate::{fairaudit, report_of, COMPAS_LEVELS, HMDA_NUMERIC};

/// The report (without run id and time) and the stderr of an audit of
/// `file` with `flags` and `--reader reader --verbose`.
fn read_with(file: &Path, flags: &[&str], reader: &str) -> (Value, String) {
    let mut cmd = fairaudit();
    cmd.arg("audit")
        .arg(file)
        .args(flags)
        .args(["--reader", reader, "--verbose", "--format", "json"])
        .args(["--fail-on", "never", "--as-of", "2026-11-28"]);
    report_of(cmd)
}

/// Asserts that both readers give the same report, and that `auto` took
/// the coded path.
fn same_both_ways(file: &Path, flags: &[&str]) {
    same_within(file, flags, 0.0)
}

/// The same, numbers within `rel` (sums of a numeric outcome, added in
/// another order).
fn same_within(file: &Path, flags: &[&str], rel: f64) {
    let (codes, how) = read_with(file, flags, "auto");
    assert!(
        how.contains("counted in a dense array"),
        "{}: the coded path did not run: {how}",
        file.display()
    );
    let (general, how) = read_with(file, flags, "general");
    assert!(how.contains("polars' streaming group-by"), "{how}");
    if let Some(at) = crate::json_difference(&codes, &general, rel, "") {
        panic!(
            "{} {flags:?}: the two readers differ at {at}",
            file.display()
        );
    }
}

fn to_parquet(dir: &Path, fixture: &str) -> std::path::PathBuf {
    let dst = dir.join(fixture.replace(".csv", ".parquet"));
    fairaudit::ingest::convert(&crate::fixture(fixture), &dst).unwrap();
    dst
}

#[test]
fn dictionary_codes_give_the_general_report_on_the_shared_data() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["parquet", "csv"] {
        shared_data_both_ways(dir.path(), ext);
    }
}

fn shared_data_both_ways(dir: &Path, ext: &str) {
    let to_parquet = |_: &Path, name: &str| match ext {
        "csv" => crate::fixture(name),
        _ => to_parquet(dir, name),
    };
    let compas = to_parquet(dir, "compas_two_year.csv");
    same_both_ways(&compas, &["--attr", "race", "--attr", "sex", "--intersect"]);
    // Three outcome levels from the decile score (integer keys).
    same_both_ways(&compas, &COMPAS_LEVELS);
    let german = to_parquet(dir, "german_credit.csv");
    same_both_ways(
        &german,
        &[
            "--attr",
            "sex",
            "--attr",
            "age_band",
            "--attr",
            "foreign_worker",
            "--intersect",
            "--bootstrap",
            "200",
        ],
    );
    let hmda = to_parquet(dir, "hmda_2018_controls_sample.csv");
    same_both_ways(
        &hmda,
        &[
            "--attr",
            "race",
            "--attr",
            "sex",
            "--control",
            "ltv_band",
            "--control",
            "dti_band",
        ],
    );
    same_both_ways(&hmda, &["--attr", "race", "--stratify", "income_band"]);
    // A numeric outcome with its error: sums and sketch in the same pass.
    same_within(&hmda, &HMDA_NUMERIC, 1e-12);
    let (r, _) = read_with(&hmda, &HMDA_NUMERIC, "auto");
    assert!(
        r["attributes"][0]["numeric"].is_object(),
        "no numeric section"
    );
    let oversight = to_parquet(dir, "override_planted.csv");
    same_both_ways(&oversight, &["--attr", "group", "--final", "final"]);
}

/// A file with what the dense path must get right: text with nulls and
/// thousands of values, integers spanning 10¹² (coded through a map), u64
/// beyond i64, booleans with nulls, null labels, several row groups, and
/// more cells than a dense batch array holds.
fn awkward(rows: usize) -> DataFrame {
    let zip: Vec<Option<String>> = (0..rows)
        .map(|i| (i % 17 != 0).then(|| format!("z{:04}", (i * 7919) % 3000)))
        .collect();
    let branch: Vec<Option<i64>> = (0..rows)
        .map(|i| (i % 23 != 0).then(|| ((i % 40) as i64) * 25_000_000_000 - 7))
        .collect();
    let region: Vec<u64> = (0..rows).map(|i| u64::MAX - (i % 3) as u64).collect();
    let flag: Vec<Option<bool>> = (0..rows)
        .map(|i| (i % 11 != 0).then_some(i % 3 == 0))
        .collect();
    let grade: Vec<i16> = (0..rows).map(|i| -2 + (i % 5) as i16).collect();
    let y_true: Vec<Option<i32>> = (0..rows)
        .map(|i| (i % 101 != 0).then_some(((i * 31) % 7 < 3) as i32))
        .collect();
    let y_pred: Vec<i64> = (0..rows).map(|i| ((i * 13) % 5 < 2) as i64).collect();
    DataFrame::new(
        rows,
        vec![
            Column::new("zip".into(), zip),
            Column::new("branch".into(), branch),
            Column::new("region".into(), region),
            Column::new("flag".into(), flag),
            Column::new("grade".into(), grade),
            Column::new("y_true".into(), y_true),
            Column::new("y_pred".into(), y_pred),
        ],
    )
    .unwrap()
}

#[test]
fn dictionary_codes_give_the_general_report_on_awkward_files() {
    let dir = tempfile::tempdir().unwrap();
    let compressions = [
        ("zstd", ParquetCompression::Zstd(None)),
        ("snappy", ParquetCompression::Snappy),
        ("plain", ParquetCompression::Uncompressed),
        ("gzip", ParquetCompression::Gzip(None)),
        ("lz4", ParquetCompression::Lz4Raw),
        ("brotli", ParquetCompression::Brotli(None)),
    ];
    for (i, (name, compression)) in compressions.into_iter().enumerate() {
        let path = dir.path().join(format!("awkward-{name}.parquet"));
        let mut df = awkward(30_000 + i);
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .with_compression(compression)
            .with_row_group_size(Some(7_000))
            .finish(&mut df)
            .unwrap();
        same_both_ways(
            &path,
            &["--attr", "flag", "--attr", "grade", "--attr", "region"],
        );
        if i == 0 {
            // zip × branch: over 65,536 cells per batch (sorted, not dense).
            same_both_ways(&path, &["--attr", "zip", "--attr", "branch", "--intersect"]);
        }
    }
    // The same as CSV: empty fields are nulls; several byte ranges.
    let csv = dir.path().join("awkward.csv");
    let mut df = awkward(1_000_000);
    CsvWriter::new(std::fs::File::create(&csv).unwrap())
        .finish(&mut df)
        .unwrap();
    assert!(
        std::fs::metadata(&csv).unwrap().len() > 2 * (1 << 24),
        "several ranges"
    );
    let (_, how) = read_with(&csv, &["--attr", "grade"], "auto");
    assert!(!how.contains("(1 byte range)"), "{how}");
    same_both_ways(
        &csv,
        &["--attr", "flag", "--attr", "grade", "--attr", "zip"],
    );
}

#[test]
fn numeric_sums_skip_rows_without_a_finite_value_on_both_paths() {
    // A NaN and an infinite true value: those rows leave the error sums on
    // both paths (0·NaN and 0·inf are not added).
    let dir = tempfile::tempdir().unwrap();
    let n = 200;
    let g: Vec<&str> = (0..n).map(|i| ["a", "b"][i % 2]).collect();
    let y: Vec<i32> = (0..n).map(|i| (i % 3 == 0) as i32).collect();
    let p: Vec<i32> = (0..n).map(|i| (i % 5 < 2) as i32).collect();
    let v: Vec<Option<f64>> = (0..n)
        .map(|i| match i {
            7 => None,
            _ => Some(i as f64 / 10.0),
        })
        .collect();
    let t: Vec<f64> = (0..n)
        .map(|i| match i {
            3 => f64::INFINITY,
            5 => f64::NAN,
            _ => i as f64 / 9.0,
        })
        .collect();
    let mut df = DataFrame::new(
        n,
        vec![
            Column::new("g".into(), g),
            Column::new("y_true".into(), y),
            Column::new("y_pred".into(), p),
            Column::new("v".into(), v),
            Column::new("t".into(), t),
        ],
    )
    .unwrap();
    let path = dir.path().join("nan.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut df)
        .unwrap();
    let flags = ["--attr", "g", "--value", "v", "--value-truth", "t"];
    same_within(&path, &flags, 1e-12);
    let (r, _) = read_with(&path, &flags, "general");
    let groups = r["attributes"][0]["numeric"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    // The MAE by hand over the rows with a value and a finite truth (rows 3,
    // 5 and 7 left out): |i/10 − i/9| = i/90.
    for grp in groups {
        let g = grp["group"].as_str().unwrap();
        let rows: Vec<usize> = (0..n)
            .filter(|i| ["a", "b"][i % 2] == g && ![3, 5, 7].contains(i))
            .collect();
        let mae = rows.iter().map(|&i| i as f64 / 90.0).sum::<f64>() / rows.len() as f64;
        crate::assert_close!(
            grp["errors"]["mae"].as_f64().unwrap(),
            mae,
            1e-12,
            "MAE of {g}"
        );
    }
}

/// A numeric outcome spread over 23 orders of magnitude, both signs, zeros
/// and values at bucket edges: the coded path's sketch (bucket tables, a
/// dense range widened as values arrive, a map beyond 2²⁰ entries with a
/// 3,000-value attribute) gives the general path's quantiles and KS.
#[test]
fn the_sketch_of_wide_values_is_the_general_paths() {
    let dir = tempfile::tempdir().unwrap();
    let n = 60_000;
    let zip: Vec<String> = (0..n)
        .map(|i| format!("z{:04}", (i * 7919) % 3000))
        .collect();
    let sex: Vec<&str> = (0..n).map(|i| ["f", "m"][i % 2]).collect();
    let y: Vec<i32> = (0..n).map(|i| (i % 3 == 0) as i32).collect();
    let p: Vec<i32> = (0..n).map(|i| (i % 5 < 2) as i32).collect();
    let v: Vec<f64> = (0..n)
        .map(|i| {
            let sign = if i % 7 == 0 { -1.0 } else { 1.0 };
            match i % 13 {
                0 => 0.0,
                // An edge of the sketch's buckets, γᵏ, and its neighbours.
                1 => 1.02f64.powi((i % 600) as i32 - 300),
                2 => f64::from_bits(1.02f64.powi((i % 600) as i32 - 300).to_bits() + 1),
                _ => sign * 10f64.powf(-8.0 + 23.0 * ((i * 2654435761) % 100_000) as f64 / 1e5),
            }
        })
        .collect();
    let mut df = DataFrame::new(
        n,
        vec![
            Column::new("zip".into(), zip),
            Column::new("sex".into(), sex),
            Column::new("y_true".into(), y),
            Column::new("y_pred".into(), p),
            Column::new("v".into(), v),
        ],
    )
    .unwrap();
    let path = dir.path().join("wide.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .with_row_group_size(Some(20_000))
        .finish(&mut df)
        .unwrap();
    for attr in ["sex", "zip"] {
        let flags = ["--attr", attr, "--value", "v"];
        // Sums of values from 1e-8 to 1e15 lose digits to cancellation in
        // an order-dependent way (the mean difference's interval: 1e-11
        // apart between runs); the sketch's counts are exact.
        same_within(&path, &flags, 1e-9);
        let (codes, _) = read_with(&path, &flags, "auto");
        let (general, _) = read_with(&path, &flags, "general");
        let groups = |r: &Value| r["attributes"][0]["numeric"]["groups"].clone();
        let (a, b) = (groups(&codes), groups(&general));
        assert!(a.as_array().is_some_and(|g| g.len() >= 2), "{a}");
        for (x, y) in a.as_array().unwrap().iter().zip(b.as_array().unwrap()) {
            assert_eq!(x["quantiles"], y["quantiles"], "{attr}: {}", x["group"]);
            assert_eq!(x["ks"], y["ks"], "{attr}: {}", x["group"]);
        }
    }
}

#[test]
fn csv_files_the_coded_path_reads_and_those_it_leaves_to_polars() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let mut rows = String::new();
    for i in 0..400 {
        let g = ["a", "b", "", "c d"][i % 4];
        let y = if i % 37 == 0 {
            String::new()
        } else {
            ((i * 7) % 3 % 2).to_string()
        };
        rows.push_str(&format!("{g},{y},{}\n", (i * 5) % 2));
    }
    let plain = format!("g,y_true,y_pred\n{rows}");
    // Read on codes: line ends \r\n, no final line end, float labels.
    for (name, text) in [
        ("plain.csv", plain.clone()),
        ("crlf.csv", plain.replace('\n', "\r\n")),
        ("unterminated.csv", plain.trim_end().to_string()),
        (
            "float.csv",
            plain.replace(",1,", ",1.0,").replace(",0,", ",0.0,"),
        ),
        // polars drops a \r ending any field, not only the line's last.
        ("cr-field.csv", plain.replace("a,", "a\r,")),
    ] {
        same_both_ways(&write(name, &text), &["--attr", "g"]);
    }
    // Left to polars, each with its reason; the outcome is polars' either
    // way (the ragged line is its error, exit 2).
    for (name, text, why) in [
        (
            "quoted.csv",
            plain.replacen("a,", "\"a\",", 3),
            Some("quoted fields"),
        ),
        (
            "blank.csv",
            format!("{plain}\n{rows}"),
            Some("a blank line"),
        ),
        ("ragged.csv", plain.replacen("b,", "b,x,", 1), None),
        (
            "short.csv",
            plain.replacen(",1\n", "\n", 1),
            Some("a line with fewer fields than the header"),
        ),
        (
            "bom.csv",
            format!("\u{feff}{plain}"),
            Some("the header is not the plain names"),
        ),
    ] {
        let p = write(name, &text);
        let run = |reader: &str| {
            fairaudit()
                .arg("audit")
                .arg(&p)
                .args(["--attr", "g", "--reader", reader, "--verbose"])
                .args([
                    "--format",
                    "json",
                    "--fail-on",
                    "never",
                    "--as-of",
                    "2026-11-28",
                ])
                .output()
                .unwrap()
        };
        let (auto, general) = (run("auto"), run("general"));
        let err = String::from_utf8_lossy(&auto.stderr).to_string();
        match why {
            Some(why) => {
                let want = format!("polars' streaming group-by ({why}");
                assert!(err.contains(&want), "{name}: {err}");
                let (a, _) = read_with(&p, &["--attr", "g"], "auto");
                let (g, _) = read_with(&p, &["--attr", "g"], "general");
                assert_eq!(a, g, "{name}");
            }
            None => {
                // The coded reader names the line; polars says it its way.
                assert_eq!(auto.status.code(), Some(2), "{name}: {err}");
                assert_eq!(general.status.code(), Some(2), "{name}");
                assert!(err.contains("has 4 fields, the header 3"), "{name}: {err}");
                let g = String::from_utf8_lossy(&general.stderr);
                assert!(g.contains("more fields than defined"), "{name}: {g}");
            }
        }
    }
}

/// A numeric outcome in a CSV file is parsed on the coded path when it is
/// plain decimal notation (polars' parser and Rust's both round correctly);
/// any other spelling leaves the file to polars, with the reason.
#[test]
fn csv_numeric_outcomes_on_codes_and_their_fallbacks() {
    let dir = tempfile::tempdir().unwrap();
    let spellings = [
        "1.", ".5", "-2.5e3", "1E+2", "7", "0.000123", "", "-0", "3.25e-2",
    ];
    let mut rows = String::from("g,y_true,y_pred,v,t,k\n");
    // Three batches of 8,192 rows; a group first seen in the third changes
    // the cell indexes mid-range.
    for i in 0..20_000 {
        let g = if i > 17_000 && i % 5 == 0 {
            "d"
        } else {
            ["a", "b", "c"][i % 3]
        };
        // A row without a label counts in the sums, not in the sketch.
        let y = if i % 41 == 0 {
            String::new()
        } else {
            (i % 2).to_string()
        };
        let v = spellings[i % spellings.len()];
        let t = if i % 53 == 0 {
            String::new()
        } else {
            format!("{}", i as f64 / 7.0)
        };
        rows.push_str(&format!("{g},{y},{},{v},{t},{}\n", (i / 3) % 2, i % 13));
    }
    let path = dir.path().join("values.csv");
    std::fs::write(&path, &rows).unwrap();
    let flags = ["--attr", "g", "--value", "v", "--value-truth", "t"];
    same_within(&path, &flags, 1e-12);
    // An integer column (polars reads `k` as i64) as the outcome.
    same_within(&path, &["--attr", "g", "--value", "k"], 1e-12);
    let (r, _) = read_with(&path, &flags, "auto");
    let groups = r["attributes"][0]["numeric"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 4);
    // Early: within polars' schema inference (the first 100 rows); late:
    // past it, where the column is already read as floats.
    let late = rows.match_indices('\n').nth(300).unwrap().0;
    for (name, from, to, why, at) in [
        ("nan.csv", ",.5,", ",NaN,", "NaN", 0),
        ("inf.csv", ",7,", ",inf,", "inf", 0),
        ("space.csv", ",7,", ", 7,", " 7", 0),
        ("plus.csv", ",7,", ",+7,", "+7", 0),
        ("late-nan.csv", ",.5,", ",nan,", "nan", late),
        ("late-space.csv", ",7,", ",7 ,", "7 ", late),
        ("late-plus.csv", ",7,", ",+7,", "+7", late),
        ("late-word.csv", ",7,", ",n/a,", "n/a", late),
    ] {
        let p = dir.path().join(name);
        let text = format!("{}{}", &rows[..at], rows[at..].replacen(from, to, 1));
        std::fs::write(&p, text).unwrap();
        let run = |reader: &str| {
            let out = fairaudit()
                .arg("audit")
                .arg(&p)
                .args(flags)
                .args(["--reader", reader, "--verbose", "--format", "json"])
                .args(["--fail-on", "never", "--as-of", "2026-11-28"])
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr).to_string();
            (out.status.code(), err)
        };
        let ((code, how), (general, err)) = (run("auto"), run("general"));
        assert_eq!(code, general, "{name}: {how}");
        let last = |e: &str| e.trim_end().lines().last().unwrap_or_default().to_string();
        match code {
            // Refused (NaN or infinite; a column polars reads as text), by
            // either reader with one message.
            Some(2) => assert_eq!(last(&how), last(&err), "{name}"),
            _ => {
                let want = format!("a numeric field polars parses its own way ({why})");
                assert!(how.contains(&want), "{name}: {how}");
                let (a, _) = read_with(&p, &flags, "auto");
                let (g, _) = read_with(&p, &flags, "general");
                assert_eq!(a, g, "{name}");
            }
        }
    }
}

/// A tie for the worst group error (equal errors in two groups) went to
/// either group, by the rounding of sums the two readers add in other
/// orders; within 1e-12 it goes to the first group.
#[test]
fn a_tie_for_the_worst_group_error_goes_to_the_first_group() {
    let dir = tempfile::tempdir().unwrap();
    let c2 = dir.path().join("c2.csv");
    let mut text = String::from("g,y_true,y_pred,v,t\n");
    for (g, y, p) in [
        ("a", 1, 0),
        ("a", 0, 1),
        ("b", 1, 1),
        ("b", 0, 0),
        ("a", 1, 1),
        ("b", 1, 0),
        ("a", 0, 0),
        ("b", 0, 1),
    ] {
        text.push_str(&format!("{g},{y},{p},0.1,0.3\n"));
    }
    std::fs::write(&c2, text).unwrap();
    let flags = [
        "--attr",
        "g",
        "--value",
        "v",
        "--value-truth",
        "t",
        "--min-group-size",
        "1",
    ];
    for reader in ["auto", "general"] {
        let (r, _) = read_with(&c2, &flags, reader);
        let first = r["attributes"][0]["numeric"]["groups"][0]["group"].clone();
        let bgl = &r["attributes"][0]["numeric"]["bounded_group_loss"];
        assert_eq!(bgl["mse"]["group"], first, "{reader}: {bgl}");
        assert_eq!(bgl["mae"]["group"], first, "{reader}: {bgl}");
    }
}

#[test]
fn what_the_dense_path_cannot_count_goes_the_general_way() {
    let dir = tempfile::tempdir().unwrap();
    let german = to_parquet(dir.path(), "german_credit.csv");
    let score = ["--attr", "sex", "--score", "score", "--threshold", "0.5"];
    let (_, how) = read_with(&german, &score, "auto");
    assert!(
        how.contains("polars' streaming group-by (a score column is summed)"),
        "{how}"
    );
    // A float key is not a code.
    let p = dir.path().join("float-age.parquet");
    let mut df = CsvReadOptions::default()
        .try_into_reader_with_file_path(Some(crate::fixture("german_credit.csv")))
        .unwrap()
        .finish()
        .unwrap();
    let age = df.column("age").unwrap().cast(&DataType::Float64).unwrap();
    df.with_column(age).unwrap();
    ParquetWriter::new(std::fs::File::create(&p).unwrap())
        .finish(&mut df)
        .unwrap();
    let (_, how) = read_with(&p, &["--attr", "age"], "auto");
    assert!(how.contains("(column 'age' is of type"), "{how}");
    // Other formats are read by polars.
    let nd = dir.path().join("g.ndjson");
    std::fs::write(&nd, "{\"g\":\"a\",\"y_true\":1,\"y_pred\":0}\n").unwrap();
    let (_, how) = read_with(&nd, &["--attr", "g"], "auto");
    assert!(how.contains("(NDJSON input)"), "{how}");
}

#[test]
fn the_library_chooses_the_reader_too() {
    use fairaudit::{Audit, Reader};
    let dir = tempfile::tempdir().unwrap();
    let german = to_parquet(dir.path(), "german_credit.csv");
    let run = |r: Reader| {
        Audit::builder()
            .data(&german)
            .attr("sex")
            .attr("age_band")
            .reader(r)
            .run()
            .unwrap()
    };
    let (auto, general) = (run(Reader::Auto), run(Reader::General));
    let how = |rep: &fairaudit::Report| rep.audit.counts.reads.0[0].1.clone();
    assert!(how(&auto).starts_with("dictionary codes"), "{}", how(&auto));
    assert!(
        how(&general).contains("--reader general"),
        "{}",
        how(&general)
    );
    assert_eq!(auto.audit.counts, general.audit.counts);
    assert_eq!(auto.verdict(), general.verdict());
}

/// Warehouse exports carry DECIMAL (and sometimes half-float) columns: a
/// decimal numeric outcome gives the report of the same values as floats,
/// and an unused float16 column does not stop the read; the data
/// examination bands the decimal as a number.
#[test]
fn decimal_and_float16_columns_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let n = 400;
    let g: Vec<&str> = (0..n).map(|i| ["a", "b", "c"][i % 3]).collect();
    let y: Vec<i32> = (0..n).map(|i| (i % 4 == 0) as i32).collect();
    let p: Vec<i32> = (0..n).map(|i| (i % 5 < 2) as i32).collect();
    // Quarters: exact in binary and in two decimal places.
    let amount: Vec<f64> = (0..n).map(|i| 100.0 + (i % 37) as f64 * 0.25).collect();
    let frame = |decimal: bool| {
        let mut df = DataFrame::new(
            n,
            vec![
                Column::new("g".into(), g.clone()),
                Column::new("y_true".into(), y.clone()),
                Column::new("y_pred".into(), p.clone()),
                Column::new("amount".into(), amount.clone()),
                Column::new("half".into(), amount.clone()),
            ],
        )
        .unwrap();
        if decimal {
            let d = df
                .column("amount")
                .unwrap()
                .cast(&DataType::Decimal(10, 2))
                .unwrap();
            let h = df.column("half").unwrap().cast(&DataType::Float16).unwrap();
            df.with_column(d).unwrap();
            df.with_column(h).unwrap();
        }
        df
    };
    let mut paths = vec![];
    for decimal in [false, true] {
        let path = dir.path().join(format!("d{decimal}.parquet"));
        ParquetWriter::new(std::fs::File::create(&path).unwrap())
            .finish(&mut frame(decimal))
            .unwrap();
        paths.push(path);
    }
    let flags = ["--attr", "g", "--value", "amount", "--bootstrap", "0"];
    let float = crate::audit_normalized(&[paths[0].to_str().unwrap()], &flags);
    let dec = crate::audit_normalized(&[paths[1].to_str().unwrap()], &flags);
    assert!(dec["attributes"][0]["numeric"].is_object());
    if let Some(d) = crate::json_difference(&float, &dec, 1e-12, "") {
        panic!("the decimal column's audit differs from the float column's at {d}");
    }
    let (r, _) = report_of({
        let mut c = fairaudit();
        c.args([
            "data",
            paths[1].to_str().unwrap(),
            "--attr",
            "g",
            "--format",
            "json",
        ]);
        c
    });
    let amount = r["data_examination"]["proxies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["column"] == "amount")
        .expect("the decimal column is screened");
    assert!(
        amount["kind"].as_str().unwrap().starts_with("numeric"),
        "{amount}"
    );
}

/// A numeric outcome with no value in a group: every null estimate of the
/// group says why (never a bare null).
#[test]
fn null_numeric_estimates_carry_a_reason() {
    let (_d, p) = crate::temp_file(
        "v.csv",
        "g,y_true,y_pred,v\na,1,1,1.5\na,0,1,2.5\na,1,0,0.5\nb,1,0,\nb,0,0,\nc,1,1,3\n",
    );
    let r = crate::audit_json(&[
        p.to_str().unwrap(),
        "--attr",
        "g",
        "--value",
        "v",
        "--bootstrap",
        "0",
    ]);
    let groups = r["attributes"][0]["numeric"]["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 3);
    let mut nulls = 0;
    for g in groups {
        for (k, v) in g.as_object().unwrap() {
            let null = v.is_null()
                || v.as_object()
                    .is_some_and(|o| o.values().any(Value::is_null));
            if null && k != "undefined" {
                nulls += 1;
                assert!(g["undefined"][k].is_string(), "{k} of {}: {g}", g["group"]);
            }
        }
    }
    assert!(
        nulls >= 8,
        "b has no value and c one: {nulls} null estimates"
    );
}
