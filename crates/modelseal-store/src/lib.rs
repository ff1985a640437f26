//! What a deployment keeps beside its models: a tamper-evident audit log of every decision
//! (RFC 6962 Merkle tree over JSON lines, with signed checkpoints).

pub mod audit;
