use modelseal_fs::{Overwrite, write_atomic};
use modelseal_sign::{SignError, SigningKey, sign_model};
use serde_json::json;

use crate::cli::{Format, SignArgs};
use crate::exit::{Exit, Failure};
use crate::paths::{default_signature_path, inside_model};
use crate::render::{self, Out, bytes};

pub fn run(args: &SignArgs, out: &Out) -> Result<(), Failure> {
    let mut digest = None;
    let result = execute(args, out, &mut digest).map(|()| Exit::Ok);
    let event = super::audit::outcome_event("sign", &args.model, digest, &result, json!({}));
    super::audit::record(&args.audit, event)?;
    result.map(|_| ())
}

fn execute(args: &SignArgs, out: &Out, digest: &mut Option<String>) -> Result<(), Failure> {
    let signature = args
        .signature
        .clone()
        .unwrap_or_else(|| default_signature_path(&args.model));
    let mut serialization = super::serialization(&args.model, &args.hashing, out)?;
    // A signature written inside the model it signs must not be part of it.
    if let Some(rel) = inside_model(&args.model, &signature) {
        serialization.ignore(&rel);
    }
    let passphrase = super::passphrase(args.passphrase_env.as_deref())?;
    let key = SigningKey::load(&args.key, passphrase.as_ref().map(|p| p.as_bytes()))?;
    let signed = sign_model(&args.model, &serialization, &key)?;
    write_atomic(
        &signature,
        &signed.bundle.to_json(),
        Overwrite::Replace,
        Some(0o644),
    )
    .map_err(SignError::from)?;

    let root = format!("sha256:{}", hex::encode(signed.manifest.root_digest()));
    let interoperability =
        modelseal_sign::oms_interoperability(Some(key.algorithm()), &signed.manifest.serialization);
    *digest = Some(root.clone());
    if args.format == Format::Json {
        out.json(&json!({
            "model": args.model.to_string_lossy(),
            "signature": signature.to_string_lossy(),
            "root_digest": root,
            "files": signed.files,
            "bytes": signed.bytes,
            "resources": signed.manifest.resources.len(),
            "key_algorithm": key.algorithm().name(),
            "oms_interoperable": interoperability.is_ok(),
        }));
    } else {
        out.line(&format!(
            "Signed {} ({} file{}, {}) -> {}",
            render::path(&args.model),
            signed.files,
            if signed.files == 1 { "" } else { "s" },
            bytes(signed.bytes),
            render::path(&signature)
        ));
        out.line(&format!("root digest {root}"));
    }
    if let Err(why) = interoperability {
        out.note(&format!("note: {why}"));
    }
    Ok(())
}
