//! `idm`: JumpCloud and Adobe UMAPI from the terminal.

mod demo;
mod sandbox_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Identity management from the terminal: JumpCloud and Adobe UMAPI, with a local sandbox.
#[derive(Debug, Parser)]
#[command(name = "idm", version, about, propagate_version = true)]
struct Cli {
    /// More logging on stderr (-v: requests and retries, -vv: everything).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start an embedded sandbox and walk through what idm does, step by step.
    ///
    /// Example: idm demo
    Demo,
    /// Run the local sandbox of both APIs.
    #[command(subcommand)]
    Sandbox(sandbox_cmd::SandboxCommand),
}

fn init_logging(verbose: u8) {
    let level = match verbose {
        0 => "warn",
        1 => "info,idm_http=debug,umapi=debug",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("IDM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Demo => demo::run().await,
            Command::Sandbox(cmd) => sandbox_cmd::run(cmd).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

/// A command's failure: the message and the exit code.
#[derive(Debug)]
pub struct CliError {
    message: String,
    code: u8,
}

impl CliError {
    /// Bad arguments (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            code: 2,
        }
    }

    /// Anything else (exit code 1).
    pub fn failure(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            code: 1,
        }
    }

    fn exit_code(&self) -> u8 {
        self.code
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
