//! The server (`NAME serve`, `charla serve PATH`): WhatsApp webhooks in, replies out, nothing
//! lost.
//!
//! ```text
//! POST /webhooks/{whatsapp,twilio} ─routes─▶ worker (one thread, batches) ─▶ engine ─▶ commit_many
//!                                              │                          (state + id + outbox)
//!                                              └ a turn with a `call` ─▶ slow path: conversation::deliver
//! sender threads ─claim─▶ outbox rows ─▶ Meta send API / Twilio / agent webhook ─▶ sent | retry
//! ```
//! The async side (tokio + axum) only reads requests, checks them and answers them; the engine
//! and the store run on the worker thread, the bot's `call`s on slow-path threads. SIGTERM or
//! Ctrl-C stops taking connections, finishes the requests in flight, ends the worker, and stops
//! the senders after their current batch.

pub mod app;
pub mod conversation;
pub mod metrics;
pub mod outbox;
pub mod routes;
pub mod sender;
pub mod settings;
pub mod worker;

use crate::model::Model;
use crate::runtime::engine::Engine;
use crate::store::SqliteStore;
use app::App;
use settings::Settings;
use std::sync::Arc;
use std::time::Instant;

/// Serves `model` until SIGTERM or Ctrl-C. Start-up problems (the database, the address) are
/// errors; after start-up, problems are logged and the server goes on.
pub fn serve(model: Model, settings: Settings) -> Result<(), String> {
    let started = Instant::now();
    // The model lives as long as the process; leaking it lets the engine be shared freely.
    let model: &'static Model = Box::leak(Box::new(model));
    let mut store = SqliteStore::open(&settings.db).map_err(|e| e.to_string())?;
    // Rows a killed predecessor had claimed go out now, not when their leases end.
    let resumed = store.release_leases().map_err(|e| e.to_string())?;
    let engine = Engine::new(model);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(settings.listen))
        .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    let summary = settings.summary();
    let db = settings.db.display().to_string();
    let app = Arc::new(App::new(engine, settings, Box::new(store)));
    let worker = app.start_worker();
    let senders: Vec<_> = (0..app.settings.senders)
        .map(|_| {
            let app = app.clone();
            std::thread::spawn(move || sender::run(app))
        })
        .collect();
    eprintln!(
        "charla: serving {} on http://{address} (store {db}; ready in {} ms)",
        model.bot.name,
        started.elapsed().as_millis()
    );
    for line in summary {
        eprintln!("  {line}");
    }
    if resumed > 0 {
        eprintln!("  outbox:  {resumed} reply(ies) claimed by a previous run, sending again");
    }
    let router = routes::router(app.clone());
    let served = runtime.block_on(async {
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown_signal())
            .await
    });
    eprintln!("charla: stopping: requests finished; the senders finish their batch");
    app.stop_worker();
    let _ = worker.join();
    // A slow path may still be making a call whose request Meta gave up on: let it commit (a
    // call cut off here would be made again when Meta delivers the message again).
    let waited = Instant::now();
    while app.slow_path_busy() && waited.elapsed() < std::time::Duration::from_secs(30) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    app.stop();
    for sender in senders {
        let _ = sender.join();
    }
    served.map_err(|e| format!("the server stopped: {e}"))
}

/// Resolves on SIGTERM (how service managers stop a process) or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
