// The login page: POST /api/v1/login, keep the token for this tab, go where the role works.
import { api, saveSession, initLang, t, ApiError, roleName } from './api.js';

const form = document.getElementById('login-form');
const error = document.getElementById('login-error');

function landing(role) {
	const next = new URLSearchParams(location.search).get('next');
	// Back to the page that asked, with one numeric parameter at most (case.html?id=12):
	// never another site.
	if (next && /^[a-z]+\.html(\?[a-z_]+=\d+)?$/.test(next)) return next;
	if (role === 'agent' || role === 'group_lead') return 'agent.html';
	if (role === 'manager' || role === 'admin') return 'wallboard.html';
	if (role === 'client_viewer') return 'forvaltning.html';
	return null;
}

initLang();

form.addEventListener('submit', async (ev) => {
	ev.preventDefault();
	error.textContent = '';
	const username = form.username.value.trim();
	const password = form.password.value;
	if (!username || !password) {
		error.textContent = t('Fyll i användarnamn och lösenord.', 'Enter your username and password.');
		(username ? form.password : form.username).focus();
		return;
	}
	try {
		const login = await api('POST', '/login', { username, password });
		saveSession(login);
		const to = landing(login.role);
		if (to) {
			location.href = to;
			return;
		}
		error.textContent = t(`Inloggad som ${roleName(login.role)}, men rollen har ingen sida i webbappen.`,
			`Logged in as ${roleName(login.role)}, but the role has no page in the web app.`);
	} catch (e) {
		error.textContent = e instanceof ApiError && e.status === 401
			? t('Fel användarnamn eller lösenord.', 'Wrong username or password.')
			: e.message;
		form.password.select();
		form.password.focus();
	}
});
