// The public feedback form (Tyck till): POST /api/v1/public/feedback, no login. The server
// validates; its field errors appear under the fields they name.
import { api, initLang, t, el, ApiError } from './api.js';

const $ = (id) => document.getElementById(id);
const form = $('feedback');
const FIELDS = { kind: 'f-kind', client_id: 'f-client', message: 'f-message', address: 'f-address', name: 'f-name', email: 'f-email', phone: 'f-phone' };
let clients = [];
let receipt = null;

function renderClients() {
	const sel = $('f-client'), keep = sel.value;
	const first = sel.options[0];
	sel.replaceChildren(first, ...clients.map((c) => el('option', { value: String(c.id), text: c.name })));
	sel.value = keep;
}

function clearErrors() {
	$('form-error').textContent = '';
	for (const [field, id] of Object.entries(FIELDS)) {
		$('err-' + field).textContent = '';
		const target = field === 'kind' ? form.querySelectorAll('input[name=kind]') : [$(id)];
		for (const x of target) x.removeAttribute('aria-invalid');
	}
}

function showErrors(problem) {
	let first = null;
	const other = [];
	for (const e of problem.errors || []) {
		if (!FIELDS[e.field]) {
			other.push(`${e.field}: ${e.message}`);
			continue;
		}
		$('err-' + e.field).textContent = e.message;
		const targets = e.field === 'kind' ? [...form.querySelectorAll('input[name=kind]')] : [$(FIELDS[e.field])];
		for (const x of targets) x.setAttribute('aria-invalid', 'true');
		if (!first) first = targets[0];
	}
	if (other.length || !first) $('form-error').textContent = other.length ? other.join(' · ') : problem.detail || problem.title || '';
	if (first) first.focus();
}

function renderDone() {
	if (!receipt) return;
	$('done-text').textContent = t(`Ditt meddelande har nummer ${receipt.case_id}. Ange numret om du kontaktar oss om det.`,
		`Your message has number ${receipt.case_id}. Quote it if you contact us about it.`);
	$('done-text').prepend(el('span', { text: receipt.message + ' ' }));
}

function count() {
	$('count').textContent = String([...$('f-message').value].length);
}

initLang(() => { renderDone(); count(); });
$('f-message').addEventListener('input', count);
// An error goes away once its field is edited.
form.addEventListener('input', (ev) => {
	// A fault report may say where: the address field shows only for it.
	if (ev.target.name === 'kind') $('place').hidden = ev.target.value !== 'fault_report';
	const field = ev.target.name === 'kind' ? 'kind' : Object.keys(FIELDS).find((k) => FIELDS[k] === ev.target.id);
	if (!field || !$('err-' + field).textContent) return;
	$('err-' + field).textContent = '';
	const targets = field === 'kind' ? form.querySelectorAll('input[name=kind]') : [ev.target];
	for (const x of targets) x.removeAttribute('aria-invalid');
});
form.addEventListener('submit', async (ev) => {
	ev.preventDefault();
	clearErrors();
	const kind = form.querySelector('input[name=kind]:checked');
	const body = {
		kind: kind ? kind.value : '',
		client_id: $('f-client').value ? Number($('f-client').value) : null,
		message: $('f-message').value,
	};
	if (body.kind === 'fault_report' && $('f-address').value.trim()) body.address = $('f-address').value.trim();
	for (const k of ['name', 'email', 'phone']) {
		const v = $('f-' + k).value.trim();
		if (v) body[k] = v;
	}
	$('send').disabled = true;
	try {
		receipt = await api('POST', '/public/feedback', body);
		$('form-panel').hidden = true;
		$('done').hidden = false;
		renderDone();
		$('h-done').focus();
	} catch (e) {
		if (e instanceof ApiError && e.status === 422) showErrors(e.problem);
		else if (e instanceof ApiError && e.status === 429) {
			// Several messages in a short while: the server says how long to wait (in the
			// page's language); the form keeps what was written.
			$('form-error').textContent = (e.problem.title ? e.problem.title + '. ' : '') + (e.problem.detail || '');
			$('form-error').focus();
		} else $('form-error').textContent = t('Meddelandet kunde inte skickas just nu. Försök igen om en stund.',
			'The message could not be sent just now. Please try again shortly.');
	} finally {
		$('send').disabled = false;
	}
});

try {
	clients = ((await api('GET', '/public/contact')).feedback || {}).clients || [];
	clients.sort((a, b) => a.name.localeCompare(b.name, 'sv'));
	renderClients();
	document.body.dataset.ready = 'true';
} catch {
	$('form-error').textContent = t('Formuläret kunde inte laddas. Försök igen om en stund.', 'The form could not be loaded. Please try again shortly.');
}
