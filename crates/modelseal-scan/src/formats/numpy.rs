//! NumPy `.npy`: the header is a Python dict literal; an array of Python objects (`dtype`
//! containing `O`) stores a pickle after it, which `numpy.load(..., allow_pickle=True)` runs.

use crate::{Context, RuleId, Severity};

use super::pickle::{self, Container};

pub fn scan(data: &[u8], ctx: &mut Context<'_>) {
    let Some((header, body_start)) = header(data) else {
        ctx.report(
            RuleId::NumpyMalformed,
            Severity::Medium,
            Some(0),
            "the .npy header is truncated or malformed",
            None,
        );
        return;
    };
    let Some(descr) = field(&header, "descr") else {
        ctx.report(
            RuleId::NumpyMalformed,
            Severity::Medium,
            Some(0),
            "the .npy header has no 'descr'",
            Some(header),
        );
        return;
    };
    // `|O`, `'O'` or an `O` inside a structured dtype: the payload is a pickle.
    let is_object = descr.contains("'O'")
        || descr.contains("|O")
        || descr.contains("'O")
        || descr.trim_matches(['\'', '"']) == "O";
    if is_object {
        ctx.report(
            RuleId::NumpyObjectArray,
            Severity::Low,
            Some(body_start as u64),
            "an array of Python objects: its data is a pickle, run by numpy.load(allow_pickle=True)",
            Some(descr),
        );
        pickle::scan(&data[body_start..], Container::Raw, ctx);
    }
}

/// The header text and where the array data starts.
fn header(data: &[u8]) -> Option<(String, usize)> {
    let major = *data.get(6)?;
    let (len, start): (usize, usize) = match major {
        1 => (
            usize::from(u16::from_le_bytes(data.get(8..10)?.try_into().ok()?)),
            10,
        ),
        2 | 3 => (
            usize::try_from(u32::from_le_bytes(data.get(8..12)?.try_into().ok()?)).ok()?,
            12,
        ),
        _ => return None,
    };
    let end = start.checked_add(len)?;
    let text = std::str::from_utf8(data.get(start..end)?).ok()?;
    Some((text.to_owned(), end))
}

/// The value text of `'key': value` in the header dict (up to the next top-level comma).
fn field(header: &str, key: &str) -> Option<String> {
    let at = header.find(&format!("'{key}'"))?;
    let rest = header[at + key.len() + 2..]
        .trim_start()
        .strip_prefix(':')?
        .trim_start();
    let mut depth = 0i32;
    let mut end = rest.len();
    for (i, c) in rest.char_indices() {
        match c {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' | ',' if depth == 0 => {
                end = i;
                break;
            }
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    Some(rest[..end].trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_header_fields() {
        let h = "{'descr': [('a', '<f4'), ('b', 'O')], 'fortran_order': False, 'shape': (3,), }";
        assert_eq!(field(h, "descr").unwrap(), "[('a', '<f4'), ('b', 'O')]");
        assert_eq!(field(h, "shape").unwrap(), "(3,)");
    }
}
