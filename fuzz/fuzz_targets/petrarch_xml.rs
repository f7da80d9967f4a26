//! PETRARCH XML records (the unit-test file and `--input-format xml`).

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(suite) = dyad::validate::petrarch::parse(&text) {
        for r in &suite.records {
            let _ = dyad::date::Date::parse_any(&r.date);
            assert!(!r.text.contains("  "), "text is whitespace-normalised");
        }
    }
    // Past the problems: records and the parts given up are in bounds, in order and
    // do not overlap.
    let (suite, problems) = dyad::validate::petrarch::parse_bytes(data);
    let mut spans: Vec<(usize, usize)> = suite.records.iter().map(|r| r.span).collect();
    assert!(
        spans.windows(2).all(|w| w[0].1 <= w[1].0),
        "records in order"
    );
    spans.extend(problems.iter().map(|p| p.span));
    spans.sort();
    for s in &spans {
        assert!(s.0 <= s.1 && s.1 <= data.len(), "{s:?} of {}", data.len());
    }
    for w in spans.windows(2) {
        assert!(w[0].1 <= w[1].0, "{:?} overlaps {:?}", w[0], w[1]);
    }
});
