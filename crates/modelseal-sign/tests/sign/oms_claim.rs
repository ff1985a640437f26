//! `oms_interoperable` against the peer: for each key algorithm, hash, shard size and model
//! layout, modelseal signs, the real `model_signing verify key` 1.1.1 CLI verifies, and the
//! claim ([`oms_interoperability`], and the `VerifyReport` field `verify --format json`
//! prints) must equal the peer's verdict. Issue 12: the claim looked at the key alone, so a
//! BLAKE3 or shard signature the CLI rejects was reported interoperable.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use modelseal_digest::{HashAlgorithm, Serialization};
use modelseal_sign::{
    KeyAlgorithm, SigningKey, TrustRoot, VerifyOptions, oms_interoperability, sign_model,
    verify_model,
};

struct Case {
    key: KeyAlgorithm,
    hash: HashAlgorithm,
    shard_size: Option<u64>,
    single_file: bool,
}

impl Case {
    fn serialization(&self) -> Serialization {
        match self.shard_size {
            Some(size) => Serialization::shards(self.hash, size).unwrap(),
            None => Serialization::files(self.hash),
        }
    }

    fn label(&self) -> String {
        format!(
            "{} {} {} {}",
            self.key.name(),
            self.hash.oms_name(),
            self.shard_size
                .map_or_else(|| "files".to_owned(), |s| format!("shards of {s}")),
            if self.single_file { "file" } else { "dir" }
        )
    }
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let layouts = [false, true];
    // Every serialization with the reference's default key...
    for hash in [
        HashAlgorithm::Sha256,
        HashAlgorithm::Blake2b,
        HashAlgorithm::Blake3,
    ] {
        for shard_size in [None, Some(4096), Some(1 << 30)] {
            for single_file in layouts {
                out.push(Case {
                    key: KeyAlgorithm::EcdsaP256,
                    hash,
                    shard_size,
                    single_file,
                });
            }
        }
    }
    // ...and every other key with the serialization that works and with BLAKE3.
    for key in [
        KeyAlgorithm::EcdsaP384,
        KeyAlgorithm::EcdsaP521,
        KeyAlgorithm::Ed25519,
        KeyAlgorithm::RsaPss,
    ] {
        for hash in [HashAlgorithm::Sha256, HashAlgorithm::Blake3] {
            out.push(Case {
                key,
                hash,
                shard_size: None,
                single_file: false,
            });
        }
        out.push(Case {
            key,
            hash: HashAlgorithm::Sha256,
            shard_size: None,
            single_file: true,
        });
    }
    out
}

/// A model of two files, 10 kB of weights (several 4 kB shards) and a config; or the weights
/// file alone.
fn model(dir: &Path, single_file: bool) -> PathBuf {
    let weights: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    if single_file {
        let path = dir.join("weights.bin");
        std::fs::write(&path, weights).unwrap();
        return path;
    }
    let model = dir.join("model");
    std::fs::create_dir(&model).unwrap();
    std::fs::write(model.join("weights.bin"), weights).unwrap();
    std::fs::write(model.join("config.json"), b"{}").unwrap();
    model
}

#[test]
fn oms_interoperable_claim_equals_the_model_signing_cli_verdict() {
    let Some(peer) = modelseal_test::peer("model_signing", "MODELSEAL_MODEL_SIGNING") else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let mut keys = std::collections::BTreeMap::new();
    let mut runs = Vec::new();
    for (i, case) in cases().into_iter().enumerate() {
        let dir = root.path().join(i.to_string());
        std::fs::create_dir(&dir).unwrap();
        let key = keys
            .entry(case.key.name())
            .or_insert_with(|| SigningKey::generate(case.key).unwrap());
        let model = model(&dir, case.single_file);
        let signature = dir.join("model.sig");
        let signed = sign_model(&model, &case.serialization(), key).unwrap();
        std::fs::write(&signature, signed.bundle.to_json()).unwrap();
        let public = dir.join("key.pub");
        std::fs::write(&public, key.public_key().to_pem()).unwrap();

        let claim = oms_interoperability(Some(case.key), &signed.manifest.serialization);
        let trust = TrustRoot::PublicKey(key.public_key().clone());
        let report = verify_model(&model, &signature, &trust, &VerifyOptions::default()).unwrap();
        assert!(report.is_ok(), "{}", case.label());
        assert_eq!(report.oms_interoperable, claim.is_ok(), "{}", case.label());
        assert_eq!(
            report.oms_incompatibility,
            claim.err().map(|e| e.to_string())
        );
        let mut command = Command::new(&peer);
        command
            .args(["verify", "key"])
            .arg(&model)
            .arg("--public_key")
            .arg(&public)
            .arg("--signature")
            .arg(&signature);
        runs.push((case, claim, command));
    }
    // Four peers at a time: each is a Python process importing sigstore.
    let mut outputs = Vec::new();
    for batch in runs.chunks_mut(4) {
        let children: Vec<_> = batch
            .iter_mut()
            .map(|(_, _, command)| {
                command
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        outputs.extend(children.into_iter().map(|c| c.wait_with_output().unwrap()));
    }
    let mut wrong = Vec::new();
    let mut accepted = 0;
    for ((case, claim, _), out) in runs.into_iter().zip(outputs) {
        let verdict = out.status.success();
        accepted += usize::from(verdict);
        if verdict != claim.is_ok() {
            wrong.push(format!(
                "{}: claim {claim:?}, model_signing {}: {}{}",
                case.label(),
                if verdict { "accepts" } else { "rejects" },
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // ECDSA P-256/384/521 with SHA-256 by file, file and directory: the claim is not
    // vacuous.
    assert_eq!(accepted, 6);
}
