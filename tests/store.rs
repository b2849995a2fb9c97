//! The durable store on a real SQLite file: states round-trip, inbound ids, all-or-nothing
//! commits, the outbox's claim/sent/failed cycle, reopening after a drop, corrupt rows.

#[allow(dead_code)]
mod support;

use charla::runtime::state::{Contact, State};
use charla::store::{OutboxRow, Outgoing, SqliteStore, Store, StoreError, Turn};
use std::path::PathBuf;
use support::temp::TempDir;

fn db(dir: &TempDir) -> PathBuf {
    dir.path().join("charla.db")
}

fn state(id: &str) -> State {
    let mut state = State::new(Contact {
        id: id.to_string(),
        name: "Ana".to_string(),
        phone: "+5491100000000".to_string(),
        language: "es".to_string(),
    });
    state.audience = Some("members".to_string());
    state.opted_in = true;
    state.last_inbound = Some(1_700_000_000);
    state.menu = Some("main".to_string());
    state
}

fn reply(to: &str, text: &str) -> Outgoing {
    Outgoing {
        channel: "meta".to_string(),
        to: to.to_string(),
        payload: serde_json::json!({ "type": "text", "text": { "body": text } }).to_string(),
    }
}

fn turn(inbound: Option<&str>, contact: &str, state: State, outbox: Vec<Outgoing>) -> Turn {
    Turn {
        inbound_id: inbound.map(str::to_string),
        reply: None,
        aliases: Vec::new(),
        replaces: None,
        contact: contact.to_string(),
        state,
        outbox,
    }
}

fn payloads(rows: &[OutboxRow]) -> Vec<String> {
    rows.iter()
        .map(|row| {
            let value: serde_json::Value = serde_json::from_str(&row.payload).unwrap();
            value["text"]["body"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn the_trait_is_object_safe() {
    let dir = TempDir::new("store");
    let mut store: Box<dyn Store> = Box::new(SqliteStore::open(db(&dir)).unwrap());
    assert_eq!(store.load("nobody").unwrap(), None);
}

#[test]
fn opening_creates_the_file_in_wal_mode() {
    let dir = TempDir::new("store");
    let path = dir.path().join("sub-missing-is-not-created").join("x.db");
    // A folder that does not exist is an error, not a panic.
    assert!(matches!(
        SqliteStore::open(&path),
        Err(StoreError::Backend(_))
    ));
    let path = db(&dir);
    let _store = SqliteStore::open(&path).unwrap();
    assert!(path.exists());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let version: i64 = conn
        .query_row("SELECT version FROM schema_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(version, charla::store::sqlite::SCHEMA_VERSION);
}

#[test]
fn a_state_round_trips() {
    let dir = TempDir::new("store");
    let mut store = SqliteStore::open(db(&dir)).unwrap();
    assert_eq!(store.load("c1").unwrap(), None);
    let first = state("c1");
    store
        .commit(turn(Some("m1"), "c1", first.clone(), vec![]))
        .unwrap();
    assert_eq!(store.load("c1").unwrap(), Some(first.clone()));
    // A later commit replaces it.
    let mut second = first;
    second.opted_out = true;
    second.menu = None;
    store
        .commit(turn(Some("m2"), "c1", second.clone(), vec![]))
        .unwrap();
    assert_eq!(store.load("c1").unwrap(), Some(second));
    assert_eq!(store.load("c2").unwrap(), None);
}

#[test]
fn an_inbound_id_is_seen_after_its_commit() {
    let dir = TempDir::new("store");
    let mut store = SqliteStore::open(db(&dir)).unwrap();
    assert!(!store.seen("wamid.1").unwrap());
    store
        .commit(turn(Some("wamid.1"), "c1", state("c1"), vec![]))
        .unwrap();
    assert!(store.seen("wamid.1").unwrap());
    assert!(!store.seen("wamid.2").unwrap());
    // A turn no message caused records no id.
    store.commit(turn(None, "c1", state("c1"), vec![])).unwrap();
    assert!(!store.seen("").unwrap());
}

/// The rule: committing a turn whose inbound id was already recorded fails with
/// `StoreError::Duplicate`, and nothing of that turn is written (not its state, not its outbox
/// rows), so a webhook delivered twice, even concurrently, is answered once.
#[test]
fn a_commit_is_all_or_nothing() {
    let dir = TempDir::new("store");
    let mut store = SqliteStore::open(db(&dir)).unwrap();
    let first = state("c1");
    store
        .commit(turn(
            Some("m1"),
            "c1",
            first.clone(),
            vec![reply("+1", "hello")],
        ))
        .unwrap();

    let mut changed = state("c1");
    changed.handoff = true;
    let err = store
        .commit(turn(
            Some("m1"),
            "c1",
            changed,
            vec![reply("+1", "hello again"), reply("+1", "and again")],
        ))
        .unwrap_err();
    assert_eq!(err, StoreError::Duplicate("m1".to_string()));
    assert!(err.to_string().contains("already processed"), "{err}");
    // Also for another contact's state: nothing written.
    let err = store
        .commit(turn(Some("m1"), "c2", state("c2"), vec![reply("+2", "x")]))
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate(_)));

    assert_eq!(store.load("c1").unwrap(), Some(first));
    assert_eq!(store.load("c2").unwrap(), None);
    let rows = store.claim(i64::MAX / 2, 100).unwrap();
    assert_eq!(payloads(&rows), ["hello"]);
    // The store still works after the failed commit.
    store
        .commit(turn(Some("m2"), "c2", state("c2"), vec![]))
        .unwrap();
    assert!(store.load("c2").unwrap().is_some());
}

#[test]
fn the_outbox_claims_sends_and_retries() {
    let dir = TempDir::new("store");
    let mut store = SqliteStore::open(db(&dir)).unwrap();
    store
        .commit(turn(
            Some("m1"),
            "c1",
            state("c1"),
            vec![reply("+1", "one"), reply("+1", "two")],
        ))
        .unwrap();
    store
        .commit(turn(
            Some("m2"),
            "c2",
            state("c2"),
            vec![reply("+2", "three")],
        ))
        .unwrap();

    let now = 1_000;
    // Oldest first, up to the limit; the first claim is attempt 1.
    let rows = store.claim(now, 2).unwrap();
    assert_eq!(payloads(&rows), ["one", "two"]);
    assert!(rows.iter().all(|row| row.attempts == 1));
    assert_eq!(rows[0].channel, "meta");
    assert_eq!(rows[0].to, "+1");
    assert!(rows[0].id < rows[1].id);
    let (one, two) = (rows[0].id, rows[1].id);

    // Leased rows are not claimed again.
    let rows = store.claim(now, 10).unwrap();
    assert_eq!(payloads(&rows), ["three"]);
    let three = rows[0].id;

    store.sent(one, None).unwrap();
    store.failed(two, Some(now + 30), "HTTP 503").unwrap();
    store.failed(three, None, "131026: undeliverable").unwrap();

    // Not due yet; sent and given-up rows never come back.
    assert!(store.claim(now + 29, 10).unwrap().is_empty());
    let rows = store.claim(now + 30, 10).unwrap();
    assert_eq!(payloads(&rows), ["two"]);
    assert_eq!(rows[0].attempts, 2);
    store.sent(two, None).unwrap();
    assert!(store.claim(i64::MAX / 2, 10).unwrap().is_empty());

    // Unknown rows are an error, not a panic; a sent row cannot be failed.
    assert_eq!(store.sent(9_999, None), Err(StoreError::NoSuchRow(9_999)));
    assert_eq!(
        store.failed(one, Some(now), "late"),
        Err(StoreError::NoSuchRow(one))
    );
    assert!(store.claim(i64::MAX / 2, 10).unwrap().is_empty());
}

#[test]
fn a_lease_runs_out_when_the_sender_dies() {
    let dir = TempDir::new("store");
    let mut store = SqliteStore::open(db(&dir)).unwrap();
    store.set_lease(10);
    store
        .commit(turn(
            Some("m1"),
            "c1",
            state("c1"),
            vec![reply("+1", "one")],
        ))
        .unwrap();
    assert_eq!(store.claim(100, 10).unwrap().len(), 1);
    assert!(store.claim(109, 10).unwrap().is_empty());
    let rows = store.claim(110, 10).unwrap();
    assert_eq!(payloads(&rows), ["one"]);
    assert_eq!(rows[0].attempts, 2);
    assert!(store.claim(100, 0).unwrap().is_empty());
}

/// The "kill -9" case at the store level: whatever was committed is there after reopening.
#[test]
fn reopening_keeps_everything() {
    let dir = TempDir::new("store");
    let path = db(&dir);
    let kept = state("c1");
    {
        let mut store = SqliteStore::open(&path).unwrap();
        store
            .commit(turn(
                Some("m1"),
                "c1",
                kept.clone(),
                vec![reply("+1", "one"), reply("+1", "two")],
            ))
            .unwrap();
        store
            .commit(turn(None, "c2", state("c2"), vec![reply("+2", "three")]))
            .unwrap();
        let rows = store.claim(100, 1).unwrap();
        store.sent(rows[0].id, None).unwrap();
        let rows = store.claim(100, 1).unwrap();
        store.failed(rows[0].id, Some(200), "HTTP 429").unwrap();
        // Leased, and the process dies before the send finishes.
        assert_eq!(store.claim(100, 1).unwrap().len(), 1);
        // Dropped without any shutdown step.
    }
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.load("c1").unwrap(), Some(kept));
    assert!(store.seen("m1").unwrap());
    assert!(matches!(
        store.commit(turn(Some("m1"), "c1", state("c1"), vec![])),
        Err(StoreError::Duplicate(_))
    ));
    // The leased row comes back once its lease ran out; the retried one when due; the sent
    // one never.
    let lease = charla::store::sqlite::DEFAULT_LEASE_SECS;
    assert!(store.claim(100 + lease - 1, 10).unwrap().is_empty());
    let rows = store.claim(100 + lease, 10).unwrap();
    assert_eq!(payloads(&rows), ["three"]);
    assert_eq!(rows[0].attempts, 2);
    let rows = store.claim(200, 10).unwrap();
    assert_eq!(payloads(&rows), ["two"]);
    assert_eq!(rows[0].attempts, 2);
}

#[test]
fn a_corrupt_state_is_an_error() {
    let dir = TempDir::new("store");
    let path = db(&dir);
    let mut store = SqliteStore::open(&path).unwrap();
    store
        .commit(turn(Some("m1"), "c1", state("c1"), vec![]))
        .unwrap();
    store
        .commit(turn(Some("m2"), "c2", state("c2"), vec![]))
        .unwrap();
    store
        .commit(turn(Some("m3"), "c3", state("c3"), vec![]))
        .unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(
            "UPDATE states SET state = '{not json' WHERE contact = 'c1'",
            [],
        )
        .unwrap();
        conn.execute(
            "UPDATE states SET state = json_set(state, '$.version', 99) WHERE contact = 'c2'",
            [],
        )
        .unwrap();
    }
    match store.load("c1") {
        Err(err @ StoreError::Corrupt { .. }) => {
            let message = err.to_string();
            assert!(message.contains("`c1`"), "{message}");
            assert!(message.contains("not JSON"), "{message}");
        }
        other => panic!("expected a corrupt state, got {other:?}"),
    }
    match store.load("c2") {
        Err(err @ StoreError::Corrupt { .. }) => {
            assert!(err.to_string().contains("version 99"), "{err}");
        }
        other => panic!("expected a corrupt state, got {other:?}"),
    }
    // Other contacts are unaffected, and a commit overwrites the bad row.
    assert!(store.load("c3").unwrap().is_some());
    store
        .commit(turn(Some("m4"), "c1", state("c1"), vec![]))
        .unwrap();
    assert_eq!(store.load("c1").unwrap(), Some(state("c1")));
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = TempDir::new("store");
    let path = db(&dir);
    drop(SqliteStore::open(&path).unwrap());
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute("UPDATE schema_version SET version = 42", [])
            .unwrap();
    }
    match SqliteStore::open(&path) {
        Err(err) => assert!(err.to_string().contains("schema version 42"), "{err}"),
        Ok(_) => panic!("a newer schema was accepted"),
    }
}

#[test]
fn aliases_resolve_to_the_contact_they_were_committed_with() {
    let dir = TempDir::new("store");
    let mut store = SqliteStore::open(db(&dir)).unwrap();
    assert_eq!(store.resolve("meta:US.1").unwrap(), None);
    assert!(!store.has_state("meta:5511").unwrap());
    let mut first = turn(Some("m1"), "meta:5511", state("5511"), vec![]);
    first.aliases = vec!["meta:US.1".to_string(), "meta:5511".to_string()];
    store.commit(first).unwrap();
    assert_eq!(
        store.resolve("meta:US.1").unwrap().as_deref(),
        Some("meta:5511")
    );
    assert!(store.has_state("meta:5511").unwrap());
    assert!(!store.has_state("meta:US.1").unwrap());
    // The contact's own key is no alias of itself.
    assert_eq!(store.resolve("meta:5511").unwrap(), None);
    // A later link of the same id wins; a duplicate turn links nothing.
    let mut again = turn(Some("m1"), "meta:5522", state("5522"), vec![]);
    again.aliases = vec!["meta:US.1".to_string()];
    assert!(matches!(store.commit(again), Err(StoreError::Duplicate(_))));
    assert_eq!(
        store.resolve("meta:US.1").unwrap().as_deref(),
        Some("meta:5511")
    );
    let mut moved = turn(Some("m2"), "meta:5522", state("5522"), vec![]);
    moved.aliases = vec!["meta:US.1".to_string()];
    store.commit(moved).unwrap();
    assert_eq!(
        store.resolve("meta:US.1").unwrap().as_deref(),
        Some("meta:5522")
    );
}

/// A turn that `replaces` another key takes its conversation over: the old state is gone and
/// its pending replies are the new key's, still first in line.
#[test]
fn a_turn_that_replaces_a_key_takes_its_state_and_pending_replies() {
    let dir = TempDir::new("store");
    let mut store = SqliteStore::open(db(&dir)).unwrap();
    store
        .commit(turn(
            Some("m1"),
            "meta:5511",
            state("5511"),
            vec![reply("5511", "first")],
        ))
        .unwrap();
    let mut moved = turn(
        Some("m2"),
        "meta:BR.1",
        state("BR.1"),
        vec![reply("BR.1", "second")],
    );
    moved.replaces = Some("meta:5511".to_string());
    moved.aliases = vec!["meta:5511".to_string()];
    store.commit(moved).unwrap();
    assert!(!store.has_state("meta:5511").unwrap());
    assert_eq!(store.load("meta:BR.1").unwrap(), Some(state("BR.1")));
    assert_eq!(
        store.resolve("meta:5511").unwrap().as_deref(),
        Some("meta:BR.1")
    );
    let claimed = store.claim(2_000_000_000, 10).unwrap();
    assert_eq!(payloads(&claimed), ["first", "second"]);
    assert!(
        claimed.iter().all(|row| row.contact == "meta:BR.1"),
        "{claimed:#?}"
    );
}

/// A file written by a charla whose schema had no `aliases` (version 1) is upgraded on open,
/// its conversations kept.
#[test]
fn a_version_1_file_is_upgraded() {
    let dir = TempDir::new("store");
    let path = db(&dir);
    {
        let mut store = SqliteStore::open(&path).unwrap();
        store
            .commit(turn(Some("m1"), "c1", state("c1"), vec![]))
            .unwrap();
    }
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("DROP TABLE aliases; UPDATE schema_version SET version = 1")
            .unwrap();
    }
    let mut store = SqliteStore::open(&path).unwrap();
    assert_eq!(store.load("c1").unwrap(), Some(state("c1")));
    let mut linked = turn(Some("m2"), "c1", state("c1"), vec![]);
    linked.aliases = vec!["c1-other".to_string()];
    store.commit(linked).unwrap();
    assert_eq!(store.resolve("c1-other").unwrap().as_deref(), Some("c1"));
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let versions: Vec<i64> = conn
        .prepare("SELECT version FROM schema_version")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(versions, [charla::store::sqlite::SCHEMA_VERSION]);
}

#[test]
fn a_file_that_is_not_a_database_is_an_error() {
    let dir = TempDir::new("store");
    let path = dir.write(
        "garbage.db",
        "this is not a SQLite database, not at all.........",
    );
    assert!(matches!(
        SqliteStore::open(&path),
        Err(StoreError::Backend(_))
    ));
}

/// One contact's replies go out in order: a later row waits while an earlier one is leased or
/// waiting for a retry, and other contacts are not held up.
#[test]
fn a_contacts_replies_are_claimed_in_order() {
    let dir = TempDir::new("store");
    let mut store = SqliteStore::open(db(&dir)).unwrap();
    store
        .commit(turn(
            Some("m1"),
            "c1",
            state("c1"),
            vec![reply("+1", "a1"), reply("+1", "a2")],
        ))
        .unwrap();
    store
        .commit(turn(Some("m2"), "c2", state("c2"), vec![reply("+2", "b1")]))
        .unwrap();
    // A claim too small for both of c1's rows takes the first; the second waits for it.
    let first = store.claim(100, 1).unwrap();
    assert_eq!(payloads(&first), ["a1"]);
    assert_eq!(payloads(&store.claim(100, 10).unwrap()), ["b1"]);
    store.failed(first[0].id, Some(150), "HTTP 503").unwrap();
    assert!(store.claim(100, 10).unwrap().is_empty());
    // Due again: both of c1's rows together, in order.
    let rows = store.claim(150, 10).unwrap();
    assert_eq!(payloads(&rows), ["a1", "a2"]);
    // A row given back untried does not count an attempt.
    store.release(rows[1].id).unwrap();
    store
        .sent_many(&[(rows[0].id, Some("wamid.x".to_string()))])
        .unwrap();
    assert_eq!(
        store.sent_many(&[(9_999, None)]),
        Err(StoreError::NoSuchRow(9_999))
    );
    let again = store.claim(150, 10).unwrap();
    assert_eq!(payloads(&again), ["a2"]);
    assert_eq!(again[0].attempts, 1);
    // a2, and b1 (claimed, not yet sent).
    assert_eq!(store.pending().unwrap(), 2);
}

#[test]
fn a_reply_kept_with_its_inbound_id_comes_back() {
    let dir = TempDir::new("store");
    let mut store = SqliteStore::open(db(&dir)).unwrap();
    let mut t = turn(Some("SM1"), "c1", state("c1"), vec![]);
    t.reply = Some("<Response/>".to_string());
    store.commit(t).unwrap();
    assert_eq!(store.reply("SM1").unwrap().as_deref(), Some("<Response/>"));
    assert_eq!(store.reply("SM2").unwrap(), None);
    store
        .record_status(&charla::store::DeliveryStatus {
            message_id: "wamid.x".into(),
            status: "delivered".into(),
            recipient: Some("5511".into()),
            at: Some(1),
            errors: vec![],
        })
        .unwrap();
}

/// A group commit: each turn all or nothing on its own, a duplicate undoing only itself.
#[test]
fn commit_many_keeps_each_turn_whole() {
    let dir = TempDir::new("store");
    let mut store = SqliteStore::open(db(&dir)).unwrap();
    store
        .commit(turn(Some("m0"), "c0", state("c0"), vec![]))
        .unwrap();
    let results = store.commit_many(vec![
        turn(Some("m1"), "c1", state("c1"), vec![reply("+1", "one")]),
        turn(Some("m0"), "c9", state("c9"), vec![reply("+9", "lost")]),
        turn(Some("m2"), "c2", state("c2"), vec![reply("+2", "two")]),
    ]);
    assert_eq!(results[0], Ok(()));
    assert!(matches!(results[1], Err(StoreError::Duplicate(_))));
    assert_eq!(results[2], Ok(()));
    assert!(store.load("c1").unwrap().is_some());
    assert_eq!(store.load("c9").unwrap(), None);
    assert_eq!(payloads(&store.claim(100, 10).unwrap()), ["one", "two"]);
}

/// An agent announcement waiting for its webhook holds up no reply to the contact: order is
/// kept per contact and channel.
#[test]
fn a_waiting_agent_row_holds_up_no_reply() {
    let dir = TempDir::new("store");
    let mut store = SqliteStore::open(db(&dir)).unwrap();
    let agent = Outgoing {
        channel: "agent".to_string(),
        to: "http://agents.example/hook".to_string(),
        payload: "{}".to_string(),
    };
    store
        .commit(turn(
            Some("m1"),
            "c1",
            state("c1"),
            vec![agent, reply("+1", "after the handoff")],
        ))
        .unwrap();
    let rows = store.claim(100, 1).unwrap();
    assert_eq!(rows[0].channel, "agent");
    assert_eq!(rows[0].contact, "c1");
    store.failed(rows[0].id, Some(400), "HTTP 503").unwrap();
    assert_eq!(
        payloads(&store.claim(100, 10).unwrap()),
        ["after the handoff"]
    );
}
