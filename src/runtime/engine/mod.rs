//! The conversation engine: `(model, state, inbound, clock) -> (state, outputs)`. Pure and
//! deterministic: HTTP calls, storage and sending are done by whoever drives it (`charla test`,
//! `charla chat`, the server), which feeds a call's result back as an [`Inbound`].
//!
//! It reads a message in the order of LANGUAGE.md section 5 (opt-out words, handoff, a pending
//! `ask`, the waiting menu's options, the word `menu`, intents, the fallback) and runs steps
//! with an explicit path into the flow's blocks, so a conversation can stop at an `ask` or a
//! `call` and go on in a later turn from a stored [`State`].

mod execute;
mod read;
mod steps;
mod texts;
mod waits;

use super::matcher::Matcher;
use super::render::Renderer;
use super::state::{Contact, State};
use super::turn::{Clock, Event, Inbound, Message, Output};
use crate::fold::fold;
use crate::model::Model;

/// A turn runs at most this many steps; past it the fallback is said (LANGUAGE.md section 5).
pub const MAX_STEPS: usize = 100;

pub struct Engine<'m> {
    model: &'m Model,
    renderer: Renderer,
    matcher: Matcher,
}

impl<'m> Engine<'m> {
    pub fn new(model: &'m Model) -> Engine<'m> {
        Engine {
            model,
            renderer: Renderer::new(model),
            matcher: Matcher::new(model),
        }
    }

    pub fn model(&self) -> &'m Model {
        self.model
    }

    /// A new conversation with a contact (in the bot's language unless the channel said).
    pub fn new_state(&self, mut contact: Contact) -> State {
        if contact.language.is_empty() {
            contact.language = self.model.bot.language.clone();
        }
        State::new(contact)
    }

    /// One turn: what the bot does with `inbound`.
    pub fn turn(&self, state: &State, inbound: Inbound, clock: &Clock) -> (State, Vec<Output>) {
        let mut run = Run {
            engine: self,
            state: state.clone(),
            out: Vec::new(),
            steps: 0,
            clock: *clock,
        };
        run.inbound(inbound);
        (run.state, run.out)
    }

    /// The id a template's quick-reply button carries: `<template>/<folded label>`.
    pub fn template_button_id(template: &str, label: &str) -> String {
        format!("{template}/{}", fold(label))
    }
}

/// What a step did to the run.
enum Next {
    /// Go on with the step after it.
    Advance,
    /// The path was changed (a block entered, a new flow started): go on from there.
    Moved,
    /// Wait for the contact or for a call's result.
    Suspend,
}

/// One turn in progress: the state it changes and the outputs so far.
struct Run<'e, 'm> {
    engine: &'e Engine<'m>,
    state: State,
    out: Vec<Output>,
    steps: usize,
    clock: Clock,
}

impl Run<'_, '_> {
    fn model(&self) -> &Model {
        self.engine.model
    }

    fn event(&mut self, event: Event) {
        self.out.push(Output::Event(event));
    }

    fn send(&mut self, message: Message) {
        self.out.push(Output::Message(message));
    }

    fn say(&mut self, text: String) {
        self.send(Message::Text { text });
    }
}
