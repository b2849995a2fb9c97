//! How well free text reaches intents in the example bots: every line of
//! `tests/phrasings/<bot>.tsv` (`audience<TAB>phrase<TAB>expected intent or none`, audience `-`
//! for none) goes through `Matcher::best`. The phrasings were written as people type on
//! WhatsApp, before the matcher was tuned, and are not edited to fit it.
//!
//! Prints a table per bot and the failures; asserts at least 90% correct and at most 5% sent
//! to a wrong intent. `cargo test --test matcher -- --nocapture` to see it; with
//! `MATCHER_VERBOSE=1` every line is listed with its two best scores.

use std::fs;
use std::path::Path;
use std::time::Instant;

use charla::model::Model;
use charla::runtime::matcher::{Matcher, THRESHOLD};
use charla::source::SourceFile;

const BOTS: &[&str] = &["totalpass", "clinica", "bank", "store"];

fn compile(bot: &str) -> Model {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(bot);
    let mut names: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".charla"))
        .collect();
    names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    let sources: Vec<SourceFile> = names
        .iter()
        .map(|n| SourceFile::from_bytes(n.clone(), fs::read(dir.join(n)).unwrap()))
        .collect();
    let compiled = charla::compile(&sources, &charla::Options::default());
    compiled
        .model
        .unwrap_or_else(|| panic!("{bot} does not compile: {:?}", compiled.diagnostics))
}

struct Phrasing {
    line: usize,
    audience: Option<String>,
    text: String,
    expected: Option<String>,
}

fn phrasings(bot: &str) -> Vec<Phrasing> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/phrasings")
        .join(format!("{bot}.tsv"));
    let text = fs::read_to_string(&path).unwrap();
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(
                cols.len(),
                3,
                "{}:{}: three tab-separated columns",
                path.display(),
                i + 1
            );
            let opt = |s: &str, none: &str| (s != none).then(|| s.to_string());
            Phrasing {
                line: i + 1,
                audience: opt(cols[0], "-"),
                text: cols[1].to_string(),
                expected: opt(cols[2], "none"),
            }
        })
        .collect()
}

#[derive(Default, Clone, Copy)]
struct Tally {
    total: usize,
    correct: usize,
    wrong_intent: usize,
    missed: usize,
    false_positive: usize,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.total += other.total;
        self.correct += other.correct;
        self.wrong_intent += other.wrong_intent;
        self.missed += other.missed;
        self.false_positive += other.false_positive;
    }
    fn pct(&self, n: usize) -> f64 {
        100.0 * n as f64 / self.total.max(1) as f64
    }
    fn row(&self, name: &str) -> String {
        format!(
            "{name:<10} {:>5} {:>8} {:>7.1}% {:>12} {:>7} {:>15}",
            self.total,
            self.correct,
            self.pct(self.correct),
            self.wrong_intent,
            self.missed,
            self.false_positive
        )
    }
}

#[test]
fn phrasings_reach_the_right_intent() {
    let mut total = Tally::default();
    let mut rows = Vec::new();
    let mut failures = Vec::new();
    for bot in BOTS {
        let model = compile(bot);
        let matcher = Matcher::new(&model);
        let mut tally = Tally::default();
        for p in phrasings(bot) {
            if let Some(expected) = &p.expected {
                let intent = model.intents.get(expected);
                assert!(
                    intent.is_some_and(|i| !i.examples.is_empty()),
                    "{bot}.tsv:{}: `{expected}` is not an intent with examples",
                    p.line
                );
            }
            let found = matcher.best(&p.text, p.audience.as_deref());
            let got = found.as_ref().map(|m| m.intent.clone());
            tally.total += 1;
            if std::env::var_os("MATCHER_VERBOSE").is_some() {
                let mut top = matcher.scores(&p.text, p.audience.as_deref());
                top.sort_by(|a, b| b.1.total_cmp(&a.1));
                let top: Vec<String> = top
                    .iter()
                    .take(2)
                    .map(|(n, s)| format!("{n} {s:.2}"))
                    .collect();
                let mark = if p.expected == got { " " } else { "X" };
                println!(
                    "{mark} {bot}:{} {:?} -> {} [{}]",
                    p.line,
                    p.text,
                    p.expected.as_deref().unwrap_or("none"),
                    top.join(", ")
                );
            }
            let kind = match (&p.expected, &got) {
                (e, g) if e == g => {
                    tally.correct += 1;
                    continue;
                }
                (Some(_), Some(_)) => {
                    tally.wrong_intent += 1;
                    "wrong intent"
                }
                (Some(_), None) => {
                    tally.missed += 1;
                    "missed"
                }
                (None, _) => {
                    tally.false_positive += 1;
                    "false positive"
                }
            };
            let scores = matcher.scores(&p.text, p.audience.as_deref());
            let mut top: Vec<_> = scores.into_iter().filter(|(_, s)| *s > 0.0).collect();
            top.sort_by(|a, b| b.1.total_cmp(&a.1));
            let top: Vec<String> = top
                .iter()
                .take(2)
                .map(|(n, s)| format!("{n} {s:.2}"))
                .collect();
            failures.push(format!(
                "{bot}.tsv:{:<3} {kind:<14} [{}] {:?}: expected {}, got {} (top: {})",
                p.line,
                p.audience.as_deref().unwrap_or("-"),
                p.text,
                p.expected.as_deref().unwrap_or("none"),
                got.as_deref().unwrap_or("none"),
                top.join(", ")
            ));
        }
        rows.push(tally.row(bot));
        total.add(tally);
    }
    println!("\nintent matching on held-out phrasings (threshold {THRESHOLD})");
    println!(
        "{:<10} {:>5} {:>8} {:>8} {:>12} {:>7} {:>15}",
        "bot", "lines", "correct", "", "wrong intent", "missed", "false positive"
    );
    for row in &rows {
        println!("{row}");
    }
    println!("{}", total.row("total"));
    println!("\nfailures ({}):", failures.len());
    for f in &failures {
        println!("  {f}");
    }
    assert!(total.total >= 150, "only {} phrasings", total.total);
    let accuracy = total.pct(total.correct);
    let wrong = total.pct(total.wrong_intent);
    assert!(accuracy >= 90.0, "accuracy {accuracy:.1}% < 90%");
    assert!(wrong <= 5.0, "wrong intent {wrong:.1}% > 5%");
}

/// Not an assertion: how long one `best` takes on the largest example bot.
#[test]
fn time_per_call() {
    let model = compile("totalpass");
    let matcher = Matcher::new(&model);
    let lines = phrasings("totalpass");
    let rounds = if cfg!(debug_assertions) { 50 } else { 500 };
    let start = Instant::now();
    let mut found = 0usize;
    for _ in 0..rounds {
        for p in &lines {
            found += usize::from(matcher.best(&p.text, p.audience.as_deref()).is_some());
        }
    }
    let calls = rounds * lines.len();
    let micros = start.elapsed().as_secs_f64() * 1e6 / calls as f64;
    println!(
        "\nMatcher::best on totalpass: {micros:.2} µs per call ({calls} calls, {} build, {found} matches)",
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
}
