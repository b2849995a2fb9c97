//! Graphviz DOT text (`dot -Tsvg flow.dot > flow.svg`): audiences as filled clusters, the same
//! shapes and highlights as the other formats. Every string is quoted, with `\` and `"`
//! escaped, so a label can neither end its string nor become a Graphviz escape (`\N`, `\l`).

use super::{audience_colour, one_line, EdgeKind, Graph, Node, NodeKind};
use std::fmt::Write;

pub fn render(graph: &Graph) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", quote(&graph.title));
    out.push_str(concat!(
        "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=12, nodesep=0.25, ranksep=0.6",
        ", labelloc=t, labeljust=l]\n",
        "  node [fontname=\"Helvetica\", fontsize=12, shape=box, style=\"rounded,filled\"",
        ", fillcolor=\"#ffffff\", color=\"#334155\"]\n",
        "  edge [fontname=\"Helvetica\", fontsize=10, color=\"#475569\"]\n",
    ));
    if !graph.title.is_empty() {
        let _ = writeln!(out, "  label={}", quote(&graph.title));
    }
    let groups = graph.audience_groups();
    for node in graph.ungrouped() {
        let _ = writeln!(out, "  {}", node_line(node));
    }
    for (g, (audiences, members)) in groups.iter().enumerate() {
        let (fill, stroke) = audiences
            .first()
            .map_or(("#f1f5f9", "#64748b"), |a| audience_colour(graph, a));
        let _ = writeln!(out, "  subgraph cluster_audience_{g} {{");
        let _ = writeln!(
            out,
            "    label={}; style=\"rounded,filled\"; fillcolor=\"{fill}\"; color=\"{stroke}\"",
            quote(&graph.group_title(audiences))
        );
        for &i in members {
            if let Some(node) = graph.nodes.get(i) {
                let _ = writeln!(out, "    {}", node_line(node));
            }
        }
        out.push_str("  }\n");
    }
    for (edge, from, to) in graph.joined_edges() {
        let mut attrs = Vec::new();
        let label = edge.label_lines();
        if !label.is_empty() {
            attrs.push(format!("label={}", quote_lines(&label)));
        }
        match edge.kind {
            EdgeKind::Start => attrs.push("penwidth=2, color=\"#111827\"".to_string()),
            EdgeKind::Button => attrs.push("color=\"#7c3aed\"".to_string()),
            EdgeKind::Step => attrs.push("style=dashed, color=\"#94a3b8\"".to_string()),
            EdgeKind::Option => {}
        }
        let _ = write!(out, "  {} -> {}", from.id, to.id);
        if !attrs.is_empty() {
            let _ = write!(out, " [{}]", attrs.join(", "));
        }
        out.push('\n');
    }
    out.push_str("}\n");
    out
}

fn node_line(node: &Node) -> String {
    let mut lines = vec![match node.kind {
        NodeKind::Undefined => format!("{}?", node.name),
        _ => node.name.clone(),
    }];
    if node.free_text {
        lines.push("(free text)".to_string());
    }
    lines.extend(node.notes());
    let (shape, rounded, fill, stroke) = match node.kind {
        NodeKind::Start => ("box", true, "#111827", "#111827"),
        NodeKind::Menu => ("box", false, "#ffffff", "#334155"),
        NodeKind::Intent => ("box", true, "#ffffff", "#334155"),
        NodeKind::Template => ("parallelogram", false, "#ede9fe", "#7c3aed"),
        NodeKind::Handoff => ("hexagon", false, "#fde68a", "#b45309"),
        NodeKind::End => ("doublecircle", false, "#e5e7eb", "#374151"),
        NodeKind::Undefined => ("box", false, "#fee2e2", "#dc2626"),
    };
    let mut style = vec!["filled"];
    if rounded {
        style.push("rounded");
    }
    if node.unreachable || node.kind == NodeKind::Undefined {
        style.push("dashed");
    }
    let failed = !node.errors.is_empty() || node.broken;
    let mut attrs = vec![
        format!("label={}", quote_lines(&lines)),
        format!("shape={shape}"),
        format!("style=\"{}\"", style.join(",")),
        format!("fillcolor=\"{fill}\""),
        format!("color=\"{}\"", if failed { "#dc2626" } else { stroke }),
    ];
    if node.kind == NodeKind::Start {
        attrs.push("fontcolor=\"#ffffff\"".to_string());
    } else if node.unreachable {
        attrs.push("fontcolor=\"#6b7280\"".to_string());
    }
    if failed {
        attrs.push("penwidth=3".to_string());
    }
    if !node.errors.is_empty() {
        attrs.push(format!("tooltip={}", quote(&node.errors.join("; "))));
    }
    format!("{} [{}]", node.id, attrs.join(", "))
}

/// A DOT string: `"..."` with `\` and `"` escaped.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in one_line(text).chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Lines joined by DOT's centred line break.
fn quote_lines(lines: &[String]) -> String {
    let quoted: Vec<String> = lines.iter().map(|l| quote(l)).collect();
    let inner: Vec<&str> = quoted
        .iter()
        .map(|q| q.get(1..q.len() - 1).unwrap_or(""))
        .collect();
    format!("\"{}\"", inner.join("\\n"))
}
