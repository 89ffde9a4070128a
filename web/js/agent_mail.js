// The desk's e-mail: the agent's groups' waiting e-mails (subject, sender, waited, answer
// due) with a Ta button each, the e-mail the queue offers shown in the call bar like an
// offered call (Ta / Avböj), and the taken e-mail opened with its text and an answer box.
import { api, t, el, ApiError } from './api.js';

const $ = (id) => document.getElementById(id);

const mail = {
	groups: [],      // the agent's groups: [{group_id, name}]
	items: [],       // waiting e-mails of those groups, first due first
	waiting: new Map(), // group id → emails_waiting last seen on the stream
	offer: null,     // the e-mail offered to me (the item)
	work: null,      // the e-mail I hold: {item, mails}
	loading: false,
	again: false,    // a load was asked for while one ran
};

function waited(s) {
	s = Math.max(0, Math.round(s || 0));
	const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
	if (d) return t(`${d} d ${h} h`, `${d} d ${h} h`);
	if (h) return t(`${h} h ${m} min`, `${h} h ${m} min`);
	return t(`${m} min`, `${m} min`);
}

// Due is the Stockholm midnight that ends the last working day: shown as that day.
function due(iso) {
	if (!iso) return '–';
	return new Date(new Date(iso).getTime() - 1).toLocaleDateString(t('sv-SE', 'en-GB'),
		{ timeZone: 'Europe/Stockholm', weekday: 'short', day: 'numeric', month: 'short' });
}

function sender(i) {
	return i.from_name ? `${i.from_name} <${i.from || ''}>` : (i.from || t('okänd avsändare', 'unknown sender'));
}

function showError(e) {
	$('mail-error').textContent = e instanceof ApiError || e instanceof Error ? e.message : String(e);
}

// ---- the list ---------------------------------------------------------------------

function renderList() {
	const list = $('mail-list');
	list.replaceChildren();
	if (!mail.items.length) {
		list.append(el('li', { class: 'hint', text: t('Ingen e-post väntar.', 'No e-mail is waiting.') }));
	}
	for (const i of mail.items) {
		const subject = i.subject || t('(inget ämne)', '(no subject)');
		const take = el('button', { type: 'button', class: 'mail-take', 'data-item': String(i.item_id),
			'aria-label': t(`Ta e-posten ${subject}`, `Take the e-mail ${subject}`), text: t('Ta', 'Take') });
		take.disabled = !!mail.work || !!mail.offer;
		take.addEventListener('click', () => takeItem(i.item_id));
		list.append(el('li', { class: 'mail-item' + (i.overdue ? ' late' : '') },
			el('h3', { text: subject }),
			el('p', { class: 'mail-from', text: sender(i) }),
			el('p', { class: 'hint' },
				el('span', { text: t('Väntat ', 'Waited ') + waited(i.waited_s) }), ' · ',
				el('span', { text: t('svar senast ', 'answer due ') + due(i.due_at) })),
			take));
	}
	$('mail-count').textContent = mail.items.length ? `(${mail.items.length})` : '';
}

export async function loadQueue() {
	if (!mail.groups.length) return;
	if (mail.loading) {
		mail.again = true;
		return;
	}
	mail.loading = true;
	mail.again = false;
	try {
		const lists = await Promise.all(mail.groups.map((g) => api('GET', `/mail/queue?group=${g.group_id}`)
			.catch((e) => (e instanceof ApiError && (e.status === 404 || e.status === 403) ? { items: [] } : Promise.reject(e)))));
		mail.items = lists.flatMap((l) => l.items).sort((a, b) => (a.due_at < b.due_at ? -1 : a.due_at > b.due_at ? 1 : a.item_id - b.item_id));
		renderList();
	} catch (e) {
		showError(e);
	} finally {
		mail.loading = false;
		if (mail.again) loadQueue();
	}
}

// ---- the offer (in the call bar) ---------------------------------------------------

function renderOffer() {
	const box = $('mail-offer');
	box.replaceChildren();
	box.hidden = !mail.offer;
	if (!mail.offer) return;
	const i = mail.offer;
	box.append(el('p', { class: 'state', id: 'mail-offer-title', text: t('E-post erbjuds', 'E-mail offered') }),
		el('p', { text: `${i.subject || t('(inget ämne)', '(no subject)')} — ${sender(i)}` }));
	const take = el('button', { type: 'button', class: 'answer', id: 'mail-offer-take', text: t('Ta e-posten', 'Take the e-mail') });
	const decline = el('button', { type: 'button', id: 'mail-offer-decline', text: t('Avböj', 'Decline') });
	take.addEventListener('click', () => takeItem(i.item_id));
	decline.addEventListener('click', () => releaseItem(i.item_id));
	box.append(el('p', { class: 'row' }, take, decline));
}

// ---- the e-mail being worked -------------------------------------------------------

function renderWork() {
	const box = $('mail-work');
	box.replaceChildren();
	box.hidden = !mail.work;
	renderList();
	if (!mail.work) return;
	const { item, mails } = mail.work;
	const incoming = mails.filter((m) => m.direction === 'in');
	const last = incoming[incoming.length - 1];
	box.append(el('h3', { id: 'mail-work-title', text: item.subject || t('(inget ämne)', '(no subject)') }),
		el('p', { class: 'mail-from', text: sender(item) }),
		el('p', {}, el('a', { href: `case.html?id=${item.case_id}`, target: '_blank', rel: 'opener', id: 'mail-case-link',
			text: t(`Öppna ärende ${item.case_id}`, `Open case ${item.case_id}`) })),
		el('div', { class: 'mail-text', id: 'mail-text', tabindex: '0', role: 'region',
			'aria-label': t('E-postens text', 'The e-mail\'s text'), text: last ? last.text : '' }));
	const label = el('label', { for: 'mail-answer', text: t('Svar till avsändaren', 'Answer to the sender') });
	const text = el('textarea', { id: 'mail-answer', rows: '5' });
	const send = el('button', { type: 'button', class: 'primary', id: 'mail-send', text: t('Skicka svar', 'Send the answer') });
	const back = el('button', { type: 'button', id: 'mail-release', text: t('Lägg tillbaka', 'Put back') });
	send.addEventListener('click', () => sendAnswer(item, text.value));
	back.addEventListener('click', () => releaseItem(item.item_id));
	box.append(label, text, el('p', { class: 'row' }, send, back));
}

async function openWork(item) {
	const mails = await api('GET', `/cases/${item.case_id}/mails`);
	mail.work = { item, mails: mails.items };
	renderWork();
	$('mail-work-title').focus?.();
	$('mail-answer').focus();
}

async function takeItem(id) {
	$('mail-error').textContent = '';
	try {
		const item = await api('POST', `/mail/items/${id}/take`);
		mail.offer = null;
		renderOffer();
		await openWork(item);
		$('mail-status').textContent = t('Du har tagit e-posten.', 'You took the e-mail.');
		loadQueue();
	} catch (e) {
		showError(e);
		loadQueue();
	}
}

async function releaseItem(id) {
	$('mail-error').textContent = '';
	try {
		await api('POST', `/mail/items/${id}/release`);
		mail.offer = null;
		mail.work = null;
		renderOffer();
		renderWork();
		$('mail-status').textContent = t('E-posten ligger i kön igen.', 'The e-mail is back in the queue.');
		loadQueue();
	} catch (e) {
		showError(e);
	}
}

async function sendAnswer(item, text) {
	$('mail-error').textContent = '';
	if (!text.trim()) {
		$('mail-error').textContent = t('Skriv ett svar först.', 'Write an answer first.');
		$('mail-answer').focus();
		return;
	}
	try {
		await api('POST', `/cases/${item.case_id}/mails`, { text });
		mail.work = null;
		renderWork();
		$('mail-status').textContent = t(`Svaret på ärende ${item.case_id} är skickat.`, `The answer to case ${item.case_id} is sent.`);
		loadQueue();
	} catch (e) {
		showError(e);
	}
}

// ---- from the stream and the desk --------------------------------------------------

export function mailStream(es, me) {
	es.addEventListener('email_offer', (ev) => {
		const i = JSON.parse(ev.data);
		if (i.agent_id !== me) return;
		mail.offer = i;
		renderOffer();
		renderList();
		loadQueue();
	});
	es.addEventListener('email_offer_cancelled', (ev) => {
		const i = JSON.parse(ev.data);
		if (mail.offer && mail.offer.item_id === i.item_id) {
			mail.offer = null;
			renderOffer();
			renderList();
		}
	});
	es.addEventListener('group', (ev) => {
		const g = JSON.parse(ev.data);
		if (!mail.groups.some((x) => x.group_id === g.group_id)) return;
		if (mail.waiting.get(g.group_id) !== g.emails_waiting) {
			mail.waiting.set(g.group_id, g.emails_waiting);
			loadQueue();
		}
	});
}

// The agent's groups; an e-mail already held (after a reload of the page) is opened.
export async function initMail(groups, agent) {
	mail.groups = groups;
	$('mail-panel').hidden = false;
	renderList();
	await loadQueue();
	if (agent && agent.email_item_id) {
		try {
			const item = await api('GET', `/mail/items/${agent.email_item_id}`);
			if (item.state === 'offered') {
				mail.offer = item;
				renderOffer();
			} else if (item.state === 'taken') {
				await openWork(item);
			}
		} catch (e) {
			showError(e);
		}
	}
}

export function renderMail() {
	renderOffer();
	renderWork();
}
