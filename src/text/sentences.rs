//! Sentence splitting made for wire news: abbreviations, initials, decimal numbers,
//! quotations and datelines.

/// Words that end with a period without ending a sentence (compared without the period,
/// case-insensitively).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "gen", "col", "lt", "sgt", "capt", "cpt", "maj", "adm",
    "cmdr", "gov", "sen", "rep", "rev", "fr", "st", "sr", "jr", "messrs", "pres", "amb", "brig",
    "cdr", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "inc", "corp", "co",
    "ltd", "plc", "no", "nos", "vs", "etc", "approx", "dept", "est", "fig", "ft", "mt", "ave",
    "blvd", "rd", "u.s", "u.n", "u.k", "e.u", "u.s.a", "u.a.e", "d.c", "a.m", "p.m", "e.g", "i.e",
    "yr", "yrs", "vol", "op", "cf", "al",
];

/// The length in bytes of the longest entry of [`ABBREVIATIONS`].
const LONGEST_ABBREVIATION: usize = {
    let mut longest = 0;
    let mut k = 0;
    while k < ABBREVIATIONS.len() {
        if ABBREVIATIONS[k].len() > longest {
            longest = ABBREVIATIONS[k].len();
        }
        k += 1;
    }
    longest
};

fn is_abbreviation(word: &str) -> bool {
    let w = word.trim_start_matches(['"', '\'', '(', '\u{201C}', '\u{2018}']);
    // (Every period of a story comes here: no allocation, and no list search for a
    // word longer than the longest abbreviation.)
    if w.len() <= LONGEST_ABBREVIATION && w.is_ascii() {
        static KNOWN: std::sync::LazyLock<rustc_hash::FxHashSet<&'static [u8]>> =
            std::sync::LazyLock::new(|| ABBREVIATIONS.iter().map(|a| a.as_bytes()).collect());
        let mut lower = [0u8; LONGEST_ABBREVIATION];
        let lower = &mut lower[..w.len()];
        lower.copy_from_slice(w.as_bytes());
        lower.make_ascii_lowercase();
        if KNOWN.contains(&*lower) {
            return true;
        }
    }
    // Initials ("John F. Kennedy") and dotted abbreviations ("U.S", "N.A.T.O").
    let mut chars = w.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        if c.is_alphabetic() && c.is_uppercase() {
            return true;
        }
    }
    if w.contains('.')
        && w.split('.')
            .all(|p| p.chars().count() <= 2 && p.chars().all(char::is_alphabetic))
    {
        return true;
    }
    false
}

/// Splits a story into sentences. Returns byte ranges into `text`.
pub fn split(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut start = skip_ws(text, 0);
    let mut i = start;
    // Only blank lines and . ? ! can end a sentence: byte searches skip to the next one.
    let mut blank_line = memchr::memmem::find(bytes, b"\n\n");
    while i < bytes.len() {
        if blank_line.is_some_and(|b| b < i) {
            blank_line = memchr::memmem::find(&bytes[i..], b"\n\n").map(|b| b + i);
        }
        let punct = memchr::memchr3(b'.', b'?', b'!', &bytes[i..]).map(|p| p + i);
        i = match (blank_line, punct) {
            (Some(b), Some(p)) => b.min(p),
            (Some(b), None) => b,
            (None, Some(p)) => p,
            (None, None) => break,
        };
        let c = bytes[i];
        if c == b'\n' {
            // A blank line always ends a sentence (paragraph break).
            push(text, start, i, &mut out);
            start = skip_ws(text, i);
            i = start;
            continue;
        }
        if c == b'.' || c == b'?' || c == b'!' {
            // Extend over closing quotes and brackets.
            let mut end = i + 1;
            while end < bytes.len() && matches!(bytes[end], b'"' | b'\'' | b')') {
                end += 1;
            }
            for close in ["\u{201D}", "\u{2019}"] {
                if text[end..].starts_with(close) {
                    end += close.len();
                }
            }
            let next = skip_ws(text, end);
            let at_break = next > end || end == bytes.len();
            if at_break && (next >= bytes.len() || starts_sentence(&text[next..])) {
                let ends = if c == b'.' {
                    !period_is_internal(text, start, i)
                } else {
                    true
                };
                if ends {
                    push(text, start, end, &mut out);
                    start = next;
                    i = next;
                    continue;
                }
            }
            i = end;
            continue;
        }
    }
    push(text, start, bytes.len(), &mut out);
    out
}

fn period_is_internal(text: &str, start: usize, dot: usize) -> bool {
    let before = &text[start..dot];
    let word = before
        .rsplit(|c: char| c.is_whitespace())
        .next()
        .unwrap_or("");
    if word.is_empty() {
        return false;
    }
    is_abbreviation(word)
}

fn starts_sentence(rest: &str) -> bool {
    let mut chars = rest.chars();
    match chars.next() {
        Some(c) if c.is_uppercase() || c.is_ascii_digit() => true,
        Some('"' | '\'' | '\u{201C}' | '\u{2018}' | '(') => chars
            .next()
            .is_some_and(|c| c.is_uppercase() || c.is_ascii_digit()),
        _ => false,
    }
}

fn skip_ws(text: &str, mut i: usize) -> usize {
    let b = text.as_bytes();
    while i < b.len() && (b[i] as char).is_ascii_whitespace() {
        i += 1;
    }
    while text[i..].starts_with('\u{00A0}') {
        i += 2;
    }
    i
}

fn push(text: &str, start: usize, end: usize, out: &mut Vec<(usize, usize)>) {
    let s = &text[start..end];
    let trimmed = s.trim_end();
    if trimmed.chars().any(char::is_alphanumeric) {
        out.push((start, start + trimmed.len()));
    }
}

/// Length in bytes of a leading dateline such as `MOSCOW, July 5 (Reuters) - ` or
/// `WASHINGTON, Feb 26 - `, or 0 when there is none. The dateline names where the
/// story was filed, not an actor, so it is not coded.
pub fn dateline_len(text: &str) -> usize {
    let mut cut = text.len().min(120);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let Some((pos, len)) = first_dash(&text[..cut]) else {
        return 0;
    };
    let head = &text[..pos];
    let agency = head.contains('(') && head.trim_end().ends_with(')');
    let first_word = head.split([',', ' ']).next().unwrap_or("");
    let place_caps = first_word.len() >= 3
        && first_word.chars().all(|c| !c.is_lowercase())
        && (head.contains(',') || head.trim_end().ends_with(':'));
    if (agency || place_caps) && head.split_whitespace().count() <= 8 {
        let mut end = pos + len;
        while end < text.len() && text.as_bytes()[end] == b' ' {
            end += 1;
        }
        end
    } else {
        0
    }
}

/// The separators that end a dateline, in order of preference where two start at the
/// same place.
const DATELINE_DASHES: [&str; 6] = [
    " - ",
    " -- ",
    " \u{2014} ",
    " \u{2013} ",
    " \u{2014}",
    "\u{2014} ",
];

/// The first dateline separator in `window`: (start, length).
fn first_dash(window: &str) -> Option<(usize, usize)> {
    // Every separator holds a '-' or the lead byte of an em or en dash, and starts at
    // that byte or the one before: one byte search finds all the places to look.
    let bytes = window.as_bytes();
    for d in memchr::memchr2_iter(b'-', 0xE2, bytes) {
        let found = [d.saturating_sub(1), d]
            .into_iter()
            .flat_map(|start| {
                DATELINE_DASHES
                    .iter()
                    .filter(move |dash| bytes[start..].starts_with(dash.as_bytes()))
                    .map(move |dash| (start, dash.len()))
            })
            .next();
        if found.is_some() {
            return found;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The splitter as first written: one byte at a time.
    fn split_bytewise(text: &str) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let bytes = text.as_bytes();
        let mut start = skip_ws(text, 0);
        let mut i = start;
        while i < bytes.len() {
            let c = bytes[i];
            if c == b'\n' && i + 1 < bytes.len() && bytes[i + 1] == b'\n' {
                push(text, start, i, &mut out);
                start = skip_ws(text, i);
                i = start;
                continue;
            }
            if c == b'.' || c == b'?' || c == b'!' {
                let mut end = i + 1;
                while end < bytes.len() && matches!(bytes[end], b'"' | b'\'' | b')') {
                    end += 1;
                }
                for close in ["\u{201D}", "\u{2019}"] {
                    if text[end..].starts_with(close) {
                        end += close.len();
                    }
                }
                let next = skip_ws(text, end);
                let at_break = next > end || end == bytes.len();
                if at_break && (next >= bytes.len() || starts_sentence(&text[next..])) {
                    let ends = if c == b'.' {
                        !period_is_internal(text, start, i)
                    } else {
                        true
                    };
                    if ends {
                        push(text, start, end, &mut out);
                        start = next;
                        i = next;
                        continue;
                    }
                }
                i = end;
                continue;
            }
            i += 1;
        }
        push(text, start, bytes.len(), &mut out);
        out
    }

    /// The abbreviation test as first written, for the property test below.
    fn is_abbreviation_allocating(word: &str) -> bool {
        let w = word.trim_start_matches(['"', '\'', '(', '\u{201C}', '\u{2018}']);
        let lower = w.to_ascii_lowercase();
        if ABBREVIATIONS.contains(&lower.as_str()) {
            return true;
        }
        let letters: Vec<char> = w.chars().collect();
        if letters.len() == 1 && letters[0].is_alphabetic() && letters[0].is_uppercase() {
            return true;
        }
        w.contains('.')
            && w.split('.')
                .all(|p| p.chars().count() <= 2 && p.chars().all(char::is_alphabetic))
    }

    proptest::proptest! {
        #[test]
        fn abbreviation_test_agrees_with_the_first_version(
            word in "[\"(]?([A-Za-z]{1,5}\\.?){0,3}|\\PC{0,4}|(MR|Mr|mr|U\\.S|u\\.s|Jan|SEPT|É)"
        ) {
            proptest::prop_assert_eq!(is_abbreviation(&word), is_abbreviation_allocating(&word));
        }
    }

    proptest::proptest! {
        #[test]
        fn byte_search_splits_like_the_bytewise_splitter(
            text in "([A-Za-z0-9]{1,4}|[ .?!\n\"')]|Mr|U\\.S|\u{201D}|\u{00A0}|\u{00E9}){0,40}"
        ) {
            proptest::prop_assert_eq!(split(&text), split_bytewise(&text));
        }
    }

    /// The dateline search as first written: every separator searched for in turn.
    fn first_dash_by_find(window: &str) -> Option<(usize, usize)> {
        let mut best = None;
        for dash in DATELINE_DASHES {
            if let Some(p) = window.find(dash) {
                if best.is_none_or(|(b, _)| p < b) {
                    best = Some((p, dash.len()));
                }
            }
        }
        best
    }

    proptest::proptest! {
        #[test]
        fn dash_search_matches_the_search_by_separator(text in "[ a\\-\u{2013}\u{2014}]{0,24}") {
            proptest::prop_assert_eq!(first_dash(&text), first_dash_by_find(&text));
        }
    }

    fn sents(t: &str) -> Vec<&str> {
        split(t).into_iter().map(|(a, b)| &t[a..b]).collect()
    }

    #[test]
    fn news_sentences() {
        let t = "Mr. Smith met Gen. Jones in the U.S. capital on Jan. 5. Growth was 2.5 pct. \"We will fight,\" he said. John F. Kennedy spoke. The U.N. agreed.";
        assert_eq!(
            sents(t),
            vec![
                "Mr. Smith met Gen. Jones in the U.S. capital on Jan. 5.",
                "Growth was 2.5 pct.",
                "\"We will fight,\" he said.",
                "John F. Kennedy spoke.",
                "The U.N. agreed."
            ]
        );
        assert_eq!(
            sents("Is it over? Yes! Done"),
            vec!["Is it over?", "Yes!", "Done"]
        );
        assert_eq!(sents("One.\n\nTwo"), vec!["One.", "Two"]);
    }

    #[test]
    fn datelines() {
        let t = "MOSCOW, July 5 (Reuters) - Russia said on Monday.";
        assert_eq!(&t[dateline_len(t)..], "Russia said on Monday.");
        let t = "WASHINGTON, Feb 26 - The U.S. said.";
        assert_eq!(&t[dateline_len(t)..], "The U.S. said.");
        assert_eq!(dateline_len("Russia and China - two powers - met."), 0);
        // A multi-byte character across the 120-byte window.
        let long = format!("{}é - x", "a".repeat(119));
        assert_eq!(dateline_len(&long), 0);
    }
}
