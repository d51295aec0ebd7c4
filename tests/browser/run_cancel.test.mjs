// Run page: polling stops while the tab is hidden; Cancel a running run;
// it ends CANCELLED and the button goes.
import {test, check, open, sh, sleep} from './lib.mjs';

await test('run_cancel', async (t) => {
	await t.putFlow({name: 'sleepy', tasks: [{name: 'nap',
	    command: sh('echo "going to sleep"; sleep 60; echo woke')}]});
	const page = t.page;
	await open(page, t.url, '/flows/sleepy');
	await page.locator('#run-submit').click();
	await page.waitForURL(/#\/runs\//);
	const id = decodeURIComponent(page.url().split('#/runs/')[1]);
	await page.locator('.log').getByText('going to sleep')
	    .waitFor({timeout: 30000});
	check((await page.locator('.page-head .state').textContent()) ===
	    'running', 'running before cancel');
	// A hidden tab stops polling (run and log); showing it resumes.
	let calls = 0;
	page.on('request', (req) => {
		if (req.url().includes('/api/')) calls++;
	});
	const setHidden = (hidden) => page.evaluate((hd) => {
		Object.defineProperty(document, 'hidden', {value: hd,
		    configurable: true});
		document.dispatchEvent(new Event('visibilitychange'));
	}, hidden);
	await setHidden(true);
	await sleep(1500); // let calls in flight finish
	const before = calls;
	await sleep(3000);
	check(calls === before, `no polling while hidden (${calls - before})`);
	await setHidden(false);
	await t.waitFor(async () => calls > before + 1, 10, 'polling resumes');
	await page.locator('#run-cancel').click();
	await page.locator('.page-head .state', {hasText: 'cancelled'})
	    .waitFor({timeout: 30000});
	check(!(await page.locator('#run-cancel').isVisible()),
	    'no Cancel button on a cancelled run');
	check(await page.locator('#run-retry').isVisible(),
	    'Retry offered for a cancelled run');
	const run = (await t.api('GET', `/api/runs/${id}`)).json;
	check(run.state === 'CANCELLED', `API says ${run.state}`);
	check(!(await page.locator('.log').textContent()).includes('woke'),
	    'the task was stopped');
	const ev = (await t.api('GET', '/api/events?object_type=run&object_id=' +
	    id)).json;
	check((ev.items || []).some((e) => /cancel/.test(e.action)),
	    'cancel audited');
});
