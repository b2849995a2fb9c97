//! What every request and the sender share: the engine, the store, the settings, the
//! metrics, and the locks that keep one contact's messages in order.

use super::metrics::Metrics;
use super::settings::Settings;
use crate::runtime::engine::Engine;
use crate::store::{Store, StoreError, Turn};
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// Locks for contacts: a contact's messages are processed one at a time (a state is loaded,
/// changed and saved), different contacts in parallel. Striped, so memory stays fixed however
/// many contacts write.
const STRIPES: usize = 1024;

pub struct App {
    pub engine: Engine<'static>,
    pub settings: Settings,
    pub metrics: Metrics,
    store: Mutex<Box<dyn Store>>,
    /// Turns waiting for [`App::commit`]'s next group commit, and results not yet collected.
    commits: Mutex<Commits>,
    stripes: Vec<Mutex<()>>,
    /// Bumped when the outbox has new rows; the senders wait on it.
    wake: (Mutex<u64>, Condvar),
    stopping: AtomicBool,
}

#[derive(Default)]
struct Commits {
    next: u64,
    waiting: Vec<(u64, Turn)>,
    done: HashMap<u64, Result<(), StoreError>>,
}

/// A poisoned lock only means another thread panicked while holding it; the data behind
/// these locks is consistent after every statement, so carry on.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl App {
    pub fn new(engine: Engine<'static>, settings: Settings, store: Box<dyn Store>) -> App {
        App {
            engine,
            settings,
            metrics: Metrics::new(),
            store: Mutex::new(store),
            commits: Mutex::new(Commits::default()),
            stripes: (0..STRIPES).map(|_| Mutex::new(())).collect(),
            wake: (Mutex::new(0), Condvar::new()),
            stopping: AtomicBool::new(false),
        }
    }

    /// Runs `f` with the store (held for that call only).
    pub fn store<T>(
        &self,
        f: impl FnOnce(&mut dyn Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut store = lock(&self.store);
        f(store.as_mut())
    }

    /// Commits a turn, together with the turns other threads are committing at the same time:
    /// a group commit. Whoever holds the store commits everything waiting in one transaction
    /// (each turn all or nothing on its own); a thread whose turn went in someone else's batch
    /// finds its result when it gets the store. Returns once the turn is durable.
    pub fn commit(&self, turn: Turn) -> Result<(), StoreError> {
        let ticket = {
            let mut commits = lock(&self.commits);
            let ticket = commits.next;
            commits.next += 1;
            commits.waiting.push((ticket, turn));
            ticket
        };
        let mut store = lock(&self.store);
        let batch = {
            let mut commits = lock(&self.commits);
            if let Some(result) = commits.done.remove(&ticket) {
                return result;
            }
            std::mem::take(&mut commits.waiting)
        };
        let (tickets, turns): (Vec<u64>, Vec<Turn>) = batch.into_iter().unzip();
        let results = store.commit_many(turns);
        drop(store);
        let mut mine = Err(StoreError::Backend(
            "the turn was lost from its commit batch".to_string(),
        ));
        let mut commits = lock(&self.commits);
        for (t, result) in tickets.into_iter().zip(results) {
            if t == ticket {
                mine = result;
            } else {
                commits.done.insert(t, result);
            }
        }
        mine
    }

    /// Holds the contact's lock until the guard is dropped.
    pub fn lock_contact(&self, key: &str) -> MutexGuard<'_, ()> {
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        lock(&self.stripes[(hasher.finish() as usize) % STRIPES])
    }

    /// Tells the senders that the outbox has new rows.
    pub fn wake_senders(&self) {
        let (count, ready) = &self.wake;
        *lock(count) += 1;
        // One sender is enough to pick new rows up; a busy one claims again anyway.
        ready.notify_one();
    }

    /// Waits until [`App::wake_senders`] or `timeout`, whichever comes first.
    pub fn wait_for_work(&self, seen: &mut u64, timeout: Duration) {
        let (count, ready) = &self.wake;
        let guard = lock(count);
        if *guard != *seen || self.stopping() {
            *seen = *guard;
            return;
        }
        let (guard, _) = ready
            .wait_timeout(guard, timeout)
            .unwrap_or_else(|e| e.into_inner());
        *seen = *guard;
    }

    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        let (count, ready) = &self.wake;
        *lock(count) += 1;
        ready.notify_all();
    }

    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }
}
