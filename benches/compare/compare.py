#!/usr/bin/env python3
"""Runs fairaudit, the polars read floor and the peer toolkits on generated
loan-decision files; checks their shared numbers agree; prints wall time and
peak memory (from /usr/bin/time -v) with ratios to fairaudit.

Standard library only; the peers run in their own venv (run.sh makes it).
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time

ATTRS = ["sex", "race", "age_band"]


def timed(cmd, timeout, out_path=None):
    """Runs cmd under /usr/bin/time -v; returns (wall_s, peak_mb, ok, stdout)."""
    t0 = time.perf_counter()
    try:
        p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return (None, None, False, "timeout")
    wall = time.perf_counter() - t0
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    peak = int(m.group(1)) / 1024 if m else None
    e = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", p.stderr)
    if e:
        parts = [float(x) for x in e.group(1).split(":")]
        wall = sum(v * 60 ** i for i, v in enumerate(reversed(parts)))
    ok = p.returncode in (0, 1)
    if not ok:
        sys.stderr.write(f"FAILED ({p.returncode}): {' '.join(cmd)}\n{p.stderr[-2000:]}\n")
    return (wall, peak, ok, p.stdout)


def fa_value(report, attr, name):
    for a in report["attributes"]:
        if a["name"] == attr:
            v = a["summary"][name]
            return v["value"] if isinstance(v, dict) else v
    return None


def agreement(fa, peers):
    """Shared numbers: Fairlearn's between-groups summaries for race, AIF360's
    per-group SPD/DI against white, Aequitas' crosstab counts for race."""
    checks = []
    fl = peers.get("fairlearn", {}).get("metrics", {})
    if "scalar[race]" in fl:
        for m in ["demographic_parity_difference", "demographic_parity_ratio", "equalized_odds_difference"]:
            checks.append((f"fairlearn race {m}", fa_value(fa, "race", m), fl["scalar[race]"][m]))
    aif = peers.get("aif360", {}).get("metrics", {})
    for k, groups in aif.items():
        if k.startswith("race: each group vs privileged="):
            race = next(a for a in fa["attributes"] if a["name"] == "race")
            for g, v in groups.items():
                grp = next(x for x in race["groups"] if x["group"] == g)
                checks.append((f"aif360 race={g} SPD", grp["disparities"]["selection_rate"]["difference"]["value"], v["statistical_parity_difference"]))
    aq = peers.get("aequitas", {}).get("metrics", {}).get("crosstabs", {})
    for k, v in aq.items():
        if k.startswith("race="):
            race = next(a for a in fa["attributes"] if a["name"] == "race")
            grp = next(x for x in race["groups"] if x["group"] == k[5:])
            checks.append((f"aequitas {k} tp", grp["counts"]["tp"], v["tp"]))
    bad = [(n, a, b) for n, a, b in checks if a is None or b is None or abs(a - b) > 1e-9]
    return len(checks), bad


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--root", required=True)
    ap.add_argument("--peer-python", required=True)
    ap.add_argument("--rows", default=os.environ.get("ROWS", "1000000 10000000"))
    ap.add_argument("--tools", default=os.environ.get("TOOLS", "fairlearn aif360 aequitas"))
    ap.add_argument("--formats", default=os.environ.get("FORMATS", "parquet csv"))
    ap.add_argument("--timeout", type=int, default=int(os.environ.get("TIMEOUT", "900")))
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    data = os.path.join(here, "data")
    results = os.path.join(here, "results")
    os.makedirs(data, exist_ok=True)
    os.makedirs(results, exist_ok=True)
    rel = os.path.join(a.root, "target", "release")
    fa_bin = os.path.join(rel, "fairaudit")
    rows_out = []
    for n in [int(x) for x in a.rows.split()]:
        for fmt in a.formats.split():
            f = os.path.join(data, f"synth_{n}.{fmt}")
            if not os.path.exists(f):
                subprocess.run([os.path.join(rel, "examples", "synth"), "--rows", str(n), "--out", f, "--seed", "1"], check=True)
            size = os.path.getsize(f) / 1e6
            label = f"{n // 1_000_000}M {fmt}"
            floor = timed([os.path.join(rel, "examples", "floor"), f] + ATTRS + ["y_true", "y_pred"], a.timeout)
            rows_out.append((label, "polars read floor", floor[0], floor[1], ""))
            fa_json = os.path.join(results, f"fairaudit_{n}_{fmt}.json")
            base = [fa_bin, "audit", f, "--intersect", "--format", "json", "--fail-on", "never"]
            for x in ATTRS:
                base += ["--attr", x]
            fa0 = timed(base + ["--bootstrap", "0", "--out", fa_json], a.timeout)
            rows_out.append((label, "fairaudit (intervals, tests)", fa0[0], fa0[1], ""))
            fa1 = timed(base + ["--bootstrap", "1000", "--out", fa_json], a.timeout)
            rows_out.append((label, "fairaudit (+1000 bootstrap)", fa1[0], fa1[1], ""))
            fa = json.load(open(fa_json))
            peers = {}
            for tool in a.tools.split():
                if tool == "fairlearn" and n > 1_000_000 and "FAIRLEARN_BIG" not in os.environ:
                    rows_out.append((label, tool, None, None, "skipped (>600 s at 10M; FAIRLEARN_BIG=1 runs it)"))
                    continue
                out = os.path.join(results, f"{tool}_{n}_{fmt}.json")
                r = timed([a.peer_python, os.path.join(here, "peer_metrics.py"), "--file", f, "--tool", tool,
                           "--attr", "race", "--attr2", "sex", "--ref", "race=white", "--ref", "sex=male", "--out", out], a.timeout)
                rows_out.append((label, tool, r[0], r[1], "" if r[2] else "failed or timed out"))
                if r[2] and os.path.exists(out):
                    peers[tool] = json.load(open(out))
            n_checks, bad = agreement(fa, peers)
            print(f"{label}: {size:.0f} MB; {n_checks} shared numbers compared, {len(bad)} disagree", flush=True)
            for b in bad:
                print("  DISAGREE", b)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}"
    print(f"\nmachine: {machine}\n")
    print(f"| file | tool | wall s | peak MB | × fairaudit time | × fairaudit memory | note |")
    print("|---|---|---|---|---|---|---|")
    ref = {}
    for label, tool, w, m, note in rows_out:
        if tool == "fairaudit (intervals, tests)":
            ref[label] = (w, m)
    for label, tool, w, m, note in rows_out:
        rw, rm = ref.get(label, (None, None))
        f = lambda x: "—" if x is None else f"{x:.2f}"
        ratio_t = f"{w / rw:.1f}" if w and rw else "—"
        ratio_m = f"{m / rm:.1f}" if m and rm else "—"
        print(f"| {label} | {tool} | {f(w)} | {f(m)} | {ratio_t} | {ratio_m} | {note} |")
    json.dump({"machine": machine, "rows": rows_out}, open(os.path.join(results, "summary.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
