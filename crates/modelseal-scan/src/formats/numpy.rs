//! NumPy `.npy`: the header is parsed by [`modelseal_formats::npy`]; an array of Python
//! objects (`dtype` containing `O`) stores a pickle after it, which
//! `numpy.load(..., allow_pickle=True)` runs, so that pickle is scanned.

use modelseal_formats::npy::Header;

use crate::{Context, RuleId, Severity};

use super::pickle::{self, Container};

/// Checks a `.npy` header and scans the pickle of an object array.
pub fn scan(data: &[u8], ctx: &mut Context<'_>) {
    let Ok(header) = Header::parse(data) else {
        ctx.report(
            RuleId::NumpyMalformed,
            Severity::Medium,
            Some(0),
            "the .npy header is truncated or malformed",
            None,
        );
        return;
    };
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
