//! `charla chat PATH`: talk to a bot in the terminal, or script it through standard input.

use super::load;
use super::output::print_out;
use super::EXIT_USAGE;
use crate::runtime::engine::Engine;
use crate::runtime::state::Contact;
use crate::runtime::turn::{Event, Inbound, Message, Output};
use serde_json::json;
use std::io::BufRead;
use std::path::PathBuf;

/// Chat with a bot as a customer would (a bot folder, a file or a built bundle)
#[derive(clap::Args)]
pub struct ChatArgs {
    /// The bot: a `.charla` file, a folder of them, or a bundle built with `charla build`
    path: PathBuf,
    #[command(flatten)]
    options: ChatOptions,
}

/// How to chat: the same for `charla chat` and a built bot's `chat`.
#[derive(clap::Args)]
pub struct ChatOptions {
    /// Print one JSON object per bot message and per state change
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    contact: ContactOptions,
}

/// Who is talking to the bot, and what answers its calls: the same for `chat` and `preview`
/// (where the page can change the contact).
#[derive(clap::Args)]
pub struct ContactOptions {
    /// Answer `call`s from a file of `mock` lines (as in tests) instead of the real API
    /// (without it, calls go to the bot's `api` over the network, 5 s at most)
    #[arg(long)]
    pub mock: Option<PathBuf>,
    /// Start as a contact in this audience
    #[arg(long)]
    pub audience: Option<String>,
    /// The contact's phone
    #[arg(long, default_value = "+10000000000")]
    pub phone: String,
    /// The contact's profile name
    #[arg(long, default_value = "Test")]
    pub contact_name: String,
}

pub fn run(args: ChatArgs) -> u8 {
    match load::model(&args.path) {
        Ok(model) => converse(&model, &args.options),
        Err((code, message)) => {
            eprintln!("{message}");
            code
        }
    }
}

/// The conversation itself: one line of standard input per message, until it ends.
pub fn converse(model: &crate::model::Model, args: &ChatOptions) -> u8 {
    let mocks = match &args.contact.mock {
        Some(path) => match super::mocks::read(path, model) {
            Ok(mocks) => mocks,
            Err(message) => {
                eprintln!("error: {message}");
                return EXIT_USAGE;
            }
        },
        None => Vec::new(),
    };
    if let Some(audience) = &args.contact.audience {
        if !model.audiences.contains_key(audience) {
            eprintln!("error: the bot has no audience `{audience}`");
            return EXIT_USAGE;
        }
    }
    let engine = Engine::new(model);
    let contact = Contact {
        id: args.contact.phone.clone(),
        name: args.contact.contact_name.clone(),
        phone: args.contact.phone.clone(),
        language: String::new(),
    };
    let mut state = engine.new_state(contact);
    state.audience = args.contact.audience.clone();
    let interactive = std::io::IsTerminal::is_terminal(&std::io::stdin()) && !args.json;
    if interactive {
        eprintln!(
            "chatting with {} (type a message; /release ends a handoff; Ctrl-D quits)",
            model.bot.name
        );
    }
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        let mut inbound = if line.trim() == "/release" {
            Inbound::Released
        } else {
            Inbound::Text(line)
        };
        loop {
            let (next, outputs) =
                engine.turn(&state, inbound, &crate::clock::now(&model.bot.timezone));
            state = next;
            let call = outputs.iter().find_map(|o| match o {
                Output::Event(Event::Call { method, url, body }) => {
                    Some((method.clone(), url.clone(), body.clone()))
                }
                _ => None,
            });
            show(&outputs, args.json);
            let Some((method, url, body)) = call else {
                break;
            };
            inbound = if args.contact.mock.is_some() {
                super::mocks::answer(&mocks, &method, &url)
            } else {
                crate::calls::call(
                    &method,
                    &url,
                    body.as_ref(),
                    &crate::calls::CallOptions::chat(),
                )
            };
        }
    }
    0
}

fn show(outputs: &[Output], json: bool) {
    for output in outputs {
        if json {
            let value = match output {
                Output::Message(m) => {
                    json!({"text": m.text(), "options": m.options().iter().map(|o| &o.label).collect::<Vec<_>>()})
                }
                // DESIGN.md's shape: method and absolute url, without the body.
                Output::Event(Event::Call { method, url, .. }) => {
                    json!({"event": "call", "method": method, "url": url})
                }
                Output::Event(event) => serde_json::to_value(event).unwrap_or_default(),
            };
            print_out(&format!("{value}\n"));
        } else if let Output::Message(message) = output {
            print_out(&format!("bot: {}\n", message.text()));
            for (i, option) in message.options().iter().enumerate() {
                print_out(&format!("  {}. {}\n", i + 1, option.label));
            }
            if let Message::List { button, .. } = message {
                print_out(&format!("  ({button})\n"));
            }
        } else if let Output::Event(event) = output {
            match event {
                Event::Handoff { .. } => print_out("  [a person takes over; type /release to give the conversation back to the bot]\n"),
                Event::Call { method, url, .. } => print_out(&format!("  [{method} {url}]\n")),
                Event::Error { line, message } => print_out(&format!("  [error at line {line}: {message}]\n")),
                _ => {}
            }
        }
    }
}
