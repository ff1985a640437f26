//! Issue 11 items 11 and 12: the real `modelseal check --quarantine` binary killed (SIGKILL)
//! at random moments, on one filesystem and across two (a tmpfs at /dev/shm). After every
//! kill the model is whole where it was or whole in quarantine, never partial at its original
//! path; the next run removes the leftovers (partial copies, tombstones, staging
//! directories); and a model that reached quarantine was announced in the audit log first.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Kills per mode: enough to land in every step of a move, small enough for CI on 2 cores.
const KILLS: usize = 60;

/// A small pseudo-random generator (xorshift64*): the seed is printed, a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A duration in `[from, to)` of `span`, as fractions in thousandths.
    fn within(&mut self, span: Duration, from: u64, to: u64) -> Duration {
        let thousandths = from + self.next() % (to - from).max(1);
        span * u32::try_from(thousandths).unwrap() / 1000
    }
}

/// A failing (unsigned) model of several files, big enough that a copy takes a while.
fn make_model(root: &Path) -> (PathBuf, BTreeMap<PathBuf, Vec<u8>>) {
    let model = root.join("victim");
    fs::create_dir_all(model.join("shards")).unwrap();
    fs::write(
        model.join("config.json"),
        b"{\"architectures\": [\"Tiny\"]}",
    )
    .unwrap();
    for i in 0..8u8 {
        let bytes: Vec<u8> = (0..64 * 1024u32)
            .map(|j| (j.wrapping_mul(31).wrapping_add(u32::from(i) * 7) >> 3) as u8)
            .collect();
        fs::write(model.join(format!("shards/{i:02}.bin")), bytes).unwrap();
    }
    let before = snapshot(&model);
    (model, before)
}

/// Every file under `root` with its bytes (hidden names included).
fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(
                    path.strip_prefix(root).unwrap().to_path_buf(),
                    fs::read(&path).unwrap_or_default(),
                );
            }
        }
    }
    out
}

/// A public key for `check` (the model is unsigned: it fails whatever the key).
fn public_key() -> &'static Path {
    static KEY: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    let (_, public) = KEY.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let (_, public) = crate::keypair(dir.path(), "k", "ed25519");
        (dir, public)
    });
    public
}

fn check(model: &Path, quarantine: &Path, log: &Path) -> Command {
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("modelseal"));
    cmd.arg("check")
        .arg(model)
        .arg("--key")
        .arg(public_key())
        .args(["--strict", "--quarantine"])
        .arg(quarantine)
        .arg("--audit-log")
        .arg(log)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// The incident directories and the model each holds (if it arrived).
fn incidents(quarantine: &Path) -> Vec<(String, Option<PathBuf>)> {
    let Ok(entries) = fs::read_dir(quarantine) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let model = quarantine.join(&name).join("model/victim");
        out.push((name, model.exists().then_some(model)));
    }
    out
}

/// Names left by an interrupted move anywhere under `root`.
fn leftovers(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".partial")
                || name.ends_with(".modelseal-tombstone")
                || (name.starts_with('.') && name.strip_suffix(".new").is_some())
            {
                found.push(path.clone());
            }
            if path.is_dir() && !path.is_symlink() {
                stack.push(path);
            }
        }
    }
    found
}

struct Mode {
    name: &'static str,
    /// Where the model lives (its parent is also searched for tombstones).
    models: tempfile::TempDir,
    /// Where the quarantine and the log live.
    store: tempfile::TempDir,
}

fn modes() -> Vec<Mode> {
    let mut modes = vec![Mode {
        name: "same filesystem",
        models: tempfile::tempdir().unwrap(),
        store: tempfile::tempdir().unwrap(),
    }];
    let store = tempfile::tempdir().unwrap();
    match tempfile::tempdir_in("/dev/shm") {
        Ok(shm)
            if fs::metadata(shm.path()).unwrap().dev()
                != fs::metadata(store.path()).unwrap().dev() =>
        {
            modes.push(Mode {
                name: "across filesystems",
                models: shm,
                store,
            });
        }
        _ => {
            modelseal_test::skip::<()>(
                "the cross-filesystem kill mode: no separate tmpfs at /dev/shm",
            );
        }
    }
    modes
}

#[test]
fn kill_9_at_random_moments_never_leaves_a_partial_model_at_its_path() {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("kill harness seed {seed}");
    let mut rng = Rng(seed);
    for mode in modes() {
        // How long an uninterrupted run takes here (the median of three), to spread the
        // kills over it.
        let mut spans = Vec::new();
        for warm in 0..3 {
            let (model, _) = make_model(mode.models.path());
            let quarantine = mode.store.path().join(format!("warm-q{warm}"));
            let log = mode.store.path().join(format!("warm-a{warm}"));
            let started = Instant::now();
            let status = check(&model, &quarantine, &log).status().unwrap();
            spans.push(started.elapsed());
            assert_eq!(
                status.code(),
                Some(1),
                "{}: a failing model exits 1",
                mode.name
            );
            assert_eq!(incidents(&quarantine).len(), 1);
        }
        spans.sort();
        let span = spans[1];

        let mut outcomes = BTreeMap::new();
        for round in 0..KILLS {
            let context = format!("{} round {round} (seed {seed})", mode.name);
            let (model, before) = make_model(mode.models.path());
            let quarantine = mode.store.path().join(format!("q{}", round + 1));
            let log = mode.store.path().join(format!("a{}", round + 1));
            let mut child = check(&model, &quarantine, &log).spawn().unwrap();
            if round % 2 == 0 {
                // Anywhere in the run.
                std::thread::sleep(rng.within(span, 0, 1000));
            } else {
                // In the move: once the incident is being staged in the quarantine
                // directory, within a fifth of a run.
                let deadline = Instant::now() + span * 4;
                let staged = || fs::read_dir(&quarantine).is_ok_and(|mut d| d.next().is_some());
                while !staged() && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_micros(200));
                }
                std::thread::sleep(rng.within(span, 0, 200));
            }
            let _ = child.kill();
            let status = child.wait().unwrap();

            let outcome = assert_whole_after_kill(&model, &before, &quarantine, &log, &context);
            let outcome = match status.code() {
                Some(_) => "finished",
                None => outcome,
            };
            *outcomes.entry(outcome).or_insert(0) += 1;

            assert_next_run_cleans_up(&mode, &model, &before, &quarantine, &log, &context);
        }
        eprintln!("{}: {outcomes:?} (one run takes {span:?})", mode.name);
    }
}

/// After a kill: the model is never partial at its path, whole in one place at least, and if
/// it reached quarantine its intent is in the log. Returns how the kill landed.
fn assert_whole_after_kill(
    model: &Path,
    before: &BTreeMap<PathBuf, Vec<u8>>,
    quarantine: &Path,
    log: &Path,
    context: &str,
) -> &'static str {
    // Never part of the model at its path; whole in one place at least.
    let in_place = model.exists();
    if in_place {
        assert_eq!(
            snapshot(model),
            *before,
            "{context}: partial model in place"
        );
    }
    let arrived: Vec<PathBuf> = incidents(quarantine)
        .into_iter()
        .filter_map(|(_, m)| m)
        .collect();
    assert!(arrived.len() <= 1, "{context}: two copies in quarantine");
    for copy in &arrived {
        assert_eq!(
            snapshot(copy),
            *before,
            "{context}: partial model in quarantine"
        );
    }
    // Between the move's two renames the original is whole at its tombstone (red team 3, Q-4:
    // the original leaves its name before the copy gets its own).
    let tombstone = model.parent().unwrap().join(".victim.modelseal-tombstone");
    let set_aside = tombstone.exists() && snapshot(&tombstone) == *before;
    assert!(
        in_place || !arrived.is_empty() || set_aside,
        "{context}: the model is nowhere whole"
    );
    // Intent before action: a model that arrived was announced in the log first.
    let logged = fs::read_to_string(log).unwrap_or_default();
    for (id, model) in incidents(quarantine) {
        if model.is_some() {
            assert!(
                logged.contains(&format!("\"incident\":\"{id}\"")),
                "{context}: {id} arrived with no intent in the log"
            );
        }
    }
    let mid_move = !leftovers(quarantine).is_empty()
        || !leftovers(model.parent().unwrap()).is_empty()
        || (in_place && !arrived.is_empty());
    match (in_place, mid_move) {
        (_, true) => "killed mid-move (leftovers)",
        (true, false) => "killed, model in place",
        (false, false) => "killed, model in quarantine",
    }
}

/// The next run finishes the job and leaves nothing behind.
fn assert_next_run_cleans_up(
    mode: &Mode,
    model: &Path,
    before: &BTreeMap<PathBuf, Vec<u8>>,
    quarantine: &Path,
    log: &Path,
    context: &str,
) {
    // The next run finishes the job and leaves nothing behind.
    let status = check(model, quarantine, log).status().unwrap();
    assert!(
        matches!(status.code(), Some(1 | 3)),
        "{context}: the next run exited {status:?}"
    );
    assert!(
        !model.exists(),
        "{context}: the next run left the model in place"
    );
    let arrived: Vec<PathBuf> = incidents(quarantine)
        .into_iter()
        .filter_map(|(_, m)| m)
        .collect();
    assert_eq!(arrived.len(), 1, "{context}: {arrived:?}");
    assert_eq!(snapshot(&arrived[0]), *before, "{context}");
    let left: Vec<PathBuf> = leftovers(quarantine)
        .into_iter()
        .chain(leftovers(mode.models.path()))
        .collect();
    assert!(left.is_empty(), "{context}: leftovers {left:?}");
}

/// Two gates on one model at once: exactly one moves it, and never two copies.
#[test]
fn two_gates_on_one_model_never_both_copy_it() {
    for mode in modes() {
        for round in 0..5 {
            let (model, before) = make_model(mode.models.path());
            let quarantine = mode.store.path().join(format!("q{round}"));
            let log = mode.store.path().join(format!("a{round}"));
            let children: Vec<_> = (0..2)
                .map(|_| check(&model, &quarantine, &log).spawn().unwrap())
                .collect();
            for mut child in children {
                child.wait().unwrap();
            }
            assert!(!model.exists());
            let all = incidents(&quarantine);
            let arrived: Vec<_> = all.iter().filter_map(|(_, m)| m.as_ref()).collect();
            assert_eq!(arrived.len(), 1, "{}: {all:?}", mode.name);
            assert_eq!(snapshot(arrived[0]), before);
            assert_eq!(all.len(), 1, "{}: no orphan incident: {all:?}", mode.name);
        }
    }
}
