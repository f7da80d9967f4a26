//! Embeds dyad's own dictionaries (`dictionaries/`) into the binary, as typos does
//! with its word lists: the default set needs no files at run time.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn kind(p: &Path) -> Option<&'static str> {
    let name = p.file_name()?.to_str()?.to_ascii_lowercase();
    if name.ends_with(".actors") {
        Some("Actors")
    } else if name.ends_with(".agents") {
        Some("Agents")
    } else if name.ends_with(".verbs") {
        Some("Verbs")
    } else if name.starts_with("discards") {
        Some("Discards")
    } else if name.starts_with("issues") {
        Some("Issues")
    } else {
        None
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let dir = root.join("dictionaries");
    println!("cargo:rerun-if-changed=dictionaries");
    let mut files = Vec::new();
    walk(&dir, &mut files);
    files.sort();
    let mut code = String::from("/// dyad's own dictionary files: (name, kind, text).\npub static FILES: &[(&str, FileKind, &str)] = &[\n");
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let Some(k) = kind(f) else { continue };
        let rel = f
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        writeln!(
            code,
            "    ({rel:?}, FileKind::{k}, include_str!({:?})),",
            f.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("builtin_dictionaries.rs");
    std::fs::write(out, code).unwrap();
}
