// Drives the reports page in headless Chromium for tests/integration/test_web_reports.py.
// Usage: node report_flow.mjs BASE_URL SCREENSHOT_DIR
// A manager shows this month's report, sees tables and charts and downloads the CSV; a
// department user does the same on a phone-sized screen, seeing only their department.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { axeViolations, launch, pages } from './browser.mjs';

const [base, shots] = process.argv.slice(2);
const result = { pageErrors: [], consoleErrors: [], axe: {} };
const { login } = pages(base, result, (e) => e.message === 'not logged in');

async function show(page) {
	await page.goto(`${base}/rapporter.html`);
	await page.waitForSelector('body[data-ready="true"]');
	await page.click('#report-form button[type=submit]');
	await page.waitForSelector('#result:not([hidden])');
	await page.waitForSelector('#charts svg');
	return page.evaluate(() => ({
		heading: document.getElementById('h-result').textContent,
		focused: document.activeElement.id,
		charts: [...document.querySelectorAll('#charts svg')].map((s) => ({
			label: s.getAttribute('aria-labelledby'), title: s.querySelector('title').textContent,
			desc: s.querySelector('desc').textContent })),
		tables: [...document.querySelectorAll('#result table caption')].map((c) => c.textContent),
		text: document.getElementById('result').textContent,
		overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
	}));
}

async function csv(page) {
	const [dl] = await Promise.all([page.waitForEvent('download'), page.click('#downloads button[data-format=csv]')]);
	const path = await dl.path();
	const bytes = readFileSync(path);
	return { name: dl.suggestedFilename(), bom: [...bytes.subarray(0, 3)], head: bytes.subarray(3, 200).toString('utf8'),
		body: bytes.toString('utf8') };
}

async function managerFlow(browser) {
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1366, height: 768 }, acceptDownloads: true });
	const page = await login(ctx, 'chef.stod', 'manager');
	await page.waitForURL((u) => !/\/(index\.html)?$/.test(u.pathname));
	result.manager = await show(page);
	result.axe.manager1366 = await axeViolations(page);
	await page.screenshot({ path: join(shots, 'rapporter.png'), fullPage: false });
	result.managerCsv = await csv(page);
	await ctx.close();
}

async function viewerFlow(browser) {
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
		acceptDownloads: true });
	const page = await login(ctx, 'viewer.aldre', 'viewer');
	await page.waitForURL('**/forvaltning.html');
	result.viewerLink = await page.$eval('a[href="rapporter.html"]', (a) => a.textContent);
	result.viewer = await show(page);
	result.axe.viewer390 = await axeViolations(page);
	await page.screenshot({ path: join(shots, 'rapporter-mobil.png'), fullPage: false });
	result.viewerCsv = await csv(page);
	await ctx.close();
}

async function download(page, format) {
	const [dl] = await Promise.all([page.waitForEvent('download'), page.click(`#downloads button[data-format=${format}]`)]);
	const bytes = readFileSync(await dl.path());
	return { name: dl.suggestedFilename(), head: [...bytes.subarray(0, 4)] };
}

// A group lead: the group picker shows the groups they lead, the report is theirs, the heat
// map and the satisfaction charts have text alternatives, and the three files download.
async function leadFlow(browser) {
	for (const [w, h] of [[1366, 768], [390, 844]]) {
		const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: w, height: h }, isMobile: w < 500,
			hasTouch: w < 500, acceptDownloads: true });
		const page = await login(ctx, 'lead.aldre', 'lead');
		await page.waitForURL((u) => !/\/(index\.html)?$/.test(u.pathname));
		// a lead finds the reports from the lead view (agent desktop → Ledning → Rapporter)
		if (w === 1366) {
			await page.goto(`${base}/lead.html`);
			result.leadLink1366 = await page.isVisible('a[href="rapporter.html"]');
		}
		const shown = await show(page);
		const extra = await page.evaluate(() => ({
			groups: [...document.querySelectorAll('#f-groups label')].map((l) => l.textContent.trim()),
			groupRowVisible: !document.getElementById('group-row').hidden,
			clientRowVisible: !document.getElementById('client-row').hidden,
			heatTable: !!document.querySelector('#c-heat-desc') && [...document.querySelectorAll('#charts details table caption')].map((c) => c.textContent),
			rowGroups: [...document.querySelectorAll('#tables > div:first-child tbody th')].map((x) => x.textContent),
		}));
		const key = `lead${w}`;
		result[key] = { ...shown, ...extra };
		result.axe[key] = await axeViolations(page);
		// the charts, where the lead reads their groups at a glance
		await page.evaluate(() => document.getElementById('c-heat').scrollIntoView());
		await page.screenshot({ path: join(shots, `reports-lead-${w}x${h}.png`), fullPage: false });
		if (w === 1366) {
			result.leadFiles = {};
			for (const f of ['csv', 'xlsx', 'pdf']) result.leadFiles[f] = await download(page, f);
		}
		await ctx.close();
	}
}

const browser = await launch();
try {
	for (const [name, flow] of [['manager', managerFlow], ['viewer', viewerFlow], ['lead', leadFlow]]) {
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
process.stdout.write('RESULT ' + JSON.stringify({ ...result, managerCsv: result.managerCsv && { ...result.managerCsv, body: undefined },
	viewerCsv: result.viewerCsv && { ...result.viewerCsv, body: result.viewerCsv.body.includes('Trafikkontoret') ? 'OTHER' : 'OWN' } }) + '\n');
process.exit(0);
