"""Incremental audits (fairlearn#655): batches, partitions, counts."""

import pickle

import pytest

import fairaudit
from conftest import GERMAN, fairaudit_command, normalized

OPTS = dict(attrs=["sex", "age_group"], intersect=True, bootstrap=300, seed=3, fail_on="never")


def test_ten_batches_equal_the_one_shot_audit(german_pandas):
    one = normalized(fairaudit.audit(german_pandas, **OPTS).to_dict())
    a = fairaudit.Auditor(**OPTS)
    for i in range(10):
        a.update(german_pandas.iloc[i * 100 : (i + 1) * 100])
        assert a.rows_read == (i + 1) * 100
    assert normalized(a.report().to_dict()) == one


def test_report_at_any_time(german_pandas):
    a = fairaudit.Auditor(attrs=["sex"], bootstrap=0)
    a.update(german_pandas.iloc[:500])
    assert a.report().to_dict()["dataset"]["rows"] == 500
    a.update(german_pandas.iloc[500:])
    assert a.report().to_dict()["dataset"]["rows"] == 1000


def test_partitions_merge_and_counts_travel(german_pandas):
    one = normalized(fairaudit.audit(german_pandas, **OPTS).to_dict())
    left = fairaudit.Auditor(**OPTS).update(german_pandas.iloc[:333])
    right = fairaudit.Auditor(**OPTS).update(german_pandas.iloc[333:])
    assert normalized(left.merge(right).report().to_dict()) == one
    # Counts computed on workers, pickled, combined elsewhere.
    parts = [pickle.loads(pickle.dumps(fairaudit.Auditor(**OPTS).update(german_pandas.iloc[i::3]).counts())) for i in range(3)]
    assert sum(p.rows_read for p in parts) == 1000
    assert parts[0].attributes == ["sex", "age_group"]
    assert normalized(fairaudit.Auditor.from_counts(parts, **OPTS).report().to_dict()) == one


def test_from_a_counts_table_file(tmp_path, german_pandas):
    import shutil
    import subprocess

    out = tmp_path / "counts.csv"
    subprocess.run(
        [fairaudit_command(), "counts", str(GERMAN), "--attr", "sex", "--attr", "age_group", "--out", str(out)],
        check=True,
    )
    a = fairaudit.Auditor.from_counts(out, attrs=["sex", "age_group"], intersect=True, bootstrap=300, seed=3, fail_on="never")
    assert normalized(a.report().to_dict()) == normalized(fairaudit.audit(german_pandas, **OPTS).to_dict())


def test_merging_different_audits_is_refused(german_pandas):
    a = fairaudit.Auditor(attrs=["sex"]).update(german_pandas)
    b = fairaudit.Auditor(attrs=["age_group"]).update(german_pandas)
    with pytest.raises(fairaudit.UsageError, match="cannot merge counts over attributes"):
        a.merge(b)


def test_from_counts_refuses_other_attributes(german_pandas):
    c = fairaudit.Auditor(attrs=["sex", "age_group"], bootstrap=0).update(german_pandas).counts()
    with pytest.raises(fairaudit.UsageError, match="the counts are by sex, age_group"):
        fairaudit.Auditor.from_counts(c, attrs=["foreign_worker"], bootstrap=0)
    assert fairaudit.Auditor.from_counts(c, attrs=["sex", "age_group"], bootstrap=0).rows_read == 1000


def test_an_auditor_cannot_merge_itself(german_pandas):
    a = fairaudit.Auditor(attrs=["sex"]).update(german_pandas)
    with pytest.raises(fairaudit.UsageError, match="merge itself"):
        a.merge(a)
