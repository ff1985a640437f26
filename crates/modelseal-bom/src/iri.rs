//! Links as the schemas accept them: every URL a document carries must be an RFC 3987 IRI
//! reference (CycloneDX `iri-reference`, SPDX `anyURI`). Package metadata is not: a Project-URL
//! such as `https://matrix.to/#/#aio-libs-space:matrix.org` has a second `#`, others carry
//! spaces, `|` or `\`. [`reference()`] percent-encodes what can be encoded and refuses what
//! cannot become a reference (a scheme-like prefix that is no scheme), so writers drop that
//! link rather than write a document the official validators reject.
//!
//! Written by hand: the `url` crate normalises and rejects relative references and IRIs, and
//! no maintained crate encodes a string *into* a valid IRI reference.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::bom::ExternalReference;

/// A component's links as a CycloneDX writer emits them: each URL made an IRI reference (or
/// the link dropped), sorted, duplicates once.
pub fn references(links: &[ExternalReference]) -> Vec<ExternalReference> {
    let mut out: Vec<ExternalReference> = links
        .iter()
        .filter_map(|link| {
            reference(&link.url).map(|url| ExternalReference::new(link.kind, url.into_owned()))
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// `url` as a valid IRI reference: unchanged when it already is one, percent-encoded where it
/// is not; `None` when no encoding makes it one (empty, or `x y:` — a first segment with a
/// colon that is not a scheme).
pub fn reference(url: &str) -> Option<Cow<'_, str>> {
    let url = url.trim();
    if url.is_empty() || !scheme_is_valid(url) {
        return None;
    }
    let mut out = String::with_capacity(url.len());
    let mut in_fragment = false;
    let mut in_query = false;
    let bytes = url.as_bytes();
    for (i, c) in url.char_indices() {
        match c {
            '#' if !in_fragment => {
                in_fragment = true;
                out.push(c);
            }
            '?' if !in_fragment => {
                in_query = true;
                out.push(c);
            }
            '%' if is_hex(bytes.get(i + 1)) && is_hex(bytes.get(i + 2)) => out.push(c),
            c if c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/?".contains(c) => out.push(c),
            // IP-literals are the only place brackets may stand, in the authority.
            '[' | ']' if !in_query && !in_fragment && in_authority(url, i) => out.push(c),
            c if is_ucschar(c) || (in_query && is_iprivate(c)) => out.push(c),
            c => {
                let mut buffer = [0u8; 4];
                for byte in c.encode_utf8(&mut buffer).bytes() {
                    let _ = write!(out, "%{byte:02X}");
                }
            }
        }
    }
    Some(if out == url {
        Cow::Borrowed(url)
    } else {
        Cow::Owned(out)
    })
}

/// A colon before any `/`, `?` or `#` ends a scheme, which must be `ALPHA *( ALPHA / DIGIT /
/// "+" / "-" / "." )`; a relative reference cannot have a colon in its first segment.
fn scheme_is_valid(url: &str) -> bool {
    let first = url.find(['/', '?', '#']).map_or(url, |end| &url[..end]);
    let Some((scheme, _)) = first.split_once(':') else {
        return true;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

/// Whether byte offset `at` lies in the authority (`//host[:port]` after the scheme).
fn in_authority(url: &str, at: usize) -> bool {
    let Some(start) = url.find("//").map(|i| i + 2) else {
        return false;
    };
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    (start..end).contains(&at)
}

fn is_hex(byte: Option<&u8>) -> bool {
    byte.is_some_and(u8::is_ascii_hexdigit)
}

/// RFC 3987 `ucschar`: the non-ASCII characters an IRI may hold unencoded.
fn is_ucschar(c: char) -> bool {
    let c = u32::from(c);
    matches!(c, 0xA0..=0xD7FF | 0xF900..=0xFDCF | 0xFDF0..=0xFFEF)
        || (0x1_0000..=0xE_FFFD).contains(&c) && (c & 0xFFFE) != 0xFFFE
}

/// RFC 3987 `iprivate`, allowed in the query only.
fn is_iprivate(c: char) -> bool {
    let c = u32::from(c);
    matches!(c, 0xE000..=0xF8FF | 0xF_0000..=0xF_FFFD | 0x10_0000..=0x10_FFFD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_hash_is_encoded_in_the_fragment() {
        assert_eq!(
            reference("https://matrix.to/#/#aio-libs-space:matrix.org").as_deref(),
            Some("https://matrix.to/#/%23aio-libs-space:matrix.org")
        );
    }

    #[test]
    fn valid_references_are_borrowed_unchanged() {
        for url in [
            "https://numpy.org",
            "https://github.com/a/b.git#v1.0",
            "git+https://github.com/a/b@0123abcd",
            "https://example.com/a%20b?q=1&r=2",
            "https://[::1]:8080/x",
            "https://例え.jp/パス",
            "relative/path",
        ] {
            assert!(
                matches!(reference(url), Some(Cow::Borrowed(u)) if u == url),
                "{url}"
            );
        }
    }

    #[test]
    fn what_an_iri_cannot_hold_is_percent_encoded() {
        assert_eq!(
            reference("https://x.org/a b|c\\d\"e<f>{g}^`").as_deref(),
            Some("https://x.org/a%20b%7Cc%5Cd%22e%3Cf%3E%7Bg%7D%5E%60")
        );
        assert_eq!(
            reference("https://x.org/100%").as_deref(),
            Some("https://x.org/100%25")
        );
        assert_eq!(
            reference("https://x.org/p[1]").as_deref(),
            Some("https://x.org/p%5B1%5D")
        );
        assert_eq!(
            reference("https://x.org/\u{1}\u{7f}").as_deref(),
            Some("https://x.org/%01%7F")
        );
    }

    #[test]
    fn what_no_encoding_makes_a_reference_is_refused() {
        assert_eq!(reference(""), None);
        assert_eq!(reference("   "), None);
        assert_eq!(reference("ht tp://x.org"), None);
        assert_eq!(reference("1http://x.org"), None);
    }
}
