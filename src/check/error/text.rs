//! Text errors: `{% %}` tags, placeholders never closed, empty or unreadable, and numbered or
//! named placeholders where the other kind belongs.

use crate::diagnostic::Diagnostic;
use crate::source::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum TextError {
    TemplateTag {
        span: Span,
    },
    /// A `{{` with no `}}` after it.
    Unclosed {
        span: Span,
    },
    /// `{{n}}` in a text that is not a template's.
    NumberedOutsideTemplate {
        number: u32,
        span: Span,
    },
    /// `{{ expr }}` in a template.
    NamedInTemplate {
        expr: String,
        span: Span,
    },
    EmptyPlaceholder {
        span: Span,
    },
    /// An expression minijinja cannot compile; `detail` is minijinja's reason.
    BadExpression {
        expr: String,
        detail: String,
        span: Span,
    },
}

impl TextError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            TextError::TemplateTag { span } => Diagnostic::new(
                "E0006",
                "`{% %}` tags are not allowed in texts",
                *span,
                "a template tag",
            )
            .with_help("use `if` steps for choices; texts may only hold `{{ ... }}` placeholders"),
            TextError::Unclosed { span } => {
                Diagnostic::new("E0007", "this `{{` is never closed", *span, "opened here")
                    .with_help("close the placeholder with `}}`")
            }
            TextError::NumberedOutsideTemplate { number, span } => Diagnostic::new(
                "E0008",
                format!("numbered placeholder `{{{{{number}}}}}` outside a template"),
                *span,
                "only templates number their placeholders",
            )
            .with_help("name a variable instead, such as `{{ contact.name }}`"),
            TextError::NamedInTemplate { expr, span } => Diagnostic::new(
                "E0008",
                format!("named placeholder `{{{{ {expr} }}}}` in a template"),
                *span,
                "templates take only `{{1}}`, `{{2}}`, ...",
            )
            .with_help("number the placeholders from `{{1}}`; the values are given when the template is sent"),
            TextError::EmptyPlaceholder { span } => Diagnostic::new(
                "E0007",
                "an empty placeholder",
                *span,
                "nothing between the braces",
            )
            .with_help("write a variable, such as `{{ contact.name }}`"),
            TextError::BadExpression { expr, detail, span } => {
                let help = expr.contains('"').then(|| {
                    "inside `{{ }}` and `if`, write strings with single quotes: `'text'`".to_string()
                });
                Diagnostic::new(
                    "E0007",
                    format!("`{expr}` is not a valid expression: {detail}"),
                    *span,
                    "cannot be read",
                )
                .with_optional_help(help)
            }
        }
    }
}
