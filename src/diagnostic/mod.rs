//! Diagnostics: what charla tells the author, in one shape for every stage.
//!
//! Each stage has its own typed error enum with a `to_diagnostic`; this module holds the shared
//! shape and the renderers (people, JSON, GitHub annotations, SARIF).

pub mod codes;
mod did_you_mean;
mod render;
mod sarif;

pub use did_you_mean::did_you_mean;
pub use render::{render_github, render_human, render_json, Summary};
pub use sarif::Sarif;

use crate::source::Span;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A place in the source and what to say about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One problem found in a bot.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    /// One line, lowercase, no final period, user text in backticks.
    pub message: String,
    /// Where to change the source.
    pub primary: Label,
    /// The other party: "first defined here", "the menu is restricted here".
    pub secondary: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
    /// A fix by one word: the name a "did you mean" suggests instead of the one written.
    /// Editors offer it as a quick fix; the text formats do not print it (the help says it).
    pub replacement: Option<Replacement>,
}

/// Write `with` instead of the word `written`, the first time it occurs in the primary
/// label's span (which may be wider: a whole `{{ placeholder }}`).
#[derive(Debug, Clone, PartialEq)]
pub struct Replacement {
    pub written: String,
    pub with: String,
}

impl Diagnostic {
    /// A diagnostic with the severity its code is registered with.
    pub fn new(
        code: &'static str,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        let severity = codes::find(code).map_or(Severity::Error, |c| c.severity);
        Diagnostic {
            code,
            severity,
            message: message.into(),
            primary: Label {
                span,
                message: label.into(),
            },
            secondary: Vec::new(),
            help: None,
            replacement: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_optional_help(mut self, help: Option<String>) -> Diagnostic {
        self.help = help;
        self
    }

    /// The fix "write `with` instead of `written`", when there is a suggestion.
    pub fn with_replacement(mut self, written: &str, with: Option<&str>) -> Diagnostic {
        self.replacement = with.map(|with| Replacement {
            written: written.to_string(),
            with: with.to_string(),
        });
        self
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Where the replacement goes, given the text of the primary label's file: the one
    /// whole-word occurrence of `written` in the primary span. `None` without a replacement,
    /// or when the word is not there or is there more than once: the span may be wider than
    /// the word (a whole raw text, a condition), and then which occurrence is the misspelt
    /// name cannot be told from the text alone.
    pub fn replacement_span(&self, text: &str) -> Option<Span> {
        let word = &self.replacement.as_ref()?.written;
        let span = self.primary.span;
        let inside = text.get(span.start as usize..span.end as usize)?;
        let is_word = |c: char| c.is_alphanumeric() || c == '_';
        let mut found = inside.match_indices(word.as_str()).filter(|(at, _)| {
            let before = inside[..*at].chars().next_back();
            let after = inside[at + word.len()..].chars().next();
            !before.is_some_and(is_word) && !after.is_some_and(is_word)
        });
        let (at, _) = found.next()?;
        if found.next().is_some() {
            return None;
        }
        let start = span.start as usize + at;
        Some(Span::new(span.file, start, start + word.len()))
    }
}

/// Sorts diagnostics into source order (file, position, code) so output is stable.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (
            a.primary.span.file,
            a.primary.span.start,
            a.primary.span.end,
            a.code,
        )
            .cmp(&(
                b.primary.span.file,
                b.primary.span.start,
                b.primary.span.end,
                b.code,
            ))
    });
}
