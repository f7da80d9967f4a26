//! Actor codes with date restrictions, and event codes with their special forms.

use crate::date::Date;

/// A special code that is not an actor or event code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Special {
    /// `---`: the phrase is recognised but yields nothing.
    Null,
    /// `###`: the sentence (or story) is discarded.
    Discard,
    /// `+++`: the sentence is too complex to code.
    Complex,
}

/// What an actor phrase stands for on a given date.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ActorValue {
    /// One or more actor codes (several for a coded compound such as `[GME/GMW]`).
    Codes(Vec<String>),
    /// A special code.
    Special(Special),
}

impl ActorValue {
    /// Parses the code part of `[CODE ...]`.
    pub fn parse(code: &str) -> Option<ActorValue> {
        let code = code.trim();
        match special(code) {
            Some(s) => Some(ActorValue::Special(s)),
            None => {
                let codes: Vec<String> = code
                    .split('/')
                    .map(|c| c.trim().to_ascii_uppercase())
                    .filter(|c| !c.is_empty())
                    .collect();
                if codes.is_empty()
                    || codes
                        .iter()
                        .any(|c| !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '~'))
                {
                    return None;
                }
                Some(ActorValue::Codes(codes))
            }
        }
    }

    /// True for the null code.
    pub fn is_null(&self) -> bool {
        matches!(self, ActorValue::Special(Special::Null))
    }
}

/// Recognises `---`, `###`, `+++` (also written with spaces, `- - -`).
pub fn special(code: &str) -> Option<Special> {
    // Runs on every code of every dictionary: no allocation.
    let mut marks = code.chars().filter(|c| !c.is_whitespace());
    let kind = match marks.next()? {
        '-' => Special::Null,
        '#' => Special::Discard,
        '+' => Special::Complex,
        _ => return None,
    };
    let first = code.trim_start().chars().next();
    (marks.next() == first && marks.next() == first && marks.next().is_none()).then_some(kind)
}

/// When a dated code applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum DateRange {
    /// No restriction: the default.
    Always,
    /// On or before the date (`<YYMMDD`).
    UpTo(Date),
    /// On or after the date (`>YYMMDD`).
    From(Date),
    /// Between the dates, inclusive (`YYMMDD-YYMMDD`).
    Between(Date, Date),
}

impl DateRange {
    /// Whether `date` falls in the range.
    pub fn contains(self, date: Date) -> bool {
        match self {
            DateRange::Always => true,
            DateRange::UpTo(d) => date <= d,
            DateRange::From(d) => date >= d,
            DateRange::Between(a, b) => a <= date && date <= b,
        }
    }
}

/// One `[CODE restriction]` block.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct DatedCode {
    /// What the phrase stands for while the restriction holds.
    pub value: ActorValue,
    /// The restriction.
    pub range: DateRange,
}

/// All the code blocks of an actor, in dictionary order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct ActorCodes {
    /// The blocks in the order written.
    pub blocks: Vec<DatedCode>,
}

/// The value of an actor with no code in force.
static NULL_VALUE: ActorValue = ActorValue::Special(Special::Null);

impl ActorCodes {
    /// [`ActorCodes::resolve`] with the date asked for only when a block is dated.
    pub fn resolve_lazily(&self, date: impl FnOnce() -> Date) -> &ActorValue {
        if self.blocks.iter().any(|b| b.range != DateRange::Always) {
            return self.resolve(date());
        }
        // Undated codes (most actors): the first block, whatever the date.
        self.blocks.first().map_or(&NULL_VALUE, |b| &b.value)
    }

    /// Resolves the value on `date` by TABARI's rule: restrictions in order, then the
    /// undated default, else null.
    pub fn resolve(&self, date: Date) -> &ActorValue {
        for b in &self.blocks {
            if b.range != DateRange::Always && b.range.contains(date) {
                return &b.value;
            }
        }
        for b in &self.blocks {
            if b.range == DateRange::Always {
                return &b.value;
            }
        }
        &NULL_VALUE
    }
}

/// Parses the inside of one code block: `ISRGOV 830214-920624`, `X <120101`,
/// `X > 120101`, `USA`, `---`. Returns a message on error.
pub fn parse_dated_code(inner: &str) -> Result<DatedCode, String> {
    let inner = inner.trim();
    if inner.is_empty() {
        return Err("empty code block []".into());
    }
    if let Some(s) = special(inner) {
        return Ok(DatedCode {
            value: ActorValue::Special(s),
            range: DateRange::Always,
        });
    }
    // Split the code from the restriction: the restriction starts at the first
    // whitespace, '<' or '>' after the code.
    let (code, rest) = match inner.find(|c: char| c.is_whitespace() || c == '<' || c == '>') {
        Some(i) => (&inner[..i], inner[i..].trim()),
        None => (inner, ""),
    };
    let code = code.trim();
    if code.is_empty() && rest.is_empty() {
        return Err("no code in []".into());
    }
    let value = if code.is_empty() {
        return Err(format!("no code before the date restriction in [{inner}]"));
    } else {
        match special(code) {
            Some(s) => ActorValue::Special(s),
            None => ActorValue::parse(code).ok_or_else(|| format!("invalid code {code:?}"))?,
        }
    };
    let range = if rest.is_empty() {
        DateRange::Always
    } else {
        parse_range(rest)?
    };
    Ok(DatedCode { value, range })
}

fn parse_date_text(s: &str) -> Result<Date, String> {
    let s = s.trim();
    Date::parse_compact(s)
        .ok_or_else(|| format!("invalid date {s:?} (expected YYMMDD or YYYYMMDD)"))
}

fn parse_range(rest: &str) -> Result<DateRange, String> {
    if let Some(d) = rest.strip_prefix('<') {
        return Ok(DateRange::UpTo(parse_date_text(d)?));
    }
    if let Some(d) = rest.strip_prefix('>') {
        return Ok(DateRange::From(parse_date_text(d)?));
    }
    if let Some((a, b)) = rest.split_once('-') {
        let a = parse_date_text(a)?;
        let b = parse_date_text(b)?;
        if b < a {
            return Err(format!("date range {rest:?} ends before it starts"));
        }
        return Ok(DateRange::Between(a, b));
    }
    Err(format!("invalid date restriction {rest:?}"))
}

/// An event code as written in a verb dictionary.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum EventCode {
    /// A special code.
    Special(Special),
    /// A real event.
    Event {
        /// Code of the event from source to target.
        code: String,
        /// For a paired code `[A:B]`, the code of the reverse event from target to source.
        paired: Option<String>,
        /// `?`: used only when the sentence yields no other event.
        subordinate: bool,
        /// `!`: when present, only dominant events are kept.
        dominant: bool,
    },
}

impl EventCode {
    /// Parses `042`, `032:033`, `023?`, `111!`, `---`, `###`, `+++`.
    pub fn parse(text: &str) -> Result<EventCode, String> {
        let t = text.trim();
        if let Some(s) = special(t) {
            return Ok(EventCode::Special(s));
        }
        let mut body = t;
        let mut subordinate = false;
        let mut dominant = false;
        loop {
            if let Some(b) = body.strip_suffix('?') {
                subordinate = true;
                body = b.trim_end();
            } else if let Some(b) = body.strip_suffix('!') {
                dominant = true;
                body = b.trim_end();
            } else {
                break;
            }
        }
        let (code, paired) = match body.split_once(':') {
            Some((a, b)) => (a.trim(), Some(b.trim())),
            None => (body, None),
        };
        let valid = |c: &str| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_alphanumeric());
        if !valid(code) || paired.is_some_and(|p| !valid(p)) {
            return Err(format!("invalid event code [{t}]"));
        }
        Ok(EventCode::Event {
            code: code.to_ascii_uppercase(),
            paired: paired.map(|p| p.to_ascii_uppercase()),
            subordinate,
            dominant,
        })
    }

    /// True for `---`.
    pub fn is_null(&self) -> bool {
        matches!(self, EventCode::Special(Special::Null))
    }

    /// `###` or `+++`: a code that discards the sentence or marks it too complex.
    pub fn ends_coding(&self) -> bool {
        matches!(
            self,
            EventCode::Special(Special::Discard | Special::Complex)
        )
    }
}

/// Splits `text` into the phrase before the first `[` and the bracketed blocks.
/// Returns (phrase, blocks, comment) or an error message.
pub fn split_blocks(text: &str) -> Result<(&str, Vec<&str>), String> {
    let phrase;
    let mut blocks = Vec::new();
    let mut rest = text;
    // (Byte searches: every dictionary line comes through here.)
    let find = |text: &str, b: u8| memchr::memchr(b, text.as_bytes());
    match find(rest, b'[') {
        Some(i) => {
            phrase = &rest[..i];
            rest = &rest[i..];
        }
        None => {
            if find(rest, b']').is_some() {
                return Err("missing [ before ]".into());
            }
            return Ok((rest.trim(), blocks));
        }
    }
    while let Some(start) = find(rest, b'[') {
        let between = &rest[..start];
        if !between.trim().is_empty() {
            return Err(format!(
                "unexpected text {:?} between code blocks",
                between.trim()
            ));
        }
        let Some(end) = find(&rest[start..], b']') else {
            return Err("missing ] after [".into());
        };
        blocks.push(&rest[start + 1..start + end]);
        rest = &rest[start + end + 1..];
    }
    if !rest.trim().is_empty() {
        return Err(format!(
            "unexpected text {:?} after code block",
            rest.trim()
        ));
    }
    Ok((phrase.trim(), blocks))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn special_codes_ignore_blanks(code in "[-#+ \t\u{a0}A]{0,6}") {
            let squeezed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
            let want = match squeezed.as_str() {
                "---" => Some(Special::Null),
                "###" => Some(Special::Discard),
                "+++" => Some(Special::Complex),
                _ => None,
            };
            proptest::prop_assert_eq!(special(&code), want);
        }
    }

    fn d(s: &str) -> Date {
        Date::parse_any(s).unwrap()
    }

    #[test]
    fn dated_codes_resolve_in_order_with_default_last() {
        let codes = ActorCodes {
            blocks: vec![
                parse_dated_code("AR1 <911226").unwrap(),
                parse_dated_code("AR2").unwrap(),
            ],
        };
        assert_eq!(
            codes.resolve(d("1991-12-26")),
            &ActorValue::Codes(vec!["AR1".into()])
        );
        assert_eq!(
            codes.resolve(d("1991-12-27")),
            &ActorValue::Codes(vec!["AR2".into()])
        );
        // A default written first must not shadow a later restriction.
        let codes = ActorCodes {
            blocks: vec![
                parse_dated_code("RUSELI").unwrap(),
                parse_dated_code("RUSGOV 20000507-20080507").unwrap(),
            ],
        };
        assert_eq!(
            codes.resolve(d("2004-01-01")),
            &ActorValue::Codes(vec!["RUSGOV".into()])
        );
        let codes = ActorCodes {
            blocks: vec![parse_dated_code("GME < 901103").unwrap()],
        };
        assert!(codes.resolve(d("1991-01-01")).is_null());
    }

    #[test]
    fn bad_blocks_are_errors() {
        assert!(parse_dated_code("USAGOV 991301-010114").is_err());
        assert!(parse_dated_code("USAGOV 010114-991201").is_err());
        assert!(parse_dated_code(" 991201-010114").is_err());
        assert!(split_blocks("ABC [X").is_err());
    }

    #[test]
    fn event_codes() {
        assert_eq!(
            EventCode::parse("032:033").unwrap(),
            EventCode::Event {
                code: "032".into(),
                paired: Some("033".into()),
                subordinate: false,
                dominant: false
            }
        );
        assert!(matches!(
            EventCode::parse("023?").unwrap(),
            EventCode::Event {
                subordinate: true,
                ..
            }
        ));
        assert!(matches!(
            EventCode::parse("111!").unwrap(),
            EventCode::Event { dominant: true, .. }
        ));
        assert!(EventCode::parse("- - -").unwrap().is_null());
        assert!(EventCode::parse("0$1").is_err());
    }
}
