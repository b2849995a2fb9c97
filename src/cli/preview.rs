//! `charla preview PATH [--port N] [--mock FILE]`: the bot in the browser (see `crate::preview`
//! and docs/preview.md). This file finds and reads the bot, as every command does, and hands the
//! preview a [`Loader`].

use super::{load, mocks, EXIT_USAGE};
use crate::calls::{self, CallOptions};
use crate::preview::session::ContactSettings;
use crate::preview::{self, Caller, Config, Loaded, Loader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Try a bot in the browser: a WhatsApp-like chat beside its flow picture, reloaded as you edit
/// (the contact options only set who starts the chat: the page can change them)
#[derive(clap::Args)]
pub struct PreviewArgs {
    /// The bot: a `.charla` file or a folder of them
    path: PathBuf,
    /// The port on 127.0.0.1 (default 7474, or a free one when 7474 is taken; 0 picks a free one)
    #[arg(long)]
    port: Option<u16>,
    #[command(flatten)]
    contact: super::chat::ContactOptions,
}

/// Exit 2 for usage and I/O errors (no such path, several bots, a mock file that does not read,
/// a port that is taken); otherwise it serves until stopped. A bot with errors is served: the
/// page shows them until they are fixed.
pub fn run(args: PreviewArgs) -> u8 {
    // One bot, or a usage error now (the loader reads it again on every reload).
    if let Err(message) = load::one_bot(&args.path, "preview") {
        eprintln!("error: {message}");
        return EXIT_USAGE;
    }
    let loader = SourceLoader {
        path: args.path.clone(),
        mock: args.contact.mock.clone(),
    };
    // A mock file that does not read now is a mistake on the command line; later (while
    // editing it) it is shown on the page like the bot's own errors.
    if let Some(mock) = &args.contact.mock {
        if let Err(e) = std::fs::read(mock) {
            eprintln!("error: cannot read `{}`: {e}", mock.display());
            return EXIT_USAGE;
        }
    }
    let calls = match &args.contact.mock {
        Some(mock) => format!("answered by the mocks in `{}`", mock.display()),
        None => "sent to the bot's real API".to_string(),
    };
    let config = Config {
        port: args.port,
        contact: ContactSettings {
            name: args.contact.contact_name,
            phone: args.contact.phone,
            audience: args.contact.audience,
        },
        calls,
    };
    match preview::serve(Arc::new(loader), config) {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("error: {message}");
            EXIT_USAGE
        }
    }
}

/// The bot at `path`, read and compiled the way `charla check` does.
struct SourceLoader {
    path: PathBuf,
    mock: Option<PathBuf>,
}

impl Loader for SourceLoader {
    fn files(&self) -> Vec<PathBuf> {
        let mut files = vec![self.path.clone()];
        if self.path.is_dir() {
            // The folder itself changes when a file is added or removed; its `.charla` files
            // change when edited in place.
            if let Ok(entries) = std::fs::read_dir(&self.path) {
                let mut charla: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|e| e == "charla"))
                    .collect();
                charla.sort();
                files.extend(charla);
            }
        }
        files.extend(self.mock.clone());
        files
    }

    fn load(&self) -> Result<Loaded, String> {
        let bot = load::one_bot(&self.path, "preview")?;
        let options = load::options(&bot, None)?;
        let compilation = crate::compile(&bot.sources, &options);
        let caller = match &compilation.model {
            Some(model) => caller(model, self.mock.as_deref()),
            None => Err(String::new()),
        };
        Ok(Loaded {
            sources: bot.sources,
            compilation,
            caller,
            mock_file: self.mock.as_ref().map(|m| m.display().to_string()),
        })
    }
}

/// Mocks from `--mock FILE` (read for this model: relative urls go under its first `api`), or
/// the real API with `charla chat`'s limits, to the bot's declared hosts only.
fn caller(model: &crate::model::Model, mock: Option<&Path>) -> Result<Caller, String> {
    match mock {
        Some(path) => {
            let mocks = mocks::read(path, model)?;
            Ok(Arc::new(move |method, url, _body| {
                mocks::answer(&mocks, method, url)
            }))
        }
        None => {
            let options = CallOptions {
                apis: model.bot.apis.clone(),
                ..CallOptions::chat()
            };
            Ok(Arc::new(move |method, url, body| {
                calls::call(method, url, body, &options)
            }))
        }
    }
}
