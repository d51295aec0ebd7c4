// Roles: a viewer sees no Run, Cancel, Retry, Rerun, pause or edit
// controls; an operator can run but cannot pause flows or edit workers;
// an admin sees everything.
import {test, check, open, sh} from './lib.mjs';

await test('roles', async (t) => {
	t.addUser('vic', 'viewer', 'viewer-pass-1234');
	t.addUser('otto', 'operator', 'operator-pass-1234');
	await t.putFlow({name: 'nightly', schedule: {cron: '0 3 * * *',
	    timezone: 'UTC'}, tasks: [{name: 'a',
	    command: sh('echo a; sleep 30')}]});
	const run = await t.startRun('nightly');
	await t.waitRun(run.id, ['RUNNING']);
	await t.waitFor(async () => ((await t.api('GET', '/api/workers'))
	    .json.items || []).length > 0, 30, 'a worker');

	const look = async (page, who) => {
		await open(page, t.url, '/flows');
		await page.locator('tr[data-flow="nightly"]').waitFor();
		const r = {
			me: await page.locator('#me').textContent(),
			run: await page.locator('.run-btn').count(),
			sw: await page.locator('[role="switch"]').count(),
		};
		await open(page, t.url, '/flows/nightly');
		await page.locator('svg.graph').waitFor();
		r.form = await page.locator('#run-submit').count();
		r.flowSw = await page.locator('[role="switch"]').count();
		await open(page, t.url, `/runs/${run.id}`);
		await page.locator('.page-head .state', {hasText: 'running'})
		    .waitFor();
		r.cancel = await page.locator('#run-cancel').count();
		r.rerun = await page.locator('#run-rerun').count();
		await open(page, t.url, '/workers');
		await page.locator('tbody tr').first().waitFor();
		r.wpause = await page.locator('button[data-worker]').count();
		r.wlimit = await page.locator('input[type="number"]').count();
		t.log(`${who}: ${JSON.stringify(r)}`);
		return r;
	};

	const v = await look(await t.newPage('vic', 'viewer-pass-1234'), 'viewer');
	check(v.me.includes('viewer'), 'viewer named in the header');
	for (const k of ['run', 'sw', 'form', 'flowSw', 'cancel', 'rerun',
	    'wpause', 'wlimit'])
		check(v[k] === 0, `viewer must not see ${k}`);

	const o = await look(await t.newPage('otto', 'operator-pass-1234'),
	    'operator');
	check(o.run === 1 && o.form === 1 && o.cancel === 1 && o.rerun === 1,
	    'operator sees Run, Cancel and Rerun');
	for (const k of ['sw', 'flowSw', 'wpause', 'wlimit'])
		check(o[k] === 0, `operator must not see ${k}`);

	const a = await look(await t.newPage(), 'admin');
	check(a.run === 1 && a.sw === 1 && a.flowSw === 1 && a.wpause >= 1 &&
	    a.wlimit >= 1, 'admin sees every control');
	await t.api('POST', `/api/runs/${run.id}/cancel`, {});
	await t.waitRun(run.id, ['CANCELLED']);
});
