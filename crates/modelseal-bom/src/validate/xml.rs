//! CycloneDX 1.5 and 1.6 XML. No XSD validator exists in Rust, so a document is checked for
//! well-formedness (quick-xml), its namespace gives the spec version, and the rules that matter
//! most run as for JSON: bom-refs unique, dependency refs resolving and listed once, component
//! types and scopes from the specification's lists, a name on every component and service,
//! hash algorithms known and digests the right length, licence ids on the SPDX list,
//! expressions that parse, not mixed with licences, purls that parse, the serial number and
//! version attributes well-formed.
//!
//! The document is read as a stream with an explicit stack of open elements, so nesting depth
//! costs heap, not call stack. Elements in other namespaces (extensions the XSD allows) are
//! skipped. Problems are located by a path such as `/bom/components/component[2]/purl`:
//! items of a list carry their position, counted from 1.

use std::collections::HashMap;

use quick_xml::NsReader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;

use super::ValidateError;
use super::checks::{
    CYCLONEDX_HASH_ALGORITHMS, Identifiers, cyclonedx_hash_problem, is_date_time, is_serial_number,
    parse_expression, purl_problem, shorten, spdx_id_problem,
};
use super::cyclonedx::{COMPONENT_TYPES, COMPONENT_TYPES_1_6, SCOPES};
use super::report::{Format, Origin, Problem, ProblemLevel, Report};
use crate::cyclonedx::SpecVersion;

const NAMESPACE_PREFIX: &str = "http://cyclonedx.org/schema/bom/";

/// How deep elements may nest (as deep as `serde_json` lets JSON nest): CycloneDX needs a few
/// dozen levels; the limit bounds the paths kept for each open element.
pub(crate) const MAX_DEPTH: usize = 128;

/// Elements whose text the checks read (the rest is not kept).
const TEXT_ELEMENTS: &[&str] = &[
    "name",
    "purl",
    "hash",
    "id",
    "expression",
    "scope",
    "timestamp",
];

pub(super) fn check(bytes: &[u8]) -> Result<Report, ValidateError> {
    let text = std::str::from_utf8(bytes).map_err(|e| ValidateError::Xml {
        position: e.valid_up_to() as u64,
        message: "not UTF-8".into(),
    })?;
    let mut reader = NsReader::from_str(text);
    let mut checker: Option<Checker> = None;
    let mut stack: Vec<Element> = Vec::new();
    let mut root_closed = false;
    loop {
        let (namespace, event) = match reader.read_resolved_event() {
            Ok(read) => read,
            Err(e) => {
                return Err(ValidateError::Xml {
                    position: reader.error_position(),
                    message: e.to_string(),
                });
            }
        };
        let in_bom = match (&namespace, &checker) {
            (ResolveResult::Bound(ns), Some(c)) => ns.as_ref() == c.namespace,
            _ => false,
        };
        // Only the root's namespace is needed beyond this point (it names the version).
        let namespace = match &namespace {
            ResolveResult::Bound(ns) if checker.is_none() => Some(ns.as_ref().to_owned()),
            _ => None,
        };
        let namespace = namespace.as_deref();
        let position = reader.buffer_position();
        let xml_error = |message: String| ValidateError::Xml { position, message };
        match event {
            Event::Start(start) | Event::Empty(start) if root_closed => {
                return Err(xml_error(format!(
                    "<{}> after the root element",
                    start.local_name().as_ref()
                )));
            }
            Event::Start(start) => {
                open(&mut checker, &mut stack, &start, namespace, in_bom)
                    .map_err(|e| e.at(position))?;
            }
            Event::Empty(start) => {
                open(&mut checker, &mut stack, &start, namespace, in_bom)
                    .map_err(|e| e.at(position))?;
                if let (Some(c), Some(element)) = (checker.as_mut(), stack.pop()) {
                    c.close(&element, stack.last());
                }
                root_closed = stack.is_empty();
            }
            Event::End(_) => {
                if let (Some(c), Some(element)) = (checker.as_mut(), stack.pop()) {
                    c.close(&element, stack.last());
                }
                root_closed = stack.is_empty();
            }
            Event::Text(t) => {
                let content = t.xml10_content();
                if stack.is_empty() && !content.trim().is_empty() {
                    return Err(xml_error("text outside the root element".into()));
                }
                append_text(&mut stack, &content);
            }
            Event::CData(t) => append_text(&mut stack, &t.xml10_content()),
            Event::GeneralRef(r) => {
                let name = r.xml10_content();
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref().ok().flatten().map(|c| c.to_string())
                } else {
                    quick_xml::escape::resolve_predefined_entity(&name).map(str::to_owned)
                };
                let Some(resolved) = resolved else {
                    return Err(xml_error(format!("unknown entity `&{name};`")));
                };
                append_text(&mut stack, &resolved);
            }
            Event::Eof => break,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(ValidateError::Xml {
            position: reader.buffer_position(),
            message: format!("the document ends inside <{}>", open.name),
        });
    }
    let Some(checker) = checker else {
        return Err(ValidateError::UnknownFormat(
            "XML without a root element".into(),
        ));
    };
    let format = Format::CycloneDxXml {
        version: checker.version,
    };
    Ok(Report {
        format,
        problems: checker.finish(),
    })
}

/// Why an element cannot be read: the XML error, located once the position is known.
enum OpenError {
    Xml(String),
    Format(ValidateError),
}

impl OpenError {
    fn at(self, position: u64) -> ValidateError {
        match self {
            OpenError::Xml(message) => ValidateError::Xml { position, message },
            OpenError::Format(error) => error,
        }
    }
}

fn open(
    checker: &mut Option<Checker>,
    stack: &mut Vec<Element>,
    start: &BytesStart<'_>,
    namespace: Option<&str>,
    in_bom: bool,
) -> Result<(), OpenError> {
    let name = start.local_name().as_ref().to_owned();
    if stack.len() >= MAX_DEPTH {
        return Err(OpenError::Xml(format!(
            "<{}> nests deeper than {MAX_DEPTH} elements",
            shorten(&name)
        )));
    }
    let mut attributes = HashMap::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| OpenError::Xml(e.to_string()))?;
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| OpenError::Xml(e.to_string()))?;
        if !attribute.key.as_ref().contains(':') {
            attributes.insert(attribute.key.as_ref().to_owned(), value.into_owned());
        }
    }
    let Some(checker) = checker else {
        let mut root = Checker::for_root(&name, namespace).map_err(OpenError::Format)?;
        let element = Element::new(name, "/bom".into(), attributes, true);
        root.open(&element);
        *checker = Some(root);
        stack.push(element);
        return Ok(());
    };
    let parent = stack.last_mut();
    let (path, parent_checked) = match parent {
        Some(parent) => {
            let count = parent.children.entry(name.clone()).or_insert(0);
            *count += 1;
            let indexed = parent.name.ends_with('s') || parent.name == name;
            let path = if indexed {
                format!("{}/{name}[{count}]", parent.path)
            } else {
                format!("{}/{name}", parent.path)
            };
            (path, parent.checked)
        }
        None => return Err(OpenError::Xml(format!("a second root element <{name}>"))),
    };
    let element = Element::new(name, path, attributes, parent_checked && in_bom);
    if element.checked {
        checker.open(&element);
    }
    stack.push(element);
    Ok(())
}

fn append_text(stack: &mut [Element], text: &str) {
    if let Some(element) = stack.last_mut()
        && element.keeps_text
    {
        element.text.push_str(text);
    }
}

/// An open element.
struct Element {
    name: String,
    path: String,
    attributes: HashMap<String, String>,
    /// How many children of each name it has had so far.
    children: HashMap<String, usize>,
    text: String,
    keeps_text: bool,
    /// In the CycloneDX namespace (and not inside an extension).
    checked: bool,
}

impl Element {
    fn new(
        name: String,
        path: String,
        attributes: HashMap<String, String>,
        checked: bool,
    ) -> Element {
        let keeps_text = checked && TEXT_ELEMENTS.contains(&name.as_str());
        Element {
            name,
            path,
            attributes,
            children: HashMap::new(),
            text: String::new(),
            keeps_text,
            checked,
        }
    }

    fn has_child(&self, name: &str) -> bool {
        self.children.contains_key(name)
    }
}

/// A reference to resolve once every bom-ref has been seen.
struct Reference {
    id: String,
    path: String,
}

struct Checker {
    version: SpecVersion,
    namespace: String,
    problems: Vec<Problem>,
    ids: Identifiers,
    references: Vec<Reference>,
    /// Top-level dependency refs, with where each was first listed.
    listed: HashMap<String, String>,
}

impl Checker {
    fn for_root(name: &str, namespace: Option<&str>) -> Result<Checker, ValidateError> {
        let version = namespace.and_then(|ns| ns.strip_prefix(NAMESPACE_PREFIX));
        match (name, version) {
            ("bom", Some("1.5")) => Ok(Checker::new(SpecVersion::V1_5)),
            ("bom", Some("1.6")) => Ok(Checker::new(SpecVersion::V1_6)),
            ("bom", Some(other)) => Err(ValidateError::UnsupportedVersion {
                format: "CycloneDX",
                version: shorten(other),
                supported: "1.5 and 1.6",
            }),
            _ => Err(ValidateError::UnknownFormat(format!(
                "the XML root is <{}> in namespace {}, not a CycloneDX <bom>",
                shorten(name),
                namespace.map_or_else(|| "(none)".to_owned(), shorten)
            ))),
        }
    }

    fn new(version: SpecVersion) -> Checker {
        Checker {
            version,
            namespace: format!("{NAMESPACE_PREFIX}{}", version.as_str()),
            problems: Vec::new(),
            ids: Identifiers::default(),
            references: Vec::new(),
            listed: HashMap::new(),
        }
    }

    fn problem(&mut self, path: &str, origin: Origin, level: ProblemLevel, message: String) {
        self.problems.push(Problem {
            pointer: path.to_owned(),
            message,
            origin,
            level,
        });
    }

    fn invalid(&mut self, path: &str, message: String) {
        self.problem(path, Origin::Structure, ProblemLevel::Error, message);
    }

    /// Checks made on the start tag: the attributes.
    fn open(&mut self, element: &Element) {
        let path = element.path.clone();
        if let Some(id) = element.attributes.get("bom-ref") {
            let at = format!("{path}/@bom-ref");
            if id.is_empty() {
                self.invalid(&at, "must not be empty".into());
            } else {
                self.ids.declare(id, &at, "bom-ref");
            }
        }
        if element.path == "/bom" {
            if let Some(serial) = element.attributes.get("serialNumber")
                && !is_serial_number(serial)
            {
                let message = format!(
                    "`{}` is not a serial number (`urn:uuid:` and a lowercase UUID)",
                    shorten(serial)
                );
                self.invalid(&format!("{path}/@serialNumber"), message);
            }
            if let Some(version) = element.attributes.get("version")
                && !version.parse::<u64>().is_ok_and(|v| v >= 1)
            {
                let message = format!("`{}` is not an integer of at least 1", shorten(version));
                self.invalid(&format!("{path}/@version"), message);
            }
        }
    }

    /// Checks made once an element is complete: its text and children are known.
    fn close(&mut self, element: &Element, parent: Option<&Element>) {
        if !element.checked {
            return;
        }
        let parent_name = parent.map_or("", |p| p.name.as_str());
        let path = element.path.as_str();
        match (parent_name, element.name.as_str()) {
            (_, "component") => self.component(element),
            (_, "service") if !element.has_child("name") => {
                self.invalid(path, "a service needs <name>".into());
            }
            ("hashes", "hash") => self.hash(element),
            ("component", "purl") => {
                if let Some(message) = purl_problem(element.text.trim()) {
                    self.problem(path, Origin::Semantic, ProblemLevel::Error, message);
                }
            }
            ("component", "scope") => {
                let scope = element.text.trim();
                if !SCOPES.contains(&scope) {
                    let message =
                        format!("`{}` is not one of: {}", shorten(scope), SCOPES.join(", "));
                    self.invalid(path, message);
                }
            }
            ("licenses", "license") if element.has_child("id") == element.has_child("name") => {
                self.invalid(path, "a licence has exactly one of <id> and <name>".into());
            }
            ("license", "id") => {
                if let Some(message) = spdx_id_problem(element.text.trim()) {
                    self.invalid(path, message);
                }
            }
            ("licenses", "expression") => self.expression(path, element.text.trim()),
            (_, "licenses") => {
                let expressions = element.children.get("expression").copied().unwrap_or(0);
                let licences = element.children.get("license").copied().unwrap_or(0);
                if expressions > 0 && expressions + licences > 1 {
                    let message = format!(
                        "<licenses> holds either <license> elements or one <expression>; this \
                         one has {expressions} expression(s) and {licences} licence(s)"
                    );
                    self.invalid(path, message);
                }
            }
            ("metadata", "timestamp") => {
                let text = element.text.trim();
                // xs:dateTime, which (unlike RFC 3339) may leave out the offset.
                if !is_date_time(text) && !is_date_time(&format!("{text}Z")) {
                    self.invalid(path, format!("`{}` is not a date-time", shorten(text)));
                }
            }
            ("dependencies", "dependency") => self.dependency(element, true),
            ("dependency", "dependency" | "provides") => self.dependency(element, false),
            _ => {}
        }
    }

    fn component(&mut self, element: &Element) {
        let path = element.path.as_str();
        match element.attributes.get("type") {
            None => self.invalid(path, "a component needs a `type` attribute".into()),
            Some(kind) => {
                let known = COMPONENT_TYPES.contains(&kind.as_str())
                    || (self.version == SpecVersion::V1_6
                        && COMPONENT_TYPES_1_6.contains(&kind.as_str()));
                if !known {
                    let message = format!("`{}` is not a component type", shorten(kind));
                    self.invalid(&format!("{path}/@type"), message);
                }
            }
        }
        if !element.has_child("name") {
            self.invalid(path, "a component needs <name>".into());
        }
    }

    fn hash(&mut self, element: &Element) {
        let path = element.path.as_str();
        let content = element.text.trim();
        match element.attributes.get("alg") {
            None => self.invalid(path, "a hash needs an `alg` attribute".into()),
            Some(algorithm) if !CYCLONEDX_HASH_ALGORITHMS.contains(&algorithm.as_str()) => {
                let message = format!("`{}` is not a hash algorithm", shorten(algorithm));
                self.invalid(&format!("{path}/@alg"), message);
            }
            Some(algorithm) => {
                if let Some((origin, message)) = cyclonedx_hash_problem(algorithm, content) {
                    self.problem(path, origin, ProblemLevel::Error, message);
                }
            }
        }
    }

    fn expression(&mut self, path: &str, text: &str) {
        match parse_expression(text) {
            Err(message) => self.problem(path, Origin::Semantic, ProblemLevel::Error, message),
            Ok(parsed) => {
                for id in parsed.deprecated {
                    let message = format!("`{id}` is a deprecated SPDX licence id");
                    self.problem(path, Origin::Semantic, ProblemLevel::Warning, message);
                }
            }
        }
    }

    fn dependency(&mut self, element: &Element, top_level: bool) {
        let path = element.path.as_str();
        let Some(id) = element.attributes.get("ref").filter(|r| !r.is_empty()) else {
            self.invalid(
                path,
                "a dependency needs a non-empty `ref` attribute".into(),
            );
            return;
        };
        let at = format!("{path}/@ref");
        if top_level {
            if let Some(first) = self.listed.get(id) {
                let message = format!(
                    "`{}` already has its dependencies listed at {first}",
                    shorten(id)
                );
                self.ids.error(&at, message);
            } else {
                self.listed.insert(id.clone(), path.to_owned());
            }
        }
        self.references.push(Reference {
            id: id.clone(),
            path: at,
        });
    }

    fn finish(mut self) -> Vec<Problem> {
        for reference in std::mem::take(&mut self.references) {
            self.ids.resolve(
                &reference.id,
                &reference.path,
                "bom-ref",
                ProblemLevel::Error,
            );
        }
        let mut problems = self.problems;
        problems.extend(self.ids.problems);
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(xml: &str) -> Result<Vec<String>, String> {
        check(xml.as_bytes())
            .map(|r| {
                r.problems
                    .into_iter()
                    .map(|p| format!("{} {}", p.pointer, p.message))
                    .collect()
            })
            .map_err(|e| e.to_string())
    }

    #[test]
    fn well_formedness_and_root() {
        assert!(
            report("<bom xmlns='http://cyclonedx.org/schema/bom/1.6'><components>")
                .unwrap_err()
                .contains("ends inside <components>")
        );
        assert!(
            report("<bom xmlns='http://cyclonedx.org/schema/bom/1.6'></bim>")
                .unwrap_err()
                .starts_with("not well-formed XML")
        );
        assert_eq!(
            report("<bom xmlns='http://cyclonedx.org/schema/bom/1.4'/>").unwrap_err(),
            "CycloneDX 1.4 is not supported (this validator reads 1.5 and 1.6)"
        );
        assert!(
            report("<html/>")
                .unwrap_err()
                .contains("not a CycloneDX <bom>")
        );
        assert!(
            report("<bom xmlns='http://cyclonedx.org/schema/bom/1.6'/><bom/>")
                .unwrap_err()
                .contains("after the root element")
        );
        assert!(
            report("<bom xmlns='http://cyclonedx.org/schema/bom/1.6'>&bad;</bom>")
                .unwrap_err()
                .contains("unknown entity")
        );
        assert_eq!(report("<?xml version='1.0'?><bom xmlns='http://cyclonedx.org/schema/bom/1.5' version='1'/>").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn semantic_rules_with_paths() {
        let xml = r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="0" serialNumber="x">
          <components>
            <component type="library" bom-ref="a"><name>a</name>
              <hashes><hash alg="SHA-256">3942447fac867ae5cdb3229b658f4d48</hash></hashes>
              <licenses><license><id>Apache-2</id></license><expression>MIT</expression></licenses>
              <purl>not a purl</purl>
              <x:ext xmlns:x="urn:other"><component type="nonsense"/></x:ext>
            </component>
            <component type="cryptographic-asset" bom-ref="a"/>
          </components>
          <dependencies>
            <dependency ref="a"><dependency ref="b"/></dependency>
            <dependency ref="a"/>
          </dependencies>
        </bom>"#;
        assert_eq!(
            report(xml).unwrap(),
            [
                "/bom/@serialNumber `x` is not a serial number (`urn:uuid:` and a lowercase UUID)",
                "/bom/@version `0` is not an integer of at least 1",
                "/bom/components/component[1]/hashes/hash[1] a SHA-256 digest has 64 hex digits, this one has 32",
                "/bom/components/component[1]/licenses/license[1]/id `Apache-2` is not an SPDX licence id (SPDX licence list 3.29.0)",
                "/bom/components/component[1]/licenses <licenses> holds either <license> elements or one <expression>; this one has 1 expression(s) and 1 licence(s)",
                "/bom/components/component[1]/purl `not a purl` is not a package URL: missing scheme",
                "/bom/components/component[2]/@type `cryptographic-asset` is not a component type",
                "/bom/components/component[2] a component needs <name>",
                "/bom/components/component[2]/@bom-ref bom-ref `a` is already declared at /bom/components/component[1]/@bom-ref",
                "/bom/dependencies/dependency[2]/@ref `a` already has its dependencies listed at /bom/dependencies/dependency[1]",
                "/bom/dependencies/dependency[1]/dependency[1]/@ref bom-ref `b` is not declared in this document",
            ]
        );
    }
}
