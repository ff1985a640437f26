//! The RFC 6962 Merkle tree over entry lines, via `ct-merkle`: roots of a prefix, inclusion
//! and consistency proofs. Proof requests are checked here first, since `ct-merkle` panics
//! on indices out of range.

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
use sha2::Sha256;

/// The Merkle root of `leaves` (SHA-256 of the empty string for none, as RFC 6962 defines).
pub(crate) fn root(leaves: &[&[u8]]) -> [u8; 32] {
    build(leaves)
        .root()
        .as_bytes()
        .as_slice()
        .try_into()
        .unwrap_or([0; 32])
}

fn build(leaves: &[&[u8]]) -> MemoryBackedTree<Sha256, Vec<u8>> {
    let mut tree = MemoryBackedTree::new();
    for leaf in leaves {
        tree.push(leaf.to_vec());
    }
    tree
}

/// A tree grown one leaf at a time, for roots of every prefix as a log is read.
#[derive(Debug, Default)]
pub(crate) struct Growing(MemoryBackedTree<Sha256, Vec<u8>>);

impl Growing {
    pub(crate) fn push(&mut self, leaf: &[u8]) {
        self.0.push(leaf.to_vec());
    }

    pub(crate) fn size(&self) -> u64 {
        self.0.len()
    }

    pub(crate) fn root(&self) -> [u8; 32] {
        self.0
            .root()
            .as_bytes()
            .as_slice()
            .try_into()
            .unwrap_or([0; 32])
    }
}

/// The audit path of leaf `index` in the tree of `leaves`, or `None` when out of range.
pub(crate) fn inclusion_proof(leaves: &[&[u8]], index: u64) -> Option<Vec<[u8; 32]>> {
    if index >= leaves.len() as u64 {
        return None;
    }
    let tree = build(leaves);
    let proof = tree.prove_inclusion(usize::try_from(index).ok()?);
    Some(split(proof.as_bytes()))
}

/// The consistency proof from the first `old_size` leaves to all of them, or `None` when
/// `old_size` is 0 or larger than the tree.
pub(crate) fn consistency_proof(leaves: &[&[u8]], old_size: u64) -> Option<Vec<[u8; 32]>> {
    let size = leaves.len() as u64;
    if old_size == 0 || old_size > size {
        return None;
    }
    let tree = build(leaves);
    let proof = tree.prove_consistency(usize::try_from(size - old_size).ok()?);
    Some(split(proof.as_bytes()))
}

/// Checks an inclusion proof of `leaf` at `index` against `root` of a tree of `size` leaves.
pub(crate) fn verify_inclusion(
    leaf: &[u8],
    index: u64,
    size: u64,
    root: &[u8; 32],
    proof: &[[u8; 32]],
) -> bool {
    if index >= size {
        return false;
    }
    let Ok(proof) = InclusionProof::<Sha256>::try_from_bytes(proof.concat()) else {
        return false;
    };
    RootHash::<Sha256>::new((*root).into(), size)
        .verify_inclusion(&leaf, index, &proof)
        .is_ok()
}

/// Checks that the tree of `old_size` leaves with `old_root` is a prefix of the tree of `size`
/// leaves with `root`.
pub(crate) fn verify_consistency(
    old_size: u64,
    old_root: &[u8; 32],
    size: u64,
    root: &[u8; 32],
    proof: &[[u8; 32]],
) -> bool {
    if old_size == 0 || old_size > size {
        return false;
    }
    let Ok(proof) = ConsistencyProof::<Sha256>::try_from_bytes(proof.concat()) else {
        return false;
    };
    let old = RootHash::<Sha256>::new((*old_root).into(), old_size);
    RootHash::<Sha256>::new((*root).into(), size)
        .verify_consistency(&old, &proof)
        .is_ok()
}

fn split(bytes: &[u8]) -> Vec<[u8; 32]> {
    bytes
        .chunks_exact(32)
        .map(|c| c.try_into().unwrap_or([0; 32]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proofs_verify_for_every_index_and_prefix() {
        let data: Vec<Vec<u8>> = (0..13u8).map(|i| vec![i; 3]).collect();
        let leaves: Vec<&[u8]> = data.iter().map(Vec::as_slice).collect();
        let top = root(&leaves);
        for index in 0..13 {
            let proof = inclusion_proof(&leaves, index).unwrap();
            assert!(verify_inclusion(
                leaves[index as usize],
                index,
                13,
                &top,
                &proof
            ));
            assert!(!verify_inclusion(b"other", index, 13, &top, &proof));
        }
        for old in 1..=13u64 {
            let proof = consistency_proof(&leaves, old).unwrap();
            let old_root = root(&leaves[..old as usize]);
            assert!(verify_consistency(old, &old_root, 13, &top, &proof));
            assert!(!verify_consistency(old, &[0; 32], 13, &top, &proof));
        }
        assert!(inclusion_proof(&leaves, 13).is_none());
        assert!(consistency_proof(&leaves, 0).is_none());
        assert!(consistency_proof(&leaves, 14).is_none());
    }

    #[test]
    fn empty_tree_root_is_the_hash_of_nothing() {
        assert_eq!(
            hex::encode(root(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
