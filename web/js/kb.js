// The knowledge base for staff (docs/knowledge-base.md): browse and search articles, read
// one (the server's rendered, sanitized HTML), edit it, its versions and their diff, flags.
import { api, apiKeepalive, requireSession, logout, initLang, applyLang, t, el, ApiError } from './api.js';

const me = requireSession().user;
const $ = (id) => document.getElementById(id);
const EDITORS = ['group_lead', 'manager', 'admin', 'client_viewer'];
const KINDS = [['qa', 'Fråga–svar', 'Q&A'], ['routine', 'Rutin', 'Routine'], ['checklist', 'Checklista', 'Checklist'],
	['news', 'Nyhet', 'News'], ['notice', 'Viktigt meddelande', 'Notice']];
const STATUSES = [['draft', 'Utkast', 'Draft'], ['published', 'Publicerad', 'Published'], ['archived', 'Arkiverad', 'Archived']];
const FLAGS = { wrong: ['Fel', 'Wrong'], incomplete: ['Ofullständig', 'Incomplete'], outdated: ['Inaktuell', 'Outdated'], missing: ['Saknas', 'Missing'] };

let groups = []; // [{id, name}]
let items = []; // the list shown
let article = null; // the article open (GET /kb/articles/{id})
let versions = [];
let unopened = null; // the last search whose hits are shown and none opened yet

// A search whose hits the agent left without opening one is reported once, when the next
// search starts or the page is left; the server counts it per query ("no click").
function searchLeft() {
	if (unopened) apiKeepalive('POST', '/kb/search/abandon', { q: unopened });
	unopened = null;
}

const lbl = (sv, en) => el('span', { 'data-en': en, text: sv });
const label = (list, v) => { const o = list.find((x) => x[0] === v); return o ? t(o[1], o[2]) : v; };
const groupName = (id) => (groups.find((g) => g.id === id) || { name: '#' + id }).name;
const entities = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'" };
const unescape = (s) => s.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (m) => entities[m]);

// A search snippet is escaped text with <mark>…</mark>: everything but the marks is text.
function snippet(text) {
	const p = el('p', { class: 'snippet' });
	(text || '').split(/(<mark>|<\/mark>)/).reduce((inMark, part) => {
		if (part === '<mark>') return true;
		if (part === '</mark>') return false;
		if (part) p.append(inMark ? el('mark', { text: unescape(part) }) : document.createTextNode(unescape(part)));
		return inMark;
	}, false);
	return p;
}

function show(view) {
	for (const v of ['list-view', 'article-view', 'edit-view', 'versions-view']) $(v).hidden = v !== view;
}

// ---- the list ------------------------------------------------------------------------

async function loadGroups() {
	for (const path of ['/groups?limit=1000', '/acd/groups']) {
		try {
			const r = await api('GET', path);
			groups = (r.items || []).map((g) => ({ id: g.id ?? g.group_id, name: g.name }));
			if (groups.length) return;
		} catch { /* agents may not read /groups */ }
	}
}

function fillFilters() {
	$('filter-group').append(...groups.map((g) => el('option', { value: String(g.id), text: g.name })));
	$('filter-kind').append(...KINDS.map(([v, sv, en]) => el('option', { value: v, 'data-en': en, text: sv })));
}

async function search(ev) {
	if (ev) ev.preventDefault();
	const q = $('q').value.trim();
	const group = $('filter-group').value;
	const kind = $('filter-kind').value;
	searchLeft();
	$('list-status').textContent = t('Söker …', 'Searching …');
	try {
		const params = new URLSearchParams({ limit: '200' });
		if (group) params.set('group_id', group);
		if (kind) params.set('kind', kind);
		$('did-you-mean').hidden = true;
		if (q) {
			const [hits, scoped] = await Promise.all([api('GET', '/kb/search?limit=50&q=' + encodeURIComponent(q)),
				group ? api('GET', '/kb/articles?' + params) : null]);
			const allowed = scoped ? new Set(scoped.items.map((a) => a.id)) : null;
			items = hits.items.filter((a) => (!kind || a.kind === kind) && (!allowed || allowed.has(a.id)));
			// "Menade du …?": the server's correction of words no article uses.
			if (hits.did_you_mean) {
				$('btn-did-you-mean').textContent = hits.did_you_mean;
				$('did-you-mean').hidden = false;
			}
			if (items.length) unopened = q;
		} else {
			items = (await api('GET', '/kb/articles?' + params)).items;
		}
		renderList();
	} catch (e) {
		$('list-status').textContent = e.message;
	}
}

function renderList() {
	$('results').replaceChildren(el('ul', { class: 'kb-results', id: 'result-list' }, ...items.map((a) => {
		const open = el('button', { type: 'button', class: 'link-btn', 'data-id': String(a.id), text: a.title });
		open.addEventListener('click', () => { unopened = null; openArticle(a.id); });
		const meta = [label(KINDS, a.kind)];
		if (a.status) meta.push(label(STATUSES, a.status));
		if (a.groups && a.groups.length) meta.push(a.groups.map(groupName).join(', '));
		return el('li', {}, el('h3', {}, open), el('p', { class: 'hint', text: meta.join(' · ') }), a.snippet ? snippet(a.snippet) : null);
	})));
	$('list-status').textContent = items.length ? t(`${items.length} artiklar.`, `${items.length} articles.`) : t('Inga artiklar.', 'No articles.');
}

async function loadFlags() {
	if (!EDITORS.includes(me.role)) return;
	try {
		const r = await api('GET', '/kb/flags?status=open');
		$('flags').replaceChildren(r.items.length ? el('ul', { class: 'kb-results', id: 'flag-list' }, ...r.items.map((f) => {
			const title = f.article_id ? el('button', { type: 'button', class: 'link-btn', text: f.title || '#' + f.article_id }) : lbl('Saknad artikel', 'Missing article');
			if (f.article_id) title.addEventListener('click', () => openArticle(f.article_id));
			const kind = FLAGS[f.kind] || [f.kind, f.kind];
			return el('li', { 'data-flag': String(f.id) }, el('h3', {}, title),
				el('p', { class: 'hint', text: `${t(kind[0], kind[1])} · ${f.created_by_name || ''} · ${(f.created_at || '').slice(0, 10)}` }),
				el('p', { text: f.message }));
		})) : el('p', {}, lbl('Inga öppna flaggor.', 'No open flags.')));
		applyLang($('flags'));
	} catch (e) {
		$('flags').replaceChildren(el('p', { text: e.message }));
	}
}

async function reportMissing(ev) {
	ev.preventDefault();
	$('err-question').textContent = '';
	$('f-question').removeAttribute('aria-invalid');
	try {
		await api('POST', '/kb/missing', { question: $('f-question').value.trim() });
		$('f-question').value = '';
		$('missing-done').textContent = t('Tack! Frågan är rapporterad.', 'Thank you, the question is reported.');
	} catch (e) {
		const err = e instanceof ApiError && e.problem.errors && e.problem.errors[0];
		$('err-question').textContent = err ? err.message : e.message;
		$('f-question').setAttribute('aria-invalid', 'true');
		$('f-question').focus();
	}
}

// ---- read receipts of urgent notices -------------------------------------------------

async function loadReads() {
	const [notices, mine] = await Promise.all([api('GET', '/kb/notices'), api('GET', '/kb/reads/mine')]);
	const read = new Set(mine.items);
	$('reads-panel').hidden = !notices.items.length;
	$('read-list').replaceChildren(...notices.items.map((n) => {
		const open = el('button', { type: 'button', class: 'link-btn', text: n.title });
		open.addEventListener('click', () => openArticle(n.id));
		let action;
		if (read.has(n.id)) {
			action = el('p', { class: 'hint', id: 'read-state-' + n.id }, lbl('Du har bekräftat att du läst det.', 'You have confirmed reading it.'));
		} else {
			action = el('button', { type: 'button', id: 'btn-read-' + n.id, 'aria-describedby': 'read-title-' + n.id }, lbl('Jag har läst det', 'I have read it'));
			action.addEventListener('click', () => confirmRead(n));
		}
		return el('li', { 'data-notice': String(n.id) }, el('h3', { id: 'read-title-' + n.id }, open), action);
	}));
	applyLang($('reads-panel'));
}

async function confirmRead(n) {
	try {
		await api('POST', `/kb/articles/${n.id}/read`);
		await loadReads();
		$('read-done').textContent = t(`Bekräftat: ${n.title}.`, `Confirmed: ${n.title}.`);
		$('h-reads').focus();
	} catch (e) {
		$('read-done').textContent = e.message;
	}
}

async function loadUnread() {
	if (!['group_lead', 'manager', 'admin'].includes(me.role)) return;
	const r = await api('GET', '/kb/reads');
	$('unread').replaceChildren(r.items.length ? el('table', { class: 'data', id: 'unread-table' },
		el('caption', {}, lbl('Gällande viktiga meddelanden', 'Current urgent notices')),
		el('thead', {}, el('tr', {}, ...[['Meddelande', 'Notice'], ['Har bekräftat', 'Confirmed'], ['Har inte läst', 'Not read by']]
			.map(([sv, en]) => el('th', { scope: 'col' }, lbl(sv, en))))),
		el('tbody', {}, ...r.items.map((n) => el('tr', { 'data-notice': String(n.id) },
			el('th', { scope: 'row', class: 'text', text: n.title }),
			el('td', { text: String(n.confirmed) }),
			el('td', { class: 'text unread-names', text: n.unread.map((u) => u.display_name).join(', ') || t('Alla har läst.', 'Everyone has read it.') })))))
		: el('p', {}, lbl('Inga gällande viktiga meddelanden.', 'No current urgent notices.')));
	applyLang($('unread'));
}

// ---- the municipality's own words: synonyms and missed questions ----------------------

async function loadSynonyms() {
	if (!EDITORS.includes(me.role)) return;
	const r = await api('GET', '/kb/synonyms?limit=500');
	$('synonyms').replaceChildren(el('table', { class: 'data', id: 'synonym-table' },
		el('caption', {}, lbl(`Synonymer (${r.total})`, `Synonyms (${r.total})`)),
		el('thead', {}, el('tr', {}, ...[['Ord', 'Word'], ['Betyder', 'Means'], ['Ta bort', 'Remove']]
			.map(([sv, en]) => el('th', { scope: 'col' }, lbl(sv, en))))),
		el('tbody', {}, ...r.items.map((x) => {
			// The row's word describes its button: "Ta bort" of which synonym.
			const del = el('button', { type: 'button', class: 'link-btn', 'aria-describedby': 'syn-' + x.id }, lbl('Ta bort', 'Remove'));
			del.addEventListener('click', () => removeSynonym(x));
			return el('tr', { 'data-word': x.word }, el('th', { scope: 'row', class: 'text', id: 'syn-' + x.id, text: x.word }),
				el('td', { class: 'text', text: x.means }), el('td', {}, del));
		}))));
	applyLang($('synonyms'));
}

function effectText(word, hits) {
	return hits.length ? t(`Sökningen på ”${word}” hittar nu först: ${hits[0].title}.`, `A search for “${word}” now finds first: ${hits[0].title}.`)
		: t(`Sökningen på ”${word}” hittar ännu ingen artikel.`, `A search for “${word}” finds no article yet.`);
}

async function addSynonym(ev) {
	ev.preventDefault();
	for (const f of ['word', 'means']) {
		$('err-' + f).textContent = '';
		$('f-' + f).removeAttribute('aria-invalid');
	}
	try {
		const r = await api('POST', '/kb/synonyms', { word: $('f-word').value.trim(), means: $('f-means').value.trim() });
		$('f-word').value = '';
		$('f-means').value = '';
		await loadSynonyms();
		// Said once the list shows it.
		$('synonym-done').textContent = t('Sparat. ', 'Saved. ') + effectText(r.word, r.hits);
	} catch (e) {
		const errs = (e instanceof ApiError && e.problem.errors) || [{ field: 'word', message: e.message }];
		let first = null;
		for (const x of errs) {
			const f = $('err-' + x.field) ? x.field : 'word';
			$('err-' + f).textContent = x.message;
			$('f-' + f).setAttribute('aria-invalid', 'true');
			first = first || $('f-' + f);
		}
		first.focus();
	}
}

async function removeSynonym(x) {
	try {
		await api('DELETE', '/kb/synonyms/' + x.id);
		await loadSynonyms();
		$('synonym-done').textContent = t(`Synonymen ${x.word} är borttagen.`, `The synonym ${x.word} is removed.`);
		$('h-words').focus();
	} catch (e) {
		$('synonym-done').textContent = e.message;
	}
}

// Questions agents reported and searches that missed, each with the article to connect it
// to: connected, it becomes a search word of the article and leaves the list.
function missList(id, list, prefix, text, count) {
	if (!list.length) return null;
	return el('ul', { class: 'kb-results', id }, ...list.map((m, i) => {
		const sel = el('select', { id: prefix + '-art-' + i }, el('option', { value: '', 'data-en': 'Choose an article', text: 'Välj en artikel' }),
			...missArticles.map((a) => el('option', { value: String(a.id), text: a.title })));
		const btn = el('button', { type: 'button', id: 'btn-' + prefix + '-' + i }, lbl('Koppla', 'Connect'));
		btn.addEventListener('click', () => connectMiss(text(m), sel));
		return el('li', { 'data-question': text(m) }, el('h3', { id: prefix + '-q-' + i, text: text(m) }),
			el('p', { class: 'hint' }, count(m)),
			el('div', { class: 'row' }, el('div', {}, el('label', { for: prefix + '-art-' + i }, lbl('Artikeln som svarar', 'The article that answers')), sel), btn));
	}));
}

let missArticles = [];

async function loadMisses() {
	if (!['group_lead', 'manager', 'admin'].includes(me.role)) return;
	const [stats, arts] = await Promise.all([api('GET', '/kb/stats'), api('GET', '/kb/articles?status=published&limit=500')]);
	const open = stats.missing.filter((m) => m.open > 0);
	const searches = stats.missed_searches || [];
	missArticles = arts.items;
	$('misses').replaceChildren(
		missList('miss-list', open, 'miss', (m) => m.question, (m) => lbl(`Frågad ${m.count} gånger`, `Asked ${m.count} times`))
			|| el('p', {}, lbl('Inga obesvarade frågor.', 'No unanswered questions.')));
	$('search-misses').replaceChildren(
		missList('search-miss-list', searches, 'smiss', (m) => m.query, (m) => lbl(
			`Utan träff: ${m.no_hit}, träffar men ingen öppnad: ${m.no_click}`,
			`No hit: ${m.no_hit}, hits but none opened: ${m.no_click}`))
			|| el('p', {}, lbl('Inga missade sökningar.', 'No missed searches.')));
	applyLang($('misses'));
	applyLang($('search-misses'));
}

async function connectMiss(question, sel) {
	if (!sel.value) {
		$('miss-done').textContent = t('Välj först artikeln som svarar på frågan.', 'First choose the article that answers the question.');
		sel.focus();
		return;
	}
	try {
		const r = await api('POST', '/kb/missing/connect', { question, article_id: Number(sel.value) });
		await loadMisses();
		$('miss-done').textContent = t('Kopplat. ', 'Connected. ') + effectText(question, r.hits);
		$('h-misses').focus();
	} catch (e) {
		$('miss-done').textContent = e.message;
	}
}

// ---- one article ---------------------------------------------------------------------

async function openArticle(id) {
	try {
		article = await api('GET', '/kb/articles/' + id);
	} catch (e) {
		$('list-status').textContent = e.message;
		return;
	}
	renderArticle();
	show('article-view');
	history.replaceState(null, '', '#article-' + article.id);
	$('a-title').focus();
}

function renderArticle() {
	const a = article;
	$('a-title').textContent = a.title;
	const meta = [label(KINDS, a.kind), label(STATUSES, a.status), t('version ', 'version ') + a.version];
	if (a.groups.length) meta.push(a.groups.map(groupName).join(', '));
	if (a.tags.length) meta.push(t('sökord: ', 'tags: ') + a.tags.join(', '));
	if (a.review_date) meta.push(t('granska senast ', 'review by ') + a.review_date);
	$('a-meta').textContent = meta.join(' · ');
	$('a-meta').dataset.version = String(a.version);
	// The server renders the Markdown in safe mode and checks the result (no raw HTML from
	// authors, no scripts, only allowed link targets): this is the only HTML the page inserts.
	$('a-body').innerHTML = a.body_html || '';
	$('btn-edit').hidden = !a.can_edit;
	$('flag-done').textContent = '';
}

async function sendFlag(ev) {
	ev.preventDefault();
	for (const f of ['kind', 'message']) $('err-' + f).textContent = '';
	$('f-flag-message').removeAttribute('aria-invalid');
	try {
		const r = await api('POST', `/kb/articles/${article.id}/flags`, { kind: $('f-flag-kind').value, message: $('f-flag-message').value.trim() });
		$('f-flag-message').value = '';
		$('flag-done').textContent = t('Artikeln är flaggad. Ägaren får ett meddelande.', 'The article is flagged. The owner is notified.');
		$('flag-done').dataset.id = String(r.id);
	} catch (e) {
		const errs = (e instanceof ApiError && e.problem.errors) || [{ field: 'message', message: e.message }];
		for (const x of errs) {
			const p = $('err-' + x.field) || $('err-message');
			p.textContent = x.message;
		}
		$('f-flag-message').setAttribute('aria-invalid', 'true');
		$('f-flag-message').focus();
	}
}

// ---- editing -------------------------------------------------------------------------

function field(name, sv, en, input, hint) {
	const desc = [hint ? 'hint-' + name : null, 'err-' + name].filter(Boolean).join(' ');
	input.id = 'f-' + name;
	input.setAttribute('aria-describedby', desc);
	return el('div', { class: 'field', 'data-field': name }, el('label', { for: 'f-' + name, 'data-en': en, text: sv }), input,
		hint ? el('p', { class: 'hint', id: 'hint-' + name, 'data-en': hint[1], text: hint[0] }) : null,
		el('p', { class: 'field-error', id: 'err-' + name }));
}

function select(options, value) {
	const s = el('select', {}, ...options.map(([v, sv, en]) => el('option', { value: v, 'data-en': en, text: sv })));
	s.value = value;
	return s;
}

function openEdit(isNew) {
	const a = isNew ? null : article;
	$('h-edit').textContent = isNew ? t('Ny artikel', 'New article') : t('Ändra: ', 'Edit: ') + a.title;
	const title = el('input', { type: 'text', required: true });
	title.value = a ? a.title : '';
	const body = el('textarea', { rows: 16, class: 'markdown' });
	body.value = a ? a.body : '';
	const tags = el('input', { type: 'text' });
	tags.value = a ? a.tags.join(', ') : '';
	const review = el('input', { type: 'text', inputmode: 'numeric', placeholder: 'ÅÅÅÅ-MM-DD', 'data-en-placeholder': 'YYYY-MM-DD' });
	review.value = a && a.review_date ? a.review_date : '';
	const note = el('input', { type: 'text' });
	const chosen = new Set(a ? a.groups : []);
	const groupBoxes = el('fieldset', { class: 'field', id: 'f-groups', 'data-field': 'groups', 'aria-describedby': 'err-groups' },
		el('legend', { 'data-en': 'Response groups', text: 'Svarsgrupper' }),
		el('div', { class: 'checks' }, ...groups.map((g) => el('div', { class: 'check' },
			el('input', { type: 'checkbox', id: 'g-' + g.id, value: String(g.id), checked: chosen.has(g.id) }),
			el('label', { for: 'g-' + g.id, text: g.name })))),
		el('p', { class: 'field-error', id: 'err-groups' }));
	const preview = el('section', { class: 'preview', 'aria-labelledby': 'h-preview' },
		el('h3', { id: 'h-preview', 'data-en': 'Preview (as saved)', text: 'Förhandsvisning (sparad version)' }),
		el('p', { class: 'hint', id: 'hint-preview', 'data-en': 'The server renders the Markdown when the article is saved; changes show here after Save.', text: 'Servern visar Markdown som HTML när artikeln sparas; ändringar syns här efter Spara.' }),
		el('div', { class: 'article-body', id: 'preview' }));
	$('edit').replaceChildren(
		field('title', 'Rubrik', 'Title', title),
		el('div', { class: 'row' }, field('kind', 'Typ', 'Kind', select(KINDS, a ? a.kind : 'qa')),
			field('status', 'Status', 'Status', select(STATUSES, a ? a.status : 'draft')),
			field('review_date', 'Granska senast', 'Review by', review, ['ÅÅÅÅ-MM-DD, tomt för inget datum.', 'YYYY-MM-DD, empty for none.'])),
		groupBoxes,
		field('tags', 'Sökord', 'Tags', tags, ['Ord som inte står i texten, åtskilda med kommatecken.', 'Words the text may not use, separated by commas.']),
		el('div', { class: 'editor' }, field('body', 'Text (Markdown)', 'Text (Markdown)', body, ['**fet**, *kursiv*, - lista, [länk](https://…). HTML visas inte.', '**bold**, *italic*, - list, [link](https://…). HTML is not shown.']),
			preview),
		field('note', 'Vad har ändrats?', 'What changed?', note, ['Visas i versionslistan.', 'Shown in the list of versions.']),
		el('p', { class: 'alert', id: 'form-error', role: 'alert' }),
		el('div', { class: 'row' }, el('button', { type: 'submit', class: 'primary', id: 'btn-save', 'data-en': 'Save', text: 'Spara' }),
			el('button', { type: 'button', id: 'btn-cancel', 'data-en': 'Close', text: 'Stäng' })),
		el('p', { class: 'notice', id: 'saved', role: 'status' }));
	$('preview').innerHTML = a ? a.body_html || '' : ''; // the server's safe rendering
	$('btn-cancel').addEventListener('click', () => (article ? openArticle(article.id) : backToList()));
	$('edit').dataset.mode = isNew ? 'new' : 'edit';
	applyLang($('edit'));
	show('edit-view');
	$('h-edit').focus();
}

function readForm() {
	const v = (id) => $(id).value.trim();
	return {
		title: v('f-title'), kind: v('f-kind'), status: v('f-status'),
		review_date: v('f-review_date') || null,
		groups: [...$('f-groups').querySelectorAll('input:checked')].map((c) => Number(c.value)),
		tags: v('f-tags').split(',').map((x) => x.trim()).filter(Boolean),
		body: $('f-body').value,
	};
}

function clearErrors() {
	for (const p of $('edit').querySelectorAll('.field-error')) p.textContent = '';
	for (const x of $('edit').querySelectorAll('[aria-invalid]')) x.removeAttribute('aria-invalid');
	$('form-error').textContent = '';
	$('saved').textContent = '';
}

function showErrors(problem) {
	const list = problem.errors && problem.errors.length ? problem.errors : [{ field: '', message: problem.detail || problem.title }];
	const general = [];
	let first = null;
	for (const e of list) {
		const base = String(e.field || '').split(/[.[]/)[0];
		const p = $('err-' + base);
		if (!base || !p) { general.push(e.field ? `${e.field}: ${e.message}` : e.message); continue; }
		p.textContent = (p.textContent ? p.textContent + ' ' : '') + e.message;
		const target = base === 'groups' ? $('f-groups').querySelector('input') : $('f-' + base);
		if (target) {
			target.setAttribute('aria-invalid', 'true');
			if (!first) first = target;
		}
	}
	$('form-error').textContent = general.join(' ');
	(first || $('btn-save')).focus();
}

async function save(ev) {
	ev.preventDefault();
	clearErrors();
	const isNew = $('edit').dataset.mode === 'new';
	const next = readForm();
	const body = {};
	for (const [k, v] of Object.entries(next)) {
		if (isNew) { if (v !== null && !(Array.isArray(v) && !v.length)) body[k] = v; } else if (JSON.stringify(v) !== JSON.stringify(article[k] ?? null)) body[k] = v;
	}
	const note = $('f-note').value.trim();
	if (!isNew && !Object.keys(body).length) {
		$('saved').textContent = t('Inga ändringar att spara.', 'No changes to save.');
		return;
	}
	if (note) body.note = note;
	try {
		const saved = isNew ? await api('POST', '/kb/articles', body) : await api('PATCH', '/kb/articles/' + article.id, body);
		article = await api('GET', '/kb/articles/' + saved.id);
		openEdit(false);
		$('saved').textContent = t(`Sparat som version ${article.version}.`, `Saved as version ${article.version}.`);
		$('saved').dataset.id = String(article.id);
		$('saved').dataset.version = String(article.version);
		history.replaceState(null, '', '#article-' + article.id);
	} catch (e) {
		if (e instanceof ApiError && e.status === 422) showErrors(e.problem);
		else {
			$('form-error').textContent = e instanceof ApiError && e.status === 403
				? t('Din roll får inte ändra den här artikeln.', 'Your role may not change this article.') : e.message;
			$('btn-save').focus();
		}
	}
}

// ---- versions and diff ---------------------------------------------------------------

async function openVersions() {
	versions = (await api('GET', `/kb/articles/${article.id}/versions`)).items;
	const head = el('tr', {}, ...[['Version', 'Version'], ['Tid', 'Time'], ['Av', 'By'], ['Rubrik', 'Title'], ['Ändring', 'Change']]
		.map(([sv, en]) => el('th', { scope: 'col' }, lbl(sv, en))));
	const rows = versions.map((v) => el('tr', {}, el('th', { scope: 'row', text: String(v.version) }),
		el('td', { class: 'text', text: (v.created_at || '').replace('T', ' ').slice(0, 16) }),
		el('td', { class: 'text', text: v.author || '' }), el('td', { class: 'text', text: v.title }),
		el('td', { class: 'text', text: v.note || '' })));
	$('versions').replaceChildren(el('table', { class: 'data', id: 'version-table' },
		el('caption', {}, lbl(`Versioner av ${article.title}`, `Versions of ${article.title}`)), el('thead', {}, head), el('tbody', {}, ...rows)));
	const opts = () => versions.map((v) => el('option', { value: String(v.version), text: String(v.version) }));
	$('diff-from').replaceChildren(...opts());
	$('diff-to').replaceChildren(...opts());
	$('diff-to').value = String(versions[0].version);
	$('diff-from').value = String((versions[1] || versions[0]).version);
	$('diff').replaceChildren();
	applyLang($('versions'));
	show('versions-view');
	$('h-versions').focus();
	if (versions.length > 1) await showDiff();
}

async function showDiff(ev) {
	if (ev) ev.preventDefault();
	try {
		const r = await api('GET', `/kb/articles/${article.id}/diff?from=${$('diff-from').value}&to=${$('diff-to').value}`);
		const lines = (r.diff || '').split('\n');
		if (lines.length && lines[lines.length - 1] === '') lines.pop();
		$('diff').replaceChildren(...(lines.length ? lines : [t('Inga skillnader.', 'No differences.')]).map((line) => {
			const c = line.startsWith('@@') ? 'hunk' : line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : 'ctx';
			return el('span', { class: 'line ' + c, text: (c === 'del' ? '−' + line.slice(1) : line) + '\n' });
		}));
	} catch (e) {
		$('diff').textContent = e.message;
	}
}

function backToList() {
	show('list-view');
	history.replaceState(null, '', location.pathname);
	loadFlags();
	$('h-list').focus();
}

function fail(e) {
	$('page-error').textContent = e instanceof ApiError && e.status === 401
		? t('Inloggningen har gått ut. Logga in igen.', 'Your login has expired. Please log in again.') : e.message;
	$('kb').hidden = true;
}

async function start() {
	try {
		await loadGroups();
		fillFilters();
		applyLang();
		await search();
		await loadFlags();
		// Each panel on its own: one that fails says so and leaves the rest of the page.
		await Promise.all([[loadReads, 'read-done'], [loadUnread, 'unread'], [loadSynonyms, 'synonym-done'], [loadMisses, 'miss-done']]
			.map(([f, where]) => f().catch((e) => { $(where).textContent = e.message; })));
		const m = /^#article-(\d+)$/.exec(location.hash);
		if (m) await openArticle(Number(m[1]));
		document.body.dataset.ready = 'true';
	} catch (e) {
		fail(e);
	}
}

initLang(() => {
	if (!$('list-view').hidden) renderList();
	if (!$('article-view').hidden && article) renderArticle();
});
$('sign-out').addEventListener('click', logout);
window.addEventListener('pagehide', searchLeft);
$('search').addEventListener('submit', search);
$('btn-did-you-mean').addEventListener('click', () => { $('q').value = $('btn-did-you-mean').textContent; search(); });
$('synonym-form').addEventListener('submit', addSynonym);
$('btn-new').addEventListener('click', () => { article = null; openEdit(true); });
$('missing').addEventListener('submit', reportMissing);
$('btn-back').addEventListener('click', backToList);
$('btn-edit').addEventListener('click', () => openEdit(false));
$('btn-versions').addEventListener('click', () => openVersions().catch((e) => { $('a-meta').textContent = e.message; }));
$('btn-back-article').addEventListener('click', () => openArticle(article.id));
$('flag').addEventListener('submit', sendFlag);
$('edit').addEventListener('submit', save);
$('diff-form').addEventListener('submit', showDiff);
start();
