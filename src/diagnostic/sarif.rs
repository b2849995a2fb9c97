//! SARIF 2.1.0, the OASIS format that code scanning reads (GitHub's `upload-sarif`, IDE
//! viewers): one log, one run, a rule for each code reported and a result for each diagnostic.
//!
//! Lines and columns are those of `--format json`: 1-based, columns counting characters. SARIF
//! counts columns in UTF-16 code units unless the run says otherwise, so the run declares
//! `"columnKind": "unicodeCodePoints"`; then an emoji is one column here, as in JSON.
//!
//! File names become URIs relative to a base folder (the current directory, which in CI is the
//! repository's root) with forward slashes and percent-encoding; a file outside the base gets an
//! absolute `file://` URI. Computing them is pure: the caller passes the base in.

use super::codes::{self, Code};
use super::render::position;
use super::{Diagnostic, Label, Severity};
use crate::source::SourceFile;
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

/// Where the log says its schema is: the 2.1.0 schema as published by SchemaStore.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A SARIF log being gathered over several bots; [`Sarif::finish`] makes the one JSON value.
#[derive(Default)]
pub struct Sarif {
    /// Each result with the code it reports; `ruleIndex` is filled in at the end, when the
    /// rules (the codes used, in registry order) are known.
    results: Vec<(&'static str, Value)>,
    codes: BTreeSet<&'static str>,
}

impl Sarif {
    /// Adds one bot's diagnostics; `base` is the folder URIs are relative to.
    pub fn add(&mut self, files: &[SourceFile], diagnostics: &[Diagnostic], base: &Path) {
        for d in diagnostics {
            self.codes.insert(d.code);
            self.results.push((d.code, result(files, d, base)));
        }
    }

    /// The whole log.
    pub fn finish(self) -> Value {
        // Registry order keeps the rules (and so every `ruleIndex`) stable from run to run.
        let used: Vec<&'static Code> = codes::CODES
            .iter()
            .filter(|c| self.codes.contains(c.code))
            .collect();
        let results: Vec<Value> = self
            .results
            .into_iter()
            .map(|(code, result)| {
                let mut object = Map::new();
                object.insert("ruleId".into(), code.into());
                if let Some(index) = used.iter().position(|c| c.code == code) {
                    object.insert("ruleIndex".into(), index.into());
                }
                if let Value::Object(rest) = result {
                    object.extend(rest);
                }
                Value::Object(object)
            })
            .collect();
        let mut driver = Map::new();
        driver.insert("name".into(), "charla".into());
        driver.insert("version".into(), env!("CARGO_PKG_VERSION").into());
        // Only a real address: the package declares none yet, and a guessed one would send
        // people to a page that does not exist.
        if let Some(uri) = information_uri() {
            driver.insert("informationUri".into(), uri.into());
        }
        driver.insert(
            "rules".into(),
            used.iter().map(|c| rule(c)).collect::<Vec<_>>().into(),
        );
        json!({
            "$schema": SCHEMA_URI,
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": driver},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }],
        })
    }
}

fn information_uri() -> Option<&'static str> {
    [env!("CARGO_PKG_HOMEPAGE"), env!("CARGO_PKG_REPOSITORY")]
        .into_iter()
        .find(|s| !s.is_empty())
}

/// A reporting descriptor: what a code means, from its registry entry and explanation.
fn rule(code: &Code) -> Value {
    let level = level(code.severity);
    let body = explanation_body(code.explanation);
    json!({
        "id": code.code,
        "name": rule_name(code.summary),
        "shortDescription": {"text": code.summary},
        "fullDescription": {"text": first_paragraph(body).unwrap_or_else(|| code.summary.to_string())},
        "help": {
            "text": format!("{body}\n\nmore: charla explain {}", code.code),
            "markdown": format!("{body}\n\nMore: `charla explain {}`", code.code),
        },
        "defaultConfiguration": {"level": level},
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The explanation without its `# CODE: summary` heading (the rule's id and short description
/// say that already).
fn explanation_body(explanation: &str) -> &str {
    let text = explanation.trim();
    match text.strip_prefix('#') {
        Some(rest) => rest.split_once('\n').map_or("", |(_, body)| body).trim(),
        None => text,
    }
}

/// The first paragraph as one line: SARIF's `fullDescription` is a short text, not a page.
fn first_paragraph(body: &str) -> Option<String> {
    let lines: Vec<&str> = body
        .lines()
        .map(str::trim)
        .take_while(|l| !l.is_empty())
        .collect();
    (!lines.is_empty()).then(|| lines.join(" "))
}

/// A rule name as SARIF suggests (an identifier a person understands): the summary's words in
/// PascalCase without a leading article, `an undefined menu or intent` -> `UndefinedMenuOrIntent`.
fn rule_name(summary: &str) -> String {
    let mut words = summary
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .peekable();
    if words
        .peek()
        .is_some_and(|w| matches!(*w, "a" | "an" | "the"))
    {
        words.next();
    }
    let mut name = String::new();
    for word in words {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.extend(first.to_uppercase());
            name.push_str(chars.as_str());
        }
    }
    name
}

/// One diagnostic as a SARIF result.
fn result(files: &[SourceFile], d: &Diagnostic, base: &Path) -> Value {
    // The help goes into the message: most viewers show only the message beside the line.
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let mut result = json!({
        "ruleId": d.code,
        "level": level(d.severity),
        "message": {"text": text},
        "locations": location(files, &d.primary, base, None).into_iter().collect::<Vec<_>>(),
    });
    let related: Vec<Value> = d
        .secondary
        .iter()
        .enumerate()
        .filter_map(|(i, label)| location(files, label, base, Some(i + 1)))
        .collect();
    if let (false, Some(object)) = (related.is_empty(), result.as_object_mut()) {
        object.insert("relatedLocations".into(), related.into());
    }
    if let (Some(fix), Some(object)) = (fix(files, d, base), result.as_object_mut()) {
        object.insert("fixes".into(), json!([fix]));
    }
    result
}

/// A did-you-mean as a SARIF fix: the misspelt word replaced by the suggested name.
fn fix(files: &[SourceFile], d: &Diagnostic, base: &Path) -> Option<Value> {
    let replacement = d.replacement.as_ref()?;
    let file = files.get(d.primary.span.file.0 as usize)?;
    let word = Label {
        span: d.replacement_span(&file.text)?,
        message: String::new(),
    };
    let p = position(files, &word);
    Some(json!({
        "description": {
            "text": format!("Change `{}` to `{}`", replacement.written, replacement.with),
        },
        "artifactChanges": [{
            "artifactLocation": artifact(file, base),
            "replacements": [{
                "deletedRegion": {
                    "startLine": p.line, "startColumn": p.column,
                    "endLine": p.end_line, "endColumn": p.end_column,
                },
                "insertedContent": { "text": replacement.with },
            }],
        }],
    }))
}

/// Where a file is, as SARIF names it: relative to `%SRCROOT%` when it is under `base`, else
/// an absolute `file://` URI.
fn artifact(file: &SourceFile, base: &Path) -> Map<String, Value> {
    let mut artifact = Map::new();
    match relative_uri(Path::new(&file.name), base) {
        Some(uri) => {
            artifact.insert("uri".into(), uri.into());
            // The standard name for "the root of the sources": code scanning resolves it to
            // the checkout.
            artifact.insert("uriBaseId".into(), "%SRCROOT%".into());
        }
        None => {
            artifact.insert(
                "uri".into(),
                absolute_uri(Path::new(&file.name), base).into(),
            );
        }
    }
    artifact
}

/// A label as a SARIF location (`None` if its file is not among `files`, which a diagnostic
/// from the compiler never does; SARIF then gets no location rather than a made-up one).
fn location(files: &[SourceFile], label: &Label, base: &Path, id: Option<usize>) -> Option<Value> {
    let file = files.get(label.span.file.0 as usize)?;
    let p = position(files, label);
    let artifact = artifact(file, base);
    let mut location = Map::new();
    if let Some(id) = id {
        location.insert("id".into(), id.into());
    }
    location.insert(
        "physicalLocation".into(),
        json!({
            "artifactLocation": artifact,
            "region": {
                "startLine": p.line, "startColumn": p.column,
                "endLine": p.end_line, "endColumn": p.end_column,
            },
        }),
    );
    if !label.message.is_empty() {
        location.insert("message".into(), json!({"text": label.message}));
    }
    Some(location.into())
}

/// `path` as a URI relative to `base` (`tests/fixtures/a%20b.charla`), or `None` if it is not
/// inside `base`. Both are taken lexically (`.` and `..` folded, no file system access).
fn relative_uri(path: &Path, base: &Path) -> Option<String> {
    let full = normalize(&base.join(path));
    let base = normalize(base);
    let rest = full.strip_prefix(&base).ok()?;
    let segments: Vec<String> = rest
        .components()
        .map(|c| encode_segment(&c.as_os_str().to_string_lossy()))
        .collect();
    (!segments.is_empty()).then(|| segments.join("/"))
}

/// `path` as an absolute `file://` URI, for a file outside the base folder.
fn absolute_uri(path: &Path, base: &Path) -> String {
    let full = normalize(&base.join(path));
    let mut uri = String::from("file://");
    for component in full.components() {
        match component {
            // `C:` on Windows: `file:///C:/...`, the drive letter kept as it is.
            Component::Prefix(prefix) => {
                uri.push('/');
                uri.push_str(&prefix.as_os_str().to_string_lossy().replace('\\', "/"));
            }
            Component::RootDir => {}
            other => {
                uri.push('/');
                uri.push_str(&encode_segment(&other.as_os_str().to_string_lossy()));
            }
        }
    }
    if uri == "file://" {
        uri.push('/');
    }
    uri
}

/// Folds `.` and `..` without touching the file system (the path may name a file that a
/// symbolic link would resolve elsewhere; the user's spelling is what they recognise).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Percent-encodes one path segment: everything but RFC 3986's unreserved characters, so
/// spaces, `#`, `%`, `:` and non-ASCII names (as UTF-8 bytes) make a valid URI.
fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_pascal_case_without_article() {
        assert_eq!(
            rule_name("an undefined menu or intent"),
            "UndefinedMenuOrIntent"
        );
        assert_eq!(rule_name("a `{% %}` tag in a text"), "TagInAText");
        assert_eq!(rule_name("no `bot` block"), "NoBotBlock");
    }

    #[test]
    fn every_code_has_a_distinct_rule_name_and_a_description() {
        let mut names = BTreeSet::new();
        for code in codes::CODES {
            assert!(names.insert(rule_name(code.summary)), "{}", code.code);
            assert!(
                first_paragraph(explanation_body(code.explanation)).is_some(),
                "{}",
                code.code
            );
        }
    }

    #[test]
    fn paths_inside_the_base_are_relative_with_forward_slashes() {
        let base = Path::new("/repo");
        assert_eq!(
            relative_uri(Path::new("bots/./a b/açaí.charla"), base).as_deref(),
            Some("bots/a%20b/a%C3%A7a%C3%AD.charla")
        );
        assert_eq!(
            relative_uri(Path::new("/repo/x/../bot.charla"), base).as_deref(),
            Some("bot.charla")
        );
        assert_eq!(relative_uri(Path::new("../other/bot.charla"), base), None);
        assert_eq!(
            absolute_uri(Path::new("../other/bot #1.charla"), base),
            "file:///other/bot%20%231.charla"
        );
    }
}
