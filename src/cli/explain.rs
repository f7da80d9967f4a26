//! `dyad explain`: how a sentence was read and why it was coded as it was.

use super::dicts::DictArgs;
use anyhow::{Context, Result};
use dyad::coder::{Coder, Status};
use dyad::date::Date;

/// Arguments of `dyad explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The sentence.
    pub sentence: String,
    /// Its date (YYYY-MM-DD); date-restricted actors depend on it.
    #[arg(long)]
    pub date: Option<String>,
    /// Machine-readable output.
    #[arg(long)]
    pub json: bool,
    /// Dictionaries.
    #[command(flatten)]
    pub dicts: DictArgs,
}

/// Runs `dyad explain`.
pub fn run(args: ExplainArgs) -> Result<i32> {
    let (dict, opts) = args.dicts.load()?;
    let date = match &args.date {
        Some(d) => Date::parse_any(d).with_context(|| format!("--date {d:?} is not a date"))?,
        None => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() / 86400)
                .unwrap_or(0);
            Date::from_ymd(1970, 1, 1).unwrap().add_days(now as i32)
        }
    };
    let coder = Coder::new(&dict, &opts);
    let c = coder.code_with(&args.sentence, date, true);
    let t = c.trace.unwrap_or_default();
    if args.json {
        let v = serde_json::json!({
            "sentence": args.sentence,
            "date": date.to_string(),
            "tokens": t.tokens.iter().map(|(w, tag)| serde_json::json!({"word": w, "tag": tag})).collect::<Vec<_>>(),
            "matches": t.matches.iter().map(|m| serde_json::json!({
                "start": m.start, "end": m.end, "kind": m.kind, "phrase": m.phrase, "code": m.code,
                "source": m.loc.as_ref().map(|l| l.to_string()),
            })).collect::<Vec<_>>(),
            "clauses": t.clauses,
            "deleted": t.deleted,
            "steps": t.steps,
            "status": format!("{:?}", c.status),
            "events": c.events.iter().map(|e| serde_json::json!({
                "source": e.source, "target": e.target, "code": e.code, "date": e.date.to_string(),
                "source_text": e.source_text, "target_text": e.target_text, "verb_text": e.verb_text,
            })).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(0);
    }
    println!("sentence: {}", args.sentence);
    println!("date:     {date}");
    println!();
    println!("tokens:");
    let line: Vec<String> = t
        .tokens
        .iter()
        .enumerate()
        .map(|(i, (w, tag))| format!("{i}:{w}/{tag}"))
        .collect();
    println!("  {}", line.join(" "));
    println!();
    println!("dictionary matches:");
    for m in &t.matches {
        let words: Vec<&str> = t.tokens[m.start..m.end]
            .iter()
            .map(|(w, _)| w.as_str())
            .collect();
        println!(
            "  {:<6} {:<30} -> {:<12} [{}]  {}",
            m.kind,
            words.join(" "),
            m.phrase,
            m.code,
            m.loc.as_ref().map(|l| l.to_string()).unwrap_or_default()
        );
    }
    println!();
    println!("clauses:");
    for (a, b) in &t.clauses {
        let words: Vec<&str> = (*a..*b)
            .filter(|i| !t.deleted.contains(i))
            .map(|i| t.tokens[i].0.as_str())
            .collect();
        println!("  [{a}..{b}) {}", words.join(" "));
    }
    if !t.deleted.is_empty() {
        let words: Vec<&str> = t.deleted.iter().map(|&i| t.tokens[i].0.as_str()).collect();
        println!("  removed as comma clauses: {}", words.join(" "));
    }
    println!();
    println!("steps:");
    for s in &t.steps {
        println!("  {s}");
    }
    println!();
    match &c.status {
        Status::Coded => {
            println!("events:");
            for e in &c.events {
                let name = dyad::cameo::lookup_nearest(&e.code)
                    .map(|i| i.name)
                    .unwrap_or("");
                println!(
                    "  {} -> {} {} ({name}) on {}   [{} | {} | {}]",
                    e.source, e.target, e.code, e.date, e.source_text, e.target_text, e.verb_text
                );
            }
        }
        other => println!("no event: {other:?}"),
    }
    Ok(0)
}
