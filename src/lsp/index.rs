//! Every place a menu, intent, audience or template is named in a bot: declarations and
//! references, from the syntax trees (so a bot with errors is still navigable). Definition,
//! references, hover and completion all look names up here.

use crate::ast::{
    AudienceRef, ContactField, Else, Expect, File, IntentStmt, Item, MenuStmt, Name, Setting, Step,
    Target, TemplateStmt, TestStmt,
};
use crate::source::{FileId, SourceFile, Span};

/// The sets of names of LANGUAGE.md section 2 that the server navigates: menus and intents
/// share one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Space {
    Flow,
    Audience,
    Template,
}

/// What a declaration declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declares {
    Menu,
    Intent,
    Audience,
    Template,
}

impl Declares {
    pub fn space(self) -> Space {
        match self {
            Declares::Menu | Declares::Intent => Space::Flow,
            Declares::Audience => Space::Audience,
            Declares::Template => Space::Template,
        }
    }

    pub fn word(self) -> &'static str {
        match self {
            Declares::Menu => "menu",
            Declares::Intent => "intent",
            Declares::Audience => "audience",
            Declares::Template => "template",
        }
    }

    fn from_keyword(keyword: &str) -> Option<Declares> {
        Some(match keyword {
            "menu" => Declares::Menu,
            "intent" => Declares::Intent,
            "audience" => Declares::Audience,
            "template" => Declares::Template,
            _ => return None,
        })
    }
}

/// One place a name is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Occurrence {
    pub space: Space,
    pub name: String,
    pub span: Span,
    /// `Some` where the name is declared; `None` where it is referred to.
    pub declares: Option<Declares>,
    /// The declaration is an item that does not parse (its name was read from its first line).
    pub broken: bool,
}

#[derive(Debug, Default)]
pub struct Index {
    /// In file order, then source order within a file.
    pub occurrences: Vec<Occurrence>,
}

impl Index {
    pub fn build(sources: &[SourceFile], files: &[File]) -> Index {
        let mut walk = Walk::default();
        for file in files {
            for node in &file.items {
                walk.item(&node.kind);
            }
            let text = sources
                .get(file.id.0 as usize)
                .map_or("", |s| s.text.as_str());
            for broken in &file.broken {
                walk.broken(file.id, text, broken);
            }
        }
        let audiences: Vec<String> = walk
            .out
            .iter()
            .filter(|o| o.declares == Some(Declares::Audience))
            .map(|o| o.name.clone())
            .collect();
        for condition in std::mem::take(&mut walk.conditions) {
            let text = sources
                .get(condition.file.0 as usize)
                .and_then(|s| s.text.get(condition.range()))
                .unwrap_or("");
            walk.out
                .extend(audience_strings(condition, text, &audiences));
        }
        let mut occurrences = walk.out;
        occurrences.sort_by_key(|o| (o.span.file, o.span.start));
        Index { occurrences }
    }

    /// The name under a byte offset (its end included, where the cursor rests after typing).
    pub fn at(&self, file: FileId, offset: usize) -> Option<&Occurrence> {
        let offset = offset as u32;
        self.occurrences
            .iter()
            .find(|o| o.span.file == file && o.span.start <= offset && offset <= o.span.end)
    }

    /// Where a name is declared: the first declaration that parsed, else a broken one.
    pub fn declaration(&self, space: Space, name: &str) -> Option<&Occurrence> {
        let mut found = self
            .occurrences
            .iter()
            .filter(|o| o.space == space && o.name == name && o.declares.is_some());
        let first = found.next()?;
        if !first.broken {
            return Some(first);
        }
        Some(found.find(|o| !o.broken).unwrap_or(first))
    }

    /// Every occurrence of a name, declarations included.
    pub fn all<'a>(&'a self, space: Space, name: &'a str) -> impl Iterator<Item = &'a Occurrence> {
        self.occurrences
            .iter()
            .filter(move |o| o.space == space && o.name == name)
    }

    /// Every declaration, in source order.
    pub fn declarations(&self) -> impl Iterator<Item = (&Occurrence, Declares)> {
        self.occurrences
            .iter()
            .filter_map(|o| o.declares.map(|d| (o, d)))
    }
}

/// An audience named as a string in a condition about the contact's audience
/// (`contact.audience == "member"`): the quoted text of each string that is exactly an audience's
/// name, in a condition that mentions `contact.audience`. References and rename include these,
/// so renaming an audience does not silently change what a condition means.
fn audience_strings(condition: Span, text: &str, audiences: &[String]) -> Vec<Occurrence> {
    if !text.contains("contact.audience") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut chars = text.char_indices();
    while let Some((open, quote)) = chars.next() {
        if quote != '"' && quote != '\'' {
            continue;
        }
        // A string with an escape is never just a name; its end is still found past the escape.
        let (mut escaped, mut skip, mut close) = (false, false, None);
        for (i, c) in chars.by_ref() {
            if skip {
                skip = false;
            } else if c == '\\' {
                (escaped, skip) = (true, true);
            } else if c == quote {
                close = Some(i);
                break;
            }
        }
        let Some(close) = close else { break };
        let inner = &text[open + 1..close];
        if !escaped && audiences.iter().any(|a| a == inner) {
            let start = condition.start as usize + open + 1;
            out.push(Occurrence {
                space: Space::Audience,
                name: inner.to_string(),
                span: Span::new(condition.file, start, start + inner.len()),
                declares: None,
                broken: false,
            });
        }
    }
    out
}

#[derive(Default)]
struct Walk {
    out: Vec<Occurrence>,
    /// The `if` conditions seen: where audiences may be named as strings.
    conditions: Vec<Span>,
}

impl Walk {
    fn declare(&mut self, declares: Declares, name: &Name) {
        self.out.push(Occurrence {
            space: declares.space(),
            name: name.text.clone(),
            span: name.span,
            declares: Some(declares),
            broken: false,
        });
    }

    fn refer(&mut self, space: Space, name: &Name) {
        self.out.push(Occurrence {
            space,
            name: name.text.clone(),
            span: name.span,
            declares: None,
            broken: false,
        });
    }

    fn audiences(&mut self, names: &[Name]) {
        for name in names {
            self.refer(Space::Audience, name);
        }
    }

    fn target(&mut self, target: &Target) {
        if let Target::Named(name) = target {
            self.refer(Space::Flow, name);
        }
    }

    fn audience_ref(&mut self, audience: &AudienceRef) {
        if let AudienceRef::Named(name) = audience {
            self.refer(Space::Audience, name);
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Bot(bot) => {
                for node in &bot.settings.stmts {
                    if let Setting::Start { target, audiences } = &node.kind {
                        self.target(target);
                        self.audiences(audiences);
                    }
                }
            }
            Item::Audience(a) => self.declare(Declares::Audience, &a.name),
            Item::Menu(m) => {
                self.declare(Declares::Menu, &m.name);
                self.audiences(&m.audiences);
                for node in &m.body.stmts {
                    match &node.kind {
                        MenuStmt::Option(o) => {
                            self.target(&o.target);
                            if let Some(a) = &o.sets_audience {
                                self.audience_ref(a);
                            }
                        }
                        MenuStmt::Step(s) => self.step(s),
                    }
                }
            }
            Item::Intent(i) => {
                self.declare(Declares::Intent, &i.name);
                self.audiences(&i.audiences);
                for node in &i.body.stmts {
                    if let IntentStmt::Step(s) = &node.kind {
                        self.step(s);
                    }
                }
            }
            Item::Template(t) => {
                self.declare(Declares::Template, &t.name);
                for node in &t.body.stmts {
                    if let TemplateStmt::Button {
                        target: Some(target),
                        ..
                    } = &node.kind
                    {
                        self.target(target);
                    }
                }
            }
            Item::Test(t) => {
                for node in &t.body.stmts {
                    match &node.kind {
                        TestStmt::Contact(fields) => {
                            for field in fields {
                                if let ContactField::Audience(a) = field {
                                    self.audience_ref(a);
                                }
                            }
                        }
                        TestStmt::Expect(Expect::Menu(name) | Expect::Intent(name)) => {
                            self.refer(Space::Flow, name);
                        }
                        TestStmt::Expect(Expect::Audience(a)) => self.audience_ref(a),
                        _ => {}
                    }
                }
            }
        }
    }

    fn step(&mut self, step: &Step) {
        match step {
            Step::SetAudience(a) => self.audience_ref(a),
            Step::Goto(target) => self.target(target),
            Step::If(branch) => {
                self.conditions.push(branch.condition.span);
                for node in &branch.then.stmts {
                    self.step(&node.kind);
                }
                match &branch.otherwise {
                    Some(Else::Block(block)) => {
                        for node in &block.stmts {
                            self.step(&node.kind);
                        }
                    }
                    Some(Else::If(node)) => self.step(&node.kind),
                    None => {}
                }
            }
            Step::Call(call) => {
                for node in call.otherwise.iter().flat_map(|b| &b.stmts) {
                    self.step(&node.kind);
                }
            }
            _ => {}
        }
    }

    /// An item that does not parse still declares the name on its first line, so that going
    /// to it works while it is being typed.
    fn broken(&mut self, file: FileId, text: &str, broken: &crate::ast::BrokenItem) {
        let (Some(declares), Some(name)) = (
            Declares::from_keyword(&broken.keyword),
            broken.name.as_deref(),
        ) else {
            return;
        };
        let header = text.get(broken.span.range()).unwrap_or("");
        let after_keyword = header
            .find(broken.keyword.as_str())
            .map_or(0, |i| i + broken.keyword.len());
        // The name as written may differ from its NFC form; then the whole header is the span.
        let span = match header.get(after_keyword..).and_then(|rest| rest.find(name)) {
            Some(i) => {
                let start = broken.span.start as usize + after_keyword + i;
                Span::new(file, start, start + name.len())
            }
            None => broken.span,
        };
        self.out.push(Occurrence {
            space: declares.space(),
            name: name.to_string(),
            span,
            declares: Some(declares),
            broken: true,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::audience_strings;
    use crate::source::{FileId, Span};

    fn found(text: &str) -> Vec<(String, String)> {
        let condition = Span::new(FileId(0), 10, 10 + text.len());
        let audiences = ["member".to_string(), "gym".to_string()];
        audience_strings(condition, text, &audiences)
            .into_iter()
            .map(|o| {
                let at = o.span.start as usize - 10..o.span.end as usize - 10;
                (o.name, text[at].to_string())
            })
            .collect()
    }

    #[test]
    fn audiences_named_as_strings_in_conditions_about_the_audience() {
        let pair = |n: &str| (n.to_string(), n.to_string());
        assert_eq!(found(r#"contact.audience == "member""#), [pair("member")]);
        assert_eq!(
            found(r#"contact.audience in ['gym', "member", "other"]"#),
            [pair("gym"), pair("member")]
        );
        // Not about the audience, not exactly a name, or with an escape: left alone.
        assert!(found(r#"plan == "member""#).is_empty());
        assert!(found(r#"contact.audience == "members""#).is_empty());
        assert!(found(r#"contact.audience == "mem\"ber" or x == "member""#)
            .iter()
            .all(|(_, at)| at == "member"));
        assert!(found(r#"contact.audience == "unclosed"#).is_empty());
    }
}
