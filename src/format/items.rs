//! The file and its items: `bot` and its settings, `audience`, `menu` and its options,
//! `intent`, `template`. (`test` is in `test_items.rs`, steps in `steps.rs`.)

use super::printer::Printer;
use crate::ast::{
    AudienceRef, File, IntentStmt, Item, MenuOption, MenuStmt, Name, Node, PolicyRef, Setting,
    Target, TemplateStmt,
};
use crate::source::Span;

impl Printer<'_> {
    /// The whole file: items one after the other, comments after the last one.
    ///
    /// A block item (`bot`, `menu`, `intent`, `template`, `test`) always has a blank line
    /// before and after it; one-line `audience` items may stand together, so between two of them
    /// the author's choice (a blank line or none) is kept.
    pub(super) fn file(&mut self, file: &File) {
        let mut previous: Option<(usize, bool)> = None;
        for item in &file.items {
            let block = !matches!(item.kind, Item::Audience(_));
            let start = item.span.start as usize;
            let force = previous.is_some_and(|(_, was_block)| was_block || block);
            let end = previous.map(|(end, _)| end);
            self.comment_group(&item.trivia.leading, end.unwrap_or(0), start, end, force);
            self.depth = 0;
            self.statement_at(start);
            self.item(item);
            let end = self.code_end(item.span);
            self.end_line(end);
            previous = Some((end, block));
        }
        let end = previous.map(|(end, _)| end);
        let len = self.text_len();
        self.comment_group(&file.end_comments, end.unwrap_or(0), len, end, false);
        self.trim_end();
    }

    fn item(&mut self, item: &Node<Item>) {
        match &item.kind {
            Item::Bot(bot) => {
                self.push("bot ");
                self.literal(&bot.name);
                self.push(" {");
                self.block(&bot.settings, &[], |p, node| p.setting(&node.kind));
            }
            Item::Audience(audience) => {
                self.push("audience ");
                self.name(&audience.name);
                if let Some(label) = &audience.label {
                    self.push(" ");
                    self.literal(label);
                }
            }
            Item::Menu(menu) => {
                self.push("menu ");
                self.name(&menu.name);
                self.audiences(&menu.audiences, 2);
                self.push(" {");
                self.block(&menu.body, &[], |p, node| match &node.kind {
                    MenuStmt::Option(option) => p.option(option),
                    MenuStmt::Step(step) => p.step(step, node.span),
                });
            }
            Item::Intent(intent) => {
                self.push("intent ");
                self.name(&intent.name);
                self.audiences(&intent.audiences, 2);
                self.push(" {");
                self.block(&intent.body, &[], |p, node| match &node.kind {
                    IntentStmt::Examples(examples) => {
                        p.push("examples ");
                        let spans: Vec<Span> = examples.iter().map(|s| s.span).collect();
                        p.comma_list(&spans, 1);
                    }
                    IntentStmt::Category(name) => {
                        p.push("category ");
                        p.name(name);
                    }
                    IntentStmt::Step(step) => p.step(step, node.span),
                });
            }
            Item::Template(template) => {
                self.push("template ");
                self.name(&template.name);
                self.push(" {");
                self.block(&template.body, &[], |p, node| p.template_stmt(&node.kind));
            }
            Item::Test(test) => self.test(test),
        }
    }

    fn setting(&mut self, setting: &Setting) {
        self.push(setting.keyword());
        self.push(" ");
        match setting {
            Setting::Business(name) => self.name(name),
            Setting::Language(tag) => self.push(&tag.text),
            Setting::Policy(PolicyRef::Builtin(name)) => self.name(name),
            Setting::Policy(PolicyRef::File(path)) => self.literal(path),
            Setting::Start { target, audiences } => {
                self.target(target);
                self.audiences(audiences, 1);
            }
            Setting::Fallback(text)
            | Setting::HandoffMessage(text)
            | Setting::Api(text)
            | Setting::Support(text)
            | Setting::ListButton(text)
            | Setting::Timezone(text)
            | Setting::Approval(text) => self.literal(text),
            Setting::OptOut(words) => {
                let spans: Vec<Span> = words.iter().map(|s| s.span).collect();
                self.comma_list(&spans, 1);
            }
            Setting::Session(duration) => self.push(&duration.text),
        }
    }

    fn option(&mut self, option: &MenuOption) {
        self.push("option ");
        self.literal(&option.label);
        if let Some(description) = &option.description {
            self.push(" ");
            self.literal(description);
        }
        self.push(" -> ");
        self.target(&option.target);
        if let Some(audience) = &option.sets_audience {
            self.push(" sets audience ");
            self.audience_ref(audience);
        }
    }

    fn template_stmt(&mut self, stmt: &TemplateStmt) {
        match stmt {
            TemplateStmt::Category(name) => {
                self.push("category ");
                self.name(name);
            }
            TemplateStmt::Language(tag) => {
                self.push("language ");
                self.push(&tag.text);
            }
            TemplateStmt::Header(text) => {
                self.push("header ");
                self.literal(text);
            }
            TemplateStmt::Body(text) => {
                self.push("body ");
                self.literal(text);
            }
            TemplateStmt::Footer(text) => {
                self.push("footer ");
                self.literal(text);
            }
            TemplateStmt::Button { label, target } => {
                self.push("button ");
                self.literal(label);
                if let Some(target) = target {
                    self.push(" -> ");
                    self.target(target);
                }
            }
        }
    }

    // ---- leaves ------------------------------------------------------------------------------

    /// A name as written (the tree holds it NFC-normalised; the file keeps the author's bytes).
    pub(super) fn name(&mut self, name: &Name) {
        let text = self.text(name.span);
        self.push(text);
    }

    /// ` for A, B` when there are audiences; continuation lines `extra` levels deeper.
    fn audiences(&mut self, audiences: &[Name], extra: usize) {
        if audiences.is_empty() {
            return;
        }
        self.push(" for ");
        let spans: Vec<Span> = audiences.iter().map(|n| n.span).collect();
        self.comma_list(&spans, extra);
    }

    pub(super) fn target(&mut self, target: &Target) {
        match target {
            Target::Named(name) => self.name(name),
            Target::Handoff(_) => self.push("handoff"),
            Target::End(_) => self.push("end"),
        }
    }

    pub(super) fn audience_ref(&mut self, audience: &AudienceRef) {
        match audience {
            AudienceRef::Named(name) => self.name(name),
            AudienceRef::None(_) => self.push("none"),
        }
    }
}
