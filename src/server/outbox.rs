//! What an outbox row holds: the request body to send, ready for its channel, and until when a
//! free-form message may still go (the 24-hour window, checked again at send time).
//!
//! Payload: `{"until": <unix seconds or null>, "body": <the channel's request body>}`, and
//! `"template": true` for a template (checked against an opt-out again at send time). A Twilio
//! template also carries `"content": {"template": NAME, "variables": {"1": …}}`, sent as a
//! Content API template when `TWILIO_CONTENT_SIDS` maps NAME at send time, else as its text.
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

/// When the contact's newest message was sent, which opens the window.
pub fn window_start(state: &State) -> Option<i64> {
    state.window_from.or(state.last_inbound)
}

/// Until when free-form messages may be sent to this contact (`None`: never messaged us).
pub fn window_end(state: &State) -> Option<i64> {
    window_start(state).map(|at| at.saturating_add(WINDOW_SECS))
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
/// numbered text, split where Twilio's body limit requires. A template is one row (its body
/// is at most 1,024 characters) that also names the template and its variables, for a
/// Content API template chosen at send time.
pub fn twilio_rows(phone: &str, message: &Message, until: Option<i64>) -> Vec<Outgoing> {
    let row = |body: &str| {
        json!({
            "until": until,
            "body": { "To": format!("whatsapp:{phone}"), "Body": body },
        })
    };
    let text = twilio::plain_text(message);
    let payloads = match message {
        Message::Template {
            name, parameters, ..
        } => {
            let variables: serde_json::Map<String, Value> = parameters
                .iter()
                .enumerate()
                .map(|(i, value)| ((i + 1).to_string(), json!(value)))
                .collect();
            let mut payload = row(text.trim());
            payload["template"] = json!(true);
            payload["content"] = json!({ "template": name, "variables": variables });
            vec![payload]
        }
        _ => twilio::split_body(&text, twilio::BODY_LIMIT)
            .into_iter()
            .map(row)
            .collect(),
    };
    payloads
        .into_iter()
        .map(|payload| Outgoing {
            channel: TWILIO.to_string(),
            to: phone.to_string(),
            payload: payload.to_string(),
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
    /// A Twilio template's name and variables (a JSON object, as `ContentVariables` takes).
    pub content: Option<Content>,
}

/// What a Twilio template needs to go as a Content API template.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    pub template: String,
    /// `{"1": "Yoga", …}` as text; `{}` for a template without parameters.
    pub variables: String,
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
    let content = match value.get("content") {
        None | Some(Value::Null) => None,
        Some(content) => Some(Content {
            template: content
                .get("template")
                .and_then(Value::as_str)
                .ok_or("the outbox payload's `content` names no template")?
                .to_string(),
            variables: content
                .get("variables")
                .filter(|v| v.is_object())
                .ok_or("the outbox payload's `content` has no `variables` object")?
                .to_string(),
        }),
    };
    Ok(Payload {
        until,
        body,
        template,
        content,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::turn::Message;

    fn template(parameters: &[&str]) -> Message {
        Message::Template {
            name: "welcome".to_string(),
            language: "en".to_string(),
            parameters: parameters.iter().map(|p| p.to_string()).collect(),
            body: "Hello there".to_string(),
            buttons: Vec::new(),
        }
    }

    #[test]
    fn a_twilio_template_is_one_row_naming_the_template_and_its_variables() {
        let rows = twilio_rows("+5511900000001", &template(&["Ana", "7h"]), Some(5));
        assert_eq!(rows.len(), 1);
        let payload = read_payload(&rows[0].payload).unwrap();
        assert!(payload.template);
        assert_eq!(payload.until, Some(5));
        assert_eq!(payload.body["Body"], "Hello there");
        let content = payload.content.unwrap();
        assert_eq!(content.template, "welcome");
        assert_eq!(content.variables, r#"{"1":"Ana","2":"7h"}"#);

        let rows = twilio_rows("+5511900000001", &template(&[]), None);
        let content = read_payload(&rows[0].payload).unwrap().content.unwrap();
        assert_eq!(content.variables, "{}");

        let text = Message::Text {
            text: "hi".to_string(),
        };
        let rows = twilio_rows("+5511900000001", &text, None);
        assert_eq!(read_payload(&rows[0].payload).unwrap().content, None);
    }

    #[test]
    fn a_payload_with_a_broken_content_is_refused_with_the_reason() {
        let no_name = r#"{"until":null,"body":{},"content":{"variables":{}}}"#;
        assert!(read_payload(no_name)
            .unwrap_err()
            .contains("names no template"));
        let no_vars = r#"{"until":null,"body":{},"content":{"template":"t","variables":[]}}"#;
        assert!(read_payload(no_vars).unwrap_err().contains("`variables`"));
    }
}
