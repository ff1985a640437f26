//! joblib's array wrappers as joblib 1.x reads them (`joblib/numpy_pickle.py`): after the BUILD
//! of a `NumpyArrayWrapper`, `NumpyUnpickler.load_build` reads the array from the file handle —
//! an alignment byte and its padding when `numpy_array_alignment_bytes is not None` (0 and odd
//! values included), then `prod(shape) * dtype.itemsize` raw bytes, or, when the dtype holds
//! objects at any depth, a nested pickle. Every field is read as joblib reads it; a wrapper
//! the scanner cannot size is reported ([`Flow::Unreadable`]), never guessed.

use super::dtype::{self, Spelled};
use super::value::{Callee, Kind, Origin, Shape, Value};
use super::vm::{Flow, Machine};

/// The wrapper class joblib's loader replaces by the array it reads.
const WRAPPER: &str = "joblib.numpy_pickle.NumpyArrayWrapper";

/// Whether `module.name` imports joblib's wrapper class (protocol 4 walks dotted names, so
/// `joblib` + `numpy_pickle.NumpyArrayWrapper` is the same class).
pub(super) fn is_wrapper_class(module: &str, name: &str) -> bool {
    WRAPPER
        .strip_prefix(module)
        .and_then(|rest| rest.strip_prefix('.'))
        .is_some_and(|rest| rest == name)
}

/// How deep a structured dtype's fields are followed.
const MAX_DEPTH: usize = 32;

/// When `target` is a wrapper being built with `state`, what joblib reads next.
pub(super) fn wrapper_build(m: &Machine<'_, '_>, target: Value, state: Value) -> Option<Flow> {
    let Value::Node(id) = target else {
        return None;
    };
    let Kind::Result(Callee::Direct(Origin::Global(g))) = m.nodes.kind(id) else {
        return None;
    };
    let global = m.analysis.globals.get(g as usize)?;
    if !is_wrapper_class(&global.module, &global.name) {
        return None;
    }
    Some(read(m, id, state).unwrap_or_else(Flow::Unreadable))
}

fn read(m: &Machine<'_, '_>, wrapper: u32, state: Value) -> Result<Flow, &'static str> {
    // NEWOBJ with `()` makes the wrapper without running __init__; a call with arguments runs
    // __init__, whose fields the scanner does not follow.
    let args = m.nodes.children(wrapper);
    let no_args = match args.as_slice() {
        [Value::Node(t)] => m.nodes.complete(*t) && m.nodes.children(*t).is_empty(),
        _ => false,
    };
    if !no_args || !m.nodes.complete(wrapper) {
        return Err("the wrapper is made with constructor arguments");
    }
    let fields = fields(m, state)?;
    let field = |key: &str| {
        fields
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    };
    let dtype = field("dtype").ok_or("the wrapper has no dtype")?;
    let Element::Sized(itemsize) = element(m, dtype, 0)? else {
        return Ok(Flow::NestedPickle);
    };
    let count = count(m, field("shape").ok_or("the wrapper has no shape")?)?;
    // joblib reads the padding byte whenever the attribute is not None, 0 included.
    let aligned = !matches!(
        field("numpy_array_alignment_bytes"),
        None | Some(Value::None)
    );
    let bytes = count
        .checked_mul(itemsize)
        .ok_or("the array's size overflows")?;
    Ok(Flow::SkipArray { bytes, aligned })
}

/// The wrapper's attributes after BUILD: a dict's items, or a `(state, slotstate)` tuple's.
fn fields<'s>(m: &'s Machine<'_, '_>, state: Value) -> Result<Vec<(&'s str, Value)>, &'static str> {
    let parts = match state {
        Value::Node(id) if m.nodes.kind(id) == Kind::Container(Shape::Tuple) => {
            if !m.nodes.complete(id) {
                return Err("the wrapper's state is not readable");
            }
            match m.nodes.children(id).as_slice() {
                [state, slots] => vec![*state, *slots],
                _ => return Err("the wrapper's state is not a dict"),
            }
        }
        other => vec![other],
    };
    let mut out = Vec::new();
    for part in parts {
        match part {
            Value::None => {}
            Value::Node(id) if m.nodes.kind(id) == Kind::Container(Shape::Dict) => {
                if !m.nodes.complete(id) {
                    return Err("the wrapper's state is not readable");
                }
                let items = m.nodes.children(id);
                for pair in items.chunks(2) {
                    let [key, value] = pair else {
                        return Err("the wrapper's state is not readable");
                    };
                    let key = m.text(*key).ok_or("a wrapper field name is not a str")?;
                    out.push((key, *value));
                }
            }
            _ => return Err("the wrapper's state is not a dict"),
        }
    }
    Ok(out)
}

/// What an array element is.
enum Element {
    Sized(u64),
    Object,
}

/// Reads a dtype value: `numpy.dtype(spec, align, copy)` with its pickled state.
fn element(m: &Machine<'_, '_>, dtype: Value, depth: usize) -> Result<Element, &'static str> {
    const UNREADABLE: &str = "the array's dtype is not one the scanner can size";
    if depth > MAX_DEPTH {
        return Err(UNREADABLE);
    }
    let Value::Node(id) = dtype else {
        return Err(UNREADABLE);
    };
    let Kind::Result(Callee::Direct(Origin::Global(g))) = m.nodes.kind(id) else {
        return Err(UNREADABLE);
    };
    let global = m.analysis.globals.get(g as usize).ok_or(UNREADABLE)?;
    if !is_numpy_dtype(&global.module, &global.name) || !m.nodes.complete(id) {
        return Err(UNREADABLE);
    }
    // Children: the argument tuple, then the BUILD state (if any).
    let children = m.nodes.children(id);
    let (args, state) = match children.as_slice() {
        [args] => (*args, None),
        [args, state] => (*args, Some(*state)),
        _ => return Err(UNREADABLE),
    };
    let spec = first_of_tuple(m, args).ok_or(UNREADABLE)?;
    let spelled = match spec {
        Value::Str(_) => dtype::parse(m.text(spec).unwrap_or_default()),
        // A type object as the spelling: np.dtype(numpy.float64), np.dtype(float).
        Value::Global(t) => m
            .analysis
            .globals
            .get(t as usize)
            .and_then(|t| dtype::parse(t.name.rsplit('.').next().unwrap_or_default())),
        _ => None,
    }
    .ok_or(UNREADABLE)?;
    let state = match state {
        Some(state) => match tuple_items(m, state) {
            Some(items) => Some(items),
            // A fixed-size type does not depend on its state (NumPy ignores `elsize` there).
            None if matches!(spelled, Spelled::Sized(_) | Spelled::Object) => None,
            None => return Err(UNREADABLE),
        },
        None => None,
    };
    // (version, byteorder, subarray, names, fields, elsize, alignment, flags)
    let item = |i: usize| state.as_ref().and_then(|s| s.get(i).copied());
    let nested = [item(2), item(4)];
    if nested
        .iter()
        .any(|v| !matches!(v, None | Some(Value::None)))
    {
        // A structured or subarray dtype: objects anywhere inside make it an object array.
        for value in nested.into_iter().flatten() {
            if holds_object(m, value, depth + 1)? {
                return Ok(Element::Object);
            }
        }
    }
    match spelled {
        Spelled::Object => Ok(Element::Object),
        Spelled::Sized(n) => Ok(Element::Sized(n)),
        Spelled::Flexible(n) => match item(5) {
            Some(Value::Int(elsize)) if elsize >= 0 => {
                Ok(Element::Sized(u64::try_from(elsize).unwrap_or(n)))
            }
            None => Ok(Element::Sized(n)),
            _ => Err(UNREADABLE),
        },
    }
}

/// Whether a dtype's subarray or fields part holds a dtype with objects.
fn holds_object(m: &Machine<'_, '_>, value: Value, depth: usize) -> Result<bool, &'static str> {
    const UNREADABLE: &str = "a structured dtype the scanner cannot follow";
    if depth > MAX_DEPTH {
        return Err(UNREADABLE);
    }
    match value {
        Value::Node(id) => match m.nodes.kind(id) {
            Kind::Result(_) => Ok(matches!(element(m, value, depth)?, Element::Object)),
            Kind::Container(_) => {
                if !m.nodes.complete(id) {
                    return Err(UNREADABLE);
                }
                for child in m.nodes.children(id) {
                    if holds_object(m, child, depth + 1)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        },
        Value::Data | Value::None | Value::Int(_) | Value::Str(_) => Ok(false),
        Value::Global(_) | Value::Dynamic(_) | Value::Extension(_) => Err(UNREADABLE),
    }
}

/// `numpy.dtype` under the names NumPy 1 and 2 pickle it as.
fn is_numpy_dtype(module: &str, name: &str) -> bool {
    name == "dtype"
        && matches!(
            module,
            "numpy" | "numpy.core.multiarray" | "numpy._core.multiarray"
        )
}

fn tuple_items(m: &Machine<'_, '_>, value: Value) -> Option<Vec<Value>> {
    let Value::Node(id) = value else {
        return None;
    };
    (m.nodes.kind(id) == Kind::Container(Shape::Tuple) && m.nodes.complete(id))
        .then(|| m.nodes.children(id))
}

fn first_of_tuple(m: &Machine<'_, '_>, value: Value) -> Option<Value> {
    tuple_items(m, value)?.first().copied()
}

/// `prod(shape)` as joblib computes it (`len(shape) == 0` is one element).
fn count(m: &Machine<'_, '_>, shape: Value) -> Result<u64, &'static str> {
    const UNREADABLE: &str = "the array's shape is not a tuple of ints";
    let dims = tuple_items(m, shape).ok_or(UNREADABLE)?;
    dims.iter().try_fold(1u64, |acc, d| match d {
        Value::Int(n) => u64::try_from(*n)
            .ok()
            .and_then(|n| acc.checked_mul(n))
            .ok_or(UNREADABLE),
        _ => Err(UNREADABLE),
    })
}
