//! What can stop the gate itself (as opposed to a model failing it).

/// The gate could not carry out its own actions; a model that fails is a verdict, not this.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    /// The audit log was asked for and cannot be written: a decision must not go unrecorded.
    #[error(transparent)]
    Audit(#[from] modelseal_store::audit::AuditError),
    /// Moving a model into or out of quarantine failed.
    #[error(transparent)]
    Quarantine(#[from] modelseal_store::quarantine::QuarantineError),
}
