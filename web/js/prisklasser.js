// The "Prisklasser" section of admin.html: list, create, edit and retire price classes
// (/api/v1/price_classes; admins and managers). An agreement prices them in its form.
import { api, ApiError, el, session, t } from './api.js';

const $ = (id) => document.getElementById(id);
let classes = [], editing = null;

function render() {
	const rows = classes.map((c) => el('tr', {},
		el('th', { scope: 'row', class: 'text', text: c.name }),
		el('td', { class: 'text', text: c.description || '' }),
		el('td', { class: 'text', text: c.active ? t('Aktiv', 'Active') : t('Avvecklad', 'Retired') }),
		el('td', {},
			el('button', { type: 'button', 'data-act': 'edit', 'data-id': String(c.id), 'aria-label': t(`Ändra ${c.name}`, `Edit ${c.name}`),
				text: t('Ändra', 'Edit') }), ' ',
			el('button', { type: 'button', 'data-act': c.active ? 'retire' : 'restore', 'data-id': String(c.id),
				'aria-label': c.active ? t(`Avveckla ${c.name}`, `Retire ${c.name}`) : t(`Återinför ${c.name}`, `Restore ${c.name}`),
				text: c.active ? t('Avveckla', 'Retire') : t('Återinför', 'Restore') }))));
	$('pc-list').replaceChildren(classes.length ? el('table', { class: 'data' },
		el('caption', { text: t('Prisklasser', 'Price classes') }),
		el('thead', {}, el('tr', {}, ...[t('Namn', 'Name'), t('Beskrivning', 'Description'), t('Status', 'Status'), t('Åtgärder', 'Actions')]
			.map((x) => el('th', { scope: 'col', class: 'text', text: x })))),
		el('tbody', {}, ...rows)) : el('p', { text: t('Inga prisklasser ännu.', 'No price classes yet.') }));
}

async function load() {
	classes = (await api('GET', '/price_classes?limit=500')).items;
	render();
	document.dispatchEvent(new CustomEvent('lotsen:price-classes', { detail: classes }));
}

function clearErrors() {
	for (const f of ['name', 'description']) {
		$(`pc-err-${f}`).textContent = '';
		$(f === 'name' ? 'pc-name' : 'pc-desc').removeAttribute('aria-invalid');
	}
}

function showProblem(e) {
	const errs = (e instanceof ApiError && e.problem.errors) || [];
	for (const x of errs) {
		const f = x.field === 'description' ? 'description' : 'name';
		$(`pc-err-${f}`).textContent = x.message;
		$(f === 'name' ? 'pc-name' : 'pc-desc').setAttribute('aria-invalid', 'true');
	}
	if (e instanceof ApiError && e.status === 409) {
		$('pc-err-name').textContent = t('Det finns redan en prisklass med det namnet.', 'A price class with that name exists already.');
		$('pc-name').setAttribute('aria-invalid', 'true');
	}
	if (!errs.length && !(e instanceof ApiError && e.status === 409)) $('pc-status').textContent = e.message;
	else (errs.length && errs[0].field === 'description' ? $('pc-desc') : $('pc-name')).focus();
}

function startEdit(c) {
	editing = c;
	$('pc-name').value = c ? c.name : '';
	$('pc-desc').value = c ? c.description || '' : '';
	$('pc-form-h').textContent = c ? t(`Ändra prisklassen ${c.name}`, `Edit price class ${c.name}`) : t('Ny prisklass', 'New price class');
	$('pc-cancel').hidden = !c;
	clearErrors();
	if (c) $('pc-name').focus();
}

async function save(ev) {
	ev.preventDefault();
	clearErrors();
	$('pc-status').textContent = '';
	const name = $('pc-name').value.trim();
	if (!name) {
		$('pc-err-name').textContent = t('Ange ett namn.', 'Enter a name.');
		$('pc-name').setAttribute('aria-invalid', 'true');
		$('pc-name').focus();
		return;
	}
	const body = { name, description: $('pc-desc').value.trim() || null };
	try {
		if (editing) await api('PATCH', `/price_classes/${editing.id}`, body);
		else await api('POST', '/price_classes', body);
		$('pc-status').textContent = editing ? t(`Prisklassen ${name} är ändrad.`, `Price class ${name} is saved.`)
			: t(`Prisklassen ${name} är skapad.`, `Price class ${name} is created.`);
		startEdit(null);
		await load();
	} catch (e) {
		showProblem(e);
	}
}

async function act(ev) {
	const b = ev.target.closest('button[data-act]');
	if (!b) return;
	const c = classes.find((x) => String(x.id) === b.dataset.id);
	if (!c) return;
	if (b.dataset.act === 'edit') return startEdit(c);
	try {
		await api('PATCH', `/price_classes/${c.id}`, { active: b.dataset.act === 'restore' });
		$('pc-status').textContent = b.dataset.act === 'restore' ? t(`${c.name} är återinförd.`, `${c.name} is restored.`)
			: t(`${c.name} är avvecklad.`, `${c.name} is retired.`);
		await load();
		const again = document.querySelector(`#pc-list button[data-id="${c.id}"][data-act="${b.dataset.act === 'restore' ? 'retire' : 'restore'}"]`);
		if (again) again.focus();
	} catch (e) {
		$('pc-status').textContent = e.message;
	}
}

const s = session();
if (s && ['admin', 'manager'].includes(s.user.role)) {
	$('price-admin').hidden = false;
	$('pc-form').addEventListener('submit', save);
	$('pc-cancel').addEventListener('click', () => startEdit(null));
	$('pc-list').addEventListener('click', (ev) => act(ev));
	load().catch((e) => { $('pc-status').textContent = e.message; });
}
// the list's words follow the language switch (admin.js switches the static ones)
document.getElementById('lang-switch').addEventListener('click', () => setTimeout(render));
