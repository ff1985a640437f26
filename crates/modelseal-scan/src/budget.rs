//! One memory budget for a whole scan: every byte the scanner holds (a raw file read whole, an
//! archive member, a decompressed stream) is reserved against one shared counter, across
//! nested archives and parallel workers. Limits per member alone let each level of a nested
//! archive and each worker take the full member limit: a 1 MB zip of nested zips took 8.4 GB.

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// The bytes a scan may hold in memory at once, and how many it holds now.
#[derive(Debug)]
pub struct Budget {
    limit: u64,
    held: AtomicU64,
    /// Signalled whenever bytes are given back, for a file's first read waiting its turn.
    released: (Mutex<()>, Condvar),
}

impl Budget {
    /// A budget of `limit` bytes, nothing held yet.
    pub fn new(limit: u64) -> Arc<Budget> {
        Arc::new(Budget {
            limit,
            held: AtomicU64::new(0),
            released: (Mutex::new(()), Condvar::new()),
        })
    }

    /// The most bytes the scan may hold at once.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The bytes held now by every reservation.
    pub fn held(&self) -> u64 {
        self.held.load(Ordering::Relaxed)
    }

    /// Takes `bytes` from the budget, or nothing when that would exceed it.
    fn take(&self, bytes: u64) -> bool {
        self.held
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
                held.checked_add(bytes).filter(|total| *total <= self.limit)
            })
            .is_ok()
    }
}

/// Bytes taken from a [`Budget`], given back when dropped.
#[derive(Debug)]
pub struct Reservation {
    budget: Arc<Budget>,
    bytes: u64,
}

impl Reservation {
    /// An empty reservation on `budget`.
    pub fn new(budget: &Arc<Budget>) -> Reservation {
        Reservation {
            budget: Arc::clone(budget),
            bytes: 0,
        }
    }

    /// Takes `bytes` for a reservation that holds nothing yet, waiting while other files
    /// hold the room (they never wait themselves, so they give it back); false at once when
    /// `bytes` exceeds the whole budget. Only a worker that holds nothing else of the budget
    /// may wait (the first read of a file): one that waited while holding could deadlock.
    pub fn grow_waiting(&mut self, bytes: u64) -> bool {
        if self.bytes != 0 || bytes > self.budget.limit {
            return self.grow(bytes);
        }
        let budget = Arc::clone(&self.budget);
        let (lock, released) = &budget.released;
        loop {
            if self.grow(bytes) {
                return true;
            }
            let Ok(guard) = lock.lock() else {
                return false;
            };
            // A timeout, not only the signal: a release between the failed take and this
            // wait would otherwise be missed.
            if released
                .wait_timeout(guard, Duration::from_millis(50))
                .is_err()
            {
                return false;
            }
        }
    }

    /// Takes `bytes` more; false (and nothing taken) when the budget has no room.
    pub fn grow(&mut self, bytes: u64) -> bool {
        let taken = self.budget.take(bytes);
        if taken {
            self.bytes += bytes;
        }
        taken
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.bytes > 0 {
            self.budget.held.fetch_sub(self.bytes, Ordering::AcqRel);
            self.budget.released.1.notify_all();
        }
    }
}

/// Why a budgeted read stopped before the end of its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Everything was read.
    Complete,
    /// The input is longer than the limit for one member or file.
    OverLimit,
    /// The scan's shared budget had no room for more.
    OverBudget,
}

/// Bytes read into memory under a [`Budget`], held until this is dropped.
#[derive(Debug)]
pub struct Held {
    /// What was read (at most the limit asked for).
    pub data: Vec<u8>,
    /// Whether the input continued past `data`.
    pub cut: Cut,
    _reservation: Reservation,
}

/// A writer into memory under a [`Budget`] and a limit, for decoders that write rather than
/// read (lzma-rs): a write past either fails, and [`HeldWriter::cut`] says which.
#[derive(Debug)]
pub struct HeldWriter {
    data: Vec<u8>,
    limit: u64,
    cut: Cut,
    reservation: Reservation,
}

impl HeldWriter {
    /// An empty writer of at most `limit` bytes under `budget`.
    pub fn new(limit: u64, budget: &Arc<Budget>) -> HeldWriter {
        HeldWriter {
            data: Vec::new(),
            limit,
            cut: Cut::Complete,
            reservation: Reservation::new(budget),
        }
    }

    /// Why writing stopped, if it did.
    pub fn cut(&self) -> Cut {
        self.cut
    }

    /// The bytes written so far.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// What was written, still held.
    pub fn into_held(self) -> Held {
        Held {
            data: self.data,
            cut: self.cut,
            _reservation: self.reservation,
        }
    }
}

impl std::io::Write for HeldWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let room = self.limit.saturating_sub(self.data.len() as u64);
        if room == 0 && !buf.is_empty() {
            self.cut = Cut::OverLimit;
            return Err(std::io::Error::other("output limit reached"));
        }
        let n = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        if !self.reservation.grow(n as u64) {
            self.cut = Cut::OverBudget;
            return Err(std::io::Error::other("scan memory budget reached"));
        }
        self.data.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Reads chunk by chunk so that the budget is charged before memory is taken.
const CHUNK: usize = 1 << 20;

/// Reads `reader` after `start` (bytes already read from it) up to `limit` bytes in all,
/// reserving each chunk against `budget` first. One byte past `limit` is read to tell a
/// longer input from one of exactly `limit` bytes; it is not kept.
pub fn read_held(
    reader: impl Read,
    start: Vec<u8>,
    limit: u64,
    budget: &Arc<Budget>,
) -> std::io::Result<Held> {
    match read_held_partial(reader, start, limit, budget) {
        (held, None) => Ok(held),
        (_, Some(e)) => Err(e),
    }
}

/// Reads the first `want` bytes of a file (after `start`, already read from it) for a
/// worker that holds nothing else of the budget: the whole `want` is reserved first, waiting
/// while other files hold the room, so that files scanned side by side take turns instead of
/// failing each other.
pub fn read_held_first(
    reader: impl Read,
    start: Vec<u8>,
    want: u64,
    budget: &Arc<Budget>,
) -> std::io::Result<Held> {
    let mut reservation = Reservation::new(budget);
    if !reservation.grow_waiting(want.max(start.len() as u64)) {
        return Ok(Held {
            data: Vec::new(),
            cut: Cut::OverBudget,
            _reservation: reservation,
        });
    }
    let mut data = start;
    if (data.len() as u64) < want {
        reader
            .take(want - data.len() as u64)
            .read_to_end(&mut data)?;
    } else {
        data.truncate(usize::try_from(want).unwrap_or(usize::MAX));
    }
    Ok(Held {
        data,
        cut: Cut::Complete,
        _reservation: reservation,
    })
}

/// [`read_held`] that keeps what was read before an error (a damaged compressed stream's
/// start is still scanned).
pub fn read_held_partial(
    mut reader: impl Read,
    start: Vec<u8>,
    limit: u64,
    budget: &Arc<Budget>,
) -> (Held, Option<std::io::Error>) {
    let mut reservation = Reservation::new(budget);
    let mut data = start;
    if !reservation.grow(data.len() as u64) {
        data.clear();
        let held = Held {
            data,
            cut: Cut::OverBudget,
            _reservation: reservation,
        };
        return (held, None);
    }
    let mut chunk = vec![0u8; CHUNK];
    let mut error = None;
    let cut = loop {
        let room = (limit + 1).saturating_sub(data.len() as u64);
        if room == 0 {
            break Cut::OverLimit;
        }
        let want = usize::try_from(room).unwrap_or(usize::MAX).min(CHUNK);
        let n = match reader.read(&mut chunk[..want]) {
            Ok(0) => break Cut::Complete,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                error = Some(e);
                break Cut::Complete;
            }
        };
        if !reservation.grow(n as u64) {
            break Cut::OverBudget;
        }
        data.extend_from_slice(&chunk[..n]);
    };
    if data.len() as u64 > limit {
        data.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    let held = Held {
        data,
        cut,
        _reservation: reservation,
    };
    (held, error)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn reservations_share_one_budget_and_give_back_on_drop() {
        let budget = Budget::new(10);
        let mut a = Reservation::new(&budget);
        assert!(a.grow(6));
        let mut b = Reservation::new(&budget);
        assert!(!b.grow(5));
        assert!(b.grow(4));
        assert_eq!(budget.held(), 10);
        drop(a);
        assert_eq!(budget.held(), 4);
        drop(b);
        assert_eq!(budget.held(), 0);
    }

    #[test]
    fn a_read_stops_at_its_limit_or_at_the_budget() {
        let budget = Budget::new(1 << 30);
        let held = read_held(&[7u8; 100][..], vec![1, 2], 50, &budget).unwrap();
        assert_eq!((held.data.len(), held.cut), (50, Cut::OverLimit));
        let held = read_held(&[7u8; 10][..], Vec::new(), 50, &budget).unwrap();
        assert_eq!((held.data.len(), held.cut), (10, Cut::Complete));
        let small = Budget::new(20);
        let held = read_held(&[7u8; 100][..], Vec::new(), 50, &small).unwrap();
        assert_eq!(held.cut, Cut::OverBudget);
        assert!(held.data.len() <= 20);
        drop(held);
        assert_eq!(small.held(), 0);
    }

    /// A file's first read waits for the room another file gives back, instead of failing.
    #[test]
    fn a_first_read_waits_for_room_given_back() {
        let budget = Budget::new(10);
        let mut other = Reservation::new(&budget);
        assert!(other.grow(8));
        let waiter = {
            let budget = Arc::clone(&budget);
            std::thread::spawn(move || read_held_first(&[1u8; 6][..], Vec::new(), 6, &budget))
        };
        std::thread::sleep(Duration::from_millis(100));
        drop(other);
        let held = waiter.join().unwrap().unwrap();
        assert_eq!((held.data.len(), held.cut), (6, Cut::Complete));
        // More than the whole budget never waits.
        let held = read_held_first(&[1u8; 20][..], Vec::new(), 20, &budget).unwrap();
        assert_eq!(held.cut, Cut::OverBudget);
    }
}
