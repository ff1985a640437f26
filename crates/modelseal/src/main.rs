//! The `modelseal` command: parses arguments, calls the library crates, renders results and
//! maps errors to the stable exit codes. No domain logic lives here.

#![cfg_attr(test, allow(clippy::disallowed_methods))] // tests build fixtures with std::fs

mod cli;
mod commands;
mod completions;
mod config;
mod exit;
mod help;
mod passphrase;
mod paths;
mod progress;
mod render;

use std::process::ExitCode;

use clap::error::ErrorKind as ClapErrorKind;
use clap::{CommandFactory as _, FromArgMatches as _};

use cli::{
    AuditCommand, Cli, Command, Format, KeyCommand, QuarantineCommand, ReportFormat, SbomCommand,
};
use exit::{Exit, Failure};
use render::ErrorFormat;

fn main() -> ExitCode {
    // A panic is a bug in modelseal, never a verdict about the input: say so and exit 70.
    std::panic::set_hook(Box::new(|info| {
        render::error(&format!(
            "internal error (a bug in modelseal, please report it): {info}"
        ));
        std::process::exit(i32::from(Exit::Internal.code()));
    }));
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // Environment and config-file settings become clap's defaults: flags > env > config.
    let settings = config::Settings::load(&args).unwrap_or_else(config::Settings::unreadable);
    let parsed = settings
        .apply(Cli::command())
        .try_get_matches_from(&args)
        .and_then(|matches| Cli::from_arg_matches(&matches).map(|cli| (cli, matches)));
    let (mut cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            // Help and version are the output that was asked for: a full disk is a failure, a
            // closed pipe (`modelseal --help | head`) is not.
            let exit = match e.kind() {
                ClapErrorKind::DisplayHelp | ClapErrorKind::DisplayVersion => Exit::Ok,
                // clap's own default is 2, which means "threat found" here.
                _ => Exit::Usage,
            };
            // A usage error under `--format json|sarif` is still one JSON document on stdout.
            let format = requested_format(std::env::args_os());
            if exit == Exit::Usage && format != ErrorFormat::Text {
                let out = render::Out::new(false);
                let message = e.render().to_string();
                let message = message.lines().next().unwrap_or_default();
                let message = message.strip_prefix("error: ").unwrap_or(message);
                out.failure(&Failure::usage(message), format);
                drop(out.finish());
                let _ = e.print();
                return ExitCode::from(exit.code());
            }
            if let Err(io) = e.print()
                && io.kind() != std::io::ErrorKind::BrokenPipe
            {
                render::error(&format!("cannot write the output: {io}"));
                return ExitCode::from(Exit::Output.code());
            }
            return ExitCode::from(exit.code());
        }
    };
    let out = render::Out::new(cli.quiet);
    if let Err(failure) = settings.settle(&mut cli, &matches, &out) {
        out.failure(&failure, error_format(&cli.command));
        render::error(&failure.message);
        drop(out.finish());
        return ExitCode::from(failure.exit.code());
    }
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
        Command::Completions(args) => {
            completions::completions(args, &out);
            Ok(Exit::Ok)
        }
        Command::Man(args) => completions::man(args, &out),
    };
    let exit = match result {
        Ok(exit) => exit,
        Err(failure) => {
            out.failure(&failure, error_format(&cli.command));
            render::error(&failure.message);
            failure.exit
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

/// The format a command's failure is reported in: the `--format` of every command that has
/// one (`quarantine show` always prints JSON, so its failures are JSON too).
fn error_format(command: &Command) -> ErrorFormat {
    let plain = |format: Format| match format {
        Format::Text => ErrorFormat::Text,
        Format::Json => ErrorFormat::Json,
    };
    let report = |format: ReportFormat| match format {
        ReportFormat::Text => ErrorFormat::Text,
        ReportFormat::Json => ErrorFormat::Json,
        ReportFormat::Sarif => ErrorFormat::Sarif,
    };
    match command {
        Command::Key(KeyCommand::Generate(args)) => plain(args.format),
        Command::Digest(args) => plain(args.format),
        Command::Sign(args) => plain(args.format),
        Command::Verify(args) => plain(args.format),
        Command::Scan(args) => report(args.format),
        Command::Check(args) => report(args.format),
        Command::Audit(AuditCommand::Verify(args)) => plain(args.format),
        Command::Quarantine(QuarantineCommand::List(args)) => plain(args.format),
        Command::Quarantine(QuarantineCommand::Show(_)) => ErrorFormat::Json,
        Command::Sbom(SbomCommand::Validate(args)) => plain(args.format),
        Command::Sbom(SbomCommand::Diff(args)) => plain(args.format),
        Command::Sbom(SbomCommand::Audit(args)) => plain(args.format),
        Command::Audit(_)
        | Command::Quarantine(_)
        | Command::Sbom(SbomCommand::Create(_))
        | Command::Completions(_)
        | Command::Man(_) => ErrorFormat::Text,
    }
}

/// The `--format` of a command line clap refused, read from the raw arguments (`--format
/// json`, `--format=json`): the last one wins, as clap would have decided.
fn requested_format(args: impl IntoIterator<Item = std::ffi::OsString>) -> ErrorFormat {
    let mut format = ErrorFormat::Text;
    let mut next_is_format = false;
    for arg in args {
        let value = if next_is_format {
            next_is_format = false;
            Some(arg)
        } else if arg == "--format" {
            next_is_format = true;
            None
        } else {
            arg.to_str()
                .and_then(|a| a.strip_prefix("--format="))
                .map(std::ffi::OsString::from)
        };
        match value.as_ref().and_then(|v| v.to_str()) {
            Some("json") => format = ErrorFormat::Json,
            Some("sarif") => format = ErrorFormat::Sarif,
            Some(_) => format = ErrorFormat::Text,
            None => {}
        }
    }
    format
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_requested_format_is_read_from_a_refused_command_line() {
        let args = |a: &[&str]| a.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert_eq!(
            requested_format(args(&["modelseal", "scan", "--format", "json", "--bogus"])),
            ErrorFormat::Json
        );
        assert_eq!(
            requested_format(args(&["modelseal", "scan", "--format=sarif"])),
            ErrorFormat::Sarif
        );
        assert_eq!(
            requested_format(args(&["modelseal", "scan", "--bogus"])),
            ErrorFormat::Text
        );
    }
}
