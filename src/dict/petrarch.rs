//! Readers for PETRARCH-1's discards file, issues file and `PETR_config.ini`.

use super::tabari::{numbered_lines, strip_comment};
use super::{DictBuilder, Loc, Severity};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Reads a discards file: one phrase a line, `+` for a whole-story discard.
pub fn read_discards(b: &mut DictBuilder, file: &str, text: &str) {
    let file: Arc<str> = file.into();
    let mut count = 0;
    for (n, raw) in numbered_lines(text) {
        let loc = Loc {
            file: file.clone(),
            line: n,
        };
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with("//") {
            continue;
        }
        let t = strip_comment(raw).trim();
        if t.is_empty() {
            continue;
        }
        // Bare numbers are not useful discards (they would drop any story with a year).
        if t.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let (story, phrase) = match t.strip_prefix('+') {
            Some(p) => (true, p.trim()),
            None => (false, t),
        };
        let phrase = phrase.split('[').next().unwrap_or("").trim();
        let canon = phrase.to_uppercase().replace(' ', "_");
        b.add_discard(&format!("{canon}_"), story, loc);
        count += 1;
    }
    b.d.file_counts
        .push((file.to_string(), "discards".into(), count));
}

/// Reads an issues file: `<ISSUE CATEGORY="X">`, phrases with `[CODE]`, `n:` / `v:`
/// word classes and `~` cancelling phrases, `</ISSUE>`.
pub fn read_issues(b: &mut DictBuilder, file: &str, text: &str) {
    let file: Arc<str> = file.into();
    let mut category: Option<u32> = None;
    let mut count = 0;
    for (n, raw) in numbered_lines(text) {
        let loc = Loc {
            file: file.clone(),
            line: n,
        };
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with("//") {
            continue;
        }
        let upper = t.to_ascii_uppercase();
        if upper.starts_with("<ISSUE") {
            let name = upper
                .split("CATEGORY")
                .nth(1)
                .and_then(|r| r.split('"').nth(1))
                .unwrap_or("ISSUE")
                .trim()
                .to_string();
            category = Some(b.add_issue_category(&name));
            continue;
        }
        if upper.starts_with("</ISSUE") {
            category = None;
            continue;
        }
        let Some(cat) = category else {
            b.diag(
                &loc,
                Severity::Warning,
                "issue phrase outside <ISSUE> ... </ISSUE>",
            );
            continue;
        };
        let t = strip_comment(t).trim();
        let (cancel, body) = match t.strip_prefix('~') {
            Some(r) => (true, r.trim()),
            None => (false, t),
        };
        let (phrase, code) = match body.find('[') {
            Some(i) => (body[..i].trim(), body[i + 1..].trim_end_matches(']').trim()),
            None => (body, ""),
        };
        if !cancel && code.is_empty() {
            b.diag(
                &loc,
                Severity::Error,
                format!("issue phrase {phrase:?} has no [CODE]"),
            );
            continue;
        }
        // `n:` and `v:` mark nouns and verbs; regular endings are added to the final
        // word; `pre+n:school` joins words without a gap.
        let words: Vec<String> = phrase
            .split_whitespace()
            .map(|w| w.replace("n:", "").replace("v:", "").replace('+', "_"))
            .collect();
        let text = format!("{}_", words.join("_").to_uppercase());
        b.add_issue(&text, code, cat, cancel, loc);
        count += 1;
    }
    b.d.file_counts
        .push((file.to_string(), "issues".into(), count));
}

/// The dictionary files a `PETR_config.ini` names, resolved against its folder.
#[derive(Clone, Debug, Default)]
pub struct PetrarchConfig {
    /// The verb-pattern file.
    pub verbs: Option<PathBuf>,
    /// Actor files.
    pub actors: Vec<PathBuf>,
    /// The agents file.
    pub agents: Option<PathBuf>,
    /// The discards file.
    pub discards: Option<PathBuf>,
    /// The issues file.
    pub issues: Option<PathBuf>,
    /// `require_dyad`.
    pub require_dyad: bool,
    /// `new_actor_length`, `comma_*` and other options, as written.
    pub options: Vec<(String, String)>,
}

/// Parses a `PETR_config.ini`. Errors name the line.
pub fn read_config(path: &Path, text: &str) -> Result<PetrarchConfig, String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut cfg = PetrarchConfig {
        require_dyad: true,
        ..Default::default()
    };
    for (n, raw) in numbered_lines(text) {
        let t = raw.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with(';') || t.starts_with('[') {
            continue;
        }
        let Some((key, value)) = t.split_once('=').or_else(|| t.split_once(':')) else {
            return Err(format!("{}:{n}: expected key = value", path.display()));
        };
        let key = key.trim().to_ascii_lowercase();
        let value = value.trim();
        let file = |v: &str| dir.join(v.trim());
        match key.as_str() {
            "verbfile_name" => cfg.verbs = Some(file(value)),
            "actorfile_list" => cfg.actors = value.split(',').map(file).collect(),
            "agentfile_name" => cfg.agents = Some(file(value)),
            "discardfile_name" => cfg.discards = Some(file(value)),
            "issuefile_name" => cfg.issues = Some(file(value)),
            "require_dyad" => cfg.require_dyad = value.eq_ignore_ascii_case("true"),
            _ => cfg.options.push((key, value.to_string())),
        }
    }
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discards_and_issues() {
        let mut b = DictBuilder::new();
        read_discards(&mut b, "d.txt", "# c\n+WORLD CUP  # x\nBOX OFFICE\n1914\n");
        read_issues(
            &mut b,
            "i.txt",
            "<ISSUE CATEGORY=\"REFUGEES\" TYPE=\"ALL\">\nn:refugee [REFUGEES]\nasylum seeker [REFUGEES]\n~refugee concert\nbad\n</ISSUE>\n",
        );
        let d = b.build();
        assert_eq!(d.discards.len(), 2);
        assert!(d.discards[0].1.story);
        assert_eq!(d.issues.len(), 3);
        assert_eq!(d.issue_categories, vec!["REFUGEES"]);
        assert!(d.errors().any(|e| e.loc.line == 5));
    }

    #[test]
    fn config_paths_are_relative_to_the_config() {
        let cfg = read_config(
            Path::new("/x/y/PETR_config.ini"),
            "[Dictionaries]\nverbfile_name = v.txt\nactorfile_list = a.txt, b.txt\n",
        )
        .unwrap();
        assert_eq!(cfg.verbs.unwrap(), Path::new("/x/y/v.txt"));
        assert_eq!(cfg.actors.len(), 2);
        assert_eq!(cfg.actors[1], Path::new("/x/y/b.txt"));
    }
}
