use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() >= 3 && args[1] == "load" {
        load_cmd(&args[2]);
        return ExitCode::SUCCESS;
    }
    if args.len() >= 5 && args[1] == "trace" {
        trace_cmd(&args);
        return ExitCode::SUCCESS;
    }
    if args.len() >= 4 && args[1] == "validate" && args[2] == "tabari" {
        match dyad::validate::tabari::run(std::path::Path::new(&args[3])) {
            Ok(s) => {
                for r in &s.results {
                    if !r.passed {
                        println!("{}: expected {} got {}", r.id, dyad::validate::show(&r.expected), dyad::validate::show(&r.got));
                    }
                }
                println!("{} passed, {} failed", s.passed, s.failed);
            }
            Err(e) => eprintln!("{e}"),
        }
    }
    if args.len() >= 5 && args[1] == "validate" && args[2] == "petrarch" {
        match dyad::validate::petrarch::run(std::path::Path::new(&args[3]), std::path::Path::new(&args[4])) {
            Ok(s) => {
                for r in &s.results {
                    if !r.passed {
                        println!("{}: expected {} got {}", r.id, dyad::validate::show(&r.expected), dyad::validate::show(&r.got));
                    }
                }
                println!("{} passed, {} failed, {} skipped", s.passed, s.failed, s.skipped.len());
            }
            Err(e) => eprintln!("{e}"),
        }
    }
    ExitCode::SUCCESS
}

#[allow(dead_code)]
fn trace_cmd(args: &[String]) {
    let (dict, opts) = if args[2].ends_with(".xml") {
        let xml = std::fs::read_to_string(&args[2]).unwrap();
        let suite = dyad::validate::petrarch::parse(&xml).unwrap();
        let dir = std::path::Path::new(&args[2]).parent().unwrap().to_path_buf();
        (dyad::validate::petrarch::load(&suite, &dir).unwrap(), dyad::validate::petrarch::petrarch_options())
    } else {
        let proj = dyad::validate::tabari::read_project(std::path::Path::new(&args[2])).unwrap();
        proj.load().unwrap()
    };
    let date = dyad::Date::parse_any(&args[4]).unwrap();
    let coder = dyad::Coder::new(&dict, &opts);
    let c = coder.code_with(&args[3], date, true);
    let t = c.trace.unwrap();
    for (i, (w, tag)) in t.tokens.iter().enumerate() {
        print!("{i}:{w}/{tag} ");
    }
    println!();
    for m in &t.matches {
        println!("  {}-{} {} {} [{}] {:?}", m.start, m.end, m.kind, m.phrase, m.code, m.loc.as_ref().map(|l| l.to_string()));
    }
    println!("clauses {:?} deleted {:?}", t.clauses, t.deleted);
    for s in &t.steps {
        println!("  {s}");
    }
    println!("{:?}", c.status);
    for e in &c.events {
        println!("  {} {} {} ({} | {} | {})", e.source, e.target, e.code, e.source_text, e.target_text, e.verb_text);
    }
}

#[allow(dead_code)]
fn load_cmd(cfg: &str) {
    let t = std::time::Instant::now();
    let (files, _) = dyad::dict::load::DictFiles::from_petrarch_config(std::path::Path::new(cfg)).unwrap();
    let d = files.load().unwrap();
    println!("loaded in {:?}: {} actors {} agents {} verbs {} entries, {} diagnostics ({} errors)", t.elapsed(), d.actors.len(), d.agents.len(), d.verbs.len(), d.entries.len(), d.diagnostics.len(), d.errors().count());
    for e in d.errors().take(15) {
        println!("{e}");
    }
}
