//! What a deployment keeps beside its models and how it decides about them: the gate (verify
//! and scan each model, with stable exit codes), a quarantine for models that failed, each with
//! its incident report, and a tamper-evident audit log of every decision (RFC 6962 Merkle tree
//! over JSON lines, with signed checkpoints).
//!
//! This crate depends on `modelseal-scan`, a crate on its own level, on purpose: the gate's
//! decision needs both the signature check and the scan, and so does re-checking a model
//! before it leaves quarantine.

pub mod audit;
pub mod gate;
pub mod quarantine;
