// Kiosk paging of the wallboard, for tests/integration/test_web_wallboard_paging.py: every
// demo group on a 1920×1080 and a 1366×768 wall screen, shown a page at a time with "Sida
// 1 av N"; the page turn is driven by ?page_s=1 and waited for by the indicator's text (no
// time is measured); no vertical or horizontal overflow on any page; with
// prefers-reduced-motion nothing on the board animates. A group in alarm (the test puts one
// there) is on every page, first: each page's groups and levels are read in board order.
// Usage: node wallboard_paging.mjs BASE_URL SCREENSHOT_DIR. NEED/RESULT line protocol.
import { join } from 'node:path';
import { axeViolations, launch, lineProtocol, pages } from './browser.mjs';

const [base, shots] = process.argv.slice(2);
lineProtocol();
const result = { pageErrors: [], consoleErrors: [], axe: {} };
const { login } = pages(base, result);
const LONG = { timeout: 30000 };

async function screen(browser, viewport, tag) {
	const ctx = await browser.newContext({ locale: 'sv-SE', timezoneId: 'Europe/Stockholm', viewport, reducedMotion: 'reduce' });
	const page = await login(ctx, 'admin', 'wall-' + tag);
	await page.waitForURL((u) => !/\/(index\.html)?$/.test(u.pathname));
	await page.goto(base + '/wallboard.html?kiosk=1&page_s=1');
	await page.waitForSelector('body[data-ready="true"][data-page]', LONG);
	// Wait for the board's figures (agent states, targets), then walk the pages once.
	await page.waitForFunction(() => document.querySelectorAll('.tile[data-group]').length > 0, null, LONG);
	// The test's group in alarm: the board has its figures once the tile says so.
	await page.waitForSelector('.tile[data-group][data-level="alarm"]', LONG);
	const r = { pages: [] };
	const n = Number(await page.evaluate(() => document.body.dataset.pages));

	// Start from page 1 so that the walk covers every page in order.
	await page.waitForFunction(() => document.body.dataset.page.startsWith('1/'), null, LONG);
	for (let i = 0; i < n; i++) {
		// Read in the same turn of the page's script that saw the page: with page_s=1 a busy
		// machine could otherwise let it turn between the wait and the read.
		const shown = await page.waitForFunction((want) => document.body.dataset.page === want && ({
			page: document.body.dataset.page,
			indicator: document.getElementById('page-indicator').textContent,
			groups: [...document.querySelectorAll('.tile[data-group]')].map((x) => Number(x.dataset.group)),
			levels: [...document.querySelectorAll('.tile[data-group]')].map((x) => x.dataset.level),
			mail: !!document.getElementById('mail-tile'),
			scrollHeight: document.documentElement.scrollHeight,
			scrollWidth: document.documentElement.scrollWidth,
			innerHeight: window.innerHeight,
			moving: [...document.querySelectorAll('.board > *')].filter((x) => {
				const cs = getComputedStyle(x);
				return cs.animationName !== 'none' || parseFloat(cs.transitionDuration) > 0;
			}).length,
		}), `${i + 1}/${n}`, LONG);
		r.pages.push(await shown.jsonValue());
		if (i === 0 && tag === '1920') {
			await page.screenshot({ path: join(shots, 'wallboard-kiosk-paged-1920x1080.png') });
			result.axe['kiosk-paged-1920'] = await axeViolations(page);
		}
	}
	// And it turns round to the first page again.
	await page.waitForFunction(() => document.body.dataset.page.startsWith('1/'), null, LONG);
	r.wrapped = true;
	r.alarmGroups = r.pages.flatMap((p) => p.groups.filter((g, i) => p.levels[i] === 'alarm'))
		.filter((g, i, all) => all.indexOf(g) === i);
	result[tag] = r;
	await ctx.close();
}

const browser = await launch();
try {
	for (const [tag, vp] of [['1920', { width: 1920, height: 1080 }], ['1366', { width: 1366, height: 768 }]]) {
		try {
			await screen(browser, vp, tag);
			result[tag + 'Ok'] = true;
		} catch (e) {
			result[tag + 'Ok'] = false;
			result[tag + 'Error'] = String(e.stack || e);
		}
	}
} finally {
	await browser.close();
}
process.stdout.write('RESULT ' + JSON.stringify(result) + '\n');
process.exit(0);
