// One case as GET /api/v1/cases/{id} gives it: the facts, the citizen, earlier cases,
// handovers and the history; staff who may change it get the edit and handover forms.
// Every reading goes through that endpoint, which writes it to the audit log.
import { api, requireSession, logout, initLang, t, el, ApiError } from './api.js';

const s = requireSession();
const $ = (id) => document.getElementById(id);
const id = Number(new URLSearchParams(location.search).get('id'));

const OUTCOMES = {
	resolved: ['Löst vid första kontakten', 'Resolved at first contact'], guided: ['Vägledd rätt', 'Guided to the right place'],
	handed_over: ['Överlämnat till förvaltningen', 'Handed over to the department'],
	forwarded_urgent: ['Akut, kopplat till jour', 'Urgent, forwarded to on-call'],
};
const CHANNELS = {
	phone: ['telefon', 'phone'], email: ['e-post', 'e-mail'], letter: ['brev', 'letter'], fax: ['fax', 'fax'],
	visit: ['besök', 'visit'], web: ['webb', 'web'], social: ['sociala medier', 'social media'],
};
const KINDS = {
	question: ['fråga', 'question'], matter: ['ärende', 'matter'], opinion: ['synpunkt', 'opinion'], complaint: ['klagomål', 'complaint'],
	praise: ['beröm', 'praise'], idea: ['idé', 'idea'], fault_report: ['felanmälan', 'fault report'],
};
const FIELDS = {
	created: ['Registrerat', 'Logged'], category_id: ['Kategori', 'Category'], outcome: ['Utfall', 'Outcome'], handled: ['Hanterat', 'Handled'],
	summary: ['Sammanfattning', 'Summary'], confidential: ['Sekretess', 'Confidential'], threat: ['Hot eller våld', 'Threat or violence'],
	handover: ['Överlämnat', 'Handed over'], handover_answer: ['Förvaltningens svar', 'The department\'s answer'],
	handover_answer_phone: ['Förvaltningens svar per telefon', 'The department\'s answer by phone'],
	handover_question: ['Förvaltningens fråga', 'The department\'s question'], handover_reply: ['Svar till förvaltningen', 'Reply to the department'],
	handover_takeover: ['Övertaget av förvaltningen', 'Taken over by the department'], status: ['Status', 'Status'],
	closing_reason: ['Skäl till avslut', 'Reason for closing'], citizen_informed: ['Medborgaren informerad', 'Citizen informed'],
	status_reason: ['Skäl', 'Reason'], attachment: ['Bilaga', 'Attachment'],
};
const STATUSES = {
	open: ['Öppet', 'Open'], waiting_for_department: ['Väntar på förvaltningen', 'Waiting for the department'],
	waiting_for_citizen: ['Väntar på medborgaren', 'Waiting for the citizen'], closed: ['Avslutat', 'Closed'],
};
const word = (map, k) => (map[k] ? t(...map[k]) : k);
// A contact that came in without an agent (Tyck till, e-mail) has no outcome until handled.
const outcomeWord = (k) => (k == null ? t('Ej hanterat ännu', 'Not handled yet') : word(OUTCOMES, k));
const when = (iso) => (iso ? new Date(iso).toLocaleString('sv-SE', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Europe/Stockholm' }) : '–');
const today = () => new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Stockholm' });

const page = {
	c: null,                 // the case
	me: null,                // GET /me
	categories: new Map(),   // id → category, for names in the history
	groupCategories: [],     // active ones of the case's group, for the form
	contacts: [],            // of the case's department
	refused: null,           // the ApiError that refused the case, if one did
};

// ---- reading ------------------------------------------------------------------------

function canEdit(c) {
	const role = s.user.role;
	if (role === 'admin' || role === 'manager' || role === 'group_lead') return true;
	return role === 'agent' && !!page.me && (page.me.groups || []).some((g) => g.group_id === c.group_id);
}

function categoryName(cid) {
	const cat = page.categories.get(Number(cid));
	return cat ? cat.name : (page.c && Number(cid) === page.c.category_id ? page.c.category : '#' + cid);
}

function renderFacts() {
	const c = page.c;
	$('h-case').textContent = t(`Ärende ${c.id}`, `Case ${c.id}`);
	document.title = t(`Lotsen – ärende ${c.id}`, `Lotsen – case ${c.id}`);
	const flags = [];
	if (c.threat) flags.push(el('span', { class: 'flag threat', text: t('Hot eller våld', 'Threat or violence') }));
	if (c.confidential) flags.push(el('span', { class: 'flag', text: t('Sekretess', 'Confidential') }));
	$('flags').replaceChildren(...(flags.length ? flags : [el('span', { class: 'hint', text: t('Inga flaggor.', 'No flags.') })]));
	const row = (key, sv, en, v) => [el('dt', { text: t(sv, en) }), el('dd', { id: 'fact-' + key, text: v })];
	$('facts').replaceChildren(
		...row('received', 'Inkom', 'Received', when(c.received_at)),
		...row('channel', 'Kanal', 'Channel', word(CHANNELS, c.channel)),
		...row('group', 'Svarsgrupp', 'Response group', c.group),
		...row('client', 'Uppdragsgivare', 'Department', c.client),
		...row('category', 'Kategori', 'Category', `${c.category} (${word(KINDS, c.category_kind)})`),
		...row('outcome', 'Utfall', 'Outcome', outcomeWord(c.outcome)),
		...row('status', 'Status', 'Status', word(STATUSES, c.status)),
		...row('summary', 'Sammanfattning', 'Summary', c.summary),
		...row('threat', 'Hot eller våld', 'Threat or violence', c.threat ? t('ja', 'yes') : t('nej', 'no')),
		...row('confidential', 'Sekretess', 'Confidential', c.confidential ? t('ja', 'yes') : t('nej', 'no')),
		...row('updated', 'Senast ändrat', 'Last changed', when(c.updated_at)));
}

function renderCitizen() {
	const c = page.c, z = c.citizen;
	if (!z) {
		$('citizen').replaceChildren(el('p', { class: 'hint', id: 'no-citizen', text: t('Ingen medborgare registrerad (anonym kontakt).', 'No citizen recorded (anonymous contact).') }));
	} else {
		const row = (key, sv, en, v) => (v ? [el('dt', { text: t(sv, en) }), el('dd', { id: 'citizen-' + key, text: v })] : []);
		const pnr = z.personal_id && z.personal_id.length === 12 ? z.personal_id.slice(0, 8) + '-' + z.personal_id.slice(8) : z.personal_id;
		$('citizen').replaceChildren(el('dl', { class: 'facts case-facts' },
			...row('name', 'Namn', 'Name', z.name), ...row('phone', 'Telefon', 'Phone', z.phone),
			...row('email', 'E-post', 'E-mail', z.email), ...row('personal_id', 'Personnummer', 'Personal identity number', pnr)));
	}
	const earlier = c.earlier_cases || [];
	$('earlier').replaceChildren(earlier.length
		? el('ul', { class: 'earlier', id: 'earlier-list' }, ...earlier.map((e) => el('li', {},
			el('a', { href: 'case.html?id=' + e.id, text: t(`Ärende ${e.id}`, `Case ${e.id}`) }),
			el('span', { text: ` ${when(e.received_at)}, ${e.group}, ${outcomeWord(e.outcome).toLowerCase()}: ${e.summary}` }))))
		: el('p', { class: 'hint', text: z ? t('Inga andra ärenden som du får se.', 'No other cases you may see.') : t('–', '–') }));
}

function renderHandovers() {
	const list = page.c.handovers || [];
	if (!list.length) {
		$('handovers').replaceChildren(el('p', { class: 'hint', id: 'no-handovers', text: t('Ärendet har inte lämnats över.', 'The case has not been handed over.') }));
		return;
	}
	const head = [t('Mottagare', 'Receiver'), t('Lämnat', 'Handed over'), t('Vad förvaltningen ska göra', 'What the department is asked to do'),
		t('Svar senast', 'Due'), t('Svar', 'Answer')];
	const rows = list.map((h) => {
		const late = !h.answered_at && h.due_date < today();
		const answer = h.answered_at
			? el('td', { class: 'text' }, el('span', { text: h.answer || '' }), el('br'), el('span', { class: 'hint', text: t('besvarat ', 'answered ') + when(h.answered_at) }))
			: el('td', { class: 'text' + (late ? ' late' : ''), text: late ? t('Försenat – inget svar ännu', 'Overdue – no answer yet') : t('Inget svar ännu', 'No answer yet') });
		return el('tr', { id: 'handover-' + h.id }, el('th', { scope: 'row', class: 'text', text: h.contact }), el('td', { text: when(h.created_at) }),
			el('td', { class: 'text', text: h.message + (h.instructions ? ' — ' + h.instructions : '') }), el('td', { text: h.due_date }), answer);
	});
	$('handovers').replaceChildren(el('table', { class: 'data', id: 'handover-table' },
		el('caption', { text: t(`${list.length} ${list.length === 1 ? 'överlämning' : 'överlämningar'}`, `${list.length} ${list.length === 1 ? 'handover' : 'handovers'}`) }),
		el('thead', {}, el('tr', {}, ...head.map((x, i) => el('th', { scope: 'col', text: x, class: i !== 1 && i !== 3 ? 'text' : null })))),
		el('tbody', {}, ...rows)));
}

function historyValue(field, v) {
	if (v === null || v === undefined || v === '') return '–';
	if (field === 'outcome' || field === 'created' || field === 'handled') return v == null ? '–' : word(OUTCOMES, v);
	if (field === 'category_id') return categoryName(v);
	if (field === 'threat' || field === 'confidential') return v === 'true' ? t('ja', 'yes') : t('nej', 'no');
	return v;
}

function renderHistory() {
	const list = page.c.history || [];
	const head = [t('När', 'When'), t('Vem', 'Who'), t('Vad', 'What'), t('Från', 'From'), t('Till', 'To')];
	$('history').replaceChildren(el('table', { class: 'data', id: 'history-table' },
		el('caption', { text: t(`${list.length} ${list.length === 1 ? 'händelse' : 'händelser'}, äldst först`, `${list.length} ${list.length === 1 ? 'event' : 'events'}, oldest first`) }),
		el('thead', {}, el('tr', {}, ...head.map((x, i) => el('th', { scope: 'col', text: x, class: i ? 'text' : null })))),
		el('tbody', {}, ...list.map((h) => el('tr', {},
			el('th', { scope: 'row', text: when(h.at) }), el('td', { class: 'text', text: h.user || t('(ingen inloggning)', '(no login)') }),
			el('td', { class: 'text', text: word(FIELDS, h.field) }), el('td', { class: 'text', text: h.field === 'created' ? '–' : historyValue(h.field, h.old) }),
			el('td', { class: 'text', text: historyValue(h.field, h.new) }))))));
}

// ---- the forms ----------------------------------------------------------------------

const option = (value, text, selected) => {
	const o = el('option', { value: String(value), text });
	if (selected) o.selected = true;
	return o;
};

function fillEditForm() {
	const c = page.c, f = $('edit-form');
	const cats = page.groupCategories.some((x) => x.id === c.category_id)
		? page.groupCategories : [{ id: c.category_id, name: c.category }, ...page.groupCategories];
	$('e-category').replaceChildren(...cats.map((x) => option(x.id, x.name, x.id === c.category_id)));
	// Handing over has its own form (a receiver is needed); the select offers it only
	// when the case already is handed over.
	$('e-outcome').replaceChildren(...Object.keys(OUTCOMES).filter((k) => k !== 'handed_over' || c.outcome === 'handed_over')
		.map((k) => option(k, word(OUTCOMES, k), k === c.outcome)));
	if (c.outcome == null) $('e-outcome').prepend(option('', t('– ej hanterat: välj utfall –', '– not handled: choose an outcome –'), true));
	f.summary.value = c.summary;
	f.threat.checked = c.threat;
	f.confidential.checked = c.confidential;
	$('h-contact').replaceChildren(option('', t('– enligt avtalet –', '– as the agreement says –')),
		...page.contacts.map((x) => option(x.id, x.role ? `${x.name} (${x.role})` : x.name)));
}

function clearErrors(form) {
	for (const p of form.querySelectorAll('.field-error')) p.textContent = '';
	for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
	for (const p of form.querySelectorAll('.alert')) p.textContent = '';
}

const EDIT_INPUT = { category_id: 'e-category', outcome: 'e-outcome', summary: 'e-summary', threat: 'e-threat', confidential: 'e-confidential' };
const HANDOVER_INPUT = { handover: 'h-contact', 'handover.contact_id': 'h-contact', 'handover.due_date': 'h-due', 'handover.message': 'h-message' };

// The server's problem+json: each error under its field (which gets aria-invalid, the
// first one the focus); the rest in the form's alert.
function showProblem(e, inputs, alertId) {
	const errors = (e.problem && e.problem.errors) || [];
	let first = null;
	const rest = [];
	for (const x of errors) {
		const input = inputs[x.field] && $(inputs[x.field]);
		const slot = $('err-' + (x.field === 'handover' ? 'handover.contact_id' : x.field));
		if (!input || !slot) {
			rest.push(`${x.field}: ${x.message}`);
			continue;
		}
		slot.textContent = slot.textContent ? slot.textContent + ' ' + x.message : x.message;
		input.setAttribute('aria-invalid', 'true');
		first = first || input;
	}
	$(alertId).textContent = rest.length ? rest.join(' ') : (first ? t('Rätta de markerade fälten.', 'Correct the marked fields.') : e.message);
	if (first) first.focus();
	else $(alertId).focus();
}

async function saveEdit() {
	const f = $('edit-form'), c = page.c;
	clearErrors(f);
	$('edit-done').textContent = '';
	const body = {};
	if (Number(f.category_id.value) !== c.category_id) body.category_id = Number(f.category_id.value);
	if (f.outcome.value && f.outcome.value !== c.outcome) body.outcome = f.outcome.value;
	if (f.summary.value.trim() !== c.summary) body.summary = f.summary.value.trim();
	if (f.threat.checked !== c.threat) body.threat = f.threat.checked;
	if (f.confidential.checked !== c.confidential) body.confidential = f.confidential.checked;
	if (!Object.keys(body).length) {
		$('edit-done').textContent = t('Inget är ändrat.', 'Nothing has changed.');
		return;
	}
	if (body.summary === '') return showProblem(new ApiError(422, { errors: [{ field: 'summary', message: t('Skriv en kort sammanfattning.', 'Write a short summary.') }] }), EDIT_INPUT, 'edit-error');
	$('edit-submit').disabled = true;
	try {
		page.c = await api('PATCH', '/cases/' + c.id, body);
		render();
		const n = Object.keys(body).length;
		$('edit-done').textContent = t(`Sparat: ${n} ${n === 1 ? 'ändring' : 'ändringar'} i historiken.`, `Saved: ${n} ${n === 1 ? 'change' : 'changes'} in the history.`);
	} catch (e) {
		if (e.status === 403 || e.status === 404) return refuse(e);
		showProblem(e, EDIT_INPUT, 'edit-error');
	} finally {
		$('edit-submit').disabled = false;
	}
}

async function saveHandover() {
	const f = $('handover-form');
	clearErrors(f);
	$('handover-done').textContent = '';
	const body = {};
	if (f.contact_id.value) body.contact_id = Number(f.contact_id.value);
	if (f.due_date.value.trim()) body.due_date = f.due_date.value.trim();
	if (f.message.value.trim()) body.message = f.message.value.trim();
	else return showProblem(new ApiError(422, { errors: [{ field: 'handover.message', message: t('Skriv vad förvaltningen ska göra.', 'Write what the department is asked to do.') }] }), HANDOVER_INPUT, 'handover-error');
	$('handover-submit').disabled = true;
	try {
		page.c = await api('POST', `/cases/${page.c.id}/handovers`, body);
		f.reset();
		render();
		$('handover-done').textContent = t('Överlämnat. Ärendets utfall är Överlämnat.', 'Handed over. The case\'s outcome is Handed over.');
	} catch (e) {
		if (e.status === 403 || e.status === 404) return refuse(e);
		showProblem(e, HANDOVER_INPUT, 'handover-error');
	} finally {
		$('handover-submit').disabled = false;
	}
}

// Enter saves from any field (selects do not submit by themselves); Shift+Enter is a new
// line in the summary — as on the agent desktop.
function wire(form, save) {
	form.addEventListener('submit', (ev) => {
		ev.preventDefault();
		save();
	});
	form.addEventListener('keydown', (ev) => {
		if (ev.key !== 'Enter' || ev.isComposing || ev.target.tagName === 'BUTTON') return;
		if (ev.target.tagName === 'TEXTAREA' && ev.shiftKey) return;
		ev.preventDefault();
		form.requestSubmit();
	});
}

// ---- start --------------------------------------------------------------------------

function render() {
	if (!page.c) return;
	renderFacts();
	renderCitizen();
	renderHandovers();
	renderHistory();
	if (!$('forms').hidden) fillEditForm();
}

function refuse(e, focus = true) {
	page.refused = e;
	$('case').hidden = true;
	let msg;
	if (e instanceof ApiError && e.status === 403)
		msg = t(`Du får inte se ärende ${id}: det är sekretessmarkerat eller hör till en annan förvaltning. Försöket har loggats.`,
			`You may not see case ${id}: it is confidential or belongs to another department. The attempt has been logged.`);
	else if (e instanceof ApiError && e.status === 404)
		msg = t(`Ärende ${id} finns inte. Kontrollera ärendenumret.`, `Case ${id} does not exist. Check the case number.`);
	else if (e instanceof ApiError && e.status === 401)
		msg = t('Inloggningen har gått ut. Logga in igen.', 'Your login has expired. Please log in again.');
	else msg = e.message;
	$('page-error').textContent = msg;
	$('page-error').dataset.status = String(e.status || '');
	if (focus) $('page-error').focus();
	document.body.dataset.ready = 'true';
}

async function start() {
	$('sign-out').addEventListener('click', logout);
	if (!Number.isInteger(id) || id <= 0) {
		$('page-error').textContent = t('Ange ett ärendenummer: case.html?id=123.', 'Give a case number: case.html?id=123.');
		document.body.dataset.ready = 'true';
		return;
	}
	try {
		page.c = await api('GET', '/cases/' + id);
	} catch (e) {
		return refuse(e);
	}
	try {
		page.me = await api('GET', '/me').catch(() => null);
		const editable = s.user.role !== 'client_viewer' && canEdit(page.c);
		// Category names for the history; a role that may not list them sees numbers.
		const [all, group, contacts] = await Promise.all([
			api('GET', '/categories?limit=1000').catch(() => ({ items: [] })),
			editable ? api('GET', `/categories?group_id=${page.c.group_id}&active=true&limit=500`) : null,
			editable ? api('GET', `/contacts?client_id=${page.c.client_id}&active=true&limit=500`) : null,
		]);
		for (const x of all.items || []) page.categories.set(x.id, x);
		if (editable) {
			page.groupCategories = group.items || [];
			page.contacts = contacts.items || [];
			$('forms').hidden = false;
		}
		$('case').hidden = false;
		render();
		$('h-case').focus();
	} catch (e) {
		$('page-error').textContent = e.message;
	}
	document.body.dataset.ready = 'true';
}

// The language switch rewrites what the script wrote: the case, or the refusal.
initLang(() => (page.refused ? refuse(page.refused, false) : render()));
wire($('edit-form'), saveEdit);
wire($('handover-form'), saveHandover);
start();
