//! The checked model: names resolved, defaults applied, presentation chosen. It is the only
//! input to the emitters and to the runtime, and its serde form is the bundle's `bot` part
//! (see `schema/bundle.schema.json`). Every node carries `src`: `[file index, line]`.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// Where a node was written: index into the bundle's `files`, and 1-based line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Src(pub u32, pub u32);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub bot: BotSettings,
    pub audiences: IndexMap<String, Audience>,
    pub menus: IndexMap<String, Menu>,
    pub intents: IndexMap<String, Intent>,
    pub templates: IndexMap<String, Template>,
    pub tests: Vec<Test>,
    pub policy: PolicyVerdicts,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotSettings {
    pub name: String,
    pub business: String,
    pub language: String,
    /// `start X for A, B` lines in order, then the plain `start` as the last entry.
    pub starts: Vec<Start>,
    pub fallback: String,
    pub handoff_message: String,
    pub apis: Vec<String>,
    pub support: Option<String>,
    /// Every opt-out word (the defaults of the bot's language and the bot's own), folded.
    pub opt_out: Vec<String>,
    pub list_button: String,
    pub timezone: String,
    pub session_seconds: u64,
    pub approval: Option<String>,
    pub src: Src,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Start {
    pub target: Target,
    /// Empty for the plain `start`.
    pub audiences: Vec<String>,
    pub src: Src,
}

/// Where an option, `goto`, `start` or template button leads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Menu(String),
    Intent(String),
    Handoff,
    End,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Audience {
    pub label: String,
    pub src: Src,
}

/// How WhatsApp shows a set of options: 1-3 reply buttons, or 4-10 list rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presentation {
    Buttons,
    List,
}

impl Presentation {
    /// Buttons for up to `max_buttons` options (3 on WhatsApp; a policy may lower it), else a list.
    pub fn for_count(count: usize, max_buttons: usize) -> Presentation {
        if count <= max_buttons {
            Presentation::Buttons
        } else {
            Presentation::List
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Menu {
    /// Empty: everyone may reach it.
    pub audiences: Vec<String>,
    pub steps: Vec<Step>,
    pub presentation: Presentation,
    pub options: Vec<MenuOption>,
    pub src: Src,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MenuOption {
    /// `<menu>/<folded label>`: stable when options are reordered.
    pub id: String,
    pub label: String,
    /// Sent only in a list.
    pub description: Option<String>,
    pub target: Target,
    /// The audience the option puts the contact in; `"none"` clears it (`none` is a keyword, so
    /// no audience has that name).
    pub sets_audience: Option<String>,
    pub src: Src,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    pub audiences: Vec<String>,
    pub category: String,
    pub examples: Vec<Example>,
    pub steps: Vec<Step>,
    pub src: Src,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    pub text: String,
    /// Folded (case, accents, punctuation and extra spaces removed).
    pub normalized: String,
    pub src: Src,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    Say {
        text: String,
        src: Src,
    },
    Ask {
        name: String,
        question: String,
        answer: AskType,
        src: Src,
    },
    Call(Call),
    /// `None` clears the audience.
    SetAudience {
        audience: Option<String>,
        src: Src,
    },
    SetOptIn {
        src: Src,
    },
    SetOptOut {
        src: Src,
    },
    Set {
        name: String,
        value: String,
        src: Src,
    },
    If {
        condition: String,
        then: Vec<Step>,
        otherwise: Vec<Step>,
        src: Src,
    },
    Goto {
        target: Target,
        src: Src,
    },
    Handoff {
        team: Option<String>,
        src: Src,
    },
    End {
        src: Src,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub method: crate::ast::Method,
    /// The absolute URL (a relative one appended to the first `api`), placeholders unfilled.
    pub url: String,
    pub with: IndexMap<String, String>,
    pub bind: String,
    /// Steps to run when the call fails; `None`: say the fallback and stop the intent.
    pub otherwise: Option<Vec<Step>>,
    pub src: Src,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AskType {
    Text,
    Number,
    Digits {
        count: Option<u32>,
    },
    Date,
    Email,
    Phone,
    Rating,
    YesNo,
    Choice {
        options: Vec<String>,
        presentation: Presentation,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub category: String,
    /// UTILITY, AUTHENTICATION or MARKETING.
    pub whatsapp_category: String,
    pub language: String,
    pub header: Option<String>,
    pub body: String,
    pub footer: Option<String>,
    pub buttons: Vec<TemplateButton>,
    /// How many `{{n}}` parameters the body and header take.
    pub parameters: u32,
    pub src: Src,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateButton {
    pub label: String,
    pub target: Option<Target>,
    pub src: Src,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Test {
    pub name: String,
    pub contact: TestContact,
    pub mocks: Vec<Mock>,
    pub steps: Vec<TestStep>,
    pub src: Src,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestContact {
    pub name: String,
    pub phone: String,
    pub audience: Option<String>,
    pub language: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mock {
    pub method: crate::ast::Method,
    /// Absolute, like a call's url.
    pub url: String,
    /// `None`: the call fails (no answer).
    pub status: Option<u16>,
    pub body: String,
    pub src: Src,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case")]
pub enum TestStep {
    User {
        text: String,
        src: Src,
    },
    ExpectMenu {
        name: String,
        src: Src,
    },
    ExpectIntent {
        name: String,
        src: Src,
    },
    /// `None`: `expect audience none`.
    ExpectAudience {
        name: Option<String>,
        src: Src,
    },
    ExpectHandoff {
        src: Src,
    },
    ExpectEnd {
        src: Src,
    },
    ExpectOptIn {
        src: Src,
    },
    ExpectOptOut {
        src: Src,
    },
    ExpectFallback {
        src: Src,
    },
    Bot {
        text: String,
        contains: bool,
        src: Src,
    },
    AgentReleases {
        src: Src,
    },
}

/// What the policy decided, recorded so a deployed bot can show it (`NAME info`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyVerdicts {
    pub name: String,
    pub business: String,
    pub business_verdict: crate::policy::Verdict,
    /// `handoff`, `support` or both.
    pub escalation: Vec<String>,
    /// Template name -> its message category's verdict.
    pub templates: IndexMap<String, crate::policy::Verdict>,
}
