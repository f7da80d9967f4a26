//! The word cache's table of short words: open addressing over one array, so that
//! where a word's entry lies is known from its key alone and can be fetched into the
//! processor's caches while the rest of the sentence is tokenized.

/// A map from nonzero `u128` keys to values. Entries are never removed one by one, so
/// an entry stays in its slot until the table grows ([`ShortTable::reserve`] is the
/// only call that moves entries).
pub(super) struct ShortTable<V> {
    slots: Vec<Slot<V>>,
    len: usize,
    /// `32 - log2(slots.len())`: a key's first slot is the top bits of its
    /// [`hash`] (a table has at most 2^31 slots).
    shift: u32,
}

/// (The key in two halves: a `u128` would align slots to 16 bytes, 32 with an `Rc`
/// beside it, where 24 do.)
#[derive(Clone)]
struct Slot<V> {
    key: [u64; 2],
    value: Option<V>,
}

fn halves(key: u128) -> [u64; 2] {
    [key as u64, (key >> 64) as u64]
}

impl<V> Default for ShortTable<V> {
    fn default() -> Self {
        ShortTable {
            slots: Vec::new(),
            len: 0,
            shift: 31,
        }
    }
}

/// The hash of a key: keys are words' bytes, alike in their low bits, so both halves
/// are mixed and the top bits of the product kept. A caller that looks the same key
/// up twice keeps it instead of computing it again.
pub(super) fn hash(key: u128) -> u32 {
    let lo = key as u64;
    let hi = (key >> 64) as u64;
    let h = (lo ^ hi.rotate_left(29).wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_mul(0xBF58_476D_1CE4_E5B9);
    (h >> 32) as u32
}

impl<V> ShortTable<V> {
    /// Number of entries.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Removes every entry (the memory is kept).
    pub(super) fn clear(&mut self) {
        for s in &mut self.slots {
            s.value = None;
        }
        self.len = 0;
    }

    fn home(&self, hash: u32) -> usize {
        (hash >> self.shift) as usize
    }

    /// Asks the processor to fetch the slots where a search for the key of `hash`
    /// begins (the line of the first and the next: a search reads a few slots).
    pub(super) fn prefetch(&self, hash: u32) {
        if !self.slots.is_empty() {
            let first = self.slots.as_ptr().wrapping_add(self.home(hash));
            crate::prefetch::prefetch(first);
            crate::prefetch::prefetch(first.cast::<u8>().wrapping_add(64));
        }
    }

    /// The slot holding `key`, whose [`hash`] is `hash`.
    pub(super) fn find_hashed(&self, hash: u32, key: u128) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let (slot, found) = self.probe(hash, key);
        found.then_some(slot)
    }

    /// The slot holding `key` (true), or else the empty slot where it would go
    /// (false). The table must have slots.
    fn probe(&self, hash: u32, key: u128) -> (usize, bool) {
        let mask = self.slots.len() - 1;
        let key = halves(key);
        let mut i = self.home(hash);
        loop {
            let s = &self.slots[i];
            if s.value.is_none() {
                return (i, false);
            }
            if s.key == key {
                return (i, true);
            }
            i = (i + 1) & mask;
        }
    }

    /// The value in a slot [`ShortTable::find_hashed`] gave (and no call to `reserve`
    /// since).
    pub(super) fn value(&self, slot: usize) -> &V {
        self.slots[slot]
            .value
            .as_ref()
            .expect("a slot that `find_hashed` gave holds a value")
    }

    /// The value of `key`.
    pub(super) fn get(&self, key: u128) -> Option<&V> {
        self.find_hashed(hash(key), key).map(|i| self.value(i))
    }

    /// Sets the value of `key` (nonzero), growing the table when it is seven eighths
    /// full.
    pub(super) fn insert(&mut self, key: u128, value: V) {
        self.reserve(1);
        let (slot, found) = self.probe(hash(key), key);
        if !found {
            self.slots[slot].key = halves(key);
            self.len += 1;
        }
        self.slots[slot].value = Some(value);
    }

    /// Makes room for `extra` more entries without growing (entries move if it grows).
    pub(super) fn reserve(&mut self, extra: usize) {
        let needed = self.len + extra;
        if needed * 8 <= self.slots.len() * 7 {
            return;
        }
        let cap = (needed * 8 / 7 + 1).next_power_of_two().max(1024);
        assert!(cap <= 1 << 31, "a word cache of {needed} words");
        let old = std::mem::take(&mut self.slots);
        self.slots = Vec::with_capacity(cap);
        self.slots.resize_with(cap, || Slot {
            key: [0; 2],
            value: None,
        });
        self.shift = 32 - cap.trailing_zeros();
        self.len = 0;
        for s in old {
            if let Some(v) = s.value {
                self.insert(u128::from(s.key[0]) | u128::from(s.key[1]) << 64, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    proptest! {
        /// Whatever is inserted, in any order and with repeats, reads back as a
        /// standard map has it, across growth and clearing.
        #[test]
        fn it_reads_back_as_a_standard_map(
            ops in prop::collection::vec((1u128..3000, any::<u16>()), 0..3000),
            clear_at in any::<prop::sample::Index>(),
        ) {
            let mut t = ShortTable::default();
            let mut m = HashMap::new();
            let clear_at = clear_at.index(ops.len() + 1);
            for (k, &(key, v)) in ops.iter().enumerate() {
                if k == clear_at {
                    t.clear();
                    m.clear();
                }
                // Keys as the word cache makes them: spread over the high bits too.
                let key = key | key << 100;
                t.insert(key, v);
                m.insert(key, v);
            }
            prop_assert_eq!(t.len(), m.len());
            for (&key, v) in &m {
                prop_assert_eq!(t.get(key), Some(v));
                let slot = t.find_hashed(hash(key), key).unwrap();
                prop_assert_eq!(t.value(slot), v);
            }
            prop_assert_eq!(t.get(7 << 100 | 5), m.get(&(7 << 100 | 5)));
        }
    }

    #[test]
    fn a_slot_of_a_reference_counted_value_is_three_words() {
        assert_eq!(std::mem::size_of::<Slot<std::rc::Rc<u64>>>(), 24);
    }

    #[test]
    fn slots_stay_put_until_the_table_grows() {
        let mut t = ShortTable::default();
        t.reserve(100);
        let slots = t.slots.len();
        let first: Vec<usize> = (1..=50u128)
            .map(|k| {
                t.insert(k << 64, k);
                t.find_hashed(hash(k << 64), k << 64).unwrap()
            })
            .collect();
        for k in 51..=100u128 {
            t.insert(k << 64, k);
        }
        assert_eq!(t.slots.len(), slots, "no growth within the reserved room");
        for (k, &slot) in (1..=50u128).zip(&first) {
            assert_eq!(t.find_hashed(hash(k << 64), k << 64), Some(slot));
            assert_eq!(*t.value(slot), k);
        }
    }
}
