//! Bot folders on disk: the example bots, and a bot's `.charla` files in byte order of their
//! names (the order charla itself reads them in, LANGUAGE.md section 1).

use charla::source::SourceFile;
use std::path::{Path, PathBuf};

/// Whether `p` is a `.charla` file.
pub fn is_charla(p: &Path) -> bool {
    p.is_file() && p.extension().is_some_and(|e| e == "charla")
}

/// What is directly inside `dir`, in byte order of names.
pub fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort_by(|a, b| {
        a.file_name()
            .unwrap()
            .as_encoded_bytes()
            .cmp(b.file_name().unwrap().as_encoded_bytes())
    });
    entries
}

/// The `.charla` files directly inside a bot folder, in byte order of names.
pub fn charla_files(dir: &Path) -> Vec<PathBuf> {
    sorted_entries(dir)
        .into_iter()
        .filter(|p| is_charla(p))
        .collect()
}

/// The bot's files in byte order of their names, each named by its path, and those files'
/// names relative to the folder (as the bundle's source map lists them).
pub fn read_bot(dir: &Path) -> (Vec<SourceFile>, Vec<String>) {
    let files = charla_files(dir);
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let sources = files
        .iter()
        .map(|p| SourceFile::from_bytes(p.display().to_string(), std::fs::read(p).unwrap()))
        .collect();
    (sources, names)
}

/// Every bot under `examples/`, in byte order of paths: a folder with `.charla` files directly
/// inside is a bot; a folder without is a collection whose sub-folders are searched
/// (LANGUAGE.md section 1).
pub fn example_bots() -> Vec<PathBuf> {
    fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
        let entries = sorted_entries(dir);
        if entries.iter().any(|p| is_charla(p)) {
            out.push(dir.to_path_buf());
            return;
        }
        for sub in entries.iter().filter(|p| p.is_dir()) {
            collect(sub, out);
        }
    }
    let mut out = Vec::new();
    collect(&super::crate_root().join("examples"), &mut out);
    assert!(!out.is_empty(), "no example bots found under examples/");
    out
}
