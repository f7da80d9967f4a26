//! The common JSON Lines record read fast: an object whose wanted fields are strings
//! (or null), with no `\u` escapes. Story text is most of a corpus, and a string is
//! crossed with a vectorised search for its closing quote or a backslash instead of a
//! byte at a time. Anything else (other value types in wanted fields, `\u` escapes,
//! deep nesting, and every kind of invalid JSON) is left to the full parser, so that
//! results and error messages are the full parser's whatever the line.

/// Nesting deeper than this is left to the full parser (which has its own limit).
const MAX_DEPTH: usize = 100;

/// The wanted fields of the JSON object on `line`, by position in `names` (a name may
/// appear more than once; the last occurrence of a key in the record counts), or
/// `None` when the line must go to the full parser.
pub(crate) fn wanted_fields(line: &str, names: &[&str]) -> Option<Vec<Option<String>>> {
    let mut s = Scan {
        b: line.as_bytes(),
        i: 0,
    };
    let mut values: Vec<Option<String>> = vec![None; names.len()];
    s.blanks();
    s.eat(b'{')?;
    s.blanks();
    if s.eat(b'}').is_none() {
        loop {
            if s.peek()? != b'"' {
                return None;
            }
            let (from, to, escaped) = s.string()?;
            if escaped {
                return None;
            }
            let key = &line[from..to];
            s.blanks();
            s.eat(b':')?;
            s.blanks();
            match names.iter().position(|n| *n == key) {
                Some(first) => {
                    let text = match s.peek()? {
                        b'"' => {
                            let (from, to, escaped) = s.string()?;
                            Some(if escaped {
                                unescape(&line[from..to])
                            } else {
                                line[from..to].to_string()
                            })
                        }
                        b'n' => {
                            s.literal(b"null")?;
                            None
                        }
                        // Numbers, booleans and structures are written out by the full
                        // parser's rules.
                        _ => return None,
                    };
                    let name = names[first];
                    for (n, v) in names.iter().zip(values.iter_mut()).skip(first + 1) {
                        if *n == name {
                            v.clone_from(&text);
                        }
                    }
                    values[first] = text;
                }
                None => s.skip_value(1)?,
            }
            s.blanks();
            match s.peek()? {
                b',' => {
                    s.i += 1;
                    s.blanks();
                }
                b'}' => {
                    s.i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    s.blanks();
    (s.i == s.b.len()).then_some(values)
}

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek() == Some(c)).then(|| self.i += 1)
    }

    /// JSON's four blanks.
    fn blanks(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.i += 1;
        }
    }

    fn literal(&mut self, word: &[u8]) -> Option<()> {
        self.b[self.i..]
            .starts_with(word)
            .then(|| self.i += word.len())
    }

    /// The string that starts at the current quote: the byte range of its contents and
    /// whether it has escapes (all of them one of `\" \\ \/ \b \f \n \r \t`).
    fn string(&mut self) -> Option<(usize, usize, bool)> {
        let b = self.b;
        let from = self.i + 1;
        let mut at = from;
        let mut escaped = false;
        // Keys and most other values are short: their end is found eight bytes at a
        // time, checking for control bytes on the way. Longer strings are searched
        // with vector instructions.
        let near = b.len().min(from + 32);
        while at < near {
            at = special_byte(b, at, near);
            match b.get(at) {
                Some(b'"') => {
                    self.i = at + 1;
                    return Some((from, at, escaped));
                }
                Some(b'\\') => {
                    escaped = true;
                    at = self.escape(at)?;
                }
                Some(c) if *c < 0x20 => return None,
                _ => {}
            }
        }
        loop {
            at += memchr::memchr2(b'"', b'\\', b.get(at..)?)?;
            if b[at] == b'"' {
                break;
            }
            escaped = true;
            at = self.escape(at)?;
        }
        // Control characters must be escaped in JSON.
        if has_control(&b[from..at]) {
            return None;
        }
        self.i = at + 1;
        Some((from, at, escaped))
    }

    /// Where the escape at `at` ends, if it is one of the simple ones.
    fn escape(&self, at: usize) -> Option<usize> {
        match self.b.get(at + 1)? {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(at + 2),
            _ => None,
        }
    }

    /// `-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Option<()> {
        let b = self.b;
        let mut i = self.i;
        let digits = |mut i: usize| {
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            i
        };
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        match b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => i = digits(i + 1),
            _ => return None,
        }
        if b.get(i) == Some(&b'.') {
            let end = digits(i + 1);
            if end == i + 1 {
                return None;
            }
            i = end;
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            let end = digits(i);
            if end == i {
                return None;
            }
            i = end;
        }
        self.i = i;
        Some(())
    }

    /// Checks and passes over one value at nesting `depth`.
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'-' | b'0'..=b'9' => self.number(),
            b't' => self.literal(b"true"),
            b'f' => self.literal(b"false"),
            b'n' => self.literal(b"null"),
            open @ (b'[' | b'{') => {
                let close = if open == b'[' { b']' } else { b'}' };
                self.i += 1;
                self.blanks();
                if self.eat(close).is_some() {
                    return Some(());
                }
                loop {
                    if open == b'{' {
                        if self.peek()? != b'"' {
                            return None;
                        }
                        self.string()?;
                        self.blanks();
                        self.eat(b':')?;
                        self.blanks();
                    }
                    self.skip_value(depth + 1)?;
                    self.blanks();
                    match self.peek()? {
                        b',' => {
                            self.i += 1;
                            self.blanks();
                        }
                        c if c == close => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            _ => None,
        }
    }
}

/// The first quote, backslash or control byte in `b[at..end]`, or `end`. Eight bytes
/// at a time: in each of the three tests a byte can only borrow into the next one up
/// when it is itself a match, so the lowest flagged byte is always a true match.
fn special_byte(b: &[u8], mut at: usize, end: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    while at + 8 <= end {
        let x = u64::from_le_bytes(b[at..at + 8].try_into().expect("eight bytes"));
        let found = zero_byte(x ^ (ONES * u64::from(b'"')))
            | zero_byte(x ^ (ONES * u64::from(b'\\')))
            | (x.wrapping_sub(ONES * 0x20) & !x & HIGH);
        if found != 0 {
            return at + (found.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while at < end && !matches!(b[at], b'"' | b'\\' | 0..=0x1f) {
        at += 1;
    }
    at
}

/// Whether any byte is below 0x20, eight bytes at a time: a byte below 0x20 is the only
/// way for `byte - 0x20` to borrow from the high bit of a byte whose high bit was clear
/// (a borrow into a higher byte only follows a byte that is itself below 0x20).
fn has_control(b: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = b.chunks_exact(8);
    let mut seen = 0u64;
    for c in &mut chunks {
        let x = u64::from_le_bytes(c.try_into().expect("eight bytes"));
        seen |= x.wrapping_sub(ONES * 0x20) & !x;
    }
    seen & HIGH != 0 || chunks.remainder().iter().any(|&c| c < 0x20)
}

/// The text of string contents whose escapes [`Scan::string`] accepted.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(k) = memchr::memchr(b'\\', rest.as_bytes()) {
        out.push_str(&rest[..k]);
        let c = rest.as_bytes()[k + 1];
        out.push(match c {
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            other => other as char,
        });
        rest = &rest[k + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The full parser's reading, as the reader does it.
    fn full(line: &str, names: &[&str]) -> Result<Option<Vec<Option<String>>>, String> {
        super::super::input::wanted_fields_full(line, names)
    }

    const NAMES: &[&str] = &["id", "date", "text", "id", "dateline"];

    #[test]
    fn common_records_are_read_fast_and_as_the_full_parser_reads_them() {
        let lines = [
            r#"{"id": "r-1", "date": "1987-02-26", "text": "He said \"no\".\n", "topics": ["cocoa", "x"], "n": -1.5e3}"#,
            r#"  {"text":"a\\b\/c\tz","id":null,"other":{"a":[1,2,{"b":false}],"c":true}}  "#,
            r#"{}"#,
            r#"{"text": "first", "text": "second"}"#,
            r#"{"dateline": "", "id": "x"}"#,
        ];
        for line in lines {
            let fast = wanted_fields(line, NAMES);
            assert!(fast.is_some(), "{line}");
            assert_eq!(Ok(fast), full(line, NAMES), "{line}");
        }
    }

    #[test]
    fn unusual_or_invalid_records_go_to_the_full_parser() {
        let lines = [
            r#"{"id": 12, "text": "numbers in wanted fields"}"#,
            r#"{"text": "\u00e9"}"#,
            "{\"text\": \"tab\tinside\"}",
            r#"{"text": "x",}"#,
            r#"{"text": "x"} trailing"#,
            r#"{"n": 01}"#,
            r#"{"n": 1.}"#,
            r#"{"n": [1, 2,]}"#,
            r#"{"t\"x": "key with an escape"}"#,
            r#"["not", "an object"]"#,
            r#"{"text": "unterminated}"#,
            r#"{"text": "bad \q escape"}"#,
        ];
        for line in lines {
            assert_eq!(wanted_fields(line, NAMES), None, "{line}");
        }
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::Bool),
            any::<i64>().prop_map(|n| serde_json::json!(n)),
            (-1e6f64..1e6).prop_map(|n| serde_json::json!(n)),
            "[ -~\u{e9}\u{4e2d}\n\t\"\\\\/]{0,12}".prop_map(serde_json::Value::String),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
                prop::collection::vec(("[a-z]{1,4}", inner), 0..4)
                    .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn control_bytes_are_found_wherever_they_are(bytes in prop::collection::vec(any::<u8>(), 0..40)) {
            prop_assert_eq!(has_control(&bytes), bytes.iter().any(|&c| c < 0x20));
        }

        #[test]
        fn the_first_special_byte_is_found(
            bytes in prop::collection::vec(prop_oneof![any::<u8>(), Just(b'"'), Just(b'\\'), 0x20u8..0x7f], 0..40),
            from in any::<prop::sample::Index>(),
        ) {
            let at = from.index(bytes.len() + 1);
            let expected = bytes[at..]
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
                .map_or(bytes.len(), |k| at + k);
            prop_assert_eq!(special_byte(&bytes, at, bytes.len()), expected);
        }

        /// On any line, valid or damaged, a fast reading is the full parser's.
        #[test]
        fn a_fast_reading_is_always_the_full_parsers(
            fields in prop::collection::vec((prop_oneof!["id|date|text|dateline", "[a-z]{1,5}"], json_value()), 0..6),
            cut in any::<prop::sample::Index>(),
            damage in 0u8..4,
        ) {
            let object = serde_json::Value::Object(fields.into_iter().collect());
            let mut line = if damage == 1 {
                serde_json::to_string_pretty(&object).unwrap().replace('\n', " ")
            } else {
                object.to_string()
            };
            if damage >= 2 && !line.is_empty() {
                // Cut the line at a character boundary, or drop a character.
                let mut at = cut.index(line.len());
                while !line.is_char_boundary(at) {
                    at -= 1;
                }
                if damage == 2 {
                    line.truncate(at);
                } else if at < line.len() {
                    line.remove(at);
                }
            }
            if let Some(fast) = wanted_fields(&line, NAMES) {
                prop_assert_eq!(Ok(Some(fast)), full(&line, NAMES));
            }
        }
    }
}
