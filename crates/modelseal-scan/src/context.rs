//! What every format scanner gets: where it is (file, member path inside archives), the policy,
//! the limits, and a place to put findings.

use std::path::Path;
use std::sync::Arc;

use modelseal_report::RuleId;

use crate::budget::{Budget, Cut};
use crate::{Finding, Location, Policy, Severity};

/// Limits that keep hostile archives from exhausting memory or recursion.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Most bytes one archive member or decompressed stream may expand to.
    pub max_member_bytes: u64,
    /// Most archive levels inside one another.
    pub max_depth: u32,
    /// Most bytes read from the start of a raw (non-archive) file.
    pub max_raw_bytes: u64,
    /// Most bytes one scan holds in memory at once, across nested archives and parallel
    /// workers (one shared [`Budget`]): what does not fit is reported, never skipped.
    pub max_total_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_member_bytes: 1 << 30,
            max_depth: 8,
            max_raw_bytes: 1 << 30,
            max_total_bytes: 2 << 30,
        }
    }
}

/// The state of one scan position: format scanners read it and [`Context::report`] into it;
/// containers [`Context::enter`] a member and [`Context::absorb`] what it found.
#[derive(Debug)]
pub struct Context<'a> {
    /// The file on disk being scanned (every finding names it).
    pub file: &'a Path,
    /// `a.zip/inner.npz/arr_0.npy` style path of the current member, if inside an archive.
    pub member: Option<String>,
    /// The allowlist policy that judges every import a pickle makes.
    pub policy: &'a Policy,
    /// The size and nesting limits.
    pub limits: &'a Limits,
    /// How many archive levels deep the current member is (0 for the file itself), checked
    /// against [`Limits::max_depth`].
    pub depth: u32,
    /// The current member belongs to a TorchScript archive (`<prefix>/constants.pkl` present):
    /// `torch.load` hands such archives to `torch.jit.load`, whose C++ unpickler resolves
    /// `__torch__.*` names to classes compiled from the archive's own TorchScript code.
    pub torchscript: bool,
    /// The findings reported here so far.
    pub findings: Vec<Finding>,
    /// The memory budget this scan shares with every other file, member and worker.
    pub budget: Arc<Budget>,
}

impl<'a> Context<'a> {
    /// The context for the top of `file`, outside any archive, with a budget of its own
    /// ([`Limits::max_total_bytes`]).
    pub fn new(file: &'a Path, policy: &'a Policy, limits: &'a Limits) -> Self {
        Self::with_budget(file, policy, limits, Budget::new(limits.max_total_bytes))
    }

    /// The context for the top of `file`, holding memory under `budget` (shared with the
    /// rest of the scan).
    pub fn with_budget(
        file: &'a Path,
        policy: &'a Policy,
        limits: &'a Limits,
        budget: Arc<Budget>,
    ) -> Self {
        Context {
            file,
            member: None,
            policy,
            limits,
            depth: 0,
            torchscript: false,
            findings: Vec::new(),
            budget,
        }
    }

    /// A context for `name` inside the current one; its findings are merged back by
    /// [`Self::absorb`].
    #[must_use]
    pub fn enter(&self, name: &str) -> Context<'a> {
        let member = match &self.member {
            Some(parent) => format!("{parent}/{name}"),
            None => name.to_owned(),
        };
        Context {
            file: self.file,
            member: Some(member),
            policy: self.policy,
            limits: self.limits,
            depth: self.depth + 1,
            // Set by the zip scanner for its own members only: a nested archive is loaded by
            // some other loader.
            torchscript: false,
            findings: Vec::new(),
            budget: Arc::clone(&self.budget),
        }
    }

    /// Takes the findings of a member's context back into this one.
    pub fn absorb(&mut self, inner: Context<'_>) {
        self.findings.extend(inner.findings);
    }

    /// Reports a budgeted read of `what` that stopped early: the rest was not scanned, so it
    /// is never passed as clean (high). Nothing when the read was complete.
    pub fn report_cut(&mut self, cut: Cut, what: &str, limit: u64) {
        match cut {
            Cut::Complete => {}
            Cut::OverLimit => self.report(
                RuleId::ArchiveMemberTooLarge,
                Severity::High,
                None,
                format!("{what} expands beyond {limit} bytes; only its start was scanned"),
                None,
            ),
            Cut::OverBudget => {
                let total = self.budget.limit();
                self.report(
                    RuleId::ScanBudgetExhausted,
                    Severity::High,
                    None,
                    format!(
                        "{what} does not fit in the scan's memory budget ({total} bytes across nested archives and workers); only its start was scanned"
                    ),
                    None,
                );
            }
        }
    }

    /// Records a finding at the current member, at `offset` inside it when known; `evidence`
    /// is the exact thing found (a qualified name, a header field).
    pub fn report(
        &mut self,
        rule_id: RuleId,
        severity: Severity,
        offset: Option<u64>,
        message: impl Into<String>,
        evidence: Option<String>,
    ) {
        self.findings.push(Finding {
            rule_id,
            severity,
            file: self.file.to_path_buf(),
            location: Location {
                member: self.member.clone(),
                offset,
            },
            message: message.into(),
            evidence,
        });
    }
}
