//! `PETR_config.ini` and TABARI `.options` text: parsed (errors name `file:line`), and
//! every option applied.

#![no_main]

use dyad::coder::Options;
use dyad::dict::load::decode;
use dyad::dict::petrarch::read_config;
use dyad::validate::petrarch::{apply_config, petrarch_options};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let text = decode(data);
    if let Ok(cfg) = read_config(Path::new("/cfg/PETR_config.ini"), &text) {
        let mut opts = petrarch_options();
        for (k, v) in &cfg.options {
            apply_config(&mut opts, k, v);
        }
    } else if let Err(e) = read_config(Path::new("c.ini"), &text) {
        assert!(e.starts_with("c.ini:"), "{e}");
    }
    let mut o = Options::default();
    o.read(&text);
});
