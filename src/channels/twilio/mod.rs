//! Twilio WhatsApp (WHATSAPP.md, "Twilio WhatsApp"), as pure functions: the form webhook parsed
//! and its `X-Twilio-Signature` checked, the message turned into an [`Inbound`], and the replies
//! rendered as TwiML, menus as numbered text. The server does the I/O.
//!
//! ```text
//! body ──parse_form──▶ params ──verify_signature(token, public url, params, header)──▶ ok
//!                      params ──parse_message──▶ TwilioMessage ──to_inbound──▶ Inbound
//! [Message] ──twiml──▶ text/xml reply
//! ```
//!
//! [`Inbound`]: crate::runtime::turn::Inbound

mod form;
mod message;
mod signature;
mod twiml;

pub use form::{parse_form, FormError};
pub use message::{parse_message, MessageError, TwilioMessage};
pub use signature::{signature, verify_signature, SignatureError};
pub use twiml::{plain_text, split_body, twiml, BODY_LIMIT, CONTENT_TYPE};
