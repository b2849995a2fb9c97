//! Real HTTP for a bot's `call`s (`charla chat` without `--mock`, and the server): the engine
//! asks, this module goes to the network and hands the answer back as an [`Inbound`].

use crate::runtime::turn::Inbound;
use serde_json::Value;
use std::time::{Duration, Instant};

/// How long `charla chat` waits for a call (LANGUAGE.md section 4: 5 s in chat and tests).
pub const CHAT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long the server waits for a call, all tries included (LANGUAGE.md section 4: 10 s).
pub const SERVER_TIMEOUT: Duration = Duration::from_secs(10);

/// How a call is made.
#[derive(Debug, Clone)]
pub struct CallOptions {
    /// The whole time a call may take, retries included.
    pub timeout: Duration,
    /// Tries for idempotent methods (GET, PUT, DELETE) that got no answer or a 429/5xx; other
    /// methods are tried once, since a retried POST may do its work twice.
    pub tries: u32,
    /// A header sent with every call (`("Authorization", "Bearer …")`): the client API's
    /// credentials, from the environment, never from the bundle.
    pub header: Option<(String, String)>,
    /// The bot's `api` base URLs: a url outside them is refused without a request.
    pub apis: Vec<String>,
}

impl CallOptions {
    /// One try, no credentials, any host the engine asks for (the compiler already checked the
    /// hosts): `charla chat`.
    pub fn chat() -> CallOptions {
        CallOptions {
            timeout: CHAT_TIMEOUT,
            tries: 1,
            header: None,
            apis: Vec::new(),
        }
    }
}

/// Whether `url` starts with one of the declared `api` base URLs (an empty list allows all).
pub fn allowed(url: &str, apis: &[String]) -> bool {
    apis.is_empty()
        || apis.iter().any(|api| {
            let base = api.trim_end_matches('/');
            url.strip_prefix(base)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?']))
        })
}

/// Makes the request; any status is an answer (the engine decides what succeeds), no answer
/// in time or no connection is a failure.
pub fn call(method: &str, url: &str, body: Option<&Value>, options: &CallOptions) -> Inbound {
    if !allowed(url, &options.apis) {
        return Inbound::CallFailed {
            reason: format!("`{url}` is not under an `api` the bot declares"),
        };
    }
    let idempotent = matches!(method, "GET" | "PUT" | "DELETE");
    let tries = if idempotent { options.tries.max(1) } else { 1 };
    let deadline = Instant::now() + options.timeout;
    let mut answer = Inbound::CallFailed {
        reason: "no time left to try".to_string(),
    };
    for attempt in 0..tries {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        if attempt > 0 {
            // 100 ms, 200 ms, 400 ms...: short, since a contact is waiting.
            let pause = Duration::from_millis(100 << (attempt - 1).min(6)).min(left);
            std::thread::sleep(pause);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        answer = once(method, url, body, left, options.header.as_ref());
        let retry = match &answer {
            Inbound::CallAnswered { status, .. } => *status == 429 || *status >= 500,
            _ => true,
        };
        if !retry {
            break;
        }
    }
    answer
}

fn once(
    method: &str,
    url: &str,
    body: Option<&Value>,
    timeout: Duration,
    header: Option<&(String, String)>,
) -> Inbound {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout.max(Duration::from_millis(1))))
        .http_status_as_error(false)
        .build()
        .into();
    let json = body
        .map(Value::to_string)
        .unwrap_or_else(|| "{}".to_string());
    macro_rules! with_header {
        ($request:expr) => {{
            let request = $request;
            match header {
                Some((name, value)) => request.header(name.as_str(), value.as_str()),
                None => request,
            }
        }};
    }
    let sent = match method {
        "GET" => with_header!(agent.get(url)).call(),
        "DELETE" => with_header!(agent.delete(url)).call(),
        "POST" => with_header!(agent.post(url))
            .header("Content-Type", "application/json")
            .send(json.as_str()),
        "PUT" => with_header!(agent.put(url))
            .header("Content-Type", "application/json")
            .send(json.as_str()),
        "PATCH" => with_header!(agent.patch(url))
            .header("Content-Type", "application/json")
            .send(json.as_str()),
        other => {
            return Inbound::CallFailed {
                reason: format!("`{other}` is not a method charla calls"),
            }
        }
    };
    match sent {
        Ok(mut response) => {
            let status = response.status().as_u16();
            match response.body_mut().read_to_string() {
                Ok(body) => Inbound::CallAnswered { status, body },
                Err(e) => Inbound::CallFailed {
                    reason: format!("the answer could not be read: {e}"),
                },
            }
        }
        Err(e) => Inbound::CallFailed {
            reason: e.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::allowed;

    #[test]
    fn only_declared_bases_are_allowed() {
        let apis = vec!["https://api.example/v1".to_string()];
        assert!(allowed("https://api.example/v1/members/1", &apis));
        assert!(allowed("https://api.example/v1?x=1", &apis));
        assert!(!allowed("https://api.example/v10/members", &apis));
        assert!(!allowed("https://api.example.evil/v1", &apis));
        assert!(!allowed("https://other/v1", &apis));
        assert!(allowed("https://anything", &[]));
    }
}
