// logtail.js: shows one task attempt's log and follows it while it grows.
// It reads by byte offset (X-Log-Next-Offset) and never downloads a byte
// twice while following. A large log (say 50 MB) opens on its tail: only
// the last TAIL_BYTES are read and at most MAX_LINES lines are kept in the
// page; "Load earlier" reads earlier ranges on demand. Polling pauses
// while the tab is hidden and ends when the server says the log is
// complete (X-Log-Complete: true). Lines trimmed from the top are held in
// memory (up to HOLD_BYTES) so "Load earlier" shows them without reading
// them again; only older ranges are read from the server. While the
// person has scrolled up to read, new lines wait below a "new lines"
// button instead of moving the text; back at the bottom, the pane follows
// again. Each line is "<RFC 3339 time> out|err <text>"; the text goes
// through ansi.js, so it is only ever text.

import * as api from './api.js';
import {h, text} from './dom.js';
import * as ansi from './ansi.js';
import {absolute} from './time.js';

const TAIL_BYTES = 512 * 1024;   // how much of a big log is read at first
const PROBE_BYTES = 64 * 1024;   // first read, to learn the size
const CHUNK_BYTES = 1024 * 1024; // one read while following
const EARLIER_BYTES = 256 * 1024; // one "Load earlier" range
const MAX_LINES = 2000;          // lines kept while following
const QUEUE_BYTES = 8 * 1024 * 1024; // lines held back while reading
const EARLIER_LINES = 2000;      // lines one "Load earlier" shows
const HOLD_BYTES = 8 * 1024 * 1024; // trimmed lines kept for "Load earlier"
const POLL_MS = 1000;

const LINE_RE = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) (out|err) ?(.*)$/s;
const decoder = new TextDecoder('utf-8');
const NL = 0x0a;

function concat(a, b) {
	if (!a.length) return b;
	if (!b.length) return a;
	const c = new Uint8Array(a.length + b.length);
	c.set(a, 0);
	c.set(b, a.length);
	return c;
}

// Splits bytes into complete lines: [{text, len}] and the rest (bytes
// after the last newline).
function splitLines(bytes) {
	const lines = [];
	let start = 0;
	for (let i = 0; i < bytes.length; i++) {
		if (bytes[i] === NL) {
			lines.push({text: decoder.decode(bytes.subarray(start, i)),
			    len: i + 1 - start});
			start = i + 1;
		}
	}
	return {lines, rest: bytes.subarray(start)};
}

function fmtSize(n) {
	if (n < 1024) return `${n} B`;
	if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
	return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

// The tail is one state object (a LogTail) worked on by four parts, each a
// group of functions below: reading (offsets, the first probe, polling),
// the pane (elements, lines shown, trimmed and held), following (what
// waits below while the person reads above) and the tools line (size,
// status, "Load earlier").
export class LogTail {
	// runId, task, attempt name the log; the pane is built inside el.
	constructor(el, {runId, task, attempt}) {
		this.runId = runId;
		this.task = task;
		this.attempt = attempt;
		// Reading.
		this.next = 0;          // next byte offset to read
		this.first = 0;         // byte offset of the first shown line
		this.size = 0;
		// Read, after the last newline.
		this.pending = new Uint8Array(0);
		this.skipPartial = false; // opened mid-log: drop the cut line
		this.complete = false;
		this.stopped = false;
		this.timer = null;
		this.busy = false;
		this.loadingEarlier = false;
		// The pane.
		this.shown = [];        // {text, len} of each shown line
		// Lines read and trimmed, just before first.
		this.held = [];
		// Read, before the held lines, not yet a whole line.
		this.headBytes = new Uint8Array(0);
		this.heldBytes = 0;
		this.max = MAX_LINES;
		this.states = {out: ansi.newState(), err: ansi.newState()};
		// Following: lines read while the person reads above.
		this.queue = [];
		this.queueBytes = 0;
		this.dropped = 0;       // bytes dropped from the queue's front
		buildPane(this, el);
		this.onVisible = () => {
			if (!document.hidden) kick(this, 0);
		};
		document.addEventListener('visibilitychange', this.onVisible);
	}

	// Starts reading: opens on the tail, then follows.
	async start() {
		await openTail(this);
	}

	// Stops polling and forgets the pane's listeners.
	stop() {
		this.stopped = true;
		clearTimeout(this.timer);
		document.removeEventListener('visibilitychange',
		    this.onVisible);
	}
}

// --- reading: offsets, the first probe, polling ----------------------------

// Reads the start of the log to learn its size; a large log opens on its
// last TAIL_BYTES (from the next whole line), a small one is shown.
async function openTail(t) {
	await readAt(t, 0, PROBE_BYTES, (probe) => {
		t.size = probe.size;
		if (probe.size > TAIL_BYTES && probe.next < probe.size) {
			t.next = probe.size - TAIL_BYTES;
			t.first = t.next;
			t.skipPartial = true;
		} else {
			take(t, probe);
		}
	});
	kick(t, t.complete ? -1 : 0);
}

// Reads at most limit bytes from offset and hands them to use, unless the
// tail stopped meanwhile; the status line shows whether that failed.
async function readAt(t, offset, limit, use) {
	try {
		const r = await api.log(t.runId, t.task, t.attempt, offset,
		    limit);
		if (t.stopped) return;
		use(r);
		showError(t, null);
	} catch (e) {
		showError(t, e);
	}
}

// Schedules the next read in delay ms (none when delay < 0).
function kick(t, delay) {
	clearTimeout(t.timer);
	if (t.stopped || t.complete || delay < 0) return;
	t.timer = setTimeout(() => pollOnce(t), delay);
}

// Reads what follows next; reads again at once while chunks come full.
async function pollOnce(t) {
	if (t.stopped || t.complete || t.busy) return;
	if (document.hidden) return; // resumed by visibilitychange
	t.busy = true;
	let full = false;
	await readAt(t, t.next, CHUNK_BYTES, (r) => {
		full = r.bytes.length >= CHUNK_BYTES;
		take(t, r);
	});
	t.busy = false;
	kick(t, full ? 0 : POLL_MS);
}

// Handles one read from the tail end: moves the offsets on and shows the
// complete lines (the last line too once the log is complete).
function take(t, r) {
	let bytes = r.bytes;
	t.size = Math.max(t.size, r.size, r.next);
	if (r.next !== t.next + bytes.length && r.next > t.next) {
		// The server skipped ahead; trust its offset.
		bytes = bytes.subarray(0, Math.max(0, r.next - t.next));
	}
	t.next = Math.max(t.next, r.next);
	if (t.skipPartial) bytes = skipCutLine(t, bytes);
	const {lines, rest} = splitLines(concat(t.pending, bytes));
	t.pending = rest.slice();
	if (r.complete) {
		t.complete = true;
		if (t.pending.length) {
			lines.push({text: decoder.decode(t.pending),
			    len: t.pending.length});
			t.pending = new Uint8Array(0);
		}
	}
	append(t, lines);
	updateInfo(t);
}

// Opened mid-log: the bytes up to the first newline end a line that began
// before them. They are kept in headBytes (for "Load earlier") and not
// shown; returns the bytes after them.
function skipCutLine(t, bytes) {
	const i = bytes.indexOf(NL);
	const cut = i < 0 ? bytes.length : i + 1;
	t.first += cut;
	t.headBytes = concat(t.headBytes, bytes.subarray(0, cut).slice());
	if (i >= 0) t.skipPartial = false;
	return bytes.subarray(cut);
}

// Shows the lines just before the first shown one: held lines first,
// then a range read from the server.
async function loadEarlier(t) {
	if (t.first <= 0 || t.loadingEarlier) return;
	t.loadingEarlier = true;
	t.earlierBtn.disabled = true;
	try {
		let lines;
		if (t.held.length) {
			lines = t.held.splice(
			    Math.max(0, t.held.length - EARLIER_LINES));
			for (const l of lines) t.heldBytes -= l.len;
		} else {
			lines = await readEarlier(t);
			if (t.stopped || !lines) return;
		}
		prepend(t, lines);
		showError(t, null);
	} catch (e) {
		showError(t, e);
	} finally {
		t.loadingEarlier = false;
		t.earlierBtn.disabled = false;
		updateInfo(t);
	}
}

// Reads up to EARLIER_BYTES before the first shown line (and before
// the bytes already held for it); returns the complete lines. The
// partial line at the start of the range is kept in headBytes, so no
// byte is read twice.
async function readEarlier(t) {
	const end = t.first - t.headBytes.length;
	const from = Math.max(0, end - EARLIER_BYTES);
	let bytes = t.headBytes;
	if (end > from) {
		const r = await api.log(t.runId, t.task, t.attempt,
		    from, end - from);
		bytes = concat(r.bytes.subarray(0, end - from), bytes);
	}
	t.headBytes = new Uint8Array(0);
	if (from > 0) {
		const i = bytes.indexOf(NL);
		const cut = i < 0 ? bytes.length : i + 1;
		t.headBytes = bytes.subarray(0, cut).slice();
		bytes = bytes.subarray(cut);
	}
	const {lines, rest} = splitLines(bytes);
	if (rest.length)
		lines.push({text: decoder.decode(rest), len: rest.length});
	return lines;
}

// --- the pane: elements, lines shown, trimmed and held ---------------------

// Builds the tools line, the log itself and the "new lines" button in el.
function buildPane(t, el) {
	t.earlierBtn = h('button', {type: 'button',
	    class: 'btn small', hidden: true,
	    onclick: () => loadEarlier(t)}, 'Load earlier');
	t.info = h('span', {class: 'muted small'});
	t.status = h('span', {class: 'log-status small',
	    role: 'status'});
	t.pre = h('div', {class: 'log', role: 'log', tabindex: '0',
	    'aria-label': `Log of ${t.task}, attempt ${t.attempt}`,
	    'aria-live': 'off'});
	t.newBtn = h('button', {type: 'button', class: 'btn small log-new',
	    hidden: true, onclick: () => flush(t)});
	t.empty = h('div', {class: 'log-empty muted'}, 'No output yet.');
	t.pre.appendChild(t.empty);
	el.replaceChildren(h('div', {class: 'log-tools'},
	    t.earlierBtn, t.info, t.status), t.pre,
	    t.newBtn);
	t.pre.addEventListener('scroll', () => {
		if (t.queue.length && atBottom(t)) flush(t);
	});
}

// One line's element; states carries each stream's colours from line to
// line.
function lineEl(states, line) {
	const m = LINE_RE.exec(line);
	const el = h('div', {class: 'line'});
	let st = states.out;
	if (m) {
		const d = new Date(m[1]);
		const ts = h('span', {class: 'ts'},
		    isNaN(d) ? m[1] : d.toTimeString().slice(0, 8));
		if (!isNaN(d)) ts.setAttribute('title', absolute(d));
		el.appendChild(ts);
		if (m[2] === 'err') {
			el.classList.add('err');
			st = states.err;
			el.appendChild(h('span', {class: 'stream'}, 'err'));
		}
		line = m[3];
	}
	ansi.render(el.appendChild(h('span', {class: 'txt'})), line, st);
	return el;
}

// Shows lines at the end, keeping at most t.max: the oldest shown lines go
// first, then the oldest of the new ones. Scrolls to the end.
function showLines(t, lines) {
	if (t.empty.isConnected) t.empty.remove();
	const extra = t.shown.length + lines.length - t.max;
	const fromShown = Math.min(Math.max(0, extra), t.shown.length);
	trim(t, fromShown);
	const skip = Math.max(0, extra - fromShown);
	for (let i = 0; i < skip; i++) hold(t, lines[i]);
	const frag = document.createDocumentFragment();
	for (let i = skip; i < lines.length; i++) {
		frag.appendChild(lineEl(t.states, lines[i].text));
		t.shown.push(lines[i]);
	}
	t.pre.appendChild(frag);
	t.pre.scrollTop = t.pre.scrollHeight;
}

// Removes the first n shown lines (in one go: there may be thousands).
function trim(t, n) {
	if (n <= 0) return;
	const r = document.createRange();
	r.setStartBefore(t.pre.firstChild);
	r.setEndAfter(t.pre.children[n - 1]);
	r.deleteContents();
	for (const line of t.shown.splice(0, n)) hold(t, line);
}

// Moves a line trimmed from the top into the held lines.
function hold(t, line) {
	t.first += line.len;
	t.held.push(line);
	t.heldBytes += line.len;
	while (t.heldBytes > HOLD_BYTES && t.held.length)
		t.heldBytes -= t.held.shift().len;
}

// Shows earlier lines above the first shown one without moving the text
// the person is reading. Their colours start afresh: what came before
// them is not known.
function prepend(t, lines) {
	const states = {out: ansi.newState(), err: ansi.newState()};
	const frag = document.createDocumentFragment();
	let bytes = 0;
	for (const l of lines) {
		frag.appendChild(lineEl(states, l.text));
		bytes += l.len;
	}
	const p = t.pre;
	const below = p.scrollHeight - p.scrollTop;
	if (t.empty.isConnected) t.empty.remove();
	p.insertBefore(frag, p.firstChild);
	p.scrollTop = p.scrollHeight - below;
	t.shown = lines.concat(t.shown);
	t.max = Math.max(t.max, t.shown.length);
	t.first -= bytes;
}

// --- following: what waits below while the person reads above --------------

function atBottom(t) {
	const p = t.pre;
	return p.scrollHeight - p.scrollTop - p.clientHeight < 40;
}

// Shows lines at the end. While the person has scrolled up to read,
// nothing moves: the lines wait in a queue (up to QUEUE_BYTES, the
// oldest dropped beyond) until they come back to the bottom.
function append(t, lines, force) {
	if (!lines.length) return;
	if (!force && t.shown.length && !atBottom(t)) {
		enqueue(t, lines);
		return;
	}
	showLines(t, lines);
}

function enqueue(t, lines) {
	for (const l of lines) {
		t.queue.push(l);
		t.queueBytes += l.len;
	}
	while (t.queueBytes > QUEUE_BYTES && t.queue.length) {
		const l = t.queue.shift();
		t.queueBytes -= l.len;
		t.dropped += l.len;
	}
	const n = t.queue.length;
	text(t.newBtn, `${n} new line${n === 1 ? '' : 's'} below — ` +
	    'jump to the end');
	t.newBtn.hidden = false;
}

// Shows the queued lines and follows the log again. When some were
// dropped, the shown lines are no longer followed by them: the pane
// starts afresh (earlier lines can still be loaded).
function flush(t) {
	const lines = t.queue;
	t.queue = [];
	t.queueBytes = 0;
	t.newBtn.hidden = true;
	if (t.dropped) {
		let end = t.first;
		for (const l of t.shown) end += l.len;
		trim(t, t.shown.length);
		t.held = [];
		t.heldBytes = 0;
		t.headBytes = new Uint8Array(0);
		t.first = end + t.dropped;
		t.dropped = 0;
		t.max = MAX_LINES;
	}
	append(t, lines, true);
	t.pre.scrollTop = t.pre.scrollHeight;
	updateInfo(t);
}

// --- the tools line: size, status, "Load earlier" ---------------------------

function showError(t, e) {
	text(t.status, e ? `Log unavailable: ${e.message}` : '');
	t.status.classList.toggle('bad', !!e);
}

function updateInfo(t) {
	t.earlierBtn.hidden = t.first <= 0;
	const shown = t.shown.length;
	let s = `${shown} line${shown === 1 ? '' : 's'}`;
	if (t.first > 0)
		s += ` — the last ${fmtSize(t.size - t.first)} of ` +
		    fmtSize(t.size);
	else s += `, ${fmtSize(t.size)}`;
	if (t.complete) {
		s += ', complete';
		if (!shown) text(t.empty, 'The log is empty.');
	}
	text(t.info, s);
}
