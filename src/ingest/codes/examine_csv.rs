//! The data examination's counter on CSV: the file splits into byte ranges
//! at line ends (`codes/csv.rs`), one rayon task per range, each into
//! tallies of its own; the parts then add up in file order
//! (`codes/examine.rs`). Every field is read as the polars-streamed counter
//! reads CSV — text, an empty field as "" (not null), one trailing `\r`
//! dropped — and goes through the same per-value tally (`ColumnTally::text`,
//! `number_text`) and row hash, so the examination is the same. A quote, a
//! blank line, a line with another number of fields than the header, a
//! header polars would rename or text that is not UTF-8 leaves the file to
//! polars, which knows CSV in full.

use std::hash::BuildHasher;
use std::path::Path;

use rayon::prelude::*;

use super::csv::{each_line, header, ranges, split};
use super::examine::{finish, Part};
use super::{ByBytes, Map};
use crate::counts::MISSING;
use crate::ingest::tally::{
    hasher, mix, pack, ColumnSpec, ColumnTally, Kind, Runs, Seen, Tally, ROW_SEED,
};

/// The tally of a CSV file whose header is `names` (polars' names of the
/// file), or why polars must read it.
pub fn tally(
    path: &Path,
    names: &[String],
    attrs: &[String],
    columns: &[ColumnSpec],
    all: &[String],
) -> Result<Tally, String> {
    let text = |e: std::io::Error| e.to_string();
    let mut file = std::fs::File::open(path).map_err(text)?;
    let len = file.metadata().map_err(text)?.len();
    let (head, body) = header(&mut file)?;
    if head != names || all != names {
        return Err("the header is not the plain names polars reads".into());
    }
    let at = |name: &str| {
        head.iter()
            .position(|n| n == name)
            .ok_or_else(|| format!("no column '{name}'"))
    };
    let mut attr_of = vec![None; head.len()];
    for (a, name) in attrs.iter().enumerate() {
        attr_of[at(name)?] = Some(a);
    }
    let mut order = vec![];
    for spec in columns {
        if !matches!(spec.kind, Kind::CsvText | Kind::NumberText) {
            return Err(format!("column '{}' is not read as CSV text", spec.name));
        }
        let f = at(&spec.name)?;
        order.push(f);
    }
    // The row hash: examined columns in their order, then the others in
    // the file's (as the streamed counter mixes them).
    let rest: Vec<usize> = (0..head.len())
        .filter(|&f| !columns.iter().any(|c| c.name == head[f]))
        .collect();
    let layout = Layout {
        attr_of,
        fields: order,
        attrs: attrs.to_vec(),
        rest,
    };
    let parts: Vec<Result<Part, String>> = ranges(len, body)
        .par_iter()
        .map(|&r| count_range(path, r, body, &layout, columns))
        .collect();
    finish(parts, attrs, columns, None)
}

struct Layout {
    /// Each field's attribute index, if it is one.
    attr_of: Vec<Option<usize>>,
    /// Each examined column's field.
    fields: Vec<usize>,
    attrs: Vec<String>,
    rest: Vec<usize>,
}

/// One range's attribute keys: each attribute's values by id, and the
/// key id of each combination, in first-seen order.
struct Keys {
    values: Vec<ByBytes>,
    names: Vec<Vec<String>>,
    /// The attributes' value ids packed into 128 bits (as the streamed
    /// counter packs them) → key id.
    combos: Map<u128, u32>,
    keys: Vec<Vec<String>>,
    /// Bits per attribute in the packing, and the row's ids.
    bits: u32,
    ids: Vec<u32>,
}

impl Keys {
    fn new(na: usize) -> Self {
        Keys {
            values: (0..na).map(|_| ByBytes::default()).collect(),
            names: vec![vec![]; na],
            combos: Map::default(),
            keys: vec![],
            bits: (128 / na.max(1) as u32).min(32),
            ids: vec![0; na],
        }
    }

    /// The key id of a row (its fields: `spans` of `line`), and whether the
    /// key is new.
    fn of_row(
        &mut self,
        attr_of: &[Option<usize>],
        text: &str,
        spans: &[(u32, u32)],
    ) -> Result<(u32, bool), String> {
        for (f, &(a, b)) in spans.iter().enumerate() {
            let Some(at) = attr_of[f] else { continue };
            let v = match &text[a as usize..b as usize] {
                "" => MISSING,
                v => v,
            };
            self.ids[at] = match self.values[at].get(v.as_bytes()) {
                Some(id) => id,
                None => {
                    let id = self.names[at].len() as u32;
                    // Past its share of the packed 128 bits: polars' counter
                    // says so.
                    if (id as u128) >> self.bits != 0 {
                        return Err("an attribute with too many values".into());
                    }
                    self.names[at].push(v.to_string());
                    self.values[at].insert(v.as_bytes(), id);
                    id
                }
            };
        }
        let bits = self.bits;
        let packed = self.ids.iter().fold(0u128, |p, &i| (p << bits) | i as u128);
        let next = self.keys.len() as u32;
        if let Some(&k) = self.combos.get(&packed) {
            return Ok((k, false));
        }
        self.combos.insert(packed, next);
        let names = &self.names;
        self.keys.push(
            self.ids
                .iter()
                .enumerate()
                .map(|(a, &i)| names[a][i as usize].clone())
                .collect(),
        );
        Ok((next, true))
    }
}

/// Values met before in a column of a range, by their text packed
/// (`pack`): a value met again is counted as it was seen, without being
/// parsed or looked up by its text. Most columns repeat their values; one
/// that does not (a full-precision float) turns the memo off once it has
/// filled and missed more than it hit.
#[derive(Default)]
struct Memo {
    seen: Map<u128, Seen>,
    off: bool,
    hits: u64,
    misses: u64,
}

/// Values a memo holds at most.
const MEMO_CAP: usize = 1 << 16;

impl Memo {
    /// What field `v` of a column (`number`: read as a number) comes to.
    #[inline]
    fn see(&mut self, t: &mut ColumnTally, number: bool, v: &str) -> Seen {
        let see = |t: &mut ColumnTally| match number {
            true => t.see_number_text(v),
            false => t.see_csv_text(v),
        };
        match pack(v.as_bytes()).filter(|_| !self.off) {
            None => see(t),
            Some(p) => match self.seen.get(&p) {
                Some(&s) => {
                    self.hits += 1;
                    s
                }
                None => {
                    let s = see(t);
                    if self.seen.len() < MEMO_CAP {
                        self.seen.insert(p, s);
                    } else {
                        self.misses += 1;
                        self.off = self.misses > MEMO_CAP as u64 && self.misses > self.hits;
                    }
                    s
                }
            },
        }
    }
}

/// Rows a range gathers before it tallies them column by column: one
/// column's memo and table stay in cache for the batch's values, where row
/// by row every value would go to another column's.
const BATCH: usize = 32768;
/// A batch's field spans (8 bytes each) and text at most, so that a wide
/// file's batch stays a few megabytes per thread: fewer rows per batch.
const BATCH_SPANS: usize = 1 << 19;
const BATCH_TEXT: usize = 1 << 24;

/// The lines of a batch: their text, each field's byte span in it, each
/// row's key; and what the range keeps from batch to batch: each column's
/// memo and the row hashes so far.
struct Batch {
    text: String,
    spans: Vec<(u32, u32)>,
    keys: Vec<u32>,
    memos: Vec<Memo>,
    hashes: Vec<u64>,
}

/// Tallies the lines that start in `range`.
fn count_range(
    path: &Path,
    range: (u64, u64),
    body: u64,
    layout: &Layout,
    columns: &[ColumnSpec],
) -> Result<Part, String> {
    let mut keys = Keys::new(layout.attrs.len());
    let mut part = Part::new(columns);
    let nf = layout.attr_of.len();
    let rows = (BATCH_SPANS / nf.max(1)).clamp(256, BATCH);
    let mut batch = Batch {
        text: String::with_capacity(BATCH_TEXT.min(BATCH * 128)),
        spans: Vec::with_capacity(BATCH_SPANS),
        keys: Vec::with_capacity(rows),
        memos: columns.iter().map(|_| Memo::default()).collect(),
        hashes: vec![],
    };
    each_line(path, range, body, |line| {
        if line.is_empty() || line == b"\r" {
            return Err("a blank line".into());
        }
        let line = std::str::from_utf8(line).map_err(|_| "text that is not UTF-8")?;
        let at = batch.text.len();
        if at + line.len() > u32::MAX as usize {
            return Err("a batch of lines past 4 GB".into());
        }
        batch.text.push_str(line);
        let first = batch.spans.len();
        split(line.as_bytes(), at as u32, &mut batch.spans);
        let spans = &batch.spans[first..];
        if spans.len() != nf {
            let n = spans.len();
            return Err(format!("a line with {n} fields, the header {nf}"));
        }
        let (k, new) = keys.of_row(&layout.attr_of, &batch.text, spans)?;
        if new {
            for t in &mut part.tallies {
                t.ensure_keys(keys.keys.len());
            }
            part.rows_per_key.push(0);
        }
        part.rows_per_key[k as usize] += 1;
        batch.keys.push(k);
        if batch.keys.len() == rows || batch.text.len() >= BATCH_TEXT {
            batch.tally(layout, columns, &mut part.tallies);
        }
        Ok(())
    })?;
    batch.tally(layout, columns, &mut part.tallies);
    // A text column past its distinct values: `finish` says so when the
    // parts add up.
    part.keys = keys.keys;
    part.hashes = Runs::new(batch.hashes);
    Ok(part)
}

impl Batch {
    /// Tallies a batch's values column by column, and adds its rows' hashes:
    /// the examined columns in their order, then the other fields in the
    /// file's (as the streamed counter mixes them). Empties the batch.
    fn tally(&mut self, layout: &Layout, columns: &[ColumnSpec], tallies: &mut [ColumnTally]) {
        let Batch {
            text,
            spans,
            keys,
            memos,
            hashes: rows,
        } = self;
        let nf = layout.attr_of.len();
        let mut hashes = vec![ROW_SEED; keys.len()];
        let field = |r: usize, f: usize| {
            let (a, b) = spans[r * nf + f];
            &text[a as usize..b as usize]
        };
        let mut seen = Vec::with_capacity(keys.len());
        for ((c, spec), (t, memo)) in columns
            .iter()
            .enumerate()
            .zip(tallies.iter_mut().zip(memos))
        {
            let number = spec.kind == Kind::NumberText;
            // Seen first, counted after: two loops of independent lookups,
            // whose cache misses the processor overlaps.
            seen.clear();
            let f = layout.fields[c];
            seen.extend((0..keys.len()).map(|r| memo.see(t, number, field(r, f))));
            for ((&k, h), &s) in keys.iter().zip(&mut hashes).zip(&seen) {
                t.count(k, s);
                // Text by its value, not its level id: each range numbers
                // its levels in its own order.
                *h = mix(*h, s.hash);
            }
        }
        let hasher = hasher();
        for &f in &layout.rest {
            for (r, h) in hashes.iter_mut().enumerate() {
                *h = mix(*h, hasher.hash_one(field(r, f)));
            }
        }
        rows.extend(hashes);
        text.clear();
        spans.clear();
        keys.clear();
    }
}
