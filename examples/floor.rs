//! The I/O floor: the time polars alone takes to read the columns an audit
//! needs, with the same reader settings and the streaming engine, without any
//! aggregation. Used by benches/compare to put fairaudit's time in context.
//!
//! ```sh
//! cargo run --release --example floor -- FILE sex race age_band y_true y_pred
//! ```

use std::time::Instant;

use polars::prelude::*;

fn main() -> PolarsResult<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: floor FILE COLUMN...");
    let cols: Vec<Expr> = args.map(|c| col(c.as_str())).collect();
    let t = Instant::now();
    let p = PlRefPath::new(path.as_str());
    let lf = if path.ends_with(".parquet") {
        LazyFrame::scan_parquet(p, ScanArgsParquet::default())?
    } else {
        LazyCsvReader::new(p).with_has_header(true).finish()?
    };
    let df = lf
        .select(cols)
        .collect_with_engine(Engine::Streaming)?
        .unwrap_single();
    println!(
        "{{\"rows\": {}, \"columns\": {}, \"seconds\": {:.4}}}",
        df.height(),
        df.width(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
