// Hostile text stays text: a task prints HTML and script payloads and ANSI
// colours; flow description and parameters carry payloads too. No dialog
// fires (lib.mjs fails on any), no element is made from the payloads, and
// ANSI colours become styled spans.
import {test, check, open, sleep} from './lib.mjs';

const PAY = '<img src=x onerror=alert(2)>';

await test('xss_log', async (t) => {
	await t.putFlow({
		name: 'hostile',
		description: `desc ${PAY} <script>alert(3)</script>`,
		parameters: {p: {type: 'string', default: PAY}},
		tasks: [{name: 'shout', command: ['sh', '-c',
		    'printf "%s\\n" "<script>alert(1)</script>"; ' +
		    'printf "%s\\n" "<img src=x onerror=alert(1)>"; ' +
		    'printf "\\033[31mred\\033[0m plain \\033[1;32mbold green' +
		    '\\033[0m\\n"; printf "\\033]0;title\\007osc gone\\n"; ' +
		    'printf "see https://example.com/x?a=1 and ' +
		    'javascript:alert(4)\\n"; echo "param $1"',
		    'shout', '{{params.p}}']}],
	});
	const page = t.page;
	await open(page, t.url, '/flows');
	await page.locator('tr[data-flow="hostile"]').waitFor();
	check((await page.locator('tr[data-flow="hostile"]').textContent())
	    .includes('<script>alert(3)</script>'), 'description as text');
	await page.getByRole('button', {name: 'Run hostile'}).click();
	await page.waitForURL(/#\/runs\//);
	const log = page.locator('.log');
	await log.getByText('param ' + PAY).waitFor({timeout: 30000});
	const text = await log.textContent();
	check(text.includes('<script>alert(1)</script>'), 'script as text');
	check(text.includes('<img src=x onerror=alert(1)>'), 'img as text');
	check(await page.locator('main img, main script').count() === 0,
	    'no element from a payload');
	const red = log.locator('span.ansi-fg-1', {hasText: 'red'});
	check(await red.count() === 1, 'red span');
	const bold = log.locator('span.ansi-fg-2.ansi-b');
	check((await bold.textContent()) === 'bold green', 'bold green span');
	check(!text.includes('\u001b') && !text.includes('[31m'),
	    'escape codes removed');
	check(text.includes('osc gone') && !text.includes('title'),
	    'OSC sequence dropped');
	const links = await log.locator('a').evaluateAll((as) =>
	    as.map((a) => a.getAttribute('href')));
	check(links.length === 1 && links[0] === 'https://example.com/x?a=1',
	    `only the https link is a link: ${JSON.stringify(links)}`);
	check((await page.locator('.facts').textContent()).includes(PAY),
	    'parameter value as text');
	await open(page, t.url, '/flows/hostile');
	await page.locator('pre.code').waitFor();
	check((await page.locator('pre.code').textContent()).includes(PAY),
	    'definition as text');
	check(await page.locator('main img, main script').count() === 0,
	    'no element from the definition');
	await sleep(1000); // time for any onerror to fire
});
