//! The CSV and TSV story readers over arbitrary bytes.

#![no_main]

use dyad::io::input::{CsvReader, ReadOptions, Record};
use libfuzzer_sys::fuzz_target;
use std::io::Read;

fuzz_target!(|data: &[u8]| {
    for tab in [false, true] {
        let opts = ReadOptions {
            keep_fields: vec!["url".into()],
            max_story_bytes: 64,
            ..Default::default()
        };
        let input: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(data.to_vec()));
        for r in CsvReader::new(input, "f.csv".into(), opts, tab).take(100_000) {
            match r {
                Ok(Record::Story(s)) => {
                    assert!(!s.text.trim().is_empty() && s.text.len() <= 64);
                    assert_eq!(s.kept.len(), 1);
                }
                Ok(Record::Rejected(_)) => {}
                Err(e) => assert!(e.to_string().starts_with("f.csv:1: "), "{e}"),
            }
        }
    }
});
