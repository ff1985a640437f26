//! Matching components against the database, and what a match reports.
//!
//! A component is looked up by the ecosystem and name of its purl, and is affected by a record
//! when one of the record's `affected[]` entries for that package lists its version or has a
//! `SEMVER` or `ECOSYSTEM` range holding it (`GIT` ranges need the repository and are
//! ignored; withdrawn records are skipped). Records that are aliases of one another (a GHSA
//! record and the PYSEC record of the same CVE, say) become one finding, named by the
//! smallest id, with the other ids among its aliases.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeSet, HashSet};
use std::str::FromStr;

use packageurl::PackageUrl;
use serde::Serialize;

use super::database::Database;
use super::ecosystem::Ecosystem;
use super::range::{self, Verdict};
use super::record::{Affected, Event, Range, RangeKind, Record};
use super::severity::{self, Severity};
use super::version::{Ordered, Scheme, same_version};
use modelseal_bom::bom::Component;

/// A component affected by a vulnerability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The component's `bom-ref` in the BOM.
    pub bom_ref: String,
    /// The component's name as the BOM gives it.
    pub name: String,
    /// The component's version as the BOM gives it.
    pub version: String,
    /// The component's package URL.
    pub purl: String,
    /// The ecosystem whose version ordering matched it.
    pub ecosystem: Ecosystem,
    /// The record's id (the smallest when several records are aliases of one another).
    pub id: String,
    /// Other ids of the same vulnerability (CVE, PYSEC, ...), sorted.
    pub aliases: Vec<String>,
    /// The record's `summary`, else the first line of its `details`.
    pub summary: Option<String>,
    /// The record's qualitative rating (see the module doc for how it is chosen).
    pub severity: Severity,
    /// The CVSS v3 base score the severity comes from, when there is one.
    pub score: Option<f64>,
    /// The `fixed` versions of the ranges that hold this version, above it, in version order.
    pub fixed: Vec<String>,
    /// The records' reference URLs.
    pub references: Vec<String>,
}

/// The outcome of an audit, for people and for `--fail-on`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Sorted: most severe first, then by id, then by `bom_ref`.
    pub findings: Vec<Finding>,
    /// Components looked up in the database.
    pub checked: usize,
    /// Components that could not be: no purl, a purl of another ecosystem, or no version.
    pub skipped: usize,
    /// What was not fully checked, and why (unparseable versions, ranges that could not be
    /// evaluated), sorted.
    pub notes: Vec<String>,
}

impl Report {
    /// The most severe finding's severity.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).max()
    }

    /// Whether any finding is at least as severe as `threshold` (`--fail-on`).
    pub fn has_finding_at_or_above(&self, threshold: Severity) -> bool {
        self.findings.iter().any(|f| f.severity >= threshold)
    }
}

impl Database {
    /// The findings of [`Database::report`].
    pub fn audit(&self, components: &[&Component]) -> Vec<Finding> {
        self.report(components).findings
    }

    /// Matches every component against the database.
    pub fn report(&self, components: &[&Component]) -> Report {
        let mut findings = Vec::new();
        let mut notes = BTreeSet::new();
        let mut seen = HashSet::new();
        let (mut checked, mut skipped) = (0, 0);
        for component in components {
            let subject = match Subject::of(component) {
                Ok(subject) => subject,
                Err(note) => {
                    skipped += 1;
                    notes.extend(note);
                    continue;
                }
            };
            checked += 1;
            let key = (subject.ecosystem, subject.package.clone());
            let candidates = self.by_package.get(&key).map_or(&[][..], Vec::as_slice);
            let matched: Vec<Matched> = candidates
                .iter()
                .map(|&index| &self.records[index])
                .filter(|record| record.withdrawn.is_none())
                .filter_map(|record| subject.check(record, &mut notes))
                .collect();
            for finding in group_aliases(&subject, matched) {
                if seen.insert((finding.bom_ref.clone(), finding.id.clone())) {
                    findings.push(finding);
                }
            }
        }
        findings.sort_by(|a, b| {
            (Reverse(a.severity), &a.id, &a.bom_ref).cmp(&(Reverse(b.severity), &b.id, &b.bom_ref))
        });
        Report {
            findings,
            checked,
            skipped,
            notes: notes.into_iter().collect(),
        }
    }
}

/// A component as the database sees it.
struct Subject<'a> {
    component: &'a Component,
    ecosystem: Ecosystem,
    /// Normalised.
    package: String,
    purl: &'a str,
    version: String,
    pep440: Result<pep440_rs::Version, String>,
    semver: Result<semver::Version, String>,
}

/// Why a range could not be evaluated.
enum Unevaluated {
    /// The component's version does not parse under the range's scheme.
    Candidate(Scheme, String),
    /// One of the range's versions does not.
    Bound(String),
}

/// One record's match with a subject.
struct Matched<'a> {
    record: &'a Record,
    affected: Vec<&'a Affected>,
    fixed: Vec<String>,
}

impl<'a> Subject<'a> {
    /// The subject of `component`, or why it is skipped (`None` when nothing is worth
    /// saying: no purl, or a purl of an ecosystem not audited).
    fn of(component: &'a Component) -> Result<Subject<'a>, Option<String>> {
        let purl = component.purl.as_deref().ok_or(None)?;
        let parsed = PackageUrl::from_str(purl).map_err(|e| {
            Some(format!(
                "{}: unreadable purl {purl:?}: {e}",
                component.bom_ref
            ))
        })?;
        let ecosystem = Ecosystem::from_purl_type(parsed.ty()).ok_or(None)?;
        let name = match parsed.namespace() {
            Some(scope) if ecosystem == Ecosystem::Npm => format!("{scope}/{}", parsed.name()),
            _ => parsed.name().to_owned(),
        };
        let version = component
            .version
            .as_deref()
            .or(parsed.version())
            .ok_or_else(|| Some(format!("{purl}: no version, not checked")))?
            .to_owned();
        Ok(Subject {
            component,
            ecosystem,
            package: ecosystem.normalize_name(&name),
            purl,
            pep440: <pep440_rs::Version as Ordered>::parse(&version),
            semver: <semver::Version as Ordered>::parse(&version),
            version,
        })
    }

    fn check(&self, record: &'a Record, notes: &mut BTreeSet<String>) -> Option<Matched<'a>> {
        let mut matched = Matched {
            record,
            affected: Vec::new(),
            fixed: Vec::new(),
        };
        for affected in &record.affected {
            let Some(package) = &affected.package else {
                continue;
            };
            if Ecosystem::from_osv(&package.ecosystem) != Some(self.ecosystem)
                || self.ecosystem.normalize_name(&package.name) != self.package
            {
                continue;
            }
            let mut hit = affected.versions.iter().any(|v| self.is_listed(v));
            for range in &affected.ranges {
                match self.evaluate(range) {
                    Some(Ok(verdict)) if verdict.affected => {
                        hit = true;
                        matched.fixed.extend(verdict.fixed_above);
                    }
                    None | Some(Ok(_)) => {}
                    Some(Err(Unevaluated::Candidate(scheme, reason))) => {
                        notes.insert(format!(
                            "{}: version {:?} is not a {} version ({reason}); only the exact \
                             versions records list were checked",
                            self.purl,
                            self.version,
                            scheme.as_str()
                        ));
                    }
                    Some(Err(Unevaluated::Bound(reason))) => {
                        notes.insert(format!(
                            "{}: a {} range of {} {} was not evaluated: {reason}",
                            record.id,
                            range.kind.as_str(),
                            self.ecosystem,
                            package.name
                        ));
                    }
                }
            }
            if hit {
                matched.affected.push(affected);
            }
        }
        (!matched.affected.is_empty()).then_some(matched)
    }

    /// Whether `listed`, an entry of a `versions` list, is this version: the same text, or the
    /// same version in the ecosystem's ordering.
    fn is_listed(&self, listed: &str) -> bool {
        listed == self.version
            || match self.ecosystem.scheme() {
                Scheme::Pep440 => self.pep440.as_ref().is_ok_and(|v| same_version(v, listed)),
                Scheme::SemVer => self.semver.as_ref().is_ok_and(|v| same_version(v, listed)),
            }
    }

    /// The range's verdict, `None` for a kind of range that is not evaluated.
    fn evaluate(&self, range: &Range) -> Option<Result<Verdict, Unevaluated>> {
        let scheme = match range.kind {
            RangeKind::SemVer => Scheme::SemVer,
            RangeKind::Ecosystem => self.ecosystem.scheme(),
            RangeKind::Git | RangeKind::Other => return None,
        };
        Some(match scheme {
            Scheme::Pep440 => evaluate_with(&self.pep440, &range.events, scheme),
            Scheme::SemVer => evaluate_with(&self.semver, &range.events, scheme),
        })
    }
}

fn evaluate_with<V: Ordered>(
    candidate: &Result<V, String>,
    events: &[Event],
    scheme: Scheme,
) -> Result<Verdict, Unevaluated> {
    match candidate {
        Ok(version) => range::evaluate(events, version).map_err(Unevaluated::Bound),
        Err(reason) => Err(Unevaluated::Candidate(scheme, reason.clone())),
    }
}

/// One finding per set of matched records that name each other as aliases.
fn group_aliases(subject: &Subject, matched: Vec<Matched>) -> Vec<Finding> {
    // Each group: the ids and aliases it covers, and its records.
    let mut groups: Vec<(BTreeSet<&str>, Vec<Matched>)> = Vec::new();
    for one in matched {
        let names: BTreeSet<&str> = std::iter::once(one.record.id.as_str())
            .chain(one.record.aliases.iter().map(String::as_str))
            .collect();
        let (mut joined, rest): (Vec<_>, Vec<_>) = groups
            .into_iter()
            .partition(|(covered, _)| !covered.is_disjoint(&names));
        groups = rest;
        let mut merged = (names, vec![one]);
        for (covered, members) in joined.drain(..) {
            merged.0.extend(covered);
            merged.1.extend(members);
        }
        groups.push(merged);
    }
    groups
        .into_iter()
        .map(|(names, members)| finding(subject, &names, members))
        .collect()
}

fn finding(subject: &Subject, names: &BTreeSet<&str>, mut members: Vec<Matched>) -> Finding {
    members.sort_by(|a, b| a.record.id.cmp(&b.record.id));
    let assessed: Vec<(Severity, Option<f64>)> = members
        .iter()
        .map(|m| severity::assess(m.record, &m.affected))
        .collect();
    let (severity, score) = assessed
        .iter()
        .copied()
        .max_by(|a, b| {
            a.0.cmp(&b.0).then_with(|| {
                a.1.unwrap_or(-1.0)
                    .partial_cmp(&b.1.unwrap_or(-1.0))
                    .unwrap_or(Ordering::Equal)
            })
        })
        .unwrap_or_default();
    let primary = members[0].record;
    let summary = members
        .iter()
        .find_map(|m| m.record.summary.clone())
        .or_else(|| {
            members
                .iter()
                .find_map(|m| m.record.details_headline.clone())
        });
    let mut fixed: Vec<String> = members.iter().flat_map(|m| m.fixed.clone()).collect();
    sort_versions(subject.ecosystem.scheme(), &mut fixed);
    let mut references = Vec::new();
    for url in members
        .iter()
        .flat_map(|m| &m.record.references)
        .map(|r| &r.url)
    {
        if !references.contains(url) {
            references.push(url.clone());
        }
    }
    Finding {
        bom_ref: subject.component.bom_ref.clone(),
        name: subject.component.name.clone(),
        version: subject.version.clone(),
        purl: subject.purl.to_owned(),
        ecosystem: subject.ecosystem,
        id: primary.id.clone(),
        aliases: names
            .iter()
            .filter(|n| **n != primary.id)
            .map(|n| (*n).to_owned())
            .collect(),
        summary,
        severity,
        score,
        fixed,
        references,
    }
}

/// Sorts and dedupes versions in `scheme`'s order; any that do not parse go last, by text.
fn sort_versions(scheme: Scheme, versions: &mut Vec<String>) {
    fn key<V: Ordered>(text: &str) -> Option<V> {
        V::parse(text).ok()
    }
    fn compare<V: Ordered>(a: &str, b: &str) -> Ordering {
        match (key::<V>(a), key::<V>(b)) {
            (Some(x), Some(y)) => x.order(&y).then_with(|| a.cmp(b)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => a.cmp(b),
        }
    }
    versions.sort_by(|a, b| match scheme {
        Scheme::Pep440 => compare::<pep440_rs::Version>(a, b),
        Scheme::SemVer => compare::<semver::Version>(a, b),
    });
    versions.dedup();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_versions_sort_in_version_order() {
        let mut versions = ["1.10", "1.9", "1.9", "junk", "1.10rc1"]
            .map(str::to_owned)
            .to_vec();
        sort_versions(Scheme::Pep440, &mut versions);
        assert_eq!(versions, ["1.9", "1.10rc1", "1.10", "junk"]);
        let mut versions = ["1.0.0", "1.0.0-rc.1", "0.9.0"].map(str::to_owned).to_vec();
        sort_versions(Scheme::SemVer, &mut versions);
        assert_eq!(versions, ["0.9.0", "1.0.0-rc.1", "1.0.0"]);
    }

    #[test]
    fn subjects_come_from_purls() {
        let scoped = Component::package(
            "pkg:npm/%40tensorflow/tfjs-core@4.1.0",
            "tfjs-core",
            "4.1.0",
        );
        let subject = Subject::of(&scoped).unwrap();
        assert_eq!(
            (subject.ecosystem, subject.package.as_str()),
            (Ecosystem::Npm, "@tensorflow/tfjs-core")
        );
        let crate_ = Component::package("pkg:cargo/Serde_Json@1.0.0", "Serde_Json", "1.0.0");
        assert_eq!(Subject::of(&crate_).unwrap().package, "serde-json");
        let mut from_purl = Component::package("pkg:pypi/Scikit_Learn@1.5.0", "Scikit_Learn", "x");
        from_purl.version = None;
        let subject = Subject::of(&from_purl).unwrap();
        assert_eq!(
            (subject.package.as_str(), subject.version.as_str()),
            ("scikit-learn", "1.5.0")
        );
        let mut no_purl = Component::package("pkg:pypi/a@1", "a", "1");
        no_purl.purl = None;
        assert!(matches!(Subject::of(&no_purl), Err(None)));
        let other = Component::package("pkg:huggingface/org/model@abc", "model", "abc");
        assert!(matches!(Subject::of(&other), Err(None)));
        let broken = Component::package("pkg:", "x", "1");
        assert!(
            matches!(Subject::of(&broken), Err(Some(note)) if note.contains("unreadable purl"))
        );
        let mut unversioned = Component::package("pkg:npm/a", "a", "1");
        unversioned.version = None;
        assert_eq!(
            Subject::of(&unversioned).err(),
            Some(Some("pkg:npm/a: no version, not checked".to_owned()))
        );
    }
}
