//! `application/x-www-form-urlencoded` bodies, refusing what is not UTF-8 once decoded.

use std::fmt;

/// Why a form body was refused (the server answers 400).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// The name or value of the `field`-th pair (from 1) is not UTF-8 once percent-decoded.
    InvalidUtf8 { field: usize },
}

impl fmt::Display for FormError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormError::InvalidUtf8 { field } => {
                write!(f, "field {field} of the form is not UTF-8 once decoded")
            }
        }
    }
}

impl std::error::Error for FormError {}

/// The name-value pairs of a form body, in order, repeated names kept. Decodes as
/// [`form_urlencoded::parse`] does (WHATWG: pairs split on `&`, empty ones skipped, name and
/// value split on the first `=`, `+` is a space, `%XX` a byte, a `%` not followed by two hex
/// digits kept as it is), but where that function would replace bytes that are not UTF-8 with
/// U+FFFD, this one refuses the body: a signed body must be read exactly as it was signed.
pub fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, FormError> {
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .enumerate()
        .map(|(i, pair)| {
            let (name, value) = match pair.iter().position(|&b| b == b'=') {
                Some(at) => (&pair[..at], &pair[at + 1..]),
                None => (pair, &pair[pair.len()..]),
            };
            let error = FormError::InvalidUtf8 { field: i + 1 };
            let name = decode(name).ok_or(error.clone())?;
            let value = decode(value).ok_or(error)?;
            Ok((name, value))
        })
        .collect()
}

fn decode(input: &[u8]) -> Option<String> {
    let mut bytes = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let byte = match input[i] {
            b'+' => b' ',
            b'%' => match (
                input.get(i + 1).and_then(hex),
                input.get(i + 2).and_then(hex),
            ) {
                (Some(high), Some(low)) => {
                    i += 2;
                    high << 4 | low
                }
                _ => b'%',
            },
            other => other,
        };
        bytes.push(byte);
        i += 1;
    }
    String::from_utf8(bytes).ok()
}

fn hex(digit: &u8) -> Option<u8> {
    (*digit as char).to_digit(16).map(|d| d as u8)
}
