//! TorchScript archives (`torch.jit.save`): besides pickles (`data.pkl`, `constants.pkl`,
//! `*.debug_pkl`, scanned as pickles by the zip scanner), they carry TorchScript source in
//! `<archive>/code/**/*.py`, which `torch.jit.load` compiles and which runs:
//!
//! - `__setstate__` of every scripted module and class as the archive is loaded (a
//!   `torch.from_file(path, True, n)` there creates or maps any file: the canary of the
//!   corpus sample), every other method when the model is called;
//! - operators resolved by name, `ops.<namespace>.<op>`: outside the namespaces PyTorch and its
//!   own libraries register (`aten`, `prim`, `quantized`, `torchvision`, ...), an operator is
//!   native code from a library loaded by the victim's process (`torch.ops.load_library`).
//!
//! The source is tokenised as Python (strings and comments skipped) and every call is read as
//! a dotted name: calls that touch files, processes or native libraries are reported, critical
//! in `__setstate__` (runs on load), high elsewhere (runs when the model is called).

use std::io::{Read, Seek};

use modelseal_formats::zip::{CentralDirectory, read_member};

use crate::{Context, RuleId, Severity};

/// Operator namespaces registered by PyTorch itself and its official libraries.
const KNOWN_NAMESPACES: &[&str] = &[
    "aten",
    "prim",
    "prims",
    "quantized",
    "_quantized",
    "quantized_decomposed",
    "prepacked",
    "profiler",
    "mkldnn",
    "mkldnn_prepacked",
    "fbgemm",
    "c10d",
    "_c10d_functional",
    "_c10d_functional_autograd",
    "torchvision",
    "torchaudio",
    "image",
];

/// Builtins that reach files, processes or native libraries, by their last name
/// (`torch.from_file`, `ops.aten.from_file`, `torch.ops.load_library`).
const DANGEROUS_CALLS: &[&str] = &[
    "from_file",
    "_nested_from_file",
    "load",
    "save",
    "_save",
    "load_library",
    "_load_for_mobile",
    "_save_for_mobile",
    "_load_for_lite_interpreter",
    "_jit_load",
    "open",
    "system",
    "popen",
    "exec",
    "eval",
    "__import__",
];

/// Largest source file read (real ones are kilobytes).
const MAX_SOURCE_BYTES: u64 = 64 << 20;

/// Checks the TorchScript sources (`*/code/**/*.py`) of the zip archive in `reader`.
pub fn check<R: Read + Seek>(reader: &mut R, directory: &CentralDirectory, ctx: &mut Context<'_>) {
    for member in &directory.members {
        let name = member.name_lossy();
        let is_source = std::path::Path::new(&name)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("py"))
            && name.split('/').rev().skip(1).any(|part| part == "code");
        if !is_source || member.is_dir() {
            continue;
        }
        let mut inner = ctx.enter(&name);
        match read_member(
            reader,
            member,
            ctx.limits.max_member_bytes.min(MAX_SOURCE_BYTES),
        ) {
            Ok(bytes) => check_source(&String::from_utf8_lossy(&bytes), &mut inner),
            Err(e) => inner.report(
                RuleId::ZipUnreadable,
                Severity::High,
                None,
                format!(
                    "TorchScript source {name:?} cannot be read ({e}); its code was not checked"
                ),
                Some(name.clone()),
            ),
        }
        ctx.absorb(inner);
    }
}

/// A call found in TorchScript source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The dotted name called (`torch.from_file`, `ops.my_ns.run`).
    pub name: String,
    /// The method it is in (`__setstate__`), if any.
    pub function: Option<String>,
    /// 1-based line.
    pub line: usize,
}

/// Reports the dangerous calls and foreign operators in one source file.
pub fn check_source(source: &str, ctx: &mut Context<'_>) {
    for call in calls(source) {
        let parts: Vec<&str> = call.name.split('.').collect();
        let last = parts.last().copied().unwrap_or_default();
        let on_load = call.function.as_deref() == Some("__setstate__");
        let when = if on_load {
            "in __setstate__, which torch.jit.load runs while loading"
        } else {
            "when the model runs"
        };
        let rooted = matches!(parts.first(), Some(&("torch" | "ops" | "os" | "builtins")));
        if (rooted || parts.len() == 1) && DANGEROUS_CALLS.contains(&last) {
            ctx.report(
                RuleId::TorchScriptDangerousCall,
                if on_load { Severity::Critical } else { Severity::High },
                None,
                format!(
                    "line {}: the TorchScript code calls {} {when}: it reaches files, processes or native libraries",
                    call.line, call.name
                ),
                Some(call.name.clone()),
            );
            continue;
        }
        let namespace = match parts.as_slice() {
            ["torch", "ops", ns, _, ..] | ["ops", ns, _, ..] => Some(*ns),
            _ => None,
        };
        if let Some(ns) = namespace
            && !KNOWN_NAMESPACES.contains(&ns)
        {
            ctx.report(
                RuleId::TorchScriptCustomOp,
                Severity::High,
                None,
                format!(
                    "line {}: the TorchScript code calls the operator {} {when}, from namespace {ns:?}, which PyTorch does not register: native code from a custom library",
                    call.line, call.name
                ),
                Some(call.name.clone()),
            );
        }
    }
}

/// Every call in `source`: a dotted name followed by `(`, with the `def` it is in.
pub fn calls(source: &str) -> Vec<Call> {
    let mut out = Vec::new();
    let mut function: Option<(usize, String)> = None;
    for (index, raw_line) in logical_lines(source).iter().enumerate() {
        let line = strip_strings_and_comments(raw_line);
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            continue;
        }
        if function.as_ref().is_some_and(|(depth, _)| indent <= *depth) {
            function = None;
        }
        if let Some(rest) = trimmed.strip_prefix("def ") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            function = Some((indent, name));
            // The signature's annotations are types, not calls.
            continue;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_alphabetic() || c == '_' {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '.')
                {
                    i += 1;
                }
                let preceded_by_dot = start > 0 && chars[start - 1] == '.';
                let name: String = chars[start..i].iter().collect();
                let mut j = i;
                while j < chars.len() && chars[j] == ' ' {
                    j += 1;
                }
                if !preceded_by_dot && chars.get(j) == Some(&'(') {
                    out.push(Call {
                        name: name.trim_matches('.').to_owned(),
                        function: function.as_ref().map(|(_, f)| f.clone()),
                        line: index + 1,
                    });
                }
            } else {
                i += 1;
            }
        }
    }
    out
}

/// Source lines (a statement continued over several lines stays several lines: calls are
/// found per line, and the nesting only needs each line's indentation).
fn logical_lines(source: &str) -> Vec<&str> {
    source.lines().collect()
}

/// The line with string literals blanked (their content is data: `"torch.load("` is not a
/// call) and a trailing `#` comment removed.
fn strip_strings_and_comments(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in line.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                    out.push(c);
                    continue;
                }
                out.push(' ');
            }
            None if c == '#' => break,
            None => {
                if c == '\'' || c == '"' {
                    quote = Some(c);
                }
                out.push(c);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(source: &str) -> Vec<(RuleId, Severity)> {
        let policy = crate::Policy::builtin();
        let limits = crate::Limits::default();
        let mut ctx = Context::new(std::path::Path::new("t"), &policy, &limits);
        check_source(source, &mut ctx);
        ctx.findings
            .iter()
            .map(|f| (f.rule_id, f.severity))
            .collect()
    }

    /// What torch.jit.save writes for a module whose `__setstate__` maps a file (the corpus
    /// sample's payload: `shared=True` creates ./CANARY).
    const SETSTATE_FROM_FILE: &str = "class M(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  w : Tensor
  def forward(self: __torch__.M,
    x: Tensor) -> Tensor:
    w = self.w
    return torch.add(x, w)
  def __setstate__(self: __torch__.M,
    state: Tuple[Tensor, bool]) -> NoneType:
    self.w = (state)[0]
    self.training = (state)[1]
    w = self.w
    _0 = torch.add(w, torch.from_file(\"CANARY\", True, 1))
    self.w = _0
    return None
";

    #[test]
    fn torchscript_setstate_from_file_is_critical() {
        assert_eq!(
            findings(SETSTATE_FROM_FILE),
            vec![(RuleId::TorchScriptDangerousCall, Severity::Critical)]
        );
    }

    #[test]
    fn torchscript_file_access_in_forward_is_high() {
        let source = "class M(Module):\n  def forward(self: __torch__.M) -> Tensor:\n    return ops.aten.from_file(\"/etc/passwd\", False, 4)\n";
        assert_eq!(
            findings(source),
            vec![(RuleId::TorchScriptDangerousCall, Severity::High)]
        );
    }

    #[test]
    fn torchscript_custom_operator_namespace() {
        let source = "class M(Module):\n  def forward(self: __torch__.M, x: Tensor) -> Tensor:\n    y = ops.evil_ns.run(x)\n    return torch.ops.aten.relu(ops.torchvision.nms(y, y, 0.5))\n";
        assert_eq!(
            findings(source),
            vec![(RuleId::TorchScriptCustomOp, Severity::High)]
        );
    }

    #[test]
    fn ordinary_torchscript_and_strings_pass() {
        let source = "class M(Module):\n  def forward(self: __torch__.M, x: Tensor) -> Tensor:\n    _0 = torch.linear(x, self.weight, self.bias)\n    print(\"torch.load(x)\")  # torch.save(x)\n    return torch.relu(ops.prim.NumToTensor(1))\n";
        assert_eq!(findings(source), vec![]);
    }
}
