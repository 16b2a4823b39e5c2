//! Generates a synthetic loan-decision data set, deterministic for a seed, so
//! every benchmark figure can be reproduced.
//!
//! ```sh
//! cargo run --release --example synth -- --rows 10000000 --out data/synth_10m.parquet --seed 1
//! ```
//!
//! Columns: `sex` (2 groups), `race` (5, imbalanced), `age_band` (4), `y_true`
//! (1 = repaid), `score` (model probability of repayment), `y_pred` (score >=
//! 0.5). `--bias B` (default 1) scales a built-in penalty on the scores of some
//! groups (female, black, hispanic, 18-25), so the data hold real disparities.
//! Written in batches of one million rows, so any size fits in memory.

use std::path::PathBuf;

use polars::prelude::*;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

struct Args {
    rows: usize,
    out: PathBuf,
    seed: u64,
    bias: f64,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        rows: 1_000_000,
        out: PathBuf::from("synth.parquet"),
        seed: 1,
        bias: 1.0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().ok_or(format!("{k} needs a value"));
        match k.as_str() {
            "--rows" => a.rows = v()?.replace('_', "").parse().map_err(|e| format!("--rows: {e}"))?,
            "--out" => a.out = PathBuf::from(v()?),
            "--seed" => a.seed = v()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--bias" => a.bias = v()?.parse().map_err(|e| format!("--bias: {e}"))?,
            "-h" | "--help" => {
                return Err("usage: synth --rows N --out FILE.parquet|.csv|.ndjson|.arrow [--seed S] [--bias B]".into())
            }
            o => return Err(format!("unknown argument {o}")),
        }
    }
    Ok(a)
}

/// Picks an index by cumulative weights.
fn pick(u: f64, weights: &[f64]) -> usize {
    let mut acc = 0.0;
    for (i, w) in weights.iter().enumerate() {
        acc += w;
        if u < acc {
            return i;
        }
    }
    weights.len() - 1
}

const SEX: [&str; 2] = ["female", "male"];
const SEX_W: [f64; 2] = [0.45, 0.55];
const SEX_PENALTY: [f64; 2] = [0.25, 0.0];
const RACE: [&str; 5] = ["white", "black", "hispanic", "asian", "other"];
const RACE_W: [f64; 5] = [0.60, 0.15, 0.15, 0.06, 0.04];
const RACE_PENALTY: [f64; 5] = [0.0, 0.45, 0.30, 0.0, 0.10];
const AGE: [&str; 4] = ["18-25", "26-40", "41-60", "60+"];
const AGE_W: [f64; 4] = [0.15, 0.40, 0.33, 0.12];
const AGE_PENALTY: [f64; 4] = [0.35, 0.0, 0.0, 0.1];

fn batch(rng: &mut StdRng, n: usize, bias: f64) -> DataFrame {
    let mut sex = Vec::with_capacity(n);
    let mut race = Vec::with_capacity(n);
    let mut age = Vec::with_capacity(n);
    let mut y_true = Vec::with_capacity(n);
    let mut y_pred = Vec::with_capacity(n);
    let mut score = Vec::with_capacity(n);
    for _ in 0..n {
        let s = pick(rng.random::<f64>(), &SEX_W);
        let r = pick(rng.random::<f64>(), &RACE_W);
        let a = pick(rng.random::<f64>(), &AGE_W);
        // Latent creditworthiness; the outcome follows it, the model sees it
        // with noise and with a group penalty (the built-in bias).
        let z: f64 = StandardNormal.sample(rng);
        let latent = 0.6 + z;
        let repaid = rng.random::<f64>() < 1.0 / (1.0 + (-1.5 * latent).exp());
        let noise: f64 = StandardNormal.sample(rng);
        let logit =
            1.2 * latent + 0.5 * noise - bias * (SEX_PENALTY[s] + RACE_PENALTY[r] + AGE_PENALTY[a]);
        let p = 1.0 / (1.0 + (-logit).exp());
        let p = (p * 1e6).round() / 1e6;
        sex.push(SEX[s]);
        race.push(RACE[r]);
        age.push(AGE[a]);
        y_true.push(repaid as i8);
        y_pred.push((p >= 0.5) as i8);
        score.push(p);
    }
    DataFrame::new(
        n,
        vec![
            Column::new("sex".into(), sex),
            Column::new("race".into(), race),
            Column::new("age_band".into(), age),
            Column::new("y_true".into(), y_true),
            Column::new("score".into(), score),
            Column::new("y_pred".into(), y_pred),
        ],
    )
    .expect("columns of equal length")
}

fn main() {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("synth: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&args) {
        eprintln!("synth: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> PolarsResult<()> {
    const BATCH: usize = 1_000_000;
    if let Some(dir) = args.out.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir)?;
        }
    }
    let mut rng = StdRng::seed_from_u64(args.seed);
    let file = std::io::BufWriter::new(std::fs::File::create(&args.out)?);
    let ext = args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let first = batch(&mut rng, args.rows.min(BATCH), args.bias);
    let schema = first.schema().as_ref().clone();
    let mut done = first.height();
    match ext.as_str() {
        "parquet" => {
            let mut w = ParquetWriter::new(file).batched(&schema)?;
            w.write_batch(&first)?;
            while done < args.rows {
                let df = batch(&mut rng, (args.rows - done).min(BATCH), args.bias);
                done += df.height();
                w.write_batch(&df)?;
            }
            w.finish()?;
        }
        "csv" => {
            let mut w = CsvWriter::new(file).batched(&schema)?;
            w.write_batch(&first)?;
            while done < args.rows {
                let df = batch(&mut rng, (args.rows - done).min(BATCH), args.bias);
                done += df.height();
                w.write_batch(&df)?;
            }
            w.finish()?;
        }
        "ndjson" | "jsonl" | "arrow" | "ipc" => {
            // Small sizes only: these are written in one piece.
            let mut df = first;
            while done < args.rows {
                let more = batch(&mut rng, (args.rows - done).min(BATCH), args.bias);
                done += more.height();
                df.vstack_mut(&more)?;
            }
            drop(file);
            fairaudit::ingest::write_frame(df, &args.out)
                .map_err(|e| PolarsError::ComputeError(e.to_string().into()))?;
        }
        other => {
            return Err(PolarsError::InvalidOperation(
                format!(
                    "unknown output extension '{other}': use .parquet, .csv, .ndjson or .arrow"
                )
                .into(),
            ))
        }
    }
    eprintln!("synth: wrote {} rows to {}", args.rows, args.out.display());
    Ok(())
}
