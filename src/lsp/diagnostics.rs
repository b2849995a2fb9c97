//! The compiler's diagnostics as LSP diagnostics: the same codes, messages and spans as
//! `charla check`, the help on a second line, and the secondary labels as related information.

use super::analysis::Analysis;
use super::position::Encoding;
use crate::diagnostic::{Diagnostic, Severity};
use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, NumberOrString, PublishDiagnosticsParams, Uri,
};
use std::collections::HashSet;
use std::str::FromStr;

/// The `publishDiagnostics` notifications for an analysed bot: one for every open file of the
/// bot (an empty list clears the editor's), one for every file with diagnostics, and one for
/// every file that had some last time (`previous`, URIs as text) and has none now. Also
/// returns the files that have diagnostics now, to pass as `previous` next time.
pub fn publish(
    analysis: &Analysis,
    encoding: Encoding,
    previous: &HashSet<String>,
) -> (Vec<PublishDiagnosticsParams>, HashSet<String>) {
    let mut per_file: Vec<Vec<lsp_types::Diagnostic>> = vec![Vec::new(); analysis.files.len()];
    for diagnostic in &analysis.compilation.diagnostics {
        if let Some(list) = per_file.get_mut(diagnostic.primary.span.file.0 as usize) {
            list.push(to_lsp(analysis, diagnostic, encoding));
        }
    }
    let mut out = Vec::new();
    let mut now = HashSet::new();
    for (file, diagnostics) in analysis.files.iter().zip(per_file) {
        if !diagnostics.is_empty() {
            now.insert(file.uri.as_str().to_string());
        }
        if diagnostics.is_empty() && file.version.is_none() && !previous.contains(file.uri.as_str())
        {
            continue;
        }
        out.push(PublishDiagnosticsParams::new(
            file.uri.clone(),
            diagnostics,
            file.version,
        ));
    }
    for gone in previous {
        if analysis.files.iter().all(|f| f.uri.as_str() != gone) {
            if let Ok(uri) = Uri::from_str(gone) {
                out.push(PublishDiagnosticsParams::new(uri, Vec::new(), None));
            }
        }
    }
    (out, now)
}

pub fn to_lsp(
    analysis: &Analysis,
    diagnostic: &Diagnostic,
    encoding: Encoding,
) -> lsp_types::Diagnostic {
    let primary = diagnostic.primary.span;
    let range = analysis
        .file(primary.file)
        .map(|f| f.range(primary, encoding))
        .unwrap_or_default();
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    // The primary label says what is wrong at the span; editors show only the message, so the
    // label goes with the related information when it adds something.
    let mut related: Vec<DiagnosticRelatedInformation> = Vec::new();
    if !diagnostic.primary.message.is_empty() && !diagnostic.secondary.is_empty() {
        related.extend(analysis.location(primary, encoding).map(|location| {
            DiagnosticRelatedInformation {
                location,
                message: diagnostic.primary.message.clone(),
            }
        }));
    }
    related.extend(diagnostic.secondary.iter().filter_map(|label| {
        Some(DiagnosticRelatedInformation {
            location: analysis.location(label.span, encoding)?,
            message: label.message.clone(),
        })
    }));
    lsp_types::Diagnostic {
        range,
        severity: Some(match diagnostic.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(diagnostic.code.to_string())),
        // No `codeDescription`: it must be a URL, and the explanations are not published at
        // one; they are in the binary (`charla explain CODE`) and in the hover of the range.
        code_description: None,
        source: Some("charla".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}
