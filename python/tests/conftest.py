"""Shared helpers: the repository's fixtures, the installed CLI, and the
normalisation that drops what legitimately differs between two runs of the
same audit (run id, time, the names of the inputs)."""

import json
import os
import sys
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
GERMAN = FIXTURES / "german_credit.csv"


def normalized(report: dict) -> dict:
    r = json.loads(json.dumps(report))
    r.pop("generated_at", None)
    r.pop("run_id", None)
    for k in ("path", "paths", "counts_paths", "warehouse"):
        r["dataset"].pop(k, None)
    return r


def fairaudit_command() -> str:
    """The `fairaudit` command the wheel installed next to this Python."""
    exe = Path(sys.executable).parent / "fairaudit"
    assert exe.exists(), f"the wheel installs the fairaudit command ({exe})"
    return str(exe)


def cli_json(*args: str) -> dict:
    """`fairaudit audit ARGS --format json --fail-on never` with the wheel's own command."""
    exe = fairaudit_command()
    o = subprocess.run(
        [exe, "audit", *args, "--format", "json", "--fail-on", "never"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert o.returncode == 0, o.stderr
    return json.loads(o.stdout)


def cli_error(*args: str) -> str:
    exe = fairaudit_command()
    o = subprocess.run([exe, "audit", *args], capture_output=True, text=True, cwd=ROOT)
    assert o.returncode == 2, o.stderr
    return o.stderr


@pytest.fixture(scope="session")
def german_pandas():
    pd = pytest.importorskip("pandas")
    return pd.read_csv(GERMAN)
