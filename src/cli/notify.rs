//! A built bot's `notify TEMPLATE --to PHONE --param ...`: a template the business sends first,
//! only to a contact who opted in and has not opted out, with the right number of parameters.
//! It goes through the outbox like every reply: written first, then sent (and retried by a
//! running server if the API is down).

use super::EXIT_USAGE;
use crate::model::Model;
use crate::runtime::engine::Engine;
use crate::runtime::notify::notify;
use crate::server::app::App;
use crate::server::conversation::Channel;
use crate::server::metrics::Metrics;
use crate::server::settings::{ServeArgs, Settings};
use crate::server::{outbox, sender};
use crate::store::{SqliteStore, Store};
use std::path::PathBuf;

/// Send an approved template to a contact who opted in
#[derive(clap::Args)]
pub struct NotifyArgs {
    /// The template's name
    template: String,
    /// The contact's phone (`+5511999990000`) or business-scoped id
    #[arg(long)]
    to: String,
    /// The template's parameters, in order (`{{1}}`, `{{2}}`, ...)
    #[arg(long = "param")]
    params: Vec<String>,
    /// The SQLite file the server uses (default `./<bot name>.db`)
    #[arg(long, env = "CHARLA_DB")]
    db: Option<PathBuf>,
}

/// Exit 0 when sent or queued, 1 when refused (not opted in, opted out, wrong parameters), 2
/// for usage and I/O errors.
pub fn run(model: Model, args: &NotifyArgs) -> u8 {
    let serve = ServeArgs {
        listen: ([127, 0, 0, 1], 0).into(),
        db: args.db.clone(),
        env_example: false,
    };
    let settings = match Settings::read(&serve, &model, |n| std::env::var(n).ok()) {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    let mut store = match SqliteStore::open(&settings.db) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let model: &'static Model = Box::leak(Box::new(model));
    let engine = Engine::new(model);
    let trimmed = args.to.trim();
    let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
    let id = if trimmed
        .chars()
        .all(|c| c.is_ascii_digit() || "+ -()".contains(c))
    {
        digits
    } else {
        trimmed.to_string()
    };
    // The contact on whichever channel it last wrote from.
    let mut found = None;
    for channel in [Channel::Meta, Channel::Twilio] {
        // A business-scoped id linked to a phone (or the other way) names the same contact.
        let key = channel.key(&id);
        let key = match store.resolve(&key) {
            Ok(canonical) => canonical.unwrap_or(key),
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
        };
        match store.load(&key) {
            Ok(Some(state)) => {
                let newer = found.as_ref().is_none_or(
                    |(_, _, s): &(_, _, crate::runtime::state::State)| {
                        state.last_inbound > s.last_inbound
                    },
                );
                if newer {
                    found = Some((channel, key, state));
                }
            }
            Ok(None) => {}
            Err(e) => {
                eprintln!("error: {e}");
                return EXIT_USAGE;
            }
        }
    }
    let Some((channel, key, state)) = found else {
        eprintln!(
            "refused: {} has never written to this bot (in {}), so has not opted in",
            args.to,
            settings.db.display()
        );
        return super::EXIT_ERRORS;
    };
    let message = match notify(&engine, &state, &args.template, &args.params) {
        Ok(message) => message,
        Err(refusal) => {
            eprintln!("refused: {refusal}");
            return super::EXIT_ERRORS;
        }
    };
    let rows = match channel {
        Channel::Meta => vec![outbox::meta_row(&state.contact.id, &message, None)],
        Channel::Twilio => outbox::twilio_rows(&state.contact.phone, &message, None),
    };
    // Only the rows: the server may have changed the state since it was read here, and
    // writing it back would undo that (an opt-out among others).
    if let Err(e) = store.enqueue(&key, &rows) {
        eprintln!("error: {e}");
        return EXIT_USAGE;
    }
    // Without the channel's settings this process cannot send: claiming rows would only count
    // failed tries against them (other contacts' replies included). `serve` sends it.
    let configured = match channel {
        Channel::Meta => settings.meta.is_some(),
        Channel::Twilio => settings
            .twilio
            .as_ref()
            .is_some_and(|t| t.account_sid.is_some() && t.from.is_some()),
    };
    if !configured {
        eprintln!(
            "queued `{}` to {}: this process has no settings for the {} channel, so `serve` \
             sends it",
            args.template,
            args.to,
            channel.name()
        );
        return 0;
    }
    // Send what is due now, as a sender would; a running server's senders would too.
    let app = App::new(engine, settings, Box::new(store));
    // A time limit as the senders have: an API that never answers must not hang the command
    // (the row stays in the outbox for `serve`).
    let agent = ureq::Agent::config_builder()
        .timeout_global(Some(sender::SEND_TIMEOUT))
        .http_status_as_error(false)
        .build()
        .into();
    match app.store(|s| s.claim(sender::now(), 64)) {
        Ok(rows) => sender::send_claimed(&app, &agent, rows),
        Err(e) => eprintln!("charla: {e}"),
    }
    let sent = app
        .metrics
        .messages_out
        .get_or_create(&Metrics::channel(channel.name()))
        .get();
    if sent > 0 {
        eprintln!("sent `{}` to {}", args.template, args.to);
    } else {
        eprintln!(
            "queued `{}` to {}: not sent yet; `serve` retries it from the outbox",
            args.template, args.to
        );
    }
    0
}
