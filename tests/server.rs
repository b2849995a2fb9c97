//! The server end to end: a real `charla serve` on loopback, signed webhooks, and a fake Graph
//! API that records what it receives. The Meta channel, the admin routes, a switched-off
//! channel, bad input and shutdown (the Twilio channel is in `tests/server_twilio.rs`).

#[allow(dead_code)]
mod support;

use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;
use support::server::*;
use support::{crate_root, TempDir};

const WAIT: Duration = Duration::from_secs(20);

/// What the engine says to a message it cannot read, in TotalPass's language (pt-BR).
const POLITE: &str =
    "Desculpe, por aqui eu só consigo ler mensagens de texto. Pode escrever, por favor?";
const WELCOME: &str =
    "Olá! Eu sou a assistente virtual da TotalPass. Para te ajudar melhor, me conta: quem é você?";
const HANDOFF: &str = "Vou te passar para um atendente. Aguarde um instante.";

fn totalpass(dir: &TempDir, api: &FakeApi) -> Server {
    totalpass_with(dir, &env_for(api))
}

fn totalpass_with(dir: &TempDir, env: &[(String, String)]) -> Server {
    Server::from_sources(
        &crate_root().join("examples/totalpass"),
        &dir.path().join("bot.db"),
        env,
    )
}

/// Graph send requests addressed to `contact` (a phone in `to`, a business-scoped id in
/// `recipient`), in the order the fake got them.
fn sent_to(requests: &[Recorded], contact: &str) -> Vec<Value> {
    requests
        .iter()
        .filter(|r| r.path.ends_with("/messages"))
        .map(Recorded::json)
        .filter(|body| body["to"] == contact || body["recipient"] == contact)
        .collect()
}

/// Waits until `contact` has been sent `n` messages; returns them (all of them, maybe more).
#[track_caller]
fn wait_for_replies(api: &FakeApi, contact: &str, n: usize) -> Vec<Value> {
    let requests = api.wait_for(WAIT, &format!("{n} replies to {contact}"), |r| {
        sent_to(r, contact).len() >= n
    });
    sent_to(&requests, contact)
}

/// The text a reply shows: a text's body or an interactive message's body.
fn shown(body: &Value) -> &str {
    body["text"]["body"]
        .as_str()
        .or(body["interactive"]["body"]["text"].as_str())
        .unwrap_or("")
}

fn metrics(server: &Server) -> String {
    let answer = get(&server.url("/metrics"));
    assert_eq!(answer.status, 200, "{answer:?}");
    answer.body
}

/// A series' value; an absent series counts as 0 (a family shows a label set once used).
#[track_caller]
fn assert_metric(server: &Server, series: &str, expected: f64) {
    let text = metrics(server);
    assert_eq!(
        metric(&text, series).unwrap_or(0.0),
        expected,
        "{series} in\n{text}"
    );
}

fn count(server: &Server, sql: &str) -> i64 {
    db_count(&server.db, sql)
}

/// Everything a request could have changed is still empty.
#[track_caller]
fn assert_store_untouched(server: &Server) {
    for table in ["states", "inbound", "outbox", "statuses"] {
        assert_eq!(
            count(server, &format!("SELECT count(*) FROM {table}")),
            0,
            "rows in {table}"
        );
    }
}

// --- Meta: verification -----------------------------------------------------------------------

#[test]
fn verification_echoes_the_challenge_only_for_the_right_token() {
    let dir = TempDir::new("server");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    let url = |token: &str| {
        server.url(&format!(
            "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444"
        ))
    };
    let right = get(&url(VERIFY_TOKEN));
    assert_eq!(right.status, 200, "{right:?}");
    assert_eq!(right.body, "1158201444");
    assert!(right.content_type.starts_with("text/plain"), "{right:?}");

    for wrong in [
        url("not-the-token"),
        url(""),
        server.url("/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444"),
        server.url(&format!(
            "/webhooks/whatsapp?hub.mode=unsubscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1"
        )),
        server.url("/webhooks/whatsapp"),
    ] {
        let answer = get(&wrong);
        assert_eq!(answer.status, 403, "{wrong}: {answer:?}");
        assert!(!answer.body.contains("1158201444"), "{answer:?}");
    }
}

// --- Meta: messages ---------------------------------------------------------------------------

#[test]
fn a_signed_message_gets_the_welcome_menu_through_the_send_api() {
    let dir = TempDir::new("server");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    let answer = post_meta(&server, &meta_text("5511999990000", "wamid.in1", "oi"));
    assert_eq!(answer.status, 200, "{answer:?}");
    let sent = api.wait_for(WAIT, "the welcome menu", |r| !r.is_empty());
    let [reply] = sent.as_slice() else {
        panic!("{sent:#?}")
    };
    assert_eq!(reply.path, format!("/v23.0/{PHONE_NUMBER_ID}/messages"));
    assert_eq!(
        reply.headers.get("authorization").map(String::as_str),
        Some(format!("Bearer {ACCESS_TOKEN}").as_str())
    );
    let body = reply.json();
    assert_eq!(body["to"], "5511999990000");
    assert_eq!(body["interactive"]["type"], "list");
    assert_eq!(
        body["interactive"]["action"]["sections"][0]["rows"][0]["title"],
        "Sou usuário"
    );
}

#[test]
fn unsigned_or_wrongly_signed_posts_get_401_and_change_nothing() {
    let dir = TempDir::new("server");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    let body = meta_text("5511999990001", "wamid.forged", "oi");
    let right = meta_signature(APP_SECRET, body.as_bytes());
    let wrong: Vec<Option<String>> = vec![
        None,
        Some(String::new()),
        Some(meta_signature("another-secret", body.as_bytes())),
        Some(meta_signature(APP_SECRET, b"{}")),
        Some(right.replacen("sha256=", "sha1=", 1)),
        Some(right.trim_start_matches("sha256=").to_string()),
        Some("sha256=zz".to_string()),
        Some("sha256=".to_string()),
        Some(right[..right.len() - 2].to_string()),
        Some(format!("{right}00")),
    ];
    let url = server.url("/webhooks/whatsapp");
    for signature in &wrong {
        let mut headers = vec![("Content-Type", "application/json")];
        if let Some(signature) = signature {
            headers.push(("X-Hub-Signature-256", signature));
        }
        let answer = post(&url, &headers, body.as_bytes());
        assert_eq!(answer.status, 401, "signature {signature:?}: {answer:?}");
    }
    // The right signature over a body changed by one byte.
    let tampered = body.replace("\"oi\"", "\"oI\"");
    assert_ne!(tampered, body);
    let headers = [
        ("Content-Type", "application/json"),
        ("X-Hub-Signature-256", right.as_str()),
    ];
    let answer = post(&url, &headers, tampered.as_bytes());
    assert_eq!(answer.status, 401, "{answer:?}");

    assert_store_untouched(&server);
    assert_metric(&server, "charla_messages_in_total{channel=\"meta\"}", 0.0);
    // The forged deliveries did not mark the message as seen: signed, it is processed now, and
    // its reply is the only request the fake ever got.
    assert_eq!(post_meta(&server, &body).status, 200);
    let replies = wait_for_replies(&api, "5511999990001", 1);
    assert_eq!(shown(&replies[0]), WELCOME);
    assert_eq!(api.requests().len(), 1, "{:#?}", api.requests());
}

#[test]
fn a_list_pick_continues_the_conversation() {
    let dir = TempDir::new("server");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    let contact = "5511999990002";
    assert_eq!(
        post_meta(&server, &meta_text(contact, "wamid.a1", "oi")).status,
        200
    );
    let welcome = wait_for_replies(&api, contact, 1);
    let rows = &welcome[0]["interactive"]["action"]["sections"][0]["rows"];
    assert_eq!(rows[0]["id"], "welcome/sou usuario", "{rows}");
    let tap = meta_reply(contact, "wamid.a2", "welcome/sou usuario", "Sou usuário");
    assert_eq!(post_meta(&server, &tap).status, 200);
    let replies = wait_for_replies(&api, contact, 2);
    let home = &replies[1];
    assert_eq!(shown(home), "Oi, Ana! O que você precisa hoje?", "{home}");
    assert_eq!(home["interactive"]["type"], "list");
    assert_eq!(
        home["interactive"]["action"]["sections"][0]["rows"][0]["title"],
        "Ciclo de cobrança"
    );
    let state = db_state(&server.db, &format!("meta:{contact}")).expect("a saved state");
    assert_eq!(state["audience"], "member", "{state}");
    assert_eq!(state["menu"], "member_home", "{state}");
}

#[test]
fn a_contact_known_only_by_a_business_scoped_id_is_answered_by_recipient() {
    let dir = TempDir::new("server");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    let bsuid = "US.13491208655302741918";
    let body = |id: &str, content: Value| meta_from(None, bsuid, id, content);
    let hello = body("wamid.b1", json!({"type": "text", "text": {"body": "oi"}}));
    assert_eq!(post_meta(&server, &hello).status, 200);
    let tap = body(
        "wamid.b2",
        json!({"type": "interactive", "interactive": {"type": "list_reply",
            "list_reply": {"id": "welcome/sou usuario", "title": "Sou usuário"}}}),
    );
    let by_recipient = |r: &[Recorded]| {
        r.iter()
            .map(Recorded::json)
            .filter(|b| b["recipient"] == bsuid)
            .collect::<Vec<_>>()
    };
    api.wait_for(WAIT, "the welcome menu", |r| by_recipient(r).len() == 1);
    assert_eq!(post_meta(&server, &tap).status, 200);
    let requests = api.wait_for(WAIT, "the member menu", |r| by_recipient(r).len() == 2);
    assert_eq!(requests.len(), 2, "{requests:#?}");
    let replies = by_recipient(&requests);
    for reply in &replies {
        assert!(reply.get("to").is_none(), "{reply}");
        assert_eq!(reply["messaging_product"], "whatsapp");
    }
    assert_eq!(shown(&replies[0]), WELCOME);
    assert_eq!(shown(&replies[1]), "Oi, Ana! O que você precisa hoje?");
    assert!(db_state(&server.db, &format!("meta:{bsuid}")).is_some());
}

/// A WhatsApp user is their business-scoped id: one conversation whatever phone a message
/// gives or hides, and a phone is only ever the last user who wrote with it.
#[test]
fn a_business_scoped_id_is_one_conversation_whatever_the_phone() {
    let dir = TempDir::new("server");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    let text = |body: &str| json!({"type": "text", "text": {"body": body}});
    let tap = json!({"type": "interactive", "interactive": {"type": "list_reply",
        "list_reply": {"id": "welcome/sou usuario", "title": "Sou usuário"}}});
    let member = "Oi, Ana! O que você precisa hoje?";
    let post = |body: String| assert_eq!(post_meta(&server, &body).status, 200);
    let state = |id: &str| db_state(&server.db, &format!("meta:{id}"));
    let said = |id: &str, n: usize| {
        let requests = api.wait_for(WAIT, &format!("{n} replies to {id}"), |r| {
            sent_to(r, id).len() >= n
        });
        sent_to(&requests, id)
            .iter()
            .map(|b| shown(b).to_string())
            .collect::<Vec<_>>()
    };

    // Phone and id, then the id alone (the number hidden), then the phone alone: one
    // conversation, kept under the id and answered by it.
    let (phone, b1) = ("5511977776666", "BR.1111");
    post(meta_from(Some(phone), b1, "wamid.a1", text("oi")));
    post(meta_from(None, b1, "wamid.a2", tap.clone()));
    assert_eq!(said(b1, 2), [WELCOME, member]);
    post(meta_text(phone, "wamid.a3", "menu"));
    assert_eq!(said(b1, 3)[2], member);
    assert!(state(phone).is_none());
    assert_eq!(state(b1).unwrap()["contact"]["phone"], format!("+{phone}"));

    // A release by phone releases the id's conversation, and says so.
    let bearer = format!("Bearer {ADMIN_TOKEN}");
    let released = release(
        &server,
        Some(&bearer),
        &json!({"contact": format!("+{phone}")}).to_string(),
    );
    assert_eq!(released.status, 200, "{released:?}");
    assert_eq!(released.body, format!("released meta:{b1}\n"));

    // A new number for the same user: the same conversation.
    let new_phone = "5511933332222";
    post(meta_from(Some(new_phone), b1, "wamid.a4", text("menu")));
    assert_eq!(said(b1, 4)[3], member);
    assert_eq!(
        state(b1).unwrap()["contact"]["phone"],
        format!("+{new_phone}")
    );

    // The old number passes to someone else: their own conversation, and the phone alone now
    // reaches them, not the first user.
    let b2 = "BR.2222";
    post(meta_from(Some(phone), b2, "wamid.b1", text("oi")));
    assert_eq!(said(b2, 1), [WELCOME]);
    post(meta_text(phone, "wamid.b2", "1"));
    assert_eq!(said(b2, 2)[1], member);
    assert_eq!(said(b1, 4).len(), 4, "nothing more for the first user");

    // A conversation begun by phone before Meta sent ids moves to the id when it comes.
    let (old_phone, b3) = ("5511922221111", "BR.3333");
    post(meta_text(old_phone, "wamid.c1", "oi"));
    assert_eq!(said(old_phone, 1), [WELCOME]);
    post(meta_from(Some(old_phone), b3, "wamid.c2", tap.clone()));
    assert_eq!(said(b3, 1), [member]);
    assert!(state(old_phone).is_none());
    assert_eq!(state(b3).unwrap()["menu"], "member_home");

    // What a user left under a phone is not handed to whoever gets the number next: Eva writes
    // by phone (a member), then with her id alone, then with both (her phone now points at
    // her id, her old conversation left behind); then the number passes to Fábio.
    let (eva_phone, eva, fabio) = ("5511900001111", "BR.5555", "BR.6666");
    post(meta_text(eva_phone, "wamid.e1", "oi"));
    post(meta_text(eva_phone, "wamid.e2", "1"));
    assert_eq!(said(eva_phone, 2)[1], member);
    post(meta_from(None, eva, "wamid.e3", text("oi")));
    post(meta_from(Some(eva_phone), eva, "wamid.e4", text("menu")));
    assert_eq!(said(eva, 2).len(), 2);
    post(meta_from(Some(eva_phone), fabio, "wamid.f1", text("oi")));
    assert_eq!(said(fabio, 1), [WELCOME]);
    let fabios = state(fabio).unwrap();
    assert!(fabios["audience"].is_null(), "{fabios}");
    assert_eq!(fabios["menu"], "welcome", "{fabios}");

    // Phone and id, then the id alone, in one webhook (one batch): one conversation.
    let (phone4, b4) = ("5511911110000", "BR.4444");
    let mut both: Value =
        serde_json::from_str(&meta_from(Some(phone4), b4, "wamid.d1", text("oi"))).unwrap();
    let alone: Value = serde_json::from_str(&meta_from(None, b4, "wamid.d2", tap)).unwrap();
    let second = alone["entry"][0]["changes"][0]["value"]["messages"][0].clone();
    both["entry"][0]["changes"][0]["value"]["messages"]
        .as_array_mut()
        .unwrap()
        .push(second);
    post(both.to_string());
    assert_eq!(said(b4, 2), [WELCOME, member]);
    assert!(state(phone4).is_none());
}

#[test]
fn a_batch_of_entries_changes_and_messages_answers_every_contact() {
    let dir = TempDir::new("server");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    let metadata =
        json!({"display_phone_number": "15550000000", "phone_number_id": PHONE_NUMBER_ID});
    let contact = |wa: &str, name: &str| json!({"profile": {"name": name}, "wa_id": wa});
    let text = |from: &str, id: &str, body: &str| json!({"from": from, "id": id, "timestamp": sent_now(), "type": "text", "text": {"body": body}});
    let (ana, bruno, carla, davi) = (
        "5511900000001",
        "5511900000002",
        "5511900000003",
        "5511900000004",
    );
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [
            {"id": "1", "changes": [
                {"field": "messages", "value": {
                    "messaging_product": "whatsapp", "metadata": metadata,
                    "contacts": [contact(ana, "Ana"), contact(bruno, "Bruno")],
                    "messages": [text(ana, "wamid.batch1", "oi"), text(bruno, "wamid.batch2", "olá")],
                }},
                {"field": "messages", "value": {
                    "messaging_product": "whatsapp", "metadata": metadata,
                    "contacts": [contact(carla, "Carla")],
                    "messages": [text(carla, "wamid.batch3", "bom dia")],
                    "statuses": [{"id": "wamid.out1", "status": "delivered",
                                  "timestamp": "1764100001", "recipient_id": ana}],
                }},
            ]},
            {"id": "2", "changes": [
                {"field": "messages", "value": {
                    "messaging_product": "whatsapp", "metadata": metadata,
                    "contacts": [contact(ana, "Ana"), contact(davi, "Davi")],
                    "messages": [
                        {"from": ana, "id": "wamid.batch4", "timestamp": sent_now(),
                         "type": "interactive", "interactive": {"type": "list_reply",
                            "list_reply": {"id": "welcome/sou usuario", "title": "Sou usuário"}}},
                        text(davi, "wamid.batch5", "oi"),
                    ],
                }},
            ]},
        ],
    })
    .to_string();
    let answer = post_meta(&server, &body);
    assert_eq!(answer.status, 200, "{answer:?}");
    // Ana's two messages, in the order of the batch; every other contact, the welcome menu.
    let ana_replies = wait_for_replies(&api, ana, 2);
    assert_eq!(shown(&ana_replies[0]), WELCOME);
    assert_eq!(shown(&ana_replies[1]), "Oi, Ana! O que você precisa hoje?");
    for other in [bruno, carla, davi] {
        let replies = wait_for_replies(&api, other, 1);
        assert_eq!(shown(&replies[0]), WELCOME, "{other}");
    }
    assert_eq!(api.requests().len(), 5, "{:#?}", api.requests());
    assert_eq!(
        db_strings(
            &server.db,
            "SELECT message_id || ' ' || status FROM statuses"
        ),
        ["wamid.out1 delivered"]
    );
    assert_metric(&server, "charla_messages_in_total{channel=\"meta\"}", 5.0);
}

#[test]
fn a_message_delivered_many_times_at_once_is_processed_once() {
    let dir = TempDir::new("server");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    let contact = "5511999990011";
    let body = meta_text(contact, "wamid.race", "oi");
    std::thread::scope(|scope| {
        let posts: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| post_meta(&server, &body)))
            .collect();
        for post in posts {
            let answer = post.join().unwrap();
            assert_eq!(answer.status, 200, "{answer:?}");
        }
    });
    assert_eq!(count(&server, "SELECT count(*) FROM inbound"), 1);
    assert_eq!(count(&server, "SELECT count(*) FROM outbox"), 1);
    assert_metric(&server, "charla_messages_in_total{channel=\"meta\"}", 1.0);
    assert_metric(
        &server,
        "charla_duplicate_webhooks_total{channel=\"meta\"}",
        7.0,
    );
    // The next message's reply comes after any earlier one to the contact: one welcome only.
    let tap = meta_reply(contact, "wamid.after", "welcome/sou usuario", "Sou usuário");
    assert_eq!(post_meta(&server, &tap).status, 200);
    let replies = wait_for_replies(&api, contact, 2);
    assert_eq!(replies.len(), 2, "{replies:#?}");
    assert_eq!(shown(&replies[0]), WELCOME);
    assert_eq!(shown(&replies[1]), "Oi, Ana! O que você precisa hoje?");
}

// --- Meta: every real webhook body ------------------------------------------------------------

/// The real Cloud API bodies (`tests/whatsapp-cloud/*.json`, each an object of named cases).
fn fixture_cases() -> Vec<(String, Value)> {
    let dir = crate_root().join("tests/whatsapp-cloud");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    let mut cases = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&file).unwrap();
        let Value::Object(map) = serde_json::from_str(&text).unwrap() else {
            panic!("{name} is not an object of cases")
        };
        for (case, body) in map {
            cases.push((format!("{name}/{case}"), body));
        }
    }
    cases
}

/// What the bot should do with one message of a fixture, read from the fixture itself.
#[derive(Debug, PartialEq)]
enum Expect {
    /// Text, a button or list tap, a template button: the bot answers as it would to text.
    Answer,
    /// Anything else (media, location, order, ...): the polite text.
    Polite,
    /// A reaction: nothing to answer (it still counts as a message from the contact).
    Silent,
}

fn expectation(message: &Value) -> Expect {
    let readable = match message["type"].as_str() {
        Some("text") => message["text"]["body"].is_string(),
        Some("button") => message["button"].is_object(),
        Some("interactive") => matches!(
            message["interactive"]["type"].as_str(),
            Some("button_reply" | "list_reply")
        ),
        _ => false,
    };
    if readable {
        Expect::Answer
    } else if message["type"] == "reaction" {
        Expect::Silent
    } else {
        Expect::Polite
    }
}

#[test]
fn every_real_fixture_is_answered_politely_or_recorded() {
    let dir = TempDir::new("server");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    let mut expected = Vec::new(); // (case, contact, what)
    let mut statuses = Vec::new();
    for (n, (case, mut body)) in fixture_cases().into_iter().enumerate() {
        // The fixtures share message ids and one sender; each case gets its own contact (a
        // phone, and a business-scoped id where the fixture has one) and ids, so that each is
        // processed (not taken for a retry) and answered on its own.
        let phone = format!("55119{n:08}");
        let bsuid = format!("BR.{n}");
        let has_bsuid = body.to_string().contains("user_id");
        let contact = if has_bsuid {
            bsuid.clone()
        } else {
            phone.clone()
        };
        for change in body["entry"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .flat_map(|e| e["changes"].as_array_mut().unwrap().iter_mut())
        {
            let value = &mut change["value"];
            for person in value["contacts"].as_array_mut().into_iter().flatten() {
                person["wa_id"] = json!(phone);
                if person.get("user_id").is_some() {
                    person["user_id"] = json!(bsuid);
                }
            }
            for (i, message) in value["messages"]
                .as_array_mut()
                .into_iter()
                .flatten()
                .enumerate()
            {
                message["from"] = json!(phone);
                if message.get("from_user_id").is_some() {
                    message["from_user_id"] = json!(bsuid);
                }
                message["id"] = json!(format!("wamid.fixture.{n}.{i}"));
                // Recorded in 2023: sent now instead, or the 24-hour window (which runs from
                // the message's own time) would have closed long ago.
                message["timestamp"] = json!(sent_now());
                expected.push((case.clone(), contact.clone(), expectation(message)));
            }
            for status in value["statuses"].as_array().into_iter().flatten() {
                statuses.push(status["status"].as_str().unwrap().to_string());
            }
        }
        let answer = post_meta(&server, &body.to_string());
        assert_eq!(answer.status, 200, "{case}: {answer:?}");
    }
    assert!(expected.iter().any(|(_, _, e)| *e == Expect::Polite));
    assert!(expected.iter().any(|(_, _, e)| *e == Expect::Answer));
    assert!(statuses.len() >= 5, "{statuses:?}");

    let all = api.wait_for(WAIT, "a reply to every fixture", |r| {
        expected
            .iter()
            .filter(|(_, _, e)| *e != Expect::Silent)
            .all(|(_, contact, _)| !sent_to(r, contact).is_empty())
    });
    assert!(expected.iter().any(|(_, _, e)| *e == Expect::Silent));
    for (case, contact, what) in &expected {
        let replies = sent_to(&all, contact);
        if *what == Expect::Silent {
            assert!(replies.is_empty(), "{case}: {replies:#?}");
            continue;
        }
        let first = shown(&replies[0]);
        match what {
            Expect::Polite => {
                assert_eq!(replies.len(), 1, "{case}: {replies:#?}");
                assert_eq!(replies[0]["type"], "text", "{case}");
                assert_eq!(first, POLITE, "{case}");
            }
            // Each case is a new contact's first message: the start menu.
            Expect::Answer => assert_eq!(first, WELCOME, "{case}: {replies:#?}"),
            Expect::Silent => unreachable!(),
        }
    }
    let recorded = db_strings(&server.db, "SELECT status FROM statuses ORDER BY status");
    statuses.sort();
    assert_eq!(recorded, statuses);
    let failed = db_strings(
        &server.db,
        "SELECT errors FROM statuses WHERE status = 'failed'",
    );
    assert!(
        failed.iter().all(|e| !e.is_empty()),
        "a failed status keeps its errors: {failed:?}"
    );
    let messages = expected.len() as f64;
    assert_metric(
        &server,
        "charla_messages_in_total{channel=\"meta\"}",
        messages,
    );
    assert_metric(
        &server,
        "charla_statuses_total{channel=\"meta\"}",
        statuses.len() as f64,
    );
}

// --- Admin: health, metrics, handoff and release ---------------------------------------------

#[test]
fn healthz_says_ok_as_json() {
    let dir = TempDir::new("server");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    let answer = get(&server.url("/healthz"));
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(
        answer.content_type.starts_with("application/json"),
        "{answer:?}"
    );
    let health: Value = serde_json::from_str(&answer.body).unwrap();
    assert_eq!(health["status"], "ok", "{health}");
    assert_eq!(health["bot"], "TotalPass", "{health}");
    assert_eq!(health["outbox_pending"], 0, "{health}");
}

fn meta_status(id: &str, status: &str, recipient: &str) -> String {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550000000", "phone_number_id": PHONE_NUMBER_ID},
            "statuses": [{"id": id, "status": status, "timestamp": "1764100005",
                          "recipient_id": recipient}],
        }}]}],
    })
    .to_string()
}

#[test]
fn metrics_count_what_happened() {
    let dir = TempDir::new("server");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    let fresh = metrics(&server);
    for family in [
        "charla_messages_in counter",
        "charla_messages_out counter",
        "charla_duplicate_webhooks counter",
        "charla_handoffs counter",
        "charla_fallbacks counter",
        "charla_statuses counter",
        "charla_webhook_seconds histogram",
        "charla_outbox_pending gauge",
    ] {
        assert!(
            fresh.contains(&format!("# TYPE {family}\n")),
            "{family}:\n{fresh}"
        );
    }

    let contact = "5511999990003";
    let hello = meta_text(contact, "wamid.m1", "oi");
    assert_eq!(post_meta(&server, &hello).status, 200);
    assert_eq!(post_meta(&server, &hello).status, 200); // Meta's retry
    let tap = meta_reply(contact, "wamid.m2", "welcome/sou usuario", "Sou usuário");
    assert_eq!(post_meta(&server, &tap).status, 200);
    let status = meta_status("wamid.sent1", "read", contact);
    assert_eq!(post_meta(&server, &status).status, 200);
    assert_eq!(post_twilio(&server, &twilio_text("SM1", "oi")).status, 200);
    // Not signed: refused, and counted nowhere.
    let refused = post(
        &server.url("/webhooks/whatsapp"),
        &[("Content-Type", "application/json")],
        meta_text(contact, "wamid.m3", "oi").as_bytes(),
    );
    assert_eq!(refused.status, 401);

    wait_for_replies(&api, contact, 2);
    wait_until(WAIT, "two sends counted and marked sent", || {
        let text = metrics(&server);
        metric(&text, "charla_messages_out_total{channel=\"meta\"}") == Some(2.0)
            && metric(&text, "charla_outbox_pending") == Some(0.0)
    });
    let text = metrics(&server);
    let expect = [
        ("charla_messages_in_total{channel=\"meta\"}", 2.0),
        ("charla_messages_in_total{channel=\"twilio\"}", 1.0),
        ("charla_messages_out_total{channel=\"meta\"}", 2.0),
        ("charla_messages_out_total{channel=\"twilio\"}", 1.0),
        ("charla_duplicate_webhooks_total{channel=\"meta\"}", 1.0),
        ("charla_statuses_total{channel=\"meta\"}", 1.0),
        ("charla_handoffs_total", 0.0),
        ("charla_fallbacks_total", 0.0),
        ("charla_webhook_seconds_count{channel=\"meta\"}", 4.0),
        (
            "charla_webhook_seconds_bucket{le=\"+Inf\",channel=\"meta\"}",
            4.0,
        ),
        ("charla_webhook_seconds_count{channel=\"twilio\"}", 1.0),
        ("charla_outbox_pending", 0.0),
    ];
    for (series, value) in expect {
        assert_eq!(metric(&text, series), Some(value), "{series} in\n{text}");
    }
    let sum = metric(&text, "charla_webhook_seconds_sum{channel=\"meta\"}").unwrap();
    assert!(sum > 0.0 && sum < 10.0, "{text}");
}

/// A Twilio text message from Ana (for tests here that touch both channels).
fn twilio_text<'a>(sid: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("MessageSid", sid),
        ("AccountSid", "ACtest"),
        ("From", "whatsapp:+5511988887777"),
        ("To", "whatsapp:+14155238886"),
        ("Body", body),
        ("ProfileName", "Ana"),
        ("WaId", "5511988887777"),
        ("NumMedia", "0"),
    ]
}

fn release(server: &Server, authorization: Option<&str>, body: &str) -> Answer {
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(value) = authorization {
        headers.push(("Authorization", value));
    }
    post(&server.url("/handoff/release"), &headers, body.as_bytes())
}

#[test]
fn release_refuses_a_wrong_token_an_unknown_contact_and_a_bad_body() {
    let dir = TempDir::new("server");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    let bearer = format!("Bearer {ADMIN_TOKEN}");
    let body = r#"{"contact": "5511999990004"}"#;
    for authorization in [
        None,
        Some("Bearer"),
        Some("Bearer wrong-token"),
        Some(ADMIN_TOKEN),
        Some("Basic dGVzdC1hZG1pbi10b2tlbg=="),
        Some(&*format!("Bearer {ADMIN_TOKEN}x")),
    ] {
        let answer = release(&server, authorization, body);
        assert_eq!(answer.status, 401, "{authorization:?}: {answer:?}");
    }
    let unknown = release(&server, Some(&bearer), body);
    assert_eq!(unknown.status, 404, "{unknown:?}");
    for bad in [
        "",
        "{",
        "not json",
        "{}",
        r#"{"contact": ""}"#,
        r#"{"contact": 5511999990004}"#,
        "[\"5511999990004\"]",
    ] {
        let answer = release(&server, Some(&bearer), bad);
        assert_eq!(answer.status, 400, "{bad:?}: {answer:?}");
    }
    let wrong_type = post(
        &server.url("/handoff/release"),
        &[("Authorization", &bearer), ("Content-Type", "text/plain")],
        body.as_bytes(),
    );
    assert_eq!(wrong_type.status, 415, "{wrong_type:?}");
    assert_store_untouched(&server);
}

#[test]
fn a_handoff_is_announced_the_bot_stays_silent_and_a_release_gives_it_back() {
    let dir = TempDir::new("server");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    let contact = "5511999990000";
    let key = format!("meta:{contact}");
    assert_eq!(
        post_meta(&server, &meta_text(contact, "wamid.h1", "oi")).status,
        200
    );
    wait_for_replies(&api, contact, 1);
    let tap = meta_reply(
        contact,
        "wamid.h2",
        "welcome/falar com atendente",
        "Falar com atendente",
    );
    assert_eq!(post_meta(&server, &tap).status, 200);
    let replies = wait_for_replies(&api, contact, 2);
    assert_eq!(shown(&replies[1]), HANDOFF);
    let agents = api.wait_for(WAIT, "the handoff announcement", |r| {
        r.iter().any(|r| r.path == "/agents")
    });
    let announcements: Vec<&Recorded> = agents.iter().filter(|r| r.path == "/agents").collect();
    let [announcement] = announcements.as_slice() else {
        panic!("{announcements:#?}")
    };
    assert!(
        announcement
            .headers
            .get("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{announcement:?}"
    );
    let announced = announcement.json();
    assert_eq!(announced["event"], "handoff", "{announced}");
    assert_eq!(announced["bot"], "TotalPass", "{announced}");
    assert_eq!(announced["channel"], "meta", "{announced}");
    assert_eq!(announced["contact"], contact, "{announced}");
    assert_eq!(announced["phone"], format!("+{contact}"), "{announced}");
    assert_eq!(announced["name"], "Ana", "{announced}");
    assert_eq!(db_state(&server.db, &key).unwrap()["handoff"], true);

    // A person has the conversation: the bot writes nothing (no outbox row, no send).
    let rows = count(
        &server,
        "SELECT count(*) FROM outbox WHERE channel = 'meta'",
    );
    assert_eq!(rows, 2);
    assert_eq!(
        post_meta(&server, &meta_text(contact, "wamid.h3", "alô?")).status,
        200
    );
    assert_eq!(
        count(
            &server,
            "SELECT count(*) FROM outbox WHERE channel = 'meta'"
        ),
        rows
    );
    assert_eq!(db_state(&server.db, &key).unwrap()["handoff"], true);

    // The agent gives the contact back (the phone written as people write it).
    let bearer = format!("Bearer {ADMIN_TOKEN}");
    let released = release(
        &server,
        Some(&bearer),
        r#"{"contact": "+55 11 99999-0000"}"#,
    );
    assert_eq!(released.status, 200, "{released:?}");
    assert_eq!(db_state(&server.db, &key).unwrap()["handoff"], false);
    assert_eq!(
        post_meta(&server, &meta_text(contact, "wamid.h4", "oi, voltei")).status,
        200
    );
    let replies = wait_for_replies(&api, contact, 3);
    assert_eq!(
        replies.len(),
        3,
        "nothing answered the silent message: {replies:#?}"
    );
    assert_eq!(shown(&replies[2]), WELCOME);
    assert_metric(&server, "charla_handoffs_total", 1.0);
}

// --- A channel that is off --------------------------------------------------------------------

#[test]
fn a_channel_without_its_secrets_answers_404() {
    let dir = TempDir::new("server");
    let api = FakeApi::start();
    let only = |prefix: &str| -> Vec<(String, String)> {
        env_for(&api)
            .into_iter()
            .filter(|(k, _)| k.starts_with(prefix))
            .collect()
    };
    let meta_only = totalpass_with(&dir, &only("WHATSAPP_"));
    let params = twilio_text("SM404", "oi");
    assert_eq!(post_twilio(&meta_only, &params).status, 404);
    let release = release(
        &meta_only,
        Some(&format!("Bearer {ADMIN_TOKEN}")),
        r#"{"contact": "5511988887777"}"#,
    );
    assert_eq!(release.status, 404, "no CHARLA_ADMIN_TOKEN: {release:?}");
    // Meta itself still works.
    assert_eq!(
        post_meta(&meta_only, &meta_text("5511999990005", "wamid.on", "oi")).status,
        200
    );
    wait_for_replies(&api, "5511999990005", 1);
    assert!(
        meta_only.log().contains("twilio:  off"),
        "{}",
        meta_only.log()
    );
    drop(meta_only);

    let other = TempDir::new("server");
    let twilio_only = totalpass_with(&other, &only("TWILIO_"));
    let body = meta_text("5511999990006", "wamid.off", "oi");
    assert_eq!(post_meta(&twilio_only, &body).status, 404);
    let verify = get(&twilio_only.url(&format!(
        "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=7"
    )));
    assert_eq!(verify.status, 404, "{verify:?}");
    assert_eq!(post_twilio(&twilio_only, &params).status, 200);
    assert!(
        twilio_only.log().contains("meta:    off"),
        "{}",
        twilio_only.log()
    );
    assert_eq!(
        count(
            &twilio_only,
            "SELECT count(*) FROM states WHERE contact LIKE 'meta:%'"
        ),
        0
    );
}

// --- Bad input --------------------------------------------------------------------------------

/// A signed POST of raw bytes with this content type (or none).
fn post_signed(server: &Server, content_type: Option<&str>, body: &[u8]) -> Answer {
    let signature = meta_signature(APP_SECRET, body);
    let mut headers = vec![("X-Hub-Signature-256", signature.as_str())];
    if let Some(content_type) = content_type {
        headers.push(("Content-Type", content_type));
    }
    post(&server.url("/webhooks/whatsapp"), &headers, body)
}

#[test]
fn bad_input_is_refused_and_changes_nothing_and_the_server_goes_on() {
    let dir = TempDir::new("server");
    let api = FakeApi::start();
    let mut env = env_for(&api);
    env.push(("CHARLA_MAX_BODY".to_string(), "4096".to_string()));
    let server = totalpass_with(&dir, &env);
    let json = Some("application/json");

    let big = meta_text("5511999990007", "wamid.big", &"a".repeat(5000));
    assert!(big.len() > 4096);
    let answer = post_meta(&server, &big);
    assert_eq!(answer.status, 413, "{answer:?}");
    let unsigned_big = post(
        &server.url("/webhooks/whatsapp"),
        &[("Content-Type", "application/json")],
        &vec![b'x'; 100_000],
    );
    assert_eq!(unsigned_big.status, 413, "{unsigned_big:?}");

    let deep = format!("{}{}", "[".repeat(1500), "]".repeat(1500));
    let malformed: [&[u8]; 7] = [
        b"",
        b"{",
        b"{\"object\": \"whatsapp_business_account\", \"entry\": [",
        b"\xff\xfe\x00junk\x01\x02",
        b"{\"object\": \"whatsapp_business_account\"} trailing",
        deep.as_bytes(),
        b"NaN",
    ];
    for body in malformed {
        let answer = post_signed(&server, json, body);
        assert_eq!(
            answer.status,
            400,
            "{:?}: {answer:?}",
            String::from_utf8_lossy(&body[..body.len().min(60)])
        );
    }
    let not_webhooks = [
        "{}",
        "[]",
        "null",
        "\"whatsapp_business_account\"",
        r#"{"hello": "world"}"#,
        r#"{"object": "page", "entry": []}"#,
        r#"{"object": "whatsapp_business_account"}"#,
        r#"{"object": "whatsapp_business_account", "entry": {}}"#,
        r#"{"object": 7, "entry": []}"#,
    ];
    for body in not_webhooks {
        let answer = post_signed(&server, json, body.as_bytes());
        assert_eq!(answer.status, 400, "{body}: {answer:?}");
    }
    let good = meta_text("5511999990008", "wamid.typed", "oi");
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let answer = post_signed(&server, content_type, good.as_bytes());
        assert_eq!(answer.status, 415, "{content_type:?}: {answer:?}");
    }
    assert_store_untouched(&server);
    assert_eq!(api.requests().len(), 0, "{:#?}", api.requests());

    // Unknown fields everywhere, and parts of odd shapes, are read past.
    let contact = "5511999990009";
    let odd = json!({
        "object": "whatsapp_business_account",
        "novelty": {"a": [1, 2, 3]},
        "entry": [
            7, "x", {"changes": "no"}, {"id": "0"},
            {"id": "1", "time": 1764100000, "extra": true, "changes": [
                {"field": "account_update", "value": {"event": "VERIFIED_ACCOUNT"}},
                {"field": "messages", "future": null, "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "15550000000",
                                 "phone_number_id": PHONE_NUMBER_ID, "new": 1},
                    "contacts": [{"profile": {"name": "Ana", "username": "@ana"},
                                  "wa_id": contact, "user_id": "US.1", "other": {}}],
                    "messages": [
                        {"id": "", "from": contact, "type": "text", "text": {"body": "no id"}},
                        {"from": contact, "id": "wamid.odd", "timestamp": sent_now(),
                         "type": "text", "text": {"body": "oi", "preview_url": false},
                         "context": {"forwarded": true}, "brand_new": [1]},
                    ],
                    "statuses": [{"status": "read"}, {"id": "wamid.x"}],
                    "errors": [{"code": 1}],
                }},
            ]},
        ],
    })
    .to_string();
    let answer = post_meta(&server, &odd);
    assert_eq!(answer.status, 200, "{answer:?}");
    // Meta gave the business-scoped id too: the reply goes by it.
    let replies = wait_for_replies(&api, "US.1", 1);
    assert_eq!(shown(&replies[0]), WELCOME);
    assert_eq!(count(&server, "SELECT count(*) FROM statuses"), 0);
    assert_metric(&server, "charla_messages_in_total{channel=\"meta\"}", 1.0);

    // After all that, another contact is served as usual (a charset is no wrong type).
    let answer = post_signed(
        &server,
        Some("application/json; charset=utf-8"),
        good.as_bytes(),
    );
    assert_eq!(answer.status, 200, "{answer:?}");
    let replies = wait_for_replies(&api, "5511999990008", 1);
    assert_eq!(shown(&replies[0]), WELCOME);
    assert_eq!(api.requests().len(), 2, "{:#?}", api.requests());
    let health = get(&server.url("/healthz"));
    assert_eq!(health.status, 200, "{health:?}");
}

#[test]
fn a_signed_batch_of_a_thousand_messages_is_processed_in_full() {
    let dir = TempDir::new("server");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    const N: usize = 1000;
    let contacts: Vec<String> = (0..N).map(|i| format!("55118{i:08}")).collect();
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550000000", "phone_number_id": PHONE_NUMBER_ID},
            "contacts": contacts.iter().map(|c| json!({"profile": {"name": "Ana"}, "wa_id": c}))
                .collect::<Vec<_>>(),
            "messages": contacts.iter().enumerate().map(|(i, c)| json!({
                "from": c, "id": format!("wamid.many.{i}"), "timestamp": sent_now(),
                "type": "text", "text": {"body": "oi"}}))
                .collect::<Vec<_>>(),
        }}]}],
    })
    .to_string();
    let answer = post_meta(&server, &body);
    assert_eq!(answer.status, 200, "{answer:?}");
    // Processed (state and reply committed) before the answer.
    assert_metric(
        &server,
        "charla_messages_in_total{channel=\"meta\"}",
        N as f64,
    );
    assert_eq!(count(&server, "SELECT count(*) FROM states"), N as i64);
    assert_eq!(count(&server, "SELECT count(*) FROM inbound"), N as i64);
    let requests = api.wait_for(WAIT, "a thousand replies", |r| r.len() >= N);
    let answered: std::collections::BTreeSet<String> = requests
        .iter()
        .map(|r| r.json()["to"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(requests.len(), N, "one reply each");
    assert_eq!(
        answered,
        contacts.into_iter().collect(),
        "each contact answered"
    );
}

// --- Shutdown ---------------------------------------------------------------------------------

#[test]
fn sigterm_stops_the_server_cleanly() {
    let dir = TempDir::new("server");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    assert_eq!(
        post_meta(&server, &meta_text("5511999990010", "wamid.t1", "oi")).status,
        200
    );
    wait_for_replies(&api, "5511999990010", 1);
    let log = server.log.clone();
    let status = server.terminate(Duration::from_secs(5));
    let status = status.expect("the server stops within 5 s of SIGTERM");
    assert!(status.success(), "{status:?}: {:?}", log.lock().unwrap());
}
