//! The Meta WhatsApp Cloud API channel as pure functions (`charla::channels::meta`): webhook
//! signatures and verification, every real webhook body in `tests/whatsapp-cloud/`,
//! batched and hostile bodies, send API bodies and send error classification.

use charla::channels::meta::{
    classify_send_error, parse_webhook, send_body, send_error_summary, send_response_id, send_url,
    verify_signature, verify_subscription, verify_subscription_query, Content, InboundMessage,
    SendErrorKind, SignatureError, Status, SubscriptionError, Webhook, WebhookError,
};
use charla::runtime::engine::Engine;
use charla::runtime::turn::{Choice, Inbound, Message};
use hmac::{Hmac, Mac};
use proptest::prelude::*;
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const SECRET: &[u8] = b"test app secret";

// --- helpers --------------------------------------------------------------------------------

/// The header Meta would send: computed here with hmac/sha2, independently of the channel.
fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

/// The real webhook bodies (`tests/whatsapp-cloud/`, copied from `../shared/fixtures/` with
/// their licence, so a clean clone anywhere has them).
fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/whatsapp-cloud")
}

/// Every `*.json` in the fixtures folder, by name, with its bytes. Fails (never skips) when the
/// folder is missing or holds none.
fn fixture_files() -> Vec<(String, Vec<u8>)> {
    let dir = fixtures_dir();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "the Cloud API webhook fixtures are missing: cannot read {}: {e}",
            dir.display()
        )
    });
    let mut files: Vec<(String, Vec<u8>)> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no *.json fixtures in {}", dir.display());
    files
}

/// Every case of every fixture file: (`file/case`, the webhook body as bytes).
fn fixture_cases() -> Vec<(String, Vec<u8>)> {
    let mut cases = Vec::new();
    for (file, bytes) in fixture_files() {
        let cases_in_file: serde_json::Map<String, Value> = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{file} is not a JSON object of cases: {e}"));
        for (case, body) in cases_in_file {
            cases.push((
                format!("{file}/{case}"),
                serde_json::to_vec_pretty(&body).unwrap(),
            ));
        }
    }
    cases
}

fn parse(body: &[u8]) -> Webhook {
    parse_webhook(body).unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(body)))
}

fn unsupported(kind: &str) -> Content {
    Content::Unsupported {
        kind: kind.to_string(),
    }
}

/// What each fixture case holds: one message with this content, or one status.
enum Expect {
    Message { id: &'static str, content: Content },
    Status { status: &'static str, errors: usize },
}

fn expectation(case: &str) -> Option<Expect> {
    let message = |id: &'static str, content: Content| Some(Expect::Message { id, content });
    let text = |s: &str| Content::Text(s.to_string());
    let status = |status: &'static str| Some(Expect::Status { status, errors: 0 });
    let tap = || Content::TemplateButton {
        payload: "callback_data".to_string(),
        text: "title".to_string(),
    };
    let pick = || Content::Reply {
        id: "callback_data".to_string(),
        title: "title".to_string(),
    };
    let (file, name) = case.split_once('/').unwrap();
    match (file, name) {
        ("message.json", "text") => message("wamid.xyzxyz", text("Body Text")),
        ("message.json", "reply") => message("wamid.xyzxyz", text("replied text")),
        ("message.json", "forwarded") => message("wamid.xyzxyz", text("forwarded text")),
        ("message.json", "forwarded_many_times") => {
            message("wamid.xyzxyz", text("text forwarded many times"))
        }
        ("message.json", "referral") => message("wamid.ID", text("BODY")),
        ("message.json", "image" | "media_with_url") => {
            message("wamid.xyzxyz", unsupported("image"))
        }
        ("message.json", "video") => message("wamid.xyzxyz", unsupported("video")),
        ("message.json", "document") => message("wamid.xyzxyz", unsupported("document")),
        ("message.json", "audio" | "voice") => message("wamid.xyzxyz", unsupported("audio")),
        ("message.json", "static_sticker" | "animated_sticker") => {
            message("wamid.xyzxyz", unsupported("sticker"))
        }
        ("message.json", "reaction" | "unreaction_empty" | "unreaction_no_emoji") => {
            message("wamid.xyzxyz", unsupported("reaction"))
        }
        ("message.json", "current_location" | "chosen_location") => {
            message("wamid.xyzxyz", unsupported("location"))
        }
        ("message.json", "contacts") => message("wamid.xyzxyz", unsupported("contacts")),
        ("message.json", "order") => message("wamid.xyzxyz", unsupported("order")),
        ("message.json", "unsupported") => message("wamid.xyzxyz", unsupported("unsupported")),
        ("message.json", "unsupported_with_type") => message("wamid.xyzxyz", unsupported("pool")),
        ("message.json", "interactive_message_with_err") => {
            message("wamid.wegrchytvwcggt=", unsupported("interactive"))
        }
        ("callback_button.json", "button") => message(
            "wamid.xyzxyz",
            Content::Reply {
                id: "callback_data".to_string(),
                title: "title".to_string(),
            },
        ),
        ("callback_button.json", "quick_reply") => message("wamid.xsidjw", tap()),
        ("callback_button.json", "quick_reply_without_context") => message("wamid.xsidjx", tap()),
        ("callback_selection.json", "callback" | "description") => message("wamid.zyzxyz", pick()),
        ("message_status.json", "sent" | "with_tracker") => status("sent"),
        ("message_status.json", "delivered") => status("delivered"),
        ("message_status.json", "read" | "group") => status("read"),
        ("message_status.json", "played") => status("played"),
        ("message_status.json", "failed") => Some(Expect::Status {
            status: "failed",
            errors: 1,
        }),
        _ => None,
    }
}

// --- the real webhook bodies ----------------------------------------------------------------

#[test]
fn every_fixture_case_parses_to_what_it_holds() {
    let cases = fixture_cases();
    let names: BTreeSet<&str> = cases.iter().map(|(n, _)| n.as_str()).collect();
    // The four files the README describes, with all their cases.
    assert!(
        names.len() >= 35,
        "only {} fixture cases: {names:?}",
        names.len()
    );
    let mut unknown = Vec::new();
    for (case, body) in &cases {
        let webhook = parse(body);
        let Some(expect) = expectation(case) else {
            unknown.push(case.clone());
            continue;
        };
        match expect {
            Expect::Message { id, content } => {
                assert!(webhook.statuses.is_empty(), "{case}: {webhook:?}");
                let [message] = webhook.messages.as_slice() else {
                    panic!("{case}: expected one message, got {webhook:?}");
                };
                assert_eq!(message.id, id, "{case}");
                assert_eq!(message.content, content, "{case}");
                assert_eq!(message.from.as_deref(), Some("972987654321"), "{case}");
                assert_eq!(
                    message.contact_id(),
                    message.user_id.as_deref().or(Some("972987654321")),
                    "{case}"
                );
                // The contact matched by wa_id gives the name and the business-scoped id.
                assert_eq!(message.profile_name.as_deref(), Some("Test Name"), "{case}");
                assert_eq!(
                    message.user_id.as_deref(),
                    Some("US.13491208655302741918"),
                    "{case}"
                );
                assert_eq!(
                    message.phone_number_id.as_deref(),
                    Some("1122334455667"),
                    "{case}"
                );
                assert!(message.timestamp.unwrap() > 1_600_000_000, "{case}");
                let inbound = message.content.to_inbound();
                assert_eq!(
                    matches!(inbound, charla::runtime::turn::Inbound::Unsupported { .. }),
                    matches!(message.content, Content::Unsupported { .. }),
                    "{case}"
                );
            }
            Expect::Status { status, errors } => {
                assert!(webhook.messages.is_empty(), "{case}: {webhook:?}");
                let [found] = webhook.statuses.as_slice() else {
                    panic!("{case}: expected one status, got {webhook:?}");
                };
                assert_eq!(found.status, status, "{case}");
                assert_eq!(found.errors.len(), errors, "{case}: {found:?}");
                assert!(found.timestamp.is_some(), "{case}");
                assert!(found.recipient_id.is_some(), "{case}");
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "fixture cases this test does not know yet (add what they hold to `expectation`): {unknown:?}"
    );
}

#[test]
fn fixture_details() {
    let cases = fixture_cases();
    let case = |name: &str| parse(&cases.iter().find(|(n, _)| n == name).unwrap().1);

    let text = case("message.json/text");
    assert_eq!(text.messages[0].timestamp, Some(1697043223));
    assert_eq!(
        text.messages[0].content.to_inbound(),
        Inbound::Text("Body Text".to_string())
    );

    let tap = case("callback_button.json/quick_reply");
    assert_eq!(
        tap.messages[0].content.to_inbound(),
        Inbound::TemplateButton {
            payload: "callback_data".to_string(),
            text: "title".to_string()
        }
    );
    let pick = case("callback_selection.json/description");
    assert_eq!(
        pick.messages[0].content.to_inbound(),
        Inbound::Reply {
            id: "callback_data".to_string(),
            title: "title".to_string()
        }
    );

    let failed = case("message_status.json/failed");
    assert_eq!(
        failed.statuses[0],
        Status {
            id: "wamid.xyzxyz".to_string(),
            status: "failed".to_string(),
            recipient_id: Some("972987654321".to_string()),
            timestamp: Some(1689380458),
            errors: vec![
                "130472: User's number is part of an experiment (Failed to send \
                          message because this user's phone number is part of an experiment)"
                    .to_string()
            ],
        }
    );
    let group = case("message_status.json/group");
    assert_eq!(group.statuses[0].id, "<WHATSAPP_MESSAGE_ID>");
    assert_eq!(
        group.statuses[0].recipient_id.as_deref(),
        Some("fowefinoewcnw")
    );
}

#[test]
fn fixture_signatures() {
    let mut bodies: Vec<(String, Vec<u8>)> = fixture_files();
    bodies.extend(fixture_cases());
    for (name, body) in &bodies {
        let header = sign(SECRET, body);
        assert_eq!(
            verify_signature(SECRET, body, Some(&header)),
            Ok(()),
            "{name}"
        );
        // One flipped bit anywhere in the body: refused.
        for at in [0, body.len() / 2, body.len() - 1] {
            let mut changed = body.clone();
            changed[at] ^= 0x01;
            assert_eq!(
                verify_signature(SECRET, &changed, Some(&header)),
                Err(SignatureError::Mismatch),
                "{name} byte {at}"
            );
        }
        // One changed hex digit in the signature: refused.
        let mut wrong = header.clone().into_bytes();
        let last = wrong.len() - 1;
        wrong[last] = if wrong[last] == b'0' { b'1' } else { b'0' };
        let wrong = String::from_utf8(wrong).unwrap();
        assert_eq!(
            verify_signature(SECRET, body, Some(&wrong)),
            Err(SignatureError::Mismatch),
            "{name}"
        );
        assert_eq!(
            verify_signature(b"another secret", body, Some(&header)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(SECRET, body, None),
            Err(SignatureError::Missing)
        );
    }
}

#[test]
fn malformed_signature_headers() {
    let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
    let good = sign(SECRET, body);
    let hex = good.strip_prefix("sha256=").unwrap();
    // Uppercase hex and surrounding spaces are still the same digest.
    assert_eq!(
        verify_signature(
            SECRET,
            body,
            Some(&format!(" sha256={} ", hex.to_uppercase()))
        ),
        Ok(())
    );
    let malformed = [
        hex.to_string(),                  // no prefix
        format!("sha1={hex}"),            // another algorithm
        format!("sha256={}", &hex[..62]), // too short
        format!("sha256={hex}00"),        // too long
        format!("sha256={}", &hex[..63]), // odd length
        format!("sha256={}zz", &hex[..62]),
        "sha256=".to_string(),
        String::new(),
        "sha256=é".to_string(),
        "é".to_string(),
    ];
    for header in &malformed {
        let error = verify_signature(SECRET, body, Some(header)).unwrap_err();
        assert!(
            matches!(error, SignatureError::Malformed(_)),
            "{header:?}: {error:?}"
        );
        assert!(error.to_string().contains("X-Hub-Signature-256"), "{error}");
    }
    assert_eq!(
        SignatureError::Missing.to_string(),
        "missing X-Hub-Signature-256 header"
    );
    assert!(SignatureError::Mismatch
        .to_string()
        .contains("does not match"));
    // The empty body is signed like any other.
    assert_eq!(
        verify_signature(SECRET, b"", Some(&sign(SECRET, b""))),
        Ok(())
    );
}

#[test]
fn subscription_verification() {
    let ok = verify_subscription(Some("subscribe"), Some("tok"), Some("1158201444"), "tok");
    assert_eq!(ok, Ok("1158201444".to_string()));
    let cases = [
        (
            None,
            Some("tok"),
            Some("c"),
            "tok",
            SubscriptionError::NotSubscribe,
        ),
        (
            Some("unsubscribe"),
            Some("tok"),
            Some("c"),
            "tok",
            SubscriptionError::NotSubscribe,
        ),
        (
            Some("subscribe"),
            None,
            Some("c"),
            "tok",
            SubscriptionError::MissingToken,
        ),
        (
            Some("subscribe"),
            Some("nope"),
            Some("c"),
            "tok",
            SubscriptionError::WrongToken,
        ),
        (
            Some("subscribe"),
            Some("to"),
            Some("c"),
            "tok",
            SubscriptionError::WrongToken,
        ),
        (
            Some("subscribe"),
            Some(""),
            Some("c"),
            "",
            SubscriptionError::WrongToken,
        ),
        (
            Some("subscribe"),
            Some("tok"),
            None,
            "tok",
            SubscriptionError::MissingChallenge,
        ),
    ];
    for (mode, token, challenge, configured, error) in cases {
        assert_eq!(
            verify_subscription(mode, token, challenge, configured),
            Err(error.clone())
        );
        assert!(!error.to_string().is_empty());
    }
    assert_eq!(
        verify_subscription_query(
            "hub.mode=subscribe&hub.challenge=a%20b%2Bc&hub.verify_token=s%C3%A9cret",
            "sécret"
        ),
        Ok("a b+c".to_string())
    );
    assert_eq!(
        verify_subscription_query("hub.mode=subscribe&hub.verify_token=x&hub.challenge=1", "y"),
        Err(SubscriptionError::WrongToken)
    );
    assert_eq!(
        verify_subscription_query("", "y"),
        Err(SubscriptionError::NotSubscribe)
    );
}

// --- shapes the fixtures do not show --------------------------------------------------------

fn text_message(id: &str, from: &str, body: &str) -> Value {
    json!({"from": from, "id": id, "timestamp": "1700000000", "type": "text", "text": {"body": body}})
}

#[test]
fn batched_entries_changes_and_messages_in_order() {
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [
            {"id": "WABA1", "changes": [
                {"field": "messages", "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": "15550001", "phone_number_id": "PN1"},
                    "contacts": [
                        {"profile": {"name": "Ana"}, "wa_id": "111"},
                        {"profile": {"name": "Bea"}, "wa_id": "222", "user_id": "US.2"}
                    ],
                    "messages": [
                        text_message("wamid.1", "111", "hola"),
                        text_message("wamid.2", "222", "buenas"),
                        {"from": "111", "id": "wamid.3", "timestamp": 1700000003, "type": "interactive",
                         "interactive": {"type": "button_reply", "button_reply": {"id": "b1", "title": "Sí"}}}
                    ]
                }},
                {"field": "message_template_status_update", "value": {"event": "APPROVED"}},
                {"field": "messages", "value": {
                    "metadata": {"phone_number_id": "PN1"},
                    "statuses": [
                        {"id": "wamid.out1", "status": "delivered", "timestamp": "1700000004", "recipient_id": "111"},
                        {"id": "wamid.out0", "status": "sent", "timestamp": "1700000002", "recipient_id": "111"}
                    ]
                }}
            ]},
            {"id": "WABA2", "changes": [
                {"field": "messages", "value": {
                    "metadata": {"phone_number_id": "PN2"},
                    "contacts": [{"profile": {"name": "Cy"}, "user_id": "BR.99"}],
                    "messages": [
                        {"from_user_id": "BR.99", "id": "wamid.4", "timestamp": "1700000005",
                         "type": "interactive", "interactive": {"type": "list_reply",
                         "list_reply": {"id": "row-2", "title": "Dos", "description": "d"}}},
                        text_message("wamid.5", "333", "sin contacto")
                    ]
                }}
            ]}
        ]
    });
    let webhook = parse(&serde_json::to_vec(&body).unwrap());
    let ids: Vec<&str> = webhook.messages.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["wamid.1", "wamid.2", "wamid.3", "wamid.4", "wamid.5"]);
    let names: Vec<Option<&str>> = webhook
        .messages
        .iter()
        .map(|m| m.profile_name.as_deref())
        .collect();
    assert_eq!(
        names,
        [Some("Ana"), Some("Bea"), Some("Ana"), Some("Cy"), None]
    );
    let users: Vec<Option<&str>> = webhook
        .messages
        .iter()
        .map(|m| m.user_id.as_deref())
        .collect();
    assert_eq!(users, [None, Some("US.2"), None, Some("BR.99"), None]);
    let numbers: Vec<&str> = webhook
        .messages
        .iter()
        .map(|m| m.phone_number_id.as_deref().unwrap())
        .collect();
    assert_eq!(numbers, ["PN1", "PN1", "PN1", "PN2", "PN2"]);
    assert_eq!(webhook.messages[2].timestamp, Some(1700000003)); // a number is read too
    assert_eq!(
        webhook.messages[2].content,
        Content::Reply {
            id: "b1".to_string(),
            title: "Sí".to_string()
        }
    );
    assert_eq!(
        webhook.messages[3].content,
        Content::Reply {
            id: "row-2".to_string(),
            title: "Dos".to_string()
        }
    );
    let statuses: Vec<(&str, &str)> = webhook
        .statuses
        .iter()
        .map(|s| (s.id.as_str(), s.status.as_str()))
        .collect();
    assert_eq!(
        statuses,
        [("wamid.out1", "delivered"), ("wamid.out0", "sent")]
    );
}

#[test]
fn a_message_with_only_a_business_scoped_user_id() {
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550001", "phone_number_id": "PN"},
            "contacts": [{"profile": {"name": "Username Only", "username": "@u"},
                          "user_id": "US.13491208655302741918"}],
            "messages": [{"from_user_id": "US.13491208655302741918", "id": "wamid.u",
                          "timestamp": "1770000000", "type": "text", "text": {"body": "hi"}}]
        }}]}]
    });
    let webhook = parse(&serde_json::to_vec(&body).unwrap());
    let message: &InboundMessage = &webhook.messages[0];
    assert_eq!(message.from, None);
    assert_eq!(message.user_id.as_deref(), Some("US.13491208655302741918"));
    assert_eq!(message.contact_id(), Some("US.13491208655302741918"));
    assert_eq!(message.profile_name.as_deref(), Some("Username Only"));
    assert_eq!(message.content, Content::Text("hi".to_string()));

    // With a phone too, the business-scoped id is still the contact id; the phone alone is.
    let mut both = message.clone();
    both.from = Some("15551234".to_string());
    assert_eq!(both.contact_id(), Some("US.13491208655302741918"));
    both.user_id = None;
    assert_eq!(both.contact_id(), Some("15551234"));
    both.from = None;
    both.user_id = None;
    assert_eq!(both.contact_id(), None);
}

/// Adds unknown fields of every JSON type to every object in `value`.
fn add_unknown_fields(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for v in map.values_mut() {
                add_unknown_fields(v);
            }
            map.insert(
                "zz_unknown".to_string(),
                json!({"nested": [1, "two", null]}),
            );
            map.insert("zz_number".to_string(), json!(3.5));
            map.insert("zz_list".to_string(), json!([{"a": {}}]));
        }
        Value::Array(items) => items.iter_mut().for_each(add_unknown_fields),
        _ => {}
    }
}

#[test]
fn unknown_fields_everywhere_change_nothing() {
    for (case, body) in fixture_cases() {
        let mut value: Value = serde_json::from_slice(&body).unwrap();
        add_unknown_fields(&mut value);
        let noisy = serde_json::to_vec(&value).unwrap();
        assert_eq!(parse(&noisy), parse(&body), "{case}");
    }
}

#[test]
fn odd_shapes_are_tolerated_not_fatal() {
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [
            "not an entry",
            {"changes": "not a list"},
            {"changes": [
                {"value": {"messages": [
                    {"from": "1", "type": "text", "text": {"body": "no id: skipped"}},
                    {"id": "", "from": "1", "type": "text", "text": {"body": "empty id: skipped"}},
                    {"id": "m1", "from": "1", "type": "text", "text": {"body": 5}},
                    {"id": "m2", "from": "1"},
                    {"id": "m3", "from": "1", "type": "interactive", "interactive": {"type": "nfm_reply", "nfm_reply": {}}},
                    {"id": "m4", "from": "1", "type": "button", "button": {"text": "Only text"}},
                    {"id": "m5", "from": 12, "timestamp": "soon", "type": "system", "system": {}},
                    {"id": "m6", "from": "1", "type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": "x"}}},
                    7
                ], "statuses": [{"status": "read"}, {"id": "s1"}, {"id": "s2", "status": "failed", "errors": [{"code": 131026}, {}, 3]}]}},
                {"field": "messages", "value": null},
                {"field": "messages"}
            ]}
        ]
    });
    let webhook = parse(&serde_json::to_vec(&body).unwrap());
    let got: Vec<(&str, &Content)> = webhook
        .messages
        .iter()
        .map(|m| (m.id.as_str(), &m.content))
        .collect();
    let tap = Content::TemplateButton {
        payload: "Only text".to_string(),
        text: "Only text".to_string(),
    };
    let reply = Content::Reply {
        id: "x".to_string(),
        title: String::new(),
    };
    assert_eq!(
        got,
        [
            ("m1", &unsupported("text")),
            ("m2", &unsupported("unknown")),
            ("m3", &unsupported("nfm_reply")),
            ("m4", &tap),
            ("m5", &unsupported("system")),
            ("m6", &reply),
        ]
    );
    assert_eq!(webhook.messages[4].from, None);
    assert_eq!(webhook.messages[4].timestamp, None);
    assert_eq!(webhook.statuses.len(), 1);
    assert_eq!(
        webhook.statuses[0].errors,
        ["131026", "unknown error", "unknown error"]
    );
}

#[test]
fn bodies_that_are_not_webhooks() {
    let cases: [(&[u8], &str); 9] = [
        (b"", "not valid JSON"),
        (b"{", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (
            br#"{"object":"whatsapp_business_account","entry":[]} trailing"#,
            "not valid JSON",
        ),
        (b"[1,2]", "not a JSON object"),
        (br#"{"object":"page","entry":[]}"#, "found \"page\""),
        (br#"{"entry":[]}"#, "found none"),
        (
            br#"{"object":"whatsapp_business_account"}"#,
            "no \"entry\" array",
        ),
        (
            br#"{"object":"whatsapp_business_account","entry":{}}"#,
            "no \"entry\" array",
        ),
    ];
    for (body, says) in cases {
        let error = parse_webhook(body).unwrap_err();
        assert!(
            error.to_string().contains(says),
            "{:?}: {error}",
            String::from_utf8_lossy(body)
        );
    }
    assert_eq!(
        parse_webhook(br#"{"object":7,"entry":[]}"#),
        Err(WebhookError::WrongObject(None))
    );
    // Nesting deeper than serde_json allows: an error, not a stack overflow.
    let deep = format!(
        r#"{{"object":"whatsapp_business_account","entry":[{}{}]}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(matches!(
        parse_webhook(deep.as_bytes()),
        Err(WebhookError::Json(_))
    ));
    // An empty batch is a webhook with nothing in it.
    assert_eq!(
        parse_webhook(br#"{"object":"whatsapp_business_account","entry":[]}"#),
        Ok(Webhook::default())
    );
}

#[test]
fn ten_thousand_messages_in_one_body() {
    let n = 10_000;
    let messages: Vec<Value> = (0..n)
        .map(|i| text_message(&format!("wamid.{i}"), &format!("{}", 1_000_000 + i), "hola"))
        .collect();
    let contacts: Vec<Value> = (0..n)
        .map(|i| json!({"profile": {"name": format!("P{i}")}, "wa_id": format!("{}", 1_000_000 + i)}))
        .collect();
    let body = serde_json::to_vec(&json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
            "metadata": {"phone_number_id": "PN"}, "contacts": contacts, "messages": messages
        }}]}]
    }))
    .unwrap();
    let start = Instant::now();
    let webhook = parse(&body);
    let elapsed = start.elapsed();
    assert_eq!(webhook.messages.len(), n);
    assert_eq!(webhook.messages[9_999].id, "wamid.9999");
    assert_eq!(
        webhook.messages[9_999].profile_name.as_deref(),
        Some("P9999")
    );
    // Generous even for a debug build; catches anything quadratic.
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

// --- sending --------------------------------------------------------------------------------

fn choice(id: &str, label: &str, description: Option<&str>) -> Choice {
    Choice {
        id: id.to_string(),
        label: label.to_string(),
        description: description.map(str::to_string),
    }
}

fn assert_envelope(body: &Value, kind: &str) {
    assert_eq!(body["messaging_product"], "whatsapp");
    assert_eq!(body["recipient_type"], "individual");
    assert_eq!(body["to"], "5491155550000");
    assert_eq!(body["type"], kind);
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["messaging_product", "recipient_type", "to", "type", kind]
    );
}

#[test]
fn text_body() {
    let body = send_body(
        "5491155550000",
        &Message::Text {
            text: "Hola \"mundo\"\n<b>&".to_string(),
        },
    );
    assert_envelope(&body, "text");
    assert_eq!(body["text"], json!({"body": "Hola \"mundo\"\n<b>&"}));
}

#[test]
fn buttons_body() {
    let message = Message::Buttons {
        body: "¿Qué necesitás?".to_string(),
        options: vec![
            choice("menu/1", "Pagos", None),
            choice("menu/2", "Envíos", None),
            choice("menu/3", "Un agente", None),
        ],
    };
    let body = send_body("5491155550000", &message);
    assert_envelope(&body, "interactive");
    let interactive = &body["interactive"];
    assert_eq!(interactive["type"], "button");
    assert_eq!(interactive["body"], json!({"text": "¿Qué necesitás?"}));
    let buttons = interactive["action"]["buttons"].as_array().unwrap();
    assert_eq!(buttons.len(), 3);
    assert_eq!(buttons[0]["type"], "reply");
    assert_eq!(
        buttons[0]["reply"],
        json!({"id": "menu/1", "title": "Pagos"})
    );
    assert_eq!(buttons[2]["reply"]["title"], "Un agente");
    assert_eq!(
        interactive.as_object().unwrap().len(),
        3,
        "type, body and action only: {interactive}"
    );
}

#[test]
fn list_body() {
    let message = Message::List {
        body: "Elegí una sucursal".to_string(),
        button: "Ver las sucursales de la ciudad".to_string(),
        options: vec![
            choice("s/1", "Centro", Some("Av. Corrientes 1234")),
            choice("s/2", "Palermo", None),
            choice("s/3", "Belgrano", Some("")),
            choice("s/4", "Caballito", Some("Rivadavia 5000")),
        ],
    };
    let body = send_body("5491155550000", &message);
    assert_envelope(&body, "interactive");
    let interactive = &body["interactive"];
    assert_eq!(interactive["type"], "list");
    assert_eq!(interactive["body"]["text"], "Elegí una sucursal");
    let action = &interactive["action"];
    assert_eq!(action["button"], "Ver las sucursales de la ciudad");
    let sections = action["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 1);
    let title = sections[0]["title"].as_str().unwrap();
    assert_eq!(title, "Ver las sucursales de la");
    assert_eq!(title.chars().count(), 24);
    let rows = sections[0]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(
        rows[0],
        json!({"id": "s/1", "title": "Centro", "description": "Av. Corrientes 1234"})
    );
    assert_eq!(rows[1], json!({"id": "s/2", "title": "Palermo"}));
    assert_eq!(rows[2]["description"], "");
    // A short label is the section title as is; characters, not bytes, are counted.
    let short = Message::List {
        body: "b".to_string(),
        button: "Ñandú ñandú ñandú ñandú ñandú".to_string(),
        options: vec![choice("a", "A", None)],
    };
    let title = send_body("5491155550000", &short)["interactive"]["action"]["sections"][0]["title"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(title, "Ñandú ñandú ñandú ñandú ");
}

#[test]
fn template_body() {
    let message = Message::Template {
        name: "order_update".to_string(),
        language: "es_AR".to_string(),
        parameters: vec!["Ana".to_string(), "#123".to_string()],
        body: "Hola Ana, tu pedido #123 salió.".to_string(),
        buttons: vec![
            choice(
                &Engine::template_button_id("order_update", "Ver pedido"),
                "Ver pedido",
                None,
            ),
            choice(
                &Engine::template_button_id("order_update", "Hablar"),
                "Hablar",
                None,
            ),
        ],
    };
    let body = send_body("5491155550000", &message);
    assert_envelope(&body, "template");
    let template = &body["template"];
    assert_eq!(template["name"], "order_update");
    assert_eq!(template["language"], json!({"code": "es_AR"}));
    let components = template["components"].as_array().unwrap();
    assert_eq!(components.len(), 3);
    assert_eq!(
        components[0],
        json!({"type": "body", "parameters": [
            {"type": "text", "text": "Ana"},
            {"type": "text", "text": "#123"}
        ]})
    );
    // Each quick-reply button carries the id the engine recognises when it is tapped.
    let payload = Engine::template_button_id("order_update", "Ver pedido");
    assert_eq!(
        components[1],
        json!({"type": "button", "sub_type": "quick_reply", "index": "0",
               "parameters": [{"type": "payload", "payload": payload}]})
    );
    assert_eq!(components[2]["index"], "1");
    assert!(
        template.get("body").is_none(),
        "the rendered body is not sent"
    );

    // No parameters and no buttons: no components.
    let bare = Message::Template {
        name: "hello".to_string(),
        language: "en_US".to_string(),
        parameters: vec![],
        body: "Hello".to_string(),
        buttons: vec![],
    };
    assert_eq!(
        send_body("5491155550000", &bare)["template"],
        json!({"name": "hello", "language": {"code": "en_US"}})
    );
}

#[test]
fn send_urls() {
    for base in [
        "https://graph.facebook.com/v23.0",
        "https://graph.facebook.com/v23.0/",
        "https://graph.facebook.com/v23.0//",
    ] {
        assert_eq!(
            send_url(base, "1122334455667"),
            "https://graph.facebook.com/v23.0/1122334455667/messages"
        );
    }
    assert_eq!(
        send_url("http://127.0.0.1:9999/v1/", "/PN/"),
        "http://127.0.0.1:9999/v1/PN/messages"
    );
}

#[test]
fn send_error_classification() {
    let graph = |code: i64| {
        json!({"error": {"message": "m", "type": "OAuthException", "code": code,
                         "error_data": {"messaging_product": "whatsapp", "details": "d"},
                         "fbtrace_id": "x"}})
        .to_string()
    };
    let cases = [
        (400, graph(131047), SendErrorKind::OutsideWindow),
        (400, graph(132000), SendErrorKind::TemplateParams),
        (401, graph(190), SendErrorKind::BadToken),
        (400, graph(190), SendErrorKind::BadToken),
        (400, graph(130429), SendErrorKind::Retry),
        (400, graph(131056), SendErrorKind::Retry),
        (429, graph(4), SendErrorKind::Retry),
        (429, String::new(), SendErrorKind::Retry),
        (500, String::new(), SendErrorKind::Retry),
        (
            503,
            "<html>Service Unavailable</html>".to_string(),
            SendErrorKind::Retry,
        ),
        (502, graph(131000), SendErrorKind::Retry),
        (400, graph(131026), SendErrorKind::Other),
        (400, graph(100), SendErrorKind::Other),
        (400, "not json".to_string(), SendErrorKind::Other),
        (404, String::new(), SendErrorKind::Other),
        (401, String::new(), SendErrorKind::BadToken),
        // A code decides before the status.
        (500, graph(131047), SendErrorKind::OutsideWindow),
        (
            400,
            r#"{"error":{"code":"131047"}}"#.to_string(),
            SendErrorKind::OutsideWindow,
        ),
        (
            400,
            r#"{"error":"131047"}"#.to_string(),
            SendErrorKind::Other,
        ),
    ];
    for (status, body, kind) in cases {
        assert_eq!(classify_send_error(status, &body), kind, "{status} {body}");
    }
    assert_eq!(
        send_error_summary(400, &graph(131047)),
        "HTTP 400, error 131047: m (d)"
    );
    assert_eq!(
        send_error_summary(502, "Bad gateway"),
        "HTTP 502: Bad gateway"
    );
    assert_eq!(
        send_response_id(
            r#"{"messaging_product":"whatsapp","contacts":[{"input":"1","wa_id":"1"}],"messages":[{"id":"wamid.OUT"}]}"#
        )
        .as_deref(),
        Some("wamid.OUT")
    );
    assert_eq!(send_response_id("{}"), None);
}

// --- fuzzing --------------------------------------------------------------------------------

/// Replaces the `n`th node (in pre-order, wrapping) of `value` with `with`.
fn replace_node(value: &mut Value, n: &mut usize, with: &Value) -> bool {
    if *n == 0 {
        *value = with.clone();
        return true;
    }
    *n -= 1;
    match value {
        Value::Object(map) => map.values_mut().any(|v| replace_node(v, n, with)),
        Value::Array(items) => items.iter_mut().any(|v| replace_node(v, n, with)),
        _ => false,
    }
}

fn count_nodes(value: &Value) -> usize {
    1 + match value {
        Value::Object(map) => map.values().map(count_nodes).sum(),
        Value::Array(items) => items.iter().map(count_nodes).sum(),
        _ => 0,
    }
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        Just(json!("text")),
        Just(json!("interactive")),
        Just(json!("button_reply")),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map(".{0,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(256)
    })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_webhook(&bytes);
        let _ = verify_signature(SECRET, &bytes, std::str::from_utf8(&bytes).ok());
    }

    #[test]
    fn mutated_fixture_bytes_never_panic(
        case in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let cases = fixture_cases();
        let mut body = cases[case.index(cases.len())].1.clone();
        for (at, byte, how) in edits {
            if body.is_empty() {
                break;
            }
            let at = at.index(body.len());
            match how {
                0 => body[at] = byte,
                1 => { body.remove(at); }
                _ => body.insert(at, byte),
            }
        }
        let _ = parse_webhook(&body);
    }

    #[test]
    fn mutated_fixture_json_never_panics(
        case in any::<prop::sample::Index>(),
        node in any::<prop::sample::Index>(),
        with in any_json(),
    ) {
        let cases = fixture_cases();
        let mut value: Value = serde_json::from_slice(&cases[case.index(cases.len())].1).unwrap();
        let mut n = node.index(count_nodes(&value));
        replace_node(&mut value, &mut n, &with);
        let body = serde_json::to_vec(&value).unwrap();
        if let Ok(webhook) = parse_webhook(&body) {
            for message in &webhook.messages {
                prop_assert!(!message.id.is_empty());
                let _ = message.content.to_inbound();
                let _ = message.contact_id();
            }
        }
    }
}
