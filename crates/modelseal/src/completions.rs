//! `modelseal completions SHELL` and `modelseal man`: both generated at run time from the
//! clap definition, so they never drift from the binary and cost no build script.

use std::path::Path;

use clap::CommandFactory as _;
use modelseal_fs::{Overwrite, write_atomic};

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::exit::{Exit, Failure};
use crate::render::Out;

pub fn completions(args: &CompletionsArgs, out: &Out) {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "modelseal", &mut script);
    out.text(&String::from_utf8_lossy(&script));
}

pub fn man(args: &ManArgs, out: &Out) -> Result<Exit, Failure> {
    let mut command = Cli::command().disable_help_subcommand(true);
    // Building names every subcommand `modelseal-key-generate`, the page names man expects.
    command.build();
    let Some(dir) = &args.output else {
        out.text(&String::from_utf8_lossy(&render(&command)?));
        return Ok(Exit::Ok);
    };
    if !dir.is_dir() {
        // Missing: create it first (3). There but not a directory: nothing can be written
        // into it (74, an output not written).
        let exists = modelseal_fs::exists(dir);
        return Err(Failure::new(
            if exists { Exit::Output } else { Exit::NotFound },
            format!(
                "{} is not a directory{}",
                crate::render::path(dir),
                if exists { "" } else { ": create it first" }
            ),
        )
        .at(dir));
    }
    let mut written = Vec::new();
    write_pages(&command, dir, &mut written)?;
    out.note(&format!(
        "Wrote {} manual pages into {}",
        written.len(),
        crate::render::path(dir)
    ));
    Ok(Exit::Ok)
}

/// Writes `command`'s page and its subcommands' pages (hidden ones left out).
fn write_pages(
    command: &clap::Command,
    dir: &Path,
    written: &mut Vec<std::path::PathBuf>,
) -> Result<(), Failure> {
    let page = clap_mangen::Man::new(command.clone());
    let path = dir.join(page.get_filename());
    write_atomic(&path, &render(command)?, Overwrite::Replace, Some(0o644))?;
    written.push(path);
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        write_pages(sub, dir, written)?;
    }
    Ok(())
}

fn render(command: &clap::Command) -> Result<Vec<u8>, Failure> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone())
        .render(&mut page)
        .map_err(|e| {
            Failure::new(
                Exit::Internal,
                format!("cannot render the manual page: {e}"),
            )
        })?;
    Ok(page)
}
