//! Helpers shared by the fuzz targets (included with `#[path]` by each target).

#![allow(dead_code)]

use dyad::coder::{Coder, Options};
use dyad::date::Date;
use dyad::dict::load::{load_texts, FileKind};
use dyad::dict::{check, DictBuilder, Dictionaries};

/// The command-line test dictionaries, compiled into the fuzz binary.
pub const MINI: &[(&str, FileKind, &str)] = &[
    (
        "mini.actors",
        FileKind::Actors,
        include_str!("../../tests/data/mini/mini.actors"),
    ),
    (
        "mini.agents",
        FileKind::Agents,
        include_str!("../../tests/data/mini/mini.agents"),
    ),
    (
        "mini.verbs",
        FileKind::Verbs,
        include_str!("../../tests/data/mini/mini.verbs"),
    ),
    (
        "mini.discards",
        FileKind::Discards,
        include_str!("../../tests/data/mini/mini.discards"),
    ),
];

/// Loads the mini files except those of `skip`, then the fuzzed file as `kind`, builds,
/// runs `dyad dict check` on the result and codes a few sentences with it: the first
/// lines of the fuzzed file (so dictionary phrases can meet text) and two fixed ones.
pub fn dict_round(kind: FileKind, name: &str, text: &str, whole_words: bool) {
    let mut b = DictBuilder::new();
    b.whole_words = whole_words;
    let mut files: Vec<(&str, FileKind, &str)> = MINI
        .iter()
        .copied()
        .filter(|(_, k, _)| *k != kind)
        .collect();
    files.push((name, kind, text));
    load_texts(&mut b, &files);
    let d = b.build();
    exercise_dict(&d, text);
}

/// Checks and codes with a built dictionary.
pub fn exercise_dict(d: &Dictionaries, text: &str) {
    for diag in &d.diagnostics {
        let s = diag.to_string();
        assert!(s.contains(&format!(":{}:", diag.loc.line)), "{s}");
    }
    let _ = check::check(d, &check::CheckOptions::default());
    let _ = check::stats(d);
    let opts = Options::default();
    let coder = Coder::new(d, &opts);
    let date = Date::from_ymd(1933, 5, 2).unwrap();
    let lines = text
        .lines()
        .map(|l| l.replace(['[', ']', '_', '+', '{', '}', '~'], " "))
        .filter(|l| !l.trim().is_empty())
        .take(4);
    for l in lines {
        let l: String = l.chars().take(200).collect();
        let _ = coder.code_with(&l, date, true);
    }
    let _ = coder.code("Norway accused Sweden of massing troops.", date);
    let _ = coder.code("Erik Larsen met Ambassador Lindqvist for talks.", date);
}
