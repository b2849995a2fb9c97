//! Benchmark of `charla lsp`: how long after a change the editor gets its diagnostics, over the
//! real binary and its pipes (JSON-RPC framing, the diagnostics thread, the compiler).
//!
//! ```text
//! cargo bench --bench lsp                 # TotalPass and the 10,000-menu bot; prints Markdown
//! cargo bench --bench lsp -- 1000 20000   # other sizes of the generated bot (benches/check.rs)
//! ```
//!
//! For each bot: `didOpen`, then edits that alternately break and repair the bot (a target
//! renamed, so the diagnostics differ each time), each sent after the previous one's
//! diagnostics came back; the time is from writing `didChange` to reading the
//! `publishDiagnostics` of that version. Then a burst: edits sent every 20 ms, one character
//! each, as a fast typist; the time is from the last edit to its diagnostics (the versions
//! overtaken while the compiler was busy are never published). Then requests right after a
//! change (`definition`, `hover`, `completion`, `rename`), which compile the new text on the
//! spot when the diagnostics thread has not yet. Peak memory is the server's `VmHWM`.
//!
//! Benchmarks measure and report; nothing here fails on a slow machine.

#[path = "check.rs"]
#[allow(dead_code)] // only the generator is used here
mod check;

#[path = "../tests/lsp/client.rs"]
#[allow(dead_code)] // the tests use other parts of the client
mod client;

use client::{file_uri, Client};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_charla");

/// One bot to measure: a folder, the file to edit, and the edit (a target that is renamed
/// back and forth).
struct Case {
    name: String,
    dir: PathBuf,
    file: PathBuf,
    target: &'static str,
    edits: usize,
}

#[derive(Default)]
struct Row {
    name: String,
    lines: usize,
    bytes: usize,
    open_ms: f64,
    change: Vec<f64>,
    burst_ms: f64,
    burst_published: usize,
    burst_sent: usize,
    definition_ms: f64,
    hover_ms: f64,
    completion_ms: f64,
    completions: usize,
    rename_ms: f64,
    renamed: usize,
    peak_mb: f64,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).copied().unwrap_or(f64::NAN)
}

/// The UTF-16 position of a byte offset.
fn position(text: &str, offset: usize) -> Value {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let character: usize = before[start..].chars().map(char::len_utf16).sum();
    json!({ "line": line, "character": character })
}

fn peak_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn measure(case: &Case) -> Row {
    let text = std::fs::read_to_string(&case.file).expect("the bot's file");
    let uri = file_uri(&case.file);
    let mut client = Client::start(BIN);
    client.initialize(json!({}));

    let t0 = Instant::now();
    client.open(&uri, &text);
    let first = client.diagnostics(&uri, Some(1));
    let open_ms = ms(t0.elapsed());
    assert!(
        first.is_empty(),
        "{} does not check cleanly: {first:#?}",
        case.name
    );

    // The edit: one character appended to the target (`-> x` becomes `-> xz`) and removed again.
    let at = text.find(case.target).expect("the target") + case.target.len();
    let end = position(&text, at);
    let end_plus_one =
        json!({ "line": end["line"], "character": end["character"].as_u64().unwrap() + 1 });
    let mut version = 1;
    let mut change = Vec::new();
    for i in 0..case.edits {
        version += 1;
        let (range, new_text) = if i % 2 == 0 {
            (json!({ "start": end, "end": end }), "z")
        } else {
            (json!({ "start": end, "end": end_plus_one }), "")
        };
        let t = Instant::now();
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "range": range, "text": new_text }] }),
        );
        let diagnostics = client.diagnostics(&uri, Some(version));
        change.push(ms(t.elapsed()));
        assert_eq!(
            diagnostics.is_empty(),
            i % 2 == 1,
            "{}: edit {i}",
            case.name
        );
    }

    // A burst of typing: 20 edits 20 ms apart, at the end of the target (left broken, then
    // repaired in one change).
    let burst = 20;
    let first_version = version + 1;
    let mut sent_at = Instant::now();
    for i in 0..burst {
        if i > 0 {
            std::thread::sleep(Duration::from_millis(20));
        }
        version += 1;
        let character = end["character"].as_u64().unwrap() + i as u64;
        let here = json!({ "line": end["line"], "character": character });
        sent_at = Instant::now();
        client.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "range": { "start": here, "end": here }, "text": "z" }] }),
        );
    }
    client.diagnostics(&uri, Some(version));
    let burst_ms = ms(sent_at.elapsed());
    let burst_published = client
        .notifications
        .iter()
        .filter(|m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"]
                    .as_i64()
                    .is_some_and(|v| v >= first_version)
        })
        .count()
        + 1;
    client.notifications.clear();

    // Requests right after a change: the text is new, so they compile it (or use the
    // diagnostics thread's analysis if it is done).
    version += 1;
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
    );
    let target_at = position(&text, at - 1);
    let t = Instant::now();
    let response = client.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": uri }, "position": target_at }),
    );
    let definition_ms = ms(t.elapsed());
    assert!(response["result"].is_object(), "{response}");
    let t = Instant::now();
    let response = client.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": target_at }),
    );
    let hover_ms = ms(t.elapsed());
    assert!(response["result"].is_object(), "{response}");
    let t = Instant::now();
    let response = client.request(
        "textDocument/completion",
        json!({ "textDocument": { "uri": uri }, "position": end }),
    );
    let completion_ms = ms(t.elapsed());
    let completions = response["result"].as_array().map_or(0, Vec::len);
    assert!(completions > 0, "{response}");
    // A rename of the target everywhere: the edits, and the renamed bot compiled to check them.
    let t = Instant::now();
    let response = client.request(
        "textDocument/rename",
        json!({ "textDocument": { "uri": uri }, "position": target_at, "newName": "renamed_by_the_bench" }),
    );
    let rename_ms = ms(t.elapsed());
    let renamed = response["result"]["changes"].as_object().map_or(0, |c| {
        c.values().map(|e| e.as_array().map_or(0, Vec::len)).sum()
    });
    assert!(renamed > 1, "{response}");

    let peak = peak_mb(client_pid(&client));
    assert!(client.shutdown().success());
    Row {
        name: case.name.clone(),
        lines: text.lines().count(),
        bytes: text.len(),
        open_ms,
        change,
        burst_ms,
        burst_published,
        burst_sent: burst,
        definition_ms,
        hover_ms,
        completion_ms,
        completions,
        rename_ms,
        renamed,
        peak_mb: peak,
    }
}

fn client_pid(client: &Client) -> u32 {
    client.pid()
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("charla-bench-lsp-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn totalpass() -> Case {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/totalpass");
    let dir = temp_dir("totalpass");
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    Case {
        name: "TotalPass (9 files, editing member.charla)".to_string(),
        file: dir.join("member.charla"),
        dir,
        target: "-> billing",
        edits: 40,
    }
}

fn generated(menus: usize) -> Case {
    let dir = temp_dir(&format!("gen{menus}"));
    let file = dir.join("bot.charla");
    std::fs::write(&file, check::generate(menus)).unwrap();
    Case {
        name: format!("generated, {menus} menus (1 file)"),
        dir,
        file,
        target: "-> menu_1",
        edits: if menus > 2000 { 8 } else { 20 },
    }
}

/// `--stages N`: the server's analysis of the generated bot in this process, stage by stage
/// (where the time of a change goes, without the pipes).
fn stages(menus: usize) {
    use charla::lsp::{Analysis, BotKey, Encoding, LineIndex};
    let case = generated(menus);
    let text = std::fs::read_to_string(&case.file).unwrap();
    let uri: lsp_types::Uri = file_uri(&case.file).parse().unwrap();
    for run in 0..5 {
        let t = Instant::now();
        let index = LineIndex::new(&text);
        let line_index = t.elapsed();
        let t = Instant::now();
        let sources = [charla::source::SourceFile::new("bot.charla", text.as_str())];
        let source = t.elapsed();
        let t = Instant::now();
        let compiled = charla::compile(&sources, &charla::Options::default());
        let compile = t.elapsed();
        let t = Instant::now();
        drop(compiled);
        let free = t.elapsed();
        let t = Instant::now();
        let mut server = charla::lsp::Server::new(Encoding::Utf16);
        let jobs = server.notify(lsp_server::Notification::new(
            "textDocument/didOpen".into(),
            json!({ "textDocument": { "uri": uri.as_str(), "languageId": "charla", "version": 1, "text": text } }),
        ));
        let open = t.elapsed();
        let t = Instant::now();
        let snapshot = match jobs.first() {
            Some(charla::lsp::Job::Analyse(s)) => s.clone(),
            _ => panic!("no job"),
        };
        let analysis = Analysis::new(&snapshot);
        let analyse = t.elapsed();
        let t = Instant::now();
        let (published, _) = charla::lsp::publish(&analysis, Encoding::Utf16, &Default::default());
        let publish = t.elapsed();
        let t = Instant::now();
        drop(analysis);
        let free_analysis = t.elapsed();
        let _ = (index, BotKey::of(&uri), published);
        eprintln!(
            "run {run}: line index {:.1} ms, source {:.1}, compile {:.1}, free it {:.1}; didOpen {:.1}, Analysis::new {:.1}, publish {:.1}, free it {:.1}",
            ms(line_index), ms(source), ms(compile), ms(free), ms(open), ms(analyse), ms(publish), ms(free_analysis)
        );
    }
    let _ = std::fs::remove_dir_all(&case.dir);
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.first().map(String::as_str) == Some("--stages") {
        stages(args.get(1).and_then(|n| n.parse().ok()).unwrap_or(10_000));
        return;
    }
    let mut sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let mut cases = Vec::new();
    if sizes.is_empty() {
        cases.push(totalpass());
        sizes = vec![10_000];
    }
    cases.extend(sizes.into_iter().map(generated));

    let mut rows = Vec::new();
    for case in &cases {
        eprintln!("lsp: {}...", case.name);
        rows.push(measure(case));
        let _ = std::fs::remove_dir_all(&case.dir);
    }
    println!();
    println!("| bot | lines | MB | open → diagnostics ms | change → diagnostics ms: min / median / p90 / max (n) | burst: last edit → diagnostics ms (published of sent) | definition after a change ms | hover after it ms | completion after `->` ms (items) | rename ms (edits) | server peak RSS MB |");
    println!("| --- | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for row in &mut rows {
        let n = row.change.len();
        let min = row.change.iter().copied().fold(f64::INFINITY, f64::min);
        let max = row.change.iter().copied().fold(0.0, f64::max);
        let p90 = percentile(&mut row.change, 0.9);
        let med = median(&mut row.change);
        println!(
            "| {} | {} | {:.2} | {:.1} | {:.1} / {:.1} / {:.1} / {:.1} ({n}) | {:.1} ({} of {}) | {:.1} | {:.1} | {:.1} ({}) | {:.1} ({}) | {:.0} |",
            row.name,
            row.lines,
            row.bytes as f64 / 1e6,
            row.open_ms,
            min,
            med,
            p90,
            max,
            row.burst_ms,
            row.burst_published,
            row.burst_sent,
            row.definition_ms,
            row.hover_ms,
            row.completion_ms,
            row.completions,
            row.rename_ms,
            row.renamed,
            row.peak_mb,
        );
    }
}
