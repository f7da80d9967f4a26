//! Loading a dictionary set from files: explicit lists, a TABARI `.project`, a
//! `PETR_config.ini`, or dyad's own set compiled into the binary.

use super::{petrarch, tabari, DictBuilder, Dictionaries};
use std::path::{Path, PathBuf};

/// The files of a dictionary set, by kind.
#[derive(Clone, Debug, Default)]
pub struct DictFiles {
    /// Actor files.
    pub actors: Vec<PathBuf>,
    /// Agent files.
    pub agents: Vec<PathBuf>,
    /// Verb files.
    pub verbs: Vec<PathBuf>,
    /// Discard files.
    pub discards: Vec<PathBuf>,
    /// Issue files.
    pub issues: Vec<PathBuf>,
}

/// A file that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read dictionary {path}: {source}")]
pub struct LoadError {
    /// The file.
    pub path: String,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// Reads a file as text: invalid UTF-8 is decoded as Latin-1 (dictionary files of the
/// field are often in that encoding), and a byte-order mark is dropped.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    let bytes = std::fs::read(path).map_err(|e| LoadError {
        path: path.display().to_string(),
        source: e,
    })?;
    Ok(decode_owned(bytes))
}

/// Decodes bytes as UTF-8, or Latin-1 when they are not valid UTF-8.
pub fn decode(bytes: &[u8]) -> String {
    decode_owned(bytes.to_vec())
}

/// [`decode`], reusing the buffer when it is UTF-8.
fn decode_owned(mut bytes: Vec<u8>) -> String {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => latin1(e.as_bytes()),
    }
}

/// Latin-1 text as a `String`: ASCII runs are copied whole.
fn latin1(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + bytes.len() / 16);
    let mut rest = bytes;
    while !rest.is_empty() {
        let ascii = rest.iter().position(|&b| b >= 0x80).unwrap_or(rest.len());
        out.push_str(std::str::from_utf8(&rest[..ascii]).expect("ASCII is UTF-8"));
        if let Some(&b) = rest.get(ascii) {
            out.push(char::from(b));
            rest = &rest[ascii + 1..];
        } else {
            rest = &[];
        }
    }
    out
}

impl DictFiles {
    /// The files named by a `PETR_config.ini`, resolved against its folder.
    pub fn from_petrarch_config(
        path: &Path,
    ) -> Result<(DictFiles, petrarch::PetrarchConfig), String> {
        let text = read_text(path).map_err(|e| e.to_string())?;
        let cfg = petrarch::read_config(path, &text)?;
        let files = DictFiles {
            actors: cfg.actors.clone(),
            agents: cfg.agents.iter().cloned().collect(),
            verbs: cfg.verbs.iter().cloned().collect(),
            discards: cfg.discards.iter().cloned().collect(),
            issues: cfg.issues.iter().cloned().collect(),
        };
        Ok((files, cfg))
    }

    /// Every file, in the order they load.
    pub fn all(&self) -> Vec<&PathBuf> {
        self.actors
            .iter()
            .chain(&self.agents)
            .chain(&self.verbs)
            .chain(&self.discards)
            .chain(&self.issues)
            .collect()
    }

    /// Reads and compiles the set. Unreadable files are errors; problems inside files
    /// are diagnostics of the result.
    pub fn load(&self) -> Result<Dictionaries, LoadError> {
        let mut b = DictBuilder::new();
        self.load_into(&mut b)?;
        Ok(b.build())
    }

    /// Reads the files into an existing builder.
    pub fn load_into(&self, b: &mut DictBuilder) -> Result<(), LoadError> {
        for (kind, name, text) in self.read_all()? {
            read_file(b, kind, &name, &text);
        }
        Ok(())
    }

    /// The text of every file with its kind and name, in the order they load: verbs
    /// first, so that synonym sets exist before anything refers to them.
    pub fn read_all(&self) -> Result<Vec<(FileKind, String, String)>, LoadError> {
        let kinds = [
            (FileKind::Verbs, &self.verbs),
            (FileKind::Actors, &self.actors),
            (FileKind::Agents, &self.agents),
            (FileKind::Discards, &self.discards),
            (FileKind::Issues, &self.issues),
        ];
        let mut out = Vec::new();
        for (kind, paths) in kinds {
            for p in paths {
                out.push((kind, p.display().to_string(), read_text(p)?));
            }
        }
        Ok(out)
    }
}

/// Reads one file's text into a builder with the reader of its kind.
pub fn read_file(b: &mut DictBuilder, kind: FileKind, name: &str, text: &str) {
    match kind {
        FileKind::Verbs => tabari::read_verbs(b, name, text),
        FileKind::Actors => tabari::read_actors(b, name, text),
        FileKind::Agents => tabari::read_agents(b, name, text),
        FileKind::Discards => petrarch::read_discards(b, name, text),
        FileKind::Issues => petrarch::read_issues(b, name, text),
    }
}

/// The kind of a dictionary file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// Actors.
    Actors,
    /// Agents.
    Agents,
    /// Verbs.
    Verbs,
    /// Discards.
    Discards,
    /// Issues.
    Issues,
}

/// The kinds of file in the order they load: verbs first, so that synonym sets exist
/// before anything refers to them.
pub const LOAD_ORDER: [FileKind; 5] = [
    FileKind::Verbs,
    FileKind::Actors,
    FileKind::Agents,
    FileKind::Discards,
    FileKind::Issues,
];

/// Reads in-memory files (name, kind, text) into a builder, in [`LOAD_ORDER`].
pub fn load_texts(b: &mut DictBuilder, files: &[(&str, FileKind, &str)]) {
    for kind in LOAD_ORDER {
        for &(name, k, text) in files {
            if k == kind {
                read_file(b, kind, name, text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn latin1_maps_each_byte_to_its_code_point(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            let want: String = bytes.iter().map(|&b| char::from(b)).collect();
            proptest::prop_assert_eq!(latin1(&bytes), want);
        }
    }

    #[test]
    fn utf8_stays_and_a_byte_order_mark_goes() {
        assert_eq!(decode("\u{feff}Genève".as_bytes()), "Genève");
        assert_eq!(decode(b"Gen\xe8ve"), "Genève");
    }
}
