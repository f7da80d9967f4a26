//! Micro-benchmarks: tokenising, dictionary matching, coding one sentence, loading each
//! dictionary set. Run with `cargo bench`. The Phoenix and TABARI sets are read from
//! `../shared` when it is present; without it those benchmarks are skipped. Loading
//! benchmarks return the dictionaries, so that dropping them is not timed (the binary
//! never drops them).

use dyad::coder::{Coder, Options};
use dyad::date::Date;
use dyad::dict::load::DictFiles;
use dyad::dict::{builtin, DictBuilder, Dictionaries};
use std::path::PathBuf;
use std::sync::LazyLock;

// The allocator the `dyad` binary uses, so that these figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

const SENTENCE: &str = "Russian Foreign Minister Sergei Lavrov met his Chinese counterpart Wang Yi in Moscow on Monday and said the two countries would oppose new sanctions against Iran.";
const STORY: &str = "KABUL, July 5 (Reuters) - Taliban fighters attacked Afghan troops near the border with Tajikistan and seized three checkpoints, officials said on Monday. Tajikistan mobilised 20,000 troops to reinforce the frontier. Russian Foreign Minister Sergei Lavrov said Moscow was ready to help its ally.";

fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    p.join("dictionaries").is_dir().then_some(p)
}

static OWN: LazyLock<Dictionaries> = LazyLock::new(builtin::load);

fn phoenix_files() -> Option<DictFiles> {
    let s = shared()?;
    DictFiles::from_petrarch_config(&s.join("dictionaries/phoenix/PETR_config.ini"))
        .ok()
        .map(|(f, _)| f)
}

static PHOENIX: LazyLock<Option<Dictionaries>> = LazyLock::new(|| {
    let f = phoenix_files()?;
    let mut b = DictBuilder::new();
    b.whole_words = true;
    f.load_into(&mut b).ok()?;
    Some(b.build())
});

#[divan::bench]
fn tokenize_sentence() -> usize {
    dyad::text::tokenize(divan::black_box(SENTENCE)).len()
}

#[divan::bench]
fn split_story() -> usize {
    dyad::text::sentences::split(divan::black_box(STORY)).len()
}

#[divan::bench]
fn code_sentence_own_dictionaries(bencher: divan::Bencher) {
    let d = &*OWN;
    let opts = Options::default();
    let coder = Coder::new(d, &opts);
    let date = Date::parse_any("2021-07-05").unwrap();
    bencher.bench(|| coder.code(divan::black_box(SENTENCE), date).events.len());
}

#[divan::bench]
fn code_sentence_phoenix(bencher: divan::Bencher) {
    let Some(d) = PHOENIX.as_ref() else { return };
    let opts = dyad::validate::petrarch::petrarch_options();
    let coder = Coder::new(d, &opts);
    let date = Date::parse_any("2014-07-05").unwrap();
    bencher.bench(|| coder.code(divan::black_box(SENTENCE), date).events.len());
}

#[divan::bench]
fn match_without_verbs_own_dictionaries(bencher: divan::Bencher) {
    // Dictionary matching alone: a sentence with actors but no verb.
    let d = &*OWN;
    let opts = Options::default();
    let coder = Coder::new(d, &opts);
    let date = Date::parse_any("2021-07-05").unwrap();
    let s = "The Russian, Chinese and Iranian delegations in Moscow on Monday, with officials from the United Nations.";
    bencher.bench(|| coder.code(divan::black_box(s), date).events.len());
}

#[divan::bench(sample_count = 10)]
fn load_own_dictionaries() -> Dictionaries {
    builtin::load()
}

#[divan::bench(sample_count = 10)]
fn load_phoenix() -> Option<Dictionaries> {
    let f = phoenix_files()?;
    let mut b = DictBuilder::new();
    b.whole_words = true;
    f.load_into(&mut b).unwrap();
    Some(b.build())
}

#[divan::bench(sample_count = 10)]
fn load_tabari_cameo() -> Option<Dictionaries> {
    let s = shared()?;
    let dir = s.join("dictionaries/tabari-cameo");
    let f = DictFiles {
        actors: [
            "CountryInfo.120116.actors",
            "Internatnl.120521.actors",
            "Levant.080629.actors",
        ]
        .iter()
        .map(|x| dir.join(x))
        .collect(),
        agents: vec![dir.join("PSU.120522.agents")],
        verbs: vec![dir.join("CAMEO.091003.master.verbs")],
        discards: vec![],
        issues: vec![],
    };
    Some(f.load().unwrap())
}
