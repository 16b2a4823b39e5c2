//! Criterion benchmarks of the audit's stages (see docs/performance.md):
//! counts → metrics for all groups and intersections; intervals and tests;
//! bootstrap replicates; the end-to-end audit of a 1M-row Parquet file.
//!
//! `cargo bench --bench stages` (release profile). The 1M-row file is generated
//! once into `target/bench-data/` with `fairaudit::synth`.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use fairaudit::audit::bootstrap::{self, AttributePlan};
use fairaudit::audit::{attribute_sets, audit_counts};
use fairaudit::counts::{Cell, Counts, Outcome};
use fairaudit::metrics::{summarize, Group};
use fairaudit::spec::{AuditSpec, Favorable};
use fairaudit::synth::SeedableRng;

/// Counts of 1M rows over sex (2) × race (5) × age band (4): 40 cells.
fn counts() -> Counts {
    let mut c = Counts::new(vec!["sex".into(), "race".into(), "age_band".into()], false);
    let mut k = 0u64;
    for s in ["female", "male"] {
        for r in ["white", "black", "hispanic", "asian", "other"] {
            for a in ["18-25", "26-40", "41-60", "60+"] {
                k += 1;
                let base = 2_000 + 1_000 * (k % 7);
                let mut cell = Cell::default();
                for (o, f) in [
                    (Outcome::Tp, 5),
                    (Outcome::Fp, 2),
                    (Outcome::Tn, 3),
                    (Outcome::Fn, 1),
                ] {
                    let n = base * f + k * 13;
                    cell.record(o, n, n as f64, n as f64);
                }
                c.cells
                    .insert(vec![Some(s.into()), Some(r.into()), Some(a.into())], cell);
            }
        }
    }
    c.rows_read = c.rows_used();
    c
}

fn spec(bootstrap: usize) -> AuditSpec {
    let mut s = AuditSpec::new(vec![], vec!["sex".into(), "race".into(), "age_band".into()]);
    s.intersect = true;
    s.stats.bootstrap = bootstrap;
    s
}

fn data_file() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("synth_1m.parquet");
    if !p.exists() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let df = fairaudit::synth::batch(&mut rng, 1_000_000, 1.0);
        fairaudit::ingest::write_frame(df, &p).unwrap();
    }
    p
}

fn benches(c: &mut Criterion) {
    let counts = counts();
    c.bench_function(
        "metrics: rollups + rates + summaries, 3 attributes and 4 intersections",
        |b| {
            b.iter(|| {
                let mut n = 0;
                for members in attribute_sets(3, true) {
                    let groups: Vec<Group> = counts
                        .rollup(&members)
                        .into_iter()
                        .map(|(k, c)| Group::new(k, c))
                        .collect();
                    let inc = vec![true; groups.len()];
                    let s = summarize(
                        &groups,
                        &inc,
                        &|_| String::new(),
                        &groups[0].rates,
                        Some(0),
                        Favorable::Positive,
                    );
                    n += s.values.len();
                }
                n
            })
        },
    );
    let no_boot = spec(0);
    c.bench_function(
        "audit_counts: metrics + intervals + tests + Holm (no bootstrap)",
        |b| {
            b.iter(|| {
                audit_counts(&no_boot, counts.clone())
                    .unwrap()
                    .tests_in_family
            })
        },
    );
    // Bootstrap plans as the audit builds them.
    let plans_of = |counts: &Counts| -> Vec<AttributePlan> {
        audit_counts(&no_boot, counts.clone())
            .unwrap()
            .attributes
            .iter()
            .map(|a| AttributePlan {
                name: a.name.clone(),
                groups: a.groups.iter().map(|g| g.group.cell.clone()).collect(),
                included: vec![true; a.groups.len()],
                ref_index: a.groups.iter().position(|g| g.is_reference),
            })
            .collect()
    };
    let plans = plans_of(&counts);
    let mut g = c.benchmark_group("bootstrap");
    g.sample_size(20);
    g.bench_function(
        "1000 replicates, 7 attribute sets, 1M rows in counts",
        |b| {
            b.iter(|| {
                bootstrap::run(&plans, false, 1000, 7, Favorable::Positive)
                    .values
                    .len()
            })
        },
    );
    let mut big = counts.clone();
    for cell in big.cells.values_mut() {
        for i in 0..4 {
            cell.n[i] *= 100;
            cell.w[i] *= 100.0;
            cell.w2[i] *= 100.0;
        }
    }
    let big_plans = plans_of(&big);
    g.bench_function(
        "1000 replicates, 7 attribute sets, 100M rows in counts",
        |b| {
            b.iter(|| {
                bootstrap::run(&big_plans, false, 1000, 7, Favorable::Positive)
                    .values
                    .len()
            })
        },
    );
    g.finish();
    let file = data_file();
    let mut s = spec(1000);
    s.data = vec![file];
    let mut g = c.benchmark_group("end to end");
    g.sample_size(10);
    g.bench_function(
        "audit of 1M-row Parquet, 3 attributes + intersections, intervals, tests, 1000 bootstrap",
        |b| b.iter(|| fairaudit::audit::run(&s).unwrap().tests_in_family),
    );
    g.finish();
}

criterion_group!(stages, benches);
criterion_main!(stages);
