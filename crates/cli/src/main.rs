//! `idm`: JumpCloud and Adobe UMAPI from the terminal.
// Doc comments on flags are also the `--help` text, where a bare URL reads best.
#![allow(rustdoc::bare_urls)]

mod config;
mod config_cmd;
mod context;
#[cfg(feature = "sandbox")]
mod demo;
mod errors;
mod jumpcloud_cmd;
mod listing;
mod output;
#[cfg(feature = "sandbox")]
mod sandbox_cmd;
mod sanitize;
mod stop;
mod sync_cmd;
mod umapi_cmd;

use std::process::ExitCode;

// A faster allocator for the sandbox server and for bulk jobs: with glibc's, a quarter of the
// CPU of an action-heavy run went to malloc and free (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{CommandFactory, Parser, Subcommand};

use context::{Ctx, GlobalOpts};
pub use errors::CliError;
use errors::CliResult;

/// Identity management from the terminal: JumpCloud and Adobe UMAPI, with a local sandbox.
#[derive(Debug, Parser)]
#[command(
    name = "idm",
    version,
    about,
    propagate_version = true,
    after_help = exit_codes_help!(),
    after_long_help = concat!(
        "Examples:\n",
        "  idm demo\n",
        "  idm --sandbox jumpcloud users list\n",
        "  idm umapi apply actions.json --report report.json\n\n",
        exit_codes_help!()
    )
)]
struct Cli {
    #[command(flatten)]
    global: GlobalOpts,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start an embedded sandbox and walk through what idm does, step by step.
    #[cfg(feature = "sandbox")]
    #[command(after_help = "Example:\n  idm demo")]
    Demo,
    /// JumpCloud API v1 and v2: users, systems, groups, and any operation by id.
    #[command(
        visible_alias = "jc",
        after_help = "Example:\n  idm jumpcloud users list --filter email:\\$eq:jdoe@example.com"
    )]
    Jumpcloud(jumpcloud_cmd::JumpcloudArgs),
    /// Adobe User Management API: users, groups, and batched actions.
    #[command(after_help = "Example:\n  idm umapi users list --group \"Design Team\"")]
    Umapi(umapi_cmd::UmapiArgs),
    /// Keep Adobe users, groups and profiles in step with a directory (user-sync.py's `sync`).
    #[command(after_help = sync_cmd::HELP)]
    Sync(Box<sync_cmd::SyncArgs>),
    /// Run the local sandbox of both APIs.
    #[cfg(feature = "sandbox")]
    #[command(subcommand, after_help = "Example:\n  idm sandbox serve --users 5000")]
    Sandbox(sandbox_cmd::SandboxCommand),
    /// Show the settings in use and where each comes from (secrets masked).
    #[command(after_help = "Example:\n  idm config --profile work")]
    Config,
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  idm completions bash > ~/.local/share/bash-completion/completions/idm"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

fn init_logging(verbose: u8) {
    use tracing_subscriber::field::MakeExt;
    // Retries are logged at WARN by the clients: shown from -v on, as the issue asks, so that
    // a plain run prints only its result and, on failure, one error line.
    let level = match verbose {
        0 => "error",
        1 => "info,idm=debug,idm_http=debug,umapi=debug,jumpcloud=debug",
        _ => "debug,hyper=info,hyper_util=info,h2=info,rustls=info",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("IDM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    // Log messages carry server text (errors, warnings) and URLs: every field is shown
    // sanitised, with any URL's password hidden.
    let fields = tracing_subscriber::fmt::format::debug_fn(|w, field, value| {
        let text = log_text(&format!("{value:?}"));
        if field.name() == "message" {
            write!(w, "{text}")
        } else {
            write!(w, "{field}={text}")
        }
    })
    .delimited(" ");
    let fmt = tracing_subscriber::fmt()
        .fmt_fields(fields)
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if verbose >= 2 {
        fmt.init();
    } else {
        fmt.without_time().init();
    }
}

/// A log field as it may be shown: control and bidi characters escaped, URL passwords hidden.
fn log_text(raw: &str) -> String {
    sanitize::line(&idm_http::redact_urls(raw)).into_owned()
}

/// A panic is a bug: one line on stderr, never a backtrace, exit code 1.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown".into());
        // `println!` panics when stdout is a closed pipe (`idm demo | head`): not an error.
        if msg.contains("failed printing to stdout") && msg.contains("Broken pipe") {
            std::process::exit(i32::from(errors::exit::OK));
        }
        eprintln!(
            "error: internal error in idm ({}); please report it",
            error_line(&msg)
        );
        std::process::exit(i32::from(errors::exit::GENERAL));
    }));
}

/// Help and version go out as clap writes them; a usage error becomes one line on stderr
/// (what is wrong, clap's tip if any, where to look), exit code 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(errors::exit::USAGE));
    }
    // clap echoes the arguments given: shown sanitised like any other error line.
    eprintln!("{}", error_line(&one_line(&e.render().to_string())));
    ExitCode::from(errors::exit::USAGE)
}

/// A message as one safe line for stderr: line breaks become spaces, other control and bidi
/// characters are shown escaped (a server's message may hold any of them), and a URL's
/// password is hidden.
fn error_line(message: &str) -> String {
    let one = message.replace(['\r', '\n'], " ");
    let redacted = idm_http::redact_urls(one.trim_end());
    sanitize::line(&redacted).into_owned()
}

/// clap's multi-line error as one line: its paragraphs but the usage, joined.
fn one_line(text: &str) -> String {
    text.split("\n\n")
        .filter(|p| !p.trim_start().starts_with("Usage:"))
        .map(|p| {
            p.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

fn main() -> ExitCode {
    install_panic_hook();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    init_logging(cli.global.verbose);
    let runtime = match runtime_for(&cli.command) {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(errors::exit::GENERAL);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if !e.is_silent() {
                // One line whatever the message holds (a server's body excerpt may have newlines).
                eprintln!("error: {}", error_line(&e.to_string()));
            }
            ExitCode::from(e.exit_code())
        }
    }
}

/// `idm sandbox serve` runs on as many threads as `--threads` says (one by default: see
/// [`idm_sandbox::serving_runtime`]); every other command on a multi-threaded runtime, so that
/// `idm demo`'s embedded sandbox and its clients use every core.
fn runtime_for(command: &Command) -> std::io::Result<tokio::runtime::Runtime> {
    match command {
        #[cfg(feature = "sandbox")]
        Command::Sandbox(sandbox_cmd::SandboxCommand::Serve(args)) => {
            idm_sandbox::serving_runtime(usize::from(args.threads))
        }
        _ => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build(),
    }
}

async fn run(cli: Cli) -> CliResult {
    output::set_csv_raw(cli.global.csv_raw);
    match cli.command {
        #[cfg(feature = "sandbox")]
        Command::Demo => demo::run().await,
        #[cfg(feature = "sandbox")]
        Command::Sandbox(cmd) => sandbox_cmd::run(cmd).await,
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "idm", &mut std::io::stdout());
            Ok(())
        }
        Command::Config => {
            let ctx = Ctx::new(&cli.global).await?;
            let result = config_cmd::run(&ctx);
            ctx.finish().await;
            result
        }
        Command::Jumpcloud(args) => {
            let mut global = cli.global;
            if let Some(org) = args.org_id.clone() {
                global.creds.jumpcloud_org_id = Some(org);
            }
            let ctx = Ctx::new(&global).await?;
            let result = jumpcloud_cmd::run(&ctx, args).await;
            ctx.finish().await;
            result
        }
        Command::Sync(args) => {
            let ctx = Ctx::new(&cli.global)
                .await?
                .with_umapi_unpaced(args.no_rate_limit);
            let result = sync_cmd::run(&ctx, *args).await;
            ctx.finish().await;
            result
        }
        Command::Umapi(args) => {
            let mut global = cli.global;
            if let Some(org) = args.org_id.clone() {
                global.creds.umapi_org_id = Some(org);
            }
            let ctx = Ctx::new(&global)
                .await?
                .with_umapi_unpaced(args.no_rate_limit);
            let result = umapi_cmd::run(&ctx, args).await;
            ctx.finish().await;
            result
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_are_one_line() {
        let e = Cli::try_parse_from(["idm", "jumpcloud", "users", "get"]).unwrap_err();
        let line = one_line(&e.render().to_string());
        assert!(!line.contains('\n'), "{line}");
        assert!(
            line.starts_with("error: ") && line.contains("<ID>"),
            "{line}"
        );
        assert!(!line.contains("Usage:"), "{line}");
    }

    #[test]
    fn error_lines_are_one_safe_line() {
        let line = error_line(
            "GET /x failed: HTTP 500: bad\u{1b}[31m na\tme\u{202e}\r\nat http://u:pw@h/\n",
        );
        assert_eq!(
            line,
            "GET /x failed: HTTP 500: bad\\x1b[31m na\\tme\\u{202e}  at http://u:****@h/"
        );
    }

    #[test]
    fn log_fields_are_safe() {
        assert_eq!(
            log_text("an action request failed: bad\u{1b}]0;x\u{7} at https://u:pw@h/x\n"),
            "an action request failed: bad\\x1b]0;x\\x07 at https://u:****@h/x\\n"
        );
    }

    #[test]
    fn the_cli_definition_is_valid() {
        Cli::command().debug_assert();
    }

    /// Every subcommand, at every level, shows an example in its help.
    #[test]
    fn every_subcommand_has_an_example() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            for sub in cmd.get_subcommands() {
                let name = format!("{path} {}", sub.get_name());
                let help = sub
                    .get_after_help()
                    .map(|h| h.to_string())
                    .unwrap_or_default();
                if !help.contains("idm ") {
                    missing.push(name.clone());
                }
                walk(sub, &name, missing);
            }
        }
        let mut missing = Vec::new();
        walk(&Cli::command(), "idm", &mut missing);
        assert!(missing.is_empty(), "no example in: {missing:?}");
    }
}
