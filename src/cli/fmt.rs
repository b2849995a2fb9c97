//! `charla fmt PATH... [--check]`: write bots in the one canonical layout (docs/fmt.md).
//!
//! Exit codes: 0 every file is formatted (or was rewritten); 1 `--check` found a file to
//! reformat, or a file does not parse (it is reported and never written); 2 usage or I/O error.

use super::load;
use super::output::{count, print_out};
use super::{EXIT_ERRORS, EXIT_USAGE};
use crate::format::{format_source, FormatError};
use crate::source::SourceFile;
use codespan_reporting::term::termcolor::StandardStream;
use std::path::PathBuf;

/// Rewrite bot files in the canonical layout (in place, only the files that change)
#[derive(clap::Args)]
pub struct FmtArgs {
    /// Bot files or folders (a folder of bot folders formats each)
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Write nothing: print a diff of each file that is not formatted and exit 1 if any
    #[arg(long)]
    check: bool,
}

/// What happened to the files, for the closing line.
#[derive(Default)]
struct Tally {
    changed: usize,
    unchanged: usize,
    refused: usize,
}

pub fn run(args: FmtArgs) -> u8 {
    let bots = match load::bots(&args.paths) {
        Ok(bots) => bots,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    let mut tally = Tally::default();
    for bot in &bots {
        for (source, name) in bot.sources.iter().zip(&bot.relative_names) {
            let path = bot.dir.join(name);
            match format_source(source) {
                Ok(formatted) if formatted == source.text && !has_bom(&path) => {
                    tally.unchanged += 1;
                }
                Ok(formatted) if args.check => {
                    tally.changed += 1;
                    print_out(&diff(source, &formatted));
                }
                Ok(formatted) => {
                    if let Err(e) = std::fs::write(&path, formatted.as_bytes()) {
                        eprintln!("error: cannot write `{}`: {e}", path.display());
                        return EXIT_USAGE;
                    }
                    tally.changed += 1;
                    print_out(&format!("formatted {}\n", source.name));
                }
                Err(err) => {
                    tally.refused += 1;
                    refuse(source, &err);
                }
            }
        }
    }
    eprintln!("{}", summary(&tally, args.check));
    if tally.refused > 0 || (args.check && tally.changed > 0) {
        EXIT_ERRORS
    } else {
        0
    }
}

/// The source text drops a byte-order mark; the file on disk still has it and is not in
/// canonical form.
fn has_bom(path: &std::path::Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 3];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|()| head == [0xef, 0xbb, 0xbf])
}

/// A unified diff from the file to its formatted text, named after the file.
fn diff(source: &SourceFile, formatted: &str) -> String {
    let diff = similar::TextDiff::from_lines(source.text.as_str(), formatted);
    let mut out = diff
        .unified_diff()
        .context_radius(3)
        .header(&source.name, &source.name)
        .to_string();
    if out.is_empty() {
        // Only a byte-order mark differs, which the text does not show.
        out = format!(
            "--- {0}\n+++ {0}\n(the byte-order mark at the start of the file is removed)\n",
            source.name
        );
    }
    out
}

/// Says why a file was left alone, on standard error.
fn refuse(source: &SourceFile, err: &FormatError) {
    match err {
        FormatError::Syntax(errors) => {
            let diagnostics: Vec<_> = errors.iter().map(|e| e.to_diagnostic()).collect();
            let mut stderr = StandardStream::stderr(super::output::color_choice());
            let _ = crate::diagnostic::render_human(
                &mut stderr,
                std::slice::from_ref(source),
                &diagnostics,
            );
            eprintln!("{}: not formatted: it does not parse", source.name);
        }
        FormatError::SelfCheck(what) => eprintln!(
            "{}: not formatted: {what}; the file is left as it is (this is a bug in `charla fmt`, please report it)",
            source.name
        ),
    }
}

fn summary(tally: &Tally, check: bool) -> String {
    let mut parts = Vec::new();
    if tally.changed > 0 {
        let done = if check { "to reformat" } else { "formatted" };
        parts.push(format!("{} {done}", count(tally.changed, "file")));
    }
    if tally.unchanged > 0 {
        parts.push(format!(
            "{} already formatted",
            count(tally.unchanged, "file")
        ));
    }
    if tally.refused > 0 {
        parts.push(format!(
            "{} not formatted (see above)",
            count(tally.refused, "file")
        ));
    }
    parts.join(", ")
}
