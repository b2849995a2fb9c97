//! Policy errors: business and message categories, approval, a way to a human, opt-in,
//! promotional wording and sensitive prompts, and policy files that cannot be used.

use super::did_you_mean_help;
use crate::diagnostic::Diagnostic;
use crate::source::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum PolicyError {
    /// E0113: the policy file at `path` cannot be read or parsed, for `reason`.
    Unusable {
        path: String,
        reason: String,
        span: Span,
    },
    /// E0301: the `policy` (its name) prohibits the business category.
    ProhibitedBusiness {
        business: String,
        policy: String,
        span: Span,
    },
    /// W0301: a business that needs approval, with its `approval` line at `approval`.
    Approved {
        business: String,
        span: Span,
        approval: Span,
    },
    /// E0305: a business that needs approval, and no `approval` line.
    NeedsApproval {
        business: String,
        span: Span,
    },
    UnknownBusiness {
        business: String,
        suggestion: Option<String>,
        span: Span,
    },
    /// E0306: no reachable `handoff` and no `support`.
    NoHuman {
        span: Span,
    },
    /// W0305: an intent's `category` other than `customer_care`.
    IntentCategory {
        category: String,
        span: Span,
    },
    /// W0303: templates, and no `set opt_in` anywhere; `span` is the first template's name.
    NoOptIn {
        span: Span,
    },
    NoTemplateCategory {
        template: String,
        span: Span,
    },
    /// E0303: `category customer_care` in a template.
    CustomerCareTemplate {
        span: Span,
    },
    /// E0303: a message category the `policy` (its name) prohibits.
    ProhibitedMessage {
        category: String,
        policy: String,
        span: Span,
    },
    UnknownMessage {
        category: String,
        suggestion: Option<String>,
        span: Span,
    },
    /// W0304: promotional wording (`written`, as in the source) in a non-marketing template.
    Promotional {
        written: String,
        span: Span,
    },
    /// W0302: a prompt that seems to ask for `what`, because of `written`.
    SensitivePrompt {
        what: Sensitive,
        written: String,
        span: Span,
    },
}

/// What a sensitive prompt seems to ask for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sensitive {
    IdNumber,
    BankAccount,
    CardNumber,
}

impl PolicyError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            PolicyError::Unusable { path, reason, span } => Diagnostic::new(
                "E0113",
                format!("the policy `{path}` cannot be used: {reason}"),
                *span,
                "this policy file",
            )
            .with_help("the path is relative to the bot's folder; docs/policy.md describes the format"),
            PolicyError::ProhibitedBusiness {
                business,
                policy,
                span,
            } => Diagnostic::new(
                "E0301",
                format!("WhatsApp does not allow `{business}` businesses"),
                *span,
                format!("prohibited by the `{policy}` policy"),
            )
            .with_help("WhatsApp's commercial policy forbids this category; a bot for it would be banned"),
            PolicyError::Approved {
                business,
                span,
                approval,
            } => Diagnostic::new(
                "W0301",
                format!("`{business}` bots need Meta's special approval"),
                *span,
                "needs approval",
            )
            .with_label(*approval, "approval given here")
            .with_help("make sure the approval reference is current before you deploy"),
            PolicyError::NeedsApproval { business, span } => Diagnostic::new(
                "E0305",
                format!("`{business}` bots need Meta's special approval"),
                *span,
                "no `approval` in the bot",
            )
            .with_help("add `approval \"REFERENCE\"` with the approval Meta gave you"),
            PolicyError::UnknownBusiness {
                business,
                suggestion,
                span,
            } => Diagnostic::new(
                "E0302",
                format!("`{business}` is not a business category"),
                *span,
                "unknown category",
            )
            .with_help(match suggestion {
                Some(s) => did_you_mean_help(s),
                None => "`charla explain E0302` lists the categories".to_string(),
            })
            .with_replacement(business, suggestion.as_deref()),
            PolicyError::NoHuman { span } => Diagnostic::new(
                "E0306",
                "no way to reach a human",
                *span,
                "this bot has no reachable `handoff` and no `support`",
            )
            .with_help("add an option such as `option \"Talk to a person\" -> handoff`, or `support \"https://...\"` in the bot block"),
            PolicyError::IntentCategory { category, span } => Diagnostic::new(
                "W0305",
                format!("an intent's category is always `customer_care`, not `{category}`"),
                *span,
                "replies are customer care",
            )
            .with_help("a reply to a customer is customer care; remove the line or write `category customer_care`"),
            PolicyError::NoOptIn { span } => Diagnostic::new(
                "W0303",
                "the bot has templates but never asks for opt-in",
                *span,
                "cannot be sent to anyone",
            )
            .with_help("templates may only go to contacts who opted in; add `set opt_in` to an intent where people agree to receive messages"),
            PolicyError::NoTemplateCategory { template, span } => Diagnostic::new(
                "E0307",
                format!("template `{template}` has no `category`"),
                *span,
                "no `category` line",
            )
            .with_help("add `category notification` (or `two_factor`, `verification`)"),
            PolicyError::CustomerCareTemplate { span } => Diagnostic::new(
                "E0303",
                "`customer_care` is for replies, not for templates",
                *span,
                "not a template category",
            )
            .with_help("a template the business sends first is a `notification`, `two_factor` or `verification`"),
            PolicyError::ProhibitedMessage {
                category,
                policy,
                span,
            } => Diagnostic::new(
                "E0303",
                format!("`{category}` messages are not allowed by the `{policy}` policy"),
                *span,
                "prohibited category",
            )
            .with_help("WhatsApp's policy forbids promotional, newsletter and subscription messages here; use `notification` for messages a customer expects"),
            PolicyError::UnknownMessage {
                category,
                suggestion,
                span,
            } => Diagnostic::new(
                "E0304",
                format!("`{category}` is not a message category"),
                *span,
                "unknown category",
            )
            .with_help(match suggestion {
                Some(s) => did_you_mean_help(s),
                None => {
                    "the categories are `notification`, `two_factor` and `verification`".to_string()
                }
            })
            .with_replacement(category, suggestion.as_deref()),
            PolicyError::Promotional { written, span } => Diagnostic::new(
                "W0304",
                format!("`{written}` sounds promotional in a non-marketing template"),
                *span,
                "promotional wording",
            )
            .with_help("Meta re-categorises promotional templates as MARKETING, which this policy does not allow; keep the text to the facts the customer expects"),
            PolicyError::SensitivePrompt {
                what,
                written,
                span,
            } => {
                let what = match what {
                    Sensitive::IdNumber => "a personal ID number",
                    Sensitive::BankAccount => "a bank account number",
                    Sensitive::CardNumber => "a full card number",
                };
                Diagnostic::new(
                    "W0302",
                    format!("this prompt seems to ask for {what} (`{written}`)"),
                    *span,
                    "sensitive data",
                )
                .with_help("WhatsApp's policy forbids asking for full card, bank account or ID numbers; ask for the last 4 digits, or send people to a secure page")
            }
        }
    }
}
