//! The TABARI validation suite: a `.project` naming dictionaries and options, and a
//! text file of records whose comments carry the expected events.

use super::{agrees, observed, Expect, RecordResult, Summary};
use crate::coder::{Coder, Options};
use crate::date::Date;
use crate::dict::load::{read_text, DictFiles};
use crate::dict::{tabari as treader, DictBuilder, Dictionaries};
use std::path::{Path, PathBuf};

/// The files a TABARI `.project` names, resolved against its folder.
#[derive(Clone, Debug, Default)]
pub struct Project {
    /// `<actorsfile>` entries.
    pub actors: Vec<PathBuf>,
    /// `<verbsfile>`.
    pub verbs: Vec<PathBuf>,
    /// `<agentsfile>`.
    pub agents: Vec<PathBuf>,
    /// `<optionsfile>`.
    pub options: Option<PathBuf>,
    /// `<textfile>` entries.
    pub texts: Vec<PathBuf>,
    /// `<issuesfile>`.
    pub issues: Vec<PathBuf>,
}

/// Reads a `.project` file.
pub fn read_project(path: &Path) -> Result<Project, String> {
    let text = read_text(path).map_err(|e| e.to_string())?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut p = Project::default();
    for (_, line) in treader::numbered_lines(&text) {
        let t = line.trim();
        let Some(rest) = t.strip_prefix('<') else {
            continue;
        };
        let Some((tag, value)) = rest.split_once('>') else {
            continue;
        };
        let value = value.trim();
        if value.is_empty() || value.starts_with('<') {
            continue;
        }
        let file = dir.join(value.split_whitespace().next().unwrap_or(value));
        match tag.trim().to_ascii_lowercase().as_str() {
            "actorsfile" => p.actors.push(file),
            "verbsfile" => p.verbs.push(file),
            "agentsfile" => p.agents.push(file),
            "optionsfile" => p.options = Some(file),
            "textfile" => p.texts.push(file),
            "issuesfile" => p.issues.push(file),
            _ => {}
        }
    }
    Ok(p)
}

impl Project {
    /// The dictionary files of the project.
    pub fn dict_files(&self) -> DictFiles {
        DictFiles {
            actors: self.actors.clone(),
            agents: self.agents.clone(),
            verbs: self.verbs.clone(),
            discards: Vec::new(),
            issues: self.issues.clone(),
        }
    }

    /// Loads dictionaries and options.
    pub fn load(&self) -> Result<(Dictionaries, Options), String> {
        let mut b = DictBuilder::new();
        self.dict_files()
            .load_into(&mut b)
            .map_err(|e| e.to_string())?;
        let dict = b.build();
        // TABARI's own default: sentences under eight words are not coded.
        let mut opts = Options {
            minimum_words: 8,
            ..Options::default()
        };
        if let Some(o) = &self.options {
            opts.read(&read_text(o).map_err(|e| e.to_string())?);
        }
        Ok((dict, opts))
    }
}

/// A record of a TABARI text file.
#[derive(Clone, Debug)]
pub struct Record {
    /// The date of the header.
    pub date: Option<Date>,
    /// The date as written.
    pub date_text: String,
    /// The record id.
    pub id: String,
    /// The sentence (comments removed).
    pub text: String,
    /// The comment text (where assertions are).
    pub comment: String,
    /// Line of the header.
    pub line: usize,
    /// The header after the date (TABARI's idinfo), blanks included.
    pub idinfo: String,
}

/// Splits a TABARI text file into records: a header line `YYMMDD ID` and the lines
/// up to the next header.
pub fn read_records(text: &str, yyyy: bool) -> Vec<Record> {
    let mut out: Vec<Record> = Vec::new();
    let mut cur: Option<(Record, String)> = None;
    for (n, line) in treader::numbered_lines(text) {
        if let Some((date, id)) = header(line) {
            if let Some((r, body)) = cur.take() {
                out.push(finish(r, body));
            }
            // TABARI reads the first six (eight with YYYY) digits as the date.
            let d = if yyyy && date.len() >= 8 {
                Date::parse_yyyymmdd(&date[..8])
            } else {
                Date::parse_yymmdd(&date[..6])
            };
            cur = Some((
                Record {
                    date: d,
                    date_text: date.to_string(),
                    id: id.to_string(),
                    text: String::new(),
                    comment: String::new(),
                    line: n as usize,
                    idinfo: line.trim_end()[date.len()..].to_string(),
                },
                String::new(),
            ));
            continue;
        }
        if let Some((_, body)) = cur.as_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    if let Some((r, body)) = cur.take() {
        out.push(finish(r, body));
    }
    out
}

/// Story and sentence numbers of an idinfo string by a FORWARD format such as
/// `^^*****NNN*SSS` (`^` a leading blank, `*` any character, `N` story, `S` sentence).
pub fn sequence(format: &str, idinfo: &str) -> Option<(String, u32)> {
    let chars: Vec<char> = idinfo.chars().collect();
    let mut story = String::new();
    let mut sent = String::new();
    for (i, f) in format.chars().enumerate() {
        let c = *chars.get(i)?;
        match f {
            'N' => story.push(c),
            'S' => sent.push(c),
            _ => {}
        }
    }
    Some((story, sent.trim().parse().unwrap_or(0)))
}

fn header(line: &str) -> Option<(&str, &str)> {
    let mut it = line.split_whitespace();
    let date = it.next()?;
    let id = it.next()?;
    let ok_date = date.len() >= 6 && date.bytes().all(|b| b.is_ascii_digit());
    if !ok_date || !line.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some((date, id))
}

fn finish(mut r: Record, body: String) -> Record {
    let (text, comment) = match body.find("/*") {
        Some(i) => (body[..i].to_string(), body[i + 2..].to_string()),
        None => (body.clone(), String::new()),
    };
    let comment = match comment.find("*/") {
        Some(i) => comment[..i].to_string(),
        None => comment,
    };
    r.text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    r.comment = comment;
    r
}

/// The assertion blocks `{ ... }` of a comment, except those written `-{ ... }`.
pub fn blocks(comment: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = comment.as_bytes();
    let mut i = 0;
    while let Some(off) = comment[i..].find('{') {
        let start = i + off;
        // An unclosed block runs to the end of the comment.
        let len = comment[start..].find('}').unwrap_or(comment.len() - start);
        let inner = comment[start + 1..start + len].trim().to_string();
        let disabled = start > 0 && b[start - 1] == b'-';
        if !disabled && !inner.is_empty() {
            out.push(inner);
        }
        i = (start + len + 1).min(comment.len());
    }
    out
}

/// Runs the suite of a `.project` file.
pub fn run(project: &Path) -> Result<Summary, String> {
    let proj = read_project(project)?;
    let (dict, mut opts) = proj.load()?;
    let mut summary = Summary::default();
    let mut prev: Option<(String, u32, Option<String>)> = None;
    for tf in &proj.texts {
        let text = read_text(tf).map_err(|e| e.to_string())?;
        for rec in read_records(&text, opts.yyyy) {
            let mut expects: Vec<Expect> = Vec::new();
            let mut events = Vec::new();
            for bl in blocks(&rec.comment) {
                if let Some(opt) = bl.strip_prefix("OPTION:") {
                    opts.apply(opt.trim());
                    continue;
                }
                let squeezed: String = bl.chars().filter(|c| !c.is_whitespace()).collect();
                match squeezed.as_str() {
                    "---" => expects.push(Expect::NoEvent),
                    "+++" => expects.push(Expect::Complex),
                    "###" => expects.push(Expect::Discard),
                    _ => {
                        let parts: Vec<&str> = bl.split('/').map(str::trim).collect();
                        if parts.len() == 3 {
                            events.push((
                                parts[0].to_string(),
                                parts[1].to_string(),
                                parts[2].split_whitespace().next().unwrap_or("").to_string(),
                            ));
                        }
                    }
                }
            }
            if !events.is_empty() {
                expects.push(Expect::Events(events));
            }
            let is_final = rec.id.starts_with("FINAL-01");
            let Some(expected) = expects.into_iter().next() else {
                if is_final {
                    break;
                }
                continue;
            };
            let date = if opts.yyyy && rec.date_text.len() >= 8 {
                Date::parse_yyyymmdd(&rec.date_text[..8])
            } else {
                rec.date
            };
            let Some(date) = date else {
                summary
                    .skipped
                    .push((rec.id.clone(), "invalid date".into()));
                continue;
            };
            let coder = Coder::new(&dict, &opts);
            let seq = opts
                .forward
                .as_deref()
                .and_then(|f| sequence(f, &rec.idinfo));
            let forward = match (&seq, &prev) {
                (Some((story, sent)), Some((pstory, psent, Some(lead))))
                    if story == pstory && *sent == psent + 1 =>
                {
                    Some(lead.clone())
                }
                _ => None,
            };
            let coded = coder.code_full(&rec.text, date, false, forward.as_deref());
            prev = seq.map(|(st, se)| (st, se, coded.lead_actor.clone()));
            let got = observed(&coded.status, &coded.events);
            let incomplete =
                rec.comment.contains("aren't complete") || rec.comment.contains("incomplete lists");
            let passed = agrees(&expected, &got, incomplete);
            if passed {
                summary.passed += 1;
            } else {
                summary.failed += 1;
            }
            summary.results.push(RecordResult {
                id: rec.id.clone(),
                expected,
                got,
                passed,
            });
            if is_final {
                break;
            }
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_and_blocks() {
        let text = "header\n950101  T-01\nArnor attacked Gondor.\n/*\\n---\n\\n{ ARN / GON / 223 } 950101\n-{ X / Y / 1 }\n*/\n\n950102  T-02\nNothing here.\n/* {---} */\n";
        let recs = read_records(text, false);
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].text, "Arnor attacked Gondor.");
        assert_eq!(blocks(&recs[0].comment), vec!["ARN / GON / 223"]);
        assert_eq!(blocks(&recs[1].comment), vec!["---"]);
        assert_eq!(recs[1].date.unwrap().to_string(), "1995-01-02");
    }
}
