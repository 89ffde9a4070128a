// The desk's e-mail, for tests/integration/test_web_mail.py: the agent's group's waiting
// e-mails are listed (subject, sender, waited, due), taken with the keyboard, the case's
// mail opens and is answered; then the queue offers the next one in the call bar like a
// call, and it is taken from there. Screenshot desk-email-1366x768.png; axe at each step.
// Usage: node mail_flow.mjs BASE_URL SCREENSHOT_DIR. NEED/RESULT line protocol.
import { join } from 'node:path';
import { axeViolations, launch, lineProtocol, pages } from './browser.mjs';

const [base, shots] = process.argv.slice(2);
lineProtocol();
const result = { pageErrors: [], consoleErrors: [], axe: {} };
const { login } = pages(base, result);

async function flow(browser) {
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1366, height: 768 } });
	const page = await login(ctx, 'lars', 'desk');
	await page.waitForURL('**/agent.html');
	await page.waitForSelector('body[data-ready="true"]');
	await page.waitForSelector('#mail-list li.mail-item', { timeout: 20000 });
	result.listed = await page.$$eval('#mail-list li.mail-item h3', (hs) => hs.map((h) => h.textContent));
	result.listedFrom = await page.$$eval('#mail-list li.mail-item .mail-from', (ps) => ps.map((p) => p.textContent));
	result.listedHints = await page.$$eval('#mail-list li.mail-item .hint', (ps) => ps.map((p) => p.textContent));
	result.mailCount = await page.textContent('#mail-count');
	result.axe.list = await axeViolations(page);
	// Into the queue (paused), then the first e-mail taken with the keyboard.
	await page.click('#btn-login');
	await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Paus'));
	await page.focus('#mail-list li.mail-item .mail-take');
	result.takeLabel = await page.evaluate(() => document.activeElement.getAttribute('aria-label'));
	await page.keyboard.press('Enter');
	await page.waitForSelector('#mail-work:not([hidden]) #mail-text', { timeout: 20000 });
	result.workTitle = await page.textContent('#mail-work-title');
	result.workText = await page.textContent('#mail-text');
	result.caseLink = await page.getAttribute('#mail-case-link', 'href');
	result.focusAfterTake = await page.evaluate(() => document.activeElement.id);
	result.stateWorking = await page.textContent('#state');
	result.axe.work = await axeViolations(page);
	await page.keyboard.type('Hej!\n\nBesked om förskoleplats kommer i mars.');
	await page.click('#mail-send');
	await page.waitForFunction(() => /skickat/.test(document.getElementById('mail-status').textContent), null, { timeout: 20000 });
	result.sentStatus = await page.textContent('#mail-status');
	// Ready: the queue offers the next e-mail in the call bar.
	await page.click('#btn-ready');
	await page.waitForSelector('#mail-offer:not([hidden]) #mail-offer-take', { timeout: 20000 });
	await page.waitForFunction(() => document.getElementById('state').textContent === 'E-post erbjuds', null, { timeout: 20000 });
	result.offerText = await page.textContent('#mail-offer');
	result.stateOffered = await page.textContent('#state');
	const box = await page.$eval('#mail-offer-take', (b) => { const r = b.getBoundingClientRect(); return { top: r.top, bottom: r.bottom }; });
	result.offerInView = box.top >= 0 && box.bottom <= 768;
	await page.waitForFunction(() => document.querySelectorAll('#mail-list li.mail-item').length >= 1, null, { timeout: 20000 });
	await page.waitForFunction(() => {
		const offered = document.querySelector('#mail-offer p:nth-of-type(2)').textContent;
		return ![...document.querySelectorAll('#mail-list li.mail-item h3')].some((h) => offered.startsWith(h.textContent + ' —'));
	}, null, { timeout: 20000 });
	result.listedAtOffer = await page.$$eval('#mail-list li.mail-item h3', (hs) => hs.map((h) => h.textContent));
	await page.evaluate(() => window.scrollTo(0, 0));
	result.listInView = await page.$eval('#mail-list li.mail-item .mail-take', (b) => b.getBoundingClientRect().bottom <= 768);
	await page.screenshot({ path: join(shots, 'desk-email-1366x768.png') });
	result.axe.offer = await axeViolations(page);
	await page.click('#mail-offer-take');
	await page.waitForSelector('#mail-work:not([hidden]) #mail-text', { timeout: 20000 });
	result.offerTakenTitle = await page.textContent('#mail-work-title');
	result.deskWidth = await page.evaluate(() => document.documentElement.scrollWidth);
	await ctx.close();
}

const browser = await launch();
try {
	try {
		await flow(browser);
		result.flowOk = true;
	} catch (e) {
		result.flowOk = false;
		result.flowError = String(e.stack || e);
	}
} finally {
	await browser.close();
}
process.stdout.write('RESULT ' + JSON.stringify(result) + '\n');
process.exit(0);
