//! Running every pickle stream of an input, as loaders read them: one `load()` after another
//! (PyTorch's legacy format), and joblib's reading, where array bytes come from the file
//! position — which inside a buffered FRAME is the frame's end, not the next opcode.

use modelseal_formats::FormatError;
use modelseal_formats::pickle::{Decoder, Op};

use super::analysis::{Analysis, Cost, Event, MEMORY_BUDGET, Stream};
use super::vm::{Flow, Machine};

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

/// How one stream ended.
struct Ran {
    stream: Stream,
    /// It reached STOP.
    stopped: bool,
    /// Where the file handle is afterwards: past the stream's last buffered frame, which may
    /// reach beyond STOP (what a joblib object array's reader continues from).
    file_end: usize,
}

/// Where Python's `_Unframer` reads: opcodes come from the buffered frame until it is used up,
/// while the file handle (which joblib reads arrays from) is already past it.
#[derive(Default)]
struct Framing {
    /// The end of the FRAME being read, if inside one.
    frame_end: Option<usize>,
    /// Where the file handle is, when that is not where the frame ends (joblib read an array
    /// while opcodes were still coming from the frame).
    file_pos: Option<usize>,
}

impl Framing {
    /// Where the file handle is now, with opcodes being read at `offset`.
    fn file_position(&self, offset: usize) -> usize {
        self.file_pos
            .or(self.frame_end.filter(|end| *end >= offset))
            .unwrap_or(offset)
    }
}

/// Runs one stream from `start`.
#[allow(clippy::too_many_lines)] // the loop owns the decoder, the frame and joblib's reads
fn run_stream(data: &[u8], start: usize, analysis: &mut Analysis, joblib: bool) -> Ran {
    let mut machine = Machine::new(data, analysis, joblib);
    let mut decoder = Decoder::new(data, start);
    let mut framing = Framing::default();
    let mut opcodes = 0;
    let mut error = None;
    let mut stopped = false;
    loop {
        // A used-up frame: reading goes back to the file, wherever joblib left it.
        if let Some(end) = framing.frame_end
            && decoder.offset() >= end
        {
            framing.frame_end = None;
            if let Some(pos) = framing.file_pos.take() {
                decoder.seek(pos);
            }
        }
        let Some(decoded) = decoder.next() else {
            break;
        };
        let instruction = match decoded {
            Ok(instruction) => instruction,
            Err(e) => {
                error = Some((decoder.offset(), loader_message(&e)));
                break;
            }
        };
        opcodes += 1;
        let at = instruction.offset;
        if joblib {
            // joblib's unpickler is the pure-Python one: its _Unframer refuses an opcode that
            // runs past its frame and a frame that starts before the last one is used up.
            if let Some(end) = framing.frame_end
                && decoder.offset() > end
            {
                error = Some((at, "pickle exhausted before end of frame".to_owned()));
                break;
            }
            if let Op::Frame(n) = &instruction.op {
                if framing.frame_end.is_some_and(|end| at < end) {
                    error = Some((
                        at,
                        "beginning of a new frame before end of current frame".to_owned(),
                    ));
                    break;
                }
                framing.frame_end = usize::try_from(*n)
                    .ok()
                    .and_then(|n| decoder.offset().checked_add(n));
            }
        }
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
                let read_at = framing.file_position(decoder.offset());
                let mut pos = read_at as u64;
                if aligned {
                    let padding = data.get(read_at).copied().map_or(0, u64::from);
                    pos += 1 + padding;
                }
                let end = pos
                    .checked_add(bytes)
                    .and_then(|end| usize::try_from(end).ok())
                    .filter(|end| *end <= data.len());
                let Some(end) = end else {
                    error = Some((read_at, "joblib array data is truncated".to_owned()));
                    break;
                };
                continue_after(&mut decoder, &mut framing, end);
            }
            Ok(Flow::NestedPickle) => {
                machine.analysis.joblib_arrays += 1;
                let read_at = framing.file_position(decoder.offset());
                // joblib reads an object array with a plain `pickle._Unpickler` on the file:
                // no arrays inside it (and no recursion for a hostile file to nest).
                let nested = run_stream(data, read_at, machine.analysis, false);
                let end = nested.stream.end;
                machine.analysis.kept += Cost::STREAM;
                machine.analysis.streams.push(nested.stream);
                if machine.analysis.too_complex.is_some() {
                    error = Some((end, "the scanner's memory budget ran out".to_owned()));
                    break;
                }
                if !nested.stopped {
                    error = Some((end, "the nested object-array pickle is broken".to_owned()));
                    break;
                }
                continue_after(&mut decoder, &mut framing, nested.file_end);
            }
            Ok(Flow::Unreadable(reason)) => {
                machine.analysis.joblib_arrays += 1;
                machine.analysis.kept += Cost::EVENT;
                machine
                    .analysis
                    .events
                    .push(Event::JoblibUnreadable { offset: at, reason });
                error = Some((at, format!("joblib reads an array here that the scanner cannot size: {reason}")));
                break;
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
    let end = decoder.offset();
    let file_end = framing.file_pos.or(framing.frame_end).map_or(end, |f| f.max(end));
    Ran {
        stream: Stream {
            start,
            end,
            opcodes,
            protocol: machine.protocol,
            error,
        },
        stopped,
        file_end,
    }
}

/// After joblib read from the file up to `end`: opcodes continue in the current frame if it
/// has bytes left, else from `end`.
fn continue_after(decoder: &mut Decoder<'_>, framing: &mut Framing, end: usize) {
    match framing.frame_end {
        Some(frame_end) if decoder.offset() < frame_end => framing.file_pos = Some(end),
        _ => {
            framing.frame_end = None;
            framing.file_pos = None;
            decoder.seek(end);
        }
    }
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
    let mut analysis = analyze_as(data, true, budget);
    if analysis.joblib_arrays > 0 && analysis.too_complex.is_none() {
        // The second reading gets what the first left, so both together stay in budget.
        let plain = analyze_as(data, false, budget.saturating_sub(analysis.kept));
        analysis.too_complex = plain.too_complex;
        analysis.kept += plain.kept;
        let offset = analysis.globals.len();
        analysis.globals.extend(plain.globals);
        analysis.dynamic_imports.extend(plain.dynamic_imports);
        analysis
            .events
            .extend(plain.events.into_iter().map(|e| match e {
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
    analysis
}

fn analyze_as(data: &[u8], joblib: bool, budget: usize) -> Analysis {
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
            let ran = run_stream(data, pos, &mut scratch, joblib);
            if scratch.too_complex.is_some() {
                analysis.too_complex = scratch.too_complex;
                break;
            }
            if !(ran.stopped && ran.stream.error.is_none()) {
                analysis.trailing_data = Some(pos);
                break;
            }
        }
        let ran = run_stream(data, pos, &mut analysis, joblib);
        let end = ran.stream.end;
        analysis.kept += Cost::STREAM;
        analysis.streams.push(ran.stream);
        if !ran.stopped || end <= pos || analysis.too_complex.is_some() {
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
    use crate::pickle::vm::is_dotted_identifier;

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
