//! One module per command: read arguments, call the libraries, render the result.

pub mod audit;
pub mod check;
pub mod digest;
pub mod key;
pub mod quarantine;
pub mod sbom;
pub mod scan;
pub mod sign;
pub mod verify;

use std::path::Path;

use modelseal_digest::{HashAlgorithm, Serialization};

use crate::cli::{Hash, HashingArgs};
use crate::exit::Failure;
use crate::paths::ignore_in_model;
use crate::render::Out;

/// The serialization the hashing flags ask for, with `--ignore` paths resolved against the
/// model. Paths outside the model are reported and skipped.
fn serialization(model: &Path, args: &HashingArgs, out: &Out) -> Result<Serialization, Failure> {
    let hash = match args.hash {
        Hash::Sha256 => HashAlgorithm::Sha256,
        Hash::Blake3 => HashAlgorithm::Blake3,
    };
    let mut serialization = match args.shard_size {
        None => Serialization::files(hash),
        Some(size) => {
            Serialization::shards(hash, size).map_err(|e| Failure::usage(e.to_string()))?
        }
    };
    serialization.allow_symlinks = args.allow_symlinks;
    for path in &args.ignore {
        match ignore_in_model(model, path) {
            Some(rel) => serialization.ignore(&rel),
            None => out.note(&format!(
                "note: --ignore {} is not inside the model; nothing to ignore",
                crate::render::path(path)
            )),
        }
    }
    Ok(serialization)
}

/// The built-in scan policy, extended by a TOML policy file if one is given.
fn load_policy(path: Option<&Path>) -> Result<modelseal_scan::Policy, Failure> {
    let mut policy = modelseal_scan::Policy::builtin();
    let Some(path) = path else {
        return Ok(policy);
    };
    // A policy is a short TOML file; 16 MiB leaves room for generated allowlists.
    let text = modelseal_fs::read_to_string_limited(path, 16 << 20)?;
    policy.extend_from_toml(&text).map_err(|e| {
        Failure::new(
            crate::exit::Exit::Malformed,
            format!("policy {}: {e}", path.display()),
        )
    })?;
    Ok(policy)
}

/// What signatures must verify with: a public key, or certificate roots and whom the signing
/// certificate must name.
fn load_trust(
    key: Option<&Path>,
    certificate_chain: &[std::path::PathBuf],
    identity: &crate::cli::IdentityArgs,
) -> Result<modelseal_sign::TrustRoot, Failure> {
    if let Some(key) = key {
        // On the command line clap refuses the pair; a key from the environment or a config
        // file must not make pins given with it silently mean nothing.
        if identity.any() {
            return Err(Failure::usage(format!(
                "identity pins (--certificate-identity…, --insecure-ignore-identity) apply to certificate chains, \
                 and the trust here is the public key {}",
                crate::render::path(key)
            )));
        }
        return Ok(modelseal_sign::TrustRoot::PublicKey(
            modelseal_sign::PublicKey::load(key)?,
        ));
    }
    let identity = identity_policy(identity)?;
    let mut anchors = Vec::new();
    for path in certificate_chain {
        anchors.extend(modelseal_sign::read_certificates(path)?);
    }
    Ok(modelseal_sign::TrustRoot::Certificates { anchors, identity })
}

/// The identity flags as a policy. A chain without an identity pin is refused unless the user
/// says so: a root vouches for every certificate it ever issued (cosign requires the same).
fn identity_policy(
    args: &crate::cli::IdentityArgs,
) -> Result<modelseal_sign::IdentityPolicy, Failure> {
    use modelseal_sign::Matcher;
    // Clap refuses both of a pair on the command line; from a config file or the environment
    // they arrive here. An empty pin would match an empty name: never what was meant.
    let matcher =
        |exact: &Option<String>, regexp: &Option<String>, flag: &str| match (exact, regexp) {
            (Some(_), Some(_)) => Err(Failure::usage(format!(
                "--{flag} and --{flag}-regexp are both set: keep one"
            ))),
            (Some(value), None) | (None, Some(value)) if value.is_empty() => Err(Failure::usage(
                format!("--{flag}: an empty pin would match an empty name"),
            )),
            (Some(value), None) => Ok(Some(Matcher::Exact(value.clone()))),
            (None, Some(pattern)) => Matcher::regex(pattern).map(Some).map_err(Failure::from),
            (None, None) => Ok(None),
        };
    let policy = modelseal_sign::IdentityPolicy {
        identity: matcher(
            &args.certificate_identity,
            &args.certificate_identity_regexp,
            "certificate-identity",
        )?,
        oidc_issuer: matcher(
            &args.certificate_oidc_issuer,
            &args.certificate_oidc_issuer_regexp,
            "certificate-oidc-issuer",
        )?,
    };
    if policy.identity.is_none() && !args.insecure_ignore_identity {
        return Err(Failure::usage(
            "--certificate-chain needs --certificate-identity or --certificate-identity-regexp \
             (the email or URI the signing certificate must name), or --insecure-ignore-identity \
             to accept any certificate the roots vouch for",
        ));
    }
    Ok(policy)
}

/// The gate could not carry out an action it was asked for (audit log, quarantine).
#[allow(clippy::needless_pass_by_value)] // used as `map_err(gate_failure)`
fn gate_failure(e: modelseal_gate::GateError) -> Failure {
    match e {
        // The gate only ever writes the log.
        modelseal_gate::GateError::Audit(e) => audit::write_failure(e),
        modelseal_gate::GateError::Quarantine(e) => quarantine::failure(e),
    }
}
