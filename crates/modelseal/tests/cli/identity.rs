//! Identity pinning on the command line (issue 12): with `--certificate-chain`, whom the
//! signing certificate names is checked, as cosign's `--certificate-identity` and
//! `--certificate-oidc-issuer` do; a chain without a pin is refused unless
//! `--insecure-ignore-identity` says so.

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use predicates::str::contains;
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    PKCS_ECDSA_P256_SHA256, SanType,
};

use crate::{fixtures, make_model, modelseal};

const GITHUB: &str = "https://token.actions.githubusercontent.com";

/// A model signed by a certificate naming `email`, with the current Fulcio issuer extension
/// when `issuer` is given: (tempdir, model, root PEM).
fn signed_by(email: &str, issuer: Option<&str>) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut root_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    root_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "root");
    root_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    root_params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign];
    let root = root_params.self_signed(&root_key).unwrap();
    let root_pem = dir.path().join("root.pem");
    fs::write(&root_pem, root.pem()).unwrap();

    let leaf_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "signer");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::CodeSigning];
    params.use_authority_key_identifier_extension = true;
    params
        .subject_alt_names
        .push(SanType::Rfc822Name(email.try_into().unwrap()));
    if let Some(issuer) = issuer {
        let mut der = vec![0x0c, u8::try_from(issuer.len()).unwrap()];
        der.extend_from_slice(issuer.as_bytes());
        params
            .custom_extensions
            .push(CustomExtension::from_oid_content(
                &[1, 3, 6, 1, 4, 1, 57264, 1, 8],
                der,
            ));
    }
    let leaf = params.signed_by(&leaf_key, &root, &root_key).unwrap();

    let model = make_model(dir.path());
    let key = dir.path().join("leaf.key");
    fs::write(&key, leaf_key.serialize_pem()).unwrap();
    modelseal()
        .arg("sign")
        .arg(&model)
        .arg("--key")
        .arg(&key)
        .assert()
        .success();
    // The key's signature, carried by its certificate instead of its key hint.
    let signature = dir.path().join("model.sig");
    let mut bundle: serde_json::Value =
        serde_json::from_slice(&fs::read(&signature).unwrap()).unwrap();
    bundle["verificationMaterial"] = serde_json::json!({
        "x509CertificateChain": { "certificates": [
            { "rawBytes": base64::engine::general_purpose::STANDARD.encode(leaf.der()) }
        ] },
        "tlogEntries": []
    });
    fs::write(&signature, serde_json::to_vec(&bundle).unwrap()).unwrap();
    (dir, model, root_pem)
}

fn verify(model: &Path, root: &Path) -> assert_cmd::Command {
    let mut cmd = modelseal();
    cmd.arg("verify")
        .arg(model)
        .arg("--certificate-chain")
        .arg(root);
    cmd
}

#[test]
fn a_chain_without_an_identity_pin_is_a_usage_error() {
    let f = fixtures();
    modelseal()
        .arg("verify")
        .arg(f.join("model"))
        .arg("--certificate-chain")
        .arg(f.join("keys/cert/root-ca.pem"))
        .arg("--signature")
        .arg(f.join("model.cert.sig"))
        .assert()
        .code(64)
        .stderr(contains("--certificate-identity"))
        .stderr(contains("--insecure-ignore-identity"));
}

#[test]
fn the_pinned_identity_passes_and_is_shown() {
    let (_dir, model, root) = signed_by("alice@example.com", Some(GITHUB));
    verify(&model, &root)
        .args(["--certificate-identity", "alice@example.com"])
        .args(["--certificate-oidc-issuer", GITHUB])
        .assert()
        .success()
        .stdout(contains("alice@example.com"));
    let out = verify(&model, &root)
        .args(["--certificate-identity-regexp", r".*@example\.com"])
        .args(["--format", "json"])
        .assert()
        .success();
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(
        report["report"]["signer"]["identities"],
        serde_json::json!(["alice@example.com"])
    );
    assert_eq!(report["report"]["signer"]["oidc_issuer"], GITHUB);
    crate::schemas::assert_matches_schema("verify.schema.json", &report);
}

#[test]
fn a_lookalike_identity_fails_the_anchored_regex_with_exit_1() {
    let (_dir, model, root) = signed_by("malice@example.com.evil", None);
    let out = verify(&model, &root)
        .args(["--certificate-identity-regexp", "alice@example.com"])
        .assert()
        .code(1);
    insta::assert_snapshot!(
        "identity_mismatch",
        String::from_utf8_lossy(&out.get_output().stderr)
    );
}

#[test]
fn another_issuer_fails_with_exit_1() {
    let (_dir, model, root) = signed_by("alice@example.com", Some("https://accounts.google.com"));
    verify(&model, &root)
        .args(["--certificate-identity", "alice@example.com"])
        .args(["--certificate-oidc-issuer", GITHUB])
        .assert()
        .code(1)
        .stderr(contains(r#"OIDC issuer is "https://accounts.google.com""#));
}

#[test]
fn insecure_ignore_identity_accepts_whoever_the_root_vouches_for() {
    let (_dir, model, root) = signed_by("mallory@example.com", None);
    verify(&model, &root)
        .arg("--insecure-ignore-identity")
        .assert()
        .success();
}

#[test]
fn identity_flags_need_a_chain_and_do_not_combine() {
    let (dir, model, root) = signed_by("alice@example.com", None);
    modelseal()
        .arg("verify")
        .arg(&model)
        .arg("--key")
        .arg(dir.path().join("leaf.key"))
        .args(["--certificate-identity", "alice@example.com"])
        .assert()
        .code(64);
    verify(&model, &root)
        .args(["--certificate-identity", "alice@example.com"])
        .arg("--insecure-ignore-identity")
        .assert()
        .code(64);
    verify(&model, &root)
        .args(["--certificate-identity-regexp", "a)|(b"])
        .assert()
        .code(64)
        .stderr(contains("invalid regular expression"));
}

#[test]
fn check_pins_the_identity_too() {
    let (_dir, model, root) = signed_by("mallory@example.com", None);
    let check = || {
        let mut cmd = modelseal();
        cmd.arg("check")
            .arg(&model)
            .arg("--certificate-chain")
            .arg(&root);
        cmd
    };
    check().assert().code(64);
    check()
        .args(["--certificate-identity", "alice@example.com"])
        .assert()
        .code(1)
        .stdout(contains("not for the expected identity"));
    check()
        .args(["--certificate-identity", "mallory@example.com"])
        .assert()
        .success();
}

/// A certificate chain from a config file or the environment comes with its identity pins
/// from the same place: usable without flags, and pinned there as on the command line.
#[test]
fn a_configured_chain_carries_its_identity_pins() {
    let (dir, model, root) = signed_by("alice@example.com", Some(GITHUB));
    let config = dir.path().join("trust.toml");
    let write = |identity: &str| {
        fs::write(
            &config,
            format!(
                "[trust]\ncertificate-chain = [{root:?}]\ncertificate-identity = {identity:?}\ncertificate-oidc-issuer = {GITHUB:?}\n"
            ),
        )
        .unwrap();
    };
    let run = || {
        let mut cmd = modelseal();
        cmd.arg("verify").arg(&model).arg("--config").arg(&config);
        cmd
    };
    write("alice@example.com");
    run()
        .assert()
        .success()
        .stdout(contains("alice@example.com"));
    write("bob@example.com");
    run().assert().code(1).stderr(contains("bob@example.com"));
    // A flag given on the command line replaces the configured pins whole.
    run()
        .args(["--certificate-identity", "alice@example.com"])
        .assert()
        .success();
    // The environment, the same way.
    modelseal()
        .arg("verify")
        .arg(&model)
        .arg("--no-config")
        .env("MODELSEAL_CERTIFICATE_CHAIN", &root)
        .env("MODELSEAL_CERTIFICATE_IDENTITY_REGEXP", r".*@example\.com")
        .assert()
        .success();
    modelseal()
        .arg("verify")
        .arg(&model)
        .arg("--no-config")
        .env("MODELSEAL_CERTIFICATE_CHAIN", &root)
        .assert()
        .code(64)
        .stderr(contains("--certificate-identity"));
}

/// Red team F11: identity pins next to a public key from the environment or a config file
/// were silently ignored (exit 0); on the command line the pair is refused, so it is here.
#[test]
fn rt_f11_pins_beside_a_configured_public_key_are_refused_not_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let (key, public) = crate::keypair(dir.path(), "k", "ecdsa-p256");
    let model = make_model(dir.path());
    crate::sign(&model, &key, &[]);
    let verify = || {
        let mut cmd = modelseal();
        cmd.arg("verify").arg(&model);
        cmd
    };
    verify()
        .arg("--no-config")
        .env("MODELSEAL_TRUST", &public)
        .args(["--certificate-identity", "bob@nowhere"])
        .assert()
        .code(64)
        .stderr(contains("apply to certificate chains"));
    verify()
        .arg("--no-config")
        .env("MODELSEAL_TRUST", &public)
        .env("MODELSEAL_CERTIFICATE_IDENTITY", "bob@nowhere")
        .assert()
        .code(64);
    let config = dir.path().join("c.toml");
    fs::write(
        &config,
        format!("[trust]\nkey = {public:?}\ncertificate-identity = \"bob@nowhere\"\n"),
    )
    .unwrap();
    verify().arg("--config").arg(&config).assert().code(64);
    // The key alone still verifies.
    verify()
        .arg("--no-config")
        .env("MODELSEAL_TRUST", &public)
        .assert()
        .success();
}

/// Red team F12 and F13: an empty pin matched a certificate's empty name, and an exact pin
/// and a regexp from a config file or the environment were both accepted (one ignored).
#[test]
fn rt_f12_f13_empty_pins_and_pin_pairs_are_usage_errors_wherever_they_come_from() {
    let (dir, model, root) = signed_by("alice@example.com", Some(GITHUB));
    verify(&model, &root)
        .args(["--certificate-identity", ""])
        .assert()
        .code(64)
        .stderr(contains("empty pin"));
    verify(&model, &root)
        .args(["--certificate-identity-regexp", ""])
        .assert()
        .code(64);
    let config = dir.path().join("c.toml");
    let run_with = |pins: &str| {
        fs::write(
            &config,
            format!("[trust]\ncertificate-chain = [{root:?}]\n{pins}"),
        )
        .unwrap();
        let mut cmd = modelseal();
        cmd.arg("verify").arg(&model).arg("--config").arg(&config);
        cmd
    };
    run_with("certificate-identity = \"\"\n").assert().code(64);
    run_with("certificate-identity = \"alice@example.com\"\ncertificate-identity-regexp = \"x\"\n")
        .assert()
        .code(64)
        .stderr(contains("both set"));
    run_with(&format!(
        "certificate-identity = \"alice@example.com\"\ncertificate-oidc-issuer = {GITHUB:?}\ncertificate-oidc-issuer-regexp = \"x\"\n"
    ))
    .assert()
    .code(64);
    modelseal()
        .arg("verify")
        .arg(&model)
        .arg("--no-config")
        .env("MODELSEAL_CERTIFICATE_CHAIN", &root)
        .env("MODELSEAL_CERTIFICATE_IDENTITY", "alice@example.com")
        .env("MODELSEAL_CERTIFICATE_IDENTITY_REGEXP", ".*")
        .assert()
        .code(64);
}
