//! `dyad validate tabari|petrarch`: the conformance suites of earlier coders.

use anyhow::Result;
use dyad::validate::{self, Summary};
use std::path::PathBuf;

/// The suites.
#[derive(Debug, clap::Subcommand)]
pub enum ValidateCmd {
    /// TABARI's validation records, from a .project file.
    Tabari {
        /// The .project file (e.g. Validate.project).
        project: PathBuf,
        /// Fail (exit 1) only when fewer records pass than this.
        #[arg(long)]
        floor: Option<usize>,
    },
    /// PETRARCH's unit-test records (XML).
    Petrarch {
        /// The records file (e.g. PETR.UnitTest.records.xml).
        records: PathBuf,
        /// Folder of the dictionaries the records file names.
        #[arg(long)]
        dictionaries: Option<PathBuf>,
        /// Fail (exit 1) only when fewer records pass than this.
        #[arg(long)]
        floor: Option<usize>,
    },
}

fn report(s: &Summary, with_skipped: bool, floor: Option<usize>) -> i32 {
    for r in &s.results {
        if !r.passed {
            println!(
                "{}: expected {} got {}",
                r.id,
                validate::show(&r.expected),
                validate::show(&r.got)
            );
        }
    }
    if with_skipped {
        for (id, why) in &s.skipped {
            println!("{id}: skipped ({why})");
        }
        println!(
            "{} passed, {} failed, {} skipped",
            s.passed,
            s.failed,
            s.skipped.len()
        );
    } else {
        println!("{} passed, {} failed", s.passed, s.failed);
    }
    match floor {
        Some(f) if s.passed >= f => 0,
        Some(f) => {
            eprintln!("dyad: {} records passed, below the floor of {f}", s.passed);
            1
        }
        None => i32::from(s.failed > 0),
    }
}

/// Runs a suite; returns the exit status.
pub fn run(cmd: ValidateCmd) -> Result<i32> {
    match cmd {
        ValidateCmd::Tabari { project, floor } => {
            let s = validate::tabari::run(&project).map_err(anyhow::Error::msg)?;
            Ok(report(&s, false, floor))
        }
        ValidateCmd::Petrarch {
            records,
            dictionaries,
            floor,
        } => {
            let dir = dictionaries.unwrap_or_else(|| {
                records
                    .parent()
                    .map(|p| p.to_path_buf())
                    .unwrap_or_default()
            });
            let s = validate::petrarch::run(&records, &dir).map_err(anyhow::Error::msg)?;
            Ok(report(&s, true, floor))
        }
    }
}
