// Drives the wallboard in headless Chromium for tests/integration/test_web_wallboard.py: an
// admin issues a display login in Administration → Skärmar; a fresh browser at 1920×1080
// opens the address and shows the kiosk board for the display's group only; a caller left
// waiting takes the group past its wait targets and the tile turns to alarm, by colour and
// by word; the admin revokes the display and the screen says so in Swedish. Then the lead
// view's charts with their text, and screenshots of the desk and the directory at 1920×1080
// (read only). axe-core on every page shown.
// Usage: node wallboard_flow.mjs BASE_URL SCREENSHOT_DIR
import { join } from 'node:path';
import { axeViolations, launch, lineProtocol, pages } from './browser.mjs';

const [base, shots] = process.argv.slice(2);
const result = { pageErrors: [], consoleErrors: [], axe: {} };
const { login, watch } = pages(base, result, (e) => e.message === 'not logged in');
const need = lineProtocol();
const LONG = { timeout: 30000 }; // a deadline for what must happen, not a measurement
const FULL_HD = { width: 1920, height: 1080 };

async function flow(browser) {
	// --- the admin issues a display for group 2 ---------------------------------------
	const actx = await browser.newContext({ locale: 'sv-SE', timezoneId: 'Europe/Stockholm', viewport: { width: 1366, height: 768 } });
	const admin = await login(actx, 'admin', 'admin');
	await admin.waitForURL((u) => !u.pathname.endsWith('/') && !u.pathname.endsWith('index.html'));
	await admin.goto(base + '/admin.html');
	await admin.waitForSelector('#displays-admin:not([hidden])', LONG);
	await admin.fill('#d-name', 'Väggen vid Äldre direkt');
	await admin.check('#d-g-2');
	await admin.click('#d-issue');
	await admin.waitForSelector('#d-url', LONG);
	await admin.waitForSelector('#display-table tbody tr', LONG); // the list is redrawn after the address shows
	const url = await admin.inputValue('#d-url');
	result.loginUrlShape = url.replace(/#token=[A-Za-z0-9_-]{43}$/, '#token=…').replace(base, 'BASE');
	result.listed = await admin.$$eval('#display-table tbody tr', (rs) => rs.map((r) => r.textContent));
	result.listHasToken = await admin.evaluate((u) => document.getElementById('d-list').textContent.includes(u.split('#token=')[1]), url);
	result.axe.admin = await axeViolations(admin);
	await (await admin.$('#displays-admin')).screenshot({ path: join(shots, 'admin-skarmar.png') });

	// --- the wall screen: a browser with no session opens the address ---------------
	const dctx = await browser.newContext({ locale: 'sv-SE', timezoneId: 'Europe/Stockholm', viewport: FULL_HD });
	const wall = await dctx.newPage();
	watch(wall, 'wall');
	await wall.goto(url);
	await wall.waitForSelector('body[data-ready="true"] [data-group="2"]', LONG);
	await wall.waitForFunction(() => document.getElementById('display-name').textContent !== '', null, LONG);
	result.wallAddress = wall.url().replace(base, 'BASE');
	result.displayName = await wall.textContent('#display-name');
	result.tiles = await wall.$$eval('.tile[data-group]', (ts) => ts.map((x) => x.dataset.group));
	result.navVisible = await wall.isVisible('a[href="agent.html"]');
	result.kiosk = await wall.evaluate(() => document.body.classList.contains('kiosk'));
	// the tile is drawn again with each live event: read the size of one that is in the page
	result.numPx = await (await wall.waitForFunction(() => {
		const e = document.querySelector('[data-group="2"] .num.waiting');
		const px = e && e.isConnected ? parseFloat(getComputedStyle(e).fontSize) : NaN;
		return px > 0 ? px : null;
	}, null, LONG)).jsonValue();
	result.boardWidth = await wall.$eval('#board', (e) => Math.round(e.getBoundingClientRect().width));
	result.levelBefore = await wall.getAttribute('[data-group="2"]', 'data-level');
	result.mailTile = await wall.textContent('#mail-tile');

	// A caller waits in group 2 with no agent ready: its longest wait passes the warning
	// (2 s) and then the alarm (4 s) levels the test set for the group.
	const call = await need('call', { group_id: 2 });
	await wall.waitForFunction(() => document.querySelector('[data-group="2"] .waiting')?.textContent === '1', null, LONG);
	await wall.waitForSelector('[data-group="2"] .fig.level-warn:has(.longest)', LONG);
	result.waitWarnText = await wall.textContent('[data-group="2"] .fig:has(.longest) .lvl');
	await wall.waitForSelector('[data-group="2"] .fig.level-alarm:has(.longest)', LONG);
	// an offered call not answered within 60 s yet: the service level is 0 % against 80 %
	result.slFig = await wall.$eval('[data-group="2"] .fig:has(.sl)', (f) => ({ cls: f.className, text: f.querySelector('.lvl')?.textContent }));
	result.levelAfter = await wall.getAttribute('[data-group="2"]', 'data-level');
	result.tileLevelText = await wall.textContent('[data-group="2"] .tile-level');
	result.waitFig = await wall.$eval('[data-group="2"] .fig:has(.longest)', (f) => ({ cls: f.className, text: f.querySelector('.lvl')?.textContent }));
	result.waitBorder = await wall.$eval('[data-group="2"] .fig:has(.longest)', (f) => getComputedStyle(f).borderTopColor);
	result.agentStates = await wall.$$eval('[data-group="2"] .agents li', (ls) => ls.map((l) => l.textContent));
	result.axe['wallboard-kiosk-1920'] = await axeViolations(wall);
	await need('hangup', { call_id: call.call_id });

	// --- revoked: the screen says so at once -------------------------------------------
	await admin.click('#display-table button[data-revoke]');
	await admin.waitForFunction(() => !document.querySelector('#display-table button[data-revoke]'), null, LONG);
	await wall.waitForSelector('body[data-ended="401"]', LONG);
	result.revokedMessage = await wall.textContent('#page-error');
	result.tilesAfterRevoke = await wall.$$eval('.tile', (ts) => ts.length);
	result.axe['wallboard-revoked'] = await axeViolations(wall);
	await dctx.close();
	await actx.close();

	// --- a display of every group, agents at work: the kiosk board's screenshot ---------
	const all = await need('display-all', {});
	const kctx = await browser.newContext({ locale: 'sv-SE', timezoneId: 'Europe/Stockholm', viewport: FULL_HD });
	const kiosk = await kctx.newPage();
	watch(kiosk, 'kiosk');
	await kiosk.goto(base + all.login_path);
	await kiosk.waitForSelector('body[data-ready="true"] .tile[data-group] .agents li[data-state]', LONG);
	await kiosk.waitForTimeout(1200); // a second of waiting on the screenshot
	result.kioskTiles = await kiosk.$$eval('.tile[data-group]', (ts) => ts.length);
	result.kioskOverflow = await kiosk.evaluate(() => [...document.querySelectorAll('.tile .num')]
		.filter((n) => n.scrollWidth > n.parentElement.clientWidth + 1).map((n) => n.textContent));
	result.axe['wallboard-kiosk-all'] = await axeViolations(kiosk);
	await kiosk.screenshot({ path: join(shots, 'wallboard-kiosk-1920x1080.png') });
	await need('done-all', {});
	await kctx.close();

	// --- the lead view's charts --------------------------------------------------------
	const lctx = await browser.newContext({ locale: 'sv-SE', timezoneId: 'Europe/Stockholm', viewport: { width: 1366, height: 768 } });
	const lead = await login(lctx, 'lead.aldre', 'lead');
	await lead.waitForURL('**/agent.html');
	await lead.goto(base + '/lead.html?group=2');
	await lead.waitForSelector('body[data-ready="true"]');
	// The page reads the intervals once on load; on a machine too busy for that first
	// read, Uppdatera reads them again (the page's own button) before giving up.
	for (let attempt = 0; ; attempt++) {
		try {
			await lead.waitForSelector('#chart-calls', LONG);
			break;
		} catch (e) {
			result.leadIntervalsText = await lead.textContent('#intervals').catch(() => null);
			if (attempt >= 2) throw e;
			await lead.click('#refresh');
		}
	}
	result.charts = await lead.$$eval('#charts svg', (ss) => ss.map((s) => ({ id: s.id, role: s.getAttribute('role'),
		title: s.querySelector('title')?.textContent, desc: s.querySelector('desc')?.textContent,
		labelledby: s.getAttribute('aria-labelledby') })));
	result.intervalTable = await lead.$$eval('#intervals table tbody tr', (rs) => rs.map((r) => r.textContent));
	result.axe['lead-1366'] = await axeViolations(lead);
	await (await lead.$('section[aria-labelledby="h-intervals"]')).screenshot({ path: join(shots, 'lead-charts.png') });
	await lctx.close();

	// --- screenshots of the desk and the directory at 1920×1080 (read only) --------------
	const gctx = await browser.newContext({ locale: 'sv-SE', timezoneId: 'Europe/Stockholm', viewport: FULL_HD });
	const desk = await login(gctx, 'anna', 'desk');
	await desk.waitForURL('**/agent.html');
	await desk.waitForSelector('body[data-ready="true"]', LONG);
	await desk.screenshot({ path: join(shots, 'desk-1920x1080.png') });
	await desk.fill('#dir-q', 'Äldre');
	await desk.press('#dir-q', 'Enter');
	await desk.waitForSelector('#dir-results li', LONG);
	await desk.$eval('section[aria-labelledby="h-dir"]', (s) => s.scrollIntoView({ block: 'start' }));
	await desk.screenshot({ path: join(shots, 'directory-1920x1080.png') });
	result.directoryHits = await desk.$$eval('#dir-results li', (ls) => ls.length);
	await gctx.close();
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
