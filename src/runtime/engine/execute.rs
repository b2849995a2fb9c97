//! What each step does: one arm of [`Run::execute`] per kind of step.

use super::texts::with_query;
use super::{Next, Run};
use crate::fold::fold;
use crate::model::{AskType, Step};
use crate::runtime::state::{Block, FlowKind, Waiting};
use crate::runtime::turn::{Choice, Event};
use serde_json::{Map, Value};

impl Run<'_, '_> {
    pub(super) fn execute(&mut self, step: &Step) -> Next {
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
}
