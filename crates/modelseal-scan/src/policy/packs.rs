//! The allowlist packs shipped with the scanner: one TOML file per library in
//! `crates/modelseal-scan/packs/`, generated from the real libraries by
//! `scripts/make-allowlist-packs.py` (classes and reconstruction helpers the library defines
//! itself, and the dangerous callables it re-exports, which go to the pack's deny list).

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use serde::Deserialize;

use super::PolicyFile;

/// Where a pack comes from: the `[pack]` table of a pack file. User packs given with
/// `--policy` may carry one too; it is informational.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PackInfo {
    /// The pack's name, usually the library's import name.
    pub name: String,
    /// The command that generated it.
    #[serde(default)]
    pub command: String,
    /// The Python version it was generated under.
    #[serde(default)]
    pub python: String,
    /// The version of every library imported to generate it.
    #[serde(default)]
    pub versions: BTreeMap<String, String>,
}

/// The shipped packs, embedded at build time.
const SHIPPED: &[(&str, &str)] = &[
    ("torch", include_str!("../../packs/torch.toml")),
    ("torchvision", include_str!("../../packs/torchvision.toml")),
    (
        "transformers",
        include_str!("../../packs/transformers.toml"),
    ),
    ("accelerate", include_str!("../../packs/accelerate.toml")),
    ("pandas", include_str!("../../packs/pandas.toml")),
    ("scipy", include_str!("../../packs/scipy.toml")),
    ("numpy", include_str!("../../packs/numpy.toml")),
    ("sklearn", include_str!("../../packs/sklearn.toml")),
    ("lightgbm", include_str!("../../packs/lightgbm.toml")),
    ("xgboost", include_str!("../../packs/xgboost.toml")),
    ("catboost", include_str!("../../packs/catboost.toml")),
];

/// Every shipped pack, merged.
#[derive(Debug, Default)]
pub(crate) struct Packs {
    /// Qualified names the packs admit.
    pub(crate) allow: HashSet<String>,
    /// Dangerous callables the libraries re-export under their own modules.
    pub(crate) deny: HashSet<String>,
    pub(crate) info: Vec<PackInfo>,
}

/// The shipped packs, parsed once per process.
pub(crate) fn shipped() -> &'static Packs {
    static PACKS: OnceLock<Packs> = OnceLock::new();
    PACKS.get_or_init(|| {
        let mut packs = Packs::default();
        for (_, text) in SHIPPED {
            // A shipped pack that did not parse would only admit less (more findings, never
            // fewer); the test `every_shipped_pack_parses` keeps that from shipping.
            if let Ok(file) = toml::from_str::<PolicyFile>(text) {
                packs.allow.extend(file.allow.globals);
                packs.deny.extend(file.deny.globals);
                packs.info.extend(file.pack);
            }
        }
        packs
    })
}

/// The raw text of every shipped pack, by name (for tests and for `--policy` examples).
pub fn shipped_sources() -> impl Iterator<Item = (&'static str, &'static str)> {
    SHIPPED.iter().copied()
}

/// Where each shipped pack comes from.
pub fn shipped_info() -> &'static [PackInfo] {
    &shipped().info
}
