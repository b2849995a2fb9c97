//! Load test of the server (issue 4): `NAME serve` built from TotalPass, driven by `wrk` from a
//! second process on loopback with signed Meta webhooks, the durable SQLite store on.
//!
//! ```text
//! apt-get install wrk                      # once (Debian's package)
//! cargo bench --bench serve                # 20 s of load; prints a Markdown table
//! cargo bench --bench serve -- --seconds 30 --connections 64 --contacts 100000
//! cargo bench --bench serve -- --perf      # also records a CPU profile of the server
//! ```
//!
//! Steps, each measured or checked:
//! 1. `charla build examples/totalpass --emit binary` (the release charla), timed.
//! 2. The store is seeded with `--contacts` conversations (default 100,000), each one turn in
//!    (the contact said "oi" and waits at the welcome menu), written through the same
//!    `SqliteStore::commit` the server uses. Contacts are as Meta gives them since 2026: a
//!    business-scoped id (the key) and a phone pointing at it; webhooks carry both.
//! 3. A fake Graph send API runs in this process (tokio + axum on loopback, one thread): it
//!    counts the replies the server's senders post and answers like Meta.
//! 4. Requests are prepared: each contact in turn taps "Sou usuário" (a list reply), then types
//!    "menu", then taps again, each with its own message id and an `X-Hub-Signature-256`
//!    computed here. `wrk` replays them in order (a Lua script, `target/loadtest/load.lua`).
//! 5. `bot serve` starts; start-up is the time from spawning it until it prints that it
//!    listens (and the time it reports itself).
//! 6. `wrk --latency` for `--seconds`; its requests/s and latency percentiles are reported, as
//!    are non-2xx answers (which must be 0).
//! 7. After the load: the server's peak and current resident memory (`VmHWM`, `VmRSS`), the
//!    conversations stored, and whether the outbox drained (every reply sent to the fake).
//!
//! Benchmarks measure and report; nothing here fails on a slow machine.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const SECRET: &str = "load-test-secret";

struct Options {
    seconds: u64,
    connections: u32,
    threads: u32,
    contacts: usize,
    /// Record a CPU profile of the server with `perf` during the load.
    perf: bool,
}

fn options() -> Options {
    let mut o = Options {
        seconds: 20,
        connections: 32,
        threads: 1,
        contacts: 100_000,
        perf: false,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).and_then(|v| v.parse::<u64>().ok());
        match (args[i].as_str(), value) {
            ("--seconds", Some(v)) => o.seconds = v,
            ("--connections", Some(v)) => o.connections = v as u32,
            ("--threads", Some(v)) => o.threads = v as u32,
            ("--contacts", Some(v)) => o.contacts = v as usize,
            ("--perf", _) => {
                o.perf = true;
                i += 1;
                continue;
            }
            // `cargo bench` passes `--bench`; anything else unknown is ignored the same way.
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    o
}

fn main() {
    let o = options();
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!(
            "serve benchmark: `wrk` is not installed (apt-get install wrk); nothing measured"
        );
        std::process::exit(2);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = root.join("target/loadtest");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();

    // 1. The bot binary.
    let bot = work.join("totalpass");
    let started = Instant::now();
    let built = Command::new(env!("CARGO_BIN_EXE_charla"))
        .args(["build", "examples/totalpass", "--emit", "binary", "-o"])
        .arg(&bot)
        .current_dir(root)
        .status()
        .unwrap();
    assert!(built.success(), "charla build failed");
    let build_ms = started.elapsed().as_secs_f64() * 1000.0;

    // 2. Seed the store.
    let db = work.join("load.db");
    let started = Instant::now();
    seed(root, &db, o.contacts);
    let seed_s = started.elapsed().as_secs_f64();

    // 3. The fake Graph API.
    let fake = FakeGraph::start();

    // 4. The requests.
    let rounds = 3;
    let data = work.join("requests.tsv");
    write_requests(&data, o.contacts, rounds);
    let script = work.join("load.lua");
    std::fs::write(&script, LUA).unwrap();

    // 5. Start the server.
    let started = Instant::now();
    let mut server = Command::new(&bot)
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .env("WHATSAPP_APP_SECRET", SECRET)
        .env("WHATSAPP_ACCESS_TOKEN", "load-token")
        .env("WHATSAPP_PHONE_NUMBER_ID", "1122334455667")
        .env(
            "WHATSAPP_API_BASE",
            format!("http://{}/v23.0", fake.address),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(server.stderr.take().unwrap()).lines();
    let (address, reported) = loop {
        let line = lines
            .next()
            .expect("the server prints its address")
            .unwrap();
        if let Some(rest) = line.split(" on http://").nth(1) {
            let address = rest.split_whitespace().next().unwrap().to_string();
            let reported = line
                .split("ready in ")
                .nth(1)
                .and_then(|r| r.split(' ').next())
                .unwrap_or("?")
                .to_string();
            break (address, reported);
        }
    };
    let startup_ms = started.elapsed().as_secs_f64() * 1000.0;
    // The rest of what the server says goes to a log file, for a look after the run.
    let log_path = work.join("server.log");
    std::thread::spawn(move || {
        let mut log = std::fs::File::create(log_path).unwrap();
        for line in lines.by_ref().map_while(Result::ok) {
            let _ = writeln!(log, "{line}");
        }
    });

    // 6. The load.
    let perf = o.perf.then(|| {
        Command::new("perf")
            .args(["record", "-e", "cpu-clock", "-g", "-o"])
            .arg(work.join("perf.data"))
            .args(["-p", &server.id().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("perf runs")
    });
    let output = Command::new("wrk")
        .arg(format!("-t{}", o.threads))
        .arg(format!("-c{}", o.connections))
        .arg(format!("-d{}s", o.seconds))
        .arg("--latency")
        .arg("-s")
        .arg(&script)
        .arg(format!("http://{address}/webhooks/whatsapp"))
        .arg("--")
        .arg(&data)
        .arg(o.threads.to_string())
        .output()
        .unwrap();
    let sent_during_load = fake.count.load(Ordering::SeqCst);
    let load_ended = Instant::now();
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    eprintln!("{report}");
    if let Some(perf) = perf {
        let _ = Command::new("kill")
            .args(["-INT", &perf.id().to_string()])
            .status();
        let _ = perf.wait_with_output();
        eprintln!(
            "profile: perf report -i {}",
            work.join("perf.data").display()
        );
    }

    // 7. After the load.
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", server.id())).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map(|kb| kb / 1024.0)
            .unwrap_or(f64::NAN)
    };
    let (peak_mb, rss_mb) = (field("VmHWM:"), field("VmRSS:"));
    let drained = wait_drained(&address, Duration::from_secs(60));
    let drain_s = load_ended.elapsed().as_secs_f64();
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let _ = server.wait();
    let conn = rusqlite::Connection::open(&db).unwrap();
    let count = |sql: &str| {
        conn.query_row(sql, [], |r| r.get::<_, i64>(0))
            .unwrap_or(-1)
    };
    let states = count("SELECT count(*) FROM states");
    let inbound = count("SELECT count(*) FROM inbound");
    let sent = count("SELECT count(*) FROM outbox WHERE status = 'sent'");
    let pending = count("SELECT count(*) FROM outbox WHERE status = 'pending'");
    let db_mb = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0) as f64 / 1e6;

    let grab = |prefix: &str| {
        report
            .lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .map(|l| l.trim().to_string())
            .unwrap_or_else(|| format!("{prefix} (not in wrk's output)"))
    };
    println!("| measure | value |");
    println!("| --- | --- |");
    println!(
        "| load | wrk -t{} -c{} -d{}s, signed Meta webhooks, {} contacts |",
        o.threads, o.connections, o.seconds, o.contacts
    );
    println!("| requests/s | {} |", grab("Requests/sec:"));
    println!("| latency p50 | {} |", grab("50%"));
    println!("| latency p90 | {} |", grab("90%"));
    println!("| latency p99 | {} |", grab("99%"));
    println!(
        "| non-2xx | {} |",
        grab("Non-2xx").replace("Non-2xx or 3xx responses: ", "")
    );
    println!("| server memory after the load | peak {peak_mb:.1} MB, now {rss_mb:.1} MB |");
    println!("| conversations stored | {states} ({inbound} inbound ids, db {db_mb:.1} MB) |");
    println!("| replies sent to the fake Graph API | {sent_during_load} while the load ran; {} in all (outbox: {sent} sent, {pending} pending; drained: {drained}, {drain_s:.1} s after the load) |", fake.count.load(Ordering::SeqCst));
    println!("| start-up (spawn to listening) | {startup_ms:.1} ms (server's own count: {reported} ms) |");
    println!("| `charla build --emit binary` | {build_ms:.0} ms |");
    println!("| seeding {} conversations | {seed_s:.1} s |", o.contacts);
}

/// Seeds `contacts` conversations: each said "oi" and waits at the welcome menu.
fn seed(root: &Path, db: &Path, contacts: usize) {
    use charla::runtime::engine::Engine;
    use charla::runtime::state::Contact;
    use charla::runtime::turn::Inbound;
    use charla::store::{SqliteStore, Store, Turn};
    let bundle = Command::new(env!("CARGO_BIN_EXE_charla"))
        .args(["build", "examples/totalpass", "-o", "-"])
        .current_dir(root)
        .output()
        .unwrap();
    let (model, _) = charla::runtime::bundle::load(&bundle.stdout).unwrap();
    let engine = Engine::new(&model);
    let mut store = SqliteStore::open(db).unwrap();
    let clock = charla::clock::now(&model.bot.timezone);
    for i in 0..contacts {
        // As Meta's 2026 webhooks give it: a business-scoped id (the key) and the phone, which
        // points at it.
        let id = phone(i);
        let user = user_id(i);
        let state = engine.new_state(Contact {
            id: user.clone(),
            name: "Load".to_string(),
            phone: format!("+{id}"),
            language: String::new(),
        });
        let (state, _) = engine.turn(&state, Inbound::Text("oi".to_string()), &clock);
        store
            .commit(Turn {
                inbound_id: Some(format!("wamid.seed{i}")),
                contact: format!("meta:{user}"),
                state,
                outbox: Vec::new(),
                reply: None,
                aliases: vec![format!("meta:{id}")],
                replaces: None,
            })
            .unwrap();
    }
}

fn phone(i: usize) -> String {
    format!("55119{i:08}")
}

/// Contact `i`'s business-scoped user id.
fn user_id(i: usize) -> String {
    format!("BR.{i:020}")
}

/// One line per request: `signature<TAB>body`.
fn write_requests(path: &Path, contacts: usize, rounds: usize) {
    use hmac::{Hmac, Mac};
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let sent_at = jiff::Timestamp::now().as_second().to_string();
    for round in 0..rounds {
        for i in 0..contacts {
            let from = phone(i);
            let content = if round == 1 {
                serde_json::json!({"type": "text", "text": {"body": "menu"}})
            } else {
                serde_json::json!({"type": "interactive", "interactive": {"type": "list_reply",
                    "list_reply": {"id": "welcome/sou usuario", "title": "Sou usuário"}}})
            };
            // Sent now: the 24-hour window runs from a message's own time.
            let user = user_id(i);
            let mut message = serde_json::json!({"from": from, "from_user_id": user,
                "id": format!("wamid.load{round}x{i}"), "timestamp": sent_at});
            for (k, v) in content.as_object().unwrap() {
                message[k] = v.clone();
            }
            let body = serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "1",
                "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550000000", "phone_number_id": "1122334455667"},
                "contacts": [{"profile": {"name": "Load"}, "wa_id": from, "user_id": user}],
                "messages": [message]}}]}]})
            .to_string();
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
            mac.update(body.as_bytes());
            let hex: String = mac
                .finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            writeln!(out, "sha256={hex}\t{body}").unwrap();
        }
    }
}

/// Waits until `/healthz` reports an empty outbox; whether it did.
fn wait_drained(address: &str, limit: Duration) -> bool {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let start = Instant::now();
    while start.elapsed() < limit {
        let pending = agent
            .get(&format!("http://{address}/healthz"))
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_to_string().ok())
            .and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok())
            .and_then(|v| v["outbox_pending"].as_u64());
        if pending == Some(0) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// The fake send API: answers like Meta and counts.
struct FakeGraph {
    address: std::net::SocketAddr,
    count: Arc<AtomicU64>,
    _runtime: tokio::runtime::Runtime,
}

impl FakeGraph {
    fn start() -> FakeGraph {
        let count = Arc::new(AtomicU64::new(0));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let address = listener.local_addr().unwrap();
        let counter = count.clone();
        let router = axum::Router::new().fallback(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                (
                    [("content-type", "application/json")],
                    format!(
                        r#"{{"messaging_product":"whatsapp","messages":[{{"id":"wamid.out{n}"}}]}}"#
                    ),
                )
            }
        });
        runtime.spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        FakeGraph {
            address,
            count,
            _runtime: runtime,
        }
    }
}

/// wrk's script: every thread reads the prepared requests and sends its share in order
/// (thread t of n sends requests t, t+n, t+2n, ...; after the last it starts again, and the
/// repeats are answered as duplicates).
const LUA: &str = r#"
local requests = {}
local count = 0
local next_index = 0
local step = 1
local thread_count = 0

function setup(thread)
  thread:set("thread_id", thread_count)
  thread_count = thread_count + 1
end

function init(args)
  local file = assert(io.open(args[1], "r"))
  step = tonumber(args[2]) or 1
  next_index = thread_id or 0
  for line in file:lines() do
    local tab = line:find("\t", 1, true)
    count = count + 1
    requests[count] = wrk.format("POST", nil, {
      ["Content-Type"] = "application/json",
      ["X-Hub-Signature-256"] = line:sub(1, tab - 1),
    }, line:sub(tab + 1))
  end
  file:close()
end

function request()
  local r = requests[(next_index % count) + 1]
  next_index = next_index + step
  return r
end
"#;
