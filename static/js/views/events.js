// views/events.js: the audit trail, newest first: who did what to which
// object, when and from where. Filters by actor and by object type and id;
// "Older" pages back by cursor. Not polled: the trail is read on demand
// (a "Refresh" button reloads the first page).

import * as api from '../api.js';
import {h, text, table, labelCells} from '../dom.js';
import {timeEl} from '../time.js';
import {failBox} from '../ui.js';

const TYPES = ['flow', 'run', 'worker', 'user'];

function objectLink(type, id) {
	const e = encodeURIComponent(id);
	if (type === 'flow') return h('a', {href: `#/flows/${e}`}, id);
	if (type === 'run') return h('a', {href: `#/runs/${e}`, class: 'mono'},
	    id);
	if (type === 'worker') return h('a', {href: '#/workers'}, id);
	return h('span', null, id);
}

// {"flow":"etl","flow_version":2} → "flow: etl, flow_version: 2".
function detailText(d) {
	if (d === null || d === undefined || d === '') return '';
	if (typeof d === 'string') {
		try {
			d = JSON.parse(d);
		} catch (e) {
			return d;
		}
	}
	if (d && typeof d === 'object' && !Array.isArray(d))
		return Object.entries(d).map(([k, v]) => `${k}: ` +
		    (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');
	return JSON.stringify(d);
}

function row(ev) {
	const filterLink = (label, q, what) => h('a', {href: '#/events?' +
	    new URLSearchParams(q).toString(),
	    'aria-label': `Only events of ${what || label}`,
	    title: `Only events of ${what || label}`}, label);
	return h('tr', null,
	    h('td', null, timeEl(ev.at)),
	    h('td', null, filterLink(ev.actor, {actor: ev.actor})),
	    h('td', {class: 'mono small'}, ev.action),
	    h('td', null, h('span', {class: 'muted small'}, ev.object_type, ' '),
		objectLink(ev.object_type, ev.object_id), ' ',
		h('span', {class: 'small'}, '(', filterLink('only this',
		    {object_type: ev.object_type, object_id: ev.object_id},
		    `${ev.object_type} ${ev.object_id}`), ')')),
	    h('td', {class: 'small'}, ev.address || ''),
	    h('td', {class: 'mono small detail'}, detailText(ev.detail)));
}

export function mount(root, {query}) {
	document.title = 'Events — Sluice';
	const list = {
		filt: {actor: query.actor, object_type: query.object_type,
		    object_id: query.object_id},
		cursor: null, n: 0,
		tbody: h('tbody'),
		errBox: h('div'),
		empty: h('p', {class: 'empty'}, 'No events match.'),
		older: h('button', {type: 'button', class: 'btn',
		    hidden: true}, 'Older'),
		refresh: h('button', {type: 'button', class: 'btn small'},
		    'Refresh'),
		count: h('span', {class: 'muted small', role: 'status'}),
	};
	list.empty.hidden = true;
	root.append(h('div', {class: 'page-head'}, h('h1', null, 'Events'),
	    filterForm(query, list)), list.errBox,
	    table(['When', 'User', 'Action', 'Object', 'Address', 'Detail'],
		list.tbody, 'events'),
	    list.empty, h('div', {class: 'pager'}, list.older, list.refresh,
		list.count));
	list.older.addEventListener('click', () => load(list, false));
	list.refresh.addEventListener('click', () => load(list, true));
	load(list, true);
	return () => {};
}

// The user and object filters. Applying them changes the address (the
// view mounts again); applying the filters already shown reloads list.
function filterForm(query, list) {
	const actor = h('input', {id: 'ev-actor', type: 'text',
	    value: query.actor || '', autocomplete: 'off',
	    placeholder: 'any user'});
	const otype = h('select', {id: 'ev-type'},
	    h('option', {value: ''}, 'any object'),
	    TYPES.map((t) => h('option', {value: t,
		selected: query.object_type === t}, t)));
	const oid = h('input', {id: 'ev-id', type: 'text',
	    value: query.object_id || '', autocomplete: 'off',
	    placeholder: 'name or id'});
	const form = h('form', {class: 'filters', role: 'search'},
	    h('span', {class: 'pair'}, h('label', {for: 'ev-actor'}, 'User'),
		actor),
	    h('span', {class: 'pair'}, h('label', {for: 'ev-type'}, 'Object'),
		otype, h('label', {for: 'ev-id', class: 'sr'},
		    'Object name or id'), oid),
	    h('button', {type: 'submit', class: 'btn'}, 'Filter'));
	form.addEventListener('submit', (e) => {
		e.preventDefault();
		const q = new URLSearchParams();
		if (actor.value.trim()) q.set('actor', actor.value.trim());
		if (otype.value) q.set('object_type', otype.value);
		if (oid.value.trim()) q.set('object_id', oid.value.trim());
		const qs = q.toString();
		const target = '#/events' + (qs ? '?' + qs : '');
		if (location.hash === target) load(list, true);
		else location.hash = target;
	});
	return form;
}

// Reads the first page again (fresh) or the next older one and shows it.
async function load(list, fresh) {
	const btn = fresh ? list.refresh : list.older;
	btn.disabled = true;
	try {
		const page = await api.get('events', {...list.filt, limit: 100,
		    cursor: fresh ? null : list.cursor});
		const items = page.items || [];
		if (fresh) {
			list.tbody.replaceChildren();
			list.n = 0;
		}
		for (const ev of items)
			list.tbody.append(labelCells(row(ev), list.tbody));
		list.n += items.length;
		list.cursor = page.next_cursor;
		list.older.hidden = !list.cursor;
		list.empty.hidden = list.n > 0;
		const n = list.n;
		text(list.count, `${n} event${n === 1 ? '' : 's'} shown`);
		list.errBox.replaceChildren();
	} catch (e) {
		list.errBox.replaceChildren(failBox(e));
	} finally {
		btn.disabled = false;
	}
}
