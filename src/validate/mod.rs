//! Conformance runners for the TABARI and PETRARCH validation suites.

pub mod petrarch;
pub mod tabari;

use crate::coder::Status;

/// What a validation record expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// These events (source, target, code), in any order.
    Events(Vec<(String, String, String)>),
    /// No event (`{---}`).
    NoEvent,
    /// A complex sentence (`{+++}`).
    Complex,
    /// A discarded sentence (`{###}`).
    Discard,
    /// A discarded story (PETRARCH `error="storydiscard"`).
    StoryDiscard,
    /// The sentence opens with a dateline (PETRARCH `error="dateline"`).
    Dateline,
}

/// The outcome of one record.
#[derive(Clone, Debug)]
pub struct RecordResult {
    /// Record id.
    pub id: String,
    /// What was expected.
    pub expected: Expect,
    /// What was coded.
    pub got: Expect,
    /// Whether they agree.
    pub passed: bool,
}

/// Totals of a validation run.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    /// Records whose result matched.
    pub passed: usize,
    /// Records whose result did not match.
    pub failed: usize,
    /// Records not evaluated (and why).
    pub skipped: Vec<(String, String)>,
    /// Every evaluated record.
    pub results: Vec<RecordResult>,
}

/// Converts a coder result to the form records are compared in.
pub fn observed(status: &Status, events: &[crate::coder::Event]) -> Expect {
    match status {
        Status::Complex(_) => Expect::Complex,
        Status::Discard { story: true, .. } => Expect::StoryDiscard,
        Status::Discard { .. } => Expect::Discard,
        Status::Coded => {
            let mut ev: Vec<(String, String, String)> = events
                .iter()
                .map(|e| (e.source.clone(), e.target.clone(), e.code.clone()))
                .collect();
            ev.sort();
            ev.dedup();
            Expect::Events(ev)
        }
        Status::NoEvent | Status::TooShort => Expect::NoEvent,
    }
}

/// Whether the observed result satisfies the expectation. Events are compared as
/// sets; `subset` accepts extra coded events (for records whose lists are marked as
/// incomplete).
pub fn agrees(expected: &Expect, got: &Expect, subset: bool) -> bool {
    match (expected, got) {
        (Expect::Events(e), Expect::Events(g)) => {
            let mut e = e.clone();
            e.sort();
            e.dedup();
            if subset {
                e.iter().all(|x| g.contains(x))
            } else {
                e == *g
            }
        }
        (Expect::NoEvent, Expect::Events(g)) => g.is_empty(),
        (Expect::Events(e), Expect::NoEvent) => e.is_empty(),
        (Expect::Discard, Expect::StoryDiscard) => true,
        (a, b) => a == b,
    }
}

/// Formats an expectation for a report line.
pub fn show(e: &Expect) -> String {
    match e {
        Expect::Events(ev) if ev.is_empty() => "{---}".into(),
        Expect::Events(ev) => ev
            .iter()
            .map(|(s, t, c)| format!("{{{s} / {t} / {c}}}"))
            .collect::<Vec<_>>()
            .join(" "),
        Expect::NoEvent => "{---}".into(),
        Expect::Complex => "{+++}".into(),
        Expect::Discard => "{###}".into(),
        Expect::StoryDiscard => "{### story}".into(),
        Expect::Dateline => "{dateline}".into(),
    }
}
