// Drives the "Prisklasser" section of the administration page in headless Chromium for
// tests/integration/test_web_prices.py. Usage: node price_admin.mjs BASE_URL SCREENSHOT_DIR
// A manager creates a price class, sees a duplicate refused at the name field, retires the
// class, and finds the active classes in the agreement form's prices; axe on the page.
import { axeViolations, launch, pages } from './browser.mjs';

const [base] = process.argv.slice(2);
const result = { pageErrors: [], consoleErrors: [] };
const { login } = pages(base, result);

async function flow(browser) {
	const ctx = await browser.newContext({ locale: 'sv-SE', viewport: { width: 1366, height: 768 } });
	const page = await login(ctx, 'chef.stod', 'manager');
	await page.waitForURL((u) => !/\/(index\.html)?$/.test(u.pathname));
	await page.goto(base + '/admin.html?type=agreements');
	await page.waitForSelector('body[data-ready="true"]');
	await page.waitForSelector('#pc-list table, #pc-list p');
	result.visible = await page.isVisible('#price-admin');
	result.heading = await page.textContent('#h-prices');

	await page.fill('#pc-name', 'Mycket komplex');
	await page.fill('#pc-desc', 'Ärenden över 30 minuter');
	await page.focus('#pc-save');
	await page.keyboard.press('Enter');
	await page.waitForFunction(() => document.getElementById('pc-status').textContent !== '');
	result.created = await page.textContent('#pc-status');
	// the list is redrawn after the status shows
	await page.waitForFunction(() => [...document.querySelectorAll('#pc-list tbody th')].some((e) => e.textContent.includes('Mycket komplex')), null, { timeout: 30000 }).catch(() => {});
	result.rows = await page.$$eval('#pc-list tbody th', (x) => x.map((e) => e.textContent));

	// the same name again: refused at the name field, which gets the focus
	await page.fill('#pc-name', 'Mycket komplex');
	await page.click('#pc-save');
	await page.waitForFunction(() => document.getElementById('pc-err-name').textContent !== '');
	result.duplicate = { text: await page.textContent('#pc-err-name'), invalid: await page.getAttribute('#pc-name', 'aria-invalid'),
		focused: await page.evaluate(() => document.activeElement.id) };
	result.axe = await axeViolations(page);

	// the agreement form prices the active classes and the category kinds
	await page.click('#btn-new');
	await page.waitForSelector('#f-prices');
	result.agreementPrices = await page.$$eval('#f-prices input', (x) => x.map((e) => `${e.dataset.group}:${e.dataset.key}`));

	// retire it
	await page.click('#pc-list button[aria-label="Avveckla Mycket komplex"]');
	await page.waitForFunction(() => /avvecklad/.test(document.getElementById('pc-status').textContent));
	await page.waitForFunction(() => [...document.querySelectorAll('#pc-list tbody tr')].some((r) => r.textContent.includes('Avvecklad')), null, { timeout: 30000 }).catch(() => {});
	result.retired = await page.$$eval('#pc-list tbody tr', (rows) => rows.map((r) => r.textContent));
	result.axeAfter = await axeViolations(page);
	await ctx.close();
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
