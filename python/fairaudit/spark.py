"""Spark: the counts query runs on the cluster (the same GROUP BY as
``fairaudit sql --dialect spark``), only the small counts table comes back,
and the engine audits it — the same report as on the raw data."""

from __future__ import annotations

import os
import tempfile
import uuid
from typing import Any, Mapping, Optional, Sequence, Union

from . import Auditor, Report, UsageError, _fairaudit

# The flags that shape the counts query (the rest only shape the audit).
_SQL_FLAGS = {
    "label", "prediction", "score", "threshold", "weight", "positive", "intersect", "stratify",
    "score_bins", "value", "value_truth", "control", "final", "outcomes",
    "favorable_outcome", "outcome_band", "where",
}
# Of those, the ones the audit of the counts does not take.
_QUERY_ONLY = {"where"}


def counts_query(table: str, attrs: Sequence[str], *, spec: Optional[str] = None, **columns: Any) -> str:
    """The Spark SQL counts query over ``table`` (what ``fairaudit sql`` prints);
    ``spec``: a spec file whose columns and analyses apply, as with ``--spec``."""
    from . import _flags

    unknown = set(columns) - _SQL_FLAGS
    if unknown:
        raise UsageError(f"not a column option of the counts query: {', '.join(sorted(unknown))}")
    flags = ["--dialect", "spark", "--table", table] + _flags(attrs, spec=spec, **columns)
    return _fairaudit.counts_sql(flags)


def audit(
    df: Any,
    attrs: Sequence[str],
    *,
    label: Optional[str] = None,
    prediction: Optional[str] = None,
    reference: Union[None, str, Mapping[str, str]] = None,
    spec: Optional[str] = None,
    **options: Any,
) -> Report:
    """Audits a Spark DataFrame on its cluster. Options as ``fairaudit.audit``."""
    if not type(df).__module__.startswith("pyspark"):
        raise UsageError("fairaudit.spark.audit takes a Spark DataFrame; use fairaudit.audit for other tables")
    columns = {k: v for k, v in options.items() if k in _SQL_FLAGS}
    if label is not None:
        columns["label"] = label
    if prediction is not None:
        columns["prediction"] = prediction
    elif spec is None and "score" in columns and "y_pred" in df.columns:
        # The rule of a file: with a score and no prediction named, a y_pred
        # column is the decision (the query cannot look for it itself).
        columns["prediction"] = "y_pred"
    view = f"fairaudit_{uuid.uuid4().hex}"
    df.createOrReplaceTempView(view)
    try:
        counts = df.sparkSession.sql(counts_query(view, attrs, spec=spec, **columns))
        rows = counts.toPandas()
    finally:
        df.sparkSession.catalog.dropTempView(view)
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "counts.csv")
        rows.to_csv(path, index=False)
        rest = {k: v for k, v in options.items() if k not in _QUERY_ONLY}
        a = Auditor.from_counts(path, attrs, label=label, prediction=prediction, reference=reference, spec=spec, **rest)
        return a.report()
