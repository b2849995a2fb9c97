//! Going on after a wait: the answer to a pending `ask`, the result of a pending `call`.

use super::Run;
use crate::model::Step;
use crate::runtime::answers::{read_answer, AnswerContext};
use crate::runtime::state::{Block, Waiting};
use serde_json::json;

/// After this many answers that do not fit, an `ask` gives up.
const MAX_MISSES: u8 = 3;

impl Run<'_, '_> {
    /// The answer to a pending `ask`.
    pub(super) fn answer(&mut self, text: &str, misses: u8) {
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
    pub(super) fn call_result(&mut self, result: Result<(u16, String), String>) {
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
}
