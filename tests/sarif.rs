//! `charla check --format sarif`: a SARIF 2.1.0 log that the official schema accepts
//! (`schema/sarif-2.1.0.json`, vendored; see `schema/README.md`), whose rules are the codes
//! reported, whose places are those of `--format json` (columns in Unicode code points, as the
//! run's `columnKind` says), and whose paths are URIs relative to the current directory.

#[allow(dead_code)] // each test crate uses only part of the helpers
mod support;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use support::{charla, command, crate_root, json, Run, TempDir};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn validator() -> jsonschema::Validator {
    let path = crate_root().join("schema/sarif-2.1.0.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let schema: Value = serde_json::from_str(&text).expect("the SARIF schema is not JSON");
    // Formats are checked too (`uri-reference` of every artifact location, for one): under
    // draft 2020-12 they are only annotations unless asked for.
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema is not a valid JSON Schema")
}

/// Fails with every schema violation, each with where it is in the log.
#[track_caller]
fn assert_valid(log: &Value) {
    let errors: Vec<String> = validator()
        .iter_errors(log)
        .map(|e| format!("at `{}`: {e}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "the SARIF log breaks the schema:\n{}\n{log:#}",
        errors.join("\n")
    );
}

/// Standard output of a `--format sarif` run: one JSON value.
fn sarif(run: &Run) -> Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {run:?}"))
}

fn results(log: &Value) -> &Vec<Value> {
    log["runs"][0]["results"].as_array().expect("results")
}

fn rules(log: &Value) -> &Vec<Value> {
    log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
}

/// Every `.charla` file of the `err/` and `warn/` fixtures, relative to the crate root (where
/// the binary runs), in byte order.
fn fixture_files() -> Vec<String> {
    let mut files = Vec::new();
    for folder in ["tests/fixtures/err", "tests/fixtures/warn"] {
        let mut names: Vec<String> = std::fs::read_dir(crate_root().join(folder))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".charla"))
            .collect();
        names.sort();
        files.extend(names.into_iter().map(|n| format!("{folder}/{n}")));
    }
    files
}

/// `charla ARGS` run in `dir`, with the same time limit as the other CLI tests.
fn charla_in(dir: &Path, args: &[&str]) -> Run {
    let mut child = command(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot start charla");
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("`charla {}` did not finish in 20 s", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let output = child.wait_with_output().unwrap();
    Run {
        args: args.iter().map(|a| a.to_string()).collect(),
        code: output.status.code().expect("killed by a signal"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

/// The region of a SARIF location as (line, column, end line, end column).
fn region(location: &Value) -> (u64, u64, u64, u64) {
    let r = &location["physicalLocation"]["region"];
    let n = |k: &str| {
        r[k].as_u64()
            .unwrap_or_else(|| panic!("no {k}: {location}"))
    };
    (
        n("startLine"),
        n("startColumn"),
        n("endLine"),
        n("endColumn"),
    )
}

/// The place of a `--format json` label or diagnostic, in the same shape.
fn json_place(d: &Value) -> (u64, u64, u64, u64) {
    let n = |k: &str| d[k].as_u64().unwrap_or_else(|| panic!("no {k}: {d}"));
    (n("line"), n("column"), n("end_line"), n("end_column"))
}

/// The URI a file named as `--format json` names it should have: its path with forward slashes
/// and each byte outside RFC 3986's unreserved characters percent-encoded, `file://` in front
/// of an absolute one.
fn expected_uri(file: &str) -> String {
    let mut out = String::new();
    for byte in file.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    if file.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

fn uri(location: &Value) -> &str {
    location["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap_or_else(|| panic!("no uri: {location}"))
}

/// Asserts that a SARIF log says what a `--format json` report of the same run says: the same
/// diagnostics in the same order, codes as rule ids, levels, files, places, labels and help.
#[track_caller]
fn assert_same_as_json(log: &Value, report: &Value) {
    let diagnostics = report["diagnostics"].as_array().unwrap();
    let results = results(log);
    assert_eq!(results.len(), diagnostics.len(), "{log:#}\n{report:#}");
    let rules = rules(log);
    for (r, d) in results.iter().zip(diagnostics) {
        let context = format!("{r:#}\n{d:#}");
        assert_eq!(r["ruleId"], d["code"], "{context}");
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], d["code"], "{context}");
        assert_eq!(r["level"], d["severity"], "{context}");
        let text = r["message"]["text"].as_str().unwrap();
        assert!(
            text.starts_with(d["message"].as_str().unwrap()),
            "{context}"
        );
        if let Some(help) = d["help"].as_str() {
            assert!(text.ends_with(&format!("\nhelp: {help}")), "{context}");
        }
        let locations = r["locations"].as_array().unwrap();
        assert_eq!(locations.len(), 1, "{context}");
        assert_eq!(region(&locations[0]), json_place(d), "{context}");
        let file = d["file"].as_str().unwrap();
        assert_eq!(uri(&locations[0]), expected_uri(file), "{context}");
        let labels = d["labels"].as_array().unwrap();
        assert_eq!(
            locations[0]["message"]["text"], labels[0]["message"],
            "{context}"
        );
        let related = r["relatedLocations"].as_array().map_or(&[][..], |v| v);
        assert_eq!(related.len(), labels.len() - 1, "{context}");
        for (i, (location, label)) in related.iter().zip(&labels[1..]).enumerate() {
            assert_eq!(location["id"], i + 1, "{context}");
            assert_eq!(region(location), json_place(label), "{context}");
            let file = label["file"].as_str().unwrap();
            assert_eq!(uri(location), expected_uri(file), "{context}");
            assert_eq!(location["message"]["text"], label["message"], "{context}");
        }
    }
}

/// Asserts the rules are exactly the codes the results use, once each, in registry order,
/// each described from its registry entry and explanation.
#[track_caller]
fn assert_rules_are_the_codes_used(log: &Value) {
    let used: std::collections::BTreeSet<&str> = results(log)
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    let ids: Vec<&str> = rules(log)
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let registry_order: Vec<&str> = charla::diagnostic::codes::CODES
        .iter()
        .map(|c| c.code)
        .filter(|c| used.contains(c))
        .collect();
    assert_eq!(ids, registry_order);
    for rule in rules(log) {
        let code = charla::diagnostic::codes::find(rule["id"].as_str().unwrap()).unwrap();
        assert_eq!(rule["shortDescription"]["text"], code.summary, "{rule}");
        let full = rule["fullDescription"]["text"].as_str().unwrap();
        assert!(
            !full.is_empty() && !full.contains('\n') && code.explanation.contains(&full[..20]),
            "{rule}"
        );
        let help = rule["help"]["text"].as_str().unwrap();
        assert!(
            help.contains(&format!("charla explain {}", code.code)),
            "{rule}"
        );
        let level = match code.severity {
            charla::diagnostic::Severity::Error => "error",
            charla::diagnostic::Severity::Warning => "warning",
        };
        assert_eq!(rule["defaultConfiguration"]["level"], level, "{rule}");
        assert!(!rule["name"].as_str().unwrap().is_empty(), "{rule}");
    }
}

#[test]
fn every_fixture_log_is_valid_and_matches_json_output() {
    let files = fixture_files();
    assert!(files.len() > 50, "fixtures not found: {files:?}");
    // Each file named on the command line is a bot of its own: one run covers them all.
    let mut args = vec!["check", "--format", "sarif"];
    args.extend(files.iter().map(String::as_str));
    let run = charla(&args).assert_exit(1);
    let log = sarif(&run);
    assert_valid(&log);
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["columnKind"], "unicodeCodePoints");
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "charla");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_rules_are_the_codes_used(&log);
    // Every fixture is reported on, and with both levels.
    for file in &files {
        assert!(
            results(&log)
                .iter()
                .any(|r| uri(&r["locations"][0]) == file),
            "nothing reported for {file}"
        );
    }
    for level in ["error", "warning"] {
        assert!(results(&log).iter().any(|r| r["level"] == level), "{level}");
    }
    // Relative paths under the current directory: forward slashes, from its root.
    for r in results(&log) {
        let location = &r["locations"][0]["physicalLocation"]["artifactLocation"];
        assert_eq!(location["uriBaseId"], "%SRCROOT%", "{r}");
        assert!(
            location["uri"]
                .as_str()
                .unwrap()
                .starts_with("tests/fixtures/"),
            "{r}"
        );
    }

    args[2] = "json";
    let report = json(&charla(&args).assert_exit(1));
    assert_same_as_json(&log, &report);
}

#[test]
fn warnings_alone_exit_0_unless_denied() {
    let file = "tests/fixtures/warn/description_on_button_menu.charla";
    let log = sarif(&charla(&["check", file, "--format", "sarif"]).assert_exit(0));
    assert_valid(&log);
    assert!(!results(&log).is_empty());
    assert!(results(&log).iter().all(|r| r["level"] == "warning"));
    let denied = charla(&["check", file, "--format", "sarif", "--deny-warnings"]).assert_exit(1);
    assert_eq!(
        sarif(&denied),
        log,
        "--deny-warnings changes the exit code only"
    );
}

#[test]
fn examples_give_a_valid_log_without_results() {
    let log = sarif(&charla(&["check", "examples", "--format", "sarif"]).assert_exit(0));
    assert_valid(&log);
    assert_eq!(results(&log).len(), 0, "{log:#}");
    assert_eq!(rules(&log).len(), 0, "{log:#}");
}

#[test]
fn usage_errors_exit_2_and_print_no_log() {
    let run = charla(&["check", "no/such/bot.charla", "--format", "sarif"]).assert_exit(2);
    assert!(run.stdout.is_empty(), "{run:?}");
    assert!(run.stderr.contains("no/such/bot.charla"), "{run:?}");
}

#[test]
fn build_reports_in_sarif_too() {
    let t = TempDir::new("build");
    let out = t.path().join("bundle.json");
    let run = charla(&[
        "build",
        "tests/fixtures/err/undefined_target_suggests_close_name.charla",
        "-o",
        s(&out),
        "--format",
        "sarif",
    ])
    .assert_exit(1);
    let log = sarif(&run);
    assert_valid(&log);
    assert!(
        results(&log).iter().any(|r| r["ruleId"] == "E0105"),
        "{log:#}"
    );
    assert!(!out.exists());
}

/// A bot whose problems come after accents and emoji: an unknown target after a label with an
/// emoji (line 9), and a button title over 20 characters that holds emoji (line 10).
const UNICODE_BOT: &str = r#"bot "Mini" {
  business retail
  start home
  support "https://mini.example/help"
}

menu home {
  say "Olá 👋, ação"
  option "🎉 Açaí" -> nowher
  option "🎉🎉 Promoção de verão já" -> handoff
}
"#;

/// The 1-based column in code points, and in UTF-16 code units, where `needle` starts on line
/// `line` (1-based) of `text`.
fn columns_of(text: &str, line: usize, needle: &str) -> (u64, u64) {
    let line = text.lines().nth(line - 1).unwrap();
    let before = &line[..line.find(needle).unwrap()];
    (
        before.chars().count() as u64 + 1,
        before.encode_utf16().count() as u64 + 1,
    )
}

#[test]
fn columns_count_code_points_as_column_kind_says() {
    let t = TempDir::new("unicode");
    let file = t.write("bot.charla", UNICODE_BOT);
    let run = charla(&["check", s(&file), "--format", "sarif"]).assert_exit(1);
    let log = sarif(&run);
    assert_valid(&log);
    assert_eq!(log["runs"][0]["columnKind"], "unicodeCodePoints");
    let report = json(&charla(&["check", s(&file), "--format", "json"]));
    assert_same_as_json(&log, &report);

    let target = results(&log)
        .iter()
        .find(|r| r["ruleId"] == "E0105")
        .unwrap_or_else(|| panic!("{log:#}"));
    let (column, utf16) = columns_of(UNICODE_BOT, 9, "nowher");
    assert_ne!(column, utf16, "the emoji must make the two counts differ");
    assert_eq!(
        region(&target["locations"][0]),
        (9, column, 9, column + 6),
        "{target}"
    );

    let title = results(&log)
        .iter()
        .find(|r| r["ruleId"] == "E0202")
        .unwrap_or_else(|| panic!("{log:#}"));
    let (line, start, end_line, end) = region(&title["locations"][0]);
    assert_eq!((line, end_line), (10, 10), "{title}");
    // The underline starts and ends on characters of the label, counted in code points: the
    // text between the columns is the label, whichever exact span the check chose.
    let text: Vec<char> = UNICODE_BOT.lines().nth(9).unwrap().chars().collect();
    let underlined: String = text[start as usize - 1..end as usize - 1].iter().collect();
    assert!(
        underlined.contains("Promoção de verão"),
        "`{underlined}`: {title}"
    );
}

/// A did-you-mean comes with a SARIF fix that replaces just the misspelt word (in code
/// points, after an emoji), and the log with it is still valid.
#[test]
fn a_did_you_mean_is_a_fix_that_replaces_the_word() {
    let t = TempDir::new("fixes");
    let bot = r#"bot "Mini" {
  business retail
  start home
  support "https://mini.example/help"
}

menu home {
  say "Olá 👋"
  option "🎉 Horário" -> hourz
}

intent hours {
  say "Abrimos às 8."
}
"#;
    let file = t.write("bot.charla", bot);
    let run = charla(&["check", s(&file), "--format", "sarif"]).assert_exit(1);
    let log = sarif(&run);
    assert_valid(&log);
    let target = results(&log)
        .iter()
        .find(|r| r["ruleId"] == "E0105")
        .unwrap_or_else(|| panic!("{log:#}"));
    let fixes = target["fixes"]
        .as_array()
        .unwrap_or_else(|| panic!("{target:#}"));
    assert_eq!(fixes.len(), 1, "{target:#}");
    assert_eq!(fixes[0]["description"]["text"], "Change `hourz` to `hours`");
    let change = &fixes[0]["artifactChanges"][0];
    assert_eq!(
        change["artifactLocation"],
        target["locations"][0]["physicalLocation"]["artifactLocation"]
    );
    let replacement = &change["replacements"][0];
    assert_eq!(replacement["insertedContent"]["text"], "hours");
    let (column, _) = columns_of(bot, 9, "hourz");
    let region = &replacement["deletedRegion"];
    assert_eq!(
        (
            &region["startLine"],
            &region["startColumn"],
            &region["endLine"],
            &region["endColumn"]
        ),
        (&json!(9), &json!(column), &json!(9), &json!(column + 5)),
        "{target:#}"
    );
    // Results without a suggestion carry no fix.
    assert!(
        results(&log)
            .iter()
            .filter(|r| r["ruleId"] != "E0105")
            .all(|r| r.get("fixes").is_none()),
        "{log:#}"
    );
}

#[test]
fn absolute_paths_outside_the_current_folder_are_file_uris() {
    let t = TempDir::new("outside");
    let file = t.write("açaí bot/bot.charla", UNICODE_BOT);
    let log = sarif(&charla(&["check", s(&file), "--format", "sarif"]).assert_exit(1));
    assert_valid(&log);
    let location = &results(&log)[0]["locations"][0]["physicalLocation"]["artifactLocation"];
    let uri = location["uri"].as_str().unwrap();
    assert!(uri.starts_with("file:///"), "{uri}");
    assert!(uri.ends_with("/a%C3%A7a%C3%AD%20bot/bot.charla"), "{uri}");
    assert!(!uri.contains('\\'), "{uri}");
    assert!(location.get("uriBaseId").is_none(), "{location}");
}

#[test]
fn paths_are_relative_to_the_current_folder_with_forward_slashes() {
    let t = TempDir::new("relative");
    t.write("bots/açaí/bot.charla", UNICODE_BOT);
    t.write("bots/x/notes.txt", "");
    // `./` and `..` are folded, so one file always has one URI.
    let run = charla_in(
        t.path(),
        &["check", "./bots/x/../açaí/bot.charla", "--format", "sarif"],
    )
    .assert_exit(1);
    let log = sarif(&run);
    assert_valid(&log);
    for r in results(&log) {
        assert_eq!(
            uri(&r["locations"][0]),
            "bots/a%C3%A7a%C3%AD/bot.charla",
            "{r}"
        );
    }
}

#[test]
fn labels_in_other_files_are_related_locations_in_those_files() {
    let t = TempDir::new("twofiles");
    t.write(
        "bot/a.charla",
        "bot \"Mini\" {\n  business retail\n  start home\n  support \"https://mini.example/help\"\n}\n\nmenu home {\n  say \"Olá\"\n  option \"Falar\" -> handoff\n}\n",
    );
    t.write(
        "bot/b.charla",
        "# ação 👋\nmenu home {\n  say \"De novo\"\n  option \"Falar\" -> handoff\n}\n",
    );
    let run = charla_in(t.path(), &["check", "bot", "--format", "sarif"]).assert_exit(1);
    let log = sarif(&run);
    assert_valid(&log);
    let twice = results(&log)
        .iter()
        .find(|r| r["ruleId"] == "E0101")
        .unwrap_or_else(|| panic!("{log:#}"));
    let files: Vec<&str> = std::iter::once(&twice["locations"][0])
        .chain(twice["relatedLocations"].as_array().unwrap())
        .map(uri)
        .collect();
    assert_eq!(files, ["bot/b.charla", "bot/a.charla"], "{twice:#}");
    let report = json(&charla_in(t.path(), &["check", "bot", "--format", "json"]));
    assert_same_as_json(&log, &report);
}

#[test]
fn the_vendored_schema_is_the_sarif_2_1_0_schema() {
    let path: PathBuf = crate_root().join("schema/sarif-2.1.0.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(
        schema["title"],
        "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    );
    assert_eq!(
        schema["properties"]["version"]["enum"],
        serde_json::json!(["2.1.0"])
    );
    // And it rejects what it should: a result without a message.
    let bad = serde_json::json!({
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "charla"}}, "results": [{"ruleId": "E0105"}]}],
    });
    assert!(!validator().is_valid(&bad));
    // Formats are checked: a URI with a raw space is not a URI.
    let location = |uri: &str| {
        serde_json::json!({
            "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "charla"}}, "results": [{
                "ruleId": "E0105", "message": {"text": "m"},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri}}}],
            }]}],
        })
    };
    assert!(validator().is_valid(&location("a%20b.charla")));
    assert!(!validator().is_valid(&location("a b.charla")));
}

// --- the CI documentation ------------------------------------------------------------------------

fn read(path: &str) -> String {
    std::fs::read_to_string(crate_root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The fenced ```yaml blocks of a Markdown file.
fn yaml_blocks(markdown: &str) -> Vec<&str> {
    markdown
        .split("```yaml\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .collect()
}

#[test]
fn the_workflow_runs_fmt_check_sarif_upload_and_test() {
    let workflow = read("docs/ci/charla.yml");
    for step in [
        "charla fmt --check \"$BOTS\"",
        "charla check --deny-warnings --format sarif \"$BOTS\" > charla.sarif",
        "uses: github/codeql-action/upload-sarif@",
        "sarif_file: charla.sarif",
        "charla test \"$BOTS\"",
        "cargo install --locked --git",
    ] {
        assert!(workflow.contains(step), "docs/ci/charla.yml lacks `{step}`");
    }
    // What docs/ci.md quotes of the workflow is in it word for word.
    let doc = read("docs/ci.md");
    let quoted: Vec<&str> = yaml_blocks(&doc)
        .into_iter()
        .filter(|b| b.contains("upload-sarif"))
        .collect();
    assert_eq!(quoted.len(), 1, "one quote of the workflow in docs/ci.md");
    assert!(
        workflow.contains(quoted[0].trim_end()),
        "docs/ci.md quotes a workflow that is not docs/ci/charla.yml:\n{}",
        quoted[0]
    );
}

#[test]
fn the_pre_commit_hooks_are_the_ones_the_docs_name() {
    let hooks = read(".pre-commit-hooks.yaml");
    let ids: Vec<&str> = hooks
        .lines()
        .filter_map(|l| l.strip_prefix("- id: "))
        .collect();
    assert_eq!(ids, ["charla-fmt", "charla-check", "charla-test"]);
    for entry in [
        "entry: charla fmt",
        "entry: charla check",
        "entry: charla test",
    ] {
        assert!(hooks.contains(entry), "{entry}");
    }
    let doc = read("docs/ci.md");
    let configs: Vec<&str> = yaml_blocks(&doc)
        .into_iter()
        .filter(|b| b.starts_with("repos:"))
        .collect();
    assert_eq!(configs.len(), 2, "a remote and a local configuration");
    for config in configs {
        for id in &ids {
            assert!(
                config.contains(&format!("- id: {id}\n")),
                "{id} in:\n{config}"
            );
        }
    }
}
