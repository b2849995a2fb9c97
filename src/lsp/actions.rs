//! Quick fixes: a diagnostic whose "did you mean" names a replacement (an unknown menu,
//! audience, variable or category close to a known one) offers to write that name instead.

use super::analysis::Analysis;
use super::diagnostics::to_lsp;
use super::position::Encoding;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, Uri, WorkspaceEdit,
};
use std::collections::HashMap;

/// The quick fixes for the diagnostics of `uri` that touch `range`.
// `WorkspaceEdit::changes` is keyed by `Uri`; see rename.rs.
#[allow(clippy::mutable_key_type)]
pub fn quick_fixes(
    analysis: &Analysis,
    uri: &Uri,
    range: Range,
    encoding: Encoding,
) -> Vec<CodeActionOrCommand> {
    let Some(id) = analysis.file_id(uri) else {
        return Vec::new();
    };
    let (Some(file), Some(source)) = (analysis.file(id), analysis.source(id)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for diagnostic in &analysis.compilation.diagnostics {
        let span = diagnostic.primary.span;
        let Some(replacement) = diagnostic.replacement.as_ref().filter(|_| span.file == id) else {
            continue;
        };
        let at = file.range(span, encoding);
        if at.end < range.start || range.end < at.start {
            continue;
        }
        let Some(word) = diagnostic.replacement_span(&source.text) else {
            continue;
        };
        let edit = TextEdit::new(file.range(word, encoding), replacement.with.clone());
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("Change `{}` to `{}`", replacement.written, replacement.with),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![to_lsp(analysis, diagnostic, encoding)]),
            edit: Some(WorkspaceEdit::new(HashMap::from([(
                uri.clone(),
                vec![edit],
            )]))),
            is_preferred: Some(true),
            ..CodeAction::default()
        }));
    }
    out
}
