//! A small declarative description of what a JSON document may contain, and the walker that
//! checks a parsed document against it.
//!
//! The CycloneDX and SPDX modules describe their formats as static tables of [`Object`]s (the
//! fields each object may have, which are required, whether others are allowed) rather than as
//! serde types: a walker over `serde_json::Value` reports every problem in one pass, each with
//! the JSON pointer of the offending value, where deserialising into typed structs stops at the
//! first error and loses the location; and one table can serve both CycloneDX 1.5 and 1.6,
//! fields new in 1.6 being marked [`Since::V1_6`]. The tables are the project's own model of
//! the formats, written from their specifications; the official schema files are not embedded.

use serde_json::{Map, Value};

use super::report::{Origin, Problem, ProblemLevel, push_token};

/// The first CycloneDX version a field or value exists in (SPDX tables use `Always`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Since {
    Always,
    V1_6,
}

pub(super) struct Field {
    pub(super) name: &'static str,
    pub(super) shape: Shape,
    pub(super) since: Since,
}

/// A field every version has.
pub(super) const fn field(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        since: Since::Always,
    }
}

/// A field CycloneDX 1.6 added.
pub(super) const fn field_1_6(name: &'static str, shape: Shape) -> Field {
    Field {
        name,
        shape,
        since: Since::V1_6,
    }
}

/// A rule across the fields of one object (exactly one of `id` and `name`, a digest as long
/// as its algorithm makes it), run after the fields are checked.
pub(super) type Rule = fn(&mut Walker, &Map<String, Value>);

pub(super) struct Object {
    /// What the object is, for messages: "a component".
    pub(super) what: &'static str,
    pub(super) fields: &'static [Field],
    pub(super) required: &'static [&'static str],
    /// Whether fields not listed are errors (`additionalProperties: false`).
    pub(super) closed: bool,
    pub(super) rule: Option<Rule>,
}

pub(super) enum Shape {
    /// Anything (an extension point, or a part this model leaves to the full schema).
    Any,
    String,
    /// A string of at least one character (CycloneDX `refType`).
    NonEmptyString,
    Boolean,
    Integer {
        minimum: Option<i64>,
    },
    Number,
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// One of these strings, the second list only from CycloneDX 1.6.
    Enum16(&'static [&'static str], &'static [&'static str]),
    /// A string checked by a function (patterns, formats, purls).
    Text(fn(&mut Walker, &str)),
    Object(&'static Object),
    /// An object whose content this model does not describe.
    AnyObject,
    Array(&'static Shape),
    /// Strings without duplicates (`uniqueItems` lists of references).
    UniqueStrings,
    /// Different shapes in CycloneDX 1.5 and 1.6.
    Versioned {
        v1_5: &'static Shape,
        v1_6: &'static Shape,
    },
    /// Checked by a function (choices the table cannot express).
    Custom(fn(&mut Walker, &Value)),
}

/// Walks a document, keeping the JSON pointer of the value at hand.
pub(super) struct Walker {
    v1_6: bool,
    pointer: String,
    marks: Vec<usize>,
    problems: Vec<Problem>,
}

impl Walker {
    /// `v1_6`: whether fields and values new in CycloneDX 1.6 are allowed.
    pub(super) fn new(v1_6: bool) -> Walker {
        Walker {
            v1_6,
            pointer: String::new(),
            marks: Vec::new(),
            problems: Vec::new(),
        }
    }

    pub(super) fn finish(self) -> Vec<Problem> {
        self.problems
    }

    pub(super) fn report(&mut self, origin: Origin, level: ProblemLevel, message: String) {
        self.problems.push(Problem {
            pointer: self.pointer.clone(),
            message,
            origin,
            level,
        });
    }

    /// A structural error at the current value.
    pub(super) fn invalid(&mut self, message: String) {
        self.report(Origin::Structure, ProblemLevel::Error, message);
    }

    /// Runs `f` with the pointer moved to member `key` of the current object.
    pub(super) fn at_key<R>(&mut self, key: &str, f: impl FnOnce(&mut Walker) -> R) -> R {
        self.marks.push(self.pointer.len());
        push_token(&mut self.pointer, key);
        let result = f(self);
        self.leave();
        result
    }

    /// Runs `f` with the pointer moved to item `index` of the current array.
    pub(super) fn at_index<R>(&mut self, index: usize, f: impl FnOnce(&mut Walker) -> R) -> R {
        self.marks.push(self.pointer.len());
        push_token(&mut self.pointer, &index.to_string());
        let result = f(self);
        self.leave();
        result
    }

    fn leave(&mut self) {
        if let Some(mark) = self.marks.pop() {
            self.pointer.truncate(mark);
        }
    }

    pub(super) fn value(&mut self, shape: &Shape, value: &Value) {
        match shape {
            Shape::Any => {}
            Shape::String => {
                self.string(value);
            }
            Shape::NonEmptyString => {
                if self.string(value) == Some("") {
                    self.invalid("must not be empty".into());
                }
            }
            Shape::Boolean => {
                if !value.is_boolean() {
                    self.expected("a boolean", value);
                }
            }
            Shape::Integer { minimum } => match integer(value) {
                None => self.expected("an integer", value),
                Some(n) => {
                    if let Some(minimum) = minimum
                        && n < *minimum
                    {
                        self.invalid(format!("must be at least {minimum}, found {n}"));
                    }
                }
            },
            Shape::Number => {
                if !value.is_number() {
                    self.expected("a number", value);
                }
            }
            Shape::Enum(allowed) => self.one_of(allowed, &[], value),
            Shape::Enum16(allowed, added) => self.one_of(allowed, added, value),
            Shape::Text(check) => {
                if let Some(text) = self.string(value) {
                    check(self, text);
                }
            }
            Shape::Object(object) => match value.as_object() {
                Some(map) => self.object(object, map),
                None => self.expected(object.what, value),
            },
            Shape::AnyObject => {
                if !value.is_object() {
                    self.expected("an object", value);
                }
            }
            Shape::Array(item) => match value.as_array() {
                Some(items) => {
                    for (index, v) in items.iter().enumerate() {
                        self.at_index(index, |w| w.value(item, v));
                    }
                }
                None => self.expected("an array", value),
            },
            Shape::UniqueStrings => self.unique_strings(value),
            Shape::Versioned { v1_5, v1_6 } => {
                let shape = if self.v1_6 { v1_6 } else { v1_5 };
                self.value(shape, value);
            }
            Shape::Custom(check) => check(self, value),
        }
    }

    pub(super) fn object(&mut self, object: &Object, map: &Map<String, Value>) {
        for (key, value) in map {
            let known = object.fields.iter().find(|f| f.name == key);
            match known {
                Some(field) if field.since == Since::Always || self.v1_6 => {
                    self.at_key(key, |w| w.value(&field.shape, value));
                }
                Some(_) if object.closed => self.at_key(key, |w| {
                    w.invalid(format!(
                        "`{key}` is not allowed in {} before CycloneDX 1.6",
                        object.what
                    ));
                }),
                None if object.closed => self.at_key(key, |w| {
                    w.invalid(format!("unknown property `{key}` in {}", object.what));
                }),
                _ => {}
            }
        }
        for required in object.required {
            if !map.contains_key(*required) {
                self.invalid(format!("{} needs `{required}`", object.what));
            }
        }
        if let Some(rule) = object.rule {
            rule(self, map);
        }
    }

    /// The string, or a problem saying the value is not one.
    pub(super) fn string<'v>(&mut self, value: &'v Value) -> Option<&'v str> {
        let text = value.as_str();
        if text.is_none() {
            self.expected("a string", value);
        }
        text
    }

    pub(super) fn expected(&mut self, what: &str, found: &Value) {
        self.invalid(format!("expected {what}, found {}", kind(found)));
    }

    fn one_of(&mut self, allowed: &[&str], added: &[&str], value: &Value) {
        let Some(text) = self.string(value) else {
            return;
        };
        if allowed.contains(&text) || (self.v1_6 && added.contains(&text)) {
            return;
        }
        if added.contains(&text) {
            self.invalid(format!("`{text}` is only allowed from CycloneDX 1.6"));
            return;
        }
        let mut all: Vec<&str> = allowed.to_vec();
        if self.v1_6 {
            all.extend_from_slice(added);
        }
        if all.len() <= 16 {
            self.invalid(format!("`{text}` is not one of: {}", all.join(", ")));
        } else {
            self.invalid(format!(
                "`{text}` is not one of the {} values the specification allows",
                all.len()
            ));
        }
    }

    fn unique_strings(&mut self, value: &Value) {
        let Some(items) = value.as_array() else {
            self.expected("an array", value);
            return;
        };
        let mut seen = std::collections::HashSet::new();
        for (index, item) in items.iter().enumerate() {
            self.at_index(index, |w| {
                if let Some(text) = w.string(item) {
                    if text.is_empty() {
                        w.invalid("must not be empty".into());
                    } else if !seen.insert(text) {
                        w.invalid(format!("`{text}` is listed twice"));
                    }
                }
            });
        }
    }
}

/// An integer, also written with a zero fraction (`1.0`), as JSON Schema counts them.
fn integer(value: &Value) -> Option<i64> {
    if let Some(n) = value.as_i64() {
        return Some(n);
    }
    if value.as_u64().is_some() {
        return Some(i64::MAX);
    }
    let f = value.as_f64()?;
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

/// How a value's kind reads in a message.
pub(super) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    static POINT: Object = Object {
        what: "a point",
        fields: &[
            field("x", Shape::Integer { minimum: Some(0) }),
            field("label", Shape::Enum16(&["a"], &["b"])),
            field_1_6("z", Shape::Number),
            field("next", Shape::Object(&POINT)),
            field("tags", Shape::UniqueStrings),
        ],
        required: &["x"],
        closed: true,
        rule: None,
    };

    fn check(v1_6: bool, document: &Value) -> Vec<String> {
        let mut walker = Walker::new(v1_6);
        walker.value(&Shape::Object(&POINT), document);
        walker
            .finish()
            .into_iter()
            .map(|p| format!("{}: {}", p.pointer, p.message))
            .collect()
    }

    #[test]
    fn problems_carry_pointers_and_versions() {
        let document = json!({
            "x": -1, "label": "b", "z": 1.5, "w": true,
            "next": {"x": 2.0, "next": {"label": 3}},
            "tags": ["a/b", "a/b", ""],
        });
        assert_eq!(
            check(false, &document),
            [
                "/label: `b` is only allowed from CycloneDX 1.6",
                "/next/next/label: expected a string, found a number",
                "/next/next: a point needs `x`",
                "/tags/1: `a/b` is listed twice",
                "/tags/2: must not be empty",
                "/w: unknown property `w` in a point",
                "/x: must be at least 0, found -1",
                "/z: `z` is not allowed in a point before CycloneDX 1.6",
            ]
        );
        let in_1_6 = check(true, &document);
        assert!(
            !in_1_6
                .iter()
                .any(|p| p.starts_with("/z") || p.starts_with("/label"))
        );
        assert_eq!(
            check(true, &json!([])),
            [": expected a point, found an array"]
        );
    }
}
