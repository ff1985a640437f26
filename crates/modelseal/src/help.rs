//! The long help of every command, in one voice: `--help` shows what the command does (the
//! one-line summary from cli.rs), a longer description (`*_LONG`), then `Examples:` and
//! `Exit codes:` (`*_AFTER`, the codes that command can return). `-h` stays the short form.
//! Kept apart from cli.rs so the argument structs stay readable; a test snapshots every
//! command's `--help` (tests/cli/help.rs) and fails when a command lacks either section.

// One line per exit code, worded the same in every command's help.
macro_rules! exit_codes {
    (@ 0) => { "  0   success\n" };
    (@ 1) => { "  1   integrity failure: signature invalid, digest or size mismatch, untrusted key\n" };
    (@ 2) => { "  2   threat found at or above the failing severity (--fail-on)\n" };
    (@ 3) => { "  3   input not found\n" };
    (@ 4) => { "  4   input (or config file) malformed, unreadable or unsupported\n" };
    (@ 64) => { "  64  usage error (bad flags, conflicting settings, no passphrase to be had)\n" };
    (@ 70) => { "  70  internal error (a bug in modelseal)\n" };
    (@ 74) => { "  74  an output could not be written (a full disk; a closed pipe is not an error)\n" };
    // Listed last: the arms above match first, so `@ 0` never recurses into this one.
    ($($code:tt)*) => { concat!("Exit codes:\n", $(exit_codes!(@ $code)),*) };
}

macro_rules! after {
    ($examples:expr, $($code:tt)*) => {
        concat!("Examples:\n", $examples, "\n", exit_codes!($($code)*))
    };
}

pub const MODELSEAL_LONG: &str = "\
Secure the supply chain of machine-learning models: sign and verify models in the OpenSSF \
Model Signing (OMS) format, fast and offline.

Also: scan models for code execution without loading them; gate deployments on both, with \
quarantine and a tamper-evident audit log; inventory what ships (SBOMs).

Settings: flags win over environment variables (MODELSEAL_KEY, MODELSEAL_TRUST, \
MODELSEAL_CERTIFICATE_CHAIN, MODELSEAL_POLICY, MODELSEAL_FAIL_ON, MODELSEAL_QUARANTINE, \
MODELSEAL_AUDIT_LOG), which win over the config file: --config FILE (or MODELSEAL_CONFIG), else \
the first modelseal.toml from the current directory up to the repository root, else \
$XDG_CONFIG_HOME/modelseal/config.toml (~/.config/modelseal/config.toml). --no-config reads \
none. A note on stderr names the config file whenever a setting comes from it. See \
docs/config.md.";

pub const MODELSEAL_AFTER: &str = after!(
    "  modelseal key generate --out release-key
  modelseal sign model/ --key release-key
  modelseal verify model/ --key release-key.pub
  modelseal check models/ --key release-key.pub --quarantine /srv/quarantine
  modelseal completions bash > ~/.local/share/bash-completion/completions/modelseal
",
    0 1 2 3 4 64 70 74
);

pub const KEY_LONG: &str = "\
Manage signing keys.

`key generate` writes a new key pair; the private key is encrypted with a passphrase unless \
--no-passphrase says otherwise.";

pub const KEY_AFTER: &str = after!("  modelseal key generate --out release-key\n", 0 64 70 74);

pub const KEY_GENERATE_LONG: &str = "\
Generate a key pair: KEY (PKCS#8 PEM, mode 0600) and KEY.pub (SubjectPublicKeyInfo PEM).

KEY is the private key `sign` takes with --key; KEY.pub is the public key that `verify` and \
`check` take with --key.

The private key is encrypted (PBES2: scrypt, AES-256-CBC) with a passphrase asked for twice on \
the terminal, without echo. Without a terminal (CI, a pipe) name an environment variable that \
holds the passphrase with --passphrase-env, or write the key unencrypted with --no-passphrase; \
modelseal never waits for input that cannot come. Existing files are kept unless --force is given.";

pub const KEY_GENERATE_AFTER: &str = after!(
    "  modelseal key generate --out release-key
  MS_PASS=... modelseal key generate --out ci-key --passphrase-env MS_PASS
  modelseal key generate --algorithm ed25519 --out test-key --no-passphrase
",
    0 64 70 74
);

pub const DIGEST_LONG: &str = "\
Print a model's OMS root digest (what `model_signing` computes for the same model).

The root digest is the SHA-256 over the model's manifest (every file's name and digest), the \
value a signature signs. Nothing is signed or written.";

pub const DIGEST_AFTER: &str = after!(
    "  modelseal digest model/
  modelseal digest model/ --hash blake3 --shard-size 1073741824 --format json
",
    0 3 4 64 70 74
);

pub const SIGN_LONG: &str = "\
Sign a model file or directory, writing an OMS signature (Sigstore bundle).

Every file is hashed (in parallel, optionally in shards) into the OMS manifest, which is signed \
with KEY and written as a Sigstore bundle to MODEL.sig beside the model (or --signature PATH). model_signing verifies ECDSA signatures made here.

An encrypted key is decrypted with the passphrase in --passphrase-env, or asked for on the \
terminal. The key can come from MODELSEAL_KEY or `key` in the config file.";

pub const SIGN_AFTER: &str = after!(
    "  modelseal sign model/ --key release-key
  modelseal sign model.safetensors --key release-key --signature model.sig --format json
  MODELSEAL_KEY=release-key modelseal sign model/ --ignore model/cache
",
    0 3 4 64 70 74
);

pub const VERIFY_LONG: &str = "\
Verify a model against its OMS signature.

The signature must be made by the public key given with --key (or by a certificate chaining to a --certificate-chain root and naming the --certificate-identity), and every file must \
match the manifest by name, size and digest. A changed, missing or added file is named.

Trust can come from MODELSEAL_TRUST (a public key), MODELSEAL_CERTIFICATE_CHAIN or the [trust] \
table of the config file when neither flag is given.";

pub const VERIFY_AFTER: &str = after!(
    "  modelseal verify model/ --key release-key.pub
  modelseal verify model/ --certificate-chain root.pem \\
      --certificate-identity release@example.com --format json
  modelseal verify model.onnx --key release-key.pub --max-bytes 20000000000
  modelseal sign model/ --key release-key --signature - |
      modelseal verify model/ --key release-key.pub --signature -
",
    0 1 3 4 64 70 74
);

pub const SCAN_LONG: &str = "\
Scan model files for code execution and tampering, without loading them.

Formats: pickle and PyTorch (zip, legacy, TorchScript), joblib, NumPy, Keras (.keras, .h5), ONNX, safetensors, GGUF and \
chat templates, detected by content. Each finding has a rule id and a severity; one at or \
above --fail-on fails the scan (exit 2). A policy file extends the allowlist or denies more.";

pub const SCAN_AFTER: &str = after!(
    "  modelseal scan model/
  modelseal scan downloads/ --fail-on medium --format sarif > scan.sarif
  modelseal scan model.pt --policy scan-policy.toml --format json
",
    0 2 3 4 64 70 74
);

pub const CHECK_LONG: &str = "\
The deployment gate: verify each model's signature and scan every file of it.

A model's signature is PATH.sig beside it; a model without one fails (the gate fails closed) \
unless --allow-unsigned. A model that fails either can be moved into a quarantine directory with an \
incident report, and every decision can be appended to a tamper-evident audit log. \
--models-root DIR checks every model below DIR.

Trust, policy, --fail-on, --quarantine and --audit-log can come from environment variables or \
the config file (see `modelseal --help`).";

pub const CHECK_AFTER: &str = after!(
    "  modelseal check models/ --key release-key.pub
  modelseal check --models-root /srv/models --key k.pub --quarantine /srv/quarantine
  modelseal check model/ --certificate-chain root.pem \\
      --certificate-identity-regexp '.*@example\\.com' --format sarif --audit-log audit.jsonl
",
    0 1 2 3 4 64 70 74
);

pub const QUARANTINE_LONG: &str = "\
List, inspect and release quarantined models.

The models are the ones `check --quarantine DIR` moved aside. Each incident is a folder DIR/<name>_<UTC time>/ holding the model and an incident report.";

pub const QUARANTINE_AFTER: &str = after!(
    "  modelseal quarantine list /srv/quarantine
  modelseal quarantine release /srv/quarantine ID --to /srv/models/bert --key release-key.pub
",
    0 1 2 3 4 64 70 74
);

pub const QUARANTINE_LIST_LONG: &str = "\
List the incidents in a quarantine directory, oldest first.

Each line gives the incident id (what `show` and `release` take), when, the model and why it \
failed.";

pub const QUARANTINE_LIST_AFTER: &str = after!(
    "  modelseal quarantine list /srv/quarantine
  modelseal quarantine list /srv/quarantine --format json
",
    0 3 4 64 70 74
);

pub const QUARANTINE_SHOW_LONG: &str = "\
Print one incident report.

The report is JSON: the model, its original path, the verdict and every finding that put it \
there, and whether the model is still in the incident folder.";

pub const QUARANTINE_SHOW_AFTER: &str = after!(
    "  modelseal quarantine show /srv/quarantine ID\n",
    0 3 4 64 70 74
);

pub const QUARANTINE_RELEASE_LONG: &str = "\
Re-verify and re-scan a quarantined model and move it to --to if it now passes (or, with \
--force REASON, even if it does not; the reason is recorded).

The model must verify with the trust given and scan clean under the policy given, as `check` \
would decide. --force REASON overrides a failing verdict; the reason is recorded in the \
incident and the audit log.";

pub const QUARANTINE_RELEASE_AFTER: &str = after!(
    "  modelseal quarantine release /srv/quarantine ID --to /srv/models/bert --key release-key.pub
  modelseal quarantine release /srv/quarantine ID --to ./bert --key k.pub --force \"ticket 42\"
",
    0 1 2 3 4 64 70 74
);

pub const AUDIT_LONG: &str = "\
Verify, prove and checkpoint a tamper-evident audit log.

The log is the one --audit-log appends to: JSON lines forming an RFC 6962 Merkle tree, with \
signed checkpoints.";

pub const AUDIT_AFTER: &str = after!(
    "  modelseal audit verify audit.jsonl --key audit-key.pub
  modelseal audit checkpoint audit.jsonl --key audit-key
",
    0 1 3 4 64 70 74
);

pub const AUDIT_VERIFY_LONG: &str = "\
Prove the log intact: any edited, removed, reordered or truncated entry is reported with its \
line. Exit 1 when it is not intact.

With --key every entry must be covered by a checkpoint signed by it; a \
checkpoint note or witness directory kept apart also catches truncation and full rewrites. \
Without either the log is only shown to agree with itself (\"NOT authenticated\").";

pub const AUDIT_VERIFY_AFTER: &str = after!(
    "  modelseal audit verify audit.jsonl --key audit-key.pub
  modelseal audit verify audit.jsonl --key audit-key.pub --checkpoint-dir /mnt/witness
",
    0 1 3 4 64 70 74
);

pub const AUDIT_PROVE_LONG: &str = "\
Print an inclusion proof of entry N (RFC 6962), as JSON.

N is 0-based. The proof holds the entry's leaf hash, the audit path and the tree root it leads \
to, for anyone to check without the rest of the log.";

pub const AUDIT_PROVE_AFTER: &str = after!(
    "  modelseal audit prove audit.jsonl --index 41\n",
    0 3 4 64 70 74
);

pub const AUDIT_CONSISTENCY_LONG: &str = "\
Print a consistency proof that the log's first `OLD_SIZE` entries are a prefix of it now.

The proof (RFC 6962, as JSON) shows that nothing recorded before OLD_SIZE was changed since, \
to anyone who kept the tree root of that size.";

pub const AUDIT_CONSISTENCY_AFTER: &str = after!(
    "  modelseal audit consistency audit.jsonl 128\n",
    0 3 4 64 70 74
);

pub const AUDIT_CHECKPOINT_LONG: &str = "\
Append a signed checkpoint (entry count and Merkle root) and print it; keep a copy elsewhere \
to detect truncation later (`audit verify --trusted-checkpoint`).

KEY is a private key (encrypted ones take --passphrase-env, or ask on a terminal). A copy \
kept where the log's writer cannot reach (--checkpoint-dir, or the printed note) lets `audit \
verify --trusted-checkpoint` catch a truncated or rewritten log later.";

pub const AUDIT_CHECKPOINT_AFTER: &str = after!(
    "  modelseal audit checkpoint audit.jsonl --key audit-key > checkpoint.note
  modelseal audit checkpoint audit.jsonl --key audit-key --checkpoint-dir /mnt/witness
",
    0 3 4 64 70 74
);

pub const SBOM_LONG: &str = "\
Software bills of materials: create, validate, diff, and audit against OSV data.

Documents are CycloneDX 1.5/1.6 (JSON, XML) or SPDX 2.3 JSON, for Python environments, \
lockfiles and models.";

pub const SBOM_AFTER: &str = after!(
    "  modelseal sbom create .venv model/ -o sbom.json
  modelseal sbom diff old.json sbom.json
",
    0 1 2 3 4 64 70 74
);

pub const SBOM_CREATE_LONG: &str = "\
Write a bill of materials for Python environments, lockfiles, projects and models.

Sources are Python virtualenvs and site-packages, lockfiles and requirements files, projects \
holding one, and model files or directories (with hashes and a model card). Each SOURCE is detected from its path. The document is deterministic (fix \
--timestamp to diff runs) and validated before it is written.";

pub const SBOM_CREATE_AFTER: &str = after!(
    "  modelseal sbom create .venv -o sbom.json
  modelseal sbom create uv.lock model/ --format spdx-json --name my-service
  modelseal sbom create --python-env .venv --format cyclonedx-xml --spec-version 1.5
",
    0 3 4 64 70 74
);

pub const SBOM_DIFF_LONG: &str = "\
Compare two bills of materials (CycloneDX JSON/XML or SPDX JSON, in any mix).

Reported: components added and removed, version, licence and hash changes. Exit 1 when they \
differ.";

pub const SBOM_DIFF_AFTER: &str = after!(
    "  modelseal sbom diff release-1.json release-2.json
  modelseal sbom diff sbom.cdx.json sbom.spdx.json --format json
",
    0 1 3 4 64 70 74
);

pub const SBOM_VALIDATE_LONG: &str = "\
Check documents against the CycloneDX 1.5/1.6 or SPDX 2.3 rules, and the official schemas \
when given.

The built-in rules check structure and semantics; the official JSON schemas are checked too \
when --schema-dir names them (a build with --features schema). Warnings do not fail a document.";

pub const SBOM_VALIDATE_AFTER: &str = after!(
    "  modelseal sbom validate sbom.json
  modelseal sbom validate *.json --schema-dir schemas/ --format json
",
    0 3 4 64 70 74
);

pub const SBOM_AUDIT_LONG: &str = "\
Match a bill of materials against offline OSV vulnerability records.

The records are read as osv-scanner keeps them offline (DIR/<Ecosystem>/all.zip or loose JSON \
records) and matched with PEP 440 and SemVer version ranges. A finding at or above --fail-on fails the audit (exit 2).";

pub const SBOM_AUDIT_AFTER: &str = after!(
    "  modelseal sbom audit sbom.json --osv-dir osv/
  modelseal sbom audit sbom.json --osv-dir osv/ --fail-on high --format json
",
    0 2 3 4 64 70 74
);

pub const COMPLETIONS_LONG: &str = "\
Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.

The script completes every command, flag and value modelseal accepts. Install it where your \
shell looks for completions.";

pub const COMPLETIONS_AFTER: &str = after!(
    "  modelseal completions bash > ~/.local/share/bash-completion/completions/modelseal
  modelseal completions zsh > ~/.zfunc/_modelseal
  modelseal completions fish > ~/.config/fish/completions/modelseal.fish
",
    0 64 74
);

pub const MAN_LONG: &str = "\
Write the manual pages (roff): every command's page into a directory, or the main page to \
stdout.

The pages are generated from the same text as --help. With -o DIR, one page per command (modelseal.1, modelseal-verify.1, modelseal-key-generate.1, ...) is written into DIR; \
without it the main page modelseal.1 goes to stdout.";

pub const MAN_AFTER: &str = after!(
    "  modelseal man | man -l -
  sudo modelseal man -o /usr/local/share/man/man1
",
    0 3 64 74
);
