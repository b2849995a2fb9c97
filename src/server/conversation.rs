//! One inbound message (or a release) through the engine and into the store, for any channel,
//! with the bot's `call`s made on the way: the slow path of [`super::worker`] (which does the
//! same for turns without calls, in batches, sharing [`written`] and [`current_state`]).
//!
//! ```text
//! seen? ─ load state ─ engine turn(s), calls made ─ replies → outbox rows
//!   └ duplicate: the first answer again      commit (state + id + rows) ─ wake senders
//! ```
//! The replies are only written here; the senders send them. A reply that would be free-form
//! outside the 24-hour window is not written (and counted in `/metrics`).

use super::app::App;
use super::outbox;
use crate::calls::{self, CallOptions};
use crate::channels::twilio;
use crate::runtime::state::{Contact, State};
use crate::runtime::turn::{Event, Inbound, Message, Output};
use crate::store::{Outgoing, StoreError, Turn};
use std::time::{Duration, Instant};

/// How many `call`s one message may lead to (each a separate turn of the engine).
const MAX_CALLS: usize = 16;

/// How long the calls of an inline delivery may take in all: Twilio stops waiting for its
/// TwiML after 15 s.
const INLINE_BUDGET: Duration = Duration::from_secs(12);

/// Which channel a contact talks through; the store keys contacts by channel and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Meta,
    Twilio,
}

impl Channel {
    pub fn name(self) -> &'static str {
        match self {
            Channel::Meta => outbox::META,
            Channel::Twilio => outbox::TWILIO,
        }
    }

    /// The store's key for a contact of this channel.
    pub fn key(self, contact_id: &str) -> String {
        format!("{}:{contact_id}", self.name())
    }
}

/// Something that happened to a contact.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub channel: Channel,
    /// The channel's message id (`None` for a release).
    pub id: Option<String>,
    /// Who: `id` is the channel's id for the contact (Meta's wa_id or business-scoped id,
    /// Twilio's WaId), `phone` E.164 or empty, `name` the profile name.
    pub contact: Contact,
    pub inbound: Inbound,
    /// The replies go back in the webhook's response (Twilio's TwiML) rather than through the
    /// outbox.
    pub inline: bool,
    /// When the contact sent the message, by the channel's clock (Meta's `timestamp`); `None`
    /// when the channel does not say (Twilio) or for a release.
    pub sent_at: Option<i64>,
    /// The phone's key, to point at this contact from now on (an alias committed with the
    /// turn): set by [`same_contact`].
    pub link: Option<String>,
    /// The key of the conversation this contact had under their phone before Meta gave their
    /// business-scoped id: it becomes theirs (and is removed from the old key with the turn).
    /// Set by [`same_contact`].
    pub moved_from: Option<String>,
}

/// Whether a Meta contact id is a business-scoped user id (`US.1349…`) rather than a phone
/// number's digits.
fn is_business_scoped(id: &str) -> bool {
    !id.bytes().all(|b| b.is_ascii_digit())
}

/// Finds the conversation of a delivery's contact when it is kept under another key. A
/// WhatsApp user is keyed by their business-scoped id, which Meta sends with every message and
/// which stays theirs when they hide their number behind a username, change it, or it passes
/// to someone else; the phone is an attribute that can change hands. So:
/// - a message with the business-scoped id is that id's conversation. If the id has none yet
///   but the phone has one (begun before Meta sent ids) that no other id has claimed, that one
///   moves to the id (`moved_from`). The phone is pointed at the id (`link`), for messages,
///   `notify` and releases that give only a phone;
/// - a message with only a phone (Meta before the ids, a release, `notify`) goes to the
///   conversation the phone points at, if any: the last user who wrote with that phone.
///
/// `resolve` and `has_state` answer for the store and for what the caller has not committed
/// yet (the worker's batch).
pub fn same_contact(
    delivery: &mut Delivery,
    mut resolve: impl FnMut(&str) -> Result<Option<String>, StoreError>,
    mut has_state: impl FnMut(&str) -> Result<bool, StoreError>,
) -> Result<(), StoreError> {
    let channel = delivery.channel;
    let key = channel.key(&delivery.contact.id);
    if !is_business_scoped(&delivery.contact.id) {
        if let Some(canonical) = resolve(&key)? {
            if let Some((_, id)) = canonical.split_once(':') {
                delivery.contact.id = id.to_string();
                // The phone brought us here; it links nothing (a later look-up of this
                // delivery must not point the phone back at this id).
                delivery.contact.phone.clear();
            }
        }
        return Ok(());
    }
    let phone = delivery.contact.phone.trim_start_matches('+');
    if phone.is_empty() || !phone.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(());
    }
    let phone_key = channel.key(phone);
    let points_at = resolve(&phone_key)?;
    // Only a conversation nobody else has written from with that phone since ids came is this
    // user's: once the phone pointed at another id, what is left under it was theirs.
    let unclaimed = points_at.as_ref().is_none_or(|k| *k == key);
    if unclaimed && !has_state(&key)? && has_state(&phone_key)? {
        delivery.moved_from = Some(phone_key.clone());
    }
    if points_at.as_deref() != Some(key.as_str()) {
        delivery.link = Some(phone_key);
    }
    Ok(())
}

/// Looks a waiting delivery's contact up again in the store: the worker did it before the
/// delivery waited on the slow path, and what it waited behind may have linked or moved a key.
pub fn look_up_again(app: &App, delivery: &mut Delivery) -> Result<(), StoreError> {
    delivery.link = None;
    delivery.moved_from = None;
    app.store(|s| {
        let s = std::cell::RefCell::new(s);
        same_contact(
            delivery,
            |key| s.borrow_mut().resolve(key),
            |key| s.borrow_mut().has_state(key),
        )
    })
}

/// The state a delivery continues: the one stored under its key or, when none is and the
/// contact's conversation moves from their phone (`moved_from`), that one, now theirs.
pub fn adopted(stored: Option<State>, moved: Option<State>, delivery: &Delivery) -> Option<State> {
    stored.or_else(|| {
        moved.map(|mut state| {
            state.contact.id = delivery.contact.id.clone();
            state
        })
    })
}

/// What became of a delivery.
#[derive(Debug)]
pub enum Outcome {
    /// Processed now: the TwiML answer when the delivery was `inline`, and the key of the
    /// conversation it went to (which a phone may point at).
    Processed {
        reply: Option<String>,
        contact: String,
    },
    /// Processed before (a retried webhook): nothing changed; the first answer again.
    Duplicate { reply: Option<String> },
    /// A release for a contact the store does not know.
    UnknownContact,
}

/// Processes one delivery. Blocking (the store, and the bot's `call`s): run it off the async
/// threads, and for one contact at a time (the slow path's queue per contact sees to that).
pub fn deliver(app: &App, delivery: Delivery) -> Result<Outcome, StoreError> {
    let channel = delivery.channel;
    let key = channel.key(&delivery.contact.id);
    // One trip to the store: a duplicate's first answer, or the contact's state.
    let stored = app.store(|s| match &delivery.id {
        Some(id) if s.seen(id)? => Ok(Err(s.reply(id)?)),
        _ => {
            let stored = s.load(&key)?;
            let moved = match (&stored, &delivery.moved_from) {
                (None, Some(old)) => s.load(old)?,
                _ => None,
            };
            Ok(Ok(adopted(stored, moved, &delivery)))
        }
    })?;
    let stored = match stored {
        Ok(stored) => stored,
        Err(reply) => {
            app.metrics
                .duplicates
                .get_or_create(&super::metrics::Metrics::channel(channel.name()))
                .inc();
            return Ok(Outcome::Duplicate { reply });
        }
    };
    let Some(state) = current_state(app, stored, &delivery) else {
        return Ok(Outcome::UnknownContact);
    };
    let clock = crate::clock::now(&app.engine.model().bot.timezone);
    let before = outbox::window_start(&state);
    let (mut state, outputs) = run(
        app,
        state,
        delivery.inbound.clone(),
        &clock,
        delivery.inline,
    );
    date_window(&mut state, before, &delivery);
    let (rows, reply) = written(app, channel, delivery.inline, &state, &outputs, clock.now);
    let has_rows = !rows.is_empty();
    let committed = app.store(|s| {
        s.commit(Turn {
            aliases: delivery.link.iter().cloned().collect(),
            replaces: delivery.moved_from.clone(),
            inbound_id: delivery.id.clone(),
            contact: key.clone(),
            state,
            outbox: rows,
            reply: reply.clone(),
        })
    });
    match committed {
        Ok(()) => {}
        // Two deliveries of one message raced; the other one answered.
        Err(StoreError::Duplicate(id)) => {
            return Ok(Outcome::Duplicate {
                reply: app.store(|s| s.reply(&id))?,
            })
        }
        Err(e) => return Err(e),
    }
    if has_rows {
        app.wake_senders();
    }
    Ok(Outcome::Processed {
        reply,
        contact: key,
    })
}

/// Dates the window by when the contact sent the message rather than when it reached the
/// server: WhatsApp's 24-hour window runs from the contact's message, and a webhook Meta
/// retried after an outage arrives hours late. Sets `window_from` after a turn that read a
/// message: the sending time (the channel's `sent_at`, else the turn's reading time
/// `last_inbound`), never later than the reading time (clocks differ), and never earlier than
/// the window already open (`before`: Meta does not promise order, and an older message must
/// not shorten the window a newer one opened). `last_inbound` stays the reading time, so a
/// session's idle time is not stretched by the delay.
pub fn date_window(state: &mut State, before: Option<i64>, delivery: &Delivery) {
    let read_message = !matches!(
        delivery.inbound,
        Inbound::Released | Inbound::CallAnswered { .. } | Inbound::CallFailed { .. }
    );
    let Some(read_at) = state.last_inbound.filter(|_| read_message) else {
        return;
    };
    let sent = delivery.sent_at.map_or(read_at, |at| at.min(read_at));
    state.window_from = Some(before.map_or(sent, |before| before.max(sent)));
}

/// What a turn leaves to send: outbox rows (replies within the 24-hour window, handoff
/// announcements) and, for an `inline` delivery, the TwiML answer. Metrics are counted here.
pub fn written(
    app: &App,
    channel: Channel,
    inline: bool,
    state: &State,
    outputs: &[Output],
    now: i64,
) -> (Vec<Outgoing>, Option<String>) {
    let messages: Vec<Message> = outputs
        .iter()
        .filter_map(|o| match o {
            Output::Message(m) => Some(m.clone()),
            Output::Event(_) => None,
        })
        .collect();
    count_events(app, outputs);
    let mut rows = Vec::new();
    let mut reply = None;
    if inline {
        reply = Some(twilio::twiml(&messages, &state.contact.language));
    } else {
        rows.extend(replies(app, channel, state, &messages, now));
    }
    if let Some(url) = &app.settings.agent_webhook {
        for output in outputs {
            if let Output::Event(Event::Handoff { team }) = output {
                rows.push(outbox::agent_row(
                    url,
                    &app.engine.model().bot.name,
                    channel.name(),
                    state,
                    team.as_deref(),
                    now,
                ));
            }
        }
    }
    (rows, reply)
}

/// The contact's state as stored, with the channel's latest profile; a new conversation for a
/// contact never seen, or `None` for a release of a contact the store does not know.
pub fn current_state(app: &App, stored: Option<State>, delivery: &Delivery) -> Option<State> {
    match stored {
        Some(mut state) => {
            // Profile names change; the channel's latest word wins.
            if !delivery.contact.name.is_empty() {
                state.contact.name = delivery.contact.name.clone();
            }
            if !delivery.contact.phone.is_empty() {
                state.contact.phone = delivery.contact.phone.clone();
            }
            Some(state)
        }
        None if matches!(delivery.inbound, Inbound::Released) => None,
        None => Some(app.engine.new_state(delivery.contact.clone())),
    }
}

/// The engine's turn, and one more turn per `call` it asks for, with the call's answer. At most
/// [`MAX_CALLS`] calls, and for an inline delivery (Twilio waits for its TwiML, about 15 s) at
/// most [`INLINE_BUDGET`] in all: past either, the pending call is answered as failed, so the
/// conversation never stays waiting for a call nobody makes.
fn run(
    app: &App,
    mut state: State,
    mut inbound: Inbound,
    clock: &crate::runtime::turn::Clock,
    inline: bool,
) -> (State, Vec<Output>) {
    let started = Instant::now();
    let budget = if inline { INLINE_BUDGET } else { Duration::MAX };
    let mut options = CallOptions {
        timeout: calls::SERVER_TIMEOUT,
        tries: 3,
        header: app.settings.api_header.clone(),
        apis: app.engine.model().bot.apis.clone(),
    };
    let mut all = Vec::new();
    let mut calls_made = 0;
    loop {
        let (next, outputs) = app.engine.turn(&state, inbound, clock);
        state = next;
        let call = outputs.iter().find_map(|o| match o {
            Output::Event(Event::Call { method, url, body }) => {
                Some((method.clone(), url.clone(), body.clone()))
            }
            _ => None,
        });
        all.extend(outputs);
        let Some((method, url, body)) = call else {
            break;
        };
        let left = budget.saturating_sub(started.elapsed());
        if calls_made > MAX_CALLS {
            // Even a failed call leads to another (`else { goto … }` back to the call): stop
            // here, and let the conversation wait at its last menu, as after a fallback.
            eprintln!(
                "charla: {}: the bot keeps calling its API for one message; stopped after {MAX_CALLS} calls",
                state.contact.id
            );
            state.frame = None;
            state.waiting = crate::runtime::state::Waiting::Nothing;
            state.queued.clear();
            break;
        }
        inbound = if calls_made >= MAX_CALLS {
            // One failure answer; a call asked for after it stops the loop above.
            calls_made = MAX_CALLS + 1;
            Inbound::CallFailed {
                reason: format!("more than {MAX_CALLS} calls for one message"),
            }
        } else if left.is_zero() {
            calls_made = MAX_CALLS + 1;
            Inbound::CallFailed {
                reason: "no time left to answer the webhook".to_string(),
            }
        } else {
            calls_made += 1;
            options.timeout = calls::SERVER_TIMEOUT.min(left);
            calls::call(&method, &url, body.as_ref(), &options)
        };
    }
    (state, all)
}

/// Outbox rows for messages sent outside a webhook's reply, within the 24-hour window.
fn replies(
    app: &App,
    channel: Channel,
    state: &State,
    messages: &[Message],
    now: i64,
) -> Vec<Outgoing> {
    let until = outbox::window_end(state);
    let mut rows = Vec::new();
    for message in messages {
        let template = matches!(message, Message::Template { .. });
        if !template && !outbox::in_window(state, now) {
            app.metrics.outside_window.inc();
            eprintln!(
                "charla: not sent to {}: more than 24 hours since their last message, and only \
                 a template may go now",
                state.contact.id
            );
            continue;
        }
        match channel {
            Channel::Meta => rows.push(outbox::meta_row(&state.contact.id, message, until)),
            Channel::Twilio => {
                rows.extend(outbox::twilio_rows(&state.contact.phone, message, until))
            }
        }
    }
    rows
}

fn count_events(app: &App, outputs: &[Output]) {
    for output in outputs {
        match output {
            Output::Event(Event::Fallback) => {
                app.metrics.fallbacks.inc();
            }
            Output::Event(Event::Handoff { .. }) => {
                app.metrics.handoffs.inc();
            }
            Output::Event(Event::Intent { name }) => {
                app.metrics
                    .intent_hits
                    .get_or_create(&super::metrics::IntentLabel {
                        intent: name.clone(),
                    })
                    .inc();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{date_window, same_contact, Channel, Delivery};
    use crate::runtime::state::{Contact, State};
    use crate::runtime::turn::Inbound;

    /// The state after the engine read a message at `now`, and the window before it.
    fn read_at(now: i64) -> State {
        let mut state = State::new(Contact::default());
        state.last_inbound = Some(now);
        state
    }

    fn delivery(inbound: Inbound, sent_at: Option<i64>) -> Delivery {
        Delivery {
            channel: Channel::Meta,
            id: Some("wamid.1".to_string()),
            contact: Contact::default(),
            inbound,
            inline: false,
            sent_at,
            link: None,
            moved_from: None,
        }
    }

    fn meta(id: &str, phone: &str) -> Delivery {
        let mut delivery = delivery(Inbound::Text("oi".to_string()), None);
        delivery.contact.id = id.to_string();
        delivery.contact.phone = phone.to_string();
        delivery
    }

    #[test]
    fn a_business_scoped_id_is_the_conversation_and_its_phone_points_at_it() {
        let none = |_: &str| Ok(None);
        // Id and phone, nothing known: the id's conversation; the phone to point at it.
        let mut d = meta("BR.1", "+5511");
        same_contact(&mut d, none, |_| Ok(false)).unwrap();
        assert_eq!(
            (d.contact.id.as_str(), d.link.as_deref()),
            ("BR.1", Some("meta:5511"))
        );
        assert_eq!(d.moved_from, None);
        // The phone has a conversation nobody claimed: it moves.
        let mut d = meta("BR.1", "+5511");
        same_contact(&mut d, none, |k| Ok(k == "meta:5511")).unwrap();
        assert_eq!(d.moved_from.as_deref(), Some("meta:5511"));
        // The phone points at someone else: their leftovers stay, the phone is re-pointed.
        let mut d = meta("BR.1", "+5511");
        let elsewhere = |k: &str| Ok((k == "meta:5511").then(|| "meta:BR.9".to_string()));
        same_contact(&mut d, elsewhere, |k| Ok(k == "meta:5511")).unwrap();
        assert_eq!((d.moved_from, d.link.as_deref()), (None, Some("meta:5511")));
        // Already linked: nothing to write.
        let mut d = meta("BR.1", "+5511");
        let linked = |k: &str| Ok((k == "meta:5511").then(|| "meta:BR.1".to_string()));
        same_contact(&mut d, linked, |_| Ok(true)).unwrap();
        assert_eq!((d.moved_from, d.link), (None, None));
        // A phone alone goes where it points, and links nothing when looked up again later,
        // even after the phone has passed to someone else.
        let mut d = meta("5511", "+5511");
        same_contact(&mut d, linked, |_| Ok(true)).unwrap();
        assert_eq!(
            (d.contact.id.as_str(), d.contact.phone.as_str()),
            ("BR.1", "")
        );
        same_contact(&mut d, elsewhere, |_| Ok(true)).unwrap();
        assert_eq!((d.contact.id.as_str(), d.link), ("BR.1", None));
    }

    #[test]
    fn the_window_runs_from_when_the_contact_sent_the_message() {
        let now = 1_000_000;
        let text = |sent_at| delivery(Inbound::Text("oi".to_string()), sent_at);
        let window = |before, delivery: &Delivery| {
            let mut state = read_at(now);
            date_window(&mut state, before, delivery);
            (state.window_from, state.last_inbound)
        };
        // A late delivery: the window from when it was sent; the reading time stays.
        assert_eq!(
            window(None, &text(Some(now - 3_600))),
            (Some(now - 3_600), Some(now))
        );
        // A sender's clock ahead of ours: never later than now.
        assert_eq!(window(None, &text(Some(now + 60))).0, Some(now));
        // An older message after a newer one: the newer one's window stays.
        assert_eq!(
            window(Some(now - 10), &text(Some(now - 3_600))).0,
            Some(now - 10)
        );
        // No sending time (Twilio): the reading time.
        assert_eq!(window(Some(now - 10), &text(None)).0, Some(now));
        // A release or a call's answer read no message: nothing changes.
        for inbound in [
            Inbound::Released,
            Inbound::CallFailed {
                reason: "down".to_string(),
            },
        ] {
            assert_eq!(
                window(Some(now - 50), &delivery(inbound, Some(now))).0,
                None
            );
        }
    }
}
