// The wallboard: each response group's queue and agents, live from the stream's group events,
// judged against the group's targets (ok, warning, alarm: by colour and by symbol and word);
// agents per state with the longest time in it, e-mails waiting and the oldest
// (GET /api/v1/wallboard); and the daily steering (BA) in brief: forecast against actual calls
// so far today, agents needed against logged in now, and the login rate (GET /api/v1/wfm/summary).
//
// A wall screen logs in with a display token an admin issued: it opens
// wallboard.html?kiosk=1#token=…, the page moves the token into its session and takes it out of
// the address bar (a fragment is never sent to the server, so it stays out of access logs).
import { api, requireSession, logout, initLang, t, el, seconds, saveSession, clearSession, ApiError } from './api.js';
import { judgeGroup, LEVEL_TEXT } from './wallboard-status.js';
import { pagesOf, pageSeconds } from './wallboard-pages.js';

const fromFragment = new URLSearchParams(location.hash.replace(/^#/, '')).get('token');
if (fromFragment) {
	saveSession({ token: fromFragment, user_id: 0, role: 'wallboard', client_id: null });
	history.replaceState(null, '', location.pathname + location.search);
}

const s = requireSession();
const display = s.user.role === 'wallboard';
const $ = (id) => document.getElementById(id);
const groups = new Map(); // group_id → { snap, got: ms when received }
const plan = new Map(); // group_id → the summary's line for the group
let board = null; // GET /api/v1/wallboard: targets, agent states, e-mail
let boardGot = 0; // ms when it arrived (times in state count on from there)
let ended = false; // the login was refused: the board is replaced by a message
// The summary forecasts every group, so it is fetched at most every few seconds after
// the queue's events, and once a minute without them (the forecast moves with the clock).
const PLAN_AFTER_EVENT_MS = 3000;
const PLAN_EVERY_MS = 60000;
const BOARD_AFTER_EVENT_MS = 2000;
const BOARD_EVERY_MS = 15000;
let planTimer = null, boardTimer = null;

function percent(x) {
	return x === null || x === undefined ? '–' : Math.round(x * 100) + '\u00a0%';
}

// One figure with its label and, when the group has a target for it, its level as symbol
// and word (the colour only repeats them).
function big(cls, value, label, level) {
	const lt = LEVEL_TEXT[level] || LEVEL_TEXT.none;
	return el('div', { class: 'fig level-' + level },
		el('span', { class: 'num ' + cls, text: value }), el('span', { class: 'lbl', text: label }),
		level && level !== 'none' ? el('span', { class: 'lvl' }, el('span', { 'aria-hidden': 'true', text: lt.icon + ' ' }), t(lt.sv, lt.en)) : null);
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

const STATES = [
	['ready', 'redo', 'ready'], ['offered', 'erbjuds samtal', 'being offered'], ['talking', 'i samtal', 'on calls'],
	['wrapup', 'efterarbete', 'wrap-up'], ['paused', 'paus', 'paused'], ['logged_in', 'inloggade, ej redo', 'logged in, not ready'],
];

function minutes(s) {
	if (s === null || s === undefined) return '–';
	const m = Math.floor(s / 60);
	return m >= 60 ? `${Math.floor(m / 60)}\u00a0h ${m % 60}\u00a0min` : `${m}\u00a0min`;
}

// Agents per state with the longest time one has been in it (from the board's figures, which
// name no one), or the stream's counts until those have arrived.
function agentList(g, info) {
	const a = g.agents || {};
	const st = info && info.agent_states;
	const since = (Date.now() - boardGot) / 1000;
	const items = st
		? STATES.filter(([k]) => st[k] && st[k].count).map(([k, sv, en]) => el('li', { 'data-state': k },
			el('strong', { class: k === 'ready' ? 'ready' : k === 'talking' ? 'talking' : null, text: String(st[k].count) }),
			' ' + t(sv, en), el('span', { class: 'since', text: ' · ' + t('längst ', 'longest ') + seconds(st[k].longest_s + since) })))
		: [el('li', {}, el('strong', { class: 'ready', text: String(a.ready || 0) }), ' ' + t('redo', 'ready')),
			el('li', {}, el('strong', { class: 'talking', text: String((a.talking || 0) + (a.offered || 0)) }), ' ' + t('i samtal', 'on calls')),
			el('li', {}, el('strong', { text: String(a.wrapup || 0) }), ' ' + t('efterarbete', 'wrap-up')),
			el('li', {}, el('strong', { text: String(a.paused || 0) }), ' ' + t('paus', 'paused'))];
	if (!items.length) items.push(el('li', { text: t('Ingen agent inloggad', 'No agent logged in') }));
	return el('ul', { class: 'agents', 'aria-label': t(`Agenter: ${a.logged_in || 0} inloggade`, `Agents: ${a.logged_in || 0} logged in`) }, ...items);
}

function tile(g, got) {
	const today = g.today || {};
	const info = board && board.groups.find((x) => x.group_id === g.group_id);
	const targets = info ? info.targets : null;
	// The snapshot's longest wait grows while callers wait; count on between events.
	const longest = g.waiting > 0 ? g.longest_wait_s + (Date.now() - got) / 1000 : 0;
	const slSecs = targets && targets.target_sl_s === 180 ? 180 : 60;
	const sl = today.offered ? (slSecs === 180 ? today.service_level_180 : today.service_level_60) : null;
	const j = judgeGroup(g, targets, longest);
	const lt = LEVEL_TEXT[j.tile];
	const slLabel = targets && targets.target_sl_pct
		? t(`svar inom ${slSecs} s i dag (mål ${targets.target_sl_pct} %)`, `answered in ${slSecs} s today (target ${targets.target_sl_pct} %)`)
		: t(`svar inom ${slSecs} s i dag`, `answered in ${slSecs} s today`);
	const abandon = today.offered ? today.abandon_rate : null;
	return el('section', { class: `tile level-${j.tile}` + (g.waiting > 0 ? ' busy' : '') + (g.open ? '' : ' closed'),
		'data-group': String(g.group_id), 'data-level': j.tile, 'aria-labelledby': 'g-' + g.group_id },
	el('h2', { id: 'g-' + g.group_id, text: g.name }),
	el('p', { class: 'flags' },
		el('span', { class: 'open-flag ' + (g.open ? 'yes' : 'no'), text: g.open ? t('Öppen', 'Open') : t('Stängd', 'Closed') }),
		j.tile !== 'none' ? el('span', { class: 'tile-level', 'data-level': j.tile },
			el('span', { 'aria-hidden': 'true', text: lt.icon + ' ' }), t(lt.sv, lt.en)) : null),
	el('div', { class: 'big' },
		big('waiting', String(g.waiting), t('i kö', 'waiting'), 'none'),
		big('longest', seconds(longest), targets && targets.wait_alarm_s
			? t(`längsta väntetid (larm ${seconds(targets.wait_alarm_s)})`, `longest wait (alarm ${seconds(targets.wait_alarm_s)})`)
			: t('längsta väntetid', 'longest wait'), j.wait),
		big('sl', percent(sl), slLabel, j.sl),
		big('abandon', percent(abandon), targets && targets.abandon_alarm_pct !== null && targets && targets.abandon_alarm_pct !== undefined
			? t(`avbrutna i dag (larm ${targets.abandon_alarm_pct} %)`, `abandoned today (alarm ${targets.abandon_alarm_pct} %)`)
			: t('avbrutna i dag', 'abandoned today'), j.abandon)),
	agentList(g, info),
	el('p', { class: 'hint', text: t(`I dag: ${today.offered || 0} erbjudna, ${today.answered || 0} besvarade, ${today.abandoned || 0} avbrutna`,
		`Today: ${today.offered || 0} offered, ${today.answered || 0} answered, ${today.abandoned || 0} abandoned`) }),
	baLine(plan.get(g.group_id)));
}

// E-mails no agent has taken on yet, and how long the oldest has waited.
function mailTile() {
	if (!board) return null;
	const m = board.email || {};
	const waited = m.oldest_received_at ? Date.now() / 1000 - m.oldest_received_at : null;
	const since = m.oldest_received_at
		? new Date(m.oldest_received_at * 1000).toLocaleString(t('sv-SE', 'en-GB'), { timeZone: 'Europe/Stockholm', dateStyle: 'short', timeStyle: 'short' })
		: null;
	return el('section', { class: 'tile mail', id: 'mail-tile', 'aria-labelledby': 'h-mail' },
		el('h2', { id: 'h-mail', text: t('E-post', 'E-mail') }),
		el('div', { class: 'big' },
			el('div', { class: 'fig' }, el('span', { class: 'num', id: 'mail-waiting', text: String(m.waiting || 0) }),
				el('span', { class: 'lbl', text: t('e-brev väntar', 'e-mails waiting') })),
			el('div', { class: 'fig' }, el('span', { class: 'num', id: 'mail-oldest', text: waited === null ? '–' : minutes(waited) }),
				el('span', { class: 'lbl', text: since ? t(`äldsta, inkom ${since}`, `oldest, arrived ${since}`) : t('äldsta', 'oldest') }))));
}

function render() {
	if (ended) return;
	const shown = board ? new Set(board.groups.map((g) => g.group_id)) : null;
	const sorted = [...groups.values()].filter((g) => !shown || shown.has(g.snap.group_id))
		.sort((x, y) => x.snap.group_id - y.snap.group_id);
	$('board').replaceChildren(...sorted.map((g) => tile(g.snap, g.got)), mailTile());
	paginate();
	const now = new Date();
	$('clock').textContent = now.toLocaleTimeString(t('sv-SE', 'en-GB'), { hour: '2-digit', minute: '2-digit' });
	if (board && board.display) $('display-name').textContent = board.display.name;
}

// Kiosk paging: the tiles that fit on the screen, the rest on further pages turned every
// page_s seconds; groups in alarm on every page (wallboard-pages.js). Measured on the laid
// out board before the browser paints, so nothing moves but the page turn itself (which is
// instant: no transition, whatever prefers-reduced-motion says).
let pageNo = 0;
function paginate() {
	const b = $('board'), ind = $('page-indicator');
	const tiles = [...b.children];
	if (!kiosk || tiles.length < 2) {
		ind.hidden = true;
		delete document.body.dataset.page;
		return;
	}
	ind.hidden = false;
	const cs = getComputedStyle(b);
	const cols = Math.max(1, cs.gridTemplateColumns.split(' ').filter(Boolean).length);
	const gap = parseFloat(cs.rowGap) || 0;
	const room = window.innerHeight - b.getBoundingClientRect().top - window.scrollY - 8;
	const tallest = Math.max(...tiles.map((x) => x.getBoundingClientRect().height));
	const rows = Math.max(1, Math.floor((room + gap) / (tallest + gap)));
	const key = (x) => x.dataset.group || x.id;
	const pages = pagesOf(tiles.map((x) => ({ key: key(x), level: x.dataset.level || 'none' })), rows * cols);
	if (pageNo >= pages.length) pageNo = 0;
	const byKey = new Map(tiles.map((x) => [key(x), x]));
	b.replaceChildren(...pages[pageNo].map((k) => byKey.get(k)));
	ind.textContent = t(`Sida ${pageNo + 1} av ${pages.length}`, `Page ${pageNo + 1} of ${pages.length}`);
	document.body.dataset.page = `${pageNo + 1}/${pages.length}`;
	document.body.dataset.pages = String(pages.length);
}

function turnPage() {
	pageNo += 1; // wraps in paginate
	render();
}

// The login no longer works (a revoked display, an expired session): say so in words a
// person walking past can act on, instead of showing figures that have stopped.
function endWith(status) {
	ended = true;
	const msg = status === 403
		? t('Din roll har inte tillgång till väggtavlan.', 'Your role has no access to the wallboard.')
		: display
			? t('Skärmens inloggning har återkallats eller gäller inte längre. Be en administratör om en ny skärminloggning (Administration → Skärmar).',
				"The display's login was revoked or is no longer valid. Ask an administrator for a new display login (Administration → Displays).")
			: t('Inloggningen har gått ut. Logga in igen.', 'Your login has expired. Please log in again.');
	$('board').replaceChildren();
	$('updated').textContent = '';
	$('page-error').textContent = msg;
	document.body.dataset.ended = String(status);
	if (status === 401) clearSession();
}

async function loadBoard() {
	boardTimer = null;
	try {
		board = await api('GET', '/wallboard');
		boardGot = Date.now();
		render();
	} catch (e) {
		if (e instanceof ApiError && (e.status === 401 || e.status === 403)) endWith(e.status);
	}
}

function boardSoon() {
	if (!boardTimer && !ended) boardTimer = setTimeout(loadBoard, BOARD_AFTER_EVENT_MS);
}

async function loadPlan() {
	planTimer = null;
	if (ended) return;
	try {
		const sum = await api('GET', '/wfm/summary');
		plan.clear();
		for (const p of sum.groups) plan.set(p.group_id, p);
		document.body.dataset.planAt = sum.at;
		render();
	} catch { /* the queue's figures stand alone; the next event tries again */ }
}

function planSoon() {
	if (!planTimer && !ended) planTimer = setTimeout(loadPlan, PLAN_AFTER_EVENT_MS);
}

function connect() {
	const es = new EventSource('/api/v1/acd/stream?access_token=' + encodeURIComponent(s.token));
	es.addEventListener('group', (ev) => {
		const g = JSON.parse(ev.data);
		groups.set(g.group_id, { snap: g, got: Date.now() });
		render();
		planSoon();
		boardSoon();
		$('updated').textContent = t('Uppdateras direkt när något ändras.', 'Updates as soon as anything changes.');
		if (!document.body.dataset.ready) document.body.dataset.readyMs = String(Math.round(performance.now()));
		document.body.dataset.ready = 'true';
	});
	es.addEventListener('error', async () => {
		// A stream that ends (a revoked display's is ended by the server) is retried by the
		// browser; ask why whenever it breaks, so a refused login is said at once.
		let status = 0;
		try {
			status = (await fetch('/api/v1/wallboard', { headers: { Authorization: 'Bearer ' + s.token } })).status;
		} catch { /* offline */ }
		if (status === 401 || status === 403) {
			es.close();
			endWith(status);
		} else if (es.readyState === EventSource.CLOSED) {
			$('page-error').textContent = t('Den levande uppdateringen avbröts; ladda om sidan.', 'The live updates stopped; reload the page.');
		}
	});
}

// Kiosk mode (wallboard.html?kiosk=1) for a screen on the wall: no navigation, the board
// across the whole screen, numbers that grow with it, pages turned every page_s seconds
// (?page_s=N, default 15) when the groups do not fit; a button asks for full screen (the
// browser allows that only after a press, or with its own kiosk flag).
const kiosk = new URLSearchParams(location.search).get('kiosk') === '1' || display;
if (kiosk) {
	document.body.classList.add('kiosk');
	const fs = $('btn-fullscreen');
	fs.hidden = !document.documentElement.requestFullscreen;
	fs.addEventListener('click', () => document.documentElement.requestFullscreen().catch(() => {}));
	document.addEventListener('fullscreenchange', () => { fs.hidden = !!document.fullscreenElement; });
	setInterval(turnPage, pageSeconds(location.search) * 1000);
	window.addEventListener('resize', render);
}

initLang(render);
$('sign-out').addEventListener('click', logout);
connect();
loadPlan();
loadBoard();
setInterval(render, 1000);
setInterval(planSoon, PLAN_EVERY_MS);
setInterval(boardSoon, BOARD_EVERY_MS);
