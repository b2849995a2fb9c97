//! Meta WhatsApp Cloud API (WHATSAPP.md "Meta WhatsApp Cloud API"), as pure functions: the
//! server reads the request and the clock, these decide.
//!
//! - [`verify_subscription`] / [`verify_subscription_query`]: the `GET` webhook verification.
//! - [`verify_signature`]: `X-Hub-Signature-256` over the raw body, in constant time.
//! - [`parse_webhook`]: a `POST` body into the messages and statuses it carries.
//! - [`send_body`] / [`send_url`]: what to `POST` to the send API for one [`Message`].
//! - [`classify_send_error`]: what to do when the send API refuses.
//!
//! [`Message`]: crate::runtime::turn::Message

mod send;
mod signature;
mod webhook;

pub use send::{
    classify_send_error, send_body, send_error_summary, send_response_id, send_url, SendErrorKind,
};
pub(crate) use signature::constant_time_eq;
pub use signature::{
    verify_signature, verify_subscription, verify_subscription_query, SignatureError,
    SubscriptionError, SIGNATURE_HEADER,
};
pub use webhook::{parse_webhook, Content, InboundMessage, Status, Webhook, WebhookError};
