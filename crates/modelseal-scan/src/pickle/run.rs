//! Running every pickle stream of an input, as loaders read them: one `load()` after another
//! (PyTorch's legacy format), and joblib's reading, where array bytes come from the file
//! position — which inside a buffered FRAME is the frame's end, not the next opcode.

use modelseal_formats::FormatError;
use modelseal_formats::pickle::{
    AgreementCheck, Decoder, Op, Reading, divergent_readings, divergent_readings_after,
};

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
fn run_stream(
    data: &[u8],
    start: usize,
    analysis: &mut Analysis,
    joblib: bool,
    reading: Reading,
) -> Ran {
    let mut machine = Machine::new(data, analysis, joblib);
    let mut decoder = reading.decoder(data, start);
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
        let Some(next) = decoder.next() else {
            break;
        };
        let instruction = match next {
            Ok(instruction) => instruction,
            Err(e) => {
                error = Some((decoder.offset(), loader_message(&e)));
                break;
            }
        };
        opcodes += 1;
        let at = instruction.offset;
        if let Some(check) = machine.analysis.agreement.as_mut() {
            check.observe(&instruction.op, decoder.offset());
        }
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
                let nested = run_stream(data, read_at, machine.analysis, false, reading);
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
                error = Some((
                    at,
                    format!("joblib reads an array here that the scanner cannot size: {reason}"),
                ));
                break;
            }
            Err(message) => {
                error = Some((at, message));
                break;
            }
        }
    }
    if machine.analysis.joblib_arrays > 0 || error.is_some() || !stopped {
        machine.analysis.readings_may_differ();
    }
    if !stopped && error.is_none() {
        error = Some((decoder.offset(), TRUNCATED.to_owned()));
    }
    let end = decoder.offset();
    let file_end = framing
        .file_pos
        .or(framing.frame_end)
        .map_or(end, |f| f.max(end));
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
    // joblib's own reading keeps the C dialect's numbers: its frames and array reads are
    // modelled here, and a number only the Python dialect accepts is still seen by the
    // Python reading below (as a plain pickle).
    let mut analysis = analyze_as(data, true, Reading::LOADS, budget);
    let agreement = analysis.agreement.take();
    // joblib's reading refuses what the pure-Python unpickler refuses (an opcode across a
    // frame's end): when it stopped early, or read arrays, `pickle.load` reads on.
    let joblib_differs =
        analysis.joblib_arrays > 0 || analysis.streams.iter().any(|stream| stream.error.is_some());
    if joblib_differs && analysis.too_complex.is_none() {
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
    let readings = match &agreement {
        Some(check) => divergent_readings_after(check, data, 0),
        None => divergent_readings(data, 0),
    };
    for reading in readings {
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
    analysis.dynamic_imports.extend(other.dynamic_imports);
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
        agreement: (reading == Reading::LOADS).then(|| AgreementCheck::new(data.len())),
        ..Analysis::default()
    };
    let mut pos = 0;
    while pos < data.len() {
        let first = pos == 0;
        let looks_like_pickle = modelseal_formats::pickle::starts_with_proto(&data[pos..]);
        if !first && !looks_like_pickle {
            // Try it on a scratch analysis: keep it if it is a whole clean stream, or if it
            // imports or calls anything before it breaks (a second `load()` on the same file
            // runs that much before it raises).
            let mut scratch = Analysis {
                budget: budget.saturating_sub(analysis.kept),
                ..Analysis::default()
            };
            let ran = run_stream(data, pos, &mut scratch, joblib, reading);
            if scratch.too_complex.is_some() {
                analysis.too_complex = scratch.too_complex;
                break;
            }
            let whole = ran.stopped && ran.stream.error.is_none();
            let reaches_code = !scratch.globals.is_empty()
                || !scratch.dynamic_imports.is_empty()
                || !scratch.events.is_empty();
            if !whole && !reaches_code {
                // Another dialect may read trailing bytes as a stream.
                analysis.readings_may_differ();
                analysis.trailing_data = Some(pos);
                break;
            }
        }
        let ran = run_stream(data, pos, &mut analysis, joblib, reading);
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
