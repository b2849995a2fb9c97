//! `charla graph`: the flow drawn as Mermaid, DOT and SVG.
//!
//! The text formats are snapshots (TotalPass and the small bots in `tests/graph/`); the SVG is
//! checked as XML (well-formed, every menu and intent named, nothing overlapping) and
//! `docs/totalpass-flow.svg`, the picture in the README, must be what charla draws today. The
//! command itself is run as a real binary for its exit codes.
//!
//! To accept new snapshots: `INSTA_UPDATE=always cargo test --test graph`, then read them.

#[allow(dead_code)] // each test crate uses only part of the helpers
mod support;

use charla::graph::{dot, mermaid, svg, Graph, NodeKind};
use charla::source::SourceFile;
use std::path::{Path, PathBuf};
use support::{charla, crate_root, example_bots, read_bot, TempDir};

/// A bot (a file or a folder) compiled, with its graph.
struct Drawn {
    graph: Graph,
    /// The menus and intents of the model, when the bot has no errors.
    flows: Vec<String>,
}

fn draw(path: &Path) -> Drawn {
    let sources = if path.is_dir() {
        read_bot(path).0
    } else {
        vec![SourceFile::from_bytes(
            path.file_name().unwrap().to_string_lossy(),
            std::fs::read(path).unwrap(),
        )]
    };
    draw_sources(&sources)
}

fn draw_sources(sources: &[SourceFile]) -> Drawn {
    let compiled = charla::compile(sources, &charla::Options::default());
    let flows = compiled
        .model
        .as_ref()
        .map(|m| m.menus.keys().chain(m.intents.keys()).cloned().collect())
        .unwrap_or_default();
    Drawn {
        graph: Graph::build(sources, &compiled.files, &compiled.diagnostics),
        flows,
    }
}

fn totalpass() -> PathBuf {
    crate_root().join("examples/totalpass")
}

fn bot(name: &str) -> PathBuf {
    crate_root()
        .join("tests/graph")
        .join(format!("{name}.charla"))
}

/// The SVG parsed, or the parse error with the line it is on.
fn parse_svg(text: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("the SVG is not XML: {e}"))
}

/// The `<g class="node ...">` of a menu or intent, by name.
fn svg_node<'a>(doc: &'a roxmltree::Document, name: &str) -> roxmltree::Node<'a, 'a> {
    doc.descendants()
        .find(|n| {
            n.attribute("data-name") == Some(name)
                && n.attribute("class").is_some_and(|c| c.starts_with("node "))
        })
        .unwrap_or_else(|| panic!("no node for `{name}` in the SVG"))
}

fn texts(node: roxmltree::Node) -> Vec<String> {
    node.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").to_string())
        .collect()
}

// Snapshots of the text formats -------------------------------------------------------------

#[test]
fn totalpass_as_mermaid() {
    insta::assert_snapshot!(mermaid::render(&draw(&totalpass()).graph));
}

#[test]
fn totalpass_as_dot() {
    insta::assert_snapshot!(dot::render(&draw(&totalpass()).graph));
}

#[test]
fn small_bot_as_mermaid() {
    insta::assert_snapshot!(mermaid::render(&draw(&bot("small")).graph));
}

#[test]
fn small_bot_as_dot() {
    insta::assert_snapshot!(dot::render(&draw(&bot("small")).graph));
}

#[test]
fn bot_with_errors_as_mermaid() {
    insta::assert_snapshot!(mermaid::render(&draw(&bot("errors")).graph));
}

#[test]
fn labels_with_quotes_and_accents_as_mermaid() {
    insta::assert_snapshot!(mermaid::render(&draw(&bot("labels")).graph));
}

// What the graph holds ------------------------------------------------------------------------

#[test]
fn totalpass_has_every_menu_intent_and_template_and_what_leads_where() {
    let drawn = draw(&totalpass());
    let graph = &drawn.graph;
    assert_eq!(
        drawn.flows.len(),
        30,
        "TotalPass's menus and intents changed"
    );
    for name in &drawn.flows {
        assert!(graph.find(name).is_some(), "`{name}` is not in the graph");
    }
    let count = |kind| graph.nodes.iter().filter(|n| n.kind == kind).count();
    assert_eq!(count(NodeKind::Template), 3);
    assert_eq!(count(NodeKind::Start), 1);
    assert_eq!(count(NodeKind::Handoff), 1);
    assert_eq!(count(NodeKind::End), 1);
    assert!(graph
        .nodes
        .iter()
        .all(|n| !n.unreachable && n.errors.is_empty()));
    // Five audiences, and `classes` is for two of them.
    assert_eq!(graph.audiences.len(), 5);
    assert_eq!(
        graph.find("classes").unwrap().audiences,
        ["member", "dependent"]
    );
    let edge = |from: &str, to: &str| {
        graph
            .edges
            .iter()
            .find(|e| graph.nodes[e.from].name == from && graph.nodes[e.to].name == to)
    };
    let welcome = edge("welcome", "member_home").expect("welcome -> member_home");
    assert_eq!(welcome.label.as_deref(), Some("Sou usuário"));
    assert_eq!(welcome.sets_audience.as_deref(), Some("member"));
    // A `goto` inside a call's `else` is an edge too, and a template button leads on.
    assert!(edge("billing", "member_home").is_some());
    assert!(edge("class_reminder", "cancel_class").is_some());
    assert!(edge("goodbye", "end").is_some());
    assert!(edge("human", "handoff").is_some());
}

#[test]
fn unreachable_menu_is_highlighted() {
    let graph = draw(&bot("unreachable")).graph;
    let old = graph.find("old_menu").unwrap();
    assert!(old.unreachable && old.errors.is_empty());
    assert!(graph.nodes.iter().filter(|n| n.unreachable).count() == 1);

    let mermaid = mermaid::render(&graph);
    assert!(
        mermaid.contains("menu_old_menu[\"old_menu<br>unreachable\"]")
            && mermaid.contains("  class menu_old_menu unreachable\n"),
        "{mermaid}"
    );
    let dot = dot::render(&graph);
    let line = dot.lines().find(|l| l.contains("menu_old_menu [")).unwrap();
    assert!(
        line.contains("dashed") && line.contains("unreachable"),
        "{line}"
    );

    let svg = svg::render(&graph);
    let doc = parse_svg(&svg);
    let node = svg_node(&doc, "old_menu");
    assert!(node.attribute("class").unwrap().contains("unreachable"));
    assert!(texts(node).contains(&"unreachable".to_string()));
    assert!(!svg_node(&doc, "home")
        .attribute("class")
        .unwrap()
        .contains("unreachable"));
}

#[test]
fn bot_with_errors_is_drawn_from_what_parsed_with_errors_on_their_nodes() {
    let graph = draw(&bot("errors")).graph;
    // The option to a misspelt name: the error is on the menu, the name is drawn as undefined.
    let home = graph.find("home").unwrap();
    assert_eq!(home.errors.len(), 1);
    assert!(home.errors[0].starts_with("E0105: "), "{:?}", home.errors);
    let undefined = graph.nodes.iter().find(|n| n.name == "hourz").unwrap();
    assert_eq!(undefined.kind, NodeKind::Undefined);
    // The menu that does not parse is still there, known by its first line.
    let refunds = graph.find("refunds").unwrap();
    assert!(refunds.broken && refunds.errors[0].starts_with("E0004: "));
    assert!(graph
        .edges
        .iter()
        .any(|e| graph.nodes[e.to].name == "refunds"));
    // With a syntax error, check says nothing of reachability, and neither does the picture.
    assert!(graph.nodes.iter().all(|n| !n.unreachable));

    let svg = svg::render(&graph);
    let doc = parse_svg(&svg);
    for name in ["home", "refunds"] {
        let node = svg_node(&doc, name);
        assert!(node.attribute("class").unwrap().ends_with(" error"));
        let stroke = node
            .children()
            .find(|n| n.is_element() && !n.has_tag_name("title"))
            .and_then(|n| n.attribute("stroke"));
        assert_eq!(stroke, Some("#dc2626"), "{name}");
    }
    let tip = svg_node(&doc, "home")
        .children()
        .find(|n| n.has_tag_name("title"))
        .and_then(|n| n.text())
        .unwrap();
    assert!(
        tip.contains("E0105: there is no menu or intent named `hourz`"),
        "{tip}"
    );
}

#[test]
fn labels_with_quotes_brackets_markup_and_emoji_are_escaped() {
    let graph = draw(&bot("labels")).graph;
    let mermaid = mermaid::render(&graph);
    assert!(
        mermaid.contains(r#"-->|"Pão #quot;francês#quot; [2]"|"#),
        "{mermaid}"
    );
    assert!(
        mermaid.contains(r#"-->|"{Café} #124; #60;açúcar#62;"|"#),
        "{mermaid}"
    );
    assert!(
        mermaid.contains(r#"-->|"☕ #96;expresso#96; #35;1 ü"|"#),
        "{mermaid}"
    );
    // A name with an accent keeps it in its label; its id is plain ASCII.
    assert!(
        mermaid.contains(r#"menu_in_ued_cio["início"]"#),
        "{mermaid}"
    );
    for line in mermaid.lines().filter(|l| l.contains("-->|")) {
        let label = line.split('|').nth(1).unwrap();
        let inner = &label[1..label.len() - 1];
        assert!(!inner.contains(['"', '<', '>', '`']), "unescaped: {line}");
    }

    let dot = dot::render(&graph);
    assert!(dot.contains(r#"digraph "Café \"Zé\" <&> #1" {"#), "{dot}");
    assert!(dot.contains(r#"[label="Pão \"francês\" [2]"]"#), "{dot}");

    let svg = svg::render(&graph);
    let doc = parse_svg(&svg);
    let all: Vec<String> = texts(doc.root());
    for label in [
        "Pão \"francês\" [2]",
        "{Café} | <açúcar>",
        "☕ `expresso` #1 ü",
    ] {
        assert!(all.iter().any(|t| t == label), "{label} not in {all:?}");
    }
    assert!(all
        .iter()
        .any(|t| t == "Café \"Zé\" <&> #1: the bot's flow"));
}

#[test]
fn control_characters_in_labels_stay_out_of_every_format() {
    // `\u{1}` is a valid escape in a string, and XML refuses it even as `&#1;`.
    let source = SourceFile::new(
        "bot.charla",
        "bot \"A\\u{1}B\" {\n  business retail\n  start home\n  support \"https://x.example\"\n}\n\n\
         menu home {\n  say \"Hi\"\n  option \"Line\\nbreak\\u{7}\" -> handoff\n}\n",
    );
    let graph = draw_sources(&[source]).graph;
    let svg = svg::render(&graph);
    parse_svg(&svg);
    assert!(!svg.contains('\u{1}') && !svg.contains('\u{7}'));
    assert!(mermaid::render(&graph).contains(r#"-->|"Line break "|"#));
    assert!(dot::render(&graph).contains(r#"[label="Line break ""#));
}

// The SVG ------------------------------------------------------------------------------------

#[test]
fn svg_is_well_formed_xml_and_names_every_menu_and_intent() {
    for path in example_bots()
        .into_iter()
        .chain(["small", "unreachable"].map(bot))
    {
        let drawn = draw(&path);
        assert!(!drawn.flows.is_empty(), "{}", path.display());
        let svg = svg::render(&drawn.graph);
        let doc = parse_svg(&svg);
        assert!(doc
            .root_element()
            .has_tag_name(("http://www.w3.org/2000/svg", "svg")));
        for name in &drawn.flows {
            let node = svg_node(&doc, name);
            assert!(
                texts(node).contains(name),
                "{}: `{name}` is not written in its box",
                path.display()
            );
        }
    }
}

#[test]
fn svg_boxes_and_labels_never_overlap() {
    for path in example_bots().into_iter().chain([bot("small")]) {
        let graph = draw(&path).graph;
        let laid = svg::layout(&graph);
        let mut boxes: Vec<(String, charla::graph::layout::Rect)> = graph
            .nodes
            .iter()
            .map(|n| n.name.clone())
            .zip(laid.nodes.iter().copied())
            .collect();
        for (edge, route) in graph.edges.iter().zip(&laid.edges) {
            if let Some(label) = route.label {
                boxes.push((format!("label {:?}", edge.label), label));
            }
        }
        for (i, (a, ra)) in boxes.iter().enumerate() {
            for (b, rb) in &boxes[i + 1..] {
                let apart = ra.x + ra.w <= rb.x
                    || rb.x + rb.w <= ra.x
                    || ra.y + ra.h <= rb.y
                    || rb.y + rb.h <= ra.y;
                assert!(apart, "{}: {a} {ra:?} overlaps {b} {rb:?}", path.display());
            }
        }
        assert!(laid.width > 0.0 && laid.height > 0.0);
    }
}

#[test]
fn svg_of_totalpass_reads_left_to_right() {
    // Options lead rightwards: every option, start and button edge goes to a later column,
    // except the options that go back (`Manter meu plano` returns to `member_home`).
    let graph = draw(&totalpass()).graph;
    let laid = svg::layout(&graph);
    let backwards: Vec<String> = graph
        .edges
        .iter()
        .filter(|e| e.kind != charla::graph::EdgeKind::Step)
        .filter(|e| laid.nodes[e.to].x <= laid.nodes[e.from].x)
        .map(|e| format!("{} -> {}", graph.nodes[e.from].name, graph.nodes[e.to].name))
        .collect();
    assert_eq!(backwards, ["plans -> member_home"]);
}

/// The README shows `docs/totalpass-flow.svg`: it must be what charla draws today.
#[test]
fn readme_picture_is_current() {
    let drawn = svg::render(&draw(&totalpass()).graph);
    let path = crate_root().join("docs/totalpass-flow.svg");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == drawn,
        "docs/totalpass-flow.svg is not what charla draws now; run\n  \
         cargo run -- graph examples/totalpass -o docs/totalpass-flow.svg"
    );
}

/// The README's Mermaid block is the graph of the bot at the top of the README.
#[test]
fn readme_mermaid_is_the_readme_bot() {
    let readme = std::fs::read_to_string(crate_root().join("README.md")).unwrap();
    let block = |fence: &str| {
        let start = readme
            .find(fence)
            .unwrap_or_else(|| panic!("no {fence} in README"))
            + fence.len();
        let len = readme[start..].find("```").unwrap();
        readme[start..start + len].to_string()
    };
    let bot = SourceFile::new("bot.charla", block("```charla\n"));
    let drawn = mermaid::render(&draw_sources(&[bot]).graph);
    assert!(
        block("```mermaid\n") == drawn,
        "the README's mermaid block is not what charla draws for the README's bot:\n{drawn}"
    );
}

// Bad input never breaks it ------------------------------------------------------------------

#[test]
fn every_fixture_mistake_and_half_typed_bot_draws_in_every_format() {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [
        "tests/fixtures/ok",
        "tests/fixtures/err",
        "tests/fixtures/warn",
        "tests/mistakes",
    ] {
        for entry in std::fs::read_dir(crate_root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "charla") {
                files.push(path);
            }
        }
    }
    let mut bots: Vec<Vec<SourceFile>> = files
        .iter()
        .map(|p| {
            vec![SourceFile::from_bytes(
                "bot.charla",
                std::fs::read(p).unwrap(),
            )]
        })
        .collect();
    // Every prefix of a bot at each line, as an author types it.
    let small = std::fs::read_to_string(bot("small")).unwrap();
    for (at, _) in small.match_indices('\n') {
        bots.push(vec![SourceFile::new("bot.charla", &small[..at])]);
    }
    for sources in &bots {
        let graph = draw_sources(sources).graph;
        let svg = svg::render(&graph);
        parse_svg(&svg);
        assert!(mermaid::render(&graph).contains("flowchart LR\n"));
        assert!(dot::render(&graph).ends_with("}\n"));
    }
}

#[test]
fn a_chain_of_two_thousand_menus_draws_quickly() {
    // Two thousand layers, and an option from each menu back to the first: threading every
    // back edge through every column between would take millions of items.
    let mut text = String::from(
        "bot \"Chain\" {\n  business retail\n  start m0\n  support \"https://x.example\"\n}\n",
    );
    let count = 2000;
    for i in 0..count {
        let next = if i + 1 < count {
            format!("m{}", i + 1)
        } else {
            "handoff".to_string()
        };
        text.push_str(&format!(
            "menu m{i} {{\n  say \"Menu {i}\"\n  option \"Next\" -> {next}\n  option \"First\" -> m0\n}}\n"
        ));
    }
    let started = std::time::Instant::now();
    let graph = draw_sources(&[SourceFile::new("chain.charla", text)]).graph;
    let svg = svg::render(&graph);
    let elapsed = started.elapsed();
    parse_svg(&svg);
    assert_eq!(graph.nodes.len(), count + 2);
    assert!(
        elapsed < std::time::Duration::from_secs(10),
        "took {elapsed:?}"
    );
}

// The command --------------------------------------------------------------------------------

#[test]
fn graph_prints_mermaid_by_default_and_exits_0() {
    let run = charla(&["graph", "examples/totalpass"]).assert_exit(0);
    assert!(run.stdout.contains("flowchart LR\n"), "{run:?}");
    assert_eq!(run.stderr, "");
}

#[test]
fn graph_writes_the_format_asked_for_or_named_by_the_file() {
    let dir = TempDir::new("graph");
    let svg_path = dir.path().join("flow.svg");
    let run = charla(&[
        "graph",
        "examples/totalpass",
        "-o",
        svg_path.to_str().unwrap(),
    ])
    .assert_exit(0);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("drew"), "{run:?}");
    let written = std::fs::read_to_string(&svg_path).unwrap();
    parse_svg(&written);

    let run = charla(&["graph", "examples/totalpass", "--format", "dot"]).assert_exit(0);
    assert!(run.stdout.starts_with("digraph \"TotalPass\" {"), "{run:?}");
    let run = charla(&["graph", "examples/totalpass", "--format", "svg", "-o", "-"]).assert_exit(0);
    assert!(run.stdout.starts_with("<svg "), "{run:?}");
}

#[test]
fn graph_of_a_bot_with_errors_draws_it_prints_the_errors_and_exits_1() {
    let run = charla(&["graph", "tests/graph/errors.charla"]).assert_exit(1);
    assert!(
        run.stdout.contains("class menu_home,menu_refunds error"),
        "{run:?}"
    );
    assert!(run.stderr.contains("error[E0105]"), "{run:?}");
    assert!(run.stderr.contains("has 2 errors; drawn"), "{run:?}");
}

#[test]
fn graph_with_warnings_only_exits_0_and_stays_quiet() {
    let run = charla(&["graph", "tests/graph/unreachable.charla"]).assert_exit(0);
    assert_eq!(run.stderr, "");
}

#[test]
fn graph_usage_errors_exit_2() {
    let run = charla(&["graph", "no/such/bot"]).assert_exit(2);
    assert!(run.stderr.contains("cannot read `no/such/bot`"), "{run:?}");
    // A collection is several bots: one picture each would be one file each.
    let run = charla(&["graph", "examples"]).assert_exit(2);
    assert!(run.stderr.contains("draw one at a time"), "{run:?}");
    charla(&["graph", "examples/totalpass", "--format", "png"]).assert_exit(2);
    let dir = TempDir::new("graph-unwritable");
    let into_missing = dir.path().join("missing/flow.svg");
    let run = charla(&[
        "graph",
        "examples/totalpass",
        "-o",
        into_missing.to_str().unwrap(),
    ])
    .assert_exit(2);
    assert!(run.stderr.contains("cannot write"), "{run:?}");
}
