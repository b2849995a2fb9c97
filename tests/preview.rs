//! `charla preview`: the real binary on loopback, driven through its JSON API over real HTTP
//! (messages, taps, templates and their refusal, handoff and release, reloads, diagnostics,
//! bad requests), and the page itself in headless Chromium through WebDriver.

#[allow(dead_code)] // each test crate uses only part of the helpers
mod support;
#[path = "preview/webdriver.rs"]
mod webdriver;

use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::run::BIN;
use support::server::{get, listening, post, Answer};
use support::temp::TempDir;

/// The demo contact of `examples/totalpass/chat.mock`.
const PHONE: &str = "+5511999990000";

/// A running `charla preview ... --port 0`: killed when dropped.
struct Preview {
    child: Child,
    base: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Preview {
    /// Starts `charla preview ARGS --port 0` from the crate root and waits for the address it
    /// prints.
    fn start(args: &[&str]) -> Preview {
        let mut child = Command::new(BIN)
            .arg("preview")
            .args(args)
            .args(["--port", "0"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("charla preview starts");
        let (base, log) = listening(&mut child, "charla preview");
        Preview { child, base, log }
    }

    /// TotalPass with its mock file, as the demo member's phone.
    fn totalpass() -> Preview {
        Preview::start(&[
            "examples/totalpass",
            "--mock",
            "examples/totalpass/chat.mock",
            "--phone",
            PHONE,
            "--contact-name",
            "Ana",
        ])
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn get(&self, path: &str) -> Answer {
        get(&self.url(path))
    }

    fn post(&self, path: &str, body: &str) -> Answer {
        post(
            &self.url(path),
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
    }

    /// POSTs `body` and returns the state it answers with (the status must be 200).
    #[track_caller]
    fn act(&self, path: &str, body: Value) -> Value {
        let answer = self.post(path, &body.to_string());
        assert_eq!(answer.status, 200, "{path} {body}: {answer:?}");
        serde_json::from_str(&answer.body).unwrap()
    }

    #[track_caller]
    fn say(&self, text: &str) -> Value {
        self.act("/api/message", json!({ "text": text }))
    }

    /// A tap on a reply button or list row, as the page sends it.
    #[track_caller]
    fn tap(&self, id: &str, title: &str) -> Value {
        self.act("/api/message", json!({"reply": {"id": id, "title": title}}))
    }

    #[track_caller]
    fn state(&self) -> Value {
        let answer = self.get("/api/state");
        assert_eq!(answer.status, 200, "{answer:?}");
        serde_json::from_str(&answer.body).unwrap()
    }

    /// Polls the state until `done` holds (reloads are noticed within a second; 20 s allows a
    /// slow machine).
    #[track_caller]
    fn wait_state(&self, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let started = Instant::now();
        loop {
            let state = self.state();
            if done(&state) {
                return state;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "waited 20 s for {what}; state: {state:#}\nlog: {:?}",
                self.log.lock().unwrap()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The texts of the bot's messages (the body above a menu's options), in order.
fn bot_texts(state: &Value) -> Vec<String> {
    entries(state, "bot")
        .iter()
        .map(|e| {
            let m = &e["message"];
            m["text"]
                .as_str()
                .or(m["body"].as_str())
                .unwrap()
                .to_string()
        })
        .collect()
}

fn entries<'s>(state: &'s Value, kind: &str) -> Vec<&'s Value> {
    state["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .collect()
}

fn events(state: &Value) -> Vec<String> {
    entries(state, "event")
        .iter()
        .map(|e| e["event"]["event"].as_str().unwrap().to_string())
        .collect()
}

fn last_bot(state: &Value) -> Value {
    entries(state, "bot").last().map(|e| (*e).clone()).unwrap()
}

/// A copy of the TotalPass bot (and its mock file) in a folder of the test's own.
fn totalpass_copy() -> TempDir {
    let dir = TempDir::new("totalpass");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/totalpass");
    for entry in std::fs::read_dir(source).unwrap() {
        let path = entry.unwrap().path();
        dir.write(
            path.file_name().unwrap().to_str().unwrap(),
            std::fs::read(&path).unwrap(),
        );
    }
    dir
}

#[test]
fn a_member_reaches_the_billing_answer_through_list_rows() {
    let preview = Preview::totalpass();
    let state = preview.state();
    assert_eq!(state["ready"], true, "{state:#}");
    assert_eq!(state["bot"]["name"], "TotalPass");
    assert_eq!(state["transcript"], json!([]));

    let state = preview.say("oi");
    let welcome = last_bot(&state);
    assert_eq!(welcome["message"]["type"], "list", "{welcome:#}");
    assert_eq!(welcome["message"]["button"], "Ver opções");
    let first = &welcome["message"]["options"][0];
    assert_eq!(first["id"], "welcome/sou usuario");
    assert_eq!(first["description"], "Tenho a TotalPass pela minha empresa");
    assert_eq!(
        state["conversation"]["current"],
        json!({"kind": "menu", "name": "welcome"})
    );

    let state = preview.tap("welcome/sou usuario", "Sou usuário");
    assert_eq!(state["conversation"]["audience"], "member");
    assert_eq!(
        bot_texts(&state).last().unwrap(),
        "Oi, Ana! O que você precisa hoje?"
    );

    let state = preview.tap("member_home/ciclo de cobranca", "Ciclo de cobrança");
    assert_eq!(
        bot_texts(&state).last().unwrap(),
        "Sua próxima cobrança é em 10/12, no valor de R$ 79,90."
    );
    // The call went to the mock, and the transcript says so in the order it happened.
    let calls: Vec<&Value> = entries(&state, "event")
        .into_iter()
        .filter(|e| e["event"]["event"] == "call")
        .collect();
    assert_eq!(
        calls[0]["event"]["url"],
        format!("https://api.totalpass.example/v1/members/{PHONE}/billing")
    );
    assert_eq!(entries(&state, "call_result")[0]["status"], 200);
    // The billing intent finished: the conversation waits at the member's menu, and the picture
    // marks the intent the answer came from.
    let conversation = &state["conversation"];
    assert_eq!(
        conversation["current"],
        json!({"kind": "menu", "name": "member_home"})
    );
    assert_eq!(conversation["last_intent"], "billing");
    // The user's bubbles are what they typed or tapped, with a time.
    let users: Vec<&Value> = entries(&state, "user");
    assert_eq!(users.len(), 3);
    assert_eq!(users[1]["text"], "Sou usuário");
    assert_eq!(users[1]["tapped"], true);
    let time = users[0]["time"].as_str().unwrap();
    assert!(
        time.len() == 5 && time.as_bytes()[2] == b':',
        "a time like 14:05: {time}"
    );
}

#[test]
fn typing_menu_goes_back_to_start_and_free_text_reaches_intents() {
    let preview = Preview::totalpass();
    preview.say("oi");
    preview.tap("welcome/sou usuario", "Sou usuário");
    let state = preview.say("quando sou cobrado?");
    assert!(events(&state).contains(&"intent".to_string()), "{state:#}");
    assert_eq!(state["conversation"]["last_intent"], "billing");

    let state = preview.say("menu");
    assert_eq!(
        state["conversation"]["current"],
        json!({"kind": "menu", "name": "member_home"})
    );
    assert_eq!(
        bot_texts(&state).last().unwrap(),
        "Oi, Ana! O que você precisa hoje?"
    );
}

#[test]
fn an_ask_shows_its_frame_variables() {
    let preview = Preview::totalpass();
    preview.say("oi");
    preview.tap("welcome/sou usuario", "Sou usuário");
    let state = preview.say("buscar academia");
    let conversation = &state["conversation"];
    assert_eq!(conversation["waiting"], "answer", "{conversation:#}");
    assert_eq!(conversation["frame"]["kind"], "intent");
    assert_eq!(conversation["frame"]["name"], "find_gym");
    assert_eq!(
        conversation["current"],
        json!({"kind": "intent", "name": "find_gym"})
    );
    let state = preview.say("01310-100");
    assert!(
        bot_texts(&state)
            .last()
            .unwrap()
            .contains("Encontrei 12 academias perto do CEP 01310100"),
        "{state:#}"
    );
}

#[test]
fn templates_are_refused_until_the_contact_opts_in() {
    let preview = Preview::totalpass();
    let reminder = json!({"name": "class_reminder", "parameters": ["Yoga", "7h"]});
    let state = preview.act("/api/template", reminder.clone());
    let refused = entries(&state, "refused");
    assert_eq!(refused.len(), 1, "{state:#}");
    assert_eq!(refused[0]["template"], "class_reminder");
    assert_eq!(
        refused[0]["reason"],
        "the contact has not opted in to messages from the business"
    );
    assert!(entries(&state, "bot").is_empty(), "nothing was sent");

    preview.say("oi");
    preview.tap("welcome/sou usuario", "Sou usuário");
    let state = preview.tap("member_home/receber lembretes", "Receber lembretes");
    assert_eq!(state["conversation"]["opted_in"], true, "{state:#}");

    let state = preview.act("/api/template", reminder);
    let sent = last_bot(&state);
    assert_eq!(sent["message"]["type"], "template", "{sent:#}");
    assert_eq!(
        sent["message"]["body"],
        "Olá! Sua aula de Yoga começa às 7h. Até já!"
    );
    assert_eq!(sent["header"], "Lembrete de aula");
    assert_eq!(sent["footer"], "TotalPass");
    let button = &sent["message"]["buttons"][0];
    assert_eq!(button["label"], "Cancelar aula");

    // The template's button leads where the template says: the cancelling intent.
    let state = preview.act(
        "/api/message",
        json!({"template_button": {"id": button["id"], "title": "Cancelar aula"}}),
    );
    assert_eq!(
        state["conversation"]["frame"]["name"], "cancel_class",
        "{state:#}"
    );

    // The wrong number of parameters is refused too, and said why.
    let state = preview.act(
        "/api/template",
        json!({"name": "class_reminder", "parameters": ["Yoga"]}),
    );
    assert_eq!(
        entries(&state, "refused").last().unwrap()["reason"],
        "the template takes 2 parameter(s), 1 given"
    );
}

#[test]
fn a_handoff_keeps_the_bot_silent_until_released() {
    let preview = Preview::totalpass();
    preview.say("oi");
    let state = preview.tap("welcome/falar com atendente", "Falar com atendente");
    assert_eq!(state["conversation"]["handoff"], true, "{state:#}");
    assert_eq!(
        state["conversation"]["current"],
        json!({"kind": "handoff", "name": "handoff"})
    );
    assert!(events(&state).contains(&"handoff".to_string()));
    let before = bot_texts(&state).len();

    let state = preview.say("alguém aí?");
    assert_eq!(bot_texts(&state).len(), before, "the bot stays silent");

    let state = preview.act("/api/release", json!({}));
    assert_eq!(state["conversation"]["handoff"], false);
    assert_eq!(
        entries(&state, "notice").last().unwrap()["text"],
        "an agent gave the conversation back to the bot"
    );
    let state = preview.say("oi");
    assert_eq!(
        state["conversation"]["current"],
        json!({"kind": "menu", "name": "welcome"})
    );
}

#[test]
fn reset_starts_over_as_another_contact() {
    let preview = Preview::totalpass();
    preview.say("oi");
    let state = preview.act(
        "/api/reset",
        json!({"name": "Bia", "phone": PHONE, "audience": "member"}),
    );
    assert_eq!(state["transcript"], json!([]));
    assert_eq!(state["conversation"]["audience"], "member");
    let state = preview.say("oi");
    assert_eq!(
        bot_texts(&state).last().unwrap(),
        "Oi, Bia! O que você precisa hoje?"
    );
    // A key left out keeps its value; `null` clears the audience.
    let state = preview.act("/api/reset", json!({"name": "Caio"}));
    assert_eq!(state["contact"]["audience"], "member");
    let state = preview.act("/api/reset", json!({"audience": null}));
    assert_eq!(state["contact"]["audience"], Value::Null);
    assert_eq!(state["contact"]["name"], "Caio");
}

#[test]
fn bad_requests_get_400_and_change_nothing() {
    let preview = Preview::totalpass();
    let version = preview.state()["version"].clone();
    for (path, body) in [
        ("/api/message", "not json"),
        ("/api/message", "{\"text\": 3}"),
        ("/api/message", "{\"text\": \"   \"}"),
        ("/api/message", "{}"),
        (
            "/api/message",
            "{\"text\": \"oi\", \"reply\": {\"id\": \"a\", \"title\": \"b\"}}",
        ),
        ("/api/message", "{\"txt\": \"oi\"}"),
        ("/api/message", "[1, 2]"),
        ("/api/message", "\u{0}\u{1}binary"),
        ("/api/template", "{\"parameters\": []}"),
        (
            "/api/template",
            "{\"name\": \"class_reminder\", \"parameters\": [1]}",
        ),
        ("/api/reset", "{\"audience\": \"nobody\"}"),
        ("/api/reset", "{\"phone\": 5}"),
    ] {
        let answer = preview.post(path, body);
        assert_eq!(answer.status, 400, "{path} {body:?}: {answer:?}");
        let error: Value = serde_json::from_str(&answer.body).unwrap();
        assert!(error["error"].is_string(), "{answer:?}");
    }
    assert_eq!(preview.get("/api/events?since=soon").status, 400);
    assert_eq!(preview.get("/nothing/here").status, 404);
    let state = preview.state();
    assert_eq!(state["transcript"], json!([]), "{state:#}");
    // Only the unknown audience went as far as the session (and changed nothing there).
    assert!(state["version"].as_u64() <= Some(version.as_u64().unwrap() + 1));
    // A large body is refused, not read.
    let big = format!("{{\"text\": \"{}\"}}", "a".repeat(200_000));
    assert_eq!(preview.post("/api/message", &big).status, 413);
}

/// Other web pages cannot drive the preview (a cross-site POST) or read it through a name
/// that resolves to 127.0.0.1 (DNS rebinding).
#[test]
fn other_sites_cannot_use_the_preview() {
    use std::io::{Read, Write};
    let preview = Preview::totalpass();
    // A "simple" cross-site request: text/plain, no preflight.
    let plain = post(
        &preview.url("/api/message"),
        &[("Content-Type", "text/plain")],
        br#"{"text": "oi"}"#,
    );
    assert_eq!(plain.status, 415, "{plain:?}");
    let foreign = post(
        &preview.url("/api/message"),
        &[
            ("Content-Type", "application/json"),
            ("Origin", "http://evil.example"),
        ],
        br#"{"text": "oi"}"#,
    );
    assert_eq!(foreign.status, 403, "{foreign:?}");
    // The page's own origin is welcome.
    let own = post(
        &preview.url("/api/message"),
        &[
            ("Content-Type", "application/json"),
            ("Origin", preview.base.as_str()),
        ],
        br#"{"text": "oi"}"#,
    );
    assert_eq!(own.status, 200, "{own:?}");
    // A request naming another host, as a rebinding page's would.
    let address = preview.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET /api/state HTTP/1.1\r\nHost: evil.example:{}\r\nConnection: close\r\n\r\n",
        address.rsplit(':').next().unwrap()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(!answer.contains("transcript"), "{answer}");
    // Only the one message from the page's own origin got through.
    let state = preview.state();
    assert_eq!(entries(&state, "user").len(), 1, "{state:#}");
}

#[test]
fn the_page_and_its_assets_come_from_the_binary() {
    let preview = Preview::totalpass();
    let page = preview.get("/");
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"), "{page:?}");
    assert!(page.body.contains("<script src=\"/app.js\"></script>"));
    // Nothing from the network: every address in the page is the preview's own.
    for asset in ["/", "/app.js", "/style.css"] {
        let body = preview.get(asset).body;
        assert!(
            !body.contains("http://") && !body.contains("https://"),
            "{asset}"
        );
    }
    assert!(preview
        .get("/app.js")
        .content_type
        .starts_with("text/javascript"));
    assert!(preview
        .get("/style.css")
        .content_type
        .starts_with("text/css"));
    let svg = preview.get("/api/graph.svg");
    assert!(svg.content_type.starts_with("image/svg+xml"), "{svg:?}");
    // The page finds nodes by kind and name to highlight them.
    for node in [
        "class=\"node menu\" id=\"node-menu_member_home\" data-name=\"member_home\"",
        "data-name=\"billing\"",
        "data-name=\"welcome\"",
    ] {
        assert!(svg.body.contains(node), "{node} in the picture");
    }
}

#[test]
fn the_long_poll_answers_when_something_changes() {
    let preview = Preview::totalpass();
    let version = preview.state()["version"].as_u64().unwrap();
    // Already newer: at once.
    let started = Instant::now();
    let answer = preview.get(&format!("/api/events?since={}", version + 100));
    assert_eq!(answer.status, 200);
    assert!(started.elapsed() < Duration::from_secs(2));
    // Current: waits until a message changes the conversation, and answers with that change.
    let url = preview.url(&format!("/api/events?since={version}"));
    let waiting = std::thread::spawn(move || {
        let answer = get(&url);
        (answer, Instant::now())
    });
    std::thread::sleep(Duration::from_millis(300));
    let said = Instant::now();
    preview.say("oi");
    let (answer, answered) = waiting.join().unwrap();
    let state: Value = serde_json::from_str(&answer.body).unwrap();
    assert!(state["version"].as_u64().unwrap() > version);
    assert!(
        answered >= said,
        "it answered before anything changed: {state:#}"
    );
    assert_eq!(entries(&state, "user")[0]["text"], "oi", "{state:#}");
}

#[test]
fn a_broken_bot_shows_its_diagnostics_and_recovers_when_fixed() {
    let dir = totalpass_copy();
    let bot = dir.path().to_str().unwrap().to_string();
    let mock = dir.path().join("chat.mock");
    let preview = Preview::start(&[&bot, "--mock", mock.to_str().unwrap(), "--phone", PHONE]);
    preview.say("oi");
    preview.tap("welcome/sou usuario", "Sou usuário");

    let member = dir.path().join("member.charla");
    let good = std::fs::read_to_string(&member).unwrap();
    let broken = good.replace("-> billing", "-> biling");
    assert_ne!(good, broken);
    std::fs::write(&member, &broken).unwrap();
    let line = broken
        .lines()
        .position(|l| l.contains("-> biling"))
        .unwrap()
        + 1;

    let state = preview.wait_state("the diagnostics", |s| s["ready"] == false);
    assert!(state["errors"].as_u64().unwrap() >= 1, "{state:#}");
    let problem = state["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["severity"] == "error")
        .unwrap();
    assert!(
        problem["code"].as_str().unwrap().starts_with('E'),
        "{problem:#}"
    );
    assert!(
        problem["message"].as_str().unwrap().contains("biling"),
        "{problem:#}"
    );
    assert!(
        problem["file"].as_str().unwrap().ends_with("member.charla"),
        "{problem:#}"
    );
    assert_eq!(problem["line"], line, "{problem:#}");
    // No conversation while the bot has errors; the picture is still drawn, error marked, and
    // the name still comes from the sources.
    assert!(state.get("conversation").is_none());
    assert_eq!(state["name"], "TotalPass");
    assert_eq!(state["transcript"], json!([]));
    let answer = preview.post("/api/message", "{\"text\": \"oi\"}");
    assert_eq!(answer.status, 409, "{answer:?}");
    assert!(answer.body.contains("has errors"), "{answer:?}");
    let svg = preview.get("/api/graph.svg").body;
    assert!(svg.contains("class=\"node menu error\" id=\"node-menu_member_home\""));

    std::fs::write(&member, &good).unwrap();
    let state = preview.wait_state("the bot to recover", |s| s["ready"] == true);
    assert_eq!(state["errors"], 0);
    assert_eq!(
        entries(&state, "notice")[0]["text"],
        "the bot changed and was compiled again: the conversation starts over"
    );
    let state = preview.say("oi");
    // The contact's audience from before the errors is not kept: a new conversation.
    assert_eq!(
        state["conversation"]["current"],
        json!({"kind": "menu", "name": "welcome"})
    );
    preview.tap("welcome/sou usuario", "Sou usuário");
    let state = preview.tap("member_home/ciclo de cobranca", "Ciclo de cobrança");
    assert_eq!(
        bot_texts(&state).last().unwrap(),
        "Sua próxima cobrança é em 10/12, no valor de R$ 79,90."
    );
}

#[test]
fn a_new_file_and_a_broken_mock_file_are_noticed() {
    let dir = totalpass_copy();
    let bot = dir.path().to_str().unwrap().to_string();
    let mock = dir.path().join("chat.mock");
    let preview = Preview::start(&[&bot, "--mock", mock.to_str().unwrap()]);
    assert_eq!(preview.state()["ready"], true);

    // A second `bot` block in a new file is an error of the whole bot.
    dir.write(
        "zz_extra.charla",
        "bot \"Other\" {\n  business fitness\n  start welcome\n}\n",
    );
    let state = preview.wait_state("the new file", |s| s["ready"] == false);
    assert!(
        state["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["file"]
                .as_str()
                .unwrap_or("")
                .ends_with("zz_extra.charla")),
        "{state:#}"
    );
    std::fs::remove_file(dir.path().join("zz_extra.charla")).unwrap();
    preview.wait_state("the file to go", |s| s["ready"] == true);

    let good = std::fs::read_to_string(&mock).unwrap();
    std::fs::write(&mock, format!("{good}\nmock GET\n")).unwrap();
    let state = preview.wait_state("the mock file's error", |s| s["ready"] == false);
    let problem = &state["problems"][0];
    assert_eq!(problem["code"], Value::Null, "{state:#}");
    assert!(
        problem["file"].as_str().unwrap().ends_with("chat.mock"),
        "{problem:#}"
    );
    std::fs::write(&mock, good).unwrap();
    preview.wait_state("the mock file fixed", |s| s["ready"] == true);
}

#[test]
fn a_bot_with_errors_at_start_is_served_with_its_diagnostics() {
    let dir = TempDir::new("broken");
    dir.write(
        "bot.charla",
        "bot \"Broken\" {\n  business fitness\n  support \"https://help.example\"\n  start welcome\n}\nmenu welcome {\n  say \"Hi\"\n  option \"Go\" -> nowhere\n}\n",
    );
    let preview = Preview::start(&[dir.path().to_str().unwrap()]);
    let state = preview.state();
    assert_eq!(state["ready"], false, "{state:#}");
    assert_eq!(state["errors"], 1, "{state:#}");
    assert_eq!(state["problems"][0]["line"], 8, "{state:#}");
    assert!(state["problems"][0]["message"]
        .as_str()
        .unwrap()
        .contains("nowhere"));
    let log = preview.log.lock().unwrap().join("\n");
    assert!(log.contains("error(s)"), "{log}");

    // An audience cannot be checked while the bot has errors; one the fixed bot does not
    // declare is dropped, and the chat says so.
    preview.act("/api/reset", json!({"audience": "ghost"}));
    dir.write(
        "bot.charla",
        "bot \"Broken\" {\n  business fitness\n  support \"https://help.example\"\n  start welcome\n}\nmenu welcome {\n  say \"Hi\"\n  option \"Go\" -> end\n}\n",
    );
    let state = preview.wait_state("the fixed bot", |s| s["ready"] == true);
    assert_eq!(state["contact"]["audience"], Value::Null, "{state:#}");
    assert_eq!(
        entries(&state, "notice")[0]["text"],
        "the bot has no audience `ghost`: starting with none"
    );
    assert_eq!(state["conversation"]["audience"], Value::Null);
}

#[test]
fn calls_without_mocks_go_to_the_real_api() {
    let api = support::server::FakeApi::start();
    let dir = TempDir::new("real-api");
    dir.write(
        "bot.charla",
        format!(
            "bot \"Api\" {{\n  business fitness\n  language en\n  support \"https://help.example\"\n  api \"{}/v1\"\n  start status\n}}\n\
             intent status {{\n  call GET \"/status/{{{{ contact.phone }}}}\" as answer\n  say \"The API says {{{{ answer.sid }}}}.\"\n}}\n",
            api.base()
        ),
    );
    let preview = Preview::start(&[dir.path().to_str().unwrap(), "--phone", "+15550001"]);
    let state = preview.say("hi");
    assert_eq!(
        bot_texts(&state).last().unwrap(),
        "The API says SM1.",
        "{state:#}"
    );
    let requests = api.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/v1/status/+15550001");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["preview", "no/such/bot"],
        vec!["preview", "examples"],
        vec![
            "preview",
            "examples/totalpass",
            "--mock",
            "no/such.mock",
            "--port",
            "0",
        ],
    ] {
        support::run::charla(&args).assert_exit(2);
    }
}

/// Where the browser test says what happened, for `.ci/run`'s summary.
fn browser_report() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("preview-browser-test.txt")
}

/// Says why the browser test did not run, where it is seen even though the test harness
/// captures `eprintln!` (a direct write to the standard error), and in the report file `.ci/run`
/// prints. When `.ci/run` installed the browser (`CHARLA_REQUIRE_BROWSER=1`), not finding it is
/// a failure instead.
fn skip_browser_test(reason: &str) {
    if std::env::var_os("CHARLA_REQUIRE_BROWSER").is_some() {
        panic!("the browser test cannot run although CHARLA_REQUIRE_BROWSER is set: {reason}");
    }
    let line = format!("skipped: {reason}");
    let _ = writeln!(std::io::stderr(), "preview browser test {line}");
    let _ = std::fs::write(browser_report(), format!("{line}\n"));
}

#[test]
fn in_chromium_a_member_clicks_through_to_the_billing_answer() {
    let _ = std::fs::remove_file(browser_report());
    let driver = match webdriver::Driver::start() {
        Ok(driver) => driver,
        Err(reason) => return skip_browser_test(&reason),
    };
    let preview = Preview::totalpass();
    driver.goto(&preview.url("/"));
    driver.wait_for("#graph svg", 1);

    driver.type_into("#input", "oi");
    driver.click_last("#send", 1);
    // The welcome menu has 6 options: a list behind a button; its sheet shows titles and
    // descriptions.
    driver.click_last(".list-open", 1);
    driver.wait_for("#sheet:not([hidden]) .sheet-row", 6);
    let rows = driver.texts(".sheet-row");
    assert!(
        rows[0].contains("Sou usuário") && rows[0].contains("Tenho a TotalPass pela minha empresa"),
        "{rows:?}"
    );
    driver.click_last(".sheet-row[data-id='welcome/sou usuario']", 1);
    driver.click_last(".list-open", 2);
    driver.click_last(".sheet-row[data-id='member_home/ciclo de cobranca']", 1);
    driver.wait_for(".row.in:last-child", 1);

    let started = Instant::now();
    let answer = "Sua próxima cobrança é em 10/12, no valor de R$ 79,90.";
    let bot = loop {
        let bot = driver.texts(".row.in .bubble");
        if bot.iter().any(|t| t.contains(answer)) {
            break bot;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no billing answer in the bot's bubbles: {bot:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        bot[0].starts_with("Olá! Eu sou a assistente virtual da TotalPass."),
        "{bot:?}"
    );
    assert!(
        bot[1].starts_with("Oi, Ana! O que você precisa hoje?"),
        "{bot:?}"
    );
    let user = driver.texts(".row.out .bubble");
    assert_eq!(user.len(), 3, "{user:?}");
    for (bubble, text) in user.iter().zip(["oi", "Sou usuário", "Ciclo de cobrança"]) {
        assert!(bubble.starts_with(text), "{user:?}");
    }
    // The picture marks where the conversation waits, and the intent that answered.
    driver.wait_for("#graph g.node.menu.current[data-name='member_home']", 1);
    driver.wait_for("#graph g.node.intent.recent[data-name='billing']", 1);
    let audience = driver.execute(
        "return Array.from(document.querySelectorAll('#vars tr'))\
         .map(r => r.textContent).filter(t => t.startsWith('audience'));",
    );
    assert_eq!(audience, json!(["audiencemember"]));

    let screenshot = browser_report().with_file_name("preview-screenshot.png");
    driver.screenshot(&screenshot);
    let png = std::fs::read(&screenshot).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    let _ = std::fs::write(
        browser_report(),
        format!("passed: screenshot in {}\n", screenshot.display()),
    );
}
