//! `dyad code`: a news corpus in, an event dataset out.

use super::dicts::{self, DictArgs};
use anyhow::{bail, Context, Result};
use dyad::coder::Coder;
use dyad::date::Date;
use dyad::io::input::{self, InputFormat, ReadOptions};
use dyad::io::output::{EventWriter, Layout, OutputFormat, ALL_COLUMNS, DEFAULT_COLUMNS};
use dyad::pipeline::{self, Done, StoryConfig, StoryOutcome, Summary, Work};
use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;
use std::sync::Arc;
use std::time::Instant;

/// What to do with a malformed record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OnError {
    /// Report it and go on.
    Skip,
    /// Stop the run.
    Fail,
}

/// Event ontologies for the output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Ontology {
    /// CAMEO codes only.
    Cameo,
    /// CAMEO codes plus their PLOVER mapping.
    Plover,
}

/// Duplicate filters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Dedup {
    /// Keep every event.
    None,
    /// Drop repeats of (date, source, target, code).
    OneADay,
}

/// Arguments of `dyad code`.
#[derive(Debug, clap::Args)]
pub struct CodeArgs {
    /// Input files or folders (walked); `-` or nothing reads standard input.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Input format; by default guessed from each file's extension (stdin: jsonl).
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// Field with the story id.
    #[arg(long, default_value = "id")]
    pub id_field: String,
    /// Field with the story date.
    #[arg(long, default_value = "date")]
    pub date_field: String,
    /// Field with the story text.
    #[arg(long, default_value = "text")]
    pub text_field: String,
    /// Field copied into the output (repeatable).
    #[arg(long = "keep-field", value_name = "NAME")]
    pub keep_fields: Vec<String>,
    /// Date for stories that have none (plain-text files without a date in their name).
    #[arg(long)]
    pub date: Option<String>,
    /// Code only the first N sentences of each story (Phoenix codes four).
    #[arg(long, value_name = "N")]
    pub max_sentences: Option<usize>,
    /// Output file (default: standard output). Written to a temporary file and renamed when done.
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub output_format: OutputFormat,
    /// Columns to write, comma-separated (see docs/columns.md).
    #[arg(long, value_delimiter = ',')]
    pub columns: Vec<String>,
    /// Add the sentence text as a last column.
    #[arg(long)]
    pub with_text: bool,
    /// `plover` adds the PLOVER event type, mode and context of each CAMEO code.
    #[arg(long, value_enum, default_value = "cameo")]
    pub ontology: Ontology,
    /// Write the event-file layout of TABARI or PETRARCH instead of columns.
    #[arg(long, value_enum)]
    pub layout: Option<Layout>,
    /// No header row (for streaming through Spark and similar).
    #[arg(long)]
    pub no_header: bool,
    /// Drop duplicate events.
    #[arg(long, value_enum, default_value = "none")]
    pub dedup: Dedup,
    /// Keep events whose source equals their target.
    #[arg(long)]
    pub keep_self: bool,
    /// Require both a source and a target (on by default; `--require-dyad false` keeps `---`).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub require_dyad: bool,
    /// Do not move event dates by "on Monday", "yesterday", ...
    #[arg(long)]
    pub no_date_anchoring: bool,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j')]
    pub threads: Option<usize>,
    /// What to do with malformed records.
    #[arg(long, value_enum, default_value = "skip")]
    pub on_error: OnError,
    /// Write every rejected record, verbatim, to this file.
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Exit with status 1 when any record was rejected.
    #[arg(long)]
    pub strict: bool,
    /// Reject stories longer than this many bytes.
    #[arg(long, default_value_t = 10 * 1024 * 1024)]
    pub max_story_bytes: usize,
    /// Longer sentences are cut to this many words (with a count in the summary).
    #[arg(long, default_value_t = 300)]
    pub max_words: usize,
    /// No progress bar and no summary.
    #[arg(short, long)]
    pub quiet: bool,
    /// Dictionaries.
    #[command(flatten)]
    pub dicts: DictArgs,
}

// With several threads, work travels from the reader to the coders in chunks of at
// most this many units (stories, records, blocks of lines) or bytes. A few chunks are
// in flight at once (read ahead, being coded, being written), so their size sets much
// of a run's memory: chunks of 512 KB of line blocks keep a two-thread Reuters run at
// 94-103 MB (2 MB chunks: 116-133 MB) at the same speed, and still give each thread
// a dozen blocks per chunk.
const CHUNK_STORIES: usize = 512;
const CHUNK_BYTES: usize = 512 << 10;
/// With several threads, JSON Lines go to the coding threads in blocks of lines of
/// about this size, a few dozen stories (see [`Reading`]).
const LINE_BLOCK_BYTES: usize = 32 << 10;
/// Records between two updates of the progress line when one thread codes.
const PROGRESS_EVERY: usize = 512;
/// Chunks being coded at once (see the coding thread in [`run`]).
const CHUNKS_IN_FLIGHT: usize = 2;
/// A chunk of read work, or why reading stopped.
type Chunk = Result<Vec<Work>, String>;

/// A file written under a temporary name and renamed into place when complete, so an
/// interrupted or failed run never leaves a truncated file under the final name. A
/// destination that is not a regular file (`/dev/null`, a named pipe) is written in
/// place; a symbolic link is kept and the file it points to replaced.
pub struct AtomicFile {
    /// The temporary file, when there is one.
    tmp: Option<PathBuf>,
    dest: PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    /// Creates the temporary file next to `dest`.
    pub fn create(dest: &Path) -> Result<AtomicFile> {
        let buffered = |f| Some(std::io::BufWriter::with_capacity(1 << 20, f));
        if std::fs::metadata(dest).is_ok_and(|m| !m.is_file()) {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .truncate(true)
                .open(dest)
                .with_context(|| format!("cannot write {}", dest.display()))?;
            return Ok(AtomicFile {
                tmp: None,
                dest: dest.to_path_buf(),
                file: buffered(f),
            });
        }
        let mut target = dest.to_path_buf();
        for _ in 0..40 {
            match std::fs::read_link(&target) {
                Ok(link) => {
                    let dir = target.parent().unwrap_or(Path::new("")).to_path_buf();
                    target = dir.join(link);
                }
                Err(_) => break,
            }
        }
        let dir = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let tmp = dir.join(format!(".{name}.dyad-{}.tmp", std::process::id()));
        let f = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot create {}", dest.display()))?;
        Ok(AtomicFile {
            tmp: Some(tmp),
            dest: target,
            file: buffered(f),
        })
    }

    /// Flushes, syncs and renames into place.
    pub fn commit(mut self) -> Result<()> {
        let f = self.file.as_mut().expect("not committed yet");
        f.flush()
            .with_context(|| format!("cannot write {}", self.dest.display()))?;
        let f = self.file.take().expect("not committed yet");
        let f = f
            .into_inner()
            .map_err(|e| anyhow::anyhow!("cannot write {}: {}", self.dest.display(), e.error()))?;
        if let Some(tmp) = self.tmp.take() {
            let done = f
                .sync_all()
                .with_context(|| format!("cannot write {}", self.dest.display()))
                .and_then(|()| {
                    std::fs::rename(&tmp, &self.dest)
                        .with_context(|| format!("cannot rename to {}", self.dest.display()))
                });
            if done.is_err() {
                let _ = std::fs::remove_file(&tmp);
            }
            done?;
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.as_mut().expect("not committed").write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.file.as_mut().expect("not committed").write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.as_mut().expect("not committed").flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let (Some(f), Some(tmp)) = (self.file.take(), &self.tmp) {
            // Not committed: remove the partial file (without flushing it).
            let _ = f.into_parts();
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// Where the rows go: a file written atomically, or standard output.
enum Sink {
    File(AtomicFile),
    Stdout(std::io::BufWriter<std::io::Stdout>),
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Sink::File(f) => f.write(buf),
            Sink::Stdout(s) => s.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        match self {
            Sink::File(f) => f.write_all(buf),
            Sink::Stdout(s) => s.write_all(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Sink::File(f) => f.flush(),
            Sink::Stdout(s) => s.flush(),
        }
    }
}

/// Whether standard output was closed when dyad started (`dyad code ... >&-`). Rust's
/// runtime then puts /dev/null, opened read-write, in its place, and every write would
/// vanish without an error; a `> /dev/null` of the shell is opened write-only.
fn stdout_was_closed() -> bool {
    #[cfg(target_os = "linux")]
    {
        let target = std::fs::read_link("/proc/self/fd/1");
        let info = std::fs::read_to_string("/proc/self/fdinfo/1");
        if let (Ok(target), Ok(info)) = (target, info) {
            let flags = info
                .lines()
                .find_map(|l| l.strip_prefix("flags:"))
                .and_then(|f| u32::from_str_radix(f.trim(), 8).ok());
            // O_ACCMODE is 3, O_RDWR 2.
            return target == Path::new("/dev/null") && flags.is_some_and(|f| f & 3 == 2);
        }
    }
    false
}

/// How many stories with invalid UTF-8 are named one by one.
const LOSSY_SHOWN: u64 = 20;

/// The inputs of a run and how to read them.
struct Reading {
    sources: Vec<input::Source>,
    format: Option<InputFormat>,
    opts: Arc<ReadOptions>,
    fail_fast: bool,
    /// JSON Lines are handed on as blocks of lines of about this many bytes, not
    /// parsed (they are parsed where they are coded).
    blocks: Option<usize>,
}

impl Reading {
    /// Reads every source in order and hands each record to `emit`, which returns
    /// false to stop reading. A file that cannot be read is handed on as
    /// [`Work::Unreadable`] (reported in order with the records; the run goes on and
    /// ends with exit status 1), or under `--on-error fail` as an error that ends
    /// reading.
    fn read(self, emit: &mut dyn FnMut(Result<Work, String>) -> bool) {
        let fail_fast = self.fail_fast;
        // Whether reading goes on after a file that cannot be read.
        let unreadable = |what: String, emit: &mut dyn FnMut(Result<Work, String>) -> bool| {
            if fail_fast {
                emit(Err(format!("{what}; stopping (--on-error fail)")));
                false
            } else {
                emit(Ok(Work::Unreadable(what)))
            }
        };
        for src in self.sources {
            let format = self.format.unwrap_or(match &src {
                input::Source::Stdin => InputFormat::Jsonl,
                input::Source::File(p) => InputFormat::from_path(p),
            });
            let opened = match (self.blocks, format) {
                (Some(size), InputFormat::Jsonl) => {
                    input::JsonlBlocks::open(&src, self.opts.clone(), size).map(|blocks| {
                        Box::new(blocks.map(|b| b.map(Work::Lines))) as Box<dyn Iterator<Item = _>>
                    })
                }
                _ => input::open(&src, format, &self.opts).map(|records| {
                    Box::new(records.map(|r| r.map(Work::from))) as Box<dyn Iterator<Item = _>>
                }),
            };
            let works = match opened {
                Ok(w) => w,
                Err(e) => {
                    if unreadable(format!("{}: cannot read: {e}", src.name()), emit) {
                        continue;
                    }
                    return;
                }
            };
            for w in works {
                match w {
                    Ok(work) => {
                        if !emit(Ok(work)) {
                            return;
                        }
                    }
                    Err(e) => {
                        if unreadable(format!("{}: read error: {e}", src.name()), emit) {
                            break;
                        }
                        return;
                    }
                }
            }
        }
    }
}

/// Reads the inputs and sends them in chunks (the reading thread of a run with
/// several threads); what was read before an error is sent before it.
fn read_in_chunks(reading: Reading, tx: &SyncSender<Chunk>) {
    let mut chunk: Vec<Work> = Vec::with_capacity(CHUNK_STORIES);
    let mut bytes = 0usize;
    reading.read(&mut |item| match item {
        Ok(work) => {
            bytes += match &work {
                Work::Story(s) => s.text.len(),
                Work::Lines(b) => b.text.len(),
                _ => 0,
            };
            chunk.push(work);
            if chunk.len() < CHUNK_STORIES && bytes < CHUNK_BYTES {
                return true;
            }
            bytes = 0;
            tx.send(Ok(std::mem::take(&mut chunk))).is_ok()
        }
        Err(e) => {
            if !chunk.is_empty() && tx.send(Ok(std::mem::take(&mut chunk))).is_err() {
                return false;
            }
            let _ = tx.send(Err(e));
            false
        }
    });
    if !chunk.is_empty() {
        let _ = tx.send(Ok(chunk));
    }
}

/// What a run does with coded work, in input order: rows written, rejected records
/// saved, everything counted.
struct Collector<'a> {
    args: &'a CodeArgs,
    out_name: String,
    writer: EventWriter<Sink>,
    rejects: Option<std::io::BufWriter<std::fs::File>>,
    summary: Summary,
    seen: HashSet<(Date, String, String, String)>,
    /// Why the run stops early, when it does.
    failed: Option<String>,
}

impl Collector<'_> {
    /// Takes the next unit of coded work. An error is one of writing; a record that
    /// stops the run (`--on-error fail`) sets `failed`.
    fn take(&mut self, done: Done) -> Result<()> {
        let args = self.args;
        let summary = &mut self.summary;
        if let Done::Unreadable(what) = &done {
            summary.unreadable += 1;
            eprintln!("dyad: {what}; file skipped");
            return Ok(());
        }
        summary.read += 1;
        match done {
            Done::Unreadable(_) => unreachable!("handled above"),
            Done::Rejected(r) => {
                *summary.rejected.entry(r.reason.to_string()).or_default() += 1;
                if let (Some(w), Some(p)) = (self.rejects.as_mut(), &args.rejects) {
                    // Verbatim, with a line end if the input had none.
                    w.write_all(&r.raw)
                        .and_then(|()| match r.raw.last() {
                            Some(b'\n') => Ok(()),
                            _ => w.write_all(b"\n"),
                        })
                        .with_context(|| format!("cannot write {}", p.display()))?;
                }
                let what = format!("{}: {} ({})", r.origin, r.detail, r.reason);
                if args.on_error == OnError::Fail {
                    self.failed = Some(format!("{what}; stopping (--on-error fail)"));
                    return Ok(());
                }
                if !args.quiet {
                    eprintln!("dyad: {what}; {} skipped", r.extent.describe());
                }
            }
            Done::Story(res, bytes, lossy) => {
                summary.bytes += bytes as u64;
                summary.sentences += res.sentences as u64;
                summary.skipped_sentences += res.skipped_sentences as u64;
                summary.truncated_sentences += res.truncated_sentences as u64;
                if let Some(l) = lossy {
                    summary.lossy += 1;
                    if summary.lossy <= LOSSY_SHOWN && !args.quiet {
                        eprintln!(
                            "dyad: warning: {}: story {:?} is not valid UTF-8; its invalid bytes were read as U+FFFD",
                            l.at, l.id
                        );
                    }
                }
                let mut wrote = false;
                if let Some(w) = &res.written {
                    self.writer
                        .write_written(&w.text)
                        .with_context(|| format!("cannot write {}", self.out_name))?;
                    summary.events += w.rows as u64;
                    wrote = w.rows > 0;
                }
                for row in &res.rows {
                    if args.dedup == Dedup::OneADay {
                        let key = (
                            row.event.date,
                            row.event.source.clone(),
                            row.event.target.clone(),
                            row.event.code.clone(),
                        );
                        if !self.seen.insert(key) {
                            summary.duplicates += 1;
                            continue;
                        }
                    }
                    self.writer
                        .write(row)
                        .with_context(|| format!("cannot write {}", self.out_name))?;
                    summary.events += 1;
                    wrote = true;
                }
                match res.outcome {
                    StoryOutcome::Discarded => summary.discarded += 1,
                    _ if wrote => summary.coded += 1,
                    _ => summary.no_event += 1,
                }
            }
        }
        Ok(())
    }

    /// Updates the progress line, when there is one.
    fn show_progress(&self, progress: Option<&indicatif::ProgressBar>, started: Instant) {
        if let Some(pb) = progress {
            let secs = started.elapsed().as_secs_f64().max(1e-9);
            pb.set_message(format!(
                "{} stories, {:.1} MB/s, {} events",
                self.summary.read,
                self.summary.bytes as f64 / 1e6 / secs,
                self.summary.events
            ));
        }
    }
}

/// Runs `dyad code`. Returns the exit status.
pub fn run(args: CodeArgs) -> Result<i32> {
    let started = Instant::now();
    let default_date = match &args.date {
        Some(d) => Some(
            Date::parse_any(d)
                .with_context(|| format!("--date {d:?} is not a date (YYYY-MM-DD)"))?,
        ),
        None => None,
    };
    let columns: Vec<String> = if args.columns.is_empty() {
        let mut c: Vec<String> = DEFAULT_COLUMNS.iter().map(|s| s.to_string()).collect();
        if args.ontology == Ontology::Plover {
            c.extend(["plover_type", "plover_mode", "plover_context"].map(String::from));
        }
        if args.with_text {
            c.push("text".into());
        }
        c
    } else {
        for c in &args.columns {
            if !ALL_COLUMNS.contains(&c.as_str()) {
                bail!(
                    "unknown column {c:?}; columns are: {}",
                    ALL_COLUMNS.join(", ")
                );
            }
        }
        let mut c = args.columns.clone();
        if args.with_text && !c.iter().any(|x| x == "text") {
            c.push("text".into());
        }
        c
    };
    let threads = args
        .threads
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        })
        .max(1);
    let pool = match threads {
        1 => None,
        n => Some(rayon::ThreadPoolBuilder::new().num_threads(n).build()?),
    };
    let read_opts = ReadOptions {
        id_field: args.id_field.clone(),
        date_field: args.date_field.clone(),
        text_field: args.text_field.clone(),
        keep_fields: args.keep_fields.clone(),
        default_date,
        max_story_bytes: args.max_story_bytes,
        yyyy: false,
    };
    let sources = input::expand_inputs(&args.inputs)?;

    let reading = Reading {
        sources,
        format: args.input_format,
        opts: Arc::new(read_opts),
        fail_fast: args.on_error == OnError::Fail,
        blocks: (threads > 1).then_some(LINE_BLOCK_BYTES),
    };
    // With more than one thread, reading runs on a thread of its own, a few chunks
    // ahead of coding. It needs no dictionaries, so it starts now and reads while they
    // load. With one thread, everything (reading, coding, writing) runs on this one,
    // story by story: `-j1` uses one core, and it is the yardstick that the speed-up of
    // more threads is measured against.
    // (Only what the channel holds is read ahead: reading further while the
    // dictionaries load competed with loading for the two cores and its fresh memory
    // cost more than it saved; one thread 0.44-0.48 s -> 0.42-0.45 s, peak memory
    // 82 -> 70 MB.)
    let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(2);
    let mut inline_reading = None;
    let reader = if threads > 1 {
        Some(std::thread::spawn(move || read_in_chunks(reading, &tx)))
    } else {
        drop(tx);
        inline_reading = Some(reading);
        None
    };
    // The dictionaries load on the coding threads, which then reuse the memory the
    // loading frees (two threads: Phoenix's 0.29 -> 0.27 s median, system time
    // 0.049 -> 0.032 s, 6 fewer huge pages cleared).
    let loaded = match &pool {
        Some(pool) => pool.install(|| args.dicts.load()),
        None => args.dicts.load(),
    };
    let (dict, mut opts) = loaded?;
    dicts::report(&dict, args.quiet, 0);
    opts.max_words = args.max_words;
    let cfg = StoryConfig {
        max_sentences: args.max_sentences,
        anchor_dates: !args.no_date_anchoring,
        keep_self: args.keep_self,
        require_dyad: args.require_dyad,
        forward_pronouns: true,
    };
    opts.require_dyad = opts.require_dyad || args.require_dyad;
    if !args.require_dyad {
        opts.require_dyad = false;
    }
    let coder = Coder::new(&dict, &opts);

    // Output.
    if args.output.is_none() && stdout_was_closed() {
        bail!("cannot write standard output: it is closed (give -o FILE, or > /dev/null to discard the events)");
    }
    let sink = match &args.output {
        Some(p) => Sink::File(AtomicFile::create(p)?),
        None => Sink::Stdout(std::io::BufWriter::with_capacity(
            1 << 16,
            std::io::stdout(),
        )),
    };
    if args.output.is_none()
        && args.output_format == OutputFormat::Parquet
        && std::io::stdout().is_terminal()
    {
        bail!("Parquet is a binary format: give -o FILE (or redirect standard output)");
    }
    let out_name = match &args.output {
        Some(p) => p.display().to_string(),
        None => "standard output".to_string(),
    };
    let out_err = || format!("cannot write {out_name}");
    let mut writer = EventWriter::new(
        sink,
        args.output_format,
        args.layout,
        columns.clone(),
        args.keep_fields.clone(),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    if !args.no_header {
        writer.header().with_context(out_err)?;
    }
    let rejects = match &args.rejects {
        Some(p) => Some(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        )),
        None => None,
    };
    let progress = if !args.quiet && std::io::stderr().is_terminal() {
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_style(indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}").unwrap());
        pb.enable_steady_tick(std::time::Duration::from_millis(200));
        Some(pb)
    } else {
        None
    };

    let mut col = Collector {
        args: &args,
        out_name,
        writer,
        rejects,
        summary: Summary::default(),
        seen: HashSet::new(),
        failed: None,
    };

    if let Some(reading) = inline_reading {
        let mut write_error = None;
        let mut since_progress = 0;
        reading.read(&mut |item| match item {
            Ok(work) => {
                pipeline::code_work(&coder, &cfg, work, &mut |done| {
                    if write_error.is_none() && col.failed.is_none() {
                        write_error = col.take(done).err();
                    }
                });
                if write_error.is_some() {
                    return false;
                }
                since_progress += 1;
                if since_progress == PROGRESS_EVERY {
                    since_progress = 0;
                    col.show_progress(progress.as_ref(), started);
                }
                col.failed.is_none()
            }
            Err(e) => {
                col.failed = Some(e);
                false
            }
        });
        if let Some(e) = write_error {
            return Err(e);
        }
    }
    // The coding threads write their rows as text, unless the rows must be
    // seen together in order (duplicates dropped) or are gathered in column
    // batches (Parquet).
    let (format, layout) = (args.output_format, args.layout);
    let (columns, kept) = (&columns, &args.keep_fields);
    let make_writer =
        move || EventWriter::new(Vec::new(), format, layout, columns.clone(), kept.clone()).ok();
    let to_text: Option<pipeline::MemoryWriter> = (args.dedup == Dedup::None
        && (layout.is_some() || format != OutputFormat::Parquet))
        .then_some(&make_writer);
    if let Some(pool) = &pool {
        std::thread::scope(|scope| -> Result<()> {
            // Coding runs on another thread, one chunk ahead of writing, so that the
            // workers are not idle while a coded chunk is written out.
            let (done_tx, done_rx) =
                std::sync::mpsc::sync_channel::<Result<Vec<Vec<Done>>, String>>(1);
            let (coder, cfg) = (&coder, &cfg);
            scope.spawn(move || {
                // Each chunk is a task of the pool, and the next one is queued before
                // the last is done: a worker that finishes its share of a chunk while
                // another codes the chunk's last story takes up the next chunk instead
                // of waiting. Results still go to the writer in input order.
                pool.in_place_scope(|tasks| {
                    let mut pending = std::collections::VecDeque::new();
                    // Hands the oldest results to the writer until at most `keep`
                    // chunks are in flight; false when the writer has stopped.
                    let forward_until = |pending: &mut std::collections::VecDeque<_>, keep| {
                        while pending.len() > keep {
                            let oldest: std::sync::mpsc::Receiver<Vec<Vec<Done>>> =
                                pending.pop_front().expect("a chunk in flight");
                            if !oldest
                                .recv()
                                .is_ok_and(|done| done_tx.send(Ok(done)).is_ok())
                            {
                                return false;
                            }
                        }
                        true
                    };
                    for msg in rx {
                        match msg {
                            Ok(chunk) => {
                                let (tx, result) = std::sync::mpsc::sync_channel(1);
                                tasks.spawn(move |_| {
                                    let _ =
                                        tx.send(pipeline::code_chunk(coder, cfg, chunk, to_text));
                                });
                                pending.push_back(result);
                                if !forward_until(&mut pending, CHUNKS_IN_FLIGHT) {
                                    return;
                                }
                            }
                            Err(e) => {
                                if forward_until(&mut pending, 0) {
                                    let _ = done_tx.send(Err(e));
                                }
                                return;
                            }
                        }
                    }
                    forward_until(&mut pending, 0);
                });
            });
            for msg in done_rx {
                let done = match msg {
                    Ok(d) => d,
                    Err(e) => {
                        col.failed = Some(e);
                        break;
                    }
                };
                for d in done.into_iter().flatten() {
                    col.take(d)?;
                    if col.failed.is_some() {
                        break;
                    }
                }
                if col.failed.is_some() {
                    break;
                }
                col.show_progress(progress.as_ref(), started);
            }
            Ok(())
        })?;
    }
    // The reader has ended: its channel is closed. A panic there would look like the
    // end of the input, so it must not pass unnoticed.
    if reader.is_some_and(|r| r.join().is_err()) {
        bail!("reading the input failed unexpectedly; no output was written");
    }
    let Collector {
        out_name,
        writer,
        rejects,
        summary,
        failed,
        ..
    } = col;
    let out_err = || format!("cannot write {out_name}");
    if let Some(pb) = progress {
        pb.finish_and_clear();
    }
    let flush_rejects = |rejects: Option<std::io::BufWriter<std::fs::File>>| -> Result<()> {
        if let (Some(mut w), Some(p)) = (rejects, &args.rejects) {
            w.flush()
                .with_context(|| format!("cannot write {}", p.display()))?;
        }
        Ok(())
    };
    if let Some(e) = failed {
        flush_rejects(rejects)?;
        bail!("{e}");
    }
    // The rejects first: if they cannot be written, no output file is left either.
    flush_rejects(rejects)?;
    let sink = writer.finish().with_context(out_err)?;
    // The dictionaries live until the process exits: freeing their tens of thousands
    // of allocations one by one would only delay the exit (some 3 ms with Phoenix).
    std::mem::forget(dict);
    if let Sink::File(f) = sink {
        f.commit()?;
    }
    if summary.truncated_sentences > 0 && !args.quiet {
        eprintln!(
            "dyad: warning: {} sentences were longer than --max-words {} and were coded on their first {} words",
            summary.truncated_sentences, args.max_words, args.max_words
        );
    }
    if summary.lossy > 0 && !args.quiet {
        eprintln!(
            "dyad: warning: {} stories were not valid UTF-8 and were decoded lossily{}",
            summary.lossy,
            if summary.lossy > LOSSY_SHOWN {
                format!(" (the first {LOSSY_SHOWN} are named above)")
            } else {
                String::new()
            }
        );
    }
    if !args.quiet {
        let secs = started.elapsed().as_secs_f64();
        eprintln!(
            "dyad: {} stories read: {} coded, {} no event, {} discarded, {} rejected{}; {} sentences, {} events{} in {:.2}s ({:.1} MB/s, {} threads, {})",
            summary.read,
            summary.coded,
            summary.no_event,
            summary.discarded,
            summary.rejected_total(),
            if summary.rejected.is_empty() {
                String::new()
            } else {
                format!(" ({})", summary.rejected.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", "))
            },
            summary.sentences,
            summary.events,
            if summary.duplicates > 0 { format!(" ({} duplicates dropped)", summary.duplicates) } else { String::new() },
            secs,
            summary.bytes as f64 / 1e6 / secs.max(1e-9),
            threads,
            args.dicts.describe()
        );
    }
    debug_assert!(summary.balanced());
    if summary.unreadable > 0 {
        eprintln!(
            "dyad: warning: {} input file{} could not be read (named above); exit status 1",
            summary.unreadable,
            if summary.unreadable == 1 { "" } else { "s" }
        );
        return Ok(1);
    }
    if args.strict && summary.rejected_total() > 0 {
        return Ok(1);
    }
    Ok(0)
}
