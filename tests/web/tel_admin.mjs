// Drives the telephony section of the administration page in headless Chromium for
// tests/integration/test_web_tel.py. Usage: node tel_admin.mjs BASE_URL SCREENSHOT_DIR
// Prints `RESULT <json>` with what the page showed; the Python test checks the server side.
import { join } from 'node:path';
import { axeViolations, launch, pages } from './browser.mjs';

const [base, shots] = process.argv.slice(2);
const result = { pageErrors: [], consoleErrors: [] };
const { login } = pages(base, result);

const focused = (page) => page.evaluate(() => document.activeElement.id);

async function flow(browser) {
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1300, height: 1000 } });
	const page = await login(ctx, 'admin', 'admin');
	await page.waitForURL('**/wallboard.html');
	await page.goto(base + '/admin.html');
	await page.waitForSelector('body[data-tel-ready="true"]');
	result.visible = await page.isVisible('#tel-admin');
	result.axe = await axeViolations(page);

	// A menu naming a group that does not exist: the server's field error shows under the
	// menu, which gets the focus; all by keyboard.
	await page.selectOption('#tm-number', '+46850800100');
	await page.fill('#tm-menu', JSON.stringify({ prompt: 'meny_stockholm', options: { 1: { group: 999 } } }));
	await page.focus('#tm-save');
	await page.keyboard.press('Enter');
	await page.waitForFunction(() => document.getElementById('tm-err').textContent !== '');
	result.menuError = { text: await page.textContent('#tm-err'), focused: await focused(page),
		invalid: await page.getAttribute('#tm-menu', 'aria-invalid') };
	await page.fill('#tm-menu', JSON.stringify({ prompt: 'meny_stockholm', timeout_s: 4, default_group: 1,
		options: { 1: { group: 2 }, 0: { repeat: true } } }));
	await page.focus('#tm-save');
	await page.keyboard.press('Enter');
	await page.waitForFunction(() => document.getElementById('tm-status').textContent !== '');
	result.menuSaved = await page.textContent('#tm-status');

	// The crisis message switched on from text.
	await page.check('#tc-active');
	await page.fill('#tc-text', 'Vi har en driftstörning i e-tjänsterna.');
	await page.click('#tc-save');
	await page.waitForFunction(() => document.getElementById('tc-status').textContent !== '');
	result.crisisSaved = await page.textContent('#tc-status');

	// Retention that is no number: the error under its field, which gets the focus.
	await page.selectOption('#tp-group', '2');
	await page.fill('#tp-days', 'tio');
	await page.click('#tp-save');
	await page.waitForFunction(() => document.getElementById('tp-err-days').textContent !== '');
	result.policyError = { text: await page.textContent('#tp-err-days'), focused: await focused(page) };
	await page.fill('#tp-days', '30');
	await page.check('#tp-survey');
	await page.fill('#tp-questions', 'enkat_1:4\nenkat_6');
	await page.fill('#tp-max', '200');
	await page.click('#tp-save');
	await page.waitForFunction(() => document.getElementById('tp-status').textContent !== '');
	result.policySaved = await page.textContent('#tp-status');

	await page.selectOption('#ta-group', '3');
	await page.fill('#ta-text', 'Bygglovshandläggarna svarar mellan nio och tolv.');
	await page.click('#ta-save');
	await page.waitForFunction(() => document.getElementById('ta-status').textContent !== '');
	result.announcementSaved = await page.textContent('#ta-status');
	await page.locator('#tel-admin').screenshot({ path: join(shots, 'admin-telephony.png') });
	result.axeAfter = await axeViolations(page);

	await page.click('#lang-switch');
	result.english = { heading: await page.textContent('#h-tel'), save: await page.textContent('#tm-save') };
	await page.click('#lang-switch');
	await ctx.close();

	// A manager sees the administration but not the telephony section (admins only).
	const mctx = await browser.newContext({ locale: 'sv-SE' });
	const m = await mctx.newPage();
	await m.goto(base + '/');
	await m.focus('#username');
	await m.keyboard.type('chef.stod');
	await m.keyboard.press('Tab');
	await m.keyboard.type('lotsen-demo');
	await m.keyboard.press('Enter');
	await m.waitForURL(/wallboard|agent|lead/);
	await m.goto(base + '/admin.html');
	await m.waitForSelector('body[data-ready="true"]');
	await m.waitForTimeout(300);
	result.managerSees = await m.isVisible('#tel-admin');
	await mctx.close();
}

const browser = await launch();
try {
	await flow(browser);
	result.ok = true;
} catch (e) {
	result.ok = false;
	result.error = String(e.stack || e);
} finally {
	await browser.close();
}
process.stdout.write('RESULT ' + JSON.stringify(result) + '\n');
process.exit(0);
