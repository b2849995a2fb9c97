//! The embedded store: one SQLite file in WAL mode.
//!
//! Tables (schema version [`SCHEMA_VERSION`], kept in `schema_version`):
//! - `states(contact, state, updated_at)`: [`State::to_json`] text per contact (audience,
//!   opt-in/out and last inbound time are inside the state);
//! - `inbound(id, at, reply)`: processed inbound message ids, with the answer given in the
//!   webhook's response when there was one;
//! - `outbox(id, contact, channel, recipient, payload, status, attempts, due_at, lease_until,
//!   last_error, created_at, sent_at, remote_id)`: `status` is `pending`, `sent` or `failed`
//!   (given up);
//! - `statuses(message_id, status, recipient, at, errors, received_at)`: delivery statuses;
//! - `aliases(alias, contact)`: a phone's key and the key (a business-scoped id's) of the
//!   conversation of the WhatsApp user who last wrote with it.

use super::{DeliveryStatus, OutboxRow, Outgoing, Store, StoreError, Turn};
use crate::runtime::state::State;
use rusqlite::{params, Connection, ErrorCode, OptionalExtension, TransactionBehavior};
use std::path::Path;
use std::time::Duration;

/// The version of the tables below; a file made by a newer charla is refused, an older one is
/// upgraded. 2 added `aliases`.
pub const SCHEMA_VERSION: i64 = 2;

/// How long a claimed row stays leased before another claim may take it, by default.
pub const DEFAULT_LEASE_SECS: i64 = 60;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS states (
    contact    TEXT PRIMARY KEY NOT NULL,
    state      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS inbound (
    id    TEXT PRIMARY KEY NOT NULL,
    at    INTEGER NOT NULL,
    reply TEXT
);
CREATE TABLE IF NOT EXISTS outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    contact     TEXT NOT NULL,
    channel     TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    payload     TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending',
    attempts    INTEGER NOT NULL DEFAULT 0,
    due_at      INTEGER NOT NULL DEFAULT 0,
    lease_until INTEGER,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER,
    remote_id   TEXT
);
-- Claims walk the pending rows in id order; sent rows, however many, are never scanned.
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (id) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS outbox_contact ON outbox (contact, id) WHERE status = 'pending';
CREATE TABLE IF NOT EXISTS statuses (
    message_id  TEXT NOT NULL,
    status      TEXT NOT NULL,
    recipient   TEXT,
    at          INTEGER,
    errors      TEXT,
    received_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS statuses_message ON statuses (message_id);
-- A phone -> the key of the conversation of the WhatsApp user who last wrote with it.
CREATE TABLE IF NOT EXISTS aliases (
    alias   TEXT PRIMARY KEY NOT NULL,
    contact TEXT NOT NULL
);
";

/// A [`Store`] in one SQLite file.
pub struct SqliteStore {
    conn: Connection,
    lease_secs: i64,
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

impl SqliteStore {
    /// Opens the database at `path`, creating the file and its tables if missing.
    pub fn open(path: impl AsRef<Path>) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref();
        let conn = Connection::open(path)
            .map_err(|e| StoreError::Backend(format!("cannot open {}: {e}", path.display())))?;
        conn.busy_timeout(Duration::from_secs(5)).map_err(backend)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |row| row.get(0))
            .map_err(backend)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!(
                "{} cannot use WAL journaling (got `{mode}`)",
                path.display()
            )));
        }
        conn.execute_batch("PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;")
            .map_err(backend)?;
        let mut store = SqliteStore {
            conn,
            lease_secs: DEFAULT_LEASE_SECS,
        };
        store.migrate()?;
        Ok(store)
    }

    /// Ends every lease: for a server starting on this file, whose previous process died with
    /// rows claimed, so they are sent at once rather than when their leases run out. (Only for
    /// the one process that sends from this file; see docs/server.md.) Returns how many.
    pub fn release_leases(&mut self) -> Result<usize, StoreError> {
        self.conn
            .execute(
                "UPDATE outbox SET lease_until = NULL
                 WHERE status = 'pending' AND lease_until IS NOT NULL",
                [],
            )
            .map_err(backend)
    }

    /// Sets how long a claimed row stays leased (seconds).
    pub fn set_lease(&mut self, secs: i64) {
        self.lease_secs = secs;
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        tx.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
            [],
        )
        .map_err(backend)?;
        let version: Option<i64> = tx
            .query_row("SELECT max(version) FROM schema_version", [], |row| {
                row.get(0)
            })
            .map_err(backend)?;
        match version {
            Some(v) if v > SCHEMA_VERSION => {
                return Err(StoreError::Backend(format!(
                    "the database has schema version {v}; this charla reads version \
                     {SCHEMA_VERSION}"
                )))
            }
            Some(v) if v == SCHEMA_VERSION => {}
            // New, or older: every statement of the schema only adds what is missing (version
            // 1 had no `aliases`), so the same batch creates and upgrades.
            _ => {
                tx.execute_batch(SCHEMA).map_err(backend)?;
                tx.execute("DELETE FROM schema_version", [])
                    .map_err(backend)?;
                tx.execute(
                    "INSERT INTO schema_version (version) VALUES (?1)",
                    [SCHEMA_VERSION],
                )
                .map_err(backend)?;
            }
        }
        tx.commit().map_err(backend)
    }
}

/// Writes one turn inside `tx` (a transaction or a savepoint): the inbound id, the state, the
/// outbox rows. A recorded inbound id is [`StoreError::Duplicate`].
fn write_turn(tx: &rusqlite::Connection, turn: &Turn) -> Result<(), StoreError> {
    if let Some(id) = &turn.inbound_id {
        let inserted = tx
            .prepare_cached("INSERT INTO inbound (id, at, reply) VALUES (?1, unixepoch(), ?2)")
            .and_then(|mut stmt| stmt.execute(params![id, turn.reply]));
        match inserted {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == ErrorCode::ConstraintViolation =>
            {
                return Err(StoreError::Duplicate(id.clone()));
            }
            Err(e) => return Err(backend(e)),
        }
    }
    tx.prepare_cached(
        "INSERT INTO states (contact, state, updated_at) VALUES (?1, ?2, unixepoch())
         ON CONFLICT (contact) DO UPDATE SET state = excluded.state,
                                             updated_at = excluded.updated_at",
    )
    .and_then(|mut stmt| stmt.execute(params![turn.contact, turn.state.to_json()]))
    .map_err(backend)?;
    if let Some(old) = turn.replaces.as_ref().filter(|old| **old != turn.contact) {
        tx.prepare_cached("DELETE FROM states WHERE contact = ?1")
            .and_then(|mut stmt| stmt.execute([old]))
            .map_err(backend)?;
        tx.prepare_cached(
            "UPDATE outbox SET contact = ?2 WHERE contact = ?1 AND status = 'pending'",
        )
        .and_then(|mut stmt| stmt.execute(params![old, turn.contact]))
        .map_err(backend)?;
    }
    for alias in turn.aliases.iter().filter(|a| **a != turn.contact) {
        tx.prepare_cached("INSERT OR REPLACE INTO aliases (alias, contact) VALUES (?1, ?2)")
            .and_then(|mut stmt| stmt.execute(params![alias, turn.contact]))
            .map_err(backend)?;
    }
    insert_outbox(tx, &turn.contact, &turn.outbox)
}

/// Adds outbox rows for `contact`, due at once, inside `tx`.
fn insert_outbox(
    tx: &rusqlite::Connection,
    contact: &str,
    outbox: &[Outgoing],
) -> Result<(), StoreError> {
    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO outbox (contact, channel, recipient, payload, created_at)
             VALUES (?1, ?2, ?3, ?4, unixepoch())",
        )
        .map_err(backend)?;
    for out in outbox {
        stmt.execute(params![contact, out.channel, out.to, out.payload])
            .map_err(backend)?;
    }
    Ok(())
}

impl Store for SqliteStore {
    fn load(&mut self, contact: &str) -> Result<Option<State>, StoreError> {
        let text: Option<String> = self
            .conn
            .prepare_cached("SELECT state FROM states WHERE contact = ?1")
            .and_then(|mut stmt| stmt.query_row([contact], |row| row.get(0)).optional())
            .map_err(backend)?;
        match text {
            None => Ok(None),
            Some(text) => {
                State::from_json(&text)
                    .map(Some)
                    .map_err(|message| StoreError::Corrupt {
                        contact: contact.to_string(),
                        message,
                    })
            }
        }
    }

    fn resolve(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .prepare_cached("SELECT contact FROM aliases WHERE alias = ?1")
            .and_then(|mut stmt| stmt.query_row([key], |row| row.get(0)).optional())
            .map_err(backend)
    }

    fn has_state(&mut self, contact: &str) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached("SELECT 1 FROM states WHERE contact = ?1")
            .and_then(|mut stmt| stmt.exists([contact]))
            .map_err(backend)
    }

    fn seen(&mut self, inbound_id: &str) -> Result<bool, StoreError> {
        self.conn
            .prepare_cached("SELECT 1 FROM inbound WHERE id = ?1")
            .and_then(|mut stmt| stmt.exists([inbound_id]))
            .map_err(backend)
    }

    fn reply(&mut self, inbound_id: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .prepare_cached("SELECT reply FROM inbound WHERE id = ?1")
            .and_then(|mut stmt| {
                stmt.query_row([inbound_id], |row| row.get::<_, Option<String>>(0))
                    .optional()
            })
            .map(Option::flatten)
            .map_err(backend)
    }

    fn commit(&mut self, turn: Turn) -> Result<(), StoreError> {
        // IMMEDIATE: take the write lock up front, so the transaction never fails half-way on a
        // lock upgrade. Dropping `tx` without committing rolls everything back.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        write_turn(&tx, &turn)?;
        tx.commit().map_err(backend)
    }

    fn commit_many(&mut self, turns: Vec<Turn>) -> Vec<Result<(), StoreError>> {
        let all_failed =
            |turns: &[Turn], e: StoreError| turns.iter().map(|_| Err(e.clone())).collect();
        let mut tx = match self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
        {
            Ok(tx) => tx,
            Err(e) => return all_failed(&turns, backend(e)),
        };
        let mut results = Vec::with_capacity(turns.len());
        for turn in &turns {
            // A savepoint per turn: a duplicate undoes only its own turn.
            let result = match tx.savepoint() {
                Ok(mut savepoint) => match write_turn(&savepoint, turn) {
                    Ok(()) => savepoint.commit().map_err(backend),
                    Err(e) => {
                        let _ = savepoint.rollback();
                        Err(e)
                    }
                },
                Err(e) => Err(backend(e)),
            };
            if let Err(e @ StoreError::Backend(_)) = &result {
                // The database itself failed: nothing of the batch is kept.
                let e = e.clone();
                drop(tx);
                return all_failed(&turns, e);
            }
            results.push(result);
        }
        match tx.commit() {
            Ok(()) => results,
            Err(e) => all_failed(&turns, backend(e)),
        }
    }

    fn enqueue(&mut self, contact: &str, outbox: &[Outgoing]) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        insert_outbox(&tx, contact, outbox)?;
        tx.commit().map_err(backend)
    }

    fn claim(&mut self, now: i64, limit: usize) -> Result<Vec<OutboxRow>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let lease_until = now.saturating_add(self.lease_secs);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let rows = tx
            .prepare_cached(
                "UPDATE outbox SET attempts = attempts + 1, lease_until = ?2
                 WHERE id IN (SELECT o.id FROM outbox o
                              WHERE o.status = 'pending' AND o.due_at <= ?1
                                AND (o.lease_until IS NULL OR o.lease_until <= ?1)
                                AND NOT EXISTS (
                                    SELECT 1 FROM outbox e
                                    WHERE e.contact = o.contact AND e.channel = o.channel
                                      AND e.status = 'pending' AND e.id < o.id
                                      AND (e.due_at > ?1 OR e.lease_until > ?1))
                              ORDER BY o.id LIMIT ?3)
                 RETURNING id, channel, recipient, payload, attempts, contact",
            )
            .and_then(|mut stmt| {
                stmt.query_map(params![now, lease_until, limit], |row| {
                    Ok(OutboxRow {
                        id: row.get(0)?,
                        channel: row.get(1)?,
                        to: row.get(2)?,
                        payload: row.get(3)?,
                        attempts: row.get(4)?,
                        contact: row.get(5)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()
            })
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
        let mut rows = rows;
        // RETURNING gives no order: oldest first.
        rows.sort_by_key(|row| row.id);
        Ok(rows)
    }

    fn sent(&mut self, id: i64, remote_id: Option<&str>) -> Result<(), StoreError> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE outbox SET status = 'sent', lease_until = NULL, sent_at = unixepoch(),
                                   remote_id = ?2
                 WHERE id = ?1",
            )
            .and_then(|mut stmt| stmt.execute(params![id, remote_id]))
            .map_err(backend)?;
        if changed == 0 {
            return Err(StoreError::NoSuchRow(id));
        }
        Ok(())
    }

    fn sent_many(&mut self, rows: &[(i64, Option<String>)]) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        {
            let mut stmt = tx
                .prepare_cached(
                    "UPDATE outbox SET status = 'sent', lease_until = NULL, sent_at = unixepoch(),
                                       remote_id = ?2
                     WHERE id = ?1",
                )
                .map_err(backend)?;
            for (id, remote) in rows {
                if stmt.execute(params![id, remote]).map_err(backend)? == 0 {
                    return Err(StoreError::NoSuchRow(*id));
                }
            }
        }
        tx.commit().map_err(backend)
    }

    fn release(&mut self, id: i64) -> Result<(), StoreError> {
        let changed = self
            .conn
            .prepare_cached(
                "UPDATE outbox SET lease_until = NULL, attempts = max(attempts - 1, 0)
                 WHERE id = ?1 AND status = 'pending'",
            )
            .and_then(|mut stmt| stmt.execute([id]))
            .map_err(backend)?;
        if changed == 0 {
            return Err(StoreError::NoSuchRow(id));
        }
        Ok(())
    }

    fn failed(&mut self, id: i64, retry_at: Option<i64>, error: &str) -> Result<(), StoreError> {
        let changed = match retry_at {
            Some(at) => self
                .conn
                .prepare_cached(
                    "UPDATE outbox SET status = 'pending', due_at = ?2, lease_until = NULL,
                                       last_error = ?3
                     WHERE id = ?1 AND status != 'sent'",
                )
                .and_then(|mut stmt| stmt.execute(params![id, at, error])),
            None => self
                .conn
                .prepare_cached(
                    "UPDATE outbox SET status = 'failed', lease_until = NULL, last_error = ?2
                     WHERE id = ?1 AND status != 'sent'",
                )
                .and_then(|mut stmt| stmt.execute(params![id, error])),
        }
        .map_err(backend)?;
        if changed == 0 {
            return Err(StoreError::NoSuchRow(id));
        }
        Ok(())
    }

    fn record_status(&mut self, status: &DeliveryStatus) -> Result<(), StoreError> {
        let errors = (!status.errors.is_empty()).then(|| status.errors.join("\n"));
        self.conn
            .prepare_cached(
                "INSERT INTO statuses (message_id, status, recipient, at, errors, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, unixepoch())",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    status.message_id,
                    status.status,
                    status.recipient,
                    status.at,
                    errors
                ])
            })
            .map(drop)
            .map_err(backend)
    }

    fn pending(&mut self) -> Result<u64, StoreError> {
        self.conn
            .prepare_cached("SELECT count(*) FROM outbox WHERE status = 'pending'")
            .and_then(|mut stmt| stmt.query_row([], |row| row.get::<_, i64>(0)))
            .map(|n| n.max(0) as u64)
            .map_err(backend)
    }
}
