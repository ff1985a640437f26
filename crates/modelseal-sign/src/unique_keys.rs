//! Signed JSON is read strictly: an object that names one key twice is refused. `serde_json`
//! keeps the last value, another reader may keep the first, so a statement with
//! `"digest": A, ..., "digest": B` could mean one thing to us and another to the next verifier.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Fails on the first object (at any depth) that repeats a key; otherwise reads nothing out.
/// Nesting is bounded by `serde_json`'s recursion limit.
pub(crate) fn check(json: &[u8]) -> Result<(), serde_json::Error> {
    serde_json::from_slice::<Unique>(json).map(|_| ())
}

/// Any JSON value whose objects all have distinct keys.
struct Unique;

impl<'de> Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Unique;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_str<E>(self, _: &str) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_unit<E>(self) -> Result<Unique, E> {
        Ok(Unique)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Unique, A::Error> {
        while seq.next_element::<Unique>()?.is_some() {}
        Ok(Unique)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format_args!(
                    "the key {key:?} appears twice in one object"
                )));
            }
            map.next_value::<Unique>()?;
        }
        Ok(Unique)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_keys_are_refused_at_any_depth_and_however_escaped() {
        assert!(check(br#"{"a": 1, "b": [{"c": {"d": null}}], "e": "x"}"#).is_ok());
        assert!(check(br#"[1, 2.5, -3, true, "s", {}]"#).is_ok());
        for bad in [
            &br#"{"a": 1, "a": 2}"#[..],
            br#"{"x": [{"k": 1, "k": 1}]}"#,
            br#"{"a": 1, "\u0061": 2}"#,
            br#"{"p": {"q": {"r": 1, "s": 2, "r": 3}}}"#,
        ] {
            let err = check(bad).unwrap_err();
            assert!(err.to_string().contains("appears twice"), "{err}");
        }
    }
}
