"""fairaudit.examine(): the data examination from Python equals the CLI's."""
import json
import subprocess

import pytest

import fairaudit
from conftest import FIXTURES, fairaudit_command


def test_examine_equals_the_cli():
    args = ["--attr", "race", "--attr", "sex", "--population", str(FIXTURES / "population_shares.csv")]
    cli = subprocess.run(
        [fairaudit_command(), "data", str(FIXTURES / "proxy_planted.csv"), *args,
         "--format", "json", "--fail-on", "never", "--store", "/nonexistent/none.db"],
        check=True, capture_output=True, text=True,
    )
    want = json.loads(cli.stdout)
    x = fairaudit.examine(FIXTURES / "proxy_planted.csv", ["race", "sex"],
                          population=FIXTURES / "population_shares.csv", fail_on="never")
    got = x.to_dict()
    assert got["data_examination"] == want["data_examination"]
    assert [f["id"] for f in got["findings"]] == [f["id"] for f in want["findings"]]
    p = x.proxies()
    top = p[p.attribute == "race"].iloc[0]
    assert top["column"] == "zip3" and top["rank"] == 1
    assert top["cramers_v_corrected"] > 0.7
    rep = x.representation()
    black = rep[(rep.attribute == "race") & (rep.group == "black")].iloc[0]
    assert black["count"] == 3935 and abs(black["expected_share"] - 0.22) < 1e-12
    assert x.verdict == "warn" and not x.gate_failed
    assert "zip3" in x._repr_html_()


def test_examine_errors_are_the_clis():
    with pytest.raises(fairaudit.InputError, match="population_bad.csv.*race"):
        fairaudit.examine(FIXTURES / "proxy_planted.csv", ["race", "sex"],
                          population=FIXTURES / "population_bad.csv")
    with pytest.raises(fairaudit.UsageError, match="reads files"):
        fairaudit.examine([], ["race"])
    with pytest.raises(fairaudit.UsageError, match="command line"):
        fairaudit.examine(FIXTURES / "proxy_planted.csv", ["race"], record=True)


def test_examine_of_a_table_says_to_write_a_file():
    pd = pytest.importorskip("pandas")
    df = pd.read_csv(FIXTURES / "proxy_planted.csv")
    with pytest.raises(fairaudit.UsageError, match="reads files, not a pandas.DataFrame"):
        fairaudit.examine(df, ["race"])
