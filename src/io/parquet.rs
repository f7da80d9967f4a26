//! Apache Parquet output (`--output-format parquet`, cargo feature `parquet`): the
//! columns of the CSV output with their types, so that pandas (`read_parquet`), R
//! (`arrow::read_parquet`) and Stata's Parquet readers need no conversion. `sentence`
//! and `quad_class` are 64-bit integers, `goldstein` a double, `date` and `story_date`
//! dates; every other column, and `--keep-field` columns, text. A code the ontology
//! does not know leaves `quad_class` and `goldstein` null (empty in CSV).

use super::output::column_value;
use crate::cameo;
use crate::pipeline::Row;
use arrow_array::{ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use std::io::Write;
use std::sync::Arc;

/// Rows per record batch (and at most per row group): bounded memory on any corpus.
const BATCH_ROWS: usize = 65_536;

/// The values of one column for the rows not yet written.
enum Column {
    Text(Vec<String>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Date(Vec<i32>),
}

fn data_type(name: &str) -> DataType {
    match name {
        "sentence" | "quad_class" => DataType::Int64,
        "goldstein" => DataType::Float64,
        "date" | "story_date" => DataType::Date32,
        _ => DataType::Utf8,
    }
}

fn to_io(e: impl std::error::Error + Send + Sync + 'static) -> std::io::Error {
    std::io::Error::other(e)
}

/// Writes rows to a Parquet file in batches.
pub(crate) struct ParquetRows<W: Write + Send> {
    writer: ArrowWriter<W>,
    schema: Arc<Schema>,
    /// dyad's columns, then the kept input fields.
    names: Vec<String>,
    dyad_columns: usize,
    columns: Vec<Column>,
    rows: usize,
}

impl<W: Write + Send> ParquetRows<W> {
    /// A writer for these dyad columns and kept input fields.
    pub(crate) fn new(out: W, columns: &[String], kept: &[String]) -> std::io::Result<Self> {
        let dyad_columns = columns.len();
        let names: Vec<String> = columns.iter().chain(kept).cloned().collect();
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = names.iter().find(|n| !seen.insert(n.as_str())) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("column {dup:?} twice: Parquet columns need distinct names"),
            ));
        }
        let fields: Vec<Field> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let ty = if i < dyad_columns {
                    data_type(n)
                } else {
                    DataType::Utf8
                };
                let nullable = matches!(ty, DataType::Int64 | DataType::Float64);
                Field::new(n, ty, nullable)
            })
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(BATCH_ROWS))
            .build();
        let writer = ArrowWriter::try_new(out, schema.clone(), Some(props)).map_err(to_io)?;
        let columns = schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Int64 => Column::Int(Vec::new()),
                DataType::Float64 => Column::Float(Vec::new()),
                DataType::Date32 => Column::Date(Vec::new()),
                _ => Column::Text(Vec::new()),
            })
            .collect();
        Ok(ParquetRows {
            writer,
            schema,
            names,
            dyad_columns,
            columns,
            rows: 0,
        })
    }

    /// Adds a row; a full batch is written out.
    pub(crate) fn push(&mut self, r: &Row) -> std::io::Result<()> {
        let info = cameo::lookup_nearest(&r.event.code);
        for (i, col) in self.columns.iter_mut().enumerate() {
            let name = self.names[i].as_str();
            match col {
                Column::Int(v) => v.push(match name {
                    "sentence" => Some(r.sentence as i64),
                    _ => info.map(|i| i64::from(i.quad_class())),
                }),
                Column::Float(v) => v.push(info.map(|i| i.goldstein)),
                Column::Date(v) => v.push(match name {
                    "date" => r.event.date.day_number(),
                    _ => r.story_date.day_number(),
                }),
                Column::Text(v) => v.push(if i < self.dyad_columns {
                    column_value(name, r, info)
                } else {
                    r.kept
                        .get(i - self.dyad_columns)
                        .cloned()
                        .unwrap_or_default()
                }),
            }
        }
        self.rows += 1;
        if self.rows >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self
            .columns
            .iter_mut()
            .map(|c| -> ArrayRef {
                match c {
                    Column::Text(v) => Arc::new(StringArray::from(std::mem::take(v))),
                    Column::Int(v) => Arc::new(Int64Array::from(std::mem::take(v))),
                    Column::Float(v) => Arc::new(Float64Array::from(std::mem::take(v))),
                    Column::Date(v) => Arc::new(Date32Array::from(std::mem::take(v))),
                }
            })
            .collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays).map_err(to_io)?;
        self.writer.write(&batch).map_err(to_io)?;
        self.rows = 0;
        Ok(())
    }

    /// Writes the last rows and the file footer; returns the inner writer.
    pub(crate) fn finish(mut self) -> std::io::Result<W> {
        self.flush()?;
        self.writer.into_inner().map_err(to_io)
    }
}
