//! Sufficient statistics: one record per finest cell (every combination of the
//! protected attributes' values), holding the confusion counts and weight sums.
//!
//! Every metric fairaudit reports is a function of these numbers, so the data are
//! scanned once and everything after works on this small table. Tables from
//! several files, days or machines combine with [`Counts::merge`], which is
//! associative and commutative.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub mod examine;
pub mod hist;
pub mod sketch;

/// A value of one protected attribute; `None` is a missing value, shown as
/// [`MISSING`] so that rows without the attribute stay visible.
pub type GroupValue = Option<String>;

/// How a missing attribute value is shown.
pub const MISSING: &str = "(missing)";

/// Display form of a group value.
pub fn show(v: &GroupValue) -> &str {
    v.as_deref().unwrap_or(MISSING)
}

/// Index of a (label, prediction) pair in the four-slot arrays of a [`Cell`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// label 0, prediction 0
    Tn = 0,
    /// label 0, prediction 1
    Fp = 1,
    /// label 1, prediction 0
    Fn = 2,
    /// label 1, prediction 1
    Tp = 3,
}

impl Outcome {
    /// The slot of a (label, prediction) pair.
    pub fn of(label: bool, pred: bool) -> Self {
        match (label, pred) {
            (false, false) => Outcome::Tn,
            (false, true) => Outcome::Fp,
            (true, false) => Outcome::Fn,
            (true, true) => Outcome::Tp,
        }
    }
}

/// The statistics of one finest cell: rows, weight sums and sums of squared
/// weights, each by outcome (indexed by [`Outcome`]).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Rows, by outcome.
    pub n: [u64; 4],
    /// Σ weight, by outcome (rows when unweighted).
    pub w: [f64; 4],
    /// Σ weight², by outcome.
    pub w2: [f64; 4],
    /// Score histogram by label, when a score column is audited.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hist: Option<Box<hist::ScoreHist>>,
}

impl Cell {
    /// Adds another cell (counts, weights and histograms).
    pub fn add(&mut self, other: &Cell) {
        for i in 0..4 {
            self.n[i] += other.n[i];
            self.w[i] += other.w[i];
            self.w2[i] += other.w2[i];
        }
        if let Some(h) = &other.hist {
            match &mut self.hist {
                Some(mine) => mine.add(h),
                None => self.hist = Some(h.clone()),
            }
        }
    }

    /// `self` minus `other` (a sub-cell of it): the rest of the data (counts
    /// and weights only).
    pub fn minus(&self, other: &Cell) -> Cell {
        let mut c = self.clone();
        c.hist = None;
        for i in 0..4 {
            c.n[i] -= other.n[i].min(c.n[i]);
            c.w[i] -= other.w[i];
            c.w2[i] -= other.w2[i];
        }
        c
    }

    /// Rows in the cell.
    pub fn rows(&self) -> u64 {
        self.n.iter().sum()
    }

    /// Adds `rows` rows of one outcome with the given weight sums.
    pub fn record(&mut self, outcome: Outcome, rows: u64, w: f64, w2: f64) {
        let i = outcome as usize;
        self.n[i] += rows;
        self.w[i] += w;
        self.w2[i] += w2;
    }
}

/// Why rows were left out of the audit; counted, never silently dropped.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exclusions {
    /// Rows without a label.
    pub missing_label: u64,
    /// Rows without a prediction.
    pub missing_prediction: u64,
    /// Rows without a score (when the prediction comes from it).
    pub missing_score: u64,
    /// Rows without a weight.
    pub missing_weight: u64,
}

impl Exclusions {
    /// Every excluded row.
    pub fn total(&self) -> u64 {
        self.missing_label + self.missing_prediction + self.missing_score + self.missing_weight
    }

    /// Adds another table's exclusions.
    pub fn add(&mut self, o: &Exclusions) {
        self.missing_label += o.missing_label;
        self.missing_prediction += o.missing_prediction;
        self.missing_score += o.missing_score;
        self.missing_weight += o.missing_weight;
    }
}

/// The finest-grain table of a data set. Serialized (JSON) with the cells as
/// a list of `[key, cell]` pairs, so that counts computed on workers travel.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Counts {
    /// Names of the protected attributes, in the order of a cell key.
    pub attributes: Vec<String>,
    /// Whether the weight sums come from a weight column (else they equal the rows).
    pub weighted: bool,
    /// Cells keyed by one value per attribute.
    #[serde(with = "pairs")]
    pub cells: BTreeMap<Vec<GroupValue>, Cell>,
    /// Rows read, including excluded ones.
    pub rows_read: u64,
    /// Rows left out, by reason.
    pub excluded: Exclusions,
    /// Bins of the score histograms (0: no score audited).
    pub score_bins: usize,
    /// Index in `attributes` of the stratification column, if any: a key of
    /// the cells but not a protected attribute.
    pub stratum: Option<usize>,
    /// Inputs that are not files, with the SHA-256 of what was received
    /// (a counts table computed by a PostgreSQL server), for the evidence trail.
    pub fetched: Vec<(String, String)>,
    /// With a decision of more than two outcomes: rows by outcome level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcomes: Option<OutcomeCounts>,
    /// With a numeric outcome: its moments and sketch per cell.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<ValueCounts>,
    /// How many key columns at the end are controls (`--control`).
    #[serde(default)]
    pub controls: usize,
    /// Edges of the quantile bands of numeric controls (`--control-bins`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub control_bands: BTreeMap<String, Vec<f64>>,
    /// With a final (human) decision: rows by (recommendation, final decision).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overrides: Option<OverrideCounts>,
    /// How each input was read (for `--verbose`).
    #[serde(skip)]
    pub reads: Reads,
}

/// How each input was read: (input, reader). Not part of what the counts
/// mean: any two are equal, so counts read by different paths compare equal.
#[derive(Clone, Debug, Default)]
pub struct Reads(pub Vec<(String, String)>);

impl PartialEq for Reads {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Rows of one cell by the model's recommendation and the final decision,
/// each favourable (1) or not (0): `n[recommendation][final]`, with weight sums.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OverrideCell {
    /// Rows.
    pub n: [[u64; 2]; 2],
    /// Σ weight.
    pub w: [[f64; 2]; 2],
}

/// The human-oversight cells, keyed like [`Counts::cells`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OverrideCounts {
    /// The final-decision column.
    pub column: String,
    /// The cells.
    #[serde(with = "pairs")]
    pub cells: BTreeMap<Vec<GroupValue>, OverrideCell>,
}

impl OverrideCounts {
    /// The cells summed over every attribute not in `members`.
    pub fn rollup(&self, members: &[usize]) -> BTreeMap<Vec<GroupValue>, OverrideCell> {
        let mut out: BTreeMap<Vec<GroupValue>, OverrideCell> = BTreeMap::new();
        for (k, c) in &self.cells {
            let key: Vec<GroupValue> = members.iter().map(|&i| k[i].clone()).collect();
            let acc = out.entry(key).or_default();
            for r in 0..2 {
                for f in 0..2 {
                    acc.n[r][f] += c.n[r][f];
                    acc.w[r][f] += c.w[r][f];
                }
            }
        }
        out
    }
}

/// Mergeable statistics of a numeric outcome in one cell: weight sums and
/// weighted moments (unweighted: every weight 1), a relative-error sketch of
/// its distribution, and with a true value the error moments.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ValueCell {
    /// Rows with a value.
    pub n: u64,
    /// Σ weight over them.
    pub w: f64,
    /// Σ weight².
    pub w2: f64,
    /// Σ w·x.
    pub sum: f64,
    /// Σ w·x².
    pub sum2: f64,
    /// Rows with both a value and a true value.
    pub err_n: u64,
    /// Σ weight over them.
    pub err_w: f64,
    /// Σ w·|e| (e = value − truth).
    pub err_abs: f64,
    /// Σ w·e.
    pub err_sum: f64,
    /// Σ w·e².
    pub err_sum2: f64,
}

impl ValueCell {
    /// Adds another cell's statistics.
    pub fn add(&mut self, o: &ValueCell) {
        self.n += o.n;
        self.w += o.w;
        self.w2 += o.w2;
        self.sum += o.sum;
        self.sum2 += o.sum2;
        self.err_n += o.err_n;
        self.err_w += o.err_w;
        self.err_abs += o.err_abs;
        self.err_sum += o.err_sum;
        self.err_sum2 += o.err_sum2;
    }
}

/// Sketches ([`sketch::bucket`] → weight) keyed by protected-attribute values.
pub type Sketches = BTreeMap<Vec<GroupValue>, BTreeMap<i32, f64>>;

/// The numeric outcome's statistics, keyed like [`Counts::cells`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ValueCounts {
    /// The value column.
    pub column: String,
    /// Whether errors against a true value are kept.
    pub has_truth: bool,
    /// Cells keyed like [`Counts::cells`].
    #[serde(with = "pairs")]
    pub cells: BTreeMap<Vec<GroupValue>, ValueCell>,
    /// The values' sketch ([`sketch::bucket`] → weight), keyed by the
    /// protected attributes only (not the stratum or controls).
    #[serde(with = "pairs")]
    pub sketches: Sketches,
}

impl ValueCounts {
    /// The sketches summed over every attribute not in `members`.
    pub fn sketch_rollup(
        &self,
        members: &[usize],
    ) -> BTreeMap<Vec<GroupValue>, BTreeMap<i32, f64>> {
        let mut out: BTreeMap<Vec<GroupValue>, BTreeMap<i32, f64>> = BTreeMap::new();
        for (k, sk) in &self.sketches {
            let key: Vec<GroupValue> = members.iter().map(|&i| k[i].clone()).collect();
            let acc = out.entry(key).or_default();
            for (b, w) in sk {
                *acc.entry(*b).or_insert(0.0) += w;
            }
        }
        out
    }

    /// The cells summed over every attribute not in `members`.
    pub fn rollup(&self, members: &[usize]) -> BTreeMap<Vec<GroupValue>, ValueCell> {
        let mut out: BTreeMap<Vec<GroupValue>, ValueCell> = BTreeMap::new();
        for (k, c) in &self.cells {
            let key: Vec<GroupValue> = members.iter().map(|&i| k[i].clone()).collect();
            out.entry(key).or_default().add(c);
        }
        out
    }
}

/// Rows of one outcome level in one cell, by label (0, 1), with weight sums.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LevelCell {
    /// Rows, by label.
    pub n: [u64; 2],
    /// Σ weight, by label.
    pub w: [f64; 2],
    /// Σ weight², by label.
    pub w2: [f64; 2],
}

/// The cells of a multi-outcome decision: for every cell key, one
/// [`LevelCell`] per level (in `levels` order). The binary cells of
/// [`Counts`] hold the favourable outcomes against the others; each level
/// against the rest is [`Counts::one_vs_rest`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OutcomeCounts {
    /// The outcome levels, in the spec's order.
    pub levels: Vec<String>,
    /// Cells keyed like [`Counts::cells`].
    #[serde(with = "pairs")]
    pub cells: BTreeMap<Vec<GroupValue>, Vec<LevelCell>>,
}

impl OutcomeCounts {
    /// Adds `rows` of level `level` with label `label` to the cell `key`.
    pub fn record(
        &mut self,
        key: Vec<GroupValue>,
        level: usize,
        label: bool,
        rows: u64,
        w: f64,
        w2: f64,
    ) {
        let k = self.levels.len();
        let cells = self
            .cells
            .entry(key)
            .or_insert_with(|| vec![LevelCell::default(); k]);
        let l = usize::from(label);
        cells[level].n[l] += rows;
        cells[level].w[l] += w;
        cells[level].w2[l] += w2;
    }

    fn merge(&mut self, other: &OutcomeCounts) -> crate::Result<()> {
        if self.levels != other.levels {
            return Err(crate::Error::usage(format!(
                "cannot merge counts over outcome levels [{}] with counts over [{}]",
                self.levels.join(", "),
                other.levels.join(", ")
            )));
        }
        for (key, cells) in &other.cells {
            let mine = self
                .cells
                .entry(key.clone())
                .or_insert_with(|| vec![LevelCell::default(); cells.len()]);
            for (m, o) in mine.iter_mut().zip(cells) {
                for l in 0..2 {
                    m.n[l] += o.n[l];
                    m.w[l] += o.w[l];
                    m.w2[l] += o.w2[l];
                }
            }
        }
        Ok(())
    }
}

/// A map as a list of pairs (JSON keys must be strings; cell keys are lists).
mod pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer, K: Serialize, V: Serialize>(
        m: &BTreeMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.iter())
    }

    pub fn deserialize<
        'de,
        D: Deserializer<'de>,
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
    >(
        d: D,
    ) -> Result<BTreeMap<K, V>, D::Error> {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}

impl Counts {
    /// An empty table over `attributes`.
    pub fn new(attributes: Vec<String>, weighted: bool) -> Self {
        Counts {
            attributes,
            weighted,
            cells: BTreeMap::new(),
            rows_read: 0,
            excluded: Exclusions::default(),
            score_bins: 0,
            stratum: None,
            fetched: vec![],
            outcomes: None,
            values: None,
            controls: 0,
            control_bands: BTreeMap::new(),
            overrides: None,
            reads: Reads::default(),
        }
    }

    /// The binary counts of one outcome level against the rest: a row is
    /// "positive" when its outcome is `level` (score histograms dropped).
    pub fn one_vs_rest(&self, level: usize) -> Option<Counts> {
        let oc = self.outcomes.as_ref()?;
        let mut c = Counts {
            cells: BTreeMap::new(),
            score_bins: 0,
            outcomes: None,
            values: None,
            overrides: None,
            ..self.clone()
        };
        for (key, cells) in &oc.cells {
            let mut cell = Cell::default();
            for (j, lc) in cells.iter().enumerate() {
                for (l, label) in [false, true].into_iter().enumerate() {
                    cell.record(Outcome::of(label, j == level), lc.n[l], lc.w[l], lc.w2[l]);
                }
            }
            c.cells.insert(key.clone(), cell);
        }
        Some(c)
    }

    /// The number of protected attributes (the keys before the stratum).
    pub fn n_protected(&self) -> usize {
        self.attributes.len() - usize::from(self.stratum.is_some()) - self.controls
    }

    /// Rows that enter the metrics.
    pub fn rows_used(&self) -> u64 {
        self.cells.values().map(Cell::rows).sum()
    }

    /// Adds the statistics of `other`, which must describe the same attributes
    /// in the same order.
    pub fn merge(&mut self, other: &Counts) -> crate::Result<()> {
        if self.attributes != other.attributes {
            return Err(crate::Error::usage(format!(
                "cannot merge counts over attributes [{}] with counts over [{}]",
                self.attributes.join(", "),
                other.attributes.join(", ")
            )));
        }
        if self.score_bins != other.score_bins
            || self.stratum != other.stratum
            || self.controls != other.controls
        {
            return Err(crate::Error::usage(
                "cannot merge counts with different score bins or stratification",
            ));
        }
        if self.weighted != other.weighted {
            return Err(crate::Error::usage(
                "cannot merge weighted counts with unweighted counts",
            ));
        }
        self.reads.0.extend(other.reads.0.iter().cloned());
        match (&mut self.overrides, &other.overrides) {
            (Some(a), Some(b)) if a.column == b.column => {
                for (k, c) in &b.cells {
                    let acc = a.cells.entry(k.clone()).or_default();
                    for r in 0..2 {
                        for f in 0..2 {
                            acc.n[r][f] += c.n[r][f];
                            acc.w[r][f] += c.w[r][f];
                        }
                    }
                }
            }
            (None, None) => {}
            _ => {
                return Err(crate::Error::usage(
                    "cannot merge counts with different final-decision columns (--final)",
                ))
            }
        }
        match (&mut self.values, &other.values) {
            (Some(a), Some(b)) if a.column == b.column && a.has_truth == b.has_truth => {
                for (k, c) in &b.cells {
                    a.cells.entry(k.clone()).or_default().add(c);
                }
                for (k, sk) in &b.sketches {
                    let acc = a.sketches.entry(k.clone()).or_default();
                    for (bk, w) in sk {
                        *acc.entry(*bk).or_insert(0.0) += w;
                    }
                }
            }
            (None, None) => {}
            _ => {
                return Err(crate::Error::usage(
                    "cannot merge counts with different numeric outcomes (--value, --value-truth)",
                ))
            }
        }
        match (&mut self.outcomes, &other.outcomes) {
            (Some(a), Some(b)) => a.merge(b)?,
            (None, None) => {}
            _ => {
                return Err(crate::Error::usage(
                    "cannot merge counts of a multi-outcome decision with counts of a binary one",
                ))
            }
        }
        for (k, c) in &other.cells {
            self.cells.entry(k.clone()).or_default().add(c);
        }
        self.rows_read += other.rows_read;
        self.excluded.add(&other.excluded);
        self.fetched.extend(other.fetched.iter().cloned());
        Ok(())
    }

    /// The cells summed over every attribute not in `members` (indices into
    /// [`Counts::attributes`]): the table of one attribute or intersection.
    pub fn rollup(&self, members: &[usize]) -> BTreeMap<Vec<GroupValue>, Cell> {
        let mut out: BTreeMap<Vec<GroupValue>, Cell> = BTreeMap::new();
        for (k, c) in &self.cells {
            let key: Vec<GroupValue> = members.iter().map(|&i| k[i].clone()).collect();
            out.entry(key).or_default().add(c);
        }
        out
    }

    /// SHA-256 of the cells (keys, counts, weight sums, histograms): the
    /// identity of data that has no file.
    pub fn digest(&self) -> String {
        let cells: Vec<_> = self.cells.iter().collect();
        let text = serde_json::to_vec(&(&self.attributes, &cells)).expect("counts serialize");
        crate::digest::sha256_hex(&text)
    }

    /// All cells summed: the whole data set.
    pub fn total(&self) -> Cell {
        let mut t = Cell::default();
        for c in self.cells.values() {
            t.add(c);
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(n: [u64; 4]) -> Cell {
        Cell {
            n,
            w: n.map(|x| x as f64),
            w2: n.map(|x| x as f64),
            hist: None,
        }
    }

    #[test]
    fn rollup_sums_over_other_attributes() {
        let mut c = Counts::new(vec!["sex".into(), "age".into()], false);
        c.cells.insert(
            vec![Some("f".into()), Some("young".into())],
            cell([1, 2, 3, 4]),
        );
        c.cells
            .insert(vec![Some("f".into()), None], cell([10, 20, 30, 40]));
        c.cells.insert(
            vec![Some("m".into()), Some("young".into())],
            cell([5, 0, 0, 1]),
        );
        let by_sex = c.rollup(&[0]);
        assert_eq!(by_sex[&vec![Some("f".to_string())]].n, [11, 22, 33, 44]);
        assert_eq!(by_sex[&vec![Some("m".to_string())]].n, [5, 0, 0, 1]);
        let by_age = c.rollup(&[1]);
        assert_eq!(by_age[&vec![None]].n, [10, 20, 30, 40]);
        assert_eq!(by_age[&vec![Some("young".to_string())]].n, [6, 2, 3, 5]);
        assert_eq!(c.total().n, [16, 22, 33, 45]);
        assert_eq!(c.rows_used(), 116);
    }

    #[test]
    fn merge_refuses_other_attributes() {
        let mut a = Counts::new(vec!["sex".into()], false);
        let b = Counts::new(vec!["race".into()], false);
        assert!(a.merge(&b).is_err());
    }
}

#[cfg(test)]
mod merge_properties {
    use super::*;
    use proptest::prelude::*;

    /// A row: attribute values (None = missing), label, prediction, weight.
    type Row = (Option<u8>, u8, bool, bool, u8);

    /// The counts of rows, tallied one by one: the reference the merge must match.
    fn tally(rows: &[Row]) -> Counts {
        let mut c = Counts::new(vec!["a".into(), "b".into()], true);
        for &(a, b, y, p, w) in rows {
            let key = vec![a.map(|v| format!("a{v}")), Some(format!("b{b}"))];
            let w = w as f64;
            c.cells
                .entry(key)
                .or_default()
                .record(Outcome::of(y, p), 1, w, w * w);
            c.rows_read += 1;
        }
        c
    }

    fn row() -> impl Strategy<Value = Row> {
        (
            proptest::option::of(0u8..3),
            0u8..2,
            any::<bool>(),
            any::<bool>(),
            0u8..5,
        )
    }

    proptest! {
        #[test]
        fn merging_halves_equals_the_whole(rows in proptest::collection::vec(row(), 0..200), cut in 0usize..200) {
            let cut = cut.min(rows.len());
            let mut left = tally(&rows[..cut]);
            left.merge(&tally(&rows[cut..])).unwrap();
            prop_assert_eq!(left, tally(&rows));
        }

        #[test]
        fn merge_is_commutative_and_associative(
            a in proptest::collection::vec(row(), 0..60),
            b in proptest::collection::vec(row(), 0..60),
            c in proptest::collection::vec(row(), 0..60),
        ) {
            let (ca, cb, cc) = (tally(&a), tally(&b), tally(&c));
            let mut ab = ca.clone();
            ab.merge(&cb).unwrap();
            let mut ba = cb.clone();
            ba.merge(&ca).unwrap();
            prop_assert_eq!(&ab, &ba);
            let mut ab_c = ab.clone();
            ab_c.merge(&cc).unwrap();
            let mut bc = cb.clone();
            bc.merge(&cc).unwrap();
            let mut a_bc = ca.clone();
            a_bc.merge(&bc).unwrap();
            prop_assert_eq!(ab_c, a_bc);
        }

        #[test]
        fn rollups_preserve_totals(rows in proptest::collection::vec(row(), 1..100)) {
            let c = tally(&rows);
            for members in [vec![0], vec![1], vec![0, 1]] {
                let mut t = Cell::default();
                for cell in c.rollup(&members).values() {
                    t.add(cell);
                }
                prop_assert_eq!(&t, &c.total());
            }
        }
    }
}
