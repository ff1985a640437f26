//! Licences that once broke `sbom create` or `sbom diff` (issue 12, red team F8 and F9): a
//! package declaring a deprecated GNU `+` id made the whole document invalid (exit 70), and
//! `diff` cut `MIT OR A AND B` at its `AND` although `AND` binds tighter than `OR`.

use std::path::Path;

use crate::cross_format::{assert_cross_format_clean, documents};
use crate::writers::check_all_formats;
use modelseal_bom::bom::{Bom, Component, Kind, License};
use modelseal_bom::diff::{diff, render_text};
use modelseal_bom::read::read_document;
use modelseal_sbom::collect::Diagnostics;
use modelseal_sbom::python::collect_environment;

/// A `site-packages` with one distribution per (name, METADATA lines).
fn site_with(dir: &Path, packages: &[(&str, &str)]) {
    for (name, lines) in packages {
        let dist = dir.join(format!("{name}-1.0.dist-info"));
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(
            dist.join("METADATA"),
            format!("Metadata-Version: 2.4\nName: {name}\nVersion: 1.0\n{lines}\n"),
        )
        .unwrap();
        std::fs::write(dist.join("RECORD"), "").unwrap();
    }
}

/// Every document `sbom create` can write for `bom` passes the check it makes before writing
/// (the built-in validator), besides the official schemas and peers `check_all_formats` runs.
fn assert_self_valid(bom: &Bom, label: &str) {
    let (cyclonedx, spdx) = documents(bom);
    for (format, bytes) in cyclonedx.into_iter().chain([("SPDX".to_owned(), spdx)]) {
        let report =
            modelseal_bom::validate::validate(&bytes, &modelseal_bom::validate::Options::default())
                .unwrap();
        let errors: Vec<String> = report.errors().map(ToString::to_string).collect();
        assert!(report.is_valid(), "{label}, {format}: {errors:#?}");
    }
}

fn cyclonedx_licences(bom: &Bom) -> serde_json::Value {
    let json = modelseal_bom::cyclonedx::to_json(
        bom,
        modelseal_bom::cyclonedx::SpecVersion::V1_6,
        "2026-11-23T00:00:00Z",
    );
    json["components"][0]["licenses"].clone()
}

/// F9: one package whose licence is a deprecated GNU `+` id (or any SPDX expression that is
/// not a plain id) no longer sinks the SBOM: every format is valid, by the official schemas,
/// the peers and modelseal's own check, and CycloneDX and SPDX still say the same.
#[test]
fn f9_a_deprecated_gnu_plus_licence_makes_a_valid_sbom() {
    for (metadata, cyclonedx) in [
        (
            "License: GPL-2.0+",
            r#"[{"license":{"id":"GPL-2.0-or-later"}}]"#,
        ),
        (
            "License-Expression: LGPL-2.1+",
            r#"[{"license":{"id":"LGPL-2.1-or-later"}}]"#,
        ),
        (
            "License-Expression: GPL-2.0+",
            r#"[{"license":{"id":"GPL-2.0-or-later"}}]"#,
        ),
        (
            "License-Expression: GPL-2.0+ WITH Classpath-exception-2.0",
            r#"[{"expression":"GPL-2.0-or-later WITH Classpath-exception-2.0"}]"#,
        ),
        (
            "License-Expression: Apache-2.0 WITH LLVM-exception",
            r#"[{"expression":"Apache-2.0 WITH LLVM-exception"}]"#,
        ),
        (
            "License-Expression: MIT OR Not-A-Licence",
            r#"[{"license":{"name":"MIT OR Not-A-Licence"}}]"#,
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        site_with(dir.path(), &[("x", metadata)]);
        let bom = collect_environment(dir.path(), &mut Diagnostics::strict()).unwrap();
        assert_eq!(
            cyclonedx_licences(&bom),
            serde_json::from_str::<serde_json::Value>(cyclonedx).unwrap(),
            "{metadata}"
        );
        assert_self_valid(&bom, metadata);
        check_all_formats(&bom, metadata);
        assert_cross_format_clean(&bom, metadata);
    }
}

/// F8: a venv whose packages declare an `OR` with an `AND` inside (and an `AND` with a
/// `WITH`) diffs clean between its CycloneDX and SPDX documents, both ways.
#[test]
fn f8_an_or_around_an_and_diffs_clean_across_formats() {
    let dir = tempfile::tempdir().unwrap();
    site_with(
        dir.path(),
        &[
            (
                "orwith",
                "License-Expression: MIT OR (Apache-2.0 WITH LLVM-exception AND BSD-3-Clause)",
            ),
            (
                "orwith-bare",
                "License-Expression: MIT OR Apache-2.0 WITH LLVM-exception AND BSD-3-Clause",
            ),
            (
                "llvmlite",
                "License-Expression: BSD-2-Clause AND Apache-2.0 WITH LLVM-exception",
            ),
            (
                "andor",
                "License-Expression: (MIT OR Apache-2.0 WITH LLVM-exception) AND BSD-3-Clause",
            ),
        ],
    );
    let bom = collect_environment(dir.path(), &mut Diagnostics::strict()).unwrap();
    assert_self_valid(&bom, "precedence");
    assert_cross_format_clean(&bom, "precedence");
}

/// A BOM with one package licensed `licenses`, written as CycloneDX 1.6 JSON and read back.
fn read_back(licenses: Vec<License>) -> Bom {
    let mut bom = Bom::new(Component::new("app", Kind::Application, "app"));
    let mut c = Component::package("pkg:pypi/orwith@1.0", "orwith", "1.0");
    c.licenses = licenses;
    bom.add(c);
    let (cyclonedx, _) = documents(&bom);
    read_document(&cyclonedx[2].1).unwrap().0
}

fn expression(text: &str) -> Bom {
    read_back(vec![License::Expression(text.into())])
}

/// F8: `sbom diff` compares what licences mean: `AND` binds tighter than `OR`, so
/// `MIT OR A AND B` equals `MIT OR (A AND B)` and differs from `(MIT OR A) AND B`; a list
/// `[A, B]` equals `A AND B`; parentheses, spacing and operator case change nothing.
#[test]
fn f8_licence_diff_follows_spdx_precedence() {
    let same = |a: &Bom, b: &Bom, label: &str| {
        let d = diff(a, b);
        assert!(d.is_empty(), "{label}:\n{}", render_text(&d));
    };
    let p1 = expression("MIT OR (Apache-2.0 WITH LLVM-exception AND BSD-3-Clause)");
    let p2 = expression("MIT OR Apache-2.0 WITH LLVM-exception AND BSD-3-Clause");
    let p3 = expression("(MIT OR Apache-2.0 WITH LLVM-exception) AND BSD-3-Clause");
    same(&p1, &p2, "redundant parentheses around the AND");
    for (a, b) in [(&p1, &p3), (&p2, &p3), (&p3, &p2)] {
        let d = diff(a, b);
        assert_eq!(d.license_changed.len(), 1, "{}", render_text(&d));
    }
    same(
        &read_back(vec![
            License::Expression("MIT".into()),
            License::Expression("Apache-2.0".into()),
        ]),
        &expression("MIT AND Apache-2.0"),
        "a list against an AND",
    );
    same(
        &expression("((MIT OR Apache-2.0))"),
        &expression("MIT  or  Apache-2.0"),
        "outer parentheses, spacing, operator case",
    );
}
