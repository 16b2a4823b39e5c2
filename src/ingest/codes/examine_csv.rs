//! The data examination's counter on CSV: the file splits into byte ranges
//! at line ends (`codes/csv.rs`), one rayon task per range, each into
//! tallies of its own; the parts then add up in file order
//! (`codes/examine.rs`). A range is read in chunks of whole lines
//! (`each_chunk`), each checked as UTF-8 and split into fields at once
//! (`split_lines`), and its values counted column by column. Every field is
//! read as the polars-streamed counter reads CSV — text, an empty field as
//! "" (not null), one trailing `\r` dropped — and goes through the same
//! per-value tally (`ColumnTally::see_*`) and value hashes, so the
//! examination is the same. A quote, a blank line, a line with another
//! number of fields than the header, a header polars would rename or text
//! that is not UTF-8 leaves the file to polars, which knows CSV in full.

use std::hash::BuildHasher;
use std::path::Path;

use rayon::prelude::*;

use super::csv::{each_chunk, header, ranges, split_lines};
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
        attrs_at: (attr_of.iter().enumerate())
            .filter_map(|(f, a)| a.map(|a| (f, a)))
            .collect(),
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
    /// The attributes' fields and indexes, in the file's order.
    attrs_at: Vec<(usize, usize)>,
    /// Each examined column's field.
    fields: Vec<usize>,
    attrs: Vec<String>,
    rest: Vec<usize>,
}

/// One range's attribute keys: each attribute's values by id, and the
/// key id of each combination, in first-seen order.
struct Keys {
    /// Per attribute: a field's bytes → its entry in `fields`.
    values: Vec<ByBytes>,
    /// Per attribute and entry: the value id, and the hash of the field's
    /// text in the row hash ("" and the missing label are one value, two
    /// texts).
    fields: Vec<Vec<(u32, u64)>>,
    /// Per attribute: value → id, and id → value.
    ids: Vec<Map<String, u32>>,
    names: Vec<Vec<String>>,
    /// The attributes' value ids packed into 128 bits (as the streamed
    /// counter packs them) → key id.
    combos: Map<u128, u32>,
    keys: Vec<Vec<String>>,
    /// Bits per attribute in the packing, and the row's ids.
    bits: u32,
    row: Vec<u32>,
    /// The attribute fields of rows met before, each packed (`pack`), in
    /// the file's order → the key id and their mix into the row hash: one
    /// lookup per row where there would be one per attribute and one for
    /// the key.
    rows: Map<Box<[u128]>, (u32, u64)>,
    packed: Vec<u128>,
}

/// Rows' attribute fields `Keys` remembers at most.
const ROWS_CAP: usize = 1 << 16;

impl Keys {
    fn new(na: usize) -> Self {
        Keys {
            values: (0..na).map(|_| ByBytes::default()).collect(),
            fields: vec![vec![]; na],
            ids: (0..na).map(|_| Map::default()).collect(),
            names: vec![vec![]; na],
            combos: Map::default(),
            keys: vec![],
            bits: (128 / na.max(1) as u32).min(32),
            row: vec![0; na],
            rows: Map::default(),
            packed: Vec::with_capacity(na),
        }
    }

    /// The entry of a field of attribute `at`, made if new.
    #[cold]
    fn new_field(&mut self, at: usize, text: &str) -> Result<u32, String> {
        let v = match text {
            "" => MISSING,
            v => v,
        };
        let id = match self.ids[at].get(v) {
            Some(&id) => id,
            None => {
                let id = self.names[at].len() as u32;
                // Past its share of the packed 128 bits: polars' counter
                // says so.
                if (id as u128) >> self.bits != 0 {
                    return Err("an attribute with too many values".into());
                }
                self.names[at].push(v.to_string());
                self.ids[at].insert(v.to_string(), id);
                id
            }
        };
        let entry = self.fields[at].len() as u32;
        self.fields[at].push((id, hasher().hash_one(text)));
        self.values[at].insert(text.as_bytes(), entry);
        Ok(entry)
    }

    /// The key id of a row (its fields: `spans` of `text`, the attributes'
    /// `(field, attribute)` in the file's order), whether the key is new,
    /// and the row's attribute fields mixed into the row hash's seed.
    fn of_row(
        &mut self,
        attrs: &[(usize, usize)],
        text: &str,
        spans: &[(u32, u32)],
    ) -> Result<(u32, bool, u64), String> {
        let field = |f: usize| {
            let (a, b) = spans[f];
            &text[a as usize..b as usize]
        };
        self.packed.clear();
        for &(f, _) in attrs {
            match pack(field(f).as_bytes()) {
                Some(p) => self.packed.push(p),
                None => break,
            }
        }
        let whole = self.packed.len() == attrs.len();
        if whole {
            if let Some(&(k, h)) = self.rows.get(&self.packed[..]) {
                return Ok((k, false, h));
            }
        }
        let mut hash = ROW_SEED;
        for &(f, at) in attrs {
            let v = field(f);
            let entry = match self.values[at].get(v.as_bytes()) {
                Some(e) => e,
                None => self.new_field(at, v)?,
            };
            let (id, h) = self.fields[at][entry as usize];
            self.row[at] = id;
            hash = mix(hash, h);
        }
        let (k, new) = self.key();
        // Attributes of many values (an identifier) would fill it with
        // rows that never repeat.
        if whole && self.rows.len() < ROWS_CAP {
            self.rows.insert(self.packed.as_slice().into(), (k, hash));
        }
        Ok((k, new, hash))
    }

    /// The key id of the row's value ids, and whether it is new.
    fn key(&mut self) -> (u32, bool) {
        let bits = self.bits;
        let packed = self.row.iter().fold(0u128, |p, &i| (p << bits) | i as u128);
        let next = self.keys.len() as u32;
        if let Some(&k) = self.combos.get(&packed) {
            return (k, false);
        }
        self.combos.insert(packed, next);
        let names = &self.names;
        self.keys.push(
            self.row
                .iter()
                .enumerate()
                .map(|(a, &i)| names[a][i as usize].clone())
                .collect(),
        );
        (next, true)
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
    /// Values it holds at most.
    cap: usize,
}

/// Values a memo holds at most: a text column's memo spares hashing and
/// comparing strings, and is worth its 4 MB; a numeric column's spares a parse
/// and two small lookups, and is worth it only while it stays in the
/// core's cache (14,336 values: 16,384 slots of 32 bytes, as hashbrown
/// fills 7/8 of its slots). A column of more distinct values than that
/// (an income to the dollar) misses more than it hits once full, and is
/// read without its memo from then on.
const TEXT_MEMO_CAP: usize = 1 << 16;
const NUMBER_MEMO_CAP: usize = 14_336;

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
                    if self.seen.len() < self.cap {
                        self.seen.insert(p, s);
                    } else {
                        self.misses += 1;
                        self.off = self.misses > self.cap as u64 && self.misses > self.hits;
                    }
                    s
                }
            },
        }
    }
}

/// A range's state from chunk to chunk: each column's memo, the row hashes
/// so far; and the current chunk's field spans, line ends and row keys.
struct Batch {
    spans: Vec<(u32, u32)>,
    ends: Vec<u32>,
    keys: Vec<u32>,
    memos: Vec<Memo>,
    hashes: Vec<u64>,
}

/// Tallies the lines that start in `range`, a chunk of lines at a time
/// (`each_chunk`): split at once, keyed line by line, then counted column
/// by column, so that one column's memo and table stay in cache for the
/// chunk's values, where row by row every value would go to another
/// column's.
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
    let mut batch = Batch {
        spans: vec![],
        ends: vec![],
        keys: vec![],
        memos: columns
            .iter()
            .map(|c| Memo {
                cap: match c.kind {
                    Kind::NumberText => NUMBER_MEMO_CAP,
                    _ => TEXT_MEMO_CAP,
                },
                ..Memo::default()
            })
            .collect(),
        hashes: vec![],
    };
    each_chunk(path, range, body, |chunk| {
        if chunk.len() > u32::MAX as usize {
            return Err("a line past 4 GB".into());
        }
        let text = std::str::from_utf8(chunk).map_err(|_| "text that is not UTF-8")?;
        batch.spans.clear();
        batch.ends.clear();
        batch.keys.clear();
        split_lines(chunk, &mut batch.spans, &mut batch.ends);
        let mut first = 0;
        for &end in &batch.ends {
            let spans = &batch.spans[first..end as usize];
            first = end as usize;
            if let [(a, b)] = spans {
                if a == b {
                    return Err("a blank line".into());
                }
            }
            if spans.len() != nf {
                let n = spans.len();
                return Err(format!("a line with {n} fields, the header {nf}"));
            }
            let (k, new, h) = keys.of_row(&layout.attrs_at, text, spans)?;
            batch.hashes.push(h);
            if new {
                for t in &mut part.tallies {
                    t.ensure_keys(keys.keys.len());
                }
                part.rows_per_key.push(0);
            }
            part.rows_per_key[k as usize] += 1;
            batch.keys.push(k);
        }
        batch.tally(text, layout, columns, &mut part.tallies);
        Ok(())
    })?;
    // A text column past its distinct values: `finish` says so when the
    // parts add up.
    part.keys = keys.keys;
    part.hashes = Runs::new(batch.hashes);
    Ok(part)
}

impl Batch {
    /// Tallies a chunk's values (`text`, split) column by column, and mixes
    /// them into its rows' hashes (begun with the attribute fields): the
    /// examined columns in their order, then the other fields in the
    /// file's.
    fn tally(
        &mut self,
        text: &str,
        layout: &Layout,
        columns: &[ColumnSpec],
        tallies: &mut [ColumnTally],
    ) {
        let Batch {
            spans,
            keys,
            memos,
            hashes: rows,
            ..
        } = self;
        let nf = layout.attr_of.len();
        // Each row's hash so far: its attribute fields (`Keys::of_row`).
        let first = rows.len() - keys.len();
        let hashes = &mut rows[first..];
        let field = |r: usize, f: usize| {
            let (a, b) = spans[r * nf + f];
            &text[a as usize..b as usize]
        };
        let mut levels: Vec<u32> = Vec::with_capacity(keys.len());
        for ((c, spec), (t, memo)) in columns
            .iter()
            .enumerate()
            .zip(tallies.iter_mut().zip(memos))
        {
            let number = spec.kind == Kind::NumberText;
            // Seen first, counted after: two loops of independent lookups,
            // whose cache misses the processor overlaps. The level goes
            // with its out-of-range flag in the top bit.
            levels.clear();
            let f = layout.fields[c];
            for (r, h) in hashes.iter_mut().enumerate() {
                let s = memo.see(t, number, field(r, f));
                // Text by its value, not its level id: each range numbers
                // its levels in its own order.
                *h = mix(*h, s.hash);
                levels.push(s.level | (s.outside as u32) << 31);
            }
            for (&k, &l) in keys.iter().zip(&levels) {
                t.count_flagged(k, l);
            }
        }
        let hasher = hasher();
        for &f in layout.rest.iter().filter(|&&f| layout.attr_of[f].is_none()) {
            for (r, h) in hashes.iter_mut().enumerate() {
                *h = mix(*h, hasher.hash_one(field(r, f)));
            }
        }
    }
}
