// Every page (flows, flow, runs, run, workers, events) renders its data
// with no console error, at 1280 px and at 375 px wide without sideways
// scrolling of the page itself, and keyboard focus reaches the nav.
import {test, check, open} from './lib.mjs';

await test('pages_console', async (t) => {
	await t.putFlow({
		name: 'etl',
		description: 'extract, transform, load',
		schedule: {cron: '0 6 * * 1-5', timezone: 'UTC'},
		parameters: {city: {type: 'string', default: 'Leiden'}},
		tasks: [
			{name: 'extract', command: ['sh', '-c', 'echo x $1',
			    'extract', '{{params.city}}']},
			{name: 'clean', depends_on: ['extract'],
			    command: ['sh', '-c', 'echo clean']},
			{name: 'enrich', depends_on: ['extract'],
			    command: ['sh', '-c', 'echo enrich']},
			{name: 'load', depends_on: ['clean', 'enrich'],
			    command: ['sh', '-c', 'echo load']},
		],
	});
	const run = await t.startRun('etl', {city: 'Delft'});
	await t.waitRun(run.id, 'COMPLETED');
	const pages = [
		['/flows', async (p) => p.locator('tr[data-flow="etl"] .mark')
		    .first().waitFor()],
		['/flows/etl', async (p) => {
			await p.locator('svg.graph g.node').nth(3).waitFor();
			await p.locator('#recent tbody tr').first().waitFor();
			const main = await p.locator('main').textContent();
			check(/06:00/.test(main) && /Monday/.test(main),
			    'schedule in words');
		}],
		['/runs', async (p) => p.locator(`tr[data-run="${run.id}"]`)
		    .waitFor()],
		[`/runs/${run.id}`, async (p) => {
			await p.locator('svg.gantt rect.bar').nth(3).waitFor();
			await p.locator('.log .line').first().waitFor();
		}],
		['/workers', async (p) => p.locator('tbody tr').first().waitFor()],
		['/events', async (p) => p.locator('tbody tr').first().waitFor()],
	];
	for (const width of [1280, 375]) {
		const page = width === 1280 ? t.page :
		    await t.newPage(undefined, undefined, {width, height: 800});
		for (const [hash, ready] of pages) {
			await open(page, t.url, hash);
			await ready(page);
			const over = await page.evaluate(() =>
			    document.documentElement.scrollWidth -
			    document.documentElement.clientWidth);
			check(over <= 1, `${hash} at ${width}px scrolls ` +
			    `sideways by ${over}px`);
		}
	}
	// Keyboard: the first Tab stops reach the skip link and the nav.
	const page = t.page;
	await page.goto('about:blank');
	await open(page, t.url, '/flows');
	const seen = [];
	for (let i = 0; i < 4; i++) {
		await page.keyboard.press('Tab');
		seen.push(await page.evaluate(() =>
		    document.activeElement.textContent.trim()));
	}
	check(seen.includes('Runs'), `nav reachable by keyboard: ${seen}`);
	// Filtering runs by state from the runs page.
	await open(page, t.url, '/runs');
	await page.locator('#runs-state').selectOption('FAILED');
	await page.waitForURL(/state=FAILED/);
	await page.locator('p', {hasText: 'No runs match'}).waitFor();
});
