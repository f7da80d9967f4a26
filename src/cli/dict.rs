//! `dyad dict`: check a dictionary set, look a phrase up, count the entries.

use super::dicts::DictArgs;
use anyhow::{Context, Result};
use dyad::cameo;
use dyad::date::Date;
use dyad::dict::check::{self, Applied, CheckOptions, Finding, Matched, PhraseMatch};
use dyad::dict::load::{read_text, DictFiles};
use dyad::dict::{tabari, DictBuilder, Dictionaries, EntryKind, Severity, TimeValue};
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;

/// Subcommands of `dyad dict`.
#[derive(Debug, clap::Subcommand)]
pub enum DictCmd {
    /// Check a dictionary set for errors and dubious entries.
    ///
    /// Reports syntax errors, conflicting entries, overlapping date ranges, codes missing
    /// from the CAMEO tables and patterns that can never match, each with file:line.
    /// Exits with 1 when there are errors (0 with warnings only).
    Check(Box<CheckArgs>),
    /// Show which dictionary entry matches the start of a text, its code on a date, and why.
    Lookup(Box<LookupArgs>),
    /// Count the entries of a dictionary set, by file and kind.
    Stats(Box<StatsArgs>),
}

/// Arguments of `dyad dict check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Print errors only (warnings are still counted in the summary).
    #[arg(long)]
    pub no_warnings: bool,
    /// Exit with 1 when there are warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Print JSON Lines: one object per problem, then a summary object.
    #[arg(long)]
    pub json: bool,
    /// Dictionaries to check (dyad's own when none is given).
    #[command(flatten)]
    pub dicts: DictArgs,
}

/// Arguments of `dyad dict lookup`.
#[derive(Debug, clap::Args)]
pub struct LookupArgs {
    /// The text to look up, e.g. "Sergei Lavrov" (matched from its first word).
    pub text: String,
    /// The date (YYYY-MM-DD) on which to resolve date-restricted actor codes; today by default.
    #[arg(long)]
    pub date: Option<String>,
    /// List the patterns of a matched verb.
    #[arg(long)]
    pub patterns: bool,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// Dictionaries.
    #[command(flatten)]
    pub dicts: DictArgs,
}

/// Arguments of `dyad dict stats`.
#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// Dictionaries.
    #[command(flatten)]
    pub dicts: DictArgs,
}

/// Runs a `dyad dict` subcommand.
pub fn run(cmd: DictCmd) -> Result<i32> {
    match cmd {
        DictCmd::Check(a) => run_check(*a),
        DictCmd::Lookup(a) => run_lookup(*a),
        DictCmd::Stats(a) => run_stats(*a),
    }
}

/// Whether the arguments name dyad's own set (possibly with `--add-actors`).
fn is_own(a: &DictArgs) -> bool {
    a.dictionaries.is_none()
        && a.actors.is_empty()
        && a.agents.is_none()
        && a.verbs.is_empty()
        && a.discards.is_none()
        && a.issues.is_none()
        && a.petrarch_config.is_none()
        && a.tabari_project.is_none()
}

/// Loads the set to inspect. Like `dyad code`, through [`DictArgs::load`]; but a set made
/// of single files without verbs (`--actors my.actors`) is loaded as it is, since a
/// dictionary can be checked even when it cannot code anything on its own.
fn load_set(a: &DictArgs) -> Result<Dictionaries> {
    let files_only = a.dictionaries.is_none()
        && a.petrarch_config.is_none()
        && a.tabari_project.is_none()
        && a.verbs.is_empty()
        && !is_own(a);
    if !files_only {
        return Ok(a.load()?.0);
    }
    let df = DictFiles {
        actors: a.actors.clone(),
        agents: a.agents.iter().cloned().collect(),
        verbs: Vec::new(),
        discards: a.discards.iter().cloned().collect(),
        issues: a.issues.iter().cloned().collect(),
    };
    let mut b = DictBuilder::new();
    b.whole_words = a.petrarch_rules;
    df.load_into(&mut b)?;
    for extra in &a.add_actors {
        let text = read_text(extra)?;
        tabari::read_actors(&mut b, &extra.display().to_string(), &text);
    }
    Ok(b.build())
}

fn check_options(a: &DictArgs) -> CheckOptions {
    if is_own(a) {
        CheckOptions::own()
    } else {
        CheckOptions::default()
    }
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Counts of findings by severity and check.
#[derive(Default)]
struct Tally {
    errors: usize,
    warnings: usize,
    by_check: BTreeMap<(Severity, String), usize>,
}

impl Tally {
    fn of(findings: &[Finding]) -> Tally {
        let mut t = Tally::default();
        for f in findings {
            match f.diag.severity {
                Severity::Error => t.errors += 1,
                Severity::Warning => t.warnings += 1,
            }
            *t.by_check
                .entry((f.diag.severity, f.check.name().to_string()))
                .or_default() += 1;
        }
        t
    }

    /// `3 date-overlap, 1 syntax` for one severity.
    fn breakdown(&self, s: Severity) -> String {
        let mut parts: Vec<(usize, &str)> = self
            .by_check
            .iter()
            .filter(|((sev, _), _)| *sev == s)
            .map(|((_, name), n)| (*n, name.as_str()))
            .collect();
        parts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        parts
            .iter()
            .map(|(n, name)| format!("{n} {name}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn run_check(a: CheckArgs) -> Result<i32> {
    let mut out = std::io::stdout().lock();
    let d = load_set(&a.dicts)?;
    let opts = check_options(&a.dicts);
    let findings = check::check(&d, &opts);
    let t = Tally::of(&findings);
    let shown = findings
        .iter()
        .filter(|f| !(a.no_warnings && f.diag.severity == Severity::Warning));
    let set = a.dicts.describe();
    if a.json {
        for f in shown {
            let v = json!({
                "file": &*f.diag.loc.file,
                "line": f.diag.loc.line,
                "severity": severity_name(f.diag.severity),
                "check": f.check.name(),
                "message": f.diag.message,
            });
            writeln!(out, "{v}")?;
        }
        let v = json!({
            "summary": set,
            "files": d.file_counts.iter().map(|(f, _, _)| f.as_str()).collect::<std::collections::BTreeSet<_>>().len(),
            "errors": t.errors,
            "warnings": t.warnings,
            "by_check": t.by_check.iter().map(|((s, c), n)| json!({"severity": severity_name(*s), "check": c, "count": n})).collect::<Vec<_>>(),
        });
        writeln!(out, "{v}")?;
    } else {
        for f in shown {
            writeln!(out, "{f}")?;
        }
        if !findings.is_empty() {
            writeln!(out)?;
        }
        writeln!(
            out,
            "{set}: {}, {}",
            plural(t.errors, "error", "errors"),
            plural(t.warnings, "warning", "warnings")
        )?;
        if t.errors > 0 {
            writeln!(out, "  errors:   {}", t.breakdown(Severity::Error))?;
        }
        if t.warnings > 0 {
            writeln!(out, "  warnings: {}", t.breakdown(Severity::Warning))?;
        }
    }
    let fail = t.errors > 0 || (a.deny_warnings && t.warnings > 0);
    Ok(i32::from(fail))
}

fn parse_date(s: Option<&str>) -> Result<Date> {
    match s {
        Some(d) => Date::parse_any(d).with_context(|| format!("--date {d:?} is not a date")),
        None => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() / 86400)
                .unwrap_or(0);
            Ok(Date::from_ymd(1970, 1, 1)
                .expect("valid date")
                .add_days(now as i32))
        }
    }
}

/// A one-line description of a match: kind, phrase as written, where, code.
struct Described {
    kind: &'static str,
    text: String,
    loc: Option<String>,
    code: String,
}

fn describe(d: &Dictionaries, m: &PhraseMatch, date: Date) -> Described {
    match m.what {
        Matched::Discard(i) => {
            let x = &d.discards[i as usize].1;
            Described {
                kind: "discard",
                text: x.text.clone(),
                loc: Some(x.loc.to_string()),
                code: if x.story { "story" } else { "sentence" }.into(),
            }
        }
        Matched::Entry(e) => match d.entries[e as usize].kind {
            EntryKind::Actor(i) => {
                let a = &d.actors[i as usize];
                Described {
                    kind: "actor",
                    text: a.text.clone(),
                    loc: Some(a.loc.to_string()),
                    code: check::value_text(a.codes.resolve(date)),
                }
            }
            EntryKind::Agent(i) => {
                let a = &d.agents[i as usize];
                Described {
                    kind: "agent",
                    text: a.text.clone(),
                    loc: Some(a.loc.to_string()),
                    code: check::agent_code_text(a),
                }
            }
            EntryKind::Verb(i) => {
                let v = &d.verbs[i as usize];
                Described {
                    kind: "verb",
                    text: v.text.clone(),
                    loc: Some(v.loc.to_string()),
                    code: check::event_code_text(&v.code),
                }
            }
            EntryKind::Time(i) => {
                let t = &d.times[i as usize];
                Described {
                    kind: "time",
                    text: t.text.clone(),
                    loc: Some(t.loc.to_string()),
                    code: match t.shift {
                        TimeValue::Days(n) => format!("{n:+} days"),
                        TimeValue::Special(s) => check::special_text(s).into(),
                    },
                }
            }
            EntryKind::Attrib(i) => {
                let a = &d.attributions[i as usize];
                Described {
                    kind: "attribution",
                    text: a.text.clone(),
                    loc: None,
                    code: a.code.clone(),
                }
            }
            EntryKind::Noun => Described {
                kind: "noun",
                text: phrase_text(d, m),
                loc: None,
                code: String::new(),
            },
            EntryKind::Adjective => Described {
                kind: "adjective",
                text: phrase_text(d, m),
                loc: None,
                code: String::new(),
            },
        },
    }
}

/// The words of an index entry joined by `_` (nouns and adjectives keep no text).
fn phrase_text(d: &Dictionaries, m: &PhraseMatch) -> String {
    match m.what {
        Matched::Entry(e) => d.entries[e as usize]
            .phrase
            .words
            .iter()
            .map(|w| d.word(*w))
            .collect::<Vec<_>>()
            .join("_"),
        Matched::Discard(i) => d.discards[i as usize].1.text.clone(),
    }
}

/// How one code block of an actor reads on a date.
#[derive(serde::Serialize)]
struct BlockWhy {
    /// The block as written, without brackets.
    block: String,
    /// The restriction in words; `None` for the undated default.
    restriction: Option<String>,
    /// Whether the restriction holds on the date (always true for a default).
    holds: bool,
    /// Whether this block gives the code.
    applies: bool,
    /// The explanation.
    why: String,
}

/// How each block of an actor reads on `date`, in order, and which applied.
fn block_reasons(codes: &dyad::dict::code::ActorCodes, date: Date) -> (Vec<BlockWhy>, String) {
    use dyad::dict::code::DateRange;
    let applied = check::explain_resolve(codes, date);
    let mut out = Vec::new();
    for (i, b) in codes.blocks.iter().enumerate() {
        let (restriction, holds, applies, why) = match b.range {
            DateRange::Always => {
                let applies = applied == Applied::Default(i);
                let why = match applied {
                    Applied::Default(_) if applies => {
                        "undated default: applies (no restriction holds)"
                    }
                    Applied::Default(_) => {
                        "undated default: not used (an earlier default comes first)"
                    }
                    _ => "undated default: not used",
                };
                (None, true, applies, why.to_string())
            }
            r => {
                let holds = r.contains(date);
                let span = match r {
                    DateRange::UpTo(x) => format!("on or before {x}"),
                    DateRange::From(x) => format!("on or after {x}"),
                    DateRange::Between(x, y) => format!("from {x} to {y}"),
                    DateRange::Always => unreachable!(),
                };
                let applies = applied == Applied::Restriction(i);
                let why = match (holds, applies) {
                    (true, true) => format!("{span}: holds, applies"),
                    (true, false) => format!("{span}: holds, but an earlier restriction applies"),
                    (false, _) => format!("{span}: does not hold"),
                };
                (Some(span), holds, applies, why)
            }
        };
        out.push(BlockWhy {
            block: check::block_text(b),
            restriction,
            holds,
            applies,
            why,
        });
    }
    let dated = codes.blocks.iter().any(|b| b.range != DateRange::Always);
    let verdict = match applied {
        Applied::Default(_) if !dated => "no date restrictions: the undated code applies".into(),
        Applied::Restriction(i) => format!("restriction {} applied", i + 1),
        Applied::Default(i) => format!(
            "no restriction holds: the undated default ({}) applied",
            i + 1
        ),
        Applied::Null => {
            "no restriction holds and there is no undated default: the phrase is null".into()
        }
    };
    (out, verdict)
}

fn run_lookup(a: LookupArgs) -> Result<i32> {
    let mut out = std::io::stdout().lock();
    let d = load_set(&a.dicts)?;
    let date = parse_date(a.date.as_deref())?;
    let tokens = dyad::text::tokenize(&a.text);
    let matches = check::lookup(&d, &tokens);
    let words: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
    if a.json {
        let one = |m: &PhraseMatch| {
            let x = describe(&d, m, date);
            let mut v = json!({
                "kind": x.kind,
                "phrase": x.text,
                "source": x.loc,
                "code": x.code,
                "matched": m.positions.iter().map(|&p| words[p]).collect::<Vec<_>>(),
            });
            if let Matched::Entry(e) = m.what {
                match d.entries[e as usize].kind {
                    EntryKind::Actor(i) => {
                        let ac = &d.actors[i as usize];
                        let (blocks, verdict) = block_reasons(&ac.codes, date);
                        v["headword"] = json!(ac.parent);
                        v["blocks"] = json!(blocks);
                        v["why"] = json!(verdict);
                    }
                    EntryKind::Verb(i) => {
                        v["patterns"] = json!(check::verb_pattern_count(&d, i));
                    }
                    _ => {}
                }
            }
            v
        };
        let v = json!({
            "text": a.text,
            "date": date.to_string(),
            "tokens": words,
            "match": matches.first().map(one),
            "others": matches.iter().skip(1).map(one).collect::<Vec<_>>(),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(i32::from(matches.is_empty()));
    }
    let Some(best) = matches.first() else {
        writeln!(
            out,
            "no dictionary entry matches the start of {:?} ({})",
            a.text,
            words.join(" ")
        )?;
        return Ok(1);
    };
    let x = describe(&d, best, date);
    let matched: Vec<&str> = best.positions.iter().map(|&p| words[p]).collect();
    writeln!(
        out,
        "{} {}  {}",
        x.kind,
        x.text,
        x.loc.as_deref().unwrap_or("(no source line)")
    )?;
    writeln!(out, "  matched:  {}", matched.join(" "))?;
    if best.span() < tokens.len() {
        writeln!(
            out,
            "  (the entry covers {} of {} words; {} is not part of it)",
            best.span(),
            tokens.len(),
            words[best.span()..].join(" ")
        )?;
    }
    match best.what {
        Matched::Entry(e) => match d.entries[e as usize].kind {
            EntryKind::Actor(i) => {
                let ac = &d.actors[i as usize];
                if ac.parent != ac.text {
                    writeln!(out, "  synonym of headword {}", ac.parent)?;
                } else {
                    writeln!(out, "  headword")?;
                }
                let (blocks, verdict) = block_reasons(&ac.codes, date);
                writeln!(
                    out,
                    "  code blocks, tried restrictions first in order, then the default:"
                )?;
                for (i, b) in blocks.iter().enumerate() {
                    writeln!(out, "    {}. [{}]  {}", i + 1, b.block, b.why)?;
                }
                writeln!(out, "  code on {date}: {}  ({verdict})", x.code)?;
            }
            EntryKind::Agent(i) => {
                let ag = &d.agents[i as usize];
                let how = if ag.null {
                    "null agent: recognised, adds no role".to_string()
                } else if ag.prefix {
                    format!("{} goes before the actor's code", ag.code)
                } else {
                    format!("{} is appended to the actor's code", ag.code)
                };
                writeln!(out, "  code:     {}  ({how})", x.code)?;
            }
            EntryKind::Verb(i) => {
                let v = &d.verbs[i as usize];
                let name = match &v.code {
                    dyad::dict::code::EventCode::Event { code, .. } => cameo::lookup(code)
                        .map(|c| c.name)
                        .unwrap_or("not in CAMEO"),
                    _ => "special code",
                };
                writeln!(out, "  code:     [{}]  {name}", x.code)?;
                writeln!(out,
                    "  patterns: {} (longest are tried first; the code above applies when none matches)",
                    check::verb_pattern_count(&d, i)
                )?;
                if a.patterns {
                    for g in std::iter::once(v.group).chain(v.extra_groups.iter().copied()) {
                        for p in &d.pattern_groups[g as usize] {
                            writeln!(
                                out,
                                "    - {} [{}]  {}",
                                p.text,
                                check::event_code_text(&p.code),
                                p.loc
                            )?;
                        }
                    }
                }
            }
            _ => {
                if !x.code.is_empty() {
                    writeln!(out, "  code:     {}", x.code)?;
                }
            }
        },
        Matched::Discard(_) => writeln!(out, "  discards the whole {}", x.code)?,
    }
    if matches.len() > 1 {
        writeln!(out)?;
        writeln!(out, "also matching the start (shorter, so tried after it):")?;
        for m in &matches[1..] {
            let o = describe(&d, m, date);
            writeln!(
                out,
                "  {:<6} {:<30} [{}]  {}",
                o.kind,
                o.text,
                o.code,
                o.loc.as_deref().unwrap_or("")
            )?;
        }
    }
    Ok(0)
}

fn run_stats(a: StatsArgs) -> Result<i32> {
    let mut out = std::io::stdout().lock();
    let d = load_set(&a.dicts)?;
    let s = check::stats(&d);
    let findings = check::check(&d, &check_options(&a.dicts));
    let reader = Tally::of(
        &findings
            .iter()
            .filter(|f| f.check == check::Check::Reader)
            .cloned()
            .collect::<Vec<_>>(),
    );
    let all = Tally::of(&findings);
    let totals: Vec<(&str, usize)> = vec![
        ("actor phrases", s.actor_phrases),
        ("actor headwords", s.actor_groups),
        ("distinct actor codes", s.actor_codes),
        ("dated actor phrases", s.dated_actors),
        ("date restrictions", s.dated_blocks),
        ("agents", s.agents),
        ("verb forms", s.verbs),
        ("patterns", s.patterns),
        ("synonym sets", s.synsets),
        ("nouns and adjectives", s.word_classes),
        ("time phrases", s.times),
        ("discards", s.discards),
        ("issues", s.issues),
    ];
    if a.json {
        let v = json!({
            "set": a.dicts.describe(),
            "files": d.file_counts.iter().map(|(f, k, n)| json!({"file": f, "kind": k, "count": n})).collect::<Vec<_>>(),
            "totals": s,
            "diagnostics": {
                "reader_errors": reader.errors,
                "reader_warnings": reader.warnings,
                "errors": all.errors,
                "warnings": all.warnings,
            },
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(0);
    }
    writeln!(out, "{}", a.dicts.describe())?;
    writeln!(out)?;
    let width = d
        .file_counts
        .iter()
        .map(|(f, _, _)| f.len())
        .max()
        .unwrap_or(4)
        .max(4);
    writeln!(out, "{:<width$}  {:<8}  {:>8}", "file", "kind", "entries")?;
    for (f, k, n) in &d.file_counts {
        writeln!(out, "{f:<width$}  {k:<8}  {n:>8}")?;
    }
    writeln!(out)?;
    for (name, n) in totals {
        writeln!(out, "{name:<22} {n:>8}")?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "diagnostics: {}, {} while reading; {}, {} with all checks (see `dyad dict check`)",
        plural(reader.errors, "error", "errors"),
        plural(reader.warnings, "warning", "warnings"),
        plural(all.errors, "error", "errors"),
        plural(all.warnings, "warning", "warnings"),
    )?;
    Ok(0)
}
