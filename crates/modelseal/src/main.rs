//! The `modelseal` command: parses arguments, calls the library crates, renders results and
//! maps errors to the stable exit codes. No domain logic lives here.

#![cfg_attr(test, allow(clippy::disallowed_methods))] // tests build fixtures with std::fs

mod cli;
mod commands;
mod exit;
mod paths;
mod progress;
mod render;

use std::process::ExitCode;

use clap::Parser as _;
use clap::error::ErrorKind as ClapErrorKind;

use cli::{Cli, Command, KeyCommand};
use exit::{Exit, Failure};

fn main() -> ExitCode {
    // A panic is a bug in modelseal, never a verdict about the input: say so and exit 70.
    std::panic::set_hook(Box::new(|info| {
        render::error(&format!(
            "internal error (a bug in modelseal, please report it): {info}"
        ));
        std::process::exit(i32::from(Exit::Internal.code()));
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version are the output that was asked for: a full disk is a failure, a
            // closed pipe (`modelseal --help | head`) is not.
            if let Err(io) = e.print()
                && io.kind() != std::io::ErrorKind::BrokenPipe
            {
                render::error(&format!("cannot write the output: {io}"));
                return ExitCode::from(Exit::Output.code());
            }
            return ExitCode::from(match e.kind() {
                ClapErrorKind::DisplayHelp | ClapErrorKind::DisplayVersion => Exit::Ok.code(),
                // clap's own default is 2, which means "threat found" here.
                _ => Exit::Usage.code(),
            });
        }
    };
    let out = render::Out::new(cli.quiet);
    let result = match &cli.command {
        Command::Key(KeyCommand::Generate(args)) => {
            commands::key::generate(args, &out).map(|()| Exit::Ok)
        }
        Command::Digest(args) => commands::digest::run(args, &out).map(|()| Exit::Ok),
        Command::Sign(args) => commands::sign::run(args, &out).map(|()| Exit::Ok),
        Command::Verify(args) => commands::verify::run(args, &out),
        Command::Scan(args) => commands::scan::run(args, &out),
        Command::Audit(command) => commands::audit::run(command, &out),
        Command::Check(args) => commands::check::run(args, &out),
        Command::Quarantine(command) => commands::quarantine::run(command, &out),
        Command::Sbom(command) => commands::sbom::run(command, &out),
    };
    let exit = match result {
        Ok(exit) => exit,
        Err(Failure { exit, message }) => {
            render::error(&message);
            exit
        }
    };
    // The report that was asked for did not arrive: never a silent success, and never a
    // verdict code (1, 2) that a pipeline reads as "the report says so". Failures to run
    // (3, 4, 64, 70) keep their code: there was no report to deliver.
    if let Err(e) = out.finish() {
        render::error(&format!("cannot write the output to stdout: {e}"));
        if matches!(exit, Exit::Ok | Exit::Integrity | Exit::Threat) {
            if exit != Exit::Ok {
                render::error(&format!(
                    "the undelivered report's verdict was exit {}",
                    exit.code()
                ));
            }
            return ExitCode::from(Exit::Output.code());
        }
    }
    ExitCode::from(exit.code())
}
