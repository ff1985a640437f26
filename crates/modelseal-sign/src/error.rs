//! Every failure is a kind a caller can match on, not a sentence to parse: the messages stay
//! as informative as the sentences were, and [`SignError::kind`] groups them for exit codes.

use std::fmt;
use std::path::{Path, PathBuf};

use modelseal_digest::{DigestError, HashAlgorithm};
use modelseal_fs::{FsError, Reason};

use crate::KeyAlgorithm;

/// What went wrong, grouped so that a CLI can map each group to one exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The model, signature or key does not exist.
    NotFound,
    /// The input exists but cannot be understood or is not supported.
    Malformed,
    /// A signature, certificate or digest does not check out.
    Integrity,
    /// The caller asked for something that cannot be done as asked (e.g. overwrite a key).
    Usage,
    /// The operating system refused an operation.
    Io,
    /// The cryptographic library failed (signing, key generation, the random generator): a bug
    /// or a broken platform, never a problem with the input.
    Internal,
}

/// Why signing, verifying or key handling failed; [`SignError::kind`] maps each variant to an [`ErrorKind`].
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// Hashing the model failed (not found, unreadable, a refused link, ...).
    #[error(transparent)]
    Digest(#[from] DigestError),
    /// A key, certificate or signature file could not be read or written.
    #[error(transparent)]
    Fs(FsError),
    /// The model to sign or verify does not exist.
    #[error("{} not found", modelseal_report::name::path(.0))]
    NotFound(PathBuf),
    /// A key or certificate file that cannot be used.
    #[error("{}: {problem}", modelseal_report::name::path(path))]
    BadKey {
        /// The key or certificate file.
        path: PathBuf,
        /// What is wrong with it.
        problem: KeyProblem,
    },
    /// The private key is encrypted and no passphrase was given.
    #[error("{}: the key is encrypted; pass --passphrase-env VAR naming a variable that holds its passphrase", modelseal_report::name::path(.0))]
    PassphraseRequired(PathBuf),
    /// The passphrase did not decrypt the key (wrong, or the key file is damaged).
    #[error("{}: wrong passphrase, or the encrypted key is corrupt", modelseal_report::name::path(.0))]
    WrongPassphrase(PathBuf),
    /// The output file exists and the caller did not ask to replace it.
    #[error("{} already exists; pass --force to replace it", modelseal_report::name::path(.0))]
    AlreadyExists(PathBuf),

    /// The signature file or envelope cannot be understood. `path` is the signature file once
    /// known (see [`SignError::in_signature`]).
    #[error("malformed signature{}: {problem}", at(path.as_deref()))]
    MalformedSignature {
        /// The signature file, when the failure is tied to one.
        path: Option<PathBuf>,
        /// Which part of the signature is malformed.
        problem: Malformed,
    },
    /// Well-formed, but not something this verifier accepts.
    #[error("unsupported signature{}: {problem}", at(path.as_deref()))]
    Unsupported {
        /// The signature file, when the failure is tied to one.
        path: Option<PathBuf>,
        /// What this verifier does not support.
        problem: Unsupported,
    },

    /// The bundle names the key that signed it, and it is not the key given.
    #[error(
        "signature check failed: the signature was made with a different key (its key hint is {signed_with}, the given public key's is {given})"
    )]
    KeyHintMismatch {
        /// The key hint recorded in the signature.
        signed_with: String,
        /// The key hint of the public key given to verify with.
        given: String,
    },
    /// No signature of the envelope verifies with the given public key.
    #[error(
        "signature check failed: the signature does not match the payload and the given public key (payload edited or wrong key)"
    )]
    NoSignatureMatched,
    /// The certificate chain is trusted but the signature is not its leaf key's.
    #[error("signature check failed: the signature does not match the signing certificate's key")]
    CertificateKeyMismatch,

    /// Certificate roots were given but the bundle carries no certificate.
    #[error(
        "certificate check failed: the signature carries no certificate chain (was it signed with a key? use --key)"
    )]
    NoCertificateChain,
    /// The signing certificate in the bundle cannot be decoded as DER.
    #[error("certificate check failed: signing certificate is not valid DER: {0}")]
    CertificateNotDer(x509_cert::der::Error),
    /// The certificate's extended key usage extension cannot be decoded.
    #[error("certificate check failed: malformed extended key usage: {0}")]
    MalformedExtendedKeyUsage(x509_cert::der::Error),
    /// The signing certificate is valid but not issued for code signing.
    #[error(
        "certificate check failed: the signing certificate ({subject}) is not for code signing: its extended key usage lacks codeSigning"
    )]
    MissingCodeSigningEku {
        /// The certificate's subject, so the user can tell which certificate it is.
        subject: String,
    },
    /// webpki cannot use the leaf or a trust anchor at all.
    #[error("certificate check failed: {role}: {reason}")]
    CertificateUnusable {
        /// Which certificate webpki refused.
        role: CertificateRole,
        /// webpki's reason.
        reason: webpki::Error,
    },
    /// The chain is outside its validity period now (expired, or not yet valid).
    #[error(
        "certificate check failed: the signing certificate does not chain to a trusted root for code signing now: {0}"
    )]
    CertificateExpired(webpki::Error),
    /// No path from the leaf to a trust anchor, for code signing.
    #[error(
        "certificate check failed: the signing certificate does not chain to a trusted root for code signing now: {0}"
    )]
    CertificateUntrusted(webpki::Error),

    /// The chain is valid to webpki but breaks the RFC 5280 profile OpenSSL enforces under
    /// `-x509_strict` (a root's `pathlen:0` above an intermediate, a signing certificate whose
    /// key usage is `keyCertSign`, ...).
    #[error(
        "certificate check failed: {} (certificate {} of the chain, 0 = signing certificate) breaks the X.509 strict profile: {}",
        .0.subject, .0.depth, .0.problem
    )]
    CertificateNotStrict(crate::strict::StrictViolation),
    /// The chain and signature hold, but none of the leaf's email or URI names is the expected
    /// identity (`--certificate-identity`): genuine, signed by someone else.
    #[error(
        "certificate check failed: the signing certificate is not for the expected identity: expected {expected}, its email and URI names are {}",
        names(found)
    )]
    IdentityMismatch {
        /// The expected identity, quoted (or the pattern).
        expected: String,
        /// The leaf's email and URI names, each quoted and escaped.
        found: Vec<String>,
    },
    /// The leaf's Fulcio OIDC issuer is absent or not the expected one
    /// (`--certificate-oidc-issuer`).
    #[error(
        "certificate check failed: the signing certificate's OIDC issuer is {}, expected {expected}",
        found.as_deref().unwrap_or("absent (no Fulcio issuer extension)")
    )]
    OidcIssuerMismatch {
        /// The expected issuer, quoted (or the pattern).
        expected: String,
        /// The leaf's issuer, quoted and escaped.
        found: Option<String>,
    },
    /// The leaf's identity extensions say something no honest issuer writes (two issuer
    /// extensions that disagree, a duplicate, a value that does not decode).
    #[error("certificate check failed: the signing certificate's identity is unreadable: {0}")]
    MalformedIdentity(crate::identity::IdentityProblem),
    /// An identity or issuer pattern that is not a valid regular expression.
    #[error("invalid regular expression {pattern:?}: {source}")]
    InvalidIdentityPattern {
        /// The pattern as given.
        pattern: String,
        /// Why it does not compile.
        source: regex::Error,
    },
    /// The resources listed in the verified payload do not hash to its subject digest.
    #[error(
        "the signed manifest is inconsistent: the subject digest is {signed} but the listed resources hash to {computed}"
    )]
    SubjectDigestMismatch {
        /// The subject digest the statement carries.
        signed: String,
        /// The digest recomputed from the listed resources.
        computed: String,
    },
    /// Content the signer's walk would have refused appeared in the model after signing.
    #[error("the model's files changed since signing: {0}")]
    PlantedContent(DigestError),
    /// The model read into memory differs from what was signed.
    #[error("the model's files changed since signing: {0}")]
    ContentMismatch(ContentMismatch),
    /// Verifying would hash more bytes than allowed (`--max-bytes`, or the signed total of a
    /// shard signature): refused before any byte is hashed.
    #[error(
        "the model's signed files hold {bytes} bytes, more than the {limit} bytes allowed to hash ({source_of_limit}); refused before hashing"
    )]
    TooMuchToHash {
        /// What the files left to hash claim to hold.
        bytes: u64,
        /// The bound.
        limit: u64,
        /// Where the bound came from (`--max-bytes` or the signed total).
        source_of_limit: &'static str,
    },

    /// The cryptographic library failed; a bug or a broken platform, never the input's fault.
    #[error("cryptographic operation failed: {0}")]
    Crypto(CryptoOperation),
}

/// Why a key or certificate file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyProblem {
    /// A PEM block of another type (named here) where a public key was expected.
    #[error("expected a PUBLIC KEY, found a {0} PEM block")]
    WrongPemBlock(String),
    /// The PEM block does not decode as a SubjectPublicKeyInfo.
    #[error("not a valid public key: {0}")]
    NotAPublicKey(pkcs8::der::Error),
    /// An EC key on a curve other than P-256, P-384 and P-521 (the curve's OID).
    #[error("unsupported elliptic curve {0}")]
    UnsupportedCurve(pkcs8::ObjectIdentifier),
    /// An EC key whose curve is given by explicit parameters instead of a name.
    #[error("EC key without a named curve")]
    CurveNotNamed,
    /// A public key algorithm this crate does not verify with (its OID).
    #[error("unsupported public key algorithm {0}")]
    UnsupportedPublicKeyAlgorithm(pkcs8::ObjectIdentifier),
    /// The key decodes but the crypto library rejects it for its algorithm.
    #[error("invalid {algorithm} public key: {reason}")]
    InvalidPublicKey {
        /// The algorithm the key claims to be for.
        algorithm: KeyAlgorithm,
        /// Why the crypto library rejected it.
        reason: aws_lc_rs::error::KeyRejected,
    },
    /// The encrypted private key's PKCS#8 structure does not decode.
    #[error("malformed encrypted key: {0}")]
    MalformedEncryptedKey(pkcs8::der::Error),
    /// An encrypted key using PBES1, whose ciphers are broken.
    #[error("only PBES2 encrypted keys are supported (PBES1 uses broken ciphers)")]
    NotPbes2,
    /// The scrypt parameters would make decryption use more memory than allowed; a hostile
    /// key file could otherwise exhaust memory.
    #[error("its scrypt parameters would need {bytes} bytes of memory (limit {limit})")]
    ScryptCost {
        /// The memory the parameters require.
        bytes: u64,
        /// The most this crate allows.
        limit: u64,
    },
    /// The PBKDF2 iteration count is so high that decryption would stall.
    #[error("its PBKDF2 iteration count {iterations} exceeds {limit}")]
    Pbkdf2Cost {
        /// The count the key file asks for.
        iterations: u32,
        /// The most this crate allows.
        limit: u32,
    },
    /// A key derivation function other than scrypt or PBKDF2.
    #[error("unsupported key derivation function")]
    UnsupportedKdf,
    /// An EC private key the crypto library cannot parse.
    #[error("unsupported or malformed EC private key")]
    MalformedEcPrivateKey,
    /// An RSA key the crypto library rejects.
    #[error("malformed RSA key: {0}")]
    MalformedRsaKey(aws_lc_rs::error::KeyRejected),
    /// The file has no PEM block holding a private key.
    #[error("no private key PEM block found")]
    NoPrivateKeyBlock,
    /// The private key block is not PKCS#8.
    #[error("not a PKCS#8 private key: {0}")]
    NotPkcs8(pkcs8::der::Error),
    /// A private key algorithm this crate cannot sign with (its OID).
    #[error("unsupported key algorithm {0}")]
    UnsupportedKeyAlgorithm(pkcs8::ObjectIdentifier),
    /// The private key decodes but the crypto library rejects it.
    #[error("invalid key: {0}")]
    InvalidKey(aws_lc_rs::error::KeyRejected),
    /// An operation that needs an EC key was given a key of another algorithm.
    #[error("{0} is not an elliptic curve key")]
    NotAnEcKey(KeyAlgorithm),
    /// The public half of the key cannot be encoded.
    #[error("cannot encode the public key")]
    PublicKeyEncoding,
    /// The certificate file holds no CERTIFICATE PEM block.
    #[error("no CERTIFICATE found")]
    NoCertificate,
}

/// Why a signature cannot be understood.
#[derive(Debug, thiserror::Error)]
pub enum Malformed {
    /// The signature file is not a regular file, or too large.
    #[error("{0}")]
    File(Reason),
    /// The file is not JSON of the Sigstore bundle shape.
    #[error("not a Sigstore bundle: {0}")]
    NotABundle(serde_json::Error),
    /// The DSSE payload is not valid base64.
    #[error("payload is not base64: {0}")]
    PayloadNotBase64(base64::DecodeError),
    /// None of the envelope's signatures is valid base64.
    #[error("the envelope has no decodable signature")]
    NoDecodableSignature,
    /// The bundle's certificate is not valid base64.
    #[error("certificate is not base64: {0}")]
    CertificateNotBase64(base64::DecodeError),
    /// The decoded payload is not an in-toto statement.
    #[error("payload is not an in-toto statement: {0}")]
    NotAStatement(serde_json::Error),
    /// The signed statement names one key twice in an object: readers disagree on which
    /// value counts, so a strict verifier takes neither.
    #[error("the signed statement is ambiguous: {0}")]
    DuplicateKey(serde_json::Error),
    /// OMS statements have exactly one subject (the model); this many were found.
    #[error("expected exactly one subject, found {0}")]
    SubjectCount(usize),
    /// The subject lacks the sha256 digest OMS requires.
    #[error("the subject has no sha256 digest")]
    SubjectWithoutSha256,
    /// The predicate does not have the OMS manifest shape.
    #[error("malformed OMS predicate: {0}")]
    OmsPredicate(serde_json::Error),
    /// A shard serialization whose shard size is missing, zero or not an integer.
    #[error("shards serialization without a positive integral shard_size")]
    ShardSize,
    /// A resource name that could escape the model or is not canonical.
    #[error("{0}")]
    ResourceName(DigestError),
    /// An ignore path that could escape the model or is not canonical.
    #[error("ignore path: {0}")]
    IgnorePath(DigestError),
    /// A resource hashed with another algorithm than the serialization declares.
    #[error("resource {name:?} uses algorithm {algorithm:?} but the serialization says {expected}")]
    ResourceAlgorithm {
        /// The resource's name.
        name: String,
        /// The algorithm the resource claims.
        algorithm: String,
        /// The algorithm the serialization declares.
        expected: HashAlgorithm,
    },
    /// A resource digest that is not hex of the algorithm's length.
    #[error("resource {0:?} has a malformed digest")]
    ResourceDigest(String),
    /// Two resources with the same name would make the manifest ambiguous.
    #[error("resource {0:?} is listed twice")]
    DuplicateResource(String),
}

/// Why a well-formed signature is not accepted.
#[derive(Debug, thiserror::Error)]
pub enum Unsupported {
    /// A bundle media type this verifier does not know (bundle versions it cannot read).
    #[error("unknown bundle media type {0:?}")]
    BundleMediaType(String),
    /// The DSSE envelope carries a payload type other than in-toto.
    #[error("DSSE payload type {found:?}, expected {expected:?}")]
    WrongPayloadType {
        /// The payload type found.
        found: String,
        /// The payload type required.
        expected: &'static str,
    },
    /// The statement is not an in-toto v1 statement.
    #[error("statement type is {found:?}, expected {expected:?}")]
    WrongStatementType {
        /// The statement type found.
        found: String,
        /// The statement type required.
        expected: &'static str,
    },
    /// The predicate is not an OMS model signature.
    #[error("predicate type is {found:?}, expected {expected:?} (not an OMS model signature)")]
    WrongPredicateType {
        /// The predicate type found.
        found: String,
        /// The predicate type required.
        expected: &'static str,
    },
    /// The manifest lists no resources; OMS requires rejecting empty models.
    #[error("the signature covers no files (OMS requires rejecting empty models)")]
    EmptyModel,
    /// The manifest names a hash algorithm this crate does not implement.
    #[error("{0}")]
    HashAlgorithm(DigestError),
    /// A serialization method other than files and shards.
    #[error("unknown serialization method {0:?}")]
    SerializationMethod(String),
}

/// Which certificate webpki could not use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateRole {
    /// The leaf certificate that signed the bundle.
    SigningCertificate,
    /// A certificate given as a root of trust.
    TrustAnchor,
}

impl fmt::Display for CertificateRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CertificateRole::SigningCertificate => "signing certificate",
            CertificateRole::TrustAnchor => "trust anchor",
        })
    }
}

/// How a model in memory differs from its signature, by resource name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContentMismatch {
    /// Resources the signature lists that the model lacks.
    pub missing: Vec<String>,
    /// Resources in the model that the signature does not list.
    pub unsigned: Vec<String>,
    /// Resources whose digest differs from the signed one.
    pub changed: Vec<String>,
}

impl fmt::Display for ContentMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let problems = self
            .missing
            .iter()
            .map(|k| format!("missing {k}"))
            .chain(self.unsigned.iter().map(|k| format!("not signed {k}")))
            .chain(self.changed.iter().map(|k| format!("changed {k}")));
        f.write_str(&problems.collect::<Vec<_>>().join(", "))
    }
}

/// The cryptographic operation that failed inside the library or key store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CryptoOperation {
    /// Generating a key pair of this algorithm.
    KeyGeneration(KeyAlgorithm),
    /// Signing with a key of this algorithm.
    Signing(KeyAlgorithm),
    /// Encoding a public key.
    PublicKeyEncoding,
    /// Encoding a private key as PKCS#8.
    PrivateKeyEncoding,
    /// Encrypting a private key with a passphrase.
    PrivateKeyEncryption,
    /// Wrapping DER into PEM.
    PemEncoding,
    /// Serializing the statement to sign.
    PayloadEncoding,
}

impl fmt::Display for CryptoOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CryptoOperation::KeyGeneration(alg) => write!(f, "{alg} key generation"),
            CryptoOperation::Signing(alg) => write!(f, "{alg} signing"),
            CryptoOperation::PublicKeyEncoding => f.write_str("public key encoding"),
            CryptoOperation::PrivateKeyEncoding => f.write_str("private key encoding"),
            CryptoOperation::PrivateKeyEncryption => f.write_str("private key encryption"),
            CryptoOperation::PemEncoding => f.write_str("PEM encoding"),
            CryptoOperation::PayloadEncoding => f.write_str("payload encoding"),
        }
    }
}

fn names(found: &[String]) -> String {
    if found.is_empty() {
        "none".to_owned()
    } else {
        found.join(", ")
    }
}

fn at(path: Option<&Path>) -> String {
    path.map(|p| format!(" {}", modelseal_report::name::path(p)))
        .unwrap_or_default()
}

/// A destination that exists keeps this crate's hint (`--force`); every other file failure
/// stays the file system's.
impl From<FsError> for SignError {
    fn from(e: FsError) -> Self {
        match e.reason {
            Reason::AlreadyExists => SignError::AlreadyExists(e.path),
            _ => SignError::Fs(e),
        }
    }
}

impl From<Malformed> for SignError {
    fn from(problem: Malformed) -> Self {
        SignError::MalformedSignature {
            path: None,
            problem,
        }
    }
}

impl From<Unsupported> for SignError {
    fn from(problem: Unsupported) -> Self {
        SignError::Unsupported {
            path: None,
            problem,
        }
    }
}

impl SignError {
    /// Groups this error for the caller's exit code.
    pub fn kind(&self) -> ErrorKind {
        match self {
            SignError::Digest(e) => match e {
                DigestError::NotFound(_) => ErrorKind::NotFound,
                DigestError::Io { .. } => ErrorKind::Io,
                DigestError::ChangedWhileHashing { .. } => ErrorKind::Integrity,
                DigestError::InvalidShardSize(_) | DigestError::TooManyShards { .. } => {
                    ErrorKind::Usage
                }
                _ => ErrorKind::Malformed,
            },
            SignError::Fs(e) if e.is_not_found() => ErrorKind::NotFound,
            SignError::Fs(e) if e.is_io() => ErrorKind::Io,
            SignError::NotFound(_) => ErrorKind::NotFound,
            SignError::Crypto(_) => ErrorKind::Internal,
            SignError::Fs(_)
            | SignError::BadKey { .. }
            | SignError::MalformedSignature { .. }
            | SignError::Unsupported { .. } => ErrorKind::Malformed,
            SignError::KeyHintMismatch { .. }
            | SignError::NoSignatureMatched
            | SignError::CertificateKeyMismatch
            | SignError::NoCertificateChain
            | SignError::CertificateNotDer(_)
            | SignError::MalformedExtendedKeyUsage(_)
            | SignError::MissingCodeSigningEku { .. }
            | SignError::CertificateUnusable { .. }
            | SignError::CertificateExpired(_)
            | SignError::CertificateUntrusted(_)
            | SignError::CertificateNotStrict(_)
            | SignError::IdentityMismatch { .. }
            | SignError::OidcIssuerMismatch { .. }
            | SignError::MalformedIdentity(_)
            | SignError::SubjectDigestMismatch { .. }
            | SignError::PlantedContent(_)
            | SignError::ContentMismatch(_)
            | SignError::TooMuchToHash { .. } => ErrorKind::Integrity,
            SignError::AlreadyExists(_)
            | SignError::InvalidIdentityPattern { .. }
            | SignError::PassphraseRequired(_)
            | SignError::WrongPassphrase(_) => ErrorKind::Usage,
        }
    }

    /// The file this error concerns, when it names one (for machine-readable reports).
    pub fn path(&self) -> Option<&Path> {
        match self {
            SignError::Digest(e) | SignError::PlantedContent(e) => e.path(),
            SignError::Fs(e) => Some(e.path()),
            SignError::NotFound(path)
            | SignError::BadKey { path, .. }
            | SignError::PassphraseRequired(path)
            | SignError::WrongPassphrase(path)
            | SignError::AlreadyExists(path) => Some(path),
            SignError::MalformedSignature { path, .. } | SignError::Unsupported { path, .. } => {
                path.as_deref()
            }
            _ => None,
        }
    }

    /// Names the signature file in a malformed or unsupported signature's message; the layers
    /// below (DSSE, statement, predicate) do not know where their bytes came from.
    #[must_use]
    pub fn in_signature(self, file: &Path) -> Self {
        match self {
            SignError::MalformedSignature {
                path: None,
                problem,
            } => SignError::MalformedSignature {
                path: Some(file.to_path_buf()),
                problem,
            },
            SignError::Unsupported {
                path: None,
                problem,
            } => SignError::Unsupported {
                path: Some(file.to_path_buf()),
                problem,
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crypto_failure_is_internal_not_malformed_or_io() {
        let e = SignError::Crypto(CryptoOperation::Signing(KeyAlgorithm::EcdsaP256));
        assert_eq!(e.kind(), ErrorKind::Internal);
        assert_eq!(
            e.to_string(),
            "cryptographic operation failed: ecdsa-p256 signing"
        );
    }

    #[test]
    fn the_signature_file_is_named_once_known() {
        let e = SignError::from(Malformed::NoDecodableSignature);
        assert_eq!(
            e.to_string(),
            "malformed signature: the envelope has no decodable signature"
        );
        let e = e.in_signature(Path::new("m.sig"));
        assert_eq!(
            e.to_string(),
            "malformed signature m.sig: the envelope has no decodable signature"
        );
        assert_eq!(e.kind(), ErrorKind::Malformed);
    }
}
