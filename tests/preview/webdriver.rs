//! Just enough of W3C WebDriver, spoken over HTTP with ureq, to drive Debian's headless
//! Chromium through chromedriver: a session, navigation, finding elements by CSS, clicking,
//! typing, reading text, running a script, a screenshot. A client crate would add a second HTTP
//! stack and an async runtime to the tests for these few calls.

use base64::Engine as _;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The key under which WebDriver hands out an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process and one browser session in it; both end when dropped.
pub struct Driver {
    chromedriver: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
    _profile: super::support::temp::TempDir,
}

/// A program from `$VAR`, else the first of `names` found on the `PATH`.
fn program(var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(var) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

impl Driver {
    /// Starts chromedriver and a headless Chromium session, or says why it cannot (the browser
    /// is not installed): the caller decides whether that skips or fails the test.
    pub fn start() -> Result<Driver, String> {
        let chromium = program(
            "CHARLA_CHROMIUM",
            &["chromium", "chromium-browser", "google-chrome"],
        )
        .ok_or("chromium not found (apt-get install chromium, or set CHARLA_CHROMIUM)")?;
        let chromedriver = program("CHARLA_CHROMEDRIVER", &["chromedriver"]).ok_or(
            "chromedriver not found (apt-get install chromium-driver, or set CHARLA_CHROMEDRIVER)",
        )?;
        let port = free_port()?;
        let mut child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", chromedriver.display()))?;
        let base = format!("http://127.0.0.1:{port}");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let started = Instant::now();
        loop {
            let ready = agent
                .get(&format!("{base}/status"))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_to_string().ok())
                .and_then(|body| serde_json::from_str::<Value>(&body).ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ready {
                break;
            }
            if started.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{} did not get ready", chromedriver.display()));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = super::support::temp::TempDir::new("chromium-profile");
        // The flags rust.md gives for this machine: headless, as root, and no background
        // connections (the network is closed, and Chromium would keep trying).
        let args = [
            "--headless".to_string(),
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-quic".to_string(),
            "--no-first-run".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--disable-sync".to_string(),
            "--disable-dev-shm-usage".to_string(),
            "--window-size=1500,950".to_string(),
            format!("--user-data-dir={}", profile.path().display()),
        ];
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium.display().to_string(), "args": args},
        }}});
        let mut driver = Driver {
            chromedriver: child,
            base,
            session: String::new(),
            agent,
            _profile: profile,
        };
        let created = driver
            .command("POST", "/session", Some(capabilities))
            .map_err(|e| format!("chromium would not start a session: {e}"))?;
        driver.session = created["sessionId"]
            .as_str()
            .ok_or_else(|| format!("no session id in {created}"))?
            .to_string();
        Ok(driver)
    }

    /// One WebDriver command; its `value`, or the error WebDriver gave.
    fn command(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let answer = match method {
            "GET" => self.agent.get(&url).call(),
            "DELETE" => self.agent.delete(&url).call(),
            _ => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.unwrap_or_else(|| json!({})).to_string().as_str()),
        };
        let mut response = answer.map_err(|e| format!("{method} {path}: {e}"))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let value: Value =
            serde_json::from_str(&body).map_err(|e| format!("{method} {path}: {e}"))?;
        if status != 200 {
            return Err(format!("{method} {path}: {status} {}", value["value"]));
        }
        Ok(value.get("value").cloned().unwrap_or(value))
    }

    fn session_command(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let path = format!("/session/{}{path}", self.session);
        self.command(method, &path, body)
            .unwrap_or_else(|e| panic!("webdriver: {e}"))
    }

    pub fn goto(&self, url: &str) {
        self.session_command("POST", "/url", Some(json!({"url": url})));
    }

    /// The elements matching `selector`, in document order.
    pub fn find_all(&self, selector: &str) -> Vec<String> {
        let found = self.session_command(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": selector})),
        );
        found
            .as_array()
            .map(|elements| {
                elements
                    .iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Waits (up to 15 s) until at least `count` elements match `selector`; returns them.
    #[track_caller]
    pub fn wait_for(&self, selector: &str, count: usize) -> Vec<String> {
        let started = Instant::now();
        loop {
            let found = self.find_all(selector);
            if found.len() >= count {
                return found;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "waited 15 s for {count} of `{selector}`; found {}; the page shows:\n{}",
                found.len(),
                self.text_of("body")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Clicks the last element matching `selector`, once there are `count` of them. The page
    /// redraws when the server's state changes, so a reference that went stale is looked up
    /// again.
    #[track_caller]
    pub fn click_last(&self, selector: &str, count: usize) {
        let started = Instant::now();
        loop {
            let found = self.wait_for(selector, count);
            let Some(element) = found.last() else {
                continue;
            };
            let path = format!("/session/{}/element/{element}/click", self.session);
            match self.command("POST", &path, None) {
                Ok(_) => return,
                Err(e) if started.elapsed() < Duration::from_secs(15) => {
                    eprintln!("retrying a click on `{selector}`: {e}");
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("cannot click `{selector}`: {e}"),
            }
        }
    }

    /// Types `text` into the element matching `selector`.
    pub fn type_into(&self, selector: &str, text: &str) {
        let element = self.wait_for(selector, 1).remove(0);
        self.session_command(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({"text": text})),
        );
    }

    /// The rendered text of each element matching `selector`.
    pub fn texts(&self, selector: &str) -> Vec<String> {
        self.find_all(selector)
            .iter()
            .filter_map(|element| {
                let path = format!("/session/{}/element/{element}/text", self.session);
                // An element redrawn meanwhile has no text to give: skip it.
                self.command("GET", &path, None)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
            })
            .collect()
    }

    fn text_of(&self, selector: &str) -> String {
        self.texts(selector).join("\n")
    }

    /// Runs `script` in the page (`return ...;` gives a value).
    pub fn execute(&self, script: &str) -> Value {
        self.session_command(
            "POST",
            "/execute/sync",
            Some(json!({"script": script, "args": []})),
        )
    }

    /// A PNG of the window, written to `path`.
    pub fn screenshot(&self, path: &Path) {
        let encoded = self.session_command("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .expect("the screenshot is base64");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, png).unwrap();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.command("DELETE", &format!("/session/{}", self.session), None);
        }
        let _ = self.chromedriver.kill();
        let _ = self.chromedriver.wait();
    }
}

/// A port nobody listens on right now (the OS picks it; chromedriver takes it a moment later).
fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}
