//! What an outbox row holds: the request body to send, ready for its channel, and until when a
//! free-form message may still go (the 24-hour window, checked again at send time).
//!
//! Payload: `{"until": <unix seconds or null>, "body": <the channel's request body>}`, and
//! `"template": true` for a template (checked against an opt-out again at send time).
//! Channels: `meta` (the send API's JSON), `twilio` (the Messages API's form fields, for
//! messages sent outside a webhook's reply), `agent` (a handoff announcement to
//! `CHARLA_AGENT_WEBHOOK`).

use crate::channels::{meta, twilio};
use crate::runtime::state::State;
use crate::runtime::turn::Message;
use crate::store::Outgoing;
use serde_json::{json, Value};

/// WhatsApp's customer-service window after the contact's last message.
pub const WINDOW_SECS: i64 = 24 * 60 * 60;

pub const META: &str = "meta";
pub const TWILIO: &str = "twilio";
pub const AGENT: &str = "agent";

/// Until when free-form messages may be sent to this contact (`None`: never messaged us).
pub fn window_end(state: &State) -> Option<i64> {
    state.last_inbound.map(|at| at.saturating_add(WINDOW_SECS))
}

/// Whether a free-form message may be sent at `now`.
pub fn in_window(state: &State, now: i64) -> bool {
    window_end(state).is_some_and(|end| now < end)
}

/// A row for the Meta send API. Templates carry no `until`: they may go at any time.
pub fn meta_row(contact_id: &str, message: &Message, until: Option<i64>) -> Outgoing {
    let until = match message {
        Message::Template { .. } => None,
        _ => until,
    };
    let mut payload = json!({ "until": until, "body": meta::send_body(contact_id, message) });
    if let Message::Template { .. } = message {
        payload["template"] = json!(true);
    }
    Outgoing {
        channel: META.to_string(),
        to: contact_id.to_string(),
        payload: payload.to_string(),
    }
}

/// Rows for Twilio's Messages API (`To`, `From` is added at send time, `Body`): a message as
/// numbered text, split where Twilio's body limit requires.
pub fn twilio_rows(phone: &str, message: &Message, until: Option<i64>) -> Vec<Outgoing> {
    let text = twilio::plain_text(message);
    let template = matches!(message, Message::Template { .. });
    twilio::split_body(&text, twilio::BODY_LIMIT)
        .into_iter()
        .map(|body| {
            let mut payload = json!({
                "until": until,
                "body": { "To": format!("whatsapp:{phone}"), "Body": body },
            });
            if template {
                payload["template"] = json!(true);
            }
            Outgoing {
                channel: TWILIO.to_string(),
                to: phone.to_string(),
                payload: payload.to_string(),
            }
        })
        .collect()
}

/// The announcement of a handoff to the agents' webhook.
pub fn agent_row(
    url: &str,
    bot: &str,
    channel: &str,
    state: &State,
    team: Option<&str>,
    now: i64,
) -> Outgoing {
    Outgoing {
        channel: AGENT.to_string(),
        to: url.to_string(),
        payload: json!({
            "until": null,
            "body": {
                "event": "handoff",
                "bot": bot,
                "channel": channel,
                "contact": state.contact.id,
                "phone": state.contact.phone,
                "name": state.contact.name,
                "audience": state.audience,
                "team": team,
                "at": now,
            },
        })
        .to_string(),
    }
}

/// A row's payload, read back for sending.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    pub until: Option<i64>,
    pub body: Value,
    /// A template (sent only while the contact has not opted out, checked at send time).
    pub template: bool,
}

/// Reads a row's payload; an error says what is wrong (the row is then given up).
pub fn read_payload(text: &str) -> Result<Payload, String> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| format!("the outbox payload is not JSON: {e}"))?;
    let body = value
        .get("body")
        .cloned()
        .ok_or("the outbox payload has no body")?;
    let until = match value.get("until") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .ok_or("the outbox payload's `until` is not a number")?,
        ),
    };
    let template = value.get("template").and_then(Value::as_bool) == Some(true);
    Ok(Payload {
        until,
        body,
        template,
    })
}
