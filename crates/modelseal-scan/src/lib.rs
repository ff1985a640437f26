//! Static scanners for model files: find code execution and tampering without loading them.

pub mod pickle;
