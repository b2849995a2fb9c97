//! Renderers: for people (codespan-reporting), for machines (JSON as in DESIGN.md) and for
//! GitHub Actions (workflow-command annotations). SARIF, which gathers a whole log, is in
//! `sarif.rs`.

use super::{Diagnostic, Label, Severity};
use crate::source::SourceFile;
use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor::WriteColor};
use serde_json::{json, Value};

/// Counts of errors and warnings.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
}

impl Summary {
    pub fn of(diagnostics: &[Diagnostic]) -> Summary {
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        Summary {
            errors,
            warnings: diagnostics.len() - errors,
        }
    }
}

/// Writes diagnostics the way a person reads them: source excerpt, underline, help.
pub fn render_human(
    out: &mut dyn WriteColor,
    files: &[SourceFile],
    diagnostics: &[Diagnostic],
) -> std::io::Result<()> {
    let mut simple = SimpleFiles::new();
    for file in files {
        simple.add(file.name.clone(), printable(&file.text));
    }
    let config = term::Config::default();
    for diagnostic in diagnostics {
        let severity = match diagnostic.severity {
            Severity::Error => cs::Severity::Error,
            Severity::Warning => cs::Severity::Warning,
        };
        let mut labels = vec![label(cs::LabelStyle::Primary, &diagnostic.primary)];
        labels.extend(
            diagnostic
                .secondary
                .iter()
                .map(|l| label(cs::LabelStyle::Secondary, l)),
        );
        let mut notes = Vec::new();
        if let Some(help) = &diagnostic.help {
            notes.push(format!("help: {help}"));
        }
        notes.push(format!("more: charla explain {}", diagnostic.code));
        let rendered = cs::Diagnostic::new(severity)
            .with_code(diagnostic.code)
            .with_message(&diagnostic.message)
            .with_labels(labels)
            .with_notes(notes);
        term::emit(out, &config, &simple, &rendered)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
    }
    Ok(())
}

fn label(style: cs::LabelStyle, label: &Label) -> cs::Label<usize> {
    cs::Label::new(style, label.span.file.0 as usize, label.span.range())
        .with_message(&label.message)
}

/// The text with control characters (other than tab and line ends) shown as `?`, byte for
/// byte, so a NUL or a lone carriage return cannot garble the terminal and spans still fit.
fn printable(text: &str) -> String {
    if !text
        .bytes()
        .any(|b| b == b'\r' || b == 0x7f || (b < 0x20 && b != b'\t' && b != b'\n'))
    {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        let lone_cr = b == b'\r' && bytes.get(i + 1) != Some(&b'\n');
        if lone_cr || (b < 0x20 && b != b'\t' && b != b'\n' && b != b'\r') || b == 0x7f {
            out.push(b'?');
        } else {
            out.push(b);
        }
    }
    // Only ASCII bytes were replaced by ASCII, so the text is still UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Position of a label as the JSON format, annotations and SARIF give it: 1-based lines and
/// columns (columns count characters).
pub(super) struct Position<'a> {
    pub file: &'a str,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub(super) fn position<'a>(files: &'a [SourceFile], label: &Label) -> Position<'a> {
    match files.get(label.span.file.0 as usize) {
        Some(file) => {
            let (line, column) = file.line_col(label.span.start as usize);
            let (end_line, end_column) = file.line_col(label.span.end as usize);
            Position {
                file: &file.name,
                line,
                column,
                end_line,
                end_column,
            }
        }
        None => Position {
            file: "",
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
        },
    }
}

fn label_json(files: &[SourceFile], label: &Label) -> Value {
    let p = position(files, label);
    json!({
        "file": p.file, "line": p.line, "column": p.column,
        "end_line": p.end_line, "end_column": p.end_column, "message": label.message,
    })
}

/// The diagnostics of one bot as JSON values (DESIGN.md "Command line").
pub fn render_json(files: &[SourceFile], diagnostics: &[Diagnostic]) -> Vec<Value> {
    diagnostics
        .iter()
        .map(|d| {
            let p = position(files, &d.primary);
            let mut labels = vec![label_json(files, &d.primary)];
            labels.extend(d.secondary.iter().map(|l| label_json(files, l)));
            json!({
                "severity": d.severity, "code": d.code, "message": d.message,
                "file": p.file, "line": p.line, "column": p.column,
                "end_line": p.end_line, "end_column": p.end_column,
                "labels": labels, "help": d.help,
            })
        })
        .collect()
}

/// GitHub Actions annotations: `::error file=..,line=..::message`, one a line.
pub fn render_github(files: &[SourceFile], diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let p = position(files, &d.primary);
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = d.message.clone();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            escape_property(p.file),
            p.line,
            p.column,
            p.end_line,
            p.end_column,
            d.code,
            escape_data(&message)
        ));
    }
    out
}

/// Escaping of workflow-command data (GitHub's `escapeData`).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of workflow-command properties (GitHub's `escapeProperty`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}
