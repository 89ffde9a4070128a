// The wallboard: each response group's queue and agents, live from the stream's group events.
import { requireSession, logout, initLang, t, el, seconds } from './api.js';

const s = requireSession();
const $ = (id) => document.getElementById(id);
const groups = new Map(); // group_id → { snap, got: ms when received }

function percent(x) {
	return x === null || x === undefined ? '–' : Math.round(x * 100) + '\u00a0%';
}

function big(cls, value, label) {
	return el('div', {}, el('span', { class: 'num ' + cls, text: value }), el('span', { class: 'lbl', text: label }));
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
		`Today: ${today.offered || 0} offered, ${today.answered || 0} answered, ${today.abandoned || 0} abandoned`) }));
	return node;
}

function render() {
	const sorted = [...groups.values()].sort((x, y) => x.snap.group_id - y.snap.group_id);
	$('board').replaceChildren(...sorted.map((g) => tile(g.snap, g.got)));
	const now = new Date();
	$('clock').textContent = now.toLocaleTimeString(t('sv-SE', 'en-GB'), { hour: '2-digit', minute: '2-digit' });
}

function connect() {
	const es = new EventSource('/api/v1/acd/stream?access_token=' + encodeURIComponent(s.token));
	es.addEventListener('group', (ev) => {
		const g = JSON.parse(ev.data);
		groups.set(g.group_id, { snap: g, got: Date.now() });
		render();
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

initLang(render);
$('sign-out').addEventListener('click', logout);
connect();
setInterval(render, 1000);
