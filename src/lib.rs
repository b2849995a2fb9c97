//! charla: a compiler for WhatsApp customer-care bots, and the runtime that serves them.
//!
//! ```text
//! source files ──syntax::parse_file──▶ ast::File (spans, comments)        one per file
//!              ──check::check──▶ diagnostics + model::Model               names, limits, policy, flow
//!              ──emit::bundle──▶ bundle JSON                              deterministic, source-mapped
//!              ──emit::binary──▶ a standalone bot executable
//! model ──runtime::engine──▶ one conversation turn at a time (pure state machine)
//!       ──channels::{meta, twilio}──▶ webhooks in, replies out (pure)
//! ```
//! Everything here is pure (no file, network, clock or terminal I/O) except `store`, the
//! conversation store on SQLite, and `cli`, which touches the world (and hands file reading in as
//! a function where the language needs it: `policy "path"`).

pub mod ast;
pub mod calls;
pub mod channels;
pub mod check;
pub mod cli;
pub mod clock;
pub mod diagnostic;
pub mod emit;
pub mod fold;
pub mod format;
pub mod graph;
pub mod lang;
pub mod lsp;
pub mod matching;
pub mod model;
pub mod policy;
pub mod preview;
pub mod runtime;
pub mod server;
pub mod source;
pub mod store;
pub mod syntax;

use diagnostic::Diagnostic;
use source::{FileId, SourceFile};

/// How to compile: a policy chosen on the command line, and how to read a `policy "path"`.
#[derive(Default)]
pub struct Options {
    pub policy: Option<policy::Policy>,
    #[allow(clippy::type_complexity)]
    pub read_policy: Option<Box<dyn Fn(&str) -> Result<String, String>>>,
}

/// The result of compiling one bot.
pub struct Compilation {
    pub files: Vec<ast::File>,
    /// Present when there are no errors.
    pub model: Option<model::Model>,
    /// In source order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses and checks one bot's files (in the order given: byte order of their names).
pub fn compile(sources: &[SourceFile], options: &Options) -> Compilation {
    let mut diagnostics = Vec::new();
    let mut files = Vec::with_capacity(sources.len());
    let mut incomplete = false;
    for (i, source) in sources.iter().enumerate() {
        let (file, errors) = syntax::parse_file(FileId(i as u32), source);
        incomplete |= !errors.is_empty();
        diagnostics.extend(errors.iter().map(syntax::SyntaxError::to_diagnostic));
        files.push(file);
    }
    let (model, found) = check::check(sources, &files, incomplete, options);
    diagnostics.extend(found);
    diagnostic::sort(&mut diagnostics);
    Compilation {
        files,
        model,
        diagnostics,
    }
}
