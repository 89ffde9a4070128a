// The public contact page: each service's numbers, this week's opening hours and when it is
// busy (offered calls per weekday and hour, averaged over eight weeks), from
// GET /api/v1/public/contact. No login.
import { api, initLang, t, el } from './api.js';

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const DAYS = [['måndag', 'Monday'], ['tisdag', 'Tuesday'], ['onsdag', 'Wednesday'], ['torsdag', 'Thursday'],
	['fredag', 'Friday'], ['lördag', 'Saturday'], ['söndag', 'Sunday']];
const DAY_FIRST = 7, DAY_LAST = 19; // the chart's hours: 07–19, wider when calls came earlier or later
let data = null;

const day = (i) => t(DAYS[i][0], DAYS[i][1]);
const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);

// "+46850800000" → "08-508 000 00"; other Swedish numbers with a leading 0.
export function phone(e164) {
	const m = /^\+468(\d{8})$/.exec(e164);
	if (m) return `08-${m[1].slice(0, 3)} ${m[1].slice(3, 6)} ${m[1].slice(6)}`;
	return e164.startsWith('+46') ? '0' + e164.slice(3) : e164;
}

function spans(d) {
	if (!d.spans.length) return t('Stängt', 'Closed') + (d.holiday ? ` (${d.holiday})` : '');
	return d.spans.map(([a, b]) => `${a}–${b}`).join(', ');
}

function svgEl(tag, attrs) {
	const e = document.createElementNS(SVG, tag);
	for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
	return e;
}

// Which weekdays to draw: Monday to Friday, and a weekend day when it has calls.
function shownDays(busy) {
	return [0, 1, 2, 3, 4, 5, 6].filter((d) => d < 5 || busy.offered[d].some((x) => x > 0));
}

// The hours to draw: 07–19, and any hour outside them that had calls (a line open in the
// evening shows its evenings).
function shownHours(busy, days) {
	let first = DAY_FIRST, last = DAY_LAST;
	for (const d of days) busy.offered[d].forEach((v, hr) => {
		if (v > 0) { first = Math.min(first, hr); last = Math.max(last, hr + 1); }
	});
	return [first, last];
}

function chart(g) {
	const busy = g.busy, days = shownDays(busy);
	const [FIRST_HOUR, LAST_HOUR] = shownHours(busy, days), hours = LAST_HOUR - FIRST_HOUR;
	const max = Math.max(1, ...days.flatMap((d) => busy.offered[d].slice(FIRST_HOUR, LAST_HOUR)));
	const bw = 18, gap = 4, rowH = 46, left = 70, top = 4;
	const w = left + hours * (bw + gap) + 10, h = top + days.length * rowH + 18;
	const id = 'chart-' + g.id;
	const svg = svgEl('svg', { viewBox: `0 0 ${w} ${h}`, width: w * 1.2, role: 'img', 'aria-labelledby': id + '-t' });
	const title = svgEl('title', { id: id + '-t' });
	let peak = null;
	for (const d of days) for (let hr = FIRST_HOUR; hr < LAST_HOUR; hr++)
		if (busy.offered[d][hr] > 0 && (!peak || busy.offered[d][hr] > busy.offered[peak[0]][peak[1]])) peak = [d, hr];
	title.textContent = t(`När det är mest att göra hos ${g.name}`, `When ${g.name} is busiest`) + ': ' + (peak
		? t(`flest samtal på ${day(peak[0])}ar kl. ${peak[1]}–${peak[1] + 1}`, `most calls on ${day(peak[0])}s ${peak[1]}:00–${peak[1] + 1}:00`)
		: t('inga samtal de senaste veckorna', 'no calls in recent weeks'));
	svg.append(title);
	days.forEach((d, row) => {
		const base = top + row * rowH + rowH - 8;
		const label = svgEl('text', { x: 0, y: base - 4 });
		label.textContent = cap(day(d));
		svg.append(label, svgEl('line', { x1: left, x2: w - 10, y1: base, y2: base, stroke: '#4a4a4a' }));
		for (let hr = FIRST_HOUR; hr < LAST_HOUR; hr++) {
			const v = busy.offered[d][hr];
			const bh = Math.round((v / max) * (rowH - 14));
			if (bh > 0) svg.append(svgEl('rect', { class: 'bar', x: left + (hr - FIRST_HOUR) * (bw + gap), y: base - bh, width: bw, height: bh }));
		}
	});
	for (let hr = FIRST_HOUR; hr <= LAST_HOUR; hr += 2) {
		const tx = svgEl('text', { x: left + (hr - FIRST_HOUR) * (bw + gap), y: h - 4 });
		tx.textContent = String(hr);
		svg.append(tx);
	}
	// The same figures as a table, for screen readers and anyone who prefers numbers.
	const head = [t('Dag', 'Day'), ...Array.from({ length: hours }, (_, i) => String(FIRST_HOUR + i))];
	const table = el('table', { class: 'data' },
		el('caption', { text: t(`Samtal per timme i snitt, senaste ${busy.weeks} veckorna`, `Calls per hour on average, last ${busy.weeks} weeks`) }),
		el('thead', {}, el('tr', {}, ...head.map((x) => el('th', { scope: 'col', text: x })))),
		el('tbody', {}, ...days.map((d) => el('tr', {}, el('th', { scope: 'row', text: cap(day(d)) }),
			...busy.offered[d].slice(FIRST_HOUR, LAST_HOUR).map((v) => el('td', { text: v.toLocaleString(t('sv-SE', 'en-GB')) }))))));
	return el('div', { class: 'chart', 'data-chart': String(g.id) },
		el('h3', { text: t('När är det mycket att göra?', 'When is it busy?') }),
		svg,
		el('p', { class: 'hint', text: t(`Staplarna visar hur många som ringer per timme (kl. ${FIRST_HOUR}–${LAST_HOUR}), i snitt de senaste åtta veckorna.`,
			`The bars show how many people call per hour (${FIRST_HOUR}:00–${LAST_HOUR}:00), on average over the last eight weeks.`) }),
		el('details', {}, el('summary', { text: t('Visa siffrorna som tabell', 'Show the figures as a table') }), el('div', { class: 'scroll' }, table)));
}

function card(g) {
	const today = g.hours[0];
	return el('section', { class: 'panel', 'aria-labelledby': 'g-' + g.id, 'data-group': String(g.id) },
		el('h2', { id: 'g-' + g.id, text: g.name }),
		el('ul', { class: 'numbers', 'aria-label': t('Telefonnummer', 'Phone numbers') },
			...g.numbers.map((n) => el('li', {}, el('a', { href: 'tel:' + n, text: phone(n) })))),
		g.email ? el('p', {}, t('E-post: ', 'E-mail: '), el('a', { href: 'mailto:' + g.email, text: g.email })) : null,
		el('p', { class: 'open-flag ' + (g.open_now ? 'yes' : 'no'), text: (g.open_now ? t('Öppet nu', 'Open now') : t('Stängt nu', 'Closed now'))
			+ ' · ' + t('i dag ', 'today ') + spans(today) }),
		el('h3', { text: t('Öppettider de kommande sju dagarna', 'Opening hours, the next seven days') }),
		el('ul', { class: 'week' }, ...g.hours.map((d, i) => el('li', { class: i === 0 ? 'today' : null },
			el('span', { text: cap(day(d.weekday)) + ' ' + Number(d.date.slice(8)) + '/' + Number(d.date.slice(5, 7)) + (i === 0 ? t(' (i dag)', ' (today)') : '') }),
			el('span', { text: spans(d) })))),
		chart(g));
}

function render() {
	if (!data) return;
	document.title = t('Kontakta kommunen – telefonnummer och öppettider', 'Contact the municipality – phone numbers and opening hours');
	$('groups').replaceChildren(...data.groups.map(card));
	$('groups').removeAttribute('aria-busy');
}

initLang(render);
try {
	data = await api('GET', '/public/contact');
	render();
	document.body.dataset.ready = 'true';
} catch (e) {
	$('page-error').textContent = t('Kontaktuppgifterna kunde inte hämtas just nu. Försök igen om en stund.',
		'The contact details could not be loaded just now. Please try again shortly.');
}
