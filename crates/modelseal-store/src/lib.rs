//! What a deployment keeps beside its models: a quarantine for models that failed, each with
//! its incident report, and a tamper-evident audit log of every decision (RFC 6962 Merkle tree
//! over JSON lines, with signed checkpoints). Later: the model registry and the verified cache.
//!
//! It records decisions; it does not make them (that is `modelseal-gate`, above it). It sits
//! in the distribute layer on `modelseal-fs` for every file operation and on `modelseal-sign`
//! to sign and verify audit checkpoints and for where and how large a model's signature is
//! (a quarantined model's signature travels with it).

#![cfg_attr(test, allow(clippy::disallowed_methods))] // tests build fixtures with std::fs
#![warn(missing_docs, unreachable_pub)]
pub mod audit;
pub mod quarantine;
