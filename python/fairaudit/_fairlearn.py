"""Fairlearn-style entry points, for people migrating (docs/python.md):
the same arguments as ``fairlearn.metrics``, computed by fairaudit's engine
(so with intervals and tests available on the report)."""

from __future__ import annotations

from typing import Any, Optional


def _missing(x: Any) -> bool:
    """None, NaN, pandas.NA or NaT."""
    if x is None:
        return True
    if type(x).__name__ == "NAType":  # pandas.NA: its comparisons raise
        return True
    try:
        return bool(x != x)
    except (TypeError, ValueError):
        return False


def _texts(name: str, values: Any) -> list[str]:
    """A sensitive feature as text; missing values are refused as Fairlearn
    refuses them (they would otherwise form a group of their own)."""
    out = []
    for x in list(values):
        if _missing(x):
            raise ValueError(f"sensitive feature '{name}' contains missing values")
        out.append(str(x))
    return out


def _table(y_true, y_pred, sensitive_features, sample_weight=None):
    """Columns y_true, y_pred, the sensitive feature(s) and a weight, as a table."""
    cols: dict[str, Any] = {}
    names: list[str] = []
    sf = sensitive_features
    if hasattr(sf, "columns"):  # a DataFrame of several features
        for c in sf.columns:
            cols[str(c)] = _texts(str(c), sf[c])
            names.append(str(c))
    elif isinstance(sf, dict):
        for k, v in sf.items():
            cols[str(k)] = _texts(str(k), v)
            names.append(str(k))
    else:
        name = getattr(sf, "name", None) or "sensitive_feature_0"
        cols[str(name)] = _texts(str(name), sf)
        names.append(str(name))
    cols["__y_true"] = [int(x) for x in list(y_true)]
    cols["__y_pred"] = [int(x) for x in list(y_pred)]
    if sample_weight is not None:
        cols["__w"] = [float(x) for x in list(sample_weight)]
    try:
        import pyarrow as pa

        table = pa.table(cols)
    except ImportError:
        import polars as pl

        table = pl.DataFrame(cols)
    return table, names


def _report(y_true, y_pred, sensitive_features, sample_weight=None):
    from . import audit

    table, names = _table(y_true, y_pred, sensitive_features, sample_weight)
    return audit(
        table,
        names,
        label="__y_true",
        prediction="__y_pred",
        weight="__w" if sample_weight is not None else None,
        intersect=len(names) > 1,
        bootstrap=0,
        min_group_size=1,
        fail_on="never",
    ), names


def _summary(metric: str, y_true, y_pred, sensitive_features, sample_weight) -> float:
    r, names = _report(y_true, y_pred, sensitive_features, sample_weight)
    attr = " & ".join(names)
    s = r._attribute(attr)["summary"]
    v = s.get(metric)
    if not isinstance(v, dict) or v.get("value") is None:
        reason = s.get("undefined", {}).get(metric, "undefined")
        raise ValueError(f"{metric} is undefined: {reason}")
    return v["value"]


def demographic_parity_difference(y_true, y_pred, *, sensitive_features, method: str = "between_groups", sample_weight=None) -> float:
    """max − min selection rate across groups (Fairlearn's, ``method="between_groups"``)."""
    if method != "between_groups":
        raise ValueError("only method='between_groups' is supported")
    return _summary("demographic_parity_difference", y_true, y_pred, sensitive_features, sample_weight)


def demographic_parity_ratio(y_true, y_pred, *, sensitive_features, method: str = "between_groups", sample_weight=None) -> float:
    """min / max selection rate across groups."""
    if method != "between_groups":
        raise ValueError("only method='between_groups' is supported")
    return _summary("demographic_parity_ratio", y_true, y_pred, sensitive_features, sample_weight)


def equalized_odds_difference(y_true, y_pred, *, sensitive_features, method: str = "between_groups", sample_weight=None) -> float:
    """The larger of the TPR range and the FPR range across groups."""
    if method != "between_groups":
        raise ValueError("only method='between_groups' is supported")
    return _summary("equalized_odds_difference", y_true, y_pred, sensitive_features, sample_weight)


def equal_opportunity_difference(y_true, y_pred, *, sensitive_features, method: str = "between_groups", sample_weight=None) -> float:
    """max − min true positive rate across groups."""
    if method != "between_groups":
        raise ValueError("only method='between_groups' is supported")
    return _summary("equal_opportunity_difference", y_true, y_pred, sensitive_features, sample_weight)


class MetricFrame:
    """A ``fairlearn.metrics.MetricFrame``-like view of one audit: ``by_group``
    (a pandas DataFrame of rates by group), ``overall``, ``difference()``,
    ``ratio()``, ``group_min()``, ``group_max()``; ``report`` is the whole
    fairaudit report (intervals, tests, findings)."""

    METRICS = ("selection_rate", "tpr", "fpr", "tnr", "fnr", "ppv", "npv", "accuracy", "base_rate")

    def __init__(self, report, attr: str, metrics):
        import pandas as pd

        self.report = report
        rows = report.groups(attr, backend="records")
        self.by_group = pd.DataFrame(
            {m: [r.get(m) for r in rows] for m in metrics}, index=pd.Index([r["group"] for r in rows], name=attr)
        )
        overall = report.to_dict()["overall"]["metrics"]
        self.overall = pd.Series({m: (overall.get(m) or {}).get("value") for m in metrics})

    def group_min(self):
        return self.by_group.min()

    def group_max(self):
        return self.by_group.max()

    def difference(self):
        """max − min per metric (Fairlearn's ``method="between_groups"``)."""
        return self.group_max() - self.group_min()

    def ratio(self):
        """min / max per metric."""
        return self.group_min() / self.group_max()


def metric_frame(y_true, y_pred, *, sensitive_features, metrics: Optional[list[str]] = None, sample_weight=None) -> MetricFrame:
    """Rates by group, like ``MetricFrame(metrics={...}, y_true=..., y_pred=..., sensitive_features=...)``."""
    unknown = [m for m in metrics or [] if m not in MetricFrame.METRICS]
    if unknown:
        raise ValueError(f"unknown metric(s) {', '.join(unknown)}; known: {', '.join(MetricFrame.METRICS)}")
    r, names = _report(y_true, y_pred, sensitive_features, sample_weight)
    return MetricFrame(r, " & ".join(names), list(metrics or MetricFrame.METRICS))
