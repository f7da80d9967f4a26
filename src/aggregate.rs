//! Event rows in, a tidy long panel out: one row per group (any event columns) and
//! period (day, ISO week, month, quarter or year), with event counts, Goldstein sums
//! and means, quad-class counts and, optionally, root-code counts.
//!
//! Input is read as a stream of CSV or TSV rows (the columns `dyad code` writes, see
//! `docs/columns.md`); memory grows with the number of groups times periods, never with
//! the number of events.
//!
//! ```
//! use dyad::aggregate::{Aggregator, Period, Spec};
//!
//! let events = "date,source,target,code\n\
//!               2024-03-04,RUS,UKR,190\n\
//!               2024-03-20,RUS,UKR,036\n";
//! let mut agg = Aggregator::new(Spec::new(Period::Month, &["source", "target"])).unwrap();
//! agg.read(events.as_bytes(), b',', |_| {}).unwrap();
//! let mut out = Vec::new();
//! agg.write(&mut out).unwrap();
//! let out = String::from_utf8(out).unwrap();
//! assert_eq!(
//!     out.lines().nth(1),
//!     Some("RUS,UKR,2024-03-01,2,-6.000,-3.000,1,0,0,1")
//! );
//! ```

use crate::cameo;
use crate::date::Date;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::str::FromStr;

/// The time unit of a panel. Each period is written as the ISO date of its first day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Period {
    /// Calendar days.
    Day,
    /// ISO weeks, Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
    /// Quarters starting January, April, July and October 1.
    Quarter,
    /// Calendar years.
    Year,
}

impl Period {
    /// The first day of the period that holds `d`.
    pub fn start(self, d: Date) -> Date {
        let (y, m, _) = d.ymd();
        let first = |y, m| Date::from_ymd(y, m, 1).expect("the first of a month exists");
        match self {
            Period::Day => d,
            Period::Week => d.add_days(-(d.weekday() as i32)),
            Period::Month => first(y, m),
            Period::Quarter => first(y, (m - 1) / 3 * 3 + 1),
            Period::Year => first(y, 1),
        }
    }

    /// The first day of the period after the one starting on `start` (which must be a
    /// period start, as returned by [`Period::start`]).
    pub fn next(self, start: Date) -> Date {
        let months = match self {
            Period::Day => return start.add_days(1),
            Period::Week => return start.add_days(7),
            Period::Month => 1,
            Period::Quarter => 3,
            Period::Year => 12,
        };
        let (y, m, _) = start.ymd();
        let m0 = (m - 1) + months;
        Date::from_ymd(y + (m0 / 12) as i32, m0 % 12 + 1, 1).expect("the first of a month exists")
    }

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
            Period::Quarter => "quarter",
            Period::Year => "year",
        }
    }
}

impl FromStr for Period {
    type Err = Error;

    fn from_str(s: &str) -> Result<Period, Error> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "day" => Period::Day,
            "week" => Period::Week,
            "month" => Period::Month,
            "quarter" => Period::Quarter,
            "year" => Period::Year,
            _ => {
                return Err(Error::Spec(format!(
                    "unknown period {s:?}: use day, week, month, quarter or year"
                )))
            }
        })
    }
}

/// A set of small code numbers: root codes 1..=20 or quad classes 1..=4.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CodeSet(u32);

impl CodeSet {
    /// Parses a comma-separated list of numbers and ranges (`14,18-20`) between 1 and
    /// `max`; leading zeros are allowed (`01-05`). `what` names the set in messages.
    pub fn parse(s: &str, max: u8, what: &str) -> Result<CodeSet, Error> {
        let bad = |detail: String| Error::Spec(format!("{what} {s:?}: {detail}"));
        let num = |t: &str| -> Result<u8, Error> {
            let t = t.trim();
            match t.parse::<u8>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(bad(format!("{t:?} is not a number from 1 to {max}"))),
            }
        };
        let mut bits = 0u32;
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            let (lo, hi) = match part.split_once('-') {
                Some((a, b)) => (num(a)?, num(b)?),
                None => {
                    let n = num(part)?;
                    (n, n)
                }
            };
            if lo > hi {
                return Err(bad(format!("range {part:?} runs backwards")));
            }
            for n in lo..=hi {
                bits |= 1 << n;
            }
        }
        if bits == 0 {
            return Err(bad("empty list".into()));
        }
        Ok(CodeSet(bits))
    }

    /// Whether `n` is in the set.
    pub fn contains(self, n: u8) -> bool {
        n < 32 && self.0 & (1 << n) != 0
    }
}

/// Which events are counted. Every condition must hold.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Keep only these root codes (1..=20).
    pub roots: Option<CodeSet>,
    /// Keep only these quad classes (1..=4).
    pub quads: Option<CodeSet>,
    /// Keep events whose `source`, `target`, `source_country` or `target_country`
    /// starts with one of these codes; empty keeps every event.
    pub actors: Vec<String>,
    /// Keep events on or after this date.
    pub from: Option<Date>,
    /// Keep events on or before this date.
    pub to: Option<Date>,
}

/// What to aggregate and how.
#[derive(Clone, Debug)]
pub struct Spec {
    /// The time unit.
    pub period: Period,
    /// Event columns that define a group (`source_country,target_country`); empty for
    /// one series of all events.
    pub by: Vec<String>,
    /// With two `by` columns, merge A-B and B-A: each pair is written in sorted order.
    pub undirected: bool,
    /// Write the balanced panel: every group seen times every period in range, with
    /// zero rows for periods without events.
    pub fill_zero: bool,
    /// Add the twenty root-code counts `root01`..`root20`.
    pub roots: bool,
    /// Which events are counted.
    pub filter: Filter,
}

impl Spec {
    /// A spec with the given period and group columns, and no options.
    pub fn new(period: Period, by: &[&str]) -> Spec {
        Spec {
            period,
            by: by.iter().map(|s| s.to_string()).collect(),
            undirected: false,
            fill_zero: false,
            roots: false,
            filter: Filter::default(),
        }
    }
}

/// The count columns of a panel, after the group columns and `period`.
pub const COUNT_COLUMNS: &[&str] = &[
    "events",
    "goldstein_sum",
    "goldstein_mean",
    "verbal_coop",
    "material_coop",
    "verbal_conflict",
    "material_conflict",
];

/// Decimal places of `goldstein_sum` and `goldstein_mean`.
pub const GOLDSTEIN_DECIMALS: usize = 3;

/// Errors that stop an aggregation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec or the input's header cannot work.
    #[error("{0}")]
    Spec(String),
    /// Reading or writing failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Why a row was not counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkipReason {
    /// The `date` field is not a date.
    BadDate,
    /// The row has fewer fields than the header.
    MissingColumn,
    /// A `goldstein`, `quad_class` or `root_code` field holds something else.
    BadValue,
    /// The event code is not in the CAMEO ontology, so its Goldstein value or quad
    /// class is unknown.
    UnknownCode,
    /// A field that is needed is not valid UTF-8.
    NotUtf8,
}

impl SkipReason {
    /// A short name for summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::BadDate => "bad-date",
            SkipReason::MissingColumn => "missing-column",
            SkipReason::BadValue => "bad-value",
            SkipReason::UnknownCode => "unknown-code",
            SkipReason::NotUtf8 => "not-utf8",
        }
    }
}

/// A row that was not counted.
#[derive(Clone, Debug)]
pub struct Skipped {
    /// One-based line of the input where the row starts.
    pub line: u64,
    /// Why.
    pub reason: SkipReason,
    /// What was wrong, for people.
    pub detail: String,
}

/// Row counts of a read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Data rows read.
    pub rows: u64,
    /// Rows counted into the panel.
    pub counted: u64,
    /// Rows left out by the filters.
    pub filtered: u64,
    /// Rows not counted because they were malformed.
    pub skipped: u64,
}

impl Stats {
    fn add(&mut self, o: Stats) {
        self.rows += o.rows;
        self.counted += o.counted;
        self.filtered += o.filtered;
        self.skipped += o.skipped;
    }
}

/// Positions of the columns one input uses.
struct Columns {
    date: usize,
    by: Vec<usize>,
    goldstein: Option<usize>,
    code: Option<usize>,
    root: Option<usize>,
    quad: Option<usize>,
    actors: Vec<usize>,
    /// All of these positions, sorted: a row shorter than the last lacks a needed field.
    needed: Vec<usize>,
}

/// A fast hasher for the aggregation's own keys (group bytes, group-period numbers),
/// in the manner of rustc's FxHash.
#[derive(Default, Clone, Copy)]
struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.write_u64(u64::from_le_bytes(c.try_into().unwrap()));
        }
        let mut last = [0u8; 8];
        let rest = chunks.remainder();
        last[..rest.len()].copy_from_slice(rest);
        self.write_u64(u64::from_le_bytes(last) ^ rest.len() as u64);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type KeyMap<K> = HashMap<K, u32, std::hash::BuildHasherDefault<KeyHasher>>;

/// Counts kept per cell, after `events`: the four quad classes, then (with `roots`)
/// the twenty root codes.
const QUADS: usize = 4;
const ROOTS: usize = 20;

/// Accumulates events into group-period cells, then writes the panel.
pub struct Aggregator {
    spec: Spec,
    /// Group key (length-prefixed values) to group number.
    index: KeyMap<Box<[u8]>>,
    /// Group values, by group number.
    groups: Vec<Box<[Box<str>]>>,
    /// Group number and period start (as `group << 32 | day`) to cell number.
    slots: KeyMap<u64>,
    /// Counts of each cell, `stride` numbers a cell: events, quads, roots.
    counts: Vec<u64>,
    /// Goldstein sum of each cell.
    goldstein: Vec<f64>,
    stride: usize,
    first: Option<Date>,
    last: Option<Date>,
    stats: Stats,
    key: Vec<u8>,
}

fn field(rec: &csv::ByteRecord, i: usize) -> &[u8] {
    rec.get(i).unwrap_or_default()
}

fn text<'a>(
    rec: &'a csv::ByteRecord,
    i: usize,
    name: &str,
) -> Result<&'a str, (SkipReason, String)> {
    std::str::from_utf8(field(rec, i))
        .map_err(|_| (SkipReason::NotUtf8, format!("`{name}` is not valid UTF-8")))
}

impl Aggregator {
    /// Checks the spec and starts an empty aggregation.
    pub fn new(spec: Spec) -> Result<Aggregator, Error> {
        for (i, c) in spec.by.iter().enumerate() {
            if c.is_empty() {
                return Err(Error::Spec("empty column name in --by".into()));
            }
            if spec.by[..i].contains(c) {
                return Err(Error::Spec(format!("column {c:?} is named twice in --by")));
            }
        }
        if spec.undirected && spec.by.len() != 2 {
            return Err(Error::Spec(format!(
                "--undirected needs exactly two --by columns (such as source_country,target_country), not {}",
                spec.by.len()
            )));
        }
        if let (Some(f), Some(t)) = (spec.filter.from, spec.filter.to) {
            if f > t {
                return Err(Error::Spec(format!("--from {f} is after --to {t}")));
            }
        }
        let roots = spec.roots;
        Ok(Aggregator {
            spec,
            index: KeyMap::default(),
            groups: Vec::new(),
            slots: KeyMap::default(),
            counts: Vec::new(),
            goldstein: Vec::new(),
            stride: 1 + QUADS + if roots { ROOTS } else { 0 },
            first: None,
            last: None,
            stats: Stats::default(),
            key: Vec::new(),
        })
    }

    /// The spec.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// Row counts of everything read so far.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Number of groups seen.
    pub fn groups(&self) -> usize {
        self.groups.len()
    }

    /// Number of group-period cells with at least one event.
    pub fn cells(&self) -> usize {
        self.slots.len()
    }

    fn resolve(&self, header: &csv::ByteRecord) -> Result<Columns, Error> {
        let names: Vec<String> = header
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let h = String::from_utf8_lossy(h);
                let h = if i == 0 {
                    h.trim_start_matches('\u{feff}')
                } else {
                    &h
                };
                h.trim().to_string()
            })
            .collect();
        let find = |n: &str| names.iter().position(|h| h == n);
        let listing = || {
            let mut s = names
                .iter()
                .take(30)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if names.len() > 30 {
                s.push_str(", ...");
            }
            s
        };
        if names.first().is_some_and(|h| h.starts_with('{')) {
            return Err(Error::Spec(
                "this looks like JSON Lines; aggregate reads the CSV or TSV that `dyad code` writes by default".into(),
            ));
        }
        let need = |n: &str, why: &str| {
            find(n).ok_or_else(|| {
                Error::Spec(format!(
                    "no `{n}` column{why}; the header has: {}",
                    listing()
                ))
            })
        };
        let date = need(
            "date",
            " (aggregate reads the columns `dyad code` writes, with their header)",
        )?;
        let by = self
            .spec
            .by
            .iter()
            .map(|c| need(c, " (named in --by)"))
            .collect::<Result<Vec<_>, _>>()?;
        let code = find("code");
        let goldstein = find("goldstein");
        let root = find("root_code");
        let quad = find("quad_class");
        if goldstein.is_none() && code.is_none() {
            return Err(Error::Spec(format!(
                "no `goldstein` or `code` column; the header has: {}",
                listing()
            )));
        }
        if quad.is_none() && root.is_none() && code.is_none() {
            return Err(Error::Spec(format!(
                "no `quad_class`, `root_code` or `code` column; the header has: {}",
                listing()
            )));
        }
        if (self.spec.roots || self.spec.filter.roots.is_some()) && root.is_none() && code.is_none()
        {
            return Err(Error::Spec(format!(
                "root codes need a `root_code` or `code` column; the header has: {}",
                listing()
            )));
        }
        let actors: Vec<usize> = if self.spec.filter.actors.is_empty() {
            Vec::new()
        } else {
            let a: Vec<usize> = ["source", "target", "source_country", "target_country"]
                .iter()
                .filter_map(|n| find(n))
                .collect();
            if a.is_empty() {
                return Err(Error::Spec(format!(
                    "--actor needs a `source`, `target`, `source_country` or `target_country` column; the header has: {}",
                    listing()
                )));
            }
            a
        };
        let mut needed: Vec<usize> = [Some(date), goldstein, code, root, quad]
            .into_iter()
            .flatten()
            .chain(by.iter().copied())
            .chain(actors.iter().copied())
            .collect();
        needed.sort_unstable();
        Ok(Columns {
            date,
            by,
            goldstein,
            code,
            root,
            quad,
            actors,
            needed,
        })
    }

    /// Reads one CSV (`delimiter` `b','`) or TSV (`b'\t'`) input with a header row,
    /// counting each row. Malformed rows are passed to `on_skip` and left out; a missing
    /// required column in the header or a read error stops the read.
    pub fn read<R: Read>(
        &mut self,
        input: R,
        delimiter: u8,
        mut on_skip: impl FnMut(&Skipped),
    ) -> Result<Stats, Error> {
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(true)
            .flexible(true)
            .buffer_capacity(1 << 20)
            .from_reader(input);
        let header = rdr.byte_headers().map_err(csv_error)?.clone();
        if header.is_empty() {
            return Err(Error::Spec("empty input: no header row".into()));
        }
        let cols = self.resolve(&header)?;
        let mut stats = Stats::default();
        let mut rec = csv::ByteRecord::new();
        while rdr.read_byte_record(&mut rec).map_err(csv_error)? {
            stats.rows += 1;
            match self.add(&cols, &rec, &header) {
                Ok(true) => stats.counted += 1,
                Ok(false) => stats.filtered += 1,
                Err((reason, detail)) => {
                    stats.skipped += 1;
                    let line = rec.position().map(|p| p.line()).unwrap_or(0);
                    on_skip(&Skipped {
                        line,
                        reason,
                        detail,
                    });
                }
            }
        }
        self.stats.add(stats);
        Ok(stats)
    }

    /// Counts one row; `Ok(false)` when a filter leaves it out.
    fn add(
        &mut self,
        cols: &Columns,
        rec: &csv::ByteRecord,
        header: &csv::ByteRecord,
    ) -> Result<bool, (SkipReason, String)> {
        if cols.needed.last().is_some_and(|&l| rec.len() <= l) {
            let missing = cols.needed.iter().find(|&&i| i >= rec.len()).copied();
            let name =
                String::from_utf8_lossy(missing.and_then(|i| header.get(i)).unwrap_or_default());
            return Err((
                SkipReason::MissingColumn,
                format!(
                    "the row has {} fields, the header {}: no `{name}`",
                    rec.len(),
                    header.len()
                ),
            ));
        }
        let f = &self.spec.filter;
        // Date and the date filter.
        let d = text(rec, cols.date, "date")?;
        let date = Date::parse_any(d).ok_or_else(|| {
            (
                SkipReason::BadDate,
                format!("bad date {d:?} (want YYYY-MM-DD)"),
            )
        })?;
        if f.from.is_some_and(|from| date < from) || f.to.is_some_and(|to| date > to) {
            return Ok(false);
        }
        // The event code and what follows from it.
        let code = match cols.code {
            Some(i) => text(rec, i, "code")?.trim(),
            None => "",
        };
        let info = || {
            cameo::lookup_nearest(code).ok_or_else(|| {
                (
                    SkipReason::UnknownCode,
                    format!("event code {code:?} is not in the CAMEO ontology"),
                )
            })
        };
        let small = |i: usize, name: &str, max: u8| -> Result<Option<u8>, (SkipReason, String)> {
            let t = text(rec, i, name)?.trim();
            if t.is_empty() {
                return Ok(None);
            }
            match t.parse::<u8>() {
                Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
                _ => Err((SkipReason::BadValue, format!("bad {name} {t:?}"))),
            }
        };
        let need_root = self.spec.roots || f.roots.is_some();
        let mut root = match cols.root {
            Some(i) => small(i, "root_code", 20)?,
            None => None,
        };
        if root.is_none() && (need_root || cols.quad.is_none()) && !code.is_empty() {
            root = Some(info()?.root().parse::<u8>().unwrap_or(0)).filter(|&r| r > 0);
        }
        let quad = match cols
            .quad
            .map(|i| small(i, "quad_class", 4))
            .transpose()?
            .flatten()
        {
            Some(q) => q,
            None => match root {
                Some(r) => cameo::quad_class_of_root(
                    std::str::from_utf8(&[b'0' + r / 10, b'0' + r % 10]).unwrap_or(""),
                ),
                None => info()?.quad_class(),
            },
        };
        if quad == 0 {
            return Err(info().err().unwrap_or((
                SkipReason::UnknownCode,
                format!("no quad class for event code {code:?}"),
            )));
        }
        if need_root && root.is_none() {
            return Err((SkipReason::UnknownCode, "no root code".into()));
        }
        if let Some(set) = f.roots {
            if !root.is_some_and(|r| set.contains(r)) {
                return Ok(false);
            }
        }
        if let Some(set) = f.quads {
            if !set.contains(quad) {
                return Ok(false);
            }
        }
        if !f.actors.is_empty() {
            let mut hit = false;
            for &i in &cols.actors {
                let v = field(rec, i);
                if f.actors.iter().any(|a| v.starts_with(a.as_bytes())) {
                    hit = true;
                    break;
                }
            }
            if !hit {
                return Ok(false);
            }
        }
        let goldstein = match cols
            .goldstein
            .map(|i| text(rec, i, "goldstein"))
            .transpose()?
        {
            Some(g) if !g.trim().is_empty() => match g.trim().parse::<f64>() {
                Ok(v) if v.is_finite() => v,
                _ => return Err((SkipReason::BadValue, format!("bad goldstein {g:?}"))),
            },
            _ => info()?.goldstein,
        };
        // The group.
        let mut vals: [&[u8]; 2] = [b"", b""];
        self.key.clear();
        for (k, &i) in cols.by.iter().enumerate() {
            let v = text(rec, i, &self.spec.by[k])?.as_bytes();
            if self.spec.undirected {
                vals[k] = v;
            } else {
                push_key(&mut self.key, v);
            }
        }
        if self.spec.undirected {
            if vals[0] > vals[1] {
                vals.swap(0, 1);
            }
            push_key(&mut self.key, vals[0]);
            push_key(&mut self.key, vals[1]);
        }
        let g = match self.index.get(self.key.as_slice()) {
            Some(&g) => g as usize,
            None => {
                let g = self.groups.len();
                let values: Vec<Box<str>> = split_key(&self.key).collect();
                self.groups.push(values.into_boxed_slice());
                self.index
                    .insert(self.key.clone().into_boxed_slice(), g as u32);
                g
            }
        };
        // The cell.
        let p = self.spec.period.start(date);
        self.first = Some(self.first.map_or(p, |x| x.min(p)));
        self.last = Some(self.last.map_or(p, |x| x.max(p)));
        let slot = (g as u64) << 32 | p.day_number() as u32 as u64;
        let stride = self.stride;
        let next = self.goldstein.len() as u32;
        let c = *self.slots.entry(slot).or_insert(next) as usize;
        if c == next as usize {
            self.goldstein.push(0.0);
            self.counts.resize(self.counts.len() + stride, 0);
        }
        let counts = &mut self.counts[c * stride..(c + 1) * stride];
        counts[0] += 1;
        counts[quad as usize] += 1;
        if let (Some(r), true) = (root, stride > 1 + QUADS) {
            counts[QUADS + r as usize] += 1;
        }
        self.goldstein[c] += goldstein;
        Ok(true)
    }

    /// The header of the panel.
    pub fn header(&self) -> Vec<String> {
        let mut h: Vec<String> = self.spec.by.clone();
        h.push("period".into());
        h.extend(COUNT_COLUMNS.iter().map(|s| s.to_string()));
        if self.spec.roots {
            h.extend((1..=20).map(|r| format!("root{r:02}")));
        }
        h
    }

    /// The periods the panel covers: from the `from` bound (else the first period with
    /// an event) to the `to` bound (else the last).
    pub fn range(&self) -> Option<(Date, Date)> {
        let p = self.spec.period;
        let lo = self.spec.filter.from.map(|d| p.start(d)).or(self.first)?;
        let hi = self.spec.filter.to.map(|d| p.start(d)).or(self.last)?;
        Some((lo, hi))
    }

    /// Writes the panel as CSV with a header, sorted by group then period, and returns
    /// the number of rows written.
    pub fn write<W: Write>(&self, mut out: W) -> io::Result<u64> {
        let mut line: Vec<u8> = Vec::with_capacity(256);
        for (i, h) in self.header().iter().enumerate() {
            if i > 0 {
                line.push(b',');
            }
            push_csv(&mut line, h);
        }
        line.push(b'\n');
        out.write_all(&line)?;
        // Groups in sorted order, and every cell as (group rank, period, cell).
        let mut order: Vec<u32> = (0..self.groups.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| self.groups[a as usize].cmp(&self.groups[b as usize]));
        let mut rank = vec![0u32; order.len()];
        for (r, &g) in order.iter().enumerate() {
            rank[g as usize] = r as u32;
        }
        let mut cells: Vec<(u32, i32, u32)> = self
            .slots
            .iter()
            .map(|(&k, &c)| (rank[(k >> 32) as usize], k as u32 as i32, c))
            .collect();
        cells.sort_unstable();
        let zero = vec![0u64; self.stride];
        let epoch = Date::from_ymd(1970, 1, 1).expect("a date");
        let range = self.range().filter(|_| self.spec.fill_zero);
        let mut rows = 0u64;
        let mut cells = cells.into_iter().peekable();
        for (r, &g) in order.iter().enumerate() {
            let mut prefix: Vec<u8> = Vec::new();
            for v in self.groups[g as usize].iter() {
                push_csv(&mut prefix, v);
                prefix.push(b',');
            }
            let mut row = |p: Date, c: Option<u32>| -> io::Result<()> {
                let (counts, sum) = match c {
                    Some(c) => {
                        let c = c as usize;
                        (
                            &self.counts[c * self.stride..(c + 1) * self.stride],
                            self.goldstein[c],
                        )
                    }
                    None => (zero.as_slice(), 0.0),
                };
                line.clear();
                line.extend_from_slice(&prefix);
                push_date(&mut line, p);
                line.push(b',');
                push_u64(&mut line, counts[0]);
                line.push(b',');
                push_fixed(&mut line, sum);
                line.push(b',');
                if counts[0] > 0 {
                    push_fixed(&mut line, sum / counts[0] as f64);
                }
                for &n in &counts[1..] {
                    line.push(b',');
                    push_u64(&mut line, n);
                }
                line.push(b'\n');
                rows += 1;
                out.write_all(&line)
            };
            let mut take = |p: Option<Date>| {
                cells.next_if(|&(cr, day, _)| {
                    cr == r as u32 && p.is_none_or(|p| p.day_number() == day)
                })
            };
            match range {
                Some((lo, hi)) => {
                    let mut p = lo;
                    while p <= hi {
                        row(p, take(Some(p)).map(|(_, _, c)| c))?;
                        p = self.spec.period.next(p);
                    }
                }
                None => {
                    while let Some((_, day, c)) = take(None) {
                        row(epoch.add_days(day), Some(c))?;
                    }
                }
            }
        }
        out.flush()?;
        Ok(rows)
    }
}

/// Writes `v` with [`GOLDSTEIN_DECIMALS`] places, without a minus sign on zero.
fn fixed(buf: &mut String, v: f64) {
    let start = buf.len();
    write!(buf, "{v:.prec$}", prec = GOLDSTEIN_DECIMALS).unwrap();
    if buf[start..].starts_with('-') && buf[start + 1..].bytes().all(|b| b == b'0' || b == b'.') {
        buf.remove(start);
    }
}

fn push_fixed(line: &mut Vec<u8>, v: f64) {
    let mut s = String::new();
    fixed(&mut s, v);
    line.extend_from_slice(s.as_bytes());
}

fn push_u64(line: &mut Vec<u8>, n: u64) {
    line.extend_from_slice(crate::io::output::decimal(n, &mut [0; 20]));
}

fn push_date(line: &mut Vec<u8>, d: Date) {
    match d.iso_digits() {
        Some(digits) => line.extend_from_slice(&digits),
        None => line.extend_from_slice(d.to_string().as_bytes()),
    }
}

/// Appends a CSV field, quoted when it holds a comma, a quote or a line break.
fn push_csv(line: &mut Vec<u8>, v: &str) {
    crate::io::output::push_field(line, v, b',');
}

fn push_key(key: &mut Vec<u8>, v: &[u8]) {
    key.extend_from_slice(&(v.len() as u32).to_le_bytes());
    key.extend_from_slice(v);
}

fn split_key(mut key: &[u8]) -> impl Iterator<Item = Box<str>> + '_ {
    std::iter::from_fn(move || {
        if key.len() < 4 {
            return None;
        }
        let n = u32::from_le_bytes(key[..4].try_into().unwrap()) as usize;
        let v = &key[4..4 + n];
        key = &key[4 + n..];
        // Values were checked to be UTF-8 before they were keyed.
        Some(String::from_utf8_lossy(v).into())
    })
}

fn csv_error(e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(e) => Error::Io(e),
        other => Error::Spec(match line {
            Some(l) => format!("line {l}: unreadable CSV: {other:?}"),
            None => format!("unreadable CSV: {other:?}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse_any(s).unwrap()
    }

    #[test]
    fn period_starts() {
        let start = |p: Period, s: &str| p.start(d(s)).to_string();
        assert_eq!(start(Period::Day, "2024-03-10"), "2024-03-10");
        // 2024-03-10 is a Sunday: it belongs to the week of Monday 2024-03-04;
        // Monday 2024-03-11 starts the next week.
        assert_eq!(start(Period::Week, "2024-03-10"), "2024-03-04");
        assert_eq!(start(Period::Week, "2024-03-11"), "2024-03-11");
        assert_eq!(start(Period::Week, "2024-03-04"), "2024-03-04");
        // ISO weeks cross years: Sunday 2021-01-03 is in the week of 2020-12-28.
        assert_eq!(start(Period::Week, "2021-01-03"), "2020-12-28");
        assert_eq!(start(Period::Month, "2024-02-29"), "2024-02-01");
        assert_eq!(start(Period::Quarter, "2024-01-01"), "2024-01-01");
        assert_eq!(start(Period::Quarter, "2024-03-31"), "2024-01-01");
        assert_eq!(start(Period::Quarter, "2024-05-17"), "2024-04-01");
        assert_eq!(start(Period::Quarter, "2024-09-30"), "2024-07-01");
        assert_eq!(start(Period::Quarter, "2024-12-31"), "2024-10-01");
        assert_eq!(start(Period::Year, "2024-12-31"), "2024-01-01");
    }

    #[test]
    fn next_periods() {
        let next = |p: Period, s: &str| p.next(p.start(d(s))).to_string();
        assert_eq!(next(Period::Day, "2024-02-28"), "2024-02-29");
        assert_eq!(next(Period::Day, "2023-12-31"), "2024-01-01");
        assert_eq!(next(Period::Week, "2024-12-31"), "2025-01-06");
        assert_eq!(next(Period::Month, "2024-12-15"), "2025-01-01");
        assert_eq!(next(Period::Month, "2024-01-31"), "2024-02-01");
        assert_eq!(next(Period::Quarter, "2024-11-01"), "2025-01-01");
        assert_eq!(next(Period::Quarter, "2024-02-01"), "2024-04-01");
        assert_eq!(next(Period::Year, "1999-06-01"), "2000-01-01");
        // Every day of a few years lies in exactly the period between a start and the next.
        for p in [
            Period::Day,
            Period::Week,
            Period::Month,
            Period::Quarter,
            Period::Year,
        ] {
            let mut day = d("1999-12-01");
            let mut cur = p.start(day);
            while day < d("2002-02-01") {
                if day >= p.next(cur) {
                    cur = p.next(cur);
                }
                assert_eq!(p.start(day), cur, "{} {day}", p.name());
                day = day.add_days(1);
            }
        }
        assert_eq!("Quarter".parse::<Period>().unwrap(), Period::Quarter);
        assert!("fortnight".parse::<Period>().is_err());
    }

    #[test]
    fn code_sets() {
        let s = CodeSet::parse("14,18-20", 20, "--root").unwrap();
        assert!(s.contains(14) && s.contains(18) && s.contains(20));
        assert!(!s.contains(15) && !s.contains(17) && !s.contains(0));
        assert!(CodeSet::parse("01-05", 20, "--root").unwrap().contains(3));
        assert!(CodeSet::parse("21", 20, "--root").is_err());
        assert!(CodeSet::parse("0", 20, "--root").is_err());
        assert!(CodeSet::parse("5-3", 20, "--root").is_err());
        assert!(CodeSet::parse("", 4, "--quad").is_err());
        assert!(CodeSet::parse("x", 4, "--quad").is_err());
    }

    fn run(spec: Spec, input: &str) -> (String, Vec<Skipped>) {
        let mut agg = Aggregator::new(spec).unwrap();
        let mut skipped = Vec::new();
        agg.read(input.as_bytes(), b',', |s| skipped.push(s.clone()))
            .unwrap();
        let mut out = Vec::new();
        agg.write(&mut out).unwrap();
        (String::from_utf8(out).unwrap(), skipped)
    }

    #[test]
    fn undirected_fill_zero_and_ontology_fallback() {
        let input = "date,source,target,code\n\
                     2024-01-05,UKR,RUS,190\n\
                     2024-03-05,RUS,UKR,036\n\
                     2024-03-07,RUS,UKR,0874x\n\
                     not-a-date,RUS,UKR,190\n\
                     2024-03-07,RUS\n\
                     2024-03-07,RUS,UKR,999\n";
        let mut spec = Spec::new(Period::Month, &["source", "target"]);
        spec.undirected = true;
        spec.fill_zero = true;
        let (out, skipped) = run(spec, input);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "source,target,period,events,goldstein_sum,goldstein_mean,verbal_coop,material_coop,verbal_conflict,material_conflict"
        );
        assert_eq!(lines.len(), 4, "{out}");
        assert!(lines[1].starts_with("RUS,UKR,2024-01-01,1,-10.000,-10.000,0,0,0,1"));
        assert_eq!(lines[2], "RUS,UKR,2024-02-01,0,0.000,,0,0,0,0");
        assert!(lines[3].starts_with("RUS,UKR,2024-03-01,2,"), "{out}");
        assert!(lines[3].ends_with(",1,1,0,0"), "{out}");
        let reasons: Vec<(u64, SkipReason)> = skipped.iter().map(|s| (s.line, s.reason)).collect();
        assert_eq!(
            reasons,
            vec![
                (5, SkipReason::BadDate),
                (6, SkipReason::MissingColumn),
                (7, SkipReason::UnknownCode)
            ]
        );
    }

    #[test]
    fn columns_win_over_the_ontology_and_roots_count() {
        let input = "date,src,code,root_code,quad_class,goldstein\n\
                     2024-01-05,A,190,19,4,-1.5\n\
                     2024-01-06,A,190,19,4,\n\
                     2024-01-07,A,,02,,2.25\n";
        let mut spec = Spec::new(Period::Year, &["src"]);
        spec.roots = true;
        let (out, skipped) = run(spec, input);
        assert!(skipped.is_empty(), "{skipped:?}");
        let row = out.lines().nth(1).unwrap();
        let g = cameo::lookup("190").unwrap().goldstein;
        let sum = -1.5 + g + 2.25;
        let mut want = String::new();
        fixed(&mut want, sum);
        assert!(row.starts_with(&format!("A,2024-01-01,3,{want},")), "{row}");
        let f: Vec<&str> = row.split(',').collect();
        assert_eq!(&f[5..9], &["1", "0", "0", "2"]);
        assert_eq!(f[9 + 1], "1"); // root02
        assert_eq!(f[9 + 18], "2"); // root19
        assert_eq!(f.len(), 9 + 20);
    }

    #[test]
    fn no_minus_zero() {
        let mut b = String::new();
        fixed(&mut b, -1e-17);
        assert_eq!(b, "0.000");
        b.clear();
        fixed(&mut b, -0.25);
        assert_eq!(b, "-0.250");
    }

    #[test]
    fn bad_specs_and_headers() {
        let mut s = Spec::new(Period::Month, &["source"]);
        s.undirected = true;
        assert!(Aggregator::new(s).is_err());
        let mut agg = Aggregator::new(Spec::new(Period::Month, &["nope"])).unwrap();
        let e = agg
            .read("date,code\n".as_bytes(), b',', |_| {})
            .unwrap_err()
            .to_string();
        assert!(e.contains("no `nope` column"), "{e}");
        let mut agg = Aggregator::new(Spec::new(Period::Month, &[])).unwrap();
        let e = agg
            .read(
                "{\"date\": \"2024-01-01\", \"code\": \"190\"}\n".as_bytes(),
                b',',
                |_| {},
            )
            .unwrap_err()
            .to_string();
        assert!(e.contains("JSON Lines"), "{e}");
    }
}
