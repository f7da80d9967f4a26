//! A actors file, read with the other mini dictionaries, built, checked and used to code.

#![no_main]

use dyad::dict::load::{decode, FileKind};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    // Dictionary files are read as UTF-8, or Latin-1 when they are not valid UTF-8.
    let text = decode(data);
    common::dict_round(FileKind::Actors, "fuzz.actors", &text, false);
    common::dict_round(FileKind::Actors, "fuzz.actors", &text, true);
});
