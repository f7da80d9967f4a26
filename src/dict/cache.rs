//! Compiled dictionary sets kept on disk, so that a set read before loads without
//! being parsed and compiled again.
//!
//! A set is stored under a key computed from everything its compilation depends on:
//! the text, name and kind of each file in loading order, the builder's settings,
//! the dyad version and the identity (size, modification time) of the running
//! executable, so that a rebuilt binary never reads what an older one wrote. A file
//! that is damaged, truncated or of another key is ignored (the set is then compiled
//! as if there were no cache), and a cache that cannot be written costs nothing but
//! the time saved.

use super::{Actor, Agent, Dictionaries, Entry};
use std::hash::{DefaultHasher, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Changed whenever the stored layout or the meaning of a field changes.
const FORMAT: u32 = 5;
const MAGIC: &[u8; 8] = b"DYADDICT";
/// How many compiled sets a cache folder keeps; the least recently written go first.
const KEEP: usize = 8;

/// The key of a compiled set: two independent 64-bit hashes of its inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheKey(u128);

impl CacheKey {
    fn file_name(self) -> String {
        format!("{:032x}.dict", self.0)
    }
}

/// Collects the inputs of a compilation into a [`CacheKey`].
/// (SipHash for one half and the much faster FxHash for the other: the inputs are the
/// dictionaries' whole text, hashed on every run before anything else can start.)
pub struct KeyHasher {
    a: DefaultHasher,
    b: rustc_hash::FxHasher,
}

impl KeyHasher {
    /// A hasher seeded with the cache format, the dyad version and the running
    /// executable's identity; `None` when the executable cannot be identified (no
    /// cache is used then).
    pub fn new() -> Option<KeyHasher> {
        let exe = std::env::current_exe().ok()?;
        let meta = std::fs::metadata(exe).ok()?;
        let modified = meta
            .modified()
            .ok()?
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_nanos();
        let mut k = KeyHasher {
            a: DefaultHasher::new(),
            b: rustc_hash::FxHasher::default(),
        };
        k.b.write_u8(0xA5);
        k.add(&FORMAT.to_le_bytes());
        k.add(env!("CARGO_PKG_VERSION").as_bytes());
        k.add(&meta.len().to_le_bytes());
        k.add(&modified.to_le_bytes());
        Some(k)
    }

    /// Adds one input (its length too, so that inputs cannot run into each other).
    pub fn add(&mut self, bytes: &[u8]) {
        self.a.write_u64(bytes.len() as u64);
        self.a.write(bytes);
        self.b.write_u64(bytes.len() as u64);
        self.b.write(bytes);
    }

    /// The key.
    pub fn finish(&self) -> CacheKey {
        CacheKey(u128::from(self.a.finish()) << 64 | u128::from(self.b.finish()))
    }
}

/// The fields a set stores apart from the rest (see [`load`]).
#[derive(serde::Serialize)]
struct ApartRef<'a> {
    actors: &'a [Actor],
    agents: &'a [Agent],
    entries: &'a [Entry],
}

#[derive(serde::Deserialize)]
struct Apart {
    #[serde(deserialize_with = "exact_vec")]
    actors: Vec<Actor>,
    #[serde(deserialize_with = "exact_vec")]
    agents: Vec<Agent>,
    #[serde(deserialize_with = "exact_vec")]
    entries: Vec<Entry>,
}

/// A vector read at its stored length at once. (Serde's own reading allocates at
/// most a megabyte up front and doubles from there: the tens of thousands of
/// actors and phrases of a large set were copied two or three times, into fresh
/// memory each time.) A damaged length allocates no more than `LIMIT` elements
/// ahead.
fn exact_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    const LIMIT: usize = 1 << 20;
    struct Exact<T>(std::marker::PhantomData<T>);
    impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Exact<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a sequence")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut v = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(LIMIT));
            while let Some(x) = seq.next_element()? {
                v.push(x);
            }
            Ok(v)
        }
    }
    d.deserialize_seq(Exact(std::marker::PhantomData))
}

/// The header: magic bytes, key, and the lengths of the two parts.
const HEADER: usize = MAGIC.len() + 16 + 8 + 8;

/// The compiled set stored under `key` in `dir`, if there is a sound one.
///
/// A set is stored in two parts of about the same reading time, the actors, agents
/// and phrase entries in one, everything else in the other, and the two are read
/// at once on two threads (of the current rayon pool, if any): reading a set (mostly
/// allocating its many small strings and vectors) is the start-up time of every run,
/// and what it frees is then reused by the pool's threads that code the corpus
/// (memory freed by one thread is not taken up by another until whole pages are
/// free, and fresh memory must be cleared by the kernel).
pub fn load(dir: &Path, key: CacheKey) -> Option<Dictionaries> {
    let file = std::fs::File::open(dir.join(key.file_name())).ok()?;
    let map = map_whole_file(&file)?;
    let bytes: &[u8] = &map;
    if bytes.len() < HEADER || &bytes[..MAGIC.len()] != MAGIC {
        return None;
    }
    let stored = u128::from_le_bytes(bytes[8..24].try_into().ok()?);
    let apart_len = u64::from_le_bytes(bytes[24..32].try_into().ok()?);
    let rest_len = u64::from_le_bytes(bytes[32..40].try_into().ok()?);
    if stored != key.0 || apart_len.checked_add(rest_len)? != (bytes.len() - HEADER) as u64 {
        return None;
    }
    let (apart, rest) = bytes[HEADER..].split_at(usize::try_from(apart_len).ok()?);
    let read_apart = || {
        super::begin_places();
        postcard::from_bytes::<Apart>(apart).ok()
    };
    let read_rest = || {
        super::begin_places();
        postcard::from_bytes::<Dictionaries>(rest).ok()
    };
    // On a pool's thread, the pool's two threads; elsewhere a thread of its own (not
    // rayon's global pool, whose threads would stay and spin after the load).
    let (apart, rest) = if rayon::current_thread_index().is_some() {
        rayon::join(read_apart, read_rest)
    } else {
        std::thread::scope(|scope| {
            let apart = scope.spawn(read_apart);
            let rest = read_rest();
            (apart.join().ok().flatten(), rest)
        })
    };
    let (apart, mut d) = (apart?, rest?);
    d.actors = apart.actors;
    d.agents = apart.agents;
    d.entries = apart.entries;
    d.instance = super::next_instance();
    Some(d)
}

/// The contents of a stored set, mapped into memory rather than copied: the pages
/// come straight from the file cache, with nothing to clear or copy.
#[allow(unsafe_code)]
fn map_whole_file(file: &std::fs::File) -> Option<memmap2::Mmap> {
    // SAFETY: a mapped file must not change while it is mapped. Sets are written
    // under a temporary name and renamed into place (`store`), never written where
    // they are, so a reader maps a whole file that stays whole: a set stored
    // meanwhile replaces the name, not the file. (A program other than dyad writing
    // into the cache folder is outside this.)
    unsafe { memmap2::Mmap::map(file) }.ok()
}

/// Stores a compiled set under `key` in `dir` (created if needed): written under a
/// temporary name and renamed, so that a reader never sees half a file. The oldest
/// sets beyond the eight most recent are removed.
pub fn store(dir: &Path, key: CacheKey, d: &Dictionaries) -> std::io::Result<()> {
    super::begin_places();
    let apart = postcard::to_stdvec(&ApartRef {
        actors: &d.actors,
        agents: &d.agents,
        entries: &d.entries,
    })
    .map_err(std::io::Error::other)?;
    super::begin_places();
    let rest = postcard::to_stdvec(d).map_err(std::io::Error::other)?;
    std::fs::create_dir_all(dir)?;
    let dest = dir.join(key.file_name());
    let tmp = dir.join(format!("{}.{}.tmp", key.file_name(), std::process::id()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(MAGIC)?;
        f.write_all(&key.0.to_le_bytes())?;
        f.write_all(&(apart.len() as u64).to_le_bytes())?;
        f.write_all(&(rest.len() as u64).to_le_bytes())?;
        f.write_all(&apart)?;
        f.write_all(&rest)?;
        std::fs::rename(&tmp, &dest)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return written;
    }
    prune(dir);
    Ok(())
}

/// Removes all but the `KEEP` most recently written sets.
fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut sets: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".dict"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if sets.len() <= KEEP {
        return;
    }
    sets.sort();
    for (_, path) in &sets[..sets.len() - KEEP] {
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dict::load::{load_texts, FileKind};
    use crate::dict::DictBuilder;

    fn small_set() -> Dictionaries {
        let mut b = DictBuilder::new();
        load_texts(
            &mut b,
            &[
                ("a", FileKind::Actors, "NORWAY_ [NOR]\nOSLO [NOR]\n"),
                ("v", FileKind::Verbs, "BURN [145]\n- * HOUSES [143]\n"),
            ],
        );
        b.build()
    }

    fn key(text: &str) -> CacheKey {
        let mut k = KeyHasher::new().expect("the test executable has an identity");
        k.add(text.as_bytes());
        k.finish()
    }

    #[test]
    fn a_stored_set_loads_back_the_same_under_its_key_only() {
        let dir = tempfile::tempdir().unwrap();
        let d = small_set();
        let k = key("one");
        assert!(load(dir.path(), k).is_none());
        store(dir.path(), k, &d).unwrap();
        let back = load(dir.path(), k).expect("stored");
        let stored = |d: &Dictionaries| {
            crate::dict::begin_places();
            postcard::to_stdvec(d).unwrap().len()
        };
        assert_eq!(stored(&back), stored(&d));
        assert_eq!(back.actors.len(), d.actors.len());
        assert!(!d.actors.is_empty() && !d.entries.is_empty());
        let texts = |d: &Dictionaries| -> Vec<String> {
            d.actors.iter().map(|a| format!("{a:?}")).collect()
        };
        assert_eq!(texts(&back), texts(&d));
        assert_eq!(format!("{:?}", back.entries), format!("{:?}", d.entries));
        assert_eq!(format!("{:?}", back.agents), format!("{:?}", d.agents));
        assert_eq!(back.vocab.len(), d.vocab.len());
        assert_ne!(back.instance, d.instance, "a loaded set is a new instance");
        assert!(load(dir.path(), key("two")).is_none());
    }

    #[test]
    fn a_damaged_file_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let k = key("damaged");
        store(dir.path(), k, &small_set()).unwrap();
        let path = dir.path().join(k.file_name());
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert!(load(dir.path(), k).is_none());
        let mut flipped = bytes.clone();
        flipped[10] ^= 1;
        std::fs::write(&path, &flipped).unwrap();
        assert!(load(dir.path(), k).is_none());
        // An empty file (nothing to map) and the whole file again.
        std::fs::write(&path, b"").unwrap();
        assert!(load(dir.path(), k).is_none());
        std::fs::write(&path, &bytes).unwrap();
        assert!(load(dir.path(), k).is_some());
    }

    #[test]
    fn keys_differ_with_the_inputs() {
        assert_eq!(key("same"), key("same"));
        assert_ne!(key("same"), key("other"));
        // Inputs cannot run into each other.
        let mut ab = KeyHasher::new().unwrap();
        ab.add(b"ab");
        ab.add(b"c");
        let mut a_bc = KeyHasher::new().unwrap();
        a_bc.add(b"a");
        a_bc.add(b"bc");
        assert_ne!(ab.finish(), a_bc.finish());
    }

    #[test]
    fn old_sets_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let d = small_set();
        for i in 0..KEEP + 3 {
            store(dir.path(), key(&i.to_string()), &d).unwrap();
        }
        let n = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(n, KEEP);
    }
}
