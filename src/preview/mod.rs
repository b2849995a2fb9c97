//! `charla preview PATH`: a local web page that looks and behaves like a WhatsApp chat with the
//! bot, beside its flow picture and its variables, reloaded when a source file changes
//! (docs/preview.md).
//!
//! ```text
//! watch.rs (thread, every 300 ms) ─files changed─▶ Loader::load (cli/preview.rs: read, compile)
//!                                                    └─▶ Session::reload: picture, diagnostics,
//!                                                        a new conversation when it compiles
//! page ─POST /api/message─▶ Session::turn (engine) ─a call?─▶ Caller (mocks or calls.rs),
//!                                                 without the lock ─▶ Session::call_answered
//! page ─GET /api/events?since=V─▶ waits for the next change (long poll) ─▶ the whole state
//! ```
//! Served by axum on 127.0.0.1 only; the page's HTML, CSS and JS are compiled into the binary.
//! The same compiler, graph and engine as every other command: this module only keeps a
//! transcript of what they did and serves it.

pub mod session;
mod watch;

use crate::runtime::turn::Inbound;
use crate::source::SourceFile;
use crate::Compilation;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};
use session::{ContactSettings, PendingCall, Session};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::watch as channel;

/// Answers a bot's `call`s: `(method, url, body) -> the answer` (a mock file's lines, or the
/// real API through `calls.rs`). It blocks, so it runs outside the session's lock.
pub type Caller = Arc<dyn Fn(&str, &str, Option<&Value>) -> Inbound + Send + Sync>;

/// One load of the bot from disk.
pub struct Loaded {
    pub sources: Vec<SourceFile>,
    pub compilation: Compilation,
    /// How calls are answered for this model, or why they cannot be (a mock file that does not
    /// read); looked at only when the bot compiled.
    pub caller: Result<Caller, String>,
    /// The mock file's name, for a problem with it.
    pub mock_file: Option<String>,
}

/// What the preview needs from the command line, which owns reading files (so the same bot
/// finding and compile options as every other command apply).
pub trait Loader: Send + Sync + 'static {
    /// The files and folders whose change means the bot must be loaded again (the bot's
    /// folder too, so a new `.charla` file is noticed).
    fn files(&self) -> Vec<PathBuf>;
    /// Reads and compiles the bot; an `Err` is a bot that cannot be read at all.
    fn load(&self) -> Result<Loaded, String>;
}

/// How to serve.
pub struct Config {
    /// `None`: [`DEFAULT_PORT`], or a free port when that one is taken.
    pub port: Option<u16>,
    pub contact: ContactSettings,
    /// How calls are answered, in words for the page.
    pub calls: String,
}

/// The port when `--port` is not given: the same every time, so a browser tab left open finds
/// the preview again after a restart.
pub const DEFAULT_PORT: u16 = 7474;

/// How often the bot's files are looked at (a stat per file: cheap, and no watcher crate).
pub const POLL: Duration = Duration::from_millis(300);

/// How long `GET /api/events` holds a request when nothing changes; the page asks again.
const LONG_POLL: Duration = Duration::from_secs(25);

/// What the request handlers share: the session behind a lock (held only for engine turns and
/// snapshots, never across a `call` or an `await`), and a version bumped on every change.
pub struct Preview {
    session: Mutex<Session>,
    version: channel::Sender<u64>,
}

impl Preview {
    fn new(session: Session) -> Preview {
        Preview {
            session: Mutex::new(session),
            version: channel::Sender::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Session> {
        // A panic while holding the lock leaves a session that is still consistent enough to
        // show; refusing every later request would be worse.
        self.session.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `change` on the session and tells the waiting pages (the version is bumped under the
    /// lock, so a snapshot and its version always agree).
    fn change<R>(&self, change: impl FnOnce(&mut Session) -> R) -> R {
        let mut session = self.lock();
        let result = change(&mut session);
        self.version.send_modify(|v| *v += 1);
        result
    }

    fn snapshot(&self) -> Value {
        let session = self.lock();
        session.to_json(*self.version.borrow())
    }

    /// A message from the page through the engine, and the calls it makes, until the bot waits
    /// again. Blocking (calls go to the network): run on a blocking thread.
    fn converse(&self, inbound: Inbound) -> Result<(), String> {
        let mut pending = self.change(|s| {
            let clock = crate::clock::now(&s.timezone());
            s.turn(inbound, &clock)
        })?;
        while let Some(PendingCall {
            generation,
            method,
            url,
            body,
            caller,
        }) = pending
        {
            let answer = caller(&method, &url, body.as_ref());
            pending = self.change(|s| {
                let clock = crate::clock::now(&s.timezone());
                s.call_answered(generation, answer, &clock)
            })?;
        }
        Ok(())
    }
}

/// Loads the bot, starts watching its files and serves the page until the process is stopped.
/// Start-up problems (the address) are errors; a bot with errors is not: the page shows them.
pub fn serve(loader: Arc<dyn Loader>, config: Config) -> Result<(), String> {
    let first = watch::fingerprint(&loader.files());
    let mut session = Session::new(config.contact, config.calls);
    session.reload(loader.load(), true);
    let preview = Arc::new(Preview::new(session));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let listener = runtime.block_on(bind(config.port))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    {
        let preview = preview.clone();
        let loader = loader.clone();
        std::thread::spawn(move || watch::run(&preview, loader.as_ref(), first));
    }
    let state = preview.snapshot();
    let name = state["name"]
        .as_str()
        .filter(|n| !n.is_empty())
        .unwrap_or("the bot")
        .to_string();
    eprintln!(
        "charla preview: {name} on http://{address}/ (reloads when a file changes; Ctrl-C stops)"
    );
    if let Some(errors) = state["errors"].as_u64().filter(|n| *n > 0) {
        eprintln!("  the bot has {errors} error(s): the page lists them until they are fixed");
    }
    runtime
        .block_on(async { axum::serve(listener, router(preview)).await })
        .map_err(|e| format!("the preview stopped: {e}"))
}

/// Loopback only: the preview makes real calls with the author's network and shows the bot's
/// internals, so it is never offered to other machines.
async fn bind(port: Option<u16>) -> Result<tokio::net::TcpListener, String> {
    let at = |port| std::net::SocketAddr::from(([127, 0, 0, 1], port));
    match port {
        Some(port) => tokio::net::TcpListener::bind(at(port))
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", at(port))),
        None => match tokio::net::TcpListener::bind(at(DEFAULT_PORT)).await {
            Ok(listener) => Ok(listener),
            // Another preview (or anything) has the usual port: any free one will do.
            Err(_) => tokio::net::TcpListener::bind(at(0))
                .await
                .map_err(|e| format!("cannot listen on 127.0.0.1: {e}")),
        },
    }
}

pub fn router(preview: Arc<Preview>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/app.js", get(script))
        .route("/style.css", get(style))
        .route("/api/state", get(state))
        .route("/api/events", get(events))
        .route("/api/graph.svg", get(graph))
        .route("/api/message", post(message))
        .route("/api/release", post(release))
        .route("/api/reset", post(reset))
        .route("/api/template", post(template))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(axum::middleware::from_fn(same_machine))
        .with_state(preview)
}

/// Only pages of this machine's own preview may use it. Listening on loopback is not enough: a
/// web page the author opens elsewhere can send requests to 127.0.0.1, and a name that resolves
/// to it (DNS rebinding) can read the answers. So a `Host` other than the loopback names is
/// refused, and a POST must be JSON (a cross-site page cannot send that without a preflight,
/// which the preview never answers) and, when the browser names its origin, come from the
/// preview's own page.
async fn same_machine(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let headers = request.headers();
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host.as_str(),
    };
    if !matches!(name, "127.0.0.1" | "localhost" | "[::1]") {
        return error(
            StatusCode::FORBIDDEN,
            "the preview answers only to http://127.0.0.1 or http://localhost",
        );
    }
    if request.method() == axum::http::Method::POST {
        let json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !json {
            return error(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "expected Content-Type: application/json",
            );
        }
        let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
        if origin.is_some_and(|origin| origin != format!("http://{host}")) {
            return error(
                StatusCode::FORBIDDEN,
                "only the preview's own page may send to it",
            );
        }
    }
    next.run(request).await
}

const INDEX: &str = include_str!("assets/index.html");
const SCRIPT: &str = include_str!("assets/app.js");
const STYLE: &str = include_str!("assets/style.css");

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            // The assets are in the binary: a new charla serves new ones, so never keep old ones.
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

async fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX)
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

async fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, "no such page")
}

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, axum::Json(json!({"error": message.into()}))).into_response()
}

fn ok(value: Value) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(value)).into_response()
}

async fn state(State(preview): State<Arc<Preview>>) -> Response {
    ok(preview.snapshot())
}

#[derive(Deserialize)]
struct Since {
    since: Option<u64>,
}

/// The state once its version differs from `since` (at once if it already does), or after
/// [`LONG_POLL`] with nothing new.
async fn events(State(preview): State<Arc<Preview>>, Query(since): Query<Since>) -> Response {
    let mut versions = preview.version.subscribe();
    if let Some(since) = since.since {
        let waited = tokio::time::timeout(LONG_POLL, async {
            loop {
                if *versions.borrow_and_update() != since {
                    return;
                }
                if versions.changed().await.is_err() {
                    return;
                }
            }
        });
        let _ = waited.await;
    }
    ok(preview.snapshot())
}

async fn graph(State(preview): State<Arc<Preview>>) -> Response {
    let svg = preview.lock().svg();
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        svg.as_str().to_string(),
    )
        .into_response()
}

/// A tap on a reply button, a list row or a template's button: the id the page was given and
/// the title it showed.
#[derive(Deserialize)]
struct Tap {
    id: String,
    title: String,
}

/// `{"text": "..."}`, `{"reply": {"id", "title"}}` or `{"template_button": {"id", "title"}}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MessageBody {
    text: Option<String>,
    reply: Option<Tap>,
    template_button: Option<Tap>,
}

/// Reads a JSON body; for a body that is not JSON of that shape, what the 400 says.
fn parse<T: for<'de> Deserialize<'de>>(body: &Bytes, expected: &str) -> Result<T, String> {
    // An empty body is an empty object: `POST /api/reset` and `/api/release` need nothing.
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| format!("expected a JSON body {expected}: {e}"))
}

async fn message(State(preview): State<Arc<Preview>>, body: Bytes) -> Response {
    const SHAPE: &str =
        r#"{"text": "..."}, {"reply": {"id", "title"}} or {"template_button": {"id", "title"}}"#;
    let body: MessageBody = match parse(&body, SHAPE) {
        Ok(body) => body,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let inbound = match (body.text, body.reply, body.template_button) {
        (Some(text), None, None) if !text.trim().is_empty() => Inbound::Text(text),
        (Some(_), None, None) => {
            return error(StatusCode::BAD_REQUEST, "a message needs some text")
        }
        (None, Some(Tap { id, title }), None) => Inbound::Reply { id, title },
        (None, None, Some(Tap { id, title })) => Inbound::TemplateButton {
            payload: id,
            text: title,
        },
        _ => return error(StatusCode::BAD_REQUEST, format!("expected one of {SHAPE}")),
    };
    run(preview, inbound).await
}

async fn release(State(preview): State<Arc<Preview>>) -> Response {
    run(preview, Inbound::Released).await
}

/// Runs a conversation turn (and its calls) on a blocking thread; answers with the new state,
/// or 409 while the bot has errors.
async fn run(preview: Arc<Preview>, inbound: Inbound) -> Response {
    let worker = preview.clone();
    match tokio::task::spawn_blocking(move || worker.converse(inbound)).await {
        Ok(Ok(())) => ok(preview.snapshot()),
        Ok(Err(message)) => error(StatusCode::CONFLICT, message),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the conversation failed; POST /api/reset starts a new one",
        ),
    }
}

/// `{}` (a new conversation as the same contact) or `{"name", "phone", "audience"}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetBody {
    name: Option<String>,
    phone: Option<String>,
    /// Absent: unchanged; `null` or `""`: no audience.
    #[serde(default, deserialize_with = "present")]
    audience: Option<Option<String>>,
}

/// Tells a key given as `null` (`Some(None)`) from a key not given (`None`, by `default`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

async fn reset(State(preview): State<Arc<Preview>>, body: Bytes) -> Response {
    let body: ResetBody = match parse(&body, r#"{"name", "phone", "audience"} (all optional)"#) {
        Ok(body) => body,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let changed = body.name.is_some() || body.phone.is_some() || body.audience.is_some();
    let result = preview.change(|s| {
        let contact = changed.then(|| {
            let mut contact = s.contact().clone();
            if let Some(name) = body.name {
                contact.name = name;
            }
            if let Some(phone) = body.phone {
                contact.phone = phone;
            }
            if let Some(audience) = body.audience {
                contact.audience = audience.filter(|a| !a.is_empty());
            }
            contact
        });
        s.reset(contact)
    });
    match result {
        Ok(()) => ok(preview.snapshot()),
        Err(message) => error(StatusCode::BAD_REQUEST, message),
    }
}

/// `{"name": "class_reminder", "parameters": ["Yoga", "7h"]}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateBody {
    name: String,
    #[serde(default)]
    parameters: Vec<String>,
}

async fn template(State(preview): State<Arc<Preview>>, body: Bytes) -> Response {
    let body: TemplateBody = match parse(&body, r#"{"name": "...", "parameters": ["..."]}"#) {
        Ok(body) => body,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let result = preview.change(|s| {
        let clock = crate::clock::now(&s.timezone());
        s.send_template(&body.name, &body.parameters, &clock)
    });
    match result {
        Ok(()) => ok(preview.snapshot()),
        Err(message) => error(StatusCode::CONFLICT, message),
    }
}
