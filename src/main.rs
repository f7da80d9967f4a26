//! The `dyad` binary: a thin layer over the library and `cli` modules.

mod cli;

use clap::Parser;
use std::process::ExitCode;

// The coder allocates many small, short-lived vectors per sentence; mimalloc's
// thread-local free lists serve them far faster than the system allocator.
#[global_allocator]
static GLOBAL: Mimalloc = Mimalloc;

/// mimalloc, asked for plain allocations when the alignment needs nothing more
/// (`mimalloc::MiMalloc` asks for an aligned one every time, which costs about twice
/// as many instructions: 2% of a coding run).
struct Mimalloc;

/// The alignment every plain mimalloc allocation has (`MI_MAX_ALIGN_SIZE`) ...
const PLAIN_ALIGN: usize = 16;

/// ... or, for a smaller allocation, its size's.
fn plain(layout: std::alloc::Layout) -> bool {
    layout.align() <= PLAIN_ALIGN && layout.align() <= layout.size()
}

// SAFETY: each call hands the layout's size (and, when a plain allocation might not be
// aligned enough, its alignment) to the matching mimalloc function; mimalloc's
// allocations of `size` bytes are aligned to `min(16, size)` rounded down to a power
// of two, which `plain` checks against.
#[allow(unsafe_code)]
unsafe impl std::alloc::GlobalAlloc for Mimalloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if plain(layout) {
            libmimalloc_sys::mi_malloc(layout.size()).cast()
        } else {
            libmimalloc_sys::mi_malloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    unsafe fn alloc_zeroed(&self, layout: std::alloc::Layout) -> *mut u8 {
        if plain(layout) {
            libmimalloc_sys::mi_zalloc(layout.size()).cast()
        } else {
            libmimalloc_sys::mi_zalloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: std::alloc::Layout) {
        libmimalloc_sys::mi_free(ptr.cast());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        let grown = std::alloc::Layout::from_size_align_unchecked(new_size, layout.align());
        if plain(grown) {
            libmimalloc_sys::mi_realloc(ptr.cast(), new_size).cast()
        } else {
            libmimalloc_sys::mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast()
        }
    }
}

/// mimalloc's `mi_option_purge_delay` (its position in the `mi_option_t` enum of the
/// mimalloc version Cargo.lock pins; the `libmimalloc-sys` bindings do not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// mimalloc hands emptied pages back to the OS after 10 ms; a coding run's steady
/// churn then faults the same memory back in, and the kernel zeroes it each time
/// (about a tenth of a run's time in `perf`). A run keeps its pages for a second.
#[allow(unsafe_code)] // The binary's only unsafe code; the library forbids it.
fn keep_freed_pages() {
    // SAFETY: mimalloc allows setting an option at any time, from any thread.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 1000) };
}

/// A build made for x86-64-v3 (see `.cargo/config.toml`) stops with a message on a
/// processor without its instructions, instead of faulting on the first it meets.
/// (The check runs first: no code of this crate that uses them has run yet.)
#[cfg(all(target_arch = "x86_64", target_feature = "avx2"))]
#[inline(never)]
fn processor_lacks_build_features() -> bool {
    !(std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("bmi1")
        && std::arch::is_x86_feature_detected!("bmi2")
        && std::arch::is_x86_feature_detected!("fma")
        && std::arch::is_x86_feature_detected!("lzcnt")
        && std::arch::is_x86_feature_detected!("movbe"))
}

#[cfg(not(all(target_arch = "x86_64", target_feature = "avx2")))]
fn processor_lacks_build_features() -> bool {
    false
}

fn main() -> ExitCode {
    if processor_lacks_build_features() {
        eprintln!(
            "dyad: error: this build needs an x86-64-v3 processor (AVX2, BMI2, FMA; Intel \
             since 2013, AMD since 2015). Build for this one with \
             RUSTFLAGS=\"-C target-cpu=x86-64\" cargo build --release"
        );
        return ExitCode::from(2);
    }
    keep_freed_pages();
    let parsed = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli::run(parsed) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            // A closed pipe (`dyad code x | head`) is a normal way to stop: exit quietly.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("dyad: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    /// Allocations of every size and alignment come back aligned, through both paths.
    #[test]
    fn allocations_are_aligned_as_asked() {
        #[repr(align(64))]
        #[derive(Clone, Copy)]
        struct Line([u8; 64]);
        for n in 0..200 {
            let bytes = vec![1u8; n];
            let words = vec![1u64; n];
            let wide = vec![1u128; n];
            let lines = vec![Line([1; 64]); n];
            assert_eq!(words.as_ptr() as usize % 8, 0);
            assert_eq!(wide.as_ptr() as usize % 16, 0);
            assert_eq!(lines.as_ptr() as usize % 64, 0);
            let mut grown = wide.clone();
            grown.extend_from_slice(&wide);
            assert_eq!(grown.as_ptr() as usize % 16, 0);
            assert_eq!(bytes.len() + words.len() + grown.len(), 4 * n);
            assert!(lines.iter().all(|l| l.0[63] == 1));
        }
    }
}
