//! CycloneDX 1.5 and 1.6 JSON without the official schema: the project's model of the format
//! (the objects a BOM is made of, their fields in each version, the enumerations and patterns
//! the specification fixes, `additionalProperties: false` where the specification has it) and
//! the rules no schema states (bom-refs unique across the whole document, dependency refs that
//! resolve, purls that parse, digests as long as their algorithm's, licence expressions that
//! parse).
//!
//! The model covers what SBOM tools read and write: metadata, components (nested, pedigree,
//! SWID, licences, hashes, external references, model cards), services, dependencies,
//! compositions, vulnerabilities, annotations, properties. Parts only the full schema describes
//! in depth (evidence, formulation workflows, cryptographic properties, declarations, signatures)
//! are checked for their JSON type here and left to `--schema-dir`.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::checks::{
    CYCLONEDX_HASH_ALGORITHMS, Identifiers, cyclonedx_hash_problem, is_date_time, is_serial_number,
    parse_expression, purl_problem, shorten, spdx_id_problem,
};
use super::report::{Origin, Problem, ProblemLevel, push_token};
use super::shape::{Field, Object, Shape, Walker, field, field_1_6};
use crate::cyclonedx::SpecVersion;

/// Every problem the built-in model and the semantic rules find in a CycloneDX document.
pub(super) fn check(document: &Value, version: SpecVersion) -> Vec<Problem> {
    let mut walker = Walker::new(version == SpecVersion::V1_6);
    walker.value(&Shape::Object(&BOM), document);
    let mut problems = walker.finish();
    problems.extend(references(document));
    problems
}

// ---------------------------------------------------------------------------------------------
// Enumerations

pub(super) const COMPONENT_TYPES: &[&str] = &[
    "application",
    "framework",
    "library",
    "container",
    "platform",
    "operating-system",
    "device",
    "device-driver",
    "firmware",
    "file",
    "machine-learning-model",
    "data",
];
pub(super) const COMPONENT_TYPES_1_6: &[&str] = &["cryptographic-asset"];
pub(super) const SCOPES: &[&str] = &["required", "optional", "excluded"];
const EXTERNAL_REFERENCE_TYPES: &[&str] = &[
    "vcs",
    "issue-tracker",
    "website",
    "advisories",
    "bom",
    "mailing-list",
    "social",
    "chat",
    "documentation",
    "support",
    "distribution",
    "distribution-intake",
    "license",
    "build-meta",
    "build-system",
    "release-notes",
    "security-contact",
    "model-card",
    "log",
    "configuration",
    "evidence",
    "formulation",
    "attestation",
    "threat-model",
    "adversary-model",
    "risk-assessment",
    "vulnerability-assertion",
    "exploitability-statement",
    "pentest-report",
    "static-analysis-report",
    "dynamic-analysis-report",
    "runtime-analysis-report",
    "component-analysis-report",
    "maturity-report",
    "certification-report",
    "codified-infrastructure",
    "quality-metrics",
    "poam",
    "other",
];
const EXTERNAL_REFERENCE_TYPES_1_6: &[&str] = &[
    "source-distribution",
    "electronic-signature",
    "digital-signature",
    "rfc-9116",
];
const LIFECYCLE_PHASES: &[&str] = &[
    "design",
    "pre-build",
    "build",
    "post-build",
    "operations",
    "discovery",
    "decommission",
];
const PATCH_TYPES: &[&str] = &["unofficial", "monkey", "backport", "cherry-pick"];
const ISSUE_TYPES: &[&str] = &["defect", "enhancement", "security"];
const DATA_FLOWS: &[&str] = &["inbound", "outbound", "bi-directional", "unknown"];
const ENCODINGS: &[&str] = &["base64"];
const ACKNOWLEDGEMENTS: &[&str] = &["declared", "concluded"];
const AGGREGATES: &[&str] = &[
    "complete",
    "incomplete",
    "incomplete_first_party_only",
    "incomplete_first_party_proprietary_only",
    "incomplete_first_party_opensource_only",
    "incomplete_third_party_only",
    "incomplete_third_party_proprietary_only",
    "incomplete_third_party_opensource_only",
    "unknown",
    "not_specified",
];
const SEVERITIES: &[&str] = &[
    "critical", "high", "medium", "low", "info", "none", "unknown",
];
const SCORE_METHODS: &[&str] = &[
    "CVSSv2", "CVSSv3", "CVSSv31", "CVSSv4", "OWASP", "SSVC", "other",
];
const ANALYSIS_STATES: &[&str] = &[
    "resolved",
    "resolved_with_pedigree",
    "exploitable",
    "in_triage",
    "false_positive",
    "not_affected",
];
const ANALYSIS_JUSTIFICATIONS: &[&str] = &[
    "code_not_present",
    "code_not_reachable",
    "requires_configuration",
    "requires_dependency",
    "requires_environment",
    "protected_by_compiler",
    "protected_at_runtime",
    "protected_at_perimeter",
    "protected_by_mitigating_control",
];
const ANALYSIS_RESPONSES: &[&str] = &[
    "can_not_fix",
    "will_not_fix",
    "update",
    "rollback",
    "workaround_available",
];
const AFFECTED_STATUSES: &[&str] = &["affected", "unaffected", "unknown"];
const DATA_TYPES: &[&str] = &[
    "source-code",
    "configuration",
    "dataset",
    "definition",
    "other",
];
const LEARNING_TYPES: &[&str] = &[
    "supervised",
    "unsupervised",
    "reinforcement-learning",
    "semi-supervised",
    "self-supervised",
];

// ---------------------------------------------------------------------------------------------
// Shapes used in many places

const STRINGS: Shape = Shape::Array(&Shape::String);
const REF: Shape = Shape::NonEmptyString;
const DATE_TIME: Shape = Shape::Text(date_time);
const LICENSES: Shape = Shape::Custom(licence_choice);
const HASHES: Shape = Shape::Array(&Shape::Object(&HASH));
const PROPERTIES: Shape = Shape::Array(&Shape::Versioned {
    v1_5: &Shape::Object(&PROPERTY_1_5),
    v1_6: &Shape::Object(&PROPERTY_1_6),
});
const EXTERNAL_REFERENCES: Shape = Shape::Array(&Shape::Object(&EXTERNAL_REFERENCE));
// Components and services nest: lists of them go through statics (`Shape::Array(&…_ITEM)`), as a
// constant that refers back to itself cannot be evaluated.
static COMPONENT_ITEM: Shape = Shape::Object(&COMPONENT);
static SERVICE_ITEM: Shape = Shape::Object(&SERVICE);
const ENTITY: Shape = Shape::Object(&ORGANIZATIONAL_ENTITY);
const CONTACT: Shape = Shape::Object(&ORGANIZATIONAL_CONTACT);
const ATTACHMENT_SHAPE: Shape = Shape::Object(&ATTACHMENT);

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

// ---------------------------------------------------------------------------------------------
// Objects

static BOM: Object = closed(
    "a CycloneDX BOM",
    &[
        field("$schema", Shape::String),
        field("bomFormat", Shape::Enum(&["CycloneDX"])),
        field("specVersion", Shape::String),
        field("serialNumber", Shape::Text(serial_number)),
        field("version", Shape::Integer { minimum: Some(1) }),
        field("metadata", Shape::Object(&METADATA)),
        field("components", Shape::Array(&COMPONENT_ITEM)),
        field("services", Shape::Array(&SERVICE_ITEM)),
        field("externalReferences", EXTERNAL_REFERENCES),
        field("dependencies", Shape::Array(&Shape::Object(&DEPENDENCY))),
        field("compositions", Shape::Array(&Shape::Object(&COMPOSITION))),
        field("properties", PROPERTIES),
        field(
            "vulnerabilities",
            Shape::Array(&Shape::Object(&VULNERABILITY)),
        ),
        field("annotations", Shape::Array(&Shape::Object(&ANNOTATION))),
        field("formulation", Shape::Array(&Shape::Object(&FORMULA))),
        field("signature", Shape::Any),
        field_1_6("declarations", Shape::AnyObject),
        field_1_6("definitions", Shape::AnyObject),
    ],
    &["bomFormat", "specVersion"],
);

static METADATA: Object = closed(
    "metadata",
    &[
        field("timestamp", DATE_TIME),
        field("lifecycles", Shape::Array(&Shape::Custom(lifecycle))),
        field("tools", Shape::Custom(tools)),
        field_1_6("manufacturer", ENTITY),
        field("authors", Shape::Array(&CONTACT)),
        field("component", Shape::Object(&COMPONENT)),
        field("manufacture", ENTITY),
        field("supplier", ENTITY),
        field("licenses", LICENSES),
        field("properties", PROPERTIES),
    ],
    &[],
);

static LIFECYCLE_PHASE: Object = closed(
    "a lifecycle",
    &[field("phase", Shape::Enum(LIFECYCLE_PHASES))],
    &["phase"],
);

static LIFECYCLE_NAMED: Object = closed(
    "a custom lifecycle",
    &[
        field("name", Shape::String),
        field("description", Shape::String),
    ],
    &["name"],
);

static TOOLS: Object = closed(
    "tools",
    &[
        field("components", Shape::Array(&COMPONENT_ITEM)),
        field("services", Shape::Array(&SERVICE_ITEM)),
    ],
    &[],
);

static TOOL: Object = closed(
    "a tool",
    &[
        field("vendor", Shape::String),
        field("name", Shape::String),
        field("version", Shape::String),
        field("hashes", HASHES),
        field("externalReferences", EXTERNAL_REFERENCES),
    ],
    &[],
);

static ORGANIZATIONAL_ENTITY: Object = closed(
    "an organizational entity",
    &[
        field("bom-ref", REF),
        field("name", Shape::String),
        field_1_6("address", Shape::Object(&POSTAL_ADDRESS)),
        field("url", STRINGS),
        field("contact", Shape::Array(&CONTACT)),
    ],
    &[],
);

static ORGANIZATIONAL_CONTACT: Object = closed(
    "an organizational contact",
    &[
        field("bom-ref", REF),
        field("name", Shape::String),
        field("email", Shape::String),
        field("phone", Shape::String),
    ],
    &[],
);

static POSTAL_ADDRESS: Object = closed(
    "a postal address",
    &[
        field("bom-ref", REF),
        field("country", Shape::String),
        field("region", Shape::String),
        field("locality", Shape::String),
        field("postOfficeBoxNumber", Shape::String),
        field("postalCode", Shape::String),
        field("streetAddress", Shape::String),
    ],
    &[],
);

static COMPONENT: Object = closed(
    "a component",
    &[
        field("type", Shape::Enum16(COMPONENT_TYPES, COMPONENT_TYPES_1_6)),
        field("mime-type", Shape::Text(mime_type)),
        field("bom-ref", REF),
        field("supplier", ENTITY),
        field_1_6("manufacturer", ENTITY),
        field_1_6("authors", Shape::Array(&CONTACT)),
        field("author", Shape::String),
        field("publisher", Shape::String),
        field("group", Shape::String),
        field("name", Shape::String),
        field("version", Shape::String),
        field("description", Shape::String),
        field("scope", Shape::Enum(SCOPES)),
        field("hashes", HASHES),
        field("licenses", LICENSES),
        field("copyright", Shape::String),
        field("cpe", Shape::String),
        field("purl", Shape::Text(purl)),
        field_1_6("omniborId", STRINGS),
        field_1_6("swhid", STRINGS),
        field("swid", Shape::Object(&SWID)),
        field("modified", Shape::Boolean),
        field("pedigree", Shape::Object(&PEDIGREE)),
        field("externalReferences", EXTERNAL_REFERENCES),
        field("components", Shape::Array(&COMPONENT_ITEM)),
        field("evidence", Shape::Object(&EVIDENCE)),
        field("releaseNotes", Shape::Object(&RELEASE_NOTES)),
        field("modelCard", Shape::Object(&MODEL_CARD)),
        field("data", Shape::Array(&Shape::Object(&COMPONENT_DATA))),
        field_1_6("cryptoProperties", Shape::AnyObject),
        field("properties", PROPERTIES),
        field_1_6("tags", STRINGS),
        field("signature", Shape::Any),
    ],
    &["type", "name"],
);

static SWID: Object = closed(
    "a SWID tag",
    &[
        field("tagId", Shape::String),
        field("name", Shape::String),
        field("version", Shape::String),
        field("tagVersion", Shape::Integer { minimum: None }),
        field("patch", Shape::Boolean),
        field("text", ATTACHMENT_SHAPE),
        field("url", Shape::String),
    ],
    &["tagId", "name"],
);

static ATTACHMENT: Object = closed(
    "an attachment",
    &[
        field("contentType", Shape::String),
        field("encoding", Shape::Enum(ENCODINGS)),
        field("content", Shape::String),
    ],
    &["content"],
);

static HASH: Object = Object {
    rule: Some(hash_content),
    ..closed(
        "a hash",
        &[
            field("alg", Shape::Enum(CYCLONEDX_HASH_ALGORITHMS)),
            field("content", Shape::String),
        ],
        &["alg", "content"],
    )
};

static LICENSE_ENTRY: Object = closed(
    "a licence entry",
    &[field("license", Shape::Object(&LICENSE))],
    &["license"],
);

static EXPRESSION_ENTRY: Object = closed(
    "a licence expression entry",
    &[
        field("expression", Shape::Text(expression)),
        field_1_6("acknowledgement", Shape::Enum(ACKNOWLEDGEMENTS)),
        field("bom-ref", REF),
    ],
    &["expression"],
);

static LICENSE: Object = Object {
    rule: Some(id_or_name),
    ..closed(
        "a licence",
        &[
            field("bom-ref", REF),
            field("id", Shape::Text(license_id)),
            field("name", Shape::String),
            field_1_6("acknowledgement", Shape::Enum(ACKNOWLEDGEMENTS)),
            field("text", ATTACHMENT_SHAPE),
            field("url", Shape::String),
            field("licensing", Shape::AnyObject),
            field("properties", PROPERTIES),
        ],
        &[],
    )
};

static PEDIGREE: Object = closed(
    "a pedigree",
    &[
        field("ancestors", Shape::Array(&COMPONENT_ITEM)),
        field("descendants", Shape::Array(&COMPONENT_ITEM)),
        field("variants", Shape::Array(&COMPONENT_ITEM)),
        field("commits", Shape::Array(&Shape::Object(&COMMIT))),
        field("patches", Shape::Array(&Shape::Object(&PATCH))),
        field("notes", Shape::String),
    ],
    &[],
);

static COMMIT: Object = closed(
    "a commit",
    &[
        field("uid", Shape::String),
        field("url", Shape::String),
        field("author", Shape::Object(&IDENTIFIABLE_ACTION)),
        field("committer", Shape::Object(&IDENTIFIABLE_ACTION)),
        field("message", Shape::String),
    ],
    &[],
);

static IDENTIFIABLE_ACTION: Object = closed(
    "an identifiable action",
    &[
        field("timestamp", DATE_TIME),
        field("name", Shape::String),
        field("email", Shape::String),
    ],
    &[],
);

static PATCH: Object = closed(
    "a patch",
    &[
        field("type", Shape::Enum(PATCH_TYPES)),
        field("diff", Shape::Object(&DIFF)),
        field("resolves", Shape::Array(&Shape::Object(&ISSUE))),
    ],
    &["type"],
);

static DIFF: Object = closed(
    "a diff",
    &[field("text", ATTACHMENT_SHAPE), field("url", Shape::String)],
    &[],
);

static ISSUE: Object = closed(
    "an issue",
    &[
        field("type", Shape::Enum(ISSUE_TYPES)),
        field("id", Shape::String),
        field("name", Shape::String),
        field("description", Shape::String),
        field("source", Shape::Object(&ISSUE_SOURCE)),
        field("references", STRINGS),
    ],
    &["type"],
);

static ISSUE_SOURCE: Object = closed(
    "an issue source",
    &[field("name", Shape::String), field("url", Shape::String)],
    &[],
);

static EXTERNAL_REFERENCE: Object = closed(
    "an external reference",
    &[
        field("url", Shape::String),
        field("comment", Shape::String),
        field(
            "type",
            Shape::Enum16(EXTERNAL_REFERENCE_TYPES, EXTERNAL_REFERENCE_TYPES_1_6),
        ),
        field("hashes", HASHES),
    ],
    &["url", "type"],
);

static DEPENDENCY: Object = closed(
    "a dependency",
    &[
        field("ref", REF),
        field("dependsOn", Shape::UniqueStrings),
        field_1_6("provides", Shape::UniqueStrings),
    ],
    &["ref"],
);

static SERVICE: Object = closed(
    "a service",
    &[
        field("bom-ref", REF),
        field("provider", ENTITY),
        field("group", Shape::String),
        field("name", Shape::String),
        field("version", Shape::String),
        field("description", Shape::String),
        field("endpoints", STRINGS),
        field("authenticated", Shape::Boolean),
        field("x-trust-boundary", Shape::Boolean),
        field("trustZone", Shape::String),
        field("data", Shape::Array(&Shape::Object(&SERVICE_DATA))),
        field("licenses", LICENSES),
        field("externalReferences", EXTERNAL_REFERENCES),
        field("services", Shape::Array(&SERVICE_ITEM)),
        field("releaseNotes", Shape::Object(&RELEASE_NOTES)),
        field("properties", PROPERTIES),
        field_1_6("tags", STRINGS),
        field("signature", Shape::Any),
    ],
    &["name"],
);

static SERVICE_DATA: Object = closed(
    "a service data flow",
    &[
        field("flow", Shape::Enum(DATA_FLOWS)),
        field("classification", Shape::String),
        field("name", Shape::String),
        field("description", Shape::String),
        field("governance", Shape::AnyObject),
        field("source", STRINGS),
        field("destination", STRINGS),
    ],
    &["flow", "classification"],
);

/// CycloneDX 1.5 leaves properties open; 1.6 closed them and requires a name.
static PROPERTY_1_5: Object = Object {
    closed: false,
    ..closed(
        "a property",
        &[field("name", Shape::String), field("value", Shape::String)],
        &[],
    )
};

static PROPERTY_1_6: Object = closed(
    "a property",
    &[field("name", Shape::String), field("value", Shape::String)],
    &["name"],
);

static COMPOSITION: Object = closed(
    "a composition",
    &[
        field("bom-ref", REF),
        field("aggregate", Shape::Enum(AGGREGATES)),
        field("assemblies", Shape::UniqueStrings),
        field("dependencies", Shape::UniqueStrings),
        field("vulnerabilities", Shape::UniqueStrings),
        field("signature", Shape::Any),
    ],
    &["aggregate"],
);

static EVIDENCE: Object = closed(
    "component evidence",
    &[
        field("identity", Shape::Any),
        field("occurrences", Shape::Array(&Shape::AnyObject)),
        field("callstack", Shape::AnyObject),
        field("licenses", LICENSES),
        field("copyright", Shape::Array(&Shape::Object(&COPYRIGHT))),
    ],
    &[],
);

static COPYRIGHT: Object = closed("a copyright", &[field("text", Shape::String)], &["text"]);

static RELEASE_NOTES: Object = closed(
    "release notes",
    &[
        field("type", Shape::String),
        field("title", Shape::String),
        field("featuredImage", Shape::String),
        field("socialImage", Shape::String),
        field("description", Shape::String),
        field("timestamp", DATE_TIME),
        field("aliases", STRINGS),
        field("tags", STRINGS),
        field("resolves", Shape::Array(&Shape::Object(&ISSUE))),
        field("notes", Shape::Array(&Shape::Object(&NOTE))),
        field("properties", PROPERTIES),
    ],
    &["type"],
);

static NOTE: Object = closed(
    "a release note",
    &[
        field("locale", Shape::Text(locale)),
        field("text", ATTACHMENT_SHAPE),
    ],
    &["text"],
);

static MODEL_CARD: Object = closed(
    "a model card",
    &[
        field("bom-ref", REF),
        field("modelParameters", Shape::Object(&MODEL_PARAMETERS)),
        field("quantitativeAnalysis", Shape::AnyObject),
        field("considerations", Shape::AnyObject),
        field("properties", PROPERTIES),
    ],
    &[],
);

static MODEL_PARAMETERS: Object = closed(
    "model parameters",
    &[
        field("approach", Shape::Object(&APPROACH)),
        field("task", Shape::String),
        field("architectureFamily", Shape::String),
        field("modelArchitecture", Shape::String),
        field("datasets", Shape::Array(&Shape::AnyObject)),
        field("inputs", Shape::Array(&Shape::Object(&ML_FORMAT))),
        field("outputs", Shape::Array(&Shape::Object(&ML_FORMAT))),
    ],
    &[],
);

static APPROACH: Object = closed(
    "a learning approach",
    &[field("type", Shape::Enum(LEARNING_TYPES))],
    &[],
);

static ML_FORMAT: Object = closed(
    "a model input or output",
    &[field("format", Shape::String)],
    &[],
);

static COMPONENT_DATA: Object = closed(
    "component data",
    &[
        field("bom-ref", REF),
        field("type", Shape::Enum(DATA_TYPES)),
        field("name", Shape::String),
        field("contents", Shape::AnyObject),
        field("classification", Shape::String),
        field("sensitiveData", STRINGS),
        field("graphics", Shape::AnyObject),
        field("description", Shape::String),
        field("governance", Shape::AnyObject),
    ],
    &["type"],
);

static FORMULA: Object = closed(
    "a formula",
    &[
        field("bom-ref", REF),
        field("components", Shape::Array(&COMPONENT_ITEM)),
        field("services", Shape::Array(&SERVICE_ITEM)),
        field("workflows", Shape::Array(&Shape::AnyObject)),
        field("properties", PROPERTIES),
    ],
    &[],
);

static VULNERABILITY: Object = closed(
    "a vulnerability",
    &[
        field("bom-ref", REF),
        field("id", Shape::String),
        field("source", Shape::Object(&VULNERABILITY_SOURCE)),
        field(
            "references",
            Shape::Array(&Shape::Object(&VULNERABILITY_REFERENCE)),
        ),
        field("ratings", Shape::Array(&Shape::Object(&RATING))),
        field("cwes", Shape::Array(&Shape::Integer { minimum: None })),
        field("description", Shape::String),
        field("detail", Shape::String),
        field("recommendation", Shape::String),
        field("workaround", Shape::String),
        field("proofOfConcept", Shape::AnyObject),
        field("advisories", Shape::Array(&Shape::Object(&ADVISORY))),
        field("created", DATE_TIME),
        field("published", DATE_TIME),
        field("updated", DATE_TIME),
        field("rejected", DATE_TIME),
        field("credits", Shape::Object(&CREDITS)),
        field("tools", Shape::Custom(tools)),
        field("analysis", Shape::Object(&ANALYSIS)),
        field("affects", Shape::Array(&Shape::Object(&AFFECTS))),
        field("properties", PROPERTIES),
    ],
    &[],
);

static VULNERABILITY_SOURCE: Object = closed(
    "a vulnerability source",
    &[field("url", Shape::String), field("name", Shape::String)],
    &[],
);

static VULNERABILITY_REFERENCE: Object = closed(
    "a vulnerability reference",
    &[
        field("id", Shape::String),
        field("source", Shape::Object(&VULNERABILITY_SOURCE)),
    ],
    &["id", "source"],
);

static RATING: Object = closed(
    "a rating",
    &[
        field("source", Shape::Object(&VULNERABILITY_SOURCE)),
        field("score", Shape::Number),
        field("severity", Shape::Enum(SEVERITIES)),
        field("method", Shape::Enum(SCORE_METHODS)),
        field("vector", Shape::String),
        field("justification", Shape::String),
    ],
    &[],
);

static ADVISORY: Object = closed(
    "an advisory",
    &[field("title", Shape::String), field("url", Shape::String)],
    &["url"],
);

static CREDITS: Object = closed(
    "credits",
    &[
        field("organizations", Shape::Array(&ENTITY)),
        field("individuals", Shape::Array(&CONTACT)),
    ],
    &[],
);

static ANALYSIS: Object = closed(
    "an impact analysis",
    &[
        field("state", Shape::Enum(ANALYSIS_STATES)),
        field("justification", Shape::Enum(ANALYSIS_JUSTIFICATIONS)),
        field("response", Shape::Array(&Shape::Enum(ANALYSIS_RESPONSES))),
        field("detail", Shape::String),
        field("firstIssued", DATE_TIME),
        field("lastUpdated", DATE_TIME),
    ],
    &[],
);

static AFFECTS: Object = closed(
    "an affected component",
    &[
        field("ref", REF),
        field("versions", Shape::Array(&Shape::Object(&AFFECTED_VERSION))),
    ],
    &["ref"],
);

static AFFECTED_VERSION: Object = Object {
    rule: Some(version_or_range),
    ..closed(
        "an affected version",
        &[
            field("version", Shape::String),
            field("range", REF),
            field("status", Shape::Enum(AFFECTED_STATUSES)),
        ],
        &[],
    )
};

static ANNOTATION: Object = closed(
    "an annotation",
    &[
        field("bom-ref", REF),
        field("subjects", Shape::UniqueStrings),
        field("annotator", Shape::Object(&ANNOTATOR)),
        field("timestamp", DATE_TIME),
        field("text", Shape::String),
        field("signature", Shape::Any),
    ],
    &["subjects", "annotator", "timestamp", "text"],
);

static ANNOTATOR: Object = Object {
    rule: Some(one_annotator),
    ..closed(
        "an annotator",
        &[
            field("organization", ENTITY),
            field("individual", CONTACT),
            field("component", Shape::Object(&COMPONENT)),
            field("service", Shape::Object(&SERVICE)),
        ],
        &[],
    )
};

// ---------------------------------------------------------------------------------------------
// Checks the tables point at

fn serial_number(w: &mut Walker, text: &str) {
    if !is_serial_number(text) {
        w.invalid(format!(
            "`{}` is not a serial number (`urn:uuid:` and a lowercase UUID)",
            shorten(text)
        ));
    }
}

fn date_time(w: &mut Walker, text: &str) {
    if !is_date_time(text) {
        w.invalid(format!(
            "`{}` is not an RFC 3339 date-time (`2024-01-31T12:00:00Z`)",
            shorten(text)
        ));
    }
}

/// `^[-+a-z0-9.]+/[-+a-z0-9.]+$`
fn mime_type(w: &mut Walker, text: &str) {
    let part = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-+.".contains(&b))
    };
    let valid = text
        .split_once('/')
        .is_some_and(|(kind, subtype)| part(kind) && part(subtype));
    if !valid {
        w.invalid(format!("`{}` is not a MIME type", shorten(text)));
    }
}

/// `^([a-z]{2})(-[A-Z]{2})?$`
fn locale(w: &mut Walker, text: &str) {
    let b = text.as_bytes();
    let language = b.len() >= 2 && b[..2].iter().all(u8::is_ascii_lowercase);
    let valid = match b.len() {
        2 => language,
        5 => language && b[2] == b'-' && b[3..].iter().all(u8::is_ascii_uppercase),
        _ => false,
    };
    if !valid {
        w.invalid(format!(
            "`{}` is not a locale (`en` or `en-US`)",
            shorten(text)
        ));
    }
}

fn purl(w: &mut Walker, text: &str) {
    if let Some(message) = purl_problem(text) {
        w.report(Origin::Semantic, ProblemLevel::Error, message);
    }
}

fn license_id(w: &mut Walker, id: &str) {
    if let Some(message) = spdx_id_problem(id) {
        w.invalid(message);
    }
}

fn expression(w: &mut Walker, text: &str) {
    match parse_expression(text) {
        Ok(parsed) => {
            for id in parsed.deprecated {
                w.report(
                    Origin::Semantic,
                    ProblemLevel::Warning,
                    format!("`{id}` is a deprecated SPDX licence id"),
                );
            }
        }
        Err(message) => w.report(Origin::Semantic, ProblemLevel::Error, message),
    }
}

fn hash_content(w: &mut Walker, hash: &Map<String, Value>) {
    let (Some(algorithm), Some(content)) = (
        hash.get("alg").and_then(Value::as_str),
        hash.get("content").and_then(Value::as_str),
    ) else {
        return;
    };
    if let Some((origin, message)) = cyclonedx_hash_problem(algorithm, content) {
        w.at_key("content", |w| {
            w.report(origin, ProblemLevel::Error, message);
        });
    }
}

/// A licence names itself by SPDX id or by name, not both.
fn id_or_name(w: &mut Walker, license: &Map<String, Value>) {
    match (license.contains_key("id"), license.contains_key("name")) {
        (true, true) => w.invalid("a licence has `id` or `name`, not both".into()),
        (false, false) => w.invalid("a licence needs `id` or `name`".into()),
        _ => {}
    }
}

fn version_or_range(w: &mut Walker, version: &Map<String, Value>) {
    if version.contains_key("version") == version.contains_key("range") {
        w.invalid("an affected version has exactly one of `version` and `range`".into());
    }
}

fn one_annotator(w: &mut Walker, annotator: &Map<String, Value>) {
    let count = ["organization", "individual", "component", "service"]
        .iter()
        .filter(|k| annotator.contains_key(**k))
        .count();
    if count != 1 {
        w.invalid(
            "an annotator is exactly one of `organization`, `individual`, `component`, `service`"
                .into(),
        );
    }
}

/// A licence choice: `license` entries, or a single `expression` entry. CycloneDX 1.6 lets each
/// be `declared` or `concluded`, but still not mixed in one list, and not two expressions.
fn licence_choice(w: &mut Walker, value: &Value) {
    let Some(entries) = value.as_array() else {
        w.expected("an array of licences", value);
        return;
    };
    let expressions = entries
        .iter()
        .filter(|e| e.get("expression").is_some())
        .count();
    if expressions > 0 && entries.len() > 1 {
        w.invalid(format!(
            "a licence list is either `license` entries or one `expression`; this one has {} \
             expression(s) among {} entries",
            expressions,
            entries.len()
        ));
    }
    for (index, entry) in entries.iter().enumerate() {
        let shape = if entry.get("expression").is_some() {
            &EXPRESSION_ENTRY
        } else {
            &LICENSE_ENTRY
        };
        w.at_index(index, |w| w.value(&Shape::Object(shape), entry));
    }
}

const LEGACY_TOOLS: Shape = Shape::Array(&Shape::Object(&TOOL));

/// `metadata.tools`: components and services (1.5 on), or the legacy list of tools.
fn tools(w: &mut Walker, value: &Value) {
    match value {
        Value::Object(_) => w.value(&Shape::Object(&TOOLS), value),
        Value::Array(_) => w.value(&LEGACY_TOOLS, value),
        _ => w.expected("tools (an object or an array)", value),
    }
}

fn lifecycle(w: &mut Walker, value: &Value) {
    let shape = if value.get("phase").is_some() {
        &LIFECYCLE_PHASE
    } else {
        &LIFECYCLE_NAMED
    };
    w.value(&Shape::Object(shape), value);
}

// ---------------------------------------------------------------------------------------------
// References

/// Every `bom-ref` is declared once in the whole document; dependency refs resolve (errors, as
/// in `cyclonedx-cli`); other references (compositions, vulnerability `affects`, annotation
/// subjects) resolve too unless they are BOM-Links to another document (warnings: those parts
/// may legitimately point at elements described elsewhere).
fn references(document: &Value) -> Vec<Problem> {
    let mut ids = Identifiers::default();
    let mut pointer = String::new();
    declare_bom_refs(document, &mut pointer, &mut ids);

    let mut listed: HashMap<&str, String> = HashMap::new();
    for (i, dependency) in items(document, "dependencies") {
        let at = format!("/dependencies/{i}");
        if let Some(from) = dependency.get("ref").and_then(Value::as_str) {
            let ref_at = format!("{at}/ref");
            if !from.is_empty() {
                ids.resolve(from, &ref_at, "bom-ref", ProblemLevel::Error);
            }
            if let Some(first) = listed.get(from) {
                ids.error(
                    &ref_at,
                    format!(
                        "`{}` already has its dependencies listed at {first}",
                        shorten(from)
                    ),
                );
            } else {
                listed.insert(from, at.clone());
            }
        }
        for key in ["dependsOn", "provides"] {
            for (j, to) in items(dependency, key) {
                if let Some(to) = to.as_str().filter(|t| !t.is_empty()) {
                    ids.resolve(
                        to,
                        &format!("{at}/{key}/{j}"),
                        "bom-ref",
                        ProblemLevel::Error,
                    );
                }
            }
        }
    }

    let optional = |ids: &mut Identifiers, value: &Value, at: &str| {
        if let Some(id) = value.as_str().filter(|t| !t.is_empty())
            && !id.starts_with("urn:cdx:")
        {
            ids.resolve(id, at, "bom-ref", ProblemLevel::Warning);
        }
    };
    for (i, composition) in items(document, "compositions") {
        for key in ["assemblies", "dependencies", "vulnerabilities"] {
            for (j, id) in items(composition, key) {
                optional(&mut ids, id, &format!("/compositions/{i}/{key}/{j}"));
            }
        }
    }
    for (i, vulnerability) in items(document, "vulnerabilities") {
        for (j, affected) in items(vulnerability, "affects") {
            if let Some(id) = affected.get("ref") {
                optional(
                    &mut ids,
                    id,
                    &format!("/vulnerabilities/{i}/affects/{j}/ref"),
                );
            }
        }
    }
    for (i, annotation) in items(document, "annotations") {
        for (j, subject) in items(annotation, "subjects") {
            optional(&mut ids, subject, &format!("/annotations/{i}/subjects/{j}"));
        }
    }
    ids.problems
}

/// The items of array `key` of `value` with their positions (none when it is not an array).
fn items<'v>(value: &'v Value, key: &str) -> impl Iterator<Item = (usize, &'v Value)> {
    value
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

/// Every `bom-ref` anywhere in the document (components nested at any depth, services,
/// vulnerabilities, licences, organisations, ...): the specification makes them unique across
/// the whole BOM. A duplicate involving `formulation` is only a warning: the specification's
/// own 1.5 formulation example gives a task's workspace and its workflow's workspace the same
/// bom-ref, and formulation is outside the component graph that dependencies describe.
fn declare_bom_refs(value: &Value, pointer: &mut String, ids: &mut Identifiers) {
    let mark = pointer.len();
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                push_token(pointer, key);
                if key == "bom-ref" {
                    if let Some(id) = child.as_str().filter(|id| !id.is_empty()) {
                        let in_formulation = pointer.starts_with("/formulation/");
                        ids.declare_with(id, pointer, "bom-ref", |first| {
                            if in_formulation || first.starts_with("/formulation/") {
                                ProblemLevel::Warning
                            } else {
                                ProblemLevel::Error
                            }
                        });
                    }
                } else {
                    declare_bom_refs(child, pointer, ids);
                }
                pointer.truncate(mark);
            }
        }
        Value::Array(items) => {
            for (index, child) in items.iter().enumerate() {
                push_token(pointer, &index.to_string());
                declare_bom_refs(child, pointer, ids);
                pointer.truncate(mark);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn problems(document: &Value, version: SpecVersion) -> Vec<String> {
        check(document, version)
            .into_iter()
            .map(|p| format!("{} {}", p.pointer, p.message))
            .collect()
    }

    fn bom(version: &str, components: &Value) -> Value {
        json!({
            "bomFormat": "CycloneDX",
            "specVersion": version,
            "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
            "version": 1,
            "components": components,
        })
    }

    #[test]
    fn fields_new_in_1_6_are_refused_in_1_5() {
        let document = bom(
            "1.5",
            &json!([{"type": "cryptographic-asset", "name": "aes", "tags": ["x"]}]),
        );
        assert_eq!(
            problems(&document, SpecVersion::V1_5),
            [
                "/components/0/tags `tags` is not allowed in a component before CycloneDX 1.6",
                "/components/0/type `cryptographic-asset` is only allowed from CycloneDX 1.6",
            ]
        );
        assert!(problems(&document, SpecVersion::V1_6).is_empty());
    }

    #[test]
    fn licence_choices() {
        let document = bom(
            "1.6",
            &json!([{"type": "library", "name": "a", "licenses": [
                {"license": {"id": "MIT", "name": "MIT License"}},
                {"expression": "MIT OR GPL-2.0"},
            ]}]),
        );
        assert_eq!(
            problems(&document, SpecVersion::V1_6),
            [
                "/components/0/licenses a licence list is either `license` entries or one \
                 `expression`; this one has 1 expression(s) among 2 entries",
                "/components/0/licenses/0/license a licence has `id` or `name`, not both",
                "/components/0/licenses/1/expression `GPL-2.0` is a deprecated SPDX licence id",
            ]
        );
    }

    #[test]
    fn references_resolve_and_bom_refs_are_unique_at_any_depth() {
        let mut document = bom(
            "1.6",
            &json!([{"type": "library", "name": "a", "bom-ref": "a", "components": [
                {"type": "file", "name": "f", "bom-ref": "a"},
            ]}]),
        );
        document["dependencies"] = json!([
            {"ref": "a", "dependsOn": ["b"]},
            {"ref": "a"},
        ]);
        document["compositions"] = json!([
            {"aggregate": "complete", "assemblies": ["c", "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#x"]},
        ]);
        let found: Vec<(String, ProblemLevel)> = check(&document, SpecVersion::V1_6)
            .into_iter()
            .map(|p| (format!("{} {}", p.pointer, p.message), p.level))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "/components/0/components/0/bom-ref bom-ref `a` is already declared at \
                     /components/0/bom-ref"
                        .to_owned(),
                    ProblemLevel::Error
                ),
                (
                    "/dependencies/0/dependsOn/0 bom-ref `b` is not declared in this document"
                        .to_owned(),
                    ProblemLevel::Error
                ),
                (
                    "/dependencies/1/ref `a` already has its dependencies listed at \
                     /dependencies/0"
                        .to_owned(),
                    ProblemLevel::Error
                ),
                (
                    "/compositions/0/assemblies/0 bom-ref `c` is not declared in this document"
                        .to_owned(),
                    ProblemLevel::Warning
                ),
            ]
        );
    }

    #[test]
    fn semantic_checks_on_values() {
        let document = bom(
            "1.5",
            &json!([{"type": "library", "name": "a", "purl": "pypi/numpy", "hashes": [
                {"alg": "SHA-256", "content": "3942447fac867ae5cdb3229b658f4d48"},
            ]}]),
        );
        let found = check(&document, SpecVersion::V1_5);
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found.iter().all(|p| p.origin == Origin::Semantic));
        assert_eq!(found[0].pointer, "/components/0/hashes/0/content");
        assert_eq!(found[1].pointer, "/components/0/purl");
    }
}
