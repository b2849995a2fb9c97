//! `POST /webhooks/twilio`: Twilio's form webhooks, answered with TwiML.

use super::{content_type_is, header_str, store_failed, text};
use crate::channels::twilio as channel;
use crate::runtime::state::Contact;
use crate::runtime::turn::Inbound;
use crate::server::app::App;
use crate::server::conversation::{Channel, Delivery, Outcome};
use crate::server::metrics::Metrics;
use crate::store::DeliveryStatus;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Instant;

const EMPTY: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#;

pub async fn webhook(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let started = Instant::now();
    let Some(twilio) = &app.settings.twilio else {
        return text(StatusCode::NOT_FOUND, "the Twilio channel is off\n");
    };
    // Unsigned requests get 401 before anything else is looked at (the signature itself can
    // only be checked on the decoded form, below).
    if header_str(&headers, "X-Twilio-Signature").is_none_or(|v| v.trim().is_empty()) {
        return text(
            StatusCode::UNAUTHORIZED,
            "the request has no X-Twilio-Signature header\n",
        );
    }
    if !content_type_is(&headers, "application/x-www-form-urlencoded") {
        return text(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected Content-Type: application/x-www-form-urlencoded\n",
        );
    }
    let params = match channel::parse_form(&body) {
        Ok(params) => params,
        Err(e) => return text(StatusCode::BAD_REQUEST, format!("{e}\n")),
    };
    if let Err(e) = channel::verify_signature(
        &twilio.auth_token,
        &twilio.public_url,
        &params,
        header_str(&headers, "X-Twilio-Signature"),
    ) {
        return text(StatusCode::UNAUTHORIZED, format!("{e}\n"));
    }
    let message = match channel::parse_message(&params) {
        Ok(message) => message,
        Err(e) => return text(StatusCode::BAD_REQUEST, format!("{e}\n")),
    };
    let response = match process(&app, message).await {
        Ok(twiml) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, channel::CONTENT_TYPE)],
            twiml,
        )
            .into_response(),
        Err(e) => store_failed(e),
    };
    app.metrics
        .latency
        .get_or_create(&Metrics::channel("twilio"))
        .observe(started.elapsed().as_secs_f64());
    response
}

/// The TwiML answer: the bot's replies, or nothing for a status callback.
async fn process(app: &Arc<App>, message: channel::TwilioMessage) -> Result<String, String> {
    let label = Metrics::channel("twilio");
    if message.is_status() {
        app.metrics.statuses.get_or_create(&label).inc();
        let status = DeliveryStatus {
            message_id: message.message_sid.clone(),
            status: message.message_status.clone().unwrap_or_default(),
            // A status is about a message the business sent: `To` is the contact.
            recipient: message.to.clone(),
            at: None,
            errors: message.error.clone().into_iter().collect(),
        };
        let worker = app.clone();
        return match tokio::task::spawn_blocking(move || worker.store(|s| s.record_status(&status)))
            .await
        {
            Ok(Ok(())) => Ok(EMPTY.to_string()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(e) => Err(format!("a status could not be recorded: {e}")),
        };
    }
    let inbound = message
        .to_inbound()
        .unwrap_or_else(|| Inbound::Unsupported {
            kind: message
                .message_type
                .clone()
                .unwrap_or_else(|| "media".to_string()),
        });
    let id = message
        .wa_id
        .clone()
        .unwrap_or_else(|| message.from.trim_start_matches('+').to_string());
    let delivery = Delivery {
        channel: Channel::Twilio,
        id: Some(message.message_sid.clone()),
        contact: Contact {
            id,
            name: message.profile_name.clone().unwrap_or_default(),
            phone: message.from.clone(),
            language: String::new(),
        },
        inbound,
        inline: true,
        sent_at: None,
        link: None,
        moved_from: None,
    };
    let outcome = super::deliver_all(app, vec![delivery]).await?.pop();
    let reply = match outcome {
        Some(Outcome::Processed { reply, .. }) => {
            let reply = reply.unwrap_or_else(|| EMPTY.to_string());
            app.metrics.messages_in.get_or_create(&label).inc();
            let sent = reply.matches("<Message>").count() as u64;
            app.metrics.messages_out.get_or_create(&label).inc_by(sent);
            reply
        }
        // The same answer again, not counted again.
        Some(Outcome::Duplicate { reply }) => reply.unwrap_or_else(|| EMPTY.to_string()),
        Some(Outcome::UnknownContact) | None => EMPTY.to_string(),
    };
    Ok(reply)
}
