//! A real `charla serve` process on loopback, and a fake of the APIs it talks to (Meta's Graph
//! send API, Twilio's Messages API, the agents' webhook, a bot's own API): a real HTTP server on
//! loopback that records every request and fails on demand.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const APP_SECRET: &str = "test-app-secret";
pub const ACCESS_TOKEN: &str = "test-access-token";
pub const PHONE_NUMBER_ID: &str = "1122334455667";
pub const VERIFY_TOKEN: &str = "test-verify-token";
pub const ADMIN_TOKEN: &str = "test-admin-token";
pub const TWILIO_TOKEN: &str = "test-twilio-token";

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Recorded {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// The fake API: `base()` is its URL. Answers 200 with a Graph-like `{"messages":[{"id"}]}`
/// unless told to fail; every request is recorded, failed ones included.
pub struct FakeApi {
    pub address: std::net::SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    /// 0: answer 200; otherwise the status to answer with.
    fail_with: Arc<AtomicU16>,
    _runtime: tokio::runtime::Runtime,
}

impl FakeApi {
    pub fn start() -> FakeApi {
        use axum::extract::{Request, State};
        use axum::response::IntoResponse;
        type Shared = (Arc<Mutex<Vec<Recorded>>>, Arc<AtomicU16>);
        async fn record(
            State((requests, fail)): State<Shared>,
            request: Request,
        ) -> axum::response::Response {
            let method = request.method().to_string();
            let path = request
                .uri()
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default();
            let headers = request
                .headers()
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_lowercase(),
                        v.to_str().unwrap_or("").to_string(),
                    )
                })
                .collect();
            let body = axum::body::to_bytes(request.into_body(), usize::MAX)
                .await
                .unwrap_or_default();
            let mut requests = requests.lock().unwrap();
            requests.push(Recorded {
                method,
                path,
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
            let n = requests.len();
            match fail.load(Ordering::SeqCst) {
                0 => (
                    axum::http::StatusCode::OK,
                    [("content-type", "application/json")],
                    format!(r#"{{"messages":[{{"id":"wamid.sent{n}"}}],"sid":"SM{n}","ok":true}}"#),
                )
                    .into_response(),
                status => (
                    axum::http::StatusCode::from_u16(status).unwrap(),
                    [("content-type", "application/json")],
                    r#"{"error":{"message":"(#130429) Rate limit hit","type":"OAuthException","code":130429}}"#
                        .to_string(),
                )
                    .into_response(),
            }
        }
        let requests = Arc::new(Mutex::new(Vec::new()));
        let fail_with = Arc::new(AtomicU16::new(0));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let address = listener.local_addr().unwrap();
        let router = axum::Router::new()
            .fallback(record)
            .with_state((requests.clone(), fail_with.clone()));
        runtime.spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        FakeApi {
            address,
            requests,
            fail_with,
            _runtime: runtime,
        }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Answer every request with `status` (and a Graph throughput error) from now on.
    pub fn fail_with(&self, status: u16) {
        self.fail_with.store(status, Ordering::SeqCst);
    }

    pub fn recover(&self) {
        self.fail_with.store(0, Ordering::SeqCst);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// Requests whose path starts with `prefix`.
    pub fn requests_to(&self, prefix: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.starts_with(prefix))
            .collect()
    }

    /// Waits until `done` holds for the recorded requests (or fails the test after `limit`).
    #[track_caller]
    pub fn wait_for(
        &self,
        limit: Duration,
        what: &str,
        done: impl Fn(&[Recorded]) -> bool,
    ) -> Vec<Recorded> {
        let start = Instant::now();
        loop {
            let requests = self.requests();
            if done(&requests) {
                return requests;
            }
            assert!(
                start.elapsed() < limit,
                "waited {limit:?} for {what}; the fake API got: {requests:#?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The environment that turns both channels and the admin routes on, sending to `api`.
pub fn env_for(api: &FakeApi) -> Vec<(String, String)> {
    [
        ("WHATSAPP_APP_SECRET", APP_SECRET.to_string()),
        ("WHATSAPP_ACCESS_TOKEN", ACCESS_TOKEN.to_string()),
        ("WHATSAPP_PHONE_NUMBER_ID", PHONE_NUMBER_ID.to_string()),
        ("WHATSAPP_VERIFY_TOKEN", VERIFY_TOKEN.to_string()),
        ("WHATSAPP_API_BASE", format!("{}/v23.0", api.base())),
        ("TWILIO_AUTH_TOKEN", TWILIO_TOKEN.to_string()),
        (
            "TWILIO_PUBLIC_URL",
            "https://bot.example.com/webhooks/twilio".to_string(),
        ),
        ("TWILIO_ACCOUNT_SID", "ACtest".to_string()),
        ("TWILIO_FROM", "whatsapp:+14155238886".to_string()),
        ("TWILIO_API_BASE", format!("{}/twilio", api.base())),
        ("CHARLA_ADMIN_TOKEN", ADMIN_TOKEN.to_string()),
        ("CHARLA_AGENT_WEBHOOK", format!("{}/agents", api.base())),
        ("CHARLA_RETRY_MAX", "1".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// A running server: killed when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub db: PathBuf,
    /// What it printed on standard error, line by line, as it goes.
    pub log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `program args... --listen 127.0.0.1:0 --db DB` (`args` starting with `serve`)
    /// with `env` (and nothing of the test's own environment that charla reads), and waits
    /// until it listens.
    pub fn start(program: &Path, args: &[&str], db: &Path, env: &[(String, String)]) -> Server {
        let mut command = Command::new(program);
        command
            .args(args)
            .args(["--listen", "127.0.0.1:0", "--db"])
            .arg(db)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, _) in std::env::vars() {
            if key.starts_with("WHATSAPP_")
                || key.starts_with("TWILIO_")
                || key.starts_with("CHARLA_")
            {
                command.env_remove(key);
            }
        }
        for (key, value) in env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("the server starts");
        let stderr = child.stderr.take().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines() {
                    let Ok(line) = line else { break };
                    if let Some(rest) = line.split(" on http://").nth(1) {
                        let address = rest.split_whitespace().next().unwrap_or("").to_string();
                        let _ = tx.send(address);
                    }
                    log.lock().unwrap().push(line);
                }
            });
        }
        let address = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(address) => address,
            Err(_) => {
                let _ = child.kill();
                panic!("the server did not start: {:?}", log.lock().unwrap());
            }
        };
        Server {
            child,
            base: format!("http://{address}"),
            db: db.to_path_buf(),
            log,
        }
    }

    /// `charla serve PATH` from sources.
    pub fn from_sources(bot: &Path, db: &Path, env: &[(String, String)]) -> Server {
        let bot = bot.to_str().unwrap();
        Server::start(Path::new(super::run::BIN), &["serve", bot], db, env)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// SIGKILL: no shutdown step at all.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then the exit status (within `limit`).
    pub fn terminate(mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer: status, content type and body.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn answer(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut response = response.expect("the server answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body = response.body_mut().read_to_string().unwrap_or_default();
    Answer {
        status,
        content_type,
        body,
    }
}

/// POSTs `body` with these headers.
pub fn post(url: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut request = agent().post(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    answer(request.send(body))
}

pub fn get(url: &str) -> Answer {
    answer(agent().get(url).call())
}

/// `sha256=<hex>` of `body` under `secret`, computed here independently of charla's code.
pub fn meta_signature(secret: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// A signed Meta webhook POST.
pub fn post_meta(server: &Server, body: &str) -> Answer {
    let signature = meta_signature(APP_SECRET, body.as_bytes());
    post(
        &server.url("/webhooks/whatsapp"),
        &[
            ("Content-Type", "application/json"),
            ("X-Hub-Signature-256", &signature),
        ],
        body.as_bytes(),
    )
}

/// A Cloud API webhook body with one text message.
pub fn meta_text(from: &str, id: &str, text: &str) -> String {
    meta_message(
        from,
        id,
        serde_json::json!({"type": "text", "text": {"body": text}}),
    )
}

/// A Cloud API webhook body with one interactive reply (a button or a list row).
pub fn meta_reply(from: &str, id: &str, reply_id: &str, title: &str) -> String {
    meta_message(
        from,
        id,
        serde_json::json!({
            "type": "interactive",
            "interactive": {"type": "list_reply", "list_reply": {"id": reply_id, "title": title}},
        }),
    )
}

fn meta_message(from: &str, id: &str, content: serde_json::Value) -> String {
    let mut message = serde_json::json!({"from": from, "id": id, "timestamp": "1764100000"});
    for (k, v) in content.as_object().unwrap() {
        message[k] = v.clone();
    }
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550000000", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": "Ana"}, "wa_id": from}],
            "messages": [message],
        }}]}],
    })
    .to_string()
}
