// Reports in the browser: a period (month, tertial, year, dates), a department, sub-unit and
// category; the figures as tables and SVG bar charts (each with its numbers as text), and
// the same report as CSV, XLSX or PDF, fetched with the login's token and saved as a file.
import { api, initLang, t, el, lang, logout, requireSession, session } from './api.js';

const s = requireSession();
const $ = (id) => document.getElementById(id);
const viewer = s.user.role === 'client_viewer';
const lead = s.user.role === 'group_lead';
const DAYS = [['Måndag', 'Monday'], ['Tisdag', 'Tuesday'], ['Onsdag', 'Wednesday'], ['Torsdag', 'Thursday'],
	['Fredag', 'Friday'], ['Lördag', 'Saturday'], ['Söndag', 'Sunday']];
let report = null, query = '';

const OUTCOMES = { resolved: ['Löst', 'Resolved'], guided: ['Vägledd', 'Guided'], handed_over: ['Överlämnat', 'Handed over'],
	forwarded_urgent: ['Akut vidarekopplat', 'Forwarded urgently'] };
const CHANNELS = { phone: ['Telefon', 'Phone'], email: ['E-post', 'E-mail'], letter: ['Brev', 'Letter'], fax: ['Fax', 'Fax'],
	visit: ['Besök', 'Visit'], web: ['Webb', 'Web'], social: ['Sociala medier', 'Social media'] };
const pct = (v) => (v === null || v === undefined ? '–' : (v * 100).toLocaleString(lang() === 'en' ? 'en-GB' : 'sv-SE', { maximumFractionDigits: 1 }) + ' %');
const num = (v) => (v === null || v === undefined ? '–' : Number(v).toLocaleString(lang() === 'en' ? 'en-GB' : 'sv-SE'));

function period() {
	const k = $('p-kind').value;
	if (k === 'month') return /^\d{4}-\d{2}$/.test($('p-month').value) ? $('p-month').value : null;
	if (k === 'tertial') return $('p-tertial').value || null;
	if (k === 'year') return /^\d{4}$/.test($('p-year').value) ? $('p-year').value : null;
	const a = $('p-from').value, b = $('p-to').value;
	return a && b ? `${a}..${b}` : null;
}

function showKind() {
	for (const k of ['month', 'tertial', 'year', 'range']) $(`p-${k}-row`).hidden = $('p-kind').value !== k;
}

// A horizontal bar chart as SVG; the bars' numbers are also its text (a table follows).
function barChart(id, title, items, fmt = num, max = null) {
	const width = 320, bar = 22, gap = 8, label = 130;
	const top = Math.max(max || 0, ...items.map((x) => x.value || 0), 1);
	const h = items.length * (bar + gap) + gap;
	const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
	svg.setAttribute('viewBox', `0 0 ${width + label + 70} ${h}`);
	svg.setAttribute('role', 'img');
	svg.setAttribute('aria-labelledby', `${id}-title ${id}-desc`);
	svg.setAttribute('class', 'chart');
	const tt = document.createElementNS(svg.namespaceURI, 'title');
	tt.id = `${id}-title`;
	tt.textContent = title;
	const desc = document.createElementNS(svg.namespaceURI, 'desc');
	desc.id = `${id}-desc`;
	desc.textContent = items.length ? items.map((x) => `${x.label}: ${fmt(x.value)}`).join('; ')
		: t('Inga uppgifter för perioden.', 'No figures for the period.');
	svg.append(tt, desc);
	items.forEach((x, i) => {
		const y = gap + i * (bar + gap);
		const mk = (tag, attrs, text) => {
			const e = document.createElementNS(svg.namespaceURI, tag);
			for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
			if (text !== undefined) e.textContent = text;
			svg.append(e);
		};
		mk('text', { x: label - 6, y: y + bar * 0.7, 'text-anchor': 'end', 'font-size': 13, fill: '#1a1a1a' }, x.label);
		mk('rect', { x: label, y, width: Math.max(1, ((x.value || 0) / top) * width), height: bar, fill: '#1f5f8b' });
		mk('text', { x: label + Math.max(1, ((x.value || 0) / top) * width) + 6, y: y + bar * 0.7, 'font-size': 13, fill: '#1a1a1a' }, fmt(x.value));
	});
	return el('figure', { class: 'chart-box' }, el('figcaption', { text: title }), svg);
}

function table(caption, head, rows) {
	// a table wider than the screen scrolls in its own region, reachable by keyboard
	return el('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': caption }, el('table', {},
		el('caption', { text: caption }),
		el('thead', {}, el('tr', {}, ...head.map((x, i) => el('th', { scope: 'col', class: i ? null : 'text', text: x })))),
		el('tbody', {}, ...rows.map((r) => el('tr', {}, ...r.map((c, i) => (i ? el('td', { text: c }) : el('th', { scope: 'row', class: 'text', text: c }))))))));
}

// The busy hours as a heat map (weekday × hour): darker is more calls. Its text alternative
// is the description (the busiest hours) and the table of every figure that follows it.
function heatMap(busy) {
	const id = 'c-heat', cell = 18, left = 80, top = 22;
	const rows = busy.offered, max = Math.max(1, ...rows.flat());
	const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
	svg.setAttribute('viewBox', `0 0 ${left + 24 * cell + 4} ${top + 7 * cell + 4}`);
	svg.setAttribute('role', 'img');
	svg.setAttribute('aria-labelledby', `${id}-title ${id}-desc`);
	svg.setAttribute('class', 'chart heat');
	svg.id = id;
	const mk = (tag, attrs, text) => {
		const e = document.createElementNS(svg.namespaceURI, tag);
		for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
		if (text !== undefined) e.textContent = text;
		svg.append(e);
		return e;
	};
	const title = t('När ringer medborgarna? Erbjudna samtal per veckodag och timme', 'When do citizens call? Calls offered per weekday and hour');
	const peaks = [];
	rows.forEach((r, d) => r.forEach((v, h) => peaks.push({ d, h, v })));
	peaks.sort((a, b) => b.v - a.v);
	const top3 = peaks.filter((x) => x.v > 0).slice(0, 3)
		.map((x) => `${t(...DAYS[x.d])} ${String(x.h).padStart(2, '0')}–${String(x.h + 1).padStart(2, '0')}: ${num(x.v)}`);
	mk('title', { id: `${id}-title` }, title);
	mk('desc', { id: `${id}-desc` }, top3.length
		? t(`Mest samtal: ${top3.join('; ')}. Alla siffror finns i tabellen under.`, `Most calls: ${top3.join('; ')}. Every figure is in the table below.`)
		: t('Inga samtal under perioden.', 'No calls in the period.'));
	for (let h = 0; h < 24; h += 3) mk('text', { x: left + h * cell + 2, y: top - 6, 'font-size': 11, fill: '#1a1a1a' }, String(h).padStart(2, '0'));
	rows.forEach((r, d) => {
		mk('text', { x: left - 6, y: top + d * cell + cell * 0.7, 'text-anchor': 'end', 'font-size': 11, fill: '#1a1a1a' }, t(...DAYS[d]).slice(0, 3));
		r.forEach((v, h) => {
			// from almost white to the brand blue; an empty hour is a thin outline
			const k = v / max;
			mk('rect', { x: left + h * cell, y: top + d * cell, width: cell - 2, height: cell - 2,
				fill: v ? `rgb(${Math.round(235 - 204 * k)},${Math.round(242 - 147 * k)},${Math.round(248 - 109 * k)})` : '#ffffff',
				stroke: '#767676', 'stroke-width': v ? 0 : 0.5 });
		});
	});
	const tbl = table(t('Erbjudna samtal per veckodag och timme (tabell)', 'Calls offered per weekday and hour (table)'),
		[t('Veckodag', 'Weekday'), ...Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'))],
		rows.map((r, d) => [t(...DAYS[d]), ...r.map((v) => num(v))]));
	return el('figure', { class: 'chart-box' }, el('figcaption', { text: title }), svg,
		el('details', {}, el('summary', { text: t('Visa heatmappen som tabell', 'Show the heat map as a table') }), tbl));
}

function render() {
	if (!report) return;
	const r = report, tot = r.totals;
	$('h-result').textContent = t(`Rapport för ${r.period}`, `Report for ${r.period}`);
	$('totals').replaceChildren(table(t('Totalt', 'Totals'),
		[t('Mått', 'Measure'), t('Perioden', 'This period'), t('Perioden före', 'Period before')],
		[[t('Ärenden', 'Cases'), num(tot.cases), num(r.previous.totals.cases)],
			[t('Lösta vid första kontakt', 'First-contact resolution'), pct(tot.fcr), pct(r.previous.totals.fcr)],
			[t('Servicenivå 60 s', 'Service level 60 s'), pct(tot.calls && tot.calls.service_level_60), pct(r.previous.totals.calls && r.previous.totals.calls.service_level_60)],
			[t('Nöjdhet (andel 4–5)', 'Satisfaction (share 4–5)'), pct(tot.satisfaction && tot.satisfaction.share_4_5), '–']]));
	const b = r.breakdowns;
	$('charts').replaceChildren(
		barChart('c-sl', t('Servicenivå 60 s per svarsgrupp', 'Service level 60 s per response group'),
			(b.groups || []).map((g) => ({ label: g.group_name, value: g.calls ? g.calls.service_level_60 : null })), pct, 1),
		barChart('c-channels', t('Kontakter per kanal', 'Contacts per channel'),
			(b.channels || []).map((c) => ({ label: t(...(CHANNELS[c.channel] || [c.channel, c.channel])), value: c.cases }))),
		barChart('c-outcomes', t('Utfall', 'Outcomes'),
			Object.keys(OUTCOMES).map((k) => ({ label: t(...OUTCOMES[k]), value: tot[k] }))),
		barChart('c-categories', t('Ärenden per kategori', 'Cases per category'),
			(b.categories || []).map((c) => ({ label: c.category_name, value: c.cases }))),
		...(r.busy_hours ? [heatMap(r.busy_hours)] : []),
		barChart('c-sl-hour', t('Servicenivå 60 s per timme på dygnet', 'Service level 60 s per hour of the day'),
			(r.service_level_hours || []).filter((h) => h.offered > 0)
				.map((h) => ({ label: `${String(h.hour).padStart(2, '0')}–${String(h.hour + 1).padStart(2, '0')}`, value: h.service_level_60 })), pct, 1),
		barChart('c-sat-dist', t('Nöjdhet: svar 1–5 på frågan om bemötande', 'Satisfaction: answers 1–5 to the courtesy question'),
			((tot.satisfaction && tot.satisfaction.distribution) || [0, 0, 0, 0, 0])
				.map((v, i) => ({ label: t(`Svar ${i + 1}`, `Answer ${i + 1}`), value: v }))),
		barChart('c-sat-month', t('Andel nöjda (svar 4–5) per månad', 'Share satisfied (answers 4–5) per month'),
			(r.satisfaction_months || []).map((m) => ({ label: m.month, value: m.share_4_5 })), pct, 1));
	const caseRows = (list, name) => list.map((x) => [name(x), num(x.cases), num(x.resolved), num(x.guided), num(x.handed_over), pct(x.fcr)]);
	const head = (first) => [first, t('Ärenden', 'Cases'), t('Lösta', 'Resolved'), t('Vägledda', 'Guided'), t('Överlämnade', 'Handed over'), t('Lösta vid första kontakt', 'FCR')];
	$('tables').replaceChildren(
		table(t('Per svarsgrupp och förvaltning', 'Per response group and department'), head(t('Svarsgrupp – förvaltning', 'Group – department')),
			caseRows(r.rows, (x) => `${x.group_name} – ${x.client_name}`)),
		table(t('Per kategori', 'Per category'), head(t('Kategori', 'Category')), caseRows(b.categories || [], (x) => x.category_name)),
		table(t('Servicenivå per timme', 'Service level per hour'),
			[t('Timme', 'Hour'), t('Erbjudna', 'Offered'), t('Besvarade inom 60 s', 'Answered within 60 s'), t('Servicenivå 60 s', 'Service level 60 s')],
			(r.service_level_hours || []).filter((h) => h.offered > 0)
				.map((h) => [`${String(h.hour).padStart(2, '0')}–${String(h.hour + 1).padStart(2, '0')}`, num(h.offered), num(h.answered_60), pct(h.service_level_60)])),
		table(t('Nöjdhet per månad', 'Satisfaction per month'),
			[t('Månad', 'Month'), t('Svar', 'Answers'), '1', '2', '3', '4', '5', t('Andel 4–5', 'Share 4–5')],
			(r.satisfaction_months || []).map((m) => [m.month, num(m.answers), ...m.distribution.map(num), pct(m.share_4_5)])),
		table(t('Per underenhet', 'Per sub-unit'), head(t('Underenhet', 'Sub-unit')),
			caseRows(b.client_units || [], (x) => (x.client_unit_id ? x.client_unit_name : t('Ingen underenhet angiven', 'No sub-unit named')))));
}

async function load(ev) {
	if (ev) ev.preventDefault();
	$('err-period').textContent = '';
	$('page-error').textContent = '';
	const p = period();
	if (!p) {
		$('err-period').textContent = t('Välj en period.', 'Choose a period.');
		return;
	}
	const q = new URLSearchParams({ period: p });
	if (!viewer && $('f-client').value) q.set('client_id', $('f-client').value);
	if ($('f-unit').value) q.set('client_unit_id', $('f-unit').value);
	if ($('f-category').value) q.set('category_id', $('f-category').value);
	const picked = [...document.querySelectorAll('#f-groups input:checked')].map((x) => x.value);
	const all = document.querySelectorAll('#f-groups input').length;
	// every box ticked (or none) is "all my groups": the server narrows a lead to theirs
	if (picked.length && picked.length < all) q.set('group', picked.join(','));
	try {
		report = await api('GET', '/reports/period?' + q);
		query = q.toString();
		$('result').hidden = false;
		render();
		$('h-result').focus();
	} catch (e) {
		$('page-error').textContent = e.message;
		$('page-error').focus();
	}
}

async function download(format) {
	$('dl-status').textContent = '';
	const res = await fetch(`/api/v1/reports/period?${query}&format=${format}`,
		{ headers: { Authorization: 'Bearer ' + session().token, 'Accept-Language': lang() } });
	if (!res.ok) {
		let p = null;
		try { p = await res.json(); } catch { p = null; }
		$('dl-status').textContent = (p && (p.detail || p.title)) || 'HTTP ' + res.status;
		return;
	}
	const url = URL.createObjectURL(await res.blob());
	const a = el('a', { href: url, download: `rapport-${report.period}.${format}` });
	document.body.append(a);
	a.click();
	a.remove();
	setTimeout(() => URL.revokeObjectURL(url), 10000);
	$('dl-status').textContent = t(`Rapporten är nedladdad (${format.toUpperCase()}).`, `The report is downloaded (${format.toUpperCase()}).`);
}

async function options() {
	const fill = (sel, items, name) => sel.append(...items.map((x) => el('option', { value: String(x.id), text: name(x) })));
	try {
		if (!viewer) fill($('f-client'), (await api('GET', '/clients?limit=500')).items, (x) => x.name);
		if (!viewer) {
			// a lead picks among the groups they lead, a manager among all
			const groups = lead ? ((await api('GET', '/me')).groups || []).map((g) => ({ id: g.group_id, name: g.name }))
				: (await api('GET', '/groups?limit=500')).items;
			$('f-groups').replaceChildren(...groups.map((g) => el('label', { class: 'check' },
				el('input', { type: 'checkbox', value: String(g.id), checked: lead ? 'checked' : null }), ' ' + g.name)));
			$('group-row').hidden = groups.length === 0;
		}
		fill($('f-unit'), (await api('GET', '/client_units?limit=500')).items, (x) => x.name);
		fill($('f-category'), (await api('GET', '/categories?limit=500')).items, (x) => x.name);
	} catch (e) {
		$('page-error').textContent = e.message;
	}
}

const now = new Date();
$('p-month').value = now.toISOString().slice(0, 7);
$('p-year').value = String(now.getFullYear());
for (const y of [now.getFullYear(), now.getFullYear() - 1])
	for (const n of [1, 2, 3]) $('p-tertial').append(el('option', { value: `${y}-T${n}`, text: `${y} T${n}` }));
initLang(render);
$('sign-out').addEventListener('click', logout);
$('p-kind').addEventListener('change', showKind);
$('report-form').addEventListener('submit', load);
$('downloads').addEventListener('click', (ev) => {
	const b = ev.target.closest('button[data-format]');
	if (b) download(b.dataset.format).catch((e) => { $('dl-status').textContent = e.message; });
});
options().then(() => { document.body.dataset.ready = 'true'; });
