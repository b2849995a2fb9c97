//! An inbound Twilio WhatsApp webhook, read from its form parameters.

use crate::runtime::turn::Inbound;
use std::fmt;

/// What Twilio posted about one inbound WhatsApp message. Unknown fields are ignored; of a
/// repeated field the first value counts; empty fields count as absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwilioMessage {
    /// `MessageSid` (`SM…`): what a retried webhook has in common with the first delivery.
    pub message_sid: String,
    /// `AccountSid`.
    pub account_sid: Option<String>,
    /// `From` without its `whatsapp:` prefix: `+E164`.
    pub from: String,
    /// `To` without its `whatsapp:` prefix: the business's number.
    pub to: Option<String>,
    /// `WaId`: the contact's WhatsApp id (the phone number's digits, no `+`).
    pub wa_id: Option<String>,
    /// `ProfileName`: the contact's WhatsApp profile name.
    pub profile_name: Option<String>,
    /// `Body`: the text, or a media's caption (empty when there is none).
    pub body: String,
    /// `ButtonText` of a quick-reply tap.
    pub button_text: Option<String>,
    /// `ButtonPayload` of a quick-reply tap: the button's id.
    pub button_payload: Option<String>,
    /// `NumMedia` (0 when absent or not a number).
    pub num_media: u32,
    /// `MessageType` (`text`, `button`, `image`, `location`, …) when Twilio sends it.
    pub message_type: Option<String>,
    /// `MessageStatus` (`sent`, `delivered`, `read`, `failed`, …): set when the request is a
    /// status callback about a message the business sent, not a message from the contact.
    pub message_status: Option<String>,
    /// `ErrorCode` and `ErrorMessage` of a status callback about a failed send, as one line
    /// (`63016: …`).
    pub error: Option<String>,
}

/// Why a webhook is not a message the server can take (the server answers 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageError {
    /// A required field is absent or empty: `MessageSid` or `From`.
    Missing(&'static str),
}

impl fmt::Display for MessageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MessageError::Missing(field) => {
                write!(f, "the Twilio webhook has no `{field}` field")
            }
        }
    }
}

impl std::error::Error for MessageError {}

/// Reads the webhook's form parameters (from [`super::parse_form`]).
pub fn parse_message(params: &[(String, String)]) -> Result<TwilioMessage, MessageError> {
    let get = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    };
    let owned = |name: &str| get(name).map(str::to_string);
    let message_sid = get("MessageSid")
        .or_else(|| get("SmsMessageSid"))
        .ok_or(MessageError::Missing("MessageSid"))?
        .trim()
        .to_string();
    let from = get("From")
        .map(without_channel)
        .filter(|from| !from.is_empty())
        .ok_or(MessageError::Missing("From"))?;
    Ok(TwilioMessage {
        message_sid,
        account_sid: owned("AccountSid"),
        from,
        to: get("To").map(without_channel),
        wa_id: owned("WaId"),
        profile_name: owned("ProfileName"),
        body: get("Body").unwrap_or_default().to_string(),
        button_text: owned("ButtonText"),
        button_payload: owned("ButtonPayload"),
        num_media: get("NumMedia")
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or(0),
        message_type: owned("MessageType"),
        message_status: owned("MessageStatus"),
        error: match (get("ErrorCode"), get("ErrorMessage")) {
            (None, None) => None,
            (code, message) => Some(
                [code, message]
                    .into_iter()
                    .flatten()
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join(": "),
            ),
        },
    })
}

/// `whatsapp:+5511…` → `+5511…`.
fn without_channel(address: &str) -> String {
    let address = address.trim();
    address
        .strip_prefix("whatsapp:")
        .unwrap_or(address)
        .trim()
        .to_string()
}

impl TwilioMessage {
    /// What the engine reads: a quick-reply tap ([`Inbound::TemplateButton`], its text being
    /// `ButtonText`, else `Body`), or the text (a media's caption included). `None` for what
    /// the bot cannot read: media with no caption, a location, a contact card, a status
    /// callback; the server answers those politely (or, for a status, records it).
    pub fn to_inbound(&self) -> Option<Inbound> {
        if self.is_status() {
            return None;
        }
        if let Some(payload) = &self.button_payload {
            let text = self.button_text.as_deref().unwrap_or(&self.body);
            return Some(Inbound::TemplateButton {
                payload: payload.clone(),
                text: text.to_string(),
            });
        }
        if !self.body.trim().is_empty() {
            return Some(Inbound::Text(self.body.clone()));
        }
        // A tap Twilio reports with its text only.
        self.button_text.clone().map(Inbound::Text)
    }

    /// Whether this is a status callback about a message the business sent (`MessageStatus`
    /// set to `sent`, `delivered`, `read`, `failed`...) rather than a message from the contact.
    /// Incoming messages may carry `MessageStatus=received` (or `receiving`): those are messages.
    pub fn is_status(&self) -> bool {
        self.message_status
            .as_deref()
            .is_some_and(|s| !matches!(s, "received" | "receiving"))
    }
}
