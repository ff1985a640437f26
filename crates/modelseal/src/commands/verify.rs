use modelseal_sign::{
    MAX_SIGNATURE_BYTES, SignerIdentity, VerifyOptions, VerifyReport, parse_bundle, verify_model,
    verify_model_with_bundle,
};
use serde_json::json;

use crate::cli::{Format, VerifyArgs};
use crate::exit::{Exit, Failure};
use crate::paths::{
    default_signature_path, ignore_in_model, inside_model, is_stdio, read_stdin_limited,
};
use crate::render::{self, Out, bytes};

/// Returns the exit status: a genuine signature over a different model is `Integrity`.
pub fn run(args: &VerifyArgs, out: &Out) -> Result<Exit, Failure> {
    super::audit::guard_log(&args.audit, &[&args.model])?;
    let mut digest = None;
    let result = execute(args, out, &mut digest);
    let event = super::audit::outcome_event("verify", &args.model, digest, &result, json!({}));
    super::audit::record(&args.audit, event)?;
    result
}

fn execute(args: &VerifyArgs, out: &Out, digest: &mut Option<String>) -> Result<Exit, Failure> {
    let signature = args
        .signature
        .clone()
        .unwrap_or_else(|| default_signature_path(&args.model));
    let trust = super::load_trust(args.key.as_deref(), &args.certificate_chain, &args.identity)?;
    let mut options = VerifyOptions {
        ignore_unsigned_files: args.ignore_unsigned_files,
        max_bytes: args.max_bytes,
        ..VerifyOptions::default()
    };
    for path in &args.ignore {
        if let Some(rel) = ignore_in_model(&args.model, path) {
            options.extra_ignores.push(rel);
        }
    }
    // The signature is left out only when it really lies inside the model.
    if let Some(rel) = inside_model(&args.model, &signature).filter(|_| !is_stdio(&signature)) {
        options.extra_ignores.push(rel);
    }
    let bar = crate::progress::bytes("verifying", out, args.format == Format::Json);
    options.progress = crate::progress::shared(bar.as_ref());
    let report = if is_stdio(&signature) {
        // `--signature -`: read from stdin, bounded as a signature file is.
        let bytes = read_stdin_limited(MAX_SIGNATURE_BYTES, "signature")?;
        let bundle = parse_bundle(&bytes, &signature)?;
        verify_model_with_bundle(&args.model, &bundle, &signature, &trust, &options)?
    } else {
        verify_model(&args.model, &signature, &trust, &options)?
    };
    drop(options.progress.take());
    drop(bar);
    *digest = Some(report.root_digest.clone());
    // Another model's signature copied beside this one verifies (model_signing does not bind
    // the name): always shown, a failure under --require-name-match (red team 3, V-3).
    let names_ok = report.signed_name_matches() || !args.require_name_match;
    let exit = if report.is_ok() && names_ok {
        Exit::Ok
    } else {
        Exit::Integrity
    };
    if args.format == Format::Json {
        out.json(
            &json!({ "verified": report.is_ok(), "exit_code": exit.code(), "report": report }),
        );
    } else {
        render_text(&report, names_ok, out);
    }
    Ok(exit)
}

fn render_text(report: &VerifyReport, names_ok: bool, out: &Out) {
    let signer = match &report.signer {
        SignerIdentity::Key { algorithm, hint } => {
            format!("{algorithm} key {}", &hint[..hint.len().min(16)])
        }
        // A certificate subject is text from a file: escaped like a name.
        SignerIdentity::Certificate {
            subject,
            identities,
            ..
        } => certificate_text(subject, identities),
    };
    let summary = format!(
        "{} ({} resources, {} hashed, {} {}) signed by {signer}",
        render::path(&report.model),
        report.resources,
        bytes(report.bytes_hashed),
        report.method,
        report.hash,
    );
    if report.is_ok() && names_ok {
        out.line(&out.pass(&summary));
    } else if report.is_ok() {
        out.line(&out.fail(&format!(
            "{summary}: the signature was made for another model name (--require-name-match)"
        )));
    } else {
        out.line(&out.fail(&format!(
            "{summary}: the model does not match its signature"
        )));
    }
    for (label, names) in [
        ("changed", &report.changed),
        ("missing", &report.missing),
        ("extra  ", &report.extra),
    ] {
        // A long list is cut: the first names, then how many more (red team 3, V-4).
        for name in names.iter().take(modelseal_gate::MAX_LISTED_NAMES) {
            out.line(&format!("  {label} {}", render::name(name)));
        }
        if let Some(more) = names
            .len()
            .checked_sub(modelseal_gate::MAX_LISTED_NAMES)
            .filter(|more| *more > 0)
        {
            out.line(&format!("  {label} ... and {more} more"));
        }
    }
    if !report.signed_name_matches() {
        out.line(&format!(
            "  signed as {}, not {}",
            render::name(&report.model_name),
            render::name(&report.name_on_disk)
        ));
    }
    for name in &report.unsigned_ignored {
        out.line(&out.dim(&format!("  unsigned (ignored) {}", render::name(name))));
    }
    out.line(&out.dim(&format!("  root digest {}", report.root_digest)));
}

/// A certificate signer: its subject and the email or URI names an identity pin matches,
/// each escaped like a name (text from a file).
pub fn certificate_text(subject: &str, identities: &[String]) -> String {
    let subject = render::name(subject);
    if identities.is_empty() {
        return format!("certificate {subject}");
    }
    let names: Vec<_> = identities.iter().map(|n| render::name(n)).collect();
    format!("certificate {subject} ({})", names.join(", "))
}
