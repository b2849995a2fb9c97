//! The conversation worker: one thread that takes the deliveries of every request, runs them
//! through the engine in batches and commits each batch in one transaction.
//!
//! ```text
//! requests ─Job─▶ channel ─▶ worker: store held for the batch; per delivery: seen? load
//!                                    (or this batch's newer state), engine turn, rows
//!                                    ─▶ commit_many ─▶ each request's answer, senders woken
//!                                    a turn that calls the client's API ─▶ slow path
//! ```
//! One thread owning the batch costs far less than a thread per request contending for the
//! store: the engine takes microseconds, SQLite wants one writer, and a machine with two cores
//! pays for every thread switch.
//!
//! A turn that `call`s the client's API could block the worker for seconds, so such a delivery
//! goes to the slow path instead (its turn here is thrown away): a thread of its own per
//! contact running [`deliver`], which makes the calls. While a contact has deliveries on the
//! slow path, its later deliveries queue behind them there, so its messages stay in order.

use super::app::App;
use super::conversation::{
    adopted, current_state, date_window, deliver, look_up_again, same_contact, written, Delivery,
    Outcome,
};
use super::outbox;
use crate::runtime::state::State;
use crate::runtime::turn::{Event, Output};
use crate::store::{StoreError, Turn};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use tokio::sync::oneshot;

/// Deliveries taken into one batch at most.
const MAX_BATCH: usize = 256;

/// What a delivery's request waits for.
pub type Answer = oneshot::Sender<Result<Outcome, StoreError>>;

/// The deliveries of one request, each with where its answer goes.
pub struct Job {
    pub deliveries: Vec<(Delivery, Answer)>,
}

/// Contacts with deliveries on the slow path, each with the ones waiting there in order, and
/// the other keys of those contacts (a phone being linked to, or moving to, a business-scoped
/// id), which wait on the same queue.
#[derive(Default)]
pub struct SlowQueues {
    pub queues: HashMap<String, VecDeque<(Delivery, Answer)>>,
    /// Another key -> the queue it waits on.
    pub also: HashMap<String, String>,
}

/// Runs until every sender of jobs is gone.
pub fn run(app: Arc<App>, jobs: std::sync::mpsc::Receiver<Job>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = first.deliveries;
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.extend(job.deliveries),
                Err(_) => break,
            }
        }
        // A bug must not take every later request down with it: a panic loses this batch's
        // answers (their requests get 500 and the channels deliver them again), and the worker
        // goes on.
        let caught =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| process(&app, batch)));
        if caught.is_err() {
            eprintln!("charla: internal error while processing a batch; its requests got 500");
        }
    }
}

/// A turn made in this batch, waiting for the commit.
struct Made {
    answer: Answer,
    outcome: Outcome,
}

fn process(app: &Arc<App>, batch: Vec<(Delivery, Answer)>) {
    let mut turns = Vec::new();
    let mut made = Vec::new();
    let mut has_rows = false;
    // This batch's newer states, and the inbound ids it already took (with their replies).
    let mut states: HashMap<String, State> = HashMap::new();
    let mut ids: HashMap<String, Option<String>> = HashMap::new();
    // The phone keys this batch points at business-scoped ids (see `same_contact`).
    let mut links: HashMap<String, String> = HashMap::new();
    // One reading of the clock (and of the bot's time zone) for the batch: it takes
    // milliseconds at most.
    let clock = crate::clock::now(&app.engine.model().bot.timezone);
    let results = app.with_store(|store| {
        for (mut delivery, answer) in batch {
            let channel = delivery.channel;
            // The batch's own links and states count as the store's: they commit with it.
            let store_cell = std::cell::RefCell::new(&mut *store);
            let known = same_contact(
                &mut delivery,
                |key| match links.get(key) {
                    Some(linked) => Ok(Some(linked.clone())),
                    None => store_cell.borrow_mut().resolve(key),
                },
                |key| Ok(states.contains_key(key) || store_cell.borrow_mut().has_state(key)?),
            );
            if let Err(e) = known {
                let _ = answer.send(Err(e));
                continue;
            }
            let key = channel.key(&delivery.contact.id);
            // The contact's other key (the phone being linked or moving) may be on the slow
            // path too: then this delivery waits there as well, behind it.
            let busy = std::iter::once(&key)
                .chain(delivery.link.iter())
                .chain(delivery.moved_from.iter())
                .find_map(|k| app.slow_queue_of(k));
            if let Some(queue) = busy {
                to_slow_path(app, queue, delivery, answer);
                continue;
            }
            if let Some(id) = &delivery.id {
                let earlier = match ids.get(id) {
                    Some(reply) => Some(Ok(reply.clone())),
                    None => match store.seen(id) {
                        Ok(true) => Some(store.reply(id)),
                        Ok(false) => None,
                        Err(e) => Some(Err(e)),
                    },
                };
                if let Some(reply) = earlier {
                    if reply.is_ok() {
                        app.count_duplicate(channel);
                    }
                    let _ = answer.send(reply.map(|reply| Outcome::Duplicate { reply }));
                    continue;
                }
            }
            let mut load = |key: &str| match states.remove(key) {
                Some(state) => Ok(Some(state)),
                None => store.load(key),
            };
            let stored = match load(&key) {
                Ok(None) if delivery.moved_from.is_some() => {
                    let old = delivery.moved_from.as_deref().unwrap_or_default();
                    load(old).map(|moved| adopted(None, moved, &delivery))
                }
                other => other,
            };
            let stored = match stored {
                Ok(stored) => stored,
                Err(e) => {
                    let _ = answer.send(Err(e));
                    continue;
                }
            };
            let Some(state) = current_state(app, stored, &delivery) else {
                let _ = answer.send(Ok(Outcome::UnknownContact));
                continue;
            };
            let (mut next, outputs) = app.engine.turn(&state, delivery.inbound.clone(), &clock);
            if outputs
                .iter()
                .any(|o| matches!(o, Output::Event(Event::Call { .. })))
            {
                // Done again on the slow path, with the call made; this batch forgets it.
                to_slow_path(app, key, delivery, answer);
                continue;
            }
            date_window(&mut next, outbox::window_start(&state), &delivery);
            let (rows, reply) = written(app, channel, delivery.inline, &next, &outputs, clock.now);
            has_rows |= !rows.is_empty();
            if let Some(id) = &delivery.id {
                ids.insert(id.clone(), reply.clone());
            }
            states.insert(key.clone(), next.clone());
            if let Some(phone_key) = &delivery.link {
                links.insert(phone_key.clone(), key.clone());
            }
            turns.push(Turn {
                aliases: delivery.link.iter().cloned().collect(),
                replaces: delivery.moved_from.clone(),
                inbound_id: delivery.id,
                contact: key.clone(),
                state: next,
                outbox: rows,
                reply: reply.clone(),
            });
            made.push(Made {
                answer,
                outcome: Outcome::Processed {
                    reply,
                    contact: key,
                },
            });
        }
        if turns.is_empty() {
            Vec::new()
        } else {
            store.commit_many(std::mem::take(&mut turns))
        }
    });
    for (made, result) in made.into_iter().zip(results) {
        let _ = made.answer.send(result.map(|()| made.outcome));
    }
    if has_rows {
        app.wake_senders();
    }
}

/// Queues a delivery on a slow-path queue (its contact's, or the one its contact's other key
/// waits on), starting one if there is none. The delivery's keys (its own, and a phone being
/// linked or moving) wait on the same queue until it ends, so that nothing of theirs overtakes
/// it.
fn to_slow_path(app: &Arc<App>, key: String, delivery: Delivery, answer: Answer) {
    // Its own key too, when it waits on another key's queue: the user's next message may come
    // by that key alone, and must not overtake this one.
    let also: Vec<String> = std::iter::once(delivery.channel.key(&delivery.contact.id))
        .chain(delivery.link.iter().cloned())
        .chain(delivery.moved_from.iter().cloned())
        .collect();
    if app.queue_slow(&key, &also, delivery, answer) {
        let app = app.clone();
        std::thread::spawn(move || drain_slow_path(&app, &key));
    }
}

/// Delivers a contact's slow-path queue in order, until it is empty.
fn drain_slow_path(app: &Arc<App>, key: &str) {
    while let Some((mut delivery, answer)) = app.next_slow(key) {
        if let Err(e) = look_up_again(app, &mut delivery) {
            let _ = answer.send(Err(e));
            continue;
        }
        // Found to be another key's conversation, which has a queue of its own running: it
        // waits there, so that one conversation never runs on two threads.
        let now_key = delivery.channel.key(&delivery.contact.id);
        if let Some(other) = app.slow_queue_of(&now_key).filter(|q| q != key) {
            to_slow_path(app, other, delivery, answer);
            continue;
        }
        // As in the worker: a panic answers this delivery with an error (the channel delivers
        // it again) and the contact's queue goes on, rather than waiting forever.
        let delivered =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| deliver(app, delivery)))
                .unwrap_or_else(|_| {
                    Err(StoreError::Backend(
                        "internal error while processing the message".to_string(),
                    ))
                });
        let _ = answer.send(delivered);
    }
}
