// Drives the department's page in headless Chromium for tests/integration/test_web_dept.py.
// Usage: node dept_flow.mjs BASE_URL SCREENSHOT_DIR CASES_JSON
// CASES_JSON: {"late": {"case": id, "handover": id}, "later": {...}, "answer": text}.
// A department user logs in, sees the overdue handover first, answers it by keyboard and sees
// the case's status change; the agent then reads the answer on the case page.
import { join } from 'node:path';
import { axeViolations, launch, pages } from './browser.mjs';

const [base, shots, casesJson] = process.argv.slice(2);
const cases = JSON.parse(casesJson);
const result = { pageErrors: [], consoleErrors: [], axe: {} };
const { login } = pages(base, result, (e) => e.message === 'not logged in');

async function deptFlow(browser) {
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1366, height: 768 } });
	const page = await login(ctx, 'viewer.aldre', 'dept');
	await page.waitForURL('**/forvaltning.html');
	await page.waitForSelector('body[data-ready="true"]');
	result.rows = await page.$$eval('#handover-table tbody tr', (rs) => rs.map((r) => r.id));
	result.firstRow = await page.$eval('#handover-table tbody tr', (r) => ({ id: r.id, text: r.textContent, late: r.className }));
	result.axe.list1366 = await axeViolations(page);
	await page.screenshot({ path: join(shots, 'forvaltning.png'), fullPage: true });

	// Keyboard: the first row's Handle button, Enter; the text; Ctrl+Enter sends.
	await page.focus(`#ho-${cases.late.handover} button.handle`);
	await page.keyboard.press('Enter');
	await page.waitForSelector('#act:not([hidden])');
	result.actFocused = await page.evaluate(() => document.activeElement.id);
	result.axe.act1366 = await axeViolations(page);
	// An empty text: the error under the field, which gets the focus.
	await page.focus('#a-text');
	await page.keyboard.press('Control+Enter');
	result.emptyError = await page.evaluate(() => ({ text: document.getElementById('err-text').textContent,
		focused: document.activeElement.id, invalid: document.getElementById('a-text').getAttribute('aria-invalid') }));
	await page.keyboard.type(cases.answer);
	await page.keyboard.press('Control+Enter');
	await page.waitForFunction(() => document.getElementById('done').textContent !== '', null, { timeout: 20000 });
	result.done = await page.textContent('#done');
	result.doneStatus = await page.getAttribute('#done', 'data-status');
	result.doneFocused = await page.evaluate(() => document.activeElement.id);
	result.rowsAfter = await page.$$eval('#handover-table tbody tr', (rs) => rs.map((r) => r.id));
	result.axe.done1366 = await axeViolations(page);
	await ctx.close();

	// The phone-sized page.
	const small = await browser.newContext({ locale: 'sv-SE', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
	const p2 = await login(small, 'viewer.aldre', 'dept-small');
	await p2.waitForURL('**/forvaltning.html');
	await p2.waitForSelector('body[data-ready="true"]');
	result.axe.list390 = await axeViolations(p2);
	await p2.click(`#ho-${cases.later.handover} button.handle`);
	await p2.waitForSelector('#act:not([hidden])');
	result.axe.act390 = await axeViolations(p2);
	await p2.screenshot({ path: join(shots, 'forvaltning-mobil.png'), fullPage: true });
	await small.close();
}

// The agent who logged the case reads the department's answer on the case page.
async function agentFlow(browser) {
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1366, height: 768 } });
	const page = await login(ctx, 'anna', 'agent');
	await page.waitForURL('**/agent.html');
	await page.goto(`${base}/case.html?id=${cases.late.case}`);
	await page.waitForSelector('#case:not([hidden])');
	result.agentHandovers = await page.textContent('#handovers');
	result.agentNotes = await page.evaluate(async () => {
		const r = await fetch('/api/v1/notifications', { headers: { Authorization: 'Bearer ' + sessionStorage.getItem('lotsen.token') } });
		return (await r.json()).items.map((n) => [n.kind, n.case_id]);
	});
	await ctx.close();
}

const browser = await launch();
try {
	for (const [name, flow] of [['dept', deptFlow], ['agent', agentFlow]]) {
		try {
			await flow(browser);
			result[name + 'Ok'] = true;
		} catch (e) {
			result[name + 'Ok'] = false;
			result[name + 'Error'] = String(e.stack || e);
		}
	}
} finally {
	await browser.close();
}
process.stdout.write('RESULT ' + JSON.stringify(result) + '\n');
process.exit(0);
