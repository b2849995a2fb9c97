//! The flow as a picture (`charla graph`): one neutral [`Graph`] of a bot, drawn as Mermaid
//! (`mermaid.rs`), Graphviz DOT (`dot.rs`) or SVG laid out by charla itself (`layout.rs`,
//! `svg.rs`).
//!
//! The graph is built from the syntax tree through the checker's [`Context`], not from the
//! model: a bot with errors has no model, and the picture is most useful exactly then. One path
//! for both means a bot draws the same before and after its last error is fixed. What the
//! checker decided is read from its diagnostics, not decided again: a node is unreachable when
//! `check` warned so (W0401), and it has errors when an error's primary label falls inside it.

pub mod dot;
pub mod layout;
pub mod mermaid;
pub mod svg;

use crate::ast::{self, IntentStmt, Item, MenuStmt, Setting, Step, Target, TemplateStmt};
use crate::check::walk::{each_step, top_steps};
use crate::check::{Context, Flow};
use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{SourceFile, Span};
use std::collections::{HashMap, HashSet};

/// A bot's flow: who talks to what.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Graph {
    /// The bot's name (empty when it has no `bot` block).
    pub title: String,
    /// Declared audiences, in declaration order.
    pub audiences: Vec<AudienceInfo>,
    /// `start` first, then menus and intents, templates, items that did not parse, undefined
    /// targets, and `handoff` and `end` when something leads there.
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Errors whose place is in no node (an audience, a test): the count, for a note.
    pub errors_elsewhere: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AudienceInfo {
    pub name: String,
    /// The human label (`audience member "Usuários"`), or empty.
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Start,
    Menu,
    Intent,
    Template,
    Handoff,
    End,
    /// A name some option, `goto` or button leads to, defined nowhere.
    Undefined,
}

impl NodeKind {
    pub fn word(self) -> &'static str {
        match self {
            NodeKind::Start => "start",
            NodeKind::Menu => "menu",
            NodeKind::Intent => "intent",
            NodeKind::Template => "template",
            NodeKind::Handoff => "handoff",
            NodeKind::End => "end",
            NodeKind::Undefined => "undefined",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Unique, made of ASCII letters, digits and `_` only, so every format can use it as is.
    pub id: String,
    pub kind: NodeKind,
    /// The name as written (`start`, `handoff` and `end` for those).
    pub name: String,
    /// `for A, B`; empty when everyone may reach it.
    pub audiences: Vec<String>,
    /// An intent with `examples`: free text reaches it from anywhere.
    pub free_text: bool,
    /// `check` warned that nothing leads here.
    pub unreachable: bool,
    /// The item did not parse (it is drawn from its first words only).
    pub broken: bool,
    /// The errors found in it, as `E0105: message`.
    pub errors: Vec<String>,
}

impl Node {
    /// What the picture says in words besides colours and shapes (which not every reader sees).
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.kind == NodeKind::Template {
            notes.push("template".to_string());
        }
        if self.kind == NodeKind::Undefined {
            notes.push("not defined".to_string());
        }
        if self.broken {
            notes.push("does not parse".to_string());
        }
        if self.unreachable {
            notes.push("unreachable".to_string());
        }
        match self.errors.len() {
            0 => {}
            1 => notes.push("1 error".to_string()),
            n => notes.push(format!("{n} errors")),
        }
        notes
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// `start X [for A]`.
    Start,
    /// A menu's `option`.
    Option,
    /// A template's quick-reply `button`.
    Button,
    /// A `goto`, `handoff` or `end` step.
    Step,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// Indexes into [`Graph::nodes`].
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
    /// The option's or button's label, the `start` line's audiences, a handoff's team.
    pub label: Option<String>,
    /// `sets audience A` on an option (`none` clears it).
    pub sets_audience: Option<String>,
}

impl Edge {
    /// What the text formats write on the edge, line by line (each format escapes them): the
    /// label, and `(sets A)` for an option that sets an audience.
    pub fn label_lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.label.iter().cloned().collect();
        if let Some(sets) = &self.sets_audience {
            lines.push(format!("(sets {sets})"));
        }
        lines
    }
}

impl Graph {
    /// The graph of one bot: its sources, their syntax trees (as `compile` returns them) and
    /// every diagnostic found.
    pub fn build(sources: &[SourceFile], files: &[ast::File], diagnostics: &[Diagnostic]) -> Graph {
        // Collecting reports duplicates again; `diagnostics` already holds them.
        let cx = Context::collect(sources, files, true, &mut Vec::new());
        let mut b = Builder::default();
        b.graph.title = cx.bot.map(|bot| bot.name.value.clone()).unwrap_or_default();
        b.graph.audiences = cx
            .audiences
            .values()
            .map(|a| AudienceInfo {
                name: a.name.text.clone(),
                label: a
                    .label
                    .as_ref()
                    .map(|l| l.value.clone())
                    .unwrap_or_default(),
            })
            .collect();
        let start = b.node(NodeKind::Start, "start", &[]);
        for flow in cx.flows.values() {
            let (kind, free_text) = match flow {
                Flow::Menu(_) => (NodeKind::Menu, false),
                Flow::Intent(i) => (NodeKind::Intent, has_examples(i)),
            };
            let at = b.node(kind, &flow.name().text, flow.audiences());
            b.graph.nodes[at].free_text = free_text;
            b.flows.insert(flow.name().text.clone(), at);
        }
        for template in cx.templates.values() {
            let at = b.node(NodeKind::Template, &template.name.text, &[]);
            b.templates.insert(template.name.text.clone(), at);
        }
        // Items that did not parse still take their place, so the options that lead to them
        // are drawn, and their errors show on them.
        for broken in files.iter().flat_map(|f| &f.broken) {
            let Some(name) = &broken.name else { continue };
            let (kind, known) = match broken.keyword.as_str() {
                "menu" => (NodeKind::Menu, b.flows.contains_key(name)),
                "intent" => (NodeKind::Intent, b.flows.contains_key(name)),
                "template" => (NodeKind::Template, b.templates.contains_key(name)),
                _ => continue,
            };
            if known {
                continue;
            }
            let at = b.node(kind, name, &[]);
            b.graph.nodes[at].broken = true;
            if kind == NodeKind::Template {
                b.templates.insert(name.clone(), at);
            } else {
                b.flows.insert(name.clone(), at);
            }
        }
        b.edges(&cx, start);
        b.problems(&cx, files, diagnostics, start);
        b.graph
    }

    /// The node of a menu or intent by name.
    pub fn find(&self, name: &str) -> Option<&Node> {
        self.nodes
            .iter()
            .find(|n| n.name == name && matches!(n.kind, NodeKind::Menu | NodeKind::Intent))
    }

    /// The nodes in no audience group, in order (the text formats write them first).
    pub fn ungrouped(&self) -> impl Iterator<Item = &Node> {
        self.nodes.iter().filter(|node| node.audiences.is_empty())
    }

    /// The edges with the nodes at their two ends.
    pub fn joined_edges(&self) -> impl Iterator<Item = (&Edge, &Node, &Node)> {
        self.edges
            .iter()
            .filter_map(|edge| Some((edge, self.nodes.get(edge.from)?, self.nodes.get(edge.to)?)))
    }

    /// The groups of nodes restricted to the same audiences, in the order their audience sets
    /// first appear: (audiences, node indexes). Nodes for everyone are in no group.
    pub fn audience_groups(&self) -> Vec<(Vec<String>, Vec<usize>)> {
        let mut groups: Vec<(Vec<String>, Vec<usize>)> = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if node.audiences.is_empty() {
                continue;
            }
            let key = self.audience_order(&node.audiences);
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, members)) => members.push(i),
                None => groups.push((key, vec![i])),
            }
        }
        groups
    }

    /// Audience names in declaration order (undeclared ones last, as written), without
    /// repeats: `for dependent, member` and `for member, dependent` are one group.
    pub fn audience_order(&self, names: &[String]) -> Vec<String> {
        let mut out: Vec<String> = self
            .audiences
            .iter()
            .filter(|a| names.contains(&a.name))
            .map(|a| a.name.clone())
            .collect();
        for name in names {
            if !out.contains(name) {
                out.push(name.clone());
            }
        }
        out
    }

    /// `for member, dependent`.
    pub fn group_title(&self, audiences: &[String]) -> String {
        let named: Vec<String> = audiences
            .iter()
            .map(|name| {
                match self
                    .audiences
                    .iter()
                    .find(|a| &a.name == name && !a.label.is_empty())
                {
                    Some(a) => format!("{name} ({})", a.label),
                    None => name.clone(),
                }
            })
            .collect();
        format!("for {}", named.join(", "))
    }

    /// The index of a declared audience (for its colour).
    pub fn audience_index(&self, name: &str) -> Option<usize> {
        self.audiences.iter().position(|a| a.name == name)
    }
}

fn has_examples(intent: &ast::Intent) -> bool {
    intent
        .body
        .stmts
        .iter()
        .any(|n| matches!(&n.kind, IntentStmt::Examples(list) if !list.is_empty()))
}

#[derive(Default)]
struct Builder {
    graph: Graph,
    flows: HashMap<String, usize>,
    templates: HashMap<String, usize>,
    ids: HashSet<String>,
    /// `handoff`, `end` and undefined names, once each.
    others: HashMap<(NodeKind, String), usize>,
    /// Step edges already drawn: two `goto X` in one intent are one arrow.
    steps: HashSet<(usize, usize, Option<String>)>,
}

impl Builder {
    fn node(&mut self, kind: NodeKind, name: &str, audiences: &[ast::Name]) -> usize {
        let id = self.unique_id(kind, name);
        self.graph.nodes.push(Node {
            id,
            kind,
            name: name.to_string(),
            audiences: audiences.iter().map(|a| a.text.clone()).collect(),
            free_text: false,
            unreachable: false,
            broken: false,
            errors: Vec::new(),
        });
        self.graph.nodes.len() - 1
    }

    /// `menu_welcome`, `intent_billing`; other characters than ASCII letters and digits become
    /// their code point (`menu_men_ufa_principal`), and a clash gets a number.
    fn unique_id(&mut self, kind: NodeKind, name: &str) -> String {
        let mut base = match kind {
            // `end` is a keyword in Mermaid and DOT: never an id on its own.
            NodeKind::Start | NodeKind::Handoff | NodeKind::End => format!("bot_{}", kind.word()),
            _ => format!("{}_", kind.word()),
        };
        if !matches!(kind, NodeKind::Start | NodeKind::Handoff | NodeKind::End) {
            for c in name.chars() {
                if c.is_ascii_alphanumeric() || c == '_' {
                    base.push(c);
                } else {
                    base.push_str(&format!("_u{:x}_", c as u32));
                }
            }
        }
        let mut id = base.clone();
        let mut n = 2;
        while self.ids.contains(&id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        self.ids.insert(id.clone());
        id
    }

    /// The node a target leads to, made on first use for `handoff`, `end` and undefined names.
    fn target(&mut self, target: &Target) -> usize {
        let (kind, name) = match target {
            Target::Named(name) => match self.flows.get(&name.text) {
                Some(&at) => return at,
                None => (NodeKind::Undefined, name.text.as_str()),
            },
            Target::Handoff(_) => (NodeKind::Handoff, "handoff"),
            Target::End(_) => (NodeKind::End, "end"),
        };
        if let Some(&at) = self.others.get(&(kind, name.to_string())) {
            return at;
        }
        let at = self.node(kind, name, &[]);
        self.others.insert((kind, name.to_string()), at);
        at
    }

    fn edge(&mut self, from: usize, to: usize, kind: EdgeKind, label: Option<String>) {
        if kind == EdgeKind::Step && !self.steps.insert((from, to, label.clone())) {
            return;
        }
        self.graph.edges.push(Edge {
            from,
            to,
            kind,
            label,
            sets_audience: None,
        });
    }

    fn edges(&mut self, cx: &Context, start: usize) {
        if let Some(bot) = cx.bot {
            let restricted = bot.settings.stmts.iter().any(
                |n| matches!(&n.kind, Setting::Start { audiences, .. } if !audiences.is_empty()),
            );
            for node in &bot.settings.stmts {
                let Setting::Start { target, audiences } = &node.kind else {
                    continue;
                };
                let to = self.target(target);
                let label = if !audiences.is_empty() {
                    let names: Vec<&str> = audiences.iter().map(|a| a.text.as_str()).collect();
                    Some(format!("for {}", names.join(", ")))
                } else if restricted {
                    Some("everyone else".to_string())
                } else {
                    None
                };
                self.edge(start, to, EdgeKind::Start, label);
            }
        }
        for flow in cx.flows.values() {
            let Some(&from) = self.flows.get(&flow.name().text) else {
                continue;
            };
            if let Flow::Menu(menu) = flow {
                for node in &menu.body.stmts {
                    let MenuStmt::Option(option) = &node.kind else {
                        continue;
                    };
                    let to = self.target(&option.target);
                    self.edge(from, to, EdgeKind::Option, Some(option.label.value.clone()));
                    if let (Some(edge), Some(sets)) =
                        (self.graph.edges.last_mut(), &option.sets_audience)
                    {
                        edge.sets_audience = Some(match sets {
                            ast::AudienceRef::Named(name) => name.text.clone(),
                            ast::AudienceRef::None(_) => "none".to_string(),
                        });
                    }
                }
            }
            let mut steps = Vec::new();
            each_step(&top_steps(*flow), &mut |step, _| steps.push(step));
            for step in steps {
                match step {
                    Step::Goto(target) => {
                        let to = self.target(target);
                        self.edge(from, to, EdgeKind::Step, None);
                    }
                    Step::Handoff(team) => {
                        let to = self.target(&Target::Handoff(Span::default()));
                        let team = team.as_ref().map(|t| t.value.clone());
                        self.edge(from, to, EdgeKind::Step, team);
                    }
                    Step::End => {
                        let to = self.target(&Target::End(Span::default()));
                        self.edge(from, to, EdgeKind::Step, None);
                    }
                    _ => {}
                }
            }
        }
        for template in cx.templates.values() {
            let Some(&from) = self.templates.get(&template.name.text) else {
                continue;
            };
            for node in &template.body.stmts {
                if let TemplateStmt::Button {
                    label,
                    target: Some(target),
                } = &node.kind
                {
                    let to = self.target(target);
                    self.edge(from, to, EdgeKind::Button, Some(label.value.clone()));
                }
            }
        }
    }

    /// Marks unreachable nodes (W0401) and nodes with errors: an error belongs to the item its
    /// primary label falls in; whole-bot errors (at the `bot` line, or line 1 when there is no
    /// `bot`) belong to `start`.
    fn problems(
        &mut self,
        cx: &Context,
        files: &[ast::File],
        diagnostics: &[Diagnostic],
        start: usize,
    ) {
        let mut places: Vec<(Span, usize)> = Vec::new();
        let mut broken_places = Vec::new();
        for file in files {
            for item in &file.items {
                let at = match &item.kind {
                    Item::Bot(_) => Some(start),
                    Item::Menu(m) => self.flows.get(&m.name.text).copied(),
                    Item::Intent(i) => self.flows.get(&i.name.text).copied(),
                    Item::Template(t) => self.templates.get(&t.name.text).copied(),
                    Item::Audience(_) | Item::Test(_) => None,
                };
                if let Some(at) = at {
                    places.push((item.span, at));
                }
            }
            for broken in &file.broken {
                let at = match broken.keyword.as_str() {
                    "bot" => Some(start),
                    "template" => broken
                        .name
                        .as_ref()
                        .and_then(|n| self.templates.get(n))
                        .copied(),
                    _ => broken
                        .name
                        .as_ref()
                        .and_then(|n| self.flows.get(n))
                        .copied(),
                };
                if let Some(at) = at {
                    broken_places.push((broken.span, at));
                }
            }
        }
        // Items do not overlap: the one that holds a span is the last to start before it. A
        // broken item is known by its first line only: it runs to where the next item starts.
        let broken_from = places.len();
        places.extend(broken_places);
        let mut order: Vec<(Span, usize, bool)> = places
            .into_iter()
            .enumerate()
            .map(|(k, (span, at))| (span, at, k >= broken_from))
            .collect();
        order.sort_by_key(|(span, _, _)| (span.file, span.start));
        let next_starts: Vec<Option<(crate::source::FileId, u32)>> = order
            .iter()
            .skip(1)
            .map(|(span, _, _)| Some((span.file, span.start)))
            .chain([None])
            .collect();
        let places: Vec<(Span, usize)> = order
            .into_iter()
            .zip(next_starts)
            .map(|((mut span, at, broken), next)| {
                if broken {
                    span.end = match next {
                        Some((file, start)) if file == span.file => start,
                        _ => u32::MAX,
                    };
                }
                (span, at)
            })
            .collect();
        for d in diagnostics {
            let span = d.primary.span;
            let place = if span == cx.bot_span {
                Some(start)
            } else {
                let after = places.partition_point(|(item, _)| {
                    (item.file, item.start) <= (span.file, span.start)
                });
                after
                    .checked_sub(1)
                    .and_then(|i| places.get(i))
                    .filter(|(item, _)| item.file == span.file && span.end <= item.end)
                    .map(|&(_, at)| at)
            };
            let is_unreachable = d.code == "W0401";
            match (place, d.severity) {
                (Some(at), Severity::Warning) if is_unreachable => {
                    if let Some(node) = self.graph.nodes.get_mut(at) {
                        node.unreachable = true;
                    }
                }
                (Some(at), Severity::Error) => {
                    if let Some(node) = self.graph.nodes.get_mut(at) {
                        node.errors.push(format!("{}: {}", d.code, d.message));
                    }
                }
                (None, Severity::Error) => self.graph.errors_elsewhere += 1,
                _ => {}
            }
        }
    }
}

/// Fill and stroke of each audience's group, in declaration order (repeating after eight).
pub const AUDIENCE_COLOURS: [(&str, &str); 8] = [
    ("#dbeafe", "#2563eb"),
    ("#ffedd5", "#ea580c"),
    ("#dcfce7", "#16a34a"),
    ("#f3e8ff", "#9333ea"),
    ("#fce7f3", "#db2777"),
    ("#fef9c3", "#ca8a04"),
    ("#ccfbf1", "#0d9488"),
    ("#e7e5e4", "#57534e"),
];

/// The colours of an audience (grey for one that is not declared).
pub fn audience_colour(graph: &Graph, name: &str) -> (&'static str, &'static str) {
    graph
        .audience_index(name)
        .and_then(|i| AUDIENCE_COLOURS.get(i % AUDIENCE_COLOURS.len()))
        .copied()
        .unwrap_or(("#f1f5f9", "#64748b"))
}

/// A label as one line of plain text: line breaks and other control characters become spaces
/// (no format here takes them raw, and XML 1.0 refuses most of them even escaped), as do the
/// two non-characters XML refuses.
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' {
                ' '
            } else {
                c
            }
        })
        .collect()
}
