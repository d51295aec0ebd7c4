// views/runs.js: the runs list, newest first, filtered by flow and state.
// The first page refreshes every 3 s while visible; "Older" pages back by
// the API's keyset cursor and keeps what it loaded.

import * as api from '../api.js';
import {h, text, syncList, table} from '../dom.js';
import {timeEl, setTime} from '../time.js';
import {poll, stateBadge, setState, runLink, flowLink, failBox, origin,
    runDuration, RUN_STATES} from '../ui.js';

const PAGE = 50;

function buildRow(r) {
	const st = stateBadge(r.state);
	const when = timeEl(null);
	const dur = h('span');
	const who = h('span');
	const ver = h('span', {class: 'muted small'});
	const el = h('tr', {dataset: {run: r.id}},
	    h('td', null, st),
	    h('td', null, flowLink(r.flow), ' ', ver),
	    h('td', null, when),
	    h('td', {class: 'num'}, dur),
	    h('td', null, who),
	    h('td', null, runLink(r.id)));
	return {el, update(x) {
		setState(st, x.state);
		text(ver, `v${x.flow_version}`);
		// When it started; a run still to come shows when it is due.
		setTime(when, x.state === 'SCHEDULED' ? x.scheduled_for :
		    x.started_at || x.created_at);
		text(dur, runDuration(x));
		text(who, origin(x));
	}};
}

export function mount(root, {query}) {
	document.title = 'Runs — Sluice';
	const {form, names} = filterForm(query);
	const list = {
		filt: {flow: query.flow, state: query.state},
		head: [], tail: [], cursor: null, loadedOlder: false,
		tbody: h('tbody'),
		errBox: h('div'),
		empty: h('p', {class: 'empty'}, query.flow || query.state ?
		    'No runs match these filters.' : ['No runs yet. Start ' +
			'one from ', h('a', {href: '#/flows'}, 'the flows'),
			'.']),
		older: h('button', {type: 'button', class: 'btn',
		    hidden: true}, 'Older'),
	};
	list.empty.hidden = true;
	root.append(h('div', {class: 'page-head'}, h('h1', null, 'Runs'), form),
	    list.errBox,
	    table(['State', 'Flow', 'When', 'Duration', 'Started by', 'Run'],
		list.tbody, 'runs'),
	    list.empty, h('div', {class: 'pager'}, list.older));
	list.older.addEventListener('click', () => loadOlder(list));
	api.get('flows', {limit: 500}).then((f) => {
		names.replaceChildren(...(f.items || []).map((x) =>
		    h('option', {value: x.name})));
	}, () => {});
	const p = poll(() => refreshFirst(list), 3000);
	return () => p.stop();
}

// The flow and state filters; applying them changes the address (the
// view mounts again with the new query). names is the flow names'
// datalist, filled in once they are read.
function filterForm(query) {
	const flowIn = h('input', {id: 'runs-flow', type: 'text',
	    list: 'runs-flow-names', value: query.flow || '',
	    placeholder: 'any flow', autocomplete: 'off'});
	const names = h('datalist', {id: 'runs-flow-names'});
	const stateIn = h('select', {id: 'runs-state'},
	    h('option', {value: ''}, 'any state'),
	    RUN_STATES.map((s) => h('option', {value: s,
		selected: query.state === s}, s.toLowerCase())));
	const form = h('form', {class: 'filters', role: 'search'},
	    h('span', {class: 'pair'}, h('label', {for: 'runs-flow'}, 'Flow'),
		flowIn), names,
	    h('span', {class: 'pair'}, h('label', {for: 'runs-state'},
		'State'), stateIn),
	    h('button', {type: 'submit', class: 'btn'}, 'Filter'));
	const apply = (e) => {
		if (e) e.preventDefault();
		const q = new URLSearchParams();
		if (flowIn.value.trim()) q.set('flow', flowIn.value.trim());
		if (stateIn.value) q.set('state', stateIn.value);
		const qs = q.toString();
		location.hash = '#/runs' + (qs ? '?' + qs : '');
	};
	form.addEventListener('submit', apply);
	stateIn.addEventListener('change', apply);
	return {form, names};
}

// Shows the first page (head) followed by the older pages loaded (tail),
// each run once.
function renderList(list) {
	const seen = new Set(list.head.map((r) => r.id));
	const all = list.head.concat(list.tail.filter((r) => !seen.has(r.id)));
	syncList(list.tbody, all, (r) => r.id, buildRow);
	list.empty.hidden = all.length > 0;
	list.older.hidden = !list.cursor;
}

// One poll: reads the first page again. Once older pages are loaded, the
// cursor stays theirs.
async function refreshFirst(list) {
	try {
		const page = await api.get('runs', {...list.filt, limit: PAGE});
		list.head = page.items || [];
		if (!list.loadedOlder) list.cursor = page.next_cursor;
		renderList(list);
		list.errBox.replaceChildren();
	} catch (e) {
		list.errBox.replaceChildren(failBox(e));
	}
}

async function loadOlder(list) {
	list.older.disabled = true;
	try {
		const page = await api.get('runs', {...list.filt,
		    limit: PAGE, cursor: list.cursor});
		list.tail = list.tail.concat(page.items || []);
		list.cursor = page.next_cursor;
		list.loadedOlder = true;
		renderList(list);
	} catch (e) {
		list.errBox.replaceChildren(failBox(e));
	} finally {
		list.older.disabled = false;
	}
}
