//! The in-memory component graph every collector fills and every writer reads.

use std::collections::{BTreeMap, BTreeSet};

/// What a component is (CycloneDX `component.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Application,
    Library,
    MachineLearningModel,
}

/// A hash of a component's artifact, by algorithm name as CycloneDX spells it (`SHA-256`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hash {
    pub algorithm: &'static str,
    /// Lowercase hex.
    pub value: String,
}

/// A licence: an SPDX expression when one is known, else the text the package declared.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum License {
    Expression(String),
    Named(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Unique within the BOM (the purl when there is one).
    pub bom_ref: String,
    pub kind: Kind,
    pub name: String,
    pub version: Option<String>,
    pub purl: Option<String>,
    pub description: Option<String>,
    pub licenses: Vec<License>,
    pub hashes: Vec<Hash>,
}

/// Components and who depends on whom, around one root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bom {
    pub root: Component,
    /// By `bom_ref`, so output is sorted and deterministic.
    pub components: BTreeMap<String, Component>,
    /// `bom_ref` -> the `bom_ref`s it depends on.
    pub dependencies: BTreeMap<String, BTreeSet<String>>,
}

impl Bom {
    pub fn new(root: Component) -> Bom {
        Bom {
            root,
            components: BTreeMap::new(),
            dependencies: BTreeMap::new(),
        }
    }

    /// Adds a component; a second one with the same `bom_ref` is ignored.
    pub fn add(&mut self, component: Component) {
        self.components
            .entry(component.bom_ref.clone())
            .or_insert(component);
    }

    pub fn depend(&mut self, from: &str, on: &str) {
        self.dependencies
            .entry(from.to_owned())
            .or_default()
            .insert(on.to_owned());
    }
}
