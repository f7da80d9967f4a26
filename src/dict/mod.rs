//! The dictionary model shared by every reader, and the compiled lookup index.
//!
//! Readers for the TABARI and PETRARCH-1 formats ([`tabari`], [`petrarch`]) fill a
//! [`DictBuilder`]; [`DictBuilder::build`] compiles it into [`Dictionaries`], an
//! immutable value that is `Send + Sync` and shared by every coding thread.

pub mod builtin;
pub mod cache;
pub mod check;
pub mod code;
pub mod load;
pub mod pattern;
pub mod petrarch;
pub mod phrase;
pub mod tabari;
pub mod vocab;

use code::{ActorCodes, EventCode};
use pattern::{Item, Pattern};
use phrase::{PWord, Phrase};
use rustc_hash::FxHashMap as HashMap;
use std::fmt;
use std::sync::Arc;
use vocab::Vocab;

/// A place in a dictionary file.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Loc {
    /// File name as given.
    pub file: Arc<str>,
    /// One-based line number.
    pub line: u32,
}

thread_local! {
    /// The file of the place this thread wrote or read last in a compiled set: a
    /// place of the same file as the one before it is stored as its line alone (a set
    /// holds a place per phrase, and consecutive places are mostly of one file), and
    /// read back sharing that file's name.
    static LAST_FILE: std::cell::RefCell<Option<Arc<str>>> = const { std::cell::RefCell::new(None) };
}

/// Starts a stream of places: the first is stored with its file. Called before each
/// part of a compiled set is written or read.
pub(crate) fn begin_places() {
    LAST_FILE.with(|last| *last.borrow_mut() = None);
}

impl serde::Serialize for Loc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let same = LAST_FILE.with(|last| {
            let mut last = last.borrow_mut();
            let same = last.as_ref().is_some_and(|f| **f == *self.file);
            if !same {
                *last = Some(self.file.clone());
            }
            same
        });
        let file: Option<&str> = (!same).then_some(&*self.file);
        (file, self.line).serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Loc {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Loc, D::Error> {
        let (file, line) = <(Option<&'de str>, u32)>::deserialize(de)?;
        let file = LAST_FILE.with(|last| {
            let mut last = last.borrow_mut();
            if let Some(name) = file {
                *last = Some(name.into());
            }
            last.clone()
        });
        let file = file
            .ok_or_else(|| serde::de::Error::custom("a place stored without a file before it"))?;
        Ok(Loc { file, line })
    }
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// How serious a dictionary problem is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum Severity {
    /// The entry was read, but something is odd.
    Warning,
    /// The entry was skipped.
    Error,
}

/// A problem found while reading a dictionary.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Diagnostic {
    /// Where.
    pub loc: Loc,
    /// How serious.
    pub severity: Severity,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{}: {}: {}", self.loc, s, self.message)
    }
}

/// An actor phrase and its codes.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Actor {
    /// The phrase as written.
    pub text: String,
    /// The first phrase of its synonym group (TABARI's "parent").
    pub parent: String,
    /// Its codes, possibly date-restricted.
    pub codes: ActorCodes,
    /// Where it was written.
    pub loc: Loc,
}

/// An agent phrase: a role attached to a nearby actor.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Agent {
    /// The phrase as written.
    pub text: String,
    /// The role code, e.g. `GOV`; empty for a null agent.
    pub code: String,
    /// True for `[NGO~]` (role goes before the actor code), false for `[~GOV]`.
    pub prefix: bool,
    /// True when the agent is null-coded.
    pub null: bool,
    /// Where it was written.
    pub loc: Loc,
}

impl Agent {
    /// The code as a dictionary writes it, with `~` on the side the actor code goes:
    /// `NGO~` or `~GOV`.
    pub fn written_code(&self) -> String {
        if self.prefix {
            [self.code.as_str(), "~"].concat()
        } else {
            ["~", self.code.as_str()].concat()
        }
    }
}

/// A verb root with its default code and patterns.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Verb {
    /// The root as written.
    pub text: String,
    /// The code when no pattern matches.
    pub code: EventCode,
    /// Index into [`Dictionaries::pattern_groups`]: verbs of one block share patterns.
    pub group: u32,
    /// Further pattern groups, when the same verb appears in several blocks.
    pub extra_groups: Vec<u32>,
    /// Where it was written.
    pub loc: Loc,
}

/// The bits of [`Dictionaries::verb_traits`].
pub mod verb_traits {
    use super::{code::Special, Dictionaries, EventCode, Verb};

    /// The verb's own code is `###`.
    pub const DISCARD: u8 = 1;
    /// The verb's own code is `+++`.
    pub const COMPLEX: u8 = 2;
    /// The verb's own code is `---`.
    pub const NULL: u8 = 4;
    /// The verb has patterns (in its group or in further groups).
    pub const HAS_PATTERNS: u8 = 8;
    /// The verb can end coding whatever the actors: its own code is `###` or `+++`,
    /// or one of its groups has patterns that end with such a code.
    pub const MAY_END: u8 = 16;

    /// The traits of `verb` in `d` (whose pattern indexes are built).
    pub(super) fn of(verb: &Verb, d: &Dictionaries) -> u8 {
        let mut t = match verb.code {
            EventCode::Special(Special::Discard) => DISCARD,
            EventCode::Special(Special::Complex) => COMPLEX,
            EventCode::Special(Special::Null) => NULL,
            _ => 0,
        };
        if !d.pattern_groups[verb.group as usize].is_empty() || !verb.extra_groups.is_empty() {
            t |= HAS_PATTERNS;
        }
        let mut groups = std::iter::once(verb.group).chain(verb.extra_groups.iter().copied());
        if verb.code.ends_coding() || groups.any(|g| !d.pattern_index[g as usize].ending.is_empty())
        {
            t |= MAY_END;
        }
        t
    }
}

/// A time-shift phrase.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct TimeShift {
    /// The phrase as written.
    pub text: String,
    /// Days to shift, or a special code.
    pub shift: TimeValue,
    /// Where it was written.
    pub loc: Loc,
}

/// What a time phrase does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TimeValue {
    /// Move the event date by this many days.
    Days(i32),
    /// A special code.
    Special(code::Special),
}

/// An attribution phrase (TABARI `<ATTRIB>`).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Attribution {
    /// The phrase as written.
    pub text: String,
    /// The attribution code.
    pub code: String,
}

/// A discard phrase.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Discard {
    /// The phrase as written.
    pub text: String,
    /// True when the whole story is discarded, not only the sentence.
    pub story: bool,
    /// Where it was written.
    pub loc: Loc,
}

/// An issue phrase.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Issue {
    /// The phrase as written.
    pub text: String,
    /// The issue code.
    pub code: String,
    /// The category index.
    pub category: u32,
    /// True for a `~` phrase that cancels the category.
    pub cancel: bool,
}

/// The bits of [`Dictionaries::id_roles`].
pub mod roles {
    /// The id begins a phrase of `index_loose`.
    pub const LOOSE: u8 = 1;
    /// The id is in `pair_firsts`.
    pub const PAIR_FIRST: u8 = 2;
    /// The id is in `pair_seconds`.
    pub const PAIR_SECOND: u8 = 4;
    /// The id is in `pattern_words`.
    pub const PATTERN: u8 = 8;
    /// The id begins a discard phrase.
    pub const DISCARD: u8 = 16;
    /// The id begins an issue phrase.
    pub const ISSUE: u8 = 32;
}

/// One of 64 bits standing for the word id `id` in small sets of ids (a pair
/// signature, see [`Dictionaries::pair_signatures`]; the words a phrase still needs,
/// see [`phrase::Phrase::later_bits`]): two ids with different bits differ.
pub fn word_bit(id: u32) -> u64 {
    1u64 << (id.wrapping_mul(0x9E37_79B1) >> 26)
}

/// A set of byte strings that may answer "maybe" for strings not in it, never "no"
/// for strings in it (a one-hash Bloom filter of 2^18 bits). The hash is computed a
/// byte at a time, so that the prefixes of a word are tested in one pass.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct WordFilter {
    bits: Box<[u64]>,
}

const WORD_FILTER_LOG2: u32 = 18;

impl Default for WordFilter {
    fn default() -> Self {
        WordFilter {
            bits: vec![0u64; 1 << (WORD_FILTER_LOG2 - 6)].into(),
        }
    }
}

impl WordFilter {
    /// The hash of the empty string.
    pub const START: u64 = 0xcbf2_9ce4_8422_2325;

    /// The hash of a string extended by `byte` (FNV-1a).
    pub fn step(hash: u64, byte: u8) -> u64 {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    }

    fn bit(hash: u64) -> usize {
        (hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - WORD_FILTER_LOG2)) as usize
    }

    /// The hash of a whole string.
    pub fn hash(text: &[u8]) -> u64 {
        text.iter().fold(Self::START, |h, &c| Self::step(h, c))
    }

    /// Adds a string.
    pub fn insert(&mut self, text: &[u8]) {
        let b = Self::bit(Self::hash(text));
        self.bits[b / 64] |= 1 << (b % 64);
    }

    /// False when the string of this hash was never added.
    pub fn may_contain(&self, hash: u64) -> bool {
        let b = Self::bit(hash);
        self.bits[b / 64] & (1 << (b % 64)) != 0
    }
}

/// What a dictionary phrase is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum EntryKind {
    /// Index into [`Dictionaries::actors`].
    Actor(u32),
    /// Index into [`Dictionaries::agents`].
    Agent(u32),
    /// Index into [`Dictionaries::verbs`].
    Verb(u32),
    /// A noun from `<NOUN>`.
    Noun,
    /// An adjective from `<ADJECTIVE>`.
    Adjective,
    /// Index into [`Dictionaries::times`].
    Time(u32),
    /// Index into [`Dictionaries::attributions`].
    Attrib(u32),
}

/// A phrase in the lookup index.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    /// The phrase.
    pub phrase: Phrase,
    /// What it is.
    pub kind: EntryKind,
    /// Matching priority: longer first.
    pub weight: usize,
}

/// (first word id, member index) pairs of a synonym set, sorted.
pub type FirstWords = Box<[(u32, u32)]>;

/// Patterns of one verb group keyed by a required word.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct PatternIndex {
    /// Pattern positions (in the group) by the id of a word the pattern needs.
    pub by_word: HashMap<u32, Vec<u32>>,
    /// Patterns with no word to key on.
    pub always: Vec<u32>,
    /// The patterns coded `###` or `+++`: matching one ends coding even in a sentence
    /// with no actor.
    pub ending: Vec<u32>,
    /// For each pattern of the group, in its order, what the coder needs to order and
    /// rule out candidates, packed together: trying a verb's patterns then reads one
    /// small array instead of each pattern's scattered parts.
    pub brief: Vec<PatternBrief>,
    /// A 256-bit filter of the ids of `by_word` (see [`PatternIndex::may_key`]): most
    /// of a sentence's words are ruled out without a lookup in the map.
    pub key_filter: [u64; 4],
}

impl PatternIndex {
    /// The bit of `id` in [`PatternIndex::key_filter`]: its word and the bit in it.
    fn key_bit(id: u32) -> (usize, u64) {
        let h = id.wrapping_mul(0x9E37_79B1) >> 24;
        ((h >> 6) as usize, 1u64 << (h & 63))
    }

    /// False when no pattern of the group is keyed on `id`; true when one may be.
    pub fn may_key(&self, id: u32) -> bool {
        let (word, bit) = Self::key_bit(id);
        self.key_filter[word] & bit != 0
    }
}

/// What a verb's candidate patterns are ordered and mostly ruled out by (see
/// [`PatternIndex::brief`]).
#[derive(Clone, Copy, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct PatternBrief {
    /// The pattern's weight ([`pattern::Pattern::weight`]).
    pub weight: usize,
    /// The [`word_bit`]s of the literal words it needs before the verb ...
    pub lower_bits: u64,
    /// ... and after it: tokens lacking one of them cannot match it.
    pub upper_bits: u64,
}

/// Which families of dictionary files the set came from; this selects a few rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum Flavor {
    /// TABARI 0.8 files.
    #[default]
    Tabari,
    /// PETRARCH-1 files (and dyad's own).
    Petrarch,
}

/// Compiled dictionaries: immutable, `Send + Sync`, shared by all coding threads.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Dictionaries {
    /// Interned words of every phrase and pattern.
    pub vocab: Vocab,
    /// Actor phrases.
    // (Stored by the cache in a part of their own: see `cache::load`.)
    #[serde(skip)]
    pub actors: Vec<Actor>,
    /// Agent phrases.
    // (Stored by the cache in a part of their own: see `cache::load`.)
    #[serde(skip)]
    pub agents: Vec<Agent>,
    /// Verb roots and forms.
    pub verbs: Vec<Verb>,
    /// Patterns of each verb group, longest first.
    pub pattern_groups: Vec<Vec<Pattern>>,
    /// For each group, its patterns by a word they cannot match without, so a verb
    /// tries only the patterns whose words occur in the sentence.
    pub pattern_index: Vec<PatternIndex>,
    /// What the tagger and the coder's shortcuts read of every verb met, one byte per
    /// verb in the order of `verbs` ([`verb_traits`] bits): this small array stays in
    /// the processor's caches, where the verbs themselves (with their texts) do not.
    pub verb_traits: Vec<u8>,
    /// Synonym sets: each member is a sequence of pattern items.
    pub synsets: Vec<Vec<Vec<Item>>>,
    /// For each synonym set, (first word id, member index) of its members sorted, or
    /// `None` when some member does not begin with a word. The coder tries only the
    /// members a token can begin, and skips the set when there are none.
    pub synset_first_words: Vec<Option<FirstWords>>,
    /// For each synonym set with first words, their [`word_bit`]s (a token none of
    /// whose ids has one of them begins no member); 0 for the others.
    pub synset_first_bits: Vec<u64>,
    /// Synonym set names, parallel to `synsets`.
    pub synset_names: Vec<String>,
    /// Time-shift phrases.
    pub times: Vec<TimeShift>,
    /// Attribution phrases.
    pub attributions: Vec<Attribution>,
    /// Discard phrases with the phrase to match.
    pub discards: Vec<(Phrase, Discard)>,
    /// Issue categories (name, type) and phrases.
    pub issue_categories: Vec<String>,
    /// Issue phrases with the phrase to match.
    pub issues: Vec<(Phrase, Issue)>,
    /// Discards by the id of their first word.
    pub discard_index: HashMap<u32, Vec<u32>>,
    /// Issues by the id of their first word.
    pub issue_index: HashMap<u32, Vec<u32>>,
    /// The [`phrase::Phrase::later_bits`] of each discard phrase, and of each issue
    /// phrase, in their order: most candidates are ruled out by these small arrays
    /// without reading the phrases.
    pub discard_later_bits: Vec<u64>,
    /// See `discard_later_bits`.
    pub issue_later_bits: Vec<u64>,
    /// Every phrase of the index.
    // (Stored by the cache in a part of their own: see `cache::load`.)
    #[serde(skip)]
    pub entries: Vec<Entry>,
    /// Entries by the id of their first word, longest first.
    pub index: HashMap<u32, Vec<u32>>,
    /// The same entries split for the coder: those of one word or whose second word
    /// may come later, by first word ...
    pub index_loose: HashMap<u32, Vec<u32>>,
    /// ... and those whose second word must follow at once, by both words' ids packed
    /// as `first << 32 | second`. A token then tries only the phrases its neighbour
    /// can continue, not every phrase that starts with it.
    pub index_pairs: HashMap<u64, Vec<u32>>,
    /// Ids that begin some entry of `index_pairs`.
    pub pair_firsts: rustc_hash::FxHashSet<u32>,
    /// Ids that are the second word of some entry of `index_pairs`.
    pub pair_seconds: rustc_hash::FxHashSet<u32>,
    /// For each id that begins an entry of `index_pairs`, the [`word_bit`]s of the
    /// second words it is paired with: a cheap test that rules out most word pairs
    /// before the index is consulted.
    pub pair_signatures: HashMap<u32, u64>,
    /// Ids of the words some pattern cannot match without (see [`PatternIndex`]): the
    /// only words the coder needs to locate in a sentence for patterns.
    pub pattern_words: rustc_hash::FxHashSet<u32>,
    /// For each id in one of the sets above that the coder looks a word's ids up in
    /// (`index_loose`, `pair_firsts`, `pair_seconds`, `pattern_words`,
    /// `discard_index`, `issue_index`), the [`roles`] bits of those it is in: one
    /// lookup instead of six for each id of a word met for the first time.
    pub id_roles: HashMap<u32, u8>,
    /// Problems found while reading.
    pub diagnostics: Vec<Diagnostic>,
    /// The family of the verb files.
    pub flavor: Flavor,
    /// A number unique to this set in the process (caches key on it).
    pub instance: u64,
    /// A synonym-set match counts the letters of the member that matched (PETRARCH).
    pub count_synsets: bool,
    /// Bit `n` is set when some dictionary word matched as a stem has `n` bytes: a
    /// token's prefixes of other lengths need no lookup.
    pub stem_lengths: u64,
    /// A bit per [`WordFilter`] hash of every word matched as a stem: a token's prefix
    /// whose bit is clear is no stem and needs no lookup.
    pub stem_filter: WordFilter,
    /// The same for the words that accept regular endings: a token's base (the token
    /// without an ending) that is none of them needs no lookup.
    pub ending_filter: WordFilter,
    /// Regular endings follow English spelling (`-ES` only after sibilants and O), as
    /// PETRARCH generates verb forms; TABARI accepts any of its endings on any word.
    pub strict_endings: bool,
    /// Counts of phrases read, by file.
    pub file_counts: Vec<(String, String, usize)>,
}

/// Collects dictionary entries from any reader, then compiles them.
#[derive(Debug, Default)]
pub struct DictBuilder {
    /// The dictionaries being built.
    pub d: Dictionaries,
    synset_ids: HashMap<String, u32>,
    synset_weights: Vec<usize>,
    seen_actor: HashMap<Phrase, u32>,
    seen_verb: HashMap<Phrase, u32>,
    /// Warn about duplicate entries (TABARI `SET: DUP WARNING`).
    pub dup_warning: bool,
    /// Synonym sets count the letters of their longest member when patterns are
    /// ordered, and of the member that matched when a match is weighed (PETRARCH-1 and
    /// dyad's own files; TABARI gives sets no length).
    pub set_lengths: bool,
    /// PETRARCH-1 matching: actor and agent words are whole words (with regular
    /// endings), never stems.
    pub whole_words: bool,
}

impl DictBuilder {
    /// A new, empty builder.
    pub fn new() -> DictBuilder {
        DictBuilder {
            dup_warning: true,
            ..Default::default()
        }
    }

    /// The settings that change what this builder makes of the same files (a
    /// compiled set is cached under them: a new setting belongs here).
    pub fn settings(&self) -> String {
        format!(
            "dup_warning={} set_lengths={} whole_words={} strict_endings={}",
            self.dup_warning, self.set_lengths, self.whole_words, self.d.strict_endings
        )
    }

    /// Makes room for `n` more actor phrases.
    pub fn reserve_phrases(&mut self, n: usize) {
        self.d.actors.reserve(n);
        self.d.entries.reserve(n);
        self.seen_actor.reserve(n);
        self.d.vocab.reserve(n);
    }

    /// Records a problem.
    pub fn diag(&mut self, loc: &Loc, severity: Severity, message: impl Into<String>) {
        self.d.diagnostics.push(Diagnostic {
            loc: loc.clone(),
            severity,
            message: message.into(),
        });
    }

    fn push_entry(&mut self, phrase: Phrase, kind: EntryKind) {
        let weight = phrase.weight(&self.d.vocab);
        self.d.entries.push(Entry {
            phrase,
            kind,
            weight,
        });
    }

    /// Parses a plain phrase, reporting a problem at `loc` when it is unusable.
    pub fn phrase(&mut self, text: &str, loc: &Loc, endings: bool) -> Option<Phrase> {
        let t = text.trim();
        if t.is_empty() {
            self.diag(loc, Severity::Error, "phrase missing");
            return None;
        }
        if t.contains(['[', ']', '{', '}', '*', '$', '%', '^']) {
            self.diag(
                loc,
                Severity::Error,
                format!("unexpected character in phrase {t:?}"),
            );
            return None;
        }
        if t.contains('&') {
            self.diag(
                loc,
                Severity::Warning,
                format!("'&' in phrase {t:?} read as a literal character, not a synonym set"),
            );
        }
        let p = phrase::parse_phrase(t, &mut self.d.vocab, endings);
        if p.is_none() {
            self.diag(loc, Severity::Error, format!("unusable phrase {t:?}"));
        }
        p
    }

    /// A noun phrase (actor, agent) under the set's word rules.
    fn noun_phrase(&mut self, text: &str, loc: &Loc) -> Option<Phrase> {
        let mut p = self.phrase(text, loc, true)?;
        if self.whole_words {
            for w in &mut p.words {
                if w.mode == phrase::WordMode::Stem {
                    w.mode = phrase::WordMode::Word;
                }
            }
            if let Some(last) = p.words.last_mut() {
                last.endings = last.mode == phrase::WordMode::Word;
            }
        }
        Some(p)
    }

    /// Adds an actor phrase.
    pub fn add_actor(&mut self, text: &str, parent: &str, codes: ActorCodes, loc: Loc) {
        let Some(p) = self.noun_phrase(text, &loc) else {
            return;
        };
        if let Some(&prev) = self.seen_actor.get(&p) {
            let prev_loc = self.d.actors[prev as usize].loc.clone();
            if self.d.actors[prev as usize].codes != codes {
                self.diag(
                    &loc,
                    Severity::Warning,
                    format!("actor {text:?} already defined with other codes at {prev_loc}; the first entry is used"),
                );
            } else if self.dup_warning {
                self.diag(
                    &loc,
                    Severity::Warning,
                    format!("duplicate actor {text:?} (first at {prev_loc})"),
                );
            }
            return;
        }
        let id = self.d.actors.len() as u32;
        self.seen_actor.insert(p.clone(), id);
        self.d.actors.push(Actor {
            text: text.trim().to_string(),
            parent: parent.trim().to_string(),
            codes,
            loc,
        });
        self.push_entry(p, EntryKind::Actor(id));
    }

    /// Adds an agent phrase.
    pub fn add_agent(&mut self, text: &str, code: &str, loc: Loc) {
        let c = code.trim();
        let (code, prefix, null) = if code::special(c) == Some(code::Special::Null) {
            (String::new(), false, true)
        } else if let Some(s) = c.strip_prefix('~') {
            (s.trim().to_ascii_uppercase(), false, false)
        } else if let Some(s) = c.strip_suffix('~') {
            (s.trim().to_ascii_uppercase(), true, false)
        } else {
            self.diag(
                &loc,
                Severity::Error,
                format!("agent code [{c}] has no ~ connector"),
            );
            return;
        };
        let Some(p) = self.noun_phrase(text, &loc) else {
            return;
        };
        let id = self.d.agents.len() as u32;
        self.d.agents.push(Agent {
            text: text.trim().to_string(),
            code,
            prefix,
            null,
            loc,
        });
        self.push_entry(p, EntryKind::Agent(id));
    }

    /// Adds a noun or adjective.
    pub fn add_word_class(&mut self, text: &str, noun: bool, loc: Loc) {
        if let Some(p) = self.phrase(text, &loc, true) {
            self.push_entry(
                p,
                if noun {
                    EntryKind::Noun
                } else {
                    EntryKind::Adjective
                },
            );
        }
    }

    /// Starts a new pattern group and returns its id.
    pub fn new_group(&mut self) -> u32 {
        self.d.pattern_groups.push(Vec::new());
        (self.d.pattern_groups.len() - 1) as u32
    }

    /// Adds a verb form (root or irregular form) belonging to `group`. Returns the verb id.
    /// When the same form was already defined, its entry is reused (patterns merge).
    pub fn add_verb(
        &mut self,
        text: &str,
        code: EventCode,
        group: u32,
        loc: Loc,
        endings: bool,
    ) -> Option<u32> {
        let p = self.phrase(text, &loc, endings)?;
        if let Some(&prev) = self.seen_verb.get(&p) {
            let prev_verb = &self.d.verbs[prev as usize];
            let prev_loc = prev_verb.loc.clone();
            // The same verb (or form) again: keep the first non-null root code.
            if prev_verb.code.is_null() && !code.is_null() {
                self.d.verbs[prev as usize].code = code;
                self.d.verbs[prev as usize].loc = loc.clone();
            }
            let prev_verb = &self.d.verbs[prev as usize];
            if prev_verb.group != group {
                // The same verb in another block: its patterns are merged through the
                // verb's extra groups.
                if self.dup_warning && self.d.flavor == Flavor::Tabari {
                    self.diag(
                        &loc,
                        Severity::Warning,
                        format!("duplicate verb {text:?} (first at {prev_loc})"),
                    );
                }
                return Some(prev);
            }
            return Some(prev);
        }
        let id = self.d.verbs.len() as u32;
        self.seen_verb.insert(p.clone(), id);
        self.d.verbs.push(Verb {
            text: text.trim().to_string(),
            code,
            group,
            extra_groups: Vec::new(),
            loc,
        });
        self.push_entry(p, EntryKind::Verb(id));
        Some(id)
    }

    /// The group of an existing verb.
    pub fn verb_group(&self, verb: u32) -> u32 {
        self.d.verbs[verb as usize].group
    }

    /// Parses and adds a pattern to `group`.
    pub fn add_pattern(&mut self, group: u32, text: &str, code: &str, loc: Loc) {
        let code = match EventCode::parse(code) {
            Ok(c) => c,
            Err(e) => {
                self.diag(&loc, Severity::Error, e);
                return;
            }
        };
        let set_weights: &[usize] = if self.whole_words {
            &self.synset_weights
        } else {
            &[]
        };
        match pattern::parse_pattern(text, &mut self.d.vocab, &self.synset_ids, set_weights) {
            Ok((mut lower, verb_link, mut upper, weight)) => {
                if self.whole_words {
                    whole_word_items(&mut lower);
                    whole_word_items(&mut upper);
                }
                self.d.pattern_groups[group as usize].push(Pattern {
                    lower,
                    verb_link,
                    upper,
                    code,
                    weight,
                    text: text.trim().to_string(),
                    loc,
                    required: Vec::new(),
                    required_any: Vec::new(),
                    alt_weight: 0,
                });
            }
            Err(e) => self.diag(&loc, Severity::Error, format!("{e}: {:?}", text.trim())),
        }
    }

    /// Declares a synonym set and returns its id.
    pub fn declare_synset(&mut self, name: &str) -> u32 {
        let name = name.trim().trim_end_matches('_').to_ascii_uppercase();
        if let Some(&id) = self.synset_ids.get(&name) {
            return id;
        }
        let id = self.d.synsets.len() as u32;
        self.d.synsets.push(Vec::new());
        self.d.synset_names.push(name.clone());
        self.synset_weights.push(0);
        self.synset_ids.insert(name.clone(), id);
        // Patterns may also write the name with a trailing underscore.
        self.synset_ids.insert(format!("{name}_"), id);
        id
    }

    /// Adds a member to a synonym set.
    pub fn add_synset_member(&mut self, set: u32, text: &str, loc: &Loc) {
        let own = self.d.synset_names[set as usize].clone();
        if text.contains(&format!("&{own}")) {
            self.diag(
                loc,
                Severity::Error,
                format!("synonym set &{own} refers to itself"),
            );
            return;
        }
        let probe = format!("* {}", text.trim());
        match pattern::parse_pattern(
            &probe,
            &mut self.d.vocab,
            &self.synset_ids,
            &self.synset_weights,
        ) {
            Ok((_, _, mut items, w)) if !items.is_empty() => {
                // Members match as written: no regular endings.
                for it in &mut items {
                    if let pattern::Elem::Word(pw) = &mut it.elem {
                        pw.endings = false;
                    }
                }
                let sw = &mut self.synset_weights[set as usize];
                *sw = (*sw).max(w);
                self.d.synsets[set as usize].push(items);
            }
            Ok(_) => self.diag(loc, Severity::Error, "empty synonym"),
            Err(e) => self.diag(loc, Severity::Error, e),
        }
    }

    /// Adds a time-shift phrase.
    pub fn add_time(&mut self, text: &str, shift: TimeValue, loc: Loc) {
        let Some(p) = self.phrase(text, &loc, true) else {
            return;
        };
        let id = self.d.times.len() as u32;
        self.d.times.push(TimeShift {
            text: text.trim().into(),
            shift,
            loc,
        });
        self.push_entry(p, EntryKind::Time(id));
    }

    /// Adds an attribution phrase.
    pub fn add_attribution(&mut self, text: &str, code: &str, loc: Loc) {
        let Some(p) = self.phrase(text, &loc, true) else {
            return;
        };
        let id = self.d.attributions.len() as u32;
        self.d.attributions.push(Attribution {
            text: text.trim().into(),
            code: code.trim().to_ascii_uppercase(),
        });
        self.push_entry(p, EntryKind::Attrib(id));
    }

    /// Adds a discard phrase.
    pub fn add_discard(&mut self, text: &str, story: bool, loc: Loc) {
        let Some(p) = self.phrase(text, &loc, true) else {
            return;
        };
        self.d.discards.push((
            p,
            Discard {
                text: text.trim().into(),
                story,
                loc,
            },
        ));
    }

    /// Adds an issue category and returns its index.
    pub fn add_issue_category(&mut self, name: &str) -> u32 {
        self.d.issue_categories.push(name.to_string());
        (self.d.issue_categories.len() - 1) as u32
    }

    /// Adds an issue phrase.
    pub fn add_issue(&mut self, text: &str, code: &str, category: u32, cancel: bool, loc: Loc) {
        let Some(p) = self.phrase(text, &loc, true) else {
            return;
        };
        self.d.issues.push((
            p,
            Issue {
                text: text.trim().into(),
                code: code.trim().to_string(),
                category,
                cancel,
            },
        ));
    }

    /// Compiles the index and returns the finished dictionaries.
    pub fn build(mut self) -> Dictionaries {
        self.d.strict_endings |= self.whole_words;
        self.d.count_synsets = self.whole_words || self.set_lengths;
        let synsets = std::mem::take(&mut self.d.synsets);
        let vocab = &self.d.vocab;
        let mut indexes = Vec::with_capacity(self.d.pattern_groups.len());
        let with_sets = self.whole_words || self.set_lengths;
        for g in &mut self.d.pattern_groups {
            // Lengths are settled now that every set has all its members: the letters
            // of the fixed words, plus the longest branch of each alternative, plus (in
            // PETRARCH's reading) the longest member of each set.
            for p in g.iter_mut() {
                let mut variable = pattern::max_alt_weight(&p.lower, vocab)
                    + pattern::max_alt_weight(&p.upper, vocab);
                if with_sets {
                    for it in p.lower.iter().chain(p.upper.iter()) {
                        if let pattern::Elem::Synset(id) = it.elem {
                            variable += self.synset_weights.get(id as usize).copied().unwrap_or(0);
                        }
                    }
                }
                let fixed: usize = p
                    .lower
                    .iter()
                    .chain(p.upper.iter())
                    .map(|it| match &it.elem {
                        pattern::Elem::Word(w) => vocab
                            .get(w.id)
                            .chars()
                            .filter(|c| c.is_alphanumeric())
                            .count(),
                        _ => 0,
                    })
                    .sum();
                p.alt_weight = variable;
                p.weight = fixed + variable;
            }
            // Longest first; the sort is stable so equal lengths keep file order.
            g.sort_by_key(|p| std::cmp::Reverse(p.weight));
            let mut idx = PatternIndex::default();
            for (i, p) in g.iter_mut().enumerate() {
                p.compute_required(&synsets);
                let side_bits = |upper: bool| {
                    p.required
                        .iter()
                        .filter(|&&(_, u)| u == upper)
                        .fold(0, |bits, (w, _)| bits | word_bit(w.id))
                };
                idx.brief.push(PatternBrief {
                    weight: p.weight,
                    lower_bits: side_bits(false),
                    upper_bits: side_bits(true),
                });
                if p.code.ends_coding() {
                    idx.ending.push(i as u32);
                }
                self.d
                    .pattern_words
                    .extend(p.required.iter().map(|(w, _)| w.id));
                for (words, _) in &p.required_any {
                    self.d.pattern_words.extend(words.iter().map(|w| w.id));
                }
                // Key on the longest required word; else on every branch word of one
                // alternative set; else the pattern is always tried.
                if let Some((w, _)) = p.required.iter().max_by_key(|(w, _)| vocab.get(w.id).len()) {
                    idx.by_word.entry(w.id).or_default().push(i as u32);
                } else if let Some((words, _)) = p.required_any.first() {
                    for w in words {
                        let v = idx.by_word.entry(w.id).or_default();
                        if v.last() != Some(&(i as u32)) {
                            v.push(i as u32);
                        }
                    }
                } else {
                    idx.always.push(i as u32);
                }
            }
            for &id in idx.by_word.keys() {
                let (word, bit) = PatternIndex::key_bit(id);
                idx.key_filter[word] |= bit;
            }
            indexes.push(idx);
        }
        self.d.pattern_index = indexes;
        self.d.verb_traits = self
            .d
            .verbs
            .iter()
            .map(|v| verb_traits::of(v, &self.d))
            .collect();
        self.d.synset_first_words = synsets
            .iter()
            .map(|members| {
                let mut ids = Vec::with_capacity(members.len());
                for (k, m) in members.iter().enumerate() {
                    match m.first().map(|it| &it.elem) {
                        Some(pattern::Elem::Word(w)) => ids.push((w.id, k as u32)),
                        _ => return None,
                    }
                }
                ids.sort_unstable();
                Some(ids.into_boxed_slice())
            })
            .collect();
        self.d.synset_first_bits = self
            .d
            .synset_first_words
            .iter()
            .map(|firsts| {
                firsts
                    .iter()
                    .flat_map(|f| f.iter())
                    .fold(0, |bits, &(id, _)| bits | word_bit(id))
            })
            .collect();
        self.d.synsets = synsets;
        // Stem lengths and hashes, from every phrase and pattern word.
        let mut mask = 0u64;
        let mut filter = WordFilter::default();
        let mut ending_filter = WordFilter::default();
        let mut note = |w: &PWord| {
            if w.mode == phrase::WordMode::Stem {
                let text = self.d.vocab.get(w.id);
                let n = text.len();
                mask |= if n < 64 { 1u64 << n } else { 1u64 << 63 };
                filter.insert(text.as_bytes());
            } else if w.mode == phrase::WordMode::Word && w.endings {
                ending_filter.insert(self.d.vocab.get(w.id).as_bytes());
            }
        };
        fn items_words(items: &[Item], f: &mut dyn FnMut(&PWord)) {
            for it in items {
                match &it.elem {
                    pattern::Elem::Word(w) => f(w),
                    pattern::Elem::Alt(alts) => alts.iter().for_each(|a| items_words(a, f)),
                    _ => {}
                }
            }
        }
        for e in &self.d.entries {
            e.phrase.words.iter().for_each(&mut note);
        }
        let phrases = self
            .d
            .discards
            .iter()
            .map(|(p, _)| p)
            .chain(self.d.issues.iter().map(|(p, _)| p));
        for p in phrases {
            p.words.iter().for_each(&mut note);
        }
        for g in &self.d.pattern_groups {
            for p in g {
                items_words(&p.lower, &mut note);
                items_words(&p.upper, &mut note);
            }
        }
        for members in &self.d.synsets {
            for m in members {
                items_words(m, &mut note);
            }
        }
        self.d.stem_lengths = mask;
        self.d.stem_filter = filter;
        self.d.ending_filter = ending_filter;
        self.d.instance = next_instance();
        let mut index: HashMap<u32, Vec<u32>> = HashMap::default();
        for (i, e) in self.d.entries.iter().enumerate() {
            index
                .entry(e.phrase.words[0].id)
                .or_default()
                .push(i as u32);
        }
        let entries = &self.d.entries;
        for list in index.values_mut() {
            list.sort_by(|&a, &b| {
                let (ea, eb) = (&entries[a as usize], &entries[b as usize]);
                eb.weight
                    .cmp(&ea.weight)
                    .then(eb.phrase.words.len().cmp(&ea.phrase.words.len()))
                    .then(eb.phrase.is_contiguous().cmp(&ea.phrase.is_contiguous()))
                    .then(a.cmp(&b))
            });
        }
        let mut loose: HashMap<u32, Vec<u32>> = HashMap::default();
        let mut pairs: HashMap<u64, Vec<u32>> = HashMap::default();
        for (&first, list) in &index {
            for &e in list {
                let p = &entries[e as usize].phrase;
                match (p.links.first(), p.words.get(1)) {
                    (Some(phrase::Link::Adjacent), Some(second)) => {
                        self.d.pair_firsts.insert(first);
                        self.d.pair_seconds.insert(second.id);
                        *self.d.pair_signatures.entry(first).or_default() |= word_bit(second.id);
                        pairs
                            .entry(u64::from(first) << 32 | u64::from(second.id))
                            .or_default()
                            .push(e)
                    }
                    _ => loose.entry(first).or_default().push(e),
                }
            }
        }
        self.d.index = index;
        self.d.index_loose = loose;
        self.d.index_pairs = pairs;
        for (i, (p, _)) in self.d.discards.iter().enumerate() {
            self.d
                .discard_index
                .entry(p.words[0].id)
                .or_default()
                .push(i as u32);
        }
        for (i, (p, _)) in self.d.issues.iter().enumerate() {
            self.d
                .issue_index
                .entry(p.words[0].id)
                .or_default()
                .push(i as u32);
        }
        self.d.discard_later_bits = self.d.discards.iter().map(|(p, _)| p.later_bits).collect();
        self.d.issue_later_bits = self.d.issues.iter().map(|(p, _)| p.later_bits).collect();
        let d = &mut self.d;
        let mut id_roles: HashMap<u32, u8> = HashMap::default();
        let mut mark = |ids: &mut dyn Iterator<Item = u32>, role: u8| {
            for id in ids {
                *id_roles.entry(id).or_default() |= role;
            }
        };
        mark(&mut d.index_loose.keys().copied(), roles::LOOSE);
        mark(&mut d.pair_firsts.iter().copied(), roles::PAIR_FIRST);
        mark(&mut d.pair_seconds.iter().copied(), roles::PAIR_SECOND);
        mark(&mut d.pattern_words.iter().copied(), roles::PATTERN);
        mark(&mut d.discard_index.keys().copied(), roles::DISCARD);
        mark(&mut d.issue_index.keys().copied(), roles::ISSUE);
        d.id_roles = id_roles;
        self.d
    }
}

/// PETRARCH-1 reads pattern words as whole words, exactly as written.
fn whole_word_items(items: &mut [Item]) {
    for it in items {
        match &mut it.elem {
            pattern::Elem::Word(w) => {
                w.mode = phrase::WordMode::Word;
                w.endings = false;
            }
            pattern::Elem::Alt(alts) => {
                for a in alts {
                    whole_word_items(a);
                }
            }
            _ => {}
        }
    }
}

impl Dictionaries {
    /// Text of a dictionary word.
    pub fn word(&self, w: PWord) -> &str {
        self.vocab.get(w.id)
    }

    /// Errors (entries that were skipped) among the diagnostics.
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }
}

/// A number no other dictionary set of the process has (see
/// [`Dictionaries::instance`]).
pub(crate) fn next_instance() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

#[cfg(test)]
mod tests {
    use super::WordFilter;

    fn hash(text: &str) -> u64 {
        text.bytes().fold(WordFilter::START, WordFilter::step)
    }

    proptest::proptest! {
        #[test]
        fn word_filter_never_forgets_a_word(stems in proptest::collection::vec("[A-Z]{1,12}", 0..300)) {
            let mut f = WordFilter::default();
            for s in &stems {
                f.insert(s.as_bytes());
            }
            for s in &stems {
                proptest::prop_assert!(f.may_contain(hash(s)));
            }
        }
    }

    #[test]
    fn word_filter_rules_out_most_other_strings() {
        let mut f = WordFilter::default();
        for i in 0..1000 {
            f.insert(format!("STEM{i}").as_bytes());
        }
        let maybe = (0..10_000)
            .filter(|i| f.may_contain(hash(&format!("OTHER{i}"))))
            .count();
        // 1,000 of 262,144 bits are set: about 0.4% false positives.
        assert!(maybe < 100, "{maybe} false positives");
    }
}
