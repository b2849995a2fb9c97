//! `GET /webhooks/whatsapp` (subscription check) and `POST /webhooks/whatsapp` (Meta's
//! messages and statuses).

use super::{content_type_is, header_str, store_failed, text};
use crate::channels::meta::{self as channel, InboundMessage, SIGNATURE_HEADER};
use crate::runtime::state::Contact;
use crate::server::app::App;
use crate::server::conversation::{Channel, Delivery, Outcome};
use crate::server::metrics::Metrics;
use crate::store::DeliveryStatus;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use std::sync::Arc;
use std::time::Instant;

pub async fn verify(State(app): State<Arc<App>>, RawQuery(query): RawQuery) -> Response {
    let Some(meta) = &app.settings.meta else {
        return text(StatusCode::NOT_FOUND, "the Meta channel is off\n");
    };
    let Some(token) = &meta.verify_token else {
        return text(StatusCode::FORBIDDEN, "WHATSAPP_VERIFY_TOKEN is not set\n");
    };
    match channel::verify_subscription_query(query.as_deref().unwrap_or(""), token) {
        Ok(challenge) => text(StatusCode::OK, challenge),
        Err(e) => text(StatusCode::FORBIDDEN, format!("{e}\n")),
    }
}

pub async fn webhook(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let started = Instant::now();
    let Some(meta) = &app.settings.meta else {
        return text(StatusCode::NOT_FOUND, "the Meta channel is off\n");
    };
    if let Err(e) = channel::verify_signature(
        meta.app_secret.as_bytes(),
        &body,
        header_str(&headers, SIGNATURE_HEADER),
    ) {
        return text(StatusCode::UNAUTHORIZED, format!("{e}\n"));
    }
    if !content_type_is(&headers, "application/json") {
        return text(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected Content-Type: application/json\n",
        );
    }
    let webhook = match channel::parse_webhook(&body) {
        Ok(webhook) => webhook,
        Err(e) => return text(StatusCode::BAD_REQUEST, format!("{e}\n")),
    };
    let response = match process(&app, webhook).await {
        Ok(()) => text(StatusCode::OK, "ok\n"),
        Err(e) => store_failed(e),
    };
    app.metrics
        .latency
        .get_or_create(&Metrics::channel("meta"))
        .observe(started.elapsed().as_secs_f64());
    response
}

/// Every message of the batch (through the worker, in order), then every status. A message
/// without a sender is skipped (and said). If any message could not be stored, the answer is
/// 500 and Meta's retry redoes only what was not recorded.
async fn process(app: &Arc<App>, webhook: channel::Webhook) -> Result<(), String> {
    let label = Metrics::channel("meta");
    let deliveries: Vec<Delivery> = webhook
        .messages
        .iter()
        .filter_map(|message| {
            let delivery = delivery(message);
            if delivery.is_none() {
                eprintln!(
                    "charla: Meta message {} has neither a phone number nor a user id; skipped",
                    message.id
                );
            }
            delivery
        })
        .collect();
    for outcome in super::deliver_all(app, deliveries).await? {
        if let Outcome::Processed { .. } = outcome {
            app.metrics.messages_in.get_or_create(&label).inc();
        }
    }
    if webhook.statuses.is_empty() {
        return Ok(());
    }
    let worker = app.clone();
    let recorded = tokio::task::spawn_blocking(move || {
        for status in webhook.statuses {
            worker.metrics.statuses.get_or_create(&label).inc();
            worker.store(|s| {
                s.record_status(&DeliveryStatus {
                    message_id: status.id.clone(),
                    status: status.status.clone(),
                    recipient: status.recipient_id.clone(),
                    at: status.timestamp,
                    errors: status.errors.clone(),
                })
            })?;
        }
        Ok::<(), crate::store::StoreError>(())
    })
    .await;
    match recorded {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(format!("statuses could not be recorded: {e}")),
    }
}

fn delivery(message: &InboundMessage) -> Option<Delivery> {
    let id = message.contact_id()?.to_string();
    let phone = message
        .from
        .as_deref()
        .map(|digits| format!("+{digits}"))
        .unwrap_or_default();
    Some(Delivery {
        channel: Channel::Meta,
        id: Some(message.id.clone()),
        contact: Contact {
            id,
            name: message.profile_name.clone().unwrap_or_default(),
            phone,
            language: String::new(),
        },
        inbound: message.content.to_inbound(),
        inline: false,
        sent_at: message.timestamp,
        link: None,
        moved_from: None,
    })
}
