//! Templates the business sends first (`NAME notify`, issue 4's server, the preview): allowed
//! only to contacts who opted in and have not opted out, with exactly the parameters the
//! template takes (WHATSAPP.md "Policy"; LANGUAGE.md section 3).

use super::engine::Engine;
use super::state::State;
use super::turn::{Choice, Message};
use crate::model::Template;

/// Why a template may not be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    UnknownTemplate {
        name: String,
    },
    NotOptedIn,
    OptedOut,
    ParameterCount {
        expected: u32,
        given: usize,
    },
    /// A parameter WhatsApp refuses: empty, or with a line break, a tab or more than four
    /// spaces in a row (Meta answers 132018 to those). `number` counts from 1.
    BadParameter {
        number: usize,
        why: &'static str,
    },
    /// The body with its parameters filled in is longer than a template body may be.
    TooLong {
        length: usize,
        limit: usize,
    },
}

/// WhatsApp's limit on a template's body (WHATSAPP.md), counted after filling it in.
pub const BODY_LIMIT: usize = 1024;

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::UnknownTemplate { name } => write!(f, "the bot has no template `{name}`"),
            Refusal::NotOptedIn => write!(
                f,
                "the contact has not opted in to messages from the business"
            ),
            Refusal::OptedOut => write!(f, "the contact opted out of messages from the business"),
            Refusal::ParameterCount { expected, given } => {
                write!(
                    f,
                    "the template takes {expected} parameter(s), {given} given"
                )
            }
            Refusal::BadParameter { number, why } => {
                write!(f, "parameter {number} {why}; WhatsApp refuses it")
            }
            Refusal::TooLong { length, limit } => write!(
                f,
                "with its parameters the template's body is {length} characters, over \
                 WhatsApp's {limit}"
            ),
        }
    }
}

/// The template message for this contact, or why it may not be sent.
pub fn notify(
    engine: &Engine,
    state: &State,
    name: &str,
    parameters: &[String],
) -> Result<Message, Refusal> {
    let template = engine
        .model()
        .templates
        .get(name)
        .ok_or_else(|| Refusal::UnknownTemplate {
            name: name.to_string(),
        })?;
    if state.opted_out {
        return Err(Refusal::OptedOut);
    }
    if !state.opted_in {
        return Err(Refusal::NotOptedIn);
    }
    if parameters.len() != template.parameters as usize {
        return Err(Refusal::ParameterCount {
            expected: template.parameters,
            given: parameters.len(),
        });
    }
    for (i, parameter) in parameters.iter().enumerate() {
        if let Some(why) = bad_parameter(parameter) {
            return Err(Refusal::BadParameter { number: i + 1, why });
        }
    }
    let body = fill(template, parameters);
    let length = body.chars().count();
    if length > BODY_LIMIT {
        return Err(Refusal::TooLong {
            length,
            limit: BODY_LIMIT,
        });
    }
    Ok(Message::Template {
        name: name.to_string(),
        language: template.language.clone(),
        parameters: parameters.to_vec(),
        body,
        buttons: template
            .buttons
            .iter()
            .map(|b| Choice {
                id: Engine::template_button_id(name, &b.label),
                label: b.label.clone(),
                description: None,
            })
            .collect(),
    })
}

/// What is wrong with a parameter's text for WhatsApp, if anything.
fn bad_parameter(text: &str) -> Option<&'static str> {
    if text.trim().is_empty() {
        Some("is empty")
    } else if text.contains(['\n', '\r']) {
        Some("has a line break")
    } else if text.contains('\t') {
        Some("has a tab")
    } else if text.contains("     ") {
        Some("has more than four spaces in a row")
    } else {
        None
    }
}

/// The body with `{{1}}`..`{{n}}` replaced by the parameters (as the contact reads it).
fn fill(template: &Template, parameters: &[String]) -> String {
    fill_text(&template.body, parameters)
}

/// `text` (a template's body or header) with `{{1}}`..`{{n}}` replaced by the parameters.
pub fn fill_text(text: &str, parameters: &[String]) -> String {
    let mut text = text.to_string();
    // From the highest number down, so `{{1}}` never eats the start of `{{10}}`.
    for (i, value) in parameters.iter().enumerate().rev() {
        let n = i + 1;
        for pattern in [format!("{{{{{n}}}}}"), format!("{{{{ {n} }}}}")] {
            text = text.replace(&pattern, value);
        }
    }
    text
}
