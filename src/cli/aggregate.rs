//! `dyad aggregate`: an event file in, a tidy group-by-period panel out.

use super::code::AtomicFile;
use anyhow::{bail, Context, Result};
use dyad::aggregate::{Aggregator, CodeSet, Filter, Period, SkipReason, Spec};
use dyad::date::Date;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The time unit of the panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PeriodArg {
    /// Calendar days.
    Day,
    /// ISO weeks, starting on Monday.
    Week,
    /// Calendar months.
    Month,
    /// Quarters starting January, April, July and October 1.
    Quarter,
    /// Calendar years.
    Year,
}

impl From<PeriodArg> for Period {
    fn from(p: PeriodArg) -> Period {
        match p {
            PeriodArg::Day => Period::Day,
            PeriodArg::Week => Period::Week,
            PeriodArg::Month => Period::Month,
            PeriodArg::Quarter => Period::Quarter,
            PeriodArg::Year => Period::Year,
        }
    }
}

/// Formats of the event file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EventFormat {
    /// Comma-separated values with a header.
    Csv,
    /// Tab-separated values with a header.
    Tsv,
}

/// Arguments of `dyad aggregate`.
#[derive(Debug, clap::Args)]
pub struct AggregateArgs {
    /// Event files written by `dyad code` (CSV or TSV with a header); `-` or nothing
    /// reads standard input.
    #[arg(value_name = "EVENTS")]
    pub inputs: Vec<PathBuf>,
    /// Input format; by default `.tsv` files are TSV and everything else (stdin too) CSV.
    #[arg(long, value_enum)]
    pub input_format: Option<EventFormat>,
    /// The time unit; each period is written as the ISO date of its first day.
    #[arg(long, value_enum, default_value = "month")]
    pub period: PeriodArg,
    /// Event columns that define a group, comma-separated (`source_country,target_country`;
    /// `source_country` alone for a monadic panel; `""` for one series of all events).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "source,target",
        value_name = "COLUMNS"
    )]
    pub by: Vec<String>,
    /// Merge A-B with B-A (two --by columns; each pair is written in sorted order).
    #[arg(long)]
    pub undirected: bool,
    /// Write the balanced panel: every group seen x every period in range, zeros included.
    #[arg(long)]
    pub fill_zero: bool,
    /// Add the twenty root-code counts root01..root20.
    #[arg(long)]
    pub roots: bool,
    /// Keep only these root codes: `19`, `14-20`, `14,18-20`.
    #[arg(long = "root", value_name = "ROOTS")]
    pub root_filter: Option<String>,
    /// Keep only these quad classes (1 verbal coop .. 4 material conflict): `4`, `3,4`.
    #[arg(long = "quad", value_name = "QUADS")]
    pub quad_filter: Option<String>,
    /// Keep events whose source or target (or their country) starts with one of these
    /// codes: `RUS,UKR`.
    #[arg(long = "actor", value_delimiter = ',', value_name = "CODES")]
    pub actors: Vec<String>,
    /// Keep events on or after this date (YYYY-MM-DD); with --fill-zero, the first period.
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Keep events on or before this date (YYYY-MM-DD); with --fill-zero, the last period.
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Output file (default: standard output). Written to a temporary file and renamed when done.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with status 1 when any row was skipped as malformed.
    #[arg(long)]
    pub strict: bool,
    /// No messages about skipped rows and no summary.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Messages about single skipped rows stop after this many; the summary counts them all.
const MAX_ROW_MESSAGES: u64 = 20;

fn parse_date(flag: &str, s: &Option<String>) -> Result<Option<Date>> {
    s.as_deref()
        .map(|d| {
            Date::parse_any(d).with_context(|| format!("{flag} {d:?} is not a date (YYYY-MM-DD)"))
        })
        .transpose()
}

fn delimiter(format: Option<EventFormat>, path: Option<&Path>) -> u8 {
    let tsv = match format {
        Some(f) => f == EventFormat::Tsv,
        None => path.is_some_and(|p| {
            p.extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("tsv") || e.eq_ignore_ascii_case("tab"))
        }),
    };
    if tsv {
        b'\t'
    } else {
        b','
    }
}

/// Runs `dyad aggregate`. Returns the exit status.
pub fn run(args: AggregateArgs) -> Result<i32> {
    let started = Instant::now();
    let filter = Filter {
        roots: args
            .root_filter
            .as_deref()
            .map(|s| CodeSet::parse(s, 20, "--root"))
            .transpose()?,
        quads: args
            .quad_filter
            .as_deref()
            .map(|s| CodeSet::parse(s, 4, "--quad"))
            .transpose()?,
        actors: args
            .actors
            .iter()
            .map(|a| a.trim().to_ascii_uppercase())
            .filter(|a| !a.is_empty())
            .collect(),
        from: parse_date("--from", &args.from)?,
        to: parse_date("--to", &args.to)?,
    };
    let spec = Spec {
        period: args.period.into(),
        by: args
            .by
            .iter()
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect(),
        undirected: args.undirected,
        fill_zero: args.fill_zero,
        roots: args.roots,
        filter,
    };
    let mut agg = Aggregator::new(spec)?;

    let inputs: Vec<Option<&Path>> = if args.inputs.is_empty() {
        if std::io::stdin().is_terminal() {
            bail!("no input: give an event file, or pipe one in (`dyad code corpus.jsonl | dyad aggregate`)");
        }
        vec![None]
    } else {
        args.inputs
            .iter()
            .map(|p| (p.as_os_str() != "-").then_some(p.as_path()))
            .collect()
    };
    let mut reasons: BTreeMap<SkipReason, u64> = BTreeMap::new();
    let mut shown = 0u64;
    for input in inputs {
        let name = input.map_or("-".into(), |p| p.display().to_string());
        let delim = delimiter(args.input_format, input);
        let reader: Box<dyn std::io::Read> = match input {
            Some(p) => {
                if p.is_dir() {
                    bail!("{name} is a folder; give the event files");
                }
                Box::new(std::fs::File::open(p).with_context(|| format!("cannot open {name}"))?)
            }
            None => Box::new(std::io::stdin().lock()),
        };
        agg.read(reader, delim, |s| {
            *reasons.entry(s.reason).or_default() += 1;
            if !args.quiet {
                shown += 1;
                if shown <= MAX_ROW_MESSAGES {
                    eprintln!(
                        "dyad: {name}:{}: {} ({}); row skipped",
                        s.line,
                        s.detail,
                        s.reason.as_str()
                    );
                } else if shown == MAX_ROW_MESSAGES + 1 {
                    eprintln!("dyad: further skipped rows are counted but not shown");
                }
            }
        })
        .with_context(|| format!("cannot aggregate {name}"))?;
    }

    let rows = match &args.output {
        Some(p) => {
            let mut f = AtomicFile::create(p)?;
            let rows = agg
                .write(&mut f)
                .with_context(|| format!("cannot write {}", p.display()))?;
            f.commit()?;
            rows
        }
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let rows = agg.write(&mut out).context("cannot write the panel")?;
            out.flush().context("cannot write the panel")?;
            rows
        }
    };

    let stats = agg.stats();
    if !args.quiet {
        let skipped = if reasons.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                reasons
                    .iter()
                    .map(|(r, n)| format!("{}: {n}", r.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let range = match agg.range() {
            Some((lo, hi)) if rows > 0 => format!(", periods {lo} to {hi}"),
            _ => String::new(),
        };
        eprintln!(
            "dyad: {} rows read: {} counted, {} filtered out, {} skipped{skipped}; {} groups{range}; {rows} panel rows by {} in {:.2}s",
            stats.rows,
            stats.counted,
            stats.filtered,
            stats.skipped,
            agg.groups(),
            agg.spec().period.name(),
            started.elapsed().as_secs_f64(),
        );
    }
    if args.strict && stats.skipped > 0 {
        return Ok(1);
    }
    Ok(0)
}
