//! Story readers: JSON Lines, CSV, plain text, TABARI record files and PETRARCH XML.
//! Each yields stories or rejected records with their location; nothing is dropped
//! silently.

use crate::date::Date;
use serde::de::DeserializeSeed;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Input formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// One JSON object a line.
    Jsonl,
    /// CSV with a header row.
    Csv,
    /// One story per file.
    Text,
    /// TABARI record files (`YYMMDD ID` header, text, blank line).
    Tabari,
    /// PETRARCH XML (`<Sentence date= id=><Text>`).
    Xml,
}

impl InputFormat {
    /// Guesses the format from a file name.
    pub fn from_path(p: &Path) -> InputFormat {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let name = name.trim_end_matches(".gz");
        if name.ends_with(".jsonl") || name.ends_with(".ndjson") || name.ends_with(".json") {
            InputFormat::Jsonl
        } else if name.ends_with(".csv") || name.ends_with(".tsv") {
            InputFormat::Csv
        } else if name.ends_with(".xml") {
            InputFormat::Xml
        } else if name.ends_with(".text") || name.ends_with(".tabari") || name.ends_with(".records")
        {
            InputFormat::Tabari
        } else {
            InputFormat::Text
        }
    }
}

/// Where a record came from: file and line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file (`-` for standard input).
    pub file: String,
    /// One-based line of the record's start.
    pub line: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A story to code.
#[derive(Clone, Debug)]
pub struct Story {
    /// Story id.
    pub id: String,
    /// Story date.
    pub date: Date,
    /// Text.
    pub text: String,
    /// Values of the `--keep-field` fields, in order.
    pub kept: Vec<String>,
    /// Where it came from.
    pub origin: Origin,
    /// The record was not valid UTF-8 and was decoded lossily: the line of its first
    /// invalid byte.
    pub lossy: Option<usize>,
}

/// What a rejection skips.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extent {
    /// One record.
    Record,
    /// A whole file, which could not be read as records at all.
    File,
    /// The rest of a file, from where it could no longer be read.
    RestOfFile,
}

impl Extent {
    /// `record`, `file` or `rest of file`, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Extent::Record => "record",
            Extent::File => "file",
            Extent::RestOfFile => "rest of file",
        }
    }
}

/// A record that could not be turned into a story.
#[derive(Clone, Debug)]
pub struct Rejected {
    /// Where.
    pub origin: Origin,
    /// Why, short and stable: `bad-json`, `no-text`, `bad-date`, ...
    pub reason: &'static str,
    /// Details for the message.
    pub detail: String,
    /// The record verbatim: its bytes in the input, line end included (a byte-order
    /// mark at the start of a file is not part of a record).
    pub raw: Vec<u8>,
    /// A record, or what is left of a file that cannot be read.
    pub extent: Extent,
}

/// What a reader yields.
#[derive(Clone, Debug)]
pub enum Record {
    /// A story.
    Story(Story),
    /// A rejected record.
    Rejected(Rejected),
}

/// How to read records.
#[derive(Clone, Debug)]
pub struct ReadOptions {
    /// Field holding the id.
    pub id_field: String,
    /// Field holding the date.
    pub date_field: String,
    /// Field holding the text.
    pub text_field: String,
    /// Extra fields copied to the output.
    pub keep_fields: Vec<String>,
    /// Date for stories that have none (text files).
    pub default_date: Option<Date>,
    /// Stories longer than this (bytes) are rejected.
    pub max_story_bytes: usize,
    /// Treat TABARI six-digit dates in record headers as eight-digit.
    pub yyyy: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            id_field: "id".into(),
            date_field: "date".into(),
            text_field: "text".into(),
            keep_fields: Vec::new(),
            default_date: None,
            max_story_bytes: 10 * 1024 * 1024,
            yyyy: false,
        }
    }
}

/// A source of input: a file or standard input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Standard input.
    Stdin,
    /// A file.
    File(PathBuf),
}

impl Source {
    /// Display name.
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "-".into(),
            Source::File(p) => p.display().to_string(),
        }
    }

    fn open(&self) -> std::io::Result<Box<dyn Read + Send>> {
        Ok(match self {
            Source::Stdin => Box::new(std::io::stdin()),
            Source::File(p) => Box::new(std::fs::File::open(p)?),
        })
    }
}

/// Expands paths: directories are walked (sorted, so runs are reproducible).
pub fn expand_inputs(paths: &[PathBuf]) -> std::io::Result<Vec<Source>> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Source::Stdin);
        } else if p.is_dir() {
            let mut files = Vec::new();
            walk(p, &mut files)?;
            files.sort();
            out.extend(files.into_iter().map(Source::File));
        } else if p.exists() {
            out.push(Source::File(p.clone()));
        } else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("{}: no such file or directory", p.display()),
            ));
        }
    }
    if out.is_empty() {
        out.push(Source::Stdin);
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let p = e.path();
        let name = e.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        if p.is_dir() {
            walk(&p, out)?;
        } else {
            out.push(p);
        }
    }
    Ok(())
}

/// The bytes without their line end (`\n` or `\r\n`).
fn trim_line_end(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
}

/// Decodes UTF-8, replacing invalid bytes by U+FFFD.
fn decode(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const BOM: &[u8] = b"\xef\xbb\xbf";

/// For bytes that start at line `line` of a file: the line of the first byte that is
/// not valid UTF-8, if any.
pub fn invalid_utf8_line(bytes: &[u8], line: usize) -> Option<usize> {
    std::str::from_utf8(bytes).err().map(|e| {
        line + bytes[..e.valid_up_to()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
    })
}

fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// Line starts of a text, to turn byte offsets into line numbers.
struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    fn new(bytes: &[u8]) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|&(i, &b)| b == b'\n' && i + 1 < bytes.len())
                .map(|(i, _)| i + 1),
        );
        if bytes.is_empty() {
            starts.clear();
        }
        LineIndex {
            starts,
            len: bytes.len(),
        }
    }

    /// Number of lines (a final line end does not start a line).
    fn lines(&self) -> usize {
        self.starts.len()
    }

    /// The one-based line holding byte `pos`.
    fn line_of(&self, pos: usize) -> usize {
        self.starts.partition_point(|&s| s <= pos).max(1)
    }

    /// Byte range of line `n` (one-based), line end included.
    fn range(&self, n: usize) -> std::ops::Range<usize> {
        self.starts[n - 1]..self.starts.get(n).copied().unwrap_or(self.len)
    }

    /// The first and last lines in `from..to` that are not blank.
    fn content(&self, bytes: &[u8], from: usize, to: usize) -> Option<(usize, usize)> {
        let mut lines = (from..to).filter(|&n| !is_blank(&bytes[self.range(n)]));
        let first = lines.next()?;
        Some((first, lines.next_back().unwrap_or(first)))
    }
}

/// Finds a date in a file name: `YYYY-MM-DD` or `YYYYMMDD`.
pub fn date_from_name(name: &str) -> Option<Date> {
    let b = name.as_bytes();
    for i in 0..b.len() {
        if i + 10 <= b.len() && name.is_char_boundary(i) && name.is_char_boundary(i + 10) {
            if let Some(d) = Date::parse_any(&name[i..i + 10]).filter(|_| b[i + 4] == b'-') {
                return Some(d);
            }
        }
        if i + 8 <= b.len()
            && b[i..i + 8].iter().all(u8::is_ascii_digit)
            && (i == 0 || !b[i - 1].is_ascii_digit())
            && (i + 8 == b.len() || !b[i + 8].is_ascii_digit())
        {
            if let Some(d) = Date::parse_yyyymmdd(&name[i..i + 8]) {
                return Some(d);
            }
        }
    }
    None
}

fn value_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

/// Reads a JSON record keeping only the named fields, as text (see [`value_text`]):
/// `None` when the value is not an object. A name may appear more than once; the
/// last occurrence of a key in the record counts, as with a parsed map.
struct WantedFields<'n> {
    names: &'n [&'n str],
}

impl<'de> serde::de::DeserializeSeed<'de> for WantedFields<'_> {
    type Value = Option<Vec<Option<String>>>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for WantedFields<'_> {
    type Value = Option<Vec<Option<String>>>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut values: Vec<Option<String>> = vec![None; self.names.len()];
        while let Some(slot) = map.next_key_seed(KeySlot { names: self.names })? {
            let Some(first) = slot else {
                map.next_value::<serde::de::IgnoredAny>()?;
                continue;
            };
            let text = match map.next_value::<serde_json::Value>()? {
                serde_json::Value::String(t) => Some(t),
                other => value_text(&other),
            };
            let name = self.names[first];
            for (n, v) in self.names.iter().zip(values.iter_mut()).skip(first + 1) {
                if *n == name {
                    v.clone_from(&text);
                }
            }
            values[first] = text;
        }
        Ok(Some(values))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// Reads an object key as the position of the first wanted name equal to it, without
/// allocating for keys that are plain strings.
struct KeySlot<'n> {
    names: &'n [&'n str],
}

impl<'de> serde::de::DeserializeSeed<'de> for KeySlot<'_> {
    type Value = Option<usize>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for KeySlot<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E>(self, key: &str) -> Result<Self::Value, E> {
        Ok(self.names.iter().position(|n| *n == key))
    }
}

/// Builds a story from fields, or says why it cannot be one.
#[allow(clippy::too_many_arguments)]
fn make_story(
    id: Option<String>,
    date: Option<String>,
    text: Option<String>,
    kept: Vec<String>,
    origin: Origin,
    raw: &[u8],
    lossy: Option<usize>,
    opts: &ReadOptions,
) -> Record {
    let checked = match text {
        Some(t) => check_text(&t, opts)
            .and_then(|()| parse_date(date.as_deref(), opts))
            .map(|d| (d, t)),
        None => Err(no_text(opts)),
    };
    match checked {
        Ok((date, text)) => story(id, date, text, kept, origin, lossy),
        // Only a rejected record is copied as read, to be written out as it was.
        Err((reason, detail)) => reject(origin, reason, detail, raw.to_vec()),
    }
}

fn reject(origin: Origin, reason: &'static str, detail: String, raw: Vec<u8>) -> Record {
    Record::Rejected(Rejected {
        origin,
        reason,
        detail,
        raw,
        extent: Extent::Record,
    })
}

/// Checks the text of a story: not blank, within the size limit.
fn check_text(text: &str, opts: &ReadOptions) -> Result<(), (&'static str, String)> {
    if text.trim().is_empty() {
        return Err(no_text(opts));
    }
    if text.len() > opts.max_story_bytes {
        return Err((
            "too-long",
            format!(
                "story of {} bytes exceeds --max-story-bytes {}",
                text.len(),
                opts.max_story_bytes
            ),
        ));
    }
    Ok(())
}

fn no_text(opts: &ReadOptions) -> (&'static str, String) {
    (
        "no-text",
        format!("no {:?} field or it is empty", opts.text_field),
    )
}

/// Reads a story date, or takes `--date` when there is none.
fn parse_date(date: Option<&str>, opts: &ReadOptions) -> Result<Date, (&'static str, String)> {
    match date.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => match Date::parse_any(d) {
            Some(d) if (1800..=2200).contains(&d.ymd().0) => Ok(d),
            Some(_) => Err(("bad-date", format!("date {d:?} is out of range"))),
            None => Err((
                "bad-date",
                format!("date {d:?} is not ISO 8601, YYYYMMDD or YYMMDD"),
            )),
        },
        None => opts.default_date.ok_or_else(|| {
            (
                "no-date",
                format!("no {:?} field and no --date", opts.date_field),
            )
        }),
    }
}

/// A story of checked fields; the id defaults to `file:line`.
fn story(
    id: Option<String>,
    date: Date,
    text: String,
    kept: Vec<String>,
    origin: Origin,
    lossy: Option<usize>,
) -> Record {
    let id = id
        .filter(|i| !i.trim().is_empty())
        .unwrap_or_else(|| format!("{}:{}", origin.file, origin.line));
    Record::Story(Story {
        id,
        date,
        text,
        kept,
        origin,
        lossy,
    })
}

/// [`BufRead::read_until`] a line end, with a vectorised search for it.
fn read_line(input: &mut dyn BufRead, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut read = 0;
    loop {
        let (done, used) = {
            let available = match input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            match memchr::memchr(b'\n', available) {
                Some(i) => {
                    buf.extend_from_slice(&available[..=i]);
                    (true, i + 1)
                }
                None => {
                    buf.extend_from_slice(available);
                    (available.is_empty(), available.len())
                }
            }
        };
        input.consume(used);
        read += used;
        if done {
            return Ok(read);
        }
    }
}

/// The wanted fields of a JSON record read by the full parser: `None` when the line
/// is valid JSON but no object, the parser's message when it is not valid JSON.
pub(crate) fn wanted_fields_full(
    line: &str,
    names: &[&str],
) -> Result<Option<Vec<Option<String>>>, String> {
    let mut de = serde_json::Deserializer::from_str(line);
    (WantedFields { names })
        .deserialize(&mut de)
        .and_then(|f| de.end().map(|()| f))
        .map_err(|e| e.to_string())
}

/// Reads JSON Lines.
pub struct JsonlReader {
    input: Box<dyn BufRead + Send>,
    file: String,
    line: usize,
    opts: ReadOptions,
    buf: Vec<u8>,
}

impl JsonlReader {
    /// Reads from `input`.
    pub fn new(input: Box<dyn Read + Send>, file: String, opts: ReadOptions) -> Self {
        JsonlReader {
            input: Box::new(BufReader::with_capacity(1 << 20, input)),
            file,
            line: 0,
            opts,
            buf: Vec::new(),
        }
    }
}

impl Iterator for JsonlReader {
    type Item = std::io::Result<Record>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.buf.clear();
            match read_line(&mut *self.input, &mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => return Some(Err(e)),
            }
            self.line += 1;
            if let Some(record) = jsonl_record(&self.buf, &self.file, self.line, &self.opts) {
                return Some(Ok(record));
            }
        }
    }
}

/// The record of one line of JSON Lines (`raw`, with its line end), or `None` for a
/// blank line.
fn jsonl_record(raw: &[u8], file: &str, line_no: usize, opts: &ReadOptions) -> Option<Record> {
    let raw = raw.strip_prefix(BOM).unwrap_or(raw);
    // One UTF-8 check; the line is copied only when it must be repaired.
    let (line, lossy) = match std::str::from_utf8(trim_line_end(raw)) {
        Ok(text) => (std::borrow::Cow::Borrowed(text), None),
        Err(_) => (
            std::borrow::Cow::Owned(decode(trim_line_end(raw))),
            invalid_utf8_line(raw, line_no),
        ),
    };
    if line.trim().is_empty() {
        return None;
    }
    let origin = Origin {
        file: file.to_string(),
        line: line_no,
    };
    // Only the fields a run reads are built; the others are checked and skipped.
    let mut names: Vec<&str> = vec![&opts.id_field, &opts.date_field, &opts.text_field];
    names.extend(opts.keep_fields.iter().map(String::as_str));
    let read = match super::flat_json::wanted_fields(&line, &names) {
        Some(fields) => Ok(Some(fields)),
        None => wanted_fields_full(&line, &names),
    };
    let fields = match read {
        Ok(Some(f)) => f,
        Ok(None) => {
            return Some(reject(
                origin,
                "bad-json",
                "not a JSON object".into(),
                raw.to_vec(),
            ))
        }
        Err(e) => return Some(reject(origin, "bad-json", e, raw.to_vec())),
    };
    let mut fields = fields.into_iter();
    let (id, date, text) = (
        fields.next().flatten(),
        fields.next().flatten(),
        fields.next().flatten(),
    );
    let kept = fields.map(Option::unwrap_or_default).collect();
    Some(make_story(id, date, text, kept, origin, raw, lossy, opts))
}

/// Whole lines of a JSON Lines file, read but not yet parsed: with several threads,
/// the lines are parsed by the thread that codes their stories, so that the text is
/// in that thread's cache and its memory is freed where it was allocated.
#[derive(Clone, Debug)]
pub struct LineBlock {
    /// The file's name.
    pub file: String,
    /// The line number of the first line.
    pub first_line: usize,
    /// The lines, each with its line end (the last may have none).
    pub text: Vec<u8>,
    /// How the records are read.
    pub opts: Arc<ReadOptions>,
    /// Where the block's buffer goes back when the block is dropped.
    pool: Option<Arc<BlockPool>>,
}

/// The buffers of blocks that have been parsed, for the reader's next blocks. A block
/// is dropped by the thread that parsed it; without the pool, the reading thread
/// would take fresh memory for every block (which the kernel must clear) while the
/// freed buffers waited to be reclaimed.
#[derive(Debug, Default)]
struct BlockPool(Mutex<Vec<Vec<u8>>>);

/// Buffers kept at most (more than the blocks in flight at once), and the largest
/// kept (a block that holds a long line is not).
const POOLED_BLOCKS: usize = 128;
const POOLED_CAPACITY: usize = 256 << 10;

impl Drop for LineBlock {
    fn drop(&mut self) {
        if let Some(pool) = &self.pool {
            let text = std::mem::take(&mut self.text);
            if let Ok(mut free) = pool.0.lock() {
                if free.len() < POOLED_BLOCKS && text.capacity() <= POOLED_CAPACITY {
                    free.push(text);
                }
            }
        }
    }
}

impl LineBlock {
    /// The records of the block's lines, as [`JsonlReader`] reads them.
    pub fn records(&self) -> impl Iterator<Item = Record> + '_ {
        let mut at = 0;
        let mut line = self.first_line;
        std::iter::from_fn(move || {
            while at < self.text.len() {
                let end =
                    memchr::memchr(b'\n', &self.text[at..]).map_or(self.text.len(), |i| at + i + 1);
                let raw = &self.text[at..end];
                at = end;
                line += 1;
                if let Some(record) = jsonl_record(raw, &self.file, line - 1, &self.opts) {
                    return Some(record);
                }
            }
            None
        })
    }
}

/// Reads JSON Lines in blocks of whole lines of at least `size` bytes (but the last).
pub struct JsonlBlocks {
    input: BufReader<Box<dyn Read + Send>>,
    file: String,
    /// The number of the next line.
    line: usize,
    opts: Arc<ReadOptions>,
    size: usize,
    pool: Arc<BlockPool>,
}

impl JsonlBlocks {
    /// Reads `src` in blocks of about `size` bytes.
    pub fn open(src: &Source, opts: Arc<ReadOptions>, size: usize) -> std::io::Result<JsonlBlocks> {
        Ok(JsonlBlocks {
            input: BufReader::with_capacity(1 << 20, src.open()?),
            file: src.name(),
            line: 1,
            opts,
            size,
            pool: Arc::default(),
        })
    }
}

impl Iterator for JsonlBlocks {
    type Item = std::io::Result<LineBlock>;
    fn next(&mut self) -> Option<Self::Item> {
        let reused = self.pool.0.lock().ok().and_then(|mut free| free.pop());
        let mut text = reused.unwrap_or_else(|| Vec::with_capacity(self.size + (self.size >> 2)));
        text.clear();
        loop {
            let available = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Some(Err(e)),
            };
            if available.is_empty() {
                break;
            }
            // Once the block is big enough, it ends at the next line end.
            let short = self.size.saturating_sub(text.len());
            if let Some(i) = available
                .get(short..)
                .and_then(|rest| memchr::memchr(b'\n', rest))
            {
                text.extend_from_slice(&available[..short + i + 1]);
                self.input.consume(short + i + 1);
                break;
            }
            let n = available.len();
            text.extend_from_slice(available);
            self.input.consume(n);
        }
        if text.is_empty() {
            return None;
        }
        let first_line = self.line;
        self.line += memchr::memchr_iter(b'\n', &text).count();
        Some(Ok(LineBlock {
            file: self.file.clone(),
            first_line,
            text,
            opts: self.opts.clone(),
            pool: Some(self.pool.clone()),
        }))
    }
}

/// The bytes a CSV reader has taken from its input and no record has claimed yet, so
/// that records can be given as written (quotes, line ends and all).
#[derive(Clone, Default)]
struct Tape(Arc<Mutex<TapeBytes>>);

#[derive(Default)]
struct TapeBytes {
    bytes: Vec<u8>,
    /// Bytes before this are claimed (dropped now and then, not on every claim).
    head: usize,
}

impl TapeBytes {
    fn unclaimed(&self) -> &[u8] {
        &self.bytes[self.head..]
    }

    fn take(&mut self, n: usize) -> Vec<u8> {
        let n = n.min(self.bytes.len() - self.head);
        let out = self.bytes[self.head..self.head + n].to_vec();
        self.head += n;
        if self.head >= 1 << 16 && self.head * 2 >= self.bytes.len() {
            self.bytes.drain(..self.head);
            self.head = 0;
        }
        out
    }
}

impl Tape {
    fn lock(&self) -> std::sync::MutexGuard<'_, TapeBytes> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Passes reads through, keeping a copy on the tape.
struct TeeReader {
    inner: Box<dyn Read + Send>,
    tape: Tape,
}

impl Read for TeeReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.tape.lock().bytes.extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

/// A CSV record that the csv crate reads leniently but that is not what its writer
/// meant: text after the closing quote of a field (a quote inside it not doubled), or
/// a quote still open at the end of the input. `line` is the record's first line.
fn quoting_problem(raw: &[u8], delim: u8, line: usize) -> Option<String> {
    let mut end = raw.len();
    while end > 0 && matches!(raw[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    let body = &raw[..end];
    let (mut field, mut ln, mut i, mut at_start) = (1, line, 0, true);
    while i < body.len() {
        let b = body[i];
        i += 1;
        if b == b'\n' {
            ln += 1;
        }
        if at_start && b == b'"' {
            let opened = ln;
            loop {
                match body.get(i) {
                    None => {
                        return Some(format!(
                            "field {field}: the quote opened on line {opened} is not closed before the end of the input"
                        ))
                    }
                    Some(b'"') if body.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        ln += usize::from(c == b'\n');
                        i += 1;
                    }
                }
            }
            // Blanks between the closing quote and the delimiter are harmless.
            while body
                .get(i)
                .is_some_and(|&c| c == b' ' || (c == b'\t' && delim != b'\t'))
            {
                i += 1;
            }
            match body.get(i) {
                None => return None,
                Some(&c) if c == delim => {
                    i += 1;
                    field += 1;
                    continue;
                }
                Some(_) => {
                    return Some(format!(
                        "field {field}: text after its closing quote on line {ln} (a quote inside a quoted field must be doubled)"
                    ))
                }
            }
        }
        at_start = b == delim;
        if at_start {
            field += 1;
        }
    }
    None
}

/// Reads CSV (or TSV) with a header row.
pub struct CsvReader {
    rdr: Option<csv::Reader<TeeReader>>,
    tape: Tape,
    /// Input offset of the first byte on the tape.
    base: u64,
    /// Line of the first byte on the tape.
    line: usize,
    file: String,
    opts: ReadOptions,
    delim: u8,
    /// Columns in the header.
    width: usize,
    cols: (
        Option<usize>,
        Option<usize>,
        Option<usize>,
        Vec<Option<usize>>,
    ),
    /// The header cannot be used (no text column): the file is rejected as a whole.
    header_error: Option<(usize, String)>,
    read_error: Option<std::io::Error>,
    done: bool,
}

impl CsvReader {
    /// Reads from `input`; `tab` selects TSV.
    pub fn new(input: Box<dyn Read + Send>, file: String, opts: ReadOptions, tab: bool) -> Self {
        let tape = Tape::default();
        let delim = if tab { b'\t' } else { b',' };
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delim)
            .flexible(true)
            .from_reader(TeeReader {
                inner: input,
                tape: tape.clone(),
            });
        let mut me = CsvReader {
            rdr: None,
            tape,
            base: 0,
            line: 1,
            file,
            opts,
            delim,
            width: 0,
            cols: (None, None, None, Vec::new()),
            header_error: None,
            read_error: None,
            done: false,
        };
        match rdr.byte_headers() {
            Ok(h) if h.is_empty() => me.done = true,
            Ok(h) => {
                let names: Vec<String> = h
                    .iter()
                    .map(|c| {
                        String::from_utf8_lossy(c)
                            .trim_start_matches('\u{feff}')
                            .to_string()
                    })
                    .collect();
                let find = |k: &str| names.iter().position(|n| n == k);
                me.width = names.len();
                me.cols = (
                    find(&me.opts.id_field),
                    find(&me.opts.date_field),
                    find(&me.opts.text_field),
                    me.opts.keep_fields.iter().map(|k| find(k)).collect(),
                );
                let header_line = me.line
                    + me.tape
                        .lock()
                        .unclaimed()
                        .iter()
                        .take_while(|&&b| matches!(b, b'\r' | b'\n'))
                        .filter(|&&b| b == b'\n')
                        .count();
                match me.cols.2 {
                    None => {
                        me.header_error = Some((
                            header_line,
                            format!("no column {:?} in the header", me.opts.text_field),
                        ))
                    }
                    Some(_) => {
                        let end = rdr.position().byte();
                        me.claim(end);
                    }
                }
            }
            Err(e) => me.read_error = Some(e.into()),
        }
        me.rdr = Some(rdr);
        me
    }

    /// Takes the bytes up to input offset `end` off the tape.
    fn claim(&mut self, end: u64) -> (usize, Vec<u8>) {
        let bytes = self
            .tape
            .lock()
            .take(end.saturating_sub(self.base) as usize);
        let line = self.line;
        self.base += bytes.len() as u64;
        self.line += bytes.iter().filter(|&&b| b == b'\n').count();
        (line, bytes)
    }

    /// The whole input, for a file rejected as a whole.
    fn rest(&mut self) -> std::io::Result<Vec<u8>> {
        if let Some(rdr) = self.rdr.take() {
            std::io::copy(&mut rdr.into_inner(), &mut std::io::sink())?;
        }
        let mut tape = self.tape.lock();
        let n = tape.unclaimed().len();
        Ok(tape.take(n))
    }
}

impl Iterator for CsvReader {
    type Item = std::io::Result<Record>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if let Some(e) = self.read_error.take() {
            self.done = true;
            return Some(Err(e));
        }
        if let Some((line, detail)) = self.header_error.take() {
            self.done = true;
            let raw = match self.rest() {
                Ok(r) => r,
                Err(e) => return Some(Err(e)),
            };
            return Some(Ok(Record::Rejected(Rejected {
                origin: Origin {
                    file: self.file.clone(),
                    line,
                },
                reason: "bad-csv",
                detail,
                raw: raw.strip_prefix(BOM).unwrap_or(&raw).to_vec(),
                extent: Extent::File,
            })));
        }
        let mut rec = csv::ByteRecord::new();
        let rdr = self.rdr.as_mut()?;
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => {
                self.done = true;
                None
            }
            Ok(true) => {
                let end = rdr.position().byte();
                let (mut line, chunk) = self.claim(end);
                // The chunk starts with the line end of the record before (when it
                // was \r\n) and the blank lines the csv crate skips.
                let skip = chunk
                    .iter()
                    .take_while(|&&b| matches!(b, b'\r' | b'\n'))
                    .count();
                line += chunk[..skip].iter().filter(|&&b| b == b'\n').count();
                let mut raw = chunk[skip..].to_vec();
                // The csv crate ends a record at the \r of \r\n: take the \n too
                // when it has been read (else the rejects file adds it).
                if raw.last() == Some(&b'\r')
                    && self.tape.lock().unclaimed().first() == Some(&b'\n')
                {
                    let (_, nl) = self.claim(self.base + 1);
                    raw.extend_from_slice(&nl);
                }
                let origin = Origin {
                    file: self.file.clone(),
                    line,
                };
                if let Some(problem) = quoting_problem(&raw, self.delim, line) {
                    return Some(Ok(reject(origin, "bad-csv", problem, raw)));
                }
                if rec.iter().skip(self.width).any(|f| !f.is_empty()) {
                    let detail = format!(
                        "{} fields, but the header has {} (a delimiter in a field that is not quoted?)",
                        rec.len(),
                        self.width
                    );
                    return Some(Ok(reject(origin, "bad-csv", detail, raw)));
                }
                let field = |i: Option<usize>| -> Option<String> { Some(decode(rec.get(i?)?)) };
                let kept = self
                    .cols
                    .3
                    .iter()
                    .map(|&c| field(c).unwrap_or_default())
                    .collect();
                let id = field(self.cols.0);
                let date = field(self.cols.1);
                let text = field(self.cols.2);
                let lossy = invalid_utf8_line(&raw, line);
                Some(Ok(make_story(
                    id, date, text, kept, origin, &raw, lossy, &self.opts,
                )))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e.into()))
            }
        }
    }
}

/// Reads a whole source into records for the formats that are not streamed by line
/// (a plain-text story, TABARI records, PETRARCH XML).
pub fn read_whole(
    src: &Source,
    format: InputFormat,
    opts: &ReadOptions,
) -> std::io::Result<Vec<Record>> {
    let mut bytes = Vec::new();
    src.open()?.read_to_end(&mut bytes)?;
    let stem = match src {
        Source::File(p) => p
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        Source::Stdin => "stdin".into(),
    };
    Ok(records_of(&bytes, &src.name(), &stem, format, opts))
}

/// The records of a whole file (`file` its name for locations, `stem` the id of a
/// plain-text story).
pub fn records_of(
    bytes: &[u8],
    file: &str,
    stem: &str,
    format: InputFormat,
    opts: &ReadOptions,
) -> Vec<Record> {
    let body = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let origin = |line| Origin {
        file: file.to_string(),
        line,
    };
    match format {
        InputFormat::Text => {
            let mut o = opts.clone();
            if o.default_date.is_none() {
                o.default_date = date_from_name(stem);
            }
            vec![make_story(
                Some(stem.to_string()),
                None,
                Some(decode(body)),
                vec![String::new(); opts.keep_fields.len()],
                origin(1),
                body,
                invalid_utf8_line(body, 1),
                &o,
            )]
        }
        InputFormat::Tabari => tabari_records(body, file, opts),
        InputFormat::Xml => xml_records(body, file, opts),
        InputFormat::Jsonl | InputFormat::Csv => {
            let input: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(bytes.to_vec()));
            let name = file.to_string();
            let records: Box<dyn Iterator<Item = std::io::Result<Record>>> =
                if format == InputFormat::Jsonl {
                    Box::new(JsonlReader::new(input, name, opts.clone()))
                } else {
                    let tab = file.to_ascii_lowercase().ends_with(".tsv");
                    Box::new(CsvReader::new(input, name, opts.clone(), tab))
                };
            records.map_while(Result::ok).collect()
        }
    }
}

/// TABARI record files: a `YYMMDD ID` header line, the text, a blank line. Text before
/// the first header is rejected (`no-header`), and so is a record with no text.
fn tabari_records(body: &[u8], file: &str, opts: &ReadOptions) -> Vec<Record> {
    let origin = |line| Origin {
        file: file.to_string(),
        line,
    };
    let recs = crate::validate::tabari::read_records(&decode(body), opts.yyyy);
    let idx = LineIndex::new(body);
    // A record's bytes: from its header to its last line that is not blank.
    let raw = |from: usize, to: usize| -> Option<(usize, Vec<u8>)> {
        let (a, b) = idx.content(body, from, to)?;
        Some((a, body[idx.range(a).start..idx.range(b).end].to_vec()))
    };
    let mut out = Vec::new();
    let first = recs.first().map_or(idx.lines() + 1, |r| r.line);
    if let Some((line, raw)) = raw(1, first) {
        out.push(reject(
            origin(line),
            "no-header",
            "text before the first record header (YYMMDD ID)".into(),
            raw,
        ));
    }
    for (i, r) in recs.iter().enumerate() {
        let next = recs.get(i + 1).map_or(idx.lines() + 1, |n| n.line);
        let (line, raw) = raw(r.line, next).unwrap_or((r.line, Vec::new()));
        let checked = if r.text.trim().is_empty() {
            Err(("no-text", format!("record {:?} has no text", r.id)))
        } else {
            check_text(&r.text, opts).and_then(|()| {
                r.date
                    .ok_or_else(|| ("bad-date", format!("date {:?} is not YYMMDD", r.date_text)))
            })
        };
        out.push(match checked {
            Ok(date) => {
                let lossy = invalid_utf8_line(&raw, line);
                story(
                    Some(r.id.clone()),
                    date,
                    r.text.clone(),
                    vec![String::new(); opts.keep_fields.len()],
                    origin(line),
                    lossy,
                )
            }
            Err((reason, detail)) => reject(origin(line), reason, detail, raw),
        });
    }
    out
}

/// The end of a record at `end`, taking in the rest of its line when that is only
/// blanks and the line end.
fn with_line_end(body: &[u8], end: usize) -> usize {
    let blanks = body[end..]
        .iter()
        .take_while(|&&b| b == b' ' || b == b'\t')
        .count();
    let rest = &body[end + blanks..];
    if rest.starts_with(b"\r\n") {
        end + blanks + 2
    } else if rest.starts_with(b"\n") {
        end + blanks + 1
    } else {
        end
    }
}

/// The end of `start..end` without the blanks after its last line end (the indent of
/// the next record).
fn trim_indent(body: &[u8], start: usize, mut end: usize) -> usize {
    let keep = end;
    while end > start && (body[end - 1] == b' ' || body[end - 1] == b'\t') {
        end -= 1;
    }
    if end > start && body[end - 1] == b'\n' {
        end
    } else {
        keep
    }
}

/// PETRARCH XML: `<Sentence date= id=><Text>...</Text></Sentence>` records, located by
/// the line of their `<Sentence` tag. A part that is not well-formed XML is rejected
/// (`bad-xml`) up to the next `<Sentence` tag, where reading goes on; so is a
/// `<Sentence>` still open at the end of the file.
fn xml_records(body: &[u8], file: &str, opts: &ReadOptions) -> Vec<Record> {
    let origin = |line| Origin {
        file: file.to_string(),
        line,
    };
    let (suite, problems) = crate::validate::petrarch::parse_bytes(body);
    let idx = LineIndex::new(body);
    let whole = suite.records.is_empty() && problems.len() == 1;
    let mut out: Vec<(usize, Record)> = Vec::with_capacity(suite.records.len() + problems.len());
    for r in suite.records {
        let line = idx.line_of(r.span.0);
        let raw = body[r.span.0..with_line_end(body, r.span.1)].to_vec();
        let lossy = invalid_utf8_line(&raw, line);
        let rec = make_story(
            Some(r.id),
            Some(r.date),
            Some(r.text),
            vec![String::new(); opts.keep_fields.len()],
            origin(line),
            &raw,
            lossy,
            opts,
        );
        out.push((r.span.0, rec));
    }
    for p in problems {
        let to_end = p.span.1 == body.len();
        let extent = match (p.unclosed, to_end, whole) {
            (true, _, _) | (_, false, _) => Extent::Record,
            (_, true, true) => Extent::File,
            _ => Extent::RestOfFile,
        };
        let rec = Record::Rejected(Rejected {
            origin: origin(idx.line_of(p.pos)),
            reason: "bad-xml",
            detail: p.message,
            raw: body[p.span.0..trim_indent(body, p.span.0, p.span.1)].to_vec(),
            extent,
        });
        out.push((p.span.0, rec));
    }
    out.sort_by_key(|(at, _)| *at);
    out.into_iter().map(|(_, r)| r).collect()
}

/// Opens a source as a stream of records.
pub fn open(
    src: &Source,
    format: InputFormat,
    opts: &ReadOptions,
) -> std::io::Result<Box<dyn Iterator<Item = std::io::Result<Record>> + Send>> {
    let name = src.name();
    Ok(match format {
        InputFormat::Jsonl => Box::new(JsonlReader::new(src.open()?, name, opts.clone())),
        InputFormat::Csv => {
            let tab = name.to_ascii_lowercase().ends_with(".tsv");
            Box::new(CsvReader::new(src.open()?, name, opts.clone(), tab))
        }
        f => Box::new(read_whole(src, f, opts)?.into_iter().map(Ok)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(text: &str, format: InputFormat, opts: &ReadOptions) -> Vec<Record> {
        let input: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(text.as_bytes().to_vec()));
        match format {
            InputFormat::Jsonl => JsonlReader::new(input, "t".into(), opts.clone())
                .map(Result::unwrap)
                .collect(),
            InputFormat::Csv => CsvReader::new(input, "t".into(), opts.clone(), false)
                .map(Result::unwrap)
                .collect(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn jsonl_reads_only_the_fields_it_needs() {
        let opts = ReadOptions {
            keep_fields: vec!["id".into(), "n".into(), "tags".into(), "gone".into()],
            ..Default::default()
        };
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        let text = format!(
            concat!(
                // Other fields, however nested, are skipped; the last of a repeated key
                // counts; numbers and arrays are kept as their JSON text.
                "{{\"id\":\"a\",\"x\":{deep},\"text\":\"first\",\"date\":\"2021-07-05\",",
                "\"text\":\"Russia \\u0026 China met.\",\"n\":7,\"tags\":[\"a\",1]}}\n",
                // A field the run reads cannot be nested too deeply.
                "{{\"id\":\"b\",\"date\":\"2021-07-05\",\"text\":{deep}}}\n",
            ),
            deep = deep
        );
        let r = records(&text, InputFormat::Jsonl, &opts);
        match &r[0] {
            Record::Story(s) => assert_eq!(
                (s.id.as_str(), s.text.as_str(), s.kept.clone()),
                (
                    "a",
                    "Russia & China met.",
                    vec!["a".into(), "7".into(), "[\"a\",1]".into(), String::new()]
                )
            ),
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(&r[1], Record::Rejected(j) if j.reason == "bad-json" && j.detail.contains("recursion limit"))
        );
    }

    #[test]
    fn jsonl_rejects_with_locations() {
        let opts = ReadOptions {
            keep_fields: vec!["url".into()],
            ..Default::default()
        };
        let text = "{\"id\":\"a\",\"date\":\"2021-07-05\",\"text\":\"Russia met China.\",\"url\":\"u\"}\n\n{bad\n{\"id\":\"c\",\"date\":\"yesterday\",\"text\":\"x\"}\n{\"id\":\"d\",\"date\":\"20210705\"}\n";
        let r = records(text, InputFormat::Jsonl, &opts);
        assert_eq!(r.len(), 4);
        match &r[0] {
            Record::Story(s) => {
                assert_eq!(
                    (
                        s.id.as_str(),
                        s.date.to_string().as_str(),
                        s.kept[0].as_str()
                    ),
                    ("a", "2021-07-05", "u")
                );
            }
            _ => panic!(),
        }
        let reasons: Vec<(&str, usize)> = r[1..]
            .iter()
            .map(|x| match x {
                Record::Rejected(j) => (j.reason, j.origin.line),
                _ => ("story", 0),
            })
            .collect();
        assert_eq!(
            reasons,
            vec![("bad-json", 3), ("bad-date", 4), ("no-text", 5)]
        );
    }

    #[test]
    fn csv_fields() {
        let opts = ReadOptions {
            text_field: "body".into(),
            ..Default::default()
        };
        let r = records(
            "id,date,body\n1,2020-01-02,\"Iran, Iraq talked.\"\n2,2020-01-02,\n",
            InputFormat::Csv,
            &opts,
        );
        assert!(
            matches!(&r[0], Record::Story(s) if s.text == "Iran, Iraq talked." && s.origin.line == 2)
        );
        assert!(matches!(&r[1], Record::Rejected(j) if j.reason == "no-text"));
    }

    /// Each record's line, kind and text: a story's text, a rejected record as read.
    fn summary(recs: Vec<Record>) -> Vec<(usize, &'static str, String)> {
        recs.into_iter()
            .map(|r| match r {
                Record::Story(s) => (s.origin.line, "story", s.text.clone()),
                Record::Rejected(j) => (j.origin.line, j.reason, decode(&j.raw)),
            })
            .collect()
    }

    #[test]
    fn csv_records_as_written() {
        let opts = ReadOptions::default();
        let text = "\u{feff}id,date,text\r\n\r\na,2020-01-02,\"Iran\r\nand \"\"Iraq\"\"\"\r\nb,2020-01-02,\"x\"y\r\nc,2020-01-02,x,y\r\nd,2020-01-02,\"ok\" \ne,2020-01-02,\"open";
        let got = summary(records_of(
            text.as_bytes(),
            "t.csv",
            "t",
            InputFormat::Csv,
            &opts,
        ));
        assert_eq!(
            got,
            vec![
                (3, "story", "Iran\r\nand \"Iraq\"".into()),
                (5, "bad-csv", "b,2020-01-02,\"x\"y\r\n".into()),
                (6, "bad-csv", "c,2020-01-02,x,y\r\n".into()),
                (7, "story", "ok ".into()),
                (8, "bad-csv", "e,2020-01-02,\"open".into()),
            ]
        );
        // A header without the text column: the whole file, as one rejection.
        let text = "id,body\n1,x\n";
        let recs = records_of(text.as_bytes(), "t.csv", "t", InputFormat::Csv, &opts);
        assert!(matches!(&recs[..], [Record::Rejected(j)]
            if j.raw == text.as_bytes() && j.extent == Extent::File && j.origin.line == 1));
        // An empty file has no records.
        assert!(records_of(b"", "t.csv", "t", InputFormat::Csv, &opts).is_empty());
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(quoting_problem(b"a,\"b\"\"c\",d\r\n", b',', 1), None);
        assert_eq!(quoting_problem(b"a,\"b\" ,d", b',', 1), None);
        assert_eq!(quoting_problem(b"a,b\"c,d\n", b',', 1), None);
        assert!(quoting_problem(b"a,\"b\"c,d", b',', 1)
            .unwrap()
            .starts_with("field 2: text after its closing quote on line 1"));
        assert!(quoting_problem(b"a,\"b\nc\"d", b',', 7)
            .unwrap()
            .starts_with("field 2: text after its closing quote on line 8"));
        assert!(quoting_problem(b"a\t\"b\n", b'\t', 3)
            .unwrap()
            .starts_with("field 2: the quote opened on line 3 is not closed"));
    }

    #[test]
    fn xml_records_and_problems_in_file_order() {
        let opts = ReadOptions::default();
        let text = "<S>\n<Sentence date=\"20200102\" id=\"a\"><Text>x</Text></Sentence>\n  <Sentence id=\"b\"><Text>y</Sentence>\n  <Sentence date=\"20200102\" id=\"c\">\n<Text>z</Text></Sentence>\n</S>\n<Sentence id=\"d\">";
        let got = summary(records_of(
            text.as_bytes(),
            "t.xml",
            "t",
            InputFormat::Xml,
            &opts,
        ));
        assert_eq!(
            got,
            vec![
                (2, "story", "x".into()),
                (
                    3,
                    "bad-xml",
                    "<Sentence id=\"b\"><Text>y</Sentence>\n".into()
                ),
                (4, "story", "z".into()),
                (7, "bad-xml", "<Sentence id=\"d\">".into()),
            ]
        );
    }

    #[test]
    fn tabari_preamble_and_empty_records() {
        let opts = ReadOptions::default();
        let text = "notes\n\n200102 a\nIran met Iraq.\n\n\n200102 b\n\n200102 c\n/* x */\n200102 d\nIraq met Iran.";
        let got = summary(records_of(
            text.as_bytes(),
            "t.records",
            "t",
            InputFormat::Tabari,
            &opts,
        ));
        assert_eq!(
            got,
            vec![
                (1, "no-header", "notes\n".into()),
                (3, "story", "Iran met Iraq.".into()),
                (7, "no-text", "200102 b\n".into()),
                (9, "no-text", "200102 c\n/* x */\n".into()),
                (11, "story", "Iraq met Iran.".into()),
            ]
        );
    }

    #[test]
    fn invalid_utf8_lines() {
        assert_eq!(invalid_utf8_line(b"ab\ncd", 4), None);
        assert_eq!(invalid_utf8_line(b"ab\nc\xffd\n\xfe", 4), Some(5));
        let idx = LineIndex::new(b"a\nb\n");
        assert_eq!(
            (idx.lines(), idx.line_of(0), idx.line_of(2), idx.range(2)),
            (2, 1, 2, 2..4)
        );
    }

    #[test]
    fn dates_in_file_names() {
        assert_eq!(
            date_from_name("afp_2021-07-06_kabul").unwrap().to_string(),
            "2021-07-06"
        );
        assert_eq!(
            date_from_name("story20210706").unwrap().to_string(),
            "2021-07-06"
        );
        assert!(date_from_name("story123").is_none());
        assert!(date_from_name("é2021-07-06é").is_some());
        assert!(date_from_name("ééééééééé").is_none());
    }

    proptest::proptest! {
        /// Blocks of lines, parsed where they are coded, give the records that the
        /// line-by-line reader gives, with the same lines, whatever the block size.
        #[test]
        fn line_blocks_read_as_the_line_reader_reads(
            lines in proptest::collection::vec(
                proptest::sample::select(vec![
                    r#"{"id":"a","date":"2001-02-03","text":"Norway accused Sweden."}"#,
                    r#"{"id":"b","date":"2001-02-03","text":"Line\nbreaks \"quoted\"."}"#,
                    r#"{"id":"c","date":"not a date","text":"x"}"#,
                    r#"{"id":"d","date":"2001-02-03"}"#,
                    "not json",
                    "",
                    "   ",
                    "\u{feff}{\"id\":\"e\",\"date\":\"2001-02-03\",\"text\":\"BOM\"}",
                    "{\"id\":\"f\",\"date\":\"2001-02-03\",\"text\":\"caf\u{e9}\"}",
                ]),
                0..30,
            ),
            crlf in proptest::bool::ANY,
            last_end in proptest::bool::ANY,
            size in 1usize..200,
        ) {
            let end = if crlf { "\r\n" } else { "\n" };
            let mut text = lines.join(end);
            if last_end && !lines.is_empty() {
                text.push_str(end);
            }
            let src = Source::File(std::env::temp_dir().join(format!(
                "dyad-blocks-{}-{size}.jsonl",
                std::process::id()
            )));
            let Source::File(path) = &src else { unreachable!() };
            std::fs::write(path, &text).unwrap();
            let opts = ReadOptions::default();
            let by_line: Vec<String> = JsonlReader::new(
                Box::new(std::io::Cursor::new(text.clone().into_bytes())),
                src.name(),
                opts.clone(),
            )
            .map(|r| format!("{:?}", r.unwrap()))
            .collect();
            let blocks: Vec<LineBlock> = JsonlBlocks::open(&src, Arc::new(opts), size)
                .unwrap()
                .map(Result::unwrap)
                .collect();
            std::fs::remove_file(path).unwrap();
            for b in &blocks[..blocks.len().saturating_sub(1)] {
                proptest::prop_assert!(b.text.len() >= size && b.text.ends_with(b"\n"));
            }
            let joined: Vec<u8> = blocks.iter().flat_map(|b| b.text.clone()).collect();
            proptest::prop_assert_eq!(joined, text.as_bytes());
            let by_block: Vec<String> = blocks
                .iter()
                .flat_map(|b| b.records().map(|r| format!("{r:?}")).collect::<Vec<_>>())
                .collect();
            proptest::prop_assert_eq!(by_block, by_line);
        }
    }
}
