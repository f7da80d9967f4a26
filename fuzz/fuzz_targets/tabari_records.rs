//! TABARI record files: records split, comments' assertion blocks and idinfo read.

#![no_main]

use dyad::validate::tabari::{blocks, read_records, sequence};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for yyyy in [false, true] {
        let recs = read_records(&text, yyyy);
        let mut last = 0;
        for r in &recs {
            assert!(r.line > last, "record lines go forward");
            last = r.line;
            let _ = blocks(&r.comment);
            let _ = sequence("^^*****NNN*SSS", &r.idinfo);
            let _ = sequence(&r.comment, &r.idinfo);
        }
    }
});
