// views/run.js: one run. Header (state, flow version, parameters, who and
// when, duration), the actions the person's role allows (Cancel, Retry
// failed tasks, Rerun), the tasks with state, attempts, duration and exit
// code, a timeline, and the log of the selected task attempt, followed
// live. Polls the run every second until it is terminal.
//
// Until the person picks a task, the log follows the run by itself: the
// task that is running, else the first that failed, else the last that
// ran; a new attempt (a retry) is followed too.

import * as api from '../api.js';
import {h, text, attr, syncList, table, clear} from '../dom.js';
import {timeEl, duration, between} from '../time.js';
import {can, act, poll, stateBadge, setState, flowLink, runLink, failBox,
    origin, setQuery, notify, shortId, runDuration, RUN_TERMINAL,
    TASK_TERMINAL, commitLabel, repoLink}
    from '../ui.js';
import {gantt} from '../gantt.js';
import {LogTail} from '../logtail.js';

const FAILED = new Set(['FAILED', 'CRASHED']);
const SIGNALS = {2: 'interrupted', 9: 'killed', 15: 'stopped'};

function latestAttempt(t) {
	const as = t.attempts || [];
	return as.length ? as[as.length - 1] : null;
}

function started(a) {
	return !!(a && (a.started_at || (a.state && a.state !== 'PENDING' &&
	    a.state !== 'AWAITING_RETRY' && a.state !== 'SKIPPED')));
}

// The task the log should show when the person has not chosen one.
function autoPick(run) {
	const ts = run.tasks || [];
	const live = ts.find((t) => t.state === 'RUNNING');
	if (live) return live.name;
	const bad = ts.find((t) => FAILED.has(t.state));
	if (bad) return bad.name;
	let last = null, lastAt = '';
	for (const t of ts) {
		const a = (t.attempts || []).slice().reverse().find(started);
		if (a && (a.started_at || '') >= lastAt) {
			last = t.name;
			lastAt = a.started_at || '';
		}
	}
	return last;
}
function fmtValue(v) {
	return typeof v === 'string' ? v : JSON.stringify(v);
}

// The view mounts in phases, each a function below taking the view's state
// object v: newView (what is shown and selected), buildSkeleton (the
// elements, built once), wireActions (the buttons), then polling: each tick
// renders the header, the facts, the task table, the timeline and the
// selected task's log. Polls update the skeleton in place.
export function mount(root, {params, query}) {
	const id = params[0];
	document.title = `Run ${id} — Sluice`;
	const v = newView(id, query);
	root.append(v.el.body);
	wireActions(v);
	restartPolling(v);
	return () => {
		if (v.poller) v.poller.stop();
		stopTail(v);
	};
}

// The view's state: the run last read, the selection (a task the person
// picked, or the one autoPick follows), the log tail, the poller and the
// elements of the skeleton.
function newView(id, query) {
	return {
		id, run: null,
		manual: !!query.task,
		task: query.task || null,
		attempt: query.attempt ? Number(query.attempt) : null,
		attemptPinned: !!query.attempt,
		tail: null, tailKey: '',
		poller: null, failures: 0,
		el: buildSkeleton(id),
	};
}

// --- skeleton, built once; polls update it in place ------------------------

function buildSkeleton(id) {
	const el = {
		state: stateBadge('PENDING'),
		// The flow's name heads the page once known; the id is
		// secondary.
		titleFlow: h('span', null, 'Run'),
		facts: h('dl', {class: 'facts'}),
		durEl: h('span'),
		...buildActions(),
		tbody: h('tbody'),
		timeline: h('div', {class: 'timeline'}),
		...buildLogParts(),
		errBox: h('div'),
	};
	const title = h('h1', null, el.titleFlow, ' ', h('span',
	    {class: 'run-id mono', title: id}, shortId(id)));
	// Shown once the run has loaded (nothing to show for a wrong id).
	el.cards = h('div', {hidden: true},
	    h('section', {class: 'card'}, el.facts),
	    h('section', {class: 'card'}, h('h2', null, 'Tasks'),
		table(['Task', 'State', 'Attempts', 'Duration', 'Exit code'],
		    el.tbody, 'tasks'),
		h('h3', null, 'Timeline'), el.timeline),
	    h('section', {class: 'card log-card', id: 'log'},
		h('div', {class: 'log-head'}, el.logHead, el.attemptsBar,
		    el.download),
		el.logNote, el.logPane));
	el.state.hidden = true;
	el.body = h('div', {class: 'run-page'},
	    h('div', {class: 'page-head'}, title, el.state, el.actions),
	    el.errBox, el.cards);
	return el;
}

// The action buttons, hidden until the run says which apply; only a role
// that may run flows gets them at all.
function buildActions() {
	const actions = h('div', {class: 'actions'});
	const cancelBtn = h('button', {type: 'button', class: 'btn danger',
	    id: 'run-cancel', hidden: true,
	    title: 'Stop this run and its running tasks'}, 'Cancel');
	const retryBtn = h('button', {type: 'button', class: 'btn',
	    id: 'run-retry', hidden: true,
	    title: 'Run the tasks that did not finish again, in this run'},
	    'Retry failed tasks');
	const rerunBtn = h('button', {type: 'button', class: 'btn',
	    id: 'run-rerun', hidden: true,
	    title: 'Start a new run of the same flow version and parameters'},
	    'Rerun');
	if (can('run')) actions.append(cancelBtn, retryBtn, rerunBtn);
	return {actions, cancelBtn, retryBtn, rerunBtn};
}

function buildLogParts() {
	return {
		logHead: h('h2', null, 'Log'),
		attemptsBar: h('div', {class: 'attempts', role: 'group',
		    'aria-label': 'Attempts'}),
		download: h('a', {class: 'btn small', hidden: true,
		    download: ''}, 'Download raw log'),
		logNote: h('p', {class: 'muted'}),
		logPane: h('div', {class: 'log-pane'}),
	};
}

// --- actions ---------------------------------------------------------------

function wireActions(v) {
	const {cancelBtn, retryBtn, rerunBtn} = v.el;
	cancelBtn.addEventListener('click', () => cancelRun(v));
	retryBtn.addEventListener('click', () => retryRun(v));
	rerunBtn.addEventListener('click', () => rerunRun(v));
}

async function cancelRun(v) {
	const r = await act(v.el.cancelBtn, () =>
	    api.post(`runs/${api.seg(v.id)}/cancel`, {}),
	    'Cancel requested');
	if (r) v.poller.now();
}

// A retry makes new attempts: the log follows them unless the person
// picked a task (then it stays on that task, on its newest attempt).
async function retryRun(v) {
	const r = await act(v.el.retryBtn, () =>
	    api.post(`runs/${api.seg(v.id)}/retry`, {}),
	    'Retrying the failed tasks');
	if (r) {
		if (!v.manual) v.task = null;
		v.attemptPinned = false;
		restartPolling(v);
	}
}

async function rerunRun(v) {
	const r = await act(v.el.rerunBtn, () =>
	    api.post(`runs/${api.seg(v.id)}/rerun`, {}));
	if (r && r.id) location.hash = '#/runs/' +
	    encodeURIComponent(r.id);
}

// --- selection and log -----------------------------------------------------

// Shows task's attempt (null: its latest that started). byPerson: the
// person chose it, so autoPick stops and the address records the choice.
function select(v, task, attempt, byPerson) {
	if (byPerson) {
		v.manual = true;
		v.attemptPinned = attempt !== null && attempt !== undefined;
	}
	v.task = task;
	v.attempt = attempt ?? null;
	if (byPerson) setQuery({task, attempt: v.attemptPinned ?
	    attempt : undefined});
	if (v.run) renderSelection(v);
}

function renderSelection(v) {
	const run = v.run;
	if (!v.manual) v.task = autoPick(run) || v.task;
	const t = (run.tasks || []).find((x) => x.name === v.task);
	markSelected(v.el.tbody, v.task);
	if (!t) {
		showNoTask(v, run);
		return;
	}
	const as = t.attempts || [];
	const {a, note} = shownAttempt(v, t);
	const n = a ? a.attempt : (t.attempt || 1);
	text(v.el.logHead, `Log — ${t.name}` +
	    (as.length > 1 ? ` (attempt ${n} of ${as.length})` : ''));
	renderAttempts(v, t, n);
	if (!started(a)) {
		showNotStarted(v, t, a);
		return;
	}
	text(v.el.logNote, note);
	followLog(v, t, n);
}

// Marks the selected task's row and its pick button.
function markSelected(tbody, task) {
	for (const row of tbody.children)
		row.classList.toggle('selected', row.dataset.task === task);
	for (const b of tbody.querySelectorAll('button.task-pick'))
		attr(b, 'aria-pressed',
		    b.dataset.task === task ? 'true' : 'false');
}

// The attempt whose log to show: the pinned one, else the latest; when
// the latest has not started, the last one that did, with a note saying
// so.
function shownAttempt(v, t) {
	const as = t.attempts || [];
	let a = null;
	if (v.attemptPinned && v.attempt)
		a = as.find((x) => x.attempt === v.attempt) || null;
	let note = '';
	if (!a) {
		a = latestAttempt(t);
		const prev = as.slice().reverse().find(started);
		if (a && !started(a) && prev) {
			note = `Attempt ${a.attempt} ` + (a.state ===
			    'AWAITING_RETRY' ? 'waits to retry' :
			    'has not started') + `; showing attempt ` +
			    `${prev.attempt}.`;
			a = prev;
		}
	}
	return {a, note};
}

// One button per attempt when there is more than one; rebuilt only when
// the attempts or the shown one changed.
function renderAttempts(v, t, n) {
	const bar = v.el.attemptsBar;
	const as = t.attempts || [];
	const key = t.name + '\n' + as.map((x) => x.attempt).join(',') +
	    '/' + n;
	if (bar.dataset.key === key) return;
	bar.dataset.key = key;
	bar.replaceChildren(...(as.length > 1 ? as.map(
	    (x) => attemptButton(v, t.name, x.attempt, n)) : []));
}

// The button that shows attempt n of task; pressed when it is shown.
function attemptButton(v, task, n, shown) {
	return h('button', {type: 'button',
	    class: 'btn small',
	    'aria-pressed': n === shown ? 'true' : 'false',
	    onclick: () => select(v, task, n, true)},
	    `attempt ${n}`);
}

function showNoTask(v, run) {
	text(v.el.logHead, 'Log');
	v.el.attemptsBar.replaceChildren();
	v.el.download.hidden = true;
	text(v.el.logNote, (run.tasks || []).length ?
	    'The log appears here when a task starts.' :
	    'This run has no tasks.');
	stopTail(v);
}

function showNotStarted(v, t, a) {
	stopTail(v);
	v.el.download.hidden = true;
	text(v.el.logNote, (a ? a.state : t.state) === 'SKIPPED' ?
	    'Skipped: an upstream task did not complete, so ' +
	    'there is no log.' : a && a.state === 'AWAITING_RETRY' ?
	    'Waiting to retry.' : 'Not started yet.');
}

// Shows attempt n of task t in the log pane; a new tail starts only when
// the task or attempt changed.
function followLog(v, t, n) {
	v.el.download.hidden = false;
	attr(v.el.download, 'href', api.logDownloadUrl(v.id, t.name, n));
	const tk = `${t.name}\n${n}`;
	if (v.tailKey === tk) return;
	stopTail(v);
	v.tailKey = tk;
	v.tail = new LogTail(v.el.logPane, {runId: v.id, task: t.name,
	    attempt: n});
	v.tail.start();
}

function stopTail(v) {
	if (v.tail) v.tail.stop();
	v.tail = null;
	v.tailKey = '';
	v.el.logPane.replaceChildren();
}

// --- rendering -------------------------------------------------------------

// One row of the task table (for syncList).
function buildTask(v, t) {
	const pick = h('button', {type: 'button', class: 'linkish ' +
	    'task-pick', dataset: {task: t.name},
	    onclick: () => select(v, t.name, null, true)}, t.name);
	const cells = {st: stateBadge(t.state), att: h('span'),
	    dur: h('span'), code: h('span')};
	const el = h('tr', {dataset: {task: t.name}},
	    h('td', null, pick), h('td', null, cells.st),
	    h('td', {class: 'num'}, cells.att),
	    h('td', {class: 'num'}, cells.dur),
	    h('td', {class: 'num'}, cells.code));
	return {el, update: (x) => updateTask(cells, x)};
}

function updateTask({st, att, dur, code}, x) {
	setState(st, x.state);
	const tries = (x.attempts || []).filter(started).length;
	text(att, tries ? String(tries) : '—');
	text(dur, x.started_at ? duration(between(x.started_at,
	    x.ended_at)) + (TASK_TERMINAL.has(x.state) ? '' :
	    x.state === 'RUNNING' ? '…' : '') : '—');
	const a = latestAttempt(x) || x;
	text(code, x.exit_code !== null &&
	    x.exit_code !== undefined ? String(x.exit_code) :
	    a.signal ? `signal ${a.signal}` +
	    (SIGNALS[a.signal] ? ` (${SIGNALS[a.signal]})` : '') :
	    '—');
}

function render(v, run) {
	v.run = run;
	renderHead(v, run);
	renderFacts(v, run);
	const {tbody, timeline} = v.el;
	syncList(tbody, run.tasks || [], (t) => t.name,
	    (t) => buildTask(v, t));
	timeline.replaceChildren(gantt(run, run.tasks || [],
	    timeline.clientWidth || 700,
	    (task, attempt) => select(v, task, attempt, true)));
	renderSelection(v);
}

// The state badge, the title and which actions apply.
function renderHead(v, run) {
	const {state, cards, titleFlow, cancelBtn, retryBtn, rerunBtn} = v.el;
	setState(state, run.state);
	state.hidden = cards.hidden = false;
	text(titleFlow, run.flow);
	const terminal = RUN_TERMINAL.has(run.state);
	document.title = `${run.flow} ${run.state.toLowerCase()} — ` +
	    'Sluice';
	cancelBtn.hidden = terminal || run.state === 'CANCELLING' ||
	    !!run.cancel_requested;
	retryBtn.hidden = !(run.state === 'FAILED' ||
	    run.state === 'CRASHED' || run.state === 'CANCELLED');
	text(retryBtn, run.state === 'CANCELLED' ?
	    'Retry cancelled tasks' : 'Retry failed tasks');
	rerunBtn.hidden = false;
}

const fact = (label, value, cls) => h('div', {class: cls},
    h('dt', null, label), h('dd', null, value));

// The facts list. The duration ticks on every poll; the list is rebuilt
// only when something but the duration changed, so hovering a time keeps
// its tooltip while the run goes on.
function renderFacts(v, run) {
	const {facts, durEl} = v.el;
	text(durEl, runDuration(run));
	const key = JSON.stringify([run.state, run.started_at,
	    run.ended_at, run.worker, run.retry_count, run.reason,
	    run.cancel_requested]);
	if (facts.dataset.key === key) return;
	facts.dataset.key = key;
	clear(facts, ...factList(run, durEl));
}

function factList(run, durEl) {
	const terminal = RUN_TERMINAL.has(run.state);
	const params = Object.entries(run.parameters || {});
	return [
	    fact('Flow', [flowLink(run.flow), ` v${run.flow_version}`]),
	    run.commit ? fact('Commit', [commitLabel(run.commit.id,
		run.commit.subject), ' in ', repoLink(run.commit.repo)]) :
		null,
	    fact('Started by', origin(run)),
	    run.trigger === 'schedule' ? fact('Scheduled for',
		timeEl(run.scheduled_for)) : null,
	    run.started_at ? fact('Started', timeEl(run.started_at)) :
		fact('Waiting since', timeEl(run.created_at)),
	    run.ended_at ? fact('Ended', timeEl(run.ended_at)) : null,
	    fact('Duration', durEl),
	    fact('Parameters', params.length ? h('ul', {class: 'params'},
		params.map(([k, val]) => h('li', null,
		    h('span', {class: 'mono'}, k), ' = ',
		    h('span', {class: 'mono'}, fmtValue(val))))) :
		'none', params.length ? 'wide' : null),
	    run.worker ? fact('Worker', run.worker) : null,
	    run.retry_count ? fact('Retries', String(run.retry_count)) :
		null,
	    run.rerun_of ? fact('Rerun of', runLink(run.rerun_of)) : null,
	    run.reason ? fact('Reason', run.reason) : null,
	    run.cancel_requested && !terminal ? fact('Cancel',
		'requested') : null,
	];
}

// --- polling ---------------------------------------------------------------

// One poll: reads the run and renders it; stops once the run is terminal
// or does not exist. Three failures in a row are reported once.
async function tick(v) {
	try {
		const run = await api.get(`runs/${api.seg(v.id)}`);
		v.failures = 0;
		v.el.errBox.replaceChildren();
		render(v, run);
		if (RUN_TERMINAL.has(run.state) && v.poller) v.poller.stop();
	} catch (e) {
		if (e.status === 404) {
			v.el.errBox.replaceChildren(failBox(e), h('p', null,
			    h('a', {href: '#/runs'}, 'All runs')));
			if (v.poller) v.poller.stop();
		} else if (++v.failures === 3) {
			notify(`Could not refresh the run: ${e.message}`,
			    'error');
		}
	}
}

function restartPolling(v) {
	if (v.poller) v.poller.stop();
	v.poller = poll(() => tick(v), 1000);
}
