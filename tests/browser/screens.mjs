// tests/browser/screens.mjs: not a test (the suite runs *.test.mjs only).
// Starts a stack, fills it with a realistic set of flows and runs, and
// screenshots every page at 1280x800 and 375x812 in light and dark to
// /tmp/screens/ (or $SCREENS_DIR), for a person to look at.
// Usage: node tests/browser/screens.mjs   (SLUICE_BIN_DIR=bin by default)
import {mkdirSync} from 'node:fs';
import {join, dirname} from 'node:path';
import {fileURLToPath} from 'node:url';
import {test, open, sh, sleep} from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
process.env.SLUICE_BIN_DIR ||= join(here, '..', '..', 'bin');
process.env.SLUICE_BROWSER_TIMEOUT_MS ||= '600000';
const OUT = process.env.SCREENS_DIR || '/tmp/screens';
mkdirSync(OUT, {recursive: true});

const SIZES = {wide: {width: 1280, height: 800},
    narrow: {width: 375, height: 812}};

await test('screens', async (t) => {
	t.allowConsole(/404/);
	// Empty states first, before any flow exists.
	for (const [name, hash] of [['flows', '/flows'], ['runs', '/runs'],
	    ['flow', '/flows/nope'], ['run', '/runs/nope']]) {
		await open(t.page, t.url, hash);
		await sleep(1000);
		await t.page.screenshot({path: join(OUT, `empty-${name}.png`),
		    fullPage: true});
	}
	await t.putFlow({name: 'weather-etl',
	    description: 'Load KNMI weather observations into Postgres ' +
		'every weekday morning',
	    parameters: {city: {type: 'string', default: 'Leiden'},
		days: {type: 'integer', default: 7},
		dry_run: {type: 'boolean', default: false}},
	    schedule: {cron: '0 6 * * 1-5', timezone: 'Europe/Amsterdam'},
	    tasks: [{name: 'extract', command: sh('echo fetching ' +
		    '{{params.city}}; sleep 0.3; echo got 1440 rows')},
		{name: 'transform', command: sh('echo cleaning; sleep 0.2'),
		    depends_on: ['extract']},
		{name: 'load', command: sh('echo loading; sleep 0.2; ' +
		    'echo done'), depends_on: ['transform']}]});
	await t.putFlow({name: 'sales-report',
	    description: 'Daily sales report: fetch orders, clean and ' +
		'enrich them in parallel, publish a PDF',
	    schedule: {cron: '30 7 * * *', timezone: 'UTC'},
	    tasks: [{name: 'fetch_orders', command: sh('echo 312 orders; ' +
		    'sleep 0.5')},
		{name: 'clean', command: sh('echo cleaning; sleep 1'),
		    depends_on: ['fetch_orders']},
		{name: 'enrich_with_customer_data', command: sh(
		    'printf "\\033[32mOK\\033[0m enriched\\n"; sleep 1.5'),
		    depends_on: ['fetch_orders']},
		{name: 'publish', command: sh('echo published report.pdf'),
		    depends_on: ['clean', 'enrich_with_customer_data']}]});
	await t.putFlow({name: 'flaky-import',
	    description: 'Imports a partner feed that is often late',
	    tasks: [{name: 'download', retries: 2, retry_delay_s: 1,
		command: sh('echo "trying attempt $SLUICE_ATTEMPT"; ' +
		    'printf "\\033[31mERROR\\033[0m feed not ready\\n" >&2; ' +
		    'exit 3')},
		{name: 'import', command: sh('echo import'),
		    depends_on: ['download']}]});
	await t.putFlow({name: 'model-training',
	    description: 'Trains the demand model (long)',
	    parameters: {epochs: {type: 'integer', default: 500},
		learning_rate: {type: 'number', default: 0.01}},
	    tasks: [{name: 'prepare', command: sh('echo preparing; sleep 0.3')},
		{name: 'train', depends_on: ['prepare'], command: sh(
		    'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); ' +
		    'printf "\\033[36mepoch %d\\033[0m loss=0.%04d ' +
		    '\\033[1maccuracy\\033[0m=%d%%\\n" $i $((9999-i%9999)) ' +
		    '$((i%100)); sleep 0.1; done')}]});
	t.addUser('vera', 'viewer', 'viewerpass1');

	const ids = {};
	for (let i = 0; i < 3; i++) {
		const r = await t.startRun('weather-etl', i === 1 ?
		    {city: 'Utrecht'} : {});
		await t.waitRun(r.id, 'COMPLETED', 60);
		ids.weather = r.id;
	}
	const rep = await t.startRun('sales-report');
	await t.waitRun(rep.id, 'COMPLETED', 60);
	ids.report = rep.id;
	const fl = await t.startRun('flaky-import');
	await t.waitRun(fl.id, 'FAILED', 60);
	ids.failed = fl.id;
	const c = await t.startRun('model-training');
	await t.waitRun(c.id, 'RUNNING', 30);
	await sleep(1500);
	await t.api('POST', `/api/runs/${c.id}/cancel`, {});
	await t.waitRun(c.id, 'CANCELLED', 30);
	ids.cancelled = c.id;
	const live = await t.startRun('model-training', {epochs: 2000});
	await t.waitRun(live.id, 'RUNNING', 30);
	ids.running = live.id;
	await sleep(3000);

	const pages = [['flows', '/flows'], ['flow-weather', '/flows/weather-etl'],
	    ['flow-report', '/flows/sales-report'], ['runs', '/runs'],
	    ['run-running', `/runs/${ids.running}`],
	    ['run-failed', `/runs/${ids.failed}`],
	    ['run-completed', `/runs/${ids.report}`],
	    ['run-cancelled', `/runs/${ids.cancelled}`],
	    ['workers', '/workers'], ['events', '/events']];
	const only = process.env.SCREENS_ONLY;
	for (const scheme of ['light', 'dark']) {
		for (const [size, viewport] of Object.entries(SIZES)) {
			const ctx = await t.browser.newContext({viewport,
			    colorScheme: scheme, ignoreHTTPSErrors: true,
			    httpCredentials: {username: t.admin_user,
				password: t.admin_pass}});
			const page = await ctx.newPage();
			for (const [name, hash] of pages) {
				if (only && !name.includes(only)) continue;
				await open(page, t.url, hash);
				await sleep(1500);
				const path = join(OUT, `${name}-${size}-${scheme}.png`);
				await page.screenshot({path, fullPage: true});
				t.log(path);
			}
			await ctx.close();
		}
	}
	const ctx = await t.browser.newContext({viewport: SIZES.wide,
	    ignoreHTTPSErrors: true,
	    httpCredentials: {username: 'vera', password: 'viewerpass1'}});
	const page = await ctx.newPage();
	// Keyboard: where does focus show after a few Tabs?
	await open(page, t.url, '/flows');
	await sleep(1000);
	for (let i = 0; i < 7; i++) await page.keyboard.press('Tab');
	await page.screenshot({path: join(OUT, 'viewer-focus.png')});
	for (const [name, hash] of [['flows', '/flows'],
	    ['run', `/runs/${ids.failed}`]]) {
		await open(page, t.url, hash);
		await sleep(1500);
		await page.screenshot({path: join(OUT, `viewer-${name}.png`),
		    fullPage: true});
	}
	// The live log scrolled up: new lines wait under a button.
	await open(page, t.url, `/runs/${ids.running}`);
	await page.locator('.log .line').first().waitFor();
	await sleep(1500);
	await page.locator('.log').evaluate((p) => {
		p.scrollTop = 0;
	});
	await sleep(2500);
	await page.screenshot({path: join(OUT, 'viewer-log-reading.png'),
	    fullPage: true});
	await ctx.close();
	// A refused action: Run without the required parameter.
	t.allowConsole(/400/);
	await t.putFlow({name: 'needs-input', parameters: {path: {type:
	    'string'}}, tasks: [{name: 'x', command: sh('echo $1')}]});
	for (const [size, viewport] of Object.entries(SIZES)) {
		const c = await t.browser.newContext({viewport,
		    ignoreHTTPSErrors: true, httpCredentials: {username:
			t.admin_user, password: t.admin_pass}});
		const pg = await c.newPage();
		await open(pg, t.url, '/flows');
		await pg.getByRole('button', {name: 'Run needs-input'}).click();
		await pg.locator('.notice.error').waitFor();
		await pg.screenshot({path: join(OUT, `refused-${size}.png`)});
		await c.close();
	}
	await t.api('POST', `/api/runs/${ids.running}/cancel`, {});
	await t.waitRun(ids.running, 'CANCELLED', 30);
});
