//! The command line: one module per subcommand.

pub mod actors;
pub mod aggregate;
pub mod code;
pub mod codes;
pub mod dict;
pub mod dicts;
pub mod explain;
pub mod validate;

use clap::{Parser, Subcommand};

/// dyad: news text in, CAMEO dyadic event data out.
#[derive(Debug, Parser)]
#[command(name = "dyad", version, about, long_about = None)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Code a corpus into an event dataset.
    Code(Box<code::CodeArgs>),
    /// Show how a sentence is read and coded.
    Explain(Box<explain::ExplainArgs>),
    /// Aggregate an event file into a group-by-period panel.
    Aggregate(Box<aggregate::AggregateArgs>),
    /// Run a conformance suite of an earlier coder.
    #[command(subcommand)]
    Validate(validate::ValidateCmd),
    /// Check, look up and count dictionary entries.
    #[command(subcommand)]
    Dict(dict::DictCmd),
    /// List the CAMEO event codes: names, Goldstein values, quad classes, PLOVER.
    Codes(codes::CodesArgs),
    /// Find the actors a corpus mentions that the dictionaries miss.
    #[command(subcommand)]
    Actors(Box<actors::ActorsCmd>),
}

/// Runs the parsed command line; returns the exit status.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Code(a) => code::run(*a),
        Command::Explain(a) => explain::run(*a),
        Command::Aggregate(a) => aggregate::run(*a),
        Command::Validate(v) => validate::run(v),
        Command::Dict(c) => dict::run(c),
        Command::Codes(a) => codes::run(a),
        Command::Actors(c) => actors::run(*c),
    }
}
