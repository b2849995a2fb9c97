//! Hover: a menu as WhatsApp will show it (reply buttons or a list, each text with its length
//! against the policy's limit), a template as the message it sends, a summary of an intent
//! or audience, and the explanation of a diagnostic's code.

use super::analysis::Analysis;
use super::definition::occurrence_at;
use super::index::Occurrence;
use super::position::Encoding;
use crate::ast::{self, IntentStmt, Item, Setting, Step, TemplateStmt};
use crate::check::walk::{each_step, top_steps};
use crate::check::Flow;
use crate::model::Presentation;
use crate::policy::Limits;
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position, Uri};
use std::fmt::Write as _;

pub fn hover(
    analysis: &Analysis,
    uri: &Uri,
    position: Position,
    encoding: Encoding,
) -> Option<Hover> {
    // A name that is declared somewhere; else (an undefined name, a keyword, a string) the
    // diagnostic under the cursor, if any.
    let declared = occurrence_at(analysis, uri, position, encoding).and_then(|at| {
        let declaration = analysis.index.declaration(at.space, &at.name)?;
        let text = describe(analysis, declaration)?;
        Some((text, analysis.file(at.span.file)?.range(at.span, encoding)))
    });
    let (markdown, range) = match declared {
        Some(found) => found,
        None => explain_diagnostic(analysis, uri, position, encoding)?,
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(range),
    })
}

/// The item a declaration names, when it parsed.
fn item<'a>(analysis: &'a Analysis, declaration: &Occurrence) -> Option<&'a Item> {
    analysis
        .compilation
        .files
        .get(declaration.span.file.0 as usize)?
        .items
        .iter()
        .map(|node| &node.kind)
        .find(|item| match item {
            Item::Menu(m) => m.name.span == declaration.span,
            Item::Intent(i) => i.name.span == declaration.span,
            Item::Audience(a) => a.name.span == declaration.span,
            Item::Template(t) => t.name.span == declaration.span,
            _ => false,
        })
}

fn describe(analysis: &Analysis, declaration: &Occurrence) -> Option<String> {
    let kind = declaration.declares?;
    let Some(item) = item(analysis, declaration) else {
        return Some(format!(
            "**{} `{}`** (does not parse yet)",
            kind.word(),
            declaration.name
        ));
    };
    let limits = &analysis.policy.limits;
    Some(match item {
        Item::Menu(menu) => menu_preview(menu, limits, &list_button(analysis)),
        Item::Template(template) => template_preview(template, limits),
        Item::Intent(intent) => intent_summary(analysis, intent),
        Item::Audience(audience) => audience_summary(analysis, audience),
        _ => return None,
    })
}

/// The text of a list message's button: the bot's `list_button`, or the default the compiler
/// chose (known once the bot compiles).
fn list_button(analysis: &Analysis) -> Option<String> {
    if let Some(model) = &analysis.compilation.model {
        return Some(model.bot.list_button.clone());
    }
    analysis
        .compilation
        .files
        .iter()
        .flat_map(|f| &f.items)
        .find_map(|node| match &node.kind {
            Item::Bot(bot) => bot.settings.stmts.iter().find_map(|s| match &s.kind {
                Setting::ListButton(text) => Some(text.value.clone()),
                _ => None,
            }),
            _ => None,
        })
}

/// `11/24`, or `⚠️ 27/24` past the limit.
fn count(text: &str, max: usize) -> String {
    let n = text.chars().count();
    if n > max {
        format!("⚠️ **{n}/{max}**")
    } else {
        format!("{n}/{max}")
    }
}

/// User text shown as written: Markdown's special characters escaped, line breaks kept.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_[]<>#|~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn quote(text: &str) -> String {
    text.lines()
        .map(|line| format!("> {}", escape(line)))
        .collect::<Vec<_>>()
        .join("  \n")
}

fn target(target: &ast::Target) -> String {
    match target {
        ast::Target::Named(name) => format!("`{}`", name.text),
        ast::Target::Handoff(_) => "a person (`handoff`)".to_string(),
        ast::Target::End(_) => "`end`".to_string(),
    }
}

fn audiences(names: &[ast::Name]) -> String {
    if names.is_empty() {
        return String::new();
    }
    let list: Vec<String> = names.iter().map(|n| format!("`{}`", n.text)).collect();
    format!(" for {}", list.join(", "))
}

pub fn menu_preview(menu: &ast::Menu, limits: &Limits, list_button: &Option<String>) -> String {
    let options: Vec<&ast::MenuOption> = menu.options().collect();
    let mut says: Vec<&ast::Str> = Vec::new();
    each_step(&top_steps(Flow::Menu(menu)), &mut |step, _| {
        if let Step::Say(text) = step {
            says.push(text);
        }
    });
    let presentation = Presentation::for_count(options.len(), limits.max_buttons);
    let mut out = format!(
        "**menu `{}`**{}",
        menu.name.text,
        audiences(&menu.audiences)
    );
    let shape = match presentation {
        _ if options.len() > limits.max_options => format!(
            "⚠️ **{} options**: WhatsApp sends at most {}",
            options.len(),
            limits.max_options
        ),
        Presentation::Buttons => format!(
            "reply buttons: {} of at most {}",
            options.len(),
            limits.max_buttons
        ),
        Presentation::List => format!(
            "a list: {} rows of at most {}",
            options.len(),
            limits.max_options
        ),
    };
    let _ = write!(out, " — {shape}\n\n");
    match says.last() {
        Some(body) => {
            let _ = write!(
                out,
                "{}\n\nbody {}",
                quote(&body.value),
                count(&body.value, limits.interactive_body)
            );
            if says.len() > 1 {
                let _ = write!(
                    out,
                    " (the last `say` run is the body; the {} before it go as text messages first)",
                    says.len() - 1
                );
            }
            out.push_str("\n\n");
        }
        None => out.push_str("⚠️ no `say`: the message has no body\n\n"),
    }
    match presentation {
        Presentation::Buttons => {
            out.push_str("| button | characters | goes to |\n| --- | --- | --- |\n");
            for option in &options {
                let _ = writeln!(
                    out,
                    "| [ {} ] | {} | {}{} |",
                    escape(&option.label.value),
                    count(&option.label.value, limits.button_title),
                    target(&option.target),
                    sets(option)
                );
            }
            if options.iter().any(|o| o.description.is_some()) {
                out.push_str("\nDescriptions are not sent with reply buttons.\n");
            }
        }
        Presentation::List => {
            match list_button {
                Some(text) => {
                    let _ = write!(
                        out,
                        "list button **☰ {}** {}\n\n",
                        escape(text),
                        count(text, limits.list_button)
                    );
                }
                None => out.push_str("list button: the default for the bot's language\n\n"),
            }
            out.push_str(
                "| row | characters | description | goes to |\n| --- | --- | --- | --- |\n",
            );
            for option in &options {
                let description = option.description.as_ref().map_or(String::new(), |d| {
                    format!(
                        "{} ({})",
                        escape(&d.value),
                        count(&d.value, limits.row_description)
                    )
                });
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {}{} |",
                    escape(&option.label.value),
                    count(&option.label.value, limits.row_title),
                    description,
                    target(&option.target),
                    sets(option)
                );
            }
        }
    }
    out
}

fn sets(option: &ast::MenuOption) -> String {
    match &option.sets_audience {
        Some(ast::AudienceRef::Named(name)) => format!(", sets audience `{}`", name.text),
        Some(ast::AudienceRef::None(_)) => ", clears the audience".to_string(),
        None => String::new(),
    }
}

pub fn template_preview(template: &ast::Template, limits: &Limits) -> String {
    let mut out = format!("**template `{}`**", template.name.text);
    let mut buttons = Vec::new();
    let mut parts = String::new();
    for node in &template.body.stmts {
        match &node.kind {
            TemplateStmt::Category(c) => {
                let whatsapp = crate::policy::whatsapp_category(&c.text)
                    .map_or(String::new(), |w| format!(" (WhatsApp: {w})"));
                let _ = write!(out, " — `{}`{whatsapp}", c.text);
            }
            TemplateStmt::Language(tag) => {
                let _ = write!(out, ", {}", tag.text);
            }
            TemplateStmt::Header(h) => {
                let _ = write!(
                    parts,
                    "header **{}** {}\n\n",
                    escape(&h.value),
                    count(&h.value, limits.header)
                );
            }
            TemplateStmt::Body(b) => {
                let _ = write!(
                    parts,
                    "{}\n\nbody {}\n\n",
                    quote(&b.value),
                    count(&b.value, limits.template_body)
                );
            }
            TemplateStmt::Footer(f) => {
                let _ = write!(
                    parts,
                    "footer *{}* {}\n\n",
                    escape(&f.value),
                    count(&f.value, limits.footer)
                );
            }
            TemplateStmt::Button { label, target: t } => buttons.push((label, t)),
        }
    }
    let _ = write!(out, "\n\n{parts}");
    if !buttons.is_empty() {
        let _ = writeln!(
            out,
            "| quick reply ({} of at most {}) | characters | goes to |\n| --- | --- | --- |",
            buttons.len(),
            limits.template_buttons
        );
        for (label, t) in buttons {
            let _ = writeln!(
                out,
                "| [ {} ] | {} | {} |",
                escape(&label.value),
                count(&label.value, limits.template_button_label),
                t.as_ref().map_or("read as its text".to_string(), target)
            );
        }
    }
    out
}

fn intent_summary(analysis: &Analysis, intent: &ast::Intent) -> String {
    let mut out = format!(
        "**intent `{}`**{}",
        intent.name.text,
        audiences(&intent.audiences)
    );
    let examples: Vec<String> = intent
        .body
        .stmts
        .iter()
        .filter_map(|n| match &n.kind {
            IntentStmt::Examples(list) => Some(list),
            _ => None,
        })
        .flatten()
        .map(|s| format!("“{}”", escape(&s.value)))
        .collect();
    if examples.is_empty() {
        out.push_str("\n\nNo `examples`: reached only through options, `start` and `goto`.");
    } else {
        let _ = write!(
            out,
            "\n\nReached by free text such as {}.",
            examples.join(", ")
        );
    }
    let uses = references(analysis, super::index::Space::Flow, &intent.name.text);
    let _ = write!(out, "\n\nNamed in {uses} other places.");
    out
}

fn audience_summary(analysis: &Analysis, audience: &ast::Audience) -> String {
    let label = audience
        .label
        .as_ref()
        .map_or(String::new(), |l| format!(" “{}”", escape(&l.value)));
    let uses = references(analysis, super::index::Space::Audience, &audience.name.text);
    format!(
        "**audience `{}`**{label}\n\nNamed in {uses} other places.",
        audience.name.text
    )
}

fn references(analysis: &Analysis, space: super::index::Space, name: &str) -> usize {
    analysis
        .index
        .all(space, name)
        .filter(|o| o.declares.is_none())
        .count()
}

/// Over a diagnostic's range: its code's explanation (what `charla explain CODE` prints).
fn explain_diagnostic(
    analysis: &Analysis,
    uri: &Uri,
    position: Position,
    encoding: Encoding,
) -> Option<(String, lsp_types::Range)> {
    let id = analysis.file_id(uri)?;
    let offset = analysis.file(id)?.offset(position, encoding) as u32;
    let diagnostic = analysis.compilation.diagnostics.iter().find(|d| {
        let span = d.primary.span;
        span.file == id && span.start <= offset && offset <= span.end
    })?;
    let code = crate::diagnostic::codes::find(diagnostic.code)?;
    let range = analysis.file(id)?.range(diagnostic.primary.span, encoding);
    Some((code.explanation.trim().to_string(), range))
}
