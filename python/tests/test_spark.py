"""Spark: the counts query runs on a local Spark session; the report equals
the one on the same data in memory."""

import pytest

import fairaudit
import fairaudit.spark
from conftest import GERMAN, normalized


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
