//! The syntax tree: what the author wrote, with a span on every node and comments attached,
//! names not yet resolved. A formatter can print it back; `check` lowers it into the model.

use crate::source::{FileId, Span};

/// A `# comment` (text without the `#`).
#[derive(Debug, Clone, PartialEq)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

/// Comments that belong to a node: whole lines above it, and one at the end of its line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trivia {
    pub leading: Vec<Comment>,
    pub trailing: Option<Comment>,
}

/// A name as written, NFC-normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

/// A string literal, escapes decoded (or the raw string dedented).
#[derive(Debug, Clone, PartialEq)]
pub struct Str {
    pub value: String,
    pub raw: bool,
    pub span: Span,
}

/// A node with its span and comments.
#[derive(Debug, Clone, PartialEq)]
pub struct Node<T> {
    pub kind: T,
    pub span: Span,
    pub trivia: Trivia,
}

/// The statements between `{` and `}`, and the comments just before the `}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block<T> {
    pub stmts: Vec<Node<T>>,
    pub end_comments: Vec<Comment>,
    /// From `{` to `}`.
    pub span: Span,
    /// A comment after the `{` on the header line.
    pub open_comment: Option<Comment>,
}

/// One parsed `.charla` file.
#[derive(Debug, Clone, PartialEq)]
pub struct File {
    pub id: FileId,
    pub items: Vec<Node<Item>>,
    /// Comments after the last item.
    pub end_comments: Vec<Comment>,
    /// Items that did not parse, recognised by their first words so that references to them do
    /// not turn into a second, misleading "undefined" error.
    pub broken: Vec<BrokenItem>,
}

/// The kind and name of an item whose text has a syntax error.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokenItem {
    pub keyword: String,
    pub name: Option<String>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Bot(Bot),
    Audience(Audience),
    Menu(Menu),
    Intent(Intent),
    Template(Template),
    Test(Test),
}

// bot ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct Bot {
    pub name: Str,
    pub settings: Block<Setting>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Setting {
    Business(Name),
    Language(Tag),
    Policy(PolicyRef),
    Start {
        target: Target,
        audiences: Vec<Name>,
    },
    Fallback(Str),
    HandoffMessage(Str),
    Api(Str),
    Support(Str),
    OptOut(Vec<Str>),
    ListButton(Str),
    Timezone(Str),
    Session(Duration),
    Approval(Str),
}

impl Setting {
    /// The word that starts the setting, as written.
    pub fn keyword(&self) -> &'static str {
        match self {
            Setting::Business(_) => "business",
            Setting::Language(_) => "language",
            Setting::Policy(_) => "policy",
            Setting::Start { .. } => "start",
            Setting::Fallback(_) => "fallback",
            Setting::HandoffMessage(_) => "handoff_message",
            Setting::Api(_) => "api",
            Setting::Support(_) => "support",
            Setting::OptOut(_) => "opt_out",
            Setting::ListButton(_) => "list_button",
            Setting::Timezone(_) => "timezone",
            Setting::Session(_) => "session",
            Setting::Approval(_) => "approval",
        }
    }
}

/// A language tag such as `pt-BR`.
#[derive(Debug, Clone, PartialEq)]
pub struct Tag {
    pub text: String,
    pub span: Span,
}

/// `policy whatsapp` or `policy "path/to/file"`.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyRef {
    Builtin(Name),
    File(Str),
}

/// `24h`, `1h30m`: the text and its length in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Duration {
    pub text: String,
    pub seconds: u64,
    pub span: Span,
}

// audience, menu, intent --------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct Audience {
    pub name: Name,
    pub label: Option<Str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Menu {
    pub name: Name,
    pub audiences: Vec<Name>,
    pub body: Block<MenuStmt>,
}

impl Menu {
    /// The menu's options, in order.
    pub fn options(&self) -> impl Iterator<Item = &MenuOption> {
        self.body.stmts.iter().filter_map(|node| match &node.kind {
            MenuStmt::Option(option) => Some(option),
            MenuStmt::Step(_) => None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum MenuStmt {
    Option(MenuOption),
    Step(Step),
}

#[derive(Debug, Clone, PartialEq)]
pub struct MenuOption {
    pub label: Str,
    pub description: Option<Str>,
    pub target: Target,
    pub sets_audience: Option<AudienceRef>,
}

/// Where an option, `goto`, `start` or template button leads.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    Named(Name),
    Handoff(Span),
    End(Span),
}

impl Target {
    pub fn span(&self) -> Span {
        match self {
            Target::Named(name) => name.span,
            Target::Handoff(span) | Target::End(span) => *span,
        }
    }
}

/// An audience name, or `none`.
#[derive(Debug, Clone, PartialEq)]
pub enum AudienceRef {
    Named(Name),
    None(Span),
}

impl AudienceRef {
    pub fn span(&self) -> Span {
        match self {
            AudienceRef::Named(name) => name.span,
            AudienceRef::None(span) => *span,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Intent {
    pub name: Name,
    pub audiences: Vec<Name>,
    pub body: Block<IntentStmt>,
}

#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // a tree built once; boxing every step would only add noise
pub enum IntentStmt {
    Examples(Vec<Str>),
    Category(Name),
    Step(Step),
}

// template ----------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub name: Name,
    pub body: Block<TemplateStmt>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TemplateStmt {
    Category(Name),
    Language(Tag),
    Header(Str),
    Body(Str),
    Footer(Str),
    Button { label: Str, target: Option<Target> },
}

// steps -------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Say(Str),
    Ask {
        name: Name,
        question: Str,
        ty: AskType,
    },
    Call(Call),
    SetAudience(AudienceRef),
    SetOptIn,
    SetOptOut,
    SetVar {
        name: Name,
        value: Str,
    },
    If(If),
    Goto(Target),
    Handoff(Option<Str>),
    End,
}

impl Step {
    /// The step's keyword, for messages ("`ask` is not allowed in a menu").
    pub fn keyword(&self) -> &'static str {
        match self {
            Step::Say(_) => "say",
            Step::Ask { .. } => "ask",
            Step::Call(_) => "call",
            Step::SetAudience(_) => "set audience",
            Step::SetOptIn => "set opt_in",
            Step::SetOptOut => "set opt_out",
            Step::SetVar { .. } => "set",
            Step::If(_) => "if",
            Step::Goto(_) => "goto",
            Step::Handoff(_) => "handoff",
            Step::End => "end",
        }
    }
}

/// The type after `ask ... as`.
#[derive(Debug, Clone, PartialEq)]
pub enum AskType {
    Text,
    Number,
    Digits(Option<u32>),
    Date,
    Email,
    Phone,
    Rating,
    YesNo,
    Choice(Vec<Str>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub method: Method,
    pub method_span: Span,
    pub url: Str,
    pub with: Vec<WithEntry>,
    pub bind: Name,
    pub otherwise: Option<Block<Step>>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn parse(text: &str) -> Option<Method> {
        Some(match text {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// `key: "value"` inside `with { }`.
#[derive(Debug, Clone, PartialEq)]
pub struct WithEntry {
    pub key: String,
    pub key_span: Span,
    /// The key was written as a string.
    pub quoted_key: bool,
    pub value: Str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct If {
    pub condition: Expr,
    pub then: Block<Step>,
    pub otherwise: Option<Else>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Else {
    Block(Block<Step>),
    /// `else if ...` (an addition to LANGUAGE.md: the same as `else { if ... }`).
    If(Box<Node<Step>>),
}

/// The text of an `if` condition, trimmed.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub text: String,
    pub span: Span,
}

// test --------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub struct Test {
    pub name: Str,
    pub body: Block<TestStmt>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TestStmt {
    Contact(Vec<ContactField>),
    Mock(Mock),
    User(Str),
    Expect(Expect),
    Bot { contains: bool, text: Str },
    AgentReleases,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ContactField {
    Name(Str),
    Phone(Str),
    Audience(AudienceRef),
    Language(Tag),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mock {
    pub method: Method,
    pub url: Str,
    pub answer: MockAnswer,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MockAnswer {
    Returns {
        status: Option<(u16, Span)>,
        body: Option<Str>,
    },
    Fails,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    Menu(Name),
    Intent(Name),
    Audience(AudienceRef),
    Handoff,
    End,
    OptIn,
    OptOut,
    Fallback,
}
