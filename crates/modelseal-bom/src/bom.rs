//! The in-memory component graph every collector fills and every writer reads.
//!
//! It is format-neutral: CycloneDX (JSON, XML) and SPDX writers render it, and the readers used
//! by `diff` and `audit` produce it from a document.

use std::collections::{BTreeMap, BTreeSet};

/// What a component is (CycloneDX `component.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A program (the root of a BOM built for a project, for instance).
    Application,
    /// A software package.
    Library,
    /// A machine-learning model.
    MachineLearningModel,
    /// One file of a model directory (nested under its model).
    File,
    /// A dataset (CycloneDX `data`): what a model was trained or evaluated on.
    Data,
}

impl Kind {
    /// The CycloneDX spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Application => "application",
            Kind::Library => "library",
            Kind::MachineLearningModel => "machine-learning-model",
            Kind::File => "file",
            Kind::Data => "data",
        }
    }
}

/// Whether a component is needed at run time (CycloneDX `scope`); lockfiles mark development
/// dependencies, which become `Optional`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Needed at run time.
    Required,
    /// Not needed at run time (development or optional dependencies).
    Optional,
    /// Deliberately left out of the delivered artifact.
    Excluded,
}

impl Scope {
    /// The CycloneDX spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Required => "required",
            Scope::Optional => "optional",
            Scope::Excluded => "excluded",
        }
    }
}

/// A hash of a component's artifact, by algorithm name as CycloneDX spells it (`SHA-256`,
/// `SHA-384`, `SHA-512`, `SHA-1`, `MD5`, `BLAKE3`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hash {
    /// The CycloneDX algorithm name (`SHA-256`, ...).
    pub algorithm: &'static str,
    /// Lowercase hex.
    pub value: String,
}

/// A licence: an SPDX expression when one is known, else the text the package declared.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum License {
    /// An SPDX licence expression (`MIT OR Apache-2.0`).
    Expression(String),
    /// Licence text or a name that is not a valid SPDX expression.
    Named(String),
}

/// Who stated a licence: the package itself (`Declared`), or modelseal from the licence text it
/// ships (`Concluded`) — CycloneDX 1.6 `acknowledgement`, SPDX `licenseDeclared`/`licenseConcluded`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Acknowledgement {
    /// The package's own metadata states it.
    #[default]
    Declared,
    /// Found by analysis (e.g. matching the shipped licence text against the SPDX list).
    Concluded,
}

impl Acknowledgement {
    /// The CycloneDX spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Acknowledgement::Declared => "declared",
            Acknowledgement::Concluded => "concluded",
        }
    }
}

/// A link to something about the component (CycloneDX `externalReferences`; `kind` is one of
/// its types: `website`, `vcs`, `issue-tracker`, `documentation`, `distribution`, ...).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ExternalReference {
    /// The CycloneDX reference type (`website`, `vcs`, ...).
    pub kind: &'static str,
    /// Where it points.
    pub url: String,
    /// Digests of what the link points at (a lockfile's hash of one distribution file).
    pub hashes: Vec<Hash>,
    /// A note on the link (e.g. the distribution file's name).
    pub comment: Option<String>,
}

impl ExternalReference {
    /// A link with no hashes and no comment.
    pub fn new(kind: &'static str, url: impl Into<String>) -> ExternalReference {
        ExternalReference {
            kind,
            url: url.into(),
            hashes: Vec::new(),
            comment: None,
        }
    }
}

/// A person or an organisation (CycloneDX `organizationalEntity` / `organizationalContact`).
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Party {
    /// The name, as stated.
    pub name: Option<String>,
    /// An e-mail address, when stated and well-formed.
    pub email: Option<String>,
    /// A web address (organisations: the supplier's site).
    pub url: Option<String>,
}

impl Party {
    /// The public registry that distributes packages of a purl's type (`pkg:pypi/...` → PyPI),
    /// the supplier of a package resolved from it. `None` for types with no single registry.
    /// Callers give it only purls of packages that came from the registry (not git or path).
    pub fn registry_of(purl: &str) -> Option<Party> {
        let kind = purl.strip_prefix("pkg:")?.split('/').next()?;
        let (name, url) = match kind {
            "pypi" => ("Python Package Index (PyPI)", "https://pypi.org"),
            "npm" => ("npm registry", "https://www.npmjs.com"),
            "cargo" => ("crates.io", "https://crates.io"),
            _ => return None,
        };
        Some(Party {
            name: Some(name.to_owned()),
            email: None,
            url: Some(url.to_owned()),
        })
    }
}

/// What the model files tell about a model (CycloneDX `modelCard.modelParameters`, plus
/// name/value properties for the rest). Only filled from facts found in the files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelCard {
    /// e.g. `text-generation`, `image-classification`.
    pub task: Option<String>,
    /// e.g. `llama`, `bert` (`config.json` `model_type`, GGUF `general.architecture`).
    pub architecture_family: Option<String>,
    /// e.g. `LlamaForCausalLM` (`config.json` `architectures`).
    pub model_architecture: Option<String>,
    /// Input and output formats, when known (e.g. `text`, `image`).
    pub inputs: Vec<String>,
    /// Output formats, when known.
    pub outputs: Vec<String>,
    /// Everything else found (parameter count, dtype, quantisation, context length, ...).
    pub properties: Vec<(String, String)>,
    /// The `bom_ref`s of the dataset components (`Kind::Data`) it was trained or evaluated on
    /// (CycloneDX `modelParameters.datasets`).
    pub datasets: Vec<String>,
    /// What the model card says about its use and limits (CycloneDX `considerations`).
    pub considerations: Considerations,
}

/// CycloneDX `modelCard.considerations`, as stated in a model card (each entry one statement).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Considerations {
    /// Who the model is meant for.
    pub users: Vec<String>,
    /// What it is meant to be used for.
    pub use_cases: Vec<String>,
    /// Known technical limits (biases, risks and limitations sections).
    pub technical_limitations: Vec<String>,
    /// Ethical considerations, by name.
    pub ethical_considerations: Vec<String>,
}

impl Considerations {
    /// Whether nothing is stated.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
            && self.use_cases.is_empty()
            && self.technical_limitations.is_empty()
            && self.ethical_considerations.is_empty()
    }
}

/// One thing the BOM lists: a model, a model file, a package or an application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Unique within the BOM (the purl when there is one).
    pub bom_ref: String,
    /// What the component is.
    pub kind: Kind,
    /// The namespace part of the name where an ecosystem has one (npm `@scope`).
    pub group: Option<String>,
    /// The component's name within its group or ecosystem.
    pub name: String,
    /// Its version, when known.
    pub version: Option<String>,
    /// Its package URL, when it has one.
    pub purl: Option<String>,
    /// A one-line description, when the package gives one.
    pub description: Option<String>,
    /// Whether it is needed at run time, when known.
    pub scope: Option<Scope>,
    /// Its licences as the package declares them.
    pub licenses: Vec<License>,
    /// Licences modelseal concluded itself (from shipped licence text); shown with
    /// acknowledgement `concluded`, never mixed with what the package declares.
    pub concluded_licenses: Vec<License>,
    /// Who distributes it (CycloneDX `supplier`): PyPI, npm, crates.io or the publisher.
    pub supplier: Option<Party>,
    /// Who wrote it (CycloneDX 1.6 `authors`, 1.5 `author`; SPDX `originator`).
    pub authors: Vec<Party>,
    /// What it derives from (CycloneDX `pedigree.ancestors`): a fine-tuned model's base model.
    pub ancestors: Vec<Component>,
    /// Digests of its contents.
    pub hashes: Vec<Hash>,
    /// Links to its home page, repository, ...
    pub external_references: Vec<ExternalReference>,
    /// Name/value facts with no field of their own (CycloneDX `properties`), sorted by writers.
    pub properties: Vec<(String, String)>,
    /// What the model files tell about it, for a model.
    pub model_card: Option<ModelCard>,
    /// Parts of this component (the files of a model directory).
    pub components: Vec<Component>,
}

impl Component {
    /// A component with only the required fields set.
    pub fn new(bom_ref: impl Into<String>, kind: Kind, name: impl Into<String>) -> Component {
        Component {
            bom_ref: bom_ref.into(),
            kind,
            group: None,
            name: name.into(),
            version: None,
            purl: None,
            description: None,
            scope: None,
            licenses: Vec::new(),
            concluded_licenses: Vec::new(),
            supplier: None,
            authors: Vec::new(),
            ancestors: Vec::new(),
            hashes: Vec::new(),
            external_references: Vec::new(),
            properties: Vec::new(),
            model_card: None,
            components: Vec::new(),
        }
    }

    /// A library from a package ecosystem, identified by its purl.
    pub fn package(purl: impl Into<String>, name: impl Into<String>, version: &str) -> Component {
        let purl = purl.into();
        let mut c = Component::new(purl.clone(), Kind::Library, name);
        c.version = Some(version.to_owned());
        c.purl = Some(purl);
        c
    }
}

/// Components and who depends on whom, around one root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bom {
    /// The component the BOM describes (the model or project).
    pub root: Component,
    /// By `bom_ref`, so output is sorted and deterministic.
    pub components: BTreeMap<String, Component>,
    /// `bom_ref` -> the `bom_ref`s it depends on.
    pub dependencies: BTreeMap<String, BTreeSet<String>>,
}

impl Bom {
    /// An empty BOM around `root`.
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

    /// Records that `from` depends on `on` (both by `bom_ref`).
    pub fn depend(&mut self, from: &str, on: &str) {
        self.dependencies
            .entry(from.to_owned())
            .or_default()
            .insert(on.to_owned());
    }

    /// Folds `other` into this BOM: its components and edges are added, and its root becomes a
    /// dependency of this root (several sources on one command line make one document).
    pub fn merge(&mut self, other: Bom) {
        let root_ref = self.root.bom_ref.clone();
        let other_root = other.root.bom_ref.clone();
        if other_root != root_ref {
            self.depend(&root_ref, &other_root);
            self.add(other.root);
        }
        for (_, component) in other.components {
            self.add(component);
        }
        for (from, to) in other.dependencies {
            for on in to {
                self.depend(&from, &on);
            }
        }
    }

    /// Whether `bom_ref` names the root or a top-level component.
    pub fn has_ref(&self, bom_ref: &str) -> bool {
        self.root.bom_ref == bom_ref || self.components.contains_key(bom_ref)
    }

    /// Gives the root the reference `new_ref`: its nested components (`<old>/<file>`) and the
    /// dependency edges follow, so a BOM whose root collides with another can be merged whole.
    pub fn rename_root(&mut self, new_ref: &str) {
        fn rename(c: &mut Component, old: &str, new: &str) {
            if let Some(rest) = c.bom_ref.strip_prefix(old)
                && (rest.is_empty() || rest.starts_with('/'))
            {
                c.bom_ref = format!("{new}{rest}");
            }
            for child in &mut c.components {
                rename(child, old, new);
            }
        }
        let old = std::mem::replace(&mut self.root.bom_ref, new_ref.to_owned());
        for child in &mut self.root.components {
            rename(child, &old, new_ref);
        }
        let swap = |r: String| if r == old { new_ref.to_owned() } else { r };
        self.dependencies = std::mem::take(&mut self.dependencies)
            .into_iter()
            .map(|(from, to)| (swap(from), to.into_iter().map(swap).collect()))
            .collect();
    }

    /// Every component, nested ones included, root first.
    pub fn all_components(&self) -> Vec<&Component> {
        fn walk<'a>(c: &'a Component, out: &mut Vec<&'a Component>) {
            out.push(c);
            for child in &c.components {
                walk(child, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out);
        for c in self.components.values() {
            walk(c, &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Party;

    #[test]
    fn the_registry_of_a_purl_is_its_ecosystem_s_public_index() {
        let pypi = Party::registry_of("pkg:pypi/numpy@2.0.0").unwrap();
        assert_eq!(pypi.url.as_deref(), Some("https://pypi.org"));
        assert_eq!(
            Party::registry_of("pkg:cargo/serde@1.0.0")
                .unwrap()
                .name
                .as_deref(),
            Some("crates.io")
        );
        assert!(Party::registry_of("pkg:generic/x@1").is_none());
        assert!(Party::registry_of("not-a-purl").is_none());
    }
}
