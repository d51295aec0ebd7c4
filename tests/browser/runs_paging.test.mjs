// Runs page: newest first, keyset paging with "Older" (no run twice, none
// missing), filters by flow and by state; events page: filter by user.
import {test, check, open, sh} from './lib.mjs';

await test('runs_paging', async (t) => {
	t.addUser('otto', 'operator', 'operator-pass-1234');
	await t.putFlow({name: 'quick', tasks: [{name: 'a', command: sh('true')}]});
	await t.putFlow({name: 'broken', tasks: [{name: 'a',
	    command: sh('echo no >&2; exit 2')}]});
	const ids = [];
	for (let i = 0; i < 56; i++) ids.push((await t.startRun('quick')).id);
	const bad = (await t.api('POST', '/api/flows/broken/runs',
	    {parameters: {}}, ['otto', 'operator-pass-1234'])).json;
	await t.waitRun(bad.id, 'FAILED', 60);
	const page = t.page;
	await open(page, t.url, '/runs');
	const rows = page.locator('tbody tr[data-run]');
	await t.waitFor(async () => (await rows.count()) === 50, 20, '50 rows');
	const first = await rows.evaluateAll((rs) => rs.map((r) => r.dataset.run));
	check(first[0] === bad.id, 'newest first');
	await page.getByRole('button', {name: 'Older'}).click();
	await t.waitFor(async () => (await rows.count()) === 57, 20, '57 rows');
	const all = await rows.evaluateAll((rs) => rs.map((r) => r.dataset.run));
	check(new Set(all).size === 57, 'no run listed twice');
	for (const id of ids) check(all.includes(id), `run ${id} listed`);
	check(!(await page.getByRole('button', {name: 'Older'}).isVisible()),
	    'no Older button at the end');
	check((await page.locator(`tr[data-run="${bad.id}"]`).textContent())
	    .includes('manual by otto'), 'who started it');

	await open(page, t.url, '/runs?flow=broken');
	await t.waitFor(async () => (await rows.count()) === 1, 10, 'one run');
	await open(page, t.url, '/runs');
	await page.locator('#runs-state').selectOption('FAILED');
	await page.waitForURL(/state=FAILED/);
	await t.waitFor(async () => (await rows.count()) === 1 &&
	    (await rows.first().getAttribute('data-run')) === bad.id, 10,
	    'failed run only');
	check((await rows.first().locator('.state').textContent()) === 'failed',
	    'state word');

	await open(page, t.url, '/events');
	await page.locator('#ev-actor').fill('otto');
	await page.getByRole('button', {name: 'Filter'}).click();
	await page.waitForURL(/actor=otto/);
	const evs = page.locator('table.events tbody tr');
	await t.waitFor(async () => (await evs.count()) === 1, 10,
	    'one event by otto');
	check((await evs.first().textContent()).includes('run.create'),
	    'otto created a run');
});
