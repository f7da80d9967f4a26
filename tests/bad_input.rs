//! The bad-input suite: `dyad` on broken corpora and broken dictionaries.
//!
//! Every case runs the binary in a temporary folder with relative paths, and keeps its
//! messages as an insta snapshot (`tests/snapshots/`), with the folder, the
//! repository and timings replaced by placeholders. Each problem must be reported
//! with its place (file:line or record id); the run goes on under the default
//! `--on-error skip` and stops under `--on-error fail`; the summary always adds up
//! (read = coded + no event + discarded + rejected); and `--rejects FILE` gets one
//! line per rejected record.
//!
//! After a deliberate change of a message: `INSTA_UPDATE=always cargo test --test
//! bad_input`, then review the changed `.snap` files.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn mini() -> PathBuf {
    repo().join("tests/data/mini")
}

/// What a run printed and returned, with placeholders for what changes between runs.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Exit status and standard error, for a snapshot.
    fn report(&self) -> String {
        format!("exit: {}\n{}", self.code, self.stderr)
    }

    /// The counts of the summary line: read, coded, no event, discarded, rejected.
    fn counts(&self) -> [u64; 5] {
        let line = self
            .stderr
            .lines()
            .find(|l| l.contains(" stories read: "))
            .unwrap_or_else(|| panic!("no summary line in:\n{}", self.stderr));
        let nums: Vec<u64> = line
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .take(5)
            .map(|s| s.parse().unwrap())
            .collect();
        let c = [nums[0], nums[1], nums[2], nums[3], nums[4]];
        assert_eq!(
            c[0],
            c[1] + c[2] + c[3] + c[4],
            "the summary does not add up: {line}"
        );
        c
    }

    fn read(&self) -> u64 {
        self.counts()[0]
    }

    fn rejected(&self) -> u64 {
        self.counts()[4]
    }
}

/// Replaces the temporary folder, the repository and timings by placeholders.
fn scrub(text: &str, tmp: &Path) -> String {
    let text = text
        .replace(&tmp.display().to_string(), "[TMP]")
        .replace(&repo().display().to_string(), "[REPO]");
    text.lines()
        .map(|l| match (l.find(" stories read: "), l.rfind(" in ")) {
            // "... 12 events in 0.01s (3.2 MB/s, 1 threads, custom dictionaries)"
            (Some(_), Some(i)) if l[i..].contains("MB/s") => format!("{} in [TIME]", &l[..i]),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs `dyad ARGS` in `dir`.
fn dyad_in(dir: &Path, args: &[&str]) -> Run {
    let out = Command::cargo_bin("dyad")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: scrub(&String::from_utf8_lossy(&out.stdout), dir),
        stderr: scrub(&String::from_utf8_lossy(&out.stderr), dir),
    }
}

/// Runs `dyad code` with the mini dictionaries, one thread.
fn code(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["code", "-j", "1"];
    all.extend_from_slice(args);
    let m = mini().display().to_string();
    all.extend(["--dictionaries", m.as_str()]);
    dyad_in(dir, &all)
}

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn read(dir: &Path, name: &str) -> String {
    String::from_utf8(bytes(dir, name)).unwrap()
}

fn bytes(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap()
}

fn lines_of(dir: &Path, name: &str) -> Vec<String> {
    String::from_utf8_lossy(&bytes(dir, name))
        .lines()
        .map(str::to_string)
        .collect()
}

fn story(id: &str, date: &str, text: &str) -> String {
    format!(
        "{}\n",
        serde_json::json!({"id": id, "date": date, "text": text})
    )
}

/// Checks that every rejected record of a line format (JSON Lines) reached the rejects
/// file, verbatim (bytes and line end as in the input) and in order.
fn assert_rejects_verbatim(run: &Run, dir: &Path, rejects: &str, input: &[u8]) {
    let got = bytes(dir, rejects);
    let lines: Vec<&[u8]> = input
        .split_inclusive(|&b| b == b'\n')
        .map(|l| l.strip_prefix(b"\xef\xbb\xbf").unwrap_or(l))
        .collect();
    let mut from = 0;
    let mut n = 0;
    for r in got.split_inclusive(|&b| b == b'\n') {
        let at = lines[from..]
            .iter()
            .position(|l| *l == r || [*l, b"\n"].concat() == r)
            .unwrap_or_else(|| {
                panic!(
                    "{:?} is not a line of the input (after line {from})",
                    String::from_utf8_lossy(r)
                )
            });
        from += at + 1;
        n += 1;
    }
    assert_eq!(n, run.rejected(), "{}", run.stderr);
}

/// Checks that the rejects file holds exactly `records`, in order, byte for byte (a
/// record that ended its file without a line end is given one).
fn assert_rejects_are(run: &Run, dir: &Path, rejects: &str, records: &[&[u8]]) {
    assert_holds(dir, rejects, records);
    assert_eq!(records.len() as u64, run.rejected(), "{}", run.stderr);
}

/// Checks that a file holds exactly `records`, byte for byte, each with a line end.
fn assert_holds(dir: &Path, name: &str, records: &[&[u8]]) {
    let mut want = Vec::new();
    for r in records {
        want.extend_from_slice(r);
        if !r.ends_with(b"\n") {
            want.push(b'\n');
        }
    }
    let got = bytes(dir, name);
    assert_eq!(
        String::from_utf8_lossy(&got),
        String::from_utf8_lossy(&want)
    );
    assert_eq!(got, want);
}

const GOOD: [&str; 4] = [
    "Norway accused Sweden of massing troops.",
    "Swedish troops shelled Norway with artillery.",
    "The weather was fine.",
    "Erik Larsen met Ambassador Lindqvist for talks.",
];

#[test]
fn invalid_json_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let text = [
        story("ok1", "1933-05-02", GOOD[0]),
        "{\"id\":\"trunc\",\"date\":\"1933-05-02\",\"text\":\"Norway accu\n".into(),
        "{\"id\":\"trail\",\"date\":\"1933-05-02\",\"text\":\"x\"} garbage\n".into(),
        "[1,2,3]\n".into(),
        "42\n".into(),
        "\"just a string\"\n".into(),
        "{\"id\":\"esc\",\"date\":\"1933-05-02\",\"text\":\"bad \\q escape\"}\n".into(),
        "{'single':'quotes'}\n".into(),
        "null\n".into(),
        "{\"id\":\"deep\",\"x\":".to_string() + &"[".repeat(200) + &"]".repeat(200) + "}\n",
        "{\"id\":\"too deep\",\"x\":".to_string() + &"[".repeat(5000) + &"]".repeat(5000) + "}\n",
        story("ok2", "1933-05-03", GOOD[1]),
    ]
    .concat();
    write(d, "c.jsonl", &text);
    let run = code(d, &["c.jsonl", "-o", "e.csv", "--rejects", "r.jsonl"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.counts(), [12, 2, 0, 0, 10]);
    assert_rejects_verbatim(&run, d, "r.jsonl", text.as_bytes());
    insta::assert_snapshot!("invalid_json_skip", run.report());

    let run = code(d, &["c.jsonl", "-o", "e2.csv", "--on-error", "fail"]);
    assert_eq!(run.code, 2);
    assert!(!d.join("e2.csv").exists(), "no output is left behind");
    // One message, naming the record, that says the run stops (not "skipped").
    assert_eq!(
        run.stderr.trim_end(),
        "dyad: error: c.jsonl:2: EOF while parsing a string at line 1 column 53 (bad-json); stopping (--on-error fail)"
    );
    insta::assert_snapshot!("invalid_json_fail", run.report());

    let run = code(d, &["c.jsonl", "-o", "e3.csv", "--strict", "-q"]);
    assert_eq!(run.code, 1, "--strict: rejected records fail the run");
    assert!(
        d.join("e3.csv").exists(),
        "--strict still writes the output"
    );
}

#[test]
fn missing_or_empty_fields() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let lines = [
        r#"{"id":"no-text","date":"1933-05-02"}"#,
        r#"{"id":"empty-text","date":"1933-05-02","text":""}"#,
        r#"{"id":"blank-text","date":"1933-05-02","text":" \t "}"#,
        r#"{"id":"null-text","date":"1933-05-02","text":null}"#,
        r#"{"id":"number-text","date":"1933-05-02","text":5}"#,
        r#"{"id":"no-date","text":"Norway accused Sweden."}"#,
        r#"{"id":"empty-date","date":"","text":"Norway accused Sweden."}"#,
        r#"{"id":"null-date","date":null,"text":"Norway accused Sweden."}"#,
        r#"{"date":"1933-05-02","text":"Norway accused Sweden."}"#,
        r#"{"id":"","date":"1933-05-02","text":"Norway accused Sweden."}"#,
        r#"{"id":null,"date":"1933-05-02","text":"Swedish troops shelled Norway."}"#,
        r#"{}"#,
        r#"{"id":"ok","date":"1933-05-02","text":"Norway accused Sweden.","url":"u"}"#,
    ];
    let text = lines.join("\n") + "\n";
    write(d, "f.jsonl", &text);
    let run = code(
        d,
        &[
            "f.jsonl",
            "--keep-field",
            "url",
            "--columns",
            "story_id,source,target,code",
            "--rejects",
            "r.jsonl",
        ],
    );
    assert_eq!(run.code, 0);
    assert_eq!(run.counts(), [13, 4, 1, 0, 8]);
    assert_rejects_verbatim(&run, d, "r.jsonl", text.as_bytes());
    insta::assert_snapshot!(
        "missing_fields",
        format!("{}\n{}", run.report(), run.stdout)
    );

    // A default date fills in missing and empty dates, never an invalid one.
    let run = code(d, &["f.jsonl", "-q", "--date", "1933-06-01", "-o", "e.csv"]);
    assert_eq!(run.code, 0);
    let csv = read(d, "e.csv");
    assert!(csv.contains(",no-date,1,1933-06-01,1933-06-01,"), "{csv}");
    assert!(csv.contains(",null-date,1,1933-06-01,"), "{csv}");
}

#[test]
fn oversized_stories() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // The default limit is 10 MiB of story text: one byte more is rejected before coding.
    let big = "Norway accused Sweden. ".repeat(10 * 1024 * 1024 / 23 + 1);
    let over = &big[..10 * 1024 * 1024 + 1];
    let text = story("big", "1933-05-02", over) + &story("small", "1933-05-02", GOOD[0]);
    write(d, "big.jsonl", &text);
    let t = Instant::now();
    let run = code(d, &["big.jsonl", "--rejects", "r.jsonl", "-o", "e.csv"]);
    assert_eq!(run.code, 0);
    assert_eq!(run.counts(), [2, 1, 0, 0, 1]);
    assert!(t.elapsed() < Duration::from_secs(60), "{:?}", t.elapsed());
    assert_eq!(
        read(d, "r.jsonl"),
        text.lines().next().unwrap().to_string() + "\n",
        "the rejected record is written out whole"
    );
    insta::assert_snapshot!("oversized_default_limit", run.report());

    // A 10 MB (10,000,000-byte) story, just above a lower limit.
    let ten_mb = &big[..10_000_000];
    write(d, "ten.jsonl", story("ten", "1933-05-02", ten_mb));
    let run = code(d, &["ten.jsonl", "--max-story-bytes", "9999999"]);
    assert_eq!(run.counts(), [1, 0, 0, 0, 1]);
    insta::assert_snapshot!("oversized_ten_mb", run.report());

    // At the limit a story is coded; one byte over, it is rejected.
    let at = format!("{:<1000}", GOOD[0]);
    let text = story("at", "1933-05-02", &at) + &story("over", "1933-05-02", &format!("{at} "));
    write(d, "limit.jsonl", text);
    let run = code(d, &["limit.jsonl", "--max-story-bytes", "1000"]);
    assert_eq!(run.counts(), [2, 1, 0, 0, 1]);
    insta::assert_snapshot!("oversized_at_limit", run.report());
}

#[test]
fn five_thousand_word_sentence() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let words = ["Norway", "accused", "Sweden", "and"];
    let sentence: Vec<&str> = (0..5000).map(|i| words[i % 4]).collect();
    let sentence = sentence.join(" ") + ".";
    write(d, "long.jsonl", story("long", "1933-05-02", &sentence));
    let t = Instant::now();
    let run = code(d, &["long.jsonl", "--max-words", "300", "-o", "e.csv"]);
    assert!(t.elapsed() < Duration::from_secs(60), "{:?}", t.elapsed());
    assert_eq!(run.code, 0);
    assert_eq!(run.counts(), [1, 1, 0, 0, 0]);
    assert!(
        run.stderr
            .contains("1 sentences were longer than --max-words 300"),
        "{}",
        run.stderr
    );
    insta::assert_snapshot!("five_thousand_words_code", run.report());

    // `dyad explain` says where the sentence was cut (at the default 500 words).
    let m = mini().display().to_string();
    let run = dyad_in(
        d,
        &[
            "explain",
            &sentence,
            "--date",
            "1933-05-02",
            "--dictionaries",
            &m,
        ],
    );
    assert_eq!(run.code, 0);
    assert!(
        run.stdout.contains("sentence cut to 500 words"),
        "{}",
        run.stdout
    );
}

const XML_RECORDS: &str = r#"<Sentences>
<Sentence date="19330502" id="X-1"><Text>Norway accused Sweden.</Text></Sentence>
<Sentence date="" id="X-2"><Text>Norway accused Sweden.</Text></Sentence>
<Sentence date="19330502" id="X-3"><Text></Text></Sentence>
<Sentence date="19331340" id="X-4"><Text>Norway accused Sweden.</Text></Sentence>
<Sentence date="19330503" id="X-5"><Text>Swedish troops shelled Norway.</Text></Sentence>
</Sentences>
"#;

#[test]
fn xml_input_invalid_and_deeply_nested() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "ok.xml", XML_RECORDS);
    let run = code(d, &["ok.xml", "--rejects", "r.txt", "-o", "e.csv"]);
    assert_eq!(run.counts(), [5, 2, 0, 0, 3]);
    // Records are located by the line of their <Sentence> tag, and written whole.
    let lines: Vec<&str> = XML_RECORDS.split_inclusive('\n').collect();
    assert_rejects_are(
        &run,
        d,
        "r.txt",
        &[lines[2], lines[3], lines[4]].map(str::as_bytes),
    );
    assert!(run.stderr.contains("dyad: ok.xml:3: no \"date\" field"));
    insta::assert_snapshot!("xml_records", run.report());

    // Mismatched tags, an unclosed tag, text after the root: the broken part is
    // rejected with its line, and reading goes on at the next <Sentence>.
    write(
        d,
        "bad.xml",
        "<Sentences>\n<Sentence date=\"19330502\" id=\"B-1\"><Text>Norway accused Sweden.</Text></Sentence>\n<Sentence id=\"B-2\"><Text>x</Sentence>\n",
    );
    write(
        d,
        "unclosed.xml",
        "<Sentences><Sentence date=\"19330502\" id=\"U-1\"><Text>Norway accused Sweden.</Text>",
    );
    write(
        d,
        "attr.xml",
        "<Sentences><Sentence date=19330502 id=\"A-1\"><Text>x</Text></Sentence></Sentences>",
    );
    let mut reports = Vec::new();
    for f in ["bad.xml", "unclosed.xml", "attr.xml"] {
        let run = code(d, &["--input-format", "xml", f, "-o", "e.csv"]);
        // The file is named once per message.
        for l in run.stderr.lines() {
            assert!(l.matches(f).count() <= 1, "{l}");
        }
        reports.push(format!("== dyad code {f}\n{}", run.report()));
        let run = dyad_in(d, &["validate", "petrarch", f, "--dictionaries", "."]);
        reports.push(format!(
            "== dyad validate petrarch {f}\n{}\n{}",
            run.report(),
            run.stdout
        ));
    }
    insta::assert_snapshot!("xml_invalid", reports.join("\n"));

    // 100,000 levels of nesting around the records: read in linear time, no recursion.
    let depth = 100_000;
    let nested = "<a>".repeat(depth) + XML_RECORDS + &"</a>".repeat(depth);
    write(d, "deep.xml", &nested);
    let t = Instant::now();
    let run = code(d, &["deep.xml", "-o", "e.csv"]);
    assert_eq!(run.counts(), [5, 2, 0, 0, 3]);
    assert!(t.elapsed() < Duration::from_secs(60), "{:?}", t.elapsed());
    let run = dyad_in(
        d,
        &["validate", "petrarch", "deep.xml", "--dictionaries", "."],
    );
    assert_eq!(run.code, 0, "{}", run.report());
    insta::assert_snapshot!("xml_deep_validate", run.stdout);
    // Deep nesting that never closes.
    write(d, "open.xml", "<a>".repeat(depth));
    let run = code(d, &["open.xml", "-o", "e.csv"]);
    insta::assert_snapshot!("xml_deep_unclosed", run.report());
}

/// Deterministic bytes of every value, newlines included.
fn garbage(n: usize) -> Vec<u8> {
    let mut x: u32 = 0x2545_f491;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 7) as u8
        })
        .collect()
}

#[test]
fn binary_garbage() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let bytes = garbage(4096);
    let non_blank = bytes
        .split(|&b| b == b'\n')
        .filter(|l| !String::from_utf8_lossy(l).trim().is_empty())
        .count() as u64;
    let mut reports = Vec::new();
    for name in ["g.jsonl", "g.csv", "g.txt", "g.xml", "g.records"] {
        write(d, name, &bytes);
        let run = code(d, &[name, "--rejects", "r.txt", "--date", "1933-05-02"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let _ = run.counts();
        match name {
            "g.jsonl" => {
                assert_eq!(run.counts(), [non_blank, 0, 0, 0, non_blank]);
                assert_rejects_verbatim(&run, d, "r.txt", &bytes);
            }
            // Not CSV (no text column), not XML, no record header: the file is
            // rejected as one piece, and written out as it is (XML from its first
            // non-blank byte, TABARI from its first non-blank line).
            "g.csv" | "g.xml" | "g.records" => {
                assert_eq!(run.counts(), [1, 0, 0, 0, 1]);
                let got = std::fs::read(d.join("r.txt")).unwrap();
                let got = got.strip_suffix(b"\n").unwrap_or(&got);
                assert!(
                    bytes.windows(got.len()).any(|w| w == got) && got.len() > 4000,
                    "{name}: {} bytes",
                    got.len()
                );
            }
            _ => {}
        }
        reports.push(format!("== {name}\n{}", run.report()));
    }
    insta::assert_snapshot!("binary_garbage", reports.join("\n"));
    // Garbage as a dictionary: read as Latin-1, every line an error or an odd entry.
    write(d, "g.actors", &bytes);
    let run = dyad_in(d, &["dict", "check", "--actors", "g.actors", "--json"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.lines().count() > 1);
}

#[test]
fn invalid_utf8_is_decoded_lossily_with_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let mut text = Vec::new();
    text.extend_from_slice(b"{\"id\":\"latin1\",\"date\":\"1933-05-02\",\"text\":\"Norway accused Sweden in Malm\xf6.\"}\n");
    text.extend_from_slice(
        b"{\"id\":\"ok\",\"date\":\"1933-05-02\",\"text\":\"Swedish troops shelled Norway.\"}\n",
    );
    text.extend_from_slice(
        b"{\"id\":\"bad\xff\",\"date\":\"1933-05-02\",\"text\":\"Norway accused Sweden.\"}\n",
    );
    write(d, "u.jsonl", &text);
    let run = code(d, &["u.jsonl", "--with-text"]);
    assert_eq!(run.counts(), [3, 3, 0, 0, 0]);
    assert!(run.stdout.contains("Malm\u{fffd}."), "{}", run.stdout);
    insta::assert_snapshot!(
        "invalid_utf8_jsonl",
        format!("{}\n{}", run.report(), run.stdout)
    );

    write(
        d,
        "1933-05-02-story.txt",
        b"Norway accused Sweden in G\xf6teborg.",
    );
    let run = code(d, &["1933-05-02-story.txt"]);
    assert_eq!(run.counts(), [1, 1, 0, 0, 0]);
    insta::assert_snapshot!(
        "invalid_utf8_text",
        format!("{}\n{}", run.report(), run.stdout)
    );

    // The warning names the line of the first invalid byte of each story (here the
    // second line of a TABARI record and the third of an XML record), and the story.
    write(
        d,
        "u.records",
        b"330502 r1\nNorway accused\nSweden in Malm\xf6.\n\n330502 r2\nNorway accused Sweden.\n",
    );
    write(
        d,
        "u.xml",
        b"<Sentences>\n<Sentence date=\"19330502\" id=\"x1\">\n<Text>Norway accused\nSweden in G\xf6teborg.</Text>\n</Sentence>\n</Sentences>\n",
    );
    let run = code(d, &["u.records", "u.xml", "-o", "e.csv"]);
    assert_eq!(run.counts(), [3, 3, 0, 0, 0]);
    let warnings: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("warning"))
        .collect();
    assert_eq!(
        warnings,
        [
            "dyad: warning: u.records:3: story \"r1\" is not valid UTF-8; its invalid bytes were read as U+FFFD",
            "dyad: warning: u.xml:4: story \"x1\" is not valid UTF-8; its invalid bytes were read as U+FFFD",
            "dyad: warning: 2 stories were not valid UTF-8 and were decoded lossily",
        ]
    );

    // Past 20 stories, the warning gives the count only.
    let mut many = Vec::new();
    for i in 0..25 {
        many.extend_from_slice(
            format!("{{\"id\":\"m{i}\",\"date\":\"1933-05-02\",\"text\":\"Norway accused Sweden in Malm").as_bytes(),
        );
        many.extend_from_slice(b"\xf6.\"}\n");
    }
    write(d, "many.jsonl", &many);
    let run = code(d, &["many.jsonl", "-o", "e.csv"]);
    assert_eq!(run.counts(), [25, 25, 0, 0, 0]);
    let named: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("is not valid UTF-8"))
        .collect();
    assert_eq!(named.len(), 20);
    assert!(named[19].starts_with("dyad: warning: many.jsonl:20: story \"m19\""));
    assert!(run.stderr.contains(
        "dyad: warning: 25 stories were not valid UTF-8 and were decoded lossily (the first 20 are named above)"
    ));
}

/// The same corpus in each format, for the CRLF and byte-order-mark cases.
fn formats() -> Vec<(&'static str, String)> {
    vec![
        (
            "c.jsonl",
            story("a", "1933-05-02", GOOD[0]) + &story("b", "1933-05-03", GOOD[1]),
        ),
        (
            "c.csv",
            format!("id,date,text\na,1933-05-02,{}\nb,1933-05-03,\"{}\"\n", GOOD[0], GOOD[1]),
        ),
        (
            "c.records",
            format!("330502 a\n{}\n\n330503 b\n{}\n", GOOD[0], GOOD[1]),
        ),
        (
            "c.xml",
            format!("<Sentences>\n<Sentence date=\"19330502\" id=\"a\">\n<Text>\n{}\n</Text>\n</Sentence>\n<Sentence date=\"19330503\" id=\"b\"><Text>{}</Text></Sentence>\n</Sentences>\n", GOOD[0], GOOD[1]),
        ),
        ("1933-05-02-c.txt", format!("{}\n{}\n", GOOD[0], GOOD[1])),
    ]
}

#[test]
fn crlf_and_byte_order_marks_change_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    for (name, text) in formats() {
        let plain = d.join("plain");
        let crlf = d.join("crlf");
        let bom = d.join("bom");
        let both = d.join("both");
        for dir in [&plain, &crlf, &bom, &both] {
            std::fs::create_dir_all(dir).unwrap();
        }
        write(&plain, name, &text);
        write(&crlf, name, text.replace('\n', "\r\n"));
        write(&bom, name, format!("\u{feff}{text}"));
        write(
            &both,
            name,
            format!("\u{feff}{}", text.replace('\n', "\r\n")),
        );
        let base = code(&plain, &[name, "--with-text"]);
        assert!(
            base.stdout.lines().count() == 3,
            "{name}: {}",
            base.report()
        );
        for dir in [&crlf, &bom, &both] {
            let run = code(dir, &[name, "--with-text"]);
            assert_eq!(run.stdout, base.stdout, "{name} in {}", dir.display());
            assert_eq!(run.report(), base.report(), "{name} in {}", dir.display());
        }
    }
    // Dictionaries too: CRLF line ends and a byte-order mark.
    let m = mini();
    let dict = d.join("dict");
    std::fs::create_dir_all(&dict).unwrap();
    for f in ["mini.actors", "mini.agents", "mini.verbs", "mini.discards"] {
        let text = std::fs::read_to_string(m.join(f)).unwrap();
        write(&dict, f, format!("\u{feff}{}", text.replace('\n', "\r\n")));
    }
    write(d, "c.jsonl", &formats()[0].1);
    let ours = dyad_in(d, &["code", "c.jsonl", "--dictionaries", "dict", "-q"]);
    let theirs = code(d, &["c.jsonl", "-q"]);
    assert_eq!(ours.stdout, theirs.stdout);
    assert_eq!(ours.stderr, "");
}

#[test]
fn dates_out_of_range() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let dates = [
        "1799-12-31",
        "1800-01-01",
        "2200-12-31",
        "2201-01-01",
        "0000-01-01",
        "9999-12-31",
        "2021-02-29",
        "2024-02-29",
        "2021-07-05T10:00:00Z",
        "2021-07-05 10:00",
        "2021-07-05X",
        "20210705",
        "210705",
        "331301",
        "2021-07-0\u{e9}",
        "\u{e9}\u{e9}21-07-05",
        "yesterday",
        "-001-01-01",
        "99999999999",
    ];
    let text: String = dates
        .iter()
        .enumerate()
        .map(|(i, date)| story(&format!("d{i}"), date, GOOD[0]))
        .collect();
    write(d, "d.jsonl", &text);
    let run = code(
        d,
        &[
            "d.jsonl",
            "--rejects",
            "r.jsonl",
            "--columns",
            "story_id,date",
        ],
    );
    assert_eq!(run.rejected(), lines_of(d, "r.jsonl").len() as u64);
    insta::assert_snapshot!("dates", format!("{}\n{}", run.report(), run.stdout));
    // Numbers as dates, as some exports write them.
    write(
        d,
        "n.jsonl",
        "{\"id\":\"n\",\"date\":19330502,\"text\":\"Norway accused Sweden.\"}\n",
    );
    let run = code(d, &["n.jsonl", "-q", "--columns", "date"]);
    assert_eq!(run.stdout, "date\n1933-05-02");
    // An invalid --date is an error of the command line.
    write(d, "story.txt", GOOD[0]);
    let run = code(d, &["story.txt", "--date", "2021-07-0\u{e9}"]);
    insta::assert_snapshot!("dates_bad_default", run.report());
}

/// Dictionary files with every kind of syntax error the readers report.
const BAD_ACTORS: &str = "\
# every error of an actors file
\t[NOR]
+ORPHAN_SYNONYM_
NO_CODE_
MISSING_CLOSE_ [NOR
MISSING_OPEN_ NOR]
TEXT_BETWEEN_ [NOR] x [SWE]
TEXT_AFTER_ [NOR] x
EMPTY_BLOCK_ []
BAD_CODE_ [N*R]
NO_CODE_BEFORE_DATE_ [<19330101]
BAD_DATE_ [NOR 19331301-19340101]
INVERTED_ [NOR 19350101-19330101]
BAD_RESTRICTION_ [NOR ~19330101]
LONG_DATE_ [NOR <1933010]
X [NOR]
GOOD_ONE_
+GOOD_SYNONYM_
+BAD_SYNONYM_ [NOR
\t[SWE]
\t[SWE <19330101] [x
<NOUN>
BOAT
";

const BAD_AGENTS: &str = "\
# every error of an agents file
MINISTER_ [~GOV]
NO_CODE_AGENT_
BROKEN_ [~GOV
!SET! = A, B
!SET!_ADVISER [~GOV]
EMPTY_ []
TEXT_AFTER_ [~GOV] x
!LOOP! = X, Y!LOOP!
!LOOP!_ADVISER [~GOV]
";

const BAD_VERBS: &str = "\
# every error of a verbs file
- * PATTERN_FIRST [010]
{FORMS WITHOUT VERB}
--- BAD_BLOCK [ABC?!] ---
--- MEET [040] ---
- * BEFORE_VERB_OF_BLOCK [043]
MEET {MEETS MET
- * FOR TALKS
- * FOR TALKS [043
ACCUSE [999]
BLAME [112
<TIME>
- * AND TOMORROW [+1]
TOMORROW [+1]
NEVER [soon]
LATER
</TIME>
<ATTRIB>
ACCORDING_TO
</ATTRIB>
";

const BAD_ISSUES: &str = "\
stray phrase [X]
<ISSUE CATEGORY=\"WAR\">
n:war [WAR]
no code here
broken [WAR
~peace
</ISSUE>
<ISSUE>
after
";

const BAD_DISCARDS: &str = "\
+WORLD CUP
1914
+
[x]
BOX OFFICE [x
";

#[test]
fn dictionary_syntax_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "bad.actors", BAD_ACTORS);
    write(d, "bad.agents", BAD_AGENTS);
    write(d, "bad.verbs", BAD_VERBS);
    write(d, "bad.issues", BAD_ISSUES);
    write(d, "bad.discards", BAD_DISCARDS);
    let mut reports = Vec::new();
    for (flag, file) in [
        ("--actors", "bad.actors"),
        ("--agents", "bad.agents"),
        ("--verbs", "bad.verbs"),
        ("--issues", "bad.issues"),
        ("--discards", "bad.discards"),
    ] {
        let run = dyad_in(d, &["dict", "check", flag, file]);
        if file == "bad.actors" {
            // The unclosed <NOUN> is reported at its tag, naming the last line (23).
            assert!(
                run.stdout.contains(
                    "bad.actors:22: warning: <NOUN> is not closed: no </NOUN> before the end of the file (line 23)"
                ),
                "{}",
                run.stdout
            );
        }
        reports.push(format!(
            "== dyad dict check {flag} {file}\nexit: {}\n{}\n{}",
            run.code, run.stdout, run.stderr
        ));
    }
    insta::assert_snapshot!("dictionary_check", reports.join("\n"));

    // Coding with them: every error is reported with file:line, and the run goes on.
    write(
        d,
        "c.jsonl",
        story("a", "1933-05-02", GOOD[0]) + &story("b", "1933-05-02", "Good One met Norway."),
    );
    let m = mini();
    let run = dyad_in(
        d,
        &[
            "code",
            "c.jsonl",
            "-j",
            "1",
            "--actors",
            "bad.actors",
            "--verbs",
            &m.join("mini.verbs").display().to_string(),
            "--agents",
            "bad.agents",
            "--issues",
            "bad.issues",
            "--discards",
            "bad.discards",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.report());
    assert_eq!(run.read(), 2);
    insta::assert_snapshot!(
        "dictionary_code",
        format!("{}\n{}", run.report(), run.stdout)
    );

    // Verbs with errors only: nothing can be coded, which is an error of its own.
    let run = code(
        d,
        &["c.jsonl", "--verbs", "bad.verbs", "--actors", "bad.actors"],
    );
    insta::assert_snapshot!("dictionary_code_bad_verbs", run.report());
}

#[test]
fn empty_dictionaries() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "empty.actors", "");
    write(
        d,
        "comments.actors",
        "# nothing\n\n; here\n~FINISH\nNORWAY_ [NOR]\n",
    );
    write(d, "empty.verbs", "");
    std::fs::create_dir_all(d.join("none")).unwrap();
    write(d, "none/readme.md", "no dictionaries here");
    write(d, "c.jsonl", story("a", "1933-05-02", GOOD[0]));
    let m = mini().join("mini.verbs").display().to_string();
    let mut reports = Vec::new();
    for args in [
        vec!["code", "c.jsonl", "--verbs", "empty.verbs"],
        vec!["code", "c.jsonl", "--actors", "empty.actors", "--verbs", &m],
        vec![
            "code",
            "c.jsonl",
            "--actors",
            "comments.actors",
            "--verbs",
            &m,
        ],
        vec!["code", "c.jsonl", "--dictionaries", "none"],
        vec!["dict", "check", "--actors", "empty.actors"],
        vec!["dict", "check", "--actors", "comments.actors"],
        vec!["dict", "stats", "--actors", "empty.actors"],
    ] {
        let mut a = args.clone();
        if a[0] == "code" {
            a.extend(["-j", "1"]);
        }
        let run = dyad_in(d, &a);
        if a[0] == "code" && run.code == 0 {
            assert_eq!(run.counts(), [1, 0, 1, 0, 0]);
        }
        reports.push(format!(
            "== dyad {}\nexit: {}\n{}\n{}",
            args.join(" ").replace(&m, "[MINI_VERBS]"),
            run.code,
            run.stdout,
            run.stderr.replace(&m, "[MINI_VERBS]")
        ));
    }
    insta::assert_snapshot!("empty_dictionaries", reports.join("\n"));
}

#[test]
fn conflicting_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(
        d,
        "a.actors",
        "NORWAY_ [NOR]\nSWEDEN_ [SWE]\nNORWAY_ [DNK]\nLARSEN_\n\t[NORGOV 19330101-19351231]\n\t[NORMIL 19350101-19401231]\n\t[NORELI]\n",
    );
    write(d, "b.actors", "NORWAY_ [FIN]\n+SWEDEN_\n");
    write(d, "c.agents", "MINISTER_ [~GOV]\nMINISTER_ [~MIL]\n");
    write(
        d,
        "d.verbs",
        "--- ACCUSE [112] ---\nACCUSE\n- * OF TREASON [111]\n- * OF TREASON [113]\n--- CHARGE [111] ---\nACCUSE\n",
    );
    let run = dyad_in(
        d,
        &[
            "dict", "check", "--actors", "a.actors", "--actors", "b.actors", "--agents",
            "c.agents", "--verbs", "d.verbs",
        ],
    );
    insta::assert_snapshot!(
        "conflicting_check",
        format!("exit: {}\n{}\n{}", run.code, run.stdout, run.stderr)
    );
    write(
        d,
        "c.jsonl",
        story("a", "1933-05-02", "Norway accused Sweden.")
            + &story("b", "1935-06-01", "Larsen accused Sweden of treason.")
            + &story("c", "1935-06-01", "The Norwegian minister accused Sweden."),
    );
    let run = dyad_in(
        d,
        &[
            "code",
            "c.jsonl",
            "-j",
            "1",
            "--actors",
            "a.actors",
            "--actors",
            "b.actors",
            "--agents",
            "c.agents",
            "--verbs",
            "d.verbs",
            "--columns",
            "story_id,source,target,code",
        ],
    );
    assert_eq!(run.read(), 3);
    insta::assert_snapshot!(
        "conflicting_code",
        format!("{}\n{}", run.report(), run.stdout)
    );
}

/// A clean corpus of 24 stories, and a corrupted copy of it: every kind of damage a
/// feed can carry, mixed with good records.
fn corrupted_corpus() -> (Vec<u8>, Vec<String>) {
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for i in 0..24 {
        lines.push(
            story(
                &format!("s{i}"),
                &format!("1933-05-{:02}", 1 + i % 28),
                GOOD[i % 4],
            )
            .trim_end()
            .as_bytes()
            .to_vec(),
        );
    }
    // Damage: keep the good records, replace some, insert others.
    lines[1] = b"{\"id\":\"s1\",\"date\":\"1933-05-02\",\"text\":\"Norway acc".to_vec();
    lines[3] = b"{\"id\":\"s3\",\"date\":\"1933-05-04\"}".to_vec();
    lines[5] =
        b"{\"id\":\"s5\",\"date\":\"1933-02-30\",\"text\":\"Norway accused Sweden.\"}".to_vec();
    lines[7] =
        b"{\"id\":\"s7\",\"date\":\"1933-05-08\",\"text\":\"Norway accused Sweden in Malm\xf6.\"}"
            .to_vec();
    lines[9].extend_from_slice(b"\r");
    lines[11] = format!(
        "{{\"id\":\"s11\",\"date\":\"1933-05-12\",\"text\":\"{}\"}}",
        "Norway accused Sweden. ".repeat(40)
    )
    .into_bytes();
    lines[13] = garbage(60).into_iter().filter(|&b| b != b'\n').collect();
    lines[15] = b"[\"s15\", \"1933-05-16\", \"Norway accused Sweden.\"]".to_vec();
    lines[17] =
        b"{\"id\":\"s17\",\"date\":\"1799-05-18\",\"text\":\"Norway accused Sweden.\"}".to_vec();
    lines[19] = b"{\"id\":\"s19\",\"date\":\"1933-05-20\",\"text\":\"   \"}".to_vec();
    lines.insert(20, Vec::new());
    lines.insert(21, b"   ".to_vec());
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    for l in &lines {
        bytes.extend_from_slice(l);
        bytes.push(b'\n');
    }
    let text: Vec<String> = String::from_utf8_lossy(&bytes)
        .lines()
        .map(str::to_string)
        .collect();
    (bytes, text)
}

#[test]
fn corrupted_corpus_accounting() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let (input, _) = corrupted_corpus();
    write(d, "corrupt.jsonl", &input);
    let run = code(
        d,
        &[
            "corrupt.jsonl",
            "--rejects",
            "r.jsonl",
            "--max-story-bytes",
            "500",
            "-o",
            "e.csv",
        ],
    );
    assert_eq!(run.code, 0);
    // 26 lines, 2 blank: 24 records, of which 8 are rejected (the Latin-1 one is
    // decoded lossily and coded).
    assert_eq!(run.read(), 24);
    assert_eq!(run.rejected(), 8);
    assert_rejects_verbatim(&run, d, "r.jsonl", &input);
    insta::assert_snapshot!("corrupted_skip", run.report());
    // Events written = events reported.
    let events: u64 = run
        .stderr
        .lines()
        .find_map(|l| l.split(" sentences, ").nth(1))
        .and_then(|r| r.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(lines_of(d, "e.csv").len() as u64 - 1, events);

    // The same on two threads.
    let two = dyad_in(
        d,
        &[
            "code",
            "corrupt.jsonl",
            "-j",
            "2",
            "--max-story-bytes",
            "500",
            "--dictionaries",
            &mini().display().to_string(),
            "-o",
            "e2.csv",
        ],
    );
    assert_eq!(two.counts(), run.counts());
    assert_eq!(read(d, "e2.csv"), read(d, "e.csv"));

    // --on-error fail stops at the first bad record, names it, and leaves no output.
    let run = code(
        d,
        &[
            "corrupt.jsonl",
            "--on-error",
            "fail",
            "-o",
            "f.csv",
            "--rejects",
            "rf.jsonl",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(!d.join("f.csv").exists());
    let second: Vec<u8> = input
        .split_inclusive(|&b| b == b'\n')
        .nth(1)
        .unwrap()
        .to_vec();
    assert_eq!(bytes(d, "rf.jsonl"), second);
    assert!(!run.stderr.contains("skipped"), "{}", run.stderr);
    insta::assert_snapshot!("corrupted_fail", run.report());
}

/// A corpus made of parts, each a record (or, for CSV, a record split in two by a
/// broken quote) marked rejected or not: the bytes, and the rejected parts in order.
fn assemble(parts: &[(&[u8], bool)]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let all = parts.iter().flat_map(|(p, _)| p.iter().copied()).collect();
    let rejected = parts
        .iter()
        .filter(|(_, r)| *r)
        .map(|(p, _)| p.to_vec())
        .collect();
    (all, rejected)
}

/// Runs a corrupted corpus with `--rejects`, under skip and fail, and checks what a
/// user would: the counts add up, the rejects file holds the rejected records byte for
/// byte, one and two threads agree, and `--on-error fail` stops at the first.
fn check_corrupted(d: &Path, name: &str, parts: &[(&[u8], bool)], counts: [u64; 5]) -> String {
    let (input, rejected) = assemble(parts);
    write(d, name, &input);
    let run = code(d, &[name, "--rejects", "r.bin", "-o", "e.csv"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.counts(), counts, "{}", run.stderr);
    let records: Vec<&[u8]> = rejected.iter().map(Vec::as_slice).collect();
    assert_rejects_are(&run, d, "r.bin", &records);
    let two = dyad_in(
        d,
        &[
            "code",
            name,
            "-j",
            "2",
            "--dictionaries",
            &mini().display().to_string(),
            "-o",
            "e2.csv",
        ],
    );
    assert_eq!(two.counts(), run.counts());
    assert_eq!(read(d, "e2.csv"), read(d, "e.csv"));
    let fail = code(
        d,
        &[
            name,
            "--on-error",
            "fail",
            "-o",
            "f.csv",
            "--rejects",
            "rf.bin",
        ],
    );
    assert_eq!(fail.code, 2);
    assert!(!d.join("f.csv").exists());
    assert_holds(d, "rf.bin", &records[..1]);
    assert!(!fail.stderr.contains("skipped"), "{}", fail.stderr);
    format!("{}\n== --on-error fail\n{}", run.report(), fail.report())
}

#[test]
fn corrupted_csv_tabari_and_xml() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    // CSV with CRLF line ends and a byte-order mark.
    let parts: Vec<(&[u8], bool)> = vec![
        (b"\xef\xbb\xbfid,date,text\r\n", false),
        (b"s0,1933-05-01,\"Norway accused Sweden of massing troops.\"\r\n", false),
        // A quote left open runs into the next line, where the next quote closes it.
        (b"s1,1933-05-02,\"unclosed quote\r\ns2,1933-05-03,\"Swedish troops shelled Norway.\"\r\n", true),
        (b"s3,1933-05-04,\r\n", true),
        (b"\r\n", false),
        (b"s5,1933-02-30,Norway met Sweden.\r\n", true),
        (b"s6,1933-05-07,\"He said \"\"no\"\" to Sweden, then Norway accused Sweden.\"\r\n", false),
        (b"s7,1933-05-08\r\n", true),
        // A comma in a field that is not quoted: one field too many.
        (b"s8,1933-05-09,Norway accused Sweden, then left\r\n", true),
        (b"s9,1933-13-01,\"Norway accused\r\nSweden \"\"again\"\".\"\r\n", true),
        (b"s10,1799-01-01,\"Malm\xf6 accused Sweden.\"\r\n", true),
        (b"s11,1933-05-12,\"Norway accused Sweden in Malm\xf6.\"\r\n", false),
        (b"s12,1933-05-13,", true),
    ];
    let csv = check_corrupted(d, "corrupt.csv", &parts, [11, 2, 1, 0, 8]);
    insta::assert_snapshot!("corrupted_csv", csv);

    // TABARI records: text before the first header, a bad date, empty records (one
    // with only a comment), CRLF, invalid UTF-8, a last record without a line end.
    let parts: Vec<(&[u8], bool)> = vec![
        (b"Notes on this file\r\nby hand\r\n", true),
        (b"\r\n330502 a\r\nNorway accused Sweden.\r\n", false),
        (b"\r\n", false),
        (b"331340 b\r\nSwedish troops shelled Norway.\r\n", true),
        (b"\r\n", false),
        (b"330503 c\r\n", true),
        (b"\r\n", false),
        (b"330504 d\r\n/* nothing but a comment */\r\n", true),
        (b"\r\n", false),
        (
            b"330505 e\r\nNorway accused\r\nSweden in Malm\xf6.\r\n\r\n",
            false,
        ),
        (b"330506 f\r\n", true),
    ];
    let tabari = check_corrupted(d, "corrupt.records", &parts, [7, 2, 0, 0, 5]);
    insta::assert_snapshot!("corrupted_records", tabari);

    // PETRARCH XML.
    let parts: Vec<(&[u8], bool)> = vec![
        (b"<Sentences>\r\n", false),
        (b"<Sentence date=\"19330502\" id=\"x0\"><Text>Norway accused Sweden.</Text></Sentence>\r\n", false),
        (b"  ", false),
        (b"<Sentence date=\"19330230\" id=\"x1\"><Text>Norway accused Sweden.</Text></Sentence>\r\n", true),
        (b"<Sentence date=\"19330504\" id=\"x2\">\r\n<Text>\r\n</Text>\r\n</Sentence>\r\n", true),
        // A missing </Text>: rejected up to the next <Sentence>, which is read.
        (b"<Sentence date=\"19330505\" id=\"x3\"><Text>Norway accused Sweden.</Sentence>\r\n", true),
        (b"<Sentence date=\"19330506\" id=\"x4\"><Text>Swedish troops shelled Norway &amp; Sweden.</Text></Sentence>\r\n", false),
        (b"<Sentence date=\"19330507\" id=\"x5\"><Text>Norway accused\r\nSweden in Malm\xf6.</Text></Sentence>\r\n", false),
        (b"<Sentence date=\"19330508\" id=\"x6\"/>\r\n", true),
        // Cut off: the last <Sentence> is not closed.
        (b"<Sentence date=\"19330509\" id=\"x7\"><Text>Norway accused Sweden.</Text>\r\n", true),
    ];
    let xml = check_corrupted(d, "corrupt.xml", &parts, [8, 3, 0, 0, 5]);
    insta::assert_snapshot!("corrupted_xml", xml);
}

/// A file that cannot be read as records (a CSV without the text column, a file that
/// is not XML) is rejected as a whole: one message with its place, the other files are
/// coded, and the counts add up. `--on-error fail` stops there.
#[test]
fn unreadable_files_are_skipped_or_stop_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let nocol = b"id,date,body\r\na,1933-05-02,Norway accused Sweden.\r\n";
    write(d, "nocol.csv", nocol);
    write(d, "notxml.xml", b"<<<< this is not XML\n");
    write(d, "empty.csv", b"");
    write(
        d,
        "c.jsonl",
        story("a", "1933-05-02", GOOD[0]) + &story("b", "1933-05-03", GOOD[1]),
    );
    let args = [
        "nocol.csv",
        "notxml.xml",
        "empty.csv",
        "c.jsonl",
        "--rejects",
        "r.bin",
        "-o",
        "e.csv",
    ];
    let run = code(d, &args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.counts(), [4, 2, 0, 0, 2]);
    assert_eq!(lines_of(d, "e.csv").len(), 3);
    assert_rejects_are(
        &run,
        d,
        "r.bin",
        &[nocol.as_slice(), b"<<<< this is not XML\n"],
    );
    for l in run.stderr.lines() {
        assert!(l.matches("nocol.csv").count() <= 1, "{l}");
    }
    let mut report = run.report();

    let mut fail = args.to_vec();
    fail.extend(["--on-error", "fail"]);
    let run = code(d, &fail);
    assert_eq!(run.code, 2);
    report.push_str(&format!("\n== --on-error fail\n{}", run.report()));

    let mut strict = args.to_vec();
    strict.push("--strict");
    let run = code(d, &strict);
    assert_eq!(run.code, 1);
    assert_eq!(run.counts(), [4, 2, 0, 0, 2]);
    insta::assert_snapshot!("unreadable_files", report);
}

/// A file the system cannot read (`/proc/self/mem` fails with an I/O error even for
/// root) is named and skipped, the other files are coded, and the run exits with 1;
/// `--on-error fail` stops there and leaves no output file.
#[cfg(target_os = "linux")]
#[test]
fn a_file_that_cannot_be_read_is_named_and_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(d, "a.jsonl", story("a", "1933-05-02", GOOD[0]));
    write(d, "b.jsonl", story("b", "1933-05-03", GOOD[1]));
    let args = ["a.jsonl", "/proc/self/mem", "b.jsonl", "-o", "e.csv"];
    let run = code(d, &args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "dyad: /proc/self/mem: cannot read: Input/output error (os error 5); file skipped"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("1 input file could not be read (named above); exit status 1"),
        "{}",
        run.stderr
    );
    assert_eq!(run.counts(), [2, 2, 0, 0, 0]);
    assert_eq!(lines_of(d, "e.csv").len(), 3);

    let fail = [
        "a.jsonl",
        "/proc/self/mem",
        "b.jsonl",
        "-o",
        "f.csv",
        "--on-error",
        "fail",
    ];
    let run = code(d, &fail);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("/proc/self/mem: cannot read: Input/output error (os error 5); stopping (--on-error fail)"),
        "{}",
        run.stderr
    );
    assert!(!d.join("f.csv").exists());
}

#[test]
fn tabari_options_with_odd_commands() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let m = mini();
    let project = format!(
        "<actorsfile> {}\n<verbsfile> {}\n<optionsfile> odd.options\n",
        m.join("mini.actors").display(),
        m.join("mini.verbs").display()
    );
    write(d, "p.project", project);
    // Latin-1 and UTF-8 letters inside command names, a command without a colon, junk.
    write(
        d,
        "odd.options",
        b"C\xd3MPLEX: VERBS[5]\nCOM\xc3\xbfPLEX: NOVERB\nNOT A COMMAND\n:\n\xff\xfe:\xff\nCOMPLEX: VERBS[9]\n",
    );
    write(d, "c.jsonl", story("a", "1933-05-02", GOOD[0]));
    let run = dyad_in(
        d,
        &[
            "code",
            "c.jsonl",
            "-j",
            "1",
            "--tabari-project",
            "p.project",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.report());
    assert_eq!(run.counts(), [1, 1, 0, 0, 0]);
}
