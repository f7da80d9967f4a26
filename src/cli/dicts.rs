//! Dictionary options shared by `code`, `explain` and `dict`.

use anyhow::{bail, Context, Result};
use dyad::coder::Options;
use dyad::dict::load::{read_file, read_text, DictFiles, FileKind};
use dyad::dict::{builtin, cache, DictBuilder, Dictionaries, Severity};
use dyad::validate::{petrarch, tabari as tproj};
use std::path::{Path, PathBuf};

/// Which dictionaries to code with.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct DictArgs {
    /// A folder of dictionary files (kinds recognised by name: *actor*, *agent*, *verb*, *discard*, *issue*).
    #[arg(long, value_name = "DIR")]
    pub dictionaries: Option<PathBuf>,
    /// Actor file(s) replacing the default actors (repeatable).
    #[arg(long = "actors", value_name = "FILE")]
    pub actors: Vec<PathBuf>,
    /// Agents file replacing the default agents.
    #[arg(long, value_name = "FILE")]
    pub agents: Option<PathBuf>,
    /// Verbs file(s) replacing the default verbs.
    #[arg(long = "verbs", value_name = "FILE")]
    pub verbs: Vec<PathBuf>,
    /// Discards file replacing the default discards.
    #[arg(long, value_name = "FILE")]
    pub discards: Option<PathBuf>,
    /// Issues file replacing the default issues.
    #[arg(long, value_name = "FILE")]
    pub issues: Option<PathBuf>,
    /// A PETRARCH-1 PETR_config.ini: its dictionaries (resolved against its folder) and options.
    #[arg(long, value_name = "INI")]
    pub petrarch_config: Option<PathBuf>,
    /// A TABARI .project: its dictionaries and .options file.
    #[arg(long, value_name = "PROJECT")]
    pub tabari_project: Option<PathBuf>,
    /// Extra actor file(s) added to the dictionaries in use (repeatable).
    #[arg(long = "add-actors", value_name = "FILE")]
    pub add_actors: Vec<PathBuf>,
    /// Read the files and code with PETRARCH-1's rules (whole-word nouns, anonymous
    /// agents, no pronoun coreference); implied by --petrarch-config.
    #[arg(long)]
    pub petrarch_rules: bool,
}

fn classify_dir(dir: &Path) -> Result<DictFiles> {
    let mut files = Vec::new();
    fn walk(d: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for e in std::fs::read_dir(d)? {
            let p = e?.path();
            if p.is_dir() {
                walk(&p, out)?;
            } else {
                out.push(p);
            }
        }
        Ok(())
    }
    walk(dir, &mut files)
        .with_context(|| format!("cannot read dictionary folder {}", dir.display()))?;
    files.sort();
    let mut df = DictFiles::default();
    for f in files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        if name.starts_with('.') {
            continue;
        }
        if name.contains("actor") {
            df.actors.push(f);
        } else if name.contains("agent") {
            df.agents.push(f);
        } else if name.contains("verb") {
            df.verbs.push(f);
        } else if name.contains("discard") {
            df.discards.push(f);
        } else if name.contains("issue") {
            df.issues.push(f);
        }
    }
    Ok(df)
}

impl DictArgs {
    /// Whether the user named any file (else dyad's own set is used).
    fn custom(&self) -> bool {
        self.dictionaries.is_some()
            || !self.actors.is_empty()
            || self.agents.is_some()
            || !self.verbs.is_empty()
            || self.discards.is_some()
            || self.issues.is_some()
            || self.petrarch_config.is_some()
            || self.tabari_project.is_some()
    }

    /// A short description of the set for messages.
    pub fn describe(&self) -> String {
        if let Some(p) = &self.petrarch_config {
            format!("PETRARCH config {}", p.display())
        } else if let Some(p) = &self.tabari_project {
            format!("TABARI project {}", p.display())
        } else if self.custom() {
            "custom dictionaries".into()
        } else {
            "dyad's own dictionaries".into()
        }
    }

    /// Loads the dictionaries and the options that come with them. A set compiled
    /// before is read from the cache folder ([`cache_dir`]) instead of being compiled.
    pub fn load(&self) -> Result<(Dictionaries, Options)> {
        let mut opts = Options::default();
        let mut b;
        let mut texts: Vec<(FileKind, String, std::borrow::Cow<'static, str>)> = Vec::new();
        if !self.custom() {
            b = builtin::empty_builder();
            for (kind, name, text) in builtin::files() {
                texts.push((kind, name.to_string(), text.into()));
            }
        } else {
            b = DictBuilder::new();
            let mut df = DictFiles::default();
            if self.petrarch_rules {
                b.whole_words = true;
                opts = petrarch::petrarch_options();
            }
            if let Some(cfg) = &self.petrarch_config {
                let (files, c) =
                    DictFiles::from_petrarch_config(cfg).map_err(anyhow::Error::msg)?;
                df = files;
                b.whole_words = true;
                opts = petrarch::petrarch_options();
                opts.require_dyad = c.require_dyad;
                for (k, v) in &c.options {
                    petrarch::apply_config(&mut opts, k, v);
                }
            }
            if let Some(p) = &self.tabari_project {
                let proj = tproj::read_project(p).map_err(anyhow::Error::msg)?;
                df = proj.dict_files();
                opts.minimum_words = 0;
                if let Some(o) = &proj.options {
                    opts.read(&read_text(o)?);
                }
            }
            if let Some(d) = &self.dictionaries {
                let c = classify_dir(d)?;
                if c.all().is_empty() {
                    bail!("no dictionary files found in {}", d.display());
                }
                df = c;
            }
            if !self.actors.is_empty() {
                df.actors = self.actors.clone();
            }
            if let Some(a) = &self.agents {
                df.agents = vec![a.clone()];
            }
            if !self.verbs.is_empty() {
                df.verbs = self.verbs.clone();
            }
            if let Some(a) = &self.discards {
                df.discards = vec![a.clone()];
            }
            if let Some(a) = &self.issues {
                df.issues = vec![a.clone()];
            }
            for (kind, name, text) in df.read_all()? {
                texts.push((kind, name, text.into()));
            }
        }
        for extra in &self.add_actors {
            let text = read_text(extra)?;
            texts.push((FileKind::Actors, extra.display().to_string(), text.into()));
        }
        // Everything the compiled set depends on: the builder's settings and each
        // file's kind, name (diagnostics carry it) and text, in loading order.
        let key = cache_dir()
            .zip(cache::KeyHasher::new())
            .map(|(dir, mut k)| {
                k.add(b.settings().as_bytes());
                for (kind, name, text) in &texts {
                    k.add(format!("{kind:?}").as_bytes());
                    k.add(name.as_bytes());
                    k.add(text.as_bytes());
                }
                (dir, k.finish())
            });
        let cached = key.as_ref().and_then(|(dir, k)| cache::load(dir, *k));
        let d = match cached {
            Some(d) => d,
            None => {
                for (kind, name, text) in &texts {
                    read_file(&mut b, *kind, name, text);
                }
                let d = b.build();
                if let Some((dir, k)) = &key {
                    // A cache that cannot be written only loses the time it would save.
                    let _ = cache::store(dir, *k, &d);
                }
                d
            }
        };
        if d.verbs.is_empty() {
            bail!(
                "the dictionaries have no verbs: nothing can be coded ({})",
                self.describe()
            );
        }
        Ok((d, opts))
    }
}

/// Where compiled dictionary sets are kept: `$DYAD_CACHE_DIR` (empty: no cache),
/// else `$XDG_CACHE_HOME/dyad`, else `$HOME/.cache/dyad`.
pub fn cache_dir() -> Option<PathBuf> {
    let nonempty = |v: &str| std::env::var_os(v).filter(|x| !x.is_empty());
    if let Some(d) = std::env::var_os("DYAD_CACHE_DIR") {
        return (!d.is_empty()).then(|| PathBuf::from(d));
    }
    if let Some(d) = nonempty("XDG_CACHE_HOME") {
        return Some(PathBuf::from(d).join("dyad"));
    }
    nonempty("HOME").map(|h| PathBuf::from(h).join(".cache").join("dyad"))
}

/// Prints dictionary problems to stderr: every error, and warnings up to a limit.
pub fn report(d: &Dictionaries, quiet: bool, max_warnings: usize) {
    if quiet {
        return;
    }
    let errors = d.errors().count();
    let warnings = d.diagnostics.len() - errors;
    for e in d.errors().take(20) {
        eprintln!("dyad: {e}");
    }
    if errors > 20 {
        eprintln!(
            "dyad: ... {} more dictionary errors (see `dyad dict check`)",
            errors - 20
        );
    }
    for w in d
        .diagnostics
        .iter()
        .filter(|x| x.severity == Severity::Warning)
        .take(max_warnings)
    {
        eprintln!("dyad: {w}");
    }
    if warnings > max_warnings && max_warnings > 0 {
        eprintln!(
            "dyad: ... {} more dictionary warnings (see `dyad dict check`)",
            warnings - max_warnings
        );
    } else if warnings > 0 && max_warnings == 0 && errors > 0 {
        eprintln!("dyad: {warnings} dictionary warnings (see `dyad dict check`)");
    }
}
