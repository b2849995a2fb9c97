//! The HTTP routes (DESIGN.md "The server's interface"). Handlers check what arrives (size,
//! content type, signature, shape) and hand the work to [`super::conversation`] on a blocking
//! thread; they never panic on input, and a bad request changes nothing.

mod admin;
mod meta;
mod twilio;

use super::app::App;
use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;

pub fn router(app: Arc<App>) -> Router {
    let limit = app.settings.max_body;
    Router::new()
        .route("/webhooks/whatsapp", get(meta::verify).post(meta::webhook))
        .route("/webhooks/twilio", post(twilio::webhook))
        .route("/handoff/release", post(admin::release))
        .route("/healthz", get(admin::healthz))
        .route("/metrics", get(admin::metrics))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(app)
}

/// A plain-text answer.
fn text(status: StatusCode, body: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

/// Whether the request's `Content-Type` is `expected` (parameters such as `charset` allowed).
fn content_type_is(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(expected))
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Runs deliveries through the worker, in order; their outcomes, or the first error.
async fn deliver_all(
    app: &App,
    deliveries: Vec<super::conversation::Delivery>,
) -> Result<Vec<super::conversation::Outcome>, String> {
    if deliveries.is_empty() {
        return Ok(Vec::new());
    }
    let receivers = app
        .submit(deliveries)
        .ok_or("the server is stopping; deliver again later")?;
    let mut outcomes = Vec::with_capacity(receivers.len());
    let mut failure = None;
    for receiver in receivers {
        match receiver.await {
            Ok(Ok(outcome)) => outcomes.push(outcome),
            Ok(Err(e)) => failure = failure.or(Some(e.to_string())),
            Err(_) => failure = failure.or(Some("a message was dropped unanswered".to_string())),
        }
    }
    match failure {
        None => Ok(outcomes),
        Some(e) => Err(e),
    }
}

/// The answer for a store that failed: 500, so the channel delivers the webhook again later
/// (the message was not recorded as processed, so it will be processed then).
fn store_failed(e: impl std::fmt::Display) -> Response {
    eprintln!("charla: {e}");
    text(
        StatusCode::INTERNAL_SERVER_ERROR,
        "the conversation store failed; deliver again later\n",
    )
}
