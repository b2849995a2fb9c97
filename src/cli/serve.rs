//! `charla serve PATH` and a built bot's `serve`: the HTTP server (see `crate::server`).

use super::load;
use super::output::print_out;
use super::EXIT_USAGE;
use crate::model::Model;
use crate::server::settings::{self, ServeArgs, Settings};
use std::path::PathBuf;

/// Serve a bot on WhatsApp straight from its sources (for development)
#[derive(clap::Args)]
pub struct ServeSourceArgs {
    /// The bot: a `.charla` file, a folder of them, or a bundle built with `charla build`
    path: PathBuf,
    #[command(flatten)]
    serve: ServeArgs,
}

pub fn run(args: ServeSourceArgs) -> u8 {
    match load::model(&args.path) {
        Ok(model) => serve(model, &args.serve),
        Err((code, message)) => {
            eprintln!("{message}");
            code
        }
    }
}

/// Serves `model` with these flags and the process's environment.
pub fn serve(model: Model, args: &ServeArgs) -> u8 {
    if args.env_example {
        print_out(&settings::env_example(&model.bot.name));
        return 0;
    }
    let settings = match Settings::read(args, &model, |name| std::env::var(name).ok()) {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    match crate::server::serve(model, settings) {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("error: {message}");
            EXIT_USAGE
        }
    }
}
