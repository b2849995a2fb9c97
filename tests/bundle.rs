//! The bundle of every example bot: valid against `schema/bundle.schema.json`, reproducible
//! byte for byte, protected by its hash, and snapshotted so a change to the bundle is a
//! reviewed change. The examples are discovered, not listed: a new example is covered by adding
//! its folder.

#[allow(dead_code)] // each test crate uses only part of the helpers
mod support;

use charla::source::SourceFile;
use serde_json::Value;
use std::path::Path;
use support::{crate_root, example_bots, read_bot};

/// A bot's name for messages and snapshot names: its path under `examples/`.
fn bot_name(dir: &Path) -> String {
    dir.strip_prefix(crate_root().join("examples"))
        .unwrap()
        .to_string_lossy()
        .replace(['/', '\\'], "__")
}

/// Compiles a bot with the library and emits its bundle; fails on any diagnostic.
fn bundle_of(dir: &Path) -> Vec<u8> {
    let (sources, names) = read_bot(dir);
    let compiled = charla::compile(&sources, &charla::Options::default());
    let problems: Vec<String> = compiled
        .diagnostics
        .iter()
        .map(|d| {
            let file = &sources[d.primary.span.file.0 as usize];
            let (line, column) = file.line_col(d.primary.span.start as usize);
            format!("{}:{line}:{column}: {} {}", file.name, d.code, d.message)
        })
        .collect();
    assert!(
        problems.is_empty(),
        "example `{}` has diagnostics:\n{}",
        bot_name(dir),
        problems.join("\n")
    );
    let model = compiled
        .model
        .unwrap_or_else(|| panic!("example `{}` has no model", bot_name(dir)));
    charla::emit::bundle::emit(&model, &names)
}

fn schema() -> Value {
    let path = crate_root().join("schema/bundle.schema.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("the schema is not JSON")
}

fn validator() -> jsonschema::Validator {
    // Building also checks the schema against the draft 2020-12 meta-schema.
    jsonschema::validator_for(&schema()).expect("the schema is not a valid JSON Schema")
}

/// Every validation error, one a line, with where it is in the instance.
fn schema_errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("at `{}`: {e}", e.instance_path))
        .collect()
}

#[test]
fn schema_declares_draft_2020_12() {
    let schema = schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    validator();
}

#[test]
fn every_example_bundle_matches_the_schema() {
    let validator = validator();
    let mut failures = Vec::new();
    for dir in example_bots() {
        let bytes = bundle_of(&dir);
        let instance: Value = serde_json::from_slice(&bytes).expect("the bundle is not JSON");
        let errors = schema_errors(&validator, &instance);
        if !errors.is_empty() {
            failures.push(format!("{}:\n  {}", bot_name(&dir), errors.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "bundles that do not match schema/bundle.schema.json:\n{}",
        failures.join("\n")
    );
}

#[test]
fn same_input_gives_the_same_bytes() {
    for dir in example_bots() {
        let first = bundle_of(&dir);
        let second = bundle_of(&dir);
        assert!(
            first == second,
            "example `{}`: two compilations gave different bundles",
            bot_name(&dir)
        );
    }
}

#[test]
fn bundle_shape_is_fixed() {
    for dir in example_bots() {
        let bytes = bundle_of(&dir);
        let text = String::from_utf8(bytes).expect("the bundle is not UTF-8");
        let name = bot_name(&dir);
        assert!(
            text.starts_with("{\"format\":1,"),
            "{name}: {}",
            &text[..40]
        );
        assert!(
            text.ends_with("\"}\n") && text.matches('\n').count() == 1,
            "{name}: the bundle is one line, ending with a newline after `}}`"
        );
        let value: Value = serde_json::from_str(&text).unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "format",
                "compiler",
                "files",
                "bot",
                "audiences",
                "menus",
                "intents",
                "templates",
                "tests",
                "policy",
                "hash"
            ],
            "{name}: top-level members and their order"
        );
        // The source map names the bot's files relative to its folder, in byte order.
        let (_, names) = read_bot(&dir);
        assert_eq!(value["files"], serde_json::json!(names), "{name}");
    }
}

#[test]
fn verify_accepts_a_bundle_and_refuses_an_edited_one() {
    for dir in example_bots() {
        let name = bot_name(&dir);
        let bytes = bundle_of(&dir);
        assert_eq!(charla::emit::bundle::verify(&bytes), Ok(()), "{name}");

        // Flip one ASCII letter or digit in the first option label.
        let marker = b"\"label\":\"";
        let at = bytes
            .windows(marker.len())
            .position(|w| w == marker)
            .unwrap_or_else(|| panic!("{name}: no label in the bundle"));
        let mut edited = bytes.clone();
        let i = (at + marker.len()..edited.len())
            .find(|&i| edited[i].is_ascii_alphanumeric())
            .unwrap();
        edited[i] = if edited[i] == b'a' { b'b' } else { b'a' };
        assert_ne!(edited, bytes);
        assert!(
            charla::emit::bundle::verify(&edited).is_err(),
            "{name}: verify accepted a bundle whose label was edited"
        );

        // A bundle with its hash removed or replaced is refused too.
        let text = String::from_utf8(bytes.clone()).unwrap();
        let hash_at = text.rfind("sha256:").unwrap() + "sha256:".len();
        let mut wrong = text.clone().into_bytes();
        wrong[hash_at] = if wrong[hash_at] == b'0' { b'1' } else { b'0' };
        assert!(charla::emit::bundle::verify(&wrong).is_err(), "{name}");
        assert!(charla::emit::bundle::verify(b"{}").is_err(), "{name}");
        assert!(
            charla::emit::bundle::verify(&[0xff, 0xfe]).is_err(),
            "{name}"
        );
    }
}

#[test]
fn example_bundle_snapshots() {
    for dir in example_bots() {
        // The bundle is one compact line; the snapshot shows it pretty, key order kept.
        let value: serde_json::Value = serde_json::from_slice(&bundle_of(&dir)).unwrap();
        let text = serde_json::to_string_pretty(&value).unwrap();
        let name = bot_name(&dir);
        // The compiler version (and so the hash) changes with every release; the content is
        // what the snapshot is for. Reproducibility is tested above.
        insta::with_settings!({
            filters => vec![
                (r#""compiler": "charla [^"]*""#, r#""compiler": "[charla version]""#),
                (r#""hash": "sha256:[0-9a-f]{64}""#, r#""hash": "[hash]""#),
            ],
            prepend_module_to_snapshot => true,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, text);
        });
    }
}

// --- the schema is not vacuous ------------------------------------------------------------------

/// A real bundle to break.
fn sample() -> Value {
    let dir = example_bots().into_iter().next().unwrap();
    serde_json::from_slice(&bundle_of(&dir)).unwrap()
}

/// The first step array of an intent, and of a menu.
fn first_intent_steps(bundle: &mut Value) -> &mut Vec<Value> {
    bundle["intents"]
        .as_object_mut()
        .unwrap()
        .values_mut()
        .next()
        .expect("the sample has no intent")["steps"]
        .as_array_mut()
        .unwrap()
}

fn first_menu(bundle: &mut Value) -> &mut Value {
    bundle["menus"]
        .as_object_mut()
        .unwrap()
        .values_mut()
        .next()
        .expect("the sample has no menu")
}

fn assert_rejected(what: &str, instance: &Value) {
    let validator = validator();
    let errors = schema_errors(&validator, instance);
    assert!(!errors.is_empty(), "the schema accepted {what}");
}

/// The sample with `step` added to its first intent must be rejected.
fn assert_intent_step_rejected(what: &str, step: Value) {
    let mut b = sample();
    first_intent_steps(&mut b).push(step);
    assert_rejected(what, &b);
}

#[test]
fn schema_accepts_the_sample() {
    let validator = validator();
    let errors = schema_errors(&validator, &sample());
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn schema_rejects_a_wrong_format_type() {
    let mut b = sample();
    b["format"] = Value::String("1".into());
    assert_rejected("`format` as a string", &b);
    b["format"] = serde_json::json!(2);
    assert_rejected("an unknown format version", &b);
}

#[test]
fn schema_rejects_an_unknown_step() {
    assert_intent_step_rejected(
        "a step `dance`",
        serde_json::json!({"step": "dance", "src": [0, 1]}),
    );
}

#[test]
fn schema_rejects_a_step_with_an_extra_or_missing_field() {
    assert_intent_step_rejected(
        "a `say` with an unknown member",
        serde_json::json!({"step": "say", "text": "hi", "src": [0, 1], "extra": true}),
    );
    assert_intent_step_rejected(
        "a `say` without text",
        serde_json::json!({"step": "say", "src": [0, 1]}),
    );
    assert_intent_step_rejected(
        "a `handoff` without `team` (serde writes null)",
        serde_json::json!({"step": "handoff", "src": [0, 1]}),
    );
}

#[test]
fn schema_rejects_menu_only_violations() {
    let mut b = sample();
    first_menu(&mut b)["steps"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"step": "end", "src": [0, 1]}));
    assert_rejected("an `end` step in a menu", &b);

    let mut b = sample();
    first_menu(&mut b)["steps"].as_array_mut().unwrap().push(serde_json::json!({
        "step": "if", "condition": "x", "then": [
            {"step": "ask", "name": "n", "question": "q", "answer": {"type": "text"}, "src": [0, 1]}
        ], "otherwise": [], "src": [0, 1]
    }));
    assert_rejected("an `ask` nested in an `if` in a menu", &b);

    let mut b = sample();
    first_menu(&mut b)["presentation"] = Value::String("carousel".into());
    assert_rejected("an unknown presentation", &b);
}

#[test]
fn schema_rejects_bad_src_target_and_hash() {
    let mut b = sample();
    b["bot"]["src"] = serde_json::json!({"file": 0, "line": 1});
    assert_rejected("`src` as an object", &b);

    let mut b = sample();
    b["bot"]["src"] = serde_json::json!([0, 1, 2]);
    assert_rejected("`src` with three items", &b);

    let mut b = sample();
    b["bot"]["src"] = serde_json::json!([0, 0]);
    assert_rejected("`src` with line 0", &b);

    let mut b = sample();
    b["bot"]["starts"][0]["target"] = serde_json::json!({"page": "x"});
    assert_rejected("a target `{\"page\": ...}`", &b);

    let mut b = sample();
    b["bot"]["starts"][0]["target"] = Value::String("menu".into());
    assert_rejected("a target `\"menu\"`", &b);

    let mut b = sample();
    b["hash"] = Value::String("sha256:XYZ".into());
    assert_rejected("a malformed hash", &b);

    let mut b = sample();
    b.as_object_mut().unwrap().remove("hash");
    assert_rejected("a bundle without a hash", &b);

    let mut b = sample();
    b.as_object_mut()
        .unwrap()
        .insert("extra".into(), Value::Bool(true));
    assert_rejected("an unknown top-level member", &b);

    let mut b = sample();
    b["bot"].as_object_mut().unwrap().remove("support");
    assert_rejected("a bot without `support` (serde writes null)", &b);
}

#[test]
fn schema_rejects_bad_ask_types_and_test_steps() {
    assert_intent_step_rejected(
        "`digits` without `count`",
        serde_json::json!({
            "step": "ask", "name": "n", "question": "q", "answer": {"type": "digits"}, "src": [0, 1]
        }),
    );
    assert_intent_step_rejected(
        "`text` with a `count`",
        serde_json::json!({
            "step": "ask", "name": "n", "question": "q", "answer": {"type": "text", "count": 3}, "src": [0, 1]
        }),
    );
    assert_intent_step_rejected(
        "an ask type as a bare string",
        serde_json::json!({
            "step": "ask", "name": "n", "question": "q", "answer": "text", "src": [0, 1]
        }),
    );

    let mut b = sample();
    if b["tests"].as_array().unwrap().is_empty() {
        b["tests"] = serde_json::json!([{
            "name": "t", "contact": {"name": "T", "phone": "+1", "audience": null, "language": "en"},
            "mocks": [], "steps": [], "src": [0, 1]
        }]);
    }
    b["tests"][0]["steps"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"do": "dance", "src": [0, 1]}));
    assert_rejected("a test step `dance`", &b);
}

#[test]
fn schema_accepts_every_step_and_ask_type_serde_can_write() {
    // Steps the examples may not use, written as serde writes them, so the schema is not
    // stricter than the model in places the examples do not reach.
    let mut b = sample();
    let steps = first_intent_steps(&mut b);
    for step in [
        serde_json::json!({"step": "set_audience", "audience": null, "src": [0, 1]}),
        serde_json::json!({"step": "set_audience", "audience": "x", "src": [0, 1]}),
        serde_json::json!({"step": "set_opt_in", "src": [0, 1]}),
        serde_json::json!({"step": "set_opt_out", "src": [0, 1]}),
        serde_json::json!({"step": "set", "name": "v", "value": "{{ contact.name }}", "src": [0, 1]}),
        serde_json::json!({"step": "if", "condition": "v", "then": [], "otherwise": [{"step": "end", "src": [0, 2]}], "src": [0, 1]}),
        serde_json::json!({"step": "goto", "target": "end", "src": [0, 1]}),
        serde_json::json!({"step": "goto", "target": "handoff", "src": [0, 1]}),
        serde_json::json!({"step": "goto", "target": {"intent": "i"}, "src": [0, 1]}),
        serde_json::json!({"step": "handoff", "team": null, "src": [0, 1]}),
        serde_json::json!({"step": "end", "src": [0, 1]}),
        serde_json::json!({"step": "call", "method": "DELETE", "url": "https://h.example/x", "with": {}, "bind": "r", "otherwise": null, "src": [0, 1]}),
        serde_json::json!({"step": "call", "method": "PATCH", "url": "https://h.example/x", "with": {"a": "b"}, "bind": "r", "otherwise": [], "src": [0, 1]}),
    ] {
        steps.push(step);
    }
    for answer in [
        serde_json::json!({"type": "text"}),
        serde_json::json!({"type": "number"}),
        serde_json::json!({"type": "digits", "count": null}),
        serde_json::json!({"type": "digits", "count": 4}),
        serde_json::json!({"type": "date"}),
        serde_json::json!({"type": "email"}),
        serde_json::json!({"type": "phone"}),
        serde_json::json!({"type": "rating"}),
        serde_json::json!({"type": "yes_no"}),
        serde_json::json!({"type": "choice", "options": ["A", "B"], "presentation": "buttons"}),
        serde_json::json!({"type": "choice", "options": ["A", "B", "C", "D"], "presentation": "list"}),
    ] {
        steps.push(serde_json::json!({"step": "ask", "name": "n", "question": "q", "answer": answer, "src": [0, 1]}));
    }
    b["tests"] = serde_json::json!([{
        "name": "t",
        "contact": {"name": "T", "phone": "+1", "audience": "a", "language": "en"},
        "mocks": [
            {"method": "GET", "url": "https://h.example/x", "status": 200, "body": "{}", "src": [0, 1]},
            {"method": "POST", "url": "https://h.example/x", "status": null, "body": "", "src": [0, 1]}
        ],
        "steps": [
            {"do": "user", "text": "hi", "src": [0, 1]},
            {"do": "expect_menu", "name": "m", "src": [0, 1]},
            {"do": "expect_intent", "name": "i", "src": [0, 1]},
            {"do": "expect_audience", "name": null, "src": [0, 1]},
            {"do": "expect_audience", "name": "a", "src": [0, 1]},
            {"do": "expect_handoff", "src": [0, 1]},
            {"do": "expect_end", "src": [0, 1]},
            {"do": "expect_opt_in", "src": [0, 1]},
            {"do": "expect_opt_out", "src": [0, 1]},
            {"do": "expect_fallback", "src": [0, 1]},
            {"do": "bot", "text": "t", "contains": true, "src": [0, 1]},
            {"do": "agent_releases", "src": [0, 1]}
        ],
        "src": [0, 1]
    }]);
    let validator = validator();
    let errors = schema_errors(&validator, &b);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

// --- the bundle agrees with what the checker checked --------------------------------------------

/// Compiles one file, `bot.charla`, with these options; the bundle, or the error diagnostics.
fn bundle_of_text_with(text: &str, options: &charla::Options) -> Result<Value, Vec<String>> {
    let sources = vec![SourceFile::new("bot.charla", text)];
    let compiled = charla::compile(&sources, options);
    match compiled.model {
        Some(model) => Ok(serde_json::from_slice(&charla::emit::bundle::emit(
            &model,
            &["bot.charla".to_string()],
        ))
        .unwrap()),
        None => Err(compiled
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("{} {}", d.code, d.message))
            .collect()),
    }
}

/// Compiles one file with the default policy; the bundle, or the error diagnostics.
fn bundle_of_text(text: &str) -> Result<Value, Vec<String>> {
    bundle_of_text_with(text, &charla::Options::default())
}

/// Compiles one file's text with a policy file's text; the bundle, or the error diagnostics.
fn bundle_with_policy(text: &str, policy: &str) -> Result<Value, Vec<String>> {
    let policy = charla::policy::parse_policy_file("custom", policy).expect("a valid policy file");
    let options = charla::Options {
        policy: Some(policy),
        read_policy: None,
    };
    bundle_of_text_with(text, &options)
}

#[test]
fn a_tighter_max_buttons_changes_the_presentation_the_bundle_records() {
    // With `max_buttons: 2` the checker treats a 3-option menu as a list (row titles up to 24
    // characters); the bundle must then say `list`, or the runtime sends reply buttons whose
    // 22-character titles WhatsApp rejects (button titles hold at most 20).
    let text = r#"bot "X" {
  business retail
  start home
  support "https://x.example"
}
menu home {
  say "x"
  option "Twenty-two characters!" -> handoff
  option "Another long label here" -> handoff
  option "Third" -> handoff
}
"#;
    let Ok(bundle) = bundle_with_policy(text, r#"{"limits": {"max_buttons": 2}}"#) else {
        // Refusing the labels as too long for buttons is also consistent.
        return;
    };
    let errors = schema_errors(&validator(), &bundle);
    assert_eq!(
        bundle["menus"]["home"]["presentation"], "list",
        "the checker applied list limits, the bundle says buttons; schema: {errors:?}"
    );
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

/// A bot that uses every step, every `ask` type, every test line, a government approval, a
/// template with and without button targets, and audiences set and cleared.
const EVERYTHING: &str = r#"bot "Everything" {
  business government
  approval "GOV-1"
  language en
  start member_home for member
  start home
  api "https://api.example/v1"
  opt_out "QUIT"
}

audience member "Members"

menu home {
  set greeting = "Hello"
  call GET "/status" as status
  if status.ok {
    say "{{ greeting }}, all good"
  } else {
    say "{{ greeting }}"
  }
  option "Member" -> member_home sets audience member
  option "Ask" -> asks
  option "Human" -> handoff
  option "Bye" -> end
}

menu member_home for member {
  say "Hi member"
  option "Leave" -> home sets audience none
  option "Agree" -> consent
  option "Stop" -> refuse
  option "Human" -> handoff
}

intent asks {
  examples "questions", "ask me"
  ask a "Text?"
  ask b "Number?" as number
  ask c "Digits?" as digits
  ask d "Four digits?" as digits 4
  ask e "Date?" as date
  ask f "Email?" as email
  ask g "Phone?" as phone
  ask h "Rating?" as rating
  ask i "Sure?" as yes_no
  ask j "Pick" as choice "One", "Two"
  ask k "Pick more" as choice "A", "B", "C", "D", "E"
  call POST "/answers" with { a: "{{ a }}", b: "{{ b }}", c: "{{ c }}", d: "{{ d }}", e: "{{ e }}", f: "{{ f }}", g: "{{ g }}", h: "{{ h }}", i: "{{ i }}", j: "{{ j }}", k: "{{ k }}" } as saved
  say "Saved {{ saved.id }}"
  call DELETE "/x" as _gone else {
    say "not deleted"
  }
  set audience member
  goto member_home
}

intent consent for member {
  set opt_in
  say "Subscribed"
  handoff "sales"
}

intent refuse for member {
  set opt_out
  say "Unsubscribed"
  end
}

template ping {
  category notification
  header "Hello"
  body "Your code {{1}} is ready."
  footer "Everything"
  button "Open" -> home
  button "Later"
}

test "all steps" {
  contact { name "Ana" phone "+15550000000" audience member language en }
  mock GET "/status" returns """{"ok": true}"""
  mock POST "/answers" returns 201 """{"id": 7}"""
  mock DELETE "/x" fails
  user "hi"
  expect menu member_home
  expect audience member
  bot "Hi member"
  bot contains "member"
  user "Leave"
  expect audience none
  expect menu home
  user "Agree"
  expect fallback
  user "Human"
  expect handoff
  agent releases
  user "Bye"
  expect end
}

test "opt" {
  user "questions"
  expect intent asks
  expect opt_in
  expect opt_out
}
"#;

#[test]
fn a_bot_using_every_form_matches_the_schema() {
    let bundle = bundle_of_text(EVERYTHING).unwrap_or_else(|e| panic!("{e:#?}"));
    let errors = schema_errors(&validator(), &bundle);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(bundle["policy"]["business_verdict"], "needs_approval");
    let mut steps = std::collections::BTreeSet::new();
    fn walk(steps: &Value, out: &mut std::collections::BTreeSet<String>) {
        for s in steps.as_array().unwrap() {
            out.insert(s["step"].as_str().unwrap().to_string());
            if s["step"] == "ask" {
                out.insert(format!("ask:{}", s["answer"]["type"].as_str().unwrap()));
            }
            for k in ["then", "otherwise"] {
                if s[k].is_array() {
                    walk(&s[k], out);
                }
            }
        }
    }
    for part in ["menus", "intents"] {
        for v in bundle[part].as_object().unwrap().values() {
            walk(&v["steps"], &mut steps);
        }
    }
    for kind in [
        "say",
        "ask",
        "call",
        "set_audience",
        "set_opt_in",
        "set_opt_out",
        "set",
        "if",
        "goto",
        "handoff",
        "end",
        "ask:text",
        "ask:number",
        "ask:digits",
        "ask:date",
        "ask:email",
        "ask:phone",
        "ask:rating",
        "ask:yes_no",
        "ask:choice",
    ] {
        assert!(steps.contains(kind), "the bot has no `{kind}`: {steps:?}");
    }
    let dos: std::collections::BTreeSet<&str> = bundle["tests"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| t["steps"].as_array().unwrap())
        .map(|s| s["do"].as_str().unwrap())
        .collect();
    assert_eq!(dos.len(), 11, "every test line: {dos:?}");
}

#[test]
fn what_the_compiler_accepts_the_schema_accepts() {
    // Small bots at the edges of the language: each must either have errors or give a bundle
    // that matches the schema (which records WhatsApp's hard limits).
    let header =
        "bot \"X\" {\n  business retail\n  start home\n  support \"https://x.example\"\n}\n";
    let menu = "menu home {\n  say \"x\"\n  option \"Go\" -> i\n}\n";
    let cases = [
        ("an empty question", format!("{header}{menu}intent i {{\n  ask n \"\"\n  say \"{{{{ n }}}}\"\n}}\n")),
        ("a blank question", format!("{header}{menu}intent i {{\n  ask n \"  \"\n  say \"{{{{ n }}}}\"\n}}\n")),
        ("`digits 0`", format!("{header}{menu}intent i {{\n  ask n \"q\" as digits 0\n  say \"{{{{ n }}}}\"\n}}\n")),
        ("an empty template header and footer", format!("{header}{menu}intent i {{\n  set opt_in\n  say \"ok\"\n}}\ntemplate t {{\n  category notification\n  header \"\"\n  body \"Hi {{{{1}}}} there.\"\n  footer \"\"\n}}\n")),
        ("an empty audience label", format!("{header}{menu}audience a \"\"\nintent i {{\n  set audience a\n  say \"ok\"\n}}\n")),
        ("an empty handoff team", format!("{header}{menu}intent i {{\n  handoff \"\"\n}}\n")),
        ("a session of zero seconds", "bot \"X\" {\n  business retail\n  start home\n  support \"s\"\n  session 0s\n}\n".to_string() + menu + "intent i {\n  say \"ok\"\n}\n"),
    ];
    let validator = validator();
    let mut failures = Vec::new();
    for (what, text) in cases {
        if let Ok(bundle) = bundle_of_text(&text) {
            let errors = schema_errors(&validator, &bundle);
            if !errors.is_empty() {
                failures.push(format!(
                    "{what}: compiled without errors, but {}",
                    errors.join("; ")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
