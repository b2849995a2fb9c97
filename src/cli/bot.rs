//! A built bot (`charla build --emit binary`): the charla executable with a bundle appended
//! runs as that bot. Its commands: `info`, `chat`, `serve` and `notify`.

use super::chat::{converse, ChatOptions};
use super::output::print_out;
use super::EXIT_USAGE;
use crate::emit::binary::{bundle_length, FOOTER};
use clap::{Parser, Subcommand};
use std::io::{Read, Seek, SeekFrom};
use std::process::ExitCode;

/// A WhatsApp bot built with charla
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct BotCli {
    #[command(subcommand)]
    command: BotCommand,
}

#[derive(Subcommand)]
enum BotCommand {
    /// The bot's name, bundle hash and policy verdicts
    Info,
    /// Chat with the bot in the terminal (or script it through standard input)
    Chat(ChatOptions),
    /// Serve the bot on WhatsApp (Meta Cloud API and Twilio webhooks)
    Serve(crate::server::settings::ServeArgs),
    /// Send an approved template to a contact who opted in
    Notify(super::notify::NotifyArgs),
}

/// The bundle appended to this executable, if it is a built bot (an `Err` when it is one but
/// the bundle cannot be read).
pub fn embedded() -> Option<Result<Vec<u8>, String>> {
    let path = std::env::current_exe().ok()?;
    let mut file = std::fs::File::open(&path).ok()?;
    let size = file.metadata().ok()?.len();
    let footer_at = size.checked_sub(FOOTER as u64)?;
    file.seek(SeekFrom::Start(footer_at)).ok()?;
    let mut footer = [0u8; FOOTER];
    file.read_exact(&mut footer).ok()?;
    let length = bundle_length(&footer)?;
    let mut read = || -> Result<Vec<u8>, String> {
        let start = footer_at
            .checked_sub(length)
            .ok_or("the bot's bundle is cut short")?;
        file.seek(SeekFrom::Start(start))
            .map_err(|e| e.to_string())?;
        let mut bundle = vec![0u8; usize::try_from(length).map_err(|e| e.to_string())?];
        file.read_exact(&mut bundle).map_err(|e| e.to_string())?;
        Ok(bundle)
    };
    Some(read())
}

/// Runs as the bot whose bundle is `bundle`.
pub fn run(bundle: Result<Vec<u8>, String>) -> ExitCode {
    let loaded = bundle.and_then(|bytes| {
        let (model, files) = crate::runtime::bundle::load(&bytes)?;
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
        Ok((model, files, value))
    });
    let (model, files, value) = match loaded {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: this bot's bundle cannot be used: {message}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let cli = match BotCli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    let code = match cli.command {
        BotCommand::Info => info(&model, &files, &value),
        BotCommand::Chat(options) => converse(&model, &options),
        BotCommand::Serve(args) => super::serve::serve(model, &args),
        BotCommand::Notify(args) => super::notify::run(model, &args),
    };
    ExitCode::from(code)
}

fn info(model: &crate::model::Model, files: &[String], bundle: &serde_json::Value) -> u8 {
    let text = |key: &str| {
        bundle
            .get(key)
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let verdict = |v: &crate::policy::Verdict| {
        serde_json::to_value(v)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let mut out = format!(
        "bot: {}\nlanguage: {}\nbusiness: {} ({} by the `{}` policy)\nescalation: {}\nbundle: {} (format {}, built by {}, from {} file(s))\n",
        model.bot.name,
        model.bot.language,
        model.bot.business,
        verdict(&model.policy.business_verdict),
        model.policy.name,
        model.policy.escalation.join(", "),
        text("hash"),
        bundle.get("format").and_then(serde_json::Value::as_u64).unwrap_or(0),
        text("compiler"),
        files.len(),
    );
    out.push_str(&format!(
        "flow: {} audiences, {} menus, {} intents, {} templates\n",
        model.audiences.len(),
        model.menus.len(),
        model.intents.len(),
        model.templates.len()
    ));
    for (name, template) in &model.templates {
        let v = model
            .policy
            .templates
            .get(name)
            .map(verdict)
            .unwrap_or_default();
        out.push_str(&format!(
            "template {name}: {} ({}), {}\n",
            template.category, template.whatsapp_category, v
        ));
    }
    print_out(&out);
    0
}
