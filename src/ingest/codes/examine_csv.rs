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

use super::csv::{each_line, header, ranges};
use super::examine::{finish, new_tallies, Part};
use super::Map;
use crate::counts::MISSING;
use crate::ingest::tally::{hasher, mix, ColumnSpec, Kind, Tally, MISSING_HASH, ROW_SEED};

/// What a field of the file is read for.
#[derive(Clone, Default)]
struct Roles {
    /// Its attribute index, if it is one.
    attr: Option<usize>,
    /// The examined columns it is (by index).
    columns: Vec<usize>,
}

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
    let mut roles = vec![Roles::default(); head.len()];
    for (a, name) in attrs.iter().enumerate() {
        roles[at(name)?].attr = Some(a);
    }
    let mut order = vec![];
    for (c, spec) in columns.iter().enumerate() {
        if !matches!(spec.kind, Kind::CsvText | Kind::NumberText) {
            return Err(format!("column '{}' is not read as CSV text", spec.name));
        }
        let f = at(&spec.name)?;
        roles[f].columns.push(c);
        order.push(f);
    }
    // The row hash: examined columns in their order, then the others in
    // the file's (as the streamed counter mixes them).
    let rest: Vec<usize> = (0..head.len())
        .filter(|&f| !columns.iter().any(|c| c.name == head[f]))
        .collect();
    let layout = Layout {
        roles,
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
    roles: Vec<Roles>,
    attrs: Vec<String>,
    rest: Vec<usize>,
}

/// One range's attribute keys: each attribute's values by id, and the
/// key id of each combination, in first-seen order.
struct Keys {
    values: Vec<Map<Box<[u8]>, u32>>,
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
            values: (0..na).map(|_| Map::default()).collect(),
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
        roles: &[Roles],
        line: &str,
        spans: &[(usize, usize)],
    ) -> Result<(u32, bool), String> {
        for (f, &(a, b)) in spans.iter().enumerate() {
            let Some(at) = roles[f].attr else { continue };
            let v = match &line[a..b] {
                "" => MISSING,
                v => v,
            };
            self.ids[at] = match self.values[at].get(v.as_bytes()) {
                Some(&id) => id,
                None => {
                    let id = self.names[at].len() as u32;
                    // Past its share of the packed 128 bits: polars' counter
                    // says so.
                    if (id as u128) >> self.bits != 0 {
                        return Err("an attribute with too many values".into());
                    }
                    self.names[at].push(v.to_string());
                    self.values[at].insert(v.as_bytes().into(), id);
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

/// The byte spans of a line's fields, each without one trailing `\r` (as
/// polars drops it), into `spans`.
fn split(line: &str, spans: &mut Vec<(usize, usize)>) {
    spans.clear();
    let bytes = line.as_bytes();
    let mut from = 0;
    for comma in memchr::memchr_iter(b',', bytes).chain(std::iter::once(line.len())) {
        let end = match comma > from && bytes[comma - 1] == b'\r' {
            true => comma - 1,
            false => comma,
        };
        spans.push((from, end));
        from = comma + 1;
    }
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
    let mut part = Part {
        keys: vec![],
        rows_per_key: vec![],
        tallies: new_tallies(columns),
        hashes: vec![],
    };
    let h = hasher();
    let nf = layout.roles.len();
    // Each field's byte span in the line, reused from line to line.
    let mut spans: Vec<(usize, usize)> = Vec::with_capacity(nf);
    let mut col_hash = vec![0u64; columns.len()];
    let kinds: Vec<Kind> = columns.iter().map(|c| c.kind).collect();
    each_line(path, range, body, |line| {
        if line.is_empty() || line == b"\r" {
            return Err("a blank line".into());
        }
        let line = std::str::from_utf8(line).map_err(|_| "text that is not UTF-8")?;
        split(line, &mut spans);
        if spans.len() != nf {
            let n = spans.len();
            return Err(format!("a line with {n} fields, the header {nf}"));
        }
        let (k, new) = keys.of_row(&layout.roles, line, &spans)?;
        if new {
            for t in &mut part.tallies {
                t.ensure_keys(keys.keys.len());
            }
            part.rows_per_key.push(0);
        }
        part.rows_per_key[k as usize] += 1;
        for (f, &(a, b)) in spans.iter().enumerate() {
            for &c in &layout.roles[f].columns {
                let (t, v) = (&mut part.tallies[c], &line[a..b]);
                col_hash[c] = match kinds[c] {
                    Kind::NumberText => t.number_text(k, v),
                    // By the value, not its level id: each range numbers its
                    // levels in its own order.
                    _ => match t.text(k, v, true) {
                        MISSING_HASH => MISSING_HASH,
                        _ => h.hash_one(v),
                    },
                };
            }
        }
        let mut r = col_hash.iter().fold(ROW_SEED, |r, &hc| mix(r, hc));
        for &f in &layout.rest {
            let (a, b) = spans[f];
            r = mix(r, h.hash_one(&line[a..b]));
        }
        part.hashes.push(r);
        Ok(())
    })?;
    // A text column past its distinct values: `finish` says so when the
    // parts add up.
    part.keys = keys.keys;
    Ok(part)
}
