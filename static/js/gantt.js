// gantt.js: a run's timeline as SVG: one row per task, one bar per
// attempt from its start to its end (or now, while it runs), coloured by
// state, with the state and times in each bar's <title>. Built with
// createElementNS; names are text nodes.

import {s, h} from './dom.js';
import {parse, duration} from './time.js';

const ROW = 24, PAD = 6, AXIS = 18;

function clip(name, n = 16) {
	return name.length > n ? name.slice(0, n - 1) + '…' : name;
}

// tasks: the run's tasks (each with attempts); width: drawing width in
// px; onPick(task, attempt) is called when a bar is clicked.
export function gantt(run, tasks, width, onPick) {
	const now = Date.now();
	let t0 = Infinity, t1 = -Infinity;
	for (const t of tasks)
		for (const a of t.attempts || []) {
			const st = parse(a.started_at);
			if (!st) continue;
			t0 = Math.min(t0, st.getTime());
			const en = parse(a.ended_at);
			t1 = Math.max(t1, en ? en.getTime() : now);
		}
	const rs = parse(run.started_at);
	if (rs) t0 = Math.min(t0, rs.getTime());
	const re = parse(run.ended_at);
	if (re) t1 = Math.max(t1, re.getTime());
	const w = Math.max(260, width);
	const LABEL = w < 500 ? 80 : 130;
	const TICKS = w < 500 ? 2 : 4;
	const height = AXIS + tasks.length * ROW + PAD;
	const svg = s('svg', {class: 'gantt', width: w, height,
	    viewBox: `0 0 ${w} ${height}`, role: 'img',
	    'aria-label': 'Timeline of the run\'s task attempts'});
	if (!isFinite(t0)) {
		svg.appendChild(s('text', {x: PAD, y: 14, class: 'axis'},
		    'No task has started yet.'));
		return h('div', {class: 'gantt-wrap'}, svg);
	}
	const span = Math.max(1000, t1 - t0);
	const plotW = w - LABEL - PAD * 2;
	const x = (ms) => LABEL + PAD + (ms - t0) / span * plotW;
	for (let i = 0; i <= TICKS; i++) {
		const tx = LABEL + PAD + plotW * i / TICKS;
		svg.appendChild(s('line', {class: 'tick', x1: tx, x2: tx,
		    y1: AXIS - 4, y2: height - PAD}));
		svg.appendChild(s('text', {class: 'axis', x: tx, y: 11,
		    'text-anchor': i === 0 ? 'start' : i === TICKS ? 'end' :
			'middle'}, '+' + duration(span * i / TICKS / 1000)));
	}
	tasks.forEach((t, i) => {
		const y = AXIS + i * ROW;
		svg.appendChild(s('text', {class: 'label', x: 0,
		    y: y + ROW / 2 + 4}, s('title', null, t.name),
		    clip(t.name, LABEL < 100 ? 10 : 16)));
		for (const a of t.attempts || []) {
			const st = parse(a.started_at);
			if (!st) continue;
			const en = parse(a.ended_at);
			const x1 = x(st.getTime());
			const x2 = x(en ? en.getTime() : now);
			const secs = ((en ? en.getTime() : now) -
			    st.getTime()) / 1000;
			const bar = s('rect', {class: 'bar st-' +
			    String(a.state || '').toLowerCase(),
			    x: x1, y: y + 4, height: ROW - 8, rx: 3,
			    width: Math.max(2, x2 - x1)},
			    s('title', null, `${t.name}, attempt ${a.attempt}: ` +
				`${a.state}, ${duration(secs)}` +
				(a.exit_code !== null && a.exit_code !== undefined
				    ? `, exit ${a.exit_code}` : '')));
			bar.addEventListener('click', () =>
			    onPick && onPick(t.name, a.attempt));
			svg.appendChild(bar);
		}
	});
	return h('div', {class: 'gantt-wrap'}, svg);
}
