//! A symbolic unpickler: it runs the opcodes the way CPython's C unpickler would, but every
//! import and call is recorded instead of performed. What comes out is every global the stream
//! names, whether the loader would call it or hand it to a call, and the other ways a pickle
//! reaches code (BUILD on a global, mutating a global container, extension codes, calling a
//! value that a call returned).

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use modelseal_formats::FormatError;
use modelseal_formats::pickle::{
    HIGHEST_PROTOCOL, Instruction, Int, Op, Reading, divergent_readings,
};

use super::compat::python3_name;

/// How a global was named in the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GlobalOpcode {
    /// GLOBAL: module and name as text lines in the stream.
    Global,
    /// `STACK_GLOBAL`: module and name taken from the stack (protocol 4 and later).
    StackGlobal,
    /// INST: a protocol-0 import that also calls what it imports.
    Inst,
}

/// One global import the loader performs.
#[derive(Debug, Clone)]
pub struct GlobalUse {
    /// The module as the stream names it.
    pub module: String,
    /// The attribute as the stream names it (dotted from protocol 4 on).
    pub name: String,
    /// The Python 3 name `fix_imports` maps to, when it differs (protocol < 3 only).
    pub remapped: Option<(String, String)>,
    /// The stream's protocol when the global was loaded (protocol ≥ 4 walks dotted names).
    pub protocol: u8,
    /// Where the importing opcode starts in the input.
    pub offset: usize,
    /// Which opcode imports it.
    pub opcode: GlobalOpcode,
    /// Called directly (REDUCE, NEWOBJ, INST, OBJ).
    pub called: bool,
    /// Handed to a call (an argument, a BUILD state, a persistent id): code may invoke it.
    pub reached: bool,
}

/// Other ways a pickle reaches code, beyond naming globals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// BUILD, APPEND(S), SETITEM(S) or ADDITEMS applied to a global object itself: writes to a
    /// module, class or shared container of the loading process.
    MutatesGlobal {
        /// Where the mutating opcode starts.
        offset: usize,
        /// The global's index in [`Analysis::globals`].
        global: usize,
        /// The mutating opcode's byte ([`modelseal_formats::pickle::code`]).
        opcode: u8,
    },
    /// EXT1/2/4: a callable looked up in the copyreg extension registry at load time.
    Extension {
        /// Where the EXT opcode starts.
        offset: usize,
        /// The registry code.
        code: u32,
    },
    /// A call whose callable is not a global: the result of another call, or an extension.
    DynamicCall {
        /// Where the calling opcode starts.
        offset: usize,
        /// What is called, for messages ("the value returned by os.getenv").
        callee: String,
    },
    /// A persistent id handed to the loader's `persistent_load`.
    PersistentLoad {
        /// Where PERSID or BINPERSID starts.
        offset: usize,
    },
    /// `STACK_GLOBAL` whose module or name is not a string in the stream but a value made at
    /// load time (a call's result, an imported constant): what it imports is unknowable.
    ComputedGlobal {
        /// Where `STACK_GLOBAL` starts.
        offset: usize,
    },
}

/// One pickle stream (from its first opcode to STOP or to the error that ends it).
#[derive(Debug, Clone)]
pub struct Stream {
    /// Where its first opcode starts in the input.
    pub start: usize,
    /// Where decoding stopped: after STOP, or where the error left off.
    pub end: usize,
    /// How many opcodes were decoded and run.
    pub opcodes: usize,
    /// The last protocol a PROTO opcode declared (0 without one).
    pub protocol: u8,
    /// Where and why the real loader would raise, if it would.
    pub error: Option<(usize, String)>,
}

/// How many bytes of working memory the symbolic unpickler may use on one file, by its own
/// estimate (see `Cost` in this module): about a million stack, memo or container entries. A real model
/// pickle needs a few thousand (a state dict holds a handful of values per tensor), but a
/// hostile one can make a ~100-byte node out of every input byte (`EMPTY_DICT` repeated), so
/// without a budget 5 MB of input took 558 MB. When it runs out, analysis stops and the file
/// is reported as too complex to scan (`PICKLE-TOO-COMPLEX`), never as clean.
pub const MEMORY_BUDGET: usize = 32 << 20;

/// What the unpickler charges against [`MEMORY_BUDGET`] for what it keeps, in bytes: the size
/// of the Rust structures plus allocator and growth overhead, rounded up.
struct Cost;

impl Cost {
    /// A stack entry or a container's item (`Value`, 24 bytes).
    const VALUE: usize = 32;
    /// A MARK.
    const MARK: usize = 16;
    /// A memo entry (hash map slot with its key and value).
    const MEMO: usize = 64;
    /// A container or call result (`Rc<Node>`, its list in `Machine::nodes`).
    const NODE: usize = 112;
    /// An import, plus the bytes of its names.
    const GLOBAL: usize = 160;
    /// An event, which becomes a finding with a message.
    const EVENT: usize = 512;
    /// A stream record.
    const STREAM: usize = 96;
}

/// What running every pickle stream of an input found; the scanner judges it.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Every stream run, in input order (a joblib object array's nested stream included).
    pub streams: Vec<Stream>,
    /// Every import, in the order the loader performs them.
    pub globals: Vec<GlobalUse>,
    /// Every other way the pickle reaches code, in order.
    pub events: Vec<Event>,
    /// Offset of bytes after the last stream that are not a pickle.
    pub trailing_data: Option<usize>,
    /// joblib arrays read from inside the stream (raw bytes skipped or nested pickles run).
    pub joblib_arrays: usize,
    /// Where analysis stopped because the pickle needs more memory than [`MEMORY_BUDGET`]
    /// allows: nothing after this offset was analysed.
    pub too_complex: Option<usize>,
    /// Bytes charged so far for what this analysis keeps (globals, events, streams, strings).
    kept: usize,
    /// The budget this analysis runs under.
    budget: usize,
}

#[derive(Clone)]
enum Value {
    Scalar,
    Int(i64),
    Str(Rc<str>),
    Global(usize),
    Node(Rc<Node>),
    /// An extension-registry callable (EXT1/2/4).
    Extension(u32),
}

struct Node {
    kind: NodeKind,
    children: RefCell<Vec<Value>>,
    reached: Cell<bool>,
}

#[derive(Clone)]
enum NodeKind {
    Container,
    /// What a call returned; `callee` describes the callable for messages.
    CallResult(Rc<str>),
}

struct Machine<'a> {
    analysis: &'a mut Analysis,
    stack: Vec<Value>,
    marks: Vec<usize>,
    memo: HashMap<u64, Value>,
    protocol: u8,
    /// Follow joblib's unpickler, which reads array bytes from the stream after the BUILD of a
    /// `NumpyArrayWrapper`.
    joblib: bool,
    /// Every node made, so that reference cycles a pickle builds (a list appended to itself
    /// through the memo) can be broken when the stream ends instead of leaking.
    nodes: Vec<Rc<Node>>,
    /// Items held by all containers (the stack, marks, memo and nodes are counted by length).
    children: usize,
}

/// What the decoder must do after an opcode.
enum Flow {
    Continue,
    Stop,
    /// joblib: skip a raw array (an alignment byte and padding first, when aligned).
    SkipArray {
        bytes: u64,
        aligned: bool,
    },
    /// joblib: an object array follows as a nested pickle stream.
    NestedPickle,
}

type Step = Result<Flow, String>;

impl Machine<'_> {
    /// The memory this stream holds now plus what the analysis keeps, by [`Cost`].
    fn used(&self) -> usize {
        self.analysis.kept
            + self.stack.len() * Cost::VALUE
            + self.marks.len() * Cost::MARK
            + self.memo.len() * Cost::MEMO
            + self.nodes.len() * Cost::NODE
            + self.children * Cost::VALUE
    }

    fn over_budget(&self) -> bool {
        self.used() > self.analysis.budget
    }

    fn node(&mut self, kind: NodeKind, children: Vec<Value>) -> Value {
        self.children += children.len();
        let node = Rc::new(Node {
            kind,
            children: RefCell::new(children),
            reached: Cell::new(false),
        });
        self.nodes.push(Rc::clone(&node));
        Value::Node(node)
    }

    fn push_node(&mut self, kind: NodeKind, children: Vec<Value>) {
        let value = self.node(kind, children);
        self.stack.push(value);
    }

    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    fn pop(&mut self) -> Result<Value, String> {
        if self.stack.len() <= self.fence() {
            return Err("unpickling stack underflow".to_owned());
        }
        self.stack
            .pop()
            .ok_or_else(|| "unpickling stack underflow".to_owned())
    }

    fn top(&self) -> Result<Value, String> {
        if self.stack.len() <= self.fence() {
            return Err("unpickling stack underflow".to_owned());
        }
        self.stack
            .last()
            .cloned()
            .ok_or_else(|| "unpickling stack underflow".to_owned())
    }

    fn pop_mark(&mut self) -> Result<Vec<Value>, String> {
        let mark = self
            .marks
            .pop()
            .ok_or_else(|| "could not find MARK".to_owned())?;
        Ok(self.stack.split_off(mark.min(self.stack.len())))
    }

    /// Marks everything reachable from `value` as handed to code.
    fn reach(&mut self, value: &Value) {
        let mut work = vec![value.clone()];
        while let Some(v) = work.pop() {
            match v {
                Value::Global(i) => self.analysis.globals[i].reached = true,
                Value::Node(node) if !node.reached.get() => {
                    node.reached.set(true);
                    work.extend(node.children.borrow().iter().cloned());
                }
                _ => {}
            }
        }
    }

    /// Adds children to a container (or the state of an object), keeping "reached" closed
    /// under containment.
    fn add_children(&mut self, target: &Value, items: Vec<Value>, offset: usize, opcode: u8) {
        match target {
            Value::Node(node) => {
                if node.reached.get() || matches!(node.kind, NodeKind::CallResult(_)) {
                    // Adding to an object made by a call runs its methods (append,
                    // __setitem__, __setstate__) with the items.
                    for item in &items {
                        self.reach(item);
                    }
                }
                self.children += items.len();
                node.children.borrow_mut().extend(items);
            }
            Value::Global(i) => {
                self.analysis.kept += Cost::EVENT;
                self.analysis.events.push(Event::MutatesGlobal {
                    offset,
                    global: *i,
                    opcode,
                });
                for item in &items {
                    self.reach(item);
                }
            }
            _ => {}
        }
    }

    fn call(&mut self, callee: &Value, args: Vec<Value>, offset: usize) -> Value {
        let description: Rc<str> = match callee {
            Value::Global(i) => {
                let g = &mut self.analysis.globals[*i];
                g.called = true;
                let name = format!("{}.{}", g.module, g.name);
                self.analysis.kept += name.len();
                name.into()
            }
            Value::Node(node) => {
                let what: Rc<str> = match &node.kind {
                    NodeKind::CallResult(c) => returned_by(c),
                    NodeKind::Container => "a container".into(),
                };
                self.analysis.kept += Cost::EVENT + what.len();
                self.analysis.events.push(Event::DynamicCall {
                    offset,
                    callee: what.to_string(),
                });
                what
            }
            Value::Extension(code) => {
                let what = format!("extension code {code}");
                self.analysis.kept += Cost::EVENT;
                self.analysis.events.push(Event::DynamicCall {
                    offset,
                    callee: what.clone(),
                });
                what.into()
            }
            Value::Str(_) | Value::Scalar | Value::Int(_) => "a non-callable value".into(),
        };
        for arg in &args {
            self.reach(arg);
        }
        self.node(NodeKind::CallResult(description), args)
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
        self.analysis.globals.push(GlobalUse {
            module: module.to_owned(),
            name: name.to_owned(),
            remapped,
            protocol: self.protocol,
            offset,
            opcode,
            called: false,
            reached: false,
        });
        Ok(Value::Global(self.analysis.globals.len() - 1))
    }

    /// Executes one opcode.
    #[allow(clippy::too_many_lines)] // one arm per opcode reads best as one match
    fn step(&mut self, instruction: Instruction<'_>) -> Step {
        let Instruction { offset, op } = instruction;
        let opcode = op.code();
        match op {
            Op::Mark => self.marks.push(self.stack.len()),
            Op::Stop => {
                // The loaded object is returned, not called: a global that is only part of it
                // is referenced (medium), not reached.
                self.pop()?;
                return Ok(Flow::Stop);
            }
            Op::Pop => {
                if self.marks.last() == Some(&self.stack.len()) {
                    self.marks.pop();
                } else {
                    self.pop()?;
                }
            }
            Op::PopMark => {
                self.pop_mark()?;
            }
            Op::Dup => {
                let top = self.top()?;
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
            | Op::BinUnicode8(s) => {
                // Strings are charged once, when made; DUP and memo GET share them.
                self.analysis.kept += s.len();
                self.stack.push(Value::Str(Rc::from(s.as_ref())));
            }
            Op::Int(Int::Small(i))
            | Op::Long(Int::Small(i))
            | Op::Long1(Int::Small(i))
            | Op::Long4(Int::Small(i)) => self.stack.push(Value::Int(i)),
            Op::BinInt(i) => self.stack.push(Value::Int(i64::from(i))),
            Op::BinInt1(i) => self.stack.push(Value::Int(i64::from(i))),
            Op::BinInt2(i) => self.stack.push(Value::Int(i64::from(i))),
            Op::Int(_)
            | Op::Long(_)
            | Op::Long1(_)
            | Op::Long4(_)
            | Op::Float(_)
            | Op::BinFloat(_)
            | Op::NewTrue
            | Op::NewFalse
            | Op::BinBytes(_)
            | Op::ShortBinBytes(_)
            | Op::BinBytes8(_)
            | Op::ByteArray8(_)
            | Op::NextBuffer
            | Op::None => self.stack.push(Value::Scalar),
            Op::PersId(_) => {
                self.analysis.kept += Cost::EVENT;
                self.analysis.events.push(Event::PersistentLoad { offset });
                self.push_node(NodeKind::CallResult("persistent_load".into()), vec![]);
            }
            Op::BinPersId => {
                let pid = self.pop()?;
                self.analysis.kept += Cost::EVENT;
                self.analysis.events.push(Event::PersistentLoad { offset });
                self.reach(&pid);
                self.push_node(NodeKind::CallResult("persistent_load".into()), vec![pid]);
            }
            Op::Global { module, name } => {
                let g = self.global(&module, &name, offset, GlobalOpcode::Global)?;
                self.stack.push(g);
            }
            Op::StackGlobal => {
                let name = self.pop()?;
                let module = self.pop()?;
                match (module, name) {
                    (Value::Str(module), Value::Str(name)) => {
                        let g = self.global(&module, &name, offset, GlobalOpcode::StackGlobal)?;
                        self.stack.push(g);
                    }
                    // A call's result or an imported constant may be a str: the loader then
                    // imports a name the stream never spells out.
                    (m, n) if may_be_str(&m) && may_be_str(&n) => {
                        self.reach(&m);
                        self.reach(&n);
                        self.analysis.kept += Cost::EVENT;
                        self.analysis.events.push(Event::ComputedGlobal { offset });
                        self.push_node(
                            NodeKind::CallResult(
                                "a global whose name is computed at load time".into(),
                            ),
                            vec![m, n],
                        );
                    }
                    _ => return Err("STACK_GLOBAL requires str".to_owned()),
                }
            }
            Op::Inst { module, name } => {
                let args = self.pop_mark()?;
                let class = self.global(&module, &name, offset, GlobalOpcode::Inst)?;
                let result = self.call(&class, args, offset);
                self.stack.push(result);
            }
            Op::Obj => {
                let mut items = self.pop_mark()?;
                if items.is_empty() {
                    return Err("OBJ without a class".to_owned());
                }
                let class = items.remove(0);
                let result = self.call(&class, items, offset);
                self.stack.push(result);
            }
            // REDUCE calls callable(*args); NEWOBJ calls cls.__new__(cls, *args).
            Op::Reduce | Op::NewObj => {
                let args = self.pop()?;
                let callable = self.pop()?;
                let result = self.call(&callable, vec![args], offset);
                self.stack.push(result);
            }
            Op::NewObjEx => {
                let kwargs = self.pop()?;
                let args = self.pop()?;
                let class = self.pop()?;
                let result = self.call(&class, vec![args, kwargs], offset);
                self.stack.push(result);
            }
            Op::Ext1(code) => self.extension(code.into(), offset)?,
            Op::Ext2(code) => self.extension(code.into(), offset)?,
            Op::Ext4(code) => self.extension(code, offset)?,
            Op::Build => {
                let state = self.pop()?;
                let target = self.top()?;
                // BUILD calls __setstate__ or updates __dict__: code of the target's class
                // runs with the state.
                self.reach(&state);
                self.add_children(&target, vec![state.clone()], offset, opcode);
                if self.joblib
                    && let Some(flow) = joblib_array(&target, &state)
                {
                    return Ok(flow);
                }
            }
            Op::EmptyDict | Op::EmptyList | Op::EmptyTuple | Op::EmptySet => {
                self.push_node(NodeKind::Container, vec![]);
            }
            Op::Dict | Op::List | Op::Tuple | Op::FrozenSet => {
                let items = self.pop_mark()?;
                self.push_node(NodeKind::Container, items);
            }
            Op::Tuple1 => self.tuple(1)?,
            Op::Tuple2 => self.tuple(2)?,
            Op::Tuple3 => self.tuple(3)?,
            Op::Append => {
                let item = self.pop()?;
                let target = self.top()?;
                self.add_children(&target, vec![item], offset, opcode);
            }
            Op::SetItem => {
                let value = self.pop()?;
                let key = self.pop()?;
                let target = self.top()?;
                self.add_children(&target, vec![key, value], offset, opcode);
            }
            Op::Appends | Op::SetItems | Op::AddItems => {
                let items = self.pop_mark()?;
                let target = self.top()?;
                self.add_children(&target, items, offset, opcode);
            }
            Op::Get(index) => self.get(index)?,
            Op::BinGet(index) => self.get(index.into())?,
            Op::LongBinGet(index) => self.get(index.into())?,
            Op::Put(index) => self.put(index)?,
            Op::BinPut(index) => self.put(index.into())?,
            Op::LongBinPut(index) => self.put(index.into())?,
            Op::Memoize => {
                let index = self.memo.len() as u64;
                self.put(index)?;
            }
        }
        Ok(Flow::Continue)
    }

    /// EXT1/2/4: pushes the callable registered under `code` in the extension registry.
    fn extension(&mut self, code: u32, offset: usize) -> Result<(), String> {
        if code == 0 {
            return Err("EXT specifies code <= 0".to_owned());
        }
        self.analysis.kept += Cost::EVENT;
        self.analysis.events.push(Event::Extension { offset, code });
        self.stack.push(Value::Extension(code));
        Ok(())
    }

    /// TUPLE1/2/3: a tuple of the top `n` items.
    fn tuple(&mut self, n: usize) -> Result<(), String> {
        let mut items = Vec::with_capacity(n);
        for _ in 0..n {
            items.push(self.pop()?);
        }
        items.reverse();
        self.push_node(NodeKind::Container, items);
        Ok(())
    }

    /// GET and its binary forms: pushes a memo entry.
    fn get(&mut self, index: u64) -> Result<(), String> {
        let value = self
            .memo
            .get(&index)
            .cloned()
            .ok_or_else(|| format!("Memo value not found at index {index}"))?;
        self.stack.push(value);
        Ok(())
    }

    /// PUT, its binary forms and MEMOIZE: stores the top of the stack.
    fn put(&mut self, index: u64) -> Result<(), String> {
        let top = self.top()?;
        self.memo.insert(index, top);
        Ok(())
    }
}

/// Whether the loader could see a `str` here: a string, or a value only known at load time.
fn may_be_str(value: &Value) -> bool {
    matches!(value, Value::Str(_) | Value::Node(_) | Value::Global(_))
}

/// "the value returned by <callee>", without growing: a chain of calls on call results would
/// otherwise make each description longer than the last (quadratic memory in the chain).
fn returned_by(callee: &Rc<str>) -> Rc<str> {
    const PREFIX: &str = "the value returned by ";
    if callee.starts_with(PREFIX) {
        Rc::clone(callee)
    } else {
        format!("{PREFIX}{callee}").into()
    }
}

/// When `target` is a joblib `NumpyArrayWrapper` being built from `state`, what joblib reads
/// next: the array's raw bytes, or a nested pickle for object arrays.
fn joblib_array(target: &Value, state: &Value) -> Option<Flow> {
    let Value::Node(node) = target else {
        return None;
    };
    let NodeKind::CallResult(callee) = &node.kind else {
        return None;
    };
    if callee.as_ref() != "joblib.numpy_pickle.NumpyArrayWrapper" {
        return None;
    }
    let Value::Node(state) = state else {
        return None;
    };
    let items = state.children.borrow();
    let field = |key: &str| {
        items.chunks(2).find_map(|kv| match kv {
            [Value::Str(k), v] if k.as_ref() == key => Some(v.clone()),
            _ => None,
        })
    };
    // dtype: the result of numpy.dtype('f8', ...); its first argument names the type.
    let Value::Node(dtype) = field("dtype")? else {
        return None;
    };
    let code = {
        let children = dtype.children.borrow();
        let Some(Value::Node(args)) = children.first() else {
            return None;
        };
        let args = args.children.borrow();
        let Some(Value::Str(code)) = args.first() else {
            return None;
        };
        code.to_string()
    };
    if code.starts_with('O') {
        return Some(Flow::NestedPickle);
    }
    let itemsize = dtype_itemsize(&code)?;
    let Value::Node(shape) = field("shape")? else {
        return None;
    };
    let count = shape
        .children
        .borrow()
        .iter()
        .try_fold(1u64, |acc, d| match d {
            Value::Int(n) => acc.checked_mul(u64::try_from(*n).ok()?),
            _ => None,
        })?;
    let aligned = matches!(field("numpy_array_alignment_bytes"), Some(Value::Int(n)) if n > 0);
    Some(Flow::SkipArray {
        bytes: count.checked_mul(itemsize)?,
        aligned,
    })
}

/// Bytes per element of a NumPy dtype string as pickled (`f8`, `i4`, `U10`, `V16`, ...).
fn dtype_itemsize(code: &str) -> Option<u64> {
    let code = code.trim_start_matches(['<', '>', '=', '|']);
    let kind = code.chars().next()?;
    let n: u64 = code[kind.len_utf8()..].parse().ok()?;
    Some(if kind == 'U' { n.checked_mul(4)? } else { n })
}

/// What the real loader says when it stops here (decoding errors carry offsets and kinds; the
/// messages in reports stay the ones a Python user knows from CPython).
const TRUNCATED: &str = "pickle data was truncated";

fn loader_message(error: &FormatError) -> String {
    match error {
        FormatError::Truncated { .. } => TRUNCATED.to_owned(),
        FormatError::UnknownOpcode { code, .. } => format!("invalid load key {code:#04x}"),
        FormatError::Invalid { what, .. } => format!("malformed argument: {what}"),
        other => other.to_string(),
    }
}

/// Runs one stream from `start`; returns its report and whether it reached STOP.
fn run_stream(
    data: &[u8],
    start: usize,
    analysis: &mut Analysis,
    joblib: bool,
    reading: Reading,
) -> (Stream, bool) {
    let mut machine = Machine {
        analysis,
        stack: Vec::new(),
        marks: Vec::new(),
        memo: HashMap::new(),
        protocol: 0,
        joblib,
        nodes: Vec::new(),
        children: 0,
    };
    let mut decoder = reading.decoder(data, start);
    let mut opcodes = 0;
    let mut error = None;
    let mut stopped = false;
    while let Some(decoded) = decoder.next() {
        let instruction = match decoded {
            Ok(instruction) => instruction,
            Err(e) => {
                error = Some((decoder.offset(), loader_message(&e)));
                break;
            }
        };
        opcodes += 1;
        let at = instruction.offset;
        let flow = machine.step(instruction);
        if machine.over_budget() {
            machine.analysis.too_complex = Some(at);
            error = Some((at, "the scanner's memory budget ran out".to_owned()));
            break;
        }
        match flow {
            Ok(Flow::Continue) => {}
            Ok(Flow::Stop) => {
                stopped = true;
                break;
            }
            Ok(Flow::SkipArray { bytes, aligned }) => {
                machine.analysis.joblib_arrays += 1;
                let mut pos = decoder.offset() as u64;
                if aligned {
                    let padding = data.get(decoder.offset()).copied().map_or(0, u64::from);
                    pos += 1 + padding;
                }
                let end = pos
                    .checked_add(bytes)
                    .and_then(|end| usize::try_from(end).ok())
                    .filter(|end| *end <= data.len());
                let Some(end) = end else {
                    error = Some((
                        decoder.offset(),
                        "joblib array data is truncated".to_owned(),
                    ));
                    break;
                };
                decoder.seek(end);
            }
            Ok(Flow::NestedPickle) => {
                machine.analysis.joblib_arrays += 1;
                // joblib reads an object array with plain `pickle.load`: no arrays inside it
                // (and no recursion for a hostile file to nest).
                let (nested, nested_stopped) =
                    run_stream(data, decoder.offset(), machine.analysis, false, reading);
                let end = nested.end;
                machine.analysis.kept += Cost::STREAM;
                machine.analysis.streams.push(nested);
                if machine.analysis.too_complex.is_some() {
                    error = Some((end, "the scanner's memory budget ran out".to_owned()));
                    break;
                }
                if !nested_stopped {
                    error = Some((end, "the nested object-array pickle is broken".to_owned()));
                    break;
                }
                decoder.seek(end);
            }
            Err(message) => {
                error = Some((at, message));
                break;
            }
        }
    }
    if !stopped && error.is_none() {
        error = Some((decoder.offset(), TRUNCATED.to_owned()));
    }
    let protocol = machine.protocol;
    for node in &machine.nodes {
        node.children.borrow_mut().clear();
    }
    (
        Stream {
            start,
            end: decoder.offset(),
            opcodes,
            protocol,
            error,
        },
        stopped,
    )
}

/// `a.b.c` where every part is a Python identifier (Unicode letters allowed, as in Python).
fn is_dotted_identifier(name: &str) -> bool {
    name.split('.').all(|part| {
        let mut chars = part.chars();
        chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
            && chars.all(|c| c == '_' || c.is_alphanumeric())
    })
}

/// Analyses every pickle stream in `data`, one after another, as loaders that call `load()`
/// repeatedly (PyTorch's legacy format) would run them. A stream after the first is only
/// taken as one if it starts with a PROTO opcode or parses cleanly to STOP; otherwise the rest
/// is reported as trailing data.
///
/// joblib files are read as joblib reads them (array bytes skipped after each
/// `NumpyArrayWrapper`); because a victim may also open one with plain `pickle.load`, which
/// decodes those bytes as opcodes, what that reading imports and calls is added too.
pub fn analyze(data: &[u8]) -> Analysis {
    analyze_with_budget(data, MEMORY_BUDGET)
}

/// [`analyze`] under a memory budget of `budget` bytes instead of [`MEMORY_BUDGET`].
pub fn analyze_with_budget(data: &[u8], budget: usize) -> Analysis {
    let mut analysis = analyze_as(data, true, Reading::LOADS, budget);
    if analysis.joblib_arrays > 0 && analysis.too_complex.is_none() {
        // The second reading gets what the first left, so both together stay in budget.
        let plain = analyze_as(
            data,
            false,
            Reading::LOADS,
            budget.saturating_sub(analysis.kept),
        );
        merge_reading(&mut analysis, plain);
    }
    // A stream that `pickle.load(file)`, `torch.load` or the Python unpickler would decode
    // differently from `pickle.loads` (a frame's last opcode straddling its end, a STOP
    // inside a frame, a number one dialect refuses): what each other reading imports and
    // calls counts too.
    for reading in divergent_readings(data, 0) {
        if analysis.too_complex.is_some() {
            break;
        }
        let other = analyze_as(data, false, reading, budget.saturating_sub(analysis.kept));
        merge_reading(&mut analysis, other);
    }
    analysis
}

/// Adds what another reading of the same input imports and calls to `analysis`.
fn merge_reading(analysis: &mut Analysis, other: Analysis) {
    analysis.too_complex = analysis.too_complex.or(other.too_complex);
    analysis.kept += other.kept;
    let offset = analysis.globals.len();
    analysis.globals.extend(other.globals);
    analysis
        .events
        .extend(other.events.into_iter().map(|e| match e {
            Event::MutatesGlobal {
                offset: at,
                global,
                opcode,
            } => Event::MutatesGlobal {
                offset: at,
                global: global + offset,
                opcode,
            },
            other => other,
        }));
}

fn analyze_as(data: &[u8], joblib: bool, reading: Reading, budget: usize) -> Analysis {
    let mut analysis = Analysis {
        budget,
        ..Analysis::default()
    };
    let mut pos = 0;
    while pos < data.len() {
        let first = pos == 0;
        let looks_like_pickle = modelseal_formats::pickle::starts_with_proto(&data[pos..]);
        if !first && !looks_like_pickle {
            // Try it on a scratch analysis: keep it only if it is a whole clean stream.
            let mut scratch = Analysis {
                budget: budget.saturating_sub(analysis.kept),
                ..Analysis::default()
            };
            let (stream, stopped) = run_stream(data, pos, &mut scratch, joblib, reading);
            if scratch.too_complex.is_some() {
                analysis.too_complex = scratch.too_complex;
                break;
            }
            if !(stopped && stream.error.is_none()) {
                analysis.trailing_data = Some(pos);
                break;
            }
        }
        let (stream, stopped) = run_stream(data, pos, &mut analysis, joblib, reading);
        let end = stream.end;
        analysis.kept += Cost::STREAM;
        analysis.streams.push(stream);
        if !stopped || end <= pos || analysis.too_complex.is_some() {
            break;
        }
        pos = end;
    }
    analysis
}

#[cfg(test)]
mod tests {
    use modelseal_formats::pickle::code;

    use super::*;

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
            let a = analyze(&hostile(unit));
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
        assert!(analyze(&data).too_complex.is_some());
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
        // builtins.str('os') computes the module name; STACK_GLOBAL imports os.system from it.
        let data = b"\x80\x04\x8c\x08builtins\x8c\x03str\x93\x8c\x02os\x85R\x8c\x06system\x93\x8c\x02id\x85R.";
        let a = analyze(data);
        assert!(a.streams[0].error.is_none(), "{:?}", a.streams[0].error);
        assert!(
            a.events.contains(&Event::ComputedGlobal { offset: 32 }),
            "{:?}",
            a.events
        );
        assert!(a.events.iter().any(
            |e| matches!(e, Event::DynamicCall { callee, .. } if callee.contains("computed"))
        ));
    }
}
