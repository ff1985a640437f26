//! Identity pinning (issue 12): a chain that validates proves only that a trusted CA issued the
//! leaf. Before the pin, any code-signing leaf under the root passed, whoever it named; now
//! the leaf's email or URI names and its Fulcio OIDC issuer are held to the verifier's policy.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::path::Path;

use modelseal_digest::{HashAlgorithm, Serialization};
use modelseal_sign::bundle::{CertificateChain, RawCertificate, VerificationMaterial};
use modelseal_sign::{
    ErrorKind, IdentityPolicy, IdentityProblem, Matcher, SignError, SignerIdentity, SigningKey,
    TrustRoot, VerifyOptions, sign_model, verify_model,
};
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    PKCS_ECDSA_P256_SHA256, SanType,
};

const ISSUER_V1: &[u64] = &[1, 3, 6, 1, 4, 1, 57264, 1, 1];
const ISSUER_V2: &[u64] = &[1, 3, 6, 1, 4, 1, 57264, 1, 8];
const GITHUB: &str = "https://token.actions.githubusercontent.com";

/// What the leaf carries besides its key.
#[derive(Default)]
struct Leaf {
    emails: Vec<&'static str>,
    uris: Vec<&'static str>,
    issuer_v1: Option<&'static [u8]>,
    issuer_v2: Option<Vec<u8>>,
}

/// A DER `UTF8String`, as Fulcio writes the 1.8 extension.
fn utf8_string(s: &str) -> Vec<u8> {
    let mut der = vec![0x0c, u8::try_from(s.len()).unwrap()];
    der.extend_from_slice(s.as_bytes());
    der
}

/// A model signed by a leaf certificate under a fresh root: the model, its signature and the
/// root (DER).
struct Signed {
    _dir: tempfile::TempDir,
    model: std::path::PathBuf,
    signature: std::path::PathBuf,
    root: Vec<u8>,
}

fn signed_by(leaf: &Leaf) -> Signed {
    let root_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut root_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    root_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "root");
    root_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    root_params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign];
    let root = root_params.self_signed(&root_key).unwrap();

    let leaf_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "signer");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::CodeSigning];
    params.use_authority_key_identifier_extension = true;
    for email in &leaf.emails {
        params
            .subject_alt_names
            .push(SanType::Rfc822Name((*email).try_into().unwrap()));
    }
    for uri in &leaf.uris {
        params
            .subject_alt_names
            .push(SanType::URI((*uri).try_into().unwrap()));
    }
    if let Some(raw) = leaf.issuer_v1 {
        params
            .custom_extensions
            .push(CustomExtension::from_oid_content(ISSUER_V1, raw.to_vec()));
    }
    if let Some(der) = &leaf.issuer_v2 {
        params
            .custom_extensions
            .push(CustomExtension::from_oid_content(ISSUER_V2, der.clone()));
    }
    let cert = params.signed_by(&leaf_key, &root, &root_key).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model");
    std::fs::create_dir(&model).unwrap();
    std::fs::write(model.join("weights.bin"), b"weights").unwrap();
    let key = SigningKey::from_bytes(
        leaf_key.serialize_pem().as_bytes(),
        None,
        Path::new("leaf.key"),
    )
    .unwrap();
    let mut signed =
        sign_model(&model, &Serialization::files(HashAlgorithm::Sha256), &key).unwrap();
    signed.bundle.verification_material = VerificationMaterial {
        x509_certificate_chain: Some(CertificateChain {
            certificates: vec![RawCertificate::from_der(cert.der())],
        }),
        ..VerificationMaterial::default()
    };
    let signature = dir.path().join("model.sig");
    std::fs::write(&signature, signed.bundle.to_json()).unwrap();
    Signed {
        _dir: dir,
        model,
        signature,
        root: root.der().to_vec(),
    }
}

fn verify(s: &Signed, identity: IdentityPolicy) -> Result<SignerIdentity, SignError> {
    let trust = TrustRoot::Certificates {
        anchors: vec![s.root.clone()],
        identity,
    };
    verify_model(&s.model, &s.signature, &trust, &VerifyOptions::default()).map(|r| {
        assert!(r.is_ok());
        r.signer
    })
}

fn pin(identity: Matcher) -> IdentityPolicy {
    IdentityPolicy {
        identity: Some(identity),
        oidc_issuer: None,
    }
}

fn exact(s: &str) -> Matcher {
    Matcher::Exact(s.to_owned())
}

#[test]
fn a_leaf_for_someone_else_passed_any_chain_check_and_now_fails_the_pin() {
    let s = signed_by(&Leaf {
        emails: vec!["mallory@example.com"],
        ..Leaf::default()
    });
    // Without a pin the root vouches for mallory as for anyone: what the pin is for.
    assert!(verify(&s, IdentityPolicy::default()).is_ok());
    let err = verify(&s, pin(exact("alice@example.com"))).unwrap_err();
    assert!(matches!(err, SignError::IdentityMismatch { .. }), "{err}");
    assert_eq!(err.kind(), ErrorKind::Integrity);
    let message = err.to_string();
    assert!(
        message.contains(r#"expected "alice@example.com""#),
        "{message}"
    );
    assert!(message.contains(r#""mallory@example.com""#), "{message}");
}

#[test]
fn an_exact_email_pin_passes_and_the_signer_names_it() {
    let s = signed_by(&Leaf {
        emails: vec!["alice@example.com"],
        ..Leaf::default()
    });
    let signer = verify(&s, pin(exact("alice@example.com"))).unwrap();
    let SignerIdentity::Certificate {
        identities,
        oidc_issuer,
        ..
    } = signer
    else {
        panic!("not a certificate signer");
    };
    assert_eq!(identities, ["alice@example.com"]);
    assert_eq!(oidc_issuer, None);
}

#[test]
fn a_uri_pin_matches_a_workflow_identity() {
    let workflow = "https://github.com/acme/models/.github/workflows/release.yml@refs/tags/v1";
    let s = signed_by(&Leaf {
        uris: vec![workflow],
        ..Leaf::default()
    });
    assert!(verify(&s, pin(exact(workflow))).is_ok());
    let release_tags = Matcher::regex(
        r"https://github\.com/acme/models/\.github/workflows/release\.yml@refs/tags/v.*",
    )
    .unwrap();
    assert!(verify(&s, pin(release_tags)).is_ok());
    let main_branch =
        Matcher::regex(r"https://github\.com/acme/models/.*@refs/heads/main").unwrap();
    assert!(matches!(
        verify(&s, pin(main_branch)),
        Err(SignError::IdentityMismatch { .. })
    ));
}

#[test]
fn an_unanchored_looking_regex_does_not_match_a_longer_lookalike() {
    let s = signed_by(&Leaf {
        emails: vec!["malice@example.com.evil"],
        ..Leaf::default()
    });
    let err = verify(&s, pin(Matcher::regex("alice@example.com").unwrap())).unwrap_err();
    assert!(matches!(err, SignError::IdentityMismatch { .. }), "{err}");
    assert!(err.to_string().contains("/alice@example.com/"), "{err}");
}

#[test]
fn any_of_several_names_may_match() {
    let s = signed_by(&Leaf {
        emails: vec!["bob@example.com", "alice@example.com"],
        uris: vec!["https://example.com/alice"],
        ..Leaf::default()
    });
    assert!(verify(&s, pin(exact("alice@example.com"))).is_ok());
    assert!(verify(&s, pin(exact("https://example.com/alice"))).is_ok());
    let err = verify(&s, pin(exact("carol@example.com"))).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains(r#""bob@example.com", "alice@example.com", "https://example.com/alice""#),
        "{message}"
    );
}

#[test]
fn a_leaf_without_names_fails_any_identity_pin() {
    let s = signed_by(&Leaf::default());
    let err = verify(&s, pin(exact("alice@example.com"))).unwrap_err();
    assert!(err.to_string().ends_with("names are none"), "{err}");
}

#[test]
fn the_current_issuer_extension_is_read_as_a_der_utf8_string() {
    let s = signed_by(&Leaf {
        emails: vec!["alice@example.com"],
        issuer_v2: Some(utf8_string(GITHUB)),
        ..Leaf::default()
    });
    let policy = IdentityPolicy {
        identity: Some(exact("alice@example.com")),
        oidc_issuer: Some(exact(GITHUB)),
    };
    assert!(verify(&s, policy).is_ok());
    let policy = IdentityPolicy {
        identity: Some(exact("alice@example.com")),
        oidc_issuer: Some(exact("https://accounts.google.com")),
    };
    let err = verify(&s, policy).unwrap_err();
    assert!(matches!(err, SignError::OidcIssuerMismatch { .. }), "{err}");
    assert!(err.to_string().contains(GITHUB), "{err}");
}

#[test]
fn the_legacy_issuer_extension_is_read_as_raw_bytes() {
    let s = signed_by(&Leaf {
        emails: vec!["alice@example.com"],
        issuer_v1: Some(GITHUB.as_bytes()),
        ..Leaf::default()
    });
    let policy = IdentityPolicy {
        identity: None,
        oidc_issuer: Some(
            Matcher::regex(r"https://token\.actions\.githubusercontent\.com").unwrap(),
        ),
    };
    assert!(verify(&s, policy).is_ok());
}

#[test]
fn an_issuer_pin_fails_a_leaf_without_an_issuer_extension() {
    let s = signed_by(&Leaf {
        emails: vec!["alice@example.com"],
        ..Leaf::default()
    });
    let policy = IdentityPolicy {
        identity: Some(exact("alice@example.com")),
        oidc_issuer: Some(exact(GITHUB)),
    };
    let err = verify(&s, policy).unwrap_err();
    assert!(
        matches!(err, SignError::OidcIssuerMismatch { found: None, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("absent"), "{err}");
}

#[test]
fn two_issuer_extensions_that_disagree_are_refused() {
    let s = signed_by(&Leaf {
        emails: vec!["alice@example.com"],
        issuer_v1: Some(b"https://accounts.google.com"),
        issuer_v2: Some(utf8_string(GITHUB)),
        ..Leaf::default()
    });
    // Refused even without an issuer pin: the leaf is inconsistent about who it is.
    let err = verify(&s, pin(exact("alice@example.com"))).unwrap_err();
    assert!(
        matches!(
            err,
            SignError::MalformedIdentity(IdentityProblem::IssuersDisagree { .. })
        ),
        "{err}"
    );
    assert_eq!(err.kind(), ErrorKind::Integrity);
}

#[test]
fn an_issuer_v2_that_is_not_a_utf8_string_is_refused() {
    let s = signed_by(&Leaf {
        emails: vec!["alice@example.com"],
        issuer_v2: Some(GITHUB.as_bytes().to_vec()),
        ..Leaf::default()
    });
    let err = verify(&s, pin(exact("alice@example.com"))).unwrap_err();
    assert!(
        matches!(
            err,
            SignError::MalformedIdentity(IdentityProblem::IssuerV2NotUtf8String)
        ),
        "{err}"
    );
}

#[test]
fn a_control_character_in_a_name_is_escaped_in_the_message() {
    let s = signed_by(&Leaf {
        uris: vec!["https://example.com/\u{1b}[2Jok"],
        ..Leaf::default()
    });
    let err = verify(&s, pin(exact("alice@example.com"))).unwrap_err();
    let message = err.to_string();
    assert!(!message.contains('\u{1b}'), "{message:?}");
    assert!(message.contains(r"\u{1b}[2Jok"), "{message}");
}
