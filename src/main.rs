//! The `tutor` binary: parses the command line and calls the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tutor::bank::{Bank, BankError, Severity};

#[derive(Parser)]
#[command(name = "tutor", version, about = "客户服务管理师 tutor: a Telegram bot and a terminal practice mode")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a question bank (default: the embedded one) and exit non-zero on any error.
    Check {
        /// A directory of chapter TOML files.
        dir: Option<PathBuf>,
        /// Treat known conversion artefacts as errors (always on for the embedded bank).
        #[arg(long)]
        strict: bool,
    },
    /// Print the bank: an overview, or the whole normalized bank as JSON.
    Bank {
        /// Print one JSON document instead of the overview.
        #[arg(long)]
        json: bool,
        /// Load this directory instead of the embedded bank.
        #[arg(long, value_name = "DIR")]
        content: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { dir, strict } => check(dir.as_deref(), strict),
        Command::Bank { json, content } => match load_bank(content.as_deref()) {
            Ok(bank) => {
                if json {
                    println!("{}", bank.to_json());
                } else {
                    print!("{}", bank.overview());
                }
                ExitCode::SUCCESS
            }
            Err(code) => code,
        },
    }
}

/// Loads the embedded bank or `dir`, printing diagnostics to stderr.
fn load_bank(dir: Option<&Path>) -> Result<Bank, ExitCode> {
    let result = match dir {
        None => Bank::embedded().map(|b| (b, Vec::new())),
        Some(dir) => Bank::load_dir(dir),
    };
    match result {
        Ok((bank, warnings)) => {
            for w in warnings {
                eprintln!("{w}");
            }
            Ok(bank)
        }
        Err(e) => {
            report(&e);
            Err(ExitCode::from(1))
        }
    }
}

fn report(e: &BankError) {
    for d in &e.0 {
        eprintln!("{d}");
    }
    let errors = e.0.iter().filter(|d| d.severity == Severity::Error).count();
    eprintln!("{errors} error(s)");
}

fn check(dir: Option<&Path>, strict: bool) -> ExitCode {
    let loaded = match dir {
        Some(dir) if strict => Bank::load_dir_strict(dir)
            .map_err(|e| {
                report(&e);
                ExitCode::from(1)
            }),
        _ => load_bank(dir),
    };
    match loaded {
        Ok(bank) => {
            let n = bank.questions().len();
            let c = bank.chapters().len();
            let what = dir.map_or("embedded bank".to_string(), |d| d.display().to_string());
            println!("ok: {what}: {c} chapters, {n} questions");
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}
