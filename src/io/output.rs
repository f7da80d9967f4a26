//! Event writers: CSV, TSV, JSON Lines, Parquet (with the `parquet` cargo feature),
//! and the TABARI and PETRARCH event-file layouts.

use crate::cameo;
use crate::pipeline::Row;
use std::io::Write;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Comma-separated values with a header.
    Csv,
    /// Tab-separated values with a header.
    Tsv,
    /// One JSON object a line.
    Jsonl,
    /// Apache Parquet, typed columns (when dyad is built with `--features parquet`).
    Parquet,
}

/// Event-file layouts of earlier coders.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Layout {
    /// `YYMMDD<TAB>SOURCE<TAB>TARGET<TAB>CODE<TAB>(LABEL)`.
    Tabari,
    /// `YYYYMMDD<TAB>SOURCE<TAB>TARGET<TAB>CODE<TAB>STORY-SENTENCE<TAB>ISSUES`.
    Petrarch,
}

/// The columns dyad writes by default, in order.
pub const DEFAULT_COLUMNS: &[&str] = &[
    "event_id",
    "story_id",
    "sentence",
    "date",
    "story_date",
    "source",
    "source_country",
    "source_role",
    "target",
    "target_country",
    "target_role",
    "code",
    "root_code",
    "quad_class",
    "goldstein",
    "source_text",
    "target_text",
    "verb_text",
];

/// Declares the columns once: their names for `--columns` and headers, and the
/// variants a row is written by (no string comparison per field).
macro_rules! columns {
    ($($variant:ident => $name:literal),* $(,)?) => {
        /// Every column that can be chosen with `--columns`.
        pub const ALL_COLUMNS: &[&str] = &[$($name),*];

        /// A column of [`ALL_COLUMNS`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum Column {
            $($variant),*
        }

        impl Column {
            /// The column of a name in [`ALL_COLUMNS`].
            pub(crate) fn named(name: &str) -> Option<Column> {
                match name {
                    $($name => Some(Column::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

columns! {
    EventId => "event_id",
    StoryId => "story_id",
    Sentence => "sentence",
    Date => "date",
    StoryDate => "story_date",
    Source => "source",
    SourceCountry => "source_country",
    SourceRole => "source_role",
    Target => "target",
    TargetCountry => "target_country",
    TargetRole => "target_role",
    Code => "code",
    RootCode => "root_code",
    QuadClass => "quad_class",
    Goldstein => "goldstein",
    EventName => "event_name",
    SourceText => "source_text",
    TargetText => "target_text",
    VerbText => "verb_text",
    Issues => "issues",
    PloverType => "plover_type",
    PloverMode => "plover_mode",
    PloverContext => "plover_context",
    Text => "text",
}

/// Splits an actor code into its country (a CAMEO country code, or empty) and its
/// first role code (GOV, MIL, IGO, ...).
pub fn split_actor(code: &str) -> (&str, &str) {
    let chunk = |i: usize| code.get(i..i + 3).unwrap_or("");
    let first = chunk(0);
    if cameo::actors::is_country(first) {
        let role = (1..code.len() / 3)
            .map(|k| chunk(3 * k))
            .find(|c| cameo::actors::is_role(c))
            .unwrap_or("");
        (first, role)
    } else if cameo::actors::is_role(first) {
        ("", first)
    } else {
        ("", "")
    }
}

/// Writes rows in a chosen format and column set.
pub struct EventWriter<W: Write + Send> {
    /// The text sink; `None` when the rows go to Parquet.
    out: Option<W>,
    #[cfg(feature = "parquet")]
    parquet: Option<super::parquet::ParquetRows<W>>,
    format: OutputFormat,
    layout: Option<Layout>,
    columns: Vec<String>,
    /// The columns as [`Column`]s (`None` for a name that is no column).
    column_kinds: Vec<Option<Column>>,
    kept: Vec<String>,
    delimiter: Option<u8>,
    line: Vec<u8>,
    /// One field's text while a row is written.
    field: String,
}

impl EventWriter<Vec<u8>> {
    /// The text written so far, leaving the writer empty.
    pub fn take_text(&mut self) -> Vec<u8> {
        std::mem::take(self.text())
    }
}

/// Appends a field, quoted when it holds the delimiter, a quote or a line break
/// (RFC 4180), so R, pandas and Stata read it without help.
pub(crate) fn push_field(out: &mut Vec<u8>, field: &str, delim: u8) {
    let b = field.as_bytes();
    let needs = if b.len() < 16 {
        b.iter()
            .any(|&c| c == delim || c == b'"' || c == b'\n' || c == b'\r')
    } else {
        // Sentences and other long texts: vector searches.
        memchr::memchr3(delim, b'"', b'\n', b).is_some() || memchr::memchr(b'\r', b).is_some()
    };
    if needs {
        out.push(b'"');
        for b in field.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(field.as_bytes());
    }
}

impl<W: Write + Send> EventWriter<W> {
    /// A writer; `columns` are validated by the caller against [`ALL_COLUMNS`]. Fails
    /// when the format is Parquet and dyad was built without it, or the columns do not
    /// make a Parquet schema.
    pub fn new(
        out: W,
        format: OutputFormat,
        layout: Option<Layout>,
        columns: Vec<String>,
        kept: Vec<String>,
    ) -> std::io::Result<Self> {
        let delimiter = match (layout, format) {
            (None, OutputFormat::Csv) => Some(b','),
            (None, OutputFormat::Tsv) => Some(b'\t'),
            _ => None,
        };
        let parquet = layout.is_none() && format == OutputFormat::Parquet;
        #[cfg(not(feature = "parquet"))]
        if parquet {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Unsupported,
                "this dyad was built without Parquet output; build it with \
                 `cargo install --path . --features parquet`",
            ));
        }
        #[cfg(feature = "parquet")]
        let (out, parquet) = if parquet {
            let rows = super::parquet::ParquetRows::new(out, &columns, &kept)?;
            (None, Some(rows))
        } else {
            (Some(out), None)
        };
        #[cfg(not(feature = "parquet"))]
        let out = Some(out);
        Ok(EventWriter {
            out,
            #[cfg(feature = "parquet")]
            parquet,
            format,
            layout,
            column_kinds: columns.iter().map(|c| Column::named(c)).collect(),
            columns,
            kept,
            delimiter,
            line: Vec::with_capacity(512),
            field: String::with_capacity(256),
        })
    }

    fn text(&mut self) -> &mut W {
        self.out.as_mut().expect("a text writer")
    }

    /// Writes rows that a writer into memory with the same settings has written.
    pub fn write_written(&mut self, text: &[u8]) -> std::io::Result<()> {
        self.text().write_all(text)
    }

    /// Writes the header row (CSV and TSV).
    pub fn header(&mut self) -> std::io::Result<()> {
        if self.delimiter.is_some() {
            let names: Vec<String> = self
                .columns
                .iter()
                .chain(self.kept.iter())
                .cloned()
                .collect();
            self.write_fields(&names)?;
        }
        Ok(())
    }

    /// Writes a row as delimited text, field by field into the line buffer.
    fn write_row(&mut self, r: &Row, info: Option<&cameo::CodeInfo>) -> std::io::Result<()> {
        let d = self.delimiter.unwrap_or(b',');
        let mut line = std::mem::take(&mut self.line);
        let mut field = std::mem::take(&mut self.field);
        line.clear();
        for (i, col) in self.column_kinds.iter().enumerate() {
            if i > 0 {
                line.push(d);
            }
            field.clear();
            if let Some(c) = *col {
                column_into(c, r, info, &mut field);
            }
            push_field(&mut line, &field, d);
        }
        for (k, kept) in r.kept.iter().enumerate() {
            if k > 0 || !self.columns.is_empty() {
                line.push(d);
            }
            push_field(&mut line, kept, d);
        }
        line.push(b'\n');
        let res = self.text().write_all(&line);
        self.line = line;
        self.field = field;
        res
    }

    fn write_fields(&mut self, fields: &[String]) -> std::io::Result<()> {
        let d = self.delimiter.unwrap_or(b',');
        self.line.clear();
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                self.line.push(d);
            }
            push_field(&mut self.line, f, d);
        }
        self.line.push(b'\n');
        let line = std::mem::take(&mut self.line);
        let res = self.text().write_all(&line);
        self.line = line;
        res
    }
}

/// A column's text for a row (`info`: the row's code in the ontology); empty for a
/// name that is no column.
pub(crate) fn column_value(col: &str, r: &Row, info: Option<&cameo::CodeInfo>) -> String {
    let mut out = String::new();
    if let Some(c) = Column::named(col) {
        column_into(c, r, info, &mut out);
    }
    out
}

/// Writes `n` in decimal (as `{}` does, without the formatting machinery).
pub(crate) fn push_number(out: &mut String, n: u64) {
    out.extend(decimal(n, &mut [0; 20]).iter().map(|&d| d as char));
}

/// Writes a Goldstein value as `{:.1}` does. The scale's values have one decimal, which
/// are written from their tenths; any other value goes through the formatter.
fn push_tenths(out: &mut String, v: f64) {
    use std::fmt::Write as _;
    let tenths = (v * 10.0).round();
    if tenths / 10.0 != v || tenths.abs() > 1e6 || (v == 0.0 && v.is_sign_negative()) {
        // Writing to a `String` cannot fail.
        let _ = write!(out, "{v:.1}");
        return;
    }
    let t = tenths as i64;
    if t < 0 {
        out.push('-');
    }
    push_number(out, t.unsigned_abs() / 10);
    out.push('.');
    out.push((b'0' + (t.unsigned_abs() % 10) as u8) as char);
}

/// The decimal digits of `n`, written at the end of `buf`.
pub(crate) fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut k = buf.len();
    loop {
        k -= 1;
        buf[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[k..]
}

/// Appends a column's text for a row to `out` ([`column_value`] without a new string
/// per field: a CSV row is written field by field into one buffer).
pub(crate) fn column_into(col: Column, r: &Row, info: Option<&cameo::CodeInfo>, out: &mut String) {
    use std::fmt::Write as _;
    let e = &r.event;
    match col {
        Column::EventId => out.push_str(&r.event_id),
        Column::StoryId => out.push_str(&r.story_id),
        // Writing to a `String` cannot fail.
        Column::Sentence => push_number(out, r.sentence as u64),
        Column::Date => e.date.push_iso(out),
        Column::StoryDate => r.story_date.push_iso(out),
        Column::Source => out.push_str(&e.source),
        Column::SourceCountry => out.push_str(split_actor(&e.source).0),
        Column::SourceRole => out.push_str(split_actor(&e.source).1),
        Column::Target => out.push_str(&e.target),
        Column::TargetCountry => out.push_str(split_actor(&e.target).0),
        Column::TargetRole => out.push_str(split_actor(&e.target).1),
        Column::Code => out.push_str(&e.code),
        Column::RootCode => out.push_str(e.code.get(..2).unwrap_or("")),
        Column::QuadClass => {
            if let Some(i) = info {
                let _ = write!(out, "{}", i.quad_class());
            }
        }
        Column::Goldstein => {
            if let Some(i) = info {
                push_tenths(out, i.goldstein);
            }
        }
        Column::EventName => out.push_str(info.map_or("", |i| i.name)),
        Column::SourceText => out.push_str(&e.source_text),
        Column::TargetText => out.push_str(&e.target_text),
        Column::VerbText => out.push_str(&e.verb_text),
        Column::Issues => {
            for (k, issue) in e.issues.iter().enumerate() {
                if k > 0 {
                    out.push(';');
                }
                out.push_str(issue);
            }
        }
        Column::PloverType => out.push_str(info.map_or("", |i| i.plover_type)),
        Column::PloverMode => out.push_str(info.map_or("", |i| i.plover_mode)),
        Column::PloverContext => out.push_str(info.map_or("", |i| i.plover_context)),
        Column::Text => out.push_str(&r.text),
    }
}

impl<W: Write + Send> EventWriter<W> {
    /// Writes one row.
    pub fn write(&mut self, r: &Row) -> std::io::Result<()> {
        #[cfg(feature = "parquet")]
        if let Some(p) = self.parquet.as_mut() {
            return p.push(r);
        }
        if let Some(layout) = self.layout {
            let e = &r.event;
            let line = match layout {
                Layout::Tabari => {
                    let label = cameo::lookup(&e.code)
                        .map(|i| format!("\t({})", i.name.to_uppercase()))
                        .unwrap_or_default();
                    format!(
                        "{}\t{}\t{}\t{}{}\n",
                        e.date.tabari(),
                        e.source,
                        e.target,
                        e.code,
                        label
                    )
                }
                Layout::Petrarch => format!(
                    "{}\t{}\t{}\t{}\t{}-{}\t{}\n",
                    e.date.yyyymmdd(),
                    e.source,
                    e.target,
                    e.code,
                    r.story_id,
                    r.sentence,
                    e.issues.join(";")
                ),
            };
            return self.text().write_all(line.as_bytes());
        }
        let info = cameo::lookup_nearest(&r.event.code);
        if !matches!(self.format, OutputFormat::Jsonl) {
            return self.write_row(r, info);
        }
        let mut vals: Vec<String> = self
            .columns
            .iter()
            .map(|c| column_value(c, r, info))
            .collect();
        vals.extend(r.kept.iter().cloned());
        match self.format {
            OutputFormat::Jsonl => {
                let mut obj = serde_json::Map::new();
                for (k, v) in self.columns.iter().chain(self.kept.iter()).zip(vals) {
                    let jv = match k.as_str() {
                        "sentence" | "quad_class" => v
                            .parse::<u64>()
                            .map(serde_json::Value::from)
                            .unwrap_or(serde_json::Value::String(v)),
                        "goldstein" => v
                            .parse::<f64>()
                            .map(serde_json::Value::from)
                            .unwrap_or(serde_json::Value::String(v)),
                        _ => serde_json::Value::String(v),
                    };
                    obj.insert(k.clone(), jv);
                }
                let out = self.text();
                serde_json::to_writer(&mut *out, &obj)?;
                out.write_all(b"\n")
            }
            _ => self.write_fields(&vals),
        }
    }

    /// Flushes (for Parquet: writes the last rows and the footer) and returns the inner
    /// writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        #[cfg(feature = "parquet")]
        if let Some(p) = self.parquet.take() {
            let mut out = p.finish()?;
            out.flush()?;
            return Ok(out);
        }
        let mut out = self.out.take().expect("a text writer");
        out.flush()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn numbers_are_written_as_the_formatter_writes_them(n in any::<u64>()) {
            let mut out = String::new();
            push_number(&mut out, n);
            prop_assert_eq!(out, n.to_string());
        }

        #[test]
        fn goldstein_values_are_written_as_the_formatter_writes_them(
            tenths in -1000i32..1000,
            any_value in any::<f64>(),
        ) {
            for v in [f64::from(tenths) / 10.0, any_value, -0.0, 0.05, -2.25] {
                let mut out = String::new();
                push_tenths(&mut out, v);
                prop_assert_eq!(out, format!("{v:.1}"));
            }
        }
    }
}
