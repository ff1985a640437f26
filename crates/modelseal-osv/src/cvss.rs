//! CVSS v3.0 and v3.1 base scores, computed from the vector string.
//!
//! Written by hand rather than taken from a crate: the base equations are a dozen lines of the
//! FIRST specification (v3.1 section 7.1 and Appendix A), and no maintained CVSS crate was
//! picked for a dependency this small. v3.0 and v3.1 share the metric weights and equations;
//! v3.1 only made `Roundup` exact for floating point, and that definition is used for both
//! (it gives the result v3.0 intended).

/// A base score, held in tenths so that comparisons are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Score(u8);

impl Score {
    pub(crate) fn tenths(self) -> u8 {
        self.0
    }

    pub(crate) fn value(self) -> f64 {
        f64::from(self.0) / 10.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CvssError {
    #[error("not a CVSS v3 vector (expected a `CVSS:3.0/` or `CVSS:3.1/` prefix)")]
    NotVersion3,
    #[error("malformed metric {0:?} (expected `NAME:VALUE`)")]
    Malformed(String),
    #[error("unknown metric {0:?}")]
    UnknownMetric(String),
    #[error("metric {0} given twice")]
    Duplicate(&'static str),
    #[error("base metric {0} missing")]
    Missing(&'static str),
    #[error("invalid value {value:?} for metric {metric}")]
    InvalidValue { metric: &'static str, value: String },
}

const BASE_METRICS: [&str; 8] = ["AV", "AC", "PR", "UI", "S", "C", "I", "A"];

/// Temporal and environmental metrics: allowed in a vector, no part of the base score.
const OTHER_METRICS: [&str; 14] = [
    "E", "RL", "RC", "CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA",
];

/// The base score of a `CVSS:3.x/...` vector.
pub(crate) fn base_score(vector: &str) -> Result<Score, CvssError> {
    let metrics = vector
        .strip_prefix("CVSS:3.1/")
        .or_else(|| vector.strip_prefix("CVSS:3.0/"))
        .ok_or(CvssError::NotVersion3)?;
    let mut values: [Option<&str>; 8] = [None; 8];
    for part in metrics.split('/') {
        let (metric, value) = part
            .split_once(':')
            .ok_or_else(|| CvssError::Malformed(part.to_owned()))?;
        if let Some(index) = BASE_METRICS.iter().position(|m| *m == metric) {
            if values[index].replace(value).is_some() {
                return Err(CvssError::Duplicate(BASE_METRICS[index]));
            }
        } else if !OTHER_METRICS.contains(&metric) {
            return Err(CvssError::UnknownMetric(metric.to_owned()));
        }
    }
    let weight = |index: usize, table: &[(&str, f64)]| -> Result<f64, CvssError> {
        let metric = BASE_METRICS[index];
        let value = values[index].ok_or(CvssError::Missing(metric))?;
        table
            .iter()
            .find(|(name, _)| *name == value)
            .map(|(_, w)| *w)
            .ok_or_else(|| CvssError::InvalidValue {
                metric,
                value: value.to_owned(),
            })
    };
    let scope_changed = weight(4, &[("U", 0.0), ("C", 1.0)])? > 0.0;
    let attack_vector = weight(0, &[("N", 0.85), ("A", 0.62), ("L", 0.55), ("P", 0.2)])?;
    let attack_complexity = weight(1, &[("L", 0.77), ("H", 0.44)])?;
    // Privileges weigh more when the impact crosses a security scope.
    let privileges = if scope_changed {
        weight(2, &[("N", 0.85), ("L", 0.68), ("H", 0.5)])?
    } else {
        weight(2, &[("N", 0.85), ("L", 0.62), ("H", 0.27)])?
    };
    let user_interaction = weight(3, &[("N", 0.85), ("R", 0.62)])?;
    let impact_weights = [("H", 0.56), ("L", 0.22), ("N", 0.0)];
    let confidentiality = weight(5, &impact_weights)?;
    let integrity = weight(6, &impact_weights)?;
    let availability = weight(7, &impact_weights)?;

    let iss = 1.0 - (1.0 - confidentiality) * (1.0 - integrity) * (1.0 - availability);
    let impact = if scope_changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15)
    } else {
        6.42 * iss
    };
    let exploitability = 8.22 * attack_vector * attack_complexity * privileges * user_interaction;
    if impact <= 0.0 {
        return Ok(Score(0));
    }
    let raw = if scope_changed {
        (1.08 * (impact + exploitability)).min(10.0)
    } else {
        (impact + exploitability).min(10.0)
    };
    Ok(Score(round_up(raw)))
}

/// `Roundup` of CVSS v3.1 Appendix A, in tenths: the smallest one-decimal number at or above
/// `value`, computed on integers of 1e-5 so that float noise (`4.000000000000001`) does not
/// add a tenth.
#[allow(clippy::cast_sign_loss)] // `value` is a score between 0 and 10
fn round_up(value: f64) -> u8 {
    let scaled = (value * 100_000.0).round() as u64;
    let tenths = if scaled.is_multiple_of(10_000) {
        scaled / 10_000
    } else {
        scaled / 10_000 + 1
    };
    tenths.min(100) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenths(vector: &str) -> u8 {
        base_score(vector).unwrap().tenths()
    }

    #[test]
    fn known_vectors() {
        // Scores as the FIRST calculator gives them.
        for (vector, expected) in [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 98),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 61),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", 55),
            ("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 59),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 100),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N", 68),
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 64),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 88),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 75),
            ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 16),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0),
        ] {
            assert_eq!(tenths(vector), expected, "{vector}");
        }
    }

    #[test]
    fn metric_order_and_extra_metrics_do_not_matter() {
        assert_eq!(
            tenths("CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N/E:P/RL:O/RC:C/MAV:L"),
            98
        );
        assert!(
            (base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
                .unwrap()
                .value()
                - 9.8)
                .abs()
                < 1e-9
        );
    }

    #[test]
    fn round_up_is_exact_for_float_noise() {
        assert_eq!(round_up(4.000_000_000_000_001), 40);
        assert_eq!(round_up(4.02), 41);
        assert_eq!(round_up(4.0), 40);
    }

    #[test]
    fn bad_vectors_are_errors() {
        assert_eq!(
            base_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            Err(CvssError::NotVersion3)
        );
        assert_eq!(
            base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"),
            Err(CvssError::Missing("A"))
        );
        assert_eq!(
            base_score("CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Err(CvssError::Duplicate("AV"))
        );
        assert_eq!(
            base_score("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Err(CvssError::InvalidValue {
                metric: "AV",
                value: "X".to_owned()
            })
        );
        assert!(matches!(
            base_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:1"),
            Err(CvssError::UnknownMetric(_))
        ));
        assert!(matches!(
            base_score("CVSS:3.1/AVN"),
            Err(CvssError::Malformed(_))
        ));
    }
}
