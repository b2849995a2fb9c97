//! Finding bots on disk (LANGUAGE.md section 1) and reading their files.

use crate::source::SourceFile;
use std::path::{Path, PathBuf};

/// One bot read from disk.
pub struct LoadedBot {
    /// The path as the user gave it (or the sub-folder of a collection).
    pub path: PathBuf,
    /// The folder that relative paths in the bot (`policy "..."`) start from.
    pub dir: PathBuf,
    pub sources: Vec<SourceFile>,
    /// File names relative to `dir`, for the bundle's source map.
    pub relative_names: Vec<String>,
}

/// The bots at these paths: a file is a bot; a folder with `.charla` files directly inside is
/// a bot; a folder without is a collection of the bots in its sub-folders (recursively, in
/// name order). Errors are usage errors (exit 2).
pub fn bots(paths: &[PathBuf]) -> Result<Vec<LoadedBot>, String> {
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path)
            .map_err(|e| format!("cannot read `{}`: {}", path.display(), io_reason(&e)))?;
        if meta.is_file() {
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            out.push(read_bot(path, dir, vec![path.clone()])?);
        } else {
            let before = out.len();
            collect_folder(path, &mut out)?;
            if out.len() == before {
                return Err(format!("`{}` holds no `.charla` files", path.display()));
            }
        }
    }
    Ok(out)
}

/// The one bot at `path`; a collection of several is a usage error naming what to do
/// (`verb`: "build", "draw", …, as in "build one at a time").
pub fn one_bot(path: &Path, verb: &str) -> Result<LoadedBot, String> {
    let mut found = bots(std::slice::from_ref(&path.to_path_buf()))?;
    if found.len() != 1 {
        return Err(format!(
            "`{}` holds {} bots; {verb} one at a time",
            path.display(),
            found.len()
        ));
    }
    found
        .pop()
        .ok_or_else(|| format!("`{}` holds no bot", path.display()))
}

fn collect_folder(dir: &Path, out: &mut Vec<LoadedBot>) -> Result<(), String> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read folder `{}`: {}", dir.display(), io_reason(&e)))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    // Byte order of names fixes the order of files, bundles and tests.
    entries.sort_by(|a, b| {
        a.file_name()
            .map(|n| n.as_encoded_bytes().to_vec())
            .cmp(&b.file_name().map(|n| n.as_encoded_bytes().to_vec()))
    });
    let files: Vec<PathBuf> = entries
        .iter()
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "charla"))
        .cloned()
        .collect();
    if !files.is_empty() {
        out.push(read_bot(dir, dir.to_path_buf(), files)?);
        return Ok(());
    }
    for sub in entries.iter().filter(|p| p.is_dir()) {
        collect_folder(sub, out)?;
    }
    Ok(())
}

fn read_bot(path: &Path, dir: PathBuf, files: Vec<PathBuf>) -> Result<LoadedBot, String> {
    let mut sources = Vec::new();
    let mut relative_names = Vec::new();
    for file in files {
        let bytes = std::fs::read(&file)
            .map_err(|e| format!("cannot read `{}`: {}", file.display(), io_reason(&e)))?;
        sources.push(SourceFile::from_bytes(file.display().to_string(), bytes));
        relative_names.push(
            file.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
    }
    Ok(LoadedBot {
        path: path.to_path_buf(),
        dir,
        sources,
        relative_names,
    })
}

/// The bots at these paths, each compiled (with `--policy` if given). An `Err` is a usage or
/// I/O error: the command exits 2.
pub fn compiled(
    paths: &[PathBuf],
    policy: Option<&Path>,
) -> Result<Vec<(LoadedBot, crate::Compilation)>, String> {
    let mut out = Vec::new();
    for bot in bots(paths)? {
        let compilation = crate::compile(&bot.sources, &options(&bot, policy)?);
        out.push((bot, compilation));
    }
    Ok(out)
}

/// Compile options for a bot: `--policy FILE` if given, and a reader for `policy "path"`
/// relative to the bot's folder.
pub fn options(bot: &LoadedBot, policy: Option<&Path>) -> Result<crate::Options, String> {
    let policy = match policy {
        Some(path) => Some(read_policy_arg(path)?),
        None => None,
    };
    let dir = bot.dir.clone();
    let read = move |relative: &str| -> Result<String, String> {
        let path = dir.join(relative);
        std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read `{}`: {}", path.display(), io_reason(&e)))
    };
    Ok(crate::Options {
        policy,
        read_policy: Some(Box::new(read)),
    })
}

/// The model of one bot, from its sources or a bundle (`.json`); the error comes with its exit
/// code (2 usage, 1 the bot has errors, reported on standard error).
pub fn model(path: &Path) -> Result<crate::model::Model, (u8, String)> {
    let is_bundle = path.extension().is_some_and(|e| e == "json");
    let model = if is_bundle {
        let bytes = std::fs::read(path).map_err(|e| {
            (
                super::EXIT_USAGE,
                format!("error: cannot read `{}`: {e}", path.display()),
            )
        })?;
        crate::runtime::bundle::load(&bytes)
            .map_err(|e| {
                (
                    super::EXIT_USAGE,
                    format!("error: `{}`: {e}", path.display()),
                )
            })?
            .0
    } else {
        let loaded =
            one_bot(path, "use").map_err(|m| (super::EXIT_USAGE, format!("error: {m}")))?;
        let bot = &loaded;
        let options = options(bot, None).map_err(|m| (super::EXIT_USAGE, format!("error: {m}")))?;
        let compiled = crate::compile(&bot.sources, &options);
        match compiled.model {
            Some(model) => model,
            None => {
                let mut report = crate::cli::output::Report::default();
                report.add(
                    crate::cli::output::Format::Human,
                    &bot.sources,
                    &compiled.diagnostics,
                );
                return Err((
                    super::EXIT_ERRORS,
                    format!("{}: the bot has errors; fix them first", bot.path.display()),
                ));
            }
        }
    };
    Ok(model)
}

/// `--policy whatsapp` or `--policy path/to/policy.json`.
fn read_policy_arg(path: &Path) -> Result<crate::policy::Policy, String> {
    if let Some(builtin) = path.to_str().and_then(crate::policy::builtin) {
        return Ok(builtin);
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read policy `{}`: {}", path.display(), io_reason(&e)))?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    crate::policy::parse_policy_file(&name, &text)
        .map_err(|e| format!("policy `{}`: {e}", path.display()))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}
