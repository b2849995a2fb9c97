//! Limit errors: WhatsApp's (and Twilio's) limits on lengths, counts, labels, template names,
//! template placeholders and buttons, as tightened by the policy.

use crate::diagnostic::Diagnostic;
use crate::source::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum LimitError {
    Empty {
        what: EmptyText,
        span: Span,
    },
    /// A text of `count` characters where at most `max` fit.
    TooLong {
        what: LongText,
        count: usize,
        max: usize,
        span: Span,
    },
    /// `span`: the first option past the limit.
    TooManyOptions {
        menu: String,
        count: usize,
        max: usize,
        span: Span,
    },
    /// A description on an option of a menu sent as reply buttons (1 to `max_buttons`).
    DescriptionOnButton {
        max_buttons: usize,
        span: Span,
    },
    /// Two option or choice labels that fold to the same text.
    SameLabel {
        first: String,
        again: String,
        span: Span,
        first_span: Span,
    },
    /// Two template button labels that fold to the same text.
    SameButtonLabel {
        first: String,
        again: String,
        span: Span,
        first_span: Span,
    },
    /// `span`: the first answer past the limit.
    TooManyAnswers {
        count: usize,
        max: usize,
        span: Span,
    },
    /// `suggestion`: the name folded to what WhatsApp accepts.
    TemplateName {
        name: String,
        suggestion: String,
        span: Span,
    },
    HeaderPlaceholders {
        count: usize,
        span: Span,
    },
    FooterPlaceholder {
        span: Span,
    },
    NoBody {
        template: String,
        span: Span,
    },
    EmptyBody {
        span: Span,
    },
    /// `span`: the first button past the limit.
    TooManyButtons {
        max: usize,
        span: Span,
    },
    /// `{{n}}` where `{{expected}}` should come next.
    PlaceholderGap {
        n: u32,
        expected: u32,
        span: Span,
    },
    /// W0203: a placeholder at the start (`at_start`) or the end of a template body.
    PlaceholderAtEdge {
        at_start: bool,
        span: Span,
    },
    /// W0203: two placeholders with nothing but spaces between them.
    AdjacentPlaceholders {
        span: Span,
    },
}

/// A text that must not be empty.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EmptyText {
    ListButton,
    Message,
    Label,
    TemplateHeader,
    TemplateFooter,
    ButtonLabel,
}

/// A text with a length limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LongText {
    ListButton,
    /// The question of an `ask ... as choice`.
    Question,
    /// The `say` of a menu that is the text above the options.
    MenuBody,
    /// A text message, past WhatsApp's limit.
    Text,
    /// A text message, past Twilio's limit (a warning).
    TwilioText,
    ButtonTitle,
    RowTitle,
    RowDescription,
    TemplateHeader,
    TemplateFooter,
    TemplateBody,
    TemplateButton,
}

impl LongText {
    /// The code, what the text is, and the rule it breaks.
    fn words(self) -> (&'static str, &'static str, &'static str) {
        match self {
            LongText::ListButton => ("E0110", "the list button text", "WhatsApp shows at most"),
            LongText::Question => (
                "E0205",
                "the question",
                "an interactive message body holds at most",
            ),
            LongText::MenuBody => (
                "E0205",
                "the text above the options",
                "an interactive message body holds at most",
            ),
            LongText::Text => (
                "E0206",
                "this text",
                "a WhatsApp text message holds at most",
            ),
            LongText::TwilioText => ("W0202", "this text", "Twilio delivers at most"),
            LongText::ButtonTitle => (
                "E0202",
                "this button title",
                "a reply button title holds at most",
            ),
            LongText::RowTitle => (
                "E0203",
                "this list row title",
                "a list row title holds at most",
            ),
            LongText::RowDescription => (
                "E0204",
                "this description",
                "a list row description holds at most",
            ),
            LongText::TemplateHeader => ("E0207", "this header", "a template header holds at most"),
            LongText::TemplateFooter => ("E0207", "this footer", "a template footer holds at most"),
            LongText::TemplateBody => (
                "E0210",
                "this template body",
                "a template body holds at most",
            ),
            LongText::TemplateButton => (
                "E0212",
                "this button label",
                "a template quick-reply button holds at most",
            ),
        }
    }
}

impl LimitError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            LimitError::Empty { what, span } => {
                let what = match what {
                    EmptyText::ListButton => "the list button",
                    EmptyText::Message => "a message",
                    EmptyText::Label => "a label",
                    EmptyText::TemplateHeader => "a template header",
                    EmptyText::TemplateFooter => "a template footer",
                    EmptyText::ButtonLabel => "a button label",
                };
                Diagnostic::new("E0214", format!("{what} cannot be empty"), *span, "empty")
                    .with_help("write the text, or remove the line")
            }
            LimitError::TooLong {
                what,
                count,
                max,
                span,
            } => {
                let (code, what, rule) = what.words();
                Diagnostic::new(
                    code,
                    format!("{what} is {count} characters long; {rule} {max}"),
                    *span,
                    format!("{} characters too many", count - max),
                )
                .with_help("shorten it")
            }
            LimitError::TooManyOptions {
                menu,
                count,
                max,
                span,
            } => Diagnostic::new(
                "E0201",
                format!("menu `{menu}` has {count} options; WhatsApp shows at most {max}"),
                *span,
                format!("option {} of {count}", max + 1),
            )
            .with_help("split the menu in two: put some options in a second menu and add an option that leads to it"),
            LimitError::DescriptionOnButton { max_buttons, span } => Diagnostic::new(
                "W0201",
                "a description on a button is not sent",
                *span,
                "buttons have no descriptions",
            )
            .with_help(format!("menus of 1 to {max_buttons} options are sent as reply buttons; remove the description or add options to make a list")),
            LimitError::SameLabel {
                first,
                again,
                span,
                first_span,
            } => Diagnostic::new(
                "E0208",
                format!("`{first}` and `{again}` are the same label once case, accents and punctuation are ignored"),
                *span,
                "same label again",
            )
            .with_label(*first_span, "first here")
            .with_help("give each option a different label; people type them, and WhatsApp needs them unique"),
            LimitError::SameButtonLabel {
                first,
                again,
                span,
                first_span,
            } => Diagnostic::new(
                "E0208",
                format!("`{first}` and `{again}` are the same button label once case, accents and punctuation are ignored"),
                *span,
                "same label again",
            )
            .with_label(*first_span, "first here")
            .with_help("give each button a different label"),
            LimitError::TooManyAnswers { count, max, span } => Diagnostic::new(
                "E0215",
                format!("a choice of {count} answers; WhatsApp shows at most {max}"),
                *span,
                "one too many",
            )
            .with_help("ask with fewer answers, or split the question in two"),
            LimitError::TemplateName {
                name,
                suggestion,
                span,
            } => Diagnostic::new(
                "E0209",
                format!("`{name}` is not a valid template name"),
                *span,
                "only a-z, 0-9 and `_`",
            )
            .with_help(format!("WhatsApp template names use lowercase letters, digits and underscores, such as `{suggestion}`")),
            LimitError::HeaderPlaceholders { count, span } => Diagnostic::new(
                "E0213",
                "a template header may hold one placeholder at most",
                *span,
                format!("{count} placeholders"),
            )
            .with_help("move the other values into the body"),
            LimitError::FooterPlaceholder { span } => Diagnostic::new(
                "E0213",
                "a template footer cannot hold placeholders",
                *span,
                "has a placeholder",
            )
            .with_help("write a fixed footer, and move the values into the body"),
            LimitError::NoBody { template, span } => Diagnostic::new(
                "E0210",
                format!("template `{template}` has no `body`"),
                *span,
                "no `body` line",
            )
            .with_help("add a line such as `body \"Your order {{1}} has shipped.\"`"),
            LimitError::EmptyBody { span } => {
                Diagnostic::new("E0210", "the template body is empty", *span, "empty")
                    .with_help("write the message the template sends")
            }
            LimitError::TooManyButtons { max, span } => Diagnostic::new(
                "E0212",
                format!("a template has at most {max} buttons"),
                *span,
                "one too many",
            ),
            LimitError::PlaceholderGap { n, expected, span } => Diagnostic::new(
                "E0211",
                format!("placeholder `{{{{{n}}}}}` comes after a gap: `{{{{{expected}}}}}` is missing"),
                *span,
                "not consecutive",
            )
            .with_help(format!("number the placeholders `{{{{1}}}}`, `{{{{2}}}}`, ... with no gaps; rename this one `{{{{{expected}}}}}`")),
            LimitError::PlaceholderAtEdge { at_start, span } => {
                let (message, help) = if *at_start {
                    (
                        "a template body starts with a placeholder",
                        "Meta rejects such templates; begin with words, for example `Hello, {{1}}!`",
                    )
                } else {
                    (
                        "a template body ends with a placeholder",
                        "Meta rejects such templates; end with words or a period, for example `... {{2}}.`",
                    )
                };
                Diagnostic::new("W0203", message, *span, "at the edge").with_help(help)
            }
            LimitError::AdjacentPlaceholders { span } => Diagnostic::new(
                "W0203",
                "two placeholders side by side in a template body",
                *span,
                "adjacent",
            )
            .with_help("put words between them; Meta rejects templates with adjacent placeholders"),
        }
    }
}
