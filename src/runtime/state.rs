//! The conversation state: everything the engine needs to pick a conversation up again, and
//! nothing else. Serializable and versioned, so a store can keep it and read old states after
//! an upgrade.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The version of [`State`]'s serialized form. Bump it (and teach [`State::from_json`] the old
/// form) when a field changes meaning.
pub const STATE_VERSION: u32 = 1;

/// Who the bot talks to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Contact {
    pub id: String,
    pub name: String,
    /// E.164 with a leading `+`, or empty when the channel gives only a business-scoped id.
    pub phone: String,
    pub language: String,
}

/// One conversation with one contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub version: u32,
    pub contact: Contact,
    pub audience: Option<String>,
    pub opted_in: bool,
    pub opted_out: bool,
    /// A human has the conversation; the bot stays silent until an agent releases it.
    pub handoff: bool,
    /// The menu the conversation waits at: its options are valid answers.
    pub menu: Option<String>,
    /// The menu or intent running (or suspended at an `ask` or a `call`).
    pub frame: Option<Frame>,
    /// What the suspended frame waits for.
    pub waiting: Waiting,
    /// Unix seconds of the last message from the contact, when it was read (the session's
    /// idle time is measured from it).
    pub last_inbound: Option<i64>,
    /// Unix seconds when the contact sent their newest message, by the channel's word (Meta's
    /// `timestamp`): WhatsApp's 24-hour window runs from it. Set by the server; `None` in
    /// states written before it was kept, where `last_inbound` stands in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_from: Option<i64>,
    /// Messages that arrived while a `call` was pending; read when it ends.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub queued: Vec<String>,
}

/// Where a menu or intent is, and its variables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    pub kind: FlowKind,
    pub name: String,
    /// The step being run: an index into the flow's steps, then, for each nested block on the
    /// way, which block of that step and the index inside it.
    pub path: Vec<Pos>,
    pub vars: IndexMap<String, Value>,
    /// In a menu: the last `say` run so far, which becomes the body of the options' message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    Menu,
    Intent,
}

/// One level of a path: the step's index, and the block entered inside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pos {
    pub index: u32,
    pub block: Block,
}

/// Which block of a step a path goes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Block {
    /// The step itself (the last level of a path).
    None,
    Then,
    Else,
    /// A `call`'s `else` block.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "for", rename_all = "snake_case")]
pub enum Waiting {
    #[default]
    Nothing,
    /// An `ask`: its answer, and how many answers did not fit so far.
    Answer { misses: u8 },
    /// A `call`: its result.
    Call,
}

impl State {
    pub fn new(contact: Contact) -> State {
        State {
            version: STATE_VERSION,
            contact,
            audience: None,
            opted_in: false,
            opted_out: false,
            handoff: false,
            menu: None,
            frame: None,
            waiting: Waiting::Nothing,
            last_inbound: None,
            window_from: None,
            queued: Vec::new(),
        }
    }

    /// Reads a stored state; a state of another version is refused with a clear message.
    pub fn from_json(text: &str) -> Result<State, String> {
        // The common case in one pass; the slower path below explains what is wrong.
        if let Ok(state) = serde_json::from_str::<State>(text) {
            if state.version == STATE_VERSION {
                return Ok(state);
            }
        }
        let value: Value =
            serde_json::from_str(text).map_err(|e| format!("the stored state is not JSON: {e}"))?;
        match value.get("version").and_then(Value::as_u64) {
            Some(v) if v == u64::from(STATE_VERSION) => {}
            Some(v) => {
                return Err(format!(
                    "the stored state is version {v}; this charla reads version {STATE_VERSION}"
                ))
            }
            None => return Err("the stored state has no version".to_string()),
        }
        serde_json::from_value(value).map_err(|e| format!("the stored state is not valid: {e}"))
    }

    pub fn to_json(&self) -> String {
        // Plain data with string keys: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}
