//! Property tests: invariants that hold for every input, checked on generated ones.
//!
//! - coding arbitrary Unicode never panics;
//! - the tokenizer loses no letter or digit (the precise property is stated on
//!   [`alnum_outside_comments`]);
//! - coding a corpus gives the same rows on 1 and on 3 threads;
//! - a date-restricted actor code resolves by TABARI's rule, boundaries included.
//!
//! `PROPTEST_CASES=N` runs more cases than the defaults below.

use dyad::coder::{Coder, Options, Status};
use dyad::date::Date;
use dyad::dict::code::{ActorValue, DateRange};
use dyad::dict::load::DictFiles;
use dyad::dict::{tabari, DictBuilder, Dictionaries};
use dyad::io::input::{Origin, Story};
use dyad::pipeline::{code_chunk, Done, StoryConfig, Work};
use dyad::text::{fold_char, tokenize};
use proptest::prelude::*;
use std::path::PathBuf;
use std::sync::OnceLock;

/// `PROPTEST_CASES` when set, else `n`.
fn cases(n: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n)
}

fn mini_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/mini")
}

/// The mini dictionaries, loaded as `--dictionaries tests/data/mini` loads them.
fn mini() -> &'static Dictionaries {
    static D: OnceLock<Dictionaries> = OnceLock::new();
    D.get_or_init(|| {
        let m = mini_dir();
        DictFiles {
            actors: vec![m.join("mini.actors")],
            agents: vec![m.join("mini.agents")],
            verbs: vec![m.join("mini.verbs")],
            discards: vec![m.join("mini.discards")],
            issues: Vec::new(),
        }
        .load()
        .expect("the mini dictionaries load")
    })
}

/// Words the mini dictionaries know, mixed with punctuation and odd characters, so that
/// generated sentences reach the parser's actor, agent and pattern logic.
const WORDS: &[&str] = &[
    "Norway",
    "Sweden",
    "Swedish",
    "Norwegian",
    "Erik",
    "Larsen",
    "Ambassador",
    "Lindqvist",
    "minister",
    "troops",
    "soldier",
    "police",
    "met",
    "meets",
    "accused",
    "blame",
    "shelled",
    "attack",
    "said",
    "for",
    "talks",
    "with",
    "artillery",
    "and",
    "but",
    "or",
    "the",
    "a",
    "he",
    "they",
    "it",
    "his",
    "not",
    "World",
    "Cup",
    "box",
    "office",
    ",",
    ".",
    ";",
    "\"",
    "'",
    "(",
    ")",
    "-",
    "--",
    "/*",
    "*/",
    "U.S.",
    "1,500",
    "2.5",
    "on",
    "Monday",
    "yesterday",
    "Crème",
    "Straße",
    "ﬃ",
    "Σ",
    "\u{a0}",
    "\u{2014}",
    "\u{200b}",
    "🙂",
];

/// Any string.
fn any_text() -> impl Strategy<Value = String> {
    any::<String>()
}

/// A sentence of dictionary words, punctuation and arbitrary Unicode.
fn sentence() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => proptest::sample::select(WORDS).prop_map(str::to_string),
        1 => any_text(),
        1 => "[ -~]{0,12}",
    ];
    (proptest::collection::vec(piece, 0..40), any::<bool>()).prop_map(|(ps, spaced)| {
        if spaced {
            ps.join(" ")
        } else {
            ps.concat()
        }
    })
}

fn date() -> impl Strategy<Value = Date> {
    (1900i32..2100, 0i32..366).prop_map(|(y, d)| Date::from_ymd(y, 1, 1).unwrap().add_days(d))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(400)))]

    /// Any text, any date, TABARI or PETRARCH options, with and without a trace: the
    /// coder returns, and a result with events is `Coded`.
    #[test]
    fn coding_arbitrary_unicode_never_panics(
        text in prop_oneof![sentence(), any_text()],
        date in date(),
        petrarch in any::<bool>(),
        trace in any::<bool>(),
    ) {
        let opts = if petrarch {
            dyad::validate::petrarch::petrarch_options()
        } else {
            Options::default()
        };
        let coder = Coder::new(mini(), &opts);
        let c = coder.code_full(&text, date, trace, Some("NOR"));
        if !c.events.is_empty() {
            prop_assert_eq!(&c.status, &Status::Coded);
        }
        prop_assert_eq!(c.trace.is_some(), trace);
    }
}

/// The letters and digits of `text` that the tokenizer reads: everything outside
/// `/* ... */` comments (an unclosed `/*` hides the rest of the text), each passed
/// through [`fold_char`], keeping the alphanumeric characters of the result.
///
/// The property: for every input, the alphanumeric characters of the tokens'
/// texts, in token order, are exactly these. So no letter or digit is lost, none is
/// invented, and their order is kept; punctuation is what the tokenizer may drop or
/// turn into tokens of its own. Further, every token is non-empty, has no whitespace,
/// and its byte range lies on character boundaries, in text order, and holds exactly
/// the letters and digits of the token.
fn alnum_outside_comments(text: &str) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < text.len() {
        if text[i..].starts_with("/*") {
            match text[i + 2..].find("*/") {
                Some(j) => {
                    i += 2 + j + 2;
                    continue;
                }
                None => break,
            }
        }
        let c = text[i..].chars().next().unwrap();
        out.extend(fold_char(c).filter(|u| u.is_alphanumeric()));
        i += c.len_utf8();
    }
    out
}

fn alnum(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(2000)))]

    #[test]
    fn tokenizing_keeps_every_letter_and_digit(
        text in prop_oneof![sentence(), any::<String>(), "[a-zA-Z0-9 ,.;:'\"/*!?()-]{0,60}"],
    ) {
        let toks = tokenize(&text);
        let got: String = toks.iter().map(|t| alnum(&t.text)).collect();
        prop_assert_eq!(got, alnum_outside_comments(&text));
        let mut last = 0;
        for t in &toks {
            prop_assert!(!t.text.is_empty());
            prop_assert!(!t.text.chars().any(char::is_whitespace), "{:?}", t);
            prop_assert!(t.start >= last && t.start <= t.end && t.end <= text.len(), "{:?}", t);
            prop_assert!(text.is_char_boundary(t.start) && text.is_char_boundary(t.end));
            prop_assert_eq!(alnum(&t.text), alnum_outside_comments(&text[t.start..t.end]));
            last = t.start;
        }
    }
}

/// A story of generated sentences (any Unicode, so that multi-byte characters land on
/// the dateline window and sentence ends).
fn story_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(sentence(), 1..6).prop_map(|ss| ss.join(". "))
}

fn corpus() -> impl Strategy<Value = Vec<(String, Date)>> {
    proptest::collection::vec((story_text(), date()), 1..40)
}

fn rows(done: &[Done]) -> Vec<String> {
    done.iter()
        .map(|d| match d {
            Done::Story(r, bytes, lossy) => format!(
                "{:?} {} {} {} {} {bytes} {lossy:?} {:?}",
                r.outcome,
                r.sentences,
                r.coded_sentences,
                r.skipped_sentences,
                r.rows.len(),
                r.rows
            ),
            Done::Rejected(r) => format!("rejected {} {}", r.origin, r.reason),
            Done::Unreadable(e) => format!("unreadable {e}"),
        })
        .collect()
}

fn work(corpus: &[(String, Date)]) -> Vec<Work> {
    corpus
        .iter()
        .enumerate()
        .map(|(i, (text, date))| {
            Work::Story(Story {
                id: format!("s{i}"),
                date: *date,
                text: text.clone(),
                kept: vec![format!("k{i}")],
                origin: Origin {
                    file: "gen.jsonl".into(),
                    line: i + 1,
                },
                lossy: None,
            })
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(48)))]

    /// `dyad code -j 1` and `-j 3` write the same rows: the chunk coder keeps input order
    /// and no story depends on another.
    #[test]
    fn rows_are_identical_for_1_and_3_threads(corpus in corpus(), max_sentences in proptest::option::of(1usize..4)) {
        let opts = Options::default();
        let coder = Coder::new(mini(), &opts);
        let cfg = StoryConfig { max_sentences, ..StoryConfig::default() };
        let pool = |n| rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
        let one: Vec<Done> = pool(1).install(|| code_chunk(&coder, &cfg, work(&corpus), None)).into_iter().flatten().collect();
        let three: Vec<Done> = pool(3).install(|| code_chunk(&coder, &cfg, work(&corpus), None)).into_iter().flatten().collect();
        prop_assert_eq!(one.len(), corpus.len());
        prop_assert_eq!(rows(&one), rows(&three));
    }
}

/// A dated block as generated: code index and restriction.
#[derive(Clone, Debug)]
enum Gen {
    Always,
    UpTo(Date),
    From(Date),
    Between(Date, Date),
}

/// Dates in a narrow window, so that restrictions and test dates often meet on a
/// boundary; both YYMMDD (1931-2030) and YYYYMMDD are written.
fn near_date() -> impl Strategy<Value = Date> {
    (0i32..40).prop_map(|d| Date::from_ymd(1999, 12, 20).unwrap().add_days(d))
}

fn block() -> impl Strategy<Value = Gen> {
    prop_oneof![
        1 => Just(Gen::Always),
        2 => near_date().prop_map(Gen::UpTo),
        2 => near_date().prop_map(Gen::From),
        4 => (near_date(), near_date()).prop_map(|(a, b)| Gen::Between(a, b)),
    ]
}

fn write_date(d: Date, long: bool) -> String {
    if long {
        d.yyyymmdd().to_string()
    } else {
        d.tabari()
    }
}

/// TABARI's rule, written plainly: the first restriction (in file order) whose range
/// holds the date, bounds inclusive; else the first undated code; else null. Inverted
/// ranges are errors and their blocks are skipped.
fn model(blocks: &[(String, Gen)], date: Date) -> Option<String> {
    let valid = blocks
        .iter()
        .filter(|(_, g)| !matches!(g, Gen::Between(a, b) if b < a));
    let mut undated = None;
    for (code, g) in valid {
        let holds = match *g {
            Gen::Always => {
                undated = undated.or(Some(code));
                false
            }
            Gen::UpTo(d) => date <= d,
            Gen::From(d) => date >= d,
            Gen::Between(a, b) => a <= date && date <= b,
        };
        if holds {
            return Some(code.clone());
        }
    }
    undated.cloned()
}

fn actor_file(blocks: &[(String, Gen)], long: bool) -> String {
    let mut s = String::from("GOLLUM_\n+SMEAGOL_\n");
    for (code, g) in blocks {
        let r = match *g {
            Gen::Always => String::new(),
            Gen::UpTo(d) => format!(" <{}", write_date(d, long)),
            Gen::From(d) => format!(" >{}", write_date(d, long)),
            Gen::Between(a, b) => format!(" {}-{}", write_date(a, long), write_date(b, long)),
        };
        s.push_str(&format!("\t[{code}{r}]\n"));
    }
    s
}

fn blocks() -> impl Strategy<Value = Vec<(String, Gen)>> {
    proptest::collection::vec(block(), 1..6).prop_map(|gs| {
        gs.into_iter()
            .enumerate()
            .map(|(i, g)| (format!("AA{}", (b'A' + i as u8) as char), g))
            .collect()
    })
}

/// The dates worth testing: every bound of every block, a day either side, and more.
fn probe_dates(blocks: &[(String, Gen)], extra: &[Date]) -> Vec<Date> {
    let mut out = extra.to_vec();
    for (_, g) in blocks {
        let ds = match *g {
            Gen::Always => vec![],
            Gen::UpTo(d) | Gen::From(d) => vec![d],
            Gen::Between(a, b) => vec![a, b],
        };
        for d in ds {
            out.extend([d.add_days(-1), d, d.add_days(1)]);
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(500)))]

    /// The actor file is read, and every synonym resolves as the model says on every
    /// boundary date.
    #[test]
    fn dated_codes_resolve_by_tabaris_rule(
        blocks in blocks(),
        long in any::<bool>(),
        extra in proptest::collection::vec(near_date(), 0..4),
    ) {
        let mut b = DictBuilder::new();
        tabari::read_actors(&mut b, "gen.actors", &actor_file(&blocks, long));
        let d = b.build();
        let inverted = blocks.iter().filter(|(_, g)| matches!(g, Gen::Between(a, b) if b < a)).count();
        prop_assert_eq!(d.errors().count(), inverted, "{:?}", d.diagnostics);
        if inverted == blocks.len() {
            // Every block was skipped: the actor is dropped.
            prop_assert!(d.actors.is_empty());
            return Ok(());
        }
        prop_assert_eq!(d.actors.len(), 2);
        for actor in &d.actors {
            for date in probe_dates(&blocks, &extra) {
                let got = match actor.codes.resolve(date) {
                    ActorValue::Codes(c) => Some(c.join("/")),
                    v => {
                        prop_assert!(v.is_null(), "{:?}", v);
                        None
                    }
                };
                prop_assert_eq!(got, model(&blocks, date), "{} on {}", actor.text, date);
            }
            // Parsed restrictions are the ones written.
            let ordered = actor.codes.blocks.iter().all(|b| match b.range {
                DateRange::Between(a, z) => a <= z,
                _ => true,
            });
            prop_assert!(ordered);
        }
    }

    /// The same through the coder: a sentence dated on a boundary gets the source code
    /// the model picks.
    #[test]
    fn coder_uses_the_code_in_force_on_the_sentence_date(
        blocks in blocks(),
        pick in any::<proptest::sample::Index>(),
    ) {
        let mut b = DictBuilder::new();
        let m = mini_dir();
        tabari::read_verbs(&mut b, "mini.verbs", &std::fs::read_to_string(m.join("mini.verbs")).unwrap());
        tabari::read_actors(&mut b, "mini.actors", &std::fs::read_to_string(m.join("mini.actors")).unwrap());
        tabari::read_actors(&mut b, "gen.actors", &actor_file(&blocks, true));
        let d = b.build();
        let dates = probe_dates(&blocks, &[Date::from_ymd(2000, 1, 1).unwrap()]);
        let date = dates[pick.index(dates.len())];
        let opts = Options::default();
        let coded = Coder::new(&d, &opts).code("Smeagol accused Sweden.", date);
        let sources: Vec<&str> = coded.events.iter().map(|e| e.source.as_str()).collect();
        match model(&blocks, date) {
            Some(code) => prop_assert_eq!(sources, vec![code.as_str()], "on {}", date),
            None => prop_assert!(
                sources.iter().all(|s| !s.starts_with("AA")),
                "null on {}: {:?}", date, sources
            ),
        }
    }
}
