//! The engine's exact meaning (LANGUAGE.md sections 4 and 5, DESIGN.md's event order), one
//! test per situation, each on a small bot written here. A turn's outputs are rendered as
//! compact lines (`menu home`, `say "..."`, `buttons "body" [A, B]`, `event fallback`) so that
//! the assertions read like a transcript.

use charla::model::Model;
use charla::runtime::answers::Date;
use charla::runtime::engine::{Engine, MAX_STEPS};
use charla::runtime::state::{Contact, State, Waiting, STATE_VERSION};
use charla::runtime::turn::{Choice, Clock, Event, Inbound, Message, Output};
use charla::source::SourceFile;

// --- helpers ------------------------------------------------------------------------------------

/// A fixed day (2026-11-25) at noon UTC.
fn clock() -> Clock {
    let today = Date::new(2026, 11, 25).unwrap();
    Clock {
        now: today.to_unix_days() * 86_400 + 12 * 3600,
        today,
    }
}

/// Compiles one file; the bot must have no errors (warnings are fine).
#[track_caller]
fn compile(text: &str) -> Model {
    let compiled = charla::compile(
        &[SourceFile::new("bot.charla", text)],
        &charla::Options::default(),
    );
    let errors: Vec<String> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(errors.is_empty(), "the bot has errors: {errors:#?}\n{text}");
    compiled.model.expect("a bot without errors has a model")
}

/// The codes of the errors a bot gets.
fn error_codes(text: &str) -> Vec<&'static str> {
    charla::compile(
        &[SourceFile::new("bot.charla", text)],
        &charla::Options::default(),
    )
    .diagnostics
    .iter()
    .filter(|d| d.is_error())
    .map(|d| d.code)
    .collect()
}

/// The 1-based line of the first line of `text` that contains `needle`.
#[track_caller]
fn line_of(text: &str, needle: &str) -> u32 {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line contains {needle:?}")) as u32
        + 1
}

fn contact() -> Contact {
    Contact {
        id: "+15550001111".to_string(),
        name: "Ana".to_string(),
        phone: "+15550001111".to_string(),
        language: String::new(),
    }
}

/// Sends one text: the new state and what the bot did.
fn send(engine: &Engine, state: &State, text: &str, clock: &Clock) -> (State, Vec<Output>) {
    engine.turn(state, Inbound::Text(text.to_string()), clock)
}

fn labels(options: &[Choice]) -> String {
    options
        .iter()
        .map(|c| match &c.description {
            Some(d) => format!("{} ({d})", c.label),
            None => c.label.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One output as a transcript line.
fn line(output: &Output) -> String {
    match output {
        Output::Message(Message::Text { text }) => format!("say {text:?}"),
        Output::Message(Message::Buttons { body, options }) => {
            format!("buttons {body:?} [{}]", labels(options))
        }
        Output::Message(Message::List {
            body,
            button,
            options,
        }) => format!("list {body:?} {button:?} [{}]", labels(options)),
        Output::Message(Message::Template { name, body, .. }) => {
            format!("template {name} {body:?}")
        }
        Output::Event(event) => match event {
            Event::Menu { name } => format!("menu {name}"),
            Event::Intent { name } => format!("intent {name}"),
            Event::Audience { name } => {
                format!("audience {}", name.as_deref().unwrap_or("none"))
            }
            Event::Handoff { team: None } => "event handoff".to_string(),
            Event::Handoff { team: Some(team) } => format!("event handoff {team}"),
            Event::End => "event end".to_string(),
            Event::OptIn => "event opt_in".to_string(),
            Event::OptOut => "event opt_out".to_string(),
            Event::Fallback => "event fallback".to_string(),
            Event::Call {
                method,
                url,
                body: None,
            } => format!("call {method} {url}"),
            Event::Call {
                method,
                url,
                body: Some(body),
            } => format!("call {method} {url} {body}"),
            Event::Error { line, message } => format!("error line {line}: {message}"),
        },
    }
}

fn lines(outputs: &[Output]) -> Vec<String> {
    outputs.iter().map(line).collect()
}

/// A conversation with one contact.
struct Chat<'m> {
    engine: Engine<'m>,
    state: State,
    clock: Clock,
}

impl<'m> Chat<'m> {
    fn new(model: &'m Model) -> Chat<'m> {
        let engine = Engine::new(model);
        let state = engine.new_state(contact());
        Chat {
            engine,
            state,
            clock: clock(),
        }
    }

    fn in_audience(model: &'m Model, audience: &str) -> Chat<'m> {
        let mut chat = Chat::new(model);
        chat.state.audience = Some(audience.to_string());
        chat
    }

    /// Any inbound event: what the bot did, as outputs.
    fn outputs(&mut self, inbound: Inbound) -> Vec<Output> {
        let (state, outputs) = self.engine.turn(&self.state, inbound, &self.clock);
        self.state = state;
        outputs
    }

    fn inbound(&mut self, inbound: Inbound) -> Vec<String> {
        lines(&self.outputs(inbound))
    }

    /// The contact types `text`.
    fn user(&mut self, text: &str) -> Vec<String> {
        let (state, outputs) = send(&self.engine, &self.state, text, &self.clock);
        self.state = state;
        lines(&outputs)
    }

    /// The contact taps a reply button or list row.
    fn tap(&mut self, id: &str, title: &str) -> Vec<String> {
        self.inbound(Inbound::Reply {
            id: id.to_string(),
            title: title.to_string(),
        })
    }

    /// The pending call answers.
    fn answer(&mut self, status: u16, body: &str) -> Vec<String> {
        self.inbound(Inbound::CallAnswered {
            status,
            body: body.to_string(),
        })
    }

    fn call_fails(&mut self) -> Vec<String> {
        self.inbound(Inbound::CallFailed {
            reason: "timed out".to_string(),
        })
    }

    fn release(&mut self) -> Vec<String> {
        self.inbound(Inbound::Released)
    }

    fn wait(&mut self, seconds: i64) {
        self.clock.now += seconds;
    }

    /// The menu the conversation waits at, when nothing runs.
    fn waits_at(&self) -> Option<&str> {
        assert!(
            self.state.frame.is_none(),
            "still running {:?}",
            self.state.frame
        );
        assert_eq!(self.state.waiting, Waiting::Nothing);
        self.state.menu.as_deref()
    }
}

/// Transcript lines written as `&str`s.
fn t(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|s| s.to_string()).collect()
}

const HOURS: i64 = 3600;

// --- bots ---------------------------------------------------------------------------------------

const SHOP: &str = r#"bot "Shop" {
  business retail
  language en
  start home
  fallback "Sorry, type menu."
  handoff_message "Passing you to a person."
  support "https://shop.example/help"
  opt_out "CHAU"
}

menu home {
  say "Hi {{ contact.name }}! How can we help?"
  option "Track my order" -> track
  option "Cancelación rápida!" -> cancel
  option "Talk to a person" -> handoff
}

menu more {
  say "More things."
  option "Opening hours" -> hours
  option "Goodbye" -> goodbye
}

intent track {
  examples "where is my order", "track my order", "has my package shipped"
  ask note "Tell us anything about the order."
  say "Noted: {{ note }}"
}

intent cancel {
  examples "cancel my order", "i want to cancel"
  say "Cancelled."
}

intent hours {
  examples "opening hours", "when are you open"
  say "9 to 5."
  goto more
}

intent goodbye {
  examples "bye", "thanks goodbye"
  say "Bye!"
  end
}
"#;

const HOME: &str =
    r#"buttons "Hi Ana! How can we help?" [Track my order, Cancelación rápida!, Talk to a person]"#;

/// A new chat with SHOP that waits at `home`.
fn at_home(model: &Model) -> Chat<'_> {
    let mut chat = Chat::new(model);
    assert_eq!(chat.user("hello"), t(&["menu home", HOME]));
    chat
}

// --- reading a message: opt-out, handoff ------------------------------------------------------

const OPTED_OUT: &str =
    "say \"Done: you won't get our messages anymore. Write to us if you change your mind.\"";

#[test]
fn opt_out_word_during_a_pending_ask_opts_out_and_the_ask_keeps_waiting() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    chat.user("1");
    assert_eq!(chat.state.waiting, Waiting::Answer { misses: 0 });
    assert_eq!(chat.user("  Stop! "), t(&["event opt_out", OPTED_OUT]));
    assert!(chat.state.opted_out);
    // Nothing else happened: the ask still waits for its answer.
    assert_eq!(chat.state.waiting, Waiting::Answer { misses: 0 });
    assert_eq!(chat.user("late"), t(&["say \"Noted: late\""]));
}

#[test]
fn opt_out_word_during_handoff_opts_out() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    chat.user("3");
    assert!(chat.state.handoff);
    assert_eq!(chat.user("UNSUBSCRIBE"), t(&["event opt_out", OPTED_OUT]));
    assert!(chat.state.opted_out);
    assert!(chat.state.handoff, "the human keeps the conversation");
}

#[test]
fn opt_out_words_are_the_defaults_of_the_language_plus_the_bots_own() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    assert_eq!(chat.user("chau"), t(&["event opt_out", OPTED_OUT]));
    // `sair` is an opt-out word in pt only; this bot is in English.
    assert_eq!(
        chat.user("sair"),
        t(&["event fallback", "say \"Sorry, type menu.\""])
    );

    let pt = compile(&SHOP.replace("language en", "language pt-BR"));
    let mut chat = Chat::new(&pt);
    let out = chat.user("Sair");
    assert_eq!(out[0], "event opt_out");
    assert_eq!(
        out[1],
        "say \"Pronto, você não vai mais receber nossas mensagens. Se mudar de ideia, é só escrever.\""
    );
    assert_eq!(chat.user("PARAR")[0], "event opt_out");
    assert_eq!(chat.user("baja")[0], "menu home", "`baja` is Spanish");
}

#[test]
fn handoff_silences_the_bot_until_released_then_the_next_message_runs_start() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    assert_eq!(
        chat.user("Talk to a person"),
        t(&["say \"Passing you to a person.\"", "event handoff"])
    );
    assert!(chat.state.handoff);
    for text in ["hello?", "1", "track my order", "menu", "cancel my order"] {
        assert_eq!(chat.user(text), t(&[]), "{text:?} during handoff");
    }
    // A day later the human still has it: idle time does not end a handoff.
    chat.wait(48 * HOURS);
    assert_eq!(chat.user("anyone?"), t(&[]));
    assert_eq!(chat.release(), t(&[]));
    assert!(!chat.state.handoff);
    assert_eq!(chat.waits_at(), None);
    assert_eq!(chat.user("purple"), t(&["menu home", HOME]));
}

#[test]
fn release_when_not_in_handoff_changes_nothing() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    let before = chat.state.clone();
    assert_eq!(chat.release(), t(&[]));
    assert_eq!(chat.state, before);
}

// --- reading a message: a pending ask ---------------------------------------------------------

#[test]
fn a_pending_ask_takes_a_message_that_matches_an_option_or_an_intent() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    assert_eq!(
        chat.user("Track my order"),
        t(&["intent track", "say \"Tell us anything about the order.\""])
    );
    // An option of the waiting menu, by number: the answer.
    assert_eq!(chat.user("2"), t(&["say \"Noted: 2\""]));
    chat.user("track my order");
    // An option's label and an intent's example: the answer too.
    assert_eq!(
        chat.user("cancel my order"),
        t(&["say \"Noted: cancel my order\""])
    );
    chat.user("1");
    assert_eq!(
        chat.user("Talk to a person"),
        t(&["say \"Noted: Talk to a person\""])
    );
    assert!(!chat.state.handoff);
    // A tap on a button of the waiting menu is read as its title.
    chat.user("1");
    assert_eq!(
        chat.tap("home/cancelacion rapida", "Cancelación rápida!"),
        t(&["say \"Noted: Cancelación rápida!\""])
    );
}

#[test]
fn menu_word_escapes_a_pending_ask_back_to_start() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    chat.user("1");
    assert_eq!(chat.user("menu"), t(&["menu home", HOME]));
    assert_eq!(chat.waits_at(), Some("home"));
    chat.user("1");
    assert_eq!(chat.user("  Menú!! "), t(&["menu home", HOME]));
    chat.user("1");
    assert_eq!(chat.user("MENU"), t(&["menu home", HOME]));
    // Only the word itself: a sentence with it is an answer.
    chat.user("1");
    assert_eq!(chat.user("menu please"), t(&["say \"Noted: menu please\""]));
}

// --- reading a message: options, `menu`, intents, fallback ------------------------------------

#[test]
fn option_by_number() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    assert_eq!(chat.user("2"), t(&["intent cancel", "say \"Cancelled.\""]));
    assert_eq!(
        chat.waits_at(),
        Some("home"),
        "the intent ends at the last menu"
    );
    assert_eq!(
        chat.user(" 2. "),
        t(&["intent cancel", "say \"Cancelled.\""])
    );
    assert_eq!(
        chat.user("4"),
        t(&["event fallback", "say \"Sorry, type menu.\""]),
        "no fourth option"
    );
    assert_eq!(
        chat.user("0"),
        t(&["event fallback", "say \"Sorry, type menu.\""])
    );
}

#[test]
fn option_by_folded_label() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    for text in [
        "Cancelación rápida!",
        "cancelacion rapida",
        "  CANCELACIÓN   RÁPIDA ",
        "¡cancelación, rápida!",
    ] {
        assert_eq!(
            chat.user(text),
            t(&["intent cancel", "say \"Cancelled.\""]),
            "{text:?}"
        );
    }
}

#[test]
fn option_by_interactive_reply_id() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    // The id is `<menu>/<folded label>`; the title does not matter when the id is the menu's.
    assert_eq!(
        chat.tap("home/cancelacion rapida", "whatever"),
        t(&["intent cancel", "say \"Cancelled.\""])
    );
    let ids: Vec<&str> = model.menus["home"]
        .options
        .iter()
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "home/track my order",
            "home/cancelacion rapida",
            "home/talk to a person"
        ]
    );
}

#[test]
fn interactive_reply_not_of_the_waiting_menu_is_read_as_its_title() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    // A button of `more` tapped while the conversation waits at `home`.
    assert_eq!(
        chat.tap("more/goodbye", "Track my order"),
        t(&["intent track", "say \"Tell us anything about the order.\""])
    );
    chat.user("menu");
    assert_eq!(
        chat.tap("more/opening hours", "menu"),
        t(&["menu home", HOME])
    );
    assert_eq!(
        chat.tap("more/opening hours", "Opening hours"),
        t(&[
            "intent hours",
            "say \"9 to 5.\"",
            "menu more",
            "buttons \"More things.\" [Opening hours, Goodbye]"
        ]),
        "the title reaches the intent by its examples"
    );
    assert_eq!(
        chat.tap("home/nothing", "zzz qqq"),
        t(&["event fallback", "say \"Sorry, type menu.\""])
    );
}

#[test]
fn menu_word_at_a_menu_goes_back_to_start() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    chat.user("opening hours");
    assert_eq!(chat.waits_at(), Some("more"));
    assert_eq!(chat.user("Menu"), t(&["menu home", HOME]));
    assert_eq!(chat.waits_at(), Some("home"));
    assert_eq!(chat.user("menú"), t(&["menu home", HOME]));
}

#[test]
fn free_text_reaches_an_intent_by_its_examples() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    assert_eq!(
        chat.user("Where is my order?"),
        t(&["intent track", "say \"Tell us anything about the order.\""])
    );
    chat.user("ok");
    assert_eq!(
        chat.user("I want to cancel"),
        t(&["intent cancel", "say \"Cancelled.\""])
    );
    // From a new conversation too (an intent's examples work from anywhere).
    let mut fresh = Chat::new(&model);
    assert_eq!(
        fresh.user("when are you open"),
        t(&[
            "intent hours",
            "say \"9 to 5.\"",
            "menu more",
            "buttons \"More things.\" [Opening hours, Goodbye]"
        ])
    );
}

#[test]
fn fallback_when_nothing_fits_and_the_conversation_keeps_waiting() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    assert_eq!(
        chat.user("purple elephants"),
        t(&["event fallback", "say \"Sorry, type menu.\""])
    );
    assert_eq!(chat.waits_at(), Some("home"));
    assert_eq!(chat.user("2"), t(&["intent cancel", "say \"Cancelled.\""]));
    // After an intent ended, the last menu's options still answer.
    assert_eq!(
        chat.user("purple"),
        t(&["event fallback", "say \"Sorry, type menu.\""])
    );
    assert_eq!(chat.user("2"), t(&["intent cancel", "say \"Cancelled.\""]));
}

#[test]
fn start_instead_of_fallback_for_a_new_contact() {
    let model = compile(SHOP);
    let mut chat = Chat::new(&model);
    assert_eq!(chat.user("purple elephants"), t(&["menu home", HOME]));
}

#[test]
fn start_instead_of_fallback_after_end() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    assert_eq!(
        chat.user("thanks goodbye"),
        t(&["intent goodbye", "say \"Bye!\"", "event end"])
    );
    assert_eq!(chat.waits_at(), None);
    // The old menu's options are gone with it.
    assert_eq!(chat.user("2"), t(&["menu home", HOME]));
}

#[test]
fn start_instead_of_fallback_after_a_released_handoff() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    chat.user("3");
    chat.release();
    assert_eq!(chat.user("purple"), t(&["menu home", HOME]));
}

#[test]
fn start_instead_of_fallback_after_the_session_idle_time() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    // Within the session (default 24h): the fallback, and the menu still answers.
    chat.wait(23 * HOURS);
    assert_eq!(
        chat.user("purple"),
        t(&["event fallback", "say \"Sorry, type menu.\""])
    );
    // The idle time counts from the last message.
    chat.wait(23 * HOURS);
    assert_eq!(chat.user("2"), t(&["intent cancel", "say \"Cancelled.\""]));
    chat.wait(25 * HOURS);
    assert_eq!(chat.user("2"), t(&["menu home", HOME]));
    // A pending ask is dropped too.
    chat.user("1");
    chat.wait(25 * HOURS);
    assert_eq!(chat.user("my answer"), t(&["menu home", HOME]));
}

#[test]
fn session_setting_sets_the_idle_time() {
    let model = compile(&SHOP.replace("  start home\n", "  start home\n  session 30m\n"));
    let mut chat = at_home(&model);
    chat.wait(29 * 60);
    assert_eq!(
        chat.user("purple"),
        t(&["event fallback", "say \"Sorry, type menu.\""])
    );
    chat.wait(31 * 60);
    assert_eq!(chat.user("purple"), t(&["menu home", HOME]));
}

// --- event order (DESIGN.md, `charla chat --json`) --------------------------------------------

const GYM: &str = r#"bot "Gym" {
  business fitness
  language en
  start member_home for member, dependent
  start gym_home for gym
  start welcome
  fallback "Sorry?"
  support "https://gym.example/help"
}

audience member "Members"
audience dependent "Dependents"
audience gym "Gyms"

menu welcome {
  say "Welcome!"
  option "I am a member" -> member_home sets audience member
  option "I run a gym" -> gym_intro sets audience gym
  option "Members area" -> member_home
}

menu member_home for member, dependent {
  say "Hello member."
  option "Billing" -> billing
  option "Perks" -> member_perks
  option "Leave" -> leave
}

menu gym_home for gym {
  say "Hello gym."
  option "Sign up" -> gym_intro
}

intent gym_intro for gym {
  examples "register my gym", "partner gym"
  say "Let's register your gym."
}

intent billing for member, dependent {
  examples "when am i charged", "my invoice"
  say "You pay on the 10th."
  if contact.audience == 'dependent' {
    goto member_perks
  }
  say "Anything else?"
}

intent member_perks for member {
  say "Perks for members."
}

intent leave for member, dependent {
  set audience none
  say "You left."
  goto welcome
}
"#;

#[test]
fn option_that_sets_an_audience_gives_the_audience_event_then_the_targets_then_its_messages() {
    let model = compile(GYM);
    let mut chat = Chat::new(&model);
    assert_eq!(
        chat.user("hi"),
        t(&[
            "menu welcome",
            "buttons \"Welcome!\" [I am a member, I run a gym, Members area]"
        ])
    );
    assert_eq!(
        chat.user("I am a member"),
        t(&[
            "audience member",
            "menu member_home",
            "buttons \"Hello member.\" [Billing, Perks, Leave]"
        ])
    );
    assert_eq!(chat.state.audience.as_deref(), Some("member"));
    let mut chat = Chat::new(&model);
    chat.user("hi");
    assert_eq!(
        chat.user("2"),
        t(&[
            "audience gym",
            "intent gym_intro",
            "say \"Let's register your gym.\""
        ])
    );
    assert_eq!(chat.waits_at(), Some("welcome"));
}

#[test]
fn menu_event_comes_before_the_menus_messages() {
    let model = compile(MENUS);
    let mut chat = Chat::new(&model);
    let out = chat.user("hi");
    assert_eq!(out[0], "menu home");
    assert!(out[1..].iter().all(|l| !l.starts_with("menu ")), "{out:?}");
}

#[test]
fn fallback_event_comes_before_the_fallback_text() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    assert_eq!(
        chat.user("zzz"),
        t(&["event fallback", "say \"Sorry, type menu.\""])
    );
}

#[test]
fn opt_out_event_comes_before_the_confirmation() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    assert_eq!(chat.user("STOP"), t(&["event opt_out", OPTED_OUT]));
}

#[test]
fn handoff_message_comes_before_the_handoff_event_and_nothing_after_it() {
    let model = compile(FLOW);
    let mut chat = Chat::new(&model);
    chat.user("hi");
    // `handoff "billing"` in an intent, with steps after it (a warning, never run).
    assert_eq!(
        chat.user("escalate"),
        t(&[
            "intent escalate",
            "say \"Let me get someone.\"",
            "say \"A person will answer you here.\"",
            "event handoff billing"
        ])
    );
    assert_eq!(chat.user("hello?"), t(&[]));
}

// --- menus --------------------------------------------------------------------------------------

const MENUS: &str = r#"bot "Menus" {
  business retail
  language en
  start home
  fallback "Sorry?"
  list_button "Browse"
  support "https://shop.example/help"
  api "https://api.shop.example"
}

menu home {
  say "Hello {{ contact.name }}."
  if contact.name == 'Ana' {
    say "Nice to see you again."
  }
  say "What do you need?"
  option "Catalog" "Everything we sell" -> catalog
  option "Status" -> status
}

menu catalog {
  say "Our catalog:"
  option "Shoes" "Running and trail" -> shoes
  option "Bags" -> bags
  option "Hats" "Sun and winter" -> hats
  option "Socks" -> socks
  option "Back" -> home
}

menu status {
  call GET "/status" as s
  say "Service is {{ s.state }}."
  option "Back" -> home
}

intent shoes {
  say "Shoes!"
}

intent bags {
  say "Bags!"
}

intent hats {
  say "Hats!"
}

intent socks {
  say "Socks!"
}
"#;

#[test]
fn menu_with_several_says_sends_all_but_the_last_as_texts_and_the_last_as_the_body() {
    let model = compile(MENUS);
    let mut chat = Chat::new(&model);
    assert_eq!(
        chat.user("hi"),
        t(&[
            "menu home",
            "say \"Hello Ana.\"",
            "say \"Nice to see you again.\"",
            "buttons \"What do you need?\" [Catalog, Status]"
        ])
    );
    // The steps run each time the menu is shown, with the contact of the time.
    let mut other = Chat::new(&model);
    other.state.contact.name = "Bo".to_string();
    assert_eq!(
        other.user("hi"),
        t(&[
            "menu home",
            "say \"Hello Bo.\"",
            "buttons \"What do you need?\" [Catalog, Status]"
        ])
    );
}

#[test]
fn menu_of_four_or_more_options_is_a_list_with_the_bots_list_button_and_descriptions() {
    let model = compile(MENUS);
    let mut chat = Chat::new(&model);
    chat.user("hi");
    assert_eq!(
        chat.user("catalog"),
        t(&[
            "menu catalog",
            "list \"Our catalog:\" \"Browse\" [Shoes (Running and trail), Bags, Hats (Sun and winter), Socks, Back]"
        ])
    );
    assert_eq!(
        chat.user("5"),
        t(&[
            "menu home",
            "say \"Hello Ana.\"",
            "say \"Nice to see you again.\"",
            "buttons \"What do you need?\" [Catalog, Status]"
        ])
    );
    chat.user("1");
    assert_eq!(
        chat.tap("catalog/socks", "Socks"),
        t(&["intent socks", "say \"Socks!\""])
    );
}

#[test]
fn descriptions_are_not_sent_on_buttons() {
    let model = compile(MENUS);
    let mut chat = Chat::new(&model);
    let out = chat.outputs(Inbound::Text("hi".to_string()));
    let Some(Output::Message(Message::Buttons { options, .. })) = out.last() else {
        panic!("{out:?}")
    };
    assert_eq!(options[0].label, "Catalog");
    assert_eq!(options[0].description, None);
    assert_eq!(
        model.menus["home"].options[0].description.as_deref(),
        Some("Everything we sell")
    );
}

#[test]
fn list_button_defaults_to_the_bots_language() {
    let model = compile(&MENUS.replace("  list_button \"Browse\"\n", ""));
    let mut chat = Chat::new(&model);
    chat.user("hi");
    let out = chat.outputs(Inbound::Text("catalog".to_string()));
    let Some(Output::Message(Message::List { button, .. })) = out.last() else {
        panic!("{out:?}")
    };
    assert_eq!(button, "See options");
}

#[test]
fn menu_call_suspends_and_the_menu_is_shown_after_the_call_result() {
    let model = compile(MENUS);
    let mut chat = Chat::new(&model);
    chat.user("hi");
    assert_eq!(
        chat.user("status"),
        t(&["menu status", "call GET https://api.shop.example/status"])
    );
    assert_eq!(chat.state.waiting, Waiting::Call);
    assert_eq!(
        chat.answer(200, r#"{"state": "up"}"#),
        t(&["buttons \"Service is up.\" [Back]"])
    );
    assert_eq!(chat.waits_at(), Some("status"));
    assert_eq!(
        chat.user("back"),
        t(&[
            "menu home",
            "say \"Hello Ana.\"",
            "say \"Nice to see you again.\"",
            "buttons \"What do you need?\" [Catalog, Status]"
        ])
    );
}

#[test]
fn menu_call_failing_without_else_says_the_fallback_and_the_conversation_stays_at_its_menu() {
    let model = compile(MENUS);
    let mut chat = Chat::new(&model);
    chat.user("hi");
    chat.user("status");
    assert_eq!(
        chat.answer(503, ""),
        t(&["event fallback", "say \"Sorry?\""])
    );
    assert_eq!(chat.waits_at(), Some("home"));
    assert_eq!(chat.user("1")[0], "menu catalog");
}

// --- audiences ----------------------------------------------------------------------------------

#[test]
fn start_for_an_audience_begins_at_its_own_target() {
    let model = compile(GYM);
    let mut member = Chat::in_audience(&model, "member");
    assert_eq!(
        member.user("hi"),
        t(&[
            "menu member_home",
            "buttons \"Hello member.\" [Billing, Perks, Leave]"
        ])
    );
    let mut dependent = Chat::in_audience(&model, "dependent");
    assert_eq!(dependent.user("hi")[0], "menu member_home");
    let mut gym = Chat::in_audience(&model, "gym");
    assert_eq!(gym.user("hi")[0], "menu gym_home");
    let mut nobody = Chat::new(&model);
    assert_eq!(nobody.user("hi")[0], "menu welcome");
    // The word `menu` goes to the audience's own start too.
    assert_eq!(member.user("menu")[0], "menu member_home");
    // The audience is remembered across conversations.
    member.wait(25 * HOURS);
    assert_eq!(member.user("purple")[0], "menu member_home");
}

#[test]
fn option_to_a_target_the_audience_may_not_reach_says_the_fallback_and_stays() {
    let model = compile(GYM);
    let mut chat = Chat::new(&model);
    chat.user("hi");
    assert_eq!(
        chat.user("Members area"),
        t(&["event fallback", "say \"Sorry?\""])
    );
    assert_eq!(chat.waits_at(), Some("welcome"));
    assert_eq!(chat.state.audience, None);
    // A dependent at member_home cannot reach the members' perks.
    let mut dependent = Chat::in_audience(&model, "dependent");
    dependent.user("hi");
    assert_eq!(
        dependent.user("perks"),
        t(&["event fallback", "say \"Sorry?\""])
    );
    assert_eq!(dependent.waits_at(), Some("member_home"));
    let mut member = Chat::in_audience(&model, "member");
    member.user("hi");
    assert_eq!(
        member.user("perks"),
        t(&["intent member_perks", "say \"Perks for members.\""])
    );
}

#[test]
fn goto_to_a_target_the_audience_may_not_reach_says_the_fallback_and_stops_the_intent() {
    let model = compile(GYM);
    let mut chat = Chat::in_audience(&model, "dependent");
    chat.user("hi");
    assert_eq!(
        chat.user("billing"),
        t(&[
            "intent billing",
            "say \"You pay on the 10th.\"",
            "event fallback",
            "say \"Sorry?\""
        ])
    );
    assert_eq!(chat.waits_at(), Some("member_home"));
    let mut member = Chat::in_audience(&model, "member");
    member.user("hi");
    assert_eq!(
        member.user("billing"),
        t(&[
            "intent billing",
            "say \"You pay on the 10th.\"",
            "say \"Anything else?\""
        ])
    );
}

#[test]
fn free_text_does_not_reach_an_intent_of_another_audience() {
    let model = compile(GYM);
    let mut chat = Chat::new(&model);
    chat.user("hi");
    assert_eq!(
        chat.user("when am i charged"),
        t(&["event fallback", "say \"Sorry?\""])
    );
    assert_eq!(chat.waits_at(), Some("welcome"));
    let mut member = Chat::in_audience(&model, "member");
    member.user("hi");
    assert_eq!(member.user("when am i charged")[0], "intent billing");
    assert_eq!(
        member.user("register my gym"),
        t(&["event fallback", "say \"Sorry?\""])
    );
}

#[test]
fn set_audience_none_clears_the_audience() {
    let model = compile(GYM);
    let mut chat = Chat::in_audience(&model, "member");
    chat.user("hi");
    assert_eq!(
        chat.user("leave"),
        t(&[
            "intent leave",
            "audience none",
            "say \"You left.\"",
            "menu welcome",
            "buttons \"Welcome!\" [I am a member, I run a gym, Members area]"
        ])
    );
    assert_eq!(chat.state.audience, None);
    assert_eq!(chat.user("menu")[0], "menu welcome");
}

// --- asks ---------------------------------------------------------------------------------------

const FORMS: &str = r#"bot "Forms" {
  business retail
  language en
  start home
  fallback "Sorry?"
  support "https://shop.example/help"
}

menu home {
  say "Pick one."
  option "Everything" -> everything
  option "Count" -> count
  option "Size" -> size
}

intent everything {
  ask words "Any words?"
  ask amount "A number?" as number
  ask pin "Four digits?" as digits 4
  ask day "Which day?" as date
  ask mail "Your email?" as email
  ask tel "Your phone?" as phone
  ask stars "Rate us?" as rating
  ask agree "Agree?" as yes_no
  ask size "Size?" as choice "Small", "Médium", "Large"
  say "words={{ words }} amount={{ amount }} pin={{ pin }} day={{ day }} mail={{ mail }} tel={{ tel }} stars={{ stars }} agree={{ agree }} size={{ size }}"
}

intent count {
  ask n "How many?" as number
  say "You said {{ n }}."
  if n > 2 {
    say "That is many."
  }
}

intent size {
  ask size "Which size?" as choice "Small", "Médium", "Large", "Extra large"
  say "Size {{ size }}."
}
"#;

#[test]
fn each_ask_type_asks_again_with_a_hint_when_the_answer_does_not_fit() {
    let model = compile(FORMS);
    let mut chat = Chat::new(&model);
    chat.user("hi");
    assert_eq!(
        chat.user("everything"),
        t(&["intent everything", "say \"Any words?\""])
    );
    // (a wrong answer, its hint, a right answer, the next question)
    let steps: [(&str, &str, &str, &str); 9] = [
        (
            "  ",
            "Please type your answer.",
            " Hello there ",
            "say \"A number?\"",
        ),
        (
            "forty two",
            "Please answer with a number, like 42 or 3.5.",
            "3,5",
            "say \"Four digits?\"",
        ),
        (
            "123",
            "Please answer with exactly 4 digits.",
            "01-23",
            "say \"Which day?\"",
        ),
        (
            "someday",
            "Please answer with a date, like 25/12.",
            "25/12",
            "say \"Your email?\"",
        ),
        (
            "ana@",
            "Please answer with an email address, like name@example.com.",
            "Ana@Example.com",
            "say \"Your phone?\"",
        ),
        (
            "12345",
            "Please answer with a phone number, like +1 415 555 0100.",
            "+1 (415) 555-0100",
            "say \"Rate us?\"",
        ),
        (
            "7",
            "Please answer with a rating from 1 to 5.",
            "⭐⭐⭐⭐",
            "say \"Agree?\"",
        ),
        (
            "maybe",
            "Please answer yes or no.",
            "Sí",
            "buttons \"Size?\" [Small, Médium, Large]",
        ),
        (
            "xl",
            "Please choose one of the options: Small, Médium or Large.",
            "medium",
            "",
        ),
    ];
    for (wrong, hint, right, next) in steps {
        assert_eq!(
            chat.user(wrong),
            t(&[&format!("say {hint:?}")]),
            "{wrong:?}"
        );
        assert_eq!(chat.state.waiting, Waiting::Answer { misses: 1 });
        let out = chat.user(right);
        if !next.is_empty() {
            assert_eq!(out, t(&[next]), "{right:?}");
            assert_eq!(
                chat.state.waiting,
                Waiting::Answer { misses: 0 },
                "misses start again"
            );
        } else {
            assert_eq!(
                out,
                t(&["say \"words=Hello there amount=3.5 pin=0123 day=2026-12-25 mail=Ana@Example.com tel=+14155550100 stars=4 agree=True size=Médium\""])
            );
        }
    }
    assert_eq!(chat.waits_at(), Some("home"));
}

#[test]
fn date_answers_are_read_against_the_clocks_today() {
    let model = compile(FORMS);
    for (answer, stored) in [
        ("2026-12-25", "2026-12-25"),
        ("25/12/2027", "2027-12-25"),
        ("today", "2026-11-25"),
        ("tomorrow", "2026-11-26"),
        ("20/11", "2027-11-20"),
        ("25/11", "2026-11-25"),
        ("Friday", "2026-11-27"),
    ] {
        let mut chat = Chat::new(&model);
        chat.user("hi");
        chat.user("everything");
        chat.user("w");
        chat.user("1");
        chat.user("1234");
        chat.user(answer);
        let Some(frame) = &chat.state.frame else {
            panic!("{answer:?}: the intent stopped")
        };
        assert_eq!(frame.vars["day"], stored, "{answer:?}");
    }
}

#[test]
fn third_answer_that_does_not_fit_says_the_fallback_stops_the_intent_and_waits_at_the_last_menu() {
    let model = compile(FORMS);
    let mut chat = Chat::new(&model);
    chat.user("hi");
    assert_eq!(
        chat.user("count"),
        t(&["intent count", "say \"How many?\""])
    );
    let hint = "say \"Please answer with a number, like 42 or 3.5.\"";
    assert_eq!(chat.user("lots"), t(&[hint]));
    assert_eq!(chat.user("many"), t(&[hint]));
    assert_eq!(chat.user("a few"), t(&["event fallback", "say \"Sorry?\""]));
    assert_eq!(chat.waits_at(), Some("home"), "the menu is not sent again");
    // Its options still answer.
    assert_eq!(chat.user("2"), t(&["intent count", "say \"How many?\""]));
    assert_eq!(
        chat.user("3"),
        t(&["say \"You said 3.\"", "say \"That is many.\""])
    );
}

#[test]
fn stored_values_are_visible_in_later_says_and_conditions() {
    let model = compile(FORMS);
    let mut chat = Chat::new(&model);
    chat.user("hi");
    chat.user("count");
    assert_eq!(chat.user("2"), t(&["say \"You said 2.\""]));
    chat.user("count");
    assert_eq!(chat.user("-1.5"), t(&["say \"You said -1.5.\""]));
    // Variables live until the intent finishes: a new run asks again.
    assert_eq!(
        chat.user("count"),
        t(&["intent count", "say \"How many?\""])
    );
}

#[test]
fn choice_is_sent_as_buttons_and_answered_by_label_or_number() {
    let model = compile(FORMS);
    let mut chat = Chat::new(&model);
    chat.user("hi");
    chat.user("everything");
    for answer in ["w", "1", "1234", "today", "a@b.co", "+14155550100", "5"] {
        chat.user(answer);
    }
    let out = chat.outputs(Inbound::Text("yes".to_string()));
    let [Output::Message(Message::Buttons { body, options })] = out.as_slice() else {
        panic!("{out:?}")
    };
    assert_eq!(body, "Size?");
    let ids: Vec<&str> = options.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "everything/size/small",
            "everything/size/medium",
            "everything/size/large"
        ]
    );
    let at_choice = chat.state.clone();
    for (answer, stored) in [
        ("3", "Large"),
        ("LARGE!", "Large"),
        ("Médium", "Médium"),
        ("1", "Small"),
    ] {
        chat.state = at_choice.clone();
        let out = chat.user(answer);
        assert!(
            out[0].ends_with(&format!("size={stored}\"")),
            "{answer:?}: {out:?}"
        );
    }
    chat.state = at_choice.clone();
    let out = chat.tap("everything/size/large", "Large");
    assert!(out[0].ends_with("size=Large\""), "{out:?}");
    // A choice of four or more is a list.
    let mut chat = Chat::new(&model);
    chat.user("hi");
    let out = chat.user("size");
    assert_eq!(
        out,
        t(&[
            "intent size",
            "list \"Which size?\" \"See options\" [Small, Médium, Large, Extra large]"
        ])
    );
    assert_eq!(chat.user("4"), t(&["say \"Size Extra large.\""]));
}

#[test]
fn user_text_is_data_not_template_code() {
    let model = compile(FORMS);
    let mut chat = Chat::new(&model);
    chat.user("hi");
    chat.user("everything");
    for answer in [
        "{{ 7*7 }} {% if true %}x{% endif %} {# c #}",
        "1",
        "1234",
        "today",
        "a@b.co",
        "+14155550100",
        "5",
        "yes",
    ] {
        chat.user(answer);
    }
    let out = chat.user("small");
    assert_eq!(
        out,
        t(&["say \"words={{ 7*7 }} {% if true %}x{% endif %} {# c #} amount=1 pin=1234 day=2026-11-25 mail=a@b.co tel=+14155550100 stars=5 agree=True size=Small\""])
    );
}

// --- calls and other steps ----------------------------------------------------------------------

const FLOW: &str = r#"bot "Flow" {
  business retail
  language en
  start home
  fallback "Sorry?"
  handoff_message "A person will answer you here."
  support "https://shop.example/help"
  api "https://api.example/v2/"
}

menu home {
  say "Pick."
  option "Order" -> order
  option "Book" -> book
  option "Raw" -> raw
  option "Account" -> account
  option "Escalate" -> escalate
  option "Jump menu" -> jump_menu
  option "Jump intent" -> jump_intent
  option "Missing" -> missing
  option "Finish" -> finish
  option "Quit" -> end
}

menu other {
  say "Other menu."
  option "Home" -> home
}

intent order {
  ask id "Order number?" as digits
  call GET "/orders/{{ id }}" with { lang: "{{ contact.language }}", q: "a b&c/é" } as r else {
    say "No order {{ id }}."
    goto home
  }
  say "Order {{ id }}: {{ r.status }}."
}

intent book {
  call POST "https://api.example/v2/bookings/{{ contact.phone }}" with { day: "25/12", who: "{{ contact.name }}" } as b
  say "Booked {{ b.id }}."
}

intent raw {
  call GET "/raw" as r
  if r.text {
    say "text={{ r.text }}"
  } else {
    say "no text"
  }
  say "r={{ r }}"
}

intent account {
  call GET "/account" as acct
  if acct.overdue {
    say "You owe."
  } else {
    say "Nothing owed."
  }
  if acct.amount > 0 {
    say "Positive amount."
  } else {
    say "No amount."
  }
  if acct.plan.tier == 'gold' {
    say "Gold."
  }
  set label = "{{ contact.name }} ({{ acct.plan_name }})"
  say "Account of {{ label }}."
}

intent escalate {
  say "Let me get someone."
  handoff "billing"
  say "never said"
}

intent jump_menu {
  say "Jumping."
  goto other
  say "never said"
}

intent jump_intent {
  set x = "1"
  goto cancelled
}

intent cancelled {
  say "Cancelled."
}

intent missing {
  call GET "/profile" as p
  say "Hello {{ p.nickname }}."
  say "never said"
}

intent finish {
  say "Done."
  end
}
"#;

/// A chat with FLOW that waits at `home`.
fn flow_home(model: &Model) -> Chat<'_> {
    let mut chat = Chat::new(model);
    assert_eq!(chat.user("hi")[0], "menu home");
    chat
}

#[test]
fn get_call_event_carries_the_absolute_url_with_placeholders_filled_and_with_as_query() {
    let model = compile(FLOW);
    let mut chat = flow_home(&model);
    chat.user("order");
    assert_eq!(
        chat.user("123"),
        t(&["call GET https://api.example/v2/orders/123?lang=en&q=a%20b%26c%2F%C3%A9"])
    );
    assert_eq!(chat.state.waiting, Waiting::Call);
    assert_eq!(
        chat.answer(200, r#"{"status": "shipped"}"#),
        t(&["say \"Order 123: shipped.\""])
    );
    assert_eq!(chat.waits_at(), Some("home"));
}

#[test]
fn post_call_event_carries_a_json_body() {
    let model = compile(FLOW);
    let mut chat = flow_home(&model);
    let out = chat.outputs(Inbound::Text("book".to_string()));
    assert_eq!(
        lines(&out),
        t(&[
            "intent book",
            r#"call POST https://api.example/v2/bookings/+15550001111 {"day":"25/12","who":"Ana"}"#
        ])
    );
    // As `charla chat --json` prints it.
    assert_eq!(
        serde_json::to_string(&out[1]).unwrap(),
        r#"{"event":"call","method":"POST","url":"https://api.example/v2/bookings/+15550001111","body":{"day":"25/12","who":"Ana"}}"#
    );
    assert_eq!(chat.answer(201, r#"{"id": 7}"#), t(&["say \"Booked 7.\""]));
}

#[test]
fn call_2xx_json_body_is_bound() {
    let model = compile(FLOW);
    let mut chat = flow_home(&model);
    assert_eq!(
        chat.user("account"),
        t(&["intent account", "call GET https://api.example/v2/account"])
    );
    assert_eq!(
        chat.answer(
            299,
            r#"{"overdue": true, "amount": 12.5, "plan": {"tier": "gold"}, "plan_name": "Gold"}"#
        ),
        t(&[
            "say \"You owe.\"",
            "say \"Positive amount.\"",
            "say \"Gold.\"",
            "say \"Account of Ana (Gold).\""
        ])
    );
}

#[test]
fn call_empty_body_gives_an_empty_object() {
    let model = compile(FLOW);
    let mut chat = flow_home(&model);
    chat.user("raw");
    assert_eq!(
        chat.answer(204, ""),
        t(&["say \"no text\"", "say \"r={}\""])
    );
    chat.user("raw");
    assert_eq!(
        chat.answer(200, "  \n"),
        t(&["say \"no text\"", "say \"r={}\""])
    );
}

#[test]
fn call_body_that_is_not_json_gives_its_text() {
    let model = compile(FLOW);
    let mut chat = flow_home(&model);
    chat.user("raw");
    let out = chat.answer(200, "OK, done");
    assert_eq!(out[0], "say \"text=OK, done\"");
    assert_eq!(out.len(), 2, "{out:?}");
}

#[test]
fn call_non_2xx_or_failed_runs_else() {
    let model = compile(FLOW);
    for status in [199, 300, 404, 500] {
        let mut chat = flow_home(&model);
        chat.user("order");
        chat.user("9");
        assert_eq!(
            chat.answer(status, r#"{"status": "shipped"}"#),
            t(&[
                "say \"No order 9.\"",
                "menu home",
                "list \"Pick.\" \"See options\" [Order, Book, Raw, Account, Escalate, Jump menu, Jump intent, Missing, Finish, Quit]"
            ]),
            "status {status}"
        );
    }
    let mut chat = flow_home(&model);
    chat.user("order");
    chat.user("9");
    assert_eq!(chat.call_fails()[0], "say \"No order 9.\"");
}

#[test]
fn call_failing_without_else_says_the_fallback_and_stops_the_intent() {
    let model = compile(FLOW);
    let mut chat = flow_home(&model);
    chat.user("book");
    assert_eq!(
        chat.answer(409, r#"{"error": "full"}"#),
        t(&["event fallback", "say \"Sorry?\""])
    );
    assert_eq!(chat.waits_at(), Some("home"));
    chat.user("book");
    assert_eq!(chat.call_fails(), t(&["event fallback", "say \"Sorry?\""]));
    assert_eq!(chat.waits_at(), Some("home"));
}

#[test]
fn messages_sent_while_a_call_is_pending_are_read_after_its_result() {
    let model = compile(FLOW);
    let mut chat = flow_home(&model);
    chat.user("order");
    chat.user("5");
    assert_eq!(chat.user("2"), t(&[]));
    assert_eq!(chat.user("purple"), t(&[]));
    assert_eq!(chat.state.queued, ["2", "purple"]);
    // The result, then `2` (Book, whose call waits in turn), and `purple` waits again.
    assert_eq!(
        chat.answer(200, r#"{"status": "late"}"#),
        t(&[
            "say \"Order 5: late.\"",
            "intent book",
            r#"call POST https://api.example/v2/bookings/+15550001111 {"day":"25/12","who":"Ana"}"#
        ])
    );
    assert_eq!(chat.state.queued, ["purple"]);
    assert_eq!(
        chat.answer(200, r#"{"id": 1}"#),
        t(&["say \"Booked 1.\"", "event fallback", "say \"Sorry?\""])
    );
    assert!(chat.state.queued.is_empty());
}

#[test]
fn call_result_when_no_call_is_pending_is_ignored() {
    let model = compile(FLOW);
    let mut chat = flow_home(&model);
    let before = chat.state.clone();
    assert_eq!(chat.answer(200, "{}"), t(&[]));
    assert_eq!(chat.call_fails(), t(&[]));
    assert_eq!(chat.state, before);
}

#[test]
fn if_with_a_missing_field_is_false() {
    let model = compile(FLOW);
    let mut chat = flow_home(&model);
    chat.user("account");
    assert_eq!(
        chat.answer(200, r#"{"plan_name": "Basic"}"#),
        t(&[
            "say \"Nothing owed.\"",
            "say \"No amount.\"",
            "say \"Account of Ana (Basic).\""
        ])
    );
}

#[test]
fn set_stores_a_text_with_placeholders_filled() {
    let model = compile(FLOW);
    let mut chat = flow_home(&model);
    chat.user("account");
    let out = chat.answer(200, r#"{"plan_name": "{{ contact.name }}"}"#);
    assert_eq!(
        out.last().unwrap(),
        "say \"Account of Ana ({{ contact.name }}).\""
    );
}

#[test]
fn goto_a_menu_shows_it_and_the_intent_finishes() {
    let model = compile(FLOW);
    let mut chat = flow_home(&model);
    assert_eq!(
        chat.user("jump menu"),
        t(&[
            "intent jump_menu",
            "say \"Jumping.\"",
            "menu other",
            "buttons \"Other menu.\" [Home]"
        ])
    );
    assert_eq!(chat.waits_at(), Some("other"));
}

#[test]
fn goto_an_intent_runs_it() {
    let model = compile(FLOW);
    let mut chat = flow_home(&model);
    assert_eq!(
        chat.user("jump intent"),
        t(&[
            "intent jump_intent",
            "intent cancelled",
            "say \"Cancelled.\""
        ])
    );
    assert_eq!(chat.waits_at(), Some("home"));
}

#[test]
fn end_closes_the_conversation_and_the_next_message_starts_again() {
    let model = compile(FLOW);
    let mut chat = flow_home(&model);
    assert_eq!(
        chat.user("finish"),
        t(&["intent finish", "say \"Done.\"", "event end"])
    );
    assert_eq!(chat.waits_at(), None);
    assert_eq!(
        chat.user("order")[0],
        "menu home",
        "the old menu's options are gone"
    );
    // An option `-> end` too.
    assert_eq!(chat.user("quit"), t(&["event end"]));
    assert_eq!(chat.waits_at(), None);
    assert_eq!(chat.user("quit")[0], "menu home");
}

#[test]
fn handoff_team_is_carried_by_the_handoff_event() {
    let model = compile(FLOW);
    let mut chat = flow_home(&model);
    let out = chat.outputs(Inbound::Text("escalate".to_string()));
    assert_eq!(
        out.last(),
        Some(&Output::Event(Event::Handoff {
            team: Some("billing".to_string())
        }))
    );
    assert_eq!(
        serde_json::to_string(out.last().unwrap()).unwrap(),
        r#"{"event":"handoff","team":"billing"}"#
    );
    // An option `-> handoff` has no team.
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    let out = chat.outputs(Inbound::Text("3".to_string()));
    assert_eq!(
        out.last(),
        Some(&Output::Event(Event::Handoff { team: None }))
    );
}

#[test]
fn missing_variable_in_a_text_reports_an_error_naming_its_line_then_the_fallback() {
    let model = compile(FLOW);
    let mut chat = flow_home(&model);
    chat.user("missing");
    let out = chat.outputs(Inbound::CallAnswered {
        status: 200,
        body: r#"{"name": "Ana"}"#.to_string(),
    });
    let [Output::Event(Event::Error { line, message }), Output::Event(Event::Fallback), Output::Message(Message::Text { text })] =
        out.as_slice()
    else {
        panic!("{:?}", lines(&out))
    };
    assert_eq!(*line, line_of(FLOW, "p.nickname"));
    println!("error message: {message}");
    assert!(!message.is_empty());
    assert_eq!(text, "Sorry?");
    assert_eq!(chat.waits_at(), Some("home"));
    // As `charla chat --json` prints it.
    let json: serde_json::Value = serde_json::to_value(&out[0]).unwrap();
    assert_eq!(json["event"], "error");
    assert_eq!(json["line"], line_of(FLOW, "p.nickname"));
}

#[test]
fn call_body_that_is_a_json_list_is_bound_as_it_is() {
    let model = compile(FLOW);
    let mut chat = flow_home(&model);
    chat.user("raw");
    let out = chat.answer(200, "[1, 2]");
    assert_eq!(out, t(&["say \"no text\"", "say \"r=[1, 2]\""]));
}

// --- the step limit -----------------------------------------------------------------------------

/// A bot whose intent `long` runs `count` steps in one turn (`say`s and `if`s).
fn long_bot(says: usize) -> String {
    let mut text = String::from(
        r#"bot "Long" {
  business retail
  language en
  start home
  fallback "Sorry?"
  support "https://shop.example/help"
}

menu home {
  say "Pick."
  option "Long" -> long
  option "Other" -> other
}

intent other {
  say "Other."
}

intent long {
"#,
    );
    for i in 1..=says {
        text.push_str(&format!("  say \"step {i}\"\n"));
    }
    text.push_str("}\n");
    text
}

#[test]
fn goto_loops_are_refused_by_the_checker_so_the_step_limit_guards_only_long_chains() {
    // Two intents that `goto` each other through an `if`: E0405, whatever the condition.
    let looping = r#"bot "Loop" {
  business retail
  language en
  start ping
  support "https://shop.example/help"
}

intent ping {
  set n = "1"
  if n == '1' {
    goto pong
  }
  say "never"
}

intent pong {
  if contact.name == 'nobody' {
    say "odd"
  } else {
    goto ping
  }
}
"#;
    assert!(
        error_codes(looping).contains(&"E0405"),
        "{:?}",
        error_codes(looping)
    );
    // A loop through an `ask` or a `call` waits for the contact or the result each time round:
    // no single turn runs it twice.
    let waiting = looping.replace("  set n = \"1\"\n", "  ask n \"Again?\"\n");
    assert!(
        error_codes(&waiting).is_empty(),
        "{:?}",
        error_codes(&waiting)
    );
}

#[test]
fn a_turn_of_exactly_the_step_limit_runs_to_the_end() {
    let model = compile(&long_bot(MAX_STEPS));
    let mut chat = Chat::new(&model);
    chat.user("hi");
    let out = chat.user("long");
    assert_eq!(out.len(), 1 + MAX_STEPS, "{out:?}");
    assert_eq!(out.last().unwrap(), &format!("say \"step {MAX_STEPS}\""));
}

#[test]
fn more_than_100_steps_in_one_turn_reports_an_error_and_the_fallback() {
    assert_eq!(MAX_STEPS, 100);
    let text = long_bot(MAX_STEPS + 5);
    let model = compile(&text);
    let mut chat = Chat::new(&model);
    chat.user("hi");
    let out = chat.user("long");
    assert_eq!(out.len(), 1 + MAX_STEPS + 3, "{out:?}");
    assert_eq!(out[MAX_STEPS], "say \"step 100\"");
    assert_eq!(
        out[MAX_STEPS + 1..],
        t(&[
            &format!(
                "error line {}: more than 100 steps in one turn; stopped",
                line_of(&text, "say \"step 101\"")
            ),
            "event fallback",
            "say \"Sorry?\"",
        ])[..]
    );
    assert_eq!(chat.waits_at(), Some("home"));
    assert_eq!(chat.user("other"), t(&["intent other", "say \"Other.\""]));
}

#[test]
fn messages_queued_behind_a_call_each_get_their_own_step_budget() {
    // LANGUAGE.md: `user "text"` runs the bot until it waits again, and a turn runs at most 100
    // steps. Two messages that waited for a call are two messages, not one turn of 120 steps.
    let text = long_bot(60).replace(
        "intent other {\n  say \"Other.\"\n}",
        "intent other {\n  call GET \"/x\" as x\n  say \"Other.\"\n}",
    );
    let text = text.replace(
        "  support \"https://shop.example/help\"\n",
        "  support \"https://shop.example/help\"\n  api \"https://api.example\"\n",
    );
    let model = compile(&text);
    let mut chat = Chat::new(&model);
    chat.user("hi");
    assert_eq!(chat.user("other")[1], "call GET https://api.example/x");
    chat.user("long");
    chat.user("long");
    let out = chat.answer(200, "{}");
    assert!(
        !out.iter().any(|l| l.starts_with("error")),
        "{:?}",
        out.iter()
            .filter(|l| !l.starts_with("say \"step"))
            .collect::<Vec<_>>()
    );
    assert_eq!(out.len(), 1 + 2 * (1 + 60), "{out:?}");
}

// --- state --------------------------------------------------------------------------------------

/// Stores and reads back the chat's state, and checks the conversation goes on the same way
/// from the copy as from the original.
#[track_caller]
fn round_trip(chat: &mut Chat, next: Inbound) -> State {
    let json = chat.state.to_json();
    let back = State::from_json(&json).expect("a stored state reads back");
    assert_eq!(back, chat.state);
    let (from_copy, copy_out) = chat.engine.turn(&back, next.clone(), &chat.clock);
    let (from_original, original_out) = chat.engine.turn(&chat.state, next, &chat.clock);
    assert_eq!(copy_out, original_out);
    assert_eq!(from_copy, from_original);
    back
}

#[test]
fn state_round_trips_through_json_at_an_ask() {
    let model = compile(FORMS);
    let mut chat = Chat::new(&model);
    chat.user("hi");
    chat.user("everything");
    chat.user("words");
    chat.user("oops");
    assert_eq!(chat.state.waiting, Waiting::Answer { misses: 1 });
    round_trip(&mut chat, Inbound::Text("2,5".to_string()));
    for answer in ["2,5", "1234", "today", "a@b.co", "+14155550100", "5", "yes"] {
        chat.user(answer);
    }
    round_trip(&mut chat, Inbound::Text("large".to_string()));
    chat.state = State::from_json(&chat.state.to_json()).unwrap();
    assert_eq!(
        chat.user("large"),
        t(&["say \"words=words amount=2.5 pin=1234 day=2026-11-25 mail=a@b.co tel=+14155550100 stars=5 agree=True size=Large\""])
    );
}

#[test]
fn state_round_trips_through_json_at_a_pending_call() {
    let model = compile(FLOW);
    let mut chat = flow_home(&model);
    chat.user("order");
    chat.user("42");
    chat.user("purple");
    assert_eq!(chat.state.waiting, Waiting::Call);
    round_trip(
        &mut chat,
        Inbound::CallAnswered {
            status: 200,
            body: r#"{"status": "packed"}"#.to_string(),
        },
    );
    chat.state = State::from_json(&chat.state.to_json()).unwrap();
    assert_eq!(
        chat.answer(200, r#"{"status": "packed"}"#),
        t(&[
            "say \"Order 42: packed.\"",
            "event fallback",
            "say \"Sorry?\""
        ])
    );
    // In a menu's call, with the body kept for after the result.
    let model = compile(MENUS);
    let mut chat = Chat::new(&model);
    chat.user("hi");
    chat.user("status");
    round_trip(
        &mut chat,
        Inbound::CallFailed {
            reason: "x".to_string(),
        },
    );
    chat.state = State::from_json(&chat.state.to_json()).unwrap();
    assert_eq!(
        chat.answer(200, r#"{"state": "ok"}"#),
        t(&["buttons \"Service is ok.\" [Back]"])
    );
}

#[test]
fn state_of_another_version_is_refused_with_a_clear_message() {
    let model = compile(SHOP);
    let chat = at_home(&model);
    let json = chat.state.to_json();
    let marker = format!("\"version\":{STATE_VERSION}");
    assert!(json.contains(&marker), "{json}");
    let newer = json.replace(&marker, &format!("\"version\":{}", STATE_VERSION + 1));
    let error = State::from_json(&newer).unwrap_err();
    assert_eq!(
        error,
        format!(
            "the stored state is version {}; this charla reads version {STATE_VERSION}",
            STATE_VERSION + 1
        )
    );
    let without = json.replace(&format!("{marker},"), "");
    assert_eq!(
        State::from_json(&without).unwrap_err(),
        "the stored state has no version"
    );
    assert!(State::from_json("{oops")
        .unwrap_err()
        .starts_with("the stored state is not JSON"));
    let damaged = json.replace("\"handoff\":false", "\"handoff\":\"no\"");
    assert!(State::from_json(&damaged)
        .unwrap_err()
        .starts_with("the stored state is not valid"));
}

#[test]
fn typical_conversation_state_stays_under_1kb() {
    let model = compile(FLOW);
    let mut chat = Chat::new(&model);
    chat.state.contact.name = "Maria Fernanda de Souza".to_string();
    let mut largest = 0;
    let mut measure = |chat: &Chat| {
        largest = largest.max(chat.state.to_json().len());
    };
    for step in [
        Inbound::Text("oi".to_string()),
        Inbound::Text("order".to_string()),
        Inbound::Text("12345678".to_string()),
        Inbound::Text("hello?".to_string()),
        Inbound::CallAnswered {
            status: 200,
            body: r#"{"status": "shipped", "carrier": "UPS", "eta": "Thursday", "link": "https://track.example/1Z999AA10123456784"}"#.to_string(),
        },
        Inbound::Text("account".to_string()),
        Inbound::CallAnswered {
            status: 200,
            body: r#"{"overdue": false, "amount": 0, "plan": {"tier": "silver"}, "plan_name": "Silver"}"#.to_string(),
        },
        Inbound::Text("book".to_string()),
        Inbound::CallAnswered {
            status: 201,
            body: r#"{"id": 981}"#.to_string(),
        },
        Inbound::Text("escalate".to_string()),
        Inbound::Released,
    ] {
        chat.outputs(step);
        measure(&chat);
    }
    println!("largest state of a typical conversation: {largest} bytes");
    assert!(largest < 1024, "{largest} bytes");
}

// --- bundles ------------------------------------------------------------------------------------

#[test]
fn bundle_load_accepts_an_emitted_bundle() {
    let model = compile(SHOP);
    let files = vec!["bot.charla".to_string()];
    let bytes = charla::emit::bundle::emit(&model, &files);
    let (loaded, loaded_files) = charla::runtime::bundle::load(&bytes).expect("loads");
    assert_eq!(loaded, model);
    assert_eq!(loaded_files, files);
    // And the loaded bot talks the same.
    let mut chat = at_home(&loaded);
    assert_eq!(chat.user("2"), t(&["intent cancel", "say \"Cancelled.\""]));
}

#[test]
fn bundle_load_refuses_an_edited_bundle() {
    let model = compile(SHOP);
    let bytes = charla::emit::bundle::emit(&model, &["bot.charla".to_string()]);
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("Cancelled."));
    let edited = text.replace("Cancelled.", "Cancelado.");
    assert_eq!(
        charla::runtime::bundle::load(edited.as_bytes()).unwrap_err(),
        "the bundle's hash does not match its content: it was damaged or edited"
    );
    let truncated = &text.as_bytes()[..text.len() / 2];
    assert!(charla::runtime::bundle::load(truncated)
        .unwrap_err()
        .starts_with("not a charla bundle"));
}

#[test]
fn bundle_load_refuses_format_2() {
    let model = compile(SHOP);
    let text = String::from_utf8(charla::emit::bundle::emit(
        &model,
        &["bot.charla".to_string()],
    ))
    .unwrap();
    assert!(text.starts_with("{\"format\":1,"), "{}", &text[..40]);
    let newer = text.replacen("{\"format\":1,", "{\"format\":2,", 1);
    assert_eq!(
        charla::runtime::bundle::load(newer.as_bytes()).unwrap_err(),
        "a bundle of format 2; this charla reads format 1: rebuild it with this charla"
    );
}

#[test]
fn bundle_load_refuses_what_is_not_json() {
    for bytes in [&b""[..], b"hello", b"\xff\xfe", b"bot \"Shop\" {"] {
        let error = charla::runtime::bundle::load(bytes).unwrap_err();
        assert!(
            error.starts_with("not a charla bundle (not JSON"),
            "{error}"
        );
    }
    assert_eq!(
        charla::runtime::bundle::load(b"{\"bot\": {}}").unwrap_err(),
        "not a charla bundle (no `format`)"
    );
    assert_eq!(
        charla::runtime::bundle::load(b"[1, 2]").unwrap_err(),
        "not a charla bundle (no `format`)"
    );
}

// --- suspending inside blocks -------------------------------------------------------------------

const NEST: &str = r#"bot "Nest" {
  business retail
  language en
  start flow
  fallback "Sorry?"
  support "https://shop.example/help"
  api "https://api.example"
}

intent flow {
  say "Begin."
  if contact.name == 'Ana' {
    ask color "Color?"
    call GET "/a/{{ color }}" as a else {
      say "a failed"
      call GET "/b" as b else {
        say "b failed too"
        end
      }
      say "b={{ b.v }}"
      set opt_in
      end
    }
    say "a={{ a.v }} color={{ color }}"
  } else {
    say "Not Ana."
  }
  say "After the if."
}
"#;

#[test]
fn ask_and_call_inside_blocks_go_on_after_the_block() {
    let model = compile(NEST);
    let mut chat = Chat::new(&model);
    assert_eq!(
        chat.user("hi"),
        t(&["intent flow", "say \"Begin.\"", "say \"Color?\""])
    );
    assert_eq!(chat.user("red"), t(&["call GET https://api.example/a/red"]));
    assert_eq!(
        chat.answer(200, r#"{"v": 1}"#),
        t(&["say \"a=1 color=red\"", "say \"After the if.\""])
    );
    assert_eq!(chat.waits_at(), None);
    let mut other = Chat::new(&model);
    other.state.contact.name = "Bo".to_string();
    assert_eq!(
        other.user("hi"),
        t(&[
            "intent flow",
            "say \"Begin.\"",
            "say \"Not Ana.\"",
            "say \"After the if.\""
        ])
    );
}

#[test]
fn call_inside_a_calls_else_block_is_resumed_there() {
    let model = compile(NEST);
    let mut chat = Chat::new(&model);
    chat.user("hi");
    chat.user("red");
    assert_eq!(
        chat.call_fails(),
        t(&["say \"a failed\"", "call GET https://api.example/b"])
    );
    let at_b = chat.state.clone();
    round_trip(
        &mut chat,
        Inbound::CallFailed {
            reason: "x".to_string(),
        },
    );
    assert_eq!(
        chat.answer(200, r#"{"v": 2}"#),
        t(&["say \"b=2\"", "event opt_in", "event end"])
    );
    assert!(chat.state.opted_in);
    chat.state = at_b;
    assert_eq!(
        chat.answer(500, ""),
        t(&["say \"b failed too\"", "event end"])
    );
    assert_eq!(chat.waits_at(), None);
}

#[test]
fn session_idle_time_drops_a_pending_call_and_its_late_result() {
    let model = compile(FLOW);
    let mut chat = flow_home(&model);
    chat.user("book");
    chat.user("purple");
    chat.wait(25 * HOURS);
    assert_eq!(chat.user("hello")[0], "menu home");
    assert!(chat.state.queued.is_empty());
    assert_eq!(chat.answer(200, r#"{"id": 3}"#), t(&[]));
    assert_eq!(chat.waits_at(), Some("home"));
}

#[test]
fn opt_out_word_while_a_call_is_pending_is_read_at_once() {
    let model = compile(FLOW);
    let mut chat = flow_home(&model);
    chat.user("book");
    assert_eq!(
        chat.user("stop"),
        t(&[
            "event opt_out",
            "say \"Done: you won't get our messages anymore. Write to us if you change your mind.\""
        ])
    );
    assert!(chat.state.queued.is_empty());
    assert_eq!(chat.answer(200, r#"{"id": 3}"#), t(&["say \"Booked 3.\""]));
}

#[test]
fn delete_sends_with_as_a_query_and_put_and_patch_as_a_json_body() {
    let text = r#"bot "Methods" {
  business retail
  language en
  start home
  support "https://shop.example/help"
  api "https://h.example/v2"
}

menu home {
  say "Pick."
  option "Delete" -> remove
  option "Put" -> put
  option "Patch" -> patch
}

intent remove {
  call DELETE "citas/{{ contact.name }}" with { reason: "no time", at: "9:30" } as r
  say "Deleted."
}

intent put {
  call PUT "/citas/7" with { when: "{{ contact.phone }}" } as r
  say "Put."
}

intent patch {
  call PATCH "/citas/7" as r
  say "Patched."
}
"#;
    let model = compile(text);
    let mut chat = Chat::new(&model);
    chat.user("hi");
    assert_eq!(
        chat.user("delete"),
        t(&[
            "intent remove",
            "call DELETE https://h.example/v2/citas/Ana?reason=no%20time&at=9%3A30"
        ])
    );
    assert_eq!(chat.answer(204, ""), t(&["say \"Deleted.\""]));
    assert_eq!(
        chat.user("put"),
        t(&[
            "intent put",
            r#"call PUT https://h.example/v2/citas/7 {"when":"+15550001111"}"#
        ])
    );
    chat.answer(200, "");
    assert_eq!(
        chat.user("patch"),
        t(&["intent patch", "call PATCH https://h.example/v2/citas/7 {}"])
    );
}

#[test]
fn user_text_is_said_back_without_escaping() {
    let model = compile(SHOP);
    let mut chat = at_home(&model);
    chat.user("1");
    assert_eq!(
        chat.user(r#"<b>Tom & "Jerry"</b> {{ contact.phone }}"#),
        t(&[r#"say "Noted: <b>Tom & \"Jerry\"</b> {{ contact.phone }}""#])
    );
}

#[test]
fn events_serialize_as_charla_chat_json_prints_them() {
    let json = |event: Event| serde_json::to_string(&Output::Event(event)).unwrap();
    let name = || "home".to_string();
    assert_eq!(
        json(Event::Menu { name: name() }),
        r#"{"event":"menu","name":"home"}"#
    );
    assert_eq!(
        json(Event::Intent { name: name() }),
        r#"{"event":"intent","name":"home"}"#
    );
    assert_eq!(
        json(Event::Audience {
            name: Some("member".to_string())
        }),
        r#"{"event":"audience","name":"member"}"#
    );
    assert_eq!(
        json(Event::Handoff { team: None }),
        r#"{"event":"handoff"}"#
    );
    assert_eq!(json(Event::End), r#"{"event":"end"}"#);
    assert_eq!(json(Event::OptIn), r#"{"event":"opt_in"}"#);
    assert_eq!(json(Event::OptOut), r#"{"event":"opt_out"}"#);
    assert_eq!(json(Event::Fallback), r#"{"event":"fallback"}"#);
    assert_eq!(
        json(Event::Call {
            method: "GET".to_string(),
            url: "https://h/x?a=1".to_string(),
            body: None
        }),
        r#"{"event":"call","method":"GET","url":"https://h/x?a=1"}"#
    );
    assert_eq!(
        json(Event::Error {
            line: 7,
            message: "undefined value".to_string()
        }),
        r#"{"event":"error","line":7,"message":"undefined value"}"#
    );
}
