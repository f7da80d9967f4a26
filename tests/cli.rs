//! The `dyad` binary run on real files in temporary folders, case by case.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn mini() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/mini")
}

fn dyad() -> Command {
    Command::cargo_bin("dyad").unwrap()
}

fn with_mini(cmd: &mut Command) -> &mut Command {
    cmd.arg("--dictionaries").arg(mini())
}

const CORPUS: &str = r#"{"id": "s1", "date": "1933-05-02", "text": "OSLO, May 2 (Wire) - Norway accused Sweden on Monday of massing troops. Erik Larsen met Ambassador Lindqvist for talks."}
{"id": "s2", "date": "1933-05-03", "text": "Swedish troops shelled Norway with artillery."}
not json at all
{"id": "s4", "date": "1933-13-40", "text": "Norway met Sweden."}
{"id": "s5", "date": "1933-05-04", "text": ""}
{"id": "s6", "date": "1933-05-04", "text": "The weather was fine."}
{"id": "s7", "date": "1933-05-05", "text": "Norway beat Sweden in the World Cup final."}
"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn codes_a_corpus_and_the_counts_add_up() {
    let tmp = tempfile::tempdir().unwrap();
    let input = write(tmp.path(), "corpus.jsonl", CORPUS);
    let out = tmp.path().join("events.csv");
    let rejects = tmp.path().join("rejects.jsonl");
    let assert = with_mini(
        dyad()
            .arg("code")
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .arg("--rejects")
            .arg(&rejects),
    )
    .assert()
    .success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains("7 stories read: 2 coded, 1 no event, 1 discarded, 3 rejected"),
        "{stderr}"
    );
    assert!(
        stderr.contains("corpus.jsonl:3:") && stderr.contains("bad-json"),
        "{stderr}"
    );
    assert!(
        stderr.contains("corpus.jsonl:4:") && stderr.contains("bad-date"),
        "{stderr}"
    );
    assert!(
        stderr.contains("corpus.jsonl:5:") && stderr.contains("no-text"),
        "{stderr}"
    );
    let csv = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with(
        "event_id,story_id,sentence,date,story_date,source,source_country,source_role,target"
    ));
    // Monday before 1933-05-02 (a Tuesday) is May 1: the event date moves, the story date stays.
    assert!(lines.iter().any(|l| l.starts_with("s1-1-1,s1,1,1933-05-01,1933-05-02,NOR,NOR,,SWE,SWE,,112,11,3,")), "{csv}");
    // A dated actor: Larsen is NORGOV in 1933; the pattern "* FOR &T_TALKS" gives 043.
    assert!(
        lines
            .iter()
            .any(|l| l.contains(",NORGOV,NOR,GOV,SWEGOV,SWE,GOV,043,04,1,")),
        "{csv}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains(",SWEMIL,SWE,MIL,NOR,NOR,,194,19,4,")),
        "{csv}"
    );
    // Rejected records are written out verbatim.
    let rej = std::fs::read_to_string(&rejects).unwrap();
    assert_eq!(rej.lines().count(), 3);
    assert!(rej.contains("not json at all"));
}

#[test]
fn output_is_identical_for_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    let mut big = String::new();
    for i in 0..3000 {
        big.push_str(&format!("{{\"id\": \"x{i}\", \"date\": \"1933-05-0{}\", \"text\": \"Norway accused Sweden. Swedish troops shelled Norway.\", \"url\": \"u{i}\"}}\n", 1 + i % 9));
        if i % 700 == 0 {
            big.push_str("{\"id\": \"broken\n");
        }
    }
    let input = write(tmp.path(), "big.jsonl", &big);
    // One thread reads, codes and writes story by story; more threads write what the
    // coding threads formatted (or, dropping duplicates, the rows themselves).
    for extra in [
        &[][..],
        &[
            "--output-format",
            "tsv",
            "--keep-field",
            "url",
            "--with-text",
        ],
        &["--output-format", "jsonl", "--keep-field", "url"],
        &["--layout", "tabari"],
        &["--layout", "petrarch"],
        &["--dedup", "one-a-day"],
    ] {
        let run = |threads: &str| {
            let out = with_mini(
                dyad()
                    .arg("code")
                    .arg(&input)
                    .arg("-j")
                    .arg(threads)
                    .args(extra),
            )
            .output()
            .unwrap();
            assert!(out.status.success());
            let stderr = String::from_utf8(out.stderr).unwrap();
            // The summary without its time and thread count.
            let summary = stderr
                .lines()
                .last()
                .unwrap()
                .split(" in ")
                .next()
                .unwrap()
                .to_string();
            let warnings: Vec<String> = stderr
                .lines()
                .filter(|l| !l.contains(" in "))
                .map(String::from)
                .collect();
            (out.stdout, warnings, summary)
        };
        let one = run("1");
        assert_eq!(one, run("2"), "{extra:?}");
        assert_eq!(one, run("4"), "{extra:?}");
        assert!(one.2.contains("3005 stories read"), "{}", one.2);
        assert_eq!(one.1.len(), 5, "{:?}", one.1);
        let rows = String::from_utf8(one.0).unwrap().lines().count();
        match extra.first() {
            None => assert_eq!(rows, 1 + 6000),
            Some(&"--dedup") => assert_eq!(rows, 1 + 18),
            _ => assert!(rows >= 6000, "{extra:?}: {rows}"),
        }
    }
}

#[test]
fn formats_columns_and_layouts() {
    let tmp = tempfile::tempdir().unwrap();
    let input = write(tmp.path(), "c.jsonl", "{\"id\":\"a\",\"date\":\"1933-05-02\",\"text\":\"Norway accused Sweden.\",\"url\":\"http://x\"}\n");
    let out = with_mini(dyad().arg("code").arg(&input).args([
        "--output-format",
        "jsonl",
        "--keep-field",
        "url",
        "-q",
    ]))
    .output()
    .unwrap();
    let v: serde_json::Value =
        serde_json::from_slice(out.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert_eq!(v["code"], "112");
    assert_eq!(v["quad_class"], 3);
    assert_eq!(v["url"], "http://x");
    let out = with_mini(dyad().arg("code").arg(&input).args([
        "--columns",
        "source,target,code",
        "--with-text",
        "-q",
    ]))
    .output()
    .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "source,target,code,text\nNOR,SWE,112,Norway accused Sweden.\n"
    );
    let out = with_mini(
        dyad()
            .arg("code")
            .arg(&input)
            .args(["--layout", "tabari", "-q"]),
    )
    .output()
    .unwrap();
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("330502\tNOR\tSWE\t112\t("));
    with_mini(dyad().arg("code").arg(&input).args(["--columns", "nope"]))
        .assert()
        .code(2);
}

#[test]
fn csv_text_and_stdin_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = write(
        tmp.path(),
        "c.csv",
        "id,day,body\n1,1933-05-02,\"Norway accused Sweden, officials said.\"\n",
    );
    let out = with_mini(dyad().arg("code").arg(&csv).args([
        "--date-field",
        "day",
        "--text-field",
        "body",
        "--columns",
        "story_id,code",
        "-q",
    ]))
    .output()
    .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "story_id,code\n1,112\n"
    );
    let dir = tmp.path().join("stories");
    std::fs::create_dir(&dir).unwrap();
    write(&dir, "wire_1933-05-02.txt", "Norway accused Sweden.");
    let out =
        with_mini(
            dyad()
                .arg("code")
                .arg(&dir)
                .args(["--columns", "story_id,date,code", "-q"]),
        )
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "story_id,date,code\nwire_1933-05-02,1933-05-02,112\n"
    );
    let out =
        with_mini(
            dyad()
                .arg("code")
                .arg("-")
                .args(["--columns", "code", "-q", "--no-header"]),
        )
        .write_stdin("{\"id\":\"a\",\"date\":\"19330502\",\"text\":\"Sweden blamed Norway.\"}\n")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "112\n");
}

#[test]
fn strict_and_fail_modes() {
    let tmp = tempfile::tempdir().unwrap();
    let input = write(tmp.path(), "c.jsonl", CORPUS);
    with_mini(dyad().arg("code").arg(&input).args(["-q", "--strict"]))
        .assert()
        .code(1);
    let out = tmp.path().join("never.csv");
    let a = with_mini(
        dyad()
            .arg("code")
            .arg(&input)
            .args(["--on-error", "fail"])
            .arg("-o")
            .arg(&out),
    )
    .assert()
    .code(2);
    let stderr = String::from_utf8(a.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("c.jsonl:3"), "{stderr}");
    // The run stopped: no output file under the final name, and no temporary left behind.
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

/// A corpus big enough to fill any pipe buffer and output buffer.
fn big_corpus(dir: &Path) -> PathBuf {
    let mut big = String::new();
    for i in 0..20000 {
        big.push_str(&format!(
            "{{\"id\":\"x{i}\",\"date\":\"1933-05-02\",\"text\":\"Norway accused Sweden.\"}}\n"
        ));
    }
    write(dir, "big.jsonl", &big)
}

/// Runs a shell command line in `dir` with `$DYAD` set to the binary and `$MINI` to the
/// mini dictionaries.
fn shell(dir: &Path, script: &str) -> std::process::Output {
    std::process::Command::new("bash")
        .arg("-o")
        .arg("pipefail")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env("DYAD", assert_cmd::cargo::cargo_bin("dyad"))
        .env("MINI", mini())
        .output()
        .unwrap()
}

#[test]
fn closed_pipe_exits_quietly() {
    let tmp = tempfile::tempdir().unwrap();
    big_corpus(tmp.path());
    for (quiet, lines) in [("-q", 2), ("", 1)] {
        let out = shell(
            tmp.path(),
            &format!("\"$DYAD\" code big.jsonl --dictionaries \"$MINI\" {quiet} | head -n {lines}"),
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), lines);
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success());
    }
}

/// A full disk, a file-size limit, a closed standard output: a clear message, exit
/// status 2, and no truncated file under the final name.
#[test]
fn write_errors_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let input = big_corpus(d);
    let full = Path::new("/dev/full");
    if full.exists() {
        // -o /dev/full: written in place (a device is not replaced by a file).
        let a = with_mini(dyad().arg("code").arg(&input).args(["-o", "/dev/full"]))
            .assert()
            .code(2);
        assert_eq!(
            String::from_utf8_lossy(&a.get_output().stderr),
            "dyad: error: cannot write /dev/full: No space left on device (os error 28)\n"
        );
        {
            use std::os::unix::fs::FileTypeExt;
            assert!(std::fs::metadata(full)
                .unwrap()
                .file_type()
                .is_char_device());
        }
        // > /dev/full
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("dyad"))
            .arg("code")
            .arg(&input)
            .arg("--dictionaries")
            .arg(mini())
            .stdout(std::fs::OpenOptions::new().write(true).open(full).unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "dyad: error: cannot write standard output: No space left on device (os error 28)\n"
        );
    }
    // A disk that fills up under -o: here a file-size limit (with SIGXFSZ ignored, a
    // write past it fails with EFBIG). The temporary file is removed and nothing is
    // left under the final name.
    std::fs::create_dir(d.join("out")).unwrap();
    let out = shell(
        d,
        "trap '' XFSZ; ulimit -f 64; exec \"$DYAD\" code big.jsonl --dictionaries \"$MINI\" -o out/e.csv",
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "dyad: error: cannot write out/e.csv: File too large (os error 27)\n"
    );
    assert_eq!(std::fs::read_dir(d.join("out")).unwrap().count(), 0);
    // The same for the rejects file.
    let out = shell(
        d,
        "trap '' XFSZ; ulimit -f 8; exec \"$DYAD\" code big.jsonl big.jsonl --input-format csv --dictionaries \"$MINI\" -o out/e.csv --rejects out/r.csv",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot write out/r.csv: File too large"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!d.join("out/e.csv").exists());
    // A closed standard output.
    if cfg!(target_os = "linux") {
        let out = shell(d, "\"$DYAD\" code big.jsonl --dictionaries \"$MINI\" >&-");
        assert_eq!(out.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .starts_with("dyad: error: cannot write standard output: it is closed"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // > /dev/null is not closed.
        let out = shell(
            d,
            "\"$DYAD\" code big.jsonl --dictionaries \"$MINI\" -q > /dev/null",
        );
        assert_eq!(out.status.code(), Some(0));
    }
}

#[test]
fn explain_shows_matches_and_sources() {
    let a = with_mini(dyad().args([
        "explain",
        "Erik Larsen met Ambassador Lindqvist for talks.",
        "--date",
        "1933-05-02",
    ]))
    .assert()
    .success();
    let out = String::from_utf8(a.get_output().stdout.clone()).unwrap();
    assert!(out.contains("mini.actors:"), "{out}");
    assert!(out.contains("NORGOV -> SWEGOV 043"), "{out}");
    assert!(out.contains("mini.verbs:"), "{out}");
    let a = with_mini(dyad().args([
        "explain",
        "Norway accused Sweden.",
        "--date",
        "1933-05-02",
        "--json",
    ]))
    .assert()
    .success();
    let v: serde_json::Value = serde_json::from_slice(&a.get_output().stdout).unwrap();
    assert_eq!(v["events"][0]["code"], "112");
}

#[test]
fn bad_usage_and_missing_files_exit_2() {
    dyad()
        .args(["code", "/no/such/file.jsonl", "-q"])
        .assert()
        .code(2);
    dyad()
        .args(["code", "--actors", "/no/such.actors", "-q"])
        .assert()
        .code(2);
    dyad().arg("frobnicate").assert().code(2);
}

#[test]
fn actors_unknown_lists_names_next_to_verbs() {
    let tmp = tempfile::tempdir().unwrap();
    let input = write(
        tmp.path(),
        "c.jsonl",
        "{\"id\":\"a\",\"date\":\"1933-05-02\",\"text\":\"Norway accused Grand Fenwick of spying. Grand Fenwick denied it.\"}\n{\"id\":\"b\",\"date\":\"1933-05-03\",\"text\":\"Sweden met Grand Fenwick officials.\"}\n",
    );
    // A file it cannot read is named (with the reason), and the others are read.
    let nocol = write(tmp.path(), "nocol.csv", "id,body\na,x\n");
    let out = with_mini(dyad().args(["actors", "unknown"]).arg(&nocol).arg(&input))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("name,count,example\nGrand Fenwick,2,"),
        "{text}"
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.ends_with("nocol.csv:1: no column \"text\" in the header (bad-csv); file skipped\n"),
        "{stderr}"
    );
    let out = with_mini(dyad().args(["actors", "unknown", "--stub"]).arg(&input))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\nGRAND_FENWICK_ [---]\n"), "{text}");
    // The stub loads as a dictionary as it is.
    let stub = write(tmp.path(), "new.actors", &text);
    with_mini(
        dyad()
            .args(["code", "-q"])
            .arg(&input)
            .arg("--add-actors")
            .arg(&stub),
    )
    .assert()
    .success();
}

/// The example in the README is what `dyad code` prints on the example stories.
#[test]
fn the_readme_example_is_true() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let marker = "from `dyad code examples/stories.jsonl --columns ";
    let at = readme
        .find(marker)
        .expect("the README shows a `dyad code` example");
    let columns = readme[at + marker.len()..].split('`').next().unwrap();
    let block = readme[at..]
        .split("```")
        .nth(1)
        .expect("the example output block");
    let shown: Vec<&str> = block.lines().filter(|l| !l.is_empty()).collect();
    let out = dyad()
        .current_dir(root)
        .args(["code", "examples/stories.jsonl", "-q", "--columns", columns])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let actual: Vec<&str> = stdout.lines().take(shown.len()).collect();
    assert_eq!(actual, shown);
}

/// Without the `parquet` feature, asking for Parquet says how to get it, and writes
/// nothing.
#[cfg(not(feature = "parquet"))]
#[test]
fn parquet_without_the_feature_says_how_to_build_it() {
    let tmp = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = dyad()
        .current_dir(tmp.path())
        .arg("code")
        .arg(root.join("examples/stories.jsonl"))
        .args(["--output-format", "parquet", "-o", "e.parquet"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--features parquet"), "{err}");
    assert!(!tmp.path().join("e.parquet").exists());
}

/// `-o /dev/null` discards the events and leaves the null device a device: an earlier
/// dyad renamed its temporary file over it, which (as root) broke every later program
/// that read /dev/null.
#[cfg(unix)]
#[test]
fn output_to_dev_null_keeps_the_device() {
    use std::os::unix::fs::FileTypeExt;
    let tmp = tempfile::tempdir().unwrap();
    let input = big_corpus(tmp.path());
    with_mini(
        dyad()
            .arg("code")
            .arg(&input)
            .args(["-q", "-o", "/dev/null"]),
    )
    .assert()
    .success();
    let meta = std::fs::metadata("/dev/null").unwrap();
    assert!(meta.file_type().is_char_device());
}

#[test]
fn compiled_dictionaries_are_cached_and_follow_the_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dicts = tmp.path().join("dicts");
    std::fs::create_dir(&dicts).unwrap();
    for e in std::fs::read_dir(mini()).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dicts.join(p.file_name().unwrap())).unwrap();
    }
    let cache = tmp.path().join("cache");
    let input = write(tmp.path(), "corpus.jsonl", CORPUS);
    let run = |cache_dir: &Path| {
        let out = dyad()
            .env("DYAD_CACHE_DIR", cache_dir)
            .arg("code")
            .arg(&input)
            .arg("--dictionaries")
            .arg(&dicts)
            .arg("--no-header")
            .assert()
            .success()
            .get_output()
            .clone();
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let cached_sets = || std::fs::read_dir(&cache).map_or(0, |d| d.count());
    let (compiled, compiled_err) = run(&cache);
    assert_eq!(cached_sets(), 1, "the first run stores the compiled set");
    let (from_cache, from_cache_err) = run(&cache);
    assert_eq!(cached_sets(), 1);
    assert_eq!(from_cache, compiled);
    // The same messages, dictionary warnings included, without the timing.
    let summary = |e: &str| {
        e.lines()
            .map(|l| l.split(" in ").next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(summary(&from_cache_err), summary(&compiled_err));
    assert!(compiled.contains(",NOR,"), "{compiled}");
    // An edited file is a new set: the country Norway becomes Denmark.
    let actors = std::fs::read_dir(&dicts)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("actor"))
        .unwrap();
    let text = std::fs::read_to_string(&actors).unwrap();
    assert!(text.contains("[NOR]"), "{text}");
    std::fs::write(&actors, text.replace("[NOR]", "[DNK]")).unwrap();
    let (edited, _) = run(&cache);
    assert_eq!(cached_sets(), 2);
    assert!(
        edited.contains(",DNK,DNK,,SWE,") && !edited.contains(",NOR,NOR,,SWE,"),
        "{edited}"
    );
    // An empty DYAD_CACHE_DIR turns the cache off.
    let (uncached, _) = run(Path::new(""));
    assert_eq!(uncached, edited);
    assert_eq!(cached_sets(), 2);
}
