// The administration's "Skärmar": an admin issues a wall screen's login (its token shown
// once, as the address the screen opens), lists the displays and revokes one; a revoked
// display's screen says so at once (its live stream is ended by the server).
import { api, session, t, el, ApiError } from './api.js';

const $ = (id) => document.getElementById(id);
let groupNames = new Map();

const when = (s) => new Date(s * 1000).toLocaleString(t('sv-SE', 'en-GB'), { timeZone: 'Europe/Stockholm', dateStyle: 'short', timeStyle: 'short' });

function showErrors(e) {
	const errs = (e instanceof ApiError && e.problem.errors) || [];
	$('d-err-name').textContent = errs.filter((x) => x.field === 'name').map((x) => x.message).join(' ');
	$('d-err-groups').textContent = errs.filter((x) => x.field === 'groups').map((x) => x.message).join(' ');
	$('d-name').setAttribute('aria-invalid', errs.some((x) => x.field === 'name') ? 'true' : 'false');
	if (!errs.length) $('d-err-name').textContent = e.message;
}

async function list() {
	const d = await api('GET', '/displays?limit=1000');
	const head = [t('Skärm', 'Display'), t('Svarsgrupper', 'Response groups'), t('Utfärdad', 'Issued'), t('Status', 'Status'), t('Åtgärd', 'Action')];
	const rows = d.items.map((x) => {
		const revoke = x.revoked_at ? null : el('button', { type: 'button', class: 'link-btn', 'data-revoke': String(x.id),
			'aria-label': t(`Återkalla ${x.name}`, `Revoke ${x.name}`), text: t('Återkalla', 'Revoke') });
		return el('tr', { 'data-display': String(x.id) },
			el('th', { scope: 'row', class: 'text', text: x.name }),
			el('td', { class: 'text', text: x.groups ? x.groups.map((g) => groupNames.get(g) || '#' + g).join(', ') : t('alla', 'all') }),
			el('td', { text: when(x.created_at) }),
			el('td', { class: 'text', text: x.revoked_at ? t(`återkallad ${when(x.revoked_at)}`, `revoked ${when(x.revoked_at)}`) : t('aktiv', 'active') }),
			el('td', {}, revoke));
	});
	$('d-list').replaceChildren(d.items.length
		? el('table', { class: 'data', id: 'display-table' }, el('caption', { text: t('Utfärdade skärminloggningar', 'Display logins issued') }),
			el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col', text: h })))), el('tbody', {}, ...rows))
		: el('p', { class: 'hint', text: t('Inga skärmar ännu.', 'No displays yet.') }));
}

async function issue(ev) {
	ev.preventDefault();
	$('d-err-name').textContent = '';
	$('d-err-groups').textContent = '';
	const groups = [...document.querySelectorAll('#d-group-list input:checked')].map((x) => Number(x.value));
	try {
		const d = await api('POST', '/displays', { name: $('d-name').value.trim(), groups: groups.length ? groups : null });
		const url = location.origin + d.login_path;
		$('d-issued').hidden = false;
		$('d-issued').replaceChildren(
			el('p', { text: t(`Skärmen "${d.name}" har fått en inloggning. Öppna adressen nedan i skärmens webbläsare. Den visas bara nu: kopiera den innan du lämnar sidan.`,
				`The display "${d.name}" has a login. Open the address below in the screen's browser. It is shown only now: copy it before leaving the page.`) }),
			el('label', { for: 'd-url', text: t('Skärmens adress', "The display's address") }),
			el('input', { id: 'd-url', readonly: true, value: url, class: 'grow', spellcheck: 'false' }));
		$('d-name').value = '';
		$('d-name').setAttribute('aria-invalid', 'false');
		await list();
		$('d-issued').focus();
	} catch (e) {
		showErrors(e);
	}
}

async function revoke(id) {
	await api('DELETE', `/displays/${id}`);
	$('d-issued').hidden = false;
	$('d-issued').replaceChildren(el('p', { text: t('Skärmens inloggning är återkallad.', "The display's login is revoked.") }));
	await list();
	$('d-issued').focus();
}

async function start() {
	const s = session();
	if (!s || s.user.role !== 'admin') return; // issuing displays is an admin's
	try {
		const g = await api('GET', '/groups?limit=500');
		groupNames = new Map(g.items.map((x) => [x.id, x.name]));
		$('d-group-list').replaceChildren(...g.items.map((x) => el('div', { class: 'field check' },
			el('input', { type: 'checkbox', id: `d-g-${x.id}`, value: String(x.id) }),
			el('label', { for: `d-g-${x.id}`, text: x.name }))));
		await list();
		$('displays-admin').hidden = false;
	} catch { /* the section stays hidden; the page's own error says why */ }
}

$('display-form').addEventListener('submit', issue);
$('d-list').addEventListener('click', (ev) => {
	const b = ev.target.closest('button[data-revoke]');
	if (b) revoke(b.dataset.revoke).catch(showErrors);
});
start();
