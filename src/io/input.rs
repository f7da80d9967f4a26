//! Story readers: JSON Lines, CSV, plain text, TABARI record files and PETRARCH XML.
//! Each yields stories or rejected records with their location; nothing is dropped
//! silently.

use crate::date::Date;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

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
    /// The text was not valid UTF-8 and was decoded lossily.
    pub lossy: bool,
    /// The record as read, for the rejects file.
    pub raw: String,
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
    /// The record verbatim.
    pub raw: String,
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

fn decode_line(bytes: &[u8]) -> (String, bool) {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), false),
        Err(_) => (String::from_utf8_lossy(bytes).into_owned(), true),
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

/// Builds a story from fields, or says why it cannot be one.
#[allow(clippy::too_many_arguments)]
fn make_story(
    id: Option<String>,
    date: Option<String>,
    text: Option<String>,
    kept: Vec<String>,
    origin: Origin,
    raw: String,
    lossy: bool,
    opts: &ReadOptions,
) -> Record {
    let reject = |reason: &'static str, detail: String| {
        Record::Rejected(Rejected {
            origin: origin.clone(),
            reason,
            detail,
            raw: raw.clone(),
        })
    };
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return reject(
            "no-text",
            format!("no {:?} field or it is empty", opts.text_field),
        );
    };
    if text.len() > opts.max_story_bytes {
        return reject(
            "too-long",
            format!(
                "story of {} bytes exceeds --max-story-bytes {}",
                text.len(),
                opts.max_story_bytes
            ),
        );
    }
    let date = match date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => match Date::parse_any(d) {
            Some(d) if (1800..=2200).contains(&d.ymd().0) => d,
            Some(_) => return reject("bad-date", format!("date {d:?} is out of range")),
            None => {
                return reject(
                    "bad-date",
                    format!("date {d:?} is not ISO 8601, YYYYMMDD or YYMMDD"),
                )
            }
        },
        None => match opts.default_date {
            Some(d) => d,
            None => {
                return reject(
                    "no-date",
                    format!("no {:?} field and no --date", opts.date_field),
                )
            }
        },
    };
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
        raw,
    })
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
            match self.input.read_until(b'\n', &mut self.buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => return Some(Err(e)),
            }
            self.line += 1;
            let (line, lossy) = decode_line(&self.buf);
            let line = line.strip_prefix('\u{feff}').unwrap_or(&line).to_string();
            if line.trim().is_empty() {
                continue;
            }
            let origin = Origin {
                file: self.file.clone(),
                line: self.line,
            };
            let v: serde_json::Value = match serde_json::from_str(&line) {
                Ok(v) => v,
                Err(e) => {
                    return Some(Ok(Record::Rejected(Rejected {
                        origin,
                        reason: "bad-json",
                        detail: e.to_string(),
                        raw: line,
                    })));
                }
            };
            let Some(obj) = v.as_object() else {
                return Some(Ok(Record::Rejected(Rejected {
                    origin,
                    reason: "bad-json",
                    detail: "not a JSON object".into(),
                    raw: line,
                })));
            };
            let get = |k: &str| obj.get(k).and_then(value_text);
            let kept = self
                .opts
                .keep_fields
                .iter()
                .map(|k| get(k).unwrap_or_default())
                .collect();
            return Some(Ok(make_story(
                get(&self.opts.id_field),
                get(&self.opts.date_field),
                get(&self.opts.text_field),
                kept,
                origin,
                line.clone(),
                lossy,
                &self.opts,
            )));
        }
    }
}

/// Reads CSV (or TSV) with a header row.
pub struct CsvReader {
    rdr: csv::Reader<Box<dyn Read + Send>>,
    file: String,
    opts: ReadOptions,
    cols: (
        Option<usize>,
        Option<usize>,
        Option<usize>,
        Vec<Option<usize>>,
    ),
    header_error: Option<String>,
    done: bool,
}

impl CsvReader {
    /// Reads from `input`; `tab` selects TSV.
    pub fn new(input: Box<dyn Read + Send>, file: String, opts: ReadOptions, tab: bool) -> Self {
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(if tab { b'\t' } else { b',' })
            .flexible(true)
            .from_reader(input);
        let (cols, header_error) = match rdr.byte_headers() {
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
                let cols = (
                    find(&opts.id_field),
                    find(&opts.date_field),
                    find(&opts.text_field),
                    opts.keep_fields.iter().map(|k| find(k)).collect(),
                );
                let err = cols
                    .2
                    .is_none()
                    .then(|| format!("no column {:?} in the header", opts.text_field));
                (cols, err)
            }
            Err(e) => ((None, None, None, Vec::new()), Some(e.to_string())),
        };
        CsvReader {
            rdr,
            file,
            opts,
            cols,
            header_error,
            done: false,
        }
    }
}

impl Iterator for CsvReader {
    type Item = std::io::Result<Record>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if let Some(e) = self.header_error.take() {
            self.done = true;
            return Some(Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}:1: {e}", self.file),
            )));
        }
        let mut rec = csv::ByteRecord::new();
        match self.rdr.read_byte_record(&mut rec) {
            Ok(false) => None,
            Ok(true) => {
                let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
                let origin = Origin {
                    file: self.file.clone(),
                    line,
                };
                let mut lossy = false;
                let field = |i: Option<usize>, lossy: &mut bool| -> Option<String> {
                    let b = rec.get(i?)?;
                    let (s, l) = decode_line(b);
                    *lossy |= l;
                    Some(s)
                };
                let raw = rec
                    .iter()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect::<Vec<_>>()
                    .join(",");
                let kept = self
                    .cols
                    .3
                    .clone()
                    .into_iter()
                    .map(|c| field(c, &mut lossy).unwrap_or_default())
                    .collect();
                let id = field(self.cols.0, &mut lossy);
                let date = field(self.cols.1, &mut lossy);
                let text = field(self.cols.2, &mut lossy);
                Some(Ok(make_story(
                    id, date, text, kept, origin, raw, lossy, &self.opts,
                )))
            }
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                Some(Ok(Record::Rejected(Rejected {
                    origin: Origin {
                        file: self.file.clone(),
                        line,
                    },
                    reason: "bad-csv",
                    detail: e.to_string(),
                    raw: String::new(),
                })))
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
    let (text, lossy) = match std::str::from_utf8(&bytes) {
        Ok(s) => (s.to_string(), false),
        Err(_) => (String::from_utf8_lossy(&bytes).into_owned(), true),
    };
    let text = text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text);
    let file = src.name();
    match format {
        InputFormat::Text => {
            let stem = match src {
                Source::File(p) => p
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                Source::Stdin => "stdin".into(),
            };
            let mut o = opts.clone();
            if o.default_date.is_none() {
                o.default_date = date_from_name(&stem);
            }
            Ok(vec![make_story(
                Some(stem),
                None,
                Some(text.clone()),
                vec![String::new(); opts.keep_fields.len()],
                Origin { file, line: 1 },
                text,
                lossy,
                &o,
            )])
        }
        InputFormat::Tabari => {
            let recs = crate::validate::tabari::read_records(&text, opts.yyyy);
            Ok(recs
                .into_iter()
                .map(|r| {
                    let origin = Origin {
                        file: file.clone(),
                        line: r.line,
                    };
                    match r.date {
                        Some(d) => Record::Story(Story {
                            id: r.id,
                            date: d,
                            text: r.text.clone(),
                            kept: vec![String::new(); opts.keep_fields.len()],
                            origin,
                            lossy,
                            raw: r.text,
                        }),
                        None => Record::Rejected(Rejected {
                            origin,
                            reason: "bad-date",
                            detail: format!("date {:?} is not YYMMDD", r.date_text),
                            raw: r.text,
                        }),
                    }
                })
                .collect())
        }
        InputFormat::Xml => match crate::validate::petrarch::parse(&text) {
            Ok(suite) => Ok(suite
                .records
                .into_iter()
                .enumerate()
                .map(|(i, r)| {
                    let origin = Origin {
                        file: file.clone(),
                        line: i + 1,
                    };
                    make_story(
                        Some(r.id),
                        Some(r.date),
                        Some(r.text.clone()),
                        vec![String::new(); opts.keep_fields.len()],
                        origin,
                        r.text,
                        lossy,
                        opts,
                    )
                })
                .collect()),
            Err(e) => Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{file}: {e}"),
            )),
        },
        InputFormat::Jsonl | InputFormat::Csv => unreachable!("streamed formats"),
    }
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
}
