//! SPDX 2.3 JSON: one package per component (the root and nested model files included), with
//! `DESCRIBES`, `CONTAINS` and `DEPENDS_ON` relationships.
//!
//! Whatever the component graph holds, the document stays valid for both the official JSON
//! schema and `spdx-tools`: identifiers are sanitised (with a digest suffix when sanitising lost
//! something, so two components never share one), licences that are not plain SPDX expressions
//! become `LicenseRef-`s declared in `hasExtractedLicensingInfos`, and facts SPDX has no field
//! for are kept as package annotations (`key=value`), never dropped:
//!
//! - a model's model card (`modelCard.task=…`, `modelCard.input=…`, `modelCard.property.<name>=…`)
//!   and its kind (`type=machine-learning-model`; SPDX 2.3 has no package purpose for models, so
//!   the purpose is `OTHER`), component properties (`property.<name>=…`) and `scope=…`;
//! - hashes SPDX validators reject (`hash.<alg>=…`): BLAKE3 among them, because `spdx-tools`
//!   0.8 demands 256 hex digits for it where the specification means 256 bits;
//! - a purl or a link that an SPDX external reference cannot hold (`purl=…`,
//!   `externalReference.<kind>=…`).
//!
//! Output is deterministic: packages in graph order (root, then components by `bom-ref`, each
//! followed by its nested ones), and a document namespace derived from the content.

use std::collections::{BTreeMap, HashSet};

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::bom::{Bom, Component, Hash, Kind, License, ModelCard};

const CREATOR: &str = concat!("Tool: modelseal-", env!("CARGO_PKG_VERSION"));
const DEFAULT_NAMESPACE_BASE: &str = "https://modelseal.dev/spdxdocs";
const NOASSERTION: &str = "NOASSERTION";
/// Longest sanitised text kept in an identifier (a licence declared as its full text would
/// otherwise make a kilobyte-long `LicenseRef-`).
const MAX_ID_TEXT: usize = 64;

/// The BOM as an SPDX 2.3 JSON document.
///
/// `created` is RFC 3339; it is written in the `YYYY-MM-DDThh:mm:ssZ` form SPDX requires
/// (converted to UTC, fractions of a second dropped); text that does not parse as RFC 3339 is
/// written as given. The document namespace is `<base>/<root name>-<content uuid>`, `base`
/// defaulting to `https://modelseal.dev/spdxdocs` (a `#` fragment and trailing `/` are cut).
pub fn to_spdx(bom: &Bom, created: &str, namespace_base: Option<&str>) -> Value {
    let created = spdx_timestamp(created);
    let graph = Graph::of(bom);
    let mut ids = Ids::default();
    let mut extracted = ExtractedLicences::default();
    let mut spdx_ids: BTreeMap<&str, String> = BTreeMap::new();
    let mut packages: Vec<Value> = Vec::new();
    for c in &graph.components {
        let id = ids.unique("SPDXRef-", &c.bom_ref);
        packages.push(package(c, &id, &created, &mut extracted));
        spdx_ids.insert(c.bom_ref.as_str(), id);
    }

    let relationships = relationships(bom, &graph, &spdx_ids);
    let name = non_empty(package_name(&bom.root)).unwrap_or_else(|| "sbom".to_owned());
    let mut document = json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "creationInfo": {
            "created": created,
            "creators": [CREATOR],
            "licenseListVersion": license_list_version(),
        },
        "packages": packages,
        "relationships": relationships,
    });
    if !extracted.by_text.is_empty() {
        document["hasExtractedLicensingInfos"] = extracted.to_json();
    }
    let digest = Sha256::digest(document.to_string().as_bytes());
    document["documentNamespace"] = json!(namespace(namespace_base, &name, &digest));
    document
}

/// Every distinct component once, in output order, and which contains which.
struct Graph<'a> {
    components: Vec<&'a Component>,
    /// (parent `bom-ref`, child `bom-ref`), in output order.
    contains: Vec<(&'a str, &'a str)>,
}

impl<'a> Graph<'a> {
    fn of(bom: &'a Bom) -> Graph<'a> {
        fn visit<'a>(c: &'a Component, seen: &mut HashSet<&'a str>, graph: &mut Graph<'a>) {
            // A `bom-ref` seen before is the same component (as `Bom::add` treats it): one
            // package, though it may be contained twice.
            if !seen.insert(&c.bom_ref) {
                return;
            }
            graph.components.push(c);
            let mut children: Vec<&Component> = c.components.iter().collect();
            children.sort_by(|a, b| a.bom_ref.cmp(&b.bom_ref));
            for child in children {
                if !graph.contains.contains(&(&c.bom_ref, &child.bom_ref)) {
                    graph.contains.push((&c.bom_ref, &child.bom_ref));
                }
                visit(child, seen, graph);
            }
        }
        let mut graph = Graph {
            components: Vec::new(),
            contains: Vec::new(),
        };
        let mut seen = HashSet::new();
        visit(&bom.root, &mut seen, &mut graph);
        for c in bom.components.values() {
            visit(c, &mut seen, &mut graph);
        }
        graph
    }
}

fn relationships(bom: &Bom, graph: &Graph<'_>, spdx_ids: &BTreeMap<&str, String>) -> Vec<Value> {
    let relationship = |from: &str, kind: &str, to: &str| json!({ "spdxElementId": from, "relationshipType": kind, "relatedSpdxElement": to });
    let mut out = Vec::new();
    if let Some(root) = spdx_ids.get(bom.root.bom_ref.as_str()) {
        out.push(relationship("SPDXRef-DOCUMENT", "DESCRIBES", root));
    }
    for (parent, child) in &graph.contains {
        if let (Some(parent), Some(child)) = (spdx_ids.get(parent), spdx_ids.get(child)) {
            out.push(relationship(parent, "CONTAINS", child));
        }
    }
    // An edge to or from a `bom-ref` that is no component has nothing to point at in SPDX.
    for (from, targets) in &bom.dependencies {
        let Some(from) = spdx_ids.get(from.as_str()) else {
            continue;
        };
        for target in targets {
            if let Some(target) = spdx_ids.get(target.as_str()) {
                out.push(relationship(from, "DEPENDS_ON", target));
            }
        }
    }
    out
}

fn package(
    c: &Component,
    spdx_id: &str,
    created: &str,
    extracted: &mut ExtractedLicences,
) -> Value {
    let mut facts: Vec<String> = Vec::new();
    let mut out = Map::new();
    out.insert("SPDXID".into(), json!(spdx_id));
    // SPDX requires a name; the `bom-ref` is the next best thing to call a nameless component.
    let name = non_empty(package_name(c))
        .or_else(|| non_empty(c.bom_ref.clone()))
        .unwrap_or_else(|| "unnamed".to_owned());
    out.insert("name".into(), json!(name));
    if let Some(version) = c.version.as_deref().filter(|v| !v.trim().is_empty()) {
        out.insert("versionInfo".into(), json!(version));
    }
    out.insert("downloadLocation".into(), json!(NOASSERTION));
    out.insert("filesAnalyzed".into(), json!(false));
    let checksums = checksums(&c.hashes, &mut facts);
    if !checksums.is_empty() {
        out.insert("checksums".into(), json!(checksums));
    }
    out.insert("licenseConcluded".into(), json!(NOASSERTION));
    out.insert(
        "licenseDeclared".into(),
        json!(declared_licence(&c.licenses, extracted)),
    );
    out.insert("copyrightText".into(), json!(NOASSERTION));
    let purpose = match c.kind {
        Kind::Application => "APPLICATION",
        Kind::Library => "LIBRARY",
        Kind::File => "FILE",
        Kind::MachineLearningModel | Kind::Data => "OTHER",
    };
    out.insert("primaryPackagePurpose".into(), json!(purpose));
    let references = external_refs(c, &mut facts);
    if !references.is_empty() {
        out.insert("externalRefs".into(), json!(references));
    }
    if let Some(description) = &c.description {
        out.insert("description".into(), json!(description));
    }
    if c.kind == Kind::MachineLearningModel {
        out.insert(
            "comment".into(),
            json!(
                "A machine-learning model (CycloneDX type machine-learning-model); SPDX 2.3 has \
                 no package purpose for models. Its model card is in the annotations."
            ),
        );
        facts.insert(0, format!("type={}", c.kind.as_str()));
    }
    if let Some(card) = &c.model_card {
        model_card_facts(card, &mut facts);
    }
    for (name, value) in sorted(&c.properties) {
        facts.push(format!("property.{name}={value}"));
    }
    if let Some(scope) = c.scope {
        facts.push(format!("scope={}", scope.as_str()));
    }
    if !facts.is_empty() {
        let annotations: Vec<Value> = facts
            .iter()
            .map(|fact| {
                json!({
                    "annotationDate": created,
                    "annotationType": "OTHER",
                    "annotator": CREATOR,
                    "comment": fact,
                })
            })
            .collect();
        out.insert("annotations".into(), json!(annotations));
    }
    Value::Object(out)
}

/// npm's `@scope` is part of what people call the package.
fn package_name(c: &Component) -> String {
    match &c.group {
        Some(group) if !group.is_empty() => format!("{group}/{}", c.name),
        _ => c.name.clone(),
    }
}

fn non_empty(text: String) -> Option<String> {
    (!text.trim().is_empty()).then_some(text)
}

fn sorted(pairs: &[(String, String)]) -> Vec<(String, String)> {
    let mut pairs = pairs.to_vec();
    pairs.sort();
    pairs.dedup();
    pairs
}

fn model_card_facts(card: &ModelCard, facts: &mut Vec<String>) {
    if let Some(task) = &card.task {
        facts.push(format!("modelCard.task={task}"));
    }
    if let Some(family) = &card.architecture_family {
        facts.push(format!("modelCard.architectureFamily={family}"));
    }
    if let Some(architecture) = &card.model_architecture {
        facts.push(format!("modelCard.modelArchitecture={architecture}"));
    }
    facts.extend(card.inputs.iter().map(|f| format!("modelCard.input={f}")));
    facts.extend(card.outputs.iter().map(|f| format!("modelCard.output={f}")));
    for (name, value) in sorted(&card.properties) {
        facts.push(format!("modelCard.property.{name}={value}"));
    }
}

/// The hashes SPDX validators accept as checksums; the others become facts.
fn checksums(hashes: &[Hash], facts: &mut Vec<String>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for hash in hashes {
        let value = hash.value.to_ascii_lowercase();
        let algorithm = spdx_algorithm(hash.algorithm)
            .filter(|(_, digits)| {
                value.len() == *digits && value.bytes().all(|b| b.is_ascii_hexdigit())
            })
            .map(|(name, _)| name);
        match algorithm {
            Some(algorithm) => {
                let checksum = json!({ "algorithm": algorithm, "checksumValue": value });
                if !out.contains(&checksum) {
                    out.push(checksum);
                }
            }
            None => facts.push(format!("hash.{}={}", hash.algorithm, hash.value)),
        }
    }
    out
}

/// The SPDX name of a CycloneDX hash algorithm, and its length in hex digits. BLAKE3 is left
/// out on purpose (see the module documentation).
fn spdx_algorithm(cyclonedx: &str) -> Option<(&'static str, usize)> {
    Some(match cyclonedx {
        "MD5" => ("MD5", 32),
        "SHA-1" => ("SHA1", 40),
        "SHA-256" => ("SHA256", 64),
        "SHA-384" => ("SHA384", 96),
        "SHA-512" => ("SHA512", 128),
        "SHA3-256" => ("SHA3-256", 64),
        "SHA3-384" => ("SHA3-384", 96),
        "SHA3-512" => ("SHA3-512", 128),
        "BLAKE2b-256" => ("BLAKE2b-256", 64),
        "BLAKE2b-384" => ("BLAKE2b-384", 96),
        "BLAKE2b-512" => ("BLAKE2b-512", 128),
        _ => return None,
    })
}

fn external_refs(c: &Component, facts: &mut Vec<String>) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(purl) = &c.purl {
        if is_spdx_purl(purl) {
            out.push(json!({
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": purl,
            }));
        } else {
            facts.push(format!("purl={purl}"));
        }
    }
    let mut references = c.external_references.clone();
    references.sort();
    references.dedup();
    for reference in references {
        // A locator in category OTHER may not contain spaces.
        let fits = !reference.url.is_empty() && !reference.url.chars().any(char::is_whitespace);
        if fits && is_id_string(reference.kind) {
            out.push(json!({
                "referenceCategory": "OTHER",
                "referenceType": reference.kind,
                "referenceLocator": reference.url,
            }));
        } else {
            facts.push(format!(
                "externalReference.{}={}",
                reference.kind, reference.url
            ));
        }
    }
    out
}

/// What `spdx-tools` accepts as a purl locator (`^pkg:.+(/.+)?/.+…$`), without whitespace.
fn is_spdx_purl(purl: &str) -> bool {
    let Some(rest) = purl.strip_prefix("pkg:") else {
        return false;
    };
    !purl.chars().any(|c| c.is_whitespace() || c.is_control())
        && rest
            .char_indices()
            .any(|(i, c)| c == '/' && i > 0 && i + 1 < rest.len())
}

fn is_id_string(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

/// `licenseDeclared`: the component's licences joined with `AND` (each applies; SPDX, unlike
/// CycloneDX, has no list form), `NOASSERTION` when there are none.
fn declared_licence(licenses: &[License], extracted: &mut ExtractedLicences) -> String {
    // Each part remembers whether its top operator is `OR`, which `AND` binds tighter than.
    let mut parts: Vec<(String, bool)> = Vec::new();
    for license in licenses {
        let part = match license {
            License::Expression(text) => match canonical_expression(text) {
                Some(expression) => expression,
                None if text.trim().is_empty() => continue,
                None => (extracted.reference(text), false),
            },
            License::Named(name) if name.trim().is_empty() => continue,
            License::Named(name) => (extracted.reference(name), false),
        };
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    match parts.len() {
        0 => NOASSERTION.to_owned(),
        1 => parts.remove(0).0,
        _ => parts
            .into_iter()
            .map(|(text, is_or)| if is_or { format!("({text})") } else { text })
            .collect::<Vec<_>>()
            .join(" AND "),
    }
}

/// `text` rewritten in canonical form (upper-case operators, minimal parentheses) when it is an
/// SPDX expression over licence-list identifiers only, and whether its top operator is `OR`.
/// `LicenseRef-`s and `DocumentRef-`s are not taken over: this document does not declare them.
fn canonical_expression(text: &str) -> Option<(String, bool)> {
    use ::spdx::expression::{ExprNode, Operator};
    use ::spdx::{AdditionItem, LicenseItem, ParseMode};

    let mode = ParseMode {
        allow_deprecated: true,
        ..ParseMode::STRICT
    };
    let expression = ::spdx::Expression::parse_mode(text, mode).ok()?;
    // The expression comes in postfix order; each stack entry remembers whether it is an `OR`
    // so an `AND` around it knows to parenthesise it.
    let mut stack: Vec<(String, bool)> = Vec::new();
    for node in expression.iter() {
        match node {
            ExprNode::Req(requirement) => {
                let req = &requirement.req;
                let addition_is_ref = matches!(req.addition, Some(AdditionItem::Other(_)));
                if matches!(req.license, LicenseItem::Other(_)) || addition_is_ref {
                    return None;
                }
                stack.push((req.to_string(), false));
            }
            ExprNode::Op(operator) => {
                let (right, right_or) = stack.pop()?;
                let (left, left_or) = stack.pop()?;
                let wrap = |text: String, is_or: bool, inside_and: bool| {
                    if is_or && inside_and {
                        format!("({text})")
                    } else {
                        text
                    }
                };
                let and = *operator == Operator::And;
                let word = if and { "AND" } else { "OR" };
                stack.push((
                    format!(
                        "{} {word} {}",
                        wrap(left, left_or, and),
                        wrap(right, right_or, and)
                    ),
                    !and,
                ));
            }
        }
    }
    let top = stack.pop()?;
    stack.is_empty().then_some(top)
}

/// Licences that are not SPDX expressions, each under its own `LicenseRef-`.
#[derive(Default)]
struct ExtractedLicences {
    by_text: BTreeMap<String, String>,
    ids: Ids,
}

impl ExtractedLicences {
    fn reference(&mut self, text: &str) -> String {
        if let Some(id) = self.by_text.get(text) {
            return id.clone();
        }
        // A package that already names its licence `LicenseRef-x` keeps that name.
        let id = match text.strip_prefix("LicenseRef-") {
            Some(rest) => self.ids.unique("LicenseRef-", rest),
            None => self.ids.unique("LicenseRef-", text),
        };
        self.by_text.insert(text.to_owned(), id.clone());
        id
    }

    fn to_json(&self) -> Value {
        let mut entries: Vec<(&String, &String)> =
            self.by_text.iter().map(|(text, id)| (id, text)).collect();
        entries.sort();
        let values: Vec<Value> = entries
            .into_iter()
            .map(|(id, text)| {
                let name = text
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .unwrap_or(text);
                json!({
                    "licenseId": id,
                    "name": name,
                    "extractedText": text,
                    "comment": "The licence as the package declares it; modelseal did not \
                                match it to the SPDX licence list.",
                })
            })
            .collect();
        json!(values)
    }
}

/// Identifiers of the form `<prefix><idstring>` (letters, digits, `.`, `-`), unique among
/// those this allocator handed out.
#[derive(Default)]
struct Ids {
    used: HashSet<String>,
}

impl Ids {
    fn unique(&mut self, prefix: &str, text: &str) -> String {
        let sanitised = sanitise(text, |c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        let base = if sanitised == text {
            format!("{prefix}{sanitised}")
        } else {
            // Sanitising merged characters, so two texts may now read alike: a digest of the
            // original keeps them apart.
            let digest = Sha256::digest(text.as_bytes());
            format!("{prefix}{sanitised}-{}", hex::encode(&digest[..4]))
        };
        let mut id = base.clone();
        let mut n = 2;
        while self.used.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.used.insert(id.clone());
        id
    }
}

/// `text` with every run of characters `keep` rejects turned into one `-`, trimmed of `-` at
/// the ends and cut to [`MAX_ID_TEXT`] characters; `x` when nothing is left.
fn sanitise(text: &str, keep: impl Fn(char) -> bool) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if keep(c) {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out: String = out.trim_matches('-').chars().take(MAX_ID_TEXT).collect();
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "x".to_owned()
    } else {
        out.to_owned()
    }
}

fn namespace(base: Option<&str>, name: &str, digest: &[u8]) -> String {
    let base = base.unwrap_or(DEFAULT_NAMESPACE_BASE);
    let base = base.split_once('#').map_or(base, |(before, _)| before);
    let base = base.trim_end_matches('/');
    let slug = sanitise(name, |c| {
        c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_'
    });
    format!("{base}/{slug}-{}", uuid(digest))
}

/// A UUID (version 5 layout) from a content digest.
fn uuid(digest: &[u8]) -> String {
    let mut b = [0u8; 16];
    let n = digest.len().min(16);
    b[..n].copy_from_slice(&digest[..n]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// SPDX dates are `YYYY-MM-DDThh:mm:ssZ` exactly; `spdx-tools` rejects fractions and offsets.
fn spdx_timestamp(created: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    match time::OffsetDateTime::parse(created, &Rfc3339) {
        Ok(t) => {
            let t = t.to_offset(time::UtcOffset::UTC);
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        }
        Err(_) => created.to_owned(),
    }
}

/// The licence-list version identifiers were checked against, as SPDX writes it (`3.29`).
fn license_list_version() -> String {
    let full = ::spdx::license_version();
    let mut parts = full.split('.');
    match (parts.next(), parts.next()) {
        (Some(major), Some(minor)) => format!("{major}.{minor}"),
        _ => full.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_are_canonical_or_refused() {
        let canonical = |t| canonical_expression(t).map(|(text, _)| text);
        assert_eq!(canonical("MIT").as_deref(), Some("MIT"));
        assert_eq!(
            canonical("mit or Apache-2.0").as_deref(),
            None,
            "ids are case-sensitive"
        );
        assert_eq!(
            canonical("MIT or Apache-2.0").as_deref(),
            Some("MIT OR Apache-2.0")
        );
        assert_eq!(
            canonical("(MIT OR Apache-2.0) AND BSD-3-Clause").as_deref(),
            Some("(MIT OR Apache-2.0) AND BSD-3-Clause")
        );
        assert_eq!(
            canonical("MIT OR (Apache-2.0 AND BSD-3-Clause)").as_deref(),
            Some("MIT OR Apache-2.0 AND BSD-3-Clause")
        );
        assert_eq!(
            canonical("GPL-2.0-only WITH Classpath-exception-2.0").as_deref(),
            Some("GPL-2.0-only WITH Classpath-exception-2.0")
        );
        assert_eq!(canonical("LicenseRef-mine"), None);
        assert_eq!(canonical("MIT AND Nope-1.0"), None);
        assert_eq!(canonical(""), None);
    }

    #[test]
    fn licences_join_with_and_and_names_become_refs() {
        let mut extracted = ExtractedLicences::default();
        let declared = declared_licence(
            &[
                License::Expression("MIT OR Apache-2.0".into()),
                License::Named("Some Licence, v2".into()),
                License::Expression("MIT OR Apache-2.0".into()),
                License::Named("  ".into()),
            ],
            &mut extracted,
        );
        let reference = extracted.by_text["Some Licence, v2"].clone();
        assert!(
            reference.starts_with("LicenseRef-Some-Licence-v2-"),
            "{reference}"
        );
        assert_eq!(declared, format!("(MIT OR Apache-2.0) AND {reference}"));
        assert_eq!(declared_licence(&[], &mut extracted), "NOASSERTION");
        let and_only = declared_licence(
            &[
                License::Expression("MIT AND (Apache-2.0 OR BSD-3-Clause)".into()),
                License::Expression("ISC".into()),
            ],
            &mut extracted,
        );
        assert_eq!(and_only, "MIT AND (Apache-2.0 OR BSD-3-Clause) AND ISC");
    }

    #[test]
    fn ids_are_unique_even_when_sanitising_merges_them() {
        let mut ids = Ids::default();
        let a = ids.unique("SPDXRef-", "pkg:npm/a@1");
        let b = ids.unique("SPDXRef-", "pkg:npm/a/1");
        let clean = ids.unique("SPDXRef-", "app");
        let again = ids.unique("SPDXRef-", "app");
        assert!(a.starts_with("SPDXRef-pkg-npm-a-1-"), "{a}");
        assert_ne!(a, b);
        assert_eq!(clean, "SPDXRef-app");
        assert_eq!(again, "SPDXRef-app-2");
        assert_eq!(
            ids.unique("SPDXRef-", "<&>"),
            "SPDXRef-x-".to_owned() + &hex::encode(&Sha256::digest(b"<&>")[..4])
        );
    }

    #[test]
    fn timestamps_take_the_spdx_form() {
        assert_eq!(
            spdx_timestamp("2026-11-23T01:02:03Z"),
            "2026-11-23T01:02:03Z"
        );
        assert_eq!(
            spdx_timestamp("2026-11-23T01:02:03.456+02:00"),
            "2026-11-22T23:02:03Z"
        );
        assert_eq!(spdx_timestamp("yesterday"), "yesterday");
    }

    #[test]
    fn purls_are_checked_like_spdx_tools_does() {
        assert!(is_spdx_purl("pkg:pypi/numpy@1.26.4"));
        assert!(is_spdx_purl("pkg:npm/%40types/node@20.1.0"));
        assert!(!is_spdx_purl("pkg:pypi"));
        assert!(!is_spdx_purl("pkg:/x"));
        assert!(!is_spdx_purl("pkg:pypi/"));
        assert!(!is_spdx_purl("pkg:pypi/a b"));
        assert!(!is_spdx_purl("https://example.com/x"));
    }

    #[test]
    fn namespace_cuts_fragments_and_slashes() {
        let digest = Sha256::digest(b"x");
        let ns = namespace(Some("https://example.com/sboms/#frag"), "my app", &digest);
        assert!(ns.starts_with("https://example.com/sboms/my-app-"), "{ns}");
        assert!(!ns.contains('#'));
        let ns = namespace(None, "", &digest);
        assert!(ns.starts_with("https://modelseal.dev/spdxdocs/x-"), "{ns}");
    }
}
