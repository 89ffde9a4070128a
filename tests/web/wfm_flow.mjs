// Drives the planning page in headless Chromium for tests/integration/test_web_wfm.py: a lead
// opens the week view, adds a shift with the keyboard alone and sees the day's coverage
// change; the daily steering board (BA) counts a call offered through the API while the page
// is open; axe-core at 1366×768 and 390×844, no sideways scrolling on the phone; screenshots.
// Usage: node wfm_flow.mjs BASE_URL SCREENSHOT_DIR AGENT_ID DAY (DAY: today, YYYY-MM-DD).
import { join } from 'node:path';
import { axeViolations, launch, lineProtocol, pages } from './browser.mjs';

const [base, shots, agentId, day] = process.argv.slice(2);
const result = { pageErrors: [], consoleErrors: [], axe: {} };
const { login } = pages(base, result, (e) => e.message === 'not logged in');
const need = lineProtocol();
const LONG = { timeout: 30000 }; // a deadline for what must happen, not a measurement

// The text of a cell of the coverage row of `hhmm` (columns: interval, forecast, needed,
// scheduled, difference, status), null when the day has no such row.
function coverageCell(page, hhmm, col) {
	return page.evaluate(([h, c]) => {
		const tr = document.querySelector(`#coverage tr[data-start="${h}"]`);
		return tr ? tr.children[c].textContent : null;
	}, [hhmm, col]);
}

// Tab until the focused element matches `sel`: how a keyboard user gets there.
async function tabTo(page, sel, max = 400) {
	for (let i = 0; i < max; i++) {
		if (await page.evaluate((s) => document.activeElement && document.activeElement.matches(s), sel)) return i;
		await page.keyboard.press('Tab');
	}
	throw new Error(`Tab never reached ${sel}`);
}

async function overflow(page) {
	return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

async function flow(browser) {
	const ctx = await browser.newContext({ locale: 'sv-SE', timezoneId: 'Europe/Stockholm', viewport: { width: 1366, height: 768 } });
	const page = await login(ctx, 'lead.aldre', 'planering');
	await page.waitForURL('**/agent.html');
	await page.goto(base + '/planering.html?group=2');
	await page.waitForSelector('body[data-ready="true"]');
	result.group = await page.$eval('#group', (s) => s.selectedOptions[0].textContent);

	// The coverage of today before the shift.
	await page.selectOption('#day', day);
	await page.waitForFunction((d) => document.querySelector('#coverage caption')?.textContent.includes(d), day, LONG);
	result.scheduledBefore = await coverageCell(page, '09:00', 3);
	result.neededBefore = await coverageCell(page, '09:00', 2);

	// Keyboard only: from the week field, Tab to "+ Lägg till" in the agent's row on the day.
	await page.focus('#week');
	result.tabsToAdd = await tabTo(page, `button[data-add="${agentId}|${day}"]`);
	result.addLabel = await page.evaluate(() => document.activeElement.getAttribute('aria-label'));
	await page.keyboard.press('Enter');
	await page.waitForSelector('#editor:not([hidden])');
	result.editorFocused = await page.evaluate(() => document.activeElement.id);
	await page.keyboard.type('0900'); // start
	await tabTo(page, '#e-end');
	await page.keyboard.type('1200');
	await tabTo(page, '#e-save');
	await page.keyboard.press('Enter');
	await page.waitForFunction(() => document.getElementById('updated').textContent === 'Passet sparades.', null, LONG);
	result.saved = await page.textContent('#updated');
	result.editorHidden = await page.isHidden('#editor');
	result.chip = await page.$$eval('#weekview .shift-chip', (bs) => bs.map((b) => b.textContent));
	await page.waitForFunction(() => document.querySelector('#coverage tr[data-start="09:00"]'), null, LONG);
	result.scheduledAfter = await coverageCell(page, '09:00', 3);
	result.statusAfter = await coverageCell(page, '09:00', 5);
	result.scheduled1130 = await coverageCell(page, '11:30', 3);
	result.scheduled1200 = await coverageCell(page, '12:00', 3);
	const week = await page.$('section[aria-labelledby="h-week"]');
	await week.screenshot({ path: join(shots, 'planering-vecka.png') });
	result.axe['planering-1366'] = await axeViolations(page);

	// The steering board follows a call offered while the page is open (the stream's wfm
	// event makes the page refetch it).
	await page.waitForSelector('#ba-actual');
	result.baBefore = Number(await page.textContent('#ba-actual'));
	result.call = await need('call', { group_id: 2 });
	await page.waitForFunction((n) => Number(document.getElementById('ba-actual').textContent) > n, result.baBefore, LONG);
	result.baAfter = Number(await page.textContent('#ba-actual'));
	result.baCurrentRow = await page.$$eval('#board tr[data-current="true"] > *', (cs) => cs.map((c) => c.textContent));
	result.baLoginRate = await page.textContent('#ba-login-rate');
	const board = await page.$('section[aria-labelledby="h-board"]');
	await board.screenshot({ path: join(shots, 'planering-ba.png') });

	// On a phone: the same page, no sideways scrolling of the page itself.
	await page.setViewportSize({ width: 390, height: 844 });
	await page.waitForTimeout(100); // a layout pass
	result.overflow390 = await overflow(page);
	result.wide390 = await page.evaluate(() => [...document.querySelectorAll('body *')]
		.filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !e.closest('.scroll'))
		.map((e) => `${e.tagName}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`).slice(0, 8));
	result.axe['planering-390'] = await axeViolations(page);
	await (await page.$('section[aria-labelledby="h-board"]')).screenshot({ path: join(shots, 'planering-ba-mobil.png') });

	// The wallboard's steering line for the group, in brief.
	await page.setViewportSize({ width: 1366, height: 768 });
	await page.goto(base + '/wallboard.html');
	await page.waitForSelector('[data-group="2"] .ba', LONG);
	result.wallboardBa = await page.$$eval('[data-group="2"] .ba > div', (ds) => ds.map((d) => d.textContent));
	result.axe['wallboard-1366'] = await axeViolations(page);
	await page.setViewportSize({ width: 390, height: 844 });
	await page.waitForTimeout(100);
	result.wallboardOverflow390 = await overflow(page);
	result.axe['wallboard-390'] = await axeViolations(page);
	await need('hangup', { call_id: result.call.call_id });
	await ctx.close();
}

const browser = await launch();
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
process.stdout.write('RESULT ' + JSON.stringify(result) + '\n');
process.exit(0);
