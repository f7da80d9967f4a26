//! The `dyad` binary: a thin layer over the library and `cli` modules.

mod cli;

use clap::Parser;
use std::process::ExitCode;

// The coder allocates many small, short-lived vectors per sentence; mimalloc's
// thread-local free lists serve them far faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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

fn main() -> ExitCode {
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
