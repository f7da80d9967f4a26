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

/// Every column that can be chosen with `--columns`.
pub const ALL_COLUMNS: &[&str] = &[
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
    "event_name",
    "source_text",
    "target_text",
    "verb_text",
    "issues",
    "plover_type",
    "plover_mode",
    "plover_context",
    "text",
];

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
    kept: Vec<String>,
    delimiter: Option<u8>,
    line: Vec<u8>,
}

/// Appends a field, quoted when it holds the delimiter, a quote or a line break
/// (RFC 4180), so R, pandas and Stata read it without help.
fn push_field(out: &mut Vec<u8>, field: &str, delim: u8) {
    let needs = field
        .bytes()
        .any(|b| b == delim || b == b'"' || b == b'\n' || b == b'\r');
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
            columns,
            kept,
            delimiter,
            line: Vec::with_capacity(512),
        })
    }

    fn text(&mut self) -> &mut W {
        self.out.as_mut().expect("a text writer")
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

/// A column's text for a row (`info`: the row's code in the ontology).
pub(crate) fn column_value(col: &str, r: &Row, info: Option<&cameo::CodeInfo>) -> String {
    {
        let e = &r.event;
        match col {
            "event_id" => r.event_id.clone(),
            "story_id" => r.story_id.clone(),
            "sentence" => r.sentence.to_string(),
            "date" => e.date.to_string(),
            "story_date" => r.story_date.to_string(),
            "source" => e.source.clone(),
            "source_country" => split_actor(&e.source).0.to_string(),
            "source_role" => split_actor(&e.source).1.to_string(),
            "target" => e.target.clone(),
            "target_country" => split_actor(&e.target).0.to_string(),
            "target_role" => split_actor(&e.target).1.to_string(),
            "code" => e.code.clone(),
            "root_code" => e.code.get(..2).unwrap_or("").to_string(),
            "quad_class" => info.map(|i| i.quad_class().to_string()).unwrap_or_default(),
            "goldstein" => info
                .map(|i| format!("{:.1}", i.goldstein))
                .unwrap_or_default(),
            "event_name" => info.map(|i| i.name.to_string()).unwrap_or_default(),
            "source_text" => e.source_text.clone(),
            "target_text" => e.target_text.clone(),
            "verb_text" => e.verb_text.clone(),
            "issues" => e.issues.join(";"),
            "plover_type" => info.map(|i| i.plover_type.to_string()).unwrap_or_default(),
            "plover_mode" => info.map(|i| i.plover_mode.to_string()).unwrap_or_default(),
            "plover_context" => info
                .map(|i| i.plover_context.to_string())
                .unwrap_or_default(),
            "text" => r.text.clone(),
            _ => String::new(),
        }
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
