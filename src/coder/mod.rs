//! The sparse parser: tags a sentence with dictionary phrases, finds compound
//! actors, pronoun references, comma clauses and conjunction clauses, matches verb
//! patterns and assembles events, following TABARI's rules.

pub mod options;
mod short_table;

use crate::date::Date;
use crate::dict::code::{ActorValue, EventCode, Special};
use crate::dict::pattern::{Elem, Item, Pattern};
use crate::dict::phrase::{Link, PWord, Phrase, WordMode};
use crate::dict::verb_traits;
use crate::dict::{roles, Dictionaries, EntryKind, Loc, TimeValue};
use crate::text::{self, Token};
pub use options::{CodeBy, Options};
use std::sync::LazyLock;

/// One coded event.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Event {
    /// Source actor code.
    pub source: String,
    /// Target actor code.
    pub target: String,
    /// CAMEO event code.
    pub code: String,
    /// Date of the event (the sentence date, moved by a time phrase when one applies).
    pub date: Date,
    /// Text that matched the source.
    pub source_text: String,
    /// Text that matched the target.
    pub target_text: String,
    /// Text of the verb (and pattern words).
    pub verb_text: String,
    /// Issue codes found in the sentence.
    pub issues: Vec<String>,
    /// Attribution code, when an attribution phrase was found.
    pub attribution: Option<String>,
}

/// Why a sentence gave no events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Events were coded.
    Coded,
    /// No event was found.
    NoEvent,
    /// A discard phrase was found.
    Discard {
        /// The whole story is to be discarded.
        story: bool,
        /// The phrase.
        phrase: String,
    },
    /// The sentence met a complexity condition.
    Complex(String),
    /// The sentence has fewer words than the minimum.
    TooShort,
}

/// The result of coding one sentence.
#[derive(Clone, Debug)]
pub struct Coded {
    /// What happened.
    pub status: Status,
    /// The events, in the order found.
    pub events: Vec<Event>,
    /// How they were found, when a trace was requested.
    pub trace: Option<Trace>,
    /// The code of the first actor named in the sentence (without agents), which a
    /// pronoun opening the next sentence can stand for.
    pub lead_actor: Option<String>,
    /// The sentence was longer than `Options::max_words` and was cut.
    pub truncated: bool,
}

/// A record of how a sentence was read, for `dyad explain`.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// Tokens with their tags.
    pub tokens: Vec<(String, String)>,
    /// Dictionary matches: token range, kind, phrase, codes, dictionary location.
    pub matches: Vec<TraceMatch>,
    /// Clause ranges (token indices).
    pub clauses: Vec<(usize, usize)>,
    /// Tokens removed as comma clauses.
    pub deleted: Vec<usize>,
    /// Decisions taken, in order.
    pub steps: Vec<String>,
}

/// A dictionary match in a trace.
#[derive(Clone, Debug)]
pub struct TraceMatch {
    /// First token.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
    /// actor, agent, verb, noun, ...
    pub kind: &'static str,
    /// The dictionary phrase.
    pub phrase: String,
    /// The code(s) on the sentence date.
    pub code: String,
    /// Where the entry was written.
    pub loc: Option<Loc>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag {
    Word,
    Actor,
    Agent,
    Verb,
    Noun,
    Adj,
    Det,
    Pron,
    Conj,
    Aux,
    By,
    Comma,
    Num,
    Time,
    Attrib,
    Null,
}

struct Tok {
    cap: bool,
    info: std::rc::Rc<TokInfo>,
    /// Where the word is in its sentence's [`Sentence::words`]: as written (ASCII
    /// letters and digits) or rewritten by the tokenizer (upper-case).
    from: u32,
    to: u32,
}

/// What the dictionaries know of a word: its own id, the ids of its bases (without a
/// regular ending) and of its prefixes that are stems. It depends only on the word and
/// the dictionaries, so it is computed once per word and thread (see [`analyse_token`]).
///
/// The id lists are stored one after the other in one array, inside the structure
/// when they are short (as for almost every word): the tagger reads several lists of
/// each token, and separate allocations for each would scatter them over memory. The
/// structure is kept small (112 bytes, two cache lines) and holds no text (a token's
/// word is in its sentence): a run caches one for every distinct word of its input
/// that some dictionary knows, each thread its own, and one for each class serves
/// all the words no dictionary knows (see [`WordCache::share`]).
struct TokInfo {
    full: Option<u32>,
    /// The word's class when no dictionary phrase covers it.
    class: Tag,
    /// A bit for each id the word can match (its own, its bases', its prefixes'; see
    /// [`id_bit`]): most words are ruled out by one test.
    id_bits: u64,
    /// The heaviest one-word loose phrase this word matches (weight, entry), the first
    /// listed among equals.
    single: Option<(usize, u32)>,
    /// The kind of the `single` entry (when there is one), so that a word tagged by
    /// it needs no look at the entry.
    single_kind: EntryKind,
    /// The pair signatures of the ids that begin a phrase of `index_pairs`, and the
    /// pair bits of the ids that are the second word of one: a pair of words can begin
    /// such a phrase only if the first's signature and the second's bits meet.
    pair_signature: u64,
    pair_bits: u64,
    /// Where each list ends in the id array (see [`IdList`]).
    ends: [u32; LISTS],
    inline: [u32; INLINE_IDS],
    /// What does not fit: the ids when there are more than `INLINE_IDS` of them, and
    /// the later bits of the `Loose` list's phrases.
    spill: Option<Box<Spill>>,
}

/// The parts of a [`TokInfo`] few words have.
#[derive(Default)]
struct Spill {
    /// All the ids when there are more than `INLINE_IDS` of them (else empty).
    ids: Box<[u32]>,
    /// The [`Phrase::later_bits`] of the `Loose` list's phrases, in its order: the
    /// tagger rules most of them out without reading the phrases.
    loose_later: Box<[u64]>,
}

/// The id lists of a [`TokInfo`], in storage order.
#[derive(Clone, Copy)]
enum IdList {
    /// Ids of the word's bases (without a regular ending).
    Bases,
    /// Ids of its prefixes that are stems.
    Prefixes,
    /// The phrases of `index_loose` of two words or more that begin with one of the
    /// word's ids (their lists one after the other: the tagger needs no index lookup
    /// for them) ...
    Loose,
    /// Of the word's ids: those that begin a phrase of `index_pairs` ...
    PairFirst,
    /// ... those that are the second word of one ...
    PairSecond,
    /// ... those some pattern needs ...
    Pattern,
    /// ... and those that begin a discard or an issue phrase. Most words are none of
    /// these, and skip the lookups at once.
    Discard,
    Issue,
}

const LISTS: usize = 8;
const INLINE_IDS: usize = 2;

impl TokInfo {
    fn new(full: Option<u32>, class: Tag, lists: [&[u32]; LISTS]) -> TokInfo {
        let mut ends = [0u32; LISTS];
        let mut all: Vec<u32> = Vec::new();
        let mut inline = [0u32; INLINE_IDS];
        let total: usize = lists.iter().map(|l| l.len()).sum();
        let mut n = 0usize;
        for (k, list) in lists.iter().enumerate() {
            if total <= INLINE_IDS {
                inline[n..n + list.len()].copy_from_slice(list);
            } else {
                all.extend_from_slice(list);
            }
            n += list.len();
            ends[k] = n as u32;
        }
        let spill = (!all.is_empty()).then(|| {
            Box::new(Spill {
                ids: all.into(),
                loose_later: Box::default(),
            })
        });
        TokInfo {
            full,
            class,
            single: None,
            single_kind: EntryKind::Noun,
            id_bits: full
                .into_iter()
                .chain(lists[IdList::Bases as usize].iter().copied())
                .chain(lists[IdList::Prefixes as usize].iter().copied())
                .fold(0, |bits, id| bits | id_bit(id)),
            pair_signature: 0,
            pair_bits: 0,
            ends,
            inline,
            spill,
        }
    }

    /// Whether no dictionary knows the word (no id, no list, no phrase): such
    /// analyses differ only by their class, and one of each class serves every such
    /// word (see [`WordCache::share`]).
    fn knows_nothing(&self) -> bool {
        self.full.is_none()
            && self.id_bits == 0
            && self.single.is_none()
            && self.pair_signature == 0
            && self.pair_bits == 0
            && self.ends == [0; LISTS]
            && self.spill.is_none()
    }

    /// The [`Spill::loose_later`] bits of the `Loose` list.
    fn loose_later(&self) -> &[u64] {
        self.spill.as_ref().map_or(&[], |s| &s.loose_later)
    }

    /// Whether a dictionary word matches this word.
    fn matches(&self, w: &PWord) -> bool {
        if self.full == Some(w.id) {
            return true;
        }
        match w.mode {
            WordMode::Exact => false,
            WordMode::Word => w.endings && self.list(IdList::Bases).contains(&w.id),
            WordMode::Stem => self.list(IdList::Prefixes).contains(&w.id),
        }
    }

    /// Where a list starts and ends in the id array.
    fn bounds(&self, which: IdList) -> (usize, usize) {
        let k = which as usize;
        let from = if k == 0 { 0 } else { self.ends[k - 1] as usize };
        (from, self.ends[k] as usize)
    }

    fn list_is_empty(&self, which: IdList) -> bool {
        let (from, to) = self.bounds(which);
        from == to
    }

    fn list(&self, which: IdList) -> &[u32] {
        let (from, to) = self.bounds(which);
        // (Most lists of most words are empty.)
        if from == to {
            return &[];
        }
        match &self.spill {
            Some(s) if !s.ids.is_empty() => &s.ids[from..to],
            _ => &self.inline[from..to],
        }
    }
}

/// The built-in class of a word no dictionary phrase covers.
fn word_class(w: &str) -> Tag {
    // (No listed word is longer than five letters.)
    if w.len() > 5 {
        return if w.as_bytes()[0].is_ascii_digit() {
            Tag::Num
        } else {
            Tag::Word
        };
    }
    if DETERMINERS.contains(&w) {
        Tag::Det
    } else if PRONOUNS.contains(&w) {
        Tag::Pron
    } else if CONJUNCTIONS.contains(&w) {
        Tag::Conj
    } else if AUXILIARIES.contains(&w) {
        Tag::Aux
    } else if w == "BY" {
        Tag::By
    } else if w == "," {
        Tag::Comma
    } else if w.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        Tag::Num
    } else {
        Tag::Word
    }
}

/// Word analyses by word. Words of up to 15 bytes (almost all) are keyed by their
/// bytes and length packed in an integer, so that a lookup compares two machine words
/// instead of following a pointer to compare strings.
#[derive(Default)]
struct WordCache {
    short: short_table::ShortTable<std::rc::Rc<TokInfo>>,
    long: rustc_hash::FxHashMap<Box<str>, std::rc::Rc<TokInfo>>,
    /// A sentence's pending words and rewritten words, kept between sentences to
    /// reuse their memory.
    scratch_words: Vec<PendingWord>,
    scratch_text: String,
    /// The analyses of a sentence's words that are not in `short` (see
    /// `analyse_sentence`), emptied after each sentence.
    scratch_infos: Vec<std::rc::Rc<TokInfo>>,
    /// The analysis of the words no dictionary knows, one for each class.
    nothing: Vec<std::rc::Rc<TokInfo>>,
}

impl WordCache {
    fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    fn clear(&mut self) {
        self.short.clear();
        self.long.clear();
        self.nothing.clear();
    }

    /// A word's analysis to keep: the shared one of its class when no dictionary
    /// knows the word (two thirds of the words of a news corpus), so that those words
    /// cost a table slot and no memory of their own.
    fn share(&mut self, info: TokInfo) -> std::rc::Rc<TokInfo> {
        if !info.knows_nothing() {
            return std::rc::Rc::new(info);
        }
        if let Some(shared) = self.nothing.iter().find(|i| i.class == info.class) {
            return shared.clone();
        }
        let shared = std::rc::Rc::new(info);
        self.nothing.push(shared.clone());
        shared
    }

    /// The packed key of a word of at most 15 bytes: its bytes (little-endian, so the
    /// first byte is the lowest) and its length, in one integer that differs for any two
    /// different words.
    fn short_key(word: &str) -> Option<u128> {
        WordCache::short_key_of_bytes(word.as_bytes())
    }

    /// [`WordCache::short_key`] of a word's bytes.
    fn short_key_of_bytes(b: &[u8]) -> Option<u128> {
        let n = b.len();
        if n > 15 {
            return None;
        }
        // Whole-word loads instead of a byte copy. `part` packs up to 7 bytes in the
        // low 56 bits: two 4-byte loads that overlap (the shift drops the overlap), or
        // the first, middle and last of 1 to 3 bytes (some of them the same byte).
        let part = |b: &[u8]| -> u64 {
            let n = b.len();
            if n >= 4 {
                let lo = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                let hi = u32::from_le_bytes([b[n - 4], b[n - 3], b[n - 2], b[n - 1]]);
                u64::from(lo) | (u64::from(hi) >> (8 * (8 - n))) << 32
            } else if n > 0 {
                u64::from(b[0])
                    | u64::from(b[n / 2]) << (8 * (n / 2))
                    | u64::from(b[n - 1]) << (8 * (n - 1))
            } else {
                0
            }
        };
        let (lo, hi) = if n >= 8 {
            let lo = u64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
            (lo, part(&b[8..]))
        } else {
            (part(b), 0)
        };
        Some(u128::from(lo) | u128::from(hi) << 64 | (n as u128) << 120)
    }

    /// [`WordCache::short_key`] of the word `text[start..end]`, or 0 for a word too long
    /// for one: most words have 16 bytes of text from their start on, read at once.
    #[inline]
    fn short_key_at(text: &[u8], start: usize, end: usize) -> u128 {
        let n = end - start;
        if n > 15 {
            return 0;
        }
        // The low `n` bytes of a 16-byte load, for each `n`.
        static KEEP: [u128; 16] = {
            let mut t = [0u128; 16];
            let mut n = 1;
            while n < 16 {
                t[n] = (1u128 << (8 * n)) - 1;
                n += 1;
            }
            t
        };
        match text.get(start..start + 16) {
            Some(b) => {
                let x = u128::from_le_bytes(b.try_into().expect("16 bytes"));
                x & KEEP[n] | (n as u128) << 120
            }
            None => WordCache::short_key_of_bytes(&text[start..end]).unwrap_or(0),
        }
    }
}

thread_local! {
    /// Per-thread cache of word analyses, for one dictionary set at a time. News
    /// vocabulary is Zipfian: almost every word is a hit. Cleared when it grows large,
    /// so memory stays bounded.
    static TOKEN_CACHE: std::cell::RefCell<(u64, WordCache)> =
        std::cell::RefCell::new((u64::MAX, WordCache::default()));
}

const TOKEN_CACHE_LIMIT: usize = 150_000;

#[derive(Clone, Debug)]
struct Span {
    start: usize,
    end: usize,
    positions: Positions,
    kind: EntryKind,
}

/// The token positions of a matched phrase: most phrases have one to three words,
/// kept inline instead of in an allocation of their own.
#[derive(Clone, Debug)]
enum Positions {
    Inline([usize; 3], u8),
    Heap(Vec<usize>),
}

impl From<&[usize]> for Positions {
    fn from(p: &[usize]) -> Self {
        if p.len() <= 3 {
            let mut a = [0; 3];
            a[..p.len()].copy_from_slice(p);
            Positions::Inline(a, p.len() as u8)
        } else {
            Positions::Heap(p.to_vec())
        }
    }
}

impl<'a> IntoIterator for &'a Positions {
    type Item = &'a usize;
    type IntoIter = std::slice::Iter<'a, usize>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl std::ops::Deref for Positions {
    type Target = [usize];
    fn deref(&self) -> &[usize] {
        match self {
            Positions::Inline(a, n) => &a[..*n as usize],
            Positions::Heap(v) => v,
        }
    }
}

/// An actor reference: a code list and the text it came from.
#[derive(Clone, Debug)]
struct ActorRef {
    codes: Vec<String>,
    text: String,
    /// The first code as the dictionary gives it, before agents are added.
    base: String,
}

/// A sentence's date: known, or worked out on first use (anchoring a date reads the
/// sentence, and most sentences end without needing it).
struct SentenceDate<'a> {
    date: std::cell::OnceCell<Date>,
    find: Option<&'a dyn Fn() -> Date>,
}

impl<'a> SentenceDate<'a> {
    fn known(date: Date) -> SentenceDate<'a> {
        SentenceDate {
            date: std::cell::OnceCell::from(date),
            find: None,
        }
    }

    fn lazy(find: &'a dyn Fn() -> Date) -> SentenceDate<'a> {
        SentenceDate {
            date: std::cell::OnceCell::new(),
            find: Some(find),
        }
    }

    fn get(&self) -> Date {
        *self
            .date
            .get_or_init(|| self.find.expect("a date that is not known is found")())
    }
}

/// The code PETRARCH reads for an actor whose code is `###` ...
static DISCARD_CODE: LazyLock<[String; 1]> = LazyLock::new(|| ["###".to_string()]);
/// ... and for one whose code is `+++`.
static COMPLEX_CODE: LazyLock<[String; 1]> = LazyLock::new(|| ["+++".to_string()]);

/// An actor in the sentence: a single actor, an actor with agents, a compound, or a
/// pronoun standing for one of these.
#[derive(Clone, Debug)]
struct Unit {
    start: usize,
    end: usize,
    members: Vec<ActorRef>,
    compound: bool,
    pronoun: bool,
    /// An agent that reached this actor through OF/IN/FROM ("the ambassadors of X"):
    /// PETRARCH carries it to the other members of a compound.
    prep_agent: Option<(String, bool, bool)>,
}

impl Unit {
    fn codes(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::with_capacity(self.members.len());
        for m in &self.members {
            for c in &m.codes {
                if !out.contains(&c.as_str()) {
                    out.push(c);
                }
            }
        }
        out
    }

    /// Whether [`Unit::codes`] would equal `other`, without building it.
    fn codes_eq(&self, other: &[&str]) -> bool {
        // The codes met so far, without repeats, are `other[..k]`.
        let mut k = 0;
        for c in self.members.iter().flat_map(|m| &m.codes) {
            if other[..k].contains(&c.as_str()) {
                continue;
            }
            if other.get(k) != Some(&c.as_str()) {
                return false;
            }
            k += 1;
        }
        k == other.len()
    }
}

const REGULAR_ENDINGS: &[&str] = &[
    "'S", "S'", "ING", "IES", "IED", "ES", "ED", "EN", "S", "D", "'",
];

/// The words of `sentence` analysed, at most `max` of them, and the number of words
/// it has. Each word is looked up in the per-thread cache by its text, so a known
/// word costs one hash lookup and no allocation.
fn analyse_sentence(d: &Dictionaries, sentence: &str, max: usize) -> (Vec<Tok>, String, usize) {
    // The vectors of the thread's previous sentence, emptied, when there is one.
    let mut toks: Vec<Tok> = SPARE_TOKS.with(|spare| std::mem::take(&mut *spare.borrow_mut()));
    let mut words_text = SPARE_WORDS.with(|spare| std::mem::take(&mut *spare.borrow_mut()));
    let mut total = 0usize;
    with_word_cache(d, |cache| {
        // Words first, then their lookups in a loop of their own: lookups that miss
        // the processor's caches then overlap instead of waiting one by one.
        let mut words = std::mem::take(&mut cache.scratch_words);
        let mut text = std::mem::take(&mut cache.scratch_text);
        words.clear();
        text.clear();
        let short = &cache.short;
        text::for_each_token(sentence, |rewritten, cap, start, end| {
            total += 1;
            if words.len() < max {
                let as_written = rewritten.is_none();
                let (from, to, key) = match rewritten {
                    None => (
                        start as u32,
                        end as u32,
                        WordCache::short_key_at(sentence.as_bytes(), start, end),
                    ),
                    Some(word) => {
                        let from = text.len() as u32;
                        text.push_str(word);
                        (
                            from,
                            text.len() as u32,
                            WordCache::short_key(word).unwrap_or(0),
                        )
                    }
                };
                let hash = short_table::hash(key);
                // The word's slot is on its way while the next words are read.
                short.prefetch(hash);
                words.push(PendingWord {
                    key,
                    from,
                    to,
                    slot: hash,
                    as_written,
                    cap,
                });
            }
        });
        // Each word's slot, then each analysis: the analyses are fetched for all the
        // words before the first is read. (No slot moves while the words' analyses,
        // at most two entries each, are added.)
        cache.short.reserve(2 * words.len());
        let mut others = std::mem::take(&mut cache.scratch_infos);
        for w in &mut words {
            match (w.key != 0)
                .then(|| cache.short.find_hashed(w.slot, w.key))
                .flatten()
            {
                Some(slot) => {
                    // (An analysis spans two or three cache lines.)
                    let info = std::rc::Rc::as_ptr(cache.short.value(slot)).cast::<u8>();
                    crate::prefetch::prefetch(info);
                    crate::prefetch::prefetch(info.wrapping_add(64));
                    crate::prefetch::prefetch(
                        info.wrapping_add(std::mem::size_of::<TokInfo>() - 1),
                    );
                    w.slot = slot as u32;
                }
                None => {
                    let (a, z) = (w.from as usize, w.to as usize);
                    let word = if w.as_written {
                        &sentence[a..z]
                    } else {
                        &text[a..z]
                    };
                    others.push(cached_analysis(d, cache, word, w.as_written));
                    w.slot = OTHER | (others.len() - 1) as u32;
                }
            }
        }
        // The tokens' words: the sentence, then the rewritten words after it.
        words_text.push_str(sentence);
        words_text.push_str(&text);
        let rewritten = sentence.len() as u32;
        toks.extend(words.iter().map(|w| {
            let shift = if w.as_written { 0 } else { rewritten };
            Tok {
                cap: w.cap,
                info: if w.slot & OTHER != 0 {
                    others[(w.slot & !OTHER) as usize].clone()
                } else {
                    cache.short.value(w.slot as usize).clone()
                },
                from: w.from + shift,
                to: w.to + shift,
            }
        }));
        others.clear();
        cache.scratch_infos = others;
        cache.scratch_words = words;
        cache.scratch_text = text;
    });
    (toks, words_text, total)
}

/// A word of a sentence being analysed: its [`WordCache::short_key`] (0 for a word
/// too long for one), and its byte range in the sentence (a word as written) or in
/// the scratch text (a word the tokenizer rewrote).
#[derive(Clone, Copy)]
struct PendingWord {
    key: u128,
    from: u32,
    to: u32,
    /// Its key's hash in the cache's table of short words while it is looked up,
    /// then where its analysis is: a slot of that table, or with [`OTHER`] set, an
    /// index in the sentence's other analyses.
    slot: u32,
    as_written: bool,
    cap: bool,
}

/// See [`PendingWord::slot`].
const OTHER: u32 = 1 << 31;

/// Runs `f` with this thread's word cache for `d` (emptied when it belonged to another
/// dictionary set or has grown past its cap).
fn with_word_cache<R>(d: &Dictionaries, f: impl FnOnce(&mut WordCache) -> R) -> R {
    TOKEN_CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.0 != d.instance || c.1.len() > TOKEN_CACHE_LIMIT {
            c.0 = d.instance;
            c.1.clear();
        }
        f(&mut c.1)
    })
}

/// The analysis of a token: `word` is its text, or with `as_written` its letters and
/// digits as the input has them. Short words are also cached as written ("the",
/// "The"), so that most tokens are found without upper-casing them first.
fn cached_analysis(
    d: &Dictionaries,
    cache: &mut WordCache,
    word: &str,
    as_written: bool,
) -> std::rc::Rc<TokInfo> {
    if let Some(key) = WordCache::short_key(word) {
        if let Some(info) = cache.short.get(key) {
            return info.clone();
        }
        let info = if as_written && word.bytes().any(|b| b.is_ascii_lowercase()) {
            // Upper-cased, the word may be known already. (Such keys have no lower-case
            // letter, and a key as written has one: the two kinds never collide.)
            let upper = word.to_ascii_uppercase();
            let upper_key = WordCache::short_key(&upper).expect("same length");
            match cache.short.get(upper_key) {
                Some(info) => info.clone(),
                None => {
                    let info = cache.share(analyse_word(d, &upper));
                    cache.short.insert(upper_key, info.clone());
                    info
                }
            }
        } else {
            cache.share(analyse_word(d, word))
        };
        cache.short.insert(key, info.clone());
        return info;
    }
    let upper;
    let word = if as_written {
        upper = word.to_ascii_uppercase();
        &upper
    } else {
        word
    };
    if let Some(i) = cache.long.get(word) {
        return i.clone();
    }
    let i = cache.share(analyse_word(d, word));
    cache.long.insert(word.into(), i.clone());
    i
}

/// The analysis of a token, its upper-case word added to `upper`.
fn analyse_token(d: &Dictionaries, t: &Token, upper: &mut String) -> Tok {
    let info = with_word_cache(d, |cache| cached_analysis(d, cache, &t.text, false));
    let from = upper.len() as u32;
    upper.push_str(&t.text);
    Tok {
        cap: t.cap,
        info,
        from,
        to: upper.len() as u32,
    }
}

fn analyse_word(d: &Dictionaries, s: &str) -> TokInfo {
    let full = d.vocab.lookup(s);
    let mut bases = Vec::new();
    let mut scratch = String::new();
    // Every regular ending ends in one of these letters: most words skip the list.
    let endings: &[&str] = match s.as_bytes().last() {
        Some(b'S' | b'G' | b'D' | b'N' | b'\'') => REGULAR_ENDINGS,
        _ => &[],
    };
    for e in endings {
        let Some(stem) = s
            .len()
            .checked_sub(e.len())
            .filter(|&k| s.as_bytes()[k..] == *e.as_bytes())
            .map(|k| &s[..k])
        else {
            continue;
        };
        if stem.len() < 2 {
            continue;
        }
        // Bases matter only for words that accept endings (see `word_matches`).
        let mut push = |w: &str| {
            if !d
                .ending_filter
                .may_contain(crate::dict::WordFilter::hash(w.as_bytes()))
            {
                return;
            }
            if let Some(id) = d.vocab.lookup(w) {
                if !bases.contains(&id) {
                    bases.push(id);
                }
            }
        };
        let mut with = |suffix: char, push: &mut dyn FnMut(&str)| {
            scratch.clear();
            scratch.push_str(stem);
            scratch.push(suffix);
            push(&scratch);
        };
        match *e {
            "IES" | "IED" => with('Y', &mut push),
            // "-ES" only after sibilants and O (TAXES, GOES); DEPARTES is no form of DEPART.
            "ES" if d.strict_endings
                && !(stem.ends_with(['S', 'X', 'Z', 'O'])
                    || stem.ends_with("CH")
                    || stem.ends_with("SH")) =>
            {
                with('E', &mut push)
            }
            "ING" | "ED" | "EN" | "ES" => {
                push(stem);
                with('E', &mut push);
                let b = stem.as_bytes();
                if b.len() >= 3
                    && b[b.len() - 1].is_ascii_alphabetic()
                    && b[b.len() - 1] == b[b.len() - 2]
                {
                    push(&stem[..stem.len() - 1]);
                }
            }
            _ => push(stem),
        }
    }
    // Prefixes matter only as stems (see `word_matches`): only those as long as some
    // stem, and that the stem filter does not rule out, are looked up.
    let mut prefixes = Vec::new();
    let mut hash = crate::dict::WordFilter::START;
    let bytes = s.as_bytes();
    for i in 1..bytes.len() {
        // The hash of `s[..i]`.
        hash = crate::dict::WordFilter::step(hash, bytes[i - 1]);
        // (Stems of 63 bytes or more share the top bit.)
        if !s.is_char_boundary(i)
            || d.stem_lengths & (1u64 << i.min(63)) == 0
            || !d.stem_filter.may_contain(hash)
        {
            continue;
        }
        if let Some(id) = d.vocab.lookup(&s[..i]) {
            prefixes.push(id);
        }
    }
    // Each id's roles in one lookup; the lists keep the ids in order, without
    // repeating an id that comes twice in a row.
    let (mut loose_ids, mut pair_first, mut pair_second) = (Vec::new(), Vec::new(), Vec::new());
    let (mut pattern, mut discard, mut issue) = (Vec::new(), Vec::new(), Vec::new());
    for &id in full.iter().chain(&bases).chain(&prefixes) {
        let Some(&r) = d.id_roles.get(&id) else {
            continue;
        };
        for (role, list) in [
            (roles::LOOSE, &mut loose_ids),
            (roles::PAIR_FIRST, &mut pair_first),
            (roles::PAIR_SECOND, &mut pair_second),
            (roles::PATTERN, &mut pattern),
            (roles::DISCARD, &mut discard),
            (roles::ISSUE, &mut issue),
        ] {
            if r & role != 0 && list.last() != Some(&id) {
                list.push(id);
            }
        }
    }
    // Loose phrases of one word depend on the word alone: the best of those it
    // matches is found here, once; the others are left to the tagger.
    let (single_word, loose): (Vec<u32>, Vec<u32>) = loose_ids
        .iter()
        .flat_map(|id| d.index_loose[id].iter().copied())
        .partition(|&e| d.entries[e as usize].phrase.words.len() == 1);
    let mut info = TokInfo::new(
        full,
        word_class(s),
        [
            &bases,
            &prefixes,
            &loose,
            &pair_first,
            &pair_second,
            &pattern,
            &discard,
            &issue,
        ],
    );
    if !loose.is_empty() {
        info.spill.get_or_insert_with(Box::default).loose_later = loose
            .iter()
            .map(|&e| d.entries[e as usize].phrase.later_bits)
            .collect();
    }
    for e in single_word {
        let entry = &d.entries[e as usize];
        let better = info
            .single
            .is_none_or(|(w, b)| entry.weight > w || (entry.weight == w && e < b));
        if better && info.matches(&entry.phrase.words[0]) {
            info.single = Some((entry.weight, e));
            info.single_kind = entry.kind;
        }
    }
    info.pair_signature = pair_first
        .iter()
        .map(|id| d.pair_signatures.get(id).copied().unwrap_or(0))
        .fold(0, |a, b| a | b);
    info.pair_bits = pair_second
        .iter()
        .map(|&id| id_bit(id))
        .fold(0, |a, b| a | b);
    info
}

/// Every dictionary id a token can match as a first word: itself, its bases, its prefixes.
fn token_ids(t: &Tok) -> impl Iterator<Item = u32> + '_ {
    t.info
        .full
        .into_iter()
        .chain(t.info.list(IdList::Bases).iter().copied())
        .chain(t.info.list(IdList::Prefixes).iter().copied())
}

fn word_matches(w: &PWord, t: &Tok) -> bool {
    t.info.matches(w)
}

/// The bit of a word id in [`TokInfo::id_bits`].
fn id_bit(id: u32) -> u64 {
    crate::dict::word_bit(id)
}

/// Allocation-free phrase matching: fills `pos` with the matched positions. `later`
/// holds the [`id_bit`]s of the tokens after `start` (see [`Sentence::later_bits`]).
fn match_phrase_into(
    p: &Phrase,
    toks: &[Tok],
    start: usize,
    later: u64,
    taken: &[bool],
    pos: &mut Vec<usize>,
) -> bool {
    pos.clear();
    if p.later_bits & !later != 0 || !word_matches(&p.words[0], &toks[start]) {
        return false;
    }
    // Cheap rejection on the second word before anything else.
    if let (Some(Link::Adjacent), Some(w1)) = (p.links.first(), p.words.get(1)) {
        let n = start + 1;
        if n >= toks.len() || !word_matches(w1, &toks[n]) {
            return false;
        }
    }
    pos.push(start);
    let mut cur = start;
    for (k, w) in p.words.iter().enumerate().skip(1) {
        match p.links[k - 1] {
            Link::Adjacent => {
                let n = cur + 1;
                if n >= toks.len() || taken[n] || !word_matches(w, &toks[n]) {
                    return false;
                }
                cur = n;
            }
            Link::Gap => {
                let mut found = None;
                let bit = id_bit(w.id);
                for n in cur + 1..toks.len() {
                    if toks[n].info.class == Tag::Comma {
                        break;
                    }
                    if !taken[n] && toks[n].info.id_bits & bit != 0 && word_matches(w, &toks[n]) {
                        found = Some(n);
                        break;
                    }
                }
                match found {
                    Some(n) => cur = n,
                    None => return false,
                }
            }
        }
        pos.push(cur);
    }
    true
}

/// The sentence coder: borrows compiled dictionaries and options.
pub struct Coder<'a> {
    /// Dictionaries.
    pub dict: &'a Dictionaries,
    /// Options.
    pub opts: &'a Options,
}

/// Declares [`Sentence`] with its per-sentence vectors listed once, and
/// [`SentenceParts`], the same vectors kept (emptied) for the thread's next sentence.
macro_rules! sentence_with_parts {
    ($($(#[$doc:meta])* $field:ident: $ty:ty,)*) => {
        struct Sentence {
            toks: Vec<Tok>,
            /// The sentence's text, then the words the tokenizer rewrote (see
            /// [`Tok::from`]).
            words: String,
            $($(#[$doc])* $field: $ty,)*
            all_caps: bool,
            /// The ids verb patterns need, gathered when a pattern is first tried
            /// (most sentences never need them).
            pattern_ids: std::cell::OnceCell<PatternIds>,
        }

        /// The vectors of a [`Sentence`], kept empty between sentences.
        #[derive(Default)]
        struct SentenceParts {
            $($field: $ty,)*
        }

        impl Sentence {
            fn from_parts(toks: Vec<Tok>, words: String, all_caps: bool, p: SentenceParts) -> Sentence {
                Sentence {
                    toks,
                    words,
                    $($field: p.$field,)*
                    all_caps,
                    pattern_ids: std::cell::OnceCell::new(),
                }
            }

            /// Takes the sentence's vectors, emptied (their memory kept).
            fn take_parts(&mut self) -> SentenceParts {
                let mut p = SentenceParts {
                    $($field: std::mem::take(&mut self.$field),)*
                };
                $(p.$field.clear();)*
                p
            }
        }
    };
}

sentence_with_parts! {
    tags: Vec<Tag>,
    span_at: Vec<Option<usize>>,
    spans: Vec<Span>,
    unit_at: Vec<Option<usize>>,
    units: Vec<Unit>,
    deleted: Vec<bool>,
    /// Conjunctions that join compounds and do not split clauses.
    bound_conj: Vec<bool>,
    /// Commas inside compounds.
    bound_comma: Vec<bool>,
    /// Tokens that a tagged phrase took (while tagging).
    taken: Vec<bool>,
    /// For each token, the [`id_bit`]s of all the tokens after it: the words a phrase
    /// needs after its first must have their bits there.
    later_bits: Vec<u64>,
}

/// The ids verb patterns need that the sentence's words have, each once, in the order
/// first met, with their [`id_bit`]s: candidate patterns are looked up by these ids.
/// (Where a word occurs is found by scanning the clause, whose tokens' `id_bits` rule
/// most positions out: cheaper than sorting the sentence's ids by position.)
#[derive(Default)]
struct PatternIds {
    ids: Vec<u32>,
    bits: u64,
}

impl PatternIds {
    fn new(toks: &[Tok]) -> PatternIds {
        let mut out = PatternIds {
            ids: Vec::with_capacity(toks.len()),
            bits: 0,
        };
        for t in toks {
            for &id in t.info.list(IdList::Pattern) {
                let bit = id_bit(id);
                // An id whose bit is new is new.
                if out.bits & bit == 0 || !out.ids.contains(&id) {
                    out.ids.push(id);
                    out.bits |= bit;
                }
            }
        }
        out
    }

    fn contains(&self, id: u32) -> bool {
        self.bits & id_bit(id) != 0 && self.ids.contains(&id)
    }
}

/// The upper-case words at `positions`, separated by blanks.
fn span_text<I>(s: &Sentence, positions: I) -> String
where
    I: IntoIterator<Item = usize>,
    I::IntoIter: Clone,
{
    let positions = positions.into_iter();
    let len = positions.clone().map(|p| s.word(p).len() + 1).sum();
    let mut out = String::with_capacity(len);
    for (k, p) in positions.enumerate() {
        if k > 0 {
            out.push(' ');
        }
        out.push_str(s.word(p));
    }
    // (One pass over the whole text: blanks are unchanged, and words the tokenizer
    // rewrote are upper-case already.)
    out.make_ascii_uppercase();
    out
}

impl Sentence {
    fn pattern_ids(&self) -> &PatternIds {
        self.pattern_ids.get_or_init(|| PatternIds::new(&self.toks))
    }

    /// The word of token `i` as the sentence has it: compare it with
    /// [`Sentence::word_is`], or take [`Sentence::upper`].
    fn word(&self, i: usize) -> &str {
        tok_word(&self.toks, &self.words, i)
    }

    /// Whether token `i` is `word` (upper-case ASCII).
    fn word_is(&self, i: usize, word: &str) -> bool {
        self.word(i).eq_ignore_ascii_case(word)
    }

    /// Whether token `i` is one of `words` (upper-case ASCII).
    fn word_in(&self, i: usize, words: &[&str]) -> bool {
        let w = self.word(i);
        words.iter().any(|x| w.eq_ignore_ascii_case(x))
    }

    /// The upper-case word of token `i`.
    fn upper(&self, i: usize) -> std::borrow::Cow<'_, str> {
        let w = self.word(i);
        if w.bytes().any(|b| b.is_ascii_lowercase()) {
            std::borrow::Cow::Owned(w.to_ascii_uppercase())
        } else {
            std::borrow::Cow::Borrowed(w)
        }
    }

    fn new(toks: Vec<Tok>, words: String, all_caps: bool) -> Sentence {
        let n = toks.len();
        // The vectors of the thread's previous sentence, emptied, when there is one.
        let mut p = SPARE_PARTS
            .with(|spare| spare.borrow_mut().take())
            .unwrap_or_default();
        p.tags.resize(n, Tag::Word);
        p.span_at.resize(n, None);
        p.later_bits.resize(n, 0);
        let mut bits = 0;
        for (later, t) in p.later_bits.iter_mut().zip(&toks).rev() {
            *later = bits;
            bits |= t.info.id_bits;
        }
        // The per-token vectors of units and clauses are sized by `build_units`: most
        // sentences end before it.
        Sentence::from_parts(toks, words, all_caps, p)
    }
}

/// Hands `matched` each phrase of a discard or issue index (`index`, by the ids of
/// the tokens' `which` list; `later_bits` of each phrase, its text by `phrase`) that
/// matches at a token of the sentence, in sentence order, until it says to stop.
/// Most words begin no such phrase: the vectors are made for the first candidate
/// only (one per sentence, and a nested iterator per token, were 18 million of
/// Phoenix's 2,750 million instructions).
fn matching_phrases<'d>(
    s: &Sentence,
    which: IdList,
    index: &rustc_hash::FxHashMap<u32, Vec<u32>>,
    later_bits: &[u64],
    phrase: impl Fn(usize) -> &'d Phrase,
    mut matched: impl FnMut(usize) -> std::ops::ControlFlow<()>,
) {
    let mut taken: Vec<bool> = Vec::new();
    let mut pos: Vec<usize> = Vec::new();
    for (i, t) in s.toks.iter().enumerate() {
        for id in t.info.list(which) {
            for &k in index.get(id).into_iter().flatten() {
                let k = k as usize;
                if later_bits[k] & !s.later_bits[i] != 0 {
                    continue;
                }
                taken.resize(s.toks.len(), false);
                if match_phrase_into(phrase(k), &s.toks, i, s.later_bits[i], &taken, &mut pos)
                    && matched(k).is_break()
                {
                    return;
                }
            }
        }
    }
}

/// The word of token `i` of a sentence's `toks` and `words` (see [`Sentence::word`];
/// for use while another field of the sentence is borrowed).
fn tok_word<'w>(toks: &[Tok], words: &'w str, i: usize) -> &'w str {
    let t = &toks[i];
    &words[t.from as usize..t.to as usize]
}

/// A candidate verb pattern: (longest first, group order, list order, group).
type PatternCand = (std::cmp::Reverse<usize>, u32, u32, u32);

thread_local! {
    /// `code_clauses`' vectors of a clause's live tokens and of a verb's candidate
    /// patterns, kept (emptied) for the thread's next sentence.
    static CLAUSE_SCRATCH: std::cell::Cell<(Vec<usize>, Vec<PatternCand>)> =
        const { std::cell::Cell::new((Vec::new(), Vec::new())) };
    /// A coded sentence's vectors, kept for the thread's next sentence: coding a
    /// sentence then allocates none of them.
    static SPARE_PARTS: std::cell::RefCell<Option<SentenceParts>> =
        const { std::cell::RefCell::new(None) };
    /// The same for its tokens, which are analysed before the sentence is made, and
    /// their words.
    static SPARE_TOKS: std::cell::RefCell<Vec<Tok>> = const { std::cell::RefCell::new(Vec::new()) };
    static SPARE_WORDS: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

impl Drop for Sentence {
    fn drop(&mut self) {
        let p = self.take_parts();
        // (When the thread is being torn down, the parts are simply freed.)
        let _ = SPARE_PARTS.try_with(|spare| *spare.borrow_mut() = Some(p));
        let mut toks = std::mem::take(&mut self.toks);
        toks.clear();
        let _ = SPARE_TOKS.try_with(|spare| *spare.borrow_mut() = toks);
        let mut words = std::mem::take(&mut self.words);
        words.clear();
        let _ = SPARE_WORDS.try_with(|spare| *spare.borrow_mut() = words);
    }
}

const DETERMINERS: &[&str] = &["A", "AN", "THE"];
const PRONOUNS: &[&str] = &[
    "HE", "SHE", "IT", "ITS", "HIS", "HER", "THEY", "THEM", "THEIR", "HIM",
];
const CONJUNCTIONS: &[&str] = &["AND", "BUT", "OR", "NOR"];
const AUXILIARIES: &[&str] = &["WAS", "WERE", "BEEN", "IS", "ARE", "BE", "BEING"];

impl<'a> Coder<'a> {
    /// A coder for these dictionaries and options.
    pub fn new(dict: &'a Dictionaries, opts: &'a Options) -> Self {
        Coder { dict, opts }
    }

    /// Codes one sentence on `date`.
    pub fn code(&self, sentence: &str, date: Date) -> Coded {
        self.code_with(sentence, date, false)
    }

    /// Codes one sentence, optionally recording a trace.
    pub fn code_with(&self, sentence: &str, date: Date, want_trace: bool) -> Coded {
        self.code_full(sentence, date, want_trace, None)
    }

    /// Codes one sentence; `forward` is the lead actor of the previous sentence of the
    /// same story, which a pronoun opening this sentence stands for.
    pub fn code_full(
        &self,
        sentence: &str,
        date: Date,
        want_trace: bool,
        forward: Option<&str>,
    ) -> Coded {
        self.code_inner(sentence, &SentenceDate::known(date), want_trace, forward)
    }

    /// [`Coder::code_full`] (without a trace) with the sentence's date worked out by
    /// `date` only when the coding needs it: an event, or an actor whose codes are
    /// dated. Most sentences need neither.
    pub fn code_dated_lazily(
        &self,
        sentence: &str,
        date: &dyn Fn() -> Date,
        forward: Option<&str>,
    ) -> Coded {
        self.code_inner(sentence, &SentenceDate::lazy(date), false, forward)
    }

    fn code_inner(
        &self,
        sentence: &str,
        date: &SentenceDate,
        want_trace: bool,
        forward: Option<&str>,
    ) -> Coded {
        let lead: Option<String> = None;
        let mut trace = want_trace.then(Trace::default);
        let (toks, upper, words) = analyse_sentence(self.dict, sentence, self.opts.max_words);
        let truncated = words > self.opts.max_words;
        if truncated {
            if let Some(t) = trace.as_mut() {
                t.steps
                    .push(format!("sentence cut to {} words", self.opts.max_words));
            }
        }
        if self.opts.minimum_words > 0 && toks.len() < self.opts.minimum_words {
            return Coded {
                status: Status::TooShort,
                events: Vec::new(),
                trace,
                lead_actor: lead.clone(),
                truncated,
            };
        }
        let all_caps = text::is_all_caps(sentence);
        let mut s = Sentence::new(toks, upper, all_caps);
        let n = s.toks.len();
        // Discards first: they end all processing.
        if let Some((story, phrase)) = self.find_discard(&s) {
            return Coded {
                status: Status::Discard { story, phrase },
                events: Vec::new(),
                trace,
                lead_actor: None,
                truncated,
            };
        }
        match self.tag(&mut s, date, trace.as_mut()) {
            Ok(()) => {}
            Err(status) => {
                return Coded {
                    status,
                    events: Vec::new(),
                    trace,
                    lead_actor: None,
                    truncated,
                }
            }
        }
        // Most sentences cannot give an event; they end as soon as that is known.
        let shortcut = trace.is_none() && self.no_event_rules_apply(&s);
        if shortcut {
            if let Some(lead) = self.no_event_before_units(&s, date, forward) {
                return Coded {
                    status: Status::NoEvent,
                    events: Vec::new(),
                    trace,
                    lead_actor: lead,
                    truncated,
                };
            }
        }
        self.build_units(&mut s, date);
        let lead: Option<String> = s
            .units
            .first()
            .and_then(|u| u.members.first())
            .map(|m| m.base.clone());
        if shortcut && self.no_event_after_units(&s, forward) {
            return Coded {
                status: Status::NoEvent,
                events: Vec::new(),
                trace,
                lead_actor: lead,
                truncated,
            };
        }
        self.find_compounds(&mut s);
        // "According to X, ...": the attribution is not the subject of the sentence.
        if !self.opts.petrarch
            && s.toks.len() > 3
            && s.word_is(0, "ACCORDING")
            && s.word_is(1, "TO")
        {
            if let Some(c) = (2..s.toks.len().min(14)).find(|&i| s.toks[i].info.class == Tag::Comma)
            {
                for i in 0..=c {
                    s.deleted[i] = true;
                }
            }
        }
        let comma_deleted = self.delete_comma_clauses(&mut s);
        if !self.opts.petrarch {
            self.resolve_pronouns(&mut s, forward);
        }
        let clauses = self.clauses(&s);
        if let Some(t) = trace.as_mut() {
            t.tokens = s
                .tags
                .iter()
                .enumerate()
                .map(|(k, g)| (s.upper(k).into_owned(), format!("{g:?}").to_lowercase()))
                .collect();
            t.clauses = clauses.clone();
            t.deleted = (0..n).filter(|&i| s.deleted[i]).collect();
        }
        if let Some(reason) = self.complexity(&s, comma_deleted) {
            return Coded {
                status: Status::Complex(reason),
                events: Vec::new(),
                trace,
                lead_actor: lead.clone(),
                truncated,
            };
        }
        let (status, mut events) = self.code_clauses(&s, &clauses, date.get(), trace.as_mut());
        if status != Status::Coded {
            return Coded {
                status,
                events: Vec::new(),
                trace,
                lead_actor: lead.clone(),
                truncated,
            };
        }
        if events.is_empty() {
            if self.opts.complex.no_event {
                return Coded {
                    status: Status::Complex("no event".into()),
                    events,
                    trace,
                    lead_actor: lead.clone(),
                    truncated,
                };
            }
            return Coded {
                status: Status::NoEvent,
                events,
                trace,
                lead_actor: lead.clone(),
                truncated,
            };
        }
        let issues = self.issues(&s);
        let attribution = s.spans.iter().find_map(|sp| match sp.kind {
            EntryKind::Attrib(a) => Some(self.dict.attributions[a as usize].code.clone()),
            _ => None,
        });
        for e in &mut events {
            e.issues = issues.clone();
            e.attribution = attribution.clone();
        }
        Coded {
            status: Status::Coded,
            events,
            trace,
            lead_actor: lead.clone(),
            truncated,
        }
    }

    /// Capitalised phrases that stand where a source or target should be, next to a
    /// coded verb, but match no actor: the raw material for `dyad actors unknown`.
    /// Returns the phrases as written (title case kept).
    pub fn unknown_actors(&self, sentence: &str, date: Date) -> Vec<String> {
        const SKIP: &[&str] = &[
            "THE",
            "A",
            "AN",
            "MONDAY",
            "TUESDAY",
            "WEDNESDAY",
            "THURSDAY",
            "FRIDAY",
            "SATURDAY",
            "SUNDAY",
            "JANUARY",
            "FEBRUARY",
            "MARCH",
            "APRIL",
            "MAY",
            "JUNE",
            "JULY",
            "AUGUST",
            "SEPTEMBER",
            "OCTOBER",
            "NOVEMBER",
            "DECEMBER",
            "HE",
            "SHE",
            "IT",
            "THEY",
            "WE",
            "I",
            "YOU",
            "THIS",
            "THAT",
            "THESE",
            "THOSE",
            "IN",
            "ON",
            "AT",
            "BUT",
            "AND",
            "MR",
            "MRS",
            "MS",
            "DR",
        ];
        let tokens = text::tokenize(sentence);
        if tokens.is_empty() || text::is_all_caps(sentence) {
            return Vec::new();
        }
        let mut upper = String::new();
        let toks: Vec<Tok> = tokens
            .iter()
            .map(|t| analyse_token(self.dict, t, &mut upper))
            .collect();
        let n = toks.len();
        let mut s = Sentence::new(toks, upper, false);
        if self.tag(&mut s, &SentenceDate::known(date), None).is_err() {
            return Vec::new();
        }
        // Coded verbs.
        let verbs: Vec<usize> = (0..n)
            .filter(|&i| {
                s.tags[i] == Tag::Verb
                    && s.span_at[i].is_some_and(|sid| {
                        let sp = &s.spans[sid];
                        sp.start == i
                            && matches!(sp.kind, EntryKind::Verb(v) if !self.dict.verbs[v as usize].code.is_null() || !self.dict.pattern_groups[self.dict.verbs[v as usize].group as usize].is_empty())
                    })
            })
            .collect();
        if verbs.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut i = 0;
        while i < n {
            let is_name = |k: usize| {
                let t = &tokens[k];
                t.cap
                    && s.span_at[k].is_none()
                    && s.tags[k] == Tag::Word
                    && t.text.chars().next().is_some_and(char::is_alphabetic)
            };
            if !is_name(i) {
                i += 1;
                continue;
            }
            let start = i;
            while i < n
                && (is_name(i)
                    || (matches!(
                        tokens[i].text.as_str(),
                        "OF" | "AL" | "BIN" | "DE" | "AND" | "FOR"
                    ) && i + 1 < n
                        && is_name(i + 1)))
            {
                i += 1;
            }
            let words: Vec<&str> = (start..i)
                .map(|k| &sentence[tokens[k].start..tokens[k].end])
                .collect();
            let upper: Vec<&str> = (start..i).map(|k| tokens[k].text.as_str()).collect();
            // A lone sentence-initial capital is just the first word; initials and
            // company suffixes alone are not names.
            const SUFFIXES: &[&str] = &[
                "CORP", "CO", "INC", "LTD", "PLC", "LLC", "AG", "SA", "NV", "BHD", "GROUP",
            ];
            let single = i - start == 1;
            if (start == 0 && single)
                || upper.iter().all(|w| SKIP.contains(w))
                || (single && (upper[0].len() < 2 || SUFFIXES.contains(&upper[0])))
            {
                continue;
            }
            // Next to a coded verb: before it as a subject, or within three words after it.
            let near = verbs.iter().any(|&v| {
                (i <= v && v - i <= 3) || (start > v && start - v <= 4) || (i <= v && start == 0)
            });
            if near {
                out.push(
                    words
                        .join(" ")
                        .trim_matches(|c: char| !c.is_alphanumeric())
                        .to_string(),
                );
            }
        }
        out
    }

    /// True when the rules that let a sentence end as "no event" as soon as its
    /// actors are known apply: an event then needs two actors with different codes,
    /// because there is no complexity rule and no default or made-up actor, and no
    /// verb of the sentence has a `###` or `+++` code or pattern.
    fn no_event_rules_apply(&self, s: &Sentence) -> bool {
        let o = self.opts;
        let d = self.dict;
        o.require_dyad
            && o.default_source.is_none()
            && o.default_target.is_none()
            && o.new_actor_length == 0
            && o.complex.is_off()
            && s.spans.iter().all(|sp| match sp.kind {
                EntryKind::Verb(v) => d.verb_traits[v as usize] & verb_traits::MAY_END == 0,
                _ => true,
            })
    }

    /// Under [`Coder::no_event_rules_apply`], decides from the tagged spans, before
    /// any unit is built, whether the sentence can only end as "no event": no agent,
    /// at most one actor, whose codes are all one, and that one the previous
    /// sentence's lead (which a pronoun may stand for). Returns the sentence's lead
    /// actor (the actor's first code, if there is an actor) when it is so.
    fn no_event_before_units(
        &self,
        s: &Sentence,
        date: &SentenceDate,
        forward: Option<&str>,
    ) -> Option<Option<String>> {
        let o = self.opts;
        let mut actor: Option<(usize, &[String])> = None;
        for sp in &s.spans {
            match sp.kind {
                EntryKind::Agent(_) if s.tags[sp.start] == Tag::Agent => return None,
                EntryKind::Actor(a) if s.tags[sp.start] == Tag::Actor => {
                    let codes: &[String] = match self.dict.actors[a as usize]
                        .codes
                        .resolve_lazily(|| date.get())
                    {
                        ActorValue::Special(Special::Discard) if o.petrarch => {
                            DISCARD_CODE.as_slice()
                        }
                        ActorValue::Special(Special::Complex) if o.petrarch => {
                            COMPLEX_CODE.as_slice()
                        }
                        ActorValue::Codes(codes) => codes,
                        ActorValue::Special(_) => continue,
                    };
                    if actor.is_some() {
                        return None;
                    }
                    actor = Some((sp.start, codes));
                }
                _ => {}
            }
        }
        let Some((start, codes)) = actor else {
            return Some(None);
        };
        // FORMER before an actor makes an elite of each of its codes (as in
        // `build_units`).
        let former = start > 0 && s.word_is(start - 1, "FORMER");
        let elite = |c: &str| -> String {
            if former && !c.ends_with("ELI") {
                format!("{c}ELI")
            } else {
                c.to_string()
            }
        };
        let first = elite(&codes[0]);
        if codes[1..].iter().any(|c| elite(c) != first) {
            return None;
        }
        if let (false, Some(f)) = (o.petrarch, forward) {
            if f != first {
                return None;
            }
        }
        Some(Some(codes[0].clone()))
    }

    /// Under [`Coder::no_event_rules_apply`], with the units built (agents joined to
    /// their actors): true when the sentence can only end as "no event", having at
    /// most one unit, fewer than two codes, and no code other than the previous
    /// sentence's lead.
    fn no_event_after_units(&self, s: &Sentence, forward: Option<&str>) -> bool {
        if s.units.len() > 1 {
            return false;
        }
        let mut codes = s
            .units
            .iter()
            .flat_map(|u| &u.members)
            .flat_map(|m| &m.codes);
        let first: Option<&str> = codes.next().map(String::as_str);
        if codes.any(|c| Some(c.as_str()) != first) {
            return false;
        }
        if let (false, Some(f), Some(c)) = (self.opts.petrarch, forward, first) {
            if f != c {
                return false;
            }
        }
        true
    }

    fn find_discard(&self, s: &Sentence) -> Option<(bool, String)> {
        let d = self.dict;
        if d.discards.is_empty() {
            return None;
        }
        let mut hit = None;
        matching_phrases(
            s,
            IdList::Discard,
            &d.discard_index,
            &d.discard_later_bits,
            |k| &d.discards[k].0,
            |k| {
                hit = Some(k);
                std::ops::ControlFlow::Break(())
            },
        );
        hit.map(|k| {
            let discard = &d.discards[k].1;
            (discard.story, discard.text.clone())
        })
    }

    fn issues(&self, s: &Sentence) -> Vec<String> {
        let d = self.dict;
        if d.issues.is_empty() {
            return Vec::new();
        }
        let mut found: Vec<(u32, String)> = Vec::new();
        let mut cancelled: Vec<u32> = Vec::new();
        matching_phrases(
            s,
            IdList::Issue,
            &d.issue_index,
            &d.issue_later_bits,
            |k| &d.issues[k].0,
            |k| {
                let is = &d.issues[k].1;
                if is.cancel {
                    cancelled.push(is.category);
                } else if !found.iter().any(|(_, c)| *c == is.code) {
                    found.push((is.category, is.code.clone()));
                }
                std::ops::ControlFlow::Continue(())
            },
        );
        found
            .into_iter()
            .filter(|(c, _)| !cancelled.contains(c))
            .map(|(_, code)| code)
            .collect()
    }

    /// Tags tokens with the longest dictionary phrase starting at each position,
    /// then with the built-in word classes.
    fn tag(
        &self,
        s: &mut Sentence,
        date: &SentenceDate,
        mut trace: Option<&mut Trace>,
    ) -> Result<(), Status> {
        let n = s.toks.len();
        let mut taken = std::mem::take(&mut s.taken);
        taken.clear();
        taken.resize(n, false);
        let d = self.dict;
        let mut buf: Vec<usize> = Vec::new();
        let mut i = 0;
        while i < n {
            if taken[i] {
                i += 1;
                continue;
            }
            let t = &s.toks[i];
            // Most words begin no phrase at all (and are told so without a look at the
            // next word).
            let info = &*t.info;
            let begins_alone = info.single.is_some() || !info.list_is_empty(IdList::Loose);
            let pair = info.pair_signature != 0
                && i + 1 < n
                && info.pair_signature & s.toks[i + 1].info.pair_bits != 0
                && !taken[i + 1];
            if !begins_alone && !pair {
                i += 1;
                continue;
            }
            // The winner is the heaviest matching phrase, the first listed among equals,
            // whichever list it comes from.
            let mut best: Option<(usize, u32)> = t.info.single;
            let later = s.later_bits[i];
            // Tries entry `e`; true when it is lighter than the best so far (nothing
            // later in a longest-first list can then win).
            let mut consider = |e: u32, best: &mut Option<(usize, u32)>| -> bool {
                let entry = &d.entries[e as usize];
                if let Some((bw, be)) = *best {
                    if entry.weight < bw {
                        return true;
                    }
                    if entry.weight == bw && e >= be {
                        return false;
                    }
                }
                if match_phrase_into(&entry.phrase, &s.toks, i, later, &taken, &mut buf) {
                    *best = Some((entry.weight, e));
                }
                false
            };
            let loose = t.info.list(IdList::Loose);
            for (&e, &bits) in loose.iter().zip(t.info.loose_later().iter()) {
                if bits & !later == 0 {
                    consider(e, &mut best);
                }
            }
            if pair {
                let seconds = s.toks[i + 1].info.list(IdList::PairSecond);
                for &first in t.info.list(IdList::PairFirst).iter() {
                    for &second in seconds.iter() {
                        let key = u64::from(first) << 32 | u64::from(second);
                        if let Some(list) = d.index_pairs.get(&key) {
                            for &e in list {
                                if consider(e, &mut best) {
                                    break;
                                }
                            }
                        }
                    }
                }
            }
            // (The word's own one-word phrase, when it wins, needs no look at its entry.)
            let single = t.info.single.filter(|_| best == t.info.single);
            let best = best.map(|(w, e)| {
                if single.is_some() || d.entries[e as usize].phrase.words.len() == 1 {
                    return (w, e, Positions::from(&[i][..]));
                }
                let ok = match_phrase_into(
                    &d.entries[e as usize].phrase,
                    &s.toks,
                    i,
                    s.later_bits[i],
                    &taken,
                    &mut buf,
                );
                debug_assert!(ok);
                (w, e, Positions::from(&buf[..]))
            });
            if let Some((_, e, pos)) = best {
                let kind = match single {
                    Some(_) => t.info.single_kind,
                    None => d.entries[e as usize].kind,
                };
                for &p in pos.iter() {
                    taken[p] = true;
                }
                let end = *pos.last().unwrap() + 1;
                let sid = s.spans.len();
                for &p in pos.iter() {
                    s.span_at[p] = Some(sid);
                }
                let tag = match kind {
                    EntryKind::Actor(_) => Tag::Actor,
                    EntryKind::Agent(_) => Tag::Agent,
                    EntryKind::Verb(_) => Tag::Verb,
                    EntryKind::Noun => Tag::Noun,
                    EntryKind::Adjective => Tag::Adj,
                    EntryKind::Time(_) => Tag::Time,
                    EntryKind::Attrib(_) => Tag::Attrib,
                };
                for &p in pos.iter() {
                    s.tags[p] = tag;
                }
                s.spans.push(Span {
                    start: i,
                    end,
                    positions: pos,
                    kind,
                });
            }
            i += 1;
        }
        s.taken = taken;
        for ((tag, at), t) in s.tags.iter_mut().zip(&s.span_at).zip(&s.toks) {
            if at.is_none() {
                *tag = t.info.class;
            }
        }
        // Resolve special codes, null actors and verbs read as nouns.
        for sid in 0..s.spans.len() {
            let (kind, start, end) = {
                let sp = &s.spans[sid];
                (sp.kind, sp.start, sp.end)
            };
            match kind {
                EntryKind::Actor(a) => {
                    let actor = &d.actors[a as usize];
                    let v = actor.codes.resolve_lazily(|| date.get());
                    if let Some(t) = trace.as_deref_mut() {
                        t.matches.push(TraceMatch {
                            start,
                            end,
                            kind: "actor",
                            phrase: actor.text.clone(),
                            code: value_text(v),
                            loc: Some(actor.loc.clone()),
                        });
                    }
                    match v {
                        // PETRARCH reads `###` and `+++` on actors as plain codes.
                        ActorValue::Special(Special::Discard | Special::Complex)
                            if self.opts.petrarch => {}
                        ActorValue::Special(Special::Discard) => {
                            return Err(Status::Discard {
                                story: false,
                                phrase: actor.text.clone(),
                            })
                        }
                        ActorValue::Special(Special::Complex) => {
                            return Err(Status::Complex(format!("complex actor {}", actor.text)))
                        }
                        ActorValue::Special(Special::Null) => self.retag(s, sid, Tag::Noun),
                        ActorValue::Codes(_) => {}
                    }
                }
                EntryKind::Verb(v) => {
                    if let Some(t) = trace.as_deref_mut() {
                        let verb = &d.verbs[v as usize];
                        t.matches.push(TraceMatch {
                            start,
                            end,
                            kind: "verb",
                            phrase: verb.text.clone(),
                            code: code_text(&verb.code),
                            loc: Some(verb.loc.clone()),
                        });
                    }
                    // (The verb itself is read only when it ends the sentence.)
                    let traits = d.verb_traits[v as usize];
                    let has_patterns = traits & verb_traits::HAS_PATTERNS != 0;
                    if traits & verb_traits::DISCARD != 0 {
                        return Err(Status::Discard {
                            story: false,
                            phrase: d.verbs[v as usize].text.clone(),
                        });
                    }
                    if traits & verb_traits::COMPLEX != 0 && !has_patterns {
                        return Err(Status::Complex(format!(
                            "complex verb {}",
                            d.verbs[v as usize].text
                        )));
                    }
                    if traits & verb_traits::NULL != 0 && !has_patterns {
                        self.retag(s, sid, Tag::Null);
                        continue;
                    }
                    // A verb after a determiner, or capitalised inside the sentence, is a noun.
                    let st = start;
                    let after_det = st > 0 && s.tags[st - 1] == Tag::Det;
                    let capitalised = st > 0 && s.toks[st].cap && !s.all_caps;
                    if after_det || capitalised {
                        self.retag(s, sid, Tag::Noun);
                    }
                }
                EntryKind::Agent(a) => {
                    if let Some(t) = trace.as_deref_mut() {
                        let ag = &d.agents[a as usize];
                        t.matches.push(TraceMatch {
                            start,
                            end,
                            kind: "agent",
                            phrase: ag.text.clone(),
                            code: ag.written_code(),
                            loc: Some(ag.loc.clone()),
                        });
                    }
                    if d.agents[a as usize].null {
                        self.retag(s, sid, Tag::Noun);
                    }
                }
                EntryKind::Time(tm) => {
                    if let TimeValue::Special(sp2) = d.times[tm as usize].shift {
                        if self.opts.time_shift {
                            match sp2 {
                                Special::Discard => {
                                    return Err(Status::Discard {
                                        story: false,
                                        phrase: d.times[tm as usize].text.clone(),
                                    })
                                }
                                Special::Complex => {
                                    return Err(Status::Complex(format!(
                                        "time phrase {}",
                                        d.times[tm as usize].text
                                    )))
                                }
                                Special::Null => {}
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn retag(&self, s: &mut Sentence, sid: usize, tag: Tag) {
        for &p in &s.spans[sid].positions {
            s.tags[p] = tag;
        }
    }

    /// Joins actors with their agents into units; agents alone become actors when
    /// `CONVERT AGENTS` is on.
    fn build_units(&self, s: &mut Sentence, date: &SentenceDate) {
        let d = self.dict;
        let n = s.toks.len();
        s.unit_at.resize(n, None);
        s.deleted.resize(n, false);
        s.bound_conj.resize(n, false);
        s.bound_comma.resize(n, false);
        // Actor spans to units.
        let mut unit_of_span: Vec<Option<usize>> = vec![None; s.spans.len()];
        for (sid, sp) in s.spans.iter().enumerate() {
            if let EntryKind::Actor(a) = sp.kind {
                if s.tags[sp.start] != Tag::Actor {
                    continue;
                }
                let actor = &d.actors[a as usize];
                // PETRARCH reads `###` and `+++` on actors as plain codes.
                let special: Vec<String>;
                let codes: Option<&Vec<String>> = match actor.codes.resolve_lazily(|| date.get()) {
                    ActorValue::Special(Special::Discard) if self.opts.petrarch => {
                        special = vec!["###".into()];
                        Some(&special)
                    }
                    ActorValue::Special(Special::Complex) if self.opts.petrarch => {
                        special = vec!["+++".into()];
                        Some(&special)
                    }
                    ActorValue::Codes(codes) => Some(codes),
                    ActorValue::Special(_) => None,
                };
                if let Some(codes) = codes {
                    let text = span_text(s, sp.positions.iter().copied());
                    unit_of_span[sid] = Some(s.units.len());
                    s.units.push(Unit {
                        start: sp.start,
                        end: sp.end,
                        members: vec![ActorRef {
                            codes: codes.clone(),
                            text,
                            base: codes[0].clone(),
                        }],
                        compound: codes.len() > 1,
                        pronoun: false,
                        prep_agent: None,
                    });
                }
            }
        }
        let span_unit = |s: &Sentence, pos: usize| -> Option<usize> {
            let sid = s.span_at[pos]?;
            if s.spans[sid].start != pos {
                return None;
            }
            unit_of_span[sid]
        };
        let unit_ending_at = |s: &Sentence, pos: usize| -> Option<usize> {
            let sid = s.span_at[pos]?;
            if s.spans[sid].end != pos + 1 {
                return None;
            }
            unit_of_span[sid]
        };
        // Agents. (Nested agents are matched with no token taken.)
        let mut free: Vec<bool> = Vec::new();
        let mut pos: Vec<usize> = Vec::new();
        for sid in 0..s.spans.len() {
            let EntryKind::Agent(a) = s.spans[sid].kind else {
                continue;
            };
            let sp = s.spans[sid].clone();
            if s.tags[sp.start] != Tag::Agent {
                continue;
            }
            let agent = &d.agents[a as usize];
            // PETRARCH stacks the agents nested in this one ("human rights activists" is
            // also "rights activists"): each ends at the same word.
            let mut nested: Vec<(String, bool)> = Vec::new();
            if self.opts.petrarch && sp.positions.len() > 1 {
                let last = *sp.positions.last().unwrap();
                if free.len() != n {
                    free.resize(n, false);
                }
                for &q in &sp.positions[1..] {
                    let mut best: Option<(usize, u32)> = None;
                    for id in token_ids(&s.toks[q]) {
                        for &e in d.index.get(&id).into_iter().flatten() {
                            let entry = &d.entries[e as usize];
                            if let EntryKind::Agent(na) = entry.kind {
                                if best.is_none_or(|(w, _)| entry.weight > w)
                                    && match_phrase_into(
                                        &entry.phrase,
                                        &s.toks,
                                        q,
                                        s.later_bits[q],
                                        &free,
                                        &mut pos,
                                    )
                                    && pos.last() == Some(&last)
                                {
                                    best = Some((entry.weight, na));
                                }
                            }
                        }
                    }
                    if let Some((_, na)) = best {
                        let ag = &d.agents[na as usize];
                        if !ag.null && !nested.iter().any(|(c, _)| *c == ag.code) {
                            nested.push((ag.code.clone(), ag.prefix));
                        }
                    }
                }
            }
            let stack = |c: &str, former: bool| -> String {
                let mut x = add_agent(c, &agent.code, agent.prefix, former);
                for (code, prefix) in &nested {
                    x = add_agent(&x, code, *prefix, former);
                }
                x
            };
            let former = (sp.start > 0 && s.word_is(sp.start - 1, "FORMER"))
                || (sp.start > 1
                    && s.word_is(sp.start - 2, "FORMER")
                    && s.tags[sp.start - 1] == Tag::Actor);
            // Immediately after the agent, immediately before it, or after OF / IN.
            let mut target = None;
            let mut also = None;
            if sp.end < n {
                target = span_unit(s, sp.end);
            }
            // "Arnor former security officials": FORMER between actor and agent.
            let former_between = sp.start > 1 && s.word_is(sp.start - 1, "FORMER");
            let back = if former_between {
                sp.start - 1
            } else {
                sp.start
            };
            if back > 0 {
                let before = unit_ending_at(s, back - 1);
                if target.is_none() {
                    target = before;
                } else {
                    // Actor, agent, actor ("Bree Prime Minister Romendacil"): one noun
                    // phrase; the agent applies to both.
                    also = before;
                }
            }
            let prep = |w: &str| {
                w.eq_ignore_ascii_case("OF")
                    || w.eq_ignore_ascii_case("IN")
                    || (self.opts.petrarch && w.eq_ignore_ascii_case("FROM"))
            };
            let mut via_prep = false;
            if target.is_none() && sp.end + 1 < n && prep(s.word(sp.end)) {
                let mut p = sp.end + 1;
                while p < n && s.tags[p] == Tag::Det {
                    p += 1;
                }
                if p < n {
                    target = span_unit(s, p);
                    via_prep = target.is_some();
                }
            }
            // PETRARCH: a possessive actor owns the agent of its noun phrase
            // ("Dagolath's first Deputy Prime Minister").
            if self.opts.petrarch && also.is_none() {
                let mut k = sp.start;
                let mut hops = 0;
                while k > 0
                    && hops < 3
                    && matches!(s.tags[k - 1], Tag::Word | Tag::Adj | Tag::Num)
                    && s.toks[k - 1].info.class != Tag::Comma
                {
                    k -= 1;
                    hops += 1;
                }
                if hops > 0 && k > 0 && s.upper(k - 1).ends_with("'S") {
                    let owner = unit_ending_at(s, k - 1);
                    if target.is_none() {
                        target = owner;
                    } else {
                        also = owner;
                    }
                }
            }
            // PETRARCH: "Danish media and government": an agent joined by a conjunction to
            // an actor's agent takes the same actor.
            if target.is_none()
                && self.opts.petrarch
                && sp.start >= 2
                && s.tags[sp.start - 1] == Tag::Conj
            {
                if let Some(u) = s.units.iter().position(|u| {
                    u.end == sp.start - 1
                        && u.members.len() == 1
                        && !u.members[0].base.starts_with("---")
                }) {
                    let base = s.units[u].members[0].base.clone();
                    let code = stack(&base, former);
                    let text = span_text(s, sp.positions.iter().copied());
                    s.units[u].members.push(ActorRef {
                        codes: vec![code],
                        text,
                        base,
                    });
                    s.units[u].compound = true;
                    s.units[u].end = sp.end;
                    s.bound_conj[sp.start - 1] = true;
                    for &p in &sp.positions {
                        s.tags[p] = Tag::Actor;
                    }
                    continue;
                }
            }
            let agent_text = span_text(s, sp.positions.iter().copied());
            if let (Some(u), Some(t)) = (also, target) {
                // One noun phrase: the earlier actor joins the later one.
                let earlier = s.units[u].clone();
                let unit = &mut s.units[t];
                for m in earlier.members {
                    let mut m = m;
                    for c in &mut m.codes {
                        *c = stack(c, former);
                    }
                    if !unit.members.iter().any(|x| x.codes == m.codes) {
                        unit.members.insert(0, m);
                    }
                }
                unit.start = unit.start.min(earlier.start);
                s.units[u].members.clear();
            }
            match target {
                Some(u) => {
                    let unit = &mut s.units[u];
                    let former_actor = unit.start > 0
                        && tok_word(&s.toks, &s.words, unit.start - 1)
                            .eq_ignore_ascii_case("FORMER");
                    for m in &mut unit.members {
                        for c in &mut m.codes {
                            *c = stack(c, former || former_actor);
                        }
                        m.text = if sp.start < unit.start {
                            [agent_text.as_str(), " ", &m.text].concat()
                        } else {
                            [m.text.as_str(), " ", &agent_text].concat()
                        };
                    }
                    unit.start = unit.start.min(sp.start);
                    unit.end = unit.end.max(sp.end);
                    if via_prep {
                        unit.prep_agent = Some((agent.code.clone(), agent.prefix, former));
                    }
                    for &p in &sp.positions {
                        s.tags[p] = Tag::Actor;
                    }
                }
                None if self.opts.convert_agents || self.opts.petrarch => {
                    let code = if self.opts.petrarch {
                        ["---", agent.code.as_str()].concat()
                    } else {
                        agent.written_code()
                    };
                    s.units.push(Unit {
                        start: sp.start,
                        end: sp.end,
                        members: vec![ActorRef {
                            codes: vec![code.clone()],
                            text: agent_text,
                            base: code,
                        }],
                        compound: false,
                        pronoun: false,
                        prep_agent: None,
                    });
                    for &p in &sp.positions {
                        s.tags[p] = Tag::Actor;
                    }
                }
                None => {
                    for &p in &sp.positions {
                        s.tags[p] = Tag::Noun;
                    }
                }
            }
        }
        // A name runs on over capitalised words the dictionaries do not know ("President
        // Xi Jinping", "Minister Mauro Vieira"): they belong to the actor, so a following
        // conjunction can join it to the next actor.
        if !s.all_caps && !self.opts.petrarch {
            for u in &mut s.units {
                while u.end < n
                    && s.toks[u.end].cap
                    && s.tags[u.end] == Tag::Word
                    && s.span_at[u.end].is_none()
                {
                    s.tags[u.end] = Tag::Actor;
                    u.end += 1;
                }
            }
        }
        // FORMER before an actor with no agent makes an elite.
        for u in &mut s.units {
            if u.start > 0
                && tok_word(&s.toks, &s.words, u.start - 1).eq_ignore_ascii_case("FORMER")
            {
                for m in &mut u.members {
                    for c in &mut m.codes {
                        if !c.ends_with("ELI") {
                            *c = [c.as_str(), "ELI"].concat();
                        }
                    }
                }
            }
        }
        s.units.retain(|u| !u.members.is_empty());
        s.units.sort_by_key(|u| u.start);
        // Units that overlap are merged (an actor inside another's span).
        let mut merged: Vec<Unit> = Vec::new();
        for u in std::mem::take(&mut s.units) {
            if let Some(last) = merged.last_mut() {
                if u.start < last.end {
                    last.end = last.end.max(u.end);
                    for m in u.members {
                        if !last.members.iter().any(|x| x.codes == m.codes) {
                            last.members.push(m);
                        }
                    }
                    continue;
                }
            }
            merged.push(u);
        }
        s.units = merged;
        self.index_units(s);
    }

    fn index_units(&self, s: &mut Sentence) {
        s.unit_at.clear();
        s.unit_at.resize(s.toks.len(), None);
        for (i, u) in s.units.iter().enumerate() {
            for p in u.start..u.end {
                s.unit_at[p] = Some(i);
            }
        }
    }

    /// Parsed compounds: `A and B`, `A, B and C`, with adjectives and determiners in
    /// front of each; compound nouns and adjectives keep their conjunction from
    /// splitting clauses.
    fn find_compounds(&self, s: &mut Sentence) {
        let n = s.toks.len();
        // Start of the noun phrase that ends with unit u: adjectives/determiners before it.
        let np_start = |s: &Sentence, start: usize| -> usize {
            let mut p = start;
            while p > 0 && matches!(s.tags[p - 1], Tag::Adj | Tag::Det) {
                p -= 1;
            }
            p
        };
        // From position p, skip adjectives/determiners and return the unit starting there.
        let loose = self.opts.petrarch;
        let unit_after = |s: &Sentence, mut p: usize| -> Option<usize> {
            let mut skipped = 0;
            while p < n
                && (matches!(s.tags[p], Tag::Adj | Tag::Det)
                    || (loose && s.tags[p] == Tag::Word && skipped < 3))
            {
                if s.tags[p] == Tag::Word {
                    skipped += 1;
                }
                p += 1;
            }
            if p < n {
                if let Some(u) = s.unit_at[p] {
                    if s.units[u].start == p {
                        return Some(u);
                    }
                }
            }
            None
        };
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut u = 0;
        while u < s.units.len() {
            let mut group = vec![u];
            let mut seps: Vec<usize> = Vec::new();
            let mut cur = u;
            loop {
                let mut end = s.units[cur].end;
                // PETRARCH reads "Ithilen's sheep and goats of Gondor" as a compound:
                // the words of the first noun phrase may come before the conjunction.
                if loose && group.len() == 1 {
                    let mut k = end;
                    while k < n && k < end + 2 && s.tags[k] == Tag::Word {
                        k += 1;
                    }
                    if k < n && k > end && s.tags[k] == Tag::Conj {
                        end = k;
                    }
                }
                if end >= n {
                    break;
                }
                if s.tags[end] == Tag::Conj && s.word_in(end, &["AND", "OR", "NOR"]) {
                    if let Some(next) = unit_after(s, end + 1) {
                        group.push(next);
                        seps.push(end);
                        // A conjunction closes a list.
                        break;
                    }
                    break;
                } else if s.word(end) == "," {
                    // ", and" continues the list.
                    if end + 1 < n && s.tags[end + 1] == Tag::Conj && s.word_is(end + 1, "AND") {
                        if let Some(next) = unit_after(s, end + 2) {
                            group.push(next);
                            seps.push(end);
                            seps.push(end + 1);
                            break;
                        }
                        break;
                    }
                    if let Some(next) = unit_after(s, end + 1) {
                        group.push(next);
                        seps.push(end);
                        cur = next;
                        continue;
                    }
                    break;
                } else {
                    break;
                }
            }
            // A comma list must end with a conjunction to be a compound.
            let ends_with_conj = seps.last().is_some_and(|&p| s.tags[p] == Tag::Conj);
            if group.len() > 1 && ends_with_conj {
                for &p in &seps {
                    if s.tags[p] == Tag::Conj {
                        s.bound_conj[p] = true;
                    } else {
                        s.bound_comma[p] = true;
                    }
                }
                u = *group.last().unwrap() + 1;
                groups.push(group);
            } else {
                u += 1;
            }
        }
        // Compound nouns and adjectives: NOUN CONJ ADJ* NOUN, ADJ CONJ ADJ.
        for p in 1..n.saturating_sub(1) {
            if s.tags[p] != Tag::Conj || s.bound_conj[p] {
                continue;
            }
            let prev = s.tags[p - 1];
            let mut q = p + 1;
            while q < n && s.tags[q] == Tag::Adj {
                q += 1;
            }
            // PETRARCH's parse also joins plain words ("death and injury toll").
            let noun_like = |t: Tag| matches!(t, Tag::Noun) || (loose && t == Tag::Word);
            if (noun_like(prev) && q < n && noun_like(s.tags[q]))
                || (prev == Tag::Adj && s.tags[p + 1] == Tag::Adj)
            {
                s.bound_conj[p] = true;
            }
        }
        if groups.is_empty() {
            return;
        }
        // Merge each group into one compound unit.
        let mut new_units: Vec<Unit> = Vec::new();
        let mut in_group = vec![None; s.units.len()];
        for (gi, g) in groups.iter().enumerate() {
            for &u in g {
                in_group[u] = Some(gi);
            }
        }
        let mut done = vec![false; groups.len()];
        for (ui, unit) in s.units.iter().enumerate() {
            match in_group[ui] {
                None => new_units.push(unit.clone()),
                Some(gi) if !done[gi] => {
                    done[gi] = true;
                    let g = &groups[gi];
                    let first = &s.units[g[0]];
                    let last = &s.units[*g.last().unwrap()];
                    let mut members = Vec::new();
                    // PETRARCH carries "the ambassadors of A, B and C" to every member.
                    let carried = if self.opts.petrarch {
                        first.prep_agent.clone()
                    } else {
                        None
                    };
                    for &m in g {
                        for mem in &s.units[m].members {
                            let mut mem = mem.clone();
                            if let (Some((code, prefix, former)), true) = (&carried, m != g[0]) {
                                for c in &mut mem.codes {
                                    *c = add_agent(c, code, *prefix, *former);
                                }
                            }
                            members.push(mem);
                        }
                    }
                    let start = np_start(s, first.start).min(first.start);
                    new_units.push(Unit {
                        start: start.max(first.start),
                        end: last.end,
                        members,
                        compound: true,
                        pronoun: false,
                        prep_agent: None,
                    });
                }
                Some(_) => {}
            }
        }
        s.units = new_units;
        self.index_units(s);
    }

    /// Pronouns stand for earlier actors: HE/SHE/IT the first actor of the sentence,
    /// ITS/HIS/HER the nearest actor before, THEY/THEM/THEIR the first compound (or
    /// the first actor).
    fn resolve_pronouns(&self, s: &mut Sentence, forward: Option<&str>) {
        let n = s.toks.len();
        let mut added = Vec::new();
        for p in 0..n {
            if s.tags[p] != Tag::Pron {
                continue;
            }
            let w = s.upper(p);
            if s.deleted[p] {
                continue;
            }
            let before: Vec<&Unit> = s
                .units
                .iter()
                .filter(|u| u.end <= p && !s.deleted[u.start])
                .collect();
            if before.is_empty() {
                // A pronoun before any actor stands for the previous sentence's lead actor.
                if let Some(f) = forward {
                    added.push(Unit {
                        start: p,
                        end: p + 1,
                        members: vec![ActorRef {
                            codes: vec![f.to_string()],
                            text: w.to_string(),
                            base: f.to_string(),
                        }],
                        compound: false,
                        pronoun: true,
                        prep_agent: None,
                    });
                }
                continue;
            }
            let referent: Option<(Vec<ActorRef>, bool)> = match &*w {
                "HE" | "SHE" | "IT" | "HIM" => {
                    before.first().map(|u| (u.members.clone(), u.compound))
                }
                // The first actor of the sentence (the last member when it is a compound).
                "ITS" | "HIS" | "HER" => before
                    .first()
                    .and_then(|u| u.members.last())
                    .map(|m| (vec![m.clone()], false)),
                _ => before
                    .iter()
                    .find(|u| u.compound)
                    .or(before.first())
                    .map(|u| (u.members.clone(), u.compound)),
            };
            if let Some((members, compound)) = referent {
                added.push(Unit {
                    start: p,
                    end: p + 1,
                    members,
                    compound,
                    pronoun: true,
                    prep_agent: None,
                });
            }
        }
        if !added.is_empty() {
            for u in added {
                s.tags[u.start] = Tag::Actor;
                s.units.push(u);
            }
            s.units.sort_by_key(|u| u.start);
            self.index_units(s);
        }
    }

    /// Deletes short comma-delimited clauses; returns how many were deleted.
    fn delete_comma_clauses(&self, s: &mut Sentence) -> usize {
        let rule = self.opts.comma;
        if !rule.on {
            return 0;
        }
        let n = s.toks.len();
        let commas: Vec<usize> = (0..n)
            .filter(|&i| s.tags[i] == Tag::Comma && !s.bound_comma[i])
            .collect();
        if commas.is_empty() {
            return 0;
        }
        let mut deleted = 0;
        // Beginning clause: from the start to the first comma.
        let first = commas[0];
        let mut consumed = false;
        if first > rule.bmin && first <= rule.bmax {
            for i in 0..=first {
                s.deleted[i] = true;
            }
            deleted += 1;
            consumed = true;
        }
        // Interior clauses; a comma that closes a deleted clause is used up, so it
        // cannot open the end clause.
        for w in commas.windows(2) {
            let (a, b) = (w[0], w[1]);
            let len = b - a - 1;
            consumed = false;
            if len > rule.min && len <= rule.max {
                for i in a..=b {
                    s.deleted[i] = true;
                }
                deleted += 1;
                consumed = true;
            }
        }
        let last = *commas.last().unwrap();
        let len = n - last - 1;
        if !consumed && len > rule.emin && len <= rule.emax {
            for i in last..n {
                s.deleted[i] = true;
            }
            deleted += 1;
        }
        deleted
    }

    /// Clauses split at conjunctions that are not part of a compound or inside the
    /// span of a phrase with gaps.
    fn clauses(&self, s: &Sentence) -> Vec<(usize, usize)> {
        let n = s.toks.len();
        let mut inside = vec![false; n];
        for sp in &s.spans {
            inside[sp.start..sp.end].fill(true);
        }
        let mut out = Vec::new();
        let mut start = 0;
        for (i, &within) in inside.iter().enumerate() {
            let comma_break = self.opts.petrarch
                && s.tags[i] == Tag::Comma
                && !s.bound_comma[i]
                && opens_clause(s, i + 1);
            if (s.tags[i] == Tag::Conj || comma_break)
                && !s.bound_conj[i]
                && !s.deleted[i]
                && !within
            {
                out.push((start, i));
                start = i + 1;
            }
        }
        out.push((start, n));
        out
    }

    fn complexity(&self, s: &Sentence, comma_deleted: usize) -> Option<String> {
        let c = &self.opts.complex;
        if c.is_off() {
            return None;
        }
        let live = |i: usize| !s.deleted[i];
        let verbs: Vec<usize> = (0..s.toks.len())
            .filter(|&i| {
                live(i)
                    && s.tags[i] == Tag::Verb
                    && s.span_at[i].is_some_and(|sid| s.spans[sid].start == i)
            })
            .collect();
        if c.verbs > 0 && verbs.len() >= c.verbs {
            return Some(format!("{} verbs", verbs.len()));
        }
        // Each count only when its rule is on: the pronoun count reads every word.
        if c.conj > 0 {
            let conj = (0..s.toks.len())
                .filter(|&i| live(i) && s.tags[i] == Tag::Conj && !s.bound_conj[i])
                .count();
            if conj >= c.conj {
                return Some(format!("{conj} conjunctions"));
            }
        }
        if c.actors > 0 && s.units.len() >= c.actors {
            return Some(format!("{} actors", s.units.len()));
        }
        if c.pronouns > 0 {
            let prons = (0..s.toks.len())
                .filter(|&i| s.tags[i] == Tag::Pron || s.word_is(i, "THEY"))
                .count();
            if prons >= c.pronouns {
                return Some(format!("{prons} pronouns"));
            }
        }
        if c.comma > 0 && comma_deleted >= c.comma {
            return Some(format!("{comma_deleted} comma clauses"));
        }
        if c.no_verb && verbs.is_empty() {
            return Some("no verb".into());
        }
        if c.late_verb > 0 && verbs.first().is_none_or(|&v| v >= c.late_verb) {
            return Some("late verb".into());
        }
        let coded_verb =
            verbs
                .iter()
                .copied()
                .find(|&i| match s.spans[s.span_at[i].unwrap()].kind {
                    EntryKind::Verb(v) => !self.dict.verbs[v as usize].code.is_null(),
                    _ => false,
                });
        if let Some(v) = coded_verb {
            let prior = s.units.iter().any(|u| u.start < v && !s.deleted[u.start]);
            if c.no_act_prior && !prior && self.opts.default_source.is_none() {
                return Some("no actor before the first verb".into());
            }
            let after = s.units.iter().any(|u| u.start > v && !s.deleted[u.start]);
            if c.no_act_after && !after && self.opts.default_target.is_none() {
                return Some("no actor after the first verb".into());
            }
        }
        None
    }

    /// Codes each clause, applying CODE BY, subordinate and dominant codes.
    fn code_clauses(
        &self,
        s: &Sentence,
        clauses: &[(usize, usize)],
        date: Date,
        mut trace: Option<&mut Trace>,
    ) -> (Status, Vec<Event>) {
        let d = self.dict;
        let mut found: Vec<Found> = Vec::new();
        let mut source: Option<usize> = None;
        let mut subordinate_held: Vec<Found> = Vec::new();
        let date = self.time_shift(s, date);
        // With fewer than two distinct actor codes in the sentence (and none by default
        // or made up from nouns), a verb gives no event whatever its pattern: an event
        // needs a source code other than its target's. Only a `###` or `+++` code a
        // verb may end with changes the outcome. Most news sentences are of this kind
        // (in Reuters, 55% have no actor and 30% one code), and their verbs need no
        // pattern search. (`explain` still traces every verb.)
        let eventless = trace.is_none()
            && at_most_one_code(&s.units)
            && self.opts.require_dyad
            && self.opts.default_source.is_none()
            && self.opts.default_target.is_none()
            && self.opts.new_actor_length == 0;
        // PETRARCH codes a clause after a remaining comma on its own ("..., the agency said").
        // A clause's live tokens, and the candidate patterns of a verb: one vector each,
        // reused from clause to clause, verb to verb and sentence to sentence.
        let (mut live, mut cands) = CLAUSE_SCRATCH.take();
        'clauses: for (ci, &(cs, ce)) in clauses.iter().enumerate() {
            let detached = self.opts.petrarch && cs > 0 && s.tags[cs - 1] == Tag::Comma;
            live.clear();
            live.extend((cs..ce).filter(|&i| !s.deleted[i]));
            if live.is_empty() {
                continue;
            }
            // The source carries over from the previous clause unless an actor opens this one.
            let opener = live
                .iter()
                .copied()
                .find(|&p| !matches!(s.tags[p], Tag::Det | Tag::Adj));
            let first_unit_in_clause = live
                .iter()
                .find_map(|&p| s.unit_at[p].filter(|&u| s.units[u].start == p));
            if ci == 0 || detached {
                source = None;
            } else if let Some(o) = opener {
                if let Some(u) = s.unit_at[o] {
                    source = Some(u);
                }
            }
            let mut clause_found: Vec<Found> = Vec::new();
            let mut clause_sub: Vec<Found> = Vec::new();
            for (li, &p) in live.iter().enumerate() {
                if s.tags[p] != Tag::Verb {
                    continue;
                }
                let Some(sid) = s.span_at[p] else { continue };
                let sp = &s.spans[sid];
                if sp.start != p {
                    continue;
                }
                let EntryKind::Verb(v) = sp.kind else {
                    continue;
                };
                let verb = &d.verbs[v as usize];
                let verb_end = live.iter().position(|&q| q >= sp.end).unwrap_or(live.len());
                if self.opts.petrarch {
                    // A verb right before another ("should have acted") is not the head of
                    // the verb phrase: PETRARCH codes the last verb of the chain.
                    let mut k = verb_end;
                    let mut hops = 0;
                    while k < live.len()
                        && hops < 2
                        && s.word_in(live[k], &["HAVE", "HAS", "HAD", "BE", "BEEN", "TO", "NOT"])
                    {
                        k += 1;
                        hops += 1;
                    }
                    if k < live.len() && hops > 0 && s.tags[live[k]] == Tag::Verb {
                        continue;
                    }
                }
                let ctx = MatchCtx::new(s, &live, li, verb_end);
                if eventless
                    && !verb.code.ends_coding()
                    && !std::iter::once(verb.group)
                        .chain(verb.extra_groups.iter().copied())
                        .any(|g| {
                            let pi = &d.pattern_index[g as usize];
                            pi.ending.iter().any(|&i| {
                                let pat = &d.pattern_groups[g as usize][i as usize];
                                ctx.may_match(&pi.brief[i as usize])
                                    && ctx.match_pattern(pat, d).is_some()
                            })
                        })
                {
                    continue;
                }
                let mut result: Option<(EventCode, Binding, Option<&Pattern>)> = None;
                // Only the patterns whose key word occurs in the sentence, in the
                // order of their groups' longest-first lists.
                let groups = std::iter::once(verb.group).chain(verb.extra_groups.iter().copied());
                // (longest first, group order, list order, group): sorting the plain
                // tuples is several times cheaper than comparing through lookups.
                cands.clear();
                for (gpos, g) in groups.enumerate() {
                    let pi = &d.pattern_index[g as usize];
                    let key = |i: u32| {
                        (
                            std::cmp::Reverse(pi.brief[i as usize].weight),
                            gpos as u32,
                            i,
                            g,
                        )
                    };
                    cands.extend(pi.always.iter().map(|&i| key(i)));
                    // Whichever is shorter is walked: the sentence's words, each looked
                    // up among the group's key words, or the key words, each tested
                    // against the sentence (the candidates are sorted below).
                    let present = s.pattern_ids();
                    if pi.by_word.len() < present.ids.len() {
                        for (&id, v) in &pi.by_word {
                            if present.contains(id) {
                                cands.extend(v.iter().map(|&i| key(i)));
                            }
                        }
                    } else {
                        for id in present.ids.iter().copied().filter(|&id| pi.may_key(id)) {
                            if let Some(v) = pi.by_word.get(&id) {
                                cands.extend(v.iter().map(|&i| key(i)));
                            }
                        }
                    }
                }
                cands.sort_unstable();
                cands.dedup();
                // (Those missing a literal word are passed over unread.)
                let pats = cands
                    .iter()
                    .filter(|&&(_, _, i, g)| {
                        ctx.may_match(&d.pattern_index[g as usize].brief[i as usize])
                    })
                    .map(|&(_, _, i, g)| &d.pattern_groups[g as usize][i as usize]);
                // Longest first; a match through alternatives counts only the letters it
                // actually matched, so longer patterns are still tried after it.
                let mut best_weight = 0;
                for pat in pats {
                    if result.is_some() && pat.weight <= best_weight {
                        break;
                    }
                    if let Some(b) = ctx.match_pattern(pat, d) {
                        let actual = (pat.weight + b.alt_chars).saturating_sub(pat.alt_weight);
                        if result.is_none() || actual > best_weight {
                            best_weight = actual;
                            result = Some((pat.code.clone(), b, Some(pat)));
                        }
                    }
                }
                let (code, binding, pat) =
                    result.unwrap_or((verb.code.clone(), Binding::default(), None));
                if let Some(t) = trace.as_deref_mut() {
                    match pat {
                        Some(pt) => t.steps.push(format!(
                            "verb {} matched pattern \"{}\" [{}] at {}",
                            verb.text,
                            pt.text,
                            code_text(&pt.code),
                            pt.loc
                        )),
                        None => t.steps.push(format!(
                            "verb {} coded by its root [{}] at {}",
                            verb.text,
                            code_text(&verb.code),
                            verb.loc
                        )),
                    }
                }
                let (ev_code, paired, sub, dom) = match &code {
                    EventCode::Special(Special::Null) => continue,
                    EventCode::Special(Special::Discard) => {
                        return (
                            Status::Discard {
                                story: false,
                                phrase: verb.text.clone(),
                            },
                            Vec::new(),
                        )
                    }
                    EventCode::Special(Special::Complex) => {
                        return (
                            Status::Complex(format!("complex phrase of {}", verb.text)),
                            Vec::new(),
                        )
                    }
                    EventCode::Event {
                        code,
                        paired,
                        subordinate,
                        dominant,
                    } => (code.clone(), paired.clone(), *subordinate, *dominant),
                };
                // The words the pattern matched, else the verb's own.
                let verb_text = match binding.words() {
                    matched if pat.is_some() && !matched.is_empty() => {
                        span_text(s, matched.iter().map(|&q| q as usize))
                    }
                    _ => span_text(s, sp.positions.iter().copied()),
                };
                let f = self.assign(
                    s,
                    &live,
                    li,
                    verb_end,
                    &binding,
                    source,
                    first_unit_in_clause,
                    ev_code,
                    paired,
                    dom,
                    verb_text,
                    date,
                    trace.as_deref_mut(),
                );
                let Some(mut f) = f else { continue };
                f.subordinate = sub;
                if f.source_unit.is_some() && ci > 0 && binding.source.is_some() {
                    source = f.source_unit;
                } else if ci == 0 || source.is_none() {
                    source = f.source_unit.or(source);
                }
                if sub {
                    clause_sub.push(f);
                    if self.opts.code_by == CodeBy::All {
                        continue;
                    }
                    continue;
                }
                clause_found.push(f);
                if self.opts.code_by != CodeBy::All {
                    break;
                }
            }
            if clause_found.is_empty() && ci == 0 && source.is_none() {
                source = first_unit_in_clause;
            }
            match self.opts.code_by {
                CodeBy::Clause => {
                    if clause_found.is_empty() {
                        clause_found.extend(clause_sub);
                    }
                    found.extend(clause_found);
                }
                CodeBy::Sentence => {
                    subordinate_held.extend(clause_sub);
                    if !clause_found.is_empty() {
                        found.push(clause_found.remove(0));
                        break 'clauses;
                    }
                }
                CodeBy::All => {
                    subordinate_held.extend(clause_sub);
                    found.extend(clause_found);
                }
            }
        }
        if found.is_empty() {
            found.extend(subordinate_held);
        } else if found.iter().any(|f| !f.subordinate) {
            found.retain(|f| !f.subordinate);
        }
        // Dominant codes: when present, only they are kept.
        if found.iter().any(|f| f.dominant) {
            found.retain(|f| f.dominant);
        }
        let mut events: Vec<Event> = Vec::new();
        for f in found {
            for e in f.events {
                if !events.contains(&e) {
                    events.push(e);
                }
            }
        }
        events.truncate(self.opts.max_events);
        live.clear();
        cands.clear();
        CLAUSE_SCRATCH.set((live, cands));
        (Status::Coded, events)
    }

    fn time_shift(&self, s: &Sentence, date: Date) -> Date {
        if !self.opts.time_shift {
            return date;
        }
        for sp in &s.spans {
            if let EntryKind::Time(t) = sp.kind {
                if let TimeValue::Days(n) = self.dict.times[t as usize].shift {
                    return date.add_days(n);
                }
            }
        }
        date
    }

    /// Finds source and target for a verb and expands them into events.
    #[allow(clippy::too_many_arguments)]
    fn assign(
        &self,
        s: &Sentence,
        live: &[usize],
        verb_start: usize,
        verb_end: usize,
        b: &Binding,
        clause_source: Option<usize>,
        first_unit_in_clause: Option<usize>,
        code: String,
        paired: Option<String>,
        dominant: bool,
        verb_text: String,
        date: Date,
        trace: Option<&mut Trace>,
    ) -> Option<Found> {
        let units_before: Vec<usize> = live[..verb_start]
            .iter()
            .filter_map(|&p| s.unit_at[p].filter(|&u| s.units[u].start == p))
            .collect();
        let units_after: Vec<usize> = live[verb_end..]
            .iter()
            .filter_map(|&p| s.unit_at[p].filter(|&u| s.units[u].start == p))
            .collect();
        let mut source = b.source;
        let mut target = b.target;
        let mut why = Vec::new();
        let compound_after = b
            .compound
            .is_some_and(|c| s.units[c].start >= live[verb_start]);
        if let (Some(c), true) = (b.compound, self.opts.petrarch && compound_after) {
            target = Some(c);
            why.push("target: the compound named by % after the verb".to_string());
        } else if let Some(c) = b.compound {
            source = Some(c);
            if self.opts.petrarch {
                why.push("source: the compound named by % in the pattern".to_string());
            } else {
                target = Some(c);
                why.push("source and target: the compound named by % in the pattern".to_string());
            }
        }
        let designated = b.source.is_some() || b.target.is_some() || b.compound.is_some();
        let compound_source_only = self.opts.petrarch && b.compound.is_some() && !compound_after;
        // Passive voice: WAS/WERE/BEEN one or two words before the verb, BY right after.
        let passive = !designated && {
            let vs = live[verb_start];
            let aux = (1..=2).any(|k| {
                vs >= k && s.tags[vs - k] == Tag::Aux && s.word_in(vs - k, &["WAS", "WERE", "BEEN"])
            });
            let by = verb_end < live.len() && s.tags[live[verb_end]] == Tag::By;
            let by_late = verb_end + 1 < live.len() && s.tags[live[verb_end + 1]] == Tag::By;
            aux && (by || by_late)
        };
        if passive {
            // The agent after BY is the source; the subject is the target.
            let by_pos = if s.tags[live[verb_end]] == Tag::By {
                verb_end
            } else {
                verb_end + 1
            };
            let after_by: Option<usize> = live[by_pos + 1..]
                .iter()
                .find_map(|&p| s.unit_at[p].filter(|&u| s.units[u].start == p));
            source = after_by;
            target = clause_source.or_else(|| units_before.first().copied());
            why.push("passive voice: the actor after BY is the source".into());
        }
        let mut split_compound = false;
        if let (None, Some(t)) = (source, b.target.filter(|_| !passive)) {
            // The pattern set the target: the source is the first actor with another code.
            let tcodes = s.units[t].codes();
            let other = |u: &usize| *u != t && !s.units[*u].codes_eq(&tcodes);
            source = units_before
                .iter()
                .copied()
                .find(other)
                .or_else(|| units_after.iter().copied().find(other));
            if source.is_some() {
                why.push(
                    "source: the first actor with a code other than the pattern's target".into(),
                );
            }
        }
        if source.is_none() && !passive {
            // The clause's source, or the first actor before the verb.
            source = match (clause_source, units_before.first()) {
                (Some(cs), _) => Some(cs),
                (None, Some(&u)) => Some(u),
                _ => None,
            };
            let _ = first_unit_in_clause;
            if source.is_some() {
                why.push("source: the first actor before the verb".into());
            } else if b.target.is_none()
                && !self
                    .opts
                    .default_source
                    .as_ref()
                    .is_some_and(|d| d.positional)
                && self.opts.new_actor_length == 0
            {
                // TABARI is greedy: with no actor before the verb, the first actor after it.
                source = units_after.iter().copied().find(|&u| !s.units[u].pronoun);
                split_compound = source.is_some_and(|u| s.units[u].compound);
                if source.is_some() {
                    why.push(
                        "source: no actor before the verb, so the first actor after it".into(),
                    );
                }
            }
        }
        let codes_of = |u: usize| -> Vec<&str> { s.units[u].codes() };
        if (target.is_none() || compound_source_only) && !passive {
            let src_codes: Vec<&str> = source.map(codes_of).unwrap_or_default();
            let distinct = |u: &usize| source != Some(*u) && !s.units[*u].codes_eq(&src_codes);
            target = units_after.iter().copied().find(distinct);
            if target.is_some() {
                why.push("target: the first actor after the verb with another code".into());
            } else {
                target = units_before.iter().copied().find(distinct);
                if target.is_some() {
                    why.push("target: the first actor before the verb with another code".into());
                } else if source.is_some_and(|u| s.units[u].compound) {
                    target = source;
                    why.push("target: the compound source itself".into());
                }
            }
        }
        // Default actors.
        let mut src_codes: Vec<(String, String)> = source
            .map(|u| member_codes(&s.units[u]))
            .unwrap_or_default();
        let mut tgt_codes: Vec<(String, String)> = target
            .map(|u| member_codes(&s.units[u]))
            .unwrap_or_default();
        if split_compound && source == target && src_codes.len() > 1 {
            // A compound found after the verb: its first actor acts on the others.
            tgt_codes = src_codes.split_off(1);
        }
        let real_before = !units_before.is_empty();
        let real_after = units_after.iter().any(|&u| !s.units[u].pronoun);
        if let Some(ds) = &self.opts.default_source {
            if src_codes.is_empty() || (ds.positional && !real_before && b.source.is_none()) {
                src_codes = vec![(ds.code.clone(), String::new())];
            }
        }
        if let Some(dt) = &self.opts.default_target {
            if tgt_codes.is_empty() || (dt.positional && !real_after && b.target.is_none()) {
                tgt_codes = vec![(dt.code.clone(), String::new())];
            }
        }
        // PETRARCH's new actors: an uncoded noun phrase of at most `new_actor_length`
        // words next to the verb stands for itself, in quotes.
        let n_new = self.opts.new_actor_length;
        if n_new > 0 && src_codes.is_empty() && b.source.is_none() {
            let mut k = verb_start;
            while k > 0
                && matches!(
                    s.tags[live[k - 1]],
                    Tag::Word | Tag::Det | Tag::Adj | Tag::Noun
                )
                && s.unit_at[live[k - 1]].is_none()
            {
                k -= 1;
            }
            if let Some(text) = new_actor(s, &live[k..verb_start], n_new) {
                src_codes = vec![(text, String::new())];
            }
        }
        // "Eriador's death and injury toll has risen": the noun phrase joined to the
        // subject by a conjunction is a second, new actor.
        if n_new > 0 && self.opts.petrarch && !src_codes.is_empty() && b.source.is_none() {
            const AUX: &[&str] = &[
                "HAS", "HAVE", "HAD", "IS", "ARE", "WAS", "WERE", "WILL", "WOULD", "HAS_",
            ];
            let mut k = verb_start;
            while k > 0 && s.word_in(live[k - 1], AUX) {
                k -= 1;
            }
            let end = k;
            while k > 0
                && matches!(s.tags[live[k - 1]], Tag::Word | Tag::Adj | Tag::Noun)
                && s.unit_at[live[k - 1]].is_none()
            {
                k -= 1;
            }
            if k > 0 && k < end && s.bound_conj[live[k - 1]] {
                if let Some(text) = new_actor(s, &live[k..end], n_new) {
                    src_codes.push((text, String::new()));
                }
            }
        }
        if n_new > 0 && tgt_codes.is_empty() && b.target.is_none() && verb_end < live.len() {
            const PREPS: &[&str] = &[
                "FOR", "TO", "WITH", "AT", "IN", "ON", "INTO", "FROM", "AGAINST", "BY",
            ];
            let mut k = verb_end;
            if s.word_in(live[k], PREPS) {
                k += 1;
            }
            let start = k;
            while k < live.len()
                && matches!(s.tags[live[k]], Tag::Word | Tag::Det | Tag::Adj | Tag::Noun)
                && s.unit_at[live[k]].is_none()
                && !(k > start && s.word_in(live[k], PREPS))
            {
                k += 1;
            }
            if let Some(text) = new_actor(s, &live[start..k], n_new) {
                tgt_codes = vec![(text, String::new())];
            }
        }
        if !(self.opts.require_dyad || src_codes.is_empty() && tgt_codes.is_empty()) {
            // Without the dyad requirement a missing side is written `---`.
            if src_codes.is_empty() {
                src_codes.push(("---".into(), String::new()));
            }
            if tgt_codes.is_empty() {
                tgt_codes.push(("---".into(), String::new()));
            }
        }
        if src_codes.is_empty() || tgt_codes.is_empty() {
            if let Some(t) = trace {
                t.steps.push(format!(
                    "verb {verb_text}: no {} found, no event",
                    if src_codes.is_empty() {
                        "source"
                    } else {
                        "target"
                    }
                ));
            }
            return None;
        }
        let mut events = Vec::new();
        for (sc, st) in &src_codes {
            for (tc, tt) in &tgt_codes {
                if sc == tc {
                    continue;
                }
                let mk = |a: &str, at: &str, bb: &str, bt: &str, c: &str| Event {
                    source: a.to_string(),
                    target: bb.to_string(),
                    code: c.to_string(),
                    date,
                    source_text: at.to_string(),
                    target_text: bt.to_string(),
                    verb_text: verb_text.clone(),
                    issues: Vec::new(),
                    attribution: None,
                };
                events.push(mk(sc, st, tc, tt, &code));
                if let Some(p) = &paired {
                    events.push(mk(tc, tt, sc, st, p));
                }
            }
        }
        if let Some(t) = trace {
            for w in why {
                t.steps.push(w);
            }
        }
        // The grammatical subject (the actor written first) is the source of later verbs.
        let subject = match (source, target) {
            (Some(a), Some(t)) if passive || s.units[t].start < s.units[a].start => Some(t),
            _ => source,
        };
        Some(Found {
            events,
            dominant,
            subordinate: false,
            source_unit: subject,
        })
    }
}

/// True when all the units together carry at most one distinct code.
fn at_most_one_code(units: &[Unit]) -> bool {
    let mut first: Option<&str> = None;
    for c in units.iter().flat_map(|u| &u.members).flat_map(|m| &m.codes) {
        match first {
            None => first = Some(c),
            Some(f) if f == c => {}
            Some(_) => return false,
        }
    }
    true
}

/// The quoted text of a new actor: the words of a noun phrase (possessive 'S dropped),
/// when there are 1..=`max` of them and one is not a determiner.
fn new_actor(s: &Sentence, positions: &[usize], max: usize) -> Option<String> {
    let words: Vec<String> = positions
        .iter()
        .map(|&p| s.upper(p).trim_end_matches("'S").to_string())
        .collect();
    if words.is_empty() || words.len() > max || positions.iter().all(|&p| s.tags[p] == Tag::Det) {
        return None;
    }
    Some(format!("\"{}\"", words.join(" ")))
}

/// Whether the words from `p` open a clause with its own subject: an actor before
/// any preposition, verb or further punctuation ("..., a senior official said").
fn opens_clause(s: &Sentence, mut p: usize) -> bool {
    const PREPOSITIONS: &[&str] = &[
        "WITH", "OF", "IN", "TO", "FOR", "ON", "AT", "FROM", "BY", "AFTER", "BEFORE", "AGAINST",
        "OVER",
    ];
    while p < s.toks.len() {
        if s.unit_at[p].is_some() {
            return true;
        }
        match s.tags[p] {
            Tag::Verb | Tag::Comma | Tag::Conj => return false,
            _ if s.word_in(p, PREPOSITIONS) => return false,
            _ => p += 1,
        }
    }
    false
}

fn member_codes(u: &Unit) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(u.members.len());
    for m in &u.members {
        for c in &m.codes {
            if !out.iter().any(|(x, _)| x == c) {
                out.push((c.clone(), m.text.clone()));
            }
        }
    }
    out
}

/// Adds an agent code to an actor code, unless the actor already carries it on a
/// three-character boundary; FORMER turns the agent into an elite (ELI).
fn add_agent(actor: &str, agent: &str, prefix: bool, former: bool) -> String {
    let agent = if former { "ELI" } else { agent };
    let aligned_contains = |hay: &str, needle: &str| -> bool {
        if needle.is_empty() {
            return true;
        }
        let mut i = 0;
        while i + needle.len() <= hay.len() {
            if &hay[i..i + needle.len()] == needle {
                return true;
            }
            i += 3;
        }
        false
    };
    if aligned_contains(actor, agent) {
        return actor.to_string();
    }
    if prefix {
        [agent, actor].concat()
    } else {
        [actor, agent].concat()
    }
}

struct Found {
    events: Vec<Event>,
    dominant: bool,
    subordinate: bool,
    /// The grammatical subject: the source of later verbs.
    source_unit: Option<usize>,
}

/// What a pattern match bound. Small and `Copy`: matching backtracks a lot.
#[derive(Clone, Copy, Debug, Default)]
struct Binding {
    source: Option<usize>,
    target: Option<usize>,
    compound: Option<usize>,
    words: [u16; 12],
    n_words: u8,
    /// Letters of the alternatives that matched.
    alt_chars: usize,
}

impl Binding {
    fn push_word(&mut self, p: usize) {
        if (self.n_words as usize) < self.words.len() {
            self.words[self.n_words as usize] = p as u16;
            self.n_words += 1;
        }
    }
    fn words(&self) -> &[u16] {
        &self.words[..self.n_words as usize]
    }
}

/// End positions an element can reach (a few at most).
#[derive(Clone, Copy, Debug, Default)]
struct Ends {
    v: [usize; 6],
    n: usize,
}

impl Ends {
    fn one(e: usize) -> Ends {
        let mut x = Ends::default();
        x.push(e);
        x
    }
    fn push(&mut self, e: usize) {
        if self.n < self.v.len() && !self.as_slice().contains(&e) {
            self.v[self.n] = e;
            self.n += 1;
        }
    }
    fn as_slice(&self) -> &[usize] {
        &self.v[..self.n]
    }
}

struct MatchCtx<'s> {
    s: &'s Sentence,
    /// Live (not deleted) token positions of the clause.
    live: &'s [usize],
    /// Index in `live` of the verb's first word.
    verb_start: usize,
    /// Index in `live` just after the verb.
    verb_end: usize,
    /// The part of the clause patterns may use: after the last barrier before the
    /// verb, up to the first barrier after it (live indices, end exclusive).
    lo: usize,
    hi: usize,
    /// The [`id_bit`]s of the tokens patterns may use before the verb and after it.
    lower_bits: u64,
    upper_bits: u64,
}

impl<'s> MatchCtx<'s> {
    fn new(s: &'s Sentence, live: &'s [usize], verb_start: usize, verb_end: usize) -> Self {
        let mut ctx = MatchCtx {
            s,
            live,
            verb_start,
            verb_end,
            lo: 0,
            hi: live.len(),
            lower_bits: 0,
            upper_bits: 0,
        };
        if let Some(li) = (0..verb_start).rev().find(|&li| ctx.barrier(li)) {
            ctx.lo = li + 1;
        }
        if let Some(li) = (verb_end..live.len()).find(|&li| ctx.barrier(li)) {
            ctx.hi = li;
        }
        let bits = |range: &[usize]| {
            range
                .iter()
                .fold(0, |bits, &p| bits | s.toks[p].info.id_bits)
        };
        ctx.lower_bits = bits(&live[ctx.lo..verb_start.max(ctx.lo)]);
        ctx.upper_bits = bits(&live[verb_end.min(ctx.hi)..ctx.hi]);
        ctx
    }

    /// False when a literal word `brief`'s pattern needs is missing from its side of
    /// the verb: [`Self::match_pattern`] would fail (a test on the pattern's summary
    /// that spares reading the pattern itself).
    fn may_match(&self, brief: &crate::dict::PatternBrief) -> bool {
        brief.lower_bits & !self.lower_bits == 0 && brief.upper_bits & !self.upper_bits == 0
    }

    fn barrier(&self, li: usize) -> bool {
        let p = self.live[li];
        self.s.tags[p] == Tag::Comma && !self.s.bound_comma[p]
    }

    /// Whether `w` matches a live token between live indices `a` and `z`.
    fn occurs(&self, w: &PWord, a: usize, z: usize) -> bool {
        if a >= z {
            return false;
        }
        let bit = id_bit(w.id);
        if self.s.pattern_ids().bits & bit == 0 {
            return false;
        }
        // (A token that matches `w` has `w`'s id among its own, and so its bit.)
        let (pa, pz) = (self.live[a], self.live[z - 1] + 1);
        (pa..pz).any(|p| {
            let t = &self.s.toks[p];
            t.info.id_bits & bit != 0 && !self.s.deleted[p] && word_matches(w, t)
        })
    }

    fn match_pattern(&self, pat: &Pattern, d: &Dictionaries) -> Option<Binding> {
        let (lo, hi) = (self.lo, self.hi);
        // Every literal word must occur on its side of the verb. (Callers have ruled out
        // patterns whose literal words' bits a side lacks, with `may_match`; a word of
        // an alternative whose bit its side lacks is not searched for.)
        let side = |upper: bool| {
            if upper {
                (self.verb_end, hi, self.upper_bits)
            } else {
                (lo, self.verb_start, self.lower_bits)
            }
        };
        for &(w, upper) in &pat.required {
            let (a, z, _) = side(upper);
            if !self.occurs(&w, a, z) {
                return None;
            }
        }
        for (words, upper) in &pat.required_any {
            let (a, z, bits) = side(*upper);
            if !words
                .iter()
                .any(|w| bits & id_bit(w.id) != 0 && self.occurs(w, a, z))
            {
                return None;
            }
        }
        let mut b = Binding::default();
        if !pat.lower.is_empty() {
            // Elements before the verb are found scanning back from it: `$ *` takes
            // the nearest actor before the verb.
            if !self.match_rev(
                &pat.lower,
                pat.lower.len(),
                self.verb_start,
                pat.verb_link,
                lo,
                &mut b,
                d,
            ) {
                return None;
            }
        }
        if !pat.upper.is_empty() {
            let ok = self.match_seq(&pat.upper, 0, self.verb_end, hi, &mut b, d, &mut |_, _| {
                true
            });
            if !ok {
                return None;
            }
        }
        Some(b)
    }

    /// Matches `items[..k]` backwards: `items[k - 1]` must end at `bound` (when `adj`
    /// is adjacent) or before it, and not start before `lo`.
    #[allow(clippy::too_many_arguments)]
    fn match_rev(
        &self,
        items: &[Item],
        k: usize,
        bound: usize,
        adj: Link,
        lo: usize,
        b: &mut Binding,
        d: &Dictionaries,
    ) -> bool {
        if k == 0 {
            return true;
        }
        let item = &items[k - 1];
        let ends = match adj {
            Link::Adjacent => bound..=bound,
            Link::Gap => lo + 1..=bound,
        };
        for e in ends.rev() {
            if e <= lo {
                continue;
            }
            // Starts from which the element reaches exactly `e`, nearest first.
            for st in (lo..e).rev() {
                if !self.can_start(&item.elem, st, d) {
                    if matches!(item.elem, Elem::Word(_)) {
                        break;
                    }
                    continue;
                }
                let saved = *b;
                let reach = self.match_elem(&item.elem, st, e, b, d);
                if reach.as_slice().contains(&e)
                    && self.match_rev(items, k - 1, st, item.link, lo, b, d)
                {
                    return true;
                }
                *b = saved;
                if matches!(item.elem, Elem::Word(_)) {
                    break;
                }
            }
        }
        false
    }

    /// Matches `items[k..]` starting at live index `pos` (the first item may float
    /// when its link is a gap), within `limit`. `accept` checks the final end.
    #[allow(clippy::too_many_arguments)]
    fn match_seq(
        &self,
        items: &[Item],
        k: usize,
        pos: usize,
        limit: usize,
        b: &mut Binding,
        d: &Dictionaries,
        accept: &mut dyn FnMut(usize, &Binding) -> bool,
    ) -> bool {
        self.match_seq_from(items, k, pos, limit, b, d, accept, false)
    }

    /// As [`Self::match_seq`]; `anchored` pins the first item at `pos`.
    #[allow(clippy::too_many_arguments)]
    fn match_seq_from(
        &self,
        items: &[Item],
        k: usize,
        pos: usize,
        limit: usize,
        b: &mut Binding,
        d: &Dictionaries,
        accept: &mut dyn FnMut(usize, &Binding) -> bool,
        anchored: bool,
    ) -> bool {
        if k == items.len() {
            return accept(pos, b);
        }
        let item = &items[k];
        let link = if anchored && k == 0 {
            Link::Adjacent
        } else {
            item.link
        };
        let candidates = match link {
            Link::Adjacent => pos..(pos + 1).min(limit),
            Link::Gap => pos..limit,
        };
        for c in candidates {
            if !self.can_start(&item.elem, c, d) {
                continue;
            }
            let saved = *b;
            let ends = self.match_elem(&item.elem, c, limit, b, d);
            for &end in ends.as_slice() {
                if self.match_seq_from(items, k + 1, end, limit, b, d, accept, false) {
                    return true;
                }
            }
            *b = saved;
        }
        false
    }

    /// Ends at which any branch (an alternative, or a synonym-set member) matches
    /// from `at`; `count` adds the matched branch's letters to the binding.
    fn match_branches(
        &self,
        branches: &[Vec<Item>],
        at: usize,
        limit: usize,
        b: &mut Binding,
        d: &Dictionaries,
        count: bool,
    ) -> Ends {
        self.match_branches_of(branches.iter(), at, limit, b, d, count)
    }

    /// As [`Self::match_branches`], over some of the branches.
    fn match_branches_of<'i>(
        &self,
        branches: impl Iterator<Item = &'i Vec<Item>>,
        at: usize,
        limit: usize,
        b: &mut Binding,
        d: &Dictionaries,
        count: bool,
    ) -> Ends {
        let mut ends = Ends::default();
        for branch in branches {
            let mut tmp = *b;
            let mut got = None;
            let accept = &mut |e, _: &Binding| {
                got = Some(e);
                true
            };
            if self.match_seq_from(branch, 0, at, limit, &mut tmp, d, accept, true) {
                if let Some(e) = got.filter(|e| !ends.as_slice().contains(e)) {
                    ends.push(e);
                    if count {
                        tmp.alt_chars += crate::dict::pattern::items_weight(branch, &d.vocab);
                    }
                    *b = tmp;
                }
            }
        }
        ends
    }

    /// A quick necessary condition for `elem` to match at live index `at`: most
    /// positions of a gap fail it, and skip the full match with its backtracking state.
    fn can_start(&self, elem: &Elem, at: usize, d: &Dictionaries) -> bool {
        let s = self.s;
        let p = self.live[at];
        let unit_starts = || s.unit_at[p].is_some_and(|u| s.units[u].start == p);
        // A token whose ids' bits miss a word's (or all of a synonym set's first
        // words') cannot begin it: most tokens of a gap are ruled out so.
        match elem {
            Elem::Word(w) => {
                s.toks[p].info.id_bits & id_bit(w.id) != 0 && word_matches(w, &s.toks[p])
            }
            Elem::Source | Elem::Target | Elem::Skip => unit_starts(),
            Elem::Compound => {
                s.unit_at[p].is_some_and(|u| s.units[u].start == p && s.units[u].compound)
            }
            Elem::Synset(id) => match &d.synset_first_words[*id as usize] {
                Some(_) if s.toks[p].info.id_bits & d.synset_first_bits[*id as usize] == 0 => false,
                Some(firsts) => token_ids(&s.toks[p]).any(|t| {
                    let from = firsts.partition_point(|&(id, _)| id < t);
                    firsts.get(from).is_some_and(|&(id, _)| id == t)
                }),
                None => true,
            },
            Elem::Alt(alts) => alts.iter().any(|branch| {
                branch
                    .first()
                    .is_none_or(|it| self.can_start(&it.elem, at, d))
            }),
        }
    }

    /// Ends (exclusive live indices) at which `elem` can match starting at `at`.
    fn match_elem(
        &self,
        elem: &Elem,
        at: usize,
        limit: usize,
        b: &mut Binding,
        d: &Dictionaries,
    ) -> Ends {
        let s = self.s;
        let p = self.live[at];
        let unit_here = || -> Option<(usize, usize)> {
            let u = s.unit_at[p]?;
            if s.units[u].start != p {
                return None;
            }
            let end_tok = s.units[u].end;
            let end = (at..limit)
                .find(|&li| self.live[li] >= end_tok)
                .unwrap_or(limit);
            Some((u, end.max(at + 1)))
        };
        match elem {
            Elem::Word(w) => {
                if word_matches(w, &s.toks[p]) {
                    b.push_word(p);
                    Ends::one(at + 1)
                } else {
                    Ends::default()
                }
            }
            Elem::Source => match unit_here() {
                Some((u, e)) => {
                    b.source = Some(u);
                    Ends::one(e)
                }
                None => Ends::default(),
            },
            Elem::Target => match unit_here() {
                Some((u, e)) => {
                    b.target = Some(u);
                    Ends::one(e)
                }
                None => Ends::default(),
            },
            Elem::Compound => match unit_here() {
                Some((u, e)) if s.units[u].compound => {
                    b.compound = Some(u);
                    Ends::one(e)
                }
                _ => Ends::default(),
            },
            Elem::Skip => match unit_here() {
                Some((_, e)) => Ends::one(e),
                None => Ends::default(),
            },
            Elem::Synset(id) => {
                let members = &d.synsets[*id as usize];
                let Some(firsts) = &d.synset_first_words[*id as usize] else {
                    return self.match_branches(members, at, limit, b, d, d.count_synsets);
                };
                // Only the members this token can begin, in the set's order.
                let mut picked: Vec<u32> = Vec::new();
                for t in token_ids(&s.toks[p]) {
                    let from = firsts.partition_point(|&(id, _)| id < t);
                    picked.extend(
                        firsts[from..]
                            .iter()
                            .take_while(|&&(id, _)| id == t)
                            .map(|&(_, m)| m),
                    );
                }
                if picked.is_empty() {
                    return Ends::default();
                }
                picked.sort_unstable();
                picked.dedup();
                self.match_branches_of(
                    picked.iter().map(|&m| &members[m as usize]),
                    at,
                    limit,
                    b,
                    d,
                    d.count_synsets,
                )
            }
            Elem::Alt(alts) => self.match_branches(alts, at, limit, b, d, true),
        }
    }
}

fn value_text(v: &ActorValue) -> String {
    match v {
        ActorValue::Codes(c) => c.join("/"),
        ActorValue::Special(Special::Null) => "---".into(),
        ActorValue::Special(Special::Discard) => "###".into(),
        ActorValue::Special(Special::Complex) => "+++".into(),
    }
}

/// Writes an event code the way the dictionaries do.
pub fn code_text(c: &EventCode) -> String {
    match c {
        EventCode::Special(Special::Null) => "---".into(),
        EventCode::Special(Special::Discard) => "###".into(),
        EventCode::Special(Special::Complex) => "+++".into(),
        EventCode::Event {
            code,
            paired,
            subordinate,
            dominant,
        } => {
            let mut s = code.clone();
            if let Some(p) = paired {
                s.push(':');
                s.push_str(p);
            }
            if *subordinate {
                s.push('?');
            }
            if *dominant {
                s.push('!');
            }
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::dict::load::{load_texts, FileKind};
    use crate::dict::DictBuilder;

    #[test]
    fn unit_codes_compare_as_the_list_they_make() {
        let member = |codes: &[&str]| ActorRef {
            codes: codes.iter().map(|c| c.to_string()).collect(),
            text: String::new(),
            base: codes.first().map(|c| c.to_string()).unwrap_or_default(),
        };
        let unit = |members: Vec<ActorRef>| Unit {
            start: 0,
            end: 1,
            members,
            compound: false,
            pronoun: false,
            prep_agent: None,
        };
        let units = [
            unit(vec![]),
            unit(vec![member(&["USA"])]),
            unit(vec![member(&["USA", "USAGOV"]), member(&["USA"])]),
            unit(vec![member(&["USAGOV"]), member(&["USA", "USAGOV"])]),
            unit(vec![member(&["FRA"]), member(&["FRA"]), member(&["DEU"])]),
        ];
        let lists: Vec<Vec<&str>> = vec![
            vec![],
            vec!["USA"],
            vec!["USA", "USAGOV"],
            vec!["USAGOV", "USA"],
            vec!["USA", "USA"],
            vec!["FRA", "DEU"],
            vec!["FRA", "DEU", "FRA"],
            vec!["FRA"],
        ];
        for u in &units {
            for l in &lists {
                assert_eq!(u.codes_eq(l), u.codes() == *l, "{:?} vs {l:?}", u.codes());
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn short_word_keys_differ_for_different_words(
            a in "[A-Z0-9'.]{0,15}|\\PC{0,6}",
            b in "[A-Z0-9'.]{0,15}|\\PC{0,6}",
        ) {
            if let (Some(ka), Some(kb)) = (WordCache::short_key(&a), WordCache::short_key(&b)) {
                proptest::prop_assert_eq!(ka == kb, a == b);
            }
        }

        #[test]
        fn short_word_keys_see_every_byte(
            a in "[A-Z0-9]{1,15}",
            at in 0usize..15,
            with in "[A-Z0-9]",
        ) {
            // The same word with one byte replaced: the keys differ unless it is the same.
            let at = at % a.len();
            let b = format!("{}{}{}", &a[..at], with, &a[at + 1..]);
            let (ka, kb) = (WordCache::short_key(&a).unwrap(), WordCache::short_key(&b).unwrap());
            proptest::prop_assert_eq!(ka == kb, a == b);
        }
    }

    #[test]
    fn short_word_keys_tell_lengths_and_tails_apart() {
        let words = [
            "",
            "A",
            "AA",
            "AAA",
            "AAAA",
            "AAAAA",
            "AAAAAAA",
            "AAAAAAAA",
            "AAAAAAAAA",
            "AAAAAAAAAAAA",
            "AAAAAAAAAAAAAAA",
            "A\0",
            "ABCDEFGHIJKLMNO",
            "ABCDEFGHIJKLMNP",
            "BBCDEFGHIJKLMNO",
            "ABCDEFGHXJKLMNO",
            "ABCDEFGHIJKXMNO",
            "ABCDE",
            "ABXDE",
        ];
        let keys: Vec<u128> = words
            .iter()
            .map(|w| WordCache::short_key(w).unwrap())
            .collect();
        for i in 0..keys.len() {
            for j in 0..i {
                assert_ne!(keys[i], keys[j], "{:?} and {:?}", words[i], words[j]);
            }
        }
        assert!(WordCache::short_key("ABCDEFGHIJKLMNOP").is_none());
    }

    #[test]
    fn sentences_without_a_possible_event_end_as_the_full_coding_would() {
        let d = norway_and_sweden("BURN [145]\n- * HOUSES [143]\n");
        let date = Date::parse_any("2020-01-01").unwrap();
        let opts = Options::default();
        let c = Coder::new(&d, &opts);
        let code = |sentence: &str, forward: Option<&str>| {
            let quick = c.code_full(sentence, date, false, forward);
            let traced = c.code_full(sentence, date, true, forward);
            assert_eq!(quick.status, traced.status, "{sentence}");
            assert_eq!(quick.events.len(), traced.events.len(), "{sentence}");
            assert_eq!(quick.lead_actor, traced.lead_actor, "{sentence}");
            quick
        };
        // One actor: no event, but it is still the lead actor for the next sentence.
        let r = code("Norway burned houses.", None);
        assert_eq!(r.status, Status::NoEvent);
        assert_eq!(r.lead_actor.as_deref(), Some("NOR"));
        // A pronoun standing for the previous sentence's lead actor makes a dyad ...
        let r = code("He burned houses in Sweden.", Some("NOR"));
        assert_eq!(r.status, Status::Coded);
        assert_eq!(
            (r.events[0].source.as_str(), r.events[0].target.as_str()),
            ("NOR", "SWE")
        );
        // ... but not when it is the same actor.
        assert_eq!(
            code("He burned houses in Sweden.", Some("SWE")).status,
            Status::NoEvent
        );
        // A complexity rule still applies to such sentences.
        let mut strict = Options::default();
        strict.complex.verbs = 1;
        let c = Coder::new(&d, &strict);
        let r = c.code("Norway burned houses.", date);
        assert_eq!(r.status, Status::Complex("1 verbs".into()));
    }

    #[test]
    fn the_no_event_shortcut_agrees_with_the_full_coding_with_agents_and_elites() {
        let mut b = DictBuilder::new();
        load_texts(
            &mut b,
            &[
                ("a", FileKind::Actors, "NORWAY_ [NOR]\nSWEDEN_ [SWE]\n"),
                ("g", FileKind::Agents, "MINISTER [~GOV]\n"),
                ("v", FileKind::Verbs, "BURN [145]\n- * HOUSES [143]\n"),
            ],
        );
        let d = b.build();
        let date = Date::parse_any("2020-01-01").unwrap();
        let opts = Options::default();
        let c = Coder::new(&d, &opts);
        let sentences = [
            "Former Norway burned houses.",
            "He burned houses in former Norway.",
            "The Norway minister burned houses.",
            "The minister burned houses in Sweden.",
            "The minister burned houses.",
            "He burned houses.",
        ];
        let forwards = [
            None,
            Some("NOR"),
            Some("NORELI"),
            Some("NORGOV"),
            Some("SWE"),
        ];
        let mut coded = 0;
        for sentence in sentences {
            for forward in forwards {
                let quick = c.code_full(sentence, date, false, forward);
                let traced = c.code_full(sentence, date, true, forward);
                let what = format!("{sentence} after {forward:?}");
                assert_eq!(quick.status, traced.status, "{what}");
                assert_eq!(quick.events, traced.events, "{what}");
                assert_eq!(quick.lead_actor, traced.lead_actor, "{what}");
                coded += usize::from(quick.status == Status::Coded);
            }
        }
        // Both outcomes occur: a pronoun or an agent's actor makes some dyads.
        assert!(coded > 0 && coded < sentences.len() * forwards.len());
    }

    #[test]
    fn verbs_with_special_codes_end_or_void_the_sentence_unless_they_have_patterns() {
        let mut b = DictBuilder::new();
        load_texts(
            &mut b,
            &[
                ("a", FileKind::Actors, "NORWAY_ [NOR]\nSWEDEN_ [SWE]\n"),
                (
                    "v",
                    FileKind::Verbs,
                    "ABANDON [###]\nPONDER [+++]\nSHRUG [---]\nWEIGH [+++]\n- * TIES WITH $ [036]\n",
                ),
            ],
        );
        let d = b.build();
        let traits = |root: &str| {
            let v = d.verbs.iter().position(|v| v.text == root).unwrap();
            d.verb_traits[v]
        };
        assert_eq!(
            traits("ABANDON"),
            verb_traits::DISCARD | verb_traits::MAY_END
        );
        assert_eq!(
            traits("PONDER"),
            verb_traits::COMPLEX | verb_traits::MAY_END
        );
        assert_eq!(traits("SHRUG"), verb_traits::NULL);
        assert_eq!(
            traits("WEIGH"),
            verb_traits::COMPLEX | verb_traits::HAS_PATTERNS | verb_traits::MAY_END
        );
        let date = Date::parse_any("2020-01-01").unwrap();
        let opts = Options::default();
        let c = Coder::new(&d, &opts);
        for trace in [false, true] {
            let code = |text: &str| c.code_full(text, date, trace, None);
            assert_eq!(
                code("Norway abandoned Sweden.").status,
                Status::Discard {
                    story: false,
                    phrase: "ABANDON".into()
                }
            );
            assert_eq!(
                code("Norway pondered Sweden.").status,
                Status::Complex("complex verb PONDER".into())
            );
            assert_eq!(code("Norway shrugged Sweden.").status, Status::NoEvent);
            let weighed = code("Norway weighed ties with Sweden.");
            assert_eq!(weighed.status, Status::Coded, "trace {trace}");
            assert_eq!(weighed.events[0].code, "036");
        }
    }

    #[test]
    fn a_sentence_date_is_worked_out_only_when_the_coding_needs_it() {
        let mut b = DictBuilder::new();
        load_texts(
            &mut b,
            &[
                (
                    "a",
                    FileKind::Actors,
                    "NORWAY_ [NOR]\nSWEDEN_ [SWE]\nHAAKON_ [NORGOV 19050101-19571231] [NOR]\n",
                ),
                ("v", FileKind::Verbs, "ACCUSE [112]\n"),
            ],
        );
        let d = b.build();
        let opts = Options::default();
        let c = Coder::new(&d, &opts);
        let in_office = Date::parse_any("1940-04-09").unwrap();
        let asked = std::cell::Cell::new(0);
        let date = || {
            asked.set(asked.get() + 1);
            in_office
        };
        let code = |sentence: &str| {
            asked.set(0);
            let r = c.code_dated_lazily(sentence, &date, None);
            (r, asked.get())
        };
        // No event and no dated actor: the date is never needed.
        let (r, n) = code("Norway accused nobody.");
        assert_eq!((r.status, n), (Status::NoEvent, 0));
        // An event carries the date, worked out once.
        let (r, n) = code("Norway accused Sweden.");
        assert_eq!(n, 1);
        assert_eq!(r.events[0].date, in_office);
        // An actor with dated codes needs it even when there is no event.
        let (r, n) = code("Haakon accused nobody.");
        assert_eq!((r.status, n), (Status::NoEvent, 1));
        let (r, _) = code("Haakon accused Sweden.");
        assert_eq!(r.events[0].source, "NORGOV");
    }

    /// Dictionaries of two actors, NORWAY and SWEDEN, and these verbs.
    fn norway_and_sweden(verbs: &str) -> Dictionaries {
        let mut b = DictBuilder::new();
        load_texts(
            &mut b,
            &[
                ("a", FileKind::Actors, "NORWAY_ [NOR]\nSWEDEN_ [SWE]\n"),
                ("v", FileKind::Verbs, verbs),
            ],
        );
        b.build()
    }

    #[test]
    fn the_shortcuts_of_word_analysis_hold_for_the_lists() {
        for e in REGULAR_ENDINGS {
            assert!(matches!(
                e.as_bytes().last(),
                Some(b'S' | b'G' | b'D' | b'N' | b'\'')
            ));
        }
        for w in [DETERMINERS, PRONOUNS, CONJUNCTIONS, AUXILIARIES].concat() {
            assert!(w.len() <= 5, "{w}");
        }
        assert_eq!(word_class("BEING"), Tag::Aux);
        assert_eq!(word_class("THEIR"), Tag::Pron);
        assert_eq!(word_class("123456"), Tag::Num);
        assert_eq!(word_class("THEIRS"), Tag::Word);
    }

    #[test]
    fn words_no_dictionary_knows_share_one_analysis_per_class() {
        let d = norway_and_sweden("PLAN [030]\n");
        let (toks, words, total) = analyse_sentence(
            &d,
            "Norway and the walrus planned zebras, the Zebras and the zebras' keepers said.",
            100,
        );
        let s = Sentence::new(toks, words, false);
        assert_eq!(total, s.toks.len());
        let at = |w: &str| {
            (0..s.toks.len())
                .find(|&i| s.word(i) == w)
                .unwrap_or_else(|| {
                    panic!(
                        "{w} not in {:?}",
                        (0..s.toks.len()).map(|i| s.word(i)).collect::<Vec<_>>()
                    )
                })
        };
        let info = |w: &str| &s.toks[at(w)].info;
        // Unknown words of one class share one analysis, whatever their case.
        assert!(std::rc::Rc::ptr_eq(info("walrus"), info("zebras")));
        assert!(std::rc::Rc::ptr_eq(info("zebras"), info("Zebras")));
        // (A word the tokenizer rewrote, as with an apostrophe, is upper-case.)
        assert!(std::rc::Rc::ptr_eq(info("walrus"), info("ZEBRAS'")));
        assert!(std::rc::Rc::ptr_eq(info("walrus"), info("said")));
        // Known words, and unknown words of another class, have their own.
        for known in ["Norway", "planned", "the"] {
            assert!(!std::rc::Rc::ptr_eq(info("walrus"), info(known)), "{known}");
        }
        assert!(info("walrus").knows_nothing() && !info("planned").knows_nothing());
        // A token's word is read from the sentence, compared without case, and
        // upper-cased when it is written out.
        let z = at("Zebras");
        assert!(s.word_is(z, "ZEBRAS") && s.word_in(z, &["X", "ZEBRAS"]));
        assert!(!s.word_is(z, "ZEBRA"));
        assert_eq!(s.upper(z), "ZEBRAS");
        assert_eq!(
            span_text(&s, at("walrus")..at("walrus") + 2),
            "WALRUS PLANNED"
        );
    }

    #[test]
    fn endings_after_multibyte_characters_do_not_panic() {
        let d = norway_and_sweden("PLAN [030]\n");
        let opts = Options::default();
        let c = Coder::new(&d, &opts);
        let date = Date::parse_any("2020-01-01").unwrap();
        // U+8000 is E8 80 80 in UTF-8: its last two bytes are equal.
        let r = c.code("Norway \u{8000}ed Sweden.", date);
        assert!(r.events.is_empty());
        // Doubled consonants still reduce: PLANNED is a form of PLAN.
        let r = c.code("Norway planned Sweden.", date);
        assert_eq!(r.events.len(), 1);
    }

    #[test]
    fn discard_and_complex_patterns_still_end_sentences_without_a_dyad() {
        let d =
            norway_and_sweden("BURN [145]\n- * FLAG [###]\n- * EFFIGY [+++]\n- * HOUSES [143]\n");
        let opts = Options::default();
        let c = Coder::new(&d, &opts);
        let date = Date::parse_any("2020-01-01").unwrap();
        let discarded = Status::Discard {
            story: false,
            phrase: "BURN".into(),
        };
        let complex = Status::Complex("complex phrase of BURN".into());
        let cases = [
            // No actor: the verbs' ordinary patterns are not searched, but ### and +++ are.
            ("Protesters burned a flag.", discarded.clone()),
            ("Protesters burned an effigy.", complex.clone()),
            ("Protesters burned houses.", Status::NoEvent),
            ("Protesters burned tyres.", Status::NoEvent),
            ("Norway burned houses in Sweden.", Status::Coded),
            // One actor code (twice): no event either, but ### and +++ still count.
            ("Norway burned a flag.", discarded),
            ("Norway burned an effigy of Norway.", complex),
            ("Norway burned houses in Norway.", Status::NoEvent),
        ];
        for (sentence, want) in cases {
            let quick = c.code(sentence, date);
            assert_eq!(quick.status, want, "{sentence}");
            // A traced run searches every pattern and must agree.
            let traced = c.code_with(sentence, date, true);
            assert_eq!(traced.status, quick.status, "{sentence}");
            assert_eq!(traced.events.len(), quick.events.len(), "{sentence}");
        }
        let r = c.code("Norway burned houses in Sweden.", date);
        assert_eq!(r.events[0].code, "143");
    }
}
