//! PEP 508 requirement parsing, guarded. `pep508_rs` 0.9 panics (an internal `expect`) on a
//! package or extra name that ends in `-`, `_` or `.` and is followed by more text (`a- >=1`,
//! `a[b-]`), which fuzzing the requirements collector found. Requirements come from files an
//! attacker may write (`METADATA`, `requirements.txt`), so names are checked here first and such
//! lines are refused with an error instead.

use std::str::FromStr;

use pep508_rs::Requirement;

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// The leading run of name characters of `text`, and what follows it.
fn leading_name(text: &str) -> (&str, &str) {
    let end = text.find(|c: char| !is_name_char(c)).unwrap_or(text.len());
    text.split_at(end)
}

fn ends_in_separator(name: &str) -> bool {
    name.ends_with(['-', '_', '.'])
}

/// Refuses the names `pep508_rs` would panic on.
fn check_names(text: &str) -> Result<(), String> {
    let (name, rest) = leading_name(text.trim_start());
    if ends_in_separator(name) {
        return Err(format!(
            "package name `{name}` must end with a letter or digit"
        ));
    }
    let Some(extras) = rest.trim_start().strip_prefix('[') else {
        return Ok(());
    };
    let extras = extras.split(']').next().unwrap_or(extras);
    for extra in extras.split(',') {
        let (extra, _) = leading_name(extra.trim_start());
        if ends_in_separator(extra) {
            return Err(format!("extra `{extra}` must end with a letter or digit"));
        }
    }
    Ok(())
}

/// Parses one PEP 508 requirement (`name[extras] (specifiers) ; marker`).
pub(crate) fn parse_requirement(text: &str) -> Result<Requirement, String> {
    check_names(text)?;
    Requirement::from_str(text).map_err(|e| e.message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_pep508_rs_panics_on_are_errors() {
        for text in ["c_ >=1", "c- ", "a.;x", "a[b-]", "a[ok, b_ ]", "a [b.,c]"] {
            let error = parse_requirement(text).unwrap_err();
            assert!(
                error.contains("must end with a letter or digit"),
                "{text}: {error}"
            );
        }
    }

    #[test]
    fn ordinary_requirements_parse() {
        for text in [
            "numpy>=1.22",
            "Typing_Extensions (>=4.0)",
            "requests[socks, security] ; python_version >= '3.8'",
            "zope.interface",
        ] {
            parse_requirement(text).unwrap();
        }
        assert!(parse_requirement("").is_err());
        assert!(parse_requirement("-e .").is_err());
    }
}
