//! NumPy `.npy`: the header is parsed by [`modelseal_formats::npy`] as numpy parses it (a Python
//! literal); an array of Python objects (any spelling of an object dtype) stores a pickle after
//! it, which `numpy.load(..., allow_pickle=True)` runs, so that pickle is scanned.

use modelseal_formats::npy::Header;

use crate::{Context, RuleId, Severity};

use super::pickle::{self, Container};

/// Checks a `.npy` header and scans the pickle of an object array.
pub fn scan(data: &[u8], ctx: &mut Context<'_>) {
    let Ok(header) = Header::parse(data) else {
        // Bad magic, version or length: numpy refuses the file too.
        ctx.report(
            RuleId::NumpyMalformed,
            Severity::Medium,
            Some(0),
            "the .npy header is truncated or malformed",
            None,
        );
        return;
    };
    if let Some(error) = &header.literal_error {
        // numpy's ast.literal_eval may read what this parser does not: the dtype is unknown,
        // so it may be an object array whose pickle numpy runs.
        ctx.report(
            RuleId::NumpyMalformed,
            Severity::High,
            Some(0),
            format!(
                "the .npy header dict cannot be read ({error}); numpy may still load it, \
                 possibly as an object array that runs a pickle"
            ),
            Some(header.text.clone()),
        );
        if data.get(header.data_offset) == Some(&0x80) {
            // The data starts like a pickle (PROTO): scan it as numpy would run it.
            pickle::scan(&data[header.data_offset..], Container::Raw, ctx);
        }
        return;
    }
    let Some(descr) = &header.descr else {
        ctx.report(
            RuleId::NumpyMalformed,
            Severity::Medium,
            Some(0),
            "the .npy header has no 'descr'",
            Some(header.text),
        );
        return;
    };
    if header.is_object() {
        ctx.report(
            RuleId::NumpyObjectArray,
            Severity::Low,
            Some(header.data_offset as u64),
            "an array of Python objects: its data is a pickle, run by numpy.load(allow_pickle=True)",
            Some(descr.clone()),
        );
        pickle::scan(&data[header.data_offset..], Container::Raw, ctx);
    }
}
