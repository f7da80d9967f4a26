//! The `dyad` binary: a thin layer over the library and `cli` modules.

mod cli;

use clap::Parser;
use std::process::ExitCode;

// The coder allocates many small, short-lived vectors per sentence; mimalloc's
// thread-local free lists serve them far faster than the system allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
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
