//! Completion: the names of the bot (menus, intents, audiences, templates), keywords, business
//! and message categories from the policy, `ask` types and HTTP methods, chosen by what the
//! line says before the cursor.
//!
//! The text being typed rarely parses, so the place is read with a small scanner over the
//! editor's text (strings, comments, braces, the words of the line) rather than from the
//! syntax tree; the names come from the last analysis of the bot, which may be a few edits
//! old (they change rarely, and a large bot takes a while to compile).

use super::index::{Declares, Index};
use crate::policy::Policy;
use crate::syntax::words::{
    CONTACT, EXPECT, INTENT_ONLY, ITEMS, MENU, SETTINGS, STEPS, TEMPLATE, TEST,
};
use lsp_types::{CompletionItem, CompletionItemKind};

const ASK_TYPES: &[&str] = &[
    "text", "number", "digits", "date", "email", "phone", "rating", "yes_no", "choice",
];
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

/// The kind of block the cursor is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Bot,
    Menu,
    Intent,
    Template,
    Test,
    /// `if`, `else` and a call's `else`: steps.
    Steps,
    Contact,
    With,
    Other,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Arrow,
    Comma,
    Str,
    Other,
}

/// Where the cursor is, as far as completion cares.
#[derive(Debug)]
struct Place {
    /// Inside a string or a comment: nothing to complete.
    quiet: bool,
    blocks: Vec<Block>,
    /// The tokens of the statement before the word being typed.
    tokens: Vec<Token>,
}

/// The completions at a byte offset of a document's text.
pub fn complete(
    text: &str,
    offset: usize,
    index: Option<&Index>,
    policy: &Policy,
) -> Vec<CompletionItem> {
    let before = text.get(..offset).unwrap_or(text);
    let place = scan(before);
    if place.quiet {
        return Vec::new();
    }
    let mut out = Items::default();
    let names = Names { index };
    let words: Vec<&str> = place
        .tokens
        .iter()
        .filter_map(|t| match t {
            Token::Word(w) => Some(w.as_str()),
            _ => None,
        })
        .collect();
    let block = place.blocks.last().copied();
    match (place.tokens.last(), words.as_slice()) {
        (Some(Token::Arrow), _) => targets(&mut out, &names),
        (_, [.., "goto"]) | (_, ["start"]) => targets(&mut out, &names),
        (_, [.., "sets"]) => out.keywords(&["audience"]),
        (_, [.., "sets" | "set" | "expect", "audience"]) => audiences(&mut out, &names, true),
        (_, ["audience"]) if block == Some(Block::Contact) => audiences(&mut out, &names, true),
        (_, ["set"]) => out.keywords(&["audience", "opt_in", "opt_out"]),
        (_, ["expect"]) => out.keywords(EXPECT),
        (_, ["expect", "menu"]) => names.add(&mut out, Some(Declares::Menu)),
        (_, ["expect", "intent"]) => names.add(&mut out, Some(Declares::Intent)),
        (_, ["business"]) => business(&mut out, policy),
        (_, ["category"]) => categories(&mut out, policy, block),
        (_, ["policy"]) => out.values(&["whatsapp"], "built-in policy"),
        (_, ["call" | "mock"]) => out.values(METHODS, "HTTP method"),
        (_, ["ask", _, ..]) if words.last() == Some(&"as") => {
            out.values(ASK_TYPES, "answer type");
        }
        _ if in_for_clause(&place.tokens) => audiences(&mut out, &names, false),
        (None, _) => statement_start(&mut out, block),
        _ => {
            names.add(&mut out, None);
            out.keywords(crate::syntax::KEYWORDS);
        }
    }
    out.0
}

/// `for a, b, |` or `for |`: audience names.
fn in_for_clause(tokens: &[Token]) -> bool {
    let Some(at) = tokens
        .iter()
        .rposition(|t| *t == Token::Word("for".to_string()))
    else {
        return false;
    };
    let after = tokens.get(at + 1..).unwrap_or_default();
    after.is_empty() || after.last() == Some(&Token::Comma)
}

fn statement_start(out: &mut Items, block: Option<Block>) {
    match block {
        None => out.keywords(ITEMS),
        Some(Block::Bot) => out.keywords(SETTINGS),
        Some(Block::Menu) => out.keywords(MENU),
        Some(Block::Intent) => {
            out.keywords(INTENT_ONLY);
            out.keywords(STEPS);
        }
        Some(Block::Steps) => out.keywords(STEPS),
        Some(Block::Template) => out.keywords(TEMPLATE),
        Some(Block::Test) => out.keywords(TEST),
        Some(Block::Contact) => out.keywords(CONTACT),
        Some(Block::With | Block::Other) => {}
    }
}

fn targets(out: &mut Items, names: &Names) {
    names.add(out, Some(Declares::Menu));
    names.add(out, Some(Declares::Intent));
    out.keywords(&["handoff", "end"]);
}

fn audiences(out: &mut Items, names: &Names, none: bool) {
    names.add(out, Some(Declares::Audience));
    if none {
        out.keywords(&["none"]);
    }
}

fn business(out: &mut Items, policy: &Policy) {
    for category in &policy.business_allowed {
        out.push(
            category,
            CompletionItemKind::ENUM_MEMBER,
            "business category".to_string(),
        );
    }
    for category in &policy.business_needs_approval {
        out.push(
            category,
            CompletionItemKind::ENUM_MEMBER,
            "business category: needs an `approval` reference".to_string(),
        );
    }
}

fn categories(out: &mut Items, policy: &Policy, block: Option<Block>) {
    // An intent's category is the category of its replies: only `customer_care` fits there.
    if block == Some(Block::Intent) {
        out.push(
            "customer_care",
            CompletionItemKind::ENUM_MEMBER,
            "message category".to_string(),
        );
        return;
    }
    for category in policy
        .message_allowed
        .iter()
        .filter(|c| *c != "customer_care")
    {
        let detail = match crate::policy::whatsapp_category(category) {
            Some(w) => format!("message category (WhatsApp: {w})"),
            None => "message category".to_string(),
        };
        out.push(category, CompletionItemKind::ENUM_MEMBER, detail);
    }
}

/// Completion items, each label once (a set, as a large bot has thousands of names).
#[derive(Default)]
struct Items(Vec<CompletionItem>, std::collections::HashSet<String>);

impl Items {
    fn push(&mut self, label: &str, kind: CompletionItemKind, detail: String) {
        if !self.1.insert(label.to_string()) {
            return;
        }
        self.0.push(CompletionItem {
            label: label.to_string(),
            kind: Some(kind),
            detail: Some(detail),
            ..CompletionItem::default()
        });
    }

    fn keywords(&mut self, words: &[&str]) {
        for word in words {
            self.push(word, CompletionItemKind::KEYWORD, "keyword".to_string());
        }
    }

    fn values(&mut self, words: &[&str], detail: &str) {
        for word in words {
            self.push(word, CompletionItemKind::VALUE, detail.to_string());
        }
    }
}

struct Names<'a> {
    index: Option<&'a Index>,
}

impl Names<'_> {
    /// The declared names of one kind (every kind for `None`).
    fn add(&self, out: &mut Items, only: Option<Declares>) {
        let Some(index) = self.index else {
            return;
        };
        for (occurrence, declares) in index.declarations() {
            if only.is_some_and(|o| o != declares) {
                continue;
            }
            let kind = match declares {
                Declares::Menu => CompletionItemKind::ENUM,
                Declares::Intent => CompletionItemKind::FUNCTION,
                Declares::Audience => CompletionItemKind::CLASS,
                Declares::Template => CompletionItemKind::STRUCT,
            };
            out.push(&occurrence.name, kind, declares.word().to_string());
        }
    }
}

/// Reads the text before the cursor: strings, raw strings, comments and braces, and the
/// tokens of the statement the cursor is in. Never fails: unclosed things stay open.
fn scan(before: &str) -> Place {
    let mut blocks: Vec<Block> = Vec::new();
    let mut line: Vec<Token> = Vec::new();
    let mut quiet = false;
    let mut chars = before.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        quiet = false;
        match c {
            '\n' => {
                // A statement goes on after a trailing comma (`examples "a",`).
                if line.last() != Some(&Token::Comma) {
                    line.clear();
                }
            }
            '#' => {
                quiet = true;
                for (_, c) in chars.by_ref() {
                    if c == '\n' {
                        quiet = false;
                        line.clear();
                        break;
                    }
                }
            }
            '"' if before.get(i..).is_some_and(|s| s.starts_with("\"\"\"")) => {
                chars.next();
                chars.next();
                quiet = true;
                while let Some((j, _)) = chars.next() {
                    if before.get(j..).is_some_and(|s| s.starts_with("\"\"\"")) {
                        chars.next();
                        chars.next();
                        quiet = false;
                        break;
                    }
                }
                line.push(Token::Str);
            }
            '"' => {
                quiet = true;
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '"' => {
                            quiet = false;
                            break;
                        }
                        // An unclosed string ends at the line's end (a syntax error).
                        '\n' => {
                            quiet = false;
                            line.clear();
                            break;
                        }
                        _ => {}
                    }
                }
                line.push(Token::Str);
            }
            '{' => {
                blocks.push(block_of(&line));
                line.clear();
            }
            '}' => {
                blocks.pop();
                line.clear();
            }
            '-' if chars.peek().is_some_and(|(_, c)| *c == '>') => {
                chars.next();
                line.push(Token::Arrow);
            }
            ',' => line.push(Token::Comma),
            c if is_word(c) => {
                let mut end = i + c.len_utf8();
                while let Some(&(j, c)) = chars.peek() {
                    if !is_word(c) {
                        break;
                    }
                    end = j + c.len_utf8();
                    chars.next();
                }
                line.push(Token::Word(before.get(i..end).unwrap_or("").to_string()));
            }
            c if c.is_whitespace() => {}
            _ => line.push(Token::Other),
        }
    }
    // The word under the cursor is being typed: it is not part of the context.
    if before.chars().next_back().is_some_and(is_word) {
        line.pop();
    }
    Place {
        quiet,
        blocks,
        tokens: line,
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// What a `{` opens, from the words before it on its line.
fn block_of(line: &[Token]) -> Block {
    let words: Vec<&str> = line
        .iter()
        .filter_map(|t| match t {
            Token::Word(w) => Some(w.as_str()),
            _ => None,
        })
        .collect();
    match (words.first(), words.last()) {
        (_, Some(&"with")) => Block::With,
        (Some(&"contact"), _) => Block::Contact,
        (Some(&"bot"), _) => Block::Bot,
        (Some(&"menu"), _) => Block::Menu,
        (Some(&"intent"), _) => Block::Intent,
        (Some(&"template"), _) => Block::Template,
        (Some(&"test"), _) => Block::Test,
        (Some(&("if" | "else" | "call")), _) => Block::Steps,
        _ => Block::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(text: &str) -> Vec<String> {
        complete(text, text.len(), None, &crate::policy::whatsapp())
            .into_iter()
            .map(|i| i.label)
            .collect()
    }

    #[test]
    fn statement_starts_offer_the_words_of_their_block() {
        assert!(labels("").contains(&"menu".to_string()));
        assert!(labels("bot \"x\" {\n  bu").contains(&"business".to_string()));
        assert!(labels("menu m {\n  ").contains(&"option".to_string()));
        assert!(!labels("menu m {\n  ").contains(&"goto".to_string()));
        assert!(labels("intent i {\n  if x {\n    ").contains(&"goto".to_string()));
        assert!(labels("test \"t\" {\n  contact { name \"A\"\n    ").contains(&"phone".to_string()));
    }

    #[test]
    fn values_follow_their_keyword() {
        assert!(labels("bot \"x\" {\n  business fit").contains(&"fitness".to_string()));
        assert!(!labels("bot \"x\" {\n  business ").contains(&"gambling".to_string()));
        assert!(labels("template t {\n  category ").contains(&"notification".to_string()));
        assert_eq!(
            labels("intent i {\n  category "),
            vec!["customer_care".to_string()]
        );
        assert!(labels("intent i {\n  ask x \"q\" as ").contains(&"yes_no".to_string()));
        assert!(labels("intent i {\n  call ").contains(&"PATCH".to_string()));
    }

    #[test]
    fn nothing_inside_strings_and_comments() {
        assert!(labels("menu m {\n  say \"hel").is_empty());
        assert!(labels("# a comm").is_empty());
        assert!(!labels("# a comment\n").is_empty());
        assert!(labels("x \"\"\"\nraw te").is_empty());
    }
}
