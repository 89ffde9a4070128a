// Consultation from the desk, for tests/integration/test_web_consult.py: Anna, talking with a
// caller over real SIP, finds Erik in the directory, consults him with a note (the call bar
// says "Rådfrågar Erik Johansson …" with a timer) and hands the caller over; on a second
// call Erik is busy (the error shows in the call bar, the call stays), she consults Sara
// and takes the call back. At 1366×768 and 390×844 the consulting desk is no wider than the
// screen. Erik's own desk, meanwhile, shows who consults him (Anna), the caller, the path and
// the note; after the hand-over the call is his (talk timer, Lägg på, the case form
// prefilled with the caller and the note) and he logs a case linked to the caller. Usage: node consult_flow.mjs BASE_URL SCREENSHOT_DIR. NEED/RESULT line protocol.
import { join } from 'node:path';
import { axeViolations, launch, lineProtocol, pages } from './browser.mjs';

const [base, shots] = process.argv.slice(2);
const need = lineProtocol();
const result = { pageErrors: [], consoleErrors: [], axe: {}, widths: {} };
const { login } = pages(base, result);
const NOTE = 'Vill flytta besöket till fredag';

const text = (page, id) => page.$eval('#' + id, (e) => e.textContent);
const width = (page) => page.evaluate(() => document.documentElement.scrollWidth);

async function talkingCall(page, user) {
	const call = await need('call', { user });
	await page.waitForSelector('#call.talking', { timeout: 30000 });
	return call;
}

async function findInDirectory(page, q, name) {
	await page.keyboard.press('Alt+D');
	await page.fill('#dir-q', q);
	await page.keyboard.press('Enter');
	await page.waitForFunction((n) => [...document.querySelectorAll('#dir-results li')].some((li) =>
		li.querySelector('h3').textContent === n && li.querySelector('.dir-consult:not([disabled])')), name, { timeout: 20000 });
	return page.locator('#dir-results li', { has: page.locator('h3', { hasText: name }) }).locator('.dir-consult');
}

// Erik's desk, open beside Anna's (his queue state is set by the test through the API).
async function erikDesk(browser, viewport, tag) {
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport });
	const page = await login(ctx, 'erik', 'erik-' + tag);
	await page.waitForURL('**/agent.html');
	await page.waitForSelector('body[data-ready="true"]');
	return { ctx, page };
}

async function flow(browser, viewport, tag) {
	const erik = await erikDesk(browser, viewport, tag);
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport });
	const page = await login(ctx, 'anna', 'desk-' + tag);
	await page.waitForURL('**/agent.html');
	await page.waitForSelector('body[data-ready="true"]');
	await page.click('#btn-login');
	await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Paus'));
	await page.click('#btn-ready');
	await page.waitForFunction(() => document.getElementById('state').textContent === 'Redo');
	const r = {};

	// 1. Consult Erik (an agent found in the directory) with a note, then hand over.
	const c1 = await talkingCall(page, 'anna');
	r.call1 = c1.call_id;
	await page.keyboard.press('Alt+K');
	await page.waitForSelector('#transfer:not([hidden])');
	r.consultButtons = await page.$$eval('#transfer button, #consult button', (bs) => bs.map((b) => b.textContent.trim()));
	await page.fill('#tr-note', NOTE);
	await (await findInDirectory(page, 'Erik', 'Erik Johansson')).click();
	await page.waitForSelector('#consult:not([hidden])', { timeout: 20000 });
	r.consultText = await text(page, 'consult-text');
	r.completeText = await text(page, 'btn-consult-complete');
	r.cancelText = await text(page, 'btn-consult-cancel');
	await page.waitForFunction(() => /^\d+:\d\d$/.test(document.getElementById('t-consult').textContent));
	r.consultTimer = await text(page, 't-consult');
	r.noteShown = await page.$eval('#call-note', (e) => e.textContent).catch(() => null);
	r.erikWhileConsulted = (await need('agent', { user: 'erik' })).state;
	// Erik's desk: who consults him, the caller, the path, the note; the call is not his yet.
	const ep = erik.page;
	await ep.waitForSelector('#call.consulted #call-note', { timeout: 20000 });
	r.erikConsulted = {
		title: await text(ep, 'call-title'),
		caller: await text(ep, 'call-caller'),
		annaCaller: await text(page, 'call-caller'),
		note: await text(ep, 'call-note'),
		path: await ep.$$eval('#call ol.path li', (ls) => ls.map((l) => l.textContent.trim())),
		hangupDisabled: await ep.$eval('#btn-hangup', (b) => b.disabled),
		answerDisabled: await ep.$eval('#btn-answer', (b) => b.disabled),
		consultControlsHidden: await ep.$eval('#consult', (e) => e.hidden),
		state: await text(ep, 'state'),
	};
	r.widthErikConsulted = await width(ep);
	result.axe['erik-consulted-' + tag] = await axeViolations(ep);
	r.widthConsulting = await width(page);
	if (tag === 'wide') {
		await page.screenshot({ path: join(shots, 'desk-consult-1366.png') });
		result.axe['consulting-' + tag] = await axeViolations(page);
	}
	await need('answered', { call_id: c1.call_id });
	await page.keyboard.press('Alt+O'); // Koppla över
	await page.waitForFunction(() => /överkopplat till Erik Johansson/.test(document.getElementById('call-done').textContent), null, { timeout: 20000 });
	r.done = await text(page, 'call-done');
	r.consultHiddenAfter = await page.$eval('#consult', (e) => e.hidden);
	r.erikAfter = (await need('agent', { user: 'erik' })).state;
	// The call is Erik's now: the call bar, the talk timer, Lägg på, and the case form.
	await ep.waitForSelector('#call.talking #call-from', { timeout: 20000 });
	await ep.waitForFunction(() => /^\d+:\d\d$/.test(document.getElementById('t-talk').textContent));
	r.erikTaken = {
		title: await text(ep, 'call-title'),
		from: await text(ep, 'call-from'),
		caller: await text(ep, 'call-caller'),
		note: await text(ep, 'call-note'),
		done: await text(ep, 'call-done'),
		talk: await text(ep, 't-talk'),
		hangupEnabled: await ep.$eval('#btn-hangup', (b) => !b.disabled),
		phone: await ep.inputValue('#f-cphone'),
		channel: await ep.inputValue('#f-channel'),
		summary: await ep.inputValue('#f-summary'),
	};
	r.widthErikTaken = await width(ep);
	// He logs the case from his desk: a category, and the form as the call left it.
	await ep.waitForFunction(() => document.getElementById('f-group').value === '2' // the entry's group
		&& document.querySelectorAll('#f-category option').length > 1);
	const cat = await ep.$eval('#f-category', (s) => [...s.options].find((o) => o.value).value);
	await ep.selectOption('#f-category', cat);
	await ep.waitForFunction(() => document.getElementById('f-client').value !== '');
	await ep.click('#case-submit');
	await ep.waitForSelector('#case-id', { timeout: 20000 });
	r.erikCaseId = Number(await text(ep, 'case-id'));
	r.erikCaseError = await text(ep, 'case-error');
	await erik.ctx.close();

	// 2. A second call: Erik is busy (409, the call stays), Sara is consulted, then the
	// call is taken back.
	await page.waitForFunction(() => document.getElementById('state').textContent === 'Redo', null, { timeout: 20000 });
	const c2 = await talkingCall(page, 'anna');
	r.call2 = c2.call_id;
	await page.keyboard.press('Alt+K');
	await page.fill('#tr-note', NOTE);
	await (await findInDirectory(page, 'Erik', 'Erik Johansson')).click();
	await page.waitForFunction(() => document.getElementById('call-error').textContent !== '', null, { timeout: 20000 });
	r.busyError = await text(page, 'call-error');
	r.callKeptAfterError = await page.$eval('#call', (e) => e.classList.contains('talking'));
	r.consultHiddenAfterError = await page.$eval('#consult', (e) => e.hidden);
	await (await findInDirectory(page, 'Sara', 'Sara Ahmed')).click();
	await page.waitForSelector('#consult:not([hidden])', { timeout: 20000 });
	r.consultText2 = await text(page, 'consult-text');
	r.errorCleared = await text(page, 'call-error');
	r.widthConsulting2 = await width(page);
	if (tag === 'narrow') result.axe['consulting-' + tag] = await axeViolations(page);
	await need('answered', { call_id: c2.call_id });
	await page.keyboard.press('Alt+T'); // Återta samtalet
	await page.waitForFunction(() => document.getElementById('consult').hidden, null, { timeout: 20000 });
	r.backText = await text(page, 'call-done');
	r.talkingAfterCancel = await page.$eval('#call', (e) => e.classList.contains('talking'));
	r.widthAfter = await width(page);
	result[tag] = r;
	await need('end', {});
	await ctx.close();
}

const browser = await launch();
try {
	for (const [tag, viewport] of [['wide', { width: 1366, height: 768 }], ['narrow', { width: 390, height: 844 }]]) {
		try {
			await flow(browser, viewport, tag);
			result[tag + 'Ok'] = true;
		} catch (e) {
			result[tag + 'Ok'] = false;
			result[tag + 'Error'] = String(e.stack || e);
			await need('end', {}).catch(() => {});
		}
	}
} finally {
	await browser.close();
}
process.stdout.write('RESULT ' + JSON.stringify(result) + '\n');
process.exit(0);
