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
});
