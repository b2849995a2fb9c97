//! `X-Twilio-Signature`: base64(HMAC-SHA1(auth token, URL + sorted names and values)).

use base64::{engine::general_purpose::STANDARD, Engine as _};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use std::fmt;

type HmacSha1 = Hmac<Sha1>;

/// Why a request's signature was refused. The server answers 401 to all of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureError {
    /// No `X-Twilio-Signature` header, or an empty one.
    Missing,
    /// The header is not base64.
    Malformed,
    /// The header is not the signature of this URL and these parameters.
    Mismatch,
}

impl fmt::Display for SignatureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SignatureError::Missing => "the request has no X-Twilio-Signature header",
            SignatureError::Malformed => "the X-Twilio-Signature header is not base64",
            SignatureError::Mismatch => {
                "the X-Twilio-Signature header does not match the public URL and the parameters \
                 (check TWILIO_AUTH_TOKEN and TWILIO_PUBLIC_URL)"
            }
        })
    }
}

impl std::error::Error for SignatureError {}

/// The signature Twilio sends for a POST of `params` to `url`: base64 of HMAC-SHA1, keyed with
/// the auth token, over the full URL (query string included) followed by every parameter's
/// name and value, sorted by name (values of a repeated name sorted too, as Twilio's libraries
/// do), with no separators.
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    STANDARD.encode(mac(auth_token, url, params).finalize().into_bytes())
}

/// Checks the `X-Twilio-Signature` header of a request Twilio posted to `url`, which must be the
/// public URL as Twilio requested it (configured, since a proxy changes what the server sees).
/// The comparison takes constant time. As Twilio's libraries do, the URL is also tried with its
/// default port written out or left out (`https://host/x` and `https://host:443/x`).
pub fn verify_signature(
    auth_token: &str,
    url: &str,
    params: &[(String, String)],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let header = header.map(str::trim).unwrap_or_default();
    if header.is_empty() {
        return Err(SignatureError::Missing);
    }
    let expected = STANDARD
        .decode(header)
        .map_err(|_| SignatureError::Malformed)?;
    let mut matched = mac(auth_token, url, params).verify_slice(&expected).is_ok();
    if let Some(other) = with_other_port(url) {
        // No short cut: both are computed whatever the first gave.
        matched |= mac(auth_token, &other, params)
            .verify_slice(&expected)
            .is_ok();
    }
    if matched {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

fn mac(auth_token: &str, url: &str, params: &[(String, String)]) -> HmacSha1 {
    let mut mac =
        HmacSha1::new_from_slice(auth_token.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(url.as_bytes());
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// The same http(s) URL with its default port (443, 80) left out when it is written, or
/// written when it is left out; `None` for another port or scheme, or what is not a URL.
fn with_other_port(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let default = match scheme.to_ascii_lowercase().as_str() {
        "https" => "443",
        "http" => "80",
        _ => return None,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let host_start = authority.rfind('@').map_or(0, |i| i + 1);
    let (userinfo, host_port) = authority.split_at(host_start);
    if host_port.is_empty() {
        return None;
    }
    // The last `:` separates the port unless it is inside an IPv6 literal (`[::1]`).
    let port_at = host_port
        .rfind(':')
        .filter(|&i| !host_port[i..].contains(']'));
    let host_port = match port_at {
        Some(i) if &host_port[i + 1..] == default => host_port[..i].to_string(),
        Some(_) => return None,
        None => format!("{host_port}:{default}"),
    };
    Some(format!("{scheme}://{userinfo}{host_port}{tail}"))
}

#[cfg(test)]
mod tests {
    use super::with_other_port;

    #[test]
    fn default_ports_are_written_or_left_out() {
        let other = |u: &str| with_other_port(u);
        assert_eq!(
            other("https://a.example/x?y=1").as_deref(),
            Some("https://a.example:443/x?y=1")
        );
        assert_eq!(
            other("https://a.example:443/x").as_deref(),
            Some("https://a.example/x")
        );
        assert_eq!(
            other("http://a.example").as_deref(),
            Some("http://a.example:80")
        );
        assert_eq!(
            other("https://u:p@a.example/x").as_deref(),
            Some("https://u:p@a.example:443/x")
        );
        assert_eq!(
            other("https://[::1]/x").as_deref(),
            Some("https://[::1]:443/x")
        );
        assert_eq!(other("https://a.example:8443/x"), None);
        assert_eq!(other("ftp://a.example/x"), None);
        assert_eq!(other("not a url"), None);
        assert_eq!(other("https:///x"), None);
    }
}
