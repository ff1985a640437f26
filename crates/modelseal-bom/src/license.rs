//! Mapping what Python packages declare to SPDX licence identifiers.

/// Trove classifiers (`License :: OSI Approved :: MIT License`) to SPDX ids, for the licences
/// PyPI packages commonly declare. Classifiers that name a family without a version (`GNU
/// General Public License (GPL)`) have no single SPDX id and are not mapped.
const CLASSIFIERS: &[(&str, &str)] = &[
    ("License :: OSI Approved :: MIT License", "MIT"),
    (
        "License :: OSI Approved :: MIT No Attribution License (MIT-0)",
        "MIT-0",
    ),
    (
        "License :: OSI Approved :: Apache Software License",
        "Apache-2.0",
    ),
    ("License :: OSI Approved :: BSD License", "BSD-3-Clause"),
    ("License :: OSI Approved :: ISC License (ISCL)", "ISC"),
    (
        "License :: OSI Approved :: Python Software Foundation License",
        "PSF-2.0",
    ),
    (
        "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)",
        "MPL-2.0",
    ),
    (
        "License :: OSI Approved :: GNU General Public License v2 (GPLv2)",
        "GPL-2.0-only",
    ),
    (
        "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)",
        "GPL-2.0-or-later",
    ),
    (
        "License :: OSI Approved :: GNU General Public License v3 (GPLv3)",
        "GPL-3.0-only",
    ),
    (
        "License :: OSI Approved :: GNU General Public License v3 or later (GPLv3+)",
        "GPL-3.0-or-later",
    ),
    (
        "License :: OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)",
        "LGPL-2.0-only",
    ),
    (
        "License :: OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)",
        "LGPL-2.0-or-later",
    ),
    (
        "License :: OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)",
        "LGPL-3.0-only",
    ),
    (
        "License :: OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)",
        "LGPL-3.0-or-later",
    ),
    (
        "License :: OSI Approved :: GNU Affero General Public License v3",
        "AGPL-3.0-only",
    ),
    (
        "License :: OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)",
        "AGPL-3.0-or-later",
    ),
    (
        "License :: OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)",
        "EPL-2.0",
    ),
    (
        "License :: OSI Approved :: The Unlicense (Unlicense)",
        "Unlicense",
    ),
    ("License :: OSI Approved :: Zope Public License", "ZPL-2.1"),
    (
        "License :: OSI Approved :: Academic Free License (AFL)",
        "AFL-3.0",
    ),
    (
        "License :: OSI Approved :: Artistic License",
        "Artistic-2.0",
    ),
    (
        "License :: OSI Approved :: Boost Software License 1.0 (BSL-1.0)",
        "BSL-1.0",
    ),
    (
        "License :: OSI Approved :: Universal Permissive License (UPL)",
        "UPL-1.0",
    ),
    (
        "License :: CC0 1.0 Universal (CC0 1.0) Public Domain Dedication",
        "CC0-1.0",
    ),
    ("License :: OSI Approved :: zlib/libpng License", "Zlib"),
];

/// Common `License:` field values that are plainly one SPDX licence.
const NAMES: &[(&str, &str)] = &[
    ("mit", "MIT"),
    ("mit license", "MIT"),
    ("apache 2.0", "Apache-2.0"),
    ("apache-2.0", "Apache-2.0"),
    ("apache license 2.0", "Apache-2.0"),
    ("apache license, version 2.0", "Apache-2.0"),
    ("apache software license", "Apache-2.0"),
    ("bsd", "BSD-3-Clause"),
    ("bsd-3-clause", "BSD-3-Clause"),
    ("new bsd", "BSD-3-Clause"),
    ("bsd-2-clause", "BSD-2-Clause"),
    ("isc", "ISC"),
    ("mpl-2.0", "MPL-2.0"),
    ("psf", "PSF-2.0"),
    ("psf-2.0", "PSF-2.0"),
    ("lgpl-3.0", "LGPL-3.0-only"),
    ("gpl-3.0", "GPL-3.0-only"),
    ("unlicense", "Unlicense"),
];

/// The SPDX id a trove classifier stands for.
pub fn from_classifier(classifier: &str) -> Option<&'static str> {
    CLASSIFIERS
        .iter()
        .find(|(c, _)| *c == classifier.trim())
        .map(|(_, id)| *id)
}

/// The SPDX id a short `License:` value names: one of the common spellings, or an SPDX id
/// written in any case (`apache-2.0`, as Hugging Face model cards do).
pub fn from_name(name: &str) -> Option<&'static str> {
    let lower = name.trim().to_ascii_lowercase();
    NAMES
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, id)| *id)
        .or_else(|| canonical_id(name.trim()))
}

/// `id` as the SPDX licence list spells it, matched without regard to case.
pub fn canonical_id(id: &str) -> Option<&'static str> {
    if let Some(found) = ::spdx::license_id(id).filter(|l| l.name == id) {
        return Some(found.name);
    }
    ::spdx::identifiers::LICENSES
        .iter()
        .find(|l| l.name.eq_ignore_ascii_case(id))
        .map(|l| l.name)
}

/// Whether `id` is exactly an id of the SPDX licence list.
pub fn is_known_id(id: &str) -> bool {
    ::spdx::license_id(id).is_some_and(|l| l.name == id)
}

/// What a declared licence string becomes: a valid SPDX expression is kept as one (with ids
/// in their canonical case when the only fault was case); anything else is a named licence.
pub fn from_declared(text: &str) -> crate::bom::License {
    use crate::bom::License;
    let text = text.trim();
    if ::spdx::Expression::parse(text).is_ok() {
        return License::Expression(text.to_owned());
    }
    if let Some(id) = from_name(text) {
        return License::Expression(id.to_owned());
    }
    License::Named(
        text.lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(120)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bom::License;

    #[test]
    fn classifiers_and_names_map_to_spdx() {
        assert_eq!(
            from_classifier("License :: OSI Approved :: MIT License"),
            Some("MIT")
        );
        assert_eq!(
            from_classifier("License :: OSI Approved :: Apache Software License"),
            Some("Apache-2.0")
        );
        assert_eq!(
            from_classifier("License :: OSI Approved :: GNU General Public License (GPL)"),
            None
        );
        assert_eq!(from_name(" MIT License "), Some("MIT"));
        assert_eq!(from_name("Copyright (c) 2020, long licence text"), None);
        assert_eq!(from_name("apache-2.0"), Some("Apache-2.0"));
        assert_eq!(from_name("bsd-3-clause"), Some("BSD-3-Clause"));
        assert!(is_known_id("LGPL-2.1-or-later"));
        assert!(!is_known_id("mit"));
        assert_eq!(
            from_declared("MIT OR Apache-2.0"),
            License::Expression("MIT OR Apache-2.0".into())
        );
        assert_eq!(from_declared("mit"), License::Expression("MIT".into()));
        assert_eq!(
            from_declared("Proprietary\nAll rights reserved"),
            License::Named("Proprietary".into())
        );
    }
}
