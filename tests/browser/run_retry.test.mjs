// Run page: a task fails the first time (no marker file yet) and succeeds
// on retry; "Retry failed tasks" reruns it in the same run, and the log
// follows the new attempt.
import {test, check, open} from './lib.mjs';
import {mkdtempSync, rmSync, chmodSync} from 'node:fs';

await test('run_retry', async (t) => {
	const dir = mkdtempSync('/tmp/sluice-bt-retry.');
	chmodSync(dir, 0o777);
	const marker = `${dir}/marker`;
	try {
		await t.putFlow({name: 'flaky', tasks: [
			{name: 'first', command: ['sh', '-c', 'echo fine']},
			{name: 'shaky', depends_on: ['first'], retries: 0,
			    command: ['sh', '-c', 'if [ -e "$1" ]; then ' +
				'echo "second try ok"; else touch "$1"; ' +
				'echo "first try fails" >&2; exit 3; fi',
				'shaky', marker]},
			{name: 'after', depends_on: ['shaky'],
			    command: ['sh', '-c', 'echo after-ran']},
		]});
		const run = await t.startRun('flaky');
		const page = t.page;
		await open(page, t.url, `/runs/${run.id}`);
		await page.locator('.page-head .state', {hasText: 'failed'})
		    .waitFor({timeout: 45000});
		// Opens on the failed task's log without a click.
		await page.locator('.log').getByText('first try fails')
		    .waitFor({timeout: 15000});
		const shaky = page.locator('tr[data-task="shaky"]');
		check((await shaky.textContent()).includes('3'), 'exit code 3');
		check((await page.locator('tr[data-task="after"] .state')
		    .textContent()) === 'skipped', 'downstream skipped');
		await page.locator('#run-retry').click();
		await page.locator('.page-head .state', {hasText: 'completed'})
		    .waitFor({timeout: 45000});
		await page.locator('button.task-pick[data-task="shaky"]').click();
		await page.locator('.log').getByText('second try ok')
		    .waitFor({timeout: 15000});
		check((await shaky.locator('td').nth(2).textContent()) === '2',
		    'two attempts shown');
		const api = (await t.api('GET', `/api/runs/${run.id}`)).json;
		check(api.state === 'COMPLETED', `API says ${api.state}`);
		check(api.tasks.find((x) => x.name === 'after').state ===
		    'COMPLETED', 'downstream ran after the retry');
		// Attempt 1's log is still there.
		await page.getByRole('button', {name: 'attempt 1'}).click();
		await page.locator('.log').getByText('first try fails')
		    .waitFor({timeout: 10000});
	} finally {
		rmSync(dir, {recursive: true, force: true});
	}
});
