// What the browser flows share: headless Chromium, axe-core, the NEED/RESULT line protocol
// with the Python test, and a page whose errors are collected and that logs in by keyboard.
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export function launch() {
	return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
}

// axe-core in the page (evaluated through the DevTools protocol, so the CSP allows it):
// the WCAG 2.1 A/AA and best-practice violations. null when the run checks the pages in
// another pass (LOTSEN_AXE=0, tests/integration/browser.py says why).
export async function axeViolations(page) {
	if (process.env.LOTSEN_AXE === '0') return null;
	await page.evaluate(axeSource);
	return page.evaluate(async () => {
		const res = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
		return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) }));
	});
}

// `need(what, arg)` prints `NEED <what> <json>` and reads the test's one-line JSON answer.
export function lineProtocol() {
	const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
	return async function need(what, arg = {}) {
		process.stdout.write(`NEED ${what} ${JSON.stringify(arg)}\n`);
		const { value, done } = await lines.next();
		if (done) throw new Error('the test closed stdin');
		return JSON.parse(value);
	};
}

// `watch(page, name)` collects the page's script errors and console errors into `result`
// (a refused request is the browser's own console line; the pages handle those), except
// the script errors `ignore` accepts. `login(context, user, name)` opens a watched page
// and logs in with the demo password, by keyboard.
export function pages(base, result, ignore = () => false) {
	function watch(page, name) {
		page.on('pageerror', (e) => { if (!ignore(e)) result.pageErrors.push(`${name}: ${e.message}`); });
		page.on('console', (m) => {
			if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) result.consoleErrors.push(`${name}: ${m.text()}`);
		});
	}
	async function login(context, user, name) {
		const page = await context.newPage();
		watch(page, name);
		await page.goto(base + '/');
		await page.focus('#username');
		await page.keyboard.type(user);
		await page.keyboard.press('Tab');
		await page.keyboard.type('lotsen-demo');
		await page.keyboard.press('Enter');
		return page;
	}
	return { watch, login };
}
