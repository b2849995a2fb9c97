//! No input makes charla panic, hang or exhaust memory (DESIGN.md "Quality bars"). Hostile
//! inputs go through the real binary with a time limit, and through the library, where every
//! diagnostic must point inside its file, on character boundaries. A property test mutates the
//! example bots.

#[allow(dead_code)] // each test crate uses only part of the helpers
mod support;

use charla::diagnostic::Diagnostic;
use charla::source::SourceFile;
use proptest::prelude::*;
use serde_json::Value;
use std::path::Path;
use support::{assert_line_column, charla, codes, example_bots, first_with, json, Run, TempDir};

// --- running the binary -------------------------------------------------------------------------

/// `charla check FILE --format json`: the exit code and the parsed report.
fn check_json(path: &Path) -> (i32, Value, Run) {
    let run = charla(&["check", path.to_str().unwrap(), "--format", "json"]);
    (run.code, json(&run), run)
}

/// `charla check FILE --format json` must exit 1 and report `code`; returns the first
/// diagnostic with that code, and the run.
#[track_caller]
fn check_reports(path: &Path, code: &str) -> (Value, Run) {
    let (exit, report, run) = check_json(path);
    assert_eq!(exit, 1, "{run:?}");
    (first_with(&report, code).clone(), run)
}

// --- the library --------------------------------------------------------------------------------

/// Checks that every label of every diagnostic lies within its file and on char boundaries,
/// and that the three renderers accept them. Returns a description of the first problem.
fn spans_problem(sources: &[SourceFile], diagnostics: &[Diagnostic]) -> Option<String> {
    for d in diagnostics {
        for label in std::iter::once(&d.primary).chain(&d.secondary) {
            let Some(file) = sources.get(label.span.file.0 as usize) else {
                return Some(format!(
                    "{} points at file {} of {}",
                    d.code,
                    label.span.file.0,
                    sources.len()
                ));
            };
            let (start, end) = (label.span.start as usize, label.span.end as usize);
            if start > end || end > file.text.len() {
                return Some(format!(
                    "{} `{}`: span {start}..{end} outside `{}` ({} bytes)",
                    d.code,
                    d.message,
                    file.name,
                    file.text.len()
                ));
            }
            if !file.text.is_char_boundary(start) || !file.text.is_char_boundary(end) {
                return Some(format!(
                    "{} `{}`: span {start}..{end} splits a character of `{}`",
                    d.code, d.message, file.name
                ));
            }
        }
        if d.message.is_empty() {
            return Some(format!("{} has an empty message", d.code));
        }
        if charla::diagnostic::codes::find(d.code).is_none() {
            return Some(format!("{} is not a registered code", d.code));
        }
    }
    let mut human = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
    if let Err(e) = charla::diagnostic::render_human(&mut human, sources, diagnostics) {
        return Some(format!("the human renderer failed: {e}"));
    }
    let json = charla::diagnostic::render_json(sources, diagnostics);
    for (value, d) in json.iter().zip(diagnostics) {
        for k in ["line", "column", "end_line", "end_column"] {
            if value[k].as_u64().unwrap_or(0) < 1 {
                return Some(format!("{}: `{k}` is not 1-based: {value}", d.code));
            }
        }
    }
    let _ = charla::diagnostic::render_github(sources, diagnostics);
    None
}

/// Compiles one file's bytes with the library; the diagnostics must be well placed. Returns
/// the diagnostics' codes.
fn compile_bytes(name: &str, bytes: &[u8]) -> Vec<&'static str> {
    let sources = vec![SourceFile::from_bytes(name, bytes.to_vec())];
    let compiled = charla::compile(&sources, &charla::Options::default());
    if let Some(problem) = spans_problem(&sources, &compiled.diagnostics) {
        panic!("{problem}");
    }
    compiled.diagnostics.iter().map(|d| d.code).collect()
}

/// A small deterministic generator (xorshift64*), so "random" junk is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| (self.next() >> 56) as u8).collect()
    }
}

const HEADER: &str =
    "bot \"Robust\" {\n  business retail\n  start home\n  support \"https://r.example\"\n}\n";

/// A valid bot whose `home` menu says `say` and whose intent `i` runs `steps`.
fn bot_with(say: &str, steps: &str) -> String {
    format!(
        "{HEADER}\nmenu home {{\n  say {say}\n  option \"Go\" -> i\n}}\n\nintent i {{\n{steps}\n}}\n"
    )
}

// --- hostile bytes ------------------------------------------------------------------------------

#[test]
fn invalid_utf8_names_the_file_and_the_byte() {
    let t = TempDir::new("utf8");
    let mut bytes = bot_with("\"hi\"", "  say \"ok\"").into_bytes();
    let at = bytes.len() - 10;
    bytes[at] = 0xff;
    let path = t.write("bad.charla", &bytes);
    let (code, report, _) = check_json(&path);
    assert_eq!(code, 1, "{report}");
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "E0001", "{report}");
    assert_eq!(d["file"], path.to_str().unwrap());
    assert!(
        d["message"].as_str().unwrap().contains(&at.to_string()),
        "the message names byte {at}: {d}"
    );
    // Human output: the file and the offset.
    let run = charla(&["check", path.to_str().unwrap()]).assert_exit(1);
    assert!(run.stderr.contains(path.to_str().unwrap()), "{run:?}");
    assert!(run.stderr.contains(&format!("byte {at}")), "{run:?}");

    // After a byte-order mark the offset is still the file's own (a hex editor's).
    let mut with_bom = b"\xef\xbb\xbf".to_vec();
    with_bom.extend_from_slice(&bytes);
    let path = t.write("bom.charla", &with_bom);
    let (code, report, _) = check_json(&path);
    assert_eq!(code, 1);
    let message = report["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains(&(at + 3).to_string()), "{report}");

    // In the second file of a folder bot: that file is named.
    let dir = TempDir::new("utf8-folder");
    dir.write("a.charla", bot_with("\"hi\"", "  say \"ok\""));
    let second = dir.write("b.charla", b"# caf\xe9\n");
    let (code, report, _) = check_json(dir.path());
    assert_eq!(code, 1, "{report}");
    let d = first_with(&report, "E0001");
    assert_eq!(d["file"], second.to_str().unwrap());
    assert!(d["message"].as_str().unwrap().contains("byte 5"), "{d}");
    assert_line_column(d, 1, 6);

    // Truncated sequences, lone continuation bytes, overlong forms, surrogates.
    for junk in [
        &b"\xe2\x82"[..],
        b"\x80",
        b"\xc0\xaf",
        b"\xed\xa0\x80",
        b"\xf4\x90\x80\x80",
    ] {
        let mut text = bot_with("\"hi\"", "  say \"ok\"").into_bytes();
        text.extend_from_slice(junk);
        assert!(compile_bytes("junk.charla", &text).contains(&"E0001"));
    }
}

#[test]
fn nul_and_control_characters_are_errors() {
    let t = TempDir::new("nul");
    let text = bot_with("\"hi\"", "  say \"a\0b\"");
    let line_text = text.lines().find(|l| l.contains('\0')).unwrap();
    let line = text.lines().position(|l| l.contains('\0')).unwrap() + 1;
    let column = line_text[..line_text.find('\0').unwrap()].chars().count() + 1;
    let path = t.write("nul.charla", &text);
    let (code, report, _) = check_json(&path);
    assert_eq!(code, 1, "{report}");
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "E0002", "{report}");
    assert_line_column(d, line, column);

    let mut accepted = Vec::new();
    for c in [
        '\0', '\u{1}', '\u{8}', '\u{b}', '\u{c}', '\u{1b}', '\u{7f}', '\r', '\u{85}',
    ] {
        for (place, text) in [
            (
                "before `bot`",
                format!("{c}{}", bot_with("\"hi\"", "  say \"ok\"")),
            ),
            (
                "in a string",
                bot_with(&format!("\"h{c}i\""), "  say \"ok\""),
            ),
            (
                "in a comment",
                bot_with("\"hi\"", &format!("  # com{c}ment\n  say \"ok\"")),
            ),
            (
                "in an end-of-line comment",
                bot_with(&format!("\"hi\" # a{c}b"), "  say \"ok\""),
            ),
            (
                "in a `\"\"\"` string",
                bot_with("\"hi\"", &format!("  say \"\"\"\n    a{c}b\n  \"\"\"")),
            ),
            (
                "between tokens",
                bot_with("\"hi\"", &format!("  say{c} \"ok\"")),
            ),
        ] {
            let codes = compile_bytes("control.charla", text.as_bytes());
            if !codes.contains(&"E0002") {
                accepted.push(format!("{c:?} {place}: {codes:?}"));
            }
        }
    }
    assert!(
        accepted.is_empty(),
        "control characters not reported as E0002 (LANGUAGE.md section 2):\n{}",
        accepted.join("\n")
    );
    // A file that is all NULs.
    let path = t.write("nuls.charla", vec![0u8; 4096]);
    let (code, _, run) = check_json(&path);
    assert_eq!(code, 1, "{run:?}");
}

#[test]
fn random_binary_junk() {
    let t = TempDir::new("junk");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for i in 0..8 {
        let junk = rng.bytes(4096);
        let path = t.write(&format!("junk{i}.charla"), &junk);
        charla(&["check", path.to_str().unwrap()]).assert_exit(1);
        compile_bytes("junk.charla", &junk);
    }
    // Junk that is valid UTF-8: printable ASCII and punctuation the grammar cares about.
    let alphabet = b"{}\"#,->=\n \tabcxyz_019\\%";
    for i in 0..8 {
        let junk: Vec<u8> = (0..4096)
            .map(|_| alphabet[(rng.next() % alphabet.len() as u64) as usize])
            .collect();
        let path = t.write(&format!("text{i}.charla"), &junk);
        charla(&["check", path.to_str().unwrap(), "--format", "json"]).assert_exit(1);
        compile_bytes("text.charla", &junk);
    }
}

// --- nesting ------------------------------------------------------------------------------------

fn assert_too_deep(text: &str, what: &str) {
    let t = TempDir::new("deep");
    let path = t.write("deep.charla", text);
    let (code, report, run) = check_json(&path);
    assert_eq!(code, 1, "{what}: {run:?}");
    assert!(
        codes(&report).contains(&"E0003".to_string()),
        "{what}: {run:?}"
    );
    let d = first_with(&report, "E0003");
    assert!(
        d["message"].as_str().unwrap().contains("nesting too deep"),
        "{what}: {d}"
    );
    // The same through the library, on a test thread's small stack.
    let codes = compile_bytes("deep.charla", text.as_bytes());
    assert!(codes.contains(&"E0003"), "{what}: {codes:?}");
}

#[test]
fn a_hundred_thousand_open_braces() {
    assert_too_deep(&"{".repeat(100_000), "100,000 `{`");
    assert_too_deep(&"{\n".repeat(100_000), "100,000 `{` lines");
    let closed = format!("{}{}", "{".repeat(100_000), "}".repeat(100_000));
    assert_too_deep(&closed, "100,000 `{` then `}`");
}

#[test]
fn a_hundred_thousand_nested_ifs() {
    let n = 100_000;
    let steps = format!(
        "{}  say \"deep\"\n{}",
        "  if contact.name {\n".repeat(n),
        "  }\n".repeat(n)
    );
    let text = bot_with("\"hi\"", &steps);
    assert_too_deep(&text, "100,000 nested `if`");
    // And with `else` on every level.
    let steps = format!(
        "{}  say \"deep\"\n{}",
        "  if contact.name {\n".repeat(n),
        "  } else {\n  say \"x\"\n  }\n".repeat(n)
    );
    assert_too_deep(&bot_with("\"hi\"", &steps), "100,000 nested `if`/`else`");
}

#[test]
fn nesting_at_the_limit_is_fine_and_one_more_is_not() {
    // The intent is one block, so 63 `if`s make 64 levels.
    let deep = |n: usize| {
        bot_with(
            "\"hi\"",
            &format!(
                "{}  say \"deep\"\n{}",
                "  if contact.name {\n".repeat(n),
                "  }\n".repeat(n)
            ),
        )
    };
    let codes = compile_bytes("ok.charla", deep(63).as_bytes());
    assert!(!codes.contains(&"E0003"), "{codes:?}");
    let codes = compile_bytes("deep.charla", deep(64).as_bytes());
    assert!(codes.contains(&"E0003"), "{codes:?}");
}

#[test]
fn braces_inside_strings_and_comments_do_not_count() {
    let many = "{".repeat(100_000);
    let text = bot_with(
        &format!("\"{}\"", "x"),
        &format!("  # {many}\n  say \"\"\"\n  {many}\n  \"\"\""),
    );
    let codes = compile_bytes("strings.charla", text.as_bytes());
    assert!(!codes.contains(&"E0003"), "{codes:?}");
}

// --- huge inputs --------------------------------------------------------------------------------

#[test]
fn a_five_megabyte_string_in_a_say() {
    let t = TempDir::new("big");
    let big = "a".repeat(5_000_000);
    let path = t.write(
        "big.charla",
        bot_with("\"hi\"", &format!("  say \"{big}\"")),
    );
    let (_, run) = check_reports(&path, "E0206");
    assert!(run.stdout.contains("5000000"), "{run:?}");
    // In a menu it is the body of the interactive message.
    let path = t.write(
        "menu.charla",
        bot_with(&format!("\"{big}\""), "  say \"ok\""),
    );
    check_reports(&path, "E0205");
}

#[test]
fn a_menu_with_ten_thousand_options() {
    let t = TempDir::new("options");
    let mut text = format!("{HEADER}\nmenu home {{\n  say \"pick\"\n");
    for i in 0..10_000 {
        text.push_str(&format!("  option \"Option {i}\" -> handoff\n"));
    }
    text.push_str("}\n");
    let path = t.write("options.charla", &text);
    let (d, _) = check_reports(&path, "E0201");
    // On the 11th option: the menu is on line 7, its `say` on 8, option 1 on 9.
    assert_eq!(d["line"], 19, "{d}");
}

#[test]
fn a_choice_with_ten_thousand_answers() {
    let t = TempDir::new("choice");
    let answers: Vec<String> = (0..10_000).map(|i| format!("\"A{i}\"")).collect();
    let text = bot_with(
        "\"hi\"",
        &format!(
            "  ask x \"which?\" as choice {}\n  say \"{{{{ x }}}}\"",
            answers.join(", ")
        ),
    );
    let path = t.write("choice.charla", &text);
    check_reports(&path, "E0215");
}

#[test]
fn a_line_of_one_megabyte() {
    let t = TempDir::new("line");
    // A long comment line in a good bot: still good.
    let comment = format!("# {}", "x".repeat(1_000_000));
    let text = format!("{comment}\n{}", bot_with("\"hi\"", "  say \"ok\""));
    let path = t.write("comment.charla", &text);
    let (code, report, run) = check_json(&path);
    assert_eq!(code, 0, "{run:?}");
    assert_eq!(report["errors"], 0);
    // A long line of words where a statement was expected: one error, on that line.
    let words = "word ".repeat(200_000);
    let text = bot_with("\"hi\"", &format!("  {words}"));
    let line = text.lines().position(|l| l.starts_with("  word")).unwrap() + 1;
    let path = t.write("words.charla", &text);
    let (d, run) = check_reports(&path, "E0004");
    assert_eq!(d["line"], line, "{run:?}");
    // A long line of multi-byte characters in a say: columns count characters.
    let text = bot_with("\"hi\"", &format!("  say \"{}\" oops", "ç".repeat(500_000)));
    let line = text.lines().position(|l| l.contains("oops")).unwrap() + 1;
    let path = t.write("chars.charla", &text);
    let (d, run) = check_reports(&path, "E0004");
    assert_eq!(d["line"], line, "{run:?}");
    // `  say "` is 7 characters, then 500,000 `ç`, `" ` and `oops` at 500,010.
    assert_eq!(d["column"], 500_010, "the error is on `oops`: {d}");
}

#[test]
fn a_name_of_a_hundred_thousand_characters() {
    let t = TempDir::new("name");
    let name = "n".repeat(100_000);
    // Defined and used: a good bot.
    let text = format!(
        "{HEADER}\nmenu home {{\n  say \"hi\"\n  option \"Go\" -> {name}\n}}\n\nintent {name} {{\n  say \"ok\"\n}}\n"
    );
    let path = t.write("good.charla", &text);
    let (code, _, run) = check_json(&path);
    assert_eq!(code, 0, "{run:?}");
    // Used but undefined, with no close candidate.
    let text = format!("{HEADER}\nmenu home {{\n  say \"hi\"\n  option \"Go\" -> {name}\n}}\n");
    let path = t.write("undefined.charla", &text);
    check_reports(&path, "E0105");
    // Used but undefined, next to an almost identical long name ("did you mean").
    let near = format!("{}m", "n".repeat(99_999));
    let text = format!(
        "{HEADER}\nmenu home {{\n  say \"hi\"\n  option \"Go\" -> {name}\n}}\n\nintent {near} {{\n  say \"ok\"\n}}\n"
    );
    let path = t.write("near.charla", &text);
    check_reports(&path, "E0105");
    // A long variable name, bound and used.
    let var = "v".repeat(100_000);
    let text = bot_with(
        "\"hi\"",
        &format!("  set {var} = \"x\"\n  say \"{{{{ {var} }}}}\""),
    );
    let path = t.write("var.charla", &text);
    let (code, report, run) = check_json(&path);
    // The name is fine; only the text holding it is over WhatsApp's 4096 characters.
    assert_eq!(code, 1, "{run:?}");
    assert_eq!(codes(&report), vec!["E0206".to_string()], "{run:?}");
}

// --- small broken files -------------------------------------------------------------------------

#[test]
fn an_empty_file() {
    let t = TempDir::new("empty");
    for (name, bytes) in [
        ("empty.charla", &b""[..]),
        ("bom.charla", b"\xef\xbb\xbf"),
        ("blank.charla", b"\n\n  \t\n"),
    ] {
        let path = t.write(name, bytes);
        let (code, report, run) = check_json(&path);
        assert_eq!(code, 1, "{name}: {run:?}");
        assert_eq!(codes(&report), ["E0009"], "{name}: {run:?}");
        assert_line_column(&report["diagnostics"][0], 1, 1);
    }
}

#[test]
fn a_file_of_only_comments() {
    let t = TempDir::new("comments");
    let path = t.write("comments.charla", "# one\n# two\n\n   # three\n");
    check_reports(&path, "E0102");
    compile_bytes("c.charla", b"#");
    compile_bytes("c.charla", b"# no newline at the end");
}

#[test]
fn unterminated_strings() {
    let t = TempDir::new("strings");
    let cases = [
        ("one-line", bot_with("\"hi", "  say \"ok\"")),
        (
            "one-line at the end",
            format!("{HEADER}\nmenu home {{\n  say \"hi"),
        ),
        ("triple", bot_with("\"\"\"hi", "  say \"ok\"")),
        (
            "triple at the end",
            format!("{HEADER}\nmenu home {{\n  say \"\"\"\n  hi\n"),
        ),
        (
            "escape at the end",
            format!("{HEADER}\nmenu home {{\n  say \"hi\\"),
        ),
        (
            "placeholder",
            bot_with("\"hi {{ contact.name\"", "  say \"ok\""),
        ),
        (
            "unicode escape",
            bot_with("\"hi \\u{1F44B\"", "  say \"ok\""),
        ),
        (
            "huge unicode escape",
            bot_with("\"hi \\u{FFFFFFFFFFFFFFFFFFFF}\"", "  say \"ok\""),
        ),
    ];
    for (what, text) in cases {
        let path = t.write("s.charla", &text);
        let (code, report, run) = check_json(&path);
        assert_eq!(code, 1, "{what}: {run:?}");
        assert!(report["errors"].as_u64().unwrap() >= 1, "{what}: {run:?}");
        compile_bytes("s.charla", text.as_bytes());
    }
    // The one-line string: reported on its line (8), not at the end of the file.
    let text = bot_with("\"hi", "  say \"ok\"");
    let codes = compile_bytes("s.charla", text.as_bytes());
    assert_eq!(codes[0], "E0004", "{codes:?}");
    let path = t.write("line.charla", &text);
    let (_, report, _) = check_json(&path);
    assert_eq!(report["diagnostics"][0]["line"], 8, "{report}");
}

#[test]
fn an_unterminated_block_at_the_end_of_the_file() {
    let t = TempDir::new("block");
    for text in [
        format!("{HEADER}\nmenu home {{\n  say \"hi\"\n  option \"Go\" -> handoff\n"),
        format!("{HEADER}\nmenu home {{\n  say \"hi\"\n  option \"Go\" -> handoff"),
        format!("{HEADER}\nmenu home {{"),
        "bot \"x\" {".to_string(),
        format!("{HEADER}\nintent i {{\n  if x {{\n    say \"a\"\n  }} else {{\n"),
    ] {
        let path = t.write("b.charla", &text);
        let (code, report, run) = check_json(&path);
        assert_eq!(code, 1, "{text:?}: {run:?}");
        let d = first_with(&report, "E0004");
        // At the end: on the last line with text (a missing token is reported at the end of
        // the line where it was expected) or at the very end of the file.
        let lines: Vec<&str> = text.lines().collect();
        let last = lines.iter().rposition(|l| !l.trim().is_empty()).unwrap() + 1;
        let line = d["line"].as_u64().unwrap() as usize;
        assert!(line >= last, "{text:?}: {d}");
        assert!(
            d["message"].as_str().unwrap().contains("end of the file")
                || d["help"]
                    .as_str()
                    .is_some_and(|h| h.contains("never closed")),
            "{text:?}: {d}"
        );
        compile_bytes("b.charla", text.as_bytes());
    }
}

#[test]
fn odd_but_harmless_inputs() {
    for text in [
        "}".repeat(1000),
        "\"".repeat(1001),
        "\"\"\"".repeat(333),
        "\n".repeat(100_000),
        "\r\n".repeat(1000),
        "\r".repeat(1000),
        "{{".repeat(1000),
        "{%".repeat(1000),
        "\\".repeat(1000),
        "bot".repeat(1000),
        "#".repeat(1000),
        "\u{feff}".repeat(100),
        "👋".repeat(1000),
        "e\u{301}".repeat(1000),
        format!("{HEADER}{HEADER}{HEADER}"),
        bot_with("\"{{ }}\"", "  say \"{{ 1 + }}\""),
        bot_with("\"{{ contact.name | upper }}\"", "  say \"{% if x %}\""),
        bot_with("\"hi\"", "  call GET \"http://[::1\" as r\n  say \"x\""),
        bot_with("\"hi\"", "  goto i"),
        bot_with("\"hi\"", "  ask x \"q\" as digits 99999999999999999999\n  say \"{{ x }}\""),
        format!("{HEADER}\ntest \"t\" {{\n  mock GET \"/x\" returns 99999 \"\"\"{{}}\"\"\"\n  user \"hi\"\n}}\n"),
        format!("{HEADER}\nbot \"again\" {{\n  session 99999999999999999999h\n}}\n"),
        "bot \"x\" {\n  session 18446744073709551615d\n}\n".to_string(),
    ] {
        compile_bytes("odd.charla", text.as_bytes());
    }
}

// --- mutations of the examples (property test) --------------------------------------------------

/// One bot's files: names and bytes, in byte order of names.
type BotFiles = Vec<(String, Vec<u8>)>;

/// Every example bot, read once.
fn example_bot_files() -> &'static [BotFiles] {
    static BOTS: std::sync::OnceLock<Vec<BotFiles>> = std::sync::OnceLock::new();
    BOTS.get_or_init(|| {
        example_bots()
            .iter()
            .map(|dir| {
                support::bots::charla_files(dir)
                    .iter()
                    .map(|p| (p.display().to_string(), std::fs::read(p).unwrap()))
                    .collect()
            })
            .collect()
    })
}

const SNIPPETS: &[&str] = &[
    "bot",
    "audience",
    "menu",
    "intent",
    "template",
    "test",
    "say",
    "ask",
    "call",
    "set",
    "if",
    "else",
    "goto",
    "handoff",
    "end",
    "option",
    "for",
    "sets",
    "as",
    "with",
    "examples",
    "category",
    "contact",
    "mock",
    "returns",
    "fails",
    "user",
    "expect",
    "contains",
    "opt_in",
    "opt_out",
    "none",
    "start",
    "GET",
    "POST",
    "DELETE",
    "business",
    "language",
    "policy",
    "fallback",
    "api",
    "support",
    "session",
    "approval",
    "header",
    "body",
    "footer",
    "button",
    "choice",
    "digits",
    "date",
    "yes_no",
    "{",
    "}",
    "{\n",
    "}\n",
    "\"",
    "\"\"\"",
    "\"\"\"\n",
    "{{",
    "}}",
    "{{ x }}",
    "{{1}}",
    "{%",
    "%}",
    "->",
    ",",
    "=",
    "\n",
    "\r\n",
    "#",
    " ",
    "\t",
    "\\",
    "\\u{",
    "\\u{1F44B}",
    "\u{feff}",
    "ç",
    "👋",
    "e\u{301}",
    "\0",
    "\u{1b}",
    "-> end",
    "-> nowhere",
    "if x {\n",
    "} else {\n",
    "goto welcome\n",
    "handoff\n",
    "set opt_in\n",
    "option \"A\" -> handoff\n",
    "say \"hi\"\n",
    "ask n \"q\" as number\n",
    "call GET \"/x\" as r\n",
    "24h",
    "0h",
    "99999",
    "\u{2028}",
];

#[derive(Debug, Clone)]
enum Mutation {
    Delete(prop::sample::Index, usize),
    Insert(prop::sample::Index, Vec<u8>),
    Duplicate(prop::sample::Index, usize, prop::sample::Index),
    Byte(prop::sample::Index, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let snippet = prop_oneof![
        4 => prop::sample::select(SNIPPETS).prop_map(|s| s.as_bytes().to_vec()),
        1 => prop::collection::vec(any::<u8>(), 1..8),
    ];
    prop_oneof![
        any::<(prop::sample::Index, usize)>().prop_map(|(i, n)| Mutation::Delete(i, n % 400 + 1)),
        (any::<prop::sample::Index>(), snippet).prop_map(|(i, s)| Mutation::Insert(i, s)),
        any::<(prop::sample::Index, usize, prop::sample::Index)>()
            .prop_map(|(i, n, j)| Mutation::Duplicate(i, n % 400 + 1, j)),
        any::<(prop::sample::Index, u8)>().prop_map(|(i, b)| Mutation::Byte(i, b)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len();
    match m {
        Mutation::Delete(at, n) => {
            if len > 0 {
                let start = at.index(len);
                let end = (start + n).min(len);
                bytes.drain(start..end);
            }
        }
        Mutation::Insert(at, snippet) => {
            let at = at.index(len + 1);
            bytes.splice(at..at, snippet.iter().copied());
        }
        Mutation::Duplicate(from, n, to) => {
            if len > 0 {
                let start = from.index(len);
                let piece = bytes[start..(start + n).min(len)].to_vec();
                let to = to.index(len + 1);
                bytes.splice(to..to, piece);
            }
        }
        Mutation::Byte(at, b) => {
            if len > 0 {
                let at = at.index(len);
                bytes[at] = *b;
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(256)
    })]

    #[test]
    fn mutated_examples_never_panic(
        bot in any::<prop::sample::Index>(),
        file in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let bots = example_bot_files();
        let files = &bots[bot.index(bots.len())];
        let target = file.index(files.len());
        let mut sources = Vec::new();
        let mut mutated = Vec::new();
        for (i, (name, bytes)) in files.iter().enumerate() {
            let mut bytes = bytes.clone();
            if i == target {
                for m in &mutations {
                    apply(&mut bytes, m);
                }
                mutated = bytes.clone();
            }
            sources.push(SourceFile::from_bytes(name.clone(), bytes));
        }
        let compiled = charla::compile(&sources, &charla::Options::default());
        let problem = spans_problem(&sources, &compiled.diagnostics);
        prop_assert!(
            problem.is_none(),
            "{}\nin {} mutated to:\n{}",
            problem.unwrap_or_default(),
            files[target].0,
            String::from_utf8_lossy(&mutated)
        );
        // A bot without errors has a model, and its bundle verifies.
        let errors = compiled.diagnostics.iter().any(|d| d.is_error());
        prop_assert_eq!(compiled.model.is_some(), !errors);
        if let Some(model) = &compiled.model {
            let names: Vec<String> = files
                .iter()
                .map(|(n, _)| Path::new(n).file_name().unwrap().to_string_lossy().into_owned())
                .collect();
            let bundle = charla::emit::bundle::emit(model, &names);
            prop_assert!(charla::emit::bundle::verify(&bundle).is_ok());
        }
    }
}
