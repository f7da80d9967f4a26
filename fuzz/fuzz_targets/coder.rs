//! The sentence coder on arbitrary text, with the mini dictionaries (TABARI and
//! PETRARCH options) and dyad's own dictionaries, sentence by sentence and as a story.

#![no_main]

use dyad::coder::{Coder, Options};
use dyad::date::Date;
use dyad::dict::{builtin, DictBuilder, Dictionaries};
use dyad::io::input::{Origin, Story};
use dyad::pipeline::{code_story, StoryConfig};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

#[path = "common.rs"]
mod common;

fn mini() -> &'static Dictionaries {
    static D: OnceLock<Dictionaries> = OnceLock::new();
    D.get_or_init(|| {
        let mut b = DictBuilder::new();
        dyad::dict::load::load_texts(&mut b, common::MINI);
        b.build()
    })
}

fn own() -> &'static Dictionaries {
    static D: OnceLock<Dictionaries> = OnceLock::new();
    D.get_or_init(builtin::load)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let date = Date::from_ymd(1933, 5, 2).unwrap();
    let tabari = Options::default();
    let petr = dyad::validate::petrarch::petrarch_options();
    let small = Options {
        max_words: 12,
        minimum_words: 2,
        ..Options::default()
    };
    for opts in [&tabari, &petr, &small] {
        let coder = Coder::new(mini(), opts);
        let c = coder.code_with(&text, date, true);
        if !c.events.is_empty() {
            assert_eq!(c.status, dyad::coder::Status::Coded);
        }
        let _ = coder.code_full(&text, date, false, Some("NOR"));
    }
    let own_opts = Options::default();
    let coder = Coder::new(own(), &own_opts);
    let _ = coder.code(&text, Date::from_ymd(2021, 7, 5).unwrap());
    let story = Story {
        id: "f".into(),
        date: Date::from_ymd(2021, 7, 7).unwrap(),
        text: text.to_string(),
        kept: Vec::new(),
        origin: Origin {
            file: "f".into(),
            line: 1,
        },
        lossy: None,
    };
    let r = code_story(&coder, &story, &StoryConfig::default());
    assert!(r.coded_sentences <= r.sentences);
});
