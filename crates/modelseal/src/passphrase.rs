//! Passphrases of private keys: from an environment variable (`--passphrase-env VAR`), or
//! asked for on the terminal without echo. Never read from a stdin that is not a terminal: a
//! pipeline would hang or, worse, feed the key's passphrase from a file nobody meant for it.

use std::io::IsTerminal as _;
use std::path::Path;

use modelseal_sign::{SignError, SigningKey};
use zeroize::Zeroizing;

use crate::exit::Failure;

/// Reads a passphrase from the named environment variable.
pub fn from_env(var: Option<&str>) -> Result<Option<Zeroizing<String>>, Failure> {
    let Some(var) = var else { return Ok(None) };
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Ok(Some(Zeroizing::new(value))),
        _ => Err(Failure::usage(format!(
            "environment variable {var} is not set or empty"
        ))),
    }
}

/// The passphrase that encrypts a new key: from `var`, none with `no_passphrase`, else asked
/// twice on the terminal. Without a terminal and without either flag: a usage error.
pub fn for_new_key(
    key: &Path,
    var: Option<&str>,
    no_passphrase: bool,
) -> Result<Option<Zeroizing<String>>, Failure> {
    if var.is_some() {
        return from_env(var);
    }
    if no_passphrase {
        return Ok(None);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "key generate encrypts the private key with a passphrase, and stdin is not a terminal to ask for one: pass --passphrase-env VAR (a variable holding the passphrase), or --no-passphrase to write the key unencrypted",
        ));
    }
    let first = ask(&format!("Passphrase for {}: ", crate::render::path(key)))?;
    if first.is_empty() {
        return Err(Failure::usage(
            "no passphrase given: pass --no-passphrase to write the key unencrypted",
        ));
    }
    let second = ask("Repeat the passphrase: ")?;
    if *first != *second {
        return Err(Failure::usage(
            "the passphrases differ; nothing was written",
        ));
    }
    Ok(Some(first))
}

/// Loads a private key; an encrypted one without `--passphrase-env` is decrypted with a
/// passphrase asked for on the terminal, when there is one.
pub fn load_signing_key(path: &Path, var: Option<&str>) -> Result<SigningKey, Failure> {
    let passphrase = from_env(var)?;
    match SigningKey::load(path, passphrase.as_ref().map(|p| p.as_bytes())) {
        Err(SignError::PassphraseRequired(_))
            if passphrase.is_none() && std::io::stdin().is_terminal() =>
        {
            let asked = ask(&format!("Passphrase for {}: ", crate::render::path(path)))?;
            Ok(SigningKey::load(path, Some(asked.as_bytes()))?)
        }
        result => Ok(result?),
    }
}

/// One line from the terminal, not echoed (the prompt goes to the terminal too).
fn ask(prompt: &str) -> Result<Zeroizing<String>, Failure> {
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|e| Failure::usage(format!("cannot read a passphrase from the terminal: {e}")))
}
