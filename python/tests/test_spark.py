"""Spark: the counts query runs on a local Spark session; the report equals
the one on the same data in memory."""

import pytest

import fairaudit
import fairaudit.spark
from conftest import FIXTURES, GERMAN, normalized


@pytest.fixture(scope="module")
def spark():
    pyspark = pytest.importorskip("pyspark.sql")
    s = (
        pyspark.SparkSession.builder.master("local[1]")
        .appName("fairaudit-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield s
    s.stop()


def test_spark_audit_equals_the_in_memory_audit(spark, german_pandas):
    sdf = spark.read.csv(str(GERMAN), header=True, inferSchema=True)
    opts = dict(attrs=["sex", "age_group"], intersect=True, bootstrap=200, seed=5, fail_on="never")
    got = normalized(fairaudit.spark.audit(sdf, **opts).to_dict())
    want = normalized(fairaudit.audit(german_pandas, **opts).to_dict())
    assert got == want


def test_the_query_is_the_cli_query():
    q = fairaudit.spark.counts_query("decisions", ["sex"], label="y_true")
    assert "GROUP BY" in q.upper() and "decisions" in q


def test_a_spark_frame_is_not_collected_by_audit(spark):
    sdf = spark.createDataFrame([("a", 1, 1)], ["g", "y_true", "y_pred"])
    with pytest.raises(fairaudit.UsageError, match="fairaudit.spark.audit"):
        fairaudit.audit(sdf, attrs=["g"])


def test_spark_audit_takes_the_spec_and_every_analysis(spark, tmp_path):
    """The spec's columns, a numeric outcome with a control, the final
    decision and a filter reach the cluster's query (they were left out: the
    spec's prediction silently became y_pred, the others failed)."""
    import pandas as pd

    german = pd.read_csv(GERMAN)
    german["pred2"] = (german["score"] > 0.7).astype(int)
    spec = tmp_path / "s.toml"
    spec.write_text('[data]\nprediction = "pred2"\n[attributes]\ncolumns = ["sex"]\n')
    opts = dict(bootstrap=0, fail_on="never")
    got = fairaudit.spark.audit(spark.createDataFrame(german), ["sex"], spec=str(spec), **opts)
    want = fairaudit.audit(german[[c for c in german.columns if c != "y_pred"]], ["sex"], spec=str(spec), **opts)
    assert normalized(got.to_dict()) == normalized(want.to_dict())

    hmda = pd.read_csv(FIXTURES / "hmda_2018_controls_sample.csv")
    flags = dict(attrs=["race"], value="loan_amount_pred", value_truth="loan_amount_std", control="ltv_band", **opts)
    got = fairaudit.spark.audit(spark.createDataFrame(hmda), **flags).to_dict()
    want = fairaudit.audit(hmda, **flags).to_dict()
    assert "numeric_outcome" in str(got) and "controlled" in str(got)
    assert _close(normalized(got), normalized(want))

    over = pd.read_csv(FIXTURES / "override_planted.csv")
    flags = dict(attrs=["group"], final="final", **opts)
    got = fairaudit.spark.audit(spark.createDataFrame(over), **flags)
    want = fairaudit.audit(over, **flags)
    assert normalized(got.to_dict()) == normalized(want.to_dict())

    got = fairaudit.spark.audit(spark.createDataFrame(german), ["age_group"], where="sex = 'female'", **opts)
    want = fairaudit.audit(german[german.sex == "female"], ["age_group"], **opts)
    assert got.to_dict()["dataset"]["rows"] == (german.sex == "female").sum()
    assert normalized(got.to_dict()) == normalized(want.to_dict())


def _close(a, b, rel=1e-9):
    """Equal, floats to `rel` (the cluster adds the sums in another order, and
    the in-memory path's own sums vary at about 1e-13 between runs; statistics
    derived from them, such as small p-values, move more)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k], rel) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y, rel) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= rel * max(abs(a), abs(b)) + 1e-15
    return a == b


def test_spark_uses_y_pred_beside_a_score_as_a_file_does(spark, german_pandas):
    df = german_pandas.copy()
    df["y_pred"] = 1 - df["y_pred"]  # no longer score >= 0.5
    opts = dict(score="score", bootstrap=0, fail_on="never")
    got = fairaudit.spark.audit(spark.createDataFrame(df), ["sex"], **opts)
    want = fairaudit.audit(df, ["sex"], **opts)
    assert normalized(got.to_dict()) == normalized(want.to_dict())
