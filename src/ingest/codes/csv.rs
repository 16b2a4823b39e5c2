//! CSV: a file without quote characters has a record per line and a field
//! between each pair of commas, so it splits into byte ranges at line ends
//! (a line belongs to the range it starts in) and each key field is coded
//! through a map of the bytes it holds. Anything else — a quote, a line with
//! another number of fields than the header, a blank line, a header polars
//! would rename — goes to polars' reader, which knows CSV in full.
//!
//! Values come out as polars reads them: key columns as text (the general
//! path reads them as text too), an empty field as null, the label and
//! prediction cast from their text to the type polars infers, strictly, so
//! that a value polars' reader would refuse sends the file to that reader.
//! A numeric outcome (and its truth) is parsed in the same pass, only when it
//! is plain decimal notation (an integer for a column polars reads as one),
//! which polars' parser and this one both round correctly; anything else
//! (`NaN`, `inf`, a space) goes to polars. Its sums and sketch are then the
//! Parquet path's (`codes/values.rs`).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use std::borrow::Cow;

use arrow_buffer::NullBuffer;
use polars::prelude::{
    col, Column, DataFrame, DataType, Expr, IntoLazy, Schema, SortMultipleOptions, IDX_DTYPE,
};
use rayon::prelude::*;

use super::values::{self, Floats, Sums};
use super::{
    count_indexes, fits, sum_columns, Acc, ByBytes, Cells, KeyCol, Map, Plan, BATCH, DENSE,
    MAX_CELLS,
};
use crate::ingest::names::*;
use crate::spec::ValueSpec;

/// Bytes read per call.
const BLOCK: usize = 1 << 22;
/// Each task reads at least this many bytes (smaller files: fewer tasks).
const MIN_RANGE: u64 = 1 << 24;

/// Codes of one key column's values: 0 is the empty field (null).
struct Coder {
    ids: ByBytes,
    values: Vec<Option<Box<[u8]>>>,
}

impl Coder {
    fn new() -> Self {
        Coder {
            ids: ByBytes::default(),
            values: vec![None],
        }
    }

    #[inline]
    fn code(&mut self, b: &[u8]) -> u32 {
        if b.is_empty() {
            return 0;
        }
        if let Some(c) = self.ids.get(b) {
            return c;
        }
        let c = self.values.len() as u32;
        self.values.push(Some(b.into()));
        self.ids.insert(b, c);
        c
    }
}

/// A cell's key: each key field's bytes (`None`: empty).
type Bytes<'a> = Vec<Option<&'a [u8]>>;

/// The cells of one byte range (rows and numeric sums), keyed by the codes
/// of its coders, and the numeric outcome's sketch by attribute codes.
struct RangeCells {
    cells: Map<Vec<u32>, (u64, Sums)>,
    sketch: Map<(Vec<u32>, i32), u64>,
    coders: Vec<Coder>,
}

/// How a numeric field is written: what polars reads its column as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Num {
    Int,
    Float,
}

/// The numeric outcome's fields, and the keys its sketch needs.
#[derive(Clone, Debug)]
struct NumFields {
    /// Field and notation of the value, and of its truth.
    value: (usize, Num),
    truth: Option<(usize, Num)>,
    /// The first `attrs` keys are the protected attributes.
    attrs: usize,
    /// The label's and the prediction's key index (a row without either
    /// is left out of the sketch, as the general path's filter does).
    label: usize,
    pred: usize,
}

/// The group-by result of a CSV file (key columns and row counts, and with a
/// numeric outcome `value` its sums and sketch, as the general path gives
/// them) and how it was read; `Err` says why polars' reader must read it
/// instead. `schema` is polars' schema of the file; the first `attrs` keys
/// are the protected attributes.
pub fn aggregate(
    path: &Path,
    keys: &[KeyCol],
    schema: &Schema,
    value: Option<&ValueSpec>,
    attrs: usize,
) -> Result<(DataFrame, Option<DataFrame>, Plan), String> {
    let text = |e: std::io::Error| e.to_string();
    let mut file = File::open(path).map_err(text)?;
    let len = file.metadata().map_err(text)?.len();
    let (names, body) = header(&mut file)?;
    if !names
        .iter()
        .map(String::as_str)
        .eq(schema.iter_names().map(|n| n.as_str()))
    {
        return Err("the header is not the plain names polars reads".into());
    }
    // slots[f]: the keys read from field f.
    let mut slots: Vec<Vec<usize>> = vec![vec![]; names.len()];
    for (j, k) in keys.iter().enumerate() {
        let f = names
            .iter()
            .position(|n| *n == k.source)
            .ok_or_else(|| format!("no column '{}'", k.source))?;
        slots[f].push(j);
    }
    let num = value
        .map(|v| num_fields(v, &names, schema, keys, attrs))
        .transpose()?;
    let bounds = ranges(len, body);
    let parts = bounds.len();
    let ranges: Vec<Result<RangeCells, String>> = bounds
        .par_iter()
        .map(|&(start, end)| count_range(path, (start, end), body, &slots, keys.len(), &num))
        .collect();
    let ranges: Vec<RangeCells> = ranges.into_iter().collect::<Result<_, _>>()?;
    let mut total: Map<Bytes, (u64, Sums)> = Map::default();
    let mut sketch: Map<(Bytes, i32), u64> = Map::default();
    for r in &ranges {
        let bytes = |ids: &[u32]| -> Bytes {
            ids.iter()
                .zip(&r.coders)
                .map(|(&i, c)| c.values[i as usize].as_deref())
                .collect()
        };
        for (ids, (n, s)) in &r.cells {
            let t = total.entry(bytes(ids)).or_default();
            t.0 += n;
            t.1.add(s);
        }
        for ((ids, b), n) in &r.sketch {
            *sketch.entry((bytes(ids), *b)).or_default() += n;
        }
        if total.len() > MAX_CELLS {
            return Err(format!("more than {MAX_CELLS} cells"));
        }
    }
    let plan = Plan::Codes {
        what: "CSV fields",
        parts,
        unit: "byte range",
    };
    let truth = value.map(|v| v.truth.is_some());
    let sketch = match value {
        Some(_) => Some(sketch_frame(&keys[..attrs], sketch)?),
        None => None,
    };
    Ok((frame(keys, total, truth)?, sketch, plan))
}

/// Where the numeric outcome and its truth are, when polars reads them as
/// numbers; else why the file goes to polars.
fn num_fields(
    v: &ValueSpec,
    names: &[String],
    schema: &Schema,
    keys: &[KeyCol],
    attrs: usize,
) -> Result<NumFields, String> {
    let field = |c: &str| -> Result<(usize, Num), String> {
        let f = names
            .iter()
            .position(|n| n == c)
            .ok_or_else(|| format!("no column '{c}'"))?;
        match schema.get(c) {
            Some(t) if t.is_integer() => Ok((f, Num::Int)),
            Some(t) if t.is_float() => Ok((f, Num::Float)),
            t => Err(format!("column '{c}' is read as {t:?}")),
        }
    };
    let find = |name: &str| keys.iter().position(|k| k.name == name).ok_or("no label");
    Ok(NumFields {
        value: field(&v.column)?,
        truth: v.truth.as_deref().map(field).transpose()?,
        attrs,
        label: find(K_LABEL)?,
        pred: find(K_PRED)?,
    })
}

/// A numeric field as polars reads it: `None` when empty (null); `Err` when
/// it is not plain decimal notation (`-`, digits, for a float also one `.`
/// and an exponent), which leaves the file to polars.
#[inline]
fn number(b: &[u8], kind: Num) -> Result<Option<f64>, String> {
    if b.is_empty() {
        return Ok(None);
    }
    let bad = || {
        format!(
            "a numeric field polars parses its own way ({})",
            String::from_utf8_lossy(b)
        )
    };
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    let text = std::str::from_utf8(b).map_err(|_| bad())?;
    match kind {
        Num::Int => {
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return Err(bad());
            }
            text.parse::<i64>()
                .map(|v| Some(v as f64))
                .map_err(|_| bad())
        }
        Num::Float => {
            if !plain_float(digits) {
                return Err(bad());
            }
            text.parse::<f64>().map(Some).map_err(|_| bad())
        }
    }
}

/// `d*[.d*]` with at least one digit, then optionally `e[+-]d+`.
fn plain_float(b: &[u8]) -> bool {
    let (mant, exp) = match b.iter().position(|&c| c == b'e' || c == b'E') {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let mut dots = 0;
    let mut digits = 0;
    for &c in mant {
        match c {
            b'.' => dots += 1,
            c if c.is_ascii_digit() => digits += 1,
            _ => return false,
        }
    }
    let exp_ok = exp.is_none_or(|e| {
        let e = e
            .strip_prefix(b"+")
            .or_else(|| e.strip_prefix(b"-"))
            .unwrap_or(e);
        !e.is_empty() && e.iter().all(u8::is_ascii_digit)
    });
    dots <= 1 && digits > 0 && exp_ok
}

/// The header's names and the offset of the first record.
pub(super) fn header(file: &mut File) -> Result<(Vec<String>, u64), String> {
    let mut buf = vec![0u8; 1 << 20];
    let mut got = 0;
    loop {
        let n = file.read(&mut buf[got..]).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        got += n;
        if memchr::memchr(b'\n', &buf[..got]).is_some() || got == buf.len() {
            break;
        }
    }
    let end = memchr::memchr(b'\n', &buf[..got]).ok_or("no line end in the first MiB")?;
    let line = buf[..end].strip_suffix(b"\r").unwrap_or(&buf[..end]);
    if memchr::memchr(b'"', line).is_some() {
        return Err("quoted names".into());
    }
    let line = std::str::from_utf8(line).map_err(|_| "a header that is not UTF-8")?;
    Ok((
        line.split(',').map(str::to_string).collect(),
        end as u64 + 1,
    ))
}

/// Counts the lines that start in `[start, end)`.
fn count_range(
    path: &Path,
    range: (u64, u64),
    body: u64,
    slots: &[Vec<usize>],
    nkeys: usize,
    num: &Option<NumFields>,
) -> Result<RangeCells, String> {
    let mut batch = Batch {
        codes: vec![Vec::with_capacity(BATCH); nkeys],
        coders: (0..nkeys).map(|_| Coder::new()).collect(),
        out: Cells::default(),
        num: num.clone().map(|f| NumBatch::new(f, slots.len())),
    };
    // Each chunk of lines split at once, as the examination's counter does.
    let (mut spans, mut ends) = (vec![], vec![]);
    each_chunk(path, range, body, |chunk| {
        spans.clear();
        ends.clear();
        split_lines(chunk, &mut spans, &mut ends);
        let mut first = 0;
        for &end in &ends {
            batch.line(chunk, &spans[first..end as usize], slots)?;
            first = end as usize;
        }
        Ok(())
    })?;
    batch.flush()?;
    batch.spill();
    Ok(RangeCells {
        cells: batch.out.cells,
        sketch: batch.out.sketch,
        coders: batch.coders,
    })
}

/// The byte ranges a file's records (from `body` to `len`) split into:
/// at most four per thread, each at least [`MIN_RANGE`] bytes.
pub(super) fn ranges(len: u64, body: u64) -> Vec<(u64, u64)> {
    let threads = rayon::current_num_threads();
    let span = len - body;
    let parts = ((span / MIN_RANGE) as usize).clamp(1, 4 * threads);
    (0..parts as u64)
        .map(|i| {
            let at = |i: u64| body + span * i / parts as u64;
            (at(i), at(i + 1))
        })
        .collect()
}

/// Bytes of whole lines handed over at a time by `each_chunk`: a chunk's
/// field spans and text stay in the core's cache while its columns are
/// counted one after another.
const CHUNK: usize = 1 << 19;

/// Calls `f` with the lines that start in `[start, end)`, many at a time:
/// runs of whole lines of about `CHUNK` bytes (a longer line alone), each
/// line ended by its `\n` but the file's last, whose may be missing. A quote
/// anywhere in what is read is an error (the file goes to polars).
pub(super) fn each_chunk(
    path: &Path,
    (start, end): (u64, u64),
    body: u64,
    mut f: impl FnMut(&[u8]) -> Result<(), String>,
) -> Result<(), String> {
    let text = |e: std::io::Error| e.to_string();
    let mut file = File::open(path).map_err(text)?;
    // From one byte early, to see whether `start` begins a line.
    let mut at = if start > body { start - 1 } else { start };
    file.seek(SeekFrom::Start(at)).map_err(text)?;
    let mut skip = start > body;
    let mut buf: Vec<u8> = Vec::with_capacity(2 * BLOCK);
    loop {
        let old = buf.len();
        buf.resize(old + BLOCK, 0);
        let n = file.read(&mut buf[old..]).map_err(text)?;
        buf.truncate(old + n);
        let eof = n == 0;
        if memchr::memchr(b'"', &buf[old..]).is_some() {
            return Err("quoted fields".into());
        }
        let mut i = 0;
        if skip {
            match memchr::memchr(b'\n', &buf) {
                Some(j) => {
                    i = j + 1;
                    skip = false;
                }
                None if eof => break,
                None => continue,
            }
        }
        // `end`'s place in the buffer: the lines that start before it.
        let stop = (end - at).min(buf.len() as u64) as usize;
        while i < stop {
            let limit = (i + CHUNK).min(buf.len());
            let mut cut = match memchr::memrchr(b'\n', &buf[i..limit]) {
                Some(j) => i + j + 1,
                None => match memchr::memchr(b'\n', &buf[limit..]) {
                    Some(j) => limit + j + 1,
                    None if eof => buf.len(),
                    None => break,
                },
            };
            if cut > stop {
                // The line that holds `end - 1` is the last that starts
                // before `end`.
                cut = memchr::memchr(b'\n', &buf[stop - 1..]).map_or(buf.len(), |j| stop + j);
            }
            f(&buf[i..cut])?;
            i = cut;
        }
        if eof || at + i as u64 >= end {
            break;
        }
        buf.drain(..i);
        at += i as u64;
    }
    Ok(())
}

const COMMAS: u64 = u64::from_ne_bytes([b','; 8]);
const NEWLINES: u64 = u64::from_ne_bytes([b'\n'; 8]);

/// The top bit of each zero byte of `x`, and no other bit: a byte's low
/// seven bits plus 0x7f carry into its top bit unless they are all 0, and
/// no carry crosses into the next byte (so that the mask is exact, unlike
/// the shorter `(x - 0x01..) & !x` test).
#[inline]
fn zero_bytes(x: u64) -> u64 {
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    !(((x & LOW) + LOW) | x | LOW)
}

/// The field spans of a chunk's lines (offsets from the chunk's start; on
/// a line that holds a `\r`, each field without one trailing `\r`, as
/// polars drops it) into `spans`, and where each line's spans end into
/// `ends`. Commas and line ends are found 8 bytes at a time (`zero_bytes`):
/// no call per line, no byte-by-byte tail per line, no vector instructions
/// the baseline x86-64 target lacks.
pub(super) fn split_lines(bytes: &[u8], spans: &mut Vec<(u32, u32)>, ends: &mut Vec<u32>) {
    let cr = memchr::memchr(b'\r', bytes).is_some();
    let (mut from, mut line, mut first) = (0u32, 0usize, spans.len());
    let mut end_line =
        |spans: &mut Vec<(u32, u32)>, from: u32, to: u32, line: usize, first: usize| {
            spans.push((from, to));
            if cr && memchr::memchr(b'\r', &bytes[line..to as usize]).is_some() {
                for (a, b) in &mut spans[first..] {
                    if *b > *a && bytes[*b as usize - 1] == b'\r' {
                        *b -= 1;
                    }
                }
            }
            ends.push(spans.len() as u32);
        };
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0u32;
    for chunk in &mut chunks {
        let w = u64::from_le_bytes(chunk.try_into().expect("8 bytes"));
        let (commas, newlines) = (zero_bytes(w ^ COMMAS), zero_bytes(w ^ NEWLINES));
        let mut mask = commas | newlines;
        while mask != 0 {
            let bit = mask.trailing_zeros();
            let to = at + bit / 8;
            if newlines >> bit & 1 == 0 {
                spans.push((from, to));
            } else {
                end_line(spans, from, to, line, first);
                line = to as usize + 1;
                first = spans.len();
            }
            from = to + 1;
            mask &= mask - 1;
        }
        at += 8;
    }
    for &c in chunks.remainder() {
        if c == b',' {
            spans.push((from, at));
            from = at + 1;
        } else if c == b'\n' {
            end_line(spans, from, at, line, first);
            line = at as usize + 1;
            first = spans.len();
            from = at + 1;
        }
        at += 1;
    }
    // The file's last line, without its `\n`.
    if (line as u32) < at {
        end_line(spans, from, at, line, first);
    }
}

/// The codes of the rows of a batch, per key, and the cells so far.
struct Batch {
    codes: Vec<Vec<u32>>,
    coders: Vec<Coder>,
    out: Cells,
    num: Option<NumBatch>,
}

/// A numeric outcome's values of a batch, and its counts and sums by cell
/// index until a coder meets a new value (which changes the indexes).
struct NumBatch {
    fields: NumFields,
    /// Per field: 1 the value, 2 the truth (both: 3).
    role: Vec<u8>,
    x: Vec<f64>,
    x_ok: Vec<bool>,
    t: Vec<f64>,
    t_ok: Vec<bool>,
    acc: Option<Acc>,
}

impl NumBatch {
    fn new(fields: NumFields, nfields: usize) -> Self {
        let mut role = vec![0u8; nfields];
        role[fields.value.0] |= 1;
        if let Some((t, _)) = fields.truth {
            role[t] |= 2;
        }
        NumBatch {
            fields,
            role,
            x: Vec::with_capacity(BATCH),
            x_ok: Vec::with_capacity(BATCH),
            t: vec![],
            t_ok: vec![],
            acc: None,
        }
    }

    #[inline]
    fn field(&mut self, field: usize, f: &[u8]) -> Result<(), String> {
        let role = self.role[field];
        if role & 1 != 0 {
            let v = number(f, self.fields.value.1)?;
            self.x.push(v.unwrap_or(0.0));
            self.x_ok.push(v.is_some());
        }
        if let (true, Some((_, kind))) = (role & 2 != 0, self.fields.truth) {
            let v = number(f, kind)?;
            self.t.push(v.unwrap_or(0.0));
            self.t_ok.push(v.is_some());
        }
        Ok(())
    }
}

/// A batch's numbers with their nulls, as the Parquet path hands them over.
fn floats<'a>(v: &'a [f64], ok: &[bool]) -> Floats<'a> {
    let nulls = ok.contains(&false).then(|| NullBuffer::from(ok.to_vec()));
    (Cow::Borrowed(v), nulls)
}

impl Batch {
    /// Codes the key fields of one line (its fields: `spans` of `text`).
    #[inline]
    fn line(
        &mut self,
        text: &[u8],
        spans: &[(u32, u32)],
        slots: &[Vec<usize>],
    ) -> Result<(), String> {
        if let [(a, b)] = spans {
            if a == b {
                return Err("a blank line".into());
            }
        }
        if spans.len() > slots.len() {
            return Err(crate::ingest::scan::RAGGED.into());
        }
        if spans.len() != slots.len() {
            return Err("a line with fewer fields than the header".into());
        }
        for (field, (&(a, b), slot)) in spans.iter().zip(slots).enumerate() {
            let f = &text[a as usize..b as usize];
            for &j in slot {
                let c = self.coders[j].code(f);
                self.codes[j].push(c);
            }
            if let Some(num) = &mut self.num {
                num.field(field, f)?;
            }
        }
        if self.codes[0].len() == BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Counts the batch's rows into the cells.
    fn flush(&mut self) -> Result<(), String> {
        let rows = self.codes[0].len();
        if rows == 0 {
            return Ok(());
        }
        let mut idx = vec![0u32; rows];
        let mut strides = Vec::with_capacity(self.codes.len());
        let mut stride: u32 = 1;
        let mut attr_idx = vec![];
        let attrs = self.num.as_ref().map(|n| n.fields.attrs);
        for (j, (codes, coder)) in self.codes.iter().zip(&self.coders).enumerate() {
            if Some(j) == attrs {
                attr_idx.clone_from(&idx);
            }
            let card = coder.values.len();
            fits(stride, card)?;
            for (x, &c) in idx.iter_mut().zip(codes) {
                *x += c * stride;
            }
            strides.push((stride, card as u32));
            stride *= card as u32;
        }
        if Some(self.codes.len()) == attrs {
            attr_idx.clone_from(&idx);
        }
        if self.num.is_some() {
            self.flush_num(&idx, &attr_idx, &strides, stride)?;
        } else {
            for (cell, n) in count_indexes(&idx, stride) {
                let key: Vec<u32> = strides.iter().map(|&(s, card)| (cell / s) % card).collect();
                self.out.cells.entry(key).or_default().0 += n;
            }
        }
        if self.out.cells.len() > MAX_CELLS {
            return Err(format!("more than {MAX_CELLS} cells"));
        }
        for c in &mut self.codes {
            c.clear();
        }
        Ok(())
    }

    /// With a numeric outcome: adds the batch to the counts, sums and
    /// sketch by cell index (kept over batches while no coder grows).
    fn flush_num(
        &mut self,
        idx: &[u32],
        attr_idx: &[u32],
        strides: &[(u32, u32)],
        stride: u32,
    ) -> Result<(), String> {
        if stride > DENSE {
            return Err("too many cells for a numeric outcome's sums".into());
        }
        // Codes are the ids (a coder's codes never change, only grow).
        let maps: Vec<(u32, Vec<u32>)> = strides
            .iter()
            .map(|&(s, card)| (s, (0..card).collect()))
            .collect();
        if self
            .num
            .as_ref()
            .and_then(|n| n.acc.as_ref())
            .is_some_and(|a| a.maps != maps)
        {
            self.spill();
        }
        let num = self.num.as_mut().expect("a numeric outcome");
        let f = &num.fields;
        let attr_size = strides.get(f.attrs).map_or(stride, |&(s, _)| s);
        let acc = num
            .acc
            .get_or_insert_with(|| Acc::new(maps, stride, attr_size, true));
        for &i in idx {
            acc.n[i as usize] += 1;
        }
        // The sketch counts rows with a label and a prediction (code 0: empty).
        let (label, pred) = (&self.codes[f.label], &self.codes[f.pred]);
        let used: Option<Vec<bool>> = (label.contains(&0) || pred.contains(&0)).then(|| {
            label
                .iter()
                .zip(pred)
                .map(|(&l, &p)| l != 0 && p != 0)
                .collect()
        });
        let x = floats(&num.x, &num.x_ok);
        let truth = f.truth.map(|_| floats(&num.t, &num.t_ok));
        values::batch(
            &x,
            truth.as_ref(),
            idx,
            attr_idx,
            &mut acc.sums,
            used.as_deref(),
            &mut acc.sketch,
        );
        for v in [&mut num.x, &mut num.t] {
            v.clear();
        }
        for v in [&mut num.x_ok, &mut num.t_ok] {
            v.clear();
        }
        Ok(())
    }

    /// Moves the counts by cell index into the cells by codes.
    fn spill(&mut self) {
        if let Some(num) = &mut self.num {
            if let Some(acc) = num.acc.take() {
                acc.flush(&mut self.out, num.fields.attrs);
            }
        }
    }
}

/// The key columns of `cells`: text, cast strictly to the type polars
/// reads them as.
fn key_columns<T>(keys: &[KeyCol], cells: &[(Bytes, T)]) -> Result<Vec<Column>, String> {
    let mut cols: Vec<Column> = vec![];
    for (j, k) in keys.iter().enumerate() {
        let values: Vec<Option<&str>> = cells
            .iter()
            .map(|(key, _)| key[j].map(std::str::from_utf8).transpose())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("a value of '{}' that is not UTF-8", k.source))?;
        let mut col = Column::new(k.name.as_str().into(), values);
        if k.dtype != DataType::String {
            col = col
                .strict_cast(&k.dtype)
                .map_err(|_| format!("a value of '{}' that is not {}", k.source, k.dtype))?;
        }
        cols.push(col);
    }
    Ok(cols)
}

/// Cells whose key texts cast to one value ("1" and "01", "1.0" and "1")
/// summed into one group, as polars groups them; ordered by key, so that
/// sums over the cells are added in one order on every run.
fn regroup(df: DataFrame, by: &[&str]) -> Result<DataFrame, String> {
    let text = |e: polars::prelude::PolarsError| e.to_string();
    let sums: Vec<Expr> = df
        .get_column_names()
        .into_iter()
        .filter(|c| !by.contains(&c.as_str()))
        .map(|c| col(c.as_str()).sum())
        .collect();
    let keys: Vec<Expr> = by.iter().map(|&k| col(k)).collect();
    df.lazy()
        .group_by(keys.clone())
        .agg(sums)
        .sort_by_exprs(keys, SortMultipleOptions::default().with_nulls_last(false))
        .collect()
        .map_err(text)
}

/// The group-by result: key columns of their polars types, the row count,
/// and with a numeric outcome (`truth`: with its error) the sums the
/// general path computes.
fn frame(
    keys: &[KeyCol],
    total: Map<Bytes, (u64, Sums)>,
    value: Option<bool>,
) -> Result<DataFrame, String> {
    let text = |e: polars::prelude::PolarsError| e.to_string();
    let cells: Vec<(Bytes, (u64, Sums))> = total.into_iter().collect();
    let mut cols = key_columns(keys, &cells)?;
    cols.push(Column::new(
        A_N.into(),
        cells.iter().map(|(_, (n, _))| *n).collect::<Vec<u64>>(),
    ));
    if let Some(truth) = value {
        let sums: Vec<&Sums> = cells.iter().map(|(_, (_, s))| s).collect();
        cols.extend(sum_columns(&sums, truth));
    }
    let df = DataFrame::new(cells.len(), cols).map_err(text)?;
    let by: Vec<&str> = keys.iter().map(|k| k.name.as_str()).collect();
    let mut df = regroup(df, &by)?;
    let n = df
        .column(A_N)
        .map_err(text)?
        .cast(&IDX_DTYPE)
        .map_err(text)?;
    df.with_column(n).map_err(text)?;
    Ok(df)
}

/// The numeric outcome's sketch as the general path gives it: attribute key
/// columns, the bucket and the rows in it.
fn sketch_frame(attrs: &[KeyCol], sketch: Map<(Bytes, i32), u64>) -> Result<DataFrame, String> {
    let cells: Vec<(Bytes, (i32, u64))> =
        sketch.into_iter().map(|((k, b), n)| (k, (b, n))).collect();
    let mut cols = key_columns(attrs, &cells)?;
    cols.push(Column::new(
        K_VBIN.into(),
        cells.iter().map(|(_, (b, _))| *b).collect::<Vec<i32>>(),
    ));
    cols.push(Column::new(
        A_VW.into(),
        cells
            .iter()
            .map(|(_, (_, n))| *n as f64)
            .collect::<Vec<f64>>(),
    ));
    let df = DataFrame::new(cells.len(), cols).map_err(|e| e.to_string())?;
    let mut by: Vec<&str> = attrs.iter().map(|k| k.name.as_str()).collect();
    by.push(K_VBIN);
    regroup(df, &by)
}

#[cfg(test)]
mod tests {
    use super::split_lines;

    /// `split_lines` against `str::split` (lines at `\n`, fields at `,`,
    /// one trailing `\r` dropped from each field): single lines of every
    /// length up to two 64-byte spans, and chunks of many lines with and
    /// without a last line end, with commas, `\r` and multibyte text
    /// anywhere.
    #[test]
    fn split_lines_is_str_split_without_one_trailing_cr() {
        let mut r: u64 = 11;
        let (mut spans, mut ends) = (vec![], vec![]);
        for round in 0..23_000 {
            r = r
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            // One line (as the audit splits them), then chunks.
            let (n, alphabet) = match round < 20_000 {
                true => ((r >> 57) as usize, 8),
                false => ((r >> 54) as usize, 10),
            };
            let mut chunk: String = (0..n)
                .map(|i| {
                    let x = r.rotate_left(i as u32 * 5) % alphabet;
                    [',', '\r', 'a', 'b', 'é', ',', 'c', '1', '\n', 'd'][x as usize]
                })
                .collect();
            // Most chunks end with a line end; some (the file's last) not.
            if round >= 20_000 && r & 3 != 0 {
                chunk.push('\n');
            }
            spans.clear();
            ends.clear();
            split_lines(chunk.as_bytes(), &mut spans, &mut ends);
            let lines = chunk.strip_suffix('\n').unwrap_or(&chunk);
            // An empty chunk has no line (the audit refuses a blank line
            // before splitting it).
            let lines: Vec<&str> = match chunk.is_empty() {
                true => vec![],
                false => lines.split('\n').collect(),
            };
            assert_eq!(ends.len(), lines.len(), "{chunk:?}");
            let mut first = 0;
            for (line, &e) in lines.iter().zip(&ends) {
                let got: Vec<&str> = spans[first..e as usize]
                    .iter()
                    .map(|&(a, b)| &chunk[a as usize..b as usize])
                    .collect();
                let want: Vec<&str> = line
                    .split(',')
                    .map(|f| f.strip_suffix('\r').unwrap_or(f))
                    .collect();
                assert_eq!(got, want, "{line:?} in {chunk:?}");
                first = e as usize;
            }
        }
    }
}
