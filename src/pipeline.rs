//! The corpus driver: stories are read in a stream of chunks, each chunk is coded in
//! parallel, and rows are written in input order, so output is the same whatever
//! the thread count and memory stays bounded whatever the input size.

use crate::coder::{Coder, Event, Status};
use crate::date::Date;
use crate::io::input::{LineBlock, Origin, Record, Rejected, Story};
use crate::io::output::EventWriter;
use crate::text::sentences;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// One output row: an event and its story context.
#[derive(Clone, Debug)]
pub struct Row {
    /// `STORY-SENTENCE-N`, unique in a run.
    pub event_id: String,
    /// Story id.
    pub story_id: String,
    /// One-based sentence number in the story.
    pub sentence: usize,
    /// The story date.
    pub story_date: Date,
    /// The event.
    pub event: Event,
    /// The sentence text.
    pub text: String,
    /// `--keep-field` values.
    pub kept: Vec<String>,
}

/// How stories are coded.
#[derive(Clone, Debug)]
pub struct StoryConfig {
    /// Code only the first N sentences.
    pub max_sentences: Option<usize>,
    /// Move the event date when the sentence anchors it ("on Monday").
    pub anchor_dates: bool,
    /// Keep events whose source equals their target.
    pub keep_self: bool,
    /// Drop events with a `---` side.
    pub require_dyad: bool,
    /// Pronouns opening a sentence stand for the previous sentence's lead actor.
    pub forward_pronouns: bool,
}

impl Default for StoryConfig {
    fn default() -> Self {
        StoryConfig {
            max_sentences: None,
            anchor_dates: true,
            keep_self: false,
            require_dyad: true,
            forward_pronouns: true,
        }
    }
}

/// What became of a story.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoryOutcome {
    /// At least one event.
    Coded,
    /// No event.
    NoEvent,
    /// Discarded by a story-level discard phrase.
    Discarded,
}

/// The coding of one story.
#[derive(Clone, Debug)]
pub struct StoryResult {
    /// Rows in order.
    pub rows: Vec<Row>,
    /// Sentences coded.
    pub sentences: usize,
    /// Sentences that gave events.
    pub coded_sentences: usize,
    /// Sentences discarded or too complex.
    pub skipped_sentences: usize,
    /// Sentences cut at the word cap.
    pub truncated_sentences: usize,
    /// Outcome.
    pub outcome: StoryOutcome,
    /// The rows as text, when the thread that coded the story wrote them (then `rows`
    /// is empty): see [`code_chunk`].
    pub written: Option<Written>,
}

/// Rows written as text by the thread that coded them.
#[derive(Clone, Debug, Default)]
pub struct Written {
    /// How many rows.
    pub rows: usize,
    /// Their text, in the output format.
    pub text: Vec<u8>,
}

const WEEKDAYS: &[&str] = &[
    "MONDAY",
    "TUESDAY",
    "WEDNESDAY",
    "THURSDAY",
    "FRIDAY",
    "SATURDAY",
    "SUNDAY",
];
const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// The date a sentence anchors its event to, relative to the story date: "on Monday"
/// (the last Monday on or before the story date), "on July 5", "yesterday". Vaguer
/// phrases ("last week") leave the story date.
pub fn anchored_date(sentence: &str, story: Date) -> Date {
    // Runs on every sentence, so it looks only where the two trigger words can be: a
    // vectorised search finds each Y and each N, and only those places are examined.
    // The first trigger in the text wins: a YESTERDAY, or an ON that a date follows.
    let bytes = sentence.as_bytes();
    let words = AlnumWords {
        text: sentence,
        at: 0,
    };
    let whole = |from: usize, to: usize| {
        let before = from == 0
            || match bytes[from - 1] {
                b if b < 0x80 => !b.is_ascii_alphanumeric(),
                _ => !sentence[..from]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric),
            };
        before && (to >= bytes.len() || !words.word_char(to).0)
    };
    let yesterday = memchr::memchr2_iter(b'y', b'Y', bytes)
        .find(|&k| {
            bytes.len() >= k + 9
                && bytes[k..k + 9].eq_ignore_ascii_case(b"YESTERDAY")
                && whole(k, k + 9)
        })
        .unwrap_or(bytes.len());
    // The date an ON whose N is at `k` introduces, if it does.
    let on_date = |k: usize| -> Option<Date> {
        if !whole(k - 1, k + 1) {
            return None;
        }
        let mut ahead = AlnumWords {
            text: sentence,
            at: k + 1,
        };
        date_after_on(&mut ahead, story)
    };
    let window = &bytes[..yesterday];
    if memchr::memchr2(b'N', b'O', window).is_none() {
        // No capital N or O (most sentences): every ON is spelt "on", and a substring
        // search finds it without stopping at every N.
        static ON: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new("on"));
        for at in ON.find_iter(window) {
            if let Some(d) = on_date(at + 1) {
                return d;
            }
        }
    } else {
        for k in memchr::memchr2_iter(b'n', b'N', window) {
            if k > 0 && matches!(bytes[k - 1], b'o' | b'O') {
                if let Some(d) = on_date(k) {
                    return d;
                }
            }
        }
    }
    if yesterday < bytes.len() {
        return story.add_days(-1);
    }
    story
}

/// The date that the words after an ON name ("Monday", "July 5"), if they name one.
fn date_after_on(ahead: &mut AlnumWords, story: Date) -> Option<Date> {
    let next = ahead.next()?;
    if let Some(wd) = WEEKDAYS.iter().position(|d| d.eq_ignore_ascii_case(next)) {
        let back = (story.weekday() as i32 - wd as i32).rem_euclid(7);
        return Some(story.add_days(-back));
    }
    let nb = next.as_bytes();
    let month = MONTHS.iter().position(|m| {
        nb.len() >= 3
            && nb[..3].eq_ignore_ascii_case(m.as_bytes())
            && (nb.len() == 3 || nb.len() == 4 || {
                let full = month_name(m).as_bytes();
                nb.len() >= full.len() && nb[..full.len()].eq_ignore_ascii_case(full)
            })
    })?;
    let day = ahead.next().and_then(|d| d.parse::<u32>().ok())?;
    let (y, _, _) = story.ymd();
    let d = Date::from_ymd(y, month as u32 + 1, day)?;
    // A date well after the story date refers to the previous year.
    if d > story.add_days(7) {
        if let Some(prev) = Date::from_ymd(y - 1, month as u32 + 1, day) {
            return Some(prev);
        }
    }
    Some(d)
}

/// The maximal runs of letters and digits of a text (what `split` on
/// non-alphanumeric characters yields, without the empty pieces), read byte by byte
/// where the text is ASCII.
#[derive(Clone)]
struct AlnumWords<'a> {
    text: &'a str,
    at: usize,
}

impl AlnumWords<'_> {
    /// Whether the character at byte `i` is a letter or digit, and its length.
    #[inline(always)]
    fn word_char(&self, i: usize) -> (bool, usize) {
        let b = self.text.as_bytes()[i];
        if b < 0x80 {
            (b.is_ascii_alphanumeric(), 1)
        } else {
            let c = self.text[i..].chars().next().unwrap_or(' ');
            (c.is_alphanumeric(), c.len_utf8())
        }
    }
}

impl<'a> Iterator for AlnumWords<'a> {
    type Item = &'a str;
    #[inline]
    fn next(&mut self) -> Option<&'a str> {
        let n = self.text.len();
        while self.at < n {
            let (word, len) = self.word_char(self.at);
            if word {
                break;
            }
            self.at += len;
        }
        if self.at >= n {
            return None;
        }
        let start = self.at;
        while self.at < n {
            let (word, len) = self.word_char(self.at);
            if !word {
                break;
            }
            self.at += len;
        }
        Some(&self.text[start..self.at])
    }
}

fn month_name(abbr: &str) -> &'static str {
    match abbr {
        "JAN" => "JANUARY",
        "FEB" => "FEBRUARY",
        "MAR" => "MARCH",
        "APR" => "APRIL",
        "MAY" => "MAY",
        "JUN" => "JUNE",
        "JUL" => "JULY",
        "AUG" => "AUGUST",
        "SEP" => "SEPTEMBER",
        "OCT" => "OCTOBER",
        "NOV" => "NOVEMBER",
        _ => "DECEMBER",
    }
}

/// Codes a story: dateline removed, sentences split, each coded in order.
pub fn code_story(coder: &Coder, story: &Story, cfg: &StoryConfig) -> StoryResult {
    let body_start = sentences::dateline_len(&story.text);
    let body = &story.text[body_start..];
    let mut rows = Vec::new();
    let mut n_sent = 0;
    let mut coded_sentences = 0;
    let mut skipped = 0;
    let mut truncated = 0;
    let mut lead: Option<String> = None;
    let mut outcome = StoryOutcome::NoEvent;
    for (k, (a, b)) in sentences::split(body).into_iter().enumerate() {
        if cfg.max_sentences.is_some_and(|m| k >= m) {
            break;
        }
        let sent = &body[a..b];
        n_sent += 1;
        let date = || {
            if cfg.anchor_dates {
                anchored_date(sent, story.date)
            } else {
                story.date
            }
        };
        let forward = if cfg.forward_pronouns {
            lead.as_deref()
        } else {
            None
        };
        let mut coded = coder.code_dated_lazily(sent, &date, forward);
        truncated += usize::from(coded.truncated);
        lead = coded.lead_actor.take();
        match coded.status {
            Status::Discard { story: true, .. } => {
                return StoryResult {
                    rows: Vec::new(),
                    sentences: n_sent,
                    coded_sentences: 0,
                    skipped_sentences: skipped + 1,
                    truncated_sentences: truncated,
                    outcome: StoryOutcome::Discarded,
                    written: None,
                };
            }
            Status::Discard { .. } | Status::Complex(_) | Status::TooShort => skipped += 1,
            _ => {}
        }
        let mut any = false;
        for ev in coded.events {
            if !cfg.keep_self && ev.source == ev.target {
                continue;
            }
            if cfg.require_dyad
                && (ev.source.is_empty()
                    || ev.target.is_empty()
                    || ev.source.starts_with("---")
                    || ev.target.starts_with("---"))
            {
                continue;
            }
            any = true;
            // "story-sentence-event", written without the formatter (once per row).
            let nth = rows.iter().filter(|r: &&Row| r.sentence == k + 1).count() + 1;
            let mut event_id = String::with_capacity(story.id.len() + 12);
            event_id.push_str(&story.id);
            for n in [k + 1, nth] {
                event_id.push('-');
                crate::io::output::push_number(&mut event_id, n as u64);
            }
            rows.push(Row {
                event_id,
                story_id: story.id.clone(),
                sentence: k + 1,
                story_date: story.date,
                event: ev,
                text: sent.to_string(),
                kept: story.kept.clone(),
            });
        }
        if any {
            coded_sentences += 1;
            outcome = StoryOutcome::Coded;
        }
    }
    StoryResult {
        rows,
        sentences: n_sent,
        coded_sentences,
        skipped_sentences: skipped,
        truncated_sentences: truncated,
        outcome,
        written: None,
    }
}

/// Counts of a run. They always add up: read = coded + no event + discarded + rejected.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records read.
    pub read: u64,
    /// Stories with at least one event.
    pub coded: u64,
    /// Stories with no event.
    pub no_event: u64,
    /// Stories discarded by a story-level discard.
    pub discarded: u64,
    /// Records rejected, by reason.
    pub rejected: BTreeMap<String, u64>,
    /// Sentences coded.
    pub sentences: u64,
    /// Sentences skipped (discard, complex, too short).
    pub skipped_sentences: u64,
    /// Events written.
    pub events: u64,
    /// Events dropped as one-a-day duplicates.
    pub duplicates: u64,
    /// Sentences cut at the word cap (`--max-words`).
    pub truncated_sentences: u64,
    /// Bytes of story text.
    pub bytes: u64,
    /// Stories decoded lossily (invalid UTF-8).
    pub lossy: u64,
    /// Input files that could not be opened or read to their end (skipped, named,
    /// and the run exits with status 1).
    pub unreadable: u64,
}

impl Summary {
    /// Rejected records in all.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.values().sum()
    }

    /// Whether the counts add up.
    pub fn balanced(&self) -> bool {
        self.read == self.coded + self.no_event + self.discarded + self.rejected_total()
    }
}

/// One unit of work read from the input: a story or a rejected record, with its
/// position in the input.
pub enum Work {
    /// A story to code.
    Story(Story),
    /// A record that failed to read.
    Rejected(Rejected),
    /// An input file that could not be opened or read to its end: what happened.
    Unreadable(String),
    /// Lines of JSON Lines, to be read where they are coded.
    Lines(LineBlock),
}

/// A story that was not valid UTF-8: where its first invalid byte was, and its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lossy {
    /// File and line of the first invalid byte.
    pub at: Origin,
    /// The story id.
    pub id: String,
}

/// The result of one unit of work, written in input order.
pub enum Done {
    /// A coded story, with its size in bytes and, when it was decoded lossily, where.
    Story(StoryResult, usize, Option<Lossy>),
    /// A rejected record.
    Rejected(Rejected),
    /// An input file that could not be opened or read to its end.
    Unreadable(String),
}

/// Codes one unit of work, handing each result to `done` in input order (a block of
/// lines gives one result a record).
pub fn code_work(coder: &Coder, cfg: &StoryConfig, work: Work, done: &mut dyn FnMut(Done)) {
    match work {
        Work::Story(s) => done(code_one(coder, cfg, &s)),
        Work::Rejected(r) => done(Done::Rejected(r)),
        Work::Unreadable(e) => done(Done::Unreadable(e)),
        Work::Lines(block) => {
            for record in block.records() {
                match record {
                    Record::Story(s) => done(code_one(coder, cfg, &s)),
                    Record::Rejected(r) => done(Done::Rejected(r)),
                }
            }
        }
    }
}

/// Codes a story.
fn code_one(coder: &Coder, cfg: &StoryConfig, s: &Story) -> Done {
    let lossy = s.lossy.map(|line| Lossy {
        at: Origin {
            file: s.origin.file.clone(),
            line,
        },
        id: s.id.clone(),
    });
    Done::Story(code_story(coder, s, cfg), s.text.len(), lossy)
}

/// Makes a writer of rows into memory (see [`code_chunk`]).
pub type MemoryWriter<'a> = &'a (dyn Fn() -> Option<EventWriter<Vec<u8>>> + Sync);

/// Codes a chunk of work in parallel, keeping input order: the results of each unit
/// of work in turn (a block of lines has one a record). With `to_text`, each
/// thread also writes the rows of the stories it coded, with a writer that
/// `to_text` makes, into [`StoryResult::written`]: the one thread that writes the
/// output then only copies bytes, and the rows are freed where they were made.
pub fn code_chunk(
    coder: &Coder,
    cfg: &StoryConfig,
    chunk: Vec<Work>,
    to_text: Option<MemoryWriter>,
) -> Vec<Vec<Done>> {
    chunk
        .into_par_iter()
        .map_init(
            || to_text.and_then(|make| make()),
            |writer, w| {
                let mut out = Vec::new();
                code_work(coder, cfg, w, &mut |mut done| {
                    if let (Some(writer), Done::Story(res, ..)) = (writer.as_mut(), &mut done) {
                        write_rows(res, writer);
                    }
                    out.push(done);
                });
                out
            },
        )
        .collect()
}

/// Writes a story's rows as text into [`StoryResult::written`]. (Writing to memory
/// does not fail; if it did, the rows would stay for the output thread to write and
/// report.)
fn write_rows(res: &mut StoryResult, writer: &mut EventWriter<Vec<u8>>) {
    if res.rows.is_empty() {
        return;
    }
    if res.rows.iter().all(|r| writer.write(r).is_ok()) {
        res.written = Some(Written {
            rows: res.rows.len(),
            text: writer.take_text(),
        });
        res.rows = Vec::new();
    } else {
        writer.take_text();
    }
}

impl From<Record> for Work {
    fn from(r: Record) -> Work {
        match r {
            Record::Story(s) => Work::Story(s),
            Record::Rejected(r) => Work::Rejected(r),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Anchoring as first written, word by word: the fast search must agree.
    fn reference_anchored_date(sentence: &str, story: Date) -> Date {
        // Runs on every sentence: compares in place, allocates nothing.
        let mut words = AlnumWords {
            text: sentence,
            at: 0,
        };
        while let Some(w) = words.next() {
            if w.eq_ignore_ascii_case("YESTERDAY") {
                return story.add_days(-1);
            }
            if !w.eq_ignore_ascii_case("ON") {
                continue;
            }
            let mut ahead = words.clone();
            let Some(next) = ahead.next() else {
                continue;
            };
            if let Some(wd) = WEEKDAYS.iter().position(|d| d.eq_ignore_ascii_case(next)) {
                let back = (story.weekday() as i32 - wd as i32).rem_euclid(7);
                return story.add_days(-back);
            }
            let nb = next.as_bytes();
            let month = MONTHS.iter().position(|m| {
                nb.len() >= 3
                    && nb[..3].eq_ignore_ascii_case(m.as_bytes())
                    && (nb.len() == 3 || nb.len() == 4 || {
                        let full = month_name(m).as_bytes();
                        nb.len() >= full.len() && nb[..full.len()].eq_ignore_ascii_case(full)
                    })
            });
            if let (Some(m), Some(day)) = (month, ahead.next().and_then(|d| d.parse::<u32>().ok()))
            {
                let (y, _, _) = story.ymd();
                if let Some(d) = Date::from_ymd(y, m as u32 + 1, day) {
                    // A date well after the story date refers to the previous year.
                    if d > story.add_days(7) {
                        if let Some(prev) = Date::from_ymd(y - 1, m as u32 + 1, day) {
                            return prev;
                        }
                    }
                    return d;
                }
            }
        }
        story
    }

    proptest::proptest! {
        #[test]
        fn anchoring_agrees_with_the_word_by_word_reading(
            text in proptest::string::string_regex(
                "((on|On|ON|oN|yesterday|Yesterday|YESTERDAY|Monday|friday|July|Dec\\.|march|5|31|12|x|ön|é|\u{2014}|,| |\\.)){0,12}"
            ).unwrap(),
            day in 0i32..3000,
        ) {
            let story = Date::parse_any("2018-01-01").unwrap().add_days(day);
            proptest::prop_assert_eq!(anchored_date(&text, story), reference_anchored_date(&text, story));
        }

        #[test]
        fn alnum_words_are_the_nonempty_pieces_of_split(text in "\\PC{0,60}") {
            let fast: Vec<&str> = AlnumWords { text: &text, at: 0 }.collect();
            let slow: Vec<&str> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            proptest::prop_assert_eq!(fast, slow);
        }
    }

    #[test]
    fn anchoring() {
        let story = Date::parse_any("2021-07-07").unwrap(); // a Wednesday
        assert_eq!(
            anchored_date("Russia said on Monday it would", story).to_string(),
            "2021-07-05"
        );
        assert_eq!(
            anchored_date("Talks were held on Wednesday", story).to_string(),
            "2021-07-07"
        );
        assert_eq!(
            anchored_date("on July 5, troops moved", story).to_string(),
            "2021-07-05"
        );
        assert_eq!(
            anchored_date("on Dec. 30 the talks began", story).to_string(),
            "2020-12-30"
        );
        assert_eq!(
            anchored_date("Yesterday the army attacked", story).to_string(),
            "2021-07-06"
        );
        assert_eq!(anchored_date("Last week the army attacked", story), story);
    }
}
