//! Message texts and `if` conditions, rendered with minijinja. Every text of the bot is
//! compiled once when the engine starts; the contact's own words only ever reach a template
//! as a variable's value, never as template source.

use crate::model::{Model, Step};
use minijinja::{AutoEscape, Environment, UndefinedBehavior, Value};

pub struct Renderer {
    /// Texts: a missing variable is an error that names the line.
    texts: Environment<'static>,
    /// Conditions, as `{% if EXPR %}1{% endif %}`: a missing field is false.
    conditions: Environment<'static>,
}

impl Renderer {
    pub fn new(model: &Model) -> Renderer {
        let mut texts = Environment::new();
        texts.set_undefined_behavior(UndefinedBehavior::Strict);
        texts.set_auto_escape_callback(|_| AutoEscape::None);
        let mut conditions = Environment::new();
        conditions.set_undefined_behavior(UndefinedBehavior::Chainable);
        conditions.set_auto_escape_callback(|_| AutoEscape::None);
        let mut add_text = |text: &str| {
            if text.contains("{{") {
                // A text that does not compile was refused by `check`; render_str reports it.
                let _ = texts.add_template_owned(text.to_string(), text.to_string());
            }
        };
        add_text(&model.bot.fallback);
        add_text(&model.bot.handoff_message);
        let mut add_condition = |expr: &str| {
            let _ = conditions.add_template_owned(expr.to_string(), condition_source(expr));
        };
        let flows = model
            .menus
            .values()
            .map(|m| &m.steps)
            .chain(model.intents.values().map(|i| &i.steps));
        for steps in flows {
            each_step(steps, &mut |step| match step {
                Step::Say { text, .. } => add_text(text),
                Step::Ask { question, .. } => add_text(question),
                Step::Call(call) => {
                    add_text(&call.url);
                    call.with.values().for_each(|v| add_text(v));
                }
                Step::Set { value, .. } => add_text(value),
                Step::If { condition, .. } => add_condition(condition),
                _ => {}
            });
        }
        Renderer { texts, conditions }
    }

    /// Renders a text with the variables in `context`.
    pub fn text(&self, source: &str, context: &Value) -> Result<String, String> {
        if !source.contains("{{") {
            return Ok(source.to_string());
        }
        let rendered = match self.texts.get_template(source) {
            Ok(template) => template.render(context),
            Err(_) => self.texts.render_str(source, context),
        };
        rendered.map_err(|e| self.explain(source, context, &e))
    }

    /// A call's url: each placeholder's value is percent-encoded, so what a contact typed stays
    /// one path segment or query value (`1/../admin` cannot climb the API's paths).
    pub fn url(&self, source: &str, context: &Value) -> Result<String, String> {
        let mut out = String::with_capacity(source.len());
        let mut rest = source;
        while let Some(open) = rest.find("{{") {
            let Some(close) = rest[open..].find("}}").map(|c| open + c + 2) else {
                break;
            };
            out.push_str(&rest[..open]);
            let value = self.text(&rest[open..close], context)?;
            out.push_str(&encode_placeholder(&value));
            rest = &rest[close..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Names the placeholder that has no value: minijinja only says "undefined value".
    fn explain(&self, source: &str, context: &Value, error: &minijinja::Error) -> String {
        if error.kind() == minijinja::ErrorKind::UndefinedError {
            let mut rest = source;
            while let Some(open) = rest.find("{{") {
                let Some(close) = rest[open..].find("}}").map(|c| open + c) else {
                    break;
                };
                let expr = rest[open + 2..close].trim();
                let fails = self
                    .texts
                    .compile_expression(expr)
                    .and_then(|e| e.eval(context))
                    .is_err();
                if fails {
                    return format!("`{expr}` has no value here (a field the API did not return, or a variable not set?)");
                }
                rest = &rest[close + 2..];
            }
        }
        describe(error)
    }

    /// Whether a condition holds. A missing field is false; an error is reported.
    pub fn condition(&self, expr: &str, context: &Value) -> Result<bool, String> {
        let rendered = match self.conditions.get_template(expr) {
            Ok(template) => template.render(context),
            Err(_) => self.conditions.render_str(&condition_source(expr), context),
        };
        rendered.map(|s| s == "1").map_err(|e| describe(&e))
    }
}

/// A placeholder's value in a url: what could end a path segment or a query value (`/ ? # & =
/// ;`, `%`, spaces, anything not ASCII) becomes `%XX`; `+`, `:` and `@` stay, so a phone number
/// reads as written.
fn encode_placeholder(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~+:@!$'()*,".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Everything but the unreserved characters of RFC 3986, as `%XX` (query strings).
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn condition_source(expr: &str) -> String {
    format!("{{% if {expr} %}}1{{% endif %}}")
}

/// A minijinja error in words, without its internal template name.
fn describe(error: &minijinja::Error) -> String {
    match error.detail() {
        Some(detail) => detail.to_string(),
        None => error.kind().to_string(),
    }
}

/// Every step, nested ones included.
pub fn each_step<'a>(steps: &'a [Step], f: &mut dyn FnMut(&'a Step)) {
    for step in steps {
        f(step);
        match step {
            Step::If {
                then, otherwise, ..
            } => {
                each_step(then, f);
                each_step(otherwise, f);
            }
            Step::Call(call) => {
                if let Some(steps) = &call.otherwise {
                    each_step(steps, f);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_placeholder_stays_one_path_segment() {
        let model: Model = serde_json::from_value(serde_json::json!({
            "bot": {"name": "b", "business": "retail", "language": "en", "starts": [], "fallback": "f",
                "handoff_message": "h", "apis": [], "support": null, "opt_out": [], "list_button": "l",
                "timezone": "UTC", "session_seconds": 60, "approval": null, "src": [0, 1]},
            "audiences": {}, "menus": {}, "intents": {}, "templates": {}, "tests": [],
            "policy": {"name": "whatsapp", "business": "retail", "business_verdict": "allowed", "escalation": [], "templates": {}}
        }))
        .unwrap();
        let renderer = Renderer::new(&model);
        let context =
            Value::from_serialize(serde_json::json!({"id": "1/../admin?x=1#y", "phone": "+5511"}));
        let url = renderer
            .url("https://h/orders/{{ id }}/{{ phone }}", &context)
            .unwrap();
        assert_eq!(url, "https://h/orders/1%2F..%2Fadmin%3Fx%3D1%23y/+5511");
    }
}
