// Repositories page: each repository's last sync as the API reports it:
// a failed one with its state, commit and subject and the failing file,
// field and reason, one never synced; the flows it owns link to them;
// "Sync now" (admins only) asks the API for a sync. A flow's versions
// list shows the commit and subject a version came from, and a run page
// its commit. Text from the repository (a subject with markup) stays
// text. The sync results are written into the database as a scheduler
// would leave them (no scheduler runs here, so nothing overwrites them).
import {spawnSync} from 'node:child_process';
import {join} from 'node:path';
import {test, check, open, sh} from './lib.mjs';

process.env.STACK_NO_SCHEDULER = '1';

// Runs one SQL statement with bound values on the stack's database.
function sql(t, statement, ...values) {
	const r = spawnSync('python3', ['-c', `
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
c.execute(sys.argv[2], sys.argv[3:])`, join(t.data, 'sluice.db'),
	    statement, ...values.map(String)], {encoding: 'utf8'});
	if (r.status !== 0) throw new Error(`sql: ${r.stderr}`);
}

const COMMIT = '89abcdef0123456789abcdef0123456789abcdef';
const SUBJECT = 'Add <img src=x onerror=alert(1)> sensors';

await test('repos_view', async (t) => {
	for (const [name, url] of [['etl', '/nonexistent/etl.git'],
	    ['fresh', 'git@git.example:team/fresh.git']]) {
		const r = await t.api('PUT', `/api/repos/${name}`,
		    {url, interval_s: 0, webhook_secret: 'never-shown-secret'});
		check(r.status === 201, `PUT repo ${name}: ${r.status} ${r.text}`);
	}
	await t.putFlow({name: 'daily', tasks: [{name: 'a', command: sh('true')}]});
	sql(t, `UPDATE repos SET sync_state = 'failed', synced_at = ?,
	    sync_commit = ?, sync_subject = ?, sync_error = ?,
	    sync_requested_at = NULL WHERE name = 'etl'`, Date.now(), COMMIT,
	    SUBJECT, JSON.stringify({file: 'flows/bad.json',
		field: 'tasks[0].command', reason: 'expected an array'}));
	sql(t, `UPDATE flow_versions SET repo = 'etl', commit_id = ?,
	    commit_subject = ?, source = 'flows/daily.json'
	    WHERE flow = 'daily'`, COMMIT, SUBJECT);
	sql(t, `UPDATE flows SET repo = 'etl' WHERE name = 'daily'`);

	const page = t.page;
	await open(page, t.url, '/repos');
	const row = page.locator('tr[data-repo="etl"]');
	await row.locator('.state', {hasText: 'failed'}).waitFor();
	const rowText = await row.textContent();
	check(rowText.includes('flows/bad.json: tasks[0].command: expected ' +
	    'an array'), 'error with file, field and reason: ' + rowText);
	check(rowText.includes(COMMIT.slice(0, 12)) && rowText.includes(SUBJECT),
	    'commit and subject as text: ' + rowText);
	check(!rowText.includes('never-shown-secret'), 'no secret shown');
	check(await row.locator('img').count() === 0, 'markup stayed text');
	check(await row.locator('a[href="#/flows/daily"]').count() === 1,
	    'owned flow linked');
	const fresh = page.locator('tr[data-repo="fresh"]');
	await fresh.locator('.state', {hasText: 'never'}).waitFor();

	await row.getByRole('button', {name: 'Sync etl now'}).click();
	await t.waitFor(async () => {
		const r = (await t.api('GET', '/api/repos/etl')).json;
		return r.sync.requested_at && r.sync.requested_by === 'admin';
	}, 10, 'a sync asked for by admin');

	await open(page, t.url, '/flows/daily');
	const versions = page.locator('ul.versions');
	await versions.locator('.commit').waitFor();
	const vText = await versions.textContent();
	check(vText.includes(COMMIT.slice(0, 12)) && vText.includes(SUBJECT),
	    'version shows commit and subject: ' + vText);
	check((await page.locator('.page-head').textContent())
	    .includes('from repository etl'), 'flow names its repository');

	const run = await t.startRun('daily');
	await open(page, t.url, `/runs/${run.id}`);
	const commit = page.locator('.commit').first();
	await commit.waitFor();
	check((await commit.textContent()).includes(COMMIT.slice(0, 12)),
	    'run shows its commit');

	t.addUser('vic', 'viewer', 'vic-pass-1');
	const vpage = await t.newPage('vic', 'vic-pass-1');
	await open(vpage, t.url, '/repos');
	await vpage.locator('tr[data-repo="etl"] .state').waitFor();
	check(await vpage.getByRole('button', {name: 'Sync etl now'})
	    .count() === 0, 'no Sync now for a viewer');
});
