//! JSON that is safe to `cat` on a terminal (red team 5-A). `serde_json` escapes only `"`, `\`
//! and C0 controls, so a file name holding DEL, a C1 control (U+009B is a CSI on many
//! terminals), a bidirectional override (U+202E) or a line separator (U+2028) reached stdout,
//! SARIF files and audit logs raw. These writers escape every character [`crate::name`] calls
//! hidden as `\uXXXX`: the parsed value is the same string, only its bytes on disk change.

use std::io;

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};

/// `value` as pretty-printed JSON, hidden characters escaped.
pub fn to_vec_pretty<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut out, Escaping(PrettyFormatter::new()));
    value.serialize(&mut serializer)?;
    Ok(out)
}

/// `value` as compact JSON (one line), hidden characters escaped.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut out, Escaping(CompactFormatter));
    value.serialize(&mut serializer)?;
    Ok(out)
}

/// A formatter that writes what `F` writes, except that in strings every character
/// [`crate::name::is_hidden`] names is written as `\uXXXX` (a surrogate pair beyond the BMP).
#[derive(Debug, Clone, Default)]
pub struct Escaping<F>(pub F);

impl<F: Formatter> Formatter for Escaping<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (at, c) in fragment.char_indices() {
            if crate::name::is_hidden(c) {
                writer.write_all(&fragment.as_bytes()[start..at])?;
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
                start = at + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }

    // The layout is `F`'s.
    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }
    fn end_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_key(writer)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

#[cfg(test)]
mod tests {
    /// 5-A: DEL, C1 CSI, U+202E, U+2028, a tag character and ESC never reach the bytes raw,
    /// and the parsed value is the original string.
    #[test]
    fn red_team_5a_hidden_characters_are_escaped_in_json() {
        let name = "a\u{1b}[31m del\u{7f} csi\u{9b}31m \u{202e}nib.exe \u{2028} \u{e0001} é";
        let value = serde_json::json!({ "path": name, "list": [name] });
        for bytes in [
            super::to_vec(&value).unwrap(),
            super::to_vec_pretty(&value).unwrap(),
        ] {
            let text = String::from_utf8(bytes.clone()).unwrap();
            for c in [
                '\u{1b}',
                '\u{7f}',
                '\u{9b}',
                '\u{202e}',
                '\u{2028}',
                '\u{e0001}',
            ] {
                assert!(!text.contains(c), "U+{:04X} raw in {text}", u32::from(c));
            }
            assert!(text.contains("\\u007f") && text.contains("\\udb40\\udc01"));
            assert!(text.contains('é'), "visible characters stay as they are");
            let parsed: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(parsed, value);
        }
        let plain = serde_json::json!({ "path": "m/w.bin", "list": [1, {"a": null}] });
        assert_eq!(
            super::to_vec_pretty(&plain).unwrap(),
            serde_json::to_vec_pretty(&plain).unwrap(),
            "the layout is serde_json's"
        );
        assert_eq!(
            super::to_vec(&plain).unwrap(),
            serde_json::to_vec(&plain).unwrap()
        );
    }
}
