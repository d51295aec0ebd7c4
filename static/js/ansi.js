// ansi.js: turns one log line with ANSI escape codes into safe DOM nodes.
// Only SGR sequences (ESC [ ... m) are interpreted, and only as a fixed set
// of CSS classes (ansi-fg-N, ansi-bg-N for the 16 terminal colours; 256 and
// 24-bit colours map to the nearest of them; ansi-b, ansi-dim, ansi-it,
// ansi-ul, ansi-st, ansi-inv). Every other escape or control sequence is
// dropped. Text is written with text nodes only. Links are made only for
// http(s) URLs, opened with rel="noopener noreferrer".

const PALETTE = [
	[0, 0, 0], [205, 49, 49], [13, 188, 121], [229, 229, 16],
	[36, 114, 200], [188, 63, 188], [17, 168, 205], [229, 229, 229],
	[102, 102, 102], [241, 76, 76], [35, 209, 139], [245, 245, 67],
	[59, 142, 234], [214, 112, 214], [41, 184, 219], [255, 255, 255],
];

function nearest(r, g, b) {
	let best = 0, bestd = Infinity;
	PALETTE.forEach(([pr, pg, pb], i) => {
		const d = (pr - r) ** 2 + (pg - g) ** 2 + (pb - b) ** 2;
		if (d < bestd) {
			bestd = d;
			best = i;
		}
	});
	return best;
}

function from256(n) {
	if (n < 16) return n;
	if (n < 232) {
		n -= 16;
		const lv = (v) => (v === 0 ? 0 : 55 + v * 40);
		return nearest(lv(Math.floor(n / 36)), lv(Math.floor(n / 6) % 6),
		    lv(n % 6));
	}
	const g = 8 + (n - 232) * 10;
	return nearest(g, g, g);
}

// The SGR state of one stream; carried from line to line like a terminal.
export function newState() {
	return {fg: null, bg: null, b: false, dim: false, it: false, ul: false,
	    st: false, inv: false};
}

function reset(st) {
	Object.assign(st, newState());
}

function sgr(st, params) {
	const p = params.length ? params : [0];
	for (let i = 0; i < p.length; i++) {
		const c = p[i];
		if (c === 0) reset(st);
		else if (c === 1) st.b = true;
		else if (c === 2) st.dim = true;
		else if (c === 3) st.it = true;
		else if (c === 4) st.ul = true;
		else if (c === 7) st.inv = true;
		else if (c === 9) st.st = true;
		else if (c === 22) st.b = st.dim = false;
		else if (c === 23) st.it = false;
		else if (c === 24) st.ul = false;
		else if (c === 27) st.inv = false;
		else if (c === 29) st.st = false;
		else if (c >= 30 && c <= 37) st.fg = c - 30;
		else if (c === 39) st.fg = null;
		else if (c >= 40 && c <= 47) st.bg = c - 40;
		else if (c === 49) st.bg = null;
		else if (c >= 90 && c <= 97) st.fg = c - 90 + 8;
		else if (c >= 100 && c <= 107) st.bg = c - 100 + 8;
		else if (c === 38 || c === 48) {
			let col = null;
			if (p[i + 1] === 5 && p[i + 2] !== undefined) {
				col = from256(Math.min(255, p[i + 2]));
				i += 2;
			} else if (p[i + 1] === 2 && p[i + 4] !== undefined) {
				col = nearest(p[i + 2], p[i + 3], p[i + 4]);
				i += 4;
			} else {
				break;
			}
			if (c === 38) st.fg = col;
			else st.bg = col;
		}
	}
}

function classes(st) {
	const c = [];
	let fg = st.fg, bg = st.bg;
	if (st.inv) {
		[fg, bg] = [bg, fg];
		if (fg === null) c.push('ansi-inv-fg');
		if (bg === null) c.push('ansi-inv-bg');
	}
	if (fg !== null) c.push('ansi-fg-' + fg);
	if (bg !== null) c.push('ansi-bg-' + bg);
	if (st.b) c.push('ansi-b');
	if (st.dim) c.push('ansi-dim');
	if (st.it) c.push('ansi-it');
	if (st.ul) c.push('ansi-ul');
	if (st.st) c.push('ansi-st');
	return c.join(' ');
}

const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/g;

// Appends text to parent, turning http(s) URLs into links.
function appendLinked(parent, str) {
	let last = 0;
	URL_RE.lastIndex = 0;
	let m;
	while ((m = URL_RE.exec(str)) !== null) {
		let u = m[0].replace(/[.,;:!?)\]}]+$/, '');
		if (!u) continue;
		let ok = false;
		try {
			const p = new URL(u);
			ok = p.protocol === 'http:' || p.protocol === 'https:';
		} catch (e) {
			ok = false;
		}
		if (!ok) continue;
		if (m.index > last)
			parent.appendChild(document.createTextNode(
			    str.slice(last, m.index)));
		const a = document.createElement('a');
		a.setAttribute('href', u);
		a.setAttribute('rel', 'noopener noreferrer nofollow');
		a.setAttribute('target', '_blank');
		a.textContent = u;
		parent.appendChild(a);
		last = m.index + u.length;
		URL_RE.lastIndex = last;
	}
	if (last < str.length)
		parent.appendChild(document.createTextNode(str.slice(last)));
}

// Keeps what a terminal would show after carriage returns: the text after
// the last \r (a trailing \r, as in CRLF, is ignored).
function afterCR(line) {
	const t = line.endsWith('\r') ? line.slice(0, -1) : line;
	const i = t.lastIndexOf('\r');
	return i < 0 ? t : t.slice(i + 1);
}

// Splits line into [{text, cls}] pieces, updating state st.
export function parseLine(line, st) {
	const out = [];
	let buf = '';
	const flush = () => {
		if (buf) out.push({text: buf, cls: classes(st)});
		buf = '';
	};
	const s = afterCR(line);
	for (let i = 0; i < s.length; i++) {
		const ch = s.charCodeAt(i);
		if (ch === 0x1b) {
			const nx = s[i + 1];
			if (nx === '[') {
				let j = i + 2;
				while (j < s.length && /[0-9;:?<=>]/.test(s[j])) j++;
				while (j < s.length && /[ -/]/.test(s[j])) j++;
				const fin = s[j];
				if (fin === 'm') {
					const raw = s.slice(i + 2, j);
					if (/^[0-9;:]*$/.test(raw)) {
						flush();
						sgr(st, raw === '' ? [] : raw.split(/[;:]/)
						    .map((x) => (x === '' ? 0 : Number(x))));
					}
				}
				i = j;
			} else if (nx === ']' || nx === 'P' || nx === '_' ||
			    nx === '^') {
				// OSC/DCS/APC/PM: up to BEL or ESC backslash.
				let j = i + 2;
				while (j < s.length && s.charCodeAt(j) !== 7 &&
				    !(s[j] === '\x1b' && s[j + 1] === '\\')) j++;
				i = s[j] === '\x1b' ? j + 1 : j;
			} else {
				i += 1;
			}
		} else if (ch === 9 || ch >= 0x20 && ch !== 0x7f &&
		    !(ch >= 0x80 && ch < 0xa0)) {
			buf += s[i];
		}
	}
	flush();
	return out;
}

// Appends the rendered line to parent (spans for styled pieces).
export function render(parent, line, st) {
	for (const piece of parseLine(line, st)) {
		if (piece.cls) {
			const span = document.createElement('span');
			span.setAttribute('class', piece.cls);
			appendLinked(span, piece.text);
			parent.appendChild(span);
		} else {
			appendLinked(parent, piece.text);
		}
	}
	return parent;
}
