//! The symbolic unpickler's value model: small `Copy` values, an arena of container and
//! call-result nodes indexed by `u32`, and strings kept as slices of the input.
//!
//! What the scanner must know about a value is narrow: whether it is (or holds) an import,
//! a call's result or an extension callable, and — for `STACK_GLOBAL` and joblib's array
//! wrappers — the text of a string or the value of a small int. Everything else is
//! [`Value::Data`]. A container keeps only the children that matter (imports, nodes that
//! hold imports, nodes still reachable elsewhere), so a list of a million floats costs one
//! node, and a node nobody else refers to is freed when it is absorbed or popped: memory
//! follows the stack and the memo, not the number of objects the stream makes.

use std::borrow::Cow;

/// A value on the stack, in the memo or held by a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Value {
    /// A scalar, bytes, or anything else that cannot name or reach code.
    Data,
    /// `None` (joblib tells an absent alignment from a present one by it).
    None,
    /// An int small enough for `i64` (joblib reads shapes and alignments from these).
    Int(i64),
    /// A `str` (module and attribute names, joblib field names, dtype spellings).
    Str(Text),
    /// An import, by its index in `Analysis::globals`.
    Global(u32),
    /// An import whose name is computed at load time, by its index in
    /// `Analysis::dynamic_imports`.
    Dynamic(u32),
    /// A container or a call's result, by its index in the [`Nodes`] arena.
    Node(u32),
    /// An extension-registry callable (EXT1/2/4) and its code.
    Extension(u32),
}

/// A string: a slice of the input when the stream spells it out as UTF-8 (almost always),
/// or an index into the strings the decoder had to build (escapes, Latin-1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Text {
    Input { start: u32, len: u32 },
    Built(u32),
}

/// The strings of one analysis.
#[derive(Debug, Default)]
pub(super) struct Texts {
    built: Vec<Box<str>>,
    /// Bytes held by `built`, for the memory budget.
    pub(super) bytes: usize,
}

impl Texts {
    /// A handle for `text`, which the decoder decoded from `data`.
    pub(super) fn intern(&mut self, data: &[u8], text: Cow<'_, str>) -> Text {
        if let Cow::Borrowed(s) = &text {
            let base = data.as_ptr().addr();
            let at = s.as_ptr().addr().wrapping_sub(base);
            if at <= data.len()
                && s.len() <= data.len() - at
                && let (Ok(start), Ok(len)) = (u32::try_from(at), u32::try_from(s.len()))
            {
                return Text::Input { start, len };
            }
        }
        self.bytes += text.len();
        self.built.push(text.into_owned().into_boxed_str());
        Text::Built(u32::try_from(self.built.len() - 1).unwrap_or(u32::MAX))
    }

    /// The text behind a handle.
    pub(super) fn get<'d>(&'d self, data: &'d [u8], text: Text) -> &'d str {
        match text {
            Text::Input { start, len } => {
                let start = start as usize;
                data.get(start..start + len as usize)
                    .and_then(|bytes| std::str::from_utf8(bytes).ok())
                    .unwrap_or_default()
            }
            Text::Built(i) => self.built.get(i as usize).map_or("", |s| s),
        }
    }
}

/// What a call's callee was, for messages ("the value returned by os.getenv") and for
/// recognising joblib's wrappers and NumPy dtypes. `Copy`, so a million calls allocate nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    Global(u32),
    Dynamic(u32),
    Extension(u32),
    Container,
    NonCallable,
    Persistent,
}

/// The callee of a call: a value itself, or the value another call returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Callee {
    Direct(Origin),
    Returned(Origin),
}

impl Callee {
    pub(super) fn origin(self) -> Origin {
        match self {
            Callee::Direct(o) | Callee::Returned(o) => o,
        }
    }
}

/// Which container a node is (joblib's `BUILD` tells a `(state, slotstate)` tuple from a dict).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    Tuple,
    List,
    Dict,
    Set,
}

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A list, dict, tuple, set or frozenset made by the stream.
    Container(Shape),
    /// What a call returned.
    Result(Callee),
}

/// Sentinel for "no edge".
const NIL: u32 = u32::MAX;

// A node's flags, each read on its own hot path; a bitset would only hide them.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug)]
struct Node {
    kind: Kind,
    /// The newest kept child (children form a list through [`Edge::next`]).
    head: u32,
    /// How many children were kept.
    kept: u16,
    /// Handed to code: whatever it holds, now or later, is reached.
    reached: bool,
    /// Also in the memo or twice on the stack: never freed, and its children always kept.
    aliased: bool,
    /// Holds something that can name or reach code (an import, an extension, a node that
    /// does), so it must be kept when it is absorbed.
    tainted: bool,
    /// Every child was kept since it was made (joblib field lookups need all of them).
    complete: bool,
    /// Keeps scalar and string children too (see [`Nodes::make`]).
    keeps_all: bool,
}

#[derive(Debug, Clone, Copy)]
struct Edge {
    value: Value,
    next: u32,
}

/// How many children a node that keeps everything keeps before it drops plain data: enough
/// for a joblib wrapper's state (6 fields) and a dtype's state tuple (8 items).
const KEEP_ALL_LIMIT: u16 = 64;

/// The node arena of one stream.
#[derive(Debug, Default)]
pub(super) struct Nodes {
    slots: Vec<Node>,
    vacant: Vec<u32>,
    edges: Vec<Edge>,
    vacant_edges: Vec<u32>,
}

impl Nodes {
    /// Nodes alive now.
    pub(super) fn live(&self) -> usize {
        self.slots.len() - self.vacant.len()
    }

    /// Children kept now.
    pub(super) fn live_edges(&self) -> usize {
        self.edges.len() - self.vacant_edges.len()
    }

    /// A new node; `keeps_all` nodes also keep strings, ints and data, up to a limit.
    pub(super) fn make(&mut self, kind: Kind, keeps_all: bool) -> u32 {
        let node = Node {
            kind,
            head: NIL,
            kept: 0,
            reached: false,
            aliased: false,
            tainted: false,
            complete: true,
            keeps_all,
        };
        if let Some(id) = self.vacant.pop() {
            self.slots[id as usize] = node;
            id
        } else {
            self.slots.push(node);
            u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
        }
    }

    pub(super) fn kind(&self, id: u32) -> Kind {
        self.slots
            .get(id as usize)
            .map_or(Kind::Container(Shape::Set), |n| n.kind)
    }

    pub(super) fn reached(&self, id: u32) -> bool {
        self.slots.get(id as usize).is_some_and(|n| n.reached)
    }

    /// Marks `id` reached; returns whether it was not already.
    pub(super) fn set_reached(&mut self, id: u32) -> bool {
        match self.slots.get_mut(id as usize) {
            Some(n) if !n.reached => {
                n.reached = true;
                true
            }
            _ => false,
        }
    }

    pub(super) fn set_aliased(&mut self, id: u32) {
        if let Some(n) = self.slots.get_mut(id as usize) {
            n.aliased = true;
        }
    }

    pub(super) fn complete(&self, id: u32) -> bool {
        self.slots.get(id as usize).is_some_and(|n| n.complete)
    }

    /// Whether `value` must be kept by a container that absorbs it.
    pub(super) fn matters(&self, value: Value) -> bool {
        match value {
            Value::Global(_) | Value::Dynamic(_) | Value::Extension(_) => true,
            Value::Node(id) => self
                .slots
                .get(id as usize)
                .is_some_and(|n| n.aliased || n.tainted),
            Value::Data | Value::None | Value::Int(_) | Value::Str(_) => false,
        }
    }

    /// Adds `value` to `parent`'s children if it matters (or `parent` keeps everything);
    /// otherwise lets it go.
    pub(super) fn adopt(&mut self, parent: u32, value: Value) {
        let matters = self.matters(value);
        let Some(node) = self.slots.get_mut(parent as usize) else {
            self.release(value);
            return;
        };
        let keep = matters || (node.keeps_all && node.kept < KEEP_ALL_LIMIT);
        if !keep {
            node.complete = false;
            self.release(value);
            return;
        }
        node.tainted |= matters;
        node.kept = node.kept.saturating_add(1);
        let edge = Edge {
            value,
            next: node.head,
        };
        let id = if let Some(id) = self.vacant_edges.pop() {
            self.edges[id as usize] = edge;
            id
        } else {
            self.edges.push(edge);
            u32::try_from(self.edges.len() - 1).unwrap_or(u32::MAX)
        };
        if let Some(node) = self.slots.get_mut(parent as usize) {
            node.head = id;
        }
    }

    /// The kept children of `id`, oldest first.
    pub(super) fn children(&self, id: u32) -> Vec<Value> {
        let mut out = Vec::new();
        let mut edge = self.slots.get(id as usize).map_or(NIL, |n| n.head);
        while let Some(e) = self.edges.get(edge as usize) {
            out.push(e.value);
            edge = e.next;
        }
        out.reverse();
        out
    }

    /// Calls `f` on every kept child of `id` (any order).
    pub(super) fn for_each_child(&self, id: u32, mut f: impl FnMut(Value)) {
        let mut edge = self.slots.get(id as usize).map_or(NIL, |n| n.head);
        while let Some(e) = self.edges.get(edge as usize) {
            f(e.value);
            edge = e.next;
        }
    }

    /// `value` is no longer referred to from where it was: a node nobody else refers to is
    /// freed, with the children only it held.
    pub(super) fn release(&mut self, value: Value) {
        let Value::Node(first) = value else {
            return;
        };
        let mut work = vec![first];
        while let Some(id) = work.pop() {
            let Some(node) = self.slots.get_mut(id as usize) else {
                continue;
            };
            if node.aliased {
                continue;
            }
            let mut edge = node.head;
            // Marked shared so that releasing it again (a stale id) cannot free it twice.
            node.head = NIL;
            node.aliased = true;
            self.vacant.push(id);
            while let Some(e) = self.edges.get(edge as usize).copied() {
                self.vacant_edges.push(edge);
                if let Value::Node(child) = e.value {
                    work.push(child);
                }
                edge = e.next;
            }
        }
    }
}

/// The memo: dense for the indices picklers write (0, 1, 2, ...), a map for the rest.
#[derive(Debug, Default)]
pub(super) struct Memo {
    dense: Vec<Option<Value>>,
    sparse: std::collections::HashMap<u64, Value>,
    /// Entries set, which is where MEMOIZE stores next.
    count: usize,
}

/// How far past the dense memo's end an index may land and still grow it (a sparse index
/// far away must not make the scanner allocate up to it).
const DENSE_SLACK: u64 = 1 << 10;

impl Memo {
    pub(super) fn get(&self, index: u64) -> Option<Value> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.dense.get(i).copied().flatten())
            .or_else(|| self.sparse.get(&index).copied())
    }

    /// Stores `value`; returns what it replaced.
    pub(super) fn put(&mut self, index: u64, value: Value) -> Option<Value> {
        let len = self.dense.len() as u64;
        if index < len + DENSE_SLACK
            && let Ok(i) = usize::try_from(index)
        {
            if i >= self.dense.len() {
                self.dense.resize(i + 1, None);
            }
            let old = self.dense[i].replace(value);
            self.count += usize::from(old.is_none());
            return old;
        }
        let old = self.sparse.insert(index, value);
        self.count += usize::from(old.is_none());
        old
    }

    /// The next index MEMOIZE uses: the number of entries.
    pub(super) fn len(&self) -> usize {
        self.count
    }

    /// Slots held, for the memory budget.
    pub(super) fn slots(&self) -> (usize, usize) {
        (self.dense.len(), self.sparse.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_stay_small() {
        assert!(std::mem::size_of::<Value>() <= 16);
        assert!(std::mem::size_of::<Option<Value>>() <= 16);
    }

    #[test]
    fn an_unshared_node_is_freed_with_what_only_it_held() {
        let mut nodes = Nodes::default();
        let outer = nodes.make(Kind::Container(Shape::List), false);
        let inner = nodes.make(Kind::Container(Shape::List), false);
        nodes.adopt(inner, Value::Global(0));
        nodes.adopt(outer, Value::Node(inner));
        assert_eq!(nodes.children(outer), vec![Value::Node(inner)]);
        nodes.release(Value::Node(outer));
        assert_eq!(nodes.live(), 0);
        assert_eq!(nodes.live_edges(), 0);
    }

    #[test]
    fn plain_data_is_not_kept() {
        let mut nodes = Nodes::default();
        let list = nodes.make(Kind::Container(Shape::List), false);
        for _ in 0..1000 {
            nodes.adopt(list, Value::Data);
        }
        assert_eq!(nodes.live_edges(), 0);
        assert!(!nodes.complete(list));
    }
}
