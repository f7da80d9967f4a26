//! `--output-format parquet` (cargo feature `parquet`): the file holds the rows of
//! the CSV output, with typed columns. Run with `cargo test --features parquet`.
#![cfg(feature = "parquet")]

use arrow_array::{Array, Date32Array, Float64Array, Int64Array, StringArray};
use assert_cmd::Command;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::path::Path;

fn dyad(dir: &Path, args: &[&str]) -> std::process::Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut all = vec![
        "code".to_string(),
        root.join("examples/stories.jsonl").display().to_string(),
        "-q".to_string(),
        "--keep-field".to_string(),
        "id".to_string(),
    ];
    all.extend(args.iter().map(|s| s.to_string()));
    Command::cargo_bin("dyad")
        .unwrap()
        .current_dir(dir)
        .args(&all)
        .output()
        .unwrap()
}

#[test]
fn parquet_rows_equal_the_csv_rows_with_types() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let csv = dyad(d, &["-o", "e.csv"]);
    assert!(csv.status.success());
    let pq = dyad(d, &["--output-format", "parquet", "-o", "e.parquet"]);
    assert!(
        pq.status.success(),
        "{}",
        String::from_utf8_lossy(&pq.stderr)
    );

    let mut rdr = csv::Reader::from_path(d.join("e.csv")).unwrap();
    let header: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert!(rows.len() > 10);

    let file = std::fs::File::open(d.join("e.parquet")).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    let mut seen = 0;
    for batch in reader {
        let batch = batch.unwrap();
        let schema = batch.schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, header);
        for r in 0..batch.num_rows() {
            let want = &rows[seen + r];
            for (c, name) in names.iter().enumerate() {
                let col = batch.column(c);
                let got = match *name {
                    "sentence" | "quad_class" => {
                        let a = col.as_any().downcast_ref::<Int64Array>().unwrap();
                        if a.is_null(r) {
                            String::new()
                        } else {
                            a.value(r).to_string()
                        }
                    }
                    "goldstein" => {
                        let a = col.as_any().downcast_ref::<Float64Array>().unwrap();
                        format!("{:.1}", a.value(r))
                    }
                    "date" | "story_date" => {
                        let a = col.as_any().downcast_ref::<Date32Array>().unwrap();
                        let days = dyad::date::Date::parse_any(&want[c]).unwrap().day_number();
                        assert_eq!(a.value(r), days, "{name} of row {}", seen + r);
                        want[c].to_string()
                    }
                    _ => col
                        .as_any()
                        .downcast_ref::<StringArray>()
                        .unwrap()
                        .value(r)
                        .to_string(),
                };
                assert_eq!(got, want[c], "{name} of row {}", seen + r);
            }
        }
        seen += batch.num_rows();
    }
    assert_eq!(seen, rows.len());
}

#[test]
fn parquet_needs_distinct_column_names() {
    let tmp = tempfile::tempdir().unwrap();
    let out = dyad(
        tmp.path(),
        &[
            "--output-format",
            "parquet",
            "-o",
            "e.parquet",
            "--columns",
            "source,target,source",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("column \"source\" twice: Parquet columns need distinct names"),
        "{err}"
    );
    assert!(!tmp.path().join("e.parquet").exists());
}
