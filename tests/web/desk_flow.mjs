// The desk built around the call, for tests/integration/test_web_desk.py: at 1366×768 an
// offered call's Svara is in the viewport with notices and earlier cases shown; a case
// logged from the desk carries the caller; a letter with its date stamp; a transfer to a
// contact found in the directory; and no staff page wider than a 390 px phone.
// Usage: node desk_flow.mjs BASE_URL SCREENSHOT_DIR. NEED/RESULT line protocol.
import { join } from 'node:path';
import { axeViolations, launch, lineProtocol, pages } from './browser.mjs';

const [base, shots] = process.argv.slice(2);
const need = lineProtocol();
const result = { pageErrors: [], consoleErrors: [], axe: {}, flowMs: {} };
const { login } = pages(base, result);

async function axe(page, name) {
	result.axe[name] = await axeViolations(page);
}

async function deskFlow(browser) {
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1366, height: 768 } });
	const page = await login(ctx, 'anna', 'desk');
	await page.waitForURL('**/agent.html');
	await page.waitForSelector('body[data-ready="true"]');
	await page.click('#btn-login');
	await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Paus'));
	await page.click('#btn-ready');
	await page.waitForFunction(() => document.getElementById('state').textContent === 'Redo');
	const call = await need('call', { group_id: 2, caller: '070-555 12 34', ivr: '2,1' });
	await page.waitForSelector('#call.offered', { timeout: 20000 });
	await page.waitForSelector('#earlier li a', { timeout: 20000 });
	result.noticesShown = await page.isVisible('#notice-list li');
	const box = await page.$eval('#btn-answer', (b) => { const r = b.getBoundingClientRect(); return { top: r.top, bottom: r.bottom }; });
	result.answerBox = box;
	result.answerInView = box.top >= 0 && box.bottom <= 768;
	result.answerText = await page.textContent('#btn-answer');
	result.callerPrefilled = await page.inputValue('#f-cphone');
	result.deskWidth = await page.evaluate(() => document.documentElement.scrollWidth);
	await page.screenshot({ path: join(shots, 'desk-1366.png') });
	await axe(page, 'desk-offered');
	await page.keyboard.press('Alt+S'); // the shortcut shown on Svara
	await page.waitForSelector('#btn-hangup:not([disabled])');
	await page.waitForFunction(() => /^\d+:\d\d$/.test(document.getElementById('t-talk').textContent));
	result.talkTimer = await page.textContent('#t-talk');
	// The case: the caller's phone came from the call; a name is added.
	await page.fill('#f-cname', 'Sven Svensson');
	await page.focus('#f-category');
	await page.keyboard.type('Hemt');
	await page.fill('#f-summary', 'Frågade om avgiften för hemtjänst.');
	await page.click('#case-submit');
	await page.waitForSelector('#case-id', { timeout: 20000 });
	result.phoneCaseId = Number(await page.textContent('#case-id'));

	// The directory: search, then Koppla to the contact found.
	await page.keyboard.press('Alt+D');
	result.dirFocused = await page.evaluate(() => document.activeElement.id);
	await page.keyboard.type('Bygglovsjour');
	await page.keyboard.press('Enter');
	await page.waitForSelector('#dir-results li .dir-transfer:not([disabled])', { timeout: 20000 });
	result.dirHits = await page.$$eval('#dir-results li h3', (hs) => hs.map((h) => h.textContent));
	result.dirPresence = await page.$$eval('#dir-results .presence', (ps) => ps.map((p) => p.textContent));
	await axe(page, 'desk-directory');
	await page.screenshot({ path: join(shots, 'directory.png') });
	await page.click('#dir-results li .dir-transfer');
	await page.waitForFunction(() => /Kopplat|Kunde inte/.test(document.getElementById('dir-status').textContent + document.getElementById('call-error').textContent), null, { timeout: 20000 });
	result.dirStatus = await page.textContent('#dir-status');
	result.dirError = await page.textContent('#call-error');
	await need('hangup', { call_id: call.call_id });
	await page.waitForFunction(() => !document.getElementById('call').classList.contains('talking'));

	// A letter: its channel and date stamp.
	await page.selectOption('#f-channel', 'letter');
	await page.fill('#f-received', '2026-01-12');
	await page.fill('#f-cpnr', '19811218-9876');
	await page.fill('#f-cname', 'Astrid Ek');
	await page.focus('#f-category');
	await page.keyboard.type('Hemt');
	await page.fill('#f-summary', 'Brev med fråga om trygghetslarm.');
	await page.click('#case-submit');
	await page.waitForFunction((prev) => document.getElementById('case-id') && document.getElementById('case-id').textContent !== String(prev),
		result.phoneCaseId, { timeout: 20000 });
	result.letterCaseId = Number(await page.textContent('#case-id'));
	await page.click('#btn-logout');
	await page.waitForFunction(() => document.getElementById('state').textContent === 'Utloggad');
	await ctx.close();
}

// Every staff page at 390×844: no wider than the screen.
async function narrowFlow(browser) {
	result.narrow = {};
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 390, height: 844 } });
	const page = await login(ctx, 'admin', 'narrow');
	await page.waitForURL((u) => !/\/(index\.html)?$/.test(u.pathname));
	for (const p of ['agent.html', 'lead.html', 'kb.html', 'admin.html', 'wallboard.html', 'planering.html', 'case.html?id=1']) {
		await page.goto(base + '/' + p);
		await page.waitForLoadState('networkidle');
		await page.waitForTimeout(300);
		result.narrow[p] = await page.evaluate(() => document.documentElement.scrollWidth);
	}
	await ctx.close();
	const c1 = await browser.newContext({ locale: 'sv-SE', viewport: { width: 390, height: 844 } });
	const a = await login(c1, 'anna', 'narrow-agent');
	await a.waitForURL('**/agent.html');
	await a.waitForSelector('body[data-ready="true"]');
	result.narrow['agent.html (agent)'] = await a.evaluate(() => document.documentElement.scrollWidth);
	await axe(a, 'desk-390');
	await c1.close();
	const c2 = await browser.newContext({ locale: 'sv-SE', viewport: { width: 390, height: 844 } });
	const v = await login(c2, 'viewer.aldre', 'narrow-viewer');
	await v.waitForURL('**/forvaltning.html');
	await v.waitForLoadState('networkidle');
	result.narrow['forvaltning.html'] = await v.evaluate(() => document.documentElement.scrollWidth);
	await c2.close();
}

const browser = await launch();
try {
	for (const [name, flow] of [['desk', deskFlow], ['narrow', narrowFlow]]) {
		const t0 = Date.now();
		try {
			await flow(browser);
			result[name + 'Ok'] = true;
		} catch (e) {
			result[name + 'Ok'] = false;
			result[name + 'Error'] = String(e.stack || e);
		}
		result.flowMs[name] = Date.now() - t0;
	}
} finally {
	await browser.close();
}
process.stdout.write('RESULT ' + JSON.stringify(result) + '\n');
process.exit(0);
