//! Names from disk, shown so that they cannot lie: the one escaping function every output of
//! a name goes through (issue 11, items 6 and 8).
//!
//! A file name is bytes chosen by whoever made the file. Printed raw, a newline in it starts a
//! forged report line (`x\n✓ bert: signed`), an escape sequence repaints the terminal, a
//! right-to-left override reverses what follows, bytes that are not UTF-8 all print as the
//! same `�`, and a name in NFD (`e` + U+0301) prints exactly like its NFC twin (`é`) although
//! it is another file. [`text`] shows every such name quoted, with escapes; every other name
//! is shown as it is. [`json`] is the same for JSON strings, where the encoder already
//! escapes control characters and only bytes that are not UTF-8 need a spelling.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::fmt::Write as _;

/// A name as text output shows it. A name that is printable UTF-8 in NFC is shown as it is.
/// Any other is shown in double quotes with these escapes:
/// - `\n`, `\r`, `\t`, `\\`, `\"`;
/// - other control characters, format characters (bidirectional, zero-width, soft hyphen,
///   tags), line and paragraph separators and default-ignorable code points as `\u{202e}`;
/// - every byte that is not UTF-8 as `\xff`;
/// - in a name that is not in NFC, every non-ASCII character as `\u{301}`, so `"e\u{301}"`
///   (NFD) and `é` (NFC) look different.
pub fn text(raw: &OsStr) -> Cow<'_, str> {
    match raw.to_str() {
        Some(name) => text_str(name),
        None => Cow::Owned(quoted(raw.as_encoded_bytes(), false)),
    }
}

/// [`text`] for a name already held as a string (a resource name, an archive member).
pub fn text_str(raw: &str) -> Cow<'_, str> {
    let nfc = is_nfc(raw);
    if nfc && !raw.chars().any(is_hidden) {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned(quoted(raw.as_bytes(), !nfc))
    }
}

/// A message that may quote names (a library's error), kept to one line: every control,
/// bidirectional or zero-width character in it is escaped as [`text`] escapes it (`\n`,
/// `\u{1b}`), without quotes, so a newline in a quoted name cannot start a line of its own.
/// Error and warning lines go through this at the edge, whatever built them.
pub fn one_line(message: &str) -> Cow<'_, str> {
    if !message.chars().any(is_hidden) {
        return Cow::Borrowed(message);
    }
    let mut out = String::with_capacity(message.len() + 8);
    for c in message.chars() {
        if is_hidden(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A path as text output shows it ([`text`]).
pub fn path(path: &std::path::Path) -> Cow<'_, str> {
    text(path.as_os_str())
}

/// A name as a JSON string carries it, losslessly: valid UTF-8 as it is (the JSON encoder
/// escapes control characters, and [`crate::json`] the other hidden ones), each byte that is
/// not UTF-8 as the four characters `\xff`, and so that spelling cannot be forged, every
/// backslash in the name as two (`\\`): a file named `w\xff.bin` (backslash, x, f, f) and a
/// file named `w` + byte 0xff + `.bin` are two strings (red team 5-E). Every name is spelled
/// this way, UTF-8 or not, so one reading rule holds for every JSON path.
pub fn json(raw: &OsStr) -> Cow<'_, str> {
    if let Some(name) = raw.to_str()
        && !name.contains('\\')
    {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(raw.len() + 4);
    for chunk in raw.as_encoded_bytes().utf8_chunks() {
        for c in chunk.valid().chars() {
            if c == '\\' {
                out.push_str("\\\\");
            } else {
                out.push(c);
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    Cow::Owned(out)
}

fn is_nfc(name: &str) -> bool {
    name.is_ascii() || icu_normalizer::ComposingNormalizerBorrowed::new_nfc().is_normalized(name)
}

/// Characters that change or hide how a line reads: controls (Cc), every format character
/// (Cf: bidirectional marks, overrides and isolates, zero-width characters, the byte-order
/// mark, the soft hyphen, interlinear annotation, tags), the line and paragraph separators
/// (Zl, Zp: U+2028 starts a new line on many terminals) and every other default-ignorable
/// code point (fillers, variation selectors, U+034F): a name holding one prints like another
/// name or not at all (red team 3, N-2: `pytorch<U+00AD>model.bin` printed as
/// `pytorchmodel.bin`). The table is Unicode 16's Cf, Zl, Zp and `Default_Ignorable_Code_Point`.
/// JSON output escapes the same characters as `\uXXXX` ([`crate::json`]).
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            // Cf and default ignorables in the BMP.
            '\u{ad}' | '\u{34f}' | '\u{600}'..='\u{605}' | '\u{61c}' | '\u{6dd}' | '\u{70f}'
            | '\u{890}'..='\u{891}' | '\u{8e2}' | '\u{115f}'..='\u{1160}'
            | '\u{17b4}'..='\u{17b5}' | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}'
            // Zl and Zp.
            | '\u{2028}'..='\u{2029}'
            | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' | '\u{ffa0}' | '\u{fff0}'..='\u{fffb}'
            // Cf and default ignorables beyond the BMP.
            | '\u{110bd}' | '\u{110cd}' | '\u{13430}'..='\u{1343f}'
            | '\u{1bca0}'..='\u{1bca3}' | '\u{1d173}'..='\u{1d17a}' | '\u{e0000}'..='\u{e0fff}')
}

/// `bytes` in double quotes with escapes (see [`text`]); `all_non_ascii` escapes every
/// non-ASCII character (a name that is not NFC).
fn quoted(bytes: &[u8], all_non_ascii: bool) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                c if is_hidden(c) || (all_non_ascii && !c.is_ascii()) => push_escaped(&mut out, c),
                c => out.push(c),
            }
        }
        for byte in chunk.invalid() {
            let _ = write!(out, "\\x{byte:02x}");
        }
    }
    out.push('"');
    out
}

/// One character as its escape: `\n`, `\r`, `\t`, or `\u{…}`.
fn push_escaped(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_are_shown_as_they_are() {
        assert_eq!(text_str("weights.bin"), "weights.bin");
        assert_eq!(
            text_str("vocabulaire-élève-语言.txt"),
            "vocabulaire-élève-语言.txt"
        );
        assert!(matches!(text_str("a b"), Cow::Borrowed(_)));
    }

    /// A planted name cannot start a line of its own, nor repaint or reorder one.
    #[test]
    fn a_newline_cannot_forge_a_line() {
        let shown = text_str("x\n✓ fake: signed\u{1b}[2J\u{202e}");
        assert_eq!(shown, "\"x\\n✓ fake: signed\\u{1b}[2J\\u{202e}\"");
        assert!(!shown.contains('\n'));
        assert_eq!(text_str("a\"b\\c\t"), "\"a\\\"b\\\\c\\t\"");
    }

    #[test]
    fn a_message_stays_one_line() {
        let message = "cannot open m/x\n✓ fake: signed: it is a FIFO";
        assert_eq!(
            one_line(message),
            "cannot open m/x\\n✓ fake: signed: it is a FIFO"
        );
        assert!(matches!(one_line("plain é"), Cow::Borrowed(_)));
    }

    #[cfg(unix)]
    #[test]
    fn bytes_that_are_not_utf8_are_spelled_out() {
        use std::os::unix::ffi::OsStrExt;
        assert_eq!(
            text(OsStr::from_bytes(b"m\xff/e\xfe.pkl")),
            "\"m\\xff/e\\xfe.pkl\""
        );
        assert_eq!(json(OsStr::from_bytes(b"m\xff")), "m\\xff");
        assert_ne!(
            json(OsStr::from_bytes(b"m\xff")),
            json(OsStr::from_bytes(b"m\xfe"))
        );
        assert_eq!(
            json(OsStr::new("x\n")),
            "x\n",
            "JSON escapes controls itself"
        );
    }

    /// 5-E (red team 12): a literal backslash is doubled, so the `\xff` spelling of a byte
    /// that is not UTF-8 cannot be forged by a file named `w\xff.bin`.
    #[cfg(unix)]
    #[test]
    fn red_team_5e_a_backslash_name_cannot_pass_for_a_byte() {
        use std::os::unix::ffi::OsStrExt;
        let byte = json(OsStr::from_bytes(b"w\xff.bin"));
        let literal = json(OsStr::new("w\\xff.bin"));
        assert_eq!(byte, "w\\xff.bin");
        assert_eq!(literal, "w\\\\xff.bin");
        assert_ne!(byte, literal);
        assert_eq!(json(OsStr::from_bytes(b"a\\\xfe")), "a\\\\\\xfe");
        assert!(matches!(json(OsStr::new("plain/é.bin")), Cow::Borrowed(_)));
    }

    /// `é` (NFC) and `e` + U+0301 (NFD) are two different files that print the same.
    #[test]
    fn nfd_names_do_not_print_like_their_nfc_twins() {
        let nfc = "\u{e9}l\u{e8}ve.bin";
        let nfd = "e\u{301}le\u{300}ve.bin";
        assert_eq!(text_str(nfc), nfc);
        assert_eq!(text_str(nfd), "\"e\\u{301}le\\u{300}ve.bin\"");
        assert_ne!(text_str(nfc), text_str(nfd));
    }

    /// N-2 (red team 3): these printed raw, so a name holding one read like another name (or
    /// U+2028 started a new line): each is escaped, in a name and in a message.
    #[test]
    fn invisible_and_line_separating_characters_are_escaped() {
        let hidden = [
            '\u{61c}',
            '\u{2028}',
            '\u{2029}',
            '\u{ad}',
            '\u{180e}',
            '\u{fff9}',
            '\u{fffa}',
            '\u{fffb}',
            '\u{1d173}',
            '\u{1d17a}',
            '\u{e0000}',
            '\u{e0001}',
            '\u{e0020}',
            '\u{e007f}',
            '\u{34f}',
            '\u{3164}',
            '\u{115f}',
            '\u{600}',
            '\u{6dd}',
            '\u{70f}',
            '\u{8e2}',
            '\u{110bd}',
            '\u{13430}',
            '\u{1bca0}',
            '\u{fe0f}',
            '\u{e0100}',
            '\u{206a}',
            '\u{200b}',
            '\u{202e}',
            '\u{feff}',
        ];
        for c in hidden {
            let name = format!("pytorch{c}model.bin");
            let shown = text_str(&name);
            let escape = format!("\\u{{{:x}}}", u32::from(c));
            assert_eq!(
                shown,
                format!("\"pytorch{escape}model.bin\""),
                "U+{:04X}",
                u32::from(c)
            );
            assert!(!one_line(&name).contains(c), "U+{:04X}", u32::from(c));
        }
        // Visible letters, spaces and emoji stay as they are.
        for name in ["a b", "\u{e9}", "\u{5d0}\u{5d1}", "\u{1f600}", "\u{3000}x"] {
            assert_eq!(text_str(name), name);
        }
    }
}
