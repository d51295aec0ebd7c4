// Flow page: run with a parameter changed; the task's log shows it. And a
// run the API refuses (a required parameter missing) shows the server's
// message as a visible notice instead of failing silently.
import {test, check, open, sh} from './lib.mjs';

await test('run_params', async (t) => {
	await t.putFlow({
		name: 'greet',
		parameters: {
			who: {type: 'string', default: 'world'},
			times: {type: 'integer', default: 2},
			loud: {type: 'boolean', default: false},
		},
		tasks: [{name: 'say', command: ['sh', '-c',
		    'echo "hello $1 x$2 loud=$3"', 'say', '{{params.who}}',
		    '{{params.times}}', '{{params.loud}}']}],
	});
	await t.putFlow({
		name: 'needs-city',
		parameters: {city: {type: 'string'}},
		tasks: [{name: 'x', command: sh('true')}],
	});
	const page = t.page;
	await open(page, t.url, '/flows/greet');
	check(await page.locator('#param-who').inputValue() === 'world',
	    'default shown');
	check(await page.locator('#param-times').inputValue() === '2',
	    'integer default shown');
	check(await page.locator('svg.graph g.node').count() === 1, 'graph');
	await page.locator('#param-who').fill('Mars & <b>co</b>');
	await page.locator('#param-times').fill('3');
	await page.locator('#param-loud').check();
	await page.locator('#run-submit').click();
	await page.waitForURL(/#\/runs\//);
	await page.locator('.log').getByText('hello Mars & <b>co</b> x3 loud=true')
	    .waitFor({timeout: 30000});
	await page.locator('.page-head .state', {hasText: 'completed'})
	    .waitFor({timeout: 30000});
	check((await page.locator('.facts').textContent())
	    .includes('who = Mars & <b>co</b>'), 'parameters in the header');

	// Refused: the flows page Run button sends no parameters, and city is
	// required. The server's message is shown, and the flow's Run form
	// opens with the missing parameter focused.
	t.allowConsole(/status of 4\d\d/);
	await open(page, t.url, '/flows');
	await page.getByRole('button', {name: 'Run needs-city'}).click();
	const notice = page.locator('.notice.error');
	await notice.waitFor();
	const msg = await notice.textContent();
	t.log(`notice: ${msg}`);
	check(/city/.test(msg), `notice names the parameter: ${msg}`);
	await page.waitForURL(/#\/flows\/needs-city/);
	await t.waitFor(() => page.evaluate(() =>
	    document.activeElement && document.activeElement.id ===
	    'param-city'), 10, 'the city field to get the focus');
	await page.locator('#param-city').fill('Delft');
	await page.locator('#run-submit').click();
	await page.waitForURL(/#\/runs\//);
});
