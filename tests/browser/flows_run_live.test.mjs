// Flows page → Run → lands on the new run page, which follows the running
// task's log live (lines appear before the task ends) → run COMPLETED.
import {test, check, open, sh} from './lib.mjs';

await test('flows_run_live', async (t) => {
	await t.putFlow({
		name: 'live',
		description: 'prints a line every 0.6 s',
		tasks: [
			{name: 'prepare', command: sh('echo ready')},
			{name: 'count', depends_on: ['prepare'], command: sh(
			    'for i in 1 2 3 4 5 6 7 8; do echo "tick $i"; ' +
			    'sleep 0.6; done')},
		],
	});
	const page = t.page;
	const reads = [];
	page.on('response', (res) => {
		if (!/\/tasks\/count\/log\?/.test(res.url())) return;
		const u = new URL(res.url());
		reads.push([Number(u.searchParams.get('offset')),
		    Number(res.headers()['x-log-next-offset'])]);
	});
	await open(page, t.url, '/flows');
	const row = page.locator('tr[data-flow="live"]');
	await row.waitFor();
	check((await row.textContent()).includes('prints a line'),
	    'description shown');
	await row.getByRole('button', {name: 'Run live'}).click();
	await page.waitForURL(/#\/runs\/[0-9A-Za-z]+/);
	const id = decodeURIComponent(page.url().split('#/runs/')[1]);
	t.log(`run ${id}`);
	const log = page.locator('.log');
	// The first tick appears while the run is still running.
	await log.getByText('tick 1', {exact: true}).waitFor({timeout: 30000});
	const whenFirst = await log.textContent();
	const stateThen = await page.locator('.page-head .state').textContent();
	t.log(`first line seen, run ${stateThen}`);
	check(!whenFirst.includes('tick 8'),
	    'the log was not followed live (all lines arrived at once)');
	check(stateThen.trim() === 'running',
	    `run should be running while lines arrive, was ${stateThen}`);
	check(await page.locator('tr.selected[data-task="count"]').count() === 1,
	    'the running task is selected without a click');
	await page.locator('.page-head .state', {hasText: 'completed'})
	    .waitFor({timeout: 45000});
	await log.getByText('tick 8', {exact: true}).waitFor({timeout: 10000});
	const lines = await log.locator('.line').allTextContents();
	const ticks = lines.filter((l) => /tick \d/.test(l));
	check(ticks.length === 8, `each line once, got ${ticks.length}: ` +
	    JSON.stringify(ticks));
	// Followed by offset: each read starts where the previous one ended.
	for (let i = 1; i < reads.length; i++)
		check(reads[i][0] === reads[i - 1][1],
		    `log read by offset, never twice: ${JSON.stringify(reads)}`);
	check(reads.length > 2, `several reads while live: ${reads.length}`);
	const run = (await t.api('GET', `/api/runs/${id}`)).json;
	check(run.state === 'COMPLETED', `API says ${run.state}`);
	check(run.trigger === 'manual' && run.created_by === t.admin_user,
	    'run was started by the person');
	// The timeline drew a bar per task.
	check(await page.locator('svg.gantt rect.bar').count() >= 2,
	    'timeline bars');
	check(await page.locator('#log a[download]').getAttribute('href')
	    .then((h) => h.includes('download=1')), 'download link');
});
