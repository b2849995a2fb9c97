//! What the server promises when things go wrong (DESIGN.md "Runtime behaviour that users rely
//! on", WHATSAPP.md "Policy"), end to end: a real `charla serve` or a built bot's `serve` on
//! loopback, a real SQLite file, and a fake Graph API that records what it gets and fails on
//! demand. Webhooks delivered twice, an API that is down, `kill -9` and a restart, the 24-hour
//! window, `notify` and consent, `call`s with credentials and retries, a built bot away from its
//! sources, a damaged bundle.

#[allow(dead_code)]
mod support;

use charla::runtime::state::{Contact, State};
use charla::runtime::turn::Message;
use charla::server::outbox::meta_row;
use charla::store::{SqliteStore, Store, Turn};
use rusqlite::Connection;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::server::*;
use support::{charla, crate_root, TempDir};

const WAIT: Duration = Duration::from_secs(20);

/// TotalPass's welcome list, its first row ("Sou usuário": an option's id is
/// `<menu>/<folded label>`), the member's menu that row leads to, and the answer to "receber
/// lembretes" there.
const WELCOME: &str =
    "Olá! Eu sou a assistente virtual da TotalPass. Para te ajudar melhor, me conta: quem é você?";
const SOU_USUARIO: &str = "welcome/sou usuario";
const MEMBER_HOME: &str = "Oi, Ana! O que você precisa hoje?";
const NOTICES: &str = "Combinado! A partir de agora você recebe os avisos da TotalPass por aqui. \
                       Para parar, é só mandar SAIR.";

// --- helpers -----------------------------------------------------------------------------------

fn totalpass(db: &Path, env: &[(String, String)]) -> Server {
    Server::from_sources(&crate_root().join("examples/totalpass"), db, env)
}

/// A message sent through the Graph send API (not the agents' webhook, not a bot's own API).
fn is_graph_send(request: &Recorded) -> bool {
    request.method == "POST" && request.path == format!("/v23.0/{PHONE_NUMBER_ID}/messages")
}

fn recipient(request: &Recorded) -> String {
    request.json()["to"].as_str().unwrap_or("").to_string()
}

/// What a sent message says: a text's body, an interactive message's body, or `template NAME`.
fn said(request: &Recorded) -> String {
    let body = request.json();
    if let Some(text) = body["text"]["body"].as_str() {
        return text.to_string();
    }
    if let Some(text) = body["interactive"]["body"]["text"].as_str() {
        return text.to_string();
    }
    if let Some(name) = body["template"]["name"].as_str() {
        return format!("template {name}");
    }
    format!("(unreadable: {})", request.body)
}

/// What the Graph API got, recipient by recipient, in the order it got it.
fn conversations(requests: &[Recorded]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for request in requests.iter().filter(|r| is_graph_send(r)) {
        out.entry(recipient(request))
            .or_default()
            .push(said(request));
    }
    out
}

fn graph_sends(requests: &[Recorded]) -> usize {
    requests.iter().filter(|r| is_graph_send(r)).count()
}

fn connect(db: &Path) -> Connection {
    let conn = Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn
}

/// One outbox row as the database has it.
#[derive(Debug, Clone)]
struct Row {
    recipient: String,
    status: String,
    payload: String,
    last_error: Option<String>,
}

fn outbox(db: &Path) -> Vec<Row> {
    let conn = connect(db);
    let mut stmt = conn
        .prepare("SELECT recipient, status, payload, last_error FROM outbox ORDER BY id")
        .unwrap();
    stmt.query_map([], |row| {
        Ok(Row {
            recipient: row.get(0)?,
            status: row.get(1)?,
            payload: row.get(2)?,
            last_error: row.get(3)?,
        })
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// Waits until the outbox holds `rows` rows and none waits any more; returns them.
#[track_caller]
fn wait_settled(db: &Path, rows: usize) -> Vec<Row> {
    let start = Instant::now();
    loop {
        let last = outbox(db);
        if last.len() == rows && last.iter().all(|r| r.status != "pending") {
            return last;
        }
        assert!(
            start.elapsed() < WAIT,
            "waited {WAIT:?} for {rows} settled outbox rows; the outbox has {last:#?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The stored state of a contact (`meta:<wa_id>`).
fn stored_state(db: &Path, key: &str) -> Value {
    let text: String = connect(db)
        .query_row(
            "SELECT state FROM states WHERE contact = ?1",
            [key],
            |row| row.get(0),
        )
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The value of one series of `/metrics` (`name` or `name{labels}`), 0 when absent.
/// A turn for a Meta contact (named Ana, pt-BR) who last wrote at `last_inbound`, with these
/// rows in the outbox: for writing a store before a server starts on it.
fn seeded(id: &str, last_inbound: i64, outbox: Vec<charla::store::Outgoing>) -> Turn {
    let mut state = State::new(Contact {
        id: id.to_string(),
        name: "Ana".to_string(),
        phone: format!("+{id}"),
        language: "pt-BR".to_string(),
    });
    state.last_inbound = Some(last_inbound);
    Turn {
        inbound_id: None,
        contact: format!("meta:{id}"),
        state,
        outbox,
        reply: None,
        aliases: Vec::new(),
        replaces: None,
    }
}

/// TotalPass's `class_reminder`, as `notify` makes it.
fn class_reminder() -> Message {
    Message::Template {
        name: "class_reminder".to_string(),
        language: "pt-BR".to_string(),
        parameters: vec!["Yoga".to_string(), "7h".to_string()],
        body: "Olá! Sua aula de Yoga começa às 7h. Até já!".to_string(),
        buttons: Vec::new(),
    }
}

fn metric(server: &Server, series: &str) -> f64 {
    let answer = get(&server.url("/metrics"));
    assert_eq!(answer.status, 200, "{answer:?}");
    answer
        .body
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map(|value| value.trim().parse().unwrap())
        .unwrap_or(0.0)
}

/// SIGKILL at a moment when no reply is being sent: the process is stopped (SIGSTOP), and
/// killed only if no outbox row is leased; otherwise it runs on a moment and we look again.
///
/// These tests are about replies waiting between tries, not about a kill in the middle of a
/// send (a row then claimed is sent again at the next start:
/// `a_row_claimed_by_a_killed_server_is_sent_at_the_next_start`).
fn kill_between_sends(server: Server) {
    let pid = server.child.id().to_string();
    let signal = |name: &str| {
        let status = Command::new("kill").args([name, &pid]).status().unwrap();
        assert!(status.success(), "kill {name} {pid}");
    };
    let start = Instant::now();
    loop {
        signal("-STOP");
        let leased: i64 = connect(&server.db)
            .query_row(
                "SELECT count(*) FROM outbox WHERE status = 'pending' AND lease_until IS NOT NULL",
                [],
                |row| row.get(0),
            )
            .unwrap();
        if leased == 0 {
            break;
        }
        signal("-CONT");
        assert!(start.elapsed() < WAIT, "a row stayed leased for {WAIT:?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    server.kill();
}

/// What a finished process printed and returned.
#[derive(Debug)]
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `program args...` with `env` (and nothing of the test's own environment that charla
/// reads), from `dir`; fails the test if it takes longer than [`WAIT`].
fn run(program: &Path, args: &[&str], env: &[(String, String)], dir: &Path) -> Ran {
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, _) in std::env::vars() {
        if key.starts_with("WHATSAPP_") || key.starts_with("TWILIO_") || key.starts_with("CHARLA_")
        {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    let mut child = command.spawn().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > WAIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "`{} {}` did not finish within {WAIT:?}",
                program.display(),
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Ran {
        code: status.code(),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}

/// `charla build BOT --emit binary -o OUT`.
fn build_binary(bot: &Path, out: &Path) {
    charla(&[
        "build",
        bot.to_str().unwrap(),
        "--emit",
        "binary",
        "-o",
        out.to_str().unwrap(),
    ])
    .assert_exit(0);
}

/// Writes `source` as `NAME/bot.charla` in `dir`, checks it is clean, and returns the folder.
fn write_bot(dir: &TempDir, name: &str, source: &str) -> PathBuf {
    let bot = dir.write(&format!("{name}/bot.charla"), source);
    let folder = bot.parent().unwrap().to_path_buf();
    charla(&["check", folder.to_str().unwrap(), "--deny-warnings"]).assert_exit(0);
    folder
}

// --- 1. a webhook delivered twice ----------------------------------------------------------------

#[test]
fn a_webhook_delivered_twice_is_answered_once_and_moves_the_conversation_once() {
    let dir = TempDir::new("twice");
    let api = FakeApi::start();
    let db = dir.path().join("bot.db");
    let server = totalpass(&db, &env_for(&api));
    let ana = "5511900000001";

    let hello = meta_text(ana, "wamid.twice1", "oi");
    assert_eq!(post_meta(&server, &hello).status, 200);
    assert_eq!(post_meta(&server, &hello).status, 200);
    // The tap on "Sou usuário", delivered twice at the same moment and once more after: a
    // second processing would read it at the member's menu, where it is no option, and answer.
    let tap = meta_reply(ana, "wamid.twice2", SOU_USUARIO, "Sou usuário");
    std::thread::scope(|s| {
        let a = s.spawn(|| post_meta(&server, &tap));
        let b = s.spawn(|| post_meta(&server, &tap));
        assert_eq!(a.join().unwrap().status, 200);
        assert_eq!(b.join().unwrap().status, 200);
    });
    assert_eq!(post_meta(&server, &tap).status, 200);
    // A last message: its reply comes after any reply the duplicates could have caused.
    let last = meta_text(ana, "wamid.twice3", "receber lembretes");
    assert_eq!(post_meta(&server, &last).status, 200);

    wait_settled(&db, 3);
    let requests = api.wait_for(WAIT, "three replies", |r| graph_sends(r) >= 3);
    assert_eq!(
        conversations(&requests),
        BTreeMap::from([(
            ana.to_string(),
            vec![
                WELCOME.to_string(),
                MEMBER_HOME.to_string(),
                NOTICES.to_string()
            ]
        )]),
        "{requests:#?}"
    );
    assert_eq!(
        metric(&server, "charla_duplicate_webhooks_total{channel=\"meta\"}"),
        3.0
    );
    assert_eq!(
        metric(&server, "charla_messages_in_total{channel=\"meta\"}"),
        3.0
    );
    let state = stored_state(&db, &format!("meta:{ana}"));
    assert_eq!(state["audience"], "member", "{state:#}");
    assert_eq!(state["opted_in"], true, "{state:#}");
    let inbound: i64 = connect(&db)
        .query_row("SELECT count(*) FROM inbound", [], |row| row.get(0))
        .unwrap();
    assert_eq!(inbound, 3);
}

// --- 2. the API down for a while -----------------------------------------------------------------

/// Three contacts write three messages each, interleaved, while the Graph API answers `status`
/// (with Graph error 130429, "rate limit hit"); then it comes back. Every reply arrives once,
/// each contact's in the order they were produced.
fn replies_survive_an_outage(status: u16) {
    let dir = TempDir::new("outage");
    let api = FakeApi::start();
    let db = dir.path().join("bot.db");
    let server = totalpass(&db, &env_for(&api));
    api.fail_with(status);
    let contacts = ["5511900000001", "5511900000002", "5511900000003"];
    for (n, contact) in contacts.iter().enumerate() {
        let hello = meta_text(contact, &format!("wamid.out{n}a"), "oi");
        assert_eq!(post_meta(&server, &hello).status, 200);
    }
    for (n, contact) in contacts.iter().enumerate() {
        let tap = meta_reply(
            contact,
            &format!("wamid.out{n}b"),
            SOU_USUARIO,
            "Sou usuário",
        );
        assert_eq!(post_meta(&server, &tap).status, 200);
    }
    for (n, contact) in contacts.iter().enumerate() {
        let text = meta_text(contact, &format!("wamid.out{n}c"), "receber lembretes");
        assert_eq!(post_meta(&server, &text).status, 200);
    }
    // The server tried every contact's first reply, and was refused.
    api.wait_for(WAIT, "a refused try for every contact", |r| {
        contacts
            .iter()
            .all(|c| r.iter().any(|x| is_graph_send(x) && recipient(x) == *c))
    });
    let refused = api.recover_counting();

    let rows = wait_settled(&db, 9);
    assert!(rows.iter().all(|r| r.status == "sent"), "{rows:#?}");
    let retried = metric(
        &server,
        "charla_send_failures_total{channel=\"meta\",kind=\"retry\"}",
    );
    assert!(retried >= 3.0, "{retried}");
    let requests = api.requests();
    let accepted = &requests[refused..];
    let expected: BTreeMap<String, Vec<String>> = contacts
        .iter()
        .map(|c| {
            let replies = [WELCOME, MEMBER_HOME, NOTICES].map(str::to_string);
            (c.to_string(), replies.to_vec())
        })
        .collect();
    assert_eq!(conversations(accepted), expected, "{accepted:#?}");
    assert_eq!(graph_sends(accepted), 9, "{accepted:#?}");
    assert_eq!(
        metric(&server, "charla_messages_out_total{channel=\"meta\"}"),
        9.0
    );
}

#[test]
fn replies_wait_out_a_503_and_arrive_once_in_order() {
    replies_survive_an_outage(503);
}

#[test]
fn replies_wait_out_a_throughput_error_and_arrive_once_in_order() {
    // HTTP 400 with Graph error 130429: only the error code says "try later".
    replies_survive_an_outage(400);
}

// --- 3. kill -9 and a restart ------------------------------------------------------------------

#[test]
fn after_a_kill_the_conversation_goes_on_where_it_was() {
    let dir = TempDir::new("kill");
    let api = FakeApi::start();
    let db = dir.path().join("bot.db");
    let ana = "5511900000001";
    let server = totalpass(&db, &env_for(&api));
    let hello = meta_text(ana, "wamid.kill1", "oi");
    assert_eq!(post_meta(&server, &hello).status, 200);
    let requests = api.wait_for(WAIT, "the welcome list", |r| graph_sends(r) == 1);
    let welcome = requests[0].json();
    assert_eq!(
        welcome["interactive"]["action"]["sections"][0]["rows"][0]["id"], SOU_USUARIO,
        "{welcome:#}"
    );
    wait_settled(&db, 1);
    server.kill();

    let server = totalpass(&db, &env_for(&api));
    let tap = meta_reply(ana, "wamid.kill2", SOU_USUARIO, "Sou usuário");
    assert_eq!(post_meta(&server, &tap).status, 200);
    // Meta delivers the first message again: it was processed before the kill.
    assert_eq!(post_meta(&server, &hello).status, 200);
    let last = meta_text(ana, "wamid.kill3", "receber lembretes");
    assert_eq!(post_meta(&server, &last).status, 200);
    wait_settled(&db, 3);
    let requests = api.wait_for(WAIT, "two more replies", |r| graph_sends(r) >= 3);
    assert_eq!(
        conversations(&requests)[ana],
        [WELCOME, MEMBER_HOME, NOTICES],
        "{requests:#?}"
    );
    assert_eq!(graph_sends(&requests), 3);

    // The audience and the consent are on disk, whatever happens to the process.
    server.kill();
    let state = stored_state(&db, &format!("meta:{ana}"));
    assert_eq!(state["audience"], "member", "{state:#}");
    assert_eq!(state["opted_in"], true, "{state:#}");
}

#[test]
fn replies_pending_at_a_kill_are_sent_once_after_the_restart() {
    let dir = TempDir::new("killpending");
    let api = FakeApi::start();
    let db = dir.path().join("bot.db");
    let contacts = ["5511900000001", "5511900000002"];
    let server = totalpass(&db, &env_for(&api));
    api.fail_with(503);
    for (n, contact) in contacts.iter().enumerate() {
        let hello = meta_text(contact, &format!("wamid.kp{n}a"), "oi");
        assert_eq!(post_meta(&server, &hello).status, 200);
        let tap = meta_reply(
            contact,
            &format!("wamid.kp{n}b"),
            SOU_USUARIO,
            "Sou usuário",
        );
        assert_eq!(post_meta(&server, &tap).status, 200);
    }
    api.wait_for(WAIT, "a refused try for every contact", |r| {
        contacts
            .iter()
            .all(|c| r.iter().any(|x| is_graph_send(x) && recipient(x) == *c))
    });
    kill_between_sends(server);
    let refused = api.recover_counting();
    assert!(outbox(&db).iter().all(|r| r.status == "pending"));

    let _server = totalpass(&db, &env_for(&api));
    let rows = wait_settled(&db, 4);
    assert!(rows.iter().all(|r| r.status == "sent"), "{rows:#?}");
    let requests = api.requests();
    let accepted = &requests[refused..];
    let expected: BTreeMap<String, Vec<String>> = contacts
        .iter()
        .map(|c| {
            (
                c.to_string(),
                vec![WELCOME.to_string(), MEMBER_HOME.to_string()],
            )
        })
        .collect();
    assert_eq!(conversations(accepted), expected, "{accepted:#?}");
    assert_eq!(graph_sends(accepted), 4, "{accepted:#?}");
}

// --- 4. the 24-hour window ---------------------------------------------------------------------

#[test]
fn a_free_form_reply_is_never_sent_outside_the_24_hour_window() {
    let dir = TempDir::new("window");
    let api = FakeApi::start();
    let db = dir.path().join("bot.db");
    let now = jiff::Timestamp::now().as_second();
    let (late, recent) = ("5511900000001", "5511900000002");
    let text = |t: &str| Message::Text {
        text: t.to_string(),
    };
    {
        let mut store = SqliteStore::open(&db).unwrap();
        let turn = seeded;
        // Written two days ago, when the window was open; it closed an hour ago. A template
        // after it may go at any time.
        let template = class_reminder();
        store
            .commit(turn(
                late,
                now - 25 * 3600,
                vec![
                    meta_row(late, &text("too late"), Some(now - 3600)),
                    meta_row(late, &template, Some(now - 3600)),
                ],
            ))
            .unwrap();
        // Still inside the window: goes.
        store
            .commit(turn(
                recent,
                now - 3600,
                vec![meta_row(recent, &text("in time"), Some(now + 23 * 3600))],
            ))
            .unwrap();
    }
    let server = totalpass(&db, &env_for(&api));
    let rows = wait_settled(&db, 3);
    let statuses: Vec<_> = rows
        .iter()
        .map(|r| (r.recipient.as_str(), r.status.as_str()))
        .collect();
    assert_eq!(
        statuses,
        [(late, "failed"), (late, "sent"), (recent, "sent")],
        "{rows:#?}"
    );
    assert!(
        rows[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("24 hours"),
        "{rows:#?}"
    );
    let requests = api.wait_for(WAIT, "two sends", |r| graph_sends(r) >= 2);
    assert_eq!(
        conversations(&requests),
        BTreeMap::from([
            (
                late.to_string(),
                vec!["template class_reminder".to_string()]
            ),
            (recent.to_string(), vec!["in time".to_string()]),
        ]),
        "{requests:#?}"
    );
    assert_eq!(metric(&server, "charla_outside_window_total"), 1.0);
    assert_eq!(
        metric(
            &server,
            "charla_send_failures_total{channel=\"meta\",kind=\"outside_window\"}"
        ),
        1.0
    );
    assert!(server.log().contains("was not sent"), "{}", server.log());
}

/// The window runs from when the contact sent the message, not from when the webhook arrived:
/// Meta retries a webhook for days after an outage. A message sent 25 hours ago is read (the
/// conversation moves) but answered by nothing, since Meta would refuse a free-form reply; one
/// sent 2 hours ago is answered, with the window closing 24 hours after it was sent.
#[test]
fn the_window_runs_from_when_the_message_was_sent() {
    let dir = TempDir::new("sent-at");
    let api = FakeApi::start();
    let db = dir.path().join("bot.db");
    let server = totalpass(&db, &env_for(&api));
    let now = jiff::Timestamp::now().as_second();
    let (late, recent) = ("5511900000031", "5511900000032");
    let sent = |from: &str, id: &str, at: i64| {
        let mut body: Value = serde_json::from_str(&meta_text(from, id, "oi")).unwrap();
        body["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] =
            Value::from(at.to_string());
        let answer = post_meta(&server, &body.to_string());
        assert_eq!(answer.status, 200, "{answer:?}");
    };
    sent(late, "wamid.late", now - 25 * 3600);
    sent(recent, "wamid.recent", now - 2 * 3600);

    let rows = wait_settled(&db, 1);
    assert_eq!(rows[0].recipient, recent, "{rows:#?}");
    assert_eq!(rows[0].status, "sent", "{rows:#?}");
    let payload: Value = serde_json::from_str(&rows[0].payload).unwrap();
    assert_eq!(payload["until"], now - 2 * 3600 + 24 * 3600, "{payload:#}");
    let late_state = stored_state(&db, &format!("meta:{late}"));
    assert_eq!(late_state["window_from"], now - 25 * 3600, "{late_state:#}");
    // Read now: the session's idle time is measured from when messages were read.
    assert!(
        late_state["last_inbound"].as_i64().unwrap() >= now,
        "{late_state:#}"
    );
    assert_eq!(late_state["menu"], "welcome", "{late_state:#}");
    assert_eq!(metric(&server, "charla_outside_window_total"), 1.0);
    let requests = api.wait_for(WAIT, "the answer to the recent one", |r| {
        graph_sends(r) >= 1
    });
    assert_eq!(
        conversations(&requests).keys().collect::<Vec<_>>(),
        [recent],
        "{requests:#?}"
    );
}

/// Two messages sent 20 seconds apart two hours ago and delivered together now (Meta retrying
/// after an outage) are one conversation, though the bot's session is 30 minutes: the idle time
/// runs between readings, and only the window runs from the sending time.
#[test]
fn late_messages_keep_their_session() {
    let dir = TempDir::new("late-session");
    let api = FakeApi::start();
    let source = write_bot(
        &dir,
        "gym",
        &GYM.replace("  start home\n", "  start home\n  session 30m\n"),
    );
    let db = dir.path().join("gym.db");
    let server = Server::from_sources(&source, &db, &env_for(&api));
    let now = jiff::Timestamp::now().as_second();
    let fan = "5511900000033";
    for (id, text, at) in [
        ("wamid.ls1", "hi", now - 2 * 3600),
        ("wamid.ls2", "2", now - 2 * 3600 + 20),
    ] {
        let mut body: Value = serde_json::from_str(&meta_text(fan, id, text)).unwrap();
        body["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] =
            Value::from(at.to_string());
        assert_eq!(post_meta(&server, &body.to_string()).status, 200);
    }
    let requests = api.wait_for(WAIT, "both answers", |r| graph_sends(r) == 2);
    assert_eq!(
        conversations(&requests)[fan],
        ["Hi! What do you need?", "We open at 6 every day."],
        "{requests:#?}"
    );
}

// --- 5. notify and consent ---------------------------------------------------------------------

const GYM: &str = r#"bot "Gym" {
  business fitness
  language en
  start home
  support "https://gym.example/help"
}

menu home {
  say "Hi! What do you need?"
  option "Get reminders" -> reminders
  option "Opening hours" -> hours
}

intent reminders {
  set opt_in
  say "Done! You will get class reminders here. Send STOP to stop them."
}

intent hours {
  say "We open at 6 every day."
}

template class_reminder {
  category notification
  body "Your {{1}} class starts in an hour. See you there!"
}
"#;

#[test]
fn notify_sends_a_template_only_to_a_contact_who_opted_in_and_did_not_opt_out() {
    let dir = TempDir::new("notify");
    let api = FakeApi::start();
    let source = write_bot(&dir, "gym", GYM);
    let bot = dir.path().join("gym-bot");
    build_binary(&source, &bot);
    let db = dir.path().join("gym.db");
    let env = env_for(&api);
    let server = Server::start(&bot, &["serve"], &db, &env);
    let notify = |to: &str, params: &[&str]| {
        let mut args = vec!["notify", "class_reminder", "--to", to];
        for p in params {
            args.extend(["--param", p]);
        }
        args.extend(["--db", db.to_str().unwrap()]);
        run(&bot, &args, &env, dir.path())
    };
    let templates = |requests: &[Recorded]| {
        requests
            .iter()
            .filter(|r| is_graph_send(r) && r.json()["type"] == "template")
            .count()
    };
    let (stranger, silent, fan) = ("5511900000001", "5511900000002", "5511900000003");

    // (a) Never wrote.
    let ran = notify(&format!("+{stranger}"), &["Yoga"]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(ran.stderr.contains("never written"), "{ran:?}");

    // (b) Wrote, never opted in.
    assert_eq!(
        post_meta(&server, &meta_text(silent, "wamid.n1", "hi")).status,
        200
    );
    api.wait_for(WAIT, "the menu", |r| graph_sends(r) == 1);
    let ran = notify(&format!("+{silent}"), &["Yoga"]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(ran.stderr.contains("not opted in"), "{ran:?}");

    // (c) Opted in through the menu.
    assert_eq!(
        post_meta(&server, &meta_text(fan, "wamid.n2", "hi")).status,
        200
    );
    let tap = meta_reply(fan, "wamid.n3", "home/get reminders", "Get reminders");
    assert_eq!(post_meta(&server, &tap).status, 200);
    let requests = api.wait_for(WAIT, "the opt-in", |r| graph_sends(r) == 3);
    assert_eq!(
        conversations(&requests)[fan],
        [
            "Hi! What do you need?",
            "Done! You will get class reminders here. Send STOP to stop them."
        ]
    );
    let ran = notify(&format!("+{fan}"), &["Yoga"]);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    let requests = api.wait_for(WAIT, "the template", |r| templates(r) == 1);
    let sent = requests
        .iter()
        .find(|r| is_graph_send(r) && r.json()["type"] == "template")
        .unwrap();
    let body = sent.json();
    assert_eq!(body["to"], fan, "{body:#}");
    assert_eq!(body["template"]["name"], "class_reminder", "{body:#}");
    assert_eq!(body["template"]["language"]["code"], "en", "{body:#}");
    assert_eq!(
        body["template"]["components"][0]["parameters"],
        serde_json::json!([{"type": "text", "text": "Yoga"}]),
        "{body:#}"
    );
    assert_eq!(
        sent.headers.get("authorization").map(String::as_str),
        Some(format!("Bearer {ACCESS_TOKEN}").as_str())
    );

    // (e) The wrong number of parameters.
    for params in [&[][..], &["Yoga", "7h"][..]] {
        let ran = notify(&format!("+{fan}"), params);
        assert_eq!(ran.code, Some(1), "{params:?}: {ran:?}");
        assert!(ran.stderr.contains("parameter"), "{ran:?}");
    }

    // (d) The opt-out word, through the server; then nothing more may go.
    assert_eq!(
        post_meta(&server, &meta_text(fan, "wamid.n4", "stop")).status,
        200
    );
    let requests = api.wait_for(WAIT, "the opt-out confirmation", |r| {
        conversations(r).get(fan).is_some_and(|c| c.len() == 4)
    });
    assert!(
        conversations(&requests)[fan][3].contains("won't get our messages"),
        "{requests:#?}"
    );
    let ran = notify(&format!("+{fan}"), &["Yoga"]);
    assert_eq!(ran.code, Some(1), "{ran:?}");
    assert!(ran.stderr.contains("opted out"), "{ran:?}");

    // One template went, ever: none was even written for the refusals.
    let written = outbox(&db)
        .iter()
        .filter(|r| r.payload.contains("\"template\""))
        .count();
    assert_eq!(written, 1);
    assert_eq!(templates(&api.requests()), 1, "{:#?}", api.requests());
}

/// `notify` when the send API takes the connection and never answers: it gives up waiting
/// (it does not hang), leaves the template in the outbox, and `serve` sends it later, once.
#[test]
fn notify_does_not_hang_on_a_silent_api_and_serve_sends_the_template_later() {
    let dir = TempDir::new("silent");
    let api = FakeApi::start();
    let source = write_bot(&dir, "gym", GYM);
    let bot = dir.path().join("gym-bot");
    build_binary(&source, &bot);
    let db = dir.path().join("gym.db");
    let fan = "5511900000003";
    let server = Server::start(&bot, &["serve"], &db, &env_for(&api));
    assert_eq!(
        post_meta(&server, &meta_text(fan, "wamid.s1", "hi")).status,
        200
    );
    let tap = meta_reply(fan, "wamid.s2", "home/get reminders", "Get reminders");
    assert_eq!(post_meta(&server, &tap).status, 200);
    wait_settled(&db, 2);
    server.kill();

    // Connections to it are accepted by the system and never answered.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut env = env_for(&api);
    for (key, value) in &mut env {
        if key == "WHATSAPP_API_BASE" {
            *value = format!("http://{}/v23.0", silent.local_addr().unwrap());
        }
    }
    let args = ["notify", "class_reminder", "--to", fan, "--param", "Yoga"];
    let args = [&args[..], &["--db", db.to_str().unwrap()]].concat();
    let ran = run(&bot, &args, &env, dir.path());
    assert_eq!(ran.code, Some(0), "{ran:?}");
    assert!(ran.stderr.contains("queued"), "{ran:?}");
    let rows = outbox(&db);
    assert_eq!(rows.len(), 3, "{rows:#?}");
    assert_eq!(rows[2].status, "pending", "{rows:#?}");

    let _server = Server::start(&bot, &["serve"], &db, &env_for(&api));
    let rows = wait_settled(&db, 3);
    assert!(rows.iter().all(|r| r.status == "sent"), "{rows:#?}");
    let requests = api.requests();
    assert_eq!(
        conversations(&requests)[fan],
        [
            "Hi! What do you need?",
            "Done! You will get class reminders here. Send STOP to stop them.",
            "template class_reminder",
        ],
        "{requests:#?}"
    );
    drop(silent);
}

/// `notify` to a contact who wrote through Twilio: with `TWILIO_CONTENT_SIDS` mapping the
/// template, Twilio's Messages API gets the Content SID and the parameters as
/// `ContentVariables` (what Twilio sends outside the 24-hour window); without it, the text.
/// A setting that names no template of the bot stops `serve` at start-up.
#[test]
fn notify_over_twilio_sends_the_mapped_content_template_or_else_the_text() {
    const SID: &str = "HX0123456789abcdef0123456789abcdef";
    let dir = TempDir::new("content");
    let api = FakeApi::start();
    let source = write_bot(&dir, "gym", GYM);
    let bot = dir.path().join("gym-bot");
    build_binary(&source, &bot);
    let db = dir.path().join("gym.db");
    let mut env = env_for(&api);
    env.push((
        "TWILIO_CONTENT_SIDS".to_string(),
        format!("class_reminder={SID}"),
    ));
    let phone = "5511900000020";
    let from = format!("whatsapp:+{phone}");
    let server = Server::start(&bot, &["serve"], &db, &env);
    for (sid, body) in [("SM1", "hi"), ("SM2", "1")] {
        let params = [
            ("MessageSid", sid),
            ("AccountSid", "ACtest"),
            ("From", from.as_str()),
            ("To", "whatsapp:+14155238886"),
            ("WaId", phone),
            ("Body", body),
        ];
        let answer = post_twilio(&server, &params);
        assert_eq!(answer.status, 200, "{answer:?}");
    }
    assert_eq!(
        stored_state(&db, &format!("twilio:{phone}"))["opted_in"],
        true
    );
    let sent_form = |request: &Recorded| -> BTreeMap<String, String> {
        form_urlencoded::parse(request.body.as_bytes())
            .into_owned()
            .collect()
    };
    let twilio_sends = |requests: &[Recorded]| -> Vec<BTreeMap<String, String>> {
        requests
            .iter()
            .filter(|r| r.path == "/twilio/2010-04-01/Accounts/ACtest/Messages.json")
            .map(sent_form)
            .collect()
    };
    let notify = |env: &[(String, String)]| {
        let args = [
            "notify",
            "class_reminder",
            "--to",
            &from[9..],
            "--param",
            "Yoga",
        ];
        let args = [&args[..], &["--db", db.to_str().unwrap()]].concat();
        run(&bot, &args, env, dir.path())
    };

    let ran = notify(&env);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    let requests = api.wait_for(WAIT, "the content template", |r| twilio_sends(r).len() == 1);
    let sent = &twilio_sends(&requests)[0];
    assert_eq!(sent["From"], "whatsapp:+14155238886", "{sent:?}");
    assert_eq!(sent["To"], from, "{sent:?}");
    assert_eq!(sent["ContentSid"], SID, "{sent:?}");
    let variables: Value = serde_json::from_str(&sent["ContentVariables"]).unwrap();
    assert_eq!(variables, serde_json::json!({"1": "Yoga"}), "{sent:?}");
    assert!(!sent.contains_key("Body"), "{sent:?}");
    let basic = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("ACtest:{TWILIO_TOKEN}"),
    );
    let request = requests
        .iter()
        .find(|r| r.path.starts_with("/twilio/"))
        .unwrap();
    assert_eq!(
        request.headers.get("authorization"),
        Some(&format!("Basic {basic}"))
    );

    // Without the mapping the template goes as its text (inside the window Twilio takes it).
    // The server, which has the mapping, is stopped first: its senders would race notify's.
    server.kill();
    env.retain(|(key, _)| key != "TWILIO_CONTENT_SIDS");
    let ran = notify(&env);
    assert_eq!(ran.code, Some(0), "{ran:?}");
    let requests = api.wait_for(WAIT, "the text", |r| twilio_sends(r).len() == 2);
    let sent = &twilio_sends(&requests)[1];
    assert_eq!(
        sent["Body"], "Your Yoga class starts in an hour. See you there!",
        "{sent:?}"
    );
    assert!(!sent.contains_key("ContentSid"), "{sent:?}");

    // A name the bot does not have: refused at start-up, with the variable named.
    env.push((
        "TWILIO_CONTENT_SIDS".to_string(),
        format!("class_remider={SID}"),
    ));
    let args = [
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--db",
        db.to_str().unwrap(),
    ];
    let ran = run(&bot, &args, &env, dir.path());
    assert_eq!(ran.code, Some(2), "{ran:?}");
    assert!(
        ran.stderr.contains("TWILIO_CONTENT_SIDS")
            && ran.stderr.contains("no template `class_remider`"),
        "{ran:?}"
    );
}

/// What `notify` relies on: enqueuing its template leaves the contact's state alone, so a
/// change the server saved between notify's read and its write (here an opt-out) stays.
#[test]
fn enqueued_rows_leave_a_state_saved_meanwhile_alone() {
    let dir = TempDir::new("enqueue");
    let db = dir.path().join("bot.db");
    let key = "meta:5511900000003";
    let mut state = State::new(Contact {
        id: "5511900000003".to_string(),
        ..Contact::default()
    });
    state.opted_in = true;
    let mut store = SqliteStore::open(&db).unwrap();
    let commit = |store: &mut SqliteStore, state: &State| {
        store
            .commit(Turn {
                inbound_id: None,
                contact: key.to_string(),
                state: state.clone(),
                outbox: Vec::new(),
                reply: None,
                aliases: Vec::new(),
                replaces: None,
            })
            .unwrap()
    };
    commit(&mut store, &state);
    let read_by_notify = store.load(key).unwrap().unwrap();
    let mut opted_out = read_by_notify.clone();
    opted_out.opted_out = true;
    commit(&mut store, &opted_out);
    let row = meta_row("5511900000003", &Message::Text { text: "x".into() }, None);
    store.enqueue(key, &[row]).unwrap();
    assert!(store.load(key).unwrap().unwrap().opted_out);
    assert_eq!(store.pending().unwrap(), 1);
}

// --- 6. a built bot on its own -----------------------------------------------------------------

#[test]
fn a_built_bot_serves_from_another_folder_with_its_sources_gone() {
    let (built, sources, elsewhere) = (
        TempDir::new("built"),
        TempDir::new("sources"),
        TempDir::new("elsewhere"),
    );
    for entry in std::fs::read_dir(crate_root().join("examples/totalpass")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), sources.path().join(entry.file_name())).unwrap();
    }
    build_binary(sources.path(), &built.path().join("bot"));
    drop(sources);
    let bot = elsewhere.path().join("bot");
    std::fs::copy(built.path().join("bot"), &bot).unwrap();
    drop(built);

    let ran = run(&bot, &["serve", "--env-example"], &[], elsewhere.path());
    assert_eq!(ran.code, Some(0), "{ran:?}");
    for name in [
        "CHARLA_LISTEN",
        "CHARLA_DB",
        "WHATSAPP_VERIFY_TOKEN",
        "WHATSAPP_APP_SECRET",
        "WHATSAPP_ACCESS_TOKEN",
        "WHATSAPP_PHONE_NUMBER_ID",
        "WHATSAPP_API_BASE",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_PUBLIC_URL",
        "CHARLA_ADMIN_TOKEN",
        "CHARLA_AGENT_WEBHOOK",
        "CHARLA_API_HEADER",
    ] {
        assert!(
            ran.stdout
                .lines()
                .any(|l| l.starts_with(&format!("{name}="))),
            "{name} is missing from:\n{}",
            ran.stdout
        );
    }
    for variable in charla::server::settings::VARIABLES {
        assert!(
            ran.stdout.contains(&format!("\n{}=", variable.name)),
            "{}",
            variable.name
        );
    }

    let api = FakeApi::start();
    let server = Server::start(
        &bot,
        &["serve"],
        &elsewhere.path().join("bot.db"),
        &env_for(&api),
    );
    let hello = meta_text("5511900000001", "wamid.away1", "oi");
    assert_eq!(post_meta(&server, &hello).status, 200);
    let requests = api.wait_for(WAIT, "the welcome list", |r| graph_sends(r) == 1);
    assert_eq!(said(&requests[0]), WELCOME);
    assert_eq!(requests[0].json()["interactive"]["type"], "list");
}

// --- 7. a bot's calls --------------------------------------------------------------------------

#[test]
fn calls_carry_the_credentials_header_and_only_safe_methods_are_retried() {
    let dir = TempDir::new("calls");
    let graph = FakeApi::start();
    let shop = FakeApi::start();
    let source = write_bot(
        &dir,
        "shop",
        &format!(
            r#"bot "Shop" {{
  business retail
  language en
  start home
  api "{}/v1"
  support "https://shop.example/help"
}}

menu home {{
  say "Hi! What do you need?"
  option "Order status" -> status
  option "Cancel order" -> cancel
}}

intent status {{
  call GET "/orders/42" as order else {{
    say "The order service is down."
    goto home
  }}
  if order.ok {{
    say "Order 42 is on its way."
  }} else {{
    say "Order 42 is unknown."
  }}
}}

intent cancel {{
  call POST "/orders/42/cancel" with {{ reason: "asked" }} as done else {{
    say "Could not cancel order 42."
    goto home
  }}
  say "Cancelled order 42: {{{{ done.ok }}}}."
}}
"#,
            shop.base()
        ),
    );
    let mut env = env_for(&graph);
    env.push((
        "CHARLA_API_HEADER".to_string(),
        "Authorization: Bearer xyz".to_string(),
    ));
    let db = dir.path().join("shop.db");
    let server = Server::from_sources(&source, &db, &env);
    let ana = "5511900000001";
    let status = |id: &str| meta_reply(ana, id, "home/order status", "Order status");

    assert_eq!(
        post_meta(&server, &meta_text(ana, "wamid.c1", "hi")).status,
        200
    );
    assert_eq!(post_meta(&server, &status("wamid.c2")).status, 200);
    graph.wait_for(WAIT, "the order's status", |r| graph_sends(r) == 2);
    let calls = shop.requests();
    let [call] = calls.as_slice() else {
        panic!("{calls:#?}")
    };
    assert_eq!(
        (call.method.as_str(), call.path.as_str()),
        ("GET", "/v1/orders/42")
    );
    assert_eq!(
        call.headers.get("authorization").map(String::as_str),
        Some("Bearer xyz")
    );

    // The API is down: a GET is tried three times, a POST once (it might do its work twice).
    shop.fail_with(503);
    assert_eq!(post_meta(&server, &status("wamid.c3")).status, 200);
    let cancel = meta_reply(ana, "wamid.c4", "home/cancel order", "Cancel order");
    assert_eq!(post_meta(&server, &cancel).status, 200);
    let requests = graph.wait_for(WAIT, "every answer", |r| graph_sends(r) == 6);
    assert_eq!(
        conversations(&requests)[ana],
        [
            "Hi! What do you need?",
            "Order 42 is on its way.",
            "The order service is down.",
            "Hi! What do you need?",
            "Could not cancel order 42.",
            "Hi! What do you need?",
        ],
        "{requests:#?}"
    );
    let calls = shop.requests();
    let tries = |method: &str| calls.iter().filter(|c| c.method == method).count();
    assert_eq!((tries("GET"), tries("POST")), (1 + 3, 1), "{calls:#?}");
    assert!(
        calls
            .iter()
            .all(|c| c.headers.get("authorization").map(String::as_str) == Some("Bearer xyz")),
        "{calls:#?}"
    );
    let post = calls.iter().find(|c| c.method == "POST").unwrap();
    assert_eq!(post.path, "/v1/orders/42/cancel");
    assert_eq!(post.json(), serde_json::json!({"reason": "asked"}));
    // The bot's credentials go to its API only.
    assert!(requests
        .iter()
        .all(|r| r.headers.get("authorization").map(String::as_str)
            == Some(format!("Bearer {ACCESS_TOKEN}").as_str())));
}

// --- 8. a damaged bundle -----------------------------------------------------------------------

#[test]
fn serve_refuses_a_bot_whose_bundle_was_changed() {
    let dir = TempDir::new("tampered");
    let bot = dir.path().join("store-bot");
    build_binary(&crate_root().join("examples/store"), &bot);
    let mut bytes = std::fs::read(&bot).unwrap();
    // The footer's first 8 bytes are the bundle's length. Change one letter of a text the bot
    // says, keeping the bundle JSON, so only its hash can tell.
    let footer = bytes.len() - 16;
    let length = u64::from_le_bytes(bytes[footer..footer + 8].try_into().unwrap()) as usize;
    let said = b"Thanks for writing to Nimbus Outfitters";
    let at = footer - length
        + bytes[footer - length..footer]
            .windows(said.len())
            .position(|w| w == said)
            .expect("the bundle holds the welcome text");
    bytes[at] = b'X';
    std::fs::write(&bot, &bytes).unwrap();

    let api = FakeApi::start();
    let db = dir.path().join("store.db");
    let ran = run(
        &bot,
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            db.to_str().unwrap(),
        ],
        &env_for(&api),
        dir.path(),
    );
    assert_eq!(ran.code, Some(2), "{ran:?}");
    assert!(ran.stderr.contains("cannot be used"), "{ran:?}");
    assert!(ran.stderr.contains("hash"), "{ran:?}");
    assert!(!ran.stderr.contains("serving"), "{ran:?}");
    assert!(!db.exists(), "the database was touched");
}

/// A row a killed server had claimed (leased for a minute) is sent as soon as the next server
/// starts on the file, not when the lease runs out.
#[test]
fn a_row_claimed_by_a_killed_server_is_sent_at_the_next_start() {
    let dir = TempDir::new("lease");
    let api = FakeApi::start();
    let db = dir.path().join("bot.db");
    let contact = "5511900000009";
    {
        let mut store = SqliteStore::open(&db).unwrap();
        let now = jiff::Timestamp::now().as_second();
        let text = Message::Text {
            text: "claimed, never sent".to_string(),
        };
        store
            .commit(seeded(
                contact,
                now,
                vec![meta_row(contact, &text, Some(now + 3600))],
            ))
            .unwrap();
        // The dead server's claim: leased for a minute from now.
        assert_eq!(store.claim(now, 10).unwrap().len(), 1);
    }
    let server = totalpass(&db, &env_for(&api));
    let sent = api.wait_for(Duration::from_secs(10), "the claimed row", |r| {
        r.iter().any(is_graph_send)
    });
    assert_eq!(sent.iter().filter(|r| is_graph_send(r)).count(), 1);
    assert_eq!(said(&sent[0]), "claimed, never sent");
    drop(server);
}

/// A template queued while the contact was opted in (a `notify` while the API was down), and
/// the contact opted out before it could go: it is given up, never sent.
#[test]
fn a_template_queued_before_an_opt_out_is_not_sent() {
    let dir = TempDir::new("optout");
    let api = FakeApi::start();
    let db = dir.path().join("bot.db");
    let contact = "5511900000010";
    {
        let mut store = SqliteStore::open(&db).unwrap();
        let mut turn = seeded(
            contact,
            jiff::Timestamp::now().as_second(),
            vec![meta_row(contact, &class_reminder(), None)],
        );
        turn.state.opted_in = true;
        turn.state.opted_out = true;
        store.commit(turn).unwrap();
    }
    let server = totalpass(&db, &env_for(&api));
    let rows = wait_settled(&db, 1);
    assert_eq!(rows[0].status, "failed", "{rows:#?}");
    assert!(
        rows[0]
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("opted out"),
        "{rows:#?}"
    );
    assert_eq!(graph_sends(&api.requests()), 0);
    assert_eq!(
        metric(
            &server,
            "charla_send_failures_total{channel=\"meta\",kind=\"opted_out\"}"
        ),
        1.0
    );
}
