// Telephony on the administration page (admins only): the crisis message, announcements
// and survey/recording policy per group, and the voice menu of each entry number
// (docs/api.md, "Telephony administration"). The server checks everything and names the
// field of each problem; this page shows the problem next to that field.
import { api, t, el, applyLang, ApiError } from './api.js';

const $ = (id) => document.getElementById(id);
let tel = null; // GET /telephony
let groups = []; // [{id, name}]

function option(value, text) {
	return el('option', { value: String(value), text });
}

function status(id, sv, en) {
	const p = $(id);
	p.dataset.sv = sv;
	p.dataset.en = en;
	p.textContent = t(sv, en);
}

function clear(form) {
	for (const p of form.querySelectorAll('.field-error')) p.replaceChildren();
	for (const x of form.querySelectorAll('[aria-invalid]')) x.removeAttribute('aria-invalid');
	for (const p of form.querySelectorAll('[role="status"]')) p.textContent = '';
}

// The problem's errors go next to the control named by their field; the first gets focus.
function showProblem(e, map, fallback) {
	const list = e instanceof ApiError && e.problem && e.problem.errors && e.problem.errors.length
		? e.problem.errors : [{ field: '', message: e instanceof ApiError && e.problem ? (e.problem.detail || e.problem.title) : e.message }];
	let first = null;
	for (const x of list) {
		const base = String(x.field || '').split(/[.[]/)[0];
		const [errId, inputId] = map[base] || fallback;
		const box = $(errId);
		const text = x.field ? `${x.field}: ${x.message}` : x.message;
		box.append(box.tagName === 'UL' ? el('li', { text }) : el('span', { text: (box.textContent ? ' ' : '') + text }));
		const input = $(inputId);
		if (input) {
			input.setAttribute('aria-invalid', 'true');
			if (!first) first = input;
		}
	}
	if (first) first.focus();
}

function groupName(id) {
	const g = groups.find((x) => x.id === id);
	return g ? g.name : '#' + id;
}

function fillSelects() {
	for (const id of ['ta-group', 'tp-group']) {
		const sel = $(id);
		const keep = sel.value;
		sel.replaceChildren(...groups.map((g) => option(g.id, g.name)));
		if (keep) sel.value = keep;
	}
	const num = $('tm-number');
	const keep = num.value;
	num.replaceChildren(...tel.entries.map((e) => option(e.number, `${e.number} (${groupName(e.group_id)})`)));
	if (keep) num.value = keep;
}

function showCrisis() {
	$('tc-active').checked = !!tel.crisis.active;
	$('tc-text').placeholder = tel.crisis.text || '';
}

function showAnnouncement() {
	const g = Number($('ta-group').value);
	const a = tel.announcements.find((x) => x.group_id === g);
	$('ta-text').value = a && a.text ? a.text : '';
	$('ta-active').checked = a ? a.active : true;
	$('ta-file').value = '';
	$('ta-delete').disabled = !a;
}

function showPolicy() {
	const g = Number($('tp-group').value);
	const p = tel.policies.find((x) => x.group_id === g) || { record: false, recording_days: 0, survey: null, survey_calls: 0 };
	$('tp-record').checked = p.record;
	$('tp-days').value = String(p.recording_days);
	$('tp-survey').checked = !!(p.survey && p.survey.active !== false);
	$('tp-questions').value = p.survey ? p.survey.questions.map((q) => (typeof q === 'string' ? q : `${q.prompt}:${q.max}`)).join('\n') : '';
	$('tp-max').value = p.survey && p.survey.max_answers ? String(p.survey.max_answers) : '';
	const c = $('tp-count');
	c.dataset.sv = `${p.survey_calls} besvarade enkäter hittills.`;
	c.dataset.en = `${p.survey_calls} answered surveys so far.`;
	c.textContent = t(c.dataset.sv, c.dataset.en);
}

function showMenu() {
	const e = tel.entries.find((x) => x.number === $('tm-number').value);
	$('tm-menu').value = e && e.menu ? JSON.stringify(e.menu, null, 2) : '';
}

async function reload() {
	tel = await api('GET', '/telephony');
	fillSelects();
	showCrisis();
	showAnnouncement();
	showPolicy();
	showMenu();
}

function readFile(file) {
	return new Promise((resolve, reject) => {
		const r = new FileReader();
		r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
		r.onerror = () => reject(r.error);
		r.readAsDataURL(file);
	});
}

async function saveCrisis(ev) {
	ev.preventDefault();
	const form = $('tel-crisis');
	clear(form);
	const body = { active: $('tc-active').checked };
	const text = $('tc-text').value.trim();
	if (text) body.text = text;
	try {
		await api('PUT', '/telephony/crisis', body);
		await reload();
		$('tc-text').value = '';
		status('tc-status', body.active ? 'Krismeddelandet är på.' : 'Krismeddelandet är av.', body.active ? 'The crisis message is on.' : 'The crisis message is off.');
	} catch (e) {
		showProblem(e, { text: ['tc-err', 'tc-text'], active: ['tc-err', 'tc-active'] }, ['tc-err', 'tc-text']);
	}
}

async function saveAnnouncement(ev) {
	ev.preventDefault();
	const form = $('tel-ann');
	clear(form);
	const g = $('ta-group').value;
	const body = { active: $('ta-active').checked };
	const file = $('ta-file').files[0];
	const text = $('ta-text').value.trim();
	const current = tel.announcements.find((x) => x.group_id === Number(g));
	if (file) body.wav_base64 = await readFile(file);
	else if (text && (!current || text !== current.text)) body.text = text;
	try {
		await api('PUT', `/telephony/groups/${g}/announcement`, body);
		await reload();
		$('ta-group').value = g;
		showAnnouncement();
		status('ta-status', 'Talsvaret är sparat.', 'The announcement is saved.');
	} catch (e) {
		showProblem(e, { text: ['ta-err', 'ta-text'], wav_base64: ['ta-err', 'ta-file'], active: ['ta-err', 'ta-active'] }, ['ta-err', 'ta-text']);
	}
}

async function deleteAnnouncement() {
	const form = $('tel-ann');
	clear(form);
	const g = $('ta-group').value;
	try {
		await api('DELETE', `/telephony/groups/${g}/announcement`);
		await reload();
		$('ta-group').value = g;
		showAnnouncement();
		status('ta-status', 'Talsvaret är borttaget.', 'The announcement is removed.');
		$('ta-group').focus();
	} catch (e) {
		showProblem(e, {}, ['ta-err', 'ta-group']);
	}
}

function readQuestions() {
	return $('tp-questions').value.split('\n').map((x) => x.trim()).filter(Boolean).map((line) => {
		const m = /^([^:]+):(\d+)$/.exec(line);
		return m ? { prompt: m[1].trim(), max: Number(m[2]) } : line;
	});
}

async function savePolicy(ev) {
	ev.preventDefault();
	const form = $('tel-policy');
	clear(form);
	const g = $('tp-group').value;
	const days = $('tp-days').value.trim();
	const max = $('tp-max').value.trim();
	const questions = readQuestions();
	const body = { record: $('tp-record').checked, recording_days: /^\d+$/.test(days) ? Number(days) : days };
	if (questions.length || $('tp-survey').checked)
		body.survey = { active: $('tp-survey').checked, questions, max_answers: max === '' ? null : /^\d+$/.test(max) ? Number(max) : max };
	else body.survey = null;
	try {
		await api('PATCH', `/telephony/groups/${g}/policy`, body);
		await reload();
		$('tp-group').value = g;
		showPolicy();
		status('tp-status', 'Sparat.', 'Saved.');
	} catch (e) {
		showProblem(e, { recording_days: ['tp-err-days', 'tp-days'], survey: ['tp-err-survey', 'tp-questions'], record: ['tp-err-survey', 'tp-record'] },
			['tp-err-survey', 'tp-group']);
	}
}

async function saveMenu(ev) {
	ev.preventDefault();
	const form = $('tel-menu');
	clear(form);
	const text = $('tm-menu').value.trim();
	let menu = null;
	if (text) {
		try {
			menu = JSON.parse(text);
		} catch (err) {
			showProblem(new Error(t('Menyn är inte giltig JSON: ', 'The menu is not valid JSON: ') + err.message), {}, ['tm-err', 'tm-menu']);
			return;
		}
	}
	const number = $('tm-number').value;
	try {
		await api('PUT', '/telephony/menus', { number, menu });
		await reload();
		$('tm-number').value = number;
		showMenu();
		status('tm-status', 'Menyn är sparad.', 'The menu is saved.');
	} catch (e) {
		showProblem(e, { menu: ['tm-err', 'tm-menu'], number: ['tm-err', 'tm-number'] }, ['tm-err', 'tm-menu']);
	}
}

async function start() {
	try {
		tel = await api('GET', '/telephony');
	} catch (e) {
		return; // not an admin (403): the section stays hidden
	}
	const r = await api('GET', '/groups?limit=1000');
	groups = (r.items || []).map((g) => ({ id: g.id, name: g.name }));
	fillSelects();
	showCrisis();
	showAnnouncement();
	showPolicy();
	showMenu();
	$('ta-group').addEventListener('change', showAnnouncement);
	$('tp-group').addEventListener('change', showPolicy);
	$('tm-number').addEventListener('change', showMenu);
	$('tel-crisis').addEventListener('submit', saveCrisis);
	$('tel-ann').addEventListener('submit', (ev) => saveAnnouncement(ev).catch((e) => showProblem(e, {}, ['ta-err', 'ta-file'])));
	$('ta-delete').addEventListener('click', deleteAnnouncement);
	$('tel-policy').addEventListener('submit', savePolicy);
	$('tel-menu').addEventListener('submit', saveMenu);
	applyLang($('tel-admin'));
	$('tel-admin').hidden = false;
	document.body.dataset.telReady = 'true';
}

start();
