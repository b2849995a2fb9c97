//! Reading a message in the order of LANGUAGE.md section 5, and moving to a target: a flow,
//! `start`, the fallback, a handoff or the end.

use super::texts::{opt_out_confirmation, unsupported_message};
use super::{Engine, Run};
use crate::fold::fold;
use crate::model::{Src, Target};
use crate::runtime::state::{Block, FlowKind, Frame, Pos, Waiting};
use crate::runtime::turn::{Event, Inbound};

impl Run<'_, '_> {
    pub(super) fn inbound(&mut self, inbound: Inbound) {
        match inbound {
            Inbound::Text(text) => self.message(&text, None),
            Inbound::Reply { id, title } => self.message(&title, Some(Reply::Option(id))),
            Inbound::TemplateButton { payload, text } => {
                self.message(&text, Some(Reply::Template(payload)))
            }
            Inbound::CallAnswered { status, body } => self.call_result(Ok((status, body))),
            Inbound::CallFailed { reason } => self.call_result(Err(reason)),
            Inbound::Unsupported { kind } => {
                self.state.last_inbound = Some(self.clock.now);
                // A reaction (an emoji on one of the bot's messages, or taking one back) asks
                // for nothing: answering it with "I can only read text" would only annoy.
                if !self.state.handoff && kind != "reaction" {
                    let text = unsupported_message(&self.model().bot.language).to_string();
                    self.say(text);
                }
            }
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
    pub(super) fn message(&mut self, text: &str, reply: Option<Reply>) {
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
    pub(super) fn go(&mut self, target: &Target) {
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

    pub(super) fn leave_frame(&mut self) {
        self.state.frame = None;
        self.state.waiting = Waiting::Nothing;
    }

    pub(super) fn fallback(&mut self) {
        self.event(Event::Fallback);
        let source = self.model().bot.fallback.clone();
        let text = self
            .renderer_text(&source, Src::default())
            .unwrap_or(source);
        self.say(text);
    }

    pub(super) fn handoff(&mut self, team: Option<String>) {
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

    pub(super) fn end(&mut self) {
        self.event(Event::End);
        self.state.menu = None;
        self.leave_frame();
    }
}

/// What a message carries besides its text when it answers something the bot sent.
pub(super) enum Reply {
    /// An interactive reply's id.
    Option(String),
    /// A template quick-reply payload.
    Template(String),
}

fn is_menu_word(folded: &str) -> bool {
    folded == "menu"
}
