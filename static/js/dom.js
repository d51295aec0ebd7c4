// dom.js: builds elements. Text from the API or from logs is only ever
// written with textContent (through h() children or text()); this module
// never uses innerHTML, and attributes are set one by one, so no string
// from the server is parsed as markup. Inline styles are refused by the
// CSP: look is given by classes.

const SVG_NS = 'http://www.w3.org/2000/svg';

// Sets attributes and properties on el from attrs. Keys starting with "on"
// add event listeners; "class" accepts a string or an array (falsy entries
// dropped); "dataset" is an object; false/null/undefined values are skipped.
function apply(el, attrs) {
	if (!attrs) return;
	for (const [k, v] of Object.entries(attrs)) {
		if (v === undefined || v === null || v === false) continue;
		if (k === 'class') {
			const c = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
			if (c) el.setAttribute('class', c);
		} else if (k === 'dataset') {
			Object.assign(el.dataset, v);
		} else if (k.startsWith('on') && typeof v === 'function') {
			el.addEventListener(k.slice(2), v);
		} else if (k === 'style') {
			throw new Error('inline styles are not allowed (CSP)');
		} else if (k === 'value' || k === 'checked' || k === 'disabled' ||
		    k === 'selected') {
			el[k] = v;
			if (k !== 'value' && v) el.setAttribute(k, '');
		} else {
			el.setAttribute(k, v === true ? '' : String(v));
		}
	}
}

// Appends children: strings and numbers become text nodes, arrays are
// flattened, null/false/undefined are skipped.
function append(el, children) {
	for (const c of children) {
		if (c === null || c === undefined || c === false) continue;
		if (Array.isArray(c)) append(el, c);
		else if (c instanceof Node) el.appendChild(c);
		else el.appendChild(document.createTextNode(String(c)));
	}
}

// h('a', {href: '#/x', class: 'y'}, 'text', child...) → HTMLElement.
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	apply(el, attrs);
	append(el, children);
	return el;
}

// s('rect', {x: 1}) → an SVG element, built with createElementNS.
export function s(tag, attrs, ...children) {
	const el = document.createElementNS(SVG_NS, tag);
	if (attrs) {
		for (const [k, v] of Object.entries(attrs)) {
			if (v === undefined || v === null || v === false) continue;
			if (k.startsWith('on') && typeof v === 'function')
				el.addEventListener(k.slice(2), v);
			else el.setAttribute(k, String(v));
		}
	}
	append(el, children);
	return el;
}

// Replaces all children of el.
export function clear(el, ...children) {
	el.replaceChildren();
	append(el, children);
	return el;
}

// Sets el's text only when it changed (keeps selections and avoids work).
export function text(el, value) {
	const v = value === null || value === undefined ? '' : String(value);
	if (el.textContent !== v) el.textContent = v;
	return el;
}

// Sets or removes one attribute only when it changed.
export function attr(el, name, value) {
	if (value === null || value === undefined || value === false) {
		if (el.hasAttribute(name)) el.removeAttribute(name);
	} else {
		const v = value === true ? '' : String(value);
		if (el.getAttribute(name) !== v) el.setAttribute(name, v);
	}
	return el;
}

// Keyed list update: makes parent's children correspond to items, reusing
// the element built earlier for the same key so focus, open editors and
// selections survive a refresh. build(item) returns {el, update(item)};
// update is called for new and kept rows alike.
const rowsOf = new WeakMap();
export function syncList(parent, items, key, build) {
	let rows = rowsOf.get(parent);
	if (!rows) {
		rows = new Map();
		rowsOf.set(parent, rows);
	}
	const seen = new Set();
	let prev = null;
	for (const item of items) {
		const k = key(item);
		seen.add(k);
		let row = rows.get(k);
		if (!row) {
			row = build(item);
			labelCells(row.el, parent);
			rows.set(k, row);
		}
		row.update(item);
		const want = prev ? prev.nextSibling : parent.firstChild;
		if (want !== row.el) parent.insertBefore(row.el, want);
		prev = row.el;
	}
	for (const [k, row] of rows) {
		if (!seen.has(k)) {
			row.el.remove();
			rows.delete(k);
		}
	}
}

// Gives each cell of a table row its column's header as data-label, which
// narrow screens show in front of the value (the header row is hidden
// there). Call after the row is built; tbody must be in its table.
export function labelCells(tr, tbody) {
	const table = (tbody || tr.parentNode || {}).parentNode;
	const head = table && table.tHead && table.tHead.rows[0];
	if (!head || !tr.cells) return tr;
	for (let i = 0; i < tr.cells.length && i < head.cells.length; i++) {
		const label = head.cells[i].textContent;
		if (label && !tr.cells[i].dataset.label)
			tr.cells[i].dataset.label = label;
	}
	return tr;
}

// Forgets the keyed rows of parent (after it was cleared by other means).
export function resetList(parent) {
	rowsOf.delete(parent);
	parent.replaceChildren();
}

// A table inside a horizontally scrolling wrapper (narrow screens).
export function table(headers, tbody, cls) {
	return h('div', {class: 'table-wrap'},
	    h('table', {class: cls},
		h('thead', null, h('tr', null,
		    headers.map((t) => h('th', {scope: 'col'}, t)))),
		tbody));
}
