"""Fairlearn-style entry points give Fairlearn's numbers on the bundled data."""

import pytest

import fairaudit


def test_same_numbers_as_fairlearn(german_pandas):
    fm = pytest.importorskip("fairlearn.metrics")
    df = german_pandas
    args = (df["y_true"], df["y_pred"])
    for attr in ["sex", "age_group"]:
        sf = df[attr]
        for name in ["demographic_parity_difference", "demographic_parity_ratio", "equalized_odds_difference"]:
            want = getattr(fm, name)(*args, sensitive_features=sf)
            got = getattr(fairaudit, name)(*args, sensitive_features=sf)
            assert got == pytest.approx(want, abs=1e-12), (attr, name)
        if hasattr(fm, "equal_opportunity_difference"):
            want = fm.equal_opportunity_difference(*args, sensitive_features=sf)
            assert fairaudit.equal_opportunity_difference(*args, sensitive_features=sf) == pytest.approx(want, abs=1e-12)
        mf = fm.MetricFrame(
            metrics={"selection_rate": fm.selection_rate, "tpr": fm.true_positive_rate, "fpr": fm.false_positive_rate},
            y_true=df["y_true"], y_pred=df["y_pred"], sensitive_features=sf,
        )
        ours = fairaudit.metric_frame(df["y_true"], df["y_pred"], sensitive_features=sf, metrics=["selection_rate", "tpr", "fpr"])
        for m in ["selection_rate", "tpr", "fpr"]:
            for g in mf.by_group.index:
                assert ours.by_group.loc[str(g), m] == pytest.approx(mf.by_group.loc[g, m], abs=1e-12)
            assert ours.difference()[m] == pytest.approx(mf.difference()[m], abs=1e-12)
            assert ours.overall[m] == pytest.approx(mf.overall[m], abs=1e-12)


def test_weighted_and_intersectional(german_pandas):
    fm = pytest.importorskip("fairlearn.metrics")
    df = german_pandas
    w = (df["age"] % 5 + 1).astype(float)
    sf = df[["sex", "age_group"]]
    want = fm.demographic_parity_difference(df["y_true"], df["y_pred"], sensitive_features=sf, sample_weight=w)
    got = fairaudit.demographic_parity_difference(df["y_true"], df["y_pred"], sensitive_features=sf, sample_weight=w)
    assert got == pytest.approx(want, abs=1e-12)


def test_missing_sensitive_values_are_refused_as_fairlearn_does(german_pandas):
    np = pytest.importorskip("numpy")
    df = german_pandas
    sf = df["sex"].astype(object).copy()
    sf.iloc[:5] = np.nan
    with pytest.raises(ValueError, match="missing values"):
        fairaudit.demographic_parity_difference(df["y_true"], df["y_pred"], sensitive_features=sf)
    fm = pytest.importorskip("fairlearn.metrics")
    with pytest.raises(ValueError):
        fm.demographic_parity_difference(df["y_true"], df["y_pred"], sensitive_features=sf)


def test_metric_frame_refuses_an_unknown_metric(german_pandas):
    df = german_pandas
    with pytest.raises(ValueError, match="unknown metric"):
        fairaudit.metric_frame(df["y_true"], df["y_pred"], sensitive_features=df["sex"], metrics=["bogus"])


def test_pandas_na_in_sensitive_features_is_missing(german_pandas):
    pd = pytest.importorskip("pandas")
    df = german_pandas
    sf = df["sex"].astype("string").copy()
    sf.iloc[:3] = pd.NA
    with pytest.raises(ValueError, match="missing values"):
        fairaudit.demographic_parity_difference(df["y_true"], df["y_pred"], sensitive_features=sf)
