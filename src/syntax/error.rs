//! Syntax errors and their wording. Every error here stops only its own item (or, for the
//! file-level ones, its own file).

use super::expected::{describe, is_statement};
use super::parser::Rule;
use crate::diagnostic::{did_you_mean, Diagnostic};
use crate::source::Span;

#[derive(Debug, Clone, PartialEq)]
pub enum SyntaxError {
    /// The file's bytes are not UTF-8; `byte` is the offset of the first bad byte.
    InvalidUtf8 {
        span: Span,
        byte: usize,
    },
    ControlCharacter {
        span: Span,
        code: u32,
    },
    TooDeep {
        span: Span,
    },
    Empty {
        span: Span,
    },
    /// The parser stopped: what it expected at `span`, and the text it found there.
    Unexpected {
        span: Span,
        expected: Vec<Rule>,
        found: Found,
    },
    UnknownEscape {
        span: Span,
        escape: String,
    },
    /// A `"` (or `"""`) with no closing quote.
    UnclosedString {
        span: Span,
    },
}

/// What stood where the parser stopped.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    Text(String),
    EndOfLine,
    EndOfFile,
}

const STEPS: &str = "a step such as `say`, `ask`, `call`, `set`, `if`, `goto`, `handoff` or `end`";

impl SyntaxError {
    pub fn to_diagnostic(&self) -> Diagnostic {
        match self {
            SyntaxError::InvalidUtf8 { span, byte } => Diagnostic::new(
                "E0001",
                format!("the file is not valid UTF-8 at byte {byte}"),
                *span,
                "this byte is not UTF-8",
            )
            .with_help("save the file as UTF-8 in your editor"),
            SyntaxError::ControlCharacter { span, code } => Diagnostic::new(
                "E0002",
                format!("control character U+{code:04X} in the source"),
                *span,
                "this character is not allowed",
            )
            .with_help("remove it; only tabs and line breaks may appear besides printable text"),
            SyntaxError::TooDeep { span } => Diagnostic::new(
                "E0003",
                format!("nesting too deep: more than {} blocks inside each other", super::scan::MAX_DEPTH),
                *span,
                "this block is too deep",
            )
            .with_help("move the inner steps into an intent of their own and `goto` it"),
            SyntaxError::Empty { span } => Diagnostic::new("E0009", "the file is empty", *span, "nothing here")
                .with_help("write a `bot` block, or delete the file"),
            SyntaxError::UnknownEscape { span, escape } => Diagnostic::new(
                "E0005",
                format!("unknown escape `{escape}`"),
                *span,
                "not an escape charla knows",
            )
            .with_help(r#"the escapes are `\"`, `\\`, `\n`, `\t` and `\u{1F44B}`; write `\\` for a backslash"#),
            SyntaxError::UnclosedString { span } => {
                Diagnostic::new("E0004", "this text is never closed", *span, "no closing quote").with_help(
                    "end the text with `\"` on the same line; for a text of several lines use `\"\"\"` ... `\"\"\"`",
                )
            }
            SyntaxError::Unexpected { span, expected, found } => unexpected(*span, expected, found),
        }
    }
}

fn unexpected(span: Span, expected: &[Rule], found: &Found) -> Diagnostic {
    let (words, keywords) = expected_words(expected);
    let found_text = match found {
        Found::Text(t) => format!("`{t}`"),
        Found::EndOfLine => "the end of the line".to_string(),
        Found::EndOfFile => "the end of the file".to_string(),
    };
    let message = format!("expected {}, found {found_text}", join_or(&words));
    let mut help = None;
    // The keyword a misspelt word may have meant: a one-word fix editors can offer.
    let mut replacement: Option<(String, &str)> = None;
    if let Found::Text(t) = found {
        let word: String = t
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let wants_name = expected
            .iter()
            .any(|r| matches!(r, Rule::name | Rule::target | Rule::audience_ref));
        if expected.contains(&Rule::p_arrow)
            && !word.is_empty()
            && (!is_keyword(&word) || word == "handoff" || word == "end")
        {
            help = Some(format!(
                "an option leads somewhere with `->`: write `-> {word}`"
            ));
        } else if wants_name && is_keyword(&word) {
            help = Some(format!(
                "`{word}` is a keyword of charla and cannot be a name; choose another name"
            ));
        } else if expected.contains(&Rule::method)
            && crate::ast::Method::parse(&word.to_uppercase()).is_some()
        {
            help = Some(format!(
                "HTTP methods are written in capitals: `{}`",
                word.to_uppercase()
            ));
        } else if !word.is_empty() {
            if let Some(suggestion) = did_you_mean(&word, keywords.iter().copied()) {
                help = Some(format!("did you mean `{suggestion}`?"));
                replacement = Some((word.clone(), suggestion));
            }
        }
        if help.is_none()
            && expected.len() == 1
            && expected.contains(&Rule::line_end)
            && super::words::statement_words().any(|w| w == t.as_str())
        {
            help = Some(format!("two statements never share a line: put `{t}` and what follows on a line of its own"));
        }
        if help.is_none()
            && t.starts_with('\'')
            && expected
                .iter()
                .any(|r| matches!(r, Rule::string | Rule::text))
        {
            help = Some("texts are written in double quotes: `\"...\"`".to_string());
        }
    }
    if help.is_none()
        && matches!(found, Found::EndOfFile | Found::EndOfLine)
        && expected.contains(&Rule::p_rbrace)
    {
        help = Some(
            "a block was opened with `{` and never closed: add `}` on a line of its own"
                .to_string(),
        );
    }
    let label = match words.first() {
        Some(first) if words.len() == 1 => format!("expected {first}"),
        _ => "unexpected here".to_string(),
    };
    let diagnostic = Diagnostic::new("E0004", message, span, label).with_optional_help(help);
    match replacement {
        Some((word, keyword)) => diagnostic.with_replacement(&word, Some(keyword)),
        None => diagnostic,
    }
}

/// The words for the expected rules, and the keywords a misspelling could have meant.
fn expected_words(expected: &[Rule]) -> (Vec<String>, Vec<&'static str>) {
    let statements: Vec<Rule> = expected
        .iter()
        .copied()
        .filter(|r| is_statement(*r))
        .collect();
    let mut words: Vec<String> = Vec::new();
    let mut keywords: Vec<&'static str> = Vec::new();
    if statements.len() >= 3 {
        let has = |r: Rule| statements.contains(&r);
        let place = if has(Rule::w_business) || has(Rule::set_business) {
            "a bot setting such as `business`, `language`, `start` or `fallback`"
        } else if has(Rule::w_body) || has(Rule::t_body) {
            "a template line (`category`, `language`, `header`, `body`, `footer` or `button`)"
        } else if has(Rule::kw_mock) || has(Rule::mock) {
            "a test line (`contact`, `mock`, `user`, `expect`, `bot` or `agent releases`)"
        } else if has(Rule::kw_opt_in) || has(Rule::e_menu) {
            "what to expect (`menu`, `intent`, `audience`, `handoff`, `end`, `opt_in`, `opt_out` or `fallback`)"
        } else if has(Rule::w_phone) || has(Rule::c_name) {
            "a contact field (`name`, `phone`, `audience` or `language`)"
        } else if has(Rule::kw_template) || has(Rule::menu) {
            "`bot`, `audience`, `menu`, `intent`, `template` or `test`"
        } else if has(Rule::kw_option) || has(Rule::option) {
            "an `option` or a step such as `say`"
        } else if has(Rule::kw_examples) || has(Rule::examples) {
            "`examples`, `category` or a step such as `say`"
        } else {
            STEPS
        };
        words.push(place.to_string());
        keywords.extend(super::words::statement_words());
    }
    for rule in expected {
        // Where a statement may start, a blank line may too: naming it only adds noise.
        if statements.len() >= 3 && (is_statement(*rule) || *rule == Rule::line_end) {
            continue;
        }
        if let Some((text, keyword)) = describe(*rule) {
            if !words.iter().any(|w| w == text) {
                words.push(text.to_string());
            }
            keywords.extend(keyword);
        }
    }
    if words.is_empty() {
        words.push("something else".to_string());
    }
    // Punctuation first (it is what is usually missing), then keywords, then values.
    words.sort_by_key(|w| {
        if w.starts_with("`-") || w.starts_with("`{") || w.starts_with("`}") {
            0
        } else if w.starts_with('`') {
            1
        } else {
            2
        }
    });
    (words, keywords)
}

fn is_keyword(word: &str) -> bool {
    crate::syntax::KEYWORDS.contains(&word)
}

fn join_or(words: &[String]) -> String {
    match words {
        [] => String::new(),
        [one] => one.clone(),
        // "`->` and a target, or a text in quotes": a comma keeps an inner "or" readable.
        [rest @ .., last] if words.iter().any(|w| w.contains(" or ")) => {
            format!("{}, or {last}", rest.join(", "))
        }
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}
