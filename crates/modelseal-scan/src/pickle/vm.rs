//! A symbolic unpickler: it runs the opcodes the way CPython's unpickler would, but every
//! import and call is recorded instead of performed. What comes out is every global the stream
//! names, whether the loader would call it, hand it to a call or only keep it as data, and the
//! other ways a pickle reaches code (BUILD on a global, mutating a global container, extension
//! codes, calling a value that a call returned, importing a name computed at load time).
//!
//! Values are the compact ones of `super::value`: running a data-heavy pickle allocates
//! nothing per float or string, and a container holds only what can reach code.

use modelseal_formats::pickle::{HIGHEST_PROTOCOL, Instruction, Int, Op};

use super::analysis::{Analysis, Cost, DynamicImport, Event, GlobalOpcode, GlobalUse};
use super::compat::python3_name;
use super::joblib;
use super::value::{Callee, Kind, Memo, Nodes, Origin, Shape, Texts, Value};

/// What the runner must do after an opcode.
pub(super) enum Flow {
    Continue,
    Stop,
    /// joblib: an array's raw bytes follow in the file (after an alignment byte and its
    /// padding when `aligned`).
    SkipArray {
        bytes: u64,
        aligned: bool,
    },
    /// joblib: an object array follows in the file as a nested pickle stream.
    NestedPickle,
    /// joblib reads an array here that the scanner cannot size.
    Unreadable(&'static str),
}

pub(super) type Step = Result<Flow, String>;

/// One stream's machine.
pub(super) struct Machine<'a, 'm> {
    pub(super) data: &'a [u8],
    pub(super) analysis: &'m mut Analysis,
    pub(super) texts: Texts,
    pub(super) nodes: Nodes,
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: Memo,
    pub(super) protocol: u8,
    /// Follow joblib's unpickler, which reads array bytes from the file after the BUILD of a
    /// `NumpyArrayWrapper`.
    joblib: bool,
    /// joblib's wrapper class was imported: containers keep their strings and ints from now
    /// on, so that a wrapper's state can be read as joblib reads it.
    wrapper_seen: bool,
    /// Scratch list for [`Machine::reach`].
    work: Vec<Value>,
}

const UNDERFLOW: &str = "unpickling stack underflow";

impl<'a, 'm> Machine<'a, 'm> {
    pub(super) fn new(data: &'a [u8], analysis: &'m mut Analysis, joblib: bool) -> Self {
        Machine {
            data,
            analysis,
            texts: Texts::default(),
            nodes: Nodes::default(),
            stack: Vec::new(),
            marks: Vec::new(),
            memo: Memo::default(),
            protocol: 0,
            joblib,
            wrapper_seen: false,
            work: Vec::new(),
        }
    }

    /// The memory this stream holds now plus what the analysis keeps, by [`Cost`].
    fn used(&self) -> usize {
        let (dense, sparse) = self.memo.slots();
        self.analysis.kept
            + self.texts.bytes
            + self.stack.len() * Cost::VALUE
            + self.marks.len() * Cost::MARK
            + dense * Cost::MEMO
            + sparse * Cost::SPARSE_MEMO
            + self.nodes.live() * Cost::NODE
            + self.nodes.live_edges() * Cost::EDGE
    }

    pub(super) fn over_budget(&self) -> bool {
        self.used() > self.analysis.budget
    }

    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self) -> Result<Value, String> {
        if self.stack.len() <= self.fence() {
            return Err(UNDERFLOW.to_owned());
        }
        self.stack.pop().ok_or_else(|| UNDERFLOW.to_owned())
    }

    fn top(&self) -> Result<Value, String> {
        if self.stack.len() <= self.fence() {
            return Err(UNDERFLOW.to_owned());
        }
        self.stack
            .last()
            .copied()
            .ok_or_else(|| UNDERFLOW.to_owned())
    }

    /// Where the items above the last mark start; the mark is removed.
    fn pop_mark_start(&mut self) -> Result<usize, String> {
        let mark = self
            .marks
            .pop()
            .ok_or_else(|| "could not find MARK".to_owned())?;
        Ok(mark.min(self.stack.len()))
    }

    fn pop_mark(&mut self) -> Result<Vec<Value>, String> {
        let start = self.pop_mark_start()?;
        Ok(self.stack.split_off(start))
    }

    fn make(&mut self, kind: Kind, keeps_all: bool) -> Value {
        Value::Node(self.nodes.make(kind, keeps_all))
    }

    /// Marks everything reachable from `value` as handed to code.
    fn reach(&mut self, value: Value) {
        if matches!(
            value,
            Value::Data | Value::None | Value::Int(_) | Value::Str(_)
        ) {
            return;
        }
        let mut work = std::mem::take(&mut self.work);
        work.push(value);
        while let Some(v) = work.pop() {
            match v {
                Value::Global(i) => {
                    if let Some(g) = self.analysis.globals.get_mut(i as usize) {
                        g.reached = true;
                    }
                }
                Value::Dynamic(i) => {
                    if let Some(d) = self.analysis.dynamic_imports.get_mut(i as usize) {
                        d.reached = true;
                    }
                }
                Value::Node(id) if self.nodes.set_reached(id) => {
                    self.nodes.for_each_child(id, |child| work.push(child));
                }
                _ => {}
            }
        }
        self.work = work;
    }

    /// Adds `items` to `target` (a container's items or an object's state), keeping "reached"
    /// closed under containment; what is not kept is let go.
    fn add_children(
        &mut self,
        target: Value,
        items: impl IntoIterator<Item = Value>,
        offset: usize,
        opcode: u8,
    ) {
        match target {
            Value::Node(id) => {
                // Adding to an object made by a call runs its methods (append, __setitem__,
                // __setstate__) with the items.
                let runs_code =
                    self.nodes.reached(id) || matches!(self.nodes.kind(id), Kind::Result(_));
                for item in items {
                    if runs_code {
                        self.reach(item);
                    }
                    self.nodes.adopt(id, item);
                }
            }
            Value::Global(i) => {
                self.analysis.kept += Cost::EVENT;
                self.analysis.events.push(Event::MutatesGlobal {
                    offset,
                    global: i as usize,
                    opcode,
                });
                for item in items {
                    self.reach(item);
                    self.nodes.release(item);
                }
            }
            Value::Dynamic(_) | Value::Extension(_) => {
                // Its methods run with the items.
                self.reach(target);
                for item in items {
                    self.reach(item);
                    self.nodes.release(item);
                }
            }
            Value::Data | Value::None | Value::Int(_) | Value::Str(_) => {
                for item in items {
                    self.nodes.release(item);
                }
            }
        }
    }

    /// Adds the items above the last mark to `target` (APPENDS, SETITEMS, ADDITEMS).
    fn add_marked(&mut self, offset: usize, opcode: u8) -> Result<(), String> {
        let start = self.pop_mark_start()?;
        let items: Vec<Value> = self.stack.drain(start..).collect();
        let target = self.top()?;
        self.add_children(target, items, offset, opcode);
        Ok(())
    }

    /// A new container holding the items above the last mark (LIST, DICT, TUPLE, FROZENSET).
    fn container_of_marked(&mut self, shape: Shape) -> Result<(), String> {
        let start = self.pop_mark_start()?;
        let keeps_all = self.keeps_all(shape == Shape::Tuple, &self.stack[start..]);
        let Value::Node(id) = self.make(Kind::Container(shape), keeps_all) else {
            return Ok(());
        };
        for i in start..self.stack.len() {
            let item = self.stack[i];
            self.nodes.adopt(id, item);
        }
        self.stack.truncate(start);
        self.stack.push(Value::Node(id));
        Ok(())
    }

    /// Whether a new container keeps its strings and ints: every container once joblib's
    /// wrapper class is imported (its state), and before that small tuples that start with a
    /// string (a NumPy dtype's arguments, `('f8', False, True)`, may be made long before the
    /// first array and shared through the memo).
    fn keeps_all(&self, tuple: bool, items: &[Value]) -> bool {
        // `(G, "name")`: the arguments of a `getattr` attribute lookup.
        (tuple && matches!(items, [Value::Global(_), Value::Str(_)]))
            || self.wrapper_seen
            || (self.joblib
                && tuple
                && match items {
                    // numpy.dtype's arguments: ('f8', False, True)
                    [Value::Str(_), ..] => items.len() <= 3,
                    // and its state: (3, '<', None, None, None, -1, -1, 0)
                    [Value::Int(_), Value::Str(_), ..] => items.len() <= 9,
                    _ => false,
                })
    }

    /// Calls `callee` with `args` and pushes what it returns.
    fn call(&mut self, callee: Value, args: &[Value], offset: usize) {
        if let Some(attribute) = self.attribute_lookup(callee, args, offset) {
            self.stack.push(attribute);
            return;
        }
        let description = match callee {
            Value::Global(i) => {
                if let Some(g) = self.analysis.globals.get_mut(i as usize) {
                    g.called = true;
                }
                Callee::Direct(Origin::Global(i))
            }
            Value::Dynamic(i) => {
                if let Some(d) = self.analysis.dynamic_imports.get_mut(i as usize) {
                    d.called = true;
                }
                Callee::Direct(Origin::Dynamic(i))
            }
            Value::Node(id) => {
                let callee = match self.nodes.kind(id) {
                    Kind::Result(c) => Callee::Returned(c.origin()),
                    Kind::Container(_) => Callee::Direct(Origin::Container),
                };
                self.event(Event::DynamicCall {
                    offset,
                    callee: describe(self.analysis, callee),
                });
                callee
            }
            Value::Extension(code) => {
                let callee = Callee::Direct(Origin::Extension(code));
                self.event(Event::DynamicCall {
                    offset,
                    callee: describe(self.analysis, callee),
                });
                callee
            }
            Value::Str(_) | Value::Data | Value::None | Value::Int(_) => {
                Callee::Direct(Origin::NonCallable)
            }
        };
        self.nodes.release(callee);
        let Value::Node(result) = self.make(Kind::Result(description), true) else {
            return;
        };
        for arg in args {
            self.reach(*arg);
            self.nodes.adopt(result, *arg);
        }
        self.stack.push(Value::Node(result));
    }

    /// `builtins.getattr(G, "name")` with `G` an imported global and a literal identifier:
    /// the same as importing the dotted global `G.name` (what protocol 4's `STACK_GLOBAL`
    /// spells directly), so it is recorded as that import and judged by the policy (a
    /// dunder or a dangerous attribute still is). Anything else is an ordinary call.
    fn attribute_lookup(&mut self, callee: Value, args: &[Value], offset: usize) -> Option<Value> {
        let Value::Global(getattr) = callee else {
            return None;
        };
        let lookup = self.analysis.globals.get(getattr as usize)?;
        if !(matches!(lookup.module.as_str(), "builtins" | "__builtin__")
            && lookup.name == "getattr")
        {
            return None;
        }
        let [Value::Node(tuple)] = args else {
            return None;
        };
        if !matches!(self.nodes.kind(*tuple), Kind::Container(Shape::Tuple))
            || !self.nodes.complete(*tuple)
        {
            return None;
        }
        let [Value::Global(owner), Value::Str(attribute)] = self.nodes.children(*tuple)[..] else {
            return None;
        };
        let attribute = self.texts.get(self.data, attribute).to_owned();
        if attribute.contains('.') || !is_dotted_identifier(&attribute) {
            return None;
        }
        let owner = self.analysis.globals.get(owner as usize)?;
        let (module, name, opcode) = (
            owner.module.clone(),
            format!("{}.{attribute}", owner.name),
            owner.opcode,
        );
        let value = self.global(&module, &name, offset, opcode).ok()?;
        if let Some(lookup) = self.analysis.globals.get_mut(getattr as usize) {
            lookup.lookup_only = true;
        }
        self.nodes.release(Value::Node(*tuple));
        Some(value)
    }

    fn event(&mut self, event: Event) {
        self.analysis.kept += Cost::EVENT;
        self.analysis.events.push(event);
    }

    /// Records an import. A module name that is not a dotted Python identifier cannot be
    /// imported, so the real loader raises there: that ends the stream (and keeps text that
    /// happens to start with an opcode byte from passing for a pickle).
    fn global(
        &mut self,
        module: &str,
        name: &str,
        offset: usize,
        opcode: GlobalOpcode,
    ) -> Result<Value, String> {
        if !is_dotted_identifier(module) {
            return Err(format!("no module named {module:?}: the import fails"));
        }
        self.analysis.kept += Cost::GLOBAL + module.len() + name.len();
        let remapped = (self.protocol < 3)
            .then(|| python3_name(module, name))
            .filter(|(m, n)| m != module || n != name);
        if self.joblib && joblib::is_wrapper_class(module, name) {
            self.wrapper_seen = true;
        }
        self.analysis.globals.push(GlobalUse {
            module: module.to_owned(),
            name: name.to_owned(),
            remapped,
            protocol: self.protocol,
            offset,
            opcode,
            called: false,
            reached: false,
            lookup_only: false,
        });
        Ok(Value::Global(index(self.analysis.globals.len())))
    }

    fn push_text(&mut self, text: std::borrow::Cow<'a, str>) {
        let text = self.texts.intern(self.data, text);
        self.stack.push(Value::Str(text));
    }

    /// Executes one opcode.
    #[allow(clippy::too_many_lines)] // one arm per opcode reads best as one match
    pub(super) fn step(&mut self, instruction: Instruction<'a>) -> Step {
        let Instruction { offset, op } = instruction;
        let opcode = op.code();
        match op {
            Op::Mark => self.marks.push(self.stack.len()),
            Op::Stop => {
                // The loaded object is returned, not called: a global that is only part of it
                // is referenced, not reached.
                let result = self.pop()?;
                self.nodes.release(result);
                return Ok(Flow::Stop);
            }
            Op::Pop => {
                if self.marks.last() == Some(&self.stack.len()) {
                    self.marks.pop();
                } else {
                    let v = self.pop()?;
                    self.nodes.release(v);
                }
            }
            Op::PopMark => {
                for v in self.pop_mark()? {
                    self.nodes.release(v);
                }
            }
            Op::Dup => {
                let top = self.top()?;
                if let Value::Node(id) = top {
                    self.nodes.set_aliased(id);
                }
                self.stack.push(top);
            }
            Op::Proto(p) => {
                if p > HIGHEST_PROTOCOL {
                    return Err(format!("unsupported pickle protocol: {p}"));
                }
                self.protocol = p;
            }
            Op::Frame(_) | Op::ReadonlyBuffer => {}
            Op::String(s)
            | Op::BinString(s)
            | Op::ShortBinString(s)
            | Op::Unicode(s)
            | Op::BinUnicode(s)
            | Op::ShortBinUnicode(s)
            | Op::BinUnicode8(s) => self.push_text(s),
            Op::Int(Int::Small(i))
            | Op::Long(Int::Small(i))
            | Op::Long1(Int::Small(i))
            | Op::Long4(Int::Small(i)) => self.stack.push(Value::Int(i)),
            Op::Int(Int::Bool(b)) => self.stack.push(Value::Int(i64::from(b))),
            Op::NewTrue => self.stack.push(Value::Int(1)),
            Op::NewFalse => self.stack.push(Value::Int(0)),
            Op::BinInt(i) => self.stack.push(Value::Int(i64::from(i))),
            Op::BinInt1(i) => self.stack.push(Value::Int(i64::from(i))),
            Op::BinInt2(i) => self.stack.push(Value::Int(i64::from(i))),
            Op::Int(_)
            | Op::Long(_)
            | Op::Long1(_)
            | Op::Long4(_)
            | Op::Float(_)
            | Op::BinFloat(_)
            | Op::BinBytes(_)
            | Op::ShortBinBytes(_)
            | Op::BinBytes8(_)
            | Op::ByteArray8(_)
            | Op::NextBuffer => self.stack.push(Value::Data),
            Op::None => self.stack.push(Value::None),
            Op::PersId(_) => {
                self.event(Event::PersistentLoad { offset });
                let result = self.make(Kind::Result(Callee::Direct(Origin::Persistent)), true);
                self.stack.push(result);
            }
            Op::BinPersId => {
                let pid = self.pop()?;
                self.event(Event::PersistentLoad { offset });
                self.reach(pid);
                let result = self.make(Kind::Result(Callee::Direct(Origin::Persistent)), true);
                if let Value::Node(id) = result {
                    self.nodes.adopt(id, pid);
                }
                self.stack.push(result);
            }
            Op::Global { module, name } => {
                let g = self.global(&module, &name, offset, GlobalOpcode::Global)?;
                self.stack.push(g);
            }
            Op::StackGlobal => self.stack_global(offset)?,
            Op::Inst { module, name } => {
                let args = self.pop_mark()?;
                let class = self.global(&module, &name, offset, GlobalOpcode::Inst)?;
                self.call(class, &args, offset);
            }
            Op::Obj => {
                let items = self.pop_mark()?;
                let Some((class, args)) = items.split_first() else {
                    return Err("OBJ without a class".to_owned());
                };
                self.call(*class, args, offset);
            }
            // REDUCE calls callable(*args); NEWOBJ calls cls.__new__(cls, *args).
            Op::Reduce | Op::NewObj => {
                let args = self.pop()?;
                let callable = self.pop()?;
                self.call(callable, &[args], offset);
            }
            Op::NewObjEx => {
                let kwargs = self.pop()?;
                let args = self.pop()?;
                let class = self.pop()?;
                self.call(class, &[args, kwargs], offset);
            }
            Op::Ext1(code) => self.extension(code.into(), offset)?,
            Op::Ext2(code) => self.extension(code.into(), offset)?,
            Op::Ext4(code) => self.extension(code, offset)?,
            Op::Build => {
                let state = self.pop()?;
                let target = self.top()?;
                // Read joblib's view before the state is absorbed (and maybe let go).
                let flow = if self.joblib {
                    joblib::wrapper_build(self, target, state)
                } else {
                    None
                };
                // BUILD calls __setstate__ or updates __dict__: code of the target's class
                // runs with the state.
                self.reach(state);
                self.add_children(target, [state], offset, opcode);
                if let Some(flow) = flow {
                    return Ok(flow);
                }
            }
            Op::EmptyDict => self.empty(Shape::Dict),
            Op::EmptyList => self.empty(Shape::List),
            Op::EmptySet => self.empty(Shape::Set),
            Op::EmptyTuple => self.empty(Shape::Tuple),
            Op::Dict => self.container_of_marked(Shape::Dict)?,
            Op::List => self.container_of_marked(Shape::List)?,
            Op::FrozenSet => self.container_of_marked(Shape::Set)?,
            Op::Tuple => self.container_of_marked(Shape::Tuple)?,
            Op::Tuple1 => self.tuple(1)?,
            Op::Tuple2 => self.tuple(2)?,
            Op::Tuple3 => self.tuple(3)?,
            Op::Append => {
                let item = self.pop()?;
                let target = self.top()?;
                self.add_children(target, [item], offset, opcode);
            }
            Op::SetItem => {
                let value = self.pop()?;
                let key = self.pop()?;
                let target = self.top()?;
                self.add_children(target, [key, value], offset, opcode);
            }
            Op::Appends | Op::SetItems | Op::AddItems => self.add_marked(offset, opcode)?,
            Op::Get(index) => self.get(index)?,
            Op::BinGet(index) => self.get(index.into())?,
            Op::LongBinGet(index) => self.get(index.into())?,
            Op::Put(index) => self.put(index)?,
            Op::BinPut(index) => self.put(index.into())?,
            Op::LongBinPut(index) => self.put(index.into())?,
            Op::Memoize => self.put(self.memo.len() as u64)?,
        }
        Ok(Flow::Continue)
    }

    /// `STACK_GLOBAL`: a literal module and name import as GLOBAL does; operands the loader
    /// only learns at load time (a call's result, another global, a computed import) make a
    /// dynamic import; anything else is not a `str` and the loader raises.
    fn stack_global(&mut self, offset: usize) -> Result<(), String> {
        let name = self.pop()?;
        let module = self.pop()?;
        if let (Value::Str(m), Value::Str(n)) = (module, name) {
            let (m, n) = (
                self.texts.get(self.data, m).to_owned(),
                self.texts.get(self.data, n).to_owned(),
            );
            let g = self.global(&m, &n, offset, GlobalOpcode::StackGlobal)?;
            self.stack.push(g);
            return Ok(());
        }
        let (Some(module_from), Some(name_from)) = (self.operand(module), self.operand(name))
        else {
            return Err("STACK_GLOBAL requires str".to_owned());
        };
        // The operands are handed to the import machinery (and `__getattr__`/`__str__` of a
        // call's result may run), so they are reached.
        self.reach(module);
        self.reach(name);
        self.nodes.release(module);
        self.nodes.release(name);
        self.analysis.kept += Cost::EVENT;
        self.analysis.dynamic_imports.push(DynamicImport {
            offset,
            module: module_from,
            name: name_from,
            called: false,
            reached: false,
        });
        self.stack
            .push(Value::Dynamic(index(self.analysis.dynamic_imports.len())));
        Ok(())
    }

    /// Where a `STACK_GLOBAL` operand comes from, if the loader could see a `str` there.
    fn operand(&self, value: Value) -> Option<String> {
        match value {
            Value::Str(t) => Some(format!("{:?}", self.texts.get(self.data, t))),
            Value::Global(i) => self
                .analysis
                .globals
                .get(i as usize)
                .map(|g| format!("the global {}.{}", g.module, g.name)),
            Value::Dynamic(_) => Some("another computed import".to_owned()),
            Value::Node(id) => match self.nodes.kind(id) {
                Kind::Result(c) => Some(format!(
                    "the value returned by {}",
                    describe(self.analysis, Callee::Direct(c.origin()))
                )),
                Kind::Container(_) => None,
            },
            Value::Data | Value::None | Value::Int(_) | Value::Extension(_) => None,
        }
    }

    /// EXT1/2/4: pushes the callable registered under `code` in the extension registry.
    fn extension(&mut self, code: u32, offset: usize) -> Result<(), String> {
        if code == 0 {
            return Err("EXT specifies code <= 0".to_owned());
        }
        self.event(Event::Extension { offset, code });
        self.stack.push(Value::Extension(code));
        Ok(())
    }

    /// `EMPTY_DICT`, `EMPTY_LIST`, `EMPTY_SET`, `EMPTY_TUPLE`.
    fn empty(&mut self, shape: Shape) {
        let keeps_all = self.keeps_all(shape == Shape::Tuple, &[]);
        let node = self.make(Kind::Container(shape), keeps_all);
        self.stack.push(node);
    }

    /// TUPLE1/2/3: a tuple of the top `n` items.
    fn tuple(&mut self, n: usize) -> Result<(), String> {
        if self.stack.len() < self.fence() + n {
            return Err(UNDERFLOW.to_owned());
        }
        let start = self.stack.len() - n;
        let keeps_all = self.keeps_all(true, &self.stack[start..]);
        let Value::Node(id) = self.make(Kind::Container(Shape::Tuple), keeps_all) else {
            return Ok(());
        };
        for i in start..self.stack.len() {
            let item = self.stack[i];
            self.nodes.adopt(id, item);
        }
        self.stack.truncate(start);
        self.stack.push(Value::Node(id));
        Ok(())
    }

    /// GET and its binary forms: pushes a memo entry.
    fn get(&mut self, index: u64) -> Result<(), String> {
        let value = self
            .memo
            .get(index)
            .ok_or_else(|| format!("Memo value not found at index {index}"))?;
        self.stack.push(value);
        Ok(())
    }

    /// PUT, its binary forms and MEMOIZE: stores the top of the stack.
    fn put(&mut self, index: u64) -> Result<(), String> {
        let top = self.top()?;
        if let Value::Node(id) = top {
            self.nodes.set_aliased(id);
        }
        self.memo.put(index, top);
        Ok(())
    }

    /// The text of a string value.
    pub(super) fn text(&self, value: Value) -> Option<&str> {
        match value {
            Value::Str(t) => Some(self.texts.get(self.data, t)),
            _ => None,
        }
    }
}

/// An index into a list just pushed to (the lists are bounded by the memory budget, far
/// below `u32::MAX` entries).
fn index(len: usize) -> u32 {
    u32::try_from(len.saturating_sub(1)).unwrap_or(u32::MAX)
}

/// What a callee is, for messages.
pub(super) fn describe(analysis: &Analysis, callee: Callee) -> String {
    let origin = match callee.origin() {
        Origin::Global(i) => analysis.globals.get(i as usize).map_or_else(
            || "a global".to_owned(),
            |g| format!("{}.{}", g.module, g.name),
        ),
        Origin::Dynamic(_) => "a global whose name is computed at load time".to_owned(),
        Origin::Extension(code) => format!("extension code {code}"),
        Origin::Container => "a container".to_owned(),
        Origin::NonCallable => "a non-callable value".to_owned(),
        Origin::Persistent => "persistent_load".to_owned(),
    };
    match callee {
        Callee::Direct(_) => origin,
        Callee::Returned(_) => format!("the value returned by {origin}"),
    }
}

/// `a.b.c` where every part is a Python identifier (Unicode letters allowed, as in Python).
pub(super) fn is_dotted_identifier(name: &str) -> bool {
    name.split('.').all(|part| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
            && chars.all(|c| c == '_' || c.is_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use modelseal_formats::pickle::code;

    use super::*;
    use crate::pickle::{Analysis, Event, analyze, analyze_with_budget};

    fn names(a: &Analysis) -> Vec<(String, bool, bool)> {
        a.globals
            .iter()
            .map(|g| (format!("{}.{}", g.module, g.name), g.called, g.reached))
            .collect()
    }

    #[test]
    fn classic_reduce_is_a_call() {
        let a = analyze(b"cos\nsystem\n(S'echo hi'\ntR.");
        assert_eq!(names(&a), vec![("os.system".to_owned(), true, false)]);
        assert!(a.streams[0].error.is_none());
    }

    #[test]
    fn stack_global_names_assembled_through_the_memo() {
        // protocol 4: 'os' memoized, fetched back, then STACK_GLOBAL
        let data = b"\x80\x04\x8c\x02os\x94\x8c\x06system\x94h\x00h\x01\x93\x8c\x02id\x85R.";
        let a = analyze(data);
        assert_eq!(names(&a), vec![("os.system".to_owned(), true, false)]);
    }

    #[test]
    fn an_unimportable_module_name_ends_the_stream() {
        let analysis = analyze(b"class Net(Module):\n  x = 1\n");
        assert!(analysis.globals.is_empty());
        let error = analysis.streams[0].error.as_ref().unwrap();
        assert!(error.1.contains("the import fails"), "{error:?}");
        assert!(is_dotted_identifier("torch._utils"));
        assert!(is_dotted_identifier("caf\u{e9}"));
        assert!(!is_dotted_identifier("os "));
        assert!(!is_dotted_identifier("a..b"));
        assert!(!is_dotted_identifier("1abc"));
    }

    #[test]
    fn globals_passed_to_calls_are_reached() {
        // functools.partial(os.system, 'id')() via a nested REDUCE
        let data = b"cfunctools\npartial\ncos\nsystem\nS'id'\n\x86R)R.";
        let a = analyze(data);
        assert_eq!(
            names(&a),
            vec![
                ("functools.partial".to_owned(), true, false),
                ("os.system".to_owned(), false, true)
            ]
        );
        assert!(
            a.events
                .iter()
                .any(|e| matches!(e, Event::DynamicCall { .. }))
        );
    }

    #[test]
    fn python2_names_are_remapped_below_protocol_3() {
        let a = analyze(b"c__builtin__\neval\n(S'1'\ntR.");
        assert_eq!(
            a.globals[0].remapped,
            Some(("builtins".to_owned(), "eval".to_owned()))
        );
        let a = analyze(b"\x80\x04c__builtin__\neval\n.");
        assert_eq!(a.globals[0].remapped, None, "protocol 4 does not remap");
    }

    #[test]
    fn build_on_a_global_is_a_mutation() {
        let a = analyze(b"ctorch\nserialization\n}S'x'\nNsb.");
        assert!(a.events.iter().any(|e| matches!(
            e,
            Event::MutatesGlobal {
                opcode: code::BUILD,
                ..
            }
        )));
    }

    #[test]
    fn execution_before_an_error_is_kept() {
        let a = analyze(b"cos\nsystem\n(S'id'\ntR\xff");
        assert!(a.globals[0].called);
        assert!(a.streams[0].error.is_some());
    }

    #[test]
    fn several_streams_are_all_analysed() {
        let mut data = b"\x80\x02N.".to_vec();
        data.extend_from_slice(b"\x80\x02cos\nsystem\n(S'id'\ntR.");
        data.extend_from_slice(&[0x10, 0x00, 0xff, 0x13]);
        let a = analyze(&data);
        assert_eq!(a.streams.len(), 2);
        assert!(a.globals[0].called);
        assert_eq!(a.trailing_data, Some(data.len() - 4));
    }

    #[test]
    fn mark_and_fence_semantics_follow_the_c_unpickler() {
        // POP with an empty stack above a mark pops the mark (C behaviour), no error.
        let a = analyze(b"N(0.");
        assert!(a.streams[0].error.is_none());
        // Popping below the mark is an underflow.
        let a = analyze(b"N(t0R.");
        assert!(a.streams[0].error.is_some());
    }

    #[test]
    fn stack_global_with_non_strings_is_an_error() {
        let a = analyze(b"\x80\x04NN\x93.");
        assert_eq!(
            a.streams[0].error.as_ref().map(|e| e.1.as_str()),
            Some("STACK_GLOBAL requires str")
        );
    }

    /// A 5 MB protocol-4 pickle whose body is `unit` repeated.
    fn hostile(unit: &[u8]) -> Vec<u8> {
        let mut data = b"\x80\x04".to_vec();
        while data.len() < 5 << 20 {
            data.extend_from_slice(unit);
        }
        data.push(code::STOP);
        data
    }

    #[test]
    fn a_pickle_of_millions_of_objects_stops_at_the_memory_budget() {
        for (what, unit) in [
            ("EMPTY_DICT", &b"}"[..]),
            ("EMPTY_LIST+MEMOIZE", b"]\x94"),
            ("nested lists", b"]("),
            ("MARK", b"("),
            ("DUP", b"N2"),
            ("memo PUT at fresh indices", b"N\x94"),
            (
                "STACK_GLOBAL of memoized names",
                b"\x8c\x02os\x94\x8c\x06system\x94h\x00h\x01\x93",
            ),
        ] {
            let a = analyze_with_budget(&hostile(unit), 32 << 20);
            let at = a
                .too_complex
                .unwrap_or_else(|| panic!("{what}: not stopped"));
            assert!(at < 3 << 20, "{what}: stopped only at {at}");
        }
    }

    #[test]
    fn the_budget_is_shared_by_every_stream_of_a_file() {
        // A million tiny streams, each cheap, must not add up past the budget unnoticed.
        let data = b"\x80\x02N.".repeat(1 << 20);
        assert!(analyze_with_budget(&data, 32 << 20).too_complex.is_some());
    }

    #[test]
    fn chained_calls_do_not_grow_their_descriptions() {
        let mut data = b"cos\nsystem\n".to_vec();
        for _ in 0..10_000 {
            data.extend_from_slice(b")R");
        }
        data.push(code::STOP);
        let a = analyze(&data);
        assert!(a.too_complex.is_none());
        let longest = a
            .events
            .iter()
            .filter_map(|e| match e {
                Event::DynamicCall { callee, .. } => Some(callee.len()),
                _ => None,
            })
            .max();
        assert_eq!(longest, Some("the value returned by os.system".len()));
    }

    #[test]
    fn an_ordinary_pickle_stays_well_inside_the_budget() {
        // A dict of 100,000 str -> int entries (a vocabulary): a few MB of estimate.
        let mut data = b"\x80\x04}\x94(".to_vec();
        for i in 0..100_000u32 {
            let key = format!("token{i}");
            data.push(0x8c);
            data.push(u8::try_from(key.len()).unwrap());
            data.extend_from_slice(key.as_bytes());
            data.push(b'J');
            data.extend_from_slice(&i.to_le_bytes());
        }
        data.extend_from_slice(b"u.");
        let a = analyze(&data);
        assert!(a.too_complex.is_none());
        assert!(a.streams[0].error.is_none());
        assert!(analyze_with_budget(&data, 1 << 20).too_complex.is_some());
    }

    #[test]
    fn stack_global_of_computed_names_is_a_dynamic_import() {
        // builtins.str('os') computes the module name; STACK_GLOBAL imports os.system from it,
        // and the import is called.
        let data = b"\x80\x04\x8c\x08builtins\x8c\x03str\x93\x8c\x02os\x85R\x8c\x06system\x93\x8c\x02id\x85R.";
        let a = analyze(data);
        assert!(a.streams[0].error.is_none(), "{:?}", a.streams[0].error);
        assert_eq!(a.dynamic_imports.len(), 1, "{:?}", a.dynamic_imports);
        let import = &a.dynamic_imports[0];
        assert_eq!(import.offset, 32);
        assert!(import.called);
        assert_eq!(import.module, "the value returned by builtins.str");
        assert_eq!(import.name, "\"system\"");
    }
}
