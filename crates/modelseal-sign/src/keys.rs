//! Signing keys and public keys: generation, PEM/DER loading (PKCS#8, encrypted PKCS#8, SEC1,
//! PKCS#1), and the public-key hint OMS bundles carry.
//!
//! All cryptography is aws-lc-rs; the `pkcs8`/`spki` crates only parse and (de)encrypt
//! containers.

use std::fmt;
use std::path::Path;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _};
use pkcs8::der::Decode as _;
use pkcs8::der::pem::LineEnding;
use sha2::{Digest as _, Sha256};
use spki::ObjectIdentifier;
use zeroize::Zeroizing;

use crate::SignError;
use crate::error::{CryptoOperation, KeyProblem};

/// Keys and certificate chains are a few KiB; 1 MiB leaves room for long chains.
pub(crate) const MAX_KEY_FILE_BYTES: u64 = 1024 * 1024;

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");

/// Key algorithms. ECDSA keys sign what `model_signing` verifies (SHA-256 for P-256, SHA-384
/// for P-384, SHA-512 for P-521); Ed25519 and RSA-PSS (SHA-256) are modelseal extensions that
/// `model_signing` 1.1.1 cannot verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// ECDSA on P-256 with SHA-256.
    EcdsaP256,
    /// ECDSA on P-384 with SHA-384.
    EcdsaP384,
    /// ECDSA on P-521 with SHA-512.
    EcdsaP521,
    /// Ed25519 (a modelseal extension).
    Ed25519,
    /// RSA-PSS with SHA-256 (a modelseal extension).
    RsaPss,
}

impl KeyAlgorithm {
    /// The algorithm's name as messages and reports show it.
    pub fn name(self) -> &'static str {
        match self {
            KeyAlgorithm::EcdsaP256 => "ecdsa-p256",
            KeyAlgorithm::EcdsaP384 => "ecdsa-p384",
            KeyAlgorithm::EcdsaP521 => "ecdsa-p521",
            KeyAlgorithm::Ed25519 => "ed25519",
            KeyAlgorithm::RsaPss => "rsa-pss",
        }
    }

    /// Whether `model_signing` (the OMS reference) can verify signatures made with this key.
    /// Only the key's part: whether it verifies a given signature also depends on how the
    /// model was hashed ([`crate::oms_interoperability`]).
    pub fn is_oms_interoperable(self) -> bool {
        matches!(
            self,
            KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384 | KeyAlgorithm::EcdsaP521
        )
    }

    fn ecdsa_signing(self) -> Option<&'static signature::EcdsaSigningAlgorithm> {
        match self {
            KeyAlgorithm::EcdsaP256 => Some(&signature::ECDSA_P256_SHA256_ASN1_SIGNING),
            KeyAlgorithm::EcdsaP384 => Some(&signature::ECDSA_P384_SHA384_ASN1_SIGNING),
            KeyAlgorithm::EcdsaP521 => Some(&signature::ECDSA_P521_SHA512_ASN1_SIGNING),
            _ => None,
        }
    }

    fn verification(self) -> &'static dyn signature::VerificationAlgorithm {
        match self {
            KeyAlgorithm::EcdsaP256 => &signature::ECDSA_P256_SHA256_ASN1,
            KeyAlgorithm::EcdsaP384 => &signature::ECDSA_P384_SHA384_ASN1,
            KeyAlgorithm::EcdsaP521 => &signature::ECDSA_P521_SHA512_ASN1,
            KeyAlgorithm::Ed25519 => &signature::ED25519,
            KeyAlgorithm::RsaPss => &signature::RSA_PSS_2048_8192_SHA256,
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A public key, kept as its DER `SubjectPublicKeyInfo`.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    algorithm: KeyAlgorithm,
    spki_der: Vec<u8>,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("algorithm", &self.algorithm)
            .field("hint", &self.hint())
            .finish_non_exhaustive()
    }
}

impl PublicKey {
    /// Reads a public key from a PEM (`PUBLIC KEY`) or DER `SubjectPublicKeyInfo` file.
    pub fn load(path: &Path) -> Result<Self, SignError> {
        let bytes = modelseal_fs::read_limited(path, MAX_KEY_FILE_BYTES)?;
        let der = match pem::parse(&bytes) {
            Ok(block) if block.tag() == "PUBLIC KEY" => block.into_contents(),
            Ok(block) => {
                return Err(bad_key(
                    path,
                    KeyProblem::WrongPemBlock(block.tag().to_owned()),
                ));
            }
            Err(_) => bytes,
        };
        Self::from_spki_der(&der).map_err(|problem| bad_key(path, problem))
    }

    /// Parses a DER `SubjectPublicKeyInfo`.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, KeyProblem> {
        let spki =
            spki::SubjectPublicKeyInfoRef::from_der(der).map_err(KeyProblem::NotAPublicKey)?;
        let algorithm = match spki.algorithm.oid {
            OID_EC_PUBLIC_KEY => match spki.algorithm.parameters_oid() {
                Ok(OID_P256) => KeyAlgorithm::EcdsaP256,
                Ok(OID_P384) => KeyAlgorithm::EcdsaP384,
                Ok(OID_P521) => KeyAlgorithm::EcdsaP521,
                Ok(curve) => return Err(KeyProblem::UnsupportedCurve(curve)),
                Err(_) => return Err(KeyProblem::CurveNotNamed),
            },
            OID_ED25519 => KeyAlgorithm::Ed25519,
            OID_RSA | OID_RSA_PSS => KeyAlgorithm::RsaPss,
            other => return Err(KeyProblem::UnsupportedPublicKeyAlgorithm(other)),
        };
        // Let aws-lc-rs validate the key material itself (point on curve, modulus size).
        let parsed = signature::UnparsedPublicKey::new(algorithm.verification(), der)
            .parse()
            .map_err(|reason| KeyProblem::InvalidPublicKey { algorithm, reason })?;
        // One key, one encoding: an EC point may be written compressed or uncompressed, and
        // keys are compared (and hinted) by their encoding. Re-encoded, it is uncompressed,
        // as every signer and `model_signing` write it.
        let spki_der = match algorithm {
            KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384 | KeyAlgorithm::EcdsaP521 => parsed
                .as_der()
                .map_err(|_| KeyProblem::PublicKeyEncoding)?
                .as_ref()
                .to_vec(),
            KeyAlgorithm::Ed25519 | KeyAlgorithm::RsaPss => der.to_vec(),
        };
        Ok(PublicKey {
            algorithm,
            spki_der,
        })
    }

    /// The algorithm this key verifies with.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The key as DER `SubjectPublicKeyInfo`.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// PEM text as OpenSSL and Python's `cryptography` write it (LF, 64 columns).
    pub fn to_pem(&self) -> String {
        let block = pem::Pem::new("PUBLIC KEY", self.spki_der.clone());
        pem::encode_config(
            &block,
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        )
    }

    /// The OMS key hint: lowercase hex SHA-256 of [`Self::to_pem`], as `model_signing` writes
    /// and checks it.
    pub fn hint(&self) -> String {
        hex::encode(Sha256::digest(self.to_pem().as_bytes()))
    }

    /// Checks `signature` over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        signature::UnparsedPublicKey::new(self.algorithm.verification(), &self.spki_der)
            .verify(message, signature)
            .is_ok()
    }
}

enum Inner {
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    Rsa(aws_lc_rs::rsa::KeyPair),
}

/// A private key that can sign. aws-lc-rs wipes key material when it is dropped.
pub struct SigningKey {
    inner: Inner,
    public: PublicKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Generates a new key. RSA keys are 3072 bits.
    pub fn generate(algorithm: KeyAlgorithm) -> Result<Self, SignError> {
        let inner = match algorithm {
            KeyAlgorithm::Ed25519 => Inner::Ed25519(
                Ed25519KeyPair::generate()
                    .map_err(|_| SignError::Crypto(CryptoOperation::KeyGeneration(algorithm)))?,
            ),
            KeyAlgorithm::RsaPss => Inner::Rsa(
                aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa3072)
                    .map_err(|_| SignError::Crypto(CryptoOperation::KeyGeneration(algorithm)))?,
            ),
            ecdsa => Inner::Ecdsa(
                EcdsaKeyPair::generate(
                    ecdsa
                        .ecdsa_signing()
                        .ok_or(SignError::Crypto(CryptoOperation::KeyGeneration(algorithm)))?,
                )
                .map_err(|_| SignError::Crypto(CryptoOperation::KeyGeneration(algorithm)))?,
            ),
        };
        Self::from_inner(inner).map_err(|_| SignError::Crypto(CryptoOperation::PublicKeyEncoding))
    }

    /// Reads a private key file: PEM `PRIVATE KEY` (PKCS#8), `ENCRYPTED PRIVATE KEY`,
    /// `EC PRIVATE KEY` (SEC1, what `openssl ecparam -genkey` writes), `RSA PRIVATE KEY`, or
    /// DER PKCS#8.
    pub fn load(path: &Path, passphrase: Option<&[u8]>) -> Result<Self, SignError> {
        let bytes = Zeroizing::new(modelseal_fs::read_limited(path, MAX_KEY_FILE_BYTES)?);
        Self::from_bytes(&bytes, passphrase, path)
    }

    /// Parses the bytes of a private key file (any format [`Self::load`] takes); `origin`
    /// only names the source in errors.
    pub fn from_bytes(
        bytes: &[u8],
        passphrase: Option<&[u8]>,
        origin: &Path,
    ) -> Result<Self, SignError> {
        let path = origin;
        let Ok(blocks) = pem::parse_many(bytes) else {
            return Self::from_pkcs8(bytes, path);
        };
        if blocks.is_empty() {
            return Self::from_pkcs8(bytes, path);
        }
        // `openssl ecparam -genkey` writes an EC PARAMETERS block before the key: skip such.
        for block in blocks {
            let der = Zeroizing::new(block.contents().to_vec());
            match block.tag() {
                "PRIVATE KEY" => return Self::from_pkcs8(&der, path),
                "ENCRYPTED PRIVATE KEY" => {
                    let passphrase = passphrase
                        .ok_or_else(|| SignError::PassphraseRequired(path.to_path_buf()))?;
                    let encrypted = pkcs8::EncryptedPrivateKeyInfo::from_der(&der)
                        .map_err(|e| bad_key(path, KeyProblem::MalformedEncryptedKey(e)))?;
                    check_kdf_cost(&encrypted.encryption_algorithm)
                        .map_err(|problem| bad_key(path, problem))?;
                    let plain = encrypted
                        .decrypt(passphrase)
                        .map_err(|_| SignError::WrongPassphrase(path.to_path_buf()))?;
                    return Self::from_pkcs8(plain.as_bytes(), path)
                        .map_err(|_| SignError::WrongPassphrase(path.to_path_buf()));
                }
                "EC PRIVATE KEY" => {
                    for alg in [
                        KeyAlgorithm::EcdsaP256,
                        KeyAlgorithm::EcdsaP384,
                        KeyAlgorithm::EcdsaP521,
                    ] {
                        let signing = alg
                            .ecdsa_signing()
                            .ok_or(SignError::Crypto(CryptoOperation::KeyGeneration(alg)))?;
                        if let Ok(pair) = EcdsaKeyPair::from_private_key_der(signing, &der) {
                            return Self::from_inner(Inner::Ecdsa(pair))
                                .map_err(|problem| bad_key(path, problem));
                        }
                    }
                    return Err(bad_key(path, KeyProblem::MalformedEcPrivateKey));
                }
                "RSA PRIVATE KEY" => {
                    let pair = aws_lc_rs::rsa::KeyPair::from_der(&der)
                        .map_err(|e| bad_key(path, KeyProblem::MalformedRsaKey(e)))?;
                    return Self::from_inner(Inner::Rsa(pair))
                        .map_err(|problem| bad_key(path, problem));
                }
                _ => {}
            }
        }
        Err(bad_key(path, KeyProblem::NoPrivateKeyBlock))
    }

    fn from_pkcs8(der: &[u8], path: &Path) -> Result<Self, SignError> {
        let info = pkcs8::PrivateKeyInfo::from_der(der)
            .map_err(|e| bad_key(path, KeyProblem::NotPkcs8(e)))?;
        let algorithm = match info.algorithm.oid {
            OID_EC_PUBLIC_KEY => match info.algorithm.parameters_oid() {
                Ok(OID_P256) => KeyAlgorithm::EcdsaP256,
                Ok(OID_P384) => KeyAlgorithm::EcdsaP384,
                Ok(OID_P521) => KeyAlgorithm::EcdsaP521,
                Ok(curve) => return Err(bad_key(path, KeyProblem::UnsupportedCurve(curve))),
                Err(_) => return Err(bad_key(path, KeyProblem::CurveNotNamed)),
            },
            OID_ED25519 => KeyAlgorithm::Ed25519,
            OID_RSA => KeyAlgorithm::RsaPss,
            other => return Err(bad_key(path, KeyProblem::UnsupportedKeyAlgorithm(other))),
        };
        let rejected = |e: aws_lc_rs::error::KeyRejected| bad_key(path, KeyProblem::InvalidKey(e));
        let inner = match algorithm {
            KeyAlgorithm::Ed25519 => {
                Inner::Ed25519(Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(rejected)?)
            }
            KeyAlgorithm::RsaPss => {
                Inner::Rsa(aws_lc_rs::rsa::KeyPair::from_pkcs8(der).map_err(rejected)?)
            }
            ecdsa => Inner::Ecdsa(
                EcdsaKeyPair::from_pkcs8(
                    ecdsa
                        .ecdsa_signing()
                        .ok_or_else(|| bad_key(path, KeyProblem::NotAnEcKey(ecdsa)))?,
                    der,
                )
                .map_err(rejected)?,
            ),
        };
        Self::from_inner(inner).map_err(|problem| bad_key(path, problem))
    }

    fn from_inner(inner: Inner) -> Result<Self, KeyProblem> {
        let spki: Result<PublicKeyX509Der<'static>, _> = match &inner {
            Inner::Ecdsa(k) => k.public_key().as_der(),
            Inner::Ed25519(k) => k.public_key().as_der(),
            Inner::Rsa(k) => k.public_key().as_der(),
        };
        let spki = spki.map_err(|_| KeyProblem::PublicKeyEncoding)?;
        let public = PublicKey::from_spki_der(spki.as_ref())?;
        Ok(SigningKey { inner, public })
    }

    /// The public half, which verifiers are given.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The algorithm this key signs with.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.public.algorithm
    }

    /// Signs `message`: DER ECDSA, raw Ed25519, or RSA-PSS with SHA-256 and a 32-byte salt.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let rng = SystemRandom::new();
        match &self.inner {
            Inner::Ecdsa(k) => Ok(k
                .sign(&rng, message)
                .map_err(|_| SignError::Crypto(CryptoOperation::Signing(self.algorithm())))?
                .as_ref()
                .to_vec()),
            Inner::Ed25519(k) => Ok(k.sign(message).as_ref().to_vec()),
            Inner::Rsa(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                k.sign(&signature::RSA_PSS_SHA256, &rng, message, &mut sig)
                    .map_err(|_| {
                        SignError::Crypto(CryptoOperation::Signing(KeyAlgorithm::RsaPss))
                    })?;
                Ok(sig)
            }
        }
    }

    /// The private key as PKCS#8 PEM; encrypted (PBES2: scrypt + AES-256-CBC) when a
    /// passphrase is given.
    pub fn to_pkcs8_pem(&self, passphrase: Option<&[u8]>) -> Result<Zeroizing<String>, SignError> {
        let der: Result<Vec<u8>, _> = match &self.inner {
            Inner::Ecdsa(k) => k.to_pkcs8v1().map(|d| d.as_ref().to_vec()),
            Inner::Ed25519(k) => k.to_pkcs8v1().map(|d| d.as_ref().to_vec()),
            Inner::Rsa(k) => AsDer::<Pkcs8V1Der<'static>>::as_der(k).map(|d| d.as_ref().to_vec()),
        };
        let der = Zeroizing::new(
            der.map_err(|_| SignError::Crypto(CryptoOperation::PrivateKeyEncoding))?,
        );
        let pem = match passphrase {
            None => pem_rfc7468_encode("PRIVATE KEY", &der)?,
            Some(passphrase) => {
                let info = pkcs8::PrivateKeyInfo::from_der(&der)
                    .map_err(|_| SignError::Crypto(CryptoOperation::PrivateKeyEncoding))?;
                let encrypted = info
                    .encrypt(rand_core::OsRng, passphrase)
                    .map_err(|_| SignError::Crypto(CryptoOperation::PrivateKeyEncryption))?;
                pem_rfc7468_encode("ENCRYPTED PRIVATE KEY", encrypted.as_bytes())?
            }
        };
        Ok(pem)
    }
}

/// Most memory an encrypted key may make scrypt use (ours use 128 MiB, OpenSSL's 32 MiB).
const MAX_SCRYPT_BYTES: u64 = 1 << 30;
/// Most PBKDF2 iterations an encrypted key may ask for (OpenSSL writes 2,048).
const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;

/// The key file chooses its own key-derivation cost: refuse costs that would exhaust memory
/// (scrypt can ask for 2^127 blocks; the allocation would abort the process) or burn minutes of
/// CPU before a wrong passphrase could even be reported.
fn check_kdf_cost(scheme: &pkcs8::pkcs5::EncryptionScheme<'_>) -> Result<(), KeyProblem> {
    use pkcs8::pkcs5::pbes2::Kdf;
    let Some(pbes2) = scheme.pbes2() else {
        return Err(KeyProblem::NotPbes2);
    };
    match &pbes2.kdf {
        Kdf::Scrypt(p) => {
            let bytes = 128u64
                .saturating_mul(u64::from(p.block_size))
                .saturating_mul(p.cost_parameter)
                .saturating_mul(u64::from(p.parallelization).max(1));
            if bytes > MAX_SCRYPT_BYTES {
                return Err(KeyProblem::ScryptCost {
                    bytes,
                    limit: MAX_SCRYPT_BYTES,
                });
            }
        }
        Kdf::Pbkdf2(p) => {
            if p.iteration_count > MAX_PBKDF2_ITERATIONS {
                return Err(KeyProblem::Pbkdf2Cost {
                    iterations: p.iteration_count,
                    limit: MAX_PBKDF2_ITERATIONS,
                });
            }
        }
        _ => return Err(KeyProblem::UnsupportedKdf),
    }
    Ok(())
}

fn pem_rfc7468_encode(label: &str, der: &[u8]) -> Result<Zeroizing<String>, SignError> {
    pkcs8::der::pem::encode_string(label, LineEnding::LF, der)
        .map(Zeroizing::new)
        .map_err(|_| SignError::Crypto(CryptoOperation::PemEncoding))
}

fn bad_key(path: &Path, problem: KeyProblem) -> SignError {
    SignError::BadKey {
        path: path.to_path_buf(),
        problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [KeyAlgorithm; 5] = [
        KeyAlgorithm::EcdsaP256,
        KeyAlgorithm::EcdsaP384,
        KeyAlgorithm::EcdsaP521,
        KeyAlgorithm::Ed25519,
        KeyAlgorithm::RsaPss,
    ];

    /// Issue 11 (low): the same EC key written with a compressed point is the same key, with
    /// the same OMS hint, not "a different key".
    #[test]
    fn a_compressed_point_spki_is_the_same_key() {
        let dir = tempfile::tempdir().unwrap();
        for (alg, point_len) in [(KeyAlgorithm::EcdsaP256, 32), (KeyAlgorithm::EcdsaP384, 48)] {
            let key = SigningKey::generate(alg).unwrap();
            let uncompressed = key.public_key().spki_der();
            let path = dir.path().join(format!("{alg}.pub.der"));
            std::fs::write(&path, uncompressed).unwrap();
            let out = dir.path().join(format!("{alg}.compressed.pem"));
            let converted = std::process::Command::new("openssl")
                .args([
                    "ec",
                    "-pubin",
                    "-inform",
                    "DER",
                    "-conv_form",
                    "compressed",
                    "-in",
                ])
                .arg(&path)
                .arg("-out")
                .arg(&out)
                .output();
            let Ok(output) = converted else {
                return modelseal_test::skip::<()>("no openssl CLI").unwrap_or(());
            };
            assert!(output.status.success(), "{output:?}");
            let compressed = PublicKey::load(&out).unwrap();
            let der = pem::parse(std::fs::read(&out).unwrap()).unwrap();
            // The file really holds the compressed form (0x02/0x03 || X).
            assert!(der.contents().len() < uncompressed.len());
            assert!(
                der.contents()
                    .ends_with(&uncompressed[uncompressed.len() - 2 * point_len..][..point_len])
            );
            assert_eq!(&compressed, key.public_key(), "{alg}");
            assert_eq!(compressed.hint(), key.public_key().hint(), "{alg}");
            let sig = key.sign(b"m").unwrap();
            assert!(compressed.verify(b"m", &sig), "{alg}");
        }
    }

    #[test]
    fn every_algorithm_round_trips_through_pem_and_signs() {
        let dir = tempfile::tempdir().unwrap();
        for alg in ALL {
            let key = SigningKey::generate(alg).unwrap();
            let path = dir.path().join(alg.name());
            std::fs::write(&path, key.to_pkcs8_pem(None).unwrap().as_bytes()).unwrap();
            let loaded = SigningKey::load(&path, None).unwrap();
            assert_eq!(loaded.public_key(), key.public_key(), "{alg}");
            let sig = loaded.sign(b"message").unwrap();
            assert!(key.public_key().verify(b"message", &sig), "{alg}");
            assert!(!key.public_key().verify(b"messagE", &sig), "{alg}");
            let pub_path = dir.path().join(format!("{alg}.pub"));
            std::fs::write(&pub_path, key.public_key().to_pem()).unwrap();
            assert_eq!(&PublicKey::load(&pub_path).unwrap(), key.public_key());
        }
    }

    #[test]
    fn encrypted_keys_need_the_right_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let key = SigningKey::generate(KeyAlgorithm::EcdsaP256).unwrap();
        let path = dir.path().join("k");
        std::fs::write(
            &path,
            key.to_pkcs8_pem(Some(b"hunter2")).unwrap().as_bytes(),
        )
        .unwrap();
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .contains("ENCRYPTED PRIVATE KEY")
        );
        assert!(matches!(
            SigningKey::load(&path, None),
            Err(SignError::PassphraseRequired(_))
        ));
        assert!(matches!(
            SigningKey::load(&path, Some(b"wrong")),
            Err(SignError::WrongPassphrase(_))
        ));
        let loaded = SigningKey::load(&path, Some(b"hunter2")).unwrap();
        assert_eq!(loaded.public_key(), key.public_key());
    }

    #[test]
    fn openssl_encrypted_keys_load() {
        // `openssl pkcs8 -topk8 -v2 aes-256-cbc` (PBKDF2-HMAC-SHA256), passphrase "modelseal".
        let Ok(out) = std::process::Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
            ])
            .args(["-aes-256-cbc", "-pass", "pass:modelseal"])
            .output()
        else {
            return modelseal_test::skip::<()>("no openssl CLI").unwrap_or(());
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(&path, &out.stdout).unwrap();
        assert!(SigningKey::load(&path, Some(b"modelseal")).is_ok());
        assert!(matches!(
            SigningKey::load(&path, Some(b"nope")),
            Err(SignError::WrongPassphrase(_))
        ));
    }

    #[test]
    fn hostile_kdf_costs_are_refused_before_deriving() {
        use pkcs8::der::Encode as _;
        // scrypt N = 2^40: 128 TiB of memory. Built directly: actually encrypting with these
        // parameters would run scrypt (and abort, which is the point of the check).
        let params = pkcs8::pkcs5::pbes2::Parameters::scrypt_aes256cbc(
            pkcs8::pkcs5::scrypt::Params::new(40, 8, 1, 32).unwrap(),
            b"saltsaltsaltsalt",
            &[0u8; 16],
        )
        .unwrap();
        let hostile = pkcs8::EncryptedPrivateKeyInfo {
            encryption_algorithm: params.into(),
            encrypted_data: &[0u8; 48],
        };
        let der = hostile.to_der().unwrap();
        let pem =
            pkcs8::der::pem::encode_string("ENCRYPTED PRIVATE KEY", LineEnding::LF, &der).unwrap();
        let err = SigningKey::from_bytes(pem.as_bytes(), Some(b"pw"), Path::new("k")).unwrap_err();
        assert!(err.to_string().contains("scrypt parameters"), "{err}");
        assert!(
            matches!(
                err,
                SignError::BadKey {
                    problem: KeyProblem::ScryptCost { .. },
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        std::fs::write(
            &path,
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        assert!(matches!(
            SigningKey::load(&path, None),
            Err(SignError::BadKey { .. })
        ));
        std::fs::write(&path, b"\x00\x01garbage").unwrap();
        assert!(matches!(
            SigningKey::load(&path, None),
            Err(SignError::BadKey { .. })
        ));
        assert!(matches!(
            PublicKey::load(&path),
            Err(SignError::BadKey { .. })
        ));
        let missing = SigningKey::load(&dir.path().join("missing"), None).unwrap_err();
        assert!(matches!(missing, SignError::Fs(_)), "{missing}");
        assert_eq!(missing.kind(), crate::ErrorKind::NotFound);
    }
}
