//! The server end to end: a real `charla serve` on loopback, signed webhooks, and a fake Graph
//! API that records what it receives.

#[allow(dead_code)]
mod support;

use std::time::Duration;
use support::server::*;
use support::{crate_root, TempDir};

const WAIT: Duration = Duration::from_secs(20);

fn totalpass(dir: &TempDir, api: &FakeApi) -> Server {
    Server::from_sources(
        &crate_root().join("examples/totalpass"),
        &dir.path().join("bot.db"),
        &env_for(api),
    )
}

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
