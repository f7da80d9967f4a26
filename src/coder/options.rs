//! Coding options: TABARI's `.options` commands and their PETRARCH equivalents.

use crate::dict::tabari::numbered_lines;

/// When the coder stops looking for events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CodeBy {
    /// The first event of each conjunction-delimited clause.
    #[default]
    Clause,
    /// The first event of the sentence.
    Sentence,
    /// Every event found.
    All,
}

/// Conditions under which a sentence is too complex to code (TABARI `COMPLEX:`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Complexity {
    /// n or more verbs (0 = off).
    pub verbs: usize,
    /// n or more actors.
    pub actors: usize,
    /// n or more pronouns.
    pub pronouns: usize,
    /// n or more conjunctions.
    pub conj: usize,
    /// n or more deleted comma clauses.
    pub comma: usize,
    /// no verb within the first n words.
    pub late_verb: usize,
    /// No actor before the first verb.
    pub no_act_prior: bool,
    /// No actor after the first verb.
    pub no_act_after: bool,
    /// No verb at all.
    pub no_verb: bool,
    /// No source found.
    pub no_source: bool,
    /// No target found.
    pub no_target: bool,
    /// No event found.
    pub no_event: bool,
}

impl Complexity {
    /// True when no rule is on.
    pub fn is_off(&self) -> bool {
        *self == Complexity::default()
    }
}

/// Lengths of comma-delimited clauses that are deleted before coding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommaRule {
    /// Deletion is on.
    pub on: bool,
    /// Interior clauses: more than `min` and at most `max` words.
    pub min: usize,
    /// See `min`.
    pub max: usize,
    /// The clause at the start of the sentence.
    pub bmin: usize,
    /// See `bmin`.
    pub bmax: usize,
    /// The clause at the end of the sentence.
    pub emin: usize,
    /// See `emin`.
    pub emax: usize,
}

impl Default for CommaRule {
    fn default() -> Self {
        CommaRule {
            on: true,
            min: 2,
            max: 10,
            bmin: 255,
            bmax: 0,
            emin: 2,
            emax: 10,
        }
    }
}

/// A default actor used when the search finds none (TABARI `DEFAULT:`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefaultActor {
    /// The code.
    pub code: String,
    /// For a source, `PRIOR`: used whenever no actor precedes the verb; for a target,
    /// `AFTER`: used whenever no actor follows the verb.
    pub positional: bool,
}

/// All the options that change how sentences are coded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// When to stop looking for events.
    pub code_by: CodeBy,
    /// Complexity filter.
    pub complex: Complexity,
    /// Comma-clause deletion.
    pub comma: CommaRule,
    /// Default source.
    pub default_source: Option<DefaultActor>,
    /// Default target.
    pub default_target: Option<DefaultActor>,
    /// Agents without an actor become actors with their own code.
    pub convert_agents: bool,
    /// Time shifting is on.
    pub time_shift: bool,
    /// Sentences with fewer words are not coded (0 = off).
    pub minimum_words: usize,
    /// Cap on events from one sentence after compound expansion.
    pub max_events: usize,
    /// Four-digit years in record headers.
    pub yyyy: bool,
    /// FBIS processing: bracketed material skipped.
    pub fbis: bool,
    /// Events need both a source and a target.
    pub require_dyad: bool,
    /// Cap on words per sentence; longer sentences are cut with a warning.
    pub max_words: usize,
    /// TABARI `FORWARD:` sequence format (pronouns refer back across records), unless OFF.
    pub forward: Option<String>,
    /// PETRARCH's `new_actor_length`: uncoded noun phrases of up to this many words next
    /// to a verb become actors coded with their own text (0 = off).
    pub new_actor_length: usize,
    /// PETRARCH rules: an agent with no actor becomes an actor coded `---` plus its
    /// role; `%` names a compound source; agents also attach through FROM.
    pub petrarch: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            code_by: CodeBy::Clause,
            complex: Complexity::default(),
            comma: CommaRule::default(),
            default_source: None,
            default_target: None,
            convert_agents: false,
            time_shift: true,
            minimum_words: 0,
            max_events: 64,
            yyyy: false,
            fbis: false,
            require_dyad: true,
            max_words: 500,
            forward: None,
            petrarch: false,
            new_actor_length: 0,
        }
    }
}

fn bracket_number(s: &str, key: &str) -> Option<usize> {
    let i = s.find(key)?;
    let rest = &s[i + key.len()..];
    let rest = rest.trim_start().strip_prefix('[')?;
    let end = rest.find(']')?;
    rest[..end].trim().parse().ok()
}

fn bracket_code(s: &str) -> Option<String> {
    let a = s.find('[')?;
    let b = s[a..].find(']')? + a;
    Some(s[a + 1..b].trim().to_ascii_uppercase())
}

fn keyed_number(s: &str, key: &str) -> Option<usize> {
    // Find `KEY = n` where KEY is a whole word.
    let mut from = 0;
    while let Some(i) = s[from..].find(key) {
        let at = from + i;
        let before_ok = at == 0 || !s.as_bytes()[at - 1].is_ascii_alphabetic();
        let rest = s[at + key.len()..].trim_start();
        if before_ok {
            if let Some(r) = rest.strip_prefix('=') {
                let num: String = r
                    .trim_start()
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                if let Ok(n) = num.parse() {
                    return Some(n);
                }
            }
        }
        from = at + key.len();
    }
    None
}

impl Options {
    /// Applies one options command such as `COMPLEX: VERBS[5] NOACTPRIOR` or
    /// `SET: CODE BY SENTENCE`. Returns false for commands that are not understood.
    pub fn apply(&mut self, line: &str) -> bool {
        let line = line.split("//").next().unwrap_or("");
        let t = line.trim();
        let upper = t.to_ascii_uppercase();
        let Some((cmd, rest)) = upper.split_once(':') else {
            return t.is_empty();
        };
        let cmd = cmd.trim();
        let rest = rest.trim();
        // The first four bytes name the command (`COMPLEX` and `COMP` alike); `get`, as
        // a fourth byte inside a multi-byte character is simply no command.
        match cmd.get(..4).unwrap_or(cmd) {
            "COMP" => {
                let mut c = Complexity {
                    verbs: bracket_number(rest, "VERBS").unwrap_or(0),
                    actors: bracket_number(rest, "ACTORS").unwrap_or(0),
                    pronouns: bracket_number(rest, "PRONOUNS").unwrap_or(0),
                    conj: bracket_number(rest, "CONJ").unwrap_or(0),
                    comma: bracket_number(rest, "COMMA").unwrap_or(0),
                    late_verb: bracket_number(rest, "LATEVERB").unwrap_or(0),
                    ..Complexity::default()
                };
                let words: Vec<&str> = rest.split_whitespace().collect();
                c.no_act_prior = words.contains(&"NOACTPRIOR");
                c.no_act_after = words.contains(&"NOACTAFTER");
                c.no_verb = words.contains(&"NOVERB");
                c.no_source = words.contains(&"NOSOURCE");
                c.no_target = words.contains(&"NOTARGET");
                c.no_event = words.contains(&"NOEVENT");
                self.complex = c;
                true
            }
            "DEFA" => {
                if rest.starts_with("OFF") {
                    self.default_source = None;
                    self.default_target = None;
                    return true;
                }
                let (src, tgt) = match rest.find("TARGET") {
                    Some(i) => (&rest[..i], &rest[i..]),
                    None => (rest, ""),
                };
                if src.contains("SOURCE") {
                    self.default_source = bracket_code(src).map(|code| DefaultActor {
                        code,
                        positional: src.contains("PRIOR"),
                    });
                }
                if !tgt.is_empty() {
                    self.default_target = bracket_code(tgt).map(|code| DefaultActor {
                        code,
                        positional: tgt.contains("AFTER"),
                    });
                }
                true
            }
            "COMM" => {
                if rest.starts_with("OFF") {
                    self.comma.on = false;
                    return true;
                }
                let mut c = CommaRule {
                    on: true,
                    ..self.comma
                };
                let squeezed: String = rest.to_string();
                if let Some(n) = keyed_number(&squeezed, "MIN") {
                    c.min = n;
                }
                if let Some(n) = keyed_number(&squeezed, "MAX") {
                    c.max = n;
                }
                if let Some(n) = keyed_number(&squeezed, "BMIN") {
                    c.bmin = n;
                }
                if let Some(n) = keyed_number(&squeezed, "BMAX") {
                    c.bmax = n;
                }
                if let Some(n) = keyed_number(&squeezed, "EMIN") {
                    c.emin = n;
                }
                if let Some(n) = keyed_number(&squeezed, "EMAX") {
                    c.emax = n;
                }
                self.comma = c;
                true
            }
            "SET" => self.apply_set(rest),
            "FORW" => {
                let mut parts = rest.split_whitespace();
                let fmt = parts.next().unwrap_or("").to_string();
                let off = parts.any(|p| p == "OFF");
                self.forward = if off || fmt.is_empty() {
                    None
                } else {
                    Some(fmt)
                };
                true
            }
            "LABE" | "OUTP" | "NONE" | "ISSU" => true,
            _ => false,
        }
    }

    fn apply_set(&mut self, rest: &str) -> bool {
        let (key, value) = match rest.split_once('=') {
            Some((k, v)) => (k.trim(), v.trim()),
            None => (rest.trim(), ""),
        };
        let truth = value.starts_with('T');
        let key_squeezed: String = key.split_whitespace().collect::<Vec<_>>().join(" ");
        match key_squeezed.as_str() {
            "CODE BY CLAUSE" => self.code_by = CodeBy::Clause,
            "CODE BY SENTENCE" => self.code_by = CodeBy::Sentence,
            "CODE ALL" => self.code_by = CodeBy::All,
            k if k.starts_with("CONVERT AGENT") => self.convert_agents = truth,
            k if k.starts_with("TIME SHIFT") => self.time_shift = truth,
            "YYYY" => self.yyyy = truth,
            "FBIS" => self.fbis = truth,
            k if k.starts_with("MINIMUM WORD") => self.minimum_words = value.parse().unwrap_or(0),
            _ => {}
        }
        true
    }

    /// Reads an options file.
    pub fn read(&mut self, text: &str) {
        for (_, line) in numbered_lines(text) {
            self.apply(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_byte_command_names_are_unknown_commands() {
        let mut o = Options::default();
        assert!(!o.apply("COM\u{ff}PLEX: VERBS[5]"));
        assert!(!o.apply("C\u{e9}: x"));
        assert_eq!(o, Options::default());
    }

    #[test]
    fn commands() {
        let mut o = Options::default();
        assert!(o.apply("COMPLEX: VERBS[5] CONJ[4] NOACTPRIOR EXPLAIN"));
        assert_eq!(o.complex.verbs, 5);
        assert_eq!(o.complex.conj, 4);
        assert!(o.complex.no_act_prior);
        o.apply("DEFAULT: SOURCE [DEFSRC] PRIOR TARGET [DEFTAR] AFTER");
        assert_eq!(
            o.default_source,
            Some(DefaultActor {
                code: "DEFSRC".into(),
                positional: true
            })
        );
        assert_eq!(
            o.default_target,
            Some(DefaultActor {
                code: "DEFTAR".into(),
                positional: true
            })
        );
        o.apply("DEFAULT: OFF");
        assert!(o.default_source.is_none());
        o.apply("COMMA: MIN = 4 MAX = 6 EMIN = 3 EMAX = 6 BMIN = 3 BMAX = 8");
        assert_eq!(
            (
                o.comma.min,
                o.comma.max,
                o.comma.emin,
                o.comma.emax,
                o.comma.bmin,
                o.comma.bmax
            ),
            (4, 6, 3, 6, 3, 8)
        );
        o.apply("SET: CODE BY SENTENCE");
        assert_eq!(o.code_by, CodeBy::Sentence);
        o.apply("COMMA: OFF");
        assert!(!o.comma.on);
    }
}
