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
    UnknownTemplate { name: String },
    NotOptedIn,
    OptedOut,
    ParameterCount { expected: u32, given: usize },
}

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
    Ok(Message::Template {
        name: name.to_string(),
        language: template.language.clone(),
        parameters: parameters.to_vec(),
        body: fill(template, parameters),
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
