//! The example bots' own `test` blocks, run on the engine, and random conversations that must
//! never break it.

use charla::model::Model;
use charla::runtime::answers::Date;
use charla::runtime::engine::Engine;
use charla::runtime::state::{Contact, State, Waiting};
use charla::runtime::testing;
use charla::runtime::turn::{Clock, Inbound};
use proptest::prelude::*;
use std::path::{Path, PathBuf};

fn example_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn model_of(dir: &Path) -> Model {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "charla"))
        .collect();
    files.sort();
    let sources: Vec<_> = files
        .iter()
        .map(|f| {
            charla::source::SourceFile::from_bytes(
                f.display().to_string(),
                std::fs::read(f).unwrap(),
            )
        })
        .collect();
    let compiled = charla::compile(&sources, &charla::Options::default());
    compiled
        .model
        .unwrap_or_else(|| panic!("{} does not compile", dir.display()))
}

fn clock() -> Clock {
    // A fixed day, so date answers are the same on every run.
    let today = Date::new(2026, 11, 25).unwrap();
    Clock {
        now: today.to_unix_days() * 86_400 + 12 * 3600,
        today,
    }
}

#[test]
fn every_example_test_passes() {
    let mut failures = Vec::new();
    let mut count = 0;
    for dir in example_dirs() {
        let model = model_of(&dir);
        assert!(!model.tests.is_empty(), "{} has no tests", dir.display());
        let engine = Engine::new(&model);
        for test in &model.tests {
            count += 1;
            let outcome = testing::run(&engine, test, &clock());
            if let Some(f) = outcome.failure {
                failures.push(format!(
                    "{}: {} (line {}): expected {}; {}",
                    dir.display(),
                    outcome.name,
                    f.line,
                    f.expected,
                    f.actual
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} tests failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_example_menu_and_intent_is_walked_by_a_test() {
    for dir in example_dirs() {
        let model = model_of(&dir);
        let engine = Engine::new(&model);
        let mut visited = std::collections::BTreeSet::new();
        let mut audiences = std::collections::BTreeSet::new();
        for test in &model.tests {
            visited.extend(testing::run(&engine, test, &clock()).visited);
            audiences.extend(test.contact.audience.clone());
        }
        let missing: Vec<&String> = model
            .menus
            .keys()
            .chain(model.intents.keys())
            .filter(|n| !visited.contains(*n))
            .collect();
        assert!(
            missing.is_empty(),
            "{}: no test goes through {missing:?}",
            dir.display()
        );
        if dir.ends_with("totalpass") {
            // Each of the five audiences is some test's contact, or is chosen in a test.
            for audience in model.audiences.keys() {
                let chosen = model.tests.iter().any(|t| {
                    t.steps.iter().any(|s| matches!(s, charla::model::TestStep::ExpectAudience { name: Some(a), .. } if a == audience))
                });
                assert!(
                    audiences.contains(audience) || chosen,
                    "totalpass: no test covers audience `{audience}`"
                );
            }
        }
    }
}

/// One random event, drawn from the bot's own words and ids, numbers and arbitrary text.
fn inbound(
    kind: u8,
    pick: &prop::sample::Index,
    text: &str,
    number: u16,
    words: &[String],
    ids: &[String],
) -> Inbound {
    match kind % 12 {
        0..=4 => Inbound::Text(pick.get(words).clone()),
        5 => Inbound::Text(text.to_string()),
        6 => Inbound::Text((number % 12).to_string()),
        7 if !ids.is_empty() => {
            let id = pick.get(ids).clone();
            Inbound::Reply {
                title: id.clone(),
                id,
            }
        }
        7 => Inbound::Reply {
            id: text.to_string(),
            title: text.to_string(),
        },
        8 => Inbound::CallAnswered {
            status: 100 + number % 500,
            body: format!("{{\"count\": {number}, \"status\": \"{text}\"}}"),
        },
        9 => Inbound::CallFailed {
            reason: "down".into(),
        },
        10 => Inbound::Released,
        _ => Inbound::TemplateButton {
            payload: text.to_string(),
            text: text.to_string(),
        },
    }
}

fn vocabulary(model: &Model) -> (Vec<String>, Vec<String>) {
    let mut words = vec![
        "menu".to_string(),
        "oi".to_string(),
        "sim".to_string(),
        "no".to_string(),
        "25/12".to_string(),
        "amanhã".to_string(),
        "STOP".to_string(),
        String::new(),
        "😀😀".to_string(),
        "12345678".to_string(),
    ];
    let mut ids = Vec::new();
    for menu in model.menus.values() {
        for option in &menu.options {
            words.push(option.label.clone());
            ids.push(option.id.clone());
        }
    }
    for intent in model.intents.values() {
        words.extend(intent.examples.iter().map(|e| e.text.clone()));
    }
    (words, ids)
}

/// The state is well formed: its menu and frame exist, a wait has a frame, it round-trips.
fn assert_valid(model: &Model, state: &State) {
    if let Some(menu) = &state.menu {
        assert!(
            model.menus.contains_key(menu),
            "waits at unknown menu {menu}"
        );
    }
    if state.waiting != Waiting::Nothing {
        assert!(
            state.frame.is_some(),
            "waits for {:?} with no frame",
            state.waiting
        );
    }
    assert_eq!(State::from_json(&state.to_json()).as_ref(), Ok(state));
}

fn models() -> &'static Vec<Model> {
    static MODELS: std::sync::OnceLock<Vec<Model>> = std::sync::OnceLock::new();
    MODELS.get_or_init(|| example_dirs().iter().map(|d| model_of(d)).collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn random_conversations_never_break_the_engine(
        bot in 0usize..16,
        events in proptest::collection::vec((any::<u8>(), any::<prop::sample::Index>(), any::<String>(), any::<u16>()), 1..40),
    ) {
        let model = &models()[bot % models().len()];
        let engine = Engine::new(model);
        let (words, ids) = vocabulary(model);
        let mut state = engine.new_state(Contact { id: "+1".into(), name: "Ana".into(), phone: "+1".into(), language: String::new() });
        for (kind, pick, text, number) in &events {
            let (next, _outputs) = engine.turn(&state, inbound(*kind, pick, text, *number, &words, &ids), &clock());
            assert_valid(model, &next);
            state = next;
        }
    }
}
