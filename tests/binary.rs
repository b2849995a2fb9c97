//! `charla build --emit binary`: one executable that is the bot, runs without charla or the
//! sources, and refuses a damaged bundle.

#[allow(dead_code)]
mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use support::{charla, charla_input, TempDir};

/// Runs a built bot with `input` on its standard input; returns (exit code, stdout, stderr).
fn run_bot(bot: &Path, args: &[&str], input: &str) -> (i32, String, String) {
    let mut child = Command::new(bot)
        .args(args)
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the built bot starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

#[test]
fn a_built_bot_runs_on_its_own() {
    let t = TempDir::new("binary");
    let bot = t.path().join("totalpass-bot");
    charla(&[
        "build",
        "examples/totalpass",
        "--emit",
        "binary",
        "-o",
        bot.to_str().unwrap(),
    ])
    .assert_exit(0);
    let bundle = t.path().join("totalpass.json");
    charla(&[
        "build",
        "examples/totalpass",
        "-o",
        bundle.to_str().unwrap(),
    ])
    .assert_exit(0);
    let hash = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&bundle).unwrap())
        .unwrap()["hash"]
        .as_str()
        .unwrap()
        .to_string();

    let (code, info, err) = run_bot(&bot, &["info"], "");
    assert_eq!(code, 0, "{err}");
    assert!(info.contains("bot: TotalPass"), "{info}");
    assert!(info.contains(&hash), "info shows the bundle's hash: {info}");
    assert!(info.contains("fitness (allowed"), "{info}");

    // The built bot chats exactly as `charla chat` on the sources.
    let (code, chat, err) = run_bot(&bot, &["chat", "--json"], "oi\n1\nquando sou cobrado?\n");
    assert_eq!(code, 0, "{err}");
    let reference = charla_input(
        &["chat", "examples/totalpass", "--json"],
        "oi\n1\nquando sou cobrado?\n",
    )
    .assert_exit(0);
    assert_eq!(chat, reference.stdout);
}

#[test]
fn a_bot_with_a_damaged_bundle_refuses_to_start() {
    let t = TempDir::new("damaged");
    let bot = t.path().join("store-bot");
    charla(&[
        "build",
        "examples/store",
        "--emit",
        "binary",
        "-o",
        bot.to_str().unwrap(),
    ])
    .assert_exit(0);
    let mut bytes = std::fs::read(&bot).unwrap();
    // Change a letter inside the bundle (just before the 16-byte footer is its last line).
    let at = bytes.len() - 16 - 200;
    bytes[at] = if bytes[at] == b'a' { b'b' } else { b'a' };
    let damaged = t.write("damaged-bot", &bytes);
    #[cfg(unix)]
    std::fs::set_permissions(
        &damaged,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let (code, _, err) = run_bot(&damaged, &["info"], "");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot be used"), "{err}");
}

#[test]
fn building_twice_gives_the_same_bytes() {
    let t = TempDir::new("twice");
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    charla(&[
        "build",
        "examples/bank",
        "--emit",
        "binary",
        "-o",
        a.to_str().unwrap(),
    ])
    .assert_exit(0);
    charla(&[
        "build",
        "examples/bank",
        "--emit",
        "binary",
        "-o",
        b.to_str().unwrap(),
    ])
    .assert_exit(0);
    assert!(
        std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
        "two builds differ"
    );
}
