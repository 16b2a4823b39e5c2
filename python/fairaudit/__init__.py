"""fairaudit: fast bias and fairness audits of model decisions.

The same engine, numbers and report as the ``fairaudit`` command::

    import fairaudit, pandas
    df = pandas.read_csv("fixtures/german_credit.csv")
    report = fairaudit.audit(df, attrs=["sex", "age_group"], reference={"age_group": "gt25"})
    report.verdict            # "pass" | "warn" | "fail"
    report.groups("sex")      # per-group rates with interval columns (pandas)
    report                    # renders inline in Jupyter

Tables (pandas, polars DataFrame or LazyFrame, pyarrow Table or
RecordBatchReader, a DuckDB relation, anything with ``__arrow_c_stream__``)
cross into the engine through the Arrow C stream interface, batch by batch;
file paths are read by the engine itself. Keyword options are the CLI's
flags (``bootstrap=0`` is ``--bootstrap 0``), resolved by the CLI's own code,
so defaults, spec files and error messages are the same.
"""

from __future__ import annotations

import json as _json
import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from . import _fairaudit as _native
from ._fairaudit import FairauditError, InputError, UsageError, WriteError

__version__: str = _native.version()

__all__ = [
    "audit",
    "examine",
    "DataExamination",
    "Auditor",
    "Counts",
    "Report",
    "Finding",
    "FairauditError",
    "InputError",
    "UsageError",
    "WriteError",
    "metric_frame",
    "demographic_parity_difference",
    "demographic_parity_ratio",
    "equalized_odds_difference",
    "equal_opportunity_difference",
]

PathLike = Union[str, "os.PathLike[str]"]

# Options that only make sense for the CLI's files and history, not here.
_CLI_ONLY = {
    "out", "out_json", "out_junit", "out_md", "out_table", "out_html", "out_ciso",
    "proposed_risks", "record", "store", "by", "format", "require_approved_spec",
}


def _flags(
    attrs: Optional[Sequence[str]] = None,
    *,
    label: Optional[str] = None,
    prediction: Optional[str] = None,
    score: Optional[str] = None,
    weight: Optional[str] = None,
    reference: Union[None, str, Mapping[str, str]] = None,
    spec: Optional[PathLike] = None,
    paths: Sequence[str] = (),
    **options: Any,
) -> list[str]:
    """The CLI flags of an audit, from Python arguments."""
    flags: list[str] = []
    if spec is not None:
        flags += ["--spec", os.fspath(spec)]
    if isinstance(attrs, str):
        attrs = [attrs]
    for a in list(attrs) if attrs is not None else []:
        flags += ["--attr", str(a)]
    for name, value in (("label", label), ("prediction", prediction), ("score", score), ("weight", weight)):
        if value is not None:
            flags += [f"--{name}", str(value)]
    if isinstance(reference, Mapping):
        for a, g in reference.items():
            flags += ["--reference", f"{a}={g}"]
    elif isinstance(reference, (list, tuple)):
        for r in reference:
            flags += ["--reference", str(r)]
    elif reference is not None:
        flags += ["--reference", str(reference)]
    for key, value in options.items():
        if key in _CLI_ONLY:
            raise UsageError(
                f"option '{key}' is for the command line; in Python use Report.write() and the return value"
            )
        flag = "--" + key.replace("_", "-")
        if type(value).__name__ in ("bool_", "bool"):  # numpy's booleans too
            value = bool(value)
        if value is None or value is False:
            continue
        if value is True:
            flags.append(flag)
        elif isinstance(value, (list, tuple)):
            for v in value:
                flags += [flag, str(v)]
        else:
            flags += [flag, str(value)]
    return flags + [os.fspath(p) for p in paths]


def _is_path(x: Any) -> bool:
    return isinstance(x, (str, os.PathLike))


def _type_name(obj: Any) -> str:
    t = type(obj)
    return f"{t.__module__.split('.')[0]}.{t.__name__}"


def _stream(obj: Any, needed: Optional[Sequence[str]] = None) -> tuple[str, Any]:
    """A table as (name, Arrow C stream capsule); with ``needed``, a pandas,
    polars or pyarrow table keeps only those of its columns (a column the
    audit does not read is not converted, whatever its type)."""
    name = _type_name(obj)
    if name == "pyspark.DataFrame" or type(obj).__module__.startswith("pyspark"):
        raise UsageError("a Spark DataFrame is audited on the cluster: use fairaudit.spark.audit(df, ...)")
    if name == "polars.LazyFrame":
        cols = obj.collect_schema().names()
        keep = [c for c in cols if needed is None or c in needed]
        obj = (obj.select(keep) if keep and len(keep) < len(cols) else obj).collect()
    elif needed is not None and name in ("pandas.DataFrame", "polars.DataFrame", "pyarrow.Table"):
        cols = list(obj.column_names if name == "pyarrow.Table" else obj.columns)
        keep = [c for c in cols if c in needed]
        named = all(isinstance(c, str) for c in cols) and len(set(cols)) == len(cols)
        # A needed column missing: the whole table goes on, so that the
        # error lists its own columns (y_pred is needed only when present).
        whole = any(n not in cols and n != "y_pred" for n in needed)
        if named and not whole and keep and len(keep) < len(cols):
            obj = obj.select(keep) if name != "pandas.DataFrame" else obj[keep]
    if name == "pandas.DataFrame":
        try:
            import pyarrow as pa

            obj = pa.Table.from_pandas(obj, preserve_index=False)
        except ImportError:
            try:
                import polars as pl

                obj = pl.from_pandas(obj)
            except ImportError as e:
                raise UsageError("auditing a pandas DataFrame needs pyarrow or polars installed") from e
    if name.startswith("duckdb.") and not hasattr(obj, "__arrow_c_stream__"):
        obj = obj.fetch_arrow_reader() if hasattr(obj, "fetch_arrow_reader") else obj.arrow()
    if hasattr(obj, "__arrow_c_stream__"):
        return name, obj.__arrow_c_stream__()
    raise UsageError(
        f"cannot audit a {name}: pass a file path, a pandas or polars DataFrame, a pyarrow Table "
        "or RecordBatchReader, a DuckDB relation, or an object with __arrow_c_stream__"
    )


@dataclass(frozen=True)
class Finding:
    """One finding: a check judged on one attribute (and group)."""

    id: str
    check: str
    title: str
    status: str
    severity: str
    statement: str
    metric: str
    attribute: str
    group: Optional[str]
    value: Optional[float]
    ci: Optional[tuple[float, float]]
    p_value: Optional[float]
    controls: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def _of(cls, f: dict) -> "Finding":
        ci = f.get("ci")
        return cls(
            id=f["id"], check=f["check"], title=f.get("title", ""), status=f["status"],
            severity=f["severity"], statement=f["statement"], metric=f["metric"],
            attribute=f["attribute"], group=f.get("group"), value=f.get("value"),
            ci=tuple(ci) if ci else None, p_value=f.get("p_value"),
            controls=tuple(f.get("controls", [])), risks=tuple(f.get("risks", [])), raw=f,
        )


def _frame(rows: list[dict], backend: str):
    if backend == "polars":
        import polars as pl

        return pl.DataFrame(rows)
    if backend == "pandas":
        import pandas as pd

        return pd.DataFrame(rows)
    if backend == "records":
        return rows
    raise UsageError(f"backend must be 'pandas', 'polars' or 'records', not '{backend}'")


def _estimate(row: dict, name: str, e: Any) -> None:
    """An estimate's value and interval columns; an undefined estimate
    (null) still has its interval columns, empty."""
    if isinstance(e, dict) or e is None:
        e = e or {}
        row[name] = e.get("value")
        ci = e.get("ci")
        row[f"{name}_ci_low"] = ci[0] if ci else None
        row[f"{name}_ci_high"] = ci[1] if ci else None
    else:
        row[name] = e


class Report:
    """An audit's report: the JSON report as attributes, tables and renderings."""

    def __init__(self, native: Any):
        self._native = native
        self._dict: dict = _json.loads(native.to_json())

    @property
    def verdict(self) -> str:
        """``pass``, ``warn`` or ``fail``: the worst finding status."""
        return self._dict["verdict"]

    @property
    def gate_failed(self) -> bool:
        """Whether the CLI would exit 1."""
        return self._native.gate_failed()

    @property
    def findings(self) -> list[Finding]:
        """Every finding, highest severity first."""
        return [Finding._of(f) for f in self._dict["findings"]]

    @property
    def attributes(self) -> list[str]:
        """The attributes and intersections audited."""
        return [a["name"] for a in self._dict["attributes"]]

    def _attribute(self, attr: str) -> dict:
        for a in self._dict["attributes"]:
            if a["name"] == attr:
                return a
        raise UsageError(f"no attribute '{attr}' in the report; attributes: {', '.join(self.attributes)}")

    def groups(self, attr: str, backend: str = "pandas"):
        """Per-group counts, rates (with interval columns) and impact ratio."""
        rows = []
        for g in self._attribute(attr)["groups"]:
            row: dict = {"group": g["group"], "n": g["n"], "share": g.get("share"),
                         "is_reference": g.get("is_reference"), "status": g.get("status")}
            row.update({k: v for k, v in g.get("counts", {}).items()})
            for m, e in g.get("metrics", {}).items():
                _estimate(row, m, e)
            for m in g.get("undefined", {}):  # rates over no rows: empty columns
                if m not in row:
                    _estimate(row, m, None)
            _estimate(row, "impact_ratio", g.get("impact_ratio"))
            rows.append(row)
        return _frame(rows, backend)

    def summary(self, attr: str, backend: str = "pandas"):
        """The attribute's summary metrics, one row each, with intervals where there are."""
        rows = []
        summary = self._attribute(attr)["summary"]
        undefined = summary.get("undefined") or {}
        for m, e in summary.items():
            # Metrics only: an estimate, or null with its reason in `undefined`.
            if (isinstance(e, dict) and "value" in e) or (e is None and m in undefined):
                row = {"metric": m}
                _estimate(row, "value", e)
                row["undefined"] = undefined.get(m)
                rows.append(row)
        return _frame(rows, backend)

    def to_dict(self) -> dict:
        """The JSON report as a dict (docs/report-schema.md)."""
        return _json.loads(self._native.to_json())

    def to_json(self, indent: Optional[int] = 2) -> str:
        """The JSON report, as the CLI writes it (``indent=2``, the default:
        the CLI's very text, numbers included); another indent re-indents it."""
        if indent == 2:
            return self.render("json").rstrip("\n")
        return _json.dumps(self._dict, indent=indent, ensure_ascii=False)

    def render(self, format: str) -> str:
        """The report in a CLI format: table, json, junit, markdown, oscal, oscal-poam, html."""
        return self._native.render(format)

    def to_html(self) -> str:
        """The self-contained HTML report."""
        return self.render("html")

    def to_markdown(self) -> str:
        return self.render("markdown")

    def _repr_html_(self) -> str:
        return self.to_html()

    def __repr__(self) -> str:
        c = self._dict.get("finding_counts", {}).get("by_status", {})
        return f"<fairaudit.Report verdict={self.verdict} findings={c}>"

    def __str__(self) -> str:
        return self.render("table")

    def write(self, path: PathLike) -> None:
        """Writes the report in the format its extension names (.json, .html, .md, .xml, .txt)."""
        p = os.fspath(path)
        ext = os.path.splitext(p)[1].lower()
        fmt = {".json": "json", ".html": "html", ".htm": "html", ".md": "markdown",
               ".xml": "junit", ".txt": "table"}.get(ext)
        if fmt is None:
            raise UsageError(f"cannot tell the format of '{p}': use .json, .html, .md, .xml or .txt")
        text = self.to_json() + "\n" if fmt == "json" else self.render(fmt)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)


class Counts:
    """Sufficient statistics of an audit: what ``Auditor`` accumulates.
    Picklable and JSON-serialisable, to compute on workers and combine."""

    def __init__(self, json_text: str):
        self._json = json_text

    def to_json(self) -> str:
        return self._json

    @classmethod
    def from_json(cls, text: str) -> "Counts":
        return cls(text)

    @property
    def rows_read(self) -> int:
        return _json.loads(self._json)["rows_read"]

    @property
    def attributes(self) -> list[str]:
        return _json.loads(self._json)["attributes"]

    def __reduce__(self):
        return (Counts, (self._json,))


class Auditor:
    """An audit fed batch by batch (fairlearn#655): ``update()`` each batch,
    ``report()`` at any time, ``merge()`` auditors of other partitions."""

    def __init__(self, attrs: Optional[Sequence[str]] = None, **options: Any):
        self._options = dict(options, attrs=attrs)
        self._native = _native.Auditor(_flags(attrs, **options))

    def update(self, batch: Any) -> "Auditor":
        """Adds a batch: a table (any kind ``audit`` takes) or file paths."""
        if _is_path(batch) or (isinstance(batch, (list, tuple)) and batch and all(map(_is_path, batch))):
            paths = [batch] if _is_path(batch) else list(batch)
            self._native.update_paths([os.fspath(p) for p in paths])
        else:
            name, capsule = _stream(batch, self._native.needed_columns())
            self._native.update_stream(name, capsule)
        return self

    def merge(self, other: "Auditor") -> "Auditor":
        """Adds another auditor's statistics (same attributes and options)."""
        if other is self:
            raise UsageError("an auditor cannot merge itself: its rows would count twice")
        self._native.merge(other._native)
        return self

    def counts(self) -> Counts:
        """The statistics so far."""
        return Counts(self._native.counts_json())

    @classmethod
    def from_counts(cls, counts: Union[Counts, PathLike, Iterable[Counts]], attrs=None, **options: Any) -> "Auditor":
        """An auditor from statistics computed elsewhere: ``Counts`` objects,
        or a counts table file (``fairaudit counts`` / ``fairaudit sql``)."""
        a = cls(attrs, **options)
        items = [counts] if isinstance(counts, (Counts, str, os.PathLike)) else list(counts)
        for c in items:
            if isinstance(c, Counts):
                a._native.update_counts_json(c.to_json())
            else:
                a._native.update_paths([os.fspath(c)], counts=True)
        return a

    @property
    def rows_read(self) -> int:
        return self._native.rows_read

    def report(self) -> Report:
        """The report on everything added so far."""
        return Report(self._native.report())


def audit(
    data: Any,
    attrs: Optional[Sequence[str]] = None,
    *,
    label: Optional[str] = None,
    prediction: Optional[str] = None,
    score: Optional[str] = None,
    weight: Optional[str] = None,
    reference: Union[None, str, Mapping[str, str]] = None,
    spec: Optional[PathLike] = None,
    **options: Any,
) -> Report:
    """Audits model decisions.

    ``data``: a file path (or a list of them), or a table: pandas or polars
    DataFrame, polars LazyFrame, pyarrow Table or RecordBatchReader, DuckDB
    relation, or anything with ``__arrow_c_stream__``. ``attrs``: the
    protected attributes. ``reference``: a strategy (``largest``, ``overall``,
    ...) or ``{attribute: group}``. Every other keyword is a CLI flag
    (``bootstrap=0``, ``fail_on="warn"``, ``favorable="negative"``, ...).
    Raises ``InputError`` for data that cannot be audited and ``UsageError``
    for inconsistent options, with the CLI's messages.
    """
    kw = dict(label=label, prediction=prediction, score=score, weight=weight, reference=reference, spec=spec)
    if _is_path(data) or (isinstance(data, (list, tuple)) and data and all(map(_is_path, data))):
        paths = [data] if _is_path(data) else list(data)
        return Report(_native.audit_files(_flags(attrs, paths=[os.fspath(p) for p in paths], **kw, **options)))
    a = Auditor(attrs, **kw, **options)
    a.update(data)
    return a.report()


class DataExamination:
    """A data examination (``fairaudit data``; docs/data-examination.md):
    representation, label base rates, missing values, proxies, schema."""

    def __init__(self, json_text: str):
        self._d = _json.loads(json_text)

    @property
    def verdict(self) -> str:
        """pass, warn or fail: the worst finding."""
        return self._d["verdict"]

    @property
    def gate_failed(self) -> bool:
        """Whether a finding reaches ``fail_on`` (the CLI would exit 1)."""
        return self._d["gate"]["failed"]

    @property
    def findings(self) -> list[Finding]:
        """Every finding, worst first."""
        return [Finding._of(f) for f in self._d["findings"]]

    def proxies(self, backend: str = "pandas"):
        """Proxy screening, strongest first within each attribute."""
        rows = []
        for p in self._d["data_examination"]["proxies"]:
            a = p.get("association") or {}
            m = p.get("max_auc") or [None, None]
            rows.append({
                "attribute": p["attribute"], "rank": p["rank"], "column": p["column"], "kind": p["kind"],
                "cramers_v_corrected": a.get("cramers_v_corrected"), "cramers_v": a.get("cramers_v"),
                "p_value": a.get("p_value"), "max_auc": m[1], "max_auc_group": m[0],
                "weighted_auc": p.get("weighted_auc"),
            })
        return _frame(rows, backend)

    def representation(self, backend: str = "pandas"):
        """Each group's share, and against the population when given."""
        rows = []
        for r in self._d["data_examination"]["representation"]:
            for g in r["groups"]:
                row = {"attribute": r["attribute"], "group": g["group"], "count": g["count"], "share": g["share"]}
                ci = g.get("ci")
                row["share_ci_low"], row["share_ci_high"] = (ci[0], ci[1]) if ci else (None, None)
                row["expected_share"], row["ratio"] = g.get("expected_share"), g.get("ratio")
                rows.append(row)
        return _frame(rows, backend)

    def missing(self, backend: str = "pandas"):
        """Missing shares per column, attribute and group (pandas' isna())."""
        rows = []
        for q in self._d["data_examination"]["quality"]:
            for g in q["groups"]:
                rows.append({"column": q["column"], "attribute": q["attribute"], "group": g["group"],
                             "n": g["n"], "missing": g["missing"], "empty": g["empty"],
                             "invalid": g["invalid"], "missing_share": g["missing_share"],
                             "out_of_range": g["out_of_range"]})
        return _frame(rows, backend)

    def to_dict(self) -> dict:
        """The JSON report as a dict."""
        return self._d

    def to_json(self, indent: Optional[int] = 2) -> str:
        """The JSON report."""
        return _json.dumps(self._d, indent=indent)

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            f"<tr><td>{html.escape(f.status)}</td><td>{html.escape(f.title)}</td><td>{html.escape(f.statement)}</td></tr>"
            for f in self.findings if f.status in ("fail", "warn")
        )
        return (f"<p>Data examination of {html.escape(self._d['dataset']['name'])}: "
                f"{self._d['dataset']['rows']} rows, verdict <b>{html.escape(self.verdict)}</b></p>"
                f"<table><tr><th>status</th><th>finding</th><th>why</th></tr>{rows}</table>")

    def __repr__(self) -> str:
        return f"<DataExamination {self._d['dataset']['name']}: {self._d['dataset']['rows']} rows, verdict {self.verdict}>"


def examine(
    data: Union[PathLike, Sequence[PathLike]],
    attrs: Optional[Sequence[str]] = None,
    *,
    label: Optional[str] = None,
    prediction: Optional[str] = None,
    reference: Optional[Mapping[str, str]] = None,
    spec: Optional[PathLike] = None,
    **options: Any,
) -> DataExamination:
    """Examines data files as ``fairaudit data`` does (one read per file).

    ``data``: a file path or a list of them (CSV, Parquet, NDJSON, Arrow IPC;
    write an in-memory table to Parquet first). Every other keyword is a CLI
    flag: ``population="pop.csv"``, ``columns=["zip3", "income"]``,
    ``range=["dti=0..1"]``, ``bands=10``, ``proxy_threshold=0.3``,
    ``favorable="negative"``, ``text=["zip3"]``, ... Recording in the
    history (drift) is a command-line feature.
    """
    if not (_is_path(data) or isinstance(data, (list, tuple))):
        raise UsageError(
            f"examine() reads files, not a {_type_name(data)}: write the table to Parquet first "
            "(e.g. df.to_parquet('data.parquet')) and pass its path"
        )
    paths = [data] if _is_path(data) else list(data)
    if not paths or not all(map(_is_path, paths)):
        raise UsageError("examine() reads files: pass a path or a list of paths")
    kw = dict(label=label, prediction=prediction, reference=reference, spec=spec)
    return DataExamination(_native.examine_files(_flags(attrs, paths=[os.fspath(p) for p in paths], **kw, **options)))


from ._fairlearn import (  # noqa: E402  (needs audit() above)
    MetricFrame,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equalized_odds_difference,
    metric_frame,
)


def __getattr__(name: str):
    # `fairaudit.spark` without importing pyspark up front.
    if name == "spark":
        import importlib

        return importlib.import_module(".spark", __name__)
    raise AttributeError(f"module 'fairaudit' has no attribute '{name}'")
