//! Whether a version lies in an `affected[].ranges[]` entry, following the "Evaluation"
//! pseudocode of the OSV schema: events sorted by version (`introduced: "0"` first), walked
//! while the candidate is at or above them; `introduced` opens, `fixed` (exclusive) and
//! `last_affected` (inclusive) close; the candidate must also be below at least one `limit`
//! when there are any (`*` is infinity).

use std::cmp::Ordering;

use super::record::Event;
use super::version::Ordered;

/// A bound of a range: `introduced: "0"` and `limit: "*"` are special values of the schema,
/// not versions.
enum Bound<V> {
    Zero,
    Version(V),
    Infinity,
}

impl<V: Ordered> Bound<V> {
    fn parse(event: &Event) -> Result<Bound<V>, String> {
        match event {
            Event::Introduced(v) if v == "0" => Ok(Bound::Zero),
            Event::Limit(v) if v.contains('*') => Ok(Bound::Infinity),
            _ => V::parse(event.version())
                .map(Bound::Version)
                .map_err(|e| format!("{} {:?}: {e}", event.name(), event.version())),
        }
    }

    fn order(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Bound::Zero, Bound::Zero) | (Bound::Infinity, Bound::Infinity) => Ordering::Equal,
            (Bound::Zero, _) | (_, Bound::Infinity) => Ordering::Less,
            (_, Bound::Zero) | (Bound::Infinity, _) => Ordering::Greater,
            (Bound::Version(a), Bound::Version(b)) => a.order(b),
        }
    }

    /// How `candidate` compares with this bound.
    fn candidate_order(&self, candidate: &V) -> Ordering {
        match self {
            Bound::Zero => Ordering::Greater,
            Bound::Infinity => Ordering::Less,
            Bound::Version(bound) => candidate.order_against_bound(bound),
        }
    }
}

/// What one range says about a candidate.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Verdict {
    pub affected: bool,
    /// The range's `fixed` versions above the candidate, in order: where to upgrade to.
    pub fixed_above: Vec<String>,
}

/// Evaluates `events` (one range) for `candidate`. An event version that does not parse under
/// `V` makes the whole range unanswerable: the error names it.
pub(crate) fn evaluate<V: Ordered>(events: &[Event], candidate: &V) -> Result<Verdict, String> {
    let mut timeline = Vec::with_capacity(events.len());
    let mut limits = Vec::new();
    for event in events {
        let bound = Bound::<V>::parse(event)?;
        if matches!(event, Event::Limit(_)) {
            limits.push(bound);
        } else {
            timeline.push((event, bound));
        }
    }
    // Stable: events at the same version keep the record's order.
    timeline.sort_by(|(_, a), (_, b)| a.order(b));

    let below_a_limit = limits.is_empty()
        || limits
            .iter()
            .any(|limit| limit.candidate_order(candidate) == Ordering::Less);
    let mut affected = false;
    for (event, bound) in &timeline {
        let position = bound.candidate_order(candidate);
        match event {
            Event::Introduced(_) if position != Ordering::Less => affected = true,
            Event::Fixed(_) if position != Ordering::Less => affected = false,
            Event::LastAffected(_) if position == Ordering::Greater => affected = false,
            _ => {}
        }
    }
    let fixed_above = timeline
        .iter()
        .filter(|(event, bound)| {
            matches!(event, Event::Fixed(_)) && bound.candidate_order(candidate) == Ordering::Less
        })
        .map(|(event, _)| event.version().to_owned())
        .collect();
    Ok(Verdict {
        affected: affected && below_a_limit,
        fixed_above,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(spec: &[(&str, &str)]) -> Vec<Event> {
        spec.iter()
            .map(|(kind, v)| {
                let v = (*v).to_owned();
                match *kind {
                    "introduced" => Event::Introduced(v),
                    "fixed" => Event::Fixed(v),
                    "last_affected" => Event::LastAffected(v),
                    "limit" => Event::Limit(v),
                    _ => unreachable!(),
                }
            })
            .collect()
    }

    fn pypi(spec: &[(&str, &str)], version: &str) -> bool {
        let candidate = pep440_rs::Version::parse(version).unwrap();
        evaluate(&events(spec), &candidate).unwrap().affected
    }

    fn semver(spec: &[(&str, &str)], version: &str) -> bool {
        let candidate = semver::Version::parse(version).unwrap();
        evaluate(&events(spec), &candidate).unwrap().affected
    }

    #[test]
    fn introduced_zero_and_fixed() {
        let range = [("introduced", "0"), ("fixed", "1.0.2")];
        assert!(semver(&range, "0.0.0-alpha"));
        assert!(semver(&range, "1.0.1"));
        assert!(semver(&range, "1.0.2-rc.1"));
        assert!(!semver(&range, "1.0.2"));
        assert!(!semver(&range, "1.0.2+build"));
        assert!(!semver(&range, "2.0.0"));
    }

    #[test]
    fn only_introduced_means_every_later_version() {
        let range = [("introduced", "2.0")];
        assert!(!pypi(&range, "1.9"));
        assert!(!pypi(&range, "2.0rc1"));
        assert!(pypi(&range, "2.0"));
        assert!(pypi(&range, "2.0.0"));
        assert!(pypi(&range, "99"));
        assert!(pypi(&[("introduced", "0")], "0.0.dev0"));
    }

    #[test]
    fn last_affected_is_inclusive() {
        let range = [("introduced", "0"), ("last_affected", "2.1.214")];
        assert!(pypi(&range, "2.1.214"));
        assert!(pypi(&range, "2.1.214.0"));
        assert!(pypi(&range, "2.1.214+local"));
        assert!(!pypi(&range, "2.1.214.post1"));
        assert!(!pypi(&range, "2.1.215"));
        assert!(!pypi(&range, "2.1.215.dev0"));
    }

    #[test]
    fn several_pairs_in_any_order() {
        let sorted = [
            ("introduced", "1.0.0"),
            ("fixed", "1.0.2"),
            ("introduced", "3.0.0"),
            ("fixed", "3.2.5"),
        ];
        let shuffled = [sorted[3], sorted[0], sorted[2], sorted[1]];
        for range in [&sorted[..], &shuffled[..]] {
            for (version, expected) in [
                ("0.9.0", false),
                ("1.0.0", true),
                ("1.0.1", true),
                ("1.0.2", false),
                ("2.9.9", false),
                ("3.0.0-rc.1", false),
                ("3.0.0", true),
                ("3.2.4", true),
                ("3.2.5", false),
            ] {
                assert_eq!(semver(range, version), expected, "{version} in {range:?}");
            }
        }
    }

    #[test]
    fn pep440_edges_inside_ranges() {
        let range = [("introduced", "1.0"), ("fixed", "1.1")];
        assert!(!pypi(&range, "1.0rc1"));
        assert!(!pypi(&range, "1.0.dev0"));
        assert!(pypi(&range, "1.0.post1"));
        assert!(
            pypi(&range, "1.1rc1"),
            "a pre-release of the fix is still affected"
        );
        assert!(
            !pypi(&range, "1!0.5"),
            "epoch 1 sorts after every epoch-0 version"
        );
        assert!(pypi(&[("introduced", "1!0.1")], "1!0.5"));
        // `fixed` ignores the local label too: 1.1+local is the fixed release rebuilt.
        assert!(!pypi(&range, "1.1+local"));
        assert!(pypi(&range, "1.0+local"));
    }

    #[test]
    fn limits_bound_the_range() {
        let range = [("introduced", "0"), ("limit", "2.0.0")];
        assert!(semver(&range, "1.9.9"));
        assert!(!semver(&range, "2.0.0"));
        let two = [("introduced", "0"), ("limit", "1.0.0"), ("limit", "*")];
        assert!(semver(&two, "5.0.0"), "an infinite limit bounds nothing");
    }

    #[test]
    fn fixed_versions_above_the_candidate_are_reported() {
        let range = events(&[
            ("introduced", "1.0.0"),
            ("fixed", "1.0.2"),
            ("introduced", "3.0.0"),
            ("fixed", "3.2.5"),
        ]);
        let verdict = |v: &str| evaluate(&range, &semver::Version::parse(v).unwrap()).unwrap();
        assert_eq!(
            verdict("1.0.1"),
            Verdict {
                affected: true,
                fixed_above: vec!["1.0.2".to_owned(), "3.2.5".to_owned()],
            }
        );
        assert_eq!(verdict("3.1.0").fixed_above, ["3.2.5"]);
    }

    #[test]
    fn an_unparseable_bound_is_an_error() {
        let range = events(&[("introduced", "0"), ("fixed", "1.0")]);
        let error = evaluate(&range, &semver::Version::parse("0.5.0").unwrap()).unwrap_err();
        assert!(error.starts_with("fixed \"1.0\": "), "{error}");
    }
}
