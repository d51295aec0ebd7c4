// app.js: the dashboard's entry point. Learns who the person is
// (GET /api/me), then routes on location.hash to one view module at a
// time: each view's mount(root, route) returns a cleanup function that
// stops its polling, called before the next view mounts.
//
// Routes: #/flows, #/flows/<name>[?version=N], #/runs[?flow=&state=],
// #/runs/<id>[?task=&attempt=], #/repos, #/workers, #/events[?actor=
// &object_type=&object_id=].

import * as api from './api.js';
import {h, text} from './dom.js';
import {me, notify, failBox} from './ui.js';
import * as flows from './views/flows.js';
import * as flow from './views/flow.js';
import * as runs from './views/runs.js';
import * as run from './views/run.js';
import * as repos from './views/repos.js';
import * as workers from './views/workers.js';
import * as events from './views/events.js';

const ROUTES = [
	[/^\/?(?:flows)?\/?$/, 'flows', flows],
	[/^\/flows\/([^/]+)$/, 'flows', flow],
	[/^\/runs\/?$/, 'runs', runs],
	[/^\/runs\/([^/]+)$/, 'runs', run],
	[/^\/repos\/?$/, 'repos', repos],
	[/^\/workers\/?$/, 'workers', workers],
	[/^\/events\/?$/, 'events', events],
];

let cleanup = null;
let first = true;

// Splits the hash into path, decoded path parameters and query.
function parseHash() {
	const raw = location.hash.replace(/^#/, '');
	const qi = raw.indexOf('?');
	const path = qi < 0 ? raw : raw.slice(0, qi);
	const query = Object.fromEntries(
	    new URLSearchParams(qi < 0 ? '' : raw.slice(qi + 1)));
	return {path, query};
}

function route() {
	const {path, query} = parseHash();
	const main = document.getElementById('main');
	if (cleanup) {
		try {
			cleanup();
		} catch (e) {
			/* a view's cleanup must not stop navigation */
		}
		cleanup = null;
	}
	let found = null;
	for (const [re, nav, view] of ROUTES) {
		const m = re.exec(path);
		if (m) {
			let params;
			try {
				params = m.slice(1).map(decodeURIComponent);
			} catch (e) {
				break;
			}
			found = {nav, view, params};
			break;
		}
	}
	for (const a of document.querySelectorAll('nav a[data-nav]')) {
		if (found && a.dataset.nav === found.nav)
			a.setAttribute('aria-current', 'page');
		else a.removeAttribute('aria-current');
	}
	main.replaceChildren();
	if (!found) {
		main.append(h('h1', null, 'Not found'),
		    h('p', null, 'There is no page at this address. ',
			h('a', {href: '#/flows'}, 'Go to the flows.')));
		document.title = 'Not found — Sluice';
		return;
	}
	try {
		cleanup = found.view.mount(main, {params: found.params, query});
	} catch (e) {
		main.append(failBox(e));
	}
	if (!first) main.focus({preventScroll: true});
	first = false;
	window.scrollTo(0, 0);
}

async function start() {
	document.querySelector('.skip').addEventListener('click', (e) => {
		e.preventDefault();
		document.getElementById('main').focus();
	});
	try {
		const who = await api.get('me');
		me.name = who.name || '';
		me.role = who.role || '';
	} catch (e) {
		notify(`Could not learn your role (${e.message}); ` +
		    'showing the read-only dashboard.', 'error');
	}
	const meEl = document.getElementById('me');
	if (me.name) text(meEl, `${me.name} · ${me.role}`);
	window.addEventListener('hashchange', route);
	route();
}

start();
