//! WhatsApp's limits (WHATSAPP.md "Message limits"), as tightened by the policy: option counts,
//! title, description, body, header and footer lengths, unique labels, template names,
//! placeholders and buttons.

use super::context::{Context, Flow};
use super::structure::always_says;
use super::text::placeholders;
use super::walk::{block_steps, else_steps, top_steps};
use crate::ast::{self, AskType, MenuStmt, Setting, Step, Str, TemplateStmt};
use crate::diagnostic::Diagnostic;
use crate::fold::fold;
use crate::model::Presentation;
use crate::policy::Limits;
use crate::source::Span;

pub fn check(cx: &Context, limits: &Limits, out: &mut Vec<Diagnostic>) {
    if let Some(bot) = cx.bot {
        for node in &bot.settings.stmts {
            match &node.kind {
                Setting::Fallback(s) | Setting::HandoffMessage(s) => text(s, limits, out),
                Setting::ListButton(s) => {
                    not_empty(s, "the list button", out);
                    too_long(
                        s,
                        limits.list_button,
                        "E0110",
                        "the list button text",
                        "WhatsApp shows at most",
                        out,
                    );
                }
                _ => {}
            }
        }
    }
    for flow in cx.flows.values() {
        let steps = top_steps(*flow);
        match flow {
            Flow::Menu(menu) => {
                menu_says(&steps, false, limits, out);
                options(menu, limits, out);
            }
            Flow::Intent(_) => intent_texts(&steps, limits, out),
        }
        super::walk::each_step(&steps, &mut |step, _| {
            if let Step::Ask { question, ty, .. } = step {
                match ty {
                    AskType::Choice(labels) => {
                        too_long(
                            question,
                            limits.interactive_body,
                            "E0205",
                            "the question",
                            "an interactive message body holds at most",
                            out,
                        );
                        choice(labels, limits, out);
                    }
                    _ => text(question, limits, out),
                }
            }
        });
    }
    for template in cx.templates.values() {
        template_limits(template, limits, out);
    }
}

/// A text message: at most 4096 characters; a warning past Twilio's 1600.
fn text(s: &Str, limits: &Limits, out: &mut Vec<Diagnostic>) {
    not_empty(s, "a message", out);
    if !too_long(
        s,
        limits.text,
        "E0206",
        "this text",
        "a WhatsApp text message holds at most",
        out,
    ) {
        too_long(
            s,
            limits.twilio_text,
            "W0202",
            "this text",
            "Twilio delivers at most",
            out,
        );
    }
}

fn intent_texts(steps: &[(&Step, Span)], limits: &Limits, out: &mut Vec<Diagnostic>) {
    super::walk::each_step(steps, &mut |step, _| {
        if let Step::Say(s) = step {
            text(s, limits, out);
        }
    });
}

/// In a menu, a `say` that may be the last one run is the interactive body (1024); the others
/// are text messages. `later_says`: the steps after this block always say.
fn menu_says(
    steps: &[(&Step, Span)],
    later_says: bool,
    limits: &Limits,
    out: &mut Vec<Diagnostic>,
) {
    for (i, &(step, _)) in steps.iter().enumerate() {
        let rest_says = later_says || always_says(&steps[i + 1..]);
        match step {
            Step::Say(s) if !rest_says => {
                not_empty(s, "a message", out);
                too_long(
                    s,
                    limits.interactive_body,
                    "E0205",
                    "the text above the options",
                    "an interactive message body holds at most",
                    out,
                );
            }
            Step::Say(s) => text(s, limits, out),
            Step::If(branch) => {
                menu_says(&block_steps(&branch.then.stmts), rest_says, limits, out);
                if let Some(e) = &branch.otherwise {
                    menu_says(&else_steps(e), rest_says, limits, out);
                }
            }
            Step::Call(c) => {
                if let Some(b) = &c.otherwise {
                    menu_says(&block_steps(&b.stmts), rest_says, limits, out);
                }
            }
            _ => {}
        }
    }
}

fn options(menu: &ast::Menu, limits: &Limits, out: &mut Vec<Diagnostic>) {
    let options: Vec<&ast::MenuOption> = menu
        .body
        .stmts
        .iter()
        .filter_map(|n| match &n.kind {
            MenuStmt::Option(o) => Some(o),
            _ => None,
        })
        .collect();
    if options.len() > limits.max_options {
        out.push(
            Diagnostic::new(
                "E0201",
                format!("menu `{}` has {} options; WhatsApp shows at most {}", menu.name.text, options.len(), limits.max_options),
                options[limits.max_options].label.span,
                format!("option {} of {}", limits.max_options + 1, options.len()),
            )
            .with_help("split the menu in two: put some options in a second menu and add an option that leads to it"),
        );
    }
    let presentation = if options.len() <= limits.max_buttons {
        Presentation::Buttons
    } else {
        Presentation::List
    };
    let labels: Vec<&Str> = options.iter().map(|o| &o.label).collect();
    labels_fit(&labels, presentation, limits, out);
    for option in &options {
        if let Some(description) = &option.description {
            match presentation {
                Presentation::Buttons => out.push(
                    Diagnostic::new("W0201", "a description on a button is not sent", description.span, "buttons have no descriptions")
                        .with_help(format!("menus of 1 to {} options are sent as reply buttons; remove the description or add options to make a list", limits.max_buttons)),
                ),
                Presentation::List => {
                    too_long(description, limits.row_description, "E0204", "this description", "a list row description holds at most", out);
                }
            }
        }
    }
}

/// Option or choice labels: not empty, short enough for buttons or list rows, unique folded.
fn labels_fit(
    labels: &[&Str],
    presentation: Presentation,
    limits: &Limits,
    out: &mut Vec<Diagnostic>,
) {
    // Folded once each, looked up in a map: a menu of 10,000 options stays linear.
    let mut seen: std::collections::HashMap<String, &Str> = std::collections::HashMap::new();
    for label in labels {
        not_empty(label, "a label", out);
        match presentation {
            Presentation::Buttons => too_long(
                label,
                limits.button_title,
                "E0202",
                "this button title",
                "a reply button title holds at most",
                out,
            ),
            Presentation::List => too_long(
                label,
                limits.row_title,
                "E0203",
                "this list row title",
                "a list row title holds at most",
                out,
            ),
        };
        let folded = fold(&label.value);
        if let Some(first) = seen.get(&folded).copied() {
            out.push(
                Diagnostic::new("E0208", format!("`{}` and `{}` are the same label once case, accents and punctuation are ignored", first.value, label.value), label.span, "same label again")
                    .with_label(first.span, "first here")
                    .with_help("give each option a different label; people type them, and WhatsApp needs them unique"),
            );
        } else {
            seen.insert(folded, label);
        }
    }
}

fn choice(labels: &[Str], limits: &Limits, out: &mut Vec<Diagnostic>) {
    if labels.len() > limits.max_options {
        out.push(
            Diagnostic::new(
                "E0215",
                format!(
                    "a choice of {} answers; WhatsApp shows at most {}",
                    labels.len(),
                    limits.max_options
                ),
                labels[limits.max_options].span,
                "one too many",
            )
            .with_help("ask with fewer answers, or split the question in two"),
        );
    }
    let presentation = if labels.len() <= limits.max_buttons {
        Presentation::Buttons
    } else {
        Presentation::List
    };
    let refs: Vec<&Str> = labels.iter().collect();
    labels_fit(&refs, presentation, limits, out);
}

fn template_limits(template: &ast::Template, limits: &Limits, out: &mut Vec<Diagnostic>) {
    let name = &template.name;
    let valid_name = !name.text.is_empty()
        && name.text.len() <= 512
        && name
            .text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid_name {
        let suggestion: String = fold(&name.text)
            .replace(' ', "_")
            .chars()
            .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        out.push(
            Diagnostic::new("E0209", format!("`{}` is not a valid template name", name.text), name.span, "only a-z, 0-9 and `_`")
                .with_help(format!("WhatsApp template names use lowercase letters, digits and underscores, such as `{suggestion}`")),
        );
    }
    let mut body = None;
    let mut buttons: Vec<&Str> = Vec::new();
    for node in &template.body.stmts {
        match &node.kind {
            TemplateStmt::Header(s) => {
                not_empty(s, "a template header", out);
                too_long(
                    s,
                    limits.header,
                    "E0207",
                    "this header",
                    "a template header holds at most",
                    out,
                );
                let (list, _) = placeholders(&s.value);
                if list.len() > 1 {
                    out.push(
                        Diagnostic::new(
                            "E0213",
                            "a template header may hold one placeholder at most",
                            s.span,
                            format!("{} placeholders", list.len()),
                        )
                        .with_help("move the other values into the body"),
                    );
                }
            }
            TemplateStmt::Footer(s) => {
                not_empty(s, "a template footer", out);
                too_long(
                    s,
                    limits.footer,
                    "E0207",
                    "this footer",
                    "a template footer holds at most",
                    out,
                );
                if !placeholders(&s.value).0.is_empty() {
                    out.push(
                        Diagnostic::new(
                            "E0213",
                            "a template footer cannot hold placeholders",
                            s.span,
                            "has a placeholder",
                        )
                        .with_help("write a fixed footer, and move the values into the body"),
                    );
                }
            }
            TemplateStmt::Body(s) => body = Some(s),
            TemplateStmt::Button { label, .. } => buttons.push(label),
            _ => {}
        }
    }
    match body {
        None => out.push(
            Diagnostic::new(
                "E0210",
                format!("template `{}` has no `body`", name.text),
                name.span,
                "no `body` line",
            )
            .with_help("add a line such as `body \"Your order {{1}} has shipped.\"`"),
        ),
        Some(s) if s.value.trim().is_empty() => out.push(
            Diagnostic::new("E0210", "the template body is empty", s.span, "empty")
                .with_help("write the message the template sends"),
        ),
        Some(s) => {
            if !too_long(
                s,
                limits.template_body,
                "E0210",
                "this template body",
                "a template body holds at most",
                out,
            ) {
                template_placeholders(s, out);
            }
        }
    }
    if buttons.len() > limits.template_buttons {
        out.push(Diagnostic::new(
            "E0212",
            format!("a template has at most {} buttons", limits.template_buttons),
            buttons[limits.template_buttons].span,
            "one too many",
        ));
    }
    let mut seen: std::collections::HashMap<String, &Str> = std::collections::HashMap::new();
    for label in &buttons {
        not_empty(label, "a button label", out);
        too_long(
            label,
            limits.template_button_label,
            "E0212",
            "this button label",
            "a template quick-reply button holds at most",
            out,
        );
        let folded = fold(&label.value);
        if let Some(first) = seen.get(&folded).copied() {
            out.push(
                Diagnostic::new(
                    "E0208",
                    format!("`{}` and `{}` are the same button label once case, accents and punctuation are ignored", first.value, label.value),
                    label.span,
                    "same label again",
                )
                .with_label(first.span, "first here")
                .with_help("give each button a different label"),
            );
        } else {
            seen.insert(folded, label);
        }
    }
}

/// `{{1}}`..`{{n}}` consecutive; none at the very start or end of the body, none adjacent.
fn template_placeholders(body: &Str, out: &mut Vec<Diagnostic>) {
    let (list, _) = placeholders(&body.value);
    let mut numbers: Vec<u32> = list.iter().filter_map(|p| p.number()).collect();
    numbers.sort_unstable();
    numbers.dedup();
    for (expected, &n) in (1..).zip(&numbers) {
        if n != expected {
            let at = list
                .iter()
                .find(|p| p.number() == Some(n))
                .map_or(body.span, |p| super::text::sub_span(body, p.start, p.end));
            out.push(
                Diagnostic::new("E0211", format!("placeholder `{{{{{n}}}}}` comes after a gap: `{{{{{expected}}}}}` is missing"), at, "not consecutive")
                    .with_help(format!("number the placeholders `{{{{1}}}}`, `{{{{2}}}}`, ... with no gaps; rename this one `{{{{{expected}}}}}`")),
            );
            break;
        }
    }
    let trimmed = body.value.trim();
    let edge = list.iter().find(|p| {
        let before = body.value[..p.start].trim();
        let after = body.value[p.end..].trim();
        before.is_empty() || after.is_empty()
    });
    if let (Some(p), false) = (edge, trimmed.is_empty()) {
        out.push(
            Diagnostic::new(
                "W0203",
                edge_message(body, p),
                super::text::sub_span(body, p.start, p.end),
                "at the edge",
            )
            .with_help(edge_help(body, p)),
        );
    }
    for pair in list.windows(2) {
        if body.value[pair[0].end..pair[1].start].trim().is_empty() {
            out.push(
                Diagnostic::new(
                    "W0203",
                    "two placeholders side by side in a template body",
                    super::text::sub_span(body, pair[0].start, pair[1].end),
                    "adjacent",
                )
                .with_help(
                    "put words between them; Meta rejects templates with adjacent placeholders",
                ),
            );
        }
    }
}

fn edge_message(body: &Str, p: &super::text::Placeholder) -> &'static str {
    if body.value[..p.start].trim().is_empty() {
        "a template body starts with a placeholder"
    } else {
        "a template body ends with a placeholder"
    }
}

fn edge_help(body: &Str, p: &super::text::Placeholder) -> &'static str {
    if body.value[..p.start].trim().is_empty() {
        "Meta rejects such templates; begin with words, for example `Hello, {{1}}!`"
    } else {
        "Meta rejects such templates; end with words or a period, for example `... {{2}}.`"
    }
}

fn not_empty(s: &Str, what: &str, out: &mut Vec<Diagnostic>) {
    if s.value.trim().is_empty() {
        out.push(
            Diagnostic::new("E0214", format!("{what} cannot be empty"), s.span, "empty")
                .with_help("write the text, or remove the line"),
        );
    }
}

/// Reports a text longer than `max` characters; returns whether it did.
fn too_long(
    s: &Str,
    max: usize,
    code: &'static str,
    what: &str,
    rule: &str,
    out: &mut Vec<Diagnostic>,
) -> bool {
    let count = s.value.chars().count();
    if count <= max {
        return false;
    }
    out.push(
        Diagnostic::new(
            code,
            format!("{what} is {count} characters long; {rule} {max}"),
            s.span,
            format!("{} characters too many", count - max),
        )
        .with_help("shorten it"),
    );
    true
}
