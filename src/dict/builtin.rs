//! dyad's own dictionaries, compiled into the binary from `dictionaries/`.

use super::load::{load_texts, FileKind};
use super::{DictBuilder, Dictionaries};

include!(concat!(env!("OUT_DIR"), "/builtin_dictionaries.rs"));

/// Builds the default dictionaries, optionally extended by more actor files.
pub fn builder() -> DictBuilder {
    let mut b = DictBuilder::new();
    b.dup_warning = false;
    b.d.strict_endings = true;
    b.set_lengths = true;
    load_texts(&mut b, FILES);
    b
}

/// The default dictionaries.
pub fn load() -> Dictionaries {
    builder().build()
}
