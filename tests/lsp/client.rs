//! A small LSP client for tests and benchmarks: it starts the real `charla lsp`, frames
//! JSON-RPC messages with `Content-Length` headers, and waits (with a time limit) for answers
//! and notifications. Shared by `tests/lsp.rs` and `benches/lsp.rs`.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// Generous for a debug build on a busy 2-core machine.
pub const LIMIT: Duration = Duration::from_secs(30);

pub struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    incoming: Receiver<Value>,
    next_id: i64,
    /// Notifications that arrived while waiting for something else, oldest first.
    pub notifications: Vec<Value>,
}

impl Client {
    /// Starts `BIN lsp`.
    pub fn start(bin: &str) -> Client {
        let mut child = Command::new(bin)
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cannot start `charla lsp`");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, incoming) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(message) = read_message(&mut reader) {
                if sender.send(message).is_err() {
                    break;
                }
            }
        });
        Client {
            stdin: child.stdin.take(),
            child,
            incoming,
            next_id: 0,
            notifications: Vec::new(),
        }
    }

    /// Sends one message, framed.
    pub fn send(&mut self, message: &Value) {
        let body = serde_json::to_string(message).expect("JSON");
        let stdin = self.stdin.as_mut().expect("stdin is open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write to the server");
        stdin.flush().expect("flush");
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and waits for its response (the whole message: `result` or `error`).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        let deadline = Instant::now() + LIMIT;
        loop {
            let message = self.receive(deadline, method);
            if message.get("method").is_some() {
                self.keep(message);
            } else if message["id"] == json!(id) {
                return message;
            }
        }
    }

    /// `initialize` with these client capabilities, then `initialized`; returns the result.
    pub fn initialize(&mut self, capabilities: Value) -> Value {
        let response = self.request(
            "initialize",
            json!({ "processId": null, "rootUri": null, "capabilities": capabilities }),
        );
        self.notify("initialized", json!({}));
        response["result"].clone()
    }

    /// The first notification (kept or new) that satisfies `wanted`, removed from the kept ones.
    pub fn wait_for(&mut self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        self.wait_for_within(what, LIMIT, wanted)
            .unwrap_or_else(|| panic!("no {what} within {LIMIT:?}; got {:#?}", self.notifications))
    }

    pub fn wait_for_within(
        &mut self,
        what: &str,
        limit: Duration,
        wanted: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        if let Some(i) = self.notifications.iter().position(&wanted) {
            return Some(self.notifications.remove(i));
        }
        let deadline = Instant::now() + limit;
        loop {
            let message = match self
                .incoming
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(message) => message,
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the server stopped while waiting for {what}")
                }
            };
            if message.get("method").is_some() && wanted(&message) {
                return Some(message);
            }
            self.keep(message);
        }
    }

    /// The diagnostics published for `uri` (for its version `version`, when given).
    pub fn diagnostics(&mut self, uri: &str, version: Option<i64>) -> Vec<Value> {
        let message = self.wait_for(
            &format!("diagnostics of {uri} (version {version:?})"),
            |m| {
                m["method"] == "textDocument/publishDiagnostics"
                    && m["params"]["uri"] == uri
                    && version.is_none_or(|v| m["params"]["version"] == json!(v))
            },
        );
        message["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "charla", "version": 1, "text": text } }),
        );
    }

    /// `shutdown` then `exit`; returns how the server exited.
    pub fn shutdown(mut self) -> ExitStatus {
        let response = self.request("shutdown", Value::Null);
        assert!(
            response.get("error").is_none(),
            "shutdown failed: {response}"
        );
        self.notify("exit", Value::Null);
        self.stdin = None;
        self.wait()
    }

    /// Waits for the server to exit (killing it past the limit).
    pub fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + LIMIT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not exit within {LIMIT:?}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Closes the server's input without `shutdown`.
    pub fn close_input(&mut self) {
        self.stdin = None;
    }

    fn receive(&mut self, deadline: Instant, what: &str) -> Value {
        match self
            .incoming
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => panic!("no answer to `{what}` within {LIMIT:?}"),
            Err(RecvTimeoutError::Disconnected) => {
                panic!("the server stopped before answering `{what}`")
            }
        }
    }

    /// Keeps a notification for later; answers a request from the server (`null` is fine for
    /// `client/registerCapability`).
    fn keep(&mut self, message: Value) {
        if message.get("id").is_some() {
            let id = message["id"].clone();
            self.send(&json!({ "jsonrpc": "2.0", "id": id, "result": null }));
        } else {
            self.notifications.push(message);
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One framed message, or `None` at the end of the stream.
fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length:") {
            length = n.trim().parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

/// The `file:` URI of a path (percent-encoding what a path may hold besides unreserved
/// characters and `/`).
pub fn file_uri(path: &std::path::Path) -> String {
    let mut out = String::from("file://");
    for byte in path.to_str().expect("a UTF-8 path").bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
