//! Structure errors: settings given twice or with bad values, steps where they are not
//! allowed, menus without options or a `say`, and steps that never run.

use crate::diagnostic::Diagnostic;
use crate::source::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum StructureError {
    /// `ask ... as digits n` with `n` 0 or over 64.
    DigitsNeverAnswered {
        digits: u32,
        span: Span,
    },
    /// A test's `mock ... returns N` with `N` outside 100..=599.
    StatusOutOfRange {
        span: Span,
    },
    /// A line that may be given once (`body`, `business`, ...), given again.
    GivenTwice {
        word: &'static str,
        span: Span,
        first: Span,
    },
    NoBusiness {
        span: Span,
    },
    NotTimeZone {
        value: String,
        span: Span,
        /// The closest zone name, when one is close.
        suggestion: Option<String>,
    },
    ZeroSession {
        span: Span,
    },
    NotWebAddress {
        value: String,
        span: Span,
    },
    UnknownBuiltinPolicy {
        name: String,
        span: Span,
    },
    /// A bot in a language without default texts that does not set `word`.
    MissingText {
        language: String,
        word: &'static str,
        span: Span,
    },
    NotLanguageTag {
        tag: String,
        span: Span,
    },
    /// `ask`, `goto`, `handoff` or `end` (`step`) in a menu.
    NotInMenu {
        step: &'static str,
        span: Span,
        menu: Span,
    },
    NoOptions {
        menu: String,
        span: Span,
    },
    MenuWithoutSay {
        menu: String,
        span: Span,
    },
    /// W0101: a step after the `goto`, `end` or `handoff` (`word`, at `at`) that ends its block.
    NeverRuns {
        word: &'static str,
        span: Span,
        at: Span,
    },
}

impl StructureError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            StructureError::DigitsNeverAnswered { digits, span } => Diagnostic::new(
                "E0110",
                format!("`digits {digits}` can never be answered"),
                *span,
                "no answer fits",
            )
            .with_help("give the number of digits the answer has, from 1 to 64, or write `digits` alone for any number of digits"),
            StructureError::StatusOutOfRange { span } => Diagnostic::new(
                "E0110",
                "an HTTP status must be between 100 and 599",
                *span,
                "not an HTTP status",
            ),
            StructureError::GivenTwice { word, span, first } => Diagnostic::new(
                "E0108",
                format!("`{word}` is given twice"),
                *span,
                "given again here",
            )
            .with_label(*first, "first given here")
            .with_help(format!("keep one `{word}` line")),
            StructureError::NoBusiness { span } => Diagnostic::new(
                "E0109",
                "the bot has no `business` category",
                *span,
                "no `business` line in this block",
            )
            .with_help(
                "add a line such as `business retail`; `charla explain E0301` lists the categories",
            ),
            StructureError::NotTimeZone { value, span, suggestion } => Diagnostic::new(
                "E0110",
                format!("`{value}` is not a time zone"),
                *span,
                "expected an IANA zone",
            )
            .with_help(match suggestion {
                Some(zone) => format!("did you mean \"{zone}\"?"),
                None => "write a zone such as \"America/Sao_Paulo\", \"Europe/Madrid\" or \"UTC\"".to_string(),
            }),
            StructureError::ZeroSession { span } => {
                Diagnostic::new("E0110", "a session cannot last zero time", *span, "zero")
                    .with_help("write a duration such as `24h`")
            }
            StructureError::NotWebAddress { value, span } => Diagnostic::new(
                "E0110",
                format!("`{value}` is not a web address"),
                *span,
                "expected `https://...`",
            )
            .with_help("write the base address of the API, such as \"https://api.example.com/v1\""),
            StructureError::UnknownBuiltinPolicy { name, span } => Diagnostic::new(
                "E0110",
                format!("there is no built-in policy named `{name}`"),
                *span,
                "unknown policy",
            )
            .with_help("the built-in policy is `whatsapp`; for a policy file write its path in quotes"),
            StructureError::MissingText {
                language,
                word,
                span,
            } => Diagnostic::new(
                "E0109",
                format!("a bot in `{language}` must set `{word}`"),
                *span,
                format!("no `{word}` here"),
            )
            .with_help("charla has default texts only for Portuguese, Spanish and English"),
            StructureError::NotLanguageTag { tag, span } => Diagnostic::new(
                "E0110",
                format!("`{tag}` is not a language tag"),
                *span,
                "expected a tag such as `pt-BR`",
            )
            .with_help("write a BCP-47 tag: `pt-BR`, `es`, `en-US`"),
            StructureError::NotInMenu { step, span, menu } => {
                let help = match *step {
                    "ask" => "ask in an intent, and lead to it with an option".to_string(),
                    "goto" => "use an option such as `option \"...\" -> target` instead".to_string(),
                    other => format!("use an option such as `option \"...\" -> {other}` instead"),
                };
                Diagnostic::new(
                    "E0107",
                    format!("`{step}` is not allowed in a menu"),
                    *span,
                    "not allowed here",
                )
                .with_label(*menu, "in this menu")
                .with_help(help)
            }
            StructureError::NoOptions { menu, span } => Diagnostic::new(
                "E0112",
                format!("menu `{menu}` has no options"),
                *span,
                "no `option` lines",
            )
            .with_help("add at least one line such as `option \"Talk to us\" -> handoff`"),
            StructureError::MenuWithoutSay { menu, span } => Diagnostic::new(
                "E0111",
                format!("menu `{menu}` can be shown without a `say`"),
                *span,
                "some path runs no `say`",
            )
            .with_help(
                "the last `say` is the text above the options; add a `say` that runs on every path",
            ),
            StructureError::NeverRuns { word, span, at } => Diagnostic::new(
                "W0101",
                format!("this step never runs: the block ends at `{word}`"),
                *span,
                "never runs",
            )
            .with_label(*at, "the conversation leaves here")
            .with_help(format!("move this step before `{word}`, or remove it")),
        }
    }
}
