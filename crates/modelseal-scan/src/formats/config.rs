//! Configs that make a loader import and call code by name:
//!
//! - Hydra/OmegaConf `_target_` (`NeMo`'s `model_config.yaml` in a `.nemo` tar, any YAML
//!   config): `hydra.utils.instantiate` imports the dotted name and calls it with the node's
//!   other keys (`_args_` positionally; `_partial_` returns it for a later call). A target
//!   outside [`TARGET_PACKAGES`] and the policy's allowlist is critical (`os.system` with
//!   `_args_: ["..."]` is a shell command); inside them, a low note.
//! - transformers `auto_map` (`config.json`, `tokenizer_config.json`, ...): with
//!   `trust_remote_code=True`, `from_pretrained` imports `module.Class` from a Python file in
//!   the model folder (or another repository, `repo--module.Class`) and runs it: high for each
//!   file named, critical when the file beside the config calls what only a payload needs.
//!
//! Files are chosen by name (YAML has no signature): `*.yaml`, `*.yml`, and for templates
//! `*.jinja` ([`super::template::check_file`]).

use std::path::Path;

use serde_json::Value as Json;
use serde_yaml_ng::Value as Yaml;

use crate::{Context, RuleId, Severity, Verdict};

/// Packages whose callables a Hydra config may instantiate without a finding above low: the
/// modelling classes of PyTorch and `NeMo`. Anything else needs the policy's allowlist
/// (`[allow] globals = ["mypkg.models.*"]` in a `--policy` file).
pub const TARGET_PACKAGES: &[&str] = &[
    "torch.nn",
    "torch.optim",
    "torch.utils.data",
    "torchvision.transforms",
    "torchvision.models",
    "nemo.collections",
    "nemo.core.optim",
    "lightning.pytorch.callbacks",
    "pytorch_lightning.callbacks",
];

/// Calls in a remote-code Python file that only a payload needs.
const PAYLOAD_CALLS: &[&str] = &[
    "os.system",
    "os.popen",
    "os.exec",
    "os.spawn",
    "subprocess",
    "pty.spawn",
    "socket.",
    "ctypes",
    "exec(",
    "eval(",
    "__import__",
    "marshal.loads",
    "pickle.loads",
    "base64.b64decode",
    "urllib.request",
    "requests.get",
    "requests.post",
];

/// Deepest nesting followed in a config.
const MAX_DEPTH: usize = 128;

/// Largest remote-code file read beside a config.
const MAX_REMOTE_CODE_BYTES: u64 = 16 << 20;

/// Whether a file or member of this name is read for its text (YAML configs, templates).
pub fn wants(name: &str) -> bool {
    has_extension(name, &["yaml", "yml", "jinja", "jinja2", "j2"])
}

/// Whether `name` ends with `.` and one of `extensions`, in any case.
fn has_extension(name: &str, extensions: &[&str]) -> bool {
    Path::new(name)
        .extension()
        .is_some_and(|ext| extensions.iter().any(|e| ext.eq_ignore_ascii_case(e)))
}

/// Scans a file the content sniffing did not recognise, by its name: YAML configs and Jinja
/// templates.
pub fn scan_by_name(data: &[u8], ctx: &mut Context<'_>) {
    let name = ctx
        .member
        .clone()
        .unwrap_or_else(|| ctx.file.to_string_lossy().into_owned());
    let lower = name.to_ascii_lowercase();
    if has_extension(&lower, &["yaml", "yml"]) {
        check_yaml(data, ctx);
    } else if wants(&lower) {
        super::template::check_file(data, ctx);
    }
}

/// Checks every document of a YAML file for Hydra targets.
pub fn check_yaml(data: &[u8], ctx: &mut Context<'_>) {
    use serde::Deserialize as _;
    for document in serde_yaml_ng::Deserializer::from_slice(data) {
        match Yaml::deserialize(document) {
            Ok(value) => walk_yaml(&value, "", 0, ctx),
            Err(e) => {
                // OmegaConf may still read it (another YAML parser), or it is a bomb of
                // aliases: either way the targets in it were not seen.
                ctx.report(
                    RuleId::ConfigUnreadable,
                    Severity::High,
                    None,
                    format!("the YAML config cannot be parsed ({e}); Hydra targets in it were not checked"),
                    None,
                );
                return;
            }
        }
    }
}

fn walk_yaml(value: &Yaml, path: &str, depth: usize, ctx: &mut Context<'_>) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Yaml::Mapping(map) => {
            if let Some(Yaml::String(target)) = map.get("_target_") {
                let partial = matches!(map.get("_partial_"), Some(Yaml::Bool(true)));
                report_target(target, path, partial, ctx);
            }
            for (key, child) in map {
                let key = match key {
                    Yaml::String(k) => k.clone(),
                    other => format!("{other:?}"),
                };
                walk_yaml(child, &format!("{path}/{key}"), depth + 1, ctx);
            }
        }
        Yaml::Sequence(items) => {
            for (i, child) in items.iter().enumerate() {
                walk_yaml(child, &format!("{path}/{i}"), depth + 1, ctx);
            }
        }
        Yaml::Tagged(tagged) => walk_yaml(&tagged.value, path, depth + 1, ctx),
        _ => {}
    }
}

/// Judges one `_target_`.
fn report_target(target: &str, path: &str, partial: bool, ctx: &mut Context<'_>) {
    let target = target.trim();
    let (module, name) = target.rsplit_once('.').unwrap_or(("builtins", target));
    let verdict = ctx.policy.classify(module, name);
    let packaged = TARGET_PACKAGES
        .iter()
        .any(|p| crate::policy::in_module(module, p));
    let how = if partial {
        "imports it and returns it for a later call (_partial_)"
    } else {
        "imports and calls it"
    };
    let at = if path.is_empty() { "/" } else { path };
    let (severity, why) = match verdict {
        Verdict::Dangerous(category) => (Severity::Critical, category.to_owned()),
        _ if packaged || verdict == Verdict::Safe => (
            Severity::Low,
            "a modelling class on the allowlist".to_owned(),
        ),
        _ => (
            Severity::Critical,
            "outside the allowlist of modelling packages: any code runs".to_owned(),
        ),
    };
    ctx.report(
        RuleId::ConfigInstantiateTarget,
        severity,
        None,
        format!("the config at {at} names _target_ {target}; hydra.utils.instantiate {how}: {why}"),
        Some(target.to_owned()),
    );
}

/// Checks a JSON config for transformers `auto_map` entries.
pub fn check_json(document: &Json, ctx: &mut Context<'_>) {
    let Some(Json::Object(map)) = document.get("auto_map") else {
        return;
    };
    let mut references: Vec<(String, String)> = Vec::new();
    for (auto_class, value) in map {
        match value {
            Json::String(r) => references.push((auto_class.clone(), r.clone())),
            // Tokenizers: [slow, fast], either may be null.
            Json::Array(items) => references.extend(
                items
                    .iter()
                    .filter_map(Json::as_str)
                    .map(|r| (auto_class.clone(), r.to_owned())),
            ),
            _ => {}
        }
    }
    for (auto_class, reference) in references {
        report_remote_code(&auto_class, &reference, ctx);
    }
}

fn report_remote_code(auto_class: &str, reference: &str, ctx: &mut Context<'_>) {
    let (repository, local) = match reference.split_once("--") {
        Some((repo, rest)) => (Some(repo), rest),
        None => (None, reference),
    };
    let Some((module, class)) = local.rsplit_once('.') else {
        return;
    };
    let file = format!("{}.py", module.replace('.', "/"));
    if let Some(repository) = repository {
        ctx.report(
            RuleId::RemoteCode,
            Severity::High,
            None,
            format!("auto_map.{auto_class} loads {class} from {file} of the repository {repository}: with trust_remote_code=True that repository's code runs"),
            Some(reference.to_owned()),
        );
        return;
    }
    // Only a file on disk has a folder to look in (inside an archive there is none).
    let beside = ctx
        .member
        .is_none()
        .then(|| ctx.file.parent().unwrap_or(Path::new("")).join(&file));
    let payload = beside.as_deref().and_then(payload_call);
    let (severity, what) = match &payload {
        Some(call) => (
            Severity::Critical,
            format!("the file is here and calls {call}"),
        ),
        None if beside.as_deref().is_some_and(Path::is_file) => (
            Severity::High,
            "the file is here; it runs at import".to_owned(),
        ),
        None => (
            Severity::High,
            "the file is not beside this config (a download may bring it)".to_owned(),
        ),
    };
    ctx.report(
        RuleId::RemoteCode,
        severity,
        None,
        format!("auto_map.{auto_class} loads {class} from {file} in the model folder: with trust_remote_code=True it runs; {what}"),
        Some(format!("{file}:{class}")),
    );
}

/// The first payload-only call in a Python file, if the file can be read.
fn payload_call(path: &Path) -> Option<&'static str> {
    let bytes = modelseal_fs::read_limited(path, MAX_REMOTE_CODE_BYTES).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    PAYLOAD_CALLS
        .iter()
        .copied()
        .find(|call| text.contains(call))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Vec<(RuleId, Severity)> {
        let policy = crate::Policy::builtin();
        let limits = crate::Limits::default();
        let mut ctx = Context::new(Path::new("model_config.yaml"), &policy, &limits);
        check_yaml(text.as_bytes(), &mut ctx);
        ctx.findings
            .iter()
            .map(|f| (f.rule_id, f.severity))
            .collect()
    }

    #[test]
    fn hydra_target_os_system_is_critical() {
        let config = "model:\n  encoder:\n    _target_: os.system\n    _args_: ['touch CANARY']\n";
        assert_eq!(
            yaml(config),
            vec![(RuleId::ConfigInstantiateTarget, Severity::Critical)]
        );
        let unknown = "cb:\n  _target_: evil_pkg.hooks.Run\n  _partial_: true\n";
        assert_eq!(
            yaml(unknown),
            vec![(RuleId::ConfigInstantiateTarget, Severity::Critical)]
        );
    }

    #[test]
    fn hydra_modelling_targets_are_low() {
        let config = "optim:\n  _target_: torch.optim.AdamW\n  lr: 0.001\nlayers:\n  - _target_: torch.nn.Linear\n    in_features: 2\n    out_features: 2\n";
        assert_eq!(
            yaml(config),
            vec![
                (RuleId::ConfigInstantiateTarget, Severity::Low),
                (RuleId::ConfigInstantiateTarget, Severity::Low)
            ]
        );
    }

    #[test]
    fn yaml_alias_bomb_is_bounded() {
        use std::fmt::Write as _;
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for level in 1..12 {
            let prev = (b'a' + (level - 1)) as char;
            let this = (b'a' + level) as char;
            let refs = vec![format!("*{prev}"); 9].join(", ");
            writeln!(bomb, "{this}: &{this} [{refs}]").unwrap();
        }
        bomb.push_str("t:\n  _target_: os.system\n");
        let found = yaml(&bomb);
        assert!(!found.is_empty(), "{found:?}");
        assert!(found.iter().any(|(_, s)| *s >= Severity::High), "{found:?}");
    }

    #[test]
    fn transformers_auto_map_is_remote_code() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.json");
        std::fs::write(
            dir.path().join("modeling_evil.py"),
            "import os\nos.system('touch CANARY')\n",
        )
        .unwrap();
        let policy = crate::Policy::builtin();
        let limits = crate::Limits::default();
        let mut ctx = Context::new(&config, &policy, &limits);
        let doc: Json = serde_json::from_str(
            r#"{"auto_map": {"AutoModel": "modeling_evil.EvilModel", "AutoConfig": "configuration_x.XConfig",
                "AutoTokenizer": ["other/repo--tokenization_y.YTokenizer", null]}}"#,
        )
        .unwrap();
        check_json(&doc, &mut ctx);
        let mut found: Vec<(RuleId, Severity)> = ctx
            .findings
            .iter()
            .map(|f| (f.rule_id, f.severity))
            .collect();
        found.sort();
        assert_eq!(
            found,
            vec![
                (RuleId::RemoteCode, Severity::High),
                (RuleId::RemoteCode, Severity::High),
                (RuleId::RemoteCode, Severity::Critical)
            ]
        );
    }
}
