#!/usr/bin/env python3
"""Times the counts query fairaudit generates on real engines (DuckDB, Spark in
local mode, PostgreSQL) and the audit of the resulting counts, for
docs/scale-out.md.

    engines.py --fairaudit target/release/fairaudit --parquet F.parquet --csv F.csv \
        [--engines duckdb spark postgres] -- AUDIT FLAGS...

Loading the data into the engine is timed apart from the query: in a warehouse
the data are already there. PostgreSQL is reached through the PG* environment
variables (`eval "$(.ci/postgres.sh)"`). Prints one Markdown table row per step.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time


def fa_sql(fa, dialect, flags):
    return subprocess.run([fa, "sql", "--dialect", dialect, "--table", "decisions", *flags],
                          check=True, capture_output=True, text=True).stdout


def strip_comments(q):
    return " ".join(l for l in q.splitlines() if not l.strip().startswith("--"))


def duckdb_run(a, q, out):
    import duckdb
    con = duckdb.connect()
    t0 = time.perf_counter()
    con.execute(f"CREATE TABLE decisions AS SELECT * FROM read_parquet('{a.parquet}')")
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    con.execute(f"COPY ({q}) TO '{out}' (HEADER, DELIMITER ',')")
    return load, time.perf_counter() - t0, None


def spark_run(a, q, out):
    t0 = time.perf_counter()
    from pyspark.sql import SparkSession
    spark = (SparkSession.builder.master("local[2]").appName("fairaudit-bench")
             .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    start = time.perf_counter() - t0
    spark.read.parquet(a.parquet).createOrReplaceTempView("decisions")
    t0 = time.perf_counter()
    df = spark.sql(q)
    rows = df.collect()
    took = time.perf_counter() - t0
    import csv
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(df.columns)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
    spark.stop()
    return None, took, start


def postgres_run(a, q, out):
    ddl = ("DROP TABLE IF EXISTS decisions; CREATE TABLE decisions (sex TEXT, race TEXT, "
           "age_band TEXT, y_true BIGINT, y_pred BIGINT, score DOUBLE PRECISION);")
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-c", ddl], check=True)
    with open(a.csv) as f:
        header = f.readline().strip()
    t0 = time.perf_counter()
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-c",
                    f"\\copy decisions ({header}) FROM '{a.csv}' WITH (FORMAT csv, HEADER true)"],
                   check=True)
    subprocess.run(["psql", "-q", "-c", "VACUUM ANALYZE decisions"], check=True)
    load = time.perf_counter() - t0
    t0 = time.perf_counter()
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-c",
                    f"\\copy ({strip_comments(q)}) TO '{out}' WITH (FORMAT csv, HEADER true)"],
                   check=True)
    return load, time.perf_counter() - t0, None


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--fairaudit", required=True)
    p.add_argument("--parquet", required=True)
    p.add_argument("--csv", required=True)
    p.add_argument("--engines", nargs="+", default=["duckdb", "spark", "postgres"])
    p.add_argument("flags", nargs=argparse.REMAINDER)
    a = p.parse_args()
    a.parquet, a.csv = os.path.abspath(a.parquet), os.path.abspath(a.csv)
    flags = [f for f in a.flags if f != "--"]
    run = {"duckdb": (duckdb_run, "duckdb"), "spark": (spark_run, "spark"),
           "postgres": (postgres_run, "postgres")}
    tmp = tempfile.mkdtemp()
    print("| engine | start s | load s | counts query s | counts rows | audit of counts s |")
    print("|---|---|---|---|---|---|")
    t0 = time.perf_counter()
    subprocess.run([a.fairaudit, "audit", a.parquet, *flags, "--format", "json",
                    "--out", os.path.join(tmp, "local.json")], check=False)
    print(f"| fairaudit on the Parquet file (reference) | — | — | — | — | "
          f"{time.perf_counter() - t0:.2f} |", flush=True)
    for e in a.engines:
        fn, dialect = run[e]
        out = os.path.join(tmp, f"{e}.csv")
        load, took, start = fn(a, fa_sql(a.fairaudit, dialect, flags), out)
        with open(out) as f:
            nrows = sum(1 for _ in f) - 1
        t0 = time.perf_counter()
        subprocess.run([a.fairaudit, "audit", "--counts", out, *flags, "--format", "json",
                        "--out", os.path.join(tmp, f"{e}.json")], check=False)
        aud = time.perf_counter() - t0
        fmt = lambda v: "—" if v is None else f"{v:.2f}"
        print(f"| {e} | {fmt(start)} | {fmt(load)} | {took:.2f} | {nrows} | {aud:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
