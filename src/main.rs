//! The `tutor` binary: parses the command line and calls the library.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tutor::bank::{Bank, BankError, Severity};

#[derive(Parser)]
#[command(
    name = "tutor",
    version,
    about = "客户服务管理师 tutor: a Telegram bot and a terminal practice mode"
)]
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
    /// Run the Telegram bot (long polling, or a webhook with --webhook-url).
    Run(RunArgs),
    /// Practise in the terminal, with the same bank, grading and saved progress.
    Play {
        /// Practise one chapter.
        #[arg(long)]
        chapter: Option<u8>,
        /// Only questions that are due, or were answered wrong.
        #[arg(long, conflicts_with = "chapter")]
        review: bool,
        /// The database directory (default: your data directory).
        #[arg(long, env = "TUTOR_PLAY_DB")]
        db: Option<PathBuf>,
        /// Load this bank instead of the embedded one.
        #[arg(long, value_name = "DIR")]
        content: Option<PathBuf>,
        /// Whose progress this is (default: your OS user name).
        #[arg(long)]
        learner: Option<String>,
    },
    /// Write a consistent snapshot of the database to OUT.
    Backup {
        /// The database directory.
        #[arg(long, env = "TUTOR_DB", default_value = "./tutor-data")]
        db: PathBuf,
        /// Where to write the snapshot (must not exist, or be empty).
        out: PathBuf,
    },
    /// Fit FSRS-6 parameters to the database's answer log, compare them with the
    /// defaults on held-out learners, and store the better set (stop the bot first;
    /// it uses the set from its next start).
    Optimize {
        /// The database directory.
        #[arg(long, env = "TUTOR_DB", default_value = "./tutor-data")]
        db: PathBuf,
        /// Only report: store nothing.
        #[arg(long)]
        dry_run: bool,
        /// The zone of learners without one (as `tutor run --tz`).
        #[arg(long, env = "TUTOR_TZ", default_value = "Asia/Shanghai")]
        tz: String,
    },
    // -- import/export (issue 20) --
    /// Import question banks (.txt .docx .xlsx .xls .ods .csv) into a bank directory.
    Import {
        /// The files to import.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The bank directory to write (one TOML per chapter); ids of an earlier
        /// import there are kept.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Repair the known conversion artefacts (效劳 → 服务 …) instead of only reporting them.
        #[arg(long)]
        fix_artefacts: bool,
        /// Read a sheet column of another name as a template column, e.g. --map 问题=题干.
        #[arg(long, value_name = "HEADER=FIELD", value_parser = tutor::bank::import::ImportOptions::parse_mapping)]
        map: Vec<(String, tutor::bank::import::Field)>,
    },
    /// Write a bank in the import template (text, or an .xlsx workbook).
    Export {
        /// The bank directory (default: the embedded bank).
        dir: Option<PathBuf>,
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// The file to write (text goes to standard output without it).
        #[arg(long, value_name = "FILE", required_if_eq("format", "xlsx"))]
        out: Option<PathBuf>,
    },
    // -- end import/export --
    /// Restore a snapshot made by `tutor backup` into an empty or missing --db.
    Restore {
        /// The snapshot directory.
        from: PathBuf,
        /// The database directory to create.
        #[arg(long, env = "TUTOR_DB", default_value = "./tutor-data")]
        db: PathBuf,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExportFormat {
    Txt,
    Xlsx,
}

#[derive(clap::Args)]
struct RunArgs {
    /// The database directory (created with mode 0700).
    #[arg(long, env = "TUTOR_DB", default_value = "./tutor-data")]
    db: PathBuf,
    /// Load this bank instead of the embedded one.
    #[arg(long, value_name = "DIR")]
    content: Option<PathBuf>,
    /// The time zone of new chats (IANA name).
    #[arg(long, env = "TUTOR_TZ", default_value = "Asia/Shanghai")]
    tz: String,
    /// Serve a webhook at this public HTTPS URL instead of long polling.
    #[arg(long, env = "TUTOR_WEBHOOK_URL", requires = "listen")]
    webhook_url: Option<String>,
    /// The address the webhook server listens on, e.g. 127.0.0.1:8443.
    #[arg(long, env = "TUTOR_LISTEN", requires = "webhook_url")]
    listen: Option<std::net::SocketAddr>,
    /// The webhook's secret token (default: random per start).
    #[arg(long, env = "TUTOR_WEBHOOK_SECRET", hide_env_values = true)]
    webhook_secret: Option<String>,
    /// sled's cache size in MiB.
    #[arg(long, env = "TUTOR_CACHE_MB", default_value_t = 64)]
    cache_mb: u64,
    /// The operators' Telegram user ids, e.g. `--admins 12345,67890`: they may send
    /// the bot a bank (.docx .xlsx .xls .ods .csv .txt) in a private chat to import.
    #[arg(
        long,
        env = "TUTOR_ADMINS",
        value_delimiter = ',',
        value_name = "ID,ID"
    )]
    admins: Vec<i64>,
    /// Where uploaded banks are imported; the bank is DIR/bank, loaded at the next
    /// start with `--content DIR/bank`.
    #[arg(
        long,
        env = "TUTOR_UPLOADS",
        default_value = "./tutor-uploads",
        value_name = "DIR"
    )]
    uploads: PathBuf,
    /// Test seam: run as if the clock were this many seconds ahead (negative: behind).
    #[arg(
        long,
        env = "TUTOR_CLOCK_OFFSET",
        hide = true,
        default_value_t = 0,
        allow_hyphen_values = true
    )]
    clock_offset: i64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run(args) => run(args),
        Command::Play {
            chapter,
            review,
            db,
            content,
            learner,
        } => {
            let bank = match load_bank(content.as_deref()) {
                Ok(b) => b,
                Err(code) => return code,
            };
            if let Some(n) = chapter.filter(|n| bank.chapter(*n).is_none()) {
                eprintln!("tutor: there is no chapter {n} in this bank");
                return ExitCode::from(2);
            }
            let opts = tutor::console::PlayOptions {
                chapter,
                review,
                db,
                learner,
            };
            match tutor::console::play(bank, opts) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&format!("{e:#}")),
            }
        }
        Command::Backup { db, out } => {
            // Opening checks and breaks the seal of the last clean stop; the source is
            // only read, so it is sealed again after the copy.
            let result = tutor::store::Store::open_existing(&db, Default::default())
                .and_then(|store| store.backup(&out).and_then(|()| store.seal()));
            match result {
                Ok(()) => {
                    println!("backup written to {}", out.display());
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e.to_string()),
            }
        }
        Command::Optimize { db, dry_run, tz } => optimize(&db, dry_run, &tz),
        Command::Restore { from, db } => match tutor::store::Store::restore(&from, &db) {
            Ok(()) => {
                println!("restored {} into {}", from.display(), db.display());
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e.to_string()),
        },
        Command::Check { dir, strict } => check(dir.as_deref(), strict),
        Command::Import {
            files,
            out,
            fix_artefacts,
            map,
        } => import(&files, &out, fix_artefacts, map),
        Command::Export { dir, format, out } => export(dir.as_deref(), format, out.as_deref()),
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
        Some(dir) if strict => Bank::load_dir_strict(dir).map_err(|e| {
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

/// `tutor import`: every problem on stderr with its place, the counts on stdout;
/// exit 1 when any item could not be imported (the rest is written) or nothing could.
fn import(
    files: &[PathBuf],
    out: &Path,
    fix_artefacts: bool,
    mapping: Vec<(String, tutor::bank::import::Field)>,
) -> ExitCode {
    let opts = tutor::bank::import::ImportOptions {
        fix_artefacts,
        mapping,
    };
    match tutor::bank::import::import(files, out, &opts) {
        Ok(imported) => {
            for d in &imported.diags {
                eprintln!("{d}");
            }
            println!("imported into {}: {}", out.display(), imported.summary());
            if imported.errors() > 0 {
                eprintln!(
                    "tutor: {} item(s) could not be imported (see above); the rest was written",
                    imported.errors()
                );
                return ExitCode::from(1);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            for d in &e.0 {
                eprintln!("{d}");
            }
            fail("nothing was imported")
        }
    }
}

/// `tutor export`.
fn export(dir: Option<&Path>, format: ExportFormat, out: Option<&Path>) -> ExitCode {
    let bank = match load_bank(dir) {
        Ok(b) => b,
        Err(code) => return code,
    };
    let bytes = match format {
        ExportFormat::Txt => tutor::bank::export::to_text(&bank).map(String::into_bytes),
        ExportFormat::Xlsx => tutor::bank::export::to_xlsx(&bank),
    };
    match (bytes, out) {
        (Err(e), _) => fail(&e.to_string()),
        (Ok(b), Some(path)) => match std::fs::write(path, b) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&format!("cannot write {}: {e}", path.display())),
        },
        (Ok(b), None) => {
            use std::io::Write;
            match std::io::stdout().write_all(&b) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&format!("cannot write: {e}")),
            }
        }
    }
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("tutor: {msg}");
    ExitCode::from(1)
}

/// `tutor run`: validates everything before any work, then hands over to the library.
fn run(args: RunArgs) -> ExitCode {
    let usage = |msg: &str| {
        eprintln!("tutor: {msg}");
        ExitCode::from(2)
    };
    let token = match std::env::var("TELOXIDE_TOKEN") {
        Ok(t) if !t.trim().is_empty() => t.trim().to_string(),
        _ => return usage("TELOXIDE_TOKEN is not set: get a token from @BotFather and export it"),
    };
    if !tutor::telegram::token_is_well_formed(&token) {
        return usage(
            "TELOXIDE_TOKEN is malformed: expected <digits>:<secret> as given by @BotFather",
        );
    }
    let api_url = match std::env::var("TELOXIDE_API_URL") {
        Ok(u) if !u.trim().is_empty() => match url::Url::parse(u.trim()) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Some(url),
            _ => return usage("TELOXIDE_API_URL is not an http(s) URL"),
        },
        _ => None,
    };
    let Ok(default_tz) = args.tz.parse::<chrono_tz::Tz>() else {
        return usage(&format!(
            "--tz {:?} is not an IANA time zone (e.g. Asia/Shanghai)",
            args.tz
        ));
    };
    let webhook = match (args.webhook_url, args.listen) {
        (Some(u), Some(listen)) => match url::Url::parse(&u) {
            Ok(url) => Some(tutor::telegram::Webhook {
                url,
                listen,
                secret: args.webhook_secret.unwrap_or_else(random_secret),
            }),
            Err(e) => return usage(&format!("--webhook-url: {e}")),
        },
        _ => None,
    };
    let bank = match load_bank(args.content.as_deref()) {
        Ok(b) => b,
        Err(code) => return code,
    };
    tutor::log::init(Some(token.clone()));
    // Errors may quote what a server answered, which may quote the request URL.
    let secret = token.clone();
    let cfg = tutor::telegram::RunConfig {
        token,
        api_url,
        db: args.db,
        bank,
        default_tz,
        webhook,
        cache_bytes: args.cache_mb.max(1) * 1024 * 1024,
        limits: Default::default(),
        clock_offset: chrono::TimeDelta::try_seconds(args.clock_offset).unwrap_or_default(),
        admins: args.admins,
        uploads: args.uploads,
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    match runtime.block_on(tutor::telegram::run(cfg)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&tutor::log::redact(&format!("{e:#}"), &secret)),
    }
}

fn random_secret() -> String {
    use rand::Rng;
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(32)
        .map(char::from)
        .collect()
}

/// `tutor optimize`: the library does the work; this prints its report.
fn optimize(db: &std::path::Path, dry_run: bool, tz: &str) -> ExitCode {
    let Ok(default_tz) = tz.parse::<chrono_tz::Tz>() else {
        return fail(&format!(
            "--tz {tz:?} is not an IANA time zone (e.g. Asia/Shanghai)"
        ));
    };
    let opts = tutor::store::Options {
        default_tz,
        ..Default::default()
    };
    let result = tutor::store::Store::open_existing(db, opts).and_then(|store| {
        let options = tutor::app::optimize::Options {
            dry_run,
            ..Default::default()
        };
        let done = tutor::app::optimize::optimize(&store, chrono::Utc::now(), options)?;
        store.seal()?;
        Ok(done)
    });
    match result {
        Ok(done) => {
            print!("{}", done.report(dry_run));
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string()),
    }
}
