//! The senders: threads that claim outbox rows and send them, with exponential backoff when
//! the channel is down or busy (HTTP 429/5xx, Meta 130429/131056).
//!
//! A row is marked sent only after the channel accepted it, and a claim is a lease: if the
//! process dies mid-send, the row is claimed again when the lease ends. One contact's rows go
//! in order: when one fails, the contact's later rows of the same claim are given back untried.

use super::app::App;
use super::metrics::{FailureLabel, Metrics};
use super::outbox::{self, Payload};
use crate::channels::meta::{self, SendErrorKind};
use crate::store::OutboxRow;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Rows taken per claim: small, so that with a slow API the rows spread over all the senders
/// instead of waiting in one sender's batch.
const BATCH: usize = 16;
/// Tries before a row is given up (with the default 300 s cap: about an hour and a half).
pub const MAX_ATTEMPTS: u32 = 20;
/// How long one send may take.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// What became of one send.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    /// Accepted; the channel's id for the message, when it gave one.
    Accepted(Option<String>),
    /// Refused for now: try again later.
    Retry(String),
    /// Refused for good: give the row up (the kind names why, for metrics).
    GiveUp(&'static str, String),
}

/// One sender: claims, sends, records, until the app stops. Several may run at once.
pub fn run(app: Arc<App>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(SEND_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    let mut seen = 0;
    while !app.stopping() {
        let now = now();
        let rows = match app.store(|s| s.claim(now, BATCH)) {
            Ok(rows) => rows,
            Err(e) => {
                eprintln!("charla: the outbox cannot be read: {e}");
                app.wait_for_work(&mut seen, Duration::from_secs(1));
                continue;
            }
        };
        if rows.is_empty() {
            // Retries fall due by the clock, not by a wake-up: look again within a second.
            app.wait_for_work(&mut seen, Duration::from_secs(1));
            continue;
        }
        send_claimed(&app, &agent, rows);
    }
}

/// Accepted rows are marked sent in groups (one transaction each) of at most this many, and
/// none waits for its mark longer than [`MARK_WITHIN`]: the fewer writes, the more the store
/// keeps up with; the sooner the mark, the fewer sends a crash between a send and its mark can
/// repeat.
const MARK_EVERY: usize = 8;
const MARK_WITHIN: Duration = Duration::from_millis(5);

/// Sends claimed rows (grouped by recipient, each group in order) and records the outcomes.
pub fn send_claimed(app: &App, agent: &ureq::Agent, rows: Vec<OutboxRow>) {
    let mut blocked: Vec<(String, String)> = Vec::new();
    let mut accepted: Vec<(i64, Option<String>)> = Vec::new();
    let mut oldest = Instant::now();
    let flush = |accepted: &mut Vec<(i64, Option<String>)>| {
        if !accepted.is_empty() {
            log_store(app.store(|s| s.sent_many(accepted)));
            accepted.clear();
        }
    };
    for row in rows {
        if !accepted.is_empty() && oldest.elapsed() >= MARK_WITHIN {
            flush(&mut accepted);
        }
        let recipient = (row.channel.clone(), row.to.clone());
        if blocked.contains(&recipient) {
            // An earlier reply to this contact failed: this one waits behind it.
            log_store(app.store(|s| s.release(row.id)));
            continue;
        }
        let outcome = match outbox::read_payload(&row.payload) {
            Ok(payload) => send(app, agent, &row, &payload),
            Err(why) => Sent::GiveUp("other", why),
        };
        let label = Metrics::channel(&row.channel);
        match outcome {
            Sent::Accepted(remote) => {
                app.metrics.messages_out.get_or_create(&label).inc();
                if accepted.is_empty() {
                    oldest = Instant::now();
                }
                accepted.push((row.id, remote));
                if accepted.len() >= MARK_EVERY {
                    flush(&mut accepted);
                }
            }
            Sent::Retry(why) if row.attempts < MAX_ATTEMPTS => {
                failure(app, &row.channel, "retry");
                let at = now().saturating_add(backoff(row.attempts, app.settings.retry_max_secs));
                log_store(app.store(|s| s.failed(row.id, Some(at), &why)));
                blocked.push(recipient);
            }
            Sent::Retry(why) => {
                failure(app, &row.channel, "retry");
                eprintln!(
                    "charla: giving up a message to {} after {} tries: {why}",
                    row.to, row.attempts
                );
                log_store(app.store(|s| s.failed(row.id, None, &why)));
            }
            Sent::GiveUp(kind, why) => {
                failure(app, &row.channel, kind);
                eprintln!("charla: a message to {} was not sent: {why}", row.to);
                log_store(app.store(|s| s.failed(row.id, None, &why)));
            }
        }
    }
    flush(&mut accepted);
}

/// Seconds before try number `attempts + 1`: 1, 2, 4, 8... capped at `max`.
pub fn backoff(attempts: u32, max: i64) -> i64 {
    let exp = attempts.saturating_sub(1).min(30);
    (1i64 << exp).min(max.max(1))
}

fn send(app: &App, agent: &ureq::Agent, row: &OutboxRow, payload: &Payload) -> Sent {
    if let Some(until) = payload.until {
        if now() >= until {
            app.metrics.outside_window.inc();
            return Sent::GiveUp(
                "outside_window",
                "more than 24 hours since the contact's last message: only a template may go"
                    .to_string(),
            );
        }
    }
    if payload.template {
        // The contact may have opted out since the template was queued (`notify` while the
        // API was down, then STOP): the opt-out wins.
        match app.store(|s| s.load(&row.contact)) {
            Ok(Some(state)) if state.opted_out => {
                return Sent::GiveUp(
                    "opted_out",
                    "the contact opted out after the template was queued".to_string(),
                )
            }
            Ok(_) => {}
            Err(e) => return Sent::Retry(e.to_string()),
        }
    }
    match row.channel.as_str() {
        outbox::META => send_meta(app, agent, payload),
        outbox::TWILIO => send_twilio(app, agent, payload),
        outbox::AGENT => send_agent(agent, &row.to, payload),
        other => Sent::GiveUp("other", format!("unknown channel `{other}`")),
    }
}

fn send_meta(app: &App, agent: &ureq::Agent, payload: &Payload) -> Sent {
    let Some(settings) = &app.settings.meta else {
        return Sent::Retry("the Meta channel is not configured".to_string());
    };
    let url = meta::send_url(&settings.api_base, &settings.phone_number_id);
    let response = agent
        .post(&url)
        .header(
            "Authorization",
            &format!("Bearer {}", settings.access_token),
        )
        .header("Content-Type", "application/json")
        .send(payload.body.to_string().as_str());
    let (status, body) = match read(response) {
        Ok(answer) => answer,
        Err(why) => return Sent::Retry(why),
    };
    if (200..300).contains(&status) {
        return Sent::Accepted(meta::send_response_id(&body));
    }
    let summary = meta::send_error_summary(status, &body);
    match meta::classify_send_error(status, &body) {
        SendErrorKind::Retry => Sent::Retry(summary),
        SendErrorKind::OutsideWindow => Sent::GiveUp("outside_window", summary),
        SendErrorKind::TemplateParams => Sent::GiveUp("template_params", summary),
        // A bad token is fixed by a person; keep the reply until then.
        SendErrorKind::BadToken => Sent::Retry(summary),
        SendErrorKind::Other => Sent::GiveUp("other", summary),
    }
}

fn send_twilio(app: &App, agent: &ureq::Agent, payload: &Payload) -> Sent {
    let Some(settings) = &app.settings.twilio else {
        return Sent::Retry("the Twilio channel is not configured".to_string());
    };
    let (Some(sid), Some(from)) = (&settings.account_sid, &settings.from) else {
        return Sent::GiveUp(
            "other",
            "a Twilio message outside a webhook's reply needs TWILIO_ACCOUNT_SID and TWILIO_FROM"
                .to_string(),
        );
    };
    let field = |name: &str| {
        payload
            .body
            .get(name)
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let url = format!(
        "{}/2010-04-01/Accounts/{sid}/Messages.json",
        settings.api_base.trim_end_matches('/')
    );
    let mut form = vec![("From", from.clone()), ("To", field("To"))];
    // A template Twilio knows as an approved Content API template goes as that (the only kind
    // Twilio sends outside the 24-hour window); anything else goes as its text.
    let content = payload.content.as_ref().and_then(|content| {
        let sid = settings.content_sids.get(&content.template)?;
        Some((sid, content))
    });
    match content {
        Some((sid, content)) => {
            form.push(("ContentSid", sid.clone()));
            if content.variables != "{}" {
                form.push(("ContentVariables", content.variables.clone()));
            }
        }
        None => form.push(("Body", field("Body"))),
    }
    let credentials = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("{sid}:{}", settings.auth_token),
    );
    let response = agent
        .post(&url)
        .header("Authorization", &format!("Basic {credentials}"))
        .send_form(form.iter().map(|(k, v)| (*k, v.as_str())));
    match read(response) {
        Err(why) => Sent::Retry(why),
        Ok((status, body)) if (200..300).contains(&status) => Sent::Accepted(
            serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("sid")?.as_str().map(str::to_string)),
        ),
        Ok((status, body)) if status == 429 || status >= 500 => {
            Sent::Retry(format!("HTTP {status}: {}", snippet(&body)))
        }
        Ok((status, body)) => Sent::GiveUp("other", format!("HTTP {status}: {}", snippet(&body))),
    }
}

fn send_agent(agent: &ureq::Agent, url: &str, payload: &Payload) -> Sent {
    let response = agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(payload.body.to_string().as_str());
    match read(response) {
        Err(why) => Sent::Retry(why),
        Ok((status, _)) if (200..300).contains(&status) => Sent::Accepted(None),
        Ok((status, body)) if status == 429 || status >= 500 => {
            Sent::Retry(format!("HTTP {status}: {}", snippet(&body)))
        }
        Ok((status, body)) => Sent::GiveUp("other", format!("HTTP {status}: {}", snippet(&body))),
    }
}

fn read(
    response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<(u16, String), String> {
    let mut response = response.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    match response.body_mut().read_to_string() {
        Ok(body) => Ok((status, body)),
        // Accepted is accepted: sending again because the answer's body was cut would send
        // the message twice.
        Err(_) if (200..300).contains(&status) => Ok((status, String::new())),
        Err(e) => Err(format!(
            "HTTP {status}, and the answer could not be read: {e}"
        )),
    }
}

fn snippet(body: &str) -> String {
    body.chars().take(200).collect()
}

fn failure(app: &App, channel: &str, kind: &str) {
    app.metrics
        .send_failures
        .get_or_create(&FailureLabel {
            channel: channel.to_string(),
            kind: kind.to_string(),
        })
        .inc();
}

fn log_store(result: Result<(), crate::store::StoreError>) {
    if let Err(e) = result {
        eprintln!("charla: {e}");
    }
}

pub fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        assert_eq!(
            (1..=6).map(|a| backoff(a, 300)).collect::<Vec<_>>(),
            [1, 2, 4, 8, 16, 32]
        );
        assert_eq!(backoff(20, 300), 300);
        assert_eq!(backoff(u32::MAX, 300), 300);
        assert_eq!(backoff(5, 1), 1);
    }
}
