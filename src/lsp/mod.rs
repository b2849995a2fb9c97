//! `charla lsp`: a Language Server over stdio (docs/lsp.md).
//!
//! ```text
//! editor ─stdin─▶ lsp-server reader thread ─▶ main loop (this file)
//!   notifications: didOpen / didChange / didClose / didChangeWatchedFiles ─▶ documents.rs
//!                  ─▶ a Job per bot ─▶ diagnostics thread: Analysis (crate::compile) ─▶ publish
//!   requests: definition, references, hover, completion, formatting, documentSymbol,
//!   prepareRename, rename, codeAction (quick fixes)
//!             ─▶ the bot's current Analysis (from the cache, or compiled on the spot)
//! ```
//! Diagnostics are computed on their own thread so that typing is never blocked by a large
//! bot: while it compiles, newer edits pile up and only the latest is compiled next (an edit
//! that was overtaken is never published). Requests need positions that match the text, so
//! they use an analysis of the current text (`Server::analysis`).
//!
//! The server is the edge of the compiler: it reads the bot's sibling files from disk (open
//! files come from the editor) and talks JSON-RPC; everything it shows comes from the
//! compiler's own parser, checks, formatter and policy.

mod actions;
mod analysis;
mod completion;
mod definition;
mod diagnostics;
mod documents;
mod formatting;
mod hover;
mod index;
mod position;
mod rename;
mod symbols;
mod uri;

pub use analysis::Analysis;
pub use diagnostics::publish;
pub use documents::{BotKey, Snapshot};
pub use position::{Encoding, LineIndex};

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    Notification as _,
};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    PrepareRenameRequest, References, Rename, Request as _,
};
use lsp_types::{PublishDiagnosticsParams, Uri};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// How long a request waits for the diagnostics thread's analysis before compiling the bot
/// itself (a 10,000-menu bot takes about half a second).
const WAIT_FOR_ANALYSIS: Duration = Duration::from_secs(5);

/// Why the server stopped with an error (exit code 1).
#[derive(Debug)]
pub struct Stopped(pub String);

/// Runs the server on stdin and stdout until the client says `exit`.
pub fn run() -> Result<(), Stopped> {
    let (connection, io_threads) = Connection::stdio();
    serve(&connection)?;
    drop(connection);
    io_threads
        .join()
        .map_err(|e| Stopped(format!("stdio: {e}")))
}

/// The whole session on a connection: initialize, the main loop, shutdown and exit.
pub fn serve(connection: &Connection) -> Result<(), Stopped> {
    let protocol = |e: lsp_server::ProtocolError| Stopped(e.to_string());
    let (id, params) = connection.initialize_start().map_err(protocol)?;
    let client = ClientCapabilities::read(&params);
    let server = Server::new(client.encoding);
    let result = json!({
        "capabilities": server.capabilities(&client),
        "serverInfo": { "name": "charla", "version": env!("CARGO_PKG_VERSION") },
    });
    connection.initialize_finish(id, result).map_err(protocol)?;
    if client.watches_files {
        watch_charla_files(&connection.sender);
    }
    main_loop(connection, server)
}

/// What the server needs to know of the client. Read from the raw JSON rather than
/// `lsp_types::InitializeParams`, so that a client's unusual capability elsewhere cannot stop
/// the session.
struct ClientCapabilities {
    encoding: Encoding,
    watches_files: bool,
    /// `textDocument.rename.prepareSupport`: the client asks before renaming.
    prepare_rename: bool,
    /// `textDocument.codeAction.codeActionLiteralSupport`: the client takes `CodeAction`s (not
    /// only commands), and so the kinds the server offers.
    code_action_literals: bool,
}

impl ClientCapabilities {
    fn read(params: &Value) -> ClientCapabilities {
        let capabilities = &params["capabilities"];
        let offered: Option<Vec<lsp_types::PositionEncodingKind>> =
            serde_json::from_value(capabilities["general"]["positionEncodings"].clone()).ok();
        ClientCapabilities {
            encoding: Encoding::negotiate(offered.as_deref()),
            watches_files: capabilities["workspace"]["didChangeWatchedFiles"]
                ["dynamicRegistration"]
                .as_bool()
                .unwrap_or(false),
            prepare_rename: capabilities["textDocument"]["rename"]["prepareSupport"]
                .as_bool()
                .unwrap_or(false),
            code_action_literals: capabilities["textDocument"]["codeAction"]
                ["codeActionLiteralSupport"]
                .is_object(),
        }
    }
}

/// Asks the client to tell us when `.charla` files change on disk: a bot's closed files are
/// read from disk, so an edit elsewhere (git checkout, another editor) must re-check the bot.
fn watch_charla_files(sender: &Sender<Message>) {
    let request = Request::new(
        RequestId::from("charla/watch".to_string()),
        "client/registerCapability".to_string(),
        json!({ "registrations": [{
            "id": "charla-files",
            "method": DidChangeWatchedFiles::METHOD,
            "registerOptions": { "watchers": [{ "globPattern": "**/*.charla" }] },
        }]}),
    );
    let _ = sender.send(request.into());
}

fn main_loop(connection: &Connection, mut server: Server) -> Result<(), Stopped> {
    let (jobs, queue) = crossbeam_channel::unbounded::<Job>();
    let worker = {
        let out = connection.sender.clone();
        let cache = server.cache.clone();
        let encoding = server.encoding;
        std::thread::Builder::new()
            .name("charla-diagnostics".to_string())
            .spawn(move || diagnostics_thread(&queue, &out, encoding, &cache))
            .map_err(|e| Stopped(format!("cannot start the diagnostics thread: {e}")))?
    };
    server.background = true;
    let mut outcome = Err(Stopped(
        "the client left without `shutdown` and `exit`".into(),
    ));
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                match connection.handle_shutdown(&request) {
                    Ok(true) => {
                        outcome = Ok(());
                        break;
                    }
                    Ok(false) => {}
                    Err(e) => {
                        outcome = Err(Stopped(e.to_string()));
                        break;
                    }
                }
                let response = server.request(request);
                if connection.sender.send(response.into()).is_err() {
                    break;
                }
            }
            Message::Notification(notification) => {
                if notification.method == lsp_types::notification::Exit::METHOD {
                    outcome = Err(Stopped("`exit` before `shutdown`".into()));
                    break;
                }
                for job in server.notify(notification) {
                    let _ = jobs.send(job);
                }
            }
            // The answer to our `client/registerCapability`: nothing to do either way.
            Message::Response(_) => {}
        }
    }
    drop(jobs);
    let _ = worker.join();
    outcome
}

/// Work for the diagnostics thread.
#[derive(Debug)]
pub enum Job {
    /// Compile this state of the bot and publish its diagnostics.
    Analyse(Snapshot),
    /// No file of the bot is open any more: clear what was published for it.
    Forget(BotKey),
}

impl Job {
    fn key(&self) -> &BotKey {
        match self {
            Job::Analyse(s) => &s.key,
            Job::Forget(k) => k,
        }
    }
}

/// Takes jobs as they come, keeping only the latest for each bot, so that a bot that takes
/// longer to compile than the typist takes to type is compiled for the newest text only.
fn diagnostics_thread(
    queue: &Receiver<Job>,
    out: &Sender<Message>,
    encoding: Encoding,
    cache: &Cache,
) {
    let mut published: HashMap<BotKey, HashSet<String>> = HashMap::new();
    let mut pending: Vec<Job> = Vec::new();
    let take = |pending: &mut Vec<Job>, job: Job| {
        pending.retain(|j| j.key() != job.key());
        pending.push(job);
    };
    while let Ok(job) = queue.recv() {
        take(&mut pending, job);
        while !pending.is_empty() {
            while let Ok(job) = queue.try_recv() {
                take(&mut pending, job);
            }
            let job = pending.remove(0);
            let notifications = match job {
                Job::Forget(key) => published
                    .remove(&key)
                    .into_iter()
                    .flatten()
                    .filter_map(|uri| uri.parse::<Uri>().ok())
                    .map(|uri| PublishDiagnosticsParams::new(uri, Vec::new(), None))
                    .collect(),
                Job::Analyse(snapshot) => {
                    let Some(analysis) = guarded(|| Analysis::new(&snapshot)) else {
                        continue;
                    };
                    let analysis = Arc::new(analysis);
                    cache.put(&analysis);
                    // Overtaken while compiling: publish the newer text's diagnostics instead.
                    while let Ok(job) = queue.try_recv() {
                        take(&mut pending, job);
                    }
                    if pending.iter().any(|j| *j.key() == snapshot.key) {
                        continue;
                    }
                    let previous = published.remove(&snapshot.key).unwrap_or_default();
                    let (notifications, now) = diagnostics::publish(&analysis, encoding, &previous);
                    published.insert(snapshot.key.clone(), now);
                    notifications
                }
            };
            for params in notifications {
                let notification = Notification::new(
                    lsp_types::notification::PublishDiagnostics::METHOD.to_string(),
                    params,
                );
                if out.send(notification.into()).is_err() {
                    return;
                }
            }
        }
    }
}

/// Runs `f`, turning a panic into `None` (after the panic message went to standard error):
/// a bug in one check must not take the editor's server down with it.
fn guarded<T>(f: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).ok()
}

/// The latest analysis of each bot, shared by the main loop and the diagnostics thread.
#[derive(Clone)]
pub struct Cache(Arc<Shared>);

struct Shared {
    analyses: Mutex<HashMap<BotKey, Arc<Analysis>>>,
    /// Signalled when an analysis is put in.
    arrived: Condvar,
    /// Analyses replaced by newer ones go to a thread of their own to be freed: freeing the
    /// tree and model of a 10,000-menu bot takes about 40 ms, which no one should wait for.
    freer: Option<Mutex<Sender<Arc<Analysis>>>>,
}

impl Default for Cache {
    fn default() -> Cache {
        let (sender, freed) = crossbeam_channel::unbounded::<Arc<Analysis>>();
        let freer = std::thread::Builder::new()
            .name("charla-free".to_string())
            .spawn(move || freed.iter().for_each(drop))
            .ok()
            .map(|_| Mutex::new(sender));
        Cache(Arc::new(Shared {
            analyses: Mutex::new(HashMap::new()),
            arrived: Condvar::new(),
            freer,
        }))
    }
}

impl Cache {
    fn lock(&self) -> MutexGuard<'_, HashMap<BotKey, Arc<Analysis>>> {
        // A panic while holding the lock leaves a map that is still whole: go on with it.
        self.0
            .analyses
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keeps an analysis unless a newer one of the same bot is there.
    fn put(&self, analysis: &Arc<Analysis>) {
        let old = {
            let mut map = self.lock();
            let newer = map
                .get(&analysis.key)
                .is_some_and(|a| a.generation > analysis.generation);
            if newer {
                None
            } else {
                map.insert(analysis.key.clone(), analysis.clone())
            }
        };
        self.0.arrived.notify_all();
        self.free_later(old);
    }

    fn free_later(&self, old: Option<Arc<Analysis>>) {
        let Some(old) = old else {
            return;
        };
        if let Some(freer) = &self.0.freer {
            let sender = freer.lock().unwrap_or_else(|p| p.into_inner());
            // If the thread is gone, the analysis comes back in the error and is freed here.
            let _ = sender.send(old);
        }
    }

    fn get(&self, key: &BotKey) -> Option<Arc<Analysis>> {
        self.lock().get(key).cloned()
    }

    /// Waits (at most `limit`) for the analysis of this generation of the bot, or a newer one.
    fn wait_for(&self, key: &BotKey, generation: u64, limit: Duration) -> Option<Arc<Analysis>> {
        let deadline = Instant::now() + limit;
        let mut map = self.lock();
        loop {
            if let Some(analysis) = map.get(key).filter(|a| a.generation >= generation) {
                return Some(analysis.clone());
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            map = self
                .0
                .arrived
                .wait_timeout(map, left)
                .map(|(map, _)| map)
                .unwrap_or_else(|p| p.into_inner().0);
        }
    }

    fn forget(&self, key: &BotKey) {
        let old = self.lock().remove(key);
        self.free_later(old);
    }
}

/// The server's state: open documents, the generation of each bot, the analyses.
pub struct Server {
    documents: documents::Documents,
    encoding: Encoding,
    generations: HashMap<BotKey, u64>,
    cache: Cache,
    /// A diagnostics thread analyses every change: requests wait for its analysis rather
    /// than compile the same text beside it on the other core.
    background: bool,
}

impl Server {
    pub fn new(encoding: Encoding) -> Server {
        Server {
            documents: documents::Documents::default(),
            encoding,
            generations: HashMap::new(),
            cache: Cache::default(),
            background: false,
        }
    }

    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// What the server offers this client. Rename's `prepareProvider` and code action kinds
    /// are announced only to clients that said they take them (LSP 3.17).
    fn capabilities(&self, client: &ClientCapabilities) -> Value {
        let rename = if client.prepare_rename {
            json!({ "prepareProvider": true })
        } else {
            json!(true)
        };
        let code_actions = if client.code_action_literals {
            json!({ "codeActionKinds": ["quickfix"] })
        } else {
            json!(true)
        };
        json!({
            "positionEncoding": self.encoding.kind(),
            "textDocumentSync": { "openClose": true, "change": 2 },
            "definitionProvider": true,
            "referencesProvider": true,
            "hoverProvider": true,
            "completionProvider": {},
            "documentFormattingProvider": true,
            "documentSymbolProvider": true,
            "renameProvider": rename,
            "codeActionProvider": code_actions,
        })
    }

    /// Handles a notification; returns the work it makes for the diagnostics thread.
    pub fn notify(&mut self, notification: Notification) -> Vec<Job> {
        let method = notification.method.clone();
        match method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(params) =
                    notification.extract::<lsp_types::DidOpenTextDocumentParams>(&method)
                else {
                    return Vec::new();
                };
                let document = params.text_document;
                let key = BotKey::of(&document.uri);
                self.documents
                    .open(document.uri, document.text, document.version);
                vec![self.touch(&key)]
            }
            DidChangeTextDocument::METHOD => {
                let Ok(params) =
                    notification.extract::<lsp_types::DidChangeTextDocumentParams>(&method)
                else {
                    return Vec::new();
                };
                let uri = params.text_document.uri;
                let changed = self.documents.change(
                    &uri,
                    params.text_document.version,
                    params.content_changes,
                    self.encoding,
                );
                if !changed {
                    return Vec::new();
                }
                vec![self.touch(&BotKey::of(&uri))]
            }
            DidCloseTextDocument::METHOD => {
                let Ok(params) =
                    notification.extract::<lsp_types::DidCloseTextDocumentParams>(&method)
                else {
                    return Vec::new();
                };
                let key = BotKey::of(&params.text_document.uri);
                self.documents.close(&params.text_document.uri);
                if self.documents.bots().contains(&key) {
                    vec![self.touch(&key)]
                } else {
                    // The generation is kept: were the bot opened again, an analysis still
                    // in the diagnostics thread's hands must not pass for a current one.
                    self.cache.forget(&key);
                    vec![Job::Forget(key)]
                }
            }
            DidChangeWatchedFiles::METHOD => {
                let Ok(params) =
                    notification.extract::<lsp_types::DidChangeWatchedFilesParams>(&method)
                else {
                    return Vec::new();
                };
                let open = self.documents.bots();
                let mut keys: Vec<BotKey> = params
                    .changes
                    .iter()
                    .map(|change| BotKey::of(&change.uri))
                    .filter(|key| open.contains(key))
                    .collect();
                keys.dedup();
                keys.iter().map(|key| self.touch(key)).collect()
            }
            // `initialized`, `didSave` (the text is already here), `$/cancelRequest` (answers
            // come quickly), `$/setTrace` and anything unknown: nothing to do.
            _ => Vec::new(),
        }
    }

    /// The bot changed: a new generation, and a job to analyse it.
    fn touch(&mut self, key: &BotKey) -> Job {
        let generation = self.generations.entry(key.clone()).or_insert(0);
        *generation += 1;
        Job::Analyse(self.documents.snapshot(key, *generation))
    }

    /// An analysis of the bot's current text: the cached one if it is current, else the
    /// diagnostics thread's when it comes, else compiled now.
    pub fn analysis(&self, key: &BotKey) -> Arc<Analysis> {
        let generation = self.generations.get(key).copied().unwrap_or(0);
        if let Some(analysis) = self.cache.get(key).filter(|a| a.generation == generation) {
            return analysis;
        }
        // The diagnostics thread has this generation's job (every change sends one, and none
        // newer can come while this request is answered); a limit in case it failed.
        if self.background && generation > 0 {
            if let Some(analysis) = self.cache.wait_for(key, generation, WAIT_FOR_ANALYSIS) {
                return analysis;
            }
        }
        let analysis = Arc::new(Analysis::new(&self.documents.snapshot(key, generation)));
        self.cache.put(&analysis);
        analysis
    }

    /// Answers a request (never `shutdown`, which the main loop handles).
    pub fn request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        match guarded(|| self.dispatch(request)) {
            Some(response) => response,
            None => Response::new_err(
                id,
                ErrorCode::InternalError as i32,
                "internal error in charla (see the server's log); please report it".to_string(),
            ),
        }
    }

    fn dispatch(&mut self, request: Request) -> Response {
        let Request { id, method, params } = request;
        let encoding = self.encoding;
        macro_rules! params {
            ($ty:ty) => {
                match serde_json::from_value::<$ty>(params) {
                    Ok(p) => p,
                    Err(e) => {
                        return Response::new_err(
                            id,
                            ErrorCode::InvalidParams as i32,
                            format!("invalid parameters for `{method}`: {e}"),
                        )
                    }
                }
            };
        }
        match method.as_str() {
            GotoDefinition::METHOD => {
                let p = params!(lsp_types::GotoDefinitionParams);
                let at = p.text_document_position_params;
                let analysis = self.analysis(&BotKey::of(&at.text_document.uri));
                let found =
                    definition::definition(&analysis, &at.text_document.uri, at.position, encoding);
                Response::new_ok(id, found)
            }
            References::METHOD => {
                let p = params!(lsp_types::ReferenceParams);
                let at = p.text_document_position;
                let analysis = self.analysis(&BotKey::of(&at.text_document.uri));
                let found = definition::references(
                    &analysis,
                    &at.text_document.uri,
                    at.position,
                    p.context.include_declaration,
                    encoding,
                );
                Response::new_ok(id, found)
            }
            HoverRequest::METHOD => {
                let p = params!(lsp_types::HoverParams);
                let at = p.text_document_position_params;
                let analysis = self.analysis(&BotKey::of(&at.text_document.uri));
                let found = hover::hover(&analysis, &at.text_document.uri, at.position, encoding);
                Response::new_ok(id, found)
            }
            Completion::METHOD => {
                let p = params!(lsp_types::CompletionParams);
                let at = p.text_document_position;
                let uri = at.text_document.uri;
                let Some(document) = self.documents.get(&uri) else {
                    return Response::new_ok(id, Vec::<lsp_types::CompletionItem>::new());
                };
                let text = document.text.clone();
                let offset = LineIndex::new(&text).offset(&text, at.position, encoding);
                // Names change rarely: the last analysis, however old, saves compiling a large
                // bot on every keystroke.
                let key = BotKey::of(&uri);
                let analysis = self.cache.get(&key).unwrap_or_else(|| self.analysis(&key));
                let items =
                    completion::complete(&text, offset, Some(&analysis.index), &analysis.policy);
                Response::new_ok(id, items)
            }
            Formatting::METHOD => {
                let p = params!(lsp_types::DocumentFormattingParams);
                let uri = p.text_document.uri;
                let Some(document) = self.documents.get(&uri) else {
                    return Response::new_err(
                        id,
                        ErrorCode::RequestFailed as i32,
                        "not formatted: the document is not open".to_string(),
                    );
                };
                match formatting::format(&document.text, uri.as_str(), encoding) {
                    Ok(edits) => Response::new_ok(id, edits),
                    Err(error) => Response::new_err(
                        id,
                        ErrorCode::RequestFailed as i32,
                        formatting::refusal(&error),
                    ),
                }
            }
            PrepareRenameRequest::METHOD => {
                let p = params!(lsp_types::TextDocumentPositionParams);
                let analysis = self.analysis(&BotKey::of(&p.text_document.uri));
                let found = rename::prepare(&analysis, &p.text_document.uri, p.position, encoding);
                Response::new_ok(id, found)
            }
            Rename::METHOD => {
                let p = params!(lsp_types::RenameParams);
                let at = p.text_document_position;
                let analysis = self.analysis(&BotKey::of(&at.text_document.uri));
                let uri = &at.text_document.uri;
                match rename::rename(&analysis, uri, at.position, &p.new_name, encoding) {
                    Ok(edit) => Response::new_ok(id, edit),
                    Err(why) => Response::new_err(id, ErrorCode::RequestFailed as i32, why),
                }
            }
            CodeActionRequest::METHOD => {
                let p = params!(lsp_types::CodeActionParams);
                let uri = p.text_document.uri;
                let analysis = self.analysis(&BotKey::of(&uri));
                let found = actions::quick_fixes(&analysis, &uri, p.range, encoding);
                Response::new_ok(id, found)
            }
            DocumentSymbolRequest::METHOD => {
                let p = params!(lsp_types::DocumentSymbolParams);
                let uri = p.text_document.uri;
                let analysis = self.analysis(&BotKey::of(&uri));
                let found = symbols::document_symbols(&analysis, &uri, encoding);
                Response::new_ok(id, found)
            }
            _ => Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("charla lsp does not answer `{method}`"),
            ),
        }
    }
}

/// The diagnostics of a job as the diagnostics thread publishes them, for callers that do
/// the work themselves (tests and benchmarks): the same code path, on the caller's thread.
pub fn diagnose(
    snapshot: &Snapshot,
    encoding: Encoding,
    previous: &HashSet<String>,
) -> (Vec<PublishDiagnosticsParams>, HashSet<String>) {
    let analysis = Analysis::new(snapshot);
    diagnostics::publish(&analysis, encoding, previous)
}
