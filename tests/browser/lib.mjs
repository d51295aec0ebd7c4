// tests/browser/lib.mjs: what every browser test shares. test(name, fn)
// starts its own Sluice stack (stack.sh), a headless Debian Chromium
// (playwright-core) logged in as admin, collects console errors, page
// errors and dialogs (each one fails the test), runs fn(t), and on failure
// saves /tmp/sluice-browser-<name>.png and exits 1. It exits 77 (skip)
// only when /usr/bin/chromium or node_modules are missing.
//
// t: {url, data, bin, page, context, browser, api(method, path, body, as),
//     putFlow(def), startRun(flow, params), waitRun(id, states, secs),
//     addUser(name, role, pass), newPage(user, pass), allowConsole(re),
//     waitFor(fn, secs, what), log(msg)}

import {spawn, spawnSync} from 'node:child_process';
import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {createInterface} from 'node:readline';

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu',
	'--disable-quic', '--no-first-run', '--disable-background-networking',
	'--disable-component-update', '--disable-sync'];
const TEST_TIMEOUT_MS = Number(process.env.SLUICE_BROWSER_TIMEOUT_MS ||
    120000);

function skip(why) {
	console.log(`skip: ${why}`);
	process.exit(77);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Starts stack.sh and resolves with its JSON once the stack answers.
function startStack() {
	return new Promise((resolve, reject) => {
		const child = spawn('bash', [join(here, 'stack.sh')], {
			stdio: ['pipe', 'pipe', 'inherit'],
			env: {...process.env},
		});
		const rl = createInterface({input: child.stdout});
		let done = false;
		rl.on('line', (line) => {
			if (done) return;
			try {
				const info = JSON.parse(line);
				done = true;
				resolve({child, info});
			} catch (e) {
				process.stderr.write(`stack: ${line}\n`);
			}
		});
		child.on('exit', (code) => {
			if (!done) reject(new Error(`stack.sh exited with ${code} ` +
			    'before the stack answered'));
		});
	});
}

function stopStack(child) {
	return new Promise((resolve) => {
		if (child.exitCode !== null) {
			resolve(child.exitCode);
			return;
		}
		const timer = setTimeout(() => child.kill('SIGTERM'), 30000);
		child.on('exit', (code) => {
			clearTimeout(timer);
			resolve(code);
		});
		child.stdin.end();
	});
}

export async function test(name, fn) {
	if (!existsSync(CHROMIUM)) skip(`${CHROMIUM} is not installed`);
	if (!existsSync(join(here, 'node_modules', 'playwright-core')))
		skip('tests/browser/node_modules is missing (npm install there, ' +
		    'or scripts/deps.sh --test)');
	const {chromium, request} = await import('playwright-core');
	const shot = `/tmp/sluice-browser-${name}.png`;
	let stack = null, browser = null, apiCtx = null, failed = null;
	const problems = [];
	const allowed = [];
	const t = {name};
	const started = Date.now();
	t.log = (msg) => console.log(`# ${((Date.now() - started) / 1000)
	    .toFixed(1)}s ${msg}`);
	const watchdog = setTimeout(async () => {
		console.log(`FAIL ${name}: timed out after ${TEST_TIMEOUT_MS} ms`);
		try {
			if (t.page) await t.page.screenshot({path: shot});
		} catch (e) { /* best effort */ }
		if (stack) stack.child.kill('SIGTERM');
		setTimeout(() => process.exit(1), 20000).unref();
	}, TEST_TIMEOUT_MS);
	try {
		stack = await startStack();
		Object.assign(t, stack.info);
		t.log(`stack at ${t.url}`);
		const ctxFor = async (user, pass) => request.newContext({
			baseURL: t.url, ignoreHTTPSErrors: true,
			httpCredentials: {username: user, password: pass,
			    send: 'always'}});
		apiCtx = await ctxFor(t.admin_user, t.admin_pass);
		const others = new Map();
		t.otherContexts = others;
		// as: [user, password] to call as another user than admin.
		t.api = async (method, path, body, as) => {
			const opts = {method, failOnStatusCode: false, headers: {}};
			let ctx = apiCtx;
			if (as) {
				const k = as.join('\n');
				if (!others.has(k)) others.set(k, await ctxFor(...as));
				ctx = others.get(k);
			}
			if (body !== undefined) {
				opts.headers['Content-Type'] = 'application/json';
				opts.data = JSON.stringify(body);
			}
			const res = await ctx.fetch(path, opts);
			const text = await res.text();
			let json = null;
			try {
				json = JSON.parse(text);
			} catch (e) { /* not JSON */ }
			return {status: res.status(), json, text,
			    headers: res.headers()};
		};
		t.putFlow = async (def) => {
			const r = await t.api('PUT', `/api/flows/${def.name}`, def);
			if (r.status !== 200 && r.status !== 201)
				throw new Error(`PUT flow ${def.name}: ${r.status} ` +
				    r.text);
			return r.json;
		};
		t.startRun = async (flow, parameters = {}) => {
			const r = await t.api('POST', `/api/flows/${flow}/runs`,
			    {parameters});
			if (r.status !== 201)
				throw new Error(`start ${flow}: ${r.status} ${r.text}`);
			return r.json;
		};
		t.waitFor = async (fn, secs, what) => {
			const end = Date.now() + secs * 1000;
			let last;
			for (;;) {
				last = await fn();
				if (last) return last;
				if (Date.now() > end)
					throw new Error(`timed out after ${secs} s ` +
					    `waiting for ${what}`);
				await sleep(200);
			}
		};
		t.waitRun = async (id, states, secs = 45) => {
			const want = [].concat(states);
			let run = null;
			await t.waitFor(async () => {
				run = (await t.api('GET', `/api/runs/${id}`)).json;
				return run && want.includes(run.state);
			}, secs, `run ${id} to reach ${want.join('|')} (last ` +
			    `${run && run.state})`).catch((e) => {
				throw new Error(`${e.message}; last state ` +
				    `${run && run.state}`);
			});
			return run;
		};
		t.addUser = (user, role, pass) => {
			const r = spawnSync(join(t.bin, 'sluicectl'),
			    ['user', 'add', user, '--role', role],
			    {input: pass + '\n', env: {...process.env,
				SLUICE_DATA: t.data}, encoding: 'utf8'});
			if (r.status !== 0)
				throw new Error(`sluicectl user add ${user}: ` +
				    `${r.stderr}${r.stdout}`);
		};
		t.allowConsole = (re) => allowed.push(re);
		browser = await chromium.launch({executablePath: CHROMIUM,
		    args: ARGS});
		t.browser = browser;
		t.newPage = async (user = t.admin_user, pass = t.admin_pass,
		    viewport = {width: 1280, height: 900}) => {
			const context = await browser.newContext({
				ignoreHTTPSErrors: true, viewport,
				httpCredentials: {username: user, password: pass},
			});
			const page = await context.newPage();
			page.setDefaultTimeout(20000);
			page.on('console', (msg) => {
				if (msg.type() !== 'error') return;
				const text = msg.text();
				if (allowed.some((re) => re.test(text))) return;
				problems.push(`console error (${user}): ${text}`);
			});
			page.on('pageerror', (err) => problems.push(
			    `page error (${user}): ${err.message}`));
			page.on('dialog', async (d) => {
				problems.push(`dialog (${user}): ${d.type()} ` +
				    d.message());
				await d.dismiss().catch(() => {});
			});
			t.page = page;
			return page;
		};
		t.context = null;
		const page = await t.newPage();
		t.context = page.context();
		await fn(t);
		if (problems.length)
			throw new Error('problems in the page:\n  ' +
			    problems.join('\n  '));
	} catch (e) {
		failed = e;
		if (problems.length && !String(e.message).includes('problems in'))
			console.log('problems in the page:\n  ' +
			    problems.join('\n  '));
		try {
			if (t.page) await t.page.screenshot({path: shot,
			    fullPage: true});
			console.log(`screenshot: ${shot}`);
		} catch (err) { /* best effort */ }
	}
	try {
		if (browser) await browser.close();
		if (apiCtx) await apiCtx.dispose();
		for (const c of (t.otherContexts || new Map()).values())
			await c.dispose();
	} catch (e) { /* closing is best effort */ }
	if (stack) {
		const code = await stopStack(stack.child);
		if (code !== 0 && !failed)
			failed = new Error(`stack stop failed (exit ${code})`);
	}
	clearTimeout(watchdog);
	if (failed) {
		console.log(`FAIL ${name}: ${failed.stack || failed.message}`);
		process.exit(1);
	}
	console.log(`ok ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
	process.exit(0);
}

// Asserts cond, failing the test with msg.
export function check(cond, msg) {
	if (!cond) throw new Error(msg);
}

// Opens a dashboard page (hash route) and waits for its heading.
export async function open(page, url, hash) {
	await page.goto(`${url}/#${hash}`);
	await page.locator('main h1').first().waitFor();
}

// The shell command of a task: ["sh", "-c", script].
export const sh = (script) => ['sh', '-c', script];
