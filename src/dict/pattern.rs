//! Verb patterns: `- $ SAID * + TO_{ LEAVE | GO } [023]`.

use super::code::EventCode;
use super::phrase::{canonical, link_of, pieces, word_mode, Link, PWord, Piece, WordMode};
use super::vocab::Vocab;
use super::Loc;
use rustc_hash::FxHashMap as HashMap;

/// One element of a pattern.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Elem {
    /// A literal word.
    Word(PWord),
    /// `$`: the source actor.
    Source,
    /// `+`: the target actor.
    Target,
    /// `%`: a compound actor that is both source and target.
    Compound,
    /// `^`: skip one actor.
    Skip,
    /// `&NAME`: any member of a synonym set.
    Synset(u32),
    /// `{ A | B }`: any of the alternatives.
    Alt(Vec<Vec<Item>>),
}

/// An element with the link to what precedes it (the previous element, or the verb).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Item {
    /// The element.
    pub elem: Elem,
    /// How it is placed after the previous element.
    pub link: Link,
}

/// A pattern of a verb.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Pattern {
    /// Elements before the verb, in text order; the last is linked to the verb by `verb_link`.
    pub lower: Vec<Item>,
    /// How the verb follows the last lower element.
    pub verb_link: Link,
    /// Elements after the verb, in text order; the first is linked to the verb.
    pub upper: Vec<Item>,
    /// The code.
    pub code: EventCode,
    /// Length used to order patterns: letters and digits of the fixed text.
    pub weight: usize,
    /// The pattern as written.
    pub text: String,
    /// Where it was written.
    pub loc: Loc,
    /// Literal words the pattern cannot match without: (word, after the verb).
    /// A cheap test on these rules most patterns out before the full match.
    pub required: Vec<(PWord, bool)>,
    /// For each alternative set or synonym set: the words one of which must occur
    /// (the first word of each branch), and whether after the verb.
    pub required_any: Vec<(Vec<PWord>, bool)>,
    /// Letters that the alternatives add to `weight` (their longest branches).
    pub alt_weight: usize,
}

/// Letters and digits of the words of a sequence of items (longest branch of
/// alternatives).
pub fn items_weight(items: &[Item], vocab: &Vocab) -> usize {
    items
        .iter()
        .map(|it| match &it.elem {
            Elem::Word(w) => vocab
                .get(w.id)
                .chars()
                .filter(|c| c.is_alphanumeric())
                .count(),
            Elem::Alt(alts) => alts
                .iter()
                .map(|a| items_weight(a, vocab))
                .max()
                .unwrap_or(0),
            _ => 0,
        })
        .sum()
}

/// The weight that alternatives add to a pattern's length: their longest branch.
pub fn max_alt_weight(items: &[Item], vocab: &Vocab) -> usize {
    items
        .iter()
        .map(|it| match &it.elem {
            Elem::Alt(alts) => alts
                .iter()
                .map(|a| items_weight(a, vocab))
                .max()
                .unwrap_or(0),
            _ => 0,
        })
        .sum()
}

impl Pattern {
    /// Collects the literal words outside alternatives and synonym sets, and for each
    /// alternative or synonym set the first words of its branches.
    pub fn compute_required(&mut self, synsets: &[Vec<Vec<Item>>]) {
        let mut req = Vec::new();
        let mut any = Vec::new();
        let first_word = |branch: &[Item]| -> Option<PWord> {
            match branch.first().map(|i| &i.elem) {
                Some(Elem::Word(w)) => Some(*w),
                _ => None,
            }
        };
        for (items, upper) in [(&self.lower, false), (&self.upper, true)] {
            for it in items {
                let branches: Vec<&[Item]> = match &it.elem {
                    Elem::Word(w) => {
                        req.push((*w, upper));
                        continue;
                    }
                    Elem::Alt(alts) => alts.iter().map(|a| a.as_slice()).collect(),
                    Elem::Synset(id) => synsets
                        .get(*id as usize)
                        .map(|m| m.iter().map(|b| b.as_slice()).collect())
                        .unwrap_or_default(),
                    _ => continue,
                };
                let words: Option<Vec<PWord>> = branches.into_iter().map(first_word).collect();
                if let Some(w) = words.filter(|w| !w.is_empty()) {
                    any.push((w, upper));
                }
            }
        }
        self.required = req;
        self.required_any = any;
    }
}

/// Errors in a pattern's text.
pub type PatternError = String;

/// Parses the text of a pattern (without the leading `-` and the code).
pub fn parse_pattern(
    text: &str,
    vocab: &mut Vocab,
    synsets: &HashMap<String, u32>,
    synset_weights: &[usize],
) -> Result<(Vec<Item>, Link, Vec<Item>, usize), PatternError> {
    let canon = canonical(text.trim());
    let ps = pieces(&canon);
    let star = ps.iter().filter(|p| p.text == "*").count();
    if star == 0 {
        return Err("pattern has no verb marker *".into());
    }
    if star > 1 {
        return Err("pattern has more than one verb marker *".into());
    }
    let pos = ps.iter().position(|p| p.text == "*").unwrap();
    let verb_link = link_of(ps[pos].before);
    let mut weight = 0;
    let mut lower = parse_items(&ps[..pos], vocab, synsets, synset_weights, &mut weight)?;
    // The link of the first upper element is the separator after '*'.
    let mut upper_pieces: Vec<Piece> = ps[pos + 1..].to_vec();
    if let Some(first) = upper_pieces.first_mut() {
        first.before = ps[pos].after;
    }
    let upper = parse_items(&upper_pieces, vocab, synsets, synset_weights, &mut weight)?;
    if let Some(first) = lower.first_mut() {
        // The first lower element is anchored nowhere: it may start anywhere in the clause.
        first.link = Link::Gap;
    }
    Ok((lower, verb_link, upper, weight))
}

fn parse_items(
    ps: &[Piece],
    vocab: &mut Vocab,
    synsets: &HashMap<String, u32>,
    synset_weights: &[usize],
    weight: &mut usize,
) -> Result<Vec<Item>, PatternError> {
    let mut items = Vec::new();
    let mut i = 0;
    while i < ps.len() {
        let p = &ps[i];
        let link = link_of(p.before);
        // TABARI gives a synonym set no length of its own (see the `&` arm).
        match p.text {
            "{" => {
                // Collect alternatives up to the matching '}'.
                let mut depth = 0;
                let mut j = i;
                let mut alts: Vec<Vec<Piece>> = vec![Vec::new()];
                loop {
                    j += 1;
                    if j >= ps.len() {
                        return Err("unclosed { in pattern".into());
                    }
                    match ps[j].text {
                        "{" => {
                            depth += 1;
                            alts.last_mut().unwrap().push(ps[j]);
                        }
                        "}" if depth == 0 => break,
                        "}" => {
                            depth -= 1;
                            alts.last_mut().unwrap().push(ps[j]);
                        }
                        "|" if depth == 0 => alts.push(Vec::new()),
                        _ => alts.last_mut().unwrap().push(ps[j]),
                    }
                }
                let mut parsed = Vec::new();
                let mut best = 0;
                for mut alt in alts {
                    if alt.is_empty() {
                        return Err("empty alternative in { | }".into());
                    }
                    // Words inside an alternative are padded with blanks: the first one
                    // takes the link of the '{', the last one's mode follows its own
                    // trailing separator, and a '_' after '}' makes the pieces exact.
                    alt[0].before = p.before;
                    let last = alt.len() - 1;
                    if alt[last].after.trim().is_empty()
                        || alt[last].after.chars().all(|c| c == ' ')
                    {
                        alt[last].after = " ";
                    }
                    let mut w = 0;
                    let items = parse_items(&alt, vocab, synsets, synset_weights, &mut w)?;
                    best = best.max(w);
                    parsed.push(items);
                }
                *weight += best;
                // Link of the element after '}' is the separator after '}'.
                items.push(Item {
                    elem: Elem::Alt(parsed),
                    link,
                });
                i = j + 1;
                continue;
            }
            "|" | "}" => return Err(format!("unexpected {} in pattern", p.text)),
            "$" => items.push(Item {
                elem: Elem::Source,
                link,
            }),
            "+" => items.push(Item {
                elem: Elem::Target,
                link,
            }),
            "%" => items.push(Item {
                elem: Elem::Compound,
                link,
            }),
            "^" => items.push(Item {
                elem: Elem::Skip,
                link,
            }),
            t if t.starts_with('&') => {
                // A set name may itself contain `_` (&K_WEAPON): take the longest run of
                // `_`-joined pieces that names a declared set.
                let mut name = t.trim_start_matches('&').trim_end_matches('=').to_string();
                let mut j = i;
                let mut best: Option<(usize, String)> = synsets
                    .contains_key(name.as_str())
                    .then(|| (i, name.clone()));
                while j + 1 < ps.len()
                    && ps[j].after == "_"
                    && !matches!(
                        ps[j + 1].text,
                        "{" | "|" | "}" | "*" | "$" | "+" | "%" | "^"
                    )
                {
                    name = format!("{name}_{}", ps[j + 1].text);
                    j += 1;
                    if synsets.contains_key(name.as_str()) {
                        best = Some((j, name.clone()));
                    }
                }
                let Some((end, name)) = best else {
                    return Err(format!(
                        "unknown synonym set &{}",
                        t.trim_start_matches('&')
                    ));
                };
                let Some(&id) = synsets.get(name.as_str()) else {
                    return Err(format!("unknown synonym set &{name}"));
                };
                // TABARI gives a set no length; PETRARCH's callers pass the sets' longest
                // members, and a match then counts the member that matched.
                *weight += synset_weights.get(id as usize).copied().unwrap_or(0);
                items.push(Item {
                    elem: Elem::Synset(id),
                    link,
                });
                i = end + 1;
                continue;
            }
            t => {
                let (w, mode) = word_mode(t, p.after);
                if w.is_empty() {
                    return Err("empty word in pattern".into());
                }
                *weight += w.chars().filter(|c| c.is_alphanumeric()).count();
                // Pattern words never take the regular endings: `_` means the word itself.
                let endings = false;
                let _ = WordMode::Word;
                items.push(Item {
                    elem: Elem::Word(PWord {
                        id: vocab.intern(w),
                        mode,
                        endings,
                    }),
                    link,
                });
            }
        }
        i += 1;
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_markers_links_and_alternatives() {
        let mut v = Vocab::default();
        let syn = HashMap::default();
        let (lower, vl, upper, w) = parse_pattern(
            "SUGGESTED_+ * DEMAND_{ GENEVA_ | INTERNATIONAL }_CONVENTIONS",
            &mut v,
            &syn,
            &[],
        )
        .unwrap();
        assert_eq!(lower.len(), 2);
        assert_eq!(lower[1].elem, Elem::Target);
        assert_eq!(lower[1].link, Link::Adjacent);
        assert_eq!(vl, Link::Gap);
        assert_eq!(upper.len(), 3);
        assert!(matches!(upper[1].elem, Elem::Alt(ref a) if a.len() == 2));
        assert_eq!(upper[1].link, Link::Adjacent);
        assert_eq!(upper[2].link, Link::Adjacent);
        assert_eq!(
            w,
            "SUGGESTED".len() + "DEMAND".len() + "INTERNATIONAL".len() + "CONVENTIONS".len()
        );
        assert!(parse_pattern("SAID TO", &mut v, &syn, &[]).is_err());
        assert!(parse_pattern("* &NOPE", &mut v, &syn, &[]).is_err());
    }
}
