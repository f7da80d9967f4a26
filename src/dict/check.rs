//! Checks of a loaded dictionary set, and phrase lookups: the library side of
//! `dyad dict check` and `dyad dict lookup`.
//!
//! [`check`] runs the checks that need the whole set (overlapping date ranges, codes
//! missing from the CAMEO tables, patterns that can never match, conflicting agents)
//! and returns them with the problems the readers already reported
//! ([`Dictionaries::diagnostics`]), in file order. [`lookup`] finds the entries that
//! match the start of a text, as the coder would, and [`explain_resolve`] says which
//! code block of an actor applies on a date.

use super::code::{ActorCodes, ActorValue, DateRange, DatedCode, EventCode, Special};
use super::pattern::{Elem, Item, Pattern};
use super::phrase::{Link, PWord, Phrase, WordMode};
use super::{Diagnostic, Dictionaries, EntryKind, Loc, Severity};
use crate::cameo;
use crate::date::Date;
use crate::text::Token;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Which check found a problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Check {
    /// Reported by a reader while loading (syntax errors, conflicting duplicate actors...).
    Reader,
    /// Two date-restricted code blocks of one actor cover a common day.
    DateOverlap,
    /// An event code of a verb or pattern that is not in the CAMEO table.
    UnknownEventCode,
    /// An actor code that starts with no CAMEO country, role or group code.
    UnknownActorCode,
    /// An agent code that is not made of CAMEO role codes.
    UnknownAgentRole,
    /// The same agent phrase with different codes.
    ConflictingAgent,
    /// A pattern that can never win or never match.
    DeadPattern,
    /// A pattern with `$`, `+` or `%` more than once: only one of those actors is used.
    RepeatedMarker,
    /// A pattern or phrase word that no text token can ever equal.
    UnmatchableWord,
}

impl Check {
    /// A short name for summaries and filters, e.g. `date-overlap`.
    pub fn name(self) -> &'static str {
        match self {
            Check::Reader => "reader",
            Check::DateOverlap => "date-overlap",
            Check::UnknownEventCode => "unknown-event-code",
            Check::UnknownActorCode => "unknown-actor-code",
            Check::UnknownAgentRole => "unknown-agent-role",
            Check::ConflictingAgent => "conflicting-agent",
            Check::DeadPattern => "dead-pattern",
            Check::RepeatedMarker => "repeated-marker",
            Check::UnmatchableWord => "unmatchable-word",
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A problem with the check that found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Which check.
    pub check: Check,
    /// Where, how serious, what.
    pub diag: Diagnostic,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.diag, self.check)
    }
}

/// How strict the checks are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckOptions {
    /// Severity of event codes missing from the CAMEO table. dyad's own set must use
    /// CAMEO codes only (an error); production sets of the field define local codes
    /// such as `0874x` (a warning).
    pub unknown_event_code: Severity,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            unknown_event_code: Severity::Warning,
        }
    }
}

impl CheckOptions {
    /// The options for dyad's own dictionaries: unknown event codes are errors.
    pub fn own() -> CheckOptions {
        CheckOptions {
            unknown_event_code: Severity::Error,
        }
    }
}

/// CAMEO known-group codes (international organisations, armed groups, NGOs), sorted.
const KNOWN_GROUPS: &[&str] = &[
    "AAM", "ABD", "ACC", "ADB", "AEU", "AFB", "ALQ", "AMF", "AML", "AMN", "AMU", "ANO", "APE",
    "ARL", "ASL", "ASN", "ATD", "BCA", "BIS", "BTH", "CEM", "CFA", "CIS", "CMN", "COE", "CPA",
    "CPC", "CRC", "CSS", "CWN", "DFL", "EBR", "ECA", "EEC", "EFT", "ENN", "FAO", "FID", "FIS",
    "FLN", "FTA", "GCC", "GIA", "GOE", "GOS", "GSP", "GSS", "HCH", "HCR", "HEZ", "HIP", "HMS",
    "HRW", "IAC", "IAD", "IAE", "IAF", "ICC", "ICG", "ICJ", "ICO", "IDB", "IGC", "IHF", "ILO",
    "IMF", "IOM", "IPU", "IRC", "ISJ", "ITP", "JUR", "KDP", "KID", "LBA", "LKD", "MBR", "MRZ",
    "MSF", "MSP", "NAT", "NEP", "NON", "OAS", "OAU", "OIC", "OPC", "PAP", "PFL", "PLF", "PLO",
    "PLS", "PMD", "PRC", "PSE", "RCR", "RND", "SAA", "SAD", "SCE", "SHA", "SOT", "TAL", "UEM",
    "UNO", "WAD", "WAM", "WAS", "WBK", "WCT", "WEF", "WFP", "WHO", "WTO", "XFM",
];

/// CAMEO religion codes, sorted.
const RELIGIONS: &[&str] = &[
    "ADR", "ALE", "ATH", "BAH", "BUD", "CHR", "CON", "CPT", "CTH", "DOX", "DRZ", "HIN", "HSD",
    "ITR", "JAN", "JEW", "JHW", "LDS", "MOS", "MRN", "NRM", "PAG", "PRO", "SFI", "SHI", "SHN",
    "SIK", "SUN", "TAO", "UDX", "ZRO",
];

/// Other three-letter codes: the historical states, territories and ethnic groups of the
/// CAMEO manual's actor list (USR, YUG, GMW, TWN, KUR...), and country codes in use since
/// the CAMEO tables were published (KSV Kosovo, SSD South Sudan); sorted.
const OTHER_CODES: &[&str] = &[
    "ABN", "ARB", "CRO", "CZA", "FRY", "GME", "GMW", "GYP", "HUT", "KAS", "KSV", "KUR", "PAL",
    "SCG", "SER", "SLA", "SNL", "SSD", "TAM", "TER", "TRG", "TRK", "TUT", "TWN", "UIG", "USR",
    "YMN", "YMS", "YUG",
];

/// Whether a three-letter code is a CAMEO country, role, known-group or religion code.
pub fn is_known_actor_prefix(code: &str) -> bool {
    cameo::actors::is_country(code)
        || cameo::actors::is_role(code)
        || KNOWN_GROUPS.binary_search(&code).is_ok()
        || RELIGIONS.binary_search(&code).is_ok()
        || OTHER_CODES.binary_search(&code).is_ok()
}

/// Whether a three-letter agent code is a CAMEO role or religion code.
fn is_agent_role(code: &str) -> bool {
    cameo::actors::is_role(code) || RELIGIONS.binary_search(&code).is_ok()
}

/// Runs every check over a loaded set and returns the reader diagnostics and the new
/// findings together, in file order (files in load order, then by line).
pub fn check(d: &Dictionaries, opts: &CheckOptions) -> Vec<Finding> {
    let mut out: Vec<Finding> = d
        .diagnostics
        .iter()
        .map(|diag| Finding {
            check: Check::Reader,
            diag: diag.clone(),
        })
        .collect();
    let mut c = Checker {
        d,
        opts,
        out: &mut out,
    };
    c.actors();
    c.agents();
    c.verbs_and_patterns();
    c.unmatchable_words();
    sort_findings(d, &mut out);
    out
}

/// Sorts findings by file (in the order the files were loaded) and line.
fn sort_findings(d: &Dictionaries, out: &mut [Finding]) {
    let mut order: HashMap<&str, usize> = HashMap::new();
    for (f, _, _) in &d.file_counts {
        let n = order.len();
        order.entry(f.as_str()).or_insert(n);
    }
    out.sort_by(|a, b| {
        let fa = order.get(&*a.diag.loc.file).copied().unwrap_or(usize::MAX);
        let fb = order.get(&*b.diag.loc.file).copied().unwrap_or(usize::MAX);
        fa.cmp(&fb)
            .then_with(|| a.diag.loc.file.cmp(&b.diag.loc.file))
            .then(a.diag.loc.line.cmp(&b.diag.loc.line))
    });
}

struct Checker<'a> {
    d: &'a Dictionaries,
    opts: &'a CheckOptions,
    out: &'a mut Vec<Finding>,
}

impl Checker<'_> {
    fn push(&mut self, check: Check, loc: &Loc, severity: Severity, message: String) {
        self.out.push(Finding {
            check,
            diag: Diagnostic {
                loc: loc.clone(),
                severity,
                message,
            },
        });
    }

    /// Date overlaps and actor codes, once per synonym group.
    fn actors(&mut self) {
        let mut prev: Option<(&str, &str, &ActorCodes)> = None;
        for a in &self.d.actors {
            let key = (&*a.loc.file, a.parent.as_str(), &a.codes);
            if prev == Some(key) {
                continue;
            }
            prev = Some(key);
            self.date_overlaps(&a.text, &a.codes, &a.loc);
            let mut bad: Vec<&str> = Vec::new();
            for b in &a.codes.blocks {
                if let ActorValue::Codes(cs) = &b.value {
                    for c in cs {
                        let ok = c.get(..3).is_some_and(is_known_actor_prefix);
                        if !ok && !bad.contains(&c.as_str()) {
                            bad.push(c);
                        }
                    }
                }
            }
            for c in bad {
                let head = c.get(..3).unwrap_or(c);
                self.push(
                    Check::UnknownActorCode,
                    &a.loc,
                    Severity::Warning,
                    format!(
                        "actor {:?}: code {c} does not start with a CAMEO country, role or group code ({head:?})",
                        a.text
                    ),
                );
            }
        }
    }

    fn date_overlaps(&mut self, text: &str, codes: &ActorCodes, loc: &Loc) {
        let blocks = &codes.blocks;
        for i in 0..blocks.len() {
            for j in i + 1..blocks.len() {
                let (a, b) = (&blocks[i], &blocks[j]);
                let Some((lo, hi)) = intersection(a.range, b.range) else {
                    continue;
                };
                let when = match (lo, hi) {
                    (Some(l), Some(h)) if l == h => format!("on {l}"),
                    (Some(l), Some(h)) => format!("from {l} to {h}"),
                    (Some(l), None) => format!("from {l} on"),
                    (None, Some(h)) => format!("up to {h}"),
                    (None, None) => "always".to_string(),
                };
                // `A 19990809-20080507` then `B 20080507-...`: the common convention of
                // writing the handover day twice.
                let handover = lo.is_some()
                    && lo == hi
                    && ((bounds(a.range).and_then(|r| r.1) == lo
                        && bounds(b.range).and_then(|r| r.0) == lo)
                        || (bounds(b.range).and_then(|r| r.1) == lo
                            && bounds(a.range).and_then(|r| r.0) == lo));
                let (severity, tail) = if a.value == b.value {
                    (Severity::Warning, "the same code: one block is redundant")
                } else if handover {
                    (
                        Severity::Warning,
                        "a shared boundary day: the first block written applies on it",
                    )
                } else {
                    (Severity::Error, "the first block written applies")
                };
                self.push(
                    Check::DateOverlap,
                    loc,
                    severity,
                    format!(
                        "actor {text:?}: date ranges [{}] and [{}] overlap {when}; {tail}",
                        block_text(a),
                        block_text(b)
                    ),
                );
            }
        }
    }

    /// Agent roles and agents defined twice with different codes.
    fn agents(&mut self) {
        let mut seen_code: HashSet<(&Loc, &str)> = HashSet::new();
        for a in &self.d.agents {
            if a.null || !seen_code.insert((&a.loc, a.code.as_str())) {
                continue;
            }
            let chunks_ok = !a.code.is_empty()
                && a.code.len() % 3 == 0
                && a.code.is_ascii()
                && (0..a.code.len())
                    .step_by(3)
                    .all(|i| is_agent_role(&a.code[i..i + 3]));
            if !chunks_ok {
                self.push(
                    Check::UnknownAgentRole,
                    &a.loc,
                    Severity::Warning,
                    format!(
                        "agent {:?}: code {} is not made of CAMEO role or religion codes",
                        a.text,
                        agent_code_text(a)
                    ),
                );
            }
        }
        let mut first: HashMap<&Phrase, u32> = HashMap::new();
        let mut reported: HashSet<(u32, u32)> = HashSet::new();
        for e in &self.d.entries {
            let EntryKind::Agent(i) = e.kind else {
                continue;
            };
            let Some(&p) = first.get(&e.phrase) else {
                first.insert(&e.phrase, i);
                continue;
            };
            let (pa, a) = (&self.d.agents[p as usize], &self.d.agents[i as usize]);
            if (pa.code.as_str(), pa.prefix, pa.null) == (a.code.as_str(), a.prefix, a.null) {
                continue;
            }
            if !reported.insert((p, i)) {
                continue;
            }
            self.push(
                Check::ConflictingAgent,
                &a.loc,
                Severity::Warning,
                format!(
                    "agent {:?} {} is already defined as {} at {}; the first entry is used",
                    a.text,
                    agent_code_text(a),
                    agent_code_text(pa),
                    pa.loc
                ),
            );
        }
    }

    /// Event codes, identical patterns with other codes, repeated markers.
    fn verbs_and_patterns(&mut self) {
        let sev = self.opts.unknown_event_code;
        let mut seen: HashSet<(&Loc, &EventCode)> = HashSet::new();
        for v in &self.d.verbs {
            if !seen.insert((&v.loc, &v.code)) {
                continue;
            }
            for c in unknown_event_codes(&v.code) {
                self.push(
                    Check::UnknownEventCode,
                    &v.loc,
                    sev,
                    format!(
                        "verb {:?}: event code {c} is not in the CAMEO table",
                        v.text
                    ),
                );
            }
        }
        for group in &self.d.pattern_groups {
            // The group is sorted by length, stably: of two identical patterns, the one
            // read first comes first, and it is the one the coder uses.
            let mut by_text: HashMap<String, &Pattern> = HashMap::new();
            for p in group {
                for c in unknown_event_codes(&p.code) {
                    self.push(
                        Check::UnknownEventCode,
                        &p.loc,
                        sev,
                        format!(
                            "pattern {:?}: event code {c} is not in the CAMEO table",
                            p.text
                        ),
                    );
                }
                for (marker, n) in marker_counts(p) {
                    if n > 1 {
                        self.push(
                            Check::RepeatedMarker,
                            &p.loc,
                            Severity::Warning,
                            format!(
                                "pattern {:?} has {n} {marker} markers: a pattern binds one actor to {marker}, so the others are ignored (use ^ to skip an actor)",
                                p.text
                            ),
                        );
                    }
                }
                let key = normal_pattern_text(&p.text);
                match by_text.get(&key) {
                    Some(first) if first.code != p.code => self.push(
                        Check::DeadPattern,
                        &p.loc,
                        Severity::Warning,
                        format!(
                            "pattern {:?} [{}] can never win: the identical pattern at {} has code [{}]",
                            p.text,
                            event_code_text(&p.code),
                            first.loc,
                            event_code_text(&first.code)
                        ),
                    ),
                    Some(first) => self.push(
                        Check::DeadPattern,
                        &p.loc,
                        Severity::Warning,
                        format!("duplicate pattern {:?} (first at {})", p.text, first.loc),
                    ),
                    None => {
                        by_text.insert(key, p);
                    }
                }
            }
        }
    }

    /// Words that no token of a tokenized text can equal.
    fn unmatchable_words(&mut self) {
        let bad: HashSet<u32> = (0..self.d.vocab.len() as u32)
            .filter(|&id| !is_token_word(self.d.vocab.get(id)))
            .collect();
        if bad.is_empty() {
            return;
        }
        let d = self.d;
        let mut seen: HashSet<(&Loc, u32)> = HashSet::new();
        for e in &d.entries {
            let (what, text, loc) = match e.kind {
                EntryKind::Actor(i) => (
                    "actor",
                    &d.actors[i as usize].text,
                    &d.actors[i as usize].loc,
                ),
                EntryKind::Agent(i) => (
                    "agent",
                    &d.agents[i as usize].text,
                    &d.agents[i as usize].loc,
                ),
                EntryKind::Verb(i) => ("verb", &d.verbs[i as usize].text, &d.verbs[i as usize].loc),
                EntryKind::Time(i) => (
                    "time phrase",
                    &d.times[i as usize].text,
                    &d.times[i as usize].loc,
                ),
                _ => continue,
            };
            for w in &e.phrase.words {
                if bad.contains(&w.id) && seen.insert((loc, w.id)) {
                    self.push(
                        Check::UnmatchableWord,
                        loc,
                        Severity::Warning,
                        format!(
                            "{what} {text:?} can never match: {}",
                            why_unmatchable(d.vocab.get(w.id))
                        ),
                    );
                }
            }
        }
        for group in &d.pattern_groups {
            for p in group {
                let mut ids = Vec::new();
                collect_word_ids(&p.lower, &mut ids);
                collect_word_ids(&p.upper, &mut ids);
                for id in ids {
                    if bad.contains(&id) && seen.insert((&p.loc, id)) {
                        self.push(
                            Check::UnmatchableWord,
                            &p.loc,
                            Severity::Warning,
                            format!(
                                "pattern {:?} can never match: {}",
                                p.text,
                                why_unmatchable(d.vocab.get(id))
                            ),
                        );
                    }
                }
            }
        }
    }
}

/// Whether `word` survives tokenization as one token of the same text.
fn is_token_word(word: &str) -> bool {
    let toks = crate::text::tokenize(word);
    toks.len() == 1 && toks[0].text == word
}

/// Why no text token equals `word`: how the tokenizer reads it.
fn why_unmatchable(word: &str) -> String {
    let toks: Vec<String> = crate::text::tokenize(word)
        .into_iter()
        .map(|t| t.text)
        .collect();
    if toks.is_empty() {
        format!("the word {word:?} is no word of a text (the tokenizer drops it)")
    } else {
        format!(
            "the tokenizer reads {word:?} as {:?} (commas, quotes and brackets are tokens of their own)",
            toks.join(" ")
        )
    }
}

fn collect_word_ids(items: &[Item], out: &mut Vec<u32>) {
    for it in items {
        match &it.elem {
            Elem::Word(w) => out.push(w.id),
            Elem::Alt(alts) => {
                for a in alts {
                    collect_word_ids(a, out);
                }
            }
            _ => {}
        }
    }
}

/// How many `$`, `+` and `%` a pattern needs at least (alternatives count their largest).
fn marker_counts(p: &Pattern) -> [(&'static str, usize); 3] {
    fn count(items: &[Item], acc: &mut [usize; 3]) {
        for it in items {
            match &it.elem {
                Elem::Source => acc[0] += 1,
                Elem::Target => acc[1] += 1,
                Elem::Compound => acc[2] += 1,
                Elem::Alt(alts) => {
                    let mut best = [0usize; 3];
                    for a in alts {
                        let mut c = [0usize; 3];
                        count(a, &mut c);
                        for k in 0..3 {
                            best[k] = best[k].max(c[k]);
                        }
                    }
                    for k in 0..3 {
                        acc[k] += best[k];
                    }
                }
                _ => {}
            }
        }
    }
    let mut acc = [0usize; 3];
    count(&p.lower, &mut acc);
    count(&p.upper, &mut acc);
    [("$", acc[0]), ("+", acc[1]), ("%", acc[2])]
}

fn normal_pattern_text(text: &str) -> String {
    super::phrase::canonical(text)
        .to_ascii_uppercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn unknown_event_codes(code: &EventCode) -> Vec<&str> {
    match code {
        EventCode::Special(_) => Vec::new(),
        EventCode::Event { code, paired, .. } => std::iter::once(code.as_str())
            .chain(paired.as_deref())
            .filter(|c| cameo::lookup(c).is_none())
            .collect(),
    }
}

/// Lower and upper bounds of a restricted range; `None` for an undated block.
fn bounds(r: DateRange) -> Option<(Option<Date>, Option<Date>)> {
    match r {
        DateRange::Always => None,
        DateRange::UpTo(d) => Some((None, Some(d))),
        DateRange::From(d) => Some((Some(d), None)),
        DateRange::Between(a, b) => Some((Some(a), Some(b))),
    }
}

/// The days two restricted ranges share, as (first, last) with open ends as `None`.
pub fn intersection(a: DateRange, b: DateRange) -> Option<(Option<Date>, Option<Date>)> {
    let (alo, ahi) = bounds(a)?;
    let (blo, bhi) = bounds(b)?;
    let lo = match (alo, blo) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    };
    let hi = match (ahi, bhi) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    };
    match (lo, hi) {
        (Some(l), Some(h)) if l > h => None,
        _ => Some((lo, hi)),
    }
}

/// Text of a special code.
pub fn special_text(s: Special) -> &'static str {
    match s {
        Special::Null => "---",
        Special::Discard => "###",
        Special::Complex => "+++",
    }
}

/// An actor value as written: `RUSGOV`, `USA/GBR`, `---`.
pub fn value_text(v: &ActorValue) -> String {
    match v {
        ActorValue::Codes(cs) => cs.join("/"),
        ActorValue::Special(s) => special_text(*s).to_string(),
    }
}

/// A date range as written in dyad's files: `19990809-20080507`, `<20000101`, `>20080508`;
/// empty when undated.
pub fn range_text(r: DateRange) -> String {
    match r {
        DateRange::Always => String::new(),
        DateRange::UpTo(d) => format!("<{}", d.yyyymmdd()),
        DateRange::From(d) => format!(">{}", d.yyyymmdd()),
        DateRange::Between(a, b) => format!("{}-{}", a.yyyymmdd(), b.yyyymmdd()),
    }
}

/// A code block as written, without the brackets: `RUSGOV >20080508`.
pub fn block_text(b: &DatedCode) -> String {
    let r = range_text(b.range);
    if r.is_empty() {
        value_text(&b.value)
    } else {
        format!("{} {r}", value_text(&b.value))
    }
}

/// An event code as written, without brackets: `042`, `032:033`, `023?`, `---`.
pub fn event_code_text(c: &EventCode) -> String {
    crate::coder::code_text(c)
}

/// An agent's code as written: `[~GOV]`, `[NGO~]`, `[---]`.
pub fn agent_code_text(a: &super::Agent) -> String {
    if a.null {
        "[---]".into()
    } else if a.prefix {
        format!("[{}~]", a.code)
    } else {
        format!("[~{}]", a.code)
    }
}

/// Which code block of an actor applies on a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The restricted block with this index (the first whose range holds the date).
    Restriction(usize),
    /// No restriction holds; the undated block with this index applies.
    Default(usize),
    /// No restriction holds and there is no undated block: the phrase is null.
    Null,
}

/// Explains [`ActorCodes::resolve`]: restrictions are tried in the order written, then
/// the first undated block, else null.
pub fn explain_resolve(codes: &ActorCodes, date: Date) -> Applied {
    if let Some(i) = codes
        .blocks
        .iter()
        .position(|b| b.range != DateRange::Always && b.range.contains(date))
    {
        return Applied::Restriction(i);
    }
    match codes
        .blocks
        .iter()
        .position(|b| b.range == DateRange::Always)
    {
        Some(i) => Applied::Default(i),
        None => Applied::Null,
    }
}

/// What a lookup matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matched {
    /// An entry of the index ([`Dictionaries::entries`]): actor, agent, verb...
    Entry(u32),
    /// A discard phrase ([`Dictionaries::discards`]).
    Discard(u32),
}

/// A dictionary phrase found at the start of a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhraseMatch {
    /// What matched.
    pub what: Matched,
    /// Positions of the matched tokens.
    pub positions: Vec<usize>,
    /// Matching priority of the phrase (letters of its words): higher wins.
    pub weight: usize,
}

impl PhraseMatch {
    /// Number of tokens from the start up to the last matched one.
    pub fn span(&self) -> usize {
        self.positions.last().map_or(0, |p| p + 1)
    }
}

/// Regular endings a token may carry beyond a dictionary word (the coder's list).
const REGULAR_ENDINGS: &[&str] = &[
    "'S", "S'", "ING", "IES", "IED", "ES", "ED", "EN", "S", "D", "'",
];

/// The dictionary words a text token can stand for.
struct TokWords {
    text: String,
    /// The token itself, when it is a dictionary word.
    full: Option<u32>,
    /// Dictionary words the token is with a regular ending.
    bases: Vec<u32>,
    /// Dictionary words the token begins with.
    prefixes: Vec<u32>,
}

fn tok_words(d: &Dictionaries, t: &Token) -> TokWords {
    let s = t.text.as_str();
    let mut bases = Vec::new();
    let push = |w: &str, bases: &mut Vec<u32>| {
        if let Some(id) = d.vocab.lookup(w) {
            if !bases.contains(&id) {
                bases.push(id);
            }
        }
    };
    for e in REGULAR_ENDINGS {
        let Some(stem) = s.strip_suffix(e) else {
            continue;
        };
        if stem.len() < 2 {
            continue;
        }
        match *e {
            "IES" | "IED" => push(&format!("{stem}Y"), &mut bases),
            // Under PETRARCH's rules "-ES" follows English spelling (TAXES, GOES).
            "ES" if d.strict_endings
                && !(stem.ends_with(['S', 'X', 'Z', 'O'])
                    || stem.ends_with("CH")
                    || stem.ends_with("SH")) =>
            {
                push(&format!("{stem}E"), &mut bases)
            }
            "ING" | "ED" | "EN" | "ES" => {
                push(stem, &mut bases);
                push(&format!("{stem}E"), &mut bases);
                let b = stem.as_bytes();
                if b.len() >= 3 && b[b.len() - 1] == b[b.len() - 2] {
                    push(&stem[..stem.len() - 1], &mut bases);
                }
            }
            _ => push(stem, &mut bases),
        }
    }
    let prefixes = s
        .char_indices()
        .skip(1)
        .filter_map(|(i, _)| d.vocab.lookup(&s[..i]))
        .collect();
    TokWords {
        text: t.text.clone(),
        full: d.vocab.lookup(s),
        bases,
        prefixes,
    }
}

fn word_matches(w: &PWord, t: &TokWords) -> bool {
    if t.full == Some(w.id) {
        return true;
    }
    match w.mode {
        WordMode::Exact => false,
        WordMode::Word => w.endings && t.bases.contains(&w.id),
        WordMode::Stem => t.prefixes.contains(&w.id),
    }
}

fn match_phrase(p: &Phrase, toks: &[TokWords], start: usize) -> Option<Vec<usize>> {
    if start >= toks.len() || !word_matches(&p.words[0], &toks[start]) {
        return None;
    }
    let mut pos = vec![start];
    let mut cur = start;
    for (k, w) in p.words.iter().enumerate().skip(1) {
        cur = match p.links[k - 1] {
            Link::Adjacent => {
                let n = cur + 1;
                if n >= toks.len() || !word_matches(w, &toks[n]) {
                    return None;
                }
                n
            }
            Link::Gap => (cur + 1..toks.len())
                .take_while(|&n| toks[n].text != ",")
                .find(|&n| word_matches(w, &toks[n]))?,
        };
        pos.push(cur);
    }
    Some(pos)
}

/// Every dictionary phrase (index entries and discards) that matches the tokens starting
/// at the first one, best first: higher weight (longer phrase), then more words, then
/// dictionary order — the order in which the coder tries them.
pub fn lookup(d: &Dictionaries, tokens: &[Token]) -> Vec<PhraseMatch> {
    if tokens.is_empty() {
        return Vec::new();
    }
    let toks: Vec<TokWords> = tokens.iter().map(|t| tok_words(d, t)).collect();
    let first = &toks[0];
    let mut ids: Vec<u32> = first.full.into_iter().collect();
    for &id in first.bases.iter().chain(&first.prefixes) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    let mut out: Vec<(PhraseMatch, usize)> = Vec::new();
    for id in &ids {
        for &e in d.index.get(id).into_iter().flatten() {
            let entry = &d.entries[e as usize];
            if let Some(positions) = match_phrase(&entry.phrase, &toks, 0) {
                out.push((
                    PhraseMatch {
                        what: Matched::Entry(e),
                        positions,
                        weight: entry.weight,
                    },
                    entry.phrase.words.len(),
                ));
            }
        }
        for &i in d.discard_index.get(id).into_iter().flatten() {
            let (p, _) = &d.discards[i as usize];
            if let Some(positions) = match_phrase(p, &toks, 0) {
                out.push((
                    PhraseMatch {
                        what: Matched::Discard(i),
                        positions,
                        weight: p.weight(&d.vocab),
                    },
                    p.words.len(),
                ));
            }
        }
    }
    out.sort_by(|(a, na), (b, nb)| {
        b.weight.cmp(&a.weight).then(nb.cmp(na)).then_with(|| {
            let key = |m: &PhraseMatch| match m.what {
                Matched::Entry(e) => (0, e),
                Matched::Discard(i) => (1, i),
            };
            key(a).cmp(&key(b))
        })
    });
    out.into_iter().map(|(m, _)| m).collect()
}

/// The entry that wins at the start of the tokens, if any: the first of [`lookup`].
pub fn longest_match(d: &Dictionaries, tokens: &[Token]) -> Option<PhraseMatch> {
    lookup(d, tokens).into_iter().next()
}

/// Number of patterns a verb can use: its group's and those of its extra groups.
pub fn verb_pattern_count(d: &Dictionaries, verb: u32) -> usize {
    let v = &d.verbs[verb as usize];
    std::iter::once(v.group)
        .chain(v.extra_groups.iter().copied())
        .map(|g| d.pattern_groups[g as usize].len())
        .sum()
}

/// Counts of a dictionary set, for `dyad dict stats`.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Actor phrases.
    pub actor_phrases: usize,
    /// Synonym groups of actors (headwords).
    pub actor_groups: usize,
    /// Distinct actor codes.
    pub actor_codes: usize,
    /// Actor phrases with at least one date-restricted block.
    pub dated_actors: usize,
    /// Date-restricted code blocks, counted once per synonym group.
    pub dated_blocks: usize,
    /// Agent phrases.
    pub agents: usize,
    /// Verb forms (roots and irregular forms).
    pub verbs: usize,
    /// Verb patterns.
    pub patterns: usize,
    /// Synonym sets.
    pub synsets: usize,
    /// Nouns and adjectives.
    pub word_classes: usize,
    /// Time-shift phrases.
    pub times: usize,
    /// Discard phrases.
    pub discards: usize,
    /// Issue phrases.
    pub issues: usize,
}

/// Counts the entries of a set.
pub fn stats(d: &Dictionaries) -> Stats {
    let mut codes: HashSet<&str> = HashSet::new();
    let mut groups = 0;
    let mut dated_blocks = 0;
    let mut prev: Option<(&str, &str, &ActorCodes)> = None;
    for a in &d.actors {
        let key = (&*a.loc.file, a.parent.as_str(), &a.codes);
        if prev != Some(key) {
            groups += 1;
            dated_blocks += a
                .codes
                .blocks
                .iter()
                .filter(|b| b.range != DateRange::Always)
                .count();
        }
        prev = Some(key);
        for b in &a.codes.blocks {
            if let ActorValue::Codes(cs) = &b.value {
                codes.extend(cs.iter().map(String::as_str));
            }
        }
    }
    Stats {
        actor_phrases: d.actors.len(),
        actor_groups: groups,
        actor_codes: codes.len(),
        dated_actors: d
            .actors
            .iter()
            .filter(|a| a.codes.blocks.iter().any(|b| b.range != DateRange::Always))
            .count(),
        dated_blocks,
        agents: d.agents.len(),
        verbs: d.verbs.len(),
        patterns: d.pattern_groups.iter().map(Vec::len).sum(),
        synsets: d.synsets.len(),
        word_classes: d
            .entries
            .iter()
            .filter(|e| matches!(e.kind, EntryKind::Noun | EntryKind::Adjective))
            .count(),
        times: d.times.len(),
        discards: d.discards.len(),
        issues: d.issues.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dict::load::{load_texts, FileKind};
    use crate::dict::DictBuilder;

    fn load(files: &[(&str, FileKind, &str)]) -> Dictionaries {
        let mut b = DictBuilder::new();
        load_texts(&mut b, files);
        b.build()
    }

    fn date(s: &str) -> Date {
        Date::parse_any(s).unwrap()
    }

    #[test]
    fn overlapping_ranges_are_found_once_per_group() {
        let d = load(&[(
            "a.actors",
            FileKind::Actors,
            "ANNA_\n+ANNE_\n\t[NORGOV 20000101-20051231]\n\t[NORMIL 20050601-20101231]\n\t[NORELI]\nBOB_\n\t[SWEGOV <20041231]\n\t[SWEGOV 20041231-20060101]\nCARL_\n\t[SWEGOV <20041231]\n\t[SWELEG >20050101]\nDAVE_\n\t[SWEGOV <20041231]\n\t[SWEELI >20041231]\n",
        )]);
        let f = check(&d, &CheckOptions::default());
        let overlaps: Vec<&Finding> = f.iter().filter(|x| x.check == Check::DateOverlap).collect();
        assert_eq!(overlaps.len(), 3, "{f:?}");
        assert_eq!(overlaps[0].diag.severity, Severity::Error);
        assert_eq!(overlaps[0].diag.loc.to_string(), "a.actors:1");
        assert!(overlaps[0]
            .diag
            .message
            .contains("from 2005-06-01 to 2005-12-31"));
        assert_eq!(overlaps[1].diag.severity, Severity::Warning);
        assert!(overlaps[1].diag.message.contains("on 2004-12-31"));
        assert_eq!(overlaps[2].diag.severity, Severity::Warning);
        assert!(overlaps[2].diag.message.contains("boundary day"));
    }

    #[test]
    fn codes_patterns_and_agents() {
        let d = load(&[
            (
                "v.verbs",
                FileKind::Verbs,
                "--- MEET [040] ---\nMEET\n- * FOR TALKS [043]\n- * FOR  TALKS [046]\n- $ * + AND + [040]\n- * WITH + [999]\n--- SHOUT [0999] ---\nSHOUT\n",
            ),
            (
                "a.actors",
                FileKind::Actors,
                "NORWAY_ [NOR]\nZORRO_ [ZZZGOV]\nPOPE_ [CTHELI]\n",
            ),
            (
                "x.agents",
                FileKind::Agents,
                "MINISTER_ [~GOV]\nWIZARD_ [~WIZ]\nMINISTER_ [~MIL]\n",
            ),
        ]);
        let f = check(&d, &CheckOptions::own());
        let has = |c: Check, loc: &str, s: Severity| {
            f.iter()
                .any(|x| x.check == c && x.diag.loc.to_string() == loc && x.diag.severity == s)
        };
        assert!(
            has(Check::DeadPattern, "v.verbs:4", Severity::Warning),
            "{f:?}"
        );
        assert!(
            has(Check::RepeatedMarker, "v.verbs:5", Severity::Warning),
            "{f:?}"
        );
        assert!(
            has(Check::UnknownEventCode, "v.verbs:6", Severity::Error),
            "{f:?}"
        );
        assert!(
            has(Check::UnknownEventCode, "v.verbs:8", Severity::Error),
            "{f:?}"
        );
        assert!(
            has(Check::UnknownActorCode, "a.actors:2", Severity::Warning),
            "{f:?}"
        );
        assert!(!f.iter().any(|x| x.diag.loc.to_string() == "a.actors:3"));
        assert!(
            has(Check::UnknownAgentRole, "x.agents:2", Severity::Warning),
            "{f:?}"
        );
        assert!(
            has(Check::ConflictingAgent, "x.agents:3", Severity::Warning),
            "{f:?}"
        );
        let dead = f
            .iter()
            .find(|x| x.diag.loc.to_string() == "v.verbs:4")
            .unwrap();
        assert!(dead.diag.message.contains("v.verbs:3"), "{dead:?}");
    }

    #[test]
    fn lookup_and_resolution() {
        let d = load(&[(
            "a.actors",
            FileKind::Actors,
            "ERIK_\n\t[NOR]\nERIK_LARSEN_\n+LARSEN_\n\t[NORGOV 19330101-19331231]\n\t[NORELI]\n",
        )]);
        let toks = crate::text::tokenize("Erik Larsen's visit");
        let m = lookup(&d, &toks);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].span(), 2);
        let Matched::Entry(e) = m[0].what else {
            panic!()
        };
        let EntryKind::Actor(a) = d.entries[e as usize].kind else {
            panic!()
        };
        let codes = &d.actors[a as usize].codes;
        for (day, want) in [
            ("1933-06-01", Applied::Restriction(0)),
            ("1934-01-01", Applied::Default(1)),
        ] {
            let got = explain_resolve(codes, date(day));
            assert_eq!(got, want);
            let (Applied::Restriction(i) | Applied::Default(i)) = got else {
                panic!()
            };
            assert_eq!(&codes.blocks[i].value, codes.resolve(date(day)));
        }
        assert!(lookup(&d, &crate::text::tokenize("Larsson")).is_empty());
    }

    #[test]
    fn intersections() {
        let r = |s: &str| crate::dict::code::parse_dated_code(s).unwrap().range;
        assert_eq!(intersection(r("X <20000101"), r("X >20000102")), None);
        assert_eq!(
            intersection(r("X <20000101"), r("X >20000101")),
            Some((Some(date("2000-01-01")), Some(date("2000-01-01"))))
        );
        assert_eq!(intersection(r("X"), r("X >20000101")), None);
    }
}
