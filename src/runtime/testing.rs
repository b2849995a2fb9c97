//! Running a bot's `test` blocks (LANGUAGE.md section 6) on the engine, with the test's mocks
//! answering its `call`s. Pure: the caller prints the outcomes.

use super::engine::Engine;
use super::state::{Contact, State};
use super::turn::{Clock, Event, Inbound, Message, Output};
use crate::model::{Mock, Test, TestStep};

/// How one test ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub name: String,
    /// Line of the `test` header.
    pub line: u32,
    pub failure: Option<Failure>,
    /// The menus and intents the test went through, for coverage.
    pub visited: std::collections::BTreeSet<String>,
}

/// The first check that did not hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// Line of the check (or of the `user` line whose turn went wrong).
    pub line: u32,
    pub expected: String,
    /// What the bot actually did in that turn.
    pub actual: String,
}

/// What one turn of a test produced.
#[derive(Default)]
struct TurnLog {
    outputs: Vec<Output>,
}

impl TurnLog {
    fn messages(&self) -> impl Iterator<Item = &Message> {
        self.outputs.iter().filter_map(|o| match o {
            Output::Message(m) => Some(m),
            Output::Event(_) => None,
        })
    }

    fn has(&self, wanted: impl Fn(&Event) -> bool) -> bool {
        self.outputs
            .iter()
            .any(|o| matches!(o, Output::Event(e) if wanted(e)))
    }

    /// The bot's messages of the turn, for a failure report.
    fn said(&self) -> String {
        let texts: Vec<String> = self.messages().map(|m| format!("{:?}", m.text())).collect();
        if texts.is_empty() {
            "the bot said nothing".to_string()
        } else {
            format!("the bot said {}", texts.join(", "))
        }
    }
}

/// Runs one test.
pub fn run(engine: &Engine, test: &Test, clock: &Clock) -> Outcome {
    let contact = Contact {
        id: test.contact.phone.clone(),
        name: test.contact.name.clone(),
        phone: test.contact.phone.clone(),
        language: test.contact.language.clone(),
    };
    let mut state = engine.new_state(contact);
    state.audience = test.contact.audience.clone();
    let mut log = TurnLog::default();
    let mut visited = std::collections::BTreeSet::new();
    let failure = test.steps.iter().find_map(|step| {
        let failure = check(engine, &test.mocks, &mut state, &mut log, step, clock);
        for output in &log.outputs {
            if let Output::Event(Event::Menu { name } | Event::Intent { name }) = output {
                visited.insert(name.clone());
            }
        }
        failure
    });
    Outcome {
        name: test.name.clone(),
        line: test.src.1,
        failure,
        visited,
    }
}

/// Runs or checks one line of a test; `Some` when it fails.
fn check(
    engine: &Engine,
    mocks: &[Mock],
    state: &mut State,
    log: &mut TurnLog,
    step: &TestStep,
    clock: &Clock,
) -> Option<Failure> {
    let fail = |line: u32, expected: String, actual: String| {
        Some(Failure {
            line,
            expected,
            actual,
        })
    };
    match step {
        TestStep::User { text, src } => {
            *log = TurnLog::default();
            let mut inbound = Inbound::Text(text.clone());
            // A turn runs until the bot waits for the contact again: calls are answered by mocks.
            loop {
                let (next, outputs) = engine.turn(state, inbound, clock);
                *state = next;
                let call = outputs.iter().find_map(|o| match o {
                    Output::Event(Event::Call { method, url, .. }) => {
                        Some((method.clone(), url.clone()))
                    }
                    _ => None,
                });
                log.outputs.extend(outputs);
                // No call: the bot waits for the contact, and the turn is over.
                let (method, url) = call?;
                match mocks
                    .iter()
                    .find(|m| m.method.as_str() == method && same_url(&m.url, &url))
                {
                    Some(mock) => {
                        inbound = match mock.status {
                            Some(status) => Inbound::CallAnswered {
                                status,
                                body: mock.body.clone(),
                            },
                            None => Inbound::CallFailed {
                                reason: "the mock fails".to_string(),
                            },
                        };
                    }
                    None => {
                        return fail(
                            src.1,
                            format!("a `mock {method} \"{url}\"` for the call this turn makes"),
                            "no mock matches it".to_string(),
                        );
                    }
                }
            }
        }
        TestStep::AgentReleases { .. } => {
            *log = TurnLog::default();
            let (next, outputs) = engine.turn(state, Inbound::Released, clock);
            *state = next;
            log.outputs = outputs;
            None
        }
        TestStep::ExpectMenu { name, src } => {
            let waits = state.menu.as_deref() == Some(name.as_str()) && state.frame.is_none();
            let actual = match (&state.menu, &state.frame) {
                (_, Some(frame)) => format!("the conversation is still in `{}`", frame.name),
                (Some(menu), None) => format!("it waits at menu `{menu}`"),
                (None, None) => "it waits at no menu".to_string(),
            };
            (!waits).then(|| Failure {
                line: src.1,
                expected: format!("the conversation waits at menu `{name}`"),
                actual,
            })
        }
        TestStep::ExpectIntent { name, src } => {
            let started = log.has(|e| matches!(e, Event::Intent { name: n } if n == name));
            let others: Vec<String> = log
                .outputs
                .iter()
                .filter_map(|o| match o {
                    Output::Event(Event::Intent { name }) => Some(format!("`{name}`")),
                    _ => None,
                })
                .collect();
            let actual = if others.is_empty() {
                format!("no intent started; {}", log.said())
            } else {
                format!("started {}", others.join(", "))
            };
            (!started).then(|| Failure {
                line: src.1,
                expected: format!("intent `{name}` starts"),
                actual,
            })
        }
        TestStep::ExpectAudience { name, src } => {
            let show = |a: &Option<String>| {
                a.as_ref()
                    .map_or("no audience".to_string(), |a| format!("audience `{a}`"))
            };
            (state.audience != *name).then(|| Failure {
                line: src.1,
                expected: show(name),
                actual: show(&state.audience),
            })
        }
        TestStep::ExpectHandoff { src } => (!state.handoff).then(|| Failure {
            line: src.1,
            expected: "a handoff to a person".to_string(),
            actual: format!("no handoff; {}", log.said()),
        }),
        TestStep::ExpectEnd { src } => (!log.has(|e| matches!(e, Event::End))).then(|| Failure {
            line: src.1,
            expected: "the conversation ends".to_string(),
            actual: format!("it did not end; {}", log.said()),
        }),
        TestStep::ExpectOptIn { src } => (!state.opted_in).then(|| Failure {
            line: src.1,
            expected: "the contact is opted in".to_string(),
            actual: "not opted in".to_string(),
        }),
        TestStep::ExpectOptOut { src } => (!state.opted_out).then(|| Failure {
            line: src.1,
            expected: "the contact is opted out".to_string(),
            actual: "not opted out".to_string(),
        }),
        TestStep::ExpectFallback { src } => {
            (!log.has(|e| matches!(e, Event::Fallback))).then(|| Failure {
                line: src.1,
                expected: "the fallback is said".to_string(),
                actual: log.said(),
            })
        }
        TestStep::Bot {
            text,
            contains,
            src,
        } => {
            let found = log.messages().any(|m| {
                if *contains {
                    m.text().contains(text.as_str())
                } else {
                    m.text() == text
                }
            });
            let expected = if *contains {
                format!("a message containing {text:?}")
            } else {
                format!("a message {text:?}")
            };
            (!found).then(|| Failure {
                line: src.1,
                expected,
                actual: log.said(),
            })
        }
    }
}

/// Whether a mock's url is the call's, ignoring percent-encoding differences.
pub fn same_url(mock: &str, call: &str) -> bool {
    decode(mock) == decode(call)
}

fn decode(url: &str) -> String {
    let bytes = url.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
