// The group lead's and manager's view: today's 15-minute intervals of a group, its agents'
// time, overdue handovers and open knowledge-base flags.
import { api, requireSession, logout, initLang, t, el, seconds, ApiError } from './api.js';

requireSession();
const $ = (id) => document.getElementById(id);
const SHOW = 25; // overdue handovers listed
let data = { groups: [], intervals: null, overdue: [], flags: [] };

const pct = (x) => (x === null || x === undefined ? '–' : Math.round(x * 100) + '\u00a0%');
const hm = (iso) => new Date(iso).toLocaleTimeString('sv-SE', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Stockholm' });
const dur = (s) => {
	if (!s) return '0:00';
	const m = Math.round(s / 60);
	return Math.floor(m / 60) + ':' + String(m % 60).padStart(2, '0');
};

function table(caption, head, rows, foot) {
	const th = (x) => el('th', { scope: 'col', text: x });
	const tr = (cells, hd) => el('tr', {}, ...cells.map((c, i) => (i === 0 ? el('th', { scope: 'row', text: c }) : el(hd ? 'th' : 'td', { text: c, class: /^[\d\s:%–.,-]*$/.test(c) ? null : 'text' }))));
	return el('table', { class: 'data' }, el('caption', { text: caption }), el('thead', {}, el('tr', {}, ...head.map(th))),
		el('tbody', {}, ...rows.map((r) => tr(r))), foot ? el('tfoot', {}, tr(foot)) : null);
}

function row(label, x) {
	return [label, String(x.offered || 0), String(x.answered || 0), pct(x.offered ? x.service_level_60 : null),
		x.asa_s === null || x.asa_s === undefined ? '–' : seconds(x.asa_s), String(x.abandoned || 0)];
}

function renderIntervals() {
	const d = data.intervals;
	if (!d) return;
	const group = data.groups.find((g) => String(g.group_id) === $('group').value);
	const list = (d.intervals || []).filter((i) => i.offered || i.answered || i.abandoned);
	const head = [t('Kvart', 'Interval'), t('Erbjudna', 'Offered'), t('Besvarade', 'Answered'), t('Svar inom 60 s', 'SL 60 s'),
		t('Snittid till svar', 'ASA'), t('Avbrutna', 'Abandoned')];
	const caption = t(`${group ? group.name : ''}: kvartar med samtal i dag`, `${group ? group.name : ''}: intervals with calls today`);
	$('intervals').replaceChildren(list.length
		? table(caption, head, list.map((i) => row(hm(i.start), i)), row(t('Hela dagen', 'Whole day'), d.totals || {}))
		: el('p', { class: 'hint', id: 'no-intervals', text: t('Inga samtal ännu i dag.', 'No calls yet today.') }));
	const a = d.agents || {};
	$('agents').replaceChildren(el('dl', { class: 'facts' },
		el('dt', { text: t('Inloggad tid', 'Logged in') }), el('dd', { id: 'ag-logged', text: dur(a.logged_in_s) }),
		el('dt', { text: t('Redo', 'Ready') }), el('dd', { text: dur(a.ready_s) }),
		el('dt', { text: t('I samtal', 'Talking') }), el('dd', { text: dur(a.talk_s) }),
		el('dt', { text: t('Efterarbete', 'Wrap-up') }), el('dd', { text: dur(a.wrapup_s) }),
		el('dt', { text: t('Paus', 'Paused') }), el('dd', { text: dur(a.paused_s) }),
		el('dt', { text: t('Obesvarade erbjudanden', 'Unanswered offers') }), el('dd', { text: String(a.no_answers || 0) }),
		el('dt', { text: t('Beläggning', 'Occupancy') }), el('dd', { id: 'ag-occupancy', text: pct(a.occupancy) })),
	el('p', { class: 'hint', text: t('Timmar:minuter. Beläggning = samtal och efterarbete ÷ inloggad tid utan paus.',
		'Hours:minutes. Occupancy = talk and wrap-up ÷ logged-in time not paused.') }));
}

function renderLists() {
	$('overdue').replaceChildren(data.overdue.length
		? el('div', {}, table(t(`${data.overdue.length} obesvarade överlämningar efter svarsdatum, äldst först`,
			`${data.overdue.length} unanswered handovers past their due date, oldest first`),
		[t('Ärende', 'Case'), t('Förvaltning', 'Department'), t('Mottagare', 'Receiver'), t('Svar senast', 'Due')],
		data.overdue.slice(0, SHOW).map((h) => [String(h.case_id), h.client, h.contact, h.due_date])),
		data.overdue.length > SHOW ? el('p', { class: 'hint', text: t(`De ${SHOW} äldsta visas.`, `The ${SHOW} oldest are shown.`) }) : null)
		: el('p', { class: 'hint', text: t('Inga försenade överlämningar.', 'No overdue handovers.') }));
	$('flags').replaceChildren(data.flags.length
		? el('ul', { class: 'kb-results' }, ...data.flags.map((f) => el('li', {},
			el('h3', { text: f.title || f.slug || '#' + f.article_id }),
			el('p', { text: `${f.kind}: ${f.message}` }))))
		: el('p', { class: 'hint', text: t('Inga öppna flaggor.', 'No open flags.') }));
}

function render() {
	renderIntervals();
	renderLists();
}

function fail(e) {
	$('page-error').textContent = e instanceof ApiError && e.status === 403
		? t('Din roll har inte tillgång till ledningsvyn.', 'Your role has no access to the lead view.')
		: e instanceof ApiError && e.status === 401 ? t('Inloggningen har gått ut. Logga in igen.', 'Your login has expired. Please log in again.')
			: e.message;
	$('lead').hidden = true;
}

async function load() {
	const g = $('group').value;
	const [iv, ho, fl] = await Promise.all([
		api('GET', '/acd/intervals?group_id=' + encodeURIComponent(g)),
		api('GET', '/handovers?overdue=true&open=true'),
		api('GET', '/kb/flags?status=open'),
	]);
	data.intervals = iv;
	data.overdue = ho.items || [];
	data.flags = fl.items || [];
	render();
	$('updated').textContent = t('Uppdaterad ', 'Updated ') + new Date().toLocaleTimeString('sv-SE', { timeZone: 'Europe/Stockholm' });
	document.body.dataset.ready = 'true';
}

async function start() {
	try {
		const [groups, me] = await Promise.all([api('GET', '/acd/groups'), api('GET', '/acd/agents/me').catch(() => null)]);
		data.groups = groups.groups || [];
		// The lead's own group: the membership of the first level (1 = primary).
		const own = me && me.groups && me.groups.length ? [...me.groups].sort((a, b) => a.level - b.level)[0] : null;
		const mine = own ? String(own.group_id) : null;
		$('group').replaceChildren(...data.groups.map((x) => el('option', { value: String(x.group_id), text: x.name })));
		const want = new URLSearchParams(location.search).get('group') || mine;
		if (want && data.groups.some((x) => String(x.group_id) === want)) $('group').value = want;
		await load();
	} catch (e) {
		fail(e);
	}
}

initLang(render);
$('sign-out').addEventListener('click', logout);
$('pick').addEventListener('submit', (ev) => {
	ev.preventDefault();
	load().catch(fail);
});
$('group').addEventListener('change', () => load().catch(fail));
setInterval(() => load().catch(() => {}), 60000);
start();
