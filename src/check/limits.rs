//! WhatsApp's limits (WHATSAPP.md "Message limits"), as tightened by the policy: option counts,
//! title, description, body, header and footer lengths, unique labels, template names,
//! placeholders and buttons.

use super::context::{Context, Flow};
use super::error::{EmptyText, LimitError, LongText};
use super::structure::always_says;
use super::text::placeholders;
use super::walk::{block_steps, else_steps, top_steps};
use crate::ast::{self, AskType, Setting, Step, Str, TemplateStmt};
use crate::diagnostic::Diagnostic;
use crate::fold::fold;
use crate::model::Presentation;
use crate::policy::Limits;
use crate::source::Span;
use std::collections::HashMap;

pub fn check(cx: &Context, limits: &Limits, out: &mut Vec<Diagnostic>) {
    if let Some(bot) = cx.bot {
        for node in &bot.settings.stmts {
            match &node.kind {
                Setting::Fallback(s) | Setting::HandoffMessage(s) => text(s, limits, out),
                Setting::ListButton(s) => {
                    not_empty(s, EmptyText::ListButton, out);
                    too_long(s, limits.list_button, LongText::ListButton, out);
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
                        too_long(question, limits.interactive_body, LongText::Question, out);
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
    not_empty(s, EmptyText::Message, out);
    if !too_long(s, limits.text, LongText::Text, out) {
        too_long(s, limits.twilio_text, LongText::TwilioText, out);
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
                not_empty(s, EmptyText::Message, out);
                too_long(s, limits.interactive_body, LongText::MenuBody, out);
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
    let options: Vec<&ast::MenuOption> = menu.options().collect();
    if options.len() > limits.max_options {
        out.push(
            LimitError::TooManyOptions {
                menu: menu.name.text.clone(),
                count: options.len(),
                max: limits.max_options,
                span: options[limits.max_options].label.span,
            }
            .to_diagnostic(),
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
                    LimitError::DescriptionOnButton {
                        max_buttons: limits.max_buttons,
                        span: description.span,
                    }
                    .to_diagnostic(),
                ),
                Presentation::List => {
                    too_long(
                        description,
                        limits.row_description,
                        LongText::RowDescription,
                        out,
                    );
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
    let mut seen: HashMap<String, &Str> = HashMap::new();
    for label in labels {
        not_empty(label, EmptyText::Label, out);
        match presentation {
            Presentation::Buttons => {
                too_long(label, limits.button_title, LongText::ButtonTitle, out)
            }
            Presentation::List => too_long(label, limits.row_title, LongText::RowTitle, out),
        };
        if let Some(first) = earlier_same_label(&mut seen, label) {
            out.push(
                LimitError::SameLabel {
                    first: first.value.clone(),
                    again: label.value.clone(),
                    span: label.span,
                    first_span: first.span,
                }
                .to_diagnostic(),
            );
        }
    }
}

/// The earlier label that folds like this one, or `None` (and this one is remembered). Each
/// label is folded once and looked up in a map, so 10,000 options stay linear.
fn earlier_same_label<'a>(seen: &mut HashMap<String, &'a Str>, label: &'a Str) -> Option<&'a Str> {
    match seen.entry(fold(&label.value)) {
        std::collections::hash_map::Entry::Occupied(first) => Some(*first.get()),
        std::collections::hash_map::Entry::Vacant(slot) => {
            slot.insert(label);
            None
        }
    }
}

fn choice(labels: &[Str], limits: &Limits, out: &mut Vec<Diagnostic>) {
    if labels.len() > limits.max_options {
        out.push(
            LimitError::TooManyAnswers {
                count: labels.len(),
                max: limits.max_options,
                span: labels[limits.max_options].span,
            }
            .to_diagnostic(),
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
            LimitError::TemplateName {
                name: name.text.clone(),
                suggestion,
                span: name.span,
            }
            .to_diagnostic(),
        );
    }
    let mut body = None;
    let mut buttons: Vec<&Str> = Vec::new();
    for node in &template.body.stmts {
        match &node.kind {
            TemplateStmt::Header(s) => {
                not_empty(s, EmptyText::TemplateHeader, out);
                too_long(s, limits.header, LongText::TemplateHeader, out);
                let (list, _) = placeholders(&s.value);
                if list.len() > 1 {
                    out.push(
                        LimitError::HeaderPlaceholders {
                            count: list.len(),
                            span: s.span,
                        }
                        .to_diagnostic(),
                    );
                }
            }
            TemplateStmt::Footer(s) => {
                not_empty(s, EmptyText::TemplateFooter, out);
                too_long(s, limits.footer, LongText::TemplateFooter, out);
                if !placeholders(&s.value).0.is_empty() {
                    out.push(LimitError::FooterPlaceholder { span: s.span }.to_diagnostic());
                }
            }
            TemplateStmt::Body(s) => body = Some(s),
            TemplateStmt::Button { label, .. } => buttons.push(label),
            _ => {}
        }
    }
    match body {
        None => out.push(
            LimitError::NoBody {
                template: name.text.clone(),
                span: name.span,
            }
            .to_diagnostic(),
        ),
        Some(s) if s.value.trim().is_empty() => {
            out.push(LimitError::EmptyBody { span: s.span }.to_diagnostic())
        }
        Some(s) => {
            if !too_long(s, limits.template_body, LongText::TemplateBody, out) {
                template_placeholders(s, out);
            }
        }
    }
    if buttons.len() > limits.template_buttons {
        out.push(
            LimitError::TooManyButtons {
                max: limits.template_buttons,
                span: buttons[limits.template_buttons].span,
            }
            .to_diagnostic(),
        );
    }
    let mut seen: HashMap<String, &Str> = HashMap::new();
    for label in &buttons {
        not_empty(label, EmptyText::ButtonLabel, out);
        too_long(
            label,
            limits.template_button_label,
            LongText::TemplateButton,
            out,
        );
        if let Some(first) = earlier_same_label(&mut seen, label) {
            out.push(
                LimitError::SameButtonLabel {
                    first: first.value.clone(),
                    again: label.value.clone(),
                    span: label.span,
                    first_span: first.span,
                }
                .to_diagnostic(),
            );
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
                LimitError::PlaceholderGap {
                    n,
                    expected,
                    span: at,
                }
                .to_diagnostic(),
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
            LimitError::PlaceholderAtEdge {
                at_start: body.value[..p.start].trim().is_empty(),
                span: super::text::sub_span(body, p.start, p.end),
            }
            .to_diagnostic(),
        );
    }
    for pair in list.windows(2) {
        if body.value[pair[0].end..pair[1].start].trim().is_empty() {
            out.push(
                LimitError::AdjacentPlaceholders {
                    span: super::text::sub_span(body, pair[0].start, pair[1].end),
                }
                .to_diagnostic(),
            );
        }
    }
}

fn not_empty(s: &Str, what: EmptyText, out: &mut Vec<Diagnostic>) {
    if s.value.trim().is_empty() {
        out.push(LimitError::Empty { what, span: s.span }.to_diagnostic());
    }
}

/// Reports a text longer than `max` characters; returns whether it did.
fn too_long(s: &Str, max: usize, what: LongText, out: &mut Vec<Diagnostic>) -> bool {
    let count = s.value.chars().count();
    if count <= max {
        return false;
    }
    out.push(
        LimitError::TooLong {
            what,
            count,
            max,
            span: s.span,
        }
        .to_diagnostic(),
    );
    true
}
