//! `charla build PATH --emit bundle -o FILE`: check one bot and write its bundle.

use super::check_options::CheckOptions;
use super::load;
use super::output::{count, Format, Report};
use super::{EXIT_ERRORS, EXIT_USAGE};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Emit {
    /// The JSON flow bundle (schema/bundle.schema.json)
    Bundle,
    /// A standalone executable: charla's runtime with the bundle inside (`NAME info`,
    /// `NAME chat`, `NAME serve`, `NAME notify`), and `NAME.env.example` beside it; it needs
    /// neither charla nor the sources to run
    Binary,
}

/// Check one bot and write what it compiles to
#[derive(clap::Args)]
pub struct BuildArgs {
    /// The bot: a `.charla` file or a folder of them
    path: PathBuf,
    /// What to produce
    #[arg(long, value_enum, default_value = "bundle")]
    emit: Emit,
    /// Where to write it (`-` for standard output)
    #[arg(short, long)]
    output: PathBuf,
    #[command(flatten)]
    checking: CheckOptions,
}

pub fn run(args: BuildArgs) -> u8 {
    let loaded = match load::one_bot(&args.path, "build") {
        Ok(bot) => bot,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    let bot = &loaded;
    let options = match load::options(bot, args.checking.policy.as_deref()) {
        Ok(o) => o,
        Err(message) => {
            eprintln!("error: {message}");
            return EXIT_USAGE;
        }
    };
    let compiled = crate::compile(&bot.sources, &options);
    let mut report = Report::default();
    report.add(args.checking.format, &bot.sources, &compiled.diagnostics);
    let summary = report.summary;
    report.finish(args.checking.format);
    let model = match compiled.model {
        Some(model) if !(args.checking.deny_warnings && summary.warnings > 0) => model,
        _ => {
            eprintln!(
                "{}: not built ({}, {})",
                bot.path.display(),
                count(summary.errors, "error"),
                count(summary.warnings, "warning")
            );
            return EXIT_ERRORS;
        }
    };
    let bundle = crate::emit::bundle::emit(&model, &bot.relative_names);
    let model_name = model.bot.name.clone();
    let bytes = match args.emit {
        Emit::Bundle => bundle,
        Emit::Binary => match runtime_executable() {
            Ok(runtime) => crate::emit::binary::append(&runtime, &bundle),
            Err(message) => {
                eprintln!("error: {message}");
                return EXIT_USAGE;
            }
        },
    };
    // The process ends right after this: giving the tree and the model back to the allocator
    // node by node would only slow a large build down (tens of milliseconds at 10,000 menus).
    std::mem::forget(model);
    std::mem::forget(compiled.files);
    let written = if args.output.as_os_str() == "-" {
        use std::io::Write;
        std::io::stdout().write_all(&bytes)
    } else {
        std::fs::write(&args.output, &bytes).and_then(|()| {
            if args.emit == Emit::Binary {
                make_executable(&args.output)?;
                // The settings `serve` reads, beside the binary (what `NAME serve
                // --env-example` prints).
                let mut example = args.output.clone().into_os_string();
                example.push(".env.example");
                std::fs::write(example, crate::server::settings::env_example(&model_name))
            } else {
                Ok(())
            }
        })
    };
    match written {
        Ok(()) => {
            if args.checking.format == Format::Human && args.output.as_os_str() != "-" {
                eprintln!(
                    "{}: built {} ({} bytes)",
                    bot.path.display(),
                    args.output.display(),
                    bytes.len()
                );
                if args.emit == Emit::Binary {
                    eprintln!(
                        "settings: {}.env.example (run `{} serve --help`)",
                        args.output.display(),
                        args.output.display()
                    );
                }
            }
            0
        }
        Err(e) => {
            eprintln!("error: cannot write `{}`: {e}", args.output.display());
            EXIT_USAGE
        }
    }
}

/// This executable's bytes: the runtime every built bot carries.
fn runtime_executable() -> Result<Vec<u8>, String> {
    let path =
        std::env::current_exe().map_err(|e| format!("cannot find charla's own executable: {e}"))?;
    std::fs::read(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

#[cfg(unix)]
fn make_executable(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn make_executable(_path: &std::path::Path) -> std::io::Result<()> {
    Ok(())
}
