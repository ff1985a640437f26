//! Command-line arguments (clap derive). Nothing here does work; see `commands`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::help;

const EXIT_CODES: &str = "\
Exit codes:
  0   everything checked passed
  1   integrity failure: signature invalid, digest or size mismatch, untrusted key
  2   threat found by a scan at or above the failing severity
  3   input not found
  4   input malformed or unsupported (truncated file, bad JSON, unknown format)
  64  usage error
  70  internal error (a bug)
  74  an output could not be written (a full disk; a closed pipe is not an error)";

/// Secure the supply chain of machine-learning models: sign and verify models in the OpenSSF
/// Model Signing (OMS) format, fast and offline.
#[derive(Debug, Parser)]
#[command(name = "modelseal", version, about, long_about = help::MODELSEAL_LONG, after_help = EXIT_CODES, after_long_help = help::MODELSEAL_AFTER, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Print only results and errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Take settings from this config file instead of looking for `modelseal.toml` (from the
    /// current directory up to the repository root), then the user's
    /// `~/.config/modelseal/config.toml` [env: `MODELSEAL_CONFIG`].
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Read no config file (environment variables still apply).
    #[arg(long, global = true)]
    pub no_config: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage signing keys.
    #[command(subcommand, long_about = help::KEY_LONG, after_long_help = help::KEY_AFTER)]
    Key(KeyCommand),
    /// Print a model's OMS root digest (what `model_signing` computes for the same model).
    #[command(long_about = help::DIGEST_LONG, after_long_help = help::DIGEST_AFTER)]
    Digest(DigestArgs),
    /// Sign a model file or directory, writing an OMS signature (Sigstore bundle).
    #[command(long_about = help::SIGN_LONG, after_long_help = help::SIGN_AFTER)]
    Sign(SignArgs),
    /// Verify a model against its OMS signature.
    #[command(after_help = EXIT_CODES, long_about = help::VERIFY_LONG, after_long_help = help::VERIFY_AFTER)]
    Verify(VerifyArgs),
    /// Scan model files for code execution and tampering, without loading them.
    #[command(after_help = EXIT_CODES, long_about = help::SCAN_LONG, after_long_help = help::SCAN_AFTER)]
    Scan(ScanArgs),
    /// The deployment gate: verify each model's signature and scan every file of it.
    #[command(after_help = CHECK_EXIT_CODES, long_about = help::CHECK_LONG, after_long_help = help::CHECK_AFTER)]
    Check(CheckArgs),
    /// List, inspect and release quarantined models.
    #[command(subcommand, long_about = help::QUARANTINE_LONG, after_long_help = help::QUARANTINE_AFTER)]
    Quarantine(QuarantineCommand),
    /// Verify, prove and checkpoint a tamper-evident audit log.
    #[command(subcommand, long_about = help::AUDIT_LONG, after_long_help = help::AUDIT_AFTER)]
    Audit(AuditCommand),
    /// Software bills of materials: create, validate, diff, and audit against OSV data.
    #[command(subcommand, long_about = help::SBOM_LONG, after_long_help = help::SBOM_AFTER)]
    Sbom(SbomCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    #[command(long_about = help::COMPLETIONS_LONG, after_long_help = help::COMPLETIONS_AFTER)]
    Completions(CompletionsArgs),
    /// Write the manual pages (roff): every command's page into a directory, or the main page
    /// to stdout.
    #[command(long_about = help::MAN_LONG, after_long_help = help::MAN_AFTER)]
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write one page per command (`modelseal.1`, `modelseal-verify.1`, ...) into this
    /// directory, replacing pages already there [default: print `modelseal.1` to stdout].
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum SbomCommand {
    /// Write a bill of materials for Python environments, lockfiles, projects and models.
    #[command(long_about = help::SBOM_CREATE_LONG, after_long_help = help::SBOM_CREATE_AFTER)]
    Create(SbomCreateArgs),
    /// Compare two bills of materials (CycloneDX JSON/XML or SPDX JSON, in any mix).
    #[command(after_help = SBOM_DIFF_EXIT_CODES, long_about = help::SBOM_DIFF_LONG, after_long_help = help::SBOM_DIFF_AFTER)]
    Diff(SbomDiffArgs),
    /// Check documents against the CycloneDX 1.5/1.6 or SPDX 2.3 rules, and the official schemas
    /// when given.
    #[command(after_help = SBOM_VALIDATE_EXIT_CODES, long_about = help::SBOM_VALIDATE_LONG, after_long_help = help::SBOM_VALIDATE_AFTER)]
    Validate(SbomValidateArgs),
    /// Match a bill of materials against offline OSV vulnerability records.
    #[command(after_help = SBOM_AUDIT_EXIT_CODES, long_about = help::SBOM_AUDIT_LONG, after_long_help = help::SBOM_AUDIT_AFTER)]
    Audit(SbomAuditArgs),
}

const SBOM_VALIDATE_EXIT_CODES: &str = "\
Exit codes (when several apply, the lowest non-zero wins):
  0   every document is valid (warnings allowed)
  3   a document not found
  4   a document invalid, unreadable, or in no supported format";

#[derive(Debug, Args)]
pub struct SbomValidateArgs {
    /// CycloneDX JSON/XML or SPDX 2.3 JSON documents (the format is detected).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// A directory with the official JSON schemas (`bom-1.5.schema.json`,
    /// `bom-1.6.schema.json`, `spdx.schema.json`, `jsf-0.82.schema.json`,
    /// `spdx-2.3.schema.json`): JSON documents are also validated against them.
    #[arg(long, value_name = "DIR")]
    pub schema_dir: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

const SBOM_AUDIT_EXIT_CODES: &str = "\
Exit codes:
  0   no finding at or above --fail-on
  2   a finding at or above --fail-on
  3   the document or the OSV directory not found
  4   the document or an OSV record unreadable, or no records for PyPI, crates.io or npm";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum VulnerabilitySeverity {
    /// Never: report findings, exit 0 (issue 14: `none` used to mean "any finding").
    None,
    /// Any finding, also one without a known severity.
    Any,
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Args)]
pub struct SbomAuditArgs {
    /// The bill of materials (CycloneDX JSON/XML or SPDX JSON).
    pub sbom: PathBuf,
    /// OSV records as osv-scanner keeps them offline: `DIR/<Ecosystem>/all.zip` and/or loose
    /// `*.json` records (or one such file).
    #[arg(long, value_name = "DIR")]
    pub osv_dir: PathBuf,
    /// Exit 2 when a finding is at or above this severity (`any`: every finding, also an
    /// unrated one; `none`: never).
    #[arg(long, value_enum, default_value = "low")]
    pub fail_on: VulnerabilitySeverity,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

const SBOM_DIFF_EXIT_CODES: &str = "\
Exit codes:
  0   the documents list the same components, versions, licences and hashes
  1   they differ
  3   a document not found
  4   a document unreadable or in no known format";

#[derive(Debug, Args)]
pub struct SbomDiffArgs {
    /// The earlier document.
    pub old: PathBuf,
    /// The later document.
    pub new: PathBuf,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SbomFormat {
    CyclonedxJson,
    CyclonedxXml,
    /// SPDX 2.3 JSON (`--spec-version` does not apply).
    SpdxJson,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CycloneDxVersion {
    #[value(name = "1.5")]
    V1_5,
    #[value(name = "1.6")]
    V1_6,
}

#[derive(Debug, Args)]
pub struct SbomCreateArgs {
    /// What to inventory, each detected from its path: a virtualenv or site-packages, a
    /// lockfile or requirements file, a project directory holding one, a model file or
    /// directory.
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<PathBuf>,
    /// A virtualenv or a site-packages directory.
    #[arg(long, value_name = "PATH")]
    pub python_env: Vec<PathBuf>,
    /// A lockfile or requirements file, its kind told by its name (`uv.lock`, `poetry.lock`,
    /// `Pipfile.lock`, `pylock*.toml`, `requirements*.txt`, `Cargo.lock`, `package-lock.json`).
    #[arg(long, value_name = "FILE")]
    pub lockfile: Vec<PathBuf>,
    /// A model file or directory (a machine-learning-model component with a model card).
    #[arg(long, value_name = "PATH")]
    pub model: Vec<PathBuf>,
    /// The root component's name [default: the source's, or the current directory's].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    #[arg(long, value_enum, default_value = "cyclonedx-json")]
    pub format: SbomFormat,
    #[arg(long, value_enum, default_value = "1.6")]
    pub spec_version: CycloneDxVersion,
    /// Where to write the document [default: stdout].
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The document's timestamp (RFC 3339) [default: now]; fix it to make runs diff clean.
    #[arg(long, value_name = "RFC3339")]
    pub timestamp: Option<String>,
    /// Skip entries that cannot be read (with a warning) instead of failing: a partial SBOM.
    #[arg(long)]
    pub best_effort: bool,
}

const CHECK_EXIT_CODES: &str = "\
Exit codes (when several apply, the lowest non-zero wins):
  0   every model passed
  1   signature or integrity failure (also an unsigned model, unless --allow-unsigned)
  2   threat found at or above --fail-on
  3   model not found
  4   malformed or unreadable input
  64  usage error
  70  internal error (a bug)
  74  an output could not be written (a full disk; a closed pipe is not an error)";

/// What signatures must verify with: a key or certificate roots, one of them.
#[derive(Debug, Args)]
#[group(id = "trust", required = true, multiple = false)]
pub struct TrustArgs {
    /// Public key (PEM SubjectPublicKeyInfo) the signatures must verify with
    /// [env: `MODELSEAL_TRUST`] [config: trust.key].
    #[arg(long, value_name = "PUB")]
    pub key: Option<PathBuf>,
    /// Trusted root certificate(s), PEM (repeatable) [env: `MODELSEAL_CERTIFICATE_CHAIN`]
    /// [config: trust.certificate-chain].
    #[arg(long, value_name = "PEM")]
    pub certificate_chain: Vec<PathBuf>,
}

/// Whom a signing certificate must name (cosign's flags; not with `--key`). With `--certificate-chain`, one of
/// `--certificate-identity`, `--certificate-identity-regexp` or `--insecure-ignore-identity` is
/// required: a root vouches for every certificate it ever issued.
#[derive(Debug, Args)]
pub struct IdentityArgs {
    /// The signing certificate must have this email or URI subject alternative name (exact).
    #[arg(long, value_name = "NAME", conflicts_with = "key")]
    pub certificate_identity: Option<String>,
    /// Like --certificate-identity, a regular expression that must match a whole email or URI
    /// name (anchored: `alice@example\.com` does not match `malice@example.com.evil`).
    #[arg(
        long,
        value_name = "REGEX",
        conflicts_with_all = ["key", "certificate_identity"]
    )]
    pub certificate_identity_regexp: Option<String>,
    /// The signing certificate's Fulcio OIDC issuer extension must be present and be this
    /// (GitHub Actions: `https://token.actions.githubusercontent.com`).
    #[arg(long, value_name = "URL", conflicts_with = "key")]
    pub certificate_oidc_issuer: Option<String>,
    /// Like --certificate-oidc-issuer, a regular expression that must match the whole issuer.
    #[arg(
        long,
        value_name = "REGEX",
        conflicts_with_all = ["key", "certificate_oidc_issuer"]
    )]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// Accept any signing certificate the roots vouch for, whoever it names.
    #[arg(
        long,
        conflicts_with_all = ["key", "certificate_identity", "certificate_identity_regexp"]
    )]
    pub insecure_ignore_identity: bool,
}

impl IdentityArgs {
    /// Whether any identity flag is set (or filled in from the environment or a config file).
    pub fn any(&self) -> bool {
        self.certificate_identity.is_some()
            || self.certificate_identity_regexp.is_some()
            || self.certificate_oidc_issuer.is_some()
            || self.certificate_oidc_issuer_regexp.is_some()
            || self.insecure_ignore_identity
    }
}

/// How scan findings decide.
#[derive(Debug, Args)]
pub struct ScanPolicyArgs {
    /// TOML scan policy extending the allowlist or denying more [env: `MODELSEAL_POLICY`]
    /// [config: policy].
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// A finding at or above this severity fails the model (exit 2) [env: `MODELSEAL_FAIL_ON`]
    /// [config: fail-on].
    #[arg(long, value_enum, default_value = "high")]
    pub fail_on: FailOn,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Model files, model directories, or directories of models (a model is a file or
    /// directory with its signature, PATH.sig, beside it).
    #[arg(required_unless_present = "models_root")]
    pub paths: Vec<PathBuf>,
    /// A tree of models: every entry below DIR is a model (signed or not) or a tree itself.
    #[arg(long, value_name = "DIR")]
    pub models_root: Option<PathBuf>,
    #[command(flatten)]
    pub trust: TrustArgs,
    #[command(flatten)]
    pub identity: IdentityArgs,
    /// The signature of the model (one PATH only) [default: PATH.sig beside it].
    #[arg(long, value_name = "PATH")]
    pub signature: Option<PathBuf>,
    #[command(flatten)]
    pub scan: ScanPolicyArgs,
    /// Let a model without a signature pass with a warning. Without it an unsigned model
    /// fails (exit 1): a deployment gate fails closed.
    #[arg(long)]
    pub allow_unsigned: bool,
    /// Deprecated, no effect: unsigned models fail by default now (kept so that scripts
    /// written for the old opt-in still run).
    #[arg(long, hide = true, conflicts_with = "allow_unsigned")]
    pub strict: bool,
    /// Most bytes verification may hash; a model whose signed files hold more fails (exit 1)
    /// before any byte is hashed [default: a shard signature's signed total (sizes are also
    /// compared file by file first); no bound for a files signature].
    #[arg(long, value_name = "BYTES")]
    pub max_bytes: Option<u64>,
    /// A signature made for a model of another name (the name it records differs from this
    /// model's directory or file name) fails (exit 1) instead of warning: model_signing does
    /// not bind the name, so another model's signature copied beside it verifies.
    #[arg(long)]
    pub require_name_match: bool,
    /// Move every failing model into `DIR/<name>_<UTC time>/` with an incident report
    /// [env: `MODELSEAL_QUARANTINE`] [config: quarantine].
    #[arg(long, value_name = "DIR")]
    pub quarantine: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    #[command(flatten)]
    pub audit: AuditLogArgs,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process: the size does not matter
pub enum QuarantineCommand {
    /// List the incidents in a quarantine directory, oldest first.
    #[command(long_about = help::QUARANTINE_LIST_LONG, after_long_help = help::QUARANTINE_LIST_AFTER)]
    List(QuarantineListArgs),
    /// Print one incident report.
    #[command(long_about = help::QUARANTINE_SHOW_LONG, after_long_help = help::QUARANTINE_SHOW_AFTER)]
    Show(QuarantineShowArgs),
    /// Re-verify and re-scan a quarantined model and move it to --to if it now passes (or,
    /// with --force REASON, even if it does not; the reason is recorded).
    #[command(after_help = CHECK_EXIT_CODES, long_about = help::QUARANTINE_RELEASE_LONG, after_long_help = help::QUARANTINE_RELEASE_AFTER)]
    Release(QuarantineReleaseArgs),
}

#[derive(Debug, Args)]
pub struct QuarantineListArgs {
    pub dir: PathBuf,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct QuarantineShowArgs {
    pub dir: PathBuf,
    /// The incident's id, or a unique prefix of it (at least 4 characters).
    pub id: String,
}

#[derive(Debug, Args)]
pub struct QuarantineReleaseArgs {
    pub dir: PathBuf,
    /// The incident's id, or a unique prefix of it (at least 4 characters).
    pub id: String,
    /// Where the model goes (must not exist).
    #[arg(long, value_name = "PATH")]
    pub to: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
    #[command(flatten)]
    pub identity: IdentityArgs,
    #[command(flatten)]
    pub scan: ScanPolicyArgs,
    /// Release even though the model still fails; REASON is recorded in the incident and the
    /// audit log.
    #[arg(long, value_name = "REASON")]
    pub force: Option<String>,
    #[command(flatten)]
    pub audit: AuditLogArgs,
}

/// Recording decisions in an audit log (on sign, verify, scan, check and quarantine).
#[derive(Debug, Args)]
pub struct AuditLogArgs {
    /// Append what this command decided to this audit log (JSON lines, created if missing)
    /// [env: `MODELSEAL_AUDIT_LOG`] [config: audit-log].
    #[arg(id = "audit_log", long = "audit-log", value_name = "PATH")]
    pub log: Option<PathBuf>,
    /// Sign a checkpoint of the audit log with this private key every
    /// --audit-checkpoint-every entries.
    #[arg(
        id = "audit_key",
        long = "audit-key",
        value_name = "KEY",
        requires = "audit_log"
    )]
    pub key: Option<PathBuf>,
    #[arg(
        long = "audit-checkpoint-every",
        value_name = "N",
        default_value = "64"
    )]
    pub checkpoint_every: u64,
    /// Also write every checkpoint to this witness directory, one file per checkpoint, never
    /// replaced: keep it where the log's writer cannot rewrite it (`audit verify
    /// --checkpoint-dir` catches a rewritten or truncated log against it).
    #[arg(
        long = "audit-checkpoint-dir",
        value_name = "DIR",
        requires = "audit_key"
    )]
    pub checkpoint_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Prove the log intact: any edited, removed, reordered or truncated entry is reported
    /// with its line. Exit 1 when it is not intact.
    #[command(after_help = EXIT_CODES, long_about = help::AUDIT_VERIFY_LONG, after_long_help = help::AUDIT_VERIFY_AFTER)]
    Verify(AuditVerifyArgs),
    /// Print an inclusion proof of entry N (RFC 6962), as JSON.
    #[command(long_about = help::AUDIT_PROVE_LONG, after_long_help = help::AUDIT_PROVE_AFTER)]
    Prove(AuditProveArgs),
    /// Print a consistency proof that the log's first `OLD_SIZE` entries are a prefix of it now.
    #[command(long_about = help::AUDIT_CONSISTENCY_LONG, after_long_help = help::AUDIT_CONSISTENCY_AFTER)]
    Consistency(AuditConsistencyArgs),
    /// Append a signed checkpoint (entry count and Merkle root) and print it; keep a copy
    /// elsewhere to detect truncation later (`audit verify --trusted-checkpoint`).
    #[command(long_about = help::AUDIT_CHECKPOINT_LONG, after_long_help = help::AUDIT_CHECKPOINT_AFTER)]
    Checkpoint(AuditCheckpointArgs),
}

#[derive(Debug, Args)]
pub struct AuditVerifyArgs {
    pub log: PathBuf,
    /// Public key the log's checkpoints must be signed with. Every entry must then be covered
    /// by a checkpoint it signed; without it the checkpoints are not authenticated and the
    /// log is only shown to agree with itself.
    #[arg(long, value_name = "PUB")]
    pub key: Option<PathBuf>,
    /// A checkpoint note kept outside the log (from `audit checkpoint`): the log must still
    /// hold the entries it covers, unchanged (catches truncation and full rewrites).
    #[arg(long = "trusted-checkpoint", alias = "checkpoint", value_name = "NOTE")]
    pub checkpoint: Option<PathBuf>,
    /// A witness directory (`--audit-checkpoint-dir`): every checkpoint in it is trusted like
    /// --trusted-checkpoint.
    #[arg(long, value_name = "DIR")]
    pub checkpoint_dir: Option<PathBuf>,
    /// With --key, accept entries after the last signed checkpoint when there are fewer than
    /// --checkpoint-every of them (written since the last checkpoint was due).
    #[arg(long, requires = "key")]
    pub allow_uncovered_tail: bool,
    /// The checkpoint interval the log's writers use (`--audit-checkpoint-every`).
    #[arg(long, value_name = "N", default_value = "64")]
    pub checkpoint_every: u64,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct AuditProveArgs {
    pub log: PathBuf,
    /// Entry number (0-based).
    #[arg(long)]
    pub index: u64,
}

#[derive(Debug, Args)]
pub struct AuditConsistencyArgs {
    pub log: PathBuf,
    /// The earlier entry count.
    pub old_size: u64,
}

#[derive(Debug, Args)]
pub struct AuditCheckpointArgs {
    pub log: PathBuf,
    /// Private key to sign the checkpoint with.
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// Environment variable holding the passphrase of an encrypted key.
    #[arg(long, value_name = "VAR")]
    pub passphrase_env: Option<String>,
    /// Also write the checkpoint to this witness directory (see `--audit-checkpoint-dir`).
    #[arg(long, value_name = "DIR")]
    pub checkpoint_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate a key pair: KEY (PKCS#8 PEM, mode 0600) and KEY.pub (SubjectPublicKeyInfo PEM).
    #[command(long_about = help::KEY_GENERATE_LONG, after_long_help = help::KEY_GENERATE_AFTER)]
    Generate(KeyGenerateArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Algorithm {
    /// ECDSA P-256 with SHA-256 (verifiable by model_signing).
    EcdsaP256,
    /// ECDSA P-384 with SHA-384 (verifiable by model_signing).
    EcdsaP384,
    /// Ed25519 (modelseal extension: model_signing 1.1.1 cannot verify it).
    Ed25519,
    /// RSA-PSS 3072-bit with SHA-256 (modelseal extension: model_signing 1.1.1 cannot verify it).
    #[value(name = "rsa-pss-3072")]
    RsaPss3072,
}

#[derive(Debug, Args)]
pub struct KeyGenerateArgs {
    #[arg(long, value_enum, default_value = "ecdsa-p256")]
    pub algorithm: Algorithm,
    /// Where to write the private key; the public key goes to KEY.pub.
    #[arg(long, value_name = "KEY")]
    pub out: PathBuf,
    /// Replace existing key files.
    #[arg(long)]
    pub force: bool,
    /// Encrypt the private key with the passphrase held in this environment variable
    /// [default: ask for one on the terminal, twice].
    #[arg(long, value_name = "VAR")]
    pub passphrase_env: Option<String>,
    /// Write the private key unencrypted (for CI secrets stores and tests).
    #[arg(long, conflicts_with = "passphrase_env")]
    pub no_passphrase: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Hash {
    Sha256,
    Blake3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReportFormat {
    #[default]
    Text,
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, ValueEnum)]
pub enum FailOn {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and directories to scan (directories recursively; formats are detected by content).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Exit 2 when a finding is at or above this severity [env: `MODELSEAL_FAIL_ON`]
    /// [config: fail-on].
    #[arg(long, value_enum, default_value = "high")]
    pub fail_on: FailOn,
    /// TOML policy or allowlist pack (`[allow] globals = [...]`, `[deny]`) added to the
    /// built-in packs [env: `MODELSEAL_POLICY`] [config: policy].
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    #[command(flatten)]
    pub audit: AuditLogArgs,
}

/// How the model is hashed (recorded in the signature).
#[derive(Debug, Args)]
pub struct HashingArgs {
    /// Per-resource hash algorithm. The root digest is always SHA-256.
    #[arg(long, value_enum, default_value = "sha256")]
    pub hash: Hash,
    /// Hash files in shards of this many bytes (OMS "shards" serialization) instead of whole.
    #[arg(long, value_name = "BYTES")]
    pub shard_size: Option<u64>,
    /// Leave this path out of the model (relative to the current directory or to the model
    /// root). Repeatable. .git, .gitattributes, .github and .gitignore are always left out.
    #[arg(long = "ignore", value_name = "PATH")]
    pub ignore: Vec<PathBuf>,
    /// Follow symbolic links whose target stays inside the model (refused otherwise).
    #[arg(long)]
    pub allow_symlinks: bool,
}

#[derive(Debug, Args)]
pub struct DigestArgs {
    /// Model file or directory.
    pub model: PathBuf,
    #[command(flatten)]
    pub hashing: HashingArgs,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// Model file or directory.
    pub model: PathBuf,
    /// Private key (PKCS#8 PEM, encrypted PKCS#8, SEC1 "EC PRIVATE KEY", or PKCS#1 RSA)
    /// [env: `MODELSEAL_KEY`] [config: key].
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// Where to write the signature [default: MODEL.sig beside the model].
    #[arg(long, value_name = "PATH")]
    pub signature: Option<PathBuf>,
    /// Environment variable holding the passphrase of an encrypted key [default: ask on the
    /// terminal when the key is encrypted].
    #[arg(long, value_name = "VAR")]
    pub passphrase_env: Option<String>,
    #[command(flatten)]
    pub hashing: HashingArgs,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub audit: AuditLogArgs,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("trust").required(true).args(["key", "certificate_chain"])))]
pub struct VerifyArgs {
    /// Model file or directory.
    pub model: PathBuf,
    /// Public key (PEM SubjectPublicKeyInfo) the signature must verify with
    /// [env: `MODELSEAL_TRUST`] [config: trust.key].
    #[arg(long, value_name = "PUB")]
    pub key: Option<PathBuf>,
    /// Trusted root certificate(s), PEM; the signing certificate must chain to one, be valid
    /// now and allow code signing. Repeat the flag for several files
    /// [env: `MODELSEAL_CERTIFICATE_CHAIN`] [config: trust.certificate-chain].
    #[arg(long, value_name = "PEM")]
    pub certificate_chain: Vec<PathBuf>,
    #[command(flatten)]
    pub identity: IdentityArgs,
    /// Signature to check [default: MODEL.sig beside the model].
    #[arg(long, value_name = "PATH")]
    pub signature: Option<PathBuf>,
    /// Do not fail on files the signature does not cover (they are still listed).
    #[arg(long)]
    pub ignore_unsigned_files: bool,
    /// Also leave this path out (beyond what the signature records). Repeatable.
    #[arg(long = "ignore", value_name = "PATH")]
    pub ignore: Vec<PathBuf>,
    /// Most bytes verification may hash; a model whose signed files hold more fails (exit 1)
    /// before any byte is hashed [default: a shard signature's signed total (sizes are also
    /// compared file by file first); no bound for a files signature].
    #[arg(long, value_name = "BYTES")]
    pub max_bytes: Option<u64>,
    /// A signature made for a model of another name (the name it records differs from this
    /// model's directory or file name) fails (exit 1) instead of warning: model_signing does
    /// not bind the name, so another model's signature copied beside it verifies.
    #[arg(long)]
    pub require_name_match: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    #[command(flatten)]
    pub audit: AuditLogArgs,
}

#[cfg(test)]
mod tests {
    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
