//! String interning for dictionary words and text tokens.

use std::hash::Hasher;

/// Interns upper-case words so that matching compares integers, not strings.
///
/// The words are kept one after the other in one string, and the table from words to
/// ids holds each id with its word's place in that string: a compiled set stores the
/// string and the ends of the words, and loading it rebuilds the table without a
/// string per word.
#[derive(Clone, Debug, Default)]
pub struct Vocab {
    /// Every word, one after the other, in id order.
    text: String,
    /// Where each word ends in `text`, by id.
    ends: Vec<u32>,
    /// The ids with the range of their word in `text`, found by the hash of the
    /// word (a lookup reads the text of the candidate at once, not its end first).
    ids: hashbrown::HashTable<Entry>,
}

/// An entry of [`Vocab`]'s table: an id and where its word is.
#[derive(Clone, Copy, Debug)]
struct Entry {
    id: u32,
    from: u32,
    to: u32,
}

fn hash(word: &str) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    h.write(word.as_bytes());
    h.finish()
}

impl Vocab {
    /// The id of `word`, adding it when new.
    pub fn intern(&mut self, word: &str) -> u32 {
        if let Some(id) = self.lookup(word) {
            return id;
        }
        let id = self.ends.len() as u32;
        self.text.push_str(word);
        self.ends.push(self.text.len() as u32);
        self.add_to_table(id);
        id
    }

    /// Where the word of `id` is in `text`.
    fn entry(&self, id: u32) -> Entry {
        let from = match id {
            0 => 0,
            _ => self.ends[id as usize - 1],
        };
        Entry {
            id,
            from,
            to: self.ends[id as usize],
        }
    }

    fn add_to_table(&mut self, id: u32) {
        let entry = self.entry(id);
        let text = &self.text;
        let word_of = |e: &Entry| &text[e.from as usize..e.to as usize];
        self.ids
            .insert_unique(hash(word_of(&entry)), entry, |e| hash(word_of(e)));
    }

    /// Makes room for `n` more words.
    pub fn reserve(&mut self, n: usize) {
        let text = &self.text;
        self.ids
            .reserve(n, |e| hash(&text[e.from as usize..e.to as usize]));
        self.ends.reserve(n);
    }

    /// The id of `word` if it is known.
    pub fn lookup(&self, word: &str) -> Option<u32> {
        self.ids
            .find(hash(word), |e| {
                self.text.as_bytes()[e.from as usize..e.to as usize] == *word.as_bytes()
            })
            .map(|e| e.id)
    }

    /// The text of an id.
    pub fn get(&self, id: u32) -> &str {
        let e = self.entry(id);
        &self.text[e.from as usize..e.to as usize]
    }

    /// Number of interned words.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether nothing is interned.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

/// What a compiled set stores of a vocabulary.
#[derive(serde::Serialize, serde::Deserialize)]
struct Stored<T, E> {
    text: T,
    ends: E,
}

impl serde::Serialize for Vocab {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Stored {
            text: &self.text,
            ends: &self.ends,
        }
        .serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Vocab {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Vocab, D::Error> {
        let Stored::<String, Vec<u32>> { text, ends } = Stored::deserialize(d)?;
        // Every word must be a slice of the text: a damaged set is refused here.
        let mut from = 0;
        for &end in &ends {
            if end < from || end as usize > text.len() || !text.is_char_boundary(end as usize) {
                return Err(serde::de::Error::custom("vocabulary ends out of order"));
            }
            from = end;
        }
        if from as usize != text.len() {
            return Err(serde::de::Error::custom(
                "vocabulary text longer than its words",
            ));
        }
        let mut v = Vocab {
            text,
            ends,
            ids: hashbrown::HashTable::new(),
        };
        v.reserve(v.ends.len());
        for id in 0..v.ends.len() as u32 {
            v.add_to_table(id);
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_their_ids_through_a_compiled_set() {
        let mut v = Vocab::default();
        let words = ["PRESIDENT", "", "É", "OBAMA", "PRESIDENT", "U.S.", "Ü"];
        let ids: Vec<u32> = words.iter().map(|w| v.intern(w)).collect();
        assert_eq!(ids, [0, 1, 2, 3, 0, 4, 5]);
        assert_eq!(v.len(), 6);
        let back: Vocab = postcard::from_bytes(&postcard::to_stdvec(&v).unwrap()).unwrap();
        for (w, id) in words.iter().zip(&ids) {
            assert_eq!(back.lookup(w), Some(*id));
            assert_eq!(back.get(*id), *w);
        }
        assert_eq!(back.lookup("OBAM"), None);
        assert_eq!(back.len(), v.len());
    }

    #[test]
    fn a_damaged_vocabulary_is_refused() {
        let bad = |text: &str, ends: Vec<u32>| {
            let bytes = postcard::to_stdvec(&Stored { text, ends }).unwrap();
            postcard::from_bytes::<Vocab>(&bytes).is_err()
        };
        assert!(bad("ABC", vec![2, 1]));
        assert!(bad("ABC", vec![4]));
        assert!(bad("ABC", vec![1]));
        assert!(bad("É", vec![1, 2]));
        assert!(!bad("ABC", vec![1, 3]));
    }
}
