// Reading above while a flood arrives: the person scrolls up, then about
// 10 MB of log lines arrive (more than the page holds back). The text
// they read does not move; "jump to the end" then shows the tail, every
// line once and in order, and "Load earlier" still reads what came before.
import {test, check, open, sh} from './lib.mjs';

const N = 260000;

await test('log_reading', async (t) => {
	await t.putFlow({name: 'flood', tasks: [{name: 'spew', command: sh(
	    'seq 1 3000 | sed "s/^/row /"; sleep 5; ' +
	    `seq 3001 ${N} | sed "s/^/row /"`)}]});
	const run = await t.startRun('flood');
	const page = t.page;
	await open(page, t.url, `/runs/${run.id}`);
	const log = page.locator('.log');
	await log.getByText('row 3000', {exact: true}).waitFor({timeout: 30000});
	await log.evaluate((p) => {
		p.scrollTop = 0;
	});
	const rows = async () => (await log.locator('.line .txt')
	    .allTextContents()).map((x) => Number(x.replace('row ', '')));
	const before = await rows();
	t.log(`reading from row ${before[0]} (${before.length} lines)`);
	await t.waitRun(run.id, 'COMPLETED', 90);
	const info = page.locator('.log-tools .muted');
	await info.getByText(/complete/).waitFor({timeout: 60000});
	const more = page.locator('button.log-new');
	t.log(`button: ${await more.textContent()}`);
	check(/^\d+ new lines below/.test(await more.textContent()),
	    'the held-back lines are announced');
	const still = await rows();
	check(still[0] === before[0] && still.length === before.length &&
	    await log.evaluate((p) => p.scrollTop) === 0,
	    'nothing moved while reading');
	await more.click();
	await log.getByText(`row ${N}`, {exact: true}).waitFor();
	check(await log.evaluate((p) =>
	    p.scrollHeight - p.scrollTop - p.clientHeight < 40),
	    'at the end after the jump');
	const tail = await rows();
	check(tail.length <= 2000, `lines kept: ${tail.length}`);
	check(tail.every((r, i) => i === 0 || r === tail[i - 1] + 1),
	    'the tail is contiguous');
	await page.getByRole('button', {name: 'Load earlier'}).click();
	await t.waitFor(async () => (await rows())[0] < tail[0], 20,
	    'earlier lines');
	const all = await rows();
	check(all.every((r, i) => i === 0 || r === all[i - 1] + 1),
	    'contiguous after loading earlier');
	t.log(`rows ${all[0]}..${all[all.length - 1]}`);
});
