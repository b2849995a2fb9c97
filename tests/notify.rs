//! Templates the business sends first: only to opted-in contacts who have not opted out, with
//! the right parameters; a tap on a template button leads to its target.

#[allow(dead_code)]
mod support;

use charla::runtime::answers::Date;
use charla::runtime::engine::Engine;
use charla::runtime::notify::{notify, Refusal};
use charla::runtime::state::Contact;
use charla::runtime::turn::{Clock, Event, Inbound, Message, Output};

fn totalpass() -> charla::model::Model {
    let (sources, _) = support::read_bot(&support::crate_root().join("examples/totalpass"));
    charla::compile(&sources, &charla::Options::default())
        .model
        .expect("totalpass compiles")
}

fn clock() -> Clock {
    let today = Date::new(2026, 11, 25).unwrap();
    Clock {
        now: today.to_unix_days() * 86_400,
        today,
    }
}

#[test]
fn a_template_goes_only_to_contacts_who_opted_in_with_the_right_parameters() {
    let model = totalpass();
    let engine = Engine::new(&model);
    let mut state = engine.new_state(Contact {
        id: "+55".into(),
        name: "Ana".into(),
        phone: "+55".into(),
        language: String::new(),
    });
    state.audience = Some("member".into());
    let params = ["Yoga".to_string(), "7h".to_string()];
    assert_eq!(
        notify(&engine, &state, "class_reminder", &params),
        Err(Refusal::NotOptedIn)
    );
    assert!(matches!(
        notify(&engine, &state, "nope", &params),
        Err(Refusal::UnknownTemplate { .. })
    ));

    state.opted_in = true;
    assert_eq!(
        notify(&engine, &state, "class_reminder", &params[..1]),
        Err(Refusal::ParameterCount {
            expected: 2,
            given: 1
        })
    );
    // Parameters WhatsApp refuses (132018), and a body filled past its 1,024 characters.
    for (bad, number, why) in [
        (["Yoga", " "], 2, "is empty"),
        (["Yoga\nPilates", "7h"], 1, "has a line break"),
        (["Yoga\tPilates", "7h"], 1, "has a tab"),
        (["Yoga", "7h     da manhã"], 2, "more than four spaces"),
    ] {
        let bad: Vec<String> = bad.iter().map(|p| p.to_string()).collect();
        let refusal = notify(&engine, &state, "class_reminder", &bad).unwrap_err();
        assert!(
            matches!(refusal, Refusal::BadParameter { number: n, why: w } if n == number && w.contains(why)),
            "{bad:?}: {refusal:?}"
        );
        assert!(
            refusal.to_string().contains("WhatsApp refuses"),
            "{refusal}"
        );
    }
    let long = ["Yoga ".repeat(250), "7h".to_string()];
    assert!(matches!(
        notify(&engine, &state, "class_reminder", &long),
        Err(Refusal::TooLong { limit: 1024, length }) if length > 1024
    ));
    let message = notify(&engine, &state, "class_reminder", &params).unwrap();
    assert_eq!(
        message.text(),
        "Olá! Sua aula de Yoga começa às 7h. Até já!"
    );
    let Message::Template {
        language, buttons, ..
    } = &message
    else {
        panic!("{message:?}")
    };
    assert_eq!(language, "pt-BR");

    // Tapping the button goes to its target, `cancel_class`.
    let tap = Inbound::TemplateButton {
        payload: buttons[0].id.clone(),
        text: buttons[0].label.clone(),
    };
    let (_, outputs) = engine.turn(&state, tap, &clock());
    assert!(
        outputs.contains(&Output::Event(Event::Intent {
            name: "cancel_class".into()
        })),
        "{outputs:?}"
    );

    // An opt-out word, and nothing more can be sent.
    let (state, _) = engine.turn(&state, Inbound::Text("SAIR".into()), &clock());
    assert_eq!(
        notify(&engine, &state, "class_reminder", &params),
        Err(Refusal::OptedOut)
    );
}
