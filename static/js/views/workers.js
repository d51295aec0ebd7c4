// views/workers.js: the workers (scheduler processes): name, pool, host,
// online or offline with the age of the last heartbeat, running tasks
// against the concurrency limit, and for admins pause/resume and an
// editor for the limit. Refreshes every 5 s while visible; rows are kept
// across refreshes so an open edit is not lost.

import * as api from '../api.js';
import {h, text, attr, syncList, table} from '../dom.js';
import {timeEl, setTime} from '../time.js';
import {can, act, poll, failBox} from '../ui.js';

// One row of the workers table (for syncList). Admins get the pause
// button and the limit editor; a limit being edited is not overwritten.
function buildRow(w) {
	const name = w.name;
	const c = {
		name, cur: w,
		online: h('span', {class: 'state'}),
		beat: timeEl(null),
		running: h('span'),
		paused: h('span', {class: 'tag paused'}, 'paused'),
		host: h('span'),
		pool: h('span'),
		pauseBtn: h('button', {type: 'button', class: 'btn small',
		    dataset: {worker: name}}),
		limitIn: h('input', {type: 'number', min: '0', max: '1000',
		    step: '1', class: 'narrow', id: 'limit-' + name.replace(
			/[^A-Za-z0-9_-]/g, '_'),
		    'aria-label': `Concurrency limit of ${name}`}),
		saveBtn: h('button', {type: 'submit', class: 'btn small'},
		    'Set limit'),
	};
	const admin = can('admin');
	const form = h('form', {class: 'inline-form'}, c.limitIn, c.saveBtn);
	c.pauseBtn.addEventListener('click', () => togglePause(c));
	form.addEventListener('submit', (e) => {
		e.preventDefault();
		saveLimit(c);
	});
	c.limitIn.addEventListener('input', () => {
		c.limitIn.dataset.dirty = '1';
	});
	const el = h('tr', {dataset: {worker: name}},
	    h('td', null, h('strong', null, name), ' ', c.paused),
	    h('td', null, c.pool),
	    h('td', null, c.host),
	    h('td', null, c.online, ' ', h('span', {class: 'small muted'},
		'heartbeat '), c.beat),
	    h('td', {class: 'num'}, c.running),
	    admin ? h('td', {class: 'actions'}, c.pauseBtn, form) : null);
	c.row = {el, update: (x) => updateRow(c, x)};
	return c.row;
}

async function togglePause(c) {
	const {name, pauseBtn} = c;
	const want = !c.cur.paused;
	const r = await act(pauseBtn, () => api.patch(
	    `workers/${api.seg(name)}`, {paused: want}),
	    `${want ? 'Paused' : 'Resumed'} ${name}`);
	if (r) c.row.update({...c.cur, ...r, paused: r.paused ?? want});
}

async function saveLimit(c) {
	const {name, limitIn, saveBtn} = c;
	const n = Number(limitIn.value);
	if (!Number.isInteger(n) || n < 0) {
		limitIn.setCustomValidity('a whole number ≥ 0');
		limitIn.reportValidity();
		return;
	}
	limitIn.setCustomValidity('');
	const r = await act(saveBtn, () => api.patch(
	    `workers/${api.seg(name)}`, {concurrency_limit: n}),
	    `Limit of ${name} set to ${n}`);
	if (r) {
		limitIn.dataset.dirty = '';
		c.row.update({...c.cur, ...r, concurrency_limit:
		    r.concurrency_limit ?? n});
	}
}

function updateRow(c, x) {
	const {name, pool, host, online, beat, running, paused, pauseBtn,
	    limitIn} = c;
	c.cur = x;
	text(pool, x.pool || '');
	text(host, (x.host || '') + (x.pid ? ` (pid ${x.pid})` : ''));
	attr(online, 'class', 'state ' + (x.online ? 'st-online' :
	    'st-offline'));
	text(online, x.online ? 'online' : 'offline');
	setTime(beat, x.last_heartbeat, 'never');
	text(running, `${x.running ?? 0} / ${x.concurrency_limit ?? '?'}`);
	paused.hidden = !x.paused;
	text(pauseBtn, x.paused ? 'Resume' : 'Pause');
	attr(pauseBtn, 'aria-label', `${x.paused ? 'Resume' : 'Pause'} ` +
	    `worker ${name}`);
	if (!limitIn.dataset.dirty && document.activeElement !== limitIn)
		limitIn.value = String(x.concurrency_limit ?? '');
}

export function mount(root) {
	document.title = 'Workers — Sluice';
	const tbody = h('tbody');
	const errBox = h('div');
	const empty = h('p', {class: 'empty'},
	    'No worker has registered yet. Start sluice-scheduler.');
	empty.hidden = true;
	const heads = ['Worker', 'Pool', 'Host', 'Status', 'Running / limit'];
	if (can('admin')) heads.push('');
	root.append(h('div', {class: 'page-head'}, h('h1', null, 'Workers')),
	    errBox, table(heads, tbody, 'workers'), empty);
	const p = poll(async () => {
		try {
			const items = await api.getAll('workers', {limit: 500});
			syncList(tbody, items, (w) => w.name, buildRow);
			empty.hidden = items.length > 0;
			errBox.replaceChildren();
		} catch (e) {
			errBox.replaceChildren(failBox(e));
		}
	}, 5000);
	return () => p.stop();
}
