//! Version orderings: PEP 440 (PyPI `ECOSYSTEM` ranges) and Semantic Versioning 2.0 precedence (`SEMVER`
//! ranges, and crates.io and npm `ECOSYSTEM` ranges).

use std::cmp::Ordering;
use std::str::FromStr;

/// Which ordering a range's versions follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    Pep440,
    SemVer,
}

impl Scheme {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Scheme::Pep440 => "PEP 440",
            Scheme::SemVer => "SemVer",
        }
    }
}

/// A parsed version of one scheme.
pub(crate) trait Ordered: Sized {
    fn parse(text: &str) -> Result<Self, String>;

    /// The order of two range bounds, to sort a range's events.
    fn order(&self, other: &Self) -> Ordering;

    /// How a candidate (a component's version) compares with a range bound.
    fn order_against_bound(&self, bound: &Self) -> Ordering {
        self.order(bound)
    }
}

impl Ordered for pep440_rs::Version {
    fn parse(text: &str) -> Result<Self, String> {
        pep440_rs::Version::from_str(text).map_err(|e| e.to_string())
    }

    fn order(&self, other: &Self) -> Ordering {
        self.cmp(other)
    }

    /// A local label (`2.5.1+cu121`) marks a downstream build of the public release, so it is
    /// ignored against a bound that has none, as PEP 440 ignores it when matching a specifier
    /// such as `<=2.5.1`. Plain PEP 440 ordering would put `2.5.1+cu121` above
    /// `last_affected: 2.5.1` and miss it.
    fn order_against_bound(&self, bound: &Self) -> Ordering {
        if bound.local().is_empty() && !self.local().is_empty() {
            self.clone().without_local().cmp(bound)
        } else {
            self.cmp(bound)
        }
    }
}

impl Ordered for semver::Version {
    fn parse(text: &str) -> Result<Self, String> {
        semver::Version::parse(text).map_err(|e| e.to_string())
    }

    /// Semantic Versioning precedence: pre-releases before their release, build metadata ignored (the
    /// derived `Ord` of `semver::Version` would compare it).
    fn order(&self, other: &Self) -> Ordering {
        self.cmp_precedence(other)
    }
}

/// Whether `candidate` and `listed` (an entry of `affected[].versions`) name the same version
/// under `V`: `1.0` and `1.0.0` do in PEP 440, `1.0.0+build` and `1.0.0` in semantic versioning.
pub(crate) fn same_version<V: Ordered>(candidate: &V, listed: &str) -> bool {
    V::parse(listed).is_ok_and(|listed| candidate.order_against_bound(&listed) == Ordering::Equal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pep440(a: &str, b: &str) -> Ordering {
        let a = pep440_rs::Version::parse(a).unwrap();
        a.order(&pep440_rs::Version::parse(b).unwrap())
    }

    fn semver(a: &str, b: &str) -> Ordering {
        let a = semver::Version::parse(a).unwrap();
        Ordered::order(&a, &semver::Version::parse(b).unwrap())
    }

    #[test]
    fn pep440_ordering() {
        assert_eq!(pep440("1.0.post1", "1.0"), Ordering::Greater);
        assert_eq!(pep440("1.0rc1", "1.0"), Ordering::Less);
        assert_eq!(pep440("1.0.dev0", "1.0a1"), Ordering::Less);
        assert_eq!(pep440("1.0.dev0", "0.9.9"), Ordering::Greater);
        assert_eq!(pep440("1.0a1", "1.0b1"), Ordering::Less);
        assert_eq!(pep440("1.0b2", "1.0rc1"), Ordering::Less);
        assert_eq!(pep440("1!0.5", "2.0"), Ordering::Greater);
        assert_eq!(pep440("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(pep440("1.0.0.0", "1"), Ordering::Equal);
        assert_eq!(pep440("1.10", "1.9"), Ordering::Greater);
        // Between bounds, a local label sorts after its public version (PEP 440).
        assert_eq!(pep440("1.0+local", "1.0"), Ordering::Greater);
        assert_eq!(pep440("1.0+local", "1.0.post1"), Ordering::Less);
        // Normalised spellings.
        assert_eq!(pep440("1.0-RC1", "1.0rc1"), Ordering::Equal);
        assert_eq!(pep440("v1.0", "1.0"), Ordering::Equal);
    }

    #[test]
    fn a_local_label_is_ignored_only_against_a_public_bound() {
        let local = pep440_rs::Version::parse("2.5.1+cu121").unwrap();
        let public = pep440_rs::Version::parse("2.5.1").unwrap();
        assert_eq!(local.order_against_bound(&public), Ordering::Equal);
        let other_local = pep440_rs::Version::parse("2.5.1+cpu").unwrap();
        assert_ne!(local.order_against_bound(&other_local), Ordering::Equal);
        assert!(same_version(&local, "2.5.1"));
        assert!(!same_version(&public, "2.5.1+cu121"));
    }

    #[test]
    fn semver_precedence() {
        assert_eq!(semver("1.0.0-alpha", "1.0.0"), Ordering::Less);
        assert_eq!(semver("1.0.0-alpha", "1.0.0-alpha.1"), Ordering::Less);
        assert_eq!(semver("1.0.0-alpha.beta", "1.0.0-beta"), Ordering::Less);
        assert_eq!(semver("1.0.0-beta.2", "1.0.0-beta.11"), Ordering::Less);
        assert_eq!(semver("1.0.0-rc.1", "1.0.0"), Ordering::Less);
        assert_eq!(semver("1.0.0+build.5", "1.0.0"), Ordering::Equal);
        assert_eq!(semver("1.0.0+a", "1.0.0+b"), Ordering::Equal);
        assert_eq!(semver("1.10.0", "1.9.0"), Ordering::Greater);
        let candidate = semver::Version::parse("1.16.1+build.5").unwrap();
        assert!(same_version(&candidate, "1.16.1"));
        assert!(!same_version(&candidate, "1.16.1-rc.1"));
        assert!(<semver::Version as Ordered>::parse("1.0").is_err());
    }
}
