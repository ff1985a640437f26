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

/// The one SPDX expression a CycloneDX `licenses` holds, when it must hold one. CycloneDX
/// allows either licences (by SPDX id or name) or a single expression, not both: when one
/// licence is an expression that is not a single known id, every licence that is an
/// expression joins it with `AND` (each applies, as SPDX's `licenseDeclared` says). A named
/// licence has no place in an expression: beside a compound one it is left out (the SPDX
/// document keeps it; docs/sbom.md).
pub fn cyclonedx_expression(licenses: &[crate::bom::License]) -> Option<String> {
    use crate::bom::License;
    let is_compound = |l: &License| matches!(l, License::Expression(e) if !is_known_id(e));
    if !licenses.iter().any(is_compound) {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for license in licenses {
        if let License::Expression(e) = license {
            let e = e.trim();
            if !e.is_empty() && !parts.contains(&e) {
                parts.push(e);
            }
        }
    }
    if parts.len() <= 1 {
        // Only the compound one (maybe blank): written as it is.
        return licenses.iter().find(|l| is_compound(l)).map(|l| match l {
            License::Expression(e) | License::Named(e) => e.clone(),
        });
    }
    Some(
        parts
            .into_iter()
            .map(|p| {
                if p.contains(char::is_whitespace) {
                    format!("({p})")
                } else {
                    p.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join(" AND "),
    )
}

/// The licences `text` requires all of: its top-level `AND` terms, each in canonical form
/// (an `OR` chain of licence-list ids or `LicenseRef-`s as the SPDX parser spells it; text that
/// does not parse stays as written, trimmed). A CycloneDX licence list, one CycloneDX
/// expression and the `AND` expression SPDX's `licenseDeclared` must hold for the same list
/// all come to the same terms, so `diff` compares these, not how a format wrote them.
pub fn and_terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in split_top_level_and(text) {
        let part = strip_outer_parens(part.trim());
        if part.is_empty() {
            continue;
        }
        if split_top_level_and(part).len() > 1 {
            out.extend(and_terms(part));
        } else {
            out.push(canonical_or_chain(part).unwrap_or_else(|| part.to_owned()));
        }
    }
    out
}

/// `text` cut at each `AND` that stands outside parentheses.
fn split_top_level_and(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b'A' if depth == 0
                && text[i..].starts_with("AND")
                && (i == 0 || bytes[i - 1].is_ascii_whitespace())
                && bytes.get(i + 3).is_some_and(u8::is_ascii_whitespace) =>
            {
                parts.push(&text[start..i]);
                start = i + 3;
                i += 3;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(&text[start..]);
    parts
}

/// `text` without parentheses that enclose all of it.
fn strip_outer_parens(mut text: &str) -> &str {
    while let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        // `(A) OR (B)` starts and ends with parentheses that do not enclose it all.
        let mut depth = 0usize;
        let encloses = inner.bytes().all(|b| {
            match b {
                b'(' => depth += 1,
                b')' if depth == 0 => return false,
                b')' => depth -= 1,
                _ => {}
            }
            true
        });
        if !encloses {
            break;
        }
        text = inner.trim();
    }
    text
}

/// An expression without a top-level `AND` rewritten as the SPDX parser spells its parts,
/// joined with `OR` (any `AND` inside stays parenthesised); `None` when it does not parse.
fn canonical_or_chain(text: &str) -> Option<String> {
    use ::spdx::expression::{ExprNode, Operator};
    let mode = ::spdx::ParseMode {
        allow_deprecated: true,
        ..::spdx::ParseMode::STRICT
    };
    let expression = ::spdx::Expression::parse_mode(text, mode).ok()?;
    // Postfix order; each entry remembers whether it is an `OR`, so an `AND` around it knows
    // to parenthesise it.
    let mut stack: Vec<(String, bool)> = Vec::new();
    for node in expression.iter() {
        match node {
            ExprNode::Req(requirement) => stack.push((requirement.req.to_string(), false)),
            ExprNode::Op(operator) => {
                let (right, right_or) = stack.pop()?;
                let (left, left_or) = stack.pop()?;
                let and = *operator == Operator::And;
                let wrap = |t: String, is_or: bool| if and && is_or { format!("({t})") } else { t };
                let word = if and { "AND" } else { "OR" };
                stack.push((
                    format!("{} {word} {}", wrap(left, left_or), wrap(right, right_or)),
                    !and,
                ));
            }
        }
    }
    let (top, _) = stack.pop()?;
    stack.is_empty().then_some(top)
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

    #[test]
    fn a_list_an_expression_and_an_and_of_refs_have_the_same_terms() {
        assert_eq!(
            and_terms("MIT AND (Apache-2.0 OR BSD-3-Clause)"),
            ["MIT", "Apache-2.0 OR BSD-3-Clause"]
        );
        assert_eq!(
            and_terms("(LicenseRef-x AND MIT) AND ((Apache-2.0 OR BSD-3-Clause))"),
            ["LicenseRef-x", "MIT", "Apache-2.0 OR BSD-3-Clause"]
        );
        assert_eq!(
            and_terms("GPL-2.0-or-later WITH Not-An-Exception"),
            ["GPL-2.0-or-later WITH Not-An-Exception"]
        );
        assert_eq!(and_terms("(MIT) OR (ISC)"), ["MIT OR ISC"]);
        assert_eq!(and_terms("BRANDAND x"), ["BRANDAND x"]);
        assert!(and_terms("  ").is_empty());
    }
}
