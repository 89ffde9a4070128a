// The wallboard: each response group's queue and agents, live from the stream's group events,
// and the daily steering (BA) in brief: forecast against actual calls so far today, agents
// needed against logged in now, and the login rate (GET /api/v1/wfm/summary).
import { api, requireSession, logout, initLang, t, el, seconds } from './api.js';

const s = requireSession();
const $ = (id) => document.getElementById(id);
const groups = new Map(); // group_id → { snap, got: ms when received }
const plan = new Map(); // group_id → the summary's line for the group
// The summary forecasts every group, so it is fetched at most every few seconds after
// the queue's events, and once a minute without them (the forecast moves with the clock).
const PLAN_AFTER_EVENT_MS = 3000;
const PLAN_EVERY_MS = 60000;
let planTimer = null;

function percent(x) {
	return x === null || x === undefined ? '–' : Math.round(x * 100) + '\u00a0%';
}

function big(cls, value, label) {
	return el('div', {}, el('span', { class: 'num ' + cls, text: value }), el('span', { class: 'lbl', text: label }));
}

const whole = (x) => (x === null || x === undefined ? '–' : String(Math.round(x)));

// Forecast vs actual, needed vs logged in, login rate: three pairs in large type.
function baLine(p) {
	if (!p) return null;
	const pair = (cls, a, b, label) => el('div', { class: cls },
		el('span', { class: 'pair', text: `${a}\u00a0/\u00a0${b}` }), el('span', { class: 'lbl', text: label }));
	return el('div', { class: 'ba', role: 'group', 'aria-label': t('Dagens styrning', "Today's steering") },
		p.forecast_available
			? pair('ba-calls', String(p.actual_today), whole(p.forecast_to_now), t('samtal i dag / prognos hittills', 'calls today / forecast so far'))
			: pair('ba-calls', String(p.actual_today), '–', t('samtal i dag / ingen prognos', 'calls today / no forecast')),
		pair('ba-agents', whole(p.logged_in_now), String(p.needed_now), t('inloggade / behov nu', 'logged in / needed now')),
		el('div', { class: 'ba-rate' }, el('span', { class: 'pair', text: percent(p.login_rate) }),
			el('span', { class: 'lbl', text: t('inloggningsgrad', 'login rate') })));
}

function tile(g, got) {
	const a = g.agents || {};
	const today = g.today || {};
	// The snapshot's longest wait grows while callers wait; count on between events.
	const longest = g.waiting > 0 ? g.longest_wait_s + (Date.now() - got) / 1000 : 0;
	const sl = today.offered ? today.service_level_60 : null;
	const node = el('section', { class: 'tile' + (g.waiting > 0 ? ' busy' : '') + (g.open ? '' : ' closed'),
		'data-group': String(g.group_id), 'aria-labelledby': 'g-' + g.group_id },
	el('h2', { id: 'g-' + g.group_id, text: g.name }),
	el('p', { class: 'open-flag ' + (g.open ? 'yes' : 'no'), text: g.open ? t('Öppen', 'Open') : t('Stängd', 'Closed') }),
	el('div', { class: 'big' },
		big('waiting', String(g.waiting), t('i kö', 'waiting')),
		big('longest', seconds(longest), t('längsta väntetid', 'longest wait')),
		big('sl', percent(sl), t('svar inom 60 s i dag', 'answered in 60 s today'))),
	el('ul', { class: 'agents', 'aria-label': t('Agenter', 'Agents') },
		el('li', {}, el('strong', { class: 'ready', text: String(a.ready || 0) }), ' ' + t('redo', 'ready')),
		el('li', {}, el('strong', { class: 'talking', text: String((a.talking || 0) + (a.offered || 0)) }), ' ' + t('i samtal', 'on calls')),
		el('li', {}, el('strong', { text: String(a.wrapup || 0) }), ' ' + t('efterarbete', 'wrap-up')),
		el('li', {}, el('strong', { text: String(a.paused || 0) }), ' ' + t('paus', 'paused')),
		el('li', {}, el('strong', { text: String(a.logged_in || 0) }), ' ' + t('inloggade', 'logged in'))),
	el('p', { class: 'hint', text: t(`I dag: ${today.offered || 0} erbjudna, ${today.answered || 0} besvarade, ${today.abandoned || 0} avbrutna`,
		`Today: ${today.offered || 0} offered, ${today.answered || 0} answered, ${today.abandoned || 0} abandoned`) }),
	baLine(plan.get(g.group_id)));
	return node;
}

function render() {
	const sorted = [...groups.values()].sort((x, y) => x.snap.group_id - y.snap.group_id);
	$('board').replaceChildren(...sorted.map((g) => tile(g.snap, g.got)));
	const now = new Date();
	$('clock').textContent = now.toLocaleTimeString(t('sv-SE', 'en-GB'), { hour: '2-digit', minute: '2-digit' });
}

async function loadPlan() {
	planTimer = null;
	try {
		const sum = await api('GET', '/wfm/summary');
		plan.clear();
		for (const p of sum.groups) plan.set(p.group_id, p);
		document.body.dataset.planAt = sum.at;
		render();
	} catch { /* the queue's figures stand alone; the next event tries again */ }
}

function planSoon() {
	if (!planTimer) planTimer = setTimeout(loadPlan, PLAN_AFTER_EVENT_MS);
}

function connect() {
	const es = new EventSource('/api/v1/acd/stream?access_token=' + encodeURIComponent(s.token));
	es.addEventListener('group', (ev) => {
		const g = JSON.parse(ev.data);
		groups.set(g.group_id, { snap: g, got: Date.now() });
		render();
		planSoon();
		$('updated').textContent = t('Uppdateras direkt när något ändras.', 'Updates as soon as anything changes.');
		if (!document.body.dataset.ready) document.body.dataset.readyMs = String(Math.round(performance.now()));
		document.body.dataset.ready = 'true';
	});
	es.addEventListener('error', async () => {
		if (es.readyState !== EventSource.CLOSED) return;
		// The server refused the stream: find out why to say something useful.
		let status = 0;
		try {
			status = (await fetch('/api/v1/acd/groups', { headers: { Authorization: 'Bearer ' + s.token } })).status;
		} catch { /* offline */ }
		$('page-error').textContent = status === 403
			? t('Din roll har inte tillgång till väggtavlan.', 'Your role has no access to the wallboard.')
			: status === 401 ? t('Inloggningen har gått ut. Logga in igen.', 'Your login has expired. Please log in again.')
				: t('Den levande uppdateringen avbröts; ladda om sidan.', 'The live updates stopped; reload the page.');
	});
}

// Kiosk mode (wallboard.html?kiosk=1) for a screen on the wall: no navigation, the board
// across the whole screen, numbers that grow with it; a button asks for full screen (the
// browser allows that only after a press, or with its own kiosk flag).
const kiosk = new URLSearchParams(location.search).get('kiosk') === '1';
if (kiosk) {
	document.body.classList.add('kiosk');
	const fs = $('btn-fullscreen');
	fs.hidden = !document.documentElement.requestFullscreen;
	fs.addEventListener('click', () => document.documentElement.requestFullscreen().catch(() => {}));
	document.addEventListener('fullscreenchange', () => { fs.hidden = !!document.fullscreenElement; });
}

initLang(render);
$('sign-out').addEventListener('click', logout);
connect();
loadPlan();
setInterval(render, 1000);
setInterval(planSoon, PLAN_EVERY_MS);
