//! Issue 11 item 15: certificate chains are judged as OpenSSL judges them under
//! `-x509_strict`. webpki alone accepted a root with `pathlen:0` above an intermediate (it
//! keeps only an anchor's name and key) and a signing certificate whose only key usage is
//! `keyCertSign`. Each case is built here and, when the `openssl` CLI is on the machine, run
//! through `openssl verify -x509_strict` too: our verdict must be OpenSSL's.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::path::Path;
use std::process::Command;

use modelseal_sign::{SignError, StrictProblem, verify_with_chain};
use rcgen::{
    BasicConstraints, Certificate, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
};
use time::{Duration, OffsetDateTime};

/// How to build one certificate of a case.
#[derive(Clone)]
struct Spec {
    name: &'static str,
    is_ca: IsCa,
    key_usages: Vec<KeyUsagePurpose>,
    /// Authority key identifier (RFC 5280 wants it on every certificate but a root).
    aki: bool,
    expired: bool,
}

fn ca_spec(name: &'static str, is_ca: IsCa) -> Spec {
    Spec {
        name,
        is_ca,
        key_usages: vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign],
        aki: true,
        expired: false,
    }
}

fn unconstrained() -> IsCa {
    IsCa::Ca(BasicConstraints::Unconstrained)
}

fn pathlen(n: u8) -> IsCa {
    IsCa::Ca(BasicConstraints::Constrained(n))
}

fn leaf_spec() -> Spec {
    Spec {
        name: "signer",
        is_ca: IsCa::NoCa,
        key_usages: vec![KeyUsagePurpose::DigitalSignature],
        aki: true,
        expired: false,
    }
}

struct Issued {
    cert: Certificate,
    key: KeyPair,
}

fn issue(spec: &Spec, issuer: Option<&Issued>, leaf: bool) -> Issued {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, spec.name);
    params.is_ca = spec.is_ca.clone();
    params.key_usages.clone_from(&spec.key_usages);
    params.use_authority_key_identifier_extension = spec.aki && issuer.is_some();
    if leaf {
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::CodeSigning];
    }
    let now = OffsetDateTime::now_utc();
    params.not_before = now - Duration::days(30);
    params.not_after = if spec.expired {
        now - Duration::days(1)
    } else {
        now + Duration::days(365)
    };
    let cert = match issuer {
        None => params.self_signed(&key).unwrap(),
        Some(issuer) => params.signed_by(&key, &issuer.cert, &issuer.key).unwrap(),
    };
    Issued { cert, key }
}

/// A chain root -> intermediates... -> leaf; the verdict is ours and (if it runs) OpenSSL's.
struct Case {
    name: &'static str,
    root: Spec,
    intermediates: Vec<Spec>,
    leaf: Spec,
    accept: bool,
    /// OpenSSL's `-x509_strict` accepts this case and we refuse it on purpose (the reason is
    /// at the check).
    beyond_openssl: bool,
}

fn run(case: &Case, dir: &Path) {
    let root = issue(&case.root, None, false);
    let mut issuer = &root;
    let mut intermediates = Vec::new();
    for spec in &case.intermediates {
        intermediates.push(issue(spec, Some(issuer), false));
        issuer = intermediates.last().unwrap();
    }
    let leaf = issue(&case.leaf, Some(issuer), true);
    let pair = aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        &leaf.key.serialize_der(),
    )
    .unwrap();
    let signature = pair
        .sign(&aws_lc_rs::rand::SystemRandom::new(), b"payload")
        .unwrap();
    let mut chain = vec![leaf.cert.der().to_vec()];
    // The bundle carries intermediates nearest the leaf first.
    chain.extend(intermediates.iter().rev().map(|i| i.cert.der().to_vec()));
    let ours = verify_with_chain(
        &chain,
        &[root.cert.der().to_vec()],
        b"payload",
        signature.as_ref(),
    );
    assert_eq!(
        ours.is_ok(),
        case.accept,
        "{}: ours says {:?}",
        case.name,
        ours.as_ref().err().map(ToString::to_string)
    );
    if case.beyond_openssl {
        return;
    }
    if let Some(openssl_accepts) = openssl_verdict(case.name, dir, &root, &intermediates, &leaf) {
        assert_eq!(
            openssl_accepts,
            ours.is_ok(),
            "{}: openssl -x509_strict and we disagree ({:?})",
            case.name,
            ours.as_ref().err().map(ToString::to_string)
        );
    }
}

/// `openssl verify -x509_strict` on the case, or `None` without the CLI.
fn openssl_verdict(
    name: &str,
    dir: &Path,
    root: &Issued,
    intermediates: &[Issued],
    leaf: &Issued,
) -> Option<bool> {
    let write = |file: &str, pems: Vec<String>| {
        let path = dir.join(format!("{name}-{file}.pem"));
        std::fs::write(&path, pems.concat()).unwrap();
        path
    };
    let root_pem = write("root", vec![root.cert.pem()]);
    let leaf_pem = write("leaf", vec![leaf.cert.pem()]);
    let mut cmd = Command::new("openssl");
    cmd.args(["verify", "-x509_strict", "-CAfile"])
        .arg(root_pem);
    if !intermediates.is_empty() {
        let untrusted = write(
            "intermediates",
            intermediates.iter().map(|i| i.cert.pem()).collect(),
        );
        cmd.arg("-untrusted").arg(untrusted);
    }
    let Ok(output) = cmd.arg(leaf_pem).output() else {
        return modelseal_test::skip("no openssl CLI to compare verdicts with");
    };
    Some(output.status.success())
}

#[allow(clippy::too_many_lines)] // one table, one case per entry
fn cases() -> Vec<Case> {
    let root = ca_spec("root", unconstrained());
    let intermediate = ca_spec("intermediate", unconstrained());
    let case = |name, root: &Spec, intermediates: Vec<Spec>, leaf: Spec, accept| Case {
        name,
        root: root.clone(),
        intermediates,
        leaf,
        accept,
        beyond_openssl: false,
    };
    vec![
        case("root_leaf", &root, vec![], leaf_spec(), true),
        case(
            "root_intermediate_leaf",
            &root,
            vec![intermediate.clone()],
            leaf_spec(),
            true,
        ),
        case(
            "root_pathlen0_above_intermediate",
            &ca_spec("root", pathlen(0)),
            vec![intermediate.clone()],
            leaf_spec(),
            false,
        ),
        case(
            "root_pathlen0_directly_above_leaf",
            &ca_spec("root", pathlen(0)),
            vec![],
            leaf_spec(),
            true,
        ),
        case(
            "root_pathlen1_above_intermediate",
            &ca_spec("root", pathlen(1)),
            vec![intermediate.clone()],
            leaf_spec(),
            true,
        ),
        case(
            "root_pathlen1_above_two_intermediates",
            &ca_spec("root", pathlen(1)),
            vec![
                intermediate.clone(),
                ca_spec("intermediate 2", unconstrained()),
            ],
            leaf_spec(),
            false,
        ),
        case(
            "intermediate_pathlen0_above_leaf",
            &root,
            vec![ca_spec("intermediate", pathlen(0))],
            leaf_spec(),
            true,
        ),
        case(
            "intermediate_pathlen0_above_intermediate",
            &root,
            vec![
                ca_spec("intermediate", pathlen(0)),
                ca_spec("intermediate 2", unconstrained()),
            ],
            leaf_spec(),
            false,
        ),
        case(
            "leaf_key_usage_only_key_cert_sign",
            &root,
            vec![],
            Spec {
                key_usages: vec![KeyUsagePurpose::KeyCertSign],
                ..leaf_spec()
            },
            false,
        ),
        case(
            "leaf_key_usage_digital_signature_and_key_cert_sign",
            &root,
            vec![],
            Spec {
                key_usages: vec![
                    KeyUsagePurpose::DigitalSignature,
                    KeyUsagePurpose::KeyCertSign,
                ],
                ..leaf_spec()
            },
            false,
        ),
        case(
            "leaf_explicitly_not_ca_with_key_cert_sign",
            &root,
            vec![],
            Spec {
                is_ca: IsCa::ExplicitNoCa,
                key_usages: vec![KeyUsagePurpose::KeyCertSign],
                ..leaf_spec()
            },
            false,
        ),
        case(
            "leaf_without_key_usage",
            &root,
            vec![],
            Spec {
                key_usages: vec![],
                ..leaf_spec()
            },
            true,
        ),
        case(
            "leaf_without_authority_key_identifier",
            &root,
            vec![],
            Spec {
                aki: false,
                ..leaf_spec()
            },
            false,
        ),
        case(
            "intermediate_without_authority_key_identifier",
            &root,
            vec![Spec {
                aki: false,
                ..intermediate.clone()
            }],
            leaf_spec(),
            false,
        ),
        case(
            "intermediate_not_a_ca",
            &root,
            vec![Spec {
                is_ca: IsCa::ExplicitNoCa,
                key_usages: vec![KeyUsagePurpose::DigitalSignature],
                ..intermediate.clone()
            }],
            leaf_spec(),
            false,
        ),
        case(
            "intermediate_without_key_usage",
            &root,
            vec![Spec {
                key_usages: vec![],
                ..intermediate.clone()
            }],
            leaf_spec(),
            false,
        ),
        case(
            "root_without_key_usage",
            &Spec {
                key_usages: vec![],
                ..root.clone()
            },
            vec![],
            leaf_spec(),
            false,
        ),
        case(
            "root_not_a_ca",
            &Spec {
                is_ca: IsCa::ExplicitNoCa,
                key_usages: vec![KeyUsagePurpose::DigitalSignature],
                ..root.clone()
            },
            vec![],
            leaf_spec(),
            false,
        ),
        case(
            "expired_leaf",
            &root,
            vec![],
            Spec {
                expired: true,
                ..leaf_spec()
            },
            false,
        ),
        case(
            "expired_intermediate",
            &root,
            vec![Spec {
                expired: true,
                ..intermediate.clone()
            }],
            leaf_spec(),
            false,
        ),
    ]
}

#[test]
fn every_chain_case_gets_the_verdict_openssl_x509_strict_gives() {
    let dir = tempfile::tempdir().unwrap();
    for case in cases() {
        run(&case, dir.path());
    }
}

/// C-1 (red team 3): a signing certificate whose only key usage is keyAgreement (with the
/// codeSigning EKU) verified. RFC 5280 4.2.1.3 wants digitalSignature to verify a signature;
/// OpenSSL's `-x509_strict` without a purpose accepts it, so the case runs beyond OpenSSL.
#[test]
fn a_key_agreement_only_signing_certificate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let key_agreement_only = Spec {
        key_usages: vec![KeyUsagePurpose::KeyAgreement],
        ..leaf_spec()
    };
    run(
        &Case {
            name: "leaf_key_agreement_only",
            root: ca_spec("root", unconstrained()),
            intermediates: vec![],
            leaf: key_agreement_only.clone(),
            accept: false,
            beyond_openssl: true,
        },
        dir.path(),
    );
    let root = issue(&ca_spec("root", unconstrained()), None, false);
    let leaf = issue(&key_agreement_only, Some(&root), true);
    let err = verify_with_chain(
        &[leaf.cert.der().to_vec()],
        &[root.cert.der().to_vec()],
        b"p",
        b"x",
    )
    .unwrap_err();
    assert!(
        matches!(
            &err,
            SignError::CertificateNotStrict(v)
                if v.depth == 0 && v.problem == StrictProblem::SigningKeyUsageLacksDigitalSignature
        ),
        "{err}"
    );
    assert!(err.to_string().contains("digitalSignature"), "{err}");
}

/// The two findings of the issue, with the reason the message gives.
#[test]
fn a_root_pathlen0_above_an_intermediate_and_a_key_cert_sign_leaf_are_named() {
    let root = issue(&ca_spec("root", pathlen(0)), None, false);
    let intermediate = issue(
        &ca_spec("intermediate", unconstrained()),
        Some(&root),
        false,
    );
    let leaf = issue(&leaf_spec(), Some(&intermediate), true);
    let err = verify_with_chain(
        &[leaf.cert.der().to_vec(), intermediate.cert.der().to_vec()],
        &[root.cert.der().to_vec()],
        b"p",
        b"not checked before the chain",
    )
    .unwrap_err();
    assert!(
        matches!(
            &err,
            SignError::CertificateNotStrict(v)
                if v.depth == 2 && v.problem == StrictProblem::PathLengthExceeded { max: 0, below: 1 }
        ),
        "{err}"
    );
    assert_eq!(err.kind(), modelseal_sign::ErrorKind::Integrity);

    let root = issue(&ca_spec("root", unconstrained()), None, false);
    let leaf = issue(
        &Spec {
            key_usages: vec![KeyUsagePurpose::KeyCertSign],
            ..leaf_spec()
        },
        Some(&root),
        true,
    );
    let err = verify_with_chain(
        &[leaf.cert.der().to_vec()],
        &[root.cert.der().to_vec()],
        b"p",
        b"x",
    )
    .unwrap_err();
    assert!(
        matches!(
            &err,
            SignError::CertificateNotStrict(v)
                if v.depth == 0 && v.problem == StrictProblem::KeyCertSignOnNonCa
        ),
        "{err}"
    );
    assert!(err.to_string().contains("keyCertSign"), "{err}");
}
