// views/flow.js: one flow. Its task graph, a form to run it with
// parameters (typed inputs with defaults), upcoming scheduled runs, recent
// runs (refreshed every 5 s), and its definition as pretty JSON with the
// list of versions (?version=N shows an older one).

import * as api from '../api.js';
import {h, text, clear, syncList, table} from '../dom.js';
import {timeEl, setTime, duration, parse} from '../time.js';
import {can, poll, stateBadge, setState, scheduleWords, pauseSwitch,
    failBox, runLink, origin, notify, runSeconds, commitLabel, repoLink} from
    '../ui.js';
import {taskGraph} from '../graph.js';
import {startRun, togglePaused} from './flows.js';

// One input per parameter, typed from the definition. Returns the form's
// pieces and a read() that gives {ok, parameters} or {ok: false, why}.
function paramInputs(params) {
	const rows = [], readers = [];
	for (const [name, spec] of Object.entries(params || {})) {
		const id = 'param-' + name.replace(/[^A-Za-z0-9_-]/g, '_');
		const type = spec.type || 'string';
		const has = spec.default !== undefined && spec.default !== null;
		let input;
		if (type === 'boolean') {
			input = h('input', {type: 'checkbox', id, name,
			    checked: has ? !!spec.default : false});
		} else {
			input = h('input', {id, name, autocomplete: 'off',
			    type: type === 'string' ? 'text' : 'number',
			    step: type === 'integer' ? '1' : type === 'number' ?
				'any' : null,
			    required: !has,
			    value: has ? String(spec.default) : ''});
		}
		rows.push(h('div', {class: 'field' +
		    (type === 'boolean' ? ' check' : '')},
		    h('label', {for: id}, name,
			h('span', {class: 'muted small'}, ` ${type}` +
			    (has ? '' : ', required'))),
		    input,
		    spec.description ? h('div', {class: 'muted small'},
			spec.description) : null));
		readers.push(() => {
			if (type === 'boolean') return [name, input.checked];
			const v = input.value;
			if (type === 'string') {
				if (v === '' && !has) throw new Error(
				    `${name} is required`);
				return [name, v];
			}
			if (v.trim() === '') {
				if (has) return [name, spec.default];
				throw new Error(`${name} is required`);
			}
			const n = Number(v);
			if (!isFinite(n) || (type === 'integer' &&
			    !Number.isInteger(n)))
				throw new Error(`${name} must be ${type === 'integer'
				    ? 'an integer' : 'a number'}`);
			return [name, n];
		});
	}
	return {rows, read: () => Object.fromEntries(readers.map((r) => r()))};
}

function runForm(name, def) {
	const {rows, read} = paramInputs(def.parameters);
	const btn = h('button', {type: 'submit', class: 'btn primary',
	    id: 'run-submit'},
	    rows.length ? 'Run with these parameters' : 'Run');
	const form = h('form', {class: 'run-form', novalidate: true},
	    rows.length ? rows : h('p', {class: 'muted'},
		'This flow takes no parameters.'), h('div', null, btn));
	form.addEventListener('submit', (e) => {
		e.preventDefault();
		let parameters;
		try {
			parameters = read();
		} catch (err) {
			notify(err.message, 'error');
			return;
		}
		startRun(btn, name, parameters);
	});
	return form;
}

function recentRuns(name) {
	const tbody = h('tbody');
	const empty = h('p', {class: 'empty'}, 'No runs yet.');
	const build = (r) => {
		const st = stateBadge(r.state);
		const created = timeEl(null);
		const dur = h('span');
		const who = h('span');
		const el = h('tr', null, h('td', null, st),
		    h('td', null, runLink(r.id)), h('td', null, created),
		    h('td', null, dur), h('td', null, who));
		return {el, update(x) {
			setState(st, x.state);
			setTime(created, x.started_at || x.created_at);
			const d = runSeconds(x);
			text(dur, d === null ? '—' : duration(d));
			text(who, origin(x));
		}};
	};
	const el = h('div', null, table(['State', 'Run', 'When', 'Duration',
	    'Started by'], tbody), empty);
	const refresh = async () => {
		// Runs still to come are listed under the schedule instead.
		const page = await api.get('runs', {flow: name, limit: 20});
		const items = (page.items || []).filter((r) =>
		    r.state !== 'SCHEDULED').slice(0, 10);
		syncList(tbody, items, (r) => r.id, build);
		empty.hidden = items.length > 0;
	};
	return {el, refresh};
}

export function mount(root, {params, query}) {
	const name = params[0];
	document.title = `${name} — Sluice`;
	const body = h('div', {class: 'flow-page'});
	root.append(body);
	let stopped = false, p = null;
	(async () => {
		let f;
		try {
			f = await api.get(`flows/${api.seg(name)}`,
			    {version: query.version});
		} catch (e) {
			body.append(h('h1', null, name), failBox(e),
			    h('p', null, h('a', {href: '#/flows'}, 'All flows')));
			return;
		}
		if (stopped) return;
		render(body, f, query);
		// Sent here to fill in parameters: go to the first one.
		const first = query.run && body.querySelector('.run-form input');
		if (first) first.focus();
		const recent = recentRuns(name);
		body.querySelector('#recent').append(recent.el);
		p = poll(() => recent.refresh().catch((e) =>
		    notify(e.message, 'error')), 5000);
	})();
	return () => {
		stopped = true;
		if (p) p.stop();
	};
}

function render(body, f, query) {
	const def = f.definition || {};
	const name = f.name;
	const tasks = def.tasks || [];
	const shown = query.version ? Number(query.version) : f.version;
	clear(body,
	    flowHead(f, def),
	    def.description ? h('p', {class: 'lead'}, def.description) : null,
	    h('div', {class: 'grid2'},
		h('section', {class: 'card'}, h('h2', null, 'Tasks'),
		    tasks.length ? taskGraph(tasks) :
			h('p', {class: 'muted'}, 'No tasks.')),
		scheduleCard(f, def.schedule || null)),
	    can('run') && !f.archived && !query.version ?
		h('section', {class: 'card'}, h('h2', null, 'Run'),
		    runForm(name, def)) : null,
	    h('section', {class: 'card', id: 'recent'},
		h('h2', null, 'Recent runs'),
		h('p', {class: 'small'}, h('a', {href: '#/runs?flow=' +
		    encodeURIComponent(name)}, 'All runs of this flow'))),
	    definitionCard(f, def, shown));
}

// The page head: name, version, and the schedule's pause switch for an
// admin (a tag for everyone else).
function flowHead(f, def) {
	const name = f.name;
	const head = h('div', {class: 'page-head'},
	    h('h1', null, name),
	    h('span', {class: 'tag'}, `version ${f.version}`),
	    f.archived ? h('span', {class: 'tag'}, 'archived') : null,
	    f.repo ? h('span', {class: 'tag'}, 'from repository ',
		repoLink(f.repo)) : null);
	if (can('admin') && !f.archived && (def.schedule || f.paused)) {
		let paused = !!f.paused;
		const sw = pauseSwitch(`Schedule of ${name}`, async (b) => {
			const v = await togglePaused(b, name, !paused);
			if (v !== undefined) {
				paused = v;
				b.setPaused(v);
			}
		});
		sw.setPaused(paused);
		head.append(sw);
	} else if (f.paused) {
		head.append(h('span', {class: 'tag paused'}, 'paused'));
	}
	return head;
}

function scheduleCard(f, sched) {
	return h('section', {class: 'card'}, h('h2', null, 'Schedule'),
	    h('p', null, scheduleWords(sched, f.schedule_description)),
	    f.paused ? h('p', {class: 'muted'},
		'Paused: scheduled runs are not created.') : null,
	    sched && !f.paused && (f.next_runs || []).length ?
		h('div', null, h('h3', null, 'Upcoming runs'),
		    upcomingList(f, sched)) : null);
}

// The next fire times, in the schedule's own time zone, as its words say.
function upcomingList(f, sched) {
	const upcoming = h('ul', {class: 'plain'});
	const fmt = {weekday: 'short', day: 'numeric', month: 'short',
	    hour: '2-digit', minute: '2-digit', hourCycle: 'h23'};
	try {
		new Intl.DateTimeFormat([], {timeZone: sched && sched.timezone});
		fmt.timeZone = sched && sched.timezone || undefined;
	} catch (e) {
		/* unknown to this browser: local time */
	}
	for (const t of f.next_runs || []) {
		const d = parse(t);
		if (d) upcoming.append(h('li', null, d.toLocaleString([], fmt),
		    ' ', h('span', {class: 'muted small'}, '(', timeEl(t), ')')));
	}
	return upcoming;
}

// The shown version's definition as JSON, beside the list of versions.
function definitionCard(f, def, shown) {
	return h('section', {class: 'card'},
	    h('h2', null, 'Definition'),
	    shown !== f.version ? h('p', {class: 'notice inline'},
		`Showing version ${shown}; the current version is ` +
		`${f.version}.`) : null,
	    h('div', {class: 'grid-def'},
		h('pre', {class: 'code', tabindex: '0',
		    'aria-label': 'Flow definition'},
		    JSON.stringify(def, null, 2)),
		h('div', null, h('h3', null, 'Versions'),
		    versionList(f, shown))));
}

// Every version, newest first, with the commit it came from; the shown
// one is marked, the others link.
function versionList(f, shown) {
	const name = f.name;
	const versions = h('ul', {class: 'plain versions'});
	for (const v of (f.versions || []).slice().sort((a, b) =>
	    b.version - a.version)) {
		const label = `version ${v.version}`;
		versions.append(h('li', null, v.version === shown ?
		    h('strong', {'aria-current': 'true'}, label) :
		    h('a', {href: `#/flows/${encodeURIComponent(name)}` +
			(v.version === f.version ? '' : `?version=${v.version}`)},
			label),
		    h('span', {class: 'muted small'}, ' by ',
			v.created_by || '?', ' · '), timeEl(v.created_at),
		    v.commit ? h('div', {class: 'small'},
			commitLabel(v.commit, v.subject)) : null));
	}
	return versions;
}
