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

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use foldhash::fast::RandomState;
use polars::prelude::{col, Column, DataFrame, DataType, Expr, IntoLazy, Schema, IDX_DTYPE};
use rayon::prelude::*;

use super::{count_indexes, fits, KeyCol, Map, Plan, BATCH, MAX_CELLS};
use crate::ingest::names::A_N;

/// Bytes read per call.
const BLOCK: usize = 1 << 22;
/// Each task reads at least this many bytes (smaller files: fewer tasks).
const MIN_RANGE: u64 = 1 << 24;

/// Codes of one key column's values: 0 is the empty field (null).
struct Coder {
    ids: HashMap<Box<[u8]>, u32, RandomState>,
    values: Vec<Option<Box<[u8]>>>,
}

impl Coder {
    fn new() -> Self {
        Coder {
            ids: HashMap::default(),
            values: vec![None],
        }
    }

    #[inline]
    fn code(&mut self, b: &[u8]) -> u32 {
        if b.is_empty() {
            return 0;
        }
        if let Some(&c) = self.ids.get(b) {
            return c;
        }
        let c = self.values.len() as u32;
        self.values.push(Some(b.into()));
        self.ids.insert(b.into(), c);
        c
    }
}

/// The cells of one byte range, keyed by the codes of its coders.
struct RangeCells {
    cells: Map<Vec<u32>, u64>,
    coders: Vec<Coder>,
}

/// The group-by result of a CSV file (key columns and row counts, as the
/// general path gives it) and how it was read; `Err` says why polars'
/// reader must read it instead. `schema` is polars' schema of the file.
pub fn aggregate(
    path: &Path,
    keys: &[KeyCol],
    schema: &Schema,
) -> Result<(DataFrame, Plan), String> {
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
    let threads = rayon::current_num_threads();
    let parts = (((len - body) / MIN_RANGE) as usize).clamp(1, 4 * threads);
    let span = len - body;
    let bounds: Vec<(u64, u64)> = (0..parts as u64)
        .map(|i| {
            let at = |i: u64| body + span * i / parts as u64;
            (at(i), at(i + 1))
        })
        .collect();
    let ranges: Vec<Result<RangeCells, String>> = bounds
        .par_iter()
        .map(|&(start, end)| count_range(path, start, end, body, &slots, keys.len()))
        .collect();
    let ranges: Vec<RangeCells> = ranges.into_iter().collect::<Result<_, _>>()?;
    let mut total: Map<Vec<Option<&[u8]>>, u64> = Map::default();
    for r in &ranges {
        for (ids, n) in &r.cells {
            let key = ids
                .iter()
                .zip(&r.coders)
                .map(|(&i, c)| c.values[i as usize].as_deref())
                .collect();
            *total.entry(key).or_default() += n;
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
    Ok((frame(keys, total)?, plan))
}

/// The header's names and the offset of the first record.
fn header(file: &mut File) -> Result<(Vec<String>, u64), String> {
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
    start: u64,
    end: u64,
    body: u64,
    slots: &[Vec<usize>],
    nkeys: usize,
) -> Result<RangeCells, String> {
    let text = |e: std::io::Error| e.to_string();
    let mut file = File::open(path).map_err(text)?;
    // From one byte early, to see whether `start` begins a line.
    let mut at = if start > body { start - 1 } else { start };
    file.seek(SeekFrom::Start(at)).map_err(text)?;
    let mut skip = start > body;
    let mut buf: Vec<u8> = Vec::with_capacity(2 * BLOCK);
    let mut batch = Batch {
        codes: vec![Vec::with_capacity(BATCH); nkeys],
        coders: (0..nkeys).map(|_| Coder::new()).collect(),
        cells: Map::default(),
    };
    let mut eof = false;
    while !eof {
        let old = buf.len();
        buf.resize(old + BLOCK, 0);
        let n = file.read(&mut buf[old..]).map_err(text)?;
        buf.truncate(old + n);
        eof = n == 0;
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
        while at + (i as u64) < end {
            match memchr::memchr(b'\n', &buf[i..]) {
                Some(j) => {
                    batch.line(&buf[i..i + j], slots)?;
                    i += j + 1;
                }
                None if eof && i < buf.len() => {
                    batch.line(&buf[i..], slots)?;
                    i = buf.len();
                }
                None => break,
            }
        }
        if at + (i as u64) >= end {
            break;
        }
        buf.drain(..i);
        at += i as u64;
    }
    batch.flush()?;
    Ok(RangeCells {
        cells: batch.cells,
        coders: batch.coders,
    })
}

/// The codes of the rows of a batch, per key, and the cells so far.
struct Batch {
    codes: Vec<Vec<u32>>,
    coders: Vec<Coder>,
    cells: Map<Vec<u32>, u64>,
}

impl Batch {
    /// Codes the key fields of one line.
    #[inline]
    fn line(&mut self, line: &[u8], slots: &[Vec<usize>]) -> Result<(), String> {
        if line.is_empty() || line == b"\r" {
            return Err("a blank line".into());
        }
        let mut field = 0;
        let mut from = 0;
        for comma in memchr::memchr_iter(b',', line).chain(std::iter::once(line.len())) {
            let slot = slots.get(field).ok_or(crate::ingest::scan::RAGGED)?;
            // polars drops one trailing \r of every field it reads.
            let f = &line[from..comma];
            let f = f.strip_suffix(b"\r").unwrap_or(f);
            for &j in slot {
                let c = self.coders[j].code(f);
                self.codes[j].push(c);
            }
            field += 1;
            from = comma + 1;
        }
        if field != slots.len() {
            return Err("a line with fewer fields than the header".into());
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
        for (codes, coder) in self.codes.iter().zip(&self.coders) {
            let card = coder.values.len();
            fits(stride, card)?;
            for (x, &c) in idx.iter_mut().zip(codes) {
                *x += c * stride;
            }
            strides.push((stride, card as u32));
            stride *= card as u32;
        }
        for (cell, n) in count_indexes(&idx, stride) {
            let key: Vec<u32> = strides.iter().map(|&(s, card)| (cell / s) % card).collect();
            *self.cells.entry(key).or_default() += n;
        }
        if self.cells.len() > MAX_CELLS {
            return Err(format!("more than {MAX_CELLS} cells"));
        }
        for c in &mut self.codes {
            c.clear();
        }
        Ok(())
    }
}

/// The group-by result: key columns as text, cast strictly to the type
/// polars reads them as, and the row count. Texts that cast to one value
/// ("1" and "01", "1.0" and "1") are one group, as polars groups them.
fn frame(keys: &[KeyCol], total: Map<Vec<Option<&[u8]>>, u64>) -> Result<DataFrame, String> {
    let text = |e: polars::prelude::PolarsError| e.to_string();
    let cells: Vec<(Vec<Option<&[u8]>>, u64)> = total.into_iter().collect();
    let height = cells.len();
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
    cols.push(Column::new(
        A_N.into(),
        cells.iter().map(|(_, n)| *n).collect::<Vec<u64>>(),
    ));
    let df = DataFrame::new(height, cols).map_err(text)?;
    let by: Vec<Expr> = keys.iter().map(|k| col(k.name.as_str())).collect();
    let mut df = df
        .lazy()
        .group_by(by)
        .agg([col(A_N).sum()])
        .collect()
        .map_err(text)?;
    let n = df
        .column(A_N)
        .map_err(text)?
        .cast(&IDX_DTYPE)
        .map_err(text)?;
    df.with_column(n).map_err(text)?;
    Ok(df)
}
