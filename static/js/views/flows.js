// views/flows.js: the flows page. Each flow with its description, its
// schedule in words and next run time, its last ten runs as marks, a
// paused switch for its schedule (admins) and a Run button (operators and admins); a search
// box filters by name. Refreshes every 5 s while visible.

import * as api from '../api.js';
import {h, text, syncList, table} from '../dom.js';
import {timeEl, setTime} from '../time.js';
import {can, act, poll, stateMark, scheduleWords, pauseSwitch, failBox,
    notify} from '../ui.js';

// Starts a run with default parameters and opens its page.
export async function startRun(btn, name, parameters) {
	const r = await act(btn, () => api.post(
	    `flows/${api.seg(name)}/runs`, {parameters: parameters || {}}));
	if (r && r.id) location.hash = '#/runs/' + encodeURIComponent(r.id);
	return r;
}

// The Run button of the list: starts a run with the defaults; when the
// flow needs a parameter that has none, opens its Run form instead, with
// the server's reason.
async function quickRun(btn, name) {
	btn.disabled = true;
	try {
		const r = await api.post(`flows/${api.seg(name)}/runs`,
		    {parameters: {}});
		location.hash = '#/runs/' + encodeURIComponent(r.id);
	} catch (e) {
		if (e.status === 400 && /^param/.test(e.message)) {
			location.hash = '#/flows/' + encodeURIComponent(name) +
			    '?run=1';
			notify(`${name} needs its parameters (${e.message}). ` +
			    'Fill them in and press Run.', 'error');
		} else {
			notify(e.message, 'error');
		}
	} finally {
		btn.disabled = false;
	}
}

// Pauses or resumes flow name; returns the new paused value or undefined.
export async function togglePaused(btn, name, paused) {
	const r = await act(btn, () => api.patch(`flows/${api.seg(name)}`,
	    {paused}), paused ? `Paused ${name}` : `Resumed ${name}`);
	return r ? (r.paused !== undefined ? !!r.paused : paused) : undefined;
}

// One row of the flows table (for syncList); state.q hides the rows whose
// name does not match the search.
function buildRow(state, f) {
	const name = f.name;
	const row = {
		current: f,
		desc: h('div', {class: 'muted small desc'}),
		sched: h('span'),
		pausedTag: h('span', {class: 'tag paused'}, 'paused'),
		next: timeEl(null),
		marks: h('span', {class: 'marks'}),
		last: h('span', {class: 'small muted'}),
		sw: null,
	};
	const link = h('a', {href: '#/flows/' + encodeURIComponent(name),
	    class: 'flow-name'}, name);
	const actions = h('div', {class: 'actions'});
	if (can('run')) {
		actions.appendChild(h('button', {type: 'button',
		    class: 'btn primary run-btn',
		    'aria-label': `Run ${name}`,
		    onclick: (e) => quickRun(e.currentTarget, name)},
		    'Run'));
	}
	if (can('admin')) {
		row.sw = pauseSwitch(`Schedule of ${name}`,
		    (b) => togglePausedRow(row, name, b));
		actions.appendChild(row.sw);
	}
	const el = h('tr', {dataset: {flow: name}},
	    h('td', null, link, row.desc),
	    h('td', null, row.sched, ' ', row.pausedTag),
	    h('td', null, row.next),
	    h('td', null, row.marks, row.last),
	    h('td', {class: 'act'}, actions));
	return {el, update(fl) {
		updateRow(row, fl);
		el.hidden = !!state.q &&
		    !name.toLowerCase().includes(state.q);
	}};
}

async function togglePausedRow(row, name, b) {
	const v = await togglePaused(b, name, !row.current.paused);
	if (v !== undefined) {
		row.current.paused = v;
		b.setPaused(v);
		row.pausedTag.hidden = !v;
	}
}

function updateRow(row, fl) {
	const {desc, sched, pausedTag, next, marks, last, sw} = row;
	row.current = fl;
	text(desc, fl.description || '');
	text(sched, scheduleWords(fl.schedule,
	    fl.schedule_description));
	sched.classList.toggle('muted', !fl.schedule);
	pausedTag.hidden = !fl.paused;
	setTime(next, fl.paused ? null : fl.next_run,
	    fl.schedule ? (fl.paused ? 'paused' : '—') : '—');
	if (sw) {
		sw.setPaused(!!fl.paused);
		// Pausing stops scheduled runs only: no schedule, no
		// switch (unless paused, so it can be resumed).
		sw.hidden = !fl.schedule && !fl.paused;
	}
	const states = fl.recent_runs || [];
	const key = states.join(',');
	if (marks.dataset.key !== key) {
		marks.dataset.key = key;
		marks.replaceChildren(...states.slice().reverse()
		    .map((s) => stateMark(s)));
		marks.setAttribute('aria-label',
		    'Last runs, oldest first: ' +
		    (states.slice().reverse().join(', ') ||
		    'none'));
	}
	text(last, states.length ? '' : 'no runs yet');
}

export function mount(root) {
	document.title = 'Flows — Sluice';
	const state = {q: '', items: []};
	const tbody = h('tbody');
	const count = h('p', {class: 'muted small', role: 'status'});
	const search = h('input', {type: 'search', id: 'flow-search',
	    placeholder: 'Search by name', autocomplete: 'off'});
	const build = (f) => buildRow(state, f);
	const render = () => {
		syncList(tbody, state.items, (f) => f.name, build);
		const shown = state.items.filter((f) => !state.q ||
		    f.name.toLowerCase().includes(state.q)).length;
		text(count, state.items.length === 0 ? 'No flows yet. A flow ' +
		    'is a JSON file; add one with "sluicectl apply FILE".' :
		    shown ? `${shown} of ${state.items.length} flows` :
		    `No flow name contains "${state.q}".`);
		count.className = shown ? 'muted small' : 'empty';
	};
	search.addEventListener('input', () => {
		state.q = search.value.trim().toLowerCase();
		render();
	});
	const errBox = h('div');
	root.append(
	    h('div', {class: 'page-head'}, h('h1', null, 'Flows'),
		h('div', {class: 'filters'},
		    h('label', {for: 'flow-search', class: 'sr'}, 'Search flows'),
		    search)),
	    errBox,
	    table(['Flow', 'Schedule', 'Next run', 'Last 10 runs', ''], tbody,
		'flows'),
	    count);
	let failed = false;
	const p = poll(async () => {
		try {
			state.items = await api.getAll('flows', {limit: 200});
			render();
			errBox.replaceChildren();
			failed = false;
		} catch (e) {
			if (!failed) errBox.replaceChildren(failBox(e));
			failed = true;
		}
	}, 5000);
	return () => p.stop();
}
