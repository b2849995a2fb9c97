//! Texts and their placeholders: `{{ expr }}` in steps, `{{1}}` in templates, never `{% %}`.

use super::error::TextError;
use crate::ast::Str;
use crate::diagnostic::Diagnostic;
use crate::source::Span;

/// One `{{ ... }}` in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Placeholder {
    /// The expression between the braces, trimmed.
    pub expr: String,
    /// Byte range of `{{ ... }}` in the decoded value.
    pub start: usize,
    pub end: usize,
}

impl Placeholder {
    /// `{{3}}` -> Some(3).
    pub fn number(&self) -> Option<u32> {
        if self.expr.chars().all(|c| c.is_ascii_digit()) {
            self.expr.parse().ok()
        } else {
            None
        }
    }
}

/// The placeholders of a text, and where a `{{` is never closed (byte offset).
pub fn placeholders(value: &str) -> (Vec<Placeholder>, Option<usize>) {
    let mut out = Vec::new();
    let mut rest = 0;
    while let Some(open) = value[rest..].find("{{").map(|i| rest + i) {
        match value[open + 2..].find("}}") {
            Some(close) => {
                let end = open + 2 + close + 2;
                out.push(Placeholder {
                    expr: value[open + 2..open + 2 + close].trim().to_string(),
                    start: open,
                    end,
                });
                rest = end;
            }
            None => return (out, Some(open)),
        }
    }
    (out, None)
}

/// The source span of a byte range of a string's value: exact when the value is the source
/// text (a one-line string without escapes), otherwise the whole string.
pub fn sub_span(s: &Str, start: usize, end: usize) -> Span {
    let source_len = (s.span.end - s.span.start) as usize;
    if !s.raw && source_len == s.value.len() + 2 {
        let base = s.span.start as usize + 1;
        Span::new(s.span.file, base + start, base + end)
    } else {
        s.span
    }
}

/// Where a folded phrase (`"cartao"`, `"buy now"`) stands in a text as written: the byte range
/// of the words that fold to it, so a label can underline `cartão` itself.
pub fn find_phrase(value: &str, phrase: &str) -> Option<(usize, usize)> {
    let words: Vec<(usize, usize, String)> = word_ranges(value)
        .map(|(s, e)| (s, e, crate::fold::fold(&value[s..e])))
        .collect();
    let wanted: Vec<&str> = phrase.split(' ').filter(|w| !w.is_empty()).collect();
    if wanted.is_empty() {
        return None;
    }
    words
        .windows(wanted.len())
        .find(|w| w.iter().zip(&wanted).all(|(a, b)| a.2 == *b))
        .map(|w| (w[0].0, w[w.len() - 1].1))
}

/// Byte ranges of the runs of letters and digits in a text.
fn word_ranges(value: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut start = None;
    let mut ends = value.char_indices().map(Some).chain([None]);
    std::iter::from_fn(move || {
        for item in ends.by_ref() {
            match (item, start) {
                (Some((i, c)), None) if c.is_alphanumeric() => start = Some(i),
                (Some((i, c)), Some(s)) if !c.is_alphanumeric() => {
                    start = None;
                    return Some((s, i));
                }
                (None, Some(s)) => {
                    start = None;
                    return Some((s, value.len()));
                }
                _ => {}
            }
        }
        None
    })
}

/// What a text may hold.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TextKind {
    /// `{{ expr }}` placeholders over variables.
    Dynamic,
    /// Only `{{1}}`..`{{n}}` (template header and body).
    Numbered,
    /// Literal: braces mean nothing (labels, examples, test texts).
    Literal,
}

/// Checks a text's placeholders against its kind; returns the variables' root names each
/// dynamic placeholder uses, with the placeholder's span.
pub fn check_text(
    env: &Expressions,
    s: &Str,
    kind: TextKind,
    out: &mut Vec<Diagnostic>,
) -> Vec<(String, Span)> {
    let mut used = Vec::new();
    if kind == TextKind::Literal {
        return used;
    }
    if let Some(at) = s.value.find("{%") {
        let end = s.value[at..].find("%}").map_or(at + 2, |e| at + e + 2);
        out.push(
            TextError::TemplateTag {
                span: sub_span(s, at, end),
            }
            .to_diagnostic(),
        );
    }
    let (list, unclosed) = placeholders(&s.value);
    if let Some(at) = unclosed {
        out.push(
            TextError::Unclosed {
                span: sub_span(s, at, at + 2),
            }
            .to_diagnostic(),
        );
    }
    for p in list {
        let span = sub_span(s, p.start, p.end);
        match (kind, p.number()) {
            (TextKind::Dynamic, Some(number)) => {
                out.push(TextError::NumberedOutsideTemplate { number, span }.to_diagnostic())
            }
            (TextKind::Numbered, None) => out.push(
                TextError::NamedInTemplate {
                    expr: p.expr.clone(),
                    span,
                }
                .to_diagnostic(),
            ),
            (TextKind::Dynamic, None) => used.extend(expression_variables(env, &p.expr, span, out)),
            _ => {}
        }
    }
    used
}

/// Compiles a minijinja expression; returns its root variable names, or reports it.
pub fn expression_variables(
    env: &Expressions,
    expr: &str,
    span: Span,
    out: &mut Vec<Diagnostic>,
) -> Vec<(String, Span)> {
    if expr.is_empty() {
        out.push(TextError::EmptyPlaceholder { span }.to_diagnostic());
        return Vec::new();
    }
    match env.variables(expr) {
        Ok(names) => names.into_iter().map(|n| (n, span)).collect(),
        Err(detail) => {
            out.push(
                TextError::BadExpression {
                    expr: expr.to_string(),
                    detail,
                    span,
                }
                .to_diagnostic(),
            );
            Vec::new()
        }
    }
}

/// minijinja, with each expression compiled once: bots repeat `contact.name` and the like
/// thousands of times, and compiling is most of what checking a placeholder costs.
pub struct Expressions {
    env: minijinja::Environment<'static>,
    cache: std::cell::RefCell<std::collections::HashMap<String, Result<Vec<String>, String>>>,
}

impl Default for Expressions {
    fn default() -> Expressions {
        Expressions {
            env: minijinja::Environment::new(),
            cache: Default::default(),
        }
    }
}

impl Expressions {
    /// The root variable names an expression reads (sorted), or why it does not compile.
    pub fn variables(&self, expr: &str) -> Result<Vec<String>, String> {
        if let Some(known) = self.cache.borrow().get(expr) {
            return known.clone();
        }
        let result = match self.env.compile_expression(expr) {
            Ok(compiled) => {
                let mut names: Vec<String> =
                    compiled.undeclared_variables(false).into_iter().collect();
                names.sort();
                Ok(names)
            }
            Err(err) => Err(err
                .detail()
                .map(str::to_string)
                .unwrap_or_else(|| err.kind().to_string())),
        };
        self.cache
            .borrow_mut()
            .insert(expr.to_string(), result.clone());
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_folded_phrase_as_written() {
        let text = "Qual o número do Cartão de crédito?";
        let (s, e) = find_phrase(text, "cartao de credito").unwrap();
        assert_eq!(&text[s..e], "Cartão de crédito");
        assert_eq!(find_phrase("Buy now!", "buy now"), Some((0, 7)));
        assert_eq!(find_phrase("nothing", "cartao"), None);
    }

    #[test]
    fn finds_placeholders_and_unclosed_braces() {
        let (list, unclosed) = placeholders("a {{ x.y }} b {{1}} c {{ z");
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].expr, "x.y");
        assert_eq!(list[1].number(), Some(1));
        assert_eq!(unclosed, Some(22));
    }
}
