//! Structure checks: settings given once and with valid values, steps only where they are
//! allowed, every menu path saying something, nothing after `goto`/`end`/`handoff`.

use super::context::{Context, Flow};
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
                        Diagnostic::new("E0110", format!("`digits {n}` can never be answered"), name.span, "no answer fits")
                            .with_help("give the number of digits the answer has, from 1 to 64, or write `digits` alone for any number of digits"),
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
                        out.push(Diagnostic::new(
                            "E0110",
                            "an HTTP status must be between 100 and 599",
                            *span,
                            "not an HTTP status",
                        ));
                    }
                }
            }
        }
    }
}

/// Reports the second of any repeated word (`body` twice in a template).
fn once<'a>(items: impl Iterator<Item = (&'a str, Span)>, out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for (word, span) in items {
        match seen.get(word) {
            Some(first) => out.push(
                Diagnostic::new(
                    "E0108",
                    format!("`{word}` is given twice"),
                    span,
                    "given again here",
                )
                .with_label(*first, "first given here")
                .with_help(format!("keep one `{word}` line")),
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
        out.push(
            Diagnostic::new(
                "E0109",
                "the bot has no `business` category",
                cx.bot_span,
                "no `business` line in this block",
            )
            .with_help(
                "add a line such as `business retail`; `charla explain E0301` lists the categories",
            ),
        );
    }
    let mut language = "en".to_string();
    for node in &bot.settings.stmts {
        match &node.kind {
            Setting::Language(tag) => {
                language_tag(tag, out);
                language = tag.text.clone();
            }
            Setting::Timezone(tz) => {
                let ok = tz.value == "UTC"
                    || (tz.value.contains('/')
                        && tz.value.split('/').all(|p| {
                            !p.is_empty()
                                && p.chars()
                                    .all(|c| c.is_ascii_alphanumeric() || "_-+".contains(c))
                        }));
                if !ok {
                    out.push(
                        Diagnostic::new("E0110", format!("`{}` is not a time zone", tz.value), tz.span, "expected an IANA zone")
                            .with_help("write a zone such as \"America/Sao_Paulo\", \"Europe/Madrid\" or \"UTC\""),
                    );
                }
            }
            Setting::Session(d) if d.seconds == 0 => {
                out.push(
                    Diagnostic::new("E0110", "a session cannot last zero time", d.span, "zero")
                        .with_help("write a duration such as `24h`"),
                );
            }
            Setting::Api(url) => {
                let rest = url
                    .value
                    .strip_prefix("https://")
                    .or_else(|| url.value.strip_prefix("http://"));
                if rest.is_none_or(|r| r.is_empty() || r.starts_with('/')) {
                    out.push(
                        Diagnostic::new("E0110", format!("`{}` is not a web address", url.value), url.span, "expected `https://...`")
                            .with_help("write the base address of the API, such as \"https://api.example.com/v1\""),
                    );
                }
            }
            Setting::Policy(ast::PolicyRef::Builtin(name))
                if crate::policy::builtin(&name.text).is_none() =>
            {
                out.push(
                    Diagnostic::new("E0110", format!("there is no built-in policy named `{}`", name.text), name.span, "unknown policy")
                        .with_help("the built-in policy is `whatsapp`; for a policy file write its path in quotes"),
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
                    Diagnostic::new(
                        "E0109",
                        format!("a bot in `{language}` must set `{word}`"),
                        cx.bot_span,
                        format!("no `{word}` here"),
                    )
                    .with_help("charla has default texts only for Portuguese, Spanish and English"),
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
            Diagnostic::new(
                "E0110",
                format!("`{}` is not a language tag", tag.text),
                tag.span,
                "expected a tag such as `pt-BR`",
            )
            .with_help("write a BCP-47 tag: `pt-BR`, `es`, `en-US`"),
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
            let help = match step {
                Step::Ask { .. } => "ask in an intent, and lead to it with an option".to_string(),
                _ => format!(
                    "use an option such as `option \"...\" -> {}` instead",
                    if what == "goto" { "target" } else { what }
                ),
            };
            out.push(
                Diagnostic::new(
                    "E0107",
                    format!("`{what}` is not allowed in a menu"),
                    keyword_span(span, what),
                    "not allowed here",
                )
                .with_label(menu.name.span, "in this menu")
                .with_help(help),
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
            Diagnostic::new(
                "E0112",
                format!("menu `{}` has no options", menu.name.text),
                menu.name.span,
                "no `option` lines",
            )
            .with_help("add at least one line such as `option \"Talk to us\" -> handoff`"),
        );
    }
    if !always_says(steps) {
        out.push(
            Diagnostic::new(
                "E0111",
                format!("menu `{}` can be shown without a `say`", menu.name.text),
                menu.name.span,
                "some path runs no `say`",
            )
            .with_help(
                "the last `say` is the text above the options; add a `say` that runs on every path",
            ),
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
    let mut ended_by: Option<(&str, Span)> = None;
    for &(step, span) in steps {
        if let Some((word, at)) = ended_by {
            out.push(
                Diagnostic::new(
                    "W0101",
                    format!("this step never runs: the block ends at `{word}`"),
                    span,
                    "never runs",
                )
                .with_label(at, "the conversation leaves here")
                .with_help(format!("move this step before `{word}`, or remove it")),
            );
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
