// Drives the knowledge-base page in headless Chromium for tests/integration/test_web_kb.py:
// a lead adds a synonym and an agent's next search finds the article by it; "Menade du …?";
// an agent confirms an urgent notice and the lead sees who has not; the lead connects a
// missed question, and a search that found nothing, to its article. Usage: node kb_flow.mjs BASE_URL SCREENSHOT_DIR
import { join } from 'node:path';
import { axeViolations, launch, pages } from './browser.mjs';

const [base, shots] = process.argv.slice(2);
const result = { pageErrors: [], consoleErrors: [], axe: {}, flowMs: {} };
const { login } = pages(base, result, (e) => e.message === 'not logged in');

async function open(ctx, user, name) {
	const page = await login(ctx, user, name);
	await page.waitForURL('**/agent.html');
	await page.goto(base + '/kb.html');
	await page.waitForSelector('body[data-ready="true"]');
	return page;
}

async function searchFor(page, q) {
	await page.fill('#q', q);
	await page.press('#q', 'Enter');
	await page.waitForFunction(() => !document.getElementById('list-status').textContent.startsWith('Söker'));
	return page.$$eval('#result-list li h3', (hs) => hs.map((h) => h.textContent));
}

async function flow(browser) {
	const leadCtx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1400, height: 1200 } });
	const agentCtx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1400, height: 1200 } });
	const lead = await open(leadCtx, 'lead.aldre', 'lead');
	const agent = await open(agentCtx, 'anna', 'agent');

	// Before: the agent's search does not know the word.
	result.before = await searchFor(agent, 'klätterställningen');

	// The lead adds the synonym by keyboard.
	await lead.focus('#f-word');
	await lead.keyboard.type('klätterställning');
	await lead.keyboard.press('Tab');
	await lead.keyboard.type('lekplats gunga');
	await lead.keyboard.press('Enter');
	await lead.waitForFunction(() => document.getElementById('synonym-done').textContent !== '', null, { timeout: 20000 });
	result.synonymDone = await lead.textContent('#synonym-done');
	result.synonymRow = await lead.$$eval('#synonym-table tr[data-word="klätterställning"] td', (tds) => tds.map((x) => x.textContent));

	// At once: the agent's next search finds the article by it.
	result.after = await searchFor(agent, 'klätterställningen');

	// "Menade du …?" and following it.
	await searchFor(agent, 'avgfit förskola');
	result.didYouMean = { shown: await agent.isVisible('#did-you-mean'), text: await agent.textContent('#btn-did-you-mean') };
	await agent.click('#btn-did-you-mean');
	await agent.waitForFunction(() => document.getElementById('q').value === 'avgift förskola');
	await agent.waitForFunction(() => !document.getElementById('list-status').textContent.startsWith('Söker'));
	result.followed = { q: await agent.inputValue('#q'), hidden: await agent.isHidden('#did-you-mean') };
	result.axe.agent = await axeViolations(agent);

	// A search that finds nothing is counted for the lead.
	result.noHit = await searchFor(agent, 'Zqxjv  qwpzk');

	// The agent confirms the first urgent notice.
	result.notices = await agent.$$eval('#read-list li', (ls) => ls.map((l) => Number(l.dataset.notice)));
	const nid = result.notices[0];
	await agent.click('#btn-read-' + nid);
	await agent.waitForSelector('#read-state-' + nid);
	result.readDone = await agent.textContent('#read-done');

	// The lead sees who has not read it: no longer the agent.
	await lead.reload();
	await lead.waitForSelector('body[data-ready="true"]');
	await lead.waitForSelector(`#unread-table tr[data-notice="${nid}"]`);
	result.unread = await lead.textContent(`#unread-table tr[data-notice="${nid}"] .unread-names`);
	result.confirmed = await lead.textContent(`#unread-table tr[data-notice="${nid}"] td`);

	// The lead connects the missed question to its article in one step.
	const item = await lead.waitForSelector('#miss-list li[data-question="vill ge beröm till personalen"]');
	const sel = await item.$('select');
	const art = await sel.evaluate((s) => [...s.options].find((o) => o.text.startsWith('Lämna synpunkt')).value);
	await sel.selectOption(art);
	await (await item.$('button')).click();
	await lead.waitForFunction(() => document.getElementById('miss-done').textContent !== '', null, { timeout: 20000 });
	result.missDone = await lead.textContent('#miss-done');
	result.missLeft = await lead.$$eval('#miss-list li', (ls) => ls.map((l) => l.dataset.question)).catch(() => []);
	// The agent's search with no hit is listed beside the questions; the lead connects it.
	const sitem = await lead.waitForSelector('#search-miss-list li[data-question="zqxjv qwpzk"]');
	result.searchMissCounts = await sitem.$eval('p.hint', (p) => p.textContent);
	const ssel = await sitem.$('select');
	await ssel.selectOption(art);
	await lead.evaluate(() => { document.getElementById('miss-done').textContent = ''; });
	await (await sitem.$('button')).click();
	await lead.waitForFunction(() => document.getElementById('miss-done').textContent !== '', null, { timeout: 20000 });
	result.searchMissDone = await lead.textContent('#miss-done');
	result.searchMissLeft = await lead.$$eval('#search-miss-list li', (ls) => ls.map((l) => l.dataset.question)).catch(() => []);
	await lead.screenshot({ path: join(shots, 'kb-words.png'), fullPage: true });
	result.axe.lead = await axeViolations(lead);
	await lead.click('#lang-switch');
	result.english = { words: await lead.textContent('#h-words'), misses: await lead.textContent('#h-misses'), unread: await lead.textContent('#h-unread') };
	result.axe['lead-en'] = await axeViolations(lead);
	await lead.click('#lang-switch');
	result.after2 = await searchFor(agent, 'vill ge beröm till personalen');
	result.after3 = await searchFor(agent, 'zqxjv qwpzk');
	await leadCtx.close();
	await agentCtx.close();
}

const browser = await launch();
const started = Date.now();
try {
	try {
		await flow(browser);
		result.ok = true;
	} catch (e) {
		result.ok = false;
		result.error = String(e.stack || e);
	}
} finally {
	await browser.close();
}
result.totalMs = Date.now() - started;
process.stdout.write('RESULT ' + JSON.stringify(result) + '\n');
process.exit(0);
