// api.js: the only module that talks to the server (fetch). Every request
// is same-origin (nginx adds the Basic credentials the browser already
// has); mutating requests carry Content-Type: application/json, which the
// API requires as a CSRF defence. A non-2xx answer becomes an ApiError
// whose message is the server's own {"error":{"message"}} text, so views
// can show it to the person as is.

export class ApiError extends Error {
	constructor(status, code, message) {
		super(message);
		this.name = 'ApiError';
		this.status = status;
		this.code = code;
	}
}

// Builds "/api/<path>?k=v..." skipping empty values.
export function url(path, query) {
	let u = '/api/' + path.replace(/^\/+/, '');
	if (query) {
		const q = new URLSearchParams();
		for (const [k, v] of Object.entries(query)) {
			if (v === undefined || v === null || v === '') continue;
			q.set(k, String(v));
		}
		const qs = q.toString();
		if (qs) u += '?' + qs;
	}
	return u;
}

// Encodes one path segment (flow, task and worker names, run ids).
export const seg = (s) => encodeURIComponent(String(s));

async function failure(res) {
	let code = 'http_' + res.status, message = '';
	try {
		const body = await res.text();
		try {
			const j = JSON.parse(body);
			if (j && j.error) {
				code = j.error.code || code;
				message = j.error.message || '';
			}
		} catch (e) {
			message = body.trim().slice(0, 200);
		}
	} catch (e) {
		/* the body could not be read; keep the status */
	}
	if (!message) message = `${res.status} ${res.statusText}`.trim();
	return new ApiError(res.status, code, message);
}

// Fetches u; a server that cannot be reached and an answer that is not
// 2xx both become an ApiError. Returns the response.
async function send(u, init) {
	let res;
	try {
		res = await fetch(u, init);
	} catch (e) {
		throw new ApiError(0, 'network',
		    'The server could not be reached (' + e.message + ')');
	}
	if (!res.ok) throw await failure(res);
	return res;
}

async function request(method, path, query, body) {
	const init = {method, credentials: 'same-origin', cache: 'no-store',
	    headers: {Accept: 'application/json'}};
	if (method !== 'GET') {
		init.headers['Content-Type'] = 'application/json';
		init.body = JSON.stringify(body === undefined ? {} : body);
	}
	const res = await send(url(path, query), init);
	if (res.status === 204) return null;
	const t = await res.text();
	if (!t) return null;
	try {
		return JSON.parse(t);
	} catch (e) {
		throw new ApiError(res.status, 'bad_json',
		    'The server sent an answer that is not JSON');
	}
}

export const get = (path, query) => request('GET', path, query);
export const post = (path, body) => request('POST', path, null, body);
export const patch = (path, body) => request('PATCH', path, null, body);
export const put = (path, body) => request('PUT', path, null, body);

// Reads every page of a list (at most maxPages) and returns the items.
export async function getAll(path, query, maxPages = 10) {
	let items = [], cursor = null;
	for (let i = 0; i < maxPages; i++) {
		const page = await get(path, {...query, cursor});
		items = items.concat(page.items || []);
		cursor = page.next_cursor;
		if (!cursor) break;
	}
	return items;
}

function logPath(runId, task) {
	return `runs/${seg(runId)}/tasks/${seg(task)}/log`;
}

// The URL of a task attempt's raw log, as a download.
export function logDownloadUrl(runId, task, attempt) {
	return url(logPath(runId, task), {attempt, download: 1});
}

// Fetches log bytes of one attempt from offset (at most limit bytes when
// given). Returns {bytes: Uint8Array, next, complete, size}; next is the
// offset to ask for next time (X-Log-Next-Offset), size the file's size.
export async function log(runId, task, attempt, offset, limit) {
	const res = await send(url(logPath(runId, task),
	    {offset, attempt, limit}), {credentials: 'same-origin',
	    cache: 'no-store'});
	const bytes = new Uint8Array(await res.arrayBuffer());
	const num = (name, dflt) => {
		const v = res.headers.get(name);
		const n = v === null ? NaN : Number(v);
		return Number.isFinite(n) ? n : dflt;
	};
	const next = num('X-Log-Next-Offset', offset + bytes.length);
	return {
		bytes,
		next,
		complete: res.headers.get('X-Log-Complete') === 'true',
		size: num('X-Log-Size', next),
	};
}
