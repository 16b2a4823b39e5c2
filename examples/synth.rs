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

use fairaudit::synth::{batch, SeedableRng};
use polars::prelude::*;
use rand::rngs::StdRng;

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
