//! The PETRARCH unit-test records: an XML file of `<Sentence>` records with expected
//! `<EventCoding>`s, `<Config>` records that change options, and an `<Environment>`
//! naming the dictionaries. The `<Parse>` trees are ignored: dyad codes the raw text.

use super::{agrees, observed, Expect, RecordResult, Summary};
use crate::coder::{Coder, Options};
use crate::date::Date;
use crate::dict::load::{read_text, DictFiles};
use crate::dict::Dictionaries;
use quick_xml::events::Event as XmlEvent;
use quick_xml::Reader;
use std::path::{Path, PathBuf};

/// One `<Sentence>` record.
#[derive(Clone, Debug, Default)]
pub struct Record {
    /// `id` attribute.
    pub id: String,
    /// `date` attribute.
    pub date: String,
    /// `category` attribute.
    pub category: String,
    /// The `<Text>`.
    pub text: String,
    /// Expected events.
    pub events: Vec<(String, String, String)>,
    /// `<EventCoding noevents="True">`.
    pub noevents: bool,
    /// A `<Skip>` element is present.
    pub skip: bool,
    /// `<EventCoding error="...">`.
    pub error: Option<String>,
    /// Options changed before this record.
    pub config: Vec<(String, String)>,
    /// Byte range of the record in the file: from `<Sentence` to the end of
    /// `</Sentence>`.
    pub span: (usize, usize),
}

/// A part of a records file that could not be read: invalid XML, or a `<Sentence>`
/// still open at the end of the file.
#[derive(Clone, Debug)]
pub struct XmlProblem {
    /// Byte offset of the problem.
    pub pos: usize,
    /// What is wrong.
    pub message: String,
    /// The bytes given up: from the `<Sentence` that was open (or from the end of the
    /// last good record) to the next `<Sentence` tag, or to the end of the file.
    pub span: (usize, usize),
    /// The file ended inside a `<Sentence>` that was well-formed up to there.
    pub unclosed: bool,
}

/// The line (one-based) of byte `pos`.
pub fn line_of(bytes: &[u8], pos: usize) -> usize {
    1 + bytes[..pos.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// The parsed file: environment and records.
#[derive(Clone, Debug, Default)]
pub struct Suite {
    /// Dictionary files named in `<Environment>`.
    pub verbs: Vec<String>,
    /// Actor files.
    pub actors: Vec<String>,
    /// Agent files.
    pub agents: Vec<String>,
    /// Discard files.
    pub discards: Vec<String>,
    /// Categories to evaluate (`<Include>`); empty means all.
    pub include: Vec<String>,
    /// The records in order.
    pub records: Vec<Record>,
}

fn attr(e: &quick_xml::events::BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name.as_bytes())
        .map(|a| {
            a.decode_and_unescape_value(quick_xml::encoding::Decoder {})
                .map(|v| v.to_string())
                .unwrap_or_else(|_| String::from_utf8_lossy(&a.value).to_string())
        })
}

/// Parses the records file; an error (the first problem) starts with its line.
pub fn parse(xml: &str) -> Result<Suite, String> {
    match parse_bytes(xml.as_bytes()) {
        (suite, p) if p.is_empty() => Ok(suite),
        (_, p) => Err(format!(
            "{}: {}",
            line_of(xml.as_bytes(), p[0].pos),
            p[0].message
        )),
    }
}

/// Parses the records of a file, going past the parts that are not well-formed: the
/// records, and the problems (in file order). After a problem, reading starts again
/// at the next `<Sentence` tag, so one broken record costs only itself. Invalid UTF-8
/// is decoded as U+FFFD.
pub fn parse_bytes(xml: &[u8]) -> (Suite, Vec<XmlProblem>) {
    let mut suite = Suite::default();
    let mut problems = Vec::new();
    let mut from = 0;
    loop {
        let done = suite.records.len();
        let Some((pos, message, open)) = parse_from(xml, from, &mut suite) else {
            break;
        };
        let unclosed = open.is_some() && pos >= xml.len();
        let pos = if unclosed { open.unwrap_or(pos) } else { pos };
        let start = open.unwrap_or_else(|| {
            let last = suite.records[done..]
                .last()
                .map_or(from, |r| r.span.1)
                .max(from);
            last + xml[last..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count()
        });
        let next = next_sentence(xml, pos.max(start) + 1);
        problems.push(XmlProblem {
            pos,
            message,
            span: (start.min(xml.len()), next.unwrap_or(xml.len())),
            unclosed,
        });
        match next {
            Some(n) => from = n,
            None => break,
        }
    }
    (suite, problems)
}

/// The next `<Sentence` tag at or after `from`.
fn next_sentence(xml: &[u8], from: usize) -> Option<usize> {
    let tag = b"<Sentence";
    let mut i = from;
    while i + tag.len() <= xml.len() {
        let at = i + xml[i..].windows(tag.len()).position(|w| w == tag)?;
        match xml.get(at + tag.len()) {
            Some(c) if c.is_ascii_whitespace() || *c == b'>' || *c == b'/' => return Some(at),
            _ => i = at + 1,
        }
    }
    None
}

fn unescaped(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    match quick_xml::escape::unescape(&text) {
        Ok(t) => t.into_owned(),
        Err(_) => text.into_owned(),
    }
}

/// Parses `xml[from..]` into `suite` up to its end or its first problem: the problem's
/// offset and message, and the start of the `<Sentence>` open then. The file ending
/// inside a `<Sentence>` is a problem at the end of the file.
fn parse_from(
    xml: &[u8],
    from: usize,
    suite: &mut Suite,
) -> Option<(usize, String, Option<usize>)> {
    let mut reader = Reader::from_reader(&xml[from..]);
    // Reading again after a problem: the end tags of what was open before are expected.
    reader.config_mut().allow_unmatched_ends = from > 0;
    let mut pending_config: Vec<(String, String)> = Vec::new();
    let mut cur: Option<Record> = None;
    let mut path: Vec<String> = Vec::new();
    let mut text_buf = String::new();
    loop {
        let before = from + reader.buffer_position() as usize;
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                let pos = from + reader.error_position() as usize;
                return Some(match cur {
                    Some(r) => (
                        pos,
                        format!("in <Sentence id={:?}>: {e}", r.id),
                        Some(r.span.0),
                    ),
                    None => (pos, e.to_string(), None),
                });
            }
        };
        match ev {
            XmlEvent::Start(ref e) | XmlEvent::Empty(ref e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).to_string();
                match name.as_str() {
                    "Sentence" => {
                        // A <Sentence> inside another ends the outer one.
                        if let Some(mut r) = cur.take() {
                            r.span.1 = before;
                            suite.records.push(r);
                        }
                        let r = Record {
                            id: attr(e, "id").unwrap_or_default(),
                            date: attr(e, "date").unwrap_or_default(),
                            category: attr(e, "category").unwrap_or_default(),
                            config: std::mem::take(&mut pending_config),
                            span: (before, before),
                            ..Default::default()
                        };
                        if matches!(ev, XmlEvent::Empty(_)) {
                            let end = from + reader.buffer_position() as usize;
                            suite.records.push(Record {
                                span: (before, end),
                                ..r
                            });
                        } else {
                            cur = Some(r);
                        }
                    }
                    "EventCoding" => {
                        if let Some(r) = cur.as_mut() {
                            if let Some(err) = attr(e, "error") {
                                r.error = Some(err.trim().to_string());
                            } else if attr(e, "noevents")
                                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
                            {
                                r.noevents = true;
                            } else {
                                r.events.push((
                                    attr(e, "sourcecode").unwrap_or_default(),
                                    attr(e, "targetcode").unwrap_or_default(),
                                    attr(e, "eventcode").unwrap_or_default(),
                                ));
                            }
                        }
                    }
                    "Skip" => {
                        if let Some(r) = cur.as_mut() {
                            r.skip = true;
                        }
                    }
                    "Config" => {
                        let kv = (
                            attr(e, "option").unwrap_or_default(),
                            attr(e, "value").unwrap_or_default(),
                        );
                        match cur.as_mut() {
                            Some(r) => r.config.push(kv),
                            None => pending_config.push(kv),
                        }
                    }
                    _ => {}
                }
                if ev_kind_is_start(&name) {
                    path.push(name);
                    text_buf.clear();
                }
            }
            XmlEvent::Text(t) => text_buf.push_str(&unescaped(&t)),
            XmlEvent::CData(t) => text_buf.push_str(&String::from_utf8_lossy(&t)),
            XmlEvent::End(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).to_string();
                let content = text_buf.trim().to_string();
                match name.as_str() {
                    "Text" => {
                        if let Some(r) = cur.as_mut() {
                            r.text = content.split_whitespace().collect::<Vec<_>>().join(" ");
                        }
                    }
                    "Verbfile" => suite.verbs.push(content),
                    "Actorfile" => suite.actors.push(content),
                    "Agentfile" => suite.agents.push(content),
                    "Discardfile" => suite.discards.push(content),
                    "Include" => {
                        suite.include = content.split_whitespace().map(str::to_string).collect()
                    }
                    "Sentence" => {
                        if let Some(mut r) = cur.take() {
                            r.span.1 = from + reader.buffer_position() as usize;
                            suite.records.push(r);
                        }
                    }
                    _ => {}
                }
                path.pop();
                text_buf.clear();
            }
            XmlEvent::Eof => break,
            _ => {}
        }
    }
    cur.map(|r| {
        (
            xml.len(),
            format!(
                "<Sentence id={:?}> is not closed before the end of the file",
                r.id
            ),
            Some(r.span.0),
        )
    })
}

fn ev_kind_is_start(name: &str) -> bool {
    matches!(
        name,
        "Text"
            | "Verbfile"
            | "Actorfile"
            | "Agentfile"
            | "Discardfile"
            | "Include"
            | "Sentence"
            | "Parse"
            | "Environment"
            | "Sentences"
            | "Validation"
    )
}

/// Applies a PETRARCH `<Config>` option to coder options.
pub fn apply_config(opts: &mut Options, key: &str, value: &str) {
    let truth = value.trim().eq_ignore_ascii_case("true");
    let num = value.trim().parse::<usize>().ok();
    match key.trim().to_ascii_lowercase().as_str() {
        "require_dyad" => opts.require_dyad = truth,
        "new_actor_length" => opts.new_actor_length = num.unwrap_or(0),
        "comma_min" => opts.comma.min = num.unwrap_or(opts.comma.min),
        "comma_max" => opts.comma.max = num.unwrap_or(opts.comma.max),
        "comma_bmin" => opts.comma.bmin = num.unwrap_or(opts.comma.bmin),
        "comma_bmax" => opts.comma.bmax = num.unwrap_or(opts.comma.bmax),
        "comma_emin" => opts.comma.emin = num.unwrap_or(opts.comma.emin),
        "comma_emax" => opts.comma.emax = num.unwrap_or(opts.comma.emax),
        "code_by_sentence" if truth => opts.code_by = crate::coder::CodeBy::Sentence,
        _ => {}
    }
}

/// Options as PETRARCH-1 sets them by default.
pub fn petrarch_options() -> Options {
    let mut o = Options {
        minimum_words: 0,
        petrarch: true,
        ..Options::default()
    };
    o.comma.min = 2;
    o.comma.max = 8;
    o.comma.bmin = 0;
    o.comma.bmax = 0;
    o.comma.emin = 2;
    o.comma.emax = 8;
    o
}

/// Loads the dictionaries named by the suite, from `dir`.
pub fn load(suite: &Suite, dir: &Path) -> Result<Dictionaries, String> {
    let files = |v: &[String]| -> Vec<PathBuf> { v.iter().map(|f| dir.join(f)).collect() };
    let df = DictFiles {
        actors: files(&suite.actors),
        agents: files(&suite.agents),
        verbs: files(&suite.verbs),
        discards: files(&suite.discards),
        issues: Vec::new(),
    };
    let mut b = crate::dict::DictBuilder::new();
    b.whole_words = true;
    df.load_into(&mut b).map_err(|e| e.to_string())?;
    Ok(b.build())
}

/// Runs the records file with dictionaries from `dict_dir`.
pub fn run(records: &Path, dict_dir: &Path) -> Result<Summary, String> {
    let xml = read_text(records).map_err(|e| e.to_string())?;
    let suite = parse(&xml).map_err(|e| format!("{}:{e}", records.display()))?;
    let dict = load(&suite, dict_dir)?;
    let mut opts = petrarch_options();
    let mut summary = Summary::default();
    for rec in &suite.records {
        for (k, v) in &rec.config {
            apply_config(&mut opts, k, v);
        }
        if rec.skip {
            summary
                .skipped
                .push((rec.id.clone(), "<Skip> record".into()));
            continue;
        }
        if !suite.include.is_empty() && !suite.include.iter().any(|c| c == &rec.category) {
            summary.skipped.push((
                rec.id.clone(),
                format!("category {} not included", rec.category),
            ));
            continue;
        }
        let Some(date) = Date::parse_any(&rec.date) else {
            summary
                .skipped
                .push((rec.id.clone(), format!("invalid date {:?}", rec.date)));
            continue;
        };
        let expected = match rec.error.as_deref() {
            Some("storydiscard") => Expect::StoryDiscard,
            Some("sentencediscard") => Expect::Discard,
            Some("dateline") => Expect::Dateline,
            Some(other) => {
                // Errors in the Penn Treebank parse: dyad codes the raw text.
                summary
                    .skipped
                    .push((rec.id.clone(), format!("tests the parse tree ({other})")));
                continue;
            }
            None if rec.noevents || rec.events.is_empty() => Expect::NoEvent,
            None => Expect::Events(rec.events.clone()),
        };
        let got = if crate::text::sentences::dateline_len(&rec.text) > 0 {
            Expect::Dateline
        } else {
            let coder = Coder::new(&dict, &opts);
            let coded = coder.code(&rec.text, date);
            match observed(&coded.status, &coded.events) {
                Expect::Complex => Expect::NoEvent,
                g => g,
            }
        };
        let passed = agrees(&expected, &got, false);
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
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_records_and_config() {
        let xml = r#"<Validation><Environment><Verbfile>v.txt</Verbfile><Include>DEMO</Include></Environment>
<Sentences><Config option="require_dyad" value="false"></Config>
<Sentence date="19950101" id="D-1" category="DEMO" valid="true">
<EventCoding sourcecode="ARN" targetcode="GON" eventcode="064"></EventCoding>
<Text>
Arnor restored ties with Gondor.
</Text><Parse>(ROOT)</Parse></Sentence>
<Sentence date="19950101" id="D-2" category="DEMO"><Skip></Skip><EventCoding noevents = "True"></EventCoding><Text>x</Text></Sentence>
</Sentences></Validation>"#;
        let s = parse(xml).unwrap();
        assert_eq!(s.verbs, vec!["v.txt"]);
        assert_eq!(s.records.len(), 2);
        assert_eq!(s.records[0].text, "Arnor restored ties with Gondor.");
        assert_eq!(
            s.records[0].config,
            vec![("require_dyad".to_string(), "false".to_string())]
        );
        assert_eq!(
            s.records[0].events,
            vec![("ARN".into(), "GON".into(), "064".into())]
        );
        assert!(s.records[1].skip && s.records[1].noevents);
        assert!(parse("<a><b></a>").is_err());
    }
}
