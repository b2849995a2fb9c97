//! Lowering the checked syntax tree into the model: names resolved to menus or intents,
//! defaults applied, presentation chosen, urls made absolute. Runs only when the checks found
//! no errors, so lookups here cannot fail on a well-formed bot; anything unexpected is skipped
//! rather than trusted.

use super::context::{Context, Flow};
use super::flow::Reach;
use super::names::intent_examples;
use super::walk::{block_steps, else_steps, top_steps};
use crate::ast::{
    self, AudienceRef, ContactField, Expect, IntentStmt, MenuStmt, MockAnswer, Setting,
    TemplateStmt, TestStmt,
};
use crate::fold::fold;
use crate::lang::Lang;
use crate::model::*;
use crate::policy::{whatsapp_category, Policy};
use crate::source::Span;
use indexmap::IndexMap;

/// Default texts by language (LANGUAGE.md section 3: pt, es and en).
struct Defaults {
    fallback: &'static str,
    handoff_message: &'static str,
    list_button: &'static str,
    opt_out: &'static [&'static str],
}

fn defaults(language: &str) -> Defaults {
    match Lang::of(language) {
        Lang::Pt => Defaults {
            fallback: "Desculpe, não entendi. Digite *menu* para ver as opções.",
            handoff_message: "Vou te passar para um atendente. Aguarde um instante.",
            list_button: "Ver opções",
            opt_out: &["stop", "unsubscribe", "parar", "sair"],
        },
        Lang::Es => Defaults {
            fallback: "Perdón, no entendí. Escribe *menú* para ver las opciones.",
            handoff_message: "Te paso con una persona del equipo. Espera un momento.",
            list_button: "Ver opciones",
            opt_out: &["stop", "unsubscribe", "baja", "parar"],
        },
        Lang::En => Defaults {
            fallback: "Sorry, I didn't get that. Type *menu* to see the options.",
            handoff_message: "I'm passing you to a person from our team. Please wait a moment.",
            list_button: "See options",
            opt_out: &["stop", "unsubscribe"],
        },
    }
}

pub fn lower(cx: &Context, policy: &Policy, reach: &Reach) -> Option<Model> {
    let bot = cx.bot?;
    let settings = bot_settings(cx, bot);
    let first_api = settings.apis.first().cloned().unwrap_or_default();
    let lower = Lower {
        cx,
        api: first_api,
        max_buttons: policy.limits.max_buttons,
    };
    let audiences = cx
        .audiences
        .iter()
        .map(|(name, a)| {
            let label = a
                .label
                .as_ref()
                .map_or_else(|| name.to_string(), |l| l.value.clone());
            (
                name.to_string(),
                Audience {
                    label,
                    src: cx.src(a.name.span),
                },
            )
        })
        .collect();
    let mut menus = IndexMap::new();
    let mut intents = IndexMap::new();
    for (name, flow) in &cx.flows {
        match flow {
            Flow::Menu(m) => {
                menus.insert(name.to_string(), lower.menu(m));
            }
            Flow::Intent(i) => {
                intents.insert(name.to_string(), lower.intent(i));
            }
        }
    }
    let templates = cx
        .templates
        .iter()
        .map(|(name, t)| (name.to_string(), lower.template(t, &settings.language)))
        .collect();
    let tests = cx
        .tests
        .iter()
        .map(|t| lower.test(t, &settings.language))
        .collect();
    let mut escalation = Vec::new();
    if reach.handoff {
        escalation.push("handoff".to_string());
    }
    if settings.support.is_some() {
        escalation.push("support".to_string());
    }
    let verdicts = PolicyVerdicts {
        name: policy.name.clone(),
        business: settings.business.clone(),
        business_verdict: policy.business(&settings.business),
        escalation,
        templates: cx
            .templates
            .iter()
            .map(|(name, t)| {
                let category = template_category(t).unwrap_or_default();
                (name.to_string(), policy.message(&category))
            })
            .collect(),
    };
    Some(Model {
        bot: settings,
        audiences,
        menus,
        intents,
        templates,
        tests,
        policy: verdicts,
    })
}

fn bot_settings(cx: &Context, bot: &ast::Bot) -> BotSettings {
    let mut s = BotSettings {
        name: bot.name.value.clone(),
        business: String::new(),
        language: "en".to_string(),
        starts: Vec::new(),
        fallback: String::new(),
        handoff_message: String::new(),
        apis: Vec::new(),
        support: None,
        opt_out: Vec::new(),
        list_button: String::new(),
        timezone: "UTC".to_string(),
        session_seconds: 24 * 3600,
        approval: None,
        src: cx.src(cx.bot_span),
    };
    let mut plain_start = None;
    let mut own_opt_out = Vec::new();
    for node in &bot.settings.stmts {
        match &node.kind {
            Setting::Business(n) => s.business = n.text.clone(),
            Setting::Language(t) => s.language = t.text.clone(),
            Setting::Policy(_) => {}
            Setting::Start { target, audiences } => {
                let start = Start {
                    target: resolve(cx, target),
                    audiences: names(audiences),
                    src: cx.src(node.span),
                };
                if audiences.is_empty() {
                    plain_start = Some(start);
                } else {
                    s.starts.push(start);
                }
            }
            Setting::Fallback(t) => s.fallback = t.value.clone(),
            Setting::HandoffMessage(t) => s.handoff_message = t.value.clone(),
            Setting::Api(t) => s.apis.push(t.value.trim_end_matches('/').to_string()),
            Setting::Support(t) => s.support = Some(t.value.clone()),
            Setting::OptOut(words) => own_opt_out.extend(words.iter().map(|w| fold(&w.value))),
            Setting::ListButton(t) => s.list_button = t.value.clone(),
            Setting::Timezone(t) => s.timezone = t.value.clone(),
            Setting::Session(d) => s.session_seconds = d.seconds,
            Setting::Approval(t) => s.approval = Some(t.value.clone()),
        }
    }
    s.starts.extend(plain_start);
    let d = defaults(&s.language);
    if s.fallback.is_empty() {
        s.fallback = d.fallback.to_string();
    }
    if s.handoff_message.is_empty() {
        s.handoff_message = d.handoff_message.to_string();
    }
    if s.list_button.is_empty() {
        s.list_button = d.list_button.to_string();
    }
    for word in d.opt_out.iter().map(|w| w.to_string()).chain(own_opt_out) {
        if !s.opt_out.contains(&word) {
            s.opt_out.push(word);
        }
    }
    s
}

fn names(list: &[ast::Name]) -> Vec<String> {
    list.iter().map(|n| n.text.clone()).collect()
}

fn resolve(cx: &Context, target: &ast::Target) -> Target {
    match target {
        ast::Target::Named(n) => match cx.flows.get(n.text.as_str()) {
            Some(Flow::Intent(_)) => Target::Intent(n.text.clone()),
            _ => Target::Menu(n.text.clone()),
        },
        ast::Target::Handoff(_) => Target::Handoff,
        ast::Target::End(_) => Target::End,
    }
}

fn audience_change(a: &AudienceRef) -> Option<String> {
    match a {
        AudienceRef::Named(n) => Some(n.text.clone()),
        AudienceRef::None(_) => None,
    }
}

fn template_category(t: &ast::Template) -> Option<String> {
    t.body.stmts.iter().find_map(|n| match &n.kind {
        TemplateStmt::Category(c) => Some(c.text.clone()),
        _ => None,
    })
}

struct Lower<'c, 'a> {
    cx: &'c Context<'a>,
    /// The first `api`, which relative urls are appended to.
    api: String,
    /// The policy's limit on reply buttons: more options make a list.
    max_buttons: usize,
}

impl Lower<'_, '_> {
    fn src(&self, span: Span) -> Src {
        self.cx.src(span)
    }

    /// A relative url appended to the first `api` with exactly one `/` between them.
    fn absolute(&self, url: &str) -> String {
        if url.starts_with("http://") || url.starts_with("https://") {
            url.to_string()
        } else if url.is_empty() {
            self.api.clone()
        } else {
            format!(
                "{}/{}",
                self.api.trim_end_matches('/'),
                url.trim_start_matches('/')
            )
        }
    }

    fn menu(&self, menu: &ast::Menu) -> Menu {
        let options: Vec<MenuOption> = menu
            .body
            .stmts
            .iter()
            .filter_map(|n| match &n.kind {
                MenuStmt::Option(o) => Some(MenuOption {
                    id: format!("{}/{}", menu.name.text, fold(&o.label.value)),
                    label: o.label.value.clone(),
                    description: o.description.as_ref().map(|d| d.value.clone()),
                    target: resolve(self.cx, &o.target),
                    sets_audience: o
                        .sets_audience
                        .as_ref()
                        .map(|a| audience_change(a).unwrap_or_else(|| "none".to_string())),
                    src: self.src(n.span),
                }),
                MenuStmt::Step(_) => None,
            })
            .collect();
        Menu {
            audiences: names(&menu.audiences),
            steps: self.steps(&top_steps(Flow::Menu(menu))),
            presentation: Presentation::for_count(options.len(), self.max_buttons),
            options,
            src: self.src(menu.name.span),
        }
    }

    fn intent(&self, intent: &ast::Intent) -> Intent {
        let category = intent
            .body
            .stmts
            .iter()
            .find_map(|n| match &n.kind {
                IntentStmt::Category(c) => Some(c.text.clone()),
                _ => None,
            })
            .unwrap_or_else(|| "customer_care".to_string());
        Intent {
            audiences: names(&intent.audiences),
            category,
            examples: intent_examples(intent)
                .map(|e| Example {
                    text: e.value.clone(),
                    normalized: fold(&e.value),
                    src: self.src(e.span),
                })
                .collect(),
            steps: self.steps(&top_steps(Flow::Intent(intent))),
            src: self.src(intent.name.span),
        }
    }

    fn steps(&self, steps: &[(&ast::Step, Span)]) -> Vec<Step> {
        steps
            .iter()
            .map(|&(step, span)| self.step(step, span))
            .collect()
    }

    fn step(&self, step: &ast::Step, span: Span) -> Step {
        let src = self.src(span);
        match step {
            ast::Step::Say(s) => Step::Say {
                text: s.value.clone(),
                src,
            },
            ast::Step::Ask { name, question, ty } => Step::Ask {
                name: name.text.clone(),
                question: question.value.clone(),
                answer: ask_type(ty, self.max_buttons),
                src,
            },
            ast::Step::Call(c) => Step::Call(Call {
                method: c.method,
                url: self.absolute(&c.url.value),
                with: c
                    .with
                    .iter()
                    .map(|e| (e.key.clone(), e.value.value.clone()))
                    .collect(),
                bind: c.bind.text.clone(),
                otherwise: c
                    .otherwise
                    .as_ref()
                    .map(|b| self.steps(&block_steps(&b.stmts))),
                src,
            }),
            ast::Step::SetAudience(a) => Step::SetAudience {
                audience: audience_change(a),
                src,
            },
            ast::Step::SetOptIn => Step::SetOptIn { src },
            ast::Step::SetOptOut => Step::SetOptOut { src },
            ast::Step::SetVar { name, value } => Step::Set {
                name: name.text.clone(),
                value: value.value.clone(),
                src,
            },
            ast::Step::If(i) => Step::If {
                condition: i.condition.text.clone(),
                then: self.steps(&block_steps(&i.then.stmts)),
                otherwise: i
                    .otherwise
                    .as_ref()
                    .map(|e| self.steps(&else_steps(e)))
                    .unwrap_or_default(),
                src,
            },
            ast::Step::Goto(t) => Step::Goto {
                target: resolve(self.cx, t),
                src,
            },
            ast::Step::Handoff(team) => Step::Handoff {
                team: team.as_ref().map(|t| t.value.clone()),
                src,
            },
            ast::Step::End => Step::End { src },
        }
    }

    fn template(&self, t: &ast::Template, bot_language: &str) -> Template {
        let category = template_category(t).unwrap_or_default();
        let mut out = Template {
            whatsapp_category: whatsapp_category(&category).unwrap_or("").to_string(),
            category,
            language: bot_language.to_string(),
            header: None,
            body: String::new(),
            footer: None,
            buttons: Vec::new(),
            parameters: 0,
            src: self.src(t.name.span),
        };
        for node in &t.body.stmts {
            match &node.kind {
                TemplateStmt::Category(_) => {}
                TemplateStmt::Language(tag) => out.language = tag.text.clone(),
                TemplateStmt::Header(s) => out.header = Some(s.value.clone()),
                TemplateStmt::Body(s) => out.body = s.value.clone(),
                TemplateStmt::Footer(s) => out.footer = Some(s.value.clone()),
                TemplateStmt::Button { label, target } => out.buttons.push(TemplateButton {
                    label: label.value.clone(),
                    target: target.as_ref().map(|t| resolve(self.cx, t)),
                    src: self.src(node.span),
                }),
            }
        }
        out.parameters = super::text::placeholders(&out.body)
            .0
            .iter()
            .filter_map(|p| p.number())
            .max()
            .unwrap_or(0);
        out
    }

    fn test(&self, t: &ast::Test, bot_language: &str) -> Test {
        let mut contact = TestContact {
            name: "Test".to_string(),
            phone: "+10000000000".to_string(),
            audience: None,
            language: bot_language.to_string(),
        };
        let mut mocks = Vec::new();
        let mut steps = Vec::new();
        for node in &t.body.stmts {
            let src = self.src(node.span);
            match &node.kind {
                TestStmt::Contact(fields) => {
                    for field in fields {
                        match field {
                            ContactField::Name(s) => contact.name = s.value.clone(),
                            ContactField::Phone(s) => contact.phone = s.value.clone(),
                            ContactField::Audience(a) => contact.audience = audience_change(a),
                            ContactField::Language(tag) => contact.language = tag.text.clone(),
                        }
                    }
                }
                TestStmt::Mock(m) => {
                    let (status, body) = match &m.answer {
                        MockAnswer::Returns { status, body } => (
                            Some(status.map_or(200, |(s, _)| s)),
                            body.as_ref().map(|b| b.value.clone()).unwrap_or_default(),
                        ),
                        MockAnswer::Fails => (None, String::new()),
                    };
                    mocks.push(Mock {
                        method: m.method,
                        url: self.absolute(&m.url.value),
                        status,
                        body,
                        src,
                    });
                }
                TestStmt::User(s) => steps.push(TestStep::User {
                    text: s.value.clone(),
                    src,
                }),
                TestStmt::Expect(e) => steps.push(match e {
                    Expect::Menu(n) => TestStep::ExpectMenu {
                        name: n.text.clone(),
                        src,
                    },
                    Expect::Intent(n) => TestStep::ExpectIntent {
                        name: n.text.clone(),
                        src,
                    },
                    Expect::Audience(a) => TestStep::ExpectAudience {
                        name: audience_change(a),
                        src,
                    },
                    Expect::Handoff => TestStep::ExpectHandoff { src },
                    Expect::End => TestStep::ExpectEnd { src },
                    Expect::OptIn => TestStep::ExpectOptIn { src },
                    Expect::OptOut => TestStep::ExpectOptOut { src },
                    Expect::Fallback => TestStep::ExpectFallback { src },
                }),
                TestStmt::Bot { contains, text } => steps.push(TestStep::Bot {
                    text: text.value.clone(),
                    contains: *contains,
                    src,
                }),
                TestStmt::AgentReleases => steps.push(TestStep::AgentReleases { src }),
            }
        }
        Test {
            name: t.name.value.clone(),
            contact,
            mocks,
            steps,
            src: self.src(t.name.span),
        }
    }
}

fn ask_type(ty: &ast::AskType, max_buttons: usize) -> AskType {
    match ty {
        ast::AskType::Text => AskType::Text,
        ast::AskType::Number => AskType::Number,
        ast::AskType::Digits(n) => AskType::Digits { count: *n },
        ast::AskType::Date => AskType::Date,
        ast::AskType::Email => AskType::Email,
        ast::AskType::Phone => AskType::Phone,
        ast::AskType::Rating => AskType::Rating,
        ast::AskType::YesNo => AskType::YesNo,
        ast::AskType::Choice(labels) => AskType::Choice {
            options: labels.iter().map(|l| l.value.clone()).collect(),
            presentation: Presentation::for_count(labels.len(), max_buttons),
        },
    }
}
