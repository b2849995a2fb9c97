//! Real HTTP for a bot's `call`s outside tests (`charla chat` without `--mock`): the engine
//! asks, this module goes to the network and hands the answer back as an [`Inbound`].

use crate::runtime::turn::Inbound;
use serde_json::Value;
use std::time::Duration;

/// How long `charla chat` waits for a call (LANGUAGE.md section 4: 5 s in chat and tests).
pub const CHAT_TIMEOUT: Duration = Duration::from_secs(5);

/// Makes the request; any status is an answer (the engine decides what succeeds), no answer
/// in time or no connection is a failure.
pub fn call(method: &str, url: &str, body: Option<&Value>, timeout: Duration) -> Inbound {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into();
    let json = body
        .map(Value::to_string)
        .unwrap_or_else(|| "{}".to_string());
    let sent = match method {
        "GET" => agent.get(url).call(),
        "DELETE" => agent.delete(url).call(),
        "POST" => agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(json.as_str()),
        "PUT" => agent
            .put(url)
            .header("Content-Type", "application/json")
            .send(json.as_str()),
        "PATCH" => agent
            .patch(url)
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
