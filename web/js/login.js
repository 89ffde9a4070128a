// The login page: POST /api/v1/login (or the municipality's account through OpenID Connect),
// keep the token for this tab, go where the role works.
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

// Why a login through the municipality's account was refused (the server's codes, see
// src/sso/sso.h), as the person at the desk would put it.
const SSO_ERRORS = {
	idp: ['Kommunens inloggningstjänst svarar inte just nu. Försök igen om en stund.', 'The municipality\'s login service is not answering just now. Try again in a while.'],
	token: ['Kommunens inloggningstjänst godtog inte inloggningen. Försök igen.', 'The municipality\'s login service did not accept the login. Try again.'],
	issuer: ['Inloggningen kom från en annan inloggningstjänst än kommunens och godtas inte.', 'The login came from another login service than the municipality\'s and is not accepted.'],
	audience: ['Inloggningen var utfärdad för ett annat system än Lotsen och godtas inte.', 'The login was issued for another system than Lotsen and is not accepted.'],
	expired: ['Inloggningen var för gammal. Logga in igen.', 'The login was too old. Log in again.'],
	signature: ['Inloggningen kunde inte styrkas (fel signatur) och godtas inte.', 'The login could not be verified (bad signature) and is not accepted.'],
	nonce: ['Inloggningen hörde inte till den här webbläsaren. Logga in igen.', 'The login did not belong to this browser. Log in again.'],
	claims: ['Inloggningen saknade uppgifter som Lotsen behöver.', 'The login lacked details Lotsen needs.'],
	state: ['Inloggningen har gått ut eller är redan använd. Logga in igen.', 'The login has expired or was used already. Log in again.'],
	denied: ['Inloggningen avbröts hos kommunens inloggningstjänst.', 'The login was cancelled at the municipality\'s login service.'],
	'no-role': ['Ditt konto har ingen behörighet i Lotsen. Be din chef eller IT om rätt grupp.', 'Your account has no access to Lotsen. Ask your manager or IT for the right group.'],
	account: ['Ditt konto kan inte användas i Lotsen (avstängt eller krock med ett lokalt konto). Kontakta en administratör.', 'Your account cannot be used in Lotsen (deactivated, or its name is a local account\'s). Contact an administrator.'],
	throttled: ['För många misslyckade inloggningar härifrån på kort tid. Vänta några minuter och försök igen.', 'Too many failed logins from here in a short while. Wait a few minutes and try again.'],
	storage: ['Inloggningen kunde inte sparas. Försök igen.', 'The login could not be saved. Try again.'],
};
const ssoError = document.getElementById('sso-error');
const query = new URLSearchParams(location.search);

function go(login) {
	saveSession(login);
	const to = landing(login.role);
	if (to) {
		location.href = to;
		return;
	}
	error.textContent = t(`Inloggad som ${roleName(login.role)}, men rollen har ingen sida i webbappen.`,
		`Logged in as ${roleName(login.role)}, but the role has no page in the web app.`);
}

async function sso() {
	let info = { enabled: false, local_passwords: 'on' };
	try {
		info = await api('GET', '/sso');
	} catch (e) {
		// an older server: password login only
	}
	if (info.enabled) {
		const next = query.get('next');
		const start = document.getElementById('sso-start');
		if (next) start.href = 'api/v1/sso/start?next=' + encodeURIComponent(next);
		document.getElementById('sso').hidden = false;
	}
	if (info.local_passwords === 'off') {
		form.hidden = true;
		document.getElementById('sso-or').hidden = true;
	}
	const code = query.get('sso_error');
	if (code) {
		const m = SSO_ERRORS[code] || SSO_ERRORS.idp;
		ssoError.textContent = t(m[0], m[1]);
	}
	const ticket = query.get('sso');
	if (ticket) {
		history.replaceState(null, '', location.pathname + (query.get('next') ? '?next=' + encodeURIComponent(query.get('next')) : ''));
		try {
			go(await api('POST', '/sso/session', { ticket }));
		} catch (e) {
			ssoError.textContent = e instanceof ApiError && e.status === 401
				? t(SSO_ERRORS.state[0], SSO_ERRORS.state[1])
				: e.message;
		}
	}
}

sso();

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
		go(await api('POST', '/login', { username, password }));
	} catch (e) {
		error.textContent = e instanceof ApiError && e.status === 401
			? t('Fel användarnamn eller lösenord.', 'Wrong username or password.')
			: e.message; // 403 local-passwords-off: the server's own sentence
		form.password.select();
		form.password.focus();
	}
});
