"""Every kind of input gives the CLI's report, number for number."""

import io
import json

import pytest

import fairaudit
from conftest import GERMAN, cli_json, normalized

OPTS = dict(attrs=["sex", "age_group"], reference={"age_group": "gt25"}, intersect=True, bootstrap=200, seed=7)
FLAGS = ["--attr", "sex", "--attr", "age_group", "--reference", "age_group=gt25", "--intersect", "--bootstrap", "200", "--seed", "7"]


@pytest.fixture(scope="module")
def want():
    return normalized(cli_json(str(GERMAN), *FLAGS))


def _check(data, want):
    got = normalized(fairaudit.audit(data, fail_on="never", **OPTS).to_dict())
    assert got == want


def test_path(want):
    _check(str(GERMAN), want)


def test_list_of_paths_is_one_dataset(tmp_path):
    # The file split in two: the two parts audit as the whole.
    lines = GERMAN.read_text().splitlines(keepends=True)
    parts = [tmp_path / "a.csv", tmp_path / "b.csv"]
    parts[0].write_text("".join(lines[:401]))
    parts[1].write_text(lines[0] + "".join(lines[401:]))
    got = fairaudit.audit([str(p) for p in parts], attrs=["sex"], bootstrap=0).to_dict()
    whole = fairaudit.audit(str(GERMAN), attrs=["sex"], bootstrap=0).to_dict()
    assert got["dataset"]["rows"] == 1000
    assert got["attributes"] == whole["attributes"]


def test_one_file_twice_is_refused():
    with pytest.raises(fairaudit.UsageError, match="given twice"):
        fairaudit.audit([str(GERMAN), str(GERMAN)], attrs=["sex"], bootstrap=0)


def test_pandas(want, german_pandas):
    _check(german_pandas, want)


def test_polars_dataframe_and_lazyframe(want):
    pl = pytest.importorskip("polars")
    df = pl.read_csv(GERMAN)
    _check(df, want)
    _check(df.lazy(), want)


def test_pyarrow_table_and_reader(want):
    pa = pytest.importorskip("pyarrow")
    csv = pytest.importorskip("pyarrow.csv")
    t = csv.read_csv(GERMAN)
    _check(t, want)
    # Small batches: the stream is counted batch by batch.
    reader = pa.RecordBatchReader.from_batches(t.schema, t.to_batches(max_chunksize=97))
    _check(reader, want)


def test_duckdb_relation(want):
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    rel = con.sql(f"SELECT * FROM read_csv_auto('{GERMAN}')")
    _check(rel, want)


def test_any_arrow_c_stream(want):
    pa = pytest.importorskip("pyarrow")
    csv = pytest.importorskip("pyarrow.csv")
    t = csv.read_csv(GERMAN)

    class Stream:
        """Only the Arrow PyCapsule stream interface, nothing else."""

        def __arrow_c_stream__(self, requested_schema=None):
            return t.__arrow_c_stream__(requested_schema)

    _check(Stream(), want)


def test_the_report_object(german_pandas):
    r = fairaudit.audit(german_pandas, attrs=["sex", "age_group"], reference={"age_group": "gt25"}, bootstrap=0)
    assert r.verdict in ("pass", "warn", "fail")
    assert r.attributes == ["sex", "age_group"]
    g = r.groups("age_group")
    assert list(g["group"]) == ["gt25", "le25"]
    assert {"selection_rate", "selection_rate_ci_low", "selection_rate_ci_high", "impact_ratio"} <= set(g.columns)
    s = r.summary("sex")
    assert "demographic_parity_difference" in list(s["metric"])
    pl = pytest.importorskip("polars")
    assert isinstance(r.groups("sex", backend="polars"), pl.DataFrame)
    f = r.findings[0]
    assert f.id.startswith("FA-") and f.statement
    assert json.loads(r.to_json())["verdict"] == r.verdict
    html = r._repr_html_()
    assert html.startswith("<!DOCTYPE html>") and "Verdict" in html
    md = r.to_markdown()
    assert md.startswith("## fairaudit:")
    assert r.to_dict()["dataset"]["warehouse"][0]["source"] == "data frame 'pandas.DataFrame'"


def test_write_by_extension(tmp_path, german_pandas):
    r = fairaudit.audit(german_pandas, attrs=["sex"], bootstrap=0)
    for name in ["r.json", "r.html", "r.md", "r.xml", "r.txt"]:
        r.write(tmp_path / name)
        assert (tmp_path / name).stat().st_size > 100
    assert json.loads((tmp_path / "r.json").read_text())["verdict"] == r.verdict
    with pytest.raises(fairaudit.UsageError, match="cannot tell the format"):
        r.write(tmp_path / "r.pdf")


def test_one_million_rows_match_the_cli(tmp_path):
    np = pytest.importorskip("numpy")
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rng = np.random.default_rng(20261130)
    n = 1_000_000
    group = rng.choice(["a", "b", "c", "d"], n, p=[0.4, 0.3, 0.2, 0.1])
    region = rng.choice(["north", "south"], n)
    y_true = rng.binomial(1, 0.55, n)
    p = np.where(group == "d", 0.45, 0.6)
    y_pred = rng.binomial(1, p)
    t = pa.table({"group": group, "region": region, "y_true": y_true, "y_pred": y_pred})
    path = tmp_path / "million.parquet"
    pq.write_table(t, path)
    want = normalized(cli_json(str(path), "--attr", "group", "--attr", "region", "--intersect", "--bootstrap", "0"))
    got = normalized(fairaudit.audit(t, attrs=["group", "region"], intersect=True, bootstrap=0, fail_on="never").to_dict())
    assert got == want
    assert got["dataset"]["rows"] == n


def test_a_spec_with_a_table_counts_only_the_table(german_pandas):
    """The spec's [data] paths are not read beside a table: its 1,000 rows
    were added to the frame's."""
    spec = str(GERMAN.parent / "loan-model.toml")
    part = german_pandas.iloc[:300]
    r = fairaudit.audit(part, spec=spec, bootstrap=0, fail_on="never")
    assert r.to_dict()["dataset"]["rows"] == 300
    assert fairaudit.Auditor(spec=spec).rows_read == 0


def test_unused_columns_of_unsupported_types_are_not_read(german_pandas):
    pd = pytest.importorskip("pandas")
    df = german_pandas.copy()
    df["age_bin"] = pd.cut(df["age"], [18, 25, 40, 100])
    r = fairaudit.audit(df, ["sex"], bootstrap=0, fail_on="never")
    assert r.to_dict()["dataset"]["rows"] == 1000
    # A column pyarrow cannot convert (mixed types), unused, is not converted either.
    df["notes"] = [1, "a"] * 500
    assert fairaudit.audit(df, ["sex"], bootstrap=0, fail_on="never").to_dict()["dataset"]["rows"] == 1000
    # Used, the interval column is an InputError naming the table, not a panic.
    with pytest.raises(fairaudit.InputError, match="pandas.DataFrame"):
        fairaudit.audit(df, ["age_bin"], bootstrap=0)


def test_many_batches_are_one_input(german_pandas):
    pa = pytest.importorskip("pyarrow")
    table = pa.Table.from_pandas(german_pandas, preserve_index=False)
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=100))
    d = fairaudit.audit(reader, ["sex"], bootstrap=0, fail_on="never").to_dict()["dataset"]
    assert len(d["warehouse"]) == 1, d["warehouse"]
    assert d["warehouse"][0]["source"] == "data frame 'pyarrow.RecordBatchReader' (10 batches)"
    assert d["rows"] == 1000
    # Fed to one auditor three times, a frame is still one input.
    a = fairaudit.Auditor(attrs=["sex"], bootstrap=0, fail_on="never")
    for i in range(3):
        a.update(german_pandas.iloc[i::3])
    w = a.report().to_dict()["dataset"]["warehouse"]
    assert [x["source"] for x in w] == ["data frame 'pandas.DataFrame' (3 batches)"], w


def test_a_missing_column_error_lists_the_tables_columns(german_pandas):
    with pytest.raises(fairaudit.InputError, match="applicant_id"):
        fairaudit.audit(german_pandas, ["Sex"], bootstrap=0)


def test_summary_and_groups_tables_are_whole(german_pandas):
    r = fairaudit.audit(german_pandas.assign(y_true=1), ["sex"], bootstrap=0, fail_on="never")
    s = r.summary("sex")
    assert "undefined" not in set(s["metric"]) and "groups_left_out" not in set(s["metric"])
    # FPR is undefined (no negatives) in every group: its columns are there, empty.
    g = r.groups("sex")
    assert {"fpr", "fpr_ci_low", "fpr_ci_high"} <= set(g.columns)
    assert g["fpr"].isna().all()
    # An undefined summary metric is a row with its reason.
    row = s[s["metric"] == "equalized_odds_difference"]
    assert len(row) == 1 and row["value"].isna().all() and row["undefined"].iloc[0]


def test_to_json_is_the_cli_text(german_pandas, tmp_path):
    """The CLI's own bytes for the same audit (its numbers' text included)."""
    import subprocess
    from conftest import fairaudit_command

    r = fairaudit.audit(str(GERMAN), ["sex"], bootstrap=0, fail_on="never")
    o = subprocess.run([fairaudit_command(), "audit", str(GERMAN), "--attr", "sex", "--bootstrap", "0",
                        "--fail-on", "never", "--format", "json"], capture_output=True, text=True)
    strip = lambda t: "\n".join(l for l in t.splitlines() if '"generated_at"' not in l and '"run_id"' not in l)
    assert strip(r.to_json()) == strip(o.stdout)


def test_python_values_become_flags(german_pandas):
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    a = fairaudit.audit(german_pandas, pd.Index(["sex", "age_group"]), intersect=np.True_, bootstrap=0,
                        reference=["sex=female", "age_group=gt25"]).to_dict()
    assert a["settings"]["intersect"] is True
    assert a["settings"]["reference_groups"] == {"sex": "female", "age_group": "gt25"}
