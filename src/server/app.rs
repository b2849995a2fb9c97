//! What the requests, the worker, the slow path and the senders share: the engine, the store,
//! the settings, the metrics, the worker's queue, the slow-path queues, and the locks that keep
//! one contact's messages in order on the slow path.

use super::conversation::{Channel, Delivery, Outcome};
use super::metrics::Metrics;
use super::settings::Settings;
use super::worker::{Answer, Job, SlowQueues};
use crate::runtime::engine::Engine;
use crate::store::{Store, StoreError, Turn};
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::oneshot;

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
    /// Where requests hand their deliveries to the worker (`None` before it starts and after
    /// the server stops).
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    /// Contacts whose deliveries are on the slow path (see `worker`).
    slow: Mutex<SlowQueues>,
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
        let mut mine = Err(StoreError::Backend(
            "the turn was lost from its commit batch".to_string(),
        ));
        // The results are handed out before the store is let go: a thread whose turn is in this
        // batch must find its result when it gets the store next.
        let mut commits = lock(&self.commits);
        for (t, result) in tickets.into_iter().zip(results) {
            if t == ticket {
                mine = result;
            } else {
                commits.done.insert(t, result);
            }
        }
        drop(commits);
        drop(store);
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

#[cfg(test)]
mod tests {
    use super::App;
    use crate::runtime::state::{Contact, State};
    use crate::server::settings::{ServeArgs, Settings};
    use crate::store::{OutboxRow, Store, StoreError, Turn};
    use std::sync::{Arc, Mutex};

    /// A store that keeps committed turns in memory and is slow to commit, so that threads
    /// pile up behind each other as they do under load.
    struct Slow(Arc<Mutex<Vec<String>>>);

    impl Store for Slow {
        fn load(&mut self, _: &str) -> Result<Option<State>, StoreError> {
            Ok(None)
        }
        fn seen(&mut self, _: &str) -> Result<bool, StoreError> {
            Ok(false)
        }
        fn reply(&mut self, _: &str) -> Result<Option<String>, StoreError> {
            Ok(None)
        }
        fn commit(&mut self, turn: Turn) -> Result<(), StoreError> {
            std::thread::sleep(std::time::Duration::from_micros(200));
            self.0.lock().unwrap().push(turn.contact);
            Ok(())
        }
        fn enqueue(&mut self, _: &str, _: &[crate::store::Outgoing]) -> Result<(), StoreError> {
            Ok(())
        }
        fn claim(&mut self, _: i64, _: usize) -> Result<Vec<OutboxRow>, StoreError> {
            Ok(Vec::new())
        }
        fn sent(&mut self, _: i64, _: Option<&str>) -> Result<(), StoreError> {
            Ok(())
        }
        fn release(&mut self, _: i64) -> Result<(), StoreError> {
            Ok(())
        }
        fn failed(&mut self, _: i64, _: Option<i64>, _: &str) -> Result<(), StoreError> {
            Ok(())
        }
        fn record_status(&mut self, _: &crate::store::DeliveryStatus) -> Result<(), StoreError> {
            Ok(())
        }
        fn pending(&mut self) -> Result<u64, StoreError> {
            Ok(0)
        }
    }

    /// Many threads committing at once: every turn is committed exactly once and every
    /// thread gets its own result (a turn committed in another thread's batch included).
    #[test]
    fn group_commit_loses_no_turn() {
        let source = crate::source::SourceFile::new(
            "bot.charla",
            "bot \"T\" {\n  business retail\n  language en\n  start home\n  support \"https://t.example\"\n}\n\nmenu home {\n  say \"Hi\"\n  option \"Talk to a person\" -> handoff\n}\n",
        );
        let compiled = crate::compile(&[source], &crate::Options::default());
        let model = Box::leak(Box::new(compiled.model.expect("the bot compiles")));
        let args = ServeArgs {
            listen: ([127, 0, 0, 1], 0).into(),
            db: None,
            env_example: false,
        };
        let settings = Settings::read(&args, "T", |_| None).unwrap();
        let committed = Arc::new(Mutex::new(Vec::new()));
        let app = Arc::new(App::new(
            crate::runtime::engine::Engine::new(model),
            settings,
            Box::new(Slow(committed.clone())),
        ));
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let app = app.clone();
                std::thread::spawn(move || {
                    for i in 0..100 {
                        let contact = format!("{t}/{i}");
                        let turn = Turn {
                            inbound_id: None,
                            contact: contact.clone(),
                            state: State::new(Contact::default()),
                            outbox: Vec::new(),
                            reply: None,
                        };
                        assert_eq!(app.commit(turn), Ok(()), "{contact}");
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let mut all = committed.lock().unwrap().clone();
        assert_eq!(all.len(), 800);
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 800);
        assert!(app.commits.lock().unwrap().done.is_empty());
    }
}
