//! Dictionary phrases: words with matching modes, joined by connectors.

use super::vocab::Vocab;

/// How a dictionary word matches a text token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum WordMode {
    /// A stem: any token that begins with the word.
    Stem,
    /// The word itself, or (when it ends a phrase) the word plus a regular ending.
    Word,
    /// Exactly the word (`=` in the dictionaries).
    Exact,
}

/// One word of a phrase: an interned string and its matching mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct PWord {
    /// Interned upper-case text.
    pub id: u32,
    /// How it matches.
    pub mode: WordMode,
    /// Whether regular endings (S, 'S, ES, ED, EN, ING) are accepted.
    pub endings: bool,
}

/// How a phrase element is placed relative to the one before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Link {
    /// Must follow immediately (`_` or `~`).
    Adjacent,
    /// Other words may come between (a space).
    Gap,
}

/// A sequence of words, as used by actors, agents, nouns, verb forms and similar lists.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Phrase {
    /// The words in order.
    pub words: Vec<PWord>,
    /// `links[i]` joins `words[i]` and `words[i + 1]`.
    pub links: Vec<Link>,
    /// The [`word_bit`](super::word_bit)s of the words after the first: tokens whose
    /// bits lack one of them cannot hold the rest of the phrase (a test that spares
    /// most searches across gaps).
    pub later_bits: u64,
}

impl Phrase {
    /// A phrase of `words` joined by `links` (one fewer).
    pub fn new(words: Vec<PWord>, links: Vec<Link>) -> Phrase {
        let later_bits = words
            .iter()
            .skip(1)
            .fold(0, |bits, w| bits | super::word_bit(w.id));
        Phrase {
            words,
            links,
            later_bits,
        }
    }

    /// The number of letters and digits in the phrase: longer phrases are tried first.
    pub fn weight(&self, vocab: &Vocab) -> usize {
        self.words.iter().map(|w| vocab.get(w.id).len()).sum()
    }

    /// Whether every word must follow the one before immediately.
    pub fn is_contiguous(&self) -> bool {
        self.links.iter().all(|l| *l == Link::Adjacent)
    }
}

/// Canonical upper-case form of dictionary text: hyphens become `_` because the text
/// side splits hyphenated words, accents are dropped.
pub fn canonical(text: &str) -> String {
    // Treebank-style contractions (`DID N'T`) are joined as the text side keeps them.
    let joined;
    let text = if memchr::memchr(b'\'', text.as_bytes()).is_some()
        && (text.contains(" N'T") || text.contains(" n't"))
    {
        joined = text.replace(" N'T", "N'T").replace(" n't", "n't");
        joined.as_str()
    } else {
        text
    };
    if text.is_ascii() {
        // Dictionary files are almost all ASCII: upper-case the bytes, no folding.
        let bytes: Vec<u8> = text
            .bytes()
            .map(|b| match b {
                b'-' => b'_',
                b'`' => b'\'',
                b => b.to_ascii_uppercase(),
            })
            .collect();
        return String::from_utf8(bytes).expect("ASCII stays ASCII");
    }
    fold_text(text)
}

/// [`canonical`] one character at a time, for any text.
fn fold_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '-' => out.push('_'),
            _ => {
                for u in crate::text::fold_char(c) {
                    out.push(u);
                }
            }
        }
    }
    out
}

/// A word or marker scanned from a phrase or pattern, with the separator run that
/// preceded it and the run that followed it (slices of the scanned text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece<'a> {
    /// Text of the word or marker.
    pub text: &'a str,
    /// Separator characters (` `, `_`, `~`) before the piece.
    pub before: &'a str,
    /// Separator characters after the piece.
    pub after: &'a str,
}

fn is_separator(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'_' | b'~')
}

/// Splits phrase text into pieces at runs of ` `, `_` and `~`; `{`, `|`, `}` are
/// pieces of their own. (Dictionaries hold tens of thousands of phrases: the pieces
/// borrow the text instead of allocating.)
pub fn pieces(text: &str) -> Vec<Piece<'_>> {
    let b = text.as_bytes();
    let mut out: Vec<Piece> = Vec::with_capacity(8);
    let mut i = 0;
    while i < b.len() {
        let sep_start = i;
        while i < b.len() && is_separator(b[i]) {
            i += 1;
        }
        let sep = &text[sep_start..i];
        if let Some(last) = out.last_mut() {
            last.after = sep;
        }
        if i == b.len() {
            break;
        }
        let start = i;
        if matches!(b[i], b'{' | b'|' | b'}') {
            i += 1;
        } else {
            while i < b.len() && !is_separator(b[i]) && !matches!(b[i], b'{' | b'|' | b'}') {
                i += 1;
            }
        }
        out.push(Piece {
            text: &text[start..i],
            before: sep,
            after: "",
        });
    }
    out
}

/// The link a separator run expresses.
pub fn link_of(sep: &str) -> Link {
    // `WORD_ NEXT` (underscore, then a blank) makes WORD exact but lets other words
    // come between; `WORD~ NEXT` keeps WORD a stem and joins.
    if sep.contains('~') || (sep.contains('_') && !sep.contains([' ', '\t'])) {
        Link::Adjacent
    } else {
        Link::Gap
    }
}

/// The matching mode of a word given the separator run after it, and its text without
/// a trailing `=`.
pub fn word_mode<'a>(word: &'a str, after: &str) -> (&'a str, WordMode) {
    if let Some(w) = word.strip_suffix('=') {
        return (w, WordMode::Exact);
    }
    if after.contains('_') && !after.contains('~') {
        (word, WordMode::Word)
    } else {
        (word, WordMode::Stem)
    }
}

/// Parses plain phrase text (no pattern markers) such as `AL_GORE`, `BACK~ POLICY` or
/// `UNITED_STATES_`. `final_endings` lets the last word take regular endings.
pub fn parse_phrase(text: &str, vocab: &mut Vocab, final_endings: bool) -> Option<Phrase> {
    let canon = canonical(text.trim());
    let ps = pieces(&canon);
    if ps.is_empty() {
        return None;
    }
    let mut words = Vec::with_capacity(ps.len());
    let mut links = Vec::with_capacity(ps.len());
    let n = ps.len();
    for (i, p) in ps.iter().enumerate() {
        let (w, mode) = word_mode(p.text, p.after);
        if w.is_empty() {
            return None;
        }
        let endings = final_endings && i == n - 1 && mode == WordMode::Word;
        words.push(PWord {
            id: vocab.intern(w),
            mode,
            endings,
        });
        if i + 1 < n {
            links.push(link_of(p.after));
        }
    }
    Some(Phrase::new(words, links))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The straightforward scanner `pieces` replaced: (text, before, after) per piece.
    fn pieces_by_chars(text: &str) -> Vec<(String, String, String)> {
        let mut out: Vec<(String, String, String)> = Vec::new();
        let mut sep = String::new();
        let mut cur = String::new();
        let flush =
            |cur: &mut String, sep: &mut String, out: &mut Vec<(String, String, String)>| {
                if !cur.is_empty() {
                    if let Some(last) = out.last_mut() {
                        last.2 = sep.clone();
                    }
                    out.push((std::mem::take(cur), std::mem::take(sep), String::new()));
                }
            };
        for c in text.chars() {
            match c {
                ' ' | '\t' | '_' | '~' => {
                    flush(&mut cur, &mut sep, &mut out);
                    sep.push(c);
                }
                '{' | '|' | '}' => {
                    flush(&mut cur, &mut sep, &mut out);
                    cur.push(c);
                    flush(&mut cur, &mut sep, &mut out);
                }
                _ => cur.push(c),
            }
        }
        flush(&mut cur, &mut sep, &mut out);
        if let Some(last) = out.last_mut() {
            last.2 = sep;
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn pieces_match_the_character_scanner(text in "[ _~\t{|}A-Z=é$*&%^]{0,30}") {
            let fast: Vec<(String, String, String)> = pieces(&text)
                .iter()
                .map(|p| (p.text.to_string(), p.before.to_string(), p.after.to_string()))
                .collect();
            proptest::prop_assert_eq!(fast, pieces_by_chars(&text));
        }

        #[test]
        fn ascii_fast_path_folds_like_the_general_one(text in "[ -~]{0,40}") {
            proptest::prop_assume!(!text.contains(" N'T") && !text.contains(" n't"));
            proptest::prop_assert_eq!(canonical(&text), fold_text(&text));
        }
    }

    #[test]
    fn connectors_and_modes() {
        let mut v = Vocab::default();
        let p = parse_phrase("AL_GORE", &mut v, true).unwrap();
        assert_eq!(p.links, vec![Link::Adjacent]);
        assert_eq!(p.words[0].mode, WordMode::Word);
        assert_eq!(p.words[1].mode, WordMode::Stem);
        let p = parse_phrase("BACK~ POLICY_", &mut v, true).unwrap();
        assert_eq!(p.words[0].mode, WordMode::Stem);
        assert_eq!(p.links, vec![Link::Adjacent]);
        assert_eq!(p.words[1].mode, WordMode::Word);
        assert!(p.words[1].endings);
        let p = parse_phrase("AL GORE", &mut v, true).unwrap();
        assert_eq!(p.links, vec![Link::Gap]);
        let p = parse_phrase("BAN=", &mut v, true).unwrap();
        assert_eq!(p.words[0].mode, WordMode::Exact);
        let p = parse_phrase("AL-ASSAD", &mut v, true).unwrap();
        assert_eq!(v.get(p.words[0].id), "AL");
    }
}
