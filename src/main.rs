use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
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
    ExitCode::SUCCESS
}
