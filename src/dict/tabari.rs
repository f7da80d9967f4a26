//! Readers for the dictionary files of TABARI 0.8 and PETRARCH-1: actors, agents,
//! verbs. The two families share most of their syntax; where they differ (verb blocks,
//! agent substitution sets, comment markers) both are accepted.

use super::code::{self, split_blocks, ActorCodes, EventCode};
use super::{DictBuilder, Flavor, Loc, Severity, TimeValue};
use std::sync::Arc;

/// Removes a comment: `;` anywhere outside brackets, `#` outside brackets when it
/// follows whitespace or starts the line.
pub fn strip_comment(line: &str) -> &str {
    // Most lines have neither mark.
    if memchr::memchr2(b';', b'#', line.as_bytes()).is_none() {
        return line;
    }
    let mut depth = 0i32;
    let mut prev_space = true;
    for (i, c) in line.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ';' if depth <= 0 => return &line[..i],
            '#' if depth <= 0 && prev_space => return &line[..i],
            _ => {}
        }
        prev_space = c.is_whitespace() || c == ']';
    }
    line
}

/// Iterates over the lines of a file with their numbers, with `\r` removed.
pub fn numbered_lines(text: &str) -> impl Iterator<Item = (u32, &str)> {
    text.split('\n')
        .enumerate()
        .map(|(i, l)| ((i + 1) as u32, l.strip_suffix('\r').unwrap_or(l)))
}

fn is_comment_line(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with('#') || t.starts_with("//") || (t.starts_with('/') && !t.starts_with("/*"))
}

struct ActorGroup<'t> {
    phrases: Vec<(&'t str, Loc)>,
    blocks: Vec<(&'t str, Loc)>,
}

/// Reads an actors file (TABARI `.actors` or PETRARCH-1 `*.actors.txt`).
pub fn read_actors(b: &mut DictBuilder, file: &str, text: &str) {
    // Room for a phrase per line at once, instead of growing (and rehashing) the tables
    // step by step over tens of thousands of actors.
    b.reserve_phrases(memchr::memchr_iter(b'\n', text.as_bytes()).count());
    let file: Arc<str> = file.into();
    let mut group: Option<ActorGroup> = None;
    let mut section: Option<&'static str> = None;
    // The line of the open <NOUN> or <ADJECTIVE> tag, and the last line read.
    let mut section_line = 0u32;
    let mut last_line = 0u32;
    let mut count = 0usize;
    for (n, raw) in numbered_lines(text) {
        let loc = Loc {
            file: file.clone(),
            line: n,
        };
        if raw.trim_start().starts_with("~FINISH") || raw.trim_start().starts_with("~~FINISH") {
            last_line = n;
            break;
        }
        if !raw.trim().is_empty() {
            last_line = n;
        }
        if is_comment_line(raw) {
            continue;
        }
        let line = strip_comment(raw);
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        let upper = t.to_ascii_uppercase();
        match upper.as_str() {
            "<NOUN>" | "<NOUNS>" => {
                finish_actor_group(b, group.take(), &mut count);
                section = Some("noun");
                section_line = n;
                continue;
            }
            "<ADJECTIVE>" | "<ADJECTIVES>" => {
                finish_actor_group(b, group.take(), &mut count);
                section = Some("adj");
                section_line = n;
                continue;
            }
            "</NOUN>" | "</NOUNS>" | "</ADJECTIVE>" | "</ADJECTIVES>" => {
                section = None;
                continue;
            }
            _ => {}
        }
        if let Some(kind) = section {
            let phrase = t.split('[').next().unwrap_or("").trim();
            b.add_word_class(phrase, kind == "noun", loc);
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        if indented && t.starts_with('[') {
            match group.as_mut() {
                Some(g) => match split_blocks(t) {
                    Ok((_, blocks)) => g
                        .blocks
                        .extend(blocks.into_iter().map(|bl| (bl, loc.clone()))),
                    Err(e) => b.diag(&loc, Severity::Error, e),
                },
                None => b.diag(
                    &loc,
                    Severity::Error,
                    "code line without an actor before it",
                ),
            }
            continue;
        }
        if let Some(syn) = t.strip_prefix('+') {
            match group.as_mut() {
                Some(g) => match split_blocks(syn) {
                    Ok((p, blocks)) => {
                        g.phrases.push((p, loc.clone()));
                        g.blocks
                            .extend(blocks.into_iter().map(|bl| (bl, loc.clone())));
                    }
                    Err(e) => b.diag(&loc, Severity::Error, e),
                },
                None => b.diag(
                    &loc,
                    Severity::Error,
                    "synonym line (+) without an actor before it",
                ),
            }
            continue;
        }
        finish_actor_group(b, group.take(), &mut count);
        match split_blocks(t) {
            Ok((p, blocks)) => {
                group = Some(ActorGroup {
                    phrases: vec![(p, loc.clone())],
                    blocks: blocks.into_iter().map(|bl| (bl, loc.clone())).collect(),
                })
            }
            Err(e) => b.diag(&loc, Severity::Error, e),
        }
    }
    if let Some(kind) = section {
        // Reported at the tag that opened the section, naming the last line read
        // (the end of the file, or ~FINISH).
        let loc = Loc {
            file: file.clone(),
            line: section_line,
        };
        let tag = if kind == "noun" { "NOUN" } else { "ADJECTIVE" };
        b.diag(
            &loc,
            Severity::Warning,
            format!(
                "<{tag}> is not closed: no </{tag}> before the end of the file (line {last_line})"
            ),
        );
    }
    finish_actor_group(b, group.take(), &mut count);
    b.d.file_counts
        .push((file.to_string(), "actors".into(), count));
}

fn finish_actor_group(b: &mut DictBuilder, g: Option<ActorGroup>, count: &mut usize) {
    let Some(g) = g else { return };
    let head_loc = g.phrases[0].1.clone();
    if g.blocks.is_empty() {
        b.diag(
            &head_loc,
            Severity::Error,
            format!("no code for actor {:?}", g.phrases[0].0),
        );
        return;
    }
    let mut codes = ActorCodes::default();
    for (bl, loc) in &g.blocks {
        match code::parse_dated_code(bl) {
            Ok(dc) => codes.blocks.push(dc),
            Err(e) => b.diag(loc, Severity::Error, format!("{e} (block skipped)")),
        }
    }
    if codes.blocks.is_empty() {
        return;
    }
    let parent = g.phrases[0].0;
    for (p, loc) in g.phrases {
        if p.trim().len() < 2 {
            b.diag(&loc, Severity::Error, format!("phrase {p:?} is too short"));
            continue;
        }
        b.add_actor(p, parent, codes.clone(), loc);
        *count += 1;
    }
}

/// Reads an agents file: `PHRASE [~GOV]`, `PHRASE [NGO~]`, PETRARCH's
/// `!NAME! = A, B` substitution sets and `{PLURAL}` / `{}` forms.
pub fn read_agents(b: &mut DictBuilder, file: &str, text: &str) {
    let file: Arc<str> = file.into();
    let mut sets: Vec<(String, Vec<String>)> = Vec::new();
    let mut count = 0;
    for (n, raw) in numbered_lines(text) {
        let loc = Loc {
            file: file.clone(),
            line: n,
        };
        if raw.trim_start().starts_with("~FINISH") {
            break;
        }
        if is_comment_line(raw) {
            continue;
        }
        let t = strip_comment(raw).trim();
        if t.is_empty() || t.starts_with('<') {
            continue;
        }
        if t.starts_with('!') && t.contains('=') && !t.contains('[') {
            let (name, members) = t.split_once('=').unwrap();
            let members: Vec<String> = members
                .split(',')
                .map(|m| m.trim().replace(' ', "_"))
                .filter(|m| !m.is_empty())
                .collect();
            sets.push((name.trim().to_string(), members));
            continue;
        }
        let (phrase, blocks) = match split_blocks(t) {
            Ok(x) => x,
            Err(e) => {
                b.diag(&loc, Severity::Error, e);
                continue;
            }
        };
        let Some(code) = blocks.first() else {
            b.diag(
                &loc,
                Severity::Error,
                format!("no code for agent {phrase:?}"),
            );
            continue;
        };
        // Plural forms in braces: `{}` turns regular endings off.
        let (base, plurals, no_endings) = match (phrase.find('{'), phrase.find('}')) {
            (Some(i), Some(j)) if j > i => {
                let inner = &phrase[i + 1..j];
                let forms: Vec<String> = inner.split_whitespace().map(str::to_string).collect();
                let empty = forms.is_empty();
                (
                    format!("{}{}", &phrase[..i], &phrase[j + 1..])
                        .trim()
                        .to_string(),
                    forms,
                    empty,
                )
            }
            _ => (phrase.to_string(), Vec::new(), false),
        };
        let mut forms = vec![base];
        forms.extend(plurals);
        for f in forms {
            let mut expanded = Vec::new();
            if let Err(e) = expand_sets(&f, &sets, 0, &mut expanded) {
                b.diag(&loc, Severity::Error, format!("{e} (entry skipped)"));
                break;
            }
            for e in expanded {
                let e = if no_endings && !e.ends_with('=') {
                    format!("{}=", e.trim_end_matches('_'))
                } else {
                    e
                };
                b.add_agent(&e, code, loc.clone());
                count += 1;
            }
        }
    }
    b.d.file_counts
        .push((file.to_string(), "agents".into(), count));
}

/// Limits of `!SET!` substitution: a set whose members name a set (itself, directly or
/// not) would otherwise expand without end.
const MAX_SET_DEPTH: usize = 16;
const MAX_SET_PHRASES: usize = 10_000;

/// Expands the `!SET!` names of `phrase` into `out`, depth first.
fn expand_sets(
    phrase: &str,
    sets: &[(String, Vec<String>)],
    depth: usize,
    out: &mut Vec<String>,
) -> Result<(), String> {
    for (name, members) in sets {
        if phrase.contains(name.as_str()) {
            if depth >= MAX_SET_DEPTH {
                return Err(format!(
                    "substitution set {name} nests more than {MAX_SET_DEPTH} deep (does a set name itself?)"
                ));
            }
            for m in members {
                let replaced = phrase.replacen(name.as_str(), m, 1);
                expand_sets(&replaced, sets, depth + 1, out)?;
            }
            return Ok(());
        }
    }
    if out.len() >= MAX_SET_PHRASES {
        return Err(format!(
            "substitution sets expand to more than {MAX_SET_PHRASES} phrases"
        ));
    }
    out.push(phrase.to_string());
    Ok(())
}

#[derive(PartialEq)]
enum VerbSection {
    Main,
    Synsets,
    Time,
    Attrib,
}

/// Reads a verbs file: TABARI `.verbs` (root lines, `{forms}`, `- patterns`,
/// `<SYNSETS>`, `<TIME>`, `<ATTRIB>`) or a PETRARCH-1 verb-pattern file
/// (`--- NAME [CODE] ---` blocks whose verbs share patterns, `&SET` lists).
pub fn read_verbs(b: &mut DictBuilder, file: &str, text: &str) {
    let file: Arc<str> = file.into();
    let block_style = text
        .lines()
        .any(|l| l.trim_start().starts_with("--- ") && l.trim_end().ends_with("---"));
    if block_style {
        b.d.flavor = Flavor::Petrarch;
    }
    let mut section = VerbSection::Main;
    let mut group: Option<u32> = None;
    let mut block_code: Option<EventCode> = None;
    let mut last_verb: Option<u32> = None;
    let mut synset: Option<u32> = None;
    let mut time_parent: Option<String> = None;
    let mut verbs = 0;
    let mut patterns = 0;
    for (n, raw) in numbered_lines(text) {
        let loc = Loc {
            file: file.clone(),
            line: n,
        };
        let tt = raw.trim();
        if tt.starts_with("~FINISH") || tt.starts_with("~~FINISH") {
            break;
        }
        if tt.starts_with('#') || tt.starts_with("//") {
            continue;
        }
        let t = strip_comment(raw).trim();
        if t.is_empty() {
            continue;
        }
        let upper = t.to_ascii_uppercase();
        match upper.as_str() {
            "<SYNSETS>" | "<SYNSET>" => {
                section = VerbSection::Synsets;
                continue;
            }
            "<TIME>" => {
                section = VerbSection::Time;
                continue;
            }
            "<ATTRIB>" | "<ATTRIBUTION>" => {
                section = VerbSection::Attrib;
                continue;
            }
            "</SYNSETS>" | "</SYNSET>" | "</TIME>" | "</ATTRIB>" | "</ATTRIBUTION>" => {
                section = VerbSection::Main;
                synset = None;
                continue;
            }
            _ => {}
        }
        // Synonym sets: in <SYNSETS> (TABARI) or anywhere before a block (PETRARCH).
        if t.starts_with('&') && (section == VerbSection::Synsets || section == VerbSection::Main) {
            let name = t.split_whitespace().next().unwrap_or(t);
            synset = Some(b.declare_synset(&name[1..]).to_owned());
            continue;
        }
        if let (Some(set), Some(member)) = (synset, t.strip_prefix('+')) {
            if section == VerbSection::Synsets || section == VerbSection::Main {
                b.add_synset_member(set, member, &loc);
                continue;
            }
        }
        synset = None;
        match section {
            VerbSection::Time => {
                read_time_line(b, t, &loc, &mut time_parent);
                continue;
            }
            VerbSection::Attrib => {
                match split_blocks(t) {
                    Ok((p, bl)) if !bl.is_empty() => b.add_attribution(p, bl[0], loc),
                    Ok(_) => b.diag(&loc, Severity::Error, "attribution without a code"),
                    Err(e) => b.diag(&loc, Severity::Error, e),
                }
                continue;
            }
            _ => {}
        }
        // PETRARCH block header: --- NAME [CODE] ---
        if t.starts_with("---") && t.len() > 3 && t.ends_with("---") && t != "---" {
            let inner = t.trim_matches('-').trim();
            let code = match split_blocks(inner) {
                Ok((_, bl)) if !bl.is_empty() => EventCode::parse(bl[0]),
                Ok(_) => Ok(EventCode::Special(code::Special::Null)),
                Err(e) => Err(e),
            };
            match code {
                Ok(c) => {
                    block_code = Some(c);
                    group = Some(b.new_group());
                    last_verb = None;
                }
                Err(e) => {
                    b.diag(&loc, Severity::Error, format!("{e} (block skipped)"));
                    block_code = None;
                    group = None;
                }
            }
            continue;
        }
        if let Some(p) = t.strip_prefix('-') {
            let Some(g) = group else {
                b.diag(&loc, Severity::Error, "pattern before any verb");
                continue;
            };
            if last_verb.is_none() && block_style {
                b.diag(
                    &loc,
                    Severity::Error,
                    "pattern before any verb of its block",
                );
                continue;
            }
            match split_blocks(p) {
                Ok((pat, bl)) if !bl.is_empty() => {
                    b.add_pattern(g, pat, bl[0], loc);
                    patterns += 1;
                }
                Ok(_) => b.diag(
                    &loc,
                    Severity::Error,
                    format!("no code for pattern {:?}", p.trim()),
                ),
                Err(e) => b.diag(&loc, Severity::Error, e),
            }
            continue;
        }
        if t.starts_with('{') {
            // Irregular forms of the last verb.
            let Some(v) = last_verb else {
                b.diag(&loc, Severity::Error, "verb forms without a verb");
                continue;
            };
            let inner = t.trim_start_matches('{').split('}').next().unwrap_or("");
            let (g, c) = (b.verb_group(v), b.d.verbs[v as usize].code.clone());
            for f in inner.split_whitespace() {
                b.add_verb(f, c.clone(), g, loc.clone(), true);
            }
            continue;
        }
        // A verb line: ROOT [CODE] {FORMS}
        let (head, forms) = match (t.find('{'), t.rfind('}')) {
            (Some(i), Some(j)) if j > i => (
                format!("{} {}", &t[..i], &t[j + 1..]),
                Some(t[i + 1..j].to_string()),
            ),
            (Some(_), _) => {
                b.diag(&loc, Severity::Error, "unclosed { in verb forms");
                continue;
            }
            _ => (t.to_string(), None),
        };
        // PETRARCH marks verbs with particles (CORDON_OFF) with a leading '+'.
        let head = head.trim_start().trim_start_matches('+').to_string();
        let forms = forms.map(|f| f.replace('+', " "));
        let (root, blocks) = match split_blocks(&head) {
            Ok(x) => x,
            Err(e) => {
                b.diag(&loc, Severity::Error, e);
                continue;
            }
        };
        if root.is_empty() {
            b.diag(&loc, Severity::Error, "verb line without a verb");
            continue;
        }
        let code = match blocks.first() {
            Some(c) => match EventCode::parse(c) {
                Ok(c) => c,
                Err(e) => {
                    b.diag(&loc, Severity::Error, e);
                    continue;
                }
            },
            None if block_style => match &block_code {
                Some(c) => c.clone(),
                None => {
                    b.diag(
                        &loc,
                        Severity::Error,
                        format!("verb {root:?} outside a block"),
                    );
                    continue;
                }
            },
            None => {
                b.diag(&loc, Severity::Error, format!("no code for verb {root:?}"));
                continue;
            }
        };
        let g = if block_style {
            match group {
                Some(g) => g,
                None => continue,
            }
        } else {
            b.new_group()
        };
        // PETRARCH generates the regular forms; TABARI reads an unmarked root as a stem.
        let root_text = if block_style && !root.ends_with(['_', '=']) {
            format!("{root}_")
        } else {
            root.to_string()
        };
        let Some(v) = b.add_verb(&root_text, code.clone(), g, loc.clone(), true) else {
            continue;
        };
        verbs += 1;
        let vg = b.verb_group(v);
        if vg != g && !block_style {
            // A duplicate TABARI root: later patterns go to the first definition.
            group = Some(vg);
        } else if vg != g {
            // PETRARCH: the same verb in two blocks. Its patterns stay in the block where
            // they are written; the verb gets the later block's patterns by aliasing.
            b.d.verbs[v as usize].extra_groups.push(g);
            group = Some(g);
        } else {
            group = Some(g);
        }
        last_verb = Some(v);
        if let Some(forms) = forms {
            for f in forms.split_whitespace() {
                let f = if block_style && !f.ends_with(['_', '=']) {
                    format!("{f}_")
                } else {
                    f.to_string()
                };
                b.add_verb(&f, code.clone(), vg, loc.clone(), true);
            }
        }
    }
    b.d.file_counts
        .push((file.to_string(), "verbs".into(), verbs));
    b.d.file_counts
        .push((file.to_string(), "patterns".into(), patterns));
}

fn read_time_line(b: &mut DictBuilder, t: &str, loc: &Loc, parent: &mut Option<String>) {
    let is_pattern = t.starts_with('-');
    let body = t.trim_start_matches('-');
    let (phrase, blocks) = match split_blocks(body) {
        Ok(x) => x,
        Err(e) => {
            b.diag(loc, Severity::Error, e);
            return;
        }
    };
    let Some(code) = blocks.first() else {
        b.diag(loc, Severity::Error, "time phrase without a code");
        return;
    };
    let shift = match code::special(code) {
        Some(s) => TimeValue::Special(s),
        None => match code.trim().trim_start_matches('+').parse::<i32>() {
            Ok(d) => TimeValue::Days(d),
            Err(_) => {
                b.diag(loc, Severity::Error, format!("invalid time shift [{code}]"));
                return;
            }
        },
    };
    let text = if is_pattern {
        // `- * AND TOMORROW` under TOMORROW: the phrase with the parent in place of '*'.
        let Some(p) = parent.as_ref() else {
            b.diag(loc, Severity::Error, "time pattern before any time phrase");
            return;
        };
        phrase.replace('*', p).trim().to_string()
    } else {
        *parent = Some(phrase.to_string());
        phrase.to_string()
    };
    b.add_time(&text, shift, loc.clone());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::Date;
    use crate::dict::code::ActorValue;

    #[test]
    fn comments_are_stripped_outside_brackets() {
        assert_eq!(strip_comment("ENT [###] ; x"), "ENT [###] ");
        assert_eq!(strip_comment("PUTIN_  # note"), "PUTIN_  ");
        assert_eq!(strip_comment("A [###]# note"), "A [###]");
    }

    #[test]
    fn unclosed_noun_section_is_reported_at_its_tag() {
        for (text, want) in [
            // A final line end does not count as a line of its own.
            ("A_ [NOR]\n<NOUN>\nBOAT\nSHIP\n", "t.actors:2: warning: <NOUN> is not closed: no </NOUN> before the end of the file (line 4)"),
            ("<ADJECTIVE>\r\nBIG\r\n\r\n", "t.actors:1: warning: <ADJECTIVE> is not closed: no </ADJECTIVE> before the end of the file (line 2)"),
            ("<NOUN>\nBOAT\n~FINISH\nX [Y]\n", "t.actors:1: warning: <NOUN> is not closed: no </NOUN> before the end of the file (line 3)"),
        ] {
            let mut b = DictBuilder::new();
            read_actors(&mut b, "t.actors", text);
            let d = b.build();
            let diags: Vec<String> = d.diagnostics.iter().map(|e| e.to_string()).collect();
            assert!(diags.iter().any(|e| e.starts_with(want)), "{diags:?}");
        }
        let mut b = DictBuilder::new();
        read_actors(&mut b, "t.actors", "<NOUN>\nBOAT\n</NOUN>\n");
        assert!(b.build().diagnostics.is_empty());
    }

    #[test]
    fn actor_groups_with_synonyms_and_dates() {
        let mut b = DictBuilder::new();
        let text = "GOLLUM ; x\n+SMEAGOL\n\t[HOB <950601]\n\t[HOBGOV 950601-990815]\n\t[HOBREB]\nFRODO [HOB]\nBAD_ONE [X 991301-000101]\nNOCODE\n~FINISH\nIGNORED [Z]\n";
        read_actors(&mut b, "t.actors", text);
        let d = b.build();
        assert_eq!(d.actors.len(), 3);
        let sm = d.actors.iter().find(|a| a.text == "SMEAGOL").unwrap();
        assert_eq!(sm.parent, "GOLLUM");
        assert_eq!(
            sm.codes.resolve(Date::parse_any("1997-01-01").unwrap()),
            &ActorValue::Codes(vec!["HOBGOV".into()])
        );
        let errs: Vec<String> = d.errors().map(|e| e.to_string()).collect();
        assert!(
            errs.iter()
                .any(|e| e.starts_with("t.actors:7:") && e.contains("invalid date")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.starts_with("t.actors:8:") && e.contains("no code")),
            "{errs:?}"
        );
    }

    #[test]
    fn petrarch_blocks_share_patterns() {
        let mut b = DictBuilder::new();
        let text = "&C_AID\n+AID\n+HELP\n\n--- GIVE [070] ---\nGIVE {GIVES GAVE GIVEN GIVING}\nDONATE [073]\n- * &C_AID [071]\n";
        read_verbs(&mut b, "v.txt", text);
        let d = b.build();
        assert!(d.errors().next().is_none(), "{:?}", d.diagnostics);
        let donate = d.verbs.iter().find(|v| v.text == "DONATE_").unwrap();
        let gave = d.verbs.iter().find(|v| v.text == "GAVE_").unwrap();
        assert_eq!(donate.group, gave.group);
        assert_eq!(d.pattern_groups[donate.group as usize].len(), 1);
    }

    #[test]
    fn agents_with_sets_and_plural_forms() {
        let mut b = DictBuilder::new();
        read_agents(
            &mut b,
            "a.txt",
            "!MIN! = MINISTER, MINISTRY\nDEFENSE_!MIN! [~MIL]\nCHILD {CHILDREN} [~CVL]\nNOCODE\n",
        );
        let d = b.build();
        let names: Vec<&str> = d.agents.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(
            names,
            vec!["DEFENSE_MINISTER", "DEFENSE_MINISTRY", "CHILD", "CHILDREN"]
        );
        assert_eq!(d.errors().count(), 1);
    }

    #[test]
    fn substitution_sets_that_name_themselves_are_errors() {
        let mut b = DictBuilder::new();
        let text = "!A! = X, Y!A!\n!A!_MINISTER [~GOV]\n!B! = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10\n!B!_!B!_!B!_!B!_!B! [~GOV]\nAIDE [~GOV]\n";
        read_agents(&mut b, "a.txt", text);
        let d = b.build();
        let errs: Vec<String> = d.errors().map(|e| e.to_string()).collect();
        assert!(
            errs[0].starts_with("a.txt:2: error: substitution set !A! nests"),
            "{errs:?}"
        );
        assert!(
            errs[1].starts_with("a.txt:4: error: substitution sets expand to more than 10000"),
            "{errs:?}"
        );
        assert_eq!(errs.len(), 2);
        assert_eq!(d.agents.last().unwrap().text, "AIDE");
    }
}
