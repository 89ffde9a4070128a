// A provider that answers exactly as the test tells it, for ID tokens no certified
// provider would issue: another issuer or audience, expired, a wrong nonce, a signature by
// a key it does not publish, alg none. It checks what Lotsen sends (client secret, PKCE
// S256 verifier, redirect URI) as a real provider does.
//
//   node tests/sso/crafted.mjs --port P --client lotsen --secret S
// Prints "READY <issuer>". POST /scenario with a JSON object sets the next tokens' changes:
//   { iss, aud, exp_offset, iat_offset, nonce, sub, groups, kid, foreign_key, alg }
import { createServer } from 'node:http';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';

function arg(name, def) {
	const i = process.argv.indexOf('--' + name);
	return i > 0 ? process.argv[i + 1] : def;
}

const port = Number(arg('port'));
const issuer = `http://127.0.0.1:${port}`;
const client = arg('client', 'lotsen');
const secret = arg('secret', 'hemligt-for-test');
const key = generateKeyPairSync('rsa', { modulusLength: 2048 });
const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pub = { ...key.publicKey.export({ format: 'jwk' }), kid: 'c1', alg: 'RS256', use: 'sig' };
const codes = new Map(); // code → { nonce, challenge, redirect }
let scenario = {};
let next = 0;

const b64u = (b) => Buffer.from(b).toString('base64url');

function idToken(nonce) {
	const now = Math.floor(Date.now() / 1000);
	const s = scenario;
	const claims = {
		iss: s.iss ?? issuer,
		aud: s.aud ?? client,
		sub: s.sub ?? 'crafted-1',
		iat: now + (s.iat_offset ?? 0),
		exp: now + (s.exp_offset ?? 300),
		nonce: s.nonce ?? nonce,
		name: 'Crafted Person',
		preferred_username: s.username ?? 'crafted.person',
		groups: s.groups ?? ['kc-agenter'],
	};
	const alg = s.alg ?? 'RS256';
	const header = b64u(JSON.stringify({ alg, kid: s.kid ?? 'c1', typ: 'JWT' }));
	const input = `${header}.${b64u(JSON.stringify(claims))}`;
	if (alg === 'none') return `${input}.`;
	return `${input}.${b64u(sign('sha256', Buffer.from(input), (s.foreign_key ? foreign : key).privateKey))}`;
}

function json(res, status, body) {
	res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
	res.end(JSON.stringify(body));
}

function body(req) {
	return new Promise((resolve) => {
		let data = '';
		req.on('data', (c) => { data += c; });
		req.on('end', () => resolve(data));
	});
}

createServer(async (req, res) => {
	const url = new URL(req.url, issuer);
	if (url.pathname === '/.well-known/openid-configuration') {
		return json(res, 200, {
			issuer, authorization_endpoint: `${issuer}/auth`, token_endpoint: `${issuer}/token`,
			jwks_uri: `${issuer}/jwks`, response_types_supported: ['code'], subject_types_supported: ['public'],
			id_token_signing_alg_values_supported: ['RS256'], code_challenge_methods_supported: ['S256'],
		});
	}
	if (url.pathname === '/jwks') return json(res, 200, { keys: [pub] });
	if (url.pathname === '/scenario' && req.method === 'POST') {
		scenario = JSON.parse(await body(req) || '{}');
		return json(res, 200, { ok: true });
	}
	if (url.pathname === '/auth') {
		// No login form: the person is whoever the scenario says.
		const q = url.searchParams;
		if (q.get('client_id') !== client || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
			return json(res, 400, { error: 'invalid_request' });
		}
		const code = `code-${++next}`;
		codes.set(code, { nonce: q.get('nonce'), challenge: q.get('code_challenge'), redirect: q.get('redirect_uri') });
		const back = new URL(q.get('redirect_uri'));
		back.searchParams.set('code', code);
		back.searchParams.set('state', q.get('state'));
		res.writeHead(302, { Location: back.toString() });
		return res.end();
	}
	if (url.pathname === '/token' && req.method === 'POST') {
		const form = new URLSearchParams(await body(req));
		const auth = (req.headers.authorization || '').replace(/^Basic /, '');
		const [id, pw] = Buffer.from(auth, 'base64').toString().split(':').map(decodeURIComponent);
		if (id !== client || pw !== secret) return json(res, 401, { error: 'invalid_client' });
		const c = codes.get(form.get('code'));
		codes.delete(form.get('code'));
		const verifier = form.get('code_verifier') || '';
		if (!c || c.redirect !== form.get('redirect_uri') || createHash('sha256').update(verifier).digest('base64url') !== c.challenge) {
			return json(res, 400, { error: 'invalid_grant' });
		}
		return json(res, 200, { access_token: 'at', token_type: 'Bearer', expires_in: 300, id_token: idToken(c.nonce) });
	}
	json(res, 404, { error: 'not_found' });
}).listen(port, '127.0.0.1', () => process.stdout.write(`READY ${issuer}\n`));
