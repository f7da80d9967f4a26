//! `dyad dict check | lookup | stats` and `dyad codes`, run on the small dictionaries of
//! `tests/data/mini` and the deliberately faulty ones of `tests/data/dicttools`.

use assert_cmd::Command;
use std::path::PathBuf;

fn data(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

fn dyad() -> Command {
    Command::cargo_bin("dyad").unwrap()
}

/// Runs the command; returns (exit code, stdout, stderr).
fn run(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The line of `out` that mentions `file:line` and contains every `needle`.
fn line_with<'a>(out: &'a str, file_line: &str, needles: &[&str]) -> Option<&'a str> {
    out.lines()
        .find(|l| l.contains(file_line) && needles.iter().all(|n| l.contains(n)))
}

fn assert_line(out: &str, file_line: &str, needles: &[&str]) {
    assert!(
        line_with(out, file_line, needles).is_some(),
        "no line with {file_line} and {needles:?} in:\n{out}"
    );
}

#[test]
fn check_reports_every_problem_with_file_and_line_and_fails() {
    let (code, out, _) = run(dyad()
        .args(["dict", "check", "--dictionaries"])
        .arg(data("dicttools/bad")));
    assert_eq!(code, 1, "{out}");
    // Overlapping ranges with different codes: an error at the actor's headword.
    assert_line(
        &out,
        "bad.actors:4:",
        &[
            "error:",
            "ERIK_LARSEN_",
            "overlap from 1935-06-01 to 1935-12-31",
            "[date-overlap]",
        ],
    );
    // A range that ends on the day the next starts: a warning only.
    assert_line(
        &out,
        "bad.actors:9:",
        &["warning:", "boundary day", "1933-05-01"],
    );
    // The same phrase with other codes: reported by the reader, with both places.
    assert_line(
        &out,
        "bad.actors:12:",
        &["warning:", "NORWAY_", "bad.actors:2"],
    );
    assert_line(
        &out,
        "bad.actors:13:",
        &["warning:", "ZZZGOV", "[unknown-actor-code]"],
    );
    // Syntax errors.
    assert_line(&out, "bad.actors:14:", &["error:", "missing ]"]);
    assert_line(&out, "bad.actors:15:", &["error:", "ends before it starts"]);
    assert_line(&out, "bad.verbs:7:", &["error:", "no verb marker"]);
    // Patterns that can never win, repeated markers, codes missing from CAMEO.
    assert_line(
        &out,
        "bad.verbs:5:",
        &[
            "warning:",
            "can never win",
            "bad.verbs:4",
            "[043]",
            "[dead-pattern]",
        ],
    );
    assert_line(&out, "bad.verbs:6:", &["warning:", "2 + markers"]);
    // A custom set may use local codes: a warning, not an error.
    assert_line(
        &out,
        "bad.verbs:10:",
        &["warning:", "999", "[unknown-event-code]"],
    );
    assert_line(
        &out,
        "bad.agents:3:",
        &["warning:", "[~WIZ]", "[unknown-agent-role]"],
    );
    assert_line(
        &out,
        "bad.agents:4:",
        &["warning:", "[~MIL]", "bad.agents:2", "[conflicting-agent]"],
    );
    assert!(
        out.contains("custom dictionaries: 4 errors, 8 warnings"),
        "{out}"
    );
    assert!(out.contains("errors:   3 reader, 1 date-overlap"), "{out}");
}

#[test]
fn check_exits_zero_with_warnings_only_unless_denied() {
    let file = data("dicttools/warnings.actors");
    // A single actor file, without verbs, can be checked on its own.
    let (code, out, err) = run(dyad().args(["dict", "check", "--actors"]).arg(&file));
    assert_eq!(code, 0, "{out}{err}");
    assert_line(&out, "warnings.actors:3:", &["warning:", "ZZZGOV"]);
    assert!(out.contains("0 errors, 2 warnings"), "{out}");
    let (code, out, _) = run(dyad()
        .args(["dict", "check", "--deny-warnings", "--actors"])
        .arg(&file));
    assert_eq!(code, 1, "{out}");
    let (code, out, _) = run(dyad()
        .args(["dict", "check", "--no-warnings", "--actors"])
        .arg(&file));
    assert_eq!(code, 0);
    assert!(!out.contains("warning:"), "{out}");
    assert!(out.contains("0 errors, 2 warnings"), "{out}");
}

#[test]
fn check_of_a_clean_set_and_json_output() {
    let (code, out, _) = run(dyad()
        .args(["dict", "check", "--dictionaries"])
        .arg(data("mini")));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 errors, 0 warnings"), "{out}");
    let (code, out, _) = run(dyad()
        .args(["dict", "check", "--json", "--dictionaries"])
        .arg(data("dicttools/bad")));
    assert_eq!(code, 1);
    let rows: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let overlap = rows
        .iter()
        .find(|r| r["check"] == "date-overlap" && r["severity"] == "error")
        .expect("an overlap error");
    assert!(overlap["file"].as_str().unwrap().ends_with("bad.actors"));
    assert_eq!(overlap["line"], 4);
    let summary = rows.last().unwrap();
    assert_eq!(summary["errors"], 4);
    assert_eq!(summary["warnings"], 8);
}

#[test]
fn check_of_dyads_own_set_runs() {
    let (code, out, err) = run(dyad().args(["dict", "check"]));
    assert!(code == 0 || code == 1, "{code} {err}");
    assert!(out.contains("dyad's own dictionaries: "), "{out}");
    // Every problem names a dictionary file and line.
    for l in out
        .lines()
        .filter(|l| l.contains(": warning: ") || l.contains(": error: "))
    {
        assert!(l.starts_with("dictionaries/"), "{l}");
    }
}

#[test]
fn lookup_explains_the_code_on_a_date() {
    let mini = data("mini");
    let (code, out, _) = run(dyad()
        .args([
            "dict",
            "lookup",
            "Erik Larsen",
            "--date",
            "1933-05-02",
            "--dictionaries",
        ])
        .arg(&mini));
    assert_eq!(code, 0, "{out}");
    assert_line(&out, "mini.actors:8", &["actor ERIK_LARSEN_"]);
    assert!(out.contains("matched:  ERIK LARSEN"), "{out}");
    assert!(out.contains("1. [NORGOV 19330101-19331231]"), "{out}");
    assert!(out.contains("holds, applies"), "{out}");
    assert!(
        out.contains("code on 1933-05-02: NORGOV  (restriction 1 applied)"),
        "{out}"
    );

    // A synonym, on a date outside the restriction: the undated default.
    let (code, out, _) = run(dyad()
        .args([
            "dict",
            "lookup",
            "Larsen's",
            "--date",
            "1950-01-01",
            "--dictionaries",
        ])
        .arg(&mini));
    assert_eq!(code, 0, "{out}");
    assert_line(&out, "mini.actors:9", &["actor LARSEN_"]);
    assert!(out.contains("synonym of headword ERIK_LARSEN_"), "{out}");
    assert!(out.contains("does not hold"), "{out}");
    assert!(out.contains("code on 1950-01-01: NORELI"), "{out}");
    assert!(out.contains("undated default (2) applied"), "{out}");
}

#[test]
fn lookup_of_verbs_agents_and_misses() {
    let mini = data("mini");
    let (code, out, _) = run(dyad()
        .args(["dict", "lookup", "met", "--patterns", "--dictionaries"])
        .arg(&mini));
    assert_eq!(code, 0, "{out}");
    assert_line(&out, "mini.verbs:7", &["verb MET_"]);
    assert!(out.contains("[040]"), "{out}");
    assert!(out.contains("patterns: 1 "), "{out}");
    assert_line(&out, "mini.verbs:8", &["* FOR &T_TALKS [043]"]);

    let (code, out, _) = run(dyad()
        .args(["dict", "lookup", "ministers of Norway", "--dictionaries"])
        .arg(&mini));
    assert_eq!(code, 0, "{out}");
    assert_line(&out, "mini.agents:2", &["agent MINISTER_"]);
    assert!(out.contains("GOV is appended"), "{out}");
    assert!(out.contains("OF NORWAY is not part of it"), "{out}");

    let (code, out, _) = run(dyad()
        .args(["dict", "lookup", "Narnia", "--dictionaries"])
        .arg(&mini));
    assert_eq!(code, 1);
    assert!(out.contains("no dictionary entry matches"), "{out}");

    let (code, out, _) = run(dyad()
        .args([
            "dict",
            "lookup",
            "Erik Larsen",
            "--date",
            "1933-05-02",
            "--json",
            "--dictionaries",
        ])
        .arg(&mini));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["match"]["code"], "NORGOV");
    assert_eq!(v["match"]["kind"], "actor");
    assert!(v["match"]["source"]
        .as_str()
        .unwrap()
        .ends_with("mini.actors:8"));
    // ERIK_LARSEN_ wins over nothing shorter here; the list of others is present.
    assert!(v["others"].is_array());
}

#[test]
fn stats_count_by_file_and_kind() {
    let (code, out, _) = run(dyad()
        .args(["dict", "stats", "--dictionaries"])
        .arg(data("mini")));
    assert_eq!(code, 0, "{out}");
    assert_line(&out, "mini.actors", &["actors", "8"]);
    assert_line(&out, "mini.verbs", &["patterns", "2"]);
    let count = |name: &str| -> usize {
        out.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {out}"))
    };
    assert_eq!(count("actor phrases"), 8);
    assert_eq!(count("actor headwords"), 4);
    assert_eq!(count("distinct actor codes"), 5);
    assert_eq!(count("dated actor phrases"), 2);
    assert_eq!(count("agents"), 4);
    assert_eq!(count("patterns"), 2);
    assert_eq!(count("synonym sets"), 1);
    assert_eq!(count("discards"), 2);
    assert!(
        out.contains("diagnostics: 0 errors, 0 warnings while reading"),
        "{out}"
    );

    let (code, out, _) = run(dyad()
        .args(["dict", "stats", "--json", "--dictionaries"])
        .arg(data("dicttools/bad")));
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["diagnostics"]["errors"], 4);
    assert_eq!(v["totals"]["agents"], 3);
}

#[test]
fn codes_lists_and_describes() {
    let (code, out, _) = run(dyad().args(["codes", "042"]));
    assert_eq!(code, 0);
    assert!(out.contains("name:           Make a visit"), "{out}");
    assert!(
        out.contains("quad class:     1 Verbal Cooperation"),
        "{out}"
    );
    assert!(out.contains("goldstein:"), "{out}");
    assert!(out.contains("plover type:"), "{out}");

    let (code, out, _) = run(dyad().args(["codes", "--root", "19"]));
    assert_eq!(code, 0);
    let codes: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(codes[0], "19");
    assert!(codes.contains(&"190") && codes.contains(&"196"), "{out}");
    assert!(codes.iter().all(|c| c.starts_with("19")), "{out}");

    let (code, out, _) = run(dyad().args(["codes", "--root", "4", "--csv"]));
    assert_eq!(code, 0);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let headers = r.headers().unwrap().clone();
    assert_eq!(&headers[0], "code");
    assert!(headers.iter().any(|h| h == "plover_type"));
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert!(rows.iter().any(|row| &row[0] == "042" && &row[4] == "1"));

    let (code, out, _) = run(dyad().arg("codes"));
    assert_eq!(code, 0);
    assert!(out.lines().count() > 300, "{out}");

    let (code, _, err) = run(dyad().args(["codes", "42"]));
    assert_eq!(code, 1);
    assert!(
        err.contains("not a CAMEO event code") && err.contains("042"),
        "{err}"
    );
    let (code, _, err) = run(dyad().args(["codes", "--root", "21"]));
    assert_eq!(code, 1);
    assert!(err.contains("not a CAMEO root code"), "{err}");
}
