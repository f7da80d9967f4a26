//! dyad's own dictionaries, checked as `dyad dict check` does: every event code they
//! emit is in the CAMEO table, every date range is well formed and no person's ranges
//! overlap, and the set is as large as the project promises.

use dyad::dict::check::{check, Check, CheckOptions};
use dyad::dict::{builtin, Severity};

#[test]
fn own_dictionaries_have_no_errors() {
    let d = builtin::load();
    let findings = check(
        &d,
        &CheckOptions {
            unknown_event_code: Severity::Error,
        },
    );
    let errors: Vec<String> = findings
        .iter()
        .filter(|f| f.diag.severity == Severity::Error)
        .map(|f| f.to_string())
        .collect();
    assert!(
        errors.is_empty(),
        "{} errors:\n{}",
        errors.len(),
        errors.join("\n")
    );
    // Overlapping date ranges and unknown codes are errors, so none is left.
    assert!(!findings.iter().any(|f| matches!(
        f.check,
        Check::DateOverlap | Check::UnknownEventCode
    ) && f.diag.severity == Severity::Error));
}

#[test]
fn every_emitted_code_is_a_cameo_code() {
    let d = builtin::load();
    let mut codes: Vec<&str> = Vec::new();
    for v in &d.verbs {
        if let dyad::dict::code::EventCode::Event { code, paired, .. } = &v.code {
            codes.push(code);
            codes.extend(paired.as_deref());
        }
    }
    for g in &d.pattern_groups {
        for p in g {
            if let dyad::dict::code::EventCode::Event { code, paired, .. } = &p.code {
                codes.push(code);
                codes.extend(paired.as_deref());
            }
        }
    }
    let unknown: Vec<&&str> = codes
        .iter()
        .filter(|c| dyad::cameo::lookup(c).is_none())
        .collect();
    assert!(unknown.is_empty(), "codes not in CAMEO: {unknown:?}");
    // Every CAMEO event code below the root level is emitted somewhere.
    let emitted: std::collections::HashSet<&str> = codes.into_iter().collect();
    let missing: Vec<&str> = dyad::cameo::all()
        .iter()
        .filter(|c| c.code.len() > 2 && !emitted.contains(c.code))
        .map(|c| c.code)
        .collect();
    assert!(
        missing.is_empty(),
        "CAMEO codes no verb or pattern emits: {missing:?}"
    );
}

#[test]
fn own_dictionaries_are_broad() {
    let d = builtin::load();
    assert!(d.actors.len() >= 5_000, "{} actor phrases", d.actors.len());
    let patterns: usize = d.pattern_groups.iter().map(Vec::len).sum();
    assert!(patterns >= 3_000, "{patterns} patterns");
    assert!(d.agents.len() >= 400, "{} agents", d.agents.len());
    assert!(!d.discards.is_empty() && !d.issues.is_empty());
    // Dated codes for office holders.
    let dated = d
        .actors
        .iter()
        .filter(|a| {
            a.codes
                .blocks
                .iter()
                .any(|b| b.range != dyad::dict::code::DateRange::Always)
        })
        .count();
    assert!(dated >= 1_000, "{dated} dated actors");
}
