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

/// Follows a started process's standard error until it says it listens (`… on http://ADDR…`),
/// and keeps every line it prints: the base URL, and the log as it grows. A process that does
/// not listen within 20 s is killed and the test fails with what it printed.
pub fn listening(child: &mut Child, what: &str) -> (String, Arc<Mutex<Vec<String>>>) {
    let stderr = child.stderr.take().expect("standard error piped");
    let log = Arc::new(Mutex::new(Vec::new()));
    let (tx, rx) = std::sync::mpsc::channel();
    {
        let log = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split(" on http://").nth(1) {
                    let address = rest
                        .split(|c: char| c == '/' || c.is_whitespace())
                        .next()
                        .unwrap_or("");
                    let _ = tx.send(address.to_string());
                }
                log.lock().unwrap().push(line);
            }
        });
    }
    let Ok(address) = rx.recv_timeout(Duration::from_secs(20)) else {
        let _ = child.kill();
        panic!("{what} did not start: {:?}", log.lock().unwrap());
    };
    (format!("http://{address}"), log)
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
        let (base, log) = listening(&mut child, "the server");
        Server {
            child,
            base,
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

/// The time now as a Cloud API message's `timestamp` (Unix seconds as a string): the 24-hour
/// window runs from when a message was sent, so a test's messages are sent now.
pub fn sent_now() -> String {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
        .to_string()
}

/// A Cloud API webhook body with one text message.
pub fn meta_text(from: &str, id: &str, text: &str) -> String {
    meta_message(
        from,
        id,
        serde_json::json!({"type": "text", "text": {"body": text}}),
    )
}

/// A Cloud API message from a contact known by `phone` (their `wa_id`, or none when WhatsApp
/// hides it) and by `bsuid` (their business-scoped `user_id`, which Meta sends always).
pub fn meta_from(phone: Option<&str>, bsuid: &str, id: &str, content: serde_json::Value) -> String {
    let mut message = serde_json::json!({"from_user_id": bsuid, "id": id, "timestamp": sent_now()});
    let mut contact = serde_json::json!({"profile": {"name": "Ana"}, "user_id": bsuid});
    if let Some(phone) = phone {
        message["from"] = serde_json::json!(phone);
        contact["wa_id"] = serde_json::json!(phone);
    }
    webhook(contact, message, content)
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
    let message = serde_json::json!({"from": from, "id": id, "timestamp": sent_now()});
    let contact = serde_json::json!({"profile": {"name": "Ana"}, "wa_id": from});
    webhook(contact, message, content)
}

/// A Cloud API webhook body with one message (`message` with `content`'s fields added) from
/// `contact`.
fn webhook(
    contact: serde_json::Value,
    mut message: serde_json::Value,
    content: serde_json::Value,
) -> String {
    for (k, v) in content.as_object().unwrap() {
        message[k] = v.clone();
    }
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550000000", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [contact],
            "messages": [message],
        }}]}],
    })
    .to_string()
}

// --- Helpers for tests/server.rs and tests/server_twilio.rs: the database read from outside,
// --- `/metrics` values, Twilio's signature and a signed Twilio POST, polling.

/// The public URL `env_for` gives as `TWILIO_PUBLIC_URL`: what Twilio's signatures cover.
pub const TWILIO_URL: &str = "https://bot.example.com/webhooks/twilio";

/// Opens the server's SQLite file read-only (the server may be running).
pub fn open_db(db: &Path) -> rusqlite::Connection {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", db.display()));
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn
}

/// The single number `sql` (a `SELECT count(*) …`) gives on the server's database.
pub fn db_count(db: &Path, sql: &str) -> i64 {
    open_db(db)
        .query_row(sql, [], |row| row.get(0))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The first column of every row `sql` gives, as text (NULL as an empty string).
pub fn db_strings(db: &Path, sql: &str) -> Vec<String> {
    let conn = open_db(db);
    let mut statement = conn.prepare(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    let rows = statement
        .query_map([], |row| {
            Ok(match row.get_ref(0)? {
                rusqlite::types::ValueRef::Null => String::new(),
                rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                rusqlite::types::ValueRef::Real(x) => x.to_string(),
                rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                    String::from_utf8_lossy(t).into_owned()
                }
            })
        })
        .unwrap();
    rows.map(Result::unwrap).collect()
}

/// A contact's saved conversation state as JSON (`None` when the store has no row for `key`,
/// e.g. `meta:5511…` or `twilio:5511…`).
pub fn db_state(db: &Path, key: &str) -> Option<serde_json::Value> {
    open_db(db)
        .query_row(
            "SELECT state FROM states WHERE contact = ?1",
            [key],
            |row| row.get::<_, String>(0),
        )
        .ok()
        .map(|text| serde_json::from_str(&text).unwrap())
}

/// The value of one series of a Prometheus text exposition, e.g.
/// `charla_messages_in_total{channel="meta"}` (`None` when the series is absent).
pub fn metric(exposition: &str, series: &str) -> Option<f64> {
    exposition.lines().find_map(|line| {
        let value = line.strip_prefix(series)?.strip_prefix(' ')?;
        value.split_whitespace().next()?.parse().ok()
    })
}

/// Polls `done` every 20 ms until it holds (or fails the test after `limit`).
#[track_caller]
pub fn wait_until(limit: Duration, what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "waited {limit:?} for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `X-Twilio-Signature` for a POST of `params` to `url`, computed here independently of
/// charla's code: base64(HMAC-SHA1(token, url + every name and value, sorted by name)).
pub fn twilio_signature(token: &str, url: &str, params: &[(&str, &str)]) -> String {
    use base64::Engine as _;
    use hmac::{Hmac, Mac};
    let mut sorted = params.to_vec();
    sorted.sort();
    let mut signed = url.to_string();
    for (name, value) in sorted {
        signed.push_str(name);
        signed.push_str(value);
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(token.as_bytes()).unwrap();
    mac.update(signed.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// `params` as an `application/x-www-form-urlencoded` body, in the order given.
pub fn form_body(params: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish()
}

/// A Twilio webhook POST of `params`, signed with `TWILIO_TOKEN` over [`TWILIO_URL`].
pub fn post_twilio(server: &Server, params: &[(&str, &str)]) -> Answer {
    let signature = twilio_signature(TWILIO_TOKEN, TWILIO_URL, params);
    post(
        &server.url("/webhooks/twilio"),
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Twilio-Signature", &signature),
        ],
        form_body(params).as_bytes(),
    )
}

// ---------------------------------------------------------------------------------------------
// Helpers added for tests/server_durability.rs.

impl FakeApi {
    /// Stops failing, and says how many requests were recorded before that moment: every one
    /// of them was answered with the failure, every later one with 200. (The switch is made
    /// under the lock that records a request and reads the failure, so no request falls
    /// between.)
    pub fn recover_counting(&self) -> usize {
        let requests = self.requests.lock().unwrap();
        self.fail_with.store(0, Ordering::SeqCst);
        requests.len()
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers added for tests/server_calls.rs: a fake API that answers late.

impl FakeApi {
    /// Another base URL for this fake, whose answers come `delay` late: a relay on loopback
    /// that passes each request on at once (so the fake records it when it arrives, and
    /// [`FakeApi::wait_for`] sees a request whose answer is still held back) and holds the
    /// answer until `delay` after the connection was opened (a connection's later answers go
    /// at once). [`FakeApi::base`] stays as fast as ever. The relay lives as long as the test
    /// process.
    pub fn delayed_base(&self, delay: Duration) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let relay = listener.local_addr().unwrap();
        let upstream = self.address;
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                std::thread::spawn(move || relay_late(client, upstream, delay));
            }
        });
        format!("http://{relay}")
    }
}

/// One connection through [`FakeApi::delayed_base`]'s relay.
fn relay_late(client: std::net::TcpStream, upstream: std::net::SocketAddr, delay: Duration) {
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpStream};
    let opened = Instant::now();
    let Ok(server) = TcpStream::connect(upstream) else {
        return;
    };
    let (Ok(mut from_client), Ok(mut to_server)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    // Requests go through as they come.
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from_client, &mut to_server);
        let _ = to_server.shutdown(Shutdown::Write);
    });
    // Answers wait.
    let (mut from_server, mut to_client) = (server, client);
    let mut buffer = [0u8; 8192];
    let mut held = true;
    loop {
        let n = match from_server.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if held {
            std::thread::sleep(delay.saturating_sub(opened.elapsed()));
            held = false;
        }
        if to_client.write_all(&buffer[..n]).is_err() {
            break;
        }
    }
    let _ = to_client.shutdown(Shutdown::Write);
}
