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

export class LogTail {
	// runId, task, attempt name the log; the pane is built inside el.
	constructor(el, {runId, task, attempt}) {
		this.runId = runId;
		this.task = task;
		this.attempt = attempt;
		this.next = 0;          // next byte offset to read
		this.first = 0;         // byte offset of the first shown line
		this.size = 0;
		this.pending = new Uint8Array(0);
		this.shown = [];        // {text, len} of each shown line
		this.held = [];         // lines read, trimmed, just before first
		this.headBytes = new Uint8Array(0); // read, before the held lines,
		                                    // not yet a whole line
		this.heldBytes = 0;
		this.max = MAX_LINES;
		this.complete = false;
		this.stopped = false;
		this.timer = null;
		this.busy = false;
		this.states = {out: ansi.newState(), err: ansi.newState()};
		this.earlierBtn = h('button', {type: 'button',
		    class: 'btn small', hidden: true,
		    onclick: () => this.loadEarlier()}, 'Load earlier');
		this.info = h('span', {class: 'muted small'});
		this.status = h('span', {class: 'log-status small',
		    role: 'status'});
		this.pre = h('div', {class: 'log', role: 'log', tabindex: '0',
		    'aria-label': `Log of ${task}, attempt ${attempt}`,
		    'aria-live': 'off'});
		this.queue = [];        // lines read while the person reads above
		this.queueBytes = 0;
		this.dropped = 0;       // bytes dropped from the queue's front
		this.newBtn = h('button', {type: 'button', class: 'btn small log-new',
		    hidden: true, onclick: () => this.flush()});
		this.empty = h('div', {class: 'log-empty muted'}, 'No output yet.');
		this.pre.appendChild(this.empty);
		el.replaceChildren(h('div', {class: 'log-tools'},
		    this.earlierBtn, this.info, this.status), this.pre,
		    this.newBtn);
		this.pre.addEventListener('scroll', () => {
			if (this.queue.length && this.atBottom()) this.flush();
		});
		this.onVisible = () => {
			if (!document.hidden) this.kick(0);
		};
		document.addEventListener('visibilitychange', this.onVisible);
	}

	// Starts reading: opens on the tail, then follows.
	async start() {
		try {
			const probe = await api.log(this.runId, this.task,
			    this.attempt, 0, PROBE_BYTES);
			if (this.stopped) return;
			this.size = probe.size;
			if (probe.size > TAIL_BYTES && probe.next < probe.size) {
				this.next = probe.size - TAIL_BYTES;
				this.first = this.next;
				this.skipPartial = true;
			} else {
				this.take(probe);
			}
			this.showError(null);
		} catch (e) {
			this.showError(e);
		}
		this.kick(this.complete ? -1 : 0);
	}

	// Stops polling and forgets the pane's listeners.
	stop() {
		this.stopped = true;
		clearTimeout(this.timer);
		document.removeEventListener('visibilitychange', this.onVisible);
	}

	kick(delay) {
		clearTimeout(this.timer);
		if (this.stopped || this.complete || delay < 0) return;
		this.timer = setTimeout(() => this.poll(), delay);
	}

	async poll() {
		if (this.stopped || this.complete || this.busy) return;
		if (document.hidden) return; // resumed by visibilitychange
		this.busy = true;
		let full = false;
		try {
			const r = await api.log(this.runId, this.task,
			    this.attempt, this.next, CHUNK_BYTES);
			if (this.stopped) return;
			full = r.bytes.length >= CHUNK_BYTES;
			this.take(r);
			this.showError(null);
		} catch (e) {
			this.showError(e);
		} finally {
			this.busy = false;
		}
		this.kick(full ? 0 : POLL_MS);
	}

	showError(e) {
		text(this.status, e ? `Log unavailable: ${e.message}` : '');
		this.status.classList.toggle('bad', !!e);
	}

	// Handles one read from the tail end.
	take(r) {
		let bytes = r.bytes;
		this.size = Math.max(this.size, r.size, r.next);
		if (r.next !== this.next + bytes.length && r.next > this.next) {
			// The server skipped ahead; trust its offset.
			bytes = bytes.subarray(0, Math.max(0, r.next - this.next));
		}
		this.next = Math.max(this.next, r.next);
		if (this.skipPartial) {
			const i = bytes.indexOf(NL);
			const cut = i < 0 ? bytes.length : i + 1;
			this.first += cut;
			this.headBytes = concat(this.headBytes,
			    bytes.subarray(0, cut).slice());
			bytes = bytes.subarray(cut);
			if (i >= 0) this.skipPartial = false;
		}
		const {lines, rest} = splitLines(concat(this.pending, bytes));
		this.pending = rest.slice();
		if (r.complete) {
			this.complete = true;
			if (this.pending.length) {
				lines.push({text: decoder.decode(this.pending),
				    len: this.pending.length});
				this.pending = new Uint8Array(0);
			}
		}
		this.append(lines);
		this.updateInfo();
	}

	lineEl(line) {
		const m = LINE_RE.exec(line);
		const el = h('div', {class: 'line'});
		let st = this.states.out;
		if (m) {
			const d = new Date(m[1]);
			const ts = h('span', {class: 'ts'},
			    isNaN(d) ? m[1] : d.toTimeString().slice(0, 8));
			if (!isNaN(d)) ts.setAttribute('title', absolute(d));
			el.appendChild(ts);
			if (m[2] === 'err') {
				el.classList.add('err');
				st = this.states.err;
				el.appendChild(h('span', {class: 'stream'}, 'err'));
			}
			line = m[3];
		}
		ansi.render(el.appendChild(h('span', {class: 'txt'})), line, st);
		return el;
	}

	atBottom() {
		const p = this.pre;
		return p.scrollHeight - p.scrollTop - p.clientHeight < 40;
	}

	// Moves a line trimmed from the top into the held lines.
	hold(line) {
		this.first += line.len;
		this.held.push(line);
		this.heldBytes += line.len;
		while (this.heldBytes > HOLD_BYTES && this.held.length)
			this.heldBytes -= this.held.shift().len;
	}

	// Shows lines at the end. While the person has scrolled up to read,
	// nothing moves: the lines wait in a queue (up to QUEUE_BYTES, the
	// oldest dropped beyond) until they come back to the bottom.
	append(lines, force) {
		if (!lines.length) return;
		if (!force && this.shown.length && !this.atBottom()) {
			this.enqueue(lines);
			return;
		}
		if (this.empty.isConnected) this.empty.remove();
		// Over the limit: the oldest shown lines go first, then the
		// oldest of the new ones.
		const extra = this.shown.length + lines.length - this.max;
		const fromShown = Math.min(Math.max(0, extra), this.shown.length);
		this.trim(fromShown);
		const skip = Math.max(0, extra - fromShown);
		for (let i = 0; i < skip; i++) this.hold(lines[i]);
		const frag = document.createDocumentFragment();
		for (let i = skip; i < lines.length; i++) {
			frag.appendChild(this.lineEl(lines[i].text));
			this.shown.push(lines[i]);
		}
		this.pre.appendChild(frag);
		this.pre.scrollTop = this.pre.scrollHeight;
	}

	enqueue(lines) {
		for (const l of lines) {
			this.queue.push(l);
			this.queueBytes += l.len;
		}
		while (this.queueBytes > QUEUE_BYTES && this.queue.length) {
			const l = this.queue.shift();
			this.queueBytes -= l.len;
			this.dropped += l.len;
		}
		const n = this.queue.length;
		text(this.newBtn, `${n} new line${n === 1 ? '' : 's'} below — ` +
		    'jump to the end');
		this.newBtn.hidden = false;
	}

	// Shows the queued lines and follows the log again. When some were
	// dropped, the shown lines are no longer followed by them: the pane
	// starts afresh (earlier lines can still be loaded).
	flush() {
		const lines = this.queue;
		this.queue = [];
		this.queueBytes = 0;
		this.newBtn.hidden = true;
		if (this.dropped) {
			let end = this.first;
			for (const l of this.shown) end += l.len;
			this.trim(this.shown.length);
			this.held = [];
			this.heldBytes = 0;
			this.headBytes = new Uint8Array(0);
			this.first = end + this.dropped;
			this.dropped = 0;
			this.max = MAX_LINES;
		}
		this.append(lines, true);
		this.pre.scrollTop = this.pre.scrollHeight;
		this.updateInfo();
	}

	// Removes the first n shown lines (in one go: there may be thousands).
	trim(n) {
		if (n <= 0) return;
		const r = document.createRange();
		r.setStartBefore(this.pre.firstChild);
		r.setEndAfter(this.pre.children[n - 1]);
		r.deleteContents();
		for (const line of this.shown.splice(0, n)) this.hold(line);
	}

	updateInfo() {
		this.earlierBtn.hidden = this.first <= 0;
		const shown = this.shown.length;
		let t = `${shown} line${shown === 1 ? '' : 's'}`;
		if (this.first > 0)
			t += ` — the last ${fmtSize(this.size - this.first)} of ` +
			    fmtSize(this.size);
		else t += `, ${fmtSize(this.size)}`;
		if (this.complete) {
			t += ', complete';
			if (!shown) text(this.empty, 'The log is empty.');
		}
		text(this.info, t);
	}

	// Shows the lines just before the first shown one: held lines first,
	// then a range read from the server.
	async loadEarlier() {
		if (this.first <= 0 || this.loadingEarlier) return;
		this.loadingEarlier = true;
		this.earlierBtn.disabled = true;
		try {
			let lines;
			if (this.held.length) {
				lines = this.held.splice(
				    Math.max(0, this.held.length - EARLIER_LINES));
				for (const l of lines) this.heldBytes -= l.len;
			} else {
				lines = await this.readEarlier();
				if (this.stopped || !lines) return;
			}
			this.prepend(lines);
			this.showError(null);
		} catch (e) {
			this.showError(e);
		} finally {
			this.loadingEarlier = false;
			this.earlierBtn.disabled = false;
			this.updateInfo();
		}
	}

	// Reads up to EARLIER_BYTES before the first shown line (and before
	// the bytes already held for it); returns the complete lines. The
	// partial line at the start of the range is kept in headBytes, so no
	// byte is read twice.
	async readEarlier() {
		const end = this.first - this.headBytes.length;
		const from = Math.max(0, end - EARLIER_BYTES);
		let bytes = this.headBytes;
		if (end > from) {
			const r = await api.log(this.runId, this.task, this.attempt,
			    from, end - from);
			bytes = concat(r.bytes.subarray(0, end - from), bytes);
		}
		this.headBytes = new Uint8Array(0);
		if (from > 0) {
			const i = bytes.indexOf(NL);
			const cut = i < 0 ? bytes.length : i + 1;
			this.headBytes = bytes.subarray(0, cut).slice();
			bytes = bytes.subarray(cut);
		}
		const {lines, rest} = splitLines(bytes);
		if (rest.length)
			lines.push({text: decoder.decode(rest), len: rest.length});
		return lines;
	}

	prepend(lines) {
		const keep = this.states;
		this.states = {out: ansi.newState(), err: ansi.newState()};
		const frag = document.createDocumentFragment();
		let bytes = 0;
		for (const l of lines) {
			frag.appendChild(this.lineEl(l.text));
			bytes += l.len;
		}
		this.states = keep;
		const p = this.pre;
		const below = p.scrollHeight - p.scrollTop;
		if (this.empty.isConnected) this.empty.remove();
		p.insertBefore(frag, p.firstChild);
		p.scrollTop = p.scrollHeight - below;
		this.shown = lines.concat(this.shown);
		this.max = Math.max(this.max, this.shown.length);
		this.first -= bytes;
	}
}
