// The group lead's and manager's view: today's 15-minute intervals of a group, its cases and
// agents' time today, threat-flagged cases (with the manager's notifications of them), open
// handovers and open knowledge-base flags. Case numbers link to the case page.
import { api, requireSession, logout, initLang, t, el, seconds, ApiError } from './api.js';
import { columns } from './lead-charts.js';

requireSession();
const $ = (id) => document.getElementById(id);
const SHOW = 25; // open handovers listed
const THREAT_DAYS = 30;
let data = { groups: [], intervals: null, cases: null, overdue: [], flags: [], threats: [], threatTotal: 0, notes: [] };

const pct = (x) => (x === null || x === undefined ? '–' : Math.round(x * 100) + '\u00a0%');
const hm = (iso) => new Date(iso).toLocaleTimeString('sv-SE', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Stockholm' });
const dur = (s) => {
	if (!s) return '0:00';
	const m = Math.round(s / 60);
	return Math.floor(m / 60) + ':' + String(m % 60).padStart(2, '0');
};

function table(caption, head, rows, foot) {
	const th = (x) => el('th', { scope: 'col', text: x });
	// A cell is text, or an element (a link) placed as it is.
	const cell = (tag, c, attrs) => (c instanceof Node ? el(tag, attrs, c) : el(tag, Object.assign({ text: c }, attrs)));
	const tr = (cells, hd) => el('tr', {}, ...cells.map((c, i) => (i === 0 ? cell('th', c, { scope: 'row' })
		: cell(hd ? 'th' : 'td', c, { class: c instanceof Node || /^[\d\s:%–.,-]*$/.test(c) ? null : 'text' }))));
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
	renderCharts(d.intervals || [], group);
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

// Charts of the same intervals, from the first with calls to the last: offered and answered
// side by side, and the service level within 60 s against the group's target when it has one.
function renderCharts(all, group) {
	const busy = all.map((i, k) => (i.offered || i.answered || i.abandoned ? k : -1)).filter((k) => k >= 0);
	if (!busy.length) {
		$('charts').replaceChildren();
		return;
	}
	const list = all.slice(busy[0], busy[busy.length - 1] + 1);
	const labels = list.map((i) => hm(i.start));
	const name = group ? group.name + ': ' : '';
	const target = data.targets && data.targets.target_sl_pct ? data.targets.target_sl_pct : null;
	const pctText = (v) => (v === null || v === undefined ? '–' : Math.round(v) + '\u00a0%');
	$('charts').replaceChildren(
		columns('chart-calls', t(`${name}erbjudna och besvarade samtal per kvart i dag`, `${name}calls offered and answered per 15 minutes today`), labels,
			[{ name: t('Erbjudna', 'Offered'), values: list.map((i) => i.offered || 0) },
				{ name: t('Besvarade', 'Answered'), values: list.map((i) => i.answered || 0), hatch: true }]),
		columns('chart-sl', t(`${name}svar inom 60 s per kvart i dag`, `${name}answered within 60 s per 15 minutes today`), labels,
			[{ name: t('Svar inom 60 s', 'SL 60 s'), values: list.map((i) => (i.offered ? Math.round(i.service_level_60 * 100) : null)) }],
			{ max: 100, fmt: pctText, target, targetName: t(`mål ${target} %`, `target ${target} %`) }),
		el('p', { class: 'hint', text: t('Samma siffror finns i tabellen.', 'The table holds the same figures.') }));
}

function renderCases() {
	const d = data.cases;
	if (!d) return;
	const o = d.outcomes || {};
	const row = (id, sv, en, v) => [el('dt', { text: t(sv, en) }), el('dd', { id: 'cases-' + id, text: v })];
	$('cases').replaceChildren(el('dl', { class: 'facts' },
		...row('total', 'Ärenden', 'Cases', String(d.total)),
		...row('resolved', '– lösta vid första kontakten', '– resolved at first contact', String(o.resolved || 0)),
		...row('guided', '– vägledda', '– guided', String(o.guided || 0)),
		...row('handed_over', '– överlämnade', '– handed over', String(o.handed_over || 0)),
		...row('forwarded_urgent', '– akut till jour', '– urgent to on-call', String(o.forwarded_urgent || 0)),
		...row('fcr', 'Lösningsgrad', 'First-contact resolution', pct(d.fcr)),
		...row('fcr-guided', 'Lösningsgrad med vägledda', 'Resolution incl. guided', pct(d.fcr_with_guided)),
		...row('threat', 'Hotflaggade', 'Threat-flagged', String(d.threat || 0))),
	el('p', { class: 'hint', text: t('Ärenden som kom in i dag, alla kanaler.', 'Cases received today, all channels.') }));
}

const when = (iso) => new Date(iso).toLocaleString('sv-SE', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Europe/Stockholm' });

// The case page opens the case itself (its reading is audited there).
const caseLink = (id) => el('a', { href: 'case.html?id=' + id, text: String(id),
	'aria-label': t(`Öppna ärende ${id}`, `Open case ${id}`) });

function renderThreats() {
	const notes = data.notes;
	$('threat-notes').replaceChildren(...(notes.length ? [
		el('div', { class: 'notice' }, el('h3', { text: t('Meddelanden till dig', 'Notifications for you') }),
			el('ul', {}, ...notes.map((n) => {
				const b = el('button', { type: 'button', class: 'link-btn', id: 'note-read-' + n.id, text: t('Markera som läst', 'Mark as read') });
				b.addEventListener('click', () => markRead(n.id).catch(fail));
				const shown = data.threats.some((c) => c.id === n.case_id);
				return el('li', { id: 'note-' + n.id }, el('span', { text: n.message + ' ' }),
					shown ? el('a', { href: '#threat-' + n.case_id, text: t(`Visa ärende ${n.case_id}`, `Show case ${n.case_id}`) }) : null,
					' ', b);
			})))] : []));
	const head = [t('Ärende', 'Case'), t('Inkom', 'Received'), t('Grupp', 'Group'), t('Kategori', 'Category'),
		t('Utfall', 'Outcome'), t('Sammanfattning', 'Summary'), t('Sekretess', 'Confidential')];
	const outcome = { resolved: ['löst', 'resolved'], guided: ['vägledd', 'guided'], handed_over: ['överlämnat', 'handed over'],
		forwarded_urgent: ['akut till jour', 'urgent to on-call'] };
	const rows = data.threats.map((c) => el('tr', { id: 'threat-' + c.id, tabindex: '-1' },
		el('th', { scope: 'row' }, caseLink(c.id)), el('td', { text: when(c.received_at) }),
		el('td', { class: 'text', text: c.group }), el('td', { class: 'text', text: c.category }),
		el('td', { class: 'text', text: outcome[c.outcome] ? t(...outcome[c.outcome]) : c.outcome }),
		el('td', { class: 'text', text: c.summary }), el('td', { class: 'text', text: c.confidential ? t('ja', 'yes') : t('nej', 'no') })));
	$('threats').replaceChildren(data.threats.length
		? el('table', { class: 'data', id: 'threat-table' },
			el('caption', { text: t(`${data.threatTotal} ${data.threatTotal === 1 ? 'hotflaggat ärende' : 'hotflaggade ärenden'} som du får se, senaste först`,
				`${data.threatTotal} threat-flagged ${data.threatTotal === 1 ? 'case' : 'cases'} you may see, newest first`) }),
			el('thead', {}, el('tr', {}, ...head.map((x, i) => el('th', { scope: 'col', text: x, class: i > 1 ? 'text' : null })))), el('tbody', {}, ...rows))
		: el('p', { class: 'hint', id: 'no-threats', text: t('Inga hotflaggade ärenden.', 'No threat-flagged cases.') }));
}

async function markRead(id) {
	await api('POST', `/notifications/${id}/read`);
	data.notes = data.notes.filter((n) => n.id !== id);
	renderThreats();
	$('h-threats').focus();
}

function renderLists() {
	const head = [t('Ärende', 'Case'), t('Förvaltning', 'Department'), t('Mottagare', 'Receiver'), t('Svar senast', 'Due')];
	const rows = (list) => list.slice(0, SHOW).map((h) => [caseLink(h.case_id), h.client, h.contact, h.due_date]);
	const late = data.overdue.filter((h) => h.overdue), coming = data.overdue.filter((h) => !h.overdue);
	const more = (list) => (list.length > SHOW ? el('p', { class: 'hint', text: t(`De ${SHOW} första visas.`, `The first ${SHOW} are shown.`) }) : null);
	$('overdue').replaceChildren(data.overdue.length
		? el('div', {},
			late.length ? el('div', { id: 'handovers-late' }, table(t(`${late.length} försenade, äldst först`, `${late.length} overdue, oldest first`), head, rows(late)), more(late)) : null,
			coming.length ? el('div', { id: 'handovers-open' }, table(t(`${coming.length} med svarsdatum framåt, tidigast först`,
				`${coming.length} due later, earliest first`), head, rows(coming)), more(coming)) : null)
		: el('p', { class: 'hint', text: t('Inga öppna överlämningar i gruppen.', 'No open handovers in the group.') }));
	$('flags').replaceChildren(data.flags.length
		? el('ul', { class: 'kb-results' }, ...data.flags.map((f) => el('li', {},
			el('h3', { text: f.title || f.slug || '#' + f.article_id }),
			el('p', { text: `${f.kind}: ${f.message}` }))))
		: el('p', { class: 'hint', text: t('Inga öppna flaggor.', 'No open flags.') }));
}

const caseStatus = {
	open: ['öppet', 'open'], waiting_for_department: ['väntar på förvaltningen', 'waiting for the department'],
	waiting_for_citizen: ['väntar på medborgaren', 'waiting for the citizen'],
};

// What has waited longest since its status last changed, all groups the lead may see.
function renderWaiting() {
	const list = data.waiting || [];
	const days = (s) => Math.floor(s / 86400);
	$('waiting').replaceChildren(list.length
		? table(t(`De ${list.length} som väntat längst, äldst först`, `The ${list.length} that waited longest, oldest first`),
			[t('Ärende', 'Case'), t('Status', 'Status'), t('Sedan', 'Since'), t('Dagar', 'Days'), t('Svarsgrupp', 'Group'), t('Förvaltning', 'Department')],
			list.map((c) => [caseLink(c.id), caseStatus[c.status] ? t(...caseStatus[c.status]) : c.status,
				c.status_changed_at.slice(0, 10), String(days(c.waited_s)), c.group, c.client]))
		: el('p', { class: 'hint', text: t('Inga öppna eller väntande ärenden.', 'No open or waiting cases.') }));
}

function render() {
	renderWaiting();
	renderIntervals();
	renderCases();
	renderThreats();
	renderLists();
}

function fail(e) {
	$('page-error').textContent = e instanceof ApiError && e.status === 403
		? t('Din roll har inte tillgång till ledningsvyn.', 'Your role has no access to the lead view.')
		: e instanceof ApiError && e.status === 401 ? t('Inloggningen har gått ut. Logga in igen.', 'Your login has expired. Please log in again.')
			: e.message;
	$('lead').hidden = true;
}

// The minute's refresh leaves the threat list as it was: each reading of it is audited,
// so it is read when the page opens and on Uppdatera.
async function load(periodic = false) {
	const g = $('group').value;
	const since = new Date(Date.now() - THREAT_DAYS * 86400e3).toLocaleDateString('sv-SE', { timeZone: 'Europe/Stockholm' });
	const [iv, cs, ho, fl, th, no, wt, tg] = await Promise.all([
		api('GET', '/acd/intervals?group_id=' + encodeURIComponent(g)),
		api('GET', '/cases/counts?group_id=' + encodeURIComponent(g)),
		api('GET', '/handovers?open=true&limit=1000&group_id=' + encodeURIComponent(g)),
		api('GET', '/kb/flags?status=open&limit=1000'),
		periodic ? null : api('GET', `/cases?threat=true&from=${since}&limit=50`),
		periodic ? null : api('GET', '/notifications'),
		api('GET', '/cases/waiting?limit=10').catch(() => ({ items: [] })),
		api('GET', '/groups/' + encodeURIComponent(g)).catch(() => null),
	]);
	data.waiting = wt.items || [];
	data.targets = tg;
	data.intervals = iv;
	data.cases = cs;
	data.overdue = ho.items || [];
	data.flags = fl.items || [];
	if (th) {
		data.threats = th.items || [];
		data.threatTotal = th.total || 0;
		data.notes = (no.items || []).filter((n) => n.kind === 'threat' && !n.read);
	}
	render();
	$('updated').textContent = t('Uppdaterad ', 'Updated ') + new Date().toLocaleTimeString('sv-SE', { timeZone: 'Europe/Stockholm' });
	document.body.dataset.ready = 'true';
}

async function start() {
	try {
		const [groups, me] = await Promise.all([api('GET', '/acd/groups'), api('GET', '/acd/agents/me').catch(() => null)]);
		data.groups = groups.items || [];
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
setInterval(() => load(true).catch(() => {}), 60000);
start();
