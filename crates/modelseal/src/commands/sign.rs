use modelseal_fs::{Overwrite, write_atomic};
use modelseal_sign::{SignError, sign_model_with_progress};
use serde_json::json;

use crate::cli::{Format, SignArgs};
use crate::exit::{Exit, Failure};
use crate::paths::{default_signature_path, inside_model, is_stdio};
use crate::render::{self, Out, bytes};

pub fn run(args: &SignArgs, out: &Out) -> Result<(), Failure> {
    super::audit::guard_log(&args.audit, &[&args.model])?;
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
    // `--signature -`: the bundle is stdout, so the summary goes to stderr.
    let to_stdout = is_stdio(&signature);
    if to_stdout && args.format == Format::Json {
        return Err(Failure::usage(
            "--signature - writes the signature to stdout, where --format json would write too; \
             give --signature a file",
        ));
    }
    let mut serialization = super::serialization(&args.model, &args.hashing, out)?;
    // A signature written inside the model it signs must not be part of it.
    if let Some(rel) = inside_model(&args.model, &signature).filter(|_| !to_stdout) {
        serialization.ignore(&rel);
    }
    let key = crate::passphrase::load_signing_key(&args.key, args.passphrase_env.as_deref())?;
    let bar = crate::progress::bytes("signing", out, args.format == Format::Json);
    let signed = sign_model_with_progress(
        &args.model,
        &serialization,
        &key,
        crate::progress::reporter(bar.as_ref()),
    )?;
    drop(bar);
    if to_stdout {
        out.bytes(&signed.bundle.to_json());
        out.bytes(b"\n");
    } else {
        write_atomic(
            &signature,
            &signed.bundle.to_json(),
            Overwrite::Replace,
            Some(0o644),
        )
        .map_err(SignError::from)?;
    }

    let root = format!("sha256:{}", hex::encode(signed.manifest.root_digest()));
    let interoperability =
        modelseal_sign::oms_interoperability(Some(key.algorithm()), &signed.manifest.serialization);
    *digest = Some(root.clone());
    if args.format == Format::Json {
        out.json(&json!({
            "model": modelseal_report::path::Lossy(&args.model),
            "signature": modelseal_report::path::Lossy(&signature),
            "root_digest": root,
            "files": signed.files,
            "bytes": signed.bytes,
            "resources": signed.manifest.resources.len(),
            "key_algorithm": key.algorithm().name(),
            "oms_interoperable": interoperability.is_ok(),
        }));
    } else {
        let summary = format!(
            "Signed {} ({} file{}, {}) -> {}",
            render::path(&args.model),
            signed.files,
            if signed.files == 1 { "" } else { "s" },
            bytes(signed.bytes),
            if to_stdout {
                "stdout".into()
            } else {
                render::path(&signature)
            }
        );
        let digest_line = format!("root digest {root}");
        if to_stdout && !out.delivered() {
            // The bundle went nowhere (a closed pipe, a closed stdout): never say "Signed …
            // -> stdout" (red team 4-A). A closed pipe stays quiet; anything else is exit 74.
        } else if to_stdout {
            out.note(&summary);
            out.note(&digest_line);
        } else {
            out.line(&summary);
            out.line(&digest_line);
        }
    }
    if let Err(why) = interoperability {
        out.note(&format!("note: {why}"));
    }
    Ok(())
}
