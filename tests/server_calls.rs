//! The server's slow path end to end: a real `charla serve` on loopback, a bot whose intent
//! `call`s its own API, and that API answering late (a fake behind a relay that holds each
//! answer back for [`DELAY`]). A turn that calls goes off the worker to its contact's slow
//! path, so:
//! - a contact's message that arrives while its call is pending is answered after the call's
//!   result (LANGUAGE.md section 4: "Messages that arrive while a call is pending wait for it");
//! - other contacts are answered meanwhile: the worker does not wait for calls;
//! - a Twilio webhook waits for the call and carries its result in the TwiML;
//! - a webhook delivered again while its call is pending makes no second call and no second
//!   reply.

#[allow(dead_code)]
mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};
use support::server::*;
use support::{charla, TempDir};

const WAIT: Duration = Duration::from_secs(10);
/// How late the bot's API answers.
const DELAY: Duration = Duration::from_millis(700);

const ANA: &str = "5511900000001";
const BIA: &str = "5511900000002";
const HOME: &str = "Hi! Ask me about your order.";
const HOURS: &str = "We open at 9.";

/// The order's answer from the fake API: its `sid` is `SM<n>` for its n-th request, so a reply
/// that names `SM1` used the answer to the API's first call.
fn on_its_way(sid: &str) -> String {
    format!("Your order is on its way ({sid}).")
}

const BOT: &str = r#"bot "Shop" {
  business retail
  language en
  start home
  api "SHOP/v1"
  support "https://shop.example/help"
}

menu home {
  say "Hi! Ask me about your order."
  option "Order status" -> status
  option "Opening hours" -> hours
}

intent status {
  examples "where is my order", "order status"
  call GET "/orders/{{ contact.id }}" as order else {
    say "The order service is down."
    goto home
  }
  say "Your order is on its way ({{ order.sid }})."
}

intent hours {
  examples "opening hours", "when are you open"
  say "We open at 9."
}
"#;

/// A running shop bot whose API (`shop`) answers [`DELAY`] late, sending through `graph`.
/// Tests bind the fields in this order, so the folder is removed last, after the server is
/// killed.
struct Setup {
    _dir: TempDir,
    graph: FakeApi,
    shop: FakeApi,
    server: Server,
}

fn setup(tag: &str) -> Setup {
    let dir = TempDir::new(tag);
    let graph = FakeApi::start();
    let shop = FakeApi::start();
    let source = BOT.replace("SHOP", &shop.delayed_base(DELAY));
    let bot = dir.write("shop/bot.charla", source);
    let folder: PathBuf = bot.parent().unwrap().to_path_buf();
    charla(&["check", folder.to_str().unwrap(), "--deny-warnings"]).assert_exit(0);
    let server = Server::from_sources(&folder, &dir.path().join("shop.db"), &env_for(&graph));
    Setup {
        _dir: dir,
        graph,
        shop,
        server,
    }
}

/// What the Graph send API got for `who`, in the order it got it: a text's body or an
/// interactive message's body.
fn replies(requests: &[Recorded], who: &str) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.method == "POST" && r.path == format!("/v23.0/{PHONE_NUMBER_ID}/messages"))
        .map(Recorded::json)
        .filter(|body| body["to"] == who)
        .map(|body| {
            body["text"]["body"]
                .as_str()
                .or(body["interactive"]["body"]["text"].as_str())
                .map(str::to_string)
                .unwrap_or_else(|| format!("(unreadable: {body})"))
        })
        .collect()
}

/// Waits until the bot's API got `n` calls; returns them.
#[track_caller]
fn wait_for_calls(shop: &FakeApi, n: usize) -> Vec<Recorded> {
    shop.wait_for(WAIT, &format!("{n} call(s) to the shop's API"), |r| {
        r.len() >= n
    })
}

#[test]
fn a_message_sent_while_its_contacts_call_is_pending_is_answered_after_the_calls_result() {
    let Setup {
        _dir,
        graph,
        shop,
        server,
    } = setup("calls-order");
    std::thread::scope(|s| {
        let first =
            s.spawn(|| post_meta(&server, &meta_text(ANA, "wamid.a1", "where is my order")));
        wait_for_calls(&shop, 1);
        // The call was made and its answer is held back: the webhook waits for it.
        assert!(!first.is_finished(), "answered before the call ended");
        // A separate request, while the call is pending.
        let second = post_meta(&server, &meta_text(ANA, "wamid.a2", "opening hours"));
        assert_eq!(second.status, 200, "{second:?}");
        assert_eq!(first.join().unwrap().status, 200);
    });
    let requests = graph.wait_for(WAIT, "both of Ana's answers", |r| {
        replies(r, ANA).len() >= 2
    });
    assert_eq!(
        replies(&requests, ANA),
        [on_its_way("SM1"), HOURS.to_string()],
        "{requests:#?}"
    );
    let calls = shop.requests();
    let paths: Vec<_> = calls
        .iter()
        .map(|c| (c.method.as_str(), c.path.as_str()))
        .collect();
    assert_eq!(paths, [("GET", format!("/v1/orders/{ANA}").as_str())]);
}

#[test]
fn other_contacts_are_answered_while_a_call_is_pending() {
    let Setup {
        _dir,
        graph,
        shop,
        server,
    } = setup("calls-others");
    std::thread::scope(|s| {
        let slow = s.spawn(|| post_meta(&server, &meta_text(ANA, "wamid.a1", "where is my order")));
        wait_for_calls(&shop, 1);
        let started = Instant::now();
        let answer = post_meta(&server, &meta_text(BIA, "wamid.b1", "hi"));
        assert_eq!(answer.status, 200, "{answer:?}");
        let requests = graph.wait_for(WAIT, "Bia's answer", |r| !replies(r, BIA).is_empty());
        // Ana's answer needs the call's result: none yet, so Bia's came while the call was
        // pending.
        assert_eq!(replies(&requests, BIA), [HOME], "{requests:#?}");
        assert!(
            replies(&requests, ANA).is_empty(),
            "Bia's answer waited for Ana's call: {requests:#?}"
        );
        assert!(
            !slow.is_finished(),
            "Ana's call ended before Bia was answered ({:?} after the call began)",
            started.elapsed()
        );
        assert_eq!(slow.join().unwrap().status, 200);
    });
    let requests = graph.wait_for(WAIT, "Ana's answer", |r| !replies(r, ANA).is_empty());
    assert_eq!(
        replies(&requests, ANA),
        [on_its_way("SM1")],
        "{requests:#?}"
    );
    assert_eq!(shop.requests().len(), 1);
}

/// What Twilio posts for a WhatsApp text from +55 11 98888-7777.
fn twilio_text<'a>(sid: &'a str, body: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("SmsMessageSid", sid),
        ("NumMedia", "0"),
        ("ProfileName", "Ana"),
        ("MessageType", "text"),
        ("WaId", "5511988887777"),
        ("SmsStatus", "received"),
        ("Body", body),
        ("To", "whatsapp:+14155238886"),
        ("MessageSid", sid),
        ("AccountSid", "ACtest"),
        ("From", "whatsapp:+5511988887777"),
    ]
}

#[test]
fn a_twilio_webhook_waits_for_the_call_and_answers_with_its_result() {
    let Setup {
        _dir,
        graph,
        shop,
        server,
    } = setup("calls-twilio");
    let started = Instant::now();
    let answer = post_twilio(&server, &twilio_text("SM0001", "where is my order"));
    let took = started.elapsed();
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.content_type.starts_with("text/xml"), "{answer:?}");
    assert_eq!(
        answer.body,
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><Response><Message>{}</Message></Response>"#,
            on_its_way("SM1")
        )
    );
    assert!(
        took >= DELAY,
        "answered in {took:?}, before the call's answer"
    );
    let calls = shop.requests();
    let paths: Vec<_> = calls
        .iter()
        .map(|c| (c.method.as_str(), c.path.as_str()))
        .collect();
    assert_eq!(paths, [("GET", "/v1/orders/5511988887777")]);
    // The answer went in the webhook's response, not through the outbox.
    assert_eq!(db_count(&server.db, "SELECT count(*) FROM outbox"), 0);
    assert!(graph.requests().is_empty(), "{:#?}", graph.requests());
}

#[test]
fn a_webhook_delivered_again_while_its_call_is_pending_makes_one_call_and_one_reply() {
    let Setup {
        _dir,
        graph,
        shop,
        server,
    } = setup("calls-twice");
    let body = meta_text(ANA, "wamid.t1", "where is my order");
    std::thread::scope(|s| {
        let first = s.spawn(|| post_meta(&server, &body));
        wait_for_calls(&shop, 1);
        assert!(!first.is_finished(), "answered before the call ended");
        let again = post_meta(&server, &body);
        assert_eq!(again.status, 200, "{again:?}");
        assert_eq!(first.join().unwrap().status, 200);
    });
    // Both deliveries are answered, so both are done with: one turn, one reply.
    assert_eq!(shop.requests().len(), 1, "{:#?}", shop.requests());
    assert_eq!(db_count(&server.db, "SELECT count(*) FROM outbox"), 1);
    let requests = graph.wait_for(WAIT, "Ana's answer", |r| !replies(r, ANA).is_empty());
    assert_eq!(
        replies(&requests, ANA),
        [on_its_way("SM1")],
        "{requests:#?}"
    );
    let metrics = get(&server.url("/metrics")).body;
    for (series, value) in [
        ("charla_messages_in_total{channel=\"meta\"}", 1.0),
        ("charla_duplicate_webhooks_total{channel=\"meta\"}", 1.0),
        ("charla_intent_hits_total{intent=\"status\"}", 1.0),
    ] {
        assert_eq!(metric(&metrics, series), Some(value), "{series}\n{metrics}");
    }
}

/// A bot that calls again whenever its call fails (`else { goto … }` back to the call) while
/// the API is down: the server stops after a bounded number of calls, and the contact's next
/// message is answered (the conversation is not left waiting for a call nobody makes).
#[test]
fn a_bot_that_keeps_calling_is_stopped_and_the_contact_is_answered_again() {
    const POLL: &str = r#"bot "Poll" {
  business retail
  language en
  start home
  api "SHOP/v1"
  support "https://shop.example/help"
}

menu home {
  say "Hi! Check the order?"
  option "Check" -> poll
  option "Opening hours" -> hours
}

intent poll {
  call POST "/poll" as result else {
    goto poll
  }
  say "Done: {{ result.sid }}"
}

intent hours {
  examples "opening hours"
  say "We open at 9."
}
"#;
    let dir = TempDir::new("poll");
    let graph = FakeApi::start();
    let shop = FakeApi::start();
    shop.fail_with(503);
    let bot = dir.write("poll/bot.charla", POLL.replace("SHOP", &shop.base()));
    let folder: PathBuf = bot.parent().unwrap().to_path_buf();
    let server = Server::from_sources(&folder, &dir.path().join("poll.db"), &env_for(&graph));
    assert_eq!(
        post_meta(&server, &meta_text(ANA, "wamid.p1", "hi")).status,
        200
    );
    let answer = post_meta(&server, &meta_reply(ANA, "wamid.p2", "home/check", "Check"));
    assert_eq!(answer.status, 200, "{answer:?}");
    // Bounded: 16 calls, not one per turn forever.
    let calls = shop.requests().len();
    assert!((1..=17).contains(&calls), "{calls} calls");
    assert!(server.log().contains("keeps calling"), "{}", server.log());
    // The next message is read as usual.
    assert_eq!(
        post_meta(&server, &meta_text(ANA, "wamid.p3", "opening hours")).status,
        200
    );
    graph.wait_for(WAIT, "the hours", |r| {
        replies(r, ANA).iter().any(|t| t == "We open at 9.")
    });
}

/// What the Graph send API got for a business-scoped id or a phone, in order.
fn replies_to_either(requests: &[Recorded], who: &[&str]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.method == "POST" && r.path == format!("/v23.0/{PHONE_NUMBER_ID}/messages"))
        .map(Recorded::json)
        .filter(|body| {
            who.iter()
                .any(|w| body["to"] == *w || body["recipient"] == *w)
        })
        .map(|body| {
            body["text"]["body"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// A phone's conversation is waiting on a call when the user's first message with their
/// business-scoped id comes: that message waits behind the call, then the conversation moves to
/// the id, whole. And the other way: while the id's first message waits on its call, a message
/// that gives the phone alone waits behind it and then reaches the id's conversation.
#[test]
fn a_phone_and_its_id_wait_for_each_others_calls() {
    let Setup {
        _dir,
        graph,
        shop,
        server,
    } = setup("calls-keys");
    let hours = serde_json::json!({"type": "text", "text": {"body": "opening hours"}});
    let order = serde_json::json!({"type": "text", "text": {"body": "where is my order"}});
    let ana = "BR.0001";
    std::thread::scope(|s| {
        let first =
            s.spawn(|| post_meta(&server, &meta_text(ANA, "wamid.a1", "where is my order")));
        wait_for_calls(&shop, 1);
        let second = post_meta(
            &server,
            &meta_from(Some(ANA), ana, "wamid.a2", hours.clone()),
        );
        assert_eq!(second.status, 200, "{second:?}");
        assert_eq!(first.join().unwrap().status, 200);
    });
    let requests = graph.wait_for(WAIT, "both of Ana's answers", |r| {
        replies_to_either(r, &[ANA, ana]).len() >= 2
    });
    assert_eq!(
        replies_to_either(&requests, &[ANA, ana]),
        [on_its_way("SM1"), HOURS.to_string()],
        "{requests:#?}"
    );
    assert!(db_state(&server.db, &format!("meta:{ANA}")).is_none());
    assert!(db_state(&server.db, &format!("meta:{ana}")).is_some());

    let bia = "BR.0002";
    std::thread::scope(|s| {
        let first = s.spawn(|| post_meta(&server, &meta_from(Some(BIA), bia, "wamid.b1", order)));
        wait_for_calls(&shop, 2);
        let second = post_meta(&server, &meta_text(BIA, "wamid.b2", "opening hours"));
        assert_eq!(second.status, 200, "{second:?}");
        assert_eq!(first.join().unwrap().status, 200);
    });
    let requests = graph.wait_for(WAIT, "both of Bia's answers", |r| {
        replies_to_either(r, &[BIA, bia]).len() >= 2
    });
    assert_eq!(
        replies_to_either(&requests, &[BIA, bia]),
        [on_its_way("SM2"), HOURS.to_string()],
        "{requests:#?}"
    );
    assert!(db_state(&server.db, &format!("meta:{BIA}")).is_none());
    assert!(db_state(&server.db, &format!("meta:{bia}")).is_some());

    // A phone's call, then the user's first message with their id (it waits behind the call),
    // then one with the id alone: that one waits too, and everything stays in order.
    let (cai_phone, cai) = ("5511900000003", "BR.0003");
    std::thread::scope(|s| {
        let first = s.spawn(|| {
            post_meta(
                &server,
                &meta_text(cai_phone, "wamid.c1", "where is my order"),
            )
        });
        wait_for_calls(&shop, 3);
        let second = s.spawn(|| {
            post_meta(
                &server,
                &meta_from(Some(cai_phone), cai, "wamid.c2", hours.clone()),
            )
        });
        // Long enough for the second to be queued behind the call (which answers in 700 ms).
        std::thread::sleep(Duration::from_millis(200));
        let third = post_meta(&server, &meta_from(None, cai, "wamid.c3", hours.clone()));
        assert_eq!(third.status, 200, "{third:?}");
        assert_eq!(second.join().unwrap().status, 200);
        assert_eq!(first.join().unwrap().status, 200);
    });
    let requests = graph.wait_for(WAIT, "Cai's three answers", |r| {
        replies_to_either(r, &[cai_phone, cai]).len() >= 3
    });
    assert_eq!(
        replies_to_either(&requests, &[cai_phone, cai]),
        [on_its_way("SM3"), HOURS.to_string(), HOURS.to_string()],
        "{requests:#?}"
    );
    assert!(db_state(&server.db, &format!("meta:{cai_phone}")).is_none());
    assert!(db_state(&server.db, &format!("meta:{cai}")).is_some());
}
