//! Durable state behind one small interface: a contact's conversation [`State`], the inbound
//! message ids already processed, and the outbox of replies waiting to be sent.
//!
//! ```text
//! webhook ──seen?──▶ engine ──Turn──▶ commit (one transaction: state + inbound id + outbox)
//! sender  ──claim──▶ send API ──▶ sent | failed (retry at, or give up)
//! ```
//! A reply is written in the same transaction as the state change that produced it, so it is
//! never lost (the process may die after the commit: the row waits in the outbox) and never
//! duplicated (a retried webhook finds its id already seen; a row marked `sent` is never claimed
//! again). [`sqlite::SqliteStore`] is the embedded store; a PostgreSQL store for several server
//! instances implements the same trait.

pub mod sqlite;

use crate::runtime::state::State;
use std::fmt;

pub use sqlite::SqliteStore;

/// One processed message (or one proactive send): everything it changed, written at once.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    /// The channel's id of the inbound message; `None` for turns no message caused (a
    /// `notify`, a handoff release).
    pub inbound_id: Option<String>,
    /// The contact whose state this is (the key [`Store::load`] takes).
    pub contact: String,
    pub state: State,
    /// Replies to send, in order.
    pub outbox: Vec<Outgoing>,
    /// The answer given in the webhook's own HTTP response (Twilio's TwiML), kept with the
    /// inbound id so that a retried delivery gets the same answer (see [`Store::reply`]).
    pub reply: Option<String>,
    /// Other keys, from now on resolved to `contact` (see [`Store::resolve`]): the phone a
    /// WhatsApp user last wrote with, beside their business-scoped id.
    pub aliases: Vec<String>,
    /// A key whose conversation this turn's state continues: its state is removed, and its
    /// pending outbox rows become `contact`'s (in their order, before this turn's).
    pub replaces: Option<String>,
}

/// A reply to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Which channel sends it (e.g. `meta`, `twilio`).
    pub channel: String,
    /// The recipient, as the channel addresses it.
    pub to: String,
    /// The message, as JSON text.
    pub payload: String,
}

/// A reply claimed for sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    pub id: i64,
    /// The contact's key the row was written for (as [`Turn::contact`]).
    pub contact: String,
    pub channel: String,
    pub to: String,
    pub payload: String,
    /// How many times the row was claimed, this claim included (1 on the first try): the
    /// sender computes its backoff from it.
    pub attempts: u32,
}

/// What can go wrong in a store. Never a panic: the server keeps serving other contacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// The database failed (I/O, locking, a newer schema...).
    Backend(String),
    /// A stored state that cannot be read back.
    Corrupt { contact: String, message: String },
    /// [`Store::commit`] of a turn whose inbound id was already processed: nothing was written.
    Duplicate(String),
    /// [`Store::sent`] or [`Store::failed`] of an outbox row that does not exist (or, for
    /// `failed`, was already sent).
    NoSuchRow(i64),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Backend(message) => write!(f, "store: {message}"),
            StoreError::Corrupt { contact, message } => {
                write!(
                    f,
                    "store: the state of contact `{contact}` cannot be read: {message}"
                )
            }
            StoreError::Duplicate(id) => write!(
                f,
                "store: inbound message `{id}` was already processed; nothing was written"
            ),
            StoreError::NoSuchRow(id) => write!(f, "store: there is no outbox row {id}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// The durable store. Small, synchronous and object-safe (`Box<dyn Store>`): an async server
/// calls it from a blocking task or behind a mutex.
pub trait Store: Send {
    /// The contact's state, or `None` for a contact never seen.
    fn load(&mut self, contact: &str) -> Result<Option<State>, StoreError>;

    /// The key a contact's state is kept under, when `key` points at it (a [`Turn::aliases`]
    /// committed before); `None` when it points nowhere.
    fn resolve(&mut self, key: &str) -> Result<Option<String>, StoreError>;

    /// Whether the contact has a state (as [`Store::load`] would find, without reading it).
    fn has_state(&mut self, contact: &str) -> Result<bool, StoreError>;

    /// Whether the inbound message was already processed (committed).
    fn seen(&mut self, inbound_id: &str) -> Result<bool, StoreError>;

    /// The [`Turn::reply`] committed with an inbound id (`None` if the id is unknown or its
    /// turn kept no reply).
    fn reply(&mut self, inbound_id: &str) -> Result<Option<String>, StoreError>;

    /// Writes the turn in one transaction: the state saved, the inbound id recorded, the
    /// outbox rows enqueued (due at once). All or nothing: if the inbound id was already
    /// recorded, the commit fails with [`StoreError::Duplicate`] and nothing is written (so two
    /// deliveries of one webhook racing each other produce one reply).
    fn commit(&mut self, turn: Turn) -> Result<(), StoreError>;

    /// Commits several turns (of different contacts) in one transaction, each all or nothing
    /// as in [`Store::commit`]: one result per turn, in order. The server batches the turns of
    /// concurrent requests this way, which costs one transaction instead of one per message.
    fn commit_many(&mut self, turns: Vec<Turn>) -> Vec<Result<(), StoreError>> {
        turns.into_iter().map(|turn| self.commit(turn)).collect()
    }

    /// Enqueues rows for `contact` (due at once) in one transaction, leaving its state as it is:
    /// for a process other than the server's (`notify`), which must not write back a state it
    /// read earlier over a change the server made since (an opt-out, say).
    fn enqueue(&mut self, contact: &str, outbox: &[Outgoing]) -> Result<(), StoreError>;

    /// Up to `limit` rows due at `now` (unix seconds), oldest first, leased for sending: they are
    /// not claimed again until [`Store::sent`], [`Store::failed`], [`Store::release`], or the
    /// lease runs out (the sender died mid-send). A row is claimed only when every earlier
    /// pending row of the same contact and channel is claimed with it, so one contact's replies
    /// go out in order even with several senders (and an agent announcement that waits for its
    /// webhook holds up no reply to the contact).
    fn claim(&mut self, now: i64, limit: usize) -> Result<Vec<OutboxRow>, StoreError>;

    /// The API accepted the row (`remote_id`: the channel's id for it, to match delivery
    /// statuses): it is never claimed again.
    fn sent(&mut self, id: i64, remote_id: Option<&str>) -> Result<(), StoreError>;

    /// [`Store::sent`] for several rows at once (one transaction where the store can).
    fn sent_many(&mut self, rows: &[(i64, Option<String>)]) -> Result<(), StoreError> {
        rows.iter()
            .try_for_each(|(id, remote)| self.sent(*id, remote.as_deref()))
    }

    /// Gives a claimed row back untried (an earlier reply to the same contact failed): its lease
    /// ends and its attempt is not counted.
    fn release(&mut self, id: i64) -> Result<(), StoreError>;

    /// Sending the row failed: try again at `retry_at` (unix seconds), or give up with `None`.
    fn failed(&mut self, id: i64, retry_at: Option<i64>, error: &str) -> Result<(), StoreError>;

    /// Records a delivery status of a sent message (`sent`, `delivered`, `read`, `failed`...).
    fn record_status(&mut self, status: &DeliveryStatus) -> Result<(), StoreError>;

    /// How many outbox rows wait to be sent (for `/metrics` and `/healthz`).
    fn pending(&mut self) -> Result<u64, StoreError>;
}

/// A delivery status as a channel reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryStatus {
    /// The channel's id of the sent message (Meta's `wamid.…`).
    pub message_id: String,
    pub status: String,
    pub recipient: Option<String>,
    /// Unix seconds, as the channel gave it.
    pub at: Option<i64>,
    /// One line per error the channel gave.
    pub errors: Vec<String>,
}
