//! Inclusion and consistency proofs for a log, in a JSON form anyone can check with the
//! RFC 6962 algorithms (hex hashes; the leaf is the entry's exact line).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::entry::{Line, leaf_hash};
use super::{AuditError, lines, read_log, tree};

/// Proof that one entry is in the log of a given size (RFC 6962 audit path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InclusionProof {
    /// The entry's 0-based index in the log.
    pub index: u64,
    /// The number of entries the proof is for.
    pub tree_size: u64,
    /// The entry's line, exactly as logged.
    pub entry: String,
    /// The entry's leaf hash, hex.
    pub leaf_hash: String,
    /// The Merkle root of the first `tree_size` entries, hex.
    pub root: String,
    /// The sibling hashes from leaf to root, hex.
    pub proof: Vec<String>,
}

/// Proof that a log of `old_size` entries is a prefix of the log of `tree_size` entries (RFC 6962), so nothing before was changed or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsistencyProof {
    /// The size of the earlier log.
    pub old_size: u64,
    /// The earlier log's Merkle root, hex.
    pub old_root: String,
    /// The size of the current log.
    pub tree_size: u64,
    /// The current log's Merkle root, hex.
    pub root: String,
    /// The RFC 6962 consistency path, hex.
    pub proof: Vec<String>,
}

fn entry_lines(data: &[u8]) -> Vec<&[u8]> {
    lines(data)
        .filter(|(_, line)| matches!(Line::parse(line), Ok(Line::Entry(_))))
        .map(|(_, line)| line)
        .collect()
}

fn to_hex(hashes: &[[u8; 32]]) -> Vec<String> {
    hashes.iter().map(hex::encode).collect()
}

fn from_hex(hashes: &[String]) -> Option<Vec<[u8; 32]>> {
    hashes.iter().map(|h| hash_from_hex(h)).collect()
}

fn hash_from_hex(h: &str) -> Option<[u8; 32]> {
    hex::decode(h).ok()?.try_into().ok()
}

/// Proves that entry `index` is in the log at `path`.
pub fn prove_inclusion(path: &Path, index: u64) -> Result<InclusionProof, AuditError> {
    let data = read_log(path)?;
    let leaves = entry_lines(&data);
    let proof = tree::inclusion_proof(&leaves, index).ok_or_else(|| {
        AuditError::OutOfRange(format!(
            "there is no entry {index}: the log holds {} entries",
            leaves.len()
        ))
    })?;
    let leaf = leaves[usize::try_from(index).unwrap_or(usize::MAX)];
    Ok(InclusionProof {
        index,
        tree_size: leaves.len() as u64,
        entry: String::from_utf8_lossy(leaf).into_owned(),
        leaf_hash: hex::encode(leaf_hash(leaf)),
        root: hex::encode(tree::root(&leaves)),
        proof: to_hex(&proof),
    })
}

/// Proves that the log's first `old_size` entries are a prefix of what it holds now.
pub fn prove_consistency(path: &Path, old_size: u64) -> Result<ConsistencyProof, AuditError> {
    let data = read_log(path)?;
    let leaves = entry_lines(&data);
    let proof = tree::consistency_proof(&leaves, old_size).ok_or_else(|| {
        AuditError::OutOfRange(format!(
            "the old size must be between 1 and the log's {} entries, not {old_size}",
            leaves.len()
        ))
    })?;
    Ok(ConsistencyProof {
        old_size,
        old_root: hex::encode(tree::root(
            &leaves[..usize::try_from(old_size).unwrap_or(0)],
        )),
        tree_size: leaves.len() as u64,
        root: hex::encode(tree::root(&leaves)),
        proof: to_hex(&proof),
    })
}

impl InclusionProof {
    /// Checks the proof on its own (against the root it names; compare that root with a
    /// checkpoint you trust).
    pub fn verify(&self) -> bool {
        let (Some(root), Some(proof)) = (hash_from_hex(&self.root), from_hex(&self.proof)) else {
            return false;
        };
        hex::encode(leaf_hash(self.entry.as_bytes())) == self.leaf_hash
            && tree::verify_inclusion(
                self.entry.as_bytes(),
                self.index,
                self.tree_size,
                &root,
                &proof,
            )
    }
}

impl ConsistencyProof {
    /// Whether the proof shows the old root is a prefix of the new (false if any hash is malformed).
    pub fn verify(&self) -> bool {
        let (Some(old_root), Some(root), Some(proof)) = (
            hash_from_hex(&self.old_root),
            hash_from_hex(&self.root),
            from_hex(&self.proof),
        ) else {
            return false;
        };
        tree::verify_consistency(self.old_size, &old_root, self.tree_size, &root, &proof)
    }
}
