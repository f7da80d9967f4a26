//! `dyad actors unknown`: the capitalised names next to coded verbs that no actor
//! matches, most frequent first: the loop that keeps a dictionary current.

use super::dicts::DictArgs;
use anyhow::Result;
use dyad::coder::Coder;
use dyad::io::input::{self, InputFormat, ReadOptions, Record};
use dyad::text::sentences;
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

/// `dyad actors ...`.
#[derive(Debug, clap::Subcommand)]
pub enum ActorsCmd {
    /// List names that stand where a source or target should be but match no actor.
    Unknown(UnknownArgs),
}

/// Arguments of `dyad actors unknown`.
#[derive(Debug, clap::Args)]
pub struct UnknownArgs {
    /// Corpus files or folders (`-` for standard input).
    #[arg(value_name = "CORPUS")]
    pub inputs: Vec<PathBuf>,
    /// Input format (default: from the extension).
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// Field with the story text.
    #[arg(long, default_value = "text")]
    pub text_field: String,
    /// Field with the story date.
    #[arg(long, default_value = "date")]
    pub date_field: String,
    /// How many names to list.
    #[arg(long, default_value_t = 100)]
    pub top: usize,
    /// Names seen fewer times are left out.
    #[arg(long, default_value_t = 2)]
    pub min_count: usize,
    /// Write ready-to-edit actor dictionary lines instead of CSV.
    #[arg(long)]
    pub stub: bool,
    /// Dictionaries.
    #[command(flatten)]
    pub dicts: DictArgs,
}

/// Runs `dyad actors ...`.
pub fn run(cmd: ActorsCmd) -> Result<i32> {
    let ActorsCmd::Unknown(args) = cmd;
    let (dict, opts) = args.dicts.load()?;
    let coder = Coder::new(&dict, &opts);
    let read_opts = ReadOptions {
        text_field: args.text_field.clone(),
        date_field: args.date_field.clone(),
        ..ReadOptions::default()
    };
    let mut counts: HashMap<String, (usize, String)> = HashMap::new();
    for src in input::expand_inputs(&args.inputs)? {
        let format = args.input_format.unwrap_or(match &src {
            input::Source::Stdin => InputFormat::Jsonl,
            input::Source::File(p) => InputFormat::from_path(p),
        });
        let mut chunk = Vec::new();
        let mut records = input::open(&src, format, &read_opts)?.peekable();
        while records.peek().is_some() {
            chunk.clear();
            for r in records.by_ref().take(4096) {
                match r? {
                    Record::Story(s) => chunk.push(s),
                    Record::Rejected(r) => eprintln!(
                        "dyad: {}: {} ({}); {} skipped",
                        r.origin,
                        r.detail,
                        r.reason,
                        r.extent.describe()
                    ),
                }
            }
            let found: Vec<(String, String)> = chunk
                .par_iter()
                .flat_map_iter(|story| {
                    let body = &story.text[sentences::dateline_len(&story.text)..];
                    sentences::split(body)
                        .into_iter()
                        .flat_map(|(a, b)| {
                            let sent = &body[a..b];
                            coder
                                .unknown_actors(sent, story.date)
                                .into_iter()
                                .map(move |n| (n, sent.to_string()))
                        })
                        .collect::<Vec<_>>()
                })
                .collect();
            for (name, sent) in found {
                let e = counts.entry(name).or_insert_with(|| (0, sent));
                e.0 += 1;
            }
        }
    }
    let mut list: Vec<(String, usize, String)> = counts
        .into_iter()
        .filter(|(_, (c, _))| *c >= args.min_count)
        .map(|(k, (c, e))| (k, c, e))
        .collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    list.truncate(args.top);
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if args.stub {
        writeln!(
            out,
            "# Unknown actors found by `dyad actors unknown`: replace [---] with codes, then add"
        )?;
        writeln!(
            out,
            "# this file with --add-actors (see docs/dictionary-format.md)."
        )?;
        for (name, count, example) in &list {
            let phrase: String = name
                .to_uppercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join("_");
            writeln!(
                out,
                "\n# {count} mentions; e.g. {}",
                example.replace('\n', " ")
            )?;
            writeln!(out, "{phrase}_ [---]")?;
        }
    } else {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(["name", "count", "example"])?;
        for (name, count, example) in &list {
            w.write_record([name.as_str(), &count.to_string(), example.as_str()])?;
        }
        w.flush()?;
        return Ok(0);
    }
    out.flush()?;
    Ok(0)
}
