//! The send API: request bodies for the engine's messages, and what its errors mean.

use crate::runtime::turn::{Choice, Message};
use serde_json::{json, Value};

/// Where to `POST` messages: `{base}/{phone_number_id}/messages`, with exactly one `/` between the
/// parts whatever slashes `base` ends with (`base` includes the version:
/// `https://graph.facebook.com/v23.0`).
pub fn send_url(base: &str, phone_number_id: &str) -> String {
    format!(
        "{}/{}/messages",
        base.trim_end_matches('/'),
        phone_number_id.trim_matches('/')
    )
}

/// The JSON body that sends `message` to `to`: a phone number as the webhook gave it (digits),
/// or, for a contact who gave only a business-scoped user id (`US.1349…`, never all digits),
/// that id in the `recipient` field instead of `to`, as the send API takes it since 2026.
///
/// Text, reply buttons and lists are sent as they are; the engine and the compiler have
/// already kept them within WhatsApp's limits. A list gets one section titled with the list
/// button's label (cut to 24 characters). A template sends its body parameters, and a payload
/// for each quick-reply button (the button's [`Choice::id`]) so that a tap comes back as
/// [`crate::runtime::engine::Engine::template_button_id`].
pub fn send_body(to: &str, message: &Message) -> Value {
    let (kind, content) = match message {
        Message::Text { text } => ("text", json!({ "body": text })),
        Message::Buttons { body, options } => (
            "interactive",
            json!({
                "type": "button",
                "body": { "text": body },
                "action": {
                    "buttons": options.iter().map(|o| json!({
                        "type": "reply",
                        "reply": { "id": o.id, "title": o.label },
                    })).collect::<Vec<_>>(),
                },
            }),
        ),
        Message::List {
            body,
            button,
            options,
        } => (
            "interactive",
            json!({
                "type": "list",
                "body": { "text": body },
                "action": {
                    "button": button,
                    "sections": [{
                        "title": button.chars().take(24).collect::<String>(),
                        "rows": options.iter().map(row).collect::<Vec<_>>(),
                    }],
                },
            }),
        ),
        Message::Template {
            name,
            language,
            parameters,
            buttons,
            ..
        } => ("template", template(name, language, parameters, buttons)),
    };
    let is_phone = {
        let digits = to.strip_prefix('+').unwrap_or(to);
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    };
    let address = if is_phone { "to" } else { "recipient" };
    let mut body = json!({
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        address: to,
        "type": kind,
    });
    body[kind] = content;
    body
}

fn row(option: &Choice) -> Value {
    let mut row = json!({ "id": option.id, "title": option.label });
    if let Some(description) = &option.description {
        row["description"] = json!(description);
    }
    row
}

fn template(name: &str, language: &str, parameters: &[String], buttons: &[Choice]) -> Value {
    let mut components = Vec::new();
    if !parameters.is_empty() {
        components.push(json!({
            "type": "body",
            "parameters": parameters
                .iter()
                .map(|p| json!({ "type": "text", "text": p }))
                .collect::<Vec<_>>(),
        }));
    }
    for (index, button) in buttons.iter().enumerate() {
        components.push(json!({
            "type": "button",
            "sub_type": "quick_reply",
            "index": index.to_string(),
            "parameters": [{ "type": "payload", "payload": button.id }],
        }));
    }
    let mut template = json!({ "name": name, "language": { "code": language } });
    if !components.is_empty() {
        template["components"] = Value::Array(components);
    }
    template
}

/// What to do about a send that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendErrorKind {
    /// Try again later with backoff: HTTP 429 or 5xx, or a throughput limit (130429, 131056,
    /// 80007, 4) or a temporary failure on Meta's side (2, 131016, 133004).
    Retry,
    /// 131047: more than 24 hours since the contact's last message; only a template may go.
    OutsideWindow,
    /// 132000: the template's parameter count does not match.
    TemplateParams,
    /// 190 (or HTTP 401 without a code): the access token is invalid or expired.
    BadToken,
    /// Anything else: give up on this message and report it.
    Other,
}

/// Classifies a send API failure from its HTTP status and body (`{"error":{"code":N,…}}`); a
/// known Graph error code decides before the status.
pub fn classify_send_error(status: u16, body: &str) -> SendErrorKind {
    match error_code(body) {
        Some(131047) => SendErrorKind::OutsideWindow,
        Some(132000) => SendErrorKind::TemplateParams,
        Some(190) => SendErrorKind::BadToken,
        Some(2 | 4 | 80007 | 130429 | 131016 | 131056 | 133004) => SendErrorKind::Retry,
        _ if status == 429 || (500..=599).contains(&status) => SendErrorKind::Retry,
        None if status == 401 => SendErrorKind::BadToken,
        _ => SendErrorKind::Other,
    }
}

/// A one-line account of a send API failure for logs and metrics: the status, the Graph error
/// code and message, and its details when given.
pub fn send_error_summary(status: u16, body: &str) -> String {
    let error = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("error").cloned());
    let Some(error) = error else {
        let snippet: String = body.chars().take(200).collect();
        return format!("HTTP {status}: {snippet}");
    };
    let mut line = format!("HTTP {status}");
    if let Some(code) = error.get("code").and_then(code_of) {
        line.push_str(&format!(", error {code}"));
    }
    if let Some(message) = error.get("message").and_then(Value::as_str) {
        line.push_str(&format!(": {message}"));
    }
    if let Some(details) = error
        .get("error_data")
        .and_then(|d| d.get("details"))
        .and_then(Value::as_str)
    {
        line.push_str(&format!(" ({details})"));
    }
    line
}

/// The `wamid.…` of an accepted send (`{"messages":[{"id":…}]}`), to match later statuses.
pub fn send_response_id(body: &str) -> Option<String> {
    let v: Value = serde_json::from_str(body).ok()?;
    v.get("messages")?
        .get(0)?
        .get("id")?
        .as_str()
        .map(str::to_string)
}

fn error_code(body: &str) -> Option<i64> {
    let v: Value = serde_json::from_str(body).ok()?;
    code_of(v.get("error")?.get("code")?)
}

/// A Graph error code, as a number or a string of digits.
fn code_of(code: &Value) -> Option<i64> {
    match code {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
