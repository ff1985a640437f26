//! Which kind of SBOM document a file is, decided in one place: reading a document back
//! ([`crate::read`]) and validating it ([`crate::validate`]) used to guess separately and
//! disagreed (a byte-order mark, a JSON object naming both `spdxVersion` and `bomFormat`, or
//! `specVersion` alone), so `diff` and `audit` could read a file as something other than what
//! `validate` had judged.

use serde_json::{Map, Value};

/// The syntax of a document, from its first byte that is not blank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// The first non-blank byte is `{`.
    Json,
    /// The first non-blank byte is `<`.
    Xml,
}

/// What a JSON document claims to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonFamily {
    /// It has a `bomFormat` or `specVersion` key (and no `spdxVersion`).
    CycloneDx,
    /// It has an `spdxVersion` key, whatever else it holds.
    Spdx,
}

/// Why bytes are not a document any reader here takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SniffError {
    /// Nothing but blanks.
    #[error("the document is empty")]
    Empty,
    /// A top-level JSON array; both formats are objects.
    #[error("a JSON array, not a document object")]
    JsonArray,
    /// SPDX in its tag-value syntax, which this crate does not read.
    #[error("SPDX tag-value is not supported; convert it to SPDX JSON")]
    SpdxTagValue,
    /// The first non-blank byte starts neither JSON nor XML.
    #[error("neither JSON nor XML")]
    NeitherJsonNorXml,
}

/// The document without its UTF-8 byte-order mark (Windows tools write one), and its syntax:
/// an object is JSON, an element is XML; anything else is refused.
pub fn syntax(bytes: &[u8]) -> Result<(Syntax, &[u8]), SniffError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Ok((Syntax::Json, bytes)),
        Some(b'<') => Ok((Syntax::Xml, bytes)),
        Some(b'[') => Err(SniffError::JsonArray),
        Some(_) if bytes.trim_ascii_start().starts_with(b"SPDXVersion:") => {
            Err(SniffError::SpdxTagValue)
        }
        Some(_) => Err(SniffError::NeitherJsonNorXml),
        None => Err(SniffError::Empty),
    }
}

/// The family a JSON object claims: `spdxVersion` makes it SPDX (whatever else it holds),
/// else `bomFormat` or `specVersion` makes it CycloneDX.
pub fn json_family(object: &Map<String, Value>) -> Option<JsonFamily> {
    if object.contains_key("spdxVersion") {
        Some(JsonFamily::Spdx)
    } else if object.contains_key("bomFormat") || object.contains_key("specVersion") {
        Some(JsonFamily::CycloneDx)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn family(text: &str) -> Option<JsonFamily> {
        let value: Value = serde_json::from_str(text).unwrap();
        json_family(value.as_object().unwrap())
    }

    #[test]
    fn syntax_from_the_first_byte_after_a_byte_order_mark() {
        assert_eq!(
            syntax(b"\xEF\xBB\xBF {}").unwrap(),
            (Syntax::Json, &b" {}"[..])
        );
        assert_eq!(syntax(b"\n<bom/>").unwrap().0, Syntax::Xml);
        assert_eq!(syntax(b" [1]"), Err(SniffError::JsonArray));
        assert_eq!(
            syntax(b"SPDXVersion: SPDX-2.3"),
            Err(SniffError::SpdxTagValue)
        );
        assert_eq!(syntax(b"PK\x03\x04"), Err(SniffError::NeitherJsonNorXml));
        assert_eq!(syntax(b" \n"), Err(SniffError::Empty));
        // A second mark, or one in another encoding, is not skipped.
        assert_eq!(
            syntax(b"\xEF\xBB\xBF\xEF\xBB\xBF{}"),
            Err(SniffError::NeitherJsonNorXml)
        );
    }

    #[test]
    fn spdx_version_wins_over_cyclonedx_keys() {
        assert_eq!(
            family(r#"{"bomFormat": "CycloneDX", "spdxVersion": "SPDX-2.3"}"#),
            Some(JsonFamily::Spdx)
        );
        assert_eq!(
            family(r#"{"specVersion": "1.6"}"#),
            Some(JsonFamily::CycloneDx)
        );
        assert_eq!(family(r#"{"name": "x"}"#), None);
    }
}
