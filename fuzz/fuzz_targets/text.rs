//! The tokenizer, the sentence splitter, datelines and date anchoring on arbitrary text.

#![no_main]

use dyad::text::{fold_char, is_all_caps, sentences, tokenize};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let toks = tokenize(text);
    let mut prev_start = 0;
    for t in &toks {
        assert!(!t.text.is_empty());
        assert!(t.start <= t.end && t.end <= text.len(), "{t:?}");
        assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
        assert!(t.start >= prev_start, "tokens in text order: {t:?}");
        prev_start = t.start;
    }
    let _ = is_all_caps(text);
    for c in text.chars().take(64) {
        assert!(fold_char(c).count() <= 3);
    }
    let dl = sentences::dateline_len(text);
    assert!(dl <= text.len() && text.is_char_boundary(dl));
    let body = &text[dl..];
    let mut last = 0;
    let story = dyad::date::Date::from_ymd(2021, 7, 7).unwrap();
    for (a, b) in sentences::split(body) {
        assert!(
            last <= a && a < b && b <= body.len(),
            "{a}..{b} after {last}"
        );
        last = b;
        let s = &body[a..b];
        let d = dyad::pipeline::anchored_date(s, story);
        assert!((d.day_number() - story.day_number()).abs() <= 366, "{d}");
    }
});
