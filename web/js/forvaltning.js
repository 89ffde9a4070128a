// The department's page (client_viewer): the cases handed over to them, overdue first with
// due dates in working days; answer, ask back, take over or close; their knowledge-base
// articles; their monthly report.
import { api, requireSession, logout, initLang, t, el, lang, session, ApiError } from './api.js';

const s = requireSession();
const $ = (id) => document.getElementById(id);
const data = { handovers: [], articles: [], current: null };

const hstatus = {
	open: ['Väntar på er', 'Waiting for you'],
	question: ['Väntar på kontaktcentret (er fråga)', 'Waiting for the center (your question)'],
};
const cstatus = {
	open: ['Öppet hos kontaktcentret', 'Open at the contact center'],
	waiting_for_department: ['Väntar på förvaltningen', 'Waiting for the department'],
	waiting_for_citizen: ['Väntar på medborgaren', 'Waiting for the citizen'],
	closed: ['Avslutat', 'Closed'],
};
const name = (map, k) => (map[k] ? t(...map[k]) : k);

function due(h) {
	const d = h.working_days_left;
	if (d === null || d === undefined) return h.due_date;
	if (d < 0) return t(`${h.due_date} – ${-d} arbetsdagar försenat`, `${h.due_date} – ${-d} working days overdue`);
	if (d === 0) return t(`${h.due_date} – i dag`, `${h.due_date} – today`);
	return t(`${h.due_date} – ${d} arbetsdagar kvar`, `${h.due_date} – ${d} working days left`);
}

function renderHandovers() {
	const list = data.handovers;
	if (!list.length) {
		$('handovers').replaceChildren(el('p', { class: 'hint', id: 'no-handovers', text: t('Inga ärenden väntar på er.', 'No cases are waiting for you.') }));
		return;
	}
	const head = [t('Ärende', 'Case'), t('Svar senast', 'Due'), t('Kategori', 'Category'), t('Enhet', 'Sub-unit'),
		t('Vad ni ombeds göra', 'What you are asked'), t('Läge', 'State'), t('Åtgärd', 'Action')];
	const rows = list.map((h) => el('tr', { id: 'ho-' + h.id, class: h.overdue ? 'late' : null },
		el('th', { scope: 'row' }, el('a', { href: `case.html?id=${h.case_id}`, text: '#' + h.case_id })),
		el('td', { class: 'text' }, h.overdue ? el('strong', { text: due(h) }) : due(h)),
		el('td', { class: 'text', text: h.category }),
		el('td', { class: 'text', text: h.client_unit || '–' }),
		el('td', { class: 'text', text: h.message }),
		el('td', { class: 'text', text: name(hstatus, h.status) }),
		el('td', {}, el('button', { type: 'button', class: 'handle', 'data-id': String(h.id),
			'aria-label': t(`Hantera ärende ${h.case_id}`, `Handle case ${h.case_id}`), text: t('Hantera', 'Handle') }))));
	const late = list.filter((h) => h.overdue).length;
	$('handovers').replaceChildren(el('table', { class: 'data', id: 'handover-table' },
		el('caption', { text: t(`${list.length} väntande, varav ${late} försenade`, `${list.length} waiting, ${late} overdue`) }),
		el('thead', {}, el('tr', {}, ...head.map((x, i) => el('th', { scope: 'col', text: x, class: i > 1 ? 'text' : null })))),
		el('tbody', {}, ...rows)));
}

function renderKb() {
	$('kb').replaceChildren(data.articles.length
		? el('ul', { class: 'kb-results', id: 'kb-list' }, ...data.articles.map((a) => el('li', {},
			el('h3', {}, el('a', { href: 'kb.html', text: a.title })))))
		: el('p', { class: 'hint', text: t('Inga artiklar för er förvaltning.', 'No articles for your department.') }));
}

function renderAct() {
	const h = data.current;
	$('act').hidden = !h;
	if (!h) return;
	$('h-act').textContent = t(`Hantera ärende ${h.case_id}`, `Handle case ${h.case_id}`);
	const facts = [[t('Kategori', 'Category'), h.category], [t('Sammanfattning', 'Summary'), h.case_summary],
		[t('Vad ni ombeds göra', 'What you are asked'), h.message], [t('Svar senast', 'Due'), due(h)],
		[t('Mottagare', 'Receiver'), h.contact]];
	if (h.question) facts.push([t('Er fråga', 'Your question'), h.question]);
	if (h.reply) facts.push([t('Kontaktcentrets svar', "The center's reply"), h.reply]);
	$('act-facts').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { class: 'text', text: v || '–' })]));
	$('act-open').href = `case.html?id=${h.case_id}`;
	// A question is asked once; while it is open only an answer or take-over is left.
	$('a-question').disabled = h.status !== 'open';
	if (h.status !== 'open' && $('a-question').checked) $('a-answer').checked = true;
	$('informed-row').hidden = !$('a-close').checked;
}

function render() {
	renderHandovers();
	renderKb();
	renderAct();
}

function fail(e) {
	$('page-error').textContent = e instanceof ApiError && e.status === 401
		? t('Inloggningen har gått ut. Logga in igen.', 'Your login has expired. Please log in again.') : e.message;
}

async function load() {
	const [ho, kb] = await Promise.all([
		api('GET', '/handovers?open=true&limit=500'),
		api('GET', '/kb/articles?limit=10').catch(() => ({ items: [] })),
	]);
	data.handovers = ho.items || [];
	data.articles = kb.items || [];
	if (data.current) data.current = data.handovers.find((h) => h.id === data.current.id) || null;
	render();
	document.body.dataset.ready = 'true';
}

function pick(id) {
	data.current = data.handovers.find((h) => h.id === id) || null;
	$('act-error').textContent = '';
	$('err-text').textContent = '';
	$('a-text').value = '';
	renderAct();
	$('h-act').focus();
}

async function send() {
	const h = data.current;
	const action = document.querySelector('input[name="action"]:checked').value;
	const text = $('a-text').value.trim();
	$('act-error').textContent = '';
	$('err-text').textContent = '';
	$('a-text').removeAttribute('aria-invalid');
	if (!text) {
		$('err-text').textContent = t('Skriv en text.', 'Write a text.');
		$('a-text').setAttribute('aria-invalid', 'true');
		$('a-text').focus();
		return;
	}
	const body = action === 'question' ? { question: text }
		: action === 'takeover' ? { text }
			: { answer: text, close: action === 'close' };
	if (action === 'close' && $('a-informed').value) body.citizen_informed = $('a-informed').value;
	const path = action === 'question' ? 'question' : action === 'takeover' ? 'takeover' : 'answer';
	try {
		const c = await api('POST', `/handovers/${h.id}/${path}`, body);
		data.current = null;
		await load();
		$('done').textContent = t(`Ärende ${c.id}: skickat. Status nu: ${name(cstatus, c.status)}.`,
			`Case ${c.id}: sent. Status now: ${name(cstatus, c.status)}.`);
		$('done').dataset.status = c.status;
		$('done').focus();
	} catch (e) {
		const errs = (e.problem && e.problem.errors) || [];
		const field = errs.find((x) => ['answer', 'question', 'text'].includes(x.field));
		if (field) {
			$('err-text').textContent = field.message;
			$('a-text').setAttribute('aria-invalid', 'true');
			$('a-text').focus();
		} else {
			$('act-error').textContent = e.message;
		}
	}
}

// The report needs the login's token, so it is fetched and handed to the browser as a file.
async function download(format) {
	$('r-error').textContent = '';
	const month = $('r-month').value;
	if (!/^\d{4}-\d{2}$/.test(month)) {
		$('r-error').textContent = t('Välj en månad.', 'Choose a month.');
		$('r-month').focus();
		return;
	}
	const q = `month=${month}&format=${format}&client_id=${s.user.client_id || ''}`;
	const res = await fetch('/api/v1/reports/monthly?' + q,
		{ headers: { Authorization: 'Bearer ' + session().token, 'Accept-Language': lang() } });
	if (!res.ok) {
		let p = null;
		try { p = await res.json(); } catch { p = null; }
		$('r-error').textContent = (p && (p.detail || p.title)) || 'HTTP ' + res.status;
		return;
	}
	const url = URL.createObjectURL(await res.blob());
	const a = el('a', { href: url, download: `manadsrapport-${month}.${format}` });
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10000);
}

initLang(render);
if (s.user.role !== 'client_viewer') $('page-error').textContent =
	t('Sidan är för förvaltningarnas användare; du ser det din roll får se.', "The page is for the departments' users; you see what your role may see.");
$('sign-out').addEventListener('click', logout);
$('handovers').addEventListener('click', (ev) => {
	const b = ev.target.closest('button.handle');
	if (b) pick(Number(b.dataset.id));
});
$('act-form').addEventListener('change', () => { $('informed-row').hidden = !$('a-close').checked; });
$('act-form').addEventListener('submit', (ev) => { ev.preventDefault(); send(); });
$('a-text').addEventListener('keydown', (ev) => {
	if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); send(); }
});
$('act-cancel').addEventListener('click', () => {
	const id = data.current && data.current.id;
	data.current = null;
	renderAct();
	const b = id && document.querySelector(`#ho-${id} button.handle`);
	(b || $('h-handovers')).focus();
});
$('report-form').addEventListener('submit', (ev) => { ev.preventDefault(); download('pdf').catch(fail); });
$('r-xlsx').addEventListener('click', () => download('xlsx').catch(fail));
{
	const d = new Date();
	d.setMonth(d.getMonth() - 1);
	$('r-month').value = d.toLocaleDateString('sv-SE', { timeZone: 'Europe/Stockholm' }).slice(0, 7);
}
load().catch(fail);
