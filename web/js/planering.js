// Planning for leads: the week's schedule of a group (agents × days, shifts added and changed
// with keyboard or mouse), the coverage of a day (needed vs scheduled, gaps marked in colour,
// pattern and text), and the daily steering board (BA) kept live by the `wfm` stream events.
import { api, requireSession, logout, initLang, t, el, ApiError } from './api.js';

const s = requireSession();
const $ = (id) => document.getElementById(id);
const TZ = 'Europe/Stockholm';
let state = { groups: [], week: null, cov: null, board: null, editing: null };

const dateOf = (iso) => new Date(iso).toLocaleDateString('sv-SE', { timeZone: TZ });
const hm = (iso) => new Date(iso).toLocaleTimeString('sv-SE', { hour: '2-digit', minute: '2-digit', timeZone: TZ });
const n2 = (x) => (x === null || x === undefined ? '–' : (Math.round(x * 100) / 100).toLocaleString(t('sv-SE', 'en-GB')));
const pct = (x) => (x === null || x === undefined ? '–' : Math.round(x * 100) + '\u00a0%');
const KINDS = { shift: ['Arbetspass', 'Shift'], meeting: ['Möte', 'Meeting'], sick: ['Sjuk', 'Sick'],
	vacation: ['Semester', 'Vacation'], training: ['Utbildning', 'Training'] };
const kind = (k) => t(...(KINDS[k] || [k, k]));

function fail(e) {
	$('page-error').textContent = e instanceof ApiError ? e.message : String(e);
}

function isoWeek(d) {
	const x = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
	const day = (x.getUTCDay() + 6) % 7;
	x.setUTCDate(x.getUTCDate() - day + 3);
	const y = x.getUTCFullYear();
	const w1 = new Date(Date.UTC(y, 0, 4));
	const wk = 1 + Math.round(((x - w1) / 86400000 - 3 + ((w1.getUTCDay() + 6) % 7)) / 7);
	return `${y}-W${String(wk).padStart(2, '0')}`;
}

function weekDays() {
	if (!state.week) return [];
	const from = new Date(state.week.from).getTime() + 12 * 3600 * 1000;
	return [...Array(7).keys()].map((i) => dateOf(new Date(from + i * 86400000).toISOString()));
}

function table(caption, head, rows, attrsOf) {
	return el('table', { class: 'data' }, el('caption', { text: caption }),
		el('thead', {}, el('tr', {}, ...head.map((h) => el('th', { scope: 'col', text: h })))),
		el('tbody', {}, ...rows.map((r, i) => el('tr', attrsOf ? attrsOf(i) : {},
			...r.map((c, j) => (c instanceof Node ? el(j ? 'td' : 'th', j ? {} : { scope: 'row' }, c)
				: el(j ? 'td' : 'th', j ? { text: c } : { scope: 'row', text: c })))))));
}

// ---- the week view ------------------------------------------------------------------

function renderWeek() {
	const w = state.week;
	if (!w) return;
	const days = weekDays();
	const dayName = (d) => new Date(d + 'T12:00:00').toLocaleDateString(t('sv-SE', 'en-GB'), { weekday: 'short', day: 'numeric', month: 'numeric' });
	const cell = (user, day) => {
		const mine = w.shifts.filter((x) => (x.user_id === user || x.user_id === null) && dateOf(x.start) === day);
		return el('div', {}, ...mine.map((x) => el('button', {
			type: 'button', class: 'link shift-chip', 'data-shift': String(x.id),
			text: `${kind(x.kind)} ${hm(x.start)}–${hm(x.end)}${x.breaks.length ? t(' (rast ', ' (break ') + hm(x.breaks[0].start) + ')' : ''}${x.closes_group ? t(', stänger', ', closes') : ''}`,
		})), el('button', { type: 'button', class: 'link', 'data-add': `${user}|${day}`,
			'aria-label': t(`Lägg till pass ${day}`, `Add shift ${day}`), text: t('+ Lägg till', '+ Add') }));
	};
	const rows = w.agents.map((a) => [a.display_name + t(` (nivå ${a.skill})`, ` (level ${a.skill})`), ...days.map((d) => cell(a.user_id, d))]);
	$('weekview').replaceChildren(table(t(`Vecka ${w.week}`, `Week ${w.week}`), [t('Agent', 'Agent'), ...days.map(dayName)], rows));
	$('day').replaceChildren(...days.map((d) => el('option', { value: d, text: dayName(d) })));
	if (state.day && days.includes(state.day)) $('day').value = state.day;
	state.day = $('day').value;
	$('e-user').replaceChildren(el('option', { value: '', text: t('Hela gruppen (möte)', 'The whole group (meeting)') }),
		...w.agents.map((a) => el('option', { value: String(a.user_id), text: a.display_name })));
}

function openEditor(x, user, day) {
	state.editing = x;
	$('editor').hidden = false;
	$('editor-error').textContent = '';
	$('e-user').value = x ? String(x.user_id || '') : String(user || '');
	$('e-kind').value = x ? x.kind : 'shift';
	$('e-date').value = x ? dateOf(x.start) : day;
	$('e-start').value = x ? hm(x.start) : '08:00';
	$('e-end').value = x ? hm(x.end) : '16:00';
	$('e-bstart').value = x && x.breaks.length ? hm(x.breaks[0].start) : '';
	$('e-bend').value = x && x.breaks.length ? hm(x.breaks[0].end) : '';
	$('e-closes').checked = !!(x && x.closes_group);
	$('e-note').value = x && x.note ? x.note : '';
	$('e-delete').hidden = !x;
	$('h-editor').textContent = x ? t('Ändra pass', 'Change shift') : t('Nytt pass', 'New shift');
	$('e-start').focus();
}

async function saveEditor(ev) {
	ev.preventDefault();
	const d = $('e-date').value;
	const k = $('e-kind').value;
	const body = { group_id: Number($('group').value), kind: k, user_id: $('e-user').value ? Number($('e-user').value) : null,
		start: `${d}T${$('e-start').value}`, end: `${d}T${$('e-end').value}`, note: $('e-note').value || null };
	body.breaks = k === 'shift' && $('e-bstart').value && $('e-bend').value
		? [{ start: `${d}T${$('e-bstart').value}`, end: `${d}T${$('e-bend').value}` }] : [];
	if (k === 'meeting') body.closes_group = $('e-closes').checked;
	try {
		if (state.editing) await api('PATCH', `/shifts/${state.editing.id}`, body);
		else await api('POST', '/shifts', body);
		$('editor').hidden = true;
		state.day = d;
		await load();
		$('updated').textContent = t('Passet sparades.', 'The shift was saved.');
	} catch (e) {
		const errs = (e.problem && e.problem.errors) || [];
		$('editor-error').textContent = e.message + (errs.length ? ': ' + errs.map((x) => `${x.field} ${x.message}`).join('; ') : '');
	}
}

async function deleteEditor() {
	try {
		await api('DELETE', `/shifts/${state.editing.id}`);
		$('editor').hidden = true;
		await load();
		$('updated').textContent = t('Passet togs bort.', 'The shift was deleted.');
	} catch (e) {
		$('editor-error').textContent = e.message;
	}
}

// ---- coverage -------------------------------------------------------------------------

function statusText(st) {
	return st === 'short' ? t('▼ Underbemannat', '▼ Understaffed') : st === 'over' ? t('▲ Överbemannat', '▲ Overstaffed') : t('Täckt', 'Covered');
}

function renderCoverage() {
	const c = state.cov;
	if (!c) return;
	const rows = c.intervals.map((i) => [hm(i.start), n2(i.forecast), String(i.needed), n2(i.scheduled), n2(i.gap), statusText(i.status)]);
	$('coverage').replaceChildren(c.intervals.length
		? table(t(`Täckning ${c.date}`, `Coverage ${c.date}`),
			[t('Kvart', 'Interval'), t('Prognos', 'Forecast'), t('Behov', 'Needed'), t('Schemalagda', 'Scheduled'), t('Differens', 'Difference'), t('Läge', 'Status')],
			rows, (i) => ({ class: c.intervals[i].status === 'short' ? 'gap-short' : c.intervals[i].status === 'over' ? 'gap-over' : null,
				'data-start': hm(c.intervals[i].start) }))
		: el('p', { class: 'hint', text: t('Ingen prognos och inga pass den dagen.', 'No forecast and no shifts that day.') }));
	const q = `group_id=${c.group_id}&date=${c.date}`;
	$('csv').href = '#';
	$('xlsx').href = '#';
	$('csv').dataset.q = q;
	$('xlsx').dataset.q = q;
}

async function download(ev, ext) {
	ev.preventDefault();
	const res = await fetch(`/api/v1/coverage.${ext}?${ev.target.dataset.q}`, { headers: { Authorization: 'Bearer ' + s.token } });
	if (!res.ok) return fail(new Error('HTTP ' + res.status));
	const a = el('a', { href: URL.createObjectURL(await res.blob()), download: `tackning.${ext}` });
	a.click();
}

// ---- the steering board ----------------------------------------------------------------

function chart(b) {
	const list = b.intervals;
	const max = Math.max(1, ...list.map((i) => Math.max(i.forecast, i.actual || 0, i.reforecast || 0)));
	const W = 14;
	const H = 120;
	const ns = 'http://www.w3.org/2000/svg';
	const svg = document.createElementNS(ns, 'svg');
	svg.setAttribute('viewBox', `0 0 ${list.length * W + 2} ${H + 2}`);
	svg.setAttribute('role', 'img');
	svg.setAttribute('aria-label', t('Prognos (ljus stapel) mot utfall (mörk stapel) per kvart; samma siffror står i tabellen.',
		'Forecast (light bar) against actual (dark bar) per interval; the table has the same figures.'));
	svg.style.width = '100%';
	svg.style.maxHeight = '10rem';
	list.forEach((i, k) => {
		const bar = (v, x, w, cls) => {
			const r = document.createElementNS(ns, 'rect');
			const h = (v / max) * H;
			r.setAttribute('x', String(x)); r.setAttribute('y', String(H - h + 1));
			r.setAttribute('width', String(w)); r.setAttribute('height', String(h));
			r.setAttribute('class', cls);
			svg.appendChild(r);
		};
		bar(i.reforecast ?? i.forecast, k * W + 1, W - 2, 'chart-bar-fc');
		if (i.actual !== null) bar(i.actual, k * W + 4, W - 8, 'chart-bar-act');
	});
	return svg;
}

function renderBoard() {
	const b = state.board;
	if (!b) return;
	const tt = b.totals;
	$('board-totals').replaceChildren(el('dl', { class: 'facts' },
		el('dt', { text: t('Prognos hela dagen', 'Forecast, whole day') }), el('dd', { text: n2(tt.forecast_day) }),
		el('dt', { text: t('Samtal i dag hittills', 'Calls today so far') }), el('dd', { id: 'ba-actual', text: String(tt.actual_today) }),
		el('dt', { text: t('Avslutade kvartar: utfall mot prognos', 'Intervals over: actual against forecast') }),
		el('dd', { text: t(`${tt.actual_so_far} mot ${n2(tt.forecast_so_far)}`, `${tt.actual_so_far} against ${n2(tt.forecast_so_far)}`) }),
		el('dt', { text: t('Omprognos hela dagen', 'Re-forecast, whole day') }), el('dd', { text: `${n2(tt.reforecast_day)} (× ${n2(tt.reforecast_factor)})` }),
		el('dt', { text: t('Servicenivå i dag', 'Service level today') }), el('dd', { text: pct(tt.service_level) }),
		el('dt', { text: t('Inloggningsgrad', 'Login rate') }), el('dd', { id: 'ba-login-rate', text: pct(tt.login_rate) })));
	$('board-chart').replaceChildren(b.intervals.length ? chart(b) : '');
	const rows = b.intervals.map((i) => [hm(i.start) + (i.current ? t(' (nu)', ' (now)') : ''), n2(i.forecast), n2(i.reforecast),
		i.actual === null ? '–' : String(i.actual), String(i.needed), n2(i.scheduled), n2(i.logged_in), pct(i.service_level), pct(i.login_rate)]);
	$('board').replaceChildren(b.intervals.length
		? table(t('I dag per kvart', 'Today per interval'), [t('Kvart', 'Interval'), t('Prognos', 'Forecast'), t('Omprognos', 'Re-forecast'),
			t('Utfall', 'Actual'), t('Behov', 'Needed'), t('Schemalagda', 'Scheduled'), t('Inloggade', 'Logged in'), t('Servicenivå', 'Service level'),
			t('Inloggningsgrad', 'Login rate')], rows, (k) => ({ 'data-current': b.intervals[k].current ? 'true' : null }))
		: el('p', { class: 'hint', text: t('Ingen prognos, inga pass och inga samtal i dag.', 'No forecast, no shifts and no calls today.') }));
}

let boardTimer = null;
async function loadBoard() {
	state.board = await api('GET', `/wfm/today?group_id=${$('group').value}`);
	renderBoard();
	document.body.dataset.boardAt = String(Date.now());
}

function connect() {
	const es = new EventSource('/api/v1/acd/stream?access_token=' + encodeURIComponent(s.token));
	es.addEventListener('wfm', (ev) => {
		const g = JSON.parse(ev.data);
		if (String(g.group_id) !== $('group').value) return;
		// Several events in a burst make one fetch, well within a second.
		clearTimeout(boardTimer);
		boardTimer = setTimeout(() => loadBoard().catch(fail), 150);
	});
}

// ---- loading ----------------------------------------------------------------------------

async function load() {
	const g = $('group').value;
	const wk = $('week').value;
	$('page-error').textContent = '';
	state.week = await api('GET', `/schedules?group_id=${g}&week=${encodeURIComponent(wk)}`);
	renderWeek();
	state.cov = await api('GET', `/coverage?group_id=${g}&date=${state.day}`);
	renderCoverage();
	await loadBoard();
	document.body.dataset.ready = 'true';
}

function render() {
	renderWeek();
	renderCoverage();
	renderBoard();
}

async function start() {
	try {
		const groups = await api('GET', '/acd/groups');
		state.groups = groups.items || [];
		$('group').replaceChildren(...state.groups.map((x) => el('option', { value: String(x.group_id), text: x.name })));
		const want = new URLSearchParams(location.search).get('group');
		if (want && state.groups.some((x) => String(x.group_id) === want)) $('group').value = want;
		$('week').value = new URLSearchParams(location.search).get('week') || isoWeek(new Date());
		await load();
		connect();
	} catch (e) {
		fail(e);
	}
}

initLang(render);
$('sign-out').addEventListener('click', logout);
$('pick').addEventListener('submit', (ev) => { ev.preventDefault(); load().catch(fail); });
$('group').addEventListener('change', () => load().catch(fail));
$('day').addEventListener('change', async () => {
	state.day = $('day').value;
	try { state.cov = await api('GET', `/coverage?group_id=${$('group').value}&date=${state.day}`); renderCoverage(); } catch (e) { fail(e); }
});
$('weekview').addEventListener('click', (ev) => {
	const b = ev.target.closest('button');
	if (!b) return;
	if (b.dataset.shift) openEditor(state.week.shifts.find((x) => String(x.id) === b.dataset.shift));
	else if (b.dataset.add) {
		const [user, day] = b.dataset.add.split('|');
		openEditor(null, user, day);
	}
});
$('editor').addEventListener('submit', saveEditor);
$('e-delete').addEventListener('click', deleteEditor);
$('e-cancel').addEventListener('click', () => { $('editor').hidden = true; });
$('csv').addEventListener('click', (ev) => download(ev, 'csv').catch(fail));
$('xlsx').addEventListener('click', (ev) => download(ev, 'xlsx').catch(fail));
start();
