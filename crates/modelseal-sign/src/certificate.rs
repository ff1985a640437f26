//! X.509 signing certificates: the chain a bundle carries is validated against the trust
//! anchors the user names, at the current time, for the codeSigning extended key usage.
//! Path building and validation are rustls-webpki's; each path it builds must also pass the
//! RFC 5280 profile OpenSSL enforces under `-x509_strict` ([`crate::strict`]).

use rustls_pki_types::{CertificateDer, UnixTime};
use sha2::{Digest as _, Sha256};
use webpki::{EndEntityCert, KeyUsage};
use x509_cert::der::Decode as _;
use x509_cert::ext::pkix::ExtendedKeyUsage;

use crate::error::CertificateRole;
use crate::identity::{CertificateIdentities, IdentityPolicy, identities_of};
use crate::keys::MAX_KEY_FILE_BYTES;
use crate::{SignError, SignerIdentity, Verifier};

/// id-kp-codeSigning, 1.3.6.1.5.5.7.3.3 (DER contents of the OID).
const CODE_SIGNING: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03];
const CODE_SIGNING_OID: x509_cert::der::oid::ObjectIdentifier =
    x509_cert::der::oid::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
const EXTENDED_KEY_USAGE_OID: x509_cert::der::oid::ObjectIdentifier =
    x509_cert::der::oid::ObjectIdentifier::new_unwrap("2.5.29.37");

/// What is known about a certificate that verified.
#[derive(Debug, Clone)]
pub struct VerifiedCertificate {
    /// SHA-256 of the leaf's DER, hex.
    pub leaf_fingerprint: String,
    /// The leaf's subject distinguished name (RFC 4514 string).
    pub subject: String,
    /// How many certificates the bundle carried, leaf included.
    pub chain_length: usize,
    /// The leaf's email and URI names and its OIDC issuer: whom the CA vouched for.
    pub identities: CertificateIdentities,
}

/// Reads every certificate in PEM files (or a DER file).
pub fn read_certificates(path: &std::path::Path) -> Result<Vec<Vec<u8>>, SignError> {
    let bytes = modelseal_fs::read_limited(path, MAX_KEY_FILE_BYTES)?;
    let blocks = pem::parse_many(&bytes).unwrap_or_default();
    let certs: Vec<Vec<u8>> = if blocks.is_empty() {
        vec![bytes]
    } else {
        blocks
            .into_iter()
            .filter(|b| b.tag() == "CERTIFICATE")
            .map(pem::Pem::into_contents)
            .collect()
    };
    if certs.is_empty() {
        return Err(SignError::BadKey {
            path: path.to_path_buf(),
            problem: crate::error::KeyProblem::NoCertificate,
        });
    }
    Ok(certs)
}

/// Validates `chain` (leaf first, then intermediates) up to one of `anchors`, now, for code
/// signing; then checks `signature` over `message` with the leaf's key. Whom the leaf names is
/// returned, not judged: [`CertificateChainVerifier`] holds it to an [`IdentityPolicy`].
pub fn verify_with_chain(
    chain: &[Vec<u8>],
    anchors: &[Vec<u8>],
    message: &[u8],
    signature: &[u8],
) -> Result<VerifiedCertificate, SignError> {
    let unusable = |role| move |reason| SignError::CertificateUnusable { role, reason };
    let (leaf, intermediates) = chain.split_first().ok_or(SignError::NoCertificateChain)?;
    let subject = require_code_signing_leaf(leaf)?;
    let leaf_der = CertificateDer::from(leaf.as_slice());
    let end_entity = EndEntityCert::try_from(&leaf_der)
        .map_err(unusable(CertificateRole::SigningCertificate))?;
    let anchor_ders: Vec<CertificateDer<'_>> = anchors
        .iter()
        .map(|a| CertificateDer::from(a.as_slice()))
        .collect();
    let trust_anchors = anchor_ders
        .iter()
        .map(|der| webpki::anchor_from_trusted_cert(der).map(|a| a.to_owned()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(unusable(CertificateRole::TrustAnchor))?;
    let intermediate_ders: Vec<CertificateDer<'_>> = intermediates
        .iter()
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    // The strict profile runs on each path webpki builds; a path it refuses makes webpki try
    // the next one, and the reason is kept for the message if none is left.
    let violation = std::cell::RefCell::new(None);
    let strict = |path: &webpki::VerifiedPath<'_>| -> Result<(), webpki::Error> {
        let intermediates: Vec<CertificateDer<'_>> = path
            .intermediate_certificates()
            .map(webpki::Cert::der)
            .collect();
        let anchor = trust_anchors
            .iter()
            .position(|a| std::ptr::eq(a, path.anchor()))
            .and_then(|i| anchors.get(i));
        let Some(anchor) = anchor else {
            return Err(webpki::Error::UnknownIssuer);
        };
        let mut ders: Vec<&[u8]> = vec![leaf.as_slice()];
        ders.extend(intermediates.iter().map(AsRef::as_ref));
        ders.push(anchor.as_slice());
        crate::strict::check_path(&ders).map_err(|v| {
            *violation.borrow_mut() = Some(v);
            webpki::Error::PathLenConstraintViolated
        })
    };
    end_entity
        .verify_for_usage(
            webpki::ALL_VERIFICATION_ALGS,
            &trust_anchors,
            &intermediate_ders,
            UnixTime::now(),
            // webpki applies this to every certificate of the path; intermediates rarely carry
            // an EKU, so the leaf's mandatory codeSigning EKU is checked above instead.
            KeyUsage::required_if_present(CODE_SIGNING),
            None,
            Some(&strict),
        )
        .map_err(|e| match (e, violation.take()) {
            (webpki::Error::PathLenConstraintViolated, Some(violation)) => {
                SignError::CertificateNotStrict(violation)
            }
            (
                e @ (webpki::Error::CertExpired { .. } | webpki::Error::CertNotValidYet { .. }),
                _,
            ) => SignError::CertificateExpired(e),
            (e, _) => SignError::CertificateUntrusted(e),
        })?;

    // The DSSE signature uses the hash that goes with the curve, as model_signing does.
    let algorithms = [
        webpki::aws_lc_rs::ECDSA_P256_SHA256,
        webpki::aws_lc_rs::ECDSA_P384_SHA384,
        webpki::aws_lc_rs::ECDSA_P521_SHA512,
        webpki::aws_lc_rs::ED25519,
        webpki::aws_lc_rs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
    ];
    if !algorithms.iter().any(|alg| {
        end_entity
            .verify_signature(*alg, message, signature)
            .is_ok()
    }) {
        return Err(SignError::CertificateKeyMismatch);
    }
    Ok(VerifiedCertificate {
        leaf_fingerprint: hex::encode(Sha256::digest(leaf)),
        subject,
        chain_length: chain.len(),
        identities: identities_of(leaf)?,
    })
}

/// The leaf must name codeSigning in its extended key usage; returns its subject.
fn require_code_signing_leaf(leaf: &[u8]) -> Result<String, SignError> {
    let cert = x509_cert::Certificate::from_der(leaf).map_err(SignError::CertificateNotDer)?;
    let tbs = &cert.tbs_certificate;
    let eku = tbs
        .extensions
        .iter()
        .flatten()
        .find(|ext| ext.extn_id == EXTENDED_KEY_USAGE_OID)
        .map(|ext| ExtendedKeyUsage::from_der(ext.extn_value.as_bytes()))
        .transpose()
        .map_err(SignError::MalformedExtendedKeyUsage)?;
    if !eku.is_some_and(|eku| eku.0.contains(&CODE_SIGNING_OID)) {
        return Err(SignError::MissingCodeSigningEku {
            subject: tbs.subject.to_string(),
        });
    }
    Ok(tbs.subject.to_string())
}

/// A bundle's certificate chain (leaf first) checked against trust anchors, its leaf against
/// whom the verifier expects.
#[derive(Debug, Clone)]
pub struct CertificateChainVerifier {
    /// The bundle's certificates as DER, leaf first.
    pub chain: Vec<Vec<u8>>,
    /// The trust-anchor certificates as DER.
    pub anchors: Vec<Vec<u8>>,
    /// Whom the leaf must name (checked once the chain and the signature hold).
    pub identity: IdentityPolicy,
}

impl Verifier for CertificateChainVerifier {
    fn key_hint(&self) -> Option<String> {
        None
    }

    fn verify_signature(
        &self,
        message: &[u8],
        signature: &[u8],
    ) -> Result<SignerIdentity, SignError> {
        let verified = verify_with_chain(&self.chain, &self.anchors, message, signature)?;
        // Judged only now: the names are the CA's word once the chain validated, and a
        // mismatch then says "genuine, but signed by someone else".
        crate::identity::check(&self.identity, &verified.identities)?;
        Ok(SignerIdentity::Certificate {
            subject: verified.subject,
            leaf_sha256: verified.leaf_fingerprint,
            chain_length: verified.chain_length,
            identities: verified.identities.names,
            oidc_issuer: verified.identities.oidc_issuer,
        })
    }
}
