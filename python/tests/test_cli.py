"""The wheel's `fairaudit` command is the CLI."""

import json
import shutil
import subprocess

from conftest import ROOT, fairaudit_command


def test_the_command_runs_the_bundled_audit():
    exe = fairaudit_command()
    o = subprocess.run([exe, "audit", "--spec", "fixtures/loan-model.toml", "--bootstrap", "0", "--format", "json"], capture_output=True, text=True, cwd=ROOT)
    assert o.returncode == 1, o.stderr  # the bundled policy fails by design
    assert json.loads(o.stdout)["verdict"] == "fail"
    o = subprocess.run([exe, "--version"], capture_output=True, text=True)
    assert o.returncode == 0
    o = subprocess.run([exe, "audit", "no-such-file.csv", "--attr", "x"], capture_output=True, text=True, cwd=ROOT)
    assert o.returncode == 2 and "no-such-file.csv" in o.stderr
