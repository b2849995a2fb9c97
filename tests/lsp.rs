//! `charla lsp`: protocol tests that speak JSON-RPC to the real binary (initialize,
//! diagnostics on open and change compared with `charla check --format json`, positions in
//! UTF-16 and UTF-8, definition, references, completion, hover, formatting compared with
//! `charla fmt`, document symbols, rename, quick fixes, unknown methods, shutdown and exit),
//! the robustness test that feeds every prefix of every example through the server's
//! `didChange` path, and the VS Code extension's JSON files.

#[allow(dead_code)] // each test crate uses only part of the helpers
mod support;

#[allow(dead_code)] // the benchmark uses other parts of the client
#[path = "lsp/client.rs"]
mod client;

use client::{file_uri, Client};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use support::{charla, crate_root, example_bots, TempDir};

const BIN: &str = env!("CARGO_BIN_EXE_charla");

/// A server after `initialize`, with the client capabilities of a plain client (UTF-16).
fn server() -> Client {
    let mut client = Client::start(BIN);
    client.initialize(json!({}));
    client
}

fn totalpass() -> PathBuf {
    crate_root().join("examples/totalpass")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// The UTF-16 position of the `nth` occurrence of `needle` in `text` (plus `offset` bytes).
fn at(text: &str, needle: &str, nth: usize, offset: usize) -> Value {
    let start = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` not found"))
        .0
        + offset;
    let before = &text[..start];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character: usize = before[line_start..].chars().map(char::len_utf16).sum();
    json!({ "line": line, "character": character })
}

fn text_document_position(uri: &str, position: Value) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": position })
}

/// The byte offset of a UTF-16 LSP position in `text`.
fn offset_of(text: &str, position: &Value) -> usize {
    let line = position["line"].as_u64().unwrap() as usize;
    let character = position["character"].as_u64().unwrap() as usize;
    let line_start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
    let mut units = 0;
    for (i, c) in text[line_start..].char_indices() {
        if units >= character || c == '\n' {
            return line_start + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

/// Applies `TextEdit`s as an editor does (they never overlap).
fn apply(text: &str, edits: &[Value]) -> String {
    let mut spans: Vec<(usize, usize, &str)> = edits
        .iter()
        .map(|e| {
            (
                offset_of(text, &e["range"]["start"]),
                offset_of(text, &e["range"]["end"]),
                e["newText"].as_str().unwrap(),
            )
        })
        .collect();
    spans.sort_by_key(|s| s.0);
    let mut out = text.to_string();
    for (start, end, new) in spans.into_iter().rev() {
        out.replace_range(start..end, new);
    }
    out
}

/// A copy of the TotalPass bot in a folder of the test's own.
fn totalpass_copy() -> TempDir {
    let dir = TempDir::new("lsp-totalpass");
    for entry in std::fs::read_dir(totalpass()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    dir
}

// --- the session ---------------------------------------------------------------------------

#[test]
fn initialize_offers_the_features_and_takes_utf8_when_offered() {
    let mut plain = Client::start(BIN);
    let result = plain.initialize(json!({}));
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    for feature in [
        "definitionProvider",
        "referencesProvider",
        "hoverProvider",
        "documentFormattingProvider",
        "documentSymbolProvider",
    ] {
        assert_eq!(result["capabilities"][feature], true, "{feature}");
    }
    // A plain client said nothing of prepareRename or code action literals: the plain form.
    assert_eq!(result["capabilities"]["renameProvider"], true);
    assert_eq!(result["capabilities"]["codeActionProvider"], true);
    assert!(result["capabilities"]["completionProvider"].is_object());
    assert_eq!(result["capabilities"]["textDocumentSync"]["change"], 2);
    assert_eq!(result["serverInfo"]["name"], "charla");
    assert!(plain.shutdown().success());

    let mut utf8 = Client::start(BIN);
    let result = utf8.initialize(json!({
        "general": { "positionEncodings": ["utf-8", "utf-16"] },
        "textDocument": {
            "rename": { "prepareSupport": true },
            "codeAction": { "codeActionLiteralSupport": { "codeActionKind": { "valueSet": ["quickfix"] } } },
        },
    }));
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(
        result["capabilities"]["renameProvider"]["prepareProvider"],
        true
    );
    assert_eq!(
        result["capabilities"]["codeActionProvider"]["codeActionKinds"],
        json!(["quickfix"])
    );
    assert!(utf8.shutdown().success());
}

#[test]
fn unknown_methods_get_method_not_found_and_the_session_goes_on() {
    let mut client = server();
    let response = client.request("textDocument/colorPresentation", json!({}));
    assert_eq!(response["error"]["code"], -32601, "{response}");
    let response = client.request("textDocument/hover", json!({ "nonsense": true }));
    assert_eq!(response["error"]["code"], -32602, "{response}");
    client.notify("$/unknownNotification", json!({}));
    let uri = file_uri(&totalpass().join("bot.charla"));
    client.open(&uri, &read(&totalpass().join("bot.charla")));
    assert!(client.diagnostics(&uri, Some(1)).is_empty());
    assert_eq!(client.shutdown().code(), Some(0));
}

#[test]
fn exit_without_shutdown_exits_1() {
    let mut client = server();
    client.notify("exit", Value::Null);
    assert_eq!(client.wait().code(), Some(1));
}

#[test]
fn a_client_that_goes_away_stops_the_server() {
    let mut client = server();
    client.close_input();
    assert_eq!(client.wait().code(), Some(1));
}

// --- diagnostics ---------------------------------------------------------------------------

#[test]
fn opening_a_totalpass_file_publishes_no_diagnostics() {
    let mut client = server();
    for name in ["member.charla", "tests.charla"] {
        let path = totalpass().join(name);
        let uri = file_uri(&path);
        client.open(&uri, &read(&path));
        assert_eq!(
            client.diagnostics(&uri, Some(1)),
            Vec::<Value>::new(),
            "{name}"
        );
    }
    assert!(client.shutdown().success());
}

#[test]
fn a_change_that_breaks_the_bot_reports_what_check_reports() {
    let dir = totalpass_copy();
    let path = dir.path().join("member.charla");
    let original = read(&path);
    let uri = file_uri(&path);
    let mut client = server();
    client.open(&uri, &original);
    assert!(client.diagnostics(&uri, Some(1)).is_empty());

    // Type one letter into the option's target (`-> billing` becomes `-> billingg`), as an
    // incremental change.
    let end_of_target = at(&original, "-> billing", 0, "-> billing".len());
    client.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "range": { "start": end_of_target, "end": end_of_target }, "text": "g" }],
        }),
    );
    let published = client.diagnostics(&uri, Some(2));

    // The same text on disk, through `charla check --format json`.
    let changed = original.replacen("-> billing", "-> billingg", 1);
    std::fs::write(&path, &changed).unwrap();
    let run = charla(&["check", "--format", "json", dir.path().to_str().unwrap()]).assert_exit(1);
    let report: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    let expected = report["diagnostics"].as_array().unwrap();
    assert_eq!(
        published.len(),
        expected.len(),
        "{published:#?}\n{expected:#?}"
    );
    for (lsp, check) in published.iter().zip(expected) {
        assert_eq!(lsp["code"], check["code"]);
        assert_eq!(lsp["severity"], 1);
        assert_eq!(lsp["source"], "charla");
        let message = lsp["message"].as_str().unwrap();
        assert!(
            message.starts_with(check["message"].as_str().unwrap()),
            "{message}"
        );
        assert!(
            message.contains("did you mean `billing`?"),
            "the help goes along: {message}"
        );
        // Columns of `check` count characters; the line has only characters of one UTF-16
        // unit before the target (`ç`), so the two agree.
        let line = check["line"].as_u64().unwrap() - 1;
        assert_eq!(
            lsp["range"]["start"],
            json!({ "line": line, "character": check["column"].as_u64().unwrap() - 1 })
        );
        assert_eq!(
            lsp["range"]["end"],
            json!({ "line": check["end_line"].as_u64().unwrap() - 1, "character": check["end_column"].as_u64().unwrap() - 1 })
        );
    }
    assert_eq!(published[0]["code"], "E0105");

    // Undo with a whole-document change: the diagnostics clear.
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 3 }, "contentChanges": [{ "text": original }] }),
    );
    assert!(client.diagnostics(&uri, Some(3)).is_empty());
    assert!(client.shutdown().success());
}

#[test]
fn secondary_labels_become_related_information() {
    let dir = TempDir::new("lsp-related");
    let text = "bot \"B\" {\n  business fitness\n  start m\n  support \"https://x.example\"\n}\nmenu m {\n  say \"Oi\"\n  option \"A\" -> handoff\n}\nmenu m {\n  say \"Oi\"\n  option \"B\" -> handoff\n}\n";
    let path = dir.write("bot.charla", text);
    let uri = file_uri(&path);
    let mut client = server();
    client.open(&uri, text);
    let published = client.diagnostics(&uri, Some(1));
    let duplicate = published
        .iter()
        .find(|d| d["range"]["start"]["line"] == 9)
        .expect("the second `menu m`");
    let related = duplicate["relatedInformation"]
        .as_array()
        .expect("related information");
    assert!(
        related
            .iter()
            .any(|r| r["location"]["uri"] == uri && r["location"]["range"]["start"]["line"] == 5),
        "{related:#?}"
    );
    assert!(client.shutdown().success());
}

#[test]
fn positions_count_utf16_units_or_bytes_as_negotiated() {
    let dir = TempDir::new("lsp-positions");
    let text = "bot \"B\" {\n  business fitness\n  start m\n  support \"https://x.example\"\n}\nmenu m {\n  say \"Olá 👋 ação\"\n  option \"Sí 👋 ñ\" -> nowhere\n}\n";
    let path = dir.write("bot.charla", text);
    let uri = file_uri(&path);
    let line = "  option \"Sí 👋 ñ\" -> ";
    let run = charla(&["check", "--format", "json", path.to_str().unwrap()]).assert_exit(1);
    let report: Value = serde_json::from_str(run.stdout.trim()).unwrap();
    let check = &report["diagnostics"][0];
    assert_eq!(check["code"], "E0105");
    assert_eq!(
        check["column"].as_u64().unwrap() as usize - 1,
        line.chars().count()
    );

    for (offered, character) in [
        (json!({}), line.encode_utf16().count()),
        (
            json!({ "general": { "positionEncodings": ["utf-8"] } }),
            line.len(),
        ),
        (
            json!({ "general": { "positionEncodings": ["utf-32", "utf-16"] } }),
            line.chars().count(),
        ),
    ] {
        let mut client = Client::start(BIN);
        client.initialize(offered.clone());
        client.open(&uri, text);
        let published = client.diagnostics(&uri, Some(1));
        assert_eq!(
            published[0]["range"]["start"],
            json!({ "line": 7, "character": character }),
            "{offered}"
        );
        assert_eq!(
            published[0]["range"]["end"]["character"],
            json!(character + "nowhere".len()),
            "{offered}"
        );
        // And back: an edit at that position lands where the client meant it.
        client.notify(
            "textDocument/didChange",
            json!({
                "textDocument": { "uri": uri, "version": 2 },
                "contentChanges": [{ "range": published[0]["range"], "text": "m" }],
            }),
        );
        let after = client.diagnostics(&uri, Some(2));
        assert!(
            after.iter().all(|d| d["code"] != "E0105"),
            "{offered}: {after:#?}"
        );
        assert!(client.shutdown().success());
    }
}

#[test]
fn sibling_files_come_from_disk_unless_open_in_the_editor() {
    let dir = TempDir::new("lsp-siblings");
    let a = dir.write(
        "a.charla",
        "bot \"B\" {\n  business fitness\n  start home\n  support \"https://x.example\"\n}\nmenu home {\n  say \"Oi\"\n  option \"Mais\" -> more\n}\n",
    );
    let b = dir.write(
        "b.charla",
        "menu more {\n  say \"Mais\"\n  option \"Voltar\" -> home\n}\n",
    );
    let (a_uri, b_uri) = (file_uri(&a), file_uri(&b));
    let mut client = server();
    client.open(&b_uri, &read(&b));
    assert!(
        client.diagnostics(&b_uri, Some(1)).is_empty(),
        "a.charla is read from disk"
    );

    // In the editor (not on disk), a.charla renames `home`: b.charla's `-> home` breaks.
    let renamed = read(&a).replace("home", "inicio");
    client.open(&a_uri, &renamed);
    let broken = client.diagnostics(&b_uri, None);
    assert_eq!(broken.len(), 1, "{broken:#?}");
    assert_eq!(broken[0]["code"], "E0105");
    assert_eq!(
        broken[0]["range"]["start"],
        json!({ "line": 2, "character": 21 })
    );

    // Closing a.charla without saving: the disk's text counts again.
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": a_uri } }),
    );
    assert!(client.diagnostics(&b_uri, None).is_empty());
    assert!(client.shutdown().success());
}

#[test]
fn a_bot_closed_and_opened_again_is_checked_afresh() {
    let dir = TempDir::new("lsp-reopen");
    let good = "bot \"B\" {\n  business fitness\n  start m\n  support \"https://x.example\"\n}\nmenu m {\n  say \"Oi\"\n  option \"A\" -> handoff\n}\n";
    let path = dir.write("bot.charla", good);
    let uri = file_uri(&path);
    let mut client = server();
    let broken = good.replace("-> handoff", "-> nowhere");
    client.open(&uri, &broken);
    assert_eq!(client.diagnostics(&uri, Some(1)).len(), 1);
    client.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    // Closing the bot's last file clears its diagnostics.
    assert!(client.diagnostics(&uri, None).is_empty());
    client.open(&uri, good);
    assert!(client.diagnostics(&uri, Some(1)).is_empty());
    let response = client.request(
        "textDocument/definition",
        text_document_position(&uri, at(good, "start m", 0, 6)),
    );
    assert_eq!(
        response["result"]["range"]["start"],
        at(good, "menu m", 0, 5)
    );
    assert!(client.shutdown().success());
}

// --- navigation ----------------------------------------------------------------------------

#[test]
fn definition_goes_to_the_declaration_across_files() {
    let mut client = server();
    let bot = read(&totalpass().join("bot.charla"));
    let member = read(&totalpass().join("member.charla"));
    let audiences = read(&totalpass().join("audiences.charla"));
    let bot_uri = file_uri(&totalpass().join("bot.charla"));
    client.open(&bot_uri, &bot);

    // `start member_home for member`: the menu, in member.charla.
    let response = client.request(
        "textDocument/definition",
        text_document_position(&bot_uri, at(&bot, "member_home", 0, 3)),
    );
    let location = &response["result"];
    assert_eq!(
        location["uri"],
        file_uri(&totalpass().join("member.charla"))
    );
    assert_eq!(
        location["range"]["start"],
        at(&member, "menu member_home", 0, "menu ".len())
    );

    // `for member`: the audience, in audiences.charla.
    let response = client.request(
        "textDocument/definition",
        text_document_position(&bot_uri, at(&bot, "for member", 0, "for ".len())),
    );
    assert_eq!(
        response["result"]["uri"],
        file_uri(&totalpass().join("audiences.charla"))
    );
    assert_eq!(
        response["result"]["range"]["start"],
        at(&audiences, "audience member", 0, "audience ".len())
    );

    // Nothing to go to on a keyword.
    let response = client.request(
        "textDocument/definition",
        text_document_position(&bot_uri, at(&bot, "business", 0, 1)),
    );
    assert_eq!(response["result"], Value::Null);
    assert!(client.shutdown().success());
}

#[test]
fn references_list_every_place_a_name_is_written() {
    let mut client = server();
    let audiences_path = totalpass().join("audiences.charla");
    let audiences = read(&audiences_path);
    let uri = file_uri(&audiences_path);
    client.open(&uri, &audiences);
    let position = at(&audiences, "audience dependent", 0, "audience ".len());
    let with_declaration = client.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": uri }, "position": position, "context": { "includeDeclaration": true } }),
    )["result"]
        .as_array()
        .unwrap()
        .clone();
    let without = client.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": uri }, "position": position, "context": { "includeDeclaration": false } }),
    )["result"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(with_declaration.len(), without.len() + 1);
    let files: HashSet<String> = with_declaration
        .iter()
        .map(|l| {
            l["uri"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    // Declared in audiences.charla, set there by an option, started for in bot.charla, a
    // restriction in member.charla, a contact in tests.charla.
    for file in [
        "audiences.charla",
        "bot.charla",
        "member.charla",
        "tests.charla",
    ] {
        assert!(files.contains(file), "{file} missing from {files:?}");
    }
    // Every location points at the word `dependent`.
    for location in &with_declaration {
        let path = totalpass().join(
            location["uri"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap(),
        );
        let text = read(&path);
        let start = offset_of(&text, &location["range"]["start"]);
        let end = offset_of(&text, &location["range"]["end"]);
        assert_eq!(&text[start..end], "dependent");
    }
    assert!(client.shutdown().success());
}

// --- completion, hover, symbols ------------------------------------------------------------

#[test]
fn rename_changes_every_place_a_name_is_written_and_the_bot_still_checks() {
    let dir = totalpass_copy();
    // An audience named as a string in a condition about the audience (`or true` keeps the
    // conversation tests' answers as they were).
    let member_path = dir.path().join("member.charla");
    let member = read(&member_path).replace(
        "  if gyms.count > 0 {",
        "  if gyms.count > 0 and (contact.audience == \"dependent\" or true) {",
    );
    std::fs::write(&member_path, member).unwrap();
    let mut client = server();
    let audiences_path = dir.path().join("audiences.charla");
    let audiences = read(&audiences_path);
    let uri = file_uri(&audiences_path);
    client.open(&uri, &audiences);
    let position = at(&audiences, "audience dependent", 0, "audience ".len() + 3);

    let prepared = client.request(
        "textDocument/prepareRename",
        text_document_position(&uri, position.clone()),
    )["result"]
        .clone();
    assert_eq!(prepared["placeholder"], "dependent", "{prepared}");
    let start = offset_of(&audiences, &prepared["range"]["start"]);
    let end = offset_of(&audiences, &prepared["range"]["end"]);
    assert_eq!(&audiences[start..end], "dependent");

    let references = client.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": uri }, "position": position, "context": { "includeDeclaration": true } }),
    )["result"]
        .as_array()
        .unwrap()
        .len();
    let mut params = text_document_position(&uri, position);
    params["newName"] = json!("family");
    let edit = client.request("textDocument/rename", params)["result"].clone();
    let changes = edit["changes"].as_object().unwrap();
    let edits: usize = changes.values().map(|e| e.as_array().unwrap().len()).sum();
    assert_eq!(edits, references, "{edit:#}");
    assert!(changes.len() >= 4, "{edit:#}");
    for (file_uri, edits) in changes {
        let path = dir.path().join(file_uri.rsplit('/').next().unwrap());
        let before = read(&path);
        let after = apply(&before, edits.as_array().unwrap());
        assert_eq!(
            after.matches("family").count(),
            before.matches("family").count() + edits.as_array().unwrap().len()
        );
        std::fs::write(&path, after).unwrap();
    }
    assert!(client.shutdown().success());
    assert!(
        read(&member_path).contains("(contact.audience == \"family\" or true)"),
        "{}",
        read(&member_path)
    );
    // The renamed bot is as clean as before, and its conversation tests still pass.
    charla(&["check", dir.path().to_str().unwrap(), "--deny-warnings"]).assert_exit(0);
    charla(&["test", dir.path().to_str().unwrap()]).assert_exit(0);
}

#[test]
fn rename_refuses_what_would_break_the_bot_and_says_why() {
    let dir = totalpass_copy();
    let mut client = server();
    let templates_path = dir.path().join("templates.charla");
    let templates = read(&templates_path);
    let uri = file_uri(&templates_path);
    client.open(&uri, &templates);
    let on_template = at(&templates, "class_reminder", 0, 2);
    let rename = |client: &mut Client, uri: &str, position: &Value, name: &str| {
        let mut params = text_document_position(uri, position.clone());
        params["newName"] = json!(name);
        client.request("textDocument/rename", params)
    };
    for (name, why) in [
        (
            "invoice_ready",
            "already a template named `invoice_ready` (templates.charla:",
        ),
        ("menu", "cannot be a template name"),
        ("9lives", "cannot be a template name"),
        ("two words", "cannot be a template name"),
        // A valid name, but not a valid WhatsApp template name: the compiled result says so.
        ("ClassReminder", "E0209"),
    ] {
        let answer = rename(&mut client, &uri, &on_template, name);
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(why), "{name}: {answer}");
    }
    // An error the bot already has (a template defined twice) does not stop a rename, though
    // its message names the new name afterwards.
    let twice = format!(
        "{templates}\ntemplate invoice_ready {{\n  category notification\n  body \"Sua fatura {{{{1}}}} está disponível.\"\n}}\n"
    );
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 },
                "contentChanges": [{ "text": twice }] }),
    );
    let diagnostics = client.diagnostics(&uri, Some(2));
    assert!(
        diagnostics
            .iter()
            .any(|d| d["message"].as_str().unwrap().contains("twice")),
        "{diagnostics:#?}"
    );
    let on_invoice = at(&twice, "invoice_ready", 0, 2);
    let answer = rename(&mut client, &uri, &on_invoice, "invoice_out");
    let edits = answer["result"]["changes"][&uri]
        .as_array()
        .unwrap_or_else(|| panic!("{answer}"));
    assert_eq!(edits.len(), 2, "{answer}");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 3 },
                "contentChanges": [{ "text": templates }] }),
    );
    // Not on a name.
    let on_keyword = at(&templates, "template class_reminder", 0, 1);
    let answer = client.request(
        "textDocument/prepareRename",
        text_document_position(&uri, on_keyword.clone()),
    );
    assert!(answer["result"].is_null(), "{answer}");
    let answer = rename(&mut client, &uri, &on_keyword, "whatever");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("nothing to rename"),
        "{answer}"
    );
    // A file that does not parse: its uses could be missed.
    let broken = format!("{templates}\nmenu half {{\n  option \"x\" ->\n");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 4 },
                "contentChanges": [{ "text": broken }] }),
    );
    let answer = rename(&mut client, &uri, &on_template, "class_alert");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("templates.charla has syntax errors"),
        "{answer}"
    );
    assert!(client.shutdown().success());
}

#[test]
fn quick_fixes_write_the_name_a_did_you_mean_suggests() {
    let dir = TempDir::new("lsp-fixes");
    let source = r#"bot "Gym" {
  business fitnes
  language en
  start home
  support "https://gym.example/help"
}

menu home {
  say "Hi! What do you need?"
  option "Opening hours" -> hourz
  option "Your name" -> greet
}

intent hours {
  say "We open at 6 every day."
}

intent greet {
  ask name "What is your name?"
  say "Nice to meet you, {{ nmae }}!"
}
"#;
    let path = dir.write("gym/bot.charla", source);
    let uri = file_uri(&path);
    let mut client = server();
    client.open(&uri, source);
    let diagnostics = client.diagnostics(&uri, Some(1));
    let suggested: Vec<&Value> = diagnostics
        .iter()
        .filter(|d| d["message"].as_str().unwrap().contains("did you mean"))
        .collect();
    assert_eq!(suggested.len(), 3, "{diagnostics:#?}");
    let mut edits = Vec::new();
    for diagnostic in suggested {
        let actions = client.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": diagnostic["range"],
                    "context": { "diagnostics": [diagnostic] } }),
        )["result"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(actions.len(), 1, "{diagnostic}: {actions:#?}");
        let action = &actions[0];
        assert_eq!(action["kind"], "quickfix");
        assert_eq!(action["isPreferred"], true);
        assert_eq!(action["diagnostics"][0]["code"], diagnostic["code"]);
        let change = action["edit"]["changes"][&uri].as_array().unwrap();
        assert_eq!(change.len(), 1, "{action:#}");
        edits.push(change[0].clone());
    }
    let new_texts: Vec<String> = edits
        .iter()
        .map(|e| e["newText"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(new_texts, ["fitness", "hours", "name"]);
    // Each edit replaces only the misspelt word (inside `{{ nmae }}` too).
    let fixed = apply(source, &edits);
    assert!(fixed.contains("business fitness\n"), "{fixed}");
    assert!(fixed.contains("-> hours\n"), "{fixed}");
    assert!(fixed.contains("{{ name }}"), "{fixed}");
    std::fs::write(&path, &fixed).unwrap();
    charla(&["check", path.parent().unwrap().to_str().unwrap()]).assert_exit(0);
    // A misspelt keyword: a syntax error with the same kind of fix.
    let misspelt = fixed.replace("  say \"We open", "  sya \"We open");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 },
                "contentChanges": [{ "text": misspelt }] }),
    );
    let diagnostics = client.diagnostics(&uri, Some(2));
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["code"], "E0004");
    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": diagnostics[0]["range"],
                "context": { "diagnostics": diagnostics } }),
    )["result"]
        .clone();
    assert_eq!(actions[0]["title"], "Change `sya` to `say`", "{actions:#}");
    let edits = actions[0]["edit"]["changes"][&uri].as_array().unwrap();
    assert_eq!(apply(&misspelt, edits), fixed);
    // Away from any diagnostic: nothing to offer.
    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri },
                "range": { "start": { "line": 8, "character": 2 }, "end": { "line": 8, "character": 5 } },
                "context": { "diagnostics": [] } }),
    );
    assert_eq!(actions["result"], json!([]), "{actions}");
    assert!(client.shutdown().success());
}

/// Where the underlined text holds the misspelt word more than once (a whole raw text, a
/// condition with a string), no fix is offered: it could rewrite the wrong one.
#[test]
fn no_quick_fix_where_the_word_is_written_twice() {
    let dir = TempDir::new("lsp-nofix");
    let source = r#"bot "Gym" {
  business fitness
  language en
  start home
  support "https://gym.example/help"
}

menu home {
  say "Hi!"
  option "Plans" -> plans
}

intent plans {
  ask plano "Which plan?"
  say """
    Your plan: {{ plan }}
  """
  if plano == "plan" or plan {
    say "Good choice."
  }
}
"#;
    let path = dir.write("gym/bot.charla", source);
    let uri = file_uri(&path);
    let mut client = server();
    client.open(&uri, source);
    let diagnostics = client.diagnostics(&uri, Some(1));
    let suggested: Vec<&Value> = diagnostics
        .iter()
        .filter(|d| {
            d["message"]
                .as_str()
                .unwrap()
                .contains("did you mean `plano`")
        })
        .collect();
    assert_eq!(suggested.len(), 2, "{diagnostics:#?}");
    for diagnostic in suggested {
        let actions = client.request(
            "textDocument/codeAction",
            json!({ "textDocument": { "uri": uri }, "range": diagnostic["range"],
                    "context": { "diagnostics": [diagnostic] } }),
        );
        assert_eq!(actions["result"], json!([]), "{diagnostic}: {actions}");
    }
    assert!(client.shutdown().success());
}

#[test]
fn completion_offers_names_after_an_arrow_and_keywords_at_a_line_start() {
    let path = totalpass().join("member.charla");
    let original = read(&path);
    let uri = file_uri(&path);
    let mut client = server();
    client.open(&uri, &original);
    assert!(client.diagnostics(&uri, Some(1)).is_empty());
    // The author starts a new option in `classes`, then a new item at the end.
    let typed = original.replacen(
        "  option \"Cancelar aula\" -> cancel_class\n",
        "  option \"Cancelar aula\" -> cancel_class\n  option \"Planos\" -> \n",
        1,
    ) + "\nme";
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": typed }] }),
    );
    let labels = |client: &mut Client, position: Value| -> Vec<String> {
        let response = client.request(
            "textDocument/completion",
            text_document_position(&uri, position),
        );
        let items = match &response["result"] {
            Value::Array(items) => items.clone(),
            other => other["items"].as_array().cloned().unwrap_or_default(),
        };
        items
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    let after_arrow = labels(
        &mut client,
        at(&typed, "\"Planos\" -> ", 0, "\"Planos\" -> ".len()),
    );
    for name in [
        "plans",
        "member_home",
        "welcome",
        "billing",
        "handoff",
        "end",
    ] {
        assert!(
            after_arrow.contains(&name.to_string()),
            "{name} missing from {after_arrow:?}"
        );
    }
    assert!(
        !after_arrow.contains(&"member".to_string()),
        "audiences are not targets"
    );
    let line_start = labels(&mut client, at(&typed, "\nme", 0, 3));
    for keyword in ["menu", "intent", "audience", "template", "test"] {
        assert!(
            line_start.contains(&keyword.to_string()),
            "{keyword} missing from {line_start:?}"
        );
    }
    assert!(client.shutdown().success());
}

#[test]
fn completion_offers_categories_from_the_policy() {
    let path = totalpass().join("bot.charla");
    let text = read(&path).replacen("business fitness", "business ", 1);
    let uri = file_uri(&path);
    let mut client = server();
    client.open(&uri, &text);
    let response = client.request(
        "textDocument/completion",
        text_document_position(&uri, at(&text, "business ", 0, 9)),
    );
    let labels: Vec<&str> = response["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"fitness") && labels.contains(&"health_tech"),
        "{labels:?}"
    );
    assert!(
        !labels.contains(&"gambling"),
        "prohibited categories are not offered"
    );
    assert!(client.shutdown().success());
}

#[test]
fn hover_on_a_menu_shows_it_as_whatsapp_will() {
    let mut client = server();
    let audiences_path = totalpass().join("audiences.charla");
    let audiences = read(&audiences_path);
    let uri = file_uri(&audiences_path);
    client.open(&uri, &audiences);
    let response = client.request(
        "textDocument/hover",
        text_document_position(&uri, at(&audiences, "menu welcome", 0, 6)),
    );
    let value = response["result"]["contents"]["value"]
        .as_str()
        .unwrap_or_else(|| panic!("{response}"));
    assert_eq!(response["result"]["contents"]["kind"], "markdown");
    // Six options: a list, with row titles against 24 and descriptions against 72.
    assert!(value.contains("a list: 6 rows"), "{value}");
    assert!(value.contains("| Sou usuário | 11/24 | Tenho a TotalPass pela minha empresa (36/72) | `member_home`, sets audience `member` |"), "{value}");
    assert!(value.contains("Ver opções** 10/20"), "{value}");
    assert!(value.contains("body 92/1024"), "{value}");

    // From a reference in another file, a menu of three options: reply buttons against 20.
    let member_path = totalpass().join("member.charla");
    let member = read(&member_path);
    let member_uri = file_uri(&member_path);
    client.open(&member_uri, &member);
    let response = client.request(
        "textDocument/hover",
        text_document_position(&member_uri, at(&member, "-> classes", 0, 4)),
    );
    let value = response["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.contains("reply buttons: 3 of at most 3"), "{value}");
    assert!(
        value.contains("| [ Buscar academias ] | 16/20 | `find_gym` |"),
        "{value}"
    );
    assert!(client.shutdown().success());
}

#[test]
fn hover_on_a_template_and_on_a_diagnostic() {
    let mut client = server();
    let path = totalpass().join("templates.charla");
    let text = read(&path);
    let uri = file_uri(&path);
    client.open(&uri, &text);
    let response = client.request(
        "textDocument/hover",
        text_document_position(&uri, at(&text, "template ", 0, 10)),
    );
    let value = response["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.contains("WhatsApp: UTILITY"), "{value}");
    assert!(value.contains("/1024"), "{value}");

    // Over a diagnostic: the explanation of its code.
    let broken = text.replacen("category notification", "category promotional", 1);
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": broken }] }),
    );
    let published = client.diagnostics(&uri, Some(2));
    let code = published[0]["code"].as_str().unwrap().to_string();
    let response = client.request(
        "textDocument/hover",
        text_document_position(&uri, published[0]["range"]["start"].clone()),
    );
    let value = response["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.starts_with(&format!("# {code}")), "{value}");
    assert!(client.shutdown().success());
}

#[test]
fn hover_on_an_undefined_name_explains_its_diagnostic() {
    let dir = totalpass_copy();
    let path = dir.path().join("member.charla");
    let text = read(&path).replacen("-> billing", "-> bilingg", 1);
    let uri = file_uri(&path);
    let mut client = server();
    client.open(&uri, &text);
    let published = client.diagnostics(&uri, Some(1));
    assert_eq!(published[0]["code"], "E0105");
    let response = client.request(
        "textDocument/hover",
        text_document_position(&uri, at(&text, "bilingg", 0, 2)),
    );
    let value = response["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.starts_with("# E0105"), "{value}");
    assert!(client.shutdown().success());
}

#[test]
fn document_symbols_list_items_with_their_children() {
    let mut client = server();
    let path = totalpass().join("member.charla");
    let uri = file_uri(&path);
    client.open(&uri, &read(&path));
    let response = client.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": uri } }),
    );
    let symbols = response["result"].as_array().unwrap();
    let names: Vec<&str> = symbols
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        &names[..4],
        &["member_home", "dependent_home", "classes", "billing"]
    );
    let home = &symbols[0];
    assert_eq!(home["kind"], 10, "a menu is shown as an enum"); // SymbolKind::Enum
    let options: Vec<&str> = home["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        options,
        [
            "Ciclo de cobrança",
            "Aulas e academias",
            "Trocar de plano",
            "Receber lembretes",
            "Falar com atendente"
        ]
    );
    let billing = &symbols[3];
    assert_eq!(billing["children"][0]["name"], "bill");
    assert_eq!(billing["children"][0]["detail"], "call");
    // Every selection range lies inside its range.
    for symbol in symbols {
        let (range, selection) = (&symbol["range"], &symbol["selectionRange"]);
        let key = |p: &Value| {
            (
                p["line"].as_u64().unwrap(),
                p["character"].as_u64().unwrap(),
            )
        };
        assert!(
            key(&range["start"]) <= key(&selection["start"])
                && key(&selection["end"]) <= key(&range["end"])
        );
    }
    assert!(client.shutdown().success());
}

// --- formatting ----------------------------------------------------------------------------

#[test]
fn formatting_returns_the_edits_of_charla_fmt() {
    let dir = TempDir::new("lsp-fmt");
    let messy = "# A bot\nbot   \"B\" {\n    business fitness\n  start m   # where it begins\n  support \"https://x.example\"\n}\n\n\n\nmenu m {\n say \"Olá 👋\"\n      option \"Sí\" -> handoff\n}";
    let path = dir.write("bot.charla", messy);
    let uri = file_uri(&path);
    let mut client = server();
    client.open(&uri, messy);
    let response = client.request("textDocument/formatting", json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }));
    let edits = response["result"]
        .as_array()
        .unwrap_or_else(|| panic!("{response}"));
    assert!(!edits.is_empty());
    charla(&["fmt", path.to_str().unwrap()]).assert_exit(0);
    let formatted = read(&path);
    assert_ne!(formatted, messy);
    assert_eq!(apply(messy, edits), formatted);

    // Formatted already: no edits.
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": formatted }] }),
    );
    let response = client.request("textDocument/formatting", json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }));
    assert_eq!(response["result"], json!([]));

    // Half-typed: refused, with the reason.
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 3 }, "contentChanges": [{ "text": "menu m {\n  option \"A\" ->\n}\n" }] }),
    );
    let response = client.request("textDocument/formatting", json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }));
    assert_eq!(response["error"]["code"], -32803, "{response}");
    assert!(response["error"]["message"]
        .as_str()
        .unwrap()
        .contains("does not parse"));
    assert!(client.shutdown().success());
}

// --- robustness ----------------------------------------------------------------------------

mod prefixes {
    //! Half-typed source: every prefix of every example file, by lines, and of one file by
    //! characters, goes through the server's own `didChange` handling and the diagnostics
    //! thread's analysis (called directly, without the pipes, for speed). Nothing may panic,
    //! every change must publish diagnostics for the file, and every range must lie in it.
    //! Requests that read the analysis (symbols, hover, completion, definition) are asked at
    //! the end of each prefix too.

    use super::*;
    use charla::lsp::{diagnose, Encoding, Job, Server};
    use lsp_server::{Notification, Request, RequestId};

    struct Editor {
        server: Server,
        uri: String,
        version: i32,
    }

    impl Editor {
        fn open(path: &Path) -> Editor {
            let mut server = Server::new(Encoding::Utf16);
            let uri = file_uri(path);
            server.notify(Notification::new(
                "textDocument/didOpen".into(),
                json!({ "textDocument": { "uri": uri, "languageId": "charla", "version": 0, "text": "" } }),
            ));
            Editor {
                server,
                uri,
                version: 0,
            }
        }

        /// The whole text as the editor's change, then the diagnostics as the thread computes them.
        fn type_text(&mut self, text: &str) {
            self.version += 1;
            let jobs = self.server.notify(Notification::new(
                "textDocument/didChange".into(),
                json!({ "textDocument": { "uri": self.uri, "version": self.version }, "contentChanges": [{ "text": text }] }),
            ));
            let [Job::Analyse(snapshot)] = jobs.as_slice() else {
                panic!("a change must make one analysis job, got {jobs:?}");
            };
            let (published, _) = diagnose(snapshot, Encoding::Utf16, &HashSet::new());
            let mine = published
                .iter()
                .find(|p| p.uri.as_str() == self.uri)
                .unwrap_or_else(|| {
                    panic!("no diagnostics published for the changed file at:\n{text}")
                });
            assert_eq!(mine.version, Some(self.version));
            let lines = text.split('\n').count() as u32;
            for d in &mine.diagnostics {
                assert!(
                    d.range.start <= d.range.end && d.range.end.line < lines.max(1),
                    "{d:?} outside:\n{text}"
                );
            }
        }

        fn ask(&mut self, method: &str, params: Value) {
            let response =
                self.server
                    .request(Request::new(RequestId::from(1), method.into(), params));
            if let Err(error) = &response.response_result {
                panic!("{method}: {error:?}");
            }
        }

        fn ask_everything_at_the_end(&mut self, text: &str) {
            let line = text.split('\n').count().saturating_sub(1);
            let character: usize = text
                .rsplit('\n')
                .next()
                .unwrap_or("")
                .chars()
                .map(char::len_utf16)
                .sum();
            let position = json!({ "line": line, "character": character });
            let here = text_document_position(&self.uri, position.clone());
            self.ask(
                "textDocument/documentSymbol",
                json!({ "textDocument": { "uri": self.uri } }),
            );
            self.ask("textDocument/completion", here.clone());
            self.ask("textDocument/hover", here.clone());
            self.ask("textDocument/definition", here);
            let before = json!({ "line": line, "character": character.saturating_sub(2) });
            self.ask(
                "textDocument/hover",
                text_document_position(&self.uri, before),
            );
        }
    }

    #[test]
    fn every_line_prefix_of_every_example_yields_diagnostics() {
        for bot in example_bots() {
            for path in support::bots::charla_files(&bot) {
                let text = read(&path);
                let mut editor = Editor::open(&path);
                let mut prefix = String::new();
                for line in text.split_inclusive('\n') {
                    prefix.push_str(line);
                    editor.type_text(&prefix);
                    editor.ask_everything_at_the_end(&prefix);
                    // The line without its break, and half of it.
                    let cut = prefix.trim_end_matches('\n');
                    let half = cut.len() - line.trim_end_matches('\n').len() / 2;
                    let half = (0..=half)
                        .rev()
                        .find(|&i| cut.is_char_boundary(i))
                        .unwrap_or(0);
                    editor.type_text(&cut[..half]);
                }
            }
        }
    }

    /// UTF-16 position of a byte offset (at a character boundary).
    fn utf16_position(text: &str, offset: usize) -> Value {
        let before = &text[..offset];
        let line = before.matches('\n').count();
        let start = before.rfind('\n').map_or(0, |i| i + 1);
        let character: usize = before[start..].chars().map(char::len_utf16).sum();
        json!({ "line": line, "character": character })
    }

    #[test]
    fn random_incremental_edits_land_where_the_client_meant() {
        // Edits with accents and emoji at random places, sent as ranges in UTF-16 units; the
        // server's text must end up as the client's, which shows in equal diagnostics.
        let path = totalpass().join("audiences.charla");
        let mut text = read(&path);
        let mut editor = Editor::open(&path);
        editor.type_text(&text);
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n.max(1) as u64) as usize
        };
        let pieces = ["a", "ç", "👋", "\n", "\"", "{", "}", " -> ", "ã😀b", ""];
        for round in 0..300 {
            let boundaries: Vec<usize> = text
                .char_indices()
                .map(|(i, _)| i)
                .chain([text.len()])
                .collect();
            let mut a = boundaries[next(boundaries.len())];
            let mut b = boundaries[next(boundaries.len())];
            if a > b {
                std::mem::swap(&mut a, &mut b);
            }
            // Mostly small deletions.
            if b - a > 8 {
                b = (a..=a + 8)
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(a);
            }
            let insert = pieces[next(pieces.len())];
            let range =
                json!({ "start": utf16_position(&text, a), "end": utf16_position(&text, b) });
            text.replace_range(a..b, insert);
            editor.version += 1;
            let jobs = editor.server.notify(Notification::new(
                "textDocument/didChange".into(),
                json!({ "textDocument": { "uri": editor.uri, "version": editor.version }, "contentChanges": [{ "range": range, "text": insert }] }),
            ));
            let [Job::Analyse(snapshot)] = jobs.as_slice() else {
                panic!("no job");
            };
            if round % 25 != 24 {
                continue;
            }
            let (by_edits, _) = diagnose(snapshot, Encoding::Utf16, &HashSet::new());
            let mut fresh = Editor::open(&path);
            fresh.version = editor.version - 1;
            fresh.type_text(&text);
            let jobs = fresh.server.notify(Notification::new(
                "textDocument/didChange".into(),
                json!({ "textDocument": { "uri": fresh.uri, "version": editor.version }, "contentChanges": [{ "text": text }] }),
            ));
            let [Job::Analyse(whole)] = jobs.as_slice() else {
                panic!("no job");
            };
            let (by_text, _) = diagnose(whole, Encoding::Utf16, &HashSet::new());
            let mine = |p: &Vec<lsp_types::PublishDiagnosticsParams>| {
                p.iter()
                    .find(|p| p.uri.as_str() == editor.uri)
                    .map(|p| p.diagnostics.clone())
            };
            assert_eq!(
                mine(&by_edits),
                mine(&by_text),
                "after {round} edits:\n{text}"
            );
        }
        // Positions past the end of a line or of the text, and inside a surrogate pair, are
        // taken as the nearest place (never a panic).
        for (start, end) in [
            ((9999, 0), (9999, 5)),
            ((0, 999), (1, 999)),
            ((0, 1), (0, 0)),
        ] {
            editor.version += 1;
            editor.server.notify(Notification::new(
                "textDocument/didChange".into(),
                json!({ "textDocument": { "uri": editor.uri, "version": editor.version }, "contentChanges": [{
                    "range": { "start": { "line": start.0, "character": start.1 }, "end": { "line": end.0, "character": end.1 } },
                    "text": "👋",
                }] }),
            ));
        }
        editor.type_text("👋x\n");
        let jobs = editor.server.notify(Notification::new(
            "textDocument/didChange".into(),
            json!({ "textDocument": { "uri": editor.uri, "version": editor.version + 1 }, "contentChanges": [{
                "range": { "start": { "line": 0, "character": 1 }, "end": { "line": 0, "character": 1 } }, "text": "y",
            }] }),
        ));
        assert_eq!(jobs.len(), 1);
    }

    #[test]
    fn every_character_prefix_of_the_welcome_menu_yields_diagnostics() {
        // audiences.charla: accents, a list menu with descriptions, `sets audience`.
        let path = totalpass().join("audiences.charla");
        let text = read(&path);
        let mut editor = Editor::open(&path);
        for (i, _) in text.char_indices().skip(1) {
            editor.type_text(&text[..i]);
        }
        editor.type_text(&text);
        editor.ask_everything_at_the_end(&text);
    }
}

// --- the VS Code extension -----------------------------------------------------------------

#[test]
fn the_vscode_extension_declares_the_language_the_grammar_and_the_client() {
    let dir = crate_root().join("editors/vscode");
    let package: Value =
        serde_json::from_str(&read(&dir.join("package.json"))).expect("package.json is JSON");
    assert_eq!(package["main"], "./extension.js");
    assert!(package["dependencies"]["vscode-languageclient"].is_string());
    let language = &package["contributes"]["languages"][0];
    assert_eq!(language["id"], "charla");
    assert_eq!(language["extensions"], json!([".charla"]));
    let configuration = language["configuration"].as_str().unwrap();
    let grammar_entry = &package["contributes"]["grammars"][0];
    assert_eq!(grammar_entry["language"], "charla");
    assert_eq!(grammar_entry["scopeName"], "source.charla");
    assert!(package["contributes"]["configuration"]["properties"]["charla.path"].is_object());
    assert!(package["activationEvents"]
        .as_array()
        .unwrap()
        .contains(&json!("onLanguage:charla")));

    let config: Value = serde_json::from_str(&read(&dir.join(configuration)))
        .expect("language configuration is JSON");
    assert_eq!(config["comments"]["lineComment"], "#");
    assert!(config["brackets"]
        .as_array()
        .unwrap()
        .contains(&json!(["{", "}"])));

    let grammar_text = read(&dir.join(grammar_entry["path"].as_str().unwrap()));
    let grammar: Value = serde_json::from_str(&grammar_text).expect("the grammar is JSON");
    assert_eq!(grammar["scopeName"], "source.charla");
    // Comments, strings (both kinds), placeholders, the arrow and every keyword of the language.
    for needle in [
        "comment.line.number-sign.charla",
        "string.quoted.double.charla",
        "string.quoted.triple.charla",
        "meta.placeholder.charla",
        "keyword.operator.arrow.charla",
        "\\\\{\\\\{",
        "->",
    ] {
        assert!(
            grammar_text.contains(needle),
            "the grammar has no `{needle}`"
        );
    }
    for keyword in charla::syntax::KEYWORDS {
        assert!(
            grammar_text.contains(&format!("|{keyword}|"))
                || grammar_text.contains(&format!("({keyword}|"))
                || grammar_text.contains(&format!("|{keyword})")),
            "the grammar does not highlight `{keyword}`"
        );
    }
    let main = read(&dir.join("extension.js"));
    assert!(
        main.contains("charla.path") && main.contains("\"lsp\""),
        "extension.js starts `charla lsp` from the setting"
    );
    // Every regex in the grammar compiles as a plain regular expression (Oniguruma is a superset
    // for what it uses: no lookbehind, no possessive quantifiers).
    let mut regexes = Vec::new();
    collect_regexes(&grammar, &mut regexes);
    assert!(regexes.len() >= 8, "{regexes:?}");
    for regex in regexes {
        assert!(balanced(&regex), "unbalanced regex: {regex}");
    }
}

fn collect_regexes(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("match" | "begin" | "end", Value::String(s)) => out.push(s.clone()),
                    _ => collect_regexes(value, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_regexes(v, out)),
        _ => {}
    }
}

/// Parentheses and brackets balance, escapes and classes considered.
fn balanced(regex: &str) -> bool {
    let mut depth = 0i32;
    let mut in_class = false;
    let mut chars = regex.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0 && !in_class
}
