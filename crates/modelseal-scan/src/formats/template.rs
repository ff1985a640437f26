//! Chat templates (Jinja) in GGUF metadata, `tokenizer_config.json` and `chat_template.jinja`
//! files: a template that reaches Python internals (`__class__`, `__globals__`, ...) executes
//! code in loaders that render it without a sandbox (CVE-2024-34359).
//!
//! The template is tokenised as Jinja's lexer does ([`super::jinja`]): text outside tags is
//! output, never code, so only the expressions inside `{{ }}` and `{% %}` are judged. Real
//! templates use `namespace()`, `cycler()`, `joiner()`, `loop`, `raise_exception` and
//! `strftime_now` as ordinary helpers; what only an escape needs is
//!
//! - a Python-internal name (`__class__`, `__globals__`, `_TemplateReference__context`, ...)
//!   written as an attribute, or *assembled* from string literals at render time: escapes
//!   (`'\x5f\x5f'`, `'\137'`), `~`/`+` concatenation, `|join`, `|reverse`, `|format`
//!   (`'%c'|format(95)`), subscripts with computed keys: every literal of the template is
//!   decoded and the name is looked for in what they can be assembled into;
//! - an attribute name computed at render time (`|attr(x)` with anything but a plain literal);
//! - an attribute walk on a Jinja global that leads to Python globals (`cycler.`, `joiner.`,
//!   `namespace.`, `lipsum.`, `self.`, `request.`, `config.`): calling them is normal, walking
//!   into them is not.

use serde_json::Value;

use super::jinja::{Token, tokenize};
use crate::{Context, RuleId, Severity};

/// Names only a sandbox escape needs (Python dunders and Jinja's private context).
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
    "__getitem__",
    "__dict__",
    "__code__",
    "__reduce__",
    "__reduce_ex__",
    "__self__",
    "__func__",
    "__loader__",
    "__spec__",
    "__module__",
    "func_globals",
    "f_globals",
    "gi_frame",
    "_TemplateReference__context",
];

/// Jinja globals whose attributes lead to Python globals (`cycler.__init__.__globals__.os`).
const GADGETS: &[&str] = &[
    "lipsum",
    "cycler",
    "joiner",
    "namespace",
    "url_for",
    "get_flashed_messages",
    "self",
    "request",
    "config",
    // Functions whose `|string` spells `_` (`<function raise_exception at ...>`).
    "raise_exception",
    "strftime_now",
    "range",
    "dict",
];

/// Checks one template; `origin` names where it came from (a GGUF key, a JSON field, a file).
pub fn check(template: &str, origin: &str, offset: Option<u64>, ctx: &mut Context<'_>) {
    let tokens = tokenize(template);
    if let Some(name) = internal_name(&tokens) {
        ctx.report(
            RuleId::ChatTemplatePythonInternals,
            Severity::Critical,
            offset,
            format!("the chat template in {origin} reaches Python internals ({name}): rendering it outside a sandbox runs code"),
            Some(name),
        );
    } else if let Some(what) = computed_attribute(&tokens) {
        ctx.report(
            RuleId::ChatTemplatePythonInternals,
            Severity::Critical,
            offset,
            format!("the chat template in {origin} reads an attribute whose name is computed at render time ({what}): the way to reach Python internals without writing their names"),
            Some(what),
        );
    } else if let Some(gadget) = gadget_walk(&tokens) {
        ctx.report(
            RuleId::ChatTemplateGadget,
            Severity::High,
            offset,
            format!(
                "the chat template in {origin} walks into {gadget}, a known step to Python globals in Jinja"
            ),
            Some(gadget.to_owned()),
        );
    }
}

/// A Python-internal name written as a name, or contained in what the template's string
/// literals can be assembled into.
fn internal_name(tokens: &[Token]) -> Option<String> {
    for token in tokens {
        if let Token::Name(name) = token
            && let Some(hit) = INTERNALS.iter().find(|n| name.contains(*n))
        {
            return Some((*hit).to_owned());
        }
    }
    assemblies(tokens)
        .iter()
        .find_map(|text| INTERNALS.iter().find(|n| text.contains(*n)))
        .map(|hit| (*hit).to_owned())
}

/// Strings a template can build from its literals: each literal, forwards and reversed;
/// all of them concatenated in order and in reverse order (`~`, `+`, `|join`, computed
/// subscripts, variables set in one tag and used in another); and every `'…'|format(…)`
/// evaluated (`%c` of numbers builds any name).
fn assemblies(tokens: &[Token]) -> Vec<String> {
    // String literals, and keyword-argument names (`dict(__cla=1)|first` spells `__cla`).
    let literals: Vec<&str> = tokens
        .iter()
        .enumerate()
        .filter_map(|(i, t)| match t {
            Token::Str(s) => Some(s.as_str()),
            Token::Name(n) if is_keyword_argument(tokens, i) => Some(n.as_str()),
            _ => None,
        })
        .collect();
    let mut out: Vec<String> = Vec::new();
    let forward: String = literals.concat();
    out.push(forward.chars().rev().collect());
    out.push(literals.iter().rev().copied().collect());
    out.push(
        literals
            .iter()
            .map(|s| s.chars().rev().collect::<String>())
            .collect(),
    );
    out.push(forward);
    out.extend(formatted(tokens));
    // Characters built from numbers outside `format` (`95|string`... `[95]|map('chr')` is not
    // Jinja, but a name of ordinals next to `_` literals may be): keep the literals with digits.
    out
}

/// A name between `(` or `,` and `=`: a keyword argument.
fn is_keyword_argument(tokens: &[Token], i: usize) -> bool {
    let before = i.checked_sub(1).and_then(|p| tokens.get(p));
    matches!(before, Some(Token::Op(op)) if op == "(" || op == ",")
        && matches!(tokens.get(i + 1), Some(Token::Op(op)) if op == "=")
}

/// Every `<string literal> | format ( args )` evaluated the way Python's `%` does for `%s`,
/// `%c`, `%d` and `%%`, with literal arguments.
fn formatted(tokens: &[Token]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let Token::Str(fmt) = token else { continue };
        let is_format = matches!(tokens.get(i + 1), Some(Token::Op(op)) if op == "|")
            && matches!(tokens.get(i + 2), Some(Token::Name(n)) if n == "format")
            && matches!(tokens.get(i + 3), Some(Token::Op(op)) if op == "(");
        if !is_format {
            continue;
        }
        let mut args = Vec::new();
        for arg in &tokens[(i + 4).min(tokens.len())..] {
            match arg {
                Token::Op(op) if op == ")" => break,
                Token::Op(op) if op == "," => {}
                other => args.push(other),
            }
        }
        out.push(percent_format(fmt, &args));
    }
    out
}

fn percent_format(fmt: &str, args: &[&Token]) -> String {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('c') => match args.next() {
                Some(Token::Int(n)) => {
                    out.extend(u32::try_from(*n).ok().and_then(char::from_u32));
                }
                Some(Token::Str(s)) => out.push_str(s),
                _ => {}
            },
            Some(_) => match args.next() {
                Some(Token::Str(s)) => out.push_str(s),
                Some(Token::Int(n)) => out.push_str(&n.to_string()),
                _ => {}
            },
            None => {}
        }
    }
    out
}

/// `|attr(…)` whose argument is anything but one plain string literal, or a subscript of a
/// string literal with a computed key (Jinja's subscript falls back to attributes, and a
/// literal's attributes are the way to `__class__`).
fn computed_attribute(tokens: &[Token]) -> Option<String> {
    for (i, token) in tokens.iter().enumerate() {
        if let Token::Str(_) = token
            && matches!(tokens.get(i + 1), Some(Token::Op(op)) if op == "[")
            && !matches!(tokens.get(i + 2), Some(Token::Int(_) | Token::Op(_)))
            && !matches!(
                (tokens.get(i + 2), tokens.get(i + 3)),
                (Some(Token::Str(_)), Some(Token::Op(close))) if close == "]"
            )
        {
            return Some("'…'[<expression>]".to_owned());
        }
        let is_attr = matches!(token, Token::Name(n) if n == "attr")
            && matches!(i.checked_sub(1).and_then(|p| tokens.get(p)), Some(Token::Op(op)) if op == "|");
        if !is_attr {
            continue;
        }
        let literal = matches!(tokens.get(i + 1), Some(Token::Op(op)) if op == "(")
            && matches!(tokens.get(i + 2), Some(Token::Str(_)))
            && matches!(tokens.get(i + 3), Some(Token::Op(op)) if op == ")");
        if !literal {
            return Some("|attr(<expression>)".to_owned());
        }
    }
    None
}

/// A gadget global followed by `.`, `[` or `|` (an attribute walk, a subscript, a filter such
/// as `|attr`), rather than called.
fn gadget_walk(tokens: &[Token]) -> Option<&'static str> {
    for (i, token) in tokens.iter().enumerate() {
        let Token::Name(name) = token else { continue };
        // `x.cycler` is an attribute of something else, not the global.
        let after_dot = matches!(i.checked_sub(1).and_then(|p| tokens.get(p)), Some(Token::Op(op)) if op == ".");
        if after_dot {
            continue;
        }
        let Some(gadget) = GADGETS.iter().find(|g| *g == name) else {
            continue;
        };
        if matches!(tokens.get(i + 1), Some(Token::Op(op)) if op == "." || op == "[" || op == "|") {
            return Some(gadget);
        }
    }
    None
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

/// A template file (`chat_template.jinja`, any `*.jinja`): checked when it is UTF-8 text
/// with at least one Jinja tag.
pub fn check_file(data: &[u8], ctx: &mut Context<'_>) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.contains("{{") || text.contains("{%") {
        check(text, "this template file", None, ctx);
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
    fn loop_state_helpers_of_real_templates_pass() {
        // Qwen3 / DeepSeek / GLM style: namespace() for loop state, cycler and joiner called,
        // raise_exception and strftime_now as transformers provides them.
        let qwen = "{%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}\
            {%- for message in messages[::-1] %}{%- set index = (messages|length - 1) - loop.index0 %}\
            {%- if ns.multi_step_tool and message.role == 'user' %}{%- set ns.multi_step_tool = false %}\
            {%- set ns.last_query_index = index %}{%- endif %}{%- endfor %}\
            {%- set row = cycler('odd', 'even') %}{%- set sep = joiner(', ') %}\
            {%- for m in messages %}{{ sep() }}{{ row.next() }}{{ m['content'] }}{%- endfor %}\
            {%- if messages[0]['role'] != 'system' %}{{ raise_exception('no system') }}{%- endif %}\
            {{- strftime_now('%d %b %Y') }}";
        assert_eq!(rule(qwen), None);
        // Dunders in output text are text, not code.
        assert_eq!(rule("def __init__(self): {{ 1 }}"), None);
    }

    #[test]
    fn chat_template_dunder_attribute_walk() {
        assert_eq!(
            rule("{{ ''.__class__.__mro__[1].__subclasses__() }}"),
            Some(RuleId::ChatTemplatePythonInternals)
        );
        assert_eq!(
            rule("{{ cycler.__init__.__globals__.os.popen('id').read() }}"),
            Some(RuleId::ChatTemplatePythonInternals)
        );
        assert_eq!(
            rule("{{ self._TemplateReference__context.cycler }}"),
            Some(RuleId::ChatTemplatePythonInternals)
        );
    }

    #[test]
    fn chat_template_names_assembled_at_render_time() {
        for template in [
            "{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
            "{{ ''|attr('\\u005f\\u005fclass\\u005f\\u005f') }}",
            "{{ ''|attr('\\137\\137class\\137\\137') }}",
            "{{ x|attr('__cla' ~ 'ss__') }}",
            "{% set a = '__gl' %}{% set b = 'obals__' %}{{ lipsum[a ~ b] }}",
            "{{ ['__cla', 'ss__']|join }}",
            "{{ '__ssalc__'|reverse }}",
            "{{ '%c%cclass%c%c'|format(95, 95, 95, 95) }}",
            "{{ '%s%sclass%s%s'|format('_', '_', '_', '_') }}",
        ] {
            assert_eq!(
                rule(template),
                Some(RuleId::ChatTemplatePythonInternals),
                "{template}"
            );
        }
        // An attribute name computed from anything but a literal.
        assert_eq!(
            rule("{{ x|attr(name) }}"),
            Some(RuleId::ChatTemplatePythonInternals)
        );
        for template in [
            "{{ ''|attr('\\N{LOW LINE}\\N{LOW LINE}class\\N{LOW LINE}\\N{LOW LINE}') }}",
            "{{ x|attr(dict(__cla=1)|first ~ dict(ss__=1)|first) }}",
            "{% set u = (raise_exception|string)[18] %}{{ ''[u ~ u ~ 'class' ~ u ~ u] }}",
        ] {
            assert_eq!(
                rule(template),
                Some(RuleId::ChatTemplatePythonInternals),
                "{template}"
            );
        }
        assert_eq!(
            rule("{{ (strftime_now|string)[0] }}"),
            Some(RuleId::ChatTemplateGadget)
        );
        // Subscripts of literals by literals are ordinary.
        assert_eq!(rule("{{ 'abc'[0] ~ 'abc'[1:] ~ {'a': 1}['a'] }}"), None);
    }

    #[test]
    fn chat_template_gadget_walks() {
        assert_eq!(rule("{{ cycler.next }}"), Some(RuleId::ChatTemplateGadget));
        assert_eq!(rule("{{ lipsum['x'] }}"), Some(RuleId::ChatTemplateGadget));
        assert_eq!(
            rule("{{ joiner|string }}"),
            Some(RuleId::ChatTemplateGadget)
        );
        assert_eq!(rule("{{ request.args }}"), Some(RuleId::ChatTemplateGadget));
    }
}
