// A real OpenID provider for Lotsen's tests: the certified `oidc-provider` package on
// loopback, with one confidential client (Lotsen), test users carrying group claims, and a
// fresh RS256 key named by --kid (a restart with another --kid is a key rotation).
//
//   node tests/sso/provider.mjs --port P --redirect URL [--kid k1] [--client lotsen]
//        [--secret S] [--issuer URL]
// Prints "READY <issuer>" once it listens. Its login form is oidc-provider's own
// (devInteractions): any of the users below with any password.
import { createRequire } from 'node:module';
import { generateKeyPairSync } from 'node:crypto';

const require = createRequire(import.meta.url);
const { default: Provider } = await import(require.resolve('oidc-provider'));

function arg(name, def) {
	const i = process.argv.indexOf('--' + name);
	return i > 0 ? process.argv[i + 1] : def;
}

const port = Number(arg('port'));
const issuer = arg('issuer', `http://127.0.0.1:${port}`);
const kid = arg('kid', 'k1');

// The municipality's directory as the tests need it: groups as Keycloak would send them.
const USERS = {
	'anna.agent': { name: 'Anna Agent', groups: ['kc-agenter'] },
	'bo.ledare': { name: 'Bo Ledare', groups: ['kc-agenter', 'kc-ledare'] },
	'cecilia.chef': { name: 'Cecilia Chef', groups: ['kc-chefer'] },
	'sara.social': { name: 'Sara Social', groups: ['socialtjansten'] },
	'eva.extern': { name: 'Eva Extern', groups: ['bibliotek'] },
};

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
	clients: [{
		client_id: arg('client', 'lotsen'),
		client_secret: arg('secret', 'hemligt-for-test'),
		redirect_uris: [arg('redirect')],
		grant_types: ['authorization_code'],
		response_types: ['code'],
		token_endpoint_auth_method: 'client_secret_basic',
	}],
	jwks: { keys: [jwk] },
	claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'], groups: ['groups'] },
	scopes: ['openid', 'profile', 'email', 'groups'],
	// Lotsen reads the user's name and groups from the ID token itself.
	conformIdTokenClaims: false,
	pkce: { required: () => true },
	features: { devInteractions: { enabled: true } },
	cookies: { keys: ['lotsen-test-cookie-key'] },
	async findAccount(ctx, id) {
		const u = USERS[id] || { name: id, groups: [] };
		return {
			accountId: id,
			async claims() {
				return { sub: id, name: u.name, preferred_username: id, email: `${id}@kommun.example`, groups: u.groups };
			},
		};
	},
	// No consent screen: the municipality's own system.
	async loadExistingGrant(ctx) {
		const id = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
		if (id) return ctx.oidc.provider.Grant.find(id);
		const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
		grant.addOIDCScope('openid profile email groups');
		await grant.save();
		return grant;
	},
});
provider.on('server_error', (ctx, err) => process.stderr.write(`server_error ${err.stack}\n`));
provider.listen(port, '127.0.0.1', () => process.stdout.write(`READY ${issuer}\n`));
