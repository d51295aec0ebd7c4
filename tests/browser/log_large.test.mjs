// A large log (about 6 MB) opens on its tail: only the last lines are
// read and kept in the page, "Load earlier" reads the range before them on
// demand, and no byte is downloaded twice. The reads are watched, and must
// account for the lines shown, so the test cannot pass without them.
import {test, check, open} from './lib.mjs';

const N = 150000;

await test('log_large', async (t) => {
	await t.putFlow({name: 'chatty', tasks: [{name: 'spew', command: ['sh',
	    '-c', `seq 1 ${N} | sed "s/^/row /"`]}]});
	const run = await t.startRun('chatty');
	const done = await t.waitRun(run.id, 'COMPLETED', 60);
	const size = done.tasks[0].log_size;
	t.log(`log size ${size} bytes`);
	check(size > 4e6, `the log is large (${size})`);
	const page = t.page;
	const reads = [];
	page.on('response', async (res) => {
		if (!/\/tasks\/spew\/log\?/.test(res.url())) return;
		const h = res.headers();
		const u = new URL(res.url());
		reads.push({offset: Number(u.searchParams.get('offset')),
		    next: Number(h['x-log-next-offset'])});
	});
	await open(page, t.url, `/runs/${run.id}`);
	const log = page.locator('.log');
	await log.getByText(`row ${N}`, {exact: true}).waitFor({timeout: 20000});
	const count = await log.locator('.line').count();
	check(count > 100 && count <= 2000, `tail lines kept: ${count}`);
	const firstRow = async () => Number((await log.locator('.line .txt')
	    .first().textContent()).replace('row ', ''));
	const before = await firstRow();
	check(before > N - 10000, `opens on the tail (first row ${before})`);
	const btn = page.getByRole('button', {name: 'Load earlier'});
	await btn.click();
	await t.waitFor(async () => (await firstRow()) < before, 10,
	    'earlier lines');
	// Keep going past what the first read brought: older ranges are read.
	for (let i = 0; i < 10 && (await firstRow()) > N - 20000; i++) {
		const was = await firstRow();
		await btn.click();
		await t.waitFor(async () => (await firstRow()) < was, 10,
		    'earlier lines');
	}
	const after = await firstRow();
	check(after <= N - 20000, `read earlier ranges (first row ${after})`);
	const rows = (await log.locator('.line .txt').allTextContents())
	    .map((x) => Number(x.replace('row ', '')));
	check(rows.every((r, i) => i === 0 || r === rows[i - 1] + 1),
	    'lines are contiguous after loading earlier');
	t.log(`first row ${before} → ${after}, ${rows.length} lines`);
	// The lines shown must have come through the reads seen here: the
	// tail and at least one earlier range, each with its offsets.
	check(reads.length >= 2, `log reads seen: ${reads.length}`);
	check(reads.every((r) => Number.isFinite(r.offset) &&
	    Number.isFinite(r.next) && r.next >= r.offset),
	    `reads carry offsets: ${JSON.stringify(reads)}`);
	let bytes = 0;
	for (const r of reads) bytes += r.next - r.offset;
	check(bytes >= rows.length * 'row 150000'.length,
	    `read ${bytes} bytes for ${rows.length} lines shown`);
	check(bytes < 2.5e6, `read ${bytes} bytes of a ${size}-byte log`);
	const spans = reads.map((r) => [r.offset, r.next])
	    .filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
	for (let i = 1; i < spans.length; i++)
		check(spans[i][0] >= spans[i - 1][1] ||
		    spans[i - 1][0] === 0 && spans[i - 1][1] <= 65536,
		    `range read twice: ${JSON.stringify(spans)}`);
});
