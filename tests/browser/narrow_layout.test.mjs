// At 375 px (a phone) no page scrolls sideways, even with long names,
// descriptions and parameters; tables become stacked rows that name each
// value (the header row is hidden), and the Run button stays visible.
import {test, check, open, sh} from './lib.mjs';

const LONG = 'quarterly-revenue-reconciliation-with-external-ledgers';

await test('narrow_layout', async (t) => {
	await t.putFlow({name: LONG,
	    description: 'Reconciles_every_ledger_line_against_the_bank_' +
		'statements_and_reports_differences_to_finance',
	    parameters: {source_path: {type: 'string', default:
		'/srv/data/finance/ledgers/2026/q4/export-final-v2.csv'}},
	    schedule: {cron: '15 2 * * 1-5', timezone: 'Europe/Amsterdam'},
	    tasks: [{name: 'download_all_ledger_exports_from_partners',
		command: sh('echo "$SLUICE_PARAMS"')},
		{name: 'compare_with_bank_statements', command: sh('true'),
		    depends_on: ['download_all_ledger_exports_from_partners']}]});
	const run = await t.startRun(LONG);
	await t.waitRun(run.id, 'COMPLETED', 60);
	const page = await t.newPage(t.admin_user, t.admin_pass,
	    {width: 375, height: 812});
	const pages = [['/flows', 'tr[data-flow]'],
	    [`/flows/${LONG}`, '#recent tbody tr'],
	    ['/runs', 'tr[data-run]'], [`/runs/${run.id}`, '.log'],
	    ['/workers', 'tr[data-worker]'], ['/events', 'tbody tr']];
	for (const [hash, ready] of pages) {
		await open(page, t.url, hash);
		await page.locator(ready).first().waitFor();
		const m = await page.evaluate(() => ({
			doc: document.documentElement.scrollWidth,
			win: window.innerWidth,
			head: [...document.querySelectorAll('main thead')]
			    .some((el) => el.getBoundingClientRect().left >= 0),
		}));
		check(m.doc <= m.win + 1, `${hash} scrolls sideways: ` +
		    `${m.doc} px wide in a ${m.win} px window`);
		check(!m.head, `${hash}: table headers are hidden on a phone`);
	}
	await open(page, t.url, '/runs');
	const row = page.locator(`tr[data-run="${run.id}"]`);
	await row.waitFor();
	const labels = await row.locator('td[data-label]').evaluateAll(
	    (tds) => tds.map((td) => td.dataset.label));
	check(labels.includes('Duration') && labels.includes('Started by'),
	    `cells name their column: ${labels}`);
	await open(page, t.url, '/flows');
	const btn = page.getByRole('button', {name: `Run ${LONG}`});
	await btn.waitFor();
	const box = await btn.boundingBox();
	check(box && box.x >= 0 && box.x + box.width <= 375,
	    `Run button inside the screen: ${JSON.stringify(box)}`);
});
