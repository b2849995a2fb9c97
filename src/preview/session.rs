//! One preview conversation: the bot as last compiled (or its diagnostics), the contact, the
//! engine's [`State`] and the transcript the page draws. Every change goes through the same
//! engine as `charla chat` and the server; this file only records what it did.

use super::{Caller, Loaded};
use crate::diagnostic::render_json;
use crate::graph::{svg, Graph};
use crate::model::Model;
use crate::runtime::engine::Engine;
use crate::runtime::notify::{fill_text, notify};
use crate::runtime::state::{Contact, State, Waiting};
use crate::runtime::turn::{Clock, Event, Inbound, Message, Output};
use serde::Serialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// Who the page talks as: set by `--phone`, `--contact-name`, `--audience` and by the page's
/// contact form; a new conversation starts with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContactSettings {
    pub name: String,
    pub phone: String,
    pub audience: Option<String>,
}

/// One line of the transcript, as the page draws it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    /// What the contact sent: typed text, or the title of the button or row tapped.
    User {
        text: String,
        tapped: bool,
        time: String,
    },
    /// A message from the bot; a template also carries its header and footer.
    Bot {
        message: Message,
        #[serde(skip_serializing_if = "Option::is_none")]
        header: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        footer: Option<String>,
        time: String,
    },
    /// A change of state (`charla chat --json`'s events).
    Event { event: Event },
    /// The answer to a `call`: its status, or why there was none.
    CallResult {
        status: Option<u16>,
        #[serde(skip_serializing_if = "Option::is_none")]
        failure: Option<String>,
    },
    /// A template `runtime::notify` would not send, and why.
    Refused { template: String, reason: String },
    /// Something the preview itself says (a reload, a new contact).
    Notice { text: String },
}

/// The bot as last loaded: ready to talk, or not.
enum Bot {
    Ready { model: Arc<Model>, caller: Caller },
    Broken,
}

/// A `call` the engine asked for, to be made outside the lock.
pub struct PendingCall {
    pub generation: u64,
    pub method: String,
    pub url: String,
    pub body: Option<Value>,
    pub caller: Caller,
}

pub struct Session {
    bot: Bot,
    /// Errors and warnings of the last load, as `--format json` gives them (and load errors).
    problems: Vec<Value>,
    errors: usize,
    svg: Arc<String>,
    /// The bot's name as its sources give it (known even when the bot has errors).
    name: String,
    /// Bumped by every load, so the page fetches the picture again only when it changed.
    reloads: u64,
    /// Bumped by every new conversation: a call's answer meant for an older one is dropped.
    generation: u64,
    contact: ContactSettings,
    state: Option<State>,
    transcript: Vec<Entry>,
    /// The last intent started, kept after it finishes so the picture shows where the answer
    /// came from.
    last_intent: Option<String>,
    /// How calls are answered, for the page (`mocks from chat.mock`, `the real API`).
    calls: String,
}

impl Session {
    pub fn new(contact: ContactSettings, calls: String) -> Session {
        Session {
            bot: Bot::Broken,
            problems: Vec::new(),
            errors: 0,
            svg: Arc::new(String::new()),
            name: String::new(),
            reloads: 0,
            generation: 0,
            contact,
            state: None,
            transcript: Vec::new(),
            last_intent: None,
            calls,
        }
    }

    /// Takes a new load of the bot: its picture and diagnostics always, and, when it has no
    /// errors, a new conversation with it (the old one was with another bot).
    pub fn reload(&mut self, loaded: Result<Loaded, String>, first: bool) {
        self.reloads += 1;
        self.problems.clear();
        self.errors = 0;
        self.bot = Bot::Broken;
        let loaded = match loaded {
            Ok(loaded) => loaded,
            Err(message) => {
                self.problem(message, None);
                self.restart(None);
                return;
            }
        };
        let compilation = loaded.compilation;
        let graph = Graph::build(
            &loaded.sources,
            &compilation.files,
            &compilation.diagnostics,
        );
        self.svg = Arc::new(svg::render(&graph));
        self.name = graph.title.clone();
        self.errors = compilation
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .count();
        self.problems = render_json(&loaded.sources, &compilation.diagnostics);
        let model = match (compilation.model, loaded.caller) {
            (Some(model), Ok(caller)) => {
                self.bot = Bot::Ready {
                    model: Arc::new(model),
                    caller,
                };
                true
            }
            (Some(_), Err(message)) => {
                // A mock file that does not read is as blocking as an error in the bot.
                self.problem(message, loaded.mock_file.as_deref());
                false
            }
            (None, _) => false,
        };
        let notice = (!first && model).then(|| {
            "the bot changed and was compiled again: the conversation starts over".to_string()
        });
        self.restart(notice);
    }

    fn problem(&mut self, message: String, file: Option<&str>) {
        self.errors += 1;
        self.problems.push(json!({
            "severity": "error", "code": null, "message": message,
            "file": file, "line": null, "column": null, "labels": [], "help": null,
        }));
    }

    /// Starts a new conversation with the contact settings (the old transcript goes).
    fn restart(&mut self, notice: Option<String>) {
        self.generation += 1;
        self.transcript.clear();
        self.last_intent = None;
        self.state = match &self.bot {
            Bot::Ready { model, .. } => {
                let engine = Engine::new(model);
                let mut state = engine.new_state(Contact {
                    id: self.contact.phone.clone(),
                    name: self.contact.name.clone(),
                    phone: self.contact.phone.clone(),
                    language: String::new(),
                });
                // An audience chosen while the bot had errors, or one the bot no longer
                // declares, is dropped rather than given to the engine.
                match &self.contact.audience {
                    Some(audience) if !model.audiences.contains_key(audience) => {
                        self.transcript.push(Entry::Notice {
                            text: format!(
                                "the bot has no audience `{audience}`: starting with none"
                            ),
                        });
                        self.contact.audience = None;
                    }
                    _ => state.audience = self.contact.audience.clone(),
                }
                Some(state)
            }
            Bot::Broken => None,
        };
        if let Some(text) = notice {
            self.transcript.push(Entry::Notice { text });
        }
    }

    /// A new conversation as `contact` (the page's contact form). An audience the bot does not
    /// declare is refused.
    pub fn reset(&mut self, contact: Option<ContactSettings>) -> Result<(), String> {
        if let Some(contact) = contact {
            if let (Some(audience), Bot::Ready { model, .. }) = (&contact.audience, &self.bot) {
                if !model.audiences.contains_key(audience) {
                    return Err(format!("the bot has no audience `{audience}`"));
                }
            }
            self.contact = contact;
        }
        self.restart(None);
        Ok(())
    }

    /// The engine runs one turn on `inbound`; a `call` it asks for comes back to be made (by
    /// the caller, without the lock) and fed in with [`Session::call_answered`].
    pub fn turn(&mut self, inbound: Inbound, clock: &Clock) -> Result<Option<PendingCall>, String> {
        let (model, caller) = match &self.bot {
            Bot::Ready { model, caller } => (model.clone(), caller.clone()),
            Bot::Broken => return Err("the bot has errors; fix them first".to_string()),
        };
        let Some(state) = &self.state else {
            return Err("the bot has errors; fix them first".to_string());
        };
        match &inbound {
            Inbound::Text(text) => self.transcript.push(Entry::User {
                text: text.clone(),
                tapped: false,
                time: time_of(clock, &model.bot.timezone),
            }),
            Inbound::Reply { title, .. } | Inbound::TemplateButton { text: title, .. } => {
                self.transcript.push(Entry::User {
                    text: title.clone(),
                    tapped: true,
                    time: time_of(clock, &model.bot.timezone),
                })
            }
            Inbound::CallAnswered { status, .. } => self.transcript.push(Entry::CallResult {
                status: Some(*status),
                failure: None,
            }),
            Inbound::CallFailed { reason } => self.transcript.push(Entry::CallResult {
                status: None,
                failure: Some(reason.clone()),
            }),
            Inbound::Released if state.handoff => self.transcript.push(Entry::Notice {
                text: "an agent gave the conversation back to the bot".to_string(),
            }),
            Inbound::Released => {}
            Inbound::Unsupported { .. } => {}
        }
        let engine = Engine::new(&model);
        let (next, outputs) = engine.turn(state, inbound, clock);
        self.state = Some(next);
        let mut call = None;
        for output in outputs {
            match output {
                Output::Message(message) => self.transcript.push(Entry::Bot {
                    message,
                    header: None,
                    footer: None,
                    time: time_of(clock, &model.bot.timezone),
                }),
                Output::Event(event) => {
                    if let Event::Call { method, url, body } = &event {
                        call = Some(PendingCall {
                            generation: self.generation,
                            method: method.clone(),
                            url: url.clone(),
                            body: body.clone(),
                            caller: caller.clone(),
                        });
                    }
                    if let Event::Intent { name } = &event {
                        self.last_intent = Some(name.clone());
                    }
                    self.transcript.push(Entry::Event { event });
                }
            }
        }
        Ok(call)
    }

    /// Feeds a call's answer in, unless the conversation it belongs to is gone (a reload or a
    /// reset while it was made).
    pub fn call_answered(
        &mut self,
        generation: u64,
        answer: Inbound,
        clock: &Clock,
    ) -> Result<Option<PendingCall>, String> {
        if generation != self.generation {
            return Ok(None);
        }
        self.turn(answer, clock)
    }

    /// A template sent by the business, through `runtime::notify` (which refuses contacts who
    /// did not opt in); a refusal is written in the transcript, not sent.
    pub fn send_template(
        &mut self,
        name: &str,
        parameters: &[String],
        clock: &Clock,
    ) -> Result<(), String> {
        let Bot::Ready { model, .. } = &self.bot else {
            return Err("the bot has errors; fix them first".to_string());
        };
        let Some(state) = &self.state else {
            return Err("the bot has errors; fix them first".to_string());
        };
        let engine = Engine::new(model);
        let entry = match notify(&engine, state, name, parameters) {
            Ok(message) => {
                let template = model.templates.get(name);
                Entry::Bot {
                    message,
                    header: template
                        .and_then(|t| t.header.as_deref())
                        .map(|h| fill_text(h, parameters)),
                    footer: template.and_then(|t| t.footer.clone()),
                    time: time_of(clock, &model.bot.timezone),
                }
            }
            Err(refusal) => Entry::Refused {
                template: name.to_string(),
                reason: refusal.to_string(),
            },
        };
        self.transcript.push(entry);
        Ok(())
    }

    /// The bot's timezone, for the caller's clock (UTC while the bot has errors).
    pub fn timezone(&self) -> String {
        match &self.bot {
            Bot::Ready { model, .. } => model.bot.timezone.clone(),
            Bot::Broken => "UTC".to_string(),
        }
    }

    pub fn contact(&self) -> &ContactSettings {
        &self.contact
    }

    pub fn svg(&self) -> Arc<String> {
        self.svg.clone()
    }

    /// Everything the page shows, in one JSON object (GET /api/state, and the answer to every
    /// action).
    pub fn to_json(&self, version: u64) -> Value {
        let ready = matches!(self.bot, Bot::Ready { .. });
        let warnings = self.problems.len().saturating_sub(self.errors);
        let mut out = json!({
            "version": version,
            "name": self.name,
            "reloads": self.reloads,
            "ready": ready,
            "errors": self.errors,
            "warnings": warnings,
            "problems": self.problems,
            "calls": self.calls,
            "contact": self.contact,
            "transcript": self.transcript,
        });
        if let (Bot::Ready { model, .. }, Some(state)) = (&self.bot, &self.state) {
            out["bot"] = bot_json(model);
            out["conversation"] = conversation_json(state, self.last_intent.as_deref());
        }
        out
    }
}

/// What the page needs of the bot: its name, audiences and templates (for the panels).
fn bot_json(model: &Model) -> Value {
    let audiences: Vec<Value> = model
        .audiences
        .iter()
        .map(|(name, a)| json!({"name": name, "label": a.label}))
        .collect();
    let templates: Vec<Value> = model
        .templates
        .iter()
        .map(|(name, t)| {
            json!({
                "name": name, "category": t.category, "parameters": t.parameters,
                "header": t.header, "body": t.body, "footer": t.footer,
                "buttons": t.buttons.iter().map(|b| &b.label).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "name": model.bot.name,
        "language": model.bot.language,
        "audiences": audiences,
        "templates": templates,
    })
}

/// The conversation's variables, and which node of the picture is current: the flow running
/// (or suspended at an `ask` or a `call`), else the menu it waits at, else a handoff.
fn conversation_json(state: &State, last_intent: Option<&str>) -> Value {
    let current = if state.handoff {
        json!({"kind": "handoff", "name": "handoff"})
    } else if let Some(frame) = &state.frame {
        json!({"kind": frame.kind, "name": frame.name})
    } else if let Some(menu) = &state.menu {
        json!({"kind": "menu", "name": menu})
    } else {
        Value::Null
    };
    let waiting = match state.waiting {
        Waiting::Nothing => Value::Null,
        Waiting::Answer { .. } => json!("answer"),
        Waiting::Call => json!("call"),
    };
    json!({
        "contact": state.contact,
        "audience": state.audience,
        "opted_in": state.opted_in,
        "opted_out": state.opted_out,
        "handoff": state.handoff,
        "menu": state.menu,
        "waiting": waiting,
        "frame": state.frame.as_ref().map(|f| json!({"kind": f.kind, "name": f.name, "vars": f.vars})),
        "current": current,
        "last_intent": last_intent,
    })
}

/// `14:05` in the bot's timezone, as WhatsApp stamps a bubble.
fn time_of(clock: &Clock, timezone: &str) -> String {
    let zone = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    match jiff::Timestamp::from_second(clock.now) {
        Ok(at) => {
            let time = zone.to_datetime(at).time();
            format!("{:02}:{:02}", time.hour(), time.minute())
        }
        Err(_) => String::new(),
    }
}
