#!/usr/bin/env python3
"""Loads a CSV of decisions into a real SQL engine as a table, runs
the counts query fairaudit printed, and writes the result as CSV.

    run_query.py ENGINE DATA.csv QUERY.sql OUT.csv [TABLE]

ENGINE: duckdb (Python package), spark (pyspark, local mode), postgres (the
`psql` client; connection from the PG* environment variables).
TABLE (default `decisions`) is the table name; PostgreSQL keeps the table.
Column types are inferred from the data: integers, floats, else text.
Used by tests/it/engines.rs.
"""
import csv
import os
import subprocess
import sys
import tempfile


def infer_types(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        kinds = ["int"] * len(header)
        for row in r:
            for i, v in enumerate(row):
                if v == "" or kinds[i] == "text":
                    continue
                try:
                    int(v)
                    continue
                except ValueError:
                    pass
                try:
                    float(v)
                    if kinds[i] == "int":
                        kinds[i] = "float"
                except ValueError:
                    kinds[i] = "text"
    return header, kinds


def run_duckdb(data, query, out, table):
    import duckdb
    header, kinds = infer_types(data)
    types = {"int": "BIGINT", "float": "DOUBLE", "text": "VARCHAR"}
    con = duckdb.connect()
    cols = ", ".join(f'"{h}": \'{types[k]}\'' for h, k in zip(header, kinds))
    con.execute(f"CREATE TABLE \"{table}\" AS SELECT * FROM "
                f"read_csv('{data}', header=true, columns={{{cols}}})")
    con.execute(f"COPY ({query}) TO '{out}' (HEADER, DELIMITER ',')")


def run_spark(data, query, out, table):
    from pyspark.sql import SparkSession
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType
    header, kinds = infer_types(data)
    t = {"int": LongType(), "float": DoubleType(), "text": StringType()}
    spark = (SparkSession.builder.master("local[2]").appName("fairaudit-test")
             .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    schema = StructType([StructField(h, t[k], True) for h, k in zip(header, kinds)])
    spark.read.csv(data, header=True, schema=schema).createOrReplaceTempView(table)
    rows = spark.sql(query).collect()
    cols = spark.sql(query).columns
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
    spark.stop()


def run_postgres(data, query, out, table):
    header, kinds = infer_types(data)
    types = {"int": "BIGINT", "float": "DOUBLE PRECISION", "text": "TEXT"}
    ddl = ", ".join(f'"{h}" {types[k]}' for h, k in zip(header, kinds))
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(f'DROP TABLE IF EXISTS "{table}";\n')
        f.write(f'CREATE TABLE "{table}" ({ddl});\n')
        f.write(f"\\copy \"{table}\" FROM '{data}' WITH (FORMAT csv, HEADER true)\n")
        q = " ".join(l for l in query.splitlines() if not l.strip().startswith("--"))
        f.write(f"\\copy ({q}) TO '{out}' WITH (FORMAT csv, HEADER true)\n")
        script = f.name
    subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-q", "-f", script], check=True)
    os.unlink(script)


def main():
    engine, data, query_path, out = sys.argv[1:5]
    table = sys.argv[5] if len(sys.argv) > 5 else "decisions"
    query = open(query_path).read()
    run = {"duckdb": run_duckdb, "spark": run_spark, "postgres": run_postgres}[engine]
    run(os.path.abspath(data), query, os.path.abspath(out), table)


if __name__ == "__main__":
    main()
