//! What the checks share: every declaration by name, found once, in source order.
//! Collecting also reports the name errors that need nothing else: duplicates and the
//! missing or second `bot`.

use super::error::NameError;
use crate::ast::{self, Item, Node};
use crate::diagnostic::Diagnostic;
use crate::model::Src;
use crate::source::{SourceFile, Span};
use indexmap::IndexMap;
use std::collections::HashSet;

/// A menu or an intent (they share one set of names).
#[derive(Debug, Clone, Copy)]
pub enum Flow<'a> {
    Menu(&'a ast::Menu),
    Intent(&'a ast::Intent),
}

impl<'a> Flow<'a> {
    pub fn audiences(&self) -> &'a [ast::Name] {
        match self {
            Flow::Menu(m) => &m.audiences,
            Flow::Intent(i) => &i.audiences,
        }
    }

    pub fn name(&self) -> &'a ast::Name {
        match self {
            Flow::Menu(m) => &m.name,
            Flow::Intent(i) => &i.name,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Flow::Menu(_) => "menu",
            Flow::Intent(_) => "intent",
        }
    }
}

pub struct Context<'a> {
    pub sources: &'a [SourceFile],
    pub bot: Option<&'a ast::Bot>,
    /// The `bot` line, or line 1 of the first file: where whole-bot diagnostics point.
    pub bot_span: Span,
    pub flows: IndexMap<&'a str, Flow<'a>>,
    pub audiences: IndexMap<&'a str, &'a ast::Audience>,
    pub templates: IndexMap<&'a str, &'a ast::Template>,
    pub tests: Vec<&'a ast::Test>,
    /// Names of items that did not parse: references to them are not reported again.
    pub broken: HashSet<String>,
    /// Some file had a syntax error: whole-bot checks (missing `bot`, unreachable) are skipped.
    pub incomplete: bool,
}

impl<'a> Context<'a> {
    pub fn collect(
        sources: &'a [SourceFile],
        files: &'a [ast::File],
        incomplete: bool,
        out: &mut Vec<Diagnostic>,
    ) -> Context<'a> {
        let first_line = files.first().map(|f| {
            let text = sources.get(f.id.0 as usize).map_or("", |s| s.text.as_str());
            Span::new(f.id, 0, text.find('\n').unwrap_or(text.len()))
        });
        let mut cx = Context {
            sources,
            bot: None,
            bot_span: first_line.unwrap_or_default(),
            flows: IndexMap::new(),
            audiences: IndexMap::new(),
            templates: IndexMap::new(),
            tests: Vec::new(),
            broken: HashSet::new(),
            incomplete,
        };
        for file in files {
            for broken in &file.broken {
                if broken.keyword == "bot" {
                    cx.bot_span = broken.span;
                }
                cx.broken.extend(broken.name.clone());
            }
            for node in &file.items {
                cx.add(node, out);
            }
        }
        if cx.bot.is_none()
            && !cx.incomplete
            && !files
                .iter()
                .any(|f| f.broken.iter().any(|b| b.keyword == "bot"))
        {
            out.push(NameError::NoBot { span: cx.bot_span }.to_diagnostic());
        }
        cx
    }

    fn add(&mut self, node: &'a Node<Item>, out: &mut Vec<Diagnostic>) {
        match &node.kind {
            Item::Bot(bot) => match self.bot {
                None => {
                    self.bot = Some(bot);
                    self.bot_span = header_span(node.span, self.sources);
                }
                Some(_) => out.push(
                    NameError::SecondBot {
                        span: header_span(node.span, self.sources),
                        first: self.bot_span,
                    }
                    .to_diagnostic(),
                ),
            },
            Item::Audience(a) => {
                if let Some(first) = self.audiences.get(a.name.text.as_str()) {
                    out.push(duplicate("audience", "audience", &a.name, first.name.span));
                } else {
                    self.audiences.insert(&a.name.text, a);
                }
            }
            Item::Menu(m) => self.add_flow(&m.name, Flow::Menu(m), out),
            Item::Intent(i) => self.add_flow(&i.name, Flow::Intent(i), out),
            Item::Template(t) => {
                if let Some(first) = self.templates.get(t.name.text.as_str()) {
                    out.push(duplicate("template", "template", &t.name, first.name.span));
                } else {
                    self.templates.insert(&t.name.text, t);
                }
            }
            Item::Test(t) => self.tests.push(t),
        }
    }

    fn add_flow(&mut self, name: &'a ast::Name, flow: Flow<'a>, out: &mut Vec<Diagnostic>) {
        if let Some(first) = self.flows.get(name.text.as_str()) {
            out.push(duplicate(
                flow.kind(),
                first.kind(),
                name,
                first.name().span,
            ));
        } else {
            self.flows.insert(&name.text, flow);
        }
    }

    /// File index and line of a span, for the model's source map.
    pub fn src(&self, span: Span) -> Src {
        let line = self
            .sources
            .get(span.file.0 as usize)
            .map_or(1, |s| s.line(span.start as usize));
        Src(span.file.0, line as u32)
    }

    /// Whether a name is known, or belonged to an item that did not parse.
    pub fn is_known_flow(&self, name: &str) -> bool {
        self.flows.contains_key(name) || self.broken.contains(name)
    }
}

fn duplicate(
    kind: &'static str,
    first_kind: &'static str,
    name: &ast::Name,
    first: Span,
) -> Diagnostic {
    NameError::Duplicate {
        kind,
        first_kind,
        name: name.text.clone(),
        span: name.span,
        first,
    }
    .to_diagnostic()
}

/// The first line of an item (its header), so labels do not underline a whole block.
pub fn header_span(span: Span, sources: &[SourceFile]) -> Span {
    let text = sources
        .get(span.file.0 as usize)
        .map_or("", |s| s.slice(span));
    let len = text.find('\n').map_or(text.len(), |n| {
        text[..n].trim_end_matches(['\r', ' ', '{']).len()
    });
    Span {
        end: span.start + len as u32,
        ..span
    }
}
