// Shared by every page: the session token, API calls that turn problem+json into errors,
// and the Swedish/English switch.

const TOKEN = 'lotsen.token';
const USER = 'lotsen.user';

export function session() {
	const token = sessionStorage.getItem(TOKEN);
	const user = JSON.parse(sessionStorage.getItem(USER) || 'null');
	return token && user ? { token, user } : null;
}

export function saveSession(login) {
	sessionStorage.setItem(TOKEN, login.token);
	sessionStorage.setItem(USER, JSON.stringify({ id: login.user_id, role: login.role, client_id: login.client_id }));
}

export function clearSession() {
	sessionStorage.removeItem(TOKEN);
	sessionStorage.removeItem(USER);
}

// Pages that need a login send the visitor to the login page and come back afterwards.
export function requireSession() {
	const s = session();
	if (!s) {
		location.replace('index.html?next=' + encodeURIComponent(location.pathname.replace(/^\//, '') + location.search));
		throw new Error('not logged in');
	}
	return s;
}

export class ApiError extends Error {
	constructor(status, problem) {
		super((problem && (problem.detail || problem.title)) || 'HTTP ' + status);
		this.status = status;
		this.problem = problem || {};
	}
}

// A read the server answered 503 with Retry-After (busy with many searches, the queue on
// another node, the database a moment away) is asked again after that many seconds (at
// most 5), up to this many times, before the page shows the error.
const READ_RETRIES = 4;

export async function api(method, path, body) {
	const headers = { 'Accept-Language': lang() };
	const s = session();
	if (s) headers.Authorization = 'Bearer ' + s.token;
	if (body !== undefined) headers['Content-Type'] = 'application/json';
	let res;
	for (let attempt = 0; ; attempt++) {
		try {
			res = await fetch('/api/v1' + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
		} catch (e) {
			throw new ApiError(0, { title: t('Servern svarar inte', 'The server does not answer'), detail: String(e) });
		}
		const after = Number(res.headers.get('Retry-After'));
		if (method !== 'GET' || res.status !== 503 || !(after > 0) || attempt >= READ_RETRIES) break;
		// spread out, so a page's reads do not all come back in the same instant
		await new Promise((done) => setTimeout(done, Math.min(after, 5) * 1000 * (1 + Math.random() / 2)));
	}
	const text = await res.text();
	let data = null;
	try { data = text ? JSON.parse(text) : null; } catch { data = null; }
	if (!res.ok) throw new ApiError(res.status, data);
	return data;
}

// A report that must reach the server even when the page is being left: fetch with
// keepalive (navigator.sendBeacon cannot send the Authorization header). Failures are
// ignored: such reports are statistics, never the user's work.
export function apiKeepalive(method, path, body) {
	const s = session();
	if (!s) return;
	try {
		fetch('/api/v1' + path, { method, keepalive: true, headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + s.token },
			body: JSON.stringify(body) }).catch(() => {});
	} catch { /* a page being torn down may refuse */ }
}

export async function logout() {
	try { await api('POST', '/logout'); } catch { /* the token may already be gone */ }
	clearSession();
	location.href = 'index.html';
}

// ---- language -----------------------------------------------------------------------
// Swedish is written in the HTML; an element with data-en has its English text there.

export function lang() {
	return localStorage.getItem('lotsen.lang') === 'en' ? 'en' : 'sv';
}

export function t(sv, en) {
	return lang() === 'en' ? en : sv;
}

export function applyLang(root = document) {
	const l = lang();
	document.documentElement.lang = l;
	for (const el of root.querySelectorAll('[data-en]')) {
		if (!el.dataset.sv) el.dataset.sv = el.textContent;
		el.textContent = l === 'en' ? el.dataset.en : el.dataset.sv;
	}
	for (const el of root.querySelectorAll('[data-en-placeholder]')) {
		if (!el.dataset.svPlaceholder) el.dataset.svPlaceholder = el.placeholder;
		el.placeholder = l === 'en' ? el.dataset.enPlaceholder : el.dataset.svPlaceholder;
	}
	for (const el of root.querySelectorAll('[data-en-label]')) {
		if (!el.dataset.svLabel) el.dataset.svLabel = el.getAttribute('aria-label');
		el.setAttribute('aria-label', l === 'en' ? el.dataset.enLabel : el.dataset.svLabel);
	}
	for (const el of root.querySelectorAll('[data-en-title]')) {
		if (!el.dataset.svTitle) el.dataset.svTitle = el.title;
		el.title = l === 'en' ? el.dataset.enTitle : el.dataset.svTitle;
	}
	const sw = document.getElementById('lang-switch');
	if (sw) {
		sw.textContent = l === 'en' ? 'Svenska' : 'English';
		sw.lang = l === 'en' ? 'sv' : 'en';
	}
}

// Links meant for some roles only (data-roles="group_lead manager") appear for them.
export function showRoleLinks() {
	const s = session();
	for (const e of document.querySelectorAll('[data-roles]'))
		e.hidden = !(s && e.dataset.roles.split(' ').includes(s.user.role));
}

// Wires the language button; onChange re-renders what the page wrote from script.
export function initLang(onChange) {
	applyLang();
	showRoleLinks();
	const sw = document.getElementById('lang-switch');
	if (sw)
		sw.addEventListener('click', () => {
			localStorage.setItem('lotsen.lang', lang() === 'en' ? 'sv' : 'en');
			applyLang();
			if (onChange) onChange();
		});
}

export function el(tag, attrs = {}, ...children) {
	const e = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs)) {
		if (v === null || v === undefined || v === false) continue;
		if (k === 'text') e.textContent = v;
		else if (k === 'class') e.className = v;
		else e.setAttribute(k, v === true ? '' : v);
	}
	for (const c of children) if (c !== null && c !== undefined) e.append(c);
	return e;
}

export function roleName(role) {
	const names = {
		agent: ['servicehandläggare', 'agent'], group_lead: ['gruppledare', 'group lead'],
		manager: ['chef', 'manager'], admin: ['systemförvaltare', 'administrator'],
		client_viewer: ['förvaltningsläsare', 'department viewer'],
	};
	const n = names[role];
	return n ? t(n[0], n[1]) : role;
}

export function seconds(s) {
	if (s === null || s === undefined) return '–';
	s = Math.max(0, Math.round(s));
	const m = Math.floor(s / 60);
	return m + ':' + String(s % 60).padStart(2, '0');
}
