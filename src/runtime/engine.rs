//! The conversation engine: `(model, state, inbound, clock) -> (state, outputs)`. Pure and
//! deterministic: HTTP calls, storage and sending are done by whoever drives it (`charla test`,
//! `charla chat`, the server), which feeds a call's result back as an [`Inbound`].
//!
//! It reads a message in the order of LANGUAGE.md section 5 (opt-out words, handoff, a pending
//! `ask`, the waiting menu's options, the word `menu`, intents, the fallback) and runs steps
//! with an explicit path into the flow's blocks, so a conversation can stop at an `ask` or a
//! `call` and go on in a later turn from a stored [`State`].

use super::answers::{read_answer, AnswerContext};
use super::matcher::Matcher;
use super::render::Renderer;
use super::state::{Block, Contact, FlowKind, Frame, Pos, State, Waiting};
use super::turn::{Choice, Clock, Event, Inbound, Message, Output};
use crate::fold::fold;
use crate::model::{AskType, Model, Presentation, Src, Step, Target};
use serde_json::{json, Map, Value};

/// A turn runs at most this many steps; past it the fallback is said (LANGUAGE.md section 5).
pub const MAX_STEPS: usize = 100;

/// After this many answers that do not fit, an `ask` gives up.
const MAX_MISSES: u8 = 3;

pub struct Engine<'m> {
    model: &'m Model,
    renderer: Renderer,
    matcher: Matcher,
}

impl<'m> Engine<'m> {
    pub fn new(model: &'m Model) -> Engine<'m> {
        Engine {
            model,
            renderer: Renderer::new(model),
            matcher: Matcher::new(model),
        }
    }

    pub fn model(&self) -> &'m Model {
        self.model
    }

    /// A new conversation with a contact (in the bot's language unless the channel said).
    pub fn new_state(&self, mut contact: Contact) -> State {
        if contact.language.is_empty() {
            contact.language = self.model.bot.language.clone();
        }
        State::new(contact)
    }

    /// One turn: what the bot does with `inbound`.
    pub fn turn(&self, state: &State, inbound: Inbound, clock: &Clock) -> (State, Vec<Output>) {
        let mut run = Run {
            engine: self,
            state: state.clone(),
            out: Vec::new(),
            steps: 0,
            clock: *clock,
        };
        run.inbound(inbound);
        (run.state, run.out)
    }

    /// The id a template's quick-reply button carries: `<template>/<folded label>`.
    pub fn template_button_id(template: &str, label: &str) -> String {
        format!("{template}/{}", fold(label))
    }
}

/// What a step did to the run.
enum Next {
    /// Go on with the step after it.
    Advance,
    /// The path was changed (a block entered, a new flow started): go on from there.
    Moved,
    /// Wait for the contact or for a call's result.
    Suspend,
}

struct Run<'e, 'm> {
    engine: &'e Engine<'m>,
    state: State,
    out: Vec<Output>,
    steps: usize,
    clock: Clock,
}

impl Run<'_, '_> {
    fn model(&self) -> &Model {
        self.engine.model
    }

    fn event(&mut self, event: Event) {
        self.out.push(Output::Event(event));
    }

    fn send(&mut self, message: Message) {
        self.out.push(Output::Message(message));
    }

    fn say(&mut self, text: String) {
        self.send(Message::Text { text });
    }

    fn inbound(&mut self, inbound: Inbound) {
        match inbound {
            Inbound::Text(text) => self.message(&text, None),
            Inbound::Reply { id, title } => self.message(&title, Some(Reply::Option(id))),
            Inbound::TemplateButton { payload, text } => {
                self.message(&text, Some(Reply::Template(payload)))
            }
            Inbound::CallAnswered { status, body } => self.call_result(Ok((status, body))),
            Inbound::CallFailed { reason } => self.call_result(Err(reason)),
            Inbound::Released => {
                if self.state.handoff {
                    // The conversation then waits at no menu: the next message runs `start`.
                    self.state.handoff = false;
                    self.state.menu = None;
                    self.state.frame = None;
                    self.state.waiting = Waiting::Nothing;
                }
            }
        }
    }

    /// Reads a message from the contact (LANGUAGE.md section 5).
    fn message(&mut self, text: &str, reply: Option<Reply>) {
        let now = self.clock.now;
        if let Some(last) = self.state.last_inbound {
            if now.saturating_sub(last) > self.model().bot.session_seconds as i64
                && !self.state.handoff
            {
                self.state.menu = None;
                self.state.frame = None;
                self.state.waiting = Waiting::Nothing;
                self.state.queued.clear();
            }
        }
        self.state.last_inbound = Some(now);
        let folded = fold(text);
        // 0. Opt-out words, in every state.
        if self.model().bot.opt_out.contains(&folded) {
            self.state.opted_out = true;
            self.event(Event::OptOut);
            let confirmation = opt_out_confirmation(&self.model().bot.language).to_string();
            self.say(confirmation);
            return;
        }
        // 1. A human has the conversation.
        if self.state.handoff {
            return;
        }
        // 2. A pending ask takes the message as its answer; only `menu` escapes.
        match self.state.waiting {
            Waiting::Answer { misses } => {
                if is_menu_word(&folded) {
                    self.leave_frame();
                    self.start();
                } else {
                    self.answer(text, misses);
                }
                return;
            }
            Waiting::Call => {
                self.state.queued.push(text.to_string());
                return;
            }
            Waiting::Nothing => {}
        }
        if let Some(Reply::Template(payload)) = &reply {
            if let Some(target) = self.template_target(payload) {
                self.go(&target);
                self.run();
                return;
            }
        }
        // 3. An option of the menu the conversation waits at.
        let reply_id = match &reply {
            Some(Reply::Option(id)) => Some(id.as_str()),
            _ => None,
        };
        if let Some((target, sets)) = self.option_for(&folded, reply_id) {
            if let Some(audience) = sets {
                let audience = (audience != "none").then_some(audience);
                self.state.audience = audience.clone();
                self.event(Event::Audience { name: audience });
            }
            self.go(&target);
            self.run();
            return;
        }
        // 4. The word `menu` goes back to `start`.
        if is_menu_word(&folded) {
            self.start();
            return;
        }
        // 5. The intent whose examples match best, among those the audience may reach.
        if let Some(found) = self
            .engine
            .matcher
            .best(text, self.state.audience.as_deref())
        {
            self.go(&Target::Intent(found.intent));
            self.run();
            return;
        }
        // 6. Nothing fits: the fallback, or `start` for a conversation that waits at nothing.
        if self.state.menu.is_none() && self.state.frame.is_none() {
            self.start();
        } else {
            self.fallback();
        }
    }

    /// The target and audience change of the waiting menu's option this message picks: by its
    /// id (an interactive reply), its number, or its folded label.
    fn option_for(&self, folded: &str, reply_id: Option<&str>) -> Option<(Target, Option<String>)> {
        let menu = self.model().menus.get(self.state.menu.as_deref()?)?;
        let by_id = reply_id.and_then(|id| menu.options.iter().find(|o| o.id == id));
        let by_number = folded
            .parse::<usize>()
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| menu.options.get(i));
        let by_label = || menu.options.iter().find(|o| fold(&o.label) == folded);
        let option = by_id.or(by_number).or_else(by_label)?;
        Some((option.target.clone(), option.sets_audience.clone()))
    }

    fn template_target(&self, payload: &str) -> Option<Target> {
        let (template, _) = payload.split_once('/')?;
        let buttons = &self.model().templates.get(template)?.buttons;
        buttons
            .iter()
            .find(|b| Engine::template_button_id(template, &b.label) == payload)
            .and_then(|b| b.target.clone())
    }

    /// Where a conversation begins for this contact's audience.
    fn start(&mut self) {
        let audience = self.state.audience.clone();
        let starts = &self.model().bot.starts;
        let chosen = starts
            .iter()
            .find(|s| {
                !s.audiences.is_empty()
                    && audience.as_ref().is_some_and(|a| s.audiences.contains(a))
            })
            .or_else(|| starts.iter().find(|s| s.audiences.is_empty()))
            .map(|s| s.target.clone());
        match chosen {
            Some(target) => {
                self.go(&target);
                self.run();
            }
            None => self.fallback(),
        }
    }

    /// Moves to a target; a target the contact's audience may not reach is refused with the
    /// fallback and the conversation stays where it was.
    fn go(&mut self, target: &Target) {
        match target {
            Target::Handoff => self.handoff(None),
            Target::End => self.end(),
            Target::Menu(name) | Target::Intent(name) => {
                let (kind, audiences) = match target {
                    Target::Menu(_) => (
                        FlowKind::Menu,
                        self.model().menus.get(name).map(|m| &m.audiences),
                    ),
                    _ => (
                        FlowKind::Intent,
                        self.model().intents.get(name).map(|i| &i.audiences),
                    ),
                };
                let Some(audiences) = audiences else {
                    self.fallback();
                    return;
                };
                let allowed = audiences.is_empty()
                    || self
                        .state
                        .audience
                        .as_ref()
                        .is_some_and(|a| audiences.contains(a));
                if !allowed {
                    self.leave_frame();
                    self.fallback();
                    return;
                }
                self.event(match kind {
                    FlowKind::Menu => Event::Menu { name: name.clone() },
                    FlowKind::Intent => Event::Intent { name: name.clone() },
                });
                self.state.waiting = Waiting::Nothing;
                self.state.frame = Some(Frame {
                    kind,
                    name: name.clone(),
                    path: vec![Pos {
                        index: 0,
                        block: Block::None,
                    }],
                    vars: Default::default(),
                    body: None,
                });
            }
        }
    }

    fn leave_frame(&mut self) {
        self.state.frame = None;
        self.state.waiting = Waiting::Nothing;
    }

    fn fallback(&mut self) {
        self.event(Event::Fallback);
        let source = self.model().bot.fallback.clone();
        let text = self
            .renderer_text(&source, Src::default())
            .unwrap_or(source);
        self.say(text);
    }

    fn handoff(&mut self, team: Option<String>) {
        let source = self.model().bot.handoff_message.clone();
        let text = self
            .renderer_text(&source, Src::default())
            .unwrap_or(source);
        self.say(text);
        self.event(Event::Handoff { team });
        self.state.handoff = true;
        self.state.menu = None;
        self.leave_frame();
    }

    fn end(&mut self) {
        self.event(Event::End);
        self.state.menu = None;
        self.leave_frame();
    }

    // ---- running steps ---------------------------------------------------------------------

    /// The steps of the running frame's flow.
    fn flow_steps(&self) -> Option<&[Step]> {
        let frame = self.state.frame.as_ref()?;
        match frame.kind {
            FlowKind::Menu => self
                .model()
                .menus
                .get(&frame.name)
                .map(|m| m.steps.as_slice()),
            FlowKind::Intent => self
                .model()
                .intents
                .get(&frame.name)
                .map(|i| i.steps.as_slice()),
        }
    }

    /// The step the frame's path points at; `None` at the end of a block.
    fn current(&self) -> Option<&Step> {
        let path = &self.state.frame.as_ref()?.path;
        let mut steps = self.flow_steps()?;
        for (level, pos) in path.iter().enumerate() {
            let step = steps.get(pos.index as usize)?;
            if level + 1 == path.len() {
                return Some(step);
            }
            steps = match (step, pos.block) {
                (Step::If { then, .. }, Block::Then) => then,
                (Step::If { otherwise, .. }, Block::Else) => otherwise,
                (Step::Call(call), Block::Failed) => call.otherwise.as_deref()?,
                _ => return None,
            };
        }
        None
    }

    fn advance(&mut self) {
        if let Some(last) = self.state.frame.as_mut().and_then(|f| f.path.last_mut()) {
            last.index += 1;
        }
    }

    fn enter(&mut self, block: Block) {
        if let Some(frame) = self.state.frame.as_mut() {
            if let Some(last) = frame.path.last_mut() {
                last.block = block;
            }
            frame.path.push(Pos {
                index: 0,
                block: Block::None,
            });
        }
    }

    /// Runs steps until the frame waits or finishes.
    fn run(&mut self) {
        loop {
            let Some(frame) = self.state.frame.as_ref() else {
                return;
            };
            let Some(step) = self.current().cloned() else {
                // The end of a block: back to the step that holds it, or the end of the flow.
                if frame.path.len() > 1 {
                    if let Some(frame) = self.state.frame.as_mut() {
                        frame.path.pop();
                        if let Some(last) = frame.path.last_mut() {
                            last.block = Block::None;
                            last.index += 1;
                        }
                    }
                    continue;
                }
                self.finish_flow();
                return;
            };
            self.steps += 1;
            if self.steps > MAX_STEPS {
                let line = src_of(&step).1;
                self.event(Event::Error {
                    line,
                    message: format!("more than {MAX_STEPS} steps in one turn; stopped"),
                });
                self.leave_frame();
                self.fallback();
                return;
            }
            match self.execute(&step) {
                Next::Advance => self.advance(),
                Next::Moved => {}
                Next::Suspend => return,
            }
        }
    }

    fn execute(&mut self, step: &Step) -> Next {
        match step {
            Step::Say { text, src } => {
                let Some(text) = self.render(text, *src) else {
                    return Next::Suspend;
                };
                let in_menu = self
                    .state
                    .frame
                    .as_ref()
                    .is_some_and(|f| f.kind == FlowKind::Menu);
                if in_menu {
                    // Every `say` but the last becomes a text; the last is the options' body.
                    if let Some(previous) =
                        self.state.frame.as_mut().and_then(|f| f.body.replace(text))
                    {
                        self.say(previous);
                    }
                } else {
                    self.say(text);
                }
                Next::Advance
            }
            Step::Ask {
                name,
                question,
                answer,
                src,
            } => {
                let Some(question) = self.render(question, *src) else {
                    return Next::Suspend;
                };
                match answer {
                    AskType::Choice {
                        options,
                        presentation,
                    } => {
                        let flow = self
                            .state
                            .frame
                            .as_ref()
                            .map(|f| f.name.clone())
                            .unwrap_or_default();
                        let choices = options
                            .iter()
                            .map(|label| Choice {
                                id: format!("{flow}/{name}/{}", fold(label)),
                                label: label.clone(),
                                description: None,
                            })
                            .collect();
                        self.send(self.options_message(question, choices, *presentation));
                    }
                    _ => self.say(question),
                }
                self.state.waiting = Waiting::Answer { misses: 0 };
                Next::Suspend
            }
            Step::Call(call) => {
                let Some(url) = self.render_url(&call.url, call.src) else {
                    return Next::Suspend;
                };
                let mut values = Map::new();
                for (key, value) in &call.with {
                    let Some(value) = self.render(value, call.src) else {
                        return Next::Suspend;
                    };
                    values.insert(key.clone(), Value::String(value));
                }
                let method = call.method.as_str().to_string();
                let (url, body) = match call.method {
                    crate::ast::Method::Get | crate::ast::Method::Delete => {
                        (with_query(&url, &values), None)
                    }
                    _ => (url, Some(Value::Object(values))),
                };
                self.event(Event::Call { method, url, body });
                self.state.waiting = Waiting::Call;
                Next::Suspend
            }
            Step::SetAudience { audience, .. } => {
                self.state.audience = audience.clone();
                self.event(Event::Audience {
                    name: audience.clone(),
                });
                Next::Advance
            }
            Step::SetOptIn { .. } => {
                self.state.opted_in = true;
                self.state.opted_out = false;
                self.event(Event::OptIn);
                Next::Advance
            }
            Step::SetOptOut { .. } => {
                self.state.opted_out = true;
                self.event(Event::OptOut);
                Next::Advance
            }
            Step::Set { name, value, src } => {
                let Some(value) = self.render(value, *src) else {
                    return Next::Suspend;
                };
                if let Some(frame) = self.state.frame.as_mut() {
                    frame.vars.insert(name.clone(), Value::String(value));
                }
                Next::Advance
            }
            Step::If {
                condition,
                then,
                otherwise,
                src,
            } => {
                let context = self.context();
                let holds = match self.engine.renderer.condition(condition, &context) {
                    Ok(holds) => holds,
                    Err(message) => {
                        self.event(Event::Error {
                            line: src.1,
                            message,
                        });
                        false
                    }
                };
                match (holds, then.is_empty(), otherwise.is_empty()) {
                    (true, false, _) => {
                        self.enter(Block::Then);
                        Next::Moved
                    }
                    (false, _, false) => {
                        self.enter(Block::Else);
                        Next::Moved
                    }
                    _ => Next::Advance,
                }
            }
            Step::Goto { target, .. } => {
                self.leave_frame();
                self.go(target);
                Next::Moved
            }
            Step::Handoff { team, .. } => {
                self.handoff(team.clone());
                Next::Moved
            }
            Step::End { .. } => {
                self.end();
                Next::Moved
            }
        }
    }

    /// The frame's steps ran out: a menu shows its options and waits; an intent just ends
    /// (the conversation waits at the last menu shown).
    fn finish_flow(&mut self) {
        let Some(frame) = self.state.frame.take() else {
            return;
        };
        self.state.waiting = Waiting::Nothing;
        if frame.kind == FlowKind::Intent {
            return;
        }
        let Some(menu) = self.model().menus.get(&frame.name) else {
            return;
        };
        let choices = menu
            .options
            .iter()
            .map(|o| Choice {
                id: o.id.clone(),
                label: o.label.clone(),
                description: if menu.presentation == Presentation::List {
                    o.description.clone()
                } else {
                    None
                },
            })
            .collect();
        let message =
            self.options_message(frame.body.unwrap_or_default(), choices, menu.presentation);
        self.send(message);
        self.state.menu = Some(frame.name);
    }

    fn options_message(
        &self,
        body: String,
        options: Vec<Choice>,
        presentation: Presentation,
    ) -> Message {
        match presentation {
            Presentation::Buttons => Message::Buttons { body, options },
            Presentation::List => Message::List {
                body,
                button: self.model().bot.list_button.clone(),
                options,
            },
        }
    }

    /// The answer to a pending `ask`.
    fn answer(&mut self, text: &str, misses: u8) {
        let Some(Step::Ask { name, answer, .. }) = self.current().cloned() else {
            self.leave_frame();
            self.fallback();
            return;
        };
        let today = self.clock.today;
        let language = self.model().bot.language.clone();
        match read_answer(
            &answer,
            text,
            &AnswerContext {
                language: &language,
                today,
            },
        ) {
            Ok(value) => {
                if let Some(frame) = self.state.frame.as_mut() {
                    frame.vars.insert(name, value);
                }
                self.state.waiting = Waiting::Nothing;
                self.advance();
                self.run();
            }
            Err(_) if misses + 1 >= MAX_MISSES => {
                self.leave_frame();
                self.fallback();
            }
            Err(hint) => {
                self.say(hint.text(&language));
                self.state.waiting = Waiting::Answer { misses: misses + 1 };
            }
        }
    }

    /// The result of a pending `call`: bind it and go on, or take the failure path.
    fn call_result(&mut self, result: Result<(u16, String), String>) {
        if self.state.waiting != Waiting::Call {
            return;
        }
        self.state.waiting = Waiting::Nothing;
        let Some(Step::Call(call)) = self.current().cloned() else {
            self.leave_frame();
            return;
        };
        match result {
            Ok((status, body)) if (200..300).contains(&status) => {
                let value = if body.trim().is_empty() {
                    json!({})
                } else {
                    serde_json::from_str(&body).unwrap_or_else(|_| json!({ "text": body }))
                };
                if let Some(frame) = self.state.frame.as_mut() {
                    frame.vars.insert(call.bind.clone(), value);
                }
                self.advance();
                self.run();
            }
            _ => match &call.otherwise {
                Some(steps) if !steps.is_empty() => {
                    self.enter(Block::Failed);
                    self.run();
                }
                Some(_) => {
                    self.advance();
                    self.run();
                }
                None => {
                    self.leave_frame();
                    self.fallback();
                }
            },
        }
        // Messages that waited for the call are read now, in order.
        let queued = std::mem::take(&mut self.state.queued);
        for text in queued {
            // Each message is a turn of its own, with its own step budget.
            self.steps = 0;
            self.message(&text, None);
        }
    }

    // ---- texts -------------------------------------------------------------------------------

    /// The variables a text or condition sees: `contact` and the frame's own.
    fn context(&self) -> minijinja::Value {
        use minijinja::Value as V;
        let contact = &self.state.contact;
        let mut vars: std::collections::BTreeMap<String, V> = std::collections::BTreeMap::new();
        let audience = self.state.audience.as_deref().map_or(V::from(()), V::from);
        let contact = [
            ("id", V::from(contact.id.as_str())),
            ("name", V::from(contact.name.as_str())),
            ("phone", V::from(contact.phone.as_str())),
            ("audience", audience),
            ("language", V::from(contact.language.as_str())),
        ];
        vars.insert("contact".to_string(), contact.into_iter().collect());
        if let Some(frame) = &self.state.frame {
            for (k, v) in &frame.vars {
                vars.insert(k.clone(), V::from_serialize(v));
            }
        }
        V::from(vars)
    }

    fn renderer_text(&self, source: &str, _src: Src) -> Option<String> {
        if !source.contains("{{") {
            return Some(source.to_string());
        }
        self.engine.renderer.text(source, &self.context()).ok()
    }

    /// Renders a call's url (placeholder values percent-encoded); errors as [`Run::render`].
    fn render_url(&mut self, source: &str, src: Src) -> Option<String> {
        if !source.contains("{{") {
            return Some(source.to_string());
        }
        let rendered = self.engine.renderer.url(source, &self.context());
        self.rendered(rendered, src)
    }

    /// Renders a text; on an error, reports it with its line, says the fallback and stops the
    /// flow (`None`).
    fn render(&mut self, source: &str, src: Src) -> Option<String> {
        if !source.contains("{{") {
            // Most texts are fixed: no variables to gather.
            return Some(source.to_string());
        }
        let rendered = self.engine.renderer.text(source, &self.context());
        self.rendered(rendered, src)
    }

    fn rendered(&mut self, rendered: Result<String, String>, src: Src) -> Option<String> {
        match rendered {
            Ok(text) => Some(text),
            Err(message) => {
                self.event(Event::Error {
                    line: src.1,
                    message,
                });
                self.leave_frame();
                self.fallback();
                None
            }
        }
    }
}

enum Reply {
    /// An interactive reply's id.
    Option(String),
    /// A template quick-reply payload.
    Template(String),
}

fn is_menu_word(folded: &str) -> bool {
    folded == "menu"
}

fn src_of(step: &Step) -> Src {
    match step {
        Step::Say { src, .. }
        | Step::Ask { src, .. }
        | Step::SetAudience { src, .. }
        | Step::SetOptIn { src }
        | Step::SetOptOut { src }
        | Step::Set { src, .. }
        | Step::If { src, .. }
        | Step::Goto { src, .. }
        | Step::Handoff { src, .. }
        | Step::End { src } => *src,
        Step::Call(call) => call.src,
    }
}

/// The opt-out confirmation (LANGUAGE.md: defaults for pt, es and en).
fn opt_out_confirmation(language: &str) -> &'static str {
    match language.split('-').next().unwrap_or("") {
        "pt" => {
            "Pronto, você não vai mais receber nossas mensagens. Se mudar de ideia, é só escrever."
        }
        "es" => "Listo, ya no recibirás nuestros mensajes. Si cambias de idea, escríbenos.",
        _ => "Done: you won't get our messages anymore. Write to us if you change your mind.",
    }
}

/// `with` values as a query string for GET and DELETE, percent-encoded.
fn with_query(url: &str, values: &Map<String, Value>) -> String {
    if values.is_empty() {
        return url.to_string();
    }
    let query: Vec<String> = values
        .iter()
        .map(|(k, v)| format!("{}={}", percent(k), percent(v.as_str().unwrap_or_default())))
        .collect();
    let joiner = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joiner}{}", query.join("&"))
}

fn percent(text: &str) -> String {
    super::render::percent_encode(text)
}
