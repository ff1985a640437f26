//! `torch.package` archives (`PackageExporter`): a zip with `<name>/.data/extern_modules`
//! whose other `.py` members are Python modules shipped with the model. `PackageImporter`
//! imports a module from the archive whenever the archive has it (only modules listed as
//! extern come from the victim's environment), and `load_pickle` resolves every global a
//! pickle names through the archive first: a pickle naming `numpy.core.multiarray._reconstruct`
//! runs the archive's own `numpy/core/multiarray.py` when the archive ships one. So the names
//! the allowlist trusts mean nothing here: every shipped module is reported, critical when a
//! pickle of the archive imports it (or a module inside it), high otherwise (any shipped
//! code can import it).

use std::collections::BTreeSet;
use std::io::{Read, Seek};

use modelseal_formats::zip::{CentralDirectory, Member, read_member};

use crate::sniff::{Format, sniff};
use crate::{Context, RuleId, Severity};

/// The member that marks a `torch.package` archive, under its top folder.
const EXTERN_MODULES: &str = ".data/extern_modules";

/// Checks the shipped modules of a `torch.package` archive (nothing for other zips).
pub fn check<R: Read + Seek>(reader: &mut R, directory: &CentralDirectory, ctx: &mut Context<'_>) {
    let names: Vec<String> = directory.members.iter().map(Member::name_lossy).collect();
    let Some(prefix) = names.iter().find_map(|n| {
        n.strip_suffix(EXTERN_MODULES)
            .filter(|p| p.is_empty() || p.ends_with('/'))
    }) else {
        return;
    };
    let prefix = prefix.to_owned();
    // Module name -> member name.
    let shipped: Vec<(String, String)> = names
        .iter()
        .filter_map(|n| {
            let path = n.strip_prefix(&prefix)?;
            if path.starts_with(".data/") {
                return None;
            }
            let stem = path.strip_suffix(".py")?;
            let module = stem
                .strip_suffix("/__init__")
                .unwrap_or(stem)
                .replace('/', ".");
            Some((module, n.clone()))
        })
        .collect();
    if shipped.is_empty() {
        return;
    }
    let imported = pickle_imports(reader, directory, ctx);
    for (module, member) in &shipped {
        let importers: Vec<&String> = imported
            .iter()
            .filter(|(global, _)| crate::policy::in_module(global, module))
            .map(|(_, pickle)| pickle)
            .collect();
        let (severity, how) = match importers.first() {
            Some(pickle) => (
                Severity::Critical,
                format!("the pickle {pickle} imports it, so PackageImporter.load_pickle runs it"),
            ),
            None => (
                Severity::High,
                "it runs when the package's code or a caller imports it".to_owned(),
            ),
        };
        ctx.report(
            RuleId::TorchPackageShippedModule,
            severity,
            None,
            format!(
                "the torch.package archive ships the Python module {module} ({member}): {how}; a module shipped under a trusted package's name is still the archive's own code"
            ),
            Some(module.clone()),
        );
    }
}

/// The modules (`module.name` split at its last dot into the module) the archive's pickles
/// import, with the pickle that imports each.
fn pickle_imports<R: Read + Seek>(
    reader: &mut R,
    directory: &CentralDirectory,
    ctx: &Context<'_>,
) -> BTreeSet<(String, String)> {
    let mut imported = BTreeSet::new();
    for member in &directory.members {
        if member.is_dir() || member.is_encrypted() {
            continue;
        }
        let name = member.name_lossy();
        // Storages and shipped sources are not pickles.
        if name.contains("/.data/")
            || name.starts_with(".data/")
            || std::path::Path::new(&name)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("py"))
        {
            continue;
        }
        // Unreadable members are reported by the zip scanner.
        let Ok(bytes) = read_member(reader, member, ctx.limits.max_member_bytes) else {
            continue;
        };
        if sniff(&bytes[..bytes.len().min(64 * 1024)], bytes.len() as u64) != Format::Pickle {
            continue;
        }
        for global in crate::pickle::analyze(&bytes).globals {
            // The exporter mangles nothing on disk, but an importer-mangled name
            // (`<torch_package_0>.mod`) names the same shipped module.
            let module = match global.module.strip_prefix('<') {
                Some(rest) => rest
                    .split_once(">.")
                    .map_or(global.module.clone(), |(_, m)| m.to_owned()),
                None => global.module.clone(),
            };
            imported.insert((module, name.clone()));
        }
    }
    imported
}
