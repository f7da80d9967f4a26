//! The JSON Lines story reader over arbitrary bytes: every line becomes a story or a
//! rejected record with its line number; nothing panics.

#![no_main]

use dyad::io::input::{JsonlReader, ReadOptions, Record};
use libfuzzer_sys::fuzz_target;
use std::io::Read;

fuzz_target!(|data: &[u8]| {
    for max in [10 * 1024 * 1024, 16] {
        let opts = ReadOptions {
            keep_fields: vec!["url".into(), "id".into()],
            default_date: dyad::date::Date::from_ymd(2001, 2, 3).filter(|_| max == 16),
            max_story_bytes: max,
            ..Default::default()
        };
        let input: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(data.to_vec()));
        let lines = data.split(|&b| b == b'\n').count();
        let mut last = 0;
        for r in JsonlReader::new(input, "f.jsonl".into(), opts) {
            let r = r.expect("reading from memory does not fail");
            let (line, kept) = match &r {
                Record::Story(s) => {
                    assert!(!s.text.trim().is_empty() && s.text.len() <= max);
                    assert!((1800..=2200).contains(&s.date.ymd().0));
                    (s.origin.line, s.kept.len())
                }
                Record::Rejected(j) => (j.origin.line, 2),
            };
            assert_eq!(kept, 2);
            assert!(
                line > last && line <= lines,
                "line {line} after {last} of {lines}"
            );
            last = line;
        }
    }
});
