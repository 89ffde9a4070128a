// Logs in through the municipality's OpenID provider in headless Chromium, for
// tests/integration/test_sso.py.
// Usage: node sso_flow.mjs BASE_URL SCREENSHOT_DIR '["anna.agent", …]'
// For each user: the login page's "Logga in med kommunens konto" button, the provider's
// own login form, and back in Lotsen. Ends with `RESULT <json>`: per user the page it
// landed on, the role kept for the tab, the login page's message if refused.
import { join } from 'node:path';
import { axeViolations, launch, pages } from './browser.mjs';

const [base, shots, usersJson] = process.argv.slice(2);
const users = JSON.parse(usersJson || '[]');
const result = { pageErrors: [], consoleErrors: [], users: {}, axe: null };
const { watch } = pages(base, result);

const browser = await launch();
try {
	for (const user of users) {
		const ctx = await browser.newContext({ locale: 'sv-SE' });
		const page = await ctx.newPage();
		watch(page, user);
		await page.goto(base + '/');
		await page.waitForSelector('#sso-start', { state: 'visible' });
		if (!result.axe) result.axe = await axeViolations(page);
		const out = { button: (await page.textContent('#sso-start')).trim() };
		await page.click('#sso-start');
		// the provider's form (oidc-provider's development login: any password)
		await page.waitForSelector('input[name="login"]');
		out.provider = new URL(page.url()).origin;
		await page.fill('input[name="login"]', user);
		await page.fill('input[name="password"]', 'vilket-som-helst');
		await Promise.all([page.waitForURL((u) => u.toString().startsWith(base)), page.click('button[type="submit"]')]);
		// back in Lotsen: either a page of the role or the login page with a message
		const landed = page.waitForURL((u) => u.pathname.endsWith('.html'), { timeout: 15000 }).then(() => 'page');
		const refused = page.waitForSelector('#sso-error:not(:empty)', { timeout: 15000 }).then(() => 'refused');
		landed.catch(() => {});
		refused.catch(() => {});
		out.outcome = await Promise.race([landed, refused]);
		out.path = new URL(page.url()).pathname;
		out.search = new URL(page.url()).search;
		out.error = out.outcome === 'refused' ? await page.textContent('#sso-error') : '';
		out.role = await page.evaluate(() => JSON.parse(sessionStorage.getItem('lotsen.user') || 'null')?.role ?? null);
		out.hasToken = await page.evaluate(() => !!sessionStorage.getItem('lotsen.token'));
		await page.screenshot({ path: join(shots, `sso-${user}.png`) });
		result.users[user] = out;
		await ctx.close();
	}
} catch (e) {
	result.error = String(e && e.stack || e);
} finally {
	await browser.close();
}
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
