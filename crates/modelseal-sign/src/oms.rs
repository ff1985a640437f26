//! The OMS model-signature predicate `https://model_signing/signature/v1.0`: the
//! serialization parameters and one entry per resource, turned into a [`Manifest`] once the
//! statement holding it verified.

use std::collections::{BTreeMap, HashSet};

use modelseal_digest::{
    HashAlgorithm, Manifest, Method, Resource, ResourceName, Serialization, root_digest_of,
};
use serde::{Deserialize, Serialize};

use crate::SignError;
use crate::dsse::VerifiedPayload;
use crate::error::{Malformed, Unsupported};
use crate::statement::{STATEMENT_TYPE, Statement, Subject};

/// The in-toto predicate type of an OMS model signature.
pub const OMS_PREDICATE_TYPE: &str = "https://model_signing/signature/v1.0";

/// The OMS predicate exactly as it appears in the statement, before any checks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OmsPredicate {
    /// How the model was serialized for hashing.
    pub serialization: WireSerialization,
    /// Every hashed file or shard with its digest.
    pub resources: Vec<WireResource>,
}

/// The serialization parameters as the OMS predicate spells them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireSerialization {
    /// `files` or `shards`.
    pub method: String,
    /// The hash algorithm's OMS name.
    pub hash_type: String,
    /// Whether symbolic links inside the model were followed when signing.
    #[serde(default)]
    pub allow_symlinks: bool,
    /// An integer in the OMS spec; `model_signing` 1.1.1 writes a float (`1048576.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard_size: Option<serde_json::Number>,
    /// Paths the signer left out of the model.
    #[serde(default)]
    pub ignore_paths: Vec<String>,
}

/// One hashed file or shard as the OMS predicate spells it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireResource {
    /// The model-relative name (for shards, with the byte range).
    pub name: String,
    /// The hash algorithm's OMS name.
    pub algorithm: String,
    /// The digest in hex.
    pub digest: String,
}

/// The statement signing `manifest`.
pub fn statement_for(manifest: &Manifest) -> Statement<OmsPredicate> {
    let s = &manifest.serialization;
    let (method, shard_size) = match s.method {
        Method::Files => ("files", None),
        Method::Shards { shard_size } => ("shards", Some(serde_json::Number::from(shard_size))),
    };
    Statement {
        statement_type: STATEMENT_TYPE.to_owned(),
        subject: vec![Subject {
            name: manifest.model_name.clone(),
            digest: BTreeMap::from([("sha256".to_owned(), hex::encode(manifest.root_digest()))]),
        }],
        predicate_type: OMS_PREDICATE_TYPE.to_owned(),
        predicate: OmsPredicate {
            serialization: WireSerialization {
                method: method.to_owned(),
                hash_type: s.hash.oms_name().to_owned(),
                allow_symlinks: s.allow_symlinks,
                shard_size,
                ignore_paths: s.ignore_paths.clone(),
            },
            resources: manifest
                .resources
                .iter()
                .map(|r| WireResource {
                    name: r.name.to_string(),
                    algorithm: r.algorithm.clone(),
                    digest: hex::encode(&r.digest),
                })
                .collect(),
        },
    }
}

/// The manifest a verified OMS signature payload records ([`Statement::from_verified`], then
/// [`manifest_from_statement`]).
pub fn manifest_from_verified(verified: &VerifiedPayload) -> Result<Manifest, SignError> {
    manifest_from_statement(Statement::from_verified(verified)?)
}

/// Turns a verified statement into a manifest, checking everything that can be checked
/// without touching the model: predicate type, one subject, serialization, every resource
/// name (no absolute paths, no `..`), digest lengths, no duplicates, no empty model, and that
/// the resources hash to the subject digest.
pub fn manifest_from_statement(statement: Statement) -> Result<Manifest, SignError> {
    if statement.predicate_type != OMS_PREDICATE_TYPE {
        return Err(Unsupported::WrongPredicateType {
            found: statement.predicate_type,
            expected: OMS_PREDICATE_TYPE,
        }
        .into());
    }
    let [subject] = statement.subject.as_slice() else {
        return Err(Malformed::SubjectCount(statement.subject.len()).into());
    };
    let expected_root = subject
        .digest
        .get("sha256")
        .ok_or(Malformed::SubjectWithoutSha256)?;
    let predicate: OmsPredicate =
        serde_json::from_value(statement.predicate).map_err(Malformed::OmsPredicate)?;

    let serialization = serialization_from_wire(&predicate.serialization)?;
    if predicate.resources.is_empty() {
        return Err(Unsupported::EmptyModel.into());
    }
    let mut seen = HashSet::new();
    let mut resources = Vec::with_capacity(predicate.resources.len());
    for wire in &predicate.resources {
        let name = ResourceName::parse(&wire.name, serialization.method)
            .map_err(Malformed::ResourceName)?;
        if !serialization.accepts_resource_algorithm(&wire.algorithm) {
            return Err(Malformed::ResourceAlgorithm {
                name: wire.name.clone(),
                algorithm: wire.algorithm.clone(),
                expected: serialization.hash,
            }
            .into());
        }
        let digest = hex::decode(&wire.digest)
            .ok()
            .filter(|d| d.len() == serialization.hash.digest_len())
            .ok_or_else(|| Malformed::ResourceDigest(wire.name.clone()))?;
        if !seen.insert(name.clone()) {
            return Err(Malformed::DuplicateResource(wire.name.clone()).into());
        }
        resources.push(Resource {
            name,
            algorithm: wire.algorithm.clone(),
            digest,
        });
    }
    // The reference hashes the digests in the order the predicate lists them.
    let root = hex::encode(root_digest_of(
        resources.iter().map(|r| r.digest.as_slice()),
    ));
    if !root.eq_ignore_ascii_case(expected_root) {
        return Err(SignError::SubjectDigestMismatch {
            signed: expected_root.clone(),
            computed: root,
        });
    }
    let mut manifest = Manifest {
        model_name: subject.name.clone(),
        serialization,
        resources,
    };
    manifest.sort();
    Ok(manifest)
}

fn serialization_from_wire(wire: &WireSerialization) -> Result<Serialization, SignError> {
    let hash: HashAlgorithm = wire.hash_type.parse().map_err(Unsupported::HashAlgorithm)?;
    let method = match wire.method.as_str() {
        "files" => Method::Files,
        "shards" => {
            let size = wire
                .shard_size
                .as_ref()
                .and_then(integral_number)
                .filter(|s| *s > 0)
                .ok_or(Malformed::ShardSize)?;
            Method::Shards { shard_size: size }
        }
        other => {
            return Err(Unsupported::SerializationMethod(other.to_owned()).into());
        }
    };
    let mut ignore_paths = Vec::with_capacity(wire.ignore_paths.len());
    for path in &wire.ignore_paths {
        // Ignore paths only ever narrow what is hashed, but a hostile one must not be used to
        // address anything outside the model either.
        let name = ResourceName::parse(path.trim_end_matches('/'), Method::Files)
            .map_err(Malformed::IgnorePath)?;
        ignore_paths.push(name.path);
    }
    Ok(Serialization {
        method,
        hash,
        allow_symlinks: wire.allow_symlinks,
        ignore_paths,
    })
}

/// `1048576`, `1048576.0` → 1048576; `1.5`, `-1`, `1e300` → None.
fn integral_number(n: &serde_json::Number) -> Option<u64> {
    if let Some(u) = n.as_u64() {
        return Some(u);
    }
    let f = n.as_f64()?;
    #[allow(clippy::cast_precision_loss, clippy::cast_sign_loss)]
    (f.fract() == 0.0 && f > 0.0 && f <= (1u64 << 53) as f64).then_some(f as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_shard_sizes_are_read_exactly() {
        let n = |s: &str| serde_json::from_str::<serde_json::Number>(s).unwrap();
        assert_eq!(integral_number(&n("1048576.0")), Some(1_048_576));
        assert_eq!(integral_number(&n("1048576")), Some(1_048_576));
        assert_eq!(integral_number(&n("1.5")), None);
        assert_eq!(integral_number(&n("-1")), None);
        assert_eq!(integral_number(&n("1e300")), None);
    }
}
