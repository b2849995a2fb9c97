//! Mermaid flowchart text, which GitHub renders as is inside a ```` ```mermaid ```` block.
//!
//! Every label is a quoted string whose risky characters are Mermaid entity codes, so no label
//! can end a string, start Markdown, or be read as HTML: `"` `#` `&` `<` `>` `` ` `` `|`.
//! Accents and emoji stay as they are (Mermaid text is UTF-8).

use super::{audience_colour, one_line, EdgeKind, Graph, Node, NodeKind};
use std::fmt::Write;

pub fn render(graph: &Graph) -> String {
    let mut out = String::new();
    if !graph.title.is_empty() {
        // A comment: the title needs no escaping beyond staying on its line.
        let _ = writeln!(out, "%% {} (charla graph)", one_line(&graph.title));
    }
    out.push_str("flowchart LR\n");
    let groups = graph.audience_groups();
    for node in graph.ungrouped() {
        let _ = writeln!(out, "  {}", node_line(node));
    }
    for (g, (audiences, members)) in groups.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph audience_{g}[\"{}\"]",
            text(&graph.group_title(audiences))
        );
        for &i in members {
            if let Some(node) = graph.nodes.get(i) {
                let _ = writeln!(out, "    {}", node_line(node));
            }
        }
        out.push_str("  end\n");
    }
    for (edge, from, to) in graph.joined_edges() {
        let arrow = match edge.kind {
            EdgeKind::Start => "==>",
            EdgeKind::Option | EdgeKind::Button => "-->",
            EdgeKind::Step => "-.->",
        };
        let label: Vec<String> = edge.label_lines().iter().map(|l| text(l)).collect();
        if label.is_empty() {
            let _ = writeln!(out, "  {} {arrow} {}", from.id, to.id);
        } else {
            let _ = writeln!(
                out,
                "  {} {arrow}|\"{}\"| {}",
                from.id,
                label.join("<br>"),
                to.id
            );
        }
    }
    styles(graph, &groups, &mut out);
    out
}

fn node_line(node: &Node) -> String {
    let mut lines = vec![match node.kind {
        NodeKind::Intent if node.free_text => format!("💬 {}", text(&node.name)),
        NodeKind::Undefined => format!("{}?", text(&node.name)),
        _ => text(&node.name),
    }];
    lines.extend(node.notes().iter().map(|n| text(n)));
    let label = lines.join("<br>");
    let id = &node.id;
    match node.kind {
        NodeKind::Start => format!("{id}([\"{label}\"])"),
        NodeKind::Menu | NodeKind::Undefined => format!("{id}[\"{label}\"]"),
        NodeKind::Intent => format!("{id}(\"{label}\")"),
        NodeKind::Template => format!("{id}[/\"{label}\"/]"),
        NodeKind::Handoff => format!("{id}{{{{\"{label}\"}}}}"),
        NodeKind::End => format!("{id}((\"{label}\"))"),
    }
}

fn styles(graph: &Graph, groups: &[(Vec<String>, Vec<usize>)], out: &mut String) {
    let classes: [Class; 7] = [
        ("start", "fill:#111827,stroke:#111827,color:#ffffff", |n| {
            n.kind == NodeKind::Start
        }),
        ("template", "fill:#ede9fe,stroke:#7c3aed", |n| {
            n.kind == NodeKind::Template
        }),
        ("handoff", "fill:#fde68a,stroke:#b45309", |n| {
            n.kind == NodeKind::Handoff
        }),
        // Not `end`: a keyword in Mermaid.
        ("finish", "fill:#e5e7eb,stroke:#374151", |n| {
            n.kind == NodeKind::End
        }),
        (
            "undefined",
            "fill:#fee2e2,stroke:#dc2626,stroke-dasharray:4 3",
            |n| n.kind == NodeKind::Undefined,
        ),
        ("unreachable", "stroke-dasharray:6 4,color:#6b7280", |n| {
            n.unreachable
        }),
        ("error", "stroke:#dc2626,stroke-width:3px", |n| {
            !n.errors.is_empty() || n.broken
        }),
    ];
    for (class, style, applies) in classes {
        let ids: Vec<&str> = graph
            .nodes
            .iter()
            .filter(|n| applies(n))
            .map(|n| n.id.as_str())
            .collect();
        if !ids.is_empty() {
            let _ = writeln!(out, "  classDef {class} {style}");
            let _ = writeln!(out, "  class {} {class}", ids.join(","));
        }
    }
    for (g, (audiences, _)) in groups.iter().enumerate() {
        // A group of several audiences takes the first one's colour; its title names them all.
        let (fill, stroke) = audiences
            .first()
            .map_or(("#f1f5f9", "#64748b"), |a| audience_colour(graph, a));
        let _ = writeln!(out, "  style audience_{g} fill:{fill},stroke:{stroke}");
    }
}

/// A Mermaid class: its name, its style, which nodes have it.
type Class = (&'static str, &'static str, fn(&Node) -> bool);

/// A label's text, safe inside Mermaid's double quotes.
pub fn text(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    for c in one_line(label).chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#38;"),
            '<' => out.push_str("#60;"),
            '>' => out.push_str("#62;"),
            '`' => out.push_str("#96;"),
            '|' => out.push_str("#124;"),
            c => out.push(c),
        }
    }
    out
}
