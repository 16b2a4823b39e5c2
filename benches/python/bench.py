#!/usr/bin/env python3
"""The Python package against the CLI and the Python peers, on one in-memory table.

    bench.py --parquet FILE [--cli PATH] [--tools python,cli,aequitas,fairlearn] [--repeat 3]

- python:    fairaudit.audit(polars_df, ...) on the table already in memory
             (the Arrow C stream into the engine, counts, the whole report).
- cli:       `fairaudit audit FILE ...` on the same data as Parquet (a fresh
             process: read, counts, report), wall time.
- aequitas:  Group().get_crosstabs + Bias (predefined and major group) +
             Fairness on the same table as a pandas DataFrame, in this process.
- fairlearn: MetricFrame(selection_rate, TPR, FPR, count) by race on the same
             pandas DataFrame, in this process.

fairaudit computes sex, race, age_band and their 4 intersections with every
metric, Wilson intervals, tests and Holm adjustment (no bootstrap); the peers
compute race only (their usual scope), so they do less work. Loading the table
is not timed for anyone. Best of `--repeat` runs; prints a table and JSON.
Figures and the machine are in docs/performance.md.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time

ATTRS = ["sex", "race", "age_band"]


def best(f, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


class Timeout(Exception):
    pass


def with_timeout(seconds, f):
    def on_alarm(*_):
        raise Timeout()

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        return f()
    finally:
        signal.alarm(0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parquet", required=True)
    ap.add_argument("--cli", default=os.path.join(os.path.dirname(sys.executable), "fairaudit"))
    ap.add_argument("--tools", default="python,cli,aequitas,fairlearn")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=int, default=900, help="seconds per peer run")
    a = ap.parse_args()
    tools = a.tools.split(",")

    import polars as pl

    import fairaudit

    df = pl.read_parquet(a.parquet)
    rows = df.height
    res = {"rows": rows, "file": a.parquet, "fairaudit": fairaudit.__version__}
    flags = dict(attrs=ATTRS, intersect=True, bootstrap=0, fail_on="never")
    if "python" in tools:
        res["python_s"] = best(lambda: fairaudit.audit(df, **flags), a.repeat)
        # The peers' scope: race alone.
        res["python_race_s"] = best(lambda: fairaudit.audit(df, attrs=["race"], bootstrap=0, fail_on="never"), a.repeat)
    if "cli" in tools:
        cmd = [a.cli, "audit", a.parquet, "--bootstrap", "0", "--intersect", "--format", "json", "--fail-on", "never"]
        for x in ATTRS:
            cmd += ["--attr", x]
        res["cli_s"] = best(lambda: subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL), a.repeat)
    if "aequitas" in tools or "fairlearn" in tools:
        # The peers take pandas: the same table, converted once, untimed.
        pdf = df.select(["race", "y_true", "y_pred"]).to_pandas()
    if "aequitas" in tools:
        import pandas as pd
        from aequitas.bias import Bias
        from aequitas.fairness import Fairness
        from aequitas.group import Group

        def aeq():
            # Aequitas' input layout (its column names, object-dtype attributes) is part of its cost.
            ad = pd.DataFrame({"score": pdf["y_pred"].astype(int), "label_value": pdf["y_true"].astype(int),
                               "race": pdf["race"].astype(str).astype(object)})
            xtab, _ = Group().get_crosstabs(ad, attr_cols=["race"])
            b = Bias()
            bdf = b.get_disparity_predefined_groups(xtab, original_df=ad, ref_groups_dict={"race": "white"},
                                                    alpha=0.05, check_significance=False)
            b.get_disparity_major_group(xtab, original_df=ad, check_significance=False)
            f = Fairness()
            f.get_overall_fairness(f.get_group_attribute_fairness(f.get_group_value_fairness(bdf)))

        try:
            res["aequitas_s"] = with_timeout(a.timeout * a.repeat, lambda: best(aeq, a.repeat))
        except Timeout:
            res["aequitas_s"] = f">{a.timeout}"
    if "fairlearn" in tools:
        from fairlearn.metrics import MetricFrame, count, false_positive_rate, selection_rate, true_positive_rate

        def fl():
            MetricFrame(metrics={"selection_rate": selection_rate, "tpr": true_positive_rate,
                                 "fpr": false_positive_rate, "count": count},
                        y_true=pdf["y_true"], y_pred=pdf["y_pred"], sensitive_features=pdf["race"])

        try:
            res["fairlearn_s"] = with_timeout(a.timeout, lambda: best(fl, 1))
        except Timeout:
            res["fairlearn_s"] = f">{a.timeout}"
    base = res.get("python_s")
    print(f"{rows:,} rows, in memory")
    for k in ["python_s", "python_race_s", "cli_s", "aequitas_s", "fairlearn_s"]:
        if k in res:
            v = res[k]
            ratio = f"  ({v / base:.1f}× fairaudit.audit)" if isinstance(v, float) and base else ""
            print(f"  {k[:-2]:<10} {v if isinstance(v, str) else f'{v:8.2f} s'}{ratio}")
    print(json.dumps(res))


if __name__ == "__main__":
    main()
