//! dyad's own dictionaries, compiled into the binary from `dictionaries/`.

use super::load::{load_texts, FileKind, LOAD_ORDER};
use super::{DictBuilder, Dictionaries};

include!(concat!(env!("OUT_DIR"), "/builtin_dictionaries.rs"));

/// Builds the default dictionaries, optionally extended by more actor files.
pub fn builder() -> DictBuilder {
    let mut b = empty_builder();
    load_texts(&mut b, FILES);
    b
}

/// An empty builder with the settings dyad's own files are read with.
pub fn empty_builder() -> DictBuilder {
    let mut b = DictBuilder::new();
    b.dup_warning = false;
    b.d.strict_endings = true;
    b.set_lengths = true;
    b
}

/// dyad's own files (kind, name, text) in the order they load.
pub fn files() -> Vec<(FileKind, &'static str, &'static str)> {
    LOAD_ORDER
        .iter()
        .flat_map(|&kind| {
            FILES
                .iter()
                .filter(move |f| f.1 == kind)
                .map(|&(name, k, text)| (k, name, text))
        })
        .collect()
}

/// The default dictionaries.
pub fn load() -> Dictionaries {
    builder().build()
}
