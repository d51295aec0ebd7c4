// ui.js: small pieces shared by the views: who the person is and what
// their role allows, visible notices, state badges, action buttons that
// report the API's refusal, polling that runs only while the tab is
// visible and the view is on screen, and how a run's duration reads.

import {h, text, attr} from './dom.js';
import {duration, between} from './time.js';

export const RUN_TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED',
    'CRASHED']);
export const TASK_TERMINAL = new Set(['COMPLETED', 'FAILED', 'CANCELLED',
    'CRASHED', 'SKIPPED']);
export const RUN_STATES = ['SCHEDULED', 'PENDING', 'RUNNING', 'CANCELLING',
    'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED'];

// --- the person ------------------------------------------------------------

const RANK = {viewer: 1, operator: 2, admin: 3};
export const me = {name: '', role: ''};

// What each role may do. Viewers read; operators start, cancel, retry and
// rerun runs; admins also pause flows and edit workers.
export function can(what) {
	const r = RANK[me.role] || 0;
	switch (what) {
	case 'run': return r >= RANK.operator;
	case 'admin': return r >= RANK.admin;
	default: return false;
	}
}

// --- notices -----------------------------------------------------------------

// Shows a notice at the top of the page. Errors stay until dismissed;
// other notices fade after a few seconds.
export function notify(message, kind = 'info') {
	const box = document.getElementById('notices');
	const n = h('div', {class: ['notice', kind],
	    role: kind === 'error' ? 'alert' : 'status'});
	const close = h('button', {type: 'button', class: 'close',
	    'aria-label': 'Dismiss', onclick: () => n.remove()}, '×');
	n.append(h('span', {class: 'msg'}, message), close);
	box.appendChild(n);
	while (box.children.length > 4) box.firstChild.remove();
	if (kind !== 'error') setTimeout(() => n.remove(), 6000);
	return n;
}

// Runs fn for a button press: disables the button meanwhile and shows the
// API's error message when it refuses. Returns fn's result or undefined.
export async function act(btn, fn, okMessage) {
	if (btn) btn.disabled = true;
	try {
		const r = await fn();
		if (okMessage) notify(okMessage, 'ok');
		return r;
	} catch (e) {
		notify(e.message || String(e), 'error');
		return undefined;
	} finally {
		if (btn) btn.disabled = false;
	}
}

// --- states ------------------------------------------------------------------

// A state badge: colour plus the word (never colour alone).
export function stateBadge(state) {
	return setState(h('span', {class: 'state'}), state);
}

export function setState(el, state) {
	const s = state || 'UNKNOWN';
	attr(el, 'class', 'state st-' + s.toLowerCase());
	text(el, s.replace('_', ' ').toLowerCase());
	return el;
}

// A small coloured mark for a run state, with the word for screen readers
// and on hover.
export function stateMark(state, extra) {
	const s = state || 'UNKNOWN';
	return h('span', {class: 'mark st-' + s.toLowerCase(),
	    title: extra ? `${s} — ${extra}` : s},
	    h('span', {class: 'sr'}, s.toLowerCase()));
}

// --- polling -----------------------------------------------------------------

// Calls fn now and then every ms milliseconds (after the previous call
// ended) while the tab is visible. Returns {stop(), now()}.
export function poll(fn, ms) {
	let timer = null, stopped = false, running = false;
	const run = async () => {
		clearTimeout(timer);
		if (stopped || running) return;
		if (document.hidden) return;
		running = true;
		try {
			await fn();
		} catch (e) {
			/* fn reports its own errors */
		} finally {
			running = false;
		}
		if (!stopped) timer = setTimeout(run, ms);
	};
	const vis = () => {
		if (!document.hidden) run();
	};
	document.addEventListener('visibilitychange', vis);
	run();
	return {
		stop() {
			stopped = true;
			clearTimeout(timer);
			document.removeEventListener('visibilitychange', vis);
		},
		now: run,
	};
}

// How long a run took, or has taken so far, in seconds; null before it
// started. The server's duration_s when it sends one.
export function runSeconds(run) {
	return run.duration_s ?? (run.started_at ?
	    between(run.started_at, run.ended_at) : null);
}

// A run's duration in words, "…" after it while the run goes on; "—"
// before it started.
export function runDuration(run) {
	const d = runSeconds(run);
	return d === null ? '—' : duration(d) +
	    (RUN_TERMINAL.has(run.state) ? '' : '…');
}

// A link to a run page, showing a short id.
export function runLink(id, label) {
	return h('a', {href: '#/runs/' + encodeURIComponent(id),
	    class: 'mono', title: id}, label || shortId(id));
}

export function shortId(id) {
	return id ? String(id).slice(-8).toLowerCase() : '';
}

// A commit as its first 12 characters (the whole id on hover) and its
// subject line.
export function commitLabel(id, subject) {
	return h('span', {class: 'commit'},
	    h('code', {title: id}, String(id).slice(0, 12)),
	    subject ? ' ' : null,
	    subject ? h('span', {class: 'subject'}, subject) : null);
}

// A link to the repositories page naming repository name.
export function repoLink(name) {
	return h('a', {href: '#/repos', class: 'repo-link'}, name);
}

export function flowLink(name) {
	return h('a', {href: '#/flows/' + encodeURIComponent(name)}, name);
}

// "manual by ann", "schedule", "rerun by bob".
export function origin(run) {
	if (run.trigger === 'schedule') return 'schedule';
	const who = run.created_by ? ` by ${run.created_by}` : '';
	return (run.trigger || 'manual') + who;
}

// A view's error placeholder (the view could not load at all).
export function failBox(e) {
	return h('div', {class: 'notice error inline', role: 'alert'},
	    e.message || String(e));
}

// Replaces the hash's query without re-rendering the view (keeps the
// address shareable, e.g. the selected task of a run).
export function setQuery(query) {
	const raw = location.hash.replace(/^#/, '');
	const path = raw.split('?')[0];
	const q = new URLSearchParams();
	for (const [k, v] of Object.entries(query))
		if (v !== undefined && v !== null && v !== '') q.set(k, v);
	const qs = q.toString();
	history.replaceState(null, '', '#' + path + (qs ? '?' + qs : ''));
}

// --- schedules ---------------------------------------------------------------

// The schedule in words with its time zone, or "no schedule".
export function scheduleWords(schedule, description) {
	if (!schedule || !schedule.cron) return 'no schedule';
	// The server describes schedules (lib/cron.c cron_describe) so the
	// dashboard and the API never disagree about what a cron means.
	const words = description || `cron ${schedule.cron}`;
	const tz = schedule.timezone && schedule.timezone !== 'UTC' ?
	    ` (${schedule.timezone})` : schedule.timezone ? ' (UTC)' : '';
	return words + tz;
}

// A switch button for a flow or worker's paused flag.
export function pauseSwitch(label, onToggle) {
	const knob = h('span', {class: 'knob', 'aria-hidden': 'true'});
	const word = h('span', {class: 'word'});
	const b = h('button', {type: 'button', role: 'switch',
	    class: 'switch', 'aria-label': label}, knob, word);
	b.addEventListener('click', () => onToggle(b));
	b.setPaused = (paused) => {
		attr(b, 'aria-checked', paused ? 'false' : 'true');
		text(word, paused ? 'paused' : 'active');
		b.classList.toggle('off', !!paused);
	};
	return b;
}
