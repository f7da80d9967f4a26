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
        // A rejected record is given as written: its bytes are the input's, in order.
        let mut at = 0;
        for r in CsvReader::new(input, "f.csv".into(), opts, tab).take(100_000) {
            let r = r.expect("reading from memory does not fail");
            let raw = match &r {
                Record::Story(s) => {
                    assert!(!s.text.trim().is_empty() && s.text.len() <= 64);
                    assert_eq!(s.kept.len(), 1);
                    continue;
                }
                Record::Rejected(j) => {
                    assert!(j.origin.line >= 1);
                    &j.raw
                }
            };
            if raw.is_empty() {
                continue;
            }
            let found = data[at..]
                .windows(raw.len())
                .position(|w| w == raw.as_slice())
                .expect("a rejected record's bytes are in the input, after the one before");
            at += found + raw.len();
        }
    }
});
