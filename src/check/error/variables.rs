//! Variable errors: a name used where it may have no value, and a stored name never used.

use super::did_you_mean_help;
use crate::diagnostic::Diagnostic;
use crate::source::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum VariableError {
    /// E0401: `name` is used at `span` but not stored on every way there; `why` says why.
    Unbound {
        name: String,
        span: Span,
        why: Unbound,
    },
    /// W0403.
    NeverUsed { name: String, span: Span },
}

/// Why a used name may have no value.
#[derive(Debug, Clone, PartialEq)]
pub enum Unbound {
    /// Stored by a step further down, on `line`.
    StoredLater { line: usize },
    /// Stored only by other menus or intents.
    StoredElsewhere,
    /// Stored on some paths to the use, not all.
    SomePathsOnly,
    /// Stored nowhere; perhaps a misspelling of `suggestion`.
    Unknown { suggestion: Option<String> },
}

impl VariableError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            VariableError::Unbound { name, span, why } => {
                let help = match why {
                    Unbound::StoredLater { line } => format!("`{name}` is only stored later, on line {line}; move that step before this one"),
                    Unbound::StoredElsewhere => format!("`{name}` is stored in another menu or intent, and values do not carry over from one to another: store it again here"),
                    Unbound::SomePathsOnly => format!("`{name}` is stored on some paths only; store it on every path before this, or move this inside the branch that stores it"),
                    Unbound::Unknown { suggestion: Some(s) } => did_you_mean_help(s),
                    Unbound::Unknown { suggestion: None } => format!("store it first with `ask {name} \"...\"`, `call ... as {name}` or `set {name} = \"...\"`; `contact.name` and `contact.phone` are always there"),
                };
                Diagnostic::new(
                    "E0401",
                    format!("`{name}` may have no value here"),
                    *span,
                    "not stored on every way to this point",
                )
                .with_help(help)
                .with_replacement(
                    name,
                    match why {
                        Unbound::Unknown { suggestion } => suggestion.as_deref(),
                        _ => None,
                    },
                )
            }
            VariableError::NeverUsed { name, span } => Diagnostic::new(
                "W0403",
                format!("`{name}` is stored but never used"),
                *span,
                "never used",
            )
            .with_help(format!("use it in a text as `{{{{ {name} }}}}`, or start its name with `_` to keep it unused")),
        }
    }
}
