//! The decoder against CPython 3.11 itself: `scripts/pickle-differential.py` generates random
//! opcode arguments in every spelling, loads each with the C unpickler and the Python one, and
//! this test decodes every case under both dialects (and, for framed streams, under the file
//! readings too), requiring the same value or an error, case by case.

use std::process::Command;

use modelseal_formats::pickle::{Dialect, Source};
use serde_json::Value as Json;

use crate::replay::{Failure, replay};

/// Enough cases for more than 300,000 comparisons (two dialects per case, four readings for
/// the framed ones).
const CASES: &str = "160000";

fn hex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// Whether our replay agrees with the loader's result.
fn agrees(ours: &Result<Json, Failure>, theirs: &Json) -> bool {
    match (ours, theirs.get("ok")) {
        (Ok(value), Some(expected)) => value == expected,
        (Err(Failure::Error(_)), None) => true,
        _ => false,
    }
}

#[test]
fn decoder_agrees_with_cpython_on_every_argument_spelling() {
    let Some(python) = modelseal_test::python_with("pickle") else {
        return;
    };
    let script = modelseal_test::workspace().join("scripts/pickle-differential.py");
    let out = Command::new(&python)
        .arg(&script)
        .args(["--seed", "13", "--count"])
        .arg(std::env::var("DIFFERENTIAL_CASES").unwrap_or_else(|_| CASES.to_owned()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut compared = 0usize;
    let mut unsupported = 0usize;
    let mut huge_indices = 0usize;
    let mut disagreements = Vec::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let case: Json = serde_json::from_str(line).unwrap();
        let data = hex(case["data"].as_str().unwrap());
        let framed = case["kind"] == "frame";
        // The script loads text cases through `pickle.Unpickler(io.BytesIO(..))` (to hook
        // find_class), framed ones through `pickle.loads` (bytes).
        let c_source = if framed { Source::Bytes } else { Source::File };
        let mut readings = vec![
            ("c", Dialect::C, c_source, &case["c"]),
            ("py", Dialect::Python, Source::Bytes, &case["py"]),
        ];
        if framed {
            let size = case["file"]["buffer_size"].as_u64().unwrap();
            readings.push(("c-file", Dialect::C, Source::File, &case["file"]["c"]));
            readings.push((
                "c-buffered",
                Dialect::C,
                Source::BufferedFile {
                    buffer_size: usize::try_from(size).unwrap(),
                },
                &case["file"]["buffered"],
            ));
        }
        for (name, dialect, source, theirs) in readings {
            let ours = replay(&data, dialect, source);
            if let Err(Failure::Unsupported) = ours {
                if theirs.get("err").is_some() {
                    // The loader failed too; the evaluator just cannot say where.
                    compared += 1;
                    continue;
                }
                unsupported += 1;
            }
            compared += 1;
            if let Err(Failure::Error(why)) = &ours
                && why.contains("memo index claims")
                && theirs["ok"]["big"] == true
            {
                // A documented limit: the Python unpickler's dict memo takes indices past
                // u64; the decoder refuses them with TooLarge.
                huge_indices += 1;
                continue;
            }
            if !agrees(&ours, theirs) {
                disagreements.push(format!(
                    "{name} {} {}: CPython {theirs}, ours {ours:?}",
                    case["kind"],
                    case["data"].as_str().unwrap()
                ));
            }
        }
    }
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for d in &disagreements {
        let key: Vec<&str> = d.split(' ').take(2).collect();
        *kinds.entry(key.join(" ")).or_default() += 1;
    }
    eprintln!(
        "{compared} comparisons, {huge_indices} Python memo indices past u64 (refused), \
         disagreements by reading and kind: {kinds:?}"
    );
    assert!(
        disagreements.is_empty(),
        "{} of {compared} comparisons disagree ({unsupported} unsupported), first ones:\n{}",
        disagreements.len(),
        pick(&disagreements).join("\n")
    );
    assert!(
        compared >= 300_000 || std::env::var_os("DIFFERENTIAL_CASES").is_some(),
        "only {compared} comparisons"
    );
}

/// The first few disagreements of each reading and kind.
fn pick(disagreements: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashMap::<String, usize>::new();
    disagreements
        .iter()
        .filter(|d| {
            let key: String = d.split(' ').take(2).collect();
            let n = seen.entry(key).or_default();
            *n += 1;
            *n <= 4
        })
        .cloned()
        .collect()
}
