//! The real `charla` binary: exit codes, output formats and `build`, as DESIGN.md "Command
//! line" fixes them. Every run has a time limit, and every bot is written to its own temporary
//! folder.

#[allow(dead_code)] // each test crate uses only part of the helpers
mod support;

use serde_json::Value;
use std::io::Read;
use std::path::Path;
use support::{
    assert_line_column, charla, charla_env, command, crate_root, example_bots, first_with, json,
    read_bot, TempDir,
};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A bot with no diagnostics at all.
const CLEAN: &str = r#"bot "Mini" {
  business retail
  start home
  support "https://mini.example/help"
}

menu home {
  say "Olá, ação"
  option "Talk to us" -> handoff
}
"#;

/// Only a warning (W0201: a description on a button menu), on line 8.
const WARNS: &str = r#"bot "Mini" {
  business retail
  start home
  support "https://mini.example/help"
}

menu home {
  say "Olá, ação"
  option "Açaí" "Desc" -> handoff
}
"#;

/// An error (E0105) after multi-byte characters on line 9: `nowher` starts at character 20
/// (byte 22).
const ERRS: &str = r#"bot "Mini" {
  business retail
  start home
  support "https://mini.example/help"
}

menu home {
  say "Olá, ação"
  option "Açaí" -> nowher
}
"#;

// --- exit codes ---------------------------------------------------------------------------------

#[test]
fn each_example_checks_clean() {
    for dir in example_bots() {
        charla(&["check", s(&dir), "--deny-warnings"]).assert_exit(0);
    }
}

#[test]
fn examples_folder_is_a_collection() {
    let run = charla(&["check", "examples", "--format", "json"]).assert_exit(0);
    let v = json(&run);
    assert_eq!(v["errors"], 0);
    assert_eq!(v["warnings"], 0);
    // Human output names every bot of the collection.
    let run = charla(&["check", "examples/"]).assert_exit(0);
    for dir in example_bots() {
        let name = dir.file_name().unwrap().to_str().unwrap();
        assert!(run.stderr.contains(name), "{name} not mentioned: {run:?}");
    }
}

#[test]
fn a_bot_with_an_error_exits_1() {
    let t = TempDir::new("err");
    let file = t.write("bot.charla", ERRS);
    let run = charla(&["check", s(&file)]).assert_exit(1);
    assert!(run.stderr.contains("E0105"), "{run:?}");
    // The same bot as a folder.
    charla(&["check", s(t.path())]).assert_exit(1);
}

#[test]
fn warnings_exit_0_unless_denied() {
    let t = TempDir::new("warn");
    let file = t.write("bot.charla", WARNS);
    let run = charla(&["check", s(&file)]).assert_exit(0);
    assert!(run.stderr.contains("W0201"), "{run:?}");
    charla(&["check", s(&file), "--deny-warnings"]).assert_exit(1);
    let run = charla(&["check", "--deny-warnings", s(&file), "--format", "json"]).assert_exit(1);
    assert_eq!(json(&run)["warnings"], 1);
}

#[test]
fn a_clean_bot_exits_0_even_with_deny_warnings() {
    let t = TempDir::new("clean");
    let file = t.write("bot.charla", CLEAN);
    charla(&["check", s(&file), "--deny-warnings"]).assert_exit(0);
}

#[test]
fn a_missing_path_exits_2() {
    let t = TempDir::new("missing");
    let missing = t.path().join("nope.charla");
    let run = charla(&["check", s(&missing)]).assert_exit(2);
    assert!(run.stderr.contains("nope.charla"), "{run:?}");
    // Even next to a good bot.
    let good = t.write("good/bot.charla", CLEAN);
    charla(&["check", s(&good), s(&missing)]).assert_exit(2);
    charla(&["build", s(&missing), "-o", s(&t.path().join("out.json"))]).assert_exit(2);
}

#[test]
fn a_folder_without_charla_files_anywhere_exits_2() {
    let t = TempDir::new("nofiles");
    t.write("notes.txt", "bot \"x\" {}\n");
    t.write("sub/deeper/readme.md", "nothing here\n");
    t.write("sub/bot.charla.bak", CLEAN);
    charla(&["check", s(t.path())]).assert_exit(2);
    let empty = TempDir::new("empty");
    charla(&["check", s(empty.path())]).assert_exit(2);
}

#[test]
fn usage_errors_exit_2() {
    let t = TempDir::new("usage");
    let file = t.write("bot.charla", CLEAN);
    for args in [
        vec!["check", s(&file), "--bogus"],
        vec!["check", "--format", "xml", s(&file)],
        vec!["check"],
        vec!["frobnicate"],
        vec![],
        vec!["build", s(&file)],
        vec!["explain"],
    ] {
        let run = charla(&args).assert_exit(2);
        assert!(run.stdout.is_empty(), "charla {args:?}: {run:?}");
    }
}

#[test]
fn help_and_version_exit_0() {
    let run = charla(&["--help"]).assert_exit(0);
    assert!(run.stdout.contains("check"), "{run:?}");
    let run = charla(&["--version"]).assert_exit(0);
    assert!(run.stdout.starts_with("charla "), "{run:?}");
}

// --- output formats -----------------------------------------------------------------------------

const DIAGNOSTIC_KEYS: [&str; 10] = [
    "severity",
    "code",
    "message",
    "file",
    "line",
    "column",
    "end_line",
    "end_column",
    "labels",
    "help",
];
const LABEL_KEYS: [&str; 6] = [
    "file",
    "line",
    "column",
    "end_line",
    "end_column",
    "message",
];

/// Checks one `--format json` document against DESIGN.md's shape.
fn assert_json_shape(v: &Value) {
    let top: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = top.clone();
    sorted.sort();
    assert_eq!(sorted, ["diagnostics", "errors", "warnings"], "{v}");
    let diagnostics = v["diagnostics"]
        .as_array()
        .expect("diagnostics is an array");
    let mut errors = 0;
    let mut warnings = 0;
    for d in diagnostics {
        let mut keys: Vec<&str> = d.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        let mut expected = DIAGNOSTIC_KEYS.to_vec();
        expected.sort();
        assert_eq!(keys, expected, "{d}");
        match d["severity"].as_str().unwrap() {
            "error" => {
                errors += 1;
                assert!(d["code"].as_str().unwrap().starts_with('E'), "{d}");
            }
            "warning" => {
                warnings += 1;
                assert!(d["code"].as_str().unwrap().starts_with('W'), "{d}");
            }
            other => panic!("severity `{other}`"),
        }
        let code = d["code"].as_str().unwrap();
        assert!(
            code.len() == 5 && code[1..].bytes().all(|b| b.is_ascii_digit()),
            "{d}"
        );
        assert!(!d["message"].as_str().unwrap().is_empty(), "{d}");
        assert!(d["file"].is_string(), "{d}");
        assert!(d["help"].is_string() || d["help"].is_null(), "{d}");
        for k in ["line", "column", "end_line", "end_column"] {
            assert!(d[k].as_u64().unwrap() >= 1, "{k} is 1-based: {d}");
        }
        let labels = d["labels"].as_array().unwrap();
        assert!(!labels.is_empty(), "the primary label is the first: {d}");
        for l in labels {
            let mut keys: Vec<&str> = l.as_object().unwrap().keys().map(String::as_str).collect();
            keys.sort();
            let mut expected = LABEL_KEYS.to_vec();
            expected.sort();
            assert_eq!(keys, expected, "{l}");
            for k in ["line", "column", "end_line", "end_column"] {
                assert!(l[k].as_u64().unwrap() >= 1, "{l}");
            }
            assert!(l["file"].is_string() && l["message"].is_string(), "{l}");
        }
        // The top-level position is the primary label's.
        for k in ["file", "line", "column", "end_line", "end_column"] {
            assert_eq!(d[k], labels[0][k], "{k}: {d}");
        }
    }
    assert_eq!(v["errors"], errors, "{v}");
    assert_eq!(v["warnings"], warnings, "{v}");
}

#[test]
fn json_output_has_designs_shape() {
    let t = TempDir::new("json");
    let file = t.write("bot.charla", ERRS);
    let run = charla(&["check", s(&file), "--format", "json"]).assert_exit(1);
    assert_eq!(
        run.stdout.trim_end().lines().count(),
        1,
        "one JSON object: {run:?}"
    );
    let v = json(&run);
    assert_json_shape(&v);
    assert_eq!(v["errors"], 1);
    assert_eq!(v["warnings"], 0);
    let d = &v["diagnostics"][0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["code"], "E0105");
    assert_eq!(d["file"], s(&file));
    assert!(d["message"].as_str().unwrap().contains("`nowher`"), "{d}");
    assert!(d["help"].is_string(), "{d}");
}

#[test]
fn json_columns_count_characters() {
    let t = TempDir::new("columns");
    let file = t.write("bot.charla", ERRS);
    let v = json(&charla(&["check", s(&file), "--format", "json"]));
    let d = &v["diagnostics"][0];
    // `  option "Açaí" -> nowher`: `nowher` is characters 20..26 (bytes 22..28).
    let line = ERRS.lines().nth(8).unwrap();
    let byte = line.find("nowher").unwrap();
    let chars = line[..byte].chars().count();
    assert_eq!(chars + 1, 20);
    assert_eq!(
        (&d["line"], &d["column"], &d["end_line"], &d["end_column"]),
        (
            &Value::from(9),
            &Value::from(20),
            &Value::from(9),
            &Value::from(26)
        ),
        "{d}"
    );

    // A leading byte-order mark does not count; CRLF line ends change nothing.
    let bom = t.write(
        "bom/bot.charla",
        format!("\u{feff}{}", ERRS.replace('\n', "\r\n")),
    );
    let v = json(&charla(&["check", s(&bom), "--format", "json"]));
    assert_json_shape(&v);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "E0105", "{v}");
    assert_line_column(d, 9, 20);

    // A 4-byte character (an emoji) is one column too: `"👋👋👋👋"` is 6 characters, 18 bytes.
    let emoji = ERRS.replace("\"Açaí\"", "\"👋👋👋👋\"");
    let file = t.write("emoji/bot.charla", &emoji);
    let v = json(&charla(&["check", s(&file), "--format", "json"]));
    let d = &v["diagnostics"][0];
    assert_line_column(d, 9, 20);
}

#[test]
fn json_warning_and_several_bots_in_one_object() {
    let t = TempDir::new("several");
    let bad = t.write("bad/bot.charla", ERRS);
    let warn = t.write("warn/bot.charla", WARNS);
    let run = charla(&["check", s(&bad), s(&warn), "--format", "json"]).assert_exit(1);
    let v = json(&run);
    assert_json_shape(&v);
    assert_eq!(v["errors"], 1);
    assert_eq!(v["warnings"], 1);
    let w = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["severity"] == "warning")
        .unwrap();
    assert_eq!(w["code"], "W0201");
    assert_eq!(w["file"], s(&warn));
    // `  option "Açaí" "Desc" -> handoff`: the description is characters 17..23.
    assert_eq!(
        (&w["line"], &w["column"], &w["end_column"]),
        (&Value::from(9), &Value::from(17), &Value::from(23)),
        "{w}"
    );

    // The collection of both gives the same counts.
    let run = charla(&["check", s(t.path()), "--format", "json"]);
    let v2 = json(&run);
    assert_eq!(
        (v2["errors"].clone(), v2["warnings"].clone()),
        (Value::from(1), Value::from(1))
    );

    // A clean bot: an empty list.
    let clean = t.write("clean/bot.charla", CLEAN);
    let run = charla(&["check", s(&clean), "--format", "json"]).assert_exit(0);
    let v = json(&run);
    assert_json_shape(&v);
    assert_eq!(v["diagnostics"], Value::Array(vec![]));
}

#[test]
fn json_labels_include_secondary_ones() {
    // A duplicate name: the second is primary, the first a secondary label.
    let t = TempDir::new("labels");
    let text =
        format!("{CLEAN}\nmenu home {{\n  say \"again\"\n  option \"Talk\" -> handoff\n}}\n");
    let file = t.write("bot.charla", &text);
    let run = charla(&["check", s(&file), "--format", "json"]).assert_exit(1);
    let v = json(&run);
    assert_json_shape(&v);
    let d = first_with(&v, "E0101");
    assert_eq!(d["line"], 12, "the second definition: {d}");
    let labels = d["labels"].as_array().unwrap();
    assert!(labels.len() >= 2, "{d}");
    assert_eq!(labels[1]["line"], 7, "the first definition: {d}");
}

#[test]
fn github_format_prints_annotations() {
    let t = TempDir::new("github");
    let bad = t.write("bad.charla", ERRS);
    let run = charla(&["check", s(&bad), "--format", "github"]).assert_exit(1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{run:?}");
    let prefix = format!(
        "::error file={},line=9,col=20,",
        s(&bad)
            .replace('%', "%25")
            .replace(':', "%3A")
            .replace(',', "%2C")
    );
    assert!(lines[0].starts_with(&prefix), "{run:?}");
    assert!(lines[0].contains("title=E0105::"), "{run:?}");

    let warn = t.write("warn.charla", WARNS);
    let run = charla(&["check", s(&warn), "--format", "github"]).assert_exit(0);
    assert!(run.stdout.starts_with("::warning file="), "{run:?}");
    assert!(run.stdout.contains(",line=9,"), "{run:?}");

    // Every line is one annotation, even when messages have line breaks (help).
    for line in run.stdout.lines() {
        assert!(line.starts_with("::"), "{line}");
    }
}

#[test]
fn no_ansi_escapes_off_a_terminal() {
    let t = TempDir::new("color");
    let file = t.write("bot.charla", ERRS);
    for env in [
        vec![],
        vec![("NO_COLOR", "1")],
        vec![("CLICOLOR_FORCE", "1"), ("TERM", "xterm-256color")],
    ] {
        for format in ["human", "json", "github"] {
            let run = charla_env(&["check", s(&file), "--format", format], &env).assert_exit(1);
            assert!(
                !run.stdout.contains('\u{1b}') && !run.stderr.contains('\u{1b}'),
                "ANSI escape with {env:?} --format {format}: {run:?}"
            );
        }
    }
    let run = charla_env(&["explain", "all"], &[("NO_COLOR", "1")]);
    assert!(!run.stdout.contains('\u{1b}'));
}

#[test]
fn human_output_shows_the_place_and_the_fix() {
    let t = TempDir::new("human");
    let file = t.write("bot.charla", ERRS);
    let run = charla(&["check", s(&file)]).assert_exit(1);
    assert!(run.stderr.contains("error[E0105]"), "{run:?}");
    assert!(
        run.stderr.contains(&format!("{}:9:20", s(&file))),
        "{run:?}"
    );
    assert!(run.stderr.contains("option \"Açaí\" -> nowher"), "{run:?}");
    assert!(run.stderr.contains("help:"), "{run:?}");
    assert!(
        run.stdout.is_empty(),
        "human diagnostics go to stderr: {run:?}"
    );
}

// --- build --------------------------------------------------------------------------------------

/// The bundle the library makes for a bot folder (files in byte order of names).
fn library_bundle(dir: &Path) -> Vec<u8> {
    let (sources, names) = read_bot(dir);
    let compiled = charla::compile(&sources, &charla::Options::default());
    charla::emit::bundle::emit(&compiled.model.expect("the example has errors"), &names)
}

#[test]
fn build_writes_the_librarys_bundle() {
    let t = TempDir::new("build");
    for dir in example_bots() {
        let out = t.path().join(format!(
            "{}.json",
            dir.file_name().unwrap().to_str().unwrap()
        ));
        charla(&["build", s(&dir), "-o", s(&out)]).assert_exit(0);
        let written = std::fs::read(&out).unwrap();
        assert!(
            written == library_bundle(&dir),
            "{}: the CLI's bundle differs from the library's",
            dir.display()
        );
        assert_eq!(charla::emit::bundle::verify(&written), Ok(()));
        // To standard output, the same bytes and nothing else.
        let run = charla(&["build", s(&dir), "--emit", "bundle", "-o", "-"]).assert_exit(0);
        assert!(
            run.stdout.as_bytes() == written.as_slice(),
            "{}: `-o -` differs",
            dir.display()
        );
    }
}

#[test]
fn build_is_reproducible_across_runs_and_places() {
    let t = TempDir::new("repro");
    let dir = &example_bots()[0];
    let a = t.path().join("a.json");
    let b = t.path().join("b.json");
    charla(&["build", s(dir), "-o", s(&a)]).assert_exit(0);
    // The same bot copied elsewhere gives the same bytes: nothing depends on the place.
    let copy = t.path().join("copy");
    std::fs::create_dir_all(&copy).unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, copy.join(p.file_name().unwrap())).unwrap();
        }
    }
    charla(&["build", s(&copy), "-o", s(&b)]).assert_exit(0);
    assert!(std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap());
}

#[test]
fn build_refuses_a_bot_with_errors() {
    let t = TempDir::new("build-err");
    let file = t.write("bot.charla", ERRS);
    let out = t.path().join("out.json");
    let run = charla(&["build", s(&file), "-o", s(&out)]).assert_exit(1);
    assert!(!out.exists(), "a bundle was written for a bot with errors");
    assert!(run.stderr.contains("E0105"), "{run:?}");
    let run = charla(&["build", s(&file), "-o", "-"]).assert_exit(1);
    assert!(run.stdout.is_empty(), "{run:?}");
}

#[test]
fn build_with_deny_warnings_refuses_warnings() {
    let t = TempDir::new("build-warn");
    let file = t.write("bot.charla", WARNS);
    let out = t.path().join("out.json");
    charla(&["build", s(&file), "-o", s(&out), "--deny-warnings"]).assert_exit(1);
    assert!(
        !out.exists(),
        "a bundle was written despite --deny-warnings"
    );
    charla(&["build", s(&file), "-o", s(&out)]).assert_exit(0);
    assert!(out.exists());
}

#[test]
fn build_takes_one_bot() {
    let t = TempDir::new("build-many");
    charla(&["build", "examples", "-o", s(&t.path().join("x.json"))]).assert_exit(2);
    assert!(!t.path().join("x.json").exists());
}

#[test]
fn build_into_a_missing_folder_exits_2() {
    let t = TempDir::new("build-io");
    let file = t.write("bot.charla", CLEAN);
    let out = t.path().join("no/such/folder/out.json");
    charla(&["build", s(&file), "-o", s(&out)]).assert_exit(2);
}

// --- explain ------------------------------------------------------------------------------------

fn documented_codes() -> Vec<String> {
    let dir = crate_root().join("docs/codes");
    let mut codes: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    codes.sort();
    codes
}

#[test]
fn explain_prints_the_explanation() {
    let run = charla(&["explain", "E0105"]).assert_exit(0);
    let doc = std::fs::read_to_string(crate_root().join("docs/codes/E0105.md")).unwrap();
    assert_eq!(run.stdout.trim_end(), doc.trim_end());
    assert!(run.stdout.contains("E0105"), "{run:?}");
    // Codes are found whatever their case.
    let lower = charla(&["explain", "e0105"]).assert_exit(0);
    assert_eq!(lower.stdout, run.stdout);
}

#[test]
fn explain_unknown_code_exits_2() {
    for code in ["NOPE", "E9999", "", "E0105 "] {
        let run = charla(&["explain", code]).assert_exit(2);
        assert!(run.stdout.is_empty(), "{run:?}");
    }
}

#[test]
fn explain_all_lists_every_code() {
    let run = charla(&["explain", "all"]).assert_exit(0);
    let listed: Vec<&str> = run
        .stdout
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let mut sorted = listed.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), listed.len(), "a code listed twice");
    assert_eq!(
        sorted,
        documented_codes(),
        "`explain all` and docs/codes/ disagree"
    );
    for line in run.stdout.lines() {
        let mut parts = line.split_whitespace();
        let code = parts.next().unwrap();
        let severity = parts.next().unwrap();
        let expected = if code.starts_with('E') {
            "error"
        } else {
            "warning"
        };
        assert_eq!(severity, expected, "{line}");
        assert!(parts.next().is_some(), "no summary: {line}");
        let one = charla(&["explain", code]).assert_exit(0);
        assert!(!one.stdout.trim().is_empty(), "explain {code} is empty");
    }
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    // `charla explain all | head -1`: the reader goes away; charla must not panic.
    for args in [
        vec!["explain", "all"],
        vec!["check", "examples", "--format", "json"],
    ] {
        let mut child = command(&args).spawn().unwrap();
        drop(child.stdout.take());
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(
            !err.contains("panicked"),
            "charla {args:?} panicked on a closed stdout:\n{err}"
        );
        assert_ne!(status.code(), Some(101), "charla {args:?}: {err}");
    }
}
