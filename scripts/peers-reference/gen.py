#!/usr/bin/env python3
"""Regenerates fixtures/peers/*.peers.json: what Fairlearn, AIF360 and
Aequitas compute on the bundled German credit and COMPAS files, run one tool
per process with benches/compare/peer_metrics.py (an unchanged copy of the
shared peers script), each tool's `version` and `metrics` kept, in the layout
the tests read: {data, invocation, tools: {tool: {version, metrics}}}.

    gen.py PYTHON   (a Python with the peer toolkits: shared/peers or
                     benches/compare/requirements.txt)
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
PEER = os.path.join(ROOT, "benches", "compare", "peer_metrics.py")
CASES = [
    ("german_credit.csv", "sex", "age_group", {"sex": "male", "age_group": "gt25"}, None),
    ("compas_two_year.csv", "race", "sex", {"race": "Caucasian", "sex": "Male"}, "all 7214 rows"),
]


def main():
    python = sys.argv[1] if len(sys.argv) > 1 else sys.executable
    for data, attr, attr2, refs, rows in CASES:
        tools = {}
        for tool in ["fairlearn", "aif360", "aequitas"]:
            with tempfile.TemporaryDirectory() as d:
                out = os.path.join(d, "out.json")
                cmd = [python, PEER, "--file", os.path.join(ROOT, "fixtures", data), "--tool", tool,
                       "--attr", attr, "--attr2", attr2, "--score", "score", "--out", out]
                for k, v in refs.items():
                    cmd += ["--ref", f"{k}={v}"]
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
                r = json.load(open(out))
            tools[tool] = {"version": r["version"], "metrics": r["metrics"]}
        invocation = {"file": data, "attribute": attr, "second_attribute": attr2,
                      "intersection": f"{attr2} x {attr}", "reference_groups": refs,
                      "label": "y_true", "prediction": "y_pred", "score": "score", "positive": 1}
        if rows:
            invocation["rows"] = rows
        path = os.path.join(ROOT, "fixtures", "peers", data.replace(".csv", ".peers.json"))
        with open(path, "w") as f:
            json.dump({"data": data, "invocation": invocation, "tools": tools}, f, indent=1)
        print("wrote", path)


if __name__ == "__main__":
    main()
