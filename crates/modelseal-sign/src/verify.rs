//! Verifying a model against an OMS signature: the signature over the exact payload bytes
//! first, then the statement, then a re-hash of the model with the serialization the signature
//! records, reporting every missing, extra and changed resource by name.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use modelseal_digest::{
    ByteProgress, DigestError, Manifest, Method, NoProgress, Walk, hash_walk_with_progress,
    walk_model,
};
use serde::Serialize;

use crate::bundle::Bundle;
use crate::dsse::IN_TOTO_PAYLOAD_TYPE;
use crate::error::{Malformed, Unsupported};
use crate::{SignError, SignerIdentity, TrustRoot, oms};

/// Signature files larger than this are refused before parsing: a sharded signature of a
/// multi-terabyte model stays far below it.
pub const MAX_SIGNATURE_BYTES: u64 = 256 * 1024 * 1024;

/// What the verifier may tolerate beyond what the signature records.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// Files on disk that the signature does not list are reported but not a failure.
    pub ignore_unsigned_files: bool,
    /// More paths (relative to the model root) to leave out, beyond what the signature records.
    pub extra_ignores: Vec<String>,
    /// Most bytes verification may hash (`--max-bytes`); more is refused before hashing
    /// ([`SignError::TooMuchToHash`]). `None`: a shard signature's own signed total (each
    /// file's size is known and compared first), no bound for a `files` signature (which
    /// records no sizes).
    pub max_bytes: Option<u64>,
    /// Told the bytes to hash once they are known, and each chunk as it is hashed (a progress
    /// bar); nothing is told before the signature has verified.
    pub progress: Option<std::sync::Arc<dyn ByteProgress>>,
}

/// A file verification listed, by the resource name it was hashed under: what the gate scans.
#[derive(Debug, Clone)]
pub struct VerifiedFile {
    /// The POSIX resource path relative to the model root (`"."` for a single-file model).
    pub name: String,
    /// The file that was read: the canonical target of an allowed link, resolved when the
    /// model was listed.
    pub path: PathBuf,
    /// Its size when listed.
    pub size: u64,
    /// Its device and inode when listed (Unix): hashing read this very file, and a later
    /// reader (the gate's scan) must too.
    pub identity: Option<(u64, u64)>,
    /// Its status-change time when listed (seconds, nanoseconds; Unix).
    pub status_changed: Option<(i64, i64)>,
}

impl From<&modelseal_digest::ModelFile> for VerifiedFile {
    fn from(f: &modelseal_digest::ModelFile) -> Self {
        VerifiedFile {
            name: f.name.clone(),
            path: f.real_path.clone(),
            size: f.size,
            identity: f.identity,
            status_changed: f.status_changed,
        }
    }
}

/// The outcome of hashing a model against a valid signature.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// The model that was hashed.
    #[serde(serialize_with = "modelseal_report::path::lossy")]
    pub model: PathBuf,
    /// The signature file that was checked.
    #[serde(serialize_with = "modelseal_report::path::lossy")]
    pub signature: PathBuf,
    /// The model name the signature records (the OMS subject name).
    pub model_name: String,
    /// The name signing this model would record (its directory's or file's name). It may
    /// differ from `model_name`: `model_signing` does not bind the name, so another model's
    /// signature copied beside this one verifies; see [`VerifyReport::signed_name_matches`].
    pub name_on_disk: String,
    /// `sha256:<hex>`
    pub root_digest: String,
    /// Who signed, as verification established it.
    pub signer: SignerIdentity,
    /// The serialization method, `files` or `shards`.
    pub method: &'static str,
    /// The hash algorithm's OMS name.
    pub hash: String,
    /// Whether the OMS reference's CLI (`model_signing verify key|certificate` 1.1.1) accepts
    /// this signature: ECDSA on P-256/384/521, SHA-256, by file ([`crate::oms_interoperability`]).
    pub oms_interoperable: bool,
    /// Why it does not, when it does not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oms_incompatibility: Option<String>,
    /// How many resources the signature lists.
    pub resources: usize,
    /// How many files were hashed on disk.
    pub files_hashed: usize,
    /// The total size of the hashed files.
    pub bytes_hashed: u64,
    /// Signed resources absent from disk.
    pub missing: Vec<String>,
    /// Files on disk the signature does not cover.
    pub extra: Vec<String>,
    /// Resources whose digest differs (or, under a shard signature, whose file's size differs:
    /// such a file is not hashed at all).
    pub changed: Vec<String>,
    /// Extra files that `ignore_unsigned_files` let through.
    pub unsigned_ignored: Vec<String>,
    /// Every file of the model as verification listed it (signed or extra, in canonical
    /// order; not those `ignore_unsigned_files` let through): exactly what a gate must scan.
    #[serde(skip)]
    pub files: Vec<VerifiedFile>,
}

impl VerifyReport {
    /// Whether the model matches the signature: nothing missing, unsigned or changed.
    pub fn is_ok(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty() && self.changed.is_empty()
    }

    /// Whether the signature was made for a model of this name. A model that verifies with
    /// another model's signature (`test-fixture.sig` copied to `prod.sig` with its files) has
    /// the same content, signed as another name: reported, and a failure where the caller
    /// requires the names to match (red team 3, V-3).
    pub fn signed_name_matches(&self) -> bool {
        self.model_name == self.name_on_disk
    }
}

/// Reads and parses a signature bundle.
pub fn read_bundle(path: &Path) -> Result<Bundle, SignError> {
    let bytes = modelseal_fs::read_limited(path, MAX_SIGNATURE_BYTES).map_err(|e| {
        if e.is_not_found() || e.is_io() {
            SignError::from(e)
        } else {
            // Not a regular file, or too large: not a signature.
            SignError::MalformedSignature {
                path: Some(e.path),
                problem: Malformed::File(e.reason),
            }
        }
    })?;
    parse_bundle(&bytes, path)
}

/// Parses a signature bundle read elsewhere (stdin); `path` names it in errors.
pub fn parse_bundle(bytes: &[u8], path: &Path) -> Result<Bundle, SignError> {
    let bundle: Bundle = serde_json::from_slice(bytes)
        .map_err(|e| SignError::from(Malformed::NotABundle(e)).in_signature(path))?;
    if !bundle.has_known_media_type() {
        return Err(
            SignError::from(Unsupported::BundleMediaType(bundle.media_type)).in_signature(path),
        );
    }
    Ok(bundle)
}

/// Checks the bundle's signature with `trust` and returns the signed OMS manifest. Nothing of
/// the payload is interpreted before its signature is known good: this is
/// [`Bundle::verify`] (generic DSSE) followed by the OMS layer ([`oms::manifest_from_verified`]).
/// `path` names the signature file in errors.
pub fn verify_bundle(
    bundle: &Bundle,
    trust: &TrustRoot,
    path: &Path,
) -> Result<(Manifest, SignerIdentity), SignError> {
    let verify = || {
        // Refused before any cryptography: an OMS signature is always an in-toto statement.
        let payload_type = &bundle.dsse_envelope.payload_type;
        if payload_type != IN_TOTO_PAYLOAD_TYPE {
            return Err(Unsupported::WrongPayloadType {
                found: payload_type.clone(),
                expected: IN_TOTO_PAYLOAD_TYPE,
            }
            .into());
        }
        let verified = bundle.verify(trust)?;
        let manifest = oms::manifest_from_verified(&verified)?;
        Ok((manifest, verified.signer))
    };
    verify().map_err(|e: SignError| e.in_signature(path))
}

/// Verifies the model at `model` against the signature at `signature`.
///
/// `Ok` with `is_ok() == false` means the signature is genuine but the model differs from what
/// was signed; `Err` means the check could not be completed or the signature itself is bad.
///
/// Work is bounded before any byte is hashed: files the signature does not list are reported
/// as extra without being read; under a shard signature a file whose size differs from the
/// signed one is reported changed without being read; and the bytes left to hash must not
/// exceed [`VerifyOptions::max_bytes`].
pub fn verify_model(
    model: &Path,
    signature: &Path,
    trust: &TrustRoot,
    options: &VerifyOptions,
) -> Result<VerifyReport, SignError> {
    // Before the signature is read: a missing model is reported as itself, not as the
    // signature beside it that is missing with it.
    if model.symlink_metadata().is_err() {
        return Err(SignError::NotFound(model.to_path_buf()));
    }
    let bundle = read_bundle(signature)?;
    verify_model_with_bundle(model, &bundle, signature, trust, options)
}

/// [`verify_model`] with a bundle already read (from stdin: `verify --signature -`);
/// `signature` names it in the report and in errors.
pub fn verify_model_with_bundle(
    model: &Path,
    bundle: &Bundle,
    signature: &Path,
    trust: &TrustRoot,
    options: &VerifyOptions,
) -> Result<VerifyReport, SignError> {
    if model.symlink_metadata().is_err() {
        return Err(SignError::NotFound(model.to_path_buf()));
    }
    let (expected_manifest, signer) = verify_bundle(bundle, trust, signature)?;
    let interoperability = crate::oms_interoperability(
        crate::interop::signing_key_algorithm(bundle, trust),
        &expected_manifest.serialization,
    );

    let mut serialization = expected_manifest.serialization.clone();
    for extra in &options.extra_ignores {
        serialization.ignore(extra);
    }
    let mut walk = walk_model(
        model,
        serialization.allow_symlinks,
        &serialization.ignore_paths,
    )
    .map_err(planted_or_digest)?;
    let signed_files = SignedFiles::of(&expected_manifest);
    let mut unsigned_ignored = Vec::new();
    if options.ignore_unsigned_files {
        walk.files.retain(|f| {
            let keep = signed_files.sizes.contains_key(f.name.as_str());
            if !keep {
                unsigned_ignored.push(f.name.clone());
            }
            keep
        });
    }
    let files = walk.files.iter().map(VerifiedFile::from).collect();

    // Decide what to hash from names and sizes alone.
    let mut extra = Vec::new();
    let mut present = HashSet::new();
    let mut to_hash = Walk {
        root: walk.root.clone(),
        model_name: walk.model_name.clone(),
        is_single_file: walk.is_single_file,
        files: Vec::new(),
    };
    for file in &walk.files {
        match signed_files.sizes.get(file.name.as_str()) {
            None if has_resources(file, serialization.method) => extra.push(file.name.clone()),
            None => {}
            Some(expected_size) => {
                present.insert(file.name.as_str());
                // A resized file's signed resources are reported changed below.
                if expected_size.is_none_or(|size| size == file.size) {
                    to_hash.files.push(file.clone());
                }
            }
        }
    }
    // Sizes are what the file system claims: a hostile tree of sparse files may sum past u64.
    let bytes = to_hash
        .files
        .iter()
        .map(|f| f.size)
        .fold(0, u64::saturating_add);
    let limit = match (options.max_bytes, signed_files.total) {
        (Some(limit), _) => Some((limit, "--max-bytes")),
        (None, Some(total)) => Some((total, "the signed total")),
        (None, None) => None,
    };
    if let Some((limit, source_of_limit)) = limit
        && bytes > limit
    {
        return Err(SignError::TooMuchToHash {
            bytes,
            limit,
            source_of_limit,
        });
    }
    let progress: &dyn ByteProgress = match &options.progress {
        Some(progress) => progress.as_ref(),
        None => &NoProgress,
    };
    let actual = hash_walk_with_progress(&to_hash, &serialization, progress)?;

    let (missing, changed, extra) =
        compare(&expected_manifest, &actual, &present, &signed_files, extra);

    Ok(VerifyReport {
        model: model.to_path_buf(),
        signature: signature.to_path_buf(),
        model_name: expected_manifest.model_name.clone(),
        name_on_disk: walk.model_name.clone(),
        root_digest: format!("sha256:{}", hex::encode(expected_manifest.root_digest())),
        signer,
        method: if expected_manifest.is_sharded() {
            "shards"
        } else {
            "files"
        },
        hash: expected_manifest.serialization.hash.oms_name().to_owned(),
        oms_interoperable: interoperability.is_ok(),
        oms_incompatibility: interoperability.err().map(|e| e.to_string()),
        resources: expected_manifest.resources.len(),
        files_hashed: to_hash.files.len(),
        bytes_hashed: bytes,
        missing,
        extra,
        changed,
        unsigned_ignored,
        files,
    })
}

/// Signed resources against hashed ones: (missing, changed, extra), each sorted. A signed
/// file on disk whose resources were not all produced (its size differs, or the shards do not
/// line up) is changed, not missing: only a file absent from disk is missing.
fn compare(
    expected_manifest: &Manifest,
    actual: &Manifest,
    present: &HashSet<&str>,
    signed_files: &SignedFiles<'_>,
    mut extra: Vec<String>,
) -> (Vec<String>, Vec<String>, Vec<String>) {
    let expected: BTreeMap<String, &[u8]> = expected_manifest
        .resources
        .iter()
        .map(|r| (r.name.to_string(), r.digest.as_slice()))
        .collect();
    let found: BTreeMap<String, &[u8]> = actual
        .resources
        .iter()
        .map(|r| (r.name.to_string(), r.digest.as_slice()))
        .collect();
    let mut missing = Vec::new();
    let mut changed = Vec::new();
    for (name, digest) in &expected {
        match found.get(name) {
            Some(d) if d == digest => {}
            Some(_) => changed.push(name.clone()),
            None if present.contains(signed_files.path_of(name)) => changed.push(name.clone()),
            // A file gone from disk is missing once, by its path, not shard by shard.
            None => missing.push(signed_files.path_of(name).to_owned()),
        }
    }
    missing.sort();
    missing.dedup();
    extra.extend(found.keys().filter(|k| !expected.contains_key(*k)).cloned());
    extra.sort();
    extra.dedup();
    (missing, changed, extra)
}

/// A walk refusal at verification time: content the signer's walk would have refused
/// (a link, a special file, a bad name) was planted after signing.
pub(crate) fn planted_or_digest(e: DigestError) -> SignError {
    match e {
        DigestError::SymlinkRefused(_)
        | DigestError::SymlinkEscapes(_)
        | DigestError::SymlinkIntoIgnored { .. }
        | DigestError::BrokenSymlink(_)
        | DigestError::NonUtf8Name(_)
        | DigestError::SpecialFile(_) => SignError::PlantedContent(e),
        other => other.into(),
    }
}

/// Whether a file the signature does not list holds content it would have signed: an empty
/// file has no shards, so a shards signature cannot list it. An unsigned file is reported
/// once, by its name: under a shards signature its claimed size (a sparse 64 GiB file) once
/// made it 16M shard names, 2.9 GB of memory and a 580 MB report (red team 3, V-4).
fn has_resources(file: &modelseal_digest::ModelFile, method: Method) -> bool {
    file.size > 0 || !matches!(method, Method::Shards { .. })
}

/// What a signature says about each signed file, before anything is read.
struct SignedFiles<'a> {
    /// File path -> its size when the signature records it (shards: the end of its last
    /// shard; `files` signatures record no sizes).
    sizes: HashMap<&'a str, Option<u64>>,
    /// Resource name (as displayed) -> file path.
    paths: HashMap<String, &'a str>,
    /// The sum of the signed sizes, when known.
    total: Option<u64>,
}

impl<'a> SignedFiles<'a> {
    fn of(manifest: &'a Manifest) -> Self {
        let mut sizes: HashMap<&str, Option<u64>> = HashMap::new();
        let mut paths = HashMap::new();
        for resource in &manifest.resources {
            let path = resource.name.path.as_str();
            let end = resource.name.range.map(|(_, end)| end);
            let size = sizes.entry(path).or_insert(end);
            *size = (*size).max(end);
            paths.insert(resource.name.to_string(), path);
        }
        let total = manifest.is_sharded().then(|| {
            sizes
                .values()
                .map(|s| s.unwrap_or(0))
                .fold(0, u64::saturating_add)
        });
        SignedFiles {
            sizes,
            paths,
            total,
        }
    }

    fn path_of<'b>(&'b self, resource: &'b str) -> &'b str {
        self.paths.get(resource).copied().unwrap_or(resource)
    }
}
