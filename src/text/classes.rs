//! Byte classes of a text, 64 bytes at a time, as bit masks. The tokenizer's common case
//! (a run of ASCII letters and digits, then one blank) is then found with a shift and a
//! count of trailing zeros instead of a look at every byte.

/// Which bytes of a block of 64 are ASCII letters or digits, and which are blanks
/// (0x20): bit `k` stands for byte `k`.
#[derive(Clone, Copy, Default)]
struct Masks {
    alnum: u64,
    blank: u64,
}

/// The masks of 64 bytes, 16 at a time (SSE2, which every x86-64 processor has).
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
fn block_masks(block: &[u8; 64]) -> Masks {
    use std::arch::x86_64::{
        _mm_add_epi8, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8,
        _mm_or_si128, _mm_set1_epi8,
    };
    let mut m = Masks::default();
    for (k, part) in block.chunks_exact(16).enumerate() {
        // SAFETY: `part` is 16 bytes long, all of it read, and the load has no alignment
        // need; SSE2, the only target feature used, is part of x86-64.
        let (alnum, blank) = unsafe {
            let x = _mm_loadu_si128(part.as_ptr().cast());
            // Letters: with bit 5 set (lower case), 'a'..='z' move to -128..=-103 as
            // signed bytes, where no other byte lands. Digits likewise to -128..=-119.
            let folded = _mm_or_si128(x, _mm_set1_epi8(0x20));
            let letter = _mm_cmplt_epi8(
                _mm_add_epi8(folded, _mm_set1_epi8(0x1f)),
                _mm_set1_epi8(-128 + 26),
            );
            let digit = _mm_cmplt_epi8(
                _mm_add_epi8(x, _mm_set1_epi8(0x50)),
                _mm_set1_epi8(-128 + 10),
            );
            (
                _mm_movemask_epi8(_mm_or_si128(letter, digit)) as u16,
                _mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(b' ' as i8))) as u16,
            )
        };
        m.alnum |= u64::from(alnum) << (16 * k);
        m.blank |= u64::from(blank) << (16 * k);
    }
    m
}

/// The masks of 64 bytes, one at a time (processors without SSE2).
#[cfg(not(target_arch = "x86_64"))]
fn block_masks(block: &[u8; 64]) -> Masks {
    let mut m = Masks::default();
    for (k, &b) in block.iter().enumerate() {
        m.alnum |= u64::from(b.is_ascii_alphanumeric()) << k;
        m.blank |= u64::from(b == b' ') << k;
    }
    m
}

/// The classes of the bytes of `bytes` from `block * 64` on, 64 at most: (ASCII
/// letters and digits, blanks), bit `k` for byte `block * 64 + k`; a block past the
/// text's end has no bits.
#[inline]
pub(super) fn masks_of_block(bytes: &[u8], block: usize) -> (u64, u64) {
    let from = block * 64;
    let m = match bytes.get(from..from + 64) {
        Some(b) => block_masks(b.try_into().expect("64 bytes")),
        None => {
            // The text's last, short block: the padding is of neither class.
            let mut padded = [0u8; 64];
            let rest = bytes.get(from..).unwrap_or_default();
            padded[..rest.len()].copy_from_slice(rest);
            block_masks(&padded)
        }
    };
    (m.alnum, m.blank)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn classes_agree_with_a_byte_by_byte_look(
            bytes in proptest::collection::vec(
                proptest::prop_oneof![
                    6 => b'/'..=b'{',
                    3 => proptest::strategy::Just(b' '),
                    1 => proptest::prelude::any::<u8>(),
                ],
                0..300,
            ),
        ) {
            for block in 0..bytes.len() / 64 + 2 {
                let (alnum, blank) = masks_of_block(&bytes, block);
                for k in 0..64 {
                    let b = bytes.get(block * 64 + k);
                    proptest::prop_assert_eq!(
                        alnum >> k & 1 != 0,
                        b.is_some_and(u8::is_ascii_alphanumeric)
                    );
                    proptest::prop_assert_eq!(blank >> k & 1 != 0, b == Some(&b' '));
                }
            }
        }
    }
}
