//! The group-by result turned into [`Counts`], checking every value on the
//! way: scores in [0, 1], weights non-negative, labels and predictions binary.
//! The result has a few rows per cell, so this is no per-row work.

use polars::prelude::*;

use std::collections::BTreeMap;

use crate::counts::{
    hist::ScoreHist, Counts, Exclusions, Outcome, OutcomeCounts, OverrideCounts, ValueCell,
    ValueCounts,
};
use crate::spec::AuditSpec;
use crate::{Error, Result};

use super::binarize::{distinct, Binarizer};
use super::names::*;
use super::scan::{Origin, PredSource};
use super::{key_columns, MAX_CELLS};

/// Textual form of a label or prediction value.
pub fn as_text(c: &Column) -> PolarsResult<StringChunked> {
    Ok(c.cast(&DataType::String)?.str()?.clone())
}

pub(crate) fn u64s(df: &DataFrame, name: &str) -> PolarsResult<UInt64Chunked> {
    Ok(df.column(name)?.cast(&DataType::UInt64)?.u64()?.clone())
}

fn i64s(df: &DataFrame, name: &str) -> PolarsResult<Int64Chunked> {
    Ok(df.column(name)?.cast(&DataType::Int64)?.i64()?.clone())
}

fn f64s(df: &DataFrame, name: &str) -> PolarsResult<Float64Chunked> {
    Ok(df.column(name)?.cast(&DataType::Float64)?.f64()?.clone())
}

/// A number in messages: short, or in scientific notation.
pub fn fmt_num(x: f64) -> String {
    let s = format!("{x}");
    if s.len() > 12 {
        format!("{x:.6e}")
    } else {
        s
    }
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Scores out of range or NaN are an error, never silently dropped.
fn check_scores(df: &DataFrame, origin: &Origin, score: &str) -> Result<()> {
    let perr = |e: PolarsError| origin.err(e);
    let nan: u64 = u64s(df, A_SNAN).map_err(perr)?.iter().flatten().sum();
    let bad: u64 = u64s(df, A_SBAD).map_err(perr)?.iter().flatten().sum();
    if nan == 0 && bad == 0 {
        return Ok(());
    }
    let finite = |name| -> Result<Vec<f64>> {
        Ok(f64s(df, name)
            .map_err(perr)?
            .iter()
            .flatten()
            .filter(|x| !x.is_nan())
            .collect())
    };
    let lo = finite(A_SMIN)?.into_iter().fold(f64::INFINITY, f64::min);
    let hi = finite(A_SMAX)?
        .into_iter()
        .fold(f64::NEG_INFINITY, f64::max);
    let mut parts = vec![];
    if bad > 0 {
        let mut ex = vec![];
        if lo < 0.0 {
            ex.push(format!("lowest {}", fmt_num(lo)));
        }
        if hi > 1.0 {
            ex.push(format!("highest {}", fmt_num(hi)));
        }
        parts.push(format!(
            "{bad} row{} outside [0, 1] ({})",
            plural(bad),
            ex.join(", ")
        ));
    }
    if nan > 0 {
        parts.push(format!("{nan} row{} with NaN", plural(nan)));
    }
    Err(Error::BadValues {
        path: origin.path.clone(),
        column: score.to_string(),
        problem: format!(
            "scores must be probabilities in [0, 1]; found {}",
            parts.join(" and ")
        ),
    })
}

/// The weight sums of every group-by row, after checking the weights.
struct Weights {
    sum: Float64Chunked,
    sum2: Float64Chunked,
    missing: UInt64Chunked,
}

fn weights(df: &DataFrame, origin: &Origin, w: &str) -> Result<Weights> {
    let perr = |e: PolarsError| origin.err(e);
    let wmin: f64 = f64s(df, A_WMIN)
        .map_err(perr)?
        .iter()
        .flatten()
        .fold(f64::INFINITY, f64::min);
    let bad: u64 = u64s(df, A_WBAD).map_err(perr)?.iter().flatten().sum();
    if bad > 0 {
        return Err(Error::BadValues {
            path: origin.path.clone(),
            column: w.to_string(),
            problem: format!(
                "sample weights must be non-negative numbers; {bad} row{} {} negative or NaN (lowest non-NaN weight {})",
                plural(bad),
                if bad == 1 { "is" } else { "are" },
                fmt_num(wmin)
            ),
        });
    }
    Ok(Weights {
        sum: f64s(df, A_W).map_err(perr)?,
        sum2: f64s(df, A_W2).map_err(perr)?,
        missing: u64s(df, A_WNULL).map_err(perr)?,
    })
}

/// With a multi-outcome decision: the level of each distinct raw prediction
/// value (by band, or the value itself). A value that is no level is an
/// error naming it and its rows.
fn outcome_levels(
    origin: &Origin,
    spec: &AuditSpec,
    pred: &PredSource,
    preds: &StringChunked,
    n: &UInt64Chunked,
) -> Result<Option<BTreeMap<String, usize>>> {
    let Some(o) = &spec.outcomes else {
        return Ok(None);
    };
    let column = match pred {
        PredSource::Column(c) => c,
        PredSource::Score(..) => {
            return Err(Error::usage(
                "--outcomes needs a prediction column (--prediction) holding the outcome levels or a number to band",
            ))
        }
    };
    let values = distinct(preds, n);
    let mut map = BTreeMap::new();
    let mut bad = BTreeMap::new();
    for (v, rows) in &values {
        match o.level_of(v) {
            Some(i) => {
                map.insert(v.clone(), i);
            }
            None => {
                bad.insert(v.clone(), *rows);
            }
        }
    }
    if !bad.is_empty() {
        let want = if o.bands.is_empty() {
            format!("the outcome levels are {}", o.levels.join(", "))
        } else {
            format!(
                "the outcome bands are {}",
                o.bands
                    .iter()
                    .map(|b| format!("{}={}:{}", b.level, b.low, b.high))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        return Err(Error::BadValues {
            path: origin.path.clone(),
            column: column.clone(),
            problem: format!(
                "{} value{} of the prediction fit no outcome level: {}; {want}",
                bad.len(),
                if bad.len() == 1 { "" } else { "s" },
                super::binarize::list_values(&bad, 8)
            ),
        });
    }
    Ok(Some(map))
}

/// The binarizers of the label and (unless it comes from a score) the prediction.
fn binarizers(
    origin: &Origin,
    spec: &AuditSpec,
    pred: &PredSource,
    labels: &StringChunked,
    preds: &StringChunked,
    n: &UInt64Chunked,
    levels: Option<&BTreeMap<String, usize>>,
) -> Result<(Binarizer, Option<Binarizer>)> {
    let positive = spec.columns.positive.as_deref();
    let label = Binarizer::new(
        &origin.path,
        &spec.columns.label,
        "label",
        &distinct(labels, n),
        positive,
    )?;
    if let (Some(levels), Some(o)) = (levels, &spec.outcomes) {
        // The favourable levels against the others.
        let map = levels
            .iter()
            .map(|(v, i)| (v.clone(), o.favorable.contains(&o.levels[*i])))
            .collect();
        return Ok((label, Some(Binarizer::from_map(map))));
    }
    let pred = match pred {
        PredSource::Column(p) => Some(Binarizer::new(
            &origin.path,
            p,
            "prediction",
            &distinct(preds, n),
            positive,
        )?),
        PredSource::Score(..) => None,
    };
    Ok((label, pred))
}

/// The columns of the group-by result that fill the cells.
struct Columns {
    n: UInt64Chunked,
    labels: StringChunked,
    preds: StringChunked,
    attrs: Vec<StringChunked>,
    weights: Option<Weights>,
    /// Score bin and fixed-point sums, with a score column.
    scores: Option<(UInt64Chunked, Int64Chunked, Int64Chunked)>,
    /// The numeric outcome's aggregates, with `--value`.
    values: Option<ValueColumns>,
    /// The final (human) decision, with `--final`.
    finals: Option<StringChunked>,
}

/// The numeric outcome's columns of the group-by result.
struct ValueColumns {
    n: UInt64Chunked,
    w: Float64Chunked,
    w2: Float64Chunked,
    sum: Float64Chunked,
    sum2: Float64Chunked,
    /// n, Σw, Σw|e|, Σwe, Σwe², with a true value.
    err: Option<[Float64Chunked; 5]>,
}

impl ValueColumns {
    fn read(df: &DataFrame, origin: &Origin, spec: &AuditSpec) -> Result<Option<Self>> {
        let Some(v) = &spec.value else {
            return Ok(None);
        };
        let perr = |e: PolarsError| origin.err(e);
        let bad: u64 = u64s(df, A_VBAD).map_err(perr)?.iter().flatten().sum();
        if bad > 0 {
            return Err(Error::BadValues {
                path: origin.path.clone(),
                column: v.column.clone(),
                problem: format!(
                    "{bad} row{} of the numeric outcome {} NaN or infinite; a value must be a finite number or missing",
                    plural(bad),
                    if bad == 1 { "is" } else { "are" }
                ),
            });
        }
        let err = match &v.truth {
            Some(_) => Some([
                f64s(df, A_EN).map_err(perr)?,
                f64s(df, A_EW).map_err(perr)?,
                f64s(df, A_EA).map_err(perr)?,
                f64s(df, A_ES).map_err(perr)?,
                f64s(df, A_ES2).map_err(perr)?,
            ]),
            None => None,
        };
        Ok(Some(ValueColumns {
            n: u64s(df, A_VN).map_err(perr)?,
            w: f64s(df, A_VW).map_err(perr)?,
            w2: f64s(df, A_VW2).map_err(perr)?,
            sum: f64s(df, A_VS).map_err(perr)?,
            sum2: f64s(df, A_VS2).map_err(perr)?,
            err,
        }))
    }

    /// Adds group-by row `i` to the cell.
    fn add(&self, i: usize, cell: &mut ValueCell) {
        cell.n += self.n.get(i).unwrap_or(0);
        cell.w += self.w.get(i).unwrap_or(0.0);
        cell.w2 += self.w2.get(i).unwrap_or(0.0);
        cell.sum += self.sum.get(i).unwrap_or(0.0);
        cell.sum2 += self.sum2.get(i).unwrap_or(0.0);
        if let Some([en, ew, ea, es, es2]) = &self.err {
            cell.err_n += en.get(i).unwrap_or(0.0) as u64;
            cell.err_w += ew.get(i).unwrap_or(0.0);
            cell.err_abs += ea.get(i).unwrap_or(0.0);
            cell.err_sum += es.get(i).unwrap_or(0.0);
            cell.err_sum2 += es2.get(i).unwrap_or(0.0);
        }
    }
}

/// Adds every group-by row to its cell; rows that cannot enter are counted
/// in the exclusions by reason.
/// The final decision must use the prediction's values (it is the same
/// decision, made by a person): any other value is an error naming it.
fn check_finals(
    origin: &Origin,
    column: &str,
    pred: &PredSource,
    preds: &StringChunked,
    finals: &StringChunked,
    n: &UInt64Chunked,
) -> Result<()> {
    if matches!(pred, PredSource::Score(..)) {
        return Err(Error::usage(
            "--final needs the model's recommendation as a prediction column (--prediction), not a score",
        ));
    }
    let known = distinct(preds, n);
    // A 0/1 or true/false value matches a prediction value of the same
    // meaning however each column writes it (as the classes are looked up:
    // `Binarizer::get_equivalent`).
    let canonical = super::binarize::canonical;
    let same_meaning =
        |v: &str| canonical(v).is_some_and(|c| known.keys().any(|k| canonical(k) == Some(c)));
    let bad: BTreeMap<String, u64> = distinct(finals, n)
        .into_iter()
        .filter(|(v, _)| !(known.contains_key(v) || same_meaning(v)))
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    Err(Error::BadValues {
        path: origin.path.clone(),
        column: column.to_string(),
        problem: format!(
            "the final decision holds values the prediction never takes: {}; the prediction's values are {}",
            super::binarize::list_values(&bad, 8),
            super::binarize::list_values(&known, 8)
        ),
    })
}

/// The numeric outcome's sketch by protected-attribute cell, from the scan's
/// second group-by.
fn sketches(df: &DataFrame, origin: &Origin, spec: &AuditSpec) -> Result<crate::counts::Sketches> {
    let perr = |e: PolarsError| origin.err(e);
    let attrs: Vec<StringChunked> = spec
        .attributes
        .iter()
        .map(|a| df.column(a).and_then(as_text))
        .collect::<PolarsResult<_>>()
        .map_err(perr)?;
    let buckets = df
        .column(K_VBIN)
        .and_then(|c| c.cast(&DataType::Int32))
        .and_then(|c| Ok(c.i32()?.clone()))
        .map_err(perr)?;
    let w = f64s(df, A_VW).map_err(perr)?;
    let mut out: crate::counts::Sketches = BTreeMap::new();
    for i in 0..df.height() {
        let (Some(b), Some(wi)) = (buckets.get(i), w.get(i)) else {
            continue;
        };
        let key = attrs.iter().map(|a| a.get(i).map(str::to_string)).collect();
        *out.entry(key).or_default().entry(b).or_insert(0.0) += wi;
    }
    Ok(out)
}

/// How label and prediction values become classes (and outcome levels).
struct Binarizers<'a> {
    label: &'a Binarizer,
    pred: Option<&'a Binarizer>,
    levels: Option<&'a BTreeMap<String, usize>>,
}

fn fill(
    counts: &mut Counts,
    c: &Columns,
    b: Binarizers,
    pred: &PredSource,
    score_bins: usize,
) -> Exclusions {
    let (label_bin, pred_bin) = (b.label, b.pred);
    let mut ex = Exclusions::default();
    for i in 0..c.n.len() {
        let rows = c.n.get(i).unwrap_or(0);
        let p = match pred_bin {
            Some(b) => b.get(c.preds.get(i)),
            None => c.preds.get(i).map(|s| s == "true" || s == "1"),
        };
        let Some(label) = label_bin.get(c.labels.get(i)) else {
            ex.missing_label += rows;
            continue;
        };
        let Some(p) = p else {
            match pred {
                PredSource::Column(_) => ex.missing_prediction += rows,
                PredSource::Score(..) => ex.missing_score += rows,
            }
            continue;
        };
        let (rows, w, w2) = match &c.weights {
            Some(ws) => {
                let nulls = ws.missing.get(i).unwrap_or(0);
                ex.missing_weight += nulls;
                (
                    rows - nulls,
                    ws.sum.get(i).unwrap_or(0.0),
                    ws.sum2.get(i).unwrap_or(0.0),
                )
            }
            None => (rows, rows as f64, rows as f64),
        };
        if rows == 0 {
            continue;
        }
        let key: Vec<Option<String>> = c
            .attrs
            .iter()
            .map(|a| a.get(i).map(str::to_string))
            .collect();
        if let (Some(finals), Some(ov), Some(pb)) = (&c.finals, counts.overrides.as_mut(), pred_bin)
        {
            // Rows without a final decision stay out of the oversight audit only.
            if let Some(f) = pb.get_equivalent(finals.get(i)) {
                let cell = ov.cells.entry(key.clone()).or_default();
                cell.n[usize::from(p)][usize::from(f)] += rows;
                cell.w[usize::from(p)][usize::from(f)] += w;
            }
        }
        if let (Some(vc), Some(values)) = (&c.values, counts.values.as_mut()) {
            vc.add(i, values.cells.entry(key.clone()).or_default());
        }
        if let (Some(levels), Some(oc)) = (b.levels, counts.outcomes.as_mut()) {
            if let Some(&j) = c.preds.get(i).and_then(|v| levels.get(v)) {
                oc.record(key.clone(), j, label, rows, w, w2);
            }
        }
        let cell = counts.cells.entry(key).or_default();
        cell.record(Outcome::of(label, p), rows, w, w2);
        if let Some((bins, ssum, ssum2)) = &c.scores {
            // Rows whose score is missing stay out of the histograms only.
            if let Some(b) = bins.get(i) {
                let h = cell
                    .hist
                    .get_or_insert_with(|| Box::new(ScoreHist::new(score_bins)));
                let l = usize::from(label);
                h.bins[l][b as usize] += rows;
                h.sum_e9[l] += i128::from(ssum.get(i).unwrap_or(0));
                h.sum2_e9[l] += i128::from(ssum2.get(i).unwrap_or(0));
            }
        }
    }
    ex
}

/// Refuses identifier-like attributes and data with nothing left to audit.
fn check_result(counts: &Counts, origin: &Origin, spec: &AuditSpec) -> Result<()> {
    if counts.cells.len() > MAX_CELLS {
        return Err(Error::BadValues {
            path: origin.path.clone(),
            column: key_columns(spec).join(", "),
            problem: format!(
                "the protected attributes have {} distinct combinations (more than {MAX_CELLS}); \
                 audit fewer attributes together, or bucket fine-grained ones (e.g. age into bands)",
                counts.cells.len()
            ),
        });
    }
    if counts.rows_used() == 0 {
        let ex = &counts.excluded;
        return Err(Error::Empty {
            path: origin.path.clone(),
            problem: format!(
                "all {} rows were excluded (missing label: {}, missing prediction: {}, missing score: {}, missing weight: {}); nothing to audit",
                counts.rows_read,
                ex.missing_label,
                ex.missing_prediction,
                ex.missing_score,
                ex.missing_weight
            ),
        });
    }
    Ok(())
}

/// Turns the group-by result into counts, checking every value on the way.
pub fn counts_from_groups(
    origin: &Origin,
    spec: &AuditSpec,
    pred: &PredSource,
    df: DataFrame,
    sketch: Option<DataFrame>,
) -> Result<Counts> {
    let cols = &spec.columns;
    let perr = |e: PolarsError| origin.err(e);
    let n = u64s(&df, A_N).map_err(perr)?;
    let rows_read: u64 = n.iter().flatten().sum();
    if rows_read == 0 {
        return Err(Error::Empty {
            path: origin.path.clone(),
            problem: "the file has no rows to audit".into(),
        });
    }
    let labels = as_text(df.column(K_LABEL).map_err(perr)?).map_err(perr)?;
    let preds = as_text(df.column(K_PRED).map_err(perr)?).map_err(perr)?;
    let attrs: Vec<StringChunked> = key_columns(spec)
        .iter()
        .map(|a| df.column(a).and_then(as_text))
        .collect::<PolarsResult<_>>()
        .map_err(perr)?;
    if let Some(score) = &cols.score {
        check_scores(&df, origin, score)?;
    }
    let weights = cols
        .weight
        .as_ref()
        .map(|w| weights(&df, origin, w))
        .transpose()?;
    let levels = outcome_levels(origin, spec, pred, &preds, &n)?;
    let (label_bin, pred_bin) =
        binarizers(origin, spec, pred, &labels, &preds, &n, levels.as_ref())?;
    let mut counts = Counts::new(key_columns(spec), cols.weight.is_some());
    if let Some(o) = &spec.outcomes {
        counts.outcomes = Some(OutcomeCounts {
            levels: o.levels.clone(),
            cells: BTreeMap::new(),
        });
    }
    counts.stratum = spec.stratify.as_ref().map(|_| spec.attributes.len());
    counts.controls = spec.controls.len();
    let scores = match &cols.score {
        Some(_) => {
            counts.score_bins = spec.score_bins;
            Some((
                u64s(&df, K_BIN).map_err(perr)?,
                i64s(&df, A_SSUM).map_err(perr)?,
                i64s(&df, A_SSUM2).map_err(perr)?,
            ))
        }
        None => None,
    };
    counts.rows_read = rows_read;
    if let Some(v) = &spec.value {
        counts.values = Some(ValueCounts {
            column: v.column.clone(),
            has_truth: v.truth.is_some(),
            cells: BTreeMap::new(),
            sketches: sketch
                .as_ref()
                .map(|d| sketches(d, origin, spec))
                .transpose()?
                .unwrap_or_default(),
        });
    }
    let finals = match &spec.final_decision {
        Some(f) => {
            let t = as_text(df.column(K_FINAL).map_err(perr)?).map_err(perr)?;
            check_finals(origin, f, pred, &preds, &t, &n)?;
            counts.overrides = Some(OverrideCounts {
                column: f.clone(),
                cells: BTreeMap::new(),
            });
            Some(t)
        }
        None => None,
    };
    let columns = Columns {
        finals,
        values: ValueColumns::read(&df, origin, spec)?,
        n,
        labels,
        preds,
        attrs,
        weights,
        scores,
    };
    counts.excluded = fill(
        &mut counts,
        &columns,
        Binarizers {
            label: &label_bin,
            pred: pred_bin.as_ref(),
            levels: levels.as_ref(),
        },
        pred,
        spec.score_bins,
    );
    check_result(&counts, origin, spec)?;
    Ok(counts)
}
