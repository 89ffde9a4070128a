// Reports in the browser: a period (month, tertial, year, dates), a department, sub-unit and
// category; the figures as tables and SVG bar charts (each with its numbers as text), and
// the same report as CSV, XLSX or PDF, fetched with the login's token and saved as a file.
import { api, initLang, t, el, lang, logout, requireSession, session } from './api.js';

const s = requireSession();
const $ = (id) => document.getElementById(id);
const viewer = s.user.role === 'client_viewer';
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
	desc.textContent = items.map((x) => `${x.label}: ${fmt(x.value)}`).join('; ');
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
			(b.categories || []).map((c) => ({ label: c.category_name, value: c.cases }))));
	const caseRows = (list, name) => list.map((x) => [name(x), num(x.cases), num(x.resolved), num(x.guided), num(x.handed_over), pct(x.fcr)]);
	const head = (first) => [first, t('Ärenden', 'Cases'), t('Lösta', 'Resolved'), t('Vägledda', 'Guided'), t('Överlämnade', 'Handed over'), t('Lösta vid första kontakt', 'FCR')];
	$('tables').replaceChildren(
		table(t('Per svarsgrupp och förvaltning', 'Per response group and department'), head(t('Svarsgrupp – förvaltning', 'Group – department')),
			caseRows(r.rows, (x) => `${x.group_name} – ${x.client_name}`)),
		table(t('Per kategori', 'Per category'), head(t('Kategori', 'Category')), caseRows(b.categories || [], (x) => x.category_name)),
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
