//! dyad's own dictionaries against the team's gold-standard sentences
//! (tests/data/gold.txt): precision and recall at the three-digit code level, kept
//! above the floors in tests/gold-floors.txt.

use dyad::coder::{Coder, Options};
use dyad::date::Date;
use dyad::io::input::{Origin, Story};
use dyad::io::output::split_actor;
use dyad::pipeline::{code_story, StoryConfig};
use std::collections::BTreeMap;
use std::path::PathBuf;

struct Record {
    id: String,
    date: Date,
    text: String,
    events: Vec<(String, String, String)>,
}

fn read_gold() -> Vec<Record> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/gold.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out: Vec<Record> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("@ ") {
            let mut it = rest.split_whitespace();
            let id = it.next().unwrap().to_string();
            let date = Date::parse_any(it.next().unwrap())
                .unwrap_or_else(|| panic!("gold.txt:{}: bad date", n + 1));
            out.push(Record {
                id,
                date,
                text: String::new(),
                events: Vec::new(),
            });
        } else if let Some(ev) = line.strip_prefix("= ") {
            let f: Vec<&str> = ev.split_whitespace().collect();
            assert_eq!(
                f.len(),
                3,
                "gold.txt:{}: expected SOURCE TARGET CODE",
                n + 1
            );
            out.last_mut()
                .unwrap()
                .events
                .push((f[0].into(), f[1].into(), f[2].into()));
        } else {
            let r = out.last_mut().unwrap();
            assert!(
                r.text.is_empty(),
                "gold.txt:{}: one sentence per record",
                n + 1
            );
            r.text = line.to_string();
        }
    }
    out
}

/// The scoring form of an actor code: country and first role, or the whole code for
/// organisations and groups.
fn norm_actor(code: &str) -> String {
    let (country, role) = split_actor(code);
    if country.is_empty() {
        code.to_string()
    } else {
        format!("{country}{role}")
    }
}

fn floors() -> (f64, f64) {
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/gold-floors.txt"),
    )
    .unwrap();
    let get = |k: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(k).map(|v| v.trim().parse().unwrap()))
            .unwrap_or_else(|| panic!("no {k} floor"))
    };
    (get("precision"), get("recall"))
}

#[test]
fn gold_standard_precision_and_recall() {
    let gold = read_gold();
    assert!(gold.len() >= 300, "{} records", gold.len());
    let dict = dyad::dict::builtin::load();
    let opts = Options::default();
    let coder = Coder::new(&dict, &opts);
    let cfg = StoryConfig {
        anchor_dates: false,
        ..StoryConfig::default()
    };
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    let mut by_root: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for r in &gold {
        let story = Story {
            id: r.id.clone(),
            date: r.date,
            text: r.text.clone(),
            kept: vec![],
            origin: Origin {
                file: "gold.txt".into(),
                line: 0,
            },
            lossy: None,
        };
        let res = code_story(&coder, &story, &cfg);
        let mut got: Vec<(String, String, String)> = res
            .rows
            .iter()
            .map(|row| {
                (
                    norm_actor(&row.event.source),
                    norm_actor(&row.event.target),
                    row.event.code.chars().take(3).collect(),
                )
            })
            .collect();
        got.sort();
        got.dedup();
        let mut want = r.events.clone();
        want.sort();
        want.dedup();
        for e in &got {
            let root = e.2[..2].to_string();
            if want.contains(e) {
                tp += 1;
                by_root.entry(root).or_default().0 += 1;
            } else {
                fp += 1;
                by_root.entry(root).or_default().1 += 1;
            }
        }
        for e in &want {
            if !got.contains(e) {
                fn_ += 1;
                by_root.entry(e.2[..2].to_string()).or_default().2 += 1;
            }
        }
        if got != want {
            misses.push(format!("{}: want {:?} got {:?}", r.id, want, got));
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fn_).max(1) as f64;
    eprintln!(
        "gold standard: {} sentences; {tp} events right, {fp} wrong, {fn_} missed",
        gold.len()
    );
    eprintln!("precision {precision:.3}, recall {recall:.3}");
    eprintln!("root  right wrong missed");
    for (root, (a, b, c)) in &by_root {
        eprintln!("{root}    {a:5} {b:5} {c:6}");
    }
    if std::env::var("DYAD_GOLD_VERBOSE").is_ok() {
        for m in &misses {
            eprintln!("{m}");
        }
    }
    let (pf, rf) = floors();
    assert!(
        precision >= pf,
        "precision {precision:.3} is below the floor {pf}"
    );
    assert!(recall >= rf, "recall {recall:.3} is below the floor {rf}");
}
