//! What a deployment keeps beside its models: a tamper-evident audit log of every decision
//! (RFC 6962 Merkle tree over JSON lines, with signed checkpoints) and a quarantine for models
//! that failed, each with its incident report.

pub mod audit;
pub mod quarantine;
