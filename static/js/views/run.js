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
    origin, setQuery, notify, shortId, RUN_TERMINAL, TASK_TERMINAL}
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

export function mount(root, {params, query}) {
	const id = params[0];
	document.title = `Run ${id} — Sluice`;
	const v = {
		id, run: null,
		manual: !!query.task,
		task: query.task || null,
		attempt: query.attempt ? Number(query.attempt) : null,
		attemptPinned: !!query.attempt,
		tail: null, tailKey: '',
	};

	// --- skeleton, built once; polls update it in place ---------------
	const state = stateBadge('PENDING');
	// The flow's name heads the page once known; the id is secondary.
	const titleFlow = h('span', null, 'Run');
	const title = h('h1', null, titleFlow, ' ', h('span',
	    {class: 'run-id mono', title: id}, shortId(id)));
	const facts = h('dl', {class: 'facts'});
	const durEl = h('span');
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
	const tbody = h('tbody');
	const timeline = h('div', {class: 'timeline'});
	const logHead = h('h2', null, 'Log');
	const attemptsBar = h('div', {class: 'attempts', role: 'group',
	    'aria-label': 'Attempts'});
	const download = h('a', {class: 'btn small', hidden: true,
	    download: ''}, 'Download raw log');
	const logNote = h('p', {class: 'muted'});
	const logPane = h('div', {class: 'log-pane'});
	const errBox = h('div');
	// Shown once the run has loaded (nothing to show for a wrong id).
	const cards = h('div', {hidden: true},
	    h('section', {class: 'card'}, facts),
	    h('section', {class: 'card'}, h('h2', null, 'Tasks'),
		table(['Task', 'State', 'Attempts', 'Duration', 'Exit code'],
		    tbody, 'tasks'),
		h('h3', null, 'Timeline'), timeline),
	    h('section', {class: 'card log-card', id: 'log'},
		h('div', {class: 'log-head'}, logHead, attemptsBar, download),
		logNote, logPane));
	state.hidden = true;
	const body = h('div', {class: 'run-page'},
	    h('div', {class: 'page-head'}, title, state, actions),
	    errBox, cards);
	root.append(body);

	// --- actions -------------------------------------------------------
	cancelBtn.addEventListener('click', async () => {
		const r = await act(cancelBtn, () =>
		    api.post(`runs/${api.seg(id)}/cancel`, {}),
		    'Cancel requested');
		if (r) p.now();
	});
	retryBtn.addEventListener('click', async () => {
		const r = await act(retryBtn, () =>
		    api.post(`runs/${api.seg(id)}/retry`, {}),
		    'Retrying the failed tasks');
		if (r) {
			if (!v.manual) v.task = null;
			v.attemptPinned = false;
			restartPolling();
		}
	});
	rerunBtn.addEventListener('click', async () => {
		const r = await act(rerunBtn, () =>
		    api.post(`runs/${api.seg(id)}/rerun`, {}));
		if (r && r.id) location.hash = '#/runs/' +
		    encodeURIComponent(r.id);
	});

	// --- selection and log ---------------------------------------------
	const select = (task, attempt, byPerson) => {
		if (byPerson) {
			v.manual = true;
			v.attemptPinned = attempt !== null && attempt !== undefined;
		}
		v.task = task;
		v.attempt = attempt ?? null;
		if (byPerson) setQuery({task, attempt: v.attemptPinned ?
		    attempt : undefined});
		if (v.run) renderSelection();
	};

	const renderSelection = () => {
		const run = v.run;
		if (!v.manual) v.task = autoPick(run) || v.task;
		const t = (run.tasks || []).find((x) => x.name === v.task);
		for (const row of tbody.children)
			row.classList.toggle('selected', row.dataset.task === v.task);
		for (const b of tbody.querySelectorAll('button.task-pick'))
			attr(b, 'aria-pressed',
			    b.dataset.task === v.task ? 'true' : 'false');
		if (!t) {
			text(logHead, 'Log');
			attemptsBar.replaceChildren();
			download.hidden = true;
			text(logNote, (run.tasks || []).length ?
			    'The log appears here when a task starts.' :
			    'This run has no tasks.');
			stopTail();
			return;
		}
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
		const n = a ? a.attempt : (t.attempt || 1);
		text(logHead, `Log — ${t.name}` +
		    (as.length > 1 ? ` (attempt ${n} of ${as.length})` : ''));
		const key = t.name + '\n' + as.map((x) => x.attempt).join(',') +
		    '/' + n;
		if (attemptsBar.dataset.key !== key) {
			attemptsBar.dataset.key = key;
			attemptsBar.replaceChildren(...(as.length > 1 ? as.map(
			    (x) => h('button', {type: 'button',
				class: 'btn small',
				'aria-pressed': x.attempt === n ? 'true' : 'false',
				onclick: () => select(t.name, x.attempt, true)},
				`attempt ${x.attempt}`)) : []));
		}
		if (!started(a)) {
			stopTail();
			download.hidden = true;
			text(logNote, (a ? a.state : t.state) === 'SKIPPED' ?
			    'Skipped: an upstream task did not complete, so ' +
			    'there is no log.' : a && a.state === 'AWAITING_RETRY' ?
			    'Waiting to retry.' : 'Not started yet.');
			return;
		}
		text(logNote, note);
		download.hidden = false;
		attr(download, 'href', api.logDownloadUrl(id, t.name, n));
		const tk = `${t.name}\n${n}`;
		if (v.tailKey !== tk) {
			stopTail();
			v.tailKey = tk;
			v.tail = new LogTail(logPane, {runId: id, task: t.name,
			    attempt: n});
			v.tail.start();
		}
	};

	const stopTail = () => {
		if (v.tail) v.tail.stop();
		v.tail = null;
		v.tailKey = '';
		logPane.replaceChildren();
	};

	// --- rendering -----------------------------------------------------
	const buildTask = (t) => {
		const pick = h('button', {type: 'button', class: 'linkish ' +
		    'task-pick', dataset: {task: t.name},
		    onclick: () => select(t.name, null, true)}, t.name);
		const st = stateBadge(t.state);
		const att = h('span');
		const dur = h('span');
		const code = h('span');
		const el = h('tr', {dataset: {task: t.name}},
		    h('td', null, pick), h('td', null, st), h('td', {class: 'num'},
			att), h('td', {class: 'num'}, dur),
		    h('td', {class: 'num'}, code));
		return {el, update(x) {
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
		}};
	};

	const fact = (label, value, cls) => h('div', {class: cls},
	    h('dt', null, label), h('dd', null, value));

	const render = (run) => {
		v.run = run;
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
		const params = Object.entries(run.parameters || {});
		let dur = run.duration_s;
		if (dur === null || dur === undefined)
			dur = run.started_at ? between(run.started_at,
			    run.ended_at) : null;
		// Rebuilt only when something but the duration changed, so
		// hovering a time keeps its tooltip while the run goes on.
		text(durEl, dur === null ? '—' : duration(dur) +
		    (terminal ? '' : '…'));
		const key = JSON.stringify([run.state, run.started_at,
		    run.ended_at, run.worker, run.retry_count, run.reason,
		    run.cancel_requested]);
		if (facts.dataset.key !== key) {
			facts.dataset.key = key;
			clear(facts,
			    fact('Flow', [flowLink(run.flow), ` v${run.flow_version}`]),
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
			    run.rerun_of ? fact('Rerun of', runLink(run.rerun_of)) :
				null,
			    run.reason ? fact('Reason', run.reason) : null,
			    run.cancel_requested && !terminal ? fact('Cancel',
				'requested') : null);
		}
		syncList(tbody, run.tasks || [], (t) => t.name, buildTask);
		timeline.replaceChildren(gantt(run, run.tasks || [],
		    timeline.clientWidth || 700,
		    (task, attempt) => select(task, attempt, true)));
		renderSelection();
	};

	let p = null, failures = 0;
	const tick = async () => {
		try {
			const run = await api.get(`runs/${api.seg(id)}`);
			failures = 0;
			errBox.replaceChildren();
			render(run);
			if (RUN_TERMINAL.has(run.state) && p) p.stop();
		} catch (e) {
			if (e.status === 404) {
				errBox.replaceChildren(failBox(e), h('p', null,
				    h('a', {href: '#/runs'}, 'All runs')));
				if (p) p.stop();
			} else if (++failures === 3) {
				notify(`Could not refresh the run: ${e.message}`,
				    'error');
			}
		}
	};
	const restartPolling = () => {
		if (p) p.stop();
		p = poll(tick, 1000);
	};
	restartPolling();
	return () => {
		if (p) p.stop();
		stopTail();
	};
}
