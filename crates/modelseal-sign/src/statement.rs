//! The in-toto Statement v1 that OMS signs, and its predicate
//! `https://model_signing/signature/v1.0`: the serialization parameters and one entry per
//! resource.

use std::collections::{BTreeMap, HashSet};

use modelseal_digest::{
    HashAlgorithm, Manifest, Method, Resource, ResourceName, Serialization, root_digest_of,
};
use serde::{Deserialize, Serialize};

pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
pub const OMS_PREDICATE_TYPE: &str = "https://model_signing/signature/v1.0";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Statement<P = serde_json::Value> {
    #[serde(rename = "_type")]
    pub statement_type: String,
    pub subject: Vec<Subject>,
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    pub predicate: P,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Subject {
    pub name: String,
    pub digest: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OmsPredicate {
    pub serialization: WireSerialization,
    pub resources: Vec<WireResource>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireSerialization {
    pub method: String,
    pub hash_type: String,
    #[serde(default)]
    pub allow_symlinks: bool,
    /// An integer in the OMS spec; `model_signing` 1.1.1 writes a float (`1048576.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard_size: Option<serde_json::Number>,
    #[serde(default)]
    pub ignore_paths: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WireResource {
    pub name: String,
    pub algorithm: String,
    pub digest: String,
}

/// Why a verified payload is still not usable.
#[derive(Debug)]
pub enum PayloadProblem {
    /// Not valid JSON / not the expected structure.
    Malformed(String),
    /// Well-formed but not something this verifier accepts (other predicate, empty model).
    Unsupported(String),
    /// The resources do not hash to the subject digest.
    Inconsistent(String),
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

/// Turns the exact signed payload into a manifest, checking everything that can be checked
/// without touching the model: statement and predicate type, one subject, serialization,
/// every resource name (no absolute paths, no `..`), digest lengths, no duplicates, no empty
/// model, and that the resources hash to the subject digest.
pub fn manifest_from_payload(payload: &[u8]) -> Result<Manifest, PayloadProblem> {
    use PayloadProblem::{Inconsistent, Malformed, Unsupported};
    let statement: Statement = serde_json::from_slice(payload)
        .map_err(|e| Malformed(format!("payload is not an in-toto statement: {e}")))?;
    if statement.statement_type != STATEMENT_TYPE {
        return Err(Unsupported(format!(
            "statement type is {:?}, expected {STATEMENT_TYPE:?}",
            statement.statement_type
        )));
    }
    if statement.predicate_type != OMS_PREDICATE_TYPE {
        return Err(Unsupported(format!(
            "predicate type is {:?}, expected {OMS_PREDICATE_TYPE:?} (not an OMS model signature)",
            statement.predicate_type
        )));
    }
    let [subject] = statement.subject.as_slice() else {
        return Err(Malformed(format!(
            "expected exactly one subject, found {}",
            statement.subject.len()
        )));
    };
    let expected_root = subject
        .digest
        .get("sha256")
        .ok_or_else(|| Malformed("the subject has no sha256 digest".to_owned()))?;
    let predicate: OmsPredicate = serde_json::from_value(statement.predicate)
        .map_err(|e| Malformed(format!("malformed OMS predicate: {e}")))?;

    let serialization = serialization_from_wire(&predicate.serialization)?;
    if predicate.resources.is_empty() {
        return Err(Unsupported(
            "the signature covers no files (OMS requires rejecting empty models)".to_owned(),
        ));
    }
    let mut seen = HashSet::new();
    let mut resources = Vec::with_capacity(predicate.resources.len());
    for wire in &predicate.resources {
        let name = ResourceName::parse(&wire.name, serialization.method)
            .map_err(|e| Malformed(e.to_string()))?;
        if !serialization.accepts_resource_algorithm(&wire.algorithm) {
            return Err(Malformed(format!(
                "resource {:?} uses algorithm {:?} but the serialization says {}",
                wire.name, wire.algorithm, serialization.hash
            )));
        }
        let digest = hex::decode(&wire.digest)
            .ok()
            .filter(|d| d.len() == serialization.hash.digest_len())
            .ok_or_else(|| Malformed(format!("resource {:?} has a malformed digest", wire.name)))?;
        if !seen.insert(name.clone()) {
            return Err(Malformed(format!(
                "resource {:?} is listed twice",
                wire.name
            )));
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
        return Err(Inconsistent(format!(
            "the subject digest is {expected_root} but the listed resources hash to {root}"
        )));
    }
    let mut manifest = Manifest {
        model_name: subject.name.clone(),
        serialization,
        resources,
    };
    manifest.sort();
    Ok(manifest)
}

fn serialization_from_wire(wire: &WireSerialization) -> Result<Serialization, PayloadProblem> {
    use PayloadProblem::{Malformed, Unsupported};
    let hash: HashAlgorithm = wire
        .hash_type
        .parse()
        .map_err(|e: modelseal_digest::DigestError| Unsupported(e.to_string()))?;
    let method = match wire.method.as_str() {
        "files" => Method::Files,
        "shards" => {
            let size = wire
                .shard_size
                .as_ref()
                .and_then(integral_number)
                .filter(|s| *s > 0)
                .ok_or_else(|| {
                    Malformed(
                        "shards serialization without a positive integral shard_size".to_owned(),
                    )
                })?;
            Method::Shards { shard_size: size }
        }
        other => {
            return Err(Unsupported(format!(
                "unknown serialization method {other:?}"
            )));
        }
    };
    let mut ignore_paths = Vec::with_capacity(wire.ignore_paths.len());
    for path in &wire.ignore_paths {
        // Ignore paths only ever narrow what is hashed, but a hostile one must not be used to
        // address anything outside the model either.
        let name = ResourceName::parse(path.trim_end_matches('/'), Method::Files)
            .map_err(|e| Malformed(format!("ignore path: {e}")))?;
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
