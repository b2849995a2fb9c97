//! Document symbols (the outline): each item of the file with its children: a menu's options,
//! the names an intent's steps bind, a template's buttons, the bot's settings. Items that do
//! not parse yet are listed by their first line, so the outline does not flicker while typing.

use super::analysis::{Analysis, FileView};
use super::position::Encoding;
use crate::ast::{IntentStmt, Item, MenuStmt, Node, Step, TemplateStmt};
use crate::check::walk::{each_step, top_steps};
use crate::check::Flow;
use crate::source::Span;
use lsp_types::{DocumentSymbol, SymbolKind, Uri};

pub fn document_symbols(
    analysis: &Analysis,
    uri: &Uri,
    encoding: Encoding,
) -> Option<Vec<DocumentSymbol>> {
    let id = analysis.file_id(uri)?;
    let file = analysis.compilation.files.get(id.0 as usize)?;
    let view = analysis.file(id)?;
    let source = analysis.source(id)?;
    let make = Make { view, encoding };
    let mut out: Vec<(u32, DocumentSymbol)> = file
        .items
        .iter()
        .map(|node| (node.span.start, make.item(node, source)))
        .collect();
    out.extend(file.broken.iter().map(|broken| {
        let name = match &broken.name {
            Some(name) => format!("{} {name}", broken.keyword),
            None => broken.keyword.clone(),
        };
        let kind = match broken.keyword.as_str() {
            "menu" => SymbolKind::ENUM,
            "intent" => SymbolKind::FUNCTION,
            "audience" => SymbolKind::CLASS,
            "template" => SymbolKind::STRUCT,
            "test" => SymbolKind::METHOD,
            _ => SymbolKind::NAMESPACE,
        };
        let symbol = make.symbol(
            name,
            Some("does not parse".to_string()),
            kind,
            broken.span,
            broken.span,
            Vec::new(),
        );
        (broken.span.start, symbol)
    }));
    out.sort_by_key(|(start, _)| *start);
    Some(out.into_iter().map(|(_, s)| s).collect())
}

struct Make<'a> {
    view: &'a FileView,
    encoding: Encoding,
}

impl Make<'_> {
    fn symbol(
        &self,
        name: String,
        detail: Option<String>,
        kind: SymbolKind,
        whole: Span,
        selection: Span,
        children: Vec<DocumentSymbol>,
    ) -> DocumentSymbol {
        // Editors reject a selection outside the range; a name is always inside its item.
        let whole = whole.to(selection);
        #[allow(deprecated)] // `deprecated` is a required field of the type, replaced by tags
        DocumentSymbol {
            name: if name.is_empty() {
                "?".to_string()
            } else {
                name
            },
            detail,
            kind,
            tags: None,
            deprecated: None,
            range: self.view.range(whole, self.encoding),
            selection_range: self.view.range(selection, self.encoding),
            children: (!children.is_empty()).then_some(children),
        }
    }

    fn item(&self, node: &Node<Item>, source: &crate::source::SourceFile) -> DocumentSymbol {
        let span = node.span;
        match &node.kind {
            Item::Bot(bot) => {
                let children = bot
                    .settings
                    .stmts
                    .iter()
                    .map(|s| {
                        let written = source.slice(s.span);
                        let rest = written
                            .strip_prefix(s.kind.keyword())
                            .unwrap_or(written)
                            .trim();
                        self.symbol(
                            s.kind.keyword().to_string(),
                            Some(first_line(rest)),
                            SymbolKind::PROPERTY,
                            s.span,
                            s.span,
                            Vec::new(),
                        )
                    })
                    .collect();
                let name = format!("bot \"{}\"", bot.name.value);
                self.symbol(
                    name,
                    None,
                    SymbolKind::NAMESPACE,
                    span,
                    bot.name.span,
                    children,
                )
            }
            Item::Audience(a) => self.symbol(
                a.name.text.clone(),
                a.label.as_ref().map(|l| l.value.clone()),
                SymbolKind::CLASS,
                span,
                a.name.span,
                Vec::new(),
            ),
            Item::Menu(m) => {
                let children = m
                    .body
                    .stmts
                    .iter()
                    .filter_map(|n| match &n.kind {
                        MenuStmt::Option(o) => Some(self.symbol(
                            o.label.value.clone(),
                            Some(format!("-> {}", source.slice(o.target.span()))),
                            SymbolKind::ENUM_MEMBER,
                            n.span,
                            o.label.span,
                            Vec::new(),
                        )),
                        MenuStmt::Step(_) => None,
                    })
                    .collect();
                self.symbol(
                    m.name.text.clone(),
                    Some(format!("menu{}", for_clause(&m.audiences))),
                    SymbolKind::ENUM,
                    span,
                    m.name.span,
                    children,
                )
            }
            Item::Intent(i) => {
                let mut children = Vec::new();
                each_step(&top_steps(Flow::Intent(i)), &mut |step, step_span| {
                    let (name, what) = match step {
                        Step::Ask { name, .. } => (name, "ask"),
                        Step::Call(call) => (&call.bind, "call"),
                        Step::SetVar { name, .. } => (name, "set"),
                        _ => return,
                    };
                    children.push(self.symbol(
                        name.text.clone(),
                        Some(what.to_string()),
                        SymbolKind::VARIABLE,
                        step_span,
                        name.span,
                        Vec::new(),
                    ));
                });
                let examples = i
                    .body
                    .stmts
                    .iter()
                    .filter_map(|n| match &n.kind {
                        IntentStmt::Examples(list) => Some(list.len()),
                        _ => None,
                    })
                    .sum::<usize>();
                let detail = format!(
                    "intent{}{}",
                    for_clause(&i.audiences),
                    match examples {
                        0 => String::new(),
                        1 => " · 1 example".to_string(),
                        n => format!(" · {n} examples"),
                    }
                );
                self.symbol(
                    i.name.text.clone(),
                    Some(detail),
                    SymbolKind::FUNCTION,
                    span,
                    i.name.span,
                    children,
                )
            }
            Item::Template(t) => {
                let children = t
                    .body
                    .stmts
                    .iter()
                    .filter_map(|n| match &n.kind {
                        TemplateStmt::Button { label, .. } => Some(self.symbol(
                            label.value.clone(),
                            Some("button".to_string()),
                            SymbolKind::ENUM_MEMBER,
                            n.span,
                            label.span,
                            Vec::new(),
                        )),
                        _ => None,
                    })
                    .collect();
                self.symbol(
                    t.name.text.clone(),
                    Some("template".to_string()),
                    SymbolKind::STRUCT,
                    span,
                    t.name.span,
                    children,
                )
            }
            Item::Test(t) => self.symbol(
                t.name.value.clone(),
                Some("test".to_string()),
                SymbolKind::METHOD,
                span,
                t.name.span,
                Vec::new(),
            ),
        }
    }
}

fn for_clause(audiences: &[crate::ast::Name]) -> String {
    if audiences.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = audiences.iter().map(|a| a.text.as_str()).collect();
    format!(" for {}", names.join(", "))
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").to_string()
}
