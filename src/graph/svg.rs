//! The picture as SVG, laid out by charla itself (`layout.rs`), so no Graphviz is needed.
//!
//! Text is measured with a table of typical sans-serif character widths (no font files are
//! read): boxes come out a little wide rather than too narrow. Every node is a
//! `<g class="node KIND" id="node-ID" data-name="NAME">` with a `<title>` (its errors, if any),
//! so a page showing the picture can find and highlight a node.

use super::layout::{self, Layout, Rect, Size, Waypoint};
use super::{audience_colour, one_line, EdgeKind, Graph, Node, NodeKind};
use std::fmt::Write;

const FONT: &str = "Helvetica, Arial, sans-serif";
const NAME_SIZE: f64 = 13.0;
const SMALL_SIZE: f64 = 10.0;
const LABEL_SIZE: f64 = 11.0;
const MARGIN: f64 = 24.0;
/// Names and labels longer than this are cut (the whole text is in the node's `<title>`).
const MAX_CHARS: usize = 34;

const INK: &str = "#1f2937";
const MUTED: &str = "#6b7280";
const RED: &str = "#dc2626";

/// How an edge of each kind is drawn: stroke colour, dash pattern.
fn edge_style(kind: EdgeKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        EdgeKind::Start => ("start", "#111827", ""),
        EdgeKind::Option => ("option", "#475569", ""),
        EdgeKind::Button => ("button", "#7c3aed", ""),
        EdgeKind::Step => ("step", "#94a3b8", "5 4"),
    }
}

/// Where the picture puts each node and edge (boxes sized for their text).
pub fn layout(graph: &Graph) -> Layout {
    let node_sizes: Vec<Size> = graph.nodes.iter().map(|n| Face::of(n).size()).collect();
    let label_sizes: Vec<Option<Size>> = graph
        .edges
        .iter()
        .map(|e| label_size(&edge_lines(e)))
        .collect();
    layout::layout(graph, &node_sizes, &label_sizes)
}

pub fn render(graph: &Graph) -> String {
    let nodes: Vec<Face> = graph.nodes.iter().map(Face::of).collect();
    let labels: Vec<Vec<(String, bool)>> = graph.edges.iter().map(edge_lines).collect();
    let laid = layout(graph);
    let legend = Legend::of(graph);
    let header = header_height(&legend, laid.width);
    let width = (laid.width.max(legend.min_width()) + 2.0 * MARGIN).ceil();
    let height = (header + laid.height + 2.0 * MARGIN).ceil();

    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\" font-family=\"{FONT}\" fill=\"{INK}\">",
        w = num(width),
        h = num(height)
    );
    let title = if graph.title.is_empty() {
        "the bot's flow".to_string()
    } else {
        format!("{}: the bot's flow", graph.title)
    };
    let _ = writeln!(out, "<title>{}</title>", xml(&title));
    defs(graph, &mut out);
    let _ = writeln!(
        out,
        "<rect width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>",
        num(width),
        num(height)
    );
    legend.draw(&title, width - 2.0 * MARGIN, &mut out);
    let _ = writeln!(
        out,
        "<g transform=\"translate({} {})\">",
        num(MARGIN),
        num(MARGIN + header)
    );
    draw_edges(graph, &laid, &mut out);
    draw_labels(graph, &laid, &labels, &mut out);
    let groups = graph.audience_groups();
    for (i, node) in graph.nodes.iter().enumerate() {
        if let (Some(face), Some(rect)) = (nodes.get(i), laid.nodes.get(i)) {
            let fill = audience_fill(graph, &groups, node);
            draw_node(node, face, fill, *rect, &mut out);
        }
    }
    out.push_str("</g>\n</svg>\n");
    out
}

/// What a node shows: a small caption (its kind), its name, and notes (unreachable, errors).
struct Face {
    caption: String,
    name: String,
    notes: Vec<String>,
}

impl Face {
    fn of(node: &Node) -> Face {
        let caption = match node.kind {
            NodeKind::Intent if node.free_text => "intent · free text".to_string(),
            NodeKind::Handoff => "to a person".to_string(),
            NodeKind::Start | NodeKind::End => String::new(),
            NodeKind::Undefined => "not defined".to_string(),
            kind => kind.word().to_string(),
        };
        let notes = node
            .notes()
            .into_iter()
            .filter(|n| !matches!(n.as_str(), "template" | "not defined"))
            .collect();
        Face {
            caption,
            name: cut(&node.name),
            notes,
        }
    }

    fn lines(&self) -> usize {
        1 + usize::from(!self.caption.is_empty()) + usize::from(!self.notes.is_empty())
    }

    fn size(&self) -> Size {
        let widths = [
            text_width(&self.name, NAME_SIZE, true),
            text_width(&self.caption, SMALL_SIZE, false),
            text_width(&self.notes.join(" · "), SMALL_SIZE, false),
        ];
        let text = widths.into_iter().fold(0.0, f64::max);
        Size {
            w: (text + 28.0).max(64.0).ceil(),
            h: 12.0 + 15.0 * self.lines() as f64,
        }
    }
}

/// An edge's label lines: (text, is the `sets audience` line).
fn edge_lines(edge: &super::Edge) -> Vec<(String, bool)> {
    let mut lines: Vec<(String, bool)> = edge.label.iter().map(|l| (cut(l), false)).collect();
    if let Some(sets) = &edge.sets_audience {
        lines.push((format!("sets {}", cut(sets)), true));
    }
    lines
}

fn label_size(lines: &[(String, bool)]) -> Option<Size> {
    if lines.is_empty() {
        return None;
    }
    let w = lines
        .iter()
        .map(|(t, _)| text_width(t, LABEL_SIZE, false))
        .fold(0.0, f64::max);
    Some(Size {
        w: (w + 10.0).ceil(),
        h: 4.0 + 13.0 * lines.len() as f64,
    })
}

/// Text longer than [`MAX_CHARS`] characters, cut with an ellipsis.
fn cut(text: &str) -> String {
    let text = one_line(text);
    if text.chars().count() <= MAX_CHARS {
        return text;
    }
    let mut out: String = text.chars().take(MAX_CHARS - 1).collect();
    out.push('…');
    out
}

/// The width of a text in a typical sans-serif face, from the widths of character classes
/// (in ems); a little generous, so text stays inside its box.
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let ems: f64 = text
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '\'' | '|' | '.' | ',' | ':' | ';' | '!' => 0.28,
            ' ' | 'f' | 't' | 'r' | 'I' | '(' | ')' | '[' | ']' | '-' => 0.36,
            'm' | 'w' | 'M' | 'W' | '@' => 0.86,
            'A'..='Z' => 0.68,
            '0'..='9' | 'a'..='z' | '_' | '?' | '*' => 0.57,
            c if c.is_ascii() => 0.6,
            // Wide scripts, symbols and emoji take about a square each.
            c if (c as u32) >= 0x1100 && !('\u{2000}'..='\u{206f}').contains(&c) => 1.05,
            _ => 0.6,
        })
        .sum();
    ems * size * if bold { 1.08 } else { 1.0 }
}

/// The title and the legend's rows above the flow.
fn header_height(legend: &Legend, layout_width: f64) -> f64 {
    let rows = legend.rows(layout_width.max(legend.min_width())).len() as f64;
    30.0 + rows * 20.0 + 12.0
}

/// The key under the title: audiences' colours, then what lines and borders mean.
struct Legend {
    /// (swatch fill, swatch stroke, dashed, text).
    entries: Vec<(String, String, bool, String)>,
}

impl Legend {
    fn of(graph: &Graph) -> Legend {
        let mut entries = Vec::new();
        for audience in &graph.audiences {
            let (fill, stroke) = audience_colour(graph, &audience.name);
            let text = if audience.label.is_empty() {
                audience.name.clone()
            } else {
                format!("{} · {}", audience.name, audience.label)
            };
            entries.push((fill.to_string(), stroke.to_string(), false, cut(&text)));
        }
        if !graph.audiences.is_empty() {
            entries.push(("#ffffff".into(), "#334155".into(), false, "everyone".into()));
        }
        if graph.nodes.iter().any(|n| n.unreachable) {
            entries.push(("#ffffff".into(), MUTED.into(), true, "unreachable".into()));
        }
        if graph.nodes.iter().any(|n| !n.errors.is_empty() || n.broken) {
            entries.push(("#ffffff".into(), RED.into(), false, "has errors".into()));
        }
        Legend { entries }
    }

    fn entry_width(text: &str) -> f64 {
        22.0 + text_width(text, SMALL_SIZE + 1.0, false) + 18.0
    }

    /// Wide enough for the widest entry and the line styles.
    fn min_width(&self) -> f64 {
        self.entries
            .iter()
            .map(|e| Legend::entry_width(&e.3))
            .fold(360.0, f64::max)
    }

    /// Entries in rows that fit `width`; the line styles take the last row.
    fn rows(&self, width: f64) -> Vec<Vec<usize>> {
        let mut rows: Vec<Vec<usize>> = vec![Vec::new()];
        let mut used = 0.0;
        for (i, entry) in self.entries.iter().enumerate() {
            let w = Legend::entry_width(&entry.3);
            if used + w > width && rows.last().is_some_and(|r| !r.is_empty()) {
                rows.push(Vec::new());
                used = 0.0;
            }
            if let Some(row) = rows.last_mut() {
                row.push(i);
            }
            used += w;
        }
        if rows.last().is_some_and(|r| !r.is_empty()) {
            rows.push(Vec::new());
        }
        rows
    }

    fn draw(&self, title: &str, width: f64, out: &mut String) {
        out.push_str("<g class=\"legend\">\n");
        let _ = writeln!(
            out,
            "<text x=\"{m}\" y=\"{y}\" font-size=\"18\" font-weight=\"700\">{}</text>",
            xml(title),
            m = num(MARGIN),
            y = num(MARGIN + 14.0)
        );
        let rows = self.rows(width);
        let last = rows.len().saturating_sub(1);
        for (r, row) in rows.iter().enumerate() {
            let y = MARGIN + 30.0 + r as f64 * 20.0;
            let mut x = MARGIN;
            for &i in row {
                let Some((fill, stroke, dashed, text)) = self.entries.get(i) else {
                    continue;
                };
                let dash = if *dashed {
                    " stroke-dasharray=\"4 3\""
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "<rect x=\"{}\" y=\"{}\" width=\"16\" height=\"12\" rx=\"2\" fill=\"{fill}\" \
                     stroke=\"{stroke}\" stroke-width=\"1.5\"{dash}/>",
                    num(x),
                    num(y)
                );
                let _ = writeln!(
                    out,
                    "<text x=\"{}\" y=\"{}\" font-size=\"11\">{}</text>",
                    num(x + 22.0),
                    num(y + 10.0),
                    xml(text)
                );
                x += Legend::entry_width(text);
            }
            if r == last {
                let styles = [
                    (EdgeKind::Option, "option"),
                    (EdgeKind::Button, "template button"),
                    (EdgeKind::Step, "goto, handoff or end step"),
                ];
                for (kind, text) in styles {
                    let (class, colour, dash) = edge_style(kind);
                    let dash = if dash.is_empty() {
                        String::new()
                    } else {
                        format!(" stroke-dasharray=\"{dash}\"")
                    };
                    let _ = writeln!(
                        out,
                        "<path d=\"M{} {}h22\" stroke=\"{colour}\" stroke-width=\"1.5\" \
                         fill=\"none\"{dash} marker-end=\"url(#arrow-{class})\"/>",
                        num(x),
                        num(y + 6.0)
                    );
                    let _ = writeln!(
                        out,
                        "<text x=\"{}\" y=\"{}\" font-size=\"11\">{text}</text>",
                        num(x + 30.0),
                        num(y + 10.0)
                    );
                    x += 30.0 + text_width(text, 11.0, false) + 18.0;
                }
            }
        }
        out.push_str("</g>\n");
    }
}

fn defs(graph: &Graph, out: &mut String) {
    out.push_str("<defs>\n");
    for kind in [
        EdgeKind::Start,
        EdgeKind::Option,
        EdgeKind::Button,
        EdgeKind::Step,
    ] {
        let (class, colour, _) = edge_style(kind);
        let _ = writeln!(
            out,
            "<marker id=\"arrow-{class}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
             markerWidth=\"8\" markerHeight=\"8\" markerUnits=\"userSpaceOnUse\" \
             orient=\"auto\"><path d=\"M0 0L10 5L0 10z\" fill=\"{colour}\"/></marker>"
        );
    }
    // A node for several audiences is filled with a band of each one's colour.
    for (g, (audiences, _)) in graph.audience_groups().iter().enumerate() {
        if audiences.len() < 2 {
            continue;
        }
        let _ = writeln!(
            out,
            "<linearGradient id=\"audiences-{g}\" x1=\"0\" y1=\"0\" x2=\"1\" y2=\"0\">"
        );
        let k = audiences.len() as f64;
        for (i, name) in audiences.iter().enumerate() {
            let (fill, _) = audience_colour(graph, name);
            for offset in [i as f64 / k, (i + 1) as f64 / k] {
                let _ = writeln!(
                    out,
                    "<stop offset=\"{}\" stop-color=\"{fill}\"/>",
                    num(offset)
                );
            }
        }
        out.push_str("</linearGradient>\n");
    }
    out.push_str("</defs>\n");
}

fn draw_edges(graph: &Graph, laid: &Layout, out: &mut String) {
    out.push_str("<g class=\"edges\" fill=\"none\">\n");
    for (edge, route) in graph.edges.iter().zip(&laid.edges) {
        let (class, colour, dash) = edge_style(edge.kind);
        let dash = if dash.is_empty() {
            String::new()
        } else {
            format!(" stroke-dasharray=\"{dash}\"")
        };
        let width = if edge.kind == EdgeKind::Start {
            "2"
        } else {
            "1.4"
        };
        let _ = writeln!(
            out,
            "<path class=\"edge {class}\" d=\"{}\" stroke=\"{colour}\" stroke-width=\"{width}\"\
             {dash} marker-end=\"url(#arrow-{class})\"/>",
            path(&route.points)
        );
    }
    out.push_str("</g>\n");
}

/// Level curves between waypoints (a straight line where they are level).
fn path(points: &[Waypoint]) -> String {
    let mut d = String::new();
    let Some(first) = points.first() else {
        return d;
    };
    let _ = write!(d, "M{} {}", num(first.x), num(first.y));
    for pair in points.windows(2) {
        let (p, q) = (pair[0], pair[1]);
        if (p.y - q.y).abs() < 0.01 && p.leave == q.arrive && (q.x - p.x) * p.leave >= 0.0 {
            let _ = write!(d, "L{} {}", num(q.x), num(q.y));
            continue;
        }
        let k = ((q.x - p.x).abs() / 2.0).max(18.0);
        let _ = write!(
            d,
            "C{} {} {} {} {} {}",
            num(p.x + p.leave * k),
            num(p.y),
            num(q.x - q.arrive * k),
            num(q.y),
            num(q.x),
            num(q.y)
        );
    }
    d
}

fn draw_labels(graph: &Graph, laid: &Layout, labels: &[Vec<(String, bool)>], out: &mut String) {
    out.push_str("<g class=\"labels\">\n");
    for ((edge, route), lines) in graph.edges.iter().zip(&laid.edges).zip(labels) {
        let Some(rect) = route.label else { continue };
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"#ffffff\" \
             fill-opacity=\"0.92\"/>",
            num(rect.x),
            num(rect.y),
            num(rect.w),
            num(rect.h)
        );
        for (k, (text, sets)) in lines.iter().enumerate() {
            let y = rect.y + 13.0 * (k as f64 + 1.0) - 1.0;
            let style = if *sets {
                let colour = edge
                    .sets_audience
                    .as_deref()
                    .map_or(MUTED, |a| audience_colour(graph, a).1);
                format!(" font-style=\"italic\" fill=\"{colour}\"")
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"middle\"{style}>{}</text>",
                num(rect.x + rect.w / 2.0),
                num(y),
                num(if *sets { SMALL_SIZE } else { LABEL_SIZE }),
                xml(text)
            );
        }
    }
    out.push_str("</g>\n");
}

fn draw_node(node: &Node, face: &Face, audience_fill: String, rect: Rect, out: &mut String) {
    let failed = !node.errors.is_empty() || node.broken;
    let mut class = format!("node {}", node.kind.word());
    if node.unreachable {
        class.push_str(" unreachable");
    }
    if failed {
        class.push_str(" error");
    }
    let _ = writeln!(
        out,
        "<g class=\"{class}\" id=\"node-{}\" data-name=\"{}\">",
        node.id,
        xml(&node.name)
    );
    let mut tip = format!("{} {}", node.kind.word(), node.name);
    if !node.audiences.is_empty() {
        let _ = write!(tip, " (for {})", node.audiences.join(", "));
    }
    for error in &node.errors {
        let _ = write!(tip, "\n{error}");
    }
    let _ = writeln!(out, "<title>{}</title>", xml(&tip));

    let (fill, stroke) = match node.kind {
        NodeKind::Start => ("#111827".to_string(), "#111827"),
        NodeKind::Template => ("#ede9fe".to_string(), "#7c3aed"),
        NodeKind::Handoff => ("#fde68a".to_string(), "#b45309"),
        NodeKind::End => ("#e5e7eb".to_string(), "#374151"),
        NodeKind::Undefined => ("#fee2e2".to_string(), RED),
        NodeKind::Menu | NodeKind::Intent => (audience_fill, "#334155"),
    };
    let stroke = if failed { RED } else { stroke };
    let width = if failed { 3.0 } else { 1.5 };
    let dash = if node.unreachable || node.kind == NodeKind::Undefined {
        " stroke-dasharray=\"6 4\""
    } else {
        ""
    };
    let paint = format!(
        "fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{}\"{dash}",
        num(width)
    );
    let (x, y, w, h) = (rect.x, rect.y, rect.w, rect.h);
    let cx = x + w / 2.0;
    let cy = y + h / 2.0;
    let _ = match node.kind {
        NodeKind::Menu | NodeKind::Undefined => writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"3\" {paint}/>",
            num(x),
            num(y),
            num(w),
            num(h)
        ),
        NodeKind::Intent | NodeKind::Start => writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\" {paint}/>",
            num(x),
            num(y),
            num(w),
            num(h),
            num((h / 2.0).min(14.0))
        ),
        NodeKind::Template => writeln!(
            out,
            "<polygon points=\"{}\" {paint}/>",
            points(&[(x + 8.0, y), (x + w, y), (x + w - 8.0, y + h), (x, y + h)])
        ),
        NodeKind::Handoff => writeln!(
            out,
            "<polygon points=\"{}\" {paint}/>",
            points(&[
                (x + 10.0, y),
                (x + w - 10.0, y),
                (x + w, cy),
                (x + w - 10.0, y + h),
                (x + 10.0, y + h),
                (x, cy)
            ])
        ),
        NodeKind::End => writeln!(
            out,
            "<ellipse cx=\"{}\" cy=\"{}\" rx=\"{}\" ry=\"{}\" {paint}/>",
            num(cx),
            num(cy),
            num(w / 2.0),
            num(h / 2.0)
        ),
    };
    let ink = match node.kind {
        NodeKind::Start => "#ffffff",
        _ if node.unreachable => MUTED,
        _ => INK,
    };
    let mut line_y = y + 6.0;
    let mut line = |text: &str, size: f64, bold: bool, colour: &str, out: &mut String| {
        line_y += 15.0;
        let weight = if bold { " font-weight=\"700\"" } else { "" };
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{}\" text-anchor=\"middle\" fill=\"{colour}\"\
             {weight}>{}</text>",
            num(cx),
            num(line_y - 3.0),
            num(size),
            xml(text)
        );
    };
    if !face.caption.is_empty() {
        line(&face.caption, SMALL_SIZE, false, MUTED, out);
    }
    line(&face.name, NAME_SIZE, true, ink, out);
    if !face.notes.is_empty() {
        let colour = if failed { RED } else { MUTED };
        line(&face.notes.join(" · "), SMALL_SIZE, false, colour, out);
    }
    out.push_str("</g>\n");
}

/// A menu's or intent's fill: white for everyone, its audience's colour, or bands of several.
fn audience_fill(graph: &Graph, groups: &[(Vec<String>, Vec<usize>)], node: &Node) -> String {
    let audiences = graph.audience_order(&node.audiences);
    match audiences.as_slice() {
        [] => "#ffffff".to_string(),
        [one] => audience_colour(graph, one).0.to_string(),
        _ => groups
            .iter()
            .position(|(key, _)| *key == audiences)
            .map_or("#f1f5f9".to_string(), |g| format!("url(#audiences-{g})")),
    }
}

fn points(list: &[(f64, f64)]) -> String {
    list.iter()
        .map(|(x, y)| format!("{},{}", num(*x), num(*y)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A coordinate with at most one decimal, the same on every machine.
fn num(v: f64) -> String {
    let v = if v.is_finite() { v } else { 0.0 };
    let rounded = (v * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{}", rounded as i64)
    } else {
        format!("{rounded:.1}")
    }
}

/// Text safe in XML content and attribute values.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
