//! String interning for dictionary words and text tokens.

use rustc_hash::FxHashMap as HashMap;

/// Interns upper-case words so that matching compares integers, not strings.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Vocab {
    ids: HashMap<Box<str>, u32>,
    words: Vec<Box<str>>,
}

impl Vocab {
    /// The id of `word`, adding it when new.
    pub fn intern(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.ids.get(word) {
            return id;
        }
        let id = self.words.len() as u32;
        self.words.push(word.into());
        self.ids.insert(word.into(), id);
        id
    }

    /// Makes room for `n` more words.
    pub fn reserve(&mut self, n: usize) {
        self.ids.reserve(n);
        self.words.reserve(n);
    }

    /// The id of `word` if it is known.
    pub fn lookup(&self, word: &str) -> Option<u32> {
        self.ids.get(word).copied()
    }

    /// The text of an id.
    pub fn get(&self, id: u32) -> &str {
        &self.words[id as usize]
    }

    /// Number of interned words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether nothing is interned.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}
