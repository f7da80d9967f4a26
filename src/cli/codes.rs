//! `dyad codes`: the CAMEO event codes with their names, Goldstein values, quad classes
//! and PLOVER mapping.

use anyhow::Result;
use dyad::cameo::{self, CodeInfo};
use std::io::Write;

/// Arguments of `dyad codes`.
#[derive(Debug, clap::Args)]
pub struct CodesArgs {
    /// A code to describe, e.g. 042 or 1823; every code when omitted.
    #[arg(conflicts_with = "root")]
    pub code: Option<String>,
    /// List the codes of one root, e.g. 19 (or 01-20).
    #[arg(long, value_name = "N")]
    pub root: Option<String>,
    /// CSV output.
    #[arg(long)]
    pub csv: bool,
}

/// Runs `dyad codes`.
pub fn run(a: CodesArgs) -> Result<i32> {
    let list: Vec<&CodeInfo> = if let Some(code) = &a.code {
        let code = code.trim();
        match cameo::lookup(code) {
            Some(c) => {
                if !a.csv {
                    print_one(&mut std::io::stdout().lock(), c)?;
                    return Ok(0);
                }
                vec![c]
            }
            None => {
                eprintln!(
                    "dyad: {code:?} is not a CAMEO event code{}",
                    suggestion(code)
                );
                return Ok(1);
            }
        }
    } else if let Some(root) = &a.root {
        let r = root.trim();
        let r = if r.len() == 1 {
            format!("0{r}")
        } else {
            r.to_string()
        };
        if cameo::lookup(&r).is_none_or(|c| c.code.len() != 2) {
            eprintln!("dyad: {root:?} is not a CAMEO root code (01 to 20)");
            return Ok(1);
        }
        cameo::all().iter().filter(|c| c.root() == r).collect()
    } else {
        cameo::all().iter().collect()
    };
    let out = std::io::stdout();
    let mut out = out.lock();
    if a.csv {
        let mut w = csv::Writer::from_writer(out);
        w.write_record([
            "code",
            "name",
            "root",
            "goldstein",
            "quad_class",
            "quad_class_name",
            "plover_type",
            "plover_mode",
            "plover_context",
        ])?;
        for c in list {
            w.write_record([
                c.code,
                c.name,
                c.root(),
                &format!("{:.1}", c.goldstein),
                &c.quad_class().to_string(),
                cameo::quad_class_name(c.quad_class()),
                c.plover_type,
                c.plover_mode,
                c.plover_context,
            ])?;
        }
        w.flush()?;
        return Ok(0);
    }
    writeln!(
        out,
        "{:<5} {:>9}  {:<4} {:<55}  plover",
        "code", "goldstein", "quad", "name"
    )?;
    for c in list {
        // Roots stand out as section headings.
        let indent = if c.code.len() == 2 { "" } else { "  " };
        let name = format!("{indent}{}", c.name);
        let line = format!(
            "{:<5} {:>9.1}  {:<4} {:<55}  {}",
            c.code,
            c.goldstein,
            c.quad_class(),
            name,
            plover(c)
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(0)
}

/// `TYPE / mode / context`, leaving out empty parts.
fn plover(c: &CodeInfo) -> String {
    [c.plover_type, c.plover_mode, c.plover_context]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(" / ")
}

fn print_one(out: &mut impl Write, c: &CodeInfo) -> std::io::Result<()> {
    let root = cameo::lookup(c.root()).map(|r| r.name).unwrap_or("");
    let q = c.quad_class();
    writeln!(out, "code:           {}", c.code)?;
    writeln!(out, "name:           {}", c.name)?;
    writeln!(out, "root:           {} {root}", c.root())?;
    if c.code.len() == 4 {
        if let Some(p) = cameo::lookup(&c.code[..3]) {
            writeln!(out, "parent:         {} {}", p.code, p.name)?;
        }
    }
    writeln!(out, "goldstein:      {:.1}", c.goldstein)?;
    writeln!(out, "quad class:     {q} {}", cameo::quad_class_name(q))?;
    let dash = |s: &'static str| if s.is_empty() { "-" } else { s };
    writeln!(out, "plover type:    {}", dash(c.plover_type))?;
    writeln!(out, "plover mode:    {}", dash(c.plover_mode))?;
    writeln!(out, "plover context: {}", dash(c.plover_context))?;
    let children: Vec<&CodeInfo> = cameo::all()
        .iter()
        .filter(|x| x.code.len() == c.code.len() + 1 && x.code.starts_with(c.code))
        .collect();
    if !children.is_empty() {
        writeln!(out, "more specific:")?;
        for x in children {
            writeln!(out, "  {:<5} {}", x.code, x.name)?;
        }
    }
    Ok(())
}

/// A hint for a code that is not in the table.
fn suggestion(code: &str) -> String {
    let padded = format!("0{code}");
    if code.len() <= 3 && cameo::lookup(&padded).is_some() {
        return format!(" (did you mean {padded}?)");
    }
    match cameo::lookup_nearest(code) {
        Some(n) if code.starts_with(n.code) => {
            format!(" (nearest: {} {})", n.code, n.name)
        }
        _ => String::new(),
    }
}
