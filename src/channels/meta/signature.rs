//! Authenticating Meta: the `GET` subscription check and `X-Hub-Signature-256`.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

/// The header Meta signs webhook bodies with.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";

const PREFIX: &str = "sha256=";

/// Why a webhook's signature was refused (the server answers 401 and changes nothing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    /// No `X-Hub-Signature-256` header.
    Missing,
    /// The header is not `sha256=` followed by 64 hex digits; says what is wrong.
    Malformed(String),
    /// Well formed, but not the HMAC of this body with this app secret.
    Mismatch,
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureError::Missing => write!(f, "missing {SIGNATURE_HEADER} header"),
            SignatureError::Malformed(why) => write!(f, "malformed {SIGNATURE_HEADER}: {why}"),
            SignatureError::Mismatch => write!(
                f,
                "{SIGNATURE_HEADER} does not match the body (wrong app secret, or the body was changed)"
            ),
        }
    }
}

impl std::error::Error for SignatureError {}

/// Checks `X-Hub-Signature-256: sha256=<hex>`: the HMAC-SHA256 of the exact raw `body` keyed with
/// the app secret, compared in constant time. `header` is the header's value, if any.
pub fn verify_signature(
    app_secret: &[u8],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?.trim();
    let hex = match header.get(..PREFIX.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(PREFIX) => &header[PREFIX.len()..],
        _ => {
            return Err(SignatureError::Malformed(
                "expected `sha256=` followed by the hex digest".to_string(),
            ))
        }
    };
    let expected = decode_hex(hex).map_err(SignatureError::Malformed)?;
    if expected.len() != 32 {
        return Err(SignatureError::Malformed(format!(
            "a SHA-256 digest is 64 hex digits, this one has {}",
            hex.len()
        )));
    }
    // `new_from_slice` accepts keys of any length for HMAC.
    let mut mac = Hmac::<Sha256>::new_from_slice(app_secret).expect("HMAC takes any key length");
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

fn decode_hex(hex: &str) -> Result<Vec<u8>, String> {
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    };
    let bytes = hex.as_bytes();
    if bytes.len() % 2 != 0 {
        return Err(format!(
            "odd number of hex digits ({}); a SHA-256 digest is 64",
            bytes.len()
        ));
    }
    bytes
        .chunks(2)
        .map(|pair| match (digit(pair[0]), digit(pair[1])) {
            (Some(high), Some(low)) => Ok(high << 4 | low),
            _ => Err("the digest is not hexadecimal".to_string()),
        })
        .collect()
}

/// Why a `GET` verification was refused (the server answers 403).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionError {
    /// `hub.mode` is missing or not `subscribe`.
    NotSubscribe,
    /// `hub.verify_token` is missing.
    MissingToken,
    /// `hub.verify_token` is not the configured verify token (or none is configured).
    WrongToken,
    /// `hub.challenge` is missing.
    MissingChallenge,
}

impl fmt::Display for SubscriptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SubscriptionError::NotSubscribe => "hub.mode is not `subscribe`",
            SubscriptionError::MissingToken => "hub.verify_token is missing",
            SubscriptionError::WrongToken => "hub.verify_token does not match the verify token",
            SubscriptionError::MissingChallenge => "hub.challenge is missing",
        })
    }
}

impl std::error::Error for SubscriptionError {}

/// The `GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C` check: `Ok(C)` (the body of
/// the 200 answer, to send as `text/plain`) when `T` is the configured verify token. The token is
/// compared in constant time; an empty configured token accepts nothing.
pub fn verify_subscription(
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&str>,
    configured_token: &str,
) -> Result<String, SubscriptionError> {
    if mode != Some("subscribe") {
        return Err(SubscriptionError::NotSubscribe);
    }
    let token = token.ok_or(SubscriptionError::MissingToken)?;
    if configured_token.is_empty()
        || !constant_time_eq(token.as_bytes(), configured_token.as_bytes())
    {
        return Err(SubscriptionError::WrongToken);
    }
    challenge
        .map(str::to_string)
        .ok_or(SubscriptionError::MissingChallenge)
}

/// [`verify_subscription`] on a raw query string (`hub.mode=subscribe&hub.verify_token=...`,
/// percent-encoded, without the `?`); the first value of each parameter counts.
pub fn verify_subscription_query(
    query: &str,
    configured_token: &str,
) -> Result<String, SubscriptionError> {
    let (mut mode, mut token, mut challenge) = (None, None, None);
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let slot = match name.as_ref() {
            "hub.mode" => &mut mode,
            "hub.verify_token" => &mut token,
            "hub.challenge" => &mut challenge,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(value.into_owned());
        }
    }
    verify_subscription(
        mode.as_deref(),
        token.as_deref(),
        challenge.as_deref(),
        configured_token,
    )
}

/// Equal bytes, in a time that depends only on the lengths.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
