//! `dyad aggregate` run on event files in temporary folders.

use assert_cmd::Command;
use std::path::{Path, PathBuf};

fn dyad() -> Command {
    Command::cargo_bin("dyad").unwrap()
}

fn mini() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/mini")
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const HEADER: &str = "event_id,story_id,sentence,date,story_date,source,source_country,source_role,target,target_country,target_role,code,root_code,quad_class,goldstein,source_text,target_text,verb_text";

/// Events in the columns `dyad code` writes. Line numbers: the header is line 1, `e1`
/// line 2 and so on.
const EVENTS: &[&str] = &[
    "e1,s1,1,2024-01-03,2024-01-03,RUSMIL,RUS,MIL,UKR,UKR,,190,19,4,-10.0,Russian forces,Ukraine,attacked",
    "e2,s2,1,2024-01-20,2024-01-20,RUSGOV,RUS,GOV,UKRGOV,UKR,GOV,036,03,1,4.0,Moscow,Kyiv,\"offered, to meet\"",
    "e3,s3,1,2024-02-10,2024-02-10,UKRMIL,UKR,MIL,RUSMIL,RUS,MIL,195,19,4,-10.0,Ukrainian drones,Russian troops,struck",
    "e4,s4,1,2024-03-05,2024-03-05,USAGOV,USA,GOV,UKRGOV,UKR,GOV,071,07,2,7.4,Washington,Kyiv,sent aid",
    "e5,s5,1,2024-03-06,2024-03-06,RUS,RUS,,UKR,UKR,,112,11,3,-2.0,Russia,Ukraine,accused",
    "e6,s6,1,2024-03-28,2024-03-28,UKR,UKR,,RUS,RUS,,1123,11,3,-2.0,Ukraine,Russia,blamed",
];

fn events_csv() -> String {
    let mut s = format!("{HEADER}\n");
    for e in EVENTS {
        s.push_str(e);
        s.push('\n');
    }
    s
}

/// Runs `dyad aggregate FILE ARGS -q` and returns standard output.
fn aggregate(file: &Path, args: &[&str]) -> String {
    let out = dyad()
        .arg("aggregate")
        .arg(file)
        .args(args)
        .arg("-q")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const PANEL_HEADER: &str = "period,events,goldstein_sum,goldstein_mean,verbal_coop,material_coop,verbal_conflict,material_conflict";

#[test]
fn monthly_dyadic_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "events.csv", &events_csv());
    let out = aggregate(
        &file,
        &["--period", "month", "--by", "source_country,target_country"],
    );
    assert_eq!(
        out,
        format!(
            "source_country,target_country,{PANEL_HEADER}\n\
             RUS,UKR,2024-01-01,2,-6.000,-3.000,1,0,0,1\n\
             RUS,UKR,2024-03-01,1,-2.000,-2.000,0,0,1,0\n\
             UKR,RUS,2024-02-01,1,-10.000,-10.000,0,0,0,1\n\
             UKR,RUS,2024-03-01,1,-2.000,-2.000,0,0,1,0\n\
             USA,UKR,2024-03-01,1,7.400,7.400,0,1,0,0\n"
        )
    );
    // The default groups are the full actor codes, and the default period is the month.
    let out = aggregate(&file, &[]);
    assert!(out.starts_with(&format!(
        "source,target,{PANEL_HEADER}\nRUS,UKR,2024-03-01,1,"
    )));
    assert!(
        out.contains("\nRUSGOV,UKRGOV,2024-01-01,1,4.000,4.000,1,0,0,0\n"),
        "{out}"
    );
    // Monadic, quarterly and yearly panels; one series of everything with an empty --by.
    let out = aggregate(&file, &["--by", "source_country", "--period", "quarter"]);
    assert_eq!(
        out.lines().collect::<Vec<_>>(),
        [
            &format!("source_country,{PANEL_HEADER}") as &str,
            "RUS,2024-01-01,3,-8.000,-2.667,1,0,1,1",
            "UKR,2024-01-01,2,-12.000,-6.000,0,0,1,1",
            "USA,2024-01-01,1,7.400,7.400,0,1,0,0",
        ]
    );
    let out = aggregate(&file, &["--by", "", "--period", "year"]);
    assert_eq!(
        out,
        format!("{PANEL_HEADER}\n2024-01-01,6,-12.600,-2.100,1,1,2,2\n")
    );
}

#[test]
fn a_sunday_and_the_next_monday_fall_in_different_weeks() {
    let tmp = tempfile::tempdir().unwrap();
    let text = "date,source,target,code\n\
                2024-03-10,RUS,UKR,190\n\
                2024-03-11,RUS,UKR,190\n\
                2024-03-17,RUS,UKR,190\n\
                2024-03-04,RUS,UKR,190\n";
    let file = write(tmp.path(), "week.csv", text);
    let out = aggregate(&file, &["--period", "week"]);
    let rows: Vec<(&str, &str)> = out
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[2], f[3])
        })
        .collect();
    // Sunday March 10 is in the week of Monday March 4; Monday March 11 opens the
    // next week, which runs to Sunday March 17.
    assert_eq!(rows, [("2024-03-04", "2"), ("2024-03-11", "2")]);
    // Goldstein and quad class come from the CAMEO ontology when the columns are absent.
    let g = dyad::cameo::lookup("190").unwrap().goldstein;
    assert!(out.contains(&format!(",2,{:.3},{:.3},0,0,0,2\n", 2.0 * g, g)));
}

#[test]
fn undirected_merges_both_directions() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "events.csv", &events_csv());
    let out = aggregate(
        &file,
        &["--by", "source_country,target_country", "--undirected"],
    );
    assert_eq!(
        out,
        format!(
            "source_country,target_country,{PANEL_HEADER}\n\
             RUS,UKR,2024-01-01,2,-6.000,-3.000,1,0,0,1\n\
             RUS,UKR,2024-02-01,1,-10.000,-10.000,0,0,0,1\n\
             RUS,UKR,2024-03-01,2,-4.000,-2.000,0,0,2,0\n\
             UKR,USA,2024-03-01,1,7.400,7.400,0,1,0,0\n"
        )
    );
    // It needs exactly two --by columns.
    let a = dyad()
        .arg("aggregate")
        .arg(&file)
        .args(["--by", "source_country", "--undirected"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(err.contains("exactly two --by columns"), "{err}");
}

#[test]
fn fill_zero_writes_the_balanced_panel() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "events.csv", &events_csv());
    let by = ["--by", "source_country,target_country"];
    let out = aggregate(&file, &[&by[..], &["--fill-zero"]].concat());
    let lines: Vec<&str> = out.lines().skip(1).collect();
    // Three groups x three months (January to March).
    assert_eq!(lines.len(), 3 * 3, "{out}");
    assert_eq!(lines[1], "RUS,UKR,2024-02-01,0,0.000,,0,0,0,0");
    assert_eq!(lines[2], "RUS,UKR,2024-03-01,1,-2.000,-2.000,0,0,1,0");
    assert_eq!(lines[3], "UKR,RUS,2024-01-01,0,0.000,,0,0,0,0");
    assert_eq!(lines[6], "USA,UKR,2024-01-01,0,0.000,,0,0,0,0");
    // Sorted by group, then period.
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(sorted, lines);
    // --from and --to set the range, even beyond the events.
    let out = aggregate(
        &file,
        &[
            &by[..],
            &["--fill-zero", "--from", "2023-12-15", "--to", "2024-04-02"],
        ]
        .concat(),
    );
    let lines: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(lines.len(), 3 * 5, "{out}");
    assert!(lines[0].starts_with("RUS,UKR,2023-12-01,0,"));
    assert!(lines[4].starts_with("RUS,UKR,2024-04-01,0,"));
    // Daily: 3 groups x 86 days, January 3 to March 28.
    let out = aggregate(
        &file,
        &[&by[..], &["--fill-zero", "--period", "day"]].concat(),
    );
    assert_eq!(out.lines().count() - 1, 3 * 86);
}

#[test]
fn filters() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "events.csv", &events_csv());
    let ids = |args: &[&str]| -> String {
        // One group per event: story ids are unique.
        let out = aggregate(&file, &[&["--by", "story_id"], args].concat());
        out.lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap())
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(ids(&["--root", "19"]), "s1 s3");
    assert_eq!(ids(&["--root", "14,18-20"]), "s1 s3");
    assert_eq!(ids(&["--root", "03-07"]), "s2 s4");
    assert_eq!(ids(&["--root", "11-13,1-5"]), "s2 s5 s6");
    assert_eq!(ids(&["--quad", "4"]), "s1 s3");
    assert_eq!(ids(&["--quad", "2,3"]), "s4 s5 s6");
    assert_eq!(ids(&["--actor", "USA"]), "s4");
    assert_eq!(ids(&["--actor", "rusgov"]), "s2");
    assert_eq!(ids(&["--actor", "USA,RUSMIL"]), "s1 s3 s4");
    assert_eq!(
        ids(&["--from", "2024-02-10", "--to", "2024-03-05"]),
        "s3 s4"
    );
    assert_eq!(ids(&["--from", "2024-03-06"]), "s5 s6");
    assert_eq!(ids(&["--to", "2024-01-03"]), "s1");
    assert_eq!(
        ids(&["--quad", "3", "--actor", "UKR", "--from", "2024-03-10"]),
        "s6"
    );
    // The summary counts what the filters left out.
    let a = dyad()
        .arg("aggregate")
        .arg(&file)
        .args(["--root", "19"])
        .assert()
        .success();
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(
        err.contains("6 rows read: 2 counted, 4 filtered out, 0 skipped"),
        "{err}"
    );
    for bad in [
        &["--root", "21"][..],
        &["--root", "5-3"],
        &["--quad", "5"],
        &["--from", "2024-31-01"],
        &["--from", "2024-03-01", "--to", "2024-02-01"],
        &["--period", "fortnight"],
    ] {
        dyad()
            .arg("aggregate")
            .arg(&file)
            .args(bad)
            .assert()
            .code(2);
    }
}

#[test]
fn root_code_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(tmp.path(), "events.csv", &events_csv());
    let out = aggregate(
        &file,
        &["--by", "source_country", "--period", "year", "--roots"],
    );
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header.len(), 1 + 8 + 20);
    assert_eq!(header[9], "root01");
    assert_eq!(header[28], "root20");
    let rus: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(rus[0], "RUS");
    let root = |n: usize| rus[8 + n];
    assert_eq!((root(3), root(11), root(19)), ("1", "1", "1"));
    let total: u64 = rus[9..].iter().map(|n| n.parse::<u64>().unwrap()).sum();
    assert_eq!(total, 3);
    // Root counts with --fill-zero are zeros too.
    let out = aggregate(&file, &["--by", "source_country", "--roots", "--fill-zero"]);
    assert!(
        out.contains(&format!("\nUSA,2024-01-01,0,0.000,{}\n", ",0".repeat(24))),
        "{out}"
    );
}

#[test]
fn stdin_tsv_extra_columns_and_output_file() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = events_csv();
    let file = write(tmp.path(), "events.csv", &csv);
    let want = aggregate(&file, &["--period", "week"]);
    for args in [&["-"][..], &[]] {
        let out = dyad()
            .arg("aggregate")
            .args(args)
            .args(["--period", "week", "-q"])
            .write_stdin(csv.clone())
            .output()
            .unwrap();
        assert!(out.status.success());
        assert_eq!(String::from_utf8(out.stdout).unwrap(), want);
    }
    // TSV by extension or by --input-format; quoted fields stay whole.
    let tsv: String = csv
        .lines()
        .map(|l| {
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(l.as_bytes());
            let rec = rdr.records().next().unwrap().unwrap();
            rec.iter().collect::<Vec<_>>().join("\t") + "\n"
        })
        .collect();
    let tsv_file = write(tmp.path(), "events.tsv", &tsv);
    assert_eq!(aggregate(&tsv_file, &["--period", "week"]), want);
    let tsv_txt = write(tmp.path(), "events.txt", &tsv);
    assert_eq!(
        aggregate(&tsv_txt, &["--period", "week", "--input-format", "tsv"]),
        want
    );
    // A --keep-field column after the standard ones can group the panel.
    let kept: String = csv
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let extra = match i {
                0 => "publisher",
                _ if i % 2 == 0 => "Wire, Inc.",
                _ => "Daily",
            };
            format!("{l},\"{extra}\"\n")
        })
        .collect();
    let kept_file = write(tmp.path(), "kept.csv", &kept);
    let out = aggregate(&kept_file, &["--by", "publisher", "--period", "year"]);
    assert_eq!(
        out.lines().skip(1).collect::<Vec<_>>(),
        [
            "Daily,2024-01-01,3,-22.000,-7.333,0,0,1,2",
            "\"Wire, Inc.\",2024-01-01,3,9.400,3.133,1,1,1,0",
        ]
    );
    // -o writes the file in place, with no temporary file left behind.
    let dir = tmp.path().join("out");
    std::fs::create_dir(&dir).unwrap();
    let panel = dir.join("panel.csv");
    dyad()
        .arg("aggregate")
        .arg(&file)
        .args(["--period", "week", "-q", "-o"])
        .arg(&panel)
        .assert()
        .success()
        .stdout("");
    assert_eq!(std::fs::read_to_string(&panel).unwrap(), want);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
}

#[test]
fn bad_rows_are_reported_with_line_numbers_and_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    // Line 2 holds a quoted line break, so the next row starts on line 4.
    let text = format!(
        "{HEADER}\n\
         e1,s1,1,2024-01-03,2024-01-03,RUS,RUS,,UKR,UKR,,190,19,4,-10.0,Russia,Ukraine,\"shelled\nat night\"\n\
         e2,s2,1,2024-02-30,2024-02-30,RUS,RUS,,UKR,UKR,,190,19,4,-10.0,Russia,Ukraine,shelled\n\
         e3,s3,1,2024-01-05,2024-01-05,RUS,RUS\n\
         e4,s4,1,2024-01-06,2024-01-06,RUS,RUS,,UKR,UKR,,190,19,4,-10.0,Russia,Ukraine,shelled\n\
         e5,s5,1,2024-01-07,2024-01-07,RUS,RUS,,UKR,UKR,,190,19,x,-10.0,Russia,Ukraine,shelled\n\
         e6,s6,1,2024-01-08,2024-01-08,RUS,RUS,,UKR,UKR,,999,,,,Russia,Ukraine,shelled\n"
    );
    let file = write(tmp.path(), "events.csv", &text);
    let a = dyad()
        .arg("aggregate")
        .arg(&file)
        .args(["--by", "source_country,target_country"])
        .assert()
        .success();
    let out = String::from_utf8_lossy(&a.get_output().stdout).into_owned();
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert_eq!(
        out.lines().nth(1),
        Some("RUS,UKR,2024-01-01,2,-20.000,-10.000,0,0,0,2")
    );
    assert!(
        err.contains("events.csv:4: bad date \"2024-02-30\""),
        "{err}"
    );
    assert!(
        err.contains("events.csv:5: ") && err.contains("missing-column"),
        "{err}"
    );
    assert!(
        err.contains("events.csv:7: ") && err.contains("bad-value"),
        "{err}"
    );
    assert!(
        err.contains("events.csv:8: ") && err.contains("unknown-code"),
        "{err}"
    );
    assert!(
        err.contains(
            "6 rows read: 2 counted, 0 filtered out, 4 skipped (bad-date: 1, missing-column: 1, bad-value: 1, unknown-code: 1)"
        ),
        "{err}"
    );
    // --quiet silences it; --strict turns skipped rows into exit status 1.
    dyad()
        .arg("aggregate")
        .arg(&file)
        .args(["-q", "--strict"])
        .assert()
        .code(1)
        .stderr("");
    // A header without a needed column stops the run with a clear message.
    let file = write(
        tmp.path(),
        "short.csv",
        "date,source,code\n2024-01-01,RUS,190\n",
    );
    let a = dyad()
        .arg("aggregate")
        .arg(&file)
        .args(["--by", "source_country"])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&a.get_output().stderr).into_owned();
    assert!(
        err.contains("short.csv") && err.contains("no `source_country` column"),
        "{err}"
    );
    let a = dyad()
        .arg("aggregate")
        .arg(tmp.path().join("nope.csv"))
        .assert()
        .code(2);
    assert!(String::from_utf8_lossy(&a.get_output().stderr).contains("nope.csv"));
}

#[test]
fn pipe_from_dyad_code() {
    let tmp = tempfile::tempdir().unwrap();
    let corpus = write(
        tmp.path(),
        "corpus.jsonl",
        "{\"id\": \"a\", \"date\": \"1933-05-02\", \"text\": \"Norway accused Sweden.\"}\n\
         {\"id\": \"b\", \"date\": \"1933-05-03\", \"text\": \"Swedish troops shelled Norway with artillery.\"}\n\
         {\"id\": \"c\", \"date\": \"1933-06-10\", \"text\": \"Sweden blamed Norway.\"}\n",
    );
    let exe = assert_cmd::cargo::cargo_bin("dyad");
    let script = format!(
        "'{exe}' code '{corpus}' --dictionaries '{mini}' -q | '{exe}' aggregate - --period month --by source_country,target_country --undirected --roots -q",
        exe = exe.display(),
        corpus = corpus.display(),
        mini = mini().display(),
    );
    let out = std::process::Command::new("bash")
        .args(["-o", "pipefail", "-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = String::from_utf8(out.stdout).unwrap();
    let g = |c: &str| dyad::cameo::lookup(c).unwrap().goldstein;
    let may = g("112") + g("194");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[1].starts_with(&format!(
            "NOR,SWE,1933-05-01,2,{may:.3},{:.3},0,0,1,1,",
            may / 2.0
        )),
        "{out}"
    );
    let roots: Vec<&str> = lines[1].split(',').skip(10).collect();
    assert_eq!((roots[10], roots[18]), ("1", "1"), "{out}");
    assert!(lines[2].starts_with("NOR,SWE,1933-06-01,1,"), "{out}");
}
