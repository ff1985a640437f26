//! Progress on stderr while models are hashed: a byte bar with throughput and ETA, where
//! someone is watching. stdout (the data) is never touched. The libraries only count
//! ([`ByteProgress`]); drawing is here.
//!
//! Shown when stderr is a terminal, without `-q` and without a machine format on stdout
//! (`--format json|sarif`: whoever reads the JSON reads logs too). `MODELSEAL_PROGRESS`
//! overrides: `always` draws on stderr even when it is not a terminal (for a log that wants
//! it, and for the tests), `never` never draws.

use std::io::{IsTerminal as _, Write as _};
use std::sync::Arc;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};
use modelseal_digest::ByteProgress;

use crate::render::Out;

/// The environment variable that overrides when progress is drawn.
pub const ENV: &str = "MODELSEAL_PROGRESS";

/// When to draw, as `MODELSEAL_PROGRESS` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum When {
    /// On a terminal, for humans (the default, and any value not understood).
    Auto,
    Always,
    Never,
}

fn when() -> When {
    match std::env::var(ENV).as_deref() {
        Ok("always") => When::Always,
        Ok("never") => When::Never,
        _ => When::Auto,
    }
}

/// A byte bar for one command (`verb` names it: "hashing", "verifying"), or `None` when
/// nobody should see one. `machine` is whether stdout carries JSON or SARIF.
pub fn bytes(verb: &str, out: &Out, machine: bool) -> Option<Arc<Bar>> {
    // Built whole before anything is drawn: `set_*` would draw a bar with no total yet.
    let bar = ProgressBar::with_draw_target(None, target(out, machine)?)
        .with_style(style(
            "{msg} {wide_bar} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ETA {eta}",
        ))
        .with_message(verb.to_owned());
    Some(Arc::new(Bar {
        bar,
        total_fixed: false,
    }))
}

/// `check`'s bar over all models: bytes of `total_bytes` (each verification reports what it
/// hashes), and the models done in the message (set by the caller).
pub fn models(total_bytes: u64, out: &Out, machine: bool) -> Option<Arc<Bar>> {
    let bar = ProgressBar::with_draw_target(Some(total_bytes), target(out, machine)?).with_style(
        style(
            "{bar:30} {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} ETA {eta}  {wide_msg}",
        ),
    );
    Some(Arc::new(Bar {
        bar,
        total_fixed: true,
    }))
}

/// Whether a bar would be drawn at all (before measuring what it would count).
pub fn wanted(out: &Out, machine: bool) -> bool {
    match when() {
        When::Never => false,
        When::Always => true,
        When::Auto => !out.is_quiet() && !machine && std::io::stderr().is_terminal(),
    }
}

/// Whether the user asked for progress whatever the run (`MODELSEAL_PROGRESS=always`).
pub fn forced() -> bool {
    when() == When::Always
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar())
}

fn target(out: &Out, machine: bool) -> Option<ProgressDrawTarget> {
    if !wanted(out, machine) {
        return None;
    }
    Some(if forced() {
        ProgressDrawTarget::term_like(Box::new(ForcedStderr))
    } else {
        ProgressDrawTarget::stderr()
    })
}

/// A progress bar the libraries report hashed bytes to.
#[derive(Debug)]
pub struct Bar {
    bar: ProgressBar,
    /// The length was set for the whole run (`check`): a verification's own total does not
    /// replace it.
    total_fixed: bool,
}

impl Bar {
    /// The drawn bar (for `check`'s model count and position).
    pub fn bar(&self) -> &ProgressBar {
        &self.bar
    }

    /// Clears the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// An error ends the command with the bar still up: it is cleared, not left half drawn above
/// the message.
impl Drop for Bar {
    fn drop(&mut self) {
        if !self.bar.is_finished() {
            self.bar.finish_and_clear();
        }
    }
}

/// What a library reports bytes to: the bar, or nothing.
pub fn reporter(bar: Option<&Arc<Bar>>) -> &dyn ByteProgress {
    match bar {
        Some(bar) => bar.as_ref(),
        None => &modelseal_digest::NoProgress,
    }
}

/// The bar as a verification's [`modelseal_sign::VerifyOptions::progress`].
pub fn shared(bar: Option<&Arc<Bar>>) -> Option<Arc<dyn ByteProgress>> {
    bar.map(|bar| Arc::clone(bar) as Arc<dyn ByteProgress>)
}

impl ByteProgress for Bar {
    fn start(&self, total: u64) {
        if !self.total_fixed {
            self.bar.set_length(total);
        }
        // Drawn at once: a bar that first appears after the first chunk says nothing for
        // the time a large file takes to open.
        self.bar.tick();
    }

    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
    }
}

/// stderr drawn as a terminal whether or not it is one (`MODELSEAL_PROGRESS=always`).
#[derive(Debug)]
struct ForcedStderr;

impl ForcedStderr {
    fn write(s: &str) -> std::io::Result<()> {
        std::io::stderr().write_all(s.as_bytes())
    }
}

impl TermLike for ForcedStderr {
    fn width(&self) -> u16 {
        100
    }

    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        Self::write(&format!("\x1b[{n}A"))
    }

    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        Self::write(&format!("\x1b[{n}B"))
    }

    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        Self::write(&format!("\x1b[{n}C"))
    }

    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        Self::write(&format!("\x1b[{n}D"))
    }

    fn write_line(&self, s: &str) -> std::io::Result<()> {
        Self::write(&format!("{s}\n"))
    }

    fn write_str(&self, s: &str) -> std::io::Result<()> {
        Self::write(s)
    }

    fn clear_line(&self) -> std::io::Result<()> {
        Self::write("\r\x1b[2K")
    }

    fn flush(&self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
