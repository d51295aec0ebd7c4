// time.js: times as people read them. Every relative time ("3 min ago")
// is a <time> element carrying the absolute time (local and UTC) in its
// title, and is refreshed in place every 20 seconds while the tab is
// visible. Durations are short words ("1 m 05 s").

import {h, text, attr} from './dom.js';

// Parses an RFC 3339 string (or epoch milliseconds) to a Date, or null.
export function parse(ts) {
	if (ts === null || ts === undefined || ts === '') return null;
	const d = typeof ts === 'number' ? new Date(ts) : new Date(ts);
	return isNaN(d.getTime()) ? null : d;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

// "2026-11-29 20:00:47" in the browser's time zone.
export function local(d) {
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
	    ` ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// The absolute time shown on hover: local time and the UTC original.
export function absolute(d) {
	const tz = Intl.DateTimeFormat().resolvedOptions().timeZone || 'local';
	return `${local(d)} (${tz}) — ${d.toISOString()}`;
}

// "just now", "5 s ago", "3 min ago", "in 2 h", "4 d ago".
export function relative(d, now = Date.now()) {
	const diff = (d.getTime() - now) / 1000;
	const a = Math.abs(diff);
	let t;
	if (a < 5) return diff > 0 ? 'in a moment' : 'just now';
	if (a < 60) t = `${Math.round(a)} s`;
	else if (a < 3600) t = `${Math.round(a / 60)} min`;
	else if (a < 86400 * 2) t = `${Math.round(a / 3600)} h`;
	else if (a < 86400 * 60) t = `${Math.round(a / 86400)} d`;
	else return local(d).slice(0, 10);
	return diff > 0 ? `in ${t}` : `${t} ago`;
}

// Seconds → "850 ms", "42 s", "3 m 05 s", "2 h 04 m".
export function duration(sec) {
	if (sec === null || sec === undefined || !isFinite(sec)) return '';
	if (sec < 0) sec = 0;
	if (sec < 1) return `${Math.round(sec * 1000)} ms`;
	if (sec < 60) return `${sec < 10 ? sec.toFixed(1) : Math.round(sec)} s`;
	const m = Math.floor(sec / 60), s = Math.round(sec % 60);
	if (m < 60) return `${m} m ${pad(s)} s`;
	return `${Math.floor(m / 60)} h ${pad(m % 60)} m`;
}

// Seconds between two times (end defaults to now), or null.
export function between(start, end) {
	const a = parse(start);
	if (!a) return null;
	const b = parse(end) || new Date();
	return (b.getTime() - a.getTime()) / 1000;
}

// Updates a <time> element made by timeEl to show ts.
export function setTime(el, ts, empty = '—') {
	const d = parse(ts);
	if (!d) {
		text(el, empty);
		attr(el, 'datetime', null);
		attr(el, 'title', null);
		delete el.dataset.rel;
		return el;
	}
	attr(el, 'datetime', d.toISOString());
	attr(el, 'title', absolute(d));
	el.dataset.rel = '1';
	text(el, relative(d));
	return el;
}

// A <time> element with a relative text and the absolute time on hover.
export function timeEl(ts, empty = '—') {
	return setTime(h('time', {class: 'rel'}), ts, empty);
}

function refresh() {
	if (document.hidden) return;
	for (const el of document.querySelectorAll('time[data-rel]')) {
		const d = parse(el.getAttribute('datetime'));
		if (d) text(el, relative(d));
	}
}
setInterval(refresh, 20000);
document.addEventListener('visibilitychange', refresh);
