// views/repos.js: the flow repositories: for each, where it is (URL, ref,
// folder), how its last sync went (state, when, commit and subject, and
// when it failed the file, field and reason), the flows it owns, and for
// admins a "Sync now" button (POST /api/repos/{repo}/sync). Secrets are
// never sent by the API; the view says only whether a webhook secret is
// set. Refreshes every 3 s while visible, keeping rows (and a pressed
// button) across refreshes.

import * as api from '../api.js';
import {h, text, syncList, table} from '../dom.js';
import {timeEl, setTime} from '../time.js';
import {can, act, poll, failBox, setState, flowLink, commitLabel} from
    '../ui.js';

// "flows/x.json: tasks[0].command: expected an array", or ''.
export function syncErrorText(err) {
	if (!err) return '';
	return [err.file, err.field, err.reason].filter(Boolean).join(': ');
}

// The commit as its first 12 characters and its subject.
function commitCell(el, sync) {
	el.replaceChildren();
	if (!sync || !sync.commit) {
		el.append(h('span', {class: 'muted'}, 'none yet'));
		return;
	}
	el.append(commitLabel(sync.commit, sync.subject));
}

function flowLinks(el, names) {
	el.replaceChildren();
	(names || []).forEach((n, i) => el.append(i ? ', ' : '', flowLink(n)));
	if (!names || names.length === 0)
		el.append(h('span', {class: 'muted'}, 'none'));
}

async function syncNow(c) {
	const r = await act(c.syncBtn, () => api.post(
	    `repos/${api.seg(c.name)}/sync`, {}),
	    `Sync of ${c.name} asked for`);
	if (r) c.row.update(r);
}

// One row of the repositories table (for syncList).
function buildRow(repo) {
	const name = repo.name;
	const c = {
		name,
		where: h('span', {class: 'small muted mono'}),
		state: h('span', {class: 'state'}),
		synced: timeEl(null, 'never'),
		commit: h('span'),
		error: h('span', {class: 'sync-error'}),
		flows: h('span'),
		syncBtn: h('button', {type: 'button', class: 'btn small',
		    dataset: {repo: name}, 'aria-label': `Sync ${name} now`},
		    'Sync now'),
	};
	c.syncBtn.addEventListener('click', () => syncNow(c));
	const el = h('tr', {dataset: {repo: name}},
	    h('td', null, h('strong', null, name), h('br'), c.where),
	    h('td', null, c.state, ' ', c.synced),
	    h('td', null, c.commit),
	    h('td', null, c.error),
	    h('td', null, c.flows),
	    can('admin') ? h('td', {class: 'actions'}, c.syncBtn) : null);
	c.row = {el, update: (x) => updateRow(c, x)};
	return c.row;
}

function updateRow(c, x) {
	const sync = x.sync || {};
	text(c.where, `${x.url} · ${x.ref} · ${x.path}`);
	setState(c.state, sync.state || 'never');
	setTime(c.synced, sync.synced_at, 'never');
	commitCell(c.commit, sync);
	text(c.error, syncErrorText(sync.error));
	flowLinks(c.flows, x.flows);
}

export function mount(root) {
	document.title = 'Repositories — Sluice';
	const tbody = h('tbody');
	const errBox = h('div');
	const empty = h('p', {class: 'empty'},
	    'No repository is registered. An admin adds one with ',
	    h('code', null, 'sluicectl repo add NAME URL'), '.');
	empty.hidden = true;
	const heads = ['Repository', 'Last sync', 'Commit', 'Error', 'Flows'];
	if (can('admin')) heads.push('');
	root.append(h('div', {class: 'page-head'},
	    h('h1', null, 'Repositories')),
	    errBox, table(heads, tbody, 'repos'), empty);
	const p = poll(async () => {
		try {
			const items = await api.getAll('repos', {limit: 500});
			syncList(tbody, items, (r) => r.name, buildRow);
			empty.hidden = items.length > 0;
			errBox.replaceChildren();
		} catch (e) {
			errBox.replaceChildren(failBox(e));
		}
	}, 3000);
	return () => p.stop();
}
