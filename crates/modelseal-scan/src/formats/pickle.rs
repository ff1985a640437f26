//! Findings for pickle streams: the symbolic unpickler's record judged by the policy.

use std::collections::BTreeMap;

use crate::pickle::{Analysis, Event, GlobalUse, analyze};
use crate::{Context, RuleId, Severity, Verdict};

/// Where a pickle sits decides whether bytes after its STOP are expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// A file or member that should be nothing but pickles.
    Raw,
    /// joblib or PyTorch legacy: raw array or storage bytes follow the pickles.
    DataFollows,
}

/// `torch.save(..., _use_new_zipfile_serialization=False)` files start with a pickle of this
/// magic number (a LONG1); after their five pickles come raw storage bytes.
const TORCH_LEGACY_MAGIC: &[u8] = b"\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19";

/// Whether `data` is a PyTorch legacy-format file.
pub fn is_torch_legacy(data: &[u8]) -> bool {
    data.get(..32)
        .unwrap_or(data)
        .windows(TORCH_LEGACY_MAGIC.len())
        .any(|w| w == TORCH_LEGACY_MAGIC)
}

/// Scans every pickle stream in `data` and reports what a load would run.
pub fn scan(data: &[u8], container: Container, ctx: &mut Context<'_>) {
    let analysis = analyze(data);
    report(&analysis, container, data.len(), ctx);
}

/// The verdict for one global as the C unpickler would import it: the written name, and for
/// protocol < 3 the Python 3 name `fix_imports` maps it to; the worse of the two wins.
fn verdict(global: &GlobalUse, ctx: &Context<'_>) -> (Verdict, String) {
    let written = format!("{}.{}", global.module, global.name);
    if ctx.torchscript && crate::policy::in_module(&global.module, "__torch__") {
        return (Verdict::Safe, written);
    }
    let first = ctx.policy.classify(&global.module, &global.name);
    match &global.remapped {
        Some((module, name)) => {
            let second = ctx.policy.classify(module, name);
            let shown = format!("{written} (imported as {module}.{name})");
            match (&first, &second) {
                (Verdict::Dangerous(_), _) => (first, shown),
                (_, Verdict::Dangerous(_)) => (second, shown),
                // Safe only if what is actually imported is safe.
                (_, Verdict::Safe) => (Verdict::Safe, shown),
                _ => (Verdict::Unknown, shown),
            }
        }
        None => (first, written),
    }
}

struct Summary {
    verdict: Verdict,
    shown: String,
    offset: usize,
    count: usize,
    called: bool,
    reached: bool,
}

fn report(analysis: &Analysis, container: Container, len: usize, ctx: &mut Context<'_>) {
    report_globals(analysis, ctx);
    report_dynamic_imports(analysis, ctx);
    report_events(analysis, ctx);
    report_stream_end(analysis, container, len, ctx);
}

/// One finding per distinct global that is not safe, at its first offset, with its strongest
/// use (called > handed to a call > referenced).
fn report_globals(analysis: &Analysis, ctx: &mut Context<'_>) {
    let mut by_name: BTreeMap<String, Summary> = BTreeMap::new();
    for global in &analysis.globals {
        if global.lookup_only && !global.called && !global.reached {
            // Recorded as the attribute it looked up (see `GlobalUse::lookup_only`).
            continue;
        }
        let (verdict, shown) = verdict(global, ctx);
        if verdict == Verdict::Safe {
            continue;
        }
        let entry = by_name.entry(shown.clone()).or_insert(Summary {
            verdict,
            shown,
            offset: global.offset,
            count: 0,
            called: false,
            reached: false,
        });
        entry.count += 1;
        entry.called |= global.called;
        entry.reached |= global.reached;
    }
    for s in by_name.into_values() {
        let uses = if s.count > 1 {
            format!(" ({} times)", s.count)
        } else {
            String::new()
        };
        let how = if s.called {
            "calls"
        } else if s.reached {
            "passes to a call"
        } else {
            "references"
        };
        // Severity follows what the loader does with the global: called or handed to a call
        // runs it; only referenced (kept as data in the loaded object, e.g. a function stored
        // as module state) does not, but a dangerous callable handed to the caller stays high.
        let runs = s.called || s.reached;
        let (rule, severity, message) = match s.verdict {
            Verdict::Dangerous(category) => (
                RuleId::PickleDangerousGlobal,
                if runs {
                    Severity::Critical
                } else {
                    Severity::High
                },
                format!("loading this pickle {how} {}{uses}: {category}", s.shown),
            ),
            Verdict::Unknown if runs => (
                RuleId::PickleUnknownCall,
                Severity::High,
                format!(
                    "loading this pickle {how} {}{uses}, which is not on the allowlist: unknown code runs",
                    s.shown
                ),
            ),
            _ => (
                RuleId::PickleUnknownGlobal,
                Severity::Medium,
                format!(
                    "this pickle imports {}{uses}, which is not on the allowlist",
                    s.shown
                ),
            ),
        };
        ctx.report(
            rule,
            severity,
            Some(s.offset as u64),
            message,
            Some(s.shown),
        );
    }
}

/// Imports whose name is computed at load time: critical when the loader calls what they
/// import or hands it to a call, high when it is only kept.
fn report_dynamic_imports(analysis: &Analysis, ctx: &mut Context<'_>) {
    for import in &analysis.dynamic_imports {
        let (severity, how) = if import.called {
            (Severity::Critical, "calls")
        } else if import.reached {
            (Severity::Critical, "passes to a call")
        } else {
            (Severity::High, "keeps")
        };
        ctx.report(
            RuleId::PickleDynamicImport,
            severity,
            Some(import.offset as u64),
            format!(
                "loading this pickle {how} a global imported by STACK_GLOBAL with a name computed at load time (module from {}, name from {}): what it imports is unknowable",
                import.module, import.name
            ),
            Some("STACK_GLOBAL".to_owned()),
        );
    }
    // joblib replaces the wrappers it builds with arrays read from the file; a wrapper class
    // handed to a call (copyreg's reconstructors, __reduce__ tricks) makes one the scanner
    // does not follow.
    for g in analysis
        .globals
        .iter()
        .filter(|g| g.reached && is_joblib_wrapper(g))
    {
        ctx.report(
            RuleId::PickleJoblibUnreadable,
            Severity::High,
            Some(g.offset as u64),
            "joblib's array wrapper class is handed to a call: joblib would read an array's bytes from the file after building the object it makes, which the scanner does not follow".to_owned(),
            Some(format!("{}.{}", g.module, g.name)),
        );
    }
}

fn is_joblib_wrapper(g: &GlobalUse) -> bool {
    format!("{}.{}", g.module, g.name) == "joblib.numpy_pickle.NumpyArrayWrapper"
}

fn report_events(analysis: &Analysis, ctx: &mut Context<'_>) {
    for event in &analysis.events {
        match event {
            Event::MutatesGlobal { offset, global, opcode } => {
                let g = &analysis.globals[*global];
                let (verdict, shown) = verdict(g, ctx);
                let severity = if matches!(verdict, Verdict::Dangerous(_)) { Severity::Critical } else { Severity::High };
                ctx.report(
                    RuleId::PickleGlobalMutation,
                    severity,
                    Some(*offset as u64),
                    format!("opcode {opcode:#04x} writes into the global object {shown} itself (attributes or items of a module, class or shared object)"),
                    Some(shown),
                );
            }
            Event::Extension { offset, code } => ctx.report(
                RuleId::PickleExtensionCode,
                Severity::High,
                Some(*offset as u64),
                format!("extension code {code} names a callable through the copyreg registry at load time"),
                Some(format!("EXT {code}")),
            ),
            Event::DynamicCall { offset, callee } => ctx.report(
                RuleId::PickleDynamicCall,
                Severity::High,
                Some(*offset as u64),
                format!("loading this pickle calls {callee}, a callable chosen at load time"),
                Some(callee.clone()),
            ),
            Event::JoblibUnreadable { offset, reason } => ctx.report(
                RuleId::PickleJoblibUnreadable,
                Severity::High,
                Some(*offset as u64),
                format!("joblib reads an array's bytes from the file here, but {reason}: what joblib reads after it was not scanned as joblib reads it"),
                Some("joblib.numpy_pickle.NumpyArrayWrapper".to_owned()),
            ),
            Event::PersistentLoad { .. } => {}
        }
    }
}

fn report_stream_end(analysis: &Analysis, container: Container, len: usize, ctx: &mut Context<'_>) {
    if let Some(offset) = analysis.too_complex {
        // Not malformed: the scanner gave up, so what follows is unknown.
        ctx.report(
            RuleId::PickleTooComplex,
            Severity::High,
            Some(offset as u64),
            format!(
                "the pickle needs more than the scanner's {} MiB memory budget; nothing after this offset was analysed",
                crate::pickle::MEMORY_BUDGET >> 20
            ),
            None,
        );
        return;
    }
    if let Some(last) = analysis.streams.last()
        && let Some((offset, message)) = &last.error
    {
        ctx.report(
            RuleId::PickleMalformed,
            Severity::Medium,
            Some(*offset as u64),
            format!("the pickle stream ends with an error ({message}); everything before it runs when loaded"),
            None,
        );
    }
    if let Some(offset) = analysis.trailing_data
        && container == Container::Raw
    {
        ctx.report(
            RuleId::PickleTrailingData,
            Severity::Low,
            Some(offset as u64),
            format!("{} bytes follow the last pickle stream", len - offset),
            None,
        );
    }
}
