//! The Python literals a `.npy` header is written in, read as `ast.literal_eval` (numpy's
//! `safe_eval`) reads them: either quote style, string prefixes and escapes, adjacent strings
//! concatenated, comments, tuples, lists, dicts (the last of two equal keys wins). Reading the
//! header any more loosely than numpy lets a hostile file spell its dtype so numpy sees an
//! object array (a pickle it runs) while a scanner sees floats.

/// A Python literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// A `str` (escapes decoded).
    Str(String),
    /// A `bytes` (decoded as Latin-1 so it can be compared like a string).
    Bytes(String),
    /// An integer that fits 128 bits.
    Int(i128),
    /// Any other number (float, complex, huge integer), as written.
    Number(String),
    /// `True` or `False`.
    Bool(bool),
    /// `None`.
    None,
    /// `(a, b)`.
    Tuple(Vec<Literal>),
    /// `[a, b]`.
    List(Vec<Literal>),
    /// `{k: v}`, in the order written (duplicates kept; see [`Literal::get`]).
    Dict(Vec<(Literal, Literal)>),
    /// `{a, b}`.
    Set(Vec<Literal>),
}

/// Why a header is not a literal this reader understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LiteralError {
    /// Something that is no Python literal (or one this reader does not implement) at `offset`.
    #[error("not a Python literal at character {offset}")]
    Syntax {
        /// Where, in characters from the header's start.
        offset: usize,
    },
    /// Brackets nested deeper than the literal reader allows (64 levels; numpy headers nest
    /// two or three).
    #[error("literal nested deeper than {MAX_DEPTH}")]
    TooDeep,
}

/// Nesting bound: real dtypes nest a few levels; a deeper header is hostile.
pub(crate) const MAX_DEPTH: usize = 64;

impl Literal {
    /// Parses `text` as one Python literal (surrounding whitespace and comments allowed).
    pub fn parse(text: &str) -> Result<Literal, LiteralError> {
        let mut p = Parser {
            chars: text.chars().collect(),
            at: 0,
        };
        let value = p.value(0)?;
        p.skip_blank();
        if p.at == p.chars.len() {
            Ok(value)
        } else {
            Err(p.syntax())
        }
    }

    /// The value of string key `key` in a dict: the last one written, as Python keeps it.
    pub fn get(&self, key: &str) -> Option<&Literal> {
        let Literal::Dict(entries) = self else {
            return None;
        };
        entries
            .iter()
            .rev()
            .find(|(k, _)| matches!(k, Literal::Str(s) if s == key))
            .map(|(_, v)| v)
    }
}

impl std::fmt::Display for Literal {
    /// Python's repr, near enough for evidence.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn seq(f: &mut std::fmt::Formatter<'_>, items: &[Literal]) -> std::fmt::Result {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{item}")?;
            }
            Ok(())
        }
        match self {
            Literal::Str(s) => write!(f, "{s:?}"),
            Literal::Bytes(s) => write!(f, "b{s:?}"),
            Literal::Int(n) => write!(f, "{n}"),
            Literal::Number(n) => f.write_str(n),
            Literal::Bool(true) => f.write_str("True"),
            Literal::Bool(false) => f.write_str("False"),
            Literal::None => f.write_str("None"),
            Literal::Tuple(items) => {
                f.write_str("(")?;
                seq(f, items)?;
                if items.len() == 1 {
                    f.write_str(",")?;
                }
                f.write_str(")")
            }
            Literal::List(items) => {
                f.write_str("[")?;
                seq(f, items)?;
                f.write_str("]")
            }
            Literal::Set(items) => {
                f.write_str("{")?;
                seq(f, items)?;
                f.write_str("}")
            }
            Literal::Dict(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: {v}")?;
                }
                f.write_str("}")
            }
        }
    }
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn syntax(&self) -> LiteralError {
        LiteralError::Syntax { offset: self.at }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    /// Whitespace, newlines, `\`-newline continuations and `#` comments.
    fn skip_blank(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\n' | '\r' | '\x0c' => self.at += 1,
                '\\' if matches!(self.peek_at(1), Some('\n' | '\r')) => self.at += 2,
                '#' => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.at += 1;
                    }
                }
                _ => break,
            }
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_blank();
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn value(&mut self, depth: usize) -> Result<Literal, LiteralError> {
        if depth > MAX_DEPTH {
            return Err(LiteralError::TooDeep);
        }
        self.skip_blank();
        let c = self.peek().ok_or_else(|| self.syntax())?;
        match c {
            '(' => {
                self.at += 1;
                let (items, trailing_comma) = self.items(')', depth)?;
                // `(x)` is x; `(x,)` and `()` are tuples.
                if items.len() == 1 && !trailing_comma {
                    Ok(items.into_iter().next().unwrap_or(Literal::None))
                } else {
                    Ok(Literal::Tuple(items))
                }
            }
            '[' => {
                self.at += 1;
                Ok(Literal::List(self.items(']', depth)?.0))
            }
            '{' => {
                self.at += 1;
                self.dict_or_set(depth)
            }
            '-' | '+' => {
                self.at += 1;
                match self.value(depth + 1)? {
                    Literal::Int(n) if c == '-' => Ok(Literal::Int(-n)),
                    Literal::Int(n) => Ok(Literal::Int(n)),
                    Literal::Number(n) => Ok(Literal::Number(format!("{c}{n}"))),
                    _ => Err(self.syntax()),
                }
            }
            '0'..='9' | '.' => self.number(),
            _ if is_ident_start(c) => {
                if self.string_start().is_some() {
                    return self.strings();
                }
                let word = self.ident();
                match word.as_str() {
                    "True" => Ok(Literal::Bool(true)),
                    "False" => Ok(Literal::Bool(false)),
                    "None" => Ok(Literal::None),
                    _ => Err(self.syntax()),
                }
            }
            '\'' | '"' => self.strings(),
            _ => Err(self.syntax()),
        }
    }

    /// Comma-separated values up to `close`; also says whether a comma ended the list.
    fn items(&mut self, close: char, depth: usize) -> Result<(Vec<Literal>, bool), LiteralError> {
        let mut items = Vec::new();
        let mut trailing_comma = false;
        loop {
            if self.eat(close) {
                return Ok((items, trailing_comma));
            }
            items.push(self.value(depth + 1)?);
            trailing_comma = self.eat(',');
            if !trailing_comma {
                if self.eat(close) {
                    return Ok((items, false));
                }
                return Err(self.syntax());
            }
        }
    }

    fn dict_or_set(&mut self, depth: usize) -> Result<Literal, LiteralError> {
        if self.eat('}') {
            return Ok(Literal::Dict(Vec::new()));
        }
        let first = self.value(depth + 1)?;
        if !self.eat(':') {
            let mut items = vec![first];
            if self.eat(',') {
                items.extend(self.items('}', depth)?.0);
            } else if !self.eat('}') {
                return Err(self.syntax());
            }
            return Ok(Literal::Set(items));
        }
        let mut entries = vec![(first, self.value(depth + 1)?)];
        loop {
            if self.eat('}') {
                return Ok(Literal::Dict(entries));
            }
            if !self.eat(',') {
                return Err(self.syntax());
            }
            if self.eat('}') {
                return Ok(Literal::Dict(entries));
            }
            let key = self.value(depth + 1)?;
            if !self.eat(':') {
                return Err(self.syntax());
            }
            entries.push((key, self.value(depth + 1)?));
        }
    }

    fn ident(&mut self) -> String {
        let start = self.at;
        while self.peek().is_some_and(|c| c == '_' || c.is_alphanumeric()) {
            self.at += 1;
        }
        self.chars[start..self.at].iter().collect()
    }

    /// A number token: digits, letters (`0x`, `e`, `j`, Python 2's `L`), `_`, `.`, and a sign
    /// right after an exponent.
    fn number(&mut self) -> Result<Literal, LiteralError> {
        let start = self.at;
        while let Some(c) = self.peek() {
            let after_exponent = self.at > start
                && matches!(self.chars[self.at - 1], 'e' | 'E')
                && !self.chars[start..self.at]
                    .iter()
                    .any(|c| matches!(c, 'x' | 'X'));
            if c.is_ascii_alphanumeric()
                || c == '_'
                || c == '.'
                || (after_exponent && (c == '+' || c == '-'))
            {
                self.at += 1;
            } else {
                break;
            }
        }
        let token: String = self.chars[start..self.at].iter().collect();
        let digits = token.trim_end_matches(['L', 'l']).replace('_', "");
        let parsed = if let Some(hex) = digits.strip_prefix("0x").or(digits.strip_prefix("0X")) {
            i128::from_str_radix(hex, 16).ok()
        } else if let Some(oct) = digits.strip_prefix("0o").or(digits.strip_prefix("0O")) {
            i128::from_str_radix(oct, 8).ok()
        } else if let Some(bin) = digits.strip_prefix("0b").or(digits.strip_prefix("0B")) {
            i128::from_str_radix(bin, 2).ok()
        } else {
            digits.parse().ok()
        };
        match parsed {
            Some(n) => Ok(Literal::Int(n)),
            None if token
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit() || c == '.') =>
            {
                Ok(Literal::Number(token))
            }
            None => Err(self.syntax()),
        }
    }

    /// The prefix length and flags (raw, bytes) if a string literal starts here.
    fn string_start(&self) -> Option<(usize, bool, bool)> {
        let mut len = 0;
        let (mut raw, mut bytes, mut unicode) = (false, false, false);
        while let Some(c) = self.peek_at(len) {
            match c.to_ascii_lowercase() {
                'r' if !raw => raw = true,
                'b' if !bytes && !unicode => bytes = true,
                'u' if !bytes && !raw && !unicode => unicode = true,
                '\'' | '"' => return Some((len, raw, bytes)),
                _ => return None,
            }
            len += 1;
        }
        None
    }

    /// One or more adjacent string literals, concatenated as Python does.
    fn strings(&mut self) -> Result<Literal, LiteralError> {
        let mut out = String::new();
        let mut any_bytes = false;
        loop {
            self.skip_blank();
            let Some((prefix, raw, bytes)) = self.string_start() else {
                break;
            };
            self.at += prefix;
            any_bytes |= bytes;
            self.string(raw, &mut out)?;
        }
        Ok(if any_bytes {
            Literal::Bytes(out)
        } else {
            Literal::Str(out)
        })
    }

    fn string(&mut self, raw: bool, out: &mut String) -> Result<(), LiteralError> {
        let quote = self.peek().ok_or_else(|| self.syntax())?;
        let triple = self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote);
        self.at += if triple { 3 } else { 1 };
        loop {
            let c = self.peek().ok_or_else(|| self.syntax())?;
            if c == quote {
                if !triple {
                    self.at += 1;
                    return Ok(());
                }
                if self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote) {
                    self.at += 3;
                    return Ok(());
                }
            }
            if c == '\n' && !triple {
                return Err(self.syntax());
            }
            self.at += 1;
            if c != '\\' {
                out.push(c);
                continue;
            }
            let e = self.peek().ok_or_else(|| self.syntax())?;
            self.at += 1;
            if raw {
                // A raw string keeps the backslash (and the escaped quote).
                out.push('\\');
                out.push(e);
                continue;
            }
            match e {
                '\n' => {}
                '\\' | '\'' | '"' => out.push(e),
                'a' => out.push('\x07'),
                'b' => out.push('\x08'),
                'f' => out.push('\x0c'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'v' => out.push('\x0b'),
                'x' => out.push(self.hex(2)?),
                'u' => out.push(self.hex(4)?),
                'U' => out.push(self.hex(8)?),
                '0'..='7' => {
                    let mut n = e.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match self.peek().and_then(|c| c.to_digit(8)) {
                            Some(d) => {
                                n = n * 8 + d;
                                self.at += 1;
                            }
                            None => break,
                        }
                    }
                    out.push(char::from_u32(n).ok_or_else(|| self.syntax())?);
                }
                // `\N{NAME}` would need the Unicode name table: refuse rather than guess.
                'N' => return Err(self.syntax()),
                _ => {
                    out.push('\\');
                    out.push(e);
                }
            }
        }
    }

    fn hex(&mut self, digits: usize) -> Result<char, LiteralError> {
        let text: String = self
            .chars
            .get(self.at..self.at + digits)
            .ok_or_else(|| self.syntax())?
            .iter()
            .collect();
        let n = u32::from_str_radix(&text, 16).map_err(|_| self.syntax())?;
        self.at += digits;
        char::from_u32(n).ok_or_else(|| self.syntax())
    }
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn s(v: &str) -> Literal {
        Literal::Str(v.to_owned())
    }

    #[test]
    fn reads_what_literal_eval_reads() {
        let d = Literal::parse(
            "{\"descr\": '|' \"O\", 'fortran_order': False, 'shape': (3, 4L), }  \n",
        )
        .unwrap();
        assert_eq!(d.get("descr"), Some(&s("|O")));
        assert_eq!(d.get("fortran_order"), Some(&Literal::Bool(false)));
        assert_eq!(
            d.get("shape"),
            Some(&Literal::Tuple(vec![Literal::Int(3), Literal::Int(4)]))
        );
        assert_eq!(Literal::parse("('O')").unwrap(), s("O"));
        assert_eq!(
            Literal::parse("('O',)").unwrap(),
            Literal::Tuple(vec![s("O")])
        );
        assert_eq!(Literal::parse(r"'\x4f'").unwrap(), s("O"));
        assert_eq!(Literal::parse(r"u'\u004f\117'").unwrap(), s("OO"));
        assert_eq!(Literal::parse(r"r'\x'").unwrap(), s(r"\x"));
        assert_eq!(Literal::parse("b'O'").unwrap(), Literal::Bytes("O".into()));
        assert_eq!(Literal::parse("'''O'''").unwrap(), s("O"));
        assert_eq!(Literal::parse("# c\n -0x10").unwrap(), Literal::Int(-16));
        assert_eq!(
            Literal::parse("1e-5").unwrap(),
            Literal::Number("1e-5".into())
        );
        let dup = Literal::parse("{'descr': '<f4', 'descr': 'O'}").unwrap();
        assert_eq!(dup.get("descr"), Some(&s("O")));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        for bad in [
            "{'a': }",
            "{'a' 1}",
            "os.system",
            "'\\N{LATIN CAPITAL LETTER O}'",
            "'abc",
            "(1, 2",
        ] {
            assert!(Literal::parse(bad).is_err(), "{bad}");
        }
        let deep = "(".repeat(10_000);
        assert_eq!(Literal::parse(&deep), Err(LiteralError::TooDeep));
    }
}
