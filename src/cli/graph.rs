//! `charla graph PATH --format mermaid|dot|svg [-o FILE]`: the bot's flow as a picture.
//!
//! A bot with errors is still drawn, from what parsed, with the errors highlighted and
//! printed; the exit code is then 1, so a script does not take the picture for a clean bot.

use super::load;
use super::output::{color_choice, count};
use super::{EXIT_ERRORS, EXIT_USAGE};
use crate::diagnostic::{render_human, Diagnostic};
use crate::graph::{dot, mermaid, svg, Graph};
use codespan_reporting::term::termcolor::StandardStream;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// A Mermaid flowchart: paste it in a ```mermaid block and GitHub draws it
    Mermaid,
    /// Graphviz DOT: `dot -Tpng flow.dot -o flow.png`
    Dot,
    /// An SVG picture, laid out by charla (no Graphviz needed)
    Svg,
}

/// Draw a bot's flow: menus, intents and templates, and where options, buttons and `goto`s lead
#[derive(clap::Args)]
pub struct GraphArgs {
    /// The bot: a `.charla` file or a folder of them
    path: PathBuf,
    /// What to draw; without it, from the extension of `-o` (`.svg`, `.dot`/`.gv`, else
    /// mermaid)
    #[arg(long, value_enum)]
    format: Option<GraphFormat>,
    /// Where to write it (standard output without it, or with `-`)
    #[arg(short, long)]
    output: Option<PathBuf>,
}

pub fn run(args: GraphArgs) -> u8 {
    let loaded = match load::one_bot(&args.path, "draw") {
        Ok(bot) => bot,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    let bot = &loaded;
    let options = match load::options(bot, None) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    let compiled = crate::compile(&bot.sources, &options);
    let graph = Graph::build(&bot.sources, &compiled.files, &compiled.diagnostics);
    let format = args
        .format
        .unwrap_or_else(|| format_for(args.output.as_deref()));
    let text = match format {
        GraphFormat::Mermaid => mermaid::render(&graph),
        GraphFormat::Dot => dot::render(&graph),
        GraphFormat::Svg => svg::render(&graph),
    };
    let to_file = args.output.as_ref().filter(|p| p.as_os_str() != "-");
    match to_file {
        Some(path) => {
            if let Err(e) = std::fs::write(path, text.as_bytes()) {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                return EXIT_USAGE;
            }
        }
        None => super::output::print_out(&text),
    }
    let errors: Vec<Diagnostic> = compiled
        .diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect();
    if errors.is_empty() {
        if let Some(path) = to_file {
            eprintln!(
                "{}: drew {} ({}, {})",
                bot.path.display(),
                path.display(),
                count(graph.nodes.len(), "node"),
                count(graph.edges.len(), "edge")
            );
        }
        return 0;
    }
    // Only the errors: warnings are `check`'s to report, and would bury these.
    let mut err = StandardStream::stderr(color_choice());
    let _ = render_human(&mut err, &bot.sources, &errors);
    eprintln!(
        "{}: has {}; drawn from what parsed, with them highlighted",
        bot.path.display(),
        count(errors.len(), "error")
    );
    EXIT_ERRORS
}

/// The format an output file's extension asks for.
fn format_for(output: Option<&Path>) -> GraphFormat {
    match output.and_then(Path::extension).and_then(|e| e.to_str()) {
        Some("svg") => GraphFormat::Svg,
        Some("dot" | "gv") => GraphFormat::Dot,
        _ => GraphFormat::Mermaid,
    }
}
