//! Who a certificate names, and whether that is who the verifier expects (cosign's
//! `--certificate-identity` and `--certificate-oidc-issuer`). A chain that validates proves a
//! trusted CA vouched for the leaf; without a pin, any code-signing leaf that CA ever issued
//! would pass. The identities are read only from a leaf whose chain already validated.

use std::fmt;

use x509_cert::Certificate;
use x509_cert::der::Decode as _;
use x509_cert::der::asn1::Utf8StringRef;
use x509_cert::der::oid::{AssociatedOid as _, ObjectIdentifier};
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::pkix::name::GeneralName;

use crate::SignError;

/// Fulcio's first OIDC issuer extension: the issuer URL as the raw extension value (deprecated
/// by Fulcio, still in every older certificate).
const OIDC_ISSUER_V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");
/// Fulcio's current OIDC issuer extension: the issuer URL as a DER `UTF8String`.
const OIDC_ISSUER_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8");

/// How an expected value is compared with what a certificate says.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// Byte-for-byte equality.
    Exact(String),
    /// A regular expression that must match the whole value ([`Matcher::regex`]).
    Regex {
        /// The pattern as the user wrote it (for messages).
        pattern: String,
        /// The pattern anchored at both ends.
        anchored: regex::Regex,
    },
}

impl Matcher {
    /// A regular expression (the `regex` crate's syntax) that must match a whole value:
    /// `alice@example\.com` matches `alice@example.com` and not `malice@example.com.evil`.
    /// cosign and sigstore-rs search for the pattern anywhere in the value; anchoring makes the
    /// pattern mean what it says.
    pub fn regex(pattern: &str) -> Result<Self, SignError> {
        let invalid = |source| SignError::InvalidIdentityPattern {
            pattern: pattern.to_owned(),
            source,
        };
        // Compiled alone first: only a pattern whose groups balance may be wrapped, or
        // `a)|(b` would close the anchoring group and match `b` anywhere.
        regex::Regex::new(pattern).map_err(invalid)?;
        let anchored = regex::Regex::new(&format!(r"\A(?:{pattern})\z")).map_err(invalid)?;
        Ok(Matcher::Regex {
            pattern: pattern.to_owned(),
            anchored,
        })
    }

    /// Whether `value` is what is expected.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Exact(expected) => expected == value,
            Matcher::Regex { anchored, .. } => anchored.is_match(value),
        }
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Matcher::Exact(value) => write!(f, "{}", quoted(value)),
            Matcher::Regex { pattern, .. } => write!(f, "one matching /{}/", escaped(pattern)),
        }
    }
}

/// Whom a certificate-signed bundle must name. `IdentityPolicy::default()` pins nothing:
/// every leaf the trust anchors vouch for passes (`--insecure-ignore-identity`).
#[derive(Debug, Clone, Default)]
pub struct IdentityPolicy {
    /// One of the leaf's subject alternative names (email or URI) must match.
    pub identity: Option<Matcher>,
    /// The leaf's Fulcio OIDC issuer extension must be present and match.
    pub oidc_issuer: Option<Matcher>,
}

impl IdentityPolicy {
    /// Whether the policy pins anything at all.
    pub fn pins_anything(&self) -> bool {
        self.identity.is_some() || self.oidc_issuer.is_some()
    }
}

/// What a leaf certificate says about whom it was issued to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificateIdentities {
    /// Its email (`rfc822Name`) and URI subject alternative names, in certificate order.
    pub names: Vec<String>,
    /// Its Fulcio OIDC issuer, when it has one.
    pub oidc_issuer: Option<String>,
}

/// Why a leaf's identity extensions cannot be read: each is an integrity failure, since the
/// leaf is vouched for by a trusted CA and says something no honest issuer writes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityProblem {
    /// The subject alternative name extension does not decode.
    #[error("its subject alternative names do not decode")]
    MalformedSubjectAltName,
    /// An extension this check reads appears twice: readers disagree on which counts.
    #[error("extension {0} appears more than once")]
    DuplicateExtension(ObjectIdentifier),
    /// The legacy issuer extension is not UTF-8.
    #[error("its OIDC issuer extension (1.3.6.1.4.1.57264.1.1) is not UTF-8")]
    IssuerV1NotUtf8,
    /// The current issuer extension is not one DER `UTF8String`.
    #[error("its OIDC issuer extension (1.3.6.1.4.1.57264.1.8) is not a DER UTF8String")]
    IssuerV2NotUtf8String,
    /// The two issuer extensions name different issuers.
    #[error("its two OIDC issuer extensions disagree ({} and {})", quoted(.v1), quoted(.v2))]
    IssuersDisagree {
        /// The legacy extension's value.
        v1: String,
        /// The current extension's value.
        v2: String,
    },
}

/// Reads the email and URI names and the OIDC issuer of a leaf certificate (DER).
pub fn identities_of(leaf: &[u8]) -> Result<CertificateIdentities, SignError> {
    let cert = Certificate::from_der(leaf).map_err(SignError::CertificateNotDer)?;
    identities_of_certificate(&cert).map_err(SignError::MalformedIdentity)
}

fn identities_of_certificate(cert: &Certificate) -> Result<CertificateIdentities, IdentityProblem> {
    let mut names = Vec::new();
    if let Some(value) = unique_extension(cert, SubjectAltName::OID)? {
        let san = SubjectAltName::from_der(value)
            .map_err(|_| IdentityProblem::MalformedSubjectAltName)?;
        for name in san.0 {
            match name {
                GeneralName::Rfc822Name(email) => names.push(email.to_string()),
                GeneralName::UniformResourceIdentifier(uri) => names.push(uri.to_string()),
                _ => {}
            }
        }
    }
    let v1 = unique_extension(cert, OIDC_ISSUER_V1)?
        .map(|raw| {
            std::str::from_utf8(raw)
                .map(str::to_owned)
                .map_err(|_| IdentityProblem::IssuerV1NotUtf8)
        })
        .transpose()?;
    let v2 = unique_extension(cert, OIDC_ISSUER_V2)?
        .map(|der| {
            Utf8StringRef::from_der(der)
                .map(|s| s.as_str().to_owned())
                .map_err(|_| IdentityProblem::IssuerV2NotUtf8String)
        })
        .transpose()?;
    let oidc_issuer = match (v1, v2) {
        (Some(v1), Some(v2)) if v1 != v2 => {
            return Err(IdentityProblem::IssuersDisagree { v1, v2 });
        }
        (v1, v2) => v2.or(v1),
    };
    Ok(CertificateIdentities { names, oidc_issuer })
}

/// The value of the one extension of type `oid`; a second one is refused.
fn unique_extension(
    cert: &Certificate,
    oid: ObjectIdentifier,
) -> Result<Option<&[u8]>, IdentityProblem> {
    let mut found = cert
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .filter(|ext| ext.extn_id == oid);
    let first = found.next();
    if found.next().is_some() {
        return Err(IdentityProblem::DuplicateExtension(oid));
    }
    Ok(first.map(|ext| ext.extn_value.as_bytes()))
}

/// Checks a validated leaf's identities against `policy`.
pub(crate) fn check(
    policy: &IdentityPolicy,
    found: &CertificateIdentities,
) -> Result<(), SignError> {
    if let Some(expected) = &policy.identity
        && !found.names.iter().any(|name| expected.matches(name))
    {
        return Err(SignError::IdentityMismatch {
            expected: expected.to_string(),
            found: found.names.iter().map(|n| quoted(n)).collect(),
        });
    }
    if let Some(expected) = &policy.oidc_issuer
        && !found
            .oidc_issuer
            .as_deref()
            .is_some_and(|issuer| expected.matches(issuer))
    {
        return Err(SignError::OidcIssuerMismatch {
            expected: expected.to_string(),
            found: found.oidc_issuer.as_deref().map(quoted),
        });
    }
    Ok(())
}

/// A value from a certificate in a message: quoted, with every control or invisible character
/// escaped, so a name cannot forge a line or hide what it is.
fn quoted(value: &str) -> String {
    format!("\"{}\"", escaped(value))
}

fn escaped(value: &str) -> String {
    value.escape_debug().to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_regex_must_match_the_whole_name() {
        let m = Matcher::regex("alice@example.com").unwrap();
        assert!(m.matches("alice@example.com"));
        assert!(!m.matches("malice@example.com.evil"));
        assert!(!m.matches("alice@example.com\n"));
        assert!(!m.matches("xalice@example.com"));
    }

    #[test]
    fn an_alternation_is_anchored_as_a_whole() {
        let m = Matcher::regex("a|ab").unwrap();
        assert!(m.matches("ab"), "leftmost-first must not stop at `a`");
        assert!(m.matches("a"));
        assert!(!m.matches("abc"));
        let m = Matcher::regex("alice@x|bob@x").unwrap();
        assert!(!m.matches("bob@x.evil"));
        assert!(!m.matches("evil.alice@x"));
    }

    #[test]
    fn a_pattern_cannot_close_the_anchoring_group() {
        assert!(matches!(
            Matcher::regex("a)|(b"),
            Err(SignError::InvalidIdentityPattern { .. })
        ));
    }

    #[test]
    fn inline_multiline_flags_do_not_unanchor() {
        let m = Matcher::regex("(?m)alice").unwrap();
        assert!(!m.matches("x\nalice"));
        assert!(!m.matches("alice\nx"));
    }

    #[test]
    fn exact_is_byte_for_byte() {
        let m = Matcher::Exact("alice@example.com".to_owned());
        assert!(m.matches("alice@example.com"));
        assert!(!m.matches("Alice@example.com"));
        assert!(!m.matches("alice@example.com "));
    }

    #[test]
    fn messages_escape_what_the_certificate_says() {
        assert_eq!(quoted("a\nb\u{1b}[2J"), r#""a\nb\u{1b}[2J""#);
    }
}
