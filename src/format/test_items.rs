//! The `test` item and its lines: `contact { }`, `mock`, `user`, `expect`, `bot`,
//! `agent releases`.

use super::lists::Entry;
use super::printer::Printer;
use crate::ast::{ContactField, Expect, Mock, MockAnswer, Node, Test, TestStmt};

impl Printer<'_> {
    pub(super) fn test(&mut self, test: &Test) {
        self.push("test ");
        self.literal(&test.name);
        self.push(" {");
        self.block(&test.body, &[], Self::test_stmt);
    }

    fn test_stmt(&mut self, node: &Node<TestStmt>) {
        match &node.kind {
            TestStmt::Contact(fields) => {
                let entries: Vec<Entry> = fields.iter().map(|f| self.contact_field(f)).collect();
                // The braces are the first `{` and the last character of the line's span.
                let start = node.span.start as usize;
                let end = self.code_end(node.span);
                let open = self
                    .between(start, end)
                    .find('{')
                    .map_or(start, |p| start + p + 1);
                self.push("contact ");
                self.braced(&entries, open, end.saturating_sub(1), false);
            }
            TestStmt::Mock(mock) => self.mock(mock),
            TestStmt::User(text) => {
                self.push("user ");
                self.literal(text);
            }
            TestStmt::Expect(expect) => {
                self.push("expect ");
                match expect {
                    Expect::Menu(name) => {
                        self.push("menu ");
                        self.name(name);
                    }
                    Expect::Intent(name) => {
                        self.push("intent ");
                        self.name(name);
                    }
                    Expect::Audience(audience) => {
                        self.push("audience ");
                        self.audience_ref(audience);
                    }
                    Expect::Handoff => self.push("handoff"),
                    Expect::End => self.push("end"),
                    Expect::OptIn => self.push("opt_in"),
                    Expect::OptOut => self.push("opt_out"),
                    Expect::Fallback => self.push("fallback"),
                }
            }
            TestStmt::Bot { contains, text } => {
                self.push(if *contains { "bot contains " } else { "bot " });
                self.literal(text);
            }
            TestStmt::AgentReleases => self.push("agent releases"),
        }
    }

    /// One `contact { }` entry; its place in the source is its value's (no comment can stand
    /// between a word and its value).
    fn contact_field(&self, field: &ContactField) -> Entry {
        let (word, span) = match field {
            ContactField::Name(s) => ("name", s.span),
            ContactField::Phone(s) => ("phone", s.span),
            ContactField::Audience(a) => ("audience", a.span()),
            ContactField::Language(tag) => ("language", tag.span),
        };
        Entry {
            text: format!("{word} {}", self.text(span)),
            start: span.start as usize,
            end: span.end as usize,
        }
    }

    fn mock(&mut self, mock: &Mock) {
        self.push("mock ");
        self.push(mock.method.as_str());
        self.push(" ");
        self.literal(&mock.url);
        match &mock.answer {
            MockAnswer::Fails => self.push(" fails"),
            MockAnswer::Returns { status, body } => {
                self.push(" returns");
                if let Some((_, span)) = status {
                    let written = self.text(*span);
                    self.push(" ");
                    self.push(written);
                }
                if let Some(body) = body {
                    self.push(" ");
                    self.literal(body);
                }
            }
        }
    }
}
