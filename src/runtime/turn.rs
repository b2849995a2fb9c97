//! What goes into the engine and what comes out of one turn.

use serde::Serialize;
use serde_json::Value;

/// Something that happened to the conversation.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// A message the contact typed.
    Text(String),
    /// A tap on a reply button or a list row: the option's id and its title.
    Reply { id: String, title: String },
    /// A tap on a template's quick-reply button.
    TemplateButton { payload: String, text: String },
    /// The answer to the pending `call`: HTTP status and body.
    CallAnswered { status: u16, body: String },
    /// The pending `call` got no answer (timeout, connection refused, a host not allowed).
    CallFailed { reason: String },
    /// An agent gave the conversation back to the bot.
    Released,
    /// A message the bot cannot read (an image, a location, a sticker...): `kind` as the
    /// channel named it. It counts as a message from the contact (the 24-hour window opens) and
    /// gets a polite answer, unless a person has the conversation or it is a `reaction`.
    Unsupported { kind: String },
}

/// The time of the turn: Unix seconds, and today's date in the bot's timezone (the caller
/// knows the zone; the engine does no I/O, clocks included).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clock {
    pub now: i64,
    pub today: super::answers::Date,
}

/// One thing the engine produced, in the order it happened: an event comes before the messages
/// it causes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Output {
    Message(Message),
    Event(Event),
}

/// A message to send.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Message {
    Text {
        text: String,
    },
    /// Reply buttons (1-3 options).
    Buttons {
        body: String,
        options: Vec<Choice>,
    },
    /// A list (4-10 options) behind a button.
    List {
        body: String,
        button: String,
        options: Vec<Choice>,
    },
    /// An approved template the business sends first (see [`super::notify`]): its name,
    /// language and parameters as WhatsApp takes them, the body as the contact will read it,
    /// and its quick-reply buttons (ids as [`super::engine::Engine::template_button_id`]).
    Template {
        name: String,
        language: String,
        parameters: Vec<String>,
        body: String,
        buttons: Vec<Choice>,
    },
}

impl Message {
    /// The text a person reads first: the text, or the body above the options.
    pub fn text(&self) -> &str {
        match self {
            Message::Text { text } => text,
            Message::Buttons { body, .. }
            | Message::List { body, .. }
            | Message::Template { body, .. } => body,
        }
    }

    pub fn options(&self) -> &[Choice] {
        match self {
            Message::Text { .. } => &[],
            Message::Buttons { options, .. } | Message::List { options, .. } => options,
            Message::Template { buttons, .. } => buttons,
        }
    }
}

/// An option as sent: a stable id, the label, and a description (lists only).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Choice {
    pub id: String,
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A change of state, as `charla chat --json` prints it (DESIGN.md).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Menu {
        name: String,
    },
    Intent {
        name: String,
    },
    /// `name` is null when the audience is cleared.
    Audience {
        name: Option<String>,
    },
    Handoff {
        #[serde(skip_serializing_if = "Option::is_none")]
        team: Option<String>,
    },
    End,
    OptIn,
    OptOut,
    Fallback,
    /// A `call` to run; the engine waits for [`Inbound::CallAnswered`] or
    /// [`Inbound::CallFailed`].
    Call {
        method: String,
        url: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        body: Option<Value>,
    },
    Error {
        line: u32,
        message: String,
    },
}
