//! `modelseal sbom validate`: is this SBOM well-formed and internally consistent?
//!
//! Three formats are recognised from the bytes: CycloneDX 1.5/1.6 JSON, CycloneDX 1.5/1.6 XML
//! and SPDX 2.3 JSON. Every document goes through the built-in layer, which needs no files: the
//! project's model of each format (shapes, required fields, enumerations, patterns) and the
//! rules schemas cannot state (identifiers unique, references resolving, purls and licence
//! expressions parsing, digests the right length). With a schema directory the official JSON
//! schemas run as well, compiled once per [`Validator`]; the schemas themselves are never
//! shipped with the product, and the layer that runs them is built only with the `schema`
//! feature (it brings `jsonschema`); without it a schema directory is refused with
//! [`ValidateError::SchemaFeatureDisabled`].
//!
//! XML has no XSD validator in Rust: it is checked for well-formedness and by the semantic
//! rules only.

mod checks;
mod cyclonedx;
mod report;
#[cfg(feature = "schema")]
mod schema;
mod shape;
mod spdx;
pub(crate) mod xml;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use report::{Format, Origin, Problem, ProblemLevel, Report};

use crate::cyclonedx::SpecVersion;
use crate::sniff::{JsonFamily, Syntax, json_family};

/// The largest document accepted (bytes).
pub const MAX_INPUT: usize = 512 * 1024 * 1024;

/// How to validate: with the built-in model only, or against official schemas as well.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options<'a> {
    /// A directory holding official schemas (`bom-1.5.schema.json`, `bom-1.6.schema.json` with
    /// `spdx.schema.json` and `jsf-0.82.schema.json`; `spdx-2.3.schema.json`), to validate
    /// against them as well as the built-in model.
    pub schema_dir: Option<&'a Path>,
}

/// Why a document could not be validated at all (as opposed to what is wrong with it, which a
/// [`Report`] lists).
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// The document is larger than [`MAX_INPUT`].
    #[error("the document is {size} bytes, more than the {limit} this validator reads")]
    TooLarge {
        /// The document's size in bytes.
        size: usize,
        /// The most this validator reads.
        limit: usize,
    },
    /// The document looks like JSON but does not parse.
    #[error("not JSON: line {line}, column {column}: {message}")]
    Json {
        /// The 1-based line of the error.
        line: usize,
        /// The 1-based column of the error.
        column: usize,
        /// What the JSON parser said.
        message: String,
    },
    /// The document looks like XML but is not well-formed.
    #[error("not well-formed XML: byte {position}: {message}")]
    Xml {
        /// The byte offset of the error.
        position: u64,
        /// What the XML parser said.
        message: String,
    },
    /// The document parses but is neither CycloneDX nor SPDX (what it looked like instead).
    #[error("not a CycloneDX or SPDX document: {0}")]
    UnknownFormat(String),
    /// A CycloneDX or SPDX version this validator has no model for.
    #[error("{format} {version} is not supported (this validator reads {supported})")]
    UnsupportedVersion {
        /// `CycloneDX` or `SPDX`.
        format: &'static str,
        /// The version the document declares.
        version: String,
        /// The versions this validator reads.
        supported: &'static str,
    },
    /// A schema file could not be read.
    #[error(transparent)]
    SchemaIo(modelseal_fs::FsError),
    /// A schema file is not JSON or not a usable JSON schema.
    #[error("{}: {message}", path.display())]
    Schema {
        /// The schema file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The schema directory holds none of the schemas, which is almost certainly the wrong directory.
    #[error("{} holds none of the schemas this validator uses ({})", dir.display(), SCHEMA_FILES.join(", "))]
    EmptySchemaDir {
        /// The directory given.
        dir: PathBuf,
    },
    /// The schema directory lacks the schema this document's format needs.
    #[error("{} has no {file}, needed for {format}", dir.display())]
    SchemaMissing {
        /// The directory given.
        dir: PathBuf,
        /// The schema file that is missing.
        file: &'static str,
        /// The format that needs it.
        format: Format,
    },
    /// A schema directory was given to a build without the `schema` feature, which would
    /// silently skip the official schemas.
    #[error(
        "cannot validate against the official schemas in {}: built without the `schema` feature",
        dir.display()
    )]
    SchemaFeatureDisabled {
        /// The directory given.
        dir: PathBuf,
    },
}

/// The files a schema directory may hold.
pub const SCHEMA_FILES: &[&str] = &[
    "bom-1.5.schema.json",
    "bom-1.6.schema.json",
    "spdx.schema.json",
    "jsf-0.82.schema.json",
    "spdx-2.3.schema.json",
];

/// Whether this build can validate against the official schemas (the `schema` feature).
pub const SCHEMAS_SUPPORTED: bool = cfg!(feature = "schema");

/// Validates documents; holds the compiled official schemas when given a schema directory, so
/// many documents can be checked for the cost of compiling each schema once.
#[derive(Debug)]
pub struct Validator {
    #[cfg(feature = "schema")]
    schemas: Option<schema::Schemas>,
}

impl Validator {
    /// Reads and compiles the schemas in `options.schema_dir`, if any.
    #[cfg(feature = "schema")]
    pub fn new(options: &Options<'_>) -> Result<Validator, ValidateError> {
        let schemas = options.schema_dir.map(schema::Schemas::load).transpose()?;
        Ok(Validator { schemas })
    }

    /// Refuses a schema directory: this build has no schema layer.
    #[cfg(not(feature = "schema"))]
    pub fn new(options: &Options<'_>) -> Result<Validator, ValidateError> {
        match options.schema_dir {
            Some(dir) => Err(ValidateError::SchemaFeatureDisabled {
                dir: dir.to_path_buf(),
            }),
            None => Ok(Validator {}),
        }
    }

    /// Validates one document, its format recognised from its content.
    pub fn validate(&self, bytes: &[u8]) -> Result<Report, ValidateError> {
        if bytes.len() > MAX_INPUT {
            return Err(ValidateError::TooLarge {
                size: bytes.len(),
                limit: MAX_INPUT,
            });
        }
        match crate::sniff::syntax(bytes) {
            Ok((Syntax::Json, bytes)) => self.validate_json(bytes),
            Ok((Syntax::Xml, bytes)) => xml::check(bytes),
            Err(e) => Err(ValidateError::UnknownFormat(e.to_string())),
        }
    }

    #[cfg_attr(not(feature = "schema"), allow(clippy::unused_self))]
    fn validate_json(&self, bytes: &[u8]) -> Result<Report, ValidateError> {
        let document: Value = serde_json::from_slice(bytes).map_err(|e| ValidateError::Json {
            line: e.line(),
            column: e.column(),
            message: json_error_message(&e),
        })?;
        #[cfg_attr(not(feature = "schema"), allow(unused_mut))]
        let (format, mut problems) = match json_format(&document)? {
            JsonFormat::CycloneDx(version) => (
                Format::CycloneDxJson { version },
                cyclonedx::check(&document, version),
            ),
            JsonFormat::Spdx23 => (Format::Spdx23Json, spdx::check(&document)),
        };
        #[cfg(feature = "schema")]
        if let Some(schemas) = &self.schemas {
            problems.extend(schemas.check(format, &document)?);
        }
        Ok(Report { format, problems })
    }
}

/// Validates one document; [`Validator`] is cheaper for many documents with a schema directory.
pub fn validate(bytes: &[u8], options: &Options<'_>) -> Result<Report, ValidateError> {
    Validator::new(options)?.validate(bytes)
}

enum JsonFormat {
    CycloneDx(SpecVersion),
    Spdx23,
}

/// Which format a JSON document claims to be.
fn json_format(document: &Value) -> Result<JsonFormat, ValidateError> {
    let Some(object) = document.as_object() else {
        return Err(ValidateError::UnknownFormat(
            "the JSON value is not an object".into(),
        ));
    };
    match json_family(object) {
        Some(JsonFamily::Spdx) => match object.get("spdxVersion").and_then(Value::as_str) {
            Some("SPDX-2.3") => Ok(JsonFormat::Spdx23),
            _ => Err(ValidateError::UnsupportedVersion {
                format: "SPDX version",
                version: object.get("spdxVersion").map(json_text).unwrap_or_default(),
                supported: "SPDX-2.3",
            }),
        },
        Some(JsonFamily::CycloneDx) => {
            let version = object.get("specVersion");
            match version.and_then(Value::as_str) {
                Some("1.5") => Ok(JsonFormat::CycloneDx(SpecVersion::V1_5)),
                Some("1.6") => Ok(JsonFormat::CycloneDx(SpecVersion::V1_6)),
                _ => Err(ValidateError::UnsupportedVersion {
                    format: "CycloneDX",
                    version: version.map_or_else(|| "without `specVersion`".into(), json_text),
                    supported: "1.5 and 1.6",
                }),
            }
        }
        None => Err(ValidateError::UnknownFormat(
            "a JSON object with neither `bomFormat`/`specVersion` (CycloneDX) nor `spdxVersion` \
             (SPDX)"
                .into(),
        )),
    }
}

/// A JSON value as it reads in a message: strings bare, anything else as JSON.
fn json_text(value: &Value) -> String {
    match value {
        Value::String(s) => checks::shorten(s),
        other => checks::shorten(&other.to_string()),
    }
}

/// `serde_json`'s message without the position it appends (reported separately).
fn json_error_message(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(end) => message[..end].to_owned(),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(bytes: &[u8]) -> String {
        validate(bytes, &Options::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn what_cannot_be_validated_is_an_error_not_a_report() {
        assert_eq!(
            error(b""),
            "not a CycloneDX or SPDX document: the document is empty"
        );
        assert_eq!(
            error(b"{\"bomFormat\": \"CycloneDX\",\n \"specVersion\": 1.6,"),
            "not JSON: line 2, column 20: EOF while parsing a value"
        );
        assert_eq!(
            error(br#"{"bomFormat": "CycloneDX", "specVersion": "1.4"}"#),
            "CycloneDX 1.4 is not supported (this validator reads 1.5 and 1.6)"
        );
        assert_eq!(
            error(br#"{"spdxVersion": "SPDX-2.2"}"#),
            "SPDX version SPDX-2.2 is not supported (this validator reads SPDX-2.3)"
        );
        assert!(error(br#"{"name": "x"}"#).contains("neither `bomFormat`"));
        assert!(error(b"SPDXVersion: SPDX-2.3\n").contains("tag-value"));
        assert!(error(b"PK\x03\x04").contains("neither JSON nor XML"));
    }

    #[test]
    fn deep_nesting_is_refused_by_the_parser_not_the_stack() {
        let deep = format!(
            r#"{{"bomFormat": "CycloneDX", "specVersion": "1.6", "x": {}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(error(deep.as_bytes()).contains("recursion limit"));
    }

    #[test]
    fn a_minimal_bom_is_valid() {
        let report = validate(
            b"\xEF\xBB\xBF {\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\"}",
            &Options::default(),
        )
        .unwrap();
        assert_eq!(
            report.format,
            Format::CycloneDxJson {
                version: SpecVersion::V1_6
            }
        );
        assert!(report.problems.is_empty(), "{:?}", report.problems);
    }

    const CYCLONEDX_JSON: &str = r#"{"bomFormat": "CycloneDX", "specVersion": "1.6",
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79", "version": 1,
        "metadata": {"timestamp": "2026-01-31T12:00:00Z",
                     "component": {"type": "application", "name": "app", "bom-ref": "app"}},
        "components": [{"type": "library", "name": "numpy", "bom-ref": "pkg:pypi/numpy@2.1.0",
            "purl": "pkg:pypi/numpy@2.1.0", "licenses": [{"expression": "BSD-3-Clause OR MIT"}],
            "hashes": [{"alg": "MD5", "content": "3942447fac867ae5cdb3229b658f4d48"}],
            "properties": [{"name": "k", "value": "v"}]}],
        "dependencies": [{"ref": "app", "dependsOn": ["pkg:pypi/numpy@2.1.0"]}]}"#;

    const CYCLONEDX_XML: &str = r#"<?xml version="1.0"?>
        <bom xmlns="http://cyclonedx.org/schema/bom/1.5" version="1">
        <components><component type="library" bom-ref="a"><name>a &amp; b</name>
        <hashes><hash alg="MD5">3942447fac867ae5cdb3229b658f4d48</hash></hashes>
        <licenses><license><id>MIT</id></license></licenses><purl>pkg:pypi/a@1</purl>
        </component></components>
        <dependencies><dependency ref="a"/></dependencies></bom>"#;

    const SPDX_JSON: &str = r#"{"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT", "name": "x", "documentNamespace": "https://example.com/x",
        "creationInfo": {"created": "2026-01-31T12:00:00Z", "creators": ["Tool: modelseal"]},
        "packages": [{"SPDXID": "SPDXRef-a", "name": "a", "downloadLocation": "NONE",
            "licenseConcluded": "MIT", "checksums": [{"algorithm": "SHA1",
            "checksumValue": "e6b1000b94e835ffd37f4c6dcbdad43f4b48a02a"}]}],
        "relationships": [{"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES",
            "relatedSpdxElement": "SPDXRef-a"}]}"#;

    #[test]
    fn truncated_and_mangled_documents_never_panic() {
        const SPECIAL: &[u8] = b"\"{}[]<>/&;:,-0 \\\xff\x00";
        let options = Options::default();
        for document in [CYCLONEDX_JSON, CYCLONEDX_XML, SPDX_JSON] {
            let report = validate(document.as_bytes(), &options).unwrap();
            assert!(report.problems.is_empty(), "{:?}", report.problems);
            let bytes = document.as_bytes();
            for end in 0..bytes.len() {
                // Any outcome but a panic: most prefixes do not parse.
                let _ = validate(&bytes[..end], &options);
            }
            // Bytes swapped for ones that matter to the parsers, at pseudo-random places.
            let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
            let mut next = || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            };
            for _ in 0..3000 {
                let mut mangled = bytes.to_vec();
                for _ in 0..=(next() % 3) {
                    let at = (next() % bytes.len() as u64) as usize;
                    mangled[at] = SPECIAL[(next() % SPECIAL.len() as u64) as usize];
                }
                let _ = validate(&mangled, &options);
            }
        }
    }
}
