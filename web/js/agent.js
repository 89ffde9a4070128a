// The agent desktop, built around the call: a call bar pinned on top (caller, entry number,
// the path, waiting and talk time, Svara / Lägg på / Parkera / Koppla / Återuppringning with
// their keyboard shortcuts, and the agent's queue status), the case form beside it (channel,
// the citizen looked up as they are typed, the category's checklist right there), the
// knowledge base, the switchboard's directory, urgent notices and the agent's own figures.
import { api, apiKeepalive, requireSession, logout, initLang, applyLang, t, el, seconds, ApiError, roleName } from './api.js';
import { initMail, mailStream, renderMail } from './agent_mail.js';

const s = requireSession();
const $ = (id) => document.getElementById(id);

const STATES = {
	logged_out: ['Utloggad', 'Logged out'], ready: ['Redo', 'Ready'], offered: ['Samtal erbjuds', 'Call offered'],
	talking: ['I samtal', 'Talking'], wrapup: ['Efterarbete', 'Wrap-up'], paused: ['Paus', 'Paused'],
};
const REASONS = {
	meeting: ['möte', 'meeting'], training: ['utbildning', 'training'], email: ['e-post', 'e-mail'],
	break: ['rast', 'break'], other: ['annat', 'other'], no_answer: ['obesvarat erbjudande', 'offer not answered'],
};

const desk = {
	me: null,            // GET /me: the user and their groups
	agent: null,         // the latest agent snapshot
	call: null,          // the call offered to or talking with me (GET /acd/calls/{id})
	lastCallId: null,    // the call the case form refers to (kept after hang-up)
	agreements: [],      // to find the client of a group
	clients: new Map(),  // id → name
	categories: [],      // of the selected group
	stream: null,
	earlier: null,       // the caller's earlier cases: {callId, items, total}
	notices: null,       // ids of the urgent notices shown (null before the first load)
	noticeItems: [],
	today: null,         // GET /me/today
	seenAt: 0,           // when the desk saw the call (ms), to count its waiting time on
	talkFrom: 0,         // when the desk saw the call answered (ms): the talk timer
	prefilled: '',       // the phone number the call put in the citizen's phone field
	consult: null,       // a consultation in the call: {callId, name, since (ms)}
	notePrefilled: '',   // the consultation's note the hand-over put in the summary
};

// A colleague consults me about their call (the call JSON has consulted_by); not yet mine.
const consultedOnly = (c) => !!(c && c.consulted_by && !c.handed_over);
const REFRESH_MS = 60000; // own figures are polled; notices too, besides the stream's notice events

// ---- status -------------------------------------------------------------------------

function renderState() {
	const a = desk.agent;
	if (!a) return;
	const MAIL_STATES = { offered: ['E-post erbjuds', 'E-mail offered'], talking: ['Arbetar med e-post', 'Working on an e-mail'] };
	const name = a.email_item_id && MAIL_STATES[a.state] ? t(...MAIL_STATES[a.state])
		: STATES[a.state] ? t(...STATES[a.state]) : a.state;
	const reason = a.state === 'paused' && a.pause_reason && REASONS[a.pause_reason]
		? ' (' + t(...REASONS[a.pause_reason]) + ')' : '';
	$('state').textContent = name + reason;
	const busy = a.state === 'offered' || a.state === 'talking';
	$('btn-login').disabled = a.state !== 'logged_out';
	$('btn-ready').disabled = a.state === 'logged_out' || a.state === 'ready' || busy;
	$('btn-pause').disabled = a.state === 'logged_out' || busy || (a.state === 'paused' && a.pause_reason === $('pause-reason').value);
	$('btn-logout').disabled = a.state === 'logged_out' || busy;
}

async function setState(state, reason) {
	$('state-error').textContent = '';
	try {
		const body = reason ? { state, reason } : { state };
		desk.agent = await api('POST', '/acd/agents/me/state', body);
		renderState();
	} catch (e) {
		$('state-error').textContent = e.message;
	}
}

// ---- the call -----------------------------------------------------------------------

function pathItem(p) {
	const kinds = { entry: ['kom in till', 'entered'], overflow: ['flödade över till', 'overflowed to'],
		transfer: ['kopplades till', 'transferred to'] };
	const k = kinds[p.kind] ? t(...kinds[p.kind]) : p.kind;
	const at = p.at ? new Date(p.at).toLocaleTimeString(t('sv-SE', 'en-GB')) : '';
	return el('li', { text: `${at} ${k} ${p.group}` });
}

function renderCall() {
	const c = desk.call;
	const box = $('call');
	box.replaceChildren();
	box.className = 'call';
	renderEarlier();
	if (!c) {
		box.append(el('p', { text: t('Inget samtal.', 'No call.') }));
		$('btn-answer').disabled = true;
		$('btn-hangup').disabled = true;
		$('btn-transfer').disabled = true;
		showTransfer(false);
		desk.consult = null;
		renderConsult();
		desk.talkFrom = 0;
		renderDirectory();
		tick();
		return;
	}
	const consulted = consultedOnly(c);
	const by = c.consulted_by ? c.consulted_by.name || t('en kollega', 'a colleague') : '';
	box.classList.add(consulted ? 'consulted' : c.talking ? 'talking' : 'offered');
	box.append(el('p', { class: 'state', id: 'call-title',
		text: consulted ? t(`${by} rådfrågar dig`, `${by} is consulting you`)
			: c.talking ? t('Samtal pågår', 'Call in progress') : t('Inkommande samtal', 'Incoming call') }));
	if (consulted)
		box.append(el('p', { class: 'hint', id: 'call-consulted',
			text: t(`Uppringaren väntar. Kopplar ${by} över blir samtalet ditt.`,
				`The caller holds. If ${by} hands the call over, it is yours.`) }));
	const dl = el('dl');
	const add = (k, v, id) => dl.append(el('dt', { text: k }), el('dd', id ? { id, text: v } : { text: v }));
	if (c.handed_over) add(t('Överkopplat av', 'Handed over by'), by, 'call-from');
	add(t('Nummer', 'Number'), c.caller || t('dolt nummer', 'withheld'), 'call-caller');
	if (c.entry) add(t('Inkommet på', 'Entry number'), c.entry, 'call-entry');
	add(t('Grupp', 'Group'), groupName(c.group_id));
	if (c.ivr) add(t('Knappval', 'Menu choices'), c.ivr);
	if (c.callback) add(t('Återuppringning', 'Callback'), t('ja', 'yes'));
	if (c.lang) add(t('Språk', 'Language'), c.lang, 'call-lang');
	if (c.urgent) add(t('Brådskande', 'Urgent'), t('ja', 'yes'));
	if (c.note) add(t('Anteckning', 'Note'), c.note, 'call-note');
	box.append(dl);
	box.append(el('h3', { text: t('Var är jag? Samtalets väg', 'Where am I? The call\'s path') }));
	box.append(el('ol', { class: 'path' }, ...(c.path || []).map(pathItem)));
	// Consulted: the call is still the colleague's; the phone is where I talk.
	$('btn-answer').disabled = c.talking || consulted;
	$('btn-hangup').disabled = !c.talking || consulted;
	$('btn-transfer').disabled = !c.talking || consulted || !!c.handed_over;
	if (!c.talking || consulted) showTransfer(false);
	if (desk.consult && desk.consult.callId !== c.call_id) desk.consult = null;
	if (c.consulting && !desk.consult && !c.consulted_by) desk.consult = { callId: c.call_id, name: '', since: Date.now() };
	renderConsult();
	renderDirectory();
	tick();
}

// Waiting time (the server's, counted on while offered) and talk time (since the desk saw
// the answer), once a second.
function mmss(sec) {
	const v = Math.max(0, Math.floor(sec));
	return Math.floor(v / 60) + ':' + String(v % 60).padStart(2, '0');
}

function tick() {
	const c = desk.call;
	if (!c) {
		$('t-wait').textContent = '–';
		$('t-talk').textContent = '–';
		return;
	}
	const now = Date.now();
	const waited = (c.waited_s || 0) + (c.talking ? 0 : (now - desk.seenAt) / 1000);
	$('t-wait').textContent = mmss(waited);
	$('t-talk').textContent = c.talking && desk.talkFrom ? mmss((now - desk.talkFrom) / 1000) : '–';
	if (desk.consult) $('t-consult').textContent = mmss((now - desk.consult.since) / 1000);
}

const OUTCOMES = { resolved: ['löst', 'resolved'], guided: ['vägledd', 'guided'], handed_over: ['överlämnat', 'handed over'],
	forwarded_urgent: ['akut till jour', 'urgent to on-call'] };

// The caller's earlier cases (by the number), each a link to the case page. Outside the
// call's live region, so the offer is announced once and the list is read when wanted.
function renderEarlier() {
	const list = desk.earlier;
	const box = $('earlier');
	box.replaceChildren();
	if (!list) return;
	if (list.callId && (!desk.call || list.callId !== desk.call.call_id)) return;
	box.append(el('h3', { text: list.callId ? t('Uppringarens tidigare ärenden', 'The caller\'s earlier cases')
		: t('Medborgarens tidigare ärenden', 'The citizen\'s earlier cases') }));
	box.append(el('p', { class: 'hint', text: t('Ärendena öppnas i en ny flik.', 'The cases open in a new tab.') }));
	if (!list.items.length) {
		box.append(el('p', { class: 'hint', text: list.callId ? t('Inga tidigare ärenden från numret.', 'No earlier cases from the number.')
			: t('Inga tidigare ärenden.', 'No earlier cases.') }));
		return;
	}
	const date = (iso) => new Date(iso).toLocaleDateString('sv-SE', { timeZone: 'Europe/Stockholm' });
	box.append(el('ul', { class: 'earlier' }, ...list.items.map((c) => el('li', {},
		// rel=opener: the new tab gets a copy of this tab's login (sessionStorage).
		el('a', { href: 'case.html?id=' + c.id, target: '_blank', rel: 'opener', text: t(`Ärende ${c.id}`, `Case ${c.id}`) }),
		el('span', { text: ` ${date(c.received_at)}, ${c.group}, ${OUTCOMES[c.outcome] ? t(...OUTCOMES[c.outcome]) : c.outcome}: ${c.summary}` })))));
	if (list.total > list.items.length)
		box.append(el('p', { class: 'hint', text: t(`De ${list.items.length} senaste av ${list.total}.`, `The latest ${list.items.length} of ${list.total}.`) }));
}

// Searching by the caller's number is audited by the API, like every read of a citizen.
async function loadEarlier(call) {
	if (!call.caller) return;
	try {
		const res = await api('GET', '/cases?limit=5&phone=' + encodeURIComponent(call.caller));
		desk.earlier = { callId: call.call_id, items: res.items || [], total: res.total || 0 };
	} catch {
		desk.earlier = null; // the call works without them
	}
	renderEarlier();
}

// The call puts the caller's number in the citizen's phone field, unless the agent typed
// another; a new call replaces what the previous one put there.
// The consultation's note, handed over with the caller, starts the case summary (unless
// the agent wrote one already).
function prefillNote(call) {
	const f = $('f-summary');
	if (!call.note || (f.value && f.value !== desk.notePrefilled)) return;
	f.value = call.note;
	desk.notePrefilled = call.note;
}

function prefillCaller(call) {
	const f = $('f-cphone');
	if (!call.caller || (f.value && f.value !== desk.prefilled)) return;
	f.value = call.caller;
	desk.prefilled = call.caller;
	$('f-channel').value = 'phone';
	channelChanged();
}

// ---- transfer: to a group's queue, or (the directory) out to a person ---------------

function showTransfer(open) {
	$('transfer').hidden = !open;
	$('btn-transfer').setAttribute('aria-expanded', String(open));
}

async function transferToGroup() {
	if (!desk.call) return;
	$('call-error').textContent = '';
	try {
		await api('POST', `/acd/calls/${desk.call.call_id}/transfer`, { group_id: Number($('tr-group').value) });
		desk.call = null;
		renderCall();
	} catch (e) {
		$('call-error').textContent = e.message;
	}
}

// ---- consultation: the caller holds (the tone) while the agent talks to the target ------

function renderConsult() {
	const k = desk.consult;
	$('consult').hidden = !k;
	const talking = !!(desk.call && desk.call.talking);
	for (const id of ['tr-group-consult', 'tr-number-consult']) $(id).disabled = !talking || !!k;
	if (!k) {
		$('t-consult').textContent = '';
		return;
	}
	$('consult-text').textContent = k.name ? t(`Rådfrågar ${k.name} …`, `Consulting ${k.name} …`)
		: t('Rådfrågar …', 'Consulting …');
	$('btn-consult-complete').disabled = !talking;
	$('btn-consult-cancel').disabled = !talking;
	$('t-consult').textContent = mmss((Date.now() - k.since) / 1000);
}

// target: {agent_id} | {group_id} | {number} | {contact_id}; name: what the call bar says.
async function consult(target, name) {
	if (!desk.call || desk.consult) return;
	$('call-error').textContent = '';
	$('call-done').textContent = '';
	const body = Object.assign({}, target);
	const note = $('tr-note').value.trim();
	if (note) body.note = note;
	try {
		await api('POST', `/calls/${desk.call.call_id}/consult`, body);
		desk.consult = { callId: desk.call.call_id, name, since: Date.now() };
		if (note) desk.call.note = note;
		renderCall();
		$('btn-consult-cancel').focus();
	} catch (e) {
		// The call stays: the agent still talks with the caller.
		$('call-error').textContent = t(`Kunde inte rådfråga ${name}: `, `Could not consult ${name}: `) + e.message;
	}
}

async function consultEnd(complete) {
	const k = desk.consult;
	if (!desk.call || !k) return;
	$('call-error').textContent = '';
	try {
		await api('POST', `/calls/${desk.call.call_id}/consult/${complete ? 'complete' : 'cancel'}`);
		desk.consult = null;
		const who = k.name || t('den rådfrågade', 'the consulted party');
		if (complete) {
			desk.call = null;
			renderCall();
			$('tr-note').value = '';
			$('call-done').textContent = t(`Samtalet är överkopplat till ${who}.`, `The call is handed over to ${who}.`);
		} else {
			renderCall();
			$('call-done').textContent = t(`Du talar med uppringaren igen (${who} släppt).`, `You talk with the caller again (${who} let go).`);
		}
	} catch (e) {
		$('call-error').textContent = (complete ? t('Kunde inte koppla över: ', 'Could not hand over: ')
			: t('Kunde inte återta samtalet: ', 'Could not take the call back: ')) + e.message;
	}
}

function consultGroup() {
	const sel = $('tr-group');
	const name = sel.selectedOptions[0] ? sel.selectedOptions[0].textContent : '';
	consult({ group_id: Number(sel.value) }, t(`gruppen ${name}`, `the group ${name}`));
}

function consultNumber() {
	const n = $('tr-number').value.trim();
	if (!n) {
		$('call-error').textContent = t('Skriv numret att rådfråga.', 'Enter the number to consult.');
		$('tr-number').focus();
		return;
	}
	consult({ number: n }, n);
}

// The directory: department contacts and staff with their phone hours and presence.
let dirItems = [];
const PRESENCE = { in: ['inne', 'in'], away: ['borta', 'away'], meeting: ['i möte', 'in a meeting'] };

const DAYS = { mon: ['mån', 'Mon'], tue: ['tis', 'Tue'], wed: ['ons', 'Wed'], thu: ['tor', 'Thu'], fri: ['fre', 'Fri'],
	sat: ['lör', 'Sat'], sun: ['sön', 'Sun'] };

// Phone hours {"weekly": {"mon": [["08:00","16:00"]]}} as "mån 08:00–16:00, …".
function hoursText(h) {
	if (!h || typeof h !== 'object' || !h.weekly) return typeof h === 'string' ? h : '';
	return Object.entries(h.weekly).filter(([, spans]) => spans && spans.length)
		.map(([d, spans]) => (DAYS[d] ? t(...DAYS[d]) : d) + ' ' + spans.map((x) => x.join('–')).join(', ')).join('; ');
}

function presenceText(d) {
	const p = PRESENCE[d.presence] ? t(...PRESENCE[d.presence]) : t('okänt', 'unknown');
	if (d.presence !== 'in' && d.presence_until)
		return p + t(' till ', ' until ') + new Date(d.presence_until).toLocaleString('sv-SE', { timeZone: 'Europe/Stockholm', dateStyle: 'short', timeStyle: 'short' });
	return p;
}

function renderDirectory() {
	const talking = !!(desk.call && desk.call.talking);
	$('dir-results').replaceChildren(...dirItems.map((d) => {
		const id = `dir-${d.kind}-${d.id}`;
		const line = [d.unit, d.role].filter(Boolean).join(', ');
		const li = el('li', { id },
			el('h3', { text: d.name }),
			el('p', { text: line }),
			el('p', { text: [d.phone || t('inget nummer', 'no number'), hoursText(d.phone_hours)].filter(Boolean).join(' · ') }),
			el('p', { class: 'presence presence-' + (d.presence || 'unknown'), text: presenceText(d) }));
		const actions = el('div', { class: 'dir-actions' });
		if (d.phone) {
			const b = el('button', { type: 'button', class: 'dir-transfer', text: t('Koppla', 'Transfer'),
				'aria-label': t(`Koppla till ${d.name}`, `Transfer to ${d.name}`) });
			b.disabled = !talking || !!desk.consult;
			if (!talking) b.title = t('Koppla när du är i samtal', 'Transfer while talking');
			b.addEventListener('click', () => transferOut(d));
			actions.append(b);
		}
		// Consult: a colleague on their phone (staff), a contact through the trunk.
		if (d.phone || d.kind === 'staff') {
			const b = el('button', { type: 'button', class: 'dir-consult', text: t('Rådfråga', 'Consult'),
				'aria-label': t(`Rådfråga ${d.name}`, `Consult ${d.name}`) });
			b.disabled = !talking || !!desk.consult;
			if (!talking) b.title = t('Rådfråga när du är i samtal', 'Consult while talking');
			b.addEventListener('click', () => consult(d.kind === 'contact' ? { contact_id: d.id } : { agent_id: d.id }, d.name));
			actions.append(b);
		}
		if (actions.childElementCount) li.append(actions);
		return li;
	}));
}

async function searchDirectory(ev) {
	if (ev) ev.preventDefault();
	const q = $('dir-q').value.trim();
	if (!q) return;
	$('dir-status').textContent = t('Söker …', 'Searching …');
	try {
		const res = await api('GET', '/directory?limit=10&q=' + encodeURIComponent(q));
		dirItems = res.items || [];
		renderDirectory();
		$('dir-status').textContent = dirItems.length
			? t(`${res.total} träffar.`, `${res.total} results.`) : t('Inga träffar.', 'No results.');
	} catch (e) {
		$('dir-status').textContent = e.message;
	}
}

// Out through the outbound trunk: a department contact by its id, a colleague by number.
async function transferOut(d) {
	if (!desk.call) return;
	$('call-error').textContent = '';
	const body = d.kind === 'contact' ? { contact_id: d.id } : { number: d.phone };
	try {
		await api('POST', `/calls/${desk.call.call_id}/transfer-out`, body);
		$('dir-status').textContent = t(`Kopplat till ${d.name}.`, `Transferred to ${d.name}.`);
	} catch (e) {
		$('call-error').textContent = t(`Kunde inte koppla till ${d.name}: `, `Could not transfer to ${d.name}: `) + e.message;
	}
}

// ---- keyboard shortcuts (shown on the buttons) ----------------------------------------

const SHORTCUTS = { KeyS: 'btn-answer', KeyL: 'btn-hangup', KeyP: 'btn-hold', KeyK: 'btn-transfer', KeyU: 'btn-callback',
	KeyR: 'tr-group-consult', KeyO: 'btn-consult-complete', KeyT: 'btn-consult-cancel' };

function shortcut(ev) {
	if (!ev.altKey || ev.ctrlKey || ev.metaKey) return;
	// The consultation's keys work only while it is shown; Rådfråga only with the panel open.
	if ((ev.code === 'KeyO' || ev.code === 'KeyT') && $('consult').hidden) return;
	if (ev.code === 'KeyR' && $('transfer').hidden) return;
	if (ev.code === 'KeyD') {
		ev.preventDefault();
		$('dir-q').focus();
		return;
	}
	const b = SHORTCUTS[ev.code] && $(SHORTCUTS[ev.code]);
	if (!b) return;
	ev.preventDefault();
	if (!b.disabled) b.click();
}

// ---- the citizen, looked up as typed ---------------------------------------------------

let lookupTimer = null;
let lookupSeq = 0;

function lookupSoon() {
	clearTimeout(lookupTimer);
	lookupTimer = setTimeout(lookupCitizen, 350);
}

// Their earlier cases by personnummer, else by phone (audited by the API as a search).
async function lookupCitizen() {
	const pnr = $('f-cpnr').value.trim();
	const phone = $('f-cphone').value.trim();
	const seq = ++lookupSeq;
	let query = null;
	if (/^(\d{6}|\d{8})[-+]?\d{4}$/.test(pnr)) query = 'personal_id=' + encodeURIComponent(pnr);
	else if (phone.replace(/\D/g, '').length >= 7) query = 'phone=' + encodeURIComponent(phone);
	if (!query) {
		$('citizen-found').textContent = '';
		return;
	}
	try {
		const res = await api('GET', '/cases?limit=5&' + query);
		if (seq !== lookupSeq) return;
		const items = res.items || [];
		desk.earlier = { callId: null, items, total: res.total || 0 };
		$('citizen-found').textContent = items.length
			? t(`Känd: ${res.total} tidigare ärenden – det nya kopplas till dem.`, `Known: ${res.total} earlier cases – the new one is linked to them.`)
			: t('Ingen tidigare kontakt.', 'No earlier contact.');
		renderEarlier();
	} catch {
		if (seq === lookupSeq) $('citizen-found').textContent = ''; // a malformed number: the form says it on save
	}
}

function channelChanged() {
	const letter = $('f-channel').value === 'letter';
	$('received-box').hidden = !letter;
}

function groupName(id) {
	const g = desk.me && desk.me.groups.find((x) => x.group_id === id);
	return g ? g.name : t('grupp ', 'group ') + id;
}

async function loadCall(id) {
	try {
		const known = desk.call && desk.call.call_id === id;
		const wasMine = known && !consultedOnly(desk.call);
		desk.call = await api('GET', '/acd/calls/' + id);
		const consulted = consultedOnly(desk.call);
		if (!known) {
			$('call-done').textContent = '';
			desk.seenAt = Date.now();
		}
		if (!known || (!wasMine && !consulted)) {
			// A new call, or a consultation's caller handed over to me: the talk starts now
			// and the case form gets the caller (and the consultation's note).
			desk.talkFrom = desk.call.talking && !consulted ? Date.now() : 0;
			if (!consulted) {
				prefillCaller(desk.call);
				if (desk.call.handed_over) prefillNote(desk.call);
			}
		}
		desk.lastCallId = id;
		renderCall();
		if (!known) loadEarlier(desk.call);
		if (!desk.call.talking) $('btn-answer').focus();
		if (known && !wasMine && !consulted) {
			const by = desk.call.consulted_by ? desk.call.consulted_by.name : '';
			$('call-done').textContent = t(`${by} kopplade över samtalet till dig.`, `${by} handed the call over to you.`);
		}
		if ($('f-group').value !== String(desk.call.group_id)) {
			$('f-group').value = String(desk.call.group_id);
			await loadCategories();
		}
	} catch (e) {
		$('call-error').textContent = e.message;
	}
}

async function callAction(verb) {
	if (!desk.call) return;
	$('call-error').textContent = '';
	try {
		const c = await api('POST', `/acd/calls/${desk.call.call_id}/${verb}`);
		if (verb === 'answer') {
			desk.call = Object.assign(desk.call, c);
			desk.talkFrom = Date.now();
			renderCall();
			$('f-category').focus();
		} else {
			desk.call = null;
			renderCall();
		}
	} catch (e) {
		$('call-error').textContent = e.message;
	}
}

// ---- the live stream ----------------------------------------------------------------

function connect() {
	const es = new EventSource('/api/v1/acd/stream?access_token=' + encodeURIComponent(s.token));
	desk.stream = es;
	es.addEventListener('agent', (ev) => {
		const a = JSON.parse(ev.data);
		if (a.agent_id !== s.user.id) return;
		const before = desk.agent && desk.agent.state;
		if ((before === 'talking' || before === 'wrapup') && a.state !== before && a.state !== 'wrapup') loadToday();
		desk.agent = a;
		renderState();
		if (a.call_id && (!desk.call || desk.call.call_id !== a.call_id)) loadCall(a.call_id);
		// Consulted by a colleague: their call, then (handed over) mine.
		const k = a.consult_call_id;
		if (!a.call_id && k && (!desk.call || desk.call.call_id !== k || (a.consult_taken && consultedOnly(desk.call))))
			loadCall(k);
		if (!a.call_id && !k && desk.call) {
			desk.call = null;
			renderCall();
		}
	});
	es.addEventListener('action', (ev) => {
		const a = JSON.parse(ev.data);
		if (a.agent_id !== undefined && a.agent_id !== s.user.id) return;
		if (a.action === 'offer' || a.action === 'connect') loadCall(a.call_id);
		else if (a.action === 'cancel_offer' && desk.call && desk.call.call_id === a.call_id) {
			desk.call = null;
			renderCall();
		}
	});
	// An urgent notice was published, changed or withdrawn: the event carries only its id,
	// the notices endpoint decides what this agent sees.
	es.addEventListener('notice', () => loadNotices());
	mailStream(es, s.user.id);
	es.addEventListener('error', () => {
		// EventSource reconnects by itself; CLOSED means the server refused (token gone).
		if (es.readyState === EventSource.CLOSED)
			$('page-error').textContent = t('Den levande uppdateringen avbröts. Logga in igen.',
				'The live updates stopped. Please log in again.');
	});
}

// ---- the case form ------------------------------------------------------------------

function option(value, text, selected) {
	const o = el('option', { value: String(value), text });
	if (selected) o.selected = true;
	return o;
}

// The client: the category's own, else the clients whose agreement covers the group.
function clientsFor(groupId) {
	const ids = [...new Set(desk.agreements.filter((a) => (a.group_ids || []).includes(groupId)).map((a) => a.client_id))];
	return ids.length ? ids : [...desk.clients.keys()];
}

async function loadCategories() {
	const gid = Number($('f-group').value);
	const res = await api('GET', `/categories?group_id=${gid}&active=true&limit=500`);
	desk.categories = res.items;
	$('f-category').replaceChildren(option('', t('– välj kategori –', '– choose a category –')),
		...res.items.map((c) => option(c.id, c.name)));
	fillClients();
}

// ---- the category's checklist -------------------------------------------------------

function renderChecklist(announce) {
	const cat = desk.categories.find((c) => String(c.id) === $('f-category').value);
	const steps = (cat && cat.checklist) || [];
	const box = $('checklist');
	box.hidden = !steps.length;
	$('checklist-title').textContent = cat ? t(`Checklista: ${cat.name}`, `Checklist: ${cat.name}`) : t('Checklista', 'Checklist');
	const ticked = new Set([...box.querySelectorAll('input:checked')].map((x) => x.dataset.step));
	const same = box.dataset.category === String(cat ? cat.id : '');
	box.dataset.category = String(cat ? cat.id : '');
	$('checklist-steps').replaceChildren(...steps.map((text, i) => {
		const input = el('input', { type: 'checkbox', id: 'cl-' + i, 'data-step': String(i), 'aria-describedby': 'checklist-hint' });
		if (same && ticked.has(String(i))) input.checked = true;
		return el('li', {}, input, el('label', { for: 'cl-' + i, text }));
	}));
	if (announce)
		$('checklist-live').textContent = steps.length
			? t(`Checklista med ${steps.length} steg under formuläret.`, `A checklist of ${steps.length} steps below the form.`)
			: '';
}

function fillClients() {
	renderChecklist(true);
	const gid = Number($('f-group').value);
	const cat = desk.categories.find((c) => String(c.id) === $('f-category').value);
	const ids = cat && cat.client_id ? [cat.client_id] : clientsFor(gid);
	const prev = $('f-client').value;
	const opts = ids.map((id) => option(id, desk.clients.get(id) || String(id), String(id) === prev));
	if (ids.length > 1 && !ids.map(String).includes(prev)) opts.unshift(option('', t('– välj uppdragsgivare –', '– choose a department –'), true));
	$('f-client').replaceChildren(...opts);
	fillContacts();
}

async function fillContacts() {
	const cid = $('f-client').value;
	if (!cid) {
		$('f-contact').replaceChildren(option('', t('– välj uppdragsgivare först –', '– choose a department first –')));
		return;
	}
	const res = await api('GET', `/contacts?client_id=${cid}&active=true&limit=500`);
	$('f-contact').replaceChildren(option('', t('– enligt avtalet –', '– as the agreement says –')),
		...res.items.map((c) => option(c.id, c.role ? `${c.name} (${c.role})` : c.name)));
}

function clearErrors() {
	for (const p of document.querySelectorAll('#case-form .field-error')) p.textContent = '';
	for (const i of document.querySelectorAll('#case-form [aria-invalid]')) i.removeAttribute('aria-invalid');
	$('case-error').textContent = '';
}

const FIELD_INPUT = {
	channel: 'f-channel', received_at: 'f-received', 'citizen.name': 'f-cname', 'citizen.phone': 'f-cphone',
	'citizen.personal_id': 'f-cpnr', 'citizen.email': 'f-cemail', citizen: 'f-cname',
	group_id: 'f-group', category_id: 'f-category', client_id: 'f-client', outcome: 'f-outcome', summary: 'f-summary',
	handover: 'f-contact', 'handover.contact_id': 'f-contact', 'handover.due_date': 'f-due', 'handover.message': 'f-message',
};

function showProblem(e) {
	const errors = (e.problem && e.problem.errors) || [];
	let first = null;
	const rest = [];
	for (const x of errors) {
		const input = FIELD_INPUT[x.field] && $(FIELD_INPUT[x.field]);
		if (!input) {
			rest.push(`${x.field}: ${x.message}`);
			continue;
		}
		const target = $('err-' + (x.field === 'handover' ? 'handover.contact_id' : x.field === 'citizen' ? 'citizen.name' : x.field));
		target.textContent = target.textContent ? target.textContent + ' ' + x.message : x.message;
		input.setAttribute('aria-invalid', 'true');
		first = first || input;
	}
	$('case-error').textContent = rest.length ? rest.join(' ') : (first ? t('Rätta de markerade fälten.', 'Correct the marked fields.') : e.message);
	if (first) first.focus();
}

async function submitCase() {
	clearErrors();
	$('case-done').textContent = '';
	const f = $('case-form');
	const channel = f.channel.value;
	const body = { group_id: Number(f.group_id.value), channel,
		outcome: f.outcome.value, summary: f.summary.value.trim() };
	if (f.category_id.value) body.category_id = Number(f.category_id.value);
	if (f.client_id.value) body.client_id = Number(f.client_id.value);
	if (channel === 'phone' && desk.lastCallId) body.call_id = String(desk.lastCallId);
	// The citizen: the case is linked to their earlier ones (same personnummer, else phone).
	const citizen = {};
	for (const [k, input] of [['name', 'f-cname'], ['phone', 'f-cphone'], ['personal_id', 'f-cpnr'], ['email', 'f-cemail']])
		if ($(input).value.trim()) citizen[k] = $(input).value.trim();
	if (Object.keys(citizen).length) body.citizen = citizen;
	// A letter's date stamp: the day it came in, from midnight (never in the future).
	if (channel === 'letter' && f.received.value) {
		const d = new Date(f.received.value + 'T00:00:00');
		if (!Number.isNaN(d.getTime())) body.received_at = d.toISOString().replace(/\.\d{3}Z$/, 'Z');
	}
	if (f.threat.checked) body.threat = true;
	if (f.confidential.checked) body.confidential = true;
	if (body.outcome === 'handed_over') {
		const h = {};
		if (f.contact_id.value) h.contact_id = Number(f.contact_id.value);
		if (f.due_date.value) h.due_date = f.due_date.value;
		if (f.message.value.trim()) h.message = f.message.value.trim();
		body.handover = h;
	}
	// Say what is missing before asking the server, in the same place it would.
	const missing = [];
	if (!body.category_id) missing.push({ field: 'category_id', message: t('Välj en kategori.', 'Choose a category.') });
	if (!body.client_id) missing.push({ field: 'client_id', message: t('Välj uppdragsgivare.', 'Choose the department.') });
	if (!body.summary) missing.push({ field: 'summary', message: t('Skriv en kort sammanfattning.', 'Write a short summary.') });
	if (channel === 'letter' && !body.received_at)
		missing.push({ field: 'received_at', message: t('Ange brevets datumstämpel.', 'Enter the letter\'s date stamp.') });
	if (missing.length) {
		showProblem(new ApiError(422, { errors: missing }));
		return;
	}
	$('case-submit').disabled = true;
	try {
		const c = await api('POST', '/cases', body);
		$('case-done').replaceChildren(
			el('span', { text: t('Ärendet är sparat: nummer ', 'The case is saved: number ') }),
			el('strong', { id: 'case-id', text: String(c.id) }),
			el('span', { text: c.handovers && c.handovers.length ? t(', överlämnat.', ', handed over.') : '.' }));
		f.summary.value = '';
		f.message.value = '';
		f.due_date.value = '';
		f.category_id.value = '';
		f.outcome.value = 'resolved';
		f.threat.checked = false;
		f.confidential.checked = false;
		for (const id of ['f-cname', 'f-cphone', 'f-cpnr', 'f-cemail', 'f-received']) $(id).value = '';
		desk.prefilled = '';
		desk.notePrefilled = '';
		$('citizen-found').textContent = '';
		if (!desk.call) desk.earlier = null;
		renderEarlier();
		$('handover').hidden = true;
		renderChecklist(false);
		desk.lastCallId = desk.call ? desk.call.call_id : null;
		loadToday();
	} catch (e) {
		showProblem(e);
	} finally {
		$('case-submit').disabled = false;
	}
}

function wireCaseForm() {
	const f = $('case-form');
	f.addEventListener('submit', (ev) => {
		ev.preventDefault();
		submitCase();
	});
	// Enter saves from any field (selects do not submit by themselves); Shift+Enter is a
	// new line in the summary.
	f.addEventListener('keydown', (ev) => {
		if (ev.key !== 'Enter' || ev.isComposing || ev.target.tagName === 'BUTTON') return;
		if (ev.target.tagName === 'TEXTAREA' && ev.shiftKey) return;
		ev.preventDefault();
		f.requestSubmit();
	});
	$('f-group').addEventListener('change', () => loadCategories().catch(pageError));
	$('f-channel').addEventListener('change', channelChanged);
	$('f-cphone').addEventListener('input', lookupSoon);
	$('f-cpnr').addEventListener('input', lookupSoon);
	$('f-category').addEventListener('change', fillClients);
	$('f-client').addEventListener('change', () => fillContacts().catch(pageError));
	$('f-outcome').addEventListener('change', () => {
		$('handover').hidden = $('f-outcome').value !== 'handed_over';
	});
}

// ---- knowledge base -----------------------------------------------------------------

// The snippet marks hits with <mark>; everything else is text.
function snippet(text) {
	const p = el('p');
	(text || '').split(/(<mark>|<\/mark>)/).reduce((inMark, part) => {
		if (part === '<mark>') return true;
		if (part === '</mark>') return false;
		if (part) p.append(inMark ? el('mark', { text: part }) : document.createTextNode(part));
		return inMark;
	}, false);
	return p;
}

// A search whose hits the agent left without opening one is reported once, when the next
// search starts or the desk is left; the server counts it per query ("no click").
let kbUnopened = null;
function kbSearchLeft() {
	if (kbUnopened) apiKeepalive('POST', '/kb/search/abandon', { q: kbUnopened });
	kbUnopened = null;
}

async function searchKb(ev) {
	ev.preventDefault();
	const q = $('kb-q').value.trim();
	if (!q) return;
	kbSearchLeft();
	$('kb-status').textContent = t('Söker …', 'Searching …');
	try {
		const res = await api('GET', '/kb/search?q=' + encodeURIComponent(q));
		// An article opens in its own tab, so that the desk and its call stay.
		$('kb-results').replaceChildren(...res.items.map((a) => {
			const link = el('a', { href: 'kb.html#article-' + a.id, target: '_blank', rel: 'noopener', text: a.title });
			link.addEventListener('click', () => { kbUnopened = null; });
			return el('li', {}, el('h3', {}, link), snippet(a.snippet));
		}));
		if (res.items.length) kbUnopened = q;
		$('kb-status').textContent = res.items.length
			? t(`${res.items.length} träffar.`, `${res.items.length} results.`)
			: t('Inga träffar.', 'No results.');
	} catch (e) {
		$('kb-status').textContent = e.message;
	}
}

// ---- urgent notices -----------------------------------------------------------------

// The notice's body is the server's safe rendering of its Markdown (as on kb.html).
function renderNotices() {
	const items = desk.noticeItems;
	$('notices').hidden = !items.length;
	$('notice-count').textContent = `(${items.length})`;
	$('notice-list').replaceChildren(...items.map((n) => {
		const body = el('div', { class: 'body' });
		body.innerHTML = n.body_html || '';
		return el('li', { id: 'notice-' + n.id }, el('h3', {}, el('a', { href: 'kb.html#article-' + n.id, text: n.title })), body);
	}));
}

// The notices of all the agent's groups, newest first, each once.
async function loadNotices() {
	const gids = desk.me ? desk.me.groups.map((g) => g.group_id) : [];
	let lists;
	try {
		lists = await Promise.all(gids.map((g) => api('GET', '/kb/notices?group_id=' + g)));
	} catch {
		return; // the desk works without them; the next poll tries again
	}
	const seen = new Set();
	const items = lists.flatMap((l) => l.items || []).filter((n) => !seen.has(n.id) && seen.add(n.id))
		.sort((a, b) => String(b.updated_at || '').localeCompare(String(a.updated_at || '')) || b.id - a.id);
	const fresh = desk.notices ? items.filter((n) => !desk.notices.has(n.id)) : [];
	desk.notices = new Set(items.map((n) => n.id));
	desk.noticeItems = items;
	renderNotices();
	if (fresh.length)
		$('notices-live').textContent = t('Nytt viktigt meddelande: ', 'New urgent notice: ') + fresh.map((n) => n.title).join(', ');
}

// ---- my figures today -----------------------------------------------------------------

const hm = (x) => {
	const m = Math.round((x || 0) / 60);
	return Math.floor(m / 60) + ':' + String(m % 60).padStart(2, '0');
};

function renderToday() {
	const d = desk.today;
	if (!d) return;
	const c = d.cases, row = (id, sv, en, v) => [el('dt', { text: t(sv, en) }), el('dd', { id: 'today-' + id, text: v })];
	$('today').replaceChildren(el('dl', { class: 'facts' },
		...row('cases', 'Ärenden', 'Cases', String(c.total)),
		...row('resolved', '– lösta direkt', '– resolved at once', String(c.resolved)),
		...row('guided', '– vägledda', '– guided', String(c.guided)),
		...row('handed_over', '– överlämnade', '– handed over', String(c.handed_over)),
		...row('forwarded_urgent', '– akut till jour', '– urgent to on-call', String(c.forwarded_urgent)),
		...row('answered', 'Besvarade samtal', 'Calls answered', String(d.calls.answered)),
		...row('aht', 'Snittid per samtal', 'Average handle time', seconds(d.calls.aht_s)),
		...row('logged', 'Inloggad', 'Logged in', hm(d.time.logged_in_s)),
		...row('ready', 'Redo', 'Ready', hm(d.time.ready_s)),
		...row('paused', 'Paus', 'Paused', hm(d.time.paused_s))));
	$('today-at').textContent = t('Timmar:minuter; snittid i minuter:sekunder (samtal och efterarbete). Uppdaterad ',
		'Hours:minutes; handle time in minutes:seconds (talk and wrap-up). Updated ')
		+ new Date(d.at).toLocaleTimeString('sv-SE', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Stockholm' }) + '.';
}

async function loadToday() {
	try {
		desk.today = await api('GET', '/me/today');
		renderToday();
	} catch {
		/* the next poll tries again */
	}
}

// ---- start --------------------------------------------------------------------------

function pageError(e) {
	$('page-error').textContent = e.message;
}

function refuse(e) {
	// A role without the desk (or an expired login): say so, and leave nothing to click.
	$('desk').hidden = true;
	$('page-error').textContent = e.status === 403
		? t(`Din roll (${roleName(s.user.role)}) har inte tillgång till agentskrivbordet.`,
			`Your role (${roleName(s.user.role)}) has no access to the agent desktop.`)
		: t('Inloggningen har gått ut. Logga in igen.', 'Your login has expired. Please log in again.');
}

async function start() {
	initLang(() => {
		renderState();
		renderCall();
		renderToday();
		renderChecklist(false);
		renderMail();
	});
	$('sign-out').addEventListener('click', logout);
	$('btn-login').addEventListener('click', () => setState('logged_in'));
	$('btn-ready').addEventListener('click', () => setState('ready'));
	$('btn-pause').addEventListener('click', () => setState('paused', $('pause-reason').value));
	$('btn-logout').addEventListener('click', () => setState('logged_out'));
	$('pause-reason').addEventListener('change', renderState);
	$('btn-answer').addEventListener('click', () => callAction('answer'));
	$('btn-hangup').addEventListener('click', () => callAction('hangup'));
	$('btn-transfer').addEventListener('click', () => showTransfer($('transfer').hidden));
	$('tr-group-go').addEventListener('click', transferToGroup);
	$('tr-group-consult').addEventListener('click', consultGroup);
	$('tr-number-consult').addEventListener('click', consultNumber);
	$('btn-consult-complete').addEventListener('click', () => consultEnd(true));
	$('btn-consult-cancel').addEventListener('click', () => consultEnd(false));
	$('dir-form').addEventListener('submit', searchDirectory);
	document.addEventListener('keydown', shortcut);
	setInterval(tick, 1000);
	$('kb-form').addEventListener('submit', searchKb);
	window.addEventListener('pagehide', kbSearchLeft);
	wireCaseForm();
	try {
		desk.agent = await api('GET', '/acd/agents/me');
	} catch (e) {
		if (e instanceof ApiError && (e.status === 403 || e.status === 401)) return refuse(e);
		return pageError(e);
	}
	try {
		desk.me = await api('GET', '/me');
		$('who').textContent = `${desk.me.display_name} (${roleName(desk.me.role)})`;
		renderState();
		connect();
		const [agreements, clients, groups] = await Promise.all([api('GET', '/agreements?limit=500'), api('GET', '/clients?limit=500'),
			api('GET', '/groups?active=true&limit=500')]);
		$('tr-group').replaceChildren(...groups.items.map((g) => option(g.id, g.name)));
		desk.agreements = agreements.items;
		for (const c of clients.items) desk.clients.set(c.id, c.name);
		$('f-group').replaceChildren(...desk.me.groups.map((g) => option(g.group_id, g.name)));
		await Promise.all([loadCategories(), loadNotices(), loadToday(), initMail(desk.me.groups, desk.agent)]);
		setInterval(() => {
			loadNotices();
			loadToday();
		}, REFRESH_MS);
		if (desk.agent.call_id || desk.agent.consult_call_id) loadCall(desk.agent.call_id || desk.agent.consult_call_id);
		applyLang();
		document.body.dataset.ready = 'true';
		document.body.dataset.readyMs = String(Math.round(performance.now()));
	} catch (e) {
		pageError(e);
	}
}

start();
