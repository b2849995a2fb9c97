//! `charla fmt`: every example and fixture formats idempotently and keeps its meaning, the
//! examples are already formatted, mutated bots (indentation, blank lines, spaces, comments)
//! come back to the same layout and meaning, and the command line writes, checks, diffs and
//! refuses as docs/fmt.md says.
//!
//! "Meaning" is the bundle with the source lines taken out (and for bots with errors, the
//! codes of their diagnostics): what the runtime sees must not change when the layout does.

#[allow(dead_code)]
mod support;

use charla::format::{format_source, FormatError};
use charla::source::SourceFile;
use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use support::{charla, crate_root, example_bots, read_bot, TempDir};

/// One bot of the corpus: its folder (where `policy "..."` is read from), files and names.
struct Bot {
    label: String,
    dir: PathBuf,
    sources: Vec<SourceFile>,
    names: Vec<String>,
}

/// Every example bot, and every single-file bot of the fixtures and mistakes.
fn corpus() -> &'static [Bot] {
    static CORPUS: OnceLock<Vec<Bot>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let mut bots = Vec::new();
        for dir in example_bots() {
            let (sources, names) = read_bot(&dir);
            bots.push(Bot {
                label: dir.display().to_string(),
                dir,
                sources,
                names,
            });
        }
        for folder in [
            "tests/fixtures/ok",
            "tests/fixtures/warn",
            "tests/fixtures/err",
            "tests/mistakes",
        ] {
            let dir = crate_root().join(folder);
            for path in support::bots::charla_files(&dir) {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                let source = SourceFile::from_bytes(
                    format!("{folder}/{name}"),
                    std::fs::read(&path).unwrap(),
                );
                bots.push(Bot {
                    label: format!("{folder}/{name}"),
                    dir: dir.clone(),
                    sources: vec![source],
                    names: vec![name],
                });
            }
        }
        bots
    })
}

/// The formatted text, or `None` when the file does not parse. A self-check failure is a bug.
fn fmt(source: &SourceFile) -> Option<String> {
    match format_source(source) {
        Ok(text) => Some(text),
        Err(FormatError::Syntax(_)) => None,
        Err(FormatError::SelfCheck(what)) => panic!("{}: self-check failed: {what}", source.name),
    }
}

/// What a bot means: its bundle without source lines, hash and compiler (when it has no
/// errors), and the codes of its diagnostics.
#[derive(Debug, PartialEq)]
struct Meaning {
    bundle: Option<Value>,
    codes: Vec<&'static str>,
}

fn meaning(dir: &Path, sources: &[SourceFile], names: &[String]) -> Meaning {
    let dir = dir.to_path_buf();
    let options = charla::Options {
        policy: None,
        read_policy: Some(Box::new(move |rel: &str| {
            std::fs::read_to_string(dir.join(rel)).map_err(|e| e.to_string())
        })),
    };
    let compiled = charla::compile(sources, &options);
    let bundle = compiled.model.map(|model| {
        let bytes = charla::emit::bundle::emit(&model, names);
        let mut bundle: Value = serde_json::from_slice(&bytes).unwrap();
        without_lines(&mut bundle);
        bundle
    });
    let mut codes: Vec<&'static str> = compiled.diagnostics.iter().map(|d| d.code).collect();
    codes.sort_unstable();
    Meaning { bundle, codes }
}

/// Takes out of a bundle what depends on where things are written: every `src` line (the
/// file index stays), the hash over the whole, and the compiler's version.
fn without_lines(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("hash");
            map.remove("compiler");
            for (key, v) in map.iter_mut() {
                match (key.as_str(), v) {
                    ("src", Value::Array(src)) if src.len() == 2 => src[1] = Value::from(0),
                    (_, v) => without_lines(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(without_lines),
        _ => {}
    }
}

/// Formats every file of a bot that parses (the others stay as they are).
fn formatted(sources: &[SourceFile]) -> Vec<SourceFile> {
    sources
        .iter()
        .map(|s| match fmt(s) {
            Some(text) => SourceFile::new(s.name.clone(), text),
            None => s.clone(),
        })
        .collect()
}

#[test]
fn every_example_and_fixture_formats_idempotently_and_keeps_its_meaning() {
    let mut files = 0;
    for bot in corpus() {
        let mut parses = true;
        for source in &bot.sources {
            let Some(once) = fmt(source) else {
                parses = false;
                continue;
            };
            files += 1;
            let twice = fmt(&SourceFile::new(source.name.clone(), once.clone()))
                .unwrap_or_else(|| panic!("{}: the formatted text does not parse", source.name));
            assert_eq!(once, twice, "{}: formatting twice changed it", source.name);
        }
        if parses {
            assert_eq!(
                meaning(&bot.dir, &formatted(&bot.sources), &bot.names),
                meaning(&bot.dir, &bot.sources, &bot.names),
                "{}: formatting changed the meaning",
                bot.label
            );
        }
    }
    assert!(
        files > 100,
        "only {files} files formatted: the corpus went missing"
    );
}

#[test]
fn the_examples_are_formatted() {
    for bot in corpus().iter().filter(|b| b.label.contains("examples")) {
        for source in &bot.sources {
            let once = fmt(source).unwrap_or_else(|| panic!("{} does not parse", source.name));
            assert!(
                once == source.text,
                "{} is not formatted: run `charla fmt examples/`",
                source.name
            );
        }
    }
    charla(&["fmt", "--check", "examples/"]).assert_exit(0);
}

#[test]
fn the_layout_follows_docs_fmt_md() {
    let text = "# the shop\nbot \"Shop\" {\n    business retail  # what we sell\n\tstart home\n\n\n  support \"help@shop.example\"\n}\naudience member \"Members\"\naudience staff \"Staff\"\nmenu home for member,\n staff {   # shown to everyone\n\n  say \"Hi\"\n  option \"Hours\" -> hours\n  option \"Person\" -> handoff\n\n}\nintent hours {\n  examples \"hours\",   \"when do you open\",\n        \"opening times\"\n  call GET \"/hours\" with {\n  day: \"today\" } as h\n  else {\n  say \"Sorry\"\n  }\n  if h.open { say \"x\" }\n}\n# the end\n";
    // `if h.open { say "x" }` does not parse: the block's `{` must end its line.
    assert!(fmt(&SourceFile::new("t.charla", text)).is_none());
    let text = text.replace(
        "  if h.open { say \"x\" }\n",
        "  if h.open {\nsay \"Open\"\n}\n",
    );
    let expected = "# the shop\nbot \"Shop\" {\n  business retail # what we sell\n  start home\n\n  support \"help@shop.example\"\n}\n\naudience member \"Members\"\naudience staff \"Staff\"\n\nmenu home for member,\n    staff { # shown to everyone\n  say \"Hi\"\n  option \"Hours\" -> hours\n  option \"Person\" -> handoff\n}\n\nintent hours {\n  examples \"hours\", \"when do you open\",\n    \"opening times\"\n  call GET \"/hours\" with {\n    day: \"today\"\n  } as h else {\n    say \"Sorry\"\n  }\n  if h.open {\n    say \"Open\"\n  }\n}\n# the end\n";
    assert_eq!(
        fmt(&SourceFile::new("t.charla", text.as_str())).as_deref(),
        Some(expected)
    );
}

#[test]
fn a_comment_with_spaces_after_it_stays_at_the_end_of_its_line() {
    // `start X` may go on with `for`: the parser's span of the setting runs over the spaces
    // and the comment after it (found by the mutation test).
    let text = "bot \"B\" {\n  business retail\n  start home   # where \n}\n";
    assert_eq!(
        fmt(&SourceFile::new("t.charla", text)).as_deref(),
        Some("bot \"B\" {\n  business retail\n  start home # where\n}\n")
    );
}

/// A quoted string in a condition is read whole by the parser as by the pre-scan: a `{ #`
/// inside it is text, and nothing of the line is lost.
#[test]
fn a_brace_and_hash_in_a_quoted_condition_string_are_kept() {
    let text = "menu m {\n  if code == '{ #' {\n    say \"x\"\n  }\n  option \"A\" -> handoff\n}\n";
    assert_eq!(
        fmt(&SourceFile::new("t.charla", text)).as_deref(),
        Some(text)
    );
}

/// A `#` outside quotes starts a comment, for the parser as for the pre-scan: `if a#b {` is a
/// syntax error, refused as such (never "a bug in charla fmt").
#[test]
fn a_hash_outside_quotes_in_a_condition_is_a_comment() {
    let text = "menu m {\n  if a#b {\n    say \"x\"\n  }\n  option \"A\" -> handoff\n}\n";
    assert!(matches!(
        format_source(&SourceFile::new("t.charla", text)),
        Err(FormatError::Syntax(_))
    ));
}

#[test]
fn a_hash_in_an_if_condition_is_not_taken_for_a_comment() {
    let text =
        "menu m {\n    if code != '#' {   # real\n  say \"x\"\n  }\n  option \"A\" -> handoff\n}\n";
    assert_eq!(
        fmt(&SourceFile::new("t.charla", text)).as_deref(),
        Some("menu m {\n  if code != '#' { # real\n    say \"x\"\n  }\n  option \"A\" -> handoff\n}\n")
    );
}

#[test]
fn raw_strings_keep_their_value_and_move_with_their_statement() {
    let text = "menu m {\n      say \"\"\"\n        Hello\n          there\n        \"\"\"\n  say \"\"\"Monday\n  Tuesday\"\"\"\n  option \"A\" -> handoff\n}\n";
    let expected = "menu m {\n  say \"\"\"\n    Hello\n      there\n    \"\"\"\n  say \"\"\"Monday\n  Tuesday\"\"\"\n  option \"A\" -> handoff\n}\n";
    assert_eq!(
        fmt(&SourceFile::new("t.charla", text)).as_deref(),
        Some(expected)
    );
}

#[test]
fn crlf_files_keep_crlf_and_lose_their_byte_order_mark() {
    let text = "\u{feff}bot \"B\" {\r\n    business retail\r\n  start home\r\n}\r\n";
    assert_eq!(
        fmt(&SourceFile::new("t.charla", text)).as_deref(),
        Some("bot \"B\" {\r\n  business retail\r\n  start home\r\n}\r\n")
    );
}

/// The generator of `cargo bench --bench check`; its bots put no blank line between items.
#[allow(dead_code)]
#[path = "../benches/check.rs"]
mod generator;

#[test]
fn a_generated_bot_formats_idempotently_and_keeps_its_meaning() {
    let names = ["bot.charla".to_string()];
    let original = SourceFile::new("bot.charla", generator::generate(300));
    let once = fmt(&original).expect("the generated bot parses");
    assert_ne!(
        once, original.text,
        "a generated bot is not in canonical layout"
    );
    let formatted = SourceFile::new("bot.charla", once.clone());
    assert_eq!(fmt(&formatted).as_ref(), Some(&once));
    let dir = crate_root();
    let before = meaning(dir, &[original], &names);
    assert!(before.bundle.is_some(), "the generated bot has errors");
    assert_eq!(meaning(dir, &[formatted], &names), before);
}

#[test]
fn half_typed_examples_are_formatted_or_refused_never_broken() {
    // What an editor sends while a person types: every prefix of every example, cut at each
    // line end and in the middle of each line.
    let mut refused = 0;
    for bot in corpus().iter().filter(|b| b.label.contains("examples")) {
        for source in &bot.sources {
            let text = source.text.as_str();
            let mut cuts: Vec<usize> = Vec::new();
            let mut line_start = 0;
            for (at, _) in text.match_indices('\n') {
                let middle = line_start + (at - line_start) / 2;
                cuts.extend((middle..=at).find(|&i| text.is_char_boundary(i)));
                cuts.push(at + 1);
                line_start = at + 1;
            }
            for cut in cuts {
                let prefix = SourceFile::new(source.name.clone(), &text[..cut]);
                match fmt(&prefix) {
                    Some(once) => {
                        let again = fmt(&SourceFile::new(source.name.clone(), once.clone()));
                        assert_eq!(Some(&once), again.as_ref(), "{} cut at {cut}", source.name);
                    }
                    None => refused += 1,
                }
            }
        }
    }
    assert!(refused > 0, "no prefix was refused: the cuts went wrong");
}

// ---- generated bots: mutations of the corpus ----------------------------------------------

/// What to do to one line.
#[derive(Debug, Clone, Copy)]
enum Edit {
    Keep,
    /// Indent it with this many spaces (a tab for 7).
    Indent(u8),
    /// Put this many blank lines before it.
    BlankLines(u8),
    /// Spaces after it.
    TrailingSpaces(u8),
    /// A comment line before it.
    CommentBefore,
    /// A comment at its end.
    CommentAfter,
}

/// Edits of spacing only (the formatted text must not change), or of anything (blank lines,
/// comments: it must stay idempotent and keep its meaning).
fn edit(spacing_only: bool) -> impl Strategy<Value = Edit> {
    let spacing = prop_oneof![
        3 => Just(Edit::Keep),
        2 => (0u8..8).prop_map(Edit::Indent),
        1 => (1u8..4).prop_map(Edit::TrailingSpaces),
    ];
    if spacing_only {
        spacing.boxed()
    } else {
        prop_oneof![
            6 => spacing,
            2 => (1u8..3).prop_map(Edit::BlankLines),
            1 => Just(Edit::CommentBefore),
            1 => Just(Edit::CommentAfter),
        ]
        .boxed()
    }
}

/// The text with `edits` applied line by line (cycling). The lines of a `"""` string are text
/// and stay as they are; so does the indentation of the line that opens one, whose lines keep
/// their place relative to it (docs/fmt.md).
fn mutate(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut in_raw = false;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let quotes = line.matches("\"\"\"").count();
        let was_raw = in_raw;
        in_raw ^= quotes % 2 == 1;
        let opens_raw = !was_raw && in_raw;
        let edit = if edits.is_empty() || was_raw {
            Edit::Keep
        } else {
            edits[i % edits.len()]
        };
        let (body, end) = match line.strip_suffix("\r\n") {
            Some(body) => (body, "\r\n"),
            None => match line.strip_suffix('\n') {
                Some(body) => (body, "\n"),
                None => (line, ""),
            },
        };
        match edit {
            Edit::Indent(n) if !opens_raw => {
                let pad = if n == 7 {
                    "\t".to_string()
                } else {
                    " ".repeat(n as usize)
                };
                out.push_str(&pad);
                out.push_str(body.trim_start());
                out.push_str(end);
            }
            Edit::BlankLines(n) => {
                for _ in 0..n {
                    out.push_str(if end.is_empty() { "\n" } else { end });
                }
                out.push_str(line);
            }
            Edit::TrailingSpaces(n) if !opens_raw => {
                out.push_str(body);
                out.push_str(&" ".repeat(n as usize));
                out.push_str(end);
            }
            Edit::CommentBefore => {
                out.push_str(&format!("  # note {i}"));
                out.push_str(if end.is_empty() { "\n" } else { end });
                out.push_str(line);
            }
            Edit::CommentAfter if !opens_raw && !end.is_empty() => {
                out.push_str(body);
                out.push_str(&format!(" # after {i}"));
                out.push_str(end);
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// The files of the corpus that parse, as (bot, file index).
fn parsing_files() -> &'static [(usize, usize)] {
    static FILES: OnceLock<Vec<(usize, usize)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let mut files = Vec::new();
        for (b, bot) in corpus().iter().enumerate() {
            if bot.sources.iter().all(|s| fmt(s).is_some()) {
                files.extend((0..bot.sources.len()).map(|f| (b, f)));
            }
        }
        files
    })
}

/// One bot with one of its files mutated: the mutated text must parse, format idempotently, and
/// mean what the original means; when only spacing changed it formats to the original's text.
fn check_mutation(pick: usize, edits: &[Edit], spacing_only: bool) -> Result<(), TestCaseError> {
    let files = parsing_files();
    let (b, f) = files[pick % files.len()];
    let bot = &corpus()[b];
    let original = &bot.sources[f];
    let text = mutate(&original.text, edits);
    let mutated = SourceFile::new(original.name.clone(), text.clone());
    let Some(once) = fmt(&mutated) else {
        return Err(TestCaseError::fail(format!(
            "{}: the mutated text does not parse:\n{text}",
            original.name
        )));
    };
    let twice = fmt(&SourceFile::new(original.name.clone(), once.clone()));
    prop_assert_eq!(Some(&once), twice.as_ref(), "not idempotent:\n{}", text);
    if spacing_only {
        let canonical = fmt(original);
        prop_assert_eq!(
            Some(&once),
            canonical.as_ref(),
            "layout differs from the original's:\n{}",
            text
        );
    }
    let mut sources = bot.sources.clone();
    sources[f] = SourceFile::new(original.name.clone(), once);
    prop_assert_eq!(
        meaning(&bot.dir, &sources, &bot.names),
        meaning(&bot.dir, &bot.sources, &bot.names),
        "meaning changed:\n{}",
        text
    );
    Ok(())
}

proptest! {
    // A failure prints its mutated text; cases worth keeping become tests above.
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn respaced_bots_come_back_to_the_same_text(
        pick in 0usize..10_000,
        edits in prop::collection::vec(edit(true), 1..40),
    ) {
        check_mutation(pick, &edits, true)?;
    }

    #[test]
    fn bots_with_blank_lines_and_comments_added_format_idempotently_and_keep_their_meaning(
        pick in 0usize..10_000,
        edits in prop::collection::vec(edit(false), 1..40),
    ) {
        check_mutation(pick, &edits, false)?;
    }
}

// ---- the command line ------------------------------------------------------------------------

const UNFORMATTED: &str =
    "bot \"Shop\" {\n    business retail\n  start home\n}\nmenu home {\nsay \"Hi\"\n  option \"Person\" -> handoff\n}\n";
const FORMATTED: &str =
    "bot \"Shop\" {\n  business retail\n  start home\n}\n\nmenu home {\n  say \"Hi\"\n  option \"Person\" -> handoff\n}\n";

fn path_arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn check_prints_a_diff_and_exits_1_without_writing() {
    let dir = TempDir::new("fmt-check");
    let file = dir.write("shop.charla", UNFORMATTED);
    let run = charla(&["fmt", "--check", path_arg(&file)]).assert_exit(1);
    let name = file.display().to_string();
    assert!(
        run.stdout
            .starts_with(&format!("--- {name}\n+++ {name}\n@@ ")),
        "{run:?}"
    );
    assert!(run
        .stdout
        .contains("\n-    business retail\n+  business retail\n"));
    assert!(run
        .stdout
        .contains("\n+\n menu home {\n-say \"Hi\"\n+  say \"Hi\"\n"));
    assert!(run.stderr.contains("1 file to reformat"), "{run:?}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), UNFORMATTED);
}

#[test]
fn check_of_formatted_files_is_silent_and_exits_0() {
    let dir = TempDir::new("fmt-clean");
    dir.write("bot/a.charla", FORMATTED);
    dir.write("bot/b.charla", "audience member \"Members\"\n");
    let run = charla(&["fmt", "--check", path_arg(dir.path())]).assert_exit(0);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("2 files already formatted"), "{run:?}");
}

#[test]
fn fmt_rewrites_only_the_files_that_change_and_names_them() {
    let dir = TempDir::new("fmt-write");
    let messy = dir.write("bot/a.charla", UNFORMATTED);
    let clean = dir.write("bot/b.charla", "audience member \"Members\"\n");
    let before = std::fs::metadata(&clean).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let run = charla(&["fmt", path_arg(&dir.path().join("bot"))]).assert_exit(0);
    assert_eq!(run.stdout, format!("formatted {}\n", messy.display()));
    assert!(
        run.stderr
            .contains("1 file formatted, 1 file already formatted"),
        "{run:?}"
    );
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), FORMATTED);
    assert_eq!(
        std::fs::metadata(&clean).unwrap().modified().unwrap(),
        before
    );
    // Now everything is formatted.
    charla(&["fmt", "--check", path_arg(dir.path())]).assert_exit(0);
}

#[test]
fn a_file_that_does_not_parse_is_reported_and_never_written() {
    let dir = TempDir::new("fmt-broken");
    let broken_text = "bot \"Shop\" {\n    business retail\n  start home\n}\nmenu home {\n  option \"Person\" handoff\n}\n";
    let broken = dir.write("bot/a.charla", broken_text);
    let fine = dir.write("bot/b.charla", "audience   member \"Members\"\n");
    for args in [vec!["fmt"], vec!["fmt", "--check"]] {
        let mut args = args.clone();
        args.push(path_arg(dir.path()));
        let run = charla(&args).assert_exit(1);
        assert!(run.stderr.contains("E0004"), "{run:?}");
        assert!(
            run.stderr.contains(&format!(
                "{}: not formatted: it does not parse",
                broken.display()
            )),
            "{run:?}"
        );
        assert_eq!(std::fs::read_to_string(&broken).unwrap(), broken_text);
    }
    // The other file of the bot was still formatted by the run without --check.
    assert_eq!(
        std::fs::read_to_string(&fine).unwrap(),
        "audience member \"Members\"\n"
    );
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let run = charla(&["fmt", "no/such/bot.charla"]).assert_exit(2);
    assert!(run.stderr.contains("no such file or folder"), "{run:?}");
}
