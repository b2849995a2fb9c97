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
            slow: Mutex::new(SlowQueues::default()),
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
        !lock(&self.slow).queues.is_empty()
    }

    /// The slow-path queue a key's deliveries must wait on, if any: its own, or the one of a
    /// contact it is another key of.
    pub fn slow_queue_of(&self, key: &str) -> Option<String> {
        let slow = lock(&self.slow);
        if slow.queues.contains_key(key) {
            return Some(key.to_string());
        }
        slow.also.get(key).cloned()
    }

    /// Queues a delivery on a slow-path queue, with `also` (other keys of its contact) waiting
    /// on the same queue from now on; `true` when the queue is new, so the caller starts a
    /// thread to drain it.
    pub fn queue_slow(
        &self,
        queue: &str,
        also: &[String],
        delivery: Delivery,
        answer: Answer,
    ) -> bool {
        let mut slow = lock(&self.slow);
        // A key already waiting on a live queue keeps it (entries of ended queues are gone).
        for other in also.iter().filter(|k| *k != queue) {
            slow.also
                .entry(other.clone())
                .or_insert_with(|| queue.to_string());
        }
        match slow.queues.get_mut(queue) {
            Some(waiting) => {
                waiting.push_back((delivery, answer));
                false
            }
            None => {
                slow.queues
                    .insert(queue.to_string(), VecDeque::from([(delivery, answer)]));
                true
            }
        }
    }

    /// The queue's next delivery; when there is none, the queue ends, with the other keys that
    /// waited on it (in the same step, so the worker never queues behind a thread that has
    /// ended).
    pub fn next_slow(&self, queue: &str) -> Option<(Delivery, Answer)> {
        let mut slow = lock(&self.slow);
        let next = slow.queues.get_mut(queue).and_then(VecDeque::pop_front);
        if next.is_none() {
            slow.queues.remove(queue);
            slow.also.retain(|_, q| q != queue);
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
