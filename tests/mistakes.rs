//! The gallery of typical author mistakes (`tests/mistakes/`, described in its README.md):
//! each file is a small bot with one mistake a non-programmer makes. Every one must get at
//! least one diagnostic (asserted before the snapshot), and its snapshot shows the source and
//! what charla says about it, so the gallery documents charla's answer to each mistake.
//!
//! To add a mistake: add `tests/mistakes/<the_mistake>.charla`, a line in the README, and run
//! `INSTA_UPDATE=always cargo test --test mistakes`, then read the new `.snap`.

#[allow(dead_code)] // each test crate uses only part of the helpers
mod support;

use std::path::PathBuf;
use support::{compile, crate_root, names_a_situation, stem};

fn mistakes_dir() -> PathBuf {
    crate_root().join("tests/mistakes")
}

#[test]
fn reported() {
    insta::glob!("mistakes", "*.charla", |path| {
        let name = format!("mistakes/{}.charla", stem(path));
        let outcome = compile(path, &name);
        assert!(
            !outcome.diagnostics.is_empty(),
            "{name} shows a mistake, so charla must say something about it, but it reported \
             nothing:\n{}",
            outcome.snapshot
        );
        insta::assert_snapshot!(outcome.snapshot);
    });
}

#[test]
fn every_mistake_is_named_and_listed_in_the_readme() {
    let readme = std::fs::read_to_string(mistakes_dir().join("README.md"))
        .expect("tests/mistakes/README.md lists the mistakes");
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(mistakes_dir()).expect("tests/mistakes exists") {
        let path = entry.expect("a readable folder entry").path();
        let Some(file) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if file == "README.md" {
            continue;
        }
        if path.extension().is_none_or(|e| e != "charla") {
            problems.push(format!("{file} is not a .charla file"));
            continue;
        }
        if !names_a_situation(&stem(&path)) {
            problems.push(format!(
                "{file} should be named after the mistake, in at least three lowercase words"
            ));
        }
        if !readme.contains(&format!("`{file}`")) {
            problems.push(format!("{file} is not listed in README.md"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
