// Workers page: an admin pauses and resumes a worker and sets its
// concurrency limit; the API agrees.
import {test, check, open} from './lib.mjs';

await test('workers_pause', async (t) => {
	const ws = await t.waitFor(async () => {
		const items = (await t.api('GET', '/api/workers')).json.items;
		return items && items.length ? items : null;
	}, 30, 'the scheduler to register as a worker');
	const name = ws[0].name;
	const page = t.page;
	await open(page, t.url, '/workers');
	const row = page.locator(`tr[data-worker="${name}"]`);
	await row.waitFor();
	await row.locator('.state', {hasText: 'online'}).waitFor();
	check((await row.locator('time').getAttribute('title')) !== null,
	    'heartbeat time has an absolute title');
	const btn = row.getByRole('button', {name: `Pause worker ${name}`});
	await btn.click();
	await row.getByRole('button', {name: `Resume worker ${name}`})
	    .waitFor();
	const get = async () => (await t.api('GET', '/api/workers')).json
	    .items.find((w) => w.name === name);
	check((await get()).paused === true, 'API: paused');
	check(await row.locator('.tag.paused').isVisible(), 'paused tag');
	await row.getByRole('button', {name: `Resume worker ${name}`}).click();
	await row.getByRole('button', {name: `Pause worker ${name}`}).waitFor();
	check((await get()).paused === false, 'API: resumed');
	await row.locator('input[type="number"]').fill('3');
	await row.getByRole('button', {name: 'Set limit'}).click();
	await t.waitFor(async () => (await get()).concurrency_limit === 3, 10,
	    'limit 3');
	await row.locator('td.num', {hasText: '/ 3'}).waitFor();
});
