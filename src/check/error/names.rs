//! Name errors: duplicates, the missing or second `bot`, the missing plain `start`, and
//! references to menus, intents and audiences that do not exist.

use super::did_you_mean_help;
use crate::diagnostic::Diagnostic;
use crate::source::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum NameError {
    /// A second declaration of `name`; `first_kind` is what the first one is (a menu and an
    /// intent share one set of names).
    Duplicate {
        kind: &'static str,
        first_kind: &'static str,
        name: String,
        span: Span,
        first: Span,
    },
    NoBot {
        span: Span,
    },
    SecondBot {
        span: Span,
        first: Span,
    },
    NoPlainStart {
        span: Span,
    },
    UnknownTarget {
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    UnknownAudience {
        name: String,
        span: Span,
        suggestion: Option<String>,
    },
    /// `expect menu X` where `X` is an intent, or the other way round.
    ExpectWrongKind {
        name: String,
        span: Span,
        is: &'static str,
        expected: &'static str,
    },
    /// `expect menu X` / `expect intent X` where there is no such menu or intent.
    ExpectUnknown {
        name: String,
        span: Span,
        kind: &'static str,
        suggestion: Option<String>,
    },
}

impl NameError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            NameError::Duplicate {
                kind,
                first_kind,
                name,
                span,
                first,
            } => {
                let help = if first_kind == kind {
                    "rename one of them, or merge them into one".to_string()
                } else {
                    format!("menus and intents share one set of names, so `-> {name}` is never ambiguous; rename one of them")
                };
                Diagnostic::new(
                    "E0101",
                    format!("{kind} `{name}` is defined twice"),
                    *span,
                    "defined again here",
                )
                .with_label(*first, "first defined here")
                .with_help(help)
            }
            NameError::NoBot { span } => Diagnostic::new(
                "E0102",
                "this bot has no `bot` block",
                *span,
                "no `bot` block in any file",
            )
            .with_help("add `bot \"Name\" { business ... start ... }` to one of the bot's files"),
            NameError::SecondBot { span, first } => {
                Diagnostic::new("E0103", "a second `bot` block", *span, "second `bot` here")
                    .with_label(*first, "first `bot` here")
                    .with_help(
                        "a bot has exactly one `bot` block; merge the settings into the first one",
                    )
            }
            NameError::NoPlainStart { span } => Diagnostic::new(
                "E0104",
                "the bot has no plain `start`",
                *span,
                "no `start` without `for` in this block",
            )
            .with_help(
                "add a line such as `start welcome`: where a conversation begins for everyone else",
            ),
            NameError::UnknownTarget {
                name,
                span,
                suggestion,
            } => {
                let help = match suggestion {
                    Some(s) => did_you_mean_help(s),
                    None => format!(
                        "define `menu {name} {{ ... }}` or `intent {name} {{ ... }}`, or use `handoff` or `end`"
                    ),
                };
                Diagnostic::new(
                    "E0105",
                    format!("there is no menu or intent named `{name}`"),
                    *span,
                    "unknown target",
                )
                .with_help(help)
                .with_replacement(name, suggestion.as_deref())
            }
            NameError::UnknownAudience {
                name,
                span,
                suggestion,
            } => {
                let help = match suggestion {
                    Some(s) => did_you_mean_help(s),
                    None => format!("declare it with `audience {name} \"A label\"`"),
                };
                Diagnostic::new(
                    "E0106",
                    format!("there is no audience named `{name}`"),
                    *span,
                    "unknown audience",
                )
                .with_help(help)
                .with_replacement(name, suggestion.as_deref())
            }
            NameError::ExpectWrongKind {
                name,
                span,
                is,
                expected,
            } => Diagnostic::new(
                "E0114",
                format!(
                    "`{name}` is {} {is}, not {} {expected}",
                    article(is),
                    article(expected)
                ),
                *span,
                "wrong kind",
            )
            .with_help(format!("write `expect {is} {name}`")),
            NameError::ExpectUnknown {
                name,
                span,
                kind,
                suggestion,
            } => Diagnostic::new(
                "E0114",
                format!("there is no {kind} named `{name}`"),
                *span,
                format!("unknown {kind}"),
            )
            .with_optional_help(suggestion.as_deref().map(did_you_mean_help))
            .with_replacement(name, suggestion.as_deref()),
        }
    }
}

fn article(kind: &str) -> &'static str {
    if kind.starts_with('i') {
        "an"
    } else {
        "a"
    }
}
