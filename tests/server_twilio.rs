//! The Twilio channel end to end: a real `charla serve` on loopback, form webhooks signed here
//! (HMAC-SHA1 over `TWILIO_PUBLIC_URL` and the sorted parameters, computed independently of
//! charla), answered with TwiML in the response.

#[allow(dead_code)]
mod support;

use serde_json::Value;
use std::time::Duration;
use support::server::*;
use support::{crate_root, TempDir};

const WAIT: Duration = Duration::from_secs(20);
const XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>"#;
const EMPTY: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response/>"#;
const POLITE: &str =
    "Desculpe, por aqui eu só consigo ler mensagens de texto. Pode escrever, por favor?";
const WELCOME: &str =
    "Olá! Eu sou a assistente virtual da TotalPass. Para te ajudar melhor, me conta: quem é você?

1. Sou usuário - Tenho a TotalPass pela minha empresa
2. Sou dependente - Uso a TotalPass pelo plano de um familiar
3. Sou do RH - Cuido do benefício na minha empresa
4. Sou academia - Minha academia ou estúdio é parceiro
5. Quero conhecer - Ainda não tenho a TotalPass
6. Falar com atendente";
const HANDOFF: &str = "Vou te passar para um atendente. Aguarde um instante.";

const PHONE: &str = "5511988887777";

fn totalpass(dir: &TempDir, api: &FakeApi) -> Server {
    Server::from_sources(
        &crate_root().join("examples/totalpass"),
        &dir.path().join("bot.db"),
        &env_for(api),
    )
}

/// What Twilio posts for a WhatsApp text from Ana: every field it sends today, in its order
/// (not sorted), unknown ones to charla included.
fn inbound<'a>(sid: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("SmsMessageSid", sid),
        ("NumMedia", "0"),
        ("ProfileName", "Ana"),
        ("MessageType", "text"),
        ("SmsSid", sid),
        ("WaId", PHONE),
        ("SmsStatus", "received"),
        ("Body", body),
        ("To", "whatsapp:+14155238886"),
        ("NumSegments", "1"),
        ("ReferralNumMedia", "0"),
        ("MessageSid", sid),
        ("AccountSid", "ACtest"),
        ("From", "whatsapp:+5511988887777"),
        ("ApiVersion", "2010-04-01"),
        (
            "ChannelMetadata",
            r#"{"type":"whatsapp","data":{"context":{}}}"#,
        ),
    ]
}

/// The `<Message>` texts of a TwiML answer (after checking its frame), unescaped.
#[track_caller]
fn messages(answer: &Answer) -> Vec<String> {
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.content_type.starts_with("text/xml"), "{answer:?}");
    let rest = answer
        .body
        .strip_prefix(XML)
        .unwrap_or_else(|| panic!("no XML declaration: {answer:?}"));
    if rest == "<Response/>" {
        return Vec::new();
    }
    let inner = rest
        .strip_prefix("<Response>")
        .and_then(|r| r.strip_suffix("</Response>"))
        .unwrap_or_else(|| panic!("not a TwiML Response: {answer:?}"));
    inner
        .split("</Message>")
        .filter(|part| !part.is_empty())
        .map(|part| {
            let text = part
                .strip_prefix("<Message>")
                .unwrap_or_else(|| panic!("not a Message: {part:?}"));
            assert!(!text.contains('<'), "{text:?}");
            text.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

fn state(server: &Server) -> Option<Value> {
    db_state(&server.db, &format!("twilio:{PHONE}"))
}

fn count(server: &Server, sql: &str) -> i64 {
    db_count(&server.db, sql)
}

#[test]
fn the_test_signer_gives_twilios_published_vector() {
    // Twilio's documented example; charla's own signer is checked against it in tests/twilio.rs.
    let params = [
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+12349013030"),
        ("Digits", "1234"),
        ("From", "+12349013030"),
        ("To", "+18005551212"),
    ];
    let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    assert_eq!(
        twilio_signature("12345", url, &params),
        "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    );
    let mut reversed = params;
    reversed.reverse();
    assert_eq!(
        twilio_signature("12345", url, &reversed),
        "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    );
}

#[test]
fn a_signed_message_gets_the_menu_as_numbered_text_and_a_number_continues() {
    let dir = TempDir::new("twilio");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    let answer = post_twilio(&server, &inbound("SM0001", "oi"));
    assert_eq!(messages(&answer), [WELCOME], "{answer:?}");
    assert_eq!(state(&server).unwrap()["menu"], "welcome");

    let answer = post_twilio(&server, &inbound("SM0002", "1"));
    let replies = messages(&answer);
    let [home] = replies.as_slice() else {
        panic!("{answer:?}")
    };
    assert!(
        home.starts_with("Oi, Ana! O que você precisa hoje?\n\n1. Ciclo de cobrança - "),
        "{home}"
    );
    assert!(home.ends_with("\n5. Falar com atendente"), "{home}");
    let saved = state(&server).unwrap();
    assert_eq!(saved["audience"], "member", "{saved}");
    assert_eq!(saved["menu"], "member_home", "{saved}");
    assert_eq!(saved["contact"]["phone"], "+5511988887777", "{saved}");
    // Twilio's replies go back in the response: nothing through an API, nothing queued.
    assert_eq!(count(&server, "SELECT count(*) FROM outbox"), 0);
    assert!(api.requests().is_empty(), "{:#?}", api.requests());
}

#[test]
fn a_missing_or_wrong_signature_gets_401_and_changes_nothing() {
    let dir = TempDir::new("twilio");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    let params = inbound("SM0100", "oi");
    let body = form_body(&params);
    let mut changed = params.clone();
    changed[7] = ("Body", "olá");
    let fewer = &params[1..];
    let wrong = [
        None,
        Some(String::new()),
        Some("not base64!".to_string()),
        Some(twilio_signature("another-token", TWILIO_URL, &params)),
        // Signed for the address the server listens on, not the public URL.
        Some(twilio_signature(
            TWILIO_TOKEN,
            &server.url("/webhooks/twilio"),
            &params,
        )),
        Some(twilio_signature(
            TWILIO_TOKEN,
            "https://bot.example.com/webhooks/twilio?x=1",
            &params,
        )),
        Some(twilio_signature(TWILIO_TOKEN, TWILIO_URL, &changed)),
        Some(twilio_signature(TWILIO_TOKEN, TWILIO_URL, fewer)),
    ];
    for signature in &wrong {
        let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
        if let Some(signature) = signature {
            headers.push(("X-Twilio-Signature", signature));
        }
        let answer = post(&server.url("/webhooks/twilio"), &headers, body.as_bytes());
        assert_eq!(answer.status, 401, "{signature:?}: {answer:?}");
        assert!(!answer.body.contains("<Message>"), "{answer:?}");
    }
    for table in ["states", "inbound", "outbox", "statuses"] {
        assert_eq!(
            count(&server, &format!("SELECT count(*) FROM {table}")),
            0,
            "{table}"
        );
    }
    let text = get(&server.url("/metrics")).body;
    assert_eq!(
        metric(&text, "charla_messages_in_total{channel=\"twilio\"}").unwrap_or(0.0),
        0.0,
        "{text}"
    );
    // The refused deliveries did not mark the message as seen.
    assert_eq!(messages(&post_twilio(&server, &params)), [WELCOME]);
    assert!(api.requests().is_empty(), "{:#?}", api.requests());
}

#[test]
fn a_status_callback_is_recorded_and_answered_with_an_empty_response() {
    let dir = TempDir::new("twilio");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    let callback = [
        ("ChannelPrefix", "whatsapp"),
        ("ApiVersion", "2010-04-01"),
        ("MessageStatus", "delivered"),
        ("SmsSid", "SMout1"),
        ("SmsStatus", "delivered"),
        ("ChannelInstallSid", "XE0000"),
        ("To", "whatsapp:+5511988887777"),
        ("From", "whatsapp:+14155238886"),
        ("MessageSid", "SMout1"),
        ("StructuredMessage", "false"),
        ("AccountSid", "ACtest"),
        ("ChannelToAddress", "+55119888XXXXX"),
    ];
    let answer = post_twilio(&server, &callback);
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.content_type.starts_with("text/xml"), "{answer:?}");
    assert_eq!(answer.body, EMPTY);
    assert_eq!(
        db_strings(
            &server.db,
            "SELECT message_id || ' ' || status || ' ' || recipient FROM statuses"
        ),
        ["SMout1 delivered +5511988887777"]
    );
    // A status is no message from a contact: no conversation starts.
    assert_eq!(count(&server, "SELECT count(*) FROM states"), 0);
    let text = get(&server.url("/metrics")).body;
    assert_eq!(
        metric(&text, "charla_statuses_total{channel=\"twilio\"}"),
        Some(1.0),
        "{text}"
    );
}

#[test]
fn a_retried_webhook_gets_the_same_answer_and_is_not_processed_twice() {
    let dir = TempDir::new("twilio");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    assert_eq!(
        messages(&post_twilio(&server, &inbound("SM0200", "oi"))),
        [WELCOME]
    );
    let first = post_twilio(&server, &inbound("SM0201", "1"));
    let saved = state(&server).unwrap();
    assert_eq!(saved["menu"], "member_home", "{saved}");
    // Twilio delivers "1" again: read twice, it would open the member menu's first option.
    let again = post_twilio(&server, &inbound("SM0201", "1"));
    assert_eq!(again.status, 200, "{again:?}");
    assert_eq!(again.body, first.body);
    assert_eq!(state(&server).unwrap(), saved);
    assert_eq!(count(&server, "SELECT count(*) FROM inbound"), 2);
    let text = get(&server.url("/metrics")).body;
    for (series, value) in [
        ("charla_messages_in_total{channel=\"twilio\"}", 2.0),
        ("charla_duplicate_webhooks_total{channel=\"twilio\"}", 1.0),
    ] {
        assert_eq!(metric(&text, series), Some(value), "{series}\n{text}");
    }
    assert!(api.requests().is_empty(), "{:#?}", api.requests());
}

#[test]
fn retries_arriving_together_get_one_answer_and_one_turn() {
    let dir = TempDir::new("twilio");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    let params = inbound("SM0250", "oi");
    let answers: Vec<Answer> = std::thread::scope(|scope| {
        let posts: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| post_twilio(&server, &params)))
            .collect();
        posts.into_iter().map(|p| p.join().unwrap()).collect()
    });
    for answer in &answers {
        assert_eq!(messages(answer), [WELCOME], "{answer:?}");
    }
    assert_eq!(count(&server, "SELECT count(*) FROM inbound"), 1);
    let text = get(&server.url("/metrics")).body;
    for (series, value) in [
        ("charla_messages_in_total{channel=\"twilio\"}", 1.0),
        ("charla_duplicate_webhooks_total{channel=\"twilio\"}", 7.0),
    ] {
        assert_eq!(metric(&text, series), Some(value), "{series}\n{text}");
    }
}

#[test]
fn media_without_text_gets_the_polite_answer() {
    let dir = TempDir::new("twilio");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    let mut image = inbound("SM0300", "");
    image.retain(|(name, _)| !matches!(*name, "NumMedia" | "MessageType"));
    image.extend([
        ("NumMedia", "1"),
        ("MessageType", "image"),
        ("MediaContentType0", "image/jpeg"),
        (
            "MediaUrl0",
            "https://api.twilio.com/2010-04-01/Accounts/ACtest/Messages/MM1/Media/ME1",
        ),
    ]);
    assert_eq!(messages(&post_twilio(&server, &image)), [POLITE]);
    let mut location = inbound("SM0301", "");
    location.retain(|(name, _)| *name != "MessageType");
    location.extend([
        ("MessageType", "location"),
        ("Latitude", "-23.5505"),
        ("Longitude", "-46.6333"),
    ]);
    assert_eq!(messages(&post_twilio(&server, &location)), [POLITE]);
    // The conversation is there and goes on as usual.
    assert_eq!(
        messages(&post_twilio(&server, &inbound("SM0302", "oi"))),
        [WELCOME]
    );
}

#[test]
fn bad_requests_get_400_or_415_and_change_nothing() {
    let dir = TempDir::new("twilio");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    let url = server.url("/webhooks/twilio");
    let params = inbound("SM0400", "oi");
    let signature = twilio_signature(TWILIO_TOKEN, TWILIO_URL, &params);
    for content_type in ["application/json", "text/plain", "multipart/form-data"] {
        let answer = post(
            &url,
            &[
                ("Content-Type", content_type),
                ("X-Twilio-Signature", &signature),
            ],
            form_body(&params).as_bytes(),
        );
        assert_eq!(answer.status, 415, "{content_type}: {answer:?}");
    }
    let mut no_sid = params.clone();
    no_sid.retain(|(name, _)| !name.ends_with("Sid"));
    let mut no_from = params.clone();
    no_from.retain(|(name, _)| *name != "From");
    for bad in [no_sid, no_from] {
        let answer = post_twilio(&server, &bad);
        assert_eq!(answer.status, 400, "{bad:?}: {answer:?}");
    }
    // Bytes that are not UTF-8 once decoded.
    let answer = post(
        &url,
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("X-Twilio-Signature", &signature),
        ],
        b"MessageSid=SM0400&From=whatsapp%3A%2B5511988887777&Body=%FF%FE",
    );
    assert_eq!(answer.status, 400, "{answer:?}");
    assert_eq!(count(&server, "SELECT count(*) FROM states"), 0);
    assert_eq!(count(&server, "SELECT count(*) FROM inbound"), 0);
    assert_eq!(messages(&post_twilio(&server, &params)), [WELCOME]);
}

#[test]
fn a_handoff_on_twilio_is_announced_and_released_by_phone() {
    let dir = TempDir::new("twilio");
    let api = FakeApi::start();
    let server = totalpass(&dir, &api);
    assert_eq!(
        messages(&post_twilio(&server, &inbound("SM0500", "oi"))),
        [WELCOME]
    );
    assert_eq!(
        messages(&post_twilio(&server, &inbound("SM0501", "6"))),
        [HANDOFF]
    );
    let requests = api.wait_for(WAIT, "the handoff announcement", |r| {
        r.iter().any(|r| r.path == "/agents")
    });
    let announced = requests
        .iter()
        .find(|r| r.path == "/agents")
        .unwrap()
        .json();
    assert_eq!(announced["event"], "handoff", "{announced}");
    assert_eq!(announced["channel"], "twilio", "{announced}");
    assert_eq!(announced["contact"], PHONE, "{announced}");
    assert_eq!(announced["phone"], "+5511988887777", "{announced}");
    // A person has the conversation: an empty answer.
    let silent = post_twilio(&server, &inbound("SM0502", "alô?"));
    assert_eq!(silent.body, EMPTY, "{silent:?}");

    let released = post(
        &server.url("/handoff/release"),
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &format!("Bearer {ADMIN_TOKEN}")),
        ],
        br#"{"contact": "+55 (11) 98888-7777"}"#,
    );
    assert_eq!(released.status, 200, "{released:?}");
    assert!(
        released.body.contains(&format!("twilio:{PHONE}")),
        "{released:?}"
    );
    assert_eq!(
        messages(&post_twilio(&server, &inbound("SM0503", "oi"))),
        [WELCOME]
    );
    // Only the announcement went through an API.
    assert_eq!(api.requests().len(), 1, "{:#?}", api.requests());
}
