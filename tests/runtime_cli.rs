//! `charla test` and `charla chat`, run as a user runs them.

#[allow(dead_code)]
mod support;

use serde_json::Value;
use support::{charla, charla_input, TempDir};

#[test]
fn test_runs_every_example_and_sums_up() {
    let run = charla(&["test", "examples/"]).assert_exit(0);
    let last = run.stdout.lines().last().unwrap_or_default().to_string();
    assert!(last.ends_with("passed, 0 failed"), "{run:?}");
    let tests = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("ok   "))
        .count();
    assert!(tests >= 40, "only {tests} tests ran: {run:?}");
}

#[test]
fn a_failing_test_shows_its_line_what_was_expected_and_what_the_bot_said() {
    let t = TempDir::new("failing");
    t.write(
        "bot.charla",
        "bot \"Shop\" {\n  business retail\n  start home\n  support \"https://s.example\"\n}\n\nmenu home {\n  say \"Hi!\"\n  option \"Hours\" -> hours\n}\n\nintent hours {\n  say \"We open at 9.\"\n}\n\ntest \"hours\" {\n  user \"hello\"\n  user \"1\"\n  bot \"We open at 10.\"\n}\n",
    );
    let run = charla(&["test", t.path().to_str().unwrap()]).assert_exit(1);
    assert!(run.stdout.contains("FAIL"), "{run:?}");
    assert!(
        run.stdout.contains("bot.charla:19"),
        "the failing line: {run:?}"
    );
    assert!(
        run.stdout.contains("\"We open at 10.\""),
        "what was expected: {run:?}"
    );
    assert!(
        run.stdout.contains("\"We open at 9.\""),
        "what the bot said: {run:?}"
    );
    assert!(
        run.stdout.trim_end().ends_with("0 passed, 1 failed"),
        "{run:?}"
    );

    let json: Value = serde_json::from_str(
        charla(&["test", t.path().to_str().unwrap(), "--format", "json"])
            .assert_exit(1)
            .stdout
            .trim(),
    )
    .unwrap();
    assert_eq!(json["failed"], 1);
    assert_eq!(json["tests"][0]["failure"]["line"], 19);
}

#[test]
fn a_call_without_a_mock_fails_the_test() {
    let t = TempDir::new("nomock");
    t.write(
        "bot.charla",
        "bot \"Shop\" {\n  business retail\n  start home\n  api \"https://api.s.example\"\n  support \"https://s.example\"\n}\n\nmenu home {\n  say \"Hi!\"\n  option \"Order\" -> order\n}\n\nintent order {\n  call GET \"/orders/1\" as o\n  say \"{{ o.status }}\"\n}\n\ntest \"order\" {\n  user \"hello\"\n  user \"1\"\n}\n",
    );
    let run = charla(&["test", t.path().to_str().unwrap()]).assert_exit(1);
    assert!(
        run.stdout
            .contains("mock GET \"https://api.s.example/orders/1\""),
        "{run:?}"
    );
}

/// `charla chat --json` on TotalPass: `oi`, then option 1 ("Sou usuário", which sets the
/// audience), in the order DESIGN.md fixes.
#[test]
fn chat_json_prints_events_before_the_messages_they_cause() {
    let run = charla_input(&["chat", "examples/totalpass", "--json"], "oi\n1\n").assert_exit(0);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let shape: Vec<String> = lines
        .iter()
        .map(|v| match v.get("event") {
            Some(e) => format!(
                "{} {}",
                e.as_str().unwrap(),
                v.get("name").and_then(Value::as_str).unwrap_or("")
            ),
            None => format!("text ({} options)", v["options"].as_array().unwrap().len()),
        })
        .collect();
    assert_eq!(
        shape,
        [
            "menu welcome",
            "text (6 options)",
            "audience member",
            "menu member_home",
            "text (5 options)"
        ],
        "{run:?}"
    );
}

#[test]
fn chat_answers_calls_from_a_mock_file_and_reads_a_built_bundle() {
    let t = TempDir::new("bundle");
    let bundle = t.path().join("tp.json");
    charla(&[
        "build",
        "examples/totalpass",
        "-o",
        bundle.to_str().unwrap(),
    ])
    .assert_exit(0);
    let args = [
        "chat",
        bundle.to_str().unwrap(),
        "--phone",
        "+5511999990000",
        "--mock",
        "examples/totalpass/chat.mock",
    ];
    let run = charla_input(&args, "oi\n1\n1\n").assert_exit(0);
    assert!(
        run.stdout.contains("Sua próxima cobrança é em 10/12"),
        "{run:?}"
    );

    // A bundle that was edited is refused, with a usage error.
    let text = std::fs::read_to_string(&bundle)
        .unwrap()
        .replacen("Sou usuário", "Sou usuario", 1);
    let edited = t.write("edited.json", text);
    let run = charla_input(&["chat", edited.to_str().unwrap()], "oi\n").assert_exit(2);
    assert!(run.stderr.contains("hash"), "{run:?}");
}

#[test]
fn chat_refuses_an_unknown_audience_and_a_collection() {
    charla_input(&["chat", "examples/totalpass", "--audience", "nobody"], "").assert_exit(2);
    charla_input(&["chat", "examples/"], "").assert_exit(2);
}

/// Without `--mock`, `charla chat` makes the call for real: here to a small HTTP server on
/// loopback standing in for the client's API.
#[test]
fn chat_calls_the_api_over_http() {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        // Read the rest of the head.
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 2 {
            line.clear();
        }
        let body = r#"{"status": "shipped"}"#;
        let mut stream = stream;
        write!(stream, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
        request_line
    });
    let t = TempDir::new("http");
    t.write(
        "bot.charla",
        format!(
            "bot \"Shop\" {{\n  business retail\n  start home\n  api \"http://127.0.0.1:{port}/v1\"\n  support \"https://s.example\"\n}}\n\nmenu home {{\n  say \"Hi!\"\n  option \"Order\" -> order\n}}\n\nintent order {{\n  ask n \"Which order?\" as digits\n  call GET \"/orders/{{{{ n }}}}\" with {{ q: \"a b\" }} as o\n  say \"Order {{{{ n }}}}: {{{{ o.status }}}}.\"\n}}\n"
        ),
    );
    let run = charla_input(&["chat", t.path().to_str().unwrap()], "hi\n1\n42\n").assert_exit(0);
    assert!(run.stdout.contains("bot: Order 42: shipped."), "{run:?}");
    let request_line = server.join().unwrap();
    assert_eq!(
        request_line.trim_end(),
        "GET /v1/orders/42?q=a%20b HTTP/1.1"
    );
}
