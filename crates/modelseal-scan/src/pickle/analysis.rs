//! What the symbolic unpickler reports: every import with how the loader uses it, the other
//! ways a pickle reaches code, and where each stream ends.

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
    /// Handed to a call (an argument, a BUILD state, a persistent id, an item added to an
    /// object a call made): code may invoke it. Neither called nor reached means only
    /// referenced: stored as data in what the load returns.
    pub reached: bool,
    /// `builtins.getattr` used only to look up a literal attribute of another imported
    /// global (`getattr(zoneinfo.ZoneInfo, "_unpickle")`, as pandas pickles tz-aware
    /// timestamps): the lookup is recorded as that attribute, a dotted global judged by the
    /// policy like any other, and this import is not reported unless also called or reached.
    pub lookup_only: bool,
}

/// A `STACK_GLOBAL` whose module or name is not a string the stream spells out but a value
/// made at load time (a call's result, another global): what it imports is unknowable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamicImport {
    /// Where `STACK_GLOBAL` starts.
    pub offset: usize,
    /// Where the module name comes from (`"os"`, or "the value returned by builtins.str").
    pub module: String,
    /// Where the attribute name comes from.
    pub name: String,
    /// The imported object is called.
    pub called: bool,
    /// The imported object is handed to a call.
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
    /// joblib would read an array's bytes from the file here, but the scanner cannot tell how
    /// many or from where as joblib would (a dtype, shape or alignment it cannot interpret, a
    /// wrapper made in an unusual way): the stream after it is not read as joblib reads it.
    JoblibUnreadable {
        /// Where the BUILD of the wrapper starts.
        offset: usize,
        /// Why, for the message.
        reason: &'static str,
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
/// estimate (see `Cost`). A node costs a few dozen bytes and plain data nothing, so this is
/// a few million memo entries or live containers: a CPython-written pickle of ~100 MB of
/// lists, dicts and strings fits. A hostile stream that makes a node out of every input byte
/// (`EMPTY_DICT` + `MEMOIZE` repeated) reaches it, and then analysis stops and the file is
/// reported as too complex to scan (`PICKLE-TOO-COMPLEX`), never as clean.
pub const MEMORY_BUDGET: usize = 256 << 20;

/// What the unpickler charges against [`MEMORY_BUDGET`] for what it keeps, in bytes: the size
/// of the Rust structures plus allocator and growth overhead, rounded up.
pub(super) struct Cost;

impl Cost {
    /// A stack entry (`Value`, 16 bytes).
    pub(super) const VALUE: usize = 24;
    /// A MARK.
    pub(super) const MARK: usize = 16;
    /// A dense memo slot (`Option<Value>`, 16 bytes).
    pub(super) const MEMO: usize = 24;
    /// A sparse memo entry (hash map slot with its key and value).
    pub(super) const SPARSE_MEMO: usize = 64;
    /// A live node.
    pub(super) const NODE: usize = 32;
    /// A kept child (an edge of the arena).
    pub(super) const EDGE: usize = 32;
    /// An import, plus the bytes of its names.
    pub(super) const GLOBAL: usize = 160;
    /// An event, which becomes a finding with a message.
    pub(super) const EVENT: usize = 512;
    /// A stream record.
    pub(super) const STREAM: usize = 96;
}

/// What running every pickle stream of an input found; the scanner judges it.
#[derive(Debug, Default)]
pub struct Analysis {
    /// Every stream run, in input order (a joblib object array's nested stream included).
    pub streams: Vec<Stream>,
    /// Every import, in the order the loader performs them.
    pub globals: Vec<GlobalUse>,
    /// Every import whose name is computed at load time.
    pub dynamic_imports: Vec<DynamicImport>,
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
    pub(super) kept: usize,
    /// Whether the `pickle.loads` reading run here proves every other reading decodes the
    /// same (see [`modelseal_formats::pickle::AgreementCheck`]); `None` before a run.
    pub(super) agreement: Option<modelseal_formats::pickle::AgreementCheck>,
    /// The budget this analysis runs under.
    pub(super) budget: usize,
}

impl Analysis {
    /// Records that another reading may decode this input differently (an error, a cut
    /// stream, joblib's array reads, unread trailing bytes): the readings are compared in full.
    pub(super) fn readings_may_differ(&mut self) {
        if let Some(check) = self.agreement.as_mut() {
            check.fail();
        }
    }
}
