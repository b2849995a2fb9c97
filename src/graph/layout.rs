//! A layered layout, left to right, for the SVG picture (the Sugiyama method, kept small):
//!
//! 1. layers: the longest path from `start`, cycles (`goto` back to a menu) left out; what
//!    nothing leads to (templates, intents reached only by free text, forgotten menus) just
//!    before the first node it leads to; `handoff` and `end` after everything that leads there. (The shortest path, breadth-first, put `welcome`
//!    beside the menus it leads to in TotalPass, and its options ran backwards.)
//! 2. ranks: a node in layer `l` sits in column `2l`; every edge gets an item in each column it
//!    crosses, and the first one carries its label, so labels are laid out like nodes and never
//!    overlap (an edge to an earlier column runs back through the columns in between; one within
//!    its layer turns at a label in the next column);
//! 3. order: barycentre sweeps down and up the columns, keeping the order with the fewest
//!    crossings;
//! 4. place: each column is pulled towards its neighbours' heights, keeping its order and
//!    spacing, by isotonic regression (pool adjacent violators), a few rounds each way;
//! 5. route: each edge leaves and enters its nodes at ports spread along their sides, sorted
//!    by where the edge goes, and passes through its items.

use super::{Graph, NodeKind};
use std::collections::{BTreeMap, HashMap};

/// Width and height in pixels.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Size {
    pub w: f64,
    pub h: f64,
}

/// A box: its top-left corner and size.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn centre_y(&self) -> f64 {
        self.y + self.h / 2.0
    }
}

/// A point an edge passes, with the direction it travels horizontally when it arrives and
/// when it leaves (+1 rightwards, -1 leftwards): curves between points leave and arrive level.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Waypoint {
    pub x: f64,
    pub y: f64,
    pub arrive: f64,
    pub leave: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub points: Vec<Waypoint>,
    /// Where the edge's label goes.
    pub label: Option<Rect>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    /// One per graph node.
    pub nodes: Vec<Rect>,
    /// One per graph edge.
    pub edges: Vec<Route>,
    pub width: f64,
    pub height: f64,
}

/// Space between columns.
const COLUMN_GAP: f64 = 34.0;
/// Space between two nodes in a column.
const NODE_GAP: f64 = 16.0;
/// Space around an edge's item (a label or a bend) in a column.
const EDGE_GAP: f64 = 5.0;
/// The height an edge takes in a column it only crosses.
const LINE_HEIGHT: f64 = 4.0;
/// How many column crossings of edges the layout threads through items (see `layout`).
const CROSSING_BUDGET: usize = 200_000;
/// Rounds of ordering and of placing.
const ORDER_ROUNDS: usize = 12;
const PLACE_ROUNDS: usize = 16;

/// The layer of every node (see the module's documentation).
pub fn layers(graph: &Graph) -> Vec<usize> {
    let n = graph.nodes.len();
    let sink = |i: usize| {
        graph
            .nodes
            .get(i)
            .is_some_and(|node| matches!(node.kind, NodeKind::Handoff | NodeKind::End))
    };
    let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut before: Vec<Vec<usize>> = vec![Vec::new(); n];
    for edge in &graph.edges {
        if edge.from < n && edge.to < n && !sink(edge.to) {
            next[edge.from].push(edge.to);
        }
        if edge.from < n && edge.to < n {
            before[edge.to].push(edge.from);
        }
    }
    let mut layer: Vec<Option<usize>> = vec![None; n];
    let of_kind = |kind: NodeKind| -> Vec<usize> {
        (0..n)
            .filter(|&i| graph.nodes.get(i).is_some_and(|node| node.kind == kind))
            .collect()
    };
    let free_text: Vec<usize> = (0..n)
        .filter(|&i| graph.nodes.get(i).is_some_and(|node| node.free_text))
        .collect();
    longest_paths(&of_kind(NodeKind::Start), 0, &next, &mut layer);
    longest_paths(&of_kind(NodeKind::Template), 0, &next, &mut layer);
    longest_paths(&free_text, 1, &next, &mut layer);
    let rest: Vec<usize> = (0..n).filter(|&i| !sink(i)).collect();
    longest_paths(&rest, 1, &next, &mut layer);
    let mut out: Vec<usize> = layer.iter().map(|l| l.unwrap_or(0)).collect();
    // What nothing leads to (a template, an intent reached by free text, a forgotten menu)
    // stands just before the first node it leads to, not far back beside `start`: its edges
    // are all outgoing, and kept short.
    for i in 0..n {
        let is_start = graph
            .nodes
            .get(i)
            .is_some_and(|node| node.kind == NodeKind::Start);
        if is_start || !before[i].is_empty() {
            continue;
        }
        if let Some(first) = next[i].iter().map(|&j| out[j]).min() {
            out[i] = first.saturating_sub(1);
        }
    }
    for i in (0..n).filter(|&i| sink(i)) {
        out[i] = before[i]
            .iter()
            .filter(|&&j| !sink(j))
            .map(|&j| out[j] + 1)
            .max()
            .unwrap_or(1);
    }
    out
}

/// Layers the nodes first reached from `roots` (at `base`): each one step after the latest of
/// the nodes that lead to it, once the edges that close a cycle (back to a node on the current
/// depth-first path: a `goto` back to a menu) are left out. The longest path, not the shortest:
/// a menu that leads to another menu stays before it even when `start` reaches both.
fn longest_paths(roots: &[usize], base: usize, next: &[Vec<usize>], layer: &mut [Option<usize>]) {
    // Depth-first, without recursion (a long chain of menus must not overflow the stack):
    // the finishing order, reversed, is a topological order of the new nodes.
    let mut state = vec![0u8; next.len()]; // 0 new, 1 on the path, 2 done
    let mut finished = Vec::new();
    for &root in roots {
        if layer.get(root).is_none_or(|l| l.is_some()) || state[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some(&mut (node, ref mut k)) = stack.last_mut() {
            if let Some(&to) = next[node].get(*k) {
                *k += 1;
                if layer[to].is_none() && state[to] == 0 {
                    state[to] = 1;
                    stack.push((to, 0));
                }
            } else {
                state[node] = 2;
                finished.push(node);
                stack.pop();
            }
        }
    }
    let position: HashMap<usize, usize> = finished
        .iter()
        .rev()
        .enumerate()
        .map(|(k, &node)| (node, k))
        .collect();
    for &node in finished.iter().rev() {
        let here = *layer[node].get_or_insert(base);
        for &to in &next[node] {
            // Only edges forward in the topological order: the others close cycles.
            let forward = position
                .get(&to)
                .zip(position.get(&node))
                .is_some_and(|(t, f)| t > f);
            if forward && layer[to].is_none_or(|l| l < here + 1) {
                layer[to] = Some(here + 1);
            }
        }
    }
}

/// What the layout places: a graph node, or an edge's item in a column it crosses.
struct Item {
    rank: usize,
    size: Size,
}

/// Lays the graph out, given the size of each node and of each edge's label.
pub fn layout(graph: &Graph, node_sizes: &[Size], label_sizes: &[Option<Size>]) -> Layout {
    let layer = layers(graph);
    let n = graph.nodes.len();
    if n == 0 {
        return Layout {
            nodes: Vec::new(),
            edges: Vec::new(),
            width: 0.0,
            height: 0.0,
        };
    }
    let mut items: Vec<Item> = (0..n)
        .map(|i| Item {
            rank: 2 * layer.get(i).copied().unwrap_or(0),
            size: node_sizes.get(i).copied().unwrap_or_default(),
        })
        .collect();
    // Each edge becomes a chain of items: its source, one item per column between, its target.
    let mut chains: Vec<Vec<usize>> = Vec::with_capacity(graph.edges.len());
    let mut labels: Vec<Option<usize>> = Vec::with_capacity(graph.edges.len());
    let ends = |edge: &super::Edge| (edge.from.min(n - 1), edge.to.min(n - 1));
    // A huge bot's layers run into the thousands, and an item in every column an edge crosses
    // would then be billions of items: past a budget, an edge gets only the item next to its
    // source (its label) and goes straight on from there, over what lies between.
    let crossed: usize = graph
        .edges
        .iter()
        .map(|edge| {
            let (from, to) = ends(edge);
            items[from].rank.abs_diff(items[to].rank)
        })
        .sum();
    let thread_through = crossed <= CROSSING_BUDGET;
    for (e, edge) in graph.edges.iter().enumerate() {
        let (from, to) = ends(edge);
        let (a, b) = (items[from].rank, items[to].rank);
        let mut columns: Vec<usize> = match a.cmp(&b) {
            std::cmp::Ordering::Less => (a + 1..b).collect(),
            std::cmp::Ordering::Greater => (b + 1..a).rev().collect(),
            std::cmp::Ordering::Equal => vec![a + 1],
        };
        if !thread_through {
            columns.truncate(1);
        }
        let label = label_sizes.get(e).copied().flatten();
        let mut chain = vec![from];
        let mut label_item = None;
        for (k, rank) in columns.into_iter().enumerate() {
            let size = match label {
                Some(size) if k == 0 => {
                    label_item = Some(items.len());
                    size
                }
                _ => Size {
                    w: 0.0,
                    h: LINE_HEIGHT,
                },
            };
            chain.push(items.len());
            items.push(Item { rank, size });
        }
        chain.push(to);
        chains.push(chain);
        labels.push(label_item);
    }
    let ranks = items.iter().map(|i| i.rank + 1).max().unwrap_or(0);
    // Neighbours in the column before and after, one entry per chain segment.
    let mut left: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    let mut right: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    for chain in &chains {
        for pair in chain.windows(2) {
            let (p, q) = (pair[0], pair[1]);
            let (l, r) = if items[p].rank < items[q].rank {
                (p, q)
            } else {
                (q, p)
            };
            if items[l].rank + 1 == items[r].rank {
                right[l].push(r);
                left[r].push(l);
            }
        }
    }
    let mut columns: Vec<Vec<usize>> = vec![Vec::new(); ranks];
    for (i, item) in items.iter().enumerate() {
        columns[item.rank].push(i);
    }
    let columns = order(columns, &left, &right, items.len());
    let ys = place(&columns, &items, &left, &right);
    // Columns: as wide as their widest item, items centred in them.
    let mut x_left = Vec::with_capacity(ranks);
    let mut x = 0.0;
    for column in &columns {
        x_left.push(x);
        let width = column.iter().map(|&i| items[i].size.w).fold(0.0, f64::max);
        x += width + COLUMN_GAP;
    }
    let width = (x - COLUMN_GAP).max(0.0);
    let rects: Vec<Rect> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let column_width = columns[item.rank]
                .iter()
                .map(|&j| items[j].size.w)
                .fold(0.0, f64::max);
            Rect {
                x: x_left[item.rank] + (column_width - item.size.w) / 2.0,
                y: ys[i] - item.size.h / 2.0,
                w: item.size.w,
                h: item.size.h,
            }
        })
        .collect();
    let height = rects.iter().map(|r| r.y + r.h).fold(0.0, f64::max);
    let ports = ports(&chains, &items, &rects);
    let edges = chains
        .iter()
        .enumerate()
        .map(|(e, chain)| route(chain, &items, &rects, &ports, e, labels[e]))
        .collect();
    Layout {
        nodes: rects.into_iter().take(n).collect(),
        edges,
        width,
        height,
    }
}

/// Orders each column by barycentres, sweeping down then up, and keeps the best order seen.
fn order(
    mut columns: Vec<Vec<usize>>,
    left: &[Vec<usize>],
    right: &[Vec<usize>],
    count: usize,
) -> Vec<Vec<usize>> {
    let mut pos = vec![0.0; count];
    let index = |columns: &[Vec<usize>], pos: &mut Vec<f64>| {
        for column in columns {
            let len = column.len().max(1) as f64;
            for (k, &i) in column.iter().enumerate() {
                pos[i] = (k as f64 + 0.5) / len;
            }
        }
    };
    index(&columns, &mut pos);
    let mut best = columns.clone();
    let mut best_crossings = crossings(&columns, right, &pos);
    for round in 0..ORDER_ROUNDS {
        let downwards = round % 2 == 0;
        let sequence: Vec<usize> = if downwards {
            (1..columns.len()).collect()
        } else {
            (0..columns.len().saturating_sub(1)).rev().collect()
        };
        for r in sequence {
            let neighbours = if downwards { left } else { right };
            let mut keyed: Vec<(f64, usize)> = columns[r]
                .iter()
                .map(|&i| {
                    let of = &neighbours[i];
                    let key = if of.is_empty() {
                        pos[i]
                    } else {
                        of.iter().map(|&j| pos[j]).sum::<f64>() / of.len() as f64
                    };
                    (key, i)
                })
                .collect();
            // Stable: ties keep their order, so the sweeps settle.
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            columns[r] = keyed.into_iter().map(|(_, i)| i).collect();
            let len = columns[r].len().max(1) as f64;
            for (k, &i) in columns[r].iter().enumerate() {
                pos[i] = (k as f64 + 0.5) / len;
            }
        }
        transpose(&mut columns, left, right, &mut pos);
        let found = crossings(&columns, right, &pos);
        if found < best_crossings {
            best_crossings = found;
            best = columns.clone();
        }
    }
    best
}

/// Swaps neighbours in a column while that removes crossings (the sweeps move items by their
/// neighbours' average, which can leave two of them the wrong way round).
fn transpose(
    columns: &mut [Vec<usize>],
    left: &[Vec<usize>],
    right: &[Vec<usize>],
    pos: &mut [f64],
) {
    // Crossings between the edges of `u` and of `v` on one side, with `u` above `v`: pairs
    // whose end for `v` lies above the end for `u` (sorted and searched, for hubs such as
    // `handoff` with thousands of edges).
    let between = |u: usize, v: usize, side: &[Vec<usize>], pos: &[f64]| -> usize {
        let mut ends_v: Vec<f64> = side[v].iter().map(|&b| pos[b]).collect();
        ends_v.sort_by(f64::total_cmp);
        side[u]
            .iter()
            .map(|&a| ends_v.partition_point(|&b| b < pos[a]))
            .sum()
    };
    for _ in 0..4 {
        let mut improved = false;
        for column in columns.iter_mut() {
            for k in 1..column.len() {
                let (u, v) = (column[k - 1], column[k]);
                let now = between(u, v, left, pos) + between(u, v, right, pos);
                let swapped = between(v, u, left, pos) + between(v, u, right, pos);
                if swapped < now {
                    column.swap(k - 1, k);
                    let (pu, pv) = (pos[u], pos[v]);
                    pos[u] = pv;
                    pos[v] = pu;
                    improved = true;
                }
            }
        }
        if !improved {
            break;
        }
    }
}

/// Edge crossings between every pair of neighbouring columns: the inversions among segments
/// sorted by their left end (counted by merge sort, so a large bot stays fast).
fn crossings(columns: &[Vec<usize>], right: &[Vec<usize>], pos: &[f64]) -> usize {
    let mut total = 0;
    for column in columns {
        let mut segments: Vec<(f64, f64)> = column
            .iter()
            .flat_map(|&i| right[i].iter().map(move |&j| (pos[i], pos[j])))
            .collect();
        segments.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut ends: Vec<f64> = segments.into_iter().map(|s| s.1).collect();
        total += inversions(&mut ends);
    }
    total
}

fn inversions(values: &mut [f64]) -> usize {
    let len = values.len();
    if len < 2 {
        return 0;
    }
    let (a, b) = values.split_at_mut(len / 2);
    let mut count = inversions(a) + inversions(b);
    let mut merged = Vec::with_capacity(len);
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if b[j] < a[i] {
            count += a.len() - i;
            merged.push(b[j]);
            j += 1;
        } else {
            merged.push(a[i]);
            i += 1;
        }
    }
    merged.extend_from_slice(&a[i..]);
    merged.extend_from_slice(&b[j..]);
    values.copy_from_slice(&merged);
    count
}

/// The vertical centre of every item.
fn place(
    columns: &[Vec<usize>],
    items: &[Item],
    left: &[Vec<usize>],
    right: &[Vec<usize>],
) -> Vec<f64> {
    let mut y = vec![0.0; items.len()];
    let gap = |a: usize, b: usize| {
        let node = |i: usize| items[i].rank % 2 == 0;
        let space = if node(a) && node(b) {
            NODE_GAP
        } else {
            EDGE_GAP
        };
        (items[a].size.h + items[b].size.h) / 2.0 + space
    };
    for column in columns {
        let mut at = 0.0;
        for (k, &i) in column.iter().enumerate() {
            if k > 0 {
                at += gap(column[k - 1], i);
            }
            y[i] = at;
        }
    }
    let mean = |of: &[usize], y: &[f64]| -> Option<f64> {
        (!of.is_empty()).then(|| of.iter().map(|&j| y[j]).sum::<f64>() / of.len() as f64)
    };
    for round in 0..PLACE_ROUNDS {
        let downwards = round % 2 == 0;
        let sequence: Vec<usize> = if downwards {
            (0..columns.len()).collect()
        } else {
            (0..columns.len()).rev().collect()
        };
        // The last rounds listen to both sides, so nothing is left leaning one way.
        let both = round + 2 >= PLACE_ROUNDS;
        for r in sequence {
            let column = &columns[r];
            let wanted: Vec<f64> = column
                .iter()
                .map(|&i| {
                    let (first, second) = if downwards {
                        (&left[i], &right[i])
                    } else {
                        (&right[i], &left[i])
                    };
                    let all: Vec<usize> = first.iter().chain(second.iter()).copied().collect();
                    let pick = if both { None } else { mean(first, &y) };
                    pick.or_else(|| mean(&all, &y)).unwrap_or(y[i])
                })
                .collect();
            let gaps: Vec<f64> = column.windows(2).map(|w| gap(w[0], w[1])).collect();
            for (&i, v) in column.iter().zip(spaced_closest(&wanted, &gaps)) {
                y[i] = v;
            }
        }
    }
    let top = items
        .iter()
        .enumerate()
        .map(|(i, item)| y[i] - item.size.h / 2.0)
        .fold(f64::INFINITY, f64::min);
    if top.is_finite() {
        y.iter_mut().for_each(|v| *v -= top);
    }
    y
}

/// The positions closest (least squares) to `wanted` that keep their order and at least
/// `gaps[k]` between positions `k` and `k + 1`: with the gaps taken out, an isotonic
/// regression, solved by pooling adjacent violators.
fn spaced_closest(wanted: &[f64], gaps: &[f64]) -> Vec<f64> {
    let mut offsets = Vec::with_capacity(wanted.len());
    let mut sum = 0.0;
    for k in 0..wanted.len() {
        if k > 0 {
            sum += gaps.get(k - 1).copied().unwrap_or(0.0);
        }
        offsets.push(sum);
    }
    // Blocks of pooled values: (mean, count).
    let mut blocks: Vec<(f64, usize)> = Vec::new();
    for (w, o) in wanted.iter().zip(&offsets) {
        let mut block = (w - o, 1usize);
        while let Some(&(mean, count)) = blocks.last() {
            if mean <= block.0 {
                break;
            }
            blocks.pop();
            let total = count + block.1;
            block = (
                (mean * count as f64 + block.0 * block.1 as f64) / total as f64,
                total,
            );
        }
        blocks.push(block);
    }
    let mut out = Vec::with_capacity(wanted.len());
    for (mean, count) in blocks {
        for _ in 0..count {
            let o = offsets.get(out.len()).copied().unwrap_or(0.0);
            out.push(mean + o);
        }
    }
    out
}

/// Which side of a node an edge end sits on.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    Left,
    Right,
}

/// An edge's end at a node's side: the height of the edge's next item, the edge, whether it
/// is the edge's start.
type End = (f64, usize, bool);

/// The height at which each edge leaves its source and enters its target: ends on one side
/// of a node are spread along it, in the order of where they go, so they do not cross there.
fn ports(chains: &[Vec<usize>], items: &[Item], rects: &[Rect]) -> Vec<(f64, f64)> {
    let mut ends: BTreeMap<(usize, Side), Vec<End>> = BTreeMap::new();
    for (e, chain) in chains.iter().enumerate() {
        let (Some(&first), Some(&second), Some(&before_last), Some(&last)) = (
            chain.first(),
            chain.get(1),
            chain.get(chain.len().wrapping_sub(2)),
            chain.last(),
        ) else {
            continue;
        };
        let side = |node: usize, toward: usize| {
            if items[toward].rank > items[node].rank {
                Side::Right
            } else {
                Side::Left
            }
        };
        ends.entry((first, side(first, second))).or_default().push((
            rects[second].centre_y(),
            e,
            true,
        ));
        ends.entry((last, side(last, before_last)))
            .or_default()
            .push((rects[before_last].centre_y(), e, false));
    }
    let mut out: Vec<(f64, f64)> = chains
        .iter()
        .map(|c| {
            let y = |i: Option<&usize>| i.map_or(0.0, |&i| rects[i].centre_y());
            (y(c.first()), y(c.last()))
        })
        .collect();
    for ((node, _), mut list) in ends {
        list.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let rect = rects[node];
        let count = list.len() as f64;
        let step = ((rect.h - 8.0) / count).clamp(0.0, 8.0);
        for (k, (_, e, is_start)) in list.into_iter().enumerate() {
            let y = rect.centre_y() + (k as f64 - (count - 1.0) / 2.0) * step;
            if is_start {
                out[e].0 = y;
            } else {
                out[e].1 = y;
            }
        }
    }
    out
}

fn route(
    chain: &[usize],
    items: &[Item],
    rects: &[Rect],
    ports: &[(f64, f64)],
    e: usize,
    label: Option<usize>,
) -> Route {
    let mut points = Vec::with_capacity(chain.len() + 2);
    let last = chain.len().saturating_sub(1);
    for (k, &i) in chain.iter().enumerate() {
        let rect = rects[i];
        let rank = items[i].rank;
        let before = k
            .checked_sub(1)
            .and_then(|p| chain.get(p))
            .map(|&p| items[p].rank);
        let after = chain.get(k + 1).map(|&p| items[p].rank);
        // Travelling right when the next item is in a later column.
        let dir = |from: usize, to: usize| if to > from { 1.0 } else { -1.0 };
        if k == 0 {
            let leave = after.map_or(1.0, |a| dir(rank, a));
            let x = if leave > 0.0 { rect.x + rect.w } else { rect.x };
            let y = ports.get(e).map_or(rect.centre_y(), |p| p.0);
            points.push(Waypoint {
                x,
                y,
                arrive: leave,
                leave,
            });
        } else if k == last {
            let arrive = before.map_or(1.0, |b| dir(b, rank));
            let x = if arrive > 0.0 {
                rect.x
            } else {
                rect.x + rect.w
            };
            let y = ports.get(e).map_or(rect.centre_y(), |p| p.1);
            points.push(Waypoint {
                x,
                y,
                arrive,
                leave: arrive,
            });
        } else {
            let arrive = before.map_or(1.0, |b| dir(b, rank));
            let leave = after.map_or(1.0, |a| dir(rank, a));
            let y = rect.centre_y();
            let (entry, exit) = if arrive > 0.0 {
                (rect.x, rect.x + rect.w)
            } else {
                (rect.x + rect.w, rect.x)
            };
            if arrive == leave {
                points.push(Waypoint {
                    x: entry,
                    y,
                    arrive,
                    leave,
                });
                if rect.w > 0.0 {
                    points.push(Waypoint {
                        x: exit,
                        y,
                        arrive,
                        leave,
                    });
                }
            } else {
                // Turning back (an edge within one layer): touch the label's near side.
                points.push(Waypoint {
                    x: entry,
                    y,
                    arrive,
                    leave,
                });
            }
        }
    }
    Route {
        points,
        label: label.map(|i| rects[i]),
    }
}
