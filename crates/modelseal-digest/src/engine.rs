use std::cmp::Reverse;
use std::fs::{File, Metadata};
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::mpsc;

use modelseal_fs::{FileKind, FsError, Reason};
use rayon::prelude::*;

use crate::walk::{ModelFile, Walk, walk_model};
use crate::{
    ByteProgress, DigestError, HashAlgorithm, Hasher, Manifest, Method, Resource, ResourceName,
    Serialization,
};

/// Walks and hashes the model at `root` as `serialization` says.
pub fn hash_model(root: &Path, serialization: &Serialization) -> Result<Manifest, DigestError> {
    let walk = walk_model(
        root,
        serialization.allow_symlinks,
        &serialization.ignore_paths,
    )?;
    hash_walk(&walk, serialization)
}

/// Hashes the files of an existing walk (callers may have filtered it) in parallel.
///
/// Work is cut into units (a file, or a shard of one), largest first so that one big file does
/// not start last and leave the other cores idle. Each byte is read exactly once.
pub fn hash_walk(walk: &Walk, serialization: &Serialization) -> Result<Manifest, DigestError> {
    hash_walk_with_progress(walk, serialization, &crate::NoProgress)
}

/// [`hash_walk`], telling `progress` the bytes to hash and each chunk as it is hashed.
pub fn hash_walk_with_progress(
    walk: &Walk,
    serialization: &Serialization,
    progress: &dyn ByteProgress,
) -> Result<Manifest, DigestError> {
    let units = units(walk, serialization.method)?;
    progress.start(
        units
            .iter()
            .map(|u| u.end - u.start)
            .fold(0, u64::saturating_add),
    );
    // A reader thread per range only pays when cores would otherwise idle: with at least as
    // many large ranges as worker threads, every core is already busy (measured: pipelining
    // then costs ~3% with SHA-256 and is within noise with BLAKE3).
    let large = units
        .iter()
        .filter(|u| u.end - u.start >= PIPELINE_MIN_BYTES)
        .count();
    let pipeline = large < rayon::current_num_threads();
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.sort_by_key(|&i| Reverse(units[i].end - units[i].start));
    let hashed: Vec<(usize, Vec<u8>)> = order
        .par_iter()
        .with_max_len(1)
        .map(|&i| {
            let unit = &units[i];
            hash_range(
                &walk.files[unit.file],
                unit.start,
                unit.end,
                serialization.hash,
                pipeline,
                progress,
            )
            .map(|digest| (i, digest))
        })
        .collect::<Result<_, _>>()?;

    let algorithm = serialization.resource_algorithm();
    let mut digests = vec![Vec::new(); units.len()];
    for (i, digest) in hashed {
        digests[i] = digest;
    }
    let resources = units
        .iter()
        .zip(digests)
        .map(|(unit, digest)| Resource {
            name: ResourceName {
                path: walk.files[unit.file].name.clone(),
                range: match serialization.method {
                    Method::Files => None,
                    Method::Shards { .. } => Some((unit.start, unit.end)),
                },
            },
            algorithm: algorithm.clone(),
            digest,
        })
        .collect();
    // Units come from files in canonical order, shards in offset order: already sorted.
    Ok(Manifest {
        model_name: walk.model_name.clone(),
        serialization: serialization.clone(),
        resources,
    })
}

struct Unit {
    file: usize,
    start: u64,
    end: u64,
}

/// Most shards one model may be cut into: 10 TB in 1 MiB shards. A tiny shard size (a typo,
/// or one recorded by a hostile signer) would otherwise allocate per byte.
pub const MAX_SHARDS: u64 = 16 * 1024 * 1024;

fn units(walk: &Walk, method: Method) -> Result<Vec<Unit>, DigestError> {
    if let Method::Shards { shard_size } = method {
        let shards: u64 = walk
            .files
            .iter()
            .map(|f| f.size.div_ceil(shard_size.max(1)))
            .fold(0, u64::saturating_add);
        if shards > MAX_SHARDS {
            return Err(DigestError::TooManyShards { shard_size, shards });
        }
    }
    let mut units = Vec::with_capacity(walk.files.len());
    for (file, model_file) in walk.files.iter().enumerate() {
        match method {
            Method::Files => units.push(Unit {
                file,
                start: 0,
                end: model_file.size,
            }),
            Method::Shards { shard_size: 0 } => return Err(DigestError::InvalidShardSize(0)),
            Method::Shards { shard_size } => {
                let mut start = 0;
                while start < model_file.size {
                    let end = model_file.size.min(start.saturating_add(shard_size));
                    units.push(Unit { file, start, end });
                    start = end;
                }
            }
        }
    }
    Ok(units)
}

/// Hashes `[start, end)` of one file and proves the file did not change meanwhile: its size
/// and modification time must match the walk's before and after, and a range that reaches the
/// end must end exactly at EOF. A changed file is an error, never a wrong digest.
fn hash_range(
    file: &ModelFile,
    start: u64,
    end: u64,
    algorithm: HashAlgorithm,
    pipeline: bool,
    progress: &dyn ByteProgress,
) -> Result<Vec<u8>, DigestError> {
    let io_err = |e| DigestError::io(&file.path, e);
    let changed = |detail: &str| DigestError::ChangedWhileHashing {
        path: file.path.clone(),
        detail: detail.to_owned(),
    };
    let (mut handle, before) = open_listed(file).map_err(|e| match e.reason {
        // O_NOFOLLOW met a symbolic link where the walk saw a regular file.
        Reason::NotRegular(FileKind::Symlink) => changed("it was replaced by a symbolic link"),
        Reason::NotRegular(_) => changed("it is no longer a regular file"),
        _ => DigestError::from(e),
    })?;
    if modelseal_fs::identity(&before) != file.identity {
        return Err(changed("it was replaced by another file"));
    }
    if !unchanged_since_listed(&before, file) {
        return Err(changed(
            "size, modification or status-change time differs from when the model was listed",
        ));
    }
    if start > 0 {
        handle.seek(SeekFrom::Start(start)).map_err(io_err)?;
    }
    let mut hasher = algorithm.hasher();
    let len = end - start;
    let fed = if pipeline && len >= PIPELINE_MIN_BYTES {
        feed_pipelined(&mut handle, len, &mut hasher, progress)
    } else {
        feed(
            &mut handle,
            len,
            algorithm.read_buffer_len(),
            &mut hasher,
            progress,
        )
    };
    fed.map_err(|e| match e {
        ReadProblem::Shrank => changed("the file shrank"),
        ReadProblem::Io(e) => io_err(e),
    })?;
    if end == file.size && read_one_more(&mut handle).map_err(io_err)? {
        return Err(changed("the file grew"));
    }
    let after = handle.metadata().map_err(io_err)?;
    if !unchanged_since_listed(&after, file) {
        return Err(changed(
            "size, modification or status-change time changed during hashing",
        ));
    }
    Ok(hasher.finalize())
}

/// Size, mtime and ctime as the walk saw them. The ctime is what catches an in-place edit of
/// bytes already hashed whose writer restored the mtime (`touch -d`, `utimensat`): any write
/// moves it and user space cannot set it back.
fn unchanged_since_listed(meta: &Metadata, file: &ModelFile) -> bool {
    meta.len() == file.size
        && meta.modified().ok() == file.modified
        && crate::walk::status_changed(meta) == file.status_changed
}

/// Opens a file the walk listed without blocking (a FIFO swapped in after the walk would
/// otherwise hang the open) and, unless the walk reached it through an allowed link, without
/// following a symbolic link swapped in after the walk.
fn open_listed(file: &ModelFile) -> Result<(File, Metadata), FsError> {
    if file.via_symlink {
        modelseal_fs::open_regular(&file.path)
    } else {
        modelseal_fs::open_regular_nofollow(&file.path)
    }
}

/// Ranges at least this long may be read on a second thread while this one hashes: one
/// SHA-256 stream is bound to one core, and the page-cache copy would otherwise take its
/// turn on that same core.
const PIPELINE_MIN_BYTES: u64 = 32 * 1024 * 1024;
/// Chunk size of the pipelined reader.
const PIPELINE_CHUNK: usize = 1024 * 1024;
/// Chunks in flight between reader and hasher.
const PIPELINE_DEPTH: usize = 3;

enum ReadProblem {
    Shrank,
    Io(io::Error),
}

/// Reads exactly `len` bytes from the current position into `hasher`.
fn feed(
    handle: &mut File,
    len: u64,
    buffer_len: usize,
    hasher: &mut Hasher,
    progress: &dyn ByteProgress,
) -> Result<(), ReadProblem> {
    let mut remaining = len;
    let mut backing = PageAlignedBuffer::new(
        buffer_len
            .min(usize::try_from(len).unwrap_or(usize::MAX))
            .max(1),
    );
    let buffer = backing.as_mut_slice();
    while remaining > 0 {
        let want = buffer
            .len()
            .min(usize::try_from(remaining).unwrap_or(usize::MAX));
        let n = read_some(handle, &mut buffer[..want])?;
        hasher.update(&buffer[..n]);
        progress.advance(n as u64);
        remaining -= n as u64;
    }
    Ok(())
}

/// [`feed`] with the reads on a scoped thread, chunks recycled through two bounded channels.
fn feed_pipelined(
    handle: &mut File,
    len: u64,
    hasher: &mut Hasher,
    progress: &dyn ByteProgress,
) -> Result<(), ReadProblem> {
    type Filled = Result<(PageAlignedBuffer, usize), ReadProblem>;
    std::thread::scope(|scope| {
        let (full_tx, full_rx) = mpsc::sync_channel::<Filled>(PIPELINE_DEPTH);
        let (empty_tx, empty_rx) = mpsc::sync_channel::<PageAlignedBuffer>(PIPELINE_DEPTH);
        for _ in 0..PIPELINE_DEPTH {
            let _ = empty_tx.send(PageAlignedBuffer::new(PIPELINE_CHUNK));
        }
        scope.spawn(move || {
            let mut remaining = len;
            while remaining > 0 {
                // A closed channel means the hasher stopped: stop too.
                let Ok(mut chunk) = empty_rx.recv() else {
                    return;
                };
                let want = PIPELINE_CHUNK.min(usize::try_from(remaining).unwrap_or(usize::MAX));
                let filled = fill(handle, &mut chunk.as_mut_slice()[..want]);
                let stop = filled.is_err();
                if let Ok(n) = filled {
                    remaining -= n as u64;
                }
                if full_tx.send(filled.map(|n| (chunk, n))).is_err() || stop {
                    return;
                }
            }
        });
        let mut received = 0;
        while received < len {
            let Ok(message) = full_rx.recv() else {
                return Err(ReadProblem::Shrank);
            };
            let (mut chunk, n) = message?;
            hasher.update(&chunk.as_mut_slice()[..n]);
            progress.advance(n as u64);
            received += n as u64;
            let _ = empty_tx.send(chunk);
        }
        Ok(())
    })
}

/// Reads until `buffer` is full; a short file is [`ReadProblem::Shrank`].
fn fill(handle: &mut File, buffer: &mut [u8]) -> Result<usize, ReadProblem> {
    let mut filled = 0;
    while filled < buffer.len() {
        filled += read_some(handle, &mut buffer[filled..])?;
    }
    Ok(filled)
}

/// One `read` that returns at least one byte, retrying interrupted calls.
fn read_some(handle: &mut File, buffer: &mut [u8]) -> Result<usize, ReadProblem> {
    loop {
        match handle.read(buffer) {
            Ok(0) => return Err(ReadProblem::Shrank),
            Ok(n) => return Ok(n),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ReadProblem::Io(e)),
        }
    }
}

/// A read buffer that starts on a page boundary.
///
/// The kernel copies page-cache pages into the buffer with `rep movsb`; on the AMD EPYC CPUs
/// measured here that copy runs at ~2.3 GB/s when the destination sits 16 bytes into a page
/// (where glibc puts large allocations) and at ~10.8 GB/s when it is page aligned. For SHA-256
/// that is the difference between 0.96 and 1.37 GB/s per core (docs/BENCHMARKS.md).
/// Over-allocating and slicing keeps this in safe code.
struct PageAlignedBuffer {
    backing: Vec<u8>,
    start: usize,
    len: usize,
}

impl PageAlignedBuffer {
    const PAGE: usize = 4096;

    fn new(len: usize) -> Self {
        let backing = vec![0u8; len + Self::PAGE];
        let start = backing.as_ptr().align_offset(Self::PAGE).min(Self::PAGE);
        PageAlignedBuffer {
            backing,
            start,
            len,
        }
    }

    fn as_mut_slice(&mut self) -> &mut [u8] {
        &mut self.backing[self.start..self.start + self.len]
    }
}

fn read_one_more(handle: &mut File) -> io::Result<bool> {
    let mut probe = [0u8; 1];
    loop {
        match handle.read(&mut probe) {
            Ok(n) => return Ok(n > 0),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use sha2::Digest as _;

    use super::*;

    fn file_of(len: usize) -> (tempfile::NamedTempFile, Vec<u8>) {
        let data: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(&data).unwrap();
        (f, data)
    }

    #[test]
    fn pipelined_and_plain_reads_hash_the_same_bytes() {
        let (f, data) = file_of(5 * PIPELINE_CHUNK + 12_345);
        let expected = sha2::Sha256::digest(&data).to_vec();
        for pipelined in [false, true] {
            let mut handle = File::open(f.path()).unwrap();
            let mut hasher = HashAlgorithm::Sha256.hasher();
            let fed = if pipelined {
                feed_pipelined(
                    &mut handle,
                    data.len() as u64,
                    &mut hasher,
                    &crate::NoProgress,
                )
            } else {
                feed(
                    &mut handle,
                    data.len() as u64,
                    128 * 1024,
                    &mut hasher,
                    &crate::NoProgress,
                )
            };
            assert!(fed.is_ok());
            assert_eq!(hasher.finalize(), expected, "pipelined={pipelined}");
        }
    }

    #[test]
    fn a_file_shorter_than_expected_is_reported_not_hashed() {
        let (f, data) = file_of(3 * PIPELINE_CHUNK);
        for pipelined in [false, true] {
            let mut handle = File::open(f.path()).unwrap();
            let mut hasher = HashAlgorithm::Sha256.hasher();
            let len = data.len() as u64 + 1;
            let fed = if pipelined {
                feed_pipelined(&mut handle, len, &mut hasher, &crate::NoProgress)
            } else {
                feed(
                    &mut handle,
                    len,
                    128 * 1024,
                    &mut hasher,
                    &crate::NoProgress,
                )
            };
            assert!(
                matches!(fed, Err(ReadProblem::Shrank)),
                "pipelined={pipelined}"
            );
        }
    }

    #[cfg(unix)]
    /// Issue 11 item 14: bytes rewritten in place with the same size and the mtime restored
    /// (what an attacker racing the hash does to bytes already hashed) must not pass.
    #[test]
    fn an_in_place_edit_with_the_mtime_restored_is_caught_by_the_ctime() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.bin");
        std::fs::write(&path, b"benign weights").unwrap();
        let walk = walk_model(&path, false, &[]).unwrap();
        let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
        // Coarse-grained ctime clocks (some file systems tick in jiffies) need a moment.
        std::thread::sleep(std::time::Duration::from_millis(20));
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        std::os::unix::fs::FileExt::write_at(&file, b"evil!!", 0).unwrap();
        file.set_modified(mtime).unwrap();
        drop(file);
        let meta = std::fs::metadata(&path).unwrap();
        assert_eq!(meta.len(), walk.files[0].size);
        assert_eq!(meta.modified().ok(), walk.files[0].modified);
        let err = hash_walk(&walk, &Serialization::files(HashAlgorithm::Sha256)).unwrap_err();
        assert!(
            matches!(err, DigestError::ChangedWhileHashing { .. }),
            "{err}"
        );
    }

    /// Counts what hashing reports, as a progress bar would.
    #[derive(Debug, Default)]
    struct Counted {
        total: std::sync::atomic::AtomicU64,
        starts: std::sync::atomic::AtomicU64,
        hashed: std::sync::atomic::AtomicU64,
    }

    impl ByteProgress for Counted {
        fn start(&self, total: u64) {
            use std::sync::atomic::Ordering::Relaxed;
            self.total.store(total, Relaxed);
            self.starts.fetch_add(1, Relaxed);
        }

        fn advance(&self, bytes: u64) {
            self.hashed
                .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Issue 12: a 10 GiB verify was silent for 11-21 s. The bytes reported must add up to
    /// exactly what was hashed, across files, shards and both read paths.
    #[test]
    fn progress_sums_to_the_bytes_hashed() {
        use std::sync::atomic::Ordering::Relaxed;
        let dir = tempfile::tempdir().unwrap();
        let sizes = [0usize, 1, 4095, 200_000, 3 * 1024 * 1024 + 7];
        for (i, len) in sizes.iter().enumerate() {
            let data: Vec<u8> = (0..*len).map(|j| (j % 251) as u8).collect();
            std::fs::write(dir.path().join(format!("f{i}.bin")), data).unwrap();
        }
        let expected: u64 = sizes.iter().map(|s| *s as u64).sum();
        for serialization in [
            Serialization::files(HashAlgorithm::Sha256),
            Serialization::shards(HashAlgorithm::Sha256, 65_536).unwrap(),
            Serialization::files(HashAlgorithm::Blake3),
        ] {
            let walk = walk_model(dir.path(), false, &[]).unwrap();
            let counted = Counted::default();
            hash_walk_with_progress(&walk, &serialization, &counted).unwrap();
            assert_eq!(counted.starts.load(Relaxed), 1);
            assert_eq!(counted.total.load(Relaxed), expected);
            assert_eq!(counted.hashed.load(Relaxed), expected);
        }
        // The pipelined reader (ranges of 32 MiB and more) reports as it hashes too.
        let (f, data) = file_of(3 * PIPELINE_CHUNK + 5);
        let counted = Counted::default();
        let mut handle = File::open(f.path()).unwrap();
        let mut hasher = HashAlgorithm::Sha256.hasher();
        assert!(feed_pipelined(&mut handle, data.len() as u64, &mut hasher, &counted).is_ok());
        assert_eq!(counted.hashed.load(Relaxed), data.len() as u64);
    }

    #[test]
    fn buffers_are_page_aligned() {
        for len in [1, 4096, 128 * 1024, PIPELINE_CHUNK] {
            let mut b = PageAlignedBuffer::new(len);
            let slice = b.as_mut_slice();
            assert_eq!(slice.len(), len);
            assert_eq!(slice.as_ptr() as usize % PageAlignedBuffer::PAGE, 0);
        }
    }

    #[test]
    fn a_big_single_file_takes_the_pipelined_path_and_matches() {
        let (f, data) = file_of(usize::try_from(PIPELINE_MIN_BYTES).unwrap() + 777);
        let manifest = hash_model(f.path(), &Serialization::files(HashAlgorithm::Sha256)).unwrap();
        assert_eq!(
            manifest.resources[0].digest,
            sha2::Sha256::digest(&data).to_vec()
        );
    }
}

/// The resources of one file already in memory (`name` as in the manifest), cut and hashed as
/// `serialization` says: for callers that must hash exactly the bytes they go on to use.
pub fn hash_bytes(
    name: &str,
    bytes: &[u8],
    serialization: &Serialization,
) -> Result<Vec<Resource>, DigestError> {
    let ranges: Vec<(u64, u64)> = match serialization.method {
        Method::Files => vec![(0, bytes.len() as u64)],
        Method::Shards { shard_size: 0 } => return Err(DigestError::InvalidShardSize(0)),
        Method::Shards { shard_size } => (0..bytes.len() as u64)
            .step_by(usize::try_from(shard_size).unwrap_or(usize::MAX))
            .map(|start| {
                (
                    start,
                    (start.saturating_add(shard_size)).min(bytes.len() as u64),
                )
            })
            .collect(),
    };
    let algorithm = serialization.resource_algorithm();
    Ok(ranges
        .into_iter()
        .map(|(start, end)| {
            let mut hasher = serialization.hash.hasher();
            hasher.update(&bytes[start as usize..end as usize]);
            Resource {
                name: ResourceName {
                    path: name.to_owned(),
                    range: match serialization.method {
                        Method::Files => None,
                        Method::Shards { .. } => Some((start, end)),
                    },
                },
                algorithm: algorithm.clone(),
                digest: hasher.finalize(),
            }
        })
        .collect())
}

#[cfg(test)]
mod hash_bytes_tests {
    use super::*;

    #[test]
    fn in_memory_hashing_matches_the_file_engine() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.bin");
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();
        for serialization in [
            Serialization::files(HashAlgorithm::Sha256),
            Serialization::shards(HashAlgorithm::Blake3, 4096).unwrap(),
        ] {
            let from_file = hash_model(&path, &serialization).unwrap();
            let from_bytes = hash_bytes(".", &data, &serialization).unwrap();
            assert_eq!(from_file.resources, from_bytes);
        }
    }
}
