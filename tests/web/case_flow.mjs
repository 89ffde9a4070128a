// Drives the case page and the desk's live notices in headless Chromium for
// tests/integration/test_web_case.py. Usage: node case_flow.mjs BASE_URL SCREENSHOT_DIR CASES_JSON
// CASES_JSON: {"threat": id, "earlier": id}. Speaks the NEED/RESULT line protocol of
// agent_flow.mjs: the Python test publishes the notice and injects the call.
import { join } from 'node:path';
import { axeViolations, launch, lineProtocol, pages } from './browser.mjs';

const [base, shots, casesJson] = process.argv.slice(2);
const cases = JSON.parse(casesJson);
const need = lineProtocol();
const result = { pageErrors: [], consoleErrors: [], axe: {}, flowMs: {} };
// requireSession (api.js) stops a page's script by throwing 'not logged in' as it sends the
// browser to the login page: expected when a link is opened without a login.
const { watch, login } = pages(base, result, (e) => e.message === 'not logged in');

async function axe(page, name) {
	result.axe[name] = await axeViolations(page);
}

const historyRows = (page) => page.$$eval('#history-table tbody tr', (rs) => rs.map((r) => [...r.cells].map((c) => c.textContent)));

// The group lead follows the threat list's link to the case, reads it and changes it.
async function leadFlow(browser) {
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1400, height: 1200 } });
	const page = await login(ctx, 'lead.aldre', 'lead');
	await page.waitForURL('**/agent.html');
	// The server is busy once (503 with Retry-After, as when many searches run): the page
	// asks again and opens as usual.
	let counts = 0;
	await page.route('**/api/v1/cases/counts**', (route) => (counts++ === 0
		? route.fulfill({ status: 503, headers: { 'Retry-After': '1', 'Content-Type': 'application/problem+json' },
			body: JSON.stringify({ type: 'about:blank', title: 'Upptagen', status: 503 }) })
		: route.continue()));
	await page.goto(base + '/lead.html');
	await page.waitForSelector('body[data-ready="true"]');
	result.countsAsked = counts;
	await page.unroute('**/api/v1/cases/counts**');
	const link = `#threat-${cases.threat} a[href="case.html?id=${cases.threat}"]`;
	await page.waitForSelector(link);
	result.handoverLinks = await page.$$eval('#overdue a[href^="case.html?id="]', (as) => as.map((a) => a.getAttribute('href')));
	// What the API says at the same moment (the flow hands over more cases later).
	result.handoversNow = await page.evaluate(async () => {
		const r = await fetch('/api/v1/handovers?open=true&group_id=2&limit=200',
			{ headers: { Authorization: 'Bearer ' + sessionStorage.getItem('lotsen.token') } });
		return (await r.json()).items;
	});
	await page.click(link);
	await page.waitForURL('**/case.html?id=' + cases.threat);
	await page.waitForSelector('body[data-ready="true"]');
	await page.waitForSelector('#case:not([hidden])');
	result.caseHeading = await page.textContent('#h-case');
	result.caseFocused = await page.evaluate(() => document.activeElement.id);
	result.caseFlags = await page.textContent('#flags');
	result.citizen = { name: await page.textContent('#citizen-name'), pnr: await page.textContent('#citizen-personal_id'),
		logged: await page.textContent('#logged-note') };
	result.earlierLinks = await page.$$eval('#earlier-list a', (as) => as.map((a) => a.getAttribute('href')));
	result.historyBefore = await historyRows(page);
	result.formsShown = await page.isVisible('#edit-form');

	// Outcome by keyboard: Tab from the category to the outcome, ↓ (resolved → guided), Enter.
	await page.focus('#e-category');
	await page.keyboard.press('Tab');
	result.outcomeFocused = await page.evaluate(() => document.activeElement.id);
	await page.keyboard.press('ArrowDown');
	await page.keyboard.press('Enter');
	await page.waitForFunction(() => document.getElementById('edit-done').textContent !== '', null, { timeout: 20000 });
	result.editDone = await page.textContent('#edit-done');
	result.outcomeAfter = await page.textContent('#fact-outcome');
	result.historyAfter = await historyRows(page);

	// A handover due in the past: the server's error under the date, which gets the focus.
	await page.focus('#h-contact');
	await page.keyboard.press('ArrowDown');
	await page.keyboard.press('Tab');
	await page.keyboard.type('2020-01-02');
	await page.keyboard.press('Tab');
	await page.keyboard.type('Kontakta anhörig om hotet.');
	await page.keyboard.press('Enter');
	await page.waitForFunction(() => document.getElementById('err-handover.due_date').textContent !== '', null, { timeout: 20000 })
		.catch(async (e) => {
			const errors = await page.evaluate(() => [...document.querySelectorAll('#handover-form .alert, #handover-form .field-error, #handover-form .notice')]
				.map((p) => `${p.id}: ${p.textContent}`).filter((x) => !x.endsWith(': ')));
			throw new Error(`no due-date error: ${errors.join(' | ')}\n${e.message}`);
		});
	result.dueError = await page.evaluate(() => ({
		text: document.getElementById('err-handover.due_date').textContent,
		invalid: document.getElementById('h-due').getAttribute('aria-invalid'),
		focused: document.activeElement.id,
	}));
	await page.keyboard.press('Control+A');
	await page.keyboard.press('Delete'); // empty: the agreement's working days
	await page.keyboard.press('Enter');
	await page.waitForSelector('#handover-table tbody tr', { timeout: 20000 });
	result.handoverRows = await page.$$eval('#handover-table tbody tr', (rs) => rs.map((r) => [...r.cells].map((c) => c.textContent)));
	result.handoverDone = await page.textContent('#handover-done');
	result.outcomeFinal = await page.textContent('#fact-outcome');
	await page.screenshot({ path: join(shots, 'case.png'), fullPage: true });
	await axe(page, 'case');
	await page.click('#lang-switch');
	result.caseEnglish = { heading: await page.textContent('#h-case'), history: await page.textContent('#h-history'),
		outcome: await page.textContent('#fact-outcome') };
	await axe(page, 'case-en');
	await page.click('#lang-switch');

	await page.goto(base + '/case.html?id=999999');
	await page.waitForSelector('body[data-ready="true"]');
	result.notFound = await page.textContent('#page-error');
	await ctx.close();
}

// Trafikkontoret's viewer follows a link to Äldreförvaltningen's case: the login comes
// first and leads back to the case, which is refused.
async function viewerFlow(browser) {
	const ctx = await browser.newContext({ locale: 'sv-SE' });
	const page = await ctx.newPage();
	watch(page, 'viewer');
	await page.goto(base + '/case.html?id=' + cases.threat);
	await page.waitForURL('**/index.html?next=*');
	await page.focus('#username');
	await page.keyboard.type('viewer.trafik');
	await page.keyboard.press('Tab');
	await page.keyboard.type('lotsen-demo');
	await page.keyboard.press('Enter');
	await page.waitForURL('**/case.html?id=' + cases.threat);
	await page.waitForSelector('body[data-ready="true"]');
	result.viewer = { message: await page.textContent('#page-error'), status: await page.getAttribute('#page-error', 'data-status'),
		hidden: await page.evaluate(() => document.getElementById('case').hidden), focused: await page.evaluate(() => document.activeElement.id) };
	await axe(page, 'case-refused');
	await page.click('#lang-switch');
	result.viewerEnglish = await page.textContent('#page-error');
	await page.click('#lang-switch');
	await ctx.close();
}

// The desk: the caller's earlier cases link to the case page, and a notice published
// through the API appears without a reload.
async function deskFlow(browser) {
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1400, height: 1000 } });
	const page = await login(ctx, 'anna', 'desk');
	await page.waitForURL('**/agent.html');
	await page.waitForSelector('body[data-ready="true"]');
	await page.click('#btn-login');
	await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Paus'));
	await page.click('#btn-ready');
	await page.waitForFunction(() => document.getElementById('state').textContent === 'Redo');
	const call = await need('call', { group_id: 2, caller: '070-111 22 33' });
	await page.waitForSelector('#call.offered');
	await page.waitForSelector('#earlier li a', { timeout: 20000 });
	result.deskEarlier = await page.$$eval('#earlier li a', (as) => as.map((a) => a.getAttribute('href')));
	await axe(page, 'desk-earlier');
	// The link opens the case in a new tab that keeps the login.
	const [tab] = await Promise.all([ctx.waitForEvent('page'), page.click(`#earlier a[href="case.html?id=${cases.earlier}"]`)]);
	watch(tab, 'desk-case-tab');
	await tab.waitForSelector('body[data-ready="true"]');
	result.deskTab = { url: new URL(tab.url()).pathname + new URL(tab.url()).search, heading: await tab.textContent('#h-case') };
	await tab.close();
	await need('hangup', { call_id: call.call_id });
	await page.waitForFunction(() => !document.getElementById('call').classList.contains('offered'));

	const reloads = [];
	page.on('framenavigated', (f) => { if (f === page.mainFrame()) reloads.push(f.url()); });
	const t0 = Date.now();
	const notice = await need('notice', { title: 'Driftstörning i e-tjänsten för bygglov', groups: [2] });
	await page.waitForSelector(`#notice-${notice.id}`, { timeout: 20000 });
	result.noticeMs = Date.now() - t0;
	result.noticeLive = await page.textContent('#notices-live');
	// Withdrawn (archived): it leaves the desk as quickly.
	const t1 = Date.now();
	await need('withdraw', { id: notice.id });
	await page.waitForFunction((nid) => !document.getElementById('notice-' + nid), notice.id, { timeout: 20000 });
	result.withdrawMs = Date.now() - t1;
	result.noticeReloads = reloads.length;
	await page.click('#btn-logout');
	await page.waitForFunction(() => document.getElementById('state').textContent === 'Utloggad');
	await ctx.close();
}

const browser = await launch();
const started = Date.now();
try {
	for (const [name, flow] of [['lead', leadFlow], ['viewer', viewerFlow], ['desk', deskFlow]]) {
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
result.totalMs = Date.now() - started;
process.stdout.write('RESULT ' + JSON.stringify(result) + '\n');
process.exit(0);
