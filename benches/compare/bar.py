"""The bar of issue #20: fairaudit's full audit against DuckDB's bare GROUP BY
of the same columns, on the same files, in one run.

For each file (Parquet and CSV, 10M and 100M rows by default) and each tool,
whole processes are run in alternation (paired), RUNS times (default 5), and
the median wall time, CPU time (user + system) and peak memory (maximum
resident set, /usr/bin/time) are reported with the ratio fairaudit / DuckDB.

    python3 benches/compare/bar.py --fairaudit target/release/fairaudit \
        --duckdb-python .venv-duckdb/bin/python --rows 10000000 100000000 --runs 5

Files are made by `cargo run --release --example synth` (deterministic) in
benches/compare/data/. Threads: set RAYON_NUM_THREADS / POLARS_MAX_THREADS and
DuckDB's `threads` with --threads N (default: all cores).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
KEYS = ["sex", "race", "age_band", "y_true", "y_pred"]

DUCK = r"""
import sys, duckdb
path, threads = sys.argv[1], int(sys.argv[2])
con = duckdb.connect()
if threads > 0:
    con.execute(f"SET threads = {threads}")
src = f"read_parquet('{path}')" if path.endswith(".parquet") else f"read_csv('{path}')"
rows = con.execute(
    f"SELECT sex, race, age_band, y_true, y_pred, count(*) AS n FROM {src} "
    "GROUP BY sex, race, age_band, y_true, y_pred"
).fetchall()
print(len(rows))
"""


def timed(cmd, env, timeout=None):
    """Runs a command under /usr/bin/time; returns (wall s, cpu s, peak MB),
    or None when it runs past `timeout` seconds."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        full = ["/usr/bin/time", "-f", "%e %U %S %M", "-o", t.name] + cmd
        try:
            r = subprocess.run(full, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            return None
        if r.returncode not in (0, 1):
            sys.exit(f"{cmd[0]} failed: {r.stderr.decode()[-2000:]}")
        wall, user, sys_, kb = t.read().split()[-4:]
        return float(wall), float(user) + float(sys_), int(kb) / 1024


def make(rows, fmt, fairaudit_root):
    out = HERE / "data" / f"bar_{rows // 1_000_000}m.{fmt}"
    if not out.exists():
        out.parent.mkdir(exist_ok=True)
        subprocess.run(
            ["cargo", "run", "--release", "--example", "synth", "--", "--rows", str(rows),
             "--out", str(out), "--seed", "1"],
            cwd=fairaudit_root, check=True)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fairaudit", default=str(ROOT / "target" / "release" / "fairaudit"))
    ap.add_argument("--duckdb-python", required=True)
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000_000, 100_000_000])
    ap.add_argument("--formats", nargs="+", default=["parquet", "csv"])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--peer-python", help="a Python with the peers (benches/compare/requirements.txt)")
    ap.add_argument("--peers", nargs="*", default=[], help="aequitas aif360 fairlearn")
    ap.add_argument("--peer-timeout", type=int, default=900,
                    help="a peer run past this many seconds is reported as not finished")
    a = ap.parse_args()
    env = dict(os.environ)
    if a.threads:
        env["RAYON_NUM_THREADS"] = env["POLARS_MAX_THREADS"] = str(a.threads)
    results = []
    for rows in a.rows:
        for fmt in a.formats:
            f = make(rows, fmt, ROOT)
            tools = {
                "fairaudit": [a.fairaudit, "audit", str(f), "--attr", "sex", "--attr", "race",
                              "--attr", "age_band", "--intersect", "--bootstrap", "1000",
                              "--format", "json", "--fail-on", "never"],
                "duckdb": [a.duckdb_python, "-c", DUCK, str(f), str(a.threads)],
            }
            # The peers compute race and sex × race (benches/compare/peer_metrics.py).
            for p in a.peers:
                tools[p] = [a.peer_python, str(HERE / "peer_metrics.py"), "--file", str(f),
                            "--tool", p, "--attr", "race", "--attr2", "sex", "--ref", "race=white",
                            "--ref", "sex=male", "--out", os.devnull]
            got = {k: [] for k in tools}
            unfinished = set()
            for _ in range(a.runs):
                for k, cmd in tools.items():
                    if k in unfinished:
                        continue
                    r = timed(cmd, env, a.peer_timeout if k in a.peers else None)
                    if r is None:
                        unfinished.add(k)
                    else:
                        got[k].append(r)
            row = {"rows": rows, "format": fmt, "runs": a.runs, "threads": a.threads or os.cpu_count()}
            for k, v in got.items():
                if k in unfinished:
                    row[k] = {"unfinished": f"did not finish in {a.peer_timeout} s"}
                    print(f"{rows:>11,} {fmt:<8} {k}: did not finish in {a.peer_timeout} s", flush=True)
                    continue
                row[k] = {
                    "wall_s": statistics.median(x[0] for x in v),
                    "cpu_s": statistics.median(x[1] for x in v),
                    "peak_mb": statistics.median(x[2] for x in v),
                }
            row["ratio_wall"] = row["fairaudit"]["wall_s"] / row["duckdb"]["wall_s"]
            row["ratio_paired"] = statistics.median(
                x[0] / y[0] for x, y in zip(got["fairaudit"], got["duckdb"]))
            results.append(row)
            fa, dk = row["fairaudit"], row["duckdb"]
            print(f"{rows:>11,} {fmt:<8} fairaudit {fa['wall_s']:6.2f} s {fa['cpu_s']:6.2f} cpu "
                  f"{fa['peak_mb']:7.0f} MB | duckdb {dk['wall_s']:6.2f} s {dk['cpu_s']:6.2f} cpu "
                  f"{dk['peak_mb']:7.0f} MB | ratio {row['ratio_paired']:.2f}", flush=True)
            for p in a.peers:
                if p not in unfinished:
                    q = row[p]
                    print(f"{rows:>11,} {fmt:<8} {p:<9} {q['wall_s']:6.2f} s {q['cpu_s']:6.2f} cpu "
                          f"{q['peak_mb']:7.0f} MB | × fairaudit {q['wall_s'] / fa['wall_s']:.0f}",
                          flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
