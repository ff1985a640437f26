//! The in-toto Statement v1 (<https://github.com/in-toto/attestation>), read from a payload
//! whose DSSE signature already verified. What the predicate says is another layer's business
//! (the OMS model signature is one predicate, [`crate::oms`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::SignError;
use crate::dsse::{IN_TOTO_PAYLOAD_TYPE, VerifiedPayload};
use crate::error::{Malformed, Unsupported};

/// The in-toto statement type this crate writes and accepts (v1).
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";

/// An in-toto v1 statement: what is attested (the subjects) and the claim (the predicate).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Statement<P = serde_json::Value> {
    /// The statement type; must be [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// The artifacts the statement is about, each named with its digests.
    pub subject: Vec<Subject>,
    /// What kind of claim the predicate makes.
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The claim itself.
    pub predicate: P,
}

/// One artifact an in-toto statement is about.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Subject {
    /// The artifact's name.
    pub name: String,
    /// Its digests keyed by algorithm (`sha256` -> hex).
    pub digest: BTreeMap<String, String>,
}

impl Statement {
    /// The statement a verified payload holds: its payload type must be in-toto's and its
    /// `_type` Statement v1. The predicate is left as JSON for its own layer to read.
    pub fn from_verified(verified: &VerifiedPayload) -> Result<Statement, SignError> {
        if verified.payload_type != IN_TOTO_PAYLOAD_TYPE {
            return Err(Unsupported::WrongPayloadType {
                found: verified.payload_type.clone(),
                expected: IN_TOTO_PAYLOAD_TYPE,
            }
            .into());
        }
        Statement::parse(&verified.payload)
    }

    /// An in-toto Statement v1 from its JSON bytes (unverified: for a verified payload use
    /// [`Statement::from_verified`]).
    pub fn parse(payload: &[u8]) -> Result<Statement, SignError> {
        let statement: Statement =
            serde_json::from_slice(payload).map_err(Malformed::NotAStatement)?;
        // The derived reader refuses a repeated field of the statement itself, but the digest
        // map and the predicate (kept as JSON) were read last-wins.
        crate::unique_keys::check(payload).map_err(Malformed::DuplicateKey)?;
        if statement.statement_type != STATEMENT_TYPE {
            return Err(Unsupported::WrongStatementType {
                found: statement.statement_type,
                expected: STATEMENT_TYPE,
            }
            .into());
        }
        Ok(statement)
    }
}
