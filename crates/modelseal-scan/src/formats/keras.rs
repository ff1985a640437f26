//! Keras model configs: `config.json` of a `.keras` archive and the `model_config` attribute of
//! a legacy `.h5` file. Loading a model deserializes this JSON into objects, and three things in
//! it run code from the file or outside Keras:
//!
//! - a `Lambda` layer carries marshalled Python bytecode (`__lambda__`, or Keras 2's
//!   `function_type: "lambda"`), which runs when loaded with `safe_mode=False` and, in older
//!   Keras and tf.keras, always;
//! - an object whose `module` is not Keras: Keras before 3.9 imported any module and called the
//!   named attribute (CVE-2025-1550); the hardened loaders refuse it, so in a real model it
//!   is a sign of tampering;
//! - Keras functions that are not modelling operations (`enable_unsafe_deserialization`,
//!   `get_file`, `load_model`, ...): the list Keras itself refuses since 3.11
//!   (CVE-2025-8747, CVE-2025-9906), checked here for the loaders that do not.
//!
//! - a layer that loads another model format: `TorchModuleWrapper` keeps `torch.save` bytes
//!   (base64) in its config and `torch.load`s them (`safe_mode=False`); any config string that
//!   decodes from base64 to a pickle or an archive is scanned as the nested file it is;
//!   `TFSMLayer` loads a TensorFlow `SavedModel` from a path outside the file (`safe_mode=False`).
//!
//! The rules apply to any JSON document, whatever its name: a Keras object is recognised by
//! its `class_name` key.

use std::io::{Read, Seek};

use serde_json::Value;

use super::hdf5::{self, Hdf5Error};
use crate::sniff::Format;
use crate::{Context, RuleId, Severity, Verdict};

/// Packages Keras (3.9 and later) imports modelling objects from.
const KERAS_PACKAGES: &[&str] = &["keras", "keras_hub", "keras_cv", "keras_nlp", "tf_keras"];

/// Keras's `NON_MODELING_APIS` (`keras/src/saving/serialization_lib.py`, Keras 3.15): functions
/// that touch files, the network or the deserializer itself.
const NON_MODELLING_APIS: &[&str] = &[
    "clear_session",
    "enable_unsafe_deserialization",
    "load_model",
    "model_from_json",
    "save_model",
    "image_dataset_from_directory",
    "load_img",
    "save_img",
    "text_dataset_from_directory",
    "deserialize_keras_object",
    "load_weights",
    "register_keras_serializable",
    "save_weights",
    "serialize_keras_object",
    "audio_dataset_from_directory",
    "get_file",
];

/// Deepest nesting followed (`serde_json` itself stops at 128).
const MAX_DEPTH: usize = 128;

/// Shortest string worth decoding as an embedded file (a pickle of one global is longer).
const MIN_EMBEDDED_BASE64: usize = 24;

/// Scans a config string that is base64 of a file a loader reads (`TorchModuleWrapper`'s
/// `torch.save` bytes, a pickle): the nested scan reports what loading it runs, and a finding
/// says where it is and that the layer deserializes it.
fn scan_embedded(text: &str, origin: &str, path: &str, layer: Option<&str>, ctx: &mut Context<'_>) {
    use base64::Engine as _;
    let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(text.trim()) else {
        return;
    };
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let format = crate::sniff::sniff(head, bytes.len() as u64);
    if !matches!(
        format,
        Format::Pickle | Format::Zip | Format::Numpy | Format::Tar | Format::Hdf5
    ) {
        return;
    }
    let where_ = format!("{origin}{path}");
    let layer = layer.map_or_else(|| "a layer".to_owned(), |l| format!("layer {l:?}"));
    ctx.report(
        RuleId::KerasEmbeddedModel,
        Severity::Medium,
        None,
        format!(
            "{where_}: {layer} embeds a {} file (base64) that is deserialized when the model is loaded with safe_mode=False (TorchModuleWrapper calls torch.load on it); it is scanned as a nested file",
            format.name()
        ),
        Some(where_.clone()),
    );
    let mut inner = ctx.enter(&format!("{where_} (base64)"));
    super::scan_bytes(&bytes, &mut inner);
    ctx.absorb(inner);
}

/// Checks every Keras object in a JSON document. `origin` names where the JSON came from.
pub fn check_document(document: &Value, origin: &str, ctx: &mut Context<'_>) {
    walk(document, origin, "", None, 0, ctx);
}

/// `layer` is the name of the innermost enclosing object that has one (findings name it).
fn walk(
    value: &Value,
    origin: &str,
    path: &str,
    layer: Option<&str>,
    depth: usize,
    ctx: &mut Context<'_>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Object(object) => {
            let layer = object
                .get("config")
                .and_then(|c| c.get("name"))
                .and_then(Value::as_str)
                .or(layer);
            check_object(object, origin, path, layer, ctx);
            for (key, child) in object {
                walk(
                    child,
                    origin,
                    &format!("{path}/{key}"),
                    layer,
                    depth + 1,
                    ctx,
                );
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, origin, &format!("{path}/{i}"), layer, depth + 1, ctx);
            }
        }
        // A model config stored as a JSON string inside JSON (tf.keras did this).
        Value::String(text) if text.trim_start().starts_with('{') && text.len() > 16 => {
            if let Ok(inner) = serde_json::from_str::<Value>(text) {
                walk(&inner, origin, path, layer, depth + 1, ctx);
            }
        }
        Value::String(text) if text.len() >= MIN_EMBEDDED_BASE64 => {
            scan_embedded(text, origin, path, layer, ctx);
        }
        _ => {}
    }
}

fn check_object(
    object: &serde_json::Map<String, Value>,
    origin: &str,
    path: &str,
    layer: Option<&str>,
    ctx: &mut Context<'_>,
) {
    let Some(class_name) = object.get("class_name").and_then(Value::as_str) else {
        return;
    };
    let config = object.get("config");
    let where_ = format!("{origin}{path}");
    let lambda_bytecode = class_name == "__lambda__"
        || (class_name == "Lambda"
            && config
                .and_then(|c| c.get("function_type"))
                .and_then(Value::as_str)
                == Some("lambda"));
    // Keras 2 marks the Lambda layer itself; Keras 3 the function object inside it.
    let keras3_lambda_layer = class_name == "Lambda"
        && config
            .and_then(|c| c.get("function"))
            .and_then(|f| f.get("class_name"))
            .and_then(Value::as_str)
            == Some("__lambda__");
    if lambda_bytecode && !keras3_lambda_layer {
        let layer = layer.map_or_else(|| "a Lambda layer".to_owned(), |l| format!("layer {l:?}"));
        ctx.report(
            RuleId::KerasLambdaBytecode,
            Severity::Critical,
            None,
            format!(
                "{where_}: {layer} carries marshalled Python bytecode that runs when the model is loaded (safe_mode=False, or Keras/tf.keras without safe mode)"
            ),
            Some(where_.clone()),
        );
    }
    if class_name == "TFSMLayer" {
        let filepath = config
            .and_then(|c| c.get("filepath"))
            .and_then(Value::as_str)
            .unwrap_or("?");
        ctx.report(
            RuleId::KerasExternalModel,
            Severity::High,
            None,
            format!(
                "{where_}: a TFSMLayer loads the TensorFlow SavedModel at {filepath:?} when the model is loaded (safe_mode=False): a graph from outside this file, which this scan has not seen, runs"
            ),
            Some(filepath.to_owned()),
        );
    }
    let Some(module) = object.get("module").and_then(Value::as_str) else {
        return;
    };
    // For a function reference the function's name is the config; for a class it is the
    // class name.
    let name = match (class_name, config) {
        ("function", Some(Value::String(f))) => f.as_str(),
        _ => class_name,
    };
    let package = module.split('.').next().unwrap_or(module);
    if KERAS_PACKAGES.contains(&package) {
        let last = name.rsplit('.').next().unwrap_or(name);
        if NON_MODELLING_APIS.contains(&last) {
            ctx.report(
                RuleId::KerasUnsafeFunction,
                Severity::Critical,
                None,
                format!(
                    "{where_}: the config calls {module}.{name}, which is not a modelling operation (file, network or deserializer access; it can switch off safe mode)"
                ),
                Some(format!("{module}.{name}")),
            );
        }
        return;
    }
    let verdict = ctx.policy.classify(module, name);
    match verdict {
        Verdict::Dangerous(category) => ctx.report(
            RuleId::KerasForeignModule,
            Severity::Critical,
            None,
            format!(
                "{where_}: the config imports {module}.{name} ({category}); Keras before 3.9 imports and calls it while loading"
            ),
            Some(format!("{module}.{name}")),
        ),
        // `builtins` function references resolve only to Keras's own activations and losses
        // by name (`"module": "builtins", "config": "relu"`).
        _ if module == "builtins" => {}
        _ => ctx.report(
            RuleId::KerasForeignModule,
            Severity::High,
            None,
            format!(
                "{where_}: the config imports {module}.{name} from outside Keras; Keras before 3.9 imports and calls it while loading"
            ),
            Some(format!("{module}.{name}")),
        ),
    }
}

/// Checks the Keras configs a legacy `.h5` file keeps in its root attributes.
pub fn scan_h5<R: Read + Seek>(mut reader: R, len: u64, ctx: &mut Context<'_>) {
    let attributes = match hdf5::root_string_attributes(&mut reader, len) {
        Ok(a) => a,
        Err(Hdf5Error::NotHdf5) => return,
        Err(e) => {
            // High, not medium: h5py may read what this reader cannot (dense attribute
            // storage, say), and a config that was not checked must not pass the gate.
            ctx.report(
                RuleId::Hdf5Unreadable,
                Severity::High,
                None,
                format!("the root attributes could not be read ({e}); a Keras model_config there was not checked"),
                None,
            );
            return;
        }
    };
    for attribute in attributes {
        if !matches!(attribute.name.as_str(), "model_config" | "training_config") {
            continue;
        }
        for value in &attribute.values {
            let origin = format!("HDF5 attribute {}", attribute.name);
            match serde_json::from_slice::<Value>(value) {
                Ok(document) => check_document(&document, &origin, ctx),
                Err(e) => ctx.report(
                    RuleId::Hdf5Unreadable,
                    Severity::Medium,
                    None,
                    format!("{origin} is not JSON ({e}); it was not checked"),
                    None,
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(json: &str) -> Vec<(RuleId, Severity)> {
        let policy = crate::Policy::builtin();
        let limits = crate::Limits::default();
        let mut ctx = Context::new(std::path::Path::new("t"), &policy, &limits);
        check_document(
            &serde_json::from_str(json).unwrap(),
            "config.json",
            &mut ctx,
        );
        ctx.findings
            .iter()
            .map(|f| (f.rule_id, f.severity))
            .collect()
    }

    #[test]
    fn ordinary_layers_pass() {
        let config = r#"{"module": "keras", "class_name": "Sequential", "config": {"layers": [
            {"module": "keras.layers", "class_name": "Dense", "config": {"activation": "relu"}},
            {"module": "builtins", "class_name": "function", "config": "relu"}]}}"#;
        assert!(rules(config).is_empty());
    }

    #[test]
    fn lambda_bytecode_in_both_keras_generations() {
        let k3 = r#"{"class_name": "Lambda", "config": {"name": "l", "function":
            {"class_name": "__lambda__", "config": {"code": "4wEAAA=="}}}}"#;
        assert_eq!(
            rules(k3),
            vec![(RuleId::KerasLambdaBytecode, Severity::Critical)]
        );
        let k2 = r#"{"class_name": "Lambda", "config": {"name": "l", "function": ["4wEA", null, null],
            "function_type": "lambda"}}"#;
        assert_eq!(
            rules(k2),
            vec![(RuleId::KerasLambdaBytecode, Severity::Critical)]
        );
    }

    #[test]
    fn foreign_modules_and_unsafe_keras_functions() {
        let os = r#"{"module": "os", "class_name": "function", "config": "system"}"#;
        assert_eq!(
            rules(os),
            vec![(RuleId::KerasForeignModule, Severity::Critical)]
        );
        let exec = r#"{"module": "builtins", "class_name": "function", "config": "exec"}"#;
        assert_eq!(
            rules(exec),
            vec![(RuleId::KerasForeignModule, Severity::Critical)]
        );
        let other = r#"{"module": "mypkg.layers", "class_name": "Custom", "config": {}}"#;
        assert_eq!(
            rules(other),
            vec![(RuleId::KerasForeignModule, Severity::High)]
        );
        let toggle = r#"{"layers": [{"module": "keras.config", "class_name": "function",
            "config": "enable_unsafe_deserialization"}]}"#;
        assert_eq!(
            rules(toggle),
            vec![(RuleId::KerasUnsafeFunction, Severity::Critical)]
        );
        let get_file = r#"{"module": "keras.utils", "class_name": "get_file", "config": {}}"#;
        assert_eq!(
            rules(get_file),
            vec![(RuleId::KerasUnsafeFunction, Severity::Critical)]
        );
    }

    #[test]
    fn keras_torch_module_wrapper_with_malicious_torch_save_bytes() {
        use base64::Engine as _;
        // A protocol-2 pickle calling os.system, as torch.save would write an object whose
        // __reduce__ returns it.
        let pickle =
            b"\x80\x02cposix\nsystem\nq\x00X\x0c\x00\x00\x00touch CANARYq\x01\x85q\x02Rq\x03.";
        let b64 = base64::engine::general_purpose::STANDARD.encode(pickle);
        let config = format!(
            r#"{{"module": "keras.layers", "class_name": "TorchModuleWrapper", "config": {{"name": "w", "module": "{b64}"}}}}"#
        );
        let found = rules(&config);
        assert!(
            found.contains(&(RuleId::KerasEmbeddedModel, Severity::Medium)),
            "{found:?}"
        );
        assert!(
            found.contains(&(RuleId::PickleDangerousGlobal, Severity::Critical)),
            "{found:?}"
        );
    }

    #[test]
    fn keras_tfsm_layer_loads_an_outside_saved_model() {
        let config = r#"{"module": "keras.layers", "class_name": "TFSMLayer", "config": {"name": "t", "filepath": "/tmp/evil"}}"#;
        assert_eq!(
            rules(config),
            vec![(RuleId::KerasExternalModel, Severity::High)]
        );
    }

    #[test]
    fn a_config_inside_a_json_string_is_checked() {
        let nested = r#"{"model_config": "{\"module\": \"subprocess\", \"class_name\": \"Popen\", \"config\": {}}"}"#;
        assert_eq!(
            rules(nested),
            vec![(RuleId::KerasForeignModule, Severity::Critical)]
        );
    }
}
