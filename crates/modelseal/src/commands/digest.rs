use modelseal_digest::{hash_walk_with_progress, walk_model};
use serde_json::json;

use crate::cli::{DigestArgs, Format};
use crate::exit::Failure;
use crate::render::Out;

pub fn run(args: &DigestArgs, out: &Out) -> Result<(), Failure> {
    let serialization = super::serialization(&args.model, &args.hashing, out)?;
    let walk = walk_model(
        &args.model,
        serialization.allow_symlinks,
        &serialization.ignore_paths,
    )?;
    let bar = crate::progress::bytes("hashing", out, args.format == Format::Json);
    let manifest = hash_walk_with_progress(
        &walk,
        &serialization,
        crate::progress::reporter(bar.as_ref()),
    )?;
    drop(bar);
    if manifest.resources.is_empty() {
        return Err(modelseal_digest::DigestError::EmptyModel(args.model.clone()).into());
    }
    let root = format!("sha256:{}", hex::encode(manifest.root_digest()));
    if args.format == Format::Json {
        out.json(&json!({
            "model": modelseal_report::path::Lossy(&args.model),
            "root_digest": root,
            "method": if manifest.is_sharded() { "shards" } else { "files" },
            "hash": serialization.hash.oms_name(),
            "resources": manifest.resources.iter().map(|r| json!({
                "name": r.name.to_string(),
                "algorithm": r.algorithm,
                "digest": hex::encode(&r.digest),
            })).collect::<Vec<_>>(),
        }));
    } else {
        out.line(&root);
    }
    Ok(())
}
