//! What the requests, the worker, the slow path and the senders share: the engine, the store,
//! the settings, the metrics, the worker's queue and the slow-path queues (which keep one
//! contact's messages in order: a contact on the slow path has one thread and no other).

use super::conversation::{Channel, Delivery, Outcome};
use super::metrics::Metrics;
use super::settings::Settings;
use super::worker::{Answer, Job, SlowQueues};
use crate::runtime::engine::Engine;
use crate::store::{Store, StoreError};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::oneshot;

pub struct App {
    pub engine: Engine<'static>,
    pub settings: Settings,
    pub metrics: Metrics,
    store: Mutex<Box<dyn Store>>,
    /// Bumped when the outbox has new rows; the senders wait on it.
    wake: (Mutex<u64>, Condvar),
    stopping: AtomicBool,
    /// Where requests hand their deliveries to the worker (`None` before it starts and after
    /// the server stops).
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    /// Contacts whose deliveries are on the slow path (see `worker`).
    slow: Mutex<SlowQueues>,
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
            wake: (Mutex::new(0), Condvar::new()),
            stopping: AtomicBool::new(false),
            jobs: Mutex::new(None),
            slow: Mutex::new(SlowQueues::new()),
        }
    }

    /// Starts the conversation worker; its thread ends after [`App::stop_worker`] once the jobs
    /// already handed over are done.
    pub fn start_worker(self: &Arc<Self>) -> std::thread::JoinHandle<()> {
        let (sender, receiver) = mpsc::channel();
        *lock(&self.jobs) = Some(sender);
        let app = self.clone();
        std::thread::spawn(move || super::worker::run(app, receiver))
    }

    /// No more jobs: the worker finishes what it has and ends.
    pub fn stop_worker(&self) {
        lock(&self.jobs).take();
    }

    /// Hands deliveries to the worker; each receiver gets its delivery's outcome. `None` when
    /// the worker is not running (the server is stopping).
    pub fn submit(
        &self,
        deliveries: Vec<Delivery>,
    ) -> Option<Vec<oneshot::Receiver<Result<Outcome, StoreError>>>> {
        let jobs = lock(&self.jobs);
        let sender = jobs.as_ref()?;
        let mut receivers = Vec::with_capacity(deliveries.len());
        let mut job = Job {
            deliveries: Vec::with_capacity(deliveries.len()),
        };
        for delivery in deliveries {
            let (answer, receiver) = oneshot::channel();
            job.deliveries.push((delivery, answer));
            receivers.push(receiver);
        }
        sender.send(job).ok()?;
        Some(receivers)
    }

    /// Runs `f` with the store held (the worker holds it for a whole batch).
    pub fn with_store<T>(&self, f: impl FnOnce(&mut dyn Store) -> T) -> T {
        let mut store = lock(&self.store);
        f(store.as_mut())
    }

    pub fn count_duplicate(&self, channel: Channel) {
        self.metrics
            .duplicates
            .get_or_create(&Metrics::channel(channel.name()))
            .inc();
    }

    /// Whether any contact has deliveries on the slow path (a call in progress).
    pub fn slow_path_busy(&self) -> bool {
        !lock(&self.slow).is_empty()
    }

    /// Whether the contact has deliveries on the slow path.
    pub fn on_slow_path(&self, key: &str) -> bool {
        lock(&self.slow).contains_key(key)
    }

    /// Queues a delivery on the contact's slow path; `true` when the contact had none, so the
    /// caller starts a thread to drain it.
    pub fn queue_slow(&self, key: &str, delivery: Delivery, answer: Answer) -> bool {
        let mut slow = lock(&self.slow);
        match slow.get_mut(key) {
            Some(queue) => {
                queue.push_back((delivery, answer));
                false
            }
            None => {
                slow.insert(key.to_string(), VecDeque::from([(delivery, answer)]));
                true
            }
        }
    }

    /// The contact's next slow-path delivery; when there is none, the contact leaves the slow
    /// path (in the same step, so the worker never queues behind a thread that has ended).
    pub fn next_slow(&self, key: &str) -> Option<(Delivery, Answer)> {
        let mut slow = lock(&self.slow);
        let next = slow.get_mut(key).and_then(VecDeque::pop_front);
        if next.is_none() {
            slow.remove(key);
        }
        next
    }

    /// Runs `f` with the store (held for that call only).
    pub fn store<T>(
        &self,
        f: impl FnOnce(&mut dyn Store) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut store = lock(&self.store);
        f(store.as_mut())
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
