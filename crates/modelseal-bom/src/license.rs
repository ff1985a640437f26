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
/// in their canonical case when the only fault was case, and the deprecated GNU `+` forms as
/// the `-or-later` ids the SPDX licence list replaced them with); anything else is a named
/// licence. Every expression it returns is one the document validator accepts, so one
/// package's metadata can never make a written SBOM invalid (issue 12 F9).
pub fn from_declared(text: &str) -> crate::bom::License {
    use crate::bom::License;
    let text = text.trim();
    if let Some(expression) = representable(text) {
        return License::Expression(expression);
    }
    if let Some(expression) = from_name(text).and_then(representable) {
        return License::Expression(expression);
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

/// How the validator parses: strict (ids from the list, case-sensitive), deprecated ids
/// allowed (they are still on the list and in CycloneDX's id enumeration).
const WRITTEN: ::spdx::ParseMode = ::spdx::ParseMode {
    allow_deprecated: true,
    ..::spdx::ParseMode::STRICT
};

/// How documents are read: [`WRITTEN`], and `GPL-2.0+` read as `GPL-2.0-or-later`, the id the
/// SPDX licence list deprecated it for (the `spdx` crate rewrites the GNU `+` forms so).
const READ: ::spdx::ParseMode = ::spdx::ParseMode {
    allow_postfix_plus_on_gpl: true,
    ..WRITTEN
};

/// `text` as an expression the validator accepts: as written when it already is one,
/// rewritten canonically when only a deprecated GNU `+` stands in the way (`GPL-2.0+` ->
/// `GPL-2.0-or-later`, which the strict parser refuses as "a GNU license followed by a `+`"),
/// `None` when it is no SPDX expression.
fn representable(text: &str) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    if ::spdx::Expression::parse_mode(text, WRITTEN).is_ok() {
        return Some(text.to_owned());
    }
    let expression = ::spdx::Expression::parse_mode(text, READ).ok()?;
    let canonical = Tree::of(&expression)?.render(None);
    ::spdx::Expression::parse_mode(&canonical, WRITTEN)
        .is_ok()
        .then_some(canonical)
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

/// The licences `text` requires all of, each in canonical form, so `diff` compares what the
/// licences mean, not how a format wrote them: a CycloneDX licence list, one CycloneDX
/// expression and the `AND` expression SPDX's `licenseDeclared` must hold for the same list
/// all come to the same terms. `AND` binds tighter than `OR` (SPDX annex D): the expression is
/// cut at `AND` only where `AND` is its top operator, so `MIT OR A AND B` is one term
/// (`MIT OR (A AND B)`), unlike `(MIT OR A) AND B` (two). A term is spelt as the SPDX parser
/// reads it: upper-case operators, single spaces, no redundant parentheses, a nested
/// operator parenthesised. Text that does not parse is cut the same way by its brackets and
/// words, each term trimmed and without enclosing parentheses.
pub fn and_terms(text: &str) -> Vec<String> {
    if let Ok(expression) = ::spdx::Expression::parse_mode(text.trim(), READ)
        && let Some(tree) = Tree::of(&expression)
    {
        return match tree {
            Tree::Op {
                and: true,
                operands,
            } => operands.iter().map(|o| o.render(None)).collect(),
            other => vec![other.render(None)],
        };
    }
    let text = strip_outer_parens(text.trim());
    if text.is_empty() {
        return Vec::new();
    }
    let ands = split_top_level(text, "AND");
    if ands.len() == 1 || split_top_level(text, "OR").len() > 1 {
        return vec![collapse_spaces(text)];
    }
    ands.into_iter().flat_map(and_terms).collect()
}

/// A parsed expression as a tree whose operators hold all their operands (`A OR B OR C` is
/// one `OR` of three), which makes the spelling of equal expressions equal.
enum Tree {
    Leaf(String),
    Op { and: bool, operands: Vec<Tree> },
}

impl Tree {
    /// The tree of `expression` (which the parser hands over in postfix order).
    fn of(expression: &::spdx::Expression) -> Option<Tree> {
        use ::spdx::expression::{ExprNode, Operator};
        let mut stack: Vec<Tree> = Vec::new();
        for node in expression.iter() {
            match node {
                ExprNode::Req(requirement) => stack.push(Tree::Leaf(requirement.req.to_string())),
                ExprNode::Op(operator) => {
                    let and = *operator == Operator::And;
                    let right = stack.pop()?;
                    let left = stack.pop()?;
                    let mut operands = Vec::new();
                    for side in [left, right] {
                        match side {
                            Tree::Op {
                                and: a,
                                operands: o,
                            } if a == and => operands.extend(o),
                            other => operands.push(other),
                        }
                    }
                    stack.push(Tree::Op { and, operands });
                }
            }
        }
        let top = stack.pop()?;
        stack.is_empty().then_some(top)
    }

    /// The canonical spelling; an operator inside another one is parenthesised (an `OR` in an
    /// `AND` must be, an `AND` in an `OR` is for the reader).
    fn render(&self, parent_is_and: Option<bool>) -> String {
        match self {
            Tree::Leaf(text) => text.clone(),
            Tree::Op { and, operands } => {
                let word = if *and { " AND " } else { " OR " };
                let text = operands
                    .iter()
                    .map(|o| o.render(Some(*and)))
                    .collect::<Vec<_>>()
                    .join(word);
                if parent_is_and.is_some_and(|p| p != *and) {
                    format!("({text})")
                } else {
                    text
                }
            }
        }
    }
}

/// `text` with each run of whitespace made one space.
fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` cut at each `word` (an operator, any case) that stands outside parentheses between
/// whitespace or brackets.
fn split_top_level<'a>(text: &'a str, word: &str) -> Vec<&'a str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let bytes = text.as_bytes();
    let boundary = |b: u8| b.is_ascii_whitespace() || b == b'(' || b == b')';
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            _ if depth == 0
                && text
                    .get(i..i + word.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(word))
                && (i == 0 || boundary(bytes[i - 1]))
                && bytes.get(i + word.len()).is_some_and(|b| boundary(*b)) =>
            {
                parts.push(&text[start..i]);
                start = i + word.len();
                i += word.len();
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

    /// F8: `AND` binds tighter than `OR`. The three spellings of `MIT OR (A AND B)` are one
    /// term; `(MIT OR A) AND B` is two, so a diff between them is a licence change.
    #[test]
    fn f8_and_binds_tighter_than_or() {
        let one = and_terms("MIT OR Apache-2.0 WITH LLVM-exception AND BSD-3-Clause");
        assert_eq!(
            one,
            ["MIT OR (Apache-2.0 WITH LLVM-exception AND BSD-3-Clause)"]
        );
        assert_eq!(
            and_terms("MIT OR (Apache-2.0 WITH LLVM-exception AND BSD-3-Clause)"),
            one
        );
        assert_eq!(
            and_terms("(MIT or Apache-2.0  WITH LLVM-exception and BSD-3-Clause)"),
            one
        );
        assert_eq!(
            and_terms("(MIT OR Apache-2.0 WITH LLVM-exception) AND BSD-3-Clause"),
            ["MIT OR Apache-2.0 WITH LLVM-exception", "BSD-3-Clause"]
        );
        // Text the parser refuses is cut the same way.
        assert_eq!(
            and_terms("Not-A-Licence OR MIT AND ISC"),
            ["Not-A-Licence OR MIT AND ISC"]
        );
        assert_eq!(
            and_terms("(Not-A-Licence OR MIT) and ISC"),
            ["Not-A-Licence OR MIT", "ISC"]
        );
    }

    /// F8: what is truly equal stays equal: operator case and spacing, redundant parentheses,
    /// associativity.
    #[test]
    fn f8_equivalent_spellings_have_equal_terms() {
        assert_eq!(
            and_terms("MIT or Apache-2.0"),
            and_terms("MIT OR Apache-2.0")
        );
        assert_eq!(and_terms("MIT   OR\tApache-2.0"), ["MIT OR Apache-2.0"]);
        assert_eq!(and_terms("((MIT OR Apache-2.0))"), ["MIT OR Apache-2.0"]);
        assert_eq!(
            and_terms("(MIT OR ISC) OR Apache-2.0"),
            and_terms("MIT OR (ISC OR Apache-2.0)")
        );
        assert_eq!(and_terms("MIT and ISC"), ["MIT", "ISC"]);
    }

    /// F9: the deprecated GNU `+` ids become the ids the SPDX list replaced them with (the
    /// `spdx` crate's own rewriting), so the document validator accepts what is written.
    #[test]
    fn f9_gnu_plus_becomes_or_later() {
        for (declared, written) in [
            ("GPL-2.0+", "GPL-2.0-or-later"),
            ("LGPL-2.1+", "LGPL-2.1-or-later"),
            (
                "GPL-2.0+ WITH Classpath-exception-2.0",
                "GPL-2.0-or-later WITH Classpath-exception-2.0",
            ),
            ("MIT OR GPL-3.0+", "MIT OR GPL-3.0-or-later"),
            ("MPL-1.1+", "MPL-1.1+"),
            (
                "Apache-2.0 WITH LLVM-exception",
                "Apache-2.0 WITH LLVM-exception",
            ),
        ] {
            assert_eq!(
                from_declared(declared),
                License::Expression(written.into()),
                "{declared}"
            );
            assert!(
                ::spdx::Expression::parse_mode(written, WRITTEN).is_ok(),
                "{written}"
            );
        }
        assert_eq!(and_terms("GPL-2.0+"), ["GPL-2.0-or-later"]);
        assert_eq!(
            from_declared("MIT OR Not-A-Licence"),
            License::Named("MIT OR Not-A-Licence".into())
        );
    }
}
