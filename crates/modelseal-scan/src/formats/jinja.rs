//! A Jinja lexer, enough to see a template's code as Jinja does: text outside tags is output
//! (skipped), comments and `{% raw %}` blocks are skipped, and the inside of `{{ }}` and
//! `{% %}` is split into names, decoded string literals, integers and operators. String
//! literals are decoded as Jinja decodes them (Python's `unicode-escape`: `\x5f`, `\u005f`,
//! `\U0000005f`, `\137`, `\N{LOW LINE}` is not decoded), so a name spelled with escapes is
//! seen as the name.

/// One token of template code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Token {
    /// An identifier (`messages`, `__class__`).
    Name(String),
    /// A string literal, decoded.
    Str(String),
    /// An integer literal (larger ones saturate).
    Int(i64),
    /// Any operator or bracket (`.`, `|`, `[`, `(`, `~`, `==`, ...).
    Op(String),
}

/// The tokens of every tag and expression of `template`, in order.
pub fn tokenize(template: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.chars().next() {
            Some('#') => {
                // A comment: skip to its end (an unterminated one runs to the end).
                rest = after.find("#}").map_or("", |end| &after[end + 2..]);
            }
            Some(open @ ('{' | '%')) => {
                let close = if open == '{' { "}}" } else { "%}" };
                let (tag, remainder) = lex_tag(&after[1..], close);
                if open == '%' && is_raw(&tag) {
                    rest = skip_raw(remainder);
                } else {
                    rest = remainder;
                    tokens.extend(tag);
                }
            }
            _ => rest = after,
        }
    }
    tokens
}

fn is_raw(tag: &[Token]) -> bool {
    let names: Vec<&Token> = tag
        .iter()
        .filter(|t| !matches!(t, Token::Op(op) if op == "-" || op == "+"))
        .collect();
    matches!(names.as_slice(), [Token::Name(n)] if n == "raw")
}

/// The text after `{% raw %}`: everything up to the `{% endraw %}` tag is output.
fn skip_raw(rest: &str) -> &str {
    let mut search = rest;
    while let Some(start) = search.find("{%") {
        let (tag, remainder) = lex_tag(&search[start + 2..], "%}");
        let is_end = tag
            .iter()
            .any(|t| matches!(t, Token::Name(n) if n == "endraw"));
        if is_end {
            return remainder;
        }
        search = &search[start + 2..];
    }
    ""
}

/// Lexes one tag's code up to `close` (outside string literals); returns its tokens and the
/// text after it.
fn lex_tag<'t>(code: &'t str, close: &str) -> (Vec<Token>, &'t str) {
    let mut tokens = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &code[i..];
        if rest.starts_with(close) {
            return (tokens, &code[i + close.len()..]);
        }
        let Some(c) = rest.chars().next() else { break };
        if c.is_whitespace() {
            i += c.len_utf8();
        } else if c == '\'' || c == '"' {
            let (value, used) = string_literal(rest);
            tokens.push(Token::Str(value));
            i += used;
        } else if c.is_ascii_digit() {
            let used = rest
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                .unwrap_or(rest.len());
            tokens.push(Token::Int(parse_int(&rest[..used])));
            i += used;
        } else if c.is_alphabetic() || c == '_' {
            let used = rest
                .find(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
                .unwrap_or(rest.len());
            tokens.push(Token::Name(rest[..used].to_owned()));
            i += used;
        } else {
            let two = rest
                .get(..2)
                .filter(|t| matches!(*t, "**" | "//" | "==" | "!=" | "<=" | ">="));
            let op = two.unwrap_or(&rest[..c.len_utf8()]);
            tokens.push(Token::Op(op.to_owned()));
            i += op.len();
        }
    }
    (tokens, "")
}

/// An integer literal as Jinja reads it: decimal with `_`, or `0x`/`0o`/`0b`. Anything else
/// (a float) is 0: only integers build characters.
fn parse_int(text: &str) -> i64 {
    let digits: String = text.chars().filter(|c| *c != '_').collect();
    let lower = digits.to_ascii_lowercase();
    let (radix, body) = if let Some(hex) = lower.strip_prefix("0x") {
        (16, hex)
    } else if let Some(oct) = lower.strip_prefix("0o") {
        (8, oct)
    } else if let Some(bin) = lower.strip_prefix("0b") {
        (2, bin)
    } else {
        (10, lower.as_str())
    };
    i64::from_str_radix(body, radix).unwrap_or(0)
}

/// Decodes the string literal at the start of `text` (which starts with its quote); returns
/// the value and the bytes used (to the end of `text` when unterminated).
fn string_literal(text: &str) -> (String, usize) {
    let mut chars = text.char_indices();
    let Some((_, quote)) = chars.next() else {
        return (String::new(), 0);
    };
    let mut value = String::new();
    while let Some((i, c)) = chars.next() {
        if c == quote {
            return (value, i + c.len_utf8());
        }
        if c != '\\' {
            value.push(c);
            continue;
        }
        let Some((j, escape)) = chars.next() else {
            value.push('\\');
            break;
        };
        let simple = match escape {
            '\n' => Some(None),
            '\\' => Some(Some('\\')),
            '\'' => Some(Some('\'')),
            '"' => Some(Some('"')),
            'a' => Some(Some('\u{7}')),
            'b' => Some(Some('\u{8}')),
            'f' => Some(Some('\u{c}')),
            'n' => Some(Some('\n')),
            'r' => Some(Some('\r')),
            't' => Some(Some('\t')),
            'v' => Some(Some('\u{b}')),
            _ => None,
        };
        if let Some(decoded) = simple {
            value.extend(decoded);
            continue;
        }
        if escape == 'N' {
            // `\N{LOW LINE}`: a character by its Unicode name.
            let after = j + escape.len_utf8();
            let named = text[after..]
                .strip_prefix('{')
                .and_then(|rest| rest.split_once('}'))
                .map(|(name, _)| name);
            if let Some(name) = named {
                value.extend(char_named(name));
                for _ in 0..name.chars().count() + 2 {
                    chars.next();
                }
            } else {
                value.push('\\');
                value.push(escape);
            }
            continue;
        }
        let width = match escape {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            '0'..='7' => 0,
            _ => {
                value.push('\\');
                value.push(escape);
                continue;
            }
        };
        let after = j + escape.len_utf8();
        if width == 0 {
            // Up to three octal digits, the first being `escape`.
            let octal: String = text[j..]
                .chars()
                .take(3)
                .take_while(|d| ('0'..='7').contains(d))
                .collect();
            for _ in 1..octal.len() {
                chars.next();
            }
            value.extend(u32::from_str_radix(&octal, 8).ok().and_then(char::from_u32));
            continue;
        }
        let hex = text
            .get(after..after + width)
            .filter(|h| h.chars().all(|d| d.is_ascii_hexdigit()));
        if let Some(decoded) = hex
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32)
        {
            value.push(decoded);
            for _ in 0..width {
                chars.next();
            }
        } else {
            value.push('\\');
            value.push(escape);
        }
    }
    (value, text.len())
}

/// The characters a name can be spelled with, by their Unicode names (`LOW LINE`,
/// `LATIN SMALL LETTER C`, `DIGIT ONE`, `FULL STOP`); other names decode to nothing.
fn char_named(name: &str) -> Option<char> {
    const DIGITS: [&str; 10] = [
        "ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE",
    ];
    let name = name.trim().to_ascii_uppercase();
    match name.as_str() {
        "LOW LINE" => return Some('_'),
        "FULL STOP" => return Some('.'),
        _ => {}
    }
    let letter = |prefix: &str| {
        name.strip_prefix(prefix)
            .filter(|rest| rest.len() == 1)
            .and_then(|rest| rest.chars().next())
    };
    if let Some(c) = letter("LATIN SMALL LETTER ") {
        return Some(c.to_ascii_lowercase());
    }
    if let Some(c) = letter("LATIN CAPITAL LETTER ") {
        return Some(c);
    }
    let digit = name.strip_prefix("DIGIT ")?;
    DIGITS
        .iter()
        .position(|d| *d == digit)
        .and_then(|i| char::from_digit(u32::try_from(i).ok()?, 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(template: &str) -> Vec<Token> {
        tokenize(template)
    }

    #[test]
    fn text_comments_and_raw_blocks_are_not_code() {
        assert_eq!(names("__class__ {# x.__class__ #}"), vec![]);
        assert_eq!(
            names("{% raw %}{{ x.__class__ }}{% endraw %}{{ y }}"),
            vec![Token::Name("y".into())]
        );
    }

    #[test]
    fn strings_are_decoded_as_jinja_does() {
        assert_eq!(
            names(r"{{ '\N{LOW LINE}\N{latin small letter c}\N{DIGIT ONE}\N{SNOWMAN}' }}"),
            vec![Token::Str("_c1".into())]
        );
        assert_eq!(
            names(r"{{ '\x5f\u005f\U0000005f\137' ~ 'a\'b' }}"),
            vec![
                Token::Str("____".into()),
                Token::Op("~".into()),
                Token::Str("a'b".into())
            ]
        );
        // A closing delimiter inside a string does not end the tag.
        assert_eq!(
            names("{{ '}}' }}x{{ 0x5f }}"),
            vec![Token::Str("}}".into()), Token::Int(95)]
        );
    }

    #[test]
    fn unterminated_input_ends_without_panic() {
        for t in [
            "{{",
            "{{ '",
            "{{ '\\",
            "{{ '\\x5",
            "{% raw %}",
            "{#",
            "{{ \"\\u12",
        ] {
            let _ = tokenize(t);
        }
    }
}
