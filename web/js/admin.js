// Administration for managers and admins: one generic list and edit form per record type,
// driven by the field descriptions below (docs/api.md, "Administrative records").
import { api, requireSession, logout, initLang, applyLang, t, el, ApiError } from './api.js';

requireSession();
const $ = (id) => document.getElementById(id);

// Field types: text, textarea, email, phone, int, real (a price), bool, ref (a select of
// another record type), refs (checkboxes of records), enum, list (one value per line), date
// (YYYY-MM-DD), time (date and time, local), hours (the weekly table), prices (per channel),
// members (a user's groups with skill), password (create only).
const CHANNELS = [['phone', 'Telefon', 'Phone'], ['email', 'E-post', 'E-mail'], ['letter', 'Brev', 'Letter'], ['fax', 'Fax', 'Fax'],
	['visit', 'Besök', 'Visit'], ['web', 'Webb', 'Web'], ['social', 'Sociala medier', 'Social media']];
const TYPES = {
	units: {
		sv: 'Enheter', en: 'Units', one: ['enhet', 'unit'], cols: ['name', 'manager_id'],
		fields: [
			{ name: 'name', sv: 'Namn', en: 'Name', type: 'text', required: true },
			{ name: 'manager_id', sv: 'Enhetschef', en: 'Manager', type: 'ref', ref: 'users',
				hint: ['Får meddelande när ett ärende i enhetens grupper hotflaggas.', 'Is notified when a case in the unit\'s groups is flagged as a threat.'] },
		],
	},
	groups: {
		sv: 'Svarsgrupper', en: 'Response groups', one: ['svarsgrupp', 'response group'], cols: ['name', 'unit_id', 'active'],
		fields: [
			{ name: 'name', sv: 'Namn', en: 'Name', type: 'text', required: true },
			{ name: 'unit_id', sv: 'Enhet', en: 'Unit', type: 'ref', ref: 'units', required: true },
			{ name: 'email', sv: 'E-post', en: 'E-mail', type: 'email' },
			{ name: 'entry_numbers', sv: 'Inringningsnummer', en: 'Entry numbers', type: 'list', hint: ['Ett nummer per rad.', 'One number per line.'] },
			{ name: 'overflow_group_id', sv: 'Överflödesgrupp', en: 'Overflow group', type: 'ref', ref: 'groups' },
			{ name: 'max_wait_s', sv: 'Längsta väntetid (sekunder)', en: 'Maximum wait (seconds)', type: 'int', min: 1, max: 3600 },
			{ name: 'wrapup_s', sv: 'Efterarbete (sekunder)', en: 'Wrap-up (seconds)', type: 'int', min: 0, max: 600 },
			{ name: 'callback_threshold_s', sv: 'Erbjud återuppringning efter (sekunder)', en: 'Offer a callback after (seconds)', type: 'int', min: 0, max: 3600 },
			{ name: 'announce_every_s', sv: 'Köbesked var (sekunder)', en: 'Queue announcement every (seconds)', type: 'int', min: 15, max: 600 },
			{ name: 'urgent_number', sv: 'Nummer för akuta ärenden', en: 'Urgent number', type: 'phone' },
			// The wallboard's targets (tom: not judged); see docs/api.md "Wallboard".
			{ name: 'target_sl_pct', sv: 'Väggtavla: mål för svar i tid (%)', en: 'Wallboard: service-level target (%)', type: 'int', min: 1, max: 100,
				hint: ['Under målet: varning; mer än 10 procentenheter under: larm. Tomt: inget mål.', 'Below the target: warning; more than 10 points below: alarm. Empty: no target.'] },
			{ name: 'target_sl_s', sv: 'Väggtavla: svar inom (sekunder, 60 eller 180)', en: 'Wallboard: answered within (seconds, 60 or 180)', type: 'int', min: 60, max: 180 },
			{ name: 'wait_warn_s', sv: 'Väggtavla: varning vid väntetid (sekunder)', en: 'Wallboard: warning at a wait of (seconds)', type: 'int', min: 1, max: 86400 },
			{ name: 'wait_alarm_s', sv: 'Väggtavla: larm vid väntetid (sekunder)', en: 'Wallboard: alarm at a wait of (seconds)', type: 'int', min: 1, max: 86400 },
			{ name: 'abandon_warn_pct', sv: 'Väggtavla: varning vid andel avbrutna (%)', en: 'Wallboard: warning at abandon rate (%)', type: 'int', min: 0, max: 100 },
			{ name: 'abandon_alarm_pct', sv: 'Väggtavla: larm vid andel avbrutna (%)', en: 'Wallboard: alarm at abandon rate (%)', type: 'int', min: 0, max: 100 },
			{ name: 'active', sv: 'Aktiv', en: 'Active', type: 'bool' },
			{ name: 'opening_hours', sv: 'Öppettider', en: 'Opening hours', type: 'hours' },
		],
	},
	closures: {
		sv: 'Stängningar', en: 'Closures', one: ['stängning', 'closure'], cols: ['group_id', 'starts_at', 'ends_at', 'reason'],
		fields: [
			{ name: 'group_id', sv: 'Svarsgrupp', en: 'Response group', type: 'ref', ref: 'groups', required: true },
			{ name: 'starts_at', sv: 'Från', en: 'From', type: 'time', required: true },
			{ name: 'ends_at', sv: 'Till', en: 'Until', type: 'time', required: true },
			{ name: 'reason', sv: 'Orsak', en: 'Reason', type: 'text', required: true },
		],
	},
	users: {
		sv: 'Användare', en: 'Users', one: ['användare', 'user'], cols: ['username', 'display_name', 'role', 'active'],
		fields: [
			{ name: 'username', sv: 'Användarnamn', en: 'Username', type: 'text', required: true, hint: ['a–z, 0–9, punkt, understreck och bindestreck.', 'a–z, 0–9, dot, underscore and hyphen.'] },
			{ name: 'display_name', sv: 'Namn', en: 'Name', type: 'text', required: true },
			{ name: 'role', sv: 'Roll', en: 'Role', type: 'enum', required: true, options: [
				['agent', 'servicehandläggare', 'agent'], ['group_lead', 'gruppledare', 'group lead'], ['manager', 'chef', 'manager'],
				['admin', 'systemförvaltare', 'administrator'], ['client_viewer', 'förvaltningsläsare', 'department viewer']] },
			{ name: 'password', sv: 'Lösenord', en: 'Password', type: 'password', hint: ['Minst 10 tecken. Anges bara när användaren skapas.', 'At least 10 characters. Only when the user is created.'] },
			{ name: 'client_id', sv: 'Förvaltning (bara förvaltningsläsare)', en: 'Department (department viewers only)', type: 'ref', ref: 'clients' },
			{ name: 'email', sv: 'E-post', en: 'E-mail', type: 'email' },
			{ name: 'sip_uri', sv: 'SIP-adress', en: 'SIP URI', type: 'text' },
			{ name: 'active', sv: 'Aktiv', en: 'Active', type: 'bool' },
			{ name: 'groups', sv: 'Svarsgrupper och kompetensnivå', en: 'Response groups and skill level', type: 'members' },
		],
	},
	clients: {
		sv: 'Uppdragsgivare', en: 'Departments', one: ['uppdragsgivare', 'department'], cols: ['name', 'short_name', 'active'],
		fields: [
			{ name: 'name', sv: 'Namn', en: 'Name', type: 'text', required: true },
			{ name: 'short_name', sv: 'Kortnamn', en: 'Short name', type: 'text' },
			{ name: 'org_number', sv: 'Organisationsnummer', en: 'Organisation number', type: 'text' },
			{ name: 'active', sv: 'Aktiv', en: 'Active', type: 'bool' },
		],
	},
	agreements: {
		sv: 'Avtal', en: 'Agreements', one: ['avtal', 'agreement'], fresh: ['Nytt avtal', 'New agreement'], cols: ['name', 'client_id', 'valid_from', 'valid_to'],
		fields: [
			{ name: 'client_id', sv: 'Uppdragsgivare', en: 'Department', type: 'ref', ref: 'clients', required: true },
			{ name: 'name', sv: 'Namn', en: 'Name', type: 'text', required: true },
			{ name: 'valid_from', sv: 'Gäller från', en: 'Valid from', type: 'date', required: true },
			{ name: 'valid_to', sv: 'Gäller till och med', en: 'Valid until', type: 'date', hint: ['Tomt: tills vidare.', 'Empty: until further notice.'] },
			{ name: 'group_ids', sv: 'Svarsgrupper som avtalet täcker', en: 'Response groups covered', type: 'refs', ref: 'groups' },
			{ name: 'prices', sv: 'Pris per ärende: kanal, ärendetyp, prisklass (kr)', en: 'Price per case: channel, kind, price class (SEK)', type: 'prices' },
			{ name: 'fixed_annual_price', sv: 'Fast årspris (kr)', en: 'Fixed annual price (SEK)', type: 'real',
				hint: ['Ett avtal har pris per ärende, fast årspris eller båda.', 'An agreement has a price per case, a fixed annual price or both.'] },
			{ name: 'recipients', sv: 'Månadsrapporten skickas till', en: 'Monthly report sent to', type: 'list',
				hint: ['En e-postadress per rad. Rapporten går ut som PDF och CSV när månaden är klar; tomt: ingen e-post.',
					'One e-mail address per line. The report goes out as PDF and CSV when the month is done; empty: no e-mail.'] },
			{ name: 'notes', sv: 'Anteckningar', en: 'Notes', type: 'textarea' },
		],
	},
	boundaries: {
		sv: 'Gränssnitt', en: 'Boundaries', one: ['gränssnittsregel', 'boundary rule'], cols: ['category_id', 'agreement_id', 'action', 'contact_id'],
		fields: [
			{ name: 'agreement_id', sv: 'Avtal', en: 'Agreement', type: 'ref', ref: 'agreements', required: true },
			{ name: 'category_id', sv: 'Kategori', en: 'Category', type: 'ref', ref: 'categories', required: true },
			{ name: 'action', sv: 'Kontaktcenter ska', en: 'The center shall', type: 'enum', required: true, options: [
				['resolve', 'lösa ärendet självt', 'resolve the case itself'], ['handover', 'lämna över till förvaltningen', 'hand it over to the department']] },
			{ name: 'contact_id', sv: 'Mottagare vid överlämning', en: 'Receiver of handovers', type: 'ref', ref: 'contacts',
				hint: ['Krävs vid överlämning; en kontakt hos avtalets uppdragsgivare.', 'Required for handovers; a contact of the agreement\'s department.'] },
			{ name: 'due_working_days', sv: 'Svar inom (arbetsdagar)', en: 'Answer within (working days)', type: 'int', min: 0, max: 60 },
			{ name: 'instructions', sv: 'Instruktioner till servicehandläggaren', en: 'Instructions to the agent', type: 'textarea' },
		],
	},
	categories: {
		sv: 'Kategorier', en: 'Categories', one: ['kategori', 'category'], cols: ['name', 'kind', 'group_id', 'client_id', 'active'],
		fields: [
			{ name: 'name', sv: 'Namn', en: 'Name', type: 'text', required: true },
			{ name: 'kind', sv: 'Slag', en: 'Kind', type: 'enum', required: true, options: [
				['question', 'fråga', 'question'], ['matter', 'ärende', 'matter'], ['opinion', 'synpunkt', 'opinion'],
				['complaint', 'klagomål', 'complaint'], ['praise', 'beröm', 'praise'], ['idea', 'idé', 'idea'],
				['fault_report', 'felanmälan', 'fault report']] },
			{ name: 'group_id', sv: 'Svarsgrupp', en: 'Response group', type: 'ref', ref: 'groups' },
			{ name: 'client_id', sv: 'Uppdragsgivare', en: 'Department', type: 'ref', ref: 'clients',
				hint: ['Tomt: uppdragsgivaren vars avtal täcker gruppen.', 'Empty: the department whose agreement covers the group.'] },
			{ name: 'checklist', sv: 'Checklista', en: 'Checklist', type: 'list',
				hint: ['Ett kort steg per rad (högst 30). Visas för servicehandläggaren när kategorin väljs.',
					'One short step per line (at most 30). Shown to the agent when the category is chosen.'] },
			{ name: 'active', sv: 'Aktiv', en: 'Active', type: 'bool' },
		],
	},
	contacts: {
		sv: 'Kontakter', en: 'Contacts', one: ['kontakt', 'contact'], cols: ['name', 'client_id', 'role', 'active'],
		fields: [
			{ name: 'client_id', sv: 'Uppdragsgivare', en: 'Department', type: 'ref', ref: 'clients', required: true },
			{ name: 'name', sv: 'Namn', en: 'Name', type: 'text', required: true },
			{ name: 'role', sv: 'Befattning', en: 'Role', type: 'text' },
			{ name: 'phone', sv: 'Telefon', en: 'Phone', type: 'phone' },
			{ name: 'email', sv: 'E-post', en: 'E-mail', type: 'email' },
			{ name: 'active', sv: 'Aktiv', en: 'Active', type: 'bool' },
		],
	},
};
const DAYS = [['mon', 'Måndag', 'Monday'], ['tue', 'Tisdag', 'Tuesday'], ['wed', 'Onsdag', 'Wednesday'], ['thu', 'Torsdag', 'Thursday'],
	['fri', 'Fredag', 'Friday'], ['sat', 'Lördag', 'Saturday'], ['sun', 'Söndag', 'Sunday']];

let kind = 'groups';
let refs = {}; // record type → [{id, label}]
let record = null; // the record in the form (null: a new one)
let items = [];
// Prices by complexity: the category kinds and the active price classes an agreement may
// price besides the channels (prices.kinds, prices.classes).
const PRICE_KINDS = [['question', 'Fråga', 'Question'], ['matter', 'Ärende', 'Matter'], ['opinion', 'Synpunkt', 'Opinion'],
	['complaint', 'Klagomål', 'Complaint'], ['praise', 'Beröm', 'Praise'], ['idea', 'Idé', 'Idea'], ['fault_report', 'Felanmälan', 'Fault report']];
let priceClasses = [];
// the "Prisklasser" section (prisklasser.js) tells when its list changed
document.addEventListener('lotsen:price-classes', (ev) => { priceClasses = ev.detail.filter((c) => c.active); });

const lbl = (sv, en, attrs = {}) => el('span', { 'data-en': en, text: sv, ...attrs });
const pad = (n) => String(n).padStart(2, '0');
function localTime(iso) {
	if (!iso) return '';
	const d = new Date(iso);
	return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
function isoTime(text) {
	const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d)$/.exec(text.trim());
	if (!m) return text.trim(); // the server names the problem
	return new Date(+m[1], m[2] - 1, +m[3], +m[4], +m[5]).toISOString().replace('.000Z', 'Z');
}
function refLabel(ref, id) {
	const r = (refs[ref] || []).find((x) => x.id === id);
	return r ? r.label : id === null || id === undefined ? '–' : '#' + id;
}
function cell(f, v) {
	if (!f) return String(v ?? '');
	if (f.type === 'ref') return refLabel(f.ref, v);
	if (f.type === 'bool') return v === false ? t('nej', 'no') : t('ja', 'yes');
	if (f.type === 'time') return localTime(v);
	if (f.type === 'refs') return (v || []).map((id) => refLabel(f.ref, id)).join(', ');
	if (f.type === 'enum') { const o = f.options.find((x) => x[0] === v); return o ? t(o[1], o[2]) : v; }
	return v === null || v === undefined ? '' : String(v);
}

// ---- the list ------------------------------------------------------------------------

function renderTypes() {
	$('types').replaceChildren(...Object.entries(TYPES).map(([k, ty]) => {
		const b = el('button', { type: 'button', id: 'type-' + k, 'aria-pressed': String(k === kind), 'data-en': ty.en, text: ty.sv });
		b.addEventListener('click', () => choose(k));
		return b;
	}));
	applyLang($('types'));
}

function renderList() {
	const ty = TYPES[kind];
	$('h-list').dataset.en = ty.en;
	$('h-list').dataset.sv = ty.sv;
	$('h-list').textContent = t(ty.sv, ty.en);
	const fields = ty.cols.map((c) => ty.fields.find((f) => f.name === c));
	const head = el('tr', {}, ...fields.map((f) => el('th', { scope: 'col' }, lbl(f.sv, f.en))), el('th', { scope: 'col' }, lbl('Ändra', 'Edit')));
	const rows = items.map((it) => {
		const b = el('button', { type: 'button', class: 'link-btn', 'data-id': String(it.id) }, lbl('Redigera', 'Edit'),
			el('span', { class: 'visually-hidden', text: ' ' + cell(fields[0], it[fields[0].name]) }));
		b.addEventListener('click', () => openForm(it.id));
		return el('tr', {}, ...fields.map((f, i) => (i === 0 ? el('th', { scope: 'row', class: 'text', text: cell(f, it[f.name]) })
			: el('td', { class: 'text', text: cell(f, it[f.name]) }))), el('td', {}, b));
	});
	$('list').replaceChildren(el('table', { class: 'data', id: 'list-table' },
		el('caption', {}, lbl(`${items.length} poster`, `${items.length} records`)), el('thead', {}, head), el('tbody', {}, ...rows)));
	applyLang($('list'));
}

async function loadRefs() {
	const want = new Set();
	for (const ty of Object.values(TYPES)) for (const f of ty.fields) if (f.ref) want.add(f.ref);
	want.add('groups');
	const lists = await Promise.all([...want].map((r) => api('GET', `/${r}?limit=1000`)));
	[...want].forEach((r, i) => {
		refs[r] = (lists[i].items || []).map((x) => ({ id: x.id, label: x.name || x.display_name || x.username || '#' + x.id }));
	});
}

async function choose(k) {
	kind = k;
	for (const b of $('types').querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.id === 'type-' + k));
	$('edit-panel').hidden = true;
	await loadList();
}

async function loadList() {
	const r = await api('GET', `/${kind}?limit=1000`);
	items = r.items || [];
	renderList();
}

// ---- the form ------------------------------------------------------------------------

function control(f, value, isNew) {
	const id = 'f-' + f.name;
	const desc = [f.hint ? 'hint-' + f.name : null, 'err-' + f.name].filter(Boolean).join(' ');
	const hint = f.hint ? el('p', { class: 'hint', id: 'hint-' + f.name, 'data-en': f.hint[1], text: f.hint[0] }) : null;
	const error = el('p', { class: 'field-error', id: 'err-' + f.name });
	const label = el('label', { for: id, 'data-en': f.en, text: f.sv });
	const wrap = (input) => el('div', { class: 'field', 'data-field': f.name }, label, input, hint, error);
	const common = { id, name: f.name, 'aria-describedby': desc, required: f.required || null };
	switch (f.type) {
	case 'bool': {
		const input = el('input', { ...common, type: 'checkbox', checked: value !== false });
		return el('div', { class: 'field check', 'data-field': f.name }, input, label, hint, error);
	}
	case 'ref': case 'enum': {
		const opts = f.type === 'ref' ? (refs[f.ref] || []).map((r) => [String(r.id), r.label]) : f.options.map((o) => [o[0], t(o[1], o[2])]);
		const sel = el('select', common, f.required && !isNew ? null : el('option', { value: '', text: '–' }),
			...opts.map(([v, text]) => el('option', { value: v, text })));
		sel.value = value === null || value === undefined ? '' : String(value);
		return wrap(sel);
	}
	case 'list': {
		const ta = el('textarea', { ...common, rows: 3 });
		ta.value = (value || []).join('\n');
		return wrap(ta);
	}
	case 'textarea': {
		const ta = el('textarea', { ...common, rows: 4 });
		ta.value = value === null || value === undefined ? '' : String(value);
		return wrap(ta);
	}
	case 'refs': return refsChecks(f, value);
	case 'prices': return pricesTable(f, value);
	case 'password':
		if (!isNew) return null;
		return wrap(el('input', { ...common, type: 'password', autocomplete: 'new-password' }));
	case 'hours': return hoursTable(f, value);
	case 'members': return membersTable(f, value);
	default: {
		const types = { email: 'email', phone: 'tel', int: 'text' };
		const modes = { int: 'numeric', real: 'decimal', date: 'numeric' };
		const input = el('input', { ...common, type: types[f.type] || 'text', inputmode: modes[f.type] || null,
			autocomplete: f.type === 'email' || f.type === 'phone' ? 'off' : null });
		input.value = f.type === 'time' ? localTime(value) : value === null || value === undefined ? '' : String(value);
		if (f.type === 'time') {
			input.setAttribute('aria-describedby', 'hint-time ' + desc);
			input.placeholder = 'ÅÅÅÅ-MM-DD TT:MM';
			input.dataset.enPlaceholder = 'YYYY-MM-DD HH:MM';
		}
		if (f.type === 'date') {
			input.placeholder = 'ÅÅÅÅ-MM-DD';
			input.dataset.enPlaceholder = 'YYYY-MM-DD';
			input.autocomplete = 'off';
		}
		return wrap(input);
	}
	}
}

// Opening hours as a week: one from–to per day (empty: closed). A day that has several
// intervals keeps them unless its from or to is changed; seasons and exceptions are kept.
function hoursTable(f, value) {
	const weekly = (value && value.weekly) || {};
	const rows = DAYS.map(([d, sv, en]) => {
		const iv = weekly[d] || [];
		const from = iv.length ? iv[0][0] : '';
		const to = iv.length ? iv[iv.length - 1][1] : '';
		const input = (which, v, svl, enl) => el('input', { id: `h-${d}-${which}`, 'data-day': d, 'data-orig': v, value: v, size: 5,
			inputmode: 'numeric', 'aria-label': `${sv} ${svl}`, 'data-en-label': `${en} ${enl}`, 'aria-describedby': 'hint-hours err-opening_hours' });
		const a = input('from', from, 'från', 'from');
		const b = input('to', to, 'till', 'until');
		a.value = from;
		b.value = to;
		return el('tr', {}, el('th', { scope: 'row', 'data-en': en, text: sv }), el('td', {}, a), el('td', {}, b),
			el('td', { class: 'text' }, iv.length > 1 ? lbl(iv.map((x) => x.join('–')).join(', '), iv.map((x) => x.join('–')).join(', ')) : null));
	});
	const holidays = el('select', { id: 'f-holidays', 'aria-describedby': 'err-opening_hours' },
		el('option', { value: 'closed', 'data-en': 'Closed on public holidays and eves', text: 'Stängt på helgdagar och aftnar' }),
		el('option', { value: 'ignore', 'data-en': 'Open as usual on public holidays', text: 'Öppet som vanligt på helgdagar' }));
	holidays.value = value && value.holidays === 'ignore' ? 'ignore' : 'closed';
	return el('fieldset', { class: 'field', 'data-field': f.name, id: 'f-opening_hours' },
		el('legend', { 'data-en': f.en, text: f.sv }),
		el('p', { class: 'hint', id: 'hint-hours', 'data-en': 'Times as HH:MM; leave both empty for a closed day.', text: 'Tider som TT:MM; lämna båda tomma för en stängd dag.' }),
		el('table', { class: 'data hours' }, el('caption', { class: 'visually-hidden', 'data-en': 'Weekly hours', text: 'Veckans öppettider' }),
			el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, lbl('Dag', 'Day')), el('th', { scope: 'col' }, lbl('Från', 'From')),
				el('th', { scope: 'col' }, lbl('Till', 'Until')), el('th', { scope: 'col' }, lbl('Flera tider', 'Several intervals')))),
			el('tbody', {}, ...rows)),
		el('label', { for: 'f-holidays', 'data-en': 'Public holidays', text: 'Helgdagar' }), holidays,
		el('p', { class: 'field-error', id: 'err-opening_hours' }));
}

function readHours(orig) {
	const out = JSON.parse(JSON.stringify(orig || {}));
	out.weekly = { ...(out.weekly || {}) };
	for (const [d] of DAYS) {
		const a = $(`h-${d}-from`);
		const b = $(`h-${d}-to`);
		const from = a.value.trim();
		const to = b.value.trim();
		if (from === a.dataset.orig && to === b.dataset.orig && out.weekly[d]) continue; // unchanged
		out.weekly[d] = from || to ? [[from, to]] : [];
	}
	out.holidays = $('f-holidays').value;
	return out;
}

// Records chosen by checkboxes (an agreement's groups); the value is their ids.
function refsChecks(f, value) {
	const chosen = new Set(value || []);
	const boxes = (refs[f.ref] || []).map((r) => {
		const input = el('input', { type: 'checkbox', id: `r-${f.name}-${r.id}`, 'data-id': String(r.id), 'aria-describedby': 'err-' + f.name });
		input.checked = chosen.has(r.id);
		return el('div', { class: 'check' }, input, el('label', { for: input.id, text: r.label }));
	});
	return el('fieldset', { class: 'field', 'data-field': f.name, id: 'f-' + f.name },
		el('legend', { 'data-en': f.en, text: f.sv }), el('div', { class: 'checks' }, ...boxes),
		el('p', { class: 'field-error', id: 'err-' + f.name }));
}

// Prices per channel: one input each, empty for a channel without a price.
function pricesTable(f, value) {
	const priceRow = (group, key, sv, en, cur) => {
		const v = cur && cur[key] !== undefined && cur[key] !== null ? String(cur[key]).replace('.', ',') : '';
		const input = el('input', { id: group === 'channel' ? `p-${key}` : `p-${group}-${key}`, 'data-group': group, 'data-key': key, inputmode: 'decimal', size: 8,
			'aria-label': `${sv}, kr per ärende`, 'data-en-label': `${en}, SEK per case`, 'aria-describedby': 'err-prices' });
		input.value = v;
		return el('tr', {}, el('th', { scope: 'row', 'data-en': en, text: sv }), el('td', {}, input));
	};
	const sub = (sv, en) => el('tr', {}, el('th', { scope: 'colgroup', colspan: '2', class: 'text', 'data-en': en, text: sv }));
	const rows = [...CHANNELS.map(([c, sv, en]) => priceRow('channel', c, sv, en, value)),
		sub('Per ärendetyp (går före kanalen)', 'Per category kind (before the channel)'),
		...PRICE_KINDS.map(([k, sv, en]) => priceRow('kinds', k, sv, en, value && value.kinds)),
		...(priceClasses.length ? [sub('Per prisklass (går före ärendetyp och kanal)', 'Per price class (before kind and channel)')] : []),
		...priceClasses.map((c) => priceRow('classes', c.name, `Prisklass ${c.name}`, `Price class ${c.name}`, value && value.classes))];
	return el('fieldset', { class: 'field', 'data-field': f.name, id: 'f-prices' },
		el('legend', { 'data-en': f.en, text: f.sv }),
		el('p', { class: 'hint', 'data-en': 'Empty: no price per case in that channel. Decimals with a comma or a point.',
			text: 'Tomt: inget styckpris i den kanalen. Decimaler med komma eller punkt.' }),
		el('table', { class: 'data' }, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, lbl('Kanal', 'Channel')),
			el('th', { scope: 'col' }, lbl('Kr per ärende', 'SEK per case')))), el('tbody', {}, ...rows)),
		el('p', { class: 'field-error', id: 'err-prices' }));
}

// "1 200 000,50" → 1200000.5; anything else goes as written and the server names it.
function number(text) {
	const v = text.replace(/[\s\u00a0]/g, '').replace(',', '.');
	return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : text;
}

function membersTable(f, value) {
	const skill = new Map((value || []).map((m) => [m.group_id, m.skill]));
	const rows = (refs.groups || []).map((g) => {
		const sel = el('select', { id: `m-${g.id}`, 'data-group': String(g.id), 'aria-label': `${g.name || g.label}`, 'aria-describedby': 'err-groups' },
			el('option', { value: '', 'data-en': 'not a member', text: 'inte medlem' }),
			...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => el('option', { value: String(n), text: String(n) })));
		sel.value = skill.has(g.id) ? String(skill.get(g.id)) : '';
		return el('tr', {}, el('th', { scope: 'row', class: 'text', text: g.label }), el('td', {}, sel));
	});
	return el('fieldset', { class: 'field', 'data-field': f.name, id: 'f-groups' },
		el('legend', { 'data-en': f.en, text: f.sv }),
		el('p', { class: 'hint', 'data-en': 'Skill 1 is the best; calls go to level 1 first.', text: 'Nivå 1 är högst; samtal går till nivå 1 först.' }),
		el('table', { class: 'data' }, el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, lbl('Grupp', 'Group')),
			el('th', { scope: 'col' }, lbl('Nivå', 'Level')))), el('tbody', {}, ...rows)),
		el('p', { class: 'field-error', id: 'err-groups' }));
}

function readValue(f) {
	if (f.type === 'hours') return readHours(record && record.opening_hours);
	if (f.type === 'members')
		return [...document.querySelectorAll('#f-groups select')].filter((s) => s.value)
			.map((s) => ({ group_id: Number(s.dataset.group), skill: Number(s.value) }));
	if (f.type === 'refs')
		return [...document.querySelectorAll(`#f-${f.name} input:checked`)].map((x) => Number(x.dataset.id));
	if (f.type === 'prices') {
		const out = {};
		for (const x of document.querySelectorAll('#f-prices input')) {
			if (!x.value.trim()) continue;
			if (x.dataset.group === 'channel') out[x.dataset.key] = number(x.value.trim());
			else (out[x.dataset.group] ||= {})[x.dataset.key] = number(x.value.trim());
		}
		return Object.keys(out).length ? out : null;
	}
	const input = $('f-' + f.name);
	if (!input) return undefined;
	if (f.type === 'bool') return input.checked;
	const v = input.value.trim();
	if (f.type === 'list') return v.split('\n').map((x) => x.trim()).filter(Boolean);
	if (v === '') return null;
	if (f.type === 'int') return /^-?\d+$/.test(v) ? Number(v) : v; // the server names a wrong value
	if (f.type === 'ref') return Number(v);
	if (f.type === 'real') return number(v);
	if (f.type === 'time') return isoTime(v);
	return v;
}

async function openForm(id) {
	const ty = TYPES[kind];
	record = id ? await api('GET', `/${kind}/${id}`) : null;
	const isNew = !record;
	const named = ty.fields.find((f) => f.name === ty.cols[0]); // the list's first column names the record
	const title = isNew ? (ty.fresh ? t(...ty.fresh) : t(`Ny ${ty.one[0]}`, `New ${ty.one[1]}`)) : t(`Ändra ${ty.one[0]}: `, `Edit ${ty.one[1]}: `) + cell(named, record[named.name]);
	$('h-edit').textContent = title;
	const controls = ty.fields.map((f) => control(f, record ? record[f.name] : f.type === 'bool' ? true : undefined, isNew)).filter(Boolean);
	const timeHint = ty.fields.some((f) => f.type === 'time')
		? el('p', { class: 'hint', id: 'hint-time', 'data-en': 'Local time, YYYY-MM-DD HH:MM.', text: 'Lokal tid, ÅÅÅÅ-MM-DD TT:MM.' }) : null;
	$('edit').replaceChildren(...[timeHint, ...controls].filter(Boolean),
		el('p', { class: 'alert', id: 'form-error', role: 'alert' }),
		el('div', { class: 'row' }, el('button', { type: 'submit', class: 'primary', id: 'btn-save', 'data-en': 'Save', text: 'Spara' }),
			el('button', { type: 'button', id: 'btn-cancel', 'data-en': 'Close', text: 'Stäng' })),
		el('p', { class: 'notice', id: 'saved', role: 'status' }),
	);
	$('btn-cancel').addEventListener('click', closeForm);
	applyLang($('edit'));
	$('edit-panel').hidden = false;
	$('h-edit').focus();
}

function closeForm() {
	$('edit-panel').hidden = true;
	$('btn-new').focus();
}

function clearErrors() {
	for (const p of $('edit').querySelectorAll('.field-error')) p.textContent = '';
	for (const x of $('edit').querySelectorAll('[aria-invalid]')) x.removeAttribute('aria-invalid');
	$('form-error').textContent = '';
	$('saved').textContent = '';
}

// errors[].field may name a part of a field (opening_hours: "weekly.tue[0][1]: …").
function showErrors(problem) {
	const list = problem.errors && problem.errors.length ? problem.errors : [{ field: '', message: problem.detail || problem.title }];
	const general = [];
	let first = null;
	for (const e of list) {
		const base = String(e.field || '').split(/[.[]/)[0];
		const p = $('err-' + e.field) || $('err-' + base);
		if (!p) { general.push(e.field ? `${e.field}: ${e.message}` : e.message); continue; }
		p.textContent = (p.textContent ? p.textContent + ' ' : '') + (p.id === 'err-' + e.field ? e.message : `${e.field}: ${e.message}`);
		let target = $('f-' + base);
		if (base === 'opening_hours') {
			const m = /weekly\.(\w+)\[\d+\]\[(\d)\]/.exec(e.field + ' ' + e.message);
			target = m ? $(`h-${m[1]}-${m[2] === '0' ? 'from' : 'to'}`) : $('h-mon-from');
		} else if (base === 'groups') target = document.querySelector('#f-groups select');
		else if (base === 'prices') target = document.querySelector('#f-prices input');
		else if (base === 'group_ids') target = document.querySelector('#f-group_ids input');
		if (target) {
			target.setAttribute('aria-invalid', 'true');
			if (!first) first = target;
		}
	}
	$('form-error').textContent = general.join(' ');
	(first || $('btn-save')).focus();
}

async function save(ev) {
	ev.preventDefault();
	clearErrors();
	const ty = TYPES[kind];
	const body = {};
	for (const f of ty.fields) {
		const v = readValue(f);
		if (v === undefined) continue;
		if (!record) {
			if (v !== null && !(Array.isArray(v) && !v.length)) body[f.name] = v;
		} else if (JSON.stringify(v) !== JSON.stringify(record[f.name] ?? (f.type === 'list' || f.type === 'members' || f.type === 'refs' ? [] : null))) {
			body[f.name] = v;
		}
	}
	if (record && !Object.keys(body).length) {
		$('saved').textContent = t('Inga ändringar att spara.', 'No changes to save.');
		return;
	}
	try {
		const saved = record ? await api('PATCH', `/${kind}/${record.id}`, body) : await api('POST', `/${kind}`, body);
		await loadList();
		if (['groups', 'clients', 'units', 'agreements', 'categories', 'contacts'].includes(kind)) await loadRefs();
		await openForm(saved.id);
		$('saved').textContent = t('Sparat.', 'Saved.');
		$('saved').dataset.id = String(saved.id);
	} catch (e) {
		if (e instanceof ApiError && e.status === 422) showErrors(e.problem);
		else {
			$('form-error').textContent = e instanceof ApiError && e.status === 403
				? t('Din roll får inte ändra det här registret.', 'Your role may not change this record.') : e.message;
			$('btn-save').focus();
		}
	}
}

function fail(e) {
	$('page-error').textContent = e instanceof ApiError && e.status === 403
		? t('Din roll har inte tillgång till administrationen.', 'Your role has no access to the administration.')
		: e instanceof ApiError && e.status === 401 ? t('Inloggningen har gått ut. Logga in igen.', 'Your login has expired. Please log in again.')
			: e.message;
	$('admin').hidden = true;
}

async function start() {
	try {
		await api('GET', '/users?limit=1'); // staff with access to the administration (403 otherwise)
		priceClasses = (await api('GET', '/price_classes?limit=500').catch(() => ({ items: [] }))).items.filter((c) => c.active);
		await loadRefs();
		renderTypes();
		const want = new URLSearchParams(location.search).get('type');
		if (want && TYPES[want]) kind = want;
		await choose(kind);
		document.body.dataset.ready = 'true';
	} catch (e) {
		fail(e);
	}
}

initLang(() => { if (items.length || kind) renderList(); });
$('sign-out').addEventListener('click', logout);
$('btn-new').addEventListener('click', () => openForm(null).catch(fail));
$('edit').addEventListener('submit', save);
start();
