//! Settings a command line may leave out, taken from environment variables and then from a
//! config file: flags > environment > config file (docs/config.md).
//!
//! They are handed to clap as the arguments' default values, so clap's own order (command
//! line, then default) gives the precedence and `--help` shows what a command would use. The
//! trust (a public key or certificate roots, one of two flags) is filled in after parsing
//! instead: a default for one of the two would collide with the other given on the command
//! line.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use clap::builder::Resettable;
use clap::parser::ValueSource;
use clap::{ArgMatches, ValueEnum as _};
use serde::Deserialize;

use crate::cli::{Cli, Command, FailOn, IdentityArgs, QuarantineCommand};
use crate::exit::{Exit, Failure};
use crate::render::{self, Out};

/// The file looked for in the current directory and its ancestors, up to the repository root.
pub const PROJECT_FILE: &str = "modelseal.toml";
/// A config file is a few lines; anything near this bound is not one.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// The config file's keys; anything else is refused, so a misspelt key is never ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileSettings {
    /// The private key `sign` uses.
    key: Option<PathBuf>,
    trust: Option<FileTrust>,
    policy: Option<PathBuf>,
    fail_on: Option<String>,
    quarantine: Option<PathBuf>,
    audit_log: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct FileTrust {
    key: Option<PathBuf>,
    certificate_chain: Option<Vec<PathBuf>>,
    certificate_identity: Option<String>,
    certificate_identity_regexp: Option<String>,
    certificate_oidc_issuer: Option<String>,
    certificate_oidc_issuer_regexp: Option<String>,
}

/// Whom a certificate chain's signing certificate must name (the `--certificate-identity…`
/// flags): a chain from the environment or a config file is usable without flags only with
/// these, as on the command line.
#[derive(Debug, Default, Clone)]
struct IdentityPins {
    identity: Option<String>,
    identity_regexp: Option<String>,
    oidc_issuer: Option<String>,
    oidc_issuer_regexp: Option<String>,
}

impl IdentityPins {
    fn from_env() -> IdentityPins {
        IdentityPins {
            identity: env_string("MODELSEAL_CERTIFICATE_IDENTITY"),
            identity_regexp: env_string("MODELSEAL_CERTIFICATE_IDENTITY_REGEXP"),
            oidc_issuer: env_string("MODELSEAL_CERTIFICATE_OIDC_ISSUER"),
            oidc_issuer_regexp: env_string("MODELSEAL_CERTIFICATE_OIDC_ISSUER_REGEXP"),
        }
    }

    fn is_empty(&self) -> bool {
        self.identity.is_none()
            && self.identity_regexp.is_none()
            && self.oidc_issuer.is_none()
            && self.oidc_issuer_regexp.is_none()
    }

    /// Fills the identity flags the command line left out (none of them given: the pins come
    /// whole from one place, never mixed with flags).
    fn fill(&self, args: &mut IdentityArgs) {
        if !args.any() {
            args.certificate_identity.clone_from(&self.identity);
            args.certificate_identity_regexp
                .clone_from(&self.identity_regexp);
            args.certificate_oidc_issuer.clone_from(&self.oidc_issuer);
            args.certificate_oidc_issuer_regexp
                .clone_from(&self.oidc_issuer_regexp);
        }
    }
}

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Origin {
    Env(&'static str),
    File(&'static str),
}

#[derive(Debug, Clone)]
struct Setting<T> {
    value: T,
    origin: Origin,
}

/// What signatures must verify with, when no flag says.
#[derive(Debug, Clone)]
enum Trust {
    Key(PathBuf),
    Chain(Vec<PathBuf>, IdentityPins),
    /// Two settings of the same rank name different trust: refused when it would be used.
    Conflict(String),
}

/// One value-taking argument that a setting supplies, by subcommand path and argument id.
struct Target {
    path: &'static [&'static str],
    arg: &'static str,
}

const KEY_TARGETS: &[Target] = &[Target {
    path: &["sign"],
    arg: "key",
}];
const SCAN_COMMANDS: &[&[&str]] = &[&["scan"], &["check"], &["quarantine", "release"]];
const TRUST_COMMANDS: &[&[&str]] = &[&["verify"], &["check"], &["quarantine", "release"]];
const AUDIT_COMMANDS: &[&[&str]] = &[
    &["sign"],
    &["verify"],
    &["scan"],
    &["check"],
    &["quarantine", "release"],
];

/// A settings failure held until the command is known.
#[derive(Debug)]
enum Deferred {
    /// The config file is unreadable or malformed: fatal for commands that take settings.
    File(Failure),
    /// `MODELSEAL_FAIL_ON` or `fail-on` is no severity: fatal where `--fail-on` is not given.
    FailOn(Failure),
}

/// Environment and config-file settings, resolved (environment first) but not yet applied.
#[derive(Debug, Default)]
pub struct Settings {
    /// The config file read, if any (absolute).
    file: Option<PathBuf>,
    /// Whether that file was found by looking (not named by `--config` or `MODELSEAL_CONFIG`).
    discovered: bool,
    /// A failure to report only if the command turns out to need what failed.
    deferred: Option<Deferred>,
    key: Option<Setting<PathBuf>>,
    trust: Option<Setting<Trust>>,
    policy: Option<Setting<PathBuf>>,
    fail_on: Option<Setting<String>>,
    quarantine: Option<Setting<PathBuf>>,
    audit_log: Option<Setting<PathBuf>>,
}

impl Settings {
    /// Reads the environment and the config file the command line names (`--config`,
    /// `--no-config`, found in `args` before clap runs) or that is found.
    pub fn load(args: &[OsString]) -> Result<Settings, Failure> {
        let choice = ConfigChoice::of(args);
        let cwd = std::env::current_dir().unwrap_or_default();
        let named = match choice {
            ConfigChoice::None => return Self::with_file(None, false),
            ConfigChoice::Named(path) => Some(cwd.join(path)),
            ConfigChoice::Look => env_path("MODELSEAL_CONFIG").map(|path| cwd.join(path)),
        };
        let discovered = named.is_none();
        let path = named.or_else(|| discover(&cwd, user_config_dir().as_deref()));
        Self::with_file(path, discovered)
    }

    /// Settings from the environment, then from the config file at `path`, if any.
    fn with_file(path: Option<PathBuf>, discovered: bool) -> Result<Settings, Failure> {
        let file = match &path {
            Some(path) => parse_file(path)?,
            None => FileSettings::default(),
        };
        let base = path
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let from_file = |value: Option<PathBuf>, key: &'static str| {
            value.map(|v| Setting {
                value: base.join(v),
                origin: Origin::File(key),
            })
        };
        let path_setting = |var: &'static str, file_value: Option<PathBuf>, key: &'static str| {
            env_path(var)
                .map(|value| Setting {
                    value,
                    origin: Origin::Env(var),
                })
                .or_else(|| from_file(file_value, key))
        };
        let fail_on = match env_string("MODELSEAL_FAIL_ON") {
            Some(value) => Some(Setting {
                value,
                origin: Origin::Env("MODELSEAL_FAIL_ON"),
            }),
            None => file.fail_on.map(|value| Setting {
                value,
                origin: Origin::File("fail-on"),
            }),
        };
        // An unknown severity is an error only where it would be used: a `--fail-on` flag
        // outranks it, and commands without `--fail-on` never look (flags > env > config).
        let mut deferred = None;
        let fail_on = match fail_on {
            Some(setting) if FailOn::from_str(&setting.value, false).is_err() => {
                deferred = Some(Deferred::FailOn(Failure::new(
                    if matches!(setting.origin, Origin::Env(_)) {
                        Exit::Usage
                    } else {
                        Exit::Malformed
                    },
                    format!(
                        "{}: fail-on {:?} is none of info, low, medium, high, critical",
                        describe(&setting.origin, path.as_deref()),
                        setting.value
                    ),
                )));
                None
            }
            other => other,
        };
        let trust = env_trust().or_else(|| file_trust(file.trust, &base, path.as_deref()));
        Ok(Settings {
            key: path_setting("MODELSEAL_KEY", file.key, "key"),
            policy: path_setting("MODELSEAL_POLICY", file.policy, "policy"),
            quarantine: path_setting("MODELSEAL_QUARANTINE", file.quarantine, "quarantine"),
            audit_log: path_setting("MODELSEAL_AUDIT_LOG", file.audit_log, "audit-log"),
            fail_on,
            trust,
            file: path,
            discovered,
            deferred,
        })
    }

    /// Settings when the config file could not be read: none, and the failure kept for the
    /// commands that take settings. `--help`, `--version`, `digest`, `completions` and the
    /// rest still run, so a broken config can be looked into and fixed.
    pub fn unreadable(failure: Failure) -> Settings {
        Settings {
            deferred: Some(Deferred::File(failure)),
            ..Settings::default()
        }
    }

    /// The clap definition with every setting as its arguments' default.
    pub fn apply(&self, mut command: clap::Command) -> clap::Command {
        let path_defaults = [
            (
                &self.key,
                KEY_TARGETS.iter().map(|t| (t.path, t.arg)).collect(),
            ),
            (&self.policy, targets(SCAN_COMMANDS, "policy")),
            (&self.quarantine, vec![(&["check"][..], "quarantine")]),
        ];
        for (setting, targets) in path_defaults {
            if let Some(setting) = setting {
                for (path, arg) in targets {
                    command = default_at(command, path, arg, setting.value.as_os_str());
                }
            }
        }
        if let Some(setting) = &self.fail_on {
            for (path, arg) in targets(SCAN_COMMANDS, "fail_on") {
                command = default_at(command, path, arg, OsStr::new(&setting.value));
            }
        }
        if let Some(setting) = &self.audit_log {
            for (path, arg) in targets(AUDIT_COMMANDS, "audit_log") {
                command = default_at(command, path, arg, setting.value.as_os_str());
                // `--audit-key` requires a log; clap counts only a log given on the command
                // line, so the requirement moves to the configured one.
                command = at(command, path, |c| {
                    c.mut_arg("audit_key", |a| a.requires(Resettable::Reset))
                });
            }
        }
        // With an unreadable config file, a missing trust flag must not hide why: settle()
        // reports the file's failure instead of clap's "--key is required".
        if self.trust.is_some() || matches!(self.deferred, Some(Deferred::File(_))) {
            for path in TRUST_COMMANDS {
                command = at(command, path, |c| {
                    c.mut_group("trust", |g| g.required(false))
                });
            }
        }
        command
    }

    /// Fills in the trust the command line left out and says which config-file settings the
    /// command uses (so a file planted in a directory never changes a verdict unseen).
    pub fn settle(&self, cli: &mut Cli, matches: &ArgMatches, out: &Out) -> Result<(), Failure> {
        let leaf = leaf(matches);
        match &self.deferred {
            Some(Deferred::File(failure)) if takes_settings(&cli.command) => {
                return Err(Failure::new(failure.exit, failure.message.clone()));
            }
            Some(Deferred::File(failure)) => {
                out.note(&format!(
                    "warning: {} (this command takes no settings: going on)",
                    failure.message
                ));
            }
            Some(Deferred::FailOn(failure))
                if leaf.try_get_raw("fail_on").is_ok()
                    && leaf.value_source("fail_on") != Some(ValueSource::CommandLine) =>
            {
                return Err(Failure::new(failure.exit, failure.message.clone()));
            }
            _ => {}
        }
        let mut used = Vec::new();
        if let Some((key, chain, identity)) = trust_args(&mut cli.command)
            && key.is_none()
            && chain.is_empty()
        {
            let Some(setting) = &self.trust else {
                return Err(Failure::usage(
                    "give --key PUB or --certificate-chain PEM (or set MODELSEAL_TRUST, MODELSEAL_CERTIFICATE_CHAIN, or [trust] in the config file)",
                ));
            };
            match &setting.value {
                Trust::Key(path) => *key = Some(path.clone()),
                Trust::Chain(paths, pins) => {
                    chain.clone_from(paths);
                    pins.fill(identity);
                }
                Trust::Conflict(message) => return Err(Failure::usage(message.clone())),
            }
            if let Origin::File(name) = setting.origin {
                used.push(name);
            }
        }
        let defaults = [
            ("key", self.key.as_ref().map(|s| &s.origin)),
            ("policy", self.policy.as_ref().map(|s| &s.origin)),
            ("fail_on", self.fail_on.as_ref().map(|s| &s.origin)),
            ("quarantine", self.quarantine.as_ref().map(|s| &s.origin)),
            ("audit_log", self.audit_log.as_ref().map(|s| &s.origin)),
        ];
        for (id, origin) in defaults {
            if let Some(Origin::File(name)) = origin
                && leaf.try_get_raw(id).is_ok_and(|v| v.is_some())
                && leaf.value_source(id) == Some(ValueSource::DefaultValue)
            {
                used.push(name);
            }
        }
        if let (Some(file), false) = (&self.file, used.is_empty()) {
            if self.discovered
                && let Some(input) = came_with_an_input(file, &cli.command)
            {
                return Err(Failure::usage(format!(
                    "refusing {}: it was found by looking and sits with {}, the input, so whoever ships the input would choose its {}; name a config with --config, or pass --no-config",
                    render::path(file),
                    render::path(&input),
                    used.join(", ")
                ))
                .at(file));
            }
            out.note(&format!(
                "note: {} from {}",
                used.join(", "),
                render::path(file)
            ));
        }
        Ok(())
    }
}

/// What the command line says about config files, read before clap runs (clap needs the
/// settings to build its definition). A `--` ends the options, as for clap.
enum ConfigChoice {
    Look,
    None,
    Named(PathBuf),
}

impl ConfigChoice {
    fn of(args: &[OsString]) -> ConfigChoice {
        let mut choice = ConfigChoice::Look;
        let mut args = args.iter().skip(1);
        while let Some(arg) = args.next() {
            let Some(text) = arg.to_str() else { continue };
            match text {
                "--" => break,
                "--no-config" => return ConfigChoice::None,
                "--config" => {
                    if let Some(path) = args.next() {
                        choice = ConfigChoice::Named(PathBuf::from(path));
                    }
                }
                _ => {
                    if let Some(path) = text.strip_prefix("--config=") {
                        choice = ConfigChoice::Named(PathBuf::from(path));
                    }
                }
            }
        }
        choice
    }
}

/// `modelseal.toml` in `start` or an ancestor, stopping at the repository root (a directory
/// holding `.git`, a directory or a worktree's file); else the user's config file, if any.
fn discover(start: &Path, user_dir: Option<&Path>) -> Option<PathBuf> {
    for dir in start.ancestors() {
        let candidate = dir.join(PROJECT_FILE);
        if modelseal_fs::exists(&candidate) {
            return Some(candidate);
        }
        if modelseal_fs::exists(&dir.join(".git")) {
            break;
        }
    }
    let user = user_dir?.join("modelseal").join("config.toml");
    modelseal_fs::exists(&user).then_some(user)
}

/// `$XDG_CONFIG_HOME`, else `~/.config` (also on macOS, as most command-line tools do), else
/// `%APPDATA%` on Windows.
fn user_config_dir() -> Option<PathBuf> {
    if let Some(dir) = env_path("XDG_CONFIG_HOME").filter(|d| d.is_absolute()) {
        return Some(dir);
    }
    if cfg!(windows) {
        return env_path("APPDATA");
    }
    env_path("HOME").map(|home| home.join(".config"))
}

fn parse_file(path: &Path) -> Result<FileSettings, Failure> {
    let text = modelseal_fs::read_to_string_limited(path, MAX_CONFIG_BYTES).map_err(|e| {
        let mut failure = Failure::from(e);
        failure.message = format!("config file: {}", failure.message);
        failure
    })?;
    toml::from_str(&text).map_err(|e| {
        let place = e.span().map_or_else(String::new, |span| {
            // Bytes, not a `str` slice: a span inside a multi-byte character must not panic.
            let before = &text.as_bytes()[..span.start.min(text.len())];
            let line_start = before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |i| i + 1);
            let line = before.split(|b| *b == b'\n').count();
            let column = String::from_utf8_lossy(&before[line_start..])
                .chars()
                .count()
                + 1;
            format!(" line {line}, column {column}:")
        });
        Failure::new(
            Exit::Malformed,
            format!(
                "config file {}:{place} {}",
                render::path(path),
                e.message().trim_end()
            ),
        )
    })
}

fn env_string(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.is_empty())
}

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn env_trust() -> Option<Setting<Trust>> {
    let key = env_path("MODELSEAL_TRUST");
    let chain = std::env::var_os("MODELSEAL_CERTIFICATE_CHAIN")
        .filter(|v| !v.is_empty())
        .map(|v| std::env::split_paths(&v).collect::<Vec<_>>());
    let (value, origin) = match (key, chain) {
        (Some(_), Some(_)) => (
            Trust::Conflict(
                "MODELSEAL_TRUST and MODELSEAL_CERTIFICATE_CHAIN are both set: unset one, or give --key or --certificate-chain"
                    .to_owned(),
            ),
            Origin::Env("MODELSEAL_TRUST"),
        ),
        (Some(_), None) if !IdentityPins::from_env().is_empty() => (
            Trust::Conflict(
                "MODELSEAL_CERTIFICATE_IDENTITY… pins apply to a certificate chain, and MODELSEAL_TRUST is a public key: unset one"
                    .to_owned(),
            ),
            Origin::Env("MODELSEAL_TRUST"),
        ),
        (Some(key), None) => (Trust::Key(key), Origin::Env("MODELSEAL_TRUST")),
        (None, Some(chain)) => (
            Trust::Chain(chain, IdentityPins::from_env()),
            Origin::Env("MODELSEAL_CERTIFICATE_CHAIN"),
        ),
        (None, None) => return None,
    };
    Some(Setting { value, origin })
}

fn file_trust(
    trust: Option<FileTrust>,
    base: &Path,
    file: Option<&Path>,
) -> Option<Setting<Trust>> {
    let trust = trust?;
    let pins = IdentityPins {
        identity: trust.certificate_identity,
        identity_regexp: trust.certificate_identity_regexp,
        oidc_issuer: trust.certificate_oidc_issuer,
        oidc_issuer_regexp: trust.certificate_oidc_issuer_regexp,
    };
    let (value, name) = match (trust.key, trust.certificate_chain) {
        (Some(_), Some(_)) => (
            Trust::Conflict(format!(
                "{}: [trust] has both key and certificate-chain: keep one",
                describe(&Origin::File("trust"), file)
            )),
            "trust",
        ),
        (Some(_), None) if !pins.is_empty() => (
            Trust::Conflict(format!(
                "{}: [trust] pins a certificate identity but trusts a public key: identity pins go with certificate-chain",
                describe(&Origin::File("trust"), file)
            )),
            "trust",
        ),
        (Some(key), None) => (Trust::Key(base.join(key)), "trust.key"),
        (None, Some(chain)) => (
            Trust::Chain(chain.into_iter().map(|p| base.join(p)).collect(), pins),
            "trust.certificate-chain",
        ),
        (None, None) => return None,
    };
    Some(Setting {
        value,
        origin: Origin::File(name),
    })
}

fn describe(origin: &Origin, file: Option<&Path>) -> String {
    match (origin, file) {
        (Origin::Env(var), _) => var.to_string(),
        (Origin::File(_), Some(file)) => format!("config file {}", render::path(file)),
        (Origin::File(key), None) => (*key).to_owned(),
    }
}

fn targets(
    commands: &'static [&'static [&'static str]],
    arg: &'static str,
) -> Vec<(&'static [&'static str], &'static str)> {
    commands.iter().map(|path| (*path, arg)).collect()
}

/// Changes the subcommand at `path`.
fn at(
    command: clap::Command,
    path: &[&str],
    f: impl FnOnce(clap::Command) -> clap::Command,
) -> clap::Command {
    match path {
        [] => f(command),
        [first, rest @ ..] => command.mut_subcommand(first, |sub| at(sub, rest, f)),
    }
}

fn default_at(command: clap::Command, path: &[&str], arg: &str, value: &OsStr) -> clap::Command {
    let value = value.to_owned();
    at(command, path, |c| {
        c.mut_arg(arg, |a| a.default_value(value).required(false))
    })
}

/// The trust arguments of the command, if it takes them.
/// The trust flags of a command that verifies: key, certificate roots, identity pins.
type TrustFlags<'a> = (
    &'a mut Option<PathBuf>,
    &'a mut Vec<PathBuf>,
    &'a mut IdentityArgs,
);

fn trust_args(command: &mut Command) -> Option<TrustFlags<'_>> {
    match command {
        Command::Verify(args) => Some((
            &mut args.key,
            &mut args.certificate_chain,
            &mut args.identity,
        )),
        Command::Check(args) => Some((
            &mut args.trust.key,
            &mut args.trust.certificate_chain,
            &mut args.identity,
        )),
        Command::Quarantine(QuarantineCommand::Release(args)) => Some((
            &mut args.trust.key,
            &mut args.trust.certificate_chain,
            &mut args.identity,
        )),
        _ => None,
    }
}

/// Whether a command takes any setting an environment variable or config file can supply.
fn takes_settings(command: &Command) -> bool {
    matches!(
        command,
        Command::Sign(_)
            | Command::Verify(_)
            | Command::Scan(_)
            | Command::Check(_)
            | Command::Quarantine(QuarantineCommand::Release(_))
    )
}

/// The input a discovered config file came with: one inside an input directory, or beside
/// an input file. A model downloaded with a `modelseal.toml` in it must not pick the key
/// that verifies it, nor weaken the scan policy that judges it.
fn came_with_an_input(file: &Path, command: &Command) -> Option<PathBuf> {
    let inputs: Vec<&PathBuf> = match command {
        Command::Sign(args) => vec![&args.model],
        Command::Verify(args) => vec![&args.model],
        Command::Scan(args) => args.paths.iter().collect(),
        Command::Check(args) => args.paths.iter().chain(&args.models_root).collect(),
        _ => Vec::new(),
    };
    let file = modelseal_fs::canonicalize(file).ok()?;
    inputs.into_iter().find_map(|input| {
        let resolved = modelseal_fs::canonicalize(input).ok()?;
        let holder = if modelseal_fs::metadata(&resolved).is_ok_and(|m| m.is_dir()) {
            resolved
        } else {
            resolved.parent()?.to_path_buf()
        };
        file.starts_with(&holder).then(|| input.clone())
    })
}

/// The matches of the subcommand that runs.
fn leaf(matches: &ArgMatches) -> &ArgMatches {
    match matches.subcommand() {
        Some((_, sub)) => leaf(sub),
        None => matches,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    fn setting<T>(value: T) -> Setting<T> {
        Setting {
            value,
            origin: Origin::File("x"),
        }
    }

    #[test]
    fn every_setting_applies_to_arguments_that_exist() {
        // `mut_arg` on a missing argument panics: every target must name a real one.
        let settings = Settings {
            file: None,
            discovered: false,
            deferred: None,
            key: Some(setting(PathBuf::from("/k"))),
            trust: Some(setting(Trust::Key(PathBuf::from("/k.pub")))),
            policy: Some(setting(PathBuf::from("/p.toml"))),
            fail_on: Some(setting("medium".to_owned())),
            quarantine: Some(setting(PathBuf::from("/q"))),
            audit_log: Some(setting(PathBuf::from("/a.jsonl"))),
        };
        settings.apply(Cli::command()).debug_assert();
    }

    #[test]
    fn a_project_file_is_found_up_to_the_repository_root_only() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        let deep = repo.join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir(repo.join(".git")).unwrap();
        // Above the repository root: never read.
        std::fs::write(dir.path().join(PROJECT_FILE), "").unwrap();
        assert_eq!(discover(&deep, None), None);
        std::fs::write(repo.join(PROJECT_FILE), "").unwrap();
        assert_eq!(discover(&deep, None), Some(repo.join(PROJECT_FILE)));
        std::fs::write(deep.join(PROJECT_FILE), "").unwrap();
        assert_eq!(discover(&deep, None), Some(deep.join(PROJECT_FILE)));
    }

    #[test]
    fn the_user_file_is_the_fallback() {
        let dir = tempfile::tempdir().unwrap();
        let user = dir.path().join("xdg");
        std::fs::create_dir_all(user.join("modelseal")).unwrap();
        let start = dir.path().join("work");
        std::fs::create_dir_all(start.join(".git")).unwrap();
        assert_eq!(discover(&start, Some(&user)), None);
        std::fs::write(user.join("modelseal/config.toml"), "").unwrap();
        assert_eq!(
            discover(&start, Some(&user)),
            Some(user.join("modelseal/config.toml"))
        );
    }

    #[test]
    fn a_malformed_file_is_located_by_line_and_character() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(PROJECT_FILE);
        std::fs::write(&path, "policy = \"é\"\n  fail-on = 3\n").unwrap();
        let failure = parse_file(&path).unwrap_err();
        assert_eq!(failure.exit, Exit::Malformed);
        assert!(
            failure.message.contains("line 2, column 13:"),
            "{}",
            failure.message
        );
        std::fs::write(&path, "[trust]\n\"kéy\" = 1\n").unwrap();
        let failure = parse_file(&path).unwrap_err();
        assert!(
            failure.message.contains("line 2, column 1:"),
            "{}",
            failure.message
        );
        assert!(
            failure.message.contains("unknown field"),
            "{}",
            failure.message
        );
    }

    #[test]
    fn config_flags_are_read_before_clap() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert!(matches!(
            ConfigChoice::of(&args(&["m", "verify", "--config", "c.toml"])),
            ConfigChoice::Named(p) if p == Path::new("c.toml")
        ));
        assert!(matches!(
            ConfigChoice::of(&args(&["m", "--config=c.toml", "scan"])),
            ConfigChoice::Named(_)
        ));
        assert!(matches!(
            ConfigChoice::of(&args(&["m", "scan", "--no-config"])),
            ConfigChoice::None
        ));
        assert!(matches!(
            ConfigChoice::of(&args(&["m", "scan", "--", "--no-config"])),
            ConfigChoice::Look
        ));
    }
}
