//! Structure checks: settings given once and with valid values, steps only where they are
//! allowed, every menu path saying something, nothing after `goto`/`end`/`handoff`.

use super::context::{Context, Flow};
use super::error::StructureError;
use super::walk::{block_steps, each_step, else_steps, top_steps};
use crate::ast::{self, MenuStmt, MockAnswer, Setting, Step, TemplateStmt, TestStmt};
use crate::diagnostic::Diagnostic;
use crate::source::Span;
use std::collections::HashMap;

/// Languages whose default texts charla knows.
pub const KNOWN_LANGUAGES: [&str; 3] = ["pt", "es", "en"];

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if let Some(bot) = cx.bot {
        settings(cx, bot, out);
    }
    for flow in cx.flows.values() {
        let steps = top_steps(*flow);
        each_step(&steps, &mut |step, _| {
            if let Step::Ask {
                name,
                ty: ast::AskType::Digits(Some(n)),
                ..
            } = step
            {
                if *n == 0 || *n > 64 {
                    out.push(
                        StructureError::DigitsNeverAnswered {
                            digits: *n,
                            span: name.span,
                        }
                        .to_diagnostic(),
                    );
                }
            }
        });
        after_terminal(&steps, out);
        if let Flow::Menu(menu) = flow {
            menu_steps(menu, &steps, out);
        }
        if let Flow::Intent(intent) = flow {
            once(
                intent.body.stmts.iter().filter_map(|n| match &n.kind {
                    ast::IntentStmt::Category(c) => Some(("category", c.span)),
                    _ => None,
                }),
                out,
            );
        }
    }
    for template in cx.templates.values() {
        once(
            template.body.stmts.iter().filter_map(|n| {
                let word = match &n.kind {
                    TemplateStmt::Category(_) => "category",
                    TemplateStmt::Language(_) => "language",
                    TemplateStmt::Header(_) => "header",
                    TemplateStmt::Body(_) => "body",
                    TemplateStmt::Footer(_) => "footer",
                    TemplateStmt::Button { .. } => return None,
                };
                Some((word, n.span))
            }),
            out,
        );
        for node in &template.body.stmts {
            if let TemplateStmt::Language(tag) = &node.kind {
                language_tag(tag, out);
            }
        }
    }
    for test in &cx.tests {
        for node in &test.body.stmts {
            if let TestStmt::Contact(fields) = &node.kind {
                for field in fields {
                    if let ast::ContactField::Language(tag) = field {
                        language_tag(tag, out);
                    }
                }
            }
            if let TestStmt::Mock(mock) = &node.kind {
                if let MockAnswer::Returns {
                    status: Some((status, span)),
                    ..
                } = &mock.answer
                {
                    if !(100..=599).contains(status) {
                        out.push(StructureError::StatusOutOfRange { span: *span }.to_diagnostic());
                    }
                }
            }
        }
    }
}

/// Reports the second of any repeated word (`body` twice in a template).
fn once(items: impl Iterator<Item = (&'static str, Span)>, out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for (word, span) in items {
        match seen.get(word) {
            Some(first) => out.push(
                StructureError::GivenTwice {
                    word,
                    span,
                    first: *first,
                }
                .to_diagnostic(),
            ),
            None => {
                seen.insert(word, span);
            }
        }
    }
}

fn settings(cx: &Context, bot: &ast::Bot, out: &mut Vec<Diagnostic>) {
    let repeatable = |s: &Setting| match s {
        Setting::Api(_) | Setting::OptOut(_) => true,
        Setting::Start { audiences, .. } => !audiences.is_empty(),
        _ => false,
    };
    let plain_start =
        |s: &Setting| matches!(s, Setting::Start { audiences, .. } if audiences.is_empty());
    once(
        bot.settings
            .stmts
            .iter()
            .filter(|n| !repeatable(&n.kind) || plain_start(&n.kind))
            .map(|n| (n.kind.keyword(), n.span)),
        out,
    );
    let has = |word: &str| bot.settings.stmts.iter().any(|n| n.kind.keyword() == word);
    if !has("business") {
        out.push(StructureError::NoBusiness { span: cx.bot_span }.to_diagnostic());
    }
    let mut language = "en".to_string();
    for node in &bot.settings.stmts {
        match &node.kind {
            Setting::Language(tag) => {
                language_tag(tag, out);
                language = tag.text.clone();
            }
            Setting::Timezone(tz) => {
                // Checked against the IANA time zone database built into charla.
                let ok = jiff::tz::TimeZone::get(&tz.value).is_ok();
                if !ok {
                    out.push(
                        StructureError::NotTimeZone {
                            value: tz.value.clone(),
                            span: tz.span,
                            suggestion: closest_zone(&tz.value),
                        }
                        .to_diagnostic(),
                    );
                }
            }
            Setting::Session(d) if d.seconds == 0 => {
                out.push(StructureError::ZeroSession { span: d.span }.to_diagnostic());
            }
            Setting::Api(url) => {
                let rest = url
                    .value
                    .strip_prefix("https://")
                    .or_else(|| url.value.strip_prefix("http://"));
                if rest.is_none_or(|r| r.is_empty() || r.starts_with('/')) {
                    out.push(
                        StructureError::NotWebAddress {
                            value: url.value.clone(),
                            span: url.span,
                        }
                        .to_diagnostic(),
                    );
                }
            }
            Setting::Policy(ast::PolicyRef::Builtin(name))
                if crate::policy::builtin(&name.text).is_none() =>
            {
                out.push(
                    StructureError::UnknownBuiltinPolicy {
                        name: name.text.clone(),
                        span: name.span,
                    }
                    .to_diagnostic(),
                );
            }
            _ => {}
        }
    }
    let primary = language
        .split('-')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if !KNOWN_LANGUAGES.contains(&primary.as_str()) {
        for word in ["fallback", "handoff_message", "list_button"] {
            if !has(word) {
                out.push(
                    StructureError::MissingText {
                        language: language.clone(),
                        word,
                        span: cx.bot_span,
                    }
                    .to_diagnostic(),
                );
            }
        }
    }
}

fn language_tag(tag: &ast::Tag, out: &mut Vec<Diagnostic>) {
    let mut parts = tag.text.split('-');
    let primary = parts.next().unwrap_or("");
    let ok = (2..=3).contains(&primary.len())
        && primary.chars().all(|c| c.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()));
    if !ok {
        out.push(
            StructureError::NotLanguageTag {
                tag: tag.text.clone(),
                span: tag.span,
            }
            .to_diagnostic(),
        );
    }
}

/// In a menu: only `say`, `set`, `call` and `if`; at least one option; a `say` on every path.
fn menu_steps(menu: &ast::Menu, steps: &[(&Step, Span)], out: &mut Vec<Diagnostic>) {
    each_step(steps, &mut |step, span| {
        if matches!(
            step,
            Step::Ask { .. } | Step::Goto(_) | Step::Handoff(_) | Step::End
        ) {
            let what = step.keyword();
            out.push(
                StructureError::NotInMenu {
                    step: what,
                    span: keyword_span(span, what),
                    menu: menu.name.span,
                }
                .to_diagnostic(),
            );
        }
    });
    let options = menu
        .body
        .stmts
        .iter()
        .filter(|n| matches!(n.kind, MenuStmt::Option(_)))
        .count();
    if options == 0 {
        out.push(
            StructureError::NoOptions {
                menu: menu.name.text.clone(),
                span: menu.name.span,
            }
            .to_diagnostic(),
        );
    }
    if !always_says(steps) {
        out.push(
            StructureError::MenuWithoutSay {
                menu: menu.name.text.clone(),
                span: menu.name.span,
            }
            .to_diagnostic(),
        );
    }
}

/// Whether every path through these steps runs a `say`.
pub fn always_says(steps: &[(&Step, Span)]) -> bool {
    steps.iter().any(|(step, _)| match step {
        Step::Say(_) => true,
        Step::If(i) => {
            always_says(&block_steps(&i.then.stmts))
                && i.otherwise
                    .as_ref()
                    .is_some_and(|e| always_says(&else_steps(e)))
        }
        _ => false,
    })
}

/// W0101: steps after `goto`, `end` or `handoff` in the same block never run.
fn after_terminal(steps: &[(&Step, Span)], out: &mut Vec<Diagnostic>) {
    let mut ended_by: Option<(&'static str, Span)> = None;
    for &(step, span) in steps {
        if let Some((word, at)) = ended_by {
            out.push(StructureError::NeverRuns { word, span, at }.to_diagnostic());
            break;
        }
        match step {
            Step::Goto(_) | Step::End | Step::Handoff(_) => ended_by = Some((step.keyword(), span)),
            Step::If(i) => {
                after_terminal(&block_steps(&i.then.stmts), out);
                if let Some(e) = &i.otherwise {
                    after_terminal(&else_steps(e), out);
                }
            }
            Step::Call(c) => {
                if let Some(b) = &c.otherwise {
                    after_terminal(&block_steps(&b.stmts), out);
                }
            }
            _ => {}
        }
    }
}

/// The span of a step's first word.
fn keyword_span(span: Span, word: &str) -> Span {
    let len = word.split(' ').next().map_or(0, str::len) as u32;
    Span {
        end: (span.start + len).min(span.end),
        ..span
    }
}

/// The IANA zone name closest to a misspelt one (`America/Sao_Pualo`), from the database
/// built into charla.
fn closest_zone(value: &str) -> Option<String> {
    // `GMT-3` is an offset, not a place: a zone one letter away (`GMT-0`) would be wrong.
    if value.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let names: Vec<String> = jiff::tz::db()
        .available()
        .map(|name| name.to_string())
        .collect();
    crate::diagnostic::did_you_mean(value, names.iter().map(String::as_str)).map(str::to_string)
}
