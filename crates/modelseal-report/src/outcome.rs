//! The verdict of a decision, and how verdicts combine.

use serde::{Serialize, Serializer};

/// What a check decided. The stable numbers (`exit_code`) are the CLI's exit codes and the
/// `exit_code` fields of JSON reports (DESIGN.md §2); usage errors (64) and bugs (70) are the
/// binary's own and never a library's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Outcome {
    /// Everything checked passed.
    #[default]
    Passed,
    /// A signature is invalid or untrusted, or the content differs from what was signed.
    Integrity,
    /// A scan found a threat at or above the failing severity.
    Threat,
    /// An input is not there.
    NotFound,
    /// An input is malformed, unsupported or unreadable.
    Malformed,
}

impl Outcome {
    /// The stable number of this outcome.
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Passed => 0,
            Outcome::Integrity => 1,
            Outcome::Threat => 2,
            Outcome::NotFound => 3,
            Outcome::Malformed => 4,
        }
    }

    /// The outcome as an audit log records it (`pass`, `integrity-failure`, `threat`,
    /// `not-found`, `malformed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "pass",
            Outcome::Integrity => "integrity-failure",
            Outcome::Threat => "threat",
            Outcome::NotFound => "not-found",
            Outcome::Malformed => "malformed",
        }
    }

    /// Whether this is [`Outcome::Passed`].
    pub fn passed(self) -> bool {
        self == Outcome::Passed
    }

    /// Several verdicts as one: the failure with the lowest number wins (an integrity failure
    /// outranks a threat, which outranks a missing input), or `Passed` when none failed.
    pub fn combine(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
        outcomes
            .into_iter()
            .filter(|o| !o.passed())
            .min_by_key(|o| o.exit_code())
            .unwrap_or(Outcome::Passed)
    }
}

impl Serialize for Outcome {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.exit_code())
    }
}

#[cfg(test)]
mod tests {
    use super::Outcome::{Integrity, Malformed, NotFound, Passed, Threat};
    use super::*;

    #[test]
    fn the_lowest_failure_wins() {
        assert_eq!(Outcome::combine([Passed, Passed]), Passed);
        assert_eq!(Outcome::combine([Threat, Integrity]), Integrity);
        assert_eq!(Outcome::combine([Passed, Malformed, Threat]), Threat);
        assert_eq!(Outcome::combine([NotFound, Malformed]), NotFound);
        assert_eq!(Outcome::combine([]), Passed);
        assert_eq!(serde_json::to_string(&Threat).unwrap(), "2");
    }
}
