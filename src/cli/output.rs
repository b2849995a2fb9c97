//! Printing diagnostics in the format asked for.

use crate::diagnostic::{render_github, render_human, render_json, Diagnostic, Sarif, Summary};
use crate::source::SourceFile;
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use std::io::IsTerminal;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: source excerpts, underlines, help
    Human,
    /// One JSON object: {"diagnostics": [...], "errors": N, "warnings": N}
    Json,
    /// GitHub Actions annotations
    Github,
    /// One SARIF 2.1.0 log, for code scanning (GitHub's upload-sarif, IDE viewers)
    Sarif,
}

/// Colour only on a terminal, and never with `NO_COLOR`.
pub fn color_choice() -> ColorChoice {
    if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    {
        ColorChoice::Auto
    } else {
        ColorChoice::Never
    }
}

/// Diagnostics gathered over several bots, printed at the end (JSON and SARIF need one object).
#[derive(Default)]
pub struct Report {
    json: Vec<serde_json::Value>,
    sarif: Sarif,
    pub summary: Summary,
}

impl Report {
    /// Prints (human, github) or keeps (json, sarif) one bot's diagnostics.
    pub fn add(&mut self, format: Format, files: &[SourceFile], diagnostics: &[Diagnostic]) {
        let s = Summary::of(diagnostics);
        self.summary.errors += s.errors;
        self.summary.warnings += s.warnings;
        match format {
            Format::Human => {
                let mut err = StandardStream::stderr(color_choice());
                let _ = render_human(&mut err, files, diagnostics);
            }
            Format::Github => print_out(&render_github(files, diagnostics)),
            Format::Json => self.json.extend(render_json(files, diagnostics)),
            // SARIF paths are relative to where charla runs: in CI, the repository's root,
            // which is what code scanning expects. Without a current directory every path is
            // kept as the user wrote it.
            Format::Sarif => {
                let base = std::env::current_dir().unwrap_or_default();
                self.sarif.add(files, diagnostics, &base);
            }
        }
    }

    /// Prints what is left: the JSON object, the SARIF log, or nothing.
    pub fn finish(self, format: Format) {
        match format {
            Format::Json => {
                let value = serde_json::json!({
                    "diagnostics": self.json,
                    "errors": self.summary.errors,
                    "warnings": self.summary.warnings,
                });
                print_out(&format!("{value}\n"));
            }
            Format::Sarif => {
                // Indented: a SARIF file is also read by people, in CI logs and artifacts.
                let log = self.sarif.finish();
                let text = serde_json::to_string_pretty(&log).unwrap_or_else(|_| log.to_string());
                print_out(&format!("{text}\n"));
            }
            Format::Human | Format::Github => {}
        }
    }
}

/// Writes to standard output; a closed pipe (`charla ... | head`) is not an error worth a
/// panic, so write errors are ignored.
pub fn print_out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

/// "1 error", "2 warnings".
pub fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
