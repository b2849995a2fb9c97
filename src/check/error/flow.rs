//! Flow errors: menus and intents nothing leads to, targets an audience can never reach,
//! `call`s to undeclared hosts, colliding examples, and `goto` loops that never wait.

use crate::diagnostic::Diagnostic;
use crate::source::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum FlowError {
    /// W0401: a menu or intent (`kind`) nothing leads to.
    Unreachable {
        kind: &'static str,
        name: String,
        span: Span,
    },
    /// E0403: an option leads to a target only for `allowed`, and its chooser is in `chooser`
    /// (empty: a contact with no audience); `because` is where the chooser's audience comes from.
    ChooserCannotReach {
        kind: &'static str,
        target: String,
        allowed: Vec<String>,
        chooser: Vec<String>,
        span: Span,
        because: Span,
    },
    /// E0403: a `start` line leads to a target only for `allowed`; `blocked` are the line's
    /// audiences that may not go there (empty: the plain `start`, for contacts with no audience).
    CannotStart {
        kind: &'static str,
        target: String,
        allowed: Vec<String>,
        blocked: Vec<String>,
        span: Span,
        restricted: Span,
    },
    /// E0402: an absolute url under none of the bot's `api`s.
    UndeclaredHost { url: String, span: Span },
    /// E0402: a relative url in a bot with no `api`.
    RelativeWithoutApi { span: Span },
    /// E0404: an example that is also (folded) an example of intent `intent`, at `first`.
    SameExample {
        example: String,
        intent: String,
        span: Span,
        first: Span,
    },
    /// W0402: an example with the same content words as `other` of intent `intent`.
    SimilarExample {
        example: String,
        other: String,
        intent: String,
        span: Span,
        first: Span,
    },
    /// E0405: `goto target` closes the loop `path` -> `target`.
    GotoLoop {
        target: String,
        path: Vec<String>,
        span: Span,
    },
}

impl FlowError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            FlowError::Unreachable { kind, name, span } => Diagnostic::new(
                "W0401",
                format!("{kind} `{name}` can never be reached"),
                *span,
                "nothing leads here",
            )
            .with_help("lead to it from an option, a `goto` or a `start` line, or remove it"),
            FlowError::ChooserCannotReach {
                kind,
                target,
                allowed,
                chooser,
                span,
                because,
            } => {
                let who = if chooser.is_empty() {
                    "a contact with no audience".to_string()
                } else {
                    format!("`{}`", chooser.join("`, `"))
                };
                Diagnostic::new(
                    "E0403",
                    format!(
                        "{kind} `{target}` is only for `{}`, which {who} can never be",
                        allowed.join("`, `")
                    ),
                    *span,
                    "the chooser cannot reach this",
                )
                .with_label(*because, "the chooser's audience comes from here")
                .with_help(format!(
                    "add `sets audience {}` to the option, or add the audience to the target's `for`",
                    allowed.first().map_or("", String::as_str)
                ))
            }
            FlowError::CannotStart {
                kind,
                target,
                allowed,
                blocked,
                span,
                restricted,
            } => {
                let (who, help) = if blocked.is_empty() {
                    (
                        "a new contact, who has no audience,".to_string(),
                        "start everyone else at a menu without `for`, and use `start X for A` lines for audiences",
                    )
                } else {
                    (
                        format!("`{}`", blocked.join("`, `")),
                        "start these audiences at a target they may reach, or add them to its `for`",
                    )
                };
                Diagnostic::new(
                    "E0403",
                    format!(
                        "{kind} `{target}` is only for `{}`: {who} can never start there",
                        allowed.join("`, `")
                    ),
                    *span,
                    "cannot start here",
                )
                .with_label(*restricted, "restricted here")
                .with_help(help)
            }
            FlowError::UndeclaredHost { url, span } => Diagnostic::new(
                "E0402",
                format!("`{url}` is not under any `api` of the bot"),
                *span,
                "undeclared host",
            )
            .with_help("declare the base address with `api \"https://...\"` in the bot block, or write the url relative to it (`\"/path\"`)"),
            FlowError::RelativeWithoutApi { span } => Diagnostic::new(
                "E0402",
                "a relative url, but the bot declares no `api`",
                *span,
                "relative to nothing",
            )
            .with_help("add `api \"https://api.example.com/v1\"` to the bot block"),
            FlowError::SameExample {
                example,
                intent,
                span,
                first,
            } => Diagnostic::new(
                "E0404",
                format!("the example `{example}` is also an example of intent `{intent}`"),
                *span,
                "same example again",
            )
            .with_label(*first, "first here")
            .with_help("the same words cannot lead to two intents; keep the example in one of them"),
            FlowError::SimilarExample {
                example,
                other,
                intent,
                span,
                first,
            } => Diagnostic::new(
                "W0402",
                format!("the example `{example}` means the same as `{other}` of intent `{intent}`"),
                *span,
                "the matcher cannot tell these apart",
            )
            .with_label(*first, "the other example")
            .with_help("word order and small words such as `a`, `de`, `the` are ignored when matching; make the examples differ in a meaningful word"),
            FlowError::GotoLoop { target, path, span } => Diagnostic::new(
                "E0405",
                format!(
                    "`goto {target}` closes a loop that never waits: {} -> {target}",
                    path.join(" -> ")
                ),
                *span,
                "loops back",
            )
            .with_help("put an `ask`, a menu or a `call` in the loop, or end it with `end`"),
        }
    }
}
