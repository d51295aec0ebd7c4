// graph.js: draws a flow's task graph as SVG (createElementNS only, names
// as text nodes). Layered layout: a task's layer is one more than its
// deepest dependency; layers run left to right, and each layer is ordered
// by the mean position of its tasks' dependencies to keep edges short.

import {s, h} from './dom.js';

const NODE_H = 34, GAP_X = 56, GAP_Y = 16, PAD = 8;
const CHAR_W = 7.2, MAX_CHARS = 30; // 12px text; longer names are clipped

function clip(name, n = MAX_CHARS) {
	return name.length > n ? name.slice(0, n - 1) + '…' : name;
}

// Returns the layers: arrays of task names in drawing order.
export function layers(tasks) {
	const byName = new Map(tasks.map((t) => [t.name, t]));
	const depth = new Map();
	const visiting = new Set();
	const depthOf = (name) => {
		if (depth.has(name)) return depth.get(name);
		if (visiting.has(name)) return 0; // a cycle: validated away
		visiting.add(name);
		const t = byName.get(name);
		let d = 0;
		for (const dep of (t && t.depends_on) || [])
			if (byName.has(dep)) d = Math.max(d, depthOf(dep) + 1);
		visiting.delete(name);
		depth.set(name, d);
		return d;
	};
	const out = [];
	for (const t of tasks) {
		const d = depthOf(t.name);
		(out[d] = out[d] || []).push(t.name);
	}
	const pos = new Map();
	out.forEach((layer, li) => {
		if (li > 0) {
			const mean = (n) => {
				const deps = (byName.get(n).depends_on || [])
				    .filter((d) => pos.has(d));
				if (!deps.length) return 0;
				return deps.reduce((a, d) => a + pos.get(d), 0) /
				    deps.length;
			};
			const order = new Map(layer.map((n, i) => [n, i]));
			layer.sort((a, b) => mean(a) - mean(b) ||
			    order.get(a) - order.get(b));
		}
		layer.forEach((n, i) => pos.set(n, i));
	});
	return out.filter(Boolean);
}

// Builds the SVG for tasks [{name, depends_on}]; stateOf(name) may give
// a state to colour each node.
export function taskGraph(tasks, stateOf) {
	const ls = layers(tasks);
	// Nodes are as wide as the longest name needs (within limits).
	const longest = Math.max(...tasks.map((t) => t.name.length));
	const NODE_W = Math.round(Math.min(MAX_CHARS, Math.max(12, longest)) *
	    CHAR_W + 20);
	const rows = Math.max(1, ...ls.map((l) => l.length));
	const width = PAD * 2 + ls.length * NODE_W + (ls.length - 1) * GAP_X;
	const height = PAD * 2 + rows * NODE_H + (rows - 1) * GAP_Y;
	const at = new Map();
	ls.forEach((layer, li) => {
		const off = (rows - layer.length) * (NODE_H + GAP_Y) / 2;
		layer.forEach((n, i) => at.set(n, {
			x: PAD + li * (NODE_W + GAP_X),
			y: PAD + off + i * (NODE_H + GAP_Y),
		}));
	});
	const svg = s('svg', {class: 'graph', width, height,
	    viewBox: `0 0 ${width} ${height}`, role: 'img',
	    'aria-label': `Task graph: ${tasks.length} tasks in ` +
		`${ls.length} steps`});
	svg.appendChild(s('defs', null, s('marker', {id: 'arrow',
	    viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7,
	    markerHeight: 7, orient: 'auto-start-reverse'},
	    s('path', {d: 'M0,0 L10,5 L0,10 z', class: 'arrow'}))));
	for (const t of tasks) {
		const b = at.get(t.name);
		for (const dep of t.depends_on || []) {
			const a = at.get(dep);
			if (!a) continue;
			const x1 = a.x + NODE_W, y1 = a.y + NODE_H / 2;
			const x2 = b.x - 2, y2 = b.y + NODE_H / 2;
			const mx = (x1 + x2) / 2;
			svg.appendChild(s('path', {class: 'edge',
			    d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`,
			    'marker-end': 'url(#arrow)'}));
		}
	}
	for (const t of tasks) {
		const p = at.get(t.name);
		const st = stateOf ? stateOf(t.name) : null;
		svg.appendChild(s('g', {class: 'node' +
		    (st ? ' st-' + st.toLowerCase() : ''),
		    transform: `translate(${p.x},${p.y})`},
		    s('title', null, t.name + (st ? ` (${st})` : '')),
		    s('rect', {width: NODE_W, height: NODE_H, rx: 6}),
		    s('text', {x: 10, y: NODE_H / 2 + 4}, clip(t.name))));
	}
	return h('div', {class: 'graph-wrap'}, svg);
}
