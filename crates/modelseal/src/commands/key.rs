use std::io::Write as _;

use modelseal_fs::{AtomicFile, FsError, Op, Overwrite};
use modelseal_sign::{KeyAlgorithm, SignError, SigningKey};
use serde_json::json;

use crate::cli::{Algorithm, Format, KeyGenerateArgs};
use crate::exit::Failure;
use crate::render::{self, Out};

pub fn generate(args: &KeyGenerateArgs, out: &Out) -> Result<(), Failure> {
    let algorithm = match args.algorithm {
        Algorithm::EcdsaP256 => KeyAlgorithm::EcdsaP256,
        Algorithm::EcdsaP384 => KeyAlgorithm::EcdsaP384,
        Algorithm::Ed25519 => KeyAlgorithm::Ed25519,
        Algorithm::RsaPss3072 => KeyAlgorithm::RsaPss,
    };
    // A private key never goes to stdout: `-` is refused, a file named `-` is `./-` (red
    // team 4-D).
    if crate::paths::is_stdio(&args.out) {
        return Err(Failure::usage(
            "--out - would write the private key to stdout; give a file (a file named - is ./-)",
        ));
    }
    let mut public_path = args.out.clone().into_os_string();
    public_path.push(".pub");
    let public_path = std::path::PathBuf::from(public_path);
    let overwrite = if args.force {
        Overwrite::Replace
    } else {
        Overwrite::Refuse
    };
    // Check both before writing either, so a refusal leaves no half-made pair behind.
    if overwrite == Overwrite::Refuse {
        for path in [&args.out, &public_path] {
            if path.symlink_metadata().is_ok() {
                return Err(SignError::AlreadyExists(path.clone()).into());
            }
        }
    }
    let passphrase = crate::passphrase::for_new_key(
        &args.out,
        args.passphrase_env.as_deref(),
        args.no_passphrase,
    )?;
    let key = SigningKey::generate(algorithm)?;
    let private_pem = key.to_pkcs8_pem(passphrase.as_ref().map(|p| p.as_bytes()))?;
    // Both files are written in full to temporary files before either takes its name, so a
    // public key that cannot be written (a directory in the way, a full disk) never costs the
    // private key that `--force` was about to replace.
    let mut private = AtomicFile::create(&args.out, overwrite, Some(0o600))?;
    let mut public = AtomicFile::create(&public_path, overwrite, Some(0o644))?;
    private
        .write_all(private_pem.as_bytes())
        .map_err(FsError::with(Op::Write, &args.out))?;
    public
        .write_all(key.public_key().to_pem().as_bytes())
        .map_err(FsError::with(Op::Write, &public_path))?;
    public.commit()?;
    private.commit()?;
    out.json_or_line(
        &json!({
            "private_key": modelseal_report::path::Lossy(&args.out),
            "public_key": modelseal_report::path::Lossy(&public_path),
            "algorithm": algorithm.name(),
            "encrypted": passphrase.is_some(),
            "hint": key.public_key().hint(),
        }),
        &format!(
            "Wrote {} key {} (private, 0600{}) and {}",
            algorithm,
            render::path(&args.out),
            if passphrase.is_some() {
                ", encrypted"
            } else {
                ""
            },
            render::path(&public_path)
        ),
        args.format == Format::Json,
    );
    if !algorithm.is_oms_interoperable() {
        out.note(&format!(
            "note: {algorithm} signatures are a modelseal extension; model_signing 1.1.1 verifies only ECDSA"
        ));
    }
    Ok(())
}
