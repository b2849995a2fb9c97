//! Webhook `POST` bodies: the envelope, batched entries, changes, messages and statuses.
//!
//! Read leniently: unknown fields are ignored everywhere, and a part with an unexpected shape is
//! skipped (a message without an id, a status without an id or status) or becomes
//! [`Content::Unsupported`], so one odd message never loses the others in its batch. Only a body
//! that is not a Cloud API webhook at all is an error.

use crate::runtime::turn::Inbound;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;

/// What one webhook `POST` carries, in the order it carries it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Webhook {
    pub messages: Vec<InboundMessage>,
    pub statuses: Vec<Status>,
}

/// A message from a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    /// The `wamid.…` id: the key for processing each message once.
    pub id: String,
    /// The sender's WhatsApp id (phone number, digits only), when Meta gives it.
    pub from: Option<String>,
    /// The business-scoped user id (`from_user_id`, or the matching contact's `user_id`), since
    /// 2026; some messages carry only this.
    pub user_id: Option<String>,
    /// `contacts[].profile.name` of the contact matching the sender.
    pub profile_name: Option<String>,
    /// Unix seconds.
    pub timestamp: Option<i64>,
    /// `metadata.phone_number_id` of the change: the business number it was sent to.
    pub phone_number_id: Option<String>,
    pub content: Content,
}

/// What the contact sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Text(String),
    /// A reply-button tap (`button_reply`) or a list pick (`list_reply`).
    Reply {
        id: String,
        title: String,
    },
    /// A template quick-reply tap (`"type": "button"`).
    TemplateButton {
        payload: String,
        text: String,
    },
    /// Anything the bot does not read (image, audio, location, reaction, …): `kind` is the
    /// message type (`unsupported` messages give their inner type when Meta names it; an
    /// `interactive` message of another kind gives that kind, e.g. `nfm_reply`).
    Unsupported {
        kind: String,
    },
}

impl Content {
    /// What the engine takes.
    pub fn to_inbound(&self) -> Inbound {
        match self {
            Content::Text(text) => Inbound::Text(text.clone()),
            Content::Reply { id, title } => Inbound::Reply {
                id: id.clone(),
                title: title.clone(),
            },
            Content::TemplateButton { payload, text } => Inbound::TemplateButton {
                payload: payload.clone(),
                text: text.clone(),
            },
            Content::Unsupported { kind } => Inbound::Unsupported { kind: kind.clone() },
        }
    }
}

impl InboundMessage {
    /// The contact's key for the store: the business-scoped user id when Meta gives one (it
    /// stays with the user when their number is hidden, changes or passes to someone else),
    /// else the phone (`None` when Meta gave neither).
    pub fn contact_id(&self) -> Option<&str> {
        self.user_id.as_deref().or(self.from.as_deref())
    }
}

/// A delivery status of a message the bot sent (they may arrive out of order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The `wamid.…` of the sent message.
    pub id: String,
    /// `sent`, `delivered`, `read`, `failed`, `played`, … as Meta says it.
    pub status: String,
    pub recipient_id: Option<String>,
    /// Unix seconds.
    pub timestamp: Option<i64>,
    /// One line per error: `<code>: <title> (<details>)`.
    pub errors: Vec<String>,
}

/// A body that is not a Cloud API webhook (the server answers 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookError {
    /// Not JSON; says where and why.
    Json(String),
    /// JSON, but not an object.
    NotAnObject,
    /// `object` is missing or not `whatsapp_business_account` (the value found, if a string).
    WrongObject(Option<String>),
    /// No `entry` array.
    NoEntries,
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::Json(why) => write!(f, "the webhook body is not valid JSON: {why}"),
            WebhookError::NotAnObject => f.write_str("the webhook body is not a JSON object"),
            WebhookError::WrongObject(Some(found)) => write!(
                f,
                "expected \"object\": \"whatsapp_business_account\", found {found:?}"
            ),
            WebhookError::WrongObject(None) => {
                f.write_str("expected \"object\": \"whatsapp_business_account\", found none")
            }
            WebhookError::NoEntries => f.write_str("the webhook body has no \"entry\" array"),
        }
    }
}

impl std::error::Error for WebhookError {}

const OBJECT: &str = "whatsapp_business_account";

/// Reads a webhook `POST` body (the raw bytes whose signature was checked).
pub fn parse_webhook(body: &[u8]) -> Result<Webhook, WebhookError> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| WebhookError::Json(e.to_string()))?;
    let root = root.as_object().ok_or(WebhookError::NotAnObject)?;
    match root.get("object") {
        Some(Value::String(s)) if s == OBJECT => {}
        Some(Value::String(s)) => return Err(WebhookError::WrongObject(Some(s.clone()))),
        _ => return Err(WebhookError::WrongObject(None)),
    }
    let entries = root
        .get("entry")
        .and_then(Value::as_array)
        .ok_or(WebhookError::NoEntries)?;
    let mut webhook = Webhook::default();
    for change in entries.iter().flat_map(|e| array(e, "changes")) {
        // Other fields (template status updates, account updates, message echoes…) are not
        // for the bot.
        if !matches!(text(change, "field"), None | Some("messages")) {
            continue;
        }
        if let Some(value) = change.get("value").and_then(Value::as_object) {
            read_value(value, &mut webhook);
        }
    }
    Ok(webhook)
}

/// One `change.value`: its metadata, contacts, messages and statuses.
fn read_value(value: &Map<String, Value>, webhook: &mut Webhook) {
    let phone_number_id = value
        .get("metadata")
        .and_then(|m| id_text(m, "phone_number_id"));
    let contacts = Contacts::new(value.get("contacts"));
    let messages = value.get("messages").and_then(Value::as_array);
    for message in messages.into_iter().flatten() {
        let Some(id) = id_text(message, "id") else {
            continue; // nothing to dedupe on or answer to
        };
        let from = id_text(message, "from");
        let from_user_id = id_text(message, "from_user_id");
        let contact = contacts.find(from.as_deref(), from_user_id.as_deref());
        webhook.messages.push(InboundMessage {
            id,
            user_id: from_user_id.or_else(|| contact.and_then(|c| c.user_id.clone())),
            from,
            profile_name: contact.and_then(|c| c.name.clone()),
            timestamp: timestamp(message),
            phone_number_id: phone_number_id.clone(),
            content: content(message),
        });
    }
    let statuses = value.get("statuses").and_then(Value::as_array);
    for status in statuses.into_iter().flatten() {
        let (Some(id), Some(state)) = (id_text(status, "id"), id_text(status, "status")) else {
            continue;
        };
        webhook.statuses.push(Status {
            id,
            status: state,
            recipient_id: id_text(status, "recipient_id"),
            timestamp: timestamp(status),
            errors: array(status, "errors").map(error_line).collect(),
        });
    }
}

/// What the message says, by its `type`.
fn content(message: &Value) -> Content {
    let unsupported = |kind: &str| Content::Unsupported {
        kind: kind.to_string(),
    };
    let Some(kind) = text(message, "type") else {
        return unsupported("unknown");
    };
    let part = message.get(kind);
    match kind {
        "text" => match part.and_then(|t| text(t, "body")) {
            Some(body) => Content::Text(body.to_string()),
            None => unsupported(kind),
        },
        "interactive" => {
            let Some(sub) = part.and_then(|i| text(i, "type")) else {
                return unsupported(kind);
            };
            let reply = part.and_then(|i| i.get(sub));
            match (sub, reply.and_then(|r| text(r, "id"))) {
                ("button_reply" | "list_reply", Some(id)) => Content::Reply {
                    id: id.to_string(),
                    title: reply
                        .and_then(|r| text(r, "title"))
                        .unwrap_or("")
                        .to_string(),
                },
                _ => unsupported(sub),
            }
        }
        // Meta puts the button's text in `payload` when the template set none.
        "button" => {
            let payload = part.and_then(|b| text(b, "payload"));
            let label = part.and_then(|b| text(b, "text"));
            match payload.or(label) {
                Some(payload) => Content::TemplateButton {
                    payload: payload.to_string(),
                    text: label.unwrap_or(payload).to_string(),
                },
                None => unsupported(kind),
            }
        }
        "unsupported" => unsupported(part.and_then(|u| text(u, "type")).unwrap_or(kind)),
        _ => unsupported(kind),
    }
}

/// A value's `contacts`, to find the sender's profile name and user id.
struct Contacts {
    list: Vec<Contact>,
    /// Both `wa_id`s and `user_id`s to positions in `list`; the first contact wins.
    index: HashMap<String, usize>,
}

struct Contact {
    name: Option<String>,
    user_id: Option<String>,
}

impl Contacts {
    fn new(contacts: Option<&Value>) -> Self {
        let mut list = Vec::new();
        let mut index = HashMap::new();
        for contact in contacts.and_then(Value::as_array).into_iter().flatten() {
            let user_id = id_text(contact, "user_id");
            for key in [id_text(contact, "wa_id"), user_id.clone()]
                .into_iter()
                .flatten()
            {
                index.entry(key).or_insert(list.len());
            }
            list.push(Contact {
                name: contact
                    .get("profile")
                    .and_then(|p| text(p, "name"))
                    .map(str::to_string),
                user_id,
            });
        }
        Contacts { list, index }
    }

    fn find(&self, from: Option<&str>, user_id: Option<&str>) -> Option<&Contact> {
        [from, user_id]
            .into_iter()
            .flatten()
            .find_map(|key| self.index.get(key))
            .map(|&i| &self.list[i])
    }
}

/// `"<code>: <title> (<details>)"` from a Graph error object, as much of it as there is.
fn error_line(error: &Value) -> String {
    let code = match error.get("code") {
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let title = text(error, "title").or_else(|| text(error, "message"));
    let details = error.get("error_data").and_then(|d| text(d, "details"));
    let mut line = match (code, title) {
        (Some(code), Some(title)) => format!("{code}: {title}"),
        (Some(code), None) => code,
        (None, Some(title)) => title.to_string(),
        (None, None) => "unknown error".to_string(),
    };
    if let Some(details) = details.filter(|d| Some(*d) != title) {
        line.push_str(&format!(" ({details})"));
    }
    line
}

/// Unix seconds, given as a string of digits (as Meta does) or a number.
fn timestamp(v: &Value) -> Option<i64> {
    match v.get("timestamp")? {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)?.as_str()
}

/// A non-empty identifier.
fn id_text(v: &Value, key: &str) -> Option<String> {
    text(v, key).filter(|s| !s.is_empty()).map(str::to_string)
}

fn array<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = &'a Value> {
    v.get(key).and_then(Value::as_array).into_iter().flatten()
}
