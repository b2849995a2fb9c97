//! The fixture suite: every `.charla` file under `tests/fixtures/{ok,err,warn}` is a test.
//!
//! The folder states what the file must produce (STYLE.md habit 7), and that is asserted
//! *before* the snapshot, so a broken fixture cannot slip in as a snapshot of an error:
//! - `ok/`: no diagnostics at all;
//! - `err/`: at least one error;
//! - `warn/`: at least one warning and no errors.
//!
//! Each snapshot shows the source and charla's diagnostics in labelled sections. To add a case,
//! add a file named after the situation (`err/menu_without_options.charla`) and run
//! `INSTA_UPDATE=always cargo test --test fixtures`, then read the new `.snap`.
//! A fixture may use a policy file from `tests/fixtures/policy/` with
//! `policy "../policy/name.json"`.

#[allow(dead_code)] // each test crate uses only part of the helpers
mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use support::{compile, crate_root, names_a_situation, stem, Outcome};

/// Codes no fixture can produce yet (none today; keep the list for codes added before their check).
const NOT_IMPLEMENTED: &[&str] = &[];

/// The folders and what each must produce.
const FOLDERS: [&str; 3] = ["ok", "err", "warn"];

fn fixtures_dir() -> PathBuf {
    crate_root().join("tests/fixtures")
}

/// `err/foo.charla`: the name shown in diagnostics and failure messages.
fn relative_name(path: &Path) -> String {
    let rel = path.strip_prefix(fixtures_dir()).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn compile_fixture(path: &Path) -> Outcome {
    compile(path, &relative_name(path))
}

/// Compiles a fixture and asserts what its folder says it must produce (`must`, such as
/// "produce at least one error"), before any snapshot is compared.
fn compile_fixture_that_must(path: &Path, must: &str, holds: fn(&Outcome) -> bool) -> Outcome {
    let outcome = compile_fixture(path);
    assert!(
        holds(&outcome),
        "{} must {must}, but charla reported {}:\n{}",
        relative_name(path),
        outcome.codes(),
        outcome.snapshot
    );
    outcome
}

/// Every fixture, sorted.
fn all_fixtures() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    for folder in FOLDERS {
        let dir = fixtures_dir().join(folder);
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a readable folder entry").path();
            if path.extension().is_some_and(|e| e == "charla") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    paths
}

#[test]
fn no_diagnostics() {
    insta::glob!("fixtures/ok", "*.charla", |path| {
        let outcome = compile_fixture_that_must(path, "compile with no diagnostics", |o| {
            o.diagnostics.is_empty()
        });
        insta::assert_snapshot!(outcome.snapshot);
    });
}

#[test]
fn errors() {
    insta::glob!("fixtures/err", "*.charla", |path| {
        let outcome =
            compile_fixture_that_must(path, "produce at least one error", |o| o.errors() > 0);
        insta::assert_snapshot!(outcome.snapshot);
    });
}

#[test]
fn warnings_only() {
    insta::glob!("fixtures/warn", "*.charla", |path| {
        let outcome = compile_fixture_that_must(path, "produce warnings and no errors", |o| {
            o.warnings() > 0 && o.errors() == 0
        });
        insta::assert_snapshot!(outcome.snapshot);
    });
}

#[test]
fn every_code_is_produced_by_some_fixture() {
    let mut produced = BTreeSet::new();
    for path in all_fixtures() {
        produced.extend(compile_fixture(&path).diagnostics.iter().map(|d| d.code));
    }
    let missing: Vec<&str> = charla::diagnostic::codes::CODES
        .iter()
        .map(|c| c.code)
        .filter(|code| !NOT_IMPLEMENTED.contains(code) && !produced.contains(code))
        .collect();
    assert!(
        missing.is_empty(),
        "no fixture produces these codes; add a fixture under tests/fixtures/ for each: {}",
        missing.join(", ")
    );
}

#[test]
fn not_implemented_codes_still_exist() {
    for code in NOT_IMPLEMENTED {
        assert!(
            charla::diagnostic::codes::find(code).is_some(),
            "{code} is no longer a code; remove it from NOT_IMPLEMENTED"
        );
    }
}

#[test]
fn every_fixture_is_named_after_a_situation() {
    let badly_named: Vec<String> = all_fixtures()
        .iter()
        .filter(|path| !names_a_situation(&stem(path)))
        .map(|path| relative_name(path))
        .collect();
    assert!(
        badly_named.is_empty(),
        "name each fixture after the situation it shows, in at least three lowercase words \
         joined by `_` (`err/menu_without_options.charla`): {}",
        badly_named.join(", ")
    );
}

#[test]
fn only_charla_files_and_folders_that_state_an_outcome() {
    let mut strays = Vec::new();
    for entry in std::fs::read_dir(fixtures_dir()).expect("tests/fixtures exists") {
        let path = entry.expect("a readable folder entry").path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if !(FOLDERS.contains(&name.as_str()) || name == "policy") {
            strays.push(name);
        }
    }
    for folder in FOLDERS {
        for entry in std::fs::read_dir(fixtures_dir().join(folder)).expect("the folder exists") {
            let path = entry.expect("a readable folder entry").path();
            if path.extension().is_none_or(|e| e != "charla") {
                strays.push(relative_name(&path));
            }
        }
    }
    assert!(
        strays.is_empty(),
        "tests/fixtures holds only ok/, err/, warn/ (with .charla files) and policy/; \
         these would never be tested: {}",
        strays.join(", ")
    );
}
