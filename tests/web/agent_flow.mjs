// Drives the web application in headless Chromium for tests/integration/test_web.py.
// Usage: node agent_flow.mjs BASE_URL SCREENSHOT_DIR
// Talks to the Python test over a line protocol: prints `NEED <what>` and reads one JSON
// line back (the test injects calls through the API); ends with `RESULT <json>`.
import { join } from 'node:path';
import { axeViolations, launch, lineProtocol, pages } from './browser.mjs';

const [base, shots] = process.argv.slice(2);
const need = lineProtocol();
const result = { pageErrors: [], consoleErrors: [], axe: {}, flowMs: {} };
const { watch, login } = pages(base, result);

async function axe(page, name) {
	result.axe[name] = await axeViolations(page);
}

function inDays(n) {
	const d = new Date(Date.now() + n * 86400000);
	while (d.getDay() === 0 || d.getDay() === 6) d.setDate(d.getDate() + 1);
	return d.toISOString().slice(0, 10);
}

async function agentFlow(browser) {
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1400, height: 1000 } });
	const page = await login(ctx, 'anna', 'agent');
	await page.waitForURL('**/agent.html');
	await page.waitForSelector('body[data-ready="true"]');
	result.landedOn = new URL(page.url()).pathname;
	result.agentReadyMs = Number(await page.getAttribute('body', 'data-ready-ms'));
	await page.waitForSelector('#today-cases');
	result.todayBefore = await page.evaluate(() => ({
		cases: Number(document.getElementById('today-cases').textContent),
		handedOver: Number(document.getElementById('today-handed_over').textContent),
		answered: Number(document.getElementById('today-answered').textContent),
	}));
	result.notices = await page.$$eval('#notices:not([hidden]) #notice-list h3', (hs) => hs.map((h) => h.textContent));
	await page.click('#btn-login');
	await page.waitForFunction(() => document.getElementById('state').textContent.startsWith('Paus'));
	await page.click('#btn-ready');
	await page.waitForFunction(() => document.getElementById('state').textContent === 'Redo');

	const t0 = Date.now();
	const call = await need('call', { group_id: 2, caller: '070-123 45 67', ivr: '2,1' });
	await page.waitForSelector('#call.offered', { timeout: 20000 });
	result.offerMs = Date.now() - t0;
	result.offerCallId = call.call_id;
	result.offerLive = await page.textContent('#call-live');
	result.answerFocused = await page.evaluate(() => document.activeElement.id);
	await page.screenshot({ path: join(shots, 'agent-desktop.png'), fullPage: true });
	await axe(page, 'agent');

	await page.keyboard.press('Enter'); // Svara has the focus when a call is offered
	await page.waitForSelector('#btn-hangup:not([disabled])');
	result.formFocused = await page.evaluate(() => document.activeElement.id);
	// The case form by keyboard only: type-ahead in the selects, arrows, Tab, Enter.
	await page.keyboard.type('Bist');
	// The category's checklist appears below the form; Space ticks a step.
	await page.waitForSelector('#checklist:not([hidden]) #cl-0');
	result.checklist = await page.evaluate(() => ({
		title: document.getElementById('checklist-title').textContent,
		steps: [...document.querySelectorAll('#checklist-steps label')].map((l) => l.textContent),
		live: document.getElementById('checklist-live').textContent,
	}));
	await page.screenshot({ path: join(shots, 'agent-checklist.png'), fullPage: true });
	await axe(page, 'agent-case');
	await page.focus('#cl-1');
	await page.keyboard.press('Space');
	result.checklistTicked = await page.$$eval('#checklist-steps input', (xs) => xs.map((x) => x.checked));
	await page.focus('#f-category');
	await page.keyboard.press('Tab'); // department: the group's only one is chosen already
	await page.keyboard.press('Tab'); // outcome
	await page.keyboard.press('ArrowDown');
	await page.keyboard.press('ArrowDown');
	await page.keyboard.press('Tab'); // summary
	await page.keyboard.type('Anhörig vill ha kontakt med biståndshandläggare om utökad hemtjänst.');
	await page.keyboard.press('Tab'); // contact
	await page.keyboard.press('ArrowDown');
	await page.keyboard.press('Tab'); // due date, YYYY-MM-DD
	const due = inDays(7);
	await page.keyboard.type('2020-01-02'); // in the past: the server's error comes back to this field
	await page.keyboard.press('Tab'); // message
	await page.keyboard.type('Ring upp före lunch.');
	await page.keyboard.press('Enter');
	await page.waitForFunction(() => document.getElementById('err-handover.due_date').textContent !== '');
	result.dueError = await page.evaluate(() => ({
		text: document.getElementById('err-handover.due_date').textContent,
		invalid: document.getElementById('f-due').getAttribute('aria-invalid'),
		focused: document.activeElement.id,
	}));
	await page.keyboard.press('Control+A'); // the focus is on the field in error
	await page.keyboard.type(due);
	result.form = await page.evaluate(() => ({
		category: document.getElementById('f-category').selectedOptions[0].textContent,
		client: document.getElementById('f-client').value,
		outcome: document.getElementById('f-outcome').value,
		contact: document.getElementById('f-contact').value,
		due: document.getElementById('f-due').value,
	}));
	result.dueWanted = due;
	await page.keyboard.press('Enter');
	await page.waitForSelector('#case-id', { timeout: 20000 }).catch(async (e) => {
		const errors = await page.evaluate(() => [...document.querySelectorAll('#case-form .alert, #case-form .field-error')]
			.map((p) => `${p.id}: ${p.textContent}`).filter((x) => !x.endsWith(': ')));
		throw new Error(`no case saved: ${JSON.stringify(result.form)} ${errors.join(' | ')}\n${e.message}`);
	});
	result.caseId = Number(await page.textContent('#case-id'));
	result.confirmation = await page.textContent('#case-done');
	result.checklistAfterSave = await page.evaluate(() => document.getElementById('checklist').hidden);
	// A second, quick case flagged as a threat: category, Tab ×3, summary, Tab, Space, Enter.
	const t1 = Date.now();
	await page.focus('#f-category');
	await page.keyboard.type('Hemt');
	await page.keyboard.press('Tab'); // department
	await page.keyboard.press('Tab'); // outcome: resolved
	await page.keyboard.press('Tab'); // summary
	await page.keyboard.type('Uppringaren hotade att skada hemtjänstens personal.');
	await page.keyboard.press('Tab'); // threat
	await page.keyboard.press('Space');
	await page.keyboard.press('Enter');
	await page.waitForFunction((prev) => document.getElementById('case-id') && document.getElementById('case-id').textContent !== String(prev),
		result.caseId, { timeout: 20000 });
	result.threatCaseMs = Date.now() - t1;
	result.threatCaseId = Number(await page.textContent('#case-id'));
	await page.waitForFunction((n) => Number(document.getElementById('today-cases').textContent) >= n,
		result.todayBefore.cases + 2, { timeout: 20000 });
	// The knowledge base beside the form: search, hits with their marked snippets.
	await page.focus('#kb-q');
	await page.keyboard.type('hemtjänst');
	await page.keyboard.press('Enter');
	await page.waitForSelector('#kb-results li');
	result.kbHits = await page.$$eval('#kb-results li h3', (hs) => hs.map((h) => h.textContent));
	result.kbMarks = await page.$$eval('#kb-results mark', (ms) => ms.length);
	result.kbLinks = await page.$$eval('#kb-results li h3 a', (as) => as.map((a) => a.getAttribute('href')));
	// A new search: the hits of the first, none opened, are reported as such.
	await page.fill('#kb-q', 'förskola');
	await page.press('#kb-q', 'Enter');
	await page.waitForFunction(() => /träffar|results/.test(document.getElementById('kb-status').textContent));
	await page.click('#btn-hangup');
	await page.waitForFunction(() => !document.getElementById('call').classList.contains('talking'));
	// The call just ended: the desk asks for its figures again.
	await page.waitForFunction((n) => Number(document.getElementById('today-answered').textContent) >= n,
		result.todayBefore.answered + 1, { timeout: 20000 });
	result.todayAfter = await page.evaluate(() => ({
		cases: Number(document.getElementById('today-cases').textContent),
		handedOver: Number(document.getElementById('today-handed_over').textContent),
		answered: Number(document.getElementById('today-answered').textContent),
		aht: document.getElementById('today-aht').textContent,
	}));
	await page.click('#btn-logout');
	await page.waitForFunction(() => document.getElementById('state').textContent === 'Utloggad');
	await ctx.close();
}

async function wallboardFlow(browser) {
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1400, height: 900 } });
	const page = await login(ctx, 'lead.aldre', 'lead');
	await page.waitForURL('**/agent.html');
	await page.goto(base + '/wallboard.html');
	const waiting = '[data-group="2"] .waiting';
	await page.waitForSelector(waiting);
	result.wallboardReadyMs = Number(await page.getAttribute('body', 'data-ready-ms'));
	result.waitingBefore = await page.textContent(waiting);
	const t0 = Date.now();
	const call = await need('queued-call', { group_id: 2 });
	await page.waitForFunction((sel) => document.querySelector(sel).textContent === '1', waiting, { timeout: 20000 });
	result.wallboardMs = Date.now() - t0;
	result.queuedCallId = call.call_id;
	// The steering line (GET /api/v1/wfm/summary, refetched a few seconds after events).
	// It counts the waiting call with the day's others, as the queue's own line does.
	await page.waitForFunction(() => {
		const ba = document.querySelector('[data-group="2"] .ba-calls .pair');
		const q = document.querySelector('[data-group="2"] p.hint');
		return ba && q && parseInt(ba.textContent, 10) === parseInt(q.textContent.replace(/^\D*/, ''), 10);
	}, null, { timeout: 20000 });
	result.wallboardBa = await page.$$eval('[data-group="2"] .ba > div', (ds) => ds.map((d) => d.textContent));
	result.wallboardToday = await page.textContent('[data-group="2"] p.hint');
	await page.waitForTimeout(1200); // a second of waiting on the screenshot
	await page.screenshot({ path: join(shots, 'wallboard.png'), fullPage: true });
	await axe(page, 'wallboard');
	await page.click('#lang-switch');
	result.wallboardEnglish = { lang: await page.getAttribute('html', 'lang'), heading: await page.textContent('h1'),
		label: await page.textContent('[data-group="2"] .lbl') };
	await need('hangup', { call_id: call.call_id });
	await ctx.close();
}

// A manager of the unit opens the lead view: the agent's cases are in the group's figures
// today, the handover among the open ones, the threat in the list and in a notification.
async function managerFlow(browser) {
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1400, height: 1100 } });
	const page = await login(ctx, 'chef.stod', 'manager');
	await page.waitForURL('**/wallboard.html');
	result.managerLeadLink = await page.isVisible('a[href="lead.html"]');
	await page.goto(base + '/lead.html?group=2');
	await page.waitForSelector('body[data-ready="true"]');
	result.managerGroup = await page.$eval('#group', (x) => x.selectedOptions[0].textContent);
	await page.waitForSelector(`#threat-${result.threatCaseId}`);
	result.managerCases = await page.evaluate(() => Object.fromEntries(['total', 'resolved', 'handed_over', 'threat', 'fcr']
		.map((k) => [k, document.getElementById('cases-' + k).textContent])));
	result.managerHandovers = await page.$$eval('#handovers-open tbody tr', (rs) => rs.map((r) => [...r.cells].map((c) => c.textContent)));
	result.managerThreat = await page.textContent(`#threat-${result.threatCaseId}`);
	const link = `#threat-notes a[href="#threat-${result.threatCaseId}"]`;
	result.managerNoteLink = await page.isVisible(link);
	await axe(page, 'lead-manager');
	if (result.managerNoteLink) {
		await page.click(link);
		result.managerNoteJump = new URL(page.url()).hash;
		const note = await page.$eval(link, (a) => a.closest('li').id.replace('note-', ''));
		await page.click('#note-read-' + note);
		await page.waitForFunction((id) => !document.getElementById('note-' + id), note);
		result.managerNoteRead = Number(note);
	}
	await ctx.close();
}

async function viewerFlow(browser) {
	const ctx = await browser.newContext({ locale: 'sv-SE' });
	const page = await login(ctx, 'viewer.aldre', 'viewer');
	// A department user lands on the department's page (tests/web/dept_flow.mjs drives it).
	await page.waitForURL('**/forvaltning.html');
	result.viewerLanding = new URL(page.url()).pathname;
	await page.goto(base + '/');
	await axe(page, 'index');
	const statuses = [];
	page.on('response', (r) => { if (r.url().includes('/api/v1/acd/')) statuses.push(r.status()); });
	await page.goto(base + '/agent.html');
	await page.waitForFunction(() => document.getElementById('page-error').textContent !== '');
	result.viewerMessage = await page.textContent('#page-error');
	result.viewerDeskHidden = await page.evaluate(() => document.getElementById('desk').hidden);
	result.viewerStatuses = statuses;
	await ctx.close();

	// Trafikkontoret's viewer, with its own token, asks for Äldreförvaltningen's data.
	const tctx = await browser.newContext({ locale: 'sv-SE' });
	const tp = await login(tctx, 'viewer.trafik', 'viewer-trafik');
	await tp.waitForURL('**/forvaltning.html');
	result.viewerOther = await tp.evaluate(async (ids) => {
		const token = sessionStorage.getItem('lotsen.token');
		const get = async (path) => {
			const r = await fetch('/api/v1' + path, { headers: { Authorization: 'Bearer ' + token } });
			return { status: r.status, body: r.ok ? await r.json() : null };
		};
		const handed = await get('/cases/' + ids.caseId);
		const threat = await get('/cases/' + ids.threatCaseId);
		const threats = await get('/cases?threat=true&limit=500');
		const list = await get('/cases?limit=500');
		const handovers = await get('/handovers');
		const counts = await get('/cases/counts?group_id=2');
		return {
			caseStatus: handed.status, threatStatus: threat.status, countsStatus: counts.status,
			threatTotal: threats.body.total,
			clients: [...new Set(list.body.items.map((c) => c.client))],
			handoverClients: [...new Set(handovers.body.items.map((h) => h.client))],
		};
	}, { caseId: result.caseId, threatCaseId: result.threatCaseId });
	await tp.goto(base + '/lead.html');
	await tp.waitForFunction(() => document.getElementById('page-error').textContent !== '');
	result.viewerLeadMessage = await tp.textContent('#page-error');
	await tctx.close();
}

async function leadFlow(browser) {
	const call = await need('answered-call', { group_id: 2, caller: '070-765 43 21' });
	result.leadCall = call;
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1400, height: 1000 } });
	const page = await login(ctx, 'lead.aldre', 'lead-view');
	await page.waitForURL('**/agent.html');
	await page.waitForSelector('body[data-ready="true"]');
	result.leadLinkVisible = await page.isVisible('a[href="lead.html"]');
	await page.click('a[href="lead.html"]');
	await page.waitForURL('**/lead.html');
	await page.waitForSelector('body[data-ready="true"]');
	await page.waitForSelector('#intervals table');
	result.leadGroup = await page.$eval('#group', (s) => s.selectedOptions[0].textContent);
	result.leadTotals = await page.$$eval('#intervals tfoot th, #intervals tfoot td', (cs) => cs.map((c) => c.textContent));
	result.leadRows = await page.$$eval('#intervals tbody tr', (rs) => rs.length);
	result.leadOccupancy = await page.textContent('#ag-occupancy');
	result.leadOverdue = await page.textContent('#overdue');
	await page.screenshot({ path: join(shots, 'lead.png'), fullPage: true });
	await axe(page, 'lead');
	await ctx.close();
}

// The citizens' pages, with no login at all.
async function publicFlow(browser) {
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1100, height: 1000 } });
	const page = await ctx.newPage();
	watch(page, 'kontakt');
	await page.goto(base + '/kontakt.html');
	await page.waitForSelector('body[data-ready="true"]');
	result.contactGroups = await page.$$eval('#groups section h2', (hs) => hs.map((h) => h.textContent));
	result.contactNumbers = await page.$$eval('#groups .numbers a', (as) => as.map((a) => a.textContent));
	result.contactCharts = await page.$$eval('.chart svg', (ss) => ss.length);
	result.contactBars = await page.$$eval('[data-chart="2"] svg rect.bar', (rs) => rs.length);
	result.contactChartTitle = await page.textContent('[data-chart="2"] svg title');
	result.contactTableRows = await page.$$eval('[data-chart="2"] table tbody tr', (rs) => rs.length);
	await page.screenshot({ path: join(shots, 'kontakt.png'), fullPage: false });
	await axe(page, 'kontakt');
	await page.click('#lang-switch');
	result.contactEnglish = { lang: await page.getAttribute('html', 'lang'), heading: await page.textContent('h1') };
	await page.click('#lang-switch');

	const form = await ctx.newPage();
	watch(form, 'tyck-till');
	await form.goto(base + '/tyck-till.html');
	await form.waitForSelector('body[data-ready="true"]');
	await form.check('input[name=kind][value=complaint]');
	await form.selectOption('#f-client', { label: 'Trafikkontoret' });
	result.feedbackClient = Number(await form.inputValue('#f-client'));
	await form.fill('#f-message', 'x'.repeat(4001));
	await form.click('#send');
	await form.waitForFunction(() => document.getElementById('err-message').textContent !== '');
	result.feedbackTooLong = await form.evaluate(() => ({
		text: document.getElementById('err-message').textContent,
		invalid: document.getElementById('f-message').getAttribute('aria-invalid'),
		focused: document.activeElement.id,
	}));
	const message = 'Gatlampan utanför Storgatan 5 har varit trasig i tre veckor.';
	result.feedbackMessage = message;
	await form.fill('#f-message', message);
	await form.fill('#f-name', 'Greta Gustafsson');
	await form.fill('#f-email', 'greta@example.se');
	await form.screenshot({ path: join(shots, 'tyck-till.png'), fullPage: true });
	await axe(form, 'tyck-till');
	await form.click('#send');
	await form.waitForSelector('#done:not([hidden])');
	result.feedbackDone = await form.textContent('#done-text');
	result.feedbackFocused = await form.evaluate(() => document.activeElement.id);
	result.feedbackCaseId = Number(/(\d+)/.exec(result.feedbackDone)[1]);
	// The server lets one address send one message per ten minutes here: the next waits.
	await form.click('#done a');
	await form.waitForSelector('body[data-ready="true"]');
	await form.check('input[name=kind][value=idea]');
	await form.selectOption('#f-client', { label: 'Trafikkontoret' });
	await form.fill('#f-message', 'Fler parkbänkar i Vasaparken.');
	await form.click('#send');
	await form.waitForFunction(() => document.getElementById('form-error').textContent !== '');
	result.feedbackLimited = await form.evaluate(() => ({
		text: document.getElementById('form-error').textContent,
		focused: document.activeElement.id,
		kept: document.getElementById('f-message').value,
		formShown: !document.getElementById('form-panel').hidden,
	}));
	await axe(form, 'tyck-till-limited');
	await ctx.close();
}

// Administration: an admin edits a group's Tuesday hours and maximum wait, a closure that
// ends before it starts gets the server's field error, and an agent is refused.
async function adminFlow(browser) {
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1300, height: 1000 } });
	const page = await login(ctx, 'admin', 'admin');
	await page.waitForURL('**/wallboard.html');
	result.adminLinkVisible = await page.isVisible('a[href="admin.html"]');
	await page.click('a[href="admin.html"]');
	await page.waitForURL('**/admin.html');
	await page.waitForSelector('body[data-ready="true"]');
	await page.click('#list-table button[data-id="3"]');
	await page.waitForSelector('#h-tue-from');
	result.adminEditFocused = await page.evaluate(() => document.activeElement.id);
	await page.fill('#h-tue-from', '08:15');
	await page.fill('#h-tue-to', '12:30');
	await page.fill('#f-max_wait_s', '240');
	await page.screenshot({ path: join(shots, 'admin.png'), fullPage: true });
	await axe(page, 'admin');
	await page.focus('#f-max_wait_s');
	await page.keyboard.press('Enter');
	await page.waitForFunction(() => document.getElementById('saved') && document.getElementById('saved').textContent === 'Sparat.');
	result.adminSavedGroup = Number(await page.getAttribute('#saved', 'data-id'));

	await page.click('#type-closures');
	await page.waitForFunction(() => document.getElementById('h-list').textContent === 'Stängningar');
	await page.click('#btn-new');
	await page.selectOption('#f-group_id', '3');
	await page.fill('#f-starts_at', '2030-05-06 10:00');
	await page.fill('#f-ends_at', '2030-05-06 09:00');
	await page.fill('#f-reason', 'Arbetsplatsträff');
	await page.click('#btn-save');
	await page.waitForFunction(() => document.getElementById('err-ends_at').textContent !== '');
	result.adminClosureError = await page.evaluate(() => ({
		text: document.getElementById('err-ends_at').textContent,
		invalid: document.getElementById('f-ends_at').getAttribute('aria-invalid'),
		focused: document.activeElement.id,
	}));
	await page.click('#lang-switch');
	result.adminEnglish = { heading: await page.textContent('h1'), list: await page.textContent('#h-list'), save: await page.textContent('#btn-save') };
	await page.click('#lang-switch');

	// A category with a checklist (one step per line).
	await page.click('#type-categories');
	await page.waitForFunction(() => document.getElementById('h-list').textContent === 'Kategorier');
	await page.click('#btn-new');
	await page.fill('#f-name', 'Bostadsanpassning – frågor');
	await page.selectOption('#f-kind', 'question');
	await page.selectOption('#f-group_id', '2');
	await page.fill('#f-checklist', 'Fråga vilket hjälpmedel det gäller.\nFråga om intyg från arbetsterapeut finns.');
	await page.click('#btn-save');
	await page.waitForFunction(() => document.getElementById('saved') && document.getElementById('saved').dataset.id);
	result.adminCategoryId = Number(await page.getAttribute('#saved', 'data-id'));

	// An agreement: prices per channel (a comma decimal) and the groups it covers.
	await page.click('#type-agreements');
	await page.waitForFunction(() => document.getElementById('h-list').textContent === 'Avtal');
	await page.click('#list-table button[data-id="1"]');
	await page.waitForSelector('#p-phone');
	await page.fill('#p-phone', '49,50');
	await page.screenshot({ path: join(shots, 'admin-agreement.png'), fullPage: true });
	await axe(page, 'admin-agreement');
	await page.click('#btn-save');
	await page.waitForFunction(() => document.getElementById('saved') && document.getElementById('saved').textContent === 'Sparat.');
	result.adminAgreementSaved = Number(await page.getAttribute('#saved', 'data-id'));

	// A boundary that hands over without a receiver: the server's error under the field.
	await page.click('#type-boundaries');
	await page.waitForFunction(() => document.getElementById('h-list').textContent === 'Gränssnitt');
	await page.click('#btn-new');
	await page.selectOption('#f-agreement_id', '1');
	await page.selectOption('#f-category_id', String(result.adminCategoryId));
	await page.selectOption('#f-action', 'handover');
	await page.fill('#f-instructions', 'Lämna över till bostadsanpassningen.');
	await page.click('#btn-save');
	await page.waitForFunction(() => document.getElementById('err-contact_id').textContent !== '');
	result.adminBoundaryError = await page.evaluate(() => ({
		text: document.getElementById('err-contact_id').textContent,
		invalid: document.getElementById('f-contact_id').getAttribute('aria-invalid'),
		focused: document.activeElement.id,
	}));
	await axe(page, 'admin-boundary');
	await page.click('#type-units');
	await page.waitForFunction(() => document.getElementById('h-list').textContent === 'Enheter');
	result.adminUnits = await page.$$eval('#list-table tbody th', (ths) => ths.map((h) => h.textContent));
	await ctx.close();

	const actx = await browser.newContext({ locale: 'sv-SE' });
	const agent = await login(actx, 'anna', 'admin-agent');
	await agent.waitForURL('**/agent.html');
	result.adminLinkForAgent = await agent.isVisible('a[href="admin.html"]');
	const statuses = [];
	agent.on('response', (r) => { if (r.url().includes('/api/v1/')) statuses.push(r.status()); });
	await agent.goto(base + '/admin.html');
	await agent.waitForFunction(() => document.getElementById('page-error').textContent !== '');
	result.adminAgentMessage = await agent.textContent('#page-error');
	result.adminAgentHidden = await agent.evaluate(() => document.getElementById('admin').hidden);
	result.adminAgentStatuses = statuses;
	await actx.close();
}

// Knowledge base: lead.aldre edits a published article's body and sees the diff, creates an
// article whose body holds a script (never run), anna flags the article, the lead sees it.
async function kbFlow(browser) {
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1300, height: 1000 } });
	const page = await login(ctx, 'lead.aldre', 'kb-lead');
	const dialogs = [];
	page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
	await page.waitForURL('**/agent.html');
	result.kbLinkVisible = await page.isVisible('a[href="kb.html"]');
	await page.click('a[href="kb.html"]');
	await page.waitForURL('**/kb.html');
	await page.waitForSelector('body[data-ready="true"]');
	await page.fill('#q', 'hemtjänst');
	await page.keyboard.press('Enter');
	await page.waitForSelector('#result-list li');
	await axe(page, 'kb-list');
	await page.click('#result-list button:text-is("Ansöka om hemtjänst")');
	await page.waitForSelector('#article-view:not([hidden]) #a-body p');
	result.kbVersionBefore = Number(await page.getAttribute('#a-meta', 'data-version'));
	await page.click('#btn-edit');
	await page.waitForSelector('#f-body');
	const line = 'Testrad från webbtestet: ring före kl. 10.';
	result.kbLine = line;
	const body = await page.inputValue('#f-body');
	await page.fill('#f-body', body.replace(/\s*$/, '') + '\n\n' + line + '\n');
	await page.fill('#f-note', 'Tillägg om tider');
	await page.click('#btn-save');
	await page.waitForFunction(() => document.getElementById('saved') && document.getElementById('saved').dataset.version);
	result.kbArticleId = Number(await page.getAttribute('#saved', 'data-id'));
	result.kbVersionAfter = Number(await page.getAttribute('#saved', 'data-version'));
	result.kbPreview = await page.textContent('#preview');
	await page.screenshot({ path: join(shots, 'kb.png'), fullPage: true });
	await axe(page, 'kb-edit');
	await page.click('#btn-cancel');
	await page.waitForSelector('#article-view:not([hidden])');
	await page.click('#btn-versions');
	await page.waitForSelector('#diff .add');
	result.kbVersionRows = await page.$$eval('#version-table tbody tr', (rs) => rs.length);
	result.kbDiffAdded = await page.$$eval('#diff .add', (ls) => ls.map((l) => l.textContent.trim()));

	// A new article whose Markdown holds raw HTML: the rendering never runs it.
	await page.click('#btn-back-article');
	await page.click('#btn-back');
	await page.click('#btn-new');
	await page.waitForSelector('#f-title');
	await page.fill('#f-title', 'Skripttest');
	await page.selectOption('#f-status', 'published');
	await page.fill('#f-body', 'Hej <script>alert("kb")</script>\n\n<img src="x" onerror="alert(2)">\n\n[länk](javascript:alert(3))\n\n<script>window.kbOwned = 1</script>\n');
	await page.click('#btn-save');
	await page.waitForFunction(() => document.getElementById('saved') && document.getElementById('saved').dataset.id);
	await page.click('#btn-cancel');
	await page.waitForSelector('#article-view:not([hidden])');
	await page.waitForTimeout(300);
	result.kbScript = await page.evaluate(() => ({
		scripts: document.querySelectorAll('#a-body script, #preview script').length,
		handlers: document.querySelectorAll('#a-body [onerror], #a-body img').length,
		jsLinks: [...document.querySelectorAll('#a-body a')].filter((a) => /^javascript:/i.test(a.getAttribute('href') || '')).length,
		owned: window.kbOwned === 1,
		text: document.getElementById('a-body').textContent,
	}));
	result.kbDialogs = dialogs;
	await ctx.close();

	const actx = await browser.newContext({ locale: 'sv-SE' });
	const agent = await login(actx, 'anna', 'kb-agent');
	await agent.waitForURL('**/agent.html');
	result.kbLinkForAgent = await agent.isVisible('a[href="kb.html"]');
	await agent.goto(`${base}/kb.html#article-${result.kbArticleId}`);
	await agent.waitForSelector('body[data-ready="true"]');
	await agent.waitForSelector('#article-view:not([hidden])');
	result.kbAgentCanEdit = await agent.isVisible('#btn-edit');
	await agent.selectOption('#f-flag-kind', 'wrong');
	await agent.fill('#f-flag-message', 'Telefontiderna stämmer inte längre.');
	await agent.click('#btn-flag');
	await agent.waitForFunction(() => document.getElementById('flag-done').dataset.id);
	result.kbFlagId = Number(await agent.getAttribute('#flag-done', 'data-id'));
	await actx.close();

	const lctx = await browser.newContext({ locale: 'sv-SE' });
	const lead = await login(lctx, 'lead.aldre', 'kb-lead-flags');
	await lead.waitForURL('**/agent.html');
	await lead.goto(base + '/kb.html');
	await lead.waitForSelector('body[data-ready="true"]');
	result.kbFlags = await lead.$$eval('#flag-list li', (ls) => ls.map((l) => ({ id: l.dataset.flag, text: l.textContent })));
	await lead.click('#lang-switch');
	result.kbEnglish = { heading: await lead.textContent('h1'), search: await lead.textContent('#btn-search') };
	await lead.click('#lang-switch');
	await lctx.close();
}

const browser = await launch();
const started = Date.now();
try {
	for (const [name, flow] of [['agent', agentFlow], ['wallboard', wallboardFlow], ['manager', managerFlow], ['viewer', viewerFlow],
		['lead', leadFlow], ['public', publicFlow], ['admin', adminFlow], ['kb', kbFlow]]) {
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
