//! Conformance suites of TABARI and PETRARCH, and production dictionaries, read in
//! place from `../shared`. A user's clone has no `../shared`: these tests then skip
//! with a message, unless `DYAD_SHARED_REQUIRED=1` (set by CI), when they fail loudly.

use std::path::PathBuf;

fn shared() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if p.join("reference").is_dir() {
        return Some(p);
    }
    if std::env::var("DYAD_SHARED_REQUIRED").is_ok_and(|v| v == "1") {
        panic!(
            "DYAD_SHARED_REQUIRED=1 but {} is missing: the conformance suites cannot run",
            p.display()
        );
    }
    eprintln!(
        "skipping: {} not found (set DYAD_SHARED_REQUIRED=1 to make this an error)",
        p.display()
    );
    None
}

fn floor(name: &str) -> usize {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance-floors.txt"),
    )
    .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            l.strip_prefix(name)
                .map(|n| n.trim().parse::<usize>().unwrap())
        })
        .unwrap_or_else(|| panic!("no floor for {name}"))
}

#[test]
fn tabari_validation_suite_meets_its_floor() {
    let Some(s) = shared() else { return };
    let summary =
        dyad::validate::tabari::run(&s.join("reference/tabari/Validate.project")).unwrap();
    let f = floor("tabari");
    assert!(
        summary.passed + summary.failed >= 440,
        "too few records evaluated: {}",
        summary.passed + summary.failed
    );
    assert!(
        summary.passed >= f,
        "TABARI suite: {} passed, below the floor of {f}",
        summary.passed
    );
}

#[test]
fn petrarch_unit_tests_meet_their_floor() {
    let Some(s) = shared() else { return };
    let dir = s.join("reference/petrarch");
    let summary =
        dyad::validate::petrarch::run(&dir.join("PETR.UnitTest.records.xml"), &dir).unwrap();
    let f = floor("petrarch");
    assert!(
        summary.passed >= f,
        "PETRARCH suite: {} passed, below the floor of {f}",
        summary.passed
    );
}

#[test]
fn phoenix_dictionaries_load_without_fatal_errors() {
    let Some(s) = shared() else { return };
    let (files, _) = dyad::dict::load::DictFiles::from_petrarch_config(
        &s.join("dictionaries/phoenix/PETR_config.ini"),
    )
    .unwrap();
    assert_eq!(files.actors.len(), 3);
    let d = files.load().unwrap();
    assert!(d.actors.len() > 30_000, "{} actors", d.actors.len());
    assert!(d.verbs.len() > 2_000);
    assert!(!d.pattern_groups.iter().all(|g| g.is_empty()));
    assert!(d.agents.len() > 2_000);
    assert!(!d.discards.is_empty() && !d.issues.is_empty());
    // Problems in the files are reported with their place, not fatal.
    for e in d.errors() {
        assert!(e.loc.line > 0 && e.loc.file.contains("phoenix"), "{e}");
    }
}

#[test]
fn tabari_production_dictionaries_load_and_report_ampersands() {
    let Some(s) = shared() else { return };
    let dir = s.join("dictionaries/tabari-cameo");
    let files = dyad::dict::load::DictFiles {
        actors: [
            "CountryInfo.120116.actors",
            "Internatnl.120521.actors",
            "Levant.080629.actors",
        ]
        .iter()
        .map(|f| dir.join(f))
        .collect(),
        agents: vec![dir.join("PSU.120522.agents")],
        verbs: vec![dir.join("CAMEO.091003.master.verbs")],
        discards: vec![],
        issues: vec![],
    };
    let d = files.load().unwrap();
    assert!(d.actors.len() > 20_000, "{} actors", d.actors.len());
    assert!(d.verbs.len() > 1_000, "{} verbs", d.verbs.len());
    assert!(
        d.diagnostics
            .iter()
            .any(|x| x.message.contains("'&'") && x.loc.file.contains("CountryInfo")),
        "the & lines that hang TABARI are reported"
    );
}

#[test]
fn phoenix_codes_a_known_sentence() {
    let Some(s) = shared() else { return };
    let (files, _) = dyad::dict::load::DictFiles::from_petrarch_config(
        &s.join("dictionaries/phoenix/PETR_config.ini"),
    )
    .unwrap();
    let mut b = dyad::dict::DictBuilder::new();
    b.whole_words = true;
    files.load_into(&mut b).unwrap();
    let d = b.build();
    let opts = dyad::validate::petrarch::petrarch_options();
    let coder = dyad::Coder::new(&d, &opts);
    let date = dyad::Date::parse_any("2014-01-10").unwrap();
    let c = coder.code(
        "Russian President Vladimir Putin met Chinese President Xi Jinping in Moscow on Friday.",
        date,
    );
    assert!(
        c.events.iter().any(|e| e.source.starts_with("RUS")
            && e.target.starts_with("CHN")
            && e.code.starts_with("04")),
        "{:?}",
        c.events
    );
}
