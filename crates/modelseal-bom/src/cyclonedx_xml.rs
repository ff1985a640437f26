//! CycloneDX 1.5 and 1.6 XML, the same document as [`crate::cyclonedx::to_json`] writes, in the
//! element order the official XSDs' `xs:sequence`s require (an XML validator, unlike a JSON one,
//! rejects a `purl` written before `licenses`). The output is deterministic in the same way:
//! components sorted by `bom-ref`, the caller's timestamp, a serial number derived from content.

use std::borrow::Cow;

use quick_xml::Writer;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::QName;

use crate::bom::{Bom, Component, License, ModelCard};
use crate::cyclonedx::{SpecVersion, to_json};

/// The BOM as a CycloneDX XML document. `timestamp` is RFC 3339.
pub fn to_xml(bom: &Bom, spec: SpecVersion, timestamp: &str) -> String {
    // One BOM has one identity whatever its format: the serial number is the one the JSON
    // writer derives from its own document, so the XML and JSON renderings of the same
    // content (same spec version and timestamp) share it.
    let json = to_json(bom, spec, timestamp);
    let serial = json["serialNumber"].as_str().unwrap_or_default();
    let namespace = format!("http://cyclonedx.org/schema/bom/{}", spec.as_str());

    let mut out = Xml::new();
    out.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    let mut attributes = vec![("xmlns", namespace.as_str())];
    if !serial.is_empty() {
        attributes.push(("serialNumber", serial));
    }
    attributes.push(("version", "1"));
    out.open("bom", &attributes);

    out.open("metadata", &[]);
    out.leaf("timestamp", &[], timestamp);
    out.open("tools", &[]);
    out.open("components", &[]);
    out.open("component", &[("type", "application")]);
    out.leaf("name", &[], "modelseal");
    out.leaf("version", &[], env!("CARGO_PKG_VERSION"));
    out.close("component");
    out.close("components");
    out.close("tools");
    component(&mut out, &bom.root);
    out.close("metadata");

    out.open("components", &[]);
    for c in bom.components.values() {
        component(&mut out, c);
    }
    out.close("components");

    dependencies(&mut out, bom);
    out.close("bom");
    out.finish()
}

/// Dependencies of the root and of every top-level component, as the JSON writer lists them.
fn dependencies(out: &mut Xml, bom: &Bom) {
    let mut refs: Vec<&String> = std::iter::once(&bom.root.bom_ref)
        .chain(bom.components.keys())
        .collect();
    refs.sort();
    out.open("dependencies", &[]);
    for r in refs {
        match bom.dependencies.get(r).filter(|on| !on.is_empty()) {
            None => out.empty("dependency", &[("ref", r)]),
            Some(on) => {
                out.open("dependency", &[("ref", r)]);
                for target in on {
                    out.empty("dependency", &[("ref", target)]);
                }
                out.close("dependency");
            }
        }
    }
    out.close("dependencies");
}

fn component(out: &mut Xml, c: &Component) {
    out.open(
        "component",
        &[("type", c.kind.as_str()), ("bom-ref", &c.bom_ref)],
    );
    if let Some(group) = &c.group {
        out.leaf("group", &[], group);
    }
    out.leaf("name", &[], &c.name);
    if let Some(version) = &c.version {
        out.leaf("version", &[], version);
    }
    if let Some(description) = &c.description {
        out.leaf("description", &[], description);
    }
    if let Some(scope) = c.scope {
        out.leaf("scope", &[], scope.as_str());
    }
    if !c.hashes.is_empty() {
        out.open("hashes", &[]);
        for hash in &c.hashes {
            out.leaf("hash", &[("alg", hash.algorithm)], &hash.value);
        }
        out.close("hashes");
    }
    licenses(out, &c.licenses);
    if let Some(purl) = &c.purl {
        out.leaf("purl", &[], purl);
    }
    let references = crate::iri::references(&c.external_references);
    if !references.is_empty() {
        out.open("externalReferences", &[]);
        for reference in &references {
            out.open("reference", &[("type", reference.kind)]);
            out.leaf("url", &[], &reference.url);
            out.close("reference");
        }
        out.close("externalReferences");
    }
    properties(out, &c.properties);
    if !c.components.is_empty() {
        let mut children: Vec<&Component> = c.components.iter().collect();
        children.sort_by(|a, b| a.bom_ref.cmp(&b.bom_ref));
        out.open("components", &[]);
        for child in children {
            component(out, child);
        }
        out.close("components");
    }
    if let Some(card) = &c.model_card {
        model_card(out, card);
    }
    out.close("component");
}

fn properties(out: &mut Xml, pairs: &[(String, String)]) {
    if pairs.is_empty() {
        return;
    }
    let mut pairs = pairs.to_vec();
    pairs.sort();
    pairs.dedup();
    out.open("properties", &[]);
    for (name, value) in &pairs {
        out.leaf("property", &[("name", name)], value);
    }
    out.close("properties");
}

fn model_card(out: &mut Xml, card: &ModelCard) {
    out.open("modelCard", &[]);
    let has_parameters = card.task.is_some()
        || card.architecture_family.is_some()
        || card.model_architecture.is_some()
        || !card.inputs.is_empty()
        || !card.outputs.is_empty();
    if has_parameters {
        out.open("modelParameters", &[]);
        if let Some(task) = &card.task {
            out.leaf("task", &[], task);
        }
        if let Some(family) = &card.architecture_family {
            out.leaf("architectureFamily", &[], family);
        }
        if let Some(architecture) = &card.model_architecture {
            out.leaf("modelArchitecture", &[], architecture);
        }
        for (list, wrapper, item) in [
            (&card.inputs, "inputs", "input"),
            (&card.outputs, "outputs", "output"),
        ] {
            if list.is_empty() {
                continue;
            }
            out.open(wrapper, &[]);
            for format in list {
                out.open(item, &[]);
                out.leaf("format", &[], format);
                out.close(item);
            }
            out.close(wrapper);
        }
        out.close("modelParameters");
    }
    properties(out, &card.properties);
    out.close("modelCard");
}

/// The JSON writer's rule: CycloneDX allows either licences (by SPDX id or name) or a single
/// SPDX expression, not both ([`crate::license::cyclonedx_expression`]).
fn licenses(out: &mut Xml, licenses: &[License]) {
    if licenses.is_empty() {
        return;
    }
    out.open("licenses", &[]);
    if let Some(expression) = crate::license::cyclonedx_expression(licenses) {
        out.leaf("expression", &[], &expression);
    } else {
        for license in licenses {
            out.open("license", &[]);
            match license {
                License::Expression(id) => out.leaf("id", &[], id),
                License::Named(name) => out.leaf("name", &[], name),
            }
            out.close("license");
        }
    }
    out.close("licenses");
}

/// An indented XML document being written into memory.
struct Xml {
    writer: Writer<Vec<u8>>,
}

impl Xml {
    fn new() -> Xml {
        Xml {
            writer: Writer::new_with_indent(Vec::new(), b' ', 2),
        }
    }

    fn event(&mut self, event: Event<'_>) {
        // Writing into a `Vec<u8>` cannot fail (its `io::Write` never returns an error), so
        // there is no error to carry out of the writer.
        let _ = self.writer.write_event(event);
    }

    fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.event(Event::Start(start(name, attributes)));
    }

    fn close(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name)));
    }

    fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.event(Event::Empty(start(name, attributes)));
    }

    /// An element holding only text.
    fn leaf(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) {
        self.event(Event::Start(start(name, attributes)));
        self.event(Event::Text(BytesText::from_escaped(escape_text(text))));
        self.close(name);
    }

    fn finish(self) -> String {
        let mut bytes = self.writer.into_inner();
        bytes.push(b'\n');
        // Only `&str` data was written, so the bytes are UTF-8.
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

fn start<'a>(name: &'a str, attributes: &[(&str, &str)]) -> BytesStart<'a> {
    let mut start = BytesStart::new(name);
    for (key, value) in attributes {
        start.push_attribute(Attribute {
            key: QName(key),
            value: Cow::Owned(escape_attribute(value)),
        });
    }
    start
}

/// Text content, escaped. Characters XML 1.0 cannot carry at all (most C0 controls, unpaired
/// surrogates cannot occur in a `str`, U+FFFE/U+FFFF) become U+FFFD so the document stays
/// well-formed; a carriage return is written as a character reference because a parser would
/// otherwise turn it into a line feed.
fn escape_text(text: &str) -> String {
    let escaped = quick_xml::escape::escape(replace_non_xml(text));
    escaped.replace('\r', "&#13;")
}

/// An attribute value, escaped. Besides what text needs, tabs and line feeds are written as
/// character references: attribute-value normalisation would turn them into spaces and change
/// a `bom-ref` or property name.
fn escape_attribute(value: &str) -> String {
    let escaped = quick_xml::escape::escape(replace_non_xml(value));
    escaped
        .replace('\r', "&#13;")
        .replace('\n', "&#10;")
        .replace('\t', "&#9;")
}

fn replace_non_xml(text: &str) -> Cow<'_, str> {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{D7FF}').contains(&c)
            || ('\u{E000}'..='\u{FFFD}').contains(&c)
            || c >= '\u{10000}'
    };
    if text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(
            text.chars()
                .map(|c| if allowed(c) { c } else { '\u{FFFD}' })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bom::{Hash, Kind};

    fn small_bom() -> Bom {
        let mut root = Component::new("app", Kind::Application, "app");
        root.version = Some("1.0".into());
        let mut bom = Bom::new(root);
        let mut lib = Component::package("pkg:pypi/six@1.16.0", "six", "1.16.0");
        lib.licenses = vec![License::Expression("MIT".into())];
        lib.hashes = vec![Hash {
            algorithm: "SHA-256",
            value: "ab".repeat(32),
        }];
        bom.add(lib);
        bom.depend("app", "pkg:pypi/six@1.16.0");
        bom
    }

    #[test]
    fn elements_follow_the_schema_sequence() {
        let xml = to_xml(&small_bom(), SpecVersion::V1_6, "2026-01-01T00:00:00Z");
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\" serialNumber=\"urn:uuid:"));
        let position = |needle: &str| xml.find(needle).unwrap_or(usize::MAX);
        let order = [
            "<name>six</name>",
            "<version>1.16.0</version>",
            "<hash alg=\"SHA-256\">",
            "<license>",
            "<id>MIT</id>",
            "<purl>pkg:pypi/six@1.16.0</purl>",
        ];
        for pair in order.windows(2) {
            assert!(position(pair[0]) < position(pair[1]), "{pair:?} in {xml}");
        }
        assert!(xml.contains(
            "<dependency ref=\"app\">\n      <dependency ref=\"pkg:pypi/six@1.16.0\"/>\n    </dependency>"
        ));
        assert!(xml.contains("<dependency ref=\"pkg:pypi/six@1.16.0\"/>"));
    }

    #[test]
    fn serial_number_is_the_json_one() {
        let bom = small_bom();
        for spec in [SpecVersion::V1_5, SpecVersion::V1_6] {
            let json = to_json(&bom, spec, "2026-01-01T00:00:00Z");
            let serial = json["serialNumber"].as_str().unwrap_or_default();
            assert!(serial.starts_with("urn:uuid:"));
            let xml = to_xml(&bom, spec, "2026-01-01T00:00:00Z");
            assert!(xml.contains(&format!("serialNumber=\"{serial}\"")));
        }
    }

    #[test]
    fn markup_and_controls_are_escaped() {
        assert_eq!(escape_text("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(escape_text("x\u{1}y\r\n"), "x\u{FFFD}y&#13;\n");
        assert_eq!(escape_attribute("a\tb\nc"), "a&#9;b&#10;c");
        assert_eq!(escape_text("naïve 模型 🤖"), "naïve 模型 🤖");
    }

    /// A compound expression makes CycloneDX hold one expression; the other licences join it
    /// with `AND` (before issue 12 they were dropped, so the SPDX document, which keeps
    /// them, diffed as a licence change).
    #[test]
    fn a_compound_expression_takes_the_other_expressions_in() {
        let mut bom = small_bom();
        let mut lib = Component::package("pkg:npm/x@1", "x", "1");
        lib.licenses = vec![
            License::Expression("MIT".into()),
            License::Expression("MIT OR Apache-2.0".into()),
        ];
        bom.add(lib);
        let xml = to_xml(&bom, SpecVersion::V1_5, "2026-01-01T00:00:00Z");
        assert!(xml.contains("<expression>MIT AND (MIT OR Apache-2.0)</expression>"));
        assert_eq!(xml.matches("<id>MIT</id>").count(), 1, "only six's");
    }
}
