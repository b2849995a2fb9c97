//! `POST /handoff/release`, `GET /healthz`, `GET /metrics`.

use super::{content_type_is, header_str, store_failed, text};
use crate::channels::meta::constant_time_eq;
use crate::runtime::state::Contact;
use crate::runtime::turn::Inbound;
use crate::server::app::App;
use crate::server::conversation::{Channel, Delivery, Outcome};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// `{"contact": "<id or phone>"}`: gives the contact back to the bot. The contact is looked up
/// on every channel that is on; a phone may be written with `+`, spaces or dashes.
pub async fn release(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(token) = &app.settings.admin_token else {
        return text(StatusCode::NOT_FOUND, "the release route is off\n");
    };
    let given = header_str(&headers, "Authorization")
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !constant_time_eq(given.trim().as_bytes(), token.as_bytes()) {
        return text(
            StatusCode::UNAUTHORIZED,
            "expected Authorization: Bearer <CHARLA_ADMIN_TOKEN>\n",
        );
    }
    if !content_type_is(&headers, "application/json") {
        return text(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected Content-Type: application/json\n",
        );
    }
    let contact = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("contact")?.as_str().map(str::to_string));
    let Some(contact) = contact.filter(|c| !c.trim().is_empty()) else {
        return text(
            StatusCode::BAD_REQUEST,
            "expected a JSON body {\"contact\": \"<id or phone>\"}\n",
        );
    };
    match release_contact(&app, &contact).await {
        Ok(Some(key)) => text(StatusCode::OK, format!("released {key}\n")),
        Ok(None) => text(StatusCode::NOT_FOUND, "no such contact\n"),
        Err(e) => store_failed(e),
    }
}

/// Releases the contact on the first channel that knows it; its store key, or `None`.
async fn release_contact(app: &App, contact: &str) -> Result<Option<String>, String> {
    let trimmed = contact.trim();
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let looks_like_phone = !digits.is_empty()
        && trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')'));
    let id = if looks_like_phone {
        digits
    } else {
        trimmed.to_string()
    };
    for channel in [Channel::Meta, Channel::Twilio] {
        let release = Delivery {
            channel,
            id: None,
            contact: Contact {
                id: id.clone(),
                ..Contact::default()
            },
            inbound: Inbound::Released,
            inline: false,
            sent_at: None,
            link: None,
            moved_from: None,
        };
        match super::deliver_all(app, vec![release]).await?.pop() {
            // The conversation's own key: a phone may point at a business-scoped id's.
            Some(Outcome::Processed { contact, .. }) => return Ok(Some(contact)),
            Some(Outcome::Duplicate { .. }) => return Ok(Some(channel.key(&id))),
            Some(Outcome::UnknownContact) | None => {}
        }
    }
    Ok(None)
}

pub async fn healthz(State(app): State<Arc<App>>) -> Response {
    let worker = app.clone();
    let pending = tokio::task::spawn_blocking(move || worker.store(|s| s.pending())).await;
    match pending {
        Ok(Ok(pending)) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({
                "status": "ok",
                "bot": app.engine.model().bot.name,
                "outbox_pending": pending,
            })),
        )
            .into_response(),
        Ok(Err(e)) => store_failed(e),
        Err(e) => store_failed(e),
    }
}

pub async fn metrics(State(app): State<Arc<App>>) -> Response {
    let worker = app.clone();
    if let Ok(Ok(pending)) =
        tokio::task::spawn_blocking(move || worker.store(|s| s.pending())).await
    {
        app.metrics
            .outbox_pending
            .set(i64::try_from(pending).unwrap_or(i64::MAX));
    }
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.metrics.encode(),
    )
        .into_response()
}
