//! Running steps along the frame's path into its flow's blocks, and a menu's options at the
//! end of its flow.

use super::{Next, Run, MAX_STEPS};
use crate::model::{Presentation, Src, Step};
use crate::runtime::state::{Block, FlowKind, Pos, Waiting};
use crate::runtime::turn::{Choice, Event, Message};

impl Run<'_, '_> {
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
    pub(super) fn current(&self) -> Option<&Step> {
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

    pub(super) fn advance(&mut self) {
        if let Some(last) = self.state.frame.as_mut().and_then(|f| f.path.last_mut()) {
            last.index += 1;
        }
    }

    pub(super) fn enter(&mut self, block: Block) {
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
    pub(super) fn run(&mut self) {
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

    pub(super) fn options_message(
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
