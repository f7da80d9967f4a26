//! Text handling: character folding and TABARI-style normalisation into tokens.

mod classes;
pub mod sentences;

/// Upper-cases a character and drops its diacritics (é → E, ß → SS); punctuation
/// variants fold to their ASCII form (curly quotes become `"` and `'`).
pub fn fold_char(c: char) -> impl Iterator<Item = char> {
    let s: &'static str = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å'
        | 'Ā' | 'Ă' | 'Ą' => "A",
        'æ' | 'Æ' => "AE",
        'ç' | 'ć' | 'č' | 'Ç' | 'Ć' | 'Č' => "C",
        'ď' | 'đ' | 'Ď' | 'Đ' | 'ð' | 'Ð' => "D",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' | 'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ė' | 'Ę'
        | 'Ě' => "E",
        'ğ' | 'Ğ' => "G",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'į' | 'ı' | 'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' | 'Į' | 'İ' => {
            "I"
        }
        'ł' | 'ľ' | 'Ł' | 'Ľ' => "L",
        'ñ' | 'ń' | 'ň' | 'Ñ' | 'Ń' | 'Ň' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō'
        | 'Ő' => "O",
        'œ' | 'Œ' => "OE",
        'ř' | 'Ř' => "R",
        'ś' | 'š' | 'ş' | 'ș' | 'Ś' | 'Š' | 'Ş' | 'Ș' => "S",
        'ß' => "SS",
        'ť' | 'ţ' | 'ț' | 'Ť' | 'Ţ' | 'Ț' => "T",
        'þ' | 'Þ' => "TH",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ų' | 'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ű'
        | 'Ų' => "U",
        'ý' | 'ÿ' | 'Ý' | 'Ÿ' => "Y",
        'ź' | 'ż' | 'ž' | 'Ź' | 'Ż' | 'Ž' => "Z",
        '\u{2018}' | '\u{2019}' | '\u{201B}' | '`' | '\u{00B4}' => "'",
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{00AB}' | '\u{00BB}' => "\"",
        '\u{2013}' | '\u{2014}' | '\u{2212}' => "-",
        '\u{00A0}' => " ",
        _ => "",
    };
    let mut buf = [None, None];
    if s.is_empty() {
        let mut up = c.to_uppercase();
        buf[0] = up.next();
        buf[1] = up.next();
        FoldIter::Chars(buf, 0)
    } else {
        FoldIter::Str(s, 0)
    }
}

enum FoldIter {
    Chars([Option<char>; 2], usize),
    Str(&'static str, usize),
}

impl Iterator for FoldIter {
    type Item = char;
    fn next(&mut self) -> Option<char> {
        match self {
            FoldIter::Chars(b, i) => {
                let r = b.get(*i).copied().flatten();
                *i += 1;
                r
            }
            FoldIter::Str(s, i) => {
                let r = s[*i..].chars().next();
                if let Some(c) = r {
                    *i += c.len_utf8();
                }
                r
            }
        }
    }
}

/// A word of a normalised sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    /// Upper-case, accent-free text.
    pub text: String,
    /// The word began with a capital letter in the original text.
    pub cap: bool,
    /// Byte range in the original text.
    pub start: usize,
    /// End of the byte range.
    pub end: usize,
}

/// Normalises a sentence as TABARI does and splits it into tokens:
/// upper case without accents; a period after a lower-case letter (sentence end)
/// dropped, periods in abbreviations kept; `?`, `!` and hyphens become blanks;
/// commas inside numbers vanish; `;` becomes a comma; commas and double quotes are
/// tokens of their own. Brackets and colons separate words. Text between `/*` and `*/`
/// is skipped.
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::with_capacity(text.len() / 5 + 1);
    for_each_token(text, |rewritten, cap, start, end| {
        out.push(Token {
            text: match rewritten {
                None => text[start..end].to_ascii_uppercase(),
                Some(word) => word.to_string(),
            },
            cap,
            start,
            end,
        })
    });
    out
}

/// ASCII letters and digits: the bytes of most words.
static ALNUM: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    t
};

/// ASCII bytes that end a word and add nothing to it: blanks, separators, `;` and `"`
/// (a comma too, unless it stands inside a number; a period needs a closer look).
static ENDS_WORD: [bool; 256] = {
    let mut t = [false; 256];
    let ends = b" \t\n\r\x0b\x0c?!-_()[]:*<>|;\"";
    let mut k = 0;
    while k < ends.len() {
        t[ends[k] as usize] = true;
        k += 1;
    }
    t
};

/// The tokens of [`tokenize`], handed to `emit` as (rewritten text, capitalised, start,
/// end) without allocating a string for each. Most tokens are runs of ASCII letters and
/// digits as written, `text[start..end]`, to be upper-cased: they come with no text of
/// their own (`None`), so that the common word costs no copy; other tokens come with
/// their text.
pub fn for_each_token(text: &str, mut emit: impl FnMut(Option<&str>, bool, usize, usize)) {
    thread_local! {
        /// The buffer of the thread's previous call, so that a call allocates none.
        static SCRATCH: std::cell::Cell<String> = const { std::cell::Cell::new(String::new()) };
    }
    let bytes = text.as_bytes();
    // Only words that are not copied as written (rare) need this buffer.
    let mut cur = SCRATCH.take();
    cur.clear();
    let mut cur_start = 0usize;
    let mut cur_cap = false;
    // The character before a period or comma decides what it is: it is read from the
    // text when needed, except right after a comment, where it counts as a blank.
    let mut after_comment = usize::MAX;
    // Quotes around a word are not part of it; a lone quote or period is no word.
    fn emit_word(
        emit: &mut impl FnMut(Option<&str>, bool, usize, usize),
        w: &str,
        cap: bool,
        start: usize,
        end: usize,
    ) {
        let mut w = w;
        if w.len() > 1 && w.starts_with('\'') {
            w = &w[1..];
        }
        if w.len() > 1 && w.ends_with('\'') && !w.ends_with("S'") {
            w = &w[..w.len() - 1];
        }
        if !w.is_empty() && w != "'" && w != "." {
            emit(Some(w), cap, start, end);
        }
    }
    macro_rules! flush {
        ($start:expr, $end:expr) => {
            if !cur.is_empty() {
                emit_word(&mut emit, &cur, cur_cap, $start, $end);
                cur.clear();
            }
        };
    }
    // News text is almost all ASCII: bytes below 0x80 are read directly, and only
    // other characters are decoded and folded.
    let char_at = |j: usize| -> Option<char> {
        match bytes.get(j) {
            None => None,
            Some(&b) if b < 0x80 => Some(b as char),
            Some(_) => text[j..].chars().next(),
        }
    };
    // The classes of the bytes of one block of 64 (see `classes`), the one that holds
    // the byte being read when the common case below reads them.
    let mut block = usize::MAX;
    let (mut alnum, mut blank) = (0u64, 0u64);
    macro_rules! block_of {
        ($i:expr) => {
            if $i / 64 != block {
                block = $i / 64;
                (alnum, blank) = classes::masks_of_block(bytes, block);
            }
        };
    }
    // Where the run of ASCII letters and digits that goes on at `from` ends.
    macro_rules! alnum_end {
        ($from:expr) => {{
            let mut run = $from;
            while run < bytes.len() {
                block_of!(run);
                let off = run % 64;
                // Past the block's end the shifted mask has zeros: the count stops there.
                let more = (!(alnum >> off)).trailing_zeros() as usize;
                run += more;
                if more < 64 - off {
                    break;
                }
            }
            run.min(bytes.len())
        }};
    }
    let mut i = 0;
    while i < bytes.len() {
        if cur.is_empty() {
            // The common case, words of ASCII letters and digits between blanks, is read
            // from the byte classes: each word is emitted as written (no copy).
            while i < bytes.len() {
                block_of!(i);
                let off = i % 64;
                let blanks = blank >> off;
                if blanks & 1 != 0 {
                    // (Padding past the text's end is no blank: `i` stops at the end.)
                    i += (!blanks).trailing_zeros() as usize;
                    continue;
                }
                let letters = alnum >> off;
                if letters & 1 == 0 {
                    break;
                }
                let mut run = i + (!letters).trailing_zeros() as usize;
                if run % 64 == 0 {
                    // The run reaches the block's end: it may go on in the next.
                    run = alnum_end!(run);
                }
                let whole = match bytes.get(run) {
                    None => true,
                    Some(b',') => {
                        !(bytes[run - 1].is_ascii_digit()
                            && bytes.get(run + 1).is_some_and(u8::is_ascii_digit))
                    }
                    // A period after a lower-case letter that ends the sentence (or a
                    // clause before a quote or bracket) is dropped below: the word
                    // before it is whole.
                    Some(b'.') => {
                        bytes[run - 1].is_ascii_lowercase()
                            && bytes.get(run + 1).is_none_or(|&n| {
                                n.is_ascii_whitespace() || matches!(n, b'"' | b'\'' | b')')
                            })
                    }
                    Some(&next) => ENDS_WORD[next as usize],
                };
                if !whole {
                    break;
                }
                emit(None, bytes[i].is_ascii_uppercase(), i, run);
                i = run;
                // Most words are followed by one blank and the next word.
                if bytes.get(i) == Some(&b' ')
                    && bytes.get(i + 1).is_some_and(|b| ALNUM[*b as usize])
                {
                    i += 1;
                }
            }
            if i >= bytes.len() {
                break;
            }
        }
        let b = bytes[i];
        if ALNUM[b as usize] {
            // A run of ASCII letters and digits joins the word being built at once.
            let run = alnum_end!(i + 1);
            if cur.is_empty() {
                cur_start = i;
                cur_cap = b.is_ascii_uppercase();
            }
            let from = cur.len();
            cur.push_str(&text[i..run]);
            cur[from..].make_ascii_uppercase();
            i = run;
            continue;
        }
        let (c, len) = if b < 0x80 {
            (b as char, 1)
        } else {
            let c = text[i..].chars().next().unwrap_or('\u{FFFD}');
            (c, c.len_utf8())
        };
        let at = i;
        i += len;
        if c == '/' && bytes.get(i) == Some(&b'*') {
            flush!(cur_start, at);
            match text[at + 2..].find("*/") {
                Some(j) => i = at + 2 + j + 2,
                None => break,
            }
            after_comment = i;
            continue;
        }
        let sep = match c {
            '?' | '!' | '-' | '_' | '(' | ')' | '[' | ']' | ':' | '\u{2013}' | '\u{2014}' | '*'
            | '<' | '>' | '|' => true,
            c => c.is_whitespace(),
        };
        if sep {
            flush!(cur_start, at);
            continue;
        }
        let prev = || {
            if at == after_comment {
                Some(' ')
            } else {
                text[..at].chars().next_back()
            }
        };
        if c == '.' {
            let prev = prev();
            let next = char_at(i);
            let after_lower = prev.is_some_and(|p| p.is_lowercase());
            let at_end = next.is_none_or(|n| {
                n.is_whitespace() || n == '"' || n == '\u{201D}' || n == '\'' || n == ')'
            });
            if (after_lower && at_end) || cur.is_empty() {
                flush!(cur_start, at);
                continue;
            }
            if at_end && prev.is_some_and(|p| !p.is_alphabetic()) {
                flush!(cur_start, at);
                continue;
            }
        }
        if c == ',' {
            let in_number = prev().is_some_and(|p| p.is_ascii_digit())
                && bytes.get(i).is_some_and(|n| n.is_ascii_digit());
            if in_number {
                continue;
            }
        }
        if c == ',' || c == ';' || c == '"' || c == '\u{201C}' || c == '\u{201D}' {
            flush!(cur_start, at);
            let mark = if c == ';' || c == ',' { "," } else { "\"" };
            emit_word(&mut emit, mark, false, at, at + len);
            continue;
        }
        if cur.is_empty() {
            cur_start = at;
            cur_cap = c.is_uppercase();
        }
        for u in fold_char(c) {
            if u == '"' {
                continue;
            }
            cur.push(u);
        }
    }
    flush!(cur_start, text.len());
    SCRATCH.set(cur);
}

/// True when the text has letters and none of them is lower case (old wire copy):
/// capitalisation then says nothing about nouns.
pub fn is_all_caps(text: &str) -> bool {
    let mut letters = false;
    for c in text.chars() {
        if c.is_lowercase() {
            return false;
        }
        if c.is_alphabetic() {
            letters = true;
        }
    }
    letters
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokenizer as first written, one `char` at a time: the fast path must agree.
    fn reference_tokenize(text: &str) -> Vec<Token> {
        let mut out: Vec<Token> = Vec::with_capacity(text.len() / 5 + 1);
        let mut cur = String::new();
        let mut cur_start = 0usize;
        let mut cur_cap = false;
        let mut prev: Option<char> = None;
        let mut iter = text.char_indices().peekable();
        let flush =
            |cur: &mut String, start: usize, end: usize, cap: bool, out: &mut Vec<Token>| {
                if !cur.is_empty() {
                    out.push(Token {
                        text: std::mem::take(cur),
                        cap,
                        start,
                        end,
                    });
                }
            };
        while let Some((i, c)) = iter.next() {
            let next = iter.peek().map(|&(_, n)| n);
            // Comments.
            if c == '/' && next == Some('*') {
                flush(&mut cur, cur_start, i, cur_cap, &mut out);
                match text[i + 2..].find("*/") {
                    Some(j) => {
                        let stop = i + 2 + j + 2;
                        while iter.peek().is_some_and(|&(k, _)| k < stop) {
                            iter.next();
                        }
                    }
                    None => break,
                }
                prev = Some(' ');
                continue;
            }
            let sep = match c {
                '?' | '!' | '-' | '_' | '(' | ')' | '[' | ']' | ':' | '\u{2013}' | '\u{2014}'
                | '*' | '<' | '>' | '|' => true,
                c if c.is_whitespace() => true,
                _ => false,
            };
            if sep {
                flush(&mut cur, cur_start, i, cur_cap, &mut out);
                prev = Some(c);
                continue;
            }
            if c == '.' {
                // Dropped when it ends a word written in lower case, or stands alone.
                let after_lower = prev.is_some_and(|p| p.is_lowercase());
                let at_end = next.is_none_or(|n| {
                    n.is_whitespace() || n == '"' || n == '\u{201D}' || n == '\'' || n == ')'
                });
                if (after_lower && at_end) || cur.is_empty() {
                    flush(&mut cur, cur_start, i, cur_cap, &mut out);
                    prev = Some(c);
                    continue;
                }
                if at_end && prev.is_some_and(|p| !p.is_alphabetic()) {
                    flush(&mut cur, cur_start, i, cur_cap, &mut out);
                    prev = Some(c);
                    continue;
                }
            }
            if c == ',' {
                let in_number = prev.is_some_and(|p| p.is_ascii_digit())
                    && next.is_some_and(|n| n.is_ascii_digit());
                if in_number {
                    prev = Some(c);
                    continue;
                }
            }
            if c == ',' || c == ';' || c == '"' || c == '\u{201C}' || c == '\u{201D}' {
                flush(&mut cur, cur_start, i, cur_cap, &mut out);
                let t = if c == ';' || c == ',' { "," } else { "\"" };
                out.push(Token {
                    text: t.into(),
                    cap: false,
                    start: i,
                    end: i + c.len_utf8(),
                });
                prev = Some(c);
                continue;
            }
            if cur.is_empty() {
                cur_start = i;
                cur_cap = c.is_uppercase();
            }
            for u in fold_char(c) {
                if u == '"' {
                    continue;
                }
                cur.push(u);
            }
            prev = Some(c);
        }
        flush(&mut cur, cur_start, text.len(), cur_cap, &mut out);
        // Strip quotes and apostrophes that wrap a word ('Hello' -> HELLO).
        for t in &mut out {
            if t.text.len() > 1 && t.text.starts_with('\'') {
                t.text.remove(0);
            }
            if t.text.len() > 1 && t.text.ends_with('\'') && !t.text.ends_with("S'") {
                t.text.pop();
            }
        }
        out.retain(|t| !t.text.is_empty() && t.text != "'" && t.text != ".");
        out
    }

    fn words(s: &str) -> Vec<String> {
        tokenize(s).into_iter().map(|t| t.text).collect()
    }

    proptest::proptest! {
        #[test]
        fn fast_tokenizer_agrees_with_the_reference(
            text in proptest::string::string_regex(
                "([A-Za-z0-9 .,;:'\"/*()?!_-]|[\u{80}-\u{3000}]|\u{2019}|\u{201D}|é|ß|Ä|\t|\n){0,80}"
            ).unwrap()
        ) {
            proptest::prop_assert_eq!(tokenize(&text), reference_tokenize(&text));
        }

        #[test]
        fn fast_tokenizer_agrees_on_long_texts(
            // Words that run across the tokenizer's blocks of 64 bytes, and runs of blanks.
            text in proptest::string::string_regex(
                "([A-Za-z0-9]{1,70}|[ ]{1,70}|[.,;'\"/*-]|é|\u{2019}){0,60}"
            ).unwrap()
        ) {
            proptest::prop_assert_eq!(tokenize(&text), reference_tokenize(&text));
        }

        #[test]
        fn fast_tokenizer_agrees_on_any_unicode(text in "\\PC{0,60}") {
            proptest::prop_assert_eq!(tokenize(&text), reference_tokenize(&text));
        }
    }

    #[test]
    fn tabari_filter() {
        assert_eq!(
            words("Clinton responded, \"I don't know.\""),
            [
                "CLINTON",
                "RESPONDED",
                ",",
                "\"",
                "I",
                "DON'T",
                "KNOW",
                "\""
            ]
        );
        assert_eq!(
            words("The U.N. sent 1,500 troops to al-Assad's Syria."),
            ["THE", "U.N.", "SENT", "1500", "TROOPS", "TO", "AL", "ASSAD'S", "SYRIA"]
        );
        assert_eq!(words("Crème brûlée? Yes!"), ["CREME", "BRULEE", "YES"]);
        assert_eq!(words("a /* hidden */ b; c"), ["A", "B", ",", "C"]);
        // The character before a period or comma right after a comment is a blank.
        for text in [
            "ab/* c */. D",
            "x./**/.y",
            "1/* */,000 and 2,/**/5",
            "é/**/. Z",
        ] {
            assert_eq!(tokenize(text), reference_tokenize(text), "{text}");
        }
        assert_eq!(
            words("Growth was 2.5 pct in the U.S."),
            ["GROWTH", "WAS", "2.5", "PCT", "IN", "THE", "U.S."]
        );
    }

    #[test]
    fn capitals_are_recorded() {
        let t = tokenize("Arnor is about To Restore ties");
        assert!(t[0].cap && !t[1].cap && t[3].cap && t[4].cap);
        assert!(is_all_caps("ARNOR ATTACKED GONDOR."));
        assert!(!is_all_caps("Arnor attacked"));
    }
}
