// Flows page: an admin pauses a scheduled flow with its switch and resumes
// it; the API and a reload agree. Search filters by name.
import {test, check, open, sh} from './lib.mjs';

await test('flow_pause', async (t) => {
	await t.putFlow({name: 'hourly', description: 'every hour',
	    schedule: {cron: '15 * * * *', timezone: 'Europe/Amsterdam'},
	    tasks: [{name: 'a', command: sh('true')}]});
	await t.putFlow({name: 'adhoc', tasks: [{name: 'a', command: sh('true')}]});
	const page = t.page;
	await open(page, t.url, '/flows');
	const row = page.locator('tr[data-flow="hourly"]');
	await row.waitFor();
	const other = page.locator('tr[data-flow="adhoc"]');
	await other.waitFor();
	check(!(await other.getByRole('switch').isVisible()),
	    'no pause switch on a flow without a schedule');
	// Search by name.
	await page.locator('#flow-search').fill('hour');
	await other.waitFor({state: 'hidden'});
	check(await row.isVisible(), 'match stays');
	await page.locator('#flow-search').fill('');
	await other.waitFor();
	check((await row.textContent()).includes('every hour at minute 15 (Europe/Amsterdam)'),
	    'schedule in words: ' + await row.textContent());
	check(await row.locator('time[datetime]').count() === 1,
	    'next run time shown');
	check((await row.locator('time').getAttribute('title')).includes('Z'),
	    'absolute time on hover');
	const sw = row.getByRole('switch');
	check((await sw.getAttribute('aria-checked')) === 'true', 'active');
	await sw.click();
	await t.waitFor(async () => (await sw.getAttribute('aria-checked')) ===
	    'false', 10, 'switch off');
	const f = (await t.api('GET', '/api/flows/hourly')).json;
	check(f.paused === true, 'API: paused');
	await page.reload();
	await row.waitFor();
	await t.waitFor(async () => (await row.getByRole('switch')
	    .getAttribute('aria-checked')) === 'false', 10, 'paused after reload');
	check(await row.locator('.tag.paused').isVisible(), 'paused tag');
	await row.getByRole('switch').click();
	await t.waitFor(async () => (await t.api('GET', '/api/flows/hourly'))
	    .json.paused === false, 10, 'API: resumed');
	const ev = (await t.api('GET', '/api/events?object_type=flow&object_id=' +
	    'hourly')).json.items || [];
	check(ev.length >= 2, 'pause and resume audited');
});
