//! Chat templates (Jinja) in GGUF metadata and `tokenizer_config.json`: a template that
//! reaches Python internals (`__class__`, `__globals__`, ...) executes code in loaders that
//! render it without a sandbox (CVE-2024-34359).

use serde_json::Value;

use crate::{Context, RuleId, Severity};

/// Attribute names and globals that only a sandbox escape needs.
const INTERNALS: &[&str] = &[
    "__class__",
    "__mro__",
    "__base__",
    "__bases__",
    "__subclasses__",
    "__globals__",
    "__builtins__",
    "__import__",
    "__init__",
    "__getattribute__",
    "__dict__",
    "__code__",
    "__reduce__",
    "__self__",
    "__func__",
    "func_globals",
    "mro()",
];

/// Jinja objects whose attributes lead to Python globals in common template engines.
const GADGETS: &[&str] = &[
    "lipsum",
    "cycler",
    "joiner",
    "namespace",
    "url_for",
    "get_flashed_messages",
    "self._TemplateReference",
    "request.application",
];

/// Checks one template; `origin` names where it came from (a GGUF key, a JSON field).
pub fn check(template: &str, origin: &str, offset: Option<u64>, ctx: &mut Context<'_>) {
    let normalized = normalize(template);
    if let Some(hit) = INTERNALS.iter().find(|n| normalized.contains(*n)) {
        ctx.report(
            RuleId::ChatTemplatePythonInternals,
            Severity::Critical,
            offset,
            format!("the chat template in {origin} reaches Python internals ({hit}): rendering it outside a sandbox runs code"),
            Some((*hit).to_owned()),
        );
    } else if let Some(hit) = GADGETS.iter().find(|g| contains_word(&normalized, g)) {
        ctx.report(
            RuleId::ChatTemplateGadget,
            Severity::High,
            offset,
            format!(
                "the chat template in {origin} uses {hit}, a known step to Python globals in Jinja"
            ),
            Some((*hit).to_owned()),
        );
    }
}

/// Undoes the spellings used to hide dunders: `\x5f` / `\u005f` escapes, string concatenation
/// (`'__cla' ~ 'ss__'`, `'__cla' + 'ss__'`), `|attr('…')` and `['…']` are all reduced so that
/// the names appear literally.
fn normalize(template: &str) -> String {
    let mut s = template
        .replace("\\x5f", "_")
        .replace("\\x5F", "_")
        .replace("\\u005f", "_")
        .replace("\\u005F", "_");
    for joiner in [
        "'~'", "\"~\"", "' ~ '", "\" ~ \"", "'+'", "\"+\"", "' + '", "\" + \"", "'~ '", "' ~'",
        "'+ '", "' +'",
    ] {
        s = s.replace(joiner, "");
    }
    s
}

fn contains_word(haystack: &str, word: &str) -> bool {
    haystack.match_indices(word).any(|(i, _)| {
        let before = haystack[..i].chars().next_back();
        let after = haystack[i + word.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// JSON files: `chat_template` fields (a string, or a list of `{name, template}`).
pub fn check_document(value: &Value, ctx: &mut Context<'_>) {
    let Some(template) = value.get("chat_template") else {
        return;
    };
    match template {
        Value::String(t) => check(t, "chat_template", None, ctx),
        Value::Array(items) => {
            for item in items {
                if let (Some(name), Some(t)) = (
                    item.get("name").and_then(Value::as_str),
                    item.get("template").and_then(Value::as_str),
                ) {
                    check(t, &format!("chat_template[{name}]"), None, ctx);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(template: &str) -> Option<RuleId> {
        let policy = crate::Policy::builtin();
        let limits = crate::Limits::default();
        let mut ctx = Context::new(std::path::Path::new("t"), &policy, &limits);
        check(template, "test", None, &mut ctx);
        ctx.findings.first().map(|f| f.rule_id)
    }

    #[test]
    fn benign_templates_pass() {
        let llama = "{% for message in messages %}{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
        assert_eq!(rule(llama), None);
        assert_eq!(rule("{% set ns = namespaces %}"), None);
    }

    #[test]
    fn escapes_are_found_however_spelled() {
        assert_eq!(
            rule("{{ ''.__class__.__mro__[1].__subclasses__() }}"),
            Some(RuleId::ChatTemplatePythonInternals)
        );
        assert_eq!(
            rule("{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}"),
            Some(RuleId::ChatTemplatePythonInternals)
        );
        assert_eq!(
            rule("{{ x|attr('__cla' ~ 'ss__') }}"),
            Some(RuleId::ChatTemplatePythonInternals)
        );
        assert_eq!(rule("{{ cycler.next }}"), Some(RuleId::ChatTemplateGadget));
    }
}
