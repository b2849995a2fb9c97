//! Texts: the variables a text sees, rendering texts and urls, a call's query string, the
//! default opt-out confirmation.

use super::Run;
use crate::lang::Lang;
use crate::model::Src;
use crate::runtime::render::percent_encode;
use crate::runtime::turn::Event;
use serde_json::{Map, Value};

impl Run<'_, '_> {
    /// The variables a text or condition sees: `contact` and the frame's own.
    pub(super) fn context(&self) -> minijinja::Value {
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

    pub(super) fn renderer_text(&self, source: &str, _src: Src) -> Option<String> {
        if !source.contains("{{") {
            return Some(source.to_string());
        }
        self.engine.renderer.text(source, &self.context()).ok()
    }

    /// Renders a call's url (placeholder values percent-encoded); errors as [`Run::render`].
    pub(super) fn render_url(&mut self, source: &str, src: Src) -> Option<String> {
        if !source.contains("{{") {
            return Some(source.to_string());
        }
        let rendered = self.engine.renderer.url(source, &self.context());
        self.rendered(rendered, src)
    }

    /// Renders a text; on an error, reports it with its line, says the fallback and stops the
    /// flow (`None`).
    pub(super) fn render(&mut self, source: &str, src: Src) -> Option<String> {
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

/// The opt-out confirmation (LANGUAGE.md: defaults for pt, es and en).
pub(super) fn opt_out_confirmation(language: &str) -> &'static str {
    Lang::of(language).pick(
        "Pronto, você não vai mais receber nossas mensagens. Se mudar de ideia, é só escrever.",
        "Listo, ya no recibirás nuestros mensajes. Si cambias de idea, escríbenos.",
        "Done: you won't get our messages anymore. Write to us if you change your mind.",
    )
}

/// The answer to a message the bot cannot read (a photo, a sticker, a location...).
pub(super) fn unsupported_message(language: &str) -> &'static str {
    Lang::of(language).pick(
        "Desculpe, por aqui eu só consigo ler mensagens de texto. Pode escrever, por favor?",
        "Perdón, por aquí solo puedo leer mensajes de texto. ¿Puedes escribirlo?",
        "Sorry, I can only read text messages here. Could you type it, please?",
    )
}

/// `with` values as a query string for GET and DELETE, percent-encoded.
pub(super) fn with_query(url: &str, values: &Map<String, Value>) -> String {
    if values.is_empty() {
        return url.to_string();
    }
    let query: Vec<String> = values
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                percent_encode(k),
                percent_encode(v.as_str().unwrap_or_default())
            )
        })
        .collect();
    let joiner = if url.contains('?') { '&' } else { '?' };
    format!("{url}{joiner}{}", query.join("&"))
}
