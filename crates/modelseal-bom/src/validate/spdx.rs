//! SPDX 2.3 JSON without the official schema: the project's model of the document (the fields
//! each element may have, the enumerations) and the rules of the specification a JSON schema
//! cannot state, as the SPDX tools (`pyspdxtools`) apply them: SPDX ids well-formed and unique,
//! every relationship end declared (or `NONE`/`NOASSERTION` on the related side, or an element
//! of an external document the document declares), the document describing something,
//! licence fields valid expressions whose `LicenseRef-`s are declared, checksums as long as
//! their algorithm's, purl locators that parse, a creation time in UTC and creators that say
//! what they are.
//!
//! "Describes something" follows the SPDX specification and tools rather than a stricter
//! "describes a package": a `DESCRIBES` relationship (or `documentDescribes`, or `DESCRIBED_BY`
//! pointing at the document) to any element, which can be omitted when the document holds a
//! single package and nothing else. The official 2.3 example describes a file and a package.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::checks::{
    Identifiers, is_date_time, parse_expression, purl_problem, shorten, spdx_checksum_problem,
};
use super::report::{Origin, Problem, ProblemLevel, push_token};
use super::shape::{Field, Object, Shape, Walker, field};

const DOCUMENT_ID: &str = "SPDXRef-DOCUMENT";

/// Every problem the built-in model and the semantic rules find in an SPDX 2.3 document.
pub(super) fn check(document: &Value) -> Vec<Problem> {
    let mut walker = Walker::new(true);
    walker.value(&Shape::Object(&DOCUMENT), document);
    let mut problems = walker.finish();
    if let Some(document) = document.as_object() {
        problems.extend(Semantics::new(document).check());
    }
    problems
}

// ---------------------------------------------------------------------------------------------
// Model

const STRINGS: Shape = Shape::Array(&Shape::String);
const DATE: Shape = Shape::Text(utc_date);
const ANNOTATIONS: Shape = Shape::Array(&Shape::Object(&ANNOTATION));
const CHECKSUMS: Shape = Shape::Array(&Shape::Object(&CHECKSUM));
const ELEMENT_ID: Shape = Shape::Text(element_id);
const CHECKSUM_ALGORITHMS: &[&str] = &[
    "SHA1",
    "BLAKE3",
    "SHA3-384",
    "SHA256",
    "SHA384",
    "BLAKE2b-512",
    "BLAKE2b-256",
    "SHA3-512",
    "MD2",
    "ADLER32",
    "MD4",
    "SHA3-256",
    "BLAKE2b-384",
    "SHA512",
    "MD6",
    "MD5",
    "SHA224",
];
const RELATIONSHIP_TYPES: &[&str] = &[
    "VARIANT_OF",
    "COPY_OF",
    "PATCH_FOR",
    "TEST_DEPENDENCY_OF",
    "CONTAINED_BY",
    "DATA_FILE_OF",
    "OPTIONAL_COMPONENT_OF",
    "ANCESTOR_OF",
    "GENERATES",
    "CONTAINS",
    "OPTIONAL_DEPENDENCY_OF",
    "FILE_ADDED",
    "REQUIREMENT_DESCRIPTION_FOR",
    "DEV_DEPENDENCY_OF",
    "DEPENDENCY_OF",
    "BUILD_DEPENDENCY_OF",
    "DESCRIBES",
    "PREREQUISITE_FOR",
    "HAS_PREREQUISITE",
    "PROVIDED_DEPENDENCY_OF",
    "DYNAMIC_LINK",
    "DESCRIBED_BY",
    "METAFILE_OF",
    "DEPENDENCY_MANIFEST_OF",
    "PATCH_APPLIED",
    "RUNTIME_DEPENDENCY_OF",
    "TEST_OF",
    "TEST_TOOL_OF",
    "DEPENDS_ON",
    "SPECIFICATION_FOR",
    "FILE_MODIFIED",
    "DISTRIBUTION_ARTIFACT",
    "AMENDS",
    "DOCUMENTATION_OF",
    "GENERATED_FROM",
    "STATIC_LINK",
    "OTHER",
    "BUILD_TOOL_OF",
    "TEST_CASE_OF",
    "PACKAGE_OF",
    "DESCENDANT_OF",
    "FILE_DELETED",
    "EXPANDED_FROM_ARCHIVE",
    "DEV_TOOL_OF",
    "EXAMPLE_OF",
];
const PURPOSES: &[&str] = &[
    "OTHER",
    "INSTALL",
    "ARCHIVE",
    "FIRMWARE",
    "APPLICATION",
    "FRAMEWORK",
    "LIBRARY",
    "CONTAINER",
    "SOURCE",
    "DEVICE",
    "OPERATING_SYSTEM",
    "FILE",
];
const FILE_TYPES: &[&str] = &[
    "OTHER",
    "DOCUMENTATION",
    "IMAGE",
    "VIDEO",
    "ARCHIVE",
    "SPDX",
    "APPLICATION",
    "SOURCE",
    "BINARY",
    "TEXT",
    "AUDIO",
];
const REFERENCE_CATEGORIES: &[&str] = &["OTHER", "PERSISTENT-ID", "SECURITY", "PACKAGE-MANAGER"];

const fn closed(
    what: &'static str,
    fields: &'static [Field],
    required: &'static [&'static str],
) -> Object {
    Object {
        what,
        fields,
        required,
        closed: true,
        rule: None,
    }
}

static DOCUMENT: Object = closed(
    "an SPDX document",
    &[
        field("SPDXID", Shape::Text(document_id)),
        field("annotations", ANNOTATIONS),
        field("comment", Shape::String),
        field("creationInfo", Shape::Object(&CREATION_INFO)),
        field("dataLicense", Shape::Text(data_license)),
        field("documentDescribes", STRINGS),
        field("documentNamespace", Shape::Text(namespace)),
        field(
            "externalDocumentRefs",
            Shape::Array(&Shape::Object(&EXTERNAL_DOCUMENT_REF)),
        ),
        field("files", Shape::Array(&Shape::Object(&FILE))),
        field(
            "hasExtractedLicensingInfos",
            Shape::Array(&Shape::Object(&EXTRACTED_LICENSING_INFO)),
        ),
        field("name", Shape::String),
        field("packages", Shape::Array(&Shape::Object(&PACKAGE))),
        field("relationships", Shape::Array(&Shape::Object(&RELATIONSHIP))),
        field("revieweds", Shape::Array(&Shape::Object(&REVIEWED))),
        field("snippets", Shape::Array(&Shape::Object(&SNIPPET))),
        field("spdxVersion", Shape::String),
    ],
    // The JSON schema leaves `documentNamespace` optional; the specification does not.
    &[
        "SPDXID",
        "creationInfo",
        "dataLicense",
        "name",
        "spdxVersion",
        "documentNamespace",
    ],
);

static CREATION_INFO: Object = closed(
    "creation information",
    &[
        field("comment", Shape::String),
        field("created", DATE),
        field("creators", Shape::Custom(creators)),
        field("licenseListVersion", Shape::String),
    ],
    &["created", "creators"],
);

static ANNOTATION: Object = closed(
    "an annotation",
    &[
        field("annotationDate", DATE),
        field("annotationType", Shape::Enum(&["OTHER", "REVIEW"])),
        field("annotator", Shape::Text(actor)),
        field("comment", Shape::String),
    ],
    &["annotationDate", "annotationType", "annotator", "comment"],
);

static CHECKSUM: Object = Object {
    rule: Some(checksum_value),
    ..closed(
        "a checksum",
        &[
            field("algorithm", Shape::Enum(CHECKSUM_ALGORITHMS)),
            field("checksumValue", Shape::String),
        ],
        &["algorithm", "checksumValue"],
    )
};

static EXTERNAL_DOCUMENT_REF: Object = closed(
    "an external document reference",
    &[
        field("checksum", Shape::Object(&CHECKSUM)),
        field("externalDocumentId", Shape::Text(document_ref)),
        field("spdxDocument", Shape::Text(namespace)),
    ],
    &["checksum", "externalDocumentId", "spdxDocument"],
);

static EXTRACTED_LICENSING_INFO: Object = closed(
    "an extracted licence",
    &[
        field("comment", Shape::String),
        field("crossRefs", Shape::Array(&Shape::AnyObject)),
        field("extractedText", Shape::String),
        field("licenseId", Shape::Text(license_ref)),
        field("name", Shape::String),
        field("seeAlsos", STRINGS),
    ],
    &["extractedText", "licenseId"],
);

static PACKAGE: Object = closed(
    "a package",
    &[
        field("SPDXID", ELEMENT_ID),
        field("annotations", ANNOTATIONS),
        field("attributionTexts", STRINGS),
        field("builtDate", DATE),
        field("checksums", CHECKSUMS),
        field("comment", Shape::String),
        field("copyrightText", Shape::String),
        field("description", Shape::String),
        field("downloadLocation", Shape::String),
        field("externalRefs", Shape::Array(&Shape::Object(&EXTERNAL_REF))),
        field("filesAnalyzed", Shape::Boolean),
        field("hasFiles", STRINGS),
        field("homepage", Shape::String),
        field("licenseComments", Shape::String),
        field("licenseConcluded", Shape::String),
        field("licenseDeclared", Shape::String),
        field("licenseInfoFromFiles", STRINGS),
        field("name", Shape::String),
        field("originator", Shape::Text(actor_or_no_assertion)),
        field("packageFileName", Shape::String),
        field("packageVerificationCode", Shape::Object(&VERIFICATION_CODE)),
        field("primaryPackagePurpose", Shape::Enum(PURPOSES)),
        field("releaseDate", DATE),
        field("sourceInfo", Shape::String),
        field("summary", Shape::String),
        field("supplier", Shape::Text(actor_or_no_assertion)),
        field("validUntilDate", DATE),
        field("versionInfo", Shape::String),
    ],
    &["SPDXID", "downloadLocation", "name"],
);

static VERIFICATION_CODE: Object = closed(
    "a package verification code",
    &[
        field("packageVerificationCodeExcludedFiles", STRINGS),
        field("packageVerificationCodeValue", Shape::String),
    ],
    &["packageVerificationCodeValue"],
);

static EXTERNAL_REF: Object = Object {
    rule: Some(purl_locator),
    ..closed(
        "an external reference",
        &[
            field("comment", Shape::String),
            field("referenceCategory", Shape::Enum(REFERENCE_CATEGORIES)),
            field("referenceLocator", Shape::String),
            field("referenceType", Shape::String),
        ],
        &["referenceCategory", "referenceLocator", "referenceType"],
    )
};

static FILE: Object = Object {
    rule: Some(file_has_sha1),
    ..closed(
        "a file",
        &[
            field("SPDXID", ELEMENT_ID),
            field("annotations", ANNOTATIONS),
            field("artifactOfs", Shape::Array(&Shape::AnyObject)),
            field("attributionTexts", STRINGS),
            field("checksums", CHECKSUMS),
            field("comment", Shape::String),
            field("copyrightText", Shape::String),
            field("fileContributors", STRINGS),
            field("fileDependencies", STRINGS),
            field("fileName", Shape::String),
            field("fileTypes", Shape::Array(&Shape::Enum(FILE_TYPES))),
            field("licenseComments", Shape::String),
            field("licenseConcluded", Shape::String),
            field("licenseInfoInFiles", STRINGS),
            field("noticeText", Shape::String),
        ],
        &["SPDXID", "checksums", "fileName"],
    )
};

static SNIPPET: Object = closed(
    "a snippet",
    &[
        field("SPDXID", ELEMENT_ID),
        field("annotations", ANNOTATIONS),
        field("attributionTexts", STRINGS),
        field("comment", Shape::String),
        field("copyrightText", Shape::String),
        field("licenseComments", Shape::String),
        field("licenseConcluded", Shape::String),
        field("licenseInfoInSnippets", STRINGS),
        field("name", Shape::String),
        field("ranges", Shape::Custom(ranges)),
        field("snippetFromFile", Shape::String),
    ],
    &["SPDXID", "name", "ranges", "snippetFromFile"],
);

static RANGE: Object = closed(
    "a snippet range",
    &[
        field("endPointer", Shape::Object(&POINTER)),
        field("startPointer", Shape::Object(&POINTER)),
    ],
    &["endPointer", "startPointer"],
);

static POINTER: Object = closed(
    "a snippet pointer",
    &[
        field("reference", Shape::String),
        field("offset", Shape::Integer { minimum: None }),
        field("lineNumber", Shape::Integer { minimum: None }),
    ],
    &["reference"],
);

static RELATIONSHIP: Object = closed(
    "a relationship",
    &[
        field("spdxElementId", Shape::String),
        field("comment", Shape::String),
        field("relatedSpdxElement", Shape::String),
        field("relationshipType", Shape::Enum(RELATIONSHIP_TYPES)),
    ],
    &["spdxElementId", "relatedSpdxElement", "relationshipType"],
);

static REVIEWED: Object = closed(
    "a review",
    &[
        field("comment", Shape::String),
        field("reviewDate", DATE),
        field("reviewer", Shape::String),
    ],
    &["reviewDate"],
);

// ---------------------------------------------------------------------------------------------
// Value checks

fn document_id(w: &mut Walker, id: &str) {
    if id != DOCUMENT_ID {
        w.invalid(format!(
            "the document's SPDXID is `{DOCUMENT_ID}`, not `{}`",
            shorten(id)
        ));
    }
}

fn data_license(w: &mut Walker, id: &str) {
    if id != "CC0-1.0" {
        w.invalid(format!(
            "SPDX documents are licensed `CC0-1.0`, not `{}`",
            shorten(id)
        ));
    }
}

/// `SPDXRef-` and at least one of `[A-Za-z0-9.-]`.
fn is_element_id(id: &str) -> bool {
    id.strip_prefix("SPDXRef-")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(is_id_byte))
}

fn is_id_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'.' || b == b'-'
}

fn element_id(w: &mut Walker, id: &str) {
    if !is_element_id(id) {
        w.invalid(format!(
            "`{}` is not an SPDX id (`SPDXRef-` then letters, digits, `.`, `-`)",
            shorten(id)
        ));
    }
}

fn document_ref(w: &mut Walker, id: &str) {
    let valid = id
        .strip_prefix("DocumentRef-")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(is_id_byte));
    if !valid {
        w.invalid(format!(
            "`{}` is not an external document id (`DocumentRef-` then letters, digits, `.`, `-`)",
            shorten(id)
        ));
    }
}

fn license_ref(w: &mut Walker, id: &str) {
    let valid = id
        .strip_prefix("LicenseRef-")
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(is_id_byte));
    if !valid {
        w.invalid(format!(
            "`{}` is not a licence reference (`LicenseRef-` then letters, digits, `.`, `-`)",
            shorten(id)
        ));
    }
}

/// SPDX dates are UTC: `2024-01-31T12:00:00Z`.
fn utc_date(w: &mut Walker, text: &str) {
    if !(is_date_time(text) && text.ends_with('Z')) {
        w.invalid(format!(
            "`{}` is not a UTC date-time (`2024-01-31T12:00:00Z`)",
            shorten(text)
        ));
    }
}

/// An absolute URI without a fragment: the document namespace (and an external document's
/// address) names one document, so it cannot point inside one. A namespace with no path after
/// its host cannot be unique to a document: a warning.
fn namespace(w: &mut Walker, uri: &str) {
    let scheme_end = uri.find(':');
    let scheme_ok = scheme_end.is_some_and(|end| {
        let scheme = &uri[..end];
        scheme
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    });
    if !scheme_ok || uri.contains('#') || uri.chars().any(char::is_whitespace) {
        w.invalid(format!(
            "`{}` is not an absolute URI without a fragment (`#`)",
            shorten(uri)
        ));
        return;
    }
    let rest = scheme_end.map_or("", |end| &uri[end + 1..]);
    let path = rest.strip_prefix("//").map_or(rest, |authority| {
        authority.find('/').map_or("", |slash| &authority[slash..])
    });
    if path.trim_matches('/').is_empty() {
        w.report(
            Origin::Semantic,
            ProblemLevel::Warning,
            format!(
                "`{}` has no path: a namespace should be unique to the document",
                shorten(uri)
            ),
        );
    }
}

const ACTOR_KINDS: &[&str] = &["Person: ", "Organization: ", "Tool: "];

fn is_actor(text: &str) -> bool {
    ACTOR_KINDS.iter().any(|kind| {
        text.strip_prefix(kind)
            .is_some_and(|name| !name.trim().is_empty())
    })
}

fn actor(w: &mut Walker, text: &str) {
    if !is_actor(text) {
        w.invalid(format!(
            "`{}` is not `Person: …`, `Organization: …` or `Tool: …`",
            shorten(text)
        ));
    }
}

fn actor_or_no_assertion(w: &mut Walker, text: &str) {
    if text != "NOASSERTION" {
        actor(w, text);
    }
}

fn creators(w: &mut Walker, value: &Value) {
    let Some(list) = value.as_array() else {
        w.expected("an array of creators", value);
        return;
    };
    if list.is_empty() {
        w.invalid("at least one creator is needed".into());
    }
    for (index, creator) in list.iter().enumerate() {
        w.at_index(index, |w| w.value(&Shape::Text(actor), creator));
    }
}

const RANGES: Shape = Shape::Array(&Shape::Object(&RANGE));

fn ranges(w: &mut Walker, value: &Value) {
    if value.as_array().is_some_and(Vec::is_empty) {
        w.invalid("a snippet has at least one range".into());
    }
    w.value(&RANGES, value);
}

fn checksum_value(w: &mut Walker, checksum: &Map<String, Value>) {
    let (Some(algorithm), Some(value)) = (
        checksum.get("algorithm").and_then(Value::as_str),
        checksum.get("checksumValue").and_then(Value::as_str),
    ) else {
        return;
    };
    if let Some(message) = spdx_checksum_problem(algorithm, value) {
        w.at_key("checksumValue", |w| {
            w.report(Origin::Semantic, ProblemLevel::Error, message);
        });
    }
}

fn purl_locator(w: &mut Walker, reference: &Map<String, Value>) {
    if reference.get("referenceType").and_then(Value::as_str) != Some("purl") {
        return;
    }
    if let Some(locator) = reference.get("referenceLocator").and_then(Value::as_str)
        && let Some(message) = purl_problem(locator)
    {
        w.at_key("referenceLocator", |w| {
            w.report(Origin::Semantic, ProblemLevel::Error, message);
        });
    }
}

/// The specification requires a SHA1 among a file's checksums.
fn file_has_sha1(w: &mut Walker, file: &Map<String, Value>) {
    let Some(checksums) = file.get("checksums").and_then(Value::as_array) else {
        return;
    };
    let has_sha1 = checksums
        .iter()
        .any(|c| c.get("algorithm").and_then(Value::as_str) == Some("SHA1"));
    if !has_sha1 {
        w.at_key("checksums", |w| {
            w.report(
                Origin::Semantic,
                ProblemLevel::Error,
                "a file's checksums include a SHA1".into(),
            );
        });
    }
}

// ---------------------------------------------------------------------------------------------
// Rules across the document

struct Semantics<'d> {
    document: &'d Map<String, Value>,
    ids: Identifiers,
    external_documents: HashSet<&'d str>,
    license_refs: HashMap<&'d str, usize>,
}

impl<'d> Semantics<'d> {
    fn new(document: &'d Map<String, Value>) -> Semantics<'d> {
        Semantics {
            document,
            ids: Identifiers::default(),
            external_documents: HashSet::new(),
            license_refs: HashMap::new(),
        }
    }

    fn check(mut self) -> Vec<Problem> {
        self.declare();
        self.relationships();
        self.describes();
        self.element_references();
        self.licences();
        self.ids.problems
    }

    /// The array `key` of the document, with positions.
    fn list(&self, key: &str) -> impl Iterator<Item = (usize, &'d Value)> + use<'d> {
        self.document
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
    }

    fn declare(&mut self) {
        if self.document.get("SPDXID").and_then(Value::as_str) == Some(DOCUMENT_ID) {
            self.ids.declare(DOCUMENT_ID, "/SPDXID", "SPDX id");
        }
        for kind in ["packages", "files", "snippets"] {
            for (i, element) in self.list(kind) {
                if let Some(id) = element.get("SPDXID").and_then(Value::as_str) {
                    self.ids
                        .declare(id, &format!("/{kind}/{i}/SPDXID"), "SPDX id");
                }
            }
        }
        for (i, reference) in self.list("externalDocumentRefs") {
            if let Some(id) = reference.get("externalDocumentId").and_then(Value::as_str)
                && !self.external_documents.insert(id)
            {
                self.ids.error(
                    &format!("/externalDocumentRefs/{i}/externalDocumentId"),
                    format!("`{}` is declared twice", shorten(id)),
                );
            }
        }
        for (i, info) in self.list("hasExtractedLicensingInfos") {
            if let Some(id) = info.get("licenseId").and_then(Value::as_str)
                && self.license_refs.insert(id, i).is_some()
            {
                self.ids.error(
                    &format!("/hasExtractedLicensingInfos/{i}/licenseId"),
                    format!("`{}` is declared twice", shorten(id)),
                );
            }
        }
    }

    /// Resolves an element reference: declared here, or `DocumentRef-x:SPDXRef-y` with `x`
    /// declared in `externalDocumentRefs`; `NONE` and `NOASSERTION` where `allow_none`.
    fn resolve(&mut self, id: &str, pointer: &str, allow_none: bool) {
        if allow_none && (id == "NONE" || id == "NOASSERTION") {
            return;
        }
        if let Some((document, element)) = id.split_once(':')
            && document.starts_with("DocumentRef-")
        {
            if !self.external_documents.contains(document) {
                self.ids.error(
                    pointer,
                    format!(
                        "`{}` is not declared in `externalDocumentRefs`",
                        shorten(document)
                    ),
                );
            } else if !is_element_id(element) {
                self.ids
                    .error(pointer, format!("`{}` is not an SPDX id", shorten(element)));
            }
            return;
        }
        self.ids
            .resolve(id, pointer, "SPDX id", ProblemLevel::Error);
    }

    fn relationships(&mut self) {
        for (i, relationship) in self.list("relationships") {
            for (key, allow_none) in [("spdxElementId", false), ("relatedSpdxElement", true)] {
                if let Some(id) = relationship.get(key).and_then(Value::as_str) {
                    self.resolve(id, &format!("/relationships/{i}/{key}"), allow_none);
                }
            }
        }
    }

    /// The document describes at least one element, unless it holds a single package only.
    fn describes(&mut self) {
        let mut described = 0;
        for (i, id) in self.list("documentDescribes") {
            described += 1;
            if let Some(id) = id.as_str() {
                self.resolve(id, &format!("/documentDescribes/{i}"), false);
            }
        }
        for (_, relationship) in self.list("relationships") {
            let get = |key: &str| relationship.get(key).and_then(Value::as_str);
            let kind = get("relationshipType");
            if (kind == Some("DESCRIBES") && get("spdxElementId") == Some(DOCUMENT_ID))
                || (kind == Some("DESCRIBED_BY") && get("relatedSpdxElement") == Some(DOCUMENT_ID))
            {
                described += 1;
            }
        }
        let count = |key: &str| self.list(key).count();
        let single_package =
            count("packages") == 1 && count("files") == 0 && count("snippets") == 0;
        if described == 0 && !single_package {
            self.ids.error(
                "",
                format!(
                    "the document describes nothing: it needs `documentDescribes` or a \
                     `{DOCUMENT_ID} DESCRIBES …` relationship"
                ),
            );
        }
    }

    /// Ids used outside relationships: a package's files, a snippet's file and range ends.
    fn element_references(&mut self) {
        for (i, package) in self.list("packages") {
            for (j, file) in package
                .get("hasFiles")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                if let Some(id) = file.as_str() {
                    self.resolve(id, &format!("/packages/{i}/hasFiles/{j}"), false);
                }
            }
        }
        for (i, snippet) in self.list("snippets") {
            if let Some(id) = snippet.get("snippetFromFile").and_then(Value::as_str) {
                self.resolve(id, &format!("/snippets/{i}/snippetFromFile"), false);
            }
            for (j, range) in snippet
                .get("ranges")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                for end in ["startPointer", "endPointer"] {
                    if let Some(id) = range
                        .get(end)
                        .and_then(|p| p.get("reference"))
                        .and_then(Value::as_str)
                    {
                        self.resolve(
                            id,
                            &format!("/snippets/{i}/ranges/{j}/{end}/reference"),
                            false,
                        );
                    }
                }
            }
        }
    }

    /// Every licence field: `NONE`, `NOASSERTION` or an SPDX expression whose `LicenseRef-`s
    /// the document declares.
    fn licences(&mut self) {
        const FIELDS: &[(&str, &[&str], &[&str])] = &[
            (
                "packages",
                &["licenseConcluded", "licenseDeclared"],
                &["licenseInfoFromFiles"],
            ),
            ("files", &["licenseConcluded"], &["licenseInfoInFiles"]),
            (
                "snippets",
                &["licenseConcluded"],
                &["licenseInfoInSnippets"],
            ),
        ];
        for (kind, single, lists) in FIELDS {
            for (i, element) in self.list(kind) {
                let mut pointer = format!("/{kind}/{i}");
                for key in *single {
                    if let Some(text) = element.get(*key).and_then(Value::as_str) {
                        let mark = pointer.len();
                        push_token(&mut pointer, key);
                        self.licence(text, &pointer);
                        pointer.truncate(mark);
                    }
                }
                for key in *lists {
                    for (j, text) in element
                        .get(*key)
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .enumerate()
                    {
                        if let Some(text) = text.as_str() {
                            self.licence(text, &format!("{pointer}/{key}/{j}"));
                        }
                    }
                }
            }
        }
    }

    fn licence(&mut self, text: &str, pointer: &str) {
        if text == "NONE" || text == "NOASSERTION" {
            return;
        }
        match parse_expression(text) {
            Err(message) => self.ids.error(pointer, message),
            Ok(parsed) => {
                for id in parsed.deprecated {
                    self.ids.problems.push(Problem {
                        pointer: pointer.to_owned(),
                        message: format!("`{id}` is a deprecated SPDX licence id"),
                        origin: Origin::Semantic,
                        level: ProblemLevel::Warning,
                    });
                }
                for reference in parsed.license_refs {
                    let declared = match reference.split_once(':') {
                        Some((document, _)) => self.external_documents.contains(document),
                        None => self.license_refs.contains_key(reference.as_str()),
                    };
                    if !declared {
                        self.ids.error(
                            pointer,
                            format!(
                                "`{}` is not declared in `hasExtractedLicensingInfos`",
                                shorten(&reference)
                            ),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn minimal() -> Value {
        json!({
            "spdxVersion": "SPDX-2.3",
            "dataLicense": "CC0-1.0",
            "SPDXID": "SPDXRef-DOCUMENT",
            "name": "example",
            "documentNamespace": "https://example.com/spdxdocs/example-1",
            "creationInfo": {"created": "2024-01-31T12:00:00Z", "creators": ["Tool: modelseal"]},
            "packages": [{
                "SPDXID": "SPDXRef-a", "name": "a", "downloadLocation": "NOASSERTION",
                "licenseConcluded": "MIT OR LicenseRef-x",
                "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER",
                                  "referenceType": "purl", "referenceLocator": "pkg:pypi/a@1"}],
            }],
            "hasExtractedLicensingInfos": [{"licenseId": "LicenseRef-x", "extractedText": "x"}],
        })
    }

    fn problems(document: &Value) -> Vec<String> {
        check(document)
            .into_iter()
            .map(|p| format!("{} {}", p.pointer, p.message))
            .collect()
    }

    #[test]
    fn a_single_package_document_need_not_say_what_it_describes() {
        assert!(
            problems(&minimal()).is_empty(),
            "{:?}",
            problems(&minimal())
        );
    }

    #[test]
    fn broken_rules_are_located() {
        let mut document = minimal();
        document["creationInfo"] =
            json!({"created": "2024-01-31T12:00:00+01:00", "creators": ["modelseal"]});
        document["documentNamespace"] = json!("https://example.com/doc#1");
        document["packages"][0]["licenseConcluded"] = json!("MIT OR LicenseRef-y");
        document["packages"][0]["externalRefs"][0]["referenceLocator"] = json!("a==1");
        document["packages"]
            .as_array_mut()
            .unwrap()
            .push(json!({"SPDXID": "SPDXRef-a", "name": "b", "downloadLocation": "NONE"}));
        document["relationships"] = json!([{
            "spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DEPENDS_ON",
            "relatedSpdxElement": "DocumentRef-other:SPDXRef-x"}]);
        assert_eq!(
            problems(&document),
            [
                "/creationInfo/created `2024-01-31T12:00:00+01:00` is not a UTC date-time \
                 (`2024-01-31T12:00:00Z`)",
                "/creationInfo/creators/0 `modelseal` is not `Person: …`, `Organization: …` \
                 or `Tool: …`",
                "/documentNamespace `https://example.com/doc#1` is not an absolute URI \
                 without a fragment (`#`)",
                "/packages/0/externalRefs/0/referenceLocator `a==1` is not a package URL: \
                 missing scheme",
                "/packages/1/SPDXID SPDX id `SPDXRef-a` is already declared at /packages/0/SPDXID",
                "/relationships/0/relatedSpdxElement `DocumentRef-other` is not declared in \
                 `externalDocumentRefs`",
                " the document describes nothing: it needs `documentDescribes` or a \
                 `SPDXRef-DOCUMENT DESCRIBES …` relationship",
                "/packages/0/licenseConcluded `LicenseRef-y` is not declared in \
                 `hasExtractedLicensingInfos`",
            ]
        );
    }
}
