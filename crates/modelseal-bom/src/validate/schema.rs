//! The official JSON schemas, from a directory the user points at (`--schema-dir`): compiled
//! once, offline (the CycloneDX schemas' references to `spdx.schema.json` and
//! `jsf-0.82.schema.json` are served from the same directory under their
//! `http://cyclonedx.org/schema/…` ids), with formats asserted (`date-time`, ...) except
//! `iri-reference`, which the official CycloneDX test harness also treats as always valid.
//! A directory may use the specification's names (`bom-1.6.schema.json`) or the ones
//! `cyclonedx-python-lib` and the JavaScript library ship (`bom-1.6.SNAPSHOT.schema.json`,
//! whose references name `spdx.SNAPSHOT.schema.json`), so users can point at either.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::ValidateError;
use super::report::{Format, Origin, Problem, ProblemLevel};
use crate::cyclonedx::SpecVersion;

const BOM_1_5: &str = "bom-1.5.schema.json";
const BOM_1_6: &str = "bom-1.6.schema.json";
const SPDX_LICENSES: &str = "spdx.schema.json";
const JSF: &str = "jsf-0.82.schema.json";
const SPDX_2_3: &str = "spdx-2.3.schema.json";

/// The largest schema file read (the CycloneDX 1.6 schema is about 250 KiB).
const MAX_SCHEMA: u64 = 16 * 1024 * 1024;

/// Messages from the schema validator quote the offending value; a whole component would
/// drown the message.
const MESSAGE_LIMIT: usize = 300;

#[derive(Debug)]
pub(super) struct Schemas {
    dir: PathBuf,
    cyclonedx_1_5: Option<jsonschema::Validator>,
    cyclonedx_1_6: Option<jsonschema::Validator>,
    spdx_2_3: Option<jsonschema::Validator>,
}

impl Schemas {
    /// Compiles every schema `dir` holds; it must hold at least one.
    pub(super) fn load(dir: &Path) -> Result<Schemas, ValidateError> {
        modelseal_fs::read_dir_sorted(dir).map_err(ValidateError::SchemaIo)?;
        let bom_1_5 = read_if_present(&locate(dir, BOM_1_5))?;
        let bom_1_6 = read_if_present(&locate(dir, BOM_1_6))?;
        let spdx_2_3 = read_if_present(&locate(dir, SPDX_2_3))?;
        if bom_1_5.is_none() && bom_1_6.is_none() && spdx_2_3.is_none() {
            return Err(ValidateError::EmptySchemaDir {
                dir: dir.to_path_buf(),
            });
        }
        let mut schemas = Schemas {
            dir: dir.to_path_buf(),
            cyclonedx_1_5: None,
            cyclonedx_1_6: None,
            spdx_2_3: None,
        };
        if bom_1_5.is_some() || bom_1_6.is_some() {
            let licenses = read(&locate(dir, SPDX_LICENSES))?;
            let jsf = read(&locate(dir, JSF))?;
            let registry = jsonschema::Registry::new()
                .add(
                    "http://cyclonedx.org/schema/spdx.schema.json",
                    licenses.clone(),
                )
                .and_then(|r| {
                    r.add(
                        "http://cyclonedx.org/schema/jsf-0.82.schema.json",
                        jsf.clone(),
                    )
                })
                .and_then(|r| {
                    r.add(
                        "http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json",
                        licenses,
                    )
                })
                .and_then(|r| {
                    r.add(
                        "http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json",
                        jsf,
                    )
                })
                .and_then(jsonschema::RegistryBuilder::prepare)
                .map_err(|e| ValidateError::Schema {
                    path: dir.join(SPDX_LICENSES),
                    message: e.to_string(),
                })?;
            let compile = |schema: &Value, file: &str| {
                options()
                    .with_registry(&registry)
                    .build(schema)
                    .map_err(|e| ValidateError::Schema {
                        path: dir.join(file),
                        message: e.to_string(),
                    })
            };
            schemas.cyclonedx_1_5 = bom_1_5.map(|s| compile(&s, BOM_1_5)).transpose()?;
            schemas.cyclonedx_1_6 = bom_1_6.map(|s| compile(&s, BOM_1_6)).transpose()?;
        }
        schemas.spdx_2_3 = spdx_2_3
            .map(|schema| {
                options().build(&schema).map_err(|e| ValidateError::Schema {
                    path: dir.join(SPDX_2_3),
                    message: e.to_string(),
                })
            })
            .transpose()?;
        Ok(schemas)
    }

    /// Every error the official schema for `format` finds in `document`.
    pub(super) fn check(
        &self,
        format: Format,
        document: &Value,
    ) -> Result<Vec<Problem>, ValidateError> {
        let (validator, file) = match format {
            Format::CycloneDxJson {
                version: SpecVersion::V1_5,
            } => (&self.cyclonedx_1_5, BOM_1_5),
            Format::CycloneDxJson {
                version: SpecVersion::V1_6,
            } => (&self.cyclonedx_1_6, BOM_1_6),
            Format::Spdx23Json => (&self.spdx_2_3, SPDX_2_3),
            // There is no XSD validator to run; XML gets the built-in checks only.
            Format::CycloneDxXml { .. } => return Ok(Vec::new()),
        };
        let Some(validator) = validator else {
            return Err(ValidateError::SchemaMissing {
                dir: self.dir.clone(),
                file,
                format,
            });
        };
        Ok(validator
            .iter_errors(document)
            .map(|error| Problem {
                pointer: error.instance_path().as_str().to_owned(),
                message: limit(&error.to_string()),
                origin: Origin::Schema,
                level: ProblemLevel::Error,
            })
            .collect())
    }
}

fn options() -> jsonschema::ValidationOptions<'static> {
    jsonschema::options()
        .should_validate_formats(true)
        .with_format("iri-reference", |_: &str| true)
}

/// `dir/file`, or its `.SNAPSHOT` twin where only that exists.
fn locate(dir: &Path, file: &str) -> PathBuf {
    let official = dir.join(file);
    let snapshot = file
        .strip_suffix(".schema.json")
        .map(|stem| dir.join(format!("{stem}.SNAPSHOT.schema.json")));
    match snapshot {
        Some(snapshot) if !modelseal_fs::exists(&official) && modelseal_fs::exists(&snapshot) => {
            snapshot
        }
        _ => official,
    }
}

fn read(path: &Path) -> Result<Value, ValidateError> {
    let bytes = modelseal_fs::read_limited(path, MAX_SCHEMA).map_err(ValidateError::SchemaIo)?;
    serde_json::from_slice(&bytes).map_err(|e| ValidateError::Schema {
        path: path.to_path_buf(),
        message: format!("not JSON: {e}"),
    })
}

fn read_if_present(path: &Path) -> Result<Option<Value>, ValidateError> {
    if modelseal_fs::exists(path) {
        read(path).map(Some)
    } else {
        Ok(None)
    }
}

fn limit(message: &str) -> String {
    match message.char_indices().nth(MESSAGE_LIMIT) {
        Some((end, _)) => format!("{}…", &message[..end]),
        None => message.to_owned(),
    }
}
